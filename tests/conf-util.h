/*
 * Small helpers shared by the conformance runners (conf-*.c): reading a
 * suite's files and printing bytes safely in TAP diagnostics.
 */
#ifndef CONF_UTIL_H
#define CONF_UTIL_H

#include <stddef.h>

/* Read a whole file into a NUL-terminated malloc'd buffer.  NULL on error
   (errno set). */
char *conf_read_file(const char *path, size_t *len_out);

/* A malloc'd NUL-terminated copy of s[0..n), or NULL. */
char *conf_dup_mem(const char *s, size_t n);

/* One TAP diagnostic line: "# ", prefix, then the bytes with '\\' and
   non-printables escaped as \xHH ("(null)" for NULL). */
void conf_diag_bytes(const char *prefix, const char *s, size_t len);

#endif /* CONF_UTIL_H */
