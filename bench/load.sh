#!/usr/bin/env bash
# Load benchmark of the whole stack (a command to run, not a test). The stack runs through
# scripts/run-local.sh with its defaults (demo catalog of PRODUCTS products, 2 listeners, 2 workers,
# each service's <module>/jvm.options, the OpenTelemetry agent attached) against the Redis on
# 127.0.0.1:6379 under a fresh key prefix that is deleted afterwards. Two phases of mixed reads —
# GET /api/v1/prices/P-<random>, cache hits and misses (before each phase the cached prices of
# MISS_PERCENT % of the products are dropped) — with wrk (-t1 -c CONNECTIONS, DURATION each):
#   A: reads alone;
#   B: the same reads while full recalculations of the catalog run back to back (RECALCULATE,
#      wait for its job, again) and a demand-factor event per second goes to a category, sent by
#      one process, bench/Recalculations.java (a shell loop of curl processes took ~0.7 core).
# Both phases are warmed up first (WARMUP of each, discarded): a fresh API's compilers take about
# 90 s of this load to settle (C2 compiles the read path, then the publish, job and invalidation
# paths), and a running service has long compiled both.
# It prints read p50/p99 of both phases and the p99 ratio (target B/A < 2), the API's CPU time
# per read in each phase (user + system, from /proc), the recalculations done during B, and each
# service's resident memory (VmRSS, highest sample during B; target: within the 512 MiB container
# limit of docker-compose.yml).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PRODUCTS=${PRODUCTS:-10000}
CONNECTIONS=${CONNECTIONS:-16}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-60s}
MISS_PERCENT=${MISS_PERCENT:-20}
API_PORT=${API_PORT:-18580}
LOAD_PID=""
# shellcheck source=bench/stack.sh
source "$ROOT/bench/stack.sh" wrk
bench_cleanup() { [[ -n $LOAD_PID ]] && kill "$LOAD_PID" 2>/dev/null; }

log "starting the stack (prefix $PREFIX, $PRODUCTS demo products, 2 listeners, 2 workers, defaults)"
start_stack PRICING_CATALOG_DEMO_SIZE="$PRODUCTS"
until [[ $(redis-cli scard "${PREFIX}{p0}:categories") -gt 0 && $(redis-cli --scan --pattern "${PREFIX}{p0}:product:*" | wc -l) -ge $PRODUCTS ]]; do
  sleep 1
done

drop_cached_prices() {
  awk -v n="$PRODUCTS" -v pct="$MISS_PERCENT" -v prefix="$PREFIX" -v seed="$RANDOM" \
    'BEGIN { srand(seed); for (i = 1; i <= n; i++) if (rand() * 100 < pct) print "DEL " prefix "{p0}:price:P-" i }' |
    redis-cli >/dev/null
}

reads() {
  PRODUCTS=$PRODUCTS wrk -t1 -c"$CONNECTIONS" -d"$1" -s "$ROOT/bench/wrk-mixed.lua" "$API" | grep '^RESULT'
}

# Full recalculations back to back and a category event a second (bench/Recalculations.java)
# until stop_recalculations; each job's final state goes to $WORK/recalculations.
start_recalculations() {
  java "$ROOT/bench/Recalculations.java" "$API_PORT" >"$WORK/recalculations" &
  LOAD_PID=$!
  until grep -q READY "$WORK/recalculations"; do
    kill -0 "$LOAD_PID" 2>/dev/null || { cat "$WORK/recalculations" >&2; exit 1; }
    sleep 0.2
  done
}
stop_recalculations() {
  kill "$LOAD_PID" 2>/dev/null; wait "$LOAD_PID" 2>/dev/null || true
  LOAD_PID=""
}

# CPU time per read in microseconds: ticks before, ticks after, the reads' RESULT line
cpu_per_read() {
  awk -v t="$(($2 - $1))" -v hz="$(getconf CLK_TCK)" -v n="$(field requests "$3")" \
    'BEGIN { printf "%.0f us per read (%.1f s for %d reads)", t / hz / n * 1e6, t / hz, n }'
}

rss_sample() {
  local pid module
  for pid in $(pgrep -P "$STACK_PID" java || true); do
    module=$(tr '\0' ' ' <"/proc/$pid/cmdline" | grep -o '[a-z]*-service-[0-9.]*[A-Z-]*\.jar' | sed 's/-[0-9].*//')
    echo "$module $pid $(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")"
  done
}

log "warm-up: reads alone, then reads during recalculations ($WARMUP each, discarded)"
reads "$WARMUP" >/dev/null
start_recalculations
reads "$WARMUP" >/dev/null
stop_recalculations

log "phase A: reads alone ($DURATION, c=$CONNECTIONS, $MISS_PERCENT % of prices dropped first)"
drop_cached_prices
API_PID=$(stack_pid_of api-service)
t0=$(cpu_ticks "$API_PID")
a=$(reads "$DURATION")
t1=$(cpu_ticks "$API_PID")
echo "PHASE_A $a"
echo "API_CPU phase A: $(cpu_per_read "$t0" "$t1" "$a")"

log "phase B: the same reads during back-to-back full recalculations"
drop_cached_prices
start_recalculations
(for _ in $(seq 1 15); do rss_sample; sleep 1; done) >"$WORK/rss" &
sampler=$!
t0=$(cpu_ticks "$API_PID")
b=$(reads "$DURATION")
t1=$(cpu_ticks "$API_PID")
stop_recalculations
wait "$sampler"
echo "PHASE_B $b"
echo "API_CPU phase B: $(cpu_per_read "$t0" "$t1" "$b")"
echo "RECALCULATIONS during B: $(grep -c SUCCEEDED "$WORK/recalculations" || true) full passes succeeded, $(grep -c COALESCED "$WORK/recalculations" || true) coalesced"
echo "RATIO read p99 B/A: $(awk -v a="$(field p99_ms "$a")" -v b="$(field p99_ms "$b")" 'BEGIN { printf "%.2f", b / a }') (target < 2)"
echo "RATIO read p50 B/A: $(awk -v a="$(field p50_ms "$a")" -v b="$(field p50_ms "$b")" 'BEGIN { printf "%.2f", b / a }')"
awk '{ if ($3 > max[$1 " " $2]) max[$1 " " $2] = $3 } END { for (k in max) printf "MEMORY %s VmRSS max %.0f MiB (target <= 512, the container limit)\n", k, max[k] / 1024 }' "$WORK/rss" | sort
