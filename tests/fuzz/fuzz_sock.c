/* tests/fuzz/fuzz_sock.c - libFuzzer target: the back-sock request parser */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dc/sockproto.h"

/*
 * The bytes go through the framing (mdc_sock_req_complete) and the parser
 * as a whole and as the framed prefix; a parsed request is walked fully so
 * ASan sees every value it holds, and every value must keep its NUL.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdc_sock_req *req = NULL;
	size_t n = mdc_sock_req_complete(data, size), sum = 0;
	char *out = NULL;

	if (n > size)
		abort();
	for (int pass = 0; pass < 2; pass++) {
		if (mdc_sock_parse(data, pass == 0 ? size : n, &req) != 0) {
			if (req != NULL)
				abort(); /* nothing returned on failure */
			continue;
		}
		if (req->dn == NULL)
			abort();
		for (size_t i = 0; i < req->nattrs; i++)
			for (size_t j = 0; j < req->attrs[i].nvals; j++) {
				const struct mdc_sock_val *v =
				        &req->attrs[i].vals[j];

				if (v->data[v->len] != '\0')
					abort();
				sum += v->len;
			}
		(void)mdc_sock_attr_get(req, "objectClass");
		mdc_sock_req_free(req);
		req = NULL;
	}
	if (mdc_sock_result((int)(sum & 0x7f), "cn=x\ninfo: y", "z\r", &out) ==
	    0)
		free(out);
	return 0;
}
