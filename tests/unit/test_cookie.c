/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_cookie.c: DNS cookies (RFC 7873) in the format of RFC
 * 9018: its appendix's vectors, freshness, rotation, addresses, the
 * COOKIE option's parsing, and the secret file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "dnsd/cookie.h"
#include "dnsd/edns.h"
#include "dnsd/wire.h"
#include "tests/lib/hex.h"
#include "tests/lib/pkt.h"
#include "tests/lib/sock.h"

/* RFC 9018 Appendix A.1 and A.2 */
#define A_SECRET "e5e973e5a6b2a43f48e7dc849e37bfcf"
#define A_CLIENT "2464c4abcf10c957"
#define A_IP "198.51.100.100"
#define A1_TIME 1559731985u
#define A1_SERVER "010000005cf79f111f8130c3eee29480"
#define A2_TIME 1559734385u
#define A2_SERVER "010000005cf7a871d4a564a1442aca77"

struct fix {
	struct cookie_mac *mac;
	struct cookie_conf conf;
	struct sockaddr_storage from;
	uint8_t opt[EDNS_COOKIE_MAX];
	struct edns e;
};

static void
unhex(const char *s, uint8_t *out, size_t len)
{
	size_t got = 0;

	assert_int_equal(hex_decode(s, NULL, out, len, &got), 0);
	assert_int_equal(got, len);
}

static void
set_from(struct fix *f, const char *ip)
{
	assert_int_equal(sock_addr(ip, &f->from), 0);
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	f->mac = cookie_mac_new();
	assert_non_null(f->mac);
	f->conf.enabled = true;
	f->conf.nsecrets = 1;
	unhex(A_SECRET, f->conf.secret[0], COOKIE_SECRET_LEN);
	set_from(f, A_IP);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	cookie_mac_free(f->mac);
	free(f);
	return 0;
}

/* Judge the cookie client (hex) + server (hex, or NULL) at `now`. */
static unsigned
judge(struct fix *f, const char *client, const char *server, uint32_t now)
{
	size_t n = strlen(client) / 2 + (server ? strlen(server) / 2 : 0);

	memset(&f->e, 0, sizeof(f->e));
	unhex(client, f->opt, EDNS_COOKIE_CLIENT);
	if (server != NULL)
		unhex(server, f->opt + EDNS_COOKIE_CLIENT,
		      n - EDNS_COOKIE_CLIENT);
	f->e.present = true;
	f->e.cookie = f->opt;
	f->e.cookie_len = (uint8_t)n;
	cookie_judge(f->mac, &f->conf, &f->e, (const struct sockaddr *)&f->from,
	             now);
	return f->e.cookie_state;
}

static void
assert_reply(const struct fix *f, const char *hex)
{
	uint8_t want[EDNS_COOKIE_SERVER];

	unhex(hex, want, sizeof(want));
	assert_memory_equal(f->e.cookie_reply, want, sizeof(want));
}

/* The reply's server cookie as hex, to send it back. */
static void
reply_hex(const struct fix *f, char out[2 * EDNS_COOKIE_SERVER + 1])
{
	for (unsigned i = 0; i < EDNS_COOKIE_SERVER; i++)
		snprintf(out + 2 * i, 3, "%02x", f->e.cookie_reply[i]);
}

static void
rfc9018_learning(void **state)
{
	struct fix *f = *state;

	/* A.1: a client cookie alone gets the server cookie of the RFC */
	assert_int_equal(judge(f, A_CLIENT, NULL, A1_TIME),
	                 EDNS_COOKIE_CLIENT_ONLY);
	assert_reply(f, A1_SERVER);
}

static void
rfc9018_renewed(void **state)
{
	struct fix *f = *state;

	/* A.2: sent back 40 minutes later: valid, and renewed (over 30) */
	assert_int_equal(judge(f, A_CLIENT, A1_SERVER, A2_TIME),
	                 EDNS_COOKIE_VALID);
	assert_reply(f, A2_SERVER);
}

static void
young_cookie_echoed(void **state)
{
	struct fix *f = *state;

	assert_int_equal(judge(f, A_CLIENT, A1_SERVER, A1_TIME + 60),
	                 EDNS_COOKIE_VALID);
	assert_reply(f, A1_SERVER);
	assert_int_equal(judge(f, A_CLIENT, A1_SERVER, A1_TIME + 1800),
	                 EDNS_COOKIE_VALID);
	assert_reply(f, A1_SERVER);
	/* five minutes ahead of our clock: still ours (clock skew in a fleet)
	 */
	assert_int_equal(judge(f, A_CLIENT, A1_SERVER, A1_TIME - 300),
	                 EDNS_COOKIE_VALID);
}

static void
stale_or_future_is_bad(void **state)
{
	struct fix *f = *state;

	assert_int_equal(judge(f, A_CLIENT, A1_SERVER, A1_TIME + 3600),
	                 EDNS_COOKIE_VALID);
	assert_int_equal(judge(f, A_CLIENT, A1_SERVER, A1_TIME + 3601),
	                 EDNS_COOKIE_BAD);
	/* a bad cookie gets a fresh one, made now */
	char hex[2 * EDNS_COOKIE_SERVER + 1];
	reply_hex(f, hex);
	assert_int_equal(judge(f, A_CLIENT, hex, A1_TIME + 3700),
	                 EDNS_COOKIE_VALID);
	assert_int_equal(judge(f, A_CLIENT, A1_SERVER, A1_TIME - 301),
	                 EDNS_COOKIE_BAD);
}

static void
forged_is_bad(void **state)
{
	struct fix *f = *state;

	/* one bit of the hash, the version, a reserved octet, the client
	 * cookie: each makes it someone else's */
	assert_int_equal(
	    judge(f, A_CLIENT, "010000005cf79f111f8130c3eee29481", A1_TIME),
	    EDNS_COOKIE_BAD);
	assert_int_equal(
	    judge(f, A_CLIENT, "020000005cf79f111f8130c3eee29480", A1_TIME),
	    EDNS_COOKIE_BAD);
	assert_int_equal(
	    judge(f, A_CLIENT, "010001005cf79f111f8130c3eee29480", A1_TIME),
	    EDNS_COOKIE_BAD);
	assert_int_equal(judge(f, "2464c4abcf10c958", A1_SERVER, A1_TIME),
	                 EDNS_COOKIE_BAD);
	/* a server cookie of another length (8 to 32 is legal): not ours */
	assert_int_equal(judge(f, A_CLIENT, "010000005cf79f11", A1_TIME),
	                 EDNS_COOKIE_BAD);
	assert_int_equal(
	    judge(f, A_CLIENT, "010000005cf79f111f8130c3eee2948000", A1_TIME),
	    EDNS_COOKIE_BAD);
}

static void
bound_to_the_address(void **state)
{
	struct fix *f = *state;
	char hex[2 * EDNS_COOKIE_SERVER + 1];

	set_from(f, "198.51.100.101");
	assert_int_equal(judge(f, A_CLIENT, A1_SERVER, A1_TIME),
	                 EDNS_COOKIE_BAD);
	/* IPv6: the whole address goes in */
	set_from(f, "2001:db8:220:1:59de:d0f4:8769:82b8");
	judge(f, A_CLIENT, NULL, A1_TIME);
	reply_hex(f, hex);
	assert_int_equal(judge(f, A_CLIENT, hex, A1_TIME + 1),
	                 EDNS_COOKIE_VALID);
	set_from(f, "2001:db8:220:1:59de:d0f4:8769:82b9");
	assert_int_equal(judge(f, A_CLIENT, hex, A1_TIME + 1), EDNS_COOKIE_BAD);
}

static void
fleet_and_rotation(void **state)
{
	struct fix *f = *state;
	struct cookie_mac *other = cookie_mac_new();
	char old[2 * EDNS_COOKIE_SERVER + 1], hex[2 * EDNS_COOKIE_SERVER + 1];

	/* another dnsd (its own MAC context) with the same secret agrees */
	judge(f, A_CLIENT, NULL, A1_TIME);
	reply_hex(f, old);
	struct cookie_mac *mine = f->mac;
	f->mac = other;
	assert_int_equal(judge(f, A_CLIENT, old, A1_TIME + 5),
	                 EDNS_COOKIE_VALID);
	assert_reply(f, old);
	f->mac = mine;
	cookie_mac_free(other);

	/* rotation: a new secret first, the old one second */
	memcpy(f->conf.secret[1], f->conf.secret[0], COOKIE_SECRET_LEN);
	unhex("00112233445566778899aabbccddeeff", f->conf.secret[0],
	      COOKIE_SECRET_LEN);
	f->conf.nsecrets = 2;
	assert_int_equal(judge(f, A_CLIENT, old, A1_TIME + 10),
	                 EDNS_COOKIE_VALID);
	/* ... answered with one made with the new secret at once */
	reply_hex(f, hex);
	assert_string_not_equal(hex, old);
	f->conf.nsecrets = 1;
	assert_int_equal(judge(f, A_CLIENT, hex, A1_TIME + 11),
	                 EDNS_COOKIE_VALID);
	assert_int_equal(judge(f, A_CLIENT, old, A1_TIME + 12),
	                 EDNS_COOKIE_BAD);
}

/* ---- the COOKIE option ---------------------------------------------------
 */

/* edns_parse_rr over an OPT carrying options of these lengths (code 10). */
static int
parse_cookies(struct edns *e, const size_t *lens, unsigned n)
{
	struct pkt p;
	struct wcur c;
	uint8_t data[64];

	memset(data, 0xAB, sizeof(data));
	memset(e, 0, sizeof(*e));
	pkt_init(&p);
	size_t mark = pkt_rr_begin(&p, T_OPT, 1232, 0);
	for (unsigned i = 0; i < n; i++)
		pkt_option(&p, EDNS_OPT_COOKIE, data, lens[i]);
	pkt_rr_end(&p, mark);
	wcur_init(&c, p.b, p.len);
	return edns_parse_rr(&c, true, e);
}

static void
option_lengths(void **state)
{
	struct edns e;
	static const size_t good[] = {8, 16, 24, 40};
	static const size_t bad[] = {0, 5, 7, 9, 12, 15, 41, 64};

	(void)state;
	/* RFC 7873 §5.2.2: 8 (client only) or 16 to 40; else FORMERR */
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(parse_cookies(&e, &good[i], 1), 0);
		assert_non_null(e.cookie);
		assert_int_equal(e.cookie_len, good[i]);
		assert_int_equal(e.cookie_state, EDNS_COOKIE_NONE);
	}
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_cookies(&e, &bad[i], 1), -1);
	/* a second COOKIE option */
	assert_int_equal(parse_cookies(&e, good, 2), -1);
}

static void
option_written(void **state)
{
	struct fix *f = *state;
	uint8_t out[128];

	judge(f, A_CLIENT, NULL, A1_TIME);
	size_t len = edns_opt_len(&f->e, 0);
	assert_int_equal(len, 11 + 4 + 24);
	assert_int_equal(edns_put_opt(out, &f->e, 1232, 0, 0, NULL, 0), len);
	/* option 10, length 24: the client's cookie, then ours */
	assert_int_equal(out[11] << 8 | out[12], EDNS_OPT_COOKIE);
	assert_int_equal(out[13] << 8 | out[14], 24);
	uint8_t want[24];
	unhex(A_CLIENT A1_SERVER, want, sizeof(want));
	assert_memory_equal(out + 15, want, sizeof(want));
	/* no option sent: none written */
	f->e.cookie_state = EDNS_COOKIE_NONE;
	assert_int_equal(edns_opt_len(&f->e, 0), 11);
}

/* ---- the secret file ------------------------------------------------------
 */

static char *
write_file(const char *text)
{
	char *path = strdup("/tmp/test_cookie.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static unsigned
load(const char *text, struct cookie_conf *c, struct errbuf *err)
{
	char *path = write_file(text);

	memset(c, 0, sizeof(*c));
	errbuf_init(err);
	cookie_secrets_load(path, c, err);
	unlink(path);
	free(path);
	return err->count;
}

static void
secret_file(void **state)
{
	struct cookie_conf c;
	struct errbuf err;
	uint8_t want[COOKIE_SECRET_LEN];

	(void)state;
	char comment[400];
	memset(comment, 'x', sizeof(comment) - 2);
	comment[0] = '#';
	comment[sizeof(comment) - 2] = '\n';
	comment[sizeof(comment) - 1] = '\0';
	assert_int_equal(load(comment, &c, &err), 1); /* no secret */
	assert_non_null(strstr(errbuf_text(&err), "no secret"));
	errbuf_fini(&err);
	assert_int_equal(load("# rotated 2026-12-01\n"
	                      "00112233445566778899AABBCCDDEEFF # new\n\n"
	                      "  " A_SECRET "  \n",
	                      &c, &err),
	                 0);
	assert_int_equal(c.nsecrets, 2);
	unhex("00112233445566778899aabbccddeeff", want, sizeof(want));
	assert_memory_equal(c.secret[0], want, sizeof(want));
	unhex(A_SECRET, want, sizeof(want));
	assert_memory_equal(c.secret[1], want, sizeof(want));
	errbuf_fini(&err);

	/* a stray character: file:line:col, where the secret starts */
	assert_int_equal(load(A_SECRET "\n0011223344556677889900aabbccddee\n"
	                               "  00112233445566778899aabbccddeeg0\n",
	                      &c, &err),
	                 1);
	assert_non_null(strstr(errbuf_text(&err), ":3:3: cookies: expected"));
	errbuf_fini(&err);
	assert_int_equal(load("0011223344556677889900aabbccdde\n", &c, &err),
	                 1);
	errbuf_fini(&err);
	/* empty, or too many */
	assert_int_equal(load("# nothing\n", &c, &err), 1);
	assert_non_null(strstr(errbuf_text(&err), "no secret"));
	errbuf_fini(&err);
	assert_int_equal(load(A_SECRET "\n" A_SECRET "\n" A_SECRET "\n" A_SECRET
	                               "\n" A_SECRET "\n",
	                      &c, &err),
	                 1);
	assert_non_null(strstr(errbuf_text(&err), ":5:1: cookies: more than"));
	errbuf_fini(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(rfc9018_learning, setup, teardown),
	    cmocka_unit_test_setup_teardown(rfc9018_renewed, setup, teardown),
	    cmocka_unit_test_setup_teardown(young_cookie_echoed, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(stale_or_future_is_bad, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(forged_is_bad, setup, teardown),
	    cmocka_unit_test_setup_teardown(bound_to_the_address, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(fleet_and_rotation, setup,
	                                    teardown),
	    cmocka_unit_test(option_lengths),
	    cmocka_unit_test_setup_teardown(option_written, setup, teardown),
	    cmocka_unit_test(secret_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
