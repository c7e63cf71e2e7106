#!/usr/bin/env bash
# Applies (or creates once) one template of manifests/templates with the settings from .env:
#   oc-template.sh apply <template> [NAME=VALUE...]   oc process --local | oc apply --server-side
#   oc-template.sh create-once <template> <kind/name>  the same, only when kind/name is absent
#   oc-template.sh render <template> [NAME=VALUE...]  print it, rendered offline (no oc needed)
# Settings reach `oc process` through a private parameter file (mode 600, deleted on exit), never
# on a command line, so secrets do not show up in the process list. Only names listed in
# OC_SETTINGS with a non-empty value are passed: an empty setting means "use the default".
set -euo pipefail
mode=${1:?apply, create-once or render}
template=${2:?template name}
shift 2
oc=${OC:-oc}
ns=()
if [ -n "${OC_PROJECT:-}" ]; then ns=(-n "$OC_PROJECT"); fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
file="$here/templates/$template.yaml"

if [ "$mode" = create-once ]; then
  existing=${1:?kind/name}
  shift
  if "$oc" get ${ns[@]+"${ns[@]}"} "$existing" >/dev/null 2>&1; then
    echo "$existing exists: kept as it is"
    exit 0
  fi
fi

umask 077
params=$(mktemp)
trap 'rm -f "$params"' EXIT
for name in ${OC_SETTINGS:-}; do
  value=${!name:-}
  if [ -n "$value" ]; then printf '%s=%s\n' "$name" "$value" >>"$params"; fi
done
extra=()
for kv in "$@"; do extra+=(-p "$kv"); done

if [ "$mode" = render ]; then
  bun "$here/src/cli.ts" "$file" --param-file "$params" --ignore-unknown-parameters ${extra[@]+"${extra[@]}"}
  exit
fi

"$oc" process --local -f "$file" --param-file="$params" --ignore-unknown-parameters ${extra[@]+"${extra[@]}"} |
  "$oc" apply ${ns[@]+"${ns[@]}"} --server-side --force-conflicts --field-manager=tweetbot -f -
