/* SPDX-License-Identifier: MIT */
/* tests/unit/test_eh_edge_report.c: what an edge says about itself in its
 * health check's body (edge-health/edge_report): every key, wrong types,
 * ranges, and bodies that are no report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/hmsg.h"
#include "edge-health/edge_report.h"

static struct edge_report rep;
static char why[EDGE_REPORT_WHY_MAX];

/* Parse a C string. */
static int
parse(const char *body)
{
	memset(&rep, 0xa5, sizeof(rep)); /* every field must be written */
	memset(why, 'x', sizeof(why));
	return edge_report_parse(body, strlen(body), &rep, why, sizeof(why));
}

#define ALL (HMSG_HAS_LOAD | HMSG_HAS_WEIGHT | HMSG_HAS_DRAIN)

static void
every_key(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"load\": 0.83, \"weight\": 20, "
	                       "\"drain\": false}"),
	                 0);
	assert_int_equal(rep.has, ALL);
	assert_true(rep.load == 0.83);
	assert_int_equal(rep.weight, 20);
	assert_false(rep.drain);
	assert_string_equal(why, "");

	assert_int_equal(parse("{\"drain\":true}"), 0);
	assert_int_equal(rep.has, HMSG_HAS_DRAIN);
	assert_true(rep.drain);
	assert_true(rep.load == 0);
	assert_int_equal(rep.weight, 0);

	assert_int_equal(parse("{\"weight\":0}"), 0);
	assert_int_equal(rep.has, HMSG_HAS_WEIGHT);
	assert_int_equal(rep.weight, 0);
	assert_false(rep.drain);

	/* An integer is a number too; the limits are in. */
	assert_int_equal(parse("{\"load\": 1}"), 0);
	assert_int_equal(rep.has, HMSG_HAS_LOAD);
	assert_true(rep.load == 1);
	assert_int_equal(parse("{\"load\": 0, \"weight\": 255}"), 0);
	assert_int_equal(rep.has, HMSG_HAS_LOAD | HMSG_HAS_WEIGHT);
	assert_true(rep.load == 0);
	assert_int_equal(rep.weight, 255);
	assert_int_equal(parse("{\"load\": 1000}"), 0);
	assert_true(rep.load == 1000);
	assert_int_equal(parse("{\"load\": 1000.0}"), 0);
	assert_true(rep.load == 1000);
	assert_int_equal(parse("{\"load\": 9.5e-1}"), 0);
	assert_true(rep.load == 0.95);
	assert_int_equal(parse("{\"load\": -0.0}"), 0);
	assert_true(rep.load == 0);

	/* The load as the feed sends it: four decimals. */
	assert_int_equal(parse("{\"load\": 0.833333}"), 0);
	assert_true(rep.load == 0.8333);
	assert_true(rep.load == hmsg_load_round(0.833333));

	/* A report of nothing is a report. */
	assert_int_equal(parse("{}"), 0);
	assert_int_equal(rep.has, 0);
	assert_string_equal(why, "");
}

static void
unknown_keys_ignored(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"cpu\": 3, \"load\": 0.5, \"nested\": "
	                       "{\"load\": 7, \"a\": [1, {}]}, \"Load\": 9, "
	                       "\"version\": \"1.2\"}"),
	                 0);
	assert_int_equal(rep.has, HMSG_HAS_LOAD);
	assert_true(rep.load == 0.5);
	assert_string_equal(why, "");
}

/* A key of the wrong type or range is left out and said; the others
 * still count. */
static void
wrong_keys_left_out(void **state)
{
	static const struct {
		const char *body;
		uint8_t has; /* what still counts */
		const char *why;
	} cases[] = {
	    {"{\"load\": \"high\"}", 0, "load: not a number in 0..1000"},
	    {"{\"load\": \"0.5\"}", 0, "load: not a number in 0..1000"},
	    {"{\"load\": null}", 0, "load: not a number in 0..1000"},
	    {"{\"load\": true}", 0, "load: not a number in 0..1000"},
	    {"{\"load\": [0.5]}", 0, "load: not a number in 0..1000"},
	    {"{\"load\": -0.1}", 0, "load: not a number in 0..1000"},
	    {"{\"load\": -1}", 0, "load: not a number in 0..1000"},
	    {"{\"load\": 1000.5}", 0, "load: not a number in 0..1000"},
	    {"{\"load\": 1e300}", 0, "load: not a number in 0..1000"},
	    {"{\"weight\": 20.0}", 0, "weight: not an integer in 0..255"},
	    {"{\"weight\": \"20\"}", 0, "weight: not an integer in 0..255"},
	    {"{\"weight\": 256}", 0, "weight: not an integer in 0..255"},
	    {"{\"weight\": -1}", 0, "weight: not an integer in 0..255"},
	    {"{\"weight\": false}", 0, "weight: not an integer in 0..255"},
	    {"{\"drain\": \"false\"}", 0, "drain: not true or false"},
	    {"{\"drain\": 0}", 0, "drain: not true or false"},
	    {"{\"drain\": null}", 0, "drain: not true or false"},
	    {"{\"load\": \"high\", \"weight\": 20, \"drain\": true}",
	     HMSG_HAS_WEIGHT | HMSG_HAS_DRAIN, "load: not a number in 0..1000"},
	    {"{\"load\": 0.5, \"weight\": 300, \"drain\": false}",
	     HMSG_HAS_LOAD | HMSG_HAS_DRAIN,
	     "weight: not an integer in 0..255"},
	    {"{\"load\": 2, \"weight\": 3, \"drain\": \"yes\"}",
	     HMSG_HAS_LOAD | HMSG_HAS_WEIGHT, "drain: not true or false"},
	    {"{\"load\": {}, \"weight\": 1.5, \"drain\": 1}", 0,
	     "load: not a number in 0..1000; weight: not an integer in "
	     "0..255; drain: not true or false"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = parse(cases[i].body);
		if (r != 0 || rep.has != cases[i].has ||
		    strcmp(why, cases[i].why) != 0)
			fail_msg("case %zu: %s: got %d has %u \"%s\", want has "
			         "%u \"%s\"",
			         i, cases[i].body, r, rep.has, why,
			         cases[i].has, cases[i].why);
	}
	/* Left out means zero, not the bad value. */
	assert_int_equal(parse("{\"load\": 5000, \"weight\": 999}"), 0);
	assert_true(rep.load == 0);
	assert_int_equal(rep.weight, 0);
}

/* Plain bodies are no report and nothing to say: they keep working as
 * they always did. */
static void
plain_bodies(void **state)
{
	static const char *const plain[] = {
	    "",
	    "OK\n",
	    "OK {\"load\": 1}",
	    "   ",
	    "\n\n",
	    "[1, 2]",
	    " [{\"load\": 1}]",
	    "\"load\"",
	    "42",
	    "null",
	    "true",
	    "<html>{}</html>",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		assert_int_equal(parse(plain[i]), -1);
		assert_int_equal(rep.has, 0);
		assert_string_equal(why, "");
	}
}

/* A body that starts with '{' but is no JSON object: no report, and why. */
static void
broken_json(void **state)
{
	static const char *const broken[] = {
	    "{",
	    "{\"load\": 0.9",
	    "{\"load\": 0.9,",
	    "{\"load\": 0.9, \"weight\": 2",
	    "{\"load\": }",
	    "{load: 0.9}",
	    "{'load': 0.9}",
	    "{\"load\": 0.9} trailing",
	    "{\"load\": 0.9}{}",
	    "{\"load\": 0.9, \"load\": 0.1}", /* a key twice */
	    "{\"load\": NaN}",
	    "{\"load\": 1e400}",
	    "{\"weight\": 99999999999999999999999}",
	    "{\"load\": 0.9,}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		int r = parse(broken[i]);
		if (r != -1 || rep.has != 0 || strncmp(why, "not JSON: ", 10))
			fail_msg("case %zu: %s: got %d has %u \"%s\"", i,
			         broken[i], r, rep.has, why);
	}
}

static void
whitespace_and_bounds(void **state)
{
	(void)state;
	/* JSON white space before and after. */
	assert_int_equal(parse(" \t\r\n{\"load\": 0.5}\r\n  "), 0);
	assert_int_equal(rep.has, HMSG_HAS_LOAD);
	assert_true(rep.load == 0.5);
	/* Other white space is not JSON's. */
	assert_int_equal(parse("\v{\"load\": 0.5}"), -1);
	assert_string_equal(why, "");

	/* Exactly len bytes are read: not NUL-terminated, and a NUL byte
	 * inside is no JSON. */
	static const char buf[] = "{\"load\": 0.25}GARBAGE";
	memset(why, 'x', sizeof(why));
	assert_int_equal(edge_report_parse(buf, 14, &rep, why, sizeof(why)), 0);
	assert_true(rep.load == 0.25);
	static const char nul[] = "{\"load\": 0.25}\0";
	assert_int_equal(
	    edge_report_parse(nul, sizeof(nul) - 1, &rep, why, sizeof(why)),
	    -1);
	assert_int_equal(rep.has, 0);
	static const char nul2[] = "{\"lo\0ad\": 0.25}";
	assert_int_equal(
	    edge_report_parse(nul2, sizeof(nul2) - 1, &rep, why, sizeof(why)),
	    -1);

	/* A short why buffer truncates, never overflows. */
	char small[8];
	memset(small, 'x', sizeof(small));
	assert_int_equal(edge_report_parse("{\"load\": \"x\"}", 13, &rep, small,
	                                   sizeof(small)),
	                 0);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(edge_report_parse("{\"load\"", 7, &rep, small, 1), -1);
	assert_string_equal(small, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_key),
	    cmocka_unit_test(unknown_keys_ignored),
	    cmocka_unit_test(wrong_keys_left_out),
	    cmocka_unit_test(plain_bodies),
	    cmocka_unit_test(broken_json),
	    cmocka_unit_test(whitespace_and_bounds),
	};
	return cmocka_run_group_tests_name("eh_edge_report", tests, NULL, NULL);
}
