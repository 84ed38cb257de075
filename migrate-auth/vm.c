/* migrate-auth/vm.c - a micro-VMM: one vCPU, memfd RAM, a CPL3 test guest */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lib/err.h"
#include "migrate-auth/vm.h"
#include "migrate-auth/vmpages.h"

/*
 * The guest program (doc/vm.md), 64-bit, at MDC_VM_CODE_GPA, entered at
 * CPL3.  Inputs in registers: rbx = &counter, r8 = pattern cursor,
 * r9 = pattern end, r10 = pattern start, r12 = delay (>= 1).
 *   top: mov rax,[rbx]; inc rax; mov [rbx],rax   ; counter++ in RAM
 *        mov [r8],rax; add r8,4096                ; dirty the next page
 *        cmp r8,r9; jb 1f; mov r8,r10             ; wrap the cursor
 *   1:   mov rcx,r12; 2: dec rcx; jnz 2b          ; delay
 *        test eax,0xfff; jnz top                  ; every 4096 increments:
 *        mov edx,0x10; out dx,eax; jmp top        ; report on port 0x10
 */
static const uint8_t guest_code[] = {
        0x48, 0x8b, 0x03, 0x48, 0xff, 0xc0, 0x48, 0x89, 0x03, 0x49,
        0x89, 0x00, 0x49, 0x81, 0xc0, 0x00, 0x10, 0x00, 0x00, 0x4d,
        0x39, 0xc8, 0x72, 0x03, 0x4d, 0x89, 0xd0, 0x4c, 0x89, 0xe1,
        0x48, 0xff, 0xc9, 0x75, 0xfb, 0xa9, 0xff, 0x0f, 0x00, 0x00,
        0x75, 0xd6, 0xba, 0x10, 0x00, 0x00, 0x00, 0xef, 0xeb, 0xce,
};

#define PML4_GPA 0x1000u
#define PDPT_GPA 0x2000u
#define PD_GPA   0x3000u
#define PTE_PUW  0x7u  /* present, writable, user */
#define PTE_PS   0x80u /* 2 MiB page */

static int
set_slot(struct mdc_vm *vm, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
	        .slot = 0,
	        .flags = flags,
	        .guest_phys_addr = 0,
	        .memory_size = vm->ram_size,
	        .userspace_addr = (uintptr_t)vm->ram,
	};

	if (ioctl(vm->vmfd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	return 0;
}

static int
open_ram(struct mdc_vm *vm)
{
	vm->memfd = memfd_create("mdc-vm-ram", MFD_CLOEXEC);
	if (vm->memfd < 0)
		return -errno;
	if (ftruncate(vm->memfd, (off_t)vm->ram_size) < 0)
		return -errno;
	/* populate now: first-touch faults during round 0 cost 10x */
	vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_POPULATE, vm->memfd, 0);
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		return -errno;
	}
	return set_slot(vm, 0);
}

static int
set_cpuid(struct mdc_vm *vm)
{
	struct kvm_cpuid2 *c;
	int ret = 0;
	int n = 256;

	c = calloc(1, sizeof(*c) + (size_t)n * sizeof(c->entries[0]));
	if (c == NULL)
		return MDC_ENOMEM;
	c->nent = (uint32_t)n;
	if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, c) < 0 ||
	    ioctl(vm->vcpufd, KVM_SET_CPUID2, c) < 0)
		ret = -errno;
	free(c);
	return ret;
}

static int
open_vcpu(struct mdc_vm *vm)
{
	int sz;

	vm->vcpufd = ioctl(vm->vmfd, KVM_CREATE_VCPU, 0);
	if (vm->vcpufd < 0)
		return -errno;
	sz = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (int)sizeof(*vm->run))
		return sz < 0 ? -errno : MDC_ENOTSUP;
	vm->run_size = (size_t)sz;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
	               vm->vcpufd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return -errno;
	}
	return set_cpuid(vm);
}

int
mdc_vm_open(struct mdc_vm *vm, unsigned mem_mb)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->kvm = vm->vmfd = vm->vcpufd = vm->memfd = -1;
	atomic_store(&vm->first_out, UINT64_MAX);
	if (mem_mb < MDC_VM_MIN_MB || mem_mb > MDC_VM_MAX_MB)
		return MDC_EINVAL;
	vm->ram_size = (size_t)mem_mb << 20;
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0) /* absent = no kernel feature; EACCES is a failure */
		return errno == ENOENT || errno == ENODEV || errno == ENXIO
		               ? MDC_ENOTSUP
		               : -errno;
	vm->vmfd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->vmfd < 0)
		return MDC_ENOTSUP;
	ret = open_ram(vm);
	if (ret == 0)
		ret = open_vcpu(vm);
	return ret;
}

static void
build_page_tables(struct mdc_vm *vm)
{
	uint64_t *pml4 = (uint64_t *)(vm->ram + PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(vm->ram + PDPT_GPA);
	uint64_t *pd = (uint64_t *)(vm->ram + PD_GPA);
	size_t i;

	pml4[0] = PDPT_GPA | PTE_PUW;
	pdpt[0] = PD_GPA | PTE_PUW;
	/* identity map the RAM with user-accessible 2 MiB pages */
	for (i = 0; i < vm->ram_size >> 21; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_PUW | PTE_PS;
}

static void
user_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffffu;
	s->type = type;
	s->present = 1;
	s->dpl = 3;
	s->s = 1;
	s->g = 1;
	s->l = code ? 1 : 0;
	s->db = code ? 0 : 1;
}

static int
set_long_mode(struct mdc_vm *vm)
{
	struct kvm_sregs s;

	if (ioctl(vm->vcpufd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	s.cr3 = PML4_GPA;
	s.cr4 = 1u << 5;                              /* PAE */
	s.cr0 = 0x80000001u | (1u << 16) | (1u << 5); /* PG PE WP NE */
	s.efer = (1u << 8) | (1u << 10);              /* LME LMA */
	user_seg(&s.cs, 0x33, 11, 1);                 /* CPL3 64-bit code */
	user_seg(&s.ss, 0x2b, 3, 0);
	s.ds = s.es = s.fs = s.gs = s.ss;
	if (ioctl(vm->vcpufd, KVM_SET_SREGS, &s) < 0)
		return -errno;
	return 0;
}

int
mdc_vm_load_guest(struct mdc_vm *vm, uint64_t delay)
{
	struct kvm_regs r;
	int ret;

	if (delay == 0 || vm->ram_size < MDC_VM_PATTERN_GPA * 2)
		return MDC_EINVAL;
	build_page_tables(vm);
	memcpy(vm->ram + MDC_VM_CODE_GPA, guest_code, sizeof(guest_code));
	ret = set_long_mode(vm);
	if (ret != 0)
		return ret;
	memset(&r, 0, sizeof(r));
	r.rip = MDC_VM_CODE_GPA;
	r.rflags = 0x2u | (3u << 12); /* IOPL=3: OUT allowed at CPL3 */
	r.rbx = MDC_VM_COUNTER_GPA;
	r.r8 = r.r10 = MDC_VM_PATTERN_GPA;
	r.r9 = vm->ram_size;
	r.r12 = delay;
	if (ioctl(vm->vcpufd, KVM_SET_REGS, &r) < 0)
		return -errno;
	return 0;
}

static void
on_out(struct mdc_vm *vm)
{
	struct kvm_run *run = vm->run;
	uint32_t v = 0;
	uint64_t prev;

	if (run->io.size == 4 && run->io.count == 1)
		memcpy(&v, (uint8_t *)run + run->io.data_offset, 4);
	prev = atomic_load(&vm->last_out);
	if (atomic_load(&vm->first_out) == UINT64_MAX)
		atomic_store(&vm->first_out, v);
	else if ((uint32_t)(prev + 4096u) != v)
		atomic_fetch_add(&vm->bad_outs, 1);
	atomic_store(&vm->last_out, v);
	atomic_fetch_add(&vm->nouts, 1);
}

int
mdc_vm_run(struct mdc_vm *vm)
{
	struct kvm_run *run = vm->run;

	for (;;) {
		if (ioctl(vm->vcpufd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				if (atomic_load(&vm->stop))
					return 0;
				continue;
			}
			return -errno;
		}
		if (run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == MDC_VM_PORT_COUNTER) {
			on_out(vm);
			continue;
		}
		return MDC_ENOTSUP;
	}
}

static void
on_kick(int sig)
{
	(void)sig;
}

int
mdc_vm_signal_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick; /* no SA_RESTART: KVM_RUN returns EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return -errno;
	return 0;
}

void
mdc_vm_kick(struct mdc_vm *vm, pthread_t runner)
{
	atomic_store(&vm->stop, 1);
	/* if the signal lands outside KVM_RUN, the next entry exits at once */
	vm->run->immediate_exit = 1;
	(void)pthread_kill(runner, SIGUSR1);
}

int
mdc_vm_get_cpu(struct mdc_vm *vm, struct mdc_vm_cpu *cpu)
{
	if (ioctl(vm->vcpufd, KVM_GET_REGS, &cpu->regs) < 0 ||
	    ioctl(vm->vcpufd, KVM_GET_SREGS, &cpu->sregs) < 0)
		return -errno;
	return 0;
}

int
mdc_vm_set_cpu(struct mdc_vm *vm, const struct mdc_vm_cpu *cpu)
{
	if (ioctl(vm->vcpufd, KVM_SET_SREGS, &cpu->sregs) < 0 ||
	    ioctl(vm->vcpufd, KVM_SET_REGS, &cpu->regs) < 0)
		return -errno;
	return 0;
}

int
mdc_vm_dirty_log(struct mdc_vm *vm, int on)
{
	return set_slot(vm, on ? KVM_MEM_LOG_DIRTY_PAGES : 0);
}

int
mdc_vm_get_dirty(struct mdc_vm *vm, uint64_t *bitmap)
{
	struct kvm_dirty_log d;

	memset(&d, 0, sizeof(d));
	d.slot = 0;
	d.dirty_bitmap = bitmap;
	if (ioctl(vm->vmfd, KVM_GET_DIRTY_LOG, &d) < 0)
		return -errno;
	return 0;
}

int
mdc_vm_checksum(const struct mdc_vm *vm, uint8_t out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(vm->ram, vm->ram_size, out, &n, EVP_sha256(), NULL) !=
	            1 ||
	    n != 32)
		return MDC_ECRYPTO;
	return 0;
}

uint64_t
mdc_vm_counter(const struct mdc_vm *vm)
{
	uint64_t v;

	memcpy(&v, vm->ram + MDC_VM_COUNTER_GPA, sizeof(v));
	return v;
}

void
mdc_vm_close(struct mdc_vm *vm)
{
	if (vm->run != NULL)
		munmap(vm->run, vm->run_size);
	if (vm->ram != NULL)
		munmap(vm->ram, vm->ram_size);
	if (vm->vcpufd >= 0)
		close(vm->vcpufd);
	if (vm->vmfd >= 0)
		close(vm->vmfd);
	if (vm->memfd >= 0)
		close(vm->memfd);
	if (vm->kvm >= 0)
		close(vm->kvm);
	memset(vm, 0, sizeof(*vm));
	vm->kvm = vm->vmfd = vm->vcpufd = vm->memfd = -1;
}

void *
mdc_vm_runner_main(void *arg)
{
	struct mdc_vm_runner *r = arg;

	r->ret = mdc_vm_run(r->vm);
	return NULL;
}
