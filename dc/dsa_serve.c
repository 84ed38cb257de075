/* dc/dsa_serve.c - `minidc dsa-serve`: serve slapd's overlay on dsa.sock */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dc/cmd.h"
#include "dc/dsa.h"
#include "dc/dsa_priv.h"
#include "dc/guard.h"
#include "dc/slapdconf.h"
#include "dc/slapdrun.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/net.h"
#include "lib/privdrop.h"
#include "lib/util.h"

#define CMD "dsa-serve"
/* Connections served at once.  slapd holds one per forwarded operation and
 * our own write comes back on another while the first waits, so this is
 * the number of writes in flight, not of clients. */
#define DSA_MAX_CONNS    128
#define DSA_IO_TIMEOUT_S 60
/* After SIGTERM, what slapd waits for gets this long to finish. */
#define DSA_STOP_MS 5000

/*
 * Client operations (not the DC's own) in progress and waiting.  slapd
 * gives each forwarded operation a worker thread until the dsa answers, and
 * the dsa's own reads and write need a second thread: if client operations
 * held every thread, slapd would deadlock (seen with a burst of 100 writes).
 * So with T slapd threads (mdc_slapd_threads), at most A run (2 threads
 * each), W = T - 1 - 2A more wait (one thread each) up to DSA_WAIT_S, and
 * only the rest get "busy" (51) at once: 2A + W < T, one thread left for
 * reads and the KDC.  A is (T - 1) / 3 but at most 2 per CPU + 1 (a write
 * is mostly CPU: more at once only makes each slower), so that a bulk
 * importer's many connections are queued rather than refused: with 2 CPUs
 * and 32 threads, 5 run and 21 wait.
 */
#define DSA_WAIT_S 10

static int gate_max_active = 1, gate_max_waiting = 1;
/* The supervisor's channel (dc/guard.h), or -1 when run by hand. */
static int guard_chan = -1;
static atomic_int dsa_sweeping;
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_active, gate_waiting;

/* Take a slot for a client operation; MDC_EAGAIN if the dsa is full. */
static int
gate_enter(void)
{
	struct timespec dl;
	int ret = 0, waiting = 0;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += DSA_WAIT_S;
	pthread_mutex_lock(&gate_mu);
	if (gate_active >= gate_max_active) {
		if (gate_waiting >= gate_max_waiting)
			ret = MDC_EAGAIN;
		else
			waiting = 1;
		gate_waiting += waiting;
	}
	while (ret == 0 && gate_active >= gate_max_active)
		if (pthread_cond_timedwait(&gate_cv, &gate_mu, &dl) ==
		            ETIMEDOUT &&
		    gate_active >= gate_max_active)
			ret = MDC_EAGAIN;
	gate_waiting -= waiting;
	if (ret == 0)
		gate_active++;
	pthread_mutex_unlock(&gate_mu);
	return ret;
}

/* The gate's bounds for T slapd threads and ncpu CPUs (see above). */
static void
gate_size(long t, long ncpu)
{
	long a = (t - 1) / 3, cap = 2 * (ncpu > 0 ? ncpu : 1) + 1;

	if (a > cap)
		a = cap;
	if (a < 1)
		a = 1;
	gate_max_active = (int)a;
	gate_max_waiting = (int)(t - 1 - 2 * a > 1 ? t - 1 - 2 * a : 1);
}

static void
gate_leave(void)
{
	pthread_mutex_lock(&gate_mu);
	gate_active--;
	pthread_cond_signal(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

struct conn {
	struct mdc_loop *loop; /* counts us as work in flight */
	struct mdc_dsa *d;
	int fd;
};

/*
 * Read and drop the rest of a request whose first bytes ended in last
 * (0: none), through its empty line.  slapd writes a whole request before
 * it reads the answer: a request cut short would leave it writing into a
 * closed socket, and a connection closed without an answer is "success"
 * to its client (doc/decisions.md).
 */
static int
skip_request(int fd, char last)
{
	char chunk[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MDC_ETRUNC;
		if ((last == '\n' && chunk[0] == '\n') ||
		    memmem(chunk, (size_t)n, "\n\n", 2) != NULL)
			return 0;
		last = chunk[n - 1];
	}
}

/*
 * Read one request (through its empty line) into a new buffer.  One over
 * MDC_SOCK_MAX_REQ is read to its end and dropped: MDC_ERANGE.
 */
static int
read_request(int fd, char **buf_out, size_t *len_out)
{
	size_t cap = 4096, len = 0, need = 0;
	char *buf = malloc(cap), *nb;
	ssize_t n;
	int ret;

	while (buf != NULL && need == 0) {
		if (len == cap) {
			if (cap >= MDC_SOCK_MAX_REQ)
				break;
			nb = realloc(buf, cap * 2);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		need = mdc_sock_req_complete(buf, len);
	}
	if (buf == NULL || need == 0) {
		ret = buf == NULL ? MDC_ENOMEM : MDC_ETRUNC;
		if (buf != NULL && len == cap && cap >= MDC_SOCK_MAX_REQ &&
		    skip_request(fd, buf[len - 1]) == 0)
			ret = MDC_ERANGE;
		if (buf != NULL)
			mdc_secret_free(buf, cap);
		return ret;
	}
	*buf_out = buf;
	*len_out = need;
	return 0;
}

/* An answer to slapd; a slapd gone is seen on the next read. */
static void
write_all(int fd, const char *s)
{
	if (mdc_net_send_all(fd, s, strlen(s)) != 0)
		return; /* slapd gone: the next read ends the connection */
}

/* slapd's uid: a root peer that is not slapd is the admin CLI. */
static uid_t slapd_uid;

/* Is the peer on fd the admin CLI (root, and slapd is not root)? */
static int
peer_is_admin(int fd)
{
	struct ucred cr;
	socklen_t n = sizeof(cr);

	return slapd_uid != 0 &&
	       getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &n) == 0 &&
	       cr.uid == 0;
}

/* Decide one request and format the answer (new string). */
static char *
answer(struct mdc_dsa *d, const char *buf, size_t len, int admin)
{
	struct mdc_sock_req *req = NULL;
	struct mdc_dsa_res res;
	char *out = NULL;
	int ret, client;

	ret = mdc_sock_parse(buf, len, &req);
	if (ret != 0) {
		log_warn("malformed request from slapd: %s", mdc_strerror(ret));
		if (mdc_sock_result(LDAP_PROTOCOL_ERROR, NULL,
		                    "dsa: malformed request", &out) != 0)
			out = NULL;
		return out;
	}
	/* The admin CLI's writes hold no slapd thread while they wait. */
	client = !admin && !mdc_dsa_is_system(req);
	if (client && gate_enter() != 0) {
		log_warn("%s %s by %s: busy", mdc_sock_op_name(req->op),
		         req->dn, req->binddn);
		mdc_sock_req_free(req);
		if (mdc_sock_result(LDAP_BUSY, NULL,
		                    "dsa: too many writes at "
		                    "once, try again",
		                    &out) != 0)
			out = NULL;
		return out;
	}
	ret = admin ? mdc_dsa_admin(d, req, &res)
	            : mdc_dsa_handle(d, req, &res);
	if (client)
		gate_leave();
	if (ret != 0) {
		log_err_r(ret, "%s %s", mdc_sock_op_name(req->op), req->dn);
		mdc_sock_req_free(req);
		if (mdc_sock_result(LDAP_OTHER, NULL,
		                    "dsa: the directory agent failed",
		                    &out) != 0)
			out = NULL;
		return out;
	}
	if (res.cont)
		out = strdup(MDC_SOCK_CONTINUE);
	else {
		/* Values are never logged (they may be passwords). */
		log_info("%s %s by %s: %d%s%s", mdc_sock_op_name(req->op),
		         req->dn,
		         admin                 ? "the admin CLI"
		         : req->binddn != NULL ? req->binddn
		                               : "-",
		         res.code, res.info[0] ? " " : "", res.info);
		if (mdc_sock_result(res.code, NULL, res.info, &out) != 0)
			out = NULL;
	}
	mdc_sock_req_free(req);
	return out;
}

/* The answer to a request that could not be read (new string or NULL). */
static char *
answer_unread(int ret)
{
	char *out = NULL;

	if (ret == MDC_ERANGE) {
		log_warn("a request from slapd is over %u bytes: refused",
		         MDC_SOCK_MAX_REQ);
		if (mdc_sock_result(LDAP_ADMINLIMIT_EXCEEDED, NULL,
		                    "dsa: the request is over the 4 MiB "
		                    "limit",
		                    &out) != 0)
			out = NULL;
		return out;
	}
	/* Cut short or too slow: slapd may be gone, or may still read. */
	if (mdc_sock_result(LDAP_OTHER, NULL, "dsa: incomplete request",
	                    &out) != 0)
		out = NULL;
	return out;
}

static void *
conn_thread(void *arg)
{
	struct conn *c = arg;
	struct timeval tv = {DSA_IO_TIMEOUT_S, 0};
	char *buf = NULL, *out = NULL;
	size_t len = 0;
	int ret, held;

	/* From here on, if we die, the supervisor answers for us. */
	held = guard_chan >= 0 && mdc_guard_hold(guard_chan, c->fd) == 0;
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ret = read_request(c->fd, &buf, &len);
	if (ret == 0) {
		out = answer(c->d, buf, len, peer_is_admin(c->fd));
		mdc_secret_free(buf, len);
	} else {
		out = answer_unread(ret);
	}
	/* Every request gets a RESULT: silence would read as success. */
	write_all(c->fd, out != NULL ? out
	                             : "RESULT\ncode: 80\ninfo: dsa: "
	                               "out of memory\n\n");
	if (held && mdc_guard_done(guard_chan, c->fd) != 0)
		log_warn("the supervisor's channel is gone");
	free(out);
	close(c->fd);
	mdc_loop_work_end(c->loop);
	free(c);
	return NULL;
}

static void
spawn(struct mdc_loop *l, struct mdc_dsa *d, int fd)
{
	struct conn *c = malloc(sizeof(*c));
	pthread_attr_t attr;
	pthread_t th;

	if (c == NULL || mdc_loop_work_begin(l) >= DSA_MAX_CONNS) {
		write_all(fd, "RESULT\ncode: 51\ninfo: dsa: busy\n\n");
		if (c != NULL)
			mdc_loop_work_end(l);
		free(c);
		close(fd);
		return;
	}
	c->loop = l;
	c->d = d;
	c->fd = fd;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, conn_thread, c) != 0) {
		mdc_loop_work_end(l);
		free(c);
		close(fd);
	}
	pthread_attr_destroy(&attr);
}

static void
on_accept(struct mdc_loop *l, int lfd, int revents, void *arg)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	(void)revents;
	if (fd >= 0)
		spawn(l, arg, fd);
}

static void
on_stop(struct mdc_loop *l, int sig, void *arg)
{
	(void)sig;
	(void)arg;
	mdc_loop_stop(l, DSA_STOP_MS);
}

/* Serve until SIGTERM/SIGINT, then let operations in flight finish (slapd
 * is waiting for them); MDC_ETIMEDOUT if some did not in DSA_STOP_MS. */
static int
serve(struct mdc_loop *l, struct mdc_dsa *d, int lfd)
{
	int ret = mdc_loop_watch(l, lfd, MDC_LOOP_IN | MDC_LOOP_ACCEPT,
	                         on_accept, d);

	if (ret == 0)
		ret = mdc_loop_run(l);
	return ret;
}

/*
 * The socket slapd reaches us on: the supervisor's (it keeps it, and every
 * connection we accept, across our restarts: dc/guard.h), or our own when
 * run by hand.
 */
static int
listen_socket(const char *path, int *lfd_out)
{
	int ret = mdc_guard_child(lfd_out, &guard_chan);

	if (ret != MDC_ENOENT)
		return ret;
	*lfd_out = -1;
	ret = mdc_net_listen_unix(path, lfd_out);
	/* Only slapd (root and slapd's group) talks to us. */
	if (ret == 0)
		ret = mdc_slapdrun_share(path, 0660);
	if (ret != 0 && *lfd_out >= 0) {
		close(*lfd_out);
		*lfd_out = -1;
	}
	return ret;
}

/* Remove what a dsa that died left half-written (mdc_dsa_sweep). */
static void *
sweep_thread(void *arg)
{
	struct mdc_dsa *d = arg;
	LDAP *ld = NULL;
	int ret, n = 0;

	ret = mdc_dsa_ldap_open(d, &ld);
	if (ret == 0)
		ret = mdc_dsa_sweep(d, ld, &n);
	if (ret != 0)
		log_err_r(ret, "cannot look for incomplete accounts");
	else if (n > 0)
		log_warn("removed %d account%s a dsa that died left incomplete",
		         n, n == 1 ? "" : "s");
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	atomic_store(&dsa_sweeping, 0);
	return NULL;
}

/* Start the sweep (dsa_sweeping until it ends). */
static void
start_sweep(struct mdc_dsa *d)
{
	pthread_attr_t attr;
	pthread_t th;

	atomic_store(&dsa_sweeping, 1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, sweep_thread, d) != 0) {
		atomic_store(&dsa_sweeping, 0);
		log_warn("cannot look for incomplete accounts: no thread");
	}
	pthread_attr_destroy(&attr);
}

/* Before any thread: they inherit the blocked signals. */
static int
setup_loop(struct mdc_loop **l_out)
{
	return mdc_loop_daemon(l_out, on_stop, NULL);
}

int
mdc_cmd_dsa_serve(int argc, char **argv)
{
	struct mdc_dcconf conf;
	struct mdc_dsa *d = NULL;
	struct mdc_privdrop_id slapd_id;
	struct mdc_loop *l = NULL;
	struct mdc_err err = {""};
	char *path = NULL;
	int lfd = -1, ret, status, late = 0;

	status = mdc_cmd_load_dir(CMD, argc, argv, &conf, NULL);
	if (status != 0)
		return status;
	status = 1;
	(void)mdc_log_open("dsa", NULL,
	                   conf.log_debug ? MDC_LOG_DEBUG : MDC_LOG_INFO);
	path = mdc_dc_path(&conf, MDC_DSA_SOCKET);
	ret = path == NULL ? MDC_ENOMEM : mdc_dsa_new(&conf, &d);
	if (ret == 0)
		ret = setup_loop(&l);
	if (ret == 0)
		ret = listen_socket(path, &lfd);
	if (ret != 0) {
		log_err_r(ret, "cannot serve %s", path != NULL ? path : "?");
		goto out;
	}
	if (mdc_privdrop_lookup(MDC_SLAPD_USER, &slapd_id) == 0)
		slapd_uid = slapd_id.uid;
	else
		log_warn("no user %s: the admin CLI cannot write",
		         MDC_SLAPD_USER);
	/* What needs root, then our own user (dc/dsa_priv.h). */
	if (mdc_dsa_preload(d, &err) != 0)
		log_warn("%s", err.text);
	err.text[0] = '\0';
	if (mdc_dsa_drop(d, &err) != 0) {
		log_err("%s", err.text);
		goto out;
	}
	gate_size(mdc_slapd_threads(), sysconf(_SC_NPROCESSORS_ONLN));
	log_info("directory agent for %s on %s (%d writes at once, %d "
	         "waiting)",
	         conf.base_dn, path, gate_max_active, gate_max_waiting);
	if (guard_chan >= 0 && mdc_guard_child_ready(guard_chan) != 0)
		log_warn("cannot tell the supervisor we serve");
	start_sweep(d);
	ret = serve(l, d, lfd);
	late = ret == MDC_ETIMEDOUT;
	if (late) {
		log_warn("stopping with operations unfinished after %d ms",
		         DSA_STOP_MS);
	} else if (ret != 0) {
		log_err_r(ret, "event loop");
		goto out;
	}
	log_info("stopped");
	status = 0;
out:
	if (lfd >= 0)
		close(lfd);
	if (lfd >= 0 && guard_chan < 0)
		unlink(path);
	/* A sweep, or an operation past the deadline, still waiting on slapd
	 * at exit keeps d, conf and the loop. */
	if (atomic_load(&dsa_sweeping) || late)
		return status;
	mdc_loop_free(l);
	mdc_dsa_free(d);
	free(path);
	mdc_dcconf_free(&conf);
	mdc_log_close();
	return status;
}

static int
dsa_service_argv(const struct mdc_dcconf *conf, const char *self,
                 char ***argv_out, char ***envp_out)
{
	*argv_out = mdc_strv_new(self, CMD, "--dir", conf->dir, NULL);
	*envp_out = NULL;
	return *argv_out != NULL ? 0 : MDC_ENOMEM;
}

static int
dsa_service_ready(const struct mdc_dcconf *conf)
{
	char *path = mdc_dc_path(conf, MDC_DSA_SOCKET);
	int ret = path == NULL ? MDC_ENOMEM : mdc_net_unix_probe(path);

	free(path);
	return ret;
}

const struct mdc_service mdc_service_dsa = {
        .name = "dsa",
        .argv = dsa_service_argv,
        .ready = dsa_service_ready,
        .ready_timeout_ms = 10000,
        .check = mdc_dsa_priv_check,
        .prepare = mdc_dsa_priv_check,
        /* In slapd's directory, for slapd (openldap) to connect. */
        .guard_socket = MDC_DSA_SOCKET,
        .guard_group = MDC_SLAPD_USER,
        .guard_reply = "RESULT\ncode: 80\ninfo: dsa: the directory agent "
                       "stopped before it answered (the write may be "
                       "incomplete)\n\n",
};
