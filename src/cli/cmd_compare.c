/* optsched compare: every baseline family tuned for one setting, then all of
 * them evaluated on the same Monte Carlo paths (common random numbers), beside
 * the open-loop optimum (optsched solve --method openloop, joint, N = 200) as an
 * extra row; each row's gap to that optimum in percent of its exact loss. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "optsched/exact.h"
#include "optsched/openloop.h"
#include "optsched/tune.h"

static const char *usage =
    "usage: optsched compare [model flags] [--families F1,F2,...] [--no-openloop] [--json] [--out DIR]\n\n"
    "Tunes each baseline family on the exact loss (grid + refinement), then evaluates all\n"
    "of them on the same Monte Carlo paths: exact loss, MC mean ± SE, compute used, and the\n"
    "paired difference to the best family (by exact loss) with its standard error. The\n"
    "open-loop optimum (joint eta, B; N = 200; docs/OPENLOOP.md) is an extra row on the same\n"
    "paths, and every row reports its gap to it in percent.";

typedef struct {
    const char *name;
    optsched_schedule s;
    optsched_tune_result tune;
    optsched_exact_result ex;
    optsched_mc_result mc;
    double diff, diff_se;
    double gap_percent; /* (exact loss − open-loop optimum) / optimum × 100; NAN without it */
    int is_openloop;
    double ol_residual;
    int ol_n, ol_binds, ol_identifiable;
} row;

static int parse_families(const char *list, optsched_family *out, int *n, optsched_error *err)
{
    *n = 0;
    if (!list) {
        for (int f = 0; f < OPTSCHED_N_FAMILIES; f++) out[(*n)++] = (optsched_family)f;
        return OPTSCHED_OK;
    }
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char name[32];
        optsched_family f;
        if (len == 0 || len >= sizeof name || *n >= OPTSCHED_N_FAMILIES)
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "--families: expected a comma-separated list of baseline families");
        memcpy(name, p, len);
        name[len] = '\0';
        if (optsched_family_from_name(name, &f) != 0 || f == OPTSCHED_ARRAY)
            return optsched_error_set(err, OPTSCHED_EINVAL,
                                      "--families: unknown family '%s' (expected constant, cosine, "
                                      "warmup_cosine, wsd, linear, piecewise, const_cooldown, bordelon)",
                                      name);
        out[(*n)++] = f;
        p = comma ? comma + 1 : p + len;
    }
    return OPTSCHED_OK;
}

static void row_text(const row *r, char *text, size_t len)
{
    if (r->is_openloop)
        snprintf(text, len, "openloop:controls=joint,n=%d", r->ol_n);
    else
        optsched_schedule_format(&r->s, text, len);
}

static cJSON *row_json(const row *r, const optsched_mc_options *mco)
{
    char text[1024];
    row_text(r, text, sizeof text);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "family", r->name);
    if (r->is_openloop) {
        cJSON *pp = cJSON_AddObjectToObject(o, "params");
        cJSON_AddStringToObject(pp, "controls", "joint");
        cJSON_AddNumberToObject(pp, "n", r->ol_n);
    } else {
        cJSON_AddItemToObject(o, "params", cli_json_params(&r->s));
    }
    cJSON_AddStringToObject(o, "schedule", text);
    cJSON_AddNumberToObject(o, "expected_loss", r->ex.expected_loss);
    cJSON_AddNumberToObject(o, "compute_used", r->ex.compute_used);
    cJSON_AddNumberToObject(o, "t_end", r->ex.t_end);
    if (isfinite(r->gap_percent))
        cJSON_AddNumberToObject(o, "gap_percent", r->gap_percent);
    else
        cJSON_AddNullToObject(o, "gap_percent");
    cJSON_AddItemToObject(o, "mc", cli_json_mc(&r->mc, mco));
    cJSON *d = cJSON_AddObjectToObject(o, "paired_diff_to_best");
    cJSON_AddNumberToObject(d, "mean", r->diff);
    cJSON_AddNumberToObject(d, "stderr", r->diff_se);
    if (r->is_openloop) {
        cJSON *ol = cJSON_AddObjectToObject(o, "openloop");
        cJSON_AddNumberToObject(ol, "residual", r->ol_residual);
        cJSON_AddBoolToObject(ol, "horizon_binds", r->ol_binds);
        cJSON_AddBoolToObject(ol, "identifiable", r->ol_identifiable);
        cJSON *sc = cJSON_AddObjectToObject(ol, "schedule");
        cJSON *ta = cJSON_AddArrayToObject(sc, "t"), *ea = cJSON_AddArrayToObject(sc, "eta"),
              *ba = cJSON_AddArrayToObject(sc, "B");
        for (int i = 0; i < r->s.n; i++) {
            cJSON_AddItemToArray(ta, cJSON_CreateNumber(r->s.t[i]));
            cJSON_AddItemToArray(ea, cJSON_CreateNumber(r->s.eta_v[i]));
            cJSON_AddItemToArray(ba, cJSON_CreateNumber(r->s.B_v[i]));
        }
    } else {
        cJSON_AddItemToObject(o, "grid", cli_json_grid(&r->tune));
    }
    return o;
}

static int write_csv(out_dir *od, const row *rows, int n, optsched_error *err)
{
    FILE *f = out_open(od, "compare.csv", err);
    if (!f) return OPTSCHED_EIO;
    fprintf(f, "family,expected_loss,mc_mean,mc_stderr,mc_std,paths,compute_used,t_end,"
               "paired_diff,paired_diff_stderr,schedule\n");
    for (int i = 0; i < n; i++) {
        char text[1024];
        row_text(&rows[i], text, sizeof text);
        /* columns unchanged (the gap to the optimum follows from expected_loss
         * and the openloop row; JSON and the table carry gap_percent) */
        fprintf(f, "%s,%.10g,%.10g,%.10g,%.10g,%d,%.10g,%.10g,%.10g,%.10g,\"%s\"\n", rows[i].name,
                rows[i].ex.expected_loss, rows[i].mc.mean, rows[i].mc.se, rows[i].mc.std,
                rows[i].mc.paths, rows[i].ex.compute_used, rows[i].ex.t_end, rows[i].diff,
                rows[i].diff_se, text);
    }
    return fclose(f) == 0 ? OPTSCHED_OK : optsched_error_set(err, OPTSCHED_EIO, "cannot write compare.csv");
}

static void print_table(const row *rows, int n, int best, const optsched_model *m,
                        const optsched_mc_options *mco)
{
    printf("setting: K=%d alpha=%g P=%g noise=%g C_max=%g T=%g  (MC: %d paths, %d steps, seed %llu, "
           "common random numbers)\n\n", m->K, m->alpha, m->P, m->sigma2, m->C, m->T, mco->paths,
           mco->steps, (unsigned long long)mco->seed);
    printf("%-15s %11s %10s %21s %9s %22s  %s\n", "family", "exact loss", "vs opt", "MC mean ± SE", "compute",
           "vs best (paired ± SE)", "tuned schedule");
    for (int i = 0; i < n; i++) {
        char text[1024], mcs[64], ds[64], gs[32];
        row_text(&rows[i], text, sizeof text);
        if (isfinite(rows[i].gap_percent))
            snprintf(gs, sizeof gs, "%+.3f%%", rows[i].gap_percent);
        else
            snprintf(gs, sizeof gs, "-");
        char *colon = strchr(text, ':');
        snprintf(mcs, sizeof mcs, "%.5f ± %.5f", rows[i].mc.mean, rows[i].mc.se);
        if (i == best)
            snprintf(ds, sizeof ds, "best");
        else
            snprintf(ds, sizeof ds, "%+.5f ± %.5f", rows[i].diff, rows[i].diff_se);
        printf("%-15s %11.6f %10s %21s %9.4g %22s  %s\n", rows[i].name, rows[i].ex.expected_loss, gs, mcs,
               rows[i].ex.compute_used, ds, colon ? colon + 1 : text);
    }
}

int cmd_compare(int argc, char **argv)
{
    cli_common c;
    const char *fams = NULL;
    int no_openloop = 0;
    cli_arg table[CLI_COMMON_FLAGS + 2];
    int n = cli_common_flags(&c, table);
    table[n++] = (cli_arg){"--families", CLI_STRING, &fams, NULL, "comma-separated subset (default all 8)", 0};
    table[n++] = (cli_arg){"--no-openloop", CLI_FLAG, &no_openloop, NULL, "leave out the open-loop optimum row", 0};
    int rc = cli_parse_or_exit("compare", usage, argc, argv, table, n);
    if (rc >= 0) return rc;

    optsched_error err = {0};
    optsched_model *m = NULL;
    optsched_mc_options mco;
    optsched_family fam[OPTSCHED_N_FAMILIES];
    int nf = 0;
    row rows[OPTSCHED_N_FAMILIES + 1];
    memset(rows, 0, sizeof rows);
    out_dir od = {0};
    cJSON *doc = NULL;
    int st = cli_common_model(&c, &m, &mco, &err);
    if (!st) st = parse_families(fams, fam, &nf, &err);
    if (!st && c.out) st = out_begin(&od, c.out, &err);
    optsched_tune_options to;
    optsched_tune_options_default(&to);
    for (int i = 0; i < nf && !st; i++) {
        rows[i].name = optsched_family_name(fam[i]);
        st = optsched_tune_family(m, fam[i], &to, &rows[i].tune, &err);
        if (!st) rows[i].s = rows[i].tune.best;
        if (!st) st = optsched_exact_eval(m, &rows[i].s, &rows[i].ex, &err);
        if (!st) st = optsched_mc_schedule(m, &rows[i].s, &mco, &rows[i].mc, &err);
    }
    /* the open-loop optimum: same model, its schedule on the same paths */
    int nrows = nf;
    if (!st && !no_openloop) {
        row *r = &rows[nf];
        r->name = "openloop";
        r->is_openloop = 1;
        optsched_openloop *ol = optsched_openloop_create(m, &err);
        st = ol ? OPTSCHED_OK : OPTSCHED_ENOMEM;
        if (!st) st = optsched_openloop_set(ol, "refine", 0, &err);
        if (!st) st = optsched_openloop_solve(ol, &err);
        if (!st) st = optsched_openloop_schedule(ol, &r->s, &err);
        if (!st) {
            const optsched_openloop_result *res = optsched_openloop_get(ol);
            r->ol_n = res->n;
            r->ol_residual = res->residual;
            r->ol_binds = res->horizon_binds;
            r->ol_identifiable = res->identifiable;
        }
        optsched_openloop_destroy(ol);
        if (!st) st = optsched_exact_eval(m, &r->s, &r->ex, &err);
        if (!st) st = optsched_mc_schedule(m, &r->s, &mco, &r->mc, &err);
        nrows = nf + 1;
    }
    int best = 0;
    if (!st) {
        for (int i = 1; i < nf; i++)
            if (rows[i].ex.expected_loss < rows[best].ex.expected_loss) best = i;
        for (int i = 0; i < nrows; i++) {
            optsched_mc_paired(&rows[best].mc, &rows[i].mc, &rows[i].diff, &rows[i].diff_se);
            rows[i].gap_percent = no_openloop ? NAN
                                              : 100.0 * (rows[i].ex.expected_loss - rows[nf].ex.expected_loss) /
                                                    rows[nf].ex.expected_loss;
        }
        doc = cJSON_CreateObject();
        cJSON *res = cJSON_AddArrayToObject(doc, "results");
        for (int i = 0; i < nrows; i++) cJSON_AddItemToArray(res, row_json(&rows[i], &mco));
        cJSON_AddStringToObject(doc, "best", rows[best].name);
        cJSON_AddItemToObject(doc, "model", cli_json_model(m));
        if (c.out) {
            const char *labels[OPTSCHED_N_FAMILIES + 1];
            optsched_schedule ss[OPTSCHED_N_FAMILIES + 1];
            for (int i = 0; i < nrows; i++) {
                labels[i] = rows[i].name;
                ss[i] = rows[i].s;
            }
            char title[256];
            snprintf(title, sizeof title, "tuned schedules, alpha=%g C_max=%g T=%g", m->alpha, m->C, m->T);
            st = out_json(&od, "compare.json", doc, &err);
            if (!st) st = write_csv(&od, rows, nrows, &err);
            if (!st) st = cli_plot_schedules(&od, "schedules.png", title, nrows, labels, ss, m, &err);
            snprintf(title, sizeof title, "expected loss against compute, alpha=%g C_max=%g T=%g", m->alpha,
                     m->C, m->T);
            if (!st) st = cli_plot_loss_compute(&od, "loss_compute.png", title, nrows, labels, ss, m, &err);
            if (!st) st = out_commit(&od, &err);
        }
    }
    if (!st) {
        if (c.json)
            cli_json_print(doc);
        else {
            print_table(rows, nrows, best, m, &mco);
            if (c.out) printf("\nwrote %s/{compare.json,compare.csv,schedules.png,loss_compute.png}\n", c.out);
        }
    }
    if (st && c.out) out_abort(&od);
    cJSON_Delete(doc);
    for (int i = 0; i <= nf && i < OPTSCHED_N_FAMILIES + 1; i++) optsched_mc_result_free(&rows[i].mc);
    if (rows[nf].is_openloop) optsched_schedule_clear(&rows[nf].s);
    optsched_model_free(m);
    return st ? cli_fail("compare", &err) : 0;
}
