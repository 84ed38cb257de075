/* tests/fuzz/fuzz_cldap.c - libFuzzer target: CLDAP request parser, reply
 * builder, decoders */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ad/netlogon.h"

static const struct mdc_netlogon_dc fuzz_dc = {
        .forest = "example.com",
        .domain = "example.com",
        .host_fqdn = "dc1.example.com",
        .netbios_domain = "EXAMPLE",
        .netbios_host = "DC1",
        .site = "Default-First-Site-Name",
        .domain_guid = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
        .domain_sid = {1, 4, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0,
                       1, 0, 0, 0, 2, 0, 0, 0, 3,  0, 0, 0},
        .domain_sid_len = 24,
        .flags = MDC_DS_FLAGS_DEFAULT,
        .have_ipv4 = 1,
        .ipv4 = {127, 0, 0, 1},
};

/*
 * The same bytes go through every parser of network input in
 * ad/netlogon.c: as a request (and, when answered, the answer must decode
 * again: a round-trip invariant), as an answer, and as a blob.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[1024 + MDC_NETLOGON_BLOB_MAX];
	static struct mdc_cldap_resp resp;
	static struct mdc_netlogon_resp blob;
	size_t outlen = 0;
	int entry = 0;

	if (mdc_cldap_reply(&fuzz_dc, data, size, out, sizeof(out), &outlen,
	                    &entry) == 0) {
		if (mdc_cldap_parse_reply(out, outlen, &resp) != 0 ||
		    !resp.have_done || resp.have_blob != entry)
			abort();
		if (entry &&
		    (mdc_netlogon_decode(resp.blob, resp.bloblen, &blob) != 0 ||
		     blob.opcode != MDC_NETLOGON_OP_RESPONSE_EX ||
		     strcmp(blob.host, fuzz_dc.host_fqdn) != 0))
			abort();
	}
	(void)mdc_cldap_parse_reply(data, size, &resp);
	(void)mdc_netlogon_decode(data, size, &blob);
	return 0;
}
