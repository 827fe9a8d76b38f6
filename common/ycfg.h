/* SPDX-License-Identifier: MIT */
/* common/ycfg.h: YAML documents (libyaml) and a schema walker with
 * file:line:col errors. Load path only. */
#ifndef COMMON_YCFG_H
#define COMMON_YCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "common/compiler.h"

struct errbuf;
struct ycfg_doc; /* opaque: a parsed document plus its file name */

/*
 * Load a whole YAML file (libyaml document API; config files are small).
 * Returns new, or NULL with a "file:line:col: ..." error added to `err`
 * (syntax errors, an empty file, more than one document).
 */
struct ycfg_doc *ycfg_load_file(const char *path, struct errbuf *err);

/* The same from memory; `name` is used as the file name in errors. */
struct ycfg_doc *ycfg_load_string(const char *name, const char *text,
                                  size_t len, struct errbuf *err);

void ycfg_doc_free(struct ycfg_doc *doc); /* NULL is a no-op */

const char *ycfg_doc_file(const struct ycfg_doc *doc);
yaml_node_t *ycfg_doc_root(const struct ycfg_doc *doc);

/* Position of a node, 1-based (libyaml marks are 0-based). */
unsigned ycfg_line(const yaml_node_t *node);
unsigned ycfg_col(const yaml_node_t *node);

/* errbuf_add() at the node's position in the doc's file. */
void ycfg_error(const struct ycfg_doc *doc, const yaml_node_t *node,
                struct errbuf *err, const char *fmt, ...) ATTR_PRINTF(4, 5);

bool ycfg_is_scalar(const yaml_node_t *node);
bool ycfg_is_map(const yaml_node_t *node);
bool ycfg_is_seq(const yaml_node_t *node);

/* The scalar's text (NUL-terminated), or NULL if node is not a scalar. */
const char *ycfg_scalar(const yaml_node_t *node);

/*
 * Iterate a mapping: start with *i = 0; returns false at the end.  Keys
 * that are not scalars are reported by ycfg_map_check().
 */
bool ycfg_map_next(const struct ycfg_doc *doc, const yaml_node_t *map,
                   size_t *i, yaml_node_t **key, yaml_node_t **value);

/*
 * The value of scalar key `key` in mapping `map`, or `map` itself if it
 * has none: where to point an error about that key.
 */
const yaml_node_t *ycfg_map_value(const struct ycfg_doc *doc,
                                  const yaml_node_t *map, const char *key);

/* Iterate a sequence the same way. */
bool ycfg_seq_next(const struct ycfg_doc *doc, const yaml_node_t *seq,
                   size_t *i, yaml_node_t **item);

/*
 * Check that `map` is a mapping whose keys are unique scalars (libyaml
 * accepts duplicate keys; we do not).  Adds one error per problem, naming
 * the first occurrence for duplicates.  Returns 0, or -1 if any error.
 * `what` names the mapping in messages ("server", "zone").
 */
int ycfg_map_check(const struct ycfg_doc *doc, const yaml_node_t *map,
                   const char *what, struct errbuf *err);

/* Scalar parsers, shared with hand-written walkers.  0 or -1. */
int ycfg_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* "30", "30s", "500ms", "5m", "1h", "2d" -> milliseconds; bare = seconds */
int ycfg_parse_duration(const char *s, uint64_t *ms);
/* true/false/yes/no/on/off (YAML 1.1 booleans, any case) */
int ycfg_parse_bool(const char *s, bool *out);

/* ---- schema walker --------------------------------------------------- */

enum ycfg_type {
	YCFG_STR,      /* char *: new xstrdup'ed copy; old one not freed */
	YCFG_BOOL,     /* bool */
	YCFG_UINT,     /* unsigned, within [min, max] */
	YCFG_DURATION, /* unsigned milliseconds, within [min, max] ms */
	YCFG_FRACTION, /* double in [0, 1]: "0.85" */
	YCFG_ENUM,     /* int: index of the scalar in `enums` */
	YCFG_STRLIST,  /* struct ycfg_strlist: a scalar or a sequence */
	YCFG_NODE,     /* yaml_node_t *: kept for a hand-written walker */
};

/* A list of strings; owned by the containing struct (ycfg_strlist_fini). */
struct ycfg_strlist {
	char **v;
	size_t n;
	unsigned *line; /* position of each item, for later errors */
	unsigned *col;
};
void ycfg_strlist_fini(struct ycfg_strlist *l);

struct ycfg_key {
	const char *name;
	enum ycfg_type type;
	size_t off;               /* offsetof() the field in the base struct */
	bool req;                 /* missing is an error */
	uint64_t min, max;        /* YCFG_UINT / YCFG_DURATION; max 0 = none */
	const char *const *enums; /* YCFG_ENUM: NULL-terminated names */
};
#define YCFG_END                                                               \
	{                                                                      \
		NULL, 0, 0, false, 0, 0, NULL                                  \
	}

/*
 * Walk `map` against `keys`, storing each value into `base` + off.  Unknown
 * keys, duplicates, wrong node kinds, bad scalars and missing required keys
 * are all reported (every one, not just the first) at their position.
 * Fields of keys not present keep their previous (default) values.
 * Returns 0, or -1 if any error was added.
 */
int ycfg_walk(const struct ycfg_doc *doc, const yaml_node_t *map,
              const char *what, const struct ycfg_key *keys, void *base,
              struct errbuf *err);

#endif
