/* dc/acctname.h - validity of account names and SPNs given to the admin CLI */
#ifndef MDC_ACCTNAME_H
#define MDC_ACCTNAME_H

/*
 * True if name is a valid sAMAccountName (1-20 characters, none of
 * "/\[]:;|=,+*?<>@ or control characters, not only dots and spaces);
 * computer accounts (computer != 0) must end with '$'.
 */
int mdc_sam_valid(const char *name, int computer);
/* True if spn looks like service/host[:port][/name] (no spaces/controls). */
int mdc_spn_valid(const char *spn);

#endif
