/* optsched paper: shared types of the reproduction of seed 000's experiments.
 * cmd_paper.c runs the settings, paper_seed.c holds the seed's published numbers,
 * paper_out.c writes Markdown, JSON, CSV and the figures. */
#ifndef OPTSCHED_CLI_PAPER_H
#define OPTSCHED_CLI_PAPER_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "cli/output.h"
#include "optsched/hjb.h"
#include "optsched/mc.h"

/* One setting of a table: the model (the canonical one except for these fields) and,
 * for the closed loop, overrides of the training preset. */
typedef struct {
    double alpha, budget, horizon, P;
    int K;
    char label[48];       /* "" or the swept quantity, e.g. "lambda_struct=10", "n_pi=3" */
    double lambda_struct; /* NAN: the preset's */
    int rounds;           /* 0: the preset's */
} psetting;

typedef struct {
    char method[32];
    char note[48];        /* role: "baseline", "best_baseline", "optimum", "closed_loop", ... */
    psetting set;
    double exact;         /* exact expected loss; NAN for the closed loop */
    double compute;       /* exact compute used, or the MC mean for the closed loop */
    double lr_batch;      /* LR-only rows: the constant B; NAN otherwise */
    double diff, diff_se; /* MC paired difference row − openloop, same paths */
    double gap_pct;       /* exact loss vs the optimum, % (NAN for the closed loop) */
    int worse_2se;        /* worse than the open-loop optimum by > 2 paired SE */
    int beats_openloop;   /* open-loop schedule with exact loss below the optimum */
    int best_baseline;
    int has_diag;         /* closed-loop rows: diagnostics below */
    optsched_hjb_diagnostics diag;
    double dp_gap;
    int b_monotone;
    double seed_loss, seed_compute, seed_sd, seed_residual, seed_dp;
    char schedule[320];
    optsched_mc_result mc; /* traces recorded when the table needs them (figures) */
} prow;

typedef struct {
    prow *r;
    int n, cap;
} prows;

typedef struct {
    const char *table;
    int quick;
    optsched_mc_options mco;
    int ol_n, ol_starts, ol_refine;
    int hjb_points;
    const char *hjb_preset; /* "fast" (default), "paper" (seed 000 Appendix A), "quick" */
    const char *state_dir;  /* trained closed-loop networks are kept (and resumed) here */
    int progress;
} pcfg;

/* The tables and figures, in the order `all` runs them. */
typedef struct {
    const char *name;
    const char *title;
} paper_item;
extern const paper_item paper_items[];
extern const int paper_nitems;
const char *paper_title(const char *name);

/* Fills the seed_* fields of a row from seed 000's published numbers (NAN where none). */
void paper_seed_lookup(const char *table, prow *r);
/* The seed's Table 3 (diagnostics of its closed loop at alpha = 1, C_max = 20). */
typedef struct {
    double residual_l2, residual_linf, convexity, monotonicity, bmse_terminal, bmse_budget, dp_gap;
} paper_seed_diag;
extern const paper_seed_diag paper_seed_table3;

cJSON *paper_rows_json(const char *name, const pcfg *cfg, const prows *p);
void paper_write_md(FILE *f, const char *name, const pcfg *cfg, const prows *p);
int paper_write_csv(FILE *f, const char *name, const prows *p);
/* Figure 1: loss against compute along the runs (mean ± 1 sd over paths) for every row. */
int paper_plot_fig1(out_dir *o, const prows *p, optsched_error *err);
/* Figure 2: the closed loop's η(t), B(t) (mean, 10–90% band) with the open-loop optimum. */
int paper_plot_fig2(out_dir *o, const prows *p, optsched_error *err);

#endif
