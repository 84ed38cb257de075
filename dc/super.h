/* dc/super.h - the DC supervisor: start, watch, restart and stop services */
#ifndef MDC_SUPER_H
#define MDC_SUPER_H

#include "ad/dcconf.h"

/*
 * Run the supervisor for conf until SIGTERM/SIGINT or a "stop" on the
 * control socket (DIR/run/control.sock).  self is the absolute path of the
 * minidc binary.  notify_fd (-1: none) receives "ok\n" once every service is
 * ready, or one error line if start-up fails.  Returns the exit status.
 */
int mdc_super_run(const struct mdc_dcconf *conf, const char *self,
                  int notify_fd);

/*
 * Send one request ("status" or "stop") to a running supervisor and copy
 * its answer to *answer_out (malloc'd).  MDC_ENOENT if none is running.
 */
MDC_MUSTCHECK int mdc_super_request(const struct mdc_dcconf *conf,
                                    const char *req, char **answer_out);

#endif
