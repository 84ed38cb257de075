/* dc/sockproto.c - parse back-sock requests, format its answers */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "dc/sockproto.h"
#include "lib/ad.h"
#include "lib/buf.h"
#include "lib/util.h"

#define MAX_NAME 256

/* Parser state: the input window and running totals for the bounds. */
struct sp {
	struct mdc_rbuf b;
	size_t nvals;
	char *line; /* current logical line (continuations joined) */
	size_t linecap;
};

static void
val_free(struct mdc_sock_val *v)
{
	/* Values may be passwords (unicodePwd): wipe them. */
	if (v->data != NULL)
		mdc_secret_free(v->data, v->len + 1);
	v->data = NULL;
}

static void
attr_free(struct mdc_sock_attr *a)
{
	for (size_t i = 0; i < a->nvals; i++)
		val_free(&a->vals[i]);
	free(a->vals);
	free(a->name);
}

void
mdc_sock_req_free(struct mdc_sock_req *req)
{
	if (req == NULL)
		return;
	for (size_t i = 0; i < req->nattrs; i++)
		attr_free(&req->attrs[i]);
	free(req->attrs);
	free(req->binddn);
	free(req->peername);
	free(req->dn);
	free(req->newrdn);
	free(req->newsup);
	free(req);
}

/*
 * Take the next physical line (without its '\n') from the reader.
 * MDC_ETRUNC if the input ends without a newline.
 */
static int
phys_line(struct mdc_rbuf *b, const uint8_t **p_out, size_t *n_out)
{
	size_t left = mdc_rbuf_left(b), start = b->pos;
	const uint8_t *p, *nl;
	int ret;

	ret = mdc_rbuf_get_ptr(b, &p, left);
	if (ret != 0)
		return ret;
	nl = left > 0 ? memchr(p, '\n', left) : NULL;
	if (nl == NULL) {
		ret = mdc_rbuf_seek(b, start);
		return ret != 0 ? ret : MDC_ETRUNC;
	}
	*p_out = p;
	*n_out = (size_t)(nl - p);
	return mdc_rbuf_seek(b, start + *n_out + 1);
}

/* Append n bytes to the logical line buffer (NUL-terminated). */
static int
line_append(struct sp *s, size_t *len, const uint8_t *p, size_t n)
{
	if (*len + n + 1 > s->linecap) {
		size_t cap = (*len + n + 1) * 2;
		char *nb = realloc(s->line, cap);

		if (nb == NULL)
			return MDC_ENOMEM;
		s->line = nb;
		s->linecap = cap;
	}
	memcpy(s->line + *len, p, n);
	*len += n;
	s->line[*len] = '\0';
	return 0;
}

/*
 * Read one logical line: a physical line plus the following lines that
 * start with a space (LDIF folding; the space is dropped).  *len_out 0
 * means the empty line that ends a request.
 */
static int
logical_line(struct sp *s, size_t *len_out)
{
	const uint8_t *p;
	size_t n, len = 0, save;
	int ret;

	ret = phys_line(&s->b, &p, &n);
	if (ret == 0)
		ret = line_append(s, &len, p, n);
	while (ret == 0 && len > 0 && mdc_rbuf_left(&s->b) > 0) {
		save = s->b.pos;
		ret = phys_line(&s->b, &p, &n);
		if (ret == MDC_ETRUNC) {
			ret = 0; /* leave the partial line for the next call */
			break;
		}
		if (ret != 0 || n == 0 || p[0] != ' ') {
			if (ret == 0)
				ret = mdc_rbuf_seek(&s->b, save);
			break;
		}
		ret = line_append(s, &len, p + 1, n - 1);
	}
	if (ret == 0 && memchr(s->line, '\0', len) != NULL)
		ret = MDC_EMALF; /* a NUL byte inside a text line */
	if (ret == 0)
		*len_out = len;
	return ret;
}

static int
name_ok(const char *name, size_t n)
{
	if (n == 0 || n > MAX_NAME)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == ';' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

/* Decode standard base64 (with padding) into a new NUL-terminated value. */
static int
b64_decode(const char *in, size_t n, struct mdc_sock_val *v)
{
	size_t pad = 0, i;
	unsigned char *out;
	int got;

	if (n % 4 != 0)
		return MDC_EMALF;
	for (i = 0; i < n; i++) {
		char c = in[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		         (c >= '0' && c <= '9') || c == '+' || c == '/';

		if (c == '=' && i + 2 >= n && (i + 1 == n || in[i + 1] == '='))
			pad++;
		else if (!ok || pad > 0)
			return MDC_EMALF;
	}
	out = malloc(n / 4 * 3 + 1);
	if (out == NULL)
		return MDC_ENOMEM;
	got = n == 0 ? 0
	             : EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
	if (got < 0 || (size_t)got < pad) {
		free(out);
		return MDC_EMALF;
	}
	v->len = (size_t)got - pad;
	out[v->len] = '\0';
	v->data = (char *)out;
	return 0;
}

/*
 * Split the current logical line "name: value" / "name:: base64" /
 * "name:" into a new name and value (either out may be NULL to skip).
 */
static int
split_line(const char *line, size_t len, char **name_out,
           struct mdc_sock_val *val_out)
{
	const char *colon = memchr(line, ':', len), *v;
	size_t nlen, vlen;
	int b64 = 0, ret = 0;
	struct mdc_sock_val val = {NULL, 0};

	if (colon == NULL || !name_ok(line, (size_t)(colon - line)))
		return MDC_EMALF;
	nlen = (size_t)(colon - line);
	v = colon + 1;
	if (v < line + len && *v == ':') {
		b64 = 1;
		v++;
	} else if (v < line + len && *v == '<') {
		return MDC_EMALF; /* URLs: slapd never sends them */
	}
	while (v < line + len && *v == ' ')
		v++;
	vlen = (size_t)(line + len - v);
	if (b64) {
		ret = b64_decode(v, vlen, &val);
	} else {
		val.data = strndup(v, vlen);
		val.len = vlen;
		if (val.data == NULL)
			ret = MDC_ENOMEM;
	}
	if (ret != 0)
		return ret;
	if (name_out != NULL) {
		*name_out = strndup(line, nlen);
		if (*name_out == NULL) {
			val_free(&val);
			return MDC_ENOMEM;
		}
	}
	if (val_out != NULL)
		*val_out = val;
	else
		val_free(&val);
	return 0;
}

/* A text value (DN, header) must not hide a NUL byte. */
static int
text_value(struct mdc_sock_val *v, char **out)
{
	if (strlen(v->data) != v->len) {
		val_free(v);
		return MDC_EMALF;
	}
	*out = v->data;
	v->data = NULL;
	return 0;
}

/* Read the next line and require it to be "name: <text>". */
static int
expect_text(struct sp *s, const char *name, char **out)
{
	struct mdc_sock_val v = {NULL, 0};
	char *got = NULL;
	size_t len;
	int ret;

	ret = logical_line(s, &len);
	if (ret == 0 && len == 0)
		ret = MDC_EMALF;
	if (ret == 0)
		ret = split_line(s->line, len, &got, &v);
	if (ret == 0 && strcasecmp(got, name) != 0) {
		val_free(&v);
		ret = MDC_EMALF;
	}
	if (ret == 0)
		ret = text_value(&v, out);
	free(got);
	return ret;
}

static int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return MDC_EMALF;
	*out = v;
	return 0;
}

static int
op_from_word(const char *w, enum mdc_sock_op *op)
{
	static const struct {
		const char *w;
		enum mdc_sock_op op;
	} ops[] = {
	        {"ADD", MDC_SOCK_ADD},
	        {"MODIFY", MDC_SOCK_MODIFY},
	        {"MODRDN", MDC_SOCK_MODRDN},
	        {"DELETE", MDC_SOCK_DELETE},
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(w, ops[i].w) == 0) {
			*op = ops[i].op;
			return 0;
		}
	return MDC_EMALF;
}

/*
 * The header after the operation word: msgid, then binddn, peername, ssf,
 * connid (each optional, at most once, in this order: a value cannot smuggle
 * in a second binddn), suffixes, and the "dn:" line that starts the body.
 */
static int
parse_header(struct sp *s, struct mdc_sock_req *r)
{
	static const char *const order[] = {"binddn", "peername", "ssf",
	                                    "connid", "suffix"};
	struct mdc_sock_val v = {NULL, 0};
	char *name = NULL, *text = NULL, *msgid = NULL;
	size_t len, last = 0, k;
	int seen[5] = {0};
	long num = 0;
	int ret;

	ret = expect_text(s, "msgid", &msgid);
	if (ret == 0)
		ret = parse_long(msgid, -1, 0x7fffffffL, &r->msgid);
	free(msgid);
	while (ret == 0) {
		ret = logical_line(s, &len);
		if (ret == 0 && len == 0)
			ret = MDC_EMALF;
		if (ret == 0)
			ret = split_line(s->line, len, &name, &v);
		if (ret == 0)
			ret = text_value(&v, &text);
		if (ret != 0)
			break;
		if (strcasecmp(name, "dn") == 0) {
			r->dn = text;
			text = NULL;
			break;
		}
		for (k = 0; k < 5 && strcasecmp(name, order[k]) != 0; k++)
			;
		if (k == 5 || k < last || (k < 4 && seen[k])) {
			ret = MDC_EMALF; /* unknown, repeated or out of order */
		} else if (k == 0) {
			r->binddn = text;
			text = NULL;
		} else if (k == 1) {
			r->peername = text;
			text = NULL;
		} else if (k == 2) {
			ret = parse_long(text, 0, 1L << 20, &num);
			r->ssf = num;
		}
		if (k < 5) {
			seen[k] = 1;
			last = k;
		}
		free(name);
		name = NULL;
		free(text);
		text = NULL;
	}
	free(name);
	free(text);
	return ret;
}

/* Append value v to attribute a (takes v's data). */
static int
attr_push(struct sp *s, struct mdc_sock_attr *a, struct mdc_sock_val *v)
{
	struct mdc_sock_val *nv;

	if (++s->nvals > MDC_SOCK_MAX_VALS) {
		val_free(v);
		return MDC_ERANGE;
	}
	nv = realloc(a->vals, (a->nvals + 1) * sizeof(*nv));
	if (nv == NULL) {
		val_free(v);
		return MDC_ENOMEM;
	}
	a->vals = nv;
	a->vals[a->nvals++] = *v;
	v->data = NULL;
	return 0;
}

/* A new empty attribute/mod at the end of r->attrs; takes name. */
static int
attr_new(struct mdc_sock_req *r, char *name, int op,
         struct mdc_sock_attr **a_out)
{
	struct mdc_sock_attr *na;

	if (r->nattrs >= MDC_SOCK_MAX_ATTRS) {
		free(name);
		return MDC_ERANGE;
	}
	na = realloc(r->attrs, (r->nattrs + 1) * sizeof(*na));
	if (na == NULL) {
		free(name);
		return MDC_ENOMEM;
	}
	r->attrs = na;
	*a_out = &na[r->nattrs++];
	memset(*a_out, 0, sizeof(**a_out));
	(*a_out)->name = name;
	(*a_out)->op = op;
	return 0;
}

/* ADD: "attr: value" lines up to the empty line; same names merge. */
static int
parse_entry(struct sp *s, struct mdc_sock_req *r)
{
	struct mdc_sock_val v = {NULL, 0};
	struct mdc_sock_attr *a;
	char *name = NULL;
	size_t len, i;
	int ret;

	for (;;) {
		ret = logical_line(s, &len);
		if (ret != 0 || len == 0)
			return ret;
		ret = split_line(s->line, len, &name, &v);
		if (ret != 0)
			return ret;
		for (i = 0; i < r->nattrs; i++)
			if (strcasecmp(r->attrs[i].name, name) == 0)
				break;
		if (i < r->nattrs) {
			free(name);
			a = &r->attrs[i];
		} else {
			ret = attr_new(r, name, MDC_SOCK_MOD_ADD, &a);
			if (ret != 0) {
				val_free(&v);
				return ret;
			}
		}
		name = NULL;
		ret = attr_push(s, a, &v);
		if (ret != 0)
			return ret;
	}
}

static int
modop_from_name(const char *n, int *op)
{
	static const char *const ops[] = {"add", "delete", "replace",
	                                  "increment"};

	for (int i = 0; i < 4; i++)
		if (strcasecmp(n, ops[i]) == 0) {
			*op = i;
			return 0;
		}
	return MDC_EMALF;
}

/* One modification: "op: attr", value lines named attr, then "-". */
static int
parse_one_mod(struct sp *s, struct mdc_sock_req *r, const char *opname,
              struct mdc_sock_val *attr)
{
	struct mdc_sock_val v = {NULL, 0};
	struct mdc_sock_attr *a;
	char *name = NULL, *aname = NULL;
	size_t len;
	int op, ret;

	ret = modop_from_name(opname, &op);
	if (ret == 0)
		ret = text_value(attr, &aname);
	if (ret == 0 && !name_ok(aname, strlen(aname)))
		ret = MDC_EMALF;
	if (ret != 0) {
		free(aname);
		return ret;
	}
	ret = attr_new(r, aname, op, &a);
	while (ret == 0) {
		ret = logical_line(s, &len);
		if (ret == 0 && len == 1 && s->line[0] == '-')
			break;
		if (ret == 0 && len == 0)
			ret = MDC_EMALF;
		if (ret == 0)
			ret = split_line(s->line, len, &name, &v);
		if (ret == 0 && strcasecmp(name, a->name) != 0) {
			val_free(&v);
			ret = MDC_EMALF;
		}
		if (ret == 0)
			ret = attr_push(s, a, &v);
		free(name);
		name = NULL;
	}
	return ret;
}

static int
parse_mods(struct sp *s, struct mdc_sock_req *r)
{
	struct mdc_sock_val v = {NULL, 0};
	char *opname = NULL;
	size_t len;
	int ret;

	for (;;) {
		ret = logical_line(s, &len);
		if (ret != 0 || len == 0)
			return ret;
		ret = split_line(s->line, len, &opname, &v);
		if (ret == 0)
			ret = parse_one_mod(s, r, opname, &v);
		val_free(&v);
		free(opname);
		opname = NULL;
		if (ret != 0)
			return ret;
	}
}

static int
parse_modrdn(struct sp *s, struct mdc_sock_req *r)
{
	struct mdc_sock_val v = {NULL, 0};
	char *del = NULL, *name = NULL;
	size_t len;
	long d;
	int ret;

	ret = expect_text(s, "newrdn", &r->newrdn);
	if (ret == 0)
		ret = expect_text(s, "deleteoldrdn", &del);
	if (ret == 0)
		ret = parse_long(del, 0, 1, &d);
	free(del);
	if (ret != 0)
		return ret;
	r->deleteoldrdn = (int)d;
	ret = logical_line(s, &len);
	if (ret != 0 || len == 0)
		return ret;
	ret = split_line(s->line, len, &name, &v);
	if (ret == 0 && strcasecmp(name, "newSuperior") != 0) {
		val_free(&v);
		ret = MDC_EMALF;
	}
	free(name);
	if (ret == 0)
		ret = text_value(&v, &r->newsup);
	if (ret == 0)
		ret = logical_line(s, &len);
	if (ret == 0 && len != 0)
		ret = MDC_EMALF;
	return ret;
}

static int
parse_body(struct sp *s, struct mdc_sock_req *r)
{
	size_t len;
	int ret;

	switch (r->op) {
	case MDC_SOCK_ADD:
		return parse_entry(s, r);
	case MDC_SOCK_MODIFY:
		return parse_mods(s, r);
	case MDC_SOCK_MODRDN:
		return parse_modrdn(s, r);
	case MDC_SOCK_DELETE:
	default:
		ret = logical_line(s, &len);
		return ret == 0 && len != 0 ? MDC_EMALF : ret;
	}
}

int
mdc_sock_parse(const void *data, size_t len, struct mdc_sock_req **req_out)
{
	struct sp s = {.line = NULL};
	struct mdc_sock_req *r = NULL;
	size_t n;
	int ret;

	*req_out = NULL;
	if (len > MDC_SOCK_MAX_REQ)
		return MDC_ERANGE;
	mdc_rbuf_init(&s.b, data, len);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MDC_ENOMEM;
	r->ssf = -1;
	ret = logical_line(&s, &n);
	if (ret == 0)
		ret = op_from_word(s.line, &r->op);
	if (ret == 0)
		ret = parse_header(&s, r);
	if (ret == 0)
		ret = parse_body(&s, r);
	if (ret == 0 && mdc_rbuf_left(&s.b) != 0)
		ret = MDC_EMALF; /* one request per connection */
	if (ret == 0) {
		*req_out = r;
		r = NULL;
	}
	if (s.line != NULL)
		mdc_secret_free(s.line, s.linecap);
	mdc_sock_req_free(r);
	return ret;
}

size_t
mdc_sock_req_complete(const void *data, size_t len)
{
	const char *p = data, *e;

	if (len > 0 && p[0] == '\n')
		return 1;
	e = len >= 2 ? memmem(p, len, "\n\n", 2) : NULL;
	return e == NULL ? 0 : (size_t)(e - p) + 2;
}

const struct mdc_sock_attr *
mdc_sock_attr_get(const struct mdc_sock_req *req, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < req->nattrs; i++) {
		const char *a = req->attrs[i].name;

		if (strncasecmp(a, name, n) == 0 &&
		    (a[n] == '\0' || a[n] == ';'))
			return &req->attrs[i];
	}
	return NULL;
}

/* Copy s with newlines turned into spaces (a text line of the answer). */
static char *
one_line(const char *s)
{
	char *c = strdup(s != NULL ? s : "");

	for (char *p = c; p != NULL && *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return c;
}

int
mdc_sock_result(int code, const char *matched, const char *info, char **out_out)
{
	char *m = one_line(matched), *i = one_line(info), *out = NULL;
	int ret = MDC_ENOMEM;

	*out_out = NULL;
	if (m == NULL || i == NULL)
		goto out;
	out = mdc_strdupf(
	        "RESULT\ncode: %d\n%s%s%s%s%s%s\n", code,
	        m[0] != '\0' ? "matched: " : "", m, m[0] != '\0' ? "\n" : "",
	        i[0] != '\0' ? "info: " : "", i, i[0] != '\0' ? "\n" : "");
	if (out != NULL) {
		*out_out = out;
		ret = 0;
	}
out:
	free(m);
	free(i);
	return ret;
}

/* Append to *out (growing) "name:: base64(p)\n". */
static int
fmt_b64(char **out, const char *name, const void *p, size_t len)
{
	char *b = mdc_base64(p, len), *n = NULL;

	if (b != NULL)
		n = mdc_strdupf("%s%s:: %s\n", *out, name, b);
	free(b);
	if (n == NULL)
		return MDC_ENOMEM;
	mdc_secret_free(*out, 0);
	*out = n;
	return 0;
}

/* Append "text\n" (a header or a modification's operation line). */
static int
fmt_line(char **out, const char *a, const char *b)
{
	char *n = mdc_strdupf("%s%s%s\n", *out, a, b);

	if (n == NULL)
		return MDC_ENOMEM;
	mdc_secret_free(*out, 0);
	*out = n;
	return 0;
}

/* The attributes of an ADD or the modifications of a MODIFY. */
static int
fmt_attrs(char **out, const struct mdc_sock_req *req)
{
	static const char *const ops[] = {
	        "add: ", "delete: ", "replace: ", "increment: "};
	int ret = 0;

	for (size_t i = 0; i < req->nattrs && ret == 0; i++) {
		const struct mdc_sock_attr *a = &req->attrs[i];

		if (req->op == MDC_SOCK_MODIFY)
			ret = a->op >= 0 && a->op <= 3
			              ? fmt_line(out, ops[a->op], a->name)
			              : MDC_EINVAL;
		for (size_t j = 0; j < a->nvals && ret == 0; j++)
			ret = fmt_b64(out, a->name, a->vals[j].data,
			              a->vals[j].len);
		if (ret == 0 && req->op == MDC_SOCK_MODIFY)
			ret = fmt_line(out, "-", "");
	}
	return ret;
}

int
mdc_sock_format(const struct mdc_sock_req *req, char **out_out)
{
	char *out = mdc_strdupf("%s\nmsgid: %ld\n", mdc_sock_op_name(req->op),
	                        req->msgid);
	int ret = out == NULL ? MDC_ENOMEM : 0;

	*out_out = NULL;
	if (ret == 0 && req->binddn != NULL)
		ret = fmt_b64(&out, "binddn", req->binddn, strlen(req->binddn));
	if (ret == 0)
		ret = fmt_b64(&out, "dn", req->dn, strlen(req->dn));
	if (ret == 0 && (req->op == MDC_SOCK_ADD || req->op == MDC_SOCK_MODIFY))
		ret = fmt_attrs(&out, req);
	if (ret == 0 && req->op == MDC_SOCK_MODRDN) {
		ret = fmt_b64(&out, "newrdn", req->newrdn, strlen(req->newrdn));
		if (ret == 0)
			ret = fmt_line(&out, "deleteoldrdn: ",
			               req->deleteoldrdn ? "1" : "0");
		if (ret == 0 && req->newsup != NULL)
			ret = fmt_b64(&out, "newSuperior", req->newsup,
			              strlen(req->newsup));
	}
	if (ret == 0)
		ret = fmt_line(&out, "", "");
	if (ret != 0) {
		if (out != NULL)
			mdc_secret_free(out, 0);
		return ret;
	}
	*out_out = out;
	return 0;
}

/* The next line of an answer at *p (without its newline) into line. */
static int
answer_line(const char **p, const char *end, const char **line_out,
            size_t *len_out)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (nl == NULL)
		return MDC_ETRUNC;
	*line_out = *p;
	*len_out = (size_t)(nl - *p);
	*p = nl + 1;
	return 0;
}

int
mdc_sock_result_parse(const char *data, size_t len, int *code_out, char *info,
                      size_t infolen)
{
	const char *p = data, *end = data + len, *l;
	size_t n;
	long code;
	char num[16];
	int ret, seen_code = 0;

	if (info != NULL && infolen > 0)
		info[0] = '\0';
	ret = answer_line(&p, end, &l, &n);
	if (ret == 0 && (n != 6 || memcmp(l, "RESULT", 6) != 0))
		ret = MDC_EMALF;
	while (ret == 0 && (ret = answer_line(&p, end, &l, &n)) == 0 && n > 0) {
		if (n > 6 && memcmp(l, "code: ", 6) == 0 && !seen_code &&
		    n - 6 < sizeof(num)) {
			memcpy(num, l + 6, n - 6);
			num[n - 6] = '\0';
			ret = parse_long(num, 0, 0x7fffffffL, &code);
			seen_code = 1;
		} else if (n >= 6 && memcmp(l, "info: ", 6) == 0) {
			if (info != NULL && infolen > 0)
				snprintf(info, infolen, "%.*s", (int)(n - 6),
				         l + 6);
		} else if (!(n >= 9 && memcmp(l, "matched: ", 9) == 0)) {
			ret = MDC_EMALF;
		}
	}
	if (ret == 0 && !seen_code)
		ret = MDC_EMALF;
	if (ret == 0)
		*code_out = (int)code;
	return ret;
}

const char *
mdc_sock_op_name(enum mdc_sock_op op)
{
	switch (op) {
	case MDC_SOCK_ADD:
		return "ADD";
	case MDC_SOCK_MODIFY:
		return "MODIFY";
	case MDC_SOCK_MODRDN:
		return "MODRDN";
	case MDC_SOCK_DELETE:
		return "DELETE";
	}
	return "?";
}
