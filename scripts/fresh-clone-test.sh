#!/usr/bin/env bash
# Runs the test suite the way a newcomer meets it: clone the current commit into an empty
# temporary folder (nothing beside it), then run CI's entry point there (`make test` plus the
# "N passed, N failed" line). Uncommitted changes are not part of the clone.
#
#   scripts/fresh-clone-test.sh            # clone HEAD
#   scripts/fresh-clone-test.sh <commit>   # clone another commit
#   KEEP=1 scripts/fresh-clone-test.sh     # keep the clone for a look afterwards
set -euo pipefail
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
commit=$(git -C "$repo" rev-parse "${1:-HEAD}")
if [ -z "${1:-}" ] && [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "fresh-check: note: uncommitted changes are not tested (the clone holds ${commit:0:12})" >&2
fi

outer=$(mktemp -d "${TMPDIR:-/tmp}/fresh-clone-XXXXXX")
cleanup() { if [ "${KEEP:-}" = 1 ]; then echo "fresh-check: kept $outer/tf-tweetbot" >&2; else rm -rf "$outer"; fi; }
trap cleanup EXIT

echo "fresh-check: cloning ${commit:0:12} into $outer/tf-tweetbot (an empty folder)" >&2
git clone --quiet --no-local "$repo" "$outer/tf-tweetbot"
cd "$outer/tf-tweetbot"
git checkout --quiet --detach "$commit"
bash .ci/run
