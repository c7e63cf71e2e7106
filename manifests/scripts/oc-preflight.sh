#!/usr/bin/env bash
# Checks, before a make target changes anything, that `oc` is installed, logged in and pointed at
# a project. Prints ONE line (prefixed with the target name) on stderr and exits 1 otherwise.
# Usage: oc-preflight.sh <target>
# Env: OC = the oc binary; OC_PROJECT = project (optional); WORKER_AUTOSCALING = keda makes the
# worker targets also check that KEDA is installed.
set -u
target=${1:?target name}
oc=${OC:-oc}
fail() {
  echo "$target: $*" >&2
  exit 1
}
command -v "$oc" >/dev/null 2>&1 ||
  fail "the OpenShift CLI '$oc' is not on PATH: install it (https://docs.openshift.com/container-platform/latest/cli_reference/openshift_cli/getting-started-cli.html) and run oc login"
"$oc" whoami >/dev/null 2>&1 ||
  fail "oc is not logged in to a cluster: run 'oc login <api-url>' (or 'oc login --token=...') first"
if [ -n "${OC_PROJECT:-}" ]; then
  "$oc" get project "$OC_PROJECT" >/dev/null 2>&1 ||
    fail "project '$OC_PROJECT' (OC_PROJECT) does not exist or you cannot see it: run 'oc new-project $OC_PROJECT'"
else
  "$oc" project -q >/dev/null 2>&1 ||
    fail "oc has no current project: run 'oc new-project <name>' or set OC_PROJECT in .env"
fi
case "$target" in
  oc_deploy_chatbot_worker | oc_deploy_tweetbot_worker | oc_deploy_all)
    if [ "${WORKER_AUTOSCALING:-}" = keda ] &&
      ! "$oc" api-resources --api-group=keda.sh -o name 2>/dev/null | grep -q '^scaledobjects'; then
      fail "WORKER_AUTOSCALING=keda, but this cluster has no KEDA: install the Custom Metrics Autoscaler operator (or KEDA), or unset WORKER_AUTOSCALING"
    fi
    ;;
esac
exit 0
