#!/usr/bin/env bash
# Runs every workload of every profile N times (default 3) and prints the medians as a Markdown
# table; the raw JSON lines go to bench/results/<timestamp>.jsonl. Throughput on a durable profile is
# also shown scaled to the machine of the peers' figures: each run's figure x 17,600 / the pgbench
# insert rate measured just before it (bench/README.md, "The machine's baseline").
#   bench/medians.sh                      # W1 W2 W3 x memory durable durable-pg, 3 runs each
#   NVENT_BENCH_RUNS=5 bench/medians.sh W2 durable-pg
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${NVENT_BENCH_RUNS:-3}"
workloads="${1:-W1 W2 W3}"
profiles="${2:-memory durable durable-pg}"
mkdir -p bench/results
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ).jsonl"
if [ "${NVENT_BENCH_SKIP_BUILD:-}" != "1" ]; then
  mvn -B -q -ntp install -DskipTests -pl bench -am >&2
fi
for workload in $workloads; do
  for profile in $profiles; do
    for i in $(seq 1 "$runs"); do
      echo "== $workload $profile run $i/$runs (load $(cut -d' ' -f1 /proc/loadavg))" >&2
      if ! NVENT_BENCH_SKIP_BUILD=1 bench/run.sh "$workload" "$profile" 2>"$out.err" | tail -n 1 >> "$out"; then
        echo "   failed: $workload $profile run $i; its last lines:" >&2
        tail -n 5 "$out.err" | sed 's/^/   | /' >&2
      fi
    done
  done
done
rm -f "$out.err"
echo "raw results: $out" >&2
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
groups = {}
for r in rows:
    groups.setdefault((r["workload"], r["profile"]), []).append(r)
def med(rs, f):
    return statistics.median(f(r) for r in rs)
REFERENCE = 17_600  # pgbench single-row inserts/s, 16 clients, on the peers' machine (WORKLOADS.md)
def baseline(rs):
    values = [r["baseline_pg_inserts_per_s"] for r in rs if "baseline_pg_inserts_per_s" in r]
    return statistics.median(values) if values else None
def scaled(rs, f):
    # Each run against its own minute's machine, then the median: the machine moves within the hour.
    pairs = [(f(r), r["baseline_pg_inserts_per_s"]) for r in rs if "baseline_pg_inserts_per_s" in r]
    return statistics.median(v * REFERENCE / b for v, b in pairs) if pairs else None
print("| workload | profile | runs | median | other medians | machine: pgbench inserts/s | median on the peers' machine | load (1 min) |")
print("|---|---|---|---|---|---|---|---|")
# The throughput of each workload (key, format, unit); W3 reports lateness instead.
THROUGHPUT = {"W1": ("e2e_per_s", ",.0f", "jobs/s"), "W2": ("runs_per_s", ",.1f", "runs/s")}
for (w, p), rs in sorted(groups.items()):
    load = ", ".join(f'{r["loadavg_1m"]:.1f}' for r in rs)
    peers = None
    if w in THROUGHPUT:
        key, fmt, unit = THROUGHPUT[w]
        main = f'{med(rs, lambda r: r[key]):{fmt}} {unit}' + (' e2e' if w == "W1" else '')
        peers = scaled(rs, lambda r: r[key])
        peers = f'{peers:{fmt}} {unit}' if peers else None
    else:
        main = f'p99 {med(rs, lambda r: r["lateness_ms"]["p99"]):,.0f} ms'
    if w == "W1":
        other = (f'enqueue {med(rs, lambda r: r["enqueue_per_s"]):,.0f}/s, '
                 f'process {med(rs, lambda r: r["process_per_s"]):,.0f}/s')
    elif w == "W2":
        other = (f'handoff p50 {med(rs, lambda r: r["handoff_ms"]["p50"]):,.0f} ms, '
                 f'run p50 {med(rs, lambda r: r["run_ms"]["p50"]):,.0f} ms')
    else:
        other = (f'p50 {med(rs, lambda r: r["lateness_ms"]["p50"]):,.0f} ms, '
                 f'early {max(r["early_jobs"] for r in rs)}')
    machine = baseline(rs)
    machine = f'{machine:,.0f}' if machine else '—'
    print(f"| {w} | {p} | {len(rs)} | {main} | {other} | {machine} | {peers or '—'} | {load} |")
PY
