#!/usr/bin/env bash
# The closed-loop value of the Deep Galerkin solver against the grid HJB solver (K = 1), at
# states away from a = 0 (where the optimum's value has its kink): a in {0.25, 0.5, 1} times a0,
# and (r, t) on the reachable set r <= C_max - B_min t. Trains a network (or takes WEIGHTS=...),
# solves the grid (finest K = 1 grid of bench/hjb_grid.sh, 321 x 200 x 81, 64 controls), and
# prints V from both at every state with the relative difference, then the largest and the
# median difference and how many states are within 2%. Also the DGM policy's Monte Carlo loss
# and V(a0) against the grid's.
# Usage: bench/hjb_grid_value.sh [extra training flags]     (BUDGET=4 by default)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
O=$BUILD/optsched
[ -x "$O" ] || { echo "build $O first (make all)"; exit 1; }
C=${BUDGET:-4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
W=${WEIGHTS:-}
if [ -z "$W" ]; then
  W=$tmp/k1.w
  s=$(date +%s)
  "$O" hjb train --weights "$W" --modes 1 --budget "$C" "$@" >"$tmp/train.txt" || { echo "FAILED: train"; exit 1; }
  echo "trained in $(( $(date +%s) - s )) s: $O hjb train --weights W --modes 1 --budget $C $*"
fi
states=""
for rt in "$C/0" "$($PY -c "print($C/2)")/0" "$($PY -c "print($C/4)")/0" \
          "$($PY -c "print($C*3/4)")/$($PY -c "print($C/4)")" "$($PY -c "print($C/2)")/$($PY -c "print($C/4)")" \
          "$($PY -c "print($C/4)")/$($PY -c "print($C/4)")" "$($PY -c "print($C/2)")/$($PY -c "print($C/2)")" \
          "$($PY -c "print($C/4)")/$($PY -c "print($C/2)")"; do
  for a in 0.25 0.5 1; do states="$states${states:+,}$a/$rt"; done
done
"$O" hjb-grid --modes 1 --budget "$C" --grid-a 321 --grid-r 200 --grid-t 81 --grid-u 64 --paths 4000 \
  --seed 7 --at "$states" --json >"$tmp/grid.json" || { echo "FAILED: hjb-grid"; exit 1; }
: >"$tmp/dgm.txt"
IFS=, read -ra SS <<<"$states"
for st in "${SS[@]}"; do
  "$O" hjb eval --weights "$W" --state "$st" --json | "$PY" -c "import json,sys; print(json.load(sys.stdin)['V'])" >>"$tmp/dgm.txt" \
    || { echo "FAILED: eval $st"; exit 1; }
done
"$O" hjb diagnose --weights "$W" --paths 4000 --json >"$tmp/diag.json" || { echo "FAILED: diagnose"; exit 1; }
"$PY" - "$tmp/grid.json" "$tmp/dgm.txt" "$tmp/diag.json" <<'PY'
import json, sys, statistics
g = json.load(open(sys.argv[1]))
dgm = [float(l) for l in open(sys.argv[2])]
d = json.load(open(sys.argv[3]))
print(f"{'a':>5} {'r':>5} {'t':>5} {'V grid':>11} {'V DGM':>11} {'rel. diff':>9}")
errs = []
for e, v in zip(g['at'], dgm):
    a, r, t = e['state']
    rel = v / e['V'] - 1
    errs.append(abs(rel))
    print(f"{a:5.2f} {r:5.2f} {t:5.2f} {e['V']:11.6g} {v:11.6g} {100 * rel:+8.2f}%")
print(f"largest |rel. diff| {100 * max(errs):.2f}%, median {100 * statistics.median(errs):.2f}%, "
      f"within 2%: {sum(x <= 0.02 for x in errs)} of {len(errs)}")
mc = d['mc']
print(f"V(a0, C, 0): grid {g['value']:.6g}, DGM {d['diagnostics']['V0']:.6g}; policy Monte Carlo "
      f"(4000 paths): grid {g['mc']['mean']:.6g} ± {g['mc']['stderr']:.2g} (seed 7), "
      f"DGM {mc['mean']:.6g} ± {mc['stderr']:.2g}")
PY
