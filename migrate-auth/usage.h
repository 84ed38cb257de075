/* migrate-auth/usage.h - minidc-migrate's usage texts, per command */
#ifndef MDC_MIG_USAGE_H
#define MDC_MIG_USAGE_H

/*
 * The usage of one command ("agent", "move", "vm", ...): "usage: ..."
 * lines then a short description of each option; NULL for a command
 * that does not exist.  mdc_mig_usage() (migrate.h) lists every command.
 */
const char *mdc_mig_cmd_usage(const char *cmd);

#endif
