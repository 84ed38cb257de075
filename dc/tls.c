/* dc/tls.c - generate the domain CA and DC certificate with OpenSSL */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dc/tls.h"
#include "lib/util.h"

/* New EC P-256 key; NULL on failure. */
static EVP_PKEY *
new_key(void)
{
	return EVP_EC_gen("P-256");
}

/* Add one X509v3 extension given in OpenSSL's config syntax. */
static int
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return MDC_ECRYPTO;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : MDC_ECRYPTO;
}

/* Build a certificate for key named cn, signed by (issuer, ikey); NULL issuer =
 * self. */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey,
          long days)
{
	X509 *cert = X509_new();
	X509_NAME *name;
	BIGNUM *serial = BN_new();
	int ok = cert != NULL && serial != NULL;

	ok = ok && BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
	ok = ok && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert));
	ok = ok && X509_set_version(cert, 2);
	ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	ok = ok && X509_gmtime_adj(X509_getm_notAfter(cert), days * 86400L);
	ok = ok && X509_set_pubkey(cert, key);
	name = ok ? X509_get_subject_name(cert) : NULL;
	ok = ok &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	                                (const unsigned char *)cn, -1, -1, 0);
	ok = ok && X509_set_issuer_name(
	                   cert, issuer != NULL ? X509_get_subject_name(issuer)
	                                        : name);
	BN_free(serial);
	if (!ok) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* Write key (0600) and cert (0644) as PEM. */
static int
write_pair(const char *dir, const char *base, EVP_PKEY *key, X509 *cert)
{
	char *kpath = mdc_strdupf("%s/%s.key", dir, base);
	char *cpath = mdc_strdupf("%s/%s.crt", dir, base);
	char *pem = NULL;
	BIO *mem = NULL;
	long len;
	int ret = MDC_ECRYPTO;

	if (kpath == NULL || cpath == NULL) {
		ret = MDC_ENOMEM;
		goto out;
	}
	mem = BIO_new(BIO_s_mem());
	if (mem == NULL ||
	    !PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL))
		goto out;
	len = BIO_get_mem_data(mem, &pem);
	ret = mdc_file_write(kpath, pem, (size_t)len, 0600);
	BIO_free(mem); /* the memory BIO holds the key: freed with it */
	mem = NULL;
	if (ret != 0)
		goto out;
	ret = MDC_ECRYPTO;
	mem = BIO_new(BIO_s_mem());
	if (mem == NULL || !PEM_write_bio_X509(mem, cert))
		goto out;
	len = BIO_get_mem_data(mem, &pem);
	ret = mdc_file_write(cpath, pem, (size_t)len, 0644);
out:
	BIO_free(mem);
	free(kpath);
	free(cpath);
	return ret;
}

int
mdc_tls_provision(const char *dir, const char *realm, const char *domain,
                  const char *fqdn, const char *ip)
{
	EVP_PKEY *cakey = NULL, *dckey = NULL;
	X509 *ca = NULL, *dc = NULL;
	char *cn = NULL, *san = NULL;
	int ret = MDC_ECRYPTO;

	cn = mdc_strdupf("%s minidc CA", realm);
	san = mdc_strdupf("DNS:%s,DNS:%s,IP:%s", fqdn, domain, ip);
	if (cn == NULL || san == NULL) {
		ret = MDC_ENOMEM;
		goto out;
	}
	cakey = new_key();
	dckey = new_key();
	if (cakey == NULL || dckey == NULL)
		goto out;
	ca = make_cert(cakey, cn, NULL, NULL, 3650);
	if (ca == NULL ||
	    add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE") ||
	    add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    add_ext(ca, ca, NID_subject_key_identifier, "hash") ||
	    !X509_sign(ca, cakey, EVP_sha256()))
		goto out;
	dc = make_cert(dckey, fqdn, ca, cakey, 1825);
	if (dc == NULL || add_ext(dc, ca, NID_basic_constraints, "CA:FALSE") ||
	    add_ext(dc, ca, NID_key_usage,
	            "critical,digitalSignature,keyAgreement") ||
	    add_ext(dc, ca, NID_ext_key_usage, "serverAuth") ||
	    add_ext(dc, ca, NID_subject_alt_name, san) ||
	    add_ext(dc, ca, NID_authority_key_identifier, "keyid") ||
	    !X509_sign(dc, cakey, EVP_sha256()))
		goto out;
	ret = write_pair(dir, "ca", cakey, ca);
	if (ret == 0)
		ret = write_pair(dir, "dc", dckey, dc);
out:
	X509_free(ca);
	X509_free(dc);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(dckey);
	free(cn);
	free(san);
	return ret;
}
