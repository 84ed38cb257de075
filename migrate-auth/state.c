/* migrate-auth/state.c - a host's migration settings (DIR/migrate.conf) */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"
#include "lib/util.h"
#include "migrate-auth/state.h"

struct state_file {
	long enabled;
	char *networks;
	char *accel;
	long max_migrations;
	char *agent[5]; /* listen, keytab, state-dir, storage-dir, principal */
	long auth_timeout, auth_per_address;
};

#define AGENT_ITEM(i, key)                                                     \
	{                                                                      \
		"agent", key, MDC_CONF_STR, "", 0, 0,                          \
		        offsetof(struct state_file, agent) +                   \
		                (i) * sizeof(char *)                           \
	}

static const struct mdc_conf_item items[] = {
        {"migration", "enabled", MDC_CONF_BOOL, "no", 0, 0,
         offsetof(struct state_file, enabled)},
        {"migration", "networks", MDC_CONF_STR, "", 0, 0,
         offsetof(struct state_file, networks)},
        {"migration", "max-migrations", MDC_CONF_INT, "2", 1, 64,
         offsetof(struct state_file, max_migrations)},
        {"vm", "accel", MDC_CONF_STR, "auto", 0, 0,
         offsetof(struct state_file, accel)},
        AGENT_ITEM(0, "listen"),
        AGENT_ITEM(1, "keytab"),
        AGENT_ITEM(2, "state-dir"),
        AGENT_ITEM(3, "storage-dir"),
        AGENT_ITEM(4, "principal"),
        {"agent", "auth-timeout", MDC_CONF_INT, "5", 1, 120,
         offsetof(struct state_file, auth_timeout)},
        {"agent", "auth-per-address", MDC_CONF_INT, "8", 1, 64,
         offsetof(struct state_file, auth_per_address)},
        {NULL, NULL, MDC_CONF_STR, NULL, 0, 0, 0},
};

static int
parse_networks(char *list, struct mdc_mig_state *st, struct mdc_err *e)
{
	char *save = NULL, *tok;
	struct mdc_mig_cidr c;

	for (tok = strtok_r(list, " \t,", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t,", &save)) {
		if (mdc_mig_cidr_parse(tok, &c) != 0)
			return mdc_err_set(e, MDC_ECONF,
			                   "migrate.conf: bad network %.64s",
			                   tok);
		if (mdc_mig_state_add(st, &c) == MDC_ERANGE)
			return mdc_err_set(e, MDC_ECONF,
			                   "migrate.conf: more than %d "
			                   "networks",
			                   MDC_MIG_MAX_NETS);
	}
	return 0;
}

/* The [agent] strings into st's fixed fields (f.agent in table order). */
static int
agent_settings(const struct state_file *f, struct mdc_mig_agent_settings *a,
               struct mdc_err *e)
{
	char *fields[] = {a->listen, a->keytab, a->state, a->storage,
	                  a->principal};
	static const char *keys[] = {"listen", "keytab", "state-dir",
	                             "storage-dir", "principal"};
	size_t i;

	for (i = 0; i < 5; i++) {
		if (strlen(f->agent[i]) > MDC_MIG_MAX_SETTING)
			return mdc_err_set(e, MDC_ECONF,
			                   "migrate.conf: [agent] %s is longer "
			                   "than %d",
			                   keys[i], MDC_MIG_MAX_SETTING);
		memcpy(fields[i], f->agent[i], strlen(f->agent[i]) + 1);
	}
	return 0;
}

static int
load_path(const char *path, int must_exist, struct mdc_mig_state *out,
          struct mdc_err *e)
{
	struct state_file f;
	struct mdc_mig_state st;
	struct mdc_err local;
	int ret;

	if (e == NULL) /* lib/conf.h wants a buffer */
		e = &local;
	memset(&f, 0, sizeof(f));
	memset(&st, 0, sizeof(st));
	if (!must_exist && !mdc_path_exists(path))
		ret = mdc_conf_defaults(items, &f);
	else
		ret = mdc_conf_load(path, items, &f, e);
	if (ret != 0)
		goto out;
	if ((ret = agent_settings(&f, &st.agent, e)) != 0)
		goto out;
	st.agent.auth_timeout = (int)f.auth_timeout;
	st.agent.auth_per_address = (int)f.auth_per_address;
	st.enabled = f.enabled != 0;
	st.max_migrations = (int)f.max_migrations;
	if (strcmp(f.accel, "auto") != 0 && strcmp(f.accel, "kvm") != 0 &&
	    strcmp(f.accel, "tcg") != 0) {
		ret = mdc_err_set(e, MDC_ECONF,
		                  "migrate.conf: accel is auto, kvm or tcg");
		goto out;
	}
	memcpy(st.accel, f.accel, strlen(f.accel) + 1);
	if ((ret = parse_networks(f.networks, &st, e)) != 0)
		goto out;
	*out = st;
out:
	mdc_conf_free(items, &f);
	return ret;
}

int
mdc_mig_state_load_file(const char *path, struct mdc_mig_state *out,
                        struct mdc_err *e)
{
	return load_path(path, 1, out, e);
}

int
mdc_mig_state_load(const char *dir, struct mdc_mig_state *out,
                   struct mdc_err *e)
{
	char *path = mdc_strdupf("%s/migrate.conf", dir);
	int ret;

	if (path == NULL)
		return mdc_err_set(e, MDC_ENOMEM, "out of memory");
	ret = load_path(path, 0, out, e);
	free(path);
	return ret;
}

int
mdc_mig_state_save(const char *dir, const struct mdc_mig_state *st)
{
	struct state_file f;
	char nets[MDC_MIG_MAX_NETS * 56 + 1], one[64];
	char *path = NULL;
	size_t i, n = 0;
	int ret;

	nets[0] = '\0';
	for (i = 0; i < st->nnets; i++) {
		mdc_mig_cidr_format(&st->nets[i], one, sizeof(one));
		n += (size_t)snprintf(nets + n, sizeof(nets) - n, "%s%s",
		                      i ? " " : "", one);
	}
	f.enabled = st->enabled;
	f.networks = nets;
	f.accel = (char *)(st->accel[0] ? st->accel : "auto");
	f.max_migrations = st->max_migrations ? st->max_migrations : 2;
	f.agent[0] = (char *)st->agent.listen;
	f.agent[1] = (char *)st->agent.keytab;
	f.agent[2] = (char *)st->agent.state;
	f.agent[3] = (char *)st->agent.storage;
	f.agent[4] = (char *)st->agent.principal;
	f.auth_timeout = st->agent.auth_timeout ? st->agent.auth_timeout : 5;
	f.auth_per_address =
	        st->agent.auth_per_address ? st->agent.auth_per_address : 8;
	if ((ret = mdc_mkdir_p(dir, 0700)) != 0)
		return ret;
	if ((path = mdc_strdupf("%s/migrate.conf", dir)) == NULL)
		return MDC_ENOMEM;
	ret = mdc_conf_save(path, items, &f);
	free(path);
	return ret;
}

static int
cidr_eq(const struct mdc_mig_cidr *a, const struct mdc_mig_cidr *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

int
mdc_mig_state_add(struct mdc_mig_state *st, const struct mdc_mig_cidr *c)
{
	size_t i;

	for (i = 0; i < st->nnets; i++)
		if (cidr_eq(&st->nets[i], c))
			return MDC_EEXIST;
	if (st->nnets >= MDC_MIG_MAX_NETS)
		return MDC_ERANGE;
	st->nets[st->nnets++] = *c;
	return 0;
}

int
mdc_mig_state_remove(struct mdc_mig_state *st, const struct mdc_mig_cidr *c)
{
	size_t i;

	for (i = 0; i < st->nnets; i++) {
		if (!cidr_eq(&st->nets[i], c))
			continue;
		memmove(&st->nets[i], &st->nets[i + 1],
		        (st->nnets - i - 1) * sizeof(st->nets[0]));
		st->nnets--;
		return 0;
	}
	return MDC_ENOENT;
}

int
mdc_mig_state_allows(const struct mdc_mig_state *st, const struct sockaddr *sa)
{
	size_t i;

	for (i = 0; i < st->nnets; i++)
		if (mdc_mig_cidr_match(&st->nets[i], sa))
			return 1;
	return 0;
}
