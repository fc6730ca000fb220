#include "cli/hjb_members.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <omp.h>

int hjb_member_train(hjb_session *h, const char *ensemble, int i, int resume, int every,
                     int progress, optsched_error *err)
{
    char name[1100], desc[1200];
    hjb_member_name(name, sizeof name, ensemble, i);
    snprintf(desc, sizeof desc, "%s.json", name);
    /* a member killed before its first checkpoint starts again: the same run from its seed */
    const int has_checkpoint = access(name, F_OK) == 0 && access(desc, F_OK) == 0;
    int st = resume && has_checkpoint ? hjb_session_load(h, name, err)
                                      : hjb_session_new_member(h, ensemble, i, err);
    if (!st && h->nmembers)
        st = optsched_error_set(err, OPTSCHED_EINVAL, "--weights: member '%s' is itself an ensemble", name);
    if (!st) st = hjb_session_train(h, every, progress, err);
    return st;
}

static int in_process(const hjb_members_opts *o, optsched_error *err)
{
    for (int i = 0; i < o->members; i++) {
        if (o->progress) fprintf(stderr, "member %d of %d\n", i + 1, o->members);
        hjb_session h;
        int st = hjb_member_train(&h, o->ensemble, i, o->resume, o->every, o->progress, err);
        hjb_session_free(&h);
        if (st) return st;
    }
    return OPTSCHED_OK;
}

/* Child process for member i: this executable again (a fresh process: the parent's OpenMP and
 * BLAS threads do not survive a fork), stdout discarded (the parent reports the ensemble),
 * stderr shared (a member's error reaches the user), killed with its parent. Each gets its
 * share of the cores unless OMP_NUM_THREADS says otherwise. */
static pid_t spawn(const char *exe, const hjb_members_opts *o, int i, int threads)
{
    char si[16], se[16], sj[16];
    snprintf(si, sizeof si, "%d", i);
    snprintf(se, sizeof se, "%d", o->every);
    snprintf(sj, sizeof sj, "%d", o->jobs);
    char *argv[] = {"optsched", "hjb", "train", "--weights", (char *)o->ensemble, "--member", si,
                    "--jobs", sj, "--checkpoint-every", se, o->resume ? "--resume" : NULL, NULL};
    const pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid != 0) return pid;
#ifdef __linux__
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
#else
    (void)parent;
#endif
    if (!getenv("OMP_NUM_THREADS")) {
        char t[16];
        snprintf(t, sizeof t, "%d", threads);
        setenv("OMP_NUM_THREADS", t, 1);
        setenv("OPENBLAS_NUM_THREADS", t, 1);
    }
    if (!freopen("/dev/null", "w", stdout)) _exit(127);
    execv(exe, argv);
    fprintf(stderr, "optsched hjb train: cannot run '%s' for member %d (%s)\n", exe, i, strerror(errno));
    _exit(127);
}

static int wait_one(pid_t *pid, int n, int *which, int *status)
{
    for (;;) {
        const pid_t p = waitpid(-1, status, 0);
        if (p < 0 && errno == EINTR) continue;
        if (p < 0) return -1;
        for (int i = 0; i < n; i++)
            if (pid[i] == p) {
                pid[i] = 0;
                *which = i;
                return 0;
            }
    }
}

static int in_children(const hjb_members_opts *o, optsched_error *err)
{
    char exe[4096];
    const ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return optsched_error_set(err, OPTSCHED_EFAIL,
                                  "--jobs: cannot find this executable to run members in (%s); use --jobs 1",
                                  strerror(errno));
    exe[len] = '\0';
    pid_t *pid = calloc((size_t)o->members, sizeof *pid);
    if (!pid) return optsched_error_set(err, OPTSCHED_ENOMEM, "out of memory");
    const int cores = omp_get_num_procs(), threads = cores / o->jobs > 1 ? cores / o->jobs : 1;
    int next = 0, running = 0, failed = -1, fstatus = 0;
    while (next < o->members || running) {
        while (failed < 0 && running < o->jobs && next < o->members) {
            if ((pid[next] = spawn(exe, o, next, threads)) < 0) {
                pid[next] = 0;
                failed = next;
                fstatus = -1;
                break;
            }
            running++;
            next++;
        }
        if (!running) break;
        int i, status;
        if (wait_one(pid, o->members, &i, &status)) { /* none to wait for, though some should run */
            free(pid);
            return optsched_error_set(err, OPTSCHED_EFAIL, "--jobs: lost track of the member processes (%s)",
                                      strerror(errno));
        }
        running--;
        const int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!ok && failed < 0) {
            failed = i;
            fstatus = status;
            for (int k = 0; k < o->members; k++) /* the others stop; their checkpoints stay */
                if (pid[k] > 0) kill(pid[k], SIGTERM);
        }
        if (ok && o->progress) fprintf(stderr, "member %d of %d finished\n", i + 1, o->members);
    }
    free(pid);
    if (failed < 0) return OPTSCHED_OK;
    char name[1100];
    hjb_member_name(name, sizeof name, o->ensemble, failed);
    if (fstatus < 0)
        return optsched_error_set(err, OPTSCHED_EFAIL, "member %d (%s): cannot start a process (%s)",
                                  failed, name, strerror(errno));
    if (WIFSIGNALED(fstatus))
        return optsched_error_set(err, OPTSCHED_EFAIL, "member %d (%s): killed by signal %d (--resume continues)",
                                  failed, name, WTERMSIG(fstatus));
    return optsched_error_set(err, OPTSCHED_EFAIL, "member %d (%s): exit status %d (--resume continues)",
                              failed, name, WEXITSTATUS(fstatus));
}

int hjb_members_train(const hjb_members_opts *o, optsched_error *err)
{
    return o->jobs > 1 && o->members > 1 ? in_children(o, err) : in_process(o, err);
}
