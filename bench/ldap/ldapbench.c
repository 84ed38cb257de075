/* bench/ldap/ldapbench.c - LDAP search-rate load generator (subtree search by
 * sAMAccountName) */
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
};

struct worker {
	const struct opts *o;
	pthread_t tid;
	long ops, errors;
	unsigned int seed;
};

static volatile int stop_flag;

/* One connection: bind once, then search random users until told to stop. */
static void *
run_worker(void *arg)
{
	struct worker *w = arg;
	const struct opts *o = w->o;
	struct berval cred = {strlen(o->password), o->password};
	char *attrs[] = {"cn", NULL};
	LDAP *ld = NULL;
	int v3 = LDAP_VERSION3;

	if (ldap_initialize(&ld, o->uri) != LDAP_SUCCESS) {
		w->errors++;
		return NULL;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	if (ldap_sasl_bind_s(ld, o->binddn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	                     NULL) != LDAP_SUCCESS) {
		w->errors++;
		goto out;
	}
	while (!stop_flag) {
		char filter[64];
		LDAPMessage *res = NULL;

		snprintf(filter, sizeof(filter), "(sAMAccountName=user%d)",
		         (int)(rand_r(&w->seed) % (unsigned int)o->users));
		if (ldap_search_ext_s(ld, o->base, LDAP_SCOPE_SUBTREE, filter,
		                      attrs, 0, NULL, NULL, NULL, 0,
		                      &res) == LDAP_SUCCESS &&
		    ldap_count_entries(ld, res) == 1)
			w->ops++;
		else
			w->errors++;
		ldap_msgfree(res);
	}
out:
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
	while ((ch = getopt(argc, argv, "H:D:y:b:n:c:t:")) != -1) {
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
		        "[-n users] [-c conns] [-t seconds]\n");
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
	printf("%.0f searches/s, %ld errors\n", (double)ops / o.seconds,
	       errors);
	mdc_secret_free(o.password, 0);
	free(w);
	return errors > 0 && ops == 0 ? 1 : 0;
}
