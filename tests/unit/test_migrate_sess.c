/* tests/unit/test_migrate_sess.c - Check suite for the agents' GSS
 * session (migrate-auth/sess.c) with two real krb5 contexts: a recorded
 * message played again, or messages played out of order, are refused; a
 * client that asks for no replay detection is refused */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/gss.h"
#include "migrate-auth/sess.h"
#include "tests/unit/ck_run.h"

#include "tests/unit/gsspair.h"

static gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
static int sv[2];

/* One frame as it crossed the wire. */
struct rec {
	uint8_t b[4096];
	size_t n;
};

static void
read_n(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		ck_assert_int_gt(r, 0);
		p += r;
		n -= (size_t)r;
	}
}

/* The initiator sends a RESULT carrying text; record its bytes. */
static void
record(const char *text, struct rec *r)
{
	static struct mdc_mig_msg m;
	struct mdc_err e = {""};
	size_t len;

	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_RESULT;
	snprintf(m.text, sizeof(m.text), "%s", text);
	ck_assert_int_eq(mdc_mig_send_msg(sv[0], ictx, &m, &e), 0);
	read_n(sv[1], r->b, 4);
	len = (size_t)r->b[0] << 24 | (size_t)r->b[1] << 16 |
	      (size_t)r->b[2] << 8 | r->b[3];
	ck_assert_uint_le(len + 4, sizeof(r->b));
	read_n(sv[1], r->b + 4, len);
	r->n = len + 4;
}

/* Play r to the acceptor: 0 and the text, or the error in e. */
static int
play(const struct rec *r, char *text, size_t textlen, struct mdc_err *e)
{
	static struct mdc_mig_msg m;
	int ret;

	ck_assert_int_eq(write(sv[0], r->b, r->n), (ssize_t)r->n);
	ret = mdc_mig_recv_msg(sv[1], actx, &m, e);
	if (ret == 0)
		snprintf(text, textlen, "%s", m.text);
	return ret;
}

START_TEST(test_in_order)
{
	struct rec a, b;
	struct mdc_err e = {""};
	char t[64];

	record("one", &a);
	record("two", &b);
	ck_assert_int_eq(play(&a, t, sizeof(t), &e), 0);
	ck_assert_str_eq(t, "one");
	ck_assert_int_eq(play(&b, t, sizeof(t), &e), 0);
	ck_assert_str_eq(t, "two");
}
END_TEST

START_TEST(test_replay_refused)
{
	struct rec a;
	struct mdc_err e = {""};
	char t[64];

	record("move vm1", &a);
	ck_assert_int_eq(play(&a, t, sizeof(t), &e), 0);
	ck_assert_str_eq(t, "move vm1");
	ck_assert_int_eq(play(&a, t, sizeof(t), &e), MDC_EKRB5);
	ck_assert_str_eq(e.text,
	                 "gss_unwrap: a replayed message (duplicate token)");
}
END_TEST

START_TEST(test_reorder_refused)
{
	struct rec a, b;
	struct mdc_err e = {""};
	char t[64];

	record("first", &a);
	record("second", &b);
	ck_assert_int_eq(play(&b, t, sizeof(t), &e), MDC_EKRB5);
	ck_assert_str_eq(e.text, "gss_unwrap: a message after a missing one "
	                         "(gap token)");
	ck_assert_int_eq(play(&a, t, sizeof(t), &e), MDC_EKRB5);
	ck_assert_str_eq(e.text, "gss_unwrap: an old or out-of-order message");
}
END_TEST

/* The agent's side against a client that wants no replay detection. */
START_TEST(test_accept_needs_replay_detection)
{
	gss_key_value_element_desc el = {"keytab", KTNAME};
	gss_key_value_set_desc store = {1, &el};
	gss_buffer_desc nb = {strlen(SVC), (void *)SVC};
	gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t c = GSS_C_NO_CONTEXT, ac;
	gss_cred_id_t acred;
	gss_name_t target, client;
	gss_cred_id_t deleg;
	struct mdc_err e = {""};
	OM_uint32 min;
	uint8_t type, *data;
	size_t len;
	char text[MDC_MIG_MAX_TEXT + 1];
	int st, s[2];
	pid_t pid;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	ck_assert(!GSS_ERROR(gss_acquire_cred_from(
	        &min, GSS_C_NO_NAME, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
	        GSS_C_ACCEPT, &store, &acred, NULL, NULL)));
	if ((pid = fork()) == 0) {
		int r = mdc_mig_accept(s[1], acred, &ac, &client, &deleg, &e);

		_exit(r != 0 && strcmp(e.text, "the client did not set up "
		                               "replay and sequence detection "
		                               "for the session") == 0
		              ? 0
		              : 1);
	}
	ck_assert(!GSS_ERROR(gss_import_name(
	        &min, &nb, (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME, &target)));
	ck_assert(!GSS_ERROR(gss_init_sec_context(
	        &min, GSS_C_NO_CREDENTIAL, &c, target, (gss_OID)gss_mech_krb5,
	        GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG, 0,
	        GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out, NULL, NULL)));
	ck_assert_int_eq(mdc_mig_send_frame(s[0], MDC_MIG_F_TOKEN, out.value,
	                                    out.length),
	                 0);
	(void)gss_release_buffer(&min, &out);
	/* the mutual-authentication answer, then the refusal */
	ck_assert_int_eq(mdc_mig_recv_frame(s[0], &type, &data, &len), 0);
	ck_assert_int_eq(type, MDC_MIG_F_TOKEN);
	free(data);
	ck_assert_int_eq(mdc_mig_recv_frame(s[0], &type, &data, &len), 0);
	ck_assert_int_eq(type, MDC_MIG_F_ERROR);
	ck_assert_int_eq(mdc_mig_str_decode(data, len, 0, text, sizeof(text)),
	                 0);
	free(data);
	ck_assert_str_eq(text, "the client did not set up replay and "
	                       "sequence detection for the session");
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	(void)gss_delete_sec_context(&min, &c, GSS_C_NO_BUFFER);
	(void)gss_release_name(&min, &target);
	(void)gss_release_cred(&min, &acred);
}
END_TEST

/* Long fields cross as bounded pointers: a full DATA payload and a VM
 * definition arrive pointing into the message's own copy of the bytes,
 * which mdc_mig_msg_clear releases; a RESULT keeps no copy. */
START_TEST(test_long_fields_owned)
{
	static uint8_t payload[MDC_MIG_CHUNK];
	static const char def[] = "{\"name\":\"web1\"}";
	struct mdc_mig_msg m, r;
	struct mdc_err e = {""};
	size_t i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_DATA;
	m.offset = 1ull << 33;
	m.rawlen = MDC_MIG_CHUNK;
	m.data = payload;
	m.datalen = sizeof(payload);
	ck_assert_int_eq(mdc_mig_send_msg(sv[0], ictx, &m, &e), 0);
	ck_assert_int_eq(mdc_mig_recv_msg(sv[1], actx, &r, &e), 0);
	ck_assert_int_eq(r.type, MDC_MIG_DATA);
	ck_assert_ptr_nonnull(r.frame);
	ck_assert(r.data > r.frame && r.data != payload);
	ck_assert_uint_eq(r.datalen, sizeof(payload));
	ck_assert_mem_eq(r.data, payload, sizeof(payload));
	ck_assert_uint_eq(r.offset, 1ull << 33);
	mdc_mig_msg_clear(&r);
	ck_assert_ptr_null(r.frame);
	ck_assert_ptr_null(r.data);
	mdc_mig_msg_clear(&r); /* twice: harmless */

	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_VM;
	m.op = MDC_MIG_VM_CREATE;
	snprintf(m.vm, sizeof(m.vm), "web1");
	m.def = def;
	m.deflen = strlen(def);
	ck_assert_int_eq(mdc_mig_send_msg(sv[0], ictx, &m, &e), 0);
	ck_assert_int_eq(mdc_mig_recv_msg(sv[1], actx, &r, &e), 0);
	ck_assert_ptr_nonnull(r.frame);
	ck_assert_uint_eq(r.deflen, strlen(def));
	ck_assert_mem_eq(r.def, def, strlen(def));
	mdc_mig_msg_clear(&r);

	memset(&m, 0, sizeof(m));
	m.type = MDC_MIG_RESULT;
	snprintf(m.text, sizeof(m.text), "accepted");
	ck_assert_int_eq(mdc_mig_send_msg(sv[0], ictx, &m, &e), 0);
	ck_assert_int_eq(mdc_mig_recv_msg(sv[1], actx, &r, &e), 0);
	ck_assert_ptr_null(r.frame);
	ck_assert_str_eq(r.text, "accepted");
}
END_TEST

START_TEST(test_seq_refusal_texts)
{
	ck_assert_ptr_null(mdc_gss_seq_refusal(GSS_S_COMPLETE, 0));
	ck_assert_ptr_null(mdc_gss_seq_refusal(GSS_S_GAP_TOKEN, 1));
	ck_assert_ptr_nonnull(mdc_gss_seq_refusal(GSS_S_GAP_TOKEN, 0));
	ck_assert_str_eq(mdc_gss_seq_refusal(GSS_S_UNSEQ_TOKEN, 1),
	                 "an old or out-of-order message");
	ck_assert_str_eq(mdc_gss_seq_refusal(GSS_S_OLD_TOKEN, 1),
	                 "an old or out-of-order message");
	ck_assert_str_eq(mdc_gss_seq_refusal(
	                         GSS_S_DUPLICATE_TOKEN | GSS_S_UNSEQ_TOKEN, 1),
	                 "a replayed message (duplicate token)");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("migrate_sess");
	TCase *tc = tcase_create("sess");

	setenv("KRB5_CONFIG", "/dev/null", 1);
	setenv("KRB5RCACHETYPE", "none", 1);
	setenv("KRB5CCNAME", CCACHE, 1);
	signal(SIGPIPE, SIG_IGN);
	gss_pair_flags(GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG |
	                       MDC_GSS_SEQ_FLAGS,
	               &ictx, &actx);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 1;
	tcase_add_test(tc, test_in_order);
	tcase_add_test(tc, test_replay_refused);
	tcase_add_test(tc, test_reorder_refused);
	tcase_add_test(tc, test_accept_needs_replay_detection);
	tcase_add_test(tc, test_seq_refusal_texts);
	tcase_add_test(tc, test_long_fields_owned);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
