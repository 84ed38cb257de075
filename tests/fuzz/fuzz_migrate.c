/* tests/fuzz/fuzz_migrate.c - libFuzzer target: minidc-migrate's message
 * decoders and the PAC/NDR decoders (delegation-info, logon-info) */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migrate-auth/pac.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The destination's whole decision: the input is split into the two PAC
 * buffers at a point given by its first two bytes. */
static void
fuzz_policy(const uint8_t *data, size_t size)
{
	struct mdc_mig_state st;
	struct mdc_mig_dest_in in;
	struct sockaddr_in sin;
	char text[MDC_MIG_MAX_TEXT + 1];
	size_t cut;

	if (size < 2)
		return;
	cut = ((size_t)data[0] << 8 | data[1]) % (size - 1);
	memset(&st, 0, sizeof(st));
	st.enabled = 1;
	if (mdc_mig_cidr_parse("127.0.0.0/8", &st.nets[0]) == 0)
		st.nnets = 1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000051);
	memset(&in, 0, sizeof(in));
	in.client = "alice@EXAMPLE.COM";
	in.deleg = data + 2;
	in.deleg_len = cut;
	in.logon = data + 2 + cut;
	in.logon_len = size - 2 - cut;
	in.vm = "vm1";
	in.source_host = "host1.example.com";
	in.self_host = "host2.example.com";
	in.state = &st;
	in.peer = (const struct sockaddr *)&sin;
	(void)mdc_mig_dest_decide(&in, text, sizeof(text));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdc_mig_msg m;
	struct mdc_mig_deleg d;
	struct mdc_mig_cidr c;
	uint32_t rids[64], user, primary;
	char s[MDC_MIG_MAX_TEXT + 1];
	size_t n;

	if (size < 1)
		return 0;
	switch (data[0] % 6) {
	case 0:
		if (mdc_mig_msg_decode(data + 1, size - 1, &m) == 0 &&
		    strlen(m.text) > MDC_MIG_MAX_TEXT)
			abort();
		break;
	case 1:
		(void)mdc_mig_str_decode(data + 1, size - 1, data[0] & 8, s,
		                         sizeof(s));
		break;
	case 2:
		if (mdc_mig_pac_deleg(data + 1, size - 1, &d) == 0 &&
		    (d.ntransited == 0 || strlen(d.last) >= sizeof(d.last)))
			abort();
		break;
	case 3:
		if (mdc_mig_pac_groups(data + 1, size - 1, &user, &primary,
		                       rids, 64, &n) == 0 &&
		    n > 64)
			abort();
		break;
	case 4:
		if (size - 1 < sizeof(s)) {
			memcpy(s, data + 1, size - 1);
			s[size - 1] = '\0';
			if (mdc_mig_cidr_parse(s, &c) == 0)
				mdc_mig_cidr_format(&c, s, sizeof(s));
			if (size >= 5)
				(void)mdc_mig_frame_len(data + 1, &n);
		}
		break;
	default:
		fuzz_policy(data + 1, size - 1);
		break;
	}
	return 0;
}
