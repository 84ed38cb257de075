/* dc/dsa_check.c - the dsa's rules as one decision over a write request */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "ad/schema.h"
#include "dc/acctname.h"
#include "dc/dsa_check.h"
#include "dc/dsa_rules.h"
#include "lib/pwpolicy.h"
#include "lib/util.h"

/* Minimum security strength factor for a password in an LDAP write. */
#define PWD_MIN_SSF 56
/* userAccountControl bits only domain admins may set. */
#define UAC_PRIVILEGED 0x1582000

/* One decision being made. */
struct chk {
	const struct mdc_dsa_check_in *in;
	const struct mdc_sock_req *req;
	const struct mdc_dsa_target *t;
	struct mdc_dsa_verdict *v;
	int sys, admin;
	int npw;  /* unicodePwd attributes seen */
	char *pw; /* the decoded password, or NULL */
	int err;  /* MDC_ENOMEM */
};

static void deny(struct chk *c, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Refuse with code and a reason (the first refusal stands). */
static void
deny(struct chk *c, int code, const char *fmt, ...)
{
	va_list ap;

	if (c->v->code != 0)
		return;
	c->v->code = code;
	va_start(ap, fmt);
	vsnprintf(c->v->reason, sizeof(c->v->reason), fmt, ap);
	va_end(ap);
}

static int
stop(const struct chk *c)
{
	return c->v->code != 0 || c->err != 0;
}

/* ---- authorization ---- */

/* A computer changing only what it may change on itself. */
static int
self_change(const struct chk *c)
{
	const struct mdc_dsa_check_in *in = c->in;

	if (!(in->roles & MDC_DSA_COMPUTER) || c->req->op != MDC_SOCK_MODIFY ||
	    !c->t->computer || in->who_sid_len == 0 ||
	    in->who_sid_len != c->t->sid_len ||
	    memcmp(in->who_sid, c->t->sid, c->t->sid_len) != 0)
		return 0;
	for (size_t i = 0; i < c->req->nattrs; i++) {
		const char *n = c->req->attrs[i].name;

		if (mdc_dsa_attr_kind(n) != MDC_DSA_ATTR_OPERATIONAL &&
		    !mdc_dsa_attr_self_writable(n))
			return 0;
	}
	return 1;
}

/* True if a MODIFY's objectClass values are all DNS classes. */
static int
mod_classes_dns(const struct mdc_sock_req *req)
{
	for (size_t i = 0; req->op == MDC_SOCK_MODIFY && i < req->nattrs; i++)
		for (size_t v = 0;
		     mdc_dsa_attr_is(req->attrs[i].name, "objectClass") &&
		     v < req->attrs[i].nvals;
		     v++)
			if (!mdc_dsa_dns_class(req->attrs[i].vals[v].data))
				return 0;
	return 1;
}

/* Is the place a MODRDN moves the entry to under cn=dns? */
static int
dest_under_dns(struct chk *c)
{
	const struct mdc_sock_req *req = c->req;
	char *parent = NULL, *norm = NULL;
	const char *comma;
	int hit = 0;

	if (req->op != MDC_SOCK_MODRDN)
		return 0;
	if (req->newsup != NULL) {
		parent = strdup(req->newsup);
	} else {
		/* Same parent: the DN after the first unescaped comma (a
		 * backslash escapes the next character, itself included). */
		for (comma = req->dn; *comma != '\0' && *comma != ','; comma++)
			if (*comma == '\\' && comma[1] != '\0')
				comma++;
		parent = strdup(*comma == ',' ? comma + 1 : "");
	}
	if (parent == NULL)
		c->err = MDC_ENOMEM;
	else if (mdc_dsa_dn_norm(parent, &norm) == 0)
		hit = mdc_dsa_dn_under(norm, c->in->dns_norm);
	free(parent);
	free(norm);
	return hit;
}

static void
authorize(struct chk *c)
{
	const struct mdc_dsa_target *t = c->t;
	unsigned roles = c->in->roles;
	struct mdc_dsa_facts f = {
	        .roles = roles,
	        .account = t->user || t->computer,
	        .dns = t->dns,
	        .exists = t->exists,
	        .privileged = t->privileged,
	        .wellknown = t->foreign_sid || (t->rid > 0 && t->rid < 1000),
	        .self_change = self_change(c),
	        .dns_only = t->dns_only && mod_classes_dns(c->req),
	        .rename = c->req->op == MDC_SOCK_MODRDN,
	        .dest_dns = dest_under_dns(c),
	};

	if (c->err != 0 || mdc_dsa_may(&f))
		return;
	if ((roles & MDC_DSA_DNSADMIN) && t->dns && !f.dns_only)
		deny(c, LDAP_INSUFFICIENT_ACCESS,
		     "00000005: SecErr: DnsAdmins may only write DNS "
		     "objects (idnsZone, idnsRecord) under cn=dns");
	else if ((roles & MDC_DSA_DNSADMIN) && t->dns)
		deny(c, LDAP_INSUFFICIENT_ACCESS,
		     "00000005: SecErr: DnsAdmins may not move DNS "
		     "objects out of cn=dns");
	else if ((roles & MDC_DSA_ACCTOP) && f.account && t->privileged)
		deny(c, LDAP_INSUFFICIENT_ACCESS,
		     "00000005: SecErr: %s is a protected account "
		     "(an administrator, or a member of a protected "
		     "group, possibly through nested groups)",
		     c->req->dn);
	else
		deny(c, LDAP_INSUFFICIENT_ACCESS,
		     "00000005: SecErr: insufficient rights to %s %s",
		     mdc_sock_op_name(c->req->op), c->req->dn);
}

/*
 * Entries nobody but the DC removes or renames: well-known accounts and
 * groups (RID < 1000, BUILTIN), domain controllers, the domain head and
 * its standard containers.
 */
static int
protected_entry(const struct chk *c)
{
	static const char *const fixed[] = {
	        "",
	        "cn=users,",
	        "cn=computers,",
	        "cn=system,",
	        "cn=builtin,",
	        "ou=domain controllers,",
	        "cn=configuration,",
	        "cn=dns,",
	};
	const struct mdc_dsa_target *t = c->t;
	char *norm = NULL;
	int hit = 0;

	if (t->foreign_sid || (t->rid > 0 && t->rid < 1000))
		return 1;
	if (t->uac >= 0 && (t->uac & MDC_UAC_SERVER_TRUST_ACCOUNT))
		return 1;
	if (mdc_dsa_dn_norm(c->req->dn, &norm) != 0)
		return 1;
	for (size_t i = 0; !hit && i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		size_t n = strlen(fixed[i]);

		hit = strncmp(norm, fixed[i], n) == 0 &&
		      strcmp(norm + n, c->in->base_norm) == 0;
	}
	free(norm);
	return hit;
}

/* ---- values ---- */

/*
 * Constrained delegation targets need AD's SeEnableDelegationPrivilege:
 * domain admins only (Account Operators may not hand them out).
 */
static int
admin_only(struct chk *c, const char *name)
{
	if (c->sys || c->admin ||
	    !mdc_dsa_attr_is(name, "msDS-AllowedToDelegateTo"))
		return 0;
	deny(c, LDAP_INSUFFICIENT_ACCESS,
	     "00000005: only domain admins may set %s", name);
	return 1;
}

/* The password of a unicodePwd attribute or modification. */
static void
take_password(struct chk *c, const struct mdc_sock_attr *a)
{
	if (!c->sys && c->req->ssf < PWD_MIN_SSF) {
		deny(c, LDAP_UNWILLING_TO_PERFORM,
		     "0000001F: unicodePwd needs an encrypted "
		     "connection (LDAPS, StartTLS or a SASL security "
		     "layer)");
		return;
	}
	if (a->nvals != 1 || c->npw++ > 0 ||
	    mdc_dsa_unicodepwd(a->vals[0].data, a->vals[0].len, &c->pw) != 0)
		deny(c, LDAP_CONSTRAINT_VIOLATION,
		     "0000052D: unicodePwd must be one quoted UTF-16LE "
		     "password without control characters");
}

/* The values of attributes clients may set on accounts. */
static void
check_values(struct chk *c, const struct mdc_sock_attr *a)
{
	for (size_t i = 0; i < a->nvals && !stop(c); i++) {
		const char *v = a->vals[i].data;
		int64_t n;

		if (mdc_dsa_attr_is(a->name, "servicePrincipalName") &&
		    !mdc_spn_valid(v))
			deny(c, LDAP_CONSTRAINT_VIOLATION,
			     "invalid servicePrincipalName '%s'", v);
		else if (mdc_dsa_attr_is(a->name, "servicePrincipalName") &&
		         mdc_dsa_spn_reserved(v))
			deny(c, LDAP_CONSTRAINT_VIOLATION,
			     "servicePrincipalName '%s': krbtgt, kadmin "
			     "and K/M belong to the KDC alone",
			     v);
		else if (mdc_dsa_attr_is(a->name, "dNSHostName") &&
		         !mdc_domain_valid(v))
			deny(c, LDAP_CONSTRAINT_VIOLATION,
			     "invalid dNSHostName '%s'", v);
		else if (mdc_dsa_attr_is(a->name,
		                         "msDS-SupportedEncryptionTypes") &&
		         mdc_dsa_parse_int(v, &n) != 0)
			deny(c, LDAP_INVALID_SYNTAX,
			     "msDS-SupportedEncryptionTypes: not an integer");
		else if (mdc_dsa_attr_is(a->name, "lockoutTime") &&
		         (mdc_dsa_parse_int(v, &n) != 0 || n != 0))
			deny(c, LDAP_UNWILLING_TO_PERFORM,
			     "00002035: lockoutTime may only be 0; only "
			     "the KDC locks an account");
	}
}

/* The single value of attribute name, or NULL (refused if several). */
static const char *
one_value(struct chk *c, const char *name)
{
	const struct mdc_sock_attr *a = mdc_sock_attr_get(c->req, name);

	if (a == NULL || a->nvals == 0)
		return NULL;
	if (a->nvals > 1)
		deny(c, LDAP_CONSTRAINT_VIOLATION, "%s takes one value", name);
	return a->vals[0].data;
}

/* ---- adds ---- */

/* Is name one of skip? */
static int
skipped(const char *name, const char *const *skip)
{
	for (size_t s = 0; skip[s] != NULL; s++)
		if (mdc_dsa_attr_is(name, skip[s]))
			return 1;
	return 0;
}

/*
 * The request's attributes the add copies (all but skip and slapd's
 * operational ones): system-only ones only from the system identity, the
 * password taken out.
 */
static void
add_attrs(struct chk *c, const char *const *skip)
{
	for (size_t i = 0; i < c->req->nattrs && !stop(c); i++) {
		const struct mdc_sock_attr *a = &c->req->attrs[i];
		enum mdc_dsa_attr_kind k = mdc_dsa_attr_kind(a->name);

		if (skipped(a->name, skip) || k == MDC_DSA_ATTR_OPERATIONAL)
			continue;
		if (k == MDC_DSA_ATTR_PASSWORD)
			take_password(c, a);
		else if (k == MDC_DSA_ATTR_SYSTEM && !c->sys)
			deny(c, LDAP_UNWILLING_TO_PERFORM,
			     "00002012: %s is system-only", a->name);
		else if (!admin_only(c, a->name) && !c->sys)
			check_values(c, a);
	}
}

/* objectClass: the AD chain for the class; other values only from the DC. */
static void
add_classes(struct chk *c, const char *const *chain)
{
	const struct mdc_sock_attr *oc =
	        mdc_sock_attr_get(c->req, "objectClass");
	size_t i, k;

	for (i = 0; oc != NULL && i < oc->nvals && !c->sys && !stop(c); i++) {
		for (k = 0; chain[k] != NULL &&
		            strcasecmp(chain[k], oc->vals[i].data) != 0;
		     k++)
			;
		if (chain[k] == NULL)
			deny(c, LDAP_OBJECT_CLASS_VIOLATION,
			     "objectClass %s is not allowed here",
			     oc->vals[i].data);
	}
}

/* The RDN is CN=<name> (AD's RDN for these classes). */
static void
add_rdn(struct chk *c)
{
	char *cn = NULL;

	if (stop(c))
		return;
	if (mdc_dsa_rdn_cn(c->req->dn, &cn) != 0)
		deny(c, LDAP_NAMING_VIOLATION,
		     "00002073: the RDN must be CN=<name>");
	free(cn);
}

/* sAMAccountName: given or derived from cn; valid and unused. */
static void
add_sam(struct chk *c, int computer)
{
	char *sam = NULL;

	(void)one_value(c, "sAMAccountName");
	if (stop(c))
		return;
	if (mdc_dsa_check_sam(c->req, c->t, &sam) != 0 || sam == NULL) {
		c->err = MDC_ENOMEM;
		return;
	}
	if (!mdc_sam_valid(sam, computer))
		deny(c, LDAP_CONSTRAINT_VIOLATION,
		     "invalid sAMAccountName '%s'", sam);
	else if (c->in->sam_taken)
		deny(c, LDAP_ALREADY_EXISTS,
		     "00000524: sAMAccountName %s is in use", sam);
	free(sam);
}

/* userAccountControl and primaryGroupID of a new account. */
static void
add_uac(struct chk *c, int computer)
{
	const char *given = one_value(c, "userAccountControl");
	int64_t uac, pg;
	int priv = 0;

	if (stop(c))
		return;
	if (given == NULL)
		uac = computer ? MDC_UAC_WORKSTATION_TRUST_ACCOUNT
		               : MDC_UAC_NORMAL_ACCOUNT |
		                         (c->npw > 0 ? 0
		                                     : MDC_UAC_ACCOUNTDISABLE);
	else if (mdc_dsa_parse_int(given, &uac) != 0)
		uac = -1;
	if (mdc_dsa_uac_check(uac, computer, &priv) != 0)
		deny(c, LDAP_UNWILLING_TO_PERFORM,
		     "userAccountControl %s does not fit the object",
		     given != NULL ? given : "?");
	else if (priv && !c->sys && !c->admin)
		deny(c, LDAP_INSUFFICIENT_ACCESS,
		     "only domain admins may set these "
		     "userAccountControl bits");
	pg = (uac & MDC_UAC_SERVER_TRUST_ACCOUNT) ? MDC_RID_DOMAIN_CONTROLLERS
	     : computer                           ? MDC_RID_DOMAIN_COMPUTERS
	                                          : MDC_RID_DOMAIN_USERS;
	given = one_value(c, "primaryGroupID");
	if (given != NULL && !c->sys && atoll(given) != pg)
		deny(c, LDAP_UNWILLING_TO_PERFORM,
		     "primaryGroupID must be %lld", (long long)pg);
}

/* pwdLastSet: clients may give 0 (must change) or -1 (now). */
static void
add_pwdlastset(struct chk *c)
{
	const char *given = one_value(c, "pwdLastSet");
	int64_t v = 0;

	if (given != NULL && mdc_dsa_parse_int(given, &v) != 0)
		v = -2;
	if (given != NULL && !c->sys && v != 0 && v != -1)
		deny(c, LDAP_UNWILLING_TO_PERFORM,
		     "pwdLastSet may only be set to 0 or -1");
}

static void
add_account(struct chk *c)
{
	int computer = c->t->computer;

	add_attrs(c, mdc_dsa_account_given);
	add_classes(c, computer ? mdc_dsa_computer_oc : mdc_dsa_user_oc);
	add_rdn(c);
	add_sam(c, computer);
	add_uac(c, computer);
	if (!stop(c))
		add_pwdlastset(c);
}

static void
add_group(struct chk *c)
{
	const char *gt;
	int64_t type;

	add_attrs(c, mdc_dsa_group_given);
	add_classes(c, mdc_dsa_group_oc);
	add_rdn(c);
	add_sam(c, 0);
	gt = stop(c) ? NULL : one_value(c, "groupType");
	if (gt != NULL && !stop(c) && mdc_dsa_parse_int(gt, &type) != 0)
		deny(c, LDAP_INVALID_SYNTAX, "groupType: not an integer");
}

static void
check_add(struct chk *c)
{
	static const char *const none[] = {NULL};

	if (c->t->user || c->t->computer) {
		add_account(c);
	} else if (c->t->group) {
		add_group(c);
	} else {
		add_attrs(c, none);
		if (c->npw > 0)
			deny(c, LDAP_UNWILLING_TO_PERFORM,
			     "unicodePwd belongs to user and computer "
			     "objects");
	}
}

/* ---- modifies and renames ---- */

/* The sAMAccountName of the target without its '$'. */
static char *
short_name(const struct mdc_dsa_target *t)
{
	size_t n = t->sam != NULL ? strlen(t->sam) : 0;

	if (n > 0 && t->sam[n - 1] == '$')
		n--;
	return strndup(t->sam != NULL ? t->sam : "", n);
}

/*
 * A computer's own name must lie in the domain's DNS suffix: dNSHostName,
 * and the host part of an SPN unless it is the bare short name.
 */
static int
own_domain(struct chk *c, const char *attr, const char *v)
{
	const char *h = strchr(v, '/');
	char *host;
	int ok;

	if (mdc_dsa_attr_is(attr, "dNSHostName"))
		return mdc_dsa_name_in_domain(v, c->in->dns_domain);
	if (!mdc_dsa_attr_is(attr, "servicePrincipalName") || h == NULL)
		return 1;
	host = strndup(h + 1, strcspn(h + 1, ":/"));
	if (host == NULL)
		return 0;
	ok = strchr(host, '.') == NULL ||
	     mdc_dsa_name_in_domain(host, c->in->dns_domain);
	free(host);
	return ok;
}

/* New dNSHostName of the request (for checking SPNs in the same one). */
static const char *
new_fqdn(const struct mdc_sock_req *req)
{
	for (size_t i = 0; i < req->nattrs; i++)
		if (mdc_dsa_attr_is(req->attrs[i].name, "dNSHostName") &&
		    req->attrs[i].op != MDC_SOCK_MOD_DELETE &&
		    req->attrs[i].nvals == 1)
			return req->attrs[i].vals[0].data;
	return NULL;
}

/* A computer's own validated writes: its names and SPNs only. */
static void
check_self(struct chk *c, const struct mdc_sock_attr *m)
{
	const char *fqdn = new_fqdn(c->req);
	char *sn = short_name(c->t);

	for (size_t i = 0; sn != NULL && i < m->nvals && !stop(c); i++) {
		const char *v = m->vals[i].data;

		if (m->op == MDC_SOCK_MOD_DELETE)
			break;
		check_values(c, m);
		if (!stop(c) && !own_domain(c, m->name, v))
			deny(c, LDAP_INSUFFICIENT_ACCESS,
			     "%s %s is outside the domain %s", m->name, v,
			     c->in->dns_domain);
		if (stop(c))
			break;
		if (mdc_dsa_attr_is(m->name, "dNSHostName") &&
		    !mdc_dsa_dnshostname_ok(v, sn))
			deny(c, LDAP_INSUFFICIENT_ACCESS,
			     "a computer may only name itself %s.<domain>", sn);
		if (mdc_dsa_attr_is(m->name, "servicePrincipalName") &&
		    !mdc_dsa_spn_is_own(v, sn, fqdn) &&
		    !mdc_dsa_spn_is_own(v, sn, c->t->fqdn))
			deny(c, LDAP_INSUFFICIENT_ACCESS,
			     "servicePrincipalName %s does not name this "
			     "computer",
			     v);
	}
	if (sn == NULL)
		c->err = MDC_ENOMEM;
	free(sn);
}

/* sAMAccountName renames: valid and unused by anyone else. */
static void
mod_sam(struct chk *c, const struct mdc_sock_attr *m)
{
	if (m->op != MDC_SOCK_MOD_REPLACE || m->nvals != 1)
		deny(c, LDAP_UNWILLING_TO_PERFORM,
		     "sAMAccountName can only be replaced by one value");
	else if (!mdc_sam_valid(m->vals[0].data, c->t->computer))
		deny(c, LDAP_CONSTRAINT_VIOLATION,
		     "invalid sAMAccountName '%s'", m->vals[0].data);
	else if (c->in->sam_taken)
		deny(c, LDAP_ALREADY_EXISTS,
		     "00000524: sAMAccountName %s is in use", m->vals[0].data);
}

static void
mod_uac(struct chk *c, const struct mdc_sock_attr *m)
{
	int64_t uac = -1, old = c->t->uac;
	int priv = 0;

	if (m->op != MDC_SOCK_MOD_REPLACE || m->nvals != 1 ||
	    mdc_dsa_parse_int(m->vals[0].data, &uac) != 0 ||
	    mdc_dsa_uac_check(uac, c->t->computer, &priv) != 0)
		deny(c, LDAP_UNWILLING_TO_PERFORM,
		     "userAccountControl: one value that fits the object");
	else if (priv && !c->sys && !c->admin &&
	         !(old >= 0 &&
	           (old & UAC_PRIVILEGED) == (uac & UAC_PRIVILEGED)))
		deny(c, LDAP_INSUFFICIENT_ACCESS,
		     "only domain admins may set these "
		     "userAccountControl bits");
}

/* Rules for one modification by a non-system requester on an account. */
static void
mod_account_rules(struct chk *c, const struct mdc_sock_attr *m)
{
	int64_t v;

	if (mdc_dsa_attr_is(m->name, "objectClass") ||
	    mdc_dsa_attr_is(m->name, "primaryGroupID"))
		deny(c, LDAP_UNWILLING_TO_PERFORM,
		     "00002012: %s cannot be changed", m->name);
	else if (mdc_dsa_attr_is(m->name, "sAMAccountName"))
		mod_sam(c, m);
	else if (mdc_dsa_attr_is(m->name, "userAccountControl"))
		mod_uac(c, m);
	else if (mdc_dsa_attr_is(m->name, "pwdLastSet") &&
	         (m->op != MDC_SOCK_MOD_REPLACE || m->nvals != 1 ||
	          mdc_dsa_parse_int(m->vals[0].data, &v) != 0 ||
	          (v != 0 && v != -1)))
		deny(c, LDAP_UNWILLING_TO_PERFORM,
		     "pwdLastSet may only be set to 0 or -1");
	else if (m->op != MDC_SOCK_MOD_DELETE)
		check_values(c, m);
}

/*
 * lockoutTime: AD's unlock is a replace by 0 (which also clears
 * badPwdCount, dc/dsa_write.c); only the KDC sets a lock time.  Whoever
 * may manage the account (mdc_dsa_may, as for a password reset) may
 * unlock it; this rule holds for the system identity too.
 */
static void
mod_lockout(struct chk *c, const struct mdc_sock_attr *m)
{
	int64_t v;

	if (m->op != MDC_SOCK_MOD_REPLACE || m->nvals != 1 ||
	    mdc_dsa_parse_int(m->vals[0].data, &v) != 0 || v != 0)
		deny(c, LDAP_UNWILLING_TO_PERFORM,
		     "00002035: lockoutTime may only be replaced by 0, "
		     "which unlocks the account");
}

static void
mod_password(struct chk *c, const struct mdc_sock_attr *m, int account)
{
	if (!account)
		deny(c, LDAP_UNWILLING_TO_PERFORM,
		     "unicodePwd belongs to user and computer objects");
	else if (m->op == MDC_SOCK_MOD_DELETE)
		/* A user's own change (delete old + add new): use kpasswd. */
		deny(c, LDAP_UNWILLING_TO_PERFORM,
		     "password changes go through kpasswd; only "
		     "administrators reset unicodePwd");
	else
		take_password(c, m);
}

static void
check_modify(struct chk *c)
{
	const struct mdc_dsa_target *t = c->t;
	int account = t->user || t->computer;
	int self = account && !c->sys && !c->admin &&
	           !(c->in->roles & MDC_DSA_ACCTOP);

	for (size_t i = 0; i < c->req->nattrs && !stop(c); i++) {
		const struct mdc_sock_attr *m = &c->req->attrs[i];
		enum mdc_dsa_attr_kind k = mdc_dsa_attr_kind(m->name);

		if (k == MDC_DSA_ATTR_OPERATIONAL)
			continue;
		if (account && mdc_dsa_attr_is(m->name, "lockoutTime"))
			mod_lockout(c, m);
		else if (k == MDC_DSA_ATTR_PASSWORD)
			mod_password(c, m, account);
		else if (k == MDC_DSA_ATTR_SYSTEM && !c->sys)
			deny(c, LDAP_UNWILLING_TO_PERFORM,
			     "00002012: %s is system-only", m->name);
		else if (admin_only(c, m->name))
			break;
		else if (self)
			check_self(c, m);
		else if (account && !c->sys)
			mod_account_rules(c, m);
		else if (account &&
		         mdc_dsa_attr_is(m->name, "sAMAccountName") &&
		         m->nvals == 1)
			mod_sam(c, m);
	}
}

/* Accounts keep a CN= RDN (cn follows it, as in AD). */
static void
check_modrdn(struct chk *c)
{
	char *cn = NULL;

	if ((c->t->user || c->t->computer || c->t->group) &&
	    mdc_dsa_rdn_cn(c->req->newrdn, &cn) != 0)
		deny(c, LDAP_NAMING_VIOLATION,
		     "the RDN of an account must be CN=<name>");
	free(cn);
}

/* ---- the decision ---- */

/* The domain's password policy for a user's new password (not a machine
 * account's: generated, its name ends in '$'). */
static void
check_policy(struct chk *c)
{
	char *sam = NULL;
	const char *name;
	size_t n;
	int v;

	if (c->pw == NULL || stop(c))
		return;
	if (mdc_dsa_check_sam(c->req, c->t, &sam) != 0) {
		c->err = MDC_ENOMEM;
		return;
	}
	name = sam != NULL ? sam : c->t->sam;
	n = name != NULL ? strlen(name) : 0;
	if (n > 0 && name[n - 1] != '$') {
		v = mdc_pwpolicy_check(c->pw, name);
		if (v == MDC_PW_OK && c->t->exists &&
		    mdc_pwpolicy_history_has(c->in->pw_history, c->pw))
			v = MDC_PW_IN_HISTORY;
		if (v != MDC_PW_OK)
			deny(c, LDAP_CONSTRAINT_VIOLATION, "0000052D: %s",
			     mdc_pwpolicy_reason(v));
	}
	free(sam);
}

static void
check_write(struct chk *c)
{
	const struct mdc_sock_req *req = c->req;
	const struct mdc_dsa_target *t = c->t;

	if (req->op != MDC_SOCK_ADD && !t->exists) {
		deny(c, LDAP_NO_SUCH_OBJECT, "no such entry");
		return;
	}
	authorize(c);
	if (stop(c))
		return;
	if ((req->op == MDC_SOCK_DELETE || req->op == MDC_SOCK_MODRDN) &&
	    !c->sys && protected_entry(c)) {
		deny(c, LDAP_UNWILLING_TO_PERFORM,
		     "%s is a critical system object", req->dn);
		return;
	}
	if (req->op == MDC_SOCK_MODRDN)
		check_modrdn(c);
	else if (req->op == MDC_SOCK_ADD)
		check_add(c);
	else if (req->op == MDC_SOCK_MODIFY)
		check_modify(c);
	check_policy(c);
}

int
mdc_dsa_check(const struct mdc_dsa_check_in *in, struct mdc_dsa_verdict *v)
{
	struct chk c = {.in = in, .req = in->req, .t = in->t, .v = v};

	memset(v, 0, sizeof(*v));
	c.sys = (in->roles & MDC_DSA_SYSTEM) != 0;
	c.admin = (in->roles & MDC_DSA_ADMIN) != 0;
	check_write(&c);
	if (c.pw != NULL)
		mdc_secret_free(c.pw, 0);
	return c.err;
}

int
mdc_dsa_check_has_pw(const struct mdc_sock_req *req)
{
	for (size_t i = 0; i < req->nattrs; i++)
		if (mdc_dsa_attr_kind(req->attrs[i].name) ==
		    MDC_DSA_ATTR_PASSWORD)
			return 1;
	return 0;
}

int
mdc_dsa_check_sam(const struct mdc_sock_req *req,
                  const struct mdc_dsa_target *t, char **sam_out)
{
	const struct mdc_sock_attr *a;
	char *cn = NULL;

	*sam_out = NULL;
	if (req->op == MDC_SOCK_MODIFY) {
		for (size_t i = 0; i < req->nattrs; i++) {
			a = &req->attrs[i];
			if (mdc_dsa_attr_is(a->name, "sAMAccountName") &&
			    a->op != MDC_SOCK_MOD_DELETE && a->nvals == 1) {
				*sam_out = strdup(a->vals[0].data);
				return *sam_out == NULL ? MDC_ENOMEM : 0;
			}
		}
		return 0;
	}
	if (req->op != MDC_SOCK_ADD || !(t->user || t->computer || t->group))
		return 0;
	a = mdc_sock_attr_get(req, "sAMAccountName");
	if (a != NULL && a->nvals > 0) {
		*sam_out = strdup(a->vals[0].data);
		return *sam_out == NULL ? MDC_ENOMEM : 0;
	}
	if (mdc_dsa_rdn_cn(req->dn, &cn) != 0)
		return 0; /* refused by the RDN rule */
	*sam_out = mdc_strdupf("%.15s%s", cn, t->computer ? "$" : "");
	free(cn);
	if (*sam_out == NULL)
		return MDC_ENOMEM;
	if (t->computer)
		mdc_str_upper(*sam_out);
	return 0;
}
