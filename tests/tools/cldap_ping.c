/* tests/tools/cldap_ping.c - send an LDAP ping over UDP (CLDAP) and print the
 * answer */
#include "config.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ad/netlogon.h"
#include "lib/ad.h"
#include "lib/net.h"
#include "lib/util.h"

/*
 * Usage:
 *   cldap_ping [-p PORT] [-w MS] [-o] [-a ATTR] [-m ID] ADDR TERM...
 *   cldap_ping [-p PORT] [-w MS] -r HEX ADDR      send raw bytes
 *   cldap_ping -W [-o] [-a ATTR] TERM...          request bytes to stdout
 *   cldap_ping -D FILE                            decode a netlogon blob
 * TERM is ATTR=VALUE, VALUE with \XX escapes as in LDAP filters.  -o builds
 * an OR filter instead of the AND of a ping.  Exit: 0 answer printed,
 * 1 no answer, 3 malformed answer, 2 usage or local error.
 */

#define MAX_TERMS 16
#define MAX_VALUE 512

struct opts {
	int port, wait_ms, or_filter, msgid, write_only;
	const char *attr, *raw, *decode, *addr;
	struct mdc_cldap_term terms[MAX_TERMS];
	uint8_t values[MAX_TERMS][MAX_VALUE];
	size_t nterms;
};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unescape \XX in s into out; returns the length or -1. */
static long
unescape(const char *s, uint8_t *out, size_t cap, int all_hex)
{
	size_t n = 0;

	while (*s != '\0' && n < cap) {
		if (all_hex || *s == '\\') {
			s += !all_hex;
			if (hexval(s[0]) < 0 || hexval(s[1]) < 0)
				return -1;
			out[n++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
			s += 2;
		} else {
			out[n++] = (uint8_t)*s++;
		}
	}
	return *s == '\0' ? (long)n : -1;
}

static int
add_term(struct opts *o, char *arg)
{
	char *eq = strchr(arg, '=');
	long n;

	if (eq == NULL || o->nterms >= MAX_TERMS)
		return -1;
	*eq = '\0';
	n = unescape(eq + 1, o->values[o->nterms], MAX_VALUE, 0);
	if (n < 0)
		return -1;
	o->terms[o->nterms].attr = arg;
	o->terms[o->nterms].value = o->values[o->nterms];
	o->terms[o->nterms].len = (size_t)n;
	o->nterms++;
	return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->port = 389;
	o->wait_ms = 10000; /* a bound, generous for a busy machine */
	o->attr = "NetLogon";
	o->msgid = 7;
	while ((c = getopt(argc, argv, "p:w:oa:m:r:WD:")) != -1) {
		switch (c) {
		case 'p':
			o->port = atoi(optarg);
			break;
		case 'w':
			o->wait_ms = atoi(optarg);
			break;
		case 'o':
			o->or_filter = 1;
			break;
		case 'a':
			o->attr = optarg;
			break;
		case 'm':
			o->msgid = atoi(optarg);
			break;
		case 'r':
			o->raw = optarg;
			break;
		case 'W':
			o->write_only = 1;
			break;
		case 'D':
			o->decode = optarg;
			return optind == argc ? 0 : -1;
		default:
			return -1;
		}
	}
	if (!o->write_only) {
		if (optind >= argc)
			return -1;
		o->addr = argv[optind++];
	}
	for (; optind < argc; optind++)
		if (add_term(o, argv[optind]) != 0)
			return -1;
	return o->raw != NULL || o->nterms > 0 ? 0 : -1;
}

static void
print_blob(const uint8_t *blob, size_t len)
{
	struct mdc_netlogon_resp r;
	struct mdc_guid g;
	char guid[40];
	int ret;

	ret = mdc_netlogon_decode(blob, len, &r);
	if (ret != 0) {
		printf("netlogon: undecodable (%zu bytes): %s\n", len,
		       mdc_strerror(ret));
		return;
	}
	memcpy(g.b, r.domain_guid, 16);
	mdc_guid_format(&g, guid);
	printf("netlogon_len: %zu\nopcode: %u\nsbz: %u\nflags: 0x%08x\n"
	       "domain_guid: %s\nforest: %s\ndomain: %s\nhost: %s\n"
	       "netbios_domain: %s\nnetbios_host: %s\nuser: %s\n"
	       "dc_site: %s\nclient_site: %s\n",
	       len, r.opcode, r.sbz, r.flags, guid, r.forest, r.domain, r.host,
	       r.netbios_domain, r.netbios_host, r.user, r.dc_site,
	       r.client_site);
	if (r.have_ipv4)
		printf("dc_address: %u.%u.%u.%u\n", r.ipv4[0], r.ipv4[1],
		       r.ipv4[2], r.ipv4[3]);
	printf("nt_version: 0x%08x\nlmnt_token: 0x%04x\nlm20_token: 0x%04x\n",
	       r.nt_version, r.lmnt_token, r.lm20_token);
}

static int
decode_file(const char *path)
{
	char *data = NULL;
	size_t len = 0;

	if (mdc_file_read(path, 65536, &data, &len) != 0) {
		fprintf(stderr, "cldap_ping: cannot read %s\n", path);
		return 2;
	}
	print_blob((const uint8_t *)data, len);
	free(data);
	return 0;
}

/* Send req to addr:port and print the first answer within wait_ms. */
static int
exchange(const struct opts *o, const uint8_t *req, size_t reqlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct pollfd pfd;
	static uint8_t buf[65536];
	static struct mdc_cldap_resp resp;
	ssize_t n;
	int fd;

	if (mdc_net_addr(o->addr, o->port, &ss, &sslen) != 0)
		return 2;
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sslen) != 0 ||
	    send(fd, req, reqlen, 0) < 0) {
		perror("cldap_ping: send");
		return 2;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	n = poll(&pfd, 1, o->wait_ms) == 1 ? recv(fd, buf, sizeof(buf), 0) : -1;
	close(fd);
	if (n < 0) {
		printf("no answer\n");
		return 1;
	}
	if (mdc_cldap_parse_reply(buf, (size_t)n, &resp) != 0) {
		printf("malformed answer (%zd bytes)\n", n);
		return 3;
	}
	printf("msgid: %d\nentry: %s\nresult: %d\n", resp.msgid,
	       resp.have_entry ? "yes" : "no", resp.result);
	if (resp.have_blob)
		print_blob(resp.blob, resp.bloblen);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct opts o;
	uint8_t req[8192];
	size_t len = 0;
	long n;

	if (parse_opts(argc, argv, &o) != 0) {
		fprintf(stderr,
		        "usage: cldap_ping [-p PORT] [-w MS] [-o] [-a ATTR] "
		        "[-m ID] [-r HEX] ADDR TERM... | -W TERM... | -D "
		        "FILE\n");
		return 2;
	}
	if (o.decode != NULL)
		return decode_file(o.decode);
	if (o.raw != NULL) {
		n = unescape(o.raw, req, sizeof(req), 1);
		if (n < 0)
			return 2;
		len = (size_t)n;
	} else if (mdc_cldap_request(o.msgid, o.terms, o.nterms, o.or_filter,
	                             o.attr, req, sizeof(req), &len) != 0) {
		return 2;
	}
	if (o.write_only)
		return fwrite(req, 1, len, stdout) == len ? 0 : 2;
	return exchange(&o, req, len);
}
