#!/usr/bin/env bash
# optsched hjb-grid: bad input exits 2 with one line naming the flag and the range
# and leaves nothing behind; --json carries the documented fields with values
# consistent with each other; --out writes all four files (PNG by gnuplot).
set -u
O=${OPTSCHED:?set OPTSCHED to the optsched executable}
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect2() { # pattern -- args...
  local pat=$1; shift
  rm -rf out
  "$O" hjb-grid "$@" --out out >stdout.txt 2>stderr.txt
  local rc=$?
  if [ "$rc" -ne 2 ]; then fail "exit $rc: $*"; return; fi
  if [ "$(wc -l <stderr.txt)" -ne 1 ]; then fail "not one line on stderr: $*"; cat stderr.txt; return; fi
  if ! grep -q -- "$pat" stderr.txt; then fail "message lacks '$pat': $* -> $(cat stderr.txt)"; return; fi
  if [ -e out ] || [ -s stdout.txt ]; then fail "output left behind: $*"; return; fi
  echo "ok   $* -> $(cat stderr.txt)"
}
expect2 "--modes.*\[1, 2\]"      # the model default K = 10
expect2 "--modes.*\[1, 2\]"      --modes 3
expect2 "--modes.*\[1,4096\]"    --modes 0
expect2 "--grid-a.*\[3,4001\]"   --modes 1 --grid-a 2
expect2 "--grid-r.*\[1,100000\]" --modes 1 --grid-r 0
expect2 "--grid-t.*\[2,10001\]"  --modes 1 --grid-t 1
expect2 "--gh.*\[3,5\]"          --modes 1 --gh 2
expect2 "--a-max.*\[1,100\]"     --modes 1 --a-max 0.5
expect2 "--stretch.*\[0,10\]"    --modes 1 --stretch 11
expect2 "--controls.*frontier"   --modes 1 --controls all
expect2 "--budget.*(0,inf)"      --modes 1 --budget -1

small="--grid-a 41 --grid-r 25 --grid-t 11 --grid-u 16 --paths 200"
if "$O" hjb-grid --modes 1 --budget 4 $small --json >k1.json 2>err.txt; then
  "$PY" - k1.json <<'PYEOF' || fails=$((fails + 1))
import json, math, sys
d = json.load(open(sys.argv[1]))
def need(c, msg):
    if not c:
        print("FAIL:", msg); sys.exit(1)
for k in ("value", "mc", "dp_gap", "grid", "shape", "runtime", "schedule", "initial_controls", "model"):
    need(k in d, "missing field " + k)
v, mc = d["value"], d["mc"]
need(0 < v < 1 and math.isfinite(v), "value %r" % v)
need(mc["paths"] == 200 and mc["stderr"] > 0, "mc block %r" % mc)
need(abs(d["dp_gap"] - abs(v - mc["mean"]) / v) < 1e-12, "dp_gap inconsistent")
g = d["grid"]
need(g["n_a"] == 41 and g["n_r"] == 25 and g["n_t"] == 11 and g["controls"] == "frontier", "grid %r" % g)
need(abs(g["dr"] - 4 / 25) < 1e-12 and abs(g["a_box"] - 3) < 1e-12, "grid steps %r" % g)
need(g["nodes"] == 26 * 41 * 11, "nodes %r" % g["nodes"])
for k in ("convex_fraction", "monotone_r_fraction", "monotone_t_fraction"):
    need(0 <= d["shape"][k] <= 1, k)
s = d["schedule"]
need(len(s["t"]) == len(s["eta"]) == len(s["B"]) > 10, "schedule lengths")
need(all(1e-4 <= e <= 0.5 for e in s["eta"]) and all(1 <= b <= 256 for b in s["B"]), "controls out of the box")
need(d["runtime"]["solve_seconds"] >= 0 and d["model"]["modes"] == 1, "runtime/model")
print("ok   K=1 --json: value %.6g, MC %.6g +- %.2g" % (v, mc["mean"], mc["stderr"]))
PYEOF
else
  fail "K=1 --json exited $?: $(cat err.txt)"
fi

# --at: V at given states — at the initial state it is the reported value, on r = 0 the loss
# (quadratic in a: the ratio at a = 1 and 0.5 is 4, to rounding)
if "$O" hjb-grid --modes 1 --budget 4 $small --at 1/4/0,1/0/2,0.5/0/2 --json >at.json 2>err.txt; then
  "$PY" - at.json <<'PYEOF' || fails=$((fails + 1))
import json, sys
d = json.load(open(sys.argv[1]))
at = d["at"]
ok = len(at) == 3 and at[0]["state"] == [1, 4, 0] and abs(at[0]["V"] - d["value"]) <= 1e-12 * d["value"] \
     and abs(at[1]["V"] / at[2]["V"] - 4) < 1e-12
print(("ok   --at: V(a0) %.8g = value, V(1,0,t) / V(0.5,0,t) = %.15g" if ok else "FAIL: --at %r %r")
      % ((at[0]["V"], at[1]["V"] / at[2]["V"]) if ok else (at, d["value"])))
sys.exit(0 if ok else 1)
PYEOF
else
  fail "--at exited $?: $(cat err.txt)"
fi
expect2 "--at: expected states" --modes 1 --at 1/4
expect2 "--at: expected states" --modes 1 --at 1/-1/0

# text output and the value does not depend on --threads
v1=$("$O" hjb-grid --modes 1 --budget 4 $small --threads 1 --json | "$PY" -c 'import json,sys; print(repr(json.load(sys.stdin)["value"]))')
v2=$("$O" hjb-grid --modes 1 --budget 4 $small --threads 2 --json | "$PY" -c 'import json,sys; print(repr(json.load(sys.stdin)["value"]))')
[ -n "$v1" ] && [ "$v1" = "$v2" ] && echo "ok   --threads 1 and 2 give $v1" || fail "threads change the value: $v1 vs $v2"
"$O" hjb-grid --modes 1 --budget 4 $small >text.txt 2>&1 && grep -q "value V(a0, C_max, 0)" text.txt \
  && echo "ok   text output" || fail "text output: $(cat text.txt)"

# --out, K = 2, with the open-loop references
rm -rf out
if "$O" hjb-grid --modes 2 --budget 20 --grid-a 21 --grid-r 20 --grid-t 11 --grid-u 12 --paths 100 \
     --compare --out out --json >k2.json 2>err.txt; then
  for f in hjb_grid.json policy.csv policy.png value.png; do
    [ -s "out/$f" ] || fail "out/$f missing"
  done
  head -c 8 out/policy.png | od -An -tx1 | grep -q "89 50 4e 47" || fail "policy.png is not a PNG"
  head -c 8 out/value.png | od -An -tx1 | grep -q "89 50 4e 47" || fail "value.png is not a PNG"
  head -1 out/policy.csv | grep -q "^t,live_paths,eta_mean" || fail "policy.csv header"
  ls -A out | grep -q '^\.' && fail "temporary files left in out/"
  "$PY" - k2.json <<'PYEOF' || fails=$((fails + 1))
import json, sys
d = json.load(open(sys.argv[1]))
c = d.get("compare")
if not c or not (c["constant"]["expected_loss"] > 0) or abs(c["value_over_openloop"] - d["value"] / c["openloop"]["expected_loss"]) > 1e-12:
    print("FAIL: compare block", c); sys.exit(1)
print("ok   K=2 --compare --out: value %.6g, constant %.6g, open loop %.6g" % (d["value"], c["constant"]["expected_loss"], c["openloop"]["expected_loss"]))
PYEOF
else
  fail "K=2 --out exited $?: $(cat err.txt)"
fi
# --out onto a file: exit 2, the file untouched
echo keep >afile
"$O" hjb-grid --modes 1 $small --out afile >/dev/null 2>err.txt
rc=$?
[ "$rc" -eq 2 ] && [ "$(cat afile)" = keep ] && echo "ok   --out onto a file -> $(cat err.txt)" || fail "--out onto a file: exit $rc"

[ "$fails" -eq 0 ] && echo "test_hjb_grid_cli: all passed" || echo "test_hjb_grid_cli: $fails failed"
[ "$fails" -eq 0 ]
