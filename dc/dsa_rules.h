/* dc/dsa_rules.h - AD write rules that need no directory: values, names */
#ifndef MDC_DSA_RULES_H
#define MDC_DSA_RULES_H

#include <stddef.h>
#include <stdint.h>

#include <ldap.h>

#include "dc/sockproto.h"
#include "lib/ad.h"
#include "lib/err.h"

/* Roles of a requester (bits). */
enum {
	MDC_DSA_SYSTEM = 1,    /* the DC itself / the admin CLI: no authz */
	MDC_DSA_ADMIN = 2,     /* Domain/Enterprise Admins, Administrators */
	MDC_DSA_ACCTOP = 4,    /* Account Operators */
	MDC_DSA_DNSADMIN = 8,  /* DnsAdmins */
	MDC_DSA_COMPUTER = 16, /* a computer account */
};

/* What the authorization of one operation depends on. */
struct mdc_dsa_facts {
	unsigned roles;  /* the requester's MDC_DSA_* bits */
	int account;     /* the target is a user or computer */
	int dns;         /* the target lies under cn=dns,<base> */
	int exists;      /* the target exists (not an ADD) */
	int privileged;  /* it is a member of an admin group */
	int wellknown;   /* its RID is < 1000 or its SID is BUILTIN */
	int self_change; /* a computer's MODIFY of its own entry touching
	                  * only mdc_dsa_attr_self_writable attributes */
	int dns_only;    /* every objectClass involved (the entry's, the
	                  * request's) is a DNS class (mdc_dsa_dns_class) */
	int rename;      /* a MODRDN: dest_dns says where it goes */
	int dest_dns;    /* the new DN lies under cn=dns,<base> */
};

/*
 * True if the requester may attempt the operation (values are checked
 * later): system and admins always; Account Operators on accounts that are
 * neither privileged nor well-known; DnsAdmins on DNS objects (dns_only)
 * under cn=dns that stay under cn=dns when renamed; a computer its
 * self-writable attributes.
 */
int mdc_dsa_may(const struct mdc_dsa_facts *f);

/*
 * Roles (MDC_DSA_ADMIN, MDC_DSA_ACCTOP, MDC_DSA_DNSADMIN) that membership
 * in the group with binary SID bin grants, decided by the SID alone
 * (domain dom's RIDs 512, 519, DnsAdmins; BUILTIN 544, 548), never by a
 * name.  0 for any other SID.
 */
unsigned mdc_dsa_sid_roles(const struct mdc_sid *dom, const uint8_t *bin,
                           size_t len);

/*
 * True if bin is the SID of a protected account or group (AD's
 * AdminSDHolder set): Administrator, krbtgt, Domain Admins, Domain
 * Controllers, Schema Admins, Enterprise Admins, Read-only DCs, Key
 * Admins, the DNS server's account, and BUILTIN Administrators,
 * Account/Server/Print/Backup Operators, Replicator.  An entry that is,
 * directly or through nested groups, a member of one of them is protected as
 * well.
 */
int mdc_dsa_sid_protected(const struct mdc_sid *dom, const uint8_t *bin,
                          size_t len);

/* The same for the RID rid of domain dom (a primaryGroupID). */
int mdc_dsa_rid_protected(uint32_t rid);

/* True if oc is an object class DNS data may use under cn=dns. */
int mdc_dsa_dns_class(const char *oc);

/*
 * True if spn's service class is one only the KDC's own principals carry
 * (krbtgt, kadmin, K/M, changepw): no account may be given such an SPN.
 */
int mdc_dsa_spn_reserved(const char *spn);

/*
 * True if fqdn lies inside the DNS domain domain (a proper subdomain, any
 * case, trailing dots ignored).
 */
int mdc_dsa_name_in_domain(const char *fqdn, const char *domain);

/* How the write path treats an attribute named in a request. */
enum mdc_dsa_attr_kind {
	MDC_DSA_ATTR_NORMAL = 0,  /* written as given (after validation) */
	MDC_DSA_ATTR_OPERATIONAL, /* slapd's own (entryUUID, ...): dropped */
	MDC_DSA_ATTR_SYSTEM,      /* only the DC sets it (objectSid, keys...) */
	MDC_DSA_ATTR_PASSWORD,    /* unicodePwd: becomes Kerberos keys */
};

/* Classify an attribute description (options ignored, any case). */
enum mdc_dsa_attr_kind mdc_dsa_attr_kind(const char *name);

/*
 * True if a computer may write this attribute of its own entry (AD's
 * validated writes and a few informational ones): dNSHostName,
 * servicePrincipalName, msDS-SupportedEncryptionTypes, operatingSystem*.
 */
int mdc_dsa_attr_self_writable(const char *name);

/* True if a and b name the same attribute (case-insensitive, no options). */
int mdc_dsa_attr_is(const char *a, const char *b);

/*
 * Decode a unicodePwd value (the password in double quotes, UTF-16LE) into
 * a new UTF-8 string (*pw_out, free with mdc_secret_free).  MDC_EMALF if the
 * value is not that, or the password is empty or has control characters.
 */
MDC_MUSTCHECK int mdc_dsa_unicodepwd(const void *val, size_t len,
                                     char **pw_out);

/*
 * Check a userAccountControl value for an account of the given kind
 * (computer != 0: computer object).  Exactly one account-type bit must be
 * set and it must fit the class (user: NORMAL_ACCOUNT; computer:
 * WORKSTATION_TRUST or SERVER_TRUST).  *privileged_out is set to 1 if the
 * value has bits only domain admins may set (SERVER_TRUST,
 * TRUSTED_FOR_DELEGATION, TRUSTED_TO_AUTH_FOR_DELEGATION).  MDC_EINVAL if
 * the value is not acceptable.
 */
MDC_MUSTCHECK int mdc_dsa_uac_check(int64_t uac, int computer,
                                    int *privileged_out);

/* Parse a whole decimal LDAP integer (optional '-').  MDC_EINVAL if not. */
MDC_MUSTCHECK int mdc_dsa_parse_int(const char *s, int64_t *v_out);

/*
 * The value of the first RDN of dn if it is a single "CN=value" (any case);
 * new string in *cn_out.  MDC_EINVAL otherwise.
 */
MDC_MUSTCHECK int mdc_dsa_rdn_cn(const char *dn, char **cn_out);

/*
 * Normalize a DN for comparisons (LDAPv3 string form, no extra spaces,
 * ASCII lower case): new string in *out.  MDC_EINVAL if not a DN.
 */
MDC_MUSTCHECK int mdc_dsa_dn_norm(const char *dn, char **out);

/* True if normalized DN dn equals or lies under normalized DN base. */
int mdc_dsa_dn_under(const char *dn, const char *base);

/*
 * True if a computer named short_name (its sAMAccountName without '$') with
 * DNS name fqdn (may be NULL) may put spn on itself: service/host[:port]
 * [/...] with host equal to short_name or fqdn (any case).
 */
int mdc_dsa_spn_is_own(const char *spn, const char *short_name,
                       const char *fqdn);

/*
 * True if a computer named short_name may call itself fqdn: a valid DNS
 * name whose first label is short_name (any case).
 */
int mdc_dsa_dnshostname_ok(const char *fqdn, const char *short_name);

/* sAMAccountType of a group with the given groupType. */
/*
 * A new account's and group's object classes, and the attributes the dsa
 * completes itself (a client's values for them are checked by
 * mdc_dsa_check, then written by dsa_write.c, never copied as given).
 * NULL-terminated; one list for the decision and the write.
 */
extern const char *const mdc_dsa_user_oc[];
extern const char *const mdc_dsa_computer_oc[];
extern const char *const mdc_dsa_group_oc[];
extern const char *const mdc_dsa_account_given[];
extern const char *const mdc_dsa_group_given[];

int64_t mdc_dsa_group_sat(int64_t group_type);

/*
 * Build a request (ADD with mods as the entry, MODIFY, or DELETE with mods
 * NULL) from libldap structures, for callers that are not slapd.  mods may
 * use LDAP_MOD_BVALUES or not.  *req_out is the caller's.
 */
MDC_MUSTCHECK int mdc_dsa_req_from_mods(enum mdc_sock_op op, const char *dn,
                                        LDAPMod **mods,
                                        struct mdc_sock_req **req_out);

#endif
