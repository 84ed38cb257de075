/* tests/tools/pacgroups.c - print the user and group RIDs of a ticket's PAC
 * LOGON_INFO */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "ad/pac.h"

/*
 * usage: pacgroups KEYTAB SERVICE@HOST
 * Establishes a krb5 GSS context from the default ccache to SERVICE@HOST,
 * accepts it with KEYTAB in the same process, reads the name attribute
 * urn:mspac:logon-info (the PAC LOGON_INFO the KDC put in the ticket) and
 * prints "domain <sid>", "user <rid>" and "group <rid>" lines.  Used by
 * t_kerberos.sh to check that the KDB plugin's issue_pac carries the account's
 * groups.
 */

/* The RIDs and the domain SID, decoded by the agents' own decoder. */
static int
print_rids(const uint8_t *p, size_t len)
{
	static uint32_t rids[MDC_PAC_MAX_GROUPS];
	struct mdc_pac_logon l;
	char sid[200];
	size_t i;

	if (mdc_pac_logon_decode(p, len, &l, rids, MDC_PAC_MAX_GROUPS) != 0 ||
	    mdc_sid_format(&l.dom, sid, sizeof(sid)) != 0)
		return -1;
	printf("domain %s\nuser %u\nprimary %u\n", sid, l.rid, l.primary);
	for (i = 0; i < l.ngroups; i++)
		printf("group %u\n", rids[i]);
	return 0;
}

static void
die(const char *what, OM_uint32 maj, OM_uint32 min)
{
	fprintf(stderr, "pacgroups: %s failed (major 0x%x, minor %d)\n", what,
	        maj, (int)min);
	exit(1);
}

int
main(int argc, char **argv)
{
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc nb, attr, val = GSS_C_EMPTY_BUFFER, disp;
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
	gss_cred_id_t acred = GSS_C_NO_CREDENTIAL;
	gss_name_t target = GSS_C_NO_NAME, src = GSS_C_NO_NAME;
	OM_uint32 maj, min;
	int more = -1, auth, complete, ret;

	if (argc != 3) {
		fprintf(stderr, "usage: pacgroups KEYTAB SERVICE@HOST\n");
		return 2;
	}
	if (gsskrb5_register_acceptor_identity(argv[1]) != 0)
		die("keytab", 0, 0);
	nb.value = argv[2];
	nb.length = strlen(argv[2]);
	maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target);
	if (GSS_ERROR(maj))
		die("import_name", maj, min);
	maj = gss_init_sec_context(&min, GSS_C_NO_CREDENTIAL, &ictx, target,
	                           (gss_OID)gss_mech_krb5, 0, 0, NULL,
	                           GSS_C_NO_BUFFER, NULL, &tok, NULL, NULL);
	if (GSS_ERROR(maj))
		die("init_sec_context", maj, min);
	maj = gss_accept_sec_context(&min, &actx, acred, &tok, NULL, &src, NULL,
	                             &out, NULL, NULL, NULL);
	if (GSS_ERROR(maj))
		die("accept_sec_context", maj, min);
	attr.value = "urn:mspac:logon-info";
	attr.length = strlen(attr.value);
	maj = gss_get_name_attribute(&min, src, &attr, &auth, &complete, &val,
	                             &disp, &more);
	if (GSS_ERROR(maj))
		die("get_name_attribute(urn:mspac:logon-info)", maj, min);
	ret = print_rids(val.value, val.length) == 0 ? 0 : 1;
	if (ret != 0)
		fprintf(stderr, "pacgroups: malformed LOGON_INFO\n");
	gss_release_buffer(&min, &val);
	gss_release_buffer(&min, &disp);
	gss_release_buffer(&min, &tok);
	gss_release_buffer(&min, &out);
	gss_release_name(&min, &target);
	gss_release_name(&min, &src);
	gss_delete_sec_context(&min, &ictx, GSS_C_NO_BUFFER);
	gss_delete_sec_context(&min, &actx, GSS_C_NO_BUFFER);
	return ret;
}
