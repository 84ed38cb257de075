/* join/sess.h - one minidc-join session: Kerberos, LDAP, keytab steps */
#ifndef MDC_JOIN_SESS_H
#define MDC_JOIN_SESS_H

#include <krb5.h>
#include <ldap.h>

#include "join/join.h"
#include "join/locate.h"

/*
 * Everything a command holds: the located DC, a private krb5.conf naming
 * it by address (KRB5_CONFIG is pointed at it in-process), a MEMORY
 * ccache (KRB5CCNAME too, for the SASL GSSAPI plugin) and the LDAP
 * connection.  Owned by the session; mdc_join_sess_close frees all.
 */
struct mdc_join_sess {
	const struct mdc_join_opts *o;
	struct mdc_join_dc dc;
	krb5_context ctx;
	krb5_ccache cc;
	krb5_principal me; /* HOST2$@REALM */
	LDAP *ld;
	char *base;      /* DC=example,DC=com */
	char tmpdir[64]; /* holds krb5.conf */
	char conf[96];
};

/* sess.c: set up (after mdc_join_locate filled dc) and tear down. */
MDC_MUSTCHECK int mdc_join_sess_open(struct mdc_join_sess *s,
                                     const struct mdc_join_opts *o,
                                     const struct mdc_join_dc *dc,
                                     struct mdc_err *e);
void mdc_join_sess_close(struct mdc_join_sess *s);

/* A TGT for o->user from a password (file, stdin or prompt) into s->cc. */
MDC_MUSTCHECK int mdc_join_login_password(struct mdc_join_sess *s,
                                          struct mdc_err *e);
/*
 * Initial credentials of the machine (s->me) from the keytab: for service
 * (NULL: the TGT, stored in s->cc) into *creds (may be NULL: not kept;
 * else the caller frees the contents).
 */
MDC_MUSTCHECK int mdc_join_login_keytab(struct mdc_join_sess *s,
                                        const char *service, krb5_creds *creds,
                                        struct mdc_err *e);
/* kpasswd set-password of s->me with s->cc's (admin) TGT. */
MDC_MUSTCHECK int mdc_join_set_password(struct mdc_join_sess *s, const char *pw,
                                        struct mdc_err *e);
/* kpasswd change-password of s->me with its kadmin/changepw ticket. */
MDC_MUSTCHECK int mdc_join_change_password(struct mdc_join_sess *s,
                                           krb5_creds *creds, const char *pw,
                                           struct mdc_err *e);

/* keytab.c */
/*
 * Rewrite o->keytab (0600, atomically) so that it holds, for s->me and
 * every SPN, the keys of pw at kvno (pw NULL: none), plus its previous
 * entries of other principals, plus ours at keep_kvno (0: none).  A
 * keytab left empty is removed.
 */
MDC_MUSTCHECK int mdc_join_keytab_write(struct mdc_join_sess *s, const char *pw,
                                        krb5_kvno kvno, krb5_kvno keep_kvno,
                                        struct mdc_err *e);
/* Highest kvno of s->me in o->keytab; MDC_ENOENT if none. */
MDC_MUSTCHECK int mdc_join_keytab_kvno(struct mdc_join_sess *s,
                                       krb5_kvno *kvno_out, struct mdc_err *e);

/* ldapops.c */
/* LDAP SASL/GSSAPI bind to the DC (by its name, with s->cc). */
MDC_MUSTCHECK int mdc_join_ldap_bind(struct mdc_join_sess *s,
                                     struct mdc_err *e);
/* DN of the computer (sAMAccountName o->sam) into *dn_out (caller frees
 * with ldap_memfree); MDC_ENOENT if there is none. */
MDC_MUSTCHECK int mdc_join_ldap_find(struct mdc_join_sess *s, char **dn_out,
                                     struct mdc_err *e);
/* Create CN=<short>,CN=Computers,<base>; *dn_out as ldap_find. */
MDC_MUSTCHECK int mdc_join_ldap_add(struct mdc_join_sess *s, char **dn_out,
                                    struct mdc_err *e);
/* Reuse dn: set dNSHostName, add our SPNs that are missing. */
MDC_MUSTCHECK int mdc_join_ldap_update(struct mdc_join_sess *s, const char *dn,
                                       struct mdc_err *e);
/* msDS-KeyVersionNumber of dn. */
MDC_MUSTCHECK int mdc_join_ldap_kvno(struct mdc_join_sess *s, const char *dn,
                                     krb5_kvno *kvno_out, struct mdc_err *e);
MDC_MUSTCHECK int mdc_join_ldap_delete(struct mdc_join_sess *s, const char *dn,
                                       struct mdc_err *e);

/* "what: <krb5 message of code>" into e; returns MDC_EKRB5. */
int mdc_join_kfail(struct mdc_join_sess *s, krb5_error_code code,
                   const char *what, struct mdc_err *e);

#endif
