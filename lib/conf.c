/* lib/conf.c - the project's INI parser, driven by a schema table */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/conf.h"
#include "lib/util.h"

#define FIELD(target, item) ((char *)(target) + (item)->offset)

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static const struct mdc_conf_item *
find_item(const struct mdc_conf_item *items, const char *sec, const char *key)
{
	for (; items->key != NULL; items++)
		if (strcasecmp(items->section, sec) == 0 &&
		    strcasecmp(items->key, key) == 0)
			return items;
	return NULL;
}

/* Store text into the field described by it; returns 0 or MDC_ECONF. */
static int
set_value(const struct mdc_conf_item *it, void *target, const char *text)
{
	char *end, *copy;
	long v;

	switch (it->type) {
	case MDC_CONF_STR:
		copy = strdup(text);
		if (copy == NULL)
			return MDC_ENOMEM;
		free(*(char **)FIELD(target, it));
		*(char **)FIELD(target, it) = copy;
		return 0;
	case MDC_CONF_BOOL:
		if (strcasecmp(text, "yes") == 0 ||
		    strcasecmp(text, "true") == 0 || strcmp(text, "1") == 0)
			v = 1;
		else if (strcasecmp(text, "no") == 0 ||
		         strcasecmp(text, "false") == 0 ||
		         strcmp(text, "0") == 0)
			v = 0;
		else
			return MDC_ECONF;
		*(long *)FIELD(target, it) = v;
		return 0;
	case MDC_CONF_INT:
		errno = 0;
		v = strtol(text, &end, 10);
		if (errno != 0 || end == text || *end != '\0' || v < it->min ||
		    v > it->max)
			return MDC_ECONF;
		*(long *)FIELD(target, it) = v;
		return 0;
	}
	return MDC_ECONF;
}

int
mdc_conf_defaults(const struct mdc_conf_item *items, void *target)
{
	int ret;

	for (; items->key != NULL; items++) {
		if (items->def == NULL)
			continue;
		ret = set_value(items, target, items->def);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* Parse one non-blank, non-comment line. */
static int
parse_line(char *line, char *section, size_t seclen,
           const struct mdc_conf_item *items, void *target, struct mdc_err *err)
{
	const struct mdc_conf_item *it;
	char *eq, *key, *val;

	if (*line == '[') {
		char *close = strchr(line, ']');

		if (close == NULL || close[1] != '\0')
			return mdc_err_set(err, MDC_ECONF,
			                   "malformed section header");
		*close = '\0';
		snprintf(section, seclen, "%s", trim(line + 1));
		return 0;
	}
	eq = strchr(line, '=');
	if (eq == NULL)
		return mdc_err_set(err, MDC_ECONF, "expected key = value");
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	it = find_item(items, section, key);
	if (it == NULL)
		return mdc_err_set(err, MDC_ECONF, "unknown key [%.64s] %.64s",
		                   section, key);
	if (set_value(it, target, val) == 0)
		return 0;
	/* Name the key and what it takes. */
	if (it->type == MDC_CONF_INT)
		mdc_err_set(err, MDC_ECONF,
		            "value out of range: [%s] %s = %.64s (expected a "
		            "number in %ld-%ld)",
		            it->section, it->key, val, it->min, it->max);
	else if (it->type == MDC_CONF_BOOL)
		mdc_err_set(err, MDC_ECONF,
		            "bad value: [%s] %s = %.64s (expected yes "
		            "or no)",
		            it->section, it->key, val);
	else
		mdc_err_set(err, MDC_ECONF, "[%s] %s: out of memory",
		            it->section, it->key);
	return MDC_ECONF;
}

int
mdc_conf_load(const char *path, const struct mdc_conf_item *items, void *target,
              struct mdc_err *err)
{
	char line[4096], section[128] = "", *p;
	const struct mdc_conf_item *it;
	FILE *f = NULL;
	int ret, lineno = 0;

	ret = mdc_conf_defaults(items, target);
	if (ret != 0)
		goto out;
	f = fopen(path, "re");
	if (f == NULL) {
		ret = mdc_err_set(err, MDC_ECONF, "%s: %s", path,
		                  strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		p = trim(line);
		if (*p == '\0' || *p == '#' || *p == ';')
			continue;
		ret = parse_line(p, section, sizeof(section), items, target,
		                 err);
		if (ret != 0) {
			mdc_err_prefix(err, ret, "%s:%d", path, lineno);
			goto out;
		}
	}
	for (it = items; it->key != NULL; it++) {
		if (it->type == MDC_CONF_STR &&
		    *(char **)FIELD(target, it) == NULL) {
			ret = mdc_err_set(err, MDC_ECONF, "%s: missing [%s] %s",
			                  path, it->section, it->key);
			goto out;
		}
	}
	ret = 0;
out:
	if (f != NULL)
		fclose(f);
	return ret;
}

int
mdc_conf_save(const char *path, const struct mdc_conf_item *items,
              const void *target)
{
	const struct mdc_conf_item *it;
	const char *cur = "", *base;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int ret;

	mem = open_memstream(&text, &len);
	if (mem == NULL)
		return MDC_ENOMEM;
	/* Named for the file: minidc.conf(5) and migrate.conf(5) alike. */
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	fprintf(mem, "# %s: minidc configuration, see %s(5)\n", base, base);
	for (it = items; it->key != NULL; it++) {
		const char *f = (const char *)target + it->offset;

		if (strcmp(cur, it->section) != 0) {
			fprintf(mem, "\n[%s]\n", it->section);
			cur = it->section;
		}
		if (it->type == MDC_CONF_STR)
			fprintf(mem, "%s = %s\n", it->key,
			        *(char *const *)f ? *(char *const *)f : "");
		else if (it->type == MDC_CONF_BOOL)
			fprintf(mem, "%s = %s\n", it->key,
			        *(const long *)f ? "yes" : "no");
		else
			fprintf(mem, "%s = %ld\n", it->key, *(const long *)f);
	}
	if (fclose(mem) != 0) {
		free(text);
		return MDC_ENOMEM;
	}
	ret = mdc_file_write(path, text, len, 0644);
	free(text);
	return ret;
}

void
mdc_conf_free(const struct mdc_conf_item *items, void *target)
{
	for (; items->key != NULL; items++) {
		if (items->type != MDC_CONF_STR)
			continue;
		free(*(char **)FIELD(target, items));
		*(char **)FIELD(target, items) = NULL;
	}
}
