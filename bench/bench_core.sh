#!/usr/bin/env bash
# Core benchmarks with their peers in the same run: Monte Carlo throughput against
# vectorised numpy (1 and 2 threads), exact evaluation of a 200-piece schedule,
# tuning all eight families. Targets (issue): MC ≥ 5× numpy; exact < 1 ms; tune < 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
REPEATS=${REPEATS:-9}
bin=$BUILD/bench/bench_core
[ -x "$bin" ] || { echo "bench_core.sh: $bin not built (make all)" >&2; exit 1; }
c2=$(OMP_NUM_THREADS=2 "$bin" "$REPEATS")
c1=$(OMP_NUM_THREADS=1 "$bin" "$REPEATS" | head -1)
np=$("$PYTHON" bench/mc_numpy.py "$REPEATS")
echo "$c2"
echo "$c1"
echo "$np"
"$PYTHON" - "$c2" "$c1" "$np" <<'PY'
import json, sys
c2 = [json.loads(l) for l in sys.argv[1].splitlines()]
c1 = json.loads(sys.argv[2]); np_ = json.loads(sys.argv[3])
mc2 = [d for d in c2 if d["bench"] == "mc"][0]
print(json.dumps({"bench": "mc_ratio_vs_numpy",
                  "c_2threads_over_numpy": round(mc2["path_steps_per_s"] / np_["path_steps_per_s"], 2),
                  "c_1thread_over_numpy": round(c1["path_steps_per_s"] / np_["path_steps_per_s"], 2),
                  "target": 5}))
PY
