#!/usr/bin/env bash
# Read-path benchmark. Measures, in one run and interleaved:
#   - cache-hit GET /api/v1/prices/{id} cycling over PRODUCTS ids (every answer checked for
#     "source":"cache"),
#   - the API's constant-response endpoint GET /api/v1/ping (same server, same JSON stack),
#   - raw Redis GET of a price-sized value through redis-benchmark at the same concurrency,
# then the staleness window of the in-memory tier (bench/Staleness.java), and prints medians,
# ranges and ratios. It is a command to run, not a test.
#
# Environment: REDIS_HOST/REDIS_PORT (default 127.0.0.1:6379, must answer; keys go under a
# fresh prefix that is deleted afterwards), CONNECTIONS (64), DURATION (10s), WARMUP (15s),
# RUNS (3), PRODUCTS (10000), REDIS_REQUESTS (1000000), API_PORT (18080).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-15s}
RUNS=${RUNS:-3}
PRODUCTS=${PRODUCTS:-10000}
REDIS_REQUESTS=${REDIS_REQUESTS:-1000000}
API_PORT=${API_PORT:-18080}
PROTOTYPE_RPS=1032 # the Python prototype, measured on this machine kind the same way
PREFIX="bench-$(date +%s)-$$:"
WORK=$(mktemp -d)
API_PID=""

log() { printf '[bench] %s\n' "$*" >&2; }

cleanup() {
  set +e
  [[ -n $API_PID ]] && kill "$API_PID" 2>/dev/null && wait "$API_PID" 2>/dev/null
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --scan --pattern "${PREFIX}*" |
    xargs -r -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" del >/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

need() {
  command -v "$1" >/dev/null && return
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing $2 from Debian's packages"
    apt-get install -y -qq "$2" >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq "$2" >/dev/null; }
  fi
  command -v "$1" >/dev/null || { echo "bench: $1 is required (Debian package $2)" >&2; exit 1; }
}
need wrk wrk
need redis-benchmark redis-tools
need redis-cli redis-tools
need curl curl

redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null || { echo "bench: no Redis at $REDIS_HOST:$REDIS_PORT" >&2; exit 1; }

VERSION=$(sed -n 's:^    <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -n 1)
JAR="$ROOT/api-service/target/api-service-$VERSION.jar"
[[ -f $JAR ]] || (cd "$ROOT" && ./mvnw -q -B package -DskipTests -pl api-service -am)

if curl -s -o /dev/null "http://127.0.0.1:$API_PORT/"; then
  echo "bench: port $API_PORT is taken; stop what listens there or set API_PORT" >&2
  exit 1
fi
log "starting the API on port $API_PORT (key prefix $PREFIX, demo catalog of $PRODUCTS products)"
PORT=$API_PORT REDIS_URL="redis://$REDIS_HOST:$REDIS_PORT" PRICING_REDIS_KEY_PREFIX="$PREFIX" \
  PRICING_CATALOG_DEMO_SIZE="$PRODUCTS" java -Xmx256m -jar "$JAR" >"$WORK/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$API_PORT/actuator/health/readiness" >/dev/null && break
  kill -0 "$API_PID" 2>/dev/null || { cat "$WORK/api.log" >&2; exit 1; }
  sleep 1
done
kill -0 "$API_PID" 2>/dev/null || { cat "$WORK/api.log" >&2; exit 1; }

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# One wrk run; prints its RESULT line with the load generator's CPU seconds appended.
run_wrk() {
  local target=$1 duration=$2 cpu result
  TIMEFORMAT='%U %S'
  { time TARGET=$target PRODUCTS=$PRODUCTS wrk -t1 -c"$CONNECTIONS" -d"$duration" \
    -s "$ROOT/bench/wrk-report.lua" "http://127.0.0.1:$API_PORT" >"$WORK/wrk.out"; } 2>"$WORK/wrk.cpu"
  result=$(grep '^RESULT' "$WORK/wrk.out")
  cpu=$(awk '{printf "%.2f", $1 + $2}' "$WORK/wrk.cpu")
  printf '%s loadgen_cpu_s=%s\n' "$result" "$cpu"
}

run_redis() {
  redis-benchmark -h "$REDIS_HOST" -p "$REDIS_PORT" -c "$CONNECTIONS" -n "$REDIS_REQUESTS" -r "$PRODUCTS" --csv \
    GET "${PREFIX}redis-get:__rand_int__" | tail -n 1 | tr -d '"' |
    awk -F, '{printf "RESULT rps=%s p50_ms=%s p99_ms=%s\n", $2, $5, $7}'
}

log "seeding redis-benchmark keys with a price-sized value"
redis-benchmark -h "$REDIS_HOST" -p "$REDIS_PORT" -c 16 -n $((PRODUCTS * 5)) -r "$PRODUCTS" -q \
  SET "${PREFIX}redis-get:__rand_int__" "949.13|949.13|1764100000000|0" >/dev/null

log "warm-up ($WARMUP runs, discarded) until every one of the $PRODUCTS prices is answered from the cache"
run_wrk ping "$WARMUP" >/dev/null
for attempt in 1 2 3 4 5 6; do
  line=$(run_wrk prices "$WARMUP")
  log "warm-up $attempt: $line"
  [[ $(field unexpected "$line") == 0 && $(field non2xx "$line") == 0 ]] && break
  ((attempt < 6)) || { echo "bench: prices still not all cached after warm-up" >&2; exit 1; }
done

declare -A RPS P50 P99
for run in $(seq 1 "$RUNS"); do
  for target in ping prices; do
    line=$(run_wrk "$target" "$DURATION")
    log "run $run $target: $line"
    if [[ $(field non2xx "$line") != 0 || $(field unexpected "$line") != 0 || $(field socket_errors "$line") != 0 ]]; then
      echo "bench: $target run $run had failed or unexpected answers: $line" >&2
      exit 1
    fi
    RPS[$target]+="$(field rps "$line") "
    P50[$target]+="$(field p50_ms "$line") "
    P99[$target]+="$(field p99_ms "$line") "
  done
  line=$(run_redis)
  log "run $run redis GET: $line"
  RPS[redis]+="$(field rps "$line") "
  P50[redis]+="$(field p50_ms "$line") "
  P99[redis]+="$(field p99_ms "$line") "
done

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
range() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%s-%s", lo, hi}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo
printf '%-34s %12s %20s %10s %18s\n' "figure (c=$CONNECTIONS, $RUNS runs)" "median rps" "rps range" "p99 ms" "p99 range ms"
for target in prices ping redis; do
  case $target in
    prices) name="price cache hit (GET /prices/{id})" ;;
    ping) name="constant endpoint (GET /ping)" ;;
    redis) name="redis GET (redis-benchmark)" ;;
  esac
  printf 'SUMMARY %-26s %12s %20s %10s %18s   p50 %s ms\n' "$name" "$(median "${RPS[$target]}")" \
    "$(range "${RPS[$target]}")" "$(median "${P99[$target]}")" "$(range "${P99[$target]}")" "$(median "${P50[$target]}")"
done

price_rps=$(median "${RPS[prices]}")
echo
echo "RATIO price hit / constant endpoint throughput: $(ratio "$price_rps" "$(median "${RPS[ping]}")") (target >= 0.70)"
echo "RATIO price hit / constant endpoint p99:        $(ratio "$(median "${P99[prices]}")" "$(median "${P99[ping]}")") (target <= 1.50)"
echo "RATIO price hit / redis GET throughput:         $(ratio "$price_rps" "$(median "${RPS[redis]}")")"
echo "RATIO price hit / Python prototype ($PROTOTYPE_RPS rps): $(ratio "$price_rps" "$PROTOTYPE_RPS")x (target >= 15x)"

log "measuring the staleness window of the in-memory tier"
java "$ROOT/bench/Staleness.java" "$API_PORT" "$REDIS_HOST" "$REDIS_PORT" "$PREFIX" 200
