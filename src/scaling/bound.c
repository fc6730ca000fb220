/* The LMO convergence bound (seed 004 Eq. 2/10) and its proxies (Eqs. 3, 4, 5,
 * 11, App. B.2 leading proxy), all as one coefficient form; see scaling.h. */
#include "optsched/scaling.h"

#include <math.h>

int optsched_scaling_problem_check(const optsched_scaling_problem *p, optsched_error *err)
{
    if (!(p->delta0 > 0) || !isfinite(p->delta0))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--delta0: expected a number in (0,inf), got %g", p->delta0);
    if (!(p->L > 0) || !isfinite(p->L))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--smoothness: expected a number in (0,inf), got %g", p->L);
    if (!(p->sigma > 0) || !isfinite(p->sigma))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--noise-scale: expected a number in (0,inf), got %g",
                                  p->sigma);
    if (!(p->rho >= 1) || !isfinite(p->rho))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--rho: expected a number in [1,inf), got %g", p->rho);
    return OPTSCHED_OK;
}

int optsched_scaling_coeffs_init(const optsched_scaling_problem *p, optsched_scaling_form form,
                                 optsched_scaling_coeffs *c, optsched_error *err)
{
    int st = optsched_scaling_problem_check(p, err);
    if (st) return st;
    c->c1 = p->delta0;             /* C1 = D0 */
    c->c2 = 2.0 * p->rho * p->sigma; /* C2 = 2 rho sigma */
    switch (form) {
    case OPTSCHED_SCALING_BOUND: /* Eq. 10: 7L eta/2 + 2L eta/alpha, burn-in kept */
        c->c4 = 3.5 * p->L;
        c->c5 = 2.0 * p->L;
        c->burn = 1;
        break;
    case OPTSCHED_SCALING_PROXY: /* Eq. 3: C3 eta (1 + 1/alpha), C3 = 4L */
        c->c4 = c->c5 = 4.0 * p->L;
        c->burn = 1;
        break;
    case OPTSCHED_SCALING_SIMPLE: /* Eq. 5: Eq. 3 without the burn-in term */
        c->c4 = c->c5 = 4.0 * p->L;
        c->burn = 0;
        break;
    case OPTSCHED_SCALING_LEAD: /* App. B.2: C1/(eta K) + C2 sqrt(alpha/b) + C3 eta/alpha */
        c->c4 = 0.0;
        c->c5 = 4.0 * p->L;
        c->burn = 0;
        break;
    default:
        return optsched_error_set(err, OPTSCHED_EINVAL, "unknown proxy form %d", (int)form);
    }
    return OPTSCHED_OK;
}

optsched_scaling_coeffs optsched_scaling_coeffs_c123(double C1, double C2, double C3, int burn)
{
    optsched_scaling_coeffs c = {C1, C2, C3, C3, burn ? 1 : 0};
    return c;
}

double optsched_scaling_eval_K(const optsched_scaling_coeffs *c, double eta, double alpha,
                               double b, double K)
{
    double sb = sqrt(b);
    double v = c->c1 / (eta * K) + c->c2 * sqrt(alpha) / sb + (c->c4 + c->c5 / alpha) * eta;
    if (c->burn) v += c->c2 / (alpha * sb * K);
    return v;
}

double optsched_scaling_eval_T(const optsched_scaling_coeffs *c, double eta, double alpha,
                               double b, double T)
{
    return optsched_scaling_eval_K(c, eta, alpha, b, T / b);
}

double optsched_scaling_bound(const optsched_scaling_problem *p, double eta, double alpha,
                              double b, double K)
{
    /* Written out term by term as in Eq. 2 so that it checks the coefficient table. */
    double rs = p->rho * p->sigma;
    return p->delta0 / (eta * K) + 2.0 * rs / (alpha * sqrt(b) * K) + 2.0 * rs * sqrt(alpha / b) +
           3.5 * p->L * eta + 2.0 * p->L * eta / alpha;
}
