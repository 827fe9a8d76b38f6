/* SPDX-License-Identifier: MIT */
/*
 * dnsd/rrl.h: response rate limiting over UDP (BIND's and Knot's RRL).
 *
 * Responses are counted per client network (the sender's /24 or /56) and
 * per kind of response: an answer for one name and type, a wildcard, a
 * NODATA, NXDOMAIN or referral from one zone, or an error.  Each pair has
 * a token bucket of `rate` responses a second and `burst` deep.  Over it,
 * a response is dropped, except every `slip`-th, which goes out truncated
 * (TC, no records) so that a real resolver behind that address retries
 * over TCP, or, to a client that sent a server cookie that is not valid,
 * as BADCOOKIE with a fresh one (RFC 7873 §5.2.3), after which its
 * queries are exempt.  A forged source address (a reflection attack's
 * victim) thus receives at most `rate` full responses a second per kind,
 * and slips no longer than the queries.
 *
 * Never limited: TCP (the handshake proves the address), a valid server
 * cookie (so does the cookie), and the `exempt` networks.
 *
 * The table belongs to one UDP thread: fixed size, no lock, no allocation
 * per query.  An entry is a key and a GCRA timestamp; sets of two share a
 * cache line and the idlest entry of a full set makes room.  With several
 * workers, the kernel spreads a network's queries over their threads by
 * source port (SO_REUSEPORT), as resolvers and forgers randomise it: each
 * thread allows its share, rate / workers, so that the network gets
 * `rate` in all.  A slip is never longer than the query it answers.
 */
#ifndef DNSD_RRL_H
#define DNSD_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dnsd_stats;
struct query;

#define RRL_EXEMPT_MAX 256

/* The rrl: section of dnsd.yaml, loaded with the snapshot. */
struct rrl_conf {
	bool enabled;
	bool log_only; /* count and log what would be limited; limit nothing */
	unsigned rate; /* responses a second per network and kind */
	unsigned burst;
	unsigned slip; /* 1 in `slip` limited responses goes truncated */
	unsigned ipv4_prefix, ipv6_prefix;
	unsigned table_size; /* entries per UDP thread, a power of two */
	/* derived at load: GCRA's emission interval and tolerance */
	uint64_t interval_ns, tolerance_ns;
	unsigned nexempt;
	struct rrl_net {
		uint8_t key[16]; /* geo tree layout (cidr.h) */
		uint8_t plen;
	} exempt[RRL_EXEMPT_MAX];
};

/*
 * Fill the fields derived from rate and burst (interval_ns, tolerance_ns)
 * for one of `threads` UDP threads that share a listening address: each
 * allows rate / threads, and burst / threads (at least 1).  Load path.
 */
void rrl_conf_derive(struct rrl_conf *c, unsigned threads);

/* A UDP thread's table. */
struct rrl;

/* New, with `entries` (rounded up to a power of two, at least 4). */
struct rrl *rrl_new(unsigned entries);
void rrl_free(struct rrl *t); /* NULL is a no-op */
unsigned rrl_entries(const struct rrl *t);

/*
 * Apply the limit to the response of `len` octets in `resp` just made
 * for `q` (answer_query() set q->kind and q->about) at `now_ns`
 * (CLOCK_MONOTONIC).  Returns the length to send: `len`, the slip
 * response's, or 0 to drop.  `udp_payload` is the size our OPT advertises.
 * Counts in `st`; logs a limited network once a minute.  Hot path.
 */
size_t rrl_apply(struct rrl *t, const struct rrl_conf *c, struct query *q,
                 uint8_t *resp, size_t len, uint64_t now_ns,
                 uint16_t udp_payload, struct dnsd_stats *st);

#endif
