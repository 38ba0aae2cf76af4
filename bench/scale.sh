#!/usr/bin/env bash
# Partition scaling benchmark (a command to run, not a test). How fast a full recalculation is,
# as users feel it, when the pricing data is split into PARTITIONS partitions and 1, 2, 4 workers
# take the partitions' tasks side by side; in one run:
#  (1) standalone Redis (127.0.0.1:6379, each data set under a fresh key prefix deleted
#      afterwards):
#      - the baseline, today's shape: a data set of PRICING_PARTITIONS=1 and one worker;
#      - a data set of PRICING_PARTITIONS=$PARTITIONS with each of WORKER_COUNTS workers (the stack
#        is stopped and started again between worker counts, on the same data set);
#      beside them redis-benchmark's pipelined SET (-P 64, -c 4 and -c 1, as in pipeline.sh),
#      measured after each measured pass, as the ceiling; ratios of the medians (targets: two
#      workers >= 0.55 of the 4-connection ceiling; one worker on PARTITIONS partitions no slower
#      than the 1-partition baseline); and the Redis commands and CPU each price cost (INFO's
#      total_commands_processed and used_cpu_user + used_cpu_sys around each measured pass; a
#      script's commands count each, and the worker writes 500 prices an MSET).
#  (2) a local Redis Cluster of CLUSTER_PRIMARIES primaries (default 3) with a replica each, formed
#      here (redis-server processes on CLUSTER_PORT and up, persistence off, a temp dir of their
#      own, killed at exit; CLUSTER MEET / ADDSLOTS / REPLICATE as scripts/run-local.sh does) and
#      kept for the whole section, so that the stack can be restarted between worker counts
#      without losing the data set (run-local.sh's own REDIS_CLUSTER=n would stop its cluster with
#      the stack): the same passes on PRICING_PARTITIONS=$PARTITIONS with each of WORKER_COUNTS
#      workers; beside them each primary's pipelined SET ceiling (-P 64 -c 4, keys under a hash
#      tag the primary owns; also all primaries at once, as on this machine they share the CPU),
#      which partitions' hash tags ({p0}, {p1}, ...) and the intake's ({intake}: job stream and job
#      statuses) live on which primary, and the share of the commands (and of the CPU) each
#      primary served during the measured passes (replicas not counted).
#  (3) publish latency with and without WAIT is bench/replicated-publish.sh's (it needs a
#      primary/replica pair and minutes of wrk of its own): not repeated here; PUBLISH_LATENCY=1
#      runs it after the sections above, once this benchmark's stack is down.
#
# Each configuration: one warm-up pass (WARMUPS), then RUNS measured passes (default 3), each a
# global DEMAND_FACTOR event with a factor other than the previous pass's (every price changes and
# is written). A pass is timed on the client clock from the 202 answer of the publish to the first
# poll (every POLL_MS, default 20 ms, over one keep-alive connection) that sees the job SUCCEEDED;
# prices/s = the job's processed / those seconds. Each pass also records which worker ran each
# partition's task (distinct workers per pass, tasks per worker) and the server-side span from the
# first task's start to the last task's finish.
# The catalog (PRODUCTS products, default 1,000,000, in categories of 500, the NDJSON of
# pipeline.sh) is imported once per data set. The stack runs through scripts/run-local.sh (1 API,
# 1 listener, N workers at run-local's WORKER_NICE) with the service jars as built (nothing is
# built here). On a machine of few cores the API, listener, workers, Redis (all six redis-servers
# in the cluster section) and redis-benchmark share the CPU: the output states nproc and the load.
#
# Environment: PRODUCTS (1000000), RUNS (3), WARMUPS (1), PARTITIONS (4), WORKER_COUNTS ("1 2 4"),
# SECTIONS ("standalone cluster"), CLUSTER_PORT (7300; it and the next 2*CLUSTER_PRIMARIES-1
# ports, and their cluster bus ports +10000, must be free), CLUSTER_PRIMARIES (3),
# CEILING_REQUESTS (2000000 SETs per redis-benchmark run), POLL_MS (20), PASS_TIMEOUT (900 s),
# API_PORT (18380; the listener and workers take the ports after it), KEEP_LOGS (a directory: the
# services' logs of each configuration are copied there), PUBLISH_LATENCY (0).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PRODUCTS=${PRODUCTS:-1000000}
RUNS=${RUNS:-3}
WARMUPS=${WARMUPS:-1}
PARTITIONS=${PARTITIONS:-4}
WORKER_COUNTS=${WORKER_COUNTS:-1 2 4}
SECTIONS=${SECTIONS:-standalone cluster}
CLUSTER_PORT=${CLUSTER_PORT:-7300}
CLUSTER_PRIMARIES=${CLUSTER_PRIMARIES:-3}
CEILING_REQUESTS=${CEILING_REQUESTS:-2000000}
POLL_MS=${POLL_MS:-20}
PASS_TIMEOUT=${PASS_TIMEOUT:-900}
API_PORT=${API_PORT:-18380}
KEEP_LOGS=${KEEP_LOGS:-}
PUBLISH_LATENCY=${PUBLISH_LATENCY:-0}

# shellcheck disable=SC2086 # WORKER_COUNTS: one number a word
for number in "$PRODUCTS" "$RUNS" "$WARMUPS" "$PARTITIONS" "$CLUSTER_PORT" "$CLUSTER_PRIMARIES" \
  "$CEILING_REQUESTS" "$POLL_MS" "$PASS_TIMEOUT" $WORKER_COUNTS; do
  [[ $number =~ ^[0-9]+$ ]] || { echo "bench: '$number' is not a number" >&2; exit 64; }
done
for workers in $WORKER_COUNTS; do ((workers >= 1)) || { echo "bench: a worker count must be 1 or more" >&2; exit 64; }; done
((RUNS >= 1 && PARTITIONS >= 1 && PRODUCTS >= 500)) || { echo "bench: RUNS and PARTITIONS must be >= 1, PRODUCTS >= 500" >&2; exit 64; }
((CLUSTER_PRIMARIES >= 3)) || { echo "bench: CLUSTER_PRIMARIES must be 3 or more" >&2; exit 64; }
for section in $SECTIONS; do
  [[ $section == standalone || $section == cluster ]] || { echo "bench: unknown section '$section'" >&2; exit 64; }
done
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
if want cluster; then
  command -v redis-server >/dev/null || { echo "bench: redis-server is required for the cluster section" >&2; exit 1; }
fi

# shellcheck source=bench/stack.sh
source "$ROOT/bench/stack.sh" redis-benchmark python3
# stack.sh's PREFIX names the baseline data set; the others get prefixes of their own (same length)
BASE_PREFIX=$PREFIX
PART_PREFIX="bench$$p:"
SET_PREFIX="bench$$s:" # redis-benchmark's keys on 6379
CLUSTER_PREFIX="bench$$c:"
CLUSTER_DIR=""
CLUSTER_PIDS=()
PY=$(python3 -c 'import sys; print(sys.executable)') # not pyenv's shim, once per pass

# Unlinks every key of a prefix (and Redisson's keys for its locks) on 127.0.0.1:$REDIS_PORT.
drop_prefix() {
  redis-cli -p "$REDIS_PORT" --scan --pattern "$1*" | xargs -r -n 1000 redis-cli -p "$REDIS_PORT" unlink >/dev/null
  redis-cli -p "$REDIS_PORT" --scan --pattern "redisson*:$1*" | xargs -r -n 1000 redis-cli -p "$REDIS_PORT" unlink >/dev/null
}
stop_stack() {
  [[ -n $STACK_PID ]] || return 0
  kill "$STACK_PID" 2>/dev/null || true # run-local.sh stops its services on TERM
  wait "$STACK_PID" 2>/dev/null || true
  STACK_PID=""
}
stop_cluster() {
  ((${#CLUSTER_PIDS[@]})) || return 0
  kill "${CLUSTER_PIDS[@]}" 2>/dev/null || true
  wait "${CLUSTER_PIDS[@]}" 2>/dev/null || true
  CLUSTER_PIDS=()
  if [[ -n $CLUSTER_DIR ]]; then rm -rf "$CLUSTER_DIR"; fi
  CLUSTER_DIR=""
}
bench_cleanup() {
  stop_stack
  stop_cluster
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    for prefix in "$BASE_PREFIX" "$PART_PREFIX" "$SET_PREFIX"; do drop_prefix "$prefix"; done
  fi
}
for prefix in "$PART_PREFIX" "$SET_PREFIX"; do drop_prefix "$prefix"; done # an earlier run's, same pid

# --- the stack -------------------------------------------------------------------------------

# Starts the stack on the target (standalone or cluster) with the given extra environment. On the
# cluster the services get SPRING_DATA_REDIS_CLUSTER_NODES (run-local.sh then starts no Redis and
# the URL carries only credentials, none here) and a REDIS_URL naming the cluster, not stack.sh's
# 6379.
start_on() {
  local target=$1
  shift
  rm -f "$WORK"/run/logs/*.log # a previous configuration's (run-local.sh truncates only its own)
  if [[ $target == standalone ]]; then
    start_stack "$@"
  else
    start_stack SPRING_DATA_REDIS_CLUSTER_NODES="$CLUSTER_NODES" REDIS_URL="redis://127.0.0.1:$CLUSTER_PORT" "$@"
  fi
}

import_catalog() {
  local start
  log "importing $PRODUCTS products (NDJSON, streamed)"
  start=$(date +%s%N)
  awk -v n="$PRODUCTS" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"product_id\":\"P-%d\",\"category\":\"C-%d\",\"base_price\":\"%d.%02d\",\"floor_price\":\"1.00\",\"ceiling_price\":\"99999.00\"}\n", i, (i - 1) % (n / 500) + 1, 5 + i % 900, i % 100 }' |
    curl -fsS -X POST "$API/api/v1/catalog" -H "X-API-Key: $PRICING_API_KEY" -H 'Content-Type: application/x-ndjson' \
      --data-binary @- >"$WORK/import.json"
  log "import: $(cat "$WORK/import.json") in $((($(date +%s%N) - start) / 1000000)) ms"
}

# Service logs of the configuration that just stopped: ERROR and WARN lines counted (and kept
# under KEEP_LOGS); the first ERROR lines are shown.
LOG_NOTES=()
check_logs() {
  local label=$1 file name errors warns counts="" any=0
  for file in "$WORK"/run/logs/*.log; do
    [[ -f $file ]] || continue
    name=$(basename "$file" .log)
    [[ $name == redis-* ]] && continue
    errors=$(grep -c -E '^[0-9][^ ]* +ERROR ' "$file" || true)
    warns=$(grep -c -E '^[0-9][^ ]* +WARN ' "$file" || true)
    counts+=" $name:${errors}E/${warns}W"
    if ((errors)); then
      any=1
      log "$label: first ERROR lines of $name:"
      grep -E '^[0-9][^ ]* +ERROR ' "$file" | head -n 3 | cut -c1-300 >&2
    fi
  done
  log "$label: service log lines (ERROR/WARN):$counts"
  if ((any)); then LOG_NOTES+=("$label:$counts"); fi
  if [[ -n $KEEP_LOGS ]]; then
    mkdir -p "$KEEP_LOGS/$label"
    cp "$WORK"/run/logs/*.log "$WORK/stack.log" "$KEEP_LOGS/$label/" 2>/dev/null || true
  fi
}

# --- one pass --------------------------------------------------------------------------------

# Publishes the event in $1, then polls its job on one keep-alive connection until SUCCEEDED.
# Prints "<processed> <total> <ms from the 202 to SUCCEEDED> <ms first task start to last task
# finish> <distinct workers> <tasks: partition:worker:processed:ms,...>".
cat >"$WORK/pass.py" <<'PY'
import http.client, json, os, sys, time
from datetime import datetime

port, body, poll, timeout = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]) / 1000, float(sys.argv[4])
names = dict(pair.split("=", 1) for pair in os.environ.get("WORKER_NAMES", "").split(",") if pair)


def die(message):
    print("bench: " + message, file=sys.stderr)
    sys.exit(1)


def name_of(consumer):
    # consumers are named <host>-<pid>[-<thread>]; run-local.sh's name for that pid
    parts = (consumer or "?").split("-")
    for pid, name in names.items():
        if pid in parts:
            return name
    return consumer or "?"


def epoch_ms(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000 if text else None


conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
conn.request("POST", "/api/v1/publish-market-event", body=body,
             headers={"X-API-Key": os.environ["PRICING_API_KEY"], "Content-Type": "application/json"})
response = conn.getresponse()
data = response.read()
accepted = time.monotonic_ns()  # right after the 202
if response.status != 202:
    die(f"publish answered {response.status}: {data[:300]!r}")
job = json.loads(data)["job"]
deadline = time.monotonic() + timeout
while True:
    time.sleep(poll)
    conn.request("GET", job)
    response = conn.getresponse()
    data = response.read()
    seen = time.monotonic_ns()
    if response.status == 200:
        status = json.loads(data)
        if status["state"] == "SUCCEEDED":
            break
        if status["state"] == "DEAD_LETTERED":
            die(f"job dead-lettered: {data[:500]!r}")
    elif response.status != 404:  # 404: not bridged onto the job stream yet
        die(f"job status answered {response.status}: {data[:300]!r}")
    if time.monotonic() > deadline:
        die(f"job not done after {timeout:.0f} s: {data[:500]!r}")
tasks = status.get("partitions") or []
starts = [epoch_ms(t.get("started_at")) for t in tasks if t.get("started_at")]
ends = [epoch_ms(t.get("finished_at")) for t in tasks if t.get("finished_at")]
span = round(max(ends) - min(starts)) if starts and ends else -1
described = []
for t in tasks:
    start, end = epoch_ms(t.get("started_at")), epoch_ms(t.get("finished_at"))
    took = round(end - start) if start is not None and end is not None else -1
    state = "" if t.get("state") == "SUCCEEDED" else ":" + str(t.get("state"))
    described.append(f"p{t['partition']}:{name_of(t.get('worker'))}:{t.get('processed')}:{took}{state}")
print(status["processed"], status["total"], (seen - accepted) // 1_000_000, span,
      len({t.get("worker") for t in tasks if t.get("worker")}), ",".join(described) or "-")
PY

# The worker names of the running stack by JVM pid (run-local.sh logs "started worker-1 (pid N,").
worker_names() {
  sed -n 's/.*started \(worker-[0-9]*\) (pid \([0-9]*\),.*/\2=\1/p' "$WORK/stack.log" | paste -sd, -
}
PASS_NUMBER=0
# The next pass's event: a global demand factor other than the previous pass's (0.01 apart at
# least: base prices start at 5.00, so every price moves by 0.05 or more).
next_event() {
  PASS_NUMBER=$((PASS_NUMBER + 1))
  printf '{"type":"DEMAND_FACTOR","factor":%s}' "$(awk -v n="$PASS_NUMBER" 'BEGIN { printf "%.2f", 1.01 + (n % 40) / 100 }')"
}
full_pass() {
  WORKER_NAMES=$(worker_names) "$PY" "$WORK/pass.py" "$API_PORT" "$(next_event)" "$POLL_MS" "$PASS_TIMEOUT"
}

# "<total_commands_processed> <CPU ms used (user + sys)>" of a Redis; a script's commands count
# each (the worker's write-prices-fenced.lua writes 500 prices an MSET).
redis_counters() {
  redis-cli -p "$1" info | tr -d '\r' | awk -F: '$1 == "total_commands_processed" { c = $2 }
    $1 == "used_cpu_sys" || $1 == "used_cpu_user" { u += $2 } END { printf "%d %.0f\n", c, u * 1000 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
range() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f-%.0f", lo, hi }'; }
rate() { awk -v p="$1" -v ms="$2" 'BEGIN { printf "%.0f", (ms > 0) ? p / (ms / 1000) : 0 }'; }
percent() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", (b > 0) ? 100 * a / b : 0 }'; }
plural() { if (($1 == 1)); then printf '%s %s' "$1" "$2"; else printf '%s %ss' "$1" "$2"; fi; }

# --- ceilings --------------------------------------------------------------------------------

# redis-benchmark's pipelined SET in req/s: $1 port, $2 connections, $3 key pattern.
pipelined_set() {
  redis-benchmark -h 127.0.0.1 -p "$1" -P 64 -c "$2" -n "$CEILING_REQUESTS" -r "$PRODUCTS" -d 40 --csv \
    SET "$3" x | tail -n 1 | tr -d '"' | cut -d, -f2
}

# --- one configuration -----------------------------------------------------------------------

declare -A RATE_MEDIAN RATE_RANGE MS_MEDIAN SPREAD PER_WORKER CMDS_PER_PRICE CPU_PER_PRICE PASS_PRICES
declare -A PRIMARY_CMDS PRIMARY_CPU # "<label>,<port>" -> share
CONFIGS=()
STANDALONE_SET4=() STANDALONE_SET1=()
declare -A SHARD_SET # port -> space-separated results
CLUSTER_ALL_SET=()

# Runs a configuration on the running stack: warm-up, then RUNS measured passes, each followed by
# the target's ceilings, with the Redis counters of each port of the target (6379, or each primary)
# read around each measured pass. $1 target, $2 label.
measure() {
  local target=$1 label=$2 pass processed total ms span distinct tasks task worker run i port c0 u0 c1 u1
  local rates=() times=() spread=() ports=() benchmarks=() commands=0 cpu=0 prices=0 set4 set1 shard
  local -A per_worker=() served=() burnt=() before=()
  if [[ $target == standalone ]]; then ports=("$REDIS_PORT"); else ports=("${PRIMARIES[@]}"); fi
  for i in $(seq 1 "$WARMUPS"); do
    read -r processed total ms span distinct tasks <<<"$(full_pass)"
    log "$label warm-up $i: $processed/$total prices in $ms ms (tasks $tasks)"
  done
  for run in $(seq 1 "$RUNS"); do
    for port in "${ports[@]}"; do before[$port]=$(redis_counters "$port"); done
    pass=$(full_pass)
    for port in "${ports[@]}"; do
      read -r c0 u0 <<<"${before[$port]}"
      read -r c1 u1 <<<"$(redis_counters "$port")"
      served[$port]=$((${served[$port]:-0} + c1 - c0))
      burnt[$port]=$((${burnt[$port]:-0} + u1 - u0))
      commands=$((commands + c1 - c0))
      cpu=$((cpu + u1 - u0))
    done
    read -r processed total ms span distinct tasks <<<"$pass"
    ((processed == total)) || log "$label pass $run: processed $processed of $total"
    prices=$((prices + processed))
    rates+=("$(rate "$processed" "$ms")")
    times+=("$ms")
    spread+=("$distinct")
    for task in ${tasks//,/ }; do
      IFS=: read -r _ worker _ _ <<<"$task"
      per_worker[$worker]=$((${per_worker[$worker]:-0} + 1))
    done
    log "$label pass $run: $processed prices in $ms ms (202 to SUCCEEDED) = ${rates[-1]} prices/s;" \
      "tasks from first start to last finish $span ms on $distinct worker(s): $tasks"
    if [[ $target == standalone ]]; then
      set4=$(pipelined_set "$REDIS_PORT" 4 "${SET_PREFIX}__rand_int__")
      set1=$(pipelined_set "$REDIS_PORT" 1 "${SET_PREFIX}__rand_int__")
      STANDALONE_SET4+=("$set4")
      STANDALONE_SET1+=("$set1")
      log "pipelined SET $set4 req/s (-c 4), $set1 (-c 1)"
    else
      shard=""
      for port in "${PRIMARIES[@]}"; do
        set4=$(pipelined_set "$port" 4 "bench-set:{${SET_TAG[$port]}}:__rand_int__")
        SHARD_SET[$port]+="$set4 "
        shard+=" $port:$set4"
      done
      benchmarks=()
      for port in "${PRIMARIES[@]}"; do
        pipelined_set "$port" 4 "bench-set:{${SET_TAG[$port]}}:__rand_int__" >"$WORK/all-$port.out" &
        benchmarks+=($!)
      done
      wait "${benchmarks[@]}" # not a bare wait: the stack and the cluster are children too
      set4=$(for port in "${PRIMARIES[@]}"; do cat "$WORK/all-$port.out"; done | awk '{ s += $1 } END { printf "%.0f", s }')
      CLUSTER_ALL_SET+=("$set4")
      log "pipelined SET -c 4 per primary, one at a time:$shard; all primaries at once: $set4 req/s in total"
    fi
  done
  CONFIGS+=("$label")
  RATE_MEDIAN[$label]=$(median "${rates[@]}")
  RATE_RANGE[$label]=$(range "${rates[@]}")
  MS_MEDIAN[$label]=$(median "${times[@]}")
  PASS_PRICES[$label]=$processed
  SPREAD[$label]=$(IFS=,; printf '%s' "${spread[*]}")
  PER_WORKER[$label]=$(for worker in "${!per_worker[@]}"; do printf '%s:%s\n' "$worker" "${per_worker[$worker]}"; done | sort | paste -sd' ' -)
  CMDS_PER_PRICE[$label]=$(awk -v c="$commands" -v p="$prices" 'BEGIN { printf "%.1f", (p > 0) ? 1000 * c / p : 0 }')
  CPU_PER_PRICE[$label]=$(awk -v c="$cpu" -v p="$prices" 'BEGIN { printf "%.1f", (p > 0) ? 1000 * c / p : 0 }')
  if [[ $target == cluster ]]; then
    for port in "${PRIMARIES[@]}"; do
      PRIMARY_CMDS[$label,$port]=$(percent "${served[$port]}" "$commands")
      PRIMARY_CPU[$label,$port]=$(percent "${burnt[$port]}" "$cpu")
    done
  fi
}

# Runs every worker count of WORKER_COUNTS on one data set (imported with the first), restarting
# the stack between them. $1 target, $2 label prefix, $3 partitions.
worker_counts() {
  local target=$1 name=$2 partitions=$3 workers first=1
  for workers in $WORKER_COUNTS; do
    log "$name, $(plural "$workers" worker): starting the stack (prefix $PREFIX, PRICING_PARTITIONS=$partitions, 1 listener)"
    start_on "$target" PRICING_CATALOG_DEMO_SIZE=0 PRICING_PARTITIONS="$partitions" LISTENERS=1 WORKERS="$workers"
    if ((first)); then import_catalog; first=0; fi
    measure "$target" "$name, $(plural "$workers" worker)"
    stop_stack
    check_logs "$name, $(plural "$workers" worker)"
  done
}

# --- the cluster -----------------------------------------------------------------------------

# Forms a cluster of CLUSTER_PRIMARIES primaries, each with a replica, on CLUSTER_PORT and up.
start_cluster() {
  local i port nodes=() first last known ok
  for i in $(seq 0 $((2 * CLUSTER_PRIMARIES - 1))); do
    port=$((CLUSTER_PORT + i))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || (exec 3<>"/dev/tcp/127.0.0.1/$((port + 10000))") 2>/dev/null; then
      echo "bench: port $port or $((port + 10000)) is in use; choose another CLUSTER_PORT" >&2
      exit 1
    fi
    nodes+=("$port")
  done
  CLUSTER_DIR=$(mktemp -d)
  for port in "${nodes[@]}"; do
    mkdir -p "$CLUSTER_DIR/$port"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --cluster-enabled yes \
      --cluster-config-file nodes.conf --cluster-node-timeout 5000 --dir "$CLUSTER_DIR/$port" \
      >"$CLUSTER_DIR/$port.log" 2>&1 &
    CLUSTER_PIDS+=($!)
  done
  for port in "${nodes[@]}"; do
    for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$port" ping >/dev/null 2>&1 || { cat "$CLUSTER_DIR/$port.log" >&2; echo "bench: redis-server on $port did not answer" >&2; exit 1; }
  done
  for port in "${nodes[@]:1}"; do redis-cli -p "$port" cluster meet 127.0.0.1 "$CLUSTER_PORT" >/dev/null; done
  for i in $(seq 0 $((CLUSTER_PRIMARIES - 1))); do
    first=$((i * 16384 / CLUSTER_PRIMARIES))
    last=$(((i + 1) * 16384 / CLUSTER_PRIMARIES - 1))
    # shellcheck disable=SC2046 # one argument a slot
    [[ $(redis-cli -p "${nodes[$i]}" cluster addslots $(seq "$first" "$last")) == OK ]] ||
      { echo "bench: CLUSTER ADDSLOTS failed on ${nodes[$i]}" >&2; exit 1; }
  done
  for _ in $(seq 1 200); do # a replica can follow its primary once it knows it
    known=1
    for port in "${nodes[@]}"; do
      [[ $(redis-cli -p "$port" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p') == "${#nodes[@]}" ]] || known=0
    done
    ((known)) && break
    sleep 0.1
  done
  for i in $(seq 0 $((CLUSTER_PRIMARIES - 1))); do
    [[ $(redis-cli -p "${nodes[$((CLUSTER_PRIMARIES + i))]}" cluster replicate "$(redis-cli -p "${nodes[$i]}" cluster myid)") == OK ]] ||
      { echo "bench: CLUSTER REPLICATE failed" >&2; exit 1; }
  done
  for _ in $(seq 1 300); do
    ok=1
    for port in "${nodes[@]}"; do
      redis-cli -p "$port" cluster info | grep -q '^cluster_state:ok' || ok=0
    done
    for port in "${nodes[@]:$CLUSTER_PRIMARIES}"; do
      redis-cli -p "$port" info replication | grep -q '^master_link_status:up' || ok=0
    done
    ((ok)) && break
    sleep 0.1
  done
  ((ok)) || { echo "bench: the cluster did not reach cluster_state:ok; logs in $CLUSTER_DIR" >&2; exit 1; }
  CLUSTER_NODES=$(printf '127.0.0.1:%s\n' "${nodes[@]}" | paste -sd, -)
}

# "<port> <slot ranges>" of each primary, from CLUSTER NODES.
cluster_primaries() {
  redis-cli -p "$CLUSTER_PORT" cluster nodes | tr -d '\r' | awk '$3 ~ /master/ {
    split($2, address, "[:@]"); ranges = ""
    for (i = 9; i <= NF; i++) ranges = ranges (ranges == "" ? "" : ",") $i
    print address[2], ranges }' | sort -n
}
# The primary's port owning the slot of key $1.
owner_of() {
  local slot
  slot=$(redis-cli -p "$CLUSTER_PORT" cluster keyslot "$1")
  awk -v slot="$slot" '{ n = split($2, ranges, ","); for (i = 1; i <= n; i++) {
    split(ranges[i], bounds, "-"); if (bounds[2] == "") bounds[2] = bounds[1]
    if (slot >= bounds[1] && slot <= bounds[2]) { print $1; exit } } }' <<<"$PRIMARY_TABLE"
}

# --- run -------------------------------------------------------------------------------------

CORES=$(nproc)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
log "nproc $CORES, load average $LOAD; sections: $SECTIONS; $PRODUCTS products, $PARTITIONS partitions, workers: $WORKER_COUNTS"

if want standalone; then
  log "(1) standalone Redis on 127.0.0.1:$REDIS_PORT"
  PREFIX=$BASE_PREFIX
  log "baseline: starting the stack (prefix $PREFIX, PRICING_PARTITIONS=1, 1 listener, 1 worker)"
  start_on standalone PRICING_CATALOG_DEMO_SIZE=0 PRICING_PARTITIONS=1 LISTENERS=1 WORKERS=1
  import_catalog
  BASELINE="standalone, 1 partition, 1 worker (baseline)"
  measure standalone "$BASELINE"
  stop_stack
  check_logs "$BASELINE"
  log "deleting the baseline data set"
  drop_prefix "$BASE_PREFIX"
  PREFIX=$PART_PREFIX
  worker_counts standalone "standalone, $PARTITIONS partitions" "$PARTITIONS"
  drop_prefix "$PART_PREFIX"
  drop_prefix "$SET_PREFIX"
fi

declare -A SET_TAG PARTITION_TAGS
tags_of() { local tags=${PARTITION_TAGS[$1]:-none}; printf '%s' "${tags% }"; }
PRIMARIES=()
if want cluster; then
  log "(2) a local Redis Cluster: $CLUSTER_PRIMARIES primaries and $CLUSTER_PRIMARIES replicas on ports $CLUSTER_PORT-$((CLUSTER_PORT + 2 * CLUSTER_PRIMARIES - 1))"
  start_cluster
  PRIMARY_TABLE=$(cluster_primaries)
  read -r -a PRIMARIES <<<"$(cut -d' ' -f1 <<<"$PRIMARY_TABLE" | paste -sd' ' -)"
  # a hash tag each primary owns, for its ceiling
  for i in $(seq 0 999); do
    port=$(owner_of "{s$i}")
    [[ -n ${SET_TAG[$port]:-} ]] || SET_TAG[$port]="s$i"
    ((${#SET_TAG[@]} == ${#PRIMARIES[@]})) && break
  done
  for i in $(seq 0 $((PARTITIONS - 1))); do
    port=$(owner_of "{p$i}")
    PARTITION_TAGS[$port]+="{p$i} "
  done
  port=$(owner_of "{intake}")
  PARTITION_TAGS[$port]+="{intake} "
  while read -r port ranges; do
    log "primary 127.0.0.1:$port: slots $ranges; hash tags $(tags_of "$port"); ceiling keys under {${SET_TAG[$port]}}"
  done <<<"$PRIMARY_TABLE"
  PREFIX=$CLUSTER_PREFIX # the keys go with the cluster
  worker_counts cluster "cluster, $PARTITIONS partitions" "$PARTITIONS"
  [[ $(cluster_primaries) == "$PRIMARY_TABLE" ]] ||
    log "WARNING: the cluster's primaries changed during the run (a failover?): $(cluster_primaries | paste -sd';' -)"
  stop_cluster
fi

# --- report ----------------------------------------------------------------------------------

echo "NOTE nproc $CORES, load average at the start $LOAD: the API, the listener, every worker, Redis (in the cluster section all $((2 * CLUSTER_PRIMARIES)) redis-servers) and the job poller share these cores (workers at nice ${WORKER_NICE:-10}); redis-benchmark ran between passes while the stack idled, so the ceilings did not compete with it (anything else on the machine, see the load, competed with both); pass times are to the first ${POLL_MS} ms poll that saw SUCCEEDED"
for label in "${CONFIGS[@]}"; do
  echo "SUMMARY $label: median ${RATE_MEDIAN[$label]} prices/s (range ${RATE_RANGE[$label]}; $RUNS passes of ${PASS_PRICES[$label]} prices, 202 to SUCCEEDED median ${MS_MEDIAN[$label]} ms); distinct workers per pass ${SPREAD[$label]}; tasks per worker ${PER_WORKER[$label]}; per 1000 prices Redis ran ${CMDS_PER_PRICE[$label]} commands in ${CPU_PER_PRICE[$label]} ms of CPU"
done
if want standalone; then
  set4=$(median "${STANDALONE_SET4[@]}")
  set1=$(median "${STANDALONE_SET1[@]}")
  two="standalone, $PARTITIONS partitions, 2 workers"
  one="standalone, $PARTITIONS partitions, 1 worker"
  echo "SUMMARY standalone redis-benchmark pipelined SET (-P 64 -c 4): median $set4 req/s (range $(range "${STANDALONE_SET4[@]}"))"
  echo "SUMMARY standalone redis-benchmark pipelined SET, one connection (-P 64 -c 1): median $set1 req/s (range $(range "${STANDALONE_SET1[@]}"))"
  echo "NOTE standalone Redis commands and CPU count everything 127.0.0.1:$REDIS_PORT served during the measured passes: the job polls, and anyone else using that Redis"
  for label in "${CONFIGS[@]}"; do
    [[ $label == standalone* && $label != "$two" ]] || continue # two: below, with its target
    echo "RATIO $label / pipelined SET -c 4: $(ratio "${RATE_MEDIAN[$label]}" "$set4"); / -c 1: $(ratio "${RATE_MEDIAN[$label]}" "$set1")"
  done
  [[ -n ${RATE_MEDIAN[$two]:-} ]] && echo "RATIO $two / pipelined SET -c 4: $(ratio "${RATE_MEDIAN[$two]}" "$set4") (target >= 0.55); / -c 1: $(ratio "${RATE_MEDIAN[$two]}" "$set1")"
  [[ -n ${RATE_MEDIAN[$one]:-} ]] && echo "RATIO $one / 1-partition baseline: $(ratio "${RATE_MEDIAN[$one]}" "${RATE_MEDIAN[$BASELINE]}") (target >= 1.00)"
  for workers in $WORKER_COUNTS; do
    label="standalone, $PARTITIONS partitions, $(plural "$workers" worker)"
    ((workers == 1)) || [[ -z ${RATE_MEDIAN[$one]:-} ]] ||
      echo "RATIO $label / 1 worker on the same data set: $(ratio "${RATE_MEDIAN[$label]}" "${RATE_MEDIAN[$one]}")"
  done
fi
if want cluster; then
  all=$(median "${CLUSTER_ALL_SET[@]}")
  for port in "${PRIMARIES[@]}"; do
    read -r -a results <<<"${SHARD_SET[$port]}"
    shares=""
    for label in "${CONFIGS[@]}"; do
      [[ $label == cluster* ]] &&
        shares+=" ${label#cluster, "$PARTITIONS" partitions, }: ${PRIMARY_CMDS[$label,$port]} of the commands, ${PRIMARY_CPU[$label,$port]} of the CPU;"
    done
    echo "SUMMARY cluster primary 127.0.0.1:$port (slots $(awk -v p="$port" '$1 == p { print $2 }' <<<"$PRIMARY_TABLE"); hash tags $(tags_of "$port")): pipelined SET alone (-P 64 -c 4, keys under {${SET_TAG[$port]}}) median $(median "${results[@]}") req/s (range $(range "${results[@]}")); its share of what the primaries served in the measured passes:${shares%;}"
  done
  echo "SUMMARY cluster redis-benchmark pipelined SET on all ${#PRIMARIES[@]} primaries at once (-P 64 -c 4 each): median $all req/s in total (range $(range "${CLUSTER_ALL_SET[@]}"))"
  for label in "${CONFIGS[@]}"; do
    [[ $label == cluster* ]] || continue
    echo "RATIO $label / pipelined SET on all primaries at once: $(ratio "${RATE_MEDIAN[$label]}" "$all")"
    standalone="standalone${label#cluster}"
    [[ -n ${RATE_MEDIAN[$standalone]:-} ]] &&
      echo "RATIO $label / $standalone: $(ratio "${RATE_MEDIAN[$label]}" "${RATE_MEDIAN[$standalone]}")"
  done
fi
for note in "${LOG_NOTES[@]}"; do echo "NOTE ERROR lines in the service logs of $note"; done
if [[ $PUBLISH_LATENCY == 1 ]]; then
  log "(3) publish latency with and without WAIT: bench/replicated-publish.sh"
  bash "$ROOT/bench/replicated-publish.sh"
else
  echo "NOTE publish latency with and without WAIT (PRICING_EVENTS_MIN_REPLICAS 0 and 1): run bench/replicated-publish.sh (or PUBLISH_LATENCY=1 here)"
fi
