/* optsched scaling — hyperparameter scaling laws from LMO convergence bounds
 * (seed 004). Subcommands: bound, optimum, transfer, verify, isoloss, paths.
 * Library: include/optsched/scaling.h; documentation: docs/SCALING.md. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "optsched/scaling.h"

#define NELEM(a) (int)(sizeof(a) / sizeof((a)[0]))

/* ---- shared helpers ------------------------------------------------------- */

static const char *g_sub = "";

static int fail(const optsched_error *err)
{
    fprintf(stderr, "optsched scaling %s: %s\n", g_sub, err->msg);
    return optsched_exit_status(err->code);
}

static int fail_msg(int code, const char *msg)
{
    optsched_error e;
    optsched_error_set(&e, code, "%s", msg);
    return fail(&e);
}

static int parse(int argc, char **argv, cli_arg *t, int n, const char *usage, int *done, int *rc)
{
    int help = 0;
    optsched_error err;
    *done = 0;
    if (cli_args_parse(argc, argv, t, n, NULL, 0, NULL, &help, &err)) {
        *done = 1;
        *rc = fail(&err);
        return 1;
    }
    if (help) {
        cli_args_print_help(stdout, usage, t, n);
        *done = 1;
        *rc = 0;
        return 1;
    }
    return 0;
}

static int seen(const cli_arg *t, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].name, name)) return t[i].seen;
    return 0;
}

/* Bad input: a flag that must be given. */
static int need(const cli_arg *t, int n, const char *name, optsched_error *err)
{
    if (seen(t, n, name)) return OPTSCHED_OK;
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].name, name))
            return optsched_error_set(err, OPTSCHED_EINVAL, "%s: required (a number in %s)", name,
                                      t[i].range ? t[i].range : "finite numbers");
    return optsched_error_set(err, OPTSCHED_EINVAL, "%s: required", name);
}

static int reject(const cli_arg *t, int n, const char *name, const char *why, optsched_error *err)
{
    if (!seen(t, n, name)) return OPTSCHED_OK;
    return optsched_error_set(err, OPTSCHED_EINVAL, "%s: not accepted %s", name, why);
}

/* "LO:HI" with 0 < LO <= HI < inf. */
static int parse_range(const char *flag, const char *s, double *lo, double *hi, optsched_error *err)
{
    if (!s) return OPTSCHED_OK;
    const char *c = strchr(s, ':');
    char a[128];
    if (c && (size_t)(c - s) < sizeof a) {
        memcpy(a, s, (size_t)(c - s));
        a[c - s] = '\0';
        double x, y;
        if (cli_parse_double(a, &x, 0) && cli_parse_double(c + 1, &y, 0) && x > 0 && y >= x) {
            *lo = x, *hi = y;
            return OPTSCHED_OK;
        }
    }
    return optsched_error_set(err, OPTSCHED_EINVAL,
                              "%s: expected LO:HI with 0 < LO <= HI < inf, got '%s'", flag, s);
}

/* JSON to stdout, and to DIR/NAME (temp + rename) when out is given. */
static int emit_json(cJSON *root, const char *out, const char *name, optsched_error *err)
{
    char *txt = cJSON_Print(root);
    if (!txt) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory");
    int st = OPTSCHED_OK;
    if (out) {
        char fin[4096], tmp[4096];
        snprintf(fin, sizeof fin, "%s/%s", out, name);
        snprintf(tmp, sizeof tmp, "%s/.%s.tmp", out, name);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%s\n", txt) < 0 || fclose(f) != 0 || rename(tmp, fin) != 0) {
            remove(tmp);
            st = optsched_error_set(err, OPTSCHED_EIO, "--out: cannot write '%s'", fin);
        }
    }
    if (!st) printf("%s\n", txt);
    free(txt);
    return st;
}

static cJSON *point_json(cJSON *o, const optsched_scaling_point *p)
{
    cJSON_AddNumberToObject(o, "eta", p->eta);
    cJSON_AddNumberToObject(o, "alpha", p->alpha);
    cJSON_AddNumberToObject(o, "beta", 1.0 - p->alpha);
    cJSON_AddNumberToObject(o, "batch", p->batch);
    cJSON_AddNumberToObject(o, "steps", p->steps);
    cJSON_AddNumberToObject(o, "tokens", p->tokens);
    return o;
}

#define PROBLEM_FLAGS(pr)                                                                      \
    {"--delta0", CLI_DOUBLE, &(pr).delta0, "(0,inf)", "initial suboptimality D0", 0},         \
    {"--smoothness", CLI_DOUBLE, &(pr).L, "(0,inf)", "smoothness constant L", 0},             \
    {"--noise-scale", CLI_DOUBLE, &(pr).sigma, "(0,inf)", "gradient-noise scale sigma", 0},   \
    {"--rho", CLI_DOUBLE, &(pr).rho, "[1,inf)", "norm-equivalence constant rho (default 1)", 0}

static int need_problem(const cli_arg *t, int n, optsched_error *err)
{
    int st;
    if ((st = need(t, n, "--delta0", err)) || (st = need(t, n, "--smoothness", err)) ||
        (st = need(t, n, "--noise-scale", err)))
        return st;
    return OPTSCHED_OK;
}

/* ---- bound ------------------------------------------------------------------ */

static int sub_bound(int argc, char **argv)
{
    optsched_scaling_problem pr = {0, 0, 0, 1};
    double eta = 0, alpha = 0, b = 0, K = 0, T = 0;
    int json = 0;
    const char *out = NULL;
    cli_arg t[] = {
        PROBLEM_FLAGS(pr),
        {"--eta", CLI_DOUBLE, &eta, "(0,inf)", "step size", 0},
        {"--alpha", CLI_DOUBLE, &alpha, "(0,1]", "momentum update (beta = 1 - alpha)", 0},
        {"--batch", CLI_DOUBLE, &b, "[1,inf)", "batch size", 0},
        {"--steps", CLI_DOUBLE, &K, "[1,inf)", "iterations K (or --tokens)", 0},
        {"--tokens", CLI_DOUBLE, &T, "(0,inf)", "token budget T = bK (or --steps)", 0},
        {"--out", CLI_STRING, &out, NULL, "also write DIR/bound.json", 0},
        {"--json", CLI_FLAG, &json, NULL, "JSON on stdout", 0},
    };
    int n = NELEM(t), done, rc;
    if (parse(argc, argv, t, n, "usage: optsched scaling bound --delta0 D --smoothness L "
              "--noise-scale S [--rho R] --eta E --alpha A --batch B (--steps K | --tokens T)\n"
              "Evaluates the bound (Eq. 2/10) and the proxies (Eqs. 3/4 and 5) at one setting.",
              &done, &rc))
        return rc;
    optsched_error err;
    int st;
    if ((st = need_problem(t, n, &err)) || (st = need(t, n, "--eta", &err)) ||
        (st = need(t, n, "--alpha", &err)) || (st = need(t, n, "--batch", &err)) ||
        (st = optsched_scaling_problem_check(&pr, &err)))
        return fail(&err);
    if (seen(t, n, "--steps") == seen(t, n, "--tokens"))
        return fail_msg(OPTSCHED_EINVAL, "--steps/--tokens: give exactly one (numbers in [1,inf) / (0,inf))");
    if (!K) K = T / b;
    if (!(K >= 1)) return fail_msg(OPTSCHED_EINVAL, "--tokens: expected T >= --batch (at least one step)");
    if (out && (st = optsched_scaling_outdir(out, &err))) return fail(&err);
    optsched_scaling_coeffs cb, cp, cs;
    optsched_scaling_coeffs_init(&pr, OPTSCHED_SCALING_BOUND, &cb, &err);
    optsched_scaling_coeffs_init(&pr, OPTSCHED_SCALING_PROXY, &cp, &err);
    optsched_scaling_coeffs_init(&pr, OPTSCHED_SCALING_SIMPLE, &cs, &err);
    double rs = pr.rho * pr.sigma;
    double terms[5] = {pr.delta0 / (eta * K), 2 * rs / (alpha * sqrt(b) * K), 2 * rs * sqrt(alpha / b),
                       3.5 * pr.L * eta, 2 * pr.L * eta / alpha};
    double u = optsched_scaling_bound(&pr, eta, alpha, b, K);
    double p3 = optsched_scaling_eval_K(&cp, eta, alpha, b, K);
    double p5 = optsched_scaling_eval_K(&cs, eta, alpha, b, K);
    if (json || out) {
        cJSON *o = cJSON_CreateObject();
        optsched_scaling_point pt = {eta, alpha, b, K, b * K, u};
        point_json(o, &pt);
        cJSON_AddNumberToObject(o, "bound", u);
        cJSON_AddNumberToObject(o, "proxy_eq3", p3);
        cJSON_AddNumberToObject(o, "proxy_eq5", p5);
        cJSON *tt = cJSON_AddObjectToObject(o, "terms");
        const char *nm[5] = {"deterministic", "burn_in", "noise_floor", "smoothness", "smoothness_momentum"};
        for (int i = 0; i < 5; i++) cJSON_AddNumberToObject(tt, nm[i], terms[i]);
        st = emit_json(o, out, "bound.json", &err);
        cJSON_Delete(o);
        if (st) return fail(&err);
        if (json) return 0;
    }
    printf("bound (Eq. 2/10)      %.10g\n  D0/(eta K)           %.6g\n  2 rho sigma/(a sqrt(b) K) %.6g\n"
           "  2 rho sigma sqrt(a/b) %.6g\n  7 L eta/2            %.6g\n  2 L eta/a            %.6g\n"
           "proxy (Eq. 3/4)       %.10g\nproxy (Eq. 5)         %.10g\n",
           u, terms[0], terms[1], terms[2], terms[3], terms[4], p3, p5);
    return 0;
}

/* ---- optimum ---------------------------------------------------------------- */

static int sub_optimum(int argc, char **argv)
{
    optsched_scaling_problem pr = {0, 0, 0, 1};
    const char *regime = NULL, *out = NULL;
    double T = 0, K = 0, alpha = 0, b = 0, bmax = 0;
    int json = 0;
    cli_arg t[] = {
        {"--regime", CLI_STRING, &regime, NULL, "joint | fixed-momentum | fixed-batch | sgd", 0},
        PROBLEM_FLAGS(pr),
        {"--tokens", CLI_DOUBLE, &T, "(0,inf)", "token budget T = bK", 0},
        {"--steps", CLI_DOUBLE, &K, "(0,inf)", "iterations K (fixed-momentum/fixed-batch with --batch)", 0},
        {"--alpha", CLI_DOUBLE, &alpha, "(0,1]", "momentum update (fixed-momentum)", 0},
        {"--batch", CLI_DOUBLE, &b, "(0,inf)", "batch size (fixed-batch, sgd; optional for fixed-momentum)", 0},
        {"--batch-max", CLI_DOUBLE, &bmax, "(0,inf)", "hardware batch cap (fixed-momentum, Corollary 1.2)", 0},
        {"--out", CLI_STRING, &out, NULL, "also write DIR/optimum.json", 0},
        {"--json", CLI_FLAG, &json, NULL, "JSON on stdout", 0},
    };
    int n = NELEM(t), done, rc;
    if (parse(argc, argv, t, n,
              "usage: optsched scaling optimum --regime joint|fixed-momentum|fixed-batch|sgd\n"
              "         --delta0 D --smoothness L --noise-scale S [--rho R] --tokens T [...]\n"
              "Closed-form optimum: joint = Theorem 3 (exact cubic Eq. 20 on the bound Eq. 11);\n"
              "fixed-momentum = Theorem 1 (App. B.1 constants, proxy Eq. 5); fixed-batch =\n"
              "Theorem 2 (App. B.2 leading proxy); sgd = App. B.6. 'bound' is always Eq. 2\n"
              "evaluated at the returned setting; 'proxy' is the minimised objective.",
              &done, &rc))
        return rc;
    optsched_error err;
    int st;
    if (!regime)
        return fail_msg(OPTSCHED_EINVAL, "--regime: required (joint, fixed-momentum, fixed-batch or sgd)");
    if ((st = need_problem(t, n, &err)) || (st = optsched_scaling_problem_check(&pr, &err)))
        return fail(&err);
    optsched_scaling_coeffs cb;
    optsched_scaling_coeffs_init(&pr, OPTSCHED_SCALING_BOUND, &cb, &err);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "regime", regime);
    optsched_scaling_point p = {0};
    const char *objective = NULL;
    char note[256] = "";
    int feasible = 1;

    if (!strcmp(regime, "joint")) {
        if ((st = need(t, n, "--tokens", &err)) ||
            (st = reject(t, n, "--alpha", "with --regime joint (alpha is tuned)", &err)) ||
            (st = reject(t, n, "--batch", "with --regime joint (b is tuned)", &err)) ||
            (st = reject(t, n, "--steps", "with --regime joint (K = T/b)", &err)) ||
            (st = reject(t, n, "--batch-max", "with --regime joint", &err)))
            goto bad;
        optsched_scaling_joint j;
        if ((st = optsched_scaling_joint_T(&cb, T, &j, &err))) goto bad;
        p = j.exact;
        objective = "Eq. 11 (the bound with K = T/b), Theorem 3 / App. B.3";
        cJSON *cu = cJSON_AddObjectToObject(o, "cubic_eq20");
        /* printed with Eq. 20's normalisation: divide the general form by 4L */
        cJSON_AddNumberToObject(cu, "A_T", j.cubic[0] * T / (4 * pr.L));
        cJSON_AddNumberToObject(cu, "B", j.cubic[1] / (4 * pr.L));
        cJSON_AddNumberToObject(cu, "C", j.cubic[2] / (4 * pr.L));
        cJSON *as = cJSON_AddObjectToObject(o, "asymptotic");
        cJSON_AddNumberToObject(as, "u0", j.u0);
        cJSON_AddNumberToObject(as, "u1", j.u1);
        cJSON_AddNumberToObject(as, "alpha_lead", j.alpha_lead);
        cJSON_AddNumberToObject(as, "alpha_corrected", j.alpha_corr);
        cJSON_AddNumberToObject(as, "batch_lead", j.lead.batch);
        cJSON_AddNumberToObject(as, "eta_lead", j.lead.eta);
        cJSON_AddNumberToObject(as, "bound_lead", j.lead.value);
        feasible = j.alpha_feasible && j.batch_feasible;
        if (!feasible) {
            /* Below the asymptotic regime the continuous optimum leaves alpha <= 1,
             * b >= 1; report the constrained optimum found by direct search too. */
            snprintf(note, sizeof note, "continuous optimum has %s; see 'constrained'",
                     !j.alpha_feasible ? "alpha > 1" : "b < 1");
            optsched_scaling_search s = optsched_scaling_search_default();
            s.b_lo = 1.0;
            optsched_scaling_point q = {.tokens = T};
            if ((st = optsched_scaling_minimize_T(&cb, &s, &q, &err))) goto bad;
            cJSON *cc = point_json(cJSON_AddObjectToObject(o, "constrained"), &q);
            cJSON_AddNumberToObject(cc, "bound", q.value);
        }
    } else if (!strcmp(regime, "fixed-momentum")) {
        if ((st = need(t, n, "--alpha", &err))) goto bad;
        optsched_scaling_coeffs cs;
        optsched_scaling_coeffs_init(&pr, OPTSCHED_SCALING_SIMPLE, &cs, &err);
        if (seen(t, n, "--steps")) { /* Theorem 1, iteration scaling (Eq. 6) */
            if ((st = need(t, n, "--batch", &err)) ||
                (st = reject(t, n, "--tokens", "together with --steps", &err)))
                goto bad;
            if ((st = optsched_scaling_fixed_momentum_K(&cs, alpha, b, K, &p, &err))) goto bad;
            objective = "Eq. 5 at fixed (b, K), Theorem 1 iteration scaling / App. B.1";
        } else {
            if ((st = need(t, n, "--tokens", &err))) goto bad;
            if (seen(t, n, "--batch")) {
                if ((st = optsched_scaling_fixed_momentum_batch_T(&cs, alpha, b, T, &p, &err))) goto bad;
                objective = "Eq. 5 (token form) at fixed b, Theorem 1 / App. B.1";
            } else {
                if ((st = optsched_scaling_fixed_momentum_T(&cs, alpha, T, &p, &err))) goto bad;
                objective = "Eq. 5 (token form), Theorem 1 / App. B.1 (Eqs. 24-26)";
                if (seen(t, n, "--batch-max") && p.batch > bmax) {
                    /* Corollary 1.2: the cap binds; eta re-tuned at b = b_max */
                    if ((st = optsched_scaling_fixed_momentum_batch_T(&cs, alpha, bmax, T, &p, &err)))
                        goto bad;
                    snprintf(note, sizeof note, "batch cap binds: b = b_max (Corollary 1.2)");
                }
                if (seen(t, n, "--batch-max"))
                    cJSON_AddNumberToObject(o, "noise_floor", optsched_scaling_noise_floor(&cs, alpha, bmax));
                cJSON_AddNumberToObject(o, "momentum_gain", optsched_scaling_momentum_gain(alpha));
                optsched_scaling_point e;
                if ((st = optsched_scaling_fixed_momentum_exact_T(&cb, alpha, T, &e, &err))) goto bad;
                cJSON *ex = point_json(cJSON_AddObjectToObject(o, "exact_eq11"), &e);
                cJSON_AddNumberToObject(ex, "bound", e.value);
            }
        }
        feasible = p.batch >= 1;
        if (!feasible && !note[0]) snprintf(note, sizeof note, "b < 1: below the burn-in budget of Figure 1");
    } else if (!strcmp(regime, "fixed-batch")) {
        if ((st = need(t, n, "--batch", &err)) ||
            (st = reject(t, n, "--alpha", "with --regime fixed-batch (alpha is tuned)", &err)))
            goto bad;
        optsched_scaling_coeffs cl;
        optsched_scaling_coeffs_init(&pr, OPTSCHED_SCALING_LEAD, &cl, &err);
        if (seen(t, n, "--steps")) {
            if ((st = reject(t, n, "--tokens", "together with --steps", &err))) goto bad;
            st = optsched_scaling_fixed_batch_K(&cl, b, K, &p, &err);
        } else {
            if ((st = need(t, n, "--tokens", &err))) goto bad;
            st = optsched_scaling_fixed_batch_T(&cl, b, T, &p, &err);
        }
        if (st) goto bad;
        objective = "leading proxy of App. B.2, Theorem 2 (Eq. 8)";
        feasible = p.alpha <= 1;
        if (!feasible) snprintf(note, sizeof note, "alpha > 1: budget too small for Theorem 2 at this batch");
    } else if (!strcmp(regime, "sgd")) {
        if ((st = need(t, n, "--batch", &err)) || (st = need(t, n, "--tokens", &err)) ||
            (st = reject(t, n, "--alpha", "with --regime sgd", &err)))
            goto bad;
        if ((st = optsched_scaling_sgd_T(&pr, b, T, &p, &err))) goto bad;
        objective = "SGD bound Eq. 42 with K = T/b, App. B.6";
        feasible = p.eta <= 1.0 / pr.L;
        if (!feasible) snprintf(note, sizeof note, "eta > 1/L: outside the step-size condition of Eq. 42");
    } else {
        optsched_error_set(&err, OPTSCHED_EINVAL,
                           "--regime: expected joint, fixed-momentum, fixed-batch or sgd, got '%s'", regime);
        st = OPTSCHED_EINVAL;
        goto bad;
    }
    if (out && (st = optsched_scaling_outdir(out, &err))) goto bad;
    {
        double bound = !strcmp(regime, "sgd") ? p.value : optsched_scaling_bound(&pr, p.eta, p.alpha, p.batch, p.steps);
        point_json(o, &p);
        cJSON_AddNumberToObject(o, "bound", bound);
        cJSON_AddNumberToObject(o, "proxy", p.value);
        cJSON_AddStringToObject(o, "objective", objective);
        cJSON_AddBoolToObject(o, "feasible", feasible);
        if (note[0]) cJSON_AddStringToObject(o, "note", note);
        if (json || out) {
            if ((st = emit_json(o, out, "optimum.json", &err))) goto bad;
        }
        if (!json)
            printf("regime %s: %s\n  eta    %.6g\n  alpha  %.6g  (beta = %.6g)\n  batch  %.6g\n"
                   "  steps  %.6g\n  tokens %.6g\n  proxy  %.6g\n  bound  %.6g (%s at this setting)\n%s%s%s",
                   regime, objective, p.eta, p.alpha, 1 - p.alpha, p.batch, p.steps, p.tokens, p.value,
                   bound, !strcmp(regime, "sgd") ? "Eq. 42" : "Eq. 2", note[0] ? "  note: " : "", note, note[0] ? "\n" : "");
    }
    cJSON_Delete(o);
    return 0;
bad:
    cJSON_Delete(o);
    return fail(&err);
}

/* ---- transfer --------------------------------------------------------------- */

static int sub_transfer(int argc, char **argv)
{
    const char *regime = NULL, *out = NULL;
    optsched_scaling_config c0 = {0, 0, 0, 0}, c1;
    double T1 = 0, b1 = 0;
    int json = 0;
    cli_arg t[] = {
        {"--regime", CLI_STRING, &regime, NULL, "A | B | C | D | sgd (Table 2 / Table 3)", 0},
        {"--tokens0", CLI_DOUBLE, &c0.tokens, "(0,inf)", "budget T0 of the tuning run", 0},
        {"--tokens1", CLI_DOUBLE, &T1, "(0,inf)", "budget T1 of the long run", 0},
        {"--eta0", CLI_DOUBLE, &c0.eta, "(0,inf)", "tuned step size at T0", 0},
        {"--alpha0", CLI_DOUBLE, &c0.alpha, "(0,1]", "tuned momentum update at T0 (not for sgd)", 0},
        {"--batch0", CLI_DOUBLE, &c0.batch, "(0,inf)", "batch size at T0", 0},
        {"--batch1", CLI_DOUBLE, &b1, "(0,inf)", "batch of the long run (Table 3; A, B, sgd only)", 0},
        {"--out", CLI_STRING, &out, NULL, "also write DIR/transfer.json", 0},
        {"--json", CLI_FLAG, &json, NULL, "JSON on stdout", 0},
    };
    int n = NELEM(t), done, rc;
    if (parse(argc, argv, t, n,
              "usage: optsched scaling transfer --regime A|B|C|D|sgd --tokens0 T0 --tokens1 T1\n"
              "         --eta0 E --alpha0 A --batch0 B [--batch1 B1]\n"
              "Extrapolates a configuration tuned at T0 to T1 by the rules of Tables 2 and 3.",
              &done, &rc))
        return rc;
    optsched_error err;
    int st;
    if (!regime) return fail_msg(OPTSCHED_EINVAL, "--regime: required (A, B, C, D or sgd)");
    int r = optsched_scaling_regime_parse(regime);
    if (r < 0) {
        optsched_error_set(&err, OPTSCHED_EINVAL, "--regime: expected A, B, C, D or sgd, got '%s'", regime);
        return fail(&err);
    }
    if ((st = need(t, n, "--tokens0", &err)) || (st = need(t, n, "--tokens1", &err)) ||
        (st = need(t, n, "--eta0", &err)) || (st = need(t, n, "--batch0", &err)) ||
        (r != OPTSCHED_SCALING_REGIME_SGD && (st = need(t, n, "--alpha0", &err))))
        return fail(&err);
    if (r == OPTSCHED_SCALING_REGIME_SGD && !seen(t, n, "--alpha0")) c0.alpha = 1.0;
    if ((st = optsched_scaling_transfer(r, &c0, T1, seen(t, n, "--batch1") ? b1 : NAN, &c1, &err)))
        return fail(&err);
    if (out && (st = optsched_scaling_outdir(out, &err))) return fail(&err);
    const char *table = seen(t, n, "--batch1") ? "Table 3" : "Table 2";
    int feasible = c1.batch >= 1 && (r == OPTSCHED_SCALING_REGIME_SGD || c1.alpha <= 1);
    if (json || out) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "regime", optsched_scaling_regime_name(r));
        cJSON_AddStringToObject(o, "rule", table);
        cJSON *a = cJSON_AddObjectToObject(o, "from");
        cJSON_AddNumberToObject(a, "tokens", c0.tokens);
        cJSON_AddNumberToObject(a, "eta", c0.eta);
        cJSON_AddNumberToObject(a, "alpha", c0.alpha);
        cJSON_AddNumberToObject(a, "batch", c0.batch);
        cJSON_AddNumberToObject(o, "tokens", c1.tokens);
        cJSON_AddNumberToObject(o, "eta", c1.eta);
        cJSON_AddNumberToObject(o, "alpha", c1.alpha);
        cJSON_AddNumberToObject(o, "beta", 1 - c1.alpha);
        cJSON_AddNumberToObject(o, "batch", c1.batch);
        cJSON_AddNumberToObject(o, "steps", c1.tokens / c1.batch);
        cJSON_AddBoolToObject(o, "feasible", feasible);
        st = emit_json(o, out, "transfer.json", &err);
        cJSON_Delete(o);
        if (st) return fail(&err);
        if (json) return 0;
    }
    printf("regime %s (%s): T %.6g -> %.6g\n  eta    %.6g -> %.6g\n  alpha  %.6g -> %.6g\n"
           "  batch  %.6g -> %.6g\n  steps  %.6g -> %.6g\n%s",
           optsched_scaling_regime_name(r), table, c0.tokens, c1.tokens, c0.eta, c1.eta, c0.alpha,
           c1.alpha, c0.batch, c1.batch, c0.tokens / c0.batch, c1.tokens / c1.batch,
           feasible ? "" : "  note: outside alpha <= 1 or b >= 1; clamp before use\n");
    return 0;
}

/* ---- verify ----------------------------------------------------------------- */

typedef struct {
    const char *name;
    const double *y;
    double theory;
} fit_item;

static int verify_plot(const char *out, int th, const optsched_scaling_grid_spec *g,
                       const optsched_scaling_grid_result *r, optsched_error *err)
{
    char csv[64], png[64], script[8192];
    snprintf(csv, sizeof csv, "verify_theorem%d.csv", th);
    snprintf(png, sizeof png, "verify_theorem%d.png", th);
    const double *cols[6];
    double edge[r->n];
    for (int i = 0; i < r->n; i++) edge[i] = r->edge[i];
    cols[0] = r->T, cols[1] = r->eta, cols[2] = r->alpha, cols[3] = r->batch, cols[4] = r->value, cols[5] = edge;
    int st = optsched_scaling_write_csv(out, csv, "T,eta,alpha,batch,value,edge", cols, 6, r->n, err);
    if (st) return st;
    /* theory lines are anchored at the last budget, where the asymptotics hold */
    int L = r->n - 1;
    const char *common = "set datafile separator ','\nset logscale xy\nset format x '10^{%L}'\n"
                         "set format y '10^{%L}'\nset key top right\nset grid\nset xlabel 'tokens T'\n";
    if (th == 1) {
        /* Figure 1: joint (eta, b) minimum, fixed-b rows (blue), fixed-eta rows (green) */
        optsched_scaling_grid_spec gb = *g, ge = *g;
        double bfix[3] = {1, 1e3, 1e6}, efix[3] = {1e-2, 1e-4, 1e-6};
        char extra[3][2][64];
        for (int k = 0; k < 3; k++) {
            optsched_scaling_grid_result rb, re;
            gb.b_lo = gb.b_hi = bfix[k], gb.n_b = 1;
            ge.eta_lo = ge.eta_hi = efix[k], ge.n_eta = 1;
            if ((st = optsched_scaling_grid_run(&gb, &rb, err))) return st;
            if ((st = optsched_scaling_grid_run(&ge, &re, err))) {
                optsched_scaling_grid_free(&rb);
                return st;
            }
            snprintf(extra[k][0], 64, "verify_theorem1_fixed_b%d.csv", k);
            snprintf(extra[k][1], 64, "verify_theorem1_fixed_eta%d.csv", k);
            const double *cb[2] = {rb.T, rb.value}, *ce[2] = {re.T, re.value};
            st = optsched_scaling_write_csv(out, extra[k][0], "T,value", cb, 2, rb.n, err);
            if (!st) st = optsched_scaling_write_csv(out, extra[k][1], "T,value", ce, 2, re.n, err);
            optsched_scaling_grid_free(&rb);
            optsched_scaling_grid_free(&re);
            if (st) return st;
        }
        snprintf(script, sizeof script,
                 "%sset multiplot layout 1,3 title 'Theorem 1: Eq. 4 on the grid, alpha = %g (beta = %g)'\n"
                 "set ylabel 'risk'\nplot '%s/%s' u 1:5 skip 1 w lp pt 7 ps 0.4 lc rgb 'magenta' t 'tuned (eta, b)',"
                 " '%s/%s' u 1:2 skip 1 w l lc rgb '#4060ff' t 'b = 1',"
                 " '%s/%s' u 1:2 skip 1 w l lc rgb '#2040c0' t 'b = 1e3',"
                 " '%s/%s' u 1:2 skip 1 w l lc rgb '#001080' t 'b = 1e6',"
                 " '%s/%s' u 1:2 skip 1 w l lc rgb '#40c040' t 'eta = 1e-2',"
                 " '%s/%s' u 1:2 skip 1 w l lc rgb '#208020' t 'eta = 1e-4',"
                 " '%s/%s' u 1:2 skip 1 w l lc rgb '#004000' t 'eta = 1e-6',"
                 " %.17g*(x/%.17g)**(-0.25) dt 2 lc rgb 'black' t 'T^{-1/4}'\n"
                 "set ylabel 'b*'\nplot '%s/%s' u 1:4 skip 1 w lp pt 7 ps 0.4 lc rgb 'magenta' t 'grid b*',"
                 " %.17g*(x/%.17g)**0.5 dt 2 lc rgb 'black' t 'T^{1/2}'\n"
                 "set ylabel 'eta*'\nplot '%s/%s' u 1:2 skip 1 w lp pt 7 ps 0.4 lc rgb 'magenta' t 'grid eta*',"
                 " %.17g*(x/%.17g)**(-0.25) dt 2 lc rgb 'black' t 'T^{-1/4}'\nunset multiplot\n",
                 common, g->alpha_fixed, 1 - g->alpha_fixed, out, csv, out, extra[0][0], out, extra[1][0],
                 out, extra[2][0], out, extra[0][1], out, extra[1][1], out, extra[2][1], r->value[L],
                 r->T[L], out, csv, r->batch[L], r->T[L], out, csv, r->eta[L], r->T[L]);
        return optsched_scaling_plot(out, png, 1500, 480, script, err);
    }
    if (th == 2) { /* Figure 2 */
        snprintf(script, sizeof script,
                 "%sset multiplot layout 1,3 title 'Theorem 2: Eq. 4 on the grid, b = %g'\n"
                 "set ylabel 'risk'\nplot '%s/%s' u 1:5 skip 1 w lp pt 7 ps 0.4 lc rgb 'magenta' t 'tuned (eta, alpha)',"
                 " %.17g*(x/%.17g)**(-0.25) dt 2 lc rgb 'black' t 'T^{-1/4}'\n"
                 "set ylabel 'alpha* = 1 - beta*'\nplot '%s/%s' u 1:3 skip 1 w lp pt 7 ps 0.4 lc rgb 'magenta' t 'grid alpha*',"
                 " %.17g*(x/%.17g)**(-0.5) dt 2 lc rgb 'black' t 'T^{-1/2}'\n"
                 "set ylabel 'eta*'\nplot '%s/%s' u 1:2 skip 1 w lp pt 7 ps 0.4 lc rgb 'magenta' t 'grid eta*',"
                 " %.17g*(x/%.17g)**(-0.75) dt 2 lc rgb 'black' t 'T^{-3/4}'\nunset multiplot\n",
                 common, g->b_fixed, out, csv, r->value[L], r->T[L], out, csv, r->alpha[L], r->T[L],
                 out, csv, r->eta[L], r->T[L]);
        return optsched_scaling_plot(out, png, 1500, 480, script, err);
    }
    /* Figure 9: grid minimisers against the exact optimum of the same proxy */
    double ex[4][r->n];
    for (int i = 0; i < r->n; i++) {
        optsched_scaling_joint j;
        if ((st = optsched_scaling_joint_T(&g->coeffs, r->T[i], &j, err))) return st;
        ex[0][i] = j.exact.eta, ex[1][i] = j.exact.alpha, ex[2][i] = j.exact.batch, ex[3][i] = j.exact.value;
    }
    const double *ce[5] = {r->T, ex[0], ex[1], ex[2], ex[3]};
    if ((st = optsched_scaling_write_csv(out, "verify_theorem3_exact.csv", "T,eta,alpha,batch,value", ce, 5,
                                         r->n, err)))
        return st;
    snprintf(script, sizeof script,
             "%sset multiplot layout 1,4 title 'Theorem 3: Eq. 4 (%s); line: exact optimum (cubic Eq. 20)'\n"
             "set ylabel 'risk'\nplot '%s/%s' u 1:5 skip 1 w p pt 7 ps 0.5 lc rgb 'magenta' t 'grid',"
             " '%s/verify_theorem3_exact.csv' u 1:5 skip 1 w l lc rgb 'black' t 'exact'\n"
             "set ylabel 'b*'\nplot '%s/%s' u 1:4 skip 1 w p pt 7 ps 0.5 lc rgb 'magenta' t 'grid',"
             " '%s/verify_theorem3_exact.csv' u 1:4 skip 1 w l lc rgb 'black' t 'exact ~T^{1/6}'\n"
             "set ylabel 'alpha*'\nplot '%s/%s' u 1:3 skip 1 w p pt 7 ps 0.5 lc rgb 'magenta' t 'grid',"
             " '%s/verify_theorem3_exact.csv' u 1:3 skip 1 w l lc rgb 'black' t 'exact ~T^{-1/3}'\n"
             "set ylabel 'eta*'\nplot '%s/%s' u 1:2 skip 1 w p pt 7 ps 0.5 lc rgb 'magenta' t 'grid',"
             " '%s/verify_theorem3_exact.csv' u 1:2 skip 1 w l lc rgb 'black' t 'exact ~T^{-7/12}'\n"
             "unset multiplot\n",
             common, g->profile ? "profile: b on the grid, eta and alpha continuous" : "100^3 grid per budget",
             out, csv, out, out, csv, out, out, csv, out, out, csv, out);
    return optsched_scaling_plot(out, png, 1800, 460, script, err);
}

static int sub_verify(int argc, char **argv)
{
    int th = 0, points = 100, budgets = 100, json = 0;
    double alpha = 1e-3, b = 1072, c1 = 1, c2 = 1, c3 = 1;
    const char *method = "grid", *er = NULL, *ar = NULL, *br = NULL, *tr = NULL, *fr = NULL, *out = NULL;
    cli_arg t[] = {
        {"--theorem", CLI_INT, &th, "[1,3]", "1: fixed momentum, 2: fixed batch, 3: joint", 0},
        {"--alpha", CLI_DOUBLE, &alpha, "(0,1]", "momentum update for theorem 1 (default 1e-3)", 0},
        {"--batch", CLI_DOUBLE, &b, "(0,inf)", "batch for theorem 2 (default 1072)", 0},
        {"--method", CLI_STRING, &method, NULL, "grid (default) | profile (theorem 3)", 0},
        {"--points", CLI_INT, &points, "[2,2000]", "log-uniform values per axis (default 100)", 0},
        {"--budgets", CLI_INT, &budgets, "[2,10000]", "log-uniform budgets (default 100)", 0},
        {"--eta-range", CLI_STRING, &er, NULL, "LO:HI (default 1e-15:1e4)", 0},
        {"--alpha-range", CLI_STRING, &ar, NULL, "LO:HI (default 1e-10:1)", 0},
        {"--batch-range", CLI_STRING, &br, NULL, "LO:HI (default 1:1e15)", 0},
        {"--tokens-range", CLI_STRING, &tr, NULL, "LO:HI (default 1e2:1e22)", 0},
        {"--fit-range", CLI_STRING, &fr, NULL, "LO:HI budgets used by the fits (default 1e10:1e22)", 0},
        {"--c1", CLI_DOUBLE, &c1, "(0,inf)", "C1 of Eq. 4 (default 1)", 0},
        {"--c2", CLI_DOUBLE, &c2, "(0,inf)", "C2 of Eq. 4 (default 1)", 0},
        {"--c3", CLI_DOUBLE, &c3, "(0,inf)", "C3 of Eq. 4 (default 1)", 0},
        {"--out", CLI_STRING, &out, NULL, "write CSV tables and PNG plots to DIR", 0},
        {"--json", CLI_FLAG, &json, NULL, "JSON on stdout", 0},
    };
    int n = NELEM(t), done, rc;
    if (parse(argc, argv, t, n,
              "usage: optsched scaling verify --theorem 1|2|3 [options]\n"
              "Grid minimum of Eq. 4 for each budget (seed footnote 3 ranges by default) and\n"
              "power-law fits of the minimisers against Theorems 1-3.",
              &done, &rc))
        return rc;
    optsched_error err;
    int st;
    if ((st = need(t, n, "--theorem", &err))) return fail(&err);
    optsched_scaling_grid_spec g = optsched_scaling_grid_default(th);
    double flo = 1e10, fhi = 1e22;
    if ((st = parse_range("--eta-range", er, &g.eta_lo, &g.eta_hi, &err)) ||
        (st = parse_range("--alpha-range", ar, &g.alpha_lo, &g.alpha_hi, &err)) ||
        (st = parse_range("--batch-range", br, &g.b_lo, &g.b_hi, &err)) ||
        (st = parse_range("--tokens-range", tr, &g.T_lo, &g.T_hi, &err)) ||
        (st = parse_range("--fit-range", fr, &flo, &fhi, &err)))
        return fail(&err);
    if (g.alpha_hi > 1) return fail_msg(OPTSCHED_EINVAL, "--alpha-range: expected LO:HI within (0,1]");
    if (!strcmp(method, "profile")) {
        if (th != 3) return fail_msg(OPTSCHED_EINVAL, "--method: profile needs --theorem 3");
        g.profile = 1;
    } else if (strcmp(method, "grid")) {
        return fail_msg(OPTSCHED_EINVAL, "--method: expected grid or profile");
    }
    if (th != 1 && seen(t, n, "--alpha")) return fail_msg(OPTSCHED_EINVAL, "--alpha: only with --theorem 1");
    if (th != 2 && seen(t, n, "--batch")) return fail_msg(OPTSCHED_EINVAL, "--batch: only with --theorem 2");
    g.n_eta = g.n_alpha = g.n_b = points;
    g.n_T = budgets;
    g.alpha_fixed = alpha, g.b_fixed = b;
    g.coeffs = optsched_scaling_coeffs_c123(c1, c2, c3, 1);
    if ((st = optsched_scaling_grid_check(&g, &err))) return fail(&err);
    if (out && (st = optsched_scaling_outdir(out, &err))) return fail(&err);
    optsched_scaling_grid_result r;
    if ((st = optsched_scaling_grid_run(&g, &r, &err))) return fail(&err);

    fit_item items[4];
    int ni = 0;
    items[ni++] = (fit_item){"risk", r.value, -0.25};
    if (th == 1) {
        items[ni++] = (fit_item){"batch", r.batch, 0.5};
        items[ni++] = (fit_item){"eta", r.eta, -0.25};
    } else if (th == 2) {
        items[ni++] = (fit_item){"alpha", r.alpha, -0.5};
        items[ni++] = (fit_item){"eta", r.eta, -0.75};
    } else {
        items[ni++] = (fit_item){"batch", r.batch, 1.0 / 6};
        items[ni++] = (fit_item){"alpha", r.alpha, -1.0 / 3};
        items[ni++] = (fit_item){"eta", r.eta, -7.0 / 12};
    }
    optsched_scaling_fit fits[4];
    int edges = 0;
    for (int i = 0; i < r.n; i++) edges += r.T[i] >= flo && r.T[i] <= fhi && r.edge[i];
    for (int k = 0; k < ni; k++)
        if ((st = optsched_scaling_fit_power(r.T, items[k].y, r.n, flo, fhi, &fits[k], &err))) {
            optsched_scaling_grid_free(&r);
            return fail(&err);
        }
    if (out && (st = verify_plot(out, th, &g, &r, &err))) {
        optsched_scaling_grid_free(&r);
        return fail(&err);
    }
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "theorem", th);
        cJSON_AddStringToObject(o, "method", g.profile ? "profile" : "grid");
        cJSON *gs = cJSON_AddObjectToObject(o, "grid");
        double rng[4][2] = {{g.eta_lo, g.eta_hi}, {g.alpha_lo, g.alpha_hi}, {g.b_lo, g.b_hi}, {g.T_lo, g.T_hi}};
        const char *rn[4] = {"eta", "alpha", "batch", "tokens"};
        for (int k = 0; k < 4; k++) cJSON_AddItemToObject(gs, rn[k], cJSON_CreateDoubleArray(rng[k], 2));
        cJSON_AddNumberToObject(gs, "points_per_axis", points);
        cJSON_AddNumberToObject(gs, "budgets", budgets);
        if (th == 1) cJSON_AddNumberToObject(gs, "alpha_fixed", alpha);
        if (th == 2) cJSON_AddNumberToObject(gs, "batch_fixed", b);
        cJSON *fa = cJSON_AddArrayToObject(o, "fits");
        for (int k = 0; k < ni; k++) {
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "quantity", items[k].name);
            cJSON_AddNumberToObject(f, "fitted", fits[k].slope);
            cJSON_AddNumberToObject(f, "theory", items[k].theory);
            cJSON_AddNumberToObject(f, "T_lo", fits[k].x_lo);
            cJSON_AddNumberToObject(f, "T_hi", fits[k].x_hi);
            cJSON_AddNumberToObject(f, "budgets", fits[k].n);
            cJSON_AddNumberToObject(f, "rms_dex", fits[k].rms);
            cJSON_AddItemToArray(fa, f);
        }
        cJSON_AddNumberToObject(o, "edge_minimisers_in_fit_range", edges);
        cJSON *m = cJSON_AddObjectToObject(o, "minima");
        cJSON_AddItemToObject(m, "tokens", cJSON_CreateDoubleArray(r.T, r.n));
        cJSON_AddItemToObject(m, "eta", cJSON_CreateDoubleArray(r.eta, r.n));
        cJSON_AddItemToObject(m, "alpha", cJSON_CreateDoubleArray(r.alpha, r.n));
        cJSON_AddItemToObject(m, "batch", cJSON_CreateDoubleArray(r.batch, r.n));
        cJSON_AddItemToObject(m, "value", cJSON_CreateDoubleArray(r.value, r.n));
        cJSON_AddItemToObject(m, "edge", cJSON_CreateIntArray(r.edge, r.n));
        st = emit_json(o, NULL, NULL, &err);
        cJSON_Delete(o);
    } else {
        printf("theorem %d, %s: eta %g:%g, alpha %g:%g, b %g:%g, %d points per axis, %d budgets in %g:%g\n",
               th, g.profile ? "profile" : "grid", g.eta_lo, g.eta_hi, g.alpha_lo, g.alpha_hi, g.b_lo,
               g.b_hi, points, budgets, g.T_lo, g.T_hi);
        printf("%-8s %10s %10s   %-22s %s\n", "quantity", "fitted", "theory", "fit range (T)", "rms dex");
        for (int k = 0; k < ni; k++)
            printf("%-8s %+10.4f %+10.4f   %9.3g..%-9.3g %7.3f  (%d budgets)\n", items[k].name,
                   fits[k].slope, items[k].theory, fits[k].x_lo, fits[k].x_hi, fits[k].rms, fits[k].n);
        printf("minimisers on a grid edge inside the fit range: %d\n", edges);
        if (out) printf("wrote %s/verify_theorem%d.csv and .png\n", out, th);
    }
    optsched_scaling_grid_free(&r);
    return st ? fail(&err) : 0;
}

/* ---- isoloss ---------------------------------------------------------------- */

static int isoloss_plot(const char *out, const optsched_scaling_coeffs *c, double alpha,
                        double elo, double ehi, int by_tokens, optsched_error *err)
{
    /* Figures 4/10/11: best value over eta in [elo, ehi] (100 log points) of the
     * bound on a (b, T) or (b, K) grid; the red curve is the smallest b within 1%
     * of the best b for each T (or K). */
    enum { NB = 80, NX = 80, NE = 100 };
    static double X[NX * NB], B[NX * NB], V[NX * NB];
    double nearb[NX], xs[NX];
    double xlo = by_tokens ? 1e2 : 1e1, xhi = by_tokens ? 1e16 : 1e8;
    for (int i = 0; i < NX; i++) {
        double x = optsched_scaling_logspace(xlo, xhi, i, NX), best = INFINITY;
        xs[i] = x;
        for (int k = 0; k < NB; k++) {
            double b = optsched_scaling_logspace(1, 1e8, k, NB), K = by_tokens ? x / b : x;
            double m = INFINITY;
            for (int e = 0; e < NE; e++) {
                double v = optsched_scaling_eval_K(c, optsched_scaling_logspace(elo, ehi, e, NE), alpha, b, K);
                if (v < m) m = v;
            }
            X[i * NB + k] = x, B[i * NB + k] = b, V[i * NB + k] = log10(m);
            if (m < best) best = m;
        }
        nearb[i] = NAN;
        for (int k = 0; k < NB; k++)
            if (pow(10, V[i * NB + k]) <= best / 0.99) {
                nearb[i] = B[i * NB + k];
                break;
            }
    }
    const char *name = by_tokens ? "isoloss_tokens" : "isoloss_steps";
    char csv[64], csv2[64], png[64], script[4096];
    snprintf(csv, sizeof csv, "%s.csv", name);
    snprintf(csv2, sizeof csv2, "%s_near_optimal.csv", name);
    snprintf(png, sizeof png, "%s.png", name);
    const double *cols[3] = {X, B, V}, *c2[2] = {xs, nearb};
    int st = optsched_scaling_write_csv(out, csv, by_tokens ? "T,batch,log10_value" : "K,batch,log10_value",
                                        cols, 3, NX * NB, err);
    if (!st) st = optsched_scaling_write_csv(out, csv2, by_tokens ? "T,batch" : "K,batch", c2, 2, NX, err);
    if (st) return st;
    /* gnuplot's pm3d needs blank lines between scan rows: write them through a
     * filter in the script rather than in the CSV */
    snprintf(script, sizeof script,
             "set datafile separator ','\nset logscale xy\nset format x '10^{%%L}'\nset format y '10^{%%L}'\n"
             "set xlabel '%s'\nset ylabel 'batch b'\nset cblabel 'log10 best bound (eta in [%g, %g])'\n"
             "set title 'Bound (Eq. 10) tuned over eta, alpha = %g; red: near-optimal (99%%) batch'\n"
             "set view map\nset pm3d map\nset palette rgbformulae 33,13,10\nunset key\n"
             "splot '< awk -F, \"NR>1{if(NR>2 && \\$1!=p)print \\\"\\\"; p=\\$1; print}\" %s/%s' u 1:2:3 w pm3d,"
             " '%s/%s' u 1:2:(0) skip 1 w l lw 2 lc rgb 'red' nocontour\n",
             by_tokens ? "tokens T" : "iterations K", elo, ehi, alpha, out, csv, out, csv2);
    return optsched_scaling_plot(out, png, 800, 600, script, err);
}

static int sub_isoloss(int argc, char **argv)
{
    optsched_scaling_problem pr = {0, 0, 0, 1};
    double alpha = 0, target = 0;
    int json = 0;
    const char *out = NULL, *er = NULL;
    cli_arg t[] = {
        PROBLEM_FLAGS(pr),
        {"--alpha", CLI_DOUBLE, &alpha, "(0,1]", "momentum update (fixed)", 0},
        {"--target", CLI_DOUBLE, &target, "(0,inf)", "target level c of the eta-tuned bound", 0},
        {"--eta-range", CLI_STRING, &er, NULL, "LO:HI eta range of the plots (default 1.7e-6:1)", 0},
        {"--out", CLI_STRING, &out, NULL, "write contour plots (Figures 4/10/11) to DIR", 0},
        {"--json", CLI_FLAG, &json, NULL, "JSON on stdout", 0},
    };
    int n = NELEM(t), done, rc;
    if (parse(argc, argv, t, n,
              "usage: optsched scaling isoloss --delta0 D --smoothness L --noise-scale S [--rho R]\n"
              "         --alpha A [--target C] [--out DIR]\n"
              "Iso-loss regimes of App. D: u(b,K) = C_det/sqrt(K) + C_burn/(K sqrt(b)) + C_floor/sqrt(b).",
              &done, &rc))
        return rc;
    optsched_error err;
    int st;
    double elo = 1.7e-6, ehi = 1.0;
    if ((st = need_problem(t, n, &err)) || (st = need(t, n, "--alpha", &err)) ||
        (st = parse_range("--eta-range", er, &elo, &ehi, &err)))
        return fail(&err);
    optsched_scaling_isoloss d;
    if ((st = optsched_scaling_isoloss_init(&pr, alpha, &d, &err))) return fail(&err);
    if (out) {
        optsched_scaling_coeffs cb;
        optsched_scaling_coeffs_init(&pr, OPTSCHED_SCALING_BOUND, &cb, &err);
        if ((st = optsched_scaling_outdir(out, &err)) || (st = isoloss_plot(out, &cb, alpha, elo, ehi, 1, &err)) ||
            (st = isoloss_plot(out, &cb, alpha, elo, ehi, 0, &err)))
            return fail(&err);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "alpha", alpha);
    cJSON_AddNumberToObject(o, "C_det", d.c_det);
    cJSON_AddNumberToObject(o, "C_burn", d.c_burn);
    cJSON_AddNumberToObject(o, "C_floor", d.c_floor);
    double kmin = 0, bmin = 0;
    enum { NC = 13 };
    double Ks[NC], bs[NC];
    if (seen(t, n, "--target")) {
        kmin = optsched_scaling_isoloss_kmin(&d, target);
        bmin = optsched_scaling_isoloss_bmin(&d, target);
        cJSON_AddNumberToObject(o, "target", target);
        cJSON_AddNumberToObject(o, "K_min", kmin);
        cJSON_AddNumberToObject(o, "b_min", bmin);
        cJSON_AddNumberToObject(o, "burn_in_hyperbola", d.c_burn / target);
        for (int i = 0; i < NC; i++) {
            Ks[i] = kmin * pow(10, 0.01 + 0.5 * i);
            bs[i] = optsched_scaling_isoloss_batch(&d, Ks[i], target);
        }
        cJSON *cv = cJSON_AddObjectToObject(o, "curve");
        cJSON_AddItemToObject(cv, "steps", cJSON_CreateDoubleArray(Ks, NC));
        cJSON_AddItemToObject(cv, "batch", cJSON_CreateDoubleArray(bs, NC));
    }
    if (json) {
        st = emit_json(o, NULL, NULL, &err);
        cJSON_Delete(o);
        return st ? fail(&err) : 0;
    }
    cJSON_Delete(o);
    printf("alpha %g: C_det %.6g  C_burn %.6g  C_floor %.6g\n", alpha, d.c_det, d.c_burn, d.c_floor);
    if (seen(t, n, "--target")) {
        printf("target %g: iteration-limited K_min = %.6g, batch-limited b_min = %.6g, "
               "burn-in hyperbola K sqrt(b) = %.6g\n%12s %14s\n",
               target, kmin, bmin, d.c_burn / target, "K", "b on the level set");
        for (int i = 0; i < NC; i++) printf("%12.6g %14.6g\n", Ks[i], bs[i]);
    }
    if (out) printf("wrote %s/isoloss_tokens.png, %s/isoloss_steps.png\n", out, out);
    return 0;
}

/* ---- paths ------------------------------------------------------------------ */

static int sub_paths(int argc, char **argv)
{
    double phi = 0, kappa = 0.25, lambda = 0.75;
    int json = 0;
    cli_arg t[] = {
        {"--batch-exponent", CLI_DOUBLE, &phi, "[0,1)", "phi in b(T) = T^phi", 0},
        {"--kappa", CLI_DOUBLE, &kappa, "[0,inf)", "eta* ~ b^kappa K^-lambda (default 1/4, App. C.3 (ii))", 0},
        {"--lambda", CLI_DOUBLE, &lambda, "[0,inf)", "(default 3/4)", 0},
        {"--json", CLI_FLAG, &json, NULL, "JSON on stdout", 0},
    };
    int n = NELEM(t), done, rc;
    if (parse(argc, argv, t, n,
              "usage: optsched scaling paths --batch-exponent PHI [--kappa K --lambda L]\n"
              "Corollary 2 / App. B.5 rate along b ~ T^phi, and App. C.3's effective eta exponent.",
              &done, &rc))
        return rc;
    optsched_error err;
    int st;
    if ((st = need(t, n, "--batch-exponent", &err))) return fail(&err);
    if (!(kappa + lambda > 0)) return fail_msg(OPTSCHED_EINVAL, "--kappa/--lambda: need kappa + lambda > 0");
    double g, dl;
    optsched_scaling_path_rate r;
    if ((st = optsched_scaling_power_path(phi, &g, &dl, &r, &err))) return fail(&err);
    double q = optsched_scaling_effective_exponent(kappa, lambda, phi);
    double thr = optsched_scaling_effective_threshold(kappa, lambda);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "batch_exponent", phi);
        cJSON_AddNumberToObject(o, "alpha_exponent", -g);
        cJSON_AddNumberToObject(o, "eta_exponent", -dl);
        cJSON_AddNumberToObject(o, "rate", r.rate);
        cJSON_AddItemToObject(o, "term_exponents", cJSON_CreateDoubleArray(r.r, 5));
        cJSON_AddNumberToObject(o, "q_eff", q);
        cJSON_AddNumberToObject(o, "q_eff_threshold", thr);
        st = emit_json(o, NULL, NULL, &err);
        cJSON_Delete(o);
        return st ? fail(&err) : 0;
    }
    printf("b ~ T^%g: alpha ~ T^%g, eta ~ T^%g, bound ~ T^-%g (%s)\n", phi, -g, -dl, r.rate,
           phi <= 0.5 ? "Eq. 34, optimal rate 1/4" : "Eq. 39, ceiling (1-phi)/2");
    printf("term decay exponents r1..r5 (Eq. 31): %g %g %g %g %g\n", r.r[0], r.r[1], r.r[2], r.r[3], r.r[4]);
    printf("effective eta exponent along this path (Eq. 47, kappa %g, lambda %g): %g; positive iff phi > %g\n",
           kappa, lambda, q, thr);
    return 0;
}

/* ---- dispatch --------------------------------------------------------------- */

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
} subs[] = {
    {"bound", sub_bound, "evaluate the bound (Eq. 2/10) and proxies (Eqs. 3-5) at one setting"},
    {"optimum", sub_optimum, "closed-form optimum: joint | fixed-momentum | fixed-batch | sgd"},
    {"transfer", sub_transfer, "budget transfer rules of Tables 2 and 3"},
    {"verify", sub_verify, "grid minima per budget and fitted exponents vs Theorems 1-3; plots"},
    {"isoloss", sub_isoloss, "iso-loss regimes of App. D; contour plots (Figures 4, 10, 11)"},
    {"paths", sub_paths, "power-law batch paths (Corollary 2) and effective exponents (C.3)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: optsched scaling SUBCOMMAND [options]   (SUBCOMMAND --help for details)\n"
               "Hyperparameter scaling laws from LMO convergence bounds (seed 004).\n\nSubcommands:\n");
    for (int i = 0; i < NELEM(subs); i++) fprintf(f, "  %-9s %s\n", subs[i].name, subs[i].summary);
}

int cmd_scaling(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    for (int i = 0; i < NELEM(subs); i++)
        if (!strcmp(argv[1], subs[i].name)) {
            g_sub = subs[i].name;
            return subs[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "optsched scaling: unknown subcommand '%s' (expected bound, optimum, transfer, "
                    "verify, isoloss or paths)\n", argv[1]);
    return 2;
}
