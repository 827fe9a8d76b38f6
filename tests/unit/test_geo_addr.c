/* SPDX-License-Identifier: MIT */
/* tests/unit/test_geo_addr.c: client address forms, tree keys and scopes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "geo/geo.h"
#include "geo/geo_tree.h"

/* A client from text: IPv4 if there is no colon. */
static void
make(struct geo_client *c, const char *text, unsigned bits)
{
	uint8_t addr[16] = {0};

	if (strchr(text, ':') != NULL) {
		assert_int_equal(inet_pton(AF_INET6, text, addr), 1);
		geo_client_make(c, AF_INET6, addr, bits);
	} else {
		assert_int_equal(inet_pton(AF_INET, text, addr), 1);
		geo_client_make(c, AF_INET, addr, bits);
	}
}

/* The key must be `key` (IPv4 text for ::a.b.c.d, else IPv6 text). */
static void
expect(const struct geo_client *c, const char *key, unsigned key_bits,
       unsigned base, unsigned add)
{
	uint8_t want[16] = {0};
	char got[INET6_ADDRSTRLEN];

	if (strchr(key, ':') != NULL)
		assert_int_equal(inet_pton(AF_INET6, key, want), 1);
	else
		assert_int_equal(inet_pton(AF_INET, key, want + 12), 1);
	if (memcmp(c->key, want, 16) != 0) {
		inet_ntop(AF_INET6, c->key, got, sizeof(got));
		fail_msg("key %s, want %s", got, key);
	}
	assert_int_equal(c->key_bits, key_bits);
	assert_int_equal(c->scope_base, base);
	assert_int_equal(c->scope_add, add);
}

static void
native_v4(void **state)
{
	struct geo_client c;

	(void)state;
	make(&c, "192.0.2.1", 32);
	expect(&c, "192.0.2.1", 128, 96, 0);
	/* partial source: bits past it are zeroed even if the caller sent
	 * some */
	make(&c, "192.0.2.255", 24);
	expect(&c, "192.0.2.0", 120, 96, 0);
	make(&c, "192.0.255.1", 20);
	expect(&c, "192.0.240.0", 116, 96, 0);
	make(&c, "192.0.2.1", 0);
	expect(&c, "0.0.0.0", 96, 96, 0);
	make(&c, "192.0.2.1", 33); /* too long: clamped */
	expect(&c, "192.0.2.1", 128, 96, 0);
}

static void
native_v6(void **state)
{
	struct geo_client c;

	(void)state;
	make(&c, "2001:db8:aaaa:bbbb::1", 128);
	expect(&c, "2001:db8:aaaa:bbbb::1", 128, 0, 0);
	make(&c, "2001:db8:aaaa:bbff::1", 56);
	expect(&c, "2001:db8:aaaa:bb00::", 56, 0, 0);
	make(&c, "2001:db8::1", 0);
	expect(&c, "::", 0, 0, 0);
	/* 2001:db8:: is not Teredo (2001:0::/32) */
	make(&c, "2001:db8::c000:201", 128);
	expect(&c, "2001:db8::c000:201", 128, 0, 0);
	/* IPv4-compatible (deprecated) is plain IPv6, already at ::/96 */
	make(&c, "::192.0.2.1", 128);
	expect(&c, "192.0.2.1", 128, 0, 0);
}

static void
v4_mapped(void **state)
{
	struct geo_client c;

	(void)state;
	make(&c, "::ffff:192.0.2.1", 128);
	expect(&c, "192.0.2.1", 128, 96, 96);
	make(&c, "::ffff:192.0.2.1", 112);
	expect(&c, "192.0.0.0", 112, 96, 96);
	make(&c, "::ffff:0:0", 96);
	expect(&c, "0.0.0.0", 96, 96, 96);
	/* the source does not cover the mark: not known to be mapped */
	make(&c, "::ffff:0:0", 88);
	expect(&c, "::ff00:0:0", 88, 0, 0);
}

static void
nat64(void **state)
{
	struct geo_client c;

	(void)state;
	make(&c, "64:ff9b::198.51.100.7", 128);
	expect(&c, "198.51.100.7", 128, 96, 96);
	make(&c, "64:ff9b::198.51.100.7", 104);
	expect(&c, "198.0.0.0", 104, 96, 96);
	/* 64:ff9b:1::/48 (RFC 8215, local use) is not the well-known /96 */
	make(&c, "64:ff9b:1::c633:6407", 128);
	expect(&c, "64:ff9b:1::c633:6407", 128, 0, 0);
}

static void
sixtofour(void **state)
{
	struct geo_client c;

	(void)state;
	make(&c, "2002:c000:201::1", 128);
	expect(&c, "192.0.2.1", 128, 96, 16);
	make(&c, "2002:c000:201:abcd::", 48);
	expect(&c, "192.0.2.1", 128, 96, 16);
	make(&c, "2002:c000:2ff::", 40);
	expect(&c, "192.0.2.0", 120, 96, 16);
	make(&c, "2002:c000:201::", 16);
	expect(&c, "0.0.0.0", 96, 96, 16);
	make(&c, "2002::", 8); /* too short to tell */
	expect(&c, "2000::", 8, 0, 0);
}

static void
teredo(void **state)
{
	struct geo_client c;

	(void)state;
	/* RFC 4380 §4 example: server 65.54.227.120, client 192.0.2.45 */
	make(&c, "2001:0:4136:e378:8000:63bf:3fff:fdd2", 128);
	expect(&c, "192.0.2.45", 128, 96, 96);
	/* the unknown bits were 0, so inverted 1: they must not leak in */
	make(&c, "2001:0:4136:e378:8000:63bf:3fff:0", 112);
	expect(&c, "192.0.0.0", 112, 96, 96);
	make(&c, "2001:0:4136:e378::", 64);
	expect(&c, "0.0.0.0", 96, 96, 96);
	make(&c, "2001::", 24);
	expect(&c, "2001::", 24, 0, 0);
}

static void
scopes(void **state)
{
	struct geo_client c;

	(void)state;
	/* native IPv4: depth - 96, 0 when the leaf covers all of IPv4 */
	make(&c, "192.0.2.1", 32);
	assert_int_equal(geo_client_scope(&c, 120), 24);
	assert_int_equal(geo_client_scope(&c, 128), 32);
	assert_int_equal(geo_client_scope(&c, 96), 0);
	assert_int_equal(geo_client_scope(&c, 40), 0);
	assert_int_equal(geo_client_scope(&c, 0), 0);
	/* longer than the source is allowed (RFC 7871 §7.2.1) */
	make(&c, "192.0.2.0", 16);
	assert_int_equal(geo_client_scope(&c, 120), 24);

	/* native IPv6: the depth itself */
	make(&c, "2001:db8::", 56);
	assert_int_equal(geo_client_scope(&c, 0), 0);
	assert_int_equal(geo_client_scope(&c, 32), 32);
	assert_int_equal(geo_client_scope(&c, 128), 128);

	/* mapped and NAT64: the /96 prefix plus the IPv4 depth */
	make(&c, "::ffff:192.0.2.1", 128);
	assert_int_equal(geo_client_scope(&c, 120), 120);
	assert_int_equal(geo_client_scope(&c, 10), 96);
	assert_int_equal(geo_client_scope(&c, 128), 128);
	make(&c, "64:ff9b::192.0.2.1", 120);
	assert_int_equal(geo_client_scope(&c, 124), 124);

	/* 6to4: 16 + the IPv4 depth, 48 at most */
	make(&c, "2002:c000:201::", 48);
	assert_int_equal(geo_client_scope(&c, 120), 40);
	assert_int_equal(geo_client_scope(&c, 128), 48);
	assert_int_equal(geo_client_scope(&c, 64), 16);

	/* Teredo: 96 + the IPv4 depth */
	make(&c, "2001:0:4136:e378:8000:63bf:3fff:fdd2", 128);
	assert_int_equal(geo_client_scope(&c, 120), 120);
	assert_int_equal(geo_client_scope(&c, 0), 96);
}

static void
same_place_in_every_form(void **state)
{
	static const struct {
		const char *addr;
		unsigned bits, scope;
	} forms[] = {
	    {"192.0.2.45", 32, 24},
	    {"::ffff:192.0.2.45", 128, 120},
	    {"64:ff9b::192.0.2.45", 128, 120},
	    {"2002:c000:22d::", 48, 40},
	    {"2001:0:4136:e378:8000:63bf:3fff:fdd2", 128, 120},
	};
	struct geo_tree_builder *b = geo_tree_builder_new(0);
	struct geo_client c;
	unsigned depth;

	(void)state;
	make(&c, "192.0.2.0", 24);
	geo_tree_paint(b, c.key, c.key_bits, 1);
	struct geo_tree *t = geo_tree_finish(b);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		make(&c, forms[i].addr, forms[i].bits);
		assert_int_equal(geo_tree_lookup(t, c.key, &depth), 1);
		assert_int_equal(depth, 120);
		assert_int_equal(geo_client_scope(&c, depth), forms[i].scope);
	}
	/* a native IPv6 client outside: the default, with its own scope */
	make(&c, "2001:db8::1", 128);
	assert_int_equal(geo_tree_lookup(t, c.key, &depth), 0);
	assert_int_equal(geo_client_scope(&c, depth), depth);
	geo_tree_free(t);
}

/* Every prefix length keeps exactly its bits: all ones in, `bits` out. */
static void
masks_every_length(void **state)
{
	uint8_t ones[16];
	struct geo_client c;

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	for (unsigned bits = 0; bits <= 128; bits++) {
		geo_client_make(&c, AF_INET6, ones, bits);
		assert_int_equal(c.key_bits, bits);
		for (unsigned i = 0; i < 128; i++)
			assert_int_equal((c.key[i / 8] >> (7 - i % 8)) & 1,
			                 i < bits);
	}
	for (unsigned bits = 0; bits <= 32; bits++) {
		geo_client_make(&c, AF_INET, ones, bits);
		assert_int_equal(c.key_bits, 96 + bits);
		for (unsigned i = 0; i < 128; i++)
			assert_int_equal((c.key[i / 8] >> (7 - i % 8)) & 1,
			                 i >= 96 && i < 96 + bits);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(native_v4),
	    cmocka_unit_test(native_v6),
	    cmocka_unit_test(v4_mapped),
	    cmocka_unit_test(nat64),
	    cmocka_unit_test(sixtofour),
	    cmocka_unit_test(teredo),
	    cmocka_unit_test(scopes),
	    cmocka_unit_test(same_place_in_every_form),
	    cmocka_unit_test(masks_every_length),
	};
	return cmocka_run_group_tests_name("geo_addr", tests, NULL, NULL);
}
