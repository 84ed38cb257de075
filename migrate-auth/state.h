/* migrate-auth/state.h - a host's migration settings (DIR/migrate.conf) */
#ifndef MDC_MIG_STATE_H
#define MDC_MIG_STATE_H

#include <sys/socket.h>

#include "lib/err.h"
#include "migrate-auth/proto.h"

#define MDC_MIG_MAX_NETS 64

/*
 * DIR/migrate.conf, lib/conf.h's INI dialect:
 *   [migration]
 *   enabled = yes|no          (Enable-VMMigration / Disable-VMMigration)
 *   networks = 10.0.0.0/8 192.168.1.0/24   (Add-VMMigrationNetwork)
 *   max-migrations = 2        (live moves at once per agent, 1..64)
 *   [vm]
 *   accel = auto|kvm|tcg      (QEMU's accelerator, doc/vm.md)
 *   [agent]                   (minidc-migrate agent's settings, all
 *   listen = ADDR:PORT         optional: the command line wins)
 *   keytab = FILE
 *   state-dir = DIR
 *   storage-dir = DIR
 *   principal = migrate/FQDN
 *   auth-timeout = 5          (s from a connection to its request, 1..120)
 *   auth-per-address = 8      (connections authenticating per address)
 * A missing file is the default state: disabled, no networks, auto, no
 * agent settings.  Saving keeps the [agent] section as loaded.
 */
#define MDC_MIG_MAX_SETTING 255
struct mdc_mig_agent_settings {
	/* "" = not set */
	char listen[MDC_MIG_MAX_SETTING + 1], keytab[MDC_MIG_MAX_SETTING + 1];
	char state[MDC_MIG_MAX_SETTING + 1], storage[MDC_MIG_MAX_SETTING + 1];
	char principal[MDC_MIG_MAX_SETTING + 1];
	int auth_timeout;     /* auth-timeout, seconds (5) */
	int auth_per_address; /* auth-per-address (8) */
};

struct mdc_mig_state {
	struct mdc_mig_agent_settings agent;
	int enabled;
	char accel[8];      /* "auto", "kvm" or "tcg" */
	int max_migrations; /* [migration] max-migrations: moves at once (2) */
	size_t nnets;
	struct mdc_mig_cidr nets[MDC_MIG_MAX_NETS];
};

/* Load DIR/migrate.conf into *out; e (may be NULL) gets a one-line reason
 * on failure.  Returns 0 or MDC_ECONF/MDC_E*. */
MDC_MUSTCHECK int mdc_mig_state_load(const char *dir, struct mdc_mig_state *out,
                                     struct mdc_err *e);
/* The same from the file at path (which must exist). */
MDC_MUSTCHECK int mdc_mig_state_load_file(const char *path,
                                          struct mdc_mig_state *out,
                                          struct mdc_err *e);
/* Write st to DIR/migrate.conf atomically (DIR is created 0700). */
MDC_MUSTCHECK int mdc_mig_state_save(const char *dir,
                                     const struct mdc_mig_state *st);
/* Add c (MDC_EEXIST if present, MDC_ERANGE if full) / remove c
 * (MDC_ENOENT if absent). */
MDC_MUSTCHECK int mdc_mig_state_add(struct mdc_mig_state *st,
                                    const struct mdc_mig_cidr *c);
MDC_MUSTCHECK int mdc_mig_state_remove(struct mdc_mig_state *st,
                                       const struct mdc_mig_cidr *c);
/* True if sa is inside one of st's networks. */
int mdc_mig_state_allows(const struct mdc_mig_state *st,
                         const struct sockaddr *sa);

#endif
