#include "cli/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int out_begin(out_dir *o, const char *dir, optsched_error *err)
{
    memset(o, 0, sizeof *o);
    if (strlen(dir) >= sizeof o->dir - 64)
        return optsched_error_set(err, OPTSCHED_EINVAL, "--out: path too long");
    snprintf(o->dir, sizeof o->dir, "%s", dir);
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return optsched_error_set(err, OPTSCHED_EINVAL, "--out: '%s' exists and is not a directory",
                                      dir);
        return OPTSCHED_OK;
    }
    if (mkdir(dir, 0777) != 0)
        return optsched_error_set(err, OPTSCHED_EINVAL, "--out: cannot create directory '%s' (%s)",
                                  dir, strerror(errno));
    o->created = 1;
    return OPTSCHED_OK;
}

const char *out_reserve(out_dir *o, const char *name, optsched_error *err)
{
    if (o->n >= OUT_MAX_FILES) {
        optsched_error_set(err, OPTSCHED_EFAIL, "too many output files");
        return NULL;
    }
    char dir[sizeof o->dir];
    memcpy(dir, o->dir, sizeof dir);
    snprintf(o->tmp[o->n], sizeof o->tmp[0], "%.1000s/.%.40s.tmp.%ld", dir, name, (long)getpid());
    snprintf(o->final[o->n], sizeof o->final[0], "%.1000s/%.40s", dir, name);
    return o->tmp[o->n++];
}

FILE *out_open(out_dir *o, const char *name, optsched_error *err)
{
    const char *path = out_reserve(o, name, err);
    if (!path) return NULL;
    FILE *f = fopen(path, "w");
    if (!f) optsched_error_set(err, OPTSCHED_EIO, "cannot write '%s' (%s)", path, strerror(errno));
    return f;
}

int out_json(out_dir *o, const char *name, const cJSON *doc, optsched_error *err)
{
    FILE *f = out_open(o, name, err);
    if (!f) return OPTSCHED_EIO;
    char *text = cJSON_Print(doc);
    int ok = text && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    free(text);
    if (fclose(f) != 0 || !ok)
        return optsched_error_set(err, OPTSCHED_EIO, "cannot write '%s/%s'", o->dir, name);
    return OPTSCHED_OK;
}

int out_gnuplot(const char *script, optsched_error *err)
{
    /* gnuplot's messages go to a scratch file: shown on failure, never mixed
     * into our stdout (which may carry --json) */
    char log[] = "/tmp/optsched-gnuplot-XXXXXX";
    int fd = mkstemp(log);
    if (fd < 0) return optsched_error_set(err, OPTSCHED_EIO, "cannot create a scratch file (%s)", strerror(errno));
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "gnuplot >/dev/null 2>%s", log);
    FILE *p = popen(cmd, "w");
    if (!p) {
        unlink(log);
        return optsched_error_set(err, OPTSCHED_EFAIL, "cannot run gnuplot");
    }
    fputs(script, p);
    int rc = pclose(p);
    if (rc != 0) {
        char line[256] = "";
        FILE *f = fopen(log, "r");
        if (f) {
            if (!fgets(line, sizeof line, f)) line[0] = '\0';
            fclose(f);
        }
        line[strcspn(line, "\n")] = '\0';
        optsched_error_set(err, OPTSCHED_EFAIL,
                           "gnuplot failed (status %d%s%s); is it installed (Debian gnuplot-nox)?",
                           WIFEXITED(rc) ? WEXITSTATUS(rc) : rc, line[0] ? ": " : "", line);
    }
    unlink(log);
    return rc != 0 ? OPTSCHED_EFAIL : OPTSCHED_OK;
}

int out_commit(out_dir *o, optsched_error *err)
{
    for (int i = 0; i < o->n; i++)
        if (rename(o->tmp[i], o->final[i]) != 0) {
            optsched_error_set(err, OPTSCHED_EIO, "cannot rename '%s' to '%s' (%s)", o->tmp[i],
                               o->final[i], strerror(errno));
            out_abort(o);
            return OPTSCHED_EIO;
        }
    o->n = 0;
    return OPTSCHED_OK;
}

void out_abort(out_dir *o)
{
    for (int i = 0; i < o->n; i++) unlink(o->tmp[i]);
    o->n = 0;
    if (o->created) rmdir(o->dir);
    o->created = 0;
}
