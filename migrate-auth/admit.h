/* migrate-auth/admit.h - which connections the agent serves, and for how
 * long, before anyone has authenticated */
#ifndef MDC_MIG_ADMIT_H
#define MDC_MIG_ADMIT_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "lib/err.h"

#define MDC_ADMIT_MAX       64 /* connections served at once */
#define MDC_ADMIT_TIMEOUT_S 5  /* [agent] auth-timeout's default */
#define MDC_ADMIT_PER_ADDR  8  /* [agent] auth-per-address's default */

/* A peer's address, v4-mapped IPv6 as IPv4 (the unit of the limits). */
struct mdc_admit_addr {
	int family; /* AF_INET, AF_INET6, or 0 for anything else */
	unsigned char a[16];
};

/* One connection child. */
struct mdc_admit_slot {
	pid_t pid;
	struct mdc_admit_addr addr;
	int authed; /* its request has been read: out of the limits */
};

/*
 * The agent's table of connection children.  A child is "authenticating"
 * from its fork until it has read its request (GSS context and first
 * message); it tells the agent through a pipe.  Until then it counts
 * against its address's limit, and it dies of SIGALRM at the deadline.
 */
struct mdc_admit {
	struct mdc_admit_slot s[MDC_ADMIT_MAX];
	int n;
	int per_addr;   /* authenticating connections per address */
	int pipe[2];    /* children write their pid once authenticated */
	long last_log;  /* of a refusal line (monotonic s), and how many */
	unsigned quiet; /* refusals not logged since */
};

/* The address of sa (IPv4, IPv6, v4-mapped IPv6; else family 0). */
void mdc_admit_addr_of(const struct sockaddr *sa, struct mdc_admit_addr *out);
/* The address as text ("192.0.2.1", "2001:db8::1", "(unknown)"). */
void mdc_admit_addr_text(const struct mdc_admit_addr *a, char *out,
                         size_t outlen);

/* An empty table; per_addr <= 0 means MDC_ADMIT_PER_ADDR.  Returns 0 or
 * an MDC_E* from pipe2. */
MDC_MUSTCHECK int mdc_admit_init(struct mdc_admit *t, int per_addr);
/* The fd to poll: readable when a child has authenticated. */
int mdc_admit_fd(const struct mdc_admit *t);
/* Mark every child that said so as authenticated. */
void mdc_admit_drain(struct mdc_admit *t);

/*
 * May a new connection from peer be served?  0, or MDC_EAGAIN with text
 * (what the peer is told) when the table is full or its address already
 * has per_addr connections authenticating.  *log is set to the line to log
 * ("" when a line was logged less than a second ago: floods are counted,
 * not logged one by one).
 */
MDC_MUSTCHECK int mdc_admit_check(struct mdc_admit *t,
                                  const struct sockaddr *peer, char *text,
                                  size_t textlen, char *log, size_t loglen);
void mdc_admit_add(struct mdc_admit *t, pid_t pid, const struct sockaddr *peer);
/* Remove pid; returns 1 and its slot in *out if it was one of ours. */
int mdc_admit_remove(struct mdc_admit *t, pid_t pid,
                     struct mdc_admit_slot *out);

/* In a new child: die of SIGALRM after timeout_s (<= 0: the default)
 * unless mdc_admit_passed() comes first. */
void mdc_admit_child_start(struct mdc_admit *t, int timeout_s);
/* In the child, once its request is read: no deadline, tell the agent. */
void mdc_admit_passed(struct mdc_admit *t);

/* What the agent knows of a connection before any GSS work. */
struct mdc_admit_peer {
	const struct sockaddr *peer;  /* who connected */
	const struct sockaddr *local; /* the address it connected to */
	const char *self;             /* this host's fqdn */
	const char *state;            /* the state directory (networks) */
};

/*
 * The address check before authentication.  The peer is served if it is
 * this host itself (a loopback address, or the very address it connected
 * to), inside one of the agent's migration networks, or a registered host
 * of the domain: its address's name (PTR) lies in this host's DNS domain
 * and that name's addresses include it.  Anyone else gets no GSS work at
 * all.  Returns 0 (text: why admitted) or MDC_EDENIED (text: the refusal,
 * "refused by SELF: ...").
 */
MDC_MUSTCHECK int mdc_admit_peer_check(const struct mdc_admit_peer *p,
                                       char *text, size_t textlen);

#endif
