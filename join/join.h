/* join/join.h - minidc-join: enroll this host in an AD-style domain */
#ifndef MDC_JOIN_H
#define MDC_JOIN_H

#include <stddef.h>

#include "lib/err.h"

/*
 * The library behind minidc-join (doc/join.md).  It never
 * logs or exits: every function returns 0 or MDC_E* and, on failure, fills
 * a struct mdc_err with a short "what" (the step) and "why" (the
 * reason), which the program prints as one line.
 */

#define MDC_JOIN_NAME_MAX 254 /* a DNS name */
#define MDC_JOIN_SAM_MAX  17  /* 15 NetBIOS characters, '$', NUL */

enum mdc_join_cmd {
	MDC_JOIN_CMD_NONE = 0,
	MDC_JOIN_CMD_JOIN,
	MDC_JOIN_CMD_STATUS,
	MDC_JOIN_CMD_LEAVE,
	MDC_JOIN_CMD_ROTATE,
};

/*
 * Parsed command line.  Pointers alias argv (not owned); the fixed
 * buffers are filled by mdc_join_derive().
 */
struct mdc_join_opts {
	enum mdc_join_cmd cmd;
	const char *cmdname;       /* "join", ... ("minidc-join" before) */
	const char *domain_arg;    /* --domain */
	const char *server;        /* --server ADDR: no discovery */
	const char *host_arg;      /* --host-fqdn */
	const char *user;          /* -U as given, default Administrator */
	const char *password_file; /* --password-file (0600) */
	int stdin_password;        /* --stdin-password */
	const char *keytab;        /* --keytab, default /etc/krb5.keytab */
	const char *krb5_conf_out; /* --krb5-conf-out: write it, even over
	                            * a file (kept as PATH.bak) */
	const char *krb5_conf;     /* --krb5-conf: the host's krb5.conf */
	/* The host's krb5.conf, written by join when it does not exist: set
	 * by the program (--krb5-conf, else $KRB5_CONFIG's first file, else
	 * /etc/krb5.conf); NULL or --no-krb5-conf: none. */
	const char *krb5_conf_host;
	int no_krb5_conf;    /* --no-krb5-conf */
	const char *host_ip; /* --host-ip: the address to register */
	int no_dns;          /* --no-dns-update */
	int help;            /* --help: print usage, exit 0 */
	/* Derived (mdc_join_derive). */
	char domain[MDC_JOIN_NAME_MAX + 1]; /* example.com */
	char realm[MDC_JOIN_NAME_MAX + 1];  /* EXAMPLE.COM */
	char fqdn[MDC_JOIN_NAME_MAX + 1];   /* host2.example.com */
	char shortname[16];                 /* HOST2 */
	char sam[MDC_JOIN_SAM_MAX];         /* HOST2$ */
	/* -U without a NETBIOS\ prefix or an @domain suffix: the admin's
	 * principal is admin_name@realm. */
	char admin_name[MDC_JOIN_NAME_MAX + 1];
};

/* The usage text (static). */
const char *mdc_join_usage(void);

/*
 * Parse argv (argv[0] is the program, argv[1] the command).  Passwords are
 * never accepted as arguments.  Returns 0, or MDC_EINVAL with e filled
 * (unknown command or option, missing value, conflicting options).
 */
MDC_MUSTCHECK int mdc_join_parse(int argc, char **argv, struct mdc_join_opts *o,
                                 struct mdc_err *e);

/*
 * Fill domain/realm/fqdn/shortname/sam from --domain and --host-fqdn, and
 * admin_name from -U (NAME, NETBIOS\NAME or NAME@domain-or-realm)
 * (hostname, when not given, is the fallback: a single label gets the
 * domain appended).  The host must be a valid DNS name whose first label
 * has at most 15 characters.  Returns 0 or MDC_EINVAL with e filled.
 */
MDC_MUSTCHECK int mdc_join_derive(struct mdc_join_opts *o, const char *hostname,
                                  struct mdc_err *e);

/*
 * AD's Kerberos salt of a computer account: REALM "host" lower(name
 * without '$') "." lower(domain), e.g. EXAMPLE.COMhosthost2.example.com
 * (ad/salt.h, the rule the KDC uses), copied into out.  Returns 0,
 * MDC_EINVAL (sam without '$' or empty), MDC_ESPACE, MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_join_salt(const char *realm, const char *sam,
                                const char *domain, char *out, size_t cap);

/* The SPNs of a computer: host/, RestrictedKrbHost/, migrate/ with the
 * short name and the FQDN (6 new strings in spns, caller frees them with
 * mdc_join_spns_free).  Returns 0 or MDC_ENOMEM. */
#define MDC_JOIN_NSPN 6
MDC_MUSTCHECK int mdc_join_spns(const struct mdc_join_opts *o,
                                char *spns[MDC_JOIN_NSPN]);
void mdc_join_spns_free(char *spns[MDC_JOIN_NSPN]);

/* The krb5.conf text for the realm with the KDC at addr (new string). */
char *mdc_join_krb5_conf(const struct mdc_join_opts *o, const char *addr);

/*
 * Run the parsed command (talks to the network, writes files).  Progress
 * and results go to the out callback (one line each, no secrets).
 * Returns 0 or MDC_E* with e filled.
 */
typedef void (*mdc_join_print)(void *arg, const char *line);
MDC_MUSTCHECK int mdc_join_run(struct mdc_join_opts *o, mdc_join_print out,
                               void *arg, struct mdc_err *e);

#endif
