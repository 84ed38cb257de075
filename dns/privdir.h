/* dns/privdir.h - DIR/run/dns: all the DNS server opens after dropping root */
#ifndef DNS_PRIVDIR_H
#define DNS_PRIVDIR_H

#include <stddef.h>

#include "dns/conf.h"
#include "lib/err.h"
#include "lib/privdrop.h"

/* The DNS server's directory, relative to DIR: root's, 0755 (it reads). */
#define DNS_PRIVDIR "run/dns"
/* Inside it, the replay cache's: MDC_PRIVDROP_USER's, 0700 (it writes). */
#define DNS_RCACHEDIR "rcache"

/*
 * Before the drop (as root): make conf->privdir (DIR/run/dns) and its
 * rcache/ (given to MDC_PRIVDROP_USER), copy conf->krb5_conf into it, enter it,
 * and point the Kerberos library at "./krb5.conf" and the replay cache at
 * "./rcache" (overriding whatever KRB5_CONFIG and KRB5RCACHEDIR the server
 * inherited). Together with the keytab copied into memory (ad/tsig.h) and the
 * directory connections opened before the drop, that is every file the server
 * opens afterwards, reachable wherever DIR lives.  Root never writes into the
 * directory it gives away.  Sets *id_out to whom to become
 * (mdc_privdrop_enter(".", id) once the ports are bound).  On failure
 * returns MDC_E* with one line in err.
 */
MDC_MUSTCHECK int dns_privdir_prepare(const struct dns_conf *conf,
                                      struct mdc_privdrop_id *id_out,
                                      struct mdc_err *err);

/*
 * The layout check of `minidc provision` and `minidc run` (the service's
 * check hook): make the directories as dns_privdir_prepare() does and try
 * them as the unprivileged user in a child process.  Returns 0, or MDC_E*
 * with one line in err saying what cannot work.
 */
MDC_MUSTCHECK int dns_privdir_check(const struct dns_conf *conf,
                                    struct mdc_err *err);

#endif
