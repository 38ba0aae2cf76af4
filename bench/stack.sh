# Sourced by the whole-stack benchmarks: runs scripts/run-local.sh against the Redis on
# 127.0.0.1:6379 (or REDIS_PORT) under a fresh key prefix with an API key of its own, and removes
# everything it made when the benchmark ends. Set before sourcing: ROOT, API_PORT.
# Provides: log, start_stack [VAR=value ...], stack_pid_of MODULE, start_otlp_sink PORT,
# publish [json], field NAME LINE, cpu_ticks PID, API, PREFIX, PRICING_API_KEY, WORK, STACK_PID,
# and an EXIT trap that calls the benchmark's optional bench_cleanup first.

# short, like the default "pricing:": every key the stack touches carries it, so its length is
# part of what is measured
PREFIX="bench$$:"
export PRICING_API_KEY=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n') # the key this run's API accepts
WORK=$(mktemp -d)
STACK_PID=""
SINK_PID=""
REDIS_PORT=${REDIS_PORT:-6379}
API="http://127.0.0.1:$API_PORT"

log() { printf '[bench] %s\n' "$*" >&2; }

stack_cleanup() {
  set +e
  declare -F bench_cleanup >/dev/null && bench_cleanup
  [[ -n $STACK_PID ]] && kill "$STACK_PID" 2>/dev/null && wait "$STACK_PID" 2>/dev/null
  [[ -n $SINK_PID ]] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-cli -p "$REDIS_PORT" --scan --pattern "${PREFIX}*" | xargs -r -n 1000 redis-cli -p "$REDIS_PORT" unlink >/dev/null
    # Redisson's own keys for the lock (its name after a prefix of Redisson's)
    redis-cli -p "$REDIS_PORT" --scan --pattern "redisson*:${PREFIX}*" |
      xargs -r -n 1000 redis-cli -p "$REDIS_PORT" unlink >/dev/null
  fi
  rm -rf "$WORK"
}
trap stack_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A missing tool is installed from Debian's packages when run as root (as on our build machines).
need() {
  command -v "$1" >/dev/null && return
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing $2 from Debian's packages"
    apt-get install -y -qq "$2" >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq "$2" >/dev/null; }
  fi
  command -v "$1" >/dev/null || { echo "bench: $1 is required (Debian package $2)" >&2; exit 1; }
}
for tool in redis-cli curl "$@"; do
  case $tool in
    redis-*) need "$tool" redis-tools ;;
    *) need "$tool" "$tool" ;;
  esac
done
redis-cli -p "$REDIS_PORT" ping >/dev/null || { echo "bench: no Redis on 127.0.0.1:$REDIS_PORT" >&2; exit 1; }
# anything an earlier run with the same process id left behind
redis-cli -p "$REDIS_PORT" --scan --pattern "${PREFIX}*" | xargs -r -n 1000 redis-cli -p "$REDIS_PORT" unlink >/dev/null

# Starts the stack with the given extra environment (which may override the defaults here, such as
# REDIS_URL) and waits until it reports running.
start_stack() {
  env PRICING_SECURITY_API_KEYS="$PRICING_API_KEY" PRICING_REDIS_KEY_PREFIX="$PREFIX" RUN_DIR="$WORK/run" \
    API_PORT="$API_PORT" REDIS_URL="redis://127.0.0.1:$REDIS_PORT" "$@" "$ROOT/scripts/run-local.sh" >"$WORK/stack.log" 2>&1 &
  STACK_PID=$!
  for _ in $(seq 1 300); do
    grep -q "Pricing engine is running" "$WORK/stack.log" && return
    kill -0 "$STACK_PID" 2>/dev/null || { cat "$WORK/stack.log" >&2; exit 1; }
    sleep 1
  done
  echo "bench: the stack did not start in 300 s; see $WORK/stack.log" >&2
  exit 1
}

# Prints the pid of the stack's JVM of a module (api-service: the stack runs one).
stack_pid_of() {
  local pid
  for pid in $(pgrep -P "$STACK_PID" java); do
    if grep -q "$1" "/proc/$pid/cmdline"; then echo "$pid"; return; fi
  done
  echo "bench: the stack's $1 process not found" >&2
  exit 1
}

# Starts bench/OtlpSink.java on a port, standing in for a collector of the agents' traces.
start_otlp_sink() {
  log "starting an OTLP sink on $1 for the agents' traces"
  java "$ROOT/bench/OtlpSink.java" "$1" >"$WORK/otlp-sink.log" 2>&1 &
  SINK_PID=$!
  for _ in $(seq 1 60); do
    grep -q listening "$WORK/otlp-sink.log" && return
    kill -0 "$SINK_PID" 2>/dev/null || { cat "$WORK/otlp-sink.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "bench: the OTLP sink did not start in 30 s; see $WORK/otlp-sink.log" >&2
  exit 1
}

# The value of NAME=value in a line (a wrk script's RESULT line).
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# A process's CPU time so far (user and system), in clock ticks (getconf CLK_TCK a second).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Publishes a market event (an empty body: a full recalculation) and prints the answer.
publish() {
  curl -fsS -X POST "$API/api/v1/publish-market-event" -H "X-API-Key: $PRICING_API_KEY" \
    -H 'Content-Type: application/json' ${1:+-d "$1"}
}
