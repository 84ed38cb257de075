/* migrate-auth/srcaddr.c - the source's decision before it connects */
#include "config.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/net.h"
#include "migrate-auth/migrate.h"
#include "migrate-auth/policy.h"
#include "migrate-auth/proto.h"
#include "migrate-auth/srcaddr.h"
#include "migrate-auth/state.h"

#define MAX_REGISTERED 8

/* The destination as a socket address: ip if numeric, else the name
 * resolved, ip rewritten to its first address (the connection uses that
 * one, never a second lookup).  Returns 0 or -1. */
static int
dest_sockaddr(char *ip, size_t iplen, int port, struct sockaddr_storage *dest)
{
	struct addrinfo hints, *res = NULL;
	socklen_t sl;
	int ret;

	if (mdc_net_addr(ip, port, dest, &sl) == 0)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(ip, NULL, &hints, &res) != 0 || res == NULL)
		return -1;
	ret = getnameinfo(res->ai_addr, res->ai_addrlen, ip, (socklen_t)iplen,
	                  NULL, 0, NI_NUMERICHOST) != 0 ||
	      mdc_net_addr(ip, port, dest, &sl) != 0;
	freeaddrinfo(res);
	return ret ? -1 : 0;
}

/* The destination host's registered addresses (its name in DNS). */
static size_t
registered(const char *host, struct sockaddr_storage *reg, size_t max)
{
	struct addrinfo hints, *res = NULL, *ai;
	size_t n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next)
		if (ai->ai_addrlen <= sizeof(*reg))
			memcpy(&reg[n++], ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(res);
	return n;
}

/* The decision, 0 or MDC_EDENIED (text: the refusal) or another code
 * (text: the failure). */
static int
decide(const struct mdc_mig_src_req *q, char *ip, size_t iplen, int *port,
       char *text, size_t textlen)
{
	struct mdc_mig_state st;
	struct mdc_mig_src_in in;
	struct sockaddr_storage dest, reg[MAX_REGISTERED];
	const char *a = q->addr[0] ? q->addr : q->host;
	struct mdc_err why = {""};
	size_t n = 0;

	if (mdc_mig_src_user_decide(q->who, q->logon, q->logon_len, q->self,
	                            text, textlen) != 0)
		return MDC_EDENIED;
	if (mdc_mig_state_load(q->state, &st, &why) != 0) {
		snprintf(text, textlen, "%s: %s", q->self, why.text);
		return MDC_ECONF;
	}
	if (mdc_mig_hostport(a, MDC_MIG_DEFAULT_PORT, ip, iplen, port) != 0 ||
	    dest_sockaddr(ip, iplen, *port, &dest) != 0) {
		snprintf(text, textlen, "%s: bad destination address %s",
		         q->self, a);
		return MDC_EINVAL;
	}
	/* the host's registered address is asked for only when needed */
	if (!mdc_mig_state_allows(&st, (const struct sockaddr *)&dest))
		n = registered(q->host, reg, MAX_REGISTERED);
	memset(&in, 0, sizeof(in));
	in.client = q->who;
	in.logon = q->logon;
	in.logon_len = q->logon_len;
	in.state = &st;
	in.dest = (const struct sockaddr *)&dest;
	in.registered = reg;
	in.nregistered = n;
	in.dest_host = q->host;
	in.self_host = q->self;
	return mdc_mig_src_decide(&in, text, textlen) == 0 ? 0 : MDC_EDENIED;
}

int
mdc_mig_src_check(const struct mdc_mig_src_req *q, char *ip, size_t iplen,
                  int *port, struct mdc_mig_msg *r)
{
	char text[MDC_MIG_MAX_TEXT + 1];
	int ret = decide(q, ip, iplen, port, text, sizeof(text));

	if (ret == 0)
		return 0;
	mdc_mig_result(r, ret == MDC_EDENIED ? MDC_MIG_REFUSED : MDC_MIG_FAILED,
	               "%s", text);
	return -1;
}
