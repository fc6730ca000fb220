/* optsched paper: the outputs — Markdown (stdout and NAME.md), JSON, CSV, and the
 * figures (gnuplot PNGs). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/hjb_common.h"
#include "cli/paper.h"

const paper_item paper_items[] = {
    {"table1", "Table 1: loss and compute at C_max = 20, P = 2, K = 10"},
    {"table2", "Table 2: closed loop vs tuned constant across budgets (P = 2, K = 10)"},
    {"table3", "Table 3: closed-loop PDE diagnostics (alpha = 1, C_max = 20)"},
    {"table4", "Table 4: sensitivity to lambda_struct and to the policy-iteration rounds n_PI "
               "(alpha = 1, C_max = 20)"},
    {"table5", "Table 5: larger K (C_max = 20, P = 2)"},
    {"table6", "Table 6: higher SNR, P in {2, 5, 10, 20} (alpha = 1, C_max = 20, K = 10)"},
    {"table7", "Table 7: joint (eta, B) vs LR-only control (C_max = 20, K = 10, P = 2)"},
    {"horizon", "Horizon sweep: T in {1, 5, 10, 20, inf} at alpha = 1, C_max = 20"},
    {"fig1", "Figure 1: loss against compute (alpha = 1, C_max = 20)"},
    {"fig2", "Figure 2: the closed loop's schedules (alpha = 1, C_max = 20)"},
};
const int paper_nitems = (int)(sizeof paper_items / sizeof paper_items[0]);

const char *paper_title(const char *name)
{
    for (int i = 0; i < paper_nitems; i++)
        if (!strcmp(paper_items[i].name, name)) return paper_items[i].title;
    return name;
}

static cJSON *num_or_null(double x) { return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull(); }

static void add_horizon(cJSON *o, double T)
{
    if (isfinite(T))
        cJSON_AddNumberToObject(o, "horizon", T);
    else
        cJSON_AddStringToObject(o, "horizon", "inf");
}

cJSON *paper_rows_json(const char *name, const pcfg *cfg, const prows *p)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "table", name);
    cJSON_AddStringToObject(doc, "title", paper_title(name));
    cJSON_AddStringToObject(doc, "mode", cfg->quick ? "quick" : "full");
    cJSON_AddStringToObject(doc, "hjb_preset", cfg->hjb_preset);
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
        cJSON_AddStringToObject(o, "setting", r->set.label);
        cJSON_AddNumberToObject(o, "alpha", r->set.alpha);
        cJSON_AddNumberToObject(o, "budget", r->set.budget);
        add_horizon(o, r->set.horizon);
        cJSON_AddNumberToObject(o, "K", r->set.K);
        cJSON_AddNumberToObject(o, "P", r->set.P);
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
        if (r->has_diag) {
            cJSON *d = hjb_diagnostics_json(&r->diag, r->dp_gap);
            cJSON_AddBoolToObject(d, "B_monotone", r->b_monotone);
            cJSON_AddItemToObject(o, "diagnostics", d);
        }
        cJSON *sd = cJSON_AddObjectToObject(o, "seed");
        cJSON_AddItemToObject(sd, "loss", num_or_null(r->seed_loss));
        cJSON_AddItemToObject(sd, "compute", num_or_null(r->seed_compute));
        cJSON_AddItemToObject(sd, "sd", num_or_null(r->seed_sd));
        cJSON_AddItemToObject(sd, "residual_l2", num_or_null(r->seed_residual));
        cJSON_AddItemToObject(sd, "dp_gap", num_or_null(r->seed_dp));
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

/* The closed-loop rows' diagnostics beside the seed's. */
static void write_diag_md(FILE *f, const char *name, const prows *p)
{
    int any = 0;
    for (int i = 0; i < p->n; i++) any |= p->r[i].has_diag;
    if (!any) return;
    fprintf(f, "\nClosed-loop diagnostics (held-out points; DP gap = |V0 - MC mean| / |V0|):\n\n");
    fprintf(f, "| setting | alpha | C_max | K | P | V0 | MC mean | residual L2 | residual Linf | "
               "convex | monotone | BC MSE terminal | BC MSE budget | DP gap | B(t) monotone | "
               "seed residual | seed DP gap |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < p->n; i++) {
        const prow *r = &p->r[i];
        if (!r->has_diag) continue;
        char sr[32], sd[32];
        fmt(sr, sizeof sr, "%.3g", r->seed_residual);
        fmt(sd, sizeof sd, "%.3g", r->seed_dp);
        fprintf(f, "| %s | %g | %g | %d | %g | %.5g | %.5g | %.4g | %.4g | %.1f%% | %.1f%% | %.3g | "
                   "%.3g | %.3g | %s | %s | %s |\n",
                r->set.label[0] ? r->set.label : "-", r->set.alpha, r->set.budget, r->set.K,
                r->set.P, r->diag.V0, r->mc.mean, r->diag.residual_l2, r->diag.residual_linf,
                100 * r->diag.convexity, 100 * r->diag.monotonicity, r->diag.boundary_mse_terminal,
                r->diag.boundary_mse_budget, r->dp_gap, r->b_monotone ? "yes" : "no", sr, sd);
    }
    if (!strcmp(name, "table3")) {
        const paper_seed_diag *s = &paper_seed_table3;
        fprintf(f, "\nSeed 000's Table 3: residual L2 %.3g, Linf %.3g, convexity %.1f%%, "
                   "monotonicity %.1f%%, boundary MSE %.2g / %.2g, DP gap %.2f.\n",
                s->residual_l2, s->residual_linf, 100 * s->convexity, 100 * s->monotonicity,
                s->bmse_terminal, s->bmse_budget, s->dp_gap);
    }
}

void paper_write_md(FILE *f, const char *name, const pcfg *cfg, const prows *p)
{
    fprintf(f, "## %s%s\n\n", paper_title(name),
            cfg->quick ? " (--quick: a smoke run, not a reproduction)" : "");
    fprintf(f, "K = 10, P = 2, sigma^2 = 0.1, a0 = 1, eta in [1e-4, 0.5], B in [1, 256] unless the "
               "row says otherwise. Monte Carlo: %d paths, %d steps, seed %llu, common random "
               "numbers across the rows of a setting. Closed loop: the %s preset. Exact = exact "
               "expected loss (open-loop schedules); delta = paired MC difference to the open-loop "
               "optimum (same paths) +- its SE. Seed = seed 000's published value (its loss scale "
               "differs from ours).\n\n",
            cfg->mco.paths, cfg->mco.steps, (unsigned long long)cfg->mco.seed, cfg->hjb_preset);
    fprintf(f, "| alpha | C_max | T | K | P | setting | method | exact loss | gap vs opt | MC mean +- SE | "
               "compute | delta vs openloop (paired) | seed loss | seed C | flag |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
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
        fmt(T, sizeof T, "%g", r->set.horizon);
        if (!isfinite(r->set.horizon)) snprintf(T, sizeof T, "inf");
        if (isfinite(r->lr_batch))
            snprintf(meth, sizeof meth, "%s (B=%.4g)", r->method, r->lr_batch);
        else
            snprintf(meth, sizeof meth, "%s%s", r->method, r->best_baseline ? " (best baseline)" : "");
        const char *flag = r->worse_2se        ? "**WORSE than the open-loop optimum by > 2 SE**"
                           : r->beats_openloop ? "**BELOW the open-loop optimum (exact): check**"
                                               : "";
        fprintf(f, "| %g | %g | %s | %d | %g | %s | %s | %s | %s | %s | %.4g | %s | %s | %s | %s |\n",
                r->set.alpha, r->set.budget, T, r->set.K, r->set.P,
                r->set.label[0] ? r->set.label : "-", meth, ex, gap, mc, r->compute, d, sl, sc, flag);
    }
    /* table 7: the improvement of joint control over LR-only, as the seed reports it */
    if (!strcmp(name, "table7")) {
        fprintf(f, "\nImprovement of joint over LR-only (exact losses; seed: 5.4%%, 2.5%%, 1.9%%, "
                   "2.6%% at alpha = 0.5, 1, 1.5, 2 over B* = 8):\n\n");
        for (int i = 0; i < p->n; i++) {
            if (strcmp(p->r[i].method, "openloop")) continue;
            for (int j = i + 1; j < p->n && strcmp(p->r[j].method, "openloop"); j++)
                if (isfinite(p->r[j].lr_batch))
                    fprintf(f, "- alpha = %g, %s (B = %.4g): %.2f%%\n", p->r[i].set.alpha,
                            p->r[j].method, p->r[j].lr_batch,
                            100 * (p->r[j].exact - p->r[i].exact) / p->r[j].exact);
        }
    }
    write_diag_md(f, name, p);
    fputc('\n', f);
}

int paper_write_csv(FILE *f, const char *name, const prows *p)
{
    fprintf(f, "table,method,role,alpha,budget,horizon,loss,stderr,compute,exact_loss,mc_mean,"
               "mc_stderr,mc_compute,paired_diff,paired_diff_stderr,gap_percent,"
               "worse_than_openloop_2se,beats_openloop,lr_batch,seed_loss,seed_compute,K,P,setting,"
               "residual_l2,dp_gap\n");
    for (int i = 0; i < p->n; i++) {
        const prow *r = &p->r[i];
        int exact = isfinite(r->exact);
        fprintf(f, "%s,%s,%s,%g,%g,%g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,"
                   "%d,%d,%.10g,%g,%g,%d,%g,%s,%.6g,%.6g\n",
                name, r->method, r->note, r->set.alpha, r->set.budget, r->set.horizon,
                exact ? r->exact : r->mc.mean, exact ? 0.0 : r->mc.se, r->compute, r->exact,
                r->mc.mean, r->mc.se, r->mc.compute_mean, r->diff, r->diff_se, r->gap_pct,
                r->worse_2se, r->beats_openloop, r->lr_batch, r->seed_loss, r->seed_compute,
                r->set.K, r->set.P, r->set.label, r->has_diag ? r->diag.residual_l2 : NAN,
                r->has_diag ? r->dp_gap : NAN);
    }
    return ferror(f) ? -1 : 0;
}

/* ---- figures ---- */

/* A gnuplot script is written to a memory stream (open_memstream); the script ends when the
 * stream is closed, and a failed write or close means out of memory. */
static int script_run(FILE *f, char **buf, optsched_error *err)
{
    int ok = !ferror(f);
    if (fclose(f)) ok = 0; /* *buf is valid only from here on */
    int st = ok ? out_gnuplot(*buf, err) : optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (plot)");
    free(*buf);
    return st;
}

/* Mean and standard deviation over the running paths of a recorded trace at step n. */
static int trace_stats(const optsched_mc_result *mc, const double *trace, int n, double *mean,
                       double *sd)
{
    const double *row = trace + (size_t)n * mc->paths;
    double s = 0, s2 = 0;
    int live = 0;
    for (int p = 0; p < mc->paths; p++)
        if (!isnan(row[p])) {
            s += row[p];
            live++;
        }
    if (!live) return 0;
    *mean = s / live;
    for (int p = 0; p < mc->paths; p++)
        if (!isnan(row[p])) s2 += (row[p] - *mean) * (row[p] - *mean);
    *sd = live > 1 ? sqrt(s2 / (live - 1)) : 0.0;
    return live;
}

int paper_plot_fig1(out_dir *o, const prows *p, optsched_error *err)
{
    const char *png = out_reserve(o, "fig1.png", err);
    if (!png) return OPTSCHED_EFAIL;
    char *buf = NULL;
    size_t blen = 0;
    FILE *b = open_memstream(&buf, &blen);
    if (!b) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (plot)");
    int nser = 0;
    for (int i = 0; i < p->n; i++) {
        const optsched_mc_result *mc = &p->r[i].mc;
        if (!mc->loss_trace) continue;
        fprintf(b, "$d%d << EOD\n", i);
        for (int n = 0; n < mc->steps; n++) {
            double lm, ls, cm, cs;
            if (!trace_stats(mc, mc->loss_trace, n, &lm, &ls)) break;
            trace_stats(mc, mc->compute_trace, n, &cm, &cs);
            fprintf(b, "%.8g %.8g %.8g %.8g\n", cm, lm, lm - ls, lm + ls);
        }
        fprintf(b, "EOD\n");
        nser++;
    }
    fprintf(b, "set terminal pngcairo noenhanced size 1000,700 font 'sans,10'\nset output '%s'\n"
                  "set grid\nset logscale y\nset key top right\nset xlabel 'compute used'\n"
                  "set ylabel 'loss l(a) (mean over paths; band: +-1 sd)'\n"
                  "set title 'Figure 1: loss against compute, alpha=%g C_max=%g K=%d (%d paths)'\n",
              png, p->n ? p->r[0].set.alpha : NAN, p->n ? p->r[0].set.budget : NAN,
              p->n ? p->r[0].set.K : 0, p->n ? p->r[0].mc.paths : 0);
    fprintf(b, "plot ");
    int k = 0;
    for (int i = 0; i < p->n; i++) {
        const prow *r = &p->r[i];
        if (!r->mc.loss_trace) continue;
        /* bands for the optimum, the closed loop and the constant only: ten overlapping
         * bands would hide each other */
        int bold = !strcmp(r->method, "openloop") || !strcmp(r->method, "hjb");
        if (bold || !strcmp(r->method, "constant"))
            fprintf(b, "%s$d%d using 1:3:4 with filledcurves fs transparent solid 0.12 lc %d "
                          "title '%s +-1 sd', ",
                      k ? ", " : "", i, k + 1, r->method);
        else if (k)
            fprintf(b, ", ");
        fprintf(b, "$d%d using 1:2 with lines lw %d lc %d dt %d title '%s'", i, bold ? 3 : 1,
                  k + 1, k < 8 ? 1 : 2, r->method);
        k++;
    }
    fprintf(b, "\n");
    if (!nser) {
        fclose(b);
        free(buf);
        return optsched_error_set(err, OPTSCHED_EFAIL, "fig1: no recorded runs to plot");
    }
    return script_run(b, &buf, err);
}

int paper_plot_fig2(out_dir *o, const prows *p, optsched_error *err)
{
    const prow *hjb = NULL, *ol = NULL;
    for (int i = 0; i < p->n; i++) {
        if (!strcmp(p->r[i].method, "hjb") && p->r[i].mc.eta_trace) hjb = &p->r[i];
        if (!strcmp(p->r[i].method, "openloop") && p->r[i].mc.eta_trace) ol = &p->r[i];
    }
    if (!hjb || !ol)
        return optsched_error_set(err, OPTSCHED_EFAIL, "fig2: needs the closed loop and the open-loop optimum");
    const char *png = out_reserve(o, "fig2.png", err);
    if (!png) return OPTSCHED_EFAIL;
    char *buf = NULL;
    size_t blen = 0;
    FILE *b = open_memstream(&buf, &blen);
    if (!b) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (plot)");
    fprintf(b, "$h << EOD\n");
    for (int n = 0; n < hjb->mc.steps; n++) {
        double e[4], B[4];
        if (!optsched_mc_control_bands(&hjb->mc, 0, n, &e[0], &e[1], &e[2], &e[3])) break;
        optsched_mc_control_bands(&hjb->mc, 1, n, &B[0], &B[1], &B[2], &B[3]);
        fprintf(b, "%.6g %.6g %.6g %.6g %.6g %.6g %.6g\n", n * hjb->mc.dt, e[0], e[1], e[3], B[0],
                  B[1], B[3]);
    }
    fprintf(b, "EOD\n$o << EOD\n");
    for (int n = 0; n < ol->mc.steps; n++) {
        double e[4], B[4];
        if (!optsched_mc_control_bands(&ol->mc, 0, n, &e[0], &e[1], &e[2], &e[3])) break;
        optsched_mc_control_bands(&ol->mc, 1, n, &B[0], &B[1], &B[2], &B[3]);
        fprintf(b, "%.6g %.6g %.6g\n", n * ol->mc.dt, e[0], B[0]);
    }
    fprintf(b,
              "EOD\nset terminal pngcairo noenhanced size 1000,800 font 'sans,10'\nset output '%s'\n"
              "set grid\nset key top left\nset multiplot layout 2,1 title 'Figure 2: learned "
              "schedules, alpha=%g C_max=%g T=%g K=%d: closed loop (mean, 10-90%% band over %d "
              "paths) and the open-loop optimum'\n"
              "set ylabel 'learning rate eta'\nplot $h using 1:3:4 with filledcurves fs transparent "
              "solid 0.25 title 'closed loop 10-90%%', $h using 1:2 with lines lw 2 title 'closed "
              "loop mean', $o using 1:2 with lines lw 2 dt 2 title 'open-loop optimum'\n"
              "set xlabel 'time t'\nset ylabel 'batch size B'\nplot $h using 1:6:7 with filledcurves "
              "fs transparent solid 0.25 title 'closed loop 10-90%%', $h using 1:5 with lines lw 2 "
              "title 'closed loop mean', $o using 1:3 with lines lw 2 dt 2 title 'open-loop "
              "optimum'\nunset multiplot\n",
              png, hjb->set.alpha, hjb->set.budget, hjb->set.horizon, hjb->set.K, hjb->mc.paths);
    return script_run(b, &buf, err);
}
