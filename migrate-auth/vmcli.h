/* migrate-auth/vmcli.h - `minidc-migrate vm-run|vm-migrate-local` (program
 * code) */
#ifndef MDC_MIG_VMCLI_H
#define MDC_MIG_VMCLI_H

/*
 * Run a vm-* subcommand (doc/vm.md); prints its results on stdout and its
 * errors on stderr.  Returns the exit status: 0 ok, 1 failure, 2 usage,
 * 3 KVM unavailable (/dev/kvm absent or KVM_CREATE_VM failed).
 */
int mdc_vm_cli_main(int argc, char **argv);

#endif
