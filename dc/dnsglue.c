/* dc/dnsglue.c - the DNS area in the DC: supervisor entry and provisioning LDIF
 */
#include "config.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ad/dnswire.h"
#include "dc/dnsglue.h"
#include "dns/dns.h"
#include "dns/privdir.h"
#include "lib/net.h"
#include "lib/util.h"

static int
dns_argv(const struct mdc_dcconf *c, const char *self, char ***argv_out,
         char ***envp_out)
{
	*envp_out = NULL;
	*argv_out = mdc_strv_new(self, "dns-serve", "--dir", c->dir, NULL);
	return *argv_out != NULL ? 0 : MDC_ENOMEM;
}

/* Build "SOA <domain>?" with id 0x4d44; returns its length or 0. */
static size_t
soa_query(const char *domain, uint8_t *q, size_t cap)
{
	struct dns_hdr h = {.id = 0x4d44, .qd = 1};
	size_t n = DNS_HDR_LEN;
	const char *p = domain;

	dns_hdr_put(q, &h);
	while (*p != '\0') {
		size_t l = strcspn(p, ".");
		if (l == 0 || l > 63 || n + l + 6 > cap)
			return 0;
		q[n++] = (uint8_t)l;
		memcpy(q + n, p, l);
		n += l;
		p += l + (p[l] == '.');
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = DNS_T_SOA;
	q[n++] = 0;
	q[n++] = DNS_C_IN;
	return n;
}

/* Ready = the SOA of our zone is answered with NOERROR (zone loaded). */
static int
dns_ready(const struct mdc_dcconf *c)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	uint8_t q[300], r[512];
	struct pollfd pfd = {.events = POLLIN};
	size_t n = soa_query(c->dns_domain, q, sizeof(q));
	int ret = MDC_EAGAIN;
	ssize_t got;

	if (n == 0 || mdc_net_addr(c->address, (int)c->port_dns, &ss, &sl) != 0)
		return MDC_EINVAL;
	pfd.fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (pfd.fd < 0)
		return mdc_err_from_errno(errno);
	if (connect(pfd.fd, (struct sockaddr *)&ss, sl) == 0 &&
	    send(pfd.fd, q, n, 0) == (ssize_t)n && poll(&pfd, 1, 200) == 1) {
		got = recv(pfd.fd, r, sizeof(r), 0);
		if (got >= DNS_HDR_LEN && r[0] == q[0] && r[1] == q[1] &&
		    (r[3] & 0xf) == DNS_R_NOERROR && (r[6] | r[7]) != 0)
			ret = 0;
	}
	close(pfd.fd);
	return ret;
}

/* A copy of s ("" for NULL) into *out; -1 when out of memory. */
static int
dup_into(char **out, const char *s)
{
	*out = strdup(s != NULL ? s : "");
	return *out != NULL ? 0 : -1;
}

int
dns_glue_conf(const struct mdc_dcconf *c, struct dns_conf *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	bad |= dup_into(&out->domain, c->dns_domain);
	bad |= dup_into(&out->base_dn, c->base_dn);
	bad |= dup_into(&out->domain_sid, c->domain_sid);
	bad |= dup_into(&out->host_name, c->host_name);
	bad |= dup_into(&out->fqdn, c->fqdn);
	bad |= dup_into(&out->address, c->address);
	bad |= dup_into(&out->forwarders, c->dns_forwarders);
	bad |= dup_into(&out->axfr_allow, c->dns_axfr_allow);
	out->port = c->port_dns;
	out->workers = c->dns_workers;
	out->debug = c->log_debug != 0;
	out->ldapi_uri = mdc_dc_ldapi_uri(c);
	out->krb5_conf = mdc_dc_path(c, "krb5.conf");
	out->keytab = mdc_dc_path(c, "krb5/dns.keytab");
	out->privdir = mdc_dc_path(c, DNS_PRIVDIR);
	if (bad || out->ldapi_uri == NULL || out->krb5_conf == NULL ||
	    out->keytab == NULL || out->privdir == NULL) {
		dns_conf_clear(out);
		return MDC_ENOMEM;
	}
	return 0;
}

/* The daemon's loader: DIR/minidc.conf, told as dns/ wants it. */
static int
load_conf(const char *dir, struct dns_conf *out, struct mdc_err *err)
{
	struct mdc_dcconf c;
	int ret;

	ret = mdc_dcconf_load(dir, &c, err);
	if (ret != 0)
		return ret;
	ret = dns_glue_conf(&c, out);
	if (ret != 0)
		mdc_err_set(err, ret, "out of memory");
	mdc_dcconf_free(&c);
	return ret;
}

int
dns_glue_serve(int argc, char **argv)
{
	return dns_cmd_serve(argc, argv, load_conf);
}

/* The service's check hook: the server's directory works. */
static int
dns_check(const struct mdc_dcconf *c, struct mdc_err *err)
{
	struct dns_conf dc;
	int ret;

	ret = dns_glue_conf(c, &dc);
	if (ret == 0)
		ret = dns_privdir_check(&dc, err);
	else
		mdc_err_set(err, ret, "out of memory");
	dns_conf_clear(&dc);
	return ret;
}

const struct mdc_service dns_service = {
        .name = "dns",
        .argv = dns_argv,
        .ready = dns_ready,
        .ready_timeout_ms = 30000,
        .check = dns_check,
};

#define RECORD_TTL 900

struct rec {
	char *name; /* relative owner name, "@" for the apex */
	const char *attr;
	char *value;
};

struct recs {
	struct rec r[64];
	int n, err;
};

static void
add(struct recs *rs, char *name, const char *attr, char *value)
{
	if (name == NULL || value == NULL || rs->n == 64) {
		free(name);
		free(value);
		rs->err = 1;
		return;
	}
	rs->r[rs->n++] = (struct rec){name, attr, value};
}

static void
srv(struct recs *rs, const struct mdc_dcconf *c, char *name, long port)
{
	add(rs, name, "sRVRecord", mdc_strdupf("0 100 %ld %s.", port, c->fqdn));
}

static void
addr(struct recs *rs, const struct mdc_dcconf *c, char *name)
{
	add(rs, name, strchr(c->address, ':') ? "aAAARecord" : "aRecord",
	    strdup(c->address));
}

/* The netlogon.dns set of the spec (section 1), one site. */
static void
locator_records(struct recs *rs, const struct mdc_dcconf *c)
{
	const char *s = c->site;
	long ldap = c->port_ldap, kdc = c->port_kdc, kpw = c->port_kpasswd;
	long gc = c->port_gc;

	addr(rs, c, strdup(c->host_name));
	srv(rs, c, strdup("_ldap._tcp"), ldap);
	srv(rs, c, mdc_strdupf("_ldap._tcp.%s._sites", s), ldap);
	srv(rs, c, strdup("_ldap._tcp.dc._msdcs"), ldap);
	srv(rs, c, mdc_strdupf("_ldap._tcp.%s._sites.dc._msdcs", s), ldap);
	srv(rs, c, strdup("_ldap._tcp.pdc._msdcs"), ldap);
	srv(rs, c, mdc_strdupf("_ldap._tcp.%s.domains._msdcs", c->domain_guid),
	    ldap);
	/* The Global Catalog: the same DIT on its own port (slapd). */
	srv(rs, c, strdup("_ldap._tcp.gc._msdcs"), gc);
	srv(rs, c, mdc_strdupf("_ldap._tcp.%s._sites.gc._msdcs", s), gc);
	srv(rs, c, strdup("_gc._tcp"), gc);
	srv(rs, c, mdc_strdupf("_gc._tcp.%s._sites", s), gc);
	addr(rs, c, strdup("gc._msdcs"));
	srv(rs, c, strdup("_kerberos._tcp"), kdc);
	srv(rs, c, strdup("_kerberos._udp"), kdc);
	srv(rs, c, mdc_strdupf("_kerberos._tcp.%s._sites", s), kdc);
	srv(rs, c, strdup("_kerberos._tcp.dc._msdcs"), kdc);
	srv(rs, c, mdc_strdupf("_kerberos._tcp.%s._sites.dc._msdcs", s), kdc);
	srv(rs, c, strdup("_kerberos-master._tcp"), kdc);
	srv(rs, c, strdup("_kerberos-master._udp"), kdc);
	srv(rs, c, strdup("_kpasswd._tcp"), kpw);
	srv(rs, c, strdup("_kpasswd._udp"), kpw);
	add(rs, mdc_strdupf("%s._msdcs", c->ntds_guid), "cNAMERecord",
	    mdc_strdupf("%s.", c->fqdn));
	add(rs, strdup("_kerberos"), "tXTRecord",
	    mdc_strdupf("\"%s\"", c->realm));
	for (int i = 0; i < 2; i++) {
		const char *p = i == 0 ? "DomainDnsZones" : "ForestDnsZones";
		addr(rs, c, strdup(p));
		srv(rs, c, mdc_strdupf("_ldap._tcp.%s", p), ldap);
		srv(rs, c, mdc_strdupf("_ldap._tcp.%s._sites.%s", s, p), ldap);
	}
}

static void
emit_zone(FILE *out, const struct mdc_dcconf *c)
{
	fprintf(out,
	        "dn: cn=dns,%s\nobjectClass: top\nobjectClass: container\n"
	        "cn: dns\n\n",
	        c->base_dn);
	fprintf(out,
	        "dn: idnsName=%s,cn=dns,%s\nobjectClass: top\n"
	        "objectClass: idnsRecord\nobjectClass: idnsZone\n"
	        "idnsName: %s\nidnsZoneActive: TRUE\nidnsSOAmName: %s.\n"
	        "idnsSOArName: hostmaster.%s.\nidnsSOAserial: 1\n"
	        "idnsSOArefresh: 900\nidnsSOAretry: 600\nidnsSOAexpire: 86400\n"
	        "idnsSOAminimum: 3600\ndNSTTL: %d\nnSRecord: %s.\n%s: %s\n\n",
	        c->dns_domain, c->base_dn, c->dns_domain, c->fqdn,
	        c->dns_domain, RECORD_TTL, c->fqdn,
	        strchr(c->address, ':') ? "aAAARecord" : "aRecord", c->address);
}

/*
 * The reverse zone of the DC's IPv4 /24 with the DC's PTR (clients such as
 * msktutil and GSSAPI with rdns look the DC's address up).  Nothing for an
 * IPv6 address.
 */
static void
emit_reverse_zone(FILE *out, const struct mdc_dcconf *c)
{
	unsigned char ip[4];
	unsigned d;
	char zone[64];

	if (inet_pton(AF_INET, c->address, ip) != 1)
		return;
	d = ip[3];
	snprintf(zone, sizeof(zone), "%u.%u.%u.in-addr.arpa", ip[2], ip[1],
	         ip[0]);
	fprintf(out,
	        "dn: idnsName=%s,cn=dns,%s\nobjectClass: top\n"
	        "objectClass: idnsRecord\nobjectClass: idnsZone\n"
	        "idnsName: %s\nidnsZoneActive: TRUE\nidnsSOAmName: %s.\n"
	        "idnsSOArName: hostmaster.%s.\nidnsSOAserial: 1\n"
	        "idnsSOArefresh: 900\nidnsSOAretry: 600\nidnsSOAexpire: 86400\n"
	        "idnsSOAminimum: 3600\ndNSTTL: %d\nnSRecord: %s.\n\n",
	        zone, c->base_dn, zone, c->fqdn, c->dns_domain, RECORD_TTL,
	        c->fqdn);
	fprintf(out,
	        "dn: idnsName=%u,idnsName=%s,cn=dns,%s\nobjectClass: top\n"
	        "objectClass: idnsRecord\nidnsName: %u\ndNSTTL: %d\n"
	        "pTRRecord: %s.\n\n",
	        d, zone, c->base_dn, d, RECORD_TTL, c->fqdn);
}

int
dns_locator_each(const struct mdc_dcconf *conf, dns_record_fn fn, void *arg)
{
	struct recs rs = {0};

	locator_records(&rs, conf);
	for (int i = 0; i < rs.n && !rs.err; i++)
		fn(arg, rs.r[i].name, rs.r[i].attr, rs.r[i].value);
	for (int i = 0; i < rs.n; i++) {
		free(rs.r[i].name);
		free(rs.r[i].value);
	}
	return rs.err ? MDC_ENOMEM : 0;
}

int
dns_provision_ldif(const struct mdc_dcconf *conf, FILE *out)
{
	struct recs rs = {0};
	int ret = MDC_ENOMEM;

	if (conf->dns_domain == NULL || conf->fqdn == NULL ||
	    conf->address == NULL || conf->site == NULL ||
	    conf->domain_guid == NULL || conf->ntds_guid == NULL ||
	    conf->host_name == NULL || conf->realm == NULL)
		return MDC_EINVAL;
	locator_records(&rs, conf);
	if (rs.err)
		goto out;
	emit_zone(out, conf);
	/* One entry per owner name; records of a name are adjacent. */
	for (int i = 0; i < rs.n; i++) {
		if (i == 0 || strcmp(rs.r[i].name, rs.r[i - 1].name) != 0)
			fprintf(out,
			        "%sdn: idnsName=%s,idnsName=%s,cn=dns,%s\n"
			        "objectClass: top\nobjectClass: idnsRecord\n"
			        "idnsName: %s\ndNSTTL: %d\n",
			        i == 0 ? "" : "\n", rs.r[i].name,
			        conf->dns_domain, conf->base_dn, rs.r[i].name,
			        RECORD_TTL);
		fprintf(out, "%s: %s\n", rs.r[i].attr, rs.r[i].value);
	}
	fputc('\n', out);
	emit_reverse_zone(out, conf);
	ret = ferror(out) ? MDC_ENOMEM : 0;
out:
	for (int i = 0; i < rs.n; i++) {
		free(rs.r[i].name);
		free(rs.r[i].value);
	}
	return ret;
}
