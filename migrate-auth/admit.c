/* migrate-auth/admit.c - which connections the agent serves, and for how
 * long, before anyone has authenticated */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "migrate-auth/admit.h"
#include "migrate-auth/state.h"

void
mdc_admit_addr_of(const struct sockaddr *sa, struct mdc_admit_addr *out)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		out->family = AF_INET;
		memcpy(out->a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 &&
	           IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		out->family = AF_INET;
		memcpy(out->a, s6->sin6_addr.s6_addr + 12, 4);
	} else if (sa->sa_family == AF_INET6) {
		out->family = AF_INET6;
		memcpy(out->a, &s6->sin6_addr, 16);
	}
}

void
mdc_admit_addr_text(const struct mdc_admit_addr *a, char *out, size_t outlen)
{
	if (a->family == 0 || inet_ntop(a->family, a->a, out, outlen) == NULL)
		snprintf(out, outlen, "(unknown)");
}

static int
addr_eq(const struct mdc_admit_addr *x, const struct mdc_admit_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, 16) == 0;
}

int
mdc_admit_init(struct mdc_admit *t, int per_addr)
{
	memset(t, 0, sizeof(*t));
	t->per_addr = per_addr > 0 ? per_addr : MDC_ADMIT_PER_ADDR;
	if (pipe2(t->pipe, O_CLOEXEC) != 0)
		return mdc_err_from_errno(errno);
	/* the agent reads what is there, never waits */
	(void)fcntl(t->pipe[0], F_SETFL, O_NONBLOCK);
	return 0;
}

int
mdc_admit_fd(const struct mdc_admit *t)
{
	return t->pipe[0];
}

void
mdc_admit_drain(struct mdc_admit *t)
{
	pid_t pid;
	int i;

	/* a pid is 4 bytes, below PIPE_BUF: written and read whole */
	while (read(t->pipe[0], &pid, sizeof(pid)) == (ssize_t)sizeof(pid))
		for (i = 0; i < t->n; i++)
			if (t->s[i].pid == pid)
				t->s[i].authed = 1;
}

static long
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

/* The log line of a refusal, at most one a second (floods are counted). */
static void
refusal_log(struct mdc_admit *t, const char *line, char *log, size_t loglen)
{
	long now = now_s();

	log[0] = '\0';
	if (t->last_log != 0 && now - t->last_log < 1) {
		t->quiet++;
		return;
	}
	if (t->quiet > 0)
		snprintf(log, loglen, "%s (and %u more refusals)", line,
		         t->quiet);
	else
		snprintf(log, loglen, "%s", line);
	t->last_log = now;
	t->quiet = 0;
}

int
mdc_admit_check(struct mdc_admit *t, const struct sockaddr *peer, char *text,
                size_t textlen, char *log, size_t loglen)
{
	struct mdc_admit_addr a;
	char at[64], line[256];
	int i, pending = 0;

	mdc_admit_addr_of(peer, &a);
	mdc_admit_addr_text(&a, at, sizeof(at));
	for (i = 0; i < t->n; i++)
		if (!t->s[i].authed && addr_eq(&t->s[i].addr, &a))
			pending++;
	if (t->n < MDC_ADMIT_MAX && pending < t->per_addr)
		return 0;
	if (t->n >= MDC_ADMIT_MAX) {
		snprintf(text, textlen, "the agent is busy, try later");
		snprintf(line, sizeof(line),
		         "refused a connection from %s: %d connections "
		         "already",
		         at, t->n);
	} else {
		snprintf(text, textlen,
		         "too many connections from %s are authenticating, "
		         "try later",
		         at);
		snprintf(line, sizeof(line),
		         "refused a connection from %s: %d connections from it "
		         "are authenticating",
		         at, pending);
	}
	refusal_log(t, line, log, loglen);
	return MDC_EAGAIN;
}

void
mdc_admit_add(struct mdc_admit *t, pid_t pid, const struct sockaddr *peer)
{
	if (t->n >= MDC_ADMIT_MAX)
		return;
	memset(&t->s[t->n], 0, sizeof(t->s[0]));
	t->s[t->n].pid = pid;
	mdc_admit_addr_of(peer, &t->s[t->n].addr);
	t->n++;
}

int
mdc_admit_remove(struct mdc_admit *t, pid_t pid, struct mdc_admit_slot *out)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (t->s[i].pid == pid) {
			*out = t->s[i];
			t->s[i] = t->s[--t->n];
			return 1;
		}
	return 0;
}

void
mdc_admit_child_start(struct mdc_admit *t, int timeout_s)
{
	close(t->pipe[0]);
	t->pipe[0] = -1;
	(void)signal(SIGALRM, SIG_DFL);
	alarm((unsigned)(timeout_s > 0 ? timeout_s : MDC_ADMIT_TIMEOUT_S));
}

void
mdc_admit_passed(struct mdc_admit *t)
{
	pid_t pid = getpid();

	alarm(0);
	if (t->pipe[1] < 0)
		return;
	(void)!write(t->pipe[1], &pid, sizeof(pid));
	close(t->pipe[1]);
	t->pipe[1] = -1;
}

/* Is a's name (PTR) inside domain, with a among that name's addresses? */
static int
registered(const struct sockaddr *peer, const struct mdc_admit_addr *a,
           const char *domain, char *name, size_t namelen)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct mdc_admit_addr b;
	size_t n, d = strlen(domain);
	int yes = 0;

	if (getnameinfo(peer,
	                peer->sa_family == AF_INET6
	                        ? sizeof(struct sockaddr_in6)
	                        : sizeof(struct sockaddr_in),
	                name, (socklen_t)namelen, NULL, 0, NI_NAMEREQD) != 0)
		return 0;
	n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		name[--n] = '\0';
	if (d == 0 || n <= d + 1 || name[n - d - 1] != '.' ||
	    strcasecmp(name + n - d, domain) != 0)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL && !yes; ai = ai->ai_next) {
		mdc_admit_addr_of(ai->ai_addr, &b);
		yes = addr_eq(a, &b);
	}
	freeaddrinfo(res);
	return yes;
}

static int
is_loopback(const struct mdc_admit_addr *a)
{
	static const unsigned char v6[16] = {[15] = 1};

	return (a->family == AF_INET && a->a[0] == 127) ||
	       (a->family == AF_INET6 && memcmp(a->a, v6, 16) == 0);
}

int
mdc_admit_peer_check(const struct mdc_admit_peer *p, char *text, size_t textlen)
{
	struct mdc_admit_addr a, l;
	struct mdc_mig_state st;
	const char *domain = strchr(p->self, '.');
	char at[64], name[NI_MAXHOST];

	mdc_admit_addr_of(p->peer, &a);
	mdc_admit_addr_of(p->local, &l);
	mdc_admit_addr_text(&a, at, sizeof(at));
	/* loopback, or the address it connected to: from this host */
	if (is_loopback(&a) || (a.family != 0 && addr_eq(&a, &l))) {
		snprintf(text, textlen, "%s is this host", at);
		return 0;
	}
	if (mdc_mig_state_load(p->state, &st, NULL) == 0 &&
	    mdc_mig_state_allows(&st, p->peer)) {
		snprintf(text, textlen, "%s is in a migration network", at);
		return 0;
	}
	if (a.family != 0 && domain != NULL &&
	    registered(p->peer, &a, domain + 1, name, sizeof(name))) {
		snprintf(text, textlen, "%s is the registered address of %s",
		         at, name);
		return 0;
	}
	snprintf(text, textlen,
	         "refused by %s: %s is neither in a migration network of %s "
	         "nor the registered address of a host of its domain",
	         p->self, at, p->self);
	return MDC_EDENIED;
}
