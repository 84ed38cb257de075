/* tests/fuzz/fuzz_sock.c - libFuzzer target: the back-sock request parser */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dc/dsa_check.h"
#include "dc/dsa_rules.h"
#include "dc/sockproto.h"
#include "lib/util.h"

/* The dsa's own parsers of client values: passwords, DNs, integers. */
static void
values(const struct mdc_sock_req *req, const uint8_t *data, size_t size)
{
	char *s = NULL;
	int64_t v;

	if (mdc_dsa_unicodepwd(data, size, &s) == 0)
		mdc_secret_free(s, 0);
	if (mdc_dsa_rdn_cn(req->dn, &s) == 0)
		free(s);
	if (mdc_dsa_dn_norm(req->dn, &s) == 0)
		free(s);
	for (size_t i = 0; i < req->nattrs; i++)
		for (size_t j = 0; j < req->attrs[i].nvals; j++) {
			const struct mdc_sock_val *x = &req->attrs[i].vals[j];

			if (mdc_dsa_unicodepwd(x->data, x->len, &s) == 0)
				mdc_secret_free(s, 0);
			(void)mdc_dsa_parse_int(x->data, &v);
			(void)mdc_dsa_spn_is_own(x->data, "host2", x->data);
			(void)mdc_dsa_dnshostname_ok(x->data, "host2");
		}
}

/*
 * The dsa's decision over the request for every kind of requester, on a
 * new entry, an existing computer writing itself and a DNS record.
 */
static void
decide(const struct mdc_sock_req *req)
{
	static const uint8_t sid[] = {1, 2, 3};
	static const unsigned roles[] = {
	        0,
	        MDC_DSA_SYSTEM,
	        MDC_DSA_ADMIN,
	        MDC_DSA_ACCTOP,
	        MDC_DSA_DNSADMIN,
	        MDC_DSA_COMPUTER,
	};
	const struct mdc_dsa_target targets[] = {
	        {.uac = -1, .user = 1},
	        {.uac = -1, .computer = 1},
	        {.uac = -1, .group = 1},
	        {.exists = 1,
	         .computer = 1,
	         .uac = 4096,
	         .rid = 1300,
	         .sid = {1, 2, 3},
	         .sid_len = 3,
	         .sam = (char *)"HOST2$",
	         .fqdn = (char *)"host2.example.com"},
	        {.exists = 1, .uac = -1, .dns = 1, .dns_only = 1},
	};
	struct mdc_dsa_verdict v;

	for (size_t r = 0; r < sizeof(roles) / sizeof(roles[0]); r++)
		for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]);
		     t++) {
			struct mdc_dsa_check_in in = {
			        .req = req,
			        .roles = roles[r],
			        .who_sid = sid,
			        .who_sid_len = sizeof(sid),
			        .t = &targets[t],
			        .base_norm = "dc=example,dc=com",
			        .dns_norm = "cn=dns,dc=example,dc=com",
			        .dns_domain = "example.com",
			        .sam_taken = (int)(r & 1),
			};

			if (mdc_dsa_check(&in, &v) == 0 && v.code == 0 &&
			    v.reason[0] != '\0')
				abort(); /* an allowed write has no reason */
		}
}

/* A parsed request formatted again (mdc_sock_format, the admin CLI's
 * direction) parses back to the same operation, DN and attributes. */
static void
round_trip(const struct mdc_sock_req *req)
{
	struct mdc_sock_req *back = NULL;
	char *text = NULL;

	if (mdc_sock_format(req, &text) != 0)
		return;
	if (mdc_sock_parse(text, strlen(text), &back) != 0 ||
	    back->op != req->op || strcmp(back->dn, req->dn) != 0 ||
	    back->nattrs != req->nattrs)
		abort();
	for (size_t i = 0; i < req->nattrs; i++)
		if (back->attrs[i].nvals != req->attrs[i].nvals)
			abort();
	mdc_sock_req_free(back);
	mdc_secret_free(text, 0);
}

/*
 * The bytes go through the framing (mdc_sock_req_complete) and the parser
 * as a whole and as the framed prefix; a parsed request is walked fully so
 * ASan sees every value it holds, and every value must keep its NUL; then
 * the dsa's value parsers run over the request and the raw bytes, and its
 * decision over the request.
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
		values(req, data, size);
		decide(req);
		round_trip(req);
		mdc_sock_req_free(req);
		req = NULL;
	}
	if (mdc_sock_result((int)(sum & 0x7f), "cn=x\ninfo: y", "z\r", &out) ==
	    0)
		free(out);
	/* The same bytes as a dsa's answer (read by the admin CLI). */
	{
		char info[64];
		int code;

		(void)mdc_sock_result_parse((const char *)data, size, &code,
		                            info, sizeof(info));
	}
	return 0;
}
