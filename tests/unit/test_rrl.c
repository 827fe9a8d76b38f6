/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_rrl.c: response rate limiting (rrl.h): the bucket's
 * rate and burst, slip, networks, kinds, exemptions, the slip response.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dnsd/cidr.h"
#include "dnsd/edns.h"
#include "dnsd/query.h"
#include "dnsd/rrl.h"
#include "dnsd/stats.h"
#include "dnsd/wire.h"
#include "tests/lib/pkt.h"
#include "tests/lib/sock.h"

#define MS 1000000ull /* nanoseconds */
#define PAD 100       /* octets of "records" after the question */

struct fix {
	struct rrl *t;
	struct rrl_conf c;
	struct dnsd_stats st;
	struct sockaddr_storage from;
	struct pkt qp;
	struct query q;
	uint8_t resp[512];
	size_t len;
};

static void
set_from(struct fix *f, const char *ip)
{
	assert_int_equal(sock_addr(ip, &f->from), 0);
}

static void
configure(struct fix *f, unsigned rate, unsigned burst, unsigned slip)
{
	f->c.enabled = true;
	f->c.rate = rate;
	f->c.burst = burst;
	f->c.slip = slip;
	f->c.ipv4_prefix = 24;
	f->c.ipv6_prefix = 56;
	rrl_conf_derive(&f->c, 1);
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	f->t = rrl_new(1024);
	configure(f, 10, 10, 2);
	set_from(f, "192.0.2.1");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	rrl_free(f->t);
	free(f);
	return 0;
}

/*
 * A query for `name` A (with an OPT carrying `opts` unless NULL) and, in
 * f->resp, its response: the query with QR and AA set and PAD octets
 * counted as one answer record.
 */
static void
make(struct fix *f, const char *name, const struct pkt *opts)
{
	size_t qend;

	assert_int_equal(pkt_query_edns(&f->qp, name, T_A, opts, &qend), 0);
	query_parse(&f->q, f->qp.b, f->qp.len, false,
	            (const struct sockaddr *)&f->from);
	assert_int_equal(f->q.rcode, RC_NOERROR);
	f->q.kind = QUERY_KIND_ANSWER;
	f->q.about = f->q.qname.keyhash;
	memcpy(f->resp, f->qp.b, qend);
	memset(f->resp + qend, 0x55, PAD);
	f->resp[2] |= 0x84; /* QR, AA */
	f->resp[7] = 1;     /* ANCOUNT */
	f->resp[11] = 0;    /* the OPT is not echoed here: not needed */
	f->len = qend + PAD;
}

/* rrl_apply on a fresh copy of the response, at `now` ms: its length. */
static size_t
apply(struct fix *f, uint64_t now_ms)
{
	return rrl_apply(f->t, &f->c, &f->q, f->resp, f->len, now_ms * MS, 1232,
	                 &f->st);
}

/* How many of `n` responses at `now` ms go out in full. */
static unsigned
full(struct fix *f, unsigned n, uint64_t now_ms)
{
	unsigned sent = 0;

	for (unsigned i = 0; i < n; i++) {
		size_t len = f->len;
		sent += apply(f, now_ms) == len;
		f->len = len;
	}
	return sent;
}

static void
rate_and_burst(void **state)
{
	struct fix *f = *state;

	make(f, "www.example.net", NULL);
	/* a burst of 10 at once, then one every 100 ms */
	assert_int_equal(full(f, 30, 1000), 10);
	assert_int_equal(full(f, 5, 1099), 0);
	assert_int_equal(full(f, 5, 1100), 1);
	assert_int_equal(full(f, 5, 1300), 2);
	/* idle for a second: the whole burst again, not more */
	assert_int_equal(full(f, 30, 2400), 10);
	assert_int_equal(f->st.rrl_dropped + f->st.rrl_slipped,
	                 20 + 5 + 4 + 3 + 20);
}

static void
slip_every_second(void **state)
{
	struct fix *f = *state;
	size_t len;

	make(f, "www.example.net", NULL);
	assert_int_equal(full(f, 10, 1000), 10);
	/* slip 2: dropped, slipped, dropped, slipped ... */
	unsigned dropped = 0, slipped = 0;
	for (unsigned i = 0; i < 10; i++) {
		make(f, "www.example.net", NULL);
		len = apply(f, 1000);
		if (len == 0)
			dropped++;
		else {
			slipped++;
			/* truncated: the question only, TC set, no records */
			assert_int_equal(len, f->qp.len);
			assert_true(f->resp[2] & 0x02);
			assert_int_equal(pkt_get_u16(f->resp + 4), 1);
			assert_int_equal(pkt_get_u16(f->resp + 6), 0);
			assert_int_equal(pkt_get_u16(f->resp + 8), 0);
			assert_int_equal(pkt_get_u16(f->resp + 10), 0);
		}
	}
	assert_int_equal(dropped, 5);
	assert_int_equal(slipped, 5);
	assert_int_equal(f->st.rrl_slipped, 5);
	assert_int_equal(f->st.rrl_dropped, 5);

	configure(f, 10, 10, 0); /* slip 0: drop all */
	make(f, "www.example.net", NULL);
	assert_int_equal(full(f, 10, 1000), 0);
	assert_int_equal(f->st.rrl_slipped, 5);
	configure(f, 10, 10, 1); /* slip 1: every one truncated */
	for (unsigned i = 0; i < 4; i++) {
		make(f, "www.example.net", NULL);
		assert_int_equal(apply(f, 1000), f->qp.len);
	}
}

static void
slip_keeps_opt(void **state)
{
	struct fix *f = *state;
	struct pkt opts;

	pkt_init(&opts);
	assert_int_equal(pkt_ecs(&opts, "198.51.100.0/24"), 0);
	make(f, "www.example.net", &opts);
	assert_int_equal(full(f, 10, 1000), 10);
	configure(f, 10, 10, 1);
	make(f, "www.example.net", &opts);
	size_t len = apply(f, 1000);
	/* the question, then our OPT with ECS echoed (scope 0) */
	assert_int_equal(pkt_get_u16(f->resp + 10), 1);
	size_t qend = len - edns_opt_len(&f->q.edns, 0);
	assert_int_equal(pkt_get_u16(f->resp + qend + 1), T_OPT);
	assert_int_equal(pkt_get_u16(f->resp + qend + 3), 1232);
	assert_int_equal(pkt_get_u16(f->resp + qend + 11), EDNS_OPT_ECS);
	assert_true(len < f->len);
}

static void
badcookie_for_cookie_clients(void **state)
{
	struct fix *f = *state;
	struct pkt opts;
	uint8_t cookie[EDNS_COOKIE_CLIENT + EDNS_COOKIE_SERVER];

	for (unsigned i = 0; i < sizeof(cookie); i++)
		cookie[i] = (uint8_t)(i + 1);
	configure(f, 10, 10, 1);
	/* a client cookie alone: BADCOOKIE with ours would be 16 octets
	 * longer than the query, so the slip is TC without a cookie */
	pkt_init(&opts);
	pkt_option(&opts, EDNS_OPT_COOKIE, cookie, EDNS_COOKIE_CLIENT);
	make(f, "www.example.net", &opts);
	assert_int_equal(full(f, 10, 1000), 10);
	make(f, "www.example.net", &opts);
	f->q.edns.cookie_state = EDNS_COOKIE_CLIENT_ONLY;
	memset(f->q.edns.cookie_reply, 0xC5, EDNS_COOKIE_SERVER);
	size_t len = apply(f, 1000);
	assert_true(len <= f->qp.len);
	assert_true(f->resp[2] & 0x02);
	assert_int_equal(f->resp[3] & 0x0F, RC_NOERROR);
	assert_int_equal(len, f->qp.len - 4 - EDNS_COOKIE_CLIENT);
	assert_int_equal(f->st.rrl_badcookie, 0);

	/* a server cookie that is not valid: BADCOOKIE with a fresh one
	 * fits in the query's length (RFC 7873 §5.2.3) */
	pkt_init(&opts);
	pkt_option(&opts, EDNS_OPT_COOKIE, cookie, sizeof(cookie));
	make(f, "www.example.net", &opts);
	f->q.edns.cookie_state = EDNS_COOKIE_BAD;
	memset(f->q.edns.cookie_reply, 0xC5, EDNS_COOKIE_SERVER);
	len = apply(f, 1000);
	assert_int_equal(len, f->qp.len);
	/* BADCOOKIE (23): 7 in the header, 1 in the OPT; TC clear */
	assert_int_equal(f->resp[3] & 0x0F, RC_BADCOOKIE & 0xF);
	assert_false(f->resp[2] & 0x02);
	size_t opt = len - edns_opt_len(&f->q.edns, 0);
	assert_int_equal(f->resp[opt + 5], RC_BADCOOKIE >> 4);
	assert_int_equal(pkt_get_u16(f->resp + opt + 11), EDNS_OPT_COOKIE);
	assert_memory_equal(f->resp + opt + 15, cookie, EDNS_COOKIE_CLIENT);
	assert_int_equal(f->resp[opt + 15 + EDNS_COOKIE_CLIENT], 0xC5);
	assert_int_equal(f->st.rrl_badcookie, 1);

	/* a valid cookie: never limited */
	f->q.edns.cookie_state = EDNS_COOKIE_VALID;
	assert_int_equal(full(f, 50, 1000), 50);
}

static void
shared_by_threads(void **state)
{
	struct fix *f = *state;

	/* two threads share the address: each allows half the rate and
	 * half the burst, so that the network gets the rate in all */
	f->c.rate = 10;
	f->c.burst = 10;
	rrl_conf_derive(&f->c, 2);
	make(f, "www.example.net", NULL);
	assert_int_equal(full(f, 30, 1000), 5);
	assert_int_equal(full(f, 5, 1199), 0);
	assert_int_equal(full(f, 5, 1200), 1);
	/* a burst of 1 does not become 0 */
	f->c.burst = 1;
	rrl_conf_derive(&f->c, 4);
	make(f, "img.example.net", NULL);
	assert_int_equal(full(f, 5, 5000), 1);
}

static void
networks(void **state)
{
	struct fix *f = *state;

	make(f, "www.example.net", NULL);
	assert_int_equal(full(f, 20, 1000), 10);
	/* the same /24: the same bucket */
	set_from(f, "192.0.2.200");
	make(f, "www.example.net", NULL);
	assert_int_equal(full(f, 5, 1000), 0);
	/* the next /24: its own */
	set_from(f, "192.0.3.1");
	make(f, "www.example.net", NULL);
	assert_int_equal(full(f, 20, 1000), 10);
	/* IPv6 /56 */
	set_from(f, "2001:db8:0:100::1");
	make(f, "www.example.net", NULL);
	assert_int_equal(full(f, 20, 1000), 10);
	set_from(f, "2001:db8:0:1ff::2");
	make(f, "www.example.net", NULL);
	assert_int_equal(full(f, 5, 1000), 0);
	set_from(f, "2001:db8:0:200::1");
	make(f, "www.example.net", NULL);
	assert_int_equal(full(f, 20, 1000), 10);
}

static void
kinds_and_names(void **state)
{
	struct fix *f = *state;

	make(f, "www.example.net", NULL);
	assert_int_equal(full(f, 20, 1000), 10);
	/* another name: another bucket */
	make(f, "img.example.net", NULL);
	assert_int_equal(full(f, 20, 1000), 10);
	/* NXDOMAIN for random names under one zone: one bucket (answer.c
	 * gives them the zone's hash) */
	unsigned sent = 0;
	for (unsigned i = 0; i < 30; i++) {
		char name[64];
		snprintf(name, sizeof(name), "r%u.example.net", i);
		make(f, name, NULL);
		f->q.kind = QUERY_KIND_NXDOMAIN;
		f->q.about = 42;
		sent += full(f, 1, 1000);
	}
	assert_int_equal(sent, 10);
	/* the same about, another kind: its own bucket */
	f->q.kind = QUERY_KIND_REFERRAL;
	assert_int_equal(full(f, 20, 1000), 10);
}

static void
exempt_tcp_log_only(void **state)
{
	struct fix *f = *state;
	unsigned plen;

	make(f, "www.example.net", NULL);
	f->q.tcp = true;
	assert_int_equal(full(f, 50, 1000), 50);
	f->q.tcp = false;
	assert_int_equal(cidr_parse("192.0.2.0/25", f->c.exempt[0].key, &plen),
	                 0);
	f->c.exempt[0].plen = (uint8_t)plen;
	f->c.nexempt = 1;
	assert_int_equal(full(f, 50, 1000), 50);
	assert_int_equal(f->st.rrl_exempt, 40);
	set_from(f, "192.0.2.129"); /* the same /24, not the exempt /25 */
	make(f, "www.example.net", NULL);
	assert_int_equal(full(f, 5, 1000), 0);
	f->c.log_only = true;
	assert_int_equal(full(f, 5, 1000), 5);
	assert_int_equal(f->st.rrl_log_only, 5);
}

static void
small_table(void **state)
{
	struct fix *f = *state;

	/* 4 entries, 200 clients: entries are taken over (never limited
	 * wrongly: a new client gets a full bucket), nothing breaks */
	rrl_free(f->t);
	f->t = rrl_new(3);
	assert_int_equal(rrl_entries(f->t), 4);
	for (unsigned i = 0; i < 200; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.%u.%u.1", i / 200, i % 200);
		set_from(f, ip);
		make(f, "www.example.net", NULL);
		assert_int_equal(full(f, 10, 1000 + i), 10);
	}
	/* a flood from one network in a small table is still limited */
	set_from(f, "192.0.2.1");
	make(f, "www.example.net", NULL);
	assert_int_equal(full(f, 100, 5000), 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(rate_and_burst, setup, teardown),
	    cmocka_unit_test_setup_teardown(slip_every_second, setup, teardown),
	    cmocka_unit_test_setup_teardown(slip_keeps_opt, setup, teardown),
	    cmocka_unit_test_setup_teardown(badcookie_for_cookie_clients, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(shared_by_threads, setup, teardown),
	    cmocka_unit_test_setup_teardown(networks, setup, teardown),
	    cmocka_unit_test_setup_teardown(kinds_and_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(exempt_tcp_log_only, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(small_table, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
