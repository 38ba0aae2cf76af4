#!/usr/bin/env bash
# Runs the whole pricing engine locally, without Docker: Redis (if none answers), the API,
# two listeners and two workers, each a separate JVM. Builds the service jars if they are
# missing. Ctrl-C (or SIGTERM) stops everything this script started. A service that dies is
# reported; the others keep running, and with RESTART=on-failure it is started again.
#
# Environment:
#   REDIS_URL       Redis to use (default redis://127.0.0.1:6379). If nothing answers there and
#                   the host is local, a redis-server is started on that port.
#   LOCAL_REDIS     auto (default): redis-server from PATH, else the binary shipped in the
#                   embedded-redis artifact from Maven Central; embedded: always the latter.
#   REDIS_CLUSTER   a number n of primaries (3 or more): run on a Redis Cluster instead, n primaries
#                   and n replicas on ports REDIS_CLUSTER_PORT (default 7000) and up, started (from
#                   the same redis-server as above) when nothing answers on the first of them.
#   SPRING_DATA_REDIS_CLUSTER_NODES  host:port,... of a Redis Cluster to use (no Redis is started);
#                   REDIS_URL then carries only credentials and TLS (rediss://).
#   API_PORT        API port (default 8080); further API replicas, then listeners and workers,
#                   use the ports after it.
#   APIS            how many API replicas to start (default 1), as behind a load balancer.
#   REDIS_URL_<NAME>  the Redis URL of one service instead of REDIS_URL, by its name upper-cased
#                   with _ for - (REDIS_URL_WORKER_1, REDIS_URL_API_2, ...): to route one replica
#                   through a proxy (the chaos suite partitions services from Redis so).
#   JAVA_OPTS       extra JVM options for every service, after its defaults in <module>/jvm.options
#                   (heap size and collector; the last of two settings of an option wins, and a
#                   collector selected here, -XX:+UseParallelGC, replaces the default one).
#                   Each service's JVM is started by scripts/java-service.sh, as in the image.
#   MALLOC_ARENA_MAX  glibc malloc arenas per JVM (default 2: less resident memory).
#   RUN_DIR         where logs and the extracted Redis binary go (default .run-local/).
#   LISTENERS, WORKERS  how many of each to start (default 2 each).
#   WORKER_NICE     CPU priority of the workers (default 10, below the API's): recalculation is
#                   batch work and yields the CPU to the read path when they share the machine.
#   RESTART         never (default): a service that dies stays down; on-failure: it is started
#                   again after RESTART_DELAY seconds (default 1), as an orchestrator would, unless
#                   it exited within 60 s of its start three times in a row (a crash loop).
#   PRICING_SECURITY_API_KEYS  keys the API accepts in X-API-Key for writes (comma-separated,
#                   each the key or sha256:<hex digest>); unset: one is generated for this run
#                   and printed.
#   OTEL_*          the OpenTelemetry Java agent's standard settings; every service runs with the
#                   agent (service names api-service, listener-service, worker-service) and sends
#                   traces over OTLP/HTTP to localhost:4318 when something listens there.
#                   OTEL_JAVAAGENT_ENABLED=false runs without it. Its defaults, which
#                   instrumentations are on among them, are in otel-agent.properties
#                   (OTEL_JAVAAGENT_CONFIGURATION_FILE names another file).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
LOCAL_REDIS=${LOCAL_REDIS:-auto}
API_PORT=${API_PORT:-8080}
APIS=${APIS:-1}
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
RUN_DIR=${RUN_DIR:-$ROOT/.run-local}
LISTENERS=${LISTENERS:-2}
WORKERS=${WORKERS:-2}
READY_TIMEOUT_SECONDS=${READY_TIMEOUT_SECONDS:-180}
RESTART=${RESTART:-never}
RESTART_DELAY=${RESTART_DELAY:-1}
WORKER_NICE=${WORKER_NICE:-10}
VERSION=$(sed -n 's:^    <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -n 1)

SERVICE_PIDS=()
SERVICE_STARTED=()
QUICK_EXITS=()
SERVICE_MODULES=()
SERVICE_NAMES=()
SERVICE_PORTS=()
REPORTED=()
REDIS_PIDS=()
REDIS_CLUSTER=${REDIS_CLUSTER:-}
REDIS_CLUSTER_PORT=${REDIS_CLUSTER_PORT:-7000}

log() { printf '[run-local] %s\n' "$*" >&2; }
fail() { printf '[run-local] ERROR: %s\n' "$*" >&2; exit 1; }

cleanup() {
  # Finish stopping everything even if interrupted again or if nobody reads our output.
  set +e
  trap '' INT TERM PIPE
  trap - EXIT
  if ((${#SERVICE_PIDS[@]})); then
    log "stopping services"
    kill -TERM "${SERVICE_PIDS[@]}" 2>/dev/null || true
    for _ in $(seq 1 40); do
      local alive=0
      for pid in "${SERVICE_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      ((alive)) || break
      sleep 0.5
    done
    kill -KILL "${SERVICE_PIDS[@]}" 2>/dev/null || true
    wait "${SERVICE_PIDS[@]}" 2>/dev/null || true
  fi
  if ((${#REDIS_PIDS[@]})); then
    log "stopping the redis-server processes this script started"
    kill -TERM "${REDIS_PIDS[@]}" 2>/dev/null || true
    wait "${REDIS_PIDS[@]}" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Redis -------------------------------------------------------------------------------

# Host and port from redis://[user:pass@]host[:port][/db] or rediss://...
redis_hostport() {
  local rest=${REDIS_URL#*://}
  rest=${rest##*@}
  rest=${rest%%/*}
  local host=${rest%:*} port=${rest##*:}
  [[ $rest == *:* ]] || { host=$rest; port=6379; }
  host=${host#[}; host=${host%]}
  printf '%s %s\n' "$host" "$port"
}

# True when something answers the Redis protocol there (any reply, even NOAUTH).
redis_answers() {
  local reply
  reply=$( (exec 3<>"/dev/tcp/$1/$2" && printf 'PING\r\n' >&3 && read -r -t 2 line <&3 && printf '%s' "$line") \
    2>/dev/null) || return 1
  [[ -n $reply ]]
}

embedded_redis_server() {
  local version dir jar entry os arch
  version=$(sed -n 's:.*<embedded-redis.version>\(.*\)</embedded-redis.version>.*:\1:p' "$ROOT/pom.xml")
  dir="$RUN_DIR/redis"
  mkdir -p "$dir"
  jar="$dir/embedded-redis-$version.jar"
  if [[ ! -f $jar ]]; then
    log "fetching the Redis binary shipped in com.github.codemonstur:embedded-redis:$version"
    "$ROOT/mvnw" -q -N dependency:copy "-Dartifact=com.github.codemonstur:embedded-redis:$version" \
      "-DoutputDirectory=$dir" >&2
  fi
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  case $(uname -m) in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "no embedded Redis binary for $(uname -m); install redis-server" ;;
  esac
  entry=$(cd "$dir" && jar tf "$jar" | grep -E "^redis-server-.*-$os-$arch\$" | head -n 1)
  [[ -n $entry ]] || fail "the embedded-redis artifact has no binary for $os-$arch; install redis-server"
  if [[ ! -x $dir/$entry ]]; then
    (cd "$dir" && jar xf "$jar" "$entry")
    chmod +x "$dir/$entry"
  fi
  printf '%s\n' "$dir/$entry"
}

local_redis_server() {
  if [[ $LOCAL_REDIS != embedded ]] && command -v redis-server; then
    return
  fi
  embedded_redis_server
}

# Starts a redis-server on a local port, persistence off, with extra settings; appends its pid to
# REDIS_PIDS and returns once it answers.
start_redis_server() {
  local binary=$1 port=$2
  shift 2
  log "starting $binary on port $port${*:+ ($*)}"
  "$binary" --port "$port" --bind 127.0.0.1 --save "" --appendonly no "$@" \
    >"$RUN_DIR/logs/redis-$port.log" 2>&1 &
  REDIS_PIDS+=($!)
  for _ in $(seq 1 100); do
    redis_answers 127.0.0.1 "$port" && return
    kill -0 "$!" 2>/dev/null || fail "redis-server exited; see $RUN_DIR/logs/redis-$port.log"
    sleep 0.1
  done
  fail "redis-server did not answer on port $port"
}

ensure_redis() {
  local host port
  read -r host port < <(redis_hostport)
  if redis_answers "$host" "$port"; then
    log "using the Redis at $host:$port"
    return
  fi
  case $host in
    127.0.0.1 | localhost | ::1) ;;
    *) fail "no Redis answers at $host:$port (REDIS_URL=$REDIS_URL)" ;;
  esac
  start_redis_server "$(local_redis_server)" "$port"
}

# Sends one command (inline protocol) to a local Redis and prints its reply: a status, an integer
# or the first line of a bulk string (CLUSTER MYID's node id). Fails on an error reply.
redis_command() {
  local port=$1 reply
  shift
  reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf '%s\r\n' "$*" >&3 && read -r -t 5 line <&3 &&
    if [[ $line == '$'* ]]; then read -r -t 5 line <&3; fi && printf '%s' "$line") 2>/dev/null) || return 1
  reply=${reply%$'\r'}
  [[ $reply != -* ]] || { log "Redis on port $port answered $reply to ${1:-} ${2:-}"; return 1; }
  printf '%s\n' "${reply#+}"
}

# A cluster of REDIS_CLUSTER primaries with a replica each, from redis-server processes: nodes
# meet, each primary takes an equal range of the 16384 slots, each replica follows a primary.
# Plain CLUSTER commands rather than redis-cli, which the embedded-redis fallback lacks.
start_redis_cluster() {
  local primaries=$1 binary dir nodes=() port i first last
  binary=$(local_redis_server)
  dir="$RUN_DIR/redis-cluster"
  rm -rf "$dir"
  for i in $(seq 0 $((2 * primaries - 1))); do
    port=$((REDIS_CLUSTER_PORT + i))
    mkdir -p "$dir/$port"
    start_redis_server "$binary" "$port" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout 5000 --dir "$dir/$port"
    nodes+=("$port")
  done
  for port in "${nodes[@]:1}"; do
    redis_command "$port" CLUSTER MEET 127.0.0.1 "$REDIS_CLUSTER_PORT" >/dev/null || fail "CLUSTER MEET failed"
  done
  for i in $(seq 0 $((primaries - 1))); do
    first=$((i * 16384 / primaries))
    last=$(((i + 1) * 16384 / primaries - 1))
    redis_command "${nodes[$i]}" CLUSTER ADDSLOTS $(seq "$first" "$last") >/dev/null ||
      fail "CLUSTER ADDSLOTS failed"
  done
  # a replica can follow its primary only once it knows it: wait until every node knows all
  for _ in $(seq 1 200); do
    local known=1
    for port in "${nodes[@]}"; do
      (($(redis_cluster_known "$port") == ${#nodes[@]})) || known=0
    done
    ((known)) && break
    sleep 0.1
  done
  for i in $(seq 0 $((primaries - 1))); do
    redis_command "${nodes[$((primaries + i))]}" CLUSTER REPLICATE \
      "$(redis_command "${nodes[$i]}" CLUSTER MYID)" >/dev/null || fail "CLUSTER REPLICATE failed"
  done
  for _ in $(seq 1 300); do
    local ok=1
    for port in "${nodes[@]}"; do
      [[ $(redis_cluster_info "$port") == *cluster_state:ok* ]] || ok=0
    done
    ((ok)) && return
    sleep 0.1
  done
  fail "the local Redis Cluster did not reach cluster_state:ok; logs in $RUN_DIR/logs"
}

# The lines of CLUSTER INFO (a bulk reply).
redis_cluster_info() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'CLUSTER INFO\r\n' >&3 && read -r -t 5 _ <&3 &&
    while read -r -t 1 line <&3; do
      line=${line%$'\r'}
      [[ -n $line ]] || break
      printf '%s\n' "$line"
    done) 2>/dev/null
}

redis_cluster_known() {
  local info
  info=$(redis_cluster_info "$1")
  sed -n 's/^cluster_known_nodes:\([0-9]*\)$/\1/p' <<<"$info"
}

# Sets SPRING_DATA_REDIS_CLUSTER_NODES, the services' Redis Cluster, starting one if needed.
ensure_redis_cluster() {
  if [[ -n ${SPRING_DATA_REDIS_CLUSTER_NODES:-} ]]; then
    log "using the Redis Cluster at $SPRING_DATA_REDIS_CLUSTER_NODES"
    return
  fi
  [[ $REDIS_CLUSTER =~ ^[0-9]+$ ]] && ((REDIS_CLUSTER >= 3)) ||
    fail "REDIS_CLUSTER must be a number of primaries, 3 or more (Redis Cluster's minimum), not '$REDIS_CLUSTER'"
  local i nodes=()
  for i in $(seq 0 $((2 * REDIS_CLUSTER - 1))); do nodes+=("127.0.0.1:$((REDIS_CLUSTER_PORT + i))"); done
  if redis_answers 127.0.0.1 "$REDIS_CLUSTER_PORT"; then
    log "using the Redis Cluster answering on port $REDIS_CLUSTER_PORT"
  else
    start_redis_cluster "$REDIS_CLUSTER"
    log "started a Redis Cluster: $REDIS_CLUSTER primaries and $REDIS_CLUSTER replicas on ports" \
      "$REDIS_CLUSTER_PORT-$((REDIS_CLUSTER_PORT + 2 * REDIS_CLUSTER - 1))"
  fi
  SPRING_DATA_REDIS_CLUSTER_NODES=$(IFS=,; printf '%s' "${nodes[*]}")
  export SPRING_DATA_REDIS_CLUSTER_NODES
}

# --- Services ----------------------------------------------------------------------------

jar_of() { printf '%s/%s/target/%s-%s.jar\n' "$ROOT" "$1" "$1" "$VERSION"; }
agent_of() { printf '%s/%s/target/agent/opentelemetry-javaagent.jar\n' "$ROOT" "$1"; }

ensure_built() {
  local module missing=0
  for module in api-service listener-service worker-service; do
    [[ -f $(jar_of "$module") && -f $(agent_of "$module") ]] || missing=1
    # our extension of the agent (its sampler), copied beside it by the same build
    [[ -f $(dirname "$(agent_of "$module")")/pricing-tracing-extension.jar ]] || missing=1
  done
  if ((missing)); then
    log "building the service jars (./mvnw package -DskipTests)"
    (cd "$ROOT" && ./mvnw -q -B package -DskipTests)
  fi
}

# Traces go over OTLP/HTTP to localhost:4318 (or wherever the standard OTEL_* variables say).
# With no receiver there and no exporter settings, the agents export nothing instead of
# logging a failed export every few seconds.
configure_tracing() {
  export OTEL_METRICS_EXPORTER=${OTEL_METRICS_EXPORTER:-none} # metrics: /actuator/prometheus
  export OTEL_LOGS_EXPORTER=${OTEL_LOGS_EXPORTER:-none}       # logs: $RUN_DIR/logs
  if [[ -z ${OTEL_TRACES_EXPORTER:-}${OTEL_EXPORTER_OTLP_ENDPOINT:-}${OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:-} ]] &&
    ! (exec 4<>/dev/tcp/127.0.0.1/4318) 2>/dev/null; then
    log "no OTLP receiver on localhost:4318: traces are not exported (see the README, Tracing)"
    export OTEL_TRACES_EXPORTER=none
  fi
}

# Starts a service's JVM, its output appended to its log; sets LAUNCHED_PID.
launch() {
  local module=$1 name=$2 port=$3
  local -a tracing=("OTEL_SERVICE_NAME=$module"
    "OTEL_JAVAAGENT_CONFIGURATION_FILE=${OTEL_JAVAAGENT_CONFIGURATION_FILE:-$ROOT/otel-agent.properties}") priority=()
  if [[ $module == api-service ]]; then
    # without the Reactor instrumentation (otel-agent.properties) a Redis command sent after
    # another's reply would start a trace of its own; the API's traces are its requests' spans
    tracing+=("OTEL_INSTRUMENTATION_LETTUCE_ENABLED=${OTEL_INSTRUMENTATION_LETTUCE_ENABLED:-false}")
  fi
  if [[ $module == worker-service ]]; then
    # recalculation is batch work: on a shared machine it yields the CPU to the read path
    priority=(nice -n "$WORKER_NICE")
    # a recalculation sends hundreds of thousands of Redis commands; the worker traces its
    # batches instead of each command (and of each idle poll of the job stream)
    tracing+=("OTEL_INSTRUMENTATION_LETTUCE_ENABLED=${OTEL_INSTRUMENTATION_LETTUCE_ENABLED:-false}"
      "OTEL_INSTRUMENTATION_REDISSON_ENABLED=${OTEL_INSTRUMENTATION_REDISSON_ENABLED:-false}")
  fi
  local own_url # REDIS_URL_<NAME>, this service's own Redis URL if set
  own_url="REDIS_URL_$(printf '%s' "$name" | tr 'a-z-' 'A-Z_')"
  # java-service.sh execs the JVM (as nice and env do): $! is the JVM's pid
  ${priority[@]+"${priority[@]}"} env "${tracing[@]}" REDIS_URL="${!own_url:-$REDIS_URL}" PORT="$port" \
    "$ROOT/scripts/java-service.sh" "$(agent_of "$module")" "$ROOT/$module/jvm.options" -jar "$(jar_of "$module")" \
    >>"$RUN_DIR/logs/$name.log" 2>&1 &
  LAUNCHED_PID=$!
  LAUNCHED_AT=$SECONDS
}

start_service() {
  local module=$1 name=$2 port=$3
  : >"$RUN_DIR/logs/$name.log"
  launch "$module" "$name" "$port"
  SERVICE_PIDS+=("$LAUNCHED_PID")
  SERVICE_STARTED+=("$LAUNCHED_AT")
  QUICK_EXITS+=(0)
  SERVICE_MODULES+=("$module")
  SERVICE_NAMES+=("$name")
  SERVICE_PORTS+=("$port")
  log "started $name (pid $LAUNCHED_PID, port $port, log $RUN_DIR/logs/$name.log)"
}

# Starts service i again, unless it keeps exiting soon after its start; returns 1 then.
restart_service() {
  local i=$1
  if ((SECONDS - SERVICE_STARTED[i] < 60)); then
    QUICK_EXITS[i]=$((QUICK_EXITS[i] + 1))
  else
    QUICK_EXITS[i]=0
  fi
  if ((QUICK_EXITS[i] >= 3)); then
    log "${SERVICE_NAMES[$i]} exited within 60 s of its start 3 times in a row; not restarting it"
    return 1
  fi
  sleep "$RESTART_DELAY"
  launch "${SERVICE_MODULES[$i]}" "${SERVICE_NAMES[$i]}" "${SERVICE_PORTS[$i]}"
  SERVICE_PIDS[i]=$LAUNCHED_PID
  SERVICE_STARTED[i]=$LAUNCHED_AT
  unset "REPORTED[$i]"
  log "restarted ${SERVICE_NAMES[$i]} (pid $LAUNCHED_PID)"
}

# True when GET http://127.0.0.1:PORT/PATH answers 200.
http_ok() {
  local status
  status=$( (exec 4<>"/dev/tcp/127.0.0.1/$1" &&
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&4 &&
    read -r -t 5 line <&4 && printf '%s' "$line") 2>/dev/null) || return 1
  [[ $status == *" 200 "* ]]
}

await_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS)) i pending
  while ((SECONDS < deadline)); do
    pending=0
    for i in "${!SERVICE_PIDS[@]}"; do
      kill -0 "${SERVICE_PIDS[$i]}" 2>/dev/null ||
        fail "${SERVICE_NAMES[$i]} exited; see $RUN_DIR/logs/${SERVICE_NAMES[$i]}.log"
      http_ok "${SERVICE_PORTS[$i]}" /actuator/health/readiness || pending=1
    done
    ((pending)) || return 0
    sleep 1
  done
  fail "services not ready after ${READY_TIMEOUT_SECONDS}s; logs in $RUN_DIR/logs"
}

case $RESTART in
  never | on-failure) ;;
  *) fail "RESTART must be never or on-failure, not '$RESTART'" ;;
esac
mkdir -p "$RUN_DIR/logs"
command -v java >/dev/null || fail "java (JDK 17+) is required"
ensure_built
if [[ -n $REDIS_CLUSTER || -n ${SPRING_DATA_REDIS_CLUSTER_NODES:-} ]]; then
  ensure_redis_cluster
else
  ensure_redis
fi
configure_tracing
GENERATED_API_KEY=""
if [[ -z ${PRICING_SECURITY_API_KEYS:-} ]]; then
  GENERATED_API_KEY=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  export PRICING_SECURITY_API_KEYS=$GENERATED_API_KEY
fi

start_service api-service api "$API_PORT"
port=$API_PORT
for n in $(seq 2 "$APIS"); do port=$((port + 1)); start_service api-service "api-$n" "$port"; done
for n in $(seq 1 "$LISTENERS"); do port=$((port + 1)); start_service listener-service "listener-$n" "$port"; done
for n in $(seq 1 "$WORKERS"); do port=$((port + 1)); start_service worker-service "worker-$n" "$port"; done
await_ready

cat <<EOF
[run-local] Pricing engine is running:
[run-local]   API        http://localhost:$API_PORT/api/v1/prices/P-1
[run-local]   API docs   http://localhost:$API_PORT/docs
[run-local]   API key    $(if [[ -n $GENERATED_API_KEY ]]; then echo "$GENERATED_API_KEY (generated for this run; send it as X-API-Key to publish, import, replay)"; else echo "from PRICING_SECURITY_API_KEYS"; fi)
[run-local]   health     http://localhost:$API_PORT/actuator/health
[run-local]   metrics    http://localhost:$API_PORT/actuator/prometheus
[run-local]   $(if ((APIS > 1)); then echo "API replicas on ports $API_PORT-$((API_PORT + APIS - 1)); "; fi)listeners and workers: ports $((API_PORT + APIS))-$port (/actuator/health)
[run-local]   logs       $RUN_DIR/logs
[run-local]   traces     $(if [[ ${OTEL_TRACES_EXPORTER:-otlp} == none || ${OTEL_JAVAAGENT_ENABLED:-true} == false ]]; then echo "off"; else echo "OTLP to ${OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:-${OTEL_EXPORTER_OTLP_ENDPOINT:-http://localhost:4318}}"; fi)
[run-local] Press Ctrl-C to stop.
EOF

# Run until interrupted, looking at the services every second (several may die at once). A
# service that exits is reported and the others keep running (as replicas would: a killed
# worker's jobs are taken over by the others); with RESTART=on-failure it is started again.
# When none is left, stop.
set +e
while :; do
  sleep 1
  alive=0
  for i in "${!SERVICE_PIDS[@]}"; do
    if kill -0 "${SERVICE_PIDS[$i]}" 2>/dev/null; then
      alive=1
    elif [[ -z ${REPORTED[$i]:-} ]]; then
      REPORTED[$i]=1
      wait "${SERVICE_PIDS[$i]}" 2>/dev/null
      log "${SERVICE_NAMES[$i]} exited (status $?); see $RUN_DIR/logs/${SERVICE_NAMES[$i]}.log"
      if [[ $RESTART == on-failure ]] && restart_service "$i"; then
        alive=1
      fi
    fi
  done
  ((alive)) || { log "no service left running"; exit 1; }
done
