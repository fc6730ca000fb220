#!/usr/bin/env bash
# optsched paper --quick: every table's and figure's methods and settings are present, the
# JSON contract holds, the open-loop optimum is never beaten by an open-loop
# baseline (exact losses), a closed-loop row worse than the optimum by more than
# 2 paired SE is flagged (JSON field and Markdown marker), --out writes
# NAME.{md,json,csv} all-or-nothing, and bad input exits 2.
set -u
. "$(dirname "$0")/lib.sh"

FAMS="['constant','cosine','warmup_cosine','wsd','linear','piecewise','const_cooldown','bordelon']"
# common checks over d (the JSON document)
CONTRACT="all(all(k in r for k in ('method','alpha','budget','loss','stderr','compute')) for r in d['rows'])"
NOBEAT="not any(r['beats_openloop'] for r in d['rows']) and all(r['exact_loss'] is None or r['exact_loss'] >= [o for o in d['rows'] if o['method'] == 'openloop' and o['alpha'] == r['alpha'] and o['budget'] == r['budget'] and o['horizon'] == r['horizon'] and o.get('K') == r.get('K') and o.get('P') == r.get('P')][0]['exact_loss'] * (1 - 1e-6) for r in d['rows'])"
FLAG="all(r['worse_than_openloop_2se'] == (r['method'] == 'hjb' and r['paired_diff_to_openloop'] > 2 * r['paired_diff_stderr']) for r in d['rows'])"

$O paper table1 --quick --out "$tmp/t1" >"$tmp/t1.md" || bad "table1 exit status"
f="$tmp/t1/table1.json"
for x in table1.json table1.md table1.csv; do [ -s "$tmp/t1/$x" ] && ok "--out wrote $x" || bad "--out wrote $x"; done
[ -z "$(ls -A "$tmp/t1" | grep '^\.')" ] && ok "no temporary files left" || bad "temporary files left"
check_json "table1: contract" "$f" "d['table'] == 'table1' and $CONTRACT"
check_json "table1: 8 families + openloop + hjb at alpha = 1, C_max = 20" "$f" \
  "sorted(r['method'] for r in d['rows']) == sorted($FAMS + ['openloop', 'hjb']) and all(r['alpha'] == 1 and r['budget'] == 20 for r in d['rows'])"
check_json "table1: the open-loop optimum is never beaten (exact)" "$f" "$NOBEAT"
check_json "table1: hjb flag iff worse by > 2 paired SE" "$f" "$FLAG"
check_json "table1: loss exact for open loop (stderr 0), MC for hjb (stderr > 0)" "$f" \
  "all((r['stderr'] == 0 and r['loss'] == r['exact_loss']) if r['method'] != 'hjb' else (r['stderr'] > 0 and r['loss'] == r['mc_mean']) for r in d['rows'])"
check_json "table1: the seed's numbers beside ours" "$f" \
  "[r['seed']['loss'] for r in d['rows'] if r['method'] in ('constant', 'hjb')] == [4.38, 4.37]"
check_json "table1: common paths (openloop paired diff 0 with itself)" "$f" \
  "[r for r in d['rows'] if r['method'] == 'openloop'][0]['paired_diff_to_openloop'] is None and all(r['mc_stderr'] > 0 for r in d['rows'])"
# the Markdown marks every flagged row
"$PY" - "$f" "$tmp/t1/table1.md" <<'PY' && ok "Markdown marks the flagged rows" || bad "Markdown marks the flagged rows"
import json, sys
d = json.load(open(sys.argv[1])); md = open(sys.argv[2]).read().splitlines()
flagged = [r['method'] for r in d['rows'] if r['worse_than_openloop_2se']]
marked = [l.split('|')[4].strip() for l in md if 'WORSE than the open-loop optimum' in l]
sys.exit(0 if flagged == marked else 1)
PY
cmp -s "$tmp/t1.md" "$tmp/t1/table1.md" && ok "stdout Markdown = table1.md" || bad "stdout Markdown = table1.md"
[ "$(head -1 "$tmp/t1/table1.csv" | cut -d, -f1-9)" = "table,method,role,alpha,budget,horizon,loss,stderr,compute" ] \
  && [ "$(wc -l <"$tmp/t1/table1.csv")" -eq 11 ] && ok "CSV header and rows" || bad "CSV header and rows"

$O paper table2 --quick --json >"$tmp/t2.json" || bad "table2 exit status"
check_json "table2: constant, openloop, hjb at C_max in {5, 20}" "$tmp/t2.json" \
  "$CONTRACT and sorted((r['budget'], r['method']) for r in d['rows']) == sorted((b, m) for b in (5, 20) for m in ('constant', 'openloop', 'hjb'))"
check_json "table2: never beaten; flags" "$tmp/t2.json" "$NOBEAT and $FLAG"

$O paper table7 --quick --json >"$tmp/t7.json" || bad "table7 exit status"
check_json "table7: joint, LR-only on the seed's grid, LR-only continuous" "$tmp/t7.json" \
  "$CONTRACT and sorted(r['method'] for r in d['rows']) == ['lr_only', 'lr_only_grid', 'openloop'] and [r['lr_batch'] for r in d['rows'] if r['method'] == 'lr_only_grid'][0] in (4, 8, 16, 32, 64, 128)"
check_json "table7: joint <= LR-only (exact); continuous B <= grid B" "$tmp/t7.json" \
  "$NOBEAT and (lambda x: x['lr_only']['exact_loss'] <= x['lr_only_grid']['exact_loss'] * (1 + 1e-9))({r['method']: r for r in d['rows']})"

$O paper horizon --quick --json >"$tmp/h.json" || bad "horizon exit status"
check_json "horizon: T in {1, 10, inf}, each with openloop, constant, best baseline, lr_only" "$tmp/h.json" \
  "$CONTRACT and sorted(set(str(r['horizon']) for r in d['rows'])) == ['1', '10', 'inf'] and all(set(r['method'] for r in d['rows'] if r['horizon'] == T) >= {'openloop', 'constant', 'lr_only'} and sum(r['best_baseline'] for r in d['rows'] if r['horizon'] == T) == 1 for T in (1, 10, 'inf'))"
check_json "horizon: never beaten" "$tmp/h.json" "$NOBEAT"

# the closed-loop tables: diagnostics beside the seed's, every swept setting present
DIAG="all(set(r['diagnostics']) >= {'V0','residual_l2','residual_linf','convexity','monotonicity','boundary_mse_terminal','boundary_mse_budget','dp_gap','B_monotone'} for r in d['rows'] if r['method'] == 'hjb') and all(('diagnostics' in r) == (r['method'] == 'hjb') for r in d['rows'])"
$O paper table3 --quick --json >"$tmp/t3.json" || bad "table3 exit status"
check_json "table3: openloop and hjb at alpha = 1, C_max = 20, diagnostics with the seed's" "$tmp/t3.json" \
  "$CONTRACT and $DIAG and $FLAG and sorted(r['method'] for r in d['rows']) == ['hjb', 'openloop'] and [r['seed']['residual_l2'] for r in d['rows'] if r['method'] == 'hjb'] == [0.174]"
$O paper table4 --quick --json >"$tmp/t4.json" || bad "table4 exit status"
check_json "table4: lambda_struct and n_PI sweeps, each against the open-loop optimum" "$tmp/t4.json" \
  "$CONTRACT and $DIAG and $FLAG and sorted(r['setting'] for r in d['rows'] if r['method'] == 'hjb') == ['lambda_struct=0', 'lambda_struct=50', 'n_pi=1', 'n_pi=2'] and sum(r['method'] == 'openloop' for r in d['rows']) == 4 and [r['seed']['loss'] for r in d['rows'] if r['setting'] == 'lambda_struct=0' and r['method'] == 'hjb'] == [4.38]"
$O paper table5 --quick --json >"$tmp/t5.json" || bad "table5 exit status"
check_json "table5: K = 10 and 20 with constant, openloop, hjb" "$tmp/t5.json" \
  "$CONTRACT and $DIAG and $NOBEAT and $FLAG and sorted((r['K'], r['method']) for r in d['rows']) == sorted((K, m) for K in (10, 20) for m in ('constant', 'openloop', 'hjb'))"
$O paper table6 --quick --json >"$tmp/t6.json" || bad "table6 exit status"
check_json "table6: P = 2 and 10 with constant, const_cooldown, openloop, hjb" "$tmp/t6.json" \
  "$CONTRACT and $NOBEAT and $FLAG and sorted((r['P'], r['method']) for r in d['rows']) == sorted((P, m) for P in (2, 10) for m in ('constant', 'const_cooldown', 'openloop', 'hjb')) and [r['seed']['loss'] for r in d['rows'] if r['P'] == 10 and r['method'] == 'const_cooldown'] == [1.37]"
png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' ')" = "89504e470d0a1a0a" ]; }
$O paper fig1 --quick --out "$tmp/f1" >/dev/null || bad "fig1 exit status"
png "$tmp/f1/fig1.png" && ok "fig1: a PNG" || bad "fig1: a PNG"
check_json "fig1: 8 families + openloop + hjb" "$tmp/f1/fig1.json" \
  "sorted(r['method'] for r in d['rows']) == sorted($FAMS + ['openloop', 'hjb']) and $NOBEAT and $FLAG"
$O paper fig2 --quick --out "$tmp/f2" >/dev/null || bad "fig2 exit status"
png "$tmp/f2/fig2.png" && ok "fig2: a PNG" || bad "fig2: a PNG"
# a network under --state is trained once: the second run reuses it (same numbers, no training)
$O paper table3 --quick --json --state "$tmp/st" >"$tmp/s1.json" 2>/dev/null || bad "table3 --state"
ls "$tmp/st"/hjb_K10_a1_C20_T10_P2_quick_*.w >/dev/null 2>&1 && ok "--state keeps the network" || bad "--state keeps the network"
$O paper table3 --quick --json --state "$tmp/st" >"$tmp/s2.json" 2>/dev/null || bad "table3 --state (second run)"
cmp -s "$tmp/s1.json" "$tmp/s2.json" && cmp -s "$tmp/s1.json" "$tmp/t3.json" && ok "--state: the reused network gives the same table" || bad "--state: the reused network gives the same table"

# bad input: exit 2, one line; --out left untouched on failure
$O paper table9 --quick >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] && grep -q table1 "$tmp/e" && ok "unknown table: exit 2" || bad "unknown table: exit $rc $(cat "$tmp/e")"
$O paper table1 --quick --paths 1 >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc -eq 2 ] && grep -q -- --paths "$tmp/e" && ok "--paths out of range: exit 2" || bad "--paths: exit $rc"
$O paper --help >"$tmp/o" && grep -q table7 "$tmp/o" && ok "--help" || bad "--help"
$O paper table3 --quick --hjb-preset huge >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] && grep -q -- --hjb-preset "$tmp/e" && ok "--hjb-preset: exit 2" || bad "--hjb-preset: exit $rc"

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
