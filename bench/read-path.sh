#!/usr/bin/env bash
# Read-path benchmark of what ships (a command to run, not a test). The whole stack runs through
# scripts/run-local.sh with its defaults (the OpenTelemetry agent on, <module>/jvm.options, two
# listeners, two workers), its agents exporting traces over OTLP to bench/OtlpSink.java (standing in
# for a collector), against the Redis on 127.0.0.1:6379 under a fresh key prefix; beside its
# API a second API runs on the same Redis and catalog as the raw-throughput baseline: the agent
# off and JAVA_OPTS="$RAW_JAVA_OPTS" (default -XX:TieredStopAtLevel=4 -Xmx256m). Interleaved, RUNS
# times, against each API (each target's two runs back to back, which API first alternating from
# run to run):
#   - cache-hit GET /api/v1/prices/{id} cycling over PRODUCTS ids,
#   - cache-hit POST /api/v1/price with the prototype's body for the same ids,
#   - the constant endpoint GET /api/v1/ping (same server, same JSON stack),
# the same cache-hit GET against the shipped API in pairs, without and with CONSOLES operators'
# consoles open (their live overview streams, GET /api/v1/console/overview/stream, read by curl;
# each must receive snapshots), back to back in an order alternating from run to run, and the
# shipped API's CPU while idle for IDLE_SECONDS (30) without and with the consoles open,
# and raw Redis GET of a price-sized value through redis-benchmark at the same concurrency. Every
# answer is checked ("source":"cache" for prices, "status":"ok" for ping; non-2xx and socket
# errors must be 0). Then the staleness window of the shipped API's in-memory tier
# (bench/Staleness.java). Prints medians, ranges, each API's CPU time per request and resident
# memory, and the ratios against their targets (and, beside the ratio of the medians, the shipped
# API's GET throughput over the raw one's in each run's back-to-back pair).
#
# Environment: CONSOLES (3), IDLE_SECONDS (30), CONNECTIONS (64), DURATION (10s), WARMUP (30s: the JIT settles after ~40 s of load), RUNS (3), PRODUCTS (10000),
# REDIS_REQUESTS (1000000), API_PORT (18080; the stack's listeners and workers take the ports
# after it), RAW_PORT (API_PORT + 20), OTLP_PORT (API_PORT + 30), RAW_JAVA_OPTS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONSOLES=${CONSOLES:-3}
IDLE_SECONDS=${IDLE_SECONDS:-30}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-30s}
RUNS=${RUNS:-3}
PRODUCTS=${PRODUCTS:-10000}
REDIS_REQUESTS=${REDIS_REQUESTS:-1000000}
API_PORT=${API_PORT:-18080}
RAW_PORT=${RAW_PORT:-$((API_PORT + 20))}
OTLP_PORT=${OTLP_PORT:-$((API_PORT + 30))}
RAW_JAVA_OPTS=${RAW_JAVA_OPTS:--XX:TieredStopAtLevel=4 -Xmx256m}
# the prototype's best on its own request (POST /api/v1/price, cache hits, 4 worker processes),
# measured on this machine kind beside the shipped stack (issue 13); it cannot run here
PROTOTYPE_POST_RPS=4575
RAW_PID=""
# shellcheck source=bench/stack.sh
source "$ROOT/bench/stack.sh" wrk redis-benchmark
bench_cleanup() {
  [[ -n $RAW_PID ]] && kill "$RAW_PID" 2>/dev/null && wait "$RAW_PID" 2>/dev/null
}

start_otlp_sink "$OTLP_PORT"
log "starting the stack as shipped (prefix $PREFIX, demo catalog of $PRODUCTS products, API on $API_PORT)"
start_stack PRICING_CATALOG_DEMO_SIZE="$PRODUCTS" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$OTLP_PORT"
SHIPPED_PID=$(stack_pid_of api-service)

VERSION=$(sed -n 's:^    <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -n 1)
log "starting the raw baseline API on $RAW_PORT (agent off, JAVA_OPTS=$RAW_JAVA_OPTS)"
if curl -s -o /dev/null "http://127.0.0.1:$RAW_PORT/"; then
  echo "bench: port $RAW_PORT is taken; stop what listens there or set RAW_PORT" >&2
  exit 1
fi
env PORT="$RAW_PORT" REDIS_URL=redis://127.0.0.1:6379 PRICING_REDIS_KEY_PREFIX="$PREFIX" \
  PRICING_SECURITY_API_KEYS="$PRICING_API_KEY" PRICING_CATALOG_DEMO_SIZE="$PRODUCTS" MALLOC_ARENA_MAX=2 \
  JAVA_OPTS="$RAW_JAVA_OPTS" "$ROOT/scripts/java-service.sh" "" "$ROOT/api-service/jvm.options" \
  -jar "$ROOT/api-service/target/api-service-$VERSION.jar" >"$WORK/raw-api.log" 2>&1 &
RAW_PID=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$RAW_PORT/actuator/health/readiness" >/dev/null && break
  kill -0 "$RAW_PID" 2>/dev/null || { cat "$WORK/raw-api.log" >&2; exit 1; }
  sleep 1
done
curl -fs "http://127.0.0.1:$RAW_PORT/actuator/health/readiness" >/dev/null ||
  { echo "bench: the raw API did not get ready; see $WORK/raw-api.log" >&2; exit 1; }

declare -A PORT_OF=([shipped]=$API_PORT [raw]=$RAW_PORT) PID_OF=([shipped]=$SHIPPED_PID [raw]=$RAW_PID)
rss_mib() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# One wrk run against an API; prints its RESULT line with the load generator's CPU seconds and
# the API's CPU microseconds per request appended.
run_wrk() {
  local api=$1 target=$2 duration=$3 before after result
  before=$(cpu_ticks "${PID_OF[$api]}")
  TIMEFORMAT='%U %S'
  { time TARGET=$target PRODUCTS=$PRODUCTS wrk -t1 -c"$CONNECTIONS" -d"$duration" \
    -s "$ROOT/bench/wrk-report.lua" "http://127.0.0.1:${PORT_OF[$api]}" >"$WORK/wrk.out"; } 2>"$WORK/wrk.cpu"
  after=$(cpu_ticks "${PID_OF[$api]}")
  result=$(grep '^RESULT' "$WORK/wrk.out")
  printf '%s loadgen_cpu_s=%s api_cpu_us=%s\n' "$result" "$(awk '{printf "%.2f", $1 + $2}' "$WORK/wrk.cpu")" \
    "$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$(field requests "$result")" \
      'BEGIN { printf "%.0f", t / hz / n * 1e6 }')"
}

# Runs a command with CONSOLES live overview streams open on the shipped API, as open consoles
# keep them; fails unless every stream received snapshots meanwhile.
with_consoles() {
  local pids=() i
  for ((i = 0; i < CONSOLES; i++)); do
    curl -sN "http://127.0.0.1:$API_PORT/api/v1/console/overview/stream" >"$WORK/console-$i.out" &
    pids+=($!)
  done
  sleep 2
  "$@"
  kill "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null || true # their exit status is SIGTERM's
  for ((i = 0; i < CONSOLES; i++)); do
    grep -q '^event:overview' "$WORK/console-$i.out" ||
      { echo "bench: console $i received no overview snapshot" >&2; exit 1; }
  done
}

run_redis() {
  redis-benchmark -c "$CONNECTIONS" -n "$REDIS_REQUESTS" -r "$PRODUCTS" --csv \
    GET "${PREFIX}redis-get:__rand_int__" | tail -n 1 | tr -d '"' |
    awk -F, '{printf "RESULT rps=%s p50_ms=%s p99_ms=%s\n", $2, $5, $7}'
}

log "seeding redis-benchmark keys with a price-sized value"
redis-benchmark -c 16 -n $((PRODUCTS * 5)) -r "$PRODUCTS" -q \
  SET "${PREFIX}redis-get:__rand_int__" "949.13|949.13|1764100000000|0" >/dev/null

for api in shipped raw; do
  log "warm-up of the $api API ($WARMUP runs, discarded) until every one of the $PRODUCTS prices is answered from its cache"
  run_wrk "$api" ping "$WARMUP" >/dev/null
  for attempt in 1 2 3 4 5 6; do
    line=$(run_wrk "$api" prices "$WARMUP")
    log "warm-up $attempt: $line"
    [[ $(field unexpected "$line") == 0 && $(field non2xx "$line") == 0 ]] && break
    ((attempt < 6)) || { echo "bench: prices still not all cached after warm-up" >&2; exit 1; }
  done
  run_wrk "$api" price-post "$WARMUP" >/dev/null
done
# the consoles' path warmed as every other: without it, the first run with consoles open (in two
# runs) answered a third fewer reads at 1.6 times the API's CPU per read, the later ones as many as
# without
log "warm-up of the shipped API's reads with $CONSOLES consoles open ($WARMUP, discarded)"
with_consoles run_wrk shipped prices "$WARMUP" >/dev/null

TARGETS=(prices price-post ping)
# a first interleaved round, discarded: an API idle while the other warmed up answered its first
# measured run with a p99 several times its later ones
log "one discarded round of the measured runs"
for api in shipped raw; do
  for target in "${TARGETS[@]}"; do run_wrk "$api" "$target" "$DURATION" >/dev/null; done
done
declare -A RPS P50 P99 CPU
for run in $(seq 1 "$RUNS"); do
  # the two APIs' runs of a target back to back, which of them first alternating from run to run
  # (as the consoles' pair's below): a slow spell of the machine then falls on each of them alike
  if ((run % 2)); then apis=(shipped raw); else apis=(raw shipped); fi
  for target in "${TARGETS[@]}"; do
    for api in "${apis[@]}"; do
      line=$(run_wrk "$api" "$target" "$DURATION")
      log "run $run $api $target: $line"
      if [[ $(field non2xx "$line") != 0 || $(field unexpected "$line") != 0 || $(field socket_errors "$line") != 0 ]]; then
        echo "bench: $api $target run $run had failed or unexpected answers: $line" >&2
        exit 1
      fi
      RPS[$api-$target]+="$(field rps "$line") "
      P50[$api-$target]+="$(field p50_ms "$line") "
      P99[$api-$target]+="$(field p99_ms "$line") "
      CPU[$api-$target]+="$(field api_cpu_us "$line") "
    done
  done
  # the consoles' pair: the same GET run without and with consoles open, back to back, their
  # order alternating from run to run (the first of two runs after the raw API's answers worse)
  if ((run % 2)); then pair=(closed open); else pair=(open closed); fi
  for consoles in "${pair[@]}"; do
    if [[ $consoles == open ]]; then
      line=$(with_consoles run_wrk shipped prices "$DURATION")
    else
      line=$(run_wrk shipped prices "$DURATION")
    fi
    log "run $run shipped prices, consoles $consoles: $line"
    if [[ $(field non2xx "$line") != 0 || $(field unexpected "$line") != 0 || $(field socket_errors "$line") != 0 ]]; then
      echo "bench: shipped prices, consoles $consoles, run $run, had failed or unexpected answers: $line" >&2
      exit 1
    fi
    RPS[consoles-$consoles]+="$(field rps "$line") "
    P50[consoles-$consoles]+="$(field p50_ms "$line") "
    P99[consoles-$consoles]+="$(field p99_ms "$line") "
    CPU[consoles-$consoles]+="$(field api_cpu_us "$line") "
  done
  line=$(run_redis)
  log "run $run redis GET: $line"
  RPS[redis]+="$(field rps "$line") "
  P50[redis]+="$(field p50_ms "$line") "
  P99[redis]+="$(field p99_ms "$line") "
done

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
range() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%s-%s", lo, hi}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == ">=") ? v >= t : v <= t; print ok ? "ok" : "MISSED" }'; }

echo
printf '%-44s %10s %16s %8s %14s %7s %10s\n' "figure (c=$CONNECTIONS, $RUNS runs, medians)" "req/s" "req/s range" \
  "p99 ms" "p99 range" "p50 ms" "API us/req"
for api in shipped raw; do
  for target in "${TARGETS[@]}"; do
    case $target in
      prices) name="GET /api/v1/prices/{id} (cache hit)" ;;
      price-post) name="POST /api/v1/price (cache hit)" ;;
      ping) name="GET /api/v1/ping (constant)" ;;
    esac
    key=$api-$target
    printf 'SUMMARY %-8s %-35s %10s %16s %8s %14s %7s %10s\n' "$api" "$name" "$(median "${RPS[$key]}")" \
      "$(range "${RPS[$key]}")" "$(median "${P99[$key]}")" "$(range "${P99[$key]}")" "$(median "${P50[$key]}")" \
      "$(median "${CPU[$key]}")"
  done
done
for consoles in closed open; do
  key=consoles-$consoles
  printf 'SUMMARY %-8s %-35s %10s %16s %8s %14s %7s %10s\n' shipped "GET prices, pair: consoles $consoles" \
    "$(median "${RPS[$key]}")" "$(range "${RPS[$key]}")" "$(median "${P99[$key]}")" "$(range "${P99[$key]}")" \
    "$(median "${P50[$key]}")" "$(median "${CPU[$key]}")"
done
printf 'SUMMARY %-44s %10s %16s %8s %14s %7s\n' "redis GET (redis-benchmark)" "$(median "${RPS[redis]}")" \
  "$(range "${RPS[redis]}")" "$(median "${P99[redis]}")" "$(range "${P99[redis]}")" "$(median "${P50[redis]}")"
echo "MEMORY shipped API VmRSS $(rss_mib "$SHIPPED_PID") MiB, raw API VmRSS $(rss_mib "$RAW_PID") MiB (after the runs)"

get=$(median "${RPS[shipped-prices]}")
post=$(median "${RPS[shipped-price-post]}")
get_vs_raw=$(ratio "$get" "$(median "${RPS[raw-prices]}")")
post_vs_get=$(ratio "$post" "$get")
get_p99=$(median "${P99[shipped-prices]}")
post_p99=$(median "${P99[shipped-price-post]}")
echo
echo "RATIO shipped GET hit / raw GET hit throughput:    $get_vs_raw (target >= 0.80: $(verdict "$get_vs_raw" '>=' 0.80))"
pairs=$(paste <(tr ' ' '\n' <<<"${RPS[shipped-prices]}" | sed '/^$/d') <(tr ' ' '\n' <<<"${RPS[raw-prices]}" | sed '/^$/d') |
  awk '{ printf "%.2f ", $1 / $2 }')
echo "RATIO shipped GET hit / raw GET hit, each run's back-to-back pair: ${pairs}(median $(median "$pairs"))"
echo "RATIO shipped POST hit / shipped GET hit:          $post_vs_get (target >= 0.80: $(verdict "$post_vs_get" '>=' 0.80))"
echo "FIGURE shipped GET hit p99:                        $get_p99 ms (target <= 20: $(verdict "$get_p99" '<=' 20))"
echo "FIGURE shipped POST hit p99:                       $post_p99 ms (target <= 20: $(verdict "$post_p99" '<=' 20))"
echo "RATIO shipped GET hit, $CONSOLES consoles open / none open (the pairs): $(ratio "$(median "${RPS[consoles-open]}")" "$(median "${RPS[consoles-closed]}")") (p99 $(median "${P99[consoles-open]}") ms against $(median "${P99[consoles-closed]}") ms; API us/req $(median "${CPU[consoles-open]}") against $(median "${CPU[consoles-closed]}"))"
echo "RATIO shipped GET hit / shipped constant endpoint: $(ratio "$get" "$(median "${RPS[shipped-ping]}")")"
echo "RATIO shipped GET hit / redis GET:                 $(ratio "$get" "$(median "${RPS[redis]}")")"
echo "RATIO shipped POST hit / the prototype's best ($PROTOTYPE_POST_RPS req/s): $(ratio "$post" "$PROTOTYPE_POST_RPS")x"

# The overview feed's own cost, without load: the shipped API's CPU over IDLE_SECONDS with no console
# open, then with CONSOLES open.
idle_cpu_ms() {
  local before after
  before=$(cpu_ticks "$SHIPPED_PID")
  sleep "$IDLE_SECONDS"
  after=$(cpu_ticks "$SHIPPED_PID")
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", t / hz * 1000 }'
}
log "measuring the shipped API's CPU while idle, without and with $CONSOLES consoles open ($IDLE_SECONDS s each)"
idle_closed=$(idle_cpu_ms)
idle_open=$(with_consoles idle_cpu_ms)
echo "IDLE shipped API CPU over $IDLE_SECONDS s: $idle_closed ms with no console open, $idle_open ms with $CONSOLES open" \
  "($(awk -v a="$idle_open" -v b="$idle_closed" -v s="$IDLE_SECONDS" 'BEGIN { printf "%.2f", (a - b) / s / 10 }') % of a core for the consoles)"

log "measuring the staleness window of the shipped API's in-memory tier"
java "$ROOT/bench/Staleness.java" "$API_PORT" 127.0.0.1 6379 "$PREFIX" 200
kill "$SINK_PID"
wait "$SINK_PID" 2>/dev/null || true # its exit status is SIGTERM's
SINK_PID=""
echo "TRACES exported by the stack's agents during the benchmark: $(grep OTLP_SINK "$WORK/otlp-sink.log" | cut -d' ' -f2-)"
