/* SPDX-License-Identifier: MIT */
/* tests/unit/test_wire.c: name decoding, suffix hashes and compression. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dnsd/wire.h"

/* String literals carry a trailing NUL that is not part of the packet. */
#define PKT(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

static int
read_at(const uint8_t *pkt, size_t len, size_t at, struct wname *n,
        struct wcur *c)
{
	wcur_init(c, pkt, len);
	if (at > 0)
		wcur_skip(c, at);
	return wire_name_read(c, n);
}

/* Reading a name at `at` must fail. */
static void
expect_bad(const uint8_t *pkt, size_t len, size_t at)
{
	struct wname n;
	struct wcur c;

	assert_int_equal(read_at(pkt, len, at, &n, &c), -1);
}

/* Reading a name at `at` must run off the end, leaving the cursor bad. */
static void
expect_truncated(const uint8_t *pkt, size_t len, size_t at)
{
	struct wname n;
	struct wcur c;

	assert_int_equal(read_at(pkt, len, at, &n, &c), -1);
	assert_true(c.bad);
}

static void
plain_name(void **state)
{
	struct wname n;
	struct wcur c;

	(void)state;
	assert_int_equal(read_at(PKT("\3WwW\7ExAmple\3NET\0"), 0, &n, &c), 0);
	assert_false(c.bad);
	assert_int_equal(n.len, 17);
	assert_int_equal(n.nlabels, 3);
	/* the case as sent is kept for the echo, the key is folded */
	assert_memory_equal(n.raw, "\3WwW\7ExAmple\3NET\0", 17);
	assert_memory_equal(n.key, "\3www\7example\3net\0", 17);
	assert_int_equal(n.lab[0], 0);
	assert_int_equal(n.lab[1], 4);
	assert_int_equal(n.lab[2], 12);
	assert_int_equal(n.lab[3], 16); /* the root label */
	assert_int_equal(wcur_left(&c), 0);
}

static void
fold_only_letters(void **state)
{
	struct wname n;
	struct wcur c;

	(void)state;
	/* '@' (0x40) and '[' (0x5B) sit next to A..Z and must not move */
	assert_int_equal(read_at(PKT("\4@AZ[\0"), 0, &n, &c), 0);
	assert_memory_equal(n.key, "\4@az[\0", 6);
	assert_memory_equal(n.raw, "\4@AZ[\0", 6);
}

static void
root_name(void **state)
{
	struct wname n;
	struct wcur c;

	(void)state;
	assert_int_equal(read_at(PKT("\0\0\1"), 0, &n, &c), 0);
	assert_int_equal(n.len, 1);
	assert_int_equal(n.nlabels, 0);
	assert_int_equal(n.lab[0], 0);
	assert_int_equal(n.raw[0], 0);
	assert_int_equal(wcur_left(&c), 2);
}

static void
backward_pointer(void **state)
{
	/* "example.net" at 0, then "www" + pointer to 0 at 13, then a u16 */
	static const char pkt[] = "\7example\3net\0"
	                          "\3WWW\300\0"
	                          "\0\1";
	struct wname n;
	struct wcur c;

	(void)state;
	assert_int_equal(read_at(PKT(pkt), 13, &n, &c), 0);
	assert_int_equal(n.len, 17);
	assert_int_equal(n.nlabels, 3);
	assert_memory_equal(n.raw, "\3WWW\7example\3net\0", 17);
	assert_memory_equal(n.key, "\3www\7example\3net\0", 17);
	assert_int_equal(n.lab[1], 4);
	/* the cursor continues right after the pointer, not after the target */
	assert_int_equal(c.p - c.base, 19);
	assert_int_equal(wcur_u16(&c), 1);
	assert_false(c.bad);
}

static void
pointer_chain_backward(void **state)
{
	/* net at 0; example -> 0 at 5; www -> 5 at 15: two jumps, both back */
	static const char pkt[] = "\3net\0"
	                          "\7example\300\0"
	                          "\3www\300\5";
	struct wname n;
	struct wcur c;

	(void)state;
	assert_int_equal(read_at(PKT(pkt), 15, &n, &c), 0);
	assert_memory_equal(n.key, "\3www\7example\3net\0", 17);
	assert_int_equal(c.p - c.base, 21);
}

static void
forward_pointer_rejected(void **state)
{
	(void)state;
	expect_bad(PKT("\300\2\3net\0"), 0);
}

static void
self_loop_rejected(void **state)
{
	(void)state;
	expect_bad(PKT("\0\0\0\0\300\4"), 4);
}

static void
two_pointer_loop_rejected(void **state)
{
	(void)state;
	/* 0 -> 2 and 2 -> 0: the first jump (from 2) is backwards, the
	 * second would land at or after the previous target */
	expect_bad(PKT("\300\2\300\0"), 2);
	/* a label then a pointer back into that same label run */
	expect_bad(PKT("\1a\300\0"), 0);
}

static void
label_types_rejected(void **state)
{
	(void)state;
	/* 0x40 (extended label, RFC 6891 §5) and 0x80 (reserved) */
	expect_bad(PKT("\100abc\0"), 0);
	expect_bad(PKT("\200abc\0"), 0);
	/* 0x41 would be a 65-octet label if the type bits were ignored */
	uint8_t big[80];
	memset(big, 'a', sizeof(big));
	big[0] = 0x41;
	big[66] = 0;
	expect_bad(big, sizeof(big), 0);
}

/* `nlab` labels of `each` octets then `last` octets, then the root. */
static size_t
long_name(uint8_t *out, unsigned nlab, unsigned each, unsigned last)
{
	size_t o = 0;

	for (unsigned i = 0; i < nlab; i++) {
		out[o++] = (uint8_t)each;
		memset(out + o, 'x', each);
		o += each;
	}
	if (last > 0) {
		out[o++] = (uint8_t)last;
		memset(out + o, 'y', last);
		o += last;
	}
	out[o++] = 0;
	return o;
}

static void
name_length_limit(void **state)
{
	uint8_t buf[400];
	struct wname n;
	struct wcur c;
	size_t len;

	(void)state;
	/* 3 x 64 + 62 + 1 = 255 octets: the longest legal name */
	len = long_name(buf, 3, 63, 61);
	assert_int_equal(len, 255);
	assert_int_equal(read_at(buf, len, 0, &n, &c), 0);
	assert_int_equal(n.len, 255);
	assert_int_equal(n.nlabels, 4);
	/* one more octet is too long */
	len = long_name(buf, 3, 63, 62);
	assert_int_equal(len, 256);
	expect_bad(buf, len, 0);
	/* 127 one-octet labels fill 255 octets; 128 do not fit */
	len = long_name(buf, 127, 1, 0);
	assert_int_equal(len, 255);
	assert_int_equal(read_at(buf, len, 0, &n, &c), 0);
	assert_int_equal(n.nlabels, 127);
	expect_bad(buf, long_name(buf, 128, 1, 0), 0);
}

static void
long_name_through_pointers(void **state)
{
	/* 200 octets at 0, then 60 more pointing at it: 260 in total */
	uint8_t buf[400];
	size_t len = long_name(buf, 3, 63, 7); /* 3 x 64 + 8 + 1 = 201 */
	size_t at = len;

	(void)state;
	buf[len++] = 58;
	memset(buf + len, 'z', 58);
	len += 58;
	buf[len++] = 0xC0;
	buf[len++] = 0;
	expect_bad(buf, len, at);
}

static void
truncated_names(void **state)
{
	(void)state;
	expect_truncated(PKT("\3www\7exa"), 0);
	/* no root label */
	expect_truncated(PKT("\3www"), 0);
	/* half a pointer */
	expect_truncated(PKT("\0\3www\300"), 1);
	/* nothing at all */
	expect_truncated(PKT("\0"), 1);
	/* a pointer whose target runs off the end */
	expect_bad(PKT("\5ab\300\0"), 3);
}

static void
suffix_hashes(void **state)
{
	struct wname a, b, d;

	(void)state;
	assert_int_equal(wname_from_wire(&a, PKT("\3WWW\7example\3NET\0")), 0);
	assert_int_equal(wname_from_wire(&b, PKT("\4mail\7EXAMPLE\3net\0")), 0);
	assert_int_equal(wname_from_wire(&d, PKT("\7example\3org\0")), 0);
	/* equal suffixes hash equally, whatever the case */
	assert_int_equal(a.hash[1], b.hash[1]);
	assert_int_equal(a.hash[2], b.hash[2]);
	assert_int_equal(a.hash[3], b.hash[3]);
	assert_int_equal(a.hash[3], d.hash[2]); /* the root */
	assert_int_not_equal(a.hash[0], b.hash[0]);
	assert_int_not_equal(a.hash[1], d.hash[0]);
	assert_int_not_equal(a.hash[2], d.hash[1]);
	/* wire_suffix_hash agrees with wname_hash */
	for (unsigned i = 0; i <= a.nlabels; i++)
		assert_int_equal(wire_suffix_hash(a.key, a.lab, a.nlabels, i),
		                 a.hash[i]);
}

static void
hash_keeps_label_boundaries(void **state)
{
	struct wname a, b;

	(void)state;
	assert_int_equal(wname_from_wire(&a, PKT("\1a\2bc\0")), 0);
	assert_int_equal(wname_from_wire(&b, PKT("\2ab\1c\0")), 0);
	assert_int_not_equal(a.hash[0], b.hash[0]);
}

static void
name_helpers(void **state)
{
	uint8_t out[32];
	struct wname n;

	(void)state;
	assert_int_equal(wire_name_len(PKT("\3www\3net\0junk")), 9);
	assert_int_equal(wire_name_len(PKT("\3www\3net")), 0);
	assert_int_equal(wire_name_len(PKT("\300\14")), 0);
	/* a length octet of 'A' (65) stays as it is; only label text folds */
	wire_name_fold(out, (const uint8_t *)"\2AB\1C\0", 6);
	assert_memory_equal(out, "\2ab\1c\0", 6);
	assert_true(wire_name_equal(PKT("\3WwW\0"), PKT("\3www\0")));
	assert_false(wire_name_equal(PKT("\3wwx\0"), PKT("\3www\0")));
	assert_false(wire_name_equal(PKT("\3www\0"), PKT("\2ww\0")));
	assert_int_equal(wname_from_wire(&n, PKT("\3www\300\0")), -1);
}

/* ---- writing --------------------------------------------------------- */

static const uint8_t hdr[WIRE_HDR_LEN];

/* A message of `cap` octets with a blank header: names start at 12. */
static void
start_msg(struct wbuf *w, uint8_t *buf, size_t cap)
{
	wbuf_init(w, buf, cap);
	wbuf_put(w, hdr, sizeof(hdr));
}

static void
compress_repeat(void **state)
{
	uint8_t buf[512];
	struct wbuf w;
	static const char en[] = "\7example\3net";
	static const char en_up[] = "\7EXAMPLE\3NET";

	(void)state;
	start_msg(&w, buf, sizeof(buf));
	wbuf_put_name(&w, (const uint8_t *)en, sizeof(en), true);
	assert_int_equal(w.len, 12 + 13);
	assert_memory_equal(buf + 12, en, 13);
	/* the same name again, in other case: a pointer to offset 12 */
	wbuf_put_name(&w, (const uint8_t *)en_up, sizeof(en_up), true);
	assert_int_equal(w.len, 12 + 13 + 2);
	assert_int_equal(buf[25], 0xC0);
	assert_int_equal(buf[26], 12);
	/* a name below it: its own label, then a pointer */
	wbuf_put_name(&w, (const uint8_t *)"\1a\7example\3net", 15, true);
	assert_int_equal(w.len, 27 + 4);
	assert_memory_equal(buf + 27, "\1a\300\14", 4);
	/* a longer shared suffix wins: "b.a.example.net" -> "\1b" + ptr 27 */
	wbuf_put_name(&w, (const uint8_t *)"\1b\1a\7example\3net", 17, true);
	assert_int_equal(w.len, 31 + 4);
	assert_memory_equal(buf + 31, "\1b\300\33", 4);
	/* only "net" is shared: the pointer goes to the middle of a name */
	wbuf_put_name(&w, (const uint8_t *)"\3www\3net", 9, true);
	assert_int_equal(w.len, 35 + 6);
	assert_memory_equal(buf + 35, "\3www\300\24", 6); /* "net" at 20 */
}

static void
compress_root_and_nothing_shared(void **state)
{
	uint8_t buf[128];
	struct wbuf w;

	(void)state;
	start_msg(&w, buf, sizeof(buf));
	wbuf_put_name(&w, (const uint8_t *)"\3net", 5, true);
	wbuf_put_name(&w, (const uint8_t *)"\3org", 5, true);
	assert_int_equal(w.len, 22);
	assert_memory_equal(buf + 17, "\3org", 5);
	/* the root is one octet: never worth a pointer */
	wbuf_put_name(&w, (const uint8_t *)"", 1, true);
	assert_int_equal(w.len, 23);
	assert_int_equal(buf[22], 0);
}

static void
uncompressed_but_remembered(void **state)
{
	uint8_t buf[128];
	struct wbuf w;
	static const char en[] = "\7example\3net";

	(void)state;
	start_msg(&w, buf, sizeof(buf));
	wbuf_put_name(&w, (const uint8_t *)en, sizeof(en), true);
	/* RFC 3597 §4: written in full although it is already there */
	wbuf_put_name(&w, (const uint8_t *)"\3www\7example\3net", 17, false);
	assert_int_equal(w.len, 12 + 13 + 17);
	assert_memory_equal(buf + 25, "\3www\7example\3net", 17);
	/* ... and later names may point into it */
	wbuf_put_name(&w, (const uint8_t *)"\3WWW\7example\3net", 17, true);
	assert_int_equal(w.len, 42 + 2);
	assert_int_equal(buf[42], 0xC0);
	assert_int_equal(buf[43], 25);
}

static void
pointers_only_reach_16k(void **state)
{
	static uint8_t buf[0x4100];
	struct wbuf w;
	static const char en[] = "\7example\3net";

	(void)state;
	memset(buf, 0, sizeof(buf));
	wbuf_init(&w, buf, sizeof(buf));
	/* "example.net" at 0x3FFA can be pointed at, its "net" at 0x4002
	 * cannot: a pointer has 14 bits (RFC 1035 §4.1.4) */
	w.len = 0x3FFA;
	wbuf_put_name(&w, (const uint8_t *)en, sizeof(en), true);
	wbuf_put_name(&w, (const uint8_t *)"\3www\3net", 9, true);
	assert_int_equal(w.len, 0x3FFA + 13 + 9);
	assert_memory_equal(buf + 0x3FFA + 13, "\3www\3net", 9);
	wbuf_put_name(&w, (const uint8_t *)en, sizeof(en), true);
	assert_int_equal(w.len, 0x3FFA + 13 + 9 + 2);
	assert_int_equal(buf[0x3FFA + 22], 0xFF);
	assert_int_equal(buf[0x3FFA + 23], 0xFA);
}

static void
overflow_sticky_and_rollback(void **state)
{
	uint8_t buf[32];
	struct wbuf w;
	struct wmark m;
	static const char en[] = "\7example\3net";

	(void)state;
	memset(buf, 0xEE, sizeof(buf));
	start_msg(&w, buf, 20);
	m = wbuf_mark(&w);
	wbuf_put_name(&w, (const uint8_t *)en, sizeof(en), true);
	assert_true(w.full);
	assert_int_equal(w.len, 12);
	assert_int_equal(buf[12], 0xEE); /* nothing partial written */
	/* sticky: even a write that would fit is refused */
	wbuf_put_u16(&w, 7);
	assert_int_equal(w.len, 12);
	assert_false(wbuf_room(&w, 1));
	wbuf_rollback(&w, m);
	assert_false(w.full);
	wbuf_put_u32(&w, 0x01020304);
	assert_int_equal(w.len, 16);
	assert_memory_equal(buf + 12, "\1\2\3\4", 4);
	/* exactly filling the buffer is not an overflow */
	wbuf_put(&w, "abcd", 4);
	assert_false(w.full);
	assert_int_equal(w.len, 20);
	wbuf_put(&w, "", 1);
	assert_true(w.full);
	assert_int_equal(buf[20], 0xEE);
}

static void
rollback_forgets_names(void **state)
{
	uint8_t buf[128];
	struct wbuf w;
	struct wmark m;
	static const char en[] = "\7example\3net";

	(void)state;
	start_msg(&w, buf, sizeof(buf));
	m = wbuf_mark(&w);
	wbuf_put_name(&w, (const uint8_t *)en, sizeof(en), true);
	assert_int_not_equal(w.ncomp, 0);
	wbuf_rollback(&w, m);
	assert_int_equal(w.ncomp, 0);
	/* a pointer to the rolled-back copy would point at garbage */
	wbuf_put(&w, "\0\0\0\0\0\0\0\0", 8);
	wbuf_put_name(&w, (const uint8_t *)en, sizeof(en), true);
	assert_int_equal(w.len, 20 + 13);
	assert_memory_equal(buf + 20, en, 13);
	wbuf_set_u16(&w, 0, 0xABCD);
	assert_int_equal(buf[0], 0xAB);
	assert_int_equal(buf[1], 0xCD);
}

static void
reader_sticky(void **state)
{
	struct wcur c;

	(void)state;
	wcur_init(&c, (const uint8_t *)"\1\2\3", 3);
	assert_int_equal(wcur_u16(&c), 0x0102);
	assert_int_equal(wcur_u16(&c), 0); /* one octet left: overrun */
	assert_true(c.bad);
	assert_int_equal(wcur_u8(&c), 0); /* sticky even though 1 is left */
	assert_null(wcur_skip(&c, 0));
}

/*
 * The key fold, a word at a time, against the octet-at-a-time rule: every
 * octet value in every position of a word, and names of every length up
 * to 255 (the tail word), which must also come out zero-padded.
 */
static void
key_fold_is_ascii_lower_case(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 256; v++) {
		for (unsigned pos = 0; pos < 8; pos++) {
			uint8_t in[8], out[8];
			uint64_t w;
			for (unsigned k = 0; k < 8; k++)
				in[k] = (uint8_t)(k == pos ? v : 'A' + 3 * k);
			memcpy(&w, in, 8);
			w = wire_fold_word(w);
			memcpy(out, &w, 8);
			for (unsigned k = 0; k < 8; k++) {
				uint8_t c = in[k];
				uint8_t want =
				    c >= 'A' && c <= 'Z' ? c | 0x20 : c;
				assert_int_equal(out[k], want);
			}
		}
	}
	uint8_t name[255], key[WIRE_KEY_MAX];
	for (size_t i = 0; i < sizeof(name); i++)
		name[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 1; len <= sizeof(name); len++) {
		memset(key, 0xEE, sizeof(key));
		wire_name_key(key, name, len);
		for (size_t i = 0; i < len; i++) {
			uint8_t c = name[i];
			assert_int_equal(key[i],
			                 c >= 'A' && c <= 'Z' ? c | 0x20 : c);
		}
		for (size_t i = len; i < ((len + 7) & ~(size_t)7); i++)
			assert_int_equal(key[i], 0);
	}
}

/*
 * A name without pointers is read where it lies (nothing copied); one
 * with a pointer is put together in the struct's buffer.  Either way the
 * key is the folded name, zero-padded, and the cursor is past the name.
 */
static void
in_place_or_copied(void **state)
{
	static const uint8_t pkt[] = "\3WWW\7Example\3NET\0\4MAIL\300\4";
	struct wname n;
	struct wcur c;

	(void)state;
	assert_int_equal(read_at(pkt, sizeof(pkt) - 1, 0, &n, &c), 0);
	assert_ptr_equal(n.raw, pkt);
	assert_ptr_equal(c.p, pkt + 17);
	assert_memory_equal(n.key, "\3www\7example\3net\0\0\0\0\0\0\0", 24);
	assert_int_equal(wire_name_read(&c, &n), 0);
	assert_ptr_equal(n.raw, n.buf);
	assert_int_equal(n.len, 18);
	assert_memory_equal(n.raw, "\4MAIL\7Example\3NET\0", 18);
	assert_memory_equal(n.key, "\4mail\7example\3net\0", 18);
	assert_int_equal(n.nlabels, 3);
	assert_int_equal(n.lab[1], 5);
	assert_ptr_equal(c.p, pkt + 24);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plain_name),
	    cmocka_unit_test(key_fold_is_ascii_lower_case),
	    cmocka_unit_test(in_place_or_copied),
	    cmocka_unit_test(fold_only_letters),
	    cmocka_unit_test(root_name),
	    cmocka_unit_test(backward_pointer),
	    cmocka_unit_test(pointer_chain_backward),
	    cmocka_unit_test(forward_pointer_rejected),
	    cmocka_unit_test(self_loop_rejected),
	    cmocka_unit_test(two_pointer_loop_rejected),
	    cmocka_unit_test(label_types_rejected),
	    cmocka_unit_test(name_length_limit),
	    cmocka_unit_test(long_name_through_pointers),
	    cmocka_unit_test(truncated_names),
	    cmocka_unit_test(suffix_hashes),
	    cmocka_unit_test(hash_keeps_label_boundaries),
	    cmocka_unit_test(name_helpers),
	    cmocka_unit_test(compress_repeat),
	    cmocka_unit_test(compress_root_and_nothing_shared),
	    cmocka_unit_test(uncompressed_but_remembered),
	    cmocka_unit_test(pointers_only_reach_16k),
	    cmocka_unit_test(overflow_sticky_and_rollback),
	    cmocka_unit_test(rollback_forgets_names),
	    cmocka_unit_test(reader_sticky),
	};
	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
