/* ad/netlogon.h - the LDAP ping: CLDAP request parser and netlogon reply */
#ifndef MDC_NETLOGON_H
#define MDC_NETLOGON_H

#include <stddef.h>
#include <stdint.h>

#include "ad/dcconf.h"
#include "lib/err.h"

/*
 * The LDAP ping (MS-ADTS 6.3.3) is a rootDSE search whose filter is a flat
 * AND of equality terms (DnsDomain, NtVer, ...) asking for the attribute
 * "Netlogon".  The answer is one entry whose netlogon value is a
 * NETLOGON_SAM_LOGON_RESPONSE_EX (MS-ADTS 6.3.1.9), then SearchResultDone.
 * What adcli and SSSD send and expect: doc/interop.md.
 */

/* Opcodes of the reply. */
#define MDC_NETLOGON_OP_RESPONSE_EX 23 /* LOGON_SAM_LOGON_RESPONSE_EX */

/* NtVer request bits (MS-ADTS 6.3.1.1) that change the reply. */
#define MDC_NTVER_V1                0x00000001u
#define MDC_NTVER_V5                0x00000002u
#define MDC_NTVER_V5EX              0x00000004u
#define MDC_NTVER_V5EX_WITH_IP      0x00000008u
#define MDC_NTVER_WITH_CLOSEST_SITE 0x00000010u

/* DS_* flags of the reply (MS-ADTS 6.3.1.2). */
#define MDC_DS_PDC_FLAG             0x00000001u
#define MDC_DS_GC_FLAG              0x00000004u
#define MDC_DS_LDAP_FLAG            0x00000008u
#define MDC_DS_DS_FLAG              0x00000010u
#define MDC_DS_KDC_FLAG             0x00000020u
#define MDC_DS_TIMESERV_FLAG        0x00000040u
#define MDC_DS_CLOSEST_FLAG         0x00000080u
#define MDC_DS_WRITABLE_FLAG        0x00000100u
#define MDC_DS_FULL_SECRET_DOMAIN_6 0x00001000u
#define MDC_DS_DNS_CONTROLLER_FLAG  0x20000000u
#define MDC_DS_DNS_DOMAIN_FLAG      0x40000000u
#define MDC_DS_DNS_FOREST_FLAG      0x80000000u
/*
 * What a single writable DC of a one-domain forest serving LDAP, Kerberos
 * and DNS claims, and the Global Catalog (slapd on 3268/3269).  No TIMESERV
 * (no NTP); CLOSEST because DcSiteName == ClientSiteName in every reply (one
 * site).
 */
#define MDC_DS_FLAGS_DEFAULT                                                   \
	(MDC_DS_PDC_FLAG | MDC_DS_GC_FLAG | MDC_DS_LDAP_FLAG |                 \
	 MDC_DS_DS_FLAG | MDC_DS_KDC_FLAG | MDC_DS_CLOSEST_FLAG |              \
	 MDC_DS_WRITABLE_FLAG | MDC_DS_FULL_SECRET_DOMAIN_6 |                  \
	 MDC_DS_DNS_CONTROLLER_FLAG | MDC_DS_DNS_DOMAIN_FLAG |                 \
	 MDC_DS_DNS_FOREST_FLAG)

/* Longest name in a reply or a filter value we accept (RFC 1035 limit). */
#define MDC_NETLOGON_NAME_MAX 255
/* Largest reply blob: 24 fixed + 8 names + sockaddr + 12 trailer. */
#define MDC_NETLOGON_BLOB_MAX (24 + 8 * (MDC_NETLOGON_NAME_MAX + 2) + 17 + 12)
/* Largest binary SID in a DomainSid term (15 sub-authorities). */
#define MDC_NETLOGON_SID_MAX 68

/*
 * The DC's identity as the ping reports it.  The string fields are aliases
 * (not owned): they point into the mdc_dcconf given to
 * mdc_netlogon_dc_init() (or into the caller's literals in tests) and must
 * outlive this struct.
 */
struct mdc_netlogon_dc {
	const char *forest;         /* example.com */
	const char *domain;         /* example.com */
	const char *host_fqdn;      /* dc1.example.com */
	const char *netbios_domain; /* EXAMPLE */
	const char *netbios_host;   /* DC1 (upper-case host label) */
	const char *site;           /* Default-First-Site-Name */
	uint8_t domain_guid[16];    /* MS byte order */
	uint8_t domain_sid[MDC_NETLOGON_SID_MAX];
	size_t domain_sid_len;
	uint32_t flags; /* MDC_DS_* */
	int have_ipv4;  /* 1: ipv4 is the DC's address */
	uint8_t ipv4[4];
	char netbios_host_buf[16]; /* storage for netbios_host */
};

/*
 * Fill *dc from a loaded DC configuration (domain, fqdn, netbios, site,
 * domain GUID and SID, address; flags = MDC_DS_FLAGS_DEFAULT).  The forest
 * is the domain (single-domain forest).  Returns 0, or MDC_ECONF if a field
 * is missing or malformed.  dc aliases conf's strings.
 */
MDC_MUSTCHECK int mdc_netlogon_dc_init(const struct mdc_dcconf *conf,
                                       struct mdc_netlogon_dc *dc);

/*
 * Encode NETLOGON_SAM_LOGON_RESPONSE_EX for the request's NtVer (which must
 * contain MDC_NTVER_V5EX) into out (cap bytes; MDC_NETLOGON_BLOB_MAX is
 * always enough).  Names use RFC 1035 labels with compression pointers
 * relative to the start of the blob.  DcSockAddr is added when ntver has
 * V5EX_WITH_IP and the DC has an IPv4 address; NextClosestSiteName is never
 * sent (as Samba); the trailing NtVersion says which optional fields are
 * present.  user (may be NULL) is echoed as UserName.  Sets *len_out.
 * Returns 0, MDC_EINVAL for an unencodable name, MDC_ESPACE if out is short.
 */
MDC_MUSTCHECK int mdc_netlogon_encode(const struct mdc_netlogon_dc *dc,
                                      uint32_t ntver, const char *user,
                                      uint8_t *out, size_t cap,
                                      size_t *len_out);

/* A reply blob decoded (for tests and the test client; all text is
 * NUL-terminated). */
struct mdc_netlogon_resp {
	uint16_t opcode;
	uint16_t sbz;
	uint32_t flags;
	uint8_t domain_guid[16];
	char forest[MDC_NETLOGON_NAME_MAX + 1];
	char domain[MDC_NETLOGON_NAME_MAX + 1];
	char host[MDC_NETLOGON_NAME_MAX + 1];
	char netbios_domain[MDC_NETLOGON_NAME_MAX + 1];
	char netbios_host[MDC_NETLOGON_NAME_MAX + 1];
	char user[MDC_NETLOGON_NAME_MAX + 1];
	char dc_site[MDC_NETLOGON_NAME_MAX + 1];
	char client_site[MDC_NETLOGON_NAME_MAX + 1];
	int have_ipv4;
	uint8_t ipv4[4];
	int have_next_closest;
	char next_closest_site[MDC_NETLOGON_NAME_MAX + 1];
	uint32_t nt_version;
	uint16_t lmnt_token;
	uint16_t lm20_token;
};

/*
 * Decode a NETLOGON_SAM_LOGON_RESPONSE_EX blob (opcode 23 or 25) the way
 * Samba does: optional fields according to the trailing NtVersion.
 * Returns 0, MDC_EMALF/MDC_ETRUNC for bad bytes (never reads outside blob).
 */
MDC_MUSTCHECK int mdc_netlogon_decode(const uint8_t *blob, size_t len,
                                      struct mdc_netlogon_resp *resp);

/* Terms seen in a ping filter (bits of mdc_cldap_req.have). */
enum {
	MDC_PING_DNSDOMAIN = 1 << 0,
	MDC_PING_NTVER = 1 << 1,
	MDC_PING_AAC = 1 << 2,
	MDC_PING_USER = 1 << 3,
	MDC_PING_HOST = 1 << 4,
	MDC_PING_DOMAINGUID = 1 << 5,
	MDC_PING_DOMAINSID = 1 << 6,
};

/* A decoded CLDAP SearchRequest (copies: nothing points into the packet). */
struct mdc_cldap_req {
	int msgid;
	/*
	 * 1 if base is "", scope base, one requested attribute is netlogon and
	 * the filter is a flat AND of well-formed equality terms; 0 otherwise
	 * (then only SearchResultDone is sent).
	 */
	int is_ping;
	unsigned have; /* MDC_PING_* */
	uint32_t ntver;
	uint32_t aac;
	char dns_domain[MDC_NETLOGON_NAME_MAX + 1];
	char user[MDC_NETLOGON_NAME_MAX + 1];
	char host[MDC_NETLOGON_NAME_MAX + 1];
	uint8_t domain_guid[16];
	uint8_t domain_sid[MDC_NETLOGON_SID_MAX];
	size_t domain_sid_len;
};

/*
 * Decode one datagram as an LDAP SearchRequest with liblber.  Returns 0
 * when messageID and the SearchRequest envelope were read (req->is_ping
 * tells whether it is a ping we answer); MDC_EMALF when the datagram is not
 * an LDAP SearchRequest at all (no reply is possible or due).
 */
MDC_MUSTCHECK int mdc_cldap_parse(const void *pkt, size_t len,
                                  struct mdc_cldap_req *req);

/*
 * True if dc answers req with a netlogon entry: a ping, NtVer with V5EX,
 * and every domain identifier given (DnsDomain compared case-insensitively
 * without a trailing dot, DomainGuid, DomainSid) names our domain; none
 * given means our domain.
 */
int mdc_netlogon_for_us(const struct mdc_netlogon_dc *dc,
                        const struct mdc_cldap_req *req);

/*
 * Build the whole answer to one datagram with liblber: SearchResultEntry
 * (DN "", attribute netlogon) when mdc_netlogon_for_us(), then
 * SearchResultDone(success), both with the request's messageID, back to
 * back in out (cap bytes; 1024 + MDC_NETLOGON_BLOB_MAX is enough).
 * *entry_out (may be NULL) says whether the entry was included.
 * Returns 0, MDC_EMALF if the datagram gets no answer, MDC_ESPACE,
 * MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_cldap_reply(const struct mdc_netlogon_dc *dc,
                                  const void *pkt, size_t len, uint8_t *out,
                                  size_t cap, size_t *len_out, int *entry_out);

/* ------------------------------------------------------------------ */
/* Client side: the supervisor's readiness probe and the test client.  */

/* One equality term of a ping filter; value is raw octets. */
struct mdc_cldap_term {
	const char *attr;
	const void *value;
	size_t len;
};

/*
 * Encode a rootDSE SearchRequest (base "", scope base, attribute attr)
 * whose filter is the AND (or_filter 0) or the OR (1, for tests of
 * rejection) of the equality terms, with liblber, into out.  Returns 0,
 * MDC_EINVAL (no terms), MDC_ESPACE, MDC_ENOMEM.
 */
MDC_MUSTCHECK int mdc_cldap_request(int msgid,
                                    const struct mdc_cldap_term *terms,
                                    size_t nterms, int or_filter,
                                    const char *attr, uint8_t *out, size_t cap,
                                    size_t *len_out);

/* A decoded answer datagram. */
struct mdc_cldap_resp {
	int msgid;
	int have_entry; /* a SearchResultEntry was present */
	int have_blob;  /* ... with a netlogon value, copied to blob */
	uint8_t blob[MDC_NETLOGON_BLOB_MAX];
	size_t bloblen;
	int have_done; /* SearchResultDone was present */
	int result;    /* its resultCode */
};

/*
 * Decode an answer datagram (LDAPMessages back to back) with liblber.
 * Returns 0, MDC_EMALF for bytes that are not such messages or a netlogon
 * value longer than MDC_NETLOGON_BLOB_MAX.
 */
MDC_MUSTCHECK int mdc_cldap_parse_reply(const void *pkt, size_t len,
                                        struct mdc_cldap_resp *resp);

#endif
