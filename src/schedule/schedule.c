/* Schedules: names, defaults, validation, copies, text form, reports, and the
 * controls η(t), B(t) that the evaluators and the Monte Carlo read. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optsched/schedule.h"
#include "schedule/keys.h"
#include "schedule/shape.h"

#define FAM(f) (1u << (f))
#define ALL_FAMILIES ((1u << OPTSCHED_N_FAMILIES) - 1u)

const schedule_key schedule_keys[] = {
    {"eta", "eta0", KEY_ETA, offsetof(optsched_schedule, eta), ALL_FAMILIES},
    {"B", "batch", KEY_BATCH, offsetof(optsched_schedule, B), ALL_FAMILIES},
    {"eta_end", "eta_min", KEY_ETA, offsetof(optsched_schedule, eta_end),
     FAM(OPTSCHED_COSINE) | FAM(OPTSCHED_WARMUP_COSINE) | FAM(OPTSCHED_LINEAR)},
    {"warmup", "w", KEY_FRACTION, offsetof(optsched_schedule, warmup),
     FAM(OPTSCHED_WARMUP_COSINE) | FAM(OPTSCHED_WSD)},
    {"decay", "d", KEY_FRACTION, offsetof(optsched_schedule, decay), FAM(OPTSCHED_WSD)},
    {"decay_type", NULL, KEY_DECAY_TYPE, offsetof(optsched_schedule, decay_type), FAM(OPTSCHED_WSD)},
    {"min_ratio", "min_lr_ratio", KEY_FRACTION, offsetof(optsched_schedule, min_ratio),
     FAM(OPTSCHED_WSD)},
    {"milestones", NULL, KEY_MILESTONES, offsetof(optsched_schedule, milestones),
     FAM(OPTSCHED_PIECEWISE)},
    {"gamma", NULL, KEY_FRACTION_POS, offsetof(optsched_schedule, gamma), FAM(OPTSCHED_PIECEWISE)},
    {"cooldown", "c", KEY_FRACTION, offsetof(optsched_schedule, cooldown),
     FAM(OPTSCHED_CONST_COOLDOWN)},
    {"delta", NULL, KEY_NONNEG, offsetof(optsched_schedule, delta), FAM(OPTSCHED_BORDELON)},
    {"frac", "f", KEY_FRACTION_POS, offsetof(optsched_schedule, frac), FAM(OPTSCHED_BORDELON)},
};
const int schedule_n_keys = (int)(sizeof schedule_keys / sizeof schedule_keys[0]);

double *schedule_key_field(optsched_schedule *s, const schedule_key *k)
{
    return (double *)((char *)s + k->offset);
}

double schedule_key_value(const optsched_schedule *s, const schedule_key *k)
{
    if (k->kind == KEY_DECAY_TYPE) return s->decay_type;
    return *(const double *)((const char *)s + k->offset);
}

void schedule_key_range(const schedule_key *k, const optsched_model *m, char *buf, size_t len)
{
    switch (k->kind) {
    case KEY_ETA: snprintf(buf, len, "[%g, %g] (--eta-min, --eta-max)", m->eta_min, m->eta_max); break;
    case KEY_BATCH: snprintf(buf, len, "[%g, %g] (--batch-min, --batch-max)", m->B_min, m->B_max); break;
    case KEY_FRACTION: snprintf(buf, len, "[0, 1]"); break;
    case KEY_FRACTION_POS: snprintf(buf, len, "(0, 1]"); break;
    case KEY_NONNEG: snprintf(buf, len, "[0, inf)"); break;
    case KEY_DECAY_TYPE: snprintf(buf, len, "{linear, cosine, 1-sqrt}"); break;
    case KEY_MILESTONES: snprintf(buf, len, "fractions in [0, 1], non-decreasing, at most %d",
                                  OPTSCHED_MAX_MILESTONES); break;
    }
}

static const char *const family_names[] = {
    "constant", "cosine", "warmup_cosine", "wsd", "linear", "piecewise", "const_cooldown",
    "bordelon", "array"};

const char *optsched_family_name(optsched_family f)
{
    return (unsigned)f <= OPTSCHED_ARRAY ? family_names[f] : "?";
}

int optsched_family_from_name(const char *name, optsched_family *f)
{
    for (int i = 0; i <= OPTSCHED_ARRAY; i++)
        if (!strcmp(name, family_names[i])) {
            *f = (optsched_family)i;
            return 0;
        }
    return -1;
}

static const char *const decay_names[] = {"linear", "cosine", "1-sqrt"};

const char *optsched_decay_type_name(int t)
{
    return t >= 0 && t <= 2 ? decay_names[t] : "?";
}

void optsched_schedule_init(optsched_schedule *s, optsched_family f, const optsched_model *m)
{
    memset(s, 0, sizeof *s);
    s->family = f;
    s->eta = m->eta_max;
    s->B = m->B_min;
    s->eta_end = m->eta_min;
    s->warmup = f == OPTSCHED_WARMUP_COSINE ? 0.05 : 0.0;
    s->decay = 0.2;
    s->decay_type = OPTSCHED_DECAY_LINEAR;
    s->min_ratio = 0.0;
    s->n_milestones = 2;
    s->milestones[0] = 0.5;
    s->milestones[1] = 0.75;
    s->gamma = 0.1;
    s->cooldown = 0.2;
    s->delta = 1.0;
    s->frac = 1.0;
}

static int in_range(const schedule_key *k, const optsched_model *m, double x)
{
    switch (k->kind) {
    case KEY_ETA: return x >= m->eta_min && x <= m->eta_max;
    case KEY_BATCH: return x >= m->B_min && x <= m->B_max;
    case KEY_FRACTION: return x >= 0 && x <= 1;
    case KEY_FRACTION_POS: return x > 0 && x <= 1;
    case KEY_NONNEG: return x >= 0 && isfinite(x);
    case KEY_DECAY_TYPE: return x == 0 || x == 1 || x == 2;
    case KEY_MILESTONES: return 1;
    }
    return 0;
}

static int validate_arrays(const optsched_schedule *s, const optsched_model *m, optsched_error *err)
{
    if (s->n < 1 || s->n > OPTSCHED_MAX_PIECES)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "schedule array: expected 1 to %d pieces, got %d",
                                  OPTSCHED_MAX_PIECES, s->n);
    for (int i = 0; i < s->n; i++) {
        if (i == 0 ? s->t[0] != 0 : !(s->t[i] > s->t[i - 1] && isfinite(s->t[i])))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "schedule array: t must start at 0 and increase strictly "
                                      "(row %d has t = %g)", i + 1, s->t[i]);
        if (!(s->eta_v[i] >= m->eta_min && s->eta_v[i] <= m->eta_max))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "schedule array: eta at row %d is %g, expected [%g, %g] "
                                      "(--eta-min, --eta-max)", i + 1, s->eta_v[i], m->eta_min,
                                      m->eta_max);
        if (!(s->B_v[i] >= m->B_min && s->B_v[i] <= m->B_max))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "schedule array: B at row %d is %g, expected [%g, %g] "
                                      "(--batch-min, --batch-max)", i + 1, s->B_v[i], m->B_min,
                                      m->B_max);
    }
    return OPTSCHED_OK;
}

int optsched_schedule_validate(const optsched_schedule *s, const optsched_model *m,
                               optsched_error *err)
{
    if (s->family == OPTSCHED_ARRAY) return validate_arrays(s, m, err);
    if ((unsigned)s->family >= OPTSCHED_N_FAMILIES)
        return optsched_error_set(err, OPTSCHED_EINVAL, "schedule: unknown family %d", s->family);
    char range[128];
    for (int i = 0; i < schedule_n_keys; i++) {
        const schedule_key *k = &schedule_keys[i];
        if (!(k->families & (1u << s->family)) || k->kind == KEY_MILESTONES) continue;
        double x = schedule_key_value(s, k);
        if (!in_range(k, m, x)) {
            schedule_key_range(k, m, range, sizeof range);
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "schedule key '%s' of %s: expected %s, got %g", k->name,
                                      optsched_family_name(s->family), range, x);
        }
    }
    if (s->family == OPTSCHED_WSD && s->warmup + s->decay > 1 + 1e-12)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "schedule keys 'warmup' + 'decay' of wsd: expected a sum in "
                                  "[0, 1], got %g + %g", s->warmup, s->decay);
    if (s->family == OPTSCHED_PIECEWISE) {
        if (s->n_milestones < 0 || s->n_milestones > OPTSCHED_MAX_MILESTONES)
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "schedule key 'milestones': at most %d values",
                                      OPTSCHED_MAX_MILESTONES);
        for (int i = 0; i < s->n_milestones; i++)
            if (!(s->milestones[i] >= 0 && s->milestones[i] <= 1) ||
                (i > 0 && s->milestones[i] < s->milestones[i - 1]))
                return optsched_error_set(err, OPTSCHED_EINVAL,
                                          "schedule key 'milestones': expected non-decreasing "
                                          "fractions in [0, 1], got %g at position %d",
                                          s->milestones[i], i + 1);
    }
    return OPTSCHED_OK;
}

int optsched_schedule_from_arrays(optsched_schedule *s, int n, const double *t, const double *eta,
                                  const double *B, const optsched_model *m, optsched_error *err)
{
    memset(s, 0, sizeof *s);
    s->family = OPTSCHED_ARRAY;
    if (n < 1 || n > OPTSCHED_MAX_PIECES)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "schedule array: expected 1 to %d pieces, got %d",
                                  OPTSCHED_MAX_PIECES, n);
    double *buf = malloc(3 * (size_t)n * sizeof *buf);
    if (!buf) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (schedule array)");
    s->n = n;
    s->t = buf;
    s->eta_v = buf + n;
    s->B_v = buf + 2 * n;
    memcpy(s->t, t, (size_t)n * sizeof *t);
    memcpy(s->eta_v, eta, (size_t)n * sizeof *eta);
    memcpy(s->B_v, B, (size_t)n * sizeof *B);
    int st = validate_arrays(s, m, err);
    if (st) optsched_schedule_clear(s);
    return st;
}

int optsched_schedule_copy(optsched_schedule *dst, const optsched_schedule *src)
{
    *dst = *src;
    if (src->family != OPTSCHED_ARRAY) return OPTSCHED_OK;
    double *buf = malloc(3 * (size_t)src->n * sizeof *buf);
    if (!buf) {
        dst->t = dst->eta_v = dst->B_v = NULL;
        dst->n = 0;
        return OPTSCHED_ENOMEM;
    }
    dst->t = buf;
    dst->eta_v = buf + src->n;
    dst->B_v = buf + 2 * src->n;
    memcpy(dst->t, src->t, (size_t)src->n * sizeof *buf);
    memcpy(dst->eta_v, src->eta_v, (size_t)src->n * sizeof *buf);
    memcpy(dst->B_v, src->B_v, (size_t)src->n * sizeof *buf);
    return OPTSCHED_OK;
}

void optsched_schedule_clear(optsched_schedule *s)
{
    if (s->family == OPTSCHED_ARRAY) free(s->t);
    s->t = s->eta_v = s->B_v = NULL;
    s->n = 0;
}

#define APPEND(...)                                                        \
    do {                                                                   \
        int w_ = snprintf(buf + (used < len ? used : len), used < len ? len - used : 0, __VA_ARGS__); \
        if (w_ > 0) used += (size_t)w_;                                    \
    } while (0)

size_t optsched_schedule_format(const optsched_schedule *s, char *buf, size_t len)
{
    size_t used = 0;
    if (len) buf[0] = '\0';
    APPEND("%s:", optsched_family_name(s->family));
    if (s->family == OPTSCHED_ARRAY) {
        const double *cols[3] = {s->t, s->eta_v, s->B_v};
        const char *names[3] = {"t", "eta", "B"};
        for (int c = 0; c < 3; c++) {
            APPEND("%s%s=", c ? "," : "", names[c]);
            for (int i = 0; i < s->n; i++) APPEND("%s%.10g", i ? "/" : "", cols[c][i]);
        }
        return used;
    }
    int first = 1;
    for (int i = 0; i < schedule_n_keys; i++) {
        const schedule_key *k = &schedule_keys[i];
        if (!(k->families & (1u << s->family))) continue;
        APPEND("%s%s=", first ? "" : ",", k->name);
        first = 0;
        if (k->kind == KEY_DECAY_TYPE)
            APPEND("%s", optsched_decay_type_name(s->decay_type));
        else if (k->kind == KEY_MILESTONES)
            for (int j = 0; j < s->n_milestones; j++) APPEND("%s%.10g", j ? "/" : "", s->milestones[j]);
        else
            APPEND("%.10g", schedule_key_value(s, k));
    }
    return used;
}

int optsched_schedule_params(const optsched_schedule *s, const char **keys, double *values, int max)
{
    int n = 0;
    if (s->family == OPTSCHED_ARRAY) return 0;
    for (int i = 0; i < schedule_n_keys && n < max; i++) {
        const schedule_key *k = &schedule_keys[i];
        if (!(k->families & (1u << s->family))) continue;
        if (k->kind == KEY_MILESTONES) {
            for (int j = 0; j < s->n_milestones && n < max; j++) {
                keys[n] = "milestones";
                values[n++] = s->milestones[j];
            }
            continue;
        }
        keys[n] = k->name;
        values[n++] = schedule_key_value(s, k);
    }
    return n;
}

double optsched_schedule_t_end(const optsched_schedule *s, const optsched_model *m)
{
    if (s->family != OPTSCHED_ARRAY) return fmin(m->T, m->C / s->B);
    double used = 0;
    for (int i = 0; i < s->n; i++) {
        double t0 = s->t[i];
        if (t0 >= m->T) return m->T;
        double t1 = i + 1 < s->n ? s->t[i + 1] : INFINITY;
        double left = m->C - used;
        if (s->B_v[i] * (t1 - t0) >= left) return fmin(m->T, t0 + left / s->B_v[i]);
        used += s->B_v[i] * (t1 - t0);
    }
    return m->T; /* unreachable: the last piece is open-ended */
}

static int array_piece(const optsched_schedule *s, double t)
{
    int lo = 0, hi = s->n - 1; /* largest i with t[i] <= t */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (s->t[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

void optsched_schedule_controls(const optsched_schedule *s, const optsched_model *m, double t,
                                double *eta, double *B)
{
    if (s->family == OPTSCHED_ARRAY) {
        int i = array_piece(s, t);
        *eta = s->eta_v[i];
        *B = s->B_v[i];
        return;
    }
    double t_end = fmin(m->T, m->C / s->B);
    double e = schedule_shape(s, t_end > 0 ? t / t_end : 0);
    *eta = fmin(m->eta_max, fmax(m->eta_min, e));
    *B = s->B;
}
