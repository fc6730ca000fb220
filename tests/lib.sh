# Sourced by the shell tests: the executable under test ($O), Python ($PY), a
# scratch directory ($tmp) removed on exit, and the checks that count failures.
O=${OPTSCHED:?set OPTSCHED to the optsched executable}
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
# check_json NAME FILE EXPR: EXPR is Python over d, the parsed FILE
check_json() {
  if "$PY" -c "import json,sys,math; d=json.load(open('$2')); sys.exit(0 if ($3) else 1)"; then ok "$1"; else bad "$1: $(head -c 800 "$2")"; fi
}
