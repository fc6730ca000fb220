/* The text form of a schedule: "FAMILY:key=value,...", "array:t=..,eta=..,B=..",
 * and "file:PATH.csv". Every failure names the key (or the file and row). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optsched/schedule.h"
#include "schedule/keys.h"

static int parse_number(const char *s, size_t len, double *out)
{
    char tmp[64];
    if (len == 0 || len >= sizeof tmp) return 0;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    double x = strtod(tmp, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(x)) return 0;
    *out = x;
    return 1;
}

/* Splits "v1/v2/..." into at most max numbers; returns the count or -1. */
static int parse_list(const char *s, size_t len, double *out, int max)
{
    int n = 0;
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && s[j] != '/') j++;
        if (n >= max || !parse_number(s + i, j - i, &out[n])) return -1;
        n++;
        i = j + 1;
    }
    return n;
}

static const schedule_key *find_key(const char *name, size_t len)
{
    for (int i = 0; i < schedule_n_keys; i++) {
        const schedule_key *k = &schedule_keys[i];
        if ((strlen(k->name) == len && !strncmp(k->name, name, len)) ||
            (k->alias && strlen(k->alias) == len && !strncmp(k->alias, name, len)))
            return k;
    }
    return NULL;
}

static void family_keys(optsched_family f, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < schedule_n_keys; i++)
        if (schedule_keys[i].families & (1u << f)) {
            int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", schedule_keys[i].name);
            if (w < 0 || (size_t)w >= len - used) break;
            used += (size_t)w;
        }
}

static int parse_family(optsched_schedule *s, optsched_family fam, const char *body,
                        const optsched_model *m, optsched_error *err)
{
    optsched_schedule_init(s, fam, m);
    const char *fname = optsched_family_name(fam);
    char keys[256];
    const char *p = body;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq) {
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "schedule: expected key=value in '%.*s' (%s takes: %s)",
                                      (int)len, p, fname,
                                      (family_keys(fam, keys, sizeof keys), keys));
        }
        size_t klen = (size_t)(eq - p), vlen = len - klen - 1;
        const char *v = eq + 1;
        const schedule_key *k = find_key(p, klen);
        if (!k || !(k->families & (1u << fam))) {
            family_keys(fam, keys, sizeof keys);
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "schedule: unknown key '%.*s' for %s (accepted: %s)",
                                      (int)klen, p, fname, keys);
        }
        char range[128];
        schedule_key_range(k, m, range, sizeof range);
        if (k->kind == KEY_DECAY_TYPE) {
            int t = -1;
            for (int i = 0; i < 3; i++)
                if (strlen(optsched_decay_type_name(i)) == vlen &&
                    !strncmp(v, optsched_decay_type_name(i), vlen))
                    t = i;
            if (vlen == 4 && !strncmp(v, "sqrt", 4)) t = OPTSCHED_DECAY_SQRT;
            if (t < 0)
                return optsched_error_set(err, OPTSCHED_EINVAL,
                                          "schedule key 'decay_type': expected one of %s, got '%.*s'",
                                          range, (int)vlen, v);
            s->decay_type = t;
        } else if (k->kind == KEY_MILESTONES) {
            int n = parse_list(v, vlen, s->milestones, OPTSCHED_MAX_MILESTONES);
            if (n < 0)
                return optsched_error_set(err, OPTSCHED_EINVAL,
                                          "schedule key 'milestones': expected %s separated by '/', "
                                          "got '%.*s'", range, (int)vlen, v);
            s->n_milestones = n;
        } else {
            double x;
            if (!parse_number(v, vlen, &x))
                return optsched_error_set(err, OPTSCHED_EINVAL,
                                          "schedule key '%s': expected a number in %s, got '%.*s'",
                                          k->name, range, (int)vlen, v);
            *schedule_key_field(s, k) = x;
        }
        p = comma ? comma + 1 : p + len;
    }
    return optsched_schedule_validate(s, m, err);
}

static int parse_inline_array(optsched_schedule *s, const char *body, const optsched_model *m,
                              optsched_error *err)
{
    /* array:t=0/2/5,eta=0.5/0.3/0.1,B=1/2/4 */
    const char *names[3] = {"t", "eta", "B"};
    double *cols[3] = {NULL, NULL, NULL};
    int counts[3] = {-1, -1, -1};
    int st = OPTSCHED_OK;
    int cap = 1;
    for (const char *q = body; *q; q++) cap += *q == '/';
    const char *p = body;
    while (*p && st == OPTSCHED_OK) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        int c = -1;
        for (int i = 0; i < 3 && eq; i++)
            if ((size_t)(eq - p) == strlen(names[i]) && !strncmp(p, names[i], strlen(names[i]))) c = i;
        if (c < 0) {
            st = optsched_error_set(err, OPTSCHED_EINVAL,
                                    "schedule: unknown key in '%.*s' for array (accepted: t, eta, B)",
                                    (int)len, p);
            break;
        }
        free(cols[c]);
        cols[c] = malloc((size_t)cap * sizeof(double));
        if (!cols[c]) {
            st = optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (schedule array)");
            break;
        }
        counts[c] = parse_list(eq + 1, len - (size_t)(eq - p) - 1, cols[c], cap);
        if (counts[c] < 0)
            st = optsched_error_set(err, OPTSCHED_EINVAL,
                                    "schedule key '%s' of array: expected numbers separated by '/'",
                                    names[c]);
        p = comma ? comma + 1 : p + len;
    }
    if (st == OPTSCHED_OK) {
        for (int c = 0; c < 3 && st == OPTSCHED_OK; c++)
            if (counts[c] < 0)
                st = optsched_error_set(err, OPTSCHED_EINVAL, "schedule: array needs key '%s'",
                                        names[c]);
        if (st == OPTSCHED_OK && (counts[1] != counts[0] || counts[2] != counts[0]))
            st = optsched_error_set(err, OPTSCHED_EINVAL,
                                    "schedule: array keys t, eta, B need equal lengths (got %d, %d, %d)",
                                    counts[0], counts[1], counts[2]);
        if (st == OPTSCHED_OK)
            st = optsched_schedule_from_arrays(s, counts[0], cols[0], cols[1], cols[2], m, err);
    }
    for (int c = 0; c < 3; c++) free(cols[c]);
    return st;
}

static int parse_csv(optsched_schedule *s, const char *path, const optsched_model *m,
                     optsched_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return optsched_error_set(err, OPTSCHED_EINVAL, "schedule file '%s': cannot open (%s)", path,
                                  strerror(errno));
    int cap = 256, n = 0, row = 0, st = OPTSCHED_OK;
    double *t = malloc((size_t)cap * sizeof *t), *e = malloc((size_t)cap * sizeof *e),
           *b = malloc((size_t)cap * sizeof *b);
    char line[1024];
    if (!t || !e || !b) st = optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (schedule file)");
    while (st == OPTSCHED_OK && fgets(line, sizeof line, f)) {
        row++;
        size_t len = strcspn(line, "\r\n");
        line[len] = '\0';
        if (len == 0 || line[0] == '#') continue;
        double x[3];
        char *p = line, *end;
        int ok = 1;
        for (int c = 0; c < 3 && ok; c++) {
            errno = 0;
            x[c] = strtod(p, &end);
            ok = end != p && errno != ERANGE && isfinite(x[c]);
            while (*end == ' ' || *end == '\t') end++;
            if (c < 2) ok = ok && *end == ',';
            p = end + (c < 2);
        }
        ok = ok && *p == '\0';
        if (!ok) {
            if (n == 0 && row == 1 && strchr(line, 't')) continue; /* header line */
            st = optsched_error_set(err, OPTSCHED_EINVAL,
                                    "schedule file '%s': row %d: expected 't,eta,B' numbers, got '%s'",
                                    path, row, line);
            break;
        }
        if (n == cap) {
            cap *= 2;
            double *t2 = realloc(t, (size_t)cap * sizeof *t);
            if (t2) t = t2;
            double *e2 = realloc(e, (size_t)cap * sizeof *e);
            if (e2) e = e2;
            double *b2 = realloc(b, (size_t)cap * sizeof *b);
            if (b2) b = b2;
            if (!t2 || !e2 || !b2) {
                st = optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (schedule file)");
                break;
            }
        }
        if (n >= OPTSCHED_MAX_PIECES) {
            st = optsched_error_set(err, OPTSCHED_EINVAL, "schedule file '%s': more than %d rows",
                                    path, OPTSCHED_MAX_PIECES);
            break;
        }
        t[n] = x[0];
        e[n] = x[1];
        b[n] = x[2];
        n++;
    }
    fclose(f);
    if (st == OPTSCHED_OK && n == 0)
        st = optsched_error_set(err, OPTSCHED_EINVAL, "schedule file '%s': no rows (columns t,eta,B)",
                                path);
    if (st == OPTSCHED_OK) {
        st = optsched_schedule_from_arrays(s, n, t, e, b, m, err);
        if (st == OPTSCHED_EINVAL) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            optsched_error_set(err, st, "schedule file '%.200s': %.300s", path, msg);
        }
    }
    free(t);
    free(e);
    free(b);
    return st;
}

int optsched_schedule_parse(optsched_schedule *s, const char *spec, const optsched_model *m,
                            optsched_error *err)
{
    memset(s, 0, sizeof *s);
    if (!spec || !*spec)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--schedule: empty (expected FAMILY:key=value,... or file:PATH.csv)");
    const char *colon = strchr(spec, ':');
    size_t flen = colon ? (size_t)(colon - spec) : strlen(spec);
    const char *body = colon ? colon + 1 : "";
    char fname[32];
    if (flen >= sizeof fname) flen = sizeof fname - 1;
    memcpy(fname, spec, flen);
    fname[flen] = '\0';
    if (!strcmp(fname, "file")) {
        if (!*body)
            return optsched_error_set(err, OPTSCHED_EINVAL, "--schedule file: needs a path (file:PATH.csv)");
        return parse_csv(s, body, m, err);
    }
    optsched_family fam;
    if (optsched_family_from_name(fname, &fam) != 0)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--schedule: unknown family '%s' (expected constant, cosine, "
                                  "warmup_cosine, wsd, linear, piecewise, const_cooldown, bordelon, "
                                  "array, or file:PATH.csv)", fname);
    int st = fam == OPTSCHED_ARRAY ? parse_inline_array(s, body, m, err)
                                   : parse_family(s, fam, body, m, err);
    if (st) optsched_schedule_clear(s);
    return st;
}
