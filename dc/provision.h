/* dc/provision.h - create a new domain in a directory (minidc provision) */
#ifndef MDC_PROVISION_H
#define MDC_PROVISION_H

#include <stddef.h>

#include "lib/err.h"

/* --base-port N: every listener on N + offset (ad/dcconf.h), N in this range */
#define MDC_BASE_PORT_MIN 1024
#define MDC_BASE_PORT_MAX 65000

struct mdc_provision_opts {
	const char *domain;    /* example.com (required) */
	const char *realm;     /* default: upper-cased domain */
	const char *netbios;   /* default: first label upper-cased, <= 15 */
	const char *dir;       /* required */
	const char *host_name; /* default: dc1 */
	const char *host_ip;   /* default: 127.0.0.1 */
	const char *adminpass_file; /* NULL: generate, save 0600 */
	int base_port;              /* 0: standard ports */
	int force;                  /* replace an existing minidc DIR */
	/* DNS forwarders ("ip[:port]", at most 4); none given and not
	 * no_forwarders: the machine's resolvers that are not this DC. */
	const char *forwarders[4];
	int nforwarders;
	int no_forwarders; /* --forwarder none */
	/* NULL: DIR/run is a directory; else DIR/run is a symlink to this
	 * directory (created; the installed layout keeps sockets and pid
	 * files in /run/minidc/<domain>). */
	const char *run_dir;
	/* --join-dc: a further DC of the domain that join_dc serves. */
	const char *join_dc;    /* dc1.example.com */
	const char *join_dc_ip; /* its address (default: resolved) */
	const char *user;       /* -U administrator, default Administrator */
	int stdin_password;     /* --stdin-password (else adminpass_file) */
};

/*
 * Create everything a DC needs in opts->dir (see ad/dcconf.h for the
 * layout).  Validates every input first; a failure after DIR was created
 * removes it again, and an existing DIR is never touched without force.
 * On failure err holds one line saying what and why.
 */
MDC_MUSTCHECK int mdc_provision(const struct mdc_provision_opts *opts,
                                struct mdc_err *err);

#endif
