/* dc/dsa_int.h - internals shared by dc/dsa.c and dc/dsa_write.c */
#ifndef MDC_DSA_INT_H
#define MDC_DSA_INT_H

#include <pthread.h>

#include "ad/mods.h"
#include "dc/dsa.h"
#include "dc/dsa_check.h"

#define MDC_DSA_POOL 16

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
	/* From an add's name check to its write (dc/dsa_write.c). */
	pthread_mutex_t lock;
	struct mdc_dsa_keys *keys; /* password -> keys (dc/dsa_keys.h) */
	/* Bound ldapi connections kept between requests (mdc_dsa_handle):
	 * a connect and a SASL bind per request otherwise. */
	pthread_mutex_t pool_mu;
	LDAP *pool[MDC_DSA_POOL];
	int npool;
};

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
/*
 * Decide req for who on t (dc/dsa_check.h) after reading the directory
 * state the rules need: whether the name it gives is taken, the target's
 * password history (returned in *history_out for the write, if not NULL;
 * the caller frees it).  A refusal is in res (code != 0).  Returns 0,
 * MDC_ENOMEM or MDC_ELDAP.
 */
MDC_MUSTCHECK int mdc_dsa_decide(struct mdc_dsa *d, LDAP *ld,
                                 const struct mdc_sock_req *req,
                                 const struct mdc_dsa_who *who,
                                 const struct mdc_dsa_target *t,
                                 char **history_out, struct mdc_dsa_res *res);
/* The write operations (dc/dsa_write.c): decide, complete, write; all
 * fill res. */
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
