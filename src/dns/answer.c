/*
 * DNS answers: reference counted, built by the add functions, immutable
 * once shared.
 */
#include "config.h"

#include <string.h>

#include "dns/dns_int.h"

static const struct {
    int type;
    const char *name;
} ma_type_names[] = {
    { MA_DNS_TXT, "TXT" }, { MA_DNS_A, "A" }, { MA_DNS_AAAA, "AAAA" },
    { MA_DNS_MX, "MX" },   { MA_DNS_PTR, "PTR" },
};

int ma__dns_type_valid(int type)
{
    return type == MA_DNS_TXT || type == MA_DNS_A || type == MA_DNS_AAAA || type == MA_DNS_MX ||
           type == MA_DNS_PTR;
}

const char *ma_dns_type_name(int type)
{
    size_t i;
    for (i = 0; i < sizeof ma_type_names / sizeof ma_type_names[0]; i++)
        if (ma_type_names[i].type == type)
            return ma_type_names[i].name;
    return NULL;
}

int ma_dns_type_parse(ma_dns_type *out, const char *name)
{
    size_t i;
    if (out == NULL || name == NULL)
        return MA_EINVAL;
    for (i = 0; i < sizeof ma_type_names / sizeof ma_type_names[0]; i++) {
        if (ma__casecmp(name, strlen(name), ma_type_names[i].name, strlen(ma_type_names[i].name)) == 0) {
            *out = (ma_dns_type)ma_type_names[i].type;
            return MA_OK;
        }
    }
    return MA_EINVAL;
}

const char *ma_dns_rcode_name(int rcode)
{
    switch (rcode) {
    case MA_DNS_OK: return "ok";
    case MA_DNS_NXDOMAIN: return "nxdomain";
    case MA_DNS_NODATA: return "nodata";
    case MA_DNS_TEMPFAIL: return "tempfail";
    case MA_DNS_PERMFAIL: return "permfail";
    default: return NULL;
    }
}

int ma_dns_answer_new(ma_dns_answer **out, ma_ctx *ctx, ma_dns_type type, ma_dns_rcode rcode)
{
    ma_dns_answer *a;
    if (out == NULL)
        return MA_EINVAL;
    *out = NULL;
    if (ctx == NULL || !ma__dns_type_valid(type) || (unsigned)rcode > MA_DNS_PERMFAIL)
        return MA_EINVAL;
    a = ma__calloc(ctx, 1, sizeof *a);
    if (a == NULL)
        return MA_ENOMEM;
    a->ctx = ctx;
    a->refs = 1;
    a->type = type;
    a->rcode = rcode;
    *out = a;
    return MA_OK;
}

ma_dns_answer *ma_dns_answer_ref(ma_dns_answer *a)
{
    if (a != NULL) {
        __atomic_fetch_add(&a->refs, 1, __ATOMIC_RELAXED);
        ma__dns_answer_freeze(a);
    }
    return a;
}

void ma__dns_answer_freeze(ma_dns_answer *a)
{
    if (a != NULL && !__atomic_load_n(&a->frozen, __ATOMIC_ACQUIRE))
        __atomic_store_n(&a->frozen, 1, __ATOMIC_RELEASE);
}

ma_dns_memo *ma__dns_answer_memo(const ma_dns_answer *a, const void *kind)
{
    ma_dns_memo *m;
    if (a == NULL)
        return NULL;
    m = __atomic_load_n(&a->memo, __ATOMIC_ACQUIRE);
    return m != NULL && m->kind == kind ? m : NULL;
}

ma_dns_memo *ma__dns_answer_set_memo(const ma_dns_answer *a, ma_dns_memo *memo)
{
    /* The memo slot is the one thing that changes on a shared answer; it
       is written once, by compare-and-swap. */
    ma_dns_answer *w = (ma_dns_answer *)(uintptr_t)a;
    ma_dns_memo *expected = NULL;
    if (a == NULL || !__atomic_load_n(&a->frozen, __ATOMIC_ACQUIRE))
        return NULL;
    if (__atomic_compare_exchange_n(&w->memo, &expected, memo, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return memo;
    /* Another evaluator's memo (one TXT answer can be an SPF record to one
       and a DMARC record to another, e.g. "include:_dmarc.example.com"):
       never hand it out as this kind; the caller keeps its own privately. */
    return expected->kind == memo->kind ? expected : NULL;
}

void ma_dns_answer_free(ma_dns_answer *a)
{
    size_t i;
    if (a == NULL)
        return;
    if (__atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    if (a->memo != NULL)
        a->memo->destroy(a->memo, a->ctx);
    for (i = 0; i < a->count; i++)
        ma__free(a->ctx, a->recs[i].text);
    ma__free(a->ctx, a->recs);
    ma__free(a->ctx, a);
}

int ma_dns_answer_set_ttl(ma_dns_answer *a, uint32_t ttl)
{
    if (a == NULL)
        return MA_EINVAL;
    if (a->frozen)
        return MA_ESTATE;
    a->ttl = ttl;
    a->ttl_set = 1;
    return MA_OK;
}

/* Reserve a new record slot of the answer's own type. */
static int ma_answer_slot(ma_dns_answer *a, int type, ma_dns_record **rec)
{
    if (a == NULL)
        return MA_EINVAL;
    if ((int)a->type != type)
        return MA_EINVAL;
    if (a->frozen)
        return MA_ESTATE;
    if (a->count >= ma__limit(a->ctx, MA_LIMIT_DNS_RECORDS))
        return MA_ELIMIT;
    if (a->count == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 4;
        ma_dns_record *r = ma__realloc(a->ctx, a->recs, cap * sizeof *r);
        if (r == NULL)
            return MA_ENOMEM;
        a->recs = r;
        a->cap = cap;
    }
    *rec = &a->recs[a->count];
    memset(*rec, 0, sizeof **rec);
    return MA_OK;
}

static void ma_answer_commit(ma_dns_answer *a, uint32_t ttl)
{
    a->recs[a->count].ttl = ttl;
    if (!a->ttl_set && (a->count == 0 || ttl < a->ttl))
        a->ttl = ttl;
    a->count++;
}

int ma_dns_answer_add_txt_parts(ma_dns_answer *a, const char *const *parts, const size_t *lens,
                                size_t nparts, uint32_t ttl)
{
    ma_dns_record *rec;
    size_t total = 0, i, off = 0;
    int rc;

    if (nparts > 0 && (parts == NULL || lens == NULL))
        return MA_EINVAL;
    rc = ma_answer_slot(a, MA_DNS_TXT, &rec);
    if (rc != MA_OK)
        return rc;
    for (i = 0; i < nparts; i++) {
        if (parts[i] == NULL && lens[i] != 0)
            return MA_EINVAL;
        if (lens[i] > ma__limit(a->ctx, MA_LIMIT_TXT_BYTES) - total)
            return MA_ELIMIT;
        total += lens[i];
    }
    rec->text = ma__alloc(a->ctx, total + 1);
    if (rec->text == NULL)
        return MA_ENOMEM;
    for (i = 0; i < nparts; i++) {
        if (lens[i])
            memcpy(rec->text + off, parts[i], lens[i]);
        off += lens[i];
    }
    rec->text[total] = '\0';
    rec->len = total;
    ma_answer_commit(a, ttl);
    return MA_OK;
}

int ma_dns_answer_add_txt(ma_dns_answer *a, const char *text, size_t len, uint32_t ttl)
{
    return ma_dns_answer_add_txt_parts(a, &text, &len, 1, ttl);
}

int ma_dns_answer_add_addr(ma_dns_answer *a, const ma_ip *ip, uint32_t ttl)
{
    ma_dns_record *rec;
    int rc;
    if (a == NULL || ip == NULL)
        return MA_EINVAL;
    if (!((a->type == MA_DNS_A && ip->family == MA_IP_V4) ||
          (a->type == MA_DNS_AAAA && ip->family == MA_IP_V6)))
        return MA_EINVAL;
    rc = ma_answer_slot(a, a->type, &rec);
    if (rc != MA_OK)
        return rc;
    rec->ip = *ip;
    ma_answer_commit(a, ttl);
    return MA_OK;
}

/* Store a host name without its trailing dot. */
static int ma_answer_add_name(ma_dns_answer *a, int type, uint16_t pref, const char *name,
                              uint32_t ttl)
{
    ma_dns_record *rec;
    size_t len;
    int rc;
    if (name == NULL)
        return MA_EINVAL;
    rc = ma_answer_slot(a, type, &rec);
    if (rc != MA_OK)
        return rc;
    len = strlen(name);
    if (len > 1)
        len = ma__dns_name_strip_root(name, len);
    if (len > 1024)
        return MA_ELIMIT;
    rec->text = ma__strndup(a->ctx, name, len);
    if (rec->text == NULL)
        return MA_ENOMEM;
    rec->len = len;
    rec->pref = pref;
    ma_answer_commit(a, ttl);
    return MA_OK;
}

int ma_dns_answer_add_mx(ma_dns_answer *a, uint16_t preference, const char *exchange, uint32_t ttl)
{
    return ma_answer_add_name(a, MA_DNS_MX, preference, exchange, ttl);
}

int ma_dns_answer_add_ptr(ma_dns_answer *a, const char *name, uint32_t ttl)
{
    return ma_answer_add_name(a, MA_DNS_PTR, 0, name, ttl);
}

ma_dns_rcode ma_dns_answer_rcode(const ma_dns_answer *a)
{
    if (a == NULL)
        return MA_DNS_PERMFAIL;
    if (a->rcode == MA_DNS_OK && a->count == 0)
        return MA_DNS_NODATA;
    return a->rcode;
}

ma_dns_type ma_dns_answer_type(const ma_dns_answer *a)
{
    return a ? a->type : (ma_dns_type)0;
}

uint32_t ma_dns_answer_ttl(const ma_dns_answer *a)
{
    return a ? a->ttl : 0;
}

size_t ma_dns_answer_count(const ma_dns_answer *a)
{
    /* Records of a failed answer are never exposed. */
    if (a == NULL || a->rcode != MA_DNS_OK)
        return 0;
    return a->count;
}

static const ma_dns_record *ma_answer_rec(const ma_dns_answer *a, size_t i, int type)
{
    if (a == NULL || (int)a->type != type || i >= ma_dns_answer_count(a))
        return NULL;
    return &a->recs[i];
}

int ma_dns_answer_txt(const ma_dns_answer *a, size_t i, const char **text, size_t *len)
{
    const ma_dns_record *r = ma_answer_rec(a, i, MA_DNS_TXT);
    if (r == NULL || text == NULL || len == NULL)
        return MA_EINVAL;
    *text = r->text;
    *len = r->len;
    return MA_OK;
}

int ma_dns_answer_addr(const ma_dns_answer *a, size_t i, ma_ip *ip)
{
    const ma_dns_record *r;
    if (a == NULL || ip == NULL)
        return MA_EINVAL;
    r = ma_answer_rec(a, i, a->type == MA_DNS_AAAA ? MA_DNS_AAAA : MA_DNS_A);
    if (r == NULL)
        return MA_EINVAL;
    *ip = r->ip;
    return MA_OK;
}

int ma_dns_answer_mx(const ma_dns_answer *a, size_t i, uint16_t *preference, const char **exchange)
{
    const ma_dns_record *r = ma_answer_rec(a, i, MA_DNS_MX);
    if (r == NULL || preference == NULL || exchange == NULL)
        return MA_EINVAL;
    *preference = r->pref;
    *exchange = r->text;
    return MA_OK;
}

int ma_dns_answer_ptr(const ma_dns_answer *a, size_t i, const char **name)
{
    const ma_dns_record *r = ma_answer_rec(a, i, MA_DNS_PTR);
    if (r == NULL || name == NULL)
        return MA_EINVAL;
    *name = r->text;
    return MA_OK;
}
