/* SPDX-License-Identifier: MIT */
/*
 * dnsd/answer.h: one query in, one response out: the answer core that UDP
 * and TCP share.  A query is parsed once (query.h); a plain question for a
 * name and type compiled at load (prebuilt.h) is answered by a lookup and
 * two copies, any other by the zone walk (zone_walk.h) or CHAOS; either
 * way geo names answer through geo_answer.h.  Hot path.
 */
#ifndef DNSD_ANSWER_H
#define DNSD_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsd/query.h"

struct cookie_mac;
struct dnsd_stats;
struct sample;
struct serving;
struct sockaddr;

/* Response buffers: UDP answers never exceed the configured payload
 * (at most 4096), TCP answers at most 65535 octets. */
#define ANSWER_UDP_MAX 4096
#define ANSWER_TCP_MAX 65535

/*
 * What an answering thread brings to an answer besides the query: its
 * counters, its sample of geo clients for what-if (sample.h; NULL: none),
 * its SipHash for cookies (cookie.h; NULL: COOKIE options are ignored)
 * and the time cookies are made and judged at.
 */
struct answer_env {
	struct dnsd_stats *st;
	struct sample *smp;
	struct cookie_mac *mac;
	uint32_t now; /* seconds since the epoch */
};

/*
 * Answer `q` (query_parse()d) from `sv` (a snapshot and its edge health),
 * writing the response into `resp` (capacity `respcap`: ANSWER_UDP_MAX
 * for UDP, ANSWER_TCP_MAX for TCP).  Returns the response length, or 0
 * when no response must be sent (QR set, fewer than 2 octets).  Counts
 * what it saw in env->st.  One geo answer in the snapshot's server.sample
 * leaves its geo name and client in env->smp, the others cost a
 * decrement.  Judges the query's cookie (cookie.h) and sets q->kind and
 * q->about for rate limiting (rrl.h).
 *
 * A pure function of its inputs (Knot's layer API): no allocation, no
 * logging, no locks.  Whatever the query's bytes, it never reads outside
 * them, never writes past `respcap`, and always terminates.
 */
size_t answer_query(const struct serving *sv, struct query *q, uint8_t *resp,
                    size_t respcap, const struct answer_env *env);

/*
 * query_parse() then answer_query() (no sample, no cookies): the unit and
 * fuzz entry point.
 * `from` is the sender (AF_INET or AF_INET6; NULL when unknown): geo names
 * are answered for the EDNS Client Subnet when the query has one, else
 * for this address.
 */
size_t answer_packet(const struct serving *sv, const uint8_t *pkt, size_t len,
                     bool tcp, const struct sockaddr *from, uint8_t *resp,
                     size_t respcap, struct dnsd_stats *st);

/* Most queries answer_batch() takes at once. */
#define ANSWER_BATCH_MAX 32

/*
 * One query of a batch: in, the packet, its length and sender; out, the
 * parsed query and the response's length in `resp` (ANSWER_UDP_MAX
 * octets).  The caller keeps these: a batch is too big for a stack.
 */
struct answer_io {
	const uint8_t *pkt;
	size_t len;
	const struct sockaddr *from;
	uint8_t *resp;
	size_t rlen;
	struct query q;
};

/*
 * answer_packet() over UDP for each of `n` (at most ANSWER_BATCH_MAX)
 * queries, with the same octets and counts, and faster: the queries are
 * parsed first, and the memory their geo lookups read is fetched for all
 * of them before any is answered.
 */
void answer_batch(const struct serving *sv, struct answer_io *io, unsigned n,
                  const struct answer_env *env);

#endif
