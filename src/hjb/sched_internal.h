/* Internals of the schedule HJB plug-in (src/hjb/sched_*.c). Not installed. */
#ifndef OPTSCHED_SCHED_INTERNAL_H
#define OPTSCHED_SCHED_INTERNAL_H

#include <stddef.h>

#include "optsched/model.h"

/* The "pace" prior (sched_prior.c): the exact value of η = η_max, B = clamp(r/(T − t)). */
typedef struct sched_prior sched_prior;
sched_prior *sched_prior_alloc(const optsched_model *m, double Tspan);
void sched_prior_free(sched_prior *p);
/* Jets [n][3 + 2K] of the prior at network inputs x[n][K + 2] (layout of sched_problem.c). */
int sched_prior_jets(sched_prior *p, size_t n, const double *x, double *jets);

#endif
