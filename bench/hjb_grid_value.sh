#!/usr/bin/env bash
# The closed-loop value of the Deep Galerkin solver against the grid HJB solver, at states away
# from a = 0 (where the optimum's value has its kink). Trains a network (or takes
# WEIGHTS="W1 W2 ..."), solves the grid, and prints V from both at every state with the
# relative difference, then the largest and the median difference and how many states are
# within 2%. Also the DGM policy's Monte Carlo loss and V(a0) against the grid's.
#   MODES=1 (default): C_max = BUDGET (4), a in {0.25, 0.5, 1} times a0 and (r, t) on the
#     reachable set r <= C_max - B_min t (24 states). The reference is the grid 1281 x 800 x 321
#     with 128 controls (about 2 minutes); the grid half as fine (641 x 400 x 161, 64 controls)
#     is solved too, and its difference ("grid change", the reference's own error is about
#     half of it or less: the scheme converges with order 1.2-2 here, docs/HJB_GRID.md) is
#     printed per state. The 321 x 200 x 81 grid used before sits up to 1.1% above the
#     converged value at the states with the smallest values.
#   MODES=2: C_max = BUDGET (20), ten states along where runs from a0 go (a1/a2/r/t below);
#     grid 101^2 x 200 x 161 (about 2 GB, 1.5 min; it is 3-5% above its 61^2 x 100 x 81 values,
#     so still a few percent above the converged value).
# With several networks the mean of their values is scored as well, with the scatter between them.
# A name in WEIGHTS may be an ensemble trained with `--members` (scored as one network, the
# mean of its members'); or train one here by passing `--members 4 --jobs 2` among the flags.
# POLICY=1 adds, per state, the Monte Carlo loss of the network's own policy started there
# (4,000 paths, seed 11): a value below both that loss and the grid's optimum is an
# evaluation error, not a better policy.
# Usage: bench/hjb_grid_value.sh [extra training flags]
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
O=$BUILD/optsched
[ -x "$O" ] || { echo "build $O first (make all)"; exit 1; }
K=${MODES:-1}
case $K in
  1) C=${BUDGET:-4} ;;
  2) C=${BUDGET:-20} ;;
  *) echo "hjb_grid_value.sh: MODES must be 1 or 2" >&2; exit 2 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
WS=${WEIGHTS:-}
if [ -z "$WS" ]; then
  WS=$tmp/k1.w
  s=$(date +%s)
  "$O" hjb train --weights "$WS" --modes "$K" --budget "$C" "$@" >"$tmp/train.txt" || { echo "FAILED: train"; exit 1; }
  echo "trained in $(( $(date +%s) - s )) s: $O hjb train --weights W --modes $K --budget $C $*"
fi
states=""
coarse=""
if [ "$K" = 2 ]; then
  states="1/1/$C/0,0.5/0.5/$C/0,0.5/0.5/$($PY -c "print($C/2)")/2,0.2/0.4/$($PY -c "print($C/2)")/4"
  states="$states,0.2/0.4/$($PY -c "print($C*0.8)")/2,0.1/0.2/$($PY -c "print($C*0.4)")/5,0.05/0.3/$($PY -c "print($C*0.4)")/5"
  states="$states,0.1/0.1/$($PY -c "print($C*0.2)")/7,0.3/0.05/$($PY -c "print($C*0.6)")/3,0.02/0.1/$($PY -c "print($C*0.75)")/2"
  gridflags="--grid-a 101 --grid-r 200 --grid-t 161"
else
for rt in "$C/0" "$($PY -c "print($C/2)")/0" "$($PY -c "print($C/4)")/0" \
          "$($PY -c "print($C*3/4)")/$($PY -c "print($C/4)")" "$($PY -c "print($C/2)")/$($PY -c "print($C/4)")" \
          "$($PY -c "print($C/4)")/$($PY -c "print($C/4)")" "$($PY -c "print($C/2)")/$($PY -c "print($C/2)")" \
          "$($PY -c "print($C/4)")/$($PY -c "print($C/2)")"; do
  for a in 0.25 0.5 1; do states="$states${states:+,}$a/$rt"; done
done
gridflags="--grid-a 1281 --grid-r 800 --grid-t 321 --grid-u 128"
coarse="--grid-a 641 --grid-r 400 --grid-t 161 --grid-u 64"
fi
s=$(date +%s)
"$O" hjb-grid --modes "$K" --budget "$C" $gridflags --paths 4000 \
  --seed 7 --at "$states" --json >"$tmp/grid.json" || { echo "FAILED: hjb-grid"; exit 1; }
echo "grid: $O hjb-grid --modes $K --budget $C $gridflags --paths 4000 --seed 7 --at STATES ($(( $(date +%s) - s )) s)"
if [ -n "$coarse" ]; then
  "$O" hjb-grid --modes "$K" --budget "$C" $coarse --paths 10 --seed 7 --at "$states" --json \
    >"$tmp/coarse.json" || { echo "FAILED: hjb-grid (coarse)"; exit 1; }
fi
IFS=, read -ra SS <<<"$states"
mcflags=""
[ "${POLICY:-0}" = 1 ] && mcflags="--paths 4000 --seed 11"
nw=0
for W in $WS; do
nw=$((nw + 1))
: >"$tmp/dgm.txt"
for st in "${SS[@]}"; do
  "$O" hjb eval --weights "$W" --state "$st" $mcflags --json \
    | "$PY" -c "import json,sys; d=json.load(sys.stdin); m=d.get('mc'); print(d['V'], m['mean'] if m else '', m['stderr'] if m else '')" \
    >>"$tmp/dgm.txt" || { echo "FAILED: eval $st"; exit 1; }
done
"$O" hjb diagnose --weights "$W" --paths 4000 --json >"$tmp/diag.json" || { echo "FAILED: diagnose"; exit 1; }
echo "== $W"
"$PY" - "$tmp/grid.json" "$tmp/dgm.txt" "$tmp/diag.json" "$tmp/coarse.json" <<'PY'
import json, sys, statistics
g = json.load(open(sys.argv[1]))
dgm = [l.split() for l in open(sys.argv[2])]
d = json.load(open(sys.argv[3]))
import os
c = json.load(open(sys.argv[4])) if os.path.exists(sys.argv[4]) else None  # no coarse grid at K = 2
K = len(g['at'][0]['state']) - 2
head = ' '.join(f"{'a' + str(k + 1) if K > 1 else 'a':>5}" for k in range(K))
pol = len(dgm[0]) > 1
print(f"{head} {'r':>5} {'t':>5} {'V grid':>11} {'grid change':>11} {'V DGM':>11} {'rel. diff':>9}"
      + (f" {'DGM policy from the state (MC +- SE)':>38}" if pol else ""))
errs = []
for e, ec, row in zip(g['at'], c['at'] if c else [None] * len(dgm), dgm):
    v = float(row[0])
    rel = v / e['V'] - 1
    errs.append(abs(rel))
    st = ' '.join(f"{x:5.2f}" for x in e['state'])
    change = f"{100 * (ec['V'] / e['V'] - 1):+10.2f}%" if ec else f"{'-':>11}"
    print(f"{st} {e['V']:11.6g} {change} {v:11.6g} {100 * rel:+8.2f}%"
          + (f" {float(row[1]):24.6g} +- {float(row[2]):.2g}" if pol else ""))
print(f"largest |rel. diff| {100 * max(errs):.2f}%, median {100 * statistics.median(errs):.2f}%, "
      f"within 2%: {sum(x <= 0.02 for x in errs)} of {len(errs)}")
mc = d['mc']
print(f"V(a0, C, 0): grid {g['value']:.6g}, DGM {d['diagnostics']['V0']:.6g}; policy Monte Carlo "
      f"(4000 paths): grid {g['mc']['mean']:.6g} ± {g['mc']['stderr']:.2g} (seed 7), "
      f"DGM {mc['mean']:.6g} ± {mc['stderr']:.2g}")
PY
cp "$tmp/dgm.txt" "$tmp/dgm_$nw.txt"
done
# Several networks: their mean V at each state (the seed-to-seed scatter is the error measured
# above; the mean shows what of it is common to the networks, a bias, and what averages out)
if [ "$nw" -gt 1 ]; then
echo "== mean of the $nw networks"
"$PY" - "$tmp/grid.json" "$tmp"/dgm_*.txt <<'PY'
import json, sys, statistics
g = json.load(open(sys.argv[1]))
runs = [[float(l.split()[0]) for l in open(f)] for f in sys.argv[2:]]
print(f"{'state':>17} {'V grid':>11} {'mean V':>11} {'rel. diff':>9} {'sd over networks':>17}")
errs = []
for i, e in enumerate(g['at']):
    vs = [r[i] for r in runs]
    m = statistics.mean(vs)
    rel = m / e['V'] - 1
    errs.append(abs(rel))
    st = ' '.join(f"{x:5.2f}" for x in e['state'])
    print(f"{st:>17} {e['V']:11.6g} {m:11.6g} {100 * rel:+8.2f}% {100 * statistics.stdev(vs) / e['V']:16.2f}%")
print(f"mean of {len(runs)}: largest |rel. diff| {100 * max(errs):.2f}%, median {100 * statistics.median(errs):.2f}%, "
      f"within 2%: {sum(x <= 0.02 for x in errs)} of {len(errs)}")
PY
fi
