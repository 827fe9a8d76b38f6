/* SPDX-License-Identifier: MIT */
/*
 * common/dnsmsg.h: a look at a DNS message's records before a library
 * parses it, for what the library gets wrong.  ldns's ldns_wire2pkt()
 * keeps only the last TSIG record of a message and leaks the others
 * (NLnetLabs/ldns#317, in 1.8.3 and 1.9.2): a message with more than one,
 * which RFC 8945 §5.1 forbids anyway, must not reach it.
 */
#ifndef COMMON_DNSMSG_H
#define COMMON_DNSMSG_H

#include <stddef.h>
#include <stdint.h>

/*
 * How many records of type `type` the answer, authority and additional
 * sections of the message wire[0..len) hold (RFC 1035 §4.1), up to where
 * it ends or goes wrong: a record counts once its type is there, rdata
 * or not, since a parser may keep what it read before giving up.
 */
unsigned dnsmsg_count_type(const uint8_t *wire, size_t len, uint16_t type);

#endif
