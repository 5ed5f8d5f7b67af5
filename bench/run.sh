#!/usr/bin/env bash
# Runs one benchmark workload: bench/run.sh W1|W2|W3 memory|durable|durable-pg
# Builds what it needs, runs the workload once and prints one JSON line as the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
workload="${1:?usage: bench/run.sh W1|W2|W3 memory|durable|durable-pg}"
profile="${2:-memory}"
if [ "${NVENT_BENCH_SKIP_BUILD:-}" != "1" ]; then
  mvn -B -q -ntp install -DskipTests -pl bench -am >&2
fi
# C1 only: on this 2-core machine the C2 compiler threads took ~40 % of a core during a run of a few
# seconds, CPU the workload needed (W2 durable-pg x1.7, W1 durable-pg x1.25 in the same session).
# A long-running server reaches C2 code and then needs no such flag; NVENT_BENCH_JIT= (empty) runs
# the JVM's default tiered compilation.
jit="${NVENT_BENCH_JIT--XX:TieredStopAtLevel=1}"
exec java -Xms1g -Xmx2g -XX:+UseParallelGC -XX:MetaspaceSize=256m $jit ${NVENT_BENCH_JAVA_OPTS:-} \
  -cp "bench/target/nvent-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  io.nvent.bench.Bench "$workload" "$profile"
