/* Internal: the shapes of the baseline families on the run fraction s ∈ [0, 1]. */
#ifndef OPTSCHED_SCHEDULE_SHAPE_H
#define OPTSCHED_SCHEDULE_SHAPE_H

#include "optsched/schedule.h"

/* η(s) before clamping to the model's bounds. */
double schedule_shape(const optsched_schedule *s, double frac);

/* The points in (0, 1) where the shape has a kink or jump, sorted, at most max. */
int schedule_breakpoints(const optsched_schedule *s, double *bp, int max);

/* 1 if the shape is constant on the open interval (s0, s1) between two
 * consecutive breakpoints (0 and 1 included as ends). */
int schedule_piece_is_constant(const optsched_schedule *s, double s0, double s1);

#endif
