/* SPDX-License-Identifier: MIT */
/* tests/lib/hex.c: hex text <-> octets, for the test tools and tests. */
#include "tests/lib/hex.h"

#include <string.h>

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *s, const char *skip, uint8_t *out, size_t cap,
           size_t *len)
{
	int hi = -1;

	*len = 0;
	for (; *s != '\0'; s++) {
		int v;

		if (skip != NULL && strchr(skip, *s) != NULL)
			continue;
		v = hex_digit(*s);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (*len == cap)
			return -1;
		out[(*len)++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? 0 : -1;
}

void
hex_print(FILE *f, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02x", p[i]);
}
