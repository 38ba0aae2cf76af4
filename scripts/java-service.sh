#!/usr/bin/env bash
# Starts the JVM of a service: scripts/run-local.sh launches every service with it and the
# container image runs it as its entry point, so both get the same command line.
#
#   java-service.sh AGENT_JAR JVM_OPTIONS [JAVA_ARGUMENT...]
#
# AGENT_JAR    the OpenTelemetry Java agent, attached with -javaagent (empty: none), with
#              pricing-tracing-extension.jar from its directory (see below). On the
#              command line, not in JAVA_TOOL_OPTIONS: a user's JAVA_TOOL_OPTIONS adds to it
#              instead of replacing it. OTEL_JAVAAGENT_ENABLED=false still turns it off (the
#              agent reads it).
# JVM_OPTIONS  the service's defaults, <module>/jvm.options: one option a line; blank lines
#              and lines starting with # are skipped.
# Then JAVA_OPTS, split on whitespace, then the JAVA_ARGUMENTs (-jar app.jar). Of two settings
# of one option the later wins, so JAVA_OPTS overrides a default (-Xmx512m), except the
# collector: the JVM refuses to start with two ("Multiple garbage collectors selected"). So a
# collector selected in JAVA_OPTS, JDK_JAVA_OPTIONS or JAVA_TOOL_OPTIONS (-XX:+UseParallelGC)
# replaces the default one instead.
#
# The JVM replaces this script (exec): it keeps the pid the caller started (run-local.sh
# records it) and gets the signals sent to it (docker stop's SIGTERM: a graceful shutdown).
set -euo pipefail

if (($# < 2)); then
  printf 'usage: %s AGENT_JAR JVM_OPTIONS [JAVA_ARGUMENT...]\n' "${0##*/}" >&2
  exit 64
fi
agent=$1
defaults_file=$2
shift 2

# Our extension of the agent, built beside it: the "pricing" sampler otel-agent.properties names
# (every event's trace, a share of reads), loaded before any extension OTEL_JAVAAGENT_EXTENSIONS
# names (one named with -Dotel.javaagent.extensions replaces it: name it there too). Without it
# (an agent from elsewhere, a build from before it) every trace is kept instead of none.
if [[ -n $agent ]]; then
  # its directory without $(dirname): a subshell would be a second process with this command line
  agent_directory=.
  [[ $agent != */* ]] || agent_directory=${agent%/*}
  extension=$agent_directory/pricing-tracing-extension.jar
  if [[ -f $extension ]]; then
    export OTEL_JAVAAGENT_EXTENSIONS="$extension${OTEL_JAVAAGENT_EXTENSIONS:+,$OTEL_JAVAAGENT_EXTENSIONS}"
  else
    printf '%s: no %s beside the agent: tracing every request\n' "${0##*/}" "$extension" >&2
    export OTEL_TRACES_SAMPLER=${OTEL_TRACES_SAMPLER:-parentbased_always_on}
  fi
fi

# -XX:+Use<Name>GC for each collector of the JDK (UseGCOverheadLimit and the like select none)
collector='^-XX:\+Use(Serial|Parallel|G1|Z|Shenandoah|Epsilon)GC$'

# split as an unquoted $JAVA_OPTS would be, without expanding * or ? in an option
# (every line of it: a YAML block can hold several)
read -r -d '' -a java_opts <<<"${JAVA_OPTS:-}" || true
read -r -d '' -a other_user_options <<<"${JDK_JAVA_OPTIONS:-} ${JAVA_TOOL_OPTIONS:-}" || true
user_collector=false
for option in ${java_opts[@]+"${java_opts[@]}"} ${other_user_options[@]+"${other_user_options[@]}"}; do
  if [[ $option =~ $collector ]]; then
    user_collector=true
  fi
done

defaults=()
while IFS= read -r line || [[ -n $line ]]; do
  # without surrounding whitespace (and the CR of a file checked out with CRLF line endings)
  line=${line#"${line%%[![:space:]]*}"}
  line=${line%"${line##*[![:space:]]}"}
  if [[ -z $line || $line == \#* ]] || { $user_collector && [[ $line =~ $collector ]]; }; then
    continue
  fi
  defaults+=("$line")
done <"$defaults_file"

exec java ${agent:+"-javaagent:$agent"} ${defaults[@]+"${defaults[@]}"} ${java_opts[@]+"${java_opts[@]}"} "$@"
