#include "cli/common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optsched/exact.h"
#include "optsched/tune.h"

int cli_common_flags(cli_common *c, cli_arg *t)
{
    memset(c, 0, sizeof *c);
    optsched_model_params_default(&c->p);
    c->seed = 42;
    c->paths = 200;
    c->steps = 500;
    int n = 0;
    t[n++] = (cli_arg){"--modes", CLI_INT, &c->p.modes, "[1,4096]", "eigenmodes K (default 10)", 0};
    t[n++] = (cli_arg){"--alpha", CLI_DOUBLE, &c->p.alpha, "(0,8]", "spectral decay, λ_k = k^-α (1)", 0};
    t[n++] = (cli_arg){"--features", CLI_DOUBLE, &c->p.features, "(0,inf)", "feature multiplier P (2)", 0};
    t[n++] = (cli_arg){"--noise", CLI_DOUBLE, &c->p.noise, "[0,inf)", "label-noise variance σ² (0.1)", 0};
    t[n++] = (cli_arg){"--budget", CLI_DOUBLE, &c->p.budget, "(0,inf)", "compute budget C_max (20)", 0};
    t[n++] = (cli_arg){"--horizon", CLI_DOUBLE, &c->p.horizon, "(0,inf]", "horizon T, or inf (10)", 0};
    t[n++] = (cli_arg){"--eta-min", CLI_DOUBLE, &c->p.eta_min, "(0,inf)", "smallest learning rate (1e-4)", 0};
    t[n++] = (cli_arg){"--eta-max", CLI_DOUBLE, &c->p.eta_max, "(0,inf)", "largest learning rate (0.5)", 0};
    t[n++] = (cli_arg){"--batch-min", CLI_DOUBLE, &c->p.batch_min, "(0,inf)", "smallest batch size (1)", 0};
    t[n++] = (cli_arg){"--batch-max", CLI_DOUBLE, &c->p.batch_max, "(0,inf)", "largest batch size (256)", 0};
    t[n++] = (cli_arg){"--a0", CLI_DOUBLE, &c->p.a0, NULL, "initial coefficient a_k(0), every k (1)", 0};
    t[n++] = (cli_arg){"--tail", CLI_DOUBLE, &c->p.tail, "[0,inf)", "unlearnable tail loss L_tail (0)", 0};
    t[n++] = (cli_arg){"--seed", CLI_DOUBLE, &c->seed, "[0,9007199254740992]", "Monte Carlo seed (42)", 0};
    t[n++] = (cli_arg){"--paths", CLI_INT, &c->paths, "[1,100000000]", "Monte Carlo paths (200)", 0};
    t[n++] = (cli_arg){"--steps", CLI_INT, &c->steps, "[1,100000000]", "Euler-Maruyama steps over [0, T] (500)", 0};
    t[n++] = (cli_arg){"--json", CLI_FLAG, &c->json, NULL, "print the result as JSON on stdout", 0};
    t[n++] = (cli_arg){"--out", CLI_STRING, &c->out, NULL, "write JSON, CSV and PNG files into this directory", 0};
    return n;
}

int cli_common_model(const cli_common *c, optsched_model **m, optsched_mc_options *mc,
                     optsched_error *err)
{
    if (c->seed != floor(c->seed))
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "--seed: expected an integer in [0, 2^53], got %g", c->seed);
    int st = optsched_model_alloc(m, &c->p, err);
    if (st) return st;
    optsched_mc_options_default(mc);
    mc->seed = (uint64_t)c->seed;
    mc->paths = c->paths;
    mc->steps = c->steps;
    return OPTSCHED_OK;
}

int cli_fail(const char *cmd, const optsched_error *err)
{
    fprintf(stderr, "optsched %s: %s\n", cmd, err->msg[0] ? err->msg : "failed");
    return optsched_exit_status(err->code ? err->code : OPTSCHED_EFAIL);
}

int cli_parse_or_exit(const char *cmd, const char *usage, int argc, char **argv, cli_arg *table,
                      int n)
{
    optsched_error err = {0};
    int help = 0;
    if (cli_args_parse(argc, argv, table, n, NULL, 0, NULL, &help, &err)) return cli_fail(cmd, &err);
    if (help) {
        cli_args_print_help(stdout, usage, table, n);
        return 0;
    }
    return -1;
}

static cJSON *number_or_string(double x)
{
    return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateString(x > 0 ? "inf" : "-inf");
}

cJSON *cli_json_model(const optsched_model *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "modes", m->K);
    cJSON_AddNumberToObject(o, "alpha", m->alpha);
    cJSON_AddNumberToObject(o, "features", m->P);
    cJSON_AddNumberToObject(o, "noise", m->sigma2);
    cJSON_AddNumberToObject(o, "tail", m->tail);
    cJSON_AddNumberToObject(o, "budget", m->C);
    cJSON_AddItemToObject(o, "horizon", number_or_string(m->T));
    cJSON_AddNumberToObject(o, "eta_min", m->eta_min);
    cJSON_AddNumberToObject(o, "eta_max", m->eta_max);
    cJSON_AddNumberToObject(o, "batch_min", m->B_min);
    cJSON_AddNumberToObject(o, "batch_max", m->B_max);
    cJSON_AddNumberToObject(o, "a0", m->a0[0]);
    return o;
}

cJSON *cli_json_params(const optsched_schedule *s)
{
    cJSON *o = cJSON_CreateObject();
    const char *keys[64];
    double vals[64];
    int n = optsched_schedule_params(s, keys, vals, 64);
    cJSON *ms = NULL;
    for (int i = 0; i < n; i++) {
        if (!strcmp(keys[i], "milestones")) {
            if (!ms) ms = cJSON_AddArrayToObject(o, "milestones");
            cJSON_AddItemToArray(ms, cJSON_CreateNumber(vals[i]));
        } else if (!strcmp(keys[i], "decay_type")) {
            cJSON_AddStringToObject(o, "decay_type", optsched_decay_type_name((int)vals[i]));
        } else {
            cJSON_AddNumberToObject(o, keys[i], vals[i]);
        }
    }
    if (s->family == OPTSCHED_PIECEWISE && !ms) cJSON_AddArrayToObject(o, "milestones");
    return o;
}

cJSON *cli_json_mc(const optsched_mc_result *r, const optsched_mc_options *o)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "mean", r->mean);
    cJSON_AddNumberToObject(j, "std", r->std);
    cJSON_AddNumberToObject(j, "stderr", r->se);
    cJSON_AddNumberToObject(j, "paths", r->paths);
    cJSON_AddNumberToObject(j, "steps", r->steps);
    cJSON_AddNumberToObject(j, "seed", (double)o->seed);
    cJSON_AddNumberToObject(j, "compute_mean", r->compute_mean);
    return j;
}

void cli_json_print(const cJSON *doc)
{
    char *text = cJSON_Print(doc);
    if (text) {
        fputs(text, stdout);
        fputc('\n', stdout);
    }
    free(text);
}

/* Appends a gnuplot datablock "$name << EOD" with columns t, eta, B, u, compute,
 * loss sampled at rows points along the run. */
static int append_block(char **buf, size_t *len, size_t *cap, const char *name,
                        const optsched_schedule *s, const optsched_model *m, int rows)
{
    double *t = malloc(3 * (size_t)rows * sizeof *t);
    if (!t) return OPTSCHED_ENOMEM;
    double *loss = t + rows, *comp = t + 2 * rows;
    int st = optsched_exact_trajectory(m, s, rows, t, loss, comp, NULL);
    for (int i = 0; i < rows && !st; i++) {
        double eta, B;
        /* the control in force on [t_i, t_{i+1}): read just inside the step */
        double tt = i + 1 < rows ? t[i] : t[i] * (1 - 1e-12);
        optsched_schedule_controls(s, m, tt, &eta, &B);
        char line[256];
        int w = i == 0 ? snprintf(line, sizeof line, "$%s << EOD\n", name) : 0;
        w += snprintf(line + w, sizeof line - (size_t)w, "%.10g %.10g %.10g %.10g %.10g %.10g\n", t[i],
                      eta, B, eta / B, comp[i], loss[i]);
        if (i == rows - 1) w += snprintf(line + w, sizeof line - (size_t)w, "EOD\n");
        if (*len + (size_t)w + 1 > *cap) {
            *cap = 2 * (*cap + (size_t)w + 1);
            char *nb = realloc(*buf, *cap);
            if (!nb) {
                st = OPTSCHED_ENOMEM;
                break;
            }
            *buf = nb;
        }
        memcpy(*buf + *len, line, (size_t)w + 1);
        *len += (size_t)w;
    }
    free(t);
    return st;
}

/* One "plot" line over the datablocks $d0..$d{n-1}: gnuplot's palette has 8
 * colours, so series past the eighth repeat a colour with a dashed line. */
static size_t append_series(char *script, size_t w, size_t cap, int n, const char *const *labels,
                            const char *cols)
{
    w += (size_t)snprintf(script + w, cap - w, "plot ");
    for (int i = 0; i < n; i++)
        w += (size_t)snprintf(script + w, cap - w,
                              "%s$d%d using %s with lines lw 2 lt %d dt %d title '%s'", i ? ", " : "",
                              i, cols, i % 8 + 1, i / 8 + 1, labels[i]);
    w += (size_t)snprintf(script + w, cap - w, "\n");
    return w;
}

static int plot(out_dir *o, const char *name, const char *title, int n, const char *const *labels,
                const optsched_schedule *s, const optsched_model *m, int loss_vs_compute,
                optsched_error *err)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    if (!buf) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (plot)");
    buf[0] = '\0';
    int st = OPTSCHED_OK;
    for (int i = 0; i < n && !st; i++) {
        char bn[16];
        snprintf(bn, sizeof bn, "d%d", i);
        st = append_block(&buf, &len, &cap, bn, &s[i], m, 400);
    }
    const char *png = st ? NULL : out_reserve(o, name, err);
    if (!png) {
        free(buf);
        return st ? optsched_error_set(err, st, "cannot sample the schedules for plotting") : OPTSCHED_EFAIL;
    }
    size_t extra = 4096 + (size_t)n * 512;
    char *script = malloc(len + extra);
    if (!script) {
        free(buf);
        return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory (plot)");
    }
    size_t w = (size_t)snprintf(script, len + extra,
                                "%sset terminal pngcairo noenhanced size 1000,%d font 'sans,10'\n"
                                "set output '%s'\nset grid\nset key outside right\n"
                                "set offsets graph 0, graph 0, graph 0.05, graph 0.05\n",
                                buf, loss_vs_compute ? 600 : 800, png);
    if (loss_vs_compute) {
        w += (size_t)snprintf(script + w, len + extra - w,
                              "set title '%s'\nset xlabel 'compute used'\nset ylabel 'expected loss'\n"
                              "set logscale y\n", title);
        w = append_series(script, w, len + extra, n, labels, "5:6");
    } else {
        w += (size_t)snprintf(script + w, len + extra - w,
                              "set multiplot layout 2,1 title '%s'\n"
                              "set ylabel 'learning rate η'\nset logscale y\nunset xlabel\n",
                              title);
        w = append_series(script, w, len + extra, n, labels, "1:2");
        w += (size_t)snprintf(script + w, len + extra - w,
                              "set xlabel 'time t (steps)'\nset ylabel 'batch size B'\n");
        w = append_series(script, w, len + extra, n, labels, "1:3");
        w += (size_t)snprintf(script + w, len + extra - w, "unset multiplot\n");
    }
    st = out_gnuplot(script, err);
    free(script);
    free(buf);
    return st;
}

int cli_plot_schedules(out_dir *o, const char *name, const char *title, int n,
                       const char *const *labels, const optsched_schedule *s,
                       const optsched_model *m, optsched_error *err)
{
    return plot(o, name, title, n, labels, s, m, 0, err);
}

int cli_plot_loss_compute(out_dir *o, const char *name, const char *title, int n,
                          const char *const *labels, const optsched_schedule *s,
                          const optsched_model *m, optsched_error *err)
{
    return plot(o, name, title, n, labels, s, m, 1, err);
}

int cli_write_schedule_csv(out_dir *o, const char *name, const optsched_schedule *s,
                           const optsched_model *m, int rows, optsched_error *err)
{
    double *t = malloc(3 * (size_t)rows * sizeof *t);
    if (!t) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory");
    double *loss = t + rows, *comp = t + 2 * rows;
    int st = optsched_exact_trajectory(m, s, rows, t, loss, comp, err);
    FILE *f = st ? NULL : out_open(o, name, err);
    if (!st && !f) st = OPTSCHED_EIO;
    if (f) {
        fprintf(f, "t,eta,B,u,compute,expected_loss\n");
        for (int i = 0; i < rows; i++) {
            double eta, B, tt = i + 1 < rows ? t[i] : t[i] * (1 - 1e-12);
            optsched_schedule_controls(s, m, tt, &eta, &B);
            fprintf(f, "%.12g,%.12g,%.12g,%.12g,%.12g,%.12g\n", t[i], eta, B, eta / B, comp[i], loss[i]);
        }
        if (fclose(f) != 0) st = optsched_error_set(err, OPTSCHED_EIO, "cannot write %s", name);
    }
    free(t);
    return st;
}

cJSON *cli_json_grid(const optsched_tune_result *r)
{
    cJSON *g = cJSON_CreateObject();
    for (int a = 0; a < r->n_axes; a++) {
        cJSON *v = cJSON_AddArrayToObject(g, r->axes[a].name);
        for (int i = 0; i < r->axes[a].n; i++)
            cJSON_AddItemToArray(v, cJSON_CreateNumber(r->axes[a].values[i]));
    }
    if (r->milestone_sets) cJSON_AddStringToObject(g, "milestone_sets", r->milestone_sets);
    cJSON_AddNumberToObject(g, "points", r->grid_points);
    cJSON_AddNumberToObject(g, "best_grid_loss", r->grid_loss);
    cJSON_AddNumberToObject(g, "evaluations", r->evaluations);
    return g;
}
