/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_dnsmsg.c: counting a message's records by type
 * (common/dnsmsg), as edge-health does before ldns reads a reply: every
 * section after the question counts, names may be compressed, and a
 * message that ends or goes wrong counts what came before.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/dnsmsg.h"

#define T_A 1
#define T_OPT 41
#define T_TSIG 250

/*
 * www.example.net A, NOERROR: one answer (owner a pointer to the
 * question), one authority (NS at example.net, a pointer into the
 * question's name) and two TSIG records (owner the root) in additional.
 */
static const uint8_t msg[] = {
    0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 1, 0, 2,
    /* question at 12: www.example.net A IN */
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0,
    0, T_A, 0, 1,
    /* answer: www.example.net A 192.0.2.1 */
    0xC0, 12, 0, T_A, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
    /* authority: example.net NS ns1.example.net */
    0xC0, 16, 0, 2, 0, 1, 0, 0, 0, 60, 0, 6, 3, 'n', 's', '1', 0xC0, 16,
    /* additional: two TSIG records, owner the root, 2 octets of rdata */
    0, 0, T_TSIG, 0, 255, 0, 0, 0, 0, 0, 2, 0xAB, 0xCD, 0, 0, T_TSIG, 0, 255, 0,
    0, 0, 0, 0, 2, 0xAB, 0xCD};

static void
counts_every_section(void **state)
{
	(void)state;
	assert_int_equal(dnsmsg_count_type(msg, sizeof(msg), T_A), 1);
	assert_int_equal(dnsmsg_count_type(msg, sizeof(msg), 2), 1);
	assert_int_equal(dnsmsg_count_type(msg, sizeof(msg), T_TSIG), 2);
	assert_int_equal(dnsmsg_count_type(msg, sizeof(msg), T_OPT), 0);
	/* the header alone: nothing announced, nothing counted */
	uint8_t hdr[12] = {0x12, 0x34, 0x84};
	assert_int_equal(dnsmsg_count_type(hdr, sizeof(hdr), T_TSIG), 0);
}

/* A message cut anywhere counts the records whose type is before the
 * cut, and never reads past it (ASan would tell). */
static void
cut_short(void **state)
{
	(void)state;
	const size_t tsig1 = sizeof(msg) - 2 * 13 + 3; /* its type's end */
	const size_t tsig2 = tsig1 + 13;

	for (size_t len = 0; len <= sizeof(msg); len++) {
		unsigned want = (len >= tsig1) + (len >= tsig2);
		if (dnsmsg_count_type(msg, len, T_TSIG) != want)
			fail_msg("cut at %zu: %u TSIG, want %u", len,
			         dnsmsg_count_type(msg, len, T_TSIG), want);
	}
}

/* Counting stops where the message goes wrong, with what came before. */
static void
malformed(void **state)
{
	(void)state;
	uint8_t m[sizeof(msg)];

	/* an extended label type (0x40) in the answer's owner */
	memcpy(m, msg, sizeof(m));
	m[33] = 0x41;
	assert_int_equal(dnsmsg_count_type(m, sizeof(m), T_TSIG), 0);
	assert_int_equal(dnsmsg_count_type(m, sizeof(m), T_A), 0);
	/* the first TSIG's rdlength runs past the end: it counts, the second
	 * is never reached */
	memcpy(m, msg, sizeof(m));
	m[sizeof(m) - 13 - 3] = 40;
	assert_int_equal(dnsmsg_count_type(m, sizeof(m), T_TSIG), 1);
	/* more records announced than there are: the ones there count */
	memcpy(m, msg, sizeof(m));
	m[10] = 1;
	assert_int_equal(dnsmsg_count_type(m, sizeof(m), T_TSIG), 2);
	/* a name of 200 one-octet labels: past the bound, no record read */
	uint8_t loop[12 + 2 * 200 + 1 + 4] = {0, 0, 0, 0, 0, 0, 0, 1};
	for (size_t i = 0; i < 200; i++) {
		loop[12 + 2 * i] = 1;
		loop[12 + 2 * i + 1] = 'a';
	}
	loop[12 + 400 + 2] = T_TSIG;
	assert_int_equal(dnsmsg_count_type(loop, sizeof(loop), T_TSIG), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(counts_every_section),
	    cmocka_unit_test(cut_short),
	    cmocka_unit_test(malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
