#!/usr/bin/env bash
# The CLI contract of eval / tune / compare (SPEC §6): JSON fields and their
# consistency, files written with --out (JSON, CSV, real PNGs), and --help.
set -u
. "$(dirname "$0")/lib.sh"
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] && [ "$(stat -c %s "$1")" -gt 5000 ]; }

$O eval --schedule wsd:eta=0.5,B=2,warmup=0,decay=0.2,decay_type=linear --json >"$tmp/e.json" || bad "eval exit"
check_json "eval fields" "$tmp/e.json" \
  "all(k in d for k in ('expected_loss','compute_used','t_end')) and all(k in d['mc'] for k in ('mean','std','stderr','paths')) and d['mc']['paths'] == 200"
check_json "eval: MC within 4 SE of the exact loss" "$tmp/e.json" "abs(d['mc']['mean'] - d['expected_loss']) <= 4 * d['mc']['stderr']"
check_json "eval: budget and horizon both reached at B = C/T" "$tmp/e.json" "abs(d['compute_used'] - 20) < 1e-9 and abs(d['t_end'] - 10) < 1e-9"
check_json "eval: params echo the schedule" "$tmp/e.json" "d['params']['decay'] == 0.2 and d['params']['decay_type'] == 'linear' and d['family'] == 'wsd'"

printf 't,eta,B\n0,0.5,2\n5,0.25,4\n' >"$tmp/s.csv"
$O eval --schedule "file:$tmp/s.csv" --json >"$tmp/f.json" || bad "eval file exit"
# 0..5 at B=2 spends 10; the rest (10) at B=4 takes 2.5: t_end = 7.5
check_json "eval file: stop time from the budget" "$tmp/f.json" "abs(d['t_end'] - 7.5) < 1e-12 and abs(d['compute_used'] - 20) < 1e-12"

$O tune --family constant --json >"$tmp/t.json" || bad "tune exit"
check_json "tune fields" "$tmp/t.json" "all(k in d for k in ('family','params','expected_loss','grid')) and d['family'] == 'constant'"
check_json "tune: constant reaches 0.105804 at alpha=1, C=20, T=10" "$tmp/t.json" "d['expected_loss'] <= 0.105804 + 5e-7"
check_json "tune: grid reported (eta has >= 12 points incl. eta_max; B includes C/T)" "$tmp/t.json" \
  "len(d['grid']['eta']) >= 12 and max(d['grid']['eta']) == 0.5 and 2.0 in d['grid']['B']"

$O compare --paths 300 --json >"$tmp/c.json" || bad "compare exit"
check_json "compare: eight families and the open-loop optimum, with the required fields" "$tmp/c.json" \
  "len([r for r in d['results'] if r['family'] != 'openloop']) == 8 and [r['family'] for r in d['results']].count('openloop') == 1 and all(all(k in r for k in ('family','params','expected_loss','compute_used','mc')) for r in d['results']) and all(r['mc']['paths'] == 300 for r in d['results'])"
check_json "compare: no tuned family beats the open-loop optimum (exact)" "$tmp/c.json" \
  "all(r['expected_loss'] >= [o for o in d['results'] if o['family'] == 'openloop'][0]['expected_loss'] * (1 - 1e-9) for r in d['results'])"
check_json "compare: paired difference of the best is zero" "$tmp/c.json" \
  "[r for r in d['results'] if r['family'] == d['best']][0]['paired_diff_to_best']['mean'] == 0"
check_json "compare: every MC mean within 4 SE of its exact loss" "$tmp/c.json" \
  "all(abs(r['mc']['mean'] - r['expected_loss']) <= 4 * r['mc']['stderr'] for r in d['results'])"

$O compare --families constant,wsd --out "$tmp/out" >/dev/null || bad "compare --out exit"
for f in compare.json compare.csv schedules.png loss_compute.png; do
  [ -s "$tmp/out/$f" ] && ok "compare wrote $f" || bad "compare did not write $f"
done
is_png "$tmp/out/schedules.png" && ok "schedules.png is a PNG" || bad "schedules.png is not a PNG"
[ "$(ls -A "$tmp/out" | grep -c '^\.')" -eq 0 ] && ok "no temporary files left" || bad "temporary files left in --out"
[ "$(head -1 "$tmp/out/compare.csv")" = "family,expected_loss,mc_mean,mc_stderr,mc_std,paths,compute_used,t_end,paired_diff,paired_diff_stderr,schedule" ] && ok "compare.csv header" || bad "compare.csv header"

$O eval --schedule constant:eta=0.3,B=4 --out "$tmp/ev" >/dev/null || bad "eval --out exit"
"$PY" - "$tmp/ev/schedule.csv" <<'PYEOF' && ok "schedule.csv: 501 rows, loss ends at the exact value" || bad "schedule.csv"
import csv, json, sys, os
rows = list(csv.DictReader(open(sys.argv[1])))
d = json.load(open(os.path.join(os.path.dirname(sys.argv[1]), "eval.json")))
assert len(rows) == 501
assert abs(float(rows[-1]["expected_loss"]) - d["expected_loss"]) < 1e-12 * d["expected_loss"]
assert abs(float(rows[-1]["compute"]) - 20) < 1e-9 and float(rows[0]["compute"]) == 0
PYEOF
for c in eval tune compare; do
  $O $c --help | grep -q -- "--alpha" && ok "$c --help" || bad "$c --help"
done
echo "$fails failed"
[ "$fails" -eq 0 ]
