/* ad/mods.h - a growing list of LDAP modifications (one builder for all) */
#ifndef MDC_AD_MODS_H
#define MDC_AD_MODS_H

#include <stddef.h>
#include <stdint.h>

#include <ldap.h>

/*
 * The LDAPMod list every writer of the directory builds (the admin CLI, the
 * dsa, the KDB plugin): values are copied (always as bervals) and wiped when
 * freed, since some are keys or password hashes.  Values added right after
 * each other to the same attribute with LDAP_MOD_ADD share one LDAPMod (an
 * add must name each attribute once).  The first allocation failure sticks
 * in err and makes every later call a no-op: build, then check err once.
 * m is NULL-terminated (NULL while n is 0) and may be handed to ldap_*_s.
 */
struct mdc_mods {
	LDAPMod **m;
	size_t n, cap;
	int err; /* 0, MDC_ENOMEM, or a failure the caller records */
};

/* Append op on type with the value p/len (p may hold any bytes). */
void mdc_mods_bin(struct mdc_mods *ms, int op, const char *type, const void *p,
                  size_t len);
/* Another value p/len for the last modification appended (any op). */
void mdc_mods_next(struct mdc_mods *ms, const void *p, size_t len);
/* The same with a string value; s NULL: as mdc_mods_none. */
void mdc_mods_str(struct mdc_mods *ms, int op, const char *type, const char *s);
/* The same with a decimal integer value. */
void mdc_mods_int(struct mdc_mods *ms, int op, const char *type, int64_t v);
/* Append op on type without values (a delete or replace of all values). */
void mdc_mods_none(struct mdc_mods *ms, int op, const char *type);
/* Free (and wipe) every modification; ms is empty and reusable after. */
void mdc_mods_free(struct mdc_mods *ms);

#endif
