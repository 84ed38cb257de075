/* tests/unit/test_migrate.c - Check suite for migrate-auth/: messages,
 * CIDRs, state, the PAC decoders on captured buffers, the destination policy */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "migrate-auth/admit.h"
#include "migrate-auth/live.h"
#include "migrate-auth/migrate.h"
#include "ad/pac.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/room.h"
#include "migrate-auth/state.h"
#include "tests/unit/ck_run.h"

/* A seed of the fuzz corpus (real PAC buffers captured from the KDC), the
 * fuzzer's mode byte skipped. */
static uint8_t *
seed(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char *path, *data = NULL;
	size_t n;

	path = mdc_strdupf("%s/tests/fuzz/corpus/migrate/%s", top ? top : ".",
	                   name);
	ck_assert_ptr_nonnull(path);
	ck_assert_int_eq(mdc_file_read(path, 65536, &data, &n), 0);
	free(path);
	ck_assert_uint_gt(n, 1);
	memmove(data, data + 1, n - 1);
	*len = n - 1;
	return (uint8_t *)data;
}

START_TEST(test_msg_roundtrip)
{
	struct mdc_mig_msg m, d;
	uint8_t buf[2048];
	size_t n, i;

	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_MOVE;
	snprintf(m.vm, sizeof(m.vm), "%s", "vm-1.a_b");
	snprintf(m.host, sizeof(m.host), "%s", "host2.example.com");
	snprintf(m.addr, sizeof(m.addr), "%s", "127.0.0.81:7690");
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), 0);
	ck_assert_str_eq(d.vm, "vm-1.a_b");
	ck_assert_str_eq(d.host, "host2.example.com");
	ck_assert_str_eq(d.addr, "127.0.0.81:7690");
	for (i = 0; i < n; i++) /* every truncation is refused */
		ck_assert_int_ne(mdc_mig_msg_decode(buf, i, &d), 0);
	buf[n] = 0;
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n + 1, &d), MDC_EMALF);
	m.type = MDC_MIG_RESULT;
	m.status = MDC_MIG_REFUSED;
	snprintf(m.text, sizeof(m.text), "%s",
	         "refused by host2.example.com: no");
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), 0);
	ck_assert_int_eq(d.status, MDC_MIG_REFUSED);
	ck_assert_str_eq(d.text, "refused by host2.example.com: no");
	buf[1] = 3; /* an unknown status */
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), MDC_EMALF);
}
END_TEST

START_TEST(test_msg_bad)
{
	static const uint8_t badvm[] = {17, 0, 3, 'v', '/', '1', 0, 1, 'h'};
	static const uint8_t ctl[] = {17, 0, 2, 'v', 1, 0, 1, 'h'};
	static const uint8_t longvm[] = {17, 0, 65};
	static const uint8_t unknown[] = {99};
	struct mdc_mig_msg m, d;
	uint8_t buf[64];
	size_t n;

	ck_assert_int_eq(mdc_mig_msg_decode(badvm, sizeof(badvm), &d),
	                 MDC_EMALF);
	ck_assert_int_eq(mdc_mig_msg_decode(ctl, sizeof(ctl), &d), MDC_EMALF);
	ck_assert_int_eq(mdc_mig_msg_decode(longvm, sizeof(longvm), &d),
	                 MDC_EMALF);
	ck_assert_int_eq(mdc_mig_msg_decode(unknown, 1, &d), MDC_EMALF);
	ck_assert_int_eq(mdc_mig_msg_decode(unknown, 0, &d), MDC_ETRUNC);
	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_PREPARE;
	snprintf(m.vm, sizeof(m.vm), "%s", "../etc");
	snprintf(m.host, sizeof(m.host), "%s", "h.example.com");
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n),
	                 MDC_EINVAL);
	ck_assert(!mdc_mig_host_ok("a..b"));
	ck_assert(!mdc_mig_host_ok("-a"));
	ck_assert(mdc_mig_host_ok("host1.example.com"));
}
END_TEST

START_TEST(test_vm_msgs)
{
	static struct mdc_mig_msg m, d;
	static uint8_t buf[MDC_MIG_MAX_MSG];
	static char def[MDC_MIG_MAX_DEF + 1];
	size_t n, i;

	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_VM;
	m.op = MDC_MIG_VM_CREATE;
	snprintf(m.vm, sizeof(m.vm), "web1");
	snprintf(def, sizeof(def), "{\"name\":\"web1\"}");
	m.def = def;
	m.deflen = strlen(def);
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), 0);
	ck_assert_int_eq(d.op, MDC_MIG_VM_CREATE);
	ck_assert_str_eq(d.vm, "web1");
	ck_assert_uint_eq(d.deflen, m.deflen);
	ck_assert_mem_eq(d.def, def, m.deflen);
	/* a bounded pointer into the decoded bytes, not a copy */
	ck_assert((const uint8_t *)d.def > buf &&
	          (const uint8_t *)d.def + d.deflen <= buf + n);
	ck_assert_ptr_null(d.frame);
	for (i = 0; i < n; i++)
		ck_assert_int_ne(mdc_mig_msg_decode(buf, i, &d), 0);
	buf[n - 1] = 0x80; /* an unknown flag */
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), MDC_EMALF);
	m.deflen = 0; /* CREATE needs a definition */
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n),
	                 MDC_EINVAL);
	m.op = MDC_MIG_VM_START;
	m.flags = MDC_MIG_VMFL_PAUSED;
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), 0);
	ck_assert_int_eq(d.flags, MDC_MIG_VMFL_PAUSED);
	buf[1] = MDC_MIG_VM_LIST; /* LIST names no VM */
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), MDC_EMALF);
	buf[1] = 7; /* no such operation */
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), MDC_EMALF);
	m.op = MDC_MIG_VM_LIST;
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n),
	                 MDC_EINVAL);
	m.vm[0] = '\0';
	m.flags = 0;
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), 0);

	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_VM_INFO;
	snprintf(m.vm, sizeof(m.vm), "web1");
	m.vmstate = 2;
	m.pid = 4242;
	snprintf(m.accel, sizeof(m.accel), "tcg");
	snprintf(m.vmstatus, sizeof(m.vmstatus), "running");
	snprintf(m.last_exit, sizeof(m.last_exit), "stopped by request");
	memset(def, 'x', MDC_MIG_MAX_DEF);
	m.def = def;
	m.deflen = MDC_MIG_MAX_DEF;
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n), 0);
	ck_assert_uint_le(n, MDC_MIG_MAX_MSG);
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &d), 0);
	ck_assert_uint_eq(d.pid, 4242);
	ck_assert_int_eq(d.vmstate, 2);
	ck_assert_str_eq(d.accel, "tcg");
	ck_assert_str_eq(d.last_exit, "stopped by request");
	ck_assert_uint_eq(d.deflen, MDC_MIG_MAX_DEF);
	ck_assert_mem_eq(d.def, def, MDC_MIG_MAX_DEF);
	m.deflen = MDC_MIG_MAX_DEF + 1; /* over the limit */
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n),
	                 MDC_EINVAL);
	m.deflen = MDC_MIG_MAX_DEF;
	m.vmstate = 3;
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n),
	                 MDC_EINVAL);
	m.vmstate = 0;
	snprintf(m.accel, sizeof(m.accel), "t\tcg");
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n),
	                 MDC_EINVAL);
}
END_TEST

START_TEST(test_frame_and_str)
{
	static const uint8_t zero[4] = {0, 0, 0, 0};
	static const uint8_t big[4] = {0, 1, 0, 1};
	static const uint8_t ok[4] = {0, 1, 0, 0};
	uint8_t buf[64];
	char out[64];
	size_t n;

	ck_assert_int_eq(mdc_mig_frame_len(zero, &n), MDC_EMALF);
	ck_assert_int_eq(mdc_mig_frame_len(big, &n), MDC_EMALF);
	ck_assert_int_eq(mdc_mig_frame_len(ok, &n), 0);
	ck_assert_uint_eq(n, 65536);
	ck_assert_int_eq(
	        mdc_mig_str_encode("host1.example.com", buf, sizeof(buf), &n),
	        0);
	ck_assert_int_eq(mdc_mig_str_decode(buf, n, 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "host1.example.com");
	ck_assert_int_eq(mdc_mig_str_decode(buf, n - 1, 1, out, sizeof(out)),
	                 MDC_ETRUNC);
	ck_assert_int_eq(mdc_mig_str_encode("a b", buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_mig_str_decode(buf, n, 1, out, sizeof(out)),
	                 MDC_EMALF); /* not a host name */
	mdc_mig_sanitize("a\nb\x7f", out, sizeof(out));
	ck_assert_str_eq(out, "a?b?");
}
END_TEST

static struct sockaddr_in
v4(const char *ip)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, ip, &s.sin_addr), 1);
	return s;
}

START_TEST(test_cidr)
{
	struct mdc_mig_cidr c;
	struct sockaddr_in a = v4("127.0.0.81"), b = v4("128.0.0.1");
	struct sockaddr_in6 m6;
	char out[64], ip[64];
	int port;

	ck_assert_int_eq(mdc_mig_cidr_parse("127.0.0.0/8", &c), 0);
	mdc_mig_cidr_format(&c, out, sizeof(out));
	ck_assert_str_eq(out, "127.0.0.0/8");
	ck_assert(mdc_mig_cidr_match(&c, (struct sockaddr *)&a));
	ck_assert(!mdc_mig_cidr_match(&c, (struct sockaddr *)&b));
	memset(&m6, 0, sizeof(m6));
	m6.sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:127.1.2.3", &m6.sin6_addr),
	                 1);
	ck_assert(mdc_mig_cidr_match(&c, (struct sockaddr *)&m6));
	ck_assert_int_eq(mdc_mig_cidr_parse("10.1.2.3/8", &c), MDC_EINVAL);
	ck_assert_int_eq(mdc_mig_cidr_parse("10.0.0.0/33", &c), MDC_EINVAL);
	ck_assert_int_eq(mdc_mig_cidr_parse("10.0.0.0/", &c), MDC_EINVAL);
	ck_assert_int_eq(mdc_mig_cidr_parse("/8", &c), MDC_EINVAL);
	ck_assert_int_eq(mdc_mig_cidr_parse("2001:db8::/32", &c), 0);
	ck_assert(!mdc_mig_cidr_match(&c, (struct sockaddr *)&a));
	ck_assert_int_eq(mdc_mig_cidr_parse("192.0.2.7", &c), 0);
	ck_assert_int_eq(c.prefix, 32);
	ck_assert_int_eq(mdc_mig_hostport("127.0.0.1:99", 1, ip, 64, &port), 0);
	ck_assert_str_eq(ip, "127.0.0.1");
	ck_assert_int_eq(port, 99);
	ck_assert_int_eq(mdc_mig_hostport("[::1]:7", 1, ip, 64, &port), 0);
	ck_assert_str_eq(ip, "::1");
	ck_assert_int_eq(mdc_mig_hostport("h.example.com", 7690, ip, 64, &port),
	                 0);
	ck_assert_int_eq(port, 7690);
	ck_assert_int_eq(mdc_mig_hostport("h:0", 1, ip, 64, &port), MDC_EINVAL);
	ck_assert_int_eq(mdc_mig_hostport("h:x", 1, ip, 64, &port), MDC_EINVAL);
}
END_TEST

START_TEST(test_pac_deleg)
{
	struct mdc_pac_deleg d;
	uint8_t *p;
	size_t n, i;

	p = seed("pac_deleg_alice", &n);
	ck_assert_int_eq(mdc_pac_deleg_decode(p, n, &d), 0);
	ck_assert_str_eq(d.target, "migrate/host2.example.com");
	ck_assert_uint_eq(d.ntransited, 1);
	ck_assert_str_eq(d.last, "HOST1$@EXAMPLE.COM");
	ck_assert_str_eq(d.first, "HOST1$@EXAMPLE.COM");
	for (i = 0; i < n - 1; i++) /* the last byte is NDR padding */
		ck_assert_int_ne(mdc_pac_deleg_decode(p, i, &d), 0);
	p[0x1c] = 0; /* a transited count of 0 */
	ck_assert_int_ne(mdc_pac_deleg_decode(p, n, &d), 0);
	free(p);
}
END_TEST

static int
has_rid(const uint8_t *p, size_t n, uint32_t want)
{
	uint32_t rids[64];
	struct mdc_pac_logon l;
	size_t i;

	ck_assert_int_eq(mdc_pac_logon_decode(p, n, &l, rids, 64), 0);
	ck_assert_uint_ge(l.rid, 1000);
	ck_assert_uint_eq(l.primary, 513); /* Domain Users */
	/* S-1-5-21-x-y-z: the domain of the RIDs */
	ck_assert_uint_eq(l.dom.authority, 5);
	ck_assert_uint_eq(l.dom.nsub, 4);
	ck_assert_uint_eq(l.dom.sub[0], 21);
	for (i = 0; i < l.ngroups; i++)
		if (rids[i] == want)
			return 1;
	return 0;
}

START_TEST(test_pac_groups)
{
	uint32_t rids[1], all[64];
	struct mdc_pac_logon l;
	uint8_t *a, *b;
	size_t na, nb, i;

	a = seed("pac_logon_alice", &na);
	b = seed("pac_logon_bob", &nb);
	ck_assert(has_rid(a, na, MDC_RID_MIGRATION_OPERATORS));
	ck_assert(has_rid(a, na, 513));
	ck_assert(!has_rid(b, nb, MDC_RID_MIGRATION_OPERATORS));
	/* more groups than room: refused, not truncated */
	ck_assert_int_eq(mdc_pac_logon_decode(a, na, &l, rids, 1), MDC_ERANGE);
	/* cut anywhere before the end of LogonDomainId (only the padding to
	 * 8 bytes may go): refused */
	for (i = 0; i < na; i++)
		if (mdc_pac_logon_decode(a, i, &l, all, 64) == 0)
			ck_assert_uint_gt(i + 8, na);
	free(a);
	free(b);
}
END_TEST

/* The destination's decision on the captured buffers. */
static int
decide(const char *logon, const char *source, int enabled, const char *net,
       int with_deleg, char *text, size_t len)
{
	struct mdc_mig_state st;
	struct mdc_mig_dest_in in;
	struct sockaddr_in peer = v4("127.0.0.81");
	uint8_t *d, *l;
	size_t nd, nl;
	int ret;

	memset(&st, 0, sizeof(st));
	st.enabled = enabled;
	ck_assert_int_eq(mdc_mig_cidr_parse(net, &st.nets[0]), 0);
	st.nnets = 1;
	d = seed("pac_deleg_alice", &nd);
	l = seed(logon, &nl);
	memset(&in, 0, sizeof(in));
	in.client = "alice@EXAMPLE.COM";
	in.deleg = with_deleg ? d : NULL;
	in.deleg_len = nd;
	in.logon = l;
	in.logon_len = nl;
	in.vm = "vm1";
	in.source_host = source;
	in.self_host = "host2.example.com";
	in.state = &st;
	in.peer = (struct sockaddr *)&peer;
	ret = mdc_mig_dest_decide(&in, text, len);
	free(d);
	free(l);
	return ret;
}

START_TEST(test_policy)
{
	char t[1024];

	ck_assert_int_eq(decide("pac_logon_alice", "host1.example.com", 1,
	                        "127.0.0.0/8", 1, t, sizeof(t)),
	                 0);
	ck_assert_str_eq(t, "accepted by host2.example.com: VM vm1 from "
	                    "host1.example.com for alice@EXAMPLE.COM, "
	                    "delegated by HOST1$@EXAMPLE.COM");
	ck_assert_int_eq(decide("pac_logon_bob", "host1.example.com", 1,
	                        "127.0.0.0/8", 1, t, sizeof(t)),
	                 MDC_EDENIED);
	ck_assert_ptr_nonnull(strstr(t, "not a member of Migration Operators"));
	ck_assert_int_eq(decide("pac_logon_alice", "host3.example.com", 1,
	                        "127.0.0.0/8", 1, t, sizeof(t)),
	                 MDC_EDENIED);
	ck_assert_ptr_nonnull(strstr(t, "delegated by HOST1$@EXAMPLE.COM, not "
	                                "by the source host's account "
	                                "HOST3$@EXAMPLE.COM"));
	ck_assert_int_eq(decide("pac_logon_alice", "host1.example.com", 0,
	                        "127.0.0.0/8", 1, t, sizeof(t)),
	                 MDC_EDENIED);
	ck_assert_str_eq(t, "migration is disabled on host2.example.com");
	ck_assert_int_eq(decide("pac_logon_alice", "host1.example.com", 1,
	                        "10.0.0.0/8", 1, t, sizeof(t)),
	                 MDC_EDENIED);
	ck_assert_str_eq(t, "source address 127.0.0.81 is not in a migration "
	                    "network of host2.example.com");
	ck_assert_int_eq(decide("pac_logon_alice", "host1.example.com", 1,
	                        "127.0.0.0/8", 0, t, sizeof(t)),
	                 MDC_EDENIED);
	ck_assert_ptr_nonnull(strstr(t, "connected directly"));
	ck_assert_int_eq(mdc_mig_host_account("web-1.example.com", "R", t, 64),
	                 0);
	ck_assert_str_eq(t, "WEB-1$@R");
	ck_assert_int_eq(mdc_mig_host_account("h.x", "EXAMPLE.COM", t, 8),
	                 MDC_ESPACE);
}
END_TEST

START_TEST(test_vm_admin)
{
	uint8_t *alice, *bob;
	size_t la, lb;
	char t[512];

	alice = seed("pac_logon_alice", &la);
	bob = seed("pac_logon_bob", &lb);
	ck_assert_int_eq(mdc_mig_vm_admin_decide("alice@EXAMPLE.COM", alice, la,
	                                         t, sizeof(t)),
	                 0);
	ck_assert_str_eq(t, "alice@EXAMPLE.COM (Migration Operators)");
	ck_assert_int_eq(mdc_mig_vm_admin_decide("bob@EXAMPLE.COM", bob, lb, t,
	                                         sizeof(t)),
	                 MDC_EDENIED);
	ck_assert_str_eq(t, "bob@EXAMPLE.COM is not a member of Migration "
	                    "Operators or Domain Admins");
	ck_assert_int_eq(
	        mdc_mig_vm_admin_decide("x@EXAMPLE.COM", NULL, 0, t, sizeof(t)),
	        MDC_EDENIED);
	ck_assert_ptr_nonnull(strstr(t, "no readable group list"));
	ck_assert_int_eq(mdc_mig_vm_admin_decide("x@EXAMPLE.COM", alice, la / 2,
	                                         t, sizeof(t)),
	                 MDC_EDENIED);
	free(alice);
	free(bob);
}
END_TEST

/* The source's decision on a live move, before it connects anywhere. */
static int
src_decide(const uint8_t *logon, size_t nl, const char *dest, const char *net,
           const char *registered, char *t, size_t tl)
{
	struct mdc_mig_state st;
	struct mdc_mig_src_in in;
	struct sockaddr_in d;
	struct sockaddr_storage reg;
	struct sockaddr_in *r = (struct sockaddr_in *)&reg;

	memset(&st, 0, sizeof(st));
	st.enabled = 1;
	if (net != NULL) {
		ck_assert_int_eq(mdc_mig_cidr_parse(net, &st.nets[0]), 0);
		st.nnets = 1;
	}
	memset(&d, 0, sizeof(d));
	d.sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, dest, &d.sin_addr), 1);
	memset(&reg, 0, sizeof(reg));
	r->sin_family = AF_INET;
	if (registered != NULL)
		ck_assert_int_eq(inet_pton(AF_INET, registered, &r->sin_addr),
		                 1);
	memset(&in, 0, sizeof(in));
	in.client = "alice@EXAMPLE.COM";
	in.logon = logon;
	in.logon_len = nl;
	in.state = &st;
	in.dest = (const struct sockaddr *)&d;
	in.registered = &reg;
	in.nregistered = registered != NULL;
	in.dest_host = "host2.example.com";
	in.self_host = "host1.example.com";
	return mdc_mig_src_decide(&in, t, tl);
}

START_TEST(test_src_policy)
{
	uint8_t *alice, *bob;
	size_t la, lb;
	char t[512];

	alice = seed("pac_logon_alice", &la);
	bob = seed("pac_logon_bob", &lb);
	/* in a migration network of the source */
	ck_assert_int_eq(src_decide(alice, la, "192.168.0.12", "192.168.0.0/24",
	                            NULL, t, sizeof(t)),
	                 0);
	/* the destination host's registered address */
	ck_assert_int_eq(src_decide(alice, la, "10.1.2.3", "192.168.0.0/24",
	                            "10.1.2.3", t, sizeof(t)),
	                 0);
	/* neither */
	ck_assert_int_eq(src_decide(alice, la, "10.1.2.4", "192.168.0.0/24",
	                            "10.1.2.3", t, sizeof(t)),
	                 MDC_EDENIED);
	ck_assert_str_eq(t, "refused by host1.example.com: 10.1.2.4 is neither "
	                    "the registered address of host2.example.com nor "
	                    "inside a migration network of host1.example.com");
	/* not a Migration Operator: refused whatever the address */
	ck_assert_int_eq(src_decide(bob, lb, "192.168.0.12", "192.168.0.0/24",
	                            NULL, t, sizeof(t)),
	                 MDC_EDENIED);
	ck_assert_str_eq(t,
	                 "refused by host1.example.com: alice@EXAMPLE.COM is "
	                 "not a member of Migration Operators");
	ck_assert_int_eq(src_decide(NULL, 0, "192.168.0.12", "192.168.0.0/24",
	                            NULL, t, sizeof(t)),
	                 MDC_EDENIED);
	ck_assert_int_eq(src_decide(alice, la / 2, "192.168.0.12",
	                            "192.168.0.0/24", NULL, t, sizeof(t)),
	                 MDC_EDENIED);
	free(alice);
	free(bob);
}
END_TEST

/* The live move's messages: request, progress, control; LIVE_* frames. */
/* The CLI's progress line: counters, and a mirror that has counted
 * nothing yet (QEMU zeroing the destination) said in words. */
START_TEST(test_progress_line)
{
	struct mdc_live_info i;
	char line[256];

	memset(&i, 0, sizeof(i));
	i.kind = MDC_LIVE_PROGRESS;
	i.phase = MDC_LIVE_MIRROR;
	mdc_live_progress_line(&i, line, sizeof(line));
	ck_assert_str_eq(line, "mirror      preparing the destination disk");
	i.v[MDC_LIVE_P_DONE] = 3 << 20;
	i.v[MDC_LIVE_P_TOTAL] = 12 << 20;
	i.v[MDC_LIVE_P_RATE] = 1 << 20;
	i.v[MDC_LIVE_P_REMAIN] = 9 << 20;
	mdc_live_progress_line(&i, line, sizeof(line));
	ck_assert_str_eq(line,
	                 "mirror      [#####...............]  25% 3.0 MiB "
	                 "/ 12.0 MiB  1.0 MiB/s  dirty 0 B/s  remaining "
	                 "9.0 MiB");
	/* pre-copy with nothing counted yet keeps its counters */
	memset(&i.v, 0, sizeof(i.v));
	i.phase = MDC_LIVE_PRECOPY;
	mdc_live_progress_line(&i, line, sizeof(line));
	ck_assert_str_eq(line,
	                 "pre-copy    [....................]   0% 0 B / 0 "
	                 "B  0 B/s  dirty 0 B/s  remaining 0 B");
	/* more done than total (a disk written during the mirror) */
	i.phase = MDC_LIVE_MIRROR;
	i.v[MDC_LIVE_P_DONE] = 300;
	i.v[MDC_LIVE_P_TOTAL] = 100;
	mdc_live_progress_line(&i, line, sizeof(line));
	ck_assert_ptr_nonnull(
	        strstr(line, "[####################] 100% 300 B "));
}
END_TEST

START_TEST(test_live_msgs)
{
	static struct mdc_live_req q, d;
	static struct mdc_mig_msg m, o;
	static uint8_t buf[MDC_MIG_MAX_MSG], blob[MDC_LIVE_MAX_REQ];
	struct mdc_live_info i, j;
	struct mdc_live_ctl c, c2;
	size_t n;

	mdc_live_req_init(&q);
	ck_assert_uint_eq(q.downtime_ms, 300);
	ck_assert_uint_eq(q.watchdog_s, 30);
	q.flags = MDC_LIVE_FL_STORAGE | MDC_LIVE_FL_PLAIN;
	q.bandwidth_mib = 117;
	q.ndisks = 2;
	q.disk_size[0] = 1ull << 34;
	q.disk_size[1] = 5;
	snprintf(q.storage_path, sizeof(q.storage_path), "vms/web1");
	snprintf(q.def, sizeof(q.def), "{\"name\":\"web1\"}");
	ck_assert_int_eq(mdc_live_req_encode(&q, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_live_req_decode(buf, n, &d), 0);
	ck_assert_mem_eq(&d, &q, sizeof(q));
	ck_assert_int_eq(mdc_live_req_decode(buf, n - 1, &d), MDC_ETRUNC);
	buf[n] = 0;
	ck_assert_int_eq(mdc_live_req_decode(buf, n + 1, &d), MDC_EMALF);
	buf[0] = 0x80; /* unknown flag */
	ck_assert_int_eq(mdc_live_req_decode(buf, n, &d), MDC_EMALF);
	q.downtime_ms = 0;
	ck_assert_int_eq(mdc_live_req_encode(&q, buf, sizeof(buf), &n),
	                 MDC_EINVAL);
	q.downtime_ms = 300;
	q.multifd = 1;
	ck_assert_int_eq(mdc_live_req_encode(&q, buf, sizeof(buf), &n),
	                 MDC_EINVAL);
	q.multifd = 0;
	/* carried by LIVE_MOVE */
	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_LIVE_MOVE;
	snprintf(m.vm, sizeof(m.vm), "web1");
	snprintf(m.host, sizeof(m.host), "host2.example.com");
	snprintf(m.addr, sizeof(m.addr), "192.168.0.12:7690");
	ck_assert_int_eq(
	        mdc_live_req_encode(&q, blob, sizeof(blob), &m.datalen), 0);
	m.data = blob;
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n, &o), 0);
	ck_assert_str_eq(o.addr, "192.168.0.12:7690");
	ck_assert_uint_eq(o.datalen, m.datalen);
	ck_assert_mem_eq(o.data, m.data, m.datalen);
	ck_assert_int_eq(mdc_mig_msg_decode(buf, n - 1, &o), MDC_ETRUNC);
	m.datalen = 0; /* an empty blob */
	ck_assert_int_eq(mdc_mig_msg_encode(&m, buf, sizeof(buf), &n),
	                 MDC_EINVAL);
	memset(&i, 0, sizeof(i));
	i.kind = MDC_LIVE_REPORT;
	i.phase = MDC_LIVE_DONE;
	i.v[MDC_LIVE_R_DOWNTIME_MS] = 31;
	ck_assert_int_eq(mdc_live_info_encode(&i, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, 2 + 8 * MDC_LIVE_NVAL);
	ck_assert_int_eq(mdc_live_info_decode(buf, n, &j), 0);
	ck_assert_uint_eq(j.v[MDC_LIVE_R_DOWNTIME_MS], 31);
	buf[1] = 9;
	ck_assert_int_eq(mdc_live_info_decode(buf, n, &j), MDC_EMALF);
	ck_assert_str_eq(mdc_live_phase_name(MDC_LIVE_PRECOPY), "pre-copy");
	memset(&c, 0, sizeof(c));
	c.type = MDC_LIVE_C_DONE;
	snprintf(c.text, sizeof(c.text), "VM web1 runs on host2.example.com");
	ck_assert_int_eq(mdc_live_ctl_encode(&c, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_live_ctl_decode(buf, n, &c2), 0);
	ck_assert_str_eq(c2.text, c.text);
	buf[0] = 7;
	ck_assert_int_eq(mdc_live_ctl_decode(buf, n, &c2), MDC_EMALF);
	/* the switch-over's two-step: PREPARED, COMMIT; nothing after */
	memset(&c, 0, sizeof(c));
	c.type = MDC_LIVE_C_PREPARED;
	ck_assert_int_eq(mdc_live_ctl_encode(&c, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_live_ctl_decode(buf, n, &c2), 0);
	ck_assert_uint_eq(c2.type, MDC_LIVE_C_PREPARED);
	c.type = MDC_LIVE_C_COMMIT;
	ck_assert_int_eq(mdc_live_ctl_encode(&c, buf, sizeof(buf), &n), 0);
	ck_assert_int_eq(mdc_live_ctl_decode(buf, n, &c2), 0);
	ck_assert_uint_eq(c2.type, MDC_LIVE_C_COMMIT);
	buf[0] = MDC_LIVE_C_COMMIT + 1;
	ck_assert_int_eq(mdc_live_ctl_decode(buf, n, &c2), MDC_EMALF);
	c.type = MDC_LIVE_C_COMMIT + 1;
	ck_assert_int_eq(mdc_live_ctl_encode(&c, buf, sizeof(buf), &n),
	                 MDC_EINVAL);
}
END_TEST

START_TEST(test_state)
{
	char dir[] = "/tmp/test_migrate.XXXXXX", *path;
	struct mdc_err err = {""};
	struct mdc_mig_state st;
	struct mdc_mig_cidr c;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(mdc_mig_state_load(dir, &st, &err), 0);
	ck_assert(!st.enabled);
	ck_assert_uint_eq(st.nnets, 0);
	ck_assert_str_eq(st.accel, "auto");
	snprintf(st.accel, sizeof(st.accel), "tcg");
	st.enabled = 1;
	ck_assert_int_eq(mdc_mig_cidr_parse("10.0.0.0/8", &c), 0);
	ck_assert_int_eq(mdc_mig_state_add(&st, &c), 0);
	ck_assert_int_eq(mdc_mig_state_add(&st, &c), MDC_EEXIST);
	ck_assert_int_eq(mdc_mig_cidr_parse("fd00::/8", &c), 0);
	ck_assert_int_eq(mdc_mig_state_add(&st, &c), 0);
	ck_assert_int_eq(mdc_mig_state_save(dir, &st), 0);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(mdc_mig_state_load(dir, &st, &err), 0);
	ck_assert(st.enabled);
	ck_assert_uint_eq(st.nnets, 2);
	ck_assert_str_eq(st.accel, "tcg");
	ck_assert_int_eq(st.max_migrations, 2);
	ck_assert_int_eq(mdc_mig_state_remove(&st, &c), 0);
	ck_assert_int_eq(mdc_mig_state_remove(&st, &c), MDC_ENOENT);
	path = mdc_strdupf("%s/migrate.conf", dir);
	ck_assert_int_eq(mdc_file_printf(path, 0644,
	                                 "[migration]\n"
	                                 "networks = 10.0.0.1/8\n"),
	                 0);
	ck_assert_int_eq(mdc_mig_state_load(dir, &st, &err), MDC_ECONF);
	ck_assert_ptr_nonnull(strstr(err.text, "bad network 10.0.0.1/8"));
	ck_assert_int_eq(mdc_file_printf(path, 0644, "[vm]\naccel = hvf\n"), 0);
	ck_assert_int_eq(mdc_mig_state_load(dir, &st, &err), MDC_ECONF);
	ck_assert_ptr_nonnull(strstr(err.text, "accel"));
	free(path);
	ck_assert_int_eq(mdc_rm_rf(dir), 0);
}
END_TEST

/* The table's limits: per address while authenticating, 64 in all. */
START_TEST(test_admit_limits)
{
	static struct mdc_admit t;
	struct sockaddr_in a = v4("192.0.2.7"), b = v4("192.0.2.8");
	struct sockaddr_in6 m;
	struct mdc_admit_slot slot;
	char text[256], log[512];
	pid_t pid;
	int i;

	ck_assert_int_eq(mdc_admit_init(&t, 2), 0);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(mdc_admit_check(&t, (struct sockaddr *)&a,
		                                 text, sizeof(text), log,
		                                 sizeof(log)),
		                 0);
		mdc_admit_add(&t, 1000 + i, (struct sockaddr *)&a);
	}
	/* the same address as v4-mapped IPv6 is the same address */
	memset(&m, 0, sizeof(m));
	m.sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:192.0.2.7", &m.sin6_addr),
	                 1);
	ck_assert_int_eq(mdc_admit_check(&t, (struct sockaddr *)&m, text,
	                                 sizeof(text), log, sizeof(log)),
	                 MDC_EAGAIN);
	ck_assert_str_eq(text, "too many connections from 192.0.2.7 are "
	                       "authenticating, try later");
	ck_assert_str_eq(log, "refused a connection from 192.0.2.7: 2 "
	                      "connections from it are authenticating");
	/* within the same second: counted, not logged */
	ck_assert_int_eq(mdc_admit_check(&t, (struct sockaddr *)&a, text,
	                                 sizeof(text), log, sizeof(log)),
	                 MDC_EAGAIN);
	ck_assert_str_eq(log, "");
	ck_assert_int_eq(mdc_admit_check(&t, (struct sockaddr *)&b, text,
	                                 sizeof(text), log, sizeof(log)),
	                 0);
	/* an authenticated connection leaves its address's count */
	pid = 1000;
	ck_assert_int_eq(write(t.pipe[1], &pid, sizeof(pid)), sizeof(pid));
	mdc_admit_drain(&t);
	ck_assert_int_eq(mdc_admit_check(&t, (struct sockaddr *)&a, text,
	                                 sizeof(text), log, sizeof(log)),
	                 0);
	ck_assert_int_eq(mdc_admit_remove(&t, 1001, &slot), 1);
	ck_assert_int_eq(slot.authed, 0);
	ck_assert_int_eq(mdc_admit_remove(&t, 1001, &slot), 0);
	for (i = t.n; i < MDC_ADMIT_MAX; i++)
		mdc_admit_add(&t, 2000 + i, (struct sockaddr *)&b);
	ck_assert_int_eq(mdc_admit_check(&t, (struct sockaddr *)&a, text,
	                                 sizeof(text), log, sizeof(log)),
	                 MDC_EAGAIN);
	ck_assert_str_eq(text, "the agent is busy, try later");
	close(t.pipe[0]);
	close(t.pipe[1]);
}
END_TEST

/* Who is served before authentication (no name lookups: none of these
 * reaches the registered-host test, except the last, with no domain). */
START_TEST(test_admit_peer)
{
	char dir[] = "/tmp/test_migrate.XXXXXX", text[256];
	struct sockaddr_in lo = v4("127.0.0.5"), self = v4("198.51.100.1"),
	                   in = v4("10.1.2.3"), out = v4("198.51.100.9");
	struct mdc_mig_state st;
	struct mdc_mig_cidr c;
	struct mdc_admit_peer p = {(struct sockaddr *)&lo,
	                           (struct sockaddr *)&self,
	                           "host1.example.com", dir};

	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(mdc_mig_cidr_parse("10.0.0.0/8", &c), 0);
	ck_assert_int_eq(mdc_mig_state_add(&st, &c), 0);
	ck_assert_int_eq(mdc_mig_state_save(dir, &st), 0);
	ck_assert_int_eq(mdc_admit_peer_check(&p, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "127.0.0.5 is this host");
	p.peer = (struct sockaddr *)&self;
	ck_assert_int_eq(mdc_admit_peer_check(&p, text, sizeof(text)), 0);
	p.peer = (struct sockaddr *)&in;
	ck_assert_int_eq(mdc_admit_peer_check(&p, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "10.1.2.3 is in a migration network");
	p.peer = (struct sockaddr *)&out;
	p.self = "host1"; /* no domain: nobody is its registered host */
	ck_assert_int_eq(mdc_admit_peer_check(&p, text, sizeof(text)),
	                 MDC_EDENIED);
	ck_assert_str_eq(text, "refused by host1: 198.51.100.9 is neither in a "
	                       "migration network of host1 nor the registered "
	                       "address of a host of its domain");
	ck_assert_int_eq(mdc_rm_rf(dir), 0);
}
END_TEST

/* [agent] auth-timeout and auth-per-address: defaults, kept, bounded. */
START_TEST(test_state_auth_limits)
{
	char dir[] = "/tmp/test_migrate.XXXXXX", *path;
	struct mdc_err err = {""};
	struct mdc_mig_state st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(mdc_mig_state_load(dir, &st, &err), 0);
	ck_assert_int_eq(st.agent.auth_timeout, 5);
	ck_assert_int_eq(st.agent.auth_per_address, 8);
	path = mdc_strdupf("%s/migrate.conf", dir);
	ck_assert_int_eq(mdc_file_printf(path, 0644,
	                                 "[agent]\nauth-timeout = 3\n"
	                                 "auth-per-address = 4\n"),
	                 0);
	ck_assert_int_eq(mdc_mig_state_load(dir, &st, &err), 0);
	st.enabled = 1;
	ck_assert_int_eq(mdc_mig_state_save(dir, &st), 0);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(mdc_mig_state_load(dir, &st, &err), 0);
	ck_assert_int_eq(st.agent.auth_timeout, 3);
	ck_assert_int_eq(st.agent.auth_per_address, 4);
	ck_assert_int_eq(
	        mdc_file_printf(path, 0644, "[agent]\nauth-timeout = 0\n"), 0);
	ck_assert_int_eq(mdc_mig_state_load(dir, &st, &err), MDC_ECONF);
	free(path);
	ck_assert_int_eq(mdc_rm_rf(dir), 0);
}
END_TEST

static void
quiet(void *arg, enum mdc_mig_say lvl, const char *line)
{
	(void)arg;
	(void)lvl;
	(void)line;
}

START_TEST(test_usage)
{
	char *a1[] = {"m", "move", "vm1", "--to", "h.example.com", NULL};
	char *a2[] = {"m",   "move",  "bad/vm", "--to",
	              "h.x", "--via", "1:1",    NULL};
	char *a3[] = {"m", "frobnicate", NULL};
	char *a4[] = {"m", "agent", "--keytab", NULL};
	struct mdc_err e = {""};

	ck_assert_int_eq(mdc_mig_main(5, a1, quiet, NULL, &e), MDC_EINVAL);
	ck_assert_str_eq(e.text, "--via is required");
	ck_assert_int_eq(mdc_mig_main(7, a2, quiet, NULL, &e), MDC_EINVAL);
	ck_assert_int_eq(mdc_mig_main(2, a3, quiet, NULL, &e), MDC_EINVAL);
	ck_assert_int_eq(mdc_mig_main(3, a4, quiet, NULL, &e), MDC_EINVAL);
	ck_assert_str_eq(e.text, "--keytab needs a value");
}
END_TEST

/* check's storage prerequisite: room for the disks, or the fix. */
START_TEST(test_room)
{
	char dir[] = "/tmp/test_room.XXXXXX", gone[64], text[1100];
	uint64_t small[2] = {1024, 1u << 20}, huge[1] = {UINT64_MAX / 2};

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(
	        mdc_mig_room(dir, "host2", small, 2, text, sizeof(text)), 0);
	ck_assert_ptr_nonnull(strstr(text, "MiB free for 2 MiB of disks"));
	ck_assert_int_eq(
	        mdc_mig_room(dir, "host2", NULL, 0, text, sizeof(text)), 0);
	ck_assert_int_eq(
	        mdc_mig_room(dir, "host2", huge, 1, text, sizeof(text)),
	        MDC_EDENIED);
	ck_assert_ptr_nonnull(strstr(text, "; fix: free "));
	ck_assert_ptr_nonnull(strstr(text, "(on host2)"));
	snprintf(gone, sizeof(gone), "%s/none", dir);
	ck_assert_int_eq(
	        mdc_mig_room(gone, "host2", small, 1, text, sizeof(text)),
	        MDC_EDENIED);
	ck_assert_ptr_nonnull(strstr(text, "; fix: mkdir -p -m 0700 "));
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("migrate");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_msg_roundtrip);
	tcase_add_test(tc, test_progress_line);
	tcase_add_test(tc, test_msg_bad);
	tcase_add_test(tc, test_frame_and_str);
	tcase_add_test(tc, test_vm_msgs);
	tcase_add_test(tc, test_vm_admin);
	tcase_add_test(tc, test_cidr);
	tcase_add_test(tc, test_pac_deleg);
	tcase_add_test(tc, test_pac_groups);
	tcase_add_test(tc, test_policy);
	tcase_add_test(tc, test_src_policy);
	tcase_add_test(tc, test_live_msgs);
	tcase_add_test(tc, test_state);
	tcase_add_test(tc, test_state_auth_limits);
	tcase_add_test(tc, test_admit_limits);
	tcase_add_test(tc, test_admit_peer);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_room);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
