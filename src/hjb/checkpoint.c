/* DGM training checkpoints: the whole training state in one binary file, written atomically.
 *
 * Layout (host byte order; the endian marker refuses files from the other order):
 *   char    magic[8]     "OSDGMCK" NUL
 *   u32     version      1
 *   u32     endian       0x01020304
 *   u32     real_size    4 (float) or 8 (double)
 *   i32     dim, width, layers, nsecond, ncontrols, rounds, iters, batch, batch_bc, chunk
 *   i32     second[nsecond]
 *   f64     warmup, lr, lr_decay, beta1, beta2, eps, lambda_bc, lambda_struct
 *   i64     seed, iter (iterations done), adam_step
 *   u64     nparams
 *   REAL    params[nparams], policy[nparams] (the frozen policy network), adam_m[nparams],
 *           adam_v[nparams]
 *   u64     FNV-1a 64 hash of every byte before it
 * The random numbers are counter-based on (seed, stream, iteration, index): the iteration
 * counter is the whole RNG state. Loading requires every field except `rounds` to match the
 * solver's options (a run may be extended by more rounds; anything else would change the
 * arithmetic of the remaining iterations). The file is written to PATH.tmp.PID, flushed to
 * disk and renamed over PATH, so a reader never sees half a checkpoint. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/dgm_internal.h"

#define CK_VERSION 1u
static const char MAGIC[8] = "OSDGMCK";

typedef struct {
    FILE *f;
    uint64_t h;
    int bad;
} io;

static void hash(io *z, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) z->h = (z->h ^ c[i]) * 0x100000001b3ULL;
}

static void put(io *z, const void *p, size_t n)
{
    if (z->bad) return;
    if (fwrite(p, 1, n, z->f) != n) z->bad = 1;
    hash(z, p, n);
}

static void get(io *z, void *p, size_t n)
{
    if (z->bad) return;
    if (fread(p, 1, n, z->f) != n) { z->bad = 1; return; }
    hash(z, p, n);
}

typedef struct {
    uint32_t version, endian, real_size;
    int32_t dim, width, layers, nsecond, ncontrols, rounds, iters, batch, batch_bc, chunk;
    double warmup, lr, lr_decay, beta1, beta2, eps, lambda_bc, lambda_struct;
    int64_t seed;
} ck_fixed;

static void fill(ck_fixed *h, const optsched_dgm_problem *prob, const dgm_opts *o, size_t real_size)
{
    memset(h, 0, sizeof *h);
    h->version = CK_VERSION;
    h->endian = 0x01020304u;
    h->real_size = (uint32_t)real_size;
    h->dim = prob->dim; h->width = o->width; h->layers = o->layers; h->nsecond = prob->nsecond;
    h->ncontrols = prob->ncontrols; h->rounds = o->rounds; h->iters = o->iters; h->batch = o->batch;
    h->batch_bc = o->batch_bc; h->chunk = o->chunk;
    h->warmup = o->warmup; h->lr = o->lr; h->lr_decay = o->lr_decay; h->beta1 = o->beta1; h->beta2 = o->beta2; h->eps = o->eps;
    h->lambda_bc = o->lambda_bc; h->lambda_struct = o->lambda_struct; h->seed = o->seed;
}

static void put_fixed(io *z, const ck_fixed *h)
{
    put(z, &h->version, 4); put(z, &h->endian, 4); put(z, &h->real_size, 4);
    put(z, &h->dim, 4); put(z, &h->width, 4); put(z, &h->layers, 4); put(z, &h->nsecond, 4);
    put(z, &h->ncontrols, 4); put(z, &h->rounds, 4); put(z, &h->iters, 4); put(z, &h->batch, 4);
    put(z, &h->batch_bc, 4); put(z, &h->chunk, 4);
}

static void get_fixed(io *z, ck_fixed *h)
{
    get(z, &h->version, 4); get(z, &h->endian, 4); get(z, &h->real_size, 4);
    get(z, &h->dim, 4); get(z, &h->width, 4); get(z, &h->layers, 4); get(z, &h->nsecond, 4);
    get(z, &h->ncontrols, 4); get(z, &h->rounds, 4); get(z, &h->iters, 4); get(z, &h->batch, 4);
    get(z, &h->batch_bc, 4); get(z, &h->chunk, 4);
}

static void put_dbls(io *z, const ck_fixed *h)
{
    put(z, &h->warmup, 8); put(z, &h->lr, 8); put(z, &h->lr_decay, 8); put(z, &h->beta1, 8); put(z, &h->beta2, 8);
    put(z, &h->eps, 8); put(z, &h->lambda_bc, 8); put(z, &h->lambda_struct, 8); put(z, &h->seed, 8);
}

static void get_dbls(io *z, ck_fixed *h)
{
    get(z, &h->warmup, 8); get(z, &h->lr, 8); get(z, &h->lr_decay, 8); get(z, &h->beta1, 8); get(z, &h->beta2, 8);
    get(z, &h->eps, 8); get(z, &h->lambda_bc, 8); get(z, &h->lambda_struct, 8); get(z, &h->seed, 8);
}

int optsched_dgm_checkpoint_write(const char *path, const optsched_dgm_problem *prob, const dgm_opts *o,
                                  int64_t iter, const dgm_state_view *v, optsched_error *err)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    io z = {fopen(tmp, "wb"), 0xcbf29ce484222325ULL, 0};
    if (!z.f) return optsched_error_set(err, OPTSCHED_EIO, "dgm checkpoint '%s': %s", tmp, strerror(errno));
    ck_fixed h;
    fill(&h, prob, o, v->real_size);
    put(&z, MAGIC, 8);
    put_fixed(&z, &h);
    for (int k = 0; k < prob->nsecond; k++) {
        int32_t q = prob->second[k];
        put(&z, &q, 4);
    }
    put_dbls(&z, &h);
    put(&z, &iter, 8);
    put(&z, v->adam_step, 8);
    uint64_t np = v->nparams;
    put(&z, &np, 8);
    size_t bytes = v->nparams * v->real_size;
    put(&z, v->params, bytes);
    put(&z, v->snapshot, bytes);
    put(&z, v->m, bytes);
    put(&z, v->v, bytes);
    uint64_t hv = z.h;
    put(&z, &hv, 8);
    int bad = z.bad || fflush(z.f) != 0 || fsync(fileno(z.f)) != 0;
    bad |= fclose(z.f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return optsched_error_set(err, OPTSCHED_EIO, "dgm checkpoint '%s': write failed: %s", path, strerror(e));
    }
    return OPTSCHED_OK;
}

#define MISMATCH(field, a, b)                                                                   \
    do {                                                                                        \
        if ((a) != (b)) {                                                                       \
            fclose(z.f);                                                                        \
            return optsched_error_set(err, OPTSCHED_EINVAL,                                     \
                                      "dgm checkpoint '%s': %s is %g in the file, %g here", path, \
                                      field, (double)(a), (double)(b));                         \
        }                                                                                       \
    } while (0)

int optsched_dgm_checkpoint_read(const char *path, const optsched_dgm_problem *prob, const dgm_opts *o,
                                 int64_t *iter, const dgm_state_view *v, optsched_error *err)
{
    io z = {fopen(path, "rb"), 0xcbf29ce484222325ULL, 0};
    if (!z.f) return optsched_error_set(err, OPTSCHED_EIO, "dgm checkpoint '%s': %s", path, strerror(errno));
    char magic[8];
    get(&z, magic, 8);
    if (z.bad || memcmp(magic, MAGIC, 8)) {
        fclose(z.f);
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm checkpoint '%s': not a DGM checkpoint", path);
    }
    ck_fixed h, w;
    get_fixed(&z, &h);
    if (z.bad) { fclose(z.f); return optsched_error_set(err, OPTSCHED_EIO, "dgm checkpoint '%s': truncated", path); }
    if (h.endian != 0x01020304u) {
        fclose(z.f);
        return optsched_error_set(err, OPTSCHED_EINVAL, "dgm checkpoint '%s': written with the other byte order", path);
    }
    fill(&w, prob, o, v->real_size);
    MISMATCH("version", h.version, w.version);
    MISMATCH("precision (bytes per number)", h.real_size, w.real_size);
    MISMATCH("input dimension", h.dim, w.dim);
    MISMATCH("width", h.width, w.width);
    MISMATCH("layers", h.layers, w.layers);
    MISMATCH("second-derivative count", h.nsecond, w.nsecond);
    MISMATCH("controls", h.ncontrols, w.ncontrols);
    MISMATCH("iters", h.iters, w.iters);
    MISMATCH("batch", h.batch, w.batch);
    MISMATCH("batch_bc", h.batch_bc, w.batch_bc);
    MISMATCH("chunk", h.chunk, w.chunk);
    for (int k = 0; k < h.nsecond; k++) {
        int32_t q = 0;
        get(&z, &q, 4);
        MISMATCH("second-derivative input", q, prob->second[k]);
    }
    get_dbls(&z, &h);
    MISMATCH("warmup", h.warmup, w.warmup);
    MISMATCH("lr", h.lr, w.lr);
    MISMATCH("lr_decay", h.lr_decay, w.lr_decay);
    MISMATCH("beta1", h.beta1, w.beta1);
    MISMATCH("beta2", h.beta2, w.beta2);
    MISMATCH("eps", h.eps, w.eps);
    MISMATCH("lambda_bc", h.lambda_bc, w.lambda_bc);
    MISMATCH("lambda_struct", h.lambda_struct, w.lambda_struct);
    MISMATCH("seed", h.seed, w.seed);
    int64_t it = 0, step = 0;
    uint64_t np = 0;
    get(&z, &it, 8);
    get(&z, &step, 8);
    get(&z, &np, 8);
    if (z.bad) { fclose(z.f); return optsched_error_set(err, OPTSCHED_EIO, "dgm checkpoint '%s': truncated", path); }
    MISMATCH("parameter count", np, (uint64_t)v->nparams);
    size_t bytes = v->nparams * v->real_size;
    char *buf = malloc(4 * bytes);
    if (!buf) { fclose(z.f); return optsched_error_set(err, OPTSCHED_ENOMEM, "dgm checkpoint: out of memory"); }
    get(&z, buf, 4 * bytes);
    uint64_t want = z.h, got = 0;
    get(&z, &got, 8);
    int extra = fgetc(z.f) != EOF;
    fclose(z.f);
    if (z.bad || got != want || extra || it < 0) {
        free(buf);
        return optsched_error_set(err, OPTSCHED_EIO, "dgm checkpoint '%s': %s", path,
                                  z.bad ? "truncated" : "checksum mismatch (corrupt file)");
    }
    /* Only now, with the whole file verified, replace the solver's state. */
    memcpy(v->params, buf, bytes);
    memcpy(v->snapshot, buf + bytes, bytes);
    memcpy(v->m, buf + 2 * bytes, bytes);
    memcpy(v->v, buf + 3 * bytes, bytes);
    *v->adam_step = step;
    *iter = it;
    free(buf);
    return OPTSCHED_OK;
}
