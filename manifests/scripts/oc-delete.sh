#!/usr/bin/env bash
# Deletes what the deploy targets created, by label (no settings needed):
#   oc-delete.sh <label selector> [extra,kinds]    every kind the templates create, and these
#   oc-delete.sh --only <kinds> <label selector>   just these kinds
# e.g. 'app.kubernetes.io/part-of=tweetbot,app.kubernetes.io/component=redis'.
set -euo pipefail
only=
if [ "${1:-}" = --only ]; then only=${2:?kinds after --only}; shift 2; fi
selector=${1:?label selector}
oc=${OC:-oc}
ns=()
if [ -n "${OC_PROJECT:-}" ]; then ns=(-n "$OC_PROJECT"); fi
if [ -n "$only" ]; then
  kinds=$only
else
  kinds=deployment,service,route,horizontalpodautoscaler,poddisruptionbudget,networkpolicy
  kinds=$kinds,persistentvolumeclaim,secret,configmap,imagestream,buildconfig
  if [ -n "${2:-}" ]; then kinds=$kinds,$2; fi
  # KEDA's kinds exist only where KEDA is installed; asking for them elsewhere is an error.
  if "$oc" api-resources --api-group=keda.sh -o name 2>/dev/null | grep -q scaledobjects; then
    kinds=$kinds,scaledobjects.keda.sh,triggerauthentications.keda.sh
  fi
fi
"$oc" delete ${ns[@]+"${ns[@]}"} "$kinds" -l "$selector" --ignore-not-found
