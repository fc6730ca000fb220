/* optsched tune: one family tuned for one setting, with the grid it used. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "optsched/exact.h"
#include "optsched/tune.h"

static const char *usage =
    "usage: optsched tune --family F [model flags] [--json] [--out DIR]\n\n"
    "Grid search of family F on the exact expected loss, then a local refinement.\n"
    "F: constant, cosine, warmup_cosine, wsd, linear, piecewise, const_cooldown, bordelon.";

int cmd_tune(int argc, char **argv)
{
    cli_common c;
    const char *fam = NULL;
    int no_refine = 0;
    cli_arg table[CLI_COMMON_FLAGS + 2];
    int n = cli_common_flags(&c, table);
    table[n++] = (cli_arg){"--family", CLI_STRING, &fam, NULL, "the family to tune (required)", 0};
    table[n++] = (cli_arg){"--no-refine", CLI_FLAG, &no_refine, NULL, "grid search only", 0};
    int rc = cli_parse_or_exit("tune", usage, argc, argv, table, n);
    if (rc >= 0) return rc;

    optsched_error err = {0};
    optsched_model *m = NULL;
    optsched_mc_options mco;
    optsched_tune_result tr;
    optsched_exact_result ex;
    optsched_family f;
    out_dir od = {0};
    cJSON *doc = NULL;
    int st = cli_common_model(&c, &m, &mco, &err);
    if (!st && !fam) st = optsched_error_set(&err, OPTSCHED_EINVAL, "--family: required (see --help)");
    if (!st && (optsched_family_from_name(fam, &f) != 0 || f == OPTSCHED_ARRAY))
        st = optsched_error_set(&err, OPTSCHED_EINVAL,
                                "--family: expected one of constant, cosine, warmup_cosine, wsd, "
                                "linear, piecewise, const_cooldown, bordelon; got '%s'", fam);
    if (!st && c.out) st = out_begin(&od, c.out, &err);
    optsched_tune_options to;
    optsched_tune_options_default(&to);
    to.refine = !no_refine;
    if (!st) st = optsched_tune_family(m, f, &to, &tr, &err);
    if (!st) st = optsched_exact_eval(m, &tr.best, &ex, &err);
    char text[1024];
    if (!st) {
        optsched_schedule_format(&tr.best, text, sizeof text);
        doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "family", fam);
        cJSON_AddItemToObject(doc, "params", cli_json_params(&tr.best));
        cJSON_AddStringToObject(doc, "schedule", text);
        cJSON_AddNumberToObject(doc, "expected_loss", tr.expected_loss);
        cJSON_AddNumberToObject(doc, "compute_used", ex.compute_used);
        cJSON_AddNumberToObject(doc, "t_end", ex.t_end);
        cJSON_AddItemToObject(doc, "grid", cli_json_grid(&tr));
        cJSON_AddItemToObject(doc, "model", cli_json_model(m));
        if (c.out) {
            const char *label = fam;
            st = out_json(&od, "tune.json", doc, &err);
            if (!st) st = cli_write_schedule_csv(&od, "schedule.csv", &tr.best, m, 501, &err);
            if (!st) st = cli_plot_schedules(&od, "schedule.png", text, 1, &label, &tr.best, m, &err);
            if (!st) st = out_commit(&od, &err);
        }
    }
    if (!st) {
        if (c.json) {
            cli_json_print(doc);
        } else {
            printf("tuned          %s\n", text);
            printf("expected loss  %.6f   (exact; best grid point %.6f)\n", tr.expected_loss, tr.grid_loss);
            printf("compute used   %.6g of %.6g    t_end %.6g\n", ex.compute_used, m->C, ex.t_end);
            printf("grid           %d points, %d evaluations in all\n", tr.grid_points, tr.evaluations);
            for (int a = 0; a < tr.n_axes; a++) {
                printf("  %-14s", tr.axes[a].name);
                for (int i = 0; i < tr.axes[a].n; i++) printf(" %.4g", tr.axes[a].values[i]);
                printf("\n");
            }
            if (tr.milestone_sets) printf("  milestone sets: %s\n", tr.milestone_sets);
        }
    }
    if (st && c.out) out_abort(&od);
    cJSON_Delete(doc);
    optsched_model_free(m);
    return st ? cli_fail("tune", &err) : 0;
}
