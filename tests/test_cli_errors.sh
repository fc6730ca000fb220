#!/usr/bin/env bash
# Bad input to eval / tune / compare: every invocation must exit 2, print exactly
# one line on stderr that names the flag or key (the pattern given) and, where
# numeric, the accepted range, and leave no output directory or file behind.
set -u
O=${OPTSCHED:?set OPTSCHED to the optsched executable}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fails=0; n=0
expect2() { # pattern -- args...
  local pat=$1; shift
  n=$((n + 1))
  rm -rf out
  "$O" "$@" --out out >stdout.txt 2>stderr.txt
  local rc=$? lines
  lines=$(wc -l <stderr.txt)
  if [ "$rc" -ne 2 ]; then echo "FAIL (exit $rc): $*"; fails=$((fails + 1)); return; fi
  if [ "$lines" -ne 1 ]; then echo "FAIL ($lines lines on stderr): $*"; cat stderr.txt; fails=$((fails + 1)); return; fi
  if ! grep -q -- "$pat" stderr.txt; then echo "FAIL (message lacks '$pat'): $* -> $(cat stderr.txt)"; fails=$((fails + 1)); return; fi
  if [ -e out ] || [ -s stdout.txt ]; then echo "FAIL (output left behind): $*"; fails=$((fails + 1)); return; fi
  echo "ok   $* -> $(cat stderr.txt)"
}
S="--schedule constant:eta=0.5,B=4"
# model flags: NaN, inf, negative, zero, out of range, malformed, inverted bounds, huge K
expect2 "--alpha.*(0,8]"         eval $S --alpha nan
expect2 "--alpha.*(0,8]"         eval $S --alpha 0
expect2 "--alpha.*(0,8]"         eval $S --alpha 9
expect2 "--alpha"                eval $S --alpha inf
expect2 "--modes.*\[1,4096\]"    eval $S --modes 5000
expect2 "--modes.*\[1,4096\]"    eval $S --modes 0
expect2 "--modes.*integer"       eval $S --modes 2.5
expect2 "--features.*(0,inf)"    eval $S --features -1
expect2 "--noise.*\[0,inf)"      eval $S --noise -0.1
expect2 "--budget.*(0,inf)"      eval $S --budget 0
expect2 "--budget"               eval $S --budget inf
expect2 "--horizon.*(0,inf\]"    eval $S --horizon -5
expect2 "--eta-min.*(0,inf)"     eval $S --eta-min 0
expect2 "--eta-max.*--eta-min"   eval $S --eta-min 0.5 --eta-max 0.1
expect2 "--batch-max.*--batch-min" eval $S --batch-min 8 --batch-max 2
expect2 "--tail.*\[0,inf)"       eval $S --tail -1
expect2 "--a0"                   eval $S --a0 1e999
expect2 "--seed.*integer"        eval $S --seed 1.5
expect2 "--paths.*\[1,"          eval $S --paths 0
expect2 "--steps"                eval $S --steps abc
expect2 "--alpha.*got '1x'"      eval $S --alpha 1x
expect2 "unknown flag '--bogus'" eval $S --bogus 1
expect2 "--alpha needs a value"  eval $S --alpha
# schedules: unknown family or key, malformed numbers, out-of-bounds parameters, fractions, files
expect2 "--schedule: required"   eval
expect2 "--schedule: empty"      eval --schedule ""
expect2 "unknown family 'cosinus'" eval --schedule cosinus:eta=0.1
expect2 "unknown key 'lr'"       eval --schedule constant:lr=0.1
expect2 "key 'eta'.*\[0.0001, 0.5\]" eval --schedule constant:eta=0.9
expect2 "key 'eta'.*got 'abc'"   eval --schedule constant:eta=abc
expect2 "key 'eta'.*got 'nan'"   eval --schedule constant:eta=nan
expect2 "key 'B'.*\[1, 256\]"    eval --schedule constant:eta=0.1,B=0
expect2 "key 'warmup'.*\[0, 1\]" eval --schedule wsd:eta=0.1,warmup=1.5
expect2 "'warmup' + 'decay'"     eval --schedule wsd:eta=0.1,warmup=0.6,decay=0.6
expect2 "decay_type"             eval --schedule wsd:eta=0.1,decay_type=exp
expect2 "milestones"             eval --schedule piecewise:eta=0.1,milestones=0.7/0.2
expect2 "key 'gamma'.*(0, 1\]"   eval --schedule piecewise:eta=0.1,gamma=0
expect2 "key 'frac'.*(0, 1\]"    eval --schedule bordelon:eta=0.1,frac=0
expect2 "key 'delta'.*\[0, inf)" eval --schedule bordelon:eta=0.1,delta=-1
expect2 "expected key=value"     eval --schedule constant:eta
expect2 "cannot open"            eval --schedule file:does-not-exist.csv
printf 't,eta,B\n0,0.5,1\n1,0.7,2\n' >bad_eta.csv
expect2 "eta at row 2.*\[0.0001, 0.5\]" eval --schedule file:bad_eta.csv
printf 't,eta,B\n0,0.5,1\n0,0.4,2\n' >bad_t.csv
expect2 "increase strictly"      eval --schedule file:bad_t.csv
printf '0,0.5,1\n1,zero,2\n' >bad_num.csv
expect2 "row 2"                  eval --schedule file:bad_num.csv
expect2 "equal lengths"          eval --schedule array:t=0/1,eta=0.1,B=1/2
# tune and compare
expect2 "--family: required"     tune
expect2 "--family: expected one of" tune --family cyclic
expect2 "--family: expected one of" tune --family array
expect2 "--alpha"                tune --family constant --alpha -2
expect2 "--families: unknown family 'foo'" compare --families constant,foo
expect2 "--budget"               compare --budget nan
expect2 "unknown command"        bogus
echo "$n bad invocations checked, $fails failed"
[ "$n" -ge 30 ] && [ "$fails" -eq 0 ]
