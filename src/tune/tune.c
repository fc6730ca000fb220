/* Per-family tuning: exhaustive grid on the exact loss (OpenMP over grid
 * points; the argmin is taken in grid order, so the result does not depend on
 * the thread count), then Subplex (NLopt) on the continuous parameters: the loss
 * has kinks (at B = C_max/T, where the stop rule changes, and where the shape
 * clamps), which trip up quadratic-model methods such as BOBYQA. */
#include "optsched/tune.h"

#include <math.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>

#include "optsched/exact.h"

void optsched_tune_options_default(optsched_tune_options *o)
{
    *o = (optsched_tune_options){.eta_points = 16, .refine = 1, .max_evals = 400};
}

/* Milestone sets for piecewise (fractions of the run). */
static const double milestone_sets[][4] = {{0.5, 0.75, -1, -1}, {0.3, 0.6, 0.9, -1}, {0.5, -1, -1, -1},
                                           {0.8, -1, -1, -1},   {0.9, -1, -1, -1}};
static const char *milestone_sets_text = "0.5/0.75, 0.3/0.6/0.9, 0.5, 0.8, 0.9";
#define N_MILESTONE_SETS 5

static void add_axis(optsched_tune_result *r, const char *name, int n, const double *v)
{
    optsched_tune_axis *a = &r->axes[r->n_axes++];
    a->name = name;
    a->n = n;
    memcpy(a->values, v, (size_t)n * sizeof *v);
}

static void set_param(optsched_schedule *s, const optsched_model *m, const char *name, double v)
{
    if (!strcmp(name, "eta")) s->eta = v;
    else if (!strcmp(name, "B")) s->B = v;
    else if (!strcmp(name, "eta_end_ratio")) s->eta_end = fmin(m->eta_max, fmax(m->eta_min, v * s->eta));
    else if (!strcmp(name, "warmup")) s->warmup = v;
    else if (!strcmp(name, "decay")) s->decay = v;
    else if (!strcmp(name, "decay_type")) s->decay_type = (int)v;
    else if (!strcmp(name, "min_ratio")) s->min_ratio = v;
    else if (!strcmp(name, "gamma")) s->gamma = v;
    else if (!strcmp(name, "cooldown")) s->cooldown = v;
    else if (!strcmp(name, "delta")) s->delta = v;
    else if (!strcmp(name, "frac")) s->frac = v;
    else if (!strcmp(name, "milestone_set")) {
        int k = (int)v;
        s->n_milestones = 0;
        for (int i = 0; i < 4 && milestone_sets[k][i] >= 0; i++)
            s->milestones[s->n_milestones++] = milestone_sets[k][i];
    }
}

static void build_axes(optsched_tune_result *r, const optsched_model *m, optsched_family f,
                       const optsched_tune_options *o)
{
    double v[OPTSCHED_TUNE_MAX_VALUES];
    int n = 0;
    int ne = o->eta_points;
    for (int i = 0; i < ne; i++)
        v[i] = ne == 1 ? m->eta_max
                       : exp(log(m->eta_min) + (log(m->eta_max) - log(m->eta_min)) * i / (ne - 1));
    v[0] = m->eta_min; /* exact ends: exp(log(x)) need not round-trip */
    v[ne - 1] = m->eta_max;
    add_axis(r, "eta", ne, v);
    /* B: powers of two inside the bounds, the bounds themselves, and C/T */
    n = 0;
    v[n++] = m->B_min;
    for (double b = 1; b <= 256 && n < OPTSCHED_TUNE_MAX_VALUES - 2; b *= 2)
        if (b > m->B_min && b < m->B_max) v[n++] = b;
    if (m->B_max > m->B_min) v[n++] = m->B_max;
    double bt = m->C / m->T;
    if (isfinite(m->T) && bt > m->B_min && bt < m->B_max && n < OPTSCHED_TUNE_MAX_VALUES) {
        int dup = 0;
        for (int i = 0; i < n; i++) dup |= v[i] == bt;
        if (!dup) { /* keep sorted */
            int i = n++;
            while (i > 0 && v[i - 1] > bt) {
                v[i] = v[i - 1];
                i--;
            }
            v[i] = bt;
        }
    }
    add_axis(r, "B", n, v);
    switch (f) {
    case OPTSCHED_COSINE:
    case OPTSCHED_LINEAR:
        add_axis(r, "eta_end_ratio", 4, (double[]){0, 0.01, 0.1, 0.3});
        break;
    case OPTSCHED_WARMUP_COSINE:
        add_axis(r, "warmup", 4, (double[]){0.01, 0.05, 0.1, 0.2});
        add_axis(r, "eta_end_ratio", 3, (double[]){0, 0.01, 0.1});
        break;
    case OPTSCHED_WSD:
        add_axis(r, "warmup", 2, (double[]){0, 0.05});
        add_axis(r, "decay", 4, (double[]){0.1, 0.2, 0.3, 0.5});
        add_axis(r, "decay_type", 3, (double[]){OPTSCHED_DECAY_LINEAR, OPTSCHED_DECAY_COSINE, OPTSCHED_DECAY_SQRT});
        add_axis(r, "min_ratio", 2, (double[]){0, 0.1});
        break;
    case OPTSCHED_PIECEWISE:
        add_axis(r, "milestone_set", N_MILESTONE_SETS, (double[]){0, 1, 2, 3, 4});
        add_axis(r, "gamma", 3, (double[]){0.1, 0.3, 0.5});
        r->milestone_sets = milestone_sets_text;
        break;
    case OPTSCHED_CONST_COOLDOWN:
        add_axis(r, "cooldown", 5, (double[]){0.05, 0.1, 0.2, 0.3, 0.5});
        break;
    case OPTSCHED_BORDELON:
        add_axis(r, "delta", 4, (double[]){0.5, 1, 2, 4});
        add_axis(r, "frac", 3, (double[]){1, 0.5, 0.2});
        break;
    default:
        break;
    }
}

static void grid_point(const optsched_tune_result *r, const optsched_model *m, optsched_family f,
                       long idx, optsched_schedule *s)
{
    optsched_schedule_init(s, f, m);
    long rem = idx;
    int pos[OPTSCHED_TUNE_MAX_AXES];
    for (int a = r->n_axes - 1; a >= 0; a--) {
        pos[a] = (int)(rem % r->axes[a].n);
        rem /= r->axes[a].n;
    }
    for (int a = 0; a < r->n_axes; a++) set_param(s, m, r->axes[a].name, r->axes[a].values[pos[a]]);
}

static double loss_of(const optsched_model *m, const optsched_schedule *s)
{
    optsched_exact_result e;
    if (optsched_schedule_validate(s, m, NULL) != OPTSCHED_OK) return INFINITY;
    if (optsched_exact_eval(m, s, &e, NULL) != OPTSCHED_OK || !isfinite(e.expected_loss))
        return INFINITY;
    return e.expected_loss;
}

/* ---- local refinement ---- */
typedef struct {
    const char *name;
    int log;        /* optimise log(value) */
    double lo, hi;  /* bounds (of the value) */
} cont_param;

typedef struct {
    const optsched_model *m;
    optsched_schedule base;
    int n;
    cont_param p[8];
    int evals;
    double best_f;    /* the best point seen: the optimiser may stop with a failure */
    double best_x[8]; /* status after having improved, and that point counts */
} refine_ctx;

static void apply(refine_ctx *c, const double *x, optsched_schedule *s)
{
    *s = c->base;
    for (int i = 0; i < c->n; i++) {
        double v = c->p[i].log ? exp(x[i]) : x[i];
        v = fmin(c->p[i].hi, fmax(c->p[i].lo, v));
        const char *nm = c->p[i].name;
        if (!strcmp(nm, "eta_end")) s->eta_end = v;
        else set_param(s, c->m, nm, v);
    }
}

static double objective(unsigned n, const double *x, double *grad, void *vc)
{
    (void)grad;
    refine_ctx *c = vc;
    optsched_schedule s;
    apply(c, x, &s);
    c->evals++;
    double l = loss_of(c->m, &s);
    if (isfinite(l) && l < c->best_f) {
        c->best_f = l;
        memcpy(c->best_x, x, n * sizeof *x);
    }
    return isfinite(l) ? l : 1e30;
}

static void refine(const optsched_model *m, optsched_family f, optsched_schedule *best, double *loss,
                   int max_evals, int *evals)
{
    refine_ctx c = {.m = m, .base = *best, .best_f = *loss};
    cont_param *p = c.p;
#define ADD(nm, lg, a, b) p[c.n++] = (cont_param){nm, lg, a, b}
    ADD("eta", 1, m->eta_min, m->eta_max);
    if (m->B_max > m->B_min) ADD("B", 1, m->B_min, m->B_max);
    switch (f) {
    case OPTSCHED_COSINE:
    case OPTSCHED_LINEAR: ADD("eta_end", 1, m->eta_min, m->eta_max); break;
    case OPTSCHED_WARMUP_COSINE:
        ADD("warmup", 0, 0, 1);
        ADD("eta_end", 1, m->eta_min, m->eta_max);
        break;
    case OPTSCHED_WSD:
        ADD("warmup", 0, 0, 1);
        ADD("decay", 0, 0, 1);
        ADD("min_ratio", 0, 0, 1);
        break;
    case OPTSCHED_PIECEWISE: ADD("gamma", 0, 1e-3, 1); break;
    case OPTSCHED_CONST_COOLDOWN: ADD("cooldown", 0, 0, 1); break;
    case OPTSCHED_BORDELON:
        ADD("delta", 1, 0.05, 20);
        ADD("frac", 0, 1e-3, 1);
        break;
    default: break;
    }
#undef ADD
    double x[8], lb[8], ub[8], step[8];
    for (int i = 0; i < c.n; i++) {
        const char *nm = p[i].name;
        double v = !strcmp(nm, "eta") ? best->eta : !strcmp(nm, "B") ? best->B
                 : !strcmp(nm, "eta_end") ? best->eta_end : !strcmp(nm, "warmup") ? best->warmup
                 : !strcmp(nm, "decay") ? best->decay : !strcmp(nm, "min_ratio") ? best->min_ratio
                 : !strcmp(nm, "gamma") ? best->gamma : !strcmp(nm, "cooldown") ? best->cooldown
                 : !strcmp(nm, "delta") ? best->delta : best->frac;
        v = fmin(p[i].hi, fmax(p[i].lo, v));
        lb[i] = p[i].log ? log(p[i].lo) : p[i].lo;
        ub[i] = p[i].log ? log(p[i].hi) : p[i].hi;
        x[i] = p[i].log ? log(v) : v;
        step[i] = fmax(1e-3, 0.05 * (ub[i] - lb[i]));
        if (ub[i] <= lb[i]) ub[i] = lb[i] + 1e-12;
    }
    nlopt_opt opt = nlopt_create(NLOPT_LN_SBPLX, (unsigned)c.n);
    if (!opt) return;
    nlopt_set_lower_bounds(opt, lb);
    nlopt_set_upper_bounds(opt, ub);
    nlopt_set_initial_step(opt, step);
    nlopt_set_min_objective(opt, objective, &c);
    nlopt_set_xtol_rel(opt, 1e-7);
    nlopt_set_ftol_rel(opt, 1e-12);
    nlopt_set_maxeval(opt, max_evals);
    double fx = *loss;
    nlopt_optimize(opt, x, &fx); /* any stop: the best point seen is what counts */
    nlopt_destroy(opt);
    *evals += c.evals;
    if (c.best_f < *loss) {
        optsched_schedule s;
        apply(&c, c.best_x, &s);
        *best = s;
        *loss = loss_of(m, &s);
    }
}

int optsched_tune_family(const optsched_model *m, optsched_family f,
                         const optsched_tune_options *o, optsched_tune_result *res,
                         optsched_error *err)
{
    memset(res, 0, sizeof *res);
    if ((unsigned)f >= OPTSCHED_N_FAMILIES)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--family: expected one of the baseline families, got %d", f);
    if (o->eta_points < 12 || o->eta_points > OPTSCHED_TUNE_MAX_VALUES)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--eta-points: expected an integer in [12, %d], got %d",
                                  OPTSCHED_TUNE_MAX_VALUES, o->eta_points);
    build_axes(res, m, f, o);
    long total = 1;
    for (int a = 0; a < res->n_axes; a++) total *= res->axes[a].n;
    double *loss = malloc((size_t)total * sizeof *loss);
    if (!loss) return optsched_error_set(err, OPTSCHED_ENOMEM, "tune: out of memory");
#pragma omp parallel for schedule(dynamic, 4)
    for (long i = 0; i < total; i++) {
        optsched_schedule s;
        grid_point(res, m, f, i, &s);
        loss[i] = loss_of(m, &s);
    }
    long arg = -1;
    for (long i = 0; i < total; i++)
        if (isfinite(loss[i]) && (arg < 0 || loss[i] < loss[arg])) arg = i;
    if (arg < 0) {
        free(loss);
        return optsched_error_set(err, OPTSCHED_EFAIL,
                                  "tune %s: no grid point gave a finite loss", optsched_family_name(f));
    }
    grid_point(res, m, f, arg, &res->best);
    res->grid_loss = res->expected_loss = loss[arg];
    res->grid_points = (int)total;
    res->evaluations = (int)total;
    free(loss);
    if (o->refine) refine(m, f, &res->best, &res->expected_loss, o->max_evals, &res->evaluations);
    return OPTSCHED_OK;
}
