/* The open-loop optimum: problem set-up, parametrisations, local solves and
 * starts (docs/OPENLOOP.md has the derivations).
 *
 * Three parametrisations, all in log-controls (the bounds are then a box and
 * the scales of η, B and u = η/B, which span decades, are comparable):
 *   U-grid  each interval consumes C/N compute; variables log u_i. On the
 *           compute clock dc = B dt the moments obey the time ODE with η = u,
 *           B = 1, so the loss depends on u only and the budget is spent by
 *           construction. Used when the budget can be spent within the horizon.
 *   T-grid  N equal time intervals of t_end/N; variables log η_i and/or log B_i.
 *           Used when every schedule stops at T (C/B_max ≥ T: no constraint,
 *           Σ B_i dt ≤ B_max T ≤ C) and when the horizon binds (then with the
 *           budget constraint Σ B_i dt ≤ C, handled by an augmented Lagrangian),
 *           and for LR-only (B fixed: t_end = min(T, C/B)).
 * Local solves: NLopt L-BFGS with bounds on the adjoint gradient.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nlopt.h>

#include "openloop/internal.h"
#include "optsched/exact.h"
#include "optsched/openloop.h"

enum { KIND_U = 0, KIND_T = 1 };

struct optsched_openloop {
    const optsched_model *m;
    /* options */
    int n, starts, max_evals, refine;
    double tol, lr_batch, batch_eta;
    optsched_controls controls;
    /* result */
    optsched_openloop_result res;
    int have;
    /* work */
    ol_adj adj;
    int evals;
};

/* One optimisation problem in a fixed parametrisation. */
typedef struct {
    optsched_openloop *s;
    int kind, n;
    double h;              /* U: compute per interval C/n; T: time per interval */
    int free_eta, free_B;  /* T only */
    double eta_fix, B_fix; /* T: values of the fixed control */
    double u_lo, u_hi;     /* U: bounds of u */
    int budget;            /* T: Σ B_i h ≤ C enforced (augmented Lagrangian) */
    double f0;             /* objective scale */
    double ftol;           /* > 0: this relative tolerance instead of the option tol */
    int max_evals;         /* > 0: this evaluation cap instead of the option max_evals */
    double al_lambda, al_rho;
    double *eta, *B, *dt, *ge, *gB; /* [n] scratch */
    int failed;            /* an evaluation overflowed */
} problem;

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int nvars(const problem *P) { return P->kind == KIND_U ? P->n : P->n * (P->free_eta + P->free_B); }

static void bounds(const problem *P, double *lo, double *hi)
{
    const optsched_model *m = P->s->m;
    const int n = P->n;
    if (P->kind == KIND_U) {
        for (int i = 0; i < n; i++) {
            lo[i] = log(P->u_lo);
            hi[i] = log(P->u_hi);
        }
        return;
    }
    int o = 0;
    if (P->free_eta)
        for (int i = 0; i < n; i++, o++) {
            lo[o] = log(m->eta_min);
            hi[o] = log(m->eta_max);
        }
    if (P->free_B)
        for (int i = 0; i < n; i++, o++) {
            lo[o] = log(m->B_min);
            hi[o] = log(m->B_max);
        }
}

/* Controls of every interval from the variables. */
static void controls(problem *P, const double *x)
{
    const int n = P->n;
    if (P->kind == KIND_U) {
        for (int i = 0; i < n; i++) {
            P->eta[i] = exp(x[i]);
            P->B[i] = 1.0;
            P->dt[i] = P->h;
        }
        return;
    }
    for (int i = 0; i < n; i++) {
        P->eta[i] = P->free_eta ? exp(x[i]) : P->eta_fix;
        P->B[i] = P->free_B ? exp(x[(P->free_eta ? n : 0) + i]) : P->B_fix;
        P->dt[i] = P->h;
    }
}

/* Budget constraint h(x) = Σ B_i dt / C − 1 ≤ 0 and its gradient in log B. */
static double budget_h(const problem *P, double *gh_logB)
{
    const optsched_model *m = P->s->m;
    double s = 0;
    for (int i = 0; i < P->n; i++) {
        s += P->B[i] * P->h;
        if (gh_logB) gh_logB[i] = P->B[i] * P->h / m->C;
    }
    return s / m->C - 1.0;
}

/* The loss and its gradient in the variables (grad may be NULL). */
static double loss_grad(problem *P, const double *x, double *grad)
{
    controls(P, x);
    double L;
    P->s->evals++;
    int st = ol_adj_eval(&P->s->adj, P->n, P->dt, P->eta, P->B, &L, grad ? P->ge : NULL,
                         grad ? P->gB : NULL, NULL);
    if (st) {
        P->failed = 1;
        if (grad) memset(grad, 0, (size_t)nvars(P) * sizeof *grad);
        return HUGE_VAL;
    }
    if (grad) {
        const int n = P->n;
        if (P->kind == KIND_U) {
            for (int i = 0; i < n; i++) grad[i] = P->eta[i] * P->ge[i];
        } else {
            int o = 0;
            if (P->free_eta)
                for (int i = 0; i < n; i++) grad[o++] = P->eta[i] * P->ge[i];
            if (P->free_B)
                for (int i = 0; i < n; i++) grad[o++] = P->B[i] * P->gB[i];
        }
    }
    return L;
}

/* NLopt objective: L/f0 plus, with the budget, the PHR augmented-Lagrangian term
 * (ρ/2)[max(0, h + λ/ρ)² − (λ/ρ)²]. */
static double objective(unsigned nx, const double *x, double *grad, void *data)
{
    problem *P = data;
    double L = loss_grad(P, x, grad);
    if (!isfinite(L)) return 1e300;
    double f = L / P->f0;
    if (grad)
        for (unsigned i = 0; i < nx; i++) grad[i] /= P->f0;
    if (P->kind == KIND_T && P->budget && P->free_B) {
        double *gh = P->ge; /* free after loss_grad */
        double hv = budget_h(P, gh);
        double t = fmax(0.0, P->al_lambda + P->al_rho * hv);
        f += (t * t - P->al_lambda * P->al_lambda) / (2.0 * P->al_rho);
        if (grad) {
            int o = P->free_eta ? P->n : 0;
            for (int i = 0; i < P->n; i++) grad[o + i] += t * gh[i];
        }
    }
    return f;
}

/* One bound-constrained L-BFGS run from x (in place); returns the objective. */
static double lbfgs(problem *P, double *x, const double *lo, const double *hi, int max_evals)
{
    const int nx = nvars(P);
    nlopt_opt o = nlopt_create(NLOPT_LD_LBFGS, (unsigned)nx);
    if (!o) return HUGE_VAL;
    nlopt_set_lower_bounds(o, lo);
    nlopt_set_upper_bounds(o, hi);
    nlopt_set_min_objective(o, objective, P);
    nlopt_set_ftol_rel(o, P->ftol > 0 ? P->ftol : P->s->tol);
    nlopt_set_maxeval(o, max_evals);
    nlopt_set_vector_storage(o, 20);
    for (int i = 0; i < nx; i++) x[i] = fmin(hi[i], fmax(lo[i], x[i]));
    double f = HUGE_VAL;
    double *x0 = malloc((size_t)nx * sizeof *x0);
    if (x0) memcpy(x0, x, (size_t)nx * sizeof *x0);
    double f_start = objective((unsigned)nx, x, NULL, P);
    nlopt_result r = nlopt_optimize(o, x, &f);
    /* NLopt may stop on round-off after progress; keep the start if it did worse */
    if ((r < 0 && r != NLOPT_ROUNDOFF_LIMITED && r != NLOPT_MAXEVAL_REACHED) || !(f <= f_start)) {
        if (x0) memcpy(x, x0, (size_t)nx * sizeof *x0);
        f = f_start;
    }
    free(x0);
    nlopt_destroy(o);
    return f;
}

/* A local solve in P from x: L-BFGS, inside an augmented-Lagrangian loop when
 * the budget constraint is on. Returns the loss (without penalties). */
static double local_solve(problem *P, double *x)
{
    const int nx = nvars(P);
    double *lo = malloc(2 * (size_t)nx * sizeof *lo);
    if (!lo) return HUGE_VAL;
    double *hi = lo + nx;
    bounds(P, lo, hi);
    controls(P, x);
    P->f0 = fmax(1e-300, loss_grad(P, x, NULL));
    if (!isfinite(P->f0)) P->f0 = 1.0;
    const int maxe = P->max_evals > 0 ? P->max_evals : P->s->max_evals;
    if (!(P->kind == KIND_T && P->budget && P->free_B)) {
        lbfgs(P, x, lo, hi, maxe);
    } else {
        P->al_lambda = 0;
        P->al_rho = 10.0;
        double h_prev = HUGE_VAL;
        for (int outer = 0; outer < 40; outer++) {
            lbfgs(P, x, lo, hi, maxe);
            controls(P, x);
            double hv = budget_h(P, NULL);
            double lam_new = fmax(0.0, P->al_lambda + P->al_rho * hv);
            /* PHR measure of infeasibility and complementarity */
            double viol = fmax(hv, -P->al_lambda / P->al_rho);
            int done = fabs(viol) <= 1e-10;
            P->al_lambda = lam_new;
            if (done) break;
            if (fabs(viol) > 0.25 * h_prev) P->al_rho = fmin(P->al_rho * 10.0, 1e8);
            h_prev = fabs(viol);
        }
        /* exact feasibility: scale B down if the budget is overspent by round-off */
        controls(P, x);
        double hv = budget_h(P, NULL);
        if (hv > 0) {
            int o = P->free_eta ? P->n : 0;
            for (int i = 0; i < P->n; i++) x[o + i] = fmax(lo[o + i], x[o + i] - log1p(hv) - 1e-15);
        }
    }
    free(lo);
    controls(P, x);
    return loss_grad(P, x, NULL);
}

/* First-order optimality residual (docs/OPENLOOP.md): in log-controls x with
 * the relative functional gradient g = N ∇L / L (+ ν ∇h with the budget),
 *     r = min_{ν ≥ 0} max(‖x − Π_box(x − g(ν))‖∞, ν·|h|) + max(0, h). */
static double residual(problem *P, const double *x)
{
    const int nx = nvars(P), n = P->n;
    double *g = malloc(3 * (size_t)nx * sizeof *g);
    if (!g) return NAN;
    double *lo = g + nx, *hi = g + 2 * nx;
    bounds(P, lo, hi);
    double L = loss_grad(P, x, g);
    if (!isfinite(L)) {
        free(g);
        return NAN;
    }
    for (int i = 0; i < nx; i++) g[i] *= n / L;
    double hv = 0;
    double *gh = NULL;
    int con = P->kind == KIND_T && P->budget && P->free_B;
    if (con) {
        gh = malloc((size_t)n * sizeof *gh);
        if (!gh) {
            free(g);
            return NAN;
        }
        controls(P, x);
        hv = budget_h(P, gh);
        for (int i = 0; i < n; i++) gh[i] *= n;
    }
    const int ob = P->free_eta ? n : 0;
#define RES_AT(nu, out)                                                              \
    do {                                                                             \
        double r_ = 0;                                                               \
        for (int i = 0; i < nx; i++) {                                               \
            double gi = g[i] + (con && i >= ob ? (nu) * gh[i - ob] : 0.0);           \
            double y = fmin(hi[i], fmax(lo[i], x[i] - gi));                          \
            r_ = fmax(r_, fabs(x[i] - y));                                           \
        }                                                                            \
        if (con) r_ = fmax(r_, (nu) * fabs(hv));                                     \
        (out) = r_;                                                                  \
    } while (0)
    double best;
    RES_AT(0.0, best);
    if (con) {
        /* candidate multipliers: the augmented-Lagrangian estimate (λ f0/L in these
         * units) and the least-squares fit over the B components inside their
         * bounds; then golden section around them (the residual is quasi-convex
         * in ν, flat for large ν, so the bracket must stay near the candidates) */
        double num = 0, den = 0;
        for (int i = 0; i < n; i++)
            if (x[ob + i] > lo[ob + i] + 1e-12 && x[ob + i] < hi[ob + i] - 1e-12) {
                num -= g[ob + i] * gh[i];
                den += gh[i] * gh[i];
            }
        double cand[2] = {den > 0 ? fmax(0.0, num / den) : 0.0, P->al_lambda * P->f0 / L};
        double top = 0;
        for (int k = 0; k < 2; k++) {
            double rk;
            RES_AT(cand[k], rk);
            best = fmin(best, rk);
            top = fmax(top, cand[k]);
        }
        double a = 0, b = 2.0 * top + 1e-300;
        const double gr = 0.5 * (sqrt(5.0) - 1.0);
        double c = b - gr * (b - a), d = a + gr * (b - a), fc, fd;
        RES_AT(c, fc);
        RES_AT(d, fd);
        for (int it = 0; it < 100 && b - a > 1e-12 * b; it++) {
            if (fc < fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - gr * (b - a);
                RES_AT(c, fc);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + gr * (b - a);
                RES_AT(d, fd);
            }
        }
        best = fmin(best, fmin(fc, fd)) + fmax(0.0, hv);
    }
#undef RES_AT
    free(gh);
    free(g);
    return best;
}

/* Minimises the loss over a constant value of variable block(s) set by fill
 * (1-D golden section on a 24-point log scan's best bracket, loss only). */
typedef void (*fill_fn)(problem *P, double z, double *x);

static double search_1d(problem *P, fill_fn fill, double za, double zb, double *x)
{
    const int M = 24;
    double best = HUGE_VAL, zbest = za;
    for (int k = 0; k < M; k++) {
        double z = za + (zb - za) * k / (M - 1);
        fill(P, z, x);
        double L = loss_grad(P, x, NULL);
        if (L < best) {
            best = L;
            zbest = z;
        }
    }
    double step = (zb - za) / (M - 1);
    double a = fmax(za, zbest - step), b = fmin(zb, zbest + step);
    const double gr = 0.5 * (sqrt(5.0) - 1.0);
    double c = b - gr * (b - a), d = a + gr * (b - a), fc, fd;
    fill(P, c, x);
    fc = loss_grad(P, x, NULL);
    fill(P, d, x);
    fd = loss_grad(P, x, NULL);
    for (int it = 0; it < 40; it++) {
        if (fc < fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - gr * (b - a);
            fill(P, c, x);
            fc = loss_grad(P, x, NULL);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + gr * (b - a);
            fill(P, d, x);
            fd = loss_grad(P, x, NULL);
        }
    }
    double z = fc < fd ? c : d, fz = fmin(fc, fd);
    if (best < fz) z = zbest;
    fill(P, z, x);
    return fmin(best, fz);
}

/* fill: every u (U-grid) or every η (T-grid, first block) = e^z; a T-grid B
 * block is left as it is. */
static void fill_first(problem *P, double z, double *x)
{
    for (int i = 0; i < P->n; i++) x[i] = z;
}

/* fill for batch-only T-grid (B is the only block). */
static void fill_B(problem *P, double z, double *x)
{
    for (int i = 0; i < P->n; i++) x[i] = z;
}

/* Start k > 0: the constant start annealed towards the end of the run,
 * x_i += log(1 − (1 − r)·s_i^p) with s_i = (i + 1/2)/n; r and p vary with k. */
static void anneal(problem *P, int k, double *x, int block)
{
    static const double ratio[] = {0.05, 0.01, 0.2, 0.002, 0.1, 0.02, 0.5};
    static const double power[] = {1.0, 2.0, 0.5, 4.0, 1.0, 3.0, 1.0};
    int j = (k - 1) % 7;
    for (int i = 0; i < P->n; i++) {
        double s = (i + 0.5) / P->n;
        x[block * P->n + i] += log(1.0 - (1.0 - ratio[j]) * pow(s, power[j]));
    }
}

/* Start k from the constant start x0. k = 0: x0. Binding budget (T-grid with
 * Σ B dt ≤ C): η at η_max and B shaped — rising, dipping, falling — around the
 * constant B (the optimum's η sits at η_max there, SPEC §1). Otherwise x0
 * annealed towards the end of the run. */
static void make_start(problem *P, int k, const double *x0, double *xt)
{
    const int n = P->n, nx = nvars(P);
    memcpy(xt, x0, (size_t)nx * sizeof *xt);
    if (k == 0) return;
    if (P->kind == KIND_T && P->budget && P->free_B) {
        const int ob = P->free_eta ? n : 0;
        if (P->free_eta)
            for (int i = 0; i < n; i++) xt[i] = log(P->s->m->eta_max);
        for (int i = 0; i < n; i++) {
            double sf = (i + 0.5) / n, w;
            switch ((k - 1) % 3) {
            case 0: w = 0.5 + sf; break;                                /* rising  */
            case 1: w = 0.6 + 3.0 * (sf - 0.4) * (sf - 0.4); break;     /* dipping */
            default: w = 1.5 - sf; break;                               /* falling */
            }
            xt[ob + i] = x0[ob + i] + log(w);
        }
        return;
    }
    anneal(P, k, xt, 0);
}

/* Multi-start: starts k_from .. k_to − 1 from the constant start x0 (computed
 * by the 1-D search when k_from = 0). Start 0 is solved to the tolerance,
 * later starts to a loose one (1e-8) and, if one beats the incumbent x (loss
 * *best), polished. All starts usually meet (the problem has looked unimodal in
 * every setting tried); the extra starts are insurance against local minima. */
static double multistart(problem *P, double *x, double *x0, int k_from, int k_to, fill_fn fill,
                         double za, double zb, double best)
{
    const int nx = nvars(P);
    double *xt = malloc((size_t)nx * sizeof *xt);
    if (!xt) return HUGE_VAL;
    if (k_from == 0) {
        search_1d(P, fill, za, zb, x0);
        best = HUGE_VAL;
    }
    int polish = 0;
    for (int k = k_from; k < k_to; k++) {
        make_start(P, k, x0, xt);
        /* a later start that has not met the incumbent within 400 evaluations
         * is in no better basin; the cap bounds the cost of hopeless starts */
        P->ftol = k == 0 ? 0.0 : fmax(1e-8, P->s->tol);
        P->max_evals = k == 0 ? 0 : (P->s->max_evals < 400 ? P->s->max_evals : 400);
        double L = local_solve(P, xt);
        if (L < best) {
            best = L;
            memcpy(x, xt, (size_t)nx * sizeof *x);
            polish = k > 0;
        }
    }
    P->ftol = 0.0;
    P->max_evals = 0;
    if (polish) best = local_solve(P, x);
    free(xt);
    return best;
}

static int problem_alloc(problem *P, optsched_openloop *s, int n)
{
    memset(P, 0, sizeof *P);
    P->s = s;
    P->n = n;
    double *b = malloc(5 * (size_t)n * sizeof *b);
    if (!b) return OPTSCHED_ENOMEM;
    P->eta = b;
    P->B = b + n;
    P->dt = b + 2 * n;
    P->ge = b + 3 * n;
    P->gB = b + 4 * n;
    return OPTSCHED_OK;
}

static void problem_free(problem *P) { free(P->eta); }

/* ---------------------------------------------------------------------------------- */

optsched_openloop *optsched_openloop_create(const optsched_model *m, optsched_error *err)
{
    optsched_openloop *s = calloc(1, sizeof *s);
    if (!s) {
        optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (open-loop solver)");
        return NULL;
    }
    s->m = m;
    s->n = 200;
    s->starts = 3;
    s->max_evals = 5000;
    s->refine = 1;
    s->tol = 1e-12;
    s->lr_batch = 0;
    s->batch_eta = m->eta_max;
    s->controls = OPTSCHED_CONTROLS_JOINT;
    return s;
}

static void result_free(optsched_openloop_result *r)
{
    free(r->t);
    memset(r, 0, sizeof *r);
}

void optsched_openloop_destroy(optsched_openloop *s)
{
    if (!s) return;
    result_free(&s->res);
    ol_adj_free(&s->adj);
    free(s);
}

int optsched_openloop_set(optsched_openloop *s, const char *name, double v, optsched_error *err)
{
    const optsched_model *m = s->m;
    if (!strcmp(name, "n")) {
        if (!(v >= 2 && v <= 100000 && v == floor(v)))
            return optsched_error_set(err, OPTSCHED_EINVAL, "--n: expected an integer in [2, 100000], got %g", v);
        s->n = (int)v;
    } else if (!strcmp(name, "starts")) {
        if (!(v >= 1 && v <= 8 && v == floor(v)))
            return optsched_error_set(err, OPTSCHED_EINVAL, "--starts: expected an integer in [1, 8], got %g", v);
        s->starts = (int)v;
    } else if (!strcmp(name, "max_evals")) {
        if (!(v >= 10 && v <= 1e7 && v == floor(v)))
            return optsched_error_set(err, OPTSCHED_EINVAL, "--max-evals: expected an integer in [10, 1e7], got %g", v);
        s->max_evals = (int)v;
    } else if (!strcmp(name, "tol")) {
        if (!(v >= 1e-15 && v <= 1e-3))
            return optsched_error_set(err, OPTSCHED_EINVAL, "--tol: expected a number in [1e-15, 1e-3], got %g", v);
        s->tol = v;
    } else if (!strcmp(name, "refine")) {
        if (!(v == 0 || v == 1))
            return optsched_error_set(err, OPTSCHED_EINVAL, "--refine: expected 0 or 1, got %g", v);
        s->refine = (int)v;
    } else if (!strcmp(name, "lr_batch")) {
        if (!(v == 0 || (v >= m->B_min && v <= m->B_max)))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "--lr-batch: expected 0 (search) or a number in [--batch-min = %g, "
                                      "--batch-max = %g], got %g", m->B_min, m->B_max, v);
        s->lr_batch = v;
    } else if (!strcmp(name, "batch_eta")) {
        if (!(v >= m->eta_min && v <= m->eta_max))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "--batch-eta: expected a number in [--eta-min = %g, --eta-max = %g], got %g",
                                      m->eta_min, m->eta_max, v);
        s->batch_eta = v;
    } else {
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "open-loop option '%s': expected one of n, starts, max_evals, tol, "
                                  "refine, lr_batch, batch_eta", name);
    }
    return OPTSCHED_OK;
}

const char *optsched_controls_name(optsched_controls c)
{
    switch (c) {
    case OPTSCHED_CONTROLS_JOINT: return "joint";
    case OPTSCHED_CONTROLS_LR: return "lr";
    case OPTSCHED_CONTROLS_BATCH: return "batch";
    }
    return "?";
}

int optsched_controls_from_name(const char *name, optsched_controls *c)
{
    for (int k = 0; k < 3; k++)
        if (!strcmp(name, optsched_controls_name((optsched_controls)k))) {
            *c = (optsched_controls)k;
            return 0;
        }
    return -1;
}

int optsched_openloop_set_str(optsched_openloop *s, const char *name, const char *value,
                              optsched_error *err)
{
    if (!strcmp(name, "controls")) {
        if (optsched_controls_from_name(value, &s->controls))
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "--controls: expected joint, lr or batch, got '%s'", value);
        return OPTSCHED_OK;
    }
    return optsched_error_set(err, OPTSCHED_EINVAL, "open-loop option '%s': expected controls", name);
}

const optsched_openloop_result *optsched_openloop_get(const optsched_openloop *s)
{
    return s->have ? &s->res : NULL;
}

/* ---------------------------------------------------------------------------------- */

/* A solved problem turned into the schedule (dt, η, B) of its n intervals. For
 * the U-grid the batch sizes are chosen here (see choose_B). */
typedef struct {
    int n;
    double *dt, *eta, *B;
    double loss, residual;
} solution;

static int solution_alloc(solution *S, int n)
{
    S->n = n;
    S->dt = malloc(3 * (size_t)n * sizeof *S->dt);
    S->eta = S->dt ? S->dt + n : NULL;
    S->B = S->dt ? S->dt + 2 * n : NULL;
    return S->dt ? OPTSCHED_OK : OPTSCHED_ENOMEM;
}

static void solution_free(solution *S) { free(S->dt); }

/* U-grid representatives. With u_i fixed, B_i ranges over
 * [lo_i, hi_i] = [max(B_min, η_min/u_i), min(B_max, η_max/u_i)] and the run
 * lasts Σ (C/N)/B_i. canonical = 1: B_i = clamp(β, lo_i, hi_i) with the
 * smallest β ≥ B_min that meets the horizon (β = B_min when T ≥ C/B_min);
 * canonical = 0: the fastest representative B_i = hi_i. Returns the time. */
static double representative(const optsched_model *m, int n, const double *u, double eta_fixed,
                             int canonical, double *B)
{
    const double c = m->C / n;
    if (eta_fixed > 0) { /* batch-only: u determines B */
        double t = 0;
        for (int i = 0; i < n; i++) {
            B[i] = fmin(m->B_max, fmax(m->B_min, eta_fixed / u[i]));
            t += c / B[i];
        }
        return t;
    }
#define REP(beta, out)                                                             \
    do {                                                                           \
        double t_ = 0;                                                             \
        for (int i = 0; i < n; i++) {                                              \
            double lo_ = fmax(m->B_min, m->eta_min / u[i]);                        \
            double hi_ = fmin(m->B_max, m->eta_max / u[i]);                        \
            if (hi_ < lo_) hi_ = lo_; /* u at a bound: round-off */                \
            B[i] = fmin(hi_, fmax(lo_, (beta)));                                   \
            t_ += c / B[i];                                                        \
        }                                                                          \
        (out) = t_;                                                                \
    } while (0)
    double t;
    if (!canonical) {
        REP(HUGE_VAL, t);
        return t;
    }
    REP(m->B_min, t);
    if (t <= m->T) return t;
    double a = log(m->B_min), b = log(m->B_max);
    for (int it = 0; it < 200 && b - a > 1e-15 * fabs(b) + 1e-300; it++) {
        double mid = 0.5 * (a + b);
        REP(exp(mid), t);
        if (t <= m->T)
            b = mid;
        else
            a = mid;
    }
    REP(exp(b), t);
#undef REP
    return t;
}

static int ensure_adj(optsched_openloop *s, int n)
{
    if (s->adj.cap_n >= n) return OPTSCHED_OK;
    ol_adj_free(&s->adj);
    return ol_adj_init(&s->adj, s->m, n);
}

/* Duplicates each interval's variables (warm start at 2n). */
static void split_vars(const problem *P, const double *x, double *x2)
{
    const int n = P->n;
    const int blocks = P->kind == KIND_U ? 1 : P->free_eta + P->free_B;
    for (int b = 0; b < blocks; b++)
        for (int i = 0; i < n; i++) x2[b * 2 * n + 2 * i] = x2[b * 2 * n + 2 * i + 1] = x[b * n + i];
}

/* After the solve at n (loss, x): the residual, then (option refine) the solve
 * at 2n from the split solution, for the 2n value and residual. */
static int finish_problem(optsched_openloop *s, problem *P, double *x, double loss, double *res,
                          double *loss2, double *res2)
{
    if (!isfinite(loss)) return OPTSCHED_EFAIL;
    *res = residual(P, x);
    *loss2 = *res2 = NAN;
    if (s->refine) {
        problem P2 = *P;
        int n2 = 2 * P->n;
        if (problem_alloc(&P2, s, n2)) return OPTSCHED_ENOMEM;
        P2.kind = P->kind;
        P2.h = P->h / 2;
        P2.free_eta = P->free_eta;
        P2.free_B = P->free_B;
        P2.eta_fix = P->eta_fix;
        P2.B_fix = P->B_fix;
        P2.u_lo = P->u_lo;
        P2.u_hi = P->u_hi;
        P2.budget = P->budget;
        double *x2 = malloc(2 * (size_t)nvars(P) * sizeof *x2);
        int st = x2 ? OPTSCHED_OK : OPTSCHED_ENOMEM;
        if (!st) st = ensure_adj(s, n2);
        if (!st) {
            split_vars(P, x, x2);
            *loss2 = local_solve(&P2, x2);
            *res2 = residual(&P2, x2);
        }
        free(x2);
        problem_free(&P2);
        if (st) return st;
    }
    controls(P, x); /* leave P's controls at the n solution */
    return OPTSCHED_OK;
}

/* The budget-limited regime's test: can the fastest representative of the
 * U-grid optimum finish by T? */

typedef struct {
    double loss, res, loss2, res2;
    int binds, identifiable, grid;
    double lr_batch;
} outcome;

/* Joint or batch-only (eta_fixed > 0). */
static int solve_joint_or_batch(optsched_openloop *s, double eta_fixed, solution *S, outcome *o)
{
    const optsched_model *m = s->m;
    const int n = s->n;
    int st = ensure_adj(s, 2 * n);
    if (st) return st;
    problem P;
    if (problem_alloc(&P, s, n)) return OPTSCHED_ENOMEM;
    double *x = malloc(4 * (size_t)n * sizeof *x), *x0 = x ? x + 2 * n : NULL;
    if (!x) {
        problem_free(&P);
        return OPTSCHED_ENOMEM;
    }
    const double T = m->T;
    const int starts = s->starts;
    double L = HUGE_VAL;
    if (isfinite(T) && m->C >= m->B_max * T) {
        /* every schedule stops at T: N equal time steps, no active constraint */
        P.kind = KIND_T;
        P.h = T / n;
        P.free_eta = eta_fixed > 0 ? 0 : 1;
        P.free_B = 1;
        P.eta_fix = eta_fixed;
        const int bb = P.free_eta ? 1 : 0;
        for (int i = 0; i < n; i++) x0[bb * n + i] = log(m->B_max);
        if (P.free_eta)
            L = multistart(&P, x, x0, 0, starts, fill_first, log(m->eta_min), log(m->eta_max), 0);
        else
            L = multistart(&P, x, x0, 0, 1, fill_B, log(m->B_min), log(m->B_max), 0);
        o->binds = 1;
        o->identifiable = 1;
        o->grid = OPTSCHED_GRID_TIME;
    } else {
        /* the budget can be spent by T: first the U-grid (horizon ignored) from
         * the constant start; whether the horizon binds is decided on it */
        P.kind = KIND_U;
        P.h = m->C / n;
        P.u_lo = (eta_fixed > 0 ? eta_fixed : m->eta_min) / m->B_max;
        P.u_hi = (eta_fixed > 0 ? eta_fixed : m->eta_max) / m->B_min;
        L = multistart(&P, x, x0, 0, 1, fill_first, log(P.u_lo), log(P.u_hi), 0);
        double *u = S->eta;
        for (int i = 0; i < n; i++) u[i] = exp(x[i]);
        double t_fast = representative(m, n, u, eta_fixed, 0, S->B);
        o->binds = isfinite(T) && t_fast > T * (1 + 1e-12);
        if (!o->binds && starts > 1) {
            L = multistart(&P, x, x0, 1, starts, fill_first, log(P.u_lo), log(P.u_hi), L);
            for (int i = 0; i < n; i++) u[i] = exp(x[i]);
            /* a better start may need more time than T; then the horizon binds after all */
            t_fast = representative(m, n, u, eta_fixed, 0, S->B);
            o->binds = isfinite(T) && t_fast > T * (1 + 1e-12);
        }
        if (!o->binds) {
            representative(m, n, u, eta_fixed, 1, S->B);
            for (int i = 0; i < n; i++) {
                S->eta[i] = eta_fixed > 0 ? eta_fixed : fmin(m->eta_max, fmax(m->eta_min, u[i] * S->B[i]));
                S->dt[i] = (m->C / n) / S->B[i];
            }
            o->identifiable = eta_fixed > 0;
            o->grid = OPTSCHED_GRID_COMPUTE;
        } else {
            /* the horizon binds: N equal time steps over [0, T], budget Σ B dt ≤ C */
            P.kind = KIND_T;
            P.h = T / n;
            P.free_eta = eta_fixed > 0 ? 0 : 1;
            P.free_B = 1;
            P.eta_fix = eta_fixed;
            P.budget = 1;
            const int bb = P.free_eta ? 1 : 0;
            double Bc = fmin(m->B_max, fmax(m->B_min, m->C / T));
            for (int i = 0; i < n; i++) x0[bb * n + i] = log(Bc);
            if (P.free_eta) {
                L = multistart(&P, x, x0, 0, starts, fill_first, log(m->eta_min), log(m->eta_max), 0);
            } else {
                memcpy(x, x0, (size_t)n * sizeof *x);
                L = local_solve(&P, x);
            }
            o->identifiable = 1;
            o->grid = OPTSCHED_GRID_TIME;
        }
    }
    o->loss = L;
    st = finish_problem(s, &P, x, L, &o->res, &o->loss2, &o->res2);
    if (!st && P.kind == KIND_T) {
        controls(&P, x);
        for (int i = 0; i < n; i++) {
            S->eta[i] = P.eta[i];
            S->B[i] = P.B[i];
            S->dt[i] = P.h;
        }
    }
    S->loss = o->loss;
    S->residual = o->res;
    free(x);
    problem_free(&P);
    return st;
}

/* LR-only with constant B: T-grid over [0, min(T, C/B)], variables log η.
 * warm: start from x; otherwise the multi-start. final: also the residual and
 * the 2n solve, into o. */
static double lr_inner(optsched_openloop *s, problem *P, double B, double *x, int warm, outcome *o,
                       int final)
{
    const optsched_model *m = s->m;
    P->kind = KIND_T;
    P->h = fmin(m->T, m->C / B) / P->n;
    P->free_eta = 1;
    P->free_B = 0;
    P->B_fix = B;
    P->budget = 0;
    double L;
    /* the outer search compares values to ~1e-9 relative: its inner solves use
     * one start and a looser tolerance; the final solve at the chosen B is full */
    P->ftol = final ? 0.0 : fmax(1e-10, s->tol);
    if (warm) {
        L = local_solve(P, x);
    } else {
        double *x0 = malloc((size_t)P->n * sizeof *x0);
        if (!x0) return HUGE_VAL;
        L = multistart(P, x, x0, 0, final ? s->starts : 1, fill_first, log(m->eta_min), log(m->eta_max), 0);
        free(x0);
    }
    P->ftol = 0.0;
    if (final) {
        o->loss = L;
        if (finish_problem(s, P, x, L, &o->res, &o->loss2, &o->res2)) return HUGE_VAL;
    }
    return L;
}

static int solve_lr(optsched_openloop *s, solution *S, outcome *o)
{
    const optsched_model *m = s->m;
    const int n = s->n;
    int st = ensure_adj(s, 2 * n);
    if (st) return st;
    problem P;
    if (problem_alloc(&P, s, n)) return OPTSCHED_ENOMEM;
    double *x = malloc(2 * (size_t)n * sizeof *x), *xb = x ? x + n : NULL;
    if (!x) {
        problem_free(&P);
        return OPTSCHED_ENOMEM;
    }
    double Bstar = s->lr_batch;
    if (Bstar == 0 && m->B_min < m->B_max) {
        /* outer 1-D search over log B: a scan of 9 points (plus C/T, where the
         * horizon starts to bind), then golden section in the best bracket; each
         * point is an inner multi-start solve, warm-started after the first */
        double grid[10];
        int ng = 0;
        for (int k = 0; k < 9; k++) grid[ng++] = m->B_min * pow(m->B_max / m->B_min, k / 8.0);
        double bc = m->C / m->T;
        if (isfinite(m->T) && bc > m->B_min && bc < m->B_max) {
            int pos = ng;
            while (pos > 0 && grid[pos - 1] > bc) pos--;
            memmove(grid + pos + 1, grid + pos, (size_t)(ng - pos) * sizeof *grid);
            grid[pos] = bc;
            ng++;
        }
        double best = HUGE_VAL;
        int ib = 0;
        for (int k = 0; k < ng; k++) {
            double L = lr_inner(s, &P, grid[k], x, 0, o, 0);
            if (L < best) {
                best = L;
                ib = k;
                memcpy(xb, x, (size_t)n * sizeof *xb);
            }
        }
        double a = log(grid[ib > 0 ? ib - 1 : 0]), b = log(grid[ib + 1 < ng ? ib + 1 : ng - 1]);
        double zbest = log(grid[ib]);
        const double gr = 0.5 * (sqrt(5.0) - 1.0);
        double c = b - gr * (b - a), d = a + gr * (b - a), fc, fd;
        memcpy(x, xb, (size_t)n * sizeof *x);
        fc = lr_inner(s, &P, exp(c), x, 1, o, 0);
        memcpy(x, xb, (size_t)n * sizeof *x);
        fd = lr_inner(s, &P, exp(d), x, 1, o, 0);
        for (int it = 0; it < 14; it++) {
            memcpy(x, xb, (size_t)n * sizeof *x);
            if (fc < fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - gr * (b - a);
                fc = lr_inner(s, &P, exp(c), x, 1, o, 0);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + gr * (b - a);
                fd = lr_inner(s, &P, exp(d), x, 1, o, 0);
            }
        }
        double z = fc < fd ? c : d;
        if (fmin(fc, fd) > best) z = zbest;
        Bstar = exp(z);
        memcpy(x, xb, (size_t)n * sizeof *x);
        lr_inner(s, &P, Bstar, x, 1, o, 1);
        /* the warm start may sit in a worse basin than a cold multi-start */
        double *xc = malloc((size_t)n * sizeof *xc);
        if (xc) {
            outcome oc = *o;
            double Lc = lr_inner(s, &P, Bstar, xc, 0, &oc, 1);
            if (Lc < o->loss) {
                *o = oc;
                memcpy(x, xc, (size_t)n * sizeof *x);
            }
            free(xc);
        }
    } else {
        if (Bstar == 0) Bstar = m->B_min;
        lr_inner(s, &P, Bstar, x, 0, o, 1);
    }
    /* P's h and B_fix belong to the last inner solve; recompute for Bstar */
    P.h = fmin(m->T, m->C / Bstar) / n;
    P.B_fix = Bstar;
    controls(&P, x);
    for (int i = 0; i < n; i++) {
        S->eta[i] = P.eta[i];
        S->B[i] = Bstar;
        S->dt[i] = P.h;
    }
    S->loss = o->loss;
    S->residual = o->res;
    o->binds = isfinite(m->T) && m->C / Bstar > m->T;
    o->identifiable = 1;
    o->grid = OPTSCHED_GRID_TIME;
    o->lr_batch = Bstar;
    free(x);
    problem_free(&P);
    return isfinite(o->loss) ? OPTSCHED_OK : OPTSCHED_EFAIL;
}

int optsched_openloop_solve(optsched_openloop *s, optsched_error *err)
{
    const optsched_model *m = s->m;
    const double t0 = wall();
    const int n = s->n;
    s->evals = 0;
    solution S;
    if (solution_alloc(&S, n)) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (open-loop)");
    outcome o = {0};
    o.lr_batch = NAN;
    int st;
    switch (s->controls) {
    case OPTSCHED_CONTROLS_LR: st = solve_lr(s, &S, &o); break;
    case OPTSCHED_CONTROLS_BATCH: st = solve_joint_or_batch(s, s->batch_eta, &S, &o); break;
    default: st = solve_joint_or_batch(s, 0.0, &S, &o); break;
    }
    if (st) {
        solution_free(&S);
        return optsched_error_set(err, st == OPTSCHED_ENOMEM ? OPTSCHED_ENOMEM : OPTSCHED_EFAIL,
                                  "open-loop solve failed (the moments overflowed at every start)");
    }
    /* the result: arrays, then the exact loss of the array schedule as reported */
    optsched_openloop_result r;
    memset(&r, 0, sizeof r);
    r.n = n;
    r.t = malloc(7 * (size_t)n * sizeof *r.t);
    if (!r.t) {
        solution_free(&S);
        return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (open-loop)");
    }
    r.dt = r.t + n;
    r.eta = r.t + 2 * n;
    r.B = r.t + 3 * n;
    r.u = r.t + 4 * n;
    r.compute = r.t + 5 * n;
    double t = 0;
    int at_max = 0;
    for (int i = 0; i < n; i++) {
        r.t[i] = t;
        r.dt[i] = S.dt[i];
        r.eta[i] = S.eta[i];
        r.B[i] = S.B[i];
        r.u[i] = S.eta[i] / S.B[i];
        r.compute[i] = S.B[i] * S.dt[i];
        t += S.dt[i];
        if (S.eta[i] >= m->eta_max * (1 - 1e-6)) at_max++;
    }
    r.eta_max_fraction = (double)at_max / n;
    double bmin = HUGE_VAL;
    for (int i = 1; i + 1 < n; i++) bmin = fmin(bmin, S.B[i]);
    r.b_dips_then_rises = n > 2 && bmin < S.B[0] * (1 - 1e-6) && bmin < S.B[n - 1] * (1 - 1e-6);
    optsched_schedule sch = {0};
    optsched_exact_result ex;
    st = optsched_schedule_from_arrays(&sch, n, r.t, r.eta, r.B, m, err);
    if (!st) st = optsched_exact_eval(m, &sch, &ex, err);
    optsched_schedule_clear(&sch);
    solution_free(&S);
    if (st) {
        free(r.t);
        return st;
    }
    r.expected_loss = ex.expected_loss;
    r.compute_used = ex.compute_used;
    r.t_end = ex.t_end;
    r.residual = o.res;
    r.value_2n = o.loss2;
    r.residual_2n = o.res2;
    r.grid = (optsched_grid)o.grid;
    r.controls = s->controls;
    r.horizon_binds = o.binds;
    r.identifiable = o.identifiable;
    r.lr_batch = s->controls == OPTSCHED_CONTROLS_LR ? o.lr_batch : NAN;
    r.batch_eta = s->controls == OPTSCHED_CONTROLS_BATCH ? s->batch_eta : NAN;
    r.starts = s->starts;
    r.evaluations = s->evals;
    r.seconds = wall() - t0;
    result_free(&s->res);
    s->res = r;
    s->have = 1;
    return OPTSCHED_OK;
}

int optsched_openloop_schedule(const optsched_openloop *s, optsched_schedule *out, optsched_error *err)
{
    if (!s->have) return optsched_error_set(err, OPTSCHED_EINVAL, "open-loop: no solution yet (solve first)");
    return optsched_schedule_from_arrays(out, s->res.n, s->res.t, s->res.eta, s->res.B, s->m, err);
}
