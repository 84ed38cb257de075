/* join/locate.c - find a DC: DNS SRV/A with c-ares, then the LDAP ping */
#include "config.h"

#include <arpa/inet.h>
#include <ares.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ad/netlogon.h"
#include "join/locate.h"

#define PING_TRIES   3
#define PING_WAIT_MS 1000

struct lookup {
	int done;
	int status;
	char target[MDC_JOIN_NAME_MAX + 1];
	char addr[MDC_JOIN_ADDR_MAX];
};

/* Run the channel's queries to completion (c-ares has its own timeouts). */
static void
ares_wait(ares_channel ch)
{
	struct timeval tv, *tvp;
	fd_set r, w;
	int n;

	for (;;) {
		FD_ZERO(&r);
		FD_ZERO(&w);
		n = ares_fds(ch, &r, &w);
		if (n == 0)
			break;
		tvp = ares_timeout(ch, NULL, &tv);
		if (select(n, &r, &w, NULL, tvp) < 0)
			break;
		ares_process(ch, &r, &w);
	}
}

/* The SRV answer: the target of the lowest priority, highest weight. */
static void
srv_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct lookup *l = arg;
	struct ares_srv_reply *srv = NULL, *p, *best = NULL;

	(void)timeouts;
	l->done = 1;
	l->status = status;
	if (status != ARES_SUCCESS)
		return;
	l->status = ares_parse_srv_reply(abuf, alen, &srv);
	if (l->status != ARES_SUCCESS)
		return;
	for (p = srv; p != NULL; p = p->next)
		if (best == NULL || p->priority < best->priority ||
		    (p->priority == best->priority && p->weight > best->weight))
			best = p;
	if (best == NULL || best->host == NULL || best->host[0] == '\0')
		l->status = ARES_ENODATA;
	else
		snprintf(l->target, sizeof(l->target), "%s", best->host);
	ares_free_data(srv);
}

static void
addr_cb(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct lookup *l = arg;
	struct ares_addrinfo_node *n;
	const struct sockaddr_in *sin;

	(void)timeouts;
	l->done = 1;
	l->status = status;
	if (status == ARES_SUCCESS) {
		l->status = ARES_ENODATA;
		for (n = res->nodes; n != NULL; n = n->ai_next) {
			if (n->ai_family != AF_INET)
				continue;
			sin = (const struct sockaddr_in *)n->ai_addr;
			if (inet_ntop(AF_INET, &sin->sin_addr, l->addr,
			              sizeof(l->addr)) != NULL) {
				l->status = ARES_SUCCESS;
				break;
			}
		}
	}
	if (res != NULL)
		ares_freeaddrinfo(res);
}

static int
channel_open(ares_channel *ch, struct mdc_err *e)
{
	struct ares_options ao;
	int rc;

	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS)
		return mdc_err_set(e, MDC_EDNS, "DNS: %s", ares_strerror(rc));
	memset(&ao, 0, sizeof(ao));
	ao.timeout = 2000;
	ao.tries = 2;
	rc = ares_init_options(ch, &ao, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS)
		return mdc_err_set(e, MDC_EDNS, "DNS: resolver setup: %s",
		                   ares_strerror(rc));
	return 0;
}

/* SRV of the domain's DC locator name -> *target. */
static int
find_srv(ares_channel ch, const char *domain, char *target, size_t cap,
         struct mdc_err *e)
{
	char name[MDC_JOIN_NAME_MAX + 32];
	struct lookup l;

	memset(&l, 0, sizeof(l));
	snprintf(name, sizeof(name), "_ldap._tcp.dc._msdcs.%s", domain);
	ares_query(ch, name, ns_c_in, ns_t_srv, srv_cb, &l);
	ares_wait(ch);
	if (!l.done || l.status != ARES_SUCCESS)
		return mdc_err_set(
		        e, MDC_EDNS, "discovery: SRV %s: %s", name,
		        ares_strerror(l.done ? l.status : ARES_ETIMEOUT));
	snprintf(target, cap, "%s", l.target);
	return 0;
}

/* IPv4 address of name (a literal is taken as is). */
static int
find_addr(ares_channel ch, const char *name, char *addr, size_t cap,
          struct mdc_err *e)
{
	struct ares_addrinfo_hints hints;
	struct in_addr in;
	struct lookup l;

	if (inet_pton(AF_INET, name, &in) == 1) {
		snprintf(addr, cap, "%.63s", name);
		return 0;
	}
	memset(&l, 0, sizeof(l));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	ares_getaddrinfo(ch, name, NULL, &hints, addr_cb, &l);
	ares_wait(ch);
	if (!l.done || l.status != ARES_SUCCESS)
		return mdc_err_set(
		        e, MDC_EDNS, "discovery: A %.200s: %s", name,
		        ares_strerror(l.done ? l.status : ARES_ETIMEOUT));
	snprintf(addr, cap, "%s", l.addr);
	return 0;
}

/* One datagram exchange; 0 and *len_out, or MDC_ETIMEDOUT / -errno. */
static int
ping_send(int fd, const uint8_t *req, size_t reqlen, uint8_t *buf, size_t cap,
          size_t *len_out)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	ssize_t n;
	int t;

	for (t = 0; t < PING_TRIES; t++) {
		if (send(fd, req, reqlen, 0) < 0)
			return -errno;
		if (poll(&pfd, 1, PING_WAIT_MS) <= 0)
			continue;
		n = recv(fd, buf, cap, 0);
		if (n < 0)
			return -errno;
		*len_out = (size_t)n;
		return 0;
	}
	return MDC_ETIMEDOUT;
}

/* The request datagram: DnsDomain and NtVer (V5EX, with the IP). */
static int
ping_request(const char *domain, uint8_t *out, size_t cap, size_t *len_out)
{
	uint32_t v = MDC_NTVER_V5EX | MDC_NTVER_V5EX_WITH_IP;
	uint8_t ntver[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
	                    v >> 24};
	struct mdc_cldap_term terms[2] = {
	        {"DnsDomain", domain, strlen(domain)},
	        {"NtVer", ntver, sizeof(ntver)},
	};

	return mdc_cldap_request(1, terms, 2, 0, "Netlogon", out, cap, len_out);
}

static int
ping_check(const struct mdc_join_opts *o, const uint8_t *pkt, size_t len,
           struct mdc_join_dc *dc, struct mdc_err *e)
{
	struct mdc_cldap_resp resp;
	struct mdc_netlogon_resp nl;
	const unsigned need =
	        MDC_DS_LDAP_FLAG | MDC_DS_KDC_FLAG | MDC_DS_WRITABLE_FLAG;

	if (mdc_cldap_parse_reply(pkt, len, &resp) != 0 || !resp.have_blob ||
	    mdc_netlogon_decode(resp.blob, resp.bloblen, &nl) != 0)
		return mdc_err_set(e, MDC_EMALF,
		                   "LDAP ping: %s: no netlogon answer for %s",
		                   dc->addr, o->domain);
	if (strcasecmp(nl.domain, o->domain) != 0 || nl.host[0] == '\0')
		return mdc_err_set(
		        e, MDC_EMALF,
		        "LDAP ping: %s answers for domain %.100s, not %s",
		        dc->addr, nl.domain, o->domain);
	if ((nl.flags & need) != need)
		return mdc_err_set(
		        e, MDC_ENOTSUP,
		        "LDAP ping: %s (%.100s) is not a writable LDAP+KDC DC "
		        "(flags 0x%08x)",
		        dc->addr, nl.host, nl.flags);
	snprintf(dc->name, sizeof(dc->name), "%.254s", nl.host);
	snprintf(dc->netbios, sizeof(dc->netbios), "%.15s", nl.netbios_domain);
	dc->flags = nl.flags;
	return 0;
}

static int
ldap_ping(const struct mdc_join_opts *o, struct mdc_join_dc *dc,
          struct mdc_err *e)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons(389)};
	uint8_t req[1024], buf[4096];
	size_t reqlen, len = 0; /* set by ping_send on success */
	int fd, ret;

	if (inet_pton(AF_INET, dc->addr, &sin.sin_addr) != 1 ||
	    ping_request(o->domain, req, sizeof(req), &reqlen) != 0)
		return mdc_err_set(e, MDC_EINVAL,
		                   "LDAP ping: cannot build a ping to %s",
		                   dc->addr);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return mdc_err_set(e, -errno, "LDAP ping: socket: %s",
		                   strerror(errno));
	ret = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0
	              ? -errno
	              : ping_send(fd, req, reqlen, buf, sizeof(buf), &len);
	close(fd);
	if (ret != 0)
		return mdc_err_set(
		        e, ret, "LDAP ping: %s (UDP 389): %s", dc->addr,
		        ret == MDC_ETIMEDOUT ? "no answer" : mdc_strerror(ret));
	return ping_check(o, buf, len, dc, e);
}

int
mdc_join_locate(const struct mdc_join_opts *o, struct mdc_join_dc *dc,
                struct mdc_err *e)
{
	char target[MDC_JOIN_NAME_MAX + 1];
	ares_channel ch;
	int ret;

	memset(dc, 0, sizeof(*dc));
	ret = channel_open(&ch, e);
	if (ret != 0)
		return ret;
	if (o->server != NULL)
		snprintf(target, sizeof(target), "%s", o->server);
	else
		ret = find_srv(ch, o->domain, target, sizeof(target), e);
	if (ret == 0)
		ret = find_addr(ch, target, dc->addr, sizeof(dc->addr), e);
	ares_destroy(ch);
	ares_library_cleanup();
	if (ret != 0)
		return ret;
	return ldap_ping(o, dc, e);
}
