/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_prebuilt.c: the fast path (compiled responses) gives the
 * octets and the counters the full answer path gives, for every compiled
 * (name, type) of the bundled example and every way of asking: name case,
 * flags, no EDNS, EDNS with small and large sizes, DO, NSID, Client Subnet
 * of both families and source 0, a bad version, UDP and TCP, clients of
 * both families and edge health with edges down.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "dnsd/answer.h"
#include "dnsd/edns.h"
#include "dnsd/health.h"
#include "dnsd/prebuilt.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "dnsd/wire.h"
#include "tests/lib/pkt.h"

/* The bundled example: every kind of record, a geo name, a CNAME to it. */
static int
setup(void **state)
{
	struct errbuf err;

	errbuf_init(&err);
	*state = snapshot_load("zones/dnsd.yaml", 1, &err);
	if (*state == NULL)
		fprintf(stderr, "%s", errbuf_text(&err));
	errbuf_fini(&err);
	return *state ? 0 : -1;
}

static int
teardown(void **state)
{
	snapshot_unref(*state);
	return 0;
}

/* How a query asks. */
struct ask {
	unsigned flags; /* RD, CD */
	int udp_size;   /* -1: no OPT */
	int version;    /* EDNS version */
	int do_bit;
	int nsid;       /* NSID option */
	int ecs_family; /* 0: none */
	int ecs_source;
	const char *ecs_addr;
};

static const struct ask asks[] = {
    {0, -1, 0, 0, 0, 0, 0, NULL},
    {F_RD, -1, 0, 0, 0, 0, 0, NULL},
    {F_CD, 1232, 0, 0, 0, 0, 0, NULL},
    {0, 512, 0, 1, 0, 0, 0, NULL},
    {0, 4096, 0, 0, 1, 0, 0, NULL},
    {0, 1232, 1, 0, 0, 0, 0, NULL},
    {0, 1232, 0, 0, 0, 1, 24, "81.2.69.0"},
    {F_RD, 1232, 0, 1, 1, 1, 24, "216.160.83.0"},
    {0, 1232, 0, 0, 0, 1, 0, "0.0.0.0"},
    {0, 1232, 0, 0, 0, 2, 56, "2001:218::"},
    {0, 600, 0, 0, 0, 2, 32, "2a00:1450::"},
    {0, 1232, 0, 0, 0, 1, 24, "10.1.2.0"},
};

/* "www" -> "WWW" (how = 1) or "wWw" (how = 2), in wire form. */
static void
recase(uint8_t *name, size_t len, int how)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = name[i];
		if (c < 'a' || c > 'z')
			continue;
		if (how == 1 || (how == 2 && (i & 1)))
			name[i] = (uint8_t)(c - 0x20);
	}
}

static void
make_query(struct pkt *p, const uint8_t *name, size_t len, uint16_t qtype,
           const struct ask *a)
{
	pkt_init(p);
	pkt_header(p, 0x1234, a->flags, 1, 0, 0, a->udp_size >= 0 ? 1 : 0);
	pkt_question(p, name, len, qtype, C_IN);
	if (a->udp_size < 0)
		return;
	size_t mark = pkt_opt_begin(p, (unsigned)a->udp_size,
	                            PKT_EDNS_TTL(a->version, a->do_bit));
	if (a->nsid)
		pkt_option(p, EDNS_OPT_NSID, NULL, 0);
	if (a->ecs_family != 0) {
		uint8_t opt[4 + 16], addr[16];
		int af = a->ecs_family == 1 ? AF_INET : AF_INET6;
		assert_int_equal(inet_pton(af, a->ecs_addr, addr), 1);
		size_t alen = ((size_t)a->ecs_source + 7) / 8;
		opt[0] = 0;
		opt[1] = (uint8_t)a->ecs_family;
		opt[2] = (uint8_t)a->ecs_source;
		opt[3] = 0;
		memcpy(opt + 4, addr, alen);
		pkt_option(p, EDNS_OPT_ECS, opt, 4 + alen);
	}
	pkt_rr_end(p, mark);
}

static struct sockaddr_storage from4, from6;

/* One query both ways: the same octets, the same counters. */
static void
same_both_ways(struct snapshot *s, const struct steer *steer,
               const struct pkt *q, bool tcp, const struct sockaddr *from,
               unsigned *fast)
{
	static uint8_t r1[ANSWER_TCP_MAX], r2[ANSWER_TCP_MAX];
	static struct dnsd_stats st1, st2;
	size_t cap = tcp ? ANSWER_TCP_MAX : ANSWER_UDP_MAX;
	struct prebuilt *pb = s->prebuilt;
	struct serving *sv = serving_new(s, steer, NULL);

	memset(&st1, 0, sizeof(st1));
	memset(&st2, 0, sizeof(st2));
	size_t n1 = answer_packet(sv, q->b, q->len, tcp, from, r1, cap, &st1);
	s->prebuilt = NULL;
	size_t n2 = answer_packet(sv, q->b, q->len, tcp, from, r2, cap, &st2);
	s->prebuilt = pb;
	serving_unref(sv);
	*fast += (unsigned)st1.prebuilt;
	st1.prebuilt = 0;
	assert_int_equal(n1, n2);
	assert_memory_equal(r1, r2, n1);
	assert_memory_equal(&st1, &st2, sizeof(st1));
}

static void
every_compiled_answer_is_the_full_paths(void **state)
{
	struct snapshot *s = *state;
	const struct prebuilt *pb = s->prebuilt;
	const struct sockaddr *froms[] = {NULL, (struct sockaddr *)&from4,
	                                  (struct sockaddr *)&from6};
	size_t nedges = s->edges->n;
	struct steer *down = calloc(1, steer_size(nedges));
	unsigned fast = 0, tried = 0, entries = 0;

	assert_non_null(pb);
	assert_non_null(down);
	/* The nearest edge of most clients down, and a few more; some at
	 * half their share, so both paths spread by the client's hash. */
	down->n = nedges;
	for (size_t i = 0; i < nedges; i++)
		down->edge[i] =
		    (struct steer_edge){i % 3 == 0   ? 0
		                        : i % 3 == 1 ? STEER_SHARE_ALL / 2
		                                     : STEER_SHARE_ALL,
		                        1};
	steer_mark_partial(down);
	const struct steer *views[] = {NULL, down};

	for (uint32_t slot = 0; slot <= pb->mask; slot++) {
		const struct prebuilt_entry *e = &pb->slots[slot];
		if (e->name == NULL)
			continue;
		entries++;
		for (int how = 0; how < 3; how++) {
			uint8_t name[WIRE_NAME_MAX];
			memcpy(name, e->name, e->namelen);
			recase(name, e->namelen, how);
			for (size_t a = 0; a < sizeof(asks) / sizeof(asks[0]);
			     a++) {
				struct pkt q;
				make_query(&q, name, e->namelen, e->qtype,
				           &asks[a]);
				for (int t = 0; t < 2; t++)
					for (size_t f = 0; f < 3; f++)
						for (size_t v = 0; v < 2; v++) {
							same_both_ways(
							    s, views[v], &q,
							    t == 1, froms[f],
							    &fast);
							tried++;
						}
			}
		}
	}
	free(down);
	/* The example has ~20 names; most queries must take the fast path
	 * (the rest: bad version, 512-octet limits). */
	assert_true(entries >= 40);
	assert_true(fast * 4 >= tried * 3);
}

/* Queries the fast path leaves alone, and its one-pass name parser's
 * edge cases: all must still match the full path. */
static void
other_queries_match_too(void **state)
{
	struct snapshot *s = *state;
	const char *names[] = {"nosuch.example.net",  "x.shop.example.net",
	                       "video.example.net",   "example.org",
	                       "a.b.lab.example.net", "."};
	uint16_t types[] = {T_A, T_AAAA, T_ANY, T_MX, T_CNAME, T_DS};
	unsigned fast = 0;

	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++)
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			struct pkt q;
			assert_int_equal(
			    pkt_query(&q, 7, 0, names[n], types[t], C_IN, 0),
			    0);
			same_both_ways(s, NULL, &q, false,
			               (struct sockaddr *)&from4, &fast);
		}
	/* None of these is compiled but video's CNAME record itself: its
	 * A, AAAA and ANY follow the CNAME to the geo name, per client. */
	assert_int_equal(fast, 1);
	fast = 0;

	/* Compressed question, a name running off the end, trailing
	 * octets, two OPTs, a class other than IN: same answers. */
	static const uint8_t raw[][40] = {
	    {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1},
	    {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 7, 'e'},
	    {0,   1,   0,   0,   0,   1,   0,   0,   0,   0,   0,
	     0,   3,   'w', 'w', 'w', 7,   'e', 'x', 'a', 'm', 'p',
	     'l', 'e', 3,   'n', 'e', 't', 0,   0,   1,   0,   3},
	};
	static const size_t rawlen[] = {18, 18, 33};
	for (size_t i = 0; i < 3; i++) {
		struct pkt q;
		pkt_init(&q);
		pkt_put(&q, raw[i], rawlen[i]);
		same_both_ways(s, NULL, &q, false, NULL, &fast);
	}
	struct pkt q;
	assert_int_equal(pkt_query(&q, 7, 0, "www.example.net", T_A, C_IN, 2),
	                 0);
	pkt_opt(&q, 1232, 0, NULL, 0);
	pkt_opt(&q, 1232, 0, NULL, 0);
	same_both_ways(s, NULL, &q, false, NULL, &fast);
	assert_int_equal(pkt_query(&q, 7, 0, "www.example.net", T_A, C_IN, 0),
	                 0);
	pkt_put(&q, "junk", 4);
	same_both_ways(s, NULL, &q, false, NULL, &fast);
	assert_int_equal(fast, 1); /* the trailing junk, ignored by both */
}

/*
 * answer_batch() against answer_packet() one query at a time: the
 * same octets and the same counters for a full batch that mixes every
 * compiled name asked with and without Client Subnet, from both families,
 * with queries the fast path leaves alone (a response, a short one, an
 * unknown name, a compressed question).
 */
static void
a_batch_answers_as_one_by_one(void **state)
{
	struct snapshot *s = *state;
	const struct prebuilt *pb = s->prebuilt;
	static struct pkt q[ANSWER_BATCH_MAX];
	static uint8_t one[ANSWER_BATCH_MAX][ANSWER_UDP_MAX];
	static uint8_t many[ANSWER_BATCH_MAX][ANSWER_UDP_MAX];
	static struct dnsd_stats st1, st2;
	static struct answer_io io[ANSWER_BATCH_MAX];
	size_t len1[ANSWER_BATCH_MAX];
	struct serving *sv = serving_new(s, NULL, NULL);
	unsigned n = 0, a = 0, geo = 0;

	for (uint32_t slot = 0; slot <= pb->mask && n < ANSWER_BATCH_MAX - 4;
	     slot++) {
		const struct prebuilt_entry *e = &pb->slots[slot];
		if (e->name == NULL)
			continue;
		geo += e->geo != NULL;
		make_query(&q[n++], e->name, e->namelen, e->qtype,
		           &asks[a++ % (sizeof(asks) / sizeof(asks[0]))]);
	}
	assert_true(geo > 0);
	assert_int_equal(
	    pkt_query(&q[n++], 9, 0, "nosuch.example.net", T_A, C_IN, 1232), 0);
	assert_int_equal(
	    pkt_query(&q[n], 9, 0, "www.example.net", T_A, C_IN, 0), 0);
	q[n++].b[2] |= 0x80; /* a response: dropped */
	pkt_init(&q[n]);
	pkt_put(&q[n++], "\1", 1); /* too short: dropped */
	static const uint8_t compressed[] = {0, 1, 0, 0,    0,  1, 0, 0, 0,
	                                     0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
	pkt_init(&q[n]);
	pkt_put(&q[n++], compressed, sizeof(compressed));

	memset(&st1, 0, sizeof(st1));
	memset(&st2, 0, sizeof(st2));
	for (unsigned i = 0; i < n; i++) {
		const struct sockaddr *from = (i & 1)
		                                  ? (struct sockaddr *)&from6
		                                  : (struct sockaddr *)&from4;
		len1[i] = answer_packet(sv, q[i].b, q[i].len, false, from,
		                        one[i], ANSWER_UDP_MAX, &st1);
		io[i].pkt = q[i].b;
		io[i].len = q[i].len;
		io[i].from = from;
		io[i].resp = many[i];
	}
	answer_batch(sv, io, n, &(struct answer_env){.st = &st2});
	serving_unref(sv);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(io[i].rlen, len1[i]);
		assert_memory_equal(many[i], one[i], len1[i]);
	}
	assert_memory_equal(&st1, &st2, sizeof(st1));
	assert_int_equal(st2.dropped_qr, 1);
	assert_int_equal(st2.dropped_short, 1);
	assert_true(st2.prebuilt >= n / 2);
}

/* The hash depends on the type and on every octet of the key. */
static void
hash_depends_on_type_and_name(void **state)
{
	uint8_t name[17], key[WIRE_KEY_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(name); i++)
		name[i] = (uint8_t)(i * 37 + 11);
	uint64_t kh = wire_name_key(key, name, 17);
	uint32_t h = prebuilt_hash(kh, 1);
	assert_int_not_equal(h, prebuilt_hash(kh, 28));
	name[16] ^= 1;
	assert_int_not_equal(h, prebuilt_hash(wire_name_key(key, name, 17), 1));
	name[16] ^= 1;
	name[0] ^= 1;
	assert_int_not_equal(h, prebuilt_hash(wire_name_key(key, name, 17), 1));
}

int
main(void)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&from4;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&from6;

	s4->sin_family = AF_INET;
	inet_pton(AF_INET, "81.2.69.160", &s4->sin_addr);
	s6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:218::1", &s6->sin6_addr);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_compiled_answer_is_the_full_paths),
	    cmocka_unit_test(other_queries_match_too),
	    cmocka_unit_test(hash_depends_on_type_and_name),
	    cmocka_unit_test(a_batch_answers_as_one_by_one),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
