/* SPDX-License-Identifier: MIT */
/* tests/unit/test_geo_mmdb.c: MaxMind DB reading, on databases built here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "geo/geo_mmdb.h"

/*
 * The fixture, as mkmmdb.pl reads it, with what the reader must give
 * back.  Networks with equal data must not touch (the writer would merge
 * them), and the v4-only database gets the IPv4 lines.
 */
struct fx {
	const char *net;
	const char *data; /* the fixture line after the network */
	bool has_coords;
	double lat, lon;
	const char *continent, *country, *subdivision, *city;
};

#define WELSH "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"

static const struct fx fixture[] = {
    {"81.2.69.0/24", "51.5142 -0.0931 EU GB ENG London", true, 51.5142, -0.0931,
     "EU", "GB", "ENG", "London"},
    /* same data as the line above: must share its record */
    {"81.2.71.0/24", "51.5142 -0.0931 EU GB ENG London", true, 51.5142, -0.0931,
     "EU", "GB", "ENG", "London"},
    {"2a01:4b00::/32", "51.5142 -0.0931 EU GB ENG London", true, 51.5142,
     -0.0931, "EU", "GB", "ENG", "London"},
    {"89.160.20.0/24", "58.4167 15.6167 EU SE E Linköping", true, 58.4167,
     15.6167, "EU", "SE", "E", "Linköping"},
    /* touches the line above with other data */
    {"89.160.21.0/24", "59.3293 18.0686 EU SE AB Stockholm", true, 59.3293,
     18.0686, "EU", "SE", "AB", "Stockholm"},
    {"175.16.199.0/24", "43.88 125.3228 AS CN 22 Changchun", true, 43.88,
     125.3228, "AS", "CN", "22", "Changchun"},
    {"202.196.224.0/20", "13 122 AS PH", true, 13, 122, "AS", "PH", "", ""},
    {"216.160.83.0/24", "47.2513 -122.3149 NA US WA Milton", true, 47.2513,
     -122.3149, "NA", "US", "WA", "Milton"},
    {"52.0.0.0/15", "39.0438 -77.4874 NA US VA Ashburn", true, 39.0438,
     -77.4874, "NA", "US", "VA", "Ashburn"},
    {"2600:1f18:1::/48", "39.0438 -77.4874 NA US VA Ashburn", true, 39.0438,
     -77.4874, "NA", "US", "VA", "Ashburn"},
    {"2001:218::/32", "35.6895 139.6917 AS JP 13 Tokyo", true, 35.6895,
     139.6917, "AS", "JP", "13", "Tokyo"},
    {"2001:db8::/32", "-26.2041 28.0473 AF ZA GP Johannesburg", true, -26.2041,
     28.0473, "AF", "ZA", "GP", "Johannesburg"},
    /* no location; only a registered country */
    {"1.1.1.0/24", "- - - -/AU", false, 0, 0, "", "AU", "", ""},
    /* a host route, and a city name cut inside a UTF-8 character */
    {"192.0.2.7/32", "53.2225 -4.2024 EU GB WLS " WELSH " aÖö", true, 53.2225,
     -4.2024, "EU", "GB", "WLS", WELSH " aÖ"},
};
#define NFIX (sizeof(fixture) / sizeof(fixture[0]))

struct env {
	char dir[64];
	char v6[96];    /* IPv6 tree, record size 28, aliases */
	char v6r32[96]; /* the same, record size 32 */
	char v4[96];    /* IPv4-only tree, record size 24 */
};

/* "a.b.c.d/n" or "x::/n" to the 128-bit tree key and plen. */
static void
parse_net(const char *s, uint8_t key[16], unsigned *plen)
{
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	assert_non_null(slash);
	*slash = '\0';
	*plen = (unsigned)atoi(slash + 1);
	memset(key, 0, 16);
	if (strchr(buf, ':') != NULL) {
		assert_int_equal(inet_pton(AF_INET6, buf, key), 1);
	} else {
		assert_int_equal(inet_pton(AF_INET, buf, key + 12), 1);
		*plen += 96;
	}
}

static void
parse_addr(const char *s, uint8_t key[16])
{
	memset(key, 0, 16);
	if (strchr(s, ':') != NULL)
		assert_int_equal(inet_pton(AF_INET6, s, key), 1);
	else
		assert_int_equal(inet_pton(AF_INET, s, key + 12), 1);
}

static bool
is_v4(const struct fx *f)
{
	return strchr(f->net, ':') == NULL;
}

static int
write_fixture(const char *path, bool v4only)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "# written by test_geo_mmdb\n");
	for (size_t i = 0; i < NFIX; i++)
		if (!v4only || is_v4(&fixture[i]))
			fprintf(f, "%s %s\n", fixture[i].net, fixture[i].data);
	return fclose(f);
}

static int run(const char *fmt, ...) ATTR_PRINTF(1, 2);

static int
run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Build the databases once; a failure fails the whole group. */
static int
group_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char fx6[96], fx4[96];

	if (e == NULL)
		return -1;
	snprintf(e->dir, sizeof(e->dir), "/tmp/test_geo_mmdb.XXXXXX");
	if (mkdtemp(e->dir) == NULL) {
		free(e);
		return -1;
	}
	snprintf(fx6, sizeof(fx6), "%s/all.txt", e->dir);
	snprintf(fx4, sizeof(fx4), "%s/v4.txt", e->dir);
	snprintf(e->v6, sizeof(e->v6), "%s/v6.mmdb", e->dir);
	snprintf(e->v6r32, sizeof(e->v6r32), "%s/v6r32.mmdb", e->dir);
	snprintf(e->v4, sizeof(e->v4), "%s/v4.mmdb", e->dir);
	*state = e;
	if (write_fixture(fx6, false) == -1 || write_fixture(fx4, true) == -1)
		return -1;
	/* 1763596800 is 2025-11-20T00:00:00Z, for the describe test. */
	if (run("SOURCE_DATE_EPOCH=1763596800 perl tests/tools/mkmmdb.pl "
	        "%s %s",
	        fx6, e->v6) != 0 ||
	    run("SOURCE_DATE_EPOCH=1763596800 perl tests/tools/mkmmdb.pl "
	        "-r 32 %s %s",
	        fx6, e->v6r32) != 0 ||
	    run("SOURCE_DATE_EPOCH=1763596800 perl tests/tools/mkmmdb.pl "
	        "-4 -t GeoLite2-City %s %s",
	        fx4, e->v4) != 0) {
		print_error("mkmmdb.pl failed: is libmaxmind-db-writer-perl "
		            "installed (make deps-check)?\n");
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	struct env *e = *state;

	if (e == NULL)
		return 0;
	run("rm -rf '%s'", e->dir);
	free(e);
	return 0;
}

static struct geo_mmdb *
open_ok(const char *path)
{
	struct errbuf err;
	struct geo_mmdb *db;

	errbuf_init(&err);
	db = geo_mmdb_open(path, &err);
	if (db == NULL)
		print_error("%s", errbuf_text(&err));
	assert_non_null(db);
	assert_int_equal(err.count, 0);
	errbuf_fini(&err);
	return db;
}

/* Open must fail with "path: cannot open MaxMind DB: ..." plus `why`. */
static void
open_fails(const char *path, const char *why)
{
	struct errbuf err;
	char want[256];

	errbuf_init(&err);
	assert_null(geo_mmdb_open(path, &err));
	assert_int_equal(err.count, 1);
	snprintf(want, sizeof(want), "%s: cannot open MaxMind DB: ", path);
	assert_memory_equal(errbuf_text(&err), want, strlen(want));
	if (why != NULL && strstr(errbuf_text(&err), why) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", errbuf_text(&err), why);
	errbuf_fini(&err);
}

static void
open_and_free(void **state)
{
	const struct env *e = *state;

	geo_mmdb_free(open_ok(e->v6));
	geo_mmdb_free(open_ok(e->v6r32));
	geo_mmdb_free(open_ok(e->v4));
	geo_mmdb_free(NULL);
}

static void
open_missing(void **state)
{
	const struct env *e = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/nonexistent.mmdb", e->dir);
	open_fails(path, "No such file or directory");
}

/* Copy the first `len` bytes of `from` (all if len is 0) to `to`. */
static void
copy_file(const char *from, const char *to, size_t len)
{
	FILE *in = fopen(from, "rb");
	FILE *out = fopen(to, "wb");
	char buf[4096];
	size_t n, done = 0;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (len != 0 && done + n > len)
			n = len - done;
		assert_int_equal(fwrite(buf, 1, n, out), n);
		done += n;
		if (len != 0 && done == len)
			break;
	}
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static long
file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	fclose(f);
	return n;
}

static void
open_corrupt(void **state)
{
	const struct env *e = *state;
	char path[128];
	FILE *f;

	/* random bytes: no metadata marker anywhere */
	snprintf(path, sizeof(path), "%s/random.mmdb", e->dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	srand(42);
	for (int i = 0; i < 8192; i++)
		fputc(rand() & 0xFF, f);
	assert_int_equal(fclose(f), 0);
	open_fails(path, "metadata");

	/* a truncated copy loses the metadata at the end */
	snprintf(path, sizeof(path), "%s/truncated.mmdb", e->dir);
	copy_file(e->v6, path, (size_t)file_size(e->v6) / 2);
	open_fails(path, NULL);

	/* an empty file */
	snprintf(path, sizeof(path), "%s/empty.mmdb", e->dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	open_fails(path, NULL);

	/* a directory */
	open_fails(e->dir, NULL);
}

static void
describe(void **state)
{
	const struct env *e = *state;
	struct geo_mmdb *db;
	char buf[128];
	const char *p;

	db = open_ok(e->v6);
	geo_mmdb_describe(db, buf, sizeof(buf));
	p = "GeoIP2-City, IPv6, built 2025-11-20, ";
	assert_memory_equal(buf, p, strlen(p));
	assert_non_null(strstr(buf, " nodes"));
	assert_true(atoi(buf + strlen(p)) > 0);
	/* a short buffer is cut, never overrun */
	geo_mmdb_describe(db, buf, 8);
	assert_string_equal(buf, "GeoIP2-");
	geo_mmdb_free(db);

	db = open_ok(e->v4);
	geo_mmdb_describe(db, buf, sizeof(buf));
	p = "GeoLite2-City, IPv4, built 2025-11-20, ";
	assert_memory_equal(buf, p, strlen(p));
	geo_mmdb_free(db);
}

#define MAXNETS 64

struct seen {
	size_t n;
	struct {
		uint8_t key[16];
		unsigned plen;
		uint64_t record;
		double lat, lon; /* geo_mmdb_each_coords */
	} net[MAXNETS];
};

/* How many of s's networks are fixture network `net`; *at the last. */
static unsigned
find_net(const struct seen *s, const char *net, size_t *at)
{
	uint8_t key[16];
	unsigned plen, found = 0;

	parse_net(net, key, &plen);
	for (size_t j = 0; j < s->n; j++) {
		if (s->net[j].plen != plen ||
		    memcmp(s->net[j].key, key, 16) != 0)
			continue;
		found++;
		*at = j;
	}
	return found;
}

static void
collect(const uint8_t key[16], unsigned plen, uint64_t record, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < MAXNETS);
	memcpy(s->net[s->n].key, key, 16);
	s->net[s->n].plen = plen;
	s->net[s->n].record = record;
	s->n++;
}

/* Does key/plen lie inside pfx/pfxlen? */
static bool
inside(const uint8_t key[16], unsigned plen, const char *pfx)
{
	uint8_t p[16];
	unsigned pl;

	parse_net(pfx, p, &pl);
	if (plen < pl)
		return false;
	for (unsigned i = 0; i < pl; i++) {
		unsigned bit = 0x80u >> (i % 8);

		if ((key[i / 8] & bit) != (p[i / 8] & bit))
			return false;
	}
	return true;
}

static void
check_location(const struct geo_location *loc, const struct fx *f)
{
	assert_int_equal(loc->has_coords, f->has_coords);
	if (f->has_coords) {
		assert_float_equal(loc->lat, f->lat, 1e-9);
		assert_float_equal(loc->lon, f->lon, 1e-9);
	}
	assert_string_equal(loc->continent, f->continent);
	assert_string_equal(loc->country, f->country);
	assert_string_equal(loc->subdivision, f->subdivision);
	assert_string_equal(loc->city, f->city);
}

static void
walk_one(const char *path, bool v4only)
{
	struct geo_mmdb *db = open_ok(path);
	struct seen s = {0};
	struct errbuf err;
	size_t want = 0;
	uint64_t rec[NFIX] = {0};

	errbuf_init(&err);
	assert_int_equal(geo_mmdb_walk(db, collect, &s, &err), 0);
	assert_int_equal(err.count, 0);
	errbuf_fini(&err);

	for (size_t i = 0; i < s.n; i++) {
		/* nothing in the aliases of the IPv4 space */
		assert_false(
		    inside(s.net[i].key, s.net[i].plen, "::ffff:0:0/96"));
		assert_false(inside(s.net[i].key, s.net[i].plen, "2002::/16"));
		assert_false(inside(s.net[i].key, s.net[i].plen, "2001::/32"));
		if (v4only)
			assert_true(
			    inside(s.net[i].key, s.net[i].plen, "::/96"));
		/* address order, no overlap */
		if (i > 0)
			assert_true(memcmp(s.net[i - 1].key, s.net[i].key, 16) <
			            0);
	}
	/* every fixture network exactly once, with its data */
	for (size_t i = 0; i < NFIX; i++) {
		const struct fx *f = &fixture[i];
		struct geo_location loc;
		size_t at = 0;

		if (v4only && !is_v4(f))
			continue;
		want++;
		unsigned found = find_net(&s, f->net, &at);
		if (found != 1)
			fail_msg("%s: %s reported %u times", path, f->net,
			         found);
		rec[i] = s.net[at].record;
		geo_mmdb_record(db, rec[i], GEO_LOC_ALL, &loc);
		check_location(&loc, f);
	}
	assert_int_equal(s.n, want);
	/* equal data, equal record; different data, different record */
	for (size_t i = 0; i < NFIX; i++) {
		for (size_t j = 0; j < i; j++) {
			if (v4only &&
			    (!is_v4(&fixture[i]) || !is_v4(&fixture[j])))
				continue;
			bool same =
			    strcmp(fixture[i].data, fixture[j].data) == 0;

			if (same != (rec[i] == rec[j]))
				fail_msg("%s: %s and %s: records %llu, %llu",
				         path, fixture[i].net, fixture[j].net,
				         (unsigned long long)rec[i],
				         (unsigned long long)rec[j]);
		}
	}
	geo_mmdb_free(db);
}

static void
walk(void **state)
{
	const struct env *e = *state;

	walk_one(e->v6, false);
	walk_one(e->v6r32, false);
	walk_one(e->v4, true);
}

static void
collect_coords(const uint8_t key[16], unsigned plen, double lat, double lon,
               void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < MAXNETS);
	memcpy(s->net[s->n].key, key, 16);
	s->net[s->n].plen = plen;
	s->net[s->n].lat = lat;
	s->net[s->n].lon = lon;
	s->n++;
}

/* geo_mmdb_each_coords: the fixture networks that have coordinates, each
 * once with its own (records shared by several networks read once), in
 * address order; the one without coordinates is left out. */
static void
each_coords_one(const char *path, bool v4only)
{
	struct geo_mmdb *db = open_ok(path);
	struct seen s = {0};
	struct errbuf err;
	size_t want = 0;

	errbuf_init(&err);
	assert_int_equal(geo_mmdb_each_coords(db, collect_coords, &s, &err), 0);
	assert_int_equal(err.count, 0);
	errbuf_fini(&err);
	for (size_t i = 1; i < s.n; i++)
		assert_true(memcmp(s.net[i - 1].key, s.net[i].key, 16) < 0);
	for (size_t i = 0; i < NFIX; i++) {
		const struct fx *f = &fixture[i];
		size_t at = 0;

		if (v4only && !is_v4(f))
			continue;
		want += f->has_coords;
		unsigned found = find_net(&s, f->net, &at);
		if (found != (f->has_coords ? 1u : 0u))
			fail_msg("%s: %s reported %u times", path, f->net,
			         found);
		if (found == 1) {
			assert_float_equal(s.net[at].lat, f->lat, 1e-9);
			assert_float_equal(s.net[at].lon, f->lon, 1e-9);
		}
	}
	assert_int_equal(s.n, want);
	geo_mmdb_free(db);
}

static void
each_coords(void **state)
{
	const struct env *e = *state;

	each_coords_one(e->v6, false);
	each_coords_one(e->v4, true);
}

/* Overwrite bytes at `at` in a copy of `from`; returns the copy's path. */
static void
patched_copy(const char *from, const char *to, long at, const uint8_t *b,
             size_t n)
{
	FILE *f;

	copy_file(from, to, 0);
	f = fopen(to, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, at, SEEK_SET), 0);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void
walk_fails(const char *path)
{
	struct geo_mmdb *db = open_ok(path);
	struct seen s = {0};
	struct errbuf err;
	char want[256];

	errbuf_init(&err);
	assert_int_equal(geo_mmdb_walk(db, collect, &s, &err), -1);
	snprintf(want, sizeof(want), "%s: corrupt search tree\n", path);
	assert_string_equal(errbuf_text(&err), want);
	errbuf_fini(&err);
	geo_mmdb_free(db);
}

static void
walk_corrupt(void **state)
{
	const struct env *e = *state;
	char path[128];

	/* 24-bit records: node 0 is bytes 0-2 (left), 3-5 (right).  A right
	 * record far past the data section is neither node nor data. */
	static const uint8_t invalid[3] = {0xFF, 0xFF, 0xFF};
	snprintf(path, sizeof(path), "%s/invalid.mmdb", e->dir);
	patched_copy(e->v4, path, 3, invalid, 3);
	walk_fails(path);

	/* Node 0's left record pointing back at node 0: a loop. */
	static const uint8_t zero[3] = {0, 0, 0};
	snprintf(path, sizeof(path), "%s/loop4.mmdb", e->dir);
	patched_copy(e->v4, path, 0, zero, 3);
	walk_fails(path);

	/* The same in the IPv6 tree (28-bit records: the left record's top
	 * bits are the high nibble of byte 3), where it also loops the
	 * search for the IPv4 subtree. */
	static const uint8_t zero4[4] = {0, 0, 0, 0};
	snprintf(path, sizeof(path), "%s/loop6.mmdb", e->dir);
	patched_copy(e->v6, path, 0, zero4, 4);
	walk_fails(path);
}

struct lk {
	const char *addr;
	int want;          /* 1 found, 0 no data */
	const char *net;   /* the network reported, for found */
	const char *fxnet; /* the fixture line it comes from, for found */
};

static const struct fx *
fixture_for(const char *net)
{
	for (size_t i = 0; i < NFIX; i++)
		if (strcmp(fixture[i].net, net) == 0)
			return &fixture[i];
	fail_msg("no fixture line %s", net);
	return NULL;
}

static void
lookup_one(const struct geo_mmdb *db, const struct lk *t)
{
	uint8_t key[16], net[16], want[16];
	unsigned plen = 999, wplen;
	struct geo_location loc;
	int rc;

	memset(net, 0xAA, sizeof(net));
	parse_addr(t->addr, key);
	rc = geo_mmdb_lookup(db, key, &loc, net, &plen);
	if (rc != t->want)
		fail_msg("%s: got %d, want %d", t->addr, rc, t->want);
	assert_true(plen <= 128);
	/* whatever the result, net is key cut to plen */
	for (unsigned i = 0; i < 128; i++) {
		unsigned bit = 0x80u >> (i % 8);
		unsigned k = key[i / 8] & bit, n = net[i / 8] & bit;

		assert_int_equal(n, i < plen ? k : 0);
	}
	if (rc == 0) {
		assert_false(loc.has_coords);
		assert_string_equal(loc.country, "");
		return;
	}
	parse_net(t->net, want, &wplen);
	if (wplen != plen || memcmp(want, net, 16) != 0)
		fail_msg("%s: got /%u, want %s", t->addr, plen, t->net);
	check_location(&loc, fixture_for(t->fxnet));
}

/* Lookups that both trees answer the same way. */
static const struct lk lookups_v4[] = {
    {"81.2.69.42", 1, "81.2.69.0/24", "81.2.69.0/24"},
    {"81.2.69.0", 1, "81.2.69.0/24", "81.2.69.0/24"},
    {"81.2.69.255", 1, "81.2.69.0/24", "81.2.69.0/24"},
    {"81.2.68.255", 0, NULL, NULL},
    {"81.2.70.0", 0, NULL, NULL},
    {"81.2.71.128", 1, "81.2.71.0/24", "81.2.71.0/24"},
    {"89.160.20.255", 1, "89.160.20.0/24", "89.160.20.0/24"},
    {"89.160.21.0", 1, "89.160.21.0/24", "89.160.21.0/24"},
    {"202.196.239.255", 1, "202.196.224.0/20", "202.196.224.0/20"},
    {"202.196.240.0", 0, NULL, NULL},
    {"52.1.255.255", 1, "52.0.0.0/15", "52.0.0.0/15"},
    {"192.0.2.7", 1, "192.0.2.7/32", "192.0.2.7/32"},
    {"192.0.2.6", 0, NULL, NULL},
    {"192.0.2.8", 0, NULL, NULL},
    {"1.1.1.1", 1, "1.1.1.0/24", "1.1.1.0/24"},
    {"0.0.0.0", 0, NULL, NULL},
    {"255.255.255.255", 0, NULL, NULL},
};

static const struct lk lookups_v6[] = {
    {"2001:218::", 1, "2001:218::/32", "2001:218::/32"},
    {"2001:218:ffff:ffff:ffff:ffff:ffff:ffff", 1, "2001:218::/32",
     "2001:218::/32"},
    {"2001:217:ffff:ffff:ffff:ffff:ffff:ffff", 0, NULL, NULL},
    {"2001:219::", 0, NULL, NULL},
    {"2600:1f18:1:abcd::1", 1, "2600:1f18:1::/48", "2600:1f18:1::/48"},
    {"2600:1f18:2::", 0, NULL, NULL},
    {"2a01:4b00::1", 1, "2a01:4b00::/32", "2a01:4b00::/32"},
    {"::1", 0, NULL, NULL},
    /* the aliases still answer lookups, in their own tree position */
    {"::ffff:81.2.69.1", 1, "::ffff:81.2.69.0/120", "81.2.69.0/24"},
    {"2002:5102:4501::", 1, "2002:5102:4500::/40", "81.2.69.0/24"},
};

static void
lookup(void **state)
{
	const struct env *e = *state;
	const char *paths[] = {e->v6, e->v6r32, e->v4};

	for (size_t p = 0; p < 3; p++) {
		struct geo_mmdb *db = open_ok(paths[p]);

		for (size_t i = 0;
		     i < sizeof(lookups_v4) / sizeof(lookups_v4[0]); i++)
			lookup_one(db, &lookups_v4[i]);
		for (size_t i = 0;
		     p < 2 && i < sizeof(lookups_v6) / sizeof(lookups_v6[0]);
		     i++)
			lookup_one(db, &lookups_v6[i]);
		geo_mmdb_free(db);
	}
}

static void
lookup_v6_in_v4_tree(void **state)
{
	const struct env *e = *state;
	struct geo_mmdb *db = open_ok(e->v4);
	static const struct lk cases[] = {
	    {"2001:218::1", 0, NULL, NULL},
	    {"::ffff:81.2.69.1", 0, NULL, NULL},
	    {"::1:0:0", 0, NULL, NULL},
	};
	uint8_t key[16], net[16];
	struct geo_location loc;
	unsigned plen;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		lookup_one(db, &cases[i]);
	/* the no-data network is the largest one outside ::/96 */
	parse_addr("2001:218::1", key);
	assert_int_equal(geo_mmdb_lookup(db, key, &loc, net, &plen), 0);
	assert_int_equal(plen, 3);
	parse_addr("::1:0:0", key);
	assert_int_equal(geo_mmdb_lookup(db, key, &loc, net, &plen), 0);
	assert_int_equal(plen, 96);
	geo_mmdb_free(db);
}

static void
mkmmdb_rejects_bad_lines(void **state)
{
	const struct env *e = *state;
	static const char *bad[] = {
	    "81.2.69.0/24 51.5 -0.09\n",       /* too few fields */
	    "81.2.69.1/24 51.5 -0.09 EU GB\n", /* host bits */
	    "81.2.69.0/33 51.5 -0.09 EU GB\n", /* prefix */
	    "81.2.69.0/24 91 -0.09 EU GB\n",   /* latitude */
	    "81.2.69.0/24 51.5 - EU GB\n",     /* half a location */
	    "81.2.69.0/24 51.5 -0.09 XX GB\n", /* continent */
	    "81.2.69.0/24 51.5 -0.09 EU gb\n", /* country */
	    "2002::/16 51.5 -0.09 EU GB\n",    /* an alias */
	    "81.2.69.0/24 1 1 EU GB\n81.2.69.0/24 1 1 EU GB\n", /* twice */
	};
	char fx[128], out[128], log[128], cmd[512];

	snprintf(fx, sizeof(fx), "%s/bad.txt", e->dir);
	snprintf(out, sizeof(out), "%s/bad.mmdb", e->dir);
	snprintf(log, sizeof(log), "%s/bad.log", e->dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fopen(fx, "w");
		char msg[512] = "";
		size_t n;

		assert_non_null(f);
		fprintf(f, "# comment\n\n%s", bad[i]);
		assert_int_equal(fclose(f), 0);
		snprintf(cmd, sizeof(cmd),
		         "perl tests/tools/mkmmdb.pl %s %s 2>%s", fx, out, log);
		if (system(cmd) == 0)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(access(out, F_OK), -1);
		f = fopen(log, "r");
		assert_non_null(f);
		n = fread(msg, 1, sizeof(msg) - 1, f);
		msg[n] = '\0';
		fclose(f);
		/* the message names the line: 3, or 4 for the duplicate */
		snprintf(cmd, sizeof(cmd), "%s:%d: ", fx,
		         strchr(bad[i], '\n')[1] != '\0' ? 4 : 3);
		if (strstr(msg, cmd) == NULL)
			fail_msg("\"%s\" does not name \"%s\"", msg, cmd);
	}
	/* and an IPv6 network in an IPv4-only database */
	FILE *f = fopen(fx, "w");
	assert_non_null(f);
	fprintf(f, "2001:218::/32 35.7 139.7 AS JP\n");
	assert_int_equal(fclose(f), 0);
	assert_int_not_equal(
	    run("perl tests/tools/mkmmdb.pl -4 %s %s 2>/dev/null", fx, out), 0);
	assert_int_equal(access(out, F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(open_and_free),
	    cmocka_unit_test(open_missing),
	    cmocka_unit_test(open_corrupt),
	    cmocka_unit_test(describe),
	    cmocka_unit_test(walk),
	    cmocka_unit_test(each_coords),
	    cmocka_unit_test(walk_corrupt),
	    cmocka_unit_test(lookup),
	    cmocka_unit_test(lookup_v6_in_v4_tree),
	    cmocka_unit_test(mkmmdb_rejects_bad_lines),
	};
	return cmocka_run_group_tests_name("geo_mmdb", tests, group_setup,
	                                   group_teardown);
}
