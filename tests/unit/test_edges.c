/* SPDX-License-Identifier: MIT */
/* tests/unit/test_edges.c: the edge inventory loader (common/edges). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/edges.h"
#include "common/errbuf.h"

/* Write `text` to a temporary file and load it; *err holds the errors. */
static struct edge_set *
load(const char *text, struct errbuf *err)
{
	char path[] = "/tmp/test_edges.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	errbuf_init(err);
	struct edge_set *set = edges_load(path, err);
	unlink(path);
	return set;
}

static void
valid_inventory(void **state)
{
	struct errbuf err;
	struct edge_set *set =
	    load("edges:\n"
	         "  lhr:\n"
	         "    location: [51.47, -0.45]\n"
	         "    country: GB\n"
	         "    continent: EU\n"
	         "    addresses: [192.0.2.11, \"2001:db8::1\"]\n"
	         "  gru:\n"
	         "    location: {lat: -23.43, lon: -46.47}\n"
	         "    addresses: 198.51.100.31\n"
	         "    bias: -20\n",
	         &err);

	(void)state;
	assert_non_null(set);
	assert_int_equal(err.count, 0);
	assert_int_equal(set->n, 2);
	assert_int_equal(edges_find(set, "lhr"), 0);
	assert_int_equal(edges_find(set, "gru"), 1);
	assert_int_equal(edges_find(set, "nope"), -1);
	const struct edge *e = &set->edge[0];
	assert_true(e->lat > 51.46 && e->lat < 51.48);
	assert_string_equal(e->country, "GB");
	assert_int_equal(e->nv4, 1);
	assert_int_equal(e->nv6, 1);
	assert_memory_equal(e->v4[0], "\xc0\x00\x02\x0b", 4);
	assert_int_equal(set->edge[1].nv6, 0);
	assert_int_equal(set->edge[1].bias, -20);
	assert_int_equal(set->edge[1].line, 7);
	edges_free(set);
	errbuf_fini(&err);
}

/* Each bad inventory fails with a message at the given line:col. */
static void
errors_at_their_position(void **state)
{
	static const struct {
		const char *text;
		const char *want; /* substring of the error text */
	} cases[] = {
	    {"edges:\n  lhr:\n    location: [91, 0]\n    addresses: "
	     "192.0.2.1\n",
	     ":3:16: location: latitude"},
	    {"edges:\n  lhr:\n    location: [1, 2, 3]\n    addresses: "
	     "192.0.2.1\n",
	     ":3:15: location: expected"},
	    {"edges:\n  lhr:\n    location: [1, 2]\n    addresses: "
	     "192.0.2.300\n",
	     ":4:16: addresses: \"192.0.2.300\" is not"},
	    {"edges:\n  LHR:\n    location: [1, 2]\n    addresses: 192.0.2.1\n",
	     ":2:3: edges: \"LHR\" is not a valid edge name"},
	    {"edges:\n  lhr:\n    location: [1, 2]\n    addresses: 192.0.2.1\n"
	     "    bias: 100\n",
	     ":5:11: bias:"},
	    {"edges:\n  lhr:\n    location: [1, 2]\n    addresses: 192.0.2.1\n"
	     "    continent: XX\n",
	     "continent: \"XX\" is not one of"},
	    {"edges:\n  lhr:\n    location: [1, 2]\n", "missing required key"},
	    {"edges:\n  lhr:\n    location: [1, 2]\n    addresses: 192.0.2.1\n"
	     "    colour: red\n",
	     ":5:5: lhr: unknown key \"colour\""},
	    {"edge:\n  lhr: {}\n", ":1:1: unknown key \"edge\""},
	    {"edges: {}\n", "edges: empty"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct errbuf err;
		struct edge_set *set = load(cases[i].text, &err);
		if (set != NULL ||
		    strstr(errbuf_text(&err), cases[i].want) == NULL)
			fail_msg("case %zu: want \"%s\", got \"%s\"", i,
			         cases[i].want, errbuf_text(&err));
		errbuf_fini(&err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_inventory),
	    cmocka_unit_test(errors_at_their_position),
	};
	return cmocka_run_group_tests_name("edges", tests, NULL, NULL);
}
