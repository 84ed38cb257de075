/* dc/kdb/kdb_ldap.h - the KDB plugin's directory access: connection and records
 */
#ifndef MDC_KDB_LDAP_H
#define MDC_KDB_LDAP_H

#include <stddef.h>
#include <stdint.h>

#include <ldap.h>

#include "lib/err.h"

/*
 * One ldapi connection bound with SASL EXTERNAL (the DC system identity).
 * It is opened lazily and reopened once when slapd went away (restart), so
 * callers never see a stale handle.  Not thread-safe: krb5kdc and kadmind
 * call the DAL from one thread.
 */
struct mdc_kdb_conn {
	LDAP *ld;
	char *uri; /* owned */
};

/* Set up conn for uri (copied); no I/O yet.  Returns 0 or MDC_ENOMEM. */
MDC_MUSTCHECK int mdc_kdb_conn_init(struct mdc_kdb_conn *c, const char *uri);
/* Close and free conn's contents (NULL-safe members). */
void mdc_kdb_conn_close(struct mdc_kdb_conn *c);

/*
 * Search (subtree unless scope says otherwise) and return all results in
 * *res_out (caller: ldap_msgfree).  attrs NULL-terminated.  sizelimit 0:
 * none.  Returns 0, or MDC_ELDAP with the LDAP result code in *rc_out
 * (optional) when the server refused, or MDC_ENOENT for noSuchObject.
 */
MDC_MUSTCHECK int mdc_kdb_search(struct mdc_kdb_conn *c, const char *base,
                                 int scope, const char *filter,
                                 char *const *attrs, int sizelimit,
                                 LDAPMessage **res_out);
/* ldap_modify_ext_s with reconnect; MDC_ELDAP on refusal (*rc_out). */
MDC_MUSTCHECK int mdc_kdb_modify(struct mdc_kdb_conn *c, const char *dn,
                                 LDAPMod **mods, int *rc_out);
/* ldap_add_ext_s with reconnect. */
MDC_MUSTCHECK int mdc_kdb_add(struct mdc_kdb_conn *c, const char *dn,
                              LDAPMod **mods, int *rc_out);
/* ldap_delete_ext_s with reconnect. */
MDC_MUSTCHECK int mdc_kdb_delete(struct mdc_kdb_conn *c, const char *dn,
                                 int *rc_out);

/*
 * What the plugin needs from one directory entry.  All members are owned by
 * the record; free with mdc_kdb_rec_free().
 */
struct mdc_kdb_rec {
	char *dn;
	char *sam;       /* sAMAccountName, NULL for special entries */
	char *upn;       /* userPrincipalName */
	char *kname;     /* minidcKrbPrincipalName */
	char **spns;     /* servicePrincipalName values, NULL-terminated */
	char **deleg;    /* msDS-AllowedToDelegateTo, NULL-terminated */
	int is_computer; /* objectClass computer */
	int has_aux;     /* objectClass minidcKrbPrincipalAux */
	int has_uac;
	uint32_t uac;
	int has_flags;
	int64_t flags; /* minidcKrbFlags */
	int64_t max_life, max_renew, expiration, pw_expiration; /* 0: unset */
	int64_t account_expires; /* NT time, 0 or max: never */
	int64_t pwd_last_set;    /* NT time; -1: absent */
	int64_t kvno;            /* msDS-KeyVersionNumber, 0: absent */
	int64_t last_logon;      /* lastLogonTimestamp (NT time), 0: never */
	int64_t bad_pwd_count;   /* badPwdCount */
	int64_t bad_pwd_time;    /* badPasswordTime (NT time) */
	uint32_t primary_gid;
	uint8_t *keys;
	size_t keys_len;
	uint8_t *tl;
	size_t tl_len;
	uint8_t *sid;
	size_t sid_len;
	char *pw_history; /* mdcPwdHistory (lib/pwpolicy.h), NULL if none */
};

/* The attribute list every record search asks for (NULL-terminated). */
extern char *const mdc_kdb_rec_attrs[];

/* Fill a new record from a search result entry. */
MDC_MUSTCHECK int mdc_kdb_rec_from_entry(LDAP *ld, LDAPMessage *e,
                                         struct mdc_kdb_rec **rec_out);
/* Deep copy (used by the cache). */
MDC_MUSTCHECK int mdc_kdb_rec_dup(const struct mdc_kdb_rec *r,
                                  struct mdc_kdb_rec **rec_out);
void mdc_kdb_rec_free(struct mdc_kdb_rec *r);

#endif
