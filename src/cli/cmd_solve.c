/* optsched solve: optimal schedules by method. Methods are dispatched through
 * a table; a method not built in is rejected (exit 2) with the accepted list,
 * and "all" runs every available method. JSON: {"methods": {NAME: {...}},
 * "model": {...}} — one entry per method run (docs/OPENLOOP.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/hjb_common.h"
#include "cli/common.h"
#include "optsched/exact.h"
#include "optsched/openloop.h"
#include "optsched/policy.h"
#include "optsched/tune.h"

static const char *usage =
    "usage: optsched solve [--method openloop|hjb|lossfb|baselines|all] [--controls joint|lr|batch] [--n N]\n"
    "                      [model flags] [hjb training flags] [--json] [--out DIR]\n\n"
    "Optimal schedules. openloop: the exact expected loss minimised over piecewise-constant\n"
    "eta_i, B_i on N intervals (adjoint gradients, L-BFGS with bounds, several starts) under\n"
    "the bounds, the budget and the horizon; reports the loss, a first-order optimality\n"
    "residual and the value at 2N. --controls lr: one constant B (searched, or --lr-batch);\n"
    "batch: eta fixed (--batch-eta, default eta_max). See docs/OPENLOOP.md.\n"
    "hjb: the closed-loop value function by the Deep Galerkin Method with policy iteration\n"
    "(--preset fast|paper and the training flags of optsched hjb train), its diagnostics and\n"
    "the Monte Carlo loss of the extracted policy with 10/50/90% bands of eta(t), B(t).\n"
    "lossfb: the best policy built here that observes only the loss l(a), as real training\n"
    "can (the open-loop optimum with the batch scaled by (l/l_ref(t))^gamma, gamma tuned).\n"
    "baselines: the eight schedule families, each tuned on the exact loss.\n"
    "all: every method, then their Monte Carlo losses on the same paths side by side.";

/* What a method leaves for the side-by-side summary of --method all. */
typedef struct {
    const char *name;
    double exact;          /* exact expected loss, or NAN (closed loop) */
    optsched_mc_result mc; /* on the common paths */
} summary_row;

typedef struct {
    int n, starts, max_evals, no_refine;
    double tol, lr_batch, batch_eta;
    const char *controls;
    const hjb_cli *hc;    /* the hjb flags */
    const cli_arg *table; /* to tell which flags were given */
    int ntable;
    optsched_mc_options mco; /* the common Monte Carlo options */
    summary_row *summary;    /* non-NULL with --method all */
    int *nsummary;
} solve_opts;

typedef struct method method;
/* Adds the method's entry to out, writes its files into od (want_files) and
 * its text report to text. */
typedef int (*method_fn)(const method *me, const optsched_model *m, const solve_opts *so,
                         cJSON *out, out_dir *od, int want_files, FILE *text, optsched_error *err);

struct method {
    const char *name;
    method_fn run; /* NULL: not available in this build */
    const char *why_unavailable;
};

static cJSON *array_json(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

/* η, B and u against the compute consumed (step plot over the intervals). */
static int plot_compute(out_dir *od, const optsched_openloop_result *r, const optsched_model *m,
                        optsched_error *err)
{
    size_t cap = 4096 + (size_t)r->n * 160;
    char *script = malloc(cap);
    if (!script) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (plot)");
    size_t w = (size_t)snprintf(script, cap, "$d << EOD\n");
    double c = 0;
    for (int i = 0; i <= r->n; i++) {
        int k = i < r->n ? i : r->n - 1; /* the last row closes the final step */
        w += (size_t)snprintf(script + w, cap - w, "%.10g %.10g %.10g %.10g\n", c, r->eta[k],
                              r->B[k], r->u[k]);
        if (i < r->n) c += r->compute[i];
    }
    const char *png = out_reserve(od, "openloop.png", err);
    if (!png) {
        free(script);
        return OPTSCHED_EFAIL;
    }
    w += (size_t)snprintf(
        script + w, cap - w,
        "EOD\nset terminal pngcairo size 900,900 font 'sans,10' noenhanced\nset output '%s'\n"
        "set grid\nunset key\nset multiplot layout 3,1 title 'open-loop optimum, "
        "alpha=%g C_max=%g T=%g, N=%d (%s controls)'\n"
        "set logscale y\nunset xlabel\nset ylabel 'learning rate η'\n"
        "plot $d using 1:2 with steps lw 2\n"
        "set ylabel 'batch size B'\nplot $d using 1:3 with steps lw 2\n"
        "set xlabel 'compute consumed'\nset ylabel 'u = η/B'\n"
        "plot $d using 1:4 with steps lw 2\nunset multiplot\n",
        png, m->alpha, m->C, m->T, r->n, optsched_controls_name(r->controls));
    int st = w < cap ? out_gnuplot(script, err)
                     : optsched_error_set(err, OPTSCHED_EFAIL, "plot script too long");
    free(script);
    return st;
}

static int write_csv(out_dir *od, const optsched_openloop_result *r, optsched_error *err)
{
    FILE *f = out_open(od, "openloop.csv", err);
    if (!f) return OPTSCHED_EIO;
    fprintf(f, "t,dt,eta,B,u,compute,compute_start\n");
    double c = 0;
    for (int i = 0; i < r->n; i++) {
        fprintf(f, "%.12g,%.12g,%.12g,%.12g,%.12g,%.12g,%.12g\n", r->t[i], r->dt[i], r->eta[i],
                r->B[i], r->u[i], r->compute[i], c);
        c += r->compute[i];
    }
    return fclose(f) == 0 ? OPTSCHED_OK
                          : optsched_error_set(err, OPTSCHED_EIO, "cannot write openloop.csv");
}

static void print_text(FILE *f, const optsched_openloop_result *r, const optsched_model *m)
{
    fprintf(f, "method         openloop (%s controls, N = %d, %s grid)\n",
            optsched_controls_name(r->controls), r->n,
            r->grid == OPTSCHED_GRID_COMPUTE ? "equal-compute" : "equal-time");
    fprintf(f, "setting        K=%d alpha=%g P=%g noise=%g C_max=%g T=%g\n", m->K, m->alpha, m->P,
            m->sigma2, m->C, m->T);
    fprintf(f, "expected loss  %.8f   (exact)\n", r->expected_loss);
    if (isfinite(r->value_2n))
        fprintf(f, "value at 2N    %.8f   (relative change %.2e)\n", r->value_2n,
                fabs(r->expected_loss - r->value_2n) / fabs(r->value_2n));
    fprintf(f, "residual       %.2e   (first-order, docs/OPENLOOP.md)", r->residual);
    if (isfinite(r->residual_2n)) fprintf(f, "   at 2N %.2e", r->residual_2n);
    fprintf(f, "\ncompute used   %.6g of %.6g    t_end %.6g of %g\n", r->compute_used, m->C,
            r->t_end, m->T);
    fprintf(f, "horizon        %s\n", r->horizon_binds ? "binds" : "does not bind");
    if (!r->identifiable)
        fprintf(
            f,
            "identifiable   no: only u = eta/B matters; B shown is the canonical representative\n"
            "               (smallest constant B meeting the horizon, clipped to what u allows)\n");
    if (isfinite(r->lr_batch)) fprintf(f, "LR-only B      %.6g\n", r->lr_batch);
    if (isfinite(r->batch_eta)) fprintf(f, "batch-only eta %.6g\n", r->batch_eta);
    fprintf(f, "eta at eta_max %.1f%% of intervals;  B(t) %s\n", 100 * r->eta_max_fraction,
            r->b_dips_then_rises ? "dips, then rises" : "has no interior dip");
    fprintf(f, "solver         %d starts, %d evaluations, %.3f s\n\n", r->starts, r->evaluations,
            r->seconds);
    fprintf(f, "%10s %10s %10s %12s %10s\n", "t", "eta", "B", "u", "compute");
    int step = r->n > 20 ? r->n / 20 : 1;
    for (int i = 0; i < r->n; i += step)
        fprintf(f, "%10.4f %10.6f %10.4f %12.6g %10.4g\n", r->t[i], r->eta[i], r->B[i], r->u[i],
                r->compute[i]);
    int i = r->n - 1;
    if (i % step)
        fprintf(f, "%10.4f %10.6f %10.4f %12.6g %10.4g\n", r->t[i], r->eta[i], r->B[i], r->u[i],
                r->compute[i]);
}

static int run_openloop(const method *me, const optsched_model *m, const solve_opts *so,
                        cJSON *methods, out_dir *od, int want_files, FILE *text,
                        optsched_error *err)
{
    optsched_openloop *s = optsched_openloop_create(m, err);
    if (!s) return OPTSCHED_ENOMEM;
    int st = optsched_openloop_set(s, "n", so->n, err);
    if (!st) st = optsched_openloop_set(s, "starts", so->starts, err);
    if (!st) st = optsched_openloop_set(s, "max_evals", so->max_evals, err);
    if (!st) st = optsched_openloop_set(s, "tol", so->tol, err);
    if (!st) st = optsched_openloop_set(s, "refine", so->no_refine ? 0 : 1, err);
    if (!st) st = optsched_openloop_set_str(s, "controls", so->controls, err);
    if (!st && isfinite(so->lr_batch)) st = optsched_openloop_set(s, "lr_batch", so->lr_batch, err);
    if (!st && isfinite(so->batch_eta))
        st = optsched_openloop_set(s, "batch_eta", so->batch_eta, err);
    if (!st) st = optsched_openloop_solve(s, err);
    const optsched_openloop_result *r = st ? NULL : optsched_openloop_get(s);
    if (r) {
        cJSON *o = cJSON_AddObjectToObject(methods, me->name);
        cJSON_AddStringToObject(o, "method", me->name);
        cJSON_AddStringToObject(o, "controls", optsched_controls_name(r->controls));
        cJSON_AddNumberToObject(o, "n", r->n);
        cJSON_AddStringToObject(o, "grid", r->grid == OPTSCHED_GRID_COMPUTE ? "compute" : "time");
        cJSON_AddNumberToObject(o, "expected_loss", r->expected_loss);
        cJSON_AddNumberToObject(o, "compute_used", r->compute_used);
        cJSON_AddNumberToObject(o, "t_end", r->t_end);
        cJSON_AddNumberToObject(o, "residual", r->residual);
        if (isfinite(r->value_2n)) {
            cJSON_AddNumberToObject(o, "value_2n", r->value_2n);
            cJSON_AddNumberToObject(o, "residual_2n", r->residual_2n);
            cJSON_AddNumberToObject(o, "convergence_rel",
                                    fabs(r->expected_loss - r->value_2n) / fabs(r->value_2n));
        } else {
            cJSON_AddNullToObject(o, "value_2n");
        }
        cJSON_AddBoolToObject(o, "horizon_binds", r->horizon_binds);
        cJSON_AddBoolToObject(o, "identifiable", r->identifiable);
        if (!r->identifiable)
            cJSON_AddStringToObject(
                o, "representative",
                "only u = eta/B is determined; B_i = clamp(beta, max(B_min, eta_min/u_i), "
                "min(B_max, eta_max/u_i)) with the smallest beta >= B_min meeting the horizon");
        if (isfinite(r->lr_batch)) cJSON_AddNumberToObject(o, "lr_batch", r->lr_batch);
        if (isfinite(r->batch_eta)) cJSON_AddNumberToObject(o, "batch_eta", r->batch_eta);
        cJSON_AddNumberToObject(o, "eta_max_fraction", r->eta_max_fraction);
        cJSON_AddBoolToObject(o, "b_dips_then_rises", r->b_dips_then_rises);
        cJSON *sv = cJSON_AddObjectToObject(o, "solver");
        cJSON_AddNumberToObject(sv, "starts", r->starts);
        cJSON_AddNumberToObject(sv, "evaluations", r->evaluations);
        cJSON_AddNumberToObject(sv, "seconds", r->seconds);
        cJSON *sc = cJSON_AddObjectToObject(o, "schedule");
        cJSON_AddItemToObject(sc, "t", array_json(r->t, r->n));
        cJSON_AddItemToObject(sc, "dt", array_json(r->dt, r->n));
        cJSON_AddItemToObject(sc, "eta", array_json(r->eta, r->n));
        cJSON_AddItemToObject(sc, "B", array_json(r->B, r->n));
        cJSON_AddItemToObject(sc, "u", array_json(r->u, r->n));
        cJSON_AddItemToObject(sc, "compute", array_json(r->compute, r->n));
        if (want_files) {
            optsched_schedule sch = {0};
            st = write_csv(od, r, err);
            if (!st) st = plot_compute(od, r, m, err);
            if (!st) st = optsched_openloop_schedule(s, &sch, err);
            if (!st) {
                const char *label = "openloop";
                char title[160];
                snprintf(title, sizeof title,
                         "open-loop optimum against time, alpha=%g C_max=%g T=%g", m->alpha, m->C,
                         m->T);
                st = cli_plot_schedules(od, "openloop_time.png", title, 1, &label, &sch, m, err);
            }
            optsched_schedule_clear(&sch);
        }
        if (!st) print_text(text, r, m);
        if (!st && so->summary) {
            optsched_schedule sch = {0};
            summary_row *row = &so->summary[(*so->nsummary)++];
            row->name = me->name;
            row->exact = r->expected_loss;
            st = optsched_openloop_schedule(s, &sch, err);
            if (!st) st = optsched_mc_schedule(m, &sch, &so->mco, &row->mc, err);
            optsched_schedule_clear(&sch);
        }
    }
    optsched_openloop_destroy(s);
    return st;
}

static int run_hjb(const method *me, const optsched_model *m, const solve_opts *so, cJSON *methods,
                   out_dir *od, int want_files, FILE *text, optsched_error *err)
{
    (void)m; /* the session builds its own model from the same flags */
    hjb_session h;
    int st = hjb_session_new(&h, so->hc, so->table, so->ntable, err);
    if (!st) st = hjb_session_train(&h, 0, isatty(2), err);
    hjb_report rep = {0};
    if (!st)
        st = hjb_session_report(&h, 5000, so->mco.paths, so->mco.seed, so->mco.steps, &rep, err);
    if (!st) {
        cJSON *o = hjb_report_json(&h, &rep, 1);
        cJSON_AddItemToObject(methods, me->name, o);
        fprintf(text, "method         hjb (closed loop, Deep Galerkin, %s preset)\n", h.o.preset);
        hjb_report_print(&h, &rep, text);
        fputc('\n', text);
        if (want_files) st = hjb_report_plot(od, "hjb.png", &h, &rep, err);
    }
    if (!st && so->summary) {
        summary_row *row = &so->summary[(*so->nsummary)++];
        row->name = me->name;
        row->exact = NAN;
        row->mc = rep.mc; /* ownership moves to the summary */
        memset(&rep.mc, 0, sizeof rep.mc);
    }
    hjb_report_free(&rep);
    hjb_session_free(&h);
    return st;
}

/* --method all: every method's Monte Carlo loss on the same paths, with the
 * paired difference to the open-loop optimum; a feedback policy worse than the
 * open-loop optimum by more than two standard errors is flagged. */
static void summary_json_text(cJSON *doc, FILE *text, summary_row *rows, int n)
{
    int ol = -1;
    for (int i = 0; i < n; i++)
        if (!strcmp(rows[i].name, "openloop")) ol = i;
    cJSON *arr = cJSON_AddArrayToObject(doc, "summary");
    fprintf(text, "side by side (common random numbers, %d paths)\n", n ? rows[0].mc.paths : 0);
    fprintf(text, "%-15s %12s %22s %26s\n", "method", "exact loss", "MC mean ± SE",
            "vs openloop (paired ± SE)");
    for (int i = 0; i < n; i++) {
        double d = NAN, se = NAN;
        if (ol >= 0) optsched_mc_paired(&rows[ol].mc, &rows[i].mc, &d, &se);
        /* the flag is for feedback policies; a schedule's exact loss already says it */
        int worse = ol >= 0 && i != ol && !isfinite(rows[i].exact) && d > 2 * se;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "method", rows[i].name);
        if (isfinite(rows[i].exact))
            cJSON_AddNumberToObject(o, "expected_loss", rows[i].exact);
        else
            cJSON_AddNullToObject(o, "expected_loss");
        cJSON_AddNumberToObject(o, "mc_mean", rows[i].mc.mean);
        cJSON_AddNumberToObject(o, "mc_stderr", rows[i].mc.se);
        cJSON_AddNumberToObject(o, "paired_diff_to_openloop", d);
        cJSON_AddNumberToObject(o, "paired_diff_stderr", se);
        cJSON_AddBoolToObject(o, "worse_than_openloop_2se", worse);
        cJSON_AddItemToArray(arr, o);
        char ex[32], mc[64], pd[64];
        if (isfinite(rows[i].exact))
            snprintf(ex, sizeof ex, "%.6f", rows[i].exact);
        else
            snprintf(ex, sizeof ex, "-");
        snprintf(mc, sizeof mc, "%.6f ± %.6f", rows[i].mc.mean, rows[i].mc.se);
        if (i == ol)
            snprintf(pd, sizeof pd, "reference");
        else
            snprintf(pd, sizeof pd, "%+.6f ± %.6f", d, se);
        fprintf(text, "%-15s %12s %22s %26s%s\n", rows[i].name, ex, mc, pd,
                worse ? "  WORSE than open loop by > 2 SE" : "");
    }
}

/* The eight baseline families, each tuned on the exact loss (docs/SCHEDULES.md), on the
 * common paths: with --method all they stand beside the optima. */
static int run_baselines(const method *me, const optsched_model *m, const solve_opts *so,
                         cJSON *methods, out_dir *od, int want_files, FILE *text,
                         optsched_error *err)
{
    (void)od;
    (void)want_files;
    optsched_tune_options to;
    optsched_tune_options_default(&to);
    cJSON *o = cJSON_AddObjectToObject(methods, me->name);
    fprintf(text, "method         baselines (each family tuned on the exact loss)\n");
    int st = OPTSCHED_OK;
    for (int f = 0; f < OPTSCHED_N_FAMILIES && !st; f++) {
        optsched_tune_result tr;
        st = optsched_tune_family(m, (optsched_family)f, &to, &tr, err);
        optsched_exact_result ex;
        if (!st) st = optsched_exact_eval(m, &tr.best, &ex, err);
        if (st) break;
        const char *name = optsched_family_name((optsched_family)f);
        char spec[320];
        optsched_schedule_format(&tr.best, spec, sizeof spec);
        cJSON *fo = cJSON_AddObjectToObject(o, name);
        cJSON_AddStringToObject(fo, "schedule", spec);
        cJSON_AddNumberToObject(fo, "expected_loss", ex.expected_loss);
        cJSON_AddNumberToObject(fo, "compute_used", ex.compute_used);
        fprintf(text, "  %-15s %.8f  %s\n", name, ex.expected_loss, spec);
        if (so->summary) {
            summary_row *row = &so->summary[(*so->nsummary)++];
            row->name = name;
            row->exact = ex.expected_loss;
            st = optsched_mc_schedule(m, &tr.best, &so->mco, &row->mc, err);
        }
    }
    fputc('\n', text);
    return st;
}

/* The best policy we build that observes only the loss (policy.h): the open-loop optimum's
 * controls with the batch scaled by (l / l_ref(t))^gamma, gamma chosen on a grid by Monte
 * Carlo on paths of another seed, then measured on the common paths. */
static int run_lossfb(const method *me, const optsched_model *m, const solve_opts *so,
                      cJSON *methods, out_dir *od, int want_files, FILE *text, optsched_error *err)
{
    (void)od;
    (void)want_files;
    static const double grid[] = {-1, -0.5, -0.25, 0, 0.25, 0.5, 1, 2};
    const int ng = (int)(sizeof grid / sizeof grid[0]);
    optsched_openloop *ol = optsched_openloop_create(m, err);
    optsched_schedule ref = {0};
    int st = ol ? optsched_openloop_set(ol, "n", so->n, err) : OPTSCHED_ENOMEM;
    if (!st) st = optsched_openloop_set(ol, "refine", 0, err);
    if (!st) st = optsched_openloop_solve(ol, err);
    if (!st) st = optsched_openloop_schedule(ol, &ref, err);
    optsched_openloop_destroy(ol);
    optsched_mc_options tune = so->mco;
    tune.seed = so->mco.seed + 7919; /* paths the evaluation never uses */
    tune.record = 0;
    double gamma = NAN, tune_mean = NAN;
    if (!st) st = optsched_lossfb_tune(m, &ref, grid, ng, &tune, &gamma, &tune_mean, err);
    optsched_lossfb pol = {0};
    optsched_mc_result res = {0};
    if (!st) st = optsched_lossfb_init(&pol, m, &ref, gamma, err);
    if (!st) st = optsched_mc_run(m, optsched_lossfb_policy_fn, &pol, &so->mco, &res, err);
    optsched_lossfb_clear(&pol);
    optsched_schedule_clear(&ref);
    if (!st) {
        cJSON *o = cJSON_AddObjectToObject(methods, me->name);
        cJSON_AddStringToObject(o, "method", me->name);
        cJSON_AddStringToObject(o, "observes", "loss l(a), remaining budget, time");
        cJSON_AddStringToObject(o, "rule", "eta = eta_ref(t), B = clamp(B_ref(t) (l / l_ref(t))^gamma); ref = the open-loop optimum");
        cJSON_AddNumberToObject(o, "gamma", gamma);
        cJSON_AddItemToObject(o, "gamma_grid", array_json(grid, ng));
        cJSON_AddNumberToObject(o, "tuning_seed", (double)tune.seed);
        cJSON_AddNumberToObject(o, "tuning_mean", tune_mean);
        cJSON_AddItemToObject(o, "mc", cli_json_mc(&res, &so->mco));
        cJSON_AddNumberToObject(o, "compute_used", res.compute_mean);
        fprintf(text, "method         lossfb (feedback on the observable loss only)\n");
        fprintf(text, "rule           eta = eta_ref(t), B = B_ref(t) (l/l_ref(t))^gamma, ref = open-loop optimum\n");
        fprintf(text, "gamma          %g (grid -1 ... 2, chosen on %d paths of seed %llu)\n", gamma,
                tune.paths, (unsigned long long)tune.seed);
        fprintf(text, "policy loss    %.6f ± %.6f (SE), %d paths; compute used %.4g\n\n", res.mean,
                res.se, res.paths, res.compute_mean);
    }
    if (!st && so->summary) {
        summary_row *row = &so->summary[(*so->nsummary)++];
        row->name = me->name;
        row->exact = NAN;
        row->mc = res; /* ownership moves to the summary */
        memset(&res, 0, sizeof res);
    }
    optsched_mc_result_free(&res);
    return st;
}

static const method methods[] = {
    {"baselines", run_baselines, NULL},
    {"openloop", run_openloop, NULL},
    {"hjb", run_hjb, NULL},
    {"lossfb", run_lossfb, NULL},
};
#define N_METHODS (int)(sizeof methods / sizeof methods[0])

static void accepted_list(char *buf, size_t len)
{
    size_t w = 0;
    for (int i = 0; i < N_METHODS; i++)
        if (methods[i].run)
            w += (size_t)snprintf(buf + w, len - w, "%s%s", w ? ", " : "", methods[i].name);
    snprintf(buf + w, len - w, "%sall", w ? ", " : "");
}

int cmd_solve(int argc, char **argv)
{
    hjb_cli hc;
    const char *method_name = "openloop";
    solve_opts so = {.n = 200,
                     .starts = 3,
                     .max_evals = 5000,
                     .no_refine = 0,
                     .tol = 1e-12,
                     .lr_batch = NAN,
                     .batch_eta = NAN,
                     .controls = "joint"};
    cli_arg table[CLI_COMMON_FLAGS + HJB_TRAIN_FLAGS + 10];
    int n = hjb_cli_flags(&hc, table);
    cli_common c; /* filled after parsing */
    table[n++] = (cli_arg){
        "--method", CLI_STRING, &method_name, NULL, "openloop | hjb | lossfb | baselines | all (default openloop)", 0};
    table[n++] = (cli_arg){
        "--controls", CLI_STRING, &so.controls, NULL, "joint | lr | batch (default joint)", 0};
    table[n++] = (cli_arg){"--n", CLI_INT, &so.n, "[2,100000]", "intervals N (200)", 0};
    table[n++] = (cli_arg){"--starts", CLI_INT, &so.starts, "[1,8]", "starting points (3)", 0};
    table[n++] = (cli_arg){"--max-evals",
                           CLI_INT,
                           &so.max_evals,
                           "[10,10000000]",
                           "evaluations per local solve (5000)",
                           0};
    table[n++] = (cli_arg){"--tol",
                           CLI_DOUBLE,
                           &so.tol,
                           "[1e-15,1e-3]",
                           "relative loss tolerance of a local solve (1e-12)",
                           0};
    table[n++] = (cli_arg){"--lr-batch",
                           CLI_DOUBLE,
                           &so.lr_batch,
                           "(0,inf)",
                           "--controls lr: fix B (default: search B)",
                           0};
    table[n++] = (cli_arg){"--batch-eta",
                           CLI_DOUBLE,
                           &so.batch_eta,
                           "(0,inf)",
                           "--controls batch: the fixed eta (eta_max)",
                           0};
    table[n++] = (cli_arg){
        "--no-refine", CLI_FLAG, &so.no_refine, NULL, "skip the solve at 2N (value_2n)", 0};
    int rc = cli_parse_or_exit("solve", usage, argc, argv, table, n);
    if (rc >= 0) return rc;
    c = hc.common;
    so.hc = &hc;
    so.table = table;
    so.ntable = n;

    optsched_error err = {0};
    optsched_model *m = NULL;
    optsched_mc_options mco;
    out_dir od = {0};
    cJSON *doc = NULL;
    int run[N_METHODS] = {0};
    char acc[128];
    accepted_list(acc, sizeof acc);
    int st = OPTSCHED_OK;
    if (!strcmp(method_name, "all")) {
        for (int i = 0; i < N_METHODS; i++)
            run[i] = methods[i].run != NULL;
    } else {
        int found = 0;
        for (int i = 0; i < N_METHODS; i++)
            if (!strcmp(method_name, methods[i].name)) {
                found = 1;
                if (!methods[i].run)
                    st = optsched_error_set(&err, OPTSCHED_EINVAL,
                                            "--method: '%s' is not available (%s); accepted: %s",
                                            method_name, methods[i].why_unavailable, acc);
                run[i] = 1;
            }
        if (!found)
            st =
                optsched_error_set(&err, OPTSCHED_EINVAL,
                                   "--method: unknown method '%s'; accepted: %s", method_name, acc);
    }
    optsched_controls ctl;
    if (!st && optsched_controls_from_name(so.controls, &ctl))
        st = optsched_error_set(&err, OPTSCHED_EINVAL,
                                "--controls: expected joint, lr or batch, got '%s'", so.controls);
    if (!st && isfinite(so.lr_batch) && ctl != OPTSCHED_CONTROLS_LR)
        st = optsched_error_set(&err, OPTSCHED_EINVAL, "--lr-batch: only with --controls lr");
    if (!st && isfinite(so.batch_eta) && ctl != OPTSCHED_CONTROLS_BATCH)
        st = optsched_error_set(&err, OPTSCHED_EINVAL, "--batch-eta: only with --controls batch");
    if (!st) st = cli_common_model(&c, &m, &mco, &err);
    so.mco = mco;
    summary_row summary[N_METHODS + OPTSCHED_N_FAMILIES];
    int nsummary = 0;
    memset(summary, 0, sizeof summary);
    if (!strcmp(method_name, "all")) {
        so.summary = summary;
        so.nsummary = &nsummary;
    }
    /* option ranges that depend on the model, checked before any work or file */
    if (!st && isfinite(so.lr_batch) && !(so.lr_batch >= m->B_min && so.lr_batch <= m->B_max))
        st = optsched_error_set(
            &err, OPTSCHED_EINVAL,
            "--lr-batch: expected a number in [--batch-min = %g, --batch-max = %g], got %g",
            m->B_min, m->B_max, so.lr_batch);
    if (!st && isfinite(so.batch_eta) &&
        !(so.batch_eta >= m->eta_min && so.batch_eta <= m->eta_max))
        st = optsched_error_set(
            &err, OPTSCHED_EINVAL,
            "--batch-eta: expected a number in [--eta-min = %g, --eta-max = %g], got %g",
            m->eta_min, m->eta_max, so.batch_eta);
    if (!st && c.out) st = out_begin(&od, c.out, &err);
    /* the text report is buffered and printed only once every method succeeded */
    char *text = NULL;
    size_t text_len = 0;
    FILE *tf = st ? NULL : open_memstream(&text, &text_len);
    if (!st && !tf) st = optsched_error_set(&err, OPTSCHED_ENOMEM, "out of memory");
    if (!st) {
        doc = cJSON_CreateObject();
        cJSON *ms = cJSON_AddObjectToObject(doc, "methods");
        for (int i = 0; i < N_METHODS && !st; i++)
            if (run[i]) st = methods[i].run(&methods[i], m, &so, ms, &od, c.out != NULL, tf, &err);
        if (!st && so.summary) summary_json_text(doc, tf, summary, nsummary);
        cJSON_AddItemToObject(doc, "model", cli_json_model(m));
        if (!st && c.out) st = out_json(&od, "solve.json", doc, &err);
        if (!st && c.out) st = out_commit(&od, &err);
    }
    if (tf) fclose(tf);
    if (!st) {
        if (c.json) {
            cli_json_print(doc);
        } else {
            fputs(text ? text : "", stdout);
            if (c.out) printf("\nwrote %s/solve.json and the methods' CSV/PNG files\n", c.out);
        }
    }
    free(text);
    for (int i = 0; i < nsummary; i++)
        optsched_mc_result_free(&summary[i].mc);
    if (st && c.out) out_abort(&od);
    cJSON_Delete(doc);
    optsched_model_free(m);
    return st ? cli_fail("solve", &err) : 0;
}
