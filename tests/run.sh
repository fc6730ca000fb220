#!/usr/bin/env bash
# Runs every test: C binaries ($BUILD/tests/test_*), shell tests (tests/test_*.sh)
# and Python tests (tests/test_*.py, run with $PYTHON). Prints one line per test and
# closes with "N passed, N failed"; exits non-zero if any test failed.
# TESTS='pattern' restricts to tests whose name matches the glob.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
export OPTSCHED=${OPTSCHED:-$PWD/$BUILD/optsched} PYTHON BUILD
pattern=${TESTS:-*}
pass=0; fail=0; failed=()
logdir=$BUILD/test-logs; mkdir -p "$logdir"
run_one() {
  local name=$1; shift
  case "$name" in $pattern) ;; *) return ;; esac
  local t0=$EPOCHREALTIME
  if "$@" >"$logdir/$name.log" 2>&1; then
    pass=$((pass+1)); printf 'PASS %-32s %6.1fs\n' "$name" "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{print b-a}')"
  else
    fail=$((fail+1)); failed+=("$name")
    printf 'FAIL %-32s (log: %s)\n' "$name" "$logdir/$name.log"
    tail -n 20 "$logdir/$name.log" | sed 's/^/    /'
  fi
}
for b in "$BUILD"/tests/test_*; do
  [ -x "$b" ] && [ -f "$b" ] || continue
  case "$b" in *.d|*.o) continue ;; esac
  run_one "$(basename "$b")" "$b"
done
for s in tests/test_*.sh; do [ -f "$s" ] && run_one "$(basename "$s")" bash "$s"; done
for p in tests/test_*.py; do [ -f "$p" ] && run_one "$(basename "$p")" "$PYTHON" "$p"; done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
