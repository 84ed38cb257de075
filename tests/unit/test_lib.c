/* tests/unit/test_lib.c - Check suite for lib/ (buf, conf, util, err) */
#include "config.h"

#include <check.h>
#include <gssapi/gssapi_krb5.h>

#include "tests/unit/ck_run.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/err.h"
#include "lib/gss.h"
#include "lib/privdrop.h"
#include "lib/notify.h"
#include "lib/pwpolicy.h"
#include "lib/util.h"

/* A real failure of the krb5 mechanism: no credential cache. */
static OM_uint32
gss_fail(OM_uint32 *minor)
{
	gss_buffer_desc nb = {18, "host/x@EXAMPLE.COM"}, out = {0, NULL};
	gss_ctx_id_t c = GSS_C_NO_CONTEXT;
	gss_name_t n = GSS_C_NO_NAME;
	OM_uint32 major, m2;

	setenv("KRB5_CONFIG", "/dev/null", 1);
	setenv("KRB5CCNAME", "FILE:/nonexistent/cc", 1);
	ck_assert_uint_eq(
	        gss_import_name(&m2, &nb, GSS_KRB5_NT_PRINCIPAL_NAME, &n),
	        GSS_S_COMPLETE);
	major = gss_init_sec_context(minor, GSS_C_NO_CREDENTIAL, &c, n,
	                             (gss_OID)gss_mech_krb5, 0, 0,
	                             GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER,
	                             NULL, &out, NULL, NULL);
	gss_release_name(&m2, &n);
	gss_release_buffer(&m2, &out);
	return major;
}

START_TEST(gss_status_text)
{
	char t[512], small[8];
	OM_uint32 major, minor = 0;

	/* Alone, the routine's text is all there is. */
	mdc_gss_status(GSS_S_FAILURE, 0, t, sizeof(t));
	ck_assert_str_eq(t, "Unspecified GSS failure.  Minor code may provide "
	                    "more information");
	mdc_gss_status(GSS_S_BAD_SIG, 0, t, sizeof(t));
	ck_assert_ptr_null(strchr(t, ':'));
	ck_assert_ptr_nonnull(strstr(t, "Integrity"));
	/* Routine text, then the mechanism's reason. */
	major = gss_fail(&minor);
	ck_assert(GSS_ERROR(major));
	ck_assert_uint_ne(minor, 0);
	mdc_gss_status(major, minor, t, sizeof(t));
	ck_assert_ptr_nonnull(strstr(t, ": No Kerberos credentials available"));
	/* "Unspecified" gives way to the mechanism's reason. */
	mdc_gss_status(GSS_S_FAILURE, minor, t, sizeof(t));
	ck_assert_ptr_null(strstr(t, "Unspecified"));
	ck_assert_ptr_eq(strstr(t, "No Kerberos credentials available"), t);
	/* A code nobody knows still says something. */
	mdc_gss_status(GSS_S_FAILURE, 12345, t, sizeof(t));
	ck_assert_ptr_nonnull(strstr(t, "GSS error"));
	/* Always terminated inside the buffer. */
	mdc_gss_status(major, minor, small, sizeof(small));
	ck_assert_uint_lt(strlen(small), sizeof(small));
}
END_TEST

START_TEST(rbuf_reads_and_bounds)
{
	const uint8_t data[] = {0x12, 0x34, 0x56, 0x78, 0x9a};
	struct mdc_rbuf b;
	uint16_t v16;
	uint32_t v32;
	uint8_t v8;

	mdc_rbuf_init(&b, data, sizeof(data));
	ck_assert_int_eq(mdc_rbuf_get_u16be(&b, &v16), 0);
	ck_assert_uint_eq(v16, 0x1234);
	ck_assert_int_eq(mdc_rbuf_get_u16le(&b, &v16), 0);
	ck_assert_uint_eq(v16, 0x7856);
	ck_assert_int_eq(mdc_rbuf_get_u32be(&b, &v32), MDC_ETRUNC);
	ck_assert_uint_eq(b.pos, 4); /* a failed read does not move */
	ck_assert_int_eq(mdc_rbuf_get_u8(&b, &v8), 0);
	ck_assert_uint_eq(v8, 0x9a);
	ck_assert_int_eq(mdc_rbuf_get_u8(&b, &v8), MDC_ETRUNC);
	ck_assert_int_eq(mdc_rbuf_seek(&b, 6), MDC_ETRUNC);
	mdc_rbuf_init(&b, data, sizeof(data));
	ck_assert_int_eq(mdc_rbuf_get_u32le(&b, &v32), 0);
	ck_assert_uint_eq(v32, 0x78563412);
}
END_TEST

START_TEST(wbuf_writes_and_fills)
{
	uint8_t out[6];
	struct mdc_wbuf w;

	mdc_wbuf_init(&w, out, sizeof(out));
	ck_assert_int_eq(mdc_wbuf_put_u32be(&w, 0x01020304), 0);
	ck_assert_int_eq(mdc_wbuf_put_u16le(&w, 0x0506), 0);
	ck_assert_int_eq(mdc_wbuf_put_u8(&w, 7), MDC_ESPACE);
	ck_assert_mem_eq(out, "\x01\x02\x03\x04\x06\x05", 6);
}
END_TEST

/* The migration wire's u64: network byte order, both ways. */
START_TEST(buf_u64be_round_trip)
{
	uint8_t out[9];
	struct mdc_wbuf w;
	struct mdc_rbuf b;
	uint64_t v;

	mdc_wbuf_init(&w, out, 8);
	ck_assert_int_eq(mdc_wbuf_put_u64be(&w, 0x0102030405060708ull), 0);
	ck_assert_int_eq(mdc_wbuf_put_u8(&w, 9), MDC_ESPACE);
	ck_assert_mem_eq(out, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	mdc_rbuf_init(&b, out, 8);
	ck_assert_int_eq(mdc_rbuf_get_u64be(&b, &v), 0);
	ck_assert_uint_eq(v, 0x0102030405060708ull);
	mdc_rbuf_init(&b, out, 7);
	ck_assert_int_eq(mdc_rbuf_get_u64be(&b, &v), MDC_ETRUNC);
	ck_assert_uint_eq(b.pos, 0);
}
END_TEST

struct tconf {
	char *name;
	long port;
	long flag;
};

static const struct mdc_conf_item titems[] = {
        {"a", "name", MDC_CONF_STR, NULL, 0, 0, offsetof(struct tconf, name)},
        {"a", "port", MDC_CONF_INT, "53", 1, 65535,
         offsetof(struct tconf, port)},
        {"b", "flag", MDC_CONF_BOOL, "no", 0, 0, offsetof(struct tconf, flag)},
        {NULL, NULL, 0, NULL, 0, 0, 0},
};

/* Write text to a temp file and load it; returns the status. */
static int
load_text(const char *text, struct tconf *c, struct mdc_err *err)
{
	char path[] = "/tmp/mdc-conf-XXXXXX";
	int fd = mkstemp(path), ret;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	memset(c, 0, sizeof(*c));
	ret = mdc_conf_load(path, titems, c, err);
	unlink(path);
	return ret;
}

START_TEST(conf_parses_and_rejects)
{
	struct tconf c;
	struct mdc_err err = {""};

	ck_assert_int_eq(
	        load_text("# c\n[A]\nNAME = x y \n[b]\nflag=yes\n", &c, &err),
	        0);
	ck_assert_str_eq(c.name, "x y");
	ck_assert_int_eq(c.port, 53);
	ck_assert_int_eq(c.flag, 1);
	mdc_conf_free(titems, &c);
	ck_assert_int_eq(load_text("[a]\nname=x\nport=70000\n", &c, &err),
	                 MDC_ECONF);
	ck_assert_ptr_nonnull(strstr(err.text,
	                             ":3: value out of range: [a] port = "
	                             "70000 (expected a number in "));
	mdc_conf_free(titems, &c);
	ck_assert_int_eq(load_text("[a]\nname=x\nbogus=1\n", &c, &err),
	                 MDC_ECONF);
	ck_assert_ptr_nonnull(strstr(err.text, ":3: unknown key"));
	mdc_conf_free(titems, &c);
	ck_assert_int_eq(load_text("[a]\nport=1\n", &c, &err), MDC_ECONF);
	ck_assert_ptr_nonnull(strstr(err.text, "missing [a] name"));
	mdc_conf_free(titems, &c);
}
END_TEST

/* A datagram socket bound at name (path, or "@x" in the abstract space). */
static int
notify_listener(const char *name)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	memcpy(sun.sun_path, name, n);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(
	        bind(fd, (struct sockaddr *)&sun,
	             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	                         (name[0] == '@' ? 0 : 1))),
	        0);
	return fd;
}

START_TEST(notify_sends_datagrams)
{
	char path[64], abs[64], got[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/tmp/minidc-notify-test.%d",
	         (int)getpid());
	unlink(path);
	fd = notify_listener(path);
	ck_assert_int_eq(mdc_notify_send(path, "READY=1\nSTATUS=ok"), 0);
	n = recv(fd, got, sizeof(got) - 1, 0);
	ck_assert_int_eq(n, 17);
	got[n] = '\0';
	ck_assert_str_eq(got, "READY=1\nSTATUS=ok");
	close(fd);
	unlink(path);
	/* the abstract namespace, as systemd's own manager socket may be */
	snprintf(abs, sizeof(abs), "@minidc-notify-test-%d", (int)getpid());
	fd = notify_listener(abs);
	ck_assert_int_eq(mdc_notify_send(abs, "STOPPING=1"), 0);
	n = recv(fd, got, sizeof(got) - 1, 0);
	ck_assert_int_eq(n, 10);
	close(fd);
	/* names that are not sockets of the protocol */
	ck_assert_int_eq(mdc_notify_send("relative/sock", "READY=1"),
	                 MDC_EINVAL);
	ck_assert_int_eq(mdc_notify_send("@", "READY=1"), MDC_EINVAL);
	ck_assert_int_eq(mdc_notify_send("", "READY=1"), MDC_EINVAL);
	ck_assert_int_eq(mdc_notify_send(NULL, "READY=1"), MDC_EINVAL);
	/* nobody listening: the error, not a crash */
	ck_assert_int_ne(mdc_notify_send(path, "READY=1"), 0);
}
END_TEST

START_TEST(util_files_and_secrets)
{
	char dir[] = "/tmp/mdc-util-XXXXXX", *path, *data = NULL, pw[33];
	struct stat st;
	size_t len;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = mdc_strdupf("%s/a/b/secret", dir);
	ck_assert_int_eq(mdc_mkdir_p(dir, 0700), 0);
	ck_assert_int_ne(mdc_file_write(path, "x", 1, 0600),
	                 0); /* no a/b yet */
	free(path);
	path = mdc_strdupf("%s/a/b", dir);
	ck_assert_int_eq(mdc_mkdir_p(path, 0700), 0);
	free(path);
	path = mdc_strdupf("%s/a/b/secret", dir);
	ck_assert_int_eq(mdc_random_password(pw, 32), 0);
	ck_assert_uint_eq(strlen(pw), 32);
	ck_assert_int_eq(mdc_file_printf(path, 0600, "%s\n", pw), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(mdc_file_read(path, 4096, &data, &len), 0);
	ck_assert_uint_eq(len, 33);
	mdc_str_chomp(data);
	ck_assert_str_eq(data, pw);
	mdc_secret_free(data, 0);
	ck_assert_int_eq(mdc_file_read(path, 4, &data, &len), MDC_ERANGE);
	free(path);
	ck_assert_int_eq(mdc_rm_rf(dir), 0);
	ck_assert_int_eq(mdc_path_exists(dir), 0);
	ck_assert_str_eq(mdc_strerror(MDC_EMALF), "malformed input");
	ck_assert_str_eq(mdc_strerror(MDC_ENOENT), "No such file or directory");
}
END_TEST

/* The one error carrier: set, prefix (also onto an empty reason), NULL. */
START_TEST(err_carrier)
{
	struct mdc_err e = {{0}};
	char longer[700];

	ck_assert_str_eq(mdc_err_text(&e, MDC_EMALF), "malformed input");
	ck_assert_int_eq(mdc_err_set(&e, MDC_EINVAL, "bad port %s", "x"),
	                 MDC_EINVAL);
	ck_assert_str_eq(mdc_err_text(&e, MDC_EINVAL), "bad port x");
	ck_assert_int_eq(mdc_err_prefix(&e, MDC_EINVAL, "conf line %d", 3),
	                 MDC_EINVAL);
	ck_assert_str_eq(e.text, "conf line 3: bad port x");
	e.text[0] = '\0';
	mdc_err_prefix(&e, MDC_ENOENT, "open %s", "f");
	ck_assert_str_eq(e.text, "open f: No such file or directory");
	ck_assert_int_eq(mdc_err_set(NULL, MDC_EACCES, "x"), MDC_EACCES);
	ck_assert_int_eq(mdc_err_prefix(NULL, MDC_EACCES, "x"), MDC_EACCES);
	ck_assert_str_eq(mdc_err_text(NULL, MDC_EACCES), "Permission denied");
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	mdc_err_set(&e, MDC_EINVAL, "%s", longer);
	ck_assert_uint_eq(strlen(e.text), MDC_ERR_TEXT - 1);
	mdc_err_prefix(&e, MDC_EINVAL, "p");
	ck_assert_uint_eq(strlen(e.text), MDC_ERR_TEXT - 1);
	ck_assert(strncmp(e.text, "p: aaa", 6) == 0);
}
END_TEST

/* A directory of one's own is usable after the drop, under a 0700 parent. */
START_TEST(privdrop_dir_and_probe)
{
	char dir[] = "/tmp/mdc-priv-XXXXXX", *parent, *own, *other, *link;
	struct mdc_privdrop_id id;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir)); /* 0700, ours: like /root */
	parent = mdc_strdupf("%s/a", dir);
	own = mdc_strdupf("%s/a/own", dir);
	other = mdc_strdupf("%s/other", dir);
	link = mdc_strdupf("%s/link", dir);
	ck_assert_int_eq(mdc_privdrop_lookup(MDC_PRIVDROP_USER, &id), 0);
	ck_assert_int_eq(mdc_privdrop_dir(own, &id), 0);
	ck_assert_int_eq(stat(own, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	ck_assert_uint_eq(st.st_uid, id.uid);
	ck_assert_int_eq(mdc_privdrop_probe(own, ".", &id), 0);
	/* Or through its parent (0755, under the 0700 dir), as the DNS server
	 * enters run/dns and writes in run/dns/rcache. */
	ck_assert_int_eq(chmod(parent, 0755), 0);
	ck_assert_int_eq(mdc_privdrop_probe(parent, "own", &id), 0);
	ck_assert_int_eq(mdc_privdrop_probe(other, ".", &id), MDC_ENOENT);
	/* A link in the directory's place is not followed. */
	ck_assert_int_eq(mdc_mkdir_p(other, 0700), 0);
	ck_assert_int_eq(symlink(other, link), 0);
	ck_assert_int_ne(mdc_privdrop_dir(link, &id), 0);
	ck_assert_int_eq(stat(other, &st), 0);
	ck_assert_uint_eq(st.st_uid, geteuid());
	if (geteuid() == 0 && id.uid != 0) {
		/* A directory not given to the user is refused by the probe. */
		ck_assert_int_eq(mdc_privdrop_probe(other, ".", &id),
		                 MDC_EACCES);
		ck_assert_int_eq(mdc_privdrop_lookup("no-such-user-mdc", &id),
		                 MDC_ENOENT);
	}
	ck_assert_int_eq(mdc_rm_rf(dir), 0);
	free(parent);
	free(own);
	free(other);
	free(link);
}
END_TEST

START_TEST(pwpolicy_rules)
{
	ck_assert_int_eq(mdc_pwpolicy_check("a", "alice"), MDC_PW_TOO_SHORT);
	ck_assert_int_eq(mdc_pwpolicy_check("Ab1-xyz", "alice"), MDC_PW_OK);
	ck_assert_int_eq(mdc_pwpolicy_check("Ab1-xy", "alice"),
	                 MDC_PW_TOO_SHORT);
	ck_assert_int_eq(mdc_pwpolicy_check("alllowercase1", "bob"),
	                 MDC_PW_TOO_SIMPLE);
	ck_assert_int_eq(mdc_pwpolicy_check("ALLUPPER-case", "bob"), MDC_PW_OK);
	ck_assert_int_eq(mdc_pwpolicy_check("Pw-ALICE-42", "alice"),
	                 MDC_PW_HAS_NAME);
	/* Names of 2 characters or fewer are not looked for (AD). */
	ck_assert_int_eq(mdc_pwpolicy_check("Pw-ao-Secret1", "ao"), MDC_PW_OK);
	ck_assert_int_eq(mdc_pwpolicy_check("Pw-Secret-42", NULL), MDC_PW_OK);
	/* 7 characters, not 7 bytes: "Ab1-" + three 2-byte letters. */
	ck_assert_int_eq(
	        mdc_pwpolicy_check("Ab1-\xc3\xa9\xc3\xa9\xc3\xa9", NULL),
	        MDC_PW_OK);
	ck_assert_int_eq(mdc_pwpolicy_check("Ab1-\xc3\xa9\xc3\xa9", NULL),
	                 MDC_PW_TOO_SHORT);
	ck_assert_ptr_nonnull(
	        strstr(mdc_pwpolicy_reason(MDC_PW_TOO_SHORT), "at least 7"));
}
END_TEST

/* History: the last 24 passwords (the current one too), hashes only. */
START_TEST(pwpolicy_history)
{
	char *h = NULL, *next, pw[32];
	size_t spaces = 0;

	ck_assert(!mdc_pwpolicy_history_has(NULL, "Xq7-Secret-0"));
	for (int i = 0; i < 30; i++) {
		snprintf(pw, sizeof(pw), "Xq7-Secret-%d", i);
		char *one = mdc_pwpolicy_hash(pw);

		ck_assert_ptr_nonnull(one);
		ck_assert(strncmp(one, "$6$", 3) == 0);
		next = mdc_pwpolicy_history_push(h, one);
		ck_assert_ptr_nonnull(next);
		/* the newest hash leads, as made */
		ck_assert(strncmp(next, one, strlen(one)) == 0);
		free(one);
		free(h);
		h = next;
	}
	ck_assert_ptr_null(strstr(h, "Secret")); /* never plaintext */
	for (const char *p = h; *p != '\0'; p++)
		spaces += *p == ' ';
	ck_assert_int_eq(spaces, MDC_PW_HISTORY - 1);
	ck_assert(mdc_pwpolicy_history_has(h, "Xq7-Secret-29")); /* current */
	ck_assert(mdc_pwpolicy_history_has(h, "Xq7-Secret-6"));  /* 24th */
	ck_assert(!mdc_pwpolicy_history_has(h, "Xq7-Secret-5")); /* 25th */
	ck_assert_ptr_null(mdc_pwpolicy_history_push(h, NULL));
	ck_assert_ptr_null(mdc_pwpolicy_history_push(h, "not a hash"));
	ck_assert(!mdc_pwpolicy_history_has(h, "Xq7-Secret-5")); /* 25th */
	ck_assert(!mdc_pwpolicy_history_has(h, "Xq7-Secret-30"));
	ck_assert(!mdc_pwpolicy_history_has("garbage no-hash", "garbage"));
	ck_assert_ptr_nonnull(
	        strstr(mdc_pwpolicy_reason(MDC_PW_IN_HISTORY), "last 24"));
	free(h);
}
END_TEST

/* Lockout: 10 bad passwords in a row, each within 10 minutes. */
START_TEST(lockout_rules)
{
	long long t = 1000LL * 10000000LL, min = 60LL * 10000000LL;

	ck_assert_int_eq(mdc_lockout_next(0, 0, t), 1);
	ck_assert_int_eq(mdc_lockout_next(9, t, t + min), 10);
	ck_assert_int_eq(mdc_lockout_next(9, t, t + 11 * min), 1);
	ck_assert(!mdc_lockout_locked(9, t, t));
	ck_assert(mdc_lockout_locked(10, t, t + 9 * min));
	ck_assert(!mdc_lockout_locked(10, t, t + 10 * min));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lib");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, rbuf_reads_and_bounds);
	tcase_add_test(tc, wbuf_writes_and_fills);
	tcase_add_test(tc, buf_u64be_round_trip);
	tcase_add_test(tc, conf_parses_and_rejects);
	tcase_add_test(tc, util_files_and_secrets);
	tcase_add_test(tc, err_carrier);
	tcase_add_test(tc, privdrop_dir_and_probe);
	tcase_add_test(tc, notify_sends_datagrams);
	tcase_add_test(tc, pwpolicy_rules);
	tcase_add_test(tc, pwpolicy_history);
	tcase_add_test(tc, lockout_rules);
	tcase_add_test(tc, gss_status_text);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
