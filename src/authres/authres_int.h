/*
 * libmailauth internals: Authentication-Results objects.  Never installed.
 */
#ifndef MA_AUTHRES_INT_H
#define MA_AUTHRES_INT_H

#include "core/core.h"
#include "mailauth/authres.h"

/* Strings live in one buffer (NUL-separated) and are named by offsets, so
   the buffer may grow without invalidating them. */
typedef struct ma_authres_prop_rec {
    size_t ptype, property, value;   /* offsets into strs */
} ma_authres_prop_rec;

typedef struct ma_authres_res_rec {
    size_t method, result, reason;   /* offsets; reason valid when has_reason */
    int has_reason;
    unsigned long method_version;    /* 0: absent */
    size_t first_prop, nprops;       /* props[first_prop .. first_prop+nprops) */
} ma_authres_res_rec;

struct ma_authres {
    ma_ctx *ctx;
    ma_buf strs;
    size_t authserv_id;              /* offset; valid when has_id */
    int has_id;
    unsigned long version;           /* 0: absent */
    size_t results_off;              /* parsed: input offset just after the authserv-id's ';' */
    ma_authres_res_rec *res;
    size_t nres, capres;
    ma_authres_prop_rec *props;
    size_t nprops, capprops;
    /* the context's limits, read once */
    size_t max_results;              /* MA_LIMIT_AUTHRES_RESULTS */
    size_t max_props;                /* MA_LIMIT_AUTHRES_PROPS */
    size_t max_value;                /* MA_LIMIT_AUTHRES_VALUE_BYTES */
};

/*
 * Parse into a fresh object made by ma__authres_alloc().  On error the
 * object keeps what was read before the error (has_id says whether the
 * authserv-id was), *err_off and *err_what say where and why.
 */
ma_authres *ma__authres_alloc(ma_ctx *ctx);
int ma__authres_parse_into(ma_authres *ar, const char *in, size_t len, size_t *err_off,
                           const char **err_what);

/*
 * Append a property value to b as the writer does (RFC 8601 value: as is
 * when a token or a plain address, else a quoted-string).  MA_EINVAL when
 * it cannot be written safely (control characters, bad UTF-8).
 */
int ma__authres_put_value(ma_buf *b, const char *s, size_t len);

/*
 * Append text (a resinfo, or results joined by "; ") to out, folded with
 * CRLF TAB at spaces outside quoted-strings and comments so that lines
 * stay within 78 columns where a unit allows; *col is the column before
 * and after.  No check of the text.
 */
int ma__authres_fold(ma_buf *out, size_t *col, const char *text);

/* Whether two objects hold the same content (strings compared exactly). */
int ma__authres_equal(const ma_authres *a, const ma_authres *b);

#endif /* MA_AUTHRES_INT_H */
