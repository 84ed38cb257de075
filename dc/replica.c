/* dc/replica.c - replication agreements: the file, slapd.conf, the stash */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dc/replica.h"
#include "lib/util.h"

#define REPL_FILE "replication.conf"

/* A decimal in [lo, hi] into *v; 0 or MDC_EMALF. */
static int
parse_long(const char *s, long lo, long hi, long *v)
{
	char *end;

	if (s == NULL || *s == '\0')
		return MDC_EMALF;
	*v = strtol(s, &end, 10);
	return *end == '\0' && *v >= lo && *v <= hi ? 0 : MDC_EMALF;
}

/* Copy s into dst[cap]; MDC_EMALF if it is empty or does not fit. */
static int
copy_field(char *dst, size_t cap, const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) >= cap)
		return MDC_EMALF;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/* "peer SID NAME ADDR PORT" (line is modified). */
static int
parse_peer(char *line, struct mdc_replica_peer *p)
{
	char *f[6] = {NULL}, *save = NULL;
	int n = 0, ret;

	for (char *t = strtok_r(line, " \t", &save); t != NULL && n < 6;
	     t = strtok_r(NULL, " \t", &save))
		f[n++] = t;
	if (n != 5 || strcmp(f[0], "peer") != 0)
		return MDC_EMALF;
	ret = parse_long(f[1], 1, 999, &p->sid);
	if (ret == 0)
		ret = copy_field(p->name, sizeof(p->name), f[2]);
	if (ret == 0)
		ret = copy_field(p->addr, sizeof(p->addr), f[3]);
	if (ret == 0)
		ret = parse_long(f[4], 1, 65535, &p->port);
	return ret;
}

int
mdc_replica_load(const struct mdc_dcconf *c, struct mdc_replica *r)
{
	char *path = mdc_dc_path(c, REPL_FILE), *text = NULL, *line, *save;
	int ret;

	memset(r, 0, sizeof(*r));
	if (path == NULL)
		return MDC_ENOMEM;
	ret = mdc_file_read(path, 1 << 16, &text, NULL);
	if (ret == MDC_ENOENT) {
		ret = 0;
		goto out;
	}
	for (line = text != NULL ? strtok_r(text, "\n", &save) : NULL;
	     ret == 0 && line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "self ", 5) == 0)
			ret = parse_long(line + 5, 0, 999, &r->self_sid);
		else if (r->n == MDC_REPLICA_MAX)
			ret = MDC_EMALF;
		else
			ret = parse_peer(line, &r->p[r->n++]);
	}
out:
	free(path);
	free(text);
	return ret;
}

int
mdc_replica_save(const struct mdc_dcconf *c, const struct mdc_replica *r)
{
	char *path = mdc_dc_path(c, REPL_FILE), *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret = MDC_ENOMEM;

	f = path != NULL ? open_memstream(&text, &len) : NULL;
	if (f == NULL)
		goto out;
	fprintf(f,
	        "# the DCs this one replicates from, kept equal to the "
	        "directory by minidc\nself %ld\n",
	        r->self_sid);
	for (int i = 0; i < r->n; i++)
		fprintf(f, "peer %ld %s %s %ld\n", r->p[i].sid, r->p[i].name,
		        r->p[i].addr, r->p[i].port);
	if (fclose(f) == 0)
		ret = mdc_file_write(path, text, len, 0644);
out:
	free(text);
	free(path);
	return ret;
}

void
mdc_replica_slapd_global(const struct mdc_dcconf *c, FILE *out)
{
	struct mdc_replica r;

	if (mdc_replica_load(c, &r) == 0 && r.self_sid > 0)
		fprintf(out, "serverID %ld\n", r.self_sid);
}

void
mdc_replica_slapd_db(const struct mdc_dcconf *c, FILE *out)
{
	struct mdc_replica r;

	/* The other DCs read the whole domain, without the size limit (also
	 * on a single DC: the first refresh of a joining one). */
	fprintf(out,
	        "limits dn.children=\"OU=Domain Controllers,%s\" "
	        "size=unlimited time=unlimited\n",
	        c->base_dn);
	if (mdc_replica_load(c, &r) != 0 || r.self_sid == 0)
		return;
	for (int i = 0; i < r.n; i++)
		fprintf(out,
		        "syncrepl rid=%03ld provider=ldap://%s:%ld/ "
		        "bindmethod=sasl saslmech=GSSAPI "
		        "secprops=minssf=56 searchbase=\"%s\" "
		        "type=refreshAndPersist retry=\"1 +\" "
		        "timeout=5 network-timeout=5 keepalive=60:3:10 "
		        "schemachecking=off\n",
		        r.p[i].sid, r.p[i].addr, r.p[i].port, c->base_dn);
	if (r.n > 0)
		fprintf(out, "multiprovider on\n");
}

char *
mdc_replica_kdc_lines(const struct mdc_dcconf *c)
{
	struct mdc_replica r;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (mdc_replica_load(c, &r) != 0)
		r.n = 0;
	f = open_memstream(&text, &len);
	if (f == NULL)
		return NULL;
	for (int i = 0; i < r.n; i++)
		fprintf(f, "\t\tkdc = %s:%ld\n", r.p[i].addr, c->port_kdc);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

char *
mdc_replica_env_ktname(const struct mdc_dcconf *c)
{
	return mdc_strdupf("KRB5_CLIENT_KTNAME=FILE:%s/krb5/dc.keytab", c->dir);
}

char *
mdc_replica_mkey_dn(const struct mdc_dcconf *c)
{
	return mdc_strdupf("CN=Master Key,CN=System,%s", c->base_dn);
}
