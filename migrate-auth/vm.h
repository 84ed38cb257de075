/* migrate-auth/vm.h - a micro-VMM: one vCPU, memfd RAM, a CPL3 test guest */
#ifndef MDC_MIG_VM_H
#define MDC_MIG_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define MDC_VM_PAGE         4096u
#define MDC_VM_PORT_COUNTER 0x10    /* guest OUT: low 32 bits of its counter */
#define MDC_VM_COUNTER_GPA  0x5000u /* the guest's counter (u64) */
#define MDC_VM_CODE_GPA     0x4000u
#define MDC_VM_PATTERN_GPA  0x200000u /* pattern region: [2 MiB, end) */
#define MDC_VM_MIN_MB       4
#define MDC_VM_MAX_MB       1024 /* one page directory of 2 MiB pages */

/*
 * One VM with one vCPU.  RAM is a memfd mapped MAP_SHARED at ram (one slot
 * at guest physical 0).  The vCPU is driven by mdc_vm_run() in one thread;
 * another thread stops it with mdc_vm_kick() (immediate_exit + signal).
 */
struct mdc_vm {
	int kvm;
	int vmfd;
	int vcpufd;
	int memfd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *ram;
	size_t ram_size;
	atomic_int stop;
	atomic_uint_fast64_t last_out;  /* last value the guest OUT to 0x10 */
	atomic_uint_fast64_t first_out; /* first one (UINT64_MAX: none yet) */
	atomic_uint_fast64_t nouts;
	atomic_uint_fast64_t bad_outs; /* OUTs that were not previous+4096 */
};

/* The vCPU state we save and restore (no FPU/MSRs: the guest uses none). */
struct mdc_vm_cpu {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
};

/*
 * Open /dev/kvm, create the VM, a memfd RAM slot of mem_mb MiB (4..1024)
 * and one vCPU with the host's supported CPUID.  Returns 0, MDC_EINVAL for
 * a bad size, MDC_ENOTSUP when /dev/kvm is absent or KVM_CREATE_VM fails
 * (kernel feature), else -errno (MDC_EACCES: no permission on /dev/kvm).
 * Undo with mdc_vm_close().
 */
int mdc_vm_open(struct mdc_vm *vm, unsigned mem_mb);

/*
 * Write page tables and the guest program into RAM and point the vCPU at it,
 * at CPL3 with IOPL=3 in 64-bit mode.  delay = busy-loop iterations between
 * two counter increments (>= 1): it sets the dirty rate.
 */
int mdc_vm_load_guest(struct mdc_vm *vm, uint64_t delay);

/*
 * Run the vCPU until mdc_vm_kick() (returns 0) or an unexpected exit
 * (MDC_ENOTSUP) or ioctl failure (-errno).  Handles KVM_EXIT_IO on port 0x10.
 * When it returns 0, pending I/O has completed and state may be saved.
 */
int mdc_vm_run(struct mdc_vm *vm);

/* A vCPU thread: pthread_create(&t, NULL, mdc_vm_runner_main, &r) runs
 * mdc_vm_run(r.vm) and leaves its status in r.ret. */
struct mdc_vm_runner {
	struct mdc_vm *vm;
	int ret;
};
void *mdc_vm_runner_main(void *arg);

/* Ask the thread in mdc_vm_run() to stop: immediate_exit + SIGUSR1. */
void mdc_vm_kick(struct mdc_vm *vm, pthread_t runner);

/* Install the (empty, non-restarting) SIGUSR1 handler used by kicks. */
int mdc_vm_signal_init(void);

/* Save / restore the vCPU registers.  0 or -errno. */
int mdc_vm_get_cpu(struct mdc_vm *vm, struct mdc_vm_cpu *cpu);
int mdc_vm_set_cpu(struct mdc_vm *vm, const struct mdc_vm_cpu *cpu);

/* Turn KVM_MEM_LOG_DIRTY_PAGES on or off for the RAM slot. */
int mdc_vm_dirty_log(struct mdc_vm *vm, int on);

/*
 * Fetch-and-clear the dirty bitmap (KVM_GET_DIRTY_LOG: bit n = page n)
 * into bitmap, which holds mdc_vmpg_words(pages) u64 words.
 */
int mdc_vm_get_dirty(struct mdc_vm *vm, uint64_t *bitmap);

/* SHA-256 of the RAM into out[32].  0 or MDC_ECRYPTO. */
int mdc_vm_checksum(const struct mdc_vm *vm, uint8_t out[32]);

/* The guest's counter as it is in RAM now. */
uint64_t mdc_vm_counter(const struct mdc_vm *vm);

/* Free everything; safe on a zeroed or half-opened vm. */
void mdc_vm_close(struct mdc_vm *vm);

#endif
