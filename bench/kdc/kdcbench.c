/* bench/kdc/kdcbench.c - AS-REQ (with pre-auth) and TGS-REQ rate against a KDC
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <krb5.h>

/*
 * usage: kdcbench as|tgs PRINCIPAL SERVICE SECONDS  (password on stdin)
 * The KDC comes from $KRB5_CONFIG.  "as" runs krb5_get_init_creds_password
 * in a loop (pre-auth: two round trips each); "tgs" gets one TGT, then asks
 * for SERVICE again and again without caching the result.  Prints
 * "<mode> <requests> <seconds> <rate>/s".
 */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
as_once(krb5_context ctx, krb5_principal client, char *pw)
{
	krb5_creds creds;
	krb5_error_code ret;

	memset(&creds, 0, sizeof(creds));
	ret = krb5_get_init_creds_password(ctx, &creds, client, pw, NULL, NULL,
	                                   0, NULL, NULL);
	if (ret == 0)
		krb5_free_cred_contents(ctx, &creds);
	return ret;
}

static int
tgs_once(krb5_context ctx, krb5_ccache cc, krb5_principal client,
         krb5_principal server)
{
	krb5_creds in, *out = NULL;
	krb5_error_code ret;

	memset(&in, 0, sizeof(in));
	in.client = client;
	in.server = server;
	ret = krb5_get_credentials(ctx, KRB5_GC_NO_STORE, cc, &in, &out);
	krb5_free_creds(ctx, out);
	return ret;
}

/* A MEMORY ccache holding a TGT of client. */
static int
tgt_cache(krb5_context ctx, krb5_principal client, char *pw,
          krb5_ccache *cc_out)
{
	krb5_creds creds;
	krb5_error_code ret;

	memset(&creds, 0, sizeof(creds));
	ret = krb5_cc_new_unique(ctx, "MEMORY", NULL, cc_out);
	if (ret == 0)
		ret = krb5_get_init_creds_password(ctx, &creds, client, pw,
		                                   NULL, NULL, 0, NULL, NULL);
	if (ret == 0)
		ret = krb5_cc_initialize(ctx, *cc_out, client);
	if (ret == 0)
		ret = krb5_cc_store_cred(ctx, *cc_out, &creds);
	krb5_free_cred_contents(ctx, &creds);
	return ret;
}

int
main(int argc, char **argv)
{
	krb5_context ctx;
	krb5_principal client = NULL, server = NULL;
	krb5_ccache cc = NULL;
	char pw[256];
	double t0, secs;
	long n = 0;
	int tgs, ret;

	if (argc != 5 || (strcmp(argv[1], "as") && strcmp(argv[1], "tgs"))) {
		fprintf(stderr, "usage: kdcbench as|tgs PRINCIPAL SERVICE "
		                "SECONDS < password\n");
		return 2;
	}
	tgs = strcmp(argv[1], "tgs") == 0;
	secs = atof(argv[4]);
	if (fgets(pw, sizeof(pw), stdin) == NULL)
		return 2;
	pw[strcspn(pw, "\n")] = '\0';
	if (krb5_init_context(&ctx) != 0 ||
	    krb5_parse_name(ctx, argv[2], &client) != 0 ||
	    krb5_parse_name(ctx, argv[3], &server) != 0)
		return 1;
	if (tgs && tgt_cache(ctx, client, pw, &cc) != 0) {
		fprintf(stderr, "kdcbench: cannot get a TGT\n");
		return 1;
	}
	t0 = now();
	while (now() - t0 < secs) {
		ret = tgs ? tgs_once(ctx, cc, client, server)
		          : as_once(ctx, client, pw);
		if (ret != 0) {
			fprintf(stderr, "kdcbench: %s\n",
			        krb5_get_error_message(ctx, ret));
			return 1;
		}
		n++;
	}
	secs = now() - t0;
	printf("%s %ld %.2f %.0f/s\n", argv[1], n, secs, (double)n / secs);
	explicit_bzero(pw, sizeof(pw));
	if (cc != NULL)
		krb5_cc_destroy(ctx, cc);
	krb5_free_principal(ctx, client);
	krb5_free_principal(ctx, server);
	krb5_free_context(ctx);
	return 0;
}
