/* lib/conf.h - table-driven INI configuration: parse, check, look up, write */
#ifndef MDC_CONF_H
#define MDC_CONF_H

#include <stddef.h>

#include "lib/err.h"

/*
 * The format is one INI dialect for all of minidc:
 *   # comment
 *   [section]
 *   key = value
 * Keys and sections are case-insensitive, values are taken verbatim after
 * trimming blanks.  A schema table lists every allowed key with its type,
 * default and bounds; unknown keys and out-of-range values are errors with
 * the file's line number, so `minidc check-config` reuses the same parser.
 */
enum mdc_conf_type { MDC_CONF_STR, MDC_CONF_INT, MDC_CONF_BOOL };

struct mdc_conf_item {
	const char *section;
	const char *key;
	enum mdc_conf_type type;
	const char *def; /* default as text; NULL means required */
	long min, max;   /* bounds for MDC_CONF_INT */
	size_t offset;   /* offset of the char * or long field in the target
	                    struct */
};

/*
 * Parse the file at path into target according to items (terminated by an
 * entry with key NULL).  String fields become malloc'd copies owned by the
 * target (free with mdc_conf_free).  On failure returns MDC_ECONF and writes
 * a one-line reason ("minidc.conf:12: unknown key [dns] prot") into err
 * (may be NULL).
 */
MDC_MUSTCHECK int mdc_conf_load(const char *path,
                                const struct mdc_conf_item *items, void *target,
                                struct mdc_err *err);
/* Fill target with the defaults of items (strings are strdup'd). */
MDC_MUSTCHECK int mdc_conf_defaults(const struct mdc_conf_item *items,
                                    void *target);
/* Write target back as an INI file (0644), grouped by section in table order,
 * headed "# <file name>: minidc configuration, see <file name>(5)". */
MDC_MUSTCHECK int mdc_conf_save(const char *path,
                                const struct mdc_conf_item *items,
                                const void *target);
/* Free the string fields of target (not target itself). */
void mdc_conf_free(const struct mdc_conf_item *items, void *target);

#endif
