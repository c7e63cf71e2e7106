# OpenShift deployment of tf-tweetbot (included by the root Makefile).
# Settings come from .env (see .env.example), like the Python original; a setting given on the
# command line (make oc_deploy_all TF_SERVING_IMAGE=tensorflow/serving) wins over .env.
# Every target first checks that oc is installed and logged in and that the settings it needs are
# set, and stops with one line saying what is missing before it changes anything.

ENV_FILE ?= .env
-include $(ENV_FILE)

OC ?= oc
APP_NAME ?= tweetbot
OC_TEMPLATE := $(SHELL) manifests/scripts/oc-template.sh
OC_DELETE := $(SHELL) manifests/scripts/oc-delete.sh
OC_PART_OF = app.kubernetes.io/part-of=$(APP_NAME)

# Every setting handed to the templates (names only; the values stay in the environment).
OC_SETTINGS := APP_NAME OC_PROJECT GIT_URL GIT_REF \
  TWITTER_CONSUMER_KEY TWITTER_CONSUMER_SECRET TWITTER_ACCESS_TOKEN TWITTER_ACCESS_TOKEN_SECRET \
  FLT_DEBUG_MODE FLT_LOAD_TESTING_MODE QUEUE_PREFIX \
  REDIS_IMAGE REDIS_VOLUME_SIZE REDIS_MEMORY_LIMIT REDIS_PASSWORD REDIS_MASTER_PASSWORD \
  REDIS_WORKER_PASSWORD EXTERNAL_REDIS_URL EXTERNAL_REDIS_USERNAME EXTERNAL_REDIS_PASSWORD \
  EXTERNAL_REDIS_ADDRESS EXTERNAL_REDIS_TLS EXTERNAL_REDIS_EGRESS_PORT EXTERNAL_REDIS_EGRESS_CIDR \
  TF_SERVING_IMAGE MODEL_NAME MODEL_SOURCE MODEL_SOURCE_REF MODEL_SOURCE_SHA256 MODEL_SOURCE_PATH \
  MODEL_FETCH_IMAGE \
  TF_SERVING_REPLICAS TF_SERVING_WORKERS TF_SERVING_CPU_REQUEST TF_SERVING_MEMORY_LIMIT \
  WORKERS_IMAGE CHAT_WORKER_CONCURRENCY TWEET_WORKER_CONCURRENCY \
  CHAT_WORKER_REPLICAS TWEET_WORKER_REPLICAS WORKER_CPU_REQUEST WORKER_MEMORY_LIMIT \
  REPLY_PRESET MODEL_LABELS FLT_FEDORA_FOUND_THRESHOLD \
  WORKER_AUTOSCALING KEDA_MIN_REPLICAS KEDA_MAX_REPLICAS KEDA_LIST_LENGTH KEDA_REDIS_TLS \
  MASTER_IMAGE ROUTE_HOST WEBHOOK_MAX_BODY_BYTES MASTER_MIN_REPLICAS MASTER_MAX_REPLICAS \
  MASTER_CPU_TARGET MASTER_MEMORY_LIMIT \
  ACME_IMAGE ACME_EXPOSER_IMAGE ACME_DIRECTORY_URL \
  MASTER_URL TWITTER_BEARER_TOKEN TWITTER_BOT_USER_ID
# Exported only for the OpenShift targets: `make dev` / `make test` must not inherit empty
# TWITTER_* or MODEL_NAME settings from here.
ifneq ($(filter oc_% register_webhook,$(MAKECMDGOALS)),)
export OC OC_SETTINGS $(OC_SETTINGS)
endif

TWITTER_SETTINGS := TWITTER_CONSUMER_KEY TWITTER_CONSUMER_SECRET TWITTER_ACCESS_TOKEN \
  TWITTER_ACCESS_TOKEN_SECRET

# make -n only prints: it must not stop on a missing oc or setting.
OC_DRY_RUN := $(findstring n,$(firstword -$(MAKEFLAGS)))
oc_empty = $(strip $(foreach v,$(1),$(if $(strip $($(v))),,$(v))))
oc_comma := ,
oc_nothing :=
oc_space := $(oc_nothing) $(oc_nothing)
oc_list = $(subst $(oc_space),$(oc_comma)$(oc_space),$(1))
# $(call oc_preflight,target,REQUIRED SETTINGS[,nooc]): stops make with one line when oc is
# missing or not logged in (unless nooc), or a required setting is empty. Expanded before the
# recipe's first command runs, so nothing has been changed when it stops.
oc_preflight = $(if $(OC_DRY_RUN),,$(if $(3),,$(call oc_check_cli,$(1)))$(if $(call \
  oc_empty,$(2)),$(error $(1): $(call oc_list,$(call oc_empty,$(2))) not set: add $(if $(word \
  2,$(call oc_empty,$(2))),them,it) to $(ENV_FILE) (see .env.example))))
oc_check_cli = $(eval _oc_err := $(shell OC_PROJECT='$(OC_PROJECT)' \
  WORKER_AUTOSCALING='$(WORKER_AUTOSCALING)' $(SHELL) manifests/scripts/oc-preflight.sh $(1) \
  2>&1 >/dev/null))$(if $(_oc_err),$(error $(_oc_err)))
OC_TEMPLATE_NAMES = $(sort $(basename $(notdir $(wildcard manifests/templates/*.yaml))))

.PHONY: oc_deploy_acme oc_build_images oc_deploy_redis oc_deploy_tf_serving \
  oc_deploy_chatbot_worker oc_deploy_tweetbot_worker oc_deploy_master oc_deploy_all \
  oc_delete_acme oc_delete_builds oc_delete_redis oc_delete_tf_serving oc_delete_chatbot_worker \
  oc_delete_tweetbot_worker oc_delete_master oc_delete_all register_webhook oc_render

# Offline preview, no cluster needed: the objects a template gives with the current settings.
oc_render: ## print a template rendered offline with the .env settings (TEMPLATE=master)
	$(if $(TEMPLATE),,$(error oc_render: say which template: make oc_render TEMPLATE=<$(subst \
	  $(oc_space),|,$(OC_TEMPLATE_NAMES))>))
	@$(OC_TEMPLATE) render $(TEMPLATE)

oc_deploy_acme: ## OpenShift: openshift-acme in this project (Let's Encrypt certificates for Routes)
	$(call oc_preflight,$@)
	@$(OC_TEMPLATE) apply acme

oc_build_images: ## OpenShift: ImageStreams + BuildConfigs, builds the three images from GIT_URL
	$(call oc_preflight,$@,GIT_URL)
	@$(OC_TEMPLATE) apply builds

oc_deploy_redis: ## OpenShift: Redis with AOF on a volume (or the Secret for EXTERNAL_REDIS_URL)
	$(call oc_preflight,$@)
ifeq ($(strip $(EXTERNAL_REDIS_URL)),)
	@$(OC_TEMPLATE) create-once redis-secret secret/$(APP_NAME)-redis
	@$(OC_TEMPLATE) apply redis
else
	@$(OC_TEMPLATE) apply redis-external
endif

oc_deploy_tf_serving: ## OpenShift: the model server (TF_SERVING_IMAGE=tensorflow/serving swaps it)
	$(call oc_preflight,$@)
	@$(OC_TEMPLATE) apply tf-serving

# $(call oc_deploy_worker,TEMPLATE,QUEUE): a worker's recipe: the X Secret it reads, its
# Deployment and, with WORKER_AUTOSCALING=keda, the ScaledObject that watches QUEUE.
define oc_deploy_worker
	$(call oc_preflight,$@,$(TWITTER_SETTINGS))
	@$(OC_TEMPLATE) apply twitter-secret
	@$(OC_TEMPLATE) apply $(1)
	$(if $(filter keda,$(strip $(WORKER_AUTOSCALING))),@$(OC_TEMPLATE) apply keda-worker WORKER_QUEUE=$(2))
endef

oc_deploy_chatbot_worker: ## OpenShift: the DM worker (and its KEDA ScaledObject with WORKER_AUTOSCALING=keda)
	$(call oc_deploy_worker,chatbot-worker,chat)

oc_deploy_tweetbot_worker: ## OpenShift: the mention worker (and its KEDA ScaledObject with WORKER_AUTOSCALING=keda)
	$(call oc_deploy_worker,tweetbot-worker,tweet)

oc_deploy_master: ## OpenShift: the webhook service, its Route (edge TLS, tls-acme) and autoscaler
	$(call oc_preflight,$@,$(TWITTER_SETTINGS))
	@$(OC_TEMPLATE) apply twitter-secret
	@$(OC_TEMPLATE) apply master

# One preflight for everything, then each step in order (a sub-make each, so -j cannot reorder).
oc_deploy_all: ## OpenShift: (images from GIT_URL,) redis, tf-serving, workers, master, in this order
	$(call oc_preflight,$@,$(TWITTER_SETTINGS))
ifneq ($(strip $(GIT_URL)),)
	@$(MAKE) --no-print-directory oc_build_images
endif
	@$(MAKE) --no-print-directory oc_deploy_redis
	@$(MAKE) --no-print-directory oc_deploy_tf_serving
	@$(MAKE) --no-print-directory oc_deploy_chatbot_worker
	@$(MAKE) --no-print-directory oc_deploy_tweetbot_worker
	@$(MAKE) --no-print-directory oc_deploy_master
	@echo "oc_deploy_all: done; the webhook URL is https://$$($(OC) get route $(APP_NAME)-master -o jsonpath='{.spec.host}' 2>/dev/null)/webhook (make register_webhook)"

oc_delete_acme: ## OpenShift: remove openshift-acme
	$(call oc_preflight,$@)
	@$(OC_DELETE) app.kubernetes.io/name=openshift-acme serviceaccount,role,rolebinding

# Only the build kinds: the running services carry the same component labels.
oc_delete_builds: ## OpenShift: remove the ImageStreams (and images) and BuildConfigs
	$(call oc_preflight,$@)
	@$(OC_DELETE) --only imagestream,buildconfig \
	  '$(OC_PART_OF),app.kubernetes.io/component in (master,workers,tf-serving)'

oc_delete_redis: ## OpenShift: remove Redis, its volume (the queues!) and its Secret
	$(call oc_preflight,$@)
	@$(OC_DELETE) $(OC_PART_OF),app.kubernetes.io/component=redis

oc_delete_tf_serving: ## OpenShift: remove the model server
	$(call oc_preflight,$@)
	@$(OC_DELETE) $(OC_PART_OF),app.kubernetes.io/component=tf-serving

oc_delete_chatbot_worker: ## OpenShift: remove the DM worker
	$(call oc_preflight,$@)
	@$(OC_DELETE) $(OC_PART_OF),app.kubernetes.io/component=chat-worker

oc_delete_tweetbot_worker: ## OpenShift: remove the mention worker
	$(call oc_preflight,$@)
	@$(OC_DELETE) $(OC_PART_OF),app.kubernetes.io/component=tweet-worker

oc_delete_master: ## OpenShift: remove the master, its Route and autoscaler
	$(call oc_preflight,$@)
	@$(OC_DELETE) $(OC_PART_OF),app.kubernetes.io/component=master

oc_delete_all: ## OpenShift: remove everything the oc_deploy_* targets created (not openshift-acme)
	$(call oc_preflight,$@)
	@$(OC_DELETE) $(OC_PART_OF)

# Registers https://<master>/webhook with X (X runs a CRC against the master at once) and
# subscribes the bot account. MASTER_URL defaults to the master's Route.
register_webhook: ## register the master's public URL with X and subscribe the bot account
	$(call oc_preflight,$@,$(TWITTER_SETTINGS),$(strip $(MASTER_URL)))
	@set -o pipefail; url='$(MASTER_URL)'; \
	if [ -z "$$url" ]; then \
	  host=$$($(OC) get route $(APP_NAME)-master -o jsonpath='{.spec.host}') && [ -n "$$host" ] \
	    || { echo "register_webhook: no Route $(APP_NAME)-master: run make oc_deploy_master or set MASTER_URL"; exit 1; }; \
	  url="https://$$host"; \
	fi; \
	out=$$(bun run webhook register "$${url%/}/webhook") || { echo "$$out"; exit 1; }; echo "$$out"; \
	id=$$(printf '%s\n' "$$out" | sed -n 's/^registered webhook \([^ ]*\) .*/\1/p'); \
	[ -n "$$id" ] || { echo "register_webhook: no webhook id in the output above"; exit 1; }; \
	bun run webhook subscribe "$$id"
