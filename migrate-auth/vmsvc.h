/* migrate-auth/vmsvc.h - the agent's VM commands (vm create ... vm list) */
#ifndef MDC_MIG_VMSVC_H
#define MDC_MIG_VMSVC_H

#include <stddef.h>

#include <gssapi/gssapi.h>

#include "migrate-auth/proto.h"
#include "migrate-auth/vmrt.h"

/*
 * Serve one MDC_MIG_VM request m of an already authorized caller on the
 * session (fd, ctx): SHOW and LIST send their VM_INFO messages; *r gets
 * the RESULT the caller sends (and logs).  self is this host's name.
 */
void mdc_vm_serve(int fd, gss_ctx_id_t ctx, const struct mdc_vm_env *env,
                  const char *self, const struct mdc_mig_msg *m,
                  struct mdc_mig_msg *r);

/*
 * A VM_INFO as vm list's line: "NAME STATE memory=MIBMiB disks=A,B
 * cpu=MODEL pid=PID accel=ACCEL" (pid "-" when stopped).  Returns 0 or
 * MDC_EMALF (the definition does not parse) / MDC_ESPACE.
 */
MDC_MUSTCHECK int mdc_vm_info_line(const struct mdc_mig_msg *info, char *out,
                                   size_t outlen);
/* The same as vm show's "key: value" lines, separated by '\n'. */
MDC_MUSTCHECK int mdc_vm_info_show(const struct mdc_mig_msg *info, char *out,
                                   size_t outlen);

#endif
