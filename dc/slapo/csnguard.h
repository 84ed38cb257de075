/* dc/slapo/csnguard.h - slapd overlay "mdccsn": replication's last writer wins
 */
#ifndef MDC_CSNGUARD_H
#define MDC_CSNGUARD_H

/*
 * Part of mdcad.so, configured per database ("overlay mdccsn" in the
 * domain's database, after the other overlays so that it runs first).
 *
 * Plain syncrepl applies a peer's whole entry whenever the change is new
 * for that peer's server ID, even when this DC holds a later change of the
 * same entry: two DCs that write one entry at the same moment each take
 * the other's value and stay different.  This overlay drops a replicated
 * modify (one that carries entryCSN, as only syncrepl's do) whose entryCSN
 * is older than the entry's own: the entry with the later change wins on
 * every DC, as AD's conflict rule gives the later write (AD decides per
 * attribute; plain syncrepl carries whole entries, so here the later
 * writer's whole entry wins).  Client writes never carry entryCSN and pass
 * untouched.
 */
int mdc_csnguard_register(void);

#endif
