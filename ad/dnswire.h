/* ad/dnswire.h - DNS wire-format primitives (DNS server, minidc-join) */
#ifndef DNS_WIRE_H
#define DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

#define DNS_HDR_LEN   12
#define DNS_NAME_MAX  255
#define DNS_UDP_PLAIN 512  /* answer size without EDNS */
#define DNS_UDP_OURS  1232 /* our EDNS buffer size (flag day 2020) */
#define DNS_MSG_MAX   65535
#define DNS_OPT_LEN   11 /* an OPT record without options */

enum {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_OPT = 41,
	DNS_T_TKEY = 249,
	DNS_T_TSIG = 250,
	DNS_T_IXFR = 251,
	DNS_T_AXFR = 252,
	DNS_T_ANY = 255,
};
enum { DNS_C_IN = 1, DNS_C_NONE = 254, DNS_C_ANY = 255 };
enum { DNS_OP_QUERY = 0, DNS_OP_NOTIFY = 4, DNS_OP_UPDATE = 5 };
enum {
	DNS_R_NOERROR = 0,
	DNS_R_FORMERR = 1,
	DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4,
	DNS_R_REFUSED = 5,
	DNS_R_YXDOMAIN = 6,
	DNS_R_YXRRSET = 7,
	DNS_R_NXRRSET = 8,
	DNS_R_NOTAUTH = 9,
	DNS_R_NOTZONE = 10,
	DNS_R_BADVERS_EXT = 16, /* BADVERS: OPT extended rcode 1 */
	DNS_R_BADSIG = 16,
	DNS_R_BADKEY = 17,
	DNS_R_BADTIME = 18,
	DNS_R_BADMODE = 19,
	DNS_R_BADNAME = 20,
	DNS_R_BADALG = 21,
};
/* Header flag bits in the 16-bit flags word. */
#define DNS_F_QR      0x8000
#define DNS_F_AA      0x0400
#define DNS_F_TC      0x0200
#define DNS_F_RD      0x0100
#define DNS_F_RA      0x0080
#define DNS_F_AD      0x0020
#define DNS_F_CD      0x0010
#define DNS_OPCODE(f) (((f) >> 11) & 0xf)

struct dns_hdr {
	uint16_t id, flags, qd, an, ns, ar;
};

/* "NOERROR", "REFUSED", "BADSIG", ... (static; "RCODE" for others). */
const char *dns_rcode_name(int rc);

/* Read the 12-byte header; MDC_ETRUNC if the message is shorter. */
MDC_MUSTCHECK int dns_hdr_get(struct mdc_rbuf *b, struct dns_hdr *h);
/* Write a header at the start of buf (at least 12 bytes). */
void dns_hdr_put(uint8_t *buf, const struct dns_hdr *h);

/*
 * Read a possibly compressed name at b's cursor (msg = whole message in b)
 * into out (uncompressed wire, lower-cased when lower != 0), advancing b past
 * the name's bytes.  *outlen is the wire length including the root label.
 * Pointer loops, forward jumps past the end and names over 255 bytes are
 * MDC_EMALF.  out needs DNS_NAME_MAX bytes.
 */
MDC_MUSTCHECK int dns_name_get(struct mdc_rbuf *b, uint8_t *out, size_t *outlen,
                               int lower);
/* Skip a name (compressed or not) at b's cursor. */
MDC_MUSTCHECK int dns_name_skip(struct mdc_rbuf *b);
/* Skip one resource record; *type_out (may be NULL) gets its type. */
MDC_MUSTCHECK int dns_rr_skip(struct mdc_rbuf *b, uint16_t *type_out);
/* Lower-case ASCII letters of a wire name in place. */
void dns_name_lower(uint8_t *name, size_t len);
/* Case-insensitive equality of two uncompressed wire names. */
int dns_name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/*
 * True if wire name n (length nlen) is apex or below it; *off_out gets the
 * offset of the apex suffix inside n.
 */
int dns_name_under(const uint8_t *n, size_t nlen, const uint8_t *apex,
                   size_t apexlen, size_t *off_out);

#endif
