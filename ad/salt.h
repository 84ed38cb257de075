/* ad/salt.h - the Kerberos salt AD gives an account's keys */
#ifndef MDC_AD_SALT_H
#define MDC_AD_SALT_H

/*
 * The AD salt string of an account ([MS-KILE] 3.1.1.2), new string:
 * computers (sam ends with '$'): REALM "host" lower(sam without $) "."
 *   lower(dns_domain)   e.g. EXAMPLE.COMhosthost2.example.com
 * others: REALM sam     e.g. EXAMPLE.COMalice
 * Returns NULL on allocation failure.  The KDC, the dsa and minidc-join
 * all derive keys with it: a keytab join writes works only if they agree.
 */
char *mdc_ad_salt(const char *realm, const char *dns_domain, const char *sam);

#endif
