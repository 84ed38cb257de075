/* migrate-auth/vmcli.c - `minidc-migrate vm-run|vm-migrate-local` */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/proc.h"
#include "migrate-auth/vmcli.h"
#include "migrate-auth/vmmig.h"

#define EXIT_NOKVM 3

static const char usage[] =
        "usage: minidc-migrate vm-run [--mem MB] [--delay N] [--ms N]\n"
        "       minidc-migrate vm-migrate-local [--mem MB] [--delay N] "
        "[--bw MBps]\n"
        "           [--downtime-ms N] [--max-rounds N] [--warmup-ms N] "
        "[--dst-run-ms N]\n";

static int
num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
		return MDC_EINVAL;
	*out = v;
	return 0;
}

/* Parse --name N pairs into o (and *ms for vm-run). */
static int
parse_opts(int argc, char **argv, struct mdc_vmmig_opts *o, uint64_t *ms)
{
	uint64_t v;
	int i;

	for (i = 2; i < argc; i += 2) {
		const char *k = argv[i];

		if (i + 1 >= argc || num(argv[i + 1], UINT32_MAX, &v) != 0)
			return MDC_EINVAL;
		if (strcmp(k, "--mem") == 0)
			o->mem_mb = (unsigned)v;
		else if (strcmp(k, "--delay") == 0 && v > 0)
			o->delay = v;
		else if (strcmp(k, "--bw") == 0)
			o->bw_mbps = v;
		else if (strcmp(k, "--downtime-ms") == 0)
			o->downtime_ms = v;
		else if (strcmp(k, "--max-rounds") == 0 && v > 0)
			o->max_rounds = (unsigned)v;
		else if (strcmp(k, "--warmup-ms") == 0)
			o->warmup_ms = (unsigned)v;
		else if (strcmp(k, "--dst-run-ms") == 0)
			o->dst_run_ms = (unsigned)v;
		else if (strcmp(k, "--skip-final-sync") == 0)
			o->skip_final_sync = v != 0; /* negative control */
		else if (strcmp(k, "--ms") == 0 && ms != NULL)
			*ms = v;
		else
			return MDC_EINVAL;
	}
	return 0;
}

static int
fail(int ret, const char *what)
{
	if (ret == MDC_ENOTSUP) {
		fprintf(stderr,
		        "minidc-migrate: %s: KVM unavailable "
		        "(/dev/kvm absent or KVM_CREATE_VM failed)\n",
		        what);
		return EXIT_NOKVM;
	}
	fprintf(stderr, "minidc-migrate: %s: %s\n", what, mdc_strerror(ret));
	return 1;
}

/* Open a VM, load the guest and start its vCPU thread. */
static int
start_guest(struct mdc_vm *vm, const struct mdc_vmmig_opts *o,
            struct mdc_vm_runner *r, pthread_t *t)
{
	int ret = mdc_vm_open(vm, o->mem_mb);

	if (ret == 0)
		ret = mdc_vm_load_guest(vm, o->delay);
	r->vm = vm;
	r->ret = 0;
	if (ret == 0 && pthread_create(t, NULL, mdc_vm_runner_main, r) != 0)
		ret = MDC_ENOMEM;
	return ret;
}

static int
cmd_run(const struct mdc_vmmig_opts *o, uint64_t ms)
{
	struct mdc_vm vm;
	struct mdc_vm_runner r;
	pthread_t t;
	int ret = start_guest(&vm, o, &r, &t);

	if (ret != 0) {
		mdc_vm_close(&vm);
		return fail(ret, "vm-run");
	}
	mdc_sleep_ms((int)ms);
	while (atomic_load(&vm.nouts) == 0 && ms < 20000) {
		mdc_sleep_ms(10); /* a starved host: wait for one report */
		ms += 10;
	}
	mdc_vm_kick(&vm, t);
	(void)pthread_join(t, NULL);
	printf("vm-run: counter=%" PRIu64 " outs=%" PRIuFAST64
	       " bad_outs=%" PRIuFAST64 " exit=%d\n",
	       mdc_vm_counter(&vm), atomic_load(&vm.nouts),
	       atomic_load(&vm.bad_outs), r.ret);
	ret = r.ret == 0 && atomic_load(&vm.nouts) > 0 &&
	                      atomic_load(&vm.bad_outs) == 0
	              ? 0
	              : 1;
	mdc_vm_close(&vm);
	return ret;
}

/* The destination process: pre-create the VM, receive, run, report. */
static int
child_dest(int fd, const struct mdc_vmmig_opts *o)
{
	struct mdc_vm vm;
	int ret = mdc_vm_open(&vm, o->mem_mb);

	if (ret == 0)
		ret = mdc_vmmig_dest(&vm, fd, o);
	mdc_vm_close(&vm);
	close(fd);
	return ret == 0 ? 0 : fail(ret, "vm-migrate-local destination");
}

static void
hex(const uint8_t *p, char *out)
{
	int i;

	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* Print the measurements and the three checks; 0 when all hold. */
static int
report(const struct mdc_vmmig_stats *s)
{
	char a[65], b[65];
	int sum_ok = memcmp(s->src_sha, s->dst.sha, 32) == 0;
	int ctr_ok = s->dst.counter == s->src_counter;
	int cont_ok = s->src_nouts > 0 && s->dst.nouts > 0 &&
	              s->dst.first_out == (uint32_t)(s->src_last_out + 4096u) &&
	              s->src_bad_outs == 0 && s->dst.bad_outs == 0;

	hex(s->src_sha, a);
	hex(s->dst.sha, b);
	printf("vm-migrate: rounds=%u converged=%d pages_sent=%" PRIu64
	       " final_pages=%" PRIu64 " total_ms=%lld downtime_ms=%.3f\n",
	       s->rounds, s->converged, s->pages_sent, s->final_pages,
	       s->total_ms, s->downtime_ms);
	printf("vm-migrate: src_counter=%" PRIu64 " dst_counter=%" PRIu64
	       " src_last_out=%" PRIu64 " dst_first_out=%" PRIu64
	       " src_outs=%" PRIu64 " dst_outs=%" PRIu64 " bad_outs=%" PRIu64
	       "\n",
	       s->src_counter, s->dst.counter, s->src_last_out,
	       s->dst.first_out, s->src_nouts, s->dst.nouts,
	       s->src_bad_outs + s->dst.bad_outs);
	printf("vm-migrate: src_sha256=%s\nvm-migrate: dst_sha256=%s\n", a, b);
	printf("vm-migrate: checksum_match=%d counter_match=%d "
	       "counter_continued=%d\n",
	       sum_ok, ctr_ok, cont_ok);
	printf("vm-migrate: %s\n",
	       sum_ok && ctr_ok && cont_ok ? "PASS" : "FAIL");
	return sum_ok && ctr_ok && cont_ok ? 0 : 1;
}

static int
parent_source(int fd, const struct mdc_vmmig_opts *o)
{
	struct mdc_vmmig_stats st;
	struct mdc_vm vm;
	struct mdc_vm_runner r;
	pthread_t t;
	int ret = start_guest(&vm, o, &r, &t);

	if (ret == 0) {
		unsigned waited = 0;

		mdc_sleep_ms((int)o->warmup_ms);
		/* a starved host: the continuity check needs one report */
		while (atomic_load(&vm.nouts) == 0 && waited < 20000) {
			mdc_sleep_ms(10);
			waited += 10;
		}
		ret = mdc_vmmig_source(&vm, t, fd, o, &st);
		if (ret == 0 && r.ret != 0)
			ret = r.ret;
	}
	mdc_vm_close(&vm);
	if (ret != 0)
		return fail(ret, "vm-migrate-local source");
	return report(&st);
}

static int
cmd_migrate_local(const struct mdc_vmmig_opts *o)
{
	int sv[2], st = 0, ret;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return fail(-errno, "socketpair");
	pid = fork();
	if (pid < 0)
		return fail(-errno, "fork");
	if (pid == 0) {
		close(sv[0]);
		_exit(child_dest(sv[1], o));
	}
	close(sv[1]);
	ret = parent_source(sv[0], o);
	close(sv[0]);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return ret ? ret : 1;
	if (WEXITSTATUS(st) != 0 && ret == 0)
		ret = WEXITSTATUS(st);
	return ret;
}

int
mdc_vm_cli_main(int argc, char **argv)
{
	struct mdc_vmmig_opts o = {64, 200, 0, 300, 12, 200, 300, 0};
	uint64_t ms = 500;

	if (parse_opts(argc, argv, &o, &ms) != 0 || o.mem_mb < MDC_VM_MIN_MB ||
	    o.mem_mb > MDC_VM_MAX_MB) {
		fputs(usage, stderr);
		return 2;
	}
	if (mdc_vm_signal_init() != 0)
		return fail(-errno, "sigaction");
	if (strcmp(argv[1], "vm-run") == 0)
		return cmd_run(&o, ms);
	if (strcmp(argv[1], "vm-migrate-local") == 0)
		return cmd_migrate_local(&o);
	fputs(usage, stderr);
	return 2;
}
