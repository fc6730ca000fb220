#!/usr/bin/env bash
# Time to quality of the closed-loop solver at the canonical setting (K = 10, alpha = 1,
# C_max = 20, T = 10): for each preset, the wall time of `optsched solve --method all`
# (open-loop optimum, baselines, the closed loop and its report on 2,000 paths) and whether
# the issue's targets are met: the policy not worse than the open-loop optimum by more than
# 2 paired SE, and a DP gap <= 0.05. Target: both within 5 minutes on 2 cores.
# REPEATS (default 1) runs per preset; the median time is reported.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
O="$BUILD/optsched"
REPEATS=${REPEATS:-1}
PRESETS=${PRESETS:-"quick fast"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-8s %9s %24s %8s %12s %8s\n' preset "time (s)" "hjb - openloop (± SE)" "DP gap" "policy ok" "DP ok"
for p in $PRESETS; do
  times=()
  for r in $(seq "$REPEATS"); do
    s=$(date +%s.%N)
    "$O" solve --method all --preset "$p" --paths 2000 --json >"$tmp/$p.json" || { echo "FAILED: $p"; exit 1; }
    e=$(date +%s.%N)
    times+=("$("$PY" -c "print($e - $s)")")
  done
  med=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  "$PY" - "$tmp/$p.json" "$p" "$med" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
row = [r for r in d['summary'] if r['method'] == 'hjb'][0]
gap = d['methods']['hjb']['diagnostics']['dp_gap']
ok = row['paired_diff_to_openloop'] <= 2 * row['paired_diff_stderr']
print('%-8s %9.1f %13.6f ± %.6f %8.3f %12s %8s' % (sys.argv[2], float(sys.argv[3]),
      row['paired_diff_to_openloop'], row['paired_diff_stderr'], gap, 'yes' if ok else 'no',
      'yes' if gap <= 0.05 else 'no'))
PY
done
