/*
 * libmailauth: domain names and IP addresses.
 */
#ifndef MAILAUTH_ADDR_H
#define MAILAUTH_ADDR_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ domain names */

/** Flags for ma_domain_normalize(). */
typedef enum ma_domain_flags {
    /** Allow '_' in labels (DKIM selectors, _domainkey, _dmarc). */
    MA_DOMAIN_ALLOW_UNDERSCORE = 1u << 0,
    /** Reject U-labels: the input must already be ASCII. */
    MA_DOMAIN_ASCII_ONLY = 1u << 1,
    /** Accept a single-label name ("localhost"); default requires two labels. */
    MA_DOMAIN_ALLOW_SINGLE_LABEL = 1u << 2
} ma_domain_flags;

/**
 * Validate a domain name and bring it to the form used for comparison and
 * DNS: U-labels converted to A-labels (IDNA2008, RFC 5891, via libidn2;
 * RFC 8616 for email authentication), ASCII folded to lower case, one
 * trailing dot removed.  Labels must be letters, digits and hyphens (and '_'
 * with MA_DOMAIN_ALLOW_UNDERSCORE), 1 to 63 octets, not starting or ending
 * with a hyphen; the whole name at most 253 octets.
 *
 * @param out     receives a NUL-terminated string; free with ma_free(ctx, *out).
 * @param name    the input, len bytes (need not be NUL-terminated; an
 *                embedded NUL is invalid).
 * @param flags   a combination of ma_domain_flags.
 * Input longer than 1024 bytes is MA_ESYNTAX.
 * @return MA_OK, MA_ESYNTAX (invalid name), MA_EINVAL (NULL argument,
 *         unknown flag), MA_ENOMEM.
 */
MA_EXTERN(int) ma_domain_normalize(char **out, ma_ctx *ctx, const char *name, size_t len,
                                   unsigned int flags);

/**
 * Compare two normalized domain names for equality (ASCII case-insensitive,
 * a trailing dot ignored).  Returns 1 when equal, 0 otherwise; an empty or
 * root name equals nothing, not even another empty name.
 */
MA_EXTERN(int) ma_domain_equal(const char *a, size_t alen, const char *b, size_t blen);

/**
 * Whether child equals parent or is a subdomain of it (label-wise, ASCII
 * case-insensitive).  Returns 1 or 0; 0 when either is empty or the root.
 */
MA_EXTERN(int) ma_domain_is_within(const char *child, size_t clen, const char *parent, size_t plen);

/* ------------------------------------------------------------ IP addresses */

/** Address families of ma_ip. */
#define MA_IP_V4 4
#define MA_IP_V6 6

/**
 * An IP address: a plain value, copied freely.  For MA_IP_V4 the address is
 * in addr[0..3]; for MA_IP_V6 in addr[0..15], network byte order.
 */
typedef struct ma_ip {
    unsigned char family;     /**< MA_IP_V4 or MA_IP_V6 */
    unsigned char addr[16];
} ma_ip;

/** Longest text form written by ma_ip_format(), NUL included. */
#define MA_IP_TEXT_MAX 46

/** Longest reverse name written by ma_ip_reverse_name(), NUL included. */
#define MA_IP_REVERSE_MAX 74

/**
 * Parse an IPv4 dotted quad (exactly four decimal parts, no leading zeros
 * beyond a single "0") or an IPv6 address (RFC 4291 text, embedded IPv4
 * allowed, no zone index).  Locale-independent.
 * @return MA_OK, MA_ESYNTAX, MA_EINVAL.
 */
MA_EXTERN(int) ma_ip_parse(ma_ip *out, const char *text, size_t len);

/**
 * Write the text form of ip into buf (RFC 5952 canonical for IPv6).
 * @return MA_OK, MA_EINVAL (bad family, or size below MA_IP_TEXT_MAX).
 */
MA_EXTERN(int) ma_ip_format(const ma_ip *ip, char *buf, size_t size);

/**
 * Write the reverse-lookup name of ip into buf, without trailing dot:
 * "4.3.2.1.in-addr.arpa" or the 32-nibble ".ip6.arpa" form.
 * An IPv4-mapped IPv6 address gets the in-addr.arpa name of its IPv4 part.
 * @return MA_OK, MA_EINVAL (bad family, or size below MA_IP_REVERSE_MAX).
 */
MA_EXTERN(int) ma_ip_reverse_name(const ma_ip *ip, char *buf, size_t size);

/**
 * If ip is an IPv4-mapped IPv6 address (::ffff:a.b.c.d), store the IPv4
 * address in *v4 and return 1; otherwise return 0 and leave *v4 alone.
 */
MA_EXTERN(int) ma_ip_unmap_v4(const ma_ip *ip, ma_ip *v4);

/**
 * Whether ip lies within network/prefix.  An IPv4-mapped IPv6 address is
 * compared as the IPv4 address it carries, on either side (a mapped network
 * with prefix p >= 96 is the IPv4 network with prefix p - 96; below 96 it
 * stays IPv6 and matches no IPv4 client).  A prefix longer than the family
 * allows (32 or 128) never matches.  Returns 1 or 0.
 */
MA_EXTERN(int) ma_ip_in_network(const ma_ip *ip, const ma_ip *network, unsigned int prefix);

/** Whether a and b are the same address (IPv4-mapped treated as IPv4). Returns 1 or 0. */
MA_EXTERN(int) ma_ip_equal(const ma_ip *a, const ma_ip *b);

#ifdef __cplusplus
}
#endif

#endif /* MAILAUTH_ADDR_H */
