/* tests/unit/test_dc.c - Check suite for dc/: config, DIT, TLS, AD formats,
 * tool output */
#include "config.h"

#include <check.h>

#include "tests/unit/ck_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ad/dcconf.h"
#include "dc/dit.h"
#include "dc/guard.h"
#include "dc/krb5conf.h"
#include "dc/tls.h"
#include "lib/ad.h"
#include "lib/net.h"
#include "lib/util.h"

START_TEST(sid_text_and_binary)
{
	struct mdc_sid sid, back;
	uint8_t bin[68];
	char text[200];
	size_t len;

	ck_assert_int_eq(mdc_sid_parse("S-1-5-21-1-2-3", &sid), 0);
	ck_assert_int_eq(mdc_sid_append(&sid, 500), 0);
	ck_assert_int_eq(mdc_sid_format(&sid, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "S-1-5-21-1-2-3-500");
	ck_assert_int_eq(mdc_sid_to_bin(&sid, bin, sizeof(bin), &len), 0);
	ck_assert_uint_eq(len, 28);
	ck_assert_mem_eq(
	        bin, "\x01\x05\x00\x00\x00\x00\x00\x05\x15\x00\x00\x00", 12);
	ck_assert_mem_eq(bin + 24, "\xf4\x01\x00\x00", 4);
	ck_assert_int_eq(mdc_sid_from_bin(bin, len, &back), 0);
	ck_assert_int_eq(mdc_sid_format(&back, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "S-1-5-21-1-2-3-500");
	ck_assert_int_eq(mdc_sid_from_bin(bin, len - 1, &back), MDC_EMALF);
	ck_assert_int_eq(mdc_sid_parse("S-1-5-x", &sid), MDC_EINVAL);
	ck_assert_int_eq(mdc_sid_parse("S-1-5-21-99999999999", &sid),
	                 MDC_EINVAL);
}
END_TEST

START_TEST(guid_and_names)
{
	struct mdc_guid g, back;
	char text[37], *dn = NULL;

	ck_assert_int_eq(
	        mdc_guid_parse("01020304-0506-0708-090a-0b0c0d0e0f10", &g), 0);
	/* AD's binary order: the first three fields little-endian. */
	ck_assert_mem_eq(g.b, "\x04\x03\x02\x01\x06\x05\x08\x07\x09\x0a", 10);
	mdc_guid_format(&g, text);
	ck_assert_str_eq(text, "01020304-0506-0708-090a-0b0c0d0e0f10");
	ck_assert_int_eq(mdc_guid_new(&back), 0);
	ck_assert_int_eq(mdc_guid_parse("0102", &g), MDC_EINVAL);
	ck_assert_int_eq(mdc_domain_to_dn("example.com", &dn), 0);
	ck_assert_str_eq(dn, "DC=example,DC=com");
	free(dn);
	ck_assert_int_eq(mdc_domain_to_dn("exa mple.com", &dn), MDC_EINVAL);
	ck_assert(!mdc_domain_valid("example"));
	ck_assert(!mdc_domain_valid("-a.com"));
	ck_assert(mdc_netbios_valid("EXAMPLE"));
	ck_assert(!mdc_netbios_valid("TOO-LONG-NETBIOS-NAME"));
	ck_assert_uint_eq(mdc_nttime_from_unix(0), 116444736000000000ULL);
}
END_TEST

START_TEST(kadmin_failure_is_seen)
{
	struct mdc_err err = {""};

	ck_assert_int_eq(
	        mdc_krb_kadmin_failed("kadmin.local",
	                              "Password for \"a@R\" changed.\n", &err),
	        0);
	ck_assert_int_eq(
	        mdc_krb_kadmin_failed(
	                "kadmin.local",
	                "Re-enter password for principal \"x@R\": "
	                "change_password: "
	                "Principal does not exist while changing password for "
	                "\"x@R\".\n",
	                &err),
	        1);
	ck_assert_str_eq(err.text,
	                 "kadmin.local failed: change_password: Principal "
	                 "does not exist while changing password for \"x@R\".");
	ck_assert_int_eq(mdc_krb_kadmin_failed("kadmin.local", NULL, &err), 0);
}
END_TEST

/* A config as provision makes it, in a fresh temp dir. */
static void
make_conf(struct mdc_dcconf *c, char *dir)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(mdc_dcconf_defaults(c), 0);
	c->dir = strdup(dir);
	c->dns_domain = strdup("example.com");
	c->realm = strdup("EXAMPLE.COM");
	c->netbios = strdup("EXAMPLE");
	c->base_dn = strdup("DC=example,DC=com");
	c->domain_sid = strdup("S-1-5-21-1-2-3");
	c->domain_guid = strdup("01020304-0506-0708-090a-0b0c0d0e0f10");
	c->host_name = strdup("dc1");
	c->fqdn = strdup("dc1.example.com");
	c->dc_guid = strdup("01020304-0506-0708-090a-0b0c0d0e0f11");
	c->ntds_guid = strdup("01020304-0506-0708-090a-0b0c0d0e0f12");
}

START_TEST(dcconf_round_trip)
{
	char dir[] = "/tmp/mdc-dc-XXXXXX", *uri;
	struct mdc_dcconf c, back;
	struct mdc_err err = {""};

	make_conf(&c, dir);
	c.port_dns = 5353;
	ck_assert_int_eq(mdc_dcconf_save(&c), 0);
	ck_assert_int_eq(mdc_dcconf_load(dir, &back, &err), 0);
	ck_assert_str_eq(back.realm, "EXAMPLE.COM");
	ck_assert_int_eq(back.port_dns, 5353);
	ck_assert_int_eq(back.port_ldap, 389);
	uri = mdc_dc_ldapi_uri(&back);
	ck_assert_ptr_nonnull(strstr(uri, "%2Frun%2Fldap%2Fldapi"));
	ck_assert_str_eq(uri + strlen(uri) - 21, "%2Frun%2Fldap%2Fldapi");
	free(uri);
	mdc_dcconf_free(&back);
	ck_assert_int_eq(mdc_dcconf_load("/nonexistent-dir", &back, &err),
	                 MDC_ENOENT);
	ck_assert_int_eq(mdc_rm_rf(dir), 0);
	mdc_dcconf_free(&c);
}
END_TEST

START_TEST(dit_has_what_ad_clients_read)
{
	char dir[] = "/tmp/mdc-dc-XXXXXX", *text = NULL;
	struct mdc_dcconf c;
	size_t len = 0;
	FILE *mem;

	make_conf(&c, dir);
	mem = open_memstream(&text, &len);
	ck_assert_int_eq(mdc_dit_ldif(&c, "Secret-Pass-1", mem), 0);
	fclose(mem);
	ck_assert_ptr_nonnull(strstr(text, "dn: DC=example,DC=com\n"));
	ck_assert_ptr_nonnull(
	        strstr(text, "wellKnownObjects: B:32:" MDC_WKGUID_COMPUTERS
	                     ":CN=Computers,DC=example,DC=com\n"));
	ck_assert_ptr_nonnull(strstr(text, "sAMAccountName: DC1$\n"));
	ck_assert_ptr_nonnull(
	        strstr(text, "dn: CN=Migration Operators,CN=Users,"));
	ck_assert_ptr_nonnull(strstr(text, "nETBIOSName: EXAMPLE\n"));
	ck_assert_ptr_nonnull(strstr(text, "userPassword: {CRYPT}$6$"));
	ck_assert_ptr_null(strstr(text, "Secret-Pass-1")); /* hashed only */
	free(text);
	ck_assert_int_eq(mdc_rm_rf(dir), 0);
	mdc_dcconf_free(&c);
}
END_TEST

START_TEST(tls_files_and_modes)
{
	char dir[] = "/tmp/mdc-tls-XXXXXX", *p;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(mdc_tls_provision(dir, "EXAMPLE.COM", "example.com",
	                                   "dc1.example.com", "127.0.0.1"),
	                 0);
	p = mdc_strdupf("%s/dc.key", dir);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	free(p);
	p = mdc_strdupf("%s/ca.crt", dir);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	free(p);
	ck_assert_int_eq(mdc_tls_provision(dir, "EXAMPLE.COM", "example.com",
	                                   "dc1.example.com", "not-an-ip"),
	                 MDC_ECRYPTO);
	ck_assert_int_eq(mdc_rm_rf(dir), 0);
}
END_TEST

#define GUARD_REPLY "RESULT\ncode: 80\n\n"

/*
 * A guarded instance in a child: take the guard's fds, say it serves,
 * accept one connection and hand it over, answer it and say done if
 * answer, then die with the connection still open in it.
 */
static void
fake_instance(int answer)
{
	int lfd, chan, fd;

	if (mdc_guard_child(&lfd, &chan) != 0 ||
	    getenv("MINIDC_GUARD_FDS") != NULL ||
	    mdc_guard_child_ready(chan) != 0)
		_exit(2);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0 || mdc_guard_hold(chan, fd) != 0)
		_exit(3);
	if (answer && (write(fd, "RESULT\ncode: 0\n\n", 16) != 16 ||
	               mdc_guard_done(chan, fd) != 0))
		_exit(4);
	_exit(0);
}

/* Connect to path and send a request, as slapd does. */
static int
client(const char *path)
{
	int fd = -1;

	ck_assert_int_eq(mdc_net_connect_unix(path, &fd), 0);
	ck_assert_int_eq(write(fd, "MODIFY\ndn: x\n\n", 15), 15);
	return fd;
}

/* Everything fd receives until EOF (or 5 s), as a new string. */
static char *
read_all(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[256];
	size_t len = 0;
	ssize_t n = 1;

	while (n > 0 && len < sizeof(buf) - 1 && poll(&p, 1, 5000) == 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		len += n > 0 ? (size_t)n : 0;
	}
	buf[len] = '\0';
	close(fd);
	return strdup(buf);
}

/* Run one fake instance; returns how many connections the guard answered
 * for it, and the client's view in *seen_out. */
static int
guarded_run(struct mdc_guard *g, const char *path, int answer, char **seen_out)
{
	struct pollfd p;
	int st, fd, n;
	pid_t pid;

	ck_assert_int_eq(mdc_guard_arm(g), 0);
	ck_assert_ptr_nonnull(getenv("MINIDC_GUARD_FDS"));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		fake_instance(answer);
	mdc_guard_spawned(g);
	ck_assert_ptr_null(getenv("MINIDC_GUARD_FDS"));
	ck_assert_int_eq(mdc_guard_listen_fd(g), -1); /* the instance's */
	p.fd = mdc_guard_chan_fd(g);
	p.events = POLLIN;
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	mdc_guard_read(g);
	ck_assert_int_eq(mdc_guard_ready(g), 1);
	fd = client(path);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	n = mdc_guard_gone(g);
	ck_assert_int_eq(mdc_guard_ready(g), 0);
	*seen_out = read_all(fd);
	return n;
}

START_TEST(guard_answers_for_a_dead_instance)
{
	char dir[] = "/tmp/mdc-guard-XXXXXX", *path, *seen = NULL;
	struct mdc_guard *g = NULL;
	struct stat st;
	int fd;

	ck_assert_int_eq(mdc_guard_child(&fd, &fd), MDC_ENOENT);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = mdc_strdupf("%s/svc.sock", dir);
	ck_assert_int_eq(mdc_guard_new(path, GUARD_REPLY, &g), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	/* Held and never answered: the guard answers. */
	ck_assert_int_eq(guarded_run(g, path, 0, &seen), 1);
	ck_assert_str_eq(seen, GUARD_REPLY);
	free(seen);
	/* Answered and done: the guard adds nothing. */
	ck_assert_int_eq(guarded_run(g, path, 1, &seen), 0);
	ck_assert_str_eq(seen, "RESULT\ncode: 0\n\n");
	free(seen);
	/* No instance: what waits on the listener is refused. */
	ck_assert_int_ge(mdc_guard_listen_fd(g), 0);
	fd = client(path);
	ck_assert_int_eq(mdc_guard_refuse(g), 1);
	seen = read_all(fd);
	ck_assert_str_eq(seen, GUARD_REPLY);
	free(seen);
	/* Freed: a waiting connection is answered, the socket removed. */
	fd = client(path);
	mdc_guard_free(g);
	seen = read_all(fd);
	ck_assert_str_eq(seen, GUARD_REPLY);
	free(seen);
	ck_assert_int_ne(stat(path, &st), 0);
	free(path);
	ck_assert_int_eq(mdc_rm_rf(dir), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sid_text_and_binary);
	tcase_add_test(tc, guid_and_names);
	tcase_add_test(tc, kadmin_failure_is_seen);
	tcase_add_test(tc, dcconf_round_trip);
	tcase_add_test(tc, dit_has_what_ad_clients_read);
	tcase_add_test(tc, tls_files_and_modes);
	tcase_add_test(tc, guard_answers_for_a_dead_instance);
	suite_add_tcase(s, tc);
	return mdc_ck_run(s);
}
