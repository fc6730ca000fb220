/* Benchmark: the Theorem 3 verification grid of seed 004 (footnote 3 ranges,
 * 100^3 = 10^6 points x 100 budgets of Eq. 4). Prints the median wall time over
 * repeats and, with --dump FILE, the grid minima (for comparison with numpy).
 * usage: bench_scaling [repeats] [--dump FILE] */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optsched/scaling.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int reps = 5;
    const char *dump = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            dump = argv[++i];
        else
            reps = atoi(argv[i]);
    }
    if (reps < 1 || reps > 1000) {
        fprintf(stderr, "bench_scaling: repeats must be in [1,1000]\n");
        return 2;
    }
    optsched_scaling_grid_spec g = optsched_scaling_grid_default(OPTSCHED_SCALING_GRID_JOINT);
    optsched_scaling_grid_result r = {0};
    optsched_error err;
    double t[1000];
    for (int k = 0; k < reps; k++) {
        if (k) optsched_scaling_grid_free(&r);
        double t0 = omp_get_wtime();
        if (optsched_scaling_grid_run(&g, &r, &err)) {
            fprintf(stderr, "bench_scaling: %s\n", err.msg);
            return 1;
        }
        t[k] = omp_get_wtime() - t0;
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp);
    printf("{\"bench\": \"scaling_grid_c\", \"points_per_budget\": %d, \"budgets\": %d, "
           "\"threads\": %d, \"repeats\": %d, \"median_s\": %.6f, \"min_s\": %.6f}\n",
           g.n_eta * g.n_alpha * g.n_b, g.n_T, omp_get_max_threads(), reps, t[reps / 2], t[0]);
    if (dump) {
        FILE *f = fopen(dump, "w");
        if (!f) return 1;
        for (int i = 0; i < r.n; i++)
            fprintf(f, "%.17g %.17g %.17g %.17g %.17g\n", r.T[i], r.eta[i], r.alpha[i], r.batch[i], r.value[i]);
        fclose(f);
    }
    optsched_scaling_grid_free(&r);
    return 0;
}
