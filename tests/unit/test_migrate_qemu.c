/* tests/unit/test_migrate_qemu.c - Check suite for the QEMU VM runtime:
 * definitions, QEMU's argv, the QMP reader, and against a real QEMU: the
 * QMP client, the CPU model check, start/stop of a paused VM */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/util.h"
#include "migrate-auth/qmp.h"
#include "migrate-auth/vmdef.h"
#include "migrate-auth/vmrt.h"
#include "tests/unit/ck_run.h"

/* A definition that passes the checks. */
static void
good_def(struct mdc_vm_def *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "web1");
	d->memory_mib = 256;
	d->ndisks = 1;
	snprintf(d->disks[0], sizeof(d->disks[0]), "/srv/vm/web1.img");
	snprintf(d->kernel, sizeof(d->kernel), "/srv/vm/vmlinuz");
	snprintf(d->initrd, sizeof(d->initrd), "/srv/vm/initrd.gz");
	snprintf(d->append, sizeof(d->append), "console=ttyS0 quiet");
	d->nnics = 1;
	snprintf(d->nics[0].bridge, sizeof(d->nics[0].bridge), "br0");
	snprintf(d->nics[0].mac, sizeof(d->nics[0].mac), "52:54:00:12:34:56");
	snprintf(d->cpu, sizeof(d->cpu), MDC_VM_DEFAULT_CPU);
}

START_TEST(test_def_check)
{
	struct mdc_vm_def d;
	struct mdc_err err = {""};

	good_def(&d);
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), 0);
	d.memory_mib = 8;
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), MDC_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "--memory"));
	good_def(&d);
	snprintf(d.name, sizeof(d.name), "../x");
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), MDC_EINVAL);
	good_def(&d);
	snprintf(d.disks[0], sizeof(d.disks[0]), "web1.img"); /* resolved */
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), 0);
	snprintf(d.disks[0], sizeof(d.disks[0]), "-web1.img");
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), MDC_EINVAL);
	snprintf(d.disks[0], sizeof(d.disks[0]), "/srv/../etc/shadow");
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), MDC_EINVAL);
	snprintf(d.disks[0], sizeof(d.disks[0]), "/srv/a,b.img");
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), MDC_EINVAL);
	good_def(&d);
	d.kernel[0] = '\0';
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), MDC_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "--kernel"));
	d.initrd[0] = d.append[0] = '\0';
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), 0);
	d.ndisks = 0;
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), MDC_EINVAL);
	good_def(&d);
	d.compat = 1;
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), MDC_EINVAL);
	snprintf(d.cpu, sizeof(d.cpu), MDC_VM_COMPAT_CPU);
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), 0);
	snprintf(d.cpu, sizeof(d.cpu), "qemu64,+svm");
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), MDC_EINVAL);
	good_def(&d);
	snprintf(d.append, sizeof(d.append), "a\nb");
	ck_assert_int_eq(mdc_vm_def_check(&d, &err), MDC_EINVAL);
}
END_TEST

START_TEST(test_nic_parse)
{
	struct mdc_vm_nic n;

	ck_assert_int_eq(
	        mdc_vm_nic_parse("bridge=br0,mac=52:54:00:AB:cd:01", &n), 0);
	ck_assert_str_eq(n.bridge, "br0");
	ck_assert_str_eq(n.mac, "52:54:00:ab:cd:01");
	ck_assert_int_eq(mdc_vm_nic_parse("mac=52:54:00:00:00:01,bridge=b", &n),
	                 0);
	ck_assert_str_eq(n.bridge, "b");
	ck_assert_int_eq(mdc_vm_nic_parse("bridge=br0", &n), MDC_EINVAL);
	ck_assert_int_eq(mdc_vm_nic_parse("mac=52:54:00:00:00:01", &n),
	                 MDC_EINVAL);
	/* multicast, short, bad hex, duplicate, trailing, unknown, long */
	ck_assert_int_eq(mdc_vm_nic_parse("bridge=b,mac=01:00:5e:00:00:01", &n),
	                 MDC_EINVAL);
	ck_assert_int_eq(mdc_vm_nic_parse("bridge=b,mac=52:54:00:00:00", &n),
	                 MDC_EINVAL);
	ck_assert_int_eq(mdc_vm_nic_parse("bridge=b,mac=52:54:00:00:00:0g", &n),
	                 MDC_EINVAL);
	ck_assert_int_eq(mdc_vm_nic_parse("bridge=b,bridge=c,mac=52:54:00:00:"
	                                  "00:01",
	                                  &n),
	                 MDC_EINVAL);
	ck_assert_int_eq(
	        mdc_vm_nic_parse("bridge=b,mac=52:54:00:00:00:01,", &n),
	        MDC_EINVAL);
	ck_assert_int_eq(
	        mdc_vm_nic_parse("bridge=b,mac=52:54:00:00:00:01,x=1", &n),
	        MDC_EINVAL);
	ck_assert_int_eq(mdc_vm_nic_parse("bridge=0123456789abcdef,mac=52:54:"
	                                  "00:00:00:01",
	                                  &n),
	                 MDC_EINVAL);
	ck_assert_int_eq(
	        mdc_vm_nic_parse("bridge=a/b,mac=52:54:00:00:00:01", &n),
	        MDC_EINVAL);
}
END_TEST

START_TEST(test_def_json)
{
	struct mdc_vm_def d, back;
	struct mdc_err err = {""};
	char *text = NULL;
	const char *extra = "{\"name\":\"a\",\"memory_mib\":64,\"disks\":"
	                    "[\"/d.img\"],\"cpu\":\"qemu64\",\"x\":1}";
	const char *minimal = "{\"name\":\"a\",\"memory_mib\":64,\"disks\":"
	                      "[\"/d.img\"],\"cpu\":\"qemu64\"}";
	const char *strmem = "{\"name\":\"a\",\"memory_mib\":\"64\",\"disks\":"
	                     "[\"/d.img\"],\"cpu\":\"qemu64\"}";
	const char *dup = "{\"name\":\"a\",\"name\":\"b\",\"memory_mib\":64,"
	                  "\"disks\":[\"/d.img\"],\"cpu\":\"qemu64\"}";

	good_def(&d);
	ck_assert_int_eq(mdc_vm_def_to_json(&d, &text), 0);
	ck_assert_int_eq(mdc_vm_def_from_json(text, strlen(text), &back, &err),
	                 0);
	ck_assert_int_eq(memcmp(&d, &back, sizeof(d)), 0);
	free(text);
	ck_assert_int_eq(
	        mdc_vm_def_from_json(minimal, strlen(minimal), &back, &err), 0);
	ck_assert_uint_eq(back.memory_mib, 64);
	ck_assert_uint_eq(back.nnics, 0);
	ck_assert_int_ne(
	        mdc_vm_def_from_json(extra, strlen(extra), &back, &err), 0);
	ck_assert_int_ne(
	        mdc_vm_def_from_json(strmem, strlen(strmem), &back, &err), 0);
	ck_assert_int_ne(mdc_vm_def_from_json(dup, strlen(dup), &back, &err),
	                 0);
	ck_assert_int_ne(mdc_vm_def_from_json("[]", 2, &back, &err), 0);
	ck_assert_int_ne(
	        mdc_vm_def_from_json(minimal, strlen(minimal) - 1, &back, &err),
	        0);
	d.memory_mib = 1;
	ck_assert_int_eq(mdc_vm_def_to_json(&d, &text), MDC_EINVAL);
}
END_TEST

/* The index of s in argv, or -1. */
static int
arg_at(char **argv, const char *s)
{
	int i;

	for (i = 0; argv[i] != NULL; i++)
		if (strcmp(argv[i], s) == 0)
			return i;
	return -1;
}

START_TEST(test_argv)
{
	static const int fds[1] = {3};
	struct mdc_vm_argv_in in = {"/usr/bin/qemu-system-x86_64",
	                            "tcg",
	                            "/var/lib/m/run/web1",
	                            0,
	                            0,
	                            fds};
	struct mdc_vm_def d;
	char **argv = NULL, longdir[200];
	int i;

	good_def(&d);
	ck_assert_int_eq(mdc_vm_argv(&d, &in, &argv), 0);
	ck_assert_str_eq(argv[0], "/usr/bin/qemu-system-x86_64");
	ck_assert_int_gt(arg_at(argv, "-nodefaults"), 0);
	ck_assert_int_gt(arg_at(argv, "-no-user-config"), 0);
	i = arg_at(argv, "-accel");
	ck_assert_str_eq(argv[i + 1], "tcg");
	i = arg_at(argv, "-cpu");
	ck_assert_str_eq(argv[i + 1], "qemu64");
	i = arg_at(argv, "-m");
	ck_assert_str_eq(argv[i + 1], "256");
	ck_assert_int_gt(arg_at(argv, "socket,id=qmp,path=/var/lib/m/run/web1/"
	                              "qmp.sock,server=on,wait=off"),
	                 0);
	ck_assert_int_gt(arg_at(argv, "socket,id=qmps,path=/var/lib/m/run/"
	                              "web1/qmps.sock,server=on,wait=off"),
	                 0);
	ck_assert_int_gt(arg_at(argv, "driver=file,node-name=disk0-file,"
	                              "filename=/srv/vm/web1.img,"
	                              "discard=unmap"),
	                 0);
	ck_assert_int_gt(arg_at(argv, "driver=raw,node-name=disk0,"
	                              "file=disk0-file,discard=unmap"),
	                 0);
	/* direct kernel boot: no bootindex on the disk */
	ck_assert_int_gt(arg_at(argv, "virtio-blk-pci,drive=disk0,id=vd0"), 0);
	ck_assert_int_gt(arg_at(argv, "tap,id=net0,fd=3"), 0);
	ck_assert_int_gt(arg_at(argv, "virtio-net-pci,netdev=net0,"
	                              "mac=52:54:00:12:34:56,id=nic0"),
	                 0);
	i = arg_at(argv, "-append");
	ck_assert_str_eq(argv[i + 1], "console=ttyS0 quiet");
	ck_assert_int_eq(arg_at(argv, "-S"), -1);
	ck_assert_int_eq(arg_at(argv, "-incoming"), -1);
	mdc_vm_argv_free(argv);

	in.incoming = 1;
	d.kernel[0] = d.initrd[0] = d.append[0] = '\0';
	ck_assert_int_eq(mdc_vm_argv(&d, &in, &argv), 0);
	ck_assert_int_gt(arg_at(argv, "-S"), 0);
	i = arg_at(argv, "-incoming");
	ck_assert_str_eq(argv[i + 1], "defer");
	ck_assert_int_gt(arg_at(argv, "virtio-blk-pci,drive=disk0,id=vd0,"
	                              "bootindex=1"),
	                 0);
	ck_assert_int_eq(arg_at(argv, "-kernel"), -1);
	mdc_vm_argv_free(argv);

	snprintf(d.disks[0], sizeof(d.disks[0]), "web1.img"); /* unresolved */
	ck_assert_int_eq(mdc_vm_argv(&d, &in, &argv), MDC_EINVAL);
	snprintf(d.disks[0], sizeof(d.disks[0]), "/srv/vm/web1.img");
	in.accel = "hvf";
	ck_assert_int_eq(mdc_vm_argv(&d, &in, &argv), MDC_EINVAL);
	ck_assert_ptr_null(argv);
	in.accel = "kvm";
	in.tapfds = NULL;
	ck_assert_int_eq(mdc_vm_argv(&d, &in, &argv), MDC_EINVAL);
	in.tapfds = fds;
	memset(longdir, 'a', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	in.rundir = longdir;
	ck_assert_int_eq(mdc_vm_argv(&d, &in, &argv), MDC_ESPACE);
}
END_TEST

START_TEST(test_cpuinfo_accel)
{
	struct mdc_err e = {""};
	const char *name = NULL, *kname = NULL;
	enum mdc_vm_accel a;
	int kvm;

	ck_assert(mdc_vm_cpuinfo_has_virt("processor\t: 0\nflags\t\t: fpu vme "
	                                  "vmx sse2\n"));
	ck_assert(mdc_vm_cpuinfo_has_virt("flags\t\t: fpu svm\n"));
	ck_assert(!mdc_vm_cpuinfo_has_virt("flags\t\t: fpu vmxx svmm sse\n"));
	ck_assert(!mdc_vm_cpuinfo_has_virt("model name\t: vmx svm\nflags\t: "
	                                   "fpu\n"));
	ck_assert(!mdc_vm_cpuinfo_has_virt(""));
	ck_assert_int_eq(mdc_vm_accel_parse("tcg", &a), 0);
	ck_assert_int_eq(a, MDC_VM_ACCEL_TCG);
	ck_assert_int_eq(mdc_vm_accel_parse("auto", &a), 0);
	ck_assert_int_eq(a, MDC_VM_ACCEL_AUTO);
	ck_assert_int_eq(mdc_vm_accel_parse("KVM", &a), MDC_EINVAL);
	ck_assert_int_eq(mdc_vm_accel_resolve(MDC_VM_ACCEL_TCG, &name, &e), 0);
	ck_assert_str_eq(name, "tcg");
	/* whatever this host has: auto picks kvm exactly when kvm works */
	ck_assert_int_eq(mdc_vm_accel_resolve(MDC_VM_ACCEL_AUTO, &name, &e), 0);
	kvm = mdc_vm_accel_resolve(MDC_VM_ACCEL_KVM, &kname, &e);
	ck_assert_int_eq(strcmp(name, "kvm") == 0, kvm == 0);
	if (kvm != 0) {
		ck_assert_int_eq(kvm, MDC_ENOTSUP);
		ck_assert_ptr_nonnull(strstr(e.text, "KVM is not usable here"));
	}
}
END_TEST

START_TEST(test_qmp_parse)
{
	static const char greet[] = "{\"QMP\": {\"version\": {}, "
	                            "\"capabilities\": [\"oob\"]}}\r\n";
	static const char ret[] = "{\"return\": {\"status\": \"paused\"}, "
	                          "\"id\": 7}";
	static const char err[] =
	        "{\"id\": 3, \"error\": {\"class\": "
	        "\"CommandNotFound\", \"desc\": \"no\\nway\"}}";
	static const char ev[] = "{\"timestamp\": {}, \"event\": \"STOP\"}";
	static const char *bad[] = {"",
	                            "[]",
	                            "{}",
	                            "{\"event\": 1}",
	                            "{\"error\": {\"class\": \"x\"}}",
	                            "{\"event\": \"X\", \"data\": 3}",
	                            "{\"return\": 1} x",
	                            "{\"return\": 1,"
	                            " \"return\": 2}",
	                            NULL};
	struct mdc_qmp_msg m;
	int i;

	ck_assert_int_eq(mdc_qmp_parse(greet, strlen(greet), &m), 0);
	ck_assert_int_eq(m.kind, MDC_QMP_GREETING);
	mdc_qmp_msg_clear(&m);
	ck_assert_int_eq(mdc_qmp_parse(ret, strlen(ret), &m), 0);
	ck_assert_int_eq(m.kind, MDC_QMP_RETURN);
	ck_assert_int_eq(m.id, 7);
	ck_assert_str_eq(json_string_value(json_object_get(m.json, "status")),
	                 "paused");
	mdc_qmp_msg_clear(&m);
	mdc_qmp_msg_clear(&m); /* idempotent */
	ck_assert_int_eq(mdc_qmp_parse(err, strlen(err), &m), 0);
	ck_assert_int_eq(m.kind, MDC_QMP_ERROR);
	ck_assert_str_eq(m.eclass, "CommandNotFound");
	ck_assert_str_eq(m.desc, "no?way"); /* one line */
	mdc_qmp_msg_clear(&m);
	ck_assert_int_eq(mdc_qmp_parse(ev, strlen(ev), &m), 0);
	ck_assert_int_eq(m.kind, MDC_QMP_EVENT);
	ck_assert_str_eq(m.name, "STOP");
	ck_assert(json_is_object(m.json));
	mdc_qmp_msg_clear(&m);
	for (i = 0; bad[i] != NULL; i++)
		ck_assert_int_eq(mdc_qmp_parse(bad[i], strlen(bad[i]), &m),
		                 MDC_EMALF);
}
END_TEST

START_TEST(test_cpu_missing_from)
{
	const char *text = "[{\"name\": \"qemu64\", \"unavailable-features\": "
	                   "[]}, {\"name\": \"Skylake-Client\", "
	                   "\"unavailable-features\": [\"pcid\", \"hle\"]}]";
	json_t *defs = json_loads(text, 0, NULL);
	char missing[64], why[256];

	ck_assert_ptr_nonnull(defs);
	ck_assert_int_eq(mdc_vm_cpu_missing_from(defs, "qemu64", missing,
	                                         sizeof(missing)),
	                 0);
	ck_assert_str_eq(missing, "");
	ck_assert_int_eq(mdc_vm_cpu_missing_from(defs, "Skylake-Client",
	                                         missing, sizeof(missing)),
	                 0);
	ck_assert_str_eq(missing, "pcid hle");
	ck_assert_int_eq(
	        mdc_vm_cpu_missing_from(defs, "EPYC", missing, sizeof(missing)),
	        MDC_ENOENT);
	ck_assert_int_eq(
	        mdc_vm_cpu_missing_from(defs, "Skylake-Client", missing, 5),
	        MDC_ESPACE);
	json_decref(defs);
	mdc_vm_cpu_refusal("host2.example.com", "Skylake-Client", "pcid hle",
	                   why, sizeof(why));
	ck_assert_str_eq(why, "host2.example.com cannot offer CPU model "
	                      "Skylake-Client (missing: pcid hle); define "
	                      "the VM with --compat (kvm64) to move it");
	mdc_vm_cpu_refusal("h", "EPYC", NULL, why, sizeof(why));
	ck_assert_str_eq(why, "h has no CPU model EPYC; define the VM with "
	                      "--compat (kvm64) to move it");
}
END_TEST

/* Fake QEMU: read one command line (and an fd if one came with it). */
static int
fake_read_cmd(int fd, char *buf, size_t cap, int *fd_out)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct msghdr mh;
	struct iovec iov;
	size_t len = 0;
	ssize_t n;

	*fd_out = -1;
	while (len + 1 < cap) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf + len;
		iov.iov_len = 1;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		if ((n = recvmsg(fd, &mh, 0)) <= 0)
			return -1;
		if (mh.msg_controllen > 0 && CMSG_FIRSTHDR(&mh) != NULL &&
		    CMSG_FIRSTHDR(&mh)->cmsg_type == SCM_RIGHTS)
			memcpy(fd_out, CMSG_DATA(CMSG_FIRSTHDR(&mh)),
			       sizeof(int));
		if (buf[len++] == '\n')
			break;
	}
	buf[len] = '\0';
	return 0;
}

static void
fake_say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		_exit(3);
}

/* A scripted QEMU on fd (in a child process). */
static void
fake_qemu(int fd)
{
	static char big[MDC_QMP_MAX_LINE + 16];
	char line[4096], ev[128];
	int got, i;

	fake_say(fd, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
	if (fake_read_cmd(fd, line, sizeof(line), &got) != 0 ||
	    strstr(line, "qmp_capabilities") == NULL)
		_exit(1);
	fake_say(fd, "{\"return\": {}, \"id\": 1}\r\n");
	/* id 2: a stale reply and 300 events before the answer */
	if (fake_read_cmd(fd, line, sizeof(line), &got) != 0)
		_exit(1);
	fake_say(fd, "{\"return\": 5, \"id\": 99}\r\n");
	for (i = 0; i < 300; i++) {
		snprintf(ev, sizeof(ev),
		         "{\"event\": \"E%d\", \"data\": {\"n\": \"%d\"}}\r\n",
		         i, i);
		fake_say(fd, ev);
	}
	fake_say(fd, "{\"return\": 7, \"id\": 2}\r\n");
	/* id 3: getfd must bring an fd */
	if (fake_read_cmd(fd, line, sizeof(line), &got) != 0)
		_exit(1);
	fake_say(fd, got >= 0 ? "{\"return\": {}, \"id\": 3}\r\n"
	                      : "{\"error\": {\"class\": \"GenericError\", "
	                        "\"desc\": \"no fd\"}, \"id\": 3}\r\n");
	/* id 4: no answer in time, then a late one; id 5: a line too long */
	if (fake_read_cmd(fd, line, sizeof(line), &got) != 0)
		_exit(1);
	if (fake_read_cmd(fd, line, sizeof(line), &got) != 0)
		_exit(1);
	fake_say(fd, "{\"return\": 8, \"id\": 4}\r\n");
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = '{';
	/* the client gives up after MDC_QMP_MAX_LINE bytes: the rest may
	 * find the socket closed */
	(void)signal(SIGPIPE, SIG_IGN);
	if (write(fd, big, strlen(big)) < MDC_QMP_MAX_LINE)
		_exit(4);
	_exit(0);
}

START_TEST(test_qmp_fake)
{
	struct mdc_err e = {""};
	struct mdc_qmp *q = NULL;
	json_t *r = NULL, *d = NULL;
	char name[32], want[32];
	int sv[2], p[2], st, i;
	pid_t pid;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		fake_qemu(sv[1]);
	}
	close(sv[1]);
	ck_assert_int_eq(mdc_qmp_attach(sv[0], 5000, &q, &e), 0);
	ck_assert_int_eq(mdc_qmp_exec(q, "two", NULL, &r, &e), 0);
	ck_assert_int_eq(json_integer_value(r), 7); /* not the stale 5 */
	json_decref(r);
	ck_assert_uint_eq(mdc_qmp_dropped(q), 300 - MDC_QMP_MAX_EVENTS);
	/* the oldest kept is E44; E299 can be waited for by its data */
	ck_assert_int_eq(mdc_qmp_wait_event(q, "E299", "n", "299", 0, &d, &e),
	                 0);
	json_decref(d);
	ck_assert_int_eq(mdc_qmp_wait_event(q, "E100", NULL, NULL, 0, NULL, &e),
	                 0);
	ck_assert_int_eq(mdc_qmp_wait_event(q, "E298", NULL, NULL, 0, NULL, &e),
	                 0);
	ck_assert_int_eq(mdc_qmp_wait_event(q, "E100", NULL, NULL, 0, NULL, &e),
	                 MDC_ETIMEDOUT);
	ck_assert_int_eq(mdc_qmp_next_event(q, name, sizeof(name), NULL), 0);
	ck_assert_str_eq(name, "E44");
	for (i = 45; i < 298; i++) { /* in order, without the ones taken */
		ck_assert_int_eq(mdc_qmp_next_event(q, name, sizeof(name), &d),
		                 0);
		json_decref(d);
		if (i == 100)
			i++;
		snprintf(want, sizeof(want), "E%d", i);
		ck_assert_str_eq(name, want);
	}
	ck_assert_int_eq(mdc_qmp_next_event(q, name, sizeof(name), NULL),
	                 MDC_ENOENT);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(mdc_qmp_getfd(q, p[0], "f", &e), 0);
	close(p[0]);
	close(p[1]);
	mdc_qmp_set_timeout(q, 300);
	ck_assert_int_eq(mdc_qmp_exec(q, "four", NULL, NULL, &e),
	                 MDC_ETIMEDOUT);
	mdc_qmp_set_timeout(q, 10000);
	ck_assert_int_eq(mdc_qmp_exec(q, "five", NULL, NULL, &e), MDC_EMALF);
	ck_assert_ptr_nonnull(strstr(e.text, "longer than"));
	mdc_qmp_close(q);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

/* A throw-away state and storage directory with a 1 MiB raw disk. */
struct tenv {
	char top[64], state[96], storage[96];
	struct mdc_vm_env env;
};

static void
tenv_init(struct tenv *t)
{
	char disk[160];
	int fd;

	snprintf(t->top, sizeof(t->top), "/tmp/mdcvm.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->top));
	snprintf(t->state, sizeof(t->state), "%s/state", t->top);
	snprintf(t->storage, sizeof(t->storage), "%s/storage", t->top);
	ck_assert_int_eq(mdc_mkdir_p(t->state, 0700), 0);
	ck_assert_int_eq(mdc_mkdir_p(t->storage, 0700), 0);
	snprintf(disk, sizeof(disk), "%s/d0.img", t->storage);
	fd = open(disk, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1024 * 1024), 0);
	close(fd);
	memset(&t->env, 0, sizeof(t->env));
	t->env.state = t->state;
	t->env.storage = t->storage;
	t->env.accel = MDC_VM_ACCEL_TCG;
}

START_TEST(test_resolve_path)
{
	struct mdc_err e = {""};
	struct tenv t;
	char out[MDC_VM_MAX_PATH + 1], want[160];

	tenv_init(&t);
	snprintf(want, sizeof(want), "%s/d0.img", t.storage);
	ck_assert_int_eq(
	        mdc_vm_resolve_path(&t.env, "d0.img", out, sizeof(out), &e), 0);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(
	        mdc_vm_resolve_path(&t.env, want, out, sizeof(out), &e), 0);
	ck_assert_int_eq(mdc_vm_resolve_path(&t.env, "/etc/passwd", out,
	                                     sizeof(out), &e),
	                 MDC_EDENIED);
	ck_assert_int_eq(
	        mdc_vm_resolve_path(&t.env, "../state", out, sizeof(out), &e),
	        MDC_EDENIED);
	ck_assert_int_eq(
	        mdc_vm_resolve_path(&t.env, "nope.img", out, sizeof(out), &e),
	        MDC_ENOENT);
	t.env.storage = NULL;
	ck_assert_int_eq(
	        mdc_vm_resolve_path(&t.env, "d0.img", out, sizeof(out), &e),
	        MDC_EINVAL);
	ck_assert_int_eq(mdc_rm_rf(t.top), 0);
}
END_TEST

START_TEST(test_cpu_probe)
{
	struct mdc_err e = {""};
	struct tenv t;
	char missing[512];

	tenv_init(&t);
	ck_assert_int_eq(mdc_vm_cpu_probe(&t.env, MDC_VM_COMPAT_CPU, missing,
	                                  sizeof(missing), &e),
	                 0);
	ck_assert_str_eq(missing, "");
	/* TCG cannot offer every feature of a recent Intel model */
	ck_assert_int_eq(mdc_vm_cpu_probe(&t.env, "Skylake-Client", missing,
	                                  sizeof(missing), &e),
	                 0);
	ck_assert_ptr_nonnull(strstr(missing, "pcid"));
	ck_assert_int_eq(mdc_vm_cpu_probe(&t.env, "no-such-cpu", missing,
	                                  sizeof(missing), &e),
	                 MDC_ENOENT);
	ck_assert_ptr_nonnull(strstr(e.text, "no-such-cpu"));
	ck_assert_int_eq(mdc_rm_rf(t.top), 0);
}
END_TEST

/* Define t's VM "t1" on d0.img. */
static void
define_t1(struct tenv *t)
{
	struct mdc_err e = {""};
	struct mdc_vm_def d;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "t1");
	d.memory_mib = 32;
	d.ndisks = 1;
	snprintf(d.disks[0], sizeof(d.disks[0]), "d0.img");
	snprintf(d.cpu, sizeof(d.cpu), MDC_VM_COMPAT_CPU);
	d.compat = 1;
	ck_assert_int_eq(mdc_vm_resolve_def(&t->env, &d, &e), 0);
	ck_assert_int_eq(mdc_vm_def_save(t->state, &d, 0, &e), 0);
	ck_assert_int_eq(mdc_vm_def_save(t->state, &d, 0, &e), MDC_EEXIST);
}

/* The QMP client on a real QEMU: errors, events, getfd. */
static void
qmp_session(struct tenv *t)
{
	struct mdc_err e = {""};
	struct mdc_qmp *q = NULL;
	json_t *r = NULL;
	int p[2];

	ck_assert_int_eq(mdc_vm_qmp_open(&t->env, "t1", 10000, &q, &e), 0);
	ck_assert_int_eq(mdc_qmp_exec(q, "no-such-command", NULL, NULL, &e),
	                 MDC_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.text, "no-such-command: "
	                                     "CommandNotFound: "));
	ck_assert_int_eq(mdc_qmp_execf(q, "cont", NULL, &e, NULL), 0);
	ck_assert_int_eq(
	        mdc_qmp_wait_event(q, "RESUME", NULL, NULL, 20000, NULL, &e),
	        0);
	ck_assert_int_eq(mdc_qmp_execf(q, "stop", NULL, &e, NULL), 0);
	ck_assert_int_eq(
	        mdc_qmp_wait_event(q, "STOP", NULL, NULL, 20000, NULL, &e), 0);
	ck_assert_int_eq(
	        mdc_qmp_wait_event(q, "STOP", NULL, NULL, 200, NULL, &e),
	        MDC_ETIMEDOUT);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(mdc_qmp_getfd(q, p[1], "tfd", &e), 0);
	ck_assert_int_eq(
	        mdc_qmp_execf(q, "closefd", NULL, &e, "{s:s}", "fdname", "tfd"),
	        0);
	ck_assert_int_eq(
	        mdc_qmp_execf(q, "closefd", NULL, &e, "{s:s}", "fdname", "tfd"),
	        MDC_EINVAL);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(mdc_qmp_execf(q, "query-status", &r, &e, NULL), 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "status")),
	                 "paused");
	json_decref(r);
	mdc_qmp_close(q);
}

START_TEST(test_vm_lifecycle)
{
	struct mdc_vm_start_opts o = {1, 0};
	struct mdc_err e = {""};
	struct mdc_vm_status st;
	char run[200];
	struct tenv t;

	tenv_init(&t);
	define_t1(&t);
	ck_assert_int_eq(mdc_vm_status_get(&t.env, "t1", &st, &e), 0);
	ck_assert_int_eq(st.state, MDC_VM_STOPPED);
	ck_assert_int_eq(mdc_vm_start(&t.env, "t1", &o, &st, &e), 0);
	ck_assert_int_eq(st.state, MDC_VM_RUNNING);
	ck_assert_str_eq(st.accel, "tcg");
	ck_assert_int_gt(st.pid, 1);
	ck_assert_int_eq(mdc_vm_start(&t.env, "t1", &o, NULL, &e), MDC_EEXIST);
	ck_assert_int_eq(mdc_vm_status_get(&t.env, "t1", &st, &e), 0);
	ck_assert_int_eq(st.state, MDC_VM_RUNNING);
	ck_assert_str_eq(st.status, "prelaunch");
	qmp_session(&t);
	ck_assert_int_eq(mdc_vm_set_migrating(&t.env, "t1", 1), 0);
	ck_assert_int_eq(mdc_vm_status_get(&t.env, "t1", &st, &e), 0);
	ck_assert_int_eq(st.state, MDC_VM_MIGRATING);
	ck_assert_int_eq(mdc_vm_stop(&t.env, "t1", 10000, 0, &e), MDC_EDENIED);
	ck_assert_int_eq(mdc_vm_set_migrating(&t.env, "t1", 0), 0);
	ck_assert_int_eq(mdc_vm_stop(&t.env, "t1", 10000, 0, &e), 0);
	ck_assert_int_eq(
	        kill(st.pid, 0) == 0 && waitpid(st.pid, NULL, WNOHANG) == 0, 0);
	ck_assert_int_eq(mdc_vm_status_get(&t.env, "t1", &st, &e), 0);
	ck_assert_int_eq(st.state, MDC_VM_STOPPED);
	ck_assert_str_eq(st.last_exit, "stopped by request");
	ck_assert_int_eq(mdc_vm_rundir(&t.env, "t1", run, sizeof(run)), 0);
	ck_assert(!mdc_path_exists(run));
	ck_assert_int_eq(mdc_vm_stop(&t.env, "t1", 1000, 0, &e), MDC_ENOENT);
	ck_assert_int_eq(mdc_rm_rf(t.top), 0);
}
END_TEST

/* Output of a shell command (trimmed), the caller frees. */
static char *
sh_out(const char *cmd)
{
	char *buf = calloc(1, 4096);
	FILE *p = popen(cmd, "r");
	size_t n;

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(p);
	n = fread(buf, 1, 4095, p);
	buf[n] = '\0';
	(void)pclose(p);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return buf;
}

/* A NIC on a bridge, in a network namespace of this test's own: the tap
 * is created, bridged and handed to QEMU, and goes away with it. */
START_TEST(test_vm_nic)
{
	struct mdc_vm_start_opts o = {1, 0};
	struct mdc_err e = {""};
	struct mdc_vm_def d;
	struct mdc_qmp *q = NULL;
	json_t *r = NULL;
	struct tenv t;
	char *links;

	ck_assert_int_eq(unshare(CLONE_NEWNET), 0); /* this test's process */
	ck_assert_int_eq(system("ip link add mdcbr0 type bridge && "
	                        "ip link set mdcbr0 up"),
	                 0);
	tenv_init(&t);
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "n1");
	d.memory_mib = 32;
	d.ndisks = 1;
	snprintf(d.disks[0], sizeof(d.disks[0]), "d0.img");
	snprintf(d.cpu, sizeof(d.cpu), MDC_VM_DEFAULT_CPU);
	d.nnics = 1;
	ck_assert_int_eq(mdc_vm_nic_parse("bridge=mdcbr0,mac=52:54:00:12:34:56",
	                                  &d.nics[0]),
	                 0);
	ck_assert_int_eq(mdc_vm_resolve_def(&t.env, &d, &e), 0);
	ck_assert_int_eq(mdc_vm_def_save(t.state, &d, 0, &e), 0);
	ck_assert_msg(mdc_vm_start(&t.env, "n1", &o, NULL, &e) == 0, "%s",
	              e.text);
	links = sh_out("ip -o link show master mdcbr0");
	ck_assert_ptr_nonnull(strstr(links, "mdct0"));
	free(links);
	ck_assert_int_eq(mdc_vm_qmp_open(&t.env, "n1", 10000, &q, &e), 0);
	ck_assert_int_eq(mdc_qmp_execf(q, "query-rx-filter", &r, &e, "{s:s}",
	                               "name", "nic0"),
	                 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(r, 0),
	                                                   "main-mac")),
	                 "52:54:00:12:34:56");
	json_decref(r);
	mdc_qmp_close(q);
	ck_assert_int_eq(mdc_vm_stop(&t.env, "n1", 10000, 0, &e), 0);
	links = sh_out("ip -o link show master mdcbr0");
	ck_assert_str_eq(links, "");
	free(links);
	/* a bridge that does not exist: a one-line error, nothing left */
	d.nics[0].bridge[0] = 'x';
	ck_assert_int_eq(mdc_vm_def_save(t.state, &d, 1, &e), 0);
	ck_assert_int_ne(mdc_vm_start(&t.env, "n1", &o, NULL, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.text, "xdcbr0"));
	ck_assert_int_eq(mdc_rm_rf(t.top), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("migrate_qemu");
	TCase *pure = tcase_create("pure"), *qemu = tcase_create("qemu");

	tcase_add_test(pure, test_def_check);
	tcase_add_test(pure, test_nic_parse);
	tcase_add_test(pure, test_def_json);
	tcase_add_test(pure, test_argv);
	tcase_add_test(pure, test_cpuinfo_accel);
	tcase_add_test(pure, test_qmp_parse);
	tcase_add_test(pure, test_cpu_missing_from);
	tcase_add_test(pure, test_qmp_fake);
	tcase_add_test(pure, test_resolve_path);
	tcase_set_timeout(qemu, 120);
	tcase_add_test(qemu, test_cpu_probe);
	tcase_add_test(qemu, test_vm_lifecycle);
	tcase_add_test(qemu, test_vm_nic);
	suite_add_tcase(s, pure);
	suite_add_tcase(s, qemu);
	return s;
}

int
main(void)
{
	return mdc_ck_run(suite());
}
