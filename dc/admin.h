/* dc/admin.h - `minidc user|group|computer|delegation`: account administration
 */
#ifndef MDC_ADMIN_H
#define MDC_ADMIN_H

#include <stddef.h>

#include "dc/acctname.h" /* mdc_sam_valid(), mdc_spn_valid() */

/*
 * The subcommands (see dc/cmd.h for the calling convention).  All take
 * --dir DIR (or $MINIDC_DIR) and talk to the DC's directory as root over
 * DIR/run/ldapi (dc/adwrite.h); passwords go through kadmin.local so they
 * get the same key derivation as kpasswd (dc/kdb).  Passwords are read from
 * --password-file F (0600), else a prompt on a terminal, else one line of
 * stdin; never from argv.
 */
int mdc_cmd_user(int argc, char **argv);
int mdc_cmd_group(int argc, char **argv);
int mdc_cmd_computer(int argc, char **argv);
int mdc_cmd_delegation(int argc, char **argv);

#endif
