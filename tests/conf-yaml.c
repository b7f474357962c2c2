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
/* Read path and point a fresh parser at it; 1, or 0 with err set. */
static int stream_open(yaml_parser_t *parser, char **text, const char *path, char *err,
                       size_t errsize)
{
    size_t len;

    *text = conf_read_file(path, &len);
    if (*text == NULL) {
        snprintf(err, errsize, "cannot read %.400s: %s", path, strerror(errno));
        return 0;
    }
    if (!yaml_parser_initialize(parser)) {
        snprintf(err, errsize, "yaml_parser_initialize failed");
        free(*text);
        return 0;
    }
    yaml_parser_set_input_string(parser, (const unsigned char *)*text, len);
    return 1;
}

/* The next document of the stream into y: 1, 0 at the end, -1 with err set. */
static int stream_next(yaml_parser_t *parser, ydoc *y, const char *path, char *err, size_t errsize)
{
    y->loaded = 0;
    if (!yaml_parser_load(parser, &y->doc)) {
        snprintf(err, errsize, "%.400s: YAML error at line %lu: %s", path,
                 (unsigned long)parser->problem_mark.line + 1, parser->problem ? parser->problem : "?");
        return -1;
    }
    y->loaded = 1;
    if (yaml_document_get_root_node(&y->doc) == NULL) {
        conf_ydoc_free(y);
        return 0;
    }
    return 1;
}

int conf_ydoc_load(ydoc *y, const char *path, char *err, size_t errsize)
{
    yaml_parser_t parser;
    char *text;
    int got;

    y->loaded = 0;
    if (!stream_open(&parser, &text, path, err, errsize))
        return 0;
    got = stream_next(&parser, y, path, err, errsize);
    if (got == 0)
        snprintf(err, errsize, "%.400s: empty YAML stream", path);
    yaml_parser_delete(&parser);
    free(text);
    return got == 1;
}

int conf_ydoc_each(const char *path, void (*fn)(ydoc *y, unsigned int docno, void *arg), void *arg,
                   char *err, size_t errsize)
{
    yaml_parser_t parser;
    char *text;
    ydoc y;
    int got, n = 0;

    if (!stream_open(&parser, &text, path, err, errsize))
        return -1;
    while ((got = stream_next(&parser, &y, path, err, errsize)) == 1) {
        fn(&y, (unsigned int)++n, arg);
        conf_ydoc_free(&y);
    }
    yaml_parser_delete(&parser);
    free(text);
    return got < 0 ? -1 : n;
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


