#!/usr/bin/env bash
# optsched solve --method openloop: CLI contract (SPEC §6) — JSON fields and
# their consistency, cross-check with optsched eval, --out files written
# all-or-nothing, and bad input exiting 2 with one line naming the flag.
set -u
. "$(dirname "$0")/lib.sh"
check_json() { # name file python-expression-over-d (o = d['methods']['openloop'])
  if "$PY" -c "import json,sys,math; d=json.load(open('$2')); o=d['methods']['openloop']; sys.exit(0 if ($3) else 1)"; then ok "$1"; else bad "$1"; fi
}

$O solve --method openloop --horizon 5 --n 50 --json >"$tmp/s.json" || bad "solve exit status"
check_json "JSON fields" "$tmp/s.json" \
  "all(k in o for k in ('expected_loss','compute_used','t_end','schedule','residual','value_2n','n','controls')) and all(len(o['schedule'][k]) == 50 for k in ('t','eta','B','u','compute')) and o['n'] == 50 and o['controls'] == 'joint'"
check_json "u = eta/B, compute = B dt, compute within budget, t_end = T (binds)" "$tmp/s.json" \
  "all(abs(u - e/b) <= 1e-15*u for u,e,b in zip(o['schedule']['u'],o['schedule']['eta'],o['schedule']['B'])) and all(abs(c - b*t) <= 1e-12*c for c,b,t in zip(o['schedule']['compute'],o['schedule']['B'],o['schedule']['dt'])) and abs(sum(o['schedule']['compute']) - o['compute_used']) <= 1e-9 and o['compute_used'] <= 20*(1+1e-12) and o['horizon_binds'] and abs(o['t_end'] - 5) < 1e-12"
check_json "value at 2N within 1e-4 relative, residual small" "$tmp/s.json" \
  "abs(o['value_2n'] - o['expected_loss']) <= 1e-4*o['expected_loss'] and o['residual'] < 1e-4"
# the schedule, fed back through eval as a file schedule, has the same exact loss
"$PY" - "$tmp/s.json" "$tmp/sched.csv" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))['methods']['openloop']; s = o['schedule']
with open(sys.argv[2], 'w') as f:
    f.write('t,eta,B\n')
    for t, e, b in zip(s['t'], s['eta'], s['B']): f.write('%.17g,%.17g,%.17g\n' % (t, e, b))
PY
$O eval --schedule "file:$tmp/sched.csv" --horizon 5 --paths 2 --json >"$tmp/e.json" || bad "eval of the solved schedule"
L=$("$PY" -c "import json; print(repr(json.load(open('$tmp/s.json'))['methods']['openloop']['expected_loss']))")
if "$PY" -c "import json,sys; d=json.load(open('$tmp/e.json')); sys.exit(0 if abs(d['expected_loss']/$L - 1) < 1e-12 else 1)"; then ok "eval reproduces the loss"; else bad "eval reproduces the loss"; fi

# --method all runs the closed-loop solver too: a tiny network keeps this quick
TINY="--rounds 2 --iters 30 --batch 32 --width 8 --layers 1 --paths 50 --select-paths 50"
$O solve --method all --horizon inf --n 40 --no-refine $TINY --json >"$tmp/a.json" || bad "--method all exit"
check_json "--method all; horizon inf: not identifiable, canonical B = B_min" "$tmp/a.json" \
  "o['value_2n'] is None and not o['identifiable'] and not o['horizon_binds'] and all(b == 1 for b in o['schedule']['B'])"
check_json "--method all: hjb entry and a side-by-side summary on the same paths" "$tmp/a.json" \
  "'hjb' in d['methods'] and [r['method'] for r in d['summary']][8:] == ['openloop', 'hjb', 'lossfb'] and d['summary'][8]['paired_diff_to_openloop'] == 0 and all(r['mc_stderr'] > 0 for r in d['summary'])"
check_json "--method all: the 8 tuned baselines first, none below the open-loop optimum (exact)" "$tmp/a.json" \
  "[r['method'] for r in d['summary']][:8] == ['constant','cosine','warmup_cosine','wsd','linear','piecewise','const_cooldown','bordelon'] and all(r['expected_loss'] >= d['summary'][8]['expected_loss'] * (1 - 1e-6) for r in d['summary'][:8])"
check_json "--method all: lossfb (observes the loss only) with its tuned gamma; only feedback rows flagged" "$tmp/a.json" \
  "d['methods']['lossfb']['gamma'] in d['methods']['lossfb']['gamma_grid'] and d['methods']['lossfb']['tuning_seed'] != d['methods']['lossfb']['mc']['seed'] and not any(r['worse_than_openloop_2se'] for r in d['summary'] if r['expected_loss'] is not None)"
check_json "--method all: policy selection validated every round (iterations 0, 30, 60), kept the best" "$tmp/a.json" \
  "(lambda sel: [v['iteration'] for v in sel['validation']] == [0, 30, 60] and sel['selected_iteration'] == min(sel['validation'], key=lambda v: v['mc_mean'])['iteration'] and sel['seed'] != d['methods']['hjb']['mc']['seed'])(d['methods']['hjb']['selection'])"
$O solve --controls lr --horizon 10 --n 40 --no-refine --json >"$tmp/l.json" || bad "lr exit"
check_json "LR-only: one constant B, reported" "$tmp/l.json" "len(set(o['schedule']['B'])) == 1 and o['lr_batch'] == o['schedule']['B'][0] and o['controls'] == 'lr'"
$O solve --controls batch --batch-eta 0.25 --horizon 10 --n 40 --no-refine --json >"$tmp/b.json" || bad "batch exit"
check_json "batch-only: eta fixed" "$tmp/b.json" "all(e == 0.25 for e in o['schedule']['eta']) and o['batch_eta'] == 0.25"

# --out: all files, nothing temporary left
$O solve --horizon 5 --n 30 --no-refine --out "$tmp/out" >/dev/null || bad "--out exit"
for f in solve.json openloop.csv openloop.png openloop_time.png; do
  [ -s "$tmp/out/$f" ] && ok "--out wrote $f" || bad "--out missing $f"
done
[ -z "$(ls -A "$tmp/out" | grep '^\.')" ] && ok "no temporary files left" || bad "temporary files left in --out"

# bad input: exit 2, one line naming the flag, no output directory created
expect2() { # flag-name args...
  local flag=$1; shift
  $O solve "$@" --out "$tmp/bad" >"$tmp/o.txt" 2>"$tmp/e.txt"; local rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/e.txt")" -eq 1 ] && grep -q -- "$flag" "$tmp/e.txt" && [ ! -e "$tmp/bad" ] && [ ! -s "$tmp/o.txt" ]; then
    ok "bad input $* -> exit 2: $(cat "$tmp/e.txt")"
  else
    bad "bad input $* (rc $rc): $(cat "$tmp/e.txt")"
  fi
}
expect2 --preset --method hjb --preset slow
expect2 --method --method foo
expect2 --controls --controls both
expect2 --n --n 1
expect2 --n --n 2.5
expect2 --starts --starts 9
expect2 --tol --tol 0.1
expect2 --lr-batch --controls lr --lr-batch 1000
expect2 --lr-batch --lr-batch 4
expect2 --batch-eta --controls batch --batch-eta 0.9
expect2 --alpha --alpha 9
expect2 --horizon --horizon 0
expect2 --budget --budget -1
expect2 --eta-max --eta-max 1e-5

[ $fails -eq 0 ] && echo "test_openloop_cli: all passed" || echo "test_openloop_cli: $fails failed"
[ $fails -eq 0 ]
