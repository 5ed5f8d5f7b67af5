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
exec java -Xms1g -Xmx2g -XX:+UseParallelGC -XX:MetaspaceSize=256m ${NVENT_BENCH_JAVA_OPTS:-} \
  -cp "bench/target/nvent-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  io.nvent.bench.Bench "$workload" "$profile"
