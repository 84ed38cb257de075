/* ad/filter.h - LDAP search filter values */
#ifndef MDC_AD_FILTER_H
#define MDC_AD_FILTER_H

/*
 * RFC 4515-escape s for use as an assertion value in a search filter
 * ("a*b" -> "a\2ab"): a new string the caller frees with free(), or NULL
 * on allocation failure.  Every filter built from a name, DN or principal
 * a client sent goes through it, so none can change a filter's meaning.
 */
char *mdc_ad_filter_escape(const char *s);

#endif
