/* SPDX-License-Identifier: MIT */
/* dnsd/answer.h: one query in, one response out: the whole DNS logic. */
#ifndef DNSD_ANSWER_H
#define DNSD_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dnsd_stats;
struct health_view;
struct snapshot;
struct sockaddr;

/* Response buffers: UDP answers never exceed the configured payload
 * (at most 4096), TCP answers at most 65535 octets. */
#define ANSWER_UDP_MAX 4096
#define ANSWER_TCP_MAX 65535

/*
 * Answer the DNS message `query` of `qlen` octets from `snap`, writing the
 * response into `resp` (capacity `respcap`: ANSWER_UDP_MAX for UDP,
 * ANSWER_TCP_MAX for TCP).  Returns the response length, or 0 when no
 * response must be sent (QR set, fewer than 2 octets).  Counts what it saw
 * in `st`.
 *
 * A pure function of its inputs (Knot's layer API): no allocation, no
 * logging, no locks.  It is the unit, fuzz and benchmark entry point.
 * Whatever the bytes, it never reads outside `query`, never writes past
 * `respcap`, and always terminates.
 */
/*
 * The same, for a query that came from `from` (AF_INET or AF_INET6; NULL
 * when unknown), with edge health `view` (NULL: every edge usable): geo
 * names are answered for the EDNS Client Subnet when the query has one,
 * else for this address, with the first usable edges.  answer_query() is
 * this with `view` and `from` NULL.
 */
size_t answer_query_from(const struct snapshot *snap,
                         const struct health_view *view, const uint8_t *query,
                         size_t qlen, bool tcp, const struct sockaddr *from,
                         uint8_t *resp, size_t respcap, struct dnsd_stats *st);

/* Most queries answer_batch() takes at once. */
#define ANSWER_BATCH_MAX 32

/* One query of a batch: in, the query, its length and sender; out, the
 * response's length in `resp` (ANSWER_UDP_MAX octets). */
struct answer_io {
	const uint8_t *query;
	size_t qlen;
	const struct sockaddr *from;
	uint8_t *resp;
	size_t len;
};

/*
 * answer_query_from() over UDP for each of `n` (at most ANSWER_BATCH_MAX)
 * queries, with the same octets and counts, and faster: the queries are
 * parsed first, and the memory their geo lookups read is fetched for all
 * of them before any is answered.
 */
void answer_batch(const struct snapshot *snap, const struct health_view *view,
                  struct answer_io *io, unsigned n, struct dnsd_stats *st);

size_t answer_query(const struct snapshot *snap, const uint8_t *query,
                    size_t qlen, bool tcp, uint8_t *resp, size_t respcap,
                    struct dnsd_stats *st);

/*
 * For prebuilt.c: answer `query` through the full path only, over TCP
 * (no size limit below `respcap`, no client, every edge usable), and say
 * whether the answer depends on the client (it reached a geo name).
 */
size_t answer_query_prebuild(const struct snapshot *snap, const uint8_t *query,
                             size_t qlen, uint8_t *resp, size_t respcap,
                             struct dnsd_stats *st, bool *tailored);

#endif
