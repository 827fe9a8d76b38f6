/* SPDX-License-Identifier: MIT */
/* dnsd/stats.h: per-worker counters, plain integers summed on demand. */
#ifndef DNSD_STATS_H
#define DNSD_STATS_H

#include <stdint.h>

#define STATS_RCODES 24 /* extended rcodes below 24 counted one by one */

/*
 * Each worker owns one and is its only writer, so the query path needs no
 * locks or atomics; readers sum them (a torn read of a counter that is
 * being incremented is harmless for statistics on 64-bit platforms).
 */
struct dnsd_stats {
	uint64_t udp;                 /* queries received over UDP */
	uint64_t tcp;                 /* queries received over TCP */
	uint64_t rcode[STATS_RCODES]; /* responses by rcode */
	uint64_t dropped_qr;          /* "queries" with QR=1: never answered */
	uint64_t dropped_short;       /* under 2 octets: nothing to answer */
	uint64_t truncated;           /* UDP answers sent with TC */
	uint64_t edns;                /* queries with an OPT record */
	uint64_t ecs;                 /* queries with a Client Subnet option */
	uint64_t tcp_accepted;
	uint64_t tcp_rejected; /* over tcp_max_clients */
	uint64_t tcp_timeouts; /* closed for idleness */
	uint64_t send_errors;
};

/* sum += add */
void stats_add(struct dnsd_stats *sum, const struct dnsd_stats *add);

/* Log a one-line summary at info level ("stats: udp N tcp N ..."). */
void stats_log(const struct dnsd_stats *s);

#endif
