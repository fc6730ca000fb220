/* Minimal test harness: CHECK-style macros that report file and line, count
 * passes and failures, and a main-side summary that sets the exit status.
 * Tolerances are stated at each call site together with where the reference
 * value came from. */
#ifndef OPTSCHED_TEST_CHECK_H
#define OPTSCHED_TEST_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_failures_ = 0;
static int check_passes_ = 0;

#define CHECK(cond, ...)                                                          \
    do {                                                                          \
        if (cond) {                                                               \
            check_passes_++;                                                      \
        } else {                                                                  \
            check_failures_++;                                                    \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                         \
            fputc('\n', stderr);                                                  \
        }                                                                         \
    } while (0)

/* |got - want| <= rtol * |want| (+ tiny absolute floor for want == 0). */
#define CHECK_REL(got, want, rtol, what)                                          \
    do {                                                                          \
        double g_ = (got), w_ = (want), r_ = (rtol);                              \
        double e_ = fabs(g_ - w_) / (fabs(w_) > 1e-300 ? fabs(w_) : 1.0);         \
        CHECK(e_ <= r_ && isfinite(g_), "%s: got %.15g want %.15g rel.err %.3g > %.3g", \
              what, g_, w_, e_, r_);                                              \
    } while (0)

#define CHECK_ABS(got, want, atol, what)                                          \
    do {                                                                          \
        double g_ = (got), w_ = (want), a_ = (atol);                              \
        CHECK(fabs(g_ - w_) <= a_ && isfinite(g_), "%s: got %.15g want %.15g abs.err %.3g > %.3g", \
              what, g_, w_, fabs(g_ - w_), a_);                                   \
    } while (0)

#define CHECK_OK(status, err)                                                     \
    CHECK((status) == 0, "status %d: %s", (status), (err).msg)

static inline int check_summary(const char *name)
{
    printf("%s: %d checks passed, %d failed\n", name, check_passes_, check_failures_);
    return check_failures_ ? 1 : 0;
}

#endif
