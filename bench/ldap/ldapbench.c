/* bench/ldap/ldapbench.c - LDAP load generator: subtree searches by
 * sAMAccountName, or simple binds as random users, over StartTLS if asked */
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
	const char *uri, *binddn, *base;
	char *password;
	int users, conns, seconds;
	int starttls; /* -Z: the DC refuses simple binds without TLS */
	int binds;    /* -m bind: each operation is a bind as userN */
};

struct worker {
	const struct opts *o;
	pthread_t tid;
	long ops, errors;
	unsigned int seed;
};

static volatile int stop_flag;
static int reported;

/* Connect (StartTLS with -Z) and bind as -D.  The first failure is
 * printed once: a benchmark that measures refusals is worse than none. */
static LDAP *
connect_bind(const struct opts *o)
{
	struct berval cred = {strlen(o->password), o->password};
	LDAP *ld = NULL;
	int v3 = LDAP_VERSION3, rc;
	const char *what = "connect";

	rc = ldap_initialize(&ld, o->uri);
	if (rc == LDAP_SUCCESS) {
		ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
		what = "StartTLS";
		if (o->starttls)
			rc = ldap_start_tls_s(ld, NULL, NULL);
	}
	if (rc == LDAP_SUCCESS) {
		what = "bind";
		rc = ldap_sasl_bind_s(ld, o->binddn, LDAP_SASL_SIMPLE, &cred,
		                      NULL, NULL, NULL);
	}
	if (rc == LDAP_SUCCESS)
		return ld;
	if (__atomic_exchange_n(&reported, 1, __ATOMIC_SEQ_CST) == 0)
		fprintf(stderr, "ldapbench: %s to %s: %s\n", what, o->uri,
		        ldap_err2string(rc));
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

/* One search for a random user: 1 if it found exactly that entry. */
static int
one_search(LDAP *ld, const struct opts *o, unsigned int *seed)
{
	char *attrs[] = {"cn", NULL};
	char filter[64];
	LDAPMessage *res = NULL;
	int ok;

	snprintf(filter, sizeof(filter), "(sAMAccountName=user%d)",
	         (int)(rand_r(seed) % (unsigned int)o->users));
	ok = ldap_search_ext_s(ld, o->base, LDAP_SCOPE_SUBTREE, filter, attrs,
	                       0, NULL, NULL, NULL, 0, &res) == LDAP_SUCCESS &&
	     ldap_count_entries(ld, res) == 1;
	ldap_msgfree(res);
	return ok;
}

/* One simple bind as a random user (all users share -y's password). */
static int
one_bind(LDAP *ld, const struct opts *o, unsigned int *seed)
{
	struct berval cred = {strlen(o->password), o->password};
	char dn[512];

	snprintf(dn, sizeof(dn), "CN=user%d,CN=Users,%s",
	         (int)(rand_r(seed) % (unsigned int)o->users), o->base);
	return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	                        NULL) == LDAP_SUCCESS;
}

/* One connection: bind once, then operate until told to stop. */
static void *
run_worker(void *arg)
{
	struct worker *w = arg;
	const struct opts *o = w->o;
	LDAP *ld = connect_bind(o);

	if (ld == NULL) {
		w->errors++;
		return NULL;
	}
	while (!stop_flag) {
		if (o->binds ? one_bind(ld, o, &w->seed)
		             : one_search(ld, o, &w->seed))
			w->ops++;
		else
			w->errors++;
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

	o->users = 10000;
	o->conns = 4;
	o->seconds = 5;
	while ((ch = getopt(argc, argv, "H:D:y:b:n:c:t:m:Z")) != -1) {
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
		case 't':
			o->seconds = atoi(optarg);
			break;
		case 'm':
			if (strcmp(optarg, "bind") != 0 &&
			    strcmp(optarg, "search") != 0)
				return -1;
			o->binds = strcmp(optarg, "bind") == 0;
			break;
		case 'Z':
			o->starttls = 1;
			break;
		default:
			return -1;
		}
	}
	if (o->uri == NULL || o->binddn == NULL || pwfile == NULL ||
	    o->base == NULL || o->users < 1 || o->conns < 1 || o->conns > 256 ||
	    o->seconds < 1)
		return -1;
	if (mdc_file_read(pwfile, 1024, &o->password, &len) != 0)
		return -1;
	mdc_str_chomp(o->password);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	struct worker *w;
	long ops = 0, errors = 0;

	if (parse(argc, argv, &o) != 0) {
		fprintf(stderr,
		        "usage: ldapbench -H URI -D BINDDN -y PWFILE -b BASE "
		        "[-n users] [-c conns] [-t seconds] [-m search|bind] "
		        "[-Z]\n");
		return 2;
	}
	w = calloc((size_t)o.conns, sizeof(*w));
	if (w == NULL)
		return 1;
	for (int i = 0; i < o.conns; i++) {
		w[i].o = &o;
		w[i].seed = (unsigned int)(time(NULL) ^ (i * 7919));
		pthread_create(&w[i].tid, NULL, run_worker, &w[i]);
	}
	sleep((unsigned int)o.seconds);
	stop_flag = 1;
	for (int i = 0; i < o.conns; i++) {
		pthread_join(w[i].tid, NULL);
		ops += w[i].ops;
		errors += w[i].errors;
	}
	printf("%.0f %s/s, %ld errors\n", (double)ops / o.seconds,
	       o.binds ? "binds" : "searches", errors);
	mdc_secret_free(o.password, 0);
	free(w);
	return errors > 0 && ops == 0 ? 1 : 0;
}
