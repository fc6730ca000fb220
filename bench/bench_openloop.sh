#!/usr/bin/env bash
# Open-loop optimum at N = 200: optsched (C, adjoint, NLopt L-BFGS) against scipy
# SLSQP on the same problem (bench/openloop_scipy.py: same parametrisation, same
# propagator and adjoint in numpy, same constant start), same machine, same run.
# optsched is timed single-start (the like-for-like comparison) and with its
# default 3 starts; times are the solvers' own (no process start), medians over
# REPEATS (optsched) and SCIPY_REPEATS runs. Fails if optsched's loss is above
# scipy's by more than 1e-9 relative.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
REPEATS=${REPEATS:-7}
SCIPY_REPEATS=${SCIPY_REPEATS:-3}
SETTINGS=${SETTINGS:-"1:20:inf 1:20:10 1:20:5 0.5:80:10"}
O=$BUILD/optsched
[ -x "$O" ] || { echo "bench_openloop.sh: $O not built (make all)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in $SETTINGS; do
  IFS=: read -r a C T <<<"$s"
  for r in $(seq "$REPEATS"); do
    "$O" solve --alpha "$a" --budget "$C" --horizon "$T" --n 200 --starts 1 --no-refine --json >"$tmp/one_${s}_$r.json"
    "$O" solve --alpha "$a" --budget "$C" --horizon "$T" --n 200 --no-refine --json >"$tmp/def_${s}_$r.json"
  done
done
"$PYTHON" bench/openloop_scipy.py 200 "$SCIPY_REPEATS" $SETTINGS >"$tmp/scipy.jsonl"
"$PYTHON" - "$tmp" "$REPEATS" $SETTINGS <<'PY'
import json, sys, statistics as st
tmp, reps, settings = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
sp = [json.loads(l) for l in open(tmp + '/scipy.jsonl')]
ok = True
for s, ref in zip(settings, sp):
    one = [json.load(open('%s/one_%s_%d.json' % (tmp, s, r)))['methods']['openloop'] for r in range(1, reps + 1)]
    dflt = [json.load(open('%s/def_%s_%d.json' % (tmp, s, r)))['methods']['openloop'] for r in range(1, reps + 1)]
    t1 = st.median(o['solver']['seconds'] for o in one)
    t3 = st.median(o['solver']['seconds'] for o in dflt)
    L1, L3 = one[0]['expected_loss'], dflt[0]['expected_loss']
    rel = (L1 - ref['loss']) / ref['loss']
    ok &= rel <= 1e-9 and L3 <= L1 * (1 + 1e-12)
    print(json.dumps({'bench': 'openloop_vs_scipy_slsqp', 'setting': s, 'n': 200, 'grid': one[0]['grid'],
                      'optsched_1start_s': round(t1, 4), 'optsched_3starts_s': round(t3, 4),
                      'scipy_slsqp_s': round(ref['seconds_median'], 3),
                      'speedup_1start': round(ref['seconds_median'] / t1, 1),
                      'speedup_3starts': round(ref['seconds_median'] / t3, 1),
                      'loss_optsched': L1, 'loss_optsched_3starts': L3, 'loss_scipy': ref['loss'],
                      'rel_loss_diff': rel, 'evals_optsched_1start': one[0]['solver']['evaluations'],
                      'evals_scipy': ref['evaluations']}))
sys.exit(0 if ok else 1)
PY
