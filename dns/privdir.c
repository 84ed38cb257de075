/* dns/privdir.c - DIR/run/dns: all the DNS server opens after dropping root */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/privdir.h"
#include "lib/util.h"

#define KRB5_CONF_MAX (1024 * 1024)

/* DIR/run/dns (0755) with rcache/ given to the user; *dir_out is the first. */
static int
make_dirs(const struct dns_conf *conf, struct mdc_privdrop_id *id,
          char **dir_out, struct mdc_err *err)
{
	char *dir = strdup(conf->privdir != NULL ? conf->privdir : ""),
	     *rc = NULL;
	int ret = MDC_ENOMEM;

	*dir_out = NULL;
	rc = dir != NULL && dir[0] != '\0'
	             ? mdc_strdupf("%s/%s", dir, DNS_RCACHEDIR)
	             : NULL;
	if (rc == NULL) {
		mdc_err_set(err, MDC_ENOMEM, "out of memory");
		goto out;
	}
	ret = mdc_privdrop_lookup(MDC_PRIVDROP_USER, id);
	if (ret != 0) {
		mdc_err_set(err, ret,
		            "user %s does not exist: the DNS server drops root "
		            "to it",
		            MDC_PRIVDROP_USER);
		goto out;
	}
	ret = mdc_mkdir_p(dir, 0755);
	if (ret == 0 && chmod(dir, 0755) != 0)
		ret = mdc_err_from_errno(errno);
	if (ret != 0) {
		mdc_err_set(err, ret, "cannot create %s: %s", dir,
		            mdc_strerror(ret));
		goto out;
	}
	ret = mdc_privdrop_dir(rc, id);
	if (ret != 0)
		mdc_err_set(err, ret, "cannot give %s to user %s: %s", rc,
		            MDC_PRIVDROP_USER, mdc_strerror(ret));
out:
	if (ret == 0) {
		*dir_out = dir;
		dir = NULL;
	}
	free(dir);
	free(rc);
	return ret;
}

/* The DC's krb5.conf -> DIR/krb5.conf (absent: nothing to copy). */
static int
copy_krb5_conf(const struct dns_conf *conf, const char *dir,
               struct mdc_err *err)
{
	char *src = strdup(conf->krb5_conf != NULL ? conf->krb5_conf : "");
	char *dst = mdc_strdupf("%s/krb5.conf", dir);
	char *text = NULL;
	size_t len = 0;
	int ret = MDC_ENOMEM;

	if (src == NULL || dst == NULL)
		goto out;
	ret = mdc_file_read(src, KRB5_CONF_MAX, &text, &len);
	if (ret == MDC_ENOENT) {
		ret = 0;
		goto out;
	}
	if (ret == 0)
		ret = mdc_file_write(dst, text, len, 0644);
out:
	if (ret != 0)
		mdc_err_set(err, ret, "cannot copy %s to %s: %s",
		            src ? src : "krb5.conf", dir, mdc_strerror(ret));
	free(src);
	free(dst);
	free(text);
	return ret;
}

int
dns_privdir_prepare(const struct dns_conf *conf, struct mdc_privdrop_id *id_out,
                    struct mdc_err *err)
{
	char *dir = NULL;
	int ret;

	ret = make_dirs(conf, id_out, &dir, err);
	if (ret == 0)
		ret = copy_krb5_conf(conf, dir, err);
	if (ret == 0 && chdir(dir) != 0) {
		ret = mdc_err_from_errno(errno);
		mdc_err_set(err, ret, "cannot enter %s: %s", dir,
		            mdc_strerror(ret));
	}
	/* Relative on purpose: "." is reachable whatever DIR's parents are. */
	if (ret == 0 && (setenv("KRB5_CONFIG", "./krb5.conf", 1) != 0 ||
	                 setenv("KRB5RCACHEDIR", "./" DNS_RCACHEDIR, 1) != 0)) {
		ret = MDC_ENOMEM;
		mdc_err_set(err, ret, "out of memory");
	}
	free(dir);
	return ret;
}

int
dns_privdir_check(const struct dns_conf *conf, struct mdc_err *err)
{
	struct mdc_privdrop_id id;
	char *dir = NULL;
	int ret;

	ret = make_dirs(conf, &id, &dir, err);
	if (ret != 0)
		return ret;
	ret = mdc_privdrop_probe(dir, DNS_RCACHEDIR, &id);
	if (ret != 0)
		mdc_err_set(
		        err, ret,
		        "the DNS server cannot use %s as user %s (uid %ld): "
		        "%s",
		        dir, MDC_PRIVDROP_USER, (long)id.uid,
		        mdc_strerror(ret));
	free(dir);
	return ret;
}
