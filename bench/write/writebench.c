/* bench/write/writebench.c - LDAP add-rate load generator: N user accounts,
 * with or without unicodePwd, over C connections */
#include "config.h"

#include <ldap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"

struct opts {
	const char *uri, *binddn, *base, *prefix;
	char *password;
	int users, conns, with_pw;
};

struct worker {
	const struct opts *o;
	pthread_t tid;
	int index;
	long ops, errors;
	int first_err; /* first LDAP error code seen, for the report */
};

/* '"<pw>"' in UTF-16LE, as AD takes unicodePwd (ASCII pw; out has room). */
static size_t
unicodepwd(const char *pw, char *out, size_t cap)
{
	size_t n = 0, len = strlen(pw);

	for (size_t i = 0; i < len + 2 && n + 2 <= cap; i++) {
		char c = i == 0 || i == len + 1 ? '"' : pw[i - 1];

		out[n++] = c;
		out[n++] = '\0';
	}
	return n;
}

/* Add user number i under o->base; returns the LDAP result code. */
static int
add_one(LDAP *ld, const struct opts *o, int i)
{
	char dn[512], name[64], pw[64], upw[160];
	char *oc[] = {"top", "person", "organizationalPerson", "user", NULL};
	char *cnv[] = {name, NULL}, *samv[] = {name, NULL};
	struct berval pwv = {0, upw}, *pwvals[] = {&pwv, NULL};
	LDAPMod m_oc = {LDAP_MOD_ADD, "objectClass", {.modv_strvals = oc}};
	LDAPMod m_cn = {LDAP_MOD_ADD, "cn", {.modv_strvals = cnv}};
	LDAPMod m_sam = {
	        LDAP_MOD_ADD, "sAMAccountName", {.modv_strvals = samv}};
	LDAPMod m_pw = {LDAP_MOD_ADD | LDAP_MOD_BVALUES,
	                "unicodePwd",
	                {.modv_bvals = pwvals}};
	LDAPMod *mods[] = {&m_oc, &m_cn, &m_sam, o->with_pw ? &m_pw : NULL,
	                   NULL};

	snprintf(name, sizeof(name), "%s%d", o->prefix, i);
	snprintf(dn, sizeof(dn), "CN=%s,%s", name, o->base);
	snprintf(pw, sizeof(pw), "Bench-%d-Pw!", i);
	pwv.bv_len = unicodepwd(pw, upw, sizeof(upw));
	return ldap_add_ext_s(ld, dn, mods, NULL, NULL);
}

/* One connection: bind, then add users index, index + conns, ... */
static void *
run_worker(void *arg)
{
	struct worker *w = arg;
	const struct opts *o = w->o;
	struct berval cred = {strlen(o->password), o->password};
	LDAP *ld = NULL;
	int v3 = LDAP_VERSION3, rc;

	if (ldap_initialize(&ld, o->uri) != LDAP_SUCCESS) {
		w->errors++;
		return NULL;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	rc = ldap_sasl_bind_s(ld, o->binddn, LDAP_SASL_SIMPLE, &cred, NULL,
	                      NULL, NULL);
	for (int i = w->index; rc == LDAP_SUCCESS && i < o->users;
	     i += o->conns) {
		int r = add_one(ld, o, i);

		if (r == LDAP_SUCCESS) {
			w->ops++;
			continue;
		}
		if (w->errors++ == 0)
			w->first_err = r;
	}
	if (rc != LDAP_SUCCESS) {
		w->errors++;
		w->first_err = rc;
	}
	ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

static int
parse(int argc, char **argv, struct opts *o)
{
	const char *pwfile = NULL;
	size_t len;
	int ch;

	o->users = 1000;
	o->conns = 1;
	o->prefix = "w";
	while ((ch = getopt(argc, argv, "H:D:y:b:n:c:p:P")) != -1) {
		switch (ch) {
		case 'H':
			o->uri = optarg;
			break;
		case 'D':
			o->binddn = optarg;
			break;
		case 'y':
			pwfile = optarg;
			break;
		case 'b':
			o->base = optarg;
			break;
		case 'n':
			o->users = atoi(optarg);
			break;
		case 'c':
			o->conns = atoi(optarg);
			break;
		case 'p':
			o->prefix = optarg;
			break;
		case 'P':
			o->with_pw = 1;
			break;
		default:
			return -1;
		}
	}
	if (o->uri == NULL || o->binddn == NULL || pwfile == NULL ||
	    o->base == NULL || o->users < 1 || o->conns < 1 || o->conns > 256 ||
	    strlen(o->prefix) > 12)
		return -1;
	if (mdc_file_read(pwfile, 1024, &o->password, &len) != 0)
		return -1;
	mdc_str_chomp(o->password);
	return 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	struct worker *w;
	long ops = 0, errors = 0;
	int first_err = 0;
	double t0, t;

	if (parse(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: writebench -H URI -D BINDDN -y PWFILE "
		                "-b CONTAINER [-n users] [-c conns] "
		                "[-p prefix] [-P (with unicodePwd)]\n");
		return 2;
	}
	w = calloc((size_t)o.conns, sizeof(*w));
	if (w == NULL)
		return 1;
	t0 = now_s();
	for (int i = 0; i < o.conns; i++) {
		w[i].o = &o;
		w[i].index = i;
		pthread_create(&w[i].tid, NULL, run_worker, &w[i]);
	}
	for (int i = 0; i < o.conns; i++) {
		pthread_join(w[i].tid, NULL);
		ops += w[i].ops;
		errors += w[i].errors;
		if (first_err == 0)
			first_err = w[i].first_err;
	}
	t = now_s() - t0;
	printf("%.1f adds/s, %ld adds in %.2f s, %ld errors", (double)ops / t,
	       ops, t, errors);
	if (errors > 0)
		printf(" (first: %s)", ldap_err2string(first_err));
	printf("\n");
	mdc_secret_free(o.password, 0);
	free(w);
	return errors > 0 ? 1 : 0;
}
