/* SPDX-License-Identifier: MIT */
/* common/ycfg.c: YAML document loading and the schema walker. */
#include "common/ycfg.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/errbuf.h"
#include "common/xalloc.h"

/*
 * The file name is copied: walkers report errors long after loading, and
 * the caller's path string (often built from an include list) may be gone.
 */
struct ycfg_doc {
	yaml_document_t doc;
	char *file; /* for error messages; never NULL */
};

/* ---- loading ------------------------------------------------------------ */

/* Turn a libyaml parser failure into one errbuf line. */
static void
parser_error(const yaml_parser_t *p, const char *file, struct errbuf *err)
{
	const char *problem = p->problem ? p->problem : "unknown error";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		errbuf_add(err, file, 0, 0, "out of memory while parsing");
		break;
	case YAML_READER_ERROR:
		/* The reader knows only a byte offset, not a line. */
		errbuf_add(err, file, 0, 0, "%s at byte %zu", problem,
		           p->problem_offset);
		break;
	default:
		/*
		 * The problem mark is where the parser gave up, which for an
		 * unclosed bracket is far from the cause; the context mark
		 * says where the construct began, so print both.
		 */
		if (p->context != NULL)
			errbuf_add(err, file,
			           (unsigned)p->problem_mark.line + 1,
			           (unsigned)p->problem_mark.column + 1,
			           "%s (%s at line %zu col %zu)", problem,
			           p->context, p->context_mark.line + 1,
			           p->context_mark.column + 1);
		else
			errbuf_add(err, file,
			           (unsigned)p->problem_mark.line + 1,
			           (unsigned)p->problem_mark.column + 1, "%s",
			           problem);
		break;
	}
}

static yaml_node_t *
node_at(const struct ycfg_doc *doc, int index)
{
	/* libyaml node indexes are 1-based; 0 means "none". */
	ptrdiff_t n = doc->doc.nodes.top - doc->doc.nodes.start;

	if (index < 1 || index > n)
		return NULL;
	return doc->doc.nodes.start + index - 1;
}

/*
 * The document API resolves aliases by sharing nodes, and an anchor can be
 * referenced from inside itself ("&a [*a]").  Hand-written walkers that
 * recurse would then loop forever or expand exponentially (the "billion
 * laughs"), and the zone loader reads untrusted input under the fuzzer.
 * Config files do not need aliases, so refuse any node with two parents.
 */
static int
check_aliases(const struct ycfg_doc *doc, struct errbuf *err)
{
	size_t n = (size_t)(doc->doc.nodes.top - doc->doc.nodes.start);
	unsigned *refs = xcalloc(n + 1, sizeof(*refs));
	int rc = 0;

	/* refs[] is indexed like libyaml nodes, from 1; slot 0 is unused. */
	refs[1] = 1; /* the root has an implicit parent */
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *node = doc->doc.nodes.start + i;
		if (node->type == YAML_SEQUENCE_NODE) {
			for (const yaml_node_item_t *it =
			         node->data.sequence.items.start;
			     it < node->data.sequence.items.top; it++)
				refs[*it]++;
		} else if (node->type == YAML_MAPPING_NODE) {
			for (const yaml_node_pair_t *pr =
			         node->data.mapping.pairs.start;
			     pr < node->data.mapping.pairs.top; pr++) {
				refs[pr->key]++;
				refs[pr->value]++;
			}
		}
	}
	for (size_t i = 1; i <= n; i++) {
		if (refs[i] > 1) {
			ycfg_error(doc, node_at(doc, (int)i), err,
			           "anchors and aliases are not supported");
			rc = -1;
		}
	}
	free(refs);
	return rc;
}

/* After the first document, make sure the stream holds no other. */
static int
check_end(yaml_parser_t *parser, const char *file, struct errbuf *err)
{
	yaml_document_t extra;

	/* At the end of the stream this returns a document without a root. */
	if (!yaml_parser_load(parser, &extra)) {
		parser_error(parser, file, err);
		return -1;
	}
	bool more = yaml_document_get_root_node(&extra) != NULL;
	unsigned line = (unsigned)extra.start_mark.line + 1;
	unsigned col = (unsigned)extra.start_mark.column + 1;
	yaml_document_delete(&extra);
	if (more) {
		/* One file, one config: a stray "---" is almost always a
		 * mistake, and silently ignoring the rest would hide it. */
		errbuf_add(err, file, line, col,
		           "more than one document in the stream");
		return -1;
	}
	return 0;
}

/*
 * libyaml returns a root-less document at the end of the stream (an empty
 * or comment-only file), and a lone "---" yields an empty plain scalar:
 * neither is a config.
 */
static bool
is_empty(const yaml_node_t *root)
{
	return root == NULL ||
	       (root->type == YAML_SCALAR_NODE &&
	        root->data.scalar.length == 0 &&
	        root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
}

static struct ycfg_doc *
load(yaml_parser_t *parser, const char *file, struct errbuf *err)
{
	struct ycfg_doc *doc = xcalloc(1, sizeof(*doc));

	doc->file = xstrdup(file);
	/* On failure libyaml has already deleted the partial document. */
	if (!yaml_parser_load(parser, &doc->doc)) {
		parser_error(parser, file, err);
		free(doc->file);
		free(doc);
		return NULL;
	}
	if (is_empty(yaml_document_get_root_node(&doc->doc))) {
		errbuf_add(err, file, 0, 0, "empty document");
		goto fail;
	}
	if (check_end(parser, file, err) == -1)
		goto fail;
	if (check_aliases(doc, err) == -1)
		goto fail;
	return doc;
fail:
	ycfg_doc_free(doc);
	return NULL;
}

struct ycfg_doc *
ycfg_load_file(const char *path, struct errbuf *err)
{
	yaml_parser_t parser;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL) {
		errbuf_add(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	/* fopen() succeeds on a directory; libyaml would only say "input
	 * error" on the first read. */
	struct stat st;
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		errbuf_add(err, path, 0, 0, "cannot open: %s",
		           strerror(EISDIR));
		fclose(fp);
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		errbuf_add(err, path, 0, 0, "out of memory");
		fclose(fp);
		return NULL;
	}
	/* libyaml detects the encoding (UTF-8/16, BOM) itself: pass bytes. */
	yaml_parser_set_input_file(&parser, fp);
	struct ycfg_doc *doc = load(&parser, path, err);
	yaml_parser_delete(&parser);
	fclose(fp);
	return doc;
}

struct ycfg_doc *
ycfg_load_string(const char *name, const char *text, size_t len,
                 struct errbuf *err)
{
	yaml_parser_t parser;

	if (name == NULL)
		name = "<string>";
	if (!yaml_parser_initialize(&parser)) {
		errbuf_add(err, name, 0, 0, "out of memory");
		return NULL;
	}
	/* Length-delimited: fuzzer inputs are not NUL-terminated. */
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	struct ycfg_doc *doc = load(&parser, name, err);
	yaml_parser_delete(&parser);
	return doc;
}

void
ycfg_doc_free(struct ycfg_doc *doc)
{
	if (doc == NULL)
		return;
	yaml_document_delete(&doc->doc);
	free(doc->file);
	free(doc);
}

const char *
ycfg_doc_file(const struct ycfg_doc *doc)
{
	return doc->file;
}

yaml_node_t *
ycfg_doc_root(const struct ycfg_doc *doc)
{
	/* yaml_document_get_root_node() wants a non-const document. */
	return doc != NULL ? node_at(doc, 1) : NULL;
}

/* ---- nodes -------------------------------------------------------------- */

unsigned
ycfg_line(const yaml_node_t *node)
{
	return node != NULL ? (unsigned)node->start_mark.line + 1 : 0;
}

unsigned
ycfg_col(const yaml_node_t *node)
{
	return node != NULL ? (unsigned)node->start_mark.column + 1 : 0;
}

void
ycfg_error(const struct ycfg_doc *doc, const yaml_node_t *node,
           struct errbuf *err, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	/* errbuf has no va_list entry point; format once, add as "%s". */
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		errbuf_add(err, doc->file, ycfg_line(node), ycfg_col(node),
		           "out of memory formatting an error");
		return;
	}
	errbuf_add(err, doc->file, ycfg_line(node), ycfg_col(node), "%s", msg);
	free(msg);
}

bool
ycfg_is_scalar(const yaml_node_t *node)
{
	return node != NULL && node->type == YAML_SCALAR_NODE;
}

bool
ycfg_is_map(const yaml_node_t *node)
{
	return node != NULL && node->type == YAML_MAPPING_NODE;
}

bool
ycfg_is_seq(const yaml_node_t *node)
{
	return node != NULL && node->type == YAML_SEQUENCE_NODE;
}

const char *
ycfg_scalar(const yaml_node_t *node)
{
	if (!ycfg_is_scalar(node))
		return NULL;
	/* libyaml stores bytes as unsigned char and NUL-terminates them. */
	return (const char *)node->data.scalar.value;
}

bool
ycfg_map_next(const struct ycfg_doc *doc, const yaml_node_t *map, size_t *i,
              yaml_node_t **key, yaml_node_t **value)
{
	if (!ycfg_is_map(map))
		return false;
	const yaml_node_pair_t *start = map->data.mapping.pairs.start;
	size_t n = (size_t)(map->data.mapping.pairs.top - start);
	if (*i >= n)
		return false;
	/* *i counts pairs, so afterwards *i - 1 names the current one. */
	const yaml_node_pair_t *pair = &start[(*i)++];
	if (key != NULL)
		*key = node_at(doc, pair->key);
	if (value != NULL)
		*value = node_at(doc, pair->value);
	return true;
}

const yaml_node_t *
ycfg_map_value(const struct ycfg_doc *doc, const yaml_node_t *map,
               const char *key)
{
	yaml_node_t *k, *v;

	for (size_t i = 0; ycfg_map_next(doc, map, &i, &k, &v);)
		if (ycfg_scalar(k) != NULL && strcmp(ycfg_scalar(k), key) == 0)
			return v;
	return map;
}

bool
ycfg_seq_next(const struct ycfg_doc *doc, const yaml_node_t *seq, size_t *i,
              yaml_node_t **item)
{
	if (!ycfg_is_seq(seq))
		return false;
	const yaml_node_item_t *start = seq->data.sequence.items.start;
	size_t n = (size_t)(seq->data.sequence.items.top - start);
	if (*i >= n)
		return false;
	int idx = start[(*i)++];
	if (item != NULL)
		*item = node_at(doc, idx);
	return true;
}

/* ---- mapping checks ----------------------------------------------------- */

struct keyref {
	const char *name;
	size_t pos; /* index of the pair in the mapping */
};

static int
keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	/* Ties by position, so the first of equal keys sorts first. */
	return (x->pos > y->pos) - (x->pos < y->pos);
}

struct dup {
	size_t pos;   /* the repeat */
	size_t first; /* where the key first appeared */
};

static int
dup_cmp(const void *a, const void *b)
{
	const struct dup *x = a, *y = b;

	return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * ycfg_map_check(), also telling the caller which pairs to skip: skip[i]
 * is set for non-scalar keys and for every repeat of an earlier key.
 * Sorting finds duplicates in O(n log n); zone files can have thousands
 * of names in one mapping, where the obvious O(n^2) scan would show.
 */
static int
map_check(const struct ycfg_doc *doc, const yaml_node_t *map, const char *what,
          struct errbuf *err, bool *skip)
{
	if (!ycfg_is_map(map)) {
		ycfg_error(doc, map, err, "%s: expected a mapping", what);
		return -1;
	}

	const yaml_node_pair_t *pairs = map->data.mapping.pairs.start;
	size_t n = (size_t)(map->data.mapping.pairs.top - pairs);
	struct keyref *refs = xcalloc(n, sizeof(*refs));
	struct dup *dups = xcalloc(n, sizeof(*dups));
	size_t nrefs = 0, ndups = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *key = node_at(doc, pairs[i].key);
		if (!ycfg_is_scalar(key)) {
			ycfg_error(doc, key, err,
			           "%s: keys must be plain names", what);
			if (skip != NULL)
				skip[i] = true;
			rc = -1;
			continue;
		}
		refs[nrefs].name = ycfg_scalar(key);
		refs[nrefs].pos = i;
		nrefs++;
	}
	qsort(refs, nrefs, sizeof(*refs), keyref_cmp);
	/* Equal names are now adjacent, the first occurrence leading. */
	for (size_t i = 1, head = 0; i < nrefs; i++) {
		if (strcmp(refs[i].name, refs[head].name) != 0) {
			head = i;
			continue;
		}
		dups[ndups].pos = refs[i].pos;
		dups[ndups].first = refs[head].pos;
		ndups++;
	}
	/* Report in file order, not in sort order. */
	qsort(dups, ndups, sizeof(*dups), dup_cmp);
	for (size_t i = 0; i < ndups; i++) {
		const yaml_node_t *key = node_at(doc, pairs[dups[i].pos].key);
		const yaml_node_t *orig =
		    node_at(doc, pairs[dups[i].first].key);
		ycfg_error(doc, key, err,
		           "duplicate key \"%s\" (first at line %u col %u)",
		           ycfg_scalar(key), ycfg_line(orig), ycfg_col(orig));
		if (skip != NULL)
			skip[dups[i].pos] = true;
		rc = -1;
	}
	free(dups);
	free(refs);
	return rc;
}

int
ycfg_map_check(const struct ycfg_doc *doc, const yaml_node_t *map,
               const char *what, struct errbuf *err)
{
	return map_check(doc, map, what, err, NULL);
}

/* ---- scalar parsers ----------------------------------------------------- */

/* Decimal digits only; 0, -1 if not a number, -2 on overflow. */
static int
parse_u64(const char **sp, uint64_t *out)
{
	const char *s = *sp;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		/* v * 10 + d <= UINT64_MAX, tested without overflowing. */
		if (v > (UINT64_MAX - d) / 10) {
			/* Skip the rest so the caller sees what followed. */
			while (*s >= '0' && *s <= '9')
				s++;
			*sp = s;
			return -2;
		}
		v = v * 10 + d;
	}
	*sp = s;
	*out = v;
	return 0;
}

int
ycfg_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;

	/* strtoull would accept "+1", " 1", "-1" (wrapped) and "0x10". */
	if (parse_u64(&s, &v) != 0 || *s != '\0')
		return -1;
	if (v < min || (max != 0 && v > max))
		return -1;
	*out = v;
	return 0;
}

/*
 * Smallest first; units are matched by their whole letter run, so "ms" and
 * "m" cannot shadow each other.  fmt_duration() walks it largest first.
 */
static const struct {
	const char *name;
	uint64_t ms;
} duration_units[] = {
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
    {"d", 24 * 60 * 60 * 1000},
    {"w", 7 * 24 * 60 * 60 * 1000},
};

/* As ycfg_parse_duration(); -1 on bad syntax, -2 on overflow. */
static int
parse_duration(const char *s, uint64_t *ms)
{
	uint64_t total = 0;
	bool overflow = false;

	if (*s == '\0')
		return -1;
	for (bool first = true; *s != '\0'; first = false) {
		uint64_t v = 0;
		int rc = parse_u64(&s, &v);
		if (rc == -1)
			return -1;
		overflow |= rc == -2;

		size_t ulen = 0;
		while ((s[ulen] >= 'a' && s[ulen] <= 'z') ||
		       (s[ulen] >= 'A' && s[ulen] <= 'Z'))
			ulen++;
		uint64_t unit = 0;
		/*
		 * Only a lone number may omit the unit: in "1h30" the 30 is
		 * more likely a forgotten "m" than seconds.
		 */
		if (ulen == 0 && first && *s == '\0') {
			unit = 1000; /* a bare number is seconds */
		} else {
			for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++)
				if (strlen(duration_units[i].name) == ulen &&
				    strncasecmp(s, duration_units[i].name,
				                ulen) == 0)
					unit = duration_units[i].ms;
			if (unit == 0)
				return -1;
		}
		s += ulen;

		uint64_t part;
		if (__builtin_mul_overflow(v, unit, &part) ||
		    __builtin_add_overflow(total, part, &total))
			overflow = true;
	}
	/* Report syntax before overflow: "99999999999999999999x" is junk. */
	if (overflow)
		return -2;
	*ms = total;
	return 0;
}

int
ycfg_parse_duration(const char *s, uint64_t *ms)
{
	return parse_duration(s, ms) == 0 ? 0 : -1;
}

int
ycfg_parse_bool(const char *s, bool *out)
{
	/*
	 * The YAML 1.1 words, since operators write them and libyaml does
	 * not resolve tags.  "y" and "n" are left out on purpose: Norway's
	 * country code should not turn into false.
	 */
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* ---- schema walker ------------------------------------------------------ */

void
ycfg_strlist_fini(struct ycfg_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->line);
	free(l->col);
	memset(l, 0, sizeof(*l));
}

/*
 * Optimal string alignment distance (Levenshtein plus adjacent swaps, so
 * "tll" is one edit from "ttl").  Only used to suggest a key name.
 */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	/* Three rolling rows instead of a matrix: swaps look back two. */
	size_t *prev2 = xcalloc(lb + 1, sizeof(size_t));
	size_t *prev = xcalloc(lb + 1, sizeof(size_t));
	size_t *cur = xcalloc(lb + 1, sizeof(size_t));

	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t d = prev[j - 1] + cost;
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		size_t *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	size_t d = prev[lb];
	free(prev2);
	free(prev);
	free(cur);
	return d;
}

/* The closest known key within two edits, or NULL. */
static const char *
suggest(const struct ycfg_key *keys, const char *name)
{
	const char *best = NULL;
	size_t best_d = 3;

	/* Long keys are not typos of short ones; skip the quadratic work. */
	if (strlen(name) > 64)
		return NULL;
	for (const struct ycfg_key *k = keys; k->name != NULL; k++) {
		size_t d = edit_distance(name, k->name);
		/* d < length: "ab" is not a typo of every two-letter key. */
		if (d < best_d && d < strlen(name)) {
			best = k->name;
			best_d = d;
		}
	}
	return best;
}

/* Render a millisecond count the way a user would write it: "1h30m". */
static void
fmt_duration(uint64_t ms, char *buf, size_t len)
{
	size_t off = 0;

	if (ms == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	buf[0] = '\0';
	for (size_t i = ARRAY_SIZE(duration_units); i-- > 0;) {
		uint64_t unit = duration_units[i].ms;
		if (ms < unit)
			continue;
		int n = snprintf(buf + off, len - off, "%" PRIu64 "%s",
		                 ms / unit, duration_units[i].name);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
		ms %= unit;
	}
}

/* The scalar text for a schema value, or NULL after reporting why not. */
static const char *
want_scalar(const struct ycfg_doc *doc, const yaml_node_t *node,
            const char *what, const char *key, struct errbuf *err)
{
	if (!ycfg_is_scalar(node)) {
		ycfg_error(doc, node, err, "%s: %s: expected a scalar", what,
		           key);
		return NULL;
	}
	const char *s = ycfg_scalar(node);
	/* A "\0" escape would silently truncate the value everywhere. */
	if (strlen(s) != node->data.scalar.length) {
		ycfg_error(doc, node, err, "%s: %s: value contains a NUL byte",
		           what, key);
		return NULL;
	}
	return s;
}

static void
walk_uint(const struct ycfg_doc *doc, const yaml_node_t *node, const char *what,
          const struct ycfg_key *k, unsigned *field, struct errbuf *err)
{
	const char *s = want_scalar(doc, node, what, k->name, err);
	if (s == NULL)
		return;

	/* The field is an unsigned, whatever the table asks for. */
	uint64_t max = k->max != 0 && k->max < UINT_MAX ? k->max : UINT_MAX;
	uint64_t v = 0;
	const char *end = s;
	/* Not ycfg_parse_uint(): the message differs for junk and range. */
	int rc = parse_u64(&end, &v);
	if (rc == -1 || *end != '\0') {
		ycfg_error(doc, node, err,
		           "%s: %s: expected an unsigned integer, got \"%s\"",
		           what, k->name, s);
		return;
	}
	if (rc == -2 || v < k->min || v > max) {
		ycfg_error(doc, node, err,
		           "%s: %s: %s is out of range (allowed %" PRIu64
		           "..%" PRIu64 ")",
		           what, k->name, s, k->min, max);
		return;
	}
	*field = (unsigned)v;
}

static void
walk_fraction(const struct ycfg_doc *doc, const yaml_node_t *node,
              const char *what, const struct ycfg_key *k, double *field,
              struct errbuf *err)
{
	const char *s = want_scalar(doc, node, what, k->name, err);
	char *end;

	if (s == NULL)
		return;
	errno = 0;
	double v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !(v >= 0 && v <= 1)) {
		ycfg_error(doc, node, err,
		           "%s: %s: expected a number from 0 to 1, got \"%s\"",
		           what, k->name, s);
		return;
	}
	*field = v;
}

static void
walk_duration(const struct ycfg_doc *doc, const yaml_node_t *node,
              const char *what, const struct ycfg_key *k, unsigned *field,
              struct errbuf *err)
{
	const char *s = want_scalar(doc, node, what, k->name, err);
	if (s == NULL)
		return;

	/* Stored as unsigned ms, so about 49.7 days is the ceiling. */
	uint64_t max = k->max != 0 && k->max < UINT_MAX ? k->max : UINT_MAX;
	uint64_t v = 0;
	int rc = parse_duration(s, &v);
	if (rc == -1) {
		ycfg_error(
		    doc, node, err,
		    "%s: %s: expected a duration such as 30s, 500ms, 5m or "
		    "1h30m, got \"%s\"",
		    what, k->name, s);
		return;
	}
	if (rc == -2 || v < k->min || v > max) {
		char lo[64], hi[64];
		fmt_duration(k->min, lo, sizeof(lo));
		fmt_duration(max, hi, sizeof(hi));
		ycfg_error(doc, node, err,
		           "%s: %s: %s is out of range (allowed %s..%s)", what,
		           k->name, s, lo, hi);
		return;
	}
	*field = (unsigned)v;
}

static void
walk_enum(const struct ycfg_doc *doc, const yaml_node_t *node, const char *what,
          const struct ycfg_key *k, int *field, struct errbuf *err)
{
	const char *s = want_scalar(doc, node, what, k->name, err);
	if (s == NULL)
		return;

	/* Case-sensitive, like keys: one spelling per value in the docs. */
	for (int i = 0; k->enums != NULL && k->enums[i] != NULL; i++) {
		if (strcmp(s, k->enums[i]) == 0) {
			*field = i;
			return;
		}
	}

	/* List the choices: the fix is then obvious from the message. */
	size_t len = 1;
	for (size_t i = 0; k->enums != NULL && k->enums[i] != NULL; i++)
		len += strlen(k->enums[i]) + 2;
	char *names = xmalloc(len);
	names[0] = '\0';
	for (size_t i = 0; k->enums != NULL && k->enums[i] != NULL; i++) {
		if (i > 0)
			strcat(names, ", ");
		strcat(names, k->enums[i]);
	}
	ycfg_error(doc, node, err,
	           "%s: %s: invalid value \"%s\" (expected one of: %s)", what,
	           k->name, s, names);
	free(names);
}

static void
walk_strlist(const struct ycfg_doc *doc, const yaml_node_t *node,
             const char *what, const struct ycfg_key *k,
             struct ycfg_strlist *field, struct errbuf *err)
{
	struct ycfg_strlist l = {0};
	bool bad = false;

	if (ycfg_is_scalar(node)) {
		const char *s = want_scalar(doc, node, what, k->name, err);
		if (s == NULL)
			return;
		l.v = xcalloc(1, sizeof(*l.v));
		l.line = xcalloc(1, sizeof(*l.line));
		l.col = xcalloc(1, sizeof(*l.col));
		l.v[0] = xstrdup(s);
		l.line[0] = ycfg_line(node);
		l.col[0] = ycfg_col(node);
		l.n = 1;
	} else if (ycfg_is_seq(node)) {
		size_t n = (size_t)(node->data.sequence.items.top -
		                    node->data.sequence.items.start);
		/* Positions are kept so semantic checks that run after the
		 * walk (a bad address, say) can point at the item. */
		l.v = xcalloc(n, sizeof(*l.v));
		l.line = xcalloc(n, sizeof(*l.line));
		l.col = xcalloc(n, sizeof(*l.col));
		yaml_node_t *item;
		for (size_t i = 0; ycfg_seq_next(doc, node, &i, &item);) {
			if (!ycfg_is_scalar(item)) {
				ycfg_error(doc, item, err,
				           "%s: %s: list items must be scalars",
				           what, k->name);
				bad = true;
				continue;
			}
			const char *s =
			    want_scalar(doc, item, what, k->name, err);
			if (s == NULL) {
				bad = true;
				continue;
			}
			l.v[l.n] = xstrdup(s);
			l.line[l.n] = ycfg_line(item);
			l.col[l.n] = ycfg_col(item);
			l.n++;
		}
	} else {
		ycfg_error(doc, node, err,
		           "%s: %s: expected a scalar or a sequence of scalars",
		           what, k->name);
		return;
	}
	/* All or nothing: a half-replaced list would mix two configs. */
	if (bad) {
		ycfg_strlist_fini(&l);
		return;
	}
	ycfg_strlist_fini(field);
	*field = l;
}

static void
walk_one(const struct ycfg_doc *doc, yaml_node_t *node, const char *what,
         const struct ycfg_key *k, void *base, struct errbuf *err)
{
	void *field = (char *)base + k->off;
	const char *s;
	bool b;

	switch (k->type) {
	case YCFG_STR:
		/* The old pointer is not freed: defaults are often string
		 * literals.  The owner of `base` frees what the walk set. */
		if ((s = want_scalar(doc, node, what, k->name, err)) != NULL)
			*(char **)field = xstrdup(s);
		break;
	case YCFG_BOOL:
		if ((s = want_scalar(doc, node, what, k->name, err)) == NULL)
			break;
		if (ycfg_parse_bool(s, &b) == -1)
			ycfg_error(doc, node, err,
			           "%s: %s: expected true or false, got \"%s\"",
			           what, k->name, s);
		else
			*(bool *)field = b;
		break;
	case YCFG_UINT:
		walk_uint(doc, node, what, k, field, err);
		break;
	case YCFG_DURATION:
		walk_duration(doc, node, what, k, field, err);
		break;
	case YCFG_FRACTION:
		walk_fraction(doc, node, what, k, field, err);
		break;
	case YCFG_ENUM:
		walk_enum(doc, node, what, k, field, err);
		break;
	case YCFG_STRLIST:
		walk_strlist(doc, node, what, k, field, err);
		break;
	case YCFG_NODE:
		/* Valid only while the document lives. */
		*(yaml_node_t **)field = node;
		break;
	}
}

int
ycfg_walk(const struct ycfg_doc *doc, const yaml_node_t *map, const char *what,
          const struct ycfg_key *keys, void *base, struct errbuf *err)
{
	/* err may hold errors from other files; judge only this walk. */
	unsigned before = err->count;

	if (!ycfg_is_map(map)) {
		ycfg_error(doc, map, err, "%s: expected a mapping", what);
		return -1;
	}

	size_t nkeys = 0;
	while (keys[nkeys].name != NULL)
		nkeys++;
	size_t npairs = (size_t)(map->data.mapping.pairs.top -
	                         map->data.mapping.pairs.start);
	bool *seen = xcalloc(nkeys, sizeof(*seen));
	bool *skip = xcalloc(npairs, sizeof(*skip));

	/* Keys already reported as bad or repeated are not applied twice. */
	map_check(doc, map, what, err, skip);

	yaml_node_t *key, *value;
	for (size_t i = 0; ycfg_map_next(doc, map, &i, &key, &value);) {
		if (skip[i - 1])
			continue;
		const char *name = ycfg_scalar(key);
		size_t j;
		for (j = 0; j < nkeys; j++)
			if (strcmp(name, keys[j].name) == 0)
				break;
		if (j == nkeys) {
			const char *hint = suggest(keys, name);
			if (hint != NULL)
				ycfg_error(
				    doc, key, err,
				    "%s: unknown key \"%s\"; did you mean "
				    "\"%s\"?",
				    what, name, hint);
			else
				ycfg_error(doc, key, err,
				           "%s: unknown key \"%s\"", what,
				           name);
			continue;
		}
		seen[j] = true;
		walk_one(doc, value, what, &keys[j], base, err);
	}
	/* An absent key has no position of its own: point at its map. */
	for (size_t j = 0; j < nkeys; j++)
		if (keys[j].req && !seen[j])
			ycfg_error(doc, map, err,
			           "%s: missing required key \"%s\"", what,
			           keys[j].name);
	free(skip);
	free(seen);
	return err->count != before ? -1 : 0;
}
