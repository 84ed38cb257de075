/* dns/xfracl.c - who may transfer a zone: address lists (idnsAllowTransfer) */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/xfracl.h"

#define SEPS " ,;\t\n"

enum kind { K_BAD, K_ANY, K_NONE, K_ADDR };

struct elem {
	enum kind kind;
	int neg;
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int bits;
};

/* Parse one element (n bytes at s) into e; e->kind K_BAD if unknown. */
static void
parse_elem(const char *s, size_t n, struct elem *e)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	int max;

	memset(e, 0, sizeof(*e));
	if (n > 0 && s[0] == '!') {
		e->neg = 1;
		s++;
		n--;
	}
	if (n == 0 || n >= sizeof(buf))
		return;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strcasecmp(buf, "any") == 0) {
		e->kind = K_ANY;
		return;
	}
	if (strcasecmp(buf, "none") == 0) {
		e->kind = K_NONE;
		return;
	}
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, e->addr) == 1)
		e->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, e->addr) == 1)
		e->family = AF_INET6;
	else
		return;
	max = e->family == AF_INET ? 32 : 128;
	e->bits = max;
	if (slash != NULL) {
		long b = strtol(slash + 1, &end, 10);
		if (*end != '\0' || end == slash + 1 || b < 0 || b > max)
			return;
		e->bits = (int)b;
	}
	e->kind = K_ADDR;
}

static int
prefix_match(const uint8_t *a, const uint8_t *b, int bits)
{
	for (int i = 0; i < bits; i++) {
		int m = 0x80 >> (i % 8);
		if ((a[i / 8] & m) != (b[i / 8] & m))
			return 0;
	}
	return 1;
}

/* The peer's address as family + bytes; IPv4-mapped IPv6 counts as IPv4. */
static int
peer_addr(const struct sockaddr *peer, uint8_t *addr)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
	                                   0, 0, 0, 0, 0xff, 0xff};

	if (peer->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)peer)->sin_addr, 4);
		return AF_INET;
	}
	if (peer->sa_family == AF_INET6) {
		const uint8_t *a =
		        ((const struct sockaddr_in6 *)peer)->sin6_addr.s6_addr;
		if (memcmp(a, mapped, 12) == 0) {
			memcpy(addr, a + 12, 4);
			return AF_INET;
		}
		memcpy(addr, a, 16);
		return AF_INET6;
	}
	return 0;
}

static int
elem_matches(const struct elem *e, int family, const uint8_t *addr)
{
	switch (e->kind) {
	case K_ANY:
		return 1;
	case K_ADDR:
		return e->family == family &&
		       prefix_match(e->addr, addr, e->bits);
	default:
		return 0;
	}
}

int
dns_xacl_match(const char *list, const struct sockaddr *peer)
{
	uint8_t addr[16];
	int family;
	struct elem e;
	size_t n;

	if (list == NULL || peer == NULL ||
	    (family = peer_addr(peer, addr)) == 0)
		return 0;
	for (const char *p = list + strspn(list, SEPS); *p != '\0';
	     p += n, p += strspn(p, SEPS)) {
		n = strcspn(p, SEPS);
		parse_elem(p, n, &e);
		if (e.kind != K_BAD && elem_matches(&e, family, addr))
			return !e.neg;
	}
	return 0;
}

int
dns_xacl_check(const char *list)
{
	struct elem e;
	size_t n;

	if (list == NULL)
		return 0;
	for (const char *p = list + strspn(list, SEPS); *p != '\0';
	     p += n, p += strspn(p, SEPS)) {
		n = strcspn(p, SEPS);
		parse_elem(p, n, &e);
		if (e.kind == K_BAD)
			return MDC_EINVAL;
	}
	return 0;
}

int
dns_xacl_norm(const char *s, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	struct elem e;
	int max, n;

	parse_elem(s, strlen(s), &e);
	if (e.neg || (e.kind != K_ADDR && e.kind != K_ANY) ||
	    s[strcspn(s, SEPS)] != '\0')
		return MDC_EINVAL;
	if (e.kind == K_ANY) {
		n = snprintf(out, cap, "any");
		return n >= 0 && (size_t)n < cap ? 0 : MDC_ERANGE;
	}
	max = e.family == AF_INET ? 32 : 128;
	for (int i = e.bits; i < max; i++)
		e.addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	if (inet_ntop(e.family, e.addr, ip, sizeof(ip)) == NULL)
		return MDC_EINVAL;
	n = e.bits < max ? snprintf(out, cap, "%s/%d", ip, e.bits)
	                 : snprintf(out, cap, "%s", ip);
	return n >= 0 && (size_t)n < cap ? 0 : MDC_ERANGE;
}

/* Append n bytes of s and a ';' to out (len used); 0 or MDC_ERANGE. */
static int
put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + n + 2 > cap)
		return MDC_ERANGE;
	memcpy(out + *len, s, n);
	*len += n;
	out[(*len)++] = ';';
	out[*len] = '\0';
	return 0;
}

/* Whether the n bytes at p are canon in canonical form. */
static int
same_elem(const char *p, size_t n, const char *canon)
{
	char tmp[INET6_ADDRSTRLEN + 8], other[INET6_ADDRSTRLEN + 8];

	if (n >= sizeof(tmp))
		return 0;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	return dns_xacl_norm(tmp, other, sizeof(other)) == 0 &&
	       strcmp(other, canon) == 0;
}

int
dns_xacl_edit(const char *list, const char *elem, int add, char *out,
              size_t cap)
{
	char canon[INET6_ADDRSTRLEN + 8];
	size_t n, len = 0;
	int ret, found = 0;

	if (cap == 0)
		return MDC_ERANGE;
	out[0] = '\0';
	if ((ret = dns_xacl_norm(elem, canon, sizeof(canon))) != 0)
		return ret;
	for (const char *p = list != NULL ? list + strspn(list, SEPS) : "";
	     *p != '\0'; p += n, p += strspn(p, SEPS)) {
		int same;
		n = strcspn(p, SEPS);
		/* Canonical forms compared: "10.0.0.1/32" is "10.0.0.1". */
		same = same_elem(p, n, canon);
		found |= same;
		if (same && !add)
			continue;
		if ((ret = put(out, cap, &len, p, n)) != 0)
			return ret;
	}
	if (!add)
		return found ? 0 : MDC_ENOENT;
	return found ? 0 : put(out, cap, &len, canon, strlen(canon));
}
