/* Closed-form optima of the seed-004 proxies: Theorems 1-3 (App. B.1-B.3),
 * Corollaries 1-2 (App. B.4-B.5), the SGD comparison (B.6), the effective
 * exponent identity (C.3) and the iso-loss regimes (App. D). */
#include "optsched/scaling.h"

#include <math.h>

static int pos(double x) { return x > 0 && isfinite(x); }

static int check_coeffs(const optsched_scaling_coeffs *c, optsched_error *err)
{
    if (!pos(c->c1) || !pos(c->c2) || !(c->c4 >= 0) || !isfinite(c->c4) || !pos(c->c5))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "proxy coefficients must satisfy c1, c2, c5 > 0, c4 >= 0");
    return OPTSCHED_OK;
}

static int check_alpha(double alpha, optsched_error *err)
{
    if (!(alpha > 0 && alpha <= 1))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--alpha: expected a number in (0,1], got %g", alpha);
    return OPTSCHED_OK;
}

static int check_pos(const char *flag, double x, optsched_error *err)
{
    if (!pos(x))
        return optsched_error_set(err, OPTSCHED_EINVAL, "%s: expected a number in (0,inf), got %g",
                                  flag, x);
    return OPTSCHED_OK;
}

static void set_point(optsched_scaling_point *o, double eta, double alpha, double b, double K,
                      double value)
{
    o->eta = eta;
    o->alpha = alpha;
    o->batch = b;
    o->steps = K;
    o->tokens = b * K;
    o->value = value;
}

/* C~2 = C2 sqrt(alpha), C~3 = c4 + c5/alpha (Eq. 5 with C3 (1 + 1/alpha) generalised). */
static double ct2(const optsched_scaling_coeffs *c, double a) { return c->c2 * sqrt(a); }
static double ct3(const optsched_scaling_coeffs *c, double a) { return c->c4 + c->c5 / a; }

int optsched_scaling_fixed_momentum_K(const optsched_scaling_coeffs *c, double alpha, double b,
                                      double K, optsched_scaling_point *out, optsched_error *err)
{
    int st;
    if ((st = check_coeffs(c, err)) || (st = check_alpha(alpha, err)) ||
        (st = check_pos("--batch", b, err)) || (st = check_pos("--steps", K, err)))
        return st;
    double C3 = ct3(c, alpha);
    set_point(out, sqrt(c->c1 / (C3 * K)), alpha, b, K,
              2.0 * sqrt(c->c1 * C3 / K) + ct2(c, alpha) / sqrt(b));
    return OPTSCHED_OK;
}

int optsched_scaling_fixed_momentum_batch_T(const optsched_scaling_coeffs *c, double alpha,
                                            double b, double T, optsched_scaling_point *out,
                                            optsched_error *err)
{
    int st;
    if ((st = check_coeffs(c, err)) || (st = check_alpha(alpha, err)) ||
        (st = check_pos("--batch", b, err)) || (st = check_pos("--tokens", T, err)))
        return st;
    double C3 = ct3(c, alpha);
    set_point(out, sqrt(c->c1 * b / (C3 * T)), alpha, b, T / b,
              2.0 * sqrt(c->c1 * C3 * b / T) + ct2(c, alpha) / sqrt(b));
    out->tokens = T;
    return OPTSCHED_OK;
}

int optsched_scaling_fixed_momentum_T(const optsched_scaling_coeffs *c, double alpha, double T,
                                      optsched_scaling_point *out, optsched_error *err)
{
    int st;
    if ((st = check_coeffs(c, err)) || (st = check_alpha(alpha, err)) ||
        (st = check_pos("--tokens", T, err)))
        return st;
    double C1 = c->c1, C2 = ct2(c, alpha), C3 = ct3(c, alpha);
    double b = C2 * sqrt(T) / (2.0 * sqrt(C1 * C3));                                  /* Eq. 24 */
    double eta = pow(C1, 0.25) * sqrt(C2) / (sqrt(2.0) * pow(C3, 0.75)) * pow(T, -0.25); /* Eq. 25 */
    double v = 2.0 * sqrt(2.0) * pow(C1 * C3, 0.25) * sqrt(C2) * pow(T, -0.25);        /* Eq. 26 */
    set_point(out, eta, alpha, b, T / b, v);
    out->tokens = T;
    return OPTSCHED_OK;
}

int optsched_scaling_fixed_momentum_exact_T(const optsched_scaling_coeffs *c, double alpha,
                                            double T, optsched_scaling_point *out,
                                            optsched_error *err)
{
    int st;
    if ((st = check_coeffs(c, err)) || (st = check_pos("--alpha", alpha, err)) ||
        (st = check_pos("--tokens", T, err)))
        return st;
    double C3 = ct3(c, alpha);
    /* Eq. 15 with the general eta coefficient C3 = c4 + c5/alpha. */
    double A = 2.0 * sqrt(c->c1 * C3 / T) + (c->burn ? c->c2 / (alpha * T) : 0.0);
    double B = ct2(c, alpha);
    double b = B / A;                                 /* Eq. 16 */
    double eta = sqrt(c->c1 * b / (T * C3));          /* Eq. 12 */
    set_point(out, eta, alpha, b, T / b, 2.0 * sqrt(A * B)); /* Eq. 17 */
    out->tokens = T;
    return OPTSCHED_OK;
}

int optsched_scaling_fixed_batch_K(const optsched_scaling_coeffs *c, double b, double K,
                                   optsched_scaling_point *out, optsched_error *err)
{
    int st;
    if ((st = check_coeffs(c, err)) || (st = check_pos("--batch", b, err)) ||
        (st = check_pos("--steps", K, err)))
        return st;
    /* min_eta c1/(eta K) + c5 eta/alpha = p alpha^(-1/2); p alpha^(-1/2) + q alpha^(1/2)
     * is minimal at alpha = p/q with value 2 sqrt(pq). */
    double p = 2.0 * sqrt(c->c1 * c->c5 / K), q = c->c2 / sqrt(b);
    double alpha = p / q;
    double eta = sqrt(c->c1 * alpha / (c->c5 * K));
    set_point(out, eta, alpha, b, K, 2.0 * sqrt(p * q));
    return OPTSCHED_OK;
}

int optsched_scaling_fixed_batch_T(const optsched_scaling_coeffs *c, double b, double T,
                                   optsched_scaling_point *out, optsched_error *err)
{
    int st;
    if ((st = check_pos("--tokens", T, err))) return st;
    if ((st = optsched_scaling_fixed_batch_K(c, b, T / b, out, err))) return st;
    out->tokens = T;
    return OPTSCHED_OK;
}

double optsched_scaling_cubic_root(double Ap, double Bp, double Cp, double T)
{
    /* Depressed cubic a^3 + p a + q = 0 with p = -B'/(A'T) <= 0, q = -C'/(A'T) < 0:
     * one sign change, so exactly one positive root (Descartes). */
    double p = -Bp / (Ap * T), q = -Cp / (Ap * T);
    double disc = q * q / 4.0 + p * p * p / 27.0;
    double a;
    if (disc >= 0) {
        /* Cardano with u v = -p/3 for the second cube root, which avoids the
         * cancellation in -q/2 - sqrt(disc) when |p|^3 << q^2. */
        double u = cbrt(-q / 2.0 + sqrt(disc));
        a = u - p / (3.0 * u);
    } else {
        /* Three real roots; k = 0 of the trigonometric form is the largest, the
         * only positive one (the product of the roots is -q > 0). */
        double m = 2.0 * sqrt(-p / 3.0);
        double arg = 3.0 * q / (p * m);
        if (arg > 1) arg = 1;
        if (arg < -1) arg = -1;
        a = m * cos(acos(arg) / 3.0);
    }
    /* Newton polish on the undepressed form; f is convex for a > 0, f(a) > 0 to
     * the right of the root, so iterates from the right converge monotonically. */
    for (int it = 0; it < 4; it++) {
        double f = a * a * a + p * a + q, fp = 3.0 * a * a + p;
        if (!(fp > 0)) break;
        double na = a - f / fp;
        if (!(na > 0) || na == a) break;
        a = na;
    }
    return a;
}

int optsched_scaling_joint_T(const optsched_scaling_coeffs *c, double T,
                             optsched_scaling_joint *out, optsched_error *err)
{
    int st;
    if ((st = check_coeffs(c, err)) || (st = check_pos("--tokens", T, err))) return st;
    if (!c->burn || !(c->c4 > 0))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "joint optimum needs the burn-in term and c4 > 0 "
                                  "(Eq. 4 or Eq. 11); without them it does not exist");
    /* Step 3 of App. B.3 for the general form: minimising
     * g(a) = 2 c2 sqrt(c1/T) sqrt(c4 a + c5) + c2^2/(T sqrt(a)) gives
     * 4 c1 c4^2 T a^3 - c2^2 c4 a - c2^2 c5 = 0; with Eq. 11's constants this is Eq. 20
     * multiplied by 4L. */
    double Ap = 4.0 * c->c1 * c->c4 * c->c4, Bp = c->c2 * c->c2 * c->c4, Cp = c->c2 * c->c2 * c->c5;
    out->cubic[0] = Ap;
    out->cubic[1] = Bp;
    out->cubic[2] = Cp;
    double a = optsched_scaling_cubic_root(Ap, Bp, Cp, T);
    if ((st = optsched_scaling_fixed_momentum_exact_T(c, a, T, &out->exact, err))) return st;
    /* Eq. 18 as the value: 2 sqrt(A_T B) evaluated at the root (done above). */
    out->u0 = cbrt(Cp / Ap);                                 /* Eq. 22 */
    out->u1 = Bp / (3.0 * cbrt(Ap * Ap) * cbrt(Cp));         /* first correction */
    double t3 = cbrt(T);
    out->alpha_lead = out->u0 / t3;
    out->alpha_corr = out->u0 / t3 + out->u1 / (t3 * t3);
    /* Leading order (alpha -> 0, c4 + c5/alpha ~ c5/alpha, burn-in lower order):
     * b ~ c2 alpha sqrt(T)/(2 sqrt(c1 c5)) ~ T^(1/6), eta ~ sqrt(c1 b alpha/(c5 T)) ~ T^(-7/12),
     * value ~ 2 sqrt(2) (c1 c5)^(1/4) c2^(1/2) T^(-1/4) (Eq. 23 and the rate after it). */
    double al = out->alpha_lead;
    double bl = c->c2 * al * sqrt(T) / (2.0 * sqrt(c->c1 * c->c5));
    double el = sqrt(c->c1 * bl * al / (c->c5 * T));
    set_point(&out->lead, el, al, bl, T / bl,
              2.0 * sqrt(2.0) * pow(c->c1 * c->c5, 0.25) * sqrt(c->c2) * pow(T, -0.25));
    out->lead.tokens = T;
    out->alpha_feasible = out->exact.alpha <= 1.0;
    out->batch_feasible = out->exact.batch >= 1.0;
    return OPTSCHED_OK;
}

double optsched_scaling_momentum_gain(double alpha) { return pow(1.0 + alpha, 0.25); }

double optsched_scaling_noise_floor(const optsched_scaling_coeffs *c, double alpha, double b_max)
{
    return c->c2 * sqrt(alpha / b_max);
}

void optsched_scaling_path_exponents(double phi, double gamma, double delta,
                                     optsched_scaling_path_rate *out)
{
    out->r[0] = 1.0 - phi - delta;       /* b/(eta T) */
    out->r[1] = 1.0 - phi / 2.0 - gamma; /* sqrt(b)/(alpha T) */
    out->r[2] = (phi + gamma) / 2.0;     /* sqrt(alpha/b) */
    out->r[3] = delta;                   /* eta */
    out->r[4] = delta - gamma;           /* eta/alpha */
    double m = out->r[0];
    for (int i = 1; i < 5; i++)
        if (out->r[i] < m) m = out->r[i];
    out->rate = m;
}

int optsched_scaling_power_path(double phi, double *gamma, double *delta,
                                optsched_scaling_path_rate *out, optsched_error *err)
{
    if (!(phi >= 0 && phi < 1))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--batch-exponent: expected a number in [0,1), got %g", phi);
    if (phi <= 0.5) { /* Eq. 34: alpha ~ b/sqrt(T), eta ~ b/T^(3/4) */
        *gamma = 0.5 - phi;
        *delta = 0.75 - phi;
    } else { /* Eq. 39: alpha constant, eta ~ T^(-(1-phi)/2) */
        *gamma = 0.0;
        *delta = (1.0 - phi) / 2.0;
    }
    optsched_scaling_path_exponents(phi, *gamma, *delta, out);
    return OPTSCHED_OK;
}

double optsched_scaling_sgd_eval_T(const optsched_scaling_problem *p, double eta, double b,
                                   double T)
{
    return p->delta0 * b / (eta * T) + p->L * eta * p->sigma * p->sigma / b;
}

int optsched_scaling_sgd_T(const optsched_scaling_problem *p, double b, double T,
                           optsched_scaling_point *out, optsched_error *err)
{
    int st;
    if ((st = optsched_scaling_problem_check(p, err)) || (st = check_pos("--batch", b, err)) ||
        (st = check_pos("--tokens", T, err)))
        return st;
    double s2 = p->sigma * p->sigma;
    set_point(out, b * sqrt(p->delta0 / (p->L * s2 * T)), 1.0, b, T / b,
              2.0 * sqrt(p->delta0 * p->L * s2 / T));
    out->tokens = T;
    return OPTSCHED_OK;
}

double optsched_scaling_effective_exponent(double kappa, double lambda, double p)
{
    return kappa * p - lambda * (1.0 - p); /* Eq. 47 */
}

double optsched_scaling_effective_threshold(double kappa, double lambda)
{
    return lambda / (kappa + lambda); /* Eq. 48 */
}

int optsched_scaling_isoloss_init(const optsched_scaling_problem *p, double alpha,
                                  optsched_scaling_isoloss *out, optsched_error *err)
{
    int st;
    if ((st = optsched_scaling_problem_check(p, err)) || (st = check_alpha(alpha, err))) return st;
    double rs = p->rho * p->sigma;
    out->c_det = 2.0 * sqrt(p->delta0 * p->L * (3.5 + 2.0 / alpha));
    out->c_burn = 2.0 * rs / alpha;
    out->c_floor = 2.0 * rs * sqrt(alpha);
    return OPTSCHED_OK;
}

int optsched_scaling_isoloss_from_coeffs(const optsched_scaling_coeffs *c, double alpha,
                                         optsched_scaling_isoloss *out, optsched_error *err)
{
    int st;
    if ((st = check_coeffs(c, err)) || (st = check_alpha(alpha, err))) return st;
    out->c_det = 2.0 * sqrt(c->c1 * (c->c4 + c->c5 / alpha));
    out->c_burn = c->burn ? c->c2 / alpha : 0.0;
    out->c_floor = c->c2 * sqrt(alpha);
    return OPTSCHED_OK;
}

double optsched_scaling_isoloss_u(const optsched_scaling_isoloss *d, double b, double K)
{
    return d->c_det / sqrt(K) + d->c_burn / (K * sqrt(b)) + d->c_floor / sqrt(b);
}

double optsched_scaling_isoloss_kmin(const optsched_scaling_isoloss *d, double c)
{
    return (d->c_det / c) * (d->c_det / c);
}

double optsched_scaling_isoloss_bmin(const optsched_scaling_isoloss *d, double c)
{
    return (d->c_floor / c) * (d->c_floor / c);
}

double optsched_scaling_isoloss_batch(const optsched_scaling_isoloss *d, double K, double c)
{
    double room = c - d->c_det / sqrt(K);
    if (!(room > 0)) return INFINITY;
    double s = (d->c_floor + d->c_burn / K) / room;
    return s * s;
}
