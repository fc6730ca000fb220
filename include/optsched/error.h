/* optsched — status codes and error reports.
 *
 * Every fallible library call returns an int status (OPTSCHED_OK on success) and,
 * when given a non-NULL optsched_error*, fills it with a one-line message. Messages
 * about bad input name the parameter as the command line spells it ("--alpha",
 * "schedule key 'warmup'") and the accepted range, so the CLI can print them as is.
 */
#ifndef OPTSCHED_ERROR_H
#define OPTSCHED_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
    OPTSCHED_OK = 0,
    OPTSCHED_EFAIL = 1,  /* any failure that is not the caller's input */
    OPTSCHED_EINVAL = 2, /* bad input: the CLI exits with status 2 */
    OPTSCHED_ENOMEM = 3,
    OPTSCHED_EIO = 4,
    OPTSCHED_ENOCONV = 5 /* an iterative method did not converge */
};

typedef struct optsched_error {
    int code;
    char msg[512];
} optsched_error;

/* Records code and a printf-style message in err (if non-NULL); returns code. */
int optsched_error_set(optsched_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err (if non-NULL). */
void optsched_error_clear(optsched_error *err);

/* Process exit status for a status code: 0 ok, 2 bad input, 1 otherwise. */
int optsched_exit_status(int code);

#ifdef __cplusplus
}
#endif
#endif
