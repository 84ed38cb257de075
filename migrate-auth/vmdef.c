/* migrate-auth/vmdef.c - VM definitions (JSON) and QEMU's command line */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/util.h"
#include "migrate-auth/sess.h"
#include "migrate-auth/vmdef.h"

static int
alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* 1..max of letters, digits and punct, not starting with '.' or '-'. */
static int
word_ok(const char *s, size_t max, const char *punct)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!alnum(s[i]) && strchr(punct, s[i]) == NULL)
			return 0;
	return 1;
}

int
mdc_vm_path_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > MDC_VM_MAX_PATH || s[0] == '-' ||
	    strstr(s, "..") != NULL || strstr(s, "/./") != NULL ||
	    strncmp(s, "./", 2) == 0 || s[n - 1] == '/')
		return 0;
	/* no ',' (QEMU's option separator), no blanks, no quoting */
	for (i = 0; i < n; i++)
		if (!alnum(s[i]) && strchr("._/+@-", s[i]) == NULL)
			return 0;
	return 1;
}

int
mdc_vm_cpu_ok(const char *s)
{
	return word_ok(s, MDC_VM_MAX_CPU, "._-");
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "xx:xx:xx:xx:xx:xx", unicast; out gets it in lower case. */
static int
mac_parse(const char *s, size_t n, char out[18])
{
	int i, hi, lo;

	if (n != 17)
		return MDC_EINVAL;
	for (i = 0; i < 6; i++) {
		hi = hexval(s[i * 3]);
		lo = hexval(s[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return MDC_EINVAL;
		if (i == 0 && (lo & 1))
			return MDC_EINVAL; /* multicast */
		snprintf(out + i * 3, 4, "%x%x%s", hi, lo, i < 5 ? ":" : "");
	}
	return 0;
}

static int
bridge_ok(const char *s)
{
	return word_ok(s, MDC_VM_MAX_BRIDGE, "._-");
}

int
mdc_vm_nic_parse(const char *s, struct mdc_vm_nic *out)
{
	struct mdc_vm_nic nic;
	const char *p = s, *end;
	size_t n;

	memset(&nic, 0, sizeof(nic));
	while (*p != '\0') {
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n > 7 && strncmp(p, "bridge=", 7) == 0 && !nic.bridge[0] &&
		    n - 7 <= MDC_VM_MAX_BRIDGE) {
			memcpy(nic.bridge, p + 7, n - 7);
			nic.bridge[n - 7] = '\0';
			if (!bridge_ok(nic.bridge))
				return MDC_EINVAL;
		} else if (n > 4 && strncmp(p, "mac=", 4) == 0 && !nic.mac[0]) {
			if (mac_parse(p + 4, n - 4, nic.mac) != 0)
				return MDC_EINVAL;
		} else {
			return MDC_EINVAL;
		}
		p += n;
		if (*p == ',' && *++p == '\0')
			return MDC_EINVAL;
	}
	if (!nic.bridge[0] || !nic.mac[0])
		return MDC_EINVAL;
	*out = nic;
	return 0;
}

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s >= 0x7f)
			return 0;
	return 1;
}

static int
check_boot(const struct mdc_vm_def *d, struct mdc_err *e)
{
	size_t i;

	if (d->ndisks > MDC_VM_MAX_DISKS)
		return mdc_err_set(e, MDC_EINVAL, "at most %d disks",
		                   MDC_VM_MAX_DISKS);
	for (i = 0; i < d->ndisks; i++)
		if (!mdc_vm_path_ok(d->disks[i]))
			return mdc_err_set(e, MDC_EINVAL,
			                   "disk %.64s: not a usable path "
			                   "([A-Za-z0-9._/+@-], no ..)",
			                   d->disks[i]);
	if (d->ndisks == 0 && !d->kernel[0])
		return mdc_err_set(e, MDC_EINVAL,
		                   "a VM needs a --disk or a --kernel");
	if (d->kernel[0] && !mdc_vm_path_ok(d->kernel))
		return mdc_err_set(e, MDC_EINVAL, "kernel: not a usable path");
	if (d->initrd[0] && !mdc_vm_path_ok(d->initrd))
		return mdc_err_set(e, MDC_EINVAL, "initrd: not a usable path");
	if (!d->kernel[0] && (d->initrd[0] || d->append[0]))
		return mdc_err_set(e, MDC_EINVAL,
		                   "--initrd and --append need --kernel");
	if (strlen(d->append) > MDC_VM_MAX_APPEND || !printable(d->append))
		return mdc_err_set(e, MDC_EINVAL,
		                   "--append: printable ASCII, at most "
		                   "%d bytes",
		                   MDC_VM_MAX_APPEND);
	return 0;
}

int
mdc_vm_def_check(const struct mdc_vm_def *d, struct mdc_err *e)
{
	size_t i;
	int ret;

	if (!mdc_mig_vm_ok(d->name))
		return mdc_err_set(e, MDC_EINVAL,
		                   "a VM name is 1..%d of [A-Za-z0-9._-]",
		                   MDC_MIG_MAX_VM);
	if (d->memory_mib < MDC_VM_MIN_MIB || d->memory_mib > MDC_VM_MAX_MIB)
		return mdc_err_set(e, MDC_EINVAL, "--memory is %d..%d MiB",
		                   MDC_VM_MIN_MIB, MDC_VM_MAX_MIB);
	if ((ret = check_boot(d, e)) != 0)
		return ret;
	if (d->nnics > MDC_VM_MAX_NICS)
		return mdc_err_set(e, MDC_EINVAL, "at most %d NICs",
		                   MDC_VM_MAX_NICS);
	for (i = 0; i < d->nnics; i++) {
		struct mdc_vm_nic n;
		char spec[64];

		snprintf(spec, sizeof(spec), "bridge=%s,mac=%s",
		         d->nics[i].bridge, d->nics[i].mac);
		if (mdc_vm_nic_parse(spec, &n) != 0 ||
		    strcmp(n.mac, d->nics[i].mac) != 0)
			return mdc_err_set(e, MDC_EINVAL,
			                   "NIC %zu: bridge=BR,mac=MAC "
			                   "(a unicast MAC)",
			                   i);
	}
	if (!mdc_vm_cpu_ok(d->cpu))
		return mdc_err_set(e, MDC_EINVAL, "not a CPU model name: %.64s",
		                   d->cpu);
	if (d->compat && strcmp(d->cpu, MDC_VM_COMPAT_CPU) != 0)
		return mdc_err_set(e, MDC_EINVAL,
		                   "--compat and --cpu-model exclude each "
		                   "other");
	return 0;
}

/* The JSON object of d (d checked by the caller). */
static json_t *
def_json(const struct mdc_vm_def *d)
{
	json_t *o, *disks = json_array(), *nics = json_array();
	size_t i;

	for (i = 0; disks != NULL && i < d->ndisks; i++)
		(void)json_array_append_new(disks, json_string(d->disks[i]));
	for (i = 0; nics != NULL && i < d->nnics; i++)
		(void)json_array_append_new(nics,
		                            json_pack("{s:s,s:s}", "bridge",
		                                      d->nics[i].bridge, "mac",
		                                      d->nics[i].mac));
	o = json_pack("{s:s,s:i,s:o*,s:s,s:s,s:s,s:o*,s:s,s:b}", "name",
	              d->name, "memory_mib", (int)d->memory_mib, "disks", disks,
	              "kernel", d->kernel, "initrd", d->initrd, "append",
	              d->append, "nics", nics, "cpu", d->cpu, "compat",
	              d->compat);
	return o;
}

int
mdc_vm_def_to_json(const struct mdc_vm_def *d, char **text_out)
{
	json_t *o;
	char *text;

	*text_out = NULL;
	if (mdc_vm_def_check(d, NULL) != 0)
		return MDC_EINVAL;
	if ((o = def_json(d)) == NULL)
		return MDC_ENOMEM;
	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII |
	                             JSON_PRESERVE_ORDER);
	json_decref(o);
	if (text == NULL)
		return MDC_ENOMEM;
	if (strlen(text) > MDC_VM_MAX_DEF) {
		free(text);
		return MDC_EINVAL;
	}
	*text_out = text;
	return 0;
}

/* Copy a JSON string into out (max bytes + NUL); MDC_EMALF if longer. */
static int
get_string(const json_t *v, char *out, size_t max)
{
	const char *s;

	if (!json_is_string(v))
		return MDC_EMALF;
	s = json_string_value(v);
	if (strlen(s) > max || strlen(s) != json_string_length(v))
		return MDC_EMALF;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int
get_lists(const json_t *disks, const json_t *nics, struct mdc_vm_def *d)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(disks) ||
	    json_array_size(disks) > MDC_VM_MAX_DISKS ||
	    (nics != NULL &&
	     (!json_is_array(nics) || json_array_size(nics) > MDC_VM_MAX_NICS)))
		return MDC_EMALF;
	json_array_foreach(disks, i, v)
	{
		if (get_string(v, d->disks[i], MDC_VM_MAX_PATH) != 0)
			return MDC_EMALF;
		d->ndisks = i + 1;
	}
	if (nics == NULL)
		return 0;
	json_array_foreach(nics, i, v)
	{
		const char *br = NULL, *mac = NULL;

		if (json_unpack((json_t *)v, "{s:s,s:s!}", "bridge", &br, "mac",
		                &mac) != 0 ||
		    strlen(br) > MDC_VM_MAX_BRIDGE || strlen(mac) > 17)
			return MDC_EMALF;
		memcpy(d->nics[i].bridge, br, strlen(br) + 1);
		memcpy(d->nics[i].mac, mac, strlen(mac) + 1);
		d->nnics = i + 1;
	}
	return 0;
}

/* The members of the object into d (types and lengths only). */
static int
get_members(json_t *root, struct mdc_vm_def *d)
{
	json_t *name, *disks, *nics = NULL, *kernel = NULL, *initrd = NULL;
	json_t *append = NULL, *cpu;
	json_int_t mib;
	int compat = 0;

	if (json_unpack(root, "{s:o,s:I,s:o,s?o,s?o,s?o,s?o,s:o,s?b!}", "name",
	                &name, "memory_mib", &mib, "disks", &disks, "kernel",
	                &kernel, "initrd", &initrd, "append", &append, "nics",
	                &nics, "cpu", &cpu, "compat", &compat) != 0)
		return MDC_EMALF;
	if (mib < 0 || mib > MDC_VM_MAX_MIB)
		return MDC_EMALF;
	d->memory_mib = (unsigned)mib;
	d->compat = compat != 0;
	if (get_string(name, d->name, MDC_MIG_MAX_VM) != 0 ||
	    get_string(cpu, d->cpu, MDC_VM_MAX_CPU) != 0 ||
	    (kernel && get_string(kernel, d->kernel, MDC_VM_MAX_PATH)) ||
	    (initrd && get_string(initrd, d->initrd, MDC_VM_MAX_PATH)) ||
	    (append && get_string(append, d->append, MDC_VM_MAX_APPEND)))
		return MDC_EMALF;
	return get_lists(disks, nics, d);
}

int
mdc_vm_def_from_json(const char *text, size_t len, struct mdc_vm_def *out,
                     struct mdc_err *e)
{
	struct mdc_vm_def *d = calloc(1, sizeof(*d));
	json_error_t jerr;
	json_t *root = NULL;
	int ret = MDC_EMALF;

	mdc_err_set(e, 0, "not a VM definition");
	if (d == NULL)
		return MDC_ENOMEM;
	if (len > MDC_VM_MAX_DEF)
		goto out;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root))
		goto out;
	if ((ret = get_members(root, d)) != 0)
		goto out;
	if ((ret = mdc_vm_def_check(d, e)) != 0)
		goto out;
	*out = *d;
out:
	json_decref(root);
	free(d);
	return ret;
}

/* STATE/vms/NAME.json into out. */
static int
def_path(const char *state, const char *name, char *out, size_t outlen)
{
	int n;

	if (!mdc_mig_vm_ok(name))
		return MDC_EINVAL;
	n = snprintf(out, outlen, "%s/vms/%s.json", state, name);
	return (n < 0 || (size_t)n >= outlen) ? MDC_ESPACE : 0;
}

/* Write text to a new file path (0600), failing if it exists. */
static int
write_new(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return mdc_err_from_errno(errno);
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
		ret = mdc_err_from_errno(errno ? errno : EIO);
	close(fd);
	if (ret != 0)
		(void)unlink(path);
	return ret;
}

int
mdc_vm_def_save(const char *state, const struct mdc_vm_def *d, int replace,
                struct mdc_err *e)
{
	char path[4096], dir[4096];
	char *text = NULL;
	int ret;

	if ((ret = def_path(state, d->name, path, sizeof(path))) != 0)
		return mdc_err_set(e, ret, "bad VM name or state path");
	if ((ret = mdc_vm_def_to_json(d, &text)) != 0)
		return mdc_err_set(e, ret, "VM %s: invalid definition",
		                   d->name);
	snprintf(dir, sizeof(dir), "%s/vms", state);
	if ((ret = mdc_mkdir_p(dir, 0700)) != 0) {
		ret = mdc_err_set(e, ret, "%s: %s", dir, mdc_strerror(ret));
		goto out;
	}
	if (replace)
		ret = mdc_file_write(path, text, strlen(text), 0600);
	else
		ret = write_new(path, text);
	if (ret == MDC_EEXIST)
		ret = mdc_err_set(e, ret, "VM %s is already defined", d->name);
	else if (ret != 0)
		ret = mdc_err_set(e, ret, "%s: %s", path, mdc_strerror(ret));
out:
	free(text);
	return ret;
}

int
mdc_vm_def_load(const char *state, const char *name, struct mdc_vm_def *out,
                struct mdc_err *e)
{
	char path[4096];
	char *text = NULL;
	size_t len;
	int ret;

	if ((ret = def_path(state, name, path, sizeof(path))) != 0)
		return mdc_err_set(e, ret, "bad VM name");
	ret = mdc_file_read(path, MDC_VM_MAX_DEF, &text, &len);
	if (ret == MDC_ENOENT)
		return mdc_err_set(e, ret, "no VM named %s", name);
	if (ret != 0)
		return mdc_err_set(e, ret, "%s: %s", path, mdc_strerror(ret));
	ret = mdc_vm_def_from_json(text, len, out, e);
	if (ret == 0 && strcmp(out->name, name) != 0)
		ret = MDC_EMALF; /* e says "not a VM definition" */
	if (ret != 0)
		ret = mdc_err_prefix(e, ret, "%s", path);
	free(text);
	return ret;
}

int
mdc_vm_def_remove(const char *state, const char *name, struct mdc_err *e)
{
	char path[4096];
	int ret;

	if ((ret = def_path(state, name, path, sizeof(path))) != 0)
		return mdc_err_set(e, ret, "bad VM name");
	if (unlink(path) != 0) {
		ret = mdc_err_from_errno(errno);
		if (ret == MDC_ENOENT)
			return mdc_err_set(e, ret, "no VM named %s", name);
		return mdc_err_set(e, ret, "%s: %s", path, strerror(errno));
	}
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append a copy of the VM name in file (NAME.json) if it is one. */
static int
add_name(const char *file, char ***names, size_t *n, size_t *cap)
{
	size_t len = strlen(file);
	char name[MDC_MIG_MAX_VM + 1], **grown;

	if (len < 6 || len - 5 > MDC_MIG_MAX_VM ||
	    strcmp(file + len - 5, ".json") != 0)
		return 0;
	memcpy(name, file, len - 5);
	name[len - 5] = '\0';
	if (!mdc_mig_vm_ok(name))
		return 0;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		grown = realloc(*names, *cap * sizeof(*grown));
		if (grown == NULL)
			return MDC_ENOMEM;
		*names = grown;
	}
	if (((*names)[*n] = strdup(name)) == NULL)
		return MDC_ENOMEM;
	(*n)++;
	return 0;
}

int
mdc_vm_def_list(const char *state, char ***names_out, size_t *n_out,
                struct mdc_err *e)
{
	char dir[4096], **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dh;
	int ret = 0;

	*names_out = NULL;
	*n_out = 0;
	snprintf(dir, sizeof(dir), "%s/vms", state);
	if ((dh = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		return mdc_err_set(e, mdc_err_from_errno(errno), "%s: %s", dir,
		                   strerror(errno));
	}
	while (ret == 0 && (de = readdir(dh)) != NULL)
		ret = add_name(de->d_name, &names, &n, &cap);
	closedir(dh);
	if (ret != 0) {
		mdc_vm_names_free(names, n);
		return mdc_err_set(e, ret, "out of memory");
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	*names_out = names;
	*n_out = n;
	return 0;
}

void
mdc_vm_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
}

/* A growing NULL-terminated argv. */
struct av {
	char **v;
	size_t n, cap;
	int err;
};

static void av_add(struct av *a, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void
av_add(struct av *a, const char *fmt, ...)
{
	char **grown, *s = NULL;
	va_list ap;

	if (a->err)
		return;
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		grown = realloc(a->v, a->cap * sizeof(*grown));
		if (grown == NULL) {
			a->err = MDC_ENOMEM;
			return;
		}
		a->v = grown;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		a->err = MDC_ENOMEM;
		return;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void
mdc_vm_argv_free(char **argv)
{
	size_t i;

	for (i = 0; argv != NULL && argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* The monitors and the console, all inside rundir. */
static void
argv_chardevs(struct av *a, const char *run)
{
	av_add(a, "-chardev");
	av_add(a, "socket,id=qmp,path=%s/qmp.sock,server=on,wait=off", run);
	av_add(a, "-mon");
	av_add(a, "chardev=qmp,mode=control");
	av_add(a, "-chardev");
	av_add(a, "socket,id=qmps,path=%s/qmps.sock,server=on,wait=off", run);
	av_add(a, "-mon");
	av_add(a, "chardev=qmps,mode=control");
	av_add(a, "-chardev");
	av_add(a, "file,id=console,path=%s/console.log", run);
	av_add(a, "-serial");
	av_add(a, "chardev:console");
}

/* Disks as block nodes diskN on virtio-blk, NICs on taps. */
static void
argv_devices(struct av *a, const struct mdc_vm_def *d,
             const struct mdc_vm_argv_in *in)
{
	size_t i;

	for (i = 0; i < d->ndisks; i++) {
		av_add(a, "-blockdev");
		/* discard=unmap: zeros a storage mirror writes stay holes */
		av_add(a,
		       "driver=file,node-name=disk%zu-file,filename=%s,"
		       "discard=unmap",
		       i, d->disks[i]);
		av_add(a, "-blockdev");
		av_add(a,
		       "driver=raw,node-name=disk%zu,file=disk%zu-file,"
		       "discard=unmap",
		       i, i);
		av_add(a, "-device");
		av_add(a, "virtio-blk-pci,drive=disk%zu,id=vd%zu%s", i, i,
		       i == 0 && !d->kernel[0] ? ",bootindex=1" : "");
	}
	for (i = 0; i < d->nnics; i++) {
		av_add(a, "-netdev");
		av_add(a, "tap,id=net%zu,fd=%d", i, in->tapfds[i]);
		av_add(a, "-device");
		av_add(a, "virtio-net-pci,netdev=net%zu,mac=%s,id=nic%zu", i,
		       d->nics[i].mac, i);
	}
	if (d->kernel[0]) {
		av_add(a, "-kernel");
		av_add(a, "%s", d->kernel);
		if (d->initrd[0]) {
			av_add(a, "-initrd");
			av_add(a, "%s", d->initrd);
		}
		if (d->append[0]) {
			av_add(a, "-append");
			av_add(a, "%s", d->append);
		}
	}
}

/* Inputs argv_in must satisfy. */
static int
argv_in_ok(const struct mdc_vm_def *d, const struct mdc_vm_argv_in *in)
{
	struct sockaddr_un sa;
	size_t i;

	if (mdc_vm_def_check(d, NULL) != 0 || in->qemu == NULL ||
	    in->qemu[0] != '/' || in->accel == NULL ||
	    (strcmp(in->accel, "kvm") != 0 && strcmp(in->accel, "tcg") != 0) ||
	    in->rundir == NULL || in->rundir[0] != '/' ||
	    !mdc_vm_path_ok(in->rundir) || (d->nnics > 0 && in->tapfds == NULL))
		return MDC_EINVAL;
	for (i = 0; i < d->nnics; i++)
		if (in->tapfds[i] < 0)
			return MDC_EINVAL;
	/* only resolved (absolute) paths reach QEMU */
	for (i = 0; i < d->ndisks; i++)
		if (d->disks[i][0] != '/')
			return MDC_EINVAL;
	if ((d->kernel[0] && d->kernel[0] != '/') ||
	    (d->initrd[0] && d->initrd[0] != '/'))
		return MDC_EINVAL;
	if (strlen(in->rundir) + sizeof("/qmps.sock") > sizeof(sa.sun_path))
		return MDC_ESPACE;
	return 0;
}

int
mdc_vm_argv(const struct mdc_vm_def *d, const struct mdc_vm_argv_in *in,
            char ***argv_out)
{
	struct av a = {NULL, 0, 0, 0};
	int ret;

	*argv_out = NULL;
	if ((ret = argv_in_ok(d, in)) != 0)
		return ret;
	av_add(&a, "%s", in->qemu);
	av_add(&a, "-name");
	av_add(&a, "guest=%s", d->name);
	av_add(&a, "-nodefaults");
	av_add(&a, "-no-user-config");
	av_add(&a, "-machine");
	av_add(&a, "pc");
	av_add(&a, "-accel");
	av_add(&a, "%s", in->accel);
	av_add(&a, "-cpu");
	av_add(&a, "%s", d->cpu);
	av_add(&a, "-m");
	av_add(&a, "%u", d->memory_mib);
	av_add(&a, "-smp");
	av_add(&a, "1");
	av_add(&a, "-display");
	av_add(&a, "none");
	argv_chardevs(&a, in->rundir);
	argv_devices(&a, d, in);
	if (in->paused || in->incoming)
		av_add(&a, "-S");
	if (in->incoming) {
		av_add(&a, "-incoming");
		av_add(&a, "defer");
	}
	if (a.err != 0) {
		mdc_vm_argv_free(a.v);
		return a.err;
	}
	*argv_out = a.v;
	return 0;
}
