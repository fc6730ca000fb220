/* Merton's portfolio problem as a DGM plug-in: a control problem with a closed-form value
 * function, to validate the engine (SPEC §3, validation (iii)).
 *
 *   dW = (r + pi (mu - r)) W dt + pi sigma W dB,   maximise E[U(W_T)],  U(w) = w^(1-g)/(1-g)
 *   HJB:  V_t + max_pi [ (r + pi (mu - r)) w V_w + pi^2 sigma^2 w^2 V_ww / 2 ] = 0,  V(w, T) = U(w)
 * With V = f(t) U(w) the maximiser is the constant pi* = clamp((mu - r) / (g sigma^2)) and
 * f(t) = exp(beta (T - t)), beta = (1 - g)(r + pi* (mu - r) - g sigma^2 pi*^2 / 2).
 *
 * The network sees log-wealth: x = (y, t), y = log w, jets [V, V_y, V_t, V_yy]. In y the
 * dynamics have constant coefficients, dy = (r + pi (mu - r) - pi^2 sigma^2 / 2) dt + pi sigma dB,
 * so the residual for frozen pi is
 *   V_t + (r + pi (mu - r) - pi^2 sigma^2 / 2) V_y + pi^2 sigma^2 V_yy / 2,
 * and V = -f(t) e^-y (gamma = 2) has derivatives of one scale over the domain, where in w the
 * curvature V_ww = -2 f / w^3 varies 64-fold over w in [0.5, 2]. The controls depend on the
 * ratio V_y / (V_yy - V_y), so that scale matters. */
#include <math.h>

#include "optsched/dgm.h"

enum { CV = 0, CY = 1, CT = 2, CYY = 3, NC = 4 };
static const int SECOND_W[1] = {0};
/* V is concave in w (risk aversion), i.e. V_yy - V_y < 0; the declared penalty is the part of
 * it on one channel, V_yy <= 0, which holds for gamma >= 1 (V_yy = (1 - g)^2 V for V = f U). */
static const optsched_dgm_penalty CONCAVE[1] = {{CYY, 1, 0.0}};

void optsched_dgm_merton_default(optsched_dgm_merton *m)
{
    /* A volatile market with a high Sharpe ratio: the diffusion coefficient of the residual,
     * pi*^2 sigma^2 / 2 = 0.32, is then comparable to the drift's, so the residual pins down
     * V_yy — which the control is made of — about as well as V_y. */
    m->gamma = 2; m->mu = 1.7; m->r = 0.1; m->sigma = 1; m->T = 0.5;
    m->w_min = 0.5; m->w_max = 2; m->pi_min = 0; m->pi_max = 1; m->pi0 = 0.5; m->lateral = 1;
}

static double utility(const optsched_dgm_merton *m, double w)
{
    return m->gamma == 1 ? log(w) : pow(w, 1 - m->gamma) / (1 - m->gamma);
}

double optsched_dgm_merton_control(const optsched_dgm_merton *m)
{
    double p = (m->mu - m->r) / (m->gamma * m->sigma * m->sigma);
    return p < m->pi_min ? m->pi_min : p > m->pi_max ? m->pi_max : p;
}

double optsched_dgm_merton_value(const optsched_dgm_merton *m, double w, double t)
{
    double p = optsched_dgm_merton_control(m), s2 = m->sigma * m->sigma;
    if (m->gamma == 1) /* log utility: V = log w + (T - t)(r + p (mu - r) - s2 p^2 / 2) */
        return log(w) + (m->T - t) * (m->r + p * (m->mu - m->r) - 0.5 * s2 * p * p);
    double beta = (1 - m->gamma) * (m->r + p * (m->mu - m->r) - 0.5 * m->gamma * s2 * p * p);
    return exp(beta * (m->T - t)) * utility(m, w);
}

/* Interior points: a randomly shifted R2 lattice (the 2-D golden-ratio sequence,
 * x_p = frac(s + p alpha)), a fresh shift s per iteration. Low-discrepancy points estimate the
 * mean residual with far less variance than independent uniforms, so Adam sees less gradient
 * noise at the same batch size. */
static int sample_interior(void *ctx, const optsched_dgm_rng *rng, size_t n, double *x)
{
    const optsched_dgm_merton *m = ctx;
    const double a1 = 0.75487766624669276, a2 = 0.56984029099805327; /* 1/g, 1/g^2, g^3 = g + 1 */
    double s1 = optsched_dgm_rng_uniform(rng, 0, 0), s2 = optsched_dgm_rng_uniform(rng, 0, 1);
    double lo = log(m->w_min), hi = log(m->w_max);
    for (size_t p = 0; p < n; p++) {
        double u1 = s1 + a1 * (double)p, u2 = s2 + a2 * (double)p;
        x[2 * p] = lo + (hi - lo) * (u1 - floor(u1));
        x[2 * p + 1] = m->T * (u2 - floor(u2));
    }
    return OPTSCHED_OK;
}

/* Half the points on the terminal line t = T (the terminal condition), half on the two ends
 * of the wealth interval, where the bounded domain needs Dirichlet data (the closed form). */
static int sample_boundary(void *ctx, const optsched_dgm_rng *rng, size_t n, double *x, double *target)
{
    const optsched_dgm_merton *m = ctx;
    for (size_t p = 0; p < n; p++) {
        double u0 = optsched_dgm_rng_uniform(rng, p, 0), u1 = optsched_dgm_rng_uniform(rng, p, 1);
        double lo = log(m->w_min), hi = log(m->w_max), y, t;
        if (p % 2 == 0 || !m->lateral) {
            y = lo + (hi - lo) * u0;
            t = m->T;
        } else {
            y = (p / 2) % 2 ? hi : lo;
            t = m->T * u1;
        }
        x[2 * p] = y;
        x[2 * p + 1] = t;
        target[p] = optsched_dgm_merton_value(m, exp(y), t);
    }
    return OPTSCHED_OK;
}

static int initial_control(void *ctx, size_t n, const double *x, double *u)
{
    const optsched_dgm_merton *m = ctx;
    for (size_t p = 0; p < n; p++) u[p] = m->pi0;
    return OPTSCHED_OK;
}

/* The Hamiltonian's pi-part h(pi) = pi (mu - r) V_y + pi^2 sigma^2 (V_yy - V_y) / 2 is a
 * parabola: its maximum over the box is the clamped vertex when it opens downwards and the
 * better end otherwise. */
static int improve(void *ctx, size_t n, const double *x, const double *jets, double *u)
{
    const optsched_dgm_merton *m = ctx;
    double s2 = m->sigma * m->sigma, ex = m->mu - m->r;
    for (size_t p = 0; p < n; p++) {
        double vy = jets[p * NC + CY], a = ex * vy, b = 0.5 * s2 * (jets[p * NC + CYY] - vy);
        double best = m->pi_min, hb = a * best + b * best * best;
        double cand[2] = {m->pi_max, b < 0 ? -a / (2 * b) : m->pi_min};
        for (int k = 0; k < 2; k++) {
            double c = cand[k] < m->pi_min ? m->pi_min : cand[k] > m->pi_max ? m->pi_max : cand[k];
            double h = a * c + b * c * c;
            if (h > hb) { hb = h; best = c; }
        }
        u[p] = best;
    }
    return OPTSCHED_OK;
}

static int residual(void *ctx, size_t n, const double *x, const double *u, double *r0, double *coef)
{
    const optsched_dgm_merton *m = ctx;
    double s2 = m->sigma * m->sigma;
    for (size_t p = 0; p < n; p++) {
        double pi = u[p];
        double *c = coef + p * NC;
        r0[p] = 0;
        c[CV] = 0;
        c[CY] = m->r + pi * (m->mu - m->r) - 0.5 * pi * pi * s2;
        c[CT] = 1;
        c[CYY] = 0.5 * pi * pi * s2;
    }
    return OPTSCHED_OK;
}

int optsched_dgm_merton_problem(optsched_dgm_problem *prob, optsched_dgm_merton *m, optsched_error *err)
{
    if (!(m->gamma > 0) || !(m->sigma > 0) || !(m->T > 0) || !(m->w_min > 0) || !(m->w_max > m->w_min) ||
        !(m->pi_max >= m->pi_min) || !isfinite(m->mu) || !isfinite(m->r))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "merton: need gamma > 0, sigma > 0, T > 0, 0 < w_min < w_max, pi_min <= pi_max");
    *prob = (optsched_dgm_problem){0};
    prob->name = "merton";
    prob->dim = 2;
    prob->nsecond = 1;
    prob->second = SECOND_W;
    prob->ncontrols = 1;
    prob->ctx = m;
    prob->sample_interior = sample_interior;
    prob->sample_boundary = sample_boundary;
    prob->initial_control = initial_control;
    prob->improve = improve;
    prob->residual = residual;
    prob->npenalty = 1;
    prob->penalty = CONCAVE;
    return OPTSCHED_OK;
}
