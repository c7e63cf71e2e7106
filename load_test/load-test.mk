# Included by the root Makefile. `make load_test` starts a private local stack in load-testing
# mode and attacks it with load_test/vegeta_attack.sh (vegeta if installed, else autocannon).
LOAD_TEST_RATE ?= 10
LOAD_TEST_DURATION ?= 10

.PHONY: load_test load_test_targets

load_test: setup ## load test a private local stack in load-testing mode (LOAD_TEST_RATE=10/s, LOAD_TEST_DURATION=10 s)
	@bun load_test/src/local-load-test.ts $(LOAD_TEST_RATE) $(LOAD_TEST_DURATION)

load_test_targets: ## write signed vegeta targets for the local master to load_test/out (COUNT=100, KIND=mix)
	@bun load_test/src/targets-cli.ts --count $${COUNT:-100} --kind $${KIND:-mix}
