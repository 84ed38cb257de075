/* dc/dsa_int.h - internals shared by dc/dsa.c and dc/dsa_write.c */
#ifndef MDC_DSA_INT_H
#define MDC_DSA_INT_H

#include <pthread.h>

#include "dc/dsa.h"

/* An add whose keys are being set outside lock (dc/dsa_write.c). */
struct mdc_dsa_finishing {
	char *dn_norm; /* normalized DN of the new account */
	struct mdc_dsa_finishing *next;
};

struct mdc_dsa {
	const struct mdc_dcconf *conf;
	struct mdc_sid dom;
	char *base_norm; /* normalized DN of the domain head */
	char *dns_norm;  /* cn=dns,<base>, normalized */
	char *uri;       /* ldapi URI */
	char *stamp;     /* DIR/run/kdb.stamp: tells the KDC to reload */
	int stamp_fd;    /* it, opened before the dsa dropped root, or -1 */
	char *schema_dn; /* CN=Schema,CN=Configuration,<base> */
	char *dns_authz; /* the DNS server's bind DN, or NULL */
	pthread_mutex_t lock;      /* RID allocation and account creation */
	struct mdc_dsa_keys *keys; /* password -> keys (dc/dsa_keys.h) */
	/* Adds written marked whose keys are being set after lock was let
	 * go (under lock): the sweep leaves them alone. */
	struct mdc_dsa_finishing *finishing;
};

/* What the dsa knows about the entry an operation targets. */
struct mdc_dsa_target {
	int exists;
	int computer, user, group, dns;
	int64_t uac;     /* -1: none */
	uint32_t rid;    /* domain RID, 0 if none */
	int foreign_sid; /* a SID outside the domain (S-1-5-32-x) */
	uint8_t sid[MDC_SID_BIN_LEN(MDC_SID_MAX_SUBAUTH)];
	size_t sid_len;
	char *sam;      /* sAMAccountName or NULL */
	char *fqdn;     /* dNSHostName or NULL */
	int privileged; /* protected: an admin or protected group, or a
	                 * member of one at any nesting depth */
	int dns_only;   /* every objectClass is a DNS class */
};

/* A growing LDAPMod list (values always as bervals). */
struct mdc_dsa_mods {
	LDAPMod **m;
	size_t n, cap;
	int err;
};

void mdc_dsa_mods_vals(struct mdc_dsa_mods *ms, int op, const char *type,
                       const struct mdc_sock_val *vals, size_t nvals);
void mdc_dsa_mods_bin(struct mdc_dsa_mods *ms, int op, const char *type,
                      const void *p, size_t len);
void mdc_dsa_mods_str(struct mdc_dsa_mods *ms, int op, const char *type,
                      const char *s);
void mdc_dsa_mods_free(struct mdc_dsa_mods *ms);

/* Set res to an LDAP result with printf-style info. */
void mdc_dsa_fail(struct mdc_dsa_res *res, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Fill res from an LDAP call's rc and the handle's diagnostic message. */
void mdc_dsa_ldap_res(LDAP *ld, int rc, struct mdc_dsa_res *res);
/*
 * Search the domain subtree with the filter pre + escaped(value) + post for
 * attrs.  Returns 0, MDC_ENOMEM, or MDC_ELDAP; *res_out (free with
 * ldap_msgfree, may be NULL) is set in every case.
 */
int mdc_dsa_search_value(struct mdc_dsa *d, LDAP *ld, const char *pre,
                         const char *value, const char *post, char **attrs,
                         LDAPMessage **res_out);
/* Touch the KDC's cache stamp after a successful write. */
void mdc_dsa_touch(const struct mdc_dsa *d);

/* Allocate the next RID (mdcRidNext, atomically).  MDC_ELDAP on failure. */
MDC_MUSTCHECK int mdc_dsa_next_rid(struct mdc_dsa *d, LDAP *ld,
                                   uint32_t *rid_out);
/* Is sam used by an entry other than the one with SID self (may be NULL)? */
MDC_MUSTCHECK int mdc_dsa_sam_taken(struct mdc_dsa *d, LDAP *ld,
                                    const char *sam, const uint8_t *self,
                                    size_t self_len, int *taken_out);
/* The write operations (dc/dsa_write.c); all fill res. */
MDC_MUSTCHECK int mdc_dsa_add(struct mdc_dsa *d, LDAP *ld,
                              const struct mdc_sock_req *req,
                              const struct mdc_dsa_who *who,
                              const struct mdc_dsa_target *t,
                              struct mdc_dsa_res *res);
MDC_MUSTCHECK int mdc_dsa_modify(struct mdc_dsa *d, LDAP *ld,
                                 const struct mdc_sock_req *req,
                                 const struct mdc_dsa_who *who,
                                 const struct mdc_dsa_target *t,
                                 struct mdc_dsa_res *res);

#endif
