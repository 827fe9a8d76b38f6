/* SPDX-License-Identifier: MIT */
/* tests/unit/test_ycfg.c: YAML loading, scalar parsers and schema walker. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "common/ycfg.h"

/* ---- fixtures ----------------------------------------------------------- */

struct conf {
	char *name;
	bool flag;
	unsigned port;
	unsigned workers;
	unsigned timeout_ms;
	unsigned ttl_ms;
	int mode;
	struct ycfg_strlist listen;
	yaml_node_t *extra;
};

static const char *const mode_names[] = {"open", "closed", "drop", NULL};

static const struct ycfg_key conf_keys[] = {
    {.name = "name",
     .type = YCFG_STR,
     .off = offsetof(struct conf, name),
     .req = true},
    {.name = "flag", .type = YCFG_BOOL, .off = offsetof(struct conf, flag)},
    {.name = "port",
     .type = YCFG_UINT,
     .off = offsetof(struct conf, port),
     .min = 1,
     .max = 65535},
    {.name = "workers",
     .type = YCFG_UINT,
     .off = offsetof(struct conf, workers)},
    {.name = "timeout",
     .type = YCFG_DURATION,
     .off = offsetof(struct conf, timeout_ms),
     .min = 1000,
     .max = 3600000},
    {.name = "ttl",
     .type = YCFG_DURATION,
     .off = offsetof(struct conf, ttl_ms)},
    {.name = "mode",
     .type = YCFG_ENUM,
     .off = offsetof(struct conf, mode),
     .enums = mode_names},
    {.name = "listen",
     .type = YCFG_STRLIST,
     .off = offsetof(struct conf, listen)},
    {.name = "extra", .type = YCFG_NODE, .off = offsetof(struct conf, extra)},
    YCFG_END};

static void
conf_fini(struct conf *c)
{
	free(c->name);
	ycfg_strlist_fini(&c->listen);
}

static struct ycfg_doc *
load(const char *text, struct errbuf *err)
{
	return ycfg_load_string("t.yaml", text, strlen(text), err);
}

/*
 * Load `text`, walk its root against conf_keys into `c` (which keeps its
 * defaults), and return the walk's result; the errors are in `err`.
 */
static int
walk(const char *text, struct conf *c, struct errbuf *err)
{
	struct ycfg_doc *doc = load(text, err);

	assert_non_null(doc);
	int rc =
	    ycfg_walk(doc, ycfg_doc_root(doc), "server", conf_keys, c, err);
	/* NODE fields point into the document, which is gone after this. */
	c->extra = NULL;
	ycfg_doc_free(doc);
	return rc;
}

/* walk() again into the same struct: name is required, so free it first. */
static int
rewalk(const char *text, struct conf *c, struct errbuf *err)
{
	free(c->name);
	c->name = NULL;
	return walk(text, c, err);
}

/* Walk and expect failure with exactly `expect` as the error text. */
static void
walk_fails(const char *text, const char *expect)
{
	struct conf c = {0};
	struct errbuf err;

	errbuf_init(&err);
	assert_int_equal(walk(text, &c, &err), -1);
	assert_string_equal(errbuf_text(&err), expect);
	conf_fini(&c);
	errbuf_fini(&err);
}

/* Load and expect failure with exactly `expect` as the error text. */
static void
load_fails(const char *text, size_t len, const char *expect)
{
	struct errbuf err;

	errbuf_init(&err);
	assert_null(ycfg_load_string("t.yaml", text, len, &err));
	assert_string_equal(errbuf_text(&err), expect);
	assert_int_equal(err.count, 1);
	errbuf_fini(&err);
}

/* ---- loading ------------------------------------------------------------ */

static void
load_syntax_errors(void **state)
{
	(void)state;
	load_fails(
	    "a: b: c\n", 8,
	    "t.yaml:1:5: mapping values are not allowed in this context\n");
	load_fails(
	    "key: [1, 2\n", 11,
	    "t.yaml:2:1: did not find expected ',' or ']' (while parsing a "
	    "flow sequence at line 1 col 6)\n");
	load_fails(
	    "a:\n  - b\n - c\n", 14,
	    "t.yaml:3:2: did not find expected key (while parsing a block "
	    "mapping at line 1 col 1)\n");
	load_fails("*x\n", 3, "t.yaml:1:1: found undefined alias\n");
	/* The reader only knows byte offsets. */
	load_fails("a: 1\x01\n", 6,
	           "t.yaml: control characters are not allowed at byte 4\n");
}

static void
load_empty_document(void **state)
{
	(void)state;
	load_fails("", 0, "t.yaml: empty document\n");
	load_fails("# only a comment\n\n", 18, "t.yaml: empty document\n");
	load_fails("---\n", 4, "t.yaml: empty document\n");
}

static void
load_multiple_documents(void **state)
{
	(void)state;
	load_fails("a: 1\n---\nb: 2\n", 14,
	           "t.yaml:2:1: more than one document in the stream\n");
	/* Even an empty second document is a second document. */
	load_fails("a: 1\n\n---\n", 10,
	           "t.yaml:3:1: more than one document in the stream\n");
	/* An explicit end marker with nothing after it is fine. */
	struct errbuf err;
	errbuf_init(&err);
	struct ycfg_doc *doc = load("---\na: 1\n...\n", &err);
	assert_non_null(doc);
	assert_string_equal(errbuf_text(&err), "");
	ycfg_doc_free(doc);
	errbuf_fini(&err);
}

static void
load_rejects_aliases(void **state)
{
	(void)state;
	load_fails("a: &x 1\nb: *x\n", 14,
	           "t.yaml:1:4: anchors and aliases are not supported\n");
	/* A self-referencing node would send recursive walkers into a loop. */
	load_fails("&a [*a]\n", 8,
	           "t.yaml:1:1: anchors and aliases are not supported\n");
	/* An anchor nobody refers to is harmless. */
	struct errbuf err;
	errbuf_init(&err);
	struct ycfg_doc *doc = load("a: &x 1\n", &err);
	assert_non_null(doc);
	ycfg_doc_free(doc);
	errbuf_fini(&err);
}

static void
load_string_not_nul_terminated(void **state)
{
	struct errbuf err;
	const char text[] = "a: 1\nb: 2\n"; /* only "a: 1\n" is passed */

	(void)state;
	errbuf_init(&err);
	struct ycfg_doc *doc = ycfg_load_string("mem", text, 5, &err);
	assert_non_null(doc);
	assert_string_equal(ycfg_doc_file(doc), "mem");
	yaml_node_t *root = ycfg_doc_root(doc);
	assert_true(ycfg_is_map(root));
	assert_int_equal(
	    root->data.mapping.pairs.top - root->data.mapping.pairs.start, 1);
	ycfg_doc_free(doc);
	ycfg_doc_free(NULL);
	errbuf_fini(&err);
}

static void
load_file(void **state)
{
	char path[] = "/tmp/test_ycfg.XXXXXX";
	const char text[] = "# header\nname: x\nport: 0\n";
	struct errbuf err;

	(void)state;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
	close(fd);

	errbuf_init(&err);
	struct ycfg_doc *doc = ycfg_load_file(path, &err);
	assert_non_null(doc);
	assert_string_equal(ycfg_doc_file(doc), path);
	struct conf c = {0};
	assert_int_equal(
	    ycfg_walk(doc, ycfg_doc_root(doc), "server", conf_keys, &c, &err),
	    -1);
	/* Errors carry the file's own name. */
	char expect[128];
	snprintf(expect, sizeof(expect),
	         "%s:3:7: server: port: 0 is out of range (allowed 1..65535)\n",
	         path);
	assert_string_equal(errbuf_text(&err), expect);
	assert_string_equal(c.name, "x");
	conf_fini(&c);
	ycfg_doc_free(doc);
	unlink(path);

	errbuf_clear(&err);
	assert_null(ycfg_load_file(path, &err));
	snprintf(expect, sizeof(expect),
	         "%s: cannot open: No such file or directory\n", path);
	assert_string_equal(errbuf_text(&err), expect);

	errbuf_clear(&err);
	assert_null(ycfg_load_file("/tmp", &err));
	assert_string_equal(errbuf_text(&err),
	                    "/tmp: cannot open: Is a directory\n");
	errbuf_fini(&err);
}

/* ---- nodes and iteration ------------------------------------------------ */

static void
nodes_and_iteration(void **state)
{
	struct errbuf err;
	const char *text = "a: 1\nlist:\n  - x\n  - {k: v}\n";

	(void)state;
	errbuf_init(&err);
	struct ycfg_doc *doc = load(text, &err);
	assert_non_null(doc);
	yaml_node_t *root = ycfg_doc_root(doc), *k, *v, *item;
	assert_int_equal(ycfg_line(root), 1);
	assert_int_equal(ycfg_col(root), 1);
	assert_int_equal(ycfg_line(NULL), 0);

	size_t i = 0;
	assert_true(ycfg_map_next(doc, root, &i, &k, &v));
	assert_string_equal(ycfg_scalar(k), "a");
	assert_string_equal(ycfg_scalar(v), "1");
	assert_int_equal(ycfg_col(v), 4);
	assert_true(ycfg_map_next(doc, root, &i, &k, &v));
	assert_string_equal(ycfg_scalar(k), "list");
	assert_true(ycfg_is_seq(v));
	assert_null(ycfg_scalar(v));
	assert_false(ycfg_map_next(doc, root, &i, &k, &v));
	assert_int_equal(i, 2);

	yaml_node_t *seq = v;
	i = 0;
	assert_true(ycfg_seq_next(doc, seq, &i, &item));
	assert_string_equal(ycfg_scalar(item), "x");
	assert_int_equal(ycfg_line(item), 3);
	assert_int_equal(ycfg_col(item), 5);
	assert_true(ycfg_seq_next(doc, seq, &i, &item));
	assert_true(ycfg_is_map(item));
	assert_false(ycfg_seq_next(doc, seq, &i, &item));

	/* Wrong kinds iterate nothing. */
	i = 0;
	assert_false(ycfg_seq_next(doc, root, &i, &item));
	assert_false(ycfg_map_next(doc, seq, &i, &k, &v));
	assert_false(ycfg_map_next(doc, NULL, &i, &k, &v));
	assert_false(ycfg_is_scalar(NULL));

	ycfg_error(doc, item, &err, "pool %s: %d", "eu", 7);
	assert_string_equal(errbuf_text(&err), "t.yaml:4:5: pool eu: 7\n");
	ycfg_doc_free(doc);
	errbuf_fini(&err);
}

static void
map_check_errors(void **state)
{
	struct errbuf err;
	const char *text = "a: 1\n"
	                   "b: 2\n"
	                   "a: 3\n"
	                   "[x]: 4\n"
	                   "b: 5\n"
	                   "a: 6\n"
	                   "c: {d: 1, d: 2}\n";

	(void)state;
	errbuf_init(&err);
	struct ycfg_doc *doc = load(text, &err);
	assert_non_null(doc);
	assert_int_equal(ycfg_map_check(doc, ycfg_doc_root(doc), "zone", &err),
	                 -1);
	assert_string_equal(
	    errbuf_text(&err),
	    "t.yaml:4:1: zone: keys must be plain names\n"
	    "t.yaml:3:1: duplicate key \"a\" (first at line 1 col 1)\n"
	    "t.yaml:5:1: duplicate key \"b\" (first at line 2 col 1)\n"
	    "t.yaml:6:1: duplicate key \"a\" (first at line 1 col 1)\n");

	/* Not recursive: the nested duplicate needs its own check. */
	errbuf_clear(&err);
	size_t i = 0;
	yaml_node_t *k, *v = NULL;
	while (ycfg_map_next(doc, ycfg_doc_root(doc), &i, &k, &v))
		;
	assert_int_equal(ycfg_map_check(doc, v, "c", &err), -1);
	assert_string_equal(
	    errbuf_text(&err),
	    "t.yaml:7:11: duplicate key \"d\" (first at line 7 col 5)\n");

	errbuf_clear(&err);
	assert_int_equal(ycfg_map_check(doc, k, "c", &err), -1);
	assert_string_equal(errbuf_text(&err),
	                    "t.yaml:7:1: c: expected a mapping\n");
	ycfg_doc_free(doc);

	errbuf_clear(&err);
	doc = load("a: 1\nb: 1\n", &err);
	assert_int_equal(ycfg_map_check(doc, ycfg_doc_root(doc), "x", &err), 0);
	assert_int_equal(err.count, 0);
	ycfg_doc_free(doc);
	errbuf_fini(&err);
}

/* ---- scalar parsers ----------------------------------------------------- */

static void
parse_uint(void **state)
{
	uint64_t v = 42;

	(void)state;
	assert_int_equal(ycfg_parse_uint("0", 0, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ycfg_parse_uint("0053", 0, 0, &v), 0);
	assert_int_equal(v, 53);
	assert_int_equal(ycfg_parse_uint("18446744073709551615", 0, 0, &v), 0);
	assert_true(v == UINT64_MAX);
	/* Range: max 0 means no limit. */
	assert_int_equal(ycfg_parse_uint("10", 10, 20, &v), 0);
	assert_int_equal(ycfg_parse_uint("20", 10, 20, &v), 0);
	v = 7;
	assert_int_equal(ycfg_parse_uint("9", 10, 20, &v), -1);
	assert_int_equal(ycfg_parse_uint("21", 10, 20, &v), -1);
	assert_int_equal(v, 7); /* untouched on failure */

	static const char *const bad[] = {
	    "",
	    "18446744073709551616",
	    "99999999999999999999999",
	    "+1",
	    "-1",
	    "-0",
	    " 1",
	    "1 ",
	    "0x10",
	    "1.0",
	    "1e3",
	    "1k",
	    "one",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ycfg_parse_uint(bad[i], 0, 0, &v) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void
parse_duration(void **state)
{
	static const struct {
		const char *s;
		uint64_t ms;
	} good[] = {
	    {"0", 0},
	    {"30", 30000},
	    {"30s", 30000},
	    {"500ms", 500},
	    {"500MS", 500},
	    {"5m", 300000},
	    {"5M", 300000},
	    {"1h", 3600000},
	    {"2d", 172800000},
	    {"1w", 604800000},
	    {"1h30m", 5400000},
	    {"1m30s250ms", 90250},
	    {"1D2H", 93600000},
	    /* the largest representable duration */
	    {"18446744073709551615ms", UINT64_MAX},
	    {"30500568904w", 30500568904ull * 604800000},
	};
	static const char *const bad[] = {
	    "",
	    "s",
	    "ms",
	    "-1s",
	    "+1s",
	    "1.5h",
	    "1 h",
	    " 1h",
	    "1h ",
	    "1x",
	    "1sec",
	    "1hm",
	    "1h30", /* every part of a combination needs a unit */
	    "30m1", /* same, at the end */
	    "1h-30m",
	    /* overflow, in the number and in the multiplication */
	    "18446744073709551616ms",
	    "18446744073709551615s",
	    "30500568905w",
	    "18446744073709551615ms1ms",
	};
	uint64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ms = 1;
		if (ycfg_parse_duration(good[i].s, &ms) != 0)
			fail_msg("rejected \"%s\"", good[i].s);
		if (ms != good[i].ms)
			fail_msg("\"%s\" gave %llu", good[i].s,
			         (unsigned long long)ms);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ycfg_parse_duration(bad[i], &ms) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void
parse_bool(void **state)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes",
	                                  "YES",  "on",   "On"};
	static const char *const no[] = {"false", "FALSE", "no",
	                                 "No",    "off",   "OFF"};
	static const char *const bad[] = {
	    "", "1", "0", "y", "n", "tru", "truex", " true", "enabled"};
	bool b;

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		assert_int_equal(ycfg_parse_bool(yes[i], &b), 0);
		assert_true(b);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = true;
		assert_int_equal(ycfg_parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ycfg_parse_bool(bad[i], &b) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

/* ---- schema walker ------------------------------------------------------ */

static void
walk_all_types(void **state)
{
	struct conf c = {.port = 53, .workers = 2, .mode = 0};
	struct errbuf err;
	const char *text = "name: ns1\n"
	                   "flag: Yes\n"
	                   "port: 5353\n"
	                   "workers: 4294967295\n"
	                   "timeout: 1h\n"
	                   "ttl: 7w\n"
	                   "mode: drop\n"
	                   "listen:\n"
	                   "  - 127.0.0.1\n"
	                   "  - \"[::1]:53\"\n"
	                   "extra: {a: [1, 2]}\n";

	(void)state;
	errbuf_init(&err);
	struct ycfg_doc *doc = load(text, &err);
	assert_non_null(doc);
	assert_int_equal(
	    ycfg_walk(doc, ycfg_doc_root(doc), "server", conf_keys, &c, &err),
	    0);
	assert_string_equal(errbuf_text(&err), "");
	assert_string_equal(c.name, "ns1");
	assert_true(c.flag);
	assert_int_equal(c.port, 5353);
	assert_true(c.workers == 4294967295u);
	assert_int_equal(c.timeout_ms, 3600000);
	assert_true(c.ttl_ms == 7u * 7 * 24 * 3600 * 1000);
	assert_int_equal(c.mode, 2);
	assert_int_equal(c.listen.n, 2);
	assert_string_equal(c.listen.v[0], "127.0.0.1");
	assert_string_equal(c.listen.v[1], "[::1]:53");
	assert_int_equal(c.listen.line[0], 9);
	assert_int_equal(c.listen.col[0], 5);
	assert_int_equal(c.listen.line[1], 10);
	assert_int_equal(c.listen.col[1], 5);
	assert_true(ycfg_is_map(c.extra));
	assert_int_equal(ycfg_line(c.extra), 11);
	assert_int_equal(ycfg_col(c.extra), 8);
	conf_fini(&c);
	ycfg_doc_free(doc);
	errbuf_fini(&err);
}

static void
walk_keeps_defaults(void **state)
{
	struct conf c = {.port = 53, .timeout_ms = 5000, .mode = 1};
	struct errbuf err;

	(void)state;
	errbuf_init(&err);
	assert_int_equal(walk("name: a\n", &c, &err), 0);
	assert_string_equal(c.name, "a");
	assert_int_equal(c.port, 53);
	assert_int_equal(c.timeout_ms, 5000);
	assert_int_equal(c.mode, 1);
	assert_int_equal(c.listen.n, 0);
	conf_fini(&c);
	errbuf_fini(&err);
}

static void
walk_unknown_keys(void **state)
{
	(void)state;
	walk_fails("name: a\nprot: 53\ntimout: 5s\nlisten_addr: x\nzz: 1\n",
	           "t.yaml:2:1: server: unknown key \"prot\"; did you mean "
	           "\"port\"?\n"
	           "t.yaml:3:1: server: unknown key \"timout\"; did you mean "
	           "\"timeout\"?\n"
	           "t.yaml:4:1: server: unknown key \"listen_addr\"\n"
	           "t.yaml:5:1: server: unknown key \"zz\"\n");
	/* A swap is one edit; case differences count too. */
	walk_fails("name: a\nnmae: b\nFLAG: true\n",
	           "t.yaml:2:1: server: unknown key \"nmae\"; did you mean "
	           "\"name\"?\n"
	           "t.yaml:3:1: server: unknown key \"FLAG\"\n");
	walk_fails(
	    "name: a\nTtl: 1s\n",
	    "t.yaml:2:1: server: unknown key \"Ttl\"; did you mean \"ttl\"?\n");
}

static void
walk_duplicates(void **state)
{
	struct conf c = {0};
	struct errbuf err;

	(void)state;
	errbuf_init(&err);
	assert_int_equal(
	    walk("name: a\nport: 1\nname: b\nport: 2\nport: x\n", &c, &err),
	    -1);
	assert_string_equal(
	    errbuf_text(&err),
	    "t.yaml:3:1: duplicate key \"name\" (first at line 1 col 1)\n"
	    "t.yaml:4:1: duplicate key \"port\" (first at line 2 col 1)\n"
	    "t.yaml:5:1: duplicate key \"port\" (first at line 2 col 1)\n");
	/* Only the first occurrence is applied (and nothing leaks). */
	assert_string_equal(c.name, "a");
	assert_int_equal(c.port, 1);
	conf_fini(&c);
	errbuf_fini(&err);
}

static void
walk_wrong_kinds(void **state)
{
	(void)state;
	walk_fails("- name: a\n", "t.yaml:1:1: server: expected a mapping\n");
	walk_fails("just text\n", "t.yaml:1:1: server: expected a mapping\n");
	walk_fails(
	    "name: [a]\n"
	    "flag: {x: 1}\n"
	    "port:\n"
	    "  - 1\n"
	    "timeout: []\n"
	    "mode: [open]\n"
	    "listen: {a: b}\n"
	    "[k]: 1\n",
	    "t.yaml:8:1: server: keys must be plain names\n"
	    "t.yaml:1:7: server: name: expected a scalar\n"
	    "t.yaml:2:7: server: flag: expected a scalar\n"
	    "t.yaml:4:3: server: port: expected a scalar\n"
	    "t.yaml:5:10: server: timeout: expected a scalar\n"
	    "t.yaml:6:7: server: mode: expected a scalar\n"
	    "t.yaml:7:9: server: listen: expected a scalar or a sequence of "
	    "scalars\n");
	walk_fails("name: \"a\\0b\"\n",
	           "t.yaml:1:7: server: name: value contains a NUL byte\n");
}

static void
walk_bad_scalars(void **state)
{
	(void)state;
	walk_fails(
	    "name: a\n"
	    "flag: maybe\n"
	    "port: 0x35\n"
	    "workers: -1\n"
	    "mode: Open\n"
	    "timeout: 5 s\n",
	    "t.yaml:2:7: server: flag: expected true or false, got "
	    "\"maybe\"\n"
	    "t.yaml:3:7: server: port: expected an unsigned integer, got "
	    "\"0x35\"\n"
	    "t.yaml:4:10: server: workers: expected an unsigned integer, got "
	    "\"-1\"\n"
	    "t.yaml:5:7: server: mode: invalid value \"Open\" (expected one "
	    "of: open, closed, drop)\n"
	    "t.yaml:6:10: server: timeout: expected a duration such as 30s, "
	    "500ms, 5m or 1h30m, got \"5 s\"\n");
}

static void
walk_ranges(void **state)
{
	(void)state;
	walk_fails("name: a\nport: 0\n",
	           "t.yaml:2:7: server: port: 0 is out of range (allowed "
	           "1..65535)\n");
	walk_fails("name: a\nport: 65536\n",
	           "t.yaml:2:7: server: port: 65536 is out of range (allowed "
	           "1..65535)\n");
	walk_fails(
	    "name: a\nport: 99999999999999999999999\n",
	    "t.yaml:2:7: server: port: 99999999999999999999999 is out of "
	    "range (allowed 1..65535)\n");
	/* Without a max, the field's own type is the limit. */
	walk_fails("name: a\nworkers: 4294967296\n",
	           "t.yaml:2:10: server: workers: 4294967296 is out of range "
	           "(allowed 0..4294967295)\n");
}

static void
walk_durations(void **state)
{
	struct conf c = {0};
	struct errbuf err;

	(void)state;
	errbuf_init(&err);
	assert_int_equal(walk("name: a\ntimeout: 90\nttl: 1h30m\n", &c, &err),
	                 0);
	assert_int_equal(c.timeout_ms, 90000);
	assert_int_equal(c.ttl_ms, 5400000);
	assert_int_equal(rewalk("name: b\ntimeout: 1000ms\nttl: 0\n", &c, &err),
	                 0);
	assert_int_equal(c.timeout_ms, 1000);
	assert_int_equal(c.ttl_ms, 0);
	conf_fini(&c);
	errbuf_fini(&err);

	walk_fails(
	    "name: a\ntimeout: 999ms\n",
	    "t.yaml:2:10: server: timeout: 999ms is out of range (allowed "
	    "1s..1h)\n");
	walk_fails(
	    "name: a\ntimeout: 1h1ms\n",
	    "t.yaml:2:10: server: timeout: 1h1ms is out of range (allowed "
	    "1s..1h)\n");
	/* Stored as unsigned ms: about 49.7 days is the most a field holds. */
	walk_fails("name: a\nttl: 50d\n",
	           "t.yaml:2:6: server: ttl: 50d is out of range (allowed "
	           "0s..7w17h2m47s295ms)\n");
	walk_fails(
	    "name: a\nttl: 99999999999999999999w\n",
	    "t.yaml:2:6: server: ttl: 99999999999999999999w is out of range "
	    "(allowed 0s..7w17h2m47s295ms)\n");
	walk_fails("name: a\nttl: 3000000000000w\n",
	           "t.yaml:2:6: server: ttl: 3000000000000w is out of range "
	           "(allowed 0s..7w17h2m47s295ms)\n");
}

static void
walk_strlist(void **state)
{
	struct conf c = {0};
	struct errbuf err;

	(void)state;
	errbuf_init(&err);
	/* A scalar is a one-item list. */
	assert_int_equal(rewalk("name: a\nlisten: 127.0.0.1:53\n", &c, &err),
	                 0);
	assert_int_equal(c.listen.n, 1);
	assert_string_equal(c.listen.v[0], "127.0.0.1:53");
	assert_int_equal(c.listen.line[0], 2);
	assert_int_equal(c.listen.col[0], 9);

	/* A second walk replaces the list (the old one is freed). */
	assert_int_equal(rewalk("name: a\nlisten: [a, b, c]\n", &c, &err), 0);
	assert_int_equal(c.listen.n, 3);
	assert_string_equal(c.listen.v[2], "c");
	assert_int_equal(c.listen.line[2], 2);
	assert_int_equal(c.listen.col[2], 16);

	/* An empty sequence is an empty list. */
	assert_int_equal(rewalk("name: a\nlisten: []\n", &c, &err), 0);
	assert_int_equal(c.listen.n, 0);
	assert_int_equal(err.count, 0);

	/* Bad items are each reported, and the old list stays. */
	assert_int_equal(rewalk("name: a\nlisten: [x]\n", &c, &err), 0);
	assert_int_equal(rewalk("name: a\n"
	                        "listen:\n"
	                        "  - a\n"
	                        "  - [b]\n"
	                        "  - c\n"
	                        "  - {d: e}\n",
	                        &c, &err),
	                 -1);
	assert_string_equal(
	    errbuf_text(&err),
	    "t.yaml:4:5: server: listen: list items must be scalars\n"
	    "t.yaml:6:5: server: listen: list items must be scalars\n");
	assert_int_equal(c.listen.n, 1);
	assert_string_equal(c.listen.v[0], "x");
	conf_fini(&c);
	assert_int_equal(c.listen.n, 0);
	assert_null(c.listen.v);
	errbuf_fini(&err);
}

static void
walk_required(void **state)
{
	(void)state;
	walk_fails("port: 1\n",
	           "t.yaml:1:1: server: missing required key \"name\"\n");
	walk_fails("{}\n",
	           "t.yaml:1:1: server: missing required key \"name\"\n");
	/* Indented map: the position is the map's first key. */
	walk_fails("outer:\n  port: 1\n", "t.yaml:1:1: server: unknown key "
	                                  "\"outer\"\n"
	                                  "t.yaml:1:1: server: missing "
	                                  "required key \"name\"\n");
	/* A required key given with a bad value is not also "missing". */
	walk_fails("name: [x]\n", "t.yaml:1:7: server: name: expected a "
	                          "scalar\n");
}

static void
walk_reports_everything(void **state)
{
	struct conf c = {0};
	struct errbuf err;

	(void)state;
	errbuf_init(&err);
	/* Errors from before the call do not make this walk fail... */
	errbuf_add(&err, "other", 1, 1, "earlier");
	assert_int_equal(walk("name: a\n", &c, &err), 0);
	/* ...and every problem of a bad map is reported, in order. */
	assert_int_equal(
	    walk("port: 0\nflag: 2\nport: 1\nbogus: 1\n", &c, &err), -1);
	assert_string_equal(
	    errbuf_text(&err),
	    "other:1:1: earlier\n"
	    "t.yaml:3:1: duplicate key \"port\" (first at line 1 col 1)\n"
	    "t.yaml:1:7: server: port: 0 is out of range (allowed 1..65535)\n"
	    "t.yaml:2:7: server: flag: expected true or false, got \"2\"\n"
	    "t.yaml:4:1: server: unknown key \"bogus\"\n"
	    "t.yaml:1:1: server: missing required key \"name\"\n");
	assert_int_equal(err.count, 6);
	conf_fini(&c);
	errbuf_fini(&err);
}

static void
walk_error_cap(void **state)
{
	struct conf c = {0};
	struct errbuf err;
	char *text = malloc(150 * 16);
	size_t len = 0;

	(void)state;
	len += (size_t)sprintf(text + len, "name: a\n");
	for (int i = 0; i < 149; i++)
		len += (size_t)sprintf(text + len, "bad%d: 1\n", i);
	errbuf_init(&err);
	assert_int_equal(walk(text, &c, &err), -1);
	assert_int_equal(err.count, 149);
	const char *t = errbuf_text(&err);
	const char *tail = "t.yaml:101:1: server: unknown key \"bad99\"\n"
	                   "... and 49 more errors\n";
	assert_true(strlen(t) > strlen(tail));
	assert_string_equal(t + strlen(t) - strlen(tail), tail);
	assert_null(strstr(t, "bad100"));
	conf_fini(&c);
	errbuf_fini(&err);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(load_syntax_errors),
	    cmocka_unit_test(load_empty_document),
	    cmocka_unit_test(load_multiple_documents),
	    cmocka_unit_test(load_rejects_aliases),
	    cmocka_unit_test(load_string_not_nul_terminated),
	    cmocka_unit_test(load_file),
	    cmocka_unit_test(nodes_and_iteration),
	    cmocka_unit_test(map_check_errors),
	    cmocka_unit_test(parse_uint),
	    cmocka_unit_test(parse_duration),
	    cmocka_unit_test(parse_bool),
	    cmocka_unit_test(walk_all_types),
	    cmocka_unit_test(walk_keeps_defaults),
	    cmocka_unit_test(walk_unknown_keys),
	    cmocka_unit_test(walk_duplicates),
	    cmocka_unit_test(walk_wrong_kinds),
	    cmocka_unit_test(walk_bad_scalars),
	    cmocka_unit_test(walk_ranges),
	    cmocka_unit_test(walk_durations),
	    cmocka_unit_test(walk_strlist),
	    cmocka_unit_test(walk_required),
	    cmocka_unit_test(walk_reports_everything),
	    cmocka_unit_test(walk_error_cap),
	};
	return cmocka_run_group_tests_name("ycfg", tests, NULL, NULL);
}
