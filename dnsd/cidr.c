/* SPDX-License-Identifier: MIT */
/* dnsd/cidr.c: operator networks as geo tree keys. */
#include "dnsd/cidr.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cidr_parse(const char *s, uint8_t key[16], unsigned *plen)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	uint8_t a[16];

	if (slash == NULL || (size_t)(slash - s) >= sizeof(addr))
		return -1;
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - s), s);
	char *end;
	unsigned long len = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || slash[1] == '\0' ||
	    !isdigit((unsigned char)slash[1]))
		return -1;
	memset(key, 0, 16);
	if (inet_pton(AF_INET, addr, a) == 1 && len <= 32) {
		memcpy(key + 12, a, 4);
		*plen = 96 + (unsigned)len;
	} else if (inet_pton(AF_INET6, addr, a) == 1 && len <= 128) {
		memcpy(key, a, 16);
		*plen = (unsigned)len;
	} else {
		return -1;
	}
	/* Bits past the prefix must be zero, or the operator mistyped. */
	for (unsigned bit = *plen; bit < 128; bit++)
		if (key[bit / 8] & (0x80 >> (bit % 8)))
			return -1;
	return 0;
}
