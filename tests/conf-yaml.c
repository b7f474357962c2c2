/*
 * YAML access shared by the conformance runners (see conf-yaml.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-util.h"
#include "conf-yaml.h"


/* Load the first document of a YAML file; 0 and a message on error. */
int conf_ydoc_load(ydoc *y, const char *path, char *err, size_t errsize)
{
    yaml_parser_t parser;
    size_t len;
    char *text = conf_read_file(path, &len);
    int loaded;

    y->loaded = 0;
    if (text == NULL) {
        snprintf(err, errsize, "cannot read %.400s: %s", path, strerror(errno));
        return 0;
    }
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errsize, "yaml_parser_initialize failed");
        free(text);
        return 0;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    loaded = yaml_parser_load(&parser, &y->doc);
    if (!loaded)
        snprintf(err, errsize, "%.400s: YAML error at line %lu: %s", path,
                 (unsigned long)parser.problem_mark.line + 1, parser.problem ? parser.problem : "?");
    yaml_parser_delete(&parser);
    free(text);
    if (!loaded)
        return 0;
    y->loaded = 1;
    if (yaml_document_get_root_node(&y->doc) == NULL) {
        snprintf(err, errsize, "%.400s: empty YAML stream", path);
        return 0;
    }
    return 1;
}

void conf_ydoc_free(ydoc *y)
{
    if (y->loaded)
        yaml_document_delete(&y->doc);
    y->loaded = 0;
}

yaml_node_t *conf_ynode(ydoc *y, int i)
{
    return yaml_document_get_node(&y->doc, i);
}

int conf_yscalar_is(const yaml_node_t *n, const char *s)
{
    size_t len = strlen(s);
    return n != NULL && n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
           memcmp(n->data.scalar.value, s, len) == 0;
}

yaml_node_t *conf_yget(ydoc *y, const yaml_node_t *m, const char *key)
{
    yaml_node_pair_t *p;
    if (m == NULL || m->type != YAML_MAPPING_NODE)
        return NULL;
    for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
        if (conf_yscalar_is(conf_ynode(y, p->key), key))
            return conf_ynode(y, p->value);
    return NULL;
}

/* A scalar's text (borrowed, NUL-terminated by libyaml), or NULL. */
const char *conf_ystr(const yaml_node_t *n)
{
    if (n == NULL || n->type != YAML_SCALAR_NODE)
        return NULL;
    return (const char *)n->data.scalar.value;
}



size_t conf_yseq_len(const yaml_node_t *n)
{
    if (n == NULL || n->type != YAML_SEQUENCE_NODE)
        return 0;
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *conf_yseq_at(ydoc *y, const yaml_node_t *n, size_t i)
{
    if (i >= conf_yseq_len(n))
        return NULL;
    return conf_ynode(y, n->data.sequence.items.start[i]);
}


