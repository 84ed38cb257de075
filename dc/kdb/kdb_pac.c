/* dc/kdb/kdb_pac.c - constrained delegation (msDS-AllowedToDelegateTo) and the PAC */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <kdb.h>

#include "dc/kdb/kdb_int.h"

krb5_error_code
mdc_kdb_check_allowed_to_delegate(krb5_context ctx,
				  krb5_const_principal client,
				  const krb5_db_entry *server,
				  krb5_const_principal proxy)
{
	const struct mdc_kdb_edata *ed;
	char *full = NULL, *short_name = NULL;
	krb5_error_code kret = KRB5KDC_ERR_BADOPTION;
	size_t i;

	ed = (const struct mdc_kdb_edata *)server->e_data;
	if (ed == NULL || ed->rec == NULL || ed->rec->deleg == NULL ||
	    ed->rec->deleg[0] == NULL)
		return KRB5KDC_ERR_BADOPTION;
	if (proxy == NULL)
		return 0;
	/* AD stores targets as SPNs without realm; accept both forms. */
	if (krb5_unparse_name(ctx, proxy, &full) != 0 ||
	    krb5_unparse_name_flags(ctx, proxy,
				    KRB5_PRINCIPAL_UNPARSE_NO_REALM,
				    &short_name) != 0)
		goto out;
	for (i = 0; ed->rec->deleg[i] != NULL; i++) {
		if (strcasecmp(ed->rec->deleg[i], full) == 0 ||
		    strcasecmp(ed->rec->deleg[i], short_name) == 0) {
			kret = 0;
			break;
		}
	}
out:
	krb5_free_unparsed_name(ctx, full);
	krb5_free_unparsed_name(ctx, short_name);
	return kret;
}

/* Buffers the KDC adds itself (kdb.h: do not copy them). */
static int
kdc_owned(krb5_ui_4 type)
{
	return type == KRB5_PAC_SERVER_CHECKSUM ||
	       type == KRB5_PAC_PRIVSVR_CHECKSUM ||
	       type == KRB5_PAC_TICKET_CHECKSUM ||
	       type == KRB5_PAC_CLIENT_INFO ||
	       type == KRB5_PAC_DELEGATION_INFO || type == 19 /* full cksum */;
}

/* Copy the non-KDC buffers of old_pac into new_pac (TGS path). */
static krb5_error_code
copy_buffers(krb5_context ctx, krb5_pac old_pac, krb5_pac new_pac)
{
	krb5_ui_4 *types = NULL;
	krb5_data d = { 0 };
	size_t n = 0, i;
	krb5_error_code kret;

	kret = krb5_pac_get_types(ctx, old_pac, &n, &types);
	for (i = 0; kret == 0 && i < n; i++) {
		if (kdc_owned(types[i]))
			continue;
		kret = krb5_pac_get_buffer(ctx, old_pac, types[i], &d);
		if (kret == 0)
			kret = krb5_pac_add_buffer(ctx, new_pac, types[i], &d);
		krb5_free_data_contents(ctx, &d);
	}
	free(types);
	return kret;
}

krb5_error_code
mdc_kdb_issue_pac(krb5_context ctx, unsigned int flags, krb5_db_entry *client,
		  krb5_keyblock *replaced_reply_key, krb5_db_entry *server,
		  krb5_db_entry *signing_krbtgt, krb5_timestamp authtime,
		  krb5_pac old_pac, krb5_pac new_pac,
		  krb5_data ***auth_indicators)
{
	int s4u2self = (flags & KRB5_KDB_FLAG_PROTOCOL_TRANSITION) &&
		       client != NULL;

	if (old_pac != NULL && !s4u2self)
		return copy_buffers(ctx, old_pac, new_pac);
	return 0;
}
