/*
 * Tests of the DMARC Author Domain extractor (src/dmarc/from.c).
 *
 * Every refusal is checked for its own outcome and for never carrying a
 * domain; the peers' bypasses are named where they are tested.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "dmarc/from_int.h"
#include "mailauth/message.h"
#include "alloc.h"
#include "tap.h"

static ma_ctx *g_ctx;

/* Parse value[0..len) and check the outcome, the domain (NULL: none) and the offset (-2: any). */
static void check_len(const char *value, size_t len, ma_dmarc_from_outcome want,
                      const char *want_domain, long long want_off, const char *what)
{
    ma_dmarc_from r;
    char name[320];
    int rc = ma__dmarc_from_parse(&r, g_ctx, value, len);

    snprintf(name, sizeof name, "%s: status", what);
    is_int(rc, MA_OK, name);
    snprintf(name, sizeof name, "%s: %s", what, ma__dmarc_from_outcome_name(want));
    if (!is_int(r.outcome, want, name))
        printf("#   outcome %s: %s\n", ma__dmarc_from_outcome_name(r.outcome), r.err.text);
    if (want_domain != NULL) {
        snprintf(name, sizeof name, "%s: domain %s", what, want_domain);
        is_str(r.domain, want_domain, name);
        snprintf(name, sizeof name, "%s: domain length", what);
        is_int(r.domain_len, strlen(want_domain), name);
    } else {
        snprintf(name, sizeof name, "%s: no domain", what);
        ok(r.domain == NULL && r.domain_len == 0, name);
        snprintf(name, sizeof name, "%s: has an explanation", what);
        ok(r.err.text[0] != '\0', name);
    }
    if (want_off != -2) {
        snprintf(name, sizeof name, "%s: offset %lld", what, want_off);
        if (!is_int(r.err.offset, want_off, name))
            printf("#   text: %s\n", r.err.text);
    }
    ma__dmarc_from_free(&r, g_ctx);
}

static void check(const char *value, ma_dmarc_from_outcome want, const char *want_domain,
                  long long want_off, const char *what)
{
    check_len(value, strlen(value), want, want_domain, want_off, what);
}

/* Read a whole message (header text, CRLF or LF) and extract. */
static int extract_msg(ma_dmarc_from *r, const char *text, size_t len)
{
    ma_msg *msg = NULL;
    int rc = ma_msg_new(&msg, g_ctx);
    if (rc == MA_OK)
        rc = ma_msg_write(msg, text, len);
    if (rc == MA_OK)
        rc = ma_msg_finish(msg);
    if (rc == MA_OK)
        rc = ma__dmarc_from_extract(r, g_ctx, msg);
    else
        printf("# message reader: %s\n", ma_msg_error(msg));
    ma_msg_free(msg);
    return rc;
}

static void check_msg(const char *text, ma_dmarc_from_outcome want, const char *want_domain,
                      long want_field, const char *what)
{
    ma_dmarc_from r;
    char name[320];
    int rc = extract_msg(&r, text, strlen(text));

    snprintf(name, sizeof name, "%s: status", what);
    is_int(rc, MA_OK, name);
    snprintf(name, sizeof name, "%s: %s", what, ma__dmarc_from_outcome_name(want));
    if (!is_int(r.outcome, want, name))
        printf("#   outcome %s: %s\n", ma__dmarc_from_outcome_name(r.outcome), r.err.text);
    if (want_domain != NULL) {
        snprintf(name, sizeof name, "%s: domain %s", what, want_domain);
        is_str(r.domain, want_domain, name);
    } else {
        snprintf(name, sizeof name, "%s: no domain", what);
        ok(r.domain == NULL, name);
    }
    snprintf(name, sizeof name, "%s: field %ld", what, want_field);
    is_int(r.field, want_field, name);
    ma__dmarc_from_free(&r, g_ctx);
}

/* ------------------------------------------------------------ plain cases */

static void test_basic(void)
{
    check("user@example.com", MA_DMARC_FROM_OK, "example.com", 5, "addr-spec");
    check(" user@example.com ", MA_DMARC_FROM_OK, "example.com", 6, "addr-spec with WSP");
    check("User <user@Example.COM>", MA_DMARC_FROM_OK, "example.com", 11, "name-addr, case folded");
    check("<user@example.com>", MA_DMARC_FROM_OK, "example.com", -2, "angle-addr alone");
    check("\"Joe Q. Public\" <john.q.public@example.com>", MA_DMARC_FROM_OK, "example.com", -2,
          "RFC 5322 A.1.2 quoted display name");
    check("John Q. Public <jqp@example.com>", MA_DMARC_FROM_OK, "example.com", -2,
          "obs-phrase with '.' (4.1)");
    check("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", MA_DMARC_FROM_OK,
          "silly.test", -2, "RFC 5322 A.5 comments everywhere");
    check("(c)user(c)@(c)example.com(c)", MA_DMARC_FROM_OK, "example.com", -2,
          "comments around local part, '@' and domain");
    check("john . smith @ example.com", MA_DMARC_FROM_OK, "example.com", -2,
          "obs-local-part with CFWS around '.' and '@' (4.4)");
    check("user@mail.sub.example.co.uk", MA_DMARC_FROM_OK, "mail.sub.example.co.uk", -2,
          "many labels");
    check("user@b\xc3\xbc" "cher.example", MA_DMARC_FROM_OK, "xn--bcher-kva.example", 5,
          "U-label becomes an A-label (RFC 7489 6.6.1, dmarcbis 5.3.1)");
    check("user@XN--BCHER-KVA.example", MA_DMARC_FROM_OK, "xn--bcher-kva.example", -2,
          "A-label folded to lower case");
    check("J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>", MA_DMARC_FROM_OK,
          "xn--bcher-kva.example", -2, "UTF-8 display name and local part (RFC 6532)");
    check("\"a\\\"b\" <u@example.com>", MA_DMARC_FROM_OK, "example.com", -2,
          "escaped quote in display name");
    check("\"a\x01z\" <u@example.com>", MA_DMARC_FROM_OK, "example.com", -2,
          "obs-qtext control in a quoted string (4.1)");
    check("(a\x7fz) u@example.com", MA_DMARC_FROM_OK, "example.com", -2,
          "obs-ctext control in a comment (4.1)");
    check("user@example.com,", MA_DMARC_FROM_OK, "example.com", -2,
          "trailing null member (obs-mbox-list, 4.4)");
    check(" , ,user@example.com , ,", MA_DMARC_FROM_OK, "example.com", -2,
          "null members around one mailbox");
    check("\"Someone <someone@junk.example>\"@mydomain.example", MA_DMARC_FROM_OK,
          "mydomain.example", -2, "quoted local part holding an address (OpenDMARC #243)");
    check("\"john smith\"@example.com", MA_DMARC_FROM_OK, "example.com", -2,
          "quoted local part with a space");
    check("user@example.com (Joe (the (nested) one))", MA_DMARC_FROM_OK, "example.com", -2,
          "nested comments");
}

static void test_folding(void)
{
    check("Joe\r\n <joe@example.com>", MA_DMARC_FROM_OK, "example.com", -2,
          "folding before the angle-addr");
    check("user@example.com\r\n\t(comment\r\n continued)", MA_DMARC_FROM_OK, "example.com", -2,
          "folding in and before a comment");
    check("\"Joe\r\n Smith\" <joe@example.com>", MA_DMARC_FROM_OK, "example.com", -2,
          "folding in a quoted string");
    check("Joe\r\n \r\n <joe@example.com>", MA_DMARC_FROM_OK, "example.com", -2,
          "line of only WSP (obs-FWS, 4.2)");
    check("user@exam\r\n ple.com", MA_DMARC_FROM_MALFORMED, NULL, 12,
          "folding inside the domain");
    check("user@example.com\r\nBcc: x@example.org", MA_DMARC_FROM_MALFORMED, NULL, 16,
          "CRLF not followed by WSP (a smuggled field)");
    check("user@exa\rmple.com", MA_DMARC_FROM_MALFORMED, NULL, 8, "lone CR");
    check("user@exa\nmple.com", MA_DMARC_FROM_MALFORMED, NULL, 8, "lone LF");
    check("\"a\rb\" <u@example.com>", MA_DMARC_FROM_MALFORMED, NULL, 2,
          "lone CR in a quoted string");
    check("(a\nb) u@example.com", MA_DMARC_FROM_MALFORMED, NULL, 2, "lone LF in a comment");
    check("u@example.com\r\n", MA_DMARC_FROM_MALFORMED, NULL, 13, "CRLF at the end");
    check("\"a\\\rb\" <u@example.com>", MA_DMARC_FROM_MALFORMED, NULL, 3, "quoted CR (obs-qp)");
}

/* ------------------------------------------------------------ peers' bypasses */

static void test_multiple_addrs(void)
{
    ma_dmarc_from r;

    /* CVE-2019-16378: OpenDMARC took the first of several mailboxes. */
    check("a@victim.example, b@attacker.example", MA_DMARC_FROM_MULTIPLE_ADDRS, NULL, 18,
          "CVE-2019-16378 a@victim.example, b@attacker.example");
    check("b@attacker.example, a@victim.example", MA_DMARC_FROM_MULTIPLE_ADDRS, NULL, 20,
          "CVE-2019-16378 reversed order");
    check("a@victim.example,b@attacker.example", MA_DMARC_FROM_MULTIPLE_ADDRS, NULL, 17,
          "CVE-2019-16378 without a space");
    check("A <a@victim.example>, B <b@attacker.example>", MA_DMARC_FROM_MULTIPLE_ADDRS, NULL, 22,
          "CVE-2019-16378 as name-addrs");
    check("a@example.com, b@example.com", MA_DMARC_FROM_MULTIPLE_ADDRS, NULL, -2,
          "two mailboxes of the same domain are still refused");
    check("a@victim.example,,,b@attacker.example,", MA_DMARC_FROM_MULTIPLE_ADDRS, NULL, -2,
          "null members between two mailboxes");
    check("a@victim.example, user", MA_DMARC_FROM_MULTIPLE_ADDRS, NULL, -2,
          "second mailbox without a domain");
    check("a@victim.example, b@[192.0.2.1]", MA_DMARC_FROM_MULTIPLE_ADDRS, NULL, -2,
          "second mailbox with a literal");
    /* CVE-2021-34555: OpenDMARC crashed on some multi-valued From fields. */
    check("a@victim.example, <>", MA_DMARC_FROM_MULTIPLE_ADDRS, NULL, -2,
          "CVE-2021-34555 multi-valued From with an empty address");
    check("<>, <>", MA_DMARC_FROM_MULTIPLE_ADDRS, NULL, -2,
          "CVE-2021-34555 two empty addresses");
    is_int(ma__dmarc_from_parse(&r, g_ctx, "a@x.example, b@y.example, c@z.example", 37), MA_OK,
           "three mailboxes: status");
    is_int(r.mailboxes, 3, "three mailboxes counted");
    ok(r.domain == NULL && r.outcome == MA_DMARC_FROM_MULTIPLE_ADDRS, "three mailboxes refused");
    ok(strstr(r.err.text, "3 mailboxes") != NULL, "the text says how many");
    ma__dmarc_from_free(&r, g_ctx);
}

static void test_brackets(void)
{
    /* OpenDMARC #113 / PR #174: "user@example.net>" was read as domain "example.net>". */
    check("user@example.net>", MA_DMARC_FROM_MALFORMED, NULL, 16,
          "OpenDMARC #113/#174 user@example.net>");
    check("<user@example.net", MA_DMARC_FROM_MALFORMED, NULL, 0, "'<' without '>'");
    check("Joe <user@example.net", MA_DMARC_FROM_MALFORMED, NULL, 4, "name-addr without '>'");
    check("<<user@example.net>>", MA_DMARC_FROM_MALFORMED, NULL, 1, "double '<'");
    check("<user@example.net>>", MA_DMARC_FROM_MALFORMED, NULL, 18, "double '>'");
    check("user@example.net <user@example.org>", MA_DMARC_FROM_MALFORMED, NULL, 17,
          "addr-spec followed by angle-addr");
    check("<a@victim.example> <b@attacker.example>", MA_DMARC_FROM_MALFORMED, NULL, 19,
          "two angle-addrs without a comma");
    check("<a@victim.example> b@attacker.example", MA_DMARC_FROM_MALFORMED, NULL, 19,
          "angle-addr followed by an addr-spec");
    check("a@victim.example b@attacker.example", MA_DMARC_FROM_MALFORMED, NULL, 17,
          "two addr-specs without a comma");
    check("a@victim.example <b@attacker.example>", MA_DMARC_FROM_MALFORMED, NULL, 17,
          "unquoted display name with '@'");
    check("(user@example.com", MA_DMARC_FROM_MALFORMED, NULL, 0, "unterminated comment");
    check("user@example.com)", MA_DMARC_FROM_MALFORMED, NULL, 16, "')' without '('");
    check("user@example.com (a (b)", MA_DMARC_FROM_MALFORMED, NULL, 17,
          "unbalanced nested comment");
    check("\"a@victim.example <b@attacker.example>", MA_DMARC_FROM_MALFORMED, NULL, 0,
          "unbalanced quote");
    check("\"a\\\" <b@attacker.example>", MA_DMARC_FROM_MALFORMED, NULL, 0,
          "escaped closing quote leaves the string open");
    check("Joe <user@example.com", MA_DMARC_FROM_MALFORMED, NULL, 4, "missing '>' at the end");
    check("Joe <user@example.com x>", MA_DMARC_FROM_MALFORMED, NULL, 22, "text before '>'");
    check("<a@victim.example, b@attacker.example>", MA_DMARC_FROM_MALFORMED, NULL, 17,
          "list inside angle brackets");
    check("user@example.com\\", MA_DMARC_FROM_MALFORMED, NULL, 16, "backslash outside quotes");
    check("user@example.com]", MA_DMARC_FROM_MALFORMED, NULL, 16, "']' without '['");
    check("user@example.com;", MA_DMARC_FROM_MALFORMED, NULL, 16, "';' outside a group");
    check("@example.com", MA_DMARC_FROM_MALFORMED, NULL, 0, "no local part");
    check("<@a.example:@example.com>", MA_DMARC_FROM_MALFORMED, NULL, 12,
          "route then no local part");
    check("<user", MA_DMARC_FROM_MALFORMED, NULL, 0, "'<' and a local part, then the end");
    check("<a.>", MA_DMARC_FROM_MALFORMED, NULL, 1, "bad local part before '>'");
    check("g: >;", MA_DMARC_FROM_MALFORMED, NULL, 3, "'>' in a group");
    check("u@example.com (a\\", MA_DMARC_FROM_MALFORMED, NULL, 16,
          "backslash at the end of the value");
    check("user@@example.com", MA_DMARC_FROM_MALFORMED, NULL, 5, "'@@'");
    check("a@b@example.com", MA_DMARC_FROM_MALFORMED, NULL, 3, "two '@'");
}

static void test_display_names(void)
{
    check("\"a@victim.example\" <x@attacker.example>", MA_DMARC_FROM_OK, "attacker.example", -2,
          "display name with '@' (quoted)");
    check("\"Victim <a@victim.example>, \\\"x\\\"\" <b@attacker.example>", MA_DMARC_FROM_OK,
          "attacker.example", -2, "display name with '<', ',', escaped quotes");
    check("\"\\\"Medtronic, Inc.\\\"\" <orders@ansmtp.example.com>", MA_DMARC_FROM_OK,
          "ansmtp.example.com", -2, "quoted comma inside quoted quotes (OpenDMARC #72)");
    check("\"'X, Y' via Z\" <spam@groups.example.com>", MA_DMARC_FROM_OK,
          "groups.example.com", -2, "quoted comma (OpenDMARC #104)");
    check("(a@victim.example <x>) b@attacker.example", MA_DMARC_FROM_OK, "attacker.example", -2,
          "comment holding an address");
    check("b@attacker.example (a@victim.example)", MA_DMARC_FROM_OK, "attacker.example", -2,
          "trailing comment holding an address");
    check("(a\\) b) c@d.example", MA_DMARC_FROM_OK, "d.example", -2, "quoted ')' in a comment");
    check("John Smith", MA_DMARC_FROM_MALFORMED, NULL, 0, "display name without an address");
    check(". <u@example.com>", MA_DMARC_FROM_MALFORMED, NULL, 0, "display name of a dot only");
}

static void test_encoded_words(void)
{
    check("=?utf-8?q?a@victim.example?= <b@attacker.example>", MA_DMARC_FROM_OK,
          "attacker.example", -2, "encoded-word with '@' in a display name");
    check("=?utf-8?q?<a@victim.example>?= <b@attacker.example>", MA_DMARC_FROM_OK,
          "attacker.example", -2, "encoded-word with '<' and '>' in a display name");
    check("=?utf-8?Q?a,b?= =?iso-8859-1?q?c\"d?= <b@attacker.example>", MA_DMARC_FROM_OK,
          "attacker.example", -2, "encoded-words with ',' and '\"'");
    check("=?utf-8?b?YUB2aWN0aW0uZXhhbXBsZQ==?= <b@attacker.example>", MA_DMARC_FROM_OK,
          "attacker.example", -2, "B-encoded display name");
    check("\"=?utf-8?q?a@victim.example?=\" <b@attacker.example>", MA_DMARC_FROM_OK,
          "attacker.example", -2, "encoded-word inside a quoted string stays opaque");
    check("=?utf-8?q?a@victim.example?=", MA_DMARC_FROM_MALFORMED, NULL, 0,
          "encoded-word with '@' and no address");
    check("=?utf-8?q?a@victim.example?=, b@attacker.example", MA_DMARC_FROM_MALFORMED, NULL, 0,
          "encoded-word with '@' as a mailbox of its own");
    check("=?x?q?a@victim.example?=@attacker.example", MA_DMARC_FROM_MALFORMED, NULL, -2,
          "encoded-word glued to '@' is no encoded-word");
    check("=?x?q?a?=@example.com", MA_DMARC_FROM_OK, "example.com", -2,
          "encoded-word shaped atom as a local part");
    check("=?x?q?a@b?= c@attacker.example", MA_DMARC_FROM_MALFORMED, NULL, 0,
          "encoded-word with '@' before an addr-spec");
    check("(=?x?q?)?=) a@b.example", MA_DMARC_FROM_MALFORMED, NULL, -2,
          "no encoded-words in comments: ')' ends the comment");
    check("=?utf-8?q?" "?= <b@attacker.example>", MA_DMARC_FROM_OK, "attacker.example", -2,
          "empty encoded-text: an atom");
    check("=?utf 8?q?a@b?= <b@attacker.example>", MA_DMARC_FROM_MALFORMED, NULL, -2,
          "space in the charset: no encoded-word, so '@' is an address");
    check("=?\x01?q?a@b?= <b@attacker.example>", MA_DMARC_FROM_MALFORMED, NULL, -2,
          "control byte in the charset: no encoded-word");
    check("=?utf-8?q?a@b?=\"x\" <b@attacker.example>", MA_DMARC_FROM_MALFORMED, NULL, -2,
          "encoded-word glued to a quoted string is no encoded-word");
    check("=?utf-8?q?a@b?=(c) <b@attacker.example>", MA_DMARC_FROM_OK, "attacker.example", -2,
          "encoded-word followed by a comment");
    {
        /* Longer than RFC 2047's 75 characters: not an encoded-word. */
        char v[200];
        snprintf(v, sizeof v, "=?utf-8?q?%s@victim.example?= <b@attacker.example>",
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        check(v, MA_DMARC_FROM_MALFORMED, NULL, -2, "over-long encoded-word is plain text");
    }
}

static void test_route(void)
{
    check("<@a.example,@b.example:user@example.com>", MA_DMARC_FROM_OK, "example.com", -2,
          "obs-route: the domain is after the route");
    check("Joe <@relay.example:joe@example.com>", MA_DMARC_FROM_OK, "example.com", -2,
          "obs-route with a display name");
    check("< , @a.example , ,@[192.0.2.1] : user@example.com >", MA_DMARC_FROM_OK,
          "example.com", -2, "obs-route with null members, CFWS and a literal");
    check("<@victim.example:user@attacker.example>", MA_DMARC_FROM_OK, "attacker.example", -2,
          "a route domain is never the author domain");
    check("<@a.example user@example.com>", MA_DMARC_FROM_MALFORMED, NULL, -2,
          "route without ':'");
    check("<@:user@example.com>", MA_DMARC_FROM_MALFORMED, NULL, -2, "route without a domain");
    check("<@a.example", MA_DMARC_FROM_MALFORMED, NULL, 11, "value ends in a route");
    check("<@a.example:>", MA_DMARC_FROM_NO_DOMAIN, NULL, -2, "route and an empty address");
}

static void test_groups(void)
{
    check("undisclosed-recipients:;", MA_DMARC_FROM_GROUP_EMPTY, NULL, 0, "empty group");
    check("undisclosed recipients: (none) ;  (c)", MA_DMARC_FROM_GROUP_EMPTY, NULL, 0,
          "empty group with CFWS");
    check("Undisclosed:,,;", MA_DMARC_FROM_GROUP_EMPTY, NULL, 0, "obs-group-list commas");
    check("list: a@example.com;", MA_DMARC_FROM_GROUP, NULL, 0, "group with one mailbox");
    check("victim.example: a@attacker.example;", MA_DMARC_FROM_GROUP, NULL, -2,
          "group named like a domain");
    check("list: a@example.com, B <b@example.org>;", MA_DMARC_FROM_GROUP, NULL, -2,
          "group with two mailboxes");
    check("a@example.com, g:;", MA_DMARC_FROM_GROUP, NULL, 15, "mailbox and an empty group");
    check("g: a: b@example.com;;", MA_DMARC_FROM_MALFORMED, NULL, -2, "nested group");
    check("g: a@example.com", MA_DMARC_FROM_MALFORMED, NULL, 1, "group without ';'");
    check(":;", MA_DMARC_FROM_MALFORMED, NULL, 0, "group without a name");
    check("g: a@example.com b@example.com;", MA_DMARC_FROM_MALFORMED, NULL, -2,
          "group members without a comma");
}

static void test_no_domain(void)
{
    check("user", MA_DMARC_FROM_NO_DOMAIN, NULL, 4, "local part only");
    check("<user>", MA_DMARC_FROM_NO_DOMAIN, NULL, 5, "angle-addr without '@'");
    check("<>", MA_DMARC_FROM_NO_DOMAIN, NULL, 1, "null address <>");
    check("Mailer <>", MA_DMARC_FROM_NO_DOMAIN, NULL, -2, "display name and <>");
    check("user@", MA_DMARC_FROM_NO_DOMAIN, NULL, 5, "'@' at the end");
    check("<user@>", MA_DMARC_FROM_NO_DOMAIN, NULL, 6, "'@' before '>'");
    check("user@ (comment)", MA_DMARC_FROM_NO_DOMAIN, NULL, -2, "'@' and a comment");
    check("first.last", MA_DMARC_FROM_NO_DOMAIN, NULL, -2, "dotted local part only");
    check("", MA_DMARC_FROM_EMPTY, NULL, 0, "empty value");
    check("   ", MA_DMARC_FROM_EMPTY, NULL, 0, "only WSP");
    check("(nobody)", MA_DMARC_FROM_EMPTY, NULL, 0, "only a comment");
    check(",,,", MA_DMARC_FROM_EMPTY, NULL, 0, "only commas");
    check("john smith@example.com", MA_DMARC_FROM_MALFORMED, NULL, 0,
          "two words as a local part");
    check("a..b@example.com", MA_DMARC_FROM_MALFORMED, NULL, 0, "'..' in a local part");
    check(".a@example.com", MA_DMARC_FROM_MALFORMED, NULL, 0, "local part starts with '.'");
    check("<a.@example.com>", MA_DMARC_FROM_MALFORMED, NULL, 1, "local part ends with '.'");
}

static void test_domains(void)
{
    char v[400];

    check("user@[192.0.2.1]", MA_DMARC_FROM_DOMAIN_LITERAL, NULL, 5, "domain literal");
    check("Joe <user@[IPv6:2001:db8::1]>", MA_DMARC_FROM_DOMAIN_LITERAL, NULL, 10,
          "IPv6 domain literal");
    check("user@ [ 192.0.2.1 ] (c)", MA_DMARC_FROM_DOMAIN_LITERAL, NULL, 6,
          "domain literal with FWS");
    check("user@[192.0.2.1", MA_DMARC_FROM_MALFORMED, NULL, 5, "unterminated domain literal");
    check("user@[a[b]", MA_DMARC_FROM_MALFORMED, NULL, 7, "'[' in a domain literal");
    check("user@[a\\]b\r\n c]", MA_DMARC_FROM_DOMAIN_LITERAL, NULL, 5,
          "quoted-pair and folding in a domain literal (obs-dtext)");
    check("user@[a\rb]", MA_DMARC_FROM_MALFORMED, NULL, 7, "lone CR in a domain literal");
    check_len("user@[a\0b]", 10, MA_DMARC_FROM_MALFORMED, NULL, 7, "NUL in a domain literal");
    check("user@[a\\", MA_DMARC_FROM_MALFORMED, NULL, 7, "backslash ending a domain literal");
    check("user@localhost", MA_DMARC_FROM_BAD_DOMAIN, NULL, 5, "single label");
    check("user@-bad.example", MA_DMARC_FROM_BAD_DOMAIN, NULL, 5, "leading hyphen");
    check("user@bad-.example", MA_DMARC_FROM_BAD_DOMAIN, NULL, 5, "trailing hyphen");
    check("user@192.0.2.1", MA_DMARC_FROM_BAD_DOMAIN, NULL, 5,
          "IPv4 address without brackets (numeric TLD)");
    check("user@example.123", MA_DMARC_FROM_BAD_DOMAIN, NULL, 5, "numeric top-level label");
    check("user@123.example", MA_DMARC_FROM_OK, "123.example", 5, "numeric first label is fine");
    check("user@xn--zz.example", MA_DMARC_FROM_BAD_DOMAIN, NULL, 5, "invalid A-label");
    check("user@\xff\xfe.example", MA_DMARC_FROM_BAD_DOMAIN, NULL, 5, "invalid UTF-8 label");
    memset(v, 0, sizeof v);
    memcpy(v, "user@", 5);
    memset(v + 5, 'a', 64);
    memcpy(v + 69, ".example", 8);
    check(v, MA_DMARC_FROM_BAD_DOMAIN, NULL, 5, "64-octet label");
    memset(v + 5, 'a', 63);
    v[68] = '.';
    memcpy(v + 69, "example", 7);
    v[76] = '\0';
    check(v, MA_DMARC_FROM_OK, v + 5, 5, "63-octet label");

    check("user@exa_mple.com", MA_DMARC_FROM_MALFORMED, NULL, 8, "'_' in the domain (non-LDH)");
    check("user@example.com!", MA_DMARC_FROM_MALFORMED, NULL, 16, "'!' in the domain");
    check("user@ex%ample.com", MA_DMARC_FROM_MALFORMED, NULL, 7, "'%' in the domain");
    check("user@example.com?=", MA_DMARC_FROM_MALFORMED, NULL, 16, "'?=' after the domain");
    check("user@example.com.", MA_DMARC_FROM_MALFORMED, NULL, 16, "trailing dot");
    check("user@example..com", MA_DMARC_FROM_MALFORMED, NULL, 12, "empty label");
    check("user@.example.com", MA_DMARC_FROM_MALFORMED, NULL, 5, "leading dot");
    check("user@example .com", MA_DMARC_FROM_MALFORMED, NULL, 13,
          "white space inside the domain (obs-domain refused)");
    check("user@victim(x).example", MA_DMARC_FROM_MALFORMED, NULL, 14,
          "comment inside the domain (obs-domain refused)");
    check("user@example.com victim.example", MA_DMARC_FROM_MALFORMED, NULL, 17,
          "text after the domain");
    check("user@exam\x01ple.com", MA_DMARC_FROM_MALFORMED, NULL, 9, "control byte in the domain");
    check("user@exam\x7fple.com", MA_DMARC_FROM_MALFORMED, NULL, 9, "DEL in the domain");
    check("us\x01" "er@example.com", MA_DMARC_FROM_MALFORMED, NULL, 2,
          "control byte in the local part");
    check_len("user@exam\0ple.com", 17, MA_DMARC_FROM_MALFORMED, NULL, 9, "NUL in the domain");
    check_len("\"a\0b\" <u@example.com>", 21, MA_DMARC_FROM_MALFORMED, NULL, 2,
              "NUL in a quoted string");
    check_len("(a\0b) u@example.com", 19, MA_DMARC_FROM_MALFORMED, NULL, 2, "NUL in a comment");
    check_len("u@example.com\0", 14, MA_DMARC_FROM_MALFORMED, NULL, 13, "NUL at the end");
    check_len("u@example.com (\\\0)", 18, MA_DMARC_FROM_MALFORMED, NULL, 16, "quoted NUL");
    /* explicit length: bytes after len are never read */
    check_len("user@example.comXX", 16, MA_DMARC_FROM_OK, "example.com", 5,
              "explicit length, no NUL needed");
}

/* ------------------------------------------------------------ limits */

static void test_nesting_and_size(void)
{
    char v[200];
    size_t n, i;
    ma_dmarc_from r;
    char *big;

    /* depth exactly MA_DMARC_FROM_MAX_COMMENT_DEPTH is accepted, one more is not */
    n = 0;
    for (i = 0; i < MA_DMARC_FROM_MAX_COMMENT_DEPTH; i++)
        v[n++] = '(';
    for (i = 0; i < MA_DMARC_FROM_MAX_COMMENT_DEPTH; i++)
        v[n++] = ')';
    memcpy(v + n, " u@example.com", 15);
    check(v, MA_DMARC_FROM_OK, "example.com", -2, "comments nested to the limit");
    n = 0;
    for (i = 0; i <= MA_DMARC_FROM_MAX_COMMENT_DEPTH; i++)
        v[n++] = '(';
    for (i = 0; i <= MA_DMARC_FROM_MAX_COMMENT_DEPTH; i++)
        v[n++] = ')';
    memcpy(v + n, " u@example.com", 15);
    check(v, MA_DMARC_FROM_MALFORMED, NULL, MA_DMARC_FROM_MAX_COMMENT_DEPTH,
          "comments nested one deeper than the limit");

    /* hostile sizes: all linear, all refused */
    n = 60000;
    big = malloc(n + 64);
    if (big == NULL)
        abort();
    memset(big, '(', n);
    check_len(big, n, MA_DMARC_FROM_MALFORMED, NULL, MA_DMARC_FROM_MAX_COMMENT_DEPTH,
              "60000 '('");
    for (i = 0; i + 6 <= n; i += 6)
        memcpy(big + i, "=?a?b?", 6);
    check_len(big, i, MA_DMARC_FROM_NO_DOMAIN, NULL, -2, "10000 '=?a?b?' runs");
    for (i = 0; i + 4 <= n; i += 4)
        memcpy(big + i, "a@b,", 4);
    check_len(big, i, MA_DMARC_FROM_MULTIPLE_ADDRS, NULL, 4, "15000 mailboxes");
    for (i = 0; i < n; i++)
        big[i] = '"';
    check_len(big, n, MA_DMARC_FROM_MALFORMED, NULL, -2, "60000 quotes");
    memset(big, 'a', n);
    memcpy(big + n, "@example.com", 12);
    check_len(big, n + 12, MA_DMARC_FROM_OK, "example.com", (long long)n + 1,
              "60000-byte local part");
    is_int(ma__dmarc_from_parse(&r, g_ctx, big, 64 * 1024 + 1), MA_ELIMIT,
           "value above header_field_bytes: MA_ELIMIT");
    ok(r.domain == NULL && r.outcome == MA_DMARC_FROM_MALFORMED, "limit: no domain");
    free(big);
}

/* ------------------------------------------------------------ messages */

static void test_messages(void)
{
    ma_dmarc_from r;
    const char *m;

    check_msg("From: user@example.com\r\nTo: x@example.org\r\n\r\nbody\r\n", MA_DMARC_FROM_OK,
              "example.com", 0, "message with one From");
    check_msg("To: x@example.org\r\nSubject: hi\r\n\r\nbody\r\n", MA_DMARC_FROM_NO_FIELD, NULL,
              -1, "no From field");
    check_msg("To: x@example.org\r\nFrom: a@victim.example\r\nFrom: b@attacker.example\r\n\r\n",
              MA_DMARC_FROM_MULTIPLE_FIELDS, NULL, 2, "two From fields");
    check_msg("From: a@victim.example\nSubject: x\nfrom: b@attacker.example\n\n",
              MA_DMARC_FROM_MULTIPLE_FIELDS, NULL, 2, "two From fields, lower case, LF");
    check_msg("FROM : user@Example.com\r\n\r\n", MA_DMARC_FROM_OK, "example.com", 0,
              "\"FROM :\" with WSP before the colon (obs-from, 4.5.2)");
    check_msg("From: a@victim.example\r\nFrom\t : b@attacker.example\r\n\r\n",
              MA_DMARC_FROM_MULTIPLE_FIELDS, NULL, 1,
              "\"From :\" counts as a second From field");
    check_msg("From :\r\n a@victim.example,\r\n b@attacker.example\r\n\r\n",
              MA_DMARC_FROM_MULTIPLE_ADDRS, NULL, 0, "folded multi-valued From");
    check_msg("From: \"Joe\r\n Smith\" <joe@example.com>\r\n\r\n", MA_DMARC_FROM_OK,
              "example.com", 0, "folded From value");
    check_msg("X-From: a@victim.example\r\nResent-From: b@x.example\r\nSender: c@y.example\r\n"
              "\r\n", MA_DMARC_FROM_NO_FIELD, NULL, -1, "other From-like fields are not From");
    check_msg("Subject: x\r\nFrom: user@exa\rmple.com\r\n\r\n", MA_DMARC_FROM_MALFORMED, NULL, 1,
              "lone CR kept by the reader is malformed");
    check_msg("From:\r\n\r\n", MA_DMARC_FROM_EMPTY, NULL, 0, "empty From field");
    check_msg("From: undisclosed-recipients:;\r\n\r\n", MA_DMARC_FROM_GROUP_EMPTY, NULL, 0,
              "group in a message");
    check_msg("From: user@example.net>\r\n\r\n", MA_DMARC_FROM_MALFORMED, NULL, 0,
              "OpenDMARC #113/#174 in a message");

    /* offsets are in the raw value (after the colon, folding kept) */
    m = "From: a\r\n <x@example.com\r\n\r\n";
    is_int(extract_msg(&r, m, strlen(m)), MA_OK, "raw offsets: status");
    is_int(r.outcome, MA_DMARC_FROM_MALFORMED, "raw offsets: malformed");
    is_int(r.err.offset, 5, "raw offsets: the '<' counted after the folding CRLF");
    ma__dmarc_from_free(&r, g_ctx);

    /* a header that is not complete yet */
    {
        ma_msg *msg = NULL;
        is_int(ma_msg_new(&msg, g_ctx), MA_OK, "incomplete header: reader");
        is_int(ma_msg_write(msg, "From: a@example.com\r\n", 21), MA_OK,
               "incomplete header: write");
        is_int(ma__dmarc_from_extract(&r, g_ctx, msg), MA_ESTATE, "incomplete header: MA_ESTATE");
        ok(r.domain == NULL && r.outcome != MA_DMARC_FROM_OK, "incomplete header: no domain");
        is_int(ma_msg_finish(msg), MA_OK, "incomplete header: finish");
        is_int(ma__dmarc_from_extract(&r, g_ctx, msg), MA_OK, "complete header: MA_OK");
        is_str(r.domain, "example.com", "complete header: domain");
        ma__dmarc_from_free(&r, g_ctx);
        ma_msg_free(msg);
    }
}

/* ------------------------------------------------------------ API */

static void test_api(void)
{
    ma_dmarc_from r;
    int i, j, distinct = 1;

    is_int(ma__dmarc_from_parse(NULL, g_ctx, "a@b.example", 11), MA_EINVAL, "NULL out");
    is_int(ma__dmarc_from_parse(&r, NULL, "a@b.example", 11), MA_EINVAL, "NULL ctx");
    ok(r.domain == NULL && r.outcome == MA_DMARC_FROM_MALFORMED, "NULL ctx: no domain");
    is_int(ma__dmarc_from_parse(&r, g_ctx, NULL, 3), MA_EINVAL, "NULL value with a length");
    is_int(ma__dmarc_from_parse(&r, g_ctx, NULL, 0), MA_OK, "NULL value, length 0");
    is_int(r.outcome, MA_DMARC_FROM_EMPTY, "NULL value, length 0: empty");
    is_int(ma__dmarc_from_extract(NULL, g_ctx, NULL), MA_EINVAL, "extract: NULL out");
    is_int(ma__dmarc_from_extract(&r, g_ctx, NULL), MA_EINVAL, "extract: NULL msg");
    ma__dmarc_from_free(NULL, g_ctx);
    memset(&r, 0, sizeof r);
    ma__dmarc_from_free(&r, g_ctx);
    ok(r.domain == NULL, "free of a zeroed result");
    is_int(ma__dmarc_from_parse(&r, g_ctx, "a@b.example", 11), MA_OK, "parse for double free");
    ma__dmarc_from_free(&r, g_ctx);
    ma__dmarc_from_free(&r, g_ctx);
    ok(r.domain == NULL && r.domain_len == 0, "free twice is safe");

    for (i = 0; i < MA_DMARC_FROM_OUTCOME_COUNT; i++) {
        const char *a = ma__dmarc_from_outcome_name((ma_dmarc_from_outcome)i);
        if (strcmp(a, "unknown") == 0)
            distinct = 0;
        for (j = 0; j < i; j++)
            if (strcmp(a, ma__dmarc_from_outcome_name((ma_dmarc_from_outcome)j)) == 0)
                distinct = 0;
    }
    ok(distinct, "every outcome has its own name");
    is_str(ma__dmarc_from_outcome_name(MA_DMARC_FROM_MULTIPLE_ADDRS), "multiple_addrs",
           "name of multiple_addrs");
    is_str(ma__dmarc_from_outcome_name((ma_dmarc_from_outcome)MA_DMARC_FROM_OUTCOME_COUNT),
           "unknown", "name past the end");
    is_str(ma__dmarc_from_outcome_name((ma_dmarc_from_outcome)-1), "unknown", "negative name");
}

/* Every allocation failure gives MA_ENOMEM and leaks nothing; then it works. */
static void test_oom(void)
{
    ta_alloc st;
    ma_ctx *ctx = NULL;
    ma_dmarc_from r;
    const char *v = "J\xc3\xb6rg <j@b\xc3\xbc" "cher.example>";
    long n;
    int rc = MA_ENOMEM, all_ok = 1;

    if (ta_ctx_new(&ctx, &st) != MA_OK) {
        ok(0, "OOM context");
        return;
    }
    for (n = 1; n < 50; n++) {
        ta_fail_once(&st, n);
        rc = ma__dmarc_from_parse(&r, ctx, v, strlen(v));
        if (rc == MA_OK)
            break;
        if (rc != MA_ENOMEM || r.domain != NULL || st.live != 1)
            all_ok = 0;
    }
    ta_fail_never(&st);
    ok(all_ok, "OOM: MA_ENOMEM, no domain, nothing leaked");
    is_int(rc, MA_OK, "OOM: succeeds once allocations do");
    ok(n > 1, "OOM: at least one allocation was failed");
    is_str(r.domain, "xn--bcher-kva.example", "OOM: domain after recovery");
    ma__dmarc_from_free(&r, ctx);
    is_int(st.live, 1, "OOM: only the context is left");
    ma_ctx_free(ctx);
}

int main(void)
{
    if (ma_ctx_new(&g_ctx, NULL) != MA_OK) {
        ok(0, "context");
        return tap_done();
    }
    test_basic();
    test_folding();
    test_multiple_addrs();
    test_brackets();
    test_display_names();
    test_encoded_words();
    test_route();
    test_groups();
    test_no_domain();
    test_domains();
    test_nesting_and_size();
    test_messages();
    test_api();
    test_oom();
    ma_ctx_free(g_ctx);
    return tap_done();
}
