/* dc/dsa_priv.c - the dsa's own user, and what it opens before it drops root */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dc/dsa_int.h"
#include "dc/dsa_keys.h"
#include "dc/dsa_priv.h"
#include "lib/proc.h"
#include "lib/util.h"

/* Create the dsa's system user (no home, no shell); status of useradd. */
static int
add_user(struct mdc_err *err)
{
	char *argv[] = {"/usr/sbin/useradd", "--system",
	                "--user-group",      "--no-create-home",
	                "--home-dir",        "/nonexistent",
	                "--shell",           "/usr/sbin/nologin",
	                "--comment",         "minidc directory agent",
	                MDC_DSA_USER,        NULL};
	char *out = NULL;
	int ret = mdc_proc_run(argv, NULL, NULL, 0, 30000, &out);

	if (ret != 0) {
		size_t n = out != NULL ? strcspn(out, "\n") : 0;

		mdc_err_set(err, ret,
		            "user %s does not exist and useradd failed: %.*s",
		            MDC_DSA_USER, (int)n, out != NULL ? out : "");
	}
	free(out);
	return ret;
}

int
mdc_dsa_user(struct mdc_privdrop_id *id_out, struct mdc_err *err)
{
	int ret = mdc_privdrop_lookup(MDC_DSA_USER, id_out);

	if (ret != MDC_ENOENT || geteuid() != 0)
		return ret;
	/* Another minidc may add it at the same time: look again anyway. */
	ret = add_user(err);
	if (mdc_privdrop_lookup(MDC_DSA_USER, id_out) == 0) {
		if (err != NULL)
			err->text[0] = '\0';
		return 0;
	}
	if (ret == 0)
		mdc_err_set(err, MDC_ENOENT,
		            "user %s does not exist after useradd",
		            MDC_DSA_USER);
	return MDC_ENOENT;
}

char *
mdc_dsa_authz_regexp(void)
{
	struct mdc_privdrop_id id;

	if (mdc_privdrop_lookup(MDC_DSA_USER, &id) != 0)
		return NULL;
	return mdc_strdupf("^gidNumber=%lu[+]uidNumber=%lu,cn=peercred,"
	                   "cn=external,cn=auth$",
	                   (unsigned long)id.gid, (unsigned long)id.uid);
}

/* MDC_DSA_RUNDIR: root's, the dsa's group may enter (not write). */
static int
make_rundir(const struct mdc_dcconf *c, const struct mdc_privdrop_id *id,
            struct mdc_err *err)
{
	char *dir = mdc_dc_path(c, MDC_DSA_RUNDIR);
	struct stat st;
	int ret = dir == NULL ? MDC_ENOMEM : 0;

	if (ret == 0 && mkdir(dir, 0750) != 0 && errno != EEXIST)
		ret = mdc_err_from_errno(errno);
	if (ret == 0 && (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
		ret = MDC_EEXIST; /* a link or file in its place */
	if (ret == 0 && geteuid() == 0 && chown(dir, 0, id->gid) != 0)
		ret = mdc_err_from_errno(errno);
	if (ret == 0 && chmod(dir, 0750) != 0)
		ret = mdc_err_from_errno(errno);
	if (ret != 0)
		mdc_err_set(err, ret, "the dsa's directory %s: %s",
		            dir != NULL ? dir : "?", mdc_strerror(ret));
	free(dir);
	return ret;
}

int
mdc_dsa_priv_check(const struct mdc_dcconf *c, struct mdc_err *err)
{
	struct mdc_privdrop_id id;
	int ret = mdc_dsa_user(&id, err);

	return ret != 0 ? ret : make_rundir(c, &id, err);
}

int
mdc_dsa_preload(struct mdc_dsa *d, struct mdc_err *err)
{
	return mdc_dsa_keys_load(d->keys, err);
}

int
mdc_dsa_drop(struct mdc_dsa *d, struct mdc_err *err)
{
	struct mdc_privdrop_id id;
	char *dir = NULL, *uri = NULL;
	int ret;

	ret = mdc_dsa_user(&id, err);
	if (ret == 0)
		ret = make_rundir(d->conf, &id, err);
	if (ret != 0)
		return ret;
	/* DIR/run is root's: keep the stamp open to touch it later. */
	d->stamp_fd = open(d->stamp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	dir = mdc_dc_path(d->conf, MDC_DSA_RUNDIR);
	/* Relative: reachable from the working directory whatever DIR's
	 * parents are. */
	uri = mdc_ldapi_uri_of("ldapi");
	ret = dir == NULL || uri == NULL ? MDC_ENOMEM : 0;
	if (ret == 0)
		ret = mdc_privdrop_enter(dir, &id);
	if (ret != 0) {
		mdc_err_set(err, ret, "cannot become %s in %s: %s",
		            MDC_DSA_USER, dir != NULL ? dir : "?",
		            mdc_strerror(ret));
	} else {
		free(d->uri);
		d->uri = uri;
		uri = NULL;
	}
	free(dir);
	free(uri);
	return ret;
}
