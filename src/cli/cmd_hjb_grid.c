/* optsched hjb-grid: the closed-loop value function for K = 1 or 2 modes on a
 * grid (include/optsched/hjb_grid.h, docs/HJB_GRID.md), the Monte Carlo loss of
 * its feedback policy, and optionally the open-loop references. */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "optsched/exact.h"
#include "optsched/hjb_grid.h"
#include "optsched/openloop.h"
#include "optsched/tune.h"

static const char *usage =
    "usage: optsched hjb-grid --modes 1|2 [model flags] [grid flags] [--compare] [--json] [--out DIR]\n\n"
    "Solves the closed-loop HJB equation of the schedule problem on a grid (K = 1 or 2\n"
    "modes): a monotone semi-Lagrangian scheme marching in the remaining compute. Reports\n"
    "V(a0, C_max, 0), the Monte Carlo loss of the grid's feedback policy (argmin controls\n"
    "interpolated at each state), grid sizes, shape diagnostics and run times. --compare adds\n"
    "the tuned constant schedule and the open-loop optimum (exact losses). --out DIR writes\n"
    "hjb_grid.json, policy.csv, policy.png (η(t), B(t) along the paths: mean and 10-90%% band)\n"
    "and value.png (V(a, C_max, 0) against a; for K = 2 along a = s·a0). See docs/HJB_GRID.md.";

/* The grid's policy, counting the states it is asked about outside the a-box. */
typedef struct {
    optsched_hjb_grid *g;
    int K;
    double A;
    long long outside, total;
} policy_ctx;

static int counting_policy(void *ctx, int n, const double *a, const double *r, double t,
                           double *eta, double *B)
{
    policy_ctx *pc = ctx;
    for (int q = 0; q < n; q++) {
        int out = 0;
        for (int k = 0; k < pc->K; k++) out |= fabs(a[(size_t)q * pc->K + k]) > pc->A;
        pc->outside += out;
    }
    pc->total += n;
    return optsched_hjb_grid_policy(pc->g, n, a, r, t, eta, B);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Mean and 10/90% quantiles of η and B over the paths still running at each step. */
typedef struct {
    int n; /* steps with at least one live path */
    double *t, *eta, *eta10, *eta90, *B, *B10, *B90;
    int *live;
} path_stats;

static int policy_path_stats(const optsched_mc_result *r, path_stats *ps)
{
    const int S = r->steps, N = r->paths;
    memset(ps, 0, sizeof *ps);
    ps->t = malloc(7 * (size_t)S * sizeof *ps->t);
    ps->live = malloc((size_t)S * sizeof *ps->live);
    double *buf = malloc(2 * (size_t)N * sizeof *buf);
    if (!ps->t || !ps->live || !buf) {
        free(buf);
        return OPTSCHED_ENOMEM;
    }
    ps->eta = ps->t + S, ps->eta10 = ps->t + 2 * S, ps->eta90 = ps->t + 3 * S;
    ps->B = ps->t + 4 * S, ps->B10 = ps->t + 5 * S, ps->B90 = ps->t + 6 * S;
    double *be = buf, *bb = buf + N;
    for (int s = 0; s < S; s++) {
        int n = 0;
        double se = 0, sb = 0;
        for (int p = 0; p < N; p++) {
            double e = r->eta_trace[(size_t)s * N + p], b = r->B_trace[(size_t)s * N + p];
            if (isnan(e)) continue;
            be[n] = e, bb[n] = b, se += e, sb += b, n++;
        }
        if (n == 0) break;
        qsort(be, (size_t)n, sizeof *be, cmp_double);
        qsort(bb, (size_t)n, sizeof *bb, cmp_double);
        int i10 = (int)floor(0.1 * (n - 1)), i90 = (int)ceil(0.9 * (n - 1));
        ps->t[s] = s * r->dt;
        ps->eta[s] = se / n, ps->eta10[s] = be[i10], ps->eta90[s] = be[i90];
        ps->B[s] = sb / n, ps->B10[s] = bb[i10], ps->B90[s] = bb[i90];
        ps->live[s] = n;
        ps->n = s + 1;
    }
    free(buf);
    return OPTSCHED_OK;
}

static void path_stats_free(path_stats *ps)
{
    free(ps->t);
    free(ps->live);
    memset(ps, 0, sizeof *ps);
}

/* Appends printf output to a growing buffer; returns 0 or OPTSCHED_ENOMEM. */
typedef struct {
    char *s;
    size_t len, cap;
} strbuf;

__attribute__((format(printf, 2, 3))) static int sb_printf(strbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (w < 0) return OPTSCHED_EFAIL;
        if (b->s && b->len + (size_t)w < b->cap) {
            b->len += (size_t)w;
            return OPTSCHED_OK;
        }
        size_t cap = 2 * (b->cap + (size_t)w + 64);
        char *ns = realloc(b->s, cap);
        if (!ns) return OPTSCHED_ENOMEM;
        b->s = ns;
        b->cap = cap;
    }
}

static int plot_policy(out_dir *od, const path_stats *ps, const char *title, optsched_error *err)
{
    strbuf b = {0};
    int st = sb_printf(&b, "$d << EOD\n");
    for (int s = 0; s < ps->n && !st; s++)
        st = sb_printf(&b, "%.10g %.10g %.10g %.10g %.10g %.10g %.10g\n", ps->t[s], ps->eta[s],
                       ps->eta10[s], ps->eta90[s], ps->B[s], ps->B10[s], ps->B90[s]);
    const char *png = st ? NULL : out_reserve(od, "policy.png", err);
    if (!st && !png) st = OPTSCHED_EFAIL;
    if (!st)
        st = sb_printf(&b,
                       "EOD\nset terminal pngcairo noenhanced size 1000,800 font 'sans,10'\n"
                       "set output '%s'\nset grid\nset key outside right\n"
                       "set multiplot layout 2,1 title '%s'\n"
                       "set ylabel 'learning rate η'\nset logscale y\nunset xlabel\n"
                       "plot $d using 1:3:4 with filledcurves fs transparent solid 0.25 noborder "
                       "title '10-90%%', $d using 1:2 with lines lw 2 title 'mean'\n"
                       "set xlabel 'time t (steps)'\nset ylabel 'batch size B'\n"
                       "plot $d using 1:6:7 with filledcurves fs transparent solid 0.25 noborder "
                       "title '10-90%%', $d using 1:5 with lines lw 2 title 'mean'\n"
                       "unset multiplot\n",
                       png, title);
    if (!st) st = out_gnuplot(b.s, err);
    else if (st == OPTSCHED_ENOMEM) optsched_error_set(err, st, "out of memory (plot)");
    free(b.s);
    return st;
}

/* V(s·a0, C_max, 0) for s ∈ [−a_box/|a0|, a_box/|a0|] (K = 1: V(a, C, 0) against a). */
static int plot_value(out_dir *od, const optsched_hjb_grid *g, const optsched_model *m,
                      const optsched_hjb_grid_stats *s, const char *title, optsched_error *err)
{
    double amax = 0;
    for (int k = 0; k < m->K; k++) amax = fmax(amax, fabs(m->a0[k]));
    if (amax == 0) amax = 1;
    const double smax = s->a_box / amax;
    strbuf b = {0};
    int st = sb_printf(&b, "$v << EOD\n");
    for (int i = 0; i <= 400 && !st; i++) {
        double x = -smax + 2 * smax * i / 400, a[2], V;
        for (int k = 0; k < m->K; k++) a[k] = x * (m->a0[k] != 0 ? m->a0[k] : 1);
        optsched_hjb_grid_value(g, a, m->C, 0, &V);
        st = sb_printf(&b, "%.10g %.10g %.10g\n", m->K == 1 ? a[0] : x, V,
                       optsched_model_ell(m, a) + m->tail);
    }
    const char *png = st ? NULL : out_reserve(od, "value.png", err);
    if (!st && !png) st = OPTSCHED_EFAIL;
    if (!st)
        st = sb_printf(&b,
                       "EOD\nset terminal pngcairo noenhanced size 1000,600 font 'sans,10'\n"
                       "set output '%s'\nset grid\nset key top center\nset title '%s'\n"
                       "set xlabel '%s'\nset ylabel 'loss'\nset logscale y\n"
                       "plot $v using 1:2 with lines lw 2 title 'V(a, C_max, 0) (grid)', "
                       "$v using 1:3 with lines lw 1 dt 2 title 'terminal loss l(a) + L_tail'\n",
                       png, title, m->K == 1 ? "a" : "s  (a = s a0)");
    if (!st) st = out_gnuplot(b.s, err);
    else if (st == OPTSCHED_ENOMEM) optsched_error_set(err, st, "out of memory (plot)");
    free(b.s);
    return st;
}

static int write_policy_csv(out_dir *od, const path_stats *ps, optsched_error *err)
{
    FILE *f = out_open(od, "policy.csv", err);
    if (!f) return OPTSCHED_EIO;
    fprintf(f, "t,live_paths,eta_mean,eta_q10,eta_q90,B_mean,B_q10,B_q90\n");
    for (int s = 0; s < ps->n; s++)
        fprintf(f, "%.10g,%d,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n", ps->t[s], ps->live[s],
                ps->eta[s], ps->eta10[s], ps->eta90[s], ps->B[s], ps->B10[s], ps->B90[s]);
    if (fclose(f) != 0) return optsched_error_set(err, OPTSCHED_EIO, "cannot write policy.csv");
    return OPTSCHED_OK;
}

static cJSON *json_array(const double *x, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(x[i]));
    return a;
}

/* --at: states a_1/.../a_K/r/t separated by commas, parsed into v[ns][K + 2]. */
static int parse_states(const char *list, int K, double **v, int *ns, optsched_error *err)
{
    *v = NULL;
    *ns = 0;
    int cap = 0;
    const char *p = list;
    while (*p) {
        if (*ns == cap) {
            cap = cap ? 2 * cap : 8;
            double *w = realloc(*v, (size_t)cap * (size_t)(K + 2) * sizeof *w);
            if (!w) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (--at)");
            *v = w;
        }
        double *x = *v + (size_t)*ns * (size_t)(K + 2);
        for (int j = 0; j < K + 2; j++) {
            char *end;
            errno = 0;
            x[j] = strtod(p, &end);
            const char want = j < K + 1 ? '/' : ',';
            if (end == p || errno || !isfinite(x[j]) || (*end && *end != want) ||
                (!*end && j < K + 1) || (j == K && x[j] < 0))
                return optsched_error_set(err, OPTSCHED_EINVAL,
                                          "--at: expected states a_1/.../a_%d/r/t (r >= 0) separated "
                                          "by commas, got '%s'",
                                          K, list);
            p = *end ? end + 1 : end;
        }
        (*ns)++;
    }
    return *ns ? OPTSCHED_OK
               : optsched_error_set(err, OPTSCHED_EINVAL, "--at: expected at least one state a_1/.../a_%d/r/t", K);
}

int cmd_hjb_grid(int argc, char **argv)
{
    cli_common c;
    int n_a = 0, n_r = 0, n_t = 0, n_u = 0, n_eta = 0, n_B = 0, gh = 0, threads = 0, compare = 0;
    double a_max = 0, stretch = 0;
    const char *controls = NULL, *at = NULL;
    cli_arg table[CLI_COMMON_FLAGS + 13];
    int n = cli_common_flags(&c, table);
    table[n++] = (cli_arg){"--grid-a", CLI_INT, &n_a, "[3,4001]", "nodes per a_k on [0, a_box] (201 for K=1, 41 for K=2)", 0};
    table[n++] = (cli_arg){"--grid-r", CLI_INT, &n_r, "[1,100000]", "compute steps over [0, C_max] (200 / 100)", 0};
    table[n++] = (cli_arg){"--grid-t", CLI_INT, &n_t, "[2,10001]", "time nodes over [0, T] (41)", 0};
    table[n++] = (cli_arg){"--grid-u", CLI_INT, &n_u, "[2,4096]", "frontier controls: points of u = eta/B (64 / 32)", 0};
    table[n++] = (cli_arg){"--controls", CLI_STRING, &controls, NULL, "frontier (default) or box", 0};
    table[n++] = (cli_arg){"--grid-eta", CLI_INT, &n_eta, "[2,128]", "box controls: eta points (16)", 0};
    table[n++] = (cli_arg){"--grid-batch", CLI_INT, &n_B, "[2,128]", "box controls: batch points (16)", 0};
    table[n++] = (cli_arg){"--gh", CLI_INT, &gh, "[3,5]", "Gauss-Hermite points per mode (3)", 0};
    table[n++] = (cli_arg){"--a-max", CLI_DOUBLE, &a_max, "[1,100]", "box half-width in units of max|a0| (3)", 0};
    table[n++] = (cli_arg){"--stretch", CLI_DOUBLE, &stretch, "[0,10]", "a-node crowding towards 0, beta of a_i = A sinh(beta i/(n-1))/sinh(beta) (5)", 0};
    table[n++] = (cli_arg){"--threads", CLI_INT, &threads, "[0,1024]", "OpenMP threads (0: default)", 0};
    table[n++] = (cli_arg){"--compare", CLI_FLAG, &compare, NULL, "also tune the constant schedule and solve the open-loop optimum", 0};
    table[n++] = (cli_arg){"--at", CLI_STRING, &at, NULL, "also print V at these states: a_1/.../a_K/r/t,... (interpolated)", 0};
    int rc = cli_parse_or_exit("hjb-grid", usage, argc, argv, table, n);
    if (rc >= 0) return rc;

    optsched_error err = {0};
    optsched_model *m = NULL;
    optsched_mc_options mco;
    optsched_hjb_grid *g = NULL;
    optsched_mc_result mc = {0};
    path_stats ps = {0};
    optsched_tune_result tr;
    optsched_openloop *ol = NULL;
    out_dir od = {0};
    cJSON *doc = NULL;
    double mc_seconds = 0, ol_loss = NAN, ol_resid = NAN, const_loss = NAN;
    int have_const = 0;
    double *at_x = NULL, *at_V = NULL;
    int n_at = 0;
    int st = cli_common_model(&c, &m, &mco, &err);
    if (!st && at) st = parse_states(at, m->K, &at_x, &n_at, &err);
    if (!st && !(g = optsched_hjb_grid_create(m, &err))) st = err.code ? err.code : OPTSCHED_EFAIL;
    /* flags map one to one onto solver options; the solver checks the ranges again */
    const struct {
        const char *flag, *opt;
        double v;
    } opts[] = {{"--grid-a", "n_a", n_a},       {"--grid-r", "n_r", n_r},   {"--grid-t", "n_t", n_t},
                {"--grid-u", "n_u", n_u},       {"--grid-eta", "n_eta", n_eta},
                {"--grid-batch", "n_B", n_B},   {"--gh", "gh", gh},         {"--a-max", "a_max", a_max},
                {"--stretch", "stretch", stretch},
                {"--threads", "threads", threads}};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0] && !st; i++) {
        int seen = 0;
        for (int k = 0; k < n; k++)
            if (!strcmp(table[k].name, opts[i].flag)) seen = table[k].seen;
        if (seen) st = optsched_hjb_grid_set(g, opts[i].opt, opts[i].v, &err);
    }
    if (!st && controls && optsched_hjb_grid_set_str(g, "controls", controls, &err))
        st = optsched_error_set(&err, OPTSCHED_EINVAL,
                                "--controls: expected frontier or box, got '%s'", controls);
    if (!st && c.out) st = out_begin(&od, c.out, &err);
    if (!st) st = optsched_hjb_grid_solve(g, &err);
    const optsched_hjb_grid_stats *s = st ? NULL : optsched_hjb_grid_get_stats(g);
    if (!st && n_at && !(at_V = malloc((size_t)n_at * sizeof *at_V)))
        st = optsched_error_set(&err, OPTSCHED_ENOMEM, "out of memory (--at)");
    for (int i = 0; i < n_at && !st; i++) {
        const double *x = at_x + (size_t)i * (size_t)(m->K + 2);
        st = optsched_hjb_grid_value(g, x, x[m->K], x[m->K + 1], &at_V[i]);
        if (st) optsched_error_set(&err, st, "--at: state %d is outside the grid", i + 1);
    }
    policy_ctx pc = {g, m ? m->K : 0, s ? s->a_box : 0, 0, 0};
    if (!st) {
        mco.record = 1;
        double t0 = omp_get_wtime();
        st = optsched_mc_run(m, counting_policy, &pc, &mco, &mc, &err);
        mc_seconds = omp_get_wtime() - t0;
    }
    if (!st && policy_path_stats(&mc, &ps))
        st = optsched_error_set(&err, OPTSCHED_ENOMEM, "out of memory (policy statistics)");
    if (!st && compare) {
        optsched_tune_options to;
        optsched_tune_options_default(&to);
        st = optsched_tune_family(m, OPTSCHED_CONSTANT, &to, &tr, &err);
        if (!st) {
            have_const = 1;
            const_loss = tr.expected_loss;
        }
        if (!st && !(ol = optsched_openloop_create(m, &err))) st = err.code ? err.code : OPTSCHED_EFAIL;
        if (!st) st = optsched_openloop_solve(ol, &err);
        if (!st) {
            const optsched_openloop_result *olr = optsched_openloop_get(ol);
            ol_loss = olr->expected_loss;
            ol_resid = olr->residual;
        }
    }
    char title[256] = "";
    if (!st) {
        snprintf(title, sizeof title, "grid HJB, K=%d, C_max=%g, T=%g: V(a0,C,0)=%.4g, MC %.4g +- %.2g",
                 m->K, m->C, m->T, s->value0, mc.mean, mc.se);
        doc = cJSON_CreateObject();
        cJSON_AddNumberToObject(doc, "value", s->value0);
        if (n_at) {
            cJSON *ja = cJSON_AddArrayToObject(doc, "at");
            for (int i = 0; i < n_at; i++) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddItemToObject(o, "state", json_array(at_x + (size_t)i * (size_t)(m->K + 2), m->K + 2));
                cJSON_AddNumberToObject(o, "V", at_V[i]);
                cJSON_AddItemToArray(ja, o);
            }
        }
        cJSON_AddItemToObject(doc, "mc", cli_json_mc(&mc, &mco));
        cJSON_AddNumberToObject(doc, "dp_gap", fabs(s->value0 - mc.mean) / fabs(s->value0));
        cJSON_AddNumberToObject(doc, "t_end_mean", mc.t_end_mean);
        cJSON_AddNumberToObject(doc, "box_exit_fraction",
                                pc.total ? (double)pc.outside / (double)pc.total : 0.0);
        cJSON *ic = cJSON_AddObjectToObject(doc, "initial_controls");
        cJSON_AddNumberToObject(ic, "eta", s->eta0);
        cJSON_AddNumberToObject(ic, "B", s->B0);
        cJSON *gj = cJSON_AddObjectToObject(doc, "grid");
        cJSON_AddNumberToObject(gj, "n_a", s->n_a);
        cJSON_AddNumberToObject(gj, "n_r", s->n_r);
        cJSON_AddNumberToObject(gj, "n_t", s->n_t);
        cJSON_AddNumberToObject(gj, "n_controls", s->n_controls);
        cJSON_AddStringToObject(gj, "controls", controls ? controls : "frontier");
        cJSON_AddNumberToObject(gj, "gh", s->gh);
        cJSON_AddNumberToObject(gj, "a_box", s->a_box);
        cJSON_AddNumberToObject(gj, "stretch", s->stretch);
        cJSON_AddNumberToObject(gj, "da_min", s->da_min);
        cJSON_AddNumberToObject(gj, "da_max", s->da_max);
        cJSON_AddNumberToObject(gj, "dr", s->dr);
        cJSON_AddNumberToObject(gj, "dt", s->dt);
        cJSON_AddNumberToObject(gj, "nodes", (double)s->nodes);
        cJSON_AddNumberToObject(gj, "memory_mb", s->memory_mb);
        cJSON *sh = cJSON_AddObjectToObject(doc, "shape");
        cJSON_AddNumberToObject(sh, "convex_fraction", s->convex_fraction);
        cJSON_AddNumberToObject(sh, "monotone_r_fraction", s->monotone_r_fraction);
        cJSON_AddNumberToObject(sh, "monotone_t_fraction", s->monotone_t_fraction);
        cJSON *rt = cJSON_AddObjectToObject(doc, "runtime");
        cJSON_AddNumberToObject(rt, "solve_seconds", s->seconds);
        cJSON_AddNumberToObject(rt, "mc_seconds", mc_seconds);
        cJSON_AddNumberToObject(rt, "threads", s->threads);
        cJSON *sc = cJSON_AddObjectToObject(doc, "schedule");
        cJSON_AddItemToObject(sc, "t", json_array(ps.t, ps.n));
        cJSON_AddItemToObject(sc, "eta", json_array(ps.eta, ps.n));
        cJSON_AddItemToObject(sc, "B", json_array(ps.B, ps.n));
        if (compare) {
            cJSON *cj = cJSON_AddObjectToObject(doc, "compare");
            cJSON *cc = cJSON_AddObjectToObject(cj, "constant");
            cJSON_AddNumberToObject(cc, "expected_loss", const_loss);
            if (have_const) cJSON_AddItemToObject(cc, "params", cli_json_params(&tr.best));
            cJSON *co = cJSON_AddObjectToObject(cj, "openloop");
            cJSON_AddNumberToObject(co, "expected_loss", ol_loss);
            cJSON_AddNumberToObject(co, "residual", ol_resid);
            cJSON_AddNumberToObject(cj, "value_over_openloop", s->value0 / ol_loss);
            cJSON_AddNumberToObject(cj, "mc_over_openloop", mc.mean / ol_loss);
        }
        cJSON_AddItemToObject(doc, "model", cli_json_model(m));
        if (c.out) {
            st = out_json(&od, "hjb_grid.json", doc, &err);
            if (!st) st = write_policy_csv(&od, &ps, &err);
            if (!st) st = plot_policy(&od, &ps, title, &err);
            if (!st) st = plot_value(&od, g, m, s, title, &err);
            if (!st) st = out_commit(&od, &err);
        }
    }
    if (!st) {
        if (c.json) {
            cli_json_print(doc);
        } else {
            printf("value V(a0, C_max, 0)  %.8g   (grid; argmin at the start: eta %.4g, B %.4g)\n",
                   s->value0, s->eta0, s->B0);
            printf("policy Monte Carlo     %.8g ± %.3g (SE)   %d paths, %d steps, seed %llu; "
                   "compute used %.4g, t_end %.4g\n",
                   mc.mean, mc.se, mc.paths, mc.steps, (unsigned long long)mco.seed,
                   mc.compute_mean, mc.t_end_mean);
            printf("grid                   K=%d: n_a %d (da %.3g at 0 to %.3g at the edge, box |a| <= "
                   "%.4g), n_r %d (dr %.4g), n_t %d, %d controls (%s), GH %d, %.0f MB\n",
                   s->K, s->n_a, s->da_min, s->da_max, s->a_box, s->n_r, s->dr, s->n_t, s->n_controls,
                   controls ? controls : "frontier", s->gh, s->memory_mb);
            printf("shape                  convex %.4f, dV/dr <= 0 %.4f, dV/dt >= 0 %.4f (fractions "
                   "of nodes)\n",
                   s->convex_fraction, s->monotone_r_fraction, s->monotone_t_fraction);
            printf("runtime                solve %.3f s, Monte Carlo %.3f s, %d threads\n", s->seconds,
                   mc_seconds, s->threads);
            if (compare)
                printf("open loop              tuned constant %.8g, open-loop optimum %.8g "
                       "(residual %.2g); V / open-loop = %.4g\n",
                       const_loss, ol_loss, ol_resid, s->value0 / ol_loss);
            for (int i = 0; i < n_at; i++) {
                const double *x = at_x + (size_t)i * (size_t)(m->K + 2);
                printf("V at a=");
                for (int k = 0; k < m->K; k++) printf("%s%g", k ? "/" : "", x[k]);
                printf(" r=%g t=%g   %.8g\n", x[m->K], x[m->K + 1], at_V[i]);
            }
            if (c.out) printf("wrote                  %s/{hjb_grid.json,policy.csv,policy.png,value.png}\n", c.out);
        }
    }
    if (st && c.out) out_abort(&od);
    cJSON_Delete(doc);
    free(at_x);
    free(at_V);
    path_stats_free(&ps);
    optsched_mc_result_free(&mc);
    optsched_openloop_destroy(ol);
    optsched_hjb_grid_destroy(g);
    optsched_model_free(m);
    return st ? cli_fail("hjb-grid", &err) : 0;
}
