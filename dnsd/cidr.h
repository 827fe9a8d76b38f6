/* SPDX-License-Identifier: MIT */
/* dnsd/cidr.h: the networks operators write in geo names and their files
 * ("192.0.2.0/24", "2001:db8::/32"), as geo tree keys.  Load path. */
#ifndef DNSD_CIDR_H
#define DNSD_CIDR_H

#include <stdint.h>

/*
 * Parse "ADDRESS/LENGTH" (IPv4 or IPv6, LENGTH in decimal) into the tree
 * layout of geo/geo.h: IPv4 as ::a.b.c.d, its length plus 96.  Bits past
 * LENGTH must be zero (set ones are a typo more often than not).  Returns
 * 0, or -1 (key and plen then undefined).  Pure.
 */
int cidr_parse(const char *s, uint8_t key[16], unsigned *plen);

#endif
