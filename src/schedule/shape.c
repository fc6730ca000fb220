/* The baseline families' shapes η(s) on the run fraction s = t / t_end (SPEC §2),
 * and where each has kinks: the exact evaluator integrates smooth pieces and
 * propagates constant pieces exactly, so it needs both. */
#include "schedule/shape.h"

#include <math.h>

static double cosine_between(double from, double to, double p)
{
    return to + (from - to) * 0.5 * (1.0 + cos(M_PI * p));
}

double schedule_shape(const optsched_schedule *s, double x)
{
    const double e0 = s->eta;
    switch (s->family) {
    case OPTSCHED_CONSTANT:
        return e0;
    case OPTSCHED_COSINE:
        return cosine_between(e0, s->eta_end, x);
    case OPTSCHED_WARMUP_COSINE:
        if (x < s->warmup) return e0 * x / s->warmup;
        return s->warmup >= 1 ? e0 : cosine_between(e0, s->eta_end, (x - s->warmup) / (1 - s->warmup));
    case OPTSCHED_WSD: {
        if (x < s->warmup) return e0 * x / s->warmup;
        if (x < 1 - s->decay || s->decay <= 0) return e0;
        double p = (x - (1 - s->decay)) / s->decay, f;
        switch (s->decay_type) {
        case OPTSCHED_DECAY_COSINE: f = 0.5 * (1 + cos(M_PI * p)); break;
        case OPTSCHED_DECAY_SQRT: f = 1 - sqrt(p); break;
        default: f = 1 - p; break;
        }
        return e0 * (s->min_ratio + (1 - s->min_ratio) * f);
    }
    case OPTSCHED_LINEAR:
        return e0 + (s->eta_end - e0) * x;
    case OPTSCHED_PIECEWISE: {
        double e = e0;
        for (int i = 0; i < s->n_milestones; i++)
            if (x >= s->milestones[i]) e *= s->gamma;
        return e;
    }
    case OPTSCHED_CONST_COOLDOWN:
        if (x < 1 - s->cooldown || s->cooldown <= 0) return e0;
        return e0 * (1 - x) / s->cooldown;
    case OPTSCHED_BORDELON:
        if (x < 1 - s->frac) return e0;
        return e0 * pow(fmax(0.0, (1 - x) / s->frac), s->delta);
    case OPTSCHED_ARRAY:
        break;
    }
    return e0;
}

static int add_point(double *bp, int n, int max, double x)
{
    if (!(x > 0 && x < 1) || n >= max) return n;
    for (int i = 0; i < n; i++)
        if (bp[i] == x) return n;
    int i = n;
    while (i > 0 && bp[i - 1] > x) {
        bp[i] = bp[i - 1];
        i--;
    }
    bp[i] = x;
    return n + 1;
}

int schedule_breakpoints(const optsched_schedule *s, double *bp, int max)
{
    int n = 0;
    switch (s->family) {
    case OPTSCHED_WARMUP_COSINE: n = add_point(bp, n, max, s->warmup); break;
    case OPTSCHED_WSD:
        n = add_point(bp, n, max, s->warmup);
        n = add_point(bp, n, max, 1 - s->decay);
        break;
    case OPTSCHED_PIECEWISE:
        for (int i = 0; i < s->n_milestones; i++) n = add_point(bp, n, max, s->milestones[i]);
        break;
    case OPTSCHED_CONST_COOLDOWN: n = add_point(bp, n, max, 1 - s->cooldown); break;
    case OPTSCHED_BORDELON: n = add_point(bp, n, max, 1 - s->frac); break;
    default: break;
    }
    return n;
}

int schedule_piece_is_constant(const optsched_schedule *s, double s0, double s1)
{
    double mid = 0.5 * (s0 + s1);
    switch (s->family) {
    case OPTSCHED_CONSTANT:
    case OPTSCHED_PIECEWISE: return 1;
    case OPTSCHED_WSD: return mid > s->warmup && mid < 1 - s->decay;
    case OPTSCHED_CONST_COOLDOWN: return mid < 1 - s->cooldown;
    case OPTSCHED_BORDELON: return mid < 1 - s->frac || s->delta == 0;
    case OPTSCHED_COSINE:
    case OPTSCHED_LINEAR: return s->eta_end == s->eta;
    default: return 0;
    }
}
