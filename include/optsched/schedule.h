/* optsched — open-loop schedules η(t), B(t) (SPEC §2).
 *
 * A family schedule has a constant B and a shape η(s) on the fraction
 * s = t / t_end, where t_end = min(T, C_max / B) is when the run ends. An array
 * schedule is piecewise constant in t (piece i holds on [t_i, t_{i+1}); the last
 * piece holds until the run stops) and may vary B. Values a shape produces
 * outside [η_min, η_max] (η = 0 at the start of a warmup, say) are clamped;
 * parameters outside the model's bounds are bad input.
 *
 * Text form: "FAMILY:key=value,..." (list values separated by '/'), e.g.
 *   constant:eta=0.5,B=4
 *   wsd:eta=0.5,B=2,warmup=0,decay=0.2,decay_type=linear
 *   piecewise:eta=0.5,B=8,milestones=0.5/0.75,gamma=0.1
 *   array:t=0/2/5,eta=0.5/0.3/0.1,B=1/2/4
 *   file:PATH.csv            (columns t, eta, B; an optional header line)
 */
#ifndef OPTSCHED_SCHEDULE_H
#define OPTSCHED_SCHEDULE_H

#include <stddef.h>

#include "optsched/error.h"
#include "optsched/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    OPTSCHED_CONSTANT = 0,
    OPTSCHED_COSINE,
    OPTSCHED_WARMUP_COSINE,
    OPTSCHED_WSD,
    OPTSCHED_LINEAR,
    OPTSCHED_PIECEWISE,
    OPTSCHED_CONST_COOLDOWN,
    OPTSCHED_BORDELON,
    OPTSCHED_ARRAY /* not a tunable family */
} optsched_family;

#define OPTSCHED_N_FAMILIES 8 /* the baseline families, CONSTANT .. BORDELON */
#define OPTSCHED_MAX_MILESTONES 16
#define OPTSCHED_MAX_PIECES 1000000

enum { OPTSCHED_DECAY_LINEAR = 0, OPTSCHED_DECAY_COSINE = 1, OPTSCHED_DECAY_SQRT = 2 };

typedef struct optsched_schedule {
    optsched_family family;
    double eta;       /* η0: the peak / initial learning rate      key eta     */
    double B;         /* constant batch size                      key B       */
    double eta_end;   /* cosine, warmup_cosine, linear: final η   key eta_end */
    double warmup;    /* warmup_cosine, wsd: warmup fraction      key warmup  */
    double decay;     /* wsd: decay fraction                      key decay   */
    int decay_type;   /* wsd: OPTSCHED_DECAY_*                    key decay_type */
    double min_ratio; /* wsd: final η as a fraction of η0         key min_ratio */
    int n_milestones; /* piecewise                                key milestones */
    double milestones[OPTSCHED_MAX_MILESTONES];
    double gamma;     /* piecewise: factor per milestone          key gamma   */
    double cooldown;  /* const_cooldown: cooldown fraction        key cooldown */
    double delta;     /* bordelon: decay exponent δ               key delta   */
    double frac;      /* bordelon: annealing fraction f (1: whole run) key frac */
    /* OPTSCHED_ARRAY: n pieces; t[0] = 0 < t[1] < ...; owned */
    int n;
    double *t, *eta_v, *B_v;
} optsched_schedule;

/* Family names as written on the command line ("constant", "warmup_cosine", ...). */
const char *optsched_family_name(optsched_family f);
/* Looks up a family by name; returns 0 on success. */
int optsched_family_from_name(const char *name, optsched_family *f);

/* A family schedule with the documented defaults; eta defaults to η_max and B to
 * B_min of the model. */
void optsched_schedule_init(optsched_schedule *s, optsched_family f, const optsched_model *m);

/* Parses the text form (see above) and validates it against the model. On
 * failure the message names the key (or the file) and the accepted range. The
 * result must be released with optsched_schedule_clear. */
int optsched_schedule_parse(optsched_schedule *s, const char *spec, const optsched_model *m,
                            optsched_error *err);

/* Builds an array schedule from n pieces (copies the arrays) and validates it. */
int optsched_schedule_from_arrays(optsched_schedule *s, int n, const double *t, const double *eta,
                                  const double *B, const optsched_model *m, optsched_error *err);

/* Checks every parameter against the model's bounds (what parse does last). */
int optsched_schedule_validate(const optsched_schedule *s, const optsched_model *m,
                               optsched_error *err);

/* Deep copy (arrays duplicated). */
int optsched_schedule_copy(optsched_schedule *dst, const optsched_schedule *src);
void optsched_schedule_clear(optsched_schedule *s);

/* Writes the text form into buf (always NUL-terminated); returns the length it
 * needed. Numbers use %.10g; file schedules are written as arrays. */
size_t optsched_schedule_format(const optsched_schedule *s, char *buf, size_t len);

/* The parameters as (key, value) pairs for reports: up to max pairs; returns
 * the count. decay_type is reported as 0/1/2 and its name via
 * optsched_decay_type_name; milestones as one entry per milestone. Not for arrays. */
int optsched_schedule_params(const optsched_schedule *s, const char **keys, double *values, int max);
const char *optsched_decay_type_name(int decay_type);

/* When the run ends: min(T, the time the budget runs out). */
double optsched_schedule_t_end(const optsched_schedule *s, const optsched_model *m);

/* Controls at time t ∈ [0, t_end): η clamped to [η_min, η_max], B. */
void optsched_schedule_controls(const optsched_schedule *s, const optsched_model *m, double t,
                                double *eta, double *B);

#ifdef __cplusplus
}
#endif
#endif
