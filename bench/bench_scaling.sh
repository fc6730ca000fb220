#!/usr/bin/env bash
# Verification-grid benchmark of the scaling module: C (OpenMP; also one thread)
# against numpy, same grid, same machine, same run. Reports median wall times
# over REPEATS runs, the speed ratios, and checks that both found the same minima.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
REPEATS=${REPEATS:-7}
bin=$BUILD/bench/bench_scaling
[ -x "$bin" ] || { echo "bench_scaling.sh: $bin not built (make all)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
c_all=$("$bin" "$REPEATS" --dump "$tmp/c.txt")
c_one=$(OMP_NUM_THREADS=1 "$bin" "$REPEATS")
np=$("$PYTHON" bench/scaling_numpy.py "$REPEATS" --dump "$tmp/np.txt")
echo "$c_all"
echo "$c_one"
echo "$np"
"$PYTHON" - "$tmp/c.txt" "$tmp/np.txt" "$c_all" "$c_one" "$np" <<'PY'
import json, sys
import numpy as np
c, n = np.loadtxt(sys.argv[1]), np.loadtxt(sys.argv[2])
ca, c1, nj = (json.loads(s) for s in sys.argv[3:6])
# same minima: values within 1e-12 relative (logspace rounding differs by ulps)
rel = np.max(np.abs(c[:, 4] / n[:, 4] - 1))
same_arg = int(np.sum(np.all(np.abs(c[:, 1:4] / n[:, 1:4] - 1) < 1e-12, axis=1)))
print(json.dumps({"bench": "scaling_grid_ratio",
                  "numpy_over_c": round(nj["median_s"] / ca["median_s"], 2),
                  "threads": ca["threads"],
                  "numpy_over_c_1thread": round(nj["median_s"] / c1["median_s"], 2),
                  "max_rel_value_diff": float(rel), "same_argmin_budgets": same_arg,
                  "budgets": len(c)}))
sys.exit(0 if rel < 1e-12 else 1)
PY
