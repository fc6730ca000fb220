/* optsched paper: seed 000's tables recomputed with this library (SPEC §4).
 *
 *   table1   C_max = 20, P = 2, K = 10, α ∈ {0.5, 1, 1.5, 2}: the 8 tuned baseline
 *            families, the exact open-loop optimum ("openloop") and the closed loop
 *            ("hjb"), with the seed's Table 1 beside ours;
 *   table2   the closed loop against the tuned constant across C_max ∈ {5, ..., 80};
 *   table7   joint (η, B) against LR-only control: B searched over {4, 8, ..., 128}
 *            as the seed did ("lr_only_grid") and continuously ("lr_only");
 *   horizon  T ∈ {1, 5, 10, 20, inf} at α = 1, C_max = 20.
 *
 * Open-loop schedules get their exact expected loss (exact.h) and a Monte Carlo
 * estimate; every row of a setting runs on the same paths (common random
 * numbers), so its paired difference to the open-loop optimum has a small
 * standard error. An open-loop schedule below the optimum's exact loss, or a
 * closed-loop row worse than the optimum by more than two paired standard
 * errors, is flagged in every output. The seed's published numbers are copied
 * into static tables below and shown as "seed"; its loss scale differs from
 * ours (see docs/REPRODUCTION.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/hjb_common.h"
#include "optsched/exact.h"
#include "optsched/openloop.h"
#include "optsched/tune.h"

static const char *usage =
    "usage: optsched paper table1|table2|table7|horizon [--quick] [--paths N] [--steps N]\n"
    "                      [--seed S] [--json] [--out DIR]\n\n"
    "Seed 000's tables recomputed: tuned baselines (exact loss), the exact open-loop optimum,\n"
    "the closed loop (Deep Galerkin, the paper preset), Monte Carlo on common random numbers\n"
    "with paired differences to the open-loop optimum, and the seed's published numbers beside\n"
    "ours. --quick: fewer settings, 200 paths and a tiny closed-loop network (a smoke run, not\n"
    "a reproduction). --out DIR writes NAME.md, NAME.json and NAME.csv.";

/* ---- the seed's published numbers (seed 000) ---- */

static const double seed_alphas[4] = {0.5, 1.0, 1.5, 2.0};
static const double seed_budgets[5] = {5, 10, 20, 40, 80};

typedef struct {
    const char *method;
    double loss[4], compute[4], sd[4]; /* sd: the seed's ±1σ over paths, NAN if not given */
} seed_row;

/* Table 1 (C_max = 20, P = 2, K = 10; 200 paths; ± is one standard deviation). */
static const seed_row seed_table1[] = {
    {"constant", {7.88, 4.38, 2.38, 1.15}, {8, 8, 8, 8}, {NAN, NAN, NAN, NAN}},
    {"cosine", {11.51, 5.69, 3.09, 1.69}, {16, 16, 16, 4}, {NAN, NAN, NAN, NAN}},
    {"wsd", {8.13, 4.54, 2.48, 1.23}, {16, 16, 16, 16}, {NAN, NAN, NAN, NAN}},
    {"const_cooldown", {7.94, 4.46, 2.43, 1.20}, {16, 16, 16, 16}, {NAN, NAN, NAN, NAN}},
    {"bordelon", {10.80, 5.84, 3.09, 1.57}, {64, 4, 4, 4}, {NAN, NAN, NAN, NAN}},
    {"hjb", {7.61, 4.37, 2.40, 1.17}, {18, 17, 10, 14}, {0.95, 0.36, 0.24, 0.18}},
};

/* Table 2 (P = 2, K = 10): HJB and best constant, loss / compute, per C_max. */
static const double seed_t2_hjb_loss[5][4] = {{8.32, 4.54, 2.44, 1.20}, {7.85, 4.43, 2.42, 1.18},
                                              {7.61, 4.37, 2.40, 1.17}, {7.49, 4.34, 2.38, 1.16},
                                              {7.45, 4.32, 2.38, 1.16}};
static const double seed_t2_hjb_c[5][4] = {
    {5, 5, 5, 5}, {9, 9, 7, 8}, {18, 17, 10, 14}, {32, 28, 19, 21}, {49, 53, 24, 28}};
static const double seed_t2_const_loss[5][4] = {{8.46, 4.48, 2.41, 1.17}, {7.88, 4.38, 2.38, 1.15},
                                                {7.88, 4.38, 2.38, 1.15}, {7.46, 4.38, 2.38, 1.15},
                                                {7.39, 4.29, 2.35, 1.14}};
static const double seed_t2_const_c[5][4] = {
    {4, 4, 4, 4}, {8, 8, 8, 8}, {8, 8, 8, 8}, {32, 8, 8, 8}, {64, 64, 64, 64}};

/* Table 7 (C_max = 20, K = 10, P = 2): LR-only with B* = 8, and joint (η, B). */
static const double seed_t7_lr[4] = {7.94, 4.44, 2.42, 1.18};
static const double seed_t7_joint[4] = {7.51, 4.33, 2.37, 1.15};

static int seed_index(const double *v, int n, double x)
{
    for (int i = 0; i < n; i++)
        if (fabs(v[i] - x) < 1e-9) return i;
    return -1;
}

/* The seed's loss, compute and ±1σ for a row, NAN where it published none. */
static void seed_lookup(const char *table, const char *method, double alpha, double budget,
                        double *loss, double *compute, double *sd)
{
    *loss = *compute = *sd = NAN;
    int a = seed_index(seed_alphas, 4, alpha);
    if (a < 0) return;
    if (!strcmp(table, "table1") && budget == 20) {
        for (size_t i = 0; i < sizeof seed_table1 / sizeof seed_table1[0]; i++)
            if (!strcmp(seed_table1[i].method, method)) {
                *loss = seed_table1[i].loss[a];
                *compute = seed_table1[i].compute[a];
                *sd = seed_table1[i].sd[a];
            }
    } else if (!strcmp(table, "table2")) {
        int b = seed_index(seed_budgets, 5, budget);
        if (b < 0) return;
        if (!strcmp(method, "hjb")) {
            *loss = seed_t2_hjb_loss[b][a];
            *compute = seed_t2_hjb_c[b][a];
        } else if (!strcmp(method, "constant")) {
            *loss = seed_t2_const_loss[b][a];
            *compute = seed_t2_const_c[b][a];
        }
    } else if (!strcmp(table, "table7") && budget == 20) {
        if (!strcmp(method, "lr_only_grid")) {
            *loss = seed_t7_lr[a];
            *compute = NAN;
        } else if (!strcmp(method, "openloop")) {
            *loss = seed_t7_joint[a]; /* the seed's "Joint (η, B)" */
        }
    }
}

/* ---- rows ---- */

typedef struct {
    char method[32];
    char note[48];        /* role: "baseline", "best_baseline", "optimum", ... */
    double alpha, budget, horizon;
    double exact;         /* exact expected loss; NAN for the closed loop */
    double compute;       /* exact compute used, or the MC mean for the closed loop */
    double lr_batch;      /* LR-only rows: the constant B; NAN otherwise */
    double diff, diff_se; /* MC paired difference row − openloop, same paths */
    double gap_pct;       /* exact loss vs the optimum, % (NAN for the closed loop) */
    int worse_2se;        /* worse than the open-loop optimum by > 2 paired SE */
    int beats_openloop;   /* open-loop schedule with exact loss below the optimum */
    int best_baseline;
    double seed_loss, seed_compute, seed_sd;
    char schedule[320];
    optsched_mc_result mc;
} prow;

typedef struct {
    prow *r;
    int n, cap;
} prows;

static prow *prows_add(prows *p, optsched_error *err)
{
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 32;
        prow *r = realloc(p->r, (size_t)cap * sizeof *r);
        if (!r) {
            optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (rows)");
            return NULL;
        }
        p->r = r;
        p->cap = cap;
    }
    prow *r = &p->r[p->n++];
    memset(r, 0, sizeof *r);
    r->exact = r->lr_batch = r->diff = r->diff_se = r->gap_pct = NAN;
    r->seed_loss = r->seed_compute = r->seed_sd = NAN;
    return r;
}

static void prows_free(prows *p)
{
    for (int i = 0; i < p->n; i++) optsched_mc_result_free(&p->r[i].mc);
    free(p->r);
    memset(p, 0, sizeof *p);
}

/* ---- settings and methods ---- */

enum {
    M_FAMILIES = 1, /* all 8 tuned families */
    M_CONSTANT = 2, /* the tuned constant only */
    M_HJB = 4,
    M_LR = 8,       /* LR-only, B searched continuously */
    M_LR_GRID = 16, /* LR-only, B on {4, 8, ..., 128} */
    M_BEST = 32     /* rows: constant and the best family only (all are tuned) */
};

typedef struct {
    const char *table;
    int quick;
    optsched_mc_options mco;
    int ol_n, ol_starts, ol_refine;
    int hjb_points;
    int progress;
} pcfg;

static void model_params(optsched_model_params *p, double alpha, double budget, double horizon)
{
    optsched_model_params_default(p);
    p->modes = 10;
    p->features = 2;
    p->noise = 0.1;
    p->a0 = 1;
    p->alpha = alpha;
    p->budget = budget;
    p->horizon = horizon;
}

static int solve_openloop(const optsched_model *m, const pcfg *cfg, const char *controls,
                          double lr_batch, optsched_schedule *s, double *B_used,
                          optsched_error *err)
{
    optsched_openloop *ol = optsched_openloop_create(m, err);
    if (!ol) return OPTSCHED_ENOMEM;
    int st = optsched_openloop_set(ol, "n", cfg->ol_n, err);
    if (!st) st = optsched_openloop_set(ol, "starts", cfg->ol_starts, err);
    if (!st) st = optsched_openloop_set(ol, "refine", cfg->ol_refine, err);
    if (!st) st = optsched_openloop_set_str(ol, "controls", controls, err);
    if (!st && lr_batch > 0) st = optsched_openloop_set(ol, "lr_batch", lr_batch, err);
    if (!st) st = optsched_openloop_solve(ol, err);
    if (!st) st = optsched_openloop_schedule(ol, s, err);
    if (!st && B_used) *B_used = optsched_openloop_get(ol)->lr_batch;
    optsched_openloop_destroy(ol);
    return st;
}

/* Fills a row of an open-loop schedule: exact loss and the Monte Carlo. */
static int eval_open(prow *r, const optsched_model *m, const optsched_schedule *s, const pcfg *cfg,
                     optsched_error *err)
{
    optsched_exact_result ex;
    int st = optsched_exact_eval(m, s, &ex, err);
    if (st) return st;
    r->exact = ex.expected_loss;
    r->compute = ex.compute_used;
    if (s->family != OPTSCHED_ARRAY) optsched_schedule_format(s, r->schedule, sizeof r->schedule);
    return optsched_mc_schedule(m, s, &cfg->mco, &r->mc, err);
}

static void row_head(prow *r, const char *method, const char *note, double alpha, double budget,
                     double horizon)
{
    snprintf(r->method, sizeof r->method, "%s", method);
    snprintf(r->note, sizeof r->note, "%s", note);
    r->alpha = alpha;
    r->budget = budget;
    r->horizon = horizon;
}

static int run_hjb_row(prow *r, const optsched_model_params *p, const pcfg *cfg,
                       optsched_error *err)
{
    hjb_session h;
    int st = hjb_session_new_opts(&h, p, cfg->quick ? "quick" : "paper", NULL, cfg->mco.seed, err);
    if (!st) st = hjb_session_train(&h, 0, cfg->progress, err);
    hjb_report rep = {0};
    if (!st)
        st = hjb_session_report(&h, cfg->hjb_points, cfg->mco.paths, cfg->mco.seed, cfg->mco.steps,
                                &rep, err);
    if (!st) {
        r->mc = rep.mc; /* ownership moves to the row */
        memset(&rep.mc, 0, sizeof rep.mc);
        r->compute = r->mc.compute_mean;
        snprintf(r->schedule, sizeof r->schedule,
                 "closed loop, %s preset (%d rounds x %d, %d points, %dx%d), DP gap %.3g",
                 h.o.preset, h.o.rounds, h.o.iters, h.o.batch, h.o.layers, h.o.width, rep.dp_gap);
    }
    hjb_report_free(&rep);
    hjb_session_free(&h);
    return st;
}

/* One setting: the open-loop optimum first (the reference), then the methods. */
static int run_setting(prows *out, const pcfg *cfg, double alpha, double budget, double horizon,
                       int methods, optsched_error *err)
{
    optsched_model_params p;
    model_params(&p, alpha, budget, horizon);
    optsched_model *m = NULL;
    int st = optsched_model_alloc(&m, &p, err);
    if (st) return st;
    int first = out->n;
    if (cfg->progress)
        fprintf(stderr, "paper %s: alpha=%g C_max=%g T=%g\n", cfg->table, alpha, budget, horizon);

    /* the open-loop optimum (joint η, B) */
    optsched_schedule s = {0};
    prow *r = prows_add(out, err);
    if (!r) st = OPTSCHED_ENOMEM;
    if (!st) {
        row_head(r, "openloop", "optimum", alpha, budget, horizon);
        snprintf(r->schedule, sizeof r->schedule, "open loop, joint controls, N=%d", cfg->ol_n);
        st = solve_openloop(m, cfg, "joint", 0, &s, NULL, err);
    }
    if (!st) st = eval_open(r, m, &s, cfg, err);
    optsched_schedule_clear(&s);

    /* tuned baseline families */
    if (!st && (methods & (M_FAMILIES | M_CONSTANT))) {
        int nf = (methods & M_FAMILIES) ? OPTSCHED_N_FAMILIES : 1;
        optsched_tune_options to;
        optsched_tune_options_default(&to);
        int fam0 = out->n, best = -1;
        for (int f = 0; f < nf && !st; f++) {
            optsched_tune_result tr;
            st = optsched_tune_family(m, (optsched_family)f, &to, &tr, err);
            if (st) break;
            r = prows_add(out, err);
            if (!r) {
                st = OPTSCHED_ENOMEM;
                break;
            }
            row_head(r, optsched_family_name((optsched_family)f), "baseline", alpha, budget,
                     horizon);
            st = eval_open(r, m, &tr.best, cfg, err);
            if (!st && (best < 0 || r->exact < out->r[best].exact)) best = out->n - 1;
        }
        if (!st && best >= 0 && nf > 1) { /* the best of the 8 families */
            out->r[best].best_baseline = 1;
            snprintf(out->r[best].note, sizeof out->r[best].note, "best_baseline");
        }
        if (!st && (methods & M_BEST)) { /* keep constant and the best family only */
            int w = fam0;
            for (int i = fam0; i < out->n; i++) {
                if (!strcmp(out->r[i].method, "constant") || out->r[i].best_baseline) {
                    if (w != i) {
                        prow tmp = out->r[w];
                        out->r[w] = out->r[i];
                        out->r[i] = tmp;
                    }
                    w++;
                }
            }
            for (int i = w; i < out->n; i++) optsched_mc_result_free(&out->r[i].mc);
            out->n = w;
        }
    }

    /* LR-only: B on the seed's grid, and B searched continuously */
    if (!st && (methods & M_LR_GRID)) {
        static const double grid[6] = {4, 8, 16, 32, 64, 128};
        double best_loss = INFINITY, best_B = NAN;
        for (int i = 0; i < 6 && !st; i++) {
            optsched_exact_result ex;
            st = solve_openloop(m, cfg, "lr", grid[i], &s, NULL, err);
            if (!st) st = optsched_exact_eval(m, &s, &ex, err);
            if (!st && ex.expected_loss < best_loss) {
                best_loss = ex.expected_loss;
                best_B = grid[i];
            }
            optsched_schedule_clear(&s);
        }
        if (!st && !(r = prows_add(out, err))) st = OPTSCHED_ENOMEM;
        if (!st) {
            row_head(r, "lr_only_grid", "lr_only", alpha, budget, horizon);
            r->lr_batch = best_B;
            st = solve_openloop(m, cfg, "lr", best_B, &s, NULL, err);
        }
        if (!st) {
            st = eval_open(r, m, &s, cfg, err);
            snprintf(r->schedule, sizeof r->schedule,
                     "open loop, eta only, B*=%g from {4,8,16,32,64,128}, N=%d", best_B, cfg->ol_n);
        }
        optsched_schedule_clear(&s);
    }
    if (!st && (methods & M_LR)) {
        double B = NAN;
        if (!(r = prows_add(out, err))) st = OPTSCHED_ENOMEM;
        if (!st) {
            row_head(r, "lr_only", "lr_only", alpha, budget, horizon);
            st = solve_openloop(m, cfg, "lr", 0, &s, &B, err);
        }
        if (!st) {
            r->lr_batch = B;
            st = eval_open(r, m, &s, cfg, err);
            snprintf(r->schedule, sizeof r->schedule,
                     "open loop, eta only, B=%.4g searched continuously, N=%d", B, cfg->ol_n);
        }
        optsched_schedule_clear(&s);
    }

    /* the closed loop */
    if (!st && (methods & M_HJB)) {
        if (!(r = prows_add(out, err))) st = OPTSCHED_ENOMEM;
        if (!st) {
            row_head(r, "hjb", "closed_loop", alpha, budget, horizon);
            st = run_hjb_row(r, &p, cfg, err);
        }
    }

    /* comparisons with the optimum (row `first`), on the same paths */
    if (!st) {
        const prow *ol = &out->r[first];
        for (int i = first; i < out->n; i++) {
            prow *q = &out->r[i];
            seed_lookup(cfg->table, q->method, alpha, budget, &q->seed_loss, &q->seed_compute,
                        &q->seed_sd);
            if (i == first) continue;
            optsched_mc_paired(&ol->mc, &q->mc, &q->diff, &q->diff_se);
            if (isfinite(q->exact)) {
                q->gap_pct = 100 * (q->exact - ol->exact) / ol->exact;
                /* tolerance: the optimum's own convergence (well below 1e-6 relative) */
                q->beats_openloop = q->exact < ol->exact * (1 - 1e-6);
            } else {
                q->worse_2se = q->diff > 2 * q->diff_se;
            }
        }
    }
    optsched_model_free(m);
    return st;
}

/* ---- the tables ---- */

typedef struct {
    const char *name;
    const char *title;
} table_info;

static const table_info tables[] = {
    {"table1", "Table 1: loss and compute at C_max = 20, P = 2, K = 10"},
    {"table2", "Table 2: closed loop vs tuned constant across budgets (P = 2, K = 10)"},
    {"table7", "Table 7: joint (eta, B) vs LR-only control (C_max = 20, K = 10, P = 2)"},
    {"horizon", "Horizon sweep: T in {1, 5, 10, 20, inf} at alpha = 1, C_max = 20"},
};

static int run_table(const char *name, const pcfg *cfg, prows *out, optsched_error *err)
{
    static const double all_alpha[4] = {0.5, 1.0, 1.5, 2.0};
    static const double quick_alpha[1] = {1.0};
    const double *al = cfg->quick ? quick_alpha : all_alpha;
    int na = cfg->quick ? 1 : 4;
    int st = OPTSCHED_OK;
    if (!strcmp(name, "table1")) {
        for (int i = 0; i < na && !st; i++)
            st = run_setting(out, cfg, al[i], 20, 10, M_FAMILIES | M_HJB, err);
    } else if (!strcmp(name, "table2")) {
        static const double quick_b[2] = {5, 20};
        const double *bs = cfg->quick ? quick_b : seed_budgets;
        int nb = cfg->quick ? 2 : 5;
        for (int j = 0; j < nb && !st; j++)
            for (int i = 0; i < na && !st; i++)
                st = run_setting(out, cfg, al[i], bs[j], 10, M_CONSTANT | M_HJB, err);
    } else if (!strcmp(name, "table7")) {
        for (int i = 0; i < na && !st; i++)
            st = run_setting(out, cfg, al[i], 20, 10, M_LR | M_LR_GRID, err);
    } else if (!strcmp(name, "horizon")) {
        static const double all_T[5] = {1, 5, 10, 20, INFINITY};
        static const double quick_T[3] = {1, 10, INFINITY};
        const double *ts = cfg->quick ? quick_T : all_T;
        int nt = cfg->quick ? 3 : 5;
        for (int j = 0; j < nt && !st; j++)
            st = run_setting(out, cfg, 1.0, 20, ts[j], M_FAMILIES | M_BEST | M_LR, err);
    }
    return st;
}

/* Rough wall time of a full run, from the fast preset's measured 896 s
 * (docs/HJB.md) scaled by iterations × points × width², plus the open-loop work. */
static double full_estimate_seconds(const char *name)
{
    double hjb_s = 896.0 * (5.0 * 4000 * 2048 * 128 * 128) / (4.0 * 600 * 512 * 64 * 64);
    if (!strcmp(name, "table1")) return 4 * (hjb_s + 30);
    if (!strcmp(name, "table2")) return 20 * (hjb_s + 10);
    if (!strcmp(name, "table7")) return 4 * 40;
    return 5 * 40;
}

/* ---- output ---- */

static cJSON *num_or_null(double x) { return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull(); }

static cJSON *rows_json(const char *name, const pcfg *cfg, const prows *p)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "table", name);
    cJSON_AddStringToObject(doc, "mode", cfg->quick ? "quick" : "full");
    cJSON *mc = cJSON_AddObjectToObject(doc, "mc");
    cJSON_AddNumberToObject(mc, "paths", cfg->mco.paths);
    cJSON_AddNumberToObject(mc, "steps", cfg->mco.steps);
    cJSON_AddNumberToObject(mc, "seed", (double)cfg->mco.seed);
    cJSON_AddStringToObject(doc, "loss_definition",
                            "exact expected loss for open-loop schedules (stderr 0); Monte Carlo "
                            "mean for the closed loop (stderr its standard error)");
    int flagged = 0;
    cJSON *arr = cJSON_AddArrayToObject(doc, "rows");
    for (int i = 0; i < p->n; i++) {
        const prow *r = &p->r[i];
        int exact = isfinite(r->exact);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "method", r->method);
        cJSON_AddStringToObject(o, "role", r->note);
        cJSON_AddNumberToObject(o, "alpha", r->alpha);
        cJSON_AddNumberToObject(o, "budget", r->budget);
        if (isfinite(r->horizon))
            cJSON_AddNumberToObject(o, "horizon", r->horizon);
        else
            cJSON_AddStringToObject(o, "horizon", "inf");
        cJSON_AddNumberToObject(o, "loss", exact ? r->exact : r->mc.mean);
        cJSON_AddNumberToObject(o, "stderr", exact ? 0.0 : r->mc.se);
        cJSON_AddNumberToObject(o, "compute", r->compute);
        cJSON_AddStringToObject(o, "loss_source", exact ? "exact" : "monte_carlo");
        cJSON_AddItemToObject(o, "exact_loss", num_or_null(r->exact));
        cJSON_AddNumberToObject(o, "mc_mean", r->mc.mean);
        cJSON_AddNumberToObject(o, "mc_stderr", r->mc.se);
        cJSON_AddNumberToObject(o, "mc_std", r->mc.std);
        cJSON_AddNumberToObject(o, "mc_compute", r->mc.compute_mean);
        cJSON_AddItemToObject(o, "paired_diff_to_openloop", num_or_null(r->diff));
        cJSON_AddItemToObject(o, "paired_diff_stderr", num_or_null(r->diff_se));
        cJSON_AddItemToObject(o, "gap_percent", num_or_null(r->gap_pct));
        cJSON_AddBoolToObject(o, "worse_than_openloop_2se", r->worse_2se);
        cJSON_AddBoolToObject(o, "beats_openloop", r->beats_openloop);
        cJSON_AddBoolToObject(o, "best_baseline", r->best_baseline);
        cJSON_AddItemToObject(o, "lr_batch", num_or_null(r->lr_batch));
        cJSON_AddStringToObject(o, "schedule", r->schedule);
        cJSON *sd = cJSON_AddObjectToObject(o, "seed");
        cJSON_AddItemToObject(sd, "loss", num_or_null(r->seed_loss));
        cJSON_AddItemToObject(sd, "compute", num_or_null(r->seed_compute));
        cJSON_AddItemToObject(sd, "sd", num_or_null(r->seed_sd));
        cJSON_AddItemToArray(arr, o);
        flagged += r->worse_2se + r->beats_openloop;
    }
    cJSON_AddNumberToObject(doc, "flagged", flagged);
    return doc;
}

static void fmt(char *b, size_t n, const char *f, double x)
{
    if (isfinite(x))
        snprintf(b, n, f, x);
    else
        snprintf(b, n, "-");
}

static void write_md(FILE *f, const char *name, const pcfg *cfg, const prows *p)
{
    const char *title = name;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (!strcmp(tables[i].name, name)) title = tables[i].title;
    fprintf(f, "## %s%s\n\n", title, cfg->quick ? " (--quick: a smoke run, not a reproduction)" : "");
    fprintf(f, "K = 10, P = 2, sigma^2 = 0.1, a0 = 1, eta in [1e-4, 0.5], B in [1, 256]. "
               "Monte Carlo: %d paths, %d steps, seed %llu, common random numbers across the rows "
               "of a setting. Exact = exact expected loss (open-loop schedules); delta = paired MC "
               "difference to the open-loop optimum (same paths) +- its SE. Seed = seed 000's "
               "published value (its loss scale differs from ours).\n\n",
            cfg->mco.paths, cfg->mco.steps, (unsigned long long)cfg->mco.seed);
    fprintf(f, "| alpha | C_max | T | method | exact loss | gap vs opt | MC mean +- SE | compute | "
               "delta vs openloop (paired) | seed loss | seed C | flag |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < p->n; i++) {
        const prow *r = &p->r[i];
        char ex[32], gap[32], mc[64], d[64], sl[32], sc[32], T[16], meth[64];
        fmt(ex, sizeof ex, "%.6f", r->exact);
        fmt(gap, sizeof gap, "%+.3f%%", r->gap_pct);
        snprintf(mc, sizeof mc, "%.6f +- %.6f", r->mc.mean, r->mc.se);
        if (!strcmp(r->note, "optimum"))
            snprintf(d, sizeof d, "reference");
        else
            snprintf(d, sizeof d, "%+.6f +- %.6f", r->diff, r->diff_se);
        if (isfinite(r->seed_sd))
            snprintf(sl, sizeof sl, "%.2f +- %.2f (sd)", r->seed_loss, r->seed_sd);
        else
            fmt(sl, sizeof sl, "%.2f", r->seed_loss);
        fmt(sc, sizeof sc, "%g", r->seed_compute);
        fmt(T, sizeof T, "%g", r->horizon);
        if (!isfinite(r->horizon)) snprintf(T, sizeof T, "inf");
        if (isfinite(r->lr_batch))
            snprintf(meth, sizeof meth, "%s (B=%.4g)", r->method, r->lr_batch);
        else
            snprintf(meth, sizeof meth, "%s%s", r->method, r->best_baseline ? " (best baseline)" : "");
        const char *flag = r->worse_2se        ? "**WORSE than the open-loop optimum by > 2 SE**"
                           : r->beats_openloop ? "**BELOW the open-loop optimum (exact): check**"
                                               : "";
        fprintf(f, "| %g | %g | %s | %s | %s | %s | %s | %.4g | %s | %s | %s | %s |\n", r->alpha,
                r->budget, T, meth, ex, gap, mc, r->compute, d, sl, sc, flag);
    }
    /* table 7: the improvement of joint control over LR-only, as the seed reports it */
    if (!strcmp(name, "table7")) {
        fprintf(f, "\nImprovement of joint over LR-only (exact losses; seed: 5.4%%, 2.5%%, 1.9%%, "
                   "2.6%% at alpha = 0.5, 1, 1.5, 2 over B* = 8):\n\n");
        for (int i = 0; i < p->n; i++) {
            if (strcmp(p->r[i].method, "openloop")) continue;
            for (int j = i + 1; j < p->n && strcmp(p->r[j].method, "openloop"); j++)
                if (isfinite(p->r[j].lr_batch))
                    fprintf(f, "- alpha = %g, %s (B = %.4g): %.2f%%\n", p->r[i].alpha, p->r[j].method,
                            p->r[j].lr_batch,
                            100 * (p->r[j].exact - p->r[i].exact) / p->r[j].exact);
        }
    }
    fputc('\n', f);
}

static int write_csv(FILE *f, const char *name, const prows *p)
{
    fprintf(f, "table,method,role,alpha,budget,horizon,loss,stderr,compute,exact_loss,mc_mean,"
               "mc_stderr,mc_compute,paired_diff,paired_diff_stderr,gap_percent,"
               "worse_than_openloop_2se,beats_openloop,lr_batch,seed_loss,seed_compute\n");
    for (int i = 0; i < p->n; i++) {
        const prow *r = &p->r[i];
        int exact = isfinite(r->exact);
        fprintf(f, "%s,%s,%s,%g,%g,%g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,"
                   "%d,%d,%.10g,%g,%g\n",
                name, r->method, r->note, r->alpha, r->budget, r->horizon,
                exact ? r->exact : r->mc.mean, exact ? 0.0 : r->mc.se, r->compute, r->exact,
                r->mc.mean, r->mc.se, r->mc.compute_mean, r->diff, r->diff_se, r->gap_pct,
                r->worse_2se, r->beats_openloop, r->lr_batch, r->seed_loss, r->seed_compute);
    }
    return ferror(f) ? -1 : 0;
}

int cmd_paper(int argc, char **argv)
{
    int quick = 0, json = 0, paths = 0, steps = 500;
    double seed = 42;
    const char *outdir = NULL;
    cli_arg table[] = {
        {"--quick", CLI_FLAG, &quick, NULL, "fewer settings, 200 paths, a tiny closed-loop network", 0},
        {"--paths", CLI_INT, &paths, "[2,1000000]", "Monte Carlo paths (2000; --quick 200)", 0},
        {"--steps", CLI_INT, &steps, "[10,1000000]", "Monte Carlo steps (500)", 0},
        {"--seed", CLI_DOUBLE, &seed, "[0,9007199254740992]", "random seed (42)", 0},
        {"--json", CLI_FLAG, &json, NULL, "print the JSON document instead of Markdown", 0},
        {"--out", CLI_STRING, &outdir, NULL, "write NAME.md, NAME.json, NAME.csv into DIR", 0},
    };
    int n = (int)(sizeof table / sizeof table[0]);
    const char *pos[1] = {NULL};
    int npos = 0, help = 0;
    optsched_error err = {0};
    int st = cli_args_parse(argc, argv, table, n, pos, 1, &npos, &help, &err);
    if (help) {
        cli_args_print_help(stdout, usage, table, n);
        return 0;
    }
    if (st) return cli_fail("paper", &err);
    const char *name = pos[0];
    int known = 0;
    for (size_t i = 0; name && i < sizeof tables / sizeof tables[0]; i++)
        known |= !strcmp(tables[i].name, name);
    if (!known) {
        optsched_error_set(&err, OPTSCHED_EINVAL,
                           "expected a table: table1, table2, table7 or horizon%s%s%s",
                           name ? " (got '" : "", name ? name : "", name ? "')" : "");
        return cli_fail("paper", &err);
    }
    if (seed != floor(seed)) {
        optsched_error_set(&err, OPTSCHED_EINVAL, "--seed: expected an integer in [0, 2^53]");
        return cli_fail("paper", &err);
    }

    pcfg cfg = {.table = name, .quick = quick};
    optsched_mc_options_default(&cfg.mco);
    cfg.mco.seed = (uint64_t)seed;
    cfg.mco.paths = paths ? paths : (quick ? 200 : 2000);
    cfg.mco.steps = steps;
    cfg.ol_n = 200;
    cfg.ol_starts = quick ? 1 : 3;
    cfg.ol_refine = quick ? 0 : 1;
    cfg.hjb_points = quick ? 200 : 5000;
    cfg.progress = isatty(2);
    if (!quick)
        fprintf(stderr,
                "optsched paper %s: full run, rough estimate %.1f h on this machine's measured "
                "rate (closed loop: the paper preset; use --quick for a smoke run)\n",
                name, full_estimate_seconds(name) / 3600);

    prows rows = {0};
    out_dir od = {0};
    cJSON *doc = NULL;
    if (outdir) st = out_begin(&od, outdir, &err);
    if (!st) st = run_table(name, &cfg, &rows, &err);
    if (!st) doc = rows_json(name, &cfg, &rows);
    if (!st && outdir) {
        char fn[64];
        snprintf(fn, sizeof fn, "%s.json", name);
        st = out_json(&od, fn, doc, &err);
        if (!st) {
            snprintf(fn, sizeof fn, "%s.md", name);
            FILE *f = out_open(&od, fn, &err);
            if (!f) st = OPTSCHED_EIO;
            if (!st) {
                write_md(f, name, &cfg, &rows);
                if (fclose(f)) st = optsched_error_set(&err, OPTSCHED_EIO, "cannot write %s", fn);
            }
        }
        if (!st) {
            snprintf(fn, sizeof fn, "%s.csv", name);
            FILE *f = out_open(&od, fn, &err);
            if (!f) st = OPTSCHED_EIO;
            if (!st) {
                int bad = write_csv(f, name, &rows);
                if (fclose(f) || bad)
                    st = optsched_error_set(&err, OPTSCHED_EIO, "cannot write %s", fn);
            }
        }
        if (!st) st = out_commit(&od, &err);
    }
    if (!st) {
        if (json)
            cli_json_print(doc);
        else
            write_md(stdout, name, &cfg, &rows);
    }
    if (st && outdir) out_abort(&od);
    cJSON_Delete(doc);
    prows_free(&rows);
    return st ? cli_fail("paper", &err) : 0;
}
