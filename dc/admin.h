/* dc/admin.h - `minidc user|group|computer|delegation`: account administration
 */
#ifndef MDC_ADMIN_H
#define MDC_ADMIN_H

#include <stddef.h>

#include "dc/acctname.h" /* mdc_sam_valid(), mdc_spn_valid() */

/*
 * The subcommands (see dc/cmd.h for the calling convention).  All take
 * --dir DIR (or $MINIDC_DIR).  As root they act as the DC over
 * DIR/run/ldap/ldapi (dc/adwrite.h; writes get the dsa's rules in-process) and
 * set passwords as unicodePwd, which the dsa turns into keys in process
 * (dc/dsa_keys.h, the same derivation as kpasswd).  Not as root, or with
 * --kerberos, they act as the caller's Kerberos identity (GSSAPI to
 * ldap://<fqdn>): the dsa authorizes every write and turns unicodePwd into
 * keys.  Passwords are read from
 * --password-file F (0600), else a prompt on a terminal, else one line of
 * stdin; never from argv.
 */
int mdc_cmd_user(int argc, char **argv);
int mdc_cmd_group(int argc, char **argv);
int mdc_cmd_computer(int argc, char **argv);
int mdc_cmd_delegation(int argc, char **argv);

#endif
