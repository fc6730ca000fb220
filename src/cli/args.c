#include "cli/args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int cli_parse_double(const char *s, double *out, int allow_inf)
{
    if (!s || !*s) return 0;
    if (!strcasecmp(s, "inf") || !strcasecmp(s, "+inf") || !strcasecmp(s, "infinity")) {
        if (!allow_inf) return 0;
        *out = INFINITY;
        return 1;
    }
    char *end = NULL;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(x)) return 0;
    *out = x;
    return 1;
}

/* Range strings: "(lo,hi]" with brackets marking closed ends; "inf" as hi means
 * unbounded, and "inf]" means infinity itself is accepted. */
static int parse_range(const char *r, double *lo, double *hi, int *lo_closed, int *hi_closed)
{
    if (!r || (r[0] != '(' && r[0] != '[')) return 0;
    *lo_closed = r[0] == '[';
    const char *comma = strchr(r, ',');
    size_t len = strlen(r);
    if (!comma || len < 4) return 0;
    char a[64], b[64];
    size_t la = (size_t)(comma - r - 1), lb = len - (size_t)(comma - r) - 2;
    if (la >= sizeof a || lb >= sizeof b) return 0;
    memcpy(a, r + 1, la); a[la] = '\0';
    memcpy(b, comma + 1, lb); b[lb] = '\0';
    *hi_closed = r[len - 1] == ']';
    char *e;
    *lo = !strcmp(a, "-inf") ? -INFINITY : strtod(a, &e);
    *hi = !strcmp(b, "inf") ? INFINITY : strtod(b, &e);
    return 1;
}

int cli_range_contains(const char *range, double x)
{
    double lo, hi;
    int lc, hc;
    if (!range) return isfinite(x);
    if (!parse_range(range, &lo, &hi, &lc, &hc)) return isfinite(x);
    if (isnan(x)) return 0;
    if (lc ? x < lo : x <= lo) return 0;
    if (hc ? x > hi : x >= hi) return 0;
    return 1;
}

static int range_allows_inf(const char *range)
{
    size_t n = range ? strlen(range) : 0;
    return n >= 4 && !strcmp(range + n - 4, "inf]");
}

static cli_arg *find(cli_arg *t, int n, const char *name, size_t len)
{
    for (int i = 0; i < n; i++)
        if (strlen(t[i].name) == len && !strncmp(t[i].name, name, len)) return &t[i];
    return NULL;
}

int cli_args_parse(int argc, char **argv, cli_arg *table, int n, const char **pos, int npos,
                   int *npos_seen, int *help, optsched_error *err)
{
    int np = 0;
    if (help) *help = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            if (help) *help = 1;
            return OPTSCHED_OK;
        }
        if (strncmp(a, "--", 2) != 0) {
            if (np < npos && pos) {
                pos[np++] = a;
                continue;
            }
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "unexpected argument '%s' (see --help)", a);
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        cli_arg *f = find(table, n, a, len);
        if (!f)
            return optsched_error_set(err, OPTSCHED_EINVAL, "unknown flag '%.*s' (see --help)",
                                      (int)len, a);
        f->seen = 1;
        if (f->type == CLI_FLAG) {
            if (eq)
                return optsched_error_set(err, OPTSCHED_EINVAL, "%s takes no value", f->name);
            *(int *)f->dest = 1;
            continue;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (v && !eq && v[0] == '-' && v[1] == '-') v = NULL; /* "--alpha --out x" */
        if (!v)
            return optsched_error_set(err, OPTSCHED_EINVAL, "%s needs a value", f->name);
        if (f->type == CLI_STRING) {
            if (!*v)
                return optsched_error_set(err, OPTSCHED_EINVAL, "%s: empty value", f->name);
            *(const char **)f->dest = v;
            continue;
        }
        double x;
        int inf_ok = range_allows_inf(f->range);
        const char *want = f->range ? f->range : "finite numbers";
        if (!cli_parse_double(v, &x, inf_ok) || !cli_range_contains(f->range, x) ||
            (f->type == CLI_INT && x != floor(x)))
            return optsched_error_set(err, OPTSCHED_EINVAL, "%s: expected %s in %s, got '%s'",
                                      f->name, f->type == CLI_INT ? "an integer" : "a number",
                                      want, v);
        if (f->type == CLI_INT)
            *(int *)f->dest = (int)x;
        else
            *(double *)f->dest = x;
    }
    if (npos_seen) *npos_seen = np;
    return OPTSCHED_OK;
}

void cli_args_print_help(FILE *f, const char *usage, const cli_arg *table, int n)
{
    fprintf(f, "%s\n\nOptions:\n", usage);
    for (int i = 0; i < n; i++) {
        char left[64];
        const char *meta = table[i].type == CLI_FLAG     ? ""
                           : table[i].type == CLI_STRING ? " S"
                           : table[i].type == CLI_INT    ? " N"
                                                         : " X";
        snprintf(left, sizeof left, "%s%s", table[i].name, meta);
        fprintf(f, "  %-22s %s", left, table[i].help ? table[i].help : "");
        if (table[i].range) fprintf(f, "  %s", table[i].range);
        fputc('\n', f);
    }
    fprintf(f, "  %-22s %s\n", "--help", "this text");
}
