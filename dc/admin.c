/* dc/admin.c - `minidc user|group|computer|delegation` over the directory */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "ad/dcconf.h"
#include "ad/mods.h"
#include "dc/acctname.h"
#include "dc/admin.h"
#include "dc/adwrite.h"
#include "dc/cmd.h"
#include "dc/dit.h"
#include "dc/krb5conf.h"
#include "lib/ad.h"
#include "lib/util.h"

#define PW_MAX 256

/* One parsed invocation: minidc <cmd> <verb> [args] --dir D [...] */
struct inv {
	const char *cmd;
	const char *verb;
	char *args[3];
	int nargs;
	const char *dir;
	const char *domain; /* --domain: dir in the installed layout */
	char *def_dir;      /* owned: the default dir, if dir is NULL */
	const char *pwfile;
	struct mdc_dcconf conf;
	int have_conf;
	int kerberos; /* 1: GSSAPI as the caller, through the dsa */
	struct mdc_adw *w;
};

/* Parse verb, positional args and options. */
static int
parse(struct inv *v, int argc, char **argv)
{
	static const struct option lo[] = {
	        {"dir", required_argument, NULL, 'D'},
	        {"domain", required_argument, NULL, 'd'},
	        {"password-file", required_argument, NULL, 'p'},
	        {"kerberos", no_argument, NULL, 'k'},
	        {NULL, 0, NULL, 0},
	};
	int ch;

	v->cmd = argv[0];
	v->dir = getenv("MINIDC_DIR");
	v->kerberos = geteuid() != 0; /* only root may use ldapi */
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+:", lo, NULL)) != -1 ||
	       optind < argc) {
		if (ch == -1) {
			if (v->verb == NULL) {
				v->verb = argv[optind];
			} else if (v->nargs < 3) {
				v->args[v->nargs++] = argv[optind];
			} else {
				mdc_cmd_error(v->cmd,
				              "unexpected argument '%s'",
				              argv[optind]);
				return 2;
			}
			optind++;
		} else if (ch == 'D') {
			v->dir = optarg;
		} else if (ch == 'd') {
			v->domain = optarg;
		} else if (ch == 'p') {
			v->pwfile = optarg;
		} else if (ch == 'k') {
			v->kerberos = 1;
		} else {
			mdc_cmd_bad_option(v->cmd, argv, ch);
			return 2;
		}
	}
	if (v->verb == NULL) {
		mdc_cmd_error(v->cmd, "no verb given");
		return 2;
	}
	if (v->dir == NULL || v->domain != NULL)
		return mdc_cmd_default_dir(v->cmd, v->domain, &v->def_dir);
	return 0;
}

/* Load DIR/minidc.conf and connect to the directory. */
static int
connect_dc(struct inv *v)
{
	struct mdc_err err = {""};

	if (v->def_dir != NULL)
		v->dir = v->def_dir;
	if (mdc_dcconf_load(v->dir, &v->conf, &err) != 0) {
		mdc_cmd_error(v->cmd, "%s", err.text);
		return 1;
	}
	v->have_conf = 1;
	if (mdc_adw_open(&v->conf, v->kerberos, &v->w, &err) != 0) {
		mdc_cmd_error(v->cmd, "%s", err.text);
		return 1;
	}
	return 0;
}

static void
inv_free(struct inv *v)
{
	mdc_adw_close(v->w);
	free(v->def_dir);
	if (v->have_conf)
		mdc_dcconf_free(&v->conf);
}

/* Read a line without echo from the terminal (prompt on stderr). */
static int
read_tty(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int ok;

	fputs(prompt, stderr);
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return MDC_EINVAL;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	ok = fgets(buf, (int)len, stdin) != NULL;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (!ok)
		return MDC_EINVAL;
	mdc_str_chomp(buf);
	return 0;
}

/* The new password: --password-file (0600), a prompt, or stdin. */
static int
read_password(struct inv *v, char *pw, size_t len)
{
	char again[PW_MAX], *data = NULL;
	struct stat st;
	int ret;

	if (v->pwfile != NULL) {
		if (stat(v->pwfile, &st) != 0 || (st.st_mode & 077) != 0) {
			mdc_cmd_error(v->cmd, "%s: missing or not mode 0600",
			              v->pwfile);
			return MDC_EACCES;
		}
		ret = mdc_file_read(v->pwfile, len - 1, &data, NULL);
		if (ret == 0) {
			mdc_str_chomp(data);
			snprintf(pw, len, "%s", data);
			mdc_secret_free(data, 0);
		}
	} else if (isatty(STDIN_FILENO)) {
		ret = read_tty("New password: ", pw, len);
		if (ret == 0)
			ret = read_tty("Again: ", again, sizeof(again));
		if (ret == 0 && strcmp(pw, again) != 0)
			ret = MDC_EINVAL;
		explicit_bzero(again, sizeof(again));
	} else {
		ret = fgets(pw, (int)len, stdin) != NULL ? 0 : MDC_EINVAL;
		if (ret == 0)
			mdc_str_chomp(pw);
	}
	if (ret == 0 && (pw[0] == '\0' || strchr(pw, '\n') != NULL))
		ret = MDC_EINVAL;
	if (ret != 0)
		mdc_cmd_error(v->cmd, "no usable password given");
	return ret;
}

/* The unicodePwd value of pw: "pw" in UTF-16LE (new buffer). */
static int
unicodepwd(const char *pw, char **out, size_t *len)
{
	char *q = mdc_strdupf("\"%s\"", pw), *in, *o;
	size_t inleft, outleft, cap;
	iconv_t cd;
	int ret = MDC_EINVAL;

	if (q == NULL)
		return MDC_ENOMEM;
	cap = 4 * strlen(q) + 4;
	*out = calloc(1, cap);
	cd = iconv_open("UTF-16LE", "UTF-8");
	if (*out != NULL && cd != (iconv_t)-1) {
		in = q;
		inleft = strlen(q);
		o = *out;
		outleft = cap;
		if (iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1) {
			*len = cap - outleft;
			ret = 0;
		}
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	mdc_secret_free(q, 0);
	if (ret != 0) {
		free(*out);
		*out = NULL;
	}
	return ret;
}

/* Reset the password over LDAP (unicodePwd): the dsa derives the keys. */
static int
set_password_ldap(struct inv *v, const char *sam, const char *pw)
{
	struct berval bv, *vals[] = {&bv, NULL};
	LDAPMod m = {LDAP_MOD_REPLACE | LDAP_MOD_BVALUES,
	             "unicodePwd",
	             {.modv_bvals = vals}};
	LDAPMod *mods[] = {&m, NULL};
	char *dn = NULL, *val = NULL;
	size_t len = 0;
	int ret;

	ret = mdc_adw_find(v->w, "(objectClass=user)", sam, &dn);
	if (ret == 0)
		ret = unicodepwd(pw, &val, &len);
	if (ret == 0) {
		bv.bv_val = val;
		bv.bv_len = len;
		ret = mdc_adw_modify(v->w, dn, mods);
	}
	if (ret != 0)
		mdc_cmd_error(v->cmd, "cannot set the password of %s: %s", sam,
		              ret == MDC_ELDAP ? mdc_adw_error(v->w)
		                               : mdc_strerror(ret));
	if (val != NULL)
		mdc_secret_free(val, len);
	free(dn);
	return ret;
}

/*
 * Set sam's password: a unicodePwd write, which the dsa (in process as the
 * DC, or behind slapd for a Kerberos admin) turns into keys.
 */
static int
set_password(struct inv *v, const char *sam, const char *pw)
{
	return set_password_ldap(v, sam, pw);
}

/* Modify dn with one change: op on type with the value val. */
static int
modify_one(struct inv *v, const char *dn, int op, const char *type,
           const char *val)
{
	struct mdc_mods ms = {0};
	int ret;

	mdc_mods_str(&ms, op, type, val);
	ret = ms.err != 0 ? ms.err : mdc_adw_modify(v->w, dn, ms.m);
	mdc_mods_free(&ms);
	return ret;
}

/* RFC 4514 escaping of an RDN value (new string). */
static char *
dn_value(const char *v)
{
	size_t n = strlen(v), i, o = 0;
	char *r = malloc(2 * n + 1);

	if (r == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (strchr(",+\"\\<>;=", v[i]) != NULL ||
		    (i == 0 && (v[i] == '#' || v[i] == ' ')) ||
		    (i == n - 1 && v[i] == ' '))
			r[o++] = '\\';
		r[o++] = v[i];
	}
	r[o] = '\0';
	return r;
}

/* Fail with a one-line error unless name is a valid account name. */
static int
check_sam(struct inv *v, const char *name, int computer)
{
	if (name != NULL && mdc_sam_valid(name, computer))
		return 0;
	mdc_cmd_error(v->cmd, "invalid account name '%s'",
	              name != NULL ? name : "");
	return 1;
}

/*
 * Add the user with what the user asked for, as an ldapadd with unicodePwd
 * would: one request, which the dsa completes (SID and RID, GUID, times,
 * primaryGroupID, sAMAccountType, keys) and stores enabled with its keys,
 * or refuses with nothing stored (a password the policy refuses included).
 */
static int
user_add_entry(struct inv *v, const char *name, const char *dn, const char *pw)
{
	static const char *const oc[] = {"top", "person",
	                                 "organizationalPerson", "user", NULL};
	struct mdc_mods ms = {0};
	char *upn = mdc_strdupf("%s@%s", name, v->conf.dns_domain);
	char *val = NULL;
	size_t len = 0;
	int ret, i;

	for (i = 0; oc[i] != NULL; i++)
		mdc_mods_str(&ms, LDAP_MOD_ADD, "objectClass", oc[i]);
	mdc_mods_str(&ms, LDAP_MOD_ADD, "cn", name);
	mdc_mods_str(&ms, LDAP_MOD_ADD, "sAMAccountName", name);
	if (upn != NULL)
		mdc_mods_str(&ms, LDAP_MOD_ADD, "userPrincipalName", upn);
	ret = upn == NULL || ms.err != 0 ? MDC_ENOMEM
	                                 : unicodepwd(pw, &val, &len);
	if (ret == 0) {
		mdc_mods_bin(&ms, LDAP_MOD_ADD, "unicodePwd", val, len);
		ret = ms.err != 0 ? ms.err : mdc_adw_add(v->w, dn, ms.m);
	}
	if (ret != 0)
		mdc_cmd_error(v->cmd, "cannot add %s: %s", dn,
		              ret == MDC_ENOMEM || ret == MDC_EINVAL
		                      ? mdc_strerror(ret)
		                      : mdc_adw_error(v->w));
	if (val != NULL)
		mdc_secret_free(val, len);
	mdc_mods_free(&ms);
	free(upn);
	return ret;
}

static int
user_add(struct inv *v)
{
	const char *name = v->args[0];
	char pw[PW_MAX], *dn = NULL, *edn = NULL, *found = NULL;
	int ret;

	if (v->nargs != 1)
		return 2;
	if (check_sam(v, name, 0) != 0)
		return 1;
	if (name[strlen(name) - 1] == '$') {
		mdc_cmd_error(v->cmd, "invalid user name '%s' (ends with $)",
		              name);
		return 1;
	}
	if (mdc_adw_find(v->w, "", name, &found) == 0) {
		mdc_cmd_error(v->cmd, "account %s already exists", name);
		free(found);
		return 1;
	}
	if (read_password(v, pw, sizeof(pw)) != 0)
		return 1;
	edn = dn_value(name);
	dn = edn != NULL
	             ? mdc_strdupf("CN=%s,CN=Users,%s", edn, v->conf.base_dn)
	             : NULL;
	ret = dn == NULL ? MDC_ENOMEM : user_add_entry(v, name, dn, pw);
	if (ret == 0)
		printf("added user %s (%s)\n", name, dn);
	explicit_bzero(pw, sizeof(pw));
	free(dn);
	free(edn);
	return ret == 0 ? 0 : 1;
}

/* Read one integer attribute of dn (0 if absent). */
static int
read_int(struct inv *v, const char *dn, const char *attr, long long *val)
{
	char *attrs[] = {(char *)attr, NULL}, buf[32];
	LDAPMessage *res = NULL, *e;
	struct berval **vals = NULL;
	int ret;

	*val = 0;
	ret = mdc_adw_search(v->w, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	                     attrs, &res);
	if (ret != 0)
		return ret;
	e = ldap_first_entry(mdc_adw_ld(v->w), res);
	if (e != NULL)
		vals = ldap_get_values_len(mdc_adw_ld(v->w), e, attr);
	if (vals != NULL && vals[0] != NULL && vals[0]->bv_len < sizeof(buf)) {
		memcpy(buf, vals[0]->bv_val, vals[0]->bv_len);
		buf[vals[0]->bv_len] = '\0';
		*val = strtoll(buf, NULL, 10);
	}
	ldap_value_free_len(vals);
	ldap_msgfree(res);
	return 0;
}

#define USER_ONLY "(objectClass=user)(!(objectClass=computer))"

/* Find a user (not a computer) by name, with a one-line error if absent. */
static int
find_user(struct inv *v, const char *name, char **dn_out)
{
	if (v->nargs != 1)
		return 2;
	if (check_sam(v, name, 0) != 0)
		return 1;
	if (mdc_adw_find(v->w, USER_ONLY, name, dn_out) != 0) {
		mdc_cmd_error(v->cmd, "no user %s", name);
		return 1;
	}
	return 0;
}

/* Set or clear ACCOUNTDISABLE. */
static int
user_enable(struct inv *v, int disable)
{
	long long uac = 0;
	char *dn = NULL, val[16];
	int ret;

	ret = find_user(v, v->args[0], &dn);
	if (ret != 0)
		return ret;
	if (strcasecmp(v->args[0], "krbtgt") == 0) {
		mdc_cmd_error(v->cmd, "krbtgt stays disabled");
		free(dn);
		return 1;
	}
	ret = read_int(v, dn, "userAccountControl", &uac);
	if (disable)
		uac |= MDC_UAC_ACCOUNTDISABLE;
	else
		uac &= ~(long long)MDC_UAC_ACCOUNTDISABLE;
	snprintf(val, sizeof(val), "%lld", uac);
	if (ret == 0)
		ret = modify_one(v, dn, LDAP_MOD_REPLACE, "userAccountControl",
		                 val);
	if (ret != 0)
		mdc_cmd_error(v->cmd, "cannot change %s: %s", dn,
		              mdc_adw_error(v->w));
	else
		printf("%s user %s\n", disable ? "disabled" : "enabled",
		       v->args[0]);
	free(dn);
	return ret == 0 ? 0 : 1;
}

/* AD's unlock: lockoutTime 0 (the dsa clears badPwdCount with it). */
static int
user_unlock(struct inv *v)
{
	char *dn = NULL;
	int ret;

	ret = find_user(v, v->args[0], &dn);
	if (ret != 0)
		return ret;
	ret = modify_one(v, dn, LDAP_MOD_REPLACE, "lockoutTime", "0");
	if (ret != 0)
		mdc_cmd_error(v->cmd, "cannot unlock %s: %s", dn,
		              mdc_adw_error(v->w));
	else
		printf("unlocked user %s\n", v->args[0]);
	free(dn);
	return ret == 0 ? 0 : 1;
}

static int
user_del(struct inv *v)
{
	char *dn = NULL;
	int ret;

	ret = find_user(v, v->args[0], &dn);
	if (ret != 0)
		return ret;
	if (strcasecmp(v->args[0], "krbtgt") == 0 ||
	    strcasecmp(v->args[0], "Administrator") == 0) {
		mdc_cmd_error(v->cmd, "%s is a built-in account", v->args[0]);
		free(dn);
		return 1;
	}
	ret = mdc_adw_delete(v->w, dn);
	if (ret != 0)
		mdc_cmd_error(v->cmd, "cannot delete %s: %s", dn,
		              mdc_adw_error(v->w));
	else
		printf("deleted user %s (%s)\n", v->args[0], dn);
	free(dn);
	return ret == 0 ? 0 : 1;
}

static int
user_passwd(struct inv *v)
{
	char pw[PW_MAX], *dn = NULL;
	int ret;

	ret = find_user(v, v->args[0], &dn);
	free(dn);
	if (ret != 0)
		return ret;
	if (read_password(v, pw, sizeof(pw)) != 0)
		return 1;
	ret = set_password(v, v->args[0], pw);
	explicit_bzero(pw, sizeof(pw));
	if (ret == 0)
		printf("set the password of %s\n", v->args[0]);
	return ret == 0 ? 0 : 1;
}

/* Print one attribute (first value) of every entry matching filter. */
static int
list(struct inv *v, const char *base, int scope, const char *filter,
     const char *attr)
{
	char *attrs[] = {(char *)attr, NULL};
	LDAP *ld = mdc_adw_ld(v->w);
	LDAPMessage *res = NULL, *e;
	struct berval **vals;
	int ret, i;

	ret = mdc_adw_search(v->w, base, scope, filter, attrs, &res);
	if (ret != 0) {
		mdc_cmd_error(v->cmd, "search failed: %s", mdc_adw_error(v->w));
		return 1;
	}
	for (e = ldap_first_entry(ld, res); e != NULL;
	     e = ldap_next_entry(ld, e)) {
		vals = ldap_get_values_len(ld, e, attr);
		for (i = 0; vals != NULL && vals[i] != NULL; i++)
			printf("%.*s\n", (int)vals[i]->bv_len, vals[i]->bv_val);
		ldap_value_free_len(vals);
	}
	ldap_msgfree(res);
	return 0;
}

/* Run fn after parsing and connecting; the usual exit statuses. */
static int
run(int argc, char **argv, const char *usage, int (*fn)(struct inv *v))
{
	struct inv v;
	int ret;

	memset(&v, 0, sizeof(v));
	ret = parse(&v, argc, argv);
	if (ret != 0) {
		fprintf(stderr, "usage: minidc %s\n", usage);
		free(v.def_dir);
		return ret;
	}
	ret = connect_dc(&v);
	if (ret == 0)
		ret = fn(&v);
	if (ret == 2)
		mdc_cmd_error(argv[0],
		              "'%s' with %d argument%s: unknown verb or wrong "
		              "number of arguments (usage: minidc %s)",
		              v.verb, v.nargs, v.nargs == 1 ? "" : "s", usage);
	inv_free(&v);
	return ret;
}

static int
user_main(struct inv *v)
{
	if (strcmp(v->verb, "add") == 0)
		return user_add(v);
	if (strcmp(v->verb, "del") == 0)
		return user_del(v);
	if (strcmp(v->verb, "passwd") == 0)
		return user_passwd(v);
	if (strcmp(v->verb, "enable") == 0)
		return user_enable(v, 0);
	if (strcmp(v->verb, "disable") == 0)
		return user_enable(v, 1);
	if (strcmp(v->verb, "unlock") == 0)
		return user_unlock(v);
	if (strcmp(v->verb, "list") == 0 && v->nargs == 0)
		return list(v, v->conf.base_dn, LDAP_SCOPE_SUBTREE,
		            "(&" USER_ONLY ")", "sAMAccountName");
	return 2;
}

int
mdc_cmd_user(int argc, char **argv)
{
	return run(argc, argv,
	           "user add|del|passwd|enable|disable|unlock NAME | user list "
	           "[--dir DIR | --domain D] [--password-file F] [--kerberos]",
	           user_main);
}

/* The group as asked for (an ldapadd's); the dsa completes it. */
static int
group_add_entry(struct inv *v, const char *name, const char *dn)
{
	struct mdc_mods ms = {0};
	int ret;

	mdc_mods_str(&ms, LDAP_MOD_ADD, "objectClass", "top");
	mdc_mods_str(&ms, LDAP_MOD_ADD, "objectClass", "group");
	mdc_mods_str(&ms, LDAP_MOD_ADD, "cn", name);
	mdc_mods_str(&ms, LDAP_MOD_ADD, "sAMAccountName", name);
	mdc_mods_int(&ms, LDAP_MOD_ADD, "groupType",
	             -2147483646); /* global security */
	ret = ms.err != 0 ? ms.err : mdc_adw_add(v->w, dn, ms.m);
	mdc_mods_free(&ms);
	return ret;
}

static int
group_add(struct inv *v)
{
	const char *name = v->args[0];
	char *dn = NULL, *edn = NULL, *found = NULL;
	int ret;

	if (v->nargs != 1)
		return 2;
	if (check_sam(v, name, 0) != 0)
		return 1;
	if (mdc_adw_find(v->w, "", name, &found) == 0) {
		mdc_cmd_error(v->cmd, "%s already exists", name);
		free(found);
		return 1;
	}
	edn = dn_value(name);
	dn = edn != NULL
	             ? mdc_strdupf("CN=%s,CN=Users,%s", edn, v->conf.base_dn)
	             : NULL;
	ret = dn == NULL ? MDC_ENOMEM : group_add_entry(v, name, dn);
	if (ret != 0)
		mdc_cmd_error(v->cmd, "cannot add %s: %s",
		              dn != NULL ? dn : name,
		              ret == MDC_ENOMEM ? mdc_strerror(ret)
		                                : mdc_adw_error(v->w));
	else
		printf("added group %s (%s)\n", name, dn);
	free(dn);
	free(edn);
	return ret == 0 ? 0 : 1;
}

/* Add or remove ACCOUNT (user, computer or group) in GROUP. */
static int
group_change_member(struct inv *v, int op)
{
	char *gdn = NULL, *mdn = NULL;
	int ret = 1;

	if (v->nargs != 2)
		return 2;
	if (check_sam(v, v->args[0], 0) != 0 || check_sam(v, v->args[1], 0))
		return 1;
	if (mdc_adw_find(v->w, "(objectClass=group)", v->args[0], &gdn) != 0)
		mdc_cmd_error(v->cmd, "no group %s", v->args[0]);
	else if (mdc_adw_find(v->w, "", v->args[1], &mdn) != 0)
		mdc_cmd_error(v->cmd, "no account %s", v->args[1]);
	else {
		ret = modify_one(v, gdn, op, "member", mdn) == 0 ? 0 : 1;
		if (ret != 0)
			mdc_cmd_error(v->cmd, "cannot change %s: %s", gdn,
			              mdc_adw_error(v->w));
		else
			printf("%s %s %s group %s\n",
			       op == LDAP_MOD_ADD ? "added" : "removed",
			       v->args[1], op == LDAP_MOD_ADD ? "to" : "from",
			       v->args[0]);
	}
	free(gdn);
	free(mdn);
	return ret;
}

static int
group_main(struct inv *v)
{
	char *dn = NULL;
	int ret;

	if (strcmp(v->verb, "add") == 0)
		return group_add(v);
	if (strcmp(v->verb, "addmember") == 0)
		return group_change_member(v, LDAP_MOD_ADD);
	if (strcmp(v->verb, "delmember") == 0)
		return group_change_member(v, LDAP_MOD_DELETE);
	if (strcmp(v->verb, "list") == 0 && v->nargs == 0)
		return list(v, v->conf.base_dn, LDAP_SCOPE_SUBTREE,
		            "(objectClass=group)", "sAMAccountName");
	if (strcmp(v->verb, "list") != 0 || v->nargs != 1)
		return 2;
	if (check_sam(v, v->args[0], 0) != 0)
		return 1;
	if (mdc_adw_find(v->w, "(objectClass=group)", v->args[0], &dn) != 0) {
		mdc_cmd_error(v->cmd, "no group %s", v->args[0]);
		return 1;
	}
	ret = list(v, dn, LDAP_SCOPE_BASE, "(objectClass=*)", "member");
	free(dn);
	return ret;
}

int
mdc_cmd_group(int argc, char **argv)
{
	return run(argc, argv,
	           "group add NAME | addmember|delmember GROUP ACCOUNT | "
	           "list [GROUP] [--dir DIR | --domain D]",
	           group_main);
}

/* "host2" -> "HOST2$" style lookup name (keeps the caller's case). */
static char *
computer_sam(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && name[n - 1] == '$' ? strdup(name)
	                                   : mdc_strdupf("%s$", name);
}

static int
computer_main(struct inv *v)
{
	char *sam = NULL, *dn = NULL;
	long long uac = 0;
	int ret = 1;

	if (strcmp(v->verb, "list") == 0 && v->nargs == 0)
		return list(v, v->conf.base_dn, LDAP_SCOPE_SUBTREE,
		            "(objectClass=computer)", "sAMAccountName");
	if (strcmp(v->verb, "del") != 0 || v->nargs != 1)
		return 2;
	sam = computer_sam(v->args[0]);
	if (sam == NULL || check_sam(v, sam, 1) != 0)
		goto out;
	if (mdc_adw_find(v->w, "(objectClass=computer)", sam, &dn) != 0) {
		mdc_cmd_error(v->cmd, "no computer %s", sam);
		goto out;
	}
	if (read_int(v, dn, "userAccountControl", &uac) == 0 &&
	    (uac & MDC_UAC_SERVER_TRUST_ACCOUNT)) {
		mdc_cmd_error(v->cmd, "%s is a domain controller", sam);
		goto out;
	}
	ret = mdc_adw_delete(v->w, dn) == 0 ? 0 : 1;
	if (ret != 0)
		mdc_cmd_error(v->cmd, "cannot delete %s: %s", dn,
		              mdc_adw_error(v->w));
	else
		printf("deleted computer %s (%s)\n", sam, dn);
out:
	free(sam);
	free(dn);
	return ret;
}

int
mdc_cmd_computer(int argc, char **argv)
{
	return run(argc, argv,
	           "computer list | del NAME [--dir DIR | --domain D]",
	           computer_main);
}

/* Find an account (user or computer, NAME or NAME$). */
static int
find_account(struct inv *v, const char *name, char **dn_out)
{
	char *sam;
	int ret;

	if (check_sam(v, name, 0) != 0)
		return 1;
	if (mdc_adw_find(v->w, "(objectClass=user)", name, dn_out) == 0)
		return 0;
	sam = computer_sam(name);
	ret = sam != NULL
	              ? mdc_adw_find(v->w, "(objectClass=user)", sam, dn_out)
	              : MDC_ENOMEM;
	free(sam);
	if (ret != 0)
		mdc_cmd_error(v->cmd, "no account %s", name);
	return ret == 0 ? 0 : 1;
}

static int
delegation_main(struct inv *v)
{
	int allow = strcmp(v->verb, "allow") == 0, ret;
	char *dn = NULL;

	if (strcmp(v->verb, "list") == 0 && v->nargs == 1) {
		ret = find_account(v, v->args[0], &dn);
		if (ret == 0)
			ret = list(v, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
			           "msDS-AllowedToDelegateTo");
		free(dn);
		return ret;
	}
	if ((!allow && strcmp(v->verb, "deny") != 0) || v->nargs != 2)
		return 2;
	if (!mdc_spn_valid(v->args[1])) {
		mdc_cmd_error(v->cmd, "invalid service principal name '%s'",
		              v->args[1]);
		return 1;
	}
	ret = find_account(v, v->args[0], &dn);
	if (ret != 0)
		return ret;
	ret = modify_one(v, dn, allow ? LDAP_MOD_ADD : LDAP_MOD_DELETE,
	                 "msDS-AllowedToDelegateTo", v->args[1]) == 0
	              ? 0
	              : 1;
	if (ret != 0)
		mdc_cmd_error(v->cmd, "cannot change %s: %s", dn,
		              mdc_adw_error(v->w));
	else
		printf("%s %s delegate to %s\n", v->args[0],
		       allow ? "may now" : "may no longer", v->args[1]);
	free(dn);
	return ret;
}

int
mdc_cmd_delegation(int argc, char **argv)
{
	return run(argc, argv,
	           "delegation allow|deny ACCOUNT SPN | list ACCOUNT [--dir "
	           "DIR | --domain D]",
	           delegation_main);
}
