/* SPDX-License-Identifier: MIT */
/* tests/unit/test_errbuf.c: error collection, formatting and the cap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/errbuf.h"

static void
empty_is_empty_string(void **state)
{
	struct errbuf err;
	char first[16] = "junk";

	(void)state;
	errbuf_init(&err);
	assert_string_equal(errbuf_text(&err), "");
	assert_int_equal(err.count, 0);
	errbuf_first(&err, first, sizeof(first));
	assert_string_equal(first, "");
	errbuf_fini(&err);
}

static void
location_formats(void **state)
{
	struct errbuf err;

	(void)state;
	errbuf_init(&err);
	errbuf_add(&err, "a.yaml", 12, 5, "unknown key \"%s\"", "tll");
	errbuf_add(&err, "a.yaml", 3, 0, "no column");
	errbuf_add(&err, "a.yaml", 0, 7, "column only");
	errbuf_add(&err, "a.yaml", 0, 0, "cannot open: %s", "No such file");
	errbuf_add(&err, NULL, 4, 2, "no file, so no location");
	assert_string_equal(errbuf_text(&err),
	                    "a.yaml:12:5: unknown key \"tll\"\n"
	                    "a.yaml:3: no column\n"
	                    "a.yaml: column only\n"
	                    "a.yaml: cannot open: No such file\n"
	                    "no file, so no location\n");
	assert_int_equal(err.count, 5);
	assert_int_equal(err.len, strlen(err.text));
	errbuf_fini(&err);
}

static void
first_line_only(void **state)
{
	struct errbuf err;
	char out[64];
	char tiny[8];

	(void)state;
	errbuf_init(&err);
	errbuf_add(&err, "f", 1, 2, "first");
	errbuf_add(&err, "f", 3, 4, "second");
	errbuf_first(&err, out, sizeof(out));
	assert_string_equal(out, "f:1:2: first");
	/* Truncates to fit, always NUL-terminated. */
	errbuf_first(&err, tiny, sizeof(tiny));
	assert_string_equal(tiny, "f:1:2: ");
	errbuf_fini(&err);
}

static void
newlines_flattened(void **state)
{
	struct errbuf err;

	(void)state;
	errbuf_init(&err);
	errbuf_add(&err, "f", 1, 1, "bad value \"%s\"", "a\nb\r\nc");
	assert_string_equal(errbuf_text(&err), "f:1:1: bad value \"a b  c\"\n");
	errbuf_fini(&err);
}

static void
long_message(void **state)
{
	struct errbuf err;
	char big[1000];
	char expect[1100];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(expect, sizeof(expect), "f:9:9: %s\n", big);
	errbuf_init(&err);
	errbuf_add(&err, "f", 9, 9, "%s", big);
	assert_string_equal(errbuf_text(&err), expect);
	assert_int_equal(err.len, strlen(expect));
	errbuf_fini(&err);
}

static void
clear_and_reuse(void **state)
{
	struct errbuf err;

	(void)state;
	errbuf_init(&err);
	errbuf_add(&err, "f", 1, 1, "one");
	errbuf_clear(&err);
	assert_string_equal(errbuf_text(&err), "");
	assert_int_equal(err.count, 0);
	assert_int_equal(err.len, 0);
	errbuf_add(&err, "g", 2, 2, "two");
	assert_string_equal(errbuf_text(&err), "g:2:2: two\n");
	errbuf_fini(&err);
	/* fini leaves a re-usable, empty errbuf */
	assert_null(err.text);
	assert_string_equal(errbuf_text(&err), "");
	errbuf_fini(&err);
}

/* Count '\n'-terminated lines. */
static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Text of the last line, without its '\n'. */
static const char *
last_line(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);
	size_t start = n - 1;

	while (start > 0 && s[start - 1] != '\n')
		start--;
	snprintf(buf, len, "%.*s", (int)(n - 1 - start), s + start);
	return buf;
}

static void
cap_and_trailer(void **state)
{
	struct errbuf err;
	char buf[128];

	(void)state;
	errbuf_init(&err);
	for (unsigned i = 1; i <= ERRBUF_MAX; i++)
		errbuf_add(&err, "f", i, 1, "error %u", i);
	assert_int_equal(count_lines(errbuf_text(&err)), ERRBUF_MAX);
	assert_string_equal(last_line(errbuf_text(&err), buf, sizeof(buf)),
	                    "f:100:1: error 100");
	assert_null(strstr(errbuf_text(&err), "more error"));

	errbuf_add(&err, "f", 101, 1, "error 101");
	assert_int_equal(err.count, ERRBUF_MAX + 1);
	assert_int_equal(count_lines(errbuf_text(&err)), ERRBUF_MAX + 1);
	assert_string_equal(last_line(errbuf_text(&err), buf, sizeof(buf)),
	                    "... and 1 more error");
	assert_null(strstr(errbuf_text(&err), "error 101"));

	for (unsigned i = 102; i <= 250; i++)
		errbuf_add(&err, "f", i, 1, "error %u", i);
	assert_int_equal(err.count, 250);
	/* Still ERRBUF_MAX kept lines plus exactly one trailer. */
	assert_int_equal(count_lines(errbuf_text(&err)), ERRBUF_MAX + 1);
	assert_string_equal(last_line(errbuf_text(&err), buf, sizeof(buf)),
	                    "... and 150 more errors");
	assert_int_equal(err.len, strlen(errbuf_text(&err)));
	assert_true(strstr(errbuf_text(&err), "f:100:1: error 100\n... and") !=
	            NULL);
	errbuf_first(&err, buf, sizeof(buf));
	assert_string_equal(buf, "f:1:1: error 1");

	/* Clearing resets the cap too. */
	errbuf_clear(&err);
	errbuf_add(&err, "f", 1, 1, "again");
	assert_string_equal(errbuf_text(&err), "f:1:1: again\n");
	errbuf_fini(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(empty_is_empty_string),
	    cmocka_unit_test(location_formats),
	    cmocka_unit_test(first_line_only),
	    cmocka_unit_test(newlines_flattened),
	    cmocka_unit_test(long_message),
	    cmocka_unit_test(clear_and_reuse),
	    cmocka_unit_test(cap_and_trailer),
	};
	return cmocka_run_group_tests_name("errbuf", tests, NULL, NULL);
}
