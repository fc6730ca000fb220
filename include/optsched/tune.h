/* optsched — tuning a baseline family for one setting (SPEC §2 "Tuning").
 *
 * Grid search on the exact expected loss, then a local refinement (NLopt
 * Subplex) of the continuous parameters from the best grid point. Grids:
 *   B    {1, 2, 4, ..., 256} ∩ [B_min, B_max], plus B_min, B_max, and C_max/T
 *        when the horizon can bind;
 *   eta  16 points log-spaced over [η_min, η_max] (η_max included);
 *   shape parameters on the per-family grids listed in docs/SCHEDULES.md and
 *   returned with the result.
 */
#ifndef OPTSCHED_TUNE_H
#define OPTSCHED_TUNE_H

#include "optsched/error.h"
#include "optsched/model.h"
#include "optsched/schedule.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OPTSCHED_TUNE_MAX_AXES 8
#define OPTSCHED_TUNE_MAX_VALUES 32

typedef struct {
    const char *name; /* "eta", "B", "eta_end_ratio", "warmup", ... */
    int n;
    double values[OPTSCHED_TUNE_MAX_VALUES];
} optsched_tune_axis;

typedef struct {
    int eta_points; /* default 16 (at least 12) */
    int refine;     /* default 1: local refinement after the grid */
    int max_evals;  /* refinement budget, default 400 */
} optsched_tune_options;

typedef struct {
    optsched_schedule best;     /* the tuned schedule (a family schedule) */
    double expected_loss;       /* exact, of best */
    double grid_loss;           /* best on the grid, before refinement */
    int grid_points, evaluations;
    int n_axes;
    optsched_tune_axis axes[OPTSCHED_TUNE_MAX_AXES];
    const char *milestone_sets; /* piecewise: the milestone sets, as text */
} optsched_tune_result;

void optsched_tune_options_default(optsched_tune_options *o);

/* Tunes family f (a baseline family, not OPTSCHED_ARRAY) for model m. */
int optsched_tune_family(const optsched_model *m, optsched_family f,
                         const optsched_tune_options *o, optsched_tune_result *res,
                         optsched_error *err);

#ifdef __cplusplus
}
#endif
#endif
