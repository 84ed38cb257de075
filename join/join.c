/* join/join.c - minidc-join commands: join, status, leave, rotate */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>

#include "join/dnsreg.h"
#include "join/join.h"
#include "join/locate.h"
#include "join/sess.h"
#include "lib/util.h"

#define MACHINE_PW_LEN 64
/* The KDC may take a moment to see new keys; verification retries. */
#define VERIFY_TRIES 15

static void say(mdc_join_print out, void *arg, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
say(mdc_join_print out, void *arg, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (out == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	out(arg, line);
}

/*
 * Register (add) or remove the host's A record with the credentials in
 * s->cc.  A DNS failure does not undo a join: it is reported on the
 * output, as sssd does.
 */
static void
dns_record(struct mdc_join_sess *s, int add, mdc_join_print out, void *arg)
{
	struct mdc_err de = {""};
	struct mdc_join_dns_res res;
	const char *done = add ? "registered" : "removed";

	if (s->o->no_dns)
		return;
	if (mdc_join_dns_update(s, add, &res, &de) != 0) {
		say(out, arg, "DNS: records of %s not %s: %s", s->o->fqdn, done,
		    de.text);
		return;
	}
	say(out, arg, "DNS: %s %s A %s", done, s->o->fqdn, res.ip);
	if (res.ptr_done)
		say(out, arg, "DNS: %s %s PTR %s", done, res.ptr, s->o->fqdn);
	else
		say(out, arg, "DNS: no reverse zone for %s on %s (no PTR)",
		    res.ip, s->dc.name);
}

/* A TGT with the keytab's newest keys (retried briefly). */
static int
verify_keytab(struct mdc_join_sess *s, struct mdc_err *e)
{
	struct timespec ts = {.tv_nsec = 200 * 1000 * 1000};
	int t, ret = 0;

	for (t = 0; t < VERIFY_TRIES; t++) {
		ret = mdc_join_login_keytab(s, NULL, NULL, e);
		if (ret == 0)
			return 0;
		nanosleep(&ts, NULL);
	}
	return ret;
}

/*
 * Keep the file at path as PATH.bak (PATH.bak.N if that exists: a backup
 * is never overwritten), as a second name of the same file: the new one
 * replaces path by rename.
 */
static int
backup(const char *path, char *bak, size_t cap)
{
	int n;

	snprintf(bak, cap, "%s.bak", path);
	for (n = 1; link(path, bak) != 0; n++) {
		if (errno != EEXIST || n > 99)
			return mdc_err_from_errno(errno);
		snprintf(bak, cap, "%s.bak.%d", path, n);
	}
	return 0;
}

/* The host's krb5.conf: written if absent (or asked for, with a backup). */
static int
write_krb5_conf(struct mdc_join_sess *s, mdc_join_print out, void *arg,
                struct mdc_err *e)
{
	const struct mdc_join_opts *o = s->o;
	const char *path =
	        o->krb5_conf_out != NULL ? o->krb5_conf_out : o->krb5_conf_host;
	char bak[4096] = "", *text = NULL;
	int ret;

	if (o->no_krb5_conf || path == NULL)
		return 0;
	if (mdc_path_exists(path) && o->krb5_conf_out == NULL) {
		say(out, arg,
		    "krb5.conf: %s exists, left as it is (--krb5-conf-out %s "
		    "replaces it, keeping a backup)",
		    path, path);
		return 0;
	}
	if (mdc_path_exists(path) && backup(path, bak, sizeof(bak)) != 0)
		return mdc_err_set(e, mdc_err_from_errno(errno),
		                   "krb5.conf: cannot keep %s as a backup: %s",
		                   path, strerror(errno));
	text = mdc_join_krb5_conf(o, s->dc.addr);
	ret = text == NULL ? MDC_ENOMEM
	                   : mdc_file_write(path, text, strlen(text), 0644);
	free(text);
	if (ret != 0) {
		if (bak[0] != '\0')
			(void)unlink(bak); /* path still is the old file */
		return mdc_err_set(e, ret, "krb5.conf: %s: %s", path,
		                   mdc_strerror(ret));
	}
	say(out, arg, "krb5.conf: wrote %s for %s (forwardable tickets)%s%s",
	    path, o->realm, bak[0] != '\0' ? "; the old file is " : "", bak);
	return 0;
}

/* New password, kpasswd set-password, kvno, keytab, verification. */
static int
join_keys(struct mdc_join_sess *s, const char *dn, krb5_kvno *kvno,
          struct mdc_err *e)
{
	char pw[MACHINE_PW_LEN + 1];
	int ret;

	ret = mdc_random_password(pw, MACHINE_PW_LEN);
	if (ret != 0)
		return mdc_err_set(e, ret, "machine password: %s",
		                   mdc_strerror(ret));
	ret = mdc_join_set_password(s, pw, e);
	if (ret == 0)
		ret = mdc_join_ldap_kvno(s, dn, kvno, e);
	if (ret == 0)
		ret = mdc_join_keytab_write(s, pw, *kvno, 0, e);
	explicit_bzero(pw, sizeof(pw));
	if (ret == 0)
		ret = verify_keytab(s, e);
	return ret;
}

static int
cmd_join(struct mdc_join_sess *s, mdc_join_print out, void *arg,
         struct mdc_err *e)
{
	char *dn = NULL;
	krb5_kvno kvno = 0;
	int ret, created = 0;

	ret = mdc_join_login_password(s, e);
	if (ret == 0)
		ret = mdc_join_ldap_bind(s, e);
	if (ret == 0) {
		ret = mdc_join_ldap_find(s, &dn, e);
		if (ret == 0)
			ret = mdc_join_ldap_update(s, dn, e);
		else if (ret == MDC_ENOENT)
			created = (ret = mdc_join_ldap_add(s, &dn, e)) == 0;
	}
	if (ret == 0) {
		say(out, arg, "%s computer account %s",
		    created ? "created" : "reusing", dn);
		ret = join_keys(s, dn, &kvno, e);
	}
	/* A half-made account is worse than none: undo what we created. */
	if (ret != 0 && created && mdc_join_ldap_delete(s, dn, NULL) != 0)
		say(out, arg, "could not remove %s again", dn);
	if (ret == 0) {
		say(out, arg, "joined %s as %s@%s, kvno %u, keytab %s",
		    s->o->domain, s->o->sam, s->o->realm, (unsigned)kvno,
		    s->o->keytab);
		ret = write_krb5_conf(s, out, arg, e);
	}
	if (ret == 0)
		dns_record(s, 1, out, arg);
	if (created || dn == NULL)
		free(dn);
	else
		ldap_memfree(dn);
	return ret;
}

static int
cmd_status(struct mdc_join_sess *s, mdc_join_print out, void *arg,
           struct mdc_err *e)
{
	krb5_kvno kvno = 0;
	int ret;

	ret = mdc_join_keytab_kvno(s, &kvno, e);
	if (ret == 0)
		ret = mdc_join_login_keytab(s, NULL, NULL, e);
	if (ret == 0)
		say(out, arg, "%s@%s: keytab %s is valid (kvno %u) at %s (%s)",
		    s->o->sam, s->o->realm, s->o->keytab, (unsigned)kvno,
		    s->dc.name, s->dc.addr);
	return ret;
}

static int
cmd_leave(struct mdc_join_sess *s, mdc_join_print out, void *arg,
          struct mdc_err *e)
{
	char *dn = NULL;
	int ret;

	ret = mdc_join_login_password(s, e);
	if (ret == 0)
		ret = mdc_join_ldap_bind(s, e);
	if (ret == 0) {
		ret = mdc_join_ldap_find(s, &dn, e);
		if (ret == MDC_ENOENT)
			ret = mdc_err_set(
			        e, ret,
			        "computer account: %s does not exist in %s",
			        s->o->sam, s->o->domain);
	}
	if (ret == 0)
		ret = mdc_join_ldap_delete(s, dn, e);
	if (ret == 0) {
		say(out, arg, "deleted computer account %s", dn);
		dns_record(s, 0, out, arg);
	}
	if (ret == 0)
		ret = mdc_join_keytab_write(s, NULL, 0, 0, e);
	if (ret == 0)
		say(out, arg, "removed the keys of %s from %s", s->o->sam,
		    s->o->keytab);
	ldap_memfree(dn);
	return ret;
}

/* Change the machine's own password; keytab at kvno + 1 (old kept). */
static int
rotate_keys(struct mdc_join_sess *s, krb5_creds *cp, krb5_kvno old,
            krb5_kvno *kvno, struct mdc_err *e)
{
	char pw[MACHINE_PW_LEN + 1], *dn = NULL;
	int ret;

	ret = mdc_random_password(pw, MACHINE_PW_LEN);
	if (ret != 0)
		return mdc_err_set(e, ret, "machine password: %s",
		                   mdc_strerror(ret));
	ret = mdc_join_change_password(s, cp, pw, e);
	if (ret == 0)
		ret = mdc_join_ldap_bind(s, e);
	if (ret == 0)
		ret = mdc_join_ldap_find(s, &dn, e);
	if (ret == 0)
		ret = mdc_join_ldap_kvno(s, dn, kvno, e);
	if (ret == 0 && *kvno <= old)
		ret = mdc_err_set(
		        e, MDC_EMALF,
		        "rotate: the DC reports kvno %u after the change "
		        "(keytab had %u)",
		        (unsigned)*kvno, (unsigned)old);
	if (ret == 0)
		ret = mdc_join_keytab_write(s, pw, *kvno, old, e);
	explicit_bzero(pw, sizeof(pw));
	ldap_memfree(dn);
	return ret;
}

static int
cmd_rotate(struct mdc_join_sess *s, mdc_join_print out, void *arg,
           struct mdc_err *e)
{
	krb5_creds cp;
	krb5_kvno old = 0, kvno = 0;
	int ret;

	memset(&cp, 0, sizeof(cp));
	ret = mdc_join_keytab_kvno(s, &old, e);
	if (ret == 0) /* the TGT (for LDAP) while the old keys are valid */
		ret = mdc_join_login_keytab(s, NULL, NULL, e);
	if (ret == 0)
		ret = mdc_join_login_keytab(s, "kadmin/changepw", &cp, e);
	if (ret == 0)
		ret = rotate_keys(s, &cp, old, &kvno, e);
	krb5_free_cred_contents(s->ctx, &cp);
	if (ret == 0)
		ret = verify_keytab(s, e);
	if (ret == 0)
		say(out, arg, "%s@%s: new password, kvno %u -> %u, keytab %s",
		    s->o->sam, s->o->realm, (unsigned)old, (unsigned)kvno,
		    s->o->keytab);
	return ret;
}

int
mdc_join_run(struct mdc_join_opts *o, mdc_join_print out, void *arg,
             struct mdc_err *e)
{
	struct mdc_join_sess s;
	struct mdc_join_dc dc;
	char host[MDC_JOIN_NAME_MAX + 1] = "";
	int ret;

	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	ret = mdc_join_derive(o, host[0] != '\0' ? host : NULL, e);
	if (ret == 0)
		ret = mdc_join_locate(o, &dc, e);
	if (ret != 0)
		return ret;
	say(out, arg, "domain controller %s (%s)", dc.name, dc.addr);
	ret = mdc_join_sess_open(&s, o, &dc, e);
	if (ret == 0 && o->cmd == MDC_JOIN_CMD_JOIN)
		ret = cmd_join(&s, out, arg, e);
	else if (ret == 0 && o->cmd == MDC_JOIN_CMD_STATUS)
		ret = cmd_status(&s, out, arg, e);
	else if (ret == 0 && o->cmd == MDC_JOIN_CMD_LEAVE)
		ret = cmd_leave(&s, out, arg, e);
	else if (ret == 0 && o->cmd == MDC_JOIN_CMD_ROTATE)
		ret = cmd_rotate(&s, out, arg, e);
	mdc_join_sess_close(&s);
	return ret;
}
