/* Budget transfer rules of seed 004, Appendix A: Table 2 (batch held between the
 * tuning run and the long run, or chosen by the regime) and Table 3 (batch
 * changed by the user between the two). Pure power laws, so T0 -> T1 -> T0 is the
 * identity up to rounding. */
#include "optsched/scaling.h"

#include <math.h>
#include <strings.h>

int optsched_scaling_regime_parse(const char *s)
{
    if (!s) return -1;
    if (!strcasecmp(s, "A")) return OPTSCHED_SCALING_REGIME_A;
    if (!strcasecmp(s, "B")) return OPTSCHED_SCALING_REGIME_B;
    if (!strcasecmp(s, "C")) return OPTSCHED_SCALING_REGIME_C;
    if (!strcasecmp(s, "D")) return OPTSCHED_SCALING_REGIME_D;
    if (!strcasecmp(s, "sgd")) return OPTSCHED_SCALING_REGIME_SGD;
    return -1;
}

const char *optsched_scaling_regime_name(int regime)
{
    static const char *names[] = {"A", "B", "C", "D", "sgd"};
    return regime >= 0 && regime <= OPTSCHED_SCALING_REGIME_SGD ? names[regime] : "?";
}

static int bad(optsched_error *err, const char *flag, const char *range, double x)
{
    return optsched_error_set(err, OPTSCHED_EINVAL, "%s: expected a number in %s, got %g", flag,
                              range, x);
}

int optsched_scaling_transfer(int regime, const optsched_scaling_config *from0, double T1,
                              double b1, optsched_scaling_config *to1, optsched_error *err)
{
    double T0 = from0->tokens, eta0 = from0->eta, a0 = from0->alpha, b0 = from0->batch;
    if (regime < 0 || regime > OPTSCHED_SCALING_REGIME_SGD)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--regime: expected one of A, B, C, D, sgd");
    if (!(T0 > 0) || !isfinite(T0)) return bad(err, "--tokens0", "(0,inf)", T0);
    if (!(T1 > 0) || !isfinite(T1)) return bad(err, "--tokens1", "(0,inf)", T1);
    if (!(eta0 > 0) || !isfinite(eta0)) return bad(err, "--eta0", "(0,inf)", eta0);
    if (!(b0 > 0) || !isfinite(b0)) return bad(err, "--batch0", "(0,inf)", b0);
    if (regime != OPTSCHED_SCALING_REGIME_SGD && !(a0 > 0 && a0 <= 1))
        return bad(err, "--alpha0", "(0,1]", a0);
    int batch_given = b1 > 0 && isfinite(b1);
    if (!batch_given && !(isnan(b1) || b1 <= 0)) return bad(err, "--batch1", "(0,inf)", b1);
    if (batch_given &&
        (regime == OPTSCHED_SCALING_REGIME_C || regime == OPTSCHED_SCALING_REGIME_D))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--batch1: not accepted with --regime %s (the regime sets the "
                                  "batch; use A, B or sgd)",
                                  optsched_scaling_regime_name(regime));
    double r = T0 / T1; /* the rules are written in T0/T1 */
    double bb = batch_given ? b1 / b0 : 1.0;
    to1->tokens = T1;
    switch (regime) {
    case OPTSCHED_SCALING_REGIME_A: /* Table 2 (A); Table 3 row 1 when b changes */
        to1->batch = b0 * bb;
        to1->alpha = a0;
        to1->eta = eta0 * sqrt(bb) * sqrt(r);
        break;
    case OPTSCHED_SCALING_REGIME_B: /* Table 2 (B); Table 3 row 2 */
        to1->batch = b0 * bb;
        to1->alpha = a0 * bb * sqrt(r);
        to1->eta = eta0 * bb * pow(r, 0.75);
        break;
    case OPTSCHED_SCALING_REGIME_C: /* Table 2 (C) */
        to1->batch = b0 * pow(r, -0.5);
        to1->alpha = a0;
        to1->eta = eta0 * pow(r, 0.25);
        break;
    case OPTSCHED_SCALING_REGIME_D: /* Table 2 (D) */
        to1->batch = b0 * pow(r, -1.0 / 6.0);
        to1->alpha = a0 * cbrt(r);
        to1->eta = eta0 * pow(r, 7.0 / 12.0);
        break;
    default: /* SGD, App. A "Contrast to SGD" and Table 3 row 3: eta ~ b / sqrt(T) */
        to1->batch = b0 * bb;
        to1->alpha = a0;
        to1->eta = eta0 * bb * sqrt(r);
        break;
    }
    return OPTSCHED_OK;
}
