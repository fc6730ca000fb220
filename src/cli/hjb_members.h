/* Training an ensemble in one command (`optsched hjb train --members M --jobs J`): the members
 * described by ENSEMBLE.json (hjb_ensemble_describe) trained one after another in this process,
 * or J at a time in child processes of this executable (`hjb train --weights ENSEMBLE --member
 * i`). A member is a function of its seed alone, so its files do not depend on J. */
#ifndef OPTSCHED_CLI_HJB_MEMBERS_H
#define OPTSCHED_CLI_HJB_MEMBERS_H

#include "cli/hjb_common.h"

typedef struct {
    const char *ensemble; /* ENSEMBLE: the description ENSEMBLE.json, members ENSEMBLE.m<i> */
    int members;          /* how many ENSEMBLE.json describes */
    int jobs;             /* members trained at once (1: in this process) */
    int resume;           /* continue the members that have a checkpoint; start the others */
    int every;            /* checkpoint interval in iterations (0: a tenth of a round) */
    int progress;         /* a progress line on stderr */
} hjb_members_opts;

/* Trains member i into h (the caller frees it): continued from its checkpoint with resume when
 * it has one, from the description otherwise. */
int hjb_member_train(hjb_session *h, const char *ensemble, int i, int resume, int every,
                     int progress, optsched_error *err);

/* Trains every member; on a member's failure stops the others (their checkpoints stay, for
 * --resume) and reports which. */
int hjb_members_train(const hjb_members_opts *o, optsched_error *err);

#endif
