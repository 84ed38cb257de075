/* migrate-auth/sess.h - framed, GSS-protected conversations over a socket */
#ifndef MDC_MIG_SESS_H
#define MDC_MIG_SESS_H

#include <stddef.h>
#include <stdint.h>

#include <gssapi/gssapi.h>

#include "lib/err.h"
#include "migrate-auth/proto.h"

/* Reasons travel in lib/err.h's struct mdc_err (one line, for a log or
 * the user's terminal). */

/* "<what>: <GSS major text>: <minor text>" into e; returns MDC_EKRB5. */
int mdc_mig_gsserr(struct mdc_err *e, const char *what, OM_uint32 major,
                   OM_uint32 minor);

/* Send one frame (type + payload).  Returns 0 or MDC_E*. */
MDC_MUSTCHECK int mdc_mig_send_frame(int fd, uint8_t type, const void *data,
                                     size_t len);
/* Receive one frame; *data_out (malloc'd, caller frees) holds the payload
 * without the type byte.  Returns 0, MDC_EMALF, MDC_ETRUNC (peer closed),
 * or -errno (MDC_EAGAIN on a socket timeout). */
MDC_MUSTCHECK int mdc_mig_recv_frame(int fd, uint8_t *type_out,
                                     uint8_t **data_out, size_t *len_out);
/* Send an unauthenticated ERROR frame (best effort). */
void mdc_mig_send_error(int fd, const char *text);
/* Send / receive the HELLO naming host. */
MDC_MUSTCHECK int mdc_mig_send_hello(int fd, const char *host);
MDC_MUSTCHECK int mdc_mig_recv_hello(int fd, char *host, size_t hostlen,
                                     struct mdc_err *e);

/*
 * Initiate a raw krb5 (never SPNEGO) context with cred (GSS_C_NO_CREDENTIAL:
 * the default ccache) to migrate@host, mutual, integrity and confidentiality,
 * replay and sequence detection (a context without them is refused), never
 * GSS_C_DELEG_FLAG.  *ctx_out is the caller's (gss_delete_sec_context).
 */
MDC_MUSTCHECK int mdc_mig_initiate(int fd, gss_cred_id_t cred, const char *host,
                                   gss_ctx_id_t *ctx_out, struct mdc_err *e);
/* The same; a GSS failure of the context setup also leaves its minor
 * status in *minor (else 0), for a caller that explains one (S4U2Proxy's
 * KRB5KDC_ERR_BADOPTION). */
MDC_MUSTCHECK int mdc_mig_initiate_minor(int fd, gss_cred_id_t cred,
                                         const char *host,
                                         gss_ctx_id_t *ctx_out,
                                         OM_uint32 *minor, struct mdc_err *e);
/*
 * Accept a context with cred.  *client_out is the initiator's name,
 * *deleg_out the delegated credential (GSS_C_NO_CREDENTIAL if none); both
 * the caller's to release.  A client that did not ask for replay and
 * sequence detection is refused.  A failure is also told to the peer
 * (ERROR).
 */
MDC_MUSTCHECK int mdc_mig_accept(int fd, gss_cred_id_t cred,
                                 gss_ctx_id_t *ctx_out, gss_name_t *client_out,
                                 gss_cred_id_t *deleg_out, struct mdc_err *e);
/* Encode, wrap (confidentiality required) and send m. */
MDC_MUSTCHECK int mdc_mig_send_msg(int fd, gss_ctx_id_t ctx,
                                   const struct mdc_mig_msg *m,
                                   struct mdc_err *e);
/* Same with confidentiality only if want_conf (integrity always). */
MDC_MUSTCHECK int mdc_mig_send_msg_conf(int fd, gss_ctx_id_t ctx,
                                        const struct mdc_mig_msg *m,
                                        int want_conf, struct mdc_err *e);
/* Receive, unwrap (confidentiality required) and decode one message; an
 * ERROR frame from the peer becomes MDC_EDENIED with its text in e.  A
 * replayed, old or reordered message, or one after a missing one, is
 * MDC_EKRB5 ("gss_unwrap: a replayed message (duplicate token)").  m need
 * not be initialized; after a success with a payload, blob or definition
 * it owns their bytes: mdc_mig_msg_clear(m) when done (harmless always). */
MDC_MUSTCHECK int mdc_mig_recv_msg(int fd, gss_ctx_id_t ctx,
                                   struct mdc_mig_msg *m, struct mdc_err *e);
/* Same, but if allow_plain a DATA message may come with integrity only
 * (every other type still needs confidentiality). */
MDC_MUSTCHECK int mdc_mig_recv_msg_conf(int fd, gss_ctx_id_t ctx,
                                        struct mdc_mig_msg *m, int allow_plain,
                                        struct mdc_err *e);

#endif
