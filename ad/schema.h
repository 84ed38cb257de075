/* ad/schema.h - AD constants every part of minidc agrees on: well-known
 * RIDs, userAccountControl bits, sAMAccountType values */
#ifndef MDC_AD_SCHEMA_H
#define MDC_AD_SCHEMA_H

/*
 * One copy only: the DIT written at provisioning, the KDB plugin reading
 * accounts, the dsa's rules and the migration agent's group check must
 * mean the same numbers.
 */

/* Well-known RIDs of the domain (MS-DTYP 2.4.2.4) and ours. */
enum {
	MDC_RID_ADMINISTRATOR = 500,
	MDC_RID_KRBTGT = 502,
	MDC_RID_DOMAIN_ADMINS = 512,
	MDC_RID_DOMAIN_USERS = 513,
	MDC_RID_DOMAIN_GUESTS = 514,
	MDC_RID_DOMAIN_COMPUTERS = 515,
	MDC_RID_DOMAIN_CONTROLLERS = 516,
	MDC_RID_ENTERPRISE_ADMINS = 519,
	MDC_RID_DC1 = 1000, /* the first DC's computer account */
	MDC_RID_DNSADMINS = 1101,
	MDC_RID_DNSUPDATEPROXY = 1102,
	MDC_RID_MIGRATION_OPERATORS = 1103,
	MDC_RID_DNS_SERVICE = 1104, /* dns-<DC>: the DNS server's own account */
	MDC_RID_FIRST_FREE = 1200,  /* mdcRidNext starts here */
};

/* userAccountControl bits (MS-ADTS 2.2.16). */
enum {
	MDC_UAC_ACCOUNTDISABLE = 0x2,
	MDC_UAC_LOCKOUT = 0x10,
	MDC_UAC_PASSWD_NOTREQD = 0x20,
	MDC_UAC_NORMAL_ACCOUNT = 0x200,
	MDC_UAC_WORKSTATION_TRUST_ACCOUNT = 0x1000,
	MDC_UAC_SERVER_TRUST_ACCOUNT = 0x2000,
	MDC_UAC_DONT_EXPIRE_PASSWORD = 0x10000,
	MDC_UAC_TRUSTED_FOR_DELEGATION = 0x80000,
	MDC_UAC_NOT_DELEGATED = 0x100000,
	MDC_UAC_DONT_REQ_PREAUTH = 0x400000,
	MDC_UAC_PASSWORD_EXPIRED = 0x800000,
	MDC_UAC_TRUSTED_TO_AUTH_FOR_DELEGATION = 0x1000000,
};

/* sAMAccountType values. */
#define MDC_SAT_USER    805306368
#define MDC_SAT_MACHINE 805306369
#define MDC_SAT_GROUP   268435456
#define MDC_SAT_ALIAS   536870912

/* The Computers container's well-known GUID prefix adcli looks for. */
#define MDC_WKGUID_COMPUTERS "AA312825768811D1ADED00C04FD8D5CD"

#endif
