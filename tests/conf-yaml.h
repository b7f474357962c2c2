/*
 * YAML access shared by the conformance runners that read the suites'
 * .yml files with libyaml (conf-dkim, conf-dmarc, conf-arc).
 */
#ifndef CONF_YAML_H
#define CONF_YAML_H

#include <stddef.h>
#include <yaml.h>

typedef struct ydoc {
    yaml_document_t doc;
    int loaded;
} ydoc;

/* Load the first document of path; 1, or 0 with err set. */
int conf_ydoc_load(ydoc *y, const char *path, char *err, size_t errsize);
/* Call fn for every document of path, in order (docno from 1; y is freed
 * after the call); the number of documents, or -1 with err set (what was
 * called before the error stands). */
int conf_ydoc_each(const char *path, void (*fn)(ydoc *y, unsigned int docno, void *arg), void *arg,
                   char *err, size_t errsize);
void conf_ydoc_free(ydoc *y);
yaml_node_t *conf_ynode(ydoc *y, int i);
int conf_yscalar_is(const yaml_node_t *n, const char *s);
yaml_node_t *conf_yget(ydoc *y, const yaml_node_t *m, const char *key);
const char *conf_ystr(const yaml_node_t *n);
size_t conf_yseq_len(const yaml_node_t *n);
yaml_node_t *conf_yseq_at(ydoc *y, const yaml_node_t *n, size_t i);

#endif /* CONF_YAML_H */
