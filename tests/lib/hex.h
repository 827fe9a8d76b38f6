/* SPDX-License-Identifier: MIT */
/* tests/lib/hex.h: hex text <-> octets, for the test tools and tests. */
#ifndef TESTS_LIB_HEX_H
#define TESTS_LIB_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The value of one hex digit (either case), or -1. */
int hex_digit(int c);

/*
 * Decode hex text into `out` (at most `cap` octets), ignoring any character
 * of `skip` between digits (NULL skips nothing).  Returns 0 with *len set;
 * -1 on a non-hex character, an odd digit count, or more than `cap` octets.
 */
int hex_decode(const char *s, const char *skip, uint8_t *out, size_t cap,
               size_t *len);

/* Print `len` octets as lower-case hex, no separators, no newline. */
void hex_print(FILE *f, const uint8_t *p, size_t len);

#endif
