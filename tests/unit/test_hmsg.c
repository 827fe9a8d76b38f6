/* SPDX-License-Identifier: MIT */
/* tests/unit/test_hmsg.c: the health feed codec: round trips, macs, every
 * malformed line, limits, and key files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
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
	m->boot = 0x3f2a9c1d00e4b7a2ULL;
	m->seq = 42;
	m->time = 1764072000;
	m->interval_ms = 5000;
	m->n = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(m->edge[i].name, sizeof(m->edge[i].name), "e%zu", i);
		m->edge[i].state = i % 3 == 0 ? HMSG_DOWN : HMSG_UP;
	}
}

static void
assert_same(const struct hmsg *a, const struct hmsg *b)
{
	assert_true(a->boot == b->boot);
	assert_true(a->seq == b->seq);
	assert_true(a->time == b->time);
	assert_int_equal(a->interval_ms, b->interval_ms);
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->edge[i].name, b->edge[i].name);
		assert_int_equal(a->edge[i].state, b->edge[i].state);
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
	assert_string_equal(buf, "dnsd-health 1\nboot 3f2a9c1d00e4b7a2\n"
	                         "seq 42\ntime 1764072000\ninterval 5000\n"
	                         "e0 down\ne1 up\ne2 up\n");
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

#define HDR "dnsd-health 1\nboot 0000000000000001\nseq 1\ntime 2\ninterval 3\n"

static void
malformed(void **state)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
	    {"", "empty message"},
	    {"dnsd-health 1", "line 1: no newline at end"},
	    {"dnsd-health 2\n", "line 1: unsupported version"},
	    {"dnsd-health 11\n", "line 1: unsupported version"},
	    {"dnsd-health\n", "line 1: no space"},
	    {"dnsd-health  1\n", "line 1: too many fields"},
	    {"dnsd-health 1 \n", "line 1: too many fields"},
	    {"hello 1\n", "line 1: not a health message"},
	    {"\n", "line 1: no space"},
	    {"dnsd-health 1\r\n", "line 1: unsupported version"},
	    {"dnsd-health 1\n", "truncated header"},
	    {"dnsd-health 1\nseq 1\n", "line 2: unexpected line"},
	    {"dnsd-health 1\nboot 1\n", "line 2: bad boot id"},
	    {"dnsd-health 1\nboot 00000000000000001\n", "line 2: bad boot id"},
	    {"dnsd-health 1\nboot 000000000000000g\n", "line 2: bad boot id"},
	    {"dnsd-health 1\nboot 0000000000000001\nseq -1\n",
	     "line 3: bad number"},
	    {"dnsd-health 1\nboot 0000000000000001\nseq +1\n",
	     "line 3: bad number"},
	    {"dnsd-health 1\nboot 0000000000000001\nseq 01\n",
	     "line 3: bad number"},
	    {"dnsd-health 1\nboot 0000000000000001\nseq \n",
	     "line 3: bad number"},
	    {"dnsd-health 1\nboot 0000000000000001\nseq 18446744073709551616\n",
	     "line 3: bad number"},
	    {"dnsd-health 1\nboot 0000000000000001\nseq 99999999999999999999\n",
	     "line 3: bad number"},
	    {"dnsd-health 1\nboot 0000000000000001\nseq 1\ntime 1x\n",
	     "line 4: bad number"},
	    {"dnsd-health 1\nboot 0000000000000001\nseq 1\ntime 1\n"
	     "interval 4294967296\n",
	     "line 5: bad number"},
	    {"dnsd-health 1\nboot 0000000000000001\nseq 1\ntime 1\n"
	     "lhr up\n",
	     "line 5: unexpected line"},
	    {HDR "lhr\n", "line 6: no space"},
	    {HDR "lhr up\n\n", "line 7: no space"},
	    {HDR "lhr sideways\n", "line 6: unknown state"},
	    {HDR "lhr UP\n", "line 6: unknown state"},
	    {HDR "lhr up \n", "line 6: too many fields"},
	    {HDR "lhr  up\n", "line 6: too many fields"},
	    {HDR " up\n", "line 6: bad edge name"},
	    {HDR "LHR up\n", "line 6: bad edge name"},
	    {HDR "-lhr up\n", "line 6: bad edge name"},
	    {HDR "l.hr up\n", "line 6: bad edge name"},
	    {HDR "abcdefghijabcdefghijabcdefghij012 up\n",
	     "line 6: bad edge name"},
	    {HDR "lhr up\nfra down\nlhr down\n", "line 8: duplicate edge"},
	    {HDR "lhr up\nmac 00\n", "line 7: bad mac line"},
	    {HDR "mac 000000000000000000000000000000000000000000000000000000000"
	         "000000g\n",
	     "line 6: bad mac line"},
	    {HDR "mac 000000000000000000000000000000000000000000000000000000000"
	         "0000000\nlhr up\n",
	     "line 7: data after mac"},
	    {HDR "mac 000000000000000000000000000000000000000000000000000000000"
	         "0000000\nmac 000000000000000000000000000000000000000000000000"
	         "00000000000000\n",
	     "line 7: data after mac"},
	    {HDR "lhr up\ntrailing", "line 7: no newline at end"},
	    {HDR "lhr up", "line 6: no newline at end"},
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
	assert_int_equal(dec("dnsd-health 1\nboot FFFFFFFFFFFFFFFF\n"
	                     "seq 18446744073709551615\ntime 0\n"
	                     "interval 4294967295\n"
	                     "abcdefghijabcdefghijabcdefghij0 up\n"
	                     "a_b-9 down\n",
	                     NULL, &why),
	                 0);
	assert_true(got.boot == UINT64_MAX);
	assert_true(got.seq == UINT64_MAX);
	assert_int_equal(got.interval_ms, UINT32_MAX);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.edge[1].state, HMSG_DOWN);
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
	/* HMSG_EDGES_MAX edges with a key fit in one datagram. */
	fill(&msg, HMSG_EDGES_MAX);
	n = hmsg_encode(&msg, key1, KEYLEN, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(hmsg_decode(buf, (size_t)n, key1, KEYLEN, &got, &why),
	                 0);
	assert_same(&msg, &got);
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
