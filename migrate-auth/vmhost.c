/* migrate-auth/vmhost.c - what this host offers VMs: the accelerator and
 * the CPU models of its QEMU (vmhost.h) */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate-auth/proto.h"
#include "migrate-auth/vmdef.h"
#include "migrate-auth/vmhost.h"

int
mdc_vm_accel_parse(const char *s, enum mdc_vm_accel *out)
{
	if (strcmp(s, "auto") == 0)
		*out = MDC_VM_ACCEL_AUTO;
	else if (strcmp(s, "kvm") == 0)
		*out = MDC_VM_ACCEL_KVM;
	else if (strcmp(s, "tcg") == 0)
		*out = MDC_VM_ACCEL_TCG;
	else
		return MDC_EINVAL;
	return 0;
}

int
mdc_vm_proc_read(const char *path, size_t max, char **text_out, size_t *len_out)
{
	char *buf = malloc(max + 1);
	size_t len = 0;
	ssize_t n = 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || buf == NULL) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return MDC_ENOENT;
	}
	while (len < max && (n = read(fd, buf + len, max - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0) {
		free(buf);
		return MDC_ENOENT;
	}
	buf[len] = '\0';
	*text_out = buf;
	*len_out = len;
	return 0;
}

/* True if word w appears as a whole word in line [p, end). */
static int
has_word(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);
	const char *s;

	for (s = p; s + n <= end; s++)
		if (memcmp(s, w, n) == 0 &&
		    (s == p || s[-1] == ' ' || s[-1] == '\t' || s[-1] == ':') &&
		    (s + n == end || s[n] == ' ' || s[n] == '\t'))
			return 1;
	return 0;
}

int
mdc_vm_cpuinfo_has_virt(const char *cpuinfo)
{
	const char *line = cpuinfo, *end;

	while (line != NULL && *line != '\0') {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if (strncmp(line, "flags", 5) == 0 &&
		    (has_word(line, end, "vmx") || has_word(line, end, "svm")))
			return 1;
		line = *end ? end + 1 : NULL;
	}
	return 0;
}

/* Why KVM cannot be used here, or NULL if it can. */
static const char *
kvm_unusable(void)
{
	char *info = NULL;
	size_t len;
	int fd, virt;

	if (mdc_vm_proc_read("/proc/cpuinfo", 4 * 1024 * 1024, &info, &len) !=
	    0)
		return "cannot read /proc/cpuinfo";
	virt = mdc_vm_cpuinfo_has_virt(info);
	free(info);
	if (!virt)
		return "the CPU has no vmx/svm flag";
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return "/dev/kvm cannot be opened";
	close(fd);
	return NULL;
}

int
mdc_vm_accel_resolve(enum mdc_vm_accel want, const char **name_out,
                     struct mdc_err *e)
{
	const char *why = want == MDC_VM_ACCEL_TCG ? "" : kvm_unusable();

	*name_out = "tcg";
	if (want == MDC_VM_ACCEL_TCG)
		return 0;
	if (why == NULL) {
		*name_out = "kvm";
		return 0;
	}
	if (want == MDC_VM_ACCEL_KVM)
		return mdc_err_set(e, MDC_ENOTSUP,
		                   "accel = kvm, but KVM is not usable "
		                   "here: %s",
		                   why);
	return 0;
}

int
mdc_vm_cpu_missing_from(const json_t *defs, const char *model, char *missing,
                        size_t missinglen)
{
	const json_t *d, *f, *un;
	size_t i, j, used = 0;
	int n;

	if (missinglen == 0)
		return MDC_ESPACE;
	missing[0] = '\0';
	if (!json_is_array(defs))
		return MDC_EMALF;
	json_array_foreach(defs, i, d)
	{
		const char *name =
		        json_string_value(json_object_get(d, "name"));

		if (name == NULL || strcmp(name, model) != 0)
			continue;
		un = json_object_get(d, "unavailable-features");
		json_array_foreach(un, j, f)
		{
			if (!json_is_string(f))
				return MDC_EMALF;
			n = snprintf(missing + used, missinglen - used, "%s%s",
			             used ? " " : "", json_string_value(f));
			if (n < 0 || (size_t)n >= missinglen - used)
				return MDC_ESPACE;
			used += (size_t)n;
		}
		mdc_mig_sanitize(missing, missing, missinglen);
		return 0;
	}
	return MDC_ENOENT;
}

void
mdc_vm_cpu_refusal(const char *host, const char *model, const char *missing,
                   char *out, size_t outlen)
{
	if (missing == NULL)
		snprintf(out, outlen,
		         "%s has no CPU model %s; define the VM with --compat "
		         "(%s) to move it",
		         host, model, MDC_VM_COMPAT_CPU);
	else
		snprintf(out, outlen,
		         "%s cannot offer CPU model %s (missing: %s); define "
		         "the VM with --compat (%s) to move it",
		         host, model, missing, MDC_VM_COMPAT_CPU);
}

int
mdc_vm_cpu_missing(struct mdc_qmp *q, const char *model, char *missing,
                   size_t missinglen, struct mdc_err *e)
{
	json_t *defs = NULL;
	int ret;

	if ((ret = mdc_qmp_exec(q, "query-cpu-definitions", NULL, &defs, e)))
		return ret;
	ret = mdc_vm_cpu_missing_from(defs, model, missing, missinglen);
	json_decref(defs);
	if (ret == MDC_ENOENT)
		return mdc_err_set(e, ret,
		                   "this host's QEMU has no CPU "
		                   "model %.64s",
		                   model);
	if (ret != 0)
		return mdc_err_set(e, ret, "query-cpu-definitions: %s",
		                   ret == MDC_ESPACE ? "too many features"
		                                     : "malformed answer");
	return 0;
}
