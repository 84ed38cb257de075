/* tests/fuzz/fuzz_migrate.c - libFuzzer target: minidc-migrate's message
 * decoders and the PAC/NDR decoders (delegation-info, logon-info) */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ad/pac.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/storage.h"

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

/* One DATA message: decode, then decompress with the checks. */
static void
fuzz_unpack(const uint8_t *data, size_t size)
{
	struct mdc_mig_msg m;
	static uint8_t out[MDC_MIG_CHUNK];

	if (mdc_mig_msg_decode(data, size, &m) != 0 || m.type != MDC_MIG_DATA)
		return;
	if (m.rawlen > MDC_MIG_CHUNK || m.datalen > MDC_MIG_CHUNK ||
	    m.data < data || m.data + m.datalen > data + size)
		abort();
	(void)mdc_mig_chunk_unpack(&m, 1, out);
}

static char sink_dir[64];

static void
sink_dir_remove(void)
{
	if (sink_dir[0] != '\0')
		(void)rmdir(sink_dir);
}

/*
 * The destination's whole receive path: u32be size (mod 1 MiB), then
 * messages as u16be length + message, fed to a sink in a private dir until
 * a DONE (then finish).  Whatever happens, no file may remain.
 */
static void
fuzz_sink(const uint8_t *data, size_t size)
{
	static struct mdc_mig_sink k;
	struct mdc_mig_msg m;
	struct mdc_err e;
	char final[128];
	size_t n;
	uint32_t fsize;

	if (sink_dir[0] == '\0') {
		snprintf(sink_dir, sizeof(sink_dir),
		         "/tmp/fuzz_migrate.XXXXXX");
		if (mkdtemp(sink_dir) == NULL)
			abort();
		atexit(sink_dir_remove);
	}
	if (size < 4)
		return;
	fsize = ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	         (uint32_t)data[2] << 8 | data[3]) %
	        (1u << 20);
	data += 4;
	size -= 4;
	if (mdc_mig_sink_open(&k, sink_dir, "d", fsize, 1, &e) != 0)
		abort(); /* a leftover file from an earlier input */
	while (size >= 2) {
		n = (size_t)data[0] << 8 | data[1];
		if (n > size - 2 || mdc_mig_msg_decode(data + 2, n, &m) != 0)
			break;
		data += 2 + n;
		size -= 2 + n;
		if (m.type == MDC_MIG_DONE) {
			(void)mdc_mig_sink_finish(&k, &m, &e);
			break;
		}
		if (mdc_mig_sink_put(&k, &m, &e) != 0)
			break;
	}
	mdc_mig_sink_close(&k);
	snprintf(final, sizeof(final), "%s/d", sink_dir);
	(void)unlink(final); /* a verified copy: fine, start afresh */
}

/* True unless the n bytes at p (if any) lie inside (data, size). */
static int
outside(const void *p, size_t n, const uint8_t *data, size_t size)
{
	const uint8_t *b = p;

	if (p == NULL)
		return n != 0;
	return b < data || n > size || b > data + size - n;
}

/* A decoded message encodes again to exactly the same bytes; its long
 * fields are bounded pointers into the input. */
static void
roundtrip(const struct mdc_mig_msg *m, const uint8_t *data, size_t size)
{
	static uint8_t buf[MDC_MIG_MAX_MSG + 64];
	size_t n;

	if (strlen(m->text) > MDC_MIG_MAX_TEXT || m->deflen > MDC_MIG_MAX_DEF ||
	    m->datalen > MDC_MIG_CHUNK || m->frame != NULL ||
	    outside(m->def, m->deflen, data, size) ||
	    outside(m->data, m->datalen, data, size))
		abort();
	if (mdc_mig_msg_encode(m, buf, sizeof(buf), &n) != 0 || n != size ||
	    memcmp(buf, data, n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdc_mig_msg m;
	struct mdc_pac_deleg d;
	struct mdc_pac_logon l;
	struct mdc_mig_cidr c;
	uint32_t rids[64];
	char s[MDC_MIG_MAX_TEXT + 1];
	size_t n;

	if (size < 1)
		return 0;
	/* 0xf0.. : the storage copy (the older selectors keep their seeds) */
	if (data[0] >= 0xf0) {
		if (data[0] & 1)
			fuzz_sink(data + 1, size - 1);
		else
			fuzz_unpack(data + 1, size - 1);
		return 0;
	}
	switch (data[0] % 6) {
	case 0:
		if (mdc_mig_msg_decode(data + 1, size - 1, &m) == 0)
			roundtrip(&m, data + 1, size - 1);
		break;
	case 1:
		(void)mdc_mig_str_decode(data + 1, size - 1, data[0] & 8, s,
		                         sizeof(s));
		break;
	case 2:
		if (mdc_pac_deleg_decode(data + 1, size - 1, &d) == 0 &&
		    (d.ntransited == 0 || strlen(d.last) >= sizeof(d.last)))
			abort();
		break;
	case 3:
		if (mdc_pac_logon_decode(data + 1, size - 1, &l, rids, 64) ==
		            0 &&
		    (l.ngroups > 64 || l.dom.nsub > MDC_SID_MAX_SUBAUTH))
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
