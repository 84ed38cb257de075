/* dc/kdb/kdb_int.h - state shared by the KDB plugin's source files */
#ifndef MDC_KDB_INT_H
#define MDC_KDB_INT_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <kdb.h>

#include "dc/kdb/kdb_ldap.h"
#include "dc/kdb/kdb_watch.h"

/* Lookups are cached this long unless the profile says cache_ms = N. */
#define MDC_KDB_CACHE_MS    500
#define MDC_KDB_CACHE_SLOTS 256

struct mdc_kdb_slot {
	char *key;      /* full unparsed requested name */
	long long t_ms; /* when it was fetched */
	struct mdc_kdb_rec *rec;
};

/*
 * Per-realm module state, stored with krb5_db_set_context().  Read from the
 * [dbmodules] section: ldap_uri, base_dn, realm, dns_domain, cache_ms.
 */
struct mdc_kdb {
	struct mdc_kdb_conn conn;
	char *realm;
	char *base_dn;
	char *dns_domain;
	char *krb_dn;  /* CN=Kerberos,CN=System,<base>: special entries */
	char *netbios; /* NetBIOS domain name (PAC LogonDomainName) */
	char *dc_name; /* this DC's host name (PAC LogonServer) */
	long cache_ms;
	char *stamp_path; /* touched by every writer; NULL: TTL only */
	struct timespec stamp_seen;
	ino_t stamp_ino;
	struct mdc_kdb_watch watch; /* change notifications (cache on only) */
	struct mdc_kdb_slot cache[MDC_KDB_CACHE_SLOTS];
};

/* Private data of each krb5_db_entry we return (entry->e_data). */
struct mdc_kdb_edata {
	struct mdc_kdb_rec *rec; /* the directory entry; NULL for new ones */
	char *pw_hash;           /* {CRYPT} value for userPassword, pending */
	char *pw_history;        /* new mdcPwdHistory, pending */
};

/* Fetch the module state of ctx; KRB5_KDB_DBNOTINITED if none. */
krb5_error_code mdc_kdb_state(krb5_context ctx, struct mdc_kdb **db_out);
/* Forget every cached lookup (after any write). */
void mdc_kdb_cache_clear(struct mdc_kdb *db);
/*
 * Tell every process using the directory (krb5kdc, kadmind, kadmin.local)
 * that an entry changed: touch the stamp file (profile: stamp_file).
 */
void mdc_kdb_touch(struct mdc_kdb *db);
/*
 * Find the directory record of principal p (no cache).  MDC_ENOENT if none.
 */
int mdc_kdb_lookup(krb5_context ctx, struct mdc_kdb *db, krb5_const_principal p,
                   struct mdc_kdb_rec **rec_out);
/* True for the AD krbtgt account record. */
int mdc_kdb_rec_is_krbtgt(const struct mdc_kdb_rec *r);
/* Milliseconds on a monotonic clock. */
long long mdc_kdb_now_ms(void);

/* The DAL methods implemented outside kdb_plugin.c. */
krb5_error_code mdc_kdb_put_principal(krb5_context ctx, krb5_db_entry *entry,
                                      char **db_args);
krb5_error_code mdc_kdb_change_pwd(krb5_context ctx, krb5_keyblock *mkey,
                                   krb5_key_salt_tuple *ks, int nks,
                                   char *passwd, int new_kvno,
                                   krb5_boolean keepold, krb5_db_entry *e);
/* AS policy: accounts locked out (lib/pwpolicy.h) get CLIENT_REVOKED. */
krb5_error_code mdc_kdb_check_policy_as(krb5_context ctx, krb5_kdc_req *request,
                                        krb5_db_entry *client,
                                        krb5_db_entry *server,
                                        krb5_timestamp kdc_time,
                                        const char **status,
                                        krb5_pa_data ***e_data);
void mdc_kdb_audit_as_req(krb5_context ctx, krb5_kdc_req *request,
                          const krb5_address *local_addr,
                          const krb5_address *remote_addr,
                          krb5_db_entry *client, krb5_db_entry *server,
                          krb5_timestamp authtime, krb5_error_code error_code);
krb5_error_code mdc_kdb_delete_principal(krb5_context ctx,
                                         krb5_const_principal p);
krb5_error_code mdc_kdb_check_allowed_to_delegate(krb5_context ctx,
                                                  krb5_const_principal client,
                                                  const krb5_db_entry *server,
                                                  krb5_const_principal proxy);
krb5_error_code
mdc_kdb_issue_pac(krb5_context ctx, unsigned int flags, krb5_db_entry *client,
                  krb5_keyblock *replaced_reply_key, krb5_db_entry *server,
                  krb5_db_entry *signing_krbtgt, krb5_timestamp authtime,
                  krb5_pac old_pac, krb5_pac new_pac,
                  krb5_data ***auth_indicators);

/* Create CN=Kerberos,CN=System if missing (kdb_put.c). */
int mdc_kdb_ensure_container(struct mdc_kdb *db);

/* Map an MDC_E* status to a krb5 error code. */
krb5_error_code mdc_kdb_err(int ret);

#endif
