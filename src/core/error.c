#include "optsched/error.h"

#include <stdarg.h>
#include <stdio.h>

int optsched_error_set(optsched_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void optsched_error_clear(optsched_error *err)
{
    if (err) {
        err->code = OPTSCHED_OK;
        err->msg[0] = '\0';
    }
}

int optsched_exit_status(int code)
{
    if (code == OPTSCHED_OK) return 0;
    if (code == OPTSCHED_EINVAL) return 2;
    return 1;
}
