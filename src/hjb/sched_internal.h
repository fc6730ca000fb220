/* Internals of the schedule HJB plug-in (src/hjb/sched_*.c). Not installed. */
#ifndef OPTSCHED_SCHED_INTERNAL_H
#define OPTSCHED_SCHED_INTERNAL_H

#include <stddef.h>

#include "optsched/error.h"
#include "optsched/model.h"
#include "optsched/schedule.h"

/* The "pace" prior (sched_prior.c): the exact value of η = η_max, B = clamp(r/(T − t)). */
typedef struct sched_prior sched_prior;
sched_prior *sched_prior_alloc(const optsched_model *m, double Tspan);
void sched_prior_free(sched_prior *p);
/* Jets [n][3 + 2K] of the prior at network inputs x[n][K + 2] (layout of sched_problem.c). */
int sched_prior_jets(sched_prior *p, size_t n, const double *x, double *jets);
/* The exact value of parking from a = 0 with budget r at time t: η_min and B_max until the
 * budget or the horizon ends — the least noise a run can add per unit of compute. */
int sched_prior_park(sched_prior *p, double r, double t, double *V);
/* The same value with its derivatives in r and t (model coordinates): parking runs for
 * τ = min(T − t, r/B_max), so ∂_r = ∂_τ/B_max while the budget binds, ∂_t = −∂_τ while the
 * horizon does. */
int sched_prior_park_jets(sched_prior *p, double r, double t, double *V, double *Vr, double *Vt);
/* The pace policy's controls at remaining budget r and time t. */
void sched_prior_controls(const optsched_model *m, double r, double t, double *eta, double *B);

/* The "openloop" prior (sched_prior_track.c): the exact value of following an open-loop
 * schedule's η(t) with its batch scaled by the κ that spends the remaining budget by the
 * horizon. The schedule is copied. */
typedef struct sched_track sched_track;
sched_track *sched_track_alloc(const optsched_model *m, const optsched_schedule *s,
                               optsched_error *err);
void sched_track_free(sched_track *p);
int sched_track_jets(sched_track *p, size_t n, const double *x, double *jets);
/* The tracking policy's controls at remaining budget r and time t. */
void sched_track_controls(sched_track *p, double r, double t, double *eta, double *B);

#endif
