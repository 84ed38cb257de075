/* migrate-auth/vmdef.h - a VM's definition and the QEMU command line for it */
#ifndef MDC_MIG_VMDEF_H
#define MDC_MIG_VMDEF_H

#include <stddef.h>

#include <jansson.h>

#include "lib/err.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/sess.h"

/*
 * A VM definition (doc/vm.md) is kept by the agent as JSON in
 * STATE/vms/NAME.json.  Everything here is pure: no file or process I/O
 * except mdc_vm_def_load/save/remove/list, which touch only STATE/vms.
 */
#define MDC_VM_MAX_DISKS  8
#define MDC_VM_MAX_NICS   4
#define MDC_VM_MAX_PATH   512  /* a disk, kernel or initrd path */
#define MDC_VM_MAX_APPEND 1024 /* the kernel command line */
#define MDC_VM_MAX_CPU    63   /* a CPU model name */
#define MDC_VM_MAX_BRIDGE 15   /* IFNAMSIZ - 1 */
#define MDC_VM_MIN_MIB    16
#define MDC_VM_MAX_MIB    (1024 * 1024)
#define MDC_VM_MAX_DEF    MDC_MIG_MAX_DEF /* a definition's JSON */
/* The baseline of --compat: no vendor-specific feature (no svm/vmx), only
 * what every x86-64 CPU has (SSE2, plus SSE3 and CX16); TCG offers all of
 * it.  The default model (neither --cpu-model nor --compat) is QEMU's own
 * default, qemu64, which carries AMD's svm bit. */
#define MDC_VM_COMPAT_CPU  "kvm64"
#define MDC_VM_DEFAULT_CPU "qemu64"

/* A NIC: "bridge=BR,mac=52:54:00:12:34:56". */
struct mdc_vm_nic {
	char bridge[MDC_VM_MAX_BRIDGE + 1];
	char mac[18]; /* lower case, colons */
};

struct mdc_vm_def {
	char name[MDC_MIG_MAX_VM + 1];
	unsigned memory_mib; /* MDC_VM_MIN_MIB..MDC_VM_MAX_MIB */
	size_t ndisks;       /* 0..MDC_VM_MAX_DISKS; raw images */
	char disks[MDC_VM_MAX_DISKS][MDC_VM_MAX_PATH + 1];
	char kernel[MDC_VM_MAX_PATH + 1]; /* "" = boot the first disk */
	char initrd[MDC_VM_MAX_PATH + 1]; /* only with kernel */
	char append[MDC_VM_MAX_APPEND + 1];
	size_t nnics;
	struct mdc_vm_nic nics[MDC_VM_MAX_NICS];
	char cpu[MDC_VM_MAX_CPU + 1]; /* the model QEMU gets with -cpu */
	int compat;                   /* cpu is MDC_VM_COMPAT_CPU by --compat */
};

/*
 * Check d: name (mdc_mig_vm_ok), memory in range, at least one disk or a
 * kernel, paths of [A-Za-z0-9._/+@-] without ".." (relative ones are
 * resolved by the runtime before a definition is stored), initrd
 * and append only with a kernel, append printable ASCII, NICs valid,
 * cpu a model name ([A-Za-z0-9._-]) and compat consistent with it.
 * Returns 0 or MDC_EINVAL with a one-line reason in e (may be NULL).
 */
MDC_MUSTCHECK int mdc_vm_def_check(const struct mdc_vm_def *d,
                                   struct mdc_err *e);
/* True if s is a path a definition may hold (see mdc_vm_def_check). */
int mdc_vm_path_ok(const char *s);
/* True if s is a CPU model name. */
int mdc_vm_cpu_ok(const char *s);
/* Parse "bridge=BR,mac=MAC" (either order, both required; the MAC is
 * unicast, stored lower case).  Returns 0 or MDC_EINVAL. */
MDC_MUSTCHECK int mdc_vm_nic_parse(const char *s, struct mdc_vm_nic *out);

/*
 * The definition as compact ASCII JSON (what STATE/vms/NAME.json and the
 * VM messages carry): *text_out is the caller's to free.  d must pass
 * mdc_vm_def_check (MDC_EINVAL otherwise).
 */
MDC_MUSTCHECK int mdc_vm_def_to_json(const struct mdc_vm_def *d,
                                     char **text_out);
/*
 * Parse a definition from JSON text (len bytes, at most MDC_VM_MAX_DEF):
 * unknown members, wrong types, values over a limit and anything
 * mdc_vm_def_check refuses are errors.  Returns 0 or MDC_EMALF/MDC_EINVAL
 * with a reason in e (may be NULL).
 */
MDC_MUSTCHECK int mdc_vm_def_from_json(const char *text, size_t len,
                                       struct mdc_vm_def *out,
                                       struct mdc_err *e);

/* Definitions on disk: STATE/vms/NAME.json (0600, directory 0700). */
/* Create (MDC_EEXIST if one by that name exists) or replace. */
MDC_MUSTCHECK int mdc_vm_def_save(const char *state, const struct mdc_vm_def *d,
                                  int replace, struct mdc_err *e);
/* Load NAME (MDC_ENOENT if undefined). */
MDC_MUSTCHECK int mdc_vm_def_load(const char *state, const char *name,
                                  struct mdc_vm_def *out, struct mdc_err *e);
/* Remove NAME's definition (MDC_ENOENT if undefined). */
MDC_MUSTCHECK int mdc_vm_def_remove(const char *state, const char *name,
                                    struct mdc_err *e);
/*
 * The names of the defined VMs, sorted: *names_out is an array of *n_out
 * malloc'd strings (mdc_vm_names_free).  No directory: 0 VMs.
 */
MDC_MUSTCHECK int mdc_vm_def_list(const char *state, char ***names_out,
                                  size_t *n_out, struct mdc_err *e);
void mdc_vm_names_free(char **names, size_t n);

/* How to run a definition: what the runtime decided (nothing owned). */
struct mdc_vm_argv_in {
	const char *qemu;   /* the binary, e.g. /usr/bin/qemu-system-x86_64 */
	const char *accel;  /* "kvm" or "tcg" */
	const char *rundir; /* the VM's 0700 run directory */
	int incoming;       /* -incoming defer (a migration destination) */
	int paused;         /* -S: do not run the vCPU until "cont" */
	const int *tapfds;  /* one open tap fd per NIC (d->nnics of them) */
};

/*
 * Build QEMU's argv for d (doc/vm.md): -nodefaults -no-user-config, the
 * accelerator, -cpu, -m, two QMP monitors RUNDIR/qmp.sock (the runtime's
 * and a migration's) and RUNDIR/qmps.sock (status queries), the serial
 * console into RUNDIR/console.log, disk N as block node "diskN" on
 * virtio-blk (the node names a mirror and an NBD export use), NIC N as
 * -netdev tap,fd=F,id=netN on virtio-net-pci with its MAC, direct kernel
 * boot or boot from disk0.  Every path must be absolute (resolved).
 * *argv_out is NULL-terminated, the caller's
 * (mdc_vm_argv_free).  Returns 0, MDC_EINVAL (bad input), MDC_ESPACE
 * (a path too long for a unix socket), MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_vm_argv(const struct mdc_vm_def *d,
                              const struct mdc_vm_argv_in *in,
                              char ***argv_out);
void mdc_vm_argv_free(char **argv);

#endif
