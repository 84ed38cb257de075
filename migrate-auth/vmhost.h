/* migrate-auth/vmhost.h - what this host offers VMs: the accelerator (KVM
 * or TCG) and the CPU models its QEMU can give them */
#ifndef MDC_MIG_VMHOST_H
#define MDC_MIG_VMHOST_H

#include <stddef.h>

#include <jansson.h>

#include "lib/err.h"
#include "migrate-auth/qmp.h"
#include "migrate-auth/sess.h"

/* The accelerator setting ("accel" in migrate.conf [vm]). */
enum mdc_vm_accel { MDC_VM_ACCEL_AUTO = 0, MDC_VM_ACCEL_KVM, MDC_VM_ACCEL_TCG };

/* Parse "auto"/"kvm"/"tcg" (MDC_EINVAL otherwise). */
MDC_MUSTCHECK int mdc_vm_accel_parse(const char *s, enum mdc_vm_accel *out);
/*
 * Resolve the setting on this host: "kvm" if KVM is wanted or auto and
 * /proc/cpuinfo has vmx or svm and /dev/kvm opens read-write, else "tcg";
 * kvm asked for but unusable is MDC_ENOTSUP with the reason in e.
 * *name_out is a static string.
 */
MDC_MUSTCHECK int mdc_vm_accel_resolve(enum mdc_vm_accel want,
                                       const char **name_out,
                                       struct mdc_err *e);
/* The pure rule behind it: cpuinfo text has a "flags" line with vmx/svm. */
int mdc_vm_cpuinfo_has_virt(const char *cpuinfo);
/* Read a /proc file (size 0 in stat, so read to the end) into a new
 * NUL-terminated buffer of at most max bytes; 0 or MDC_ENOENT. */
MDC_MUSTCHECK int mdc_vm_proc_read(const char *path, size_t max,
                                   char **text_out, size_t *len_out);

/*
 * CPU compatibility (the destination's check before a move): can this
 * QEMU, with its accelerator, offer model?  q is a QMP client of any QEMU
 * of this host (e.g. the incoming one).  missing gets the features QEMU
 * lists as unavailable, space-separated ("" if none).  Returns 0 (model
 * known; offerable iff missing is ""), MDC_ENOENT (no such model here,
 * e->text says so), or a QMP failure.
 */
MDC_MUSTCHECK int mdc_vm_cpu_missing(struct mdc_qmp *q, const char *model,
                                     char *missing, size_t missinglen,
                                     struct mdc_err *e);
/*
 * The destination's refusal text for a model it cannot offer (pure):
 * "HOST cannot offer CPU model MODEL (missing: MISSING); define the VM
 * with --compat (kvm64) to move it".  For missing == NULL: the model is
 * unknown there.
 */
void mdc_vm_cpu_refusal(const char *host, const char *model,
                        const char *missing, char *out, size_t outlen);
/* The pure part: from a query-cpu-definitions return value. */
MDC_MUSTCHECK int mdc_vm_cpu_missing_from(const json_t *defs, const char *model,
                                          char *missing, size_t missinglen);

#endif
