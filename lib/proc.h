/* lib/proc.h - running and watching child processes */
#ifndef MDC_PROC_H
#define MDC_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"

/*
 * Start argv[0] (a path) with argv, environment envp (NULL: inherit), its
 * stdin from /dev/null (or a pipe fed with input when input != NULL), and
 * its stdout and stderr appended to log_fd (-1: inherit).  *pid_out is set
 * on success.  The child is put in its own process group so a supervisor can
 * signal it with everything it started.
 */
MDC_MUSTCHECK int mdc_proc_spawn(char *const argv[], char *const envp[],
                                 int log_fd, pid_t *pid_out);
/* The same, the child in directory cwd (NULL: ours); a failed chdir is
 * exit status 127, as a failed exec. */
MDC_MUSTCHECK int mdc_proc_spawn_in(char *const argv[], char *const envp[],
                                    int log_fd, const char *cwd,
                                    pid_t *pid_out);
/*
 * Run argv to completion, feeding input (may be NULL) on stdin and capturing
 * stdout+stderr into *out_out (malloc'd, NUL-terminated; may be NULL to
 * discard).  Returns 0 if it exited 0, MDC_ECHILD otherwise (output still
 * returned so the caller can show why), MDC_ETIMEDOUT after timeout_ms
 * (the child is killed).
 */
MDC_MUSTCHECK int mdc_proc_run(char *const argv[], char *const envp[],
                               const char *input, size_t input_len,
                               int timeout_ms, char **out_out);
/* mdc_proc_run with the child in directory cwd (NULL: ours). */
MDC_MUSTCHECK int mdc_proc_run_in(char *const argv[], char *const envp[],
                                  const char *cwd, const char *input,
                                  size_t input_len, int timeout_ms,
                                  char **out_out);
/* Wait up to timeout_ms for pid to exit; 0 if it did (status in *status). */
int mdc_proc_wait(pid_t pid, int timeout_ms, int *status);
/* SIGTERM pid's group, wait up to timeout_ms, then SIGKILL it. */
void mdc_proc_stop(pid_t pid, int timeout_ms);
/* Monotonic milliseconds. */
long long mdc_now_ms(void);
/* Sleep for ms milliseconds. */
void mdc_sleep_ms(int ms);

#endif
