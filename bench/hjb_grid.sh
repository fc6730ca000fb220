#!/usr/bin/env bash
# Reference runs of the grid HJB solver (docs/HJB_GRID.md): convergence tables for
# K = 1 and K = 2 at C_max = 4 and 20 (T = 10, the canonical model otherwise), each
# with the Monte Carlo loss of the grid's policy, against the open-loop references
# (tuned constant, best tuned family, open-loop solver). A few minutes on 2 cores.
# Usage: bench/hjb_grid.sh [quick]   (quick: the two coarsest grids only)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
O=$BUILD/optsched
[ -x "$O" ] || { echo "build $O first (make all)"; exit 1; }
quick=${1:-}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { # tag K C n_a n_r n_t n_u paths
  "$O" hjb-grid --modes "$2" --budget "$3" --grid-a "$4" --grid-r "$5" --grid-t "$6" --grid-u "$7" \
    --paths "$8" --seed 7 --json >"$out/$1.json" || { echo "FAILED: $*"; exit 1; }
}
refs() { # K C
  "$O" compare --modes "$1" --budget "$2" --paths 20 --json >"$out/cmp_$1_$2.json"
}

for KC in "1 4" "1 20" "2 4" "2 20"; do
  set -- $KC
  K=$1 C=$2
  refs "$K" "$C"
  if [ "$K" = 1 ]; then
    grids=("41 25 11 24" "81 50 21 32" "161 100 41 48" "321 200 81 64")
    paths=4000
  else
    grids=("31 25 21 16" "41 50 41 24" "61 100 81 32")
    paths=2000
  fi
  [ "$quick" = quick ] && grids=("${grids[@]:0:2}")
  i=0
  for gr in "${grids[@]}"; do
    run "k${K}_c${C}_$i" "$K" "$C" $gr "$paths"
    i=$((i + 1))
  done
done

"$PY" - "$out" <<'PYEOF'
import glob, json, math, os, sys
d = sys.argv[1]
def load(p): return json.load(open(p))
for K, C in ((1, 4), (1, 20), (2, 4), (2, 20)):
    cmp = load(os.path.join(d, "cmp_%d_%d.json" % (K, C)))
    fam = {r["family"]: r["expected_loss"] for r in cmp["results"]}
    const = fam.get("constant")
    best_name = min((f for f in fam if f != "openloop"), key=lambda f: fam[f])
    ol = fam.get("openloop", float("nan"))
    ref = min(fam[best_name], ol)
    print("\nK=%d C_max=%g T=10: tuned constant %.6g, best tuned family %s %.6g, open-loop solver %.6g"
          % (K, C, const, best_name, fam[best_name], ol))
    print("  %-22s %-12s %-10s %-8s %-22s %-9s %-9s %s" % ("grid (n_a,n_r,n_t,n_u)", "V(a0,C,0)", "diff", "order",
          "policy MC +- SE", "V/ref", "MC/ref", "solve s"))
    rows = sorted(glob.glob(os.path.join(d, "k%d_c%d_*.json" % (K, C))))
    prev = prevdiff = None
    for p in rows:
        j = load(p)
        g, v, mc = j["grid"], j["value"], j["mc"]
        diff = v - prev if prev is not None else None
        order = math.log2(abs(prevdiff / diff)) if prevdiff and diff else None
        print("  %-22s %-12.6g %-10s %-8s %-22s %-9.3g %-9.3g %.1f" % (
            "(%d,%d,%d,%d)" % (g["n_a"], g["n_r"], g["n_t"], g["n_controls"]), v,
            "%.3g" % diff if diff is not None else "", "%.2f" % order if order else "",
            "%.6g +- %.2g" % (mc["mean"], mc["stderr"]), v / ref, mc["mean"] / ref,
            j["runtime"]["solve_seconds"]))
        prev, prevdiff = v, diff
    print("  (ref = min(best tuned family, open-loop solver) = %.6g; shape of the last grid: convex %.3f, "
          "dV/dr<=0 %.3f, dV/dt>=0 %.3f; box exits %.2g)" % (ref, j["shape"]["convex_fraction"],
          j["shape"]["monotone_r_fraction"], j["shape"]["monotone_t_fraction"], j["box_exit_fraction"]))
PYEOF
