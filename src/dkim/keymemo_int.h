/*
 * libmailauth internals: a DKIM key record read from its DNS answer, kept
 * with the answer (its memo) so that every signature checked against the
 * same answer, DKIM's or ARC's, decodes the key once.  Never installed.
 */
#ifndef MA_DKIM_KEYMEMO_INT_H
#define MA_DKIM_KEYMEMO_INT_H

#include "crypto/crypto_int.h"
#include "dkim/sig_int.h"
#include "dns/dns_int.h"

/* What a TXT answer holds as a DKIM key. */
typedef struct ma_dkim_keymemo {
    ma_dns_memo hdr;
    size_t count;              /* TXT records in the answer */
    ma_dkim_reason reason;     /* the record: MA_DKIM_R_OK when it parsed */
    char problem[300];
    ma_dkim_reason key_reason; /* the key in p= (decoding, size): checked after the
                                  key-against-signature checks (RFC 6376 6.1.2) */
    char key_problem[160];
    ma_dkim_key key;           /* parsed (p= decoded) when parsed */
    int parsed;
    ma_pubkey *pub;            /* decoded key, or NULL */
} ma_dkim_keymemo;

/*
 * The key memo of answer a (a TXT answer with rcode OK), attached on first
 * use.  When it cannot be attached (an answer of another context) *own is
 * set and the caller releases it with ma__dkim_keymemo_release().  NULL:
 * out of memory.
 */
ma_dkim_keymemo *ma__dkim_keymemo_get(const ma_ctx *ctx, const ma_dns_answer *a,
                                      ma_dkim_keymemo **own);
void ma__dkim_keymemo_release(ma_dkim_keymemo *own, const ma_ctx *ctx);

/*
 * The checks of RFC 6376 6.1.2 that need the key but not the message: the
 * record, the key against the signature (hash, type, strict), the decoded
 * key (type, size), the b= length.  Returns 1 when the signature may be
 * checked, else 0 with *reason and problem saying why; *bits is the key
 * size.
 */
int ma__dkim_keymemo_check(const ma_dkim_keymemo *k, const ma_dkim_sig *sig,
                           ma_dkim_reason *reason, char *problem, size_t psize, unsigned int *bits);

/*
 * The signature itself over header hash hh (after ma__dkim_keymemo_check()
 * and the body hash): *good 1 or 0.  Returns MA_OK or MA_ENOMEM.
 */
int ma__dkim_keymemo_signature(const ma_dkim_keymemo *k, const ma_dkim_sig *sig,
                               const unsigned char *hh, size_t hh_len, int *good);

#endif /* MA_DKIM_KEYMEMO_INT_H */
