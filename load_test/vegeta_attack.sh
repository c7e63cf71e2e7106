#!/usr/bin/env bash
# Load test the master with signed, distinct webhook deliveries, then check the workers answered
# every accepted event.
#   load_test/vegeta_attack.sh [RATE] [DURATION] [URL]     defaults: 10/s, 180 s, local master
# Refuses unless every worker reports FLT_LOAD_TESTING_MODE=True (so nothing is sent to X).
# Uses vegeta when installed, otherwise the same attack with autocannon (from load_test's packages).
#
# Environment (all optional):
#   WORKER_URLS       workers' metrics bases (METRICS_PORT), comma-separated (default http://127.0.0.1:9091,http://127.0.0.1:9092)
#   KIND              dm | tweet | mix (default mix)
#   LOAD_TEST_OUT     output directory (default load_test/out)
#   LOAD_TEST_MEDIA_URL  media server the payloads point at (default http://127.0.0.1:9100; started if down)
#   LOAD_TEST_TOOL    auto | vegeta | autocannon (default auto)
#   DRAIN_TIMEOUT     seconds to wait for the workers to finish after the attack (default 120)
#   REDIS_URL, QUEUE_PREFIX  when set, queue depths are printed at the end
#   TWITTER_CONSUMER_SECRET  the master's secret, signs the bodies (default: make dev's dev-consumer-secret)
set -euo pipefail

RATE="${1:-10}"
DURATION="${2:-180}"
URL="${3:-http://127.0.0.1:8080/webhook}"
WORKER_URLS="${WORKER_URLS:-http://127.0.0.1:9091,http://127.0.0.1:9092}"
KIND="${KIND:-mix}"
OUT="${LOAD_TEST_OUT:-load_test/out}"
MEDIA_URL="${LOAD_TEST_MEDIA_URL:-http://127.0.0.1:9100}"
TOOL="${LOAD_TEST_TOOL:-auto}"
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-120}"

cd "$(dirname "$0")/.."
[[ "$RATE" =~ ^[0-9]+$ && "$RATE" -gt 0 ]] || { echo "RATE must be a whole number > 0 (requests per second)" >&2; exit 2; }
[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -gt 0 ]] || { echo "DURATION must be a whole number of seconds > 0" >&2; exit 2; }
COUNT=$((RATE * DURATION))
MASTER_BASE="$(printf '%s' "$URL" | sed -E 's#^(https?://[^/]+).*#\1#')"
mkdir -p "$OUT"

echo "== preflight: the stack must be in load-testing mode"
bun load_test/src/stack-cli.ts preflight --workers "$WORKER_URLS" --master "$MASTER_BASE"

MEDIA_PID=""
cleanup() { if [ -n "$MEDIA_PID" ]; then kill "$MEDIA_PID" 2>/dev/null || true; wait "$MEDIA_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT
# Any HTTP answer means an image server is there (make dev's, or a test stack's own).
if ! curl -sS -m 2 -o /dev/null "$MEDIA_URL/" 2>/dev/null; then
  MEDIA_PORT="$(printf '%s' "$MEDIA_URL" | sed -E 's#^https?://[^:/]+:?([0-9]*).*#\1#')"
  echo "== media server not running at $MEDIA_URL: starting it"
  MEDIA_PORT="${MEDIA_PORT:-80}" bun load_test/src/media-server.ts >"$OUT/media-server.log" 2>&1 &
  MEDIA_PID=$!
  for _ in $(seq 1 100); do curl -fsS -m 1 "$MEDIA_URL/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS -m 2 "$MEDIA_URL/healthz" >/dev/null || { echo "media server did not start (see $OUT/media-server.log)" >&2; exit 1; }
fi

echo "== targets: $COUNT signed $KIND deliveries with distinct event ids"
bun load_test/src/targets-cli.ts --count "$COUNT" --kind "$KIND" --url "$URL" --media-url "$MEDIA_URL" --out "$OUT"

BASELINE="$(bun load_test/src/stack-cli.ts counts --workers "$WORKER_URLS")"

if [ "$TOOL" = auto ]; then
  if command -v vegeta >/dev/null 2>&1; then TOOL=vegeta; else TOOL=autocannon; fi
  if [ "$TOOL" = autocannon ]; then
    cat <<'MSG'
== vegeta is not installed. To use it: download a release binary from its project page
   (github.com/tsenart/vegeta, releases), or `go install github.com/tsenart/vegeta/v12@latest`,
   or `brew install vegeta`. Running the same attack with autocannon instead.
MSG
  fi
fi

echo "== attack: $RATE/s for ${DURATION}s against $URL ($TOOL)"
if [ "$TOOL" = vegeta ]; then
  vegeta attack -format=json -targets="$OUT/targets.json" -rate="$RATE" -duration="${DURATION}s" >"$OUT/results.bin"
  vegeta report "$OUT/results.bin"
  vegeta report -type=json "$OUT/results.bin" >"$OUT/report.json"
  vegeta plot -title="tf-tweetbot load test: $RATE/s for ${DURATION}s" "$OUT/results.bin" >"$OUT/plot.html"
  echo "results: $OUT/results.bin  plot: $OUT/plot.html"
else
  bun load_test/src/autocannon-attack.ts --targets "$OUT/targets.json" --rate "$RATE" --duration "$DURATION" --out "$OUT"
fi

echo "== waiting for the workers (at most ${DRAIN_TIMEOUT}s)"
DRAIN_ARGS=(--workers "$WORKER_URLS" --baseline "$BASELINE" --report "$OUT/report.json" --timeout "$DRAIN_TIMEOUT")
if [ -n "${REDIS_URL:-}" ]; then DRAIN_ARGS+=(--redis "$REDIS_URL" --prefix "${QUEUE_PREFIX:-tweetbot}"); fi
bun load_test/src/stack-cli.ts drain "${DRAIN_ARGS[@]}"
