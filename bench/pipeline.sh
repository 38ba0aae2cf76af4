#!/usr/bin/env bash
# Pipeline benchmark (a command to run, not a test). In one run:
#  (a) full recalculation of a PRODUCTS-product catalog (default 1,000,000, in categories of 500):
#      prices written per second, median of RUNS passes (default 3) that each follow a global
#      demand factor (so every price changes and is written), after a warm-up of two passes (the
#      first pass of a fresh worker, JIT compilation included, is reported on its own); beside
#      redis-benchmark's pipelined SET throughput (-P 64, 4 and 1 connections), measured after each
#      pass, as the ceiling; ratios of the medians (target >= 40% of the 4-connection ceiling);
#  (b) event-to-price latency: EVENTS demand-factor events (default 200) at RATE per second (default
#      5), each on a 500-product category; p50/p99 from the 202 to the changed price being served
#      (target p99 < 250 ms).
# The stack runs through scripts/run-local.sh (1 listener, 1 worker) against the Redis on
# 127.0.0.1:6379 under a fresh key prefix that is deleted afterwards.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PRODUCTS=${PRODUCTS:-1000000}
EVENTS=${EVENTS:-200}
RUNS=${RUNS:-3}
RATE=${RATE:-5}
API_PORT=${API_PORT:-18180}
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
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
range() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f-%.0f", lo, hi }'; }
rate() { awk -v p="$1" -v ms="$2" 'BEGIN { printf "%.0f", p / (ms / 1000) }'; }

log "(a) full recalculation: warm-up (the first pass of a fresh worker, and one more), then $RUNS measured passes"
cold=$(full_pass)
read -r cold_processed cold_ms <<<"$cold"
full_pass '{"type":"DEMAND_FACTOR","factor":1.01}' >/dev/null
rates=() ceilings=() ceilings_one=()
for run in $(seq 1 "$RUNS"); do
  # each global factor moves every price (by at least 0.05: base prices start at 5.00), so every
  # pass writes all of them
  pass=$(full_pass "{\"type\":\"DEMAND_FACTOR\",\"factor\":$(awk -v r="$run" 'BEGIN { printf "%.2f", 1 + (r + 1) / 100 }')}")
  read -r processed ms <<<"$pass"
  rates+=("$(rate "$processed" "$ms")")
  ceilings+=("$(ceiling 4)")
  ceilings_one+=("$(ceiling 1)")
  log "pass $run: $processed prices in $ms ms; pipelined SET ${ceilings[-1]} req/s (-c 4), ${ceilings_one[-1]} (-c 1)"
done
rate_median=$(median "${rates[@]}")
set_median=$(median "${ceilings[@]}")
set_one_median=$(median "${ceilings_one[@]}")
echo "SUMMARY full recalculation, first pass of a fresh worker (JIT warm-up, not counted): $cold_processed prices in $cold_ms ms = $(rate "$cold_processed" "$cold_ms") prices/s"
echo "SUMMARY full recalculation, $RUNS passes writing every price: median $rate_median prices/s (range $(range "${rates[@]}"))"
echo "SUMMARY redis-benchmark pipelined SET (-P 64 -c 4): median $set_median req/s (range $(range "${ceilings[@]}"))"
echo "SUMMARY redis-benchmark pipelined SET, one connection like the worker (-P 64 -c 1): median $set_one_median req/s (range $(range "${ceilings_one[@]}"))"
echo "RATIO recalculation / pipelined SET: $(ratio "$rate_median" "$set_median") (target >= 0.40)"
echo "RATIO recalculation / pipelined SET on one connection: $(ratio "$rate_median" "$set_one_median")"
echo "RATIO first pass of a fresh worker / pipelined SET: $(ratio "$(rate "$cold_processed" "$cold_ms")" "$set_median")"

log "(b) event-to-price latency: $EVENTS events at $RATE/s on 500-product categories"
java "$ROOT/bench/EventLatency.java" "$API_PORT" "$EVENTS" "$RATE" | tee "$WORK/latency.out"
echo "TARGET event-to-price p99 < 250 ms"
