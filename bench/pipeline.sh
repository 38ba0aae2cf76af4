#!/usr/bin/env bash
# Pipeline benchmark (a command to run, not a test). In one run:
#  (a) full recalculation of a PRODUCTS-product catalog (default 1,000,000, in categories of 500):
#      prices written per second by the first pass of a fresh worker (JIT warm-up included) and by
#      a second pass after a global demand factor (every price changes, so it writes all of them
#      too), beside redis-benchmark's pipelined SET throughput (-P 64, 4 and 1 connections) as the
#      ceiling, with the ratios (target >= 40% of the 4-connection ceiling);
#  (b) event-to-price latency: EVENTS demand-factor events (default 200) at RATE per second (default
#      5), each on a 500-product category; p50/p99 from the 202 to the changed price being served
#      (target p99 < 250 ms).
# The stack runs through scripts/run-local.sh (1 listener, 1 worker) against the Redis on
# 127.0.0.1:6379 under a fresh key prefix that is deleted afterwards.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PRODUCTS=${PRODUCTS:-1000000}
EVENTS=${EVENTS:-200}
RATE=${RATE:-5}
API_PORT=${API_PORT:-18180}
BENCH=pipeline
# shellcheck source=bench/stack.sh
source "$ROOT/bench/stack.sh" redis-benchmark
bench_cleanup() { redis-cli --scan --pattern "pipeline-set:*" | xargs -r -n 1000 redis-cli unlink >/dev/null; }

log "starting the stack (prefix $PREFIX, empty catalog, 1 listener, 1 worker)"
start_stack PRICING_CATALOG_DEMO_SIZE=0 LISTENERS=1 WORKERS=1

log "importing $PRODUCTS products (NDJSON, streamed)"
start=$(date +%s%N)
awk -v n="$PRODUCTS" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"product_id\":\"P-%d\",\"category\":\"C-%d\",\"base_price\":\"%d.%02d\",\"floor_price\":\"1.00\",\"ceiling_price\":\"99999.00\"}\n", i, (i - 1) % (n / 500) + 1, 5 + i % 900, i % 100 }' |
  curl -fsS -X POST "$API/api/v1/catalog" -H "X-API-Key: $PRICING_API_KEY" -H 'Content-Type: application/x-ndjson' \
    --data-binary @- >"$WORK/import.json"
import_ms=$((($(date +%s%N) - start) / 1000000))
log "import: $(cat "$WORK/import.json") in ${import_ms} ms"

# Runs one full recalculation (the event in $1, empty: RECALCULATE) and prints
# "<prices processed> <milliseconds the lock was held>" from its job status.
full_pass() {
  local job status
  job=$(publish "${1:-}" | sed -n 's/.*"job":"\([^"]*\)".*/\1/p')
  for _ in $(seq 1 600); do
    status=$(curl -sS "$API$job")
    [[ $status == *'"state":"SUCCEEDED"'* ]] && break
    sleep 1
  done
  [[ $status == *'"state":"SUCCEEDED"'* ]] || { echo "bench: recalculation did not finish: $status" >&2; exit 1; }
  epoch_ms() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" <<<"$status" | xargs -I{} date -d {} +%s%3N; }
  echo "$(sed -n 's/.*"processed":\([0-9]*\).*/\1/p' <<<"$status") $(($(epoch_ms unlocked_at) - $(epoch_ms locked_at)))"
}
ceiling() {
  redis-benchmark -P 64 -c "$1" -n 2000000 -r "$PRODUCTS" -d 40 --csv SET "pipeline-set:__rand_int__" x |
    tail -n 1 | tr -d '"' | cut -d, -f2
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

log "(a) full recalculation: the first pass of a fresh worker, then one after a global demand factor"
cold=$(full_pass)
# every price changes (by at least 0.25: base prices start at 5.00), so it writes all of them too
warm=$(full_pass '{"type":"DEMAND_FACTOR","factor":1.05}')
read -r cold_processed cold_ms <<<"$cold"
read -r warm_processed warm_ms <<<"$warm"
cold_rate=$(awk -v p="$cold_processed" -v ms="$cold_ms" 'BEGIN { printf "%.0f", p / (ms / 1000) }')
warm_rate=$(awk -v p="$warm_processed" -v ms="$warm_ms" 'BEGIN { printf "%.0f", p / (ms / 1000) }')
set_rps=$(ceiling 4)
set_rps_one=$(ceiling 1)
echo "SUMMARY full recalculation, first pass (JIT warm-up included): $cold_processed prices in $cold_ms ms = $cold_rate prices/s"
echo "SUMMARY full recalculation, second pass (every price changed): $warm_processed prices in $warm_ms ms = $warm_rate prices/s"
echo "SUMMARY redis-benchmark pipelined SET (-P 64 -c 4): $set_rps req/s"
echo "SUMMARY redis-benchmark pipelined SET, one connection like the worker (-P 64 -c 1): $set_rps_one req/s"
echo "RATIO first pass / pipelined SET: $(ratio "$cold_rate" "$set_rps") (one connection: $(ratio "$cold_rate" "$set_rps_one"))"
echo "RATIO second pass / pipelined SET: $(ratio "$warm_rate" "$set_rps") (one connection: $(ratio "$warm_rate" "$set_rps_one")) (target >= 0.40)"

log "(b) event-to-price latency: $EVENTS events at $RATE/s on 500-product categories"
java "$ROOT/bench/EventLatency.java" "$API_PORT" "$EVENTS" "$RATE" | tee "$WORK/latency.out"
echo "TARGET event-to-price p99 < 250 ms"
