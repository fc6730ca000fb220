#include "optsched/model.h"

#include <math.h>
#include <stdlib.h>

void optsched_model_params_default(optsched_model_params *p)
{
    *p = (optsched_model_params){
        .modes = 10,
        .alpha = 1.0,
        .features = 2.0,
        .noise = 0.1,
        .tail = 0.0,
        .budget = 20.0,
        .horizon = 10.0,
        .eta_min = 1e-4,
        .eta_max = 0.5,
        .batch_min = 1.0,
        .batch_max = 256.0,
        .a0 = 1.0,
        .a0_modes = NULL,
    };
}

static int bad(optsched_error *err, const char *flag, const char *range, double got)
{
    return optsched_error_set(err, OPTSCHED_EINVAL, "%s: expected a number in %s, got %g", flag,
                              range, got);
}

static int validate(const optsched_model_params *p, optsched_error *err)
{
    if (p->modes < 1 || p->modes > OPTSCHED_MAX_MODES)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--modes: expected an integer in [1, %d], got %d",
                                  OPTSCHED_MAX_MODES, p->modes);
    if (!(p->alpha > 0 && p->alpha <= 8)) return bad(err, "--alpha", "(0, 8]", p->alpha);
    if (!(p->features > 0 && isfinite(p->features)))
        return bad(err, "--features", "(0, inf)", p->features);
    if (!(p->noise >= 0 && isfinite(p->noise))) return bad(err, "--noise", "[0, inf)", p->noise);
    if (!(p->tail >= 0 && isfinite(p->tail))) return bad(err, "--tail", "[0, inf)", p->tail);
    if (!(p->budget > 0 && isfinite(p->budget)))
        return bad(err, "--budget", "(0, inf)", p->budget);
    if (!(p->horizon > 0)) return bad(err, "--horizon", "(0, inf]", p->horizon);
    if (!(p->eta_min > 0 && isfinite(p->eta_min)))
        return bad(err, "--eta-min", "(0, inf)", p->eta_min);
    if (!(p->eta_max >= p->eta_min && isfinite(p->eta_max)))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--eta-max: expected a number in [--eta-min = %g, inf), got %g",
                                  p->eta_min, p->eta_max);
    if (!(p->batch_min > 0 && isfinite(p->batch_min)))
        return bad(err, "--batch-min", "(0, inf)", p->batch_min);
    if (!(p->batch_max >= p->batch_min && isfinite(p->batch_max)))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--batch-max: expected a number in [--batch-min = %g, inf), got %g",
                                  p->batch_min, p->batch_max);
    if (p->a0_modes) {
        for (int k = 0; k < p->modes; k++)
            if (!isfinite(p->a0_modes[k]))
                return optsched_error_set(err, OPTSCHED_EINVAL,
                                          "--a0: entry %d is not a finite number", k + 1);
    } else if (!isfinite(p->a0)) {
        return bad(err, "--a0", "(-inf, inf)", p->a0);
    }
    return OPTSCHED_OK;
}

int optsched_model_alloc(optsched_model **out, const optsched_model_params *p, optsched_error *err)
{
    *out = NULL;
    int st = validate(p, err);
    if (st) return st;
    optsched_model *m = calloc(1, sizeof *m);
    double *buf = m ? malloc(3 * (size_t)p->modes * sizeof *buf) : NULL;
    if (!buf) {
        free(m);
        return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory allocating the model");
    }
    m->K = p->modes;
    m->alpha = p->alpha;
    m->P = p->features;
    m->sigma2 = p->noise;
    m->tail = p->tail;
    m->C = p->budget;
    m->T = p->horizon;
    m->eta_min = p->eta_min;
    m->eta_max = p->eta_max;
    m->B_min = p->batch_min;
    m->B_max = p->batch_max;
    m->lambda = buf;
    m->sqrt_lambda = buf + m->K;
    m->a0 = buf + 2 * m->K;
    for (int k = 0; k < m->K; k++) {
        m->lambda[k] = pow((double)(k + 1), -m->alpha);
        m->sqrt_lambda[k] = sqrt(m->lambda[k]);
        m->a0[k] = p->a0_modes ? p->a0_modes[k] : p->a0;
    }
    *out = m;
    return OPTSCHED_OK;
}

void optsched_model_free(optsched_model *m)
{
    if (!m) return;
    free(m->lambda);
    free(m);
}

double optsched_model_ell(const optsched_model *m, const double *a)
{
    double s = 0;
    for (int k = 0; k < m->K; k++) s += m->lambda[k] * a[k] * a[k];
    return s;
}

double optsched_model_time_span(const optsched_model *m)
{
    return isfinite(m->T) ? m->T : m->C / m->B_min;
}
