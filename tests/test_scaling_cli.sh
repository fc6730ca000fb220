#!/usr/bin/env bash
# optsched scaling: CLI contract (SPEC §6) — JSON fields, cross-checks between
# subcommands, transfer round trips, files only through temp+rename, and bad
# input exiting 2 with one line naming the flag.
set -u
. "$(dirname "$0")/lib.sh"
P="--delta0 2 --smoothness 0.5 --noise-scale 1.5 --rho 2"

# --- JSON contract of optimum, each regime ---------------------------------
$O scaling optimum --regime joint $P --tokens 1e12 --json >"$tmp/j.json" || bad "joint exit"
check_json "joint fields" "$tmp/j.json" \
  "all(k in d and d[k] > 0 for k in ('eta','alpha','batch','steps','bound')) and d['alpha'] <= 1 and abs(d['beta'] - (1 - d['alpha'])) < 1e-15 and abs(d['batch']*d['steps']/1e12 - 1) < 1e-12 and d['feasible']"
check_json "joint: bound equals its proxy (Eq. 18 = Eq. 11 at the optimum)" "$tmp/j.json" "abs(d['bound']/d['proxy'] - 1) < 1e-12"
# cross-check: the bound subcommand evaluated at the optimum gives the same value
read -r eta alpha batch steps bound < <("$PY" -c "import json; d=json.load(open('$tmp/j.json')); print(repr(d['eta']), repr(d['alpha']), repr(d['batch']), repr(d['steps']), repr(d['bound']))")
$O scaling bound $P --eta "$eta" --alpha "$alpha" --batch "$batch" --steps "$steps" --json >"$tmp/b.json" || bad "bound exit"
check_json "bound subcommand reproduces the joint optimum's value" "$tmp/b.json" "abs(d['bound']/$bound - 1) < 1e-12"
# the optimum must beat nearby settings of the bound (a perturbation test of optimality)
for f in 0.9 1.1; do
  for v in eta alpha batch; do
    e=$eta a=$alpha b=$batch
    case $v in eta) e=$("$PY" -c "print($eta*$f)");; alpha) a=$("$PY" -c "print($alpha*$f)");; batch) b=$("$PY" -c "print($batch*$f)");; esac
    $O scaling bound $P --eta "$e" --alpha "$a" --batch "$b" --tokens 1e12 --json >"$tmp/p.json"
    check_json "perturbing $v by x$f raises the bound" "$tmp/p.json" "d['bound'] > $bound"
  done
done
$O scaling optimum --regime fixed-momentum --alpha 0.1 $P --tokens 1e12 --json >"$tmp/fm.json" || bad "fixed-momentum exit"
check_json "fixed-momentum fields" "$tmp/fm.json" \
  "all(d[k] > 0 for k in ('eta','alpha','batch','steps','bound','proxy')) and d['alpha'] == 0.1 and abs(d['momentum_gain'] - 1.1**0.25) < 1e-15 and 'exact_eq11' in d"
$O scaling optimum --regime fixed-momentum --alpha 0.1 $P --tokens 1e12 --batch-max 64 --json >"$tmp/fmc.json"
check_json "fixed-momentum with a batch cap uses b_max and reports the noise floor" "$tmp/fmc.json" \
  "d['batch'] == 64 and abs(d['noise_floor'] - 2*2*1.5*math.sqrt(0.1/64)) < 1e-12 and d['proxy'] > d['noise_floor']"
$O scaling optimum --regime fixed-batch --batch 128 $P --tokens 1e12 --json >"$tmp/fb.json" || bad "fixed-batch exit"
check_json "fixed-batch fields" "$tmp/fb.json" "d['batch'] == 128 and 0 < d['alpha'] <= 1 and d['eta'] > 0 and d['bound'] > 0"
$O scaling optimum --regime sgd --batch 128 $P --tokens 1e12 --json >"$tmp/sgd.json" || bad "sgd exit"
check_json "sgd: value independent of b (B.6)" "$tmp/sgd.json" "abs(d['bound'] - 2*math.sqrt(2*0.5*1.5**2/1e12)) < 1e-15"
$O scaling optimum --regime joint $P --tokens 2 --json >"$tmp/js.json"
check_json "small budget: infeasible continuous optimum flagged, constrained one given" "$tmp/js.json" \
  "not d['feasible'] and d['constrained']['batch'] >= 1 and d['constrained']['alpha'] <= 1 and d['constrained']['bound'] >= d['bound']"

# --- transfer round trips (T0 -> T1 -> T0 is the identity) ------------------
for r in A B C D sgd; do
  $O scaling transfer --regime $r --tokens0 1e9 --tokens1 3.7e11 --eta0 0.003 --alpha0 0.1 --batch0 256 --json >"$tmp/t1.json" || bad "transfer $r"
  read -r e1 a1 b1 < <("$PY" -c "import json; d=json.load(open('$tmp/t1.json')); print(repr(d['eta']), repr(d['alpha']), repr(d['batch']))")
  $O scaling transfer --regime $r --tokens0 3.7e11 --tokens1 1e9 --eta0 "$e1" --alpha0 "$a1" --batch0 "$b1" --json >"$tmp/t0.json"
  check_json "transfer $r round trip" "$tmp/t0.json" "abs(d['eta']/0.003-1) < 1e-13 and abs(d['alpha']/0.1-1) < 1e-13 and abs(d['batch']/256-1) < 1e-13"
done
$O scaling transfer --regime B --tokens0 1e9 --tokens1 16e9 --eta0 0.008 --alpha0 0.2 --batch0 64 --batch1 256 --json >"$tmp/t3.json"
check_json "Table 3 (B): alpha x (b1/b0) sqrt(T0/T1), eta x (b1/b0) (T0/T1)^(3/4)" "$tmp/t3.json" \
  "abs(d['alpha'] - 0.2) < 1e-15 and abs(d['eta'] - 0.008*4/8) < 1e-15 and d['rule'] == 'Table 3'"

# --- verify: fits and files ------------------------------------------------
$O scaling verify --theorem 2 --points 60 --budgets 40 --json >"$tmp/v.json" || bad "verify exit"
check_json "verify theorem 2 fits within 0.02 of theory" "$tmp/v.json" \
  "all(abs(f['fitted'] - f['theory']) < 0.02 and f['T_lo'] >= 1e10 for f in d['fits']) and len(d['minima']['tokens']) == 40"
$O scaling verify --theorem 1 --points 50 --budgets 30 --out "$tmp/out" >/dev/null || bad "verify --out exit"
if [ -s "$tmp/out/verify_theorem1.png" ] && [ -s "$tmp/out/verify_theorem1.csv" ]; then ok "plot and table written"; else bad "plot/table missing"; fi
if [ -z "$(find "$tmp/out" -name '.*')" ]; then ok "no temporary files left"; else bad "temporary files left: $(ls -a "$tmp/out")"; fi
"$PY" -c "import sys; sys.exit(0 if open('$tmp/out/verify_theorem1.png','rb').read(8) == b'\x89PNG\r\n\x1a\n' else 1)" && ok "PNG signature" || bad "not a PNG"

# --- help ----------------------------------------------------------------------
for s in bound optimum transfer verify isoloss paths; do
  if $O scaling $s --help | grep -q -- "--json"; then ok "$s --help"; else bad "$s --help"; fi
done
$O scaling --help >/dev/null && ok "scaling --help" || bad "scaling --help"

# --- bad input: exit 2, one line on stderr naming the flag, nothing written ---
expect2() { # flag-substring args...
  local want=$1; shift
  $O scaling "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"
  local rc=$? lines
  lines=$(wc -l <"$tmp/err.txt")
  if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- "$want" "$tmp/err.txt" && [ ! -s "$tmp/out.txt" ]; then
    ok "exit 2 [$want]: $(cat "$tmp/err.txt")"
  else
    bad "expected exit 2 naming $want; got rc=$rc, stderr: $(cat "$tmp/err.txt")"
  fi
}
expect2 --delta0 optimum --regime joint --smoothness 1 --noise-scale 1 --tokens 1e9
expect2 --tokens optimum --regime joint $P --tokens -5
expect2 --tokens optimum --regime joint $P --tokens abc
expect2 --regime optimum --regime bogus $P --tokens 1e9
expect2 --alpha optimum --regime fixed-momentum $P --tokens 1e9
expect2 --alpha optimum --regime fixed-momentum --alpha 1.5 $P --tokens 1e9
expect2 --alpha optimum --regime joint --alpha 0.1 $P --tokens 1e9
expect2 --batch optimum --regime fixed-batch $P --tokens 1e9
expect2 --unknown optimum --regime joint $P --tokens 1e9 --unknown 3
expect2 --rho bound $P --rho 0.5 --eta 1e-3 --alpha 0.1 --batch 8 --steps 100
expect2 --steps bound $P --eta 1e-3 --alpha 0.1 --batch 8
expect2 --regime transfer --regime E --tokens0 1 --tokens1 2 --eta0 1 --alpha0 0.1 --batch0 1
expect2 --batch1 transfer --regime C --tokens0 1 --tokens1 2 --eta0 1 --alpha0 0.1 --batch0 1 --batch1 4
expect2 --alpha0 transfer --regime A --tokens0 1 --tokens1 2 --eta0 1 --batch0 1
expect2 --theorem verify --theorem 4
expect2 --eta-range verify --theorem 3 --eta-range 5:1
expect2 --method verify --theorem 1 --method profile
expect2 --batch-exponent paths --batch-exponent 1
expect2 --alpha isoloss $P --alpha 0
expect2 --out verify --theorem 2 --points 10 --budgets 5 --out /dev/null
$O scaling nosuch >/dev/null 2>&1; [ $? -eq 2 ] && ok "unknown subcommand exits 2" || bad "unknown subcommand"
$O scaling optimum --regime joint $P --tokens -1 --out "$tmp/never" >/dev/null 2>&1
[ ! -e "$tmp/never" ] && ok "bad input creates no output directory" || bad "output written on bad input"

echo "test_scaling_cli: $fails failed"
[ $fails -eq 0 ]
