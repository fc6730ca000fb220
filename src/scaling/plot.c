/* Output files of the scaling module: CSV tables and gnuplot PNGs, each written
 * under a temporary name and renamed, so that an interrupted or failed run
 * leaves no half-written file behind. */
#include "optsched/scaling.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int optsched_scaling_outdir(const char *dir, optsched_error *err)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return OPTSCHED_OK;
        return optsched_error_set(err, OPTSCHED_EINVAL, "--out: '%s' exists and is not a directory",
                                  dir);
    }
    if (mkdir(dir, 0777) != 0)
        return optsched_error_set(err, OPTSCHED_EIO, "--out: cannot create '%s': %s", dir,
                                  strerror(errno));
    return OPTSCHED_OK;
}

static int paths(const char *dir, const char *name, char *fin, char *tmp, size_t n,
                 optsched_error *err)
{
    int a = snprintf(fin, n, "%s/%s", dir, name);
    int b = snprintf(tmp, n, "%s/.%s.tmp%ld", dir, name, (long)getpid());
    if (a < 0 || b < 0 || (size_t)a >= n || (size_t)b >= n)
        return optsched_error_set(err, OPTSCHED_EINVAL, "--out: path too long");
    return OPTSCHED_OK;
}

int optsched_scaling_write_csv(const char *dir, const char *name, const char *header,
                               const double *const *cols, int ncol, int n, optsched_error *err)
{
    char fin[4096], tmp[4096];
    int st = paths(dir, name, fin, tmp, sizeof fin, err);
    if (st) return st;
    FILE *f = fopen(tmp, "w");
    if (!f) return optsched_error_set(err, OPTSCHED_EIO, "cannot write '%s': %s", tmp, strerror(errno));
    fprintf(f, "%s\n", header);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < ncol; j++) fprintf(f, "%.17g%c", cols[j][i], j + 1 < ncol ? ',' : '\n');
    if (fclose(f) != 0 || rename(tmp, fin) != 0) {
        unlink(tmp);
        return optsched_error_set(err, OPTSCHED_EIO, "cannot write '%s'", fin);
    }
    return OPTSCHED_OK;
}

int optsched_scaling_plot(const char *dir, const char *name, int width, int height,
                          const char *script, optsched_error *err)
{
    char fin[4096], tmp[4096];
    int st = paths(dir, name, fin, tmp, sizeof fin, err);
    if (st) return st;
    fflush(NULL);
    FILE *g = popen("gnuplot 2>/dev/null", "w");
    if (!g) return optsched_error_set(err, OPTSCHED_EFAIL, "cannot run gnuplot");
    fprintf(g, "set terminal pngcairo size %d,%d noenhanced font 'Sans,10'\nset output '%s'\n",
            width, height, tmp);
    fputs(script, g);
    fputs("\nunset output\n", g);
    int rc = pclose(g);
    struct stat sb;
    if (rc != 0 || stat(tmp, &sb) != 0 || sb.st_size == 0) {
        unlink(tmp);
        return optsched_error_set(err, OPTSCHED_EFAIL, "gnuplot failed writing '%s' (status %d)",
                                  fin, rc);
    }
    if (rename(tmp, fin) != 0) {
        unlink(tmp);
        return optsched_error_set(err, OPTSCHED_EIO, "cannot rename to '%s'", fin);
    }
    return OPTSCHED_OK;
}
