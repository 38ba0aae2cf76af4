#!/usr/bin/env bash
# Where the shipped API's CPU goes, or what it allocates, per kind of request (a command to run,
# not a test). The whole stack runs through scripts/run-local.sh with its defaults (the
# OpenTelemetry agent on, <module>/jvm.options, two listeners, two workers; traces exported over
# OTLP to bench/OtlpSink.java), against the Redis on 127.0.0.1:6379 under a fresh key prefix, as in
# bench/read-path.sh. Its API is warmed up with every target, then profiled with async-profiler
# (tools.profiler:async-profiler from Maven Central, attached with jcmd JVMTI.agent_load) while
# wrk drives one target of bench/wrk-report.lua at it (prices: cache-hit GET
# /api/v1/prices/{id}; price-post: cache-hit POST /api/v1/price; ping: the constant endpoint).
# Per target it writes to OUT
#   <target>.collapsed  one line per distinct stack, frames root first, then its sample count
#                       (EVENT=cpu) or the bytes allocated there (EVENT=alloc); grep and diff
#                       them: a frame's share of the total is its share of the CPU (the bytes)
#   <target>.html       the same as a flame graph
# and prints wrk's RESULT line with the API's CPU microseconds per request (and with EVENT=alloc
# the bytes the profiler saw allocated per request), then the frames that the most samples (bytes)
# end in.
#
# Environment: EVENT (cpu: async-profiler's CPU-time sampler, ctimer, which needs no perf_events;
# alloc: where the heap is allocated, sampled by the JVM's allocation events), TARGETS ("prices
# price-post"), CONNECTIONS (64), DURATION (10s), WARMUP (30s), PRODUCTS (10000), INTERVAL (1ms of
# CPU time between samples; EVENT=cpu), OUT (bench/target/profile-<time>),
# API_PORT (18080; the stack's listeners and workers take the ports after it), OTLP_PORT
# (API_PORT + 30), ASYNC_PROFILER (4.1).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EVENT=${EVENT:-cpu}
read -r -a TARGETS <<<"${TARGETS:-prices price-post}"
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-30s}
PRODUCTS=${PRODUCTS:-10000}
INTERVAL=${INTERVAL:-1ms}
OUT=${OUT:-$ROOT/bench/target/profile-$(date +%Y%m%dT%H%M%S)}
API_PORT=${API_PORT:-18080}
OTLP_PORT=${OTLP_PORT:-$((API_PORT + 30))}
ASYNC_PROFILER=${ASYNC_PROFILER:-4.1}
case $EVENT in
  cpu) start="start,event=ctimer,interval=$INTERVAL" dump=collapsed ;;
  alloc) start=start,event=alloc dump=collapsed,total ;;
  *) echo "bench: EVENT is cpu or alloc, not $EVENT" >&2; exit 64 ;;
esac
# shellcheck source=bench/stack.sh
source "$ROOT/bench/stack.sh" wrk unzip
command -v jcmd >/dev/null || { echo "bench: jcmd (part of the JDK) is required" >&2; exit 1; }

case $(uname -m) in
  x86_64) platform=linux-x64 ;;
  aarch64) platform=linux-arm64 ;;
  *) echo "bench: async-profiler has no build for $(uname -m)" >&2; exit 1 ;;
esac
log "getting async-profiler $ASYNC_PROFILER ($platform) from Maven Central"
(cd "$ROOT" && ./mvnw -q -B dependency:copy -Dartifact="tools.profiler:async-profiler:$ASYNC_PROFILER:jar:$platform" \
  -DoutputDirectory="$WORK/async-profiler") >"$WORK/async-profiler.log" 2>&1 ||
  { cat "$WORK/async-profiler.log" >&2; exit 1; }
unzip -q -o "$WORK/async-profiler/async-profiler-$ASYNC_PROFILER-$platform.jar" -d "$WORK/async-profiler"
PROFILER="$WORK/async-profiler/$platform/libasyncProfiler.so"
[[ -f $PROFILER ]] || { echo "bench: no $platform/libasyncProfiler.so in async-profiler's jar" >&2; exit 1; }

start_otlp_sink "$OTLP_PORT"
log "starting the stack as shipped (prefix $PREFIX, demo catalog of $PRODUCTS products, API on $API_PORT)"
start_stack PRICING_CATALOG_DEMO_SIZE="$PRODUCTS" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$OTLP_PORT"
API_PID=$(stack_pid_of api-service)

# One wrk run at the API; prints its RESULT line with the API's CPU microseconds per request.
run_wrk() {
  local target=$1 duration=$2 before after result
  before=$(cpu_ticks "$API_PID")
  result=$(TARGET=$target PRODUCTS=$PRODUCTS wrk -t1 -c"$CONNECTIONS" -d"$duration" \
    -s "$ROOT/bench/wrk-report.lua" "$API" | grep '^RESULT')
  after=$(cpu_ticks "$API_PID")
  printf '%s api_cpu_us=%s\n' "$result" "$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" \
    -v n="$(field requests "$result")" 'BEGIN { printf "%.0f", t / hz / n * 1e6 }')"
}

# Sends async-profiler a command: jcmd splits an unquoted argument at its "=".
profiler() { jcmd "$API_PID" JVMTI.agent_load "$PROFILER" "\"$1\"" >/dev/null; }

log "warm-up ($WARMUP of each target, discarded; the first fills the cache)"
run_wrk prices "$WARMUP" >/dev/null
for target in "${TARGETS[@]}"; do run_wrk "$target" "$WARMUP" >/dev/null; done
mkdir -p "$OUT"
for target in "${TARGETS[@]}"; do
  profiler "$start"
  line=$(run_wrk "$target" "$DURATION")
  profiler "dump,file=$OUT/$target.collapsed,$dump"
  profiler "stop,file=$OUT/$target.html"
  if [[ $EVENT == alloc ]]; then
    line+=" profiled_bytes_per_request=$(awk -v n="$(field requests "$line")" '{ total += $NF }
      END { printf "%.0f", total / n }' "$OUT/$target.collapsed")"
  fi
  printf '%s %s\n' "$target" "$line"
  [[ $(field non2xx "$line") == 0 && $(field unexpected "$line") == 0 && $(field socket_errors "$line") == 0 ]] ||
    { echo "bench: $target had failed or unexpected answers" >&2; exit 1; }
  awk '{ n = $NF; sub(/ [0-9]+$/, ""); frames = split($0, f, ";"); self[f[frames]] += n; total += n }
    END { for (frame in self) printf "  %5.1f %%  %s\n", 100 * self[frame] / total, frame }' \
    "$OUT/$target.collapsed" | sort -rn | sed -n 1,15p # not head: sort would die of SIGPIPE
done
log "stacks and flame graphs in $OUT"
