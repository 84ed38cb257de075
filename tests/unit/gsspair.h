/* tests/unit/gsspair.h - two established krb5 GSS contexts for a unit
 * test, with no KDC: a service ticket made here with the service's key
 * (MEMORY keytab and ccache).  Include once, in a test's main file; set
 * KRB5_CONFIG=/dev/null, KRB5RCACHETYPE=none and KRB5CCNAME=CCACHE first. */
#ifndef MDC_TEST_GSSPAIR_H
#define MDC_TEST_GSSPAIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#define SVC    "migrate/chan.test@TEST.REALM"
#define CLIENT "alice@TEST.REALM"
#define CCACHE "MEMORY:test_migrate_gss"
#define KTNAME "MEMORY:test_migrate_gss_kt"

/* libkrb5 exports these (the KDC uses them); no public header has them */
krb5_error_code krb5_encrypt_tkt_part(krb5_context, const krb5_keyblock *,
                                      krb5_ticket *);
krb5_error_code encode_krb5_ticket(const krb5_ticket *, krb5_data **);

/* Setup runs before the suite (its contexts are inherited by every test's
 * process), outside Check: a failure says where and exits. */
#define NEED(c)                                                                \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "setup: %s:%d: %s\n", __FILE__,        \
			        __LINE__, #c);                                 \
			exit(1);                                               \
		}                                                              \
	} while (0)
#define NEED_EQ(a, b) NEED((a) == (b))

/* A ticket for CLIENT to SVC, encrypted in skey, stored in CCACHE. */
static void
forge_ticket(krb5_context k, krb5_keyblock *skey)
{
	krb5_principal svc, cli;
	krb5_keyblock sess;
	krb5_enc_tkt_part enc;
	krb5_ticket tkt;
	krb5_data *der = NULL;
	krb5_creds cr;
	krb5_ccache cc;
	krb5_timestamp t = (krb5_timestamp)time(NULL);

	NEED_EQ(krb5_parse_name(k, SVC, &svc), 0);
	NEED_EQ(krb5_parse_name(k, CLIENT, &cli), 0);
	NEED_EQ(krb5_c_make_random_key(k, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
	                               &sess),
	        0);
	memset(&enc, 0, sizeof(enc));
	enc.session = &sess;
	enc.client = cli;
	enc.times.authtime = enc.times.starttime = t - 60;
	enc.times.endtime = t + 3600;
	memset(&tkt, 0, sizeof(tkt));
	tkt.server = svc;
	tkt.enc_part2 = &enc;
	NEED_EQ(krb5_encrypt_tkt_part(k, skey, &tkt), 0);
	NEED_EQ(encode_krb5_ticket(&tkt, &der), 0);
	memset(&cr, 0, sizeof(cr));
	cr.client = cli;
	cr.server = svc;
	cr.keyblock = sess;
	cr.times = enc.times;
	cr.ticket = *der;
	NEED_EQ(krb5_cc_resolve(k, CCACHE, &cc), 0);
	NEED_EQ(krb5_cc_initialize(k, cc, cli), 0);
	NEED_EQ(krb5_cc_store_cred(k, cc, &cr), 0);
	krb5_cc_close(k, cc);
	krb5_free_data(k, der);
	krb5_free_data_contents(k, &tkt.enc_part.ciphertext);
	krb5_free_keyblock_contents(k, &sess);
	krb5_free_principal(k, svc);
	krb5_free_principal(k, cli);
}

/* The service key into KTNAME, the ticket into CCACHE. */
static void
make_creds(void)
{
	krb5_context k;
	krb5_keytab kt;
	krb5_keytab_entry ent;
	krb5_keyblock key;

	NEED_EQ(krb5_init_context(&k), 0);
	NEED_EQ(krb5_c_make_random_key(k, ENCTYPE_AES256_CTS_HMAC_SHA1_96,
	                               &key),
	        0);
	NEED_EQ(krb5_kt_resolve(k, KTNAME, &kt), 0);
	memset(&ent, 0, sizeof(ent));
	NEED_EQ(krb5_parse_name(k, SVC, &ent.principal), 0);
	ent.vno = 1;
	ent.key = key;
	NEED_EQ(krb5_kt_add_entry(k, kt, &ent), 0);
	forge_ticket(k, &key);
	krb5_free_principal(k, ent.principal);
	krb5_free_keyblock_contents(k, &key);
	/* a MEMORY keytab lives while a handle is open: keep this one */
	krb5_free_context(k);
}

/* Two established contexts with flags: *ictx (initiator), *actx
 * (acceptor). */
static void
gss_pair_flags(OM_uint32 flags, gss_ctx_id_t *ictx, gss_ctx_id_t *actx)
{
	gss_key_value_element_desc el = {"keytab", KTNAME};
	gss_key_value_set_desc store = {1, &el};
	gss_buffer_desc nb = {strlen(SVC), (void *)SVC};
	gss_buffer_desc itok = GSS_C_EMPTY_BUFFER, atok = GSS_C_EMPTY_BUFFER;
	gss_cred_id_t acred;
	gss_name_t target;
	OM_uint32 maj, amaj = GSS_S_CONTINUE_NEEDED, min;

	make_creds();
	NEED(!GSS_ERROR(gss_import_name(
	        &min, &nb, (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME, &target)));
	NEED(!GSS_ERROR(gss_acquire_cred_from(
	        &min, GSS_C_NO_NAME, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
	        GSS_C_ACCEPT, &store, &acred, NULL, NULL)));
	for (;;) {
		maj = gss_init_sec_context(&min, GSS_C_NO_CREDENTIAL, ictx,
		                           target, (gss_OID)gss_mech_krb5,
		                           flags, 0, GSS_C_NO_CHANNEL_BINDINGS,
		                           &atok, NULL, &itok, NULL, NULL);
		NEED(!GSS_ERROR(maj));
		(void)gss_release_buffer(&min, &atok);
		if (itok.length > 0) {
			amaj = gss_accept_sec_context(&min, actx, acred, &itok,
			                              GSS_C_NO_CHANNEL_BINDINGS,
			                              NULL, NULL, &atok, NULL,
			                              NULL, NULL);
			NEED(!GSS_ERROR(amaj));
			(void)gss_release_buffer(&min, &itok);
		}
		if (!(maj & GSS_S_CONTINUE_NEEDED))
			break;
	}
	NEED(amaj == GSS_S_COMPLETE);
	(void)gss_release_name(&min, &target);
	(void)gss_release_cred(&min, &acred);
}

#endif
