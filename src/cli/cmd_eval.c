/* optsched eval: the exact expected loss of one schedule and its Monte Carlo
 * statistics. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "optsched/exact.h"

static const char *usage =
    "usage: optsched eval --schedule S [model flags] [--json] [--out DIR]\n\n"
    "Exact expected loss (moment equations), compute used, stop time, and Monte Carlo\n"
    "mean/std/SE of one schedule. S is FAMILY:key=value,... (families: constant, cosine,\n"
    "warmup_cosine, wsd, linear, piecewise, const_cooldown, bordelon), array:t=..,eta=..,B=..\n"
    "or file:PATH.csv (columns t,eta,B). See docs/SCHEDULES.md.";

int cmd_eval(int argc, char **argv)
{
    cli_common c;
    const char *spec = NULL;
    cli_arg table[CLI_COMMON_FLAGS + 1];
    int n = cli_common_flags(&c, table);
    table[n++] = (cli_arg){"--schedule", CLI_STRING, &spec, NULL, "the schedule (required)", 0};
    int rc = cli_parse_or_exit("eval", usage, argc, argv, table, n);
    if (rc >= 0) return rc;

    optsched_error err = {0};
    optsched_model *m = NULL;
    optsched_mc_options mco;
    optsched_schedule s = {0};
    optsched_mc_result mc = {0};
    optsched_exact_result ex;
    out_dir od = {0};
    cJSON *doc = NULL;
    int st = cli_common_model(&c, &m, &mco, &err);
    if (!st && !spec) st = optsched_error_set(&err, OPTSCHED_EINVAL, "--schedule: required (see --help)");
    if (!st) st = optsched_schedule_parse(&s, spec, m, &err);
    if (!st && c.out) st = out_begin(&od, c.out, &err);
    if (!st) st = optsched_exact_eval(m, &s, &ex, &err);
    if (!st) st = optsched_mc_schedule(m, &s, &mco, &mc, &err);
    if (!st) {
        char text[4096];
        optsched_schedule_format(&s, text, sizeof text);
        doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "schedule", text);
        cJSON_AddStringToObject(doc, "family", optsched_family_name(s.family));
        if (s.family != OPTSCHED_ARRAY) cJSON_AddItemToObject(doc, "params", cli_json_params(&s));
        cJSON_AddNumberToObject(doc, "expected_loss", ex.expected_loss);
        cJSON_AddNumberToObject(doc, "compute_used", ex.compute_used);
        cJSON_AddNumberToObject(doc, "t_end", ex.t_end);
        cJSON_AddItemToObject(doc, "mc", cli_json_mc(&mc, &mco));
        cJSON_AddItemToObject(doc, "model", cli_json_model(m));
        if (c.out) {
            const char *label = optsched_family_name(s.family);
            st = out_json(&od, "eval.json", doc, &err);
            if (!st) st = cli_write_schedule_csv(&od, "schedule.csv", &s, m, 501, &err);
            if (!st) st = cli_plot_schedules(&od, "schedule.png", text, 1, &label, &s, m, &err);
            if (!st) st = out_commit(&od, &err);
        }
    }
    if (!st) {
        if (c.json) {
            cli_json_print(doc);
        } else {
            char text[4096];
            optsched_schedule_format(&s, text, sizeof text);
            printf("schedule       %s\n", text);
            printf("expected loss  %.6f   (exact)\n", ex.expected_loss);
            printf("compute used   %.6g of %.6g    t_end %.6g of %.6g\n", ex.compute_used, m->C,
                   ex.t_end, m->T);
            printf("Monte Carlo    %.6f ± %.6f (SE)   std %.6f   %d paths, %d steps, seed %llu\n",
                   mc.mean, mc.se, mc.std, mc.paths, mc.steps, (unsigned long long)mco.seed);
            if (c.out) printf("wrote          %s/{eval.json,schedule.csv,schedule.png}\n", c.out);
        }
    }
    if (st && c.out) out_abort(&od);
    cJSON_Delete(doc);
    optsched_mc_result_free(&mc);
    optsched_schedule_clear(&s);
    optsched_model_free(m);
    return st ? cli_fail("eval", &err) : 0;
}
