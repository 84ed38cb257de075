/* dc/slapdrun.c - DIR/slapd: the files slapd opens after it drops root */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <krb5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dc/slapdrun.h"
#include "lib/util.h"

int
mdc_slapdrun_user(struct mdc_privdrop_id *id_out, struct mdc_err *err)
{
	int ret = mdc_privdrop_lookup(MDC_SLAPD_USER, id_out);

	if (ret != 0)
		mdc_err_set(err, ret,
		            "user %s does not exist: slapd drops root to it",
		            MDC_SLAPD_USER);
	return ret;
}

int
mdc_slapdrun_share(const char *path, unsigned mode)
{
	struct mdc_privdrop_id id;

	if (mdc_privdrop_lookup(MDC_SLAPD_USER, &id) != 0)
		return MDC_ENOENT;
	if (geteuid() == 0 && lchown(path, 0, id.gid) != 0)
		return mdc_err_from_errno(errno);
	if (chmod(path, (mode_t)mode) != 0)
		return mdc_err_from_errno(errno);
	return 0;
}

/* DIR/slapd itself: root's, slapd's group may enter and read. */
static int
make_top(const char *top, const struct mdc_privdrop_id *id)
{
	struct stat st;
	int ret = 0;

	if (lstat(top, &st) != 0) {
		if (errno != ENOENT)
			return mdc_err_from_errno(errno);
		if (mkdir(top, 0750) != 0 && errno != EEXIST)
			return mdc_err_from_errno(errno);
	} else if (!S_ISDIR(st.st_mode)) {
		return MDC_EEXIST; /* a link or file in its place */
	}
	if (geteuid() == 0 && chown(top, 0, id->gid) != 0)
		ret = mdc_err_from_errno(errno);
	if (ret == 0 && chmod(top, 0750) != 0)
		ret = mdc_err_from_errno(errno);
	return ret;
}

/* db/: slapd's, and so is every file in it (slapadd runs as root). */
static int
own_db(const char *db, const struct mdc_privdrop_id *id)
{
	int ret = mdc_privdrop_dir(db, id), fd;
	DIR *d;
	struct dirent *e;

	if (ret != 0 || geteuid() != 0)
		return ret;
	fd = open(db, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		ret = mdc_err_from_errno(errno);
		if (fd >= 0)
			close(fd);
		return ret;
	}
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' &&
		    fchownat(fd, e->d_name, id->uid, id->gid,
		             AT_SYMLINK_NOFOLLOW) != 0)
			ret = mdc_err_from_errno(errno);
	closedir(d);
	return ret;
}

/* Copy DIR/from to DIR/slapd/to, root:openldap 0640; optional: may lack. */
static int
copy_in(const struct mdc_dcconf *c, const char *from, const char *to,
        int optional)
{
	char *src = mdc_dc_path(c, from), *dst = NULL, *data = NULL;
	size_t len = 0;
	int ret = MDC_ENOMEM;

	dst = mdc_strdupf("%s/%s/%s", c->dir, MDC_SLAPD_DIR, to);
	if (src == NULL || dst == NULL)
		goto out;
	ret = mdc_file_read(src, 64 << 20, &data, &len);
	if (ret == MDC_ENOENT && optional) {
		ret = 0;
		goto out;
	}
	if (ret == 0)
		ret = mdc_file_write(dst, data, len, 0600);
	if (ret == 0)
		ret = mdc_slapdrun_share(dst, 0640);
out:
	if (data != NULL)
		mdc_secret_free(data, len);
	free(src);
	free(dst);
	return ret;
}

/* slapd's keys: ldap/ (acceptor) and the DC account (syncrepl client). */
static int
slapd_key(krb5_context ctx, krb5_const_principal p)
{
	const krb5_data *first;

	if (krb5_princ_size(ctx, p) == 1)
		return 1; /* DC$: the only one-component name in dc.keytab */
	if (krb5_princ_size(ctx, p) != 2)
		return 0;
	first = krb5_princ_component(ctx, p, 0);
	return first->length == 4 && strncasecmp(first->data, "ldap", 4) == 0;
}

/* Add slapd's entries of keytab src to dst (both resolved names). */
static int
copy_keys(krb5_context ctx, const char *src, const char *dst)
{
	krb5_keytab in = NULL, out = NULL;
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	int ret = MDC_EKRB5;

	if (krb5_kt_resolve(ctx, src, &in) != 0 ||
	    krb5_kt_resolve(ctx, dst, &out) != 0 ||
	    krb5_kt_start_seq_get(ctx, in, &cur) != 0)
		goto out;
	ret = 0;
	while (krb5_kt_next_entry(ctx, in, &ent, &cur) == 0) {
		if (slapd_key(ctx, ent.principal) &&
		    krb5_kt_add_entry(ctx, out, &ent) != 0)
			ret = MDC_EKRB5;
		krb5_free_keytab_entry_contents(ctx, &ent);
	}
	krb5_kt_end_seq_get(ctx, in, &cur);
out:
	if (in != NULL)
		krb5_kt_close(ctx, in);
	if (out != NULL)
		krb5_kt_close(ctx, out);
	return ret;
}

/* DIR/slapd/ldap.keytab from DIR/krb5/dc.keytab, replaced at once. */
static int
write_keytab(const struct mdc_dcconf *c)
{
	char *src = mdc_dc_path(c, "krb5/dc.keytab");
	char *dst = mdc_strdupf("%s/%s/ldap.keytab", c->dir, MDC_SLAPD_DIR);
	char *tmp = mdc_strdupf("%s/%s/ldap.keytab.new", c->dir, MDC_SLAPD_DIR);
	char *sname = mdc_strdupf("FILE:%s", src ? src : "");
	char *tname = mdc_strdupf("FILE:%s", tmp ? tmp : "");
	krb5_context ctx = NULL;
	int ret = MDC_ENOMEM;

	if (src == NULL || dst == NULL || tmp == NULL || sname == NULL ||
	    tname == NULL)
		goto out;
	ret = 0;
	if (!mdc_path_exists(src))
		goto out; /* provisioning: no keys yet, nor GSSAPI binds */
	unlink(tmp);
	ret = krb5_init_context(&ctx) != 0 ? MDC_EKRB5 : 0;
	if (ret == 0)
		ret = copy_keys(ctx, sname, tname);
	if (ret == 0)
		ret = mdc_slapdrun_share(tmp, 0640);
	if (ret == 0 && rename(tmp, dst) != 0)
		ret = mdc_err_from_errno(errno);
	if (ret != 0)
		unlink(tmp);
out:
	if (ctx != NULL)
		krb5_free_context(ctx);
	free(src);
	free(dst);
	free(tmp);
	free(sname);
	free(tname);
	return ret;
}

/* A DIR of an older layout kept the database in DIR/db. */
static int
move_old_db(const struct mdc_dcconf *c, const char *db)
{
	char *old = mdc_dc_path(c, "db");
	struct stat st;
	int ret = 0;

	if (old == NULL)
		return MDC_ENOMEM;
	if (lstat(old, &st) == 0 && S_ISDIR(st.st_mode) &&
	    !mdc_path_exists(db) && rename(old, db) != 0)
		ret = mdc_err_from_errno(errno);
	free(old);
	return ret;
}

static const struct {
	const char *from, *to;
	int optional;
} copies[] = {
        {"tls/ca.crt", "ca.crt", 0},
        {"tls/dc.crt", "dc.crt", 0},
        {"tls/dc.key", "dc.key", 0},
        {"rootdse.ldif", "rootdse.ldif", 0},
        /* Written after the first (provisioning) start of slapd. */
        {"krb5.conf", "krb5.conf", 1},
};

static int
copy_module(const struct mdc_dcconf *c, const char *slapo)
{
	char *dst = mdc_strdupf("%s/%s/mdcad.so", c->dir, MDC_SLAPD_DIR);
	char *data = NULL;
	size_t len = 0;
	int ret = dst == NULL ? MDC_ENOMEM : 0;

	if (ret == 0)
		ret = mdc_file_read(slapo, 256 << 20, &data, &len);
	if (ret == 0)
		ret = mdc_file_write(dst, data, len, 0644);
	free(data);
	free(dst);
	return ret;
}

int
mdc_slapdrun_prepare(const struct mdc_dcconf *c, const char *slapo,
                     struct mdc_err *err)
{
	struct mdc_privdrop_id id;
	char *top = mdc_dc_path(c, MDC_SLAPD_DIR);
	char *db = mdc_dc_path(c, MDC_SLAPD_DIR "/db");
	char *run = mdc_dc_path(c, MDC_SLAPD_DIR "/run");
	const char *what = top;
	int ret;

	ret = mdc_slapdrun_user(&id, err);
	if (ret != 0)
		goto out;
	ret = top == NULL || db == NULL || run == NULL ? MDC_ENOMEM : 0;
	if (ret == 0)
		ret = make_top(top, &id);
	if (ret == 0 && (what = db) != NULL)
		ret = move_old_db(c, db);
	if (ret == 0)
		ret = own_db(db, &id);
	if (ret == 0 && (what = run) != NULL)
		ret = mdc_privdrop_dir(run, &id);
	for (size_t i = 0; ret == 0 && i < sizeof(copies) / sizeof(copies[0]);
	     i++) {
		what = copies[i].from;
		ret = copy_in(c, copies[i].from, copies[i].to,
		              copies[i].optional);
	}
	if (ret == 0 && slapo != NULL && (what = slapo) != NULL)
		ret = copy_module(c, slapo);
	if (ret == 0 && (what = "krb5/dc.keytab") != NULL)
		ret = write_keytab(c);
	if (ret != 0 && err != NULL && err->text[0] == '\0')
		mdc_err_set(err, ret, "slapd's directory %s: %s: %s",
		            top != NULL ? top : "?", what != NULL ? what : "?",
		            mdc_strerror(ret));
out:
	free(top);
	free(db);
	free(run);
	return ret;
}

int
mdc_slapdrun_check(const struct mdc_dcconf *c, struct mdc_err *err)
{
	struct mdc_privdrop_id id;
	char *top = mdc_dc_path(c, MDC_SLAPD_DIR);
	char *run = mdc_dc_path(c, MDC_SLAPD_DIR "/run");
	int ret;

	ret = mdc_slapdrun_user(&id, err);
	if (ret != 0)
		goto out;
	ret = top == NULL || run == NULL ? MDC_ENOMEM : make_top(top, &id);
	if (ret == 0)
		ret = mdc_privdrop_dir(run, &id);
	/* What slapd does as openldap: work in DIR/slapd, write in run/. */
	if (ret == 0)
		ret = mdc_privdrop_probe(top, "run", &id);
	if (ret != 0)
		mdc_err_set(err, ret,
		            "slapd cannot use %s as user %s (uid %ld): %s",
		            top != NULL ? top : "?", MDC_SLAPD_USER,
		            (long)id.uid, mdc_strerror(ret));
out:
	free(top);
	free(run);
	return ret;
}
