#!/usr/bin/env bash
# What waiting for a replica costs a publish (a command to run, not a test). Starts a Redis primary
# and a replica of it (redis-server processes on free ports), the stack on the primary through
# scripts/run-local.sh (its listeners and workers take the events), and beside it two more APIs on
# the same Redis, started as run-local.sh starts its API (scripts/java-service.sh with the agent,
# otel-agent.properties and jvm.options; no collector: the agent exports nothing, as run-local.sh's
# do without one) but for PRICING_EVENTS_MIN_REPLICAS: 0 (answers once the primary has the event)
# and 1 (after WAIT 1).
# Then, interleaved, RUNS times against each: wrk -c CONNECTIONS for DURATION of
# POST /api/v1/publish-market-event (a category's demand factor; the publish rate limit raised out
# of the way). Prints each run and the medians of throughput, p50 and p99 (any non-202 fails).
#
# Environment: CONNECTIONS (8), DURATION (10s), WARMUP (60s: runs after 20 s still climbed),
# RUNS (3), API_PORT (18280; the stack's listeners and workers take the ports after it), NO_WAIT_PORT (API_PORT + 20),
# WAIT_PORT (API_PORT + 21).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONNECTIONS=${CONNECTIONS:-8}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-60s}
RUNS=${RUNS:-3}
API_PORT=${API_PORT:-18280}
NO_WAIT_PORT=${NO_WAIT_PORT:-$((API_PORT + 20))}
WAIT_PORT=${WAIT_PORT:-$((API_PORT + 21))}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PRIMARY_PORT=$(free_port)
REPLICA_PORT=$(free_port)
REDIS_DIR=$(mktemp -d)
redis-server --port "$PRIMARY_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$REDIS_DIR" \
  --daemonize yes --pidfile "$REDIS_DIR/primary.pid" >/dev/null
redis-server --port "$REPLICA_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$REDIS_DIR" \
  --replicaof "127.0.0.1 $PRIMARY_PORT" --daemonize yes --pidfile "$REDIS_DIR/replica.pid" >/dev/null
stop_redis() {
  for pid in "$REDIS_DIR"/*.pid; do [[ -f $pid ]] && kill "$(cat "$pid")" 2>/dev/null; done
  rm -rf "$REDIS_DIR"
}
trap stop_redis EXIT
for _ in $(seq 1 50); do redis-cli -p "$PRIMARY_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

REDIS_PORT=$PRIMARY_PORT
API_PIDS=()
# shellcheck source=bench/stack.sh
source "$ROOT/bench/stack.sh" wrk
bench_cleanup() {
  for pid in "${API_PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  [[ -n $STACK_PID ]] && kill "$STACK_PID" 2>/dev/null && wait "$STACK_PID" 2>/dev/null
  STACK_PID=""
  stop_redis
}

until redis-cli -p "$REPLICA_PORT" info replication | grep -q 'master_link_status:up'; do sleep 0.2; done
log "Redis primary on $PRIMARY_PORT, its replica on $REPLICA_PORT"
log "starting the stack (prefix $PREFIX, demo catalog)"
start_stack
VERSION=$(sed -n 's:^    <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -n 1)
# Starts an API on the stack's Redis and prefix with the given port and min-replicas.
start_api() {
  log "starting an API on $1 with PRICING_EVENTS_MIN_REPLICAS=$2"
  env PORT="$1" REDIS_URL="redis://127.0.0.1:$PRIMARY_PORT" PRICING_REDIS_KEY_PREFIX="$PREFIX" \
    PRICING_SECURITY_API_KEYS="$PRICING_API_KEY" PRICING_SECURITY_PUBLISH_RATE_PER_SECOND=1000000 \
    PRICING_EVENTS_MIN_REPLICAS="$2" PRICING_CATALOG_DEMO_SIZE=0 MALLOC_ARENA_MAX=2 \
    OTEL_SERVICE_NAME=api-service OTEL_JAVAAGENT_CONFIGURATION_FILE="$ROOT/otel-agent.properties" \
    OTEL_INSTRUMENTATION_LETTUCE_ENABLED=false OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none \
    OTEL_LOGS_EXPORTER=none \
    "$ROOT/scripts/java-service.sh" "$ROOT/api-service/target/agent/opentelemetry-javaagent.jar" \
    "$ROOT/api-service/jvm.options" \
    -jar "$ROOT/api-service/target/api-service-$VERSION.jar" >"$WORK/api-$1.log" 2>&1 &
  API_PIDS+=($!)
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$1/actuator/health/readiness" >/dev/null && return
    kill -0 "${API_PIDS[-1]}" 2>/dev/null || { cat "$WORK/api-$1.log" >&2; exit 1; }
    sleep 1
  done
  echo "bench: the API on $1 did not get ready; see $WORK/api-$1.log" >&2
  exit 1
}
start_api "$NO_WAIT_PORT" 0
start_api "$WAIT_PORT" 1

cat >"$WORK/publish.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"type":"DEMAND_FACTOR","factor":"1.05","category":"C-1"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = os.getenv("PRICING_API_KEY")
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  refused = 0
end
function response(status, headers, body)
  if status ~= 202 then refused = refused + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("refused") end
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f non202=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, total,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
declare -A PORT_OF=([no-wait]=$NO_WAIT_PORT [wait-1]=$WAIT_PORT)
run_wrk() {
  wrk -t1 -c"$CONNECTIONS" -d"$2" -s "$WORK/publish.lua" "http://127.0.0.1:${PORT_OF[$1]}/api/v1/publish-market-event" |
    grep '^RESULT'
}
for api in no-wait wait-1; do
  log "warm-up of $api ($WARMUP)"
  run_wrk "$api" "$WARMUP" >/dev/null
done
declare -A RPS P50 P99
for run in $(seq 1 "$RUNS"); do
  for api in no-wait wait-1; do
    line=$(run_wrk "$api" "$DURATION")
    log "run $run $api: $line"
    if [[ $(field non202 "$line") != 0 || $(field socket_errors "$line") != 0 ]]; then
      echo "bench: $api run $run had refused or failed publishes: $line" >&2
      exit 1
    fi
    RPS[$api]+="$(field rps "$line") "
    P50[$api]+="$(field p50_ms "$line") "
    P99[$api]+="$(field p99_ms "$line") "
  done
done
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for api in no-wait wait-1; do
  echo "SUMMARY $api publishes: median $(median "${RPS[$api]}") req/s, p50 $(median "${P50[$api]}") ms, p99 $(median "${P99[$api]}") ms (runs: ${RPS[$api]}/ ${P99[$api]})"
done
