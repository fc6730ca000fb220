#!/usr/bin/env bash
# make install PREFIX=... installs the command, the library, the headers and a
# pkg-config file with which a program builds and links against liboptsched.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
san=; [ "${BUILD:-build}" = build-san ] && san=1
make --no-print-directory -s install PREFIX="$tmp/prefix" SAN=$san >/dev/null
test -x "$tmp/prefix/bin/optsched"
test -f "$tmp/prefix/include/optsched/exact.h"
cat >"$tmp/use.c" <<'C'
#include <optsched/exact.h>
#include <stdio.h>
int main(void)
{
    optsched_model_params p;
    optsched_model_params_default(&p);
    optsched_model *m;
    optsched_error e;
    optsched_schedule s;
    optsched_exact_result r;
    if (optsched_model_alloc(&m, &p, &e) || optsched_schedule_parse(&s, "constant:eta=0.5,B=2", m, &e) ||
        optsched_exact_eval(m, &s, &r, &e))
        return 1;
    printf("%.8f\n", r.expected_loss);
    optsched_model_free(m);
    return 0;
}
C
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs --static optsched)
[ -n "$san" ] && flags="$flags -fsanitize=address,undefined"
gcc -std=c11 "$tmp/use.c" $flags -o "$tmp/use"
out=$("$tmp/use")
echo "installed library computes $out (expected 0.10580355)"
[ "$out" = "0.10580355" ]
