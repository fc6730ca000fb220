/* DGM solver object: options by name, the policy-iteration schedule (rounds, warm-up,
 * improvement), statistics, checkpoints. The arithmetic lives in the per-precision backends
 * (trainer_f32.c / trainer_f64.c). */
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nn/dgm_internal.h"

#define RING 50

struct optsched_dgm_solver {
    optsched_dgm_problem prob;
    dgm_opts o;
    const dgm_backend *be;
    void *st;
    int64_t iter;
    double ring[3][RING];
    int nring, rpos;
    double seconds;
    /* an ensemble's other members (not owned) and the scratch their jets go to */
    optsched_dgm_solver *members[OPTSCHED_DGM_MAX_MEMBERS];
    int nmembers;
    double *mjets;
    size_t mcap;
};

enum { T_INT, T_DBL, T_STR, T_PREC };

typedef struct {
    const char *name;
    int type;
    size_t off;
    double lo, hi;
    int arch; /* fixed once the network exists */
} opt_def;

#define O(f) offsetof(dgm_opts, f)
static const opt_def OPTS[] = {
    {"precision", T_PREC, O(f64), 0, 1, 1},
    {"width", T_INT, O(width), 1, 8192, 1},
    {"layers", T_INT, O(layers), 1, OPTSCHED_DGM_MAX_LAYERS, 1},
    {"rounds", T_INT, O(rounds), 1, 1000, 0},
    {"iters", T_INT, O(iters), 1, 1e9, 0},
    {"warmup", T_DBL, O(warmup), 0, 1, 0},
    {"lr", T_DBL, O(lr), 0, 1, 0},
    {"lr_decay", T_DBL, O(lr_decay), 1e-6, 1, 0},
    {"beta1", T_DBL, O(beta1), 0, 1, 0},
    {"beta2", T_DBL, O(beta2), 0, 1, 0},
    {"eps", T_DBL, O(eps), 0, 1, 0},
    {"batch", T_INT, O(batch), 1, 1 << 22, 1},
    {"batch_bc", T_INT, O(batch_bc), 0, 1 << 22, 1},
    {"lambda_bc", T_DBL, O(lambda_bc), 0, 1e12, 0},
    {"lambda_struct", T_DBL, O(lambda_struct), 0, 1e12, 0},
    {"lambda_data", T_DBL, O(lambda_data), 0, 1e12, 0},
    {"seed", T_INT, O(seed), 0, 9.007199254740992e15, 1},
    {"chunk", T_INT, O(chunk), 1, 4096, 1},
    {"checkpoint", T_STR, O(checkpoint), 0, 0, 0},
    {"checkpoint_every", T_INT, O(checkpoint_every), 0, 1e15, 0},
    {"stop_at", T_INT, O(stop_at), 0, 1e15, 0},
    {"verbose", T_INT, O(verbose), 0, 2, 0},
};
#undef O
#define NOPTS (sizeof OPTS / sizeof OPTS[0])

static void defaults(dgm_opts *o)
{
    memset(o, 0, sizeof *o);
    o->width = 128; o->layers = 3; o->rounds = 5; o->iters = 4000; o->warmup = 0.15;
    o->lr = 1e-3; o->lr_decay = 1; o->beta1 = 0.9; o->beta2 = 0.999; o->eps = 1e-8;
    o->batch = 2048; o->batch_bc = 0; o->lambda_bc = 100; o->lambda_struct = 50; o->lambda_data = 1;
    o->seed = 42; o->chunk = OPTSCHED_DGM_CHUNK_DEFAULT;
}

optsched_dgm_solver *optsched_dgm_solver_create(const optsched_dgm_problem *prob, optsched_error *err)
{
    if (!prob || !prob->sample_interior || !prob->sample_boundary || !prob->improve || !prob->residual) {
        optsched_error_set(err, OPTSCHED_EINVAL,
                           "dgm: the problem needs sample_interior, sample_boundary, improve and residual");
        return NULL;
    }
    if (prob->dim < 1 || prob->nsecond < 0 || prob->nsecond > 64 || (prob->nsecond && !prob->second) ||
        prob->ncontrols < 0 || (prob->npenalty && !prob->penalty)) {
        optsched_error_set(err, OPTSCHED_EINVAL, "dgm problem '%s': bad dimensions", prob->name ? prob->name : "?");
        return NULL;
    }
    int C = 1 + prob->dim + prob->nsecond;
    for (int k = 0; k < prob->nsecond; k++)
        if (prob->second[k] < 0 || prob->second[k] >= prob->dim) {
            optsched_error_set(err, OPTSCHED_EINVAL, "dgm problem '%s': second-derivative input %d not in [0, %d)",
                               prob->name, prob->second[k], prob->dim);
            return NULL;
        }
    for (int t = 0; t < prob->npenalty; t++)
        if (prob->penalty[t].channel < 0 || prob->penalty[t].channel >= C) {
            optsched_error_set(err, OPTSCHED_EINVAL, "dgm problem '%s': penalty channel %d not in [0, %d)",
                               prob->name, prob->penalty[t].channel, C);
            return NULL;
        }
    optsched_dgm_solver *s = calloc(1, sizeof *s);
    if (!s) { optsched_error_set(err, OPTSCHED_ENOMEM, "dgm: out of memory"); return NULL; }
    s->prob = *prob;
    if (!s->prob.name) s->prob.name = "problem";
    defaults(&s->o);
    return s;
}

void optsched_dgm_solver_destroy(optsched_dgm_solver *s)
{
    if (!s) return;
    if (s->st) s->be->destroy(s->st);
    free(s->mjets);
    free(s);
}

static const opt_def *find_opt(const char *name)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (!strcmp(OPTS[i].name, name)) return &OPTS[i];
    return NULL;
}

int optsched_dgm_solver_set(optsched_dgm_solver *s, const char *name, const char *value, optsched_error *err)
{
    const opt_def *d = find_opt(name);
    if (!d) return optsched_error_set(err, OPTSCHED_EINVAL, "dgm: unknown option '%s'", name);
    if (d->arch && s->st)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "dgm option '%s': cannot change once the network exists", name);
    char *base = (char *)&s->o + d->off, *end;
    switch (d->type) {
    case T_PREC:
        if (!strcasecmp(value, "f32") || !strcasecmp(value, "float")) *(int *)base = 0;
        else if (!strcasecmp(value, "f64") || !strcasecmp(value, "double")) *(int *)base = 1;
        else return optsched_error_set(err, OPTSCHED_EINVAL, "dgm option 'precision': '%s' is not f32 or f64", value);
        return OPTSCHED_OK;
    case T_STR:
        if (strlen(value) >= sizeof s->o.checkpoint)
            return optsched_error_set(err, OPTSCHED_EINVAL, "dgm option '%s': path too long", name);
        strcpy(base, value);
        return OPTSCHED_OK;
    default: {
        double v = strtod(value, &end);
        if (end == value || *end || !isfinite(v) || v < d->lo || v > d->hi ||
            (d->type == T_INT && v != floor(v)))
            return optsched_error_set(err, OPTSCHED_EINVAL, "dgm option '%s': '%s' not %s in [%g, %g]", name,
                                      value, d->type == T_INT ? "an integer" : "a number", d->lo, d->hi);
        if (d->type == T_DBL) *(double *)base = v;
        else if (d->off == offsetof(dgm_opts, seed) || d->off == offsetof(dgm_opts, checkpoint_every) ||
                 d->off == offsetof(dgm_opts, stop_at))
            *(int64_t *)base = (int64_t)v;
        else *(int *)base = (int)v;
        return OPTSCHED_OK;
    }
    }
}

int optsched_dgm_solver_set_int(optsched_dgm_solver *s, const char *name, long value, optsched_error *err)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%ld", value);
    return optsched_dgm_solver_set(s, name, buf, err);
}

int optsched_dgm_solver_set_double(optsched_dgm_solver *s, const char *name, double value, optsched_error *err)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", value);
    return optsched_dgm_solver_set(s, name, buf, err);
}

static int ensure(optsched_dgm_solver *s, optsched_error *err)
{
    if (s->st) return OPTSCHED_OK;
    s->be = s->o.f64 ? &optsched_dgm_backend_f64 : &optsched_dgm_backend_f32;
    s->st = s->be->create(&s->prob, &s->o, err);
    return s->st ? OPTSCHED_OK : (err && err->code ? err->code : OPTSCHED_EFAIL);
}

static int64_t warm_iters(const dgm_opts *o) { return (int64_t)floor(o->warmup * o->iters); }

int optsched_dgm_solver_save(optsched_dgm_solver *s, const char *path, optsched_error *err)
{
    if (!s->st) return optsched_error_set(err, OPTSCHED_EINVAL, "dgm: nothing to save before solve or load");
    dgm_state_view v;
    s->be->view(s->st, &v);
    return optsched_dgm_checkpoint_write(path, &s->prob, &s->o, s->iter, &v, err);
}

int optsched_dgm_solver_load(optsched_dgm_solver *s, const char *path, optsched_error *err)
{
    int st = ensure(s, err);
    if (st) return st;
    dgm_state_view v;
    s->be->view(s->st, &v);
    int64_t it;
    st = optsched_dgm_checkpoint_read(path, &s->prob, &s->o, &it, &v, err);
    if (st) return st;
    s->iter = it;
    s->nring = s->rpos = 0;
    return OPTSCHED_OK;
}

int optsched_dgm_solver_solve(optsched_dgm_solver *s, optsched_error *err)
{
    if (s->nmembers)
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm: an ensemble is not trained (train each member)");
    int st = ensure(s, err);
    if (st) return st;
    const dgm_opts *o = &s->o;
    int64_t total = (int64_t)o->rounds * o->iters, nwarm = warm_iters(o);
    double t0 = omp_get_wtime();
    while (s->iter < total) {
        int64_t it = s->iter, k = it % o->iters;
        int round = (int)(it / o->iters);
        /* Improvement at the start of every round after the first: the policy becomes the
         * network trained in the previous round. */
        if (k == 0 && round > 0) s->be->snapshot(s->st);
        /* Learning rate: lr * lr_decay^(k / iters) within each round (constant by default). */
        dgm_state_view v;
        s->be->view(s->st, &v);
        *v.lr = o->lr_decay == 1 ? o->lr : o->lr * pow(o->lr_decay, (double)k / o->iters);
        dgm_losses L;
        if ((st = s->be->step(s->st, it, round, k < nwarm, &L, err))) break;
        s->iter = it + 1;
        if (k == 0) s->nring = s->rpos = 0; /* statistics are per round */
        s->ring[0][s->rpos] = L.pde;
        s->ring[1][s->rpos] = L.bc;
        s->ring[2][s->rpos] = L.pen;
        s->rpos = (s->rpos + 1) % RING;
        if (s->nring < RING) s->nring++;
        if (o->verbose && (k == o->iters - 1 || (o->verbose > 1 && s->iter % 100 == 0))) {
            optsched_dgm_stats S;
            optsched_dgm_solver_get_stats(s, &S);
            fprintf(stderr, "dgm %s: round %d iter %lld/%lld loss %.4e (pde %.3e bc %.3e struct %.3e) %.1fs\n",
                    s->prob.name, round, (long long)s->iter, (long long)total, S.loss, S.loss_pde, S.loss_bc,
                    S.loss_struct, s->seconds + omp_get_wtime() - t0);
        }
        if (o->checkpoint[0] && o->checkpoint_every > 0 && s->iter % o->checkpoint_every == 0)
            if ((st = optsched_dgm_solver_save(s, o->checkpoint, err))) break;
        if (o->stop_at > 0 && s->iter >= o->stop_at) {
            if (o->checkpoint[0] && !(o->checkpoint_every > 0 && s->iter % o->checkpoint_every == 0))
                st = optsched_dgm_solver_save(s, o->checkpoint, err);
            break;
        }
    }
    s->seconds += omp_get_wtime() - t0;
    return st;
}

void optsched_dgm_solver_get_stats(const optsched_dgm_solver *s, optsched_dgm_stats *S)
{
    memset(S, 0, sizeof *S);
    S->iter = s->iter;
    S->iter_total = (int64_t)s->o.rounds * s->o.iters;
    S->round = (int)(s->iter / s->o.iters);
    S->finished = s->iter >= S->iter_total;
    if (S->finished && S->round > 0) S->round--;
    for (int i = 0; i < s->nring; i++) {
        S->loss_pde += s->ring[0][i] / s->nring;
        S->loss_bc += s->ring[1][i] / s->nring;
        S->loss_struct += s->ring[2][i] / s->nring;
    }
    S->loss = S->loss_pde + S->loss_bc + S->loss_struct;
    S->seconds = s->seconds;
}

int optsched_dgm_solver_eval(optsched_dgm_solver *s, size_t n, const double *x, double *jets,
                             optsched_error *err)
{
    int st = ensure(s, err);
    if (st || (st = s->be->eval(s->st, n, x, jets, err)) || !s->nmembers) return st;
    const size_t C = (size_t)(1 + s->prob.dim + s->prob.nsecond);
    if (n > s->mcap) {
        double *w = realloc(s->mjets, n * C * sizeof *w);
        if (!w) return optsched_error_set(err, OPTSCHED_ENOMEM, "dgm: out of memory (ensemble)");
        s->mjets = w;
        s->mcap = n;
    }
    for (int k = 0; k < s->nmembers; k++) { /* summed in member order: deterministic */
        if ((st = optsched_dgm_solver_eval(s->members[k], n, x, s->mjets, err))) return st;
        for (size_t i = 0; i < n * C; i++) jets[i] += s->mjets[i];
    }
    const double inv = 1.0 / (1 + s->nmembers);
    for (size_t i = 0; i < n * C; i++) jets[i] *= inv;
    return OPTSCHED_OK;
}

int optsched_dgm_solver_add_member(optsched_dgm_solver *s, optsched_dgm_solver *member,
                                   optsched_error *err)
{
    if (!member || member == s || member->nmembers)
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm: a member must be another single network");
    if (member->prob.dim != s->prob.dim || member->prob.nsecond != s->prob.nsecond)
        return optsched_error_set(err, OPTSCHED_EINVAL,
                                  "dgm: a member with %d inputs and %d second derivatives, this network %d and %d",
                                  member->prob.dim, member->prob.nsecond, s->prob.dim, s->prob.nsecond);
    if (s->nmembers >= OPTSCHED_DGM_MAX_MEMBERS)
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm: at most %d networks in an ensemble",
                                  OPTSCHED_DGM_MAX_MEMBERS + 1);
    s->members[s->nmembers++] = member;
    return OPTSCHED_OK;
}

const optsched_dgm_problem *optsched_dgm_solver_problem(const optsched_dgm_solver *s)
{
    return &s->prob;
}

int optsched_dgm_solver_controls(optsched_dgm_solver *s, size_t n, const double *x, double *u,
                                 optsched_error *err)
{
    size_t C = (size_t)(1 + s->prob.dim + s->prob.nsecond);
    double *jets = malloc(n * C * sizeof *jets);
    if (!jets) return optsched_error_set(err, OPTSCHED_ENOMEM, "dgm: out of memory");
    int st = optsched_dgm_solver_eval(s, n, x, jets, err);
    if (!st && (st = s->prob.improve(s->prob.ctx, n, x, jets, u)))
        optsched_error_set(err, st, "dgm problem '%s': improve failed", s->prob.name);
    free(jets);
    return st;
}

size_t optsched_dgm_solver_params(const optsched_dgm_solver *s, double *out)
{
    if (!s->st) return 0;
    dgm_state_view v;
    s->be->view(s->st, &v);
    if (out)
        for (size_t i = 0; i < v.nparams; i++)
            out[i] = v.real_size == 4 ? (double)((float *)v.params)[i] : ((double *)v.params)[i];
    return v.nparams;
}

int optsched_dgm_solver_set_params(optsched_dgm_solver *s, const double *in, optsched_error *err)
{
    int st = ensure(s, err);
    if (st) return st;
    dgm_state_view v;
    s->be->view(s->st, &v);
    for (size_t i = 0; i < v.nparams; i++) {
        if (v.real_size == 4)
            ((float *)v.params)[i] = (float)in[i];
        else
            ((double *)v.params)[i] = in[i];
    }
    return OPTSCHED_OK;
}
