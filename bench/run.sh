#!/usr/bin/env bash
# Runs every benchmark: each bench/*.sh, then each built $BUILD/bench/bench_*
# binary that has no wrapper script of the same name (a wrapper runs its own
# binary with peers for comparison). Exits non-zero if any benchmark failed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD PYTHON=${PYTHON:-/usr/bin/python3}
fail=0
for s in bench/*.sh; do
  [ -f "$s" ] || continue
  [ "$(basename "$s")" = run.sh ] && continue
  echo "== $s"
  bash "$s" || { echo "FAILED: $s"; fail=1; }
done
for b in "$BUILD"/bench/bench_*; do
  [ -x "$b" ] && [ -f "$b" ] || continue
  case "$b" in *.d|*.o) continue ;; esac
  name=$(basename "$b")
  [ -f "bench/$name.sh" ] && continue
  echo "== $b"
  "$b" || { echo "FAILED: $b"; fail=1; }
done
exit $fail
