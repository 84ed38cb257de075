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
 * - attr:1.2.840.113556.1.4.1941:=<DN> (LDAP_MATCHING_RULE_IN_CHAIN, which
 *   the module registers) for memberOf (entries nested in a group) and
 *   member (groups that contain DN, nested) -> an OR of equalities over
 *   the expanded set (at most 4096 DNs).
 *
 * Not possible in an overlay: slapd rejects a base DN or bind DN that is not
 * a DN ("<GUID=...>", "alice@example.com") before any overlay runs.
 */
int init_module(int argc, char *argv[]);

#endif
