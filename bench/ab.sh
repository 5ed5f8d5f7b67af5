#!/usr/bin/env bash
# Alternating cold runs of two sides, and their medians: the way every change in bench/README.md
# was measured, since this machine's speed drifts more within an hour than most changes gain.
#
#   bench/ab.sh 6 W2 durable-pg 5c6860c                     # a revision (A) against this working tree (B)
#   bench/ab.sh 6 W2 durable-pg -- "" "-XX:+AlwaysPreTouch"  # this build, two sets of JVM options
#
# Each pair runs both sides once, in turn (A first in odd pairs, B first in even ones), with the
# machine's pgbench baseline off. Prints one line per run, then the medians, B/A and how many pairs
# B won. The figure is runs_per_s (W2), e2e_per_s (W1) or the lateness p99 in ms (W3, lower is
# better). NVENT_BENCH_SKIP_BUILD=1 skips building this working tree; a revision is always built,
# in a temporary git worktree that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: bench/ab.sh PAIRS W1|W2|W3 PROFILE (REVISION | -- 'OPTIONS A' 'OPTIONS B')"
pairs="${1:?$usage}"
workload="${2:?$usage}"
profile="${3:?$usage}"
side_a="${4:?$usage}"
here=$(pwd)
dir_a="$here"
dir_b="$here"
opts_a=""
opts_b=""
worktree=""
if [ "$side_a" = "--" ]; then
  opts_a="${5?$usage}"
  opts_b="${6?$usage}"
else
  worktree=$(mktemp -d /tmp/nvent-ab.XXXXXX)
  trap 'git -C "$here" worktree remove --force "$worktree" >/dev/null 2>&1 || true' EXIT
  git worktree add --detach --force "$worktree" "$side_a" >/dev/null
  echo "building $side_a in $worktree" >&2
  (cd "$worktree" && mvn -B -q -ntp package -DskipTests -pl bench -am >&2)
  dir_a="$worktree"
fi
if [ "${NVENT_BENCH_SKIP_BUILD:-}" != "1" ]; then
  mvn -B -q -ntp install -DskipTests -pl bench -am >&2
fi

# One cold run of a side: prints its figure, or "failed".
run_side() {
  local dir=$1 opts=$2 line
  line=$(cd "$dir" && NVENT_BENCH_SKIP_BUILD=1 \
      NVENT_BENCH_JAVA_OPTS="-Dnvent.bench.baseline=false $opts ${NVENT_BENCH_JAVA_OPTS:-}" \
      bench/run.sh "$workload" "$profile" 2>/dev/null | tail -n 1) || true
  python3 -c 'import json, sys
try:
    d = json.loads(sys.argv[1])
except ValueError:
    print("failed"); sys.exit()
print(d.get("runs_per_s") or d.get("e2e_per_s") or d["lateness_ms"]["p99"])' "$line"
}

results=$(mktemp)
for i in $(seq 1 "$pairs"); do
  if [ $((i % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
  for side in $order; do
    if [ "$side" = A ]; then figure=$(run_side "$dir_a" "$opts_a"); else figure=$(run_side "$dir_b" "$opts_b"); fi
    echo "pair $i $side $figure"
    echo "$i $side $figure" >> "$results"
  done
done
python3 - "$results" "$workload" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    pair, side, figure = line.split()
    if figure != "failed":
        runs.setdefault(int(pair), {})[side] = float(figure)
lower_is_better = sys.argv[2] == "W3"
both = [r for r in runs.values() if "A" in r and "B" in r]
if not both:
    sys.exit("no pair finished on both sides")
a = statistics.median(r["A"] for r in both)
b = statistics.median(r["B"] for r in both)
won = sum(1 for r in both if (r["B"] < r["A"]) == lower_is_better and r["B"] != r["A"])
print(f"medians over {len(both)} pairs: A {a:,.1f}  B {b:,.1f}  B/A x{b / a:.2f}  B better in {won} of {len(both)}"
      + ("  (lateness: lower is better)" if lower_is_better else ""))
EOF
rm -f "$results"
