/* optsched paper: seed 000's experiments recomputed with this library (SPEC §4).
 *
 *   table1   C_max = 20, P = 2, K = 10, α ∈ {0.5, 1, 1.5, 2}: the 8 tuned baseline
 *            families, the exact open-loop optimum ("openloop") and the closed loop ("hjb");
 *   table2   the closed loop against the tuned constant across C_max ∈ {5, ..., 80};
 *   table3   the closed loop's PDE diagnostics at α = 1, C_max = 20;
 *   table4   λ_struct ∈ {0, 10, 50, 100, 200} and policy-iteration rounds n_PI ∈ {1, 3, 5, 10};
 *   table5   K = 20 (α = 1 and 0.5) beside K = 10;
 *   table6   P ∈ {2, 5, 10, 20}: the closed loop, constant, constant + cooldown;
 *   table7   joint (η, B) against LR-only control: B searched over {4, 8, ..., 128}
 *            as the seed did ("lr_only_grid") and continuously ("lr_only");
 *   horizon  T ∈ {1, 5, 10, 20, inf} at α = 1, C_max = 20;
 *   fig1     loss against compute along the runs (α = 1, C_max = 20), every method;
 *   fig2     the closed loop's η(t), B(t) with bands, and the open-loop optimum's;
 *   all      every one of these, in this order.
 *
 * Open-loop schedules get their exact expected loss (exact.h) and a Monte Carlo
 * estimate; every row of a setting runs on the same paths (common random
 * numbers), so its paired difference to the open-loop optimum has a small
 * standard error. An open-loop schedule below the optimum's exact loss, or a
 * closed-loop row worse than the optimum by more than two paired standard
 * errors, is flagged in every output. The seed's published numbers are in
 * paper_seed.c and shown as "seed"; its loss scale differs from ours (see
 * docs/REPRODUCTION.md). Trained closed-loop networks go to --state DIR, named by
 * setting, so an interrupted run resumes where it stopped and later tables reuse them. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/hjb_common.h"
#include "cli/paper.h"
#include "optsched/exact.h"
#include "optsched/openloop.h"
#include "optsched/tune.h"

static const char *usage =
    "usage: optsched paper table1|...|table7|horizon|fig1|fig2|all [--quick] [--paths N]\n"
    "                      [--steps N] [--seed S] [--hjb-preset P] [--state DIR] [--json] [--out DIR]\n\n"
    "Seed 000's tables and figures recomputed: tuned baselines (exact loss), the exact open-loop\n"
    "optimum, the closed loop (Deep Galerkin), Monte Carlo on common random numbers with paired\n"
    "differences to the open-loop optimum, and the seed's published numbers beside ours.\n"
    "--quick: fewer settings, 200 paths and a tiny closed-loop network (a smoke run, not a\n"
    "reproduction). Full mode prints a time estimate first; with --state DIR every trained\n"
    "network is checkpointed there and an interrupted run resumes. --out DIR writes NAME.md,\n"
    "NAME.json, NAME.csv (and NAME.png for figures).";

/* ---- rows ---- */

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
    r->exact = r->lr_batch = r->diff = r->diff_se = r->gap_pct = r->dp_gap = NAN;
    r->seed_loss = r->seed_compute = r->seed_sd = r->seed_residual = r->seed_dp = NAN;
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
    M_BEST = 32,    /* rows: constant and the best family only (all are tuned) */
    M_COOLDOWN = 64 /* the tuned constant and constant + cooldown */
};


static void model_params(optsched_model_params *p, const psetting *ps)
{
    optsched_model_params_default(p);
    p->modes = ps->K;
    p->features = ps->P;
    p->noise = 0.1;
    p->a0 = 1;
    p->alpha = ps->alpha;
    p->budget = ps->budget;
    p->horizon = ps->horizon;
}

/* A canonical setting (K = 10, P = 2, T = 10) at alpha, C_max. */
static psetting canon(double alpha, double budget)
{
    return (psetting){.alpha = alpha, .budget = budget, .horizon = 10, .P = 2, .K = 10,
                      .lambda_struct = NAN};
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

static void row_head(prow *r, const char *method, const char *note, const psetting *ps)
{
    snprintf(r->method, sizeof r->method, "%s", method);
    snprintf(r->note, sizeof r->note, "%s", note);
    r->set = *ps;
}

/* The closed-loop network of a setting under --state DIR: a name that fixes everything
 * training depends on, so a later run (or table) finds it and resumes or reuses it. */
static int state_path(char *buf, size_t n, const pcfg *cfg, const psetting *ps, const hjb_train_opts *o)
{
    char T[32];
    if (isfinite(ps->horizon))
        snprintf(T, sizeof T, "%g", ps->horizon);
    else
        snprintf(T, sizeof T, "inf");
    const char *prior = hjb_prior_resolve(o->prior, ps->horizon); /* as the session will */
    int len = snprintf(buf, n, "%s/hjb_K%d_a%g_C%g_T%s_P%g_%s_%s_ls%g_r%d_s%llu.w", cfg->state_dir,
                       ps->K, ps->alpha, ps->budget, T, ps->P, o->preset, prior, o->lambda_struct,
                       o->rounds, (unsigned long long)o->seed);
    return len < 0 || (size_t)len >= n; /* 1: too long */
}

static int run_hjb_row(prow *r, const optsched_model_params *p, const psetting *ps,
                       const pcfg *cfg, optsched_error *err)
{
    const hjb_train_opts *pre = hjb_preset_find(cfg->hjb_preset);
    if (!pre) return optsched_error_set(err, OPTSCHED_EINVAL, "--hjb-preset: unknown '%s'", cfg->hjb_preset);
    hjb_train_opts o = *pre; /* the preset with the setting's overrides */
    if (isfinite(ps->lambda_struct)) o.lambda_struct = ps->lambda_struct;
    if (ps->rounds > 0) o.rounds = ps->rounds;
    o.seed = cfg->mco.seed;
    hjb_session h;
    char path[sizeof h.weights] = "";
    if (cfg->state_dir && state_path(path, sizeof path, cfg, ps, &o))
        return optsched_error_set(err, OPTSCHED_EINVAL, "--state: directory name too long");
    int st;
    if (path[0] && access(path, F_OK) == 0) { /* resume, or reuse a finished network */
        if (cfg->progress) fprintf(stderr, "paper: resuming %s\n", path);
        st = hjb_session_load(&h, path, err);
    } else {
        st = hjb_session_new_opts(&h, p, o.preset, &o, cfg->mco.seed, err);
        if (!st && path[0]) memcpy(h.weights, path, sizeof h.weights);
    }
    if (!st) st = hjb_session_train(&h, 0, cfg->progress, err);
    hjb_report rep = {0};
    if (!st)
        st = hjb_session_report(&h, cfg->hjb_points, cfg->mco.paths, cfg->mco.seed, cfg->mco.steps,
                                &rep, err);
    if (!st) {
        r->mc = rep.mc; /* ownership moves to the row */
        memset(&rep.mc, 0, sizeof rep.mc);
        r->compute = r->mc.compute_mean;
        r->has_diag = 1;
        r->diag = rep.d;
        r->dp_gap = rep.dp_gap;
        r->b_monotone = rep.b_monotone;
        snprintf(r->schedule, sizeof r->schedule,
                 "closed loop, %s preset (%d rounds x %d, %d points, %dx%d, lambda_struct %g, prior %s), "
                 "DP gap %.3g",
                 h.o.preset, h.o.rounds, h.o.iters, h.o.batch, h.o.layers, h.o.width,
                 h.o.lambda_struct, h.o.prior, rep.dp_gap);
    }
    hjb_report_free(&rep);
    hjb_session_free(&h);
    return st;
}

/* One setting: the open-loop optimum first (the reference), then the methods. */
static int run_setting(prows *out, const pcfg *cfg, const psetting *ps, int methods,
                       optsched_error *err)
{
    optsched_model_params p;
    model_params(&p, ps);
    optsched_model *m = NULL;
    int st = optsched_model_alloc(&m, &p, err);
    if (st) return st;
    int first = out->n;
    if (cfg->progress)
        fprintf(stderr, "paper %s: alpha=%g C_max=%g T=%g K=%d P=%g %s\n", cfg->table, ps->alpha,
                ps->budget, ps->horizon, ps->K, ps->P, ps->label);

    /* the open-loop optimum (joint η, B) */
    optsched_schedule s = {0};
    prow *r = prows_add(out, err);
    if (!r) st = OPTSCHED_ENOMEM;
    if (!st) {
        row_head(r, "openloop", "optimum", ps);
        snprintf(r->schedule, sizeof r->schedule, "open loop, joint controls, N=%d", cfg->ol_n);
        st = solve_openloop(m, cfg, "joint", 0, &s, NULL, err);
    }
    if (!st) st = eval_open(r, m, &s, cfg, err);
    optsched_schedule_clear(&s);

    /* tuned baseline families */
    if (!st && (methods & (M_FAMILIES | M_CONSTANT | M_COOLDOWN))) {
        const int nf = OPTSCHED_N_FAMILIES;
        optsched_tune_options to;
        optsched_tune_options_default(&to);
        int fam0 = out->n, best = -1;
        for (int f = 0; f < nf && !st; f++) {
            const char *fname = optsched_family_name((optsched_family)f);
            if (!(methods & M_FAMILIES) && strcmp(fname, "constant") &&
                !((methods & M_COOLDOWN) && !strcmp(fname, "const_cooldown")))
                continue;
            optsched_tune_result tr;
            st = optsched_tune_family(m, (optsched_family)f, &to, &tr, err);
            if (st) break;
            r = prows_add(out, err);
            if (!r) {
                st = OPTSCHED_ENOMEM;
                break;
            }
            row_head(r, fname, "baseline", ps);
            st = eval_open(r, m, &tr.best, cfg, err);
            if (!st && (best < 0 || r->exact < out->r[best].exact)) best = out->n - 1;
        }
        if (!st && best >= 0 && (methods & M_FAMILIES)) { /* the best of the 8 families */
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
            row_head(r, "lr_only_grid", "lr_only", ps);
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
            row_head(r, "lr_only", "lr_only", ps);
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
            row_head(r, "hjb", "closed_loop", ps);
            st = run_hjb_row(r, &p, ps, cfg, err);
        }
    }

    /* comparisons with the optimum (row `first`), on the same paths */
    if (!st) {
        const prow *ol = &out->r[first];
        for (int i = first; i < out->n; i++) {
            prow *q = &out->r[i];
            paper_seed_lookup(cfg->table, q);
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

static int run_table(const char *name, const pcfg *cfg, prows *out, optsched_error *err)
{
    static const double all_alpha[4] = {0.5, 1.0, 1.5, 2.0};
    static const double quick_alpha[1] = {1.0};
    const double *al = cfg->quick ? quick_alpha : all_alpha;
    int na = cfg->quick ? 1 : 4;
    int st = OPTSCHED_OK;
    psetting ps;
    if (!strcmp(name, "table1")) {
        for (int i = 0; i < na && !st; i++) {
            ps = canon(al[i], 20);
            st = run_setting(out, cfg, &ps, M_FAMILIES | M_HJB, err);
        }
    } else if (!strcmp(name, "table2")) {
        static const double all_b[5] = {5, 10, 20, 40, 80}, quick_b[2] = {5, 20};
        const double *bs = cfg->quick ? quick_b : all_b;
        int nb = cfg->quick ? 2 : 5;
        for (int j = 0; j < nb && !st; j++)
            for (int i = 0; i < na && !st; i++) {
                ps = canon(al[i], bs[j]);
                st = run_setting(out, cfg, &ps, M_CONSTANT | M_HJB, err);
            }
    } else if (!strcmp(name, "table3") || !strcmp(name, "fig2")) {
        ps = canon(1.0, 20);
        st = run_setting(out, cfg, &ps, M_HJB, err);
    } else if (!strcmp(name, "table4")) {
        static const double all_l[5] = {0, 10, 50, 100, 200}, quick_l[2] = {0, 50};
        static const int all_r[4] = {1, 3, 5, 10}, quick_r[2] = {1, 2};
        const double *ls = cfg->quick ? quick_l : all_l;
        const int *rs = cfg->quick ? quick_r : all_r;
        int nl = cfg->quick ? 2 : 5, nr = cfg->quick ? 2 : 4;
        for (int j = 0; j < nl && !st; j++) { /* the seed's lambda sweep is at n_PI = 5 */
            ps = canon(1.0, 20);
            ps.lambda_struct = ls[j];
            ps.rounds = cfg->quick ? 1 : 5;
            snprintf(ps.label, sizeof ps.label, "lambda_struct=%g", ls[j]);
            st = run_setting(out, cfg, &ps, M_HJB, err);
        }
        for (int j = 0; j < nr && !st; j++) { /* and its n_PI sweep at lambda_struct = 50 */
            ps = canon(1.0, 20);
            ps.lambda_struct = 50;
            ps.rounds = rs[j];
            snprintf(ps.label, sizeof ps.label, "n_pi=%d", rs[j]);
            st = run_setting(out, cfg, &ps, M_HJB, err);
        }
    } else if (!strcmp(name, "table5")) {
        static const int Ks[3] = {10, 20, 20};
        static const double as[3] = {1.0, 1.0, 0.5};
        for (int j = 0; j < (cfg->quick ? 2 : 3) && !st; j++) {
            ps = canon(as[j], 20);
            ps.K = Ks[j];
            st = run_setting(out, cfg, &ps, M_CONSTANT | M_HJB, err);
        }
    } else if (!strcmp(name, "table6")) {
        static const double all_P[4] = {2, 5, 10, 20}, quick_P[2] = {2, 10};
        const double *Ps = cfg->quick ? quick_P : all_P;
        for (int j = 0; j < (cfg->quick ? 2 : 4) && !st; j++) {
            ps = canon(1.0, 20);
            ps.P = Ps[j];
            st = run_setting(out, cfg, &ps, M_COOLDOWN | M_HJB, err);
        }
    } else if (!strcmp(name, "table7")) {
        for (int i = 0; i < na && !st; i++) {
            ps = canon(al[i], 20);
            st = run_setting(out, cfg, &ps, M_LR | M_LR_GRID, err);
        }
    } else if (!strcmp(name, "horizon")) {
        static const double all_T[5] = {1, 5, 10, 20, INFINITY};
        static const double quick_T[3] = {1, 10, INFINITY};
        const double *ts = cfg->quick ? quick_T : all_T;
        int nt = cfg->quick ? 3 : 5;
        for (int j = 0; j < nt && !st; j++) {
            ps = canon(1.0, 20);
            ps.horizon = ts[j];
            st = run_setting(out, cfg, &ps, M_FAMILIES | M_BEST | M_LR, err);
        }
    } else if (!strcmp(name, "fig1")) {
        ps = canon(1.0, 20);
        st = run_setting(out, cfg, &ps, M_FAMILIES | M_HJB, err);
    }
    return st;
}

/* Closed-loop trainings a full run of a table makes (before any reuse from --state). */
static int hjb_trainings(const char *name)
{
    if (!strcmp(name, "table1")) return 4;
    if (!strcmp(name, "table2")) return 20;
    if (!strcmp(name, "table3") || !strcmp(name, "fig1") || !strcmp(name, "fig2")) return 1;
    if (!strcmp(name, "table4")) return 9;
    if (!strcmp(name, "table5")) return 3;
    if (!strcmp(name, "table6")) return 4;
    return 0;
}

/* Rough wall time of one closed-loop row with a preset: 350 s measured on an idle 2-core
 * machine for 2,400 iterations of 512 points at width 64 (docs/HJB.md), scaled by
 * iterations × points × width², plus about a minute of diagnostics and Monte Carlo and
 * ~30 s per 1,000 validation paths of each round (measured with the fast preset). */
static double hjb_seconds(const char *preset)
{
    const hjb_train_opts *o = hjb_preset_find(preset);
    if (!o) return NAN;
    return 350.0 * ((double)o->rounds * o->iters * o->batch * o->width * o->width) /
               (2400.0 * 512 * 64 * 64) +
           60 + 0.03 * o->select_paths * (o->rounds + 1);
}

/* Runs one table or figure and writes its outputs (files into od when given). */
static int run_item(const char *name, pcfg *cfg, out_dir *od, int json, cJSON *all,
                    optsched_error *err)
{
    prows rows = {0};
    cJSON *doc = NULL;
    cfg->table = name;
    const int fig = !strncmp(name, "fig", 3);
    cfg->mco.record = fig; /* figures plot the recorded traces */
    int st = run_table(name, cfg, &rows, err);
    if (!st) doc = paper_rows_json(name, cfg, &rows);
    if (!st && od) {
        char fn[64];
        snprintf(fn, sizeof fn, "%s.json", name);
        st = out_json(od, fn, doc, err);
        if (!st) {
            snprintf(fn, sizeof fn, "%s.md", name);
            FILE *f = out_open(od, fn, err);
            if (!f) st = OPTSCHED_EIO;
            if (!st) {
                paper_write_md(f, name, cfg, &rows);
                if (fclose(f)) st = optsched_error_set(err, OPTSCHED_EIO, "cannot write %s", fn);
            }
        }
        if (!st) {
            snprintf(fn, sizeof fn, "%s.csv", name);
            FILE *f = out_open(od, fn, err);
            if (!f) st = OPTSCHED_EIO;
            if (!st) {
                int bad = paper_write_csv(f, name, &rows);
                if (fclose(f) || bad) st = optsched_error_set(err, OPTSCHED_EIO, "cannot write %s", fn);
            }
        }
        if (!st && !strcmp(name, "fig1")) st = paper_plot_fig1(od, &rows, err);
        if (!st && !strcmp(name, "fig2")) st = paper_plot_fig2(od, &rows, err);
    }
    if (!st) {
        if (all)
            cJSON_AddItemToArray(all, doc), doc = NULL;
        else if (json)
            cli_json_print(doc);
        else
            paper_write_md(stdout, name, cfg, &rows);
        if (all && !json) paper_write_md(stdout, name, cfg, &rows);
    }
    cJSON_Delete(doc);
    prows_free(&rows);
    return st;
}

int cmd_paper(int argc, char **argv)
{
    int quick = 0, json = 0, paths = 0, steps = 500;
    double seed = 42;
    const char *outdir = NULL, *hjb_preset = NULL, *state_dir = NULL;
    cli_arg table[] = {
        {"--quick", CLI_FLAG, &quick, NULL, "fewer settings, 200 paths, a tiny closed-loop network", 0},
        {"--paths", CLI_INT, &paths, "[2,1000000]", "Monte Carlo paths (2000; --quick 200)", 0},
        {"--steps", CLI_INT, &steps, "[10,1000000]", "Monte Carlo steps (500)", 0},
        {"--seed", CLI_DOUBLE, &seed, "[0,9007199254740992]", "random seed (42)", 0},
        {"--json", CLI_FLAG, &json, NULL, "print the JSON document instead of Markdown", 0},
        {"--out", CLI_STRING, &outdir, NULL, "write NAME.md, NAME.json, NAME.csv (figures: NAME.png) into DIR", 0},
        {"--hjb-preset", CLI_STRING, &hjb_preset, NULL,
         "closed-loop training: fast (default), paper (seed 000's settings) or quick", 0},
        {"--state", CLI_STRING, &state_dir, NULL,
         "keep trained networks in DIR: resume an interrupted run, reuse across tables", 0},
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
    int known = name && !strcmp(name, "all");
    for (int i = 0; name && i < paper_nitems; i++)
        known |= !strcmp(paper_items[i].name, name);
    if (!known) {
        optsched_error_set(&err, OPTSCHED_EINVAL,
                           "expected a table or figure: table1 ... table7, horizon, fig1, fig2 or "
                           "all%s%s%s",
                           name ? " (got '" : "", name ? name : "", name ? "')" : "");
        return cli_fail("paper", &err);
    }
    if (seed != floor(seed)) {
        optsched_error_set(&err, OPTSCHED_EINVAL, "--seed: expected an integer in [0, 2^53]");
        return cli_fail("paper", &err);
    }
    if (!hjb_preset) hjb_preset = quick ? "quick" : "fast";
    if (strcmp(hjb_preset, "fast") && strcmp(hjb_preset, "paper") && strcmp(hjb_preset, "quick")) {
        optsched_error_set(&err, OPTSCHED_EINVAL,
                           "--hjb-preset: expected fast, paper or quick, got '%s'", hjb_preset);
        return cli_fail("paper", &err);
    }
    if (state_dir && mkdir(state_dir, 0777) && errno != EEXIST) {
        optsched_error_set(&err, OPTSCHED_EIO, "--state: cannot create '%s' (%s)", state_dir,
                           strerror(errno));
        return cli_fail("paper", &err);
    }

    pcfg cfg = {.table = name, .quick = quick, .hjb_preset = hjb_preset, .state_dir = state_dir};
    optsched_mc_options_default(&cfg.mco);
    cfg.mco.seed = (uint64_t)seed;
    cfg.mco.paths = paths ? paths : (quick ? 200 : 2000);
    cfg.mco.steps = steps;
    cfg.ol_n = 200;
    cfg.ol_starts = quick ? 1 : 3;
    cfg.ol_refine = quick ? 0 : 1;
    cfg.hjb_points = quick ? 200 : 5000;
    cfg.progress = isatty(2);
    if (!quick) {
        int n_hjb = 0;
        for (int i = 0; i < paper_nitems; i++)
            if (!strcmp(name, "all") || !strcmp(name, paper_items[i].name))
                n_hjb += hjb_trainings(paper_items[i].name);
        fprintf(stderr,
                "optsched paper %s: full run, %d closed-loop trainings with the %s preset, rough "
                "estimate %.0f min on 2 idle cores plus the open-loop work%s\n",
                name, n_hjb, hjb_preset, n_hjb * hjb_seconds(hjb_preset) / 60,
                state_dir ? "; networks kept in --state (resumable)"
                          : " (not resumable without --state DIR)");
    }

    out_dir od = {0};
    cJSON *all = !strcmp(name, "all") ? cJSON_CreateArray() : NULL;
    if (outdir) st = out_begin(&od, outdir, &err);
    for (int i = 0; i < paper_nitems && !st; i++)
        if (all || !strcmp(name, paper_items[i].name))
            st = run_item(paper_items[i].name, &cfg, outdir ? &od : NULL, json, all, &err);
    if (!st && outdir) st = out_commit(&od, &err);
    if (!st && all && json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "table", "all");
        cJSON_AddItemToObject(doc, "tables", all);
        all = NULL;
        cli_json_print(doc);
        cJSON_Delete(doc);
    }
    if (st && outdir) out_abort(&od);
    cJSON_Delete(all);
    return st ? cli_fail("paper", &err) : 0;
}
