# tf-tweetbot — `make dev` runs the bot on one machine, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
BUN_VERSION := 1.4.5
BUN_MAJOR := $(firstword $(subst ., ,$(BUN_VERSION)))
JUNIT ?= .ci/out/junit.xml
export PATH := $(HOME)/.local/bin:$(HOME)/.bun/bin:$(PATH)

.PHONY: help setup setup-bun setup-packages setup-redis setup-chromium setup-grpc-python models dev test typecheck lint format chaos load_test fresh-check

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-28s %s\n", $$1, $$2}'

setup: setup-bun setup-packages setup-redis setup-chromium setup-grpc-python models ## install what is missing (Bun, packages, redis-server, Chromium, the gRPC test client, the default model)

setup-bun:
	@have=$$(bun --version 2>/dev/null | cut -d. -f1); \
	if [ "$$have" != "$(BUN_MAJOR)" ]; then \
	  command -v npm >/dev/null || { echo "setup: install Node.js and npm first (e.g. apt-get install nodejs npm), then re-run make"; exit 1; }; \
	  echo "setup: installing bun@$(BUN_VERSION) with npm"; \
	  prefix=$$(npm prefix -g); [ -w "$$prefix/lib" ] || [ -w "$$prefix" ] || prefix="$$HOME/.local"; \
	  npm install -g --prefix "$$prefix" --no-fund --no-audit bun@$(BUN_VERSION) >/dev/null || { echo "setup: 'npm install -g bun@$(BUN_VERSION)' failed; install Bun $(BUN_MAJOR).x yourself and re-run make"; exit 1; }; \
	fi

setup-packages:
	@bun install --frozen-lockfile --silent

# $(call apt_install,<packages>,<why>,<what to install by hand>,<command when apt-get is unusable>):
# apt-get as root, else with sudo; a failed install stops make.
apt_install = if command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] && sudo= || { command -v sudo >/dev/null && sudo=sudo; }; }; then \
	  echo "setup: installing $(1) with $${sudo:+sudo }apt-get$(2)"; \
	  ($$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null) \
	    || { echo "setup: apt-get install $(1) failed; $(3) and re-run make"; exit 1; }; \
	else $(4); fi

setup-redis:
	@command -v redis-server >/dev/null && exit 0; \
	$(call apt_install,redis-server,,install redis-server (Redis >= 6.2),echo "setup: redis-server is missing; install it (Redis >= 6.2: 'apt-get install redis-server' or 'brew install redis') and re-run make"; exit 1)

setup-chromium:
	@command -v chromium >/dev/null && exit 0; \
	$(call apt_install,chromium, (for the sandbox's browser test),install Chromium (or set CHROMIUM_PATH),echo "setup: chromium is missing; the sandbox's browser test will be skipped (install Chromium and set CHROMIUM_PATH to run it)")

# The independent gRPC client of tf-serving/test/grpc-python-client.test.ts: Debian's grpcio + grpc_tools,
# and gRPC's own reflection/health .proto files (grpc-proto).
setup-grpc-python:
	@/usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null && [ -f /usr/share/grpc-proto/grpc/reflection/v1alpha/reflection.proto ] && exit 0; \
	$(call apt_install,python3-grpcio python3-grpc-tools grpc-proto,,install them,echo "setup: note: apt-get is not usable here; install Debian's python3-grpcio python3-grpc-tools and grpc-proto yourself for make test (make dev does not need them)")

models: ## export the default image model into models/default/1 (offline, from node_modules)
	@bun tf-serving/scripts/export-default-model.ts models/default

dev: setup ## run Redis, tf-serving, master, both workers (and, without X keys, the sandbox on :8090) with prefixed logs (Ctrl-C stops all)
	@bun scripts/dev.ts

-include manifests/oc.mk load_test/load-test.mk bench/chaos/chaos.mk

typecheck:
	@bun x tsc --noEmit -p .

lint:
	@bun x biome check .

format: ## apply the formatter and safe lint fixes
	@bun x biome check --write .

test: setup typecheck lint ## typecheck, lint and every test (writes a JUnit report to $(JUNIT))
	@mkdir -p $(dir $(JUNIT))
	@bun test --timeout 30000 --reporter=junit --reporter-outfile=$(JUNIT)

fresh-check: ## clone this commit into an empty temporary folder and run the whole test suite there
	@scripts/fresh-clone-test.sh
