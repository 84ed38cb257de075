/* ad/mods.c - a growing list of LDAP modifications */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ad/mods.h"
#include "lib/err.h"

/* The last LDAPMod if a value for (op, type) joins it, else NULL. */
static LDAPMod *
mods_last(struct mdc_mods *ms, int op, const char *type)
{
	LDAPMod *m = ms->n > 0 ? ms->m[ms->n - 1] : NULL;

	if (m == NULL || op != LDAP_MOD_ADD ||
	    m->mod_op != (LDAP_MOD_ADD | LDAP_MOD_BVALUES) ||
	    strcasecmp(m->mod_type, type) != 0)
		return NULL;
	return m;
}

/* A new LDAPMod for op on type, without values, at the end of ms. */
static LDAPMod *
mods_new(struct mdc_mods *ms, int op, const char *type)
{
	LDAPMod *m;

	if (ms->n + 2 > ms->cap) {
		size_t cap = ms->cap ? ms->cap * 2 : 16;
		LDAPMod **nm = realloc(ms->m, cap * sizeof(*nm));

		if (nm == NULL)
			goto nomem;
		ms->m = nm;
		ms->cap = cap;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		goto nomem;
	ms->m[ms->n++] = m;
	ms->m[ms->n] = NULL;
	m->mod_op = op | LDAP_MOD_BVALUES;
	m->mod_type = strdup(type);
	m->mod_bvalues = calloc(1, sizeof(*m->mod_bvalues));
	if (m->mod_type == NULL || m->mod_bvalues == NULL)
		goto nomem;
	return m;
nomem:
	ms->err = MDC_ENOMEM;
	return NULL;
}

/* Append a copy of p/len to m's values. */
static void
mods_push(struct mdc_mods *ms, LDAPMod *m, const void *p, size_t len)
{
	struct berval **nb, *bv;
	size_t have = 0;

	while (m->mod_bvalues[have] != NULL)
		have++;
	nb = realloc(m->mod_bvalues, (have + 2) * sizeof(*nb));
	if (nb == NULL)
		goto nomem;
	m->mod_bvalues = nb;
	nb[have] = NULL;
	bv = calloc(1, sizeof(*bv));
	if (bv == NULL || (bv->bv_val = malloc(len + 1)) == NULL) {
		free(bv);
		goto nomem;
	}
	if (len > 0)
		memcpy(bv->bv_val, p, len);
	bv->bv_val[len] = '\0';
	bv->bv_len = len;
	nb[have] = bv;
	nb[have + 1] = NULL;
	return;
nomem:
	ms->err = MDC_ENOMEM;
}

void
mdc_mods_bin(struct mdc_mods *ms, int op, const char *type, const void *p,
             size_t len)
{
	LDAPMod *m;

	if (ms->err != 0)
		return;
	m = mods_last(ms, op, type);
	if (m == NULL)
		m = mods_new(ms, op, type);
	if (m != NULL)
		mods_push(ms, m, p, len);
}

void
mdc_mods_next(struct mdc_mods *ms, const void *p, size_t len)
{
	if (ms->err == 0 && ms->n > 0)
		mods_push(ms, ms->m[ms->n - 1], p, len);
}

void
mdc_mods_str(struct mdc_mods *ms, int op, const char *type, const char *s)
{
	if (s == NULL)
		mdc_mods_none(ms, op, type);
	else
		mdc_mods_bin(ms, op, type, s, strlen(s));
}

void
mdc_mods_int(struct mdc_mods *ms, int op, const char *type, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	mdc_mods_str(ms, op, type, buf);
}

void
mdc_mods_none(struct mdc_mods *ms, int op, const char *type)
{
	if (ms->err == 0)
		(void)mods_new(ms, op, type);
}

void
mdc_mods_free(struct mdc_mods *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		LDAPMod *m = ms->m[i];

		for (size_t j = 0; m->mod_bvalues != NULL && m->mod_bvalues[j];
		     j++) {
			explicit_bzero(m->mod_bvalues[j]->bv_val,
			               m->mod_bvalues[j]->bv_len);
			free(m->mod_bvalues[j]->bv_val);
			free(m->mod_bvalues[j]);
		}
		free(m->mod_bvalues);
		free(m->mod_type);
		free(m);
	}
	free(ms->m);
	memset(ms, 0, sizeof(*ms));
}
