/* SPDX-License-Identifier: MIT */
/* tests/unit/test_cidr.c: operator networks as geo tree keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dnsd/cidr.h"

static void
ipv4_and_ipv6_in_tree_layout(void **state)
{
	uint8_t key[16];
	unsigned plen;
	static const uint8_t v4[16] = {[12] = 81, [13] = 2, [14] = 69};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};

	(void)state;
	assert_int_equal(cidr_parse("81.2.69.0/24", key, &plen), 0);
	assert_memory_equal(key, v4, 16);
	assert_int_equal(plen, 120);
	assert_int_equal(cidr_parse("2001:db8::/32", key, &plen), 0);
	assert_memory_equal(key, v6, 16);
	assert_int_equal(plen, 32);
	assert_int_equal(cidr_parse("0.0.0.0/0", key, &plen), 0);
	assert_int_equal(plen, 96);
	assert_int_equal(cidr_parse("::/0", key, &plen), 0);
	assert_int_equal(plen, 0);
	assert_int_equal(cidr_parse("192.0.2.1/32", key, &plen), 0);
	assert_int_equal(plen, 128);
}

static void
mistakes_are_refused(void **state)
{
	static const char *const bad[] = {
	    "81.2.69.0",
	    "81.2.69.1/24",
	    "81.2.69.0/33",
	    "81.2.69.0/",
	    "81.2.69.0/+24",
	    "81.2.69.0/24x",
	    "2001:db8::/129",
	    "2001:db8::1/64",
	    "example/8",
	    "/8",
	    "",
	};
	uint8_t key[16];
	unsigned plen;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cidr_parse(bad[i], key, &plen), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ipv4_and_ipv6_in_tree_layout),
	    cmocka_unit_test(mistakes_are_refused),
	};
	return cmocka_run_group_tests_name("cidr", tests, NULL, NULL);
}
