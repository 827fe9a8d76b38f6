/* SPDX-License-Identifier: MIT */
/* tests/unit/test_latency_file.c: a geo name's latency_file: good files
 * grouped per network in RTT order, every bad line at its line:col, and
 * the file's age. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "dnsd/latency_file.h"
#include "geo/geo.h"

#define NEDGES 20

/* Edges lhr, fra, iad, sjc, syd, then e5..e19; the pool is all but iad. */
static struct edge edge_v[NEDGES];
static char edges_path[] = "edges.yaml";
static struct edge_set edges = {
    .path = edges_path, .edge = edge_v, .n = NEDGES};
static uint16_t pool[NEDGES];
static size_t npool;

static int
setup(void **state)
{
	static const char *const names[] = {"lhr", "fra", "iad", "sjc", "syd"};

	(void)state;
	npool = 0;
	for (size_t i = 0; i < NEDGES; i++) {
		if (i < 5)
			snprintf(edge_v[i].name, sizeof(edge_v[i].name), "%s",
			         names[i]);
		else
			snprintf(edge_v[i].name, sizeof(edge_v[i].name), "e%zu",
			         i);
		if (i != 2)
			pool[npool++] = (uint16_t)i;
	}
	return 0;
}

/* Read `text` as the file "lat.txt": the return code, entries and errors. */
static int
read_text(const char *text, struct geo_latency **out, size_t *n,
          struct errbuf *err)
{
	FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");

	assert_non_null(f);
	int rc =
	    latency_file_read(f, "lat.txt", &edges, pool, npool, out, n, err);
	fclose(f);
	return rc;
}

static void
good_file_grouped_in_rtt_order(void **state)
{
	struct geo_latency *l;
	size_t n;
	struct errbuf err;

	(void)state;
	errbuf_init(&err);
	int rc = read_text("# exported from RUM, p50 over 7 days\n"
	                   "\n"
	                   "81.2.69.0/24 lhr 12.5\n"
	                   "81.2.69.0/24\tsjc\t80   # transatlantic\n"
	                   "2001:db8::/32 syd 3\r\n"
	                   "81.2.69.0/24 fra 12.5\n"
	                   "   81.2.69.0/25 sjc 0\n"
	                   "81.2.69.0/24 syd .5\n"
	                   "   # nothing\n"
	                   "10.0.0.0/8 e5 1e1",
	                   &l, &n, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(errbuf_text(&err), "");
	assert_int_equal(n, 4);
	/* by prefix length in the tree layout (IPv4 lengths are +96): the
	 * IPv6 /32, then /8, /24 and /25 */
	assert_int_equal(l[0].plen, 32);
	assert_int_equal(l[0].edge[0], 4);
	assert_int_equal(l[1].plen, 104);
	assert_int_equal(l[1].n, 1);
	assert_int_equal(l[1].edge[0], 5);
	assert_true(l[1].rtt_ms[0] == 10.0f);
	assert_int_equal(l[2].plen, 120);
	assert_int_equal(l[2].key[12], 81);
	assert_int_equal(l[2].key[15], 0);
	assert_int_equal(l[2].n, 4);
	/* syd 0.5, then lhr and fra tie at 12.5 (inventory order), sjc */
	static const uint16_t want[] = {4, 0, 1, 3};
	assert_memory_equal(l[2].edge, want, sizeof(want));
	assert_true(l[2].rtt_ms[0] == 0.5f && l[2].rtt_ms[1] == 12.5f &&
	            l[2].rtt_ms[2] == 12.5f && l[2].rtt_ms[3] == 80.0f);
	assert_int_equal(l[3].plen, 121);
	assert_true(l[3].rtt_ms[0] == 0.0f);
	free(l);
	errbuf_fini(&err);
}

static void
empty_file_is_no_entries(void **state)
{
	struct geo_latency *l;
	size_t n = 99;
	struct errbuf err;

	(void)state;
	errbuf_init(&err);
	assert_int_equal(read_text("# nothing measured yet\n", &l, &n, &err),
	                 0);
	assert_non_null(l);
	assert_int_equal(n, 0);
	free(l);
	errbuf_fini(&err);
}

/* More edges than a choice holds: the fastest GEO_MAX_RANK stay. */
static void
many_edges_keep_the_fastest(void **state)
{
	char text[2048];
	size_t len = 0;
	struct geo_latency *l;
	size_t n;
	struct errbuf err;

	(void)state;
	/* e5..e19 and lhr, fra, sjc, syd: 19 edges, slowest first */
	for (size_t i = 0; i < npool; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		                        "192.0.2.0/24 %s %zu\n",
		                        edge_v[pool[i]].name, 100 - i);
	errbuf_init(&err);
	assert_int_equal(read_text(text, &l, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].n, GEO_MAX_RANK);
	assert_int_equal(l[0].edge[0], 19); /* 100 - 18 = 82 ms */
	assert_true(l[0].rtt_ms[0] == 82.0f);
	assert_true(l[0].rtt_ms[GEO_MAX_RANK - 1] == 97.0f);
	free(l);
	errbuf_fini(&err);
}

static void
every_bad_line_at_line_col(void **state)
{
	struct geo_latency *l = (struct geo_latency *)&l;
	size_t n = 7;
	struct errbuf err;

	(void)state;
	errbuf_init(&err);
	int rc = read_text("81.2.69.0/24 lhr 12.5\n"        /* 1: good */
	                   "81.2.69.1/24 lhr 12\n"          /* 2 */
	                   "192.0.2.0/24 nope 5\n"          /* 3 */
	                   "192.0.2.0/24 iad 5\n"           /* 4 */
	                   "192.0.2.0/24 fra -3\n"          /* 5 */
	                   "192.0.2.0/24 fra 3ms\n"         /* 6 */
	                   "192.0.2.0/24 fra\n"             /* 7 */
	                   "  192.0.2.0/24\n"               /* 8 */
	                   "192.0.2.0/24 fra 1 2\n"         /* 9 */
	                   "81.2.69.0/24  lhr 13 # again\n" /* 10 */
	                   "81.2.69.0/24 fra 13\n"          /* 11: good */
	                   "10.0.0.0/33 e7 nan\n"           /* 12: two */
	                   "192.0.2.0/24 fra inf\n",        /* 13 */
	                   &l, &n, &err);
	assert_int_equal(rc, -1);
	assert_null(l);
	assert_int_equal(n, 0);
	assert_string_equal(
	    errbuf_text(&err),
	    "lat.txt:2:1: \"81.2.69.1/24\" is not a network (ADDRESS/LENGTH "
	    "with no bits set past LENGTH)\n"
	    "lat.txt:3:14: no edge called \"nope\"\n"
	    "lat.txt:4:14: edge iad is not in this name's pool\n"
	    "lat.txt:5:18: RTT -3 is negative\n"
	    "lat.txt:6:18: \"3ms\" is not an RTT in milliseconds (a number, "
	    "0 or more)\n"
	    "lat.txt:7:18: the RTT is missing: expected NETWORK EDGE RTT_MS\n"
	    "lat.txt:8:16: the edge and the RTT are missing: expected "
	    "NETWORK EDGE RTT_MS\n"
	    "lat.txt:9:20: unexpected \"2\" after the RTT: expected NETWORK "
	    "EDGE RTT_MS\n"
	    "lat.txt:12:1: \"10.0.0.0/33\" is not a network (ADDRESS/LENGTH "
	    "with no bits set past LENGTH)\n"
	    "lat.txt:12:16: \"nan\" is not an RTT in milliseconds (a number, "
	    "0 or more)\n"
	    "lat.txt:13:18: \"inf\" is not an RTT in milliseconds (a number, "
	    "0 or more)\n"
	    "lat.txt:10:1: edge lhr listed twice for this network (first at "
	    "line 1)\n");
	assert_int_equal(err.count, 12);
	errbuf_fini(&err);
}

/* Repeats come after the line errors, in line order among themselves. */
static void
repeats_in_line_order(void **state)
{
	struct geo_latency *l;
	size_t n;
	struct errbuf err;

	(void)state;
	errbuf_init(&err);
	int rc = read_text("2001:db8::/32 syd 3\n"
	                   "10.0.0.0/8 lhr 1\n"
	                   "10.0.0.0/8 lhr 2\n"
	                   "2001:db8::/32 syd 4\n"
	                   "10.0.0.0/8 lhr 3\n"
	                   "10.0.0.0/16 lhr 3\n",
	                   &l, &n, &err);
	assert_int_equal(rc, -1);
	assert_string_equal(errbuf_text(&err),
	                    "lat.txt:3:1: edge lhr listed twice for this "
	                    "network (first at line 2)\n"
	                    "lat.txt:4:1: edge syd listed twice for this "
	                    "network (first at line 1)\n"
	                    "lat.txt:5:1: edge lhr listed twice for this "
	                    "network (first at line 2)\n");
	errbuf_fini(&err);
}

static void
age_from_mtime(void **state)
{
	char path[] = "/tmp/test_latency_file.XXXXXX";
	uint64_t age = 1;

	(void)state;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct timeval tv[2] = {{1000000, 0}, {1000000, 0}};
	assert_int_equal(utimes(path, tv), 0);
	assert_int_equal(latency_file_age(path, 1000000 + 3 * 3600, &age), 0);
	assert_int_equal(age, 3 * 3600);
	/* modified "later" than now (clock skew): not old */
	assert_int_equal(latency_file_age(path, 999000, &age), 0);
	assert_int_equal(age, 0);
	unlink(path);
	assert_int_equal(latency_file_age(path, 1000000, &age), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(good_file_grouped_in_rtt_order, setup),
	    cmocka_unit_test_setup(empty_file_is_no_entries, setup),
	    cmocka_unit_test_setup(many_edges_keep_the_fastest, setup),
	    cmocka_unit_test_setup(every_bad_line_at_line_col, setup),
	    cmocka_unit_test_setup(repeats_in_line_order, setup),
	    cmocka_unit_test(age_from_mtime),
	};
	return cmocka_run_group_tests_name("latency_file", tests, NULL, NULL);
}
