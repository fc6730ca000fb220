/* Internal: the table of schedule keys shared by the parser, the validator and
 * the reports, so that a key's name, range and home families live in one place. */
#ifndef OPTSCHED_SCHEDULE_KEYS_H
#define OPTSCHED_SCHEDULE_KEYS_H

#include <stddef.h>

#include "optsched/schedule.h"

typedef enum {
    KEY_ETA,        /* within [η_min, η_max] */
    KEY_BATCH,      /* within [B_min, B_max] */
    KEY_FRACTION,   /* within [0, 1] */
    KEY_FRACTION_POS, /* within (0, 1] */
    KEY_NONNEG,     /* within [0, inf) */
    KEY_DECAY_TYPE, /* linear | cosine | 1-sqrt */
    KEY_MILESTONES  /* '/'-separated fractions in [0, 1], non-decreasing */
} key_kind;

typedef struct {
    const char *name;
    const char *alias; /* the SPEC's short letter or an ecosystem name, or NULL */
    key_kind kind;
    size_t offset;     /* of the double (or int) field in optsched_schedule */
    unsigned families; /* bit f set: family f takes this key */
} schedule_key;

extern const schedule_key schedule_keys[];
extern const int schedule_n_keys;

/* Pointer to the double field of key k in s (not for KEY_DECAY_TYPE/KEY_MILESTONES). */
double *schedule_key_field(optsched_schedule *s, const schedule_key *k);
double schedule_key_value(const optsched_schedule *s, const schedule_key *k);

/* The accepted range of key k for model m, as text ("[0.0001, 0.5]"). */
void schedule_key_range(const schedule_key *k, const optsched_model *m, char *buf, size_t len);

#endif
