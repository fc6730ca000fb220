/* Core benchmarks, median over repeats (the machine is shared and noisy):
 *   mc      Monte Carlo throughput, K = 10, 200 paths × 500 steps, constant
 *           schedule, random numbers inside the timing (path-steps/s);
 *   exact   exact evaluation of a 200-piece array schedule;
 *   tune    tuning all eight baseline families for the default setting.
 * Prints one JSON object per benchmark. Usage: bench_core [repeats] */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "optsched/exact.h"
#include "optsched/mc.h"
#include "optsched/tune.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 9;
    if (reps < 1 || reps > 1000) reps = 9;
    optsched_model_params p;
    optsched_model_params_default(&p);
    optsched_model *m;
    optsched_error err;
    if (optsched_model_alloc(&m, &p, &err)) return 1;
    double *t = malloc((size_t)reps * sizeof *t);

    /* Monte Carlo */
    optsched_schedule s;
    if (optsched_schedule_parse(&s, "constant:eta=0.2,B=1", m, &err)) return 1;
    optsched_mc_options o;
    optsched_mc_options_default(&o);
    o.paths = 200;
    o.steps = 500;
    double check = 0;
    for (int r = 0; r < reps; r++) {
        optsched_mc_result res;
        double t0 = omp_get_wtime();
        for (int i = 0; i < 10; i++) {
            if (optsched_mc_schedule(m, &s, &o, &res, &err)) return 1;
            check += res.mean;
            optsched_mc_result_free(&res);
        }
        t[r] = (omp_get_wtime() - t0) / 10;
    }
    double tm = median(t, reps);
    printf("{\"bench\": \"mc\", \"threads\": %d, \"paths\": 200, \"steps\": 500, \"modes\": 10, "
           "\"median_s\": %.6g, \"path_steps_per_s\": %.4g, \"checksum\": %.6f}\n",
           omp_get_max_threads(), tm, 200.0 * 500 / tm, check / (10 * reps));

    /* exact evaluation of a 200-piece schedule (η and B varying every piece) */
    double tt[200], ee[200], bb[200];
    for (int i = 0; i < 200; i++) {
        tt[i] = 0.05 * i;
        ee[i] = 0.5 - 0.002 * i;
        bb[i] = 1 + 0.01 * i;
    }
    optsched_schedule arr;
    if (optsched_schedule_from_arrays(&arr, 200, tt, ee, bb, m, &err)) return 1;
    optsched_exact_result ex;
    for (int r = 0; r < reps; r++) {
        double t0 = omp_get_wtime();
        for (int i = 0; i < 100; i++)
            if (optsched_exact_eval(m, &arr, &ex, &err)) return 1;
        t[r] = (omp_get_wtime() - t0) / 100;
    }
    printf("{\"bench\": \"exact_200_pieces\", \"median_s\": %.6g, \"target_s\": 1e-3, "
           "\"loss\": %.10f}\n", median(t, reps), ex.expected_loss);
    optsched_schedule_clear(&arr);

    /* tuning all eight families */
    optsched_tune_options to;
    optsched_tune_options_default(&to);
    int tr = reps < 5 ? reps : 5;
    for (int r = 0; r < tr; r++) {
        double t0 = omp_get_wtime();
        for (int f = 0; f < OPTSCHED_N_FAMILIES; f++) {
            optsched_tune_result res;
            if (optsched_tune_family(m, (optsched_family)f, &to, &res, &err)) return 1;
        }
        t[r] = omp_get_wtime() - t0;
    }
    printf("{\"bench\": \"tune_all_8\", \"threads\": %d, \"median_s\": %.4g, \"target_s\": 2}\n",
           omp_get_max_threads(), median(t, tr));
    free(t);
    optsched_model_free(m);
    return 0;
}
