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

#include "lib/buf.h"

/*
 * usage: pacgroups KEYTAB SERVICE@HOST
 * Establishes a krb5 GSS context from the default ccache to SERVICE@HOST,
 * accepts it with KEYTAB in the same process, reads the name attribute
 * urn:mspac:logon-info (the PAC LOGON_INFO the KDC put in the ticket) and
 * prints "user <rid>" and "group <rid>" lines.  Used by t_kerberos.sh to
 * check that the KDB plugin's issue_pac carries the account's groups.
 */

/* Skip the deferred body of a non-empty RPC_UNICODE_STRING. */
static int
skip_string(struct mdc_rbuf *r)
{
	uint32_t max, off, n;

	if (mdc_rbuf_get_u32le(r, &max) || mdc_rbuf_get_u32le(r, &off) ||
	    mdc_rbuf_get_u32le(r, &n) || mdc_rbuf_get_bytes(r, NULL, 2 * n))
		return -1;
	while (r->pos % 4 != 0)
		if (mdc_rbuf_get_bytes(r, NULL, 1))
			return -1;
	return 0;
}

/* Walk KERB_VALIDATION_INFO ([MS-PAC] 2.5) far enough to print the RIDs. */
static int
print_rids(const uint8_t *p, size_t len)
{
	struct mdc_rbuf r;
	uint32_t ptrs[6], rid, pgid, count, gptr, n, attrs, v;
	uint16_t l16;
	int i;

	/* 16 bytes of headers, the top referent, 6 FILETIMEs */
	mdc_rbuf_init(&r, p, len);
	if (mdc_rbuf_get_bytes(&r, NULL, 16 + 4 + 48))
		return -1;
	for (i = 0; i < 6; i++)
		if (mdc_rbuf_get_u16le(&r, &l16) ||
		    mdc_rbuf_get_u16le(&r, &l16) ||
		    mdc_rbuf_get_u32le(&r, &ptrs[i]))
			return -1;
	if (mdc_rbuf_get_u32le(&r, &v) || mdc_rbuf_get_u32le(&r, &rid) ||
	    mdc_rbuf_get_u32le(&r, &pgid) || mdc_rbuf_get_u32le(&r, &count) ||
	    mdc_rbuf_get_u32le(&r, &gptr))
		return -1;
	/* the rest of the fixed part: 216 bytes from its start (offset 20) */
	if (mdc_rbuf_seek(&r, 20 + 216))
		return -1;
	for (i = 0; i < 6; i++)
		if (ptrs[i] != 0 && skip_string(&r))
			return -1;
	printf("user %u\nprimary %u\n", rid, pgid);
	if (gptr == 0)
		return 0;
	if (mdc_rbuf_get_u32le(&r, &n) || n != count)
		return -1;
	for (; n > 0; n--) {
		if (mdc_rbuf_get_u32le(&r, &v) ||
		    mdc_rbuf_get_u32le(&r, &attrs))
			return -1;
		printf("group %u\n", v);
	}
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
