/* bench/migrate/cryptorate.c - the per-core ceiling of the migration channel
 *
 * Every byte a live migration moves is wrapped by the agents' GSS session
 * (RFC 4121 CFX: one krb5_c_encrypt of the record under the session key,
 * usage 24/22).  This program measures that encryption with MIT's own
 * libk5crypto on records of the channel's size (64 KiB), for the session
 * enctypes a domain can use, with and without confidentiality (without it
 * CFX computes a checksum only), and, as the figure the CPU itself offers,
 * OpenSSL's AES-256-GCM (AES-NI).  It answers one question for the
 * benchmark: can one core protect 117 MiB/s (1 GbE) at all?
 *
 * usage: cryptorate [SECONDS]     (default 2 per line; prints MiB/s)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <krb5.h>
#include <openssl/evp.h>

#define REC        (64u * 1024u)
#define USAGE_SEAL 24 /* KG_USAGE_INITIATOR_SEAL (RFC 4121 2) */
#define USAGE_SIGN 25 /* KG_USAGE_INITIATOR_SIGN */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned char buf[REC], out[REC + 256];

/* MiB/s of krb5_c_encrypt (conf) or krb5_c_make_checksum (integrity). */
static double
krb5_rate(krb5_context ctx, krb5_enctype et, int conf, double secs)
{
	krb5_keyblock *key = NULL;
	krb5_data in = {.data = (char *)buf, .length = REC};
	size_t n = 0, clen = 0;
	double t0, t;

	if (krb5_init_keyblock(ctx, et, 0, &key) != 0 ||
	    krb5_c_make_random_key(ctx, et, key) != 0 ||
	    krb5_c_encrypt_length(ctx, et, REC, &clen) != 0 ||
	    clen > sizeof(out))
		return -1;
	t0 = now();
	do {
		krb5_error_code ret;

		if (conf) {
			krb5_enc_data enc = {.enctype = et};

			enc.ciphertext.data = (char *)out;
			enc.ciphertext.length = (unsigned)clen;
			ret = krb5_c_encrypt(ctx, key, USAGE_SEAL, NULL, &in,
			                     &enc);
		} else {
			krb5_checksum ck;

			ret = krb5_c_make_checksum(ctx, 0, key, USAGE_SIGN, &in,
			                           &ck);
			if (ret == 0)
				krb5_free_checksum_contents(ctx, &ck);
		}
		if (ret != 0)
			return -1;
		n++;
		t = now();
	} while (t - t0 < secs);
	krb5_free_keyblock(ctx, key);
	return (double)n * REC / (1024.0 * 1024.0) / (t - t0);
}

/* MiB/s of OpenSSL's AES-256-GCM on the same records. */
static double
gcm_rate(double secs)
{
	unsigned char key[32] = {1}, iv[12] = {2}, tag[16];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t n = 0;
	double t0, t;
	int len;

	if (c == NULL)
		return -1;
	t0 = now();
	do {
		if (EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv) !=
		            1 ||
		    EVP_EncryptUpdate(c, out, &len, buf, (int)REC) != 1 ||
		    EVP_EncryptFinal_ex(c, out + len, &len) != 1 ||
		    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
			return -1;
		n++;
		t = now();
	} while (t - t0 < secs);
	EVP_CIPHER_CTX_free(c);
	return (double)n * REC / (1024.0 * 1024.0) / (t - t0);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		krb5_enctype et;
	} ets[] = {
	        {"aes256-cts-hmac-sha1-96", ENCTYPE_AES256_CTS_HMAC_SHA1_96},
	        {"aes128-cts-hmac-sha1-96", ENCTYPE_AES128_CTS_HMAC_SHA1_96},
	        {"aes256-cts-hmac-sha384-192",
	         ENCTYPE_AES256_CTS_HMAC_SHA384_192},
	        {"aes128-cts-hmac-sha256-128",
	         ENCTYPE_AES128_CTS_HMAC_SHA256_128},
	};
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	krb5_context ctx;
	size_t i;

	if (secs <= 0 || krb5_init_context(&ctx) != 0) {
		fprintf(stderr, "cryptorate: usage: cryptorate [SECONDS]\n");
		return 2;
	}
	memset(buf, 0x5a, sizeof(buf));
	printf("cryptorate: one core, %u KiB records, MiB/s\n", REC / 1024);
	for (i = 0; i < sizeof(ets) / sizeof(ets[0]); i++)
		printf("%-28s wrap (confidentiality) %8.1f   integrity only "
		       "%8.1f\n",
		       ets[i].name, krb5_rate(ctx, ets[i].et, 1, secs),
		       krb5_rate(ctx, ets[i].et, 0, secs));
	printf("%-28s encrypt+tag (OpenSSL)   %8.1f\n", "aes-256-gcm",
	       gcm_rate(secs));
	krb5_free_context(ctx);
	return 0;
}
