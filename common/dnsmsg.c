/* SPDX-License-Identifier: MIT */
/* common/dnsmsg.c: counting a DNS message's records (dnsmsg.h). */
#include "common/dnsmsg.h"

#define HEADER_LEN 12
#define NAME_LABELS_MAX 128 /* a 255-octet name has at most 127 labels */

/* Step *off over the name there (labels up to a root label or a
 * compression pointer); -1 if it is cut short or malformed. */
static int
skip_name(const uint8_t *wire, size_t len, size_t *off)
{
	size_t o = *off;

	for (unsigned n = 0; n < NAME_LABELS_MAX; n++) {
		if (o >= len)
			return -1;
		unsigned l = wire[o];
		if ((l & 0xC0) == 0xC0) {
			if (len - o < 2)
				return -1;
			*off = o + 2;
			return 0;
		}
		if (l & 0xC0)
			return -1; /* extended label types: not in use */
		o += 1 + l;
		if (l == 0) {
			*off = o;
			return 0;
		}
	}
	return -1;
}

static unsigned
u16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

unsigned
dnsmsg_count_type(const uint8_t *wire, size_t len, uint16_t type)
{
	size_t off = HEADER_LEN;
	unsigned found = 0;

	if (len < HEADER_LEN)
		return 0;
	unsigned qd = u16(wire + 4);
	unsigned rrs = u16(wire + 6) + u16(wire + 8) + u16(wire + 10);
	for (unsigned i = 0; i < qd; i++) {
		if (skip_name(wire, len, &off) == -1 || len - off < 4)
			return found;
		off += 4; /* type, class */
	}
	for (unsigned i = 0; i < rrs; i++) {
		if (skip_name(wire, len, &off) == -1 || len - off < 2)
			return found;
		found += u16(wire + off) == type;
		if (len - off < 10)
			return found;
		size_t rdlen = u16(wire + off + 8);
		off += 10; /* type, class, ttl, rdlength */
		if (len - off < rdlen)
			return found;
		off += rdlen;
	}
	return found;
}
