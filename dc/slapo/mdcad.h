/* dc/slapo/mdcad.h - slapd overlay "mdcad": what AD computes at read time */
#ifndef MDC_MDCAD_H
#define MDC_MDCAD_H

/*
 * A dynamically loaded slapd module (mdcad.so, "moduleload" then
 * "overlay mdcad" in the global section of slapd.conf, after minidc's
 * schema).  It has no C API: its contract is what LDAP clients see.
 *
 * Entries sent (any search):
 * - rootDSE: currentTime (the DC's clock when the entry is sent,
 * GeneralizedTime "YYYYMMDDhhmmss.0Z") and highestCommittedUSN (see below).
 * - every other entry: distinguishedName = the entry's own DN (AD returns it
 *   with "*" and by name), uSNChanged (from entryCSN) and uSNCreated (from
 *   createTimestamp).  minidc's USNs are microseconds since 1970 of the
 *   change, so they grow with every write; highestCommittedUSN is the
 *   current time in the same unit.
 * - tokenGroups, only when asked for by name in a base-scope search (as
 *   AD): the SIDs (binary) of the primary group (objectSid's domain part +
 *   primaryGroupID) and of every group reached through memberOf, nested.
 *
 * Search filters, rewritten before a database evaluates them:
 * - (objectSid=S-1-5-21-...) in string form -> the binary SID;
 * - (objectCategory=<class name>) -> the class's default category DN
 *   (user/person -> CN=Person,CN=Schema,CN=Configuration,<NC>, computer ->
 *   CN=Computer, group -> CN=Group, ...);
 * - (uSNChanged>=N), (uSNChanged<=N) -> entryCSN ordering; the same for
 *   uSNCreated -> createTimestamp (SSSD's USN-based refreshes);
 * - attr:1.2.840.113556.1.4.1941:=<DN> (LDAP_MATCHING_RULE_IN_CHAIN, which
 *   the module registers) for memberOf (entries nested in a group) and
 *   member (groups that contain DN, nested) -> an OR of equalities over
 *   the expanded set (at most 4096 DNs).
 *
 * Base DNs of searches and bind DNs in AD's forms, which slapd's DN parser
 * only lets through as mdcExtendedDN=<form> with the preloaded wrapper
 * mdcdnhook.so (dc/slapo/dnhook.c), are resolved to the entry's DN before
 * a database is chosen:
 * - <GUID=x> (32 hex digits of the stored bytes, or the dashed text form)
 *   -> the entry with that objectGUID; <SID=S-1-...> (or hex) -> objectSid;
 * - <WKGUID=guid,DN> -> the DN in DN's wellKnownObjects value
 *   B:32:<guid>:<DN>;
 * - bind "alice@example.com" -> userPrincipalName, else sAMAccountName
 *   alice; "EXAMPLElice" -> sAMAccountName alice, where EXAMPLE is the
 *   first label of the naming context (minidc's NetBIOS domain rule).
 * A form that resolves to nothing: noSuchObject (search), invalidCredentials
 * (bind).
 *
 * A GSS-SPNEGO SASL bind without a token (Samba's mechanism probe) gets AD's
 * answer: saslBindInProgress with a SPNEGO NegTokenInit offering Kerberos.
 */
int init_module(int argc, char *argv[]);

/* The placeholder attribute (dc/schema/40-constructed.ldif) and the longest
 * AD form the wrapper rewrites. */
#define MDCAD_EXTDN_ATTR "mdcExtendedDN"
#define MDCAD_EXTDN_MAX  512

#endif
