/* SPDX-License-Identifier: MIT */
/* tests/unit/test_edns.c: OPT (RFC 6891) and Client Subnet (RFC 7871). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dnsd/edns.h"
#include "dnsd/wire.h"
#include "tests/lib/pkt.h"

/* An RR from its TYPE field on, as edns_parse_rr sees it, and the result. */
struct parse {
	struct pkt rr;
	struct wcur c; /* where parsing stopped */
	struct edns e;
};

/* TYPE, CLASS (payload size), TTL and RDATA; `e` starts out zeroed. */
static void
rr_make(struct parse *p, unsigned type, unsigned size, uint32_t ttl,
        const void *rdata, size_t rdlen)
{
	memset(&p->e, 0, sizeof(p->e));
	pkt_init(&p->rr);
	pkt_rr(&p->rr, type, size, ttl, rdata, rdlen);
}

/* An OPT carrying one ECS option with `data`; `e` starts out zeroed. */
static void
ecs_make(struct parse *p, const void *data, size_t len)
{
	size_t mark;

	memset(&p->e, 0, sizeof(p->e));
	pkt_init(&p->rr);
	mark = pkt_rr_begin(&p->rr, T_OPT, 1232, 0);
	pkt_option(&p->rr, EDNS_OPT_ECS, data, len);
	pkt_rr_end(&p->rr, mark);
}

/* Parse what rr_make or ecs_make built, into `e` as it is. */
static int
parse(struct parse *p, bool root)
{
	wcur_init(&p->c, p->rr.b, p->rr.len);
	return edns_parse_rr(&p->c, root, &p->e);
}

/* Parse an OPT with a root owner and these fields, into a zeroed `e`. */
static int
parse_opt(struct parse *p, unsigned size, uint32_t ttl, const void *rdata,
          size_t rdlen)
{
	rr_make(p, T_OPT, size, ttl, rdata, rdlen);
	return parse(p, true);
}

/* Parse an OPT carrying one ECS option, into a zeroed `e`. */
static int
parse_ecs(struct parse *p, const void *data, size_t len)
{
	ecs_make(p, data, len);
	return parse(p, true);
}

static void
basic_opt(void **state)
{
	struct parse p;

	(void)state;
	assert_int_equal(parse_opt(&p, 4096, 0x00008000, "", 0), 0);
	assert_true(p.e.present);
	assert_int_equal(p.e.udp_size, 4096);
	assert_int_equal(p.e.version, 0);
	assert_true(p.e.do_bit);
	assert_false(p.e.ecs);
	assert_false(p.e.nsid);
	assert_int_equal(wcur_left(&p.c), 0);
	assert_false(p.c.bad);
}

static void
small_size_and_version(void **state)
{
	struct parse p;

	(void)state;
	/* RFC 6891 §6.1.3: below 512 counts as 512; version in TTL bits
	 * 16..23; extended rcode bits in a query are ignored */
	assert_int_equal(parse_opt(&p, 100, 0x05010000, "", 0), 0);
	assert_int_equal(p.e.udp_size, 512);
	assert_int_equal(p.e.version, 1);
	assert_false(p.e.do_bit);
	assert_int_equal(parse_opt(&p, 512, 0x00007FFF, "", 0), 0);
	assert_int_equal(p.e.udp_size, 512);
	assert_false(p.e.do_bit); /* only bit 15 is DO */
}

static void
second_opt(void **state)
{
	struct parse p;

	(void)state;
	assert_int_equal(parse_opt(&p, 1232, 0, "", 0), 0);
	assert_int_equal(parse(&p, true), -1);
}

static void
non_root_owner(void **state)
{
	struct parse p;

	(void)state;
	rr_make(&p, T_OPT, 1232, 0, "", 0);
	assert_int_equal(parse(&p, false), -1);
}

static void
not_an_opt(void **state)
{
	struct parse p;

	(void)state;
	/* a TSIG-like RR: skipped whole, not parsed, not an error */
	rr_make(&p, T_A, 1, 300, "\300\0\2\1", 4);
	pkt_u8(&p.rr, 0x42); /* whatever follows stays for the caller */
	assert_int_equal(parse(&p, false), 1);
	assert_false(p.e.present);
	assert_int_equal(wcur_left(&p.c), 1);
	/* RDLENGTH past the packet */
	rr_make(&p, T_A, 1, 300, "\300\0\2\1", 4);
	p.rr.len -= 1;
	assert_int_equal(parse(&p, false), -1);
	assert_true(p.c.bad);
}

static void
option_overruns(void **state)
{
	struct parse p;

	(void)state;
	/* option length 8, only 4 octets of data in RDATA */
	assert_int_equal(parse_opt(&p, 1232, 0, "\0\12\0\10abcd", 8), -1);
	/* a partial option header */
	assert_int_equal(parse_opt(&p, 1232, 0, "\0\12\0", 3), -1);
	/* a cookie option that exactly fills RDATA is fine */
	assert_int_equal(parse_opt(&p, 1232, 0, "\0\12\0\10abcdefgh", 12), 0);
}

static void
ecs_v4(void **state)
{
	struct parse p;

	(void)state;
	ecs_make(&p, "\0\1\30\0\300\0\2", 7);
	memset(p.e.ecs_addr, 0xAA, sizeof(p.e.ecs_addr)); /* must be cleared */
	assert_int_equal(parse(&p, true), 0);
	assert_true(p.e.ecs);
	assert_int_equal(p.e.ecs_family, 1);
	assert_int_equal(p.e.ecs_source, 24);
	assert_memory_equal(p.e.ecs_addr, "\300\0\2\0\0\0\0\0\0\0\0\0\0\0\0\0",
	                    16);
	/* /0 carries no address octets (RFC 7871 §7.1.2) */
	assert_int_equal(parse_ecs(&p, "\0\1\0\0", 4), 0);
	assert_true(p.e.ecs);
	assert_int_equal(p.e.ecs_source, 0);
	/* /32, and /25 with the 25th bit set */
	assert_int_equal(parse_ecs(&p, "\0\1\40\0\12\1\2\3", 8), 0);
	assert_int_equal(parse_ecs(&p, "\0\1\31\0\12\1\2\200", 8), 0);
	assert_int_equal(p.e.ecs_addr[3], 0x80);
}

static void
ecs_v6(void **state)
{
	struct parse p;
	/* 2001:db8:1234:5600::/56 */
	static const char opt[] = "\0\2\70\0\40\1\15\270\22\64\126";

	(void)state;
	assert_int_equal(parse_ecs(&p, opt, sizeof(opt) - 1), 0);
	assert_true(p.e.ecs);
	assert_int_equal(p.e.ecs_family, 2);
	assert_int_equal(p.e.ecs_source, 56);
	assert_memory_equal(p.e.ecs_addr, "\40\1\15\270\22\64\126\0", 8);
}

/* Each option must make the query FORMERR (RFC 7871 §7.1.2). */
static void
expect_bad_ecs(const char *opt, size_t len)
{
	struct parse p;

	assert_int_equal(parse_ecs(&p, opt, len), -1);
}

static void
ecs_invalid(void **state)
{
	(void)state;
	expect_bad_ecs("\0\3\0\0", 4);            /* family 3 */
	expect_bad_ecs("\0\0\0\0", 4);            /* family 0 */
	expect_bad_ecs("\0\1\41\0\1\2\3\4\5", 9); /* v4 /33 */
	expect_bad_ecs("\0\2\201\0"
	               "0123456789abcdefg",
	               21);                         /* v6 /129 */
	expect_bad_ecs("\0\1\30\1\300\0\2", 7);     /* scope 1 */
	expect_bad_ecs("\0\1\30\0\300\0", 6);       /* /24, 2 octets */
	expect_bad_ecs("\0\1\30\0\300\0\2\0", 8);   /* /24, 4 octets */
	expect_bad_ecs("\0\1\0\0\0", 5);            /* /0, 1 octet */
	expect_bad_ecs("\0\1\27\0\300\0\3", 7);     /* /23, bit 24 */
	expect_bad_ecs("\0\1\31\0\300\0\2\100", 8); /* /25, bit 26 */
	expect_bad_ecs("\0\1\30", 3);               /* too short */
}

static void
ecs_twice(void **state)
{
	struct parse p;
	/* two valid ECS options in one OPT */
	static const char rd[] = "\0\10\0\7\0\1\30\0\300\0\2"
	                         "\0\10\0\7\0\1\30\0\300\0\2";

	(void)state;
	assert_int_equal(parse_opt(&p, 1232, 0, rd, sizeof(rd) - 1), -1);
}

static void
unknown_options_ignored(void **state)
{
	struct parse p;
	/* option 65001 (local use), NSID with data, ECS, padding */
	static const char rd[] = "\375\351\0\3xyz"
	                         "\0\3\0\2hi"
	                         "\0\10\0\7\0\1\30\0\300\0\2"
	                         "\0\14\0\4\0\0\0\0";

	(void)state;
	assert_int_equal(parse_opt(&p, 1232, 0, rd, sizeof(rd) - 1), 0);
	assert_true(p.e.nsid);
	assert_true(p.e.ecs);
	assert_int_equal(p.e.ecs_source, 24);
	assert_int_equal(wcur_left(&p.c), 0);
}

/* Read back a written OPT: returns its rdata, checks the fixed part. */
static const uint8_t *
check_opt(const uint8_t *buf, size_t len, unsigned size, uint32_t ttl,
          unsigned *rdlen)
{
	assert_true(len >= 11);
	assert_int_equal(buf[0], 0);
	assert_int_equal(pkt_get_u16(buf + 1), T_OPT);
	assert_int_equal(pkt_get_u16(buf + 3), size);
	assert_int_equal((uint32_t)buf[5] << 24 | (uint32_t)buf[6] << 16 |
	                     (uint32_t)buf[7] << 8 | buf[8],
	                 ttl);
	*rdlen = pkt_get_u16(buf + 9);
	assert_int_equal(len, 11 + *rdlen);
	return buf + 11;
}

static void
write_plain(void **state)
{
	struct edns q;
	struct wbuf w;
	uint8_t buf[128];
	unsigned rdlen;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.present = true;
	q.do_bit = true;
	wbuf_init(&w, buf, sizeof(buf));
	edns_write_opt(&w, &q, 1232, RC_BADVERS, 0, NULL, 0);
	assert_false(w.full);
	/* BADVERS (16): upper rcode bits 1, version 0, DO echoed */
	check_opt(buf, w.len, 1232, 0x01008000, &rdlen);
	assert_int_equal(rdlen, 0);
	assert_int_equal(w.len, edns_opt_len(&q, 0));
	/* a plain rcode leaves the extended bits zero */
	q.do_bit = false;
	wbuf_init(&w, buf, sizeof(buf));
	edns_write_opt(&w, &q, 4096, RC_NXDOMAIN, 0, NULL, 0);
	check_opt(buf, w.len, 4096, 0, &rdlen);
}

static void
write_ecs_and_nsid(void **state)
{
	struct parse p, back;
	struct wbuf w;
	uint8_t buf[128];
	unsigned rdlen;

	(void)state;
	/* ECS 2001:db8:1234:5600::/56, then an empty NSID request */
	static const char rdq[] = "\0\10\0\13\0\2\70\0\40\1\15\270\22\64\126"
	                          "\0\3\0\0";
	assert_int_equal(parse_opt(&p, 1232, 0, rdq, sizeof(rdq) - 1), 0);
	const struct edns *q = &p.e;
	assert_true(q->ecs);
	assert_true(q->nsid);

	wbuf_init(&w, buf, sizeof(buf));
	edns_write_opt(&w, q, 1232, 0, 48, (const uint8_t *)"ns1", 3);
	assert_false(w.full);
	assert_int_equal(w.len, edns_opt_len(q, 3));
	const uint8_t *rd = check_opt(buf, w.len, 1232, 0, &rdlen);
	/* RFC 7871 §7.2.1: family, source and address echoed, our scope */
	assert_int_equal(rdlen, 4 + 11 + 4 + 3);
	assert_memory_equal(rd, "\0\10\0\13\0\2\70\60\40\1\15\270\22\64\126",
	                    15);
	assert_memory_equal(rd + 15, "\0\3\0\3ns1", 7);
	/* one octet short: nothing written, the buffer marked full */
	wbuf_init(&w, buf, edns_opt_len(q, 3) - 1);
	edns_write_opt(&w, q, 1232, 0, 48, (const uint8_t *)"ns1", 3);
	assert_true(w.full);
	assert_int_equal(w.len, 0);

	/* with scope 0 our own output is a valid query OPT again */
	wbuf_init(&w, buf, sizeof(buf));
	edns_write_opt(&w, q, 1232, 0, 0, NULL, 0);
	assert_int_equal(w.len, edns_opt_len(q, 0));
	memset(&back.e, 0, sizeof(back.e));
	pkt_init(&back.rr);
	pkt_put(&back.rr, buf + 1, w.len - 1); /* from TYPE on */
	assert_int_equal(parse(&back, true), 0);
	assert_true(back.e.ecs);
	assert_false(back.e.nsid); /* no NSID data to send: none written */
	assert_int_equal(back.e.ecs_family, q->ecs_family);
	assert_int_equal(back.e.ecs_source, q->ecs_source);
	assert_memory_equal(back.e.ecs_addr, q->ecs_addr, 16);
}

static void
write_respects_cap(void **state)
{
	struct edns q;
	struct wbuf w;
	uint8_t buf[16];

	(void)state;
	memset(&q, 0, sizeof(q));
	q.present = true;
	q.nsid = true;
	memset(buf, 0xEE, sizeof(buf));
	wbuf_init(&w, buf, 12);
	edns_write_opt(&w, &q, 1232, 0, 0, (const uint8_t *)"abc", 3);
	assert_true(w.full);
	assert_true(w.len <= 12);
	assert_int_equal(buf[12], 0xEE);
	assert_int_equal(edns_opt_len(&q, 3), 11 + 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(basic_opt),
	    cmocka_unit_test(small_size_and_version),
	    cmocka_unit_test(second_opt),
	    cmocka_unit_test(non_root_owner),
	    cmocka_unit_test(not_an_opt),
	    cmocka_unit_test(option_overruns),
	    cmocka_unit_test(ecs_v4),
	    cmocka_unit_test(ecs_v6),
	    cmocka_unit_test(ecs_invalid),
	    cmocka_unit_test(ecs_twice),
	    cmocka_unit_test(unknown_options_ignored),
	    cmocka_unit_test(write_plain),
	    cmocka_unit_test(write_ecs_and_nsid),
	    cmocka_unit_test(write_respects_cap),
	};
	return cmocka_run_group_tests_name("edns", tests, NULL, NULL);
}
