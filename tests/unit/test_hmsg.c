/* SPDX-License-Identifier: MIT */
/* tests/unit/test_hmsg.c: the health feed codec: round trips (with and
 * without what edges report), macs, every malformed line, limits, and key
 * files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hmsg.h"

static const uint8_t key1[] = "0123456789abcdef0123";
static const uint8_t key2[] = "0123456789abcdef0124";
#define KEYLEN 20

static char buf[HMSG_MAX + 1];
static struct hmsg msg, got;

static void
fill(struct hmsg *m, size_t n)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->prober, sizeof(m->prober), "pop-lhr.1");
	m->boot = 0x3f2a9c1d00e4b7a2ULL;
	m->seq = 42;
	m->round = 40;
	m->time = 1764072000;
	m->interval_ms = 5000;
	m->n = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(m->edge[i].name, sizeof(m->edge[i].name), "e%zu", i);
		m->edge[i].state = i % 3 == 0 ? HMSG_DOWN : HMSG_UP;
	}
}

/* fill, and every fourth edge (from the second) reports something. */
static void
fill_reports(struct hmsg *m, size_t n)
{
	fill(m, n);
	for (size_t i = 1; i < n; i += 4) {
		struct hmsg_edge *e = &m->edge[i];
		e->has = (uint8_t)(1 + i / 4 % 7); /* every combination */
		e->load = (double)(i % 1000) / 100;
		e->weight = (uint8_t)(i * 7);
		e->drain = i % 8 == 1;
	}
}

static void
assert_same(const struct hmsg *a, const struct hmsg *b)
{
	assert_true(a->boot == b->boot);
	assert_true(a->seq == b->seq);
	assert_true(a->round == b->round);
	assert_true(a->time == b->time);
	assert_int_equal(a->interval_ms, b->interval_ms);
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct hmsg_edge *x = &a->edge[i], *y = &b->edge[i];
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->state, y->state);
		assert_int_equal(x->has, y->has);
		/* What is not carried decodes as zero. */
		if (x->has & HMSG_HAS_LOAD)
			assert_true(hmsg_load_round(x->load) == y->load);
		else
			assert_true(y->load == 0);
		if (x->has & HMSG_HAS_WEIGHT)
			assert_int_equal(x->weight, y->weight);
		else
			assert_int_equal(y->weight, 0);
		if (x->has & HMSG_HAS_DRAIN)
			assert_int_equal(x->drain, y->drain);
		else
			assert_false(y->drain);
	}
}

/* Decode a C string; returns the decoder's result, *why on failure. */
static int
dec(const char *s, const uint8_t *key, const char **why)
{
	*why = NULL;
	return hmsg_decode(s, strlen(s), key, key ? KEYLEN : 0, &got, why);
}

static void
round_trip_plain(void **state)
{
	const char *why;
	int n;

	(void)state;
	fill(&msg, 3);
	n = hmsg_encode(&msg, NULL, 0, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(strlen(buf), n);
	assert_string_equal(buf, "dnsd-health 3\nprober pop-lhr.1\n"
	                         "boot 3f2a9c1d00e4b7a2\n"
	                         "seq 42\nround 40\ntime 1764072000\n"
	                         "interval 5000\ne0 down\ne1 up\ne2 up\n");
	assert_int_equal(hmsg_decode(buf, (size_t)n, NULL, 0, &got, &why), 0);
	assert_same(&msg, &got);
	assert_null(strstr(buf, "mac"));
}

static void
round_trip_key(void **state)
{
	const char *why;
	int n;

	(void)state;
	fill(&msg, 10);
	n = hmsg_encode(&msg, key1, KEYLEN, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "\nmac "));
	assert_int_equal(hmsg_decode(buf, (size_t)n, key1, KEYLEN, &got, &why),
	                 0);
	assert_same(&msg, &got);
	/* Without a key the mac line is ignored. */
	assert_int_equal(hmsg_decode(buf, (size_t)n, NULL, 0, &got, &why), 0);
	assert_same(&msg, &got);
	/* The empty snapshot is a message too. */
	fill(&msg, 0);
	n = hmsg_encode(&msg, key1, KEYLEN, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(hmsg_decode(buf, (size_t)n, key1, KEYLEN, &got, &why),
	                 0);
	assert_int_equal(got.n, 0);
}

static void
round_trip_reports(void **state)
{
	const char *why;
	int n;

	(void)state;
	fill(&msg, 4);
	msg.edge[0].has = HMSG_HAS_LOAD | HMSG_HAS_WEIGHT | HMSG_HAS_DRAIN;
	msg.edge[0].load = 0.83;
	msg.edge[0].weight = 20;
	msg.edge[0].drain = false;
	msg.edge[1].has = HMSG_HAS_DRAIN;
	msg.edge[1].drain = true;
	msg.edge[1].load = 7; /* not in has: not sent */
	msg.edge[2].has = HMSG_HAS_LOAD | HMSG_HAS_WEIGHT;
	msg.edge[2].load = 1000;
	msg.edge[2].weight = 255;
	n = hmsg_encode(&msg, NULL, 0, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf, "dnsd-health 3\nprober pop-lhr.1\n"
	                         "boot 3f2a9c1d00e4b7a2\n"
	                         "seq 42\nround 40\ntime 1764072000\n"
	                         "interval 5000\n"
	                         "e0 down load=0.83 weight=20 drain=0\n"
	                         "e1 up drain=1\n"
	                         "e2 up load=1000 weight=255\n"
	                         "e3 down\n");
	assert_int_equal(hmsg_decode(buf, (size_t)n, NULL, 0, &got, &why), 0);
	assert_same(&msg, &got);
	assert_true(got.edge[0].load == 0.83);
	assert_true(got.edge[2].load == 1000);
	assert_true(got.edge[1].load == 0);

	/* Any order, each once; 0 and 255 and the edges of load. */
	assert_int_equal(
	    dec("dnsd-health 3\nprober p\nboot 0000000000000001\nseq 1\n"
	        "round 0\ntime 2\ninterval 3\n"
	        "lhr up drain=1 weight=0 load=0\n"
	        "fra up weight=255 load=0.0001\n"
	        "iad down load=12.50 drain=0\n"
	        "sjc up load=999.9999\n",
	        NULL, &why),
	    0);
	assert_true(got.round == 0);
	assert_int_equal(got.n, 4);
	assert_int_equal(got.edge[0].has,
	                 HMSG_HAS_LOAD | HMSG_HAS_WEIGHT | HMSG_HAS_DRAIN);
	assert_true(got.edge[0].drain);
	assert_int_equal(got.edge[0].weight, 0);
	assert_true(got.edge[0].load == 0);
	assert_int_equal(got.edge[1].weight, 255);
	assert_true(got.edge[1].load == 0.0001);
	assert_int_equal(got.edge[2].has, HMSG_HAS_LOAD | HMSG_HAS_DRAIN);
	assert_true(got.edge[2].load == 12.5);
	assert_false(got.edge[2].drain);
	assert_true(got.edge[3].load == 999.9999);

	/* With a key, and many edges with every combination. */
	fill_reports(&msg, 200);
	n = hmsg_encode(&msg, key1, KEYLEN, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(hmsg_decode(buf, (size_t)n, key1, KEYLEN, &got, &why),
	                 0);
	assert_same(&msg, &got);
}

/* The load is sent with four decimals: the receiver decodes exactly what
 * hmsg_load_round says, and that survives another round trip. */
static void
load_text(void **state)
{
	static const struct {
		double in;
		const char *text;
		double out;
	} cases[] = {
	    {0.83, "load=0.83", 0.83},
	    {0.95, "load=0.95", 0.95},
	    {0.1 + 0.2, "load=0.3", 0.3},
	    {0.83333333, "load=0.8333", 0.8333},
	    {0.99996, "load=1", 1},
	    {0.00004, "load=0", 0},
	    {0.00005, "load=0.0001", 0.0001},
	    {-0.0, "load=0", 0},
	    {1, "load=1", 1},
	    {12.5, "load=12.5", 12.5},
	    {123.456789, "load=123.4568", 123.4568},
	    {1000, "load=1000", 1000},
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[64];
		fill(&msg, 1);
		msg.edge[0].has = HMSG_HAS_LOAD;
		msg.edge[0].load = cases[i].in;
		int n = hmsg_encode(&msg, NULL, 0, buf, sizeof(buf));
		assert_true(n > 0);
		snprintf(want, sizeof(want), "\ne0 down %s\n", cases[i].text);
		if (strstr(buf, want) == NULL)
			fail_msg("case %zu: want %s in:\n%s", i, want, buf);
		assert_true(hmsg_load_round(cases[i].in) == cases[i].out);
		assert_int_equal(
		    hmsg_decode(buf, (size_t)n, NULL, 0, &got, &why), 0);
		assert_true(got.edge[0].load == cases[i].out);
		/* Decoded, encoded again: the same text. */
		char again[HMSG_MAX];
		assert_int_equal(
		    hmsg_encode(&got, NULL, 0, again, sizeof(again)), n);
		assert_string_equal(again, buf);
	}
	/* Out of range clamps: */
	assert_true(hmsg_load_round(-1) == 0);
	assert_true(hmsg_load_round(5000) == HMSG_LOAD_MAX);
	/* Every four-decimal value below 2 comes back as written. */
	for (unsigned u = 0; u <= 20000; u++) {
		char text[32];
		snprintf(text, sizeof(text), "%u.%04u", u / 10000, u % 10000);
		double v = strtod(text, NULL);
		assert_true(hmsg_load_round(v) == v);
	}
}

/* The encoder refuses what the decoder would refuse. */
static void
encode_refuses_bad_reports(void **state)
{
	static const double bad_load[] = {-0.5, 1000.0001, 1e300, INFINITY,
	                                  NAN};

	(void)state;
	for (size_t i = 0; i < sizeof(bad_load) / sizeof(bad_load[0]); i++) {
		fill(&msg, 1);
		msg.edge[0].has = HMSG_HAS_LOAD;
		msg.edge[0].load = bad_load[i];
		assert_int_equal(hmsg_encode(&msg, NULL, 0, buf, sizeof(buf)),
		                 -1);
		/* Without its bit the value is not looked at. */
		msg.edge[0].has = 0;
		assert_true(hmsg_encode(&msg, NULL, 0, buf, sizeof(buf)) > 0);
	}
	fill(&msg, 1);
	msg.edge[0].has = 8;
	assert_int_equal(hmsg_encode(&msg, NULL, 0, buf, sizeof(buf)), -1);
}

static void
wrong_key(void **state)
{
	const char *why;
	int n;

	(void)state;
	fill(&msg, 2);
	n = hmsg_encode(&msg, key1, KEYLEN, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(hmsg_decode(buf, (size_t)n, key2, KEYLEN, &got, &why),
	                 -1);
	assert_string_equal(why, "bad mac");
	assert_int_equal(
	    hmsg_decode(buf, (size_t)n, key1, KEYLEN - 1, &got, &why), -1);
}

static void
tampered(void **state)
{
	const char *why;
	int n;

	(void)state;
	fill(&msg, 2);
	n = hmsg_encode(&msg, key1, KEYLEN, buf, sizeof(buf));
	assert_true(n > 0);
	/* Every byte before the mac line, changed so the message still
	 * parses where possible: all must fail (parse or mac). */
	char *mac = strstr(buf, "\nmac ") + 1;
	for (char *p = buf; p < mac; p++) {
		char c = *p;
		*p = c == 'u' ? 'd' : c == '1' ? '2' : c ^ 1;
		assert_int_equal(
		    hmsg_decode(buf, (size_t)n, key1, KEYLEN, &got, &why), -1);
		*p = c;
	}
	/* A flipped mac digit. */
	mac[10] = mac[10] == '0' ? '1' : '0';
	assert_int_equal(hmsg_decode(buf, (size_t)n, key1, KEYLEN, &got, &why),
	                 -1);
	assert_string_equal(why, "bad mac");
}

static void
missing_mac(void **state)
{
	const char *why;
	int n;

	(void)state;
	fill(&msg, 2);
	n = hmsg_encode(&msg, NULL, 0, buf, sizeof(buf));
	assert_int_equal(hmsg_decode(buf, (size_t)n, key1, KEYLEN, &got, &why),
	                 -1);
	assert_string_equal(why, "missing mac");
}

#define V3 "dnsd-health 3\n"
#define P1 "prober p1\n"
#define B1 "boot 0000000000000001\n"
#define HDR V3 P1 B1 "seq 1\nround 1\ntime 2\ninterval 3\n"

static void
malformed(void **state)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
	    {"", "empty message"},
	    {"dnsd-health 2", "line 1: no newline at end"},
	    {"dnsd-health 1\n", "line 1: unsupported version"},
	    {"dnsd-health 2\n", "line 1: unsupported version"},
	    {"dnsd-health 4\n", "line 1: unsupported version"},
	    {"dnsd-health 12\n", "line 1: unsupported version"},
	    /* A whole version 1 message, good in its day. */
	    {"dnsd-health 1\n" B1 "seq 1\ntime 2\ninterval 3\nlhr up\n",
	     "line 1: unsupported version"},
	    {"dnsd-health\n", "line 1: no space"},
	    {"dnsd-health  2\n", "line 1: too many fields"},
	    {"dnsd-health 2 \n", "line 1: too many fields"},
	    {"hello 2\n", "line 1: not a health message"},
	    {"\n", "line 1: no space"},
	    {"dnsd-health 2\r\n", "line 1: unsupported version"},
	    {V3, "truncated header"},
	    {V3 P1 "seq 1\n", "line 3: unexpected line"},
	    {V3 B1, "line 2: unexpected line"},
	    {V3 "prober \n", "line 2: bad prober name"},
	    {V3 "prober -p\n", "line 2: bad prober name"},
	    {V3 "prober .p\n", "line 2: bad prober name"},
	    {V3 "prober p/1\n", "line 2: bad prober name"},
	    {V3 "prober p 1\n", "line 2: too many fields"},
	    {V3 "prober "
	        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
	        "abcd\n",
	     "line 2: bad prober name"},
	    {V3 P1 "boot 1\n", "line 3: bad boot id"},
	    {V3 P1 "boot 00000000000000001\n", "line 3: bad boot id"},
	    {V3 P1 "boot 000000000000000g\n", "line 3: bad boot id"},
	    {V3 P1 B1 "seq -1\n", "line 4: bad number"},
	    {V3 P1 B1 "seq +1\n", "line 4: bad number"},
	    {V3 P1 B1 "seq 01\n", "line 4: bad number"},
	    {V3 P1 B1 "seq \n", "line 4: bad number"},
	    {V3 P1 B1 "seq 18446744073709551616\n", "line 4: bad number"},
	    {V3 P1 B1 "seq 99999999999999999999\n", "line 4: bad number"},
	    /* round is required, right after seq */
	    {V3 P1 B1 "seq 1\ntime 1\n", "line 5: unexpected line"},
	    {V3 P1 B1 "seq 1\ntime 1\ninterval 1\nround 1\n",
	     "line 5: unexpected line"},
	    {V3 P1 B1 "round 1\nseq 1\n", "line 4: unexpected line"},
	    {V3 P1 B1 "seq 1\nround\n", "line 5: no space"},
	    {V3 P1 B1 "seq 1\nround -1\n", "line 5: bad number"},
	    {V3 P1 B1 "seq 1\nround 1 2\n", "line 5: too many fields"},
	    {V3 P1 B1 "seq 1\nround 18446744073709551616\n",
	     "line 5: bad number"},
	    {V3 P1 B1 "seq 1\nround 1\ntime 1x\n", "line 6: bad number"},
	    {V3 P1 B1 "seq 1\nround 1\ntime 1\ninterval 4294967296\n",
	     "line 7: bad number"},
	    {V3 P1 B1 "seq 1\nround 1\ntime 1\nlhr up\n",
	     "line 7: unexpected line"},
	    {V3 P1 B1 "seq 1\nround 1\ntime 1\n", "truncated header"},
	    {HDR "lhr\n", "line 8: no space"},
	    {HDR "lhr up\n\n", "line 9: no space"},
	    {HDR "lhr sideways\n", "line 8: unknown state"},
	    {HDR "lhr UP\n", "line 8: unknown state"},
	    {HDR "lhr  up\n", "line 8: unknown state"},
	    {HDR "lhr up \n", "line 8: empty field"},
	    {HDR " up\n", "line 8: bad edge name"},
	    {HDR "LHR up\n", "line 8: bad edge name"},
	    {HDR "-lhr up\n", "line 8: bad edge name"},
	    {HDR "l.hr up\n", "line 8: bad edge name"},
	    {HDR "abcdefghijabcdefghijabcdefghij012 up\n",
	     "line 8: bad edge name"},
	    {HDR "lhr up\nfra down\nlhr down\n", "line 10: duplicate edge"},
	    /* what an edge reports, after its state */
	    {HDR "lhr up  load=1\n", "line 8: empty field"},
	    {HDR "lhr up load=1 \n", "line 8: empty field"},
	    {HDR "lhr up load=1  weight=2\n", "line 8: empty field"},
	    {HDR "lhr up cpu=3\n", "line 8: unknown token"},
	    {HDR "lhr up load\n", "line 8: unknown token"},
	    {HDR "lhr up =1\n", "line 8: unknown token"},
	    {HDR "lhr up LOAD=1\n", "line 8: unknown token"},
	    {HDR "lhr up loads=1\n", "line 8: unknown token"},
	    {HDR "lhr load=1 up\n", "line 8: unknown state"},
	    {HDR "lhr up load=\n", "line 8: bad load"},
	    {HDR "lhr up load=-1\n", "line 8: bad load"},
	    {HDR "lhr up load=+1\n", "line 8: bad load"},
	    {HDR "lhr up load=-0\n", "line 8: bad load"},
	    {HDR "lhr up load=1000.0001\n", "line 8: bad load"},
	    {HDR "lhr up load=1001\n", "line 8: bad load"},
	    {HDR "lhr up load=10000\n", "line 8: bad load"},
	    {HDR "lhr up load=0.12345\n", "line 8: bad load"},
	    {HDR "lhr up load=1.\n", "line 8: bad load"},
	    {HDR "lhr up load=.5\n", "line 8: bad load"},
	    {HDR "lhr up load=01\n", "line 8: bad load"},
	    {HDR "lhr up load=1e-3\n", "line 8: bad load"},
	    {HDR "lhr up load=1,5\n", "line 8: bad load"},
	    {HDR "lhr up load=0x1\n", "line 8: bad load"},
	    {HDR "lhr up load=nan\n", "line 8: bad load"},
	    {HDR "lhr up load=inf\n", "line 8: bad load"},
	    {HDR "lhr up load=0.5.5\n", "line 8: bad load"},
	    {HDR "lhr up load=1=2\n", "line 8: bad load"},
	    {HDR "lhr up weight=256\n", "line 8: bad weight"},
	    {HDR "lhr up weight=-1\n", "line 8: bad weight"},
	    {HDR "lhr up weight=020\n", "line 8: bad weight"},
	    {HDR "lhr up weight=2.0\n", "line 8: bad weight"},
	    {HDR "lhr up weight=\n", "line 8: bad weight"},
	    {HDR "lhr up drain=2\n", "line 8: bad drain"},
	    {HDR "lhr up drain=true\n", "line 8: bad drain"},
	    {HDR "lhr up drain=\n", "line 8: bad drain"},
	    {HDR "lhr up drain=01\n", "line 8: bad drain"},
	    {HDR "lhr up load=1 load=1\n", "line 8: duplicate load"},
	    {HDR "lhr up weight=1 drain=0 weight=2\n",
	     "line 8: duplicate weight"},
	    {HDR "lhr up drain=1 drain=1\n", "line 8: duplicate drain"},
	    {HDR "lhr up\nfra up load=0.5 weight=300\n", "line 9: bad weight"},
	    {HDR "lhr up\nmac 00\n", "line 9: bad mac line"},
	    {HDR "mac 000000000000000000000000000000000000000000000000000000000"
	         "000000g\n",
	     "line 8: bad mac line"},
	    {HDR "mac 000000000000000000000000000000000000000000000000000000000"
	         "0000000 x\n",
	     "line 8: too many fields"},
	    {HDR "mac 000000000000000000000000000000000000000000000000000000000"
	         "0000000\nlhr up\n",
	     "line 9: data after mac"},
	    {HDR "mac 000000000000000000000000000000000000000000000000000000000"
	         "0000000\nmac 000000000000000000000000000000000000000000000000"
	         "00000000000000\n",
	     "line 9: data after mac"},
	    {HDR "lhr up\ntrailing", "line 9: no newline at end"},
	    {HDR "lhr up", "line 8: no newline at end"},
	    {HDR "lhr up load=1", "line 8: no newline at end"},
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = dec(bad[i].in, NULL, &why);
		if (r != -1 || strcmp(why, bad[i].why) != 0)
			fail_msg("case %zu: %s: got %d \"%s\", want \"%s\"", i,
			         bad[i].in, r, why ? why : "(null)",
			         bad[i].why);
	}
	/* The longest legal name and numbers at their limits are fine. */
	assert_int_equal(
	    dec(V3 "prober "
	           "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
	           "ABCDEFGHI.-_0\n"
	           "boot FFFFFFFFFFFFFFFF\n"
	           "seq 18446744073709551615\n"
	           "round 18446744073709551615\ntime 0\n"
	           "interval 4294967295\n"
	           "abcdefghijabcdefghijabcdefghij0 up load=1000 "
	           "weight=255 drain=1\n"
	           "a_b-9 down\n",
	        NULL, &why),
	    0);
	assert_int_equal(strlen(got.prober), HMSG_PROBER_MAX - 1);
	assert_true(got.boot == UINT64_MAX);
	assert_true(got.seq == UINT64_MAX);
	assert_true(got.round == UINT64_MAX);
	assert_int_equal(got.interval_ms, UINT32_MAX);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.edge[0].has,
	                 HMSG_HAS_LOAD | HMSG_HAS_WEIGHT | HMSG_HAS_DRAIN);
	assert_int_equal(got.edge[1].state, HMSG_DOWN);
	assert_int_equal(got.edge[1].has, 0);
	/* A mac line with no key is checked for shape, then ignored. */
	assert_int_equal(dec(HDR "lhr up\nmac 0000000000000000000000000000000"
	                         "000000000000000000000000000000000\n",
	                     NULL, &why),
	                 0);
	assert_int_equal(got.n, 1);
}

static void
nul_byte(void **state)
{
	static const char in[] = HDR "lhr up\n";
	char copy[sizeof(in)];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(in) - 1; i++) {
		memcpy(copy, in, sizeof(in));
		copy[i] = '\0';
		assert_int_equal(
		    hmsg_decode(copy, sizeof(in) - 1, NULL, 0, &got, &why), -1);
	}
	assert_int_equal(hmsg_decode(in, sizeof(in), NULL, 0, &got, &why), -1);
	assert_string_equal(why, "NUL byte");
}

static void
limits(void **state)
{
	const char *why;
	int n;

	(void)state;
	/* HMSG_EDGES_MAX edges with a key fit in one datagram, a quarter
	 * of them with reports too. */
	fill(&msg, HMSG_EDGES_MAX);
	n = hmsg_encode(&msg, key1, KEYLEN, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(hmsg_decode(buf, (size_t)n, key1, KEYLEN, &got, &why),
	                 0);
	assert_same(&msg, &got);
	fill_reports(&msg, HMSG_EDGES_MAX);
	n = hmsg_encode(&msg, key1, KEYLEN, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(hmsg_decode(buf, (size_t)n, key1, KEYLEN, &got, &why),
	                 0);
	assert_same(&msg, &got);
	/* Not so with the longest names all reporting the longest values:
	 * the feed then sends the states alone (edge-health/feed.c). */
	fill(&msg, HMSG_EDGES_MAX);
	for (size_t i = 0; i < msg.n; i++) {
		struct hmsg_edge *e = &msg.edge[i];
		/* 31 characters: 26 letters and 5 digits. */
		memcpy(e->name, "abcdefghijabcdefghijabcdef", 26);
		snprintf(e->name + 26, 6, "%05u", (unsigned)(i % 100000));
		e->has = HMSG_HAS_LOAD | HMSG_HAS_WEIGHT | HMSG_HAS_DRAIN;
		e->load = 999.9999;
		e->weight = 255;
	}
	assert_int_equal(hmsg_encode(&msg, NULL, 0, buf, sizeof(buf)), -1);
	for (size_t i = 0; i < msg.n; i++)
		msg.edge[i].has = 0;
	assert_true(hmsg_encode(&msg, key1, KEYLEN, buf, sizeof(buf)) > 0);
	/* One more is refused by both sides. */
	msg.n = HMSG_EDGES_MAX + 1;
	snprintf(msg.edge[0].name, sizeof(msg.edge[0].name), "x");
	assert_int_equal(hmsg_encode(&msg, NULL, 0, buf, sizeof(buf)), -1);
	fill(&msg, HMSG_EDGES_MAX);
	n = hmsg_encode(&msg, NULL, 0, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n + 8 < sizeof(buf));
	memcpy(buf + n, "zzz up\n", 7);
	assert_int_equal(hmsg_decode(buf, (size_t)n + 7, NULL, 0, &got, &why),
	                 -1);
	assert_non_null(strstr(why, "too many edges"));
	/* Too long for a datagram. */
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(hmsg_decode(buf, HMSG_MAX + 1, NULL, 0, &got, &why),
	                 -1);
	assert_string_equal(why, "message too long");
	/* Small buffers: every cap below the length fails, the exact
	 * length + 1 (for the NUL) works. */
	fill(&msg, 3);
	n = hmsg_encode(&msg, key1, KEYLEN, buf, sizeof(buf));
	assert_true(n > 0);
	for (size_t cap = 0; cap <= (size_t)n; cap++) {
		char small[512];
		assert_int_equal(hmsg_encode(&msg, key1, KEYLEN, small, cap),
		                 -1);
	}
	{
		char small[512];
		assert_int_equal(
		    hmsg_encode(&msg, key1, KEYLEN, small, (size_t)n + 1), n);
		assert_memory_equal(small, buf, (size_t)n);
	}
	/* Names and states the decoder would refuse are not encoded. */
	fill(&msg, 1);
	snprintf(msg.edge[0].name, sizeof(msg.edge[0].name), "Bad");
	assert_int_equal(hmsg_encode(&msg, NULL, 0, buf, sizeof(buf)), -1);
	fill(&msg, 1);
	msg.edge[0].state = 7;
	assert_int_equal(hmsg_encode(&msg, NULL, 0, buf, sizeof(buf)), -1);
}

static char tmpdir[64];

static int
write_file(const char *name, const char *data, size_t len, char *path,
           size_t plen)
{
	int fd;

	snprintf(path, plen, "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static void
key_load(void **state)
{
	char path[128];
	uint8_t key[HMSG_KEY_MAX];
	const char *why;
	char big[HMSG_KEY_MAX + 10];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_hmsg.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));

	assert_int_equal(
	    write_file("k1", "0123456789abcdef\n", 17, path, sizeof(path)), 0);
	assert_int_equal(hmsg_key_load(path, key, &why), 16);
	assert_memory_equal(key, "0123456789abcdef", 16);

	/* No newline at all; bytes after the first newline are ignored. */
	assert_int_equal(
	    write_file("k2", "0123456789abcdefgh", 18, path, sizeof(path)), 0);
	assert_int_equal(hmsg_key_load(path, key, &why), 18);
	assert_int_equal(write_file("k3", "0123456789abcdefg\nrest\n", 23, path,
	                            sizeof(path)),
	                 0);
	assert_int_equal(hmsg_key_load(path, key, &why), 17);
	assert_memory_equal(key, "0123456789abcdefg", 17);

	assert_int_equal(write_file("k4", "short\n", 6, path, sizeof(path)), 0);
	assert_int_equal(hmsg_key_load(path, key, &why), -1);
	assert_non_null(strstr(why, "short"));
	assert_int_equal(write_file("k5", "", 0, path, sizeof(path)), 0);
	assert_int_equal(hmsg_key_load(path, key, &why), -1);

	memset(big, 'k', sizeof(big));
	assert_int_equal(
	    write_file("k6", big, HMSG_KEY_MAX, path, sizeof(path)), 0);
	assert_int_equal(hmsg_key_load(path, key, &why), HMSG_KEY_MAX);
	assert_int_equal(
	    write_file("k7", big, HMSG_KEY_MAX + 1, path, sizeof(path)), 0);
	assert_int_equal(hmsg_key_load(path, key, &why), -1);
	assert_string_equal(why, "key too long");
	big[HMSG_KEY_MAX] = '\n';
	assert_int_equal(write_file("k8", big, sizeof(big), path, sizeof(path)),
	                 0);
	assert_int_equal(hmsg_key_load(path, key, &why), HMSG_KEY_MAX);

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	assert_int_equal(hmsg_key_load(path, key, &why), -1);
	assert_string_equal(why, "no such file");

	for (int i = 1; i <= 8; i++) {
		snprintf(path, sizeof(path), "%s/k%d", tmpdir, i);
		unlink(path);
	}
	rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip_plain),
	    cmocka_unit_test(round_trip_key),
	    cmocka_unit_test(round_trip_reports),
	    cmocka_unit_test(load_text),
	    cmocka_unit_test(encode_refuses_bad_reports),
	    cmocka_unit_test(wrong_key),
	    cmocka_unit_test(tampered),
	    cmocka_unit_test(missing_mac),
	    cmocka_unit_test(malformed),
	    cmocka_unit_test(nul_byte),
	    cmocka_unit_test(limits),
	    cmocka_unit_test(key_load),
	};
	return cmocka_run_group_tests_name("hmsg", tests, NULL, NULL);
}
