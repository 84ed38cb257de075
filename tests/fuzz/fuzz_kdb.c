/* tests/fuzz/fuzz_kdb.c - libFuzzer target: the KDB plugin's directory value
 * decoders */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dc/kdb/kdb_enc.h"
#include "ad/pac.h"

/*
 * minidcKrbKeyData and minidcKrbTlData values come back from slapd over the
 * network; whatever bytes they hold must decode or fail cleanly.  A decoded
 * value must re-encode to the same bytes.  objectSid goes through the SID
 * splitter of the PAC code.
 */
/* Any SID the splitter accepts encodes into a LOGON_INFO that the agents'
 * decoder reads back to the same domain and RIDs. */
static void
pac_roundtrip(struct mdc_pac_user *u, uint32_t rid)
{
	static const uint32_t groups[] = {512, 1103};
	uint32_t back[4];
	struct mdc_pac_logon l;
	uint8_t *b = NULL;
	size_t len = 0;

	u->rid = rid;
	u->primary_gid = 513;
	u->account = "a";
	u->logon_server = "DC1";
	u->domain = "EXAMPLE";
	u->groups = groups;
	u->ngroups = 2;
	if (mdc_pac_logon_info(u, &b, &len) != 0)
		abort();
	if (mdc_pac_logon_decode(b, len, &l, back, 4) != 0 || l.rid != rid ||
	    l.ngroups != 3 || back[2] != 1103 ||
	    memcmp(&l.dom, &u->dom, sizeof(l.dom)) != 0)
		abort();
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	krb5_key_data *kd = NULL;
	krb5_tl_data *tl = NULL;
	struct mdc_pac_user u;
	uint8_t *enc = NULL;
	size_t len = 0;
	uint32_t rid;
	int n = 0;

	if (mdc_kdb_keys_decode(data, size, &kd, &n) == 0) {
		if (mdc_kdb_keys_encode(kd, n, &enc, &len) != 0 ||
		    len != size || memcmp(enc, data, size) != 0)
			abort();
		free(enc);
		mdc_kdb_keys_free(kd, n);
	}
	if (mdc_kdb_tl_decode(data, size, &tl) == 0) {
		if (mdc_kdb_tl_encode(tl, &enc, &len) != 0 || len != size ||
		    memcmp(enc, data, size) != 0)
			abort();
		free(enc);
		mdc_kdb_tl_free(tl);
	}
	memset(&u, 0, sizeof(u));
	if (mdc_pac_split_sid(data, size, &u.dom, &rid) == 0)
		pac_roundtrip(&u, rid);
	return 0;
}
