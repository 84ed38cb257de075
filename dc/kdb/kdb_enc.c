/* dc/kdb/kdb_enc.c - encode and decode key_data and tl_data for the directory
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dc/kdb/kdb_enc.h"
#include "lib/buf.h"

/* Bytes needed to encode kd[0..n). */
static size_t
keys_size(const krb5_key_data *kd, int n)
{
	size_t sz = 3;
	int i, j;

	for (i = 0; i < n; i++) {
		sz += 4;
		for (j = 0; j < kd[i].key_data_ver; j++)
			sz += 4 + kd[i].key_data_length[j];
	}
	return sz;
}

/* Write one key_data entry. */
static int
key_put(struct mdc_wbuf *w, const krb5_key_data *k)
{
	int j, ret;

	ret = mdc_wbuf_put_u16be(w, (uint16_t)k->key_data_ver);
	if (ret == 0)
		ret = mdc_wbuf_put_u16be(w, k->key_data_kvno);
	for (j = 0; ret == 0 && j < k->key_data_ver; j++) {
		ret = mdc_wbuf_put_u16be(w, (uint16_t)k->key_data_type[j]);
		if (ret == 0)
			ret = mdc_wbuf_put_u16be(w, k->key_data_length[j]);
		if (ret == 0 && k->key_data_length[j] > 0)
			ret = mdc_wbuf_put_bytes(w, k->key_data_contents[j],
			                         k->key_data_length[j]);
	}
	return ret;
}

int
mdc_kdb_keys_encode(const krb5_key_data *kd, int n, uint8_t **out_out,
                    size_t *len_out)
{
	struct mdc_wbuf w;
	uint8_t *out = NULL;
	size_t sz;
	int i, ret;

	if (n < 0 || n > MDC_KDB_MAX_KEYS)
		return MDC_EINVAL;
	for (i = 0; i < n; i++)
		if (kd[i].key_data_ver < 1 || kd[i].key_data_ver > 2)
			return MDC_EINVAL;
	sz = keys_size(kd, n);
	out = malloc(sz);
	if (out == NULL)
		return MDC_ENOMEM;
	mdc_wbuf_init(&w, out, sz);
	ret = mdc_wbuf_put_u8(&w, MDC_KDB_ENC_VERSION);
	if (ret == 0)
		ret = mdc_wbuf_put_u16be(&w, (uint16_t)n);
	for (i = 0; ret == 0 && i < n; i++)
		ret = key_put(&w, &kd[i]);
	if (ret != 0)
		goto out;
	*out_out = out;
	*len_out = w.len;
	out = NULL;
out:
	free(out);
	return ret;
}

/* Read a (u16 length, bytes) field into a new malloc'd buffer. */
static int
get_blob(struct mdc_rbuf *r, uint16_t *len_out, uint8_t **p_out)
{
	const uint8_t *p;
	uint16_t len;
	int ret;

	*p_out = NULL;
	ret = mdc_rbuf_get_u16be(r, &len);
	if (ret == 0)
		ret = mdc_rbuf_get_ptr(r, &p, len);
	if (ret != 0)
		return ret;
	*len_out = len;
	if (len == 0)
		return 0;
	*p_out = malloc(len);
	if (*p_out == NULL)
		return MDC_ENOMEM;
	memcpy(*p_out, p, len);
	return 0;
}

/* Read one key_data entry into k (contents owned by k even on failure). */
static int
key_get(struct mdc_rbuf *r, krb5_key_data *k)
{
	uint16_t ver, kvno, type;
	int j, ret;

	ret = mdc_rbuf_get_u16be(r, &ver);
	if (ret == 0)
		ret = mdc_rbuf_get_u16be(r, &kvno);
	if (ret != 0)
		return ret;
	if (ver < 1 || ver > 2)
		return MDC_EMALF;
	k->key_data_ver = (krb5_int16)ver;
	k->key_data_kvno = kvno;
	for (j = 0; j < ver; j++) {
		ret = mdc_rbuf_get_u16be(r, &type);
		if (ret != 0)
			return ret;
		k->key_data_type[j] = (krb5_int16)type;
		ret = get_blob(r, &k->key_data_length[j],
		               &k->key_data_contents[j]);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* Read the version byte and the count, checking both. */
static int
get_header(struct mdc_rbuf *r, unsigned max, uint16_t *n_out)
{
	uint8_t v;
	int ret;

	ret = mdc_rbuf_get_u8(r, &v);
	if (ret == 0)
		ret = mdc_rbuf_get_u16be(r, n_out);
	if (ret != 0)
		return ret;
	if (v != MDC_KDB_ENC_VERSION || *n_out > max)
		return MDC_EMALF;
	return 0;
}

int
mdc_kdb_keys_decode(const void *data, size_t len, krb5_key_data **kd_out,
                    int *n_out)
{
	struct mdc_rbuf r;
	krb5_key_data *kd = NULL;
	uint16_t n = 0, i;
	int ret;

	mdc_rbuf_init(&r, data, len);
	ret = get_header(&r, MDC_KDB_MAX_KEYS, &n);
	if (ret != 0)
		goto out;
	if (n > 0) {
		kd = calloc(n, sizeof(*kd));
		if (kd == NULL) {
			ret = MDC_ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < n && ret == 0; i++)
		ret = key_get(&r, &kd[i]);
	if (ret == 0 && mdc_rbuf_left(&r) != 0)
		ret = MDC_EMALF;
	if (ret != 0)
		goto out;
	*kd_out = kd;
	*n_out = n;
	kd = NULL;
out:
	mdc_kdb_keys_free(kd, n);
	return ret;
}

void
mdc_kdb_keys_free(krb5_key_data *kd, int n)
{
	int i, j;

	if (kd == NULL)
		return;
	for (i = 0; i < n; i++) {
		for (j = 0; j < 2; j++) {
			if (kd[i].key_data_contents[j] == NULL)
				continue;
			explicit_bzero(kd[i].key_data_contents[j],
			               kd[i].key_data_length[j]);
			free(kd[i].key_data_contents[j]);
		}
	}
	free(kd);
}

int
mdc_kdb_tl_encode(const krb5_tl_data *tl, uint8_t **out_out, size_t *len_out)
{
	const krb5_tl_data *t;
	struct mdc_wbuf w;
	uint8_t *out = NULL;
	size_t sz = 3, n = 0;
	int ret;

	for (t = tl; t != NULL; t = t->tl_data_next, n++)
		sz += 4 + t->tl_data_length;
	if (n > MDC_KDB_MAX_TL)
		return MDC_EINVAL;
	out = malloc(sz);
	if (out == NULL)
		return MDC_ENOMEM;
	mdc_wbuf_init(&w, out, sz);
	ret = mdc_wbuf_put_u8(&w, MDC_KDB_ENC_VERSION);
	if (ret == 0)
		ret = mdc_wbuf_put_u16be(&w, (uint16_t)n);
	for (t = tl; ret == 0 && t != NULL; t = t->tl_data_next) {
		ret = mdc_wbuf_put_u16be(&w, (uint16_t)t->tl_data_type);
		if (ret == 0)
			ret = mdc_wbuf_put_u16be(&w, t->tl_data_length);
		if (ret == 0 && t->tl_data_length > 0)
			ret = mdc_wbuf_put_bytes(&w, t->tl_data_contents,
			                         t->tl_data_length);
	}
	if (ret != 0)
		goto out;
	*out_out = out;
	*len_out = w.len;
	out = NULL;
out:
	free(out);
	return ret;
}

int
mdc_kdb_tl_decode(const void *data, size_t len, krb5_tl_data **tl_out)
{
	struct mdc_rbuf r;
	krb5_tl_data *head = NULL, **tail = &head, *t;
	uint16_t n = 0, i, type;
	int ret;

	mdc_rbuf_init(&r, data, len);
	ret = get_header(&r, MDC_KDB_MAX_TL, &n);
	for (i = 0; ret == 0 && i < n; i++) {
		ret = mdc_rbuf_get_u16be(&r, &type);
		if (ret != 0)
			break;
		t = calloc(1, sizeof(*t));
		if (t == NULL) {
			ret = MDC_ENOMEM;
			break;
		}
		*tail = t;
		tail = &t->tl_data_next;
		t->tl_data_type = (krb5_int16)type;
		ret = get_blob(&r, &t->tl_data_length, &t->tl_data_contents);
	}
	if (ret == 0 && mdc_rbuf_left(&r) != 0)
		ret = MDC_EMALF;
	if (ret != 0)
		goto out;
	*tl_out = head;
	head = NULL;
out:
	mdc_kdb_tl_free(head);
	return ret;
}

void
mdc_kdb_tl_free(krb5_tl_data *tl)
{
	krb5_tl_data *next;

	for (; tl != NULL; tl = next) {
		next = tl->tl_data_next;
		free(tl->tl_data_contents);
		free(tl);
	}
}
