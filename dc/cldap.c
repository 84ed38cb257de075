/* dc/cldap.c - the CLDAP responder: LDAP pings over UDP 389 */
#include "config.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ad/netlogon.h"
#include "dc/cldap.h"
#include "dc/cmd.h"
#include "dc/service.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/net.h"
#include "lib/privdrop.h"
#include "lib/proc.h"

#define CMD "cldap-serve"
/* Answers are one entry + done: the blob plus ~100 bytes of BER. */
#define CLDAP_OUT_MAX (1024 + MDC_NETLOGON_BLOB_MAX)
/* Pings are ~100 bytes; anything near a full datagram is not a ping. */
#define CLDAP_IN_MAX 4096
/* Datagrams handled per wake-up before checking for signals again. */
#define CLDAP_BATCH 64

struct cldap {
	struct mdc_loop *loop;
	const struct mdc_netlogon_dc *dc;
};

static void
cldap_peer(const struct sockaddr_storage *ss, socklen_t len, char *out,
           size_t cap)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host),
	                port, sizeof(port),
	                NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(out, cap, "?");
	else
		snprintf(out, cap, "%s:%s", host, port);
}

/* Answer one datagram; bad ones are dropped (logged at debug level). */
static void
cldap_handle(int fd, const struct mdc_netlogon_dc *dc, const uint8_t *pkt,
             size_t len, const struct sockaddr_storage *from, socklen_t fromlen)
{
	uint8_t out[CLDAP_OUT_MAX];
	char peer[NI_MAXHOST + NI_MAXSERV + 2];
	size_t outlen = 0;
	int ret, entry = 0;

	cldap_peer(from, fromlen, peer, sizeof(peer));
	ret = mdc_cldap_reply(dc, pkt, len, out, sizeof(out), &outlen, &entry);
	if (ret != 0) {
		log_debug("dropped %zu bytes from %s: %s", len, peer,
		          mdc_strerror(ret));
		return;
	}
	if (sendto(fd, out, outlen, 0, (const struct sockaddr *)from, fromlen) <
	    0) {
		log_warn("reply to %s: %s", peer, strerror(errno));
		return;
	}
	log_debug("ping from %s: %s", peer,
	          entry ? "answered" : "no entry (not a ping for us)");
}

/* Read and answer what is queued on the non-blocking socket. */
static void
cldap_drain(struct mdc_loop *l, int fd, int revents, void *arg)
{
	const struct cldap *c = arg;
	uint8_t pkt[CLDAP_IN_MAX];
	struct sockaddr_storage from;
	socklen_t fromlen;
	ssize_t n;

	(void)revents;
	for (int i = 0; i < CLDAP_BATCH && !mdc_loop_stopping(l); i++) {
		fromlen = sizeof(from);
		n = recvfrom(fd, pkt, sizeof(pkt), MSG_TRUNC,
		             (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("recvfrom: %s", strerror(errno));
			return;
		}
		/* MSG_TRUNC: n is the real size; oversized ones are dropped. */
		if ((size_t)n > sizeof(pkt))
			log_debug("dropped a %zd-byte datagram", n);
		else
			cldap_handle(fd, c->dc, pkt, (size_t)n, &from, fromlen);
	}
}

static void
cldap_on_stop(struct mdc_loop *l, int sig, void *arg)
{
	(void)sig;
	(void)arg;
	mdc_loop_stop(l, 0);
}

/* SIGTERM/SIGINT stop at once: a ping has no state to finish. */
static int
cldap_setup(struct cldap *c)
{
	return mdc_loop_daemon(&c->loop, cldap_on_stop, c);
}

static int
cldap_loop(struct cldap *c, int fd)
{
	int ret = mdc_loop_watch(c->loop, fd, MDC_LOOP_IN, cldap_drain, c);

	if (ret == 0)
		ret = mdc_loop_run(c->loop);
	if (ret != 0) {
		log_err_r(ret, "event loop");
		return 1;
	}
	return 0;
}

static int
cldap_args(int argc, char **argv, const char **dir_out)
{
	static const struct option opts[] = {
	        {"dir", required_argument, NULL, 'd'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	*dir_out = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'd')
			return 2;
		*dir_out = optarg;
	}
	return *dir_out == NULL || optind != argc ? 2 : 0;
}

int
mdc_cmd_cldap_serve(int argc, char **argv)
{
	struct mdc_dcconf conf;
	struct mdc_netlogon_dc dc;
	struct mdc_privdrop_id id;
	const char *dir;
	struct cldap c = {.dc = &dc};
	struct mdc_err err = {""};
	int fd = -1, ret, status = 1;

	if (cldap_args(argc, argv, &dir) != 0) {
		mdc_cmd_error(CMD, "usage: minidc " CMD " --dir DIR");
		return 2;
	}
	ret = mdc_dcconf_load(dir, &conf, &err);
	if (ret != 0) {
		mdc_cmd_error(CMD, "%s", err.text);
		return 1;
	}
	(void)mdc_log_open("cldap", NULL,
	                   conf.log_debug ? MDC_LOG_DEBUG : MDC_LOG_INFO);
	ret = mdc_netlogon_dc_init(&conf, &dc);
	if (ret != 0) {
		log_err("%s/minidc.conf: domain, host, GUID or SID missing or "
		        "malformed",
		        conf.dir);
		goto out;
	}
	ret = cldap_setup(&c);
	if (ret == 0)
		ret = mdc_net_listen(conf.address, (int)conf.port_cldap,
		                     SOCK_DGRAM, 0, &fd);
	if (ret != 0) {
		log_err_r(ret, "udp %s:%ld", conf.address, conf.port_cldap);
		goto out;
	}
	/* The parser of network bytes runs without privileges; it opens no
	 * file afterwards, so it waits in "/". */
	ret = mdc_privdrop_lookup(MDC_PRIVDROP_USER, &id);
	if (ret == 0)
		ret = mdc_privdrop_enter("/", &id);
	if (ret != 0) {
		log_err_r(ret, "cannot drop privileges to %s",
		          MDC_PRIVDROP_USER);
		goto out;
	}
	log_info("answering LDAP pings for %s on %s:%ld/udp", dc.domain,
	         conf.address, conf.port_cldap);
	status = cldap_loop(&c, fd);
	log_info("stopped");
out:
	if (fd >= 0)
		close(fd);
	mdc_loop_free(c.loop);
	mdc_dcconf_free(&conf);
	mdc_log_close();
	return status;
}

/* ------------------------------------------------------------------ */
/* Probe and service entry                                              */

/* Wait for the answer to msgid on fd until deadline (mdc_now_ms). */
static int
cldap_probe_wait(int fd, int msgid, long long deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct mdc_cldap_resp resp;
	uint8_t buf[CLDAP_OUT_MAX];
	long long left;
	ssize_t n;

	while ((left = deadline - mdc_now_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			continue;
		if (mdc_cldap_parse_reply(buf, (size_t)n, &resp) == 0 &&
		    resp.msgid == msgid && resp.have_blob)
			return 0;
	}
	return MDC_ETIMEDOUT;
}

int
mdc_cldap_probe(const struct mdc_dcconf *conf, int timeout_ms)
{
	static const uint8_t ntver[4] = {6, 0, 0, 0};
	struct mdc_cldap_term terms[2];
	struct sockaddr_storage ss;
	socklen_t sslen;
	uint8_t req[512];
	size_t reqlen;
	int fd = -1, ret, msgid = (int)(getpid() & 0x7fff) + 1;
	long long deadline = mdc_now_ms() + timeout_ms;

	terms[0] = (struct mdc_cldap_term){"DnsDomain", conf->dns_domain,
	                                   strlen(conf->dns_domain)};
	terms[1] = (struct mdc_cldap_term){"NtVer", ntver, sizeof(ntver)};
	ret = mdc_cldap_request(msgid, terms, 2, 0, "NetLogon", req,
	                        sizeof(req), &reqlen);
	if (ret == 0)
		ret = mdc_net_addr(conf->address, (int)conf->port_cldap, &ss,
		                   &sslen);
	if (ret != 0)
		goto out;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sslen) != 0 ||
	    send(fd, req, reqlen, 0) < 0) {
		ret = mdc_err_from_errno(errno);
		goto out;
	}
	ret = cldap_probe_wait(fd, msgid, deadline);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int
cldap_service_argv(const struct mdc_dcconf *conf, const char *self,
                   char ***argv_out, char ***envp_out)
{
	*argv_out = mdc_strv_new(self, CMD, "--dir", conf->dir, NULL);
	*envp_out = NULL;
	return *argv_out != NULL ? 0 : MDC_ENOMEM;
}

static int
cldap_service_ready(const struct mdc_dcconf *conf)
{
	return mdc_cldap_probe(conf, 40);
}

/* The responder opens no file after the drop: only its user must exist. */
static int
cldap_service_check(const struct mdc_dcconf *conf, struct mdc_err *err)
{
	struct mdc_privdrop_id id;
	int ret = mdc_privdrop_lookup(MDC_PRIVDROP_USER, &id);

	if (ret != 0)
		mdc_err_set(err, ret,
		            "user %s does not exist: the LDAP ping responder "
		            "drops root to it",
		            MDC_PRIVDROP_USER);
	return ret;
}

const struct mdc_service mdc_service_cldap = {
        .name = "cldap",
        .argv = cldap_service_argv,
        .ready = cldap_service_ready,
        .check = cldap_service_check,
        .ready_timeout_ms = 10000,
        .enabled = NULL,
};
