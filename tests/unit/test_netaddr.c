/* SPDX-License-Identifier: MIT */
/* tests/unit/test_netaddr.c: the one ADDR:PORT grammar (common/netaddr). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "common/netaddr.h"

/* `text` parses (with `dflt`) to family `af`, `host` and `port`. */
static void
good(const char *text, uint16_t dflt, int af, const char *host, uint16_t port)
{
	struct netaddr a;

	if (netaddr_parse(text, dflt, &a) != 0)
		fail_msg("\"%s\" (default port %u) refused", text, dflt);
	assert_int_equal(a.ss.ss_family, af);
	assert_string_equal(a.host, host);
	assert_int_equal(a.port, port);
	assert_string_equal(a.text, text);
	if (af == AF_INET) {
		const struct sockaddr_in *sin =
		    (const struct sockaddr_in *)&a.ss;
		char buf[INET_ADDRSTRLEN];
		assert_int_equal(a.len, sizeof(struct sockaddr_in));
		assert_int_equal(ntohs(sin->sin_port), port);
		assert_non_null(
		    inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)));
		assert_string_equal(buf, host);
	} else {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)&a.ss;
		char buf[INET6_ADDRSTRLEN];
		assert_int_equal(a.len, sizeof(struct sockaddr_in6));
		assert_int_equal(ntohs(sin6->sin6_port), port);
		assert_non_null(
		    inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf)));
		assert_string_equal(buf, host);
	}
}

/* `text` is refused with `dflt`, and `out` is left zeroed. */
static void
bad(const char *text, uint16_t dflt)
{
	struct netaddr a, zero;

	memset(&a, 0xa5, sizeof(a));
	memset(&zero, 0, sizeof(zero));
	if (netaddr_parse(text, dflt, &a) != -1)
		fail_msg("\"%s\" (default port %u) accepted", text, dflt);
	assert_memory_equal(&a, &zero, sizeof(a));
}

static void
with_port(void **state)
{
	(void)state;
	good("127.0.0.1:53", 0, AF_INET, "127.0.0.1", 53);
	good("0.0.0.0:5353", 0, AF_INET, "0.0.0.0", 5353);
	good("192.0.2.1:1", 0, AF_INET, "192.0.2.1", 1);
	good("192.0.2.1:65535", 0, AF_INET, "192.0.2.1", 65535);
	good("[::1]:53", 0, AF_INET6, "::1", 53);
	good("[::]:8053", 0, AF_INET6, "::", 8053);
	good("[2001:db8::1]:9100", 0, AF_INET6, "2001:db8::1", 9100);
	good("[::ffff:192.0.2.1]:53", 0, AF_INET6, "::ffff:192.0.2.1", 53);
	/* The host is the canonical form; the text stays as written. */
	good("[2001:DB8:0:0::1]:53", 0, AF_INET6, "2001:db8::1", 53);
	/* Leading zeros are still decimal. */
	good("127.0.0.1:0053", 0, AF_INET, "127.0.0.1", 53);
	/* An explicit port wins over the default. */
	good("127.0.0.1:5300", 53, AF_INET, "127.0.0.1", 5300);
	good("[::1]:5300", 53, AF_INET6, "::1", 5300);
}

static void
default_port(void **state)
{
	(void)state;
	good("127.0.0.1", 53, AF_INET, "127.0.0.1", 53);
	good("[::1]", 53, AF_INET6, "::1", 53);
	good("::1", 53, AF_INET6, "::1", 53);
	good("2001:db8::53", 53, AF_INET6, "2001:db8::53", 53);
	/* A bare IPv6 address never carries a port: its last group is
	 * part of the address. */
	good("2001:db8::1:53", 53, AF_INET6, "2001:db8::1:53", 53);
	/* Without a default, the port is required. */
	bad("127.0.0.1", 0);
	bad("[::1]", 0);
	bad("::1", 0);
	bad("2001:db8::1:53", 0);
	bad("2001:db8::1", 0);
}

static void
bad_ports(void **state)
{
	(void)state;
	bad("127.0.0.1:", 0);
	bad("127.0.0.1:", 53);
	bad("127.0.0.1:0", 0);
	bad("127.0.0.1:0", 53);
	bad("127.0.0.1:65536", 0);
	bad("127.0.0.1:99999", 0);
	bad("127.0.0.1:4294967349", 0); /* 2^32 + 53: no wrap-around */
	bad("127.0.0.1:-1", 0);
	bad("127.0.0.1:+53", 0);
	bad("127.0.0.1: 53", 0);
	bad("127.0.0.1:53 ", 0);
	bad("127.0.0.1:0x35", 0);
	bad("127.0.0.1:53a", 0);
	bad("127.0.0.1:domain", 0);
	bad("[::1]:", 0);
	bad("[::1]:0", 0);
	bad("[::1]:65536", 0);
	bad("[::1]:x", 0);
}

static void
bad_hosts(void **state)
{
	(void)state;
	bad("", 0);
	bad("", 53);
	bad(":53", 0);
	bad("[]:53", 0);
	bad("[]", 53);
	bad("999.1.1.1:53", 0);
	bad("1.2.3:53", 0);
	bad("127.1:53", 0); /* inet_aton's shorthand: not numeric enough */
	bad("localhost:53", 0);
	bad("localhost", 53);
	bad("example.net:53", 0);
	bad(" 127.0.0.1:53", 0);
	/* IPv4 never in brackets, IPv6 with a port always in them. */
	bad("[127.0.0.1]:53", 0);
	bad("[127.0.0.1]", 53);
	bad("::1:53:", 0);
	bad("[::1:53", 0);
	bad("::1]:53", 0);
	bad("[::1]53", 0);
	bad("[::1]:53:54", 0);
	bad("1.2.3.4:53:54", 0);
	bad("[[::1]]:53", 0);
	bad("[::1%lo]:53", 0); /* no scope ids */
	bad("[fe80::1%eth0]:53", 0);
	bad("[gggg::1]:53", 0);
	bad("[:::1]:53", 0);
}

static void
too_long(void **state)
{
	char text[NETADDR_TEXT + 8];

	(void)state;
	/* The longest IPv6 text with a port fits. */
	good("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535", 0,
	     AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
	/* A valid address padded past the limit with leading zeros. */
	memset(text, '0', sizeof(text));
	memcpy(text, "127.0.0.1:", 10);
	text[NETADDR_TEXT - 2] = '1';
	text[NETADDR_TEXT - 1] = '\0'; /* 63 characters: accepted */
	good(text, 0, AF_INET, "127.0.0.1", 1);
	text[NETADDR_TEXT - 1] = '1';
	text[NETADDR_TEXT] = '\0'; /* 64: refused */
	bad(text, 0);
	/* A host longer than any numeric address. */
	bad("[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]:53", 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(with_port), cmocka_unit_test(default_port),
	    cmocka_unit_test(bad_ports), cmocka_unit_test(bad_hosts),
	    cmocka_unit_test(too_long),
	};

	return cmocka_run_group_tests_name("netaddr", tests, NULL, NULL);
}
