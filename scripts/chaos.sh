#!/usr/bin/env bash
# The chaos suite at length: the whole stack as real processes (two API replicas) on a Redis of its
# own (AOF), a steady stream of market events and reads, and CHAOS_ROUNDS rounds of faults (default
# 5; CI runs 1, on one Redis, as part of ./mvnw verify) in an order drawn from CHAOS_SEED (default: a fresh one,
# printed): SIGKILL the worker holding the lock mid-pass, a listener, every listener holding
# events; SIGSTOP the lock holder past its lease; SIGKILL and restart Redis; a 30% transient
# failure rate; a catalog import during a full recalculation. It checks the outcome against its
# own history, fails if any promise broke and prints the report, also written to
# system-tests/target/chaos-report.md (the history: system-tests/target/chaos-history.txt; on the
# cluster chaos-cluster-report.md and chaos-cluster-history.txt).
# CHAOS_REDIS picks the suite's Redis: standalone (one redis-server), cluster (a Redis Cluster of
# three primaries; not run by CI), sentinel (one primary found through three Redis Sentinels; not
# run by CI), both (standalone and cluster: the default) or all three; the network partitions run
# on standalone only.
# CHAOS_SEED=<seed from a report> replays that run's schedule.
# Needs only a JDK 17+ (and a redis-server on the PATH, or the one the build fetches).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${CHAOS_ROUNDS:-5}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "CHAOS_ROUNDS must be a positive number" >&2; exit 2; }
seed=${CHAOS_SEED:-}
[[ -z $seed || $seed =~ ^-?[0-9]+$ ]] || { echo "CHAOS_SEED must be a whole number" >&2; exit 2; }
cluster=false
sentinel=false
case ${CHAOS_REDIS:-both} in
  standalone) tests='ChaosIntegrationTests#keepsEveryPromiseUnderARandomScheduleOfFaults' ;;
  cluster) tests='ChaosIntegrationTests#keepsEveryPromiseOnARedisClusterUnderARandomScheduleOfFaults' cluster=true ;;
  sentinel) tests='ChaosIntegrationTests#keepsEveryPromiseOnSentinelUnderARandomScheduleOfFaults' sentinel=true ;;
  both) tests=ChaosIntegrationTests cluster=true ;;
  all) tests=ChaosIntegrationTests cluster=true sentinel=true ;;
  *) echo "CHAOS_REDIS must be standalone, cluster, sentinel, both or all" >&2; exit 2 ;;
esac
./mvnw -B -q install -DskipTests
./mvnw -B verify -pl system-tests "-Dtest=$tests" "-Dchaos.cluster=$cluster" "-Dchaos.sentinel=$sentinel" "-Dchaos.rounds=$rounds" ${seed:+"-Dchaos.seed=$seed"}
