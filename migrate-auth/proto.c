/* migrate-auth/proto.c - minidc-migrate wire messages, names and CIDRs */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "migrate-auth/proto.h"

/*
 * A name of 1..max ASCII letters, digits and the characters of punct, not
 * starting with '.' or '-'; with single_dots, no "..".
 */
static int
name_ok(const char *s, size_t max, const char *punct, int single_dots)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr(punct, c) != NULL))
			return 0;
		if (single_dots && c == '.' && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

int
mdc_mig_vm_ok(const char *s)
{
	return name_ok(s, MDC_MIG_MAX_VM, "._-", 0);
}

int
mdc_mig_host_ok(const char *s)
{
	return name_ok(s, MDC_MIG_MAX_HOST, ".-", 1);
}

int
mdc_mig_file_ok(const char *s)
{
	return name_ok(s, MDC_MIG_MAX_FILE, "._-", 0);
}

void
mdc_mig_result(struct mdc_mig_msg *r, uint8_t status, const char *fmt, ...)
{
	char raw[MDC_MIG_MAX_TEXT + 1];
	va_list ap;

	memset(r, 0, sizeof(*r));
	r->type = MDC_MIG_RESULT;
	r->status = status;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	mdc_mig_sanitize(raw, r->text, sizeof(r->text));
}

void
mdc_mig_sanitize(const char *s, char *out, size_t outlen)
{
	size_t i;

	if (outlen == 0)
		return;
	for (i = 0; s[i] != '\0' && i + 1 < outlen; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = '\0';
}

/* A string in place: *p points at its *n (<= max) printable bytes. */
static int
get_span(struct mdc_rbuf *r, size_t max, const char **p, size_t *n)
{
	const uint8_t *b;
	uint16_t len;
	size_t i;
	int ret;

	if ((ret = mdc_rbuf_get_u16be(r, &len)) != 0)
		return ret;
	if (len > max)
		return MDC_EMALF;
	if ((ret = mdc_rbuf_get_ptr(r, &b, len)) != 0)
		return ret;
	for (i = 0; i < len; i++)
		if (b[i] < 0x20 || b[i] >= 0x7f)
			return MDC_EMALF;
	*p = (const char *)b;
	*n = len;
	return 0;
}

static int
put_span(struct mdc_wbuf *w, const char *s, size_t n, size_t max)
{
	size_t i;
	int ret;

	if (n > max)
		return MDC_EINVAL;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			return MDC_EINVAL;
	if ((ret = mdc_wbuf_put_u16be(w, (uint16_t)n)) != 0)
		return ret;
	return n ? mdc_wbuf_put_bytes(w, s, n) : 0;
}

int
mdc_mig_get_str(struct mdc_rbuf *r, char *out, size_t max)
{
	const char *p;
	size_t n;
	int ret;

	if ((ret = get_span(r, max, &p, &n)) != 0)
		return ret;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int
mdc_mig_put_str(struct mdc_wbuf *w, const char *s, size_t max)
{
	return put_span(w, s, strlen(s), max);
}

/* Small enough for any stack: the long fields are pointers. */
_Static_assert(sizeof(struct mdc_mig_msg) < 4096, "mdc_mig_msg too large");

void
mdc_mig_msg_clear(struct mdc_mig_msg *m)
{
	free(m->frame);
	m->frame = NULL;
	m->data = NULL;
	m->datalen = 0;
	m->def = NULL;
	m->deflen = 0;
}

/* DATA: u64 offset, u8 codec, u32 raw length, payload = the rest. */
static int
decode_data(struct mdc_rbuf *r, struct mdc_mig_msg *m)
{
	const uint8_t *p;
	size_t n;
	int ret;

	if ((ret = mdc_rbuf_get_u64be(r, &m->offset)) ||
	    (ret = mdc_rbuf_get_u8(r, &m->codec)) ||
	    (ret = mdc_rbuf_get_u32be(r, &m->rawlen)))
		return ret;
	n = mdc_rbuf_left(r);
	if (m->codec > MDC_MIG_ZSTD || m->rawlen == 0 ||
	    m->rawlen > MDC_MIG_CHUNK || n == 0 || n > MDC_MIG_CHUNK ||
	    (m->codec == MDC_MIG_RAW && n != m->rawlen) ||
	    m->offset > UINT64_MAX - m->rawlen)
		return MDC_EMALF;
	if ((ret = mdc_rbuf_get_ptr(r, &p, n)) != 0)
		return ret;
	m->data = p;
	m->datalen = n;
	return 0;
}

/* LIVE_*: u16be length (1..MDC_MIG_MAX_BLOB) + bytes into data/datalen. */
static int
get_blob(struct mdc_rbuf *r, struct mdc_mig_msg *m)
{
	const uint8_t *p;
	uint16_t n;
	int ret;

	if ((ret = mdc_rbuf_get_u16be(r, &n)) != 0)
		return ret;
	if (n == 0 || n > MDC_MIG_MAX_BLOB)
		return MDC_EMALF;
	if ((ret = mdc_rbuf_get_ptr(r, &p, n)) != 0)
		return ret;
	m->data = p;
	m->datalen = n;
	return 0;
}

static int
put_blob(struct mdc_wbuf *w, const struct mdc_mig_msg *m)
{
	int ret;

	if (m->datalen == 0 || m->datalen > MDC_MIG_MAX_BLOB)
		return MDC_EINVAL;
	if ((ret = mdc_wbuf_put_u16be(w, (uint16_t)m->datalen)) != 0)
		return ret;
	return mdc_wbuf_put_bytes(w, m->data, m->datalen);
}

/* MOVE_STORAGE and PREPARE_STORAGE after vm and host. */
static int
decode_storage(struct mdc_rbuf *r, struct mdc_mig_msg *m)
{
	int ret;

	if (m->type == MDC_MIG_MOVE_STORAGE &&
	    ((ret = mdc_mig_get_str(r, m->addr, MDC_MIG_MAX_ADDR)) ||
	     (ret = mdc_mig_get_str(r, m->path, MDC_MIG_MAX_PATH))))
		return ret;
	if ((ret = mdc_mig_get_str(r, m->name, MDC_MIG_MAX_FILE)))
		return ret;
	if (m->type == MDC_MIG_PREPARE_STORAGE &&
	    (ret = mdc_rbuf_get_u64be(r, &m->size)))
		return ret;
	if ((ret = mdc_rbuf_get_u8(r, &m->flags)))
		return ret;
	if ((m->flags & ~MDC_MIG_FL_ALL) != 0 ||
	    (m->type == MDC_MIG_MOVE_STORAGE && m->path[0] == '\0') ||
	    ((m->name[0] || m->type == MDC_MIG_PREPARE_STORAGE) &&
	     !mdc_mig_file_ok(m->name)))
		return MDC_EMALF;
	return 0;
}

/* VM: op, vm, def, flags.  The vm name may be "" only for LIST. */
static int
decode_vm(struct mdc_rbuf *r, struct mdc_mig_msg *m)
{
	int ret;

	if ((ret = mdc_rbuf_get_u8(r, &m->op)) ||
	    (ret = mdc_mig_get_str(r, m->vm, MDC_MIG_MAX_VM)) ||
	    (ret = get_span(r, MDC_MIG_MAX_DEF, &m->def, &m->deflen)) ||
	    (ret = mdc_rbuf_get_u8(r, &m->flags)))
		return ret;
	if (m->op < MDC_MIG_VM_CREATE || m->op > MDC_MIG_VM_LIST ||
	    (m->flags & ~MDC_MIG_VMFL_ALL) != 0 ||
	    (m->op == MDC_MIG_VM_LIST ? m->vm[0] != '\0'
	                              : !mdc_mig_vm_ok(m->vm)) ||
	    (m->op == MDC_MIG_VM_CREATE) != (m->deflen != 0))
		return MDC_EMALF;
	return 0;
}

/* VM_INFO: vm, state, pid, accel, status, last exit, def. */
static int
decode_vm_info(struct mdc_rbuf *r, struct mdc_mig_msg *m)
{
	int ret;

	if ((ret = mdc_mig_get_str(r, m->vm, MDC_MIG_MAX_VM)) ||
	    (ret = mdc_rbuf_get_u8(r, &m->vmstate)) ||
	    (ret = mdc_rbuf_get_u32be(r, &m->pid)) ||
	    (ret = mdc_mig_get_str(r, m->accel, MDC_MIG_MAX_ACCEL)) ||
	    (ret = mdc_mig_get_str(r, m->vmstatus, MDC_MIG_MAX_VMSTATUS)) ||
	    (ret = mdc_mig_get_str(r, m->last_exit, MDC_MIG_MAX_EXIT)) ||
	    (ret = get_span(r, MDC_MIG_MAX_DEF, &m->def, &m->deflen)))
		return ret;
	if (!mdc_mig_vm_ok(m->vm) || m->vmstate > MDC_MIG_VM_MAX_STATE ||
	    m->deflen == 0)
		return MDC_EMALF;
	return 0;
}

static int
decode_fields(struct mdc_rbuf *r, struct mdc_mig_msg *m)
{
	int ret;

	switch (m->type) {
	case MDC_MIG_MOVE:
		if ((ret = mdc_mig_get_str(r, m->vm, MDC_MIG_MAX_VM)) ||
		    (ret = mdc_mig_get_str(r, m->host, MDC_MIG_MAX_HOST)) ||
		    (ret = mdc_mig_get_str(r, m->addr, MDC_MIG_MAX_ADDR)))
			return ret;
		break;
	case MDC_MIG_PREPARE:
	case MDC_MIG_OUTCOME:
		if ((ret = mdc_mig_get_str(r, m->vm, MDC_MIG_MAX_VM)) ||
		    (ret = mdc_mig_get_str(r, m->host, MDC_MIG_MAX_HOST)))
			return ret;
		break;
	case MDC_MIG_MOVE_STORAGE:
	case MDC_MIG_PREPARE_STORAGE:
		if ((ret = mdc_mig_get_str(r, m->vm, MDC_MIG_MAX_VM)) ||
		    (ret = mdc_mig_get_str(r, m->host, MDC_MIG_MAX_HOST)) ||
		    (ret = decode_storage(r, m)))
			return ret;
		break;
	case MDC_MIG_RESULT:
		if ((ret = mdc_rbuf_get_u8(r, &m->status)) ||
		    (ret = mdc_mig_get_str(r, m->text, MDC_MIG_MAX_TEXT)))
			return ret;
		if (m->status > MDC_MIG_FAILED)
			return MDC_EMALF;
		return 0;
	case MDC_MIG_DATA:
		return decode_data(r, m);
	case MDC_MIG_DONE:
		if ((ret = mdc_rbuf_get_u64be(r, &m->size)))
			return ret;
		return mdc_rbuf_get_bytes(r, m->digest, MDC_MIG_SHA256_LEN);
	case MDC_MIG_LIVE_MOVE:
	case MDC_MIG_LIVE_PREPARE:
		if ((ret = mdc_mig_get_str(r, m->vm, MDC_MIG_MAX_VM)) ||
		    (ret = mdc_mig_get_str(r, m->host, MDC_MIG_MAX_HOST)) ||
		    (m->type == MDC_MIG_LIVE_MOVE &&
		     (ret = mdc_mig_get_str(r, m->addr, MDC_MIG_MAX_ADDR))) ||
		    (ret = get_blob(r, m)))
			return ret;
		break;
	case MDC_MIG_LIVE_INFO:
		return get_blob(r, m);
	case MDC_MIG_VM:
		return decode_vm(r, m);
	case MDC_MIG_VM_INFO:
		return decode_vm_info(r, m);
	default:
		return MDC_EMALF;
	}
	if (!mdc_mig_vm_ok(m->vm) || !mdc_mig_host_ok(m->host))
		return MDC_EMALF;
	return 0;
}

int
mdc_mig_msg_decode(const uint8_t *data, size_t len, struct mdc_mig_msg *out)
{
	struct mdc_rbuf r;
	struct mdc_mig_msg m;
	int ret;

	memset(&m, 0, sizeof(m));
	mdc_rbuf_init(&r, data, len);
	if ((ret = mdc_rbuf_get_u8(&r, &m.type)) != 0)
		return ret;
	if ((ret = decode_fields(&r, &m)) != 0)
		return ret;
	if (mdc_rbuf_left(&r) != 0)
		return MDC_EMALF;
	*out = m;
	return 0;
}

static int
encode_storage(struct mdc_wbuf *w, const struct mdc_mig_msg *m)
{
	int ret;

	if ((m->flags & ~MDC_MIG_FL_ALL) != 0 ||
	    (m->type == MDC_MIG_MOVE_STORAGE && m->path[0] == '\0') ||
	    ((m->name[0] || m->type == MDC_MIG_PREPARE_STORAGE) &&
	     !mdc_mig_file_ok(m->name)))
		return MDC_EINVAL;
	if (m->type == MDC_MIG_MOVE_STORAGE &&
	    ((ret = mdc_mig_put_str(w, m->addr, MDC_MIG_MAX_ADDR)) ||
	     (ret = mdc_mig_put_str(w, m->path, MDC_MIG_MAX_PATH))))
		return ret;
	if ((ret = mdc_mig_put_str(w, m->name, MDC_MIG_MAX_FILE)))
		return ret;
	if (m->type == MDC_MIG_PREPARE_STORAGE &&
	    (ret = mdc_wbuf_put_u64be(w, m->size)))
		return ret;
	return mdc_wbuf_put_u8(w, m->flags);
}

static int
encode_data(struct mdc_wbuf *w, const struct mdc_mig_msg *m)
{
	int ret;

	if (m->codec > MDC_MIG_ZSTD || m->rawlen == 0 ||
	    m->rawlen > MDC_MIG_CHUNK || m->datalen == 0 ||
	    m->datalen > MDC_MIG_CHUNK ||
	    (m->codec == MDC_MIG_RAW && m->datalen != m->rawlen))
		return MDC_EINVAL;
	if ((ret = mdc_wbuf_put_u64be(w, m->offset)) ||
	    (ret = mdc_wbuf_put_u8(w, m->codec)) ||
	    (ret = mdc_wbuf_put_u32be(w, m->rawlen)))
		return ret;
	return mdc_wbuf_put_bytes(w, m->data, m->datalen);
}

static int
encode_vm(struct mdc_wbuf *w, const struct mdc_mig_msg *m)
{
	int ret;

	if (m->op < MDC_MIG_VM_CREATE || m->op > MDC_MIG_VM_LIST ||
	    (m->flags & ~MDC_MIG_VMFL_ALL) != 0 ||
	    (m->op == MDC_MIG_VM_LIST ? m->vm[0] != '\0'
	                              : !mdc_mig_vm_ok(m->vm)) ||
	    (m->op == MDC_MIG_VM_CREATE) != (m->deflen != 0))
		return MDC_EINVAL;
	if ((ret = mdc_wbuf_put_u8(w, m->op)) ||
	    (ret = mdc_mig_put_str(w, m->vm, MDC_MIG_MAX_VM)) ||
	    (ret = put_span(w, m->def, m->deflen, MDC_MIG_MAX_DEF)))
		return ret;
	return mdc_wbuf_put_u8(w, m->flags);
}

static int
encode_vm_info(struct mdc_wbuf *w, const struct mdc_mig_msg *m)
{
	int ret;

	if (!mdc_mig_vm_ok(m->vm) || m->vmstate > MDC_MIG_VM_MAX_STATE ||
	    m->deflen == 0)
		return MDC_EINVAL;
	if ((ret = mdc_mig_put_str(w, m->vm, MDC_MIG_MAX_VM)) ||
	    (ret = mdc_wbuf_put_u8(w, m->vmstate)) ||
	    (ret = mdc_wbuf_put_u32be(w, m->pid)) ||
	    (ret = mdc_mig_put_str(w, m->accel, MDC_MIG_MAX_ACCEL)) ||
	    (ret = mdc_mig_put_str(w, m->vmstatus, MDC_MIG_MAX_VMSTATUS)) ||
	    (ret = mdc_mig_put_str(w, m->last_exit, MDC_MIG_MAX_EXIT)))
		return ret;
	return put_span(w, m->def, m->deflen, MDC_MIG_MAX_DEF);
}

static int
encode_fields(struct mdc_wbuf *w, const struct mdc_mig_msg *m)
{
	int ret;

	switch (m->type) {
	case MDC_MIG_MOVE:
	case MDC_MIG_PREPARE:
	case MDC_MIG_OUTCOME:
	case MDC_MIG_MOVE_STORAGE:
	case MDC_MIG_PREPARE_STORAGE:
		if (!mdc_mig_vm_ok(m->vm) || !mdc_mig_host_ok(m->host))
			return MDC_EINVAL;
		if ((ret = mdc_mig_put_str(w, m->vm, MDC_MIG_MAX_VM)) ||
		    (ret = mdc_mig_put_str(w, m->host, MDC_MIG_MAX_HOST)))
			return ret;
		if (m->type == MDC_MIG_MOVE)
			return mdc_mig_put_str(w, m->addr, MDC_MIG_MAX_ADDR);
		if (m->type != MDC_MIG_PREPARE && m->type != MDC_MIG_OUTCOME)
			return encode_storage(w, m);
		return 0;
	case MDC_MIG_RESULT:
		if (m->status > MDC_MIG_FAILED)
			return MDC_EINVAL;
		if ((ret = mdc_wbuf_put_u8(w, m->status)))
			return ret;
		return mdc_mig_put_str(w, m->text, MDC_MIG_MAX_TEXT);
	case MDC_MIG_DATA:
		return encode_data(w, m);
	case MDC_MIG_DONE:
		if ((ret = mdc_wbuf_put_u64be(w, m->size)))
			return ret;
		return mdc_wbuf_put_bytes(w, m->digest, MDC_MIG_SHA256_LEN);
	case MDC_MIG_LIVE_MOVE:
	case MDC_MIG_LIVE_PREPARE:
		if (!mdc_mig_vm_ok(m->vm) || !mdc_mig_host_ok(m->host))
			return MDC_EINVAL;
		if ((ret = mdc_mig_put_str(w, m->vm, MDC_MIG_MAX_VM)) ||
		    (ret = mdc_mig_put_str(w, m->host, MDC_MIG_MAX_HOST)) ||
		    (m->type == MDC_MIG_LIVE_MOVE &&
		     (ret = mdc_mig_put_str(w, m->addr, MDC_MIG_MAX_ADDR))))
			return ret;
		return put_blob(w, m);
	case MDC_MIG_LIVE_INFO:
		return put_blob(w, m);
	case MDC_MIG_VM:
		return encode_vm(w, m);
	case MDC_MIG_VM_INFO:
		return encode_vm_info(w, m);
	default:
		return MDC_EINVAL;
	}
}

int
mdc_mig_msg_encode(const struct mdc_mig_msg *m, uint8_t *buf, size_t cap,
                   size_t *len_out)
{
	struct mdc_wbuf w;
	int ret;

	mdc_wbuf_init(&w, buf, cap);
	if ((ret = mdc_wbuf_put_u8(&w, m->type)) != 0 ||
	    (ret = encode_fields(&w, m)) != 0)
		return ret;
	*len_out = w.len;
	return 0;
}

int
mdc_mig_str_decode(const uint8_t *data, size_t len, int is_host, char *out,
                   size_t outlen)
{
	struct mdc_rbuf r;
	char s[MDC_MIG_MAX_TEXT + 1];
	size_t max = is_host ? MDC_MIG_MAX_HOST : MDC_MIG_MAX_TEXT;
	int ret;

	mdc_rbuf_init(&r, data, len);
	if ((ret = mdc_mig_get_str(&r, s, max)) != 0)
		return ret;
	if (mdc_rbuf_left(&r) != 0 || (is_host && !mdc_mig_host_ok(s)))
		return MDC_EMALF;
	if (strlen(s) >= outlen)
		return MDC_ESPACE;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

int
mdc_mig_str_encode(const char *s, uint8_t *buf, size_t cap, size_t *len_out)
{
	struct mdc_wbuf w;
	int ret;

	mdc_wbuf_init(&w, buf, cap);
	if ((ret = mdc_mig_put_str(&w, s, MDC_MIG_MAX_TEXT)) != 0)
		return ret;
	*len_out = w.len;
	return 0;
}

int
mdc_mig_frame_len(const uint8_t hdr[4], size_t *len_out)
{
	struct mdc_rbuf r;
	uint32_t n;

	mdc_rbuf_init(&r, hdr, 4);
	if (mdc_rbuf_get_u32be(&r, &n) != 0)
		return MDC_ETRUNC;
	if (n == 0 || n > MDC_MIG_MAX_FRAME)
		return MDC_EMALF;
	*len_out = n;
	return 0;
}

int
mdc_mig_cidr_parse(const char *s, struct mdc_mig_cidr *out)
{
	char ip[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct mdc_mig_cidr c;
	int bits, i;
	char *end;

	if (n == 0 || n >= sizeof(ip))
		return MDC_EINVAL;
	memcpy(ip, s, n);
	ip[n] = '\0';
	memset(&c, 0, sizeof(c));
	if (inet_pton(AF_INET, ip, c.addr) == 1)
		c.family = AF_INET;
	else if (inet_pton(AF_INET6, ip, c.addr) == 1)
		c.family = AF_INET6;
	else
		return MDC_EINVAL;
	bits = c.family == AF_INET ? 32 : 128;
	c.prefix = bits;
	if (slash) {
		long v;
		if (slash[1] < '0' || slash[1] > '9')
			return MDC_EINVAL;
		v = strtol(slash + 1, &end, 10);
		if (*end != '\0' || v < 0 || v > bits)
			return MDC_EINVAL;
		c.prefix = (int)v;
	}
	for (i = c.prefix; i < bits; i++)
		if (c.addr[i / 8] & (0x80 >> (i % 8)))
			return MDC_EINVAL; /* host bits set: say what you mean
			                    */
	*out = c;
	return 0;
}

void
mdc_mig_cidr_format(const struct mdc_mig_cidr *c, char *out, size_t outlen)
{
	char ip[INET6_ADDRSTRLEN];

	if (inet_ntop(c->family, c->addr, ip, sizeof(ip)) == NULL)
		ip[0] = '\0';
	snprintf(out, outlen, "%s/%d", ip, c->prefix);
}

int
mdc_mig_cidr_match(const struct mdc_mig_cidr *c, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
	                                   0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *a;
	int fam = sa->sa_family, i;

	if (fam == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)
		            ->sin_addr;
	} else if (fam == AF_INET6) {
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (c->family == AF_INET && memcmp(a, mapped, 12) == 0) {
			a += 12;
			fam = AF_INET;
		}
	} else {
		return 0;
	}
	if (fam != c->family)
		return 0;
	for (i = 0; i < c->prefix; i++) {
		uint8_t m = 0x80 >> (i % 8);
		if ((a[i / 8] & m) != (c->addr[i / 8] & m))
			return 0;
	}
	return 1;
}

int
mdc_mig_hostport(const char *s, int defport, char *ip, size_t iplen, int *port)
{
	const char *colon, *start = s, *end;
	long v = defport;
	char *e;

	if (s[0] == '[') {
		start = s + 1;
		end = strchr(start, ']');
		if (end == NULL)
			return MDC_EINVAL;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return MDC_EINVAL;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			colon = NULL; /* a bare IPv6 address */
		end = colon ? colon : s + strlen(s);
	}
	if (colon) {
		if (colon[1] < '0' || colon[1] > '9')
			return MDC_EINVAL;
		v = strtol(colon + 1, &e, 10);
		if (*e != '\0')
			return MDC_EINVAL;
	}
	if (v < 1 || v > 65535 || end == start ||
	    (size_t)(end - start) >= iplen)
		return MDC_EINVAL;
	memcpy(ip, start, (size_t)(end - start));
	ip[end - start] = '\0';
	*port = (int)v;
	return 0;
}
