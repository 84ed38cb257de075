/* join/keytab.c - the host keytab: AD-salted keys for the account and SPNs */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "join/sess.h"
#include "lib/util.h"

/* What AD accounts get with msDS-SupportedEncryptionTypes 28. */
static const krb5_enctype enctypes[] = {
        ENCTYPE_AES256_CTS_HMAC_SHA1_96,
        ENCTYPE_AES128_CTS_HMAC_SHA1_96,
        ENCTYPE_ARCFOUR_HMAC,
};

struct ktw {
	struct mdc_join_sess *s;
	krb5_principal princs[1 + MDC_JOIN_NSPN]; /* HOST2$ and the SPNs */
	size_t nprinc;
	krb5_keytab old, new;
	char *newpath;
	size_t nentries; /* written to new */
};

static int
ours(const struct ktw *w, krb5_const_principal p)
{
	size_t k;

	for (k = 0; k < w->nprinc; k++)
		if (krb5_principal_compare(w->s->ctx, w->princs[k], p))
			return 1;
	return 0;
}

/* Principals: s->me and every SPN of the host in the realm. */
static krb5_error_code
build_princs(struct ktw *w)
{
	char *spns[MDC_JOIN_NSPN] = {0}, *full;
	krb5_error_code k;
	size_t i;

	k = krb5_copy_principal(w->s->ctx, w->s->me, &w->princs[0]);
	if (k != 0)
		return k;
	w->nprinc = 1;
	if (mdc_join_spns(w->s->o, spns) != 0)
		return ENOMEM;
	for (i = 0; i < MDC_JOIN_NSPN && k == 0; i++) {
		full = mdc_strdupf("%s@%s", spns[i], w->s->o->realm);
		k = full == NULL ? ENOMEM
		                 : krb5_parse_name(w->s->ctx, full,
		                                   &w->princs[w->nprinc]);
		if (k == 0)
			w->nprinc++;
		free(full);
	}
	mdc_join_spns_free(spns);
	return k;
}

/* Copy the entries we keep from the old keytab (missing is fine). */
static krb5_error_code
copy_old(struct ktw *w, krb5_kvno keep_kvno)
{
	krb5_context ctx = w->s->ctx;
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	krb5_error_code k;

	if (access(w->s->o->keytab, F_OK) != 0)
		return 0;
	k = krb5_kt_start_seq_get(ctx, w->old, &cur);
	if (k != 0)
		return k;
	while (k == 0 && krb5_kt_next_entry(ctx, w->old, &ent, &cur) == 0) {
		if (!ours(w, ent.principal) ||
		    (keep_kvno != 0 && ent.vno == keep_kvno)) {
			k = krb5_kt_add_entry(ctx, w->new, &ent);
			w->nentries++;
		}
		krb5_free_keytab_entry_contents(ctx, &ent);
	}
	krb5_kt_end_seq_get(ctx, w->old, &cur);
	return k;
}

/* The keys of pw (AD salt) for every principal at kvno. */
static krb5_error_code
add_keys(struct ktw *w, const char *pw, krb5_kvno kvno)
{
	const struct mdc_join_opts *o = w->s->o;
	char saltbuf[2 * MDC_JOIN_NAME_MAX + 32];
	krb5_data pwd, salt;
	krb5_keytab_entry ent;
	krb5_error_code k = 0;
	size_t i, p;

	if (mdc_join_salt(o->realm, o->sam, o->domain, saltbuf,
	                  sizeof(saltbuf)) != 0)
		return EINVAL;
	pwd.data = (char *)pw;
	pwd.length = strlen(pw);
	salt.data = saltbuf;
	salt.length = strlen(saltbuf);
	for (i = 0; i < sizeof(enctypes) / sizeof(enctypes[0]) && k == 0; i++) {
		memset(&ent, 0, sizeof(ent));
		ent.vno = kvno;
		k = krb5_c_string_to_key(w->s->ctx, enctypes[i], &pwd, &salt,
		                         &ent.key);
		for (p = 0; p < w->nprinc && k == 0; p++) {
			ent.principal = w->princs[p];
			k = krb5_kt_add_entry(w->s->ctx, w->new, &ent);
			w->nentries++;
		}
		krb5_free_keyblock_contents(w->s->ctx, &ent.key);
	}
	return k;
}

static krb5_error_code
open_both(struct ktw *w)
{
	char *name;
	krb5_error_code k;

	w->newpath = mdc_strdupf("%s.minidc-join.%ld", w->s->o->keytab,
	                         (long)getpid());
	if (w->newpath == NULL)
		return ENOMEM;
	(void)unlink(w->newpath);
	name = mdc_strdupf("FILE:%s", w->s->o->keytab);
	k = name == NULL ? ENOMEM : krb5_kt_resolve(w->s->ctx, name, &w->old);
	free(name);
	if (k != 0)
		return k;
	name = mdc_strdupf("FILE:%s", w->newpath);
	k = name == NULL ? ENOMEM : krb5_kt_resolve(w->s->ctx, name, &w->new);
	free(name);
	return k;
}

static void
ktw_free(struct ktw *w)
{
	size_t k;

	for (k = 0; k < w->nprinc; k++)
		krb5_free_principal(w->s->ctx, w->princs[k]);
	if (w->old != NULL)
		krb5_kt_close(w->s->ctx, w->old);
	if (w->new != NULL)
		krb5_kt_close(w->s->ctx, w->new);
	if (w->newpath != NULL)
		(void)unlink(w->newpath); /* after a rename: gone already */
	free(w->newpath);
}

/* Put the new keytab in place (or remove the keytab if it is empty). */
static int
install(struct ktw *w, struct mdc_err *e)
{
	const char *path = w->s->o->keytab;

	if (w->nentries == 0) {
		if (unlink(path) != 0 && errno != ENOENT)
			return mdc_err_set(e, -errno, "keytab: %s: %s", path,
			                   strerror(errno));
		return 0;
	}
	if (chmod(w->newpath, 0600) != 0 || rename(w->newpath, path) != 0)
		return mdc_err_set(e, -errno, "keytab: %s: %s", path,
		                   strerror(errno));
	return 0;
}

int
mdc_join_keytab_write(struct mdc_join_sess *s, const char *pw, krb5_kvno kvno,
                      krb5_kvno keep_kvno, struct mdc_err *e)
{
	struct ktw w;
	krb5_error_code k;
	mode_t old_umask;
	int ret;

	memset(&w, 0, sizeof(w));
	w.s = s;
	/* Keys are secrets: the new file is never readable by others. */
	old_umask = umask(077);
	k = build_princs(&w);
	if (k == 0)
		k = open_both(&w);
	if (k == 0)
		k = copy_old(&w, keep_kvno);
	if (k == 0 && pw != NULL)
		k = add_keys(&w, pw, kvno);
	umask(old_umask);
	if (k != 0)
		ret = mdc_join_kfail(s, k, "keytab", e);
	else
		ret = install(&w, e);
	ktw_free(&w);
	return ret;
}

int
mdc_join_keytab_kvno(struct mdc_join_sess *s, krb5_kvno *kvno_out,
                     struct mdc_err *e)
{
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	krb5_keytab kt = NULL;
	krb5_kvno best = 0;
	krb5_error_code k;
	char *name;

	if (access(s->o->keytab, R_OK) != 0)
		return mdc_err_set(e, -errno, "keytab: %s: %s", s->o->keytab,
		                   strerror(errno));
	name = mdc_strdupf("FILE:%s", s->o->keytab);
	k = name == NULL ? ENOMEM : krb5_kt_resolve(s->ctx, name, &kt);
	free(name);
	if (k == 0)
		k = krb5_kt_start_seq_get(s->ctx, kt, &cur);
	if (k != 0) {
		if (kt != NULL)
			krb5_kt_close(s->ctx, kt);
		return mdc_join_kfail(s, k, "keytab", e);
	}
	while (krb5_kt_next_entry(s->ctx, kt, &ent, &cur) == 0) {
		if (krb5_principal_compare(s->ctx, ent.principal, s->me) &&
		    ent.vno > best)
			best = ent.vno;
		krb5_free_keytab_entry_contents(s->ctx, &ent);
	}
	krb5_kt_end_seq_get(s->ctx, kt, &cur);
	krb5_kt_close(s->ctx, kt);
	if (best == 0)
		return mdc_err_set(e, MDC_ENOENT,
		                   "keytab: %s has no keys of %s", s->o->keytab,
		                   s->o->sam);
	*kvno_out = best;
	return 0;
}
