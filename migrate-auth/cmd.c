/* migrate-auth/cmd.c - minidc-migrate command line: state, move, agent */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>

#include "migrate-auth/agentconf.h"
#include "migrate-auth/check.h"
#include "migrate-auth/conn.h"
#include "migrate-auth/live.h"
#include "migrate-auth/migrate.h"
#include "migrate-auth/state.h"
#include "migrate-auth/usage.h"
#include "migrate-auth/vmdef.h"
#include "migrate-auth/vmsvc.h"

/* Parsed options of every command (NULL: not given). */
struct opts {
	const char *keytab, *listen, *state, *principal;
	const char *to, *via, *dest_addr, *direct;
	const char *storage_dir, *storage_path, *dest_path, *compress;
	const char *bandwidth, *downtime, *watchdog, *storage_bw;
	const char *config;
	int include_storage, no_encrypt, no_auto_converge, json, cancel, help;
	/* vm create / start */
	const char *memory, *kernel, *initrd, *append, *cpu_model;
	const char *disks[MDC_VM_MAX_DISKS], *nics[MDC_VM_MAX_NICS];
	int ndisks, nnics, compat, paused;
	const char *pos[2]; /* positional arguments after the command */
	int npos;
};

/* The options without a value and the repeatable ones: 1 if argv[*i]
 * was one (consumed), 0 if not, or MDC_EINVAL. */
static int
parse_flag(int argc, char **argv, int *i, struct opts *o, struct mdc_err *e)
{
	static const char *flags[] = {"--include-storage",
	                              "--no-encrypt",
	                              "--compat",
	                              "--paused",
	                              "--no-auto-converge",
	                              "--json",
	                              "--cancel",
	                              "--help",
	                              "-h",
	                              NULL};
	int *fslots[] = {&o->include_storage,
	                 &o->no_encrypt,
	                 &o->compat,
	                 &o->paused,
	                 &o->no_auto_converge,
	                 &o->json,
	                 &o->cancel,
	                 &o->help,
	                 &o->help};
	const char *a = argv[*i];
	int j, disk = strcmp(a, "--disk") == 0;

	for (j = 0; flags[j] != NULL; j++)
		if (strcmp(a, flags[j]) == 0) {
			*fslots[j] = 1;
			return 1;
		}
	if (!disk && strcmp(a, "--nic") != 0)
		return 0;
	if (*i + 1 >= argc)
		return mdc_err_set(e, MDC_EINVAL, "%s needs a value", a);
	if (disk ? o->ndisks >= MDC_VM_MAX_DISKS : o->nnics >= MDC_VM_MAX_NICS)
		return mdc_err_set(e, MDC_EINVAL, "at most %d %s",
		                   disk ? MDC_VM_MAX_DISKS : MDC_VM_MAX_NICS,
		                   disk ? "disks" : "NICs");
	if (disk)
		o->disks[o->ndisks++] = argv[++*i];
	else
		o->nics[o->nnics++] = argv[++*i];
	return 1;
}

static int
parse(int argc, char **argv, struct opts *o, struct mdc_err *e)
{
	static const char *names[] = {
	        "--keytab",       "--listen",    "--state",
	        "--principal",    "--to",        "--via",
	        "--dest-addr",    "--direct",    "--storage-dir",
	        "--storage-path", "--dest-path", "--compress",
	        "--memory",       "--kernel",    "--initrd",
	        "--append",       "--cpu-model", "--bandwidth",
	        "--downtime",     "--watchdog",  "--storage-bandwidth",
	        "--config",       NULL};
	const char **slots[] = {
	        &o->keytab,      &o->listen,       &o->state,     &o->principal,
	        &o->to,          &o->via,          &o->dest_addr, &o->direct,
	        &o->storage_dir, &o->storage_path, &o->dest_path, &o->compress,
	        &o->memory,      &o->kernel,       &o->initrd,    &o->append,
	        &o->cpu_model,   &o->bandwidth,    &o->downtime,  &o->watchdog,
	        &o->storage_bw,  &o->config};
	int i, j, ret;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc; i++) {
		if ((ret = parse_flag(argc, argv, &i, o, e)) < 0)
			return ret;
		if (ret == 1)
			continue;
		for (j = 0; names[j] != NULL; j++)
			if (strcmp(argv[i], names[j]) == 0)
				break;
		if (names[j] != NULL) {
			if (i + 1 >= argc)
				return mdc_err_set(e, MDC_EINVAL,
				                   "%s needs "
				                   "a value",
				                   argv[i]);
			*slots[j] = argv[++i];
		} else if (argv[i][0] == '-') {
			return mdc_err_set(e, MDC_EINVAL,
			                   "unknown option '%.64s'", argv[i]);
		} else if (o->npos >= 2) {
			return mdc_err_set(e, MDC_EINVAL,
			                   "unexpected argument '%.64s'",
			                   argv[i]);
		} else {
			o->pos[o->npos++] = argv[i];
		}
	}
	return 0;
}

static int
need(const char *v, const char *name, struct mdc_err *e)
{
	if (v == NULL)
		return mdc_err_set(e, MDC_EINVAL, "%s is required", name);
	return 0;
}

static int
load_state(const char *dir, struct mdc_mig_state *st, struct mdc_err *e)
{
	if (need(dir, "--state", e))
		return MDC_EINVAL;
	if (mdc_mig_state_load(dir, st, e) != 0)
		return MDC_ECONF;
	return 0;
}

static int
save_state(const char *dir, const struct mdc_mig_state *st, struct mdc_err *e)
{
	int ret = mdc_mig_state_save(dir, st);

	if (ret != 0)
		return mdc_err_set(e, ret, "%s/migrate.conf: %s", dir,
		                   mdc_strerror(ret));
	return 0;
}

static int
cmd_enable(const struct opts *o, int on, mdc_mig_say_fn say, void *arg,
           struct mdc_err *e)
{
	struct mdc_mig_state st;
	int ret;

	if (o->npos != 0)
		return mdc_err_set(e, MDC_EINVAL, "unexpected argument '%.64s'",
		                   o->pos[0]);
	if ((ret = load_state(o->state, &st, e)) != 0)
		return ret;
	st.enabled = on;
	if ((ret = save_state(o->state, &st, e)) != 0)
		return ret;
	say(arg, MDC_MIG_OUT, on ? "migration enabled" : "migration disabled");
	return 0;
}

static int
cmd_network(const struct opts *o, mdc_mig_say_fn say, void *arg,
            struct mdc_err *e)
{
	struct mdc_mig_state st;
	struct mdc_mig_cidr c;
	char line[80];
	size_t i;
	int ret, add;

	if ((ret = load_state(o->state, &st, e)) != 0)
		return ret;
	if (o->npos == 1 && strcmp(o->pos[0], "list") == 0) {
		for (i = 0; i < st.nnets; i++) {
			mdc_mig_cidr_format(&st.nets[i], line, sizeof(line));
			say(arg, MDC_MIG_OUT, line);
		}
		return 0;
	}
	if (o->npos != 2 ||
	    (strcmp(o->pos[0], "add") != 0 && strcmp(o->pos[0], "remove") != 0))
		return mdc_err_set(e, MDC_EINVAL,
		                   "network add|remove CIDR "
		                   "| network list");
	add = o->pos[0][0] == 'a';
	if (mdc_mig_cidr_parse(o->pos[1], &c) != 0)
		return mdc_err_set(e, MDC_EINVAL,
		                   "%.64s: not a network "
		                   "(ADDR/PREFIX, host bits zero)",
		                   o->pos[1]);
	ret = add ? mdc_mig_state_add(&st, &c) : mdc_mig_state_remove(&st, &c);
	mdc_mig_cidr_format(&c, line, sizeof(line));
	if (ret == MDC_EEXIST || ret == MDC_ENOENT)
		return mdc_err_set(e, ret, "%s: %s", line,
		                   add ? "already a migration network"
		                       : "not a migration network");
	if (ret != 0)
		return mdc_err_set(e, ret, "at most %d networks",
		                   MDC_MIG_MAX_NETS);
	if ((ret = save_state(o->state, &st, e)) != 0)
		return ret;
	snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s",
	         add ? "added to the migration networks"
	             : "removed from the migration networks");
	say(arg, MDC_MIG_OUT, line);
	return 0;
}

static int
storage_check(const struct opts *o, struct mdc_err *e)
{
	if (!o->include_storage) {
		if (o->storage_path || o->dest_path || o->compress ||
		    o->no_encrypt)
			return mdc_err_set(e, MDC_EINVAL,
			                   "storage options need "
			                   "--include-storage");
		return 0;
	}
	if (o->direct != NULL)
		return mdc_err_set(e, MDC_EINVAL,
		                   "--include-storage and "
		                   "--direct exclude each other");
	if (need(o->storage_path, "--storage-path", e))
		return MDC_EINVAL;
	if (o->storage_path[0] == '\0' ||
	    strlen(o->storage_path) > MDC_MIG_MAX_PATH)
		return mdc_err_set(e, MDC_EINVAL, "bad --storage-path");
	if (o->dest_path != NULL && !mdc_mig_file_ok(o->dest_path))
		return mdc_err_set(e, MDC_EINVAL,
		                   "--dest-path is a file name in the "
		                   "destination's storage directory "
		                   "([A-Za-z0-9._-], up to %d)",
		                   MDC_MIG_MAX_FILE);
	if (o->compress != NULL && strcmp(o->compress, "zstd") != 0 &&
	    strcmp(o->compress, "none") != 0)
		return mdc_err_set(e, MDC_EINVAL, "--compress zstd|none");
	return 0;
}

static int
move_check(const struct opts *o, struct mdc_err *e)
{
	if (o->npos != 1 || !mdc_mig_vm_ok(o->pos[0]))
		return mdc_err_set(e, MDC_EINVAL,
		                   "move needs one VM name "
		                   "([A-Za-z0-9._-], up to %d)",
		                   MDC_MIG_MAX_VM);
	if (o->cancel)
		return need(o->via, "--via", e);
	if (need(o->to, "--to", e) || need(o->via, "--via", e))
		return MDC_EINVAL;
	if (!mdc_mig_host_ok(o->to) ||
	    (o->direct != NULL && !mdc_mig_host_ok(o->direct)))
		return mdc_err_set(e, MDC_EINVAL, "not a host name");
	if (o->dest_addr != NULL && strlen(o->dest_addr) > MDC_MIG_MAX_ADDR)
		return mdc_err_set(e, MDC_EINVAL, "--dest-addr too long");
	return storage_check(o, e);
}

/* A number in [min, max] (of unit) from a command-line value. */
static int
number(const char *v, const char *name, const char *unit, unsigned long min,
       unsigned long max, uint32_t *out, struct mdc_err *e)
{
	char *end;
	unsigned long n;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || n < min ||
	    n > max)
		return mdc_err_set(e, MDC_EINVAL,
		                   "invalid %s '%.32s' (expected %lu-%lu %s)",
		                   name, v, min, max, unit);
	*out = (uint32_t)n;
	return 0;
}

/* The live request's parameters from the options. */
static int
live_params(const struct opts *o, struct mdc_mig_msg *m, uint8_t *blob,
            struct mdc_err *e)
{
	struct mdc_live_req q;
	uint32_t v = 0;
	int ret;

	mdc_live_req_init(&q);
	if ((ret = number(o->bandwidth, "--bandwidth", "MiB/s", 1, 1024 * 1024,
	                  &q.bandwidth_mib, e)) ||
	    (ret = number(o->storage_bw, "--storage-bandwidth", "MiB/s", 1,
	                  1024 * 1024, &q.storage_mib, e)) ||
	    (ret = number(o->downtime, "--downtime", "ms", 1,
	                  MDC_LIVE_MAX_DOWNTIME, &q.downtime_ms, e)))
		return ret;
	if ((ret = number(o->watchdog, "--watchdog", "s", 1, 3600, &v, e)) != 0)
		return ret;
	if (o->watchdog != NULL)
		q.watchdog_s = (uint16_t)v;
	if (o->include_storage)
		q.flags |= MDC_LIVE_FL_STORAGE;
	if (o->no_encrypt)
		q.flags |= MDC_LIVE_FL_PLAIN;
	if (o->no_auto_converge)
		q.flags |= MDC_LIVE_FL_NOCONV;
	if (o->cancel)
		q.flags |= MDC_LIVE_FL_CANCEL;
	if (o->storage_path != NULL)
		snprintf(q.storage_path, sizeof(q.storage_path), "%s",
		         o->storage_path);
	m->type = MDC_MIG_LIVE_MOVE;
	if (mdc_live_req_encode(&q, blob, MDC_LIVE_MAX_REQ, &m->datalen))
		return mdc_err_set(e, MDC_EINVAL, "bad move options");
	m->data = blob;
	return 0;
}

/* Today's messages: --direct, or the one-file copy (--dest-path and
 * --compress are its options); else a LIVE_MOVE, its request in blob
 * (MDC_LIVE_MAX_REQ bytes). */
static int
move_request(const struct opts *o, struct mdc_mig_msg *m, uint8_t *blob,
             struct mdc_err *e)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->vm, sizeof(m->vm), "%s", o->pos[0]);
	if (o->direct != NULL) {
		m->type = MDC_MIG_PREPARE;
		snprintf(m->host, sizeof(m->host), "%s", o->direct);
		return 0;
	}
	snprintf(m->host, sizeof(m->host), "%s", o->cancel ? "cancel" : o->to);
	if (o->dest_addr != NULL)
		snprintf(m->addr, sizeof(m->addr), "%s", o->dest_addr);
	if (o->dest_path == NULL && o->compress == NULL)
		return live_params(o, m, blob, e);
	m->type = MDC_MIG_MOVE_STORAGE;
	snprintf(m->path, sizeof(m->path), "%s", o->storage_path);
	if (o->dest_path != NULL)
		snprintf(m->name, sizeof(m->name), "%s", o->dest_path);
	if (o->compress != NULL && strcmp(o->compress, "zstd") == 0)
		m->flags |= MDC_MIG_FL_ZSTD;
	if (o->no_encrypt)
		m->flags |= MDC_MIG_FL_PLAIN;
	return 0;
}

static void
show_progress(const struct mdc_live_info *pi, mdc_mig_say_fn say, void *arg)
{
	char line[256];

	mdc_live_progress_line(pi, line, sizeof(line));
	say(arg, MDC_MIG_PROGRESS, line);
}

static void
show_report(const struct mdc_live_info *ri, const char *result, int json,
            mdc_mig_say_fn say, void *arg)
{
	const uint64_t *v = ri->v;
	char line[MDC_MIG_MAX_TEXT * 2 + 512], clean[MDC_MIG_MAX_TEXT * 2];
	size_t i, j = 0;

	if (json) {
		for (i = 0; result[i] && j + 2 < sizeof(clean); i++) {
			if (result[i] == '"' || result[i] == '\\')
				clean[j++] = '\\';
			clean[j++] = result[i];
		}
		clean[j] = '\0';
		snprintf(line, sizeof(line),
		         "{\"result\":\"%s\",\"total_ms\":%llu,"
		         "\"downtime_ms\":%llu,\"setup_ms\":%llu,"
		         "\"storage_bytes\":%llu,\"memory_bytes\":%llu,"
		         "\"rounds\":%llu,\"throughput_bps\":%llu,"
		         "\"zero_pages\":%llu,\"wire_bytes\":%llu}",
		         clean, (unsigned long long)v[MDC_LIVE_R_TOTAL_MS],
		         (unsigned long long)v[MDC_LIVE_R_DOWNTIME_MS],
		         (unsigned long long)v[MDC_LIVE_R_SETUP_MS],
		         (unsigned long long)v[MDC_LIVE_R_STORAGE],
		         (unsigned long long)v[MDC_LIVE_R_MEMORY],
		         (unsigned long long)v[MDC_LIVE_R_ROUNDS],
		         (unsigned long long)v[MDC_LIVE_R_THROUGHPUT],
		         (unsigned long long)v[MDC_LIVE_R_ZERO_PAGES],
		         (unsigned long long)v[MDC_LIVE_R_WIRE]);
		say(arg, MDC_MIG_OUT, line);
		return;
	}
	say(arg, MDC_MIG_OUT, result);
	snprintf(line, sizeof(line),
	         "total %llu ms, downtime %llu ms, storage %llu bytes, memory "
	         "%llu bytes in %llu rounds, %llu bytes/s on the wire (%llu "
	         "bytes), %llu zero pages skipped",
	         (unsigned long long)v[MDC_LIVE_R_TOTAL_MS],
	         (unsigned long long)v[MDC_LIVE_R_DOWNTIME_MS],
	         (unsigned long long)v[MDC_LIVE_R_STORAGE],
	         (unsigned long long)v[MDC_LIVE_R_MEMORY],
	         (unsigned long long)v[MDC_LIVE_R_ROUNDS],
	         (unsigned long long)v[MDC_LIVE_R_THROUGHPUT],
	         (unsigned long long)v[MDC_LIVE_R_WIRE],
	         (unsigned long long)v[MDC_LIVE_R_ZERO_PAGES]);
	say(arg, MDC_MIG_OUT, line);
}

/* Read LIVE_INFO until the RESULT (r); progress at most once a second. */
static int
move_wait(int fd, gss_ctx_id_t ctx, const struct opts *o, struct mdc_mig_msg *r,
          mdc_mig_say_fn say, void *arg, struct mdc_err *e)
{
	struct mdc_live_info li, report;
	uint8_t phase = 0;
	time_t last = 0;
	int ret, have = 0;

	for (;;) {
		if ((ret = mdc_mig_recv_msg(fd, ctx, r, e)) != 0)
			return ret;
		if (r->type == MDC_MIG_RESULT)
			break;
		if (r->type != MDC_MIG_LIVE_INFO ||
		    mdc_live_info_decode(r->data, r->datalen, &li) != 0) {
			mdc_mig_msg_clear(r);
			return mdc_err_set(e, MDC_EMALF, "unexpected answer");
		}
		mdc_mig_msg_clear(r);
		if (li.kind == MDC_LIVE_REPORT) {
			report = li;
			have = 1;
		} else if (time(NULL) != last || li.phase != phase) {
			/* a new phase shows at once, then once a second */
			last = time(NULL);
			phase = li.phase;
			show_progress(&li, say, arg);
		}
	}
	if (r->status != MDC_MIG_ACCEPTED)
		return mdc_err_set(e, MDC_EDENIED, "%s", r->text);
	if (have)
		show_report(&report, r->text, o->json, say, arg);
	else
		say(arg, MDC_MIG_OUT, r->text);
	return 0;
}

static int
cmd_move(const struct opts *o, mdc_mig_say_fn say, void *arg, struct mdc_err *e)
{
	struct mdc_mig_msg m, r;
	uint8_t blob[MDC_LIVE_MAX_REQ];
	struct timeval no_timeout = {0, 0};
	char ip[MDC_MIG_MAX_ADDR + 1], agent[MDC_MIG_MAX_HOST + 1];
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	OM_uint32 minor;
	int fd = -1, port, ret;

	if ((ret = move_check(o, e)) != 0)
		return ret;
	if (mdc_mig_hostport(o->via, MDC_MIG_DEFAULT_PORT, ip, sizeof(ip),
	                     &port) != 0)
		return mdc_err_set(e, MDC_EINVAL, "bad --via %.64s", o->via);
	if ((ret = move_request(o, &m, blob, e)) != 0)
		return ret;
	/* the user's own ccache; the agent proves it is migrate/<agent> */
	if ((ret = mdc_conn_connect(ip, port, NULL, &fd, e)) ||
	    (ret = mdc_mig_recv_hello(fd, agent, sizeof(agent), e)) ||
	    (ret = mdc_mig_initiate(fd, GSS_C_NO_CREDENTIAL, agent, &ctx, e)) ||
	    (ret = mdc_mig_send_msg(fd, ctx, &m, e)))
		goto out;
	/* a move is silent or chatty for as long as it takes; the source
	 * agent answers or closes (its own peer has the usual timeouts) */
	if (o->include_storage || m.type == MDC_MIG_LIVE_MOVE)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &no_timeout,
		                 sizeof(no_timeout));
	ret = move_wait(fd, ctx, o, &r, say, arg, e);
out:
	if (ctx != GSS_C_NO_CONTEXT)
		(void)gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Copy s into a definition field of size cap (MDC_EINVAL if longer). */
static int
field(char *out, size_t cap, const char *s, const char *what, struct mdc_err *e)
{
	if (strlen(s) >= cap)
		return mdc_err_set(e, MDC_EINVAL, "%s is too long", what);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* The memory size: a whole number of MiB. */
static int
parse_mib(const char *s, unsigned *out, struct mdc_err *e)
{
	char *end;
	long v;

	if (s == NULL)
		return mdc_err_set(e, MDC_EINVAL, "--memory MIB is required");
	v = (s[0] >= '0' && s[0] <= '9') ? strtol(s, &end, 10) : -1;
	if (v < MDC_VM_MIN_MIB || v > MDC_VM_MAX_MIB || *end != '\0')
		return mdc_err_set(e, MDC_EINVAL,
		                   "invalid --memory '%.32s' (expected %d-%d "
		                   "MiB)",
		                   s, MDC_VM_MIN_MIB, MDC_VM_MAX_MIB);
	*out = (unsigned)v;
	return 0;
}

/* The definition vm create sends (paths resolved by the agent). */
static int
vm_def(const struct opts *o, struct mdc_vm_def *d, struct mdc_err *e)
{
	int i, ret;

	memset(d, 0, sizeof(*d));
	if ((ret = field(d->name, sizeof(d->name), o->pos[1], "NAME", e)) ||
	    (ret = parse_mib(o->memory, &d->memory_mib, e)))
		return ret;
	for (i = 0; i < o->ndisks; i++)
		if ((ret = field(d->disks[i], sizeof(d->disks[i]), o->disks[i],
		                 "--disk", e)) != 0)
			return ret;
	d->ndisks = (size_t)o->ndisks;
	if ((o->kernel && (ret = field(d->kernel, sizeof(d->kernel), o->kernel,
	                               "--kernel", e))) ||
	    (o->initrd && (ret = field(d->initrd, sizeof(d->initrd), o->initrd,
	                               "--initrd", e))) ||
	    (o->append && (ret = field(d->append, sizeof(d->append), o->append,
	                               "--append", e))))
		return ret;
	for (i = 0; i < o->nnics; i++)
		if (mdc_vm_nic_parse(o->nics[i], &d->nics[i]) != 0)
			return mdc_err_set(e, MDC_EINVAL,
			                   "--nic %.64s: bridge=BR,mac=MAC "
			                   "(a unicast MAC)",
			                   o->nics[i]);
	d->nnics = (size_t)o->nnics;
	if (o->compat && o->cpu_model)
		return mdc_err_set(e, MDC_EINVAL,
		                   "--cpu-model and --compat exclude each "
		                   "other");
	d->compat = o->compat;
	snprintf(d->cpu, sizeof(d->cpu), "%s",
	         o->compat
	                 ? MDC_VM_COMPAT_CPU
	                 : (o->cpu_model ? o->cpu_model : MDC_VM_DEFAULT_CPU));
	if (o->cpu_model && strlen(o->cpu_model) > MDC_VM_MAX_CPU)
		return mdc_err_set(e, MDC_EINVAL, "--cpu-model too long");
	if (mdc_vm_def_check(d, e) != 0)
		return MDC_EINVAL;
	return 0;
}

/* The VM request of vm OP [NAME] (options checked per operation). */
static int
vm_request(const struct opts *o, struct mdc_mig_msg *m, char **json,
           struct mdc_err *e)
{
	static const char *ops[] = {"create", "start", "stop", "show",
	                            "rm",     "list",  NULL};
	struct mdc_vm_def d;
	int i, ret;

	memset(m, 0, sizeof(*m));
	m->type = MDC_MIG_VM;
	for (i = 0; o->npos > 0 && ops[i] != NULL; i++)
		if (strcmp(o->pos[0], ops[i]) == 0)
			break;
	if (o->npos == 0 || ops[i] == NULL)
		return mdc_err_set(e, MDC_EINVAL,
		                   "vm create|start|stop|show|rm NAME | vm "
		                   "list");
	m->op = (uint8_t)(MDC_MIG_VM_CREATE + i);
	if (m->op == MDC_MIG_VM_LIST
	            ? o->npos != 1
	            : (o->npos != 2 || !mdc_mig_vm_ok(o->pos[1])))
		return mdc_err_set(e, MDC_EINVAL, "vm %s needs %s", ops[i],
		                   m->op == MDC_MIG_VM_LIST
		                           ? "no name"
		                           : "one VM name ([A-Za-z0-9._-], up "
		                             "to 64)");
	if (m->op != MDC_MIG_VM_LIST)
		snprintf(m->vm, sizeof(m->vm), "%s", o->pos[1]);
	if (o->paused && m->op != MDC_MIG_VM_START)
		return mdc_err_set(e, MDC_EINVAL, "--paused is for vm start");
	m->flags = o->paused ? MDC_MIG_VMFL_PAUSED : 0;
	if (m->op != MDC_MIG_VM_CREATE) {
		if (o->memory || o->ndisks || o->kernel || o->initrd ||
		    o->append || o->nnics || o->cpu_model || o->compat)
			return mdc_err_set(e, MDC_EINVAL,
			                   "definition options are for vm "
			                   "create");
		return 0;
	}
	if ((ret = vm_def(o, &d, e)) != 0)
		return ret;
	/* *json is the caller's: m->def points into it */
	if ((ret = mdc_vm_def_to_json(&d, json)) != 0)
		return mdc_err_set(e, ret, "definition too large");
	m->def = *json;
	m->deflen = strlen(*json); /* clipped at the limit as the copy was */
	if (m->deflen > MDC_MIG_MAX_DEF)
		m->deflen = MDC_MIG_MAX_DEF;
	return 0;
}

/* Print one VM_INFO as list wants it (or as show does). */
static int
vm_print(const struct mdc_mig_msg *info, int show, mdc_mig_say_fn say,
         void *arg, struct mdc_err *e)
{
	static char text[MDC_VM_MAX_DISKS * (MDC_VM_MAX_PATH + 1) + 4096];
	int ret = show ? mdc_vm_info_show(info, text, sizeof(text))
	               : mdc_vm_info_line(info, text, sizeof(text));

	if (ret != 0)
		return mdc_err_set(e, MDC_EMALF,
		                   "unreadable VM "
		                   "information");
	say(arg, MDC_MIG_OUT, text);
	return 0;
}

/* The answers: VM_INFO* then RESULT. */
static int
vm_answers(int fd, gss_ctx_id_t ctx, const struct mdc_mig_msg *m,
           mdc_mig_say_fn say, void *arg, struct mdc_err *e)
{
	struct mdc_mig_msg r;
	int ret, quiet = m->op == MDC_MIG_VM_LIST || m->op == MDC_MIG_VM_SHOW;

	for (;;) {
		if ((ret = mdc_mig_recv_msg(fd, ctx, &r, e)) != 0)
			return ret;
		if (r.type == MDC_MIG_RESULT)
			break;
		if (r.type != MDC_MIG_VM_INFO || !quiet)
			ret = mdc_err_set(e, MDC_EMALF, "unexpected answer");
		else
			ret = vm_print(&r, m->op == MDC_MIG_VM_SHOW, say, arg,
			               e);
		mdc_mig_msg_clear(&r);
		if (ret != 0)
			return ret;
	}
	if (r.status != MDC_MIG_ACCEPTED)
		return mdc_err_set(e, MDC_EDENIED, "%s", r.text);
	if (!quiet)
		say(arg, MDC_MIG_OUT, r.text);
	return 0;
}

static int
cmd_vm(const struct opts *o, mdc_mig_say_fn say, void *arg, struct mdc_err *e)
{
	struct mdc_mig_msg m;
	char *json = NULL;
	struct timeval vm_timeout = {150, 0};
	char ip[MDC_MIG_MAX_ADDR + 1], agent[MDC_MIG_MAX_HOST + 1];
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	OM_uint32 minor;
	int fd = -1, port, ret;

	if ((ret = vm_request(o, &m, &json, e)) != 0)
		goto out;
	ret = MDC_EINVAL;
	if (need(o->via, "--via", e))
		goto out;
	if (o->to || o->dest_addr || o->direct || o->include_storage ||
	    o->storage_path || o->state || o->keytab) {
		mdc_err_set(e, ret, "unexpected option for vm");
		goto out;
	}
	if (mdc_mig_hostport(o->via, MDC_MIG_DEFAULT_PORT, ip, sizeof(ip),
	                     &port) != 0) {
		mdc_err_set(e, ret, "bad --via %.64s", o->via);
		goto out;
	}
	if ((ret = mdc_conn_connect(ip, port, NULL, &fd, e)) ||
	    (ret = mdc_mig_recv_hello(fd, agent, sizeof(agent), e)) ||
	    (ret = mdc_mig_initiate(fd, GSS_C_NO_CREDENTIAL, agent, &ctx, e)) ||
	    (ret = mdc_mig_send_msg(fd, ctx, &m, e)))
		goto out;
	/* starting or stopping QEMU takes longer than a message */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &vm_timeout,
	                 sizeof(vm_timeout));
	ret = vm_answers(fd, ctx, &m, say, arg, e);
out:
	if (ctx != GSS_C_NO_CONTEXT)
		(void)gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	if (fd >= 0)
		close(fd);
	free(json);
	return ret;
}

static int
cmd_accel(const struct opts *o, mdc_mig_say_fn say, void *arg,
          struct mdc_err *e)
{
	struct mdc_mig_state st;
	char line[32];
	int ret;

	if ((ret = load_state(o->state, &st, e)) != 0)
		return ret;
	if (o->npos == 0) {
		snprintf(line, sizeof(line), "accel = %s", st.accel);
		say(arg, MDC_MIG_OUT, line);
		return 0;
	}
	if (o->npos != 1 ||
	    (strcmp(o->pos[0], "auto") != 0 && strcmp(o->pos[0], "kvm") != 0 &&
	     strcmp(o->pos[0], "tcg") != 0))
		return mdc_err_set(e, MDC_EINVAL, "accel auto|kvm|tcg");
	snprintf(st.accel, sizeof(st.accel), "%s", o->pos[0]);
	if ((ret = save_state(o->state, &st, e)) != 0)
		return ret;
	snprintf(line, sizeof(line), "accel = %s", st.accel);
	say(arg, MDC_MIG_OUT, line);
	return 0;
}

/* Say a multi-line text one line at a time. */
static void
say_text(const char *text, mdc_mig_say_fn say, void *arg)
{
	char line[512];
	const char *nl;
	size_t n;

	for (; *text != '\0'; text = nl + 1) {
		nl = strchr(text, '\n');
		if (nl == NULL)
			nl = text + strlen(text) - 1;
		n = (size_t)(nl - text) + (*nl != '\n');
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, text, n);
		line[n] = '\0';
		say(arg, MDC_MIG_OUT, line);
	}
}

/* help [COMMAND]; COMMAND --help; COMMAND help */
static int
cmd_help(const char *cmd, mdc_mig_say_fn say, void *arg, struct mdc_err *e)
{
	const char *t = cmd ? mdc_mig_cmd_usage(cmd) : mdc_mig_usage();

	if (t == NULL)
		return mdc_err_set(e, MDC_EINVAL, "unknown command '%.32s'",
		                   cmd);
	say_text(t, say, arg);
	if (cmd == NULL)
		say(arg, MDC_MIG_OUT,
		    "'minidc-migrate COMMAND --help' describes a command.");
	return 0;
}

static int
cmd_agent(const struct opts *o, mdc_mig_say_fn say, void *arg,
          struct mdc_err *e)
{
	static struct mdc_mig_agentconf keep; /* the strings ao points at */
	static char notify[512];
	struct mdc_mig_agent_opts ao;
	const char *env = getenv("NOTIFY_SOCKET");
	int ret;

	if (o->npos != 0)
		return mdc_err_set(e, MDC_EINVAL, "unexpected argument '%.64s'",
		                   o->pos[0]);
	memset(&ao, 0, sizeof(ao));
	ao.keytab = o->keytab;
	ao.listen = o->listen;
	ao.state = o->state;
	ao.principal = o->principal;
	ao.storage = o->storage_dir;
	if ((ret = mdc_mig_agentconf_apply(o->config, &ao, &keep, e)) != 0)
		return ret;
	/* ours alone: QEMU and the connections do not inherit it */
	if (env != NULL && strlen(env) < sizeof(notify)) {
		memcpy(notify, env, strlen(env) + 1);
		ao.notify_socket = notify;
	}
	(void)unsetenv("NOTIFY_SOCKET");
	return mdc_mig_agent_run(&ao, say, arg, e);
}

static int
cmd_check(const struct opts *o, mdc_mig_say_fn say, void *arg,
          struct mdc_err *e)
{
	struct mdc_mig_check_req q;
	const char *bad = o->state             ? "--state"
	                  : o->keytab          ? "--keytab"
	                  : o->include_storage ? "--include-storage"
	                  : o->direct          ? "--direct"
	                  : o->bandwidth       ? "--bandwidth"
	                  : o->memory          ? "--memory"
	                                       : NULL;

	if (o->npos != 1)
		return mdc_err_set(e, MDC_EINVAL, "check needs one VM name");
	if (bad != NULL)
		return mdc_err_set(e, MDC_EINVAL,
		                   "%s is not an option of check (VM --to "
		                   "--via [--dest-addr] [--storage-path DIR])",
		                   bad);
	memset(&q, 0, sizeof(q));
	q.vm = o->pos[0];
	q.to = o->to;
	q.via = o->via;
	q.dest_addr = o->dest_addr;
	q.storage_path = o->storage_path;
	return mdc_mig_check(&q, say, arg, e);
}

int
mdc_mig_main(int argc, char **argv, mdc_mig_say_fn say, void *arg,
             struct mdc_err *e)
{
	struct opts o;
	const char *cmd;
	int ret;

	if (argc < 2)
		return mdc_err_set(e, MDC_EINVAL, "a command is required");
	cmd = argv[1];
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0) {
		if (argc > 2 && argv[2][0] == '-')
			return cmd_help("help", say, arg, e); /* help --help */
		return cmd_help(argc > 2 ? argv[2] : NULL, say, arg, e);
	}
	if (mdc_mig_cmd_usage(cmd) == NULL)
		return mdc_err_set(e, MDC_EINVAL, "unknown command '%.32s'",
		                   cmd);
	if ((ret = parse(argc - 2, argv + 2, &o, e)) != 0)
		return ret;
	if (o.help || (o.npos > 0 && strcmp(o.pos[0], "help") == 0))
		return cmd_help(cmd, say, arg, e);
	if (o.config != NULL && strcmp(cmd, "agent") != 0)
		return mdc_err_set(e, MDC_EINVAL, "--config is for agent");
	if (strcmp(cmd, "enable") == 0 || strcmp(cmd, "disable") == 0)
		return cmd_enable(&o, cmd[0] == 'e', say, arg, e);
	if (strcmp(cmd, "network") == 0)
		return cmd_network(&o, say, arg, e);
	if (strcmp(cmd, "move") == 0)
		return cmd_move(&o, say, arg, e);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(&o, say, arg, e);
	if (strcmp(cmd, "vm") == 0)
		return cmd_vm(&o, say, arg, e);
	if (strcmp(cmd, "accel") == 0)
		return cmd_accel(&o, say, arg, e);
	return cmd_agent(&o, say, arg, e);
}
