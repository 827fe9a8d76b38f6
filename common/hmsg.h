/* SPDX-License-Identifier: MIT */
/* common/hmsg.h: the health feed message, edge-health -> dnsd: THE contract
 * between the two daemons.  A pure codec: no I/O, no allocation. */
#ifndef COMMON_HMSG_H
#define COMMON_HMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/edges.h"

/*
 * One datagram is a full snapshot of every probed edge, as text (easy to
 * read with socat, easy to fuzz):
 *
 *	dnsd-health 3
 *	prober pop-lhr-1
 *	boot 3f2a9c1d00e4b7a2
 *	seq 42
 *	round 40
 *	time 1764072000
 *	interval 5000
 *	lhr up load=0.83 weight=20 drain=0
 *	fra down
 *	mac 9b1c...		(HMAC-SHA256 of every byte before this line,
 *				 64 hex digits; only with a key)
 *
 * `prober` names the edge-health that sent it (its `prober` setting):
 * a receiver keeps one view per prober and drops a message whose (boot,
 * seq) is not newer than the last it took from that prober.  Full
 * snapshots are idempotent: a lost datagram costs nothing.
 * `round` counts the prober's periodic reports of this boot (1, 2, ...);
 * a report sent at once on a transition carries the current round again
 * (0 before the first periodic one), so a receiver can act once per round
 * and every receiver of one prober acts in the same steps.  Edge names are
 * those of the inventory; an edge missing from a message is unknown to
 * that prober.
 *
 * After its state, an edge line may carry what the edge reported about
 * itself in its health check's body, each token at most once, in any
 * order (the encoder writes this order):
 *	load=F		0 <= F <= 1000, 1 meaning fully loaded; plain decimal
 *			with at most four decimals ("0.83", "1", "12.5");
 *			F decodes to exactly the double nearest to that
 *			decimal, so every receiver gets the same value
 *	weight=N	0..255, plain decimal
 *	drain=0|1	the edge asks for no new clients
 * Anything else (an unknown token, a duplicate, a value out of range or
 * in another form) makes the message bad: the sender is edge-health.
 * Older versions (1: no `round` nor tokens; 2: no `prober`) are refused:
 * both daemons ship together.
 */
#define HMSG_VERSION 3
#define HMSG_MAX 65000 /* bytes: one datagram */
#define HMSG_EDGES_MAX 1500
#define HMSG_KEY_MAX 64      /* bytes of shared key */
#define HMSG_LOAD_MAX 1000.0 /* the largest load=F */
#define HMSG_PROBER_MAX 64   /* bytes of a prober name, with its NUL */

enum hmsg_state { HMSG_UP = 1, HMSG_DOWN = 2 };

/* What the edge itself reported in its health-check body (bits of has). */
#define HMSG_HAS_LOAD 1u
#define HMSG_HAS_WEIGHT 2u
#define HMSG_HAS_DRAIN 4u
struct hmsg_edge {
	char name[EDGE_NAME_MAX];
	uint8_t state;  /* enum hmsg_state */
	uint8_t has;    /* HMSG_HAS_*: which of the three below are set */
	uint8_t weight; /* 0..255 */
	bool drain;
	double load; /* >= 0; 1 means fully loaded */
};

struct hmsg {
	char prober[HMSG_PROBER_MAX]; /* hmsg_prober_valid */
	uint64_t boot;        /* random, new on every edge-health start */
	uint64_t seq;         /* +1 per message within a boot */
	uint64_t round;       /* periodic reports of this boot so far */
	uint64_t time;        /* sender's clock, Unix seconds */
	uint32_t interval_ms; /* sender's probe interval */
	size_t n;
	struct hmsg_edge edge[HMSG_EDGES_MAX];
};

/*
 * Encode `m` into `out`.  With a key (keylen > 0) the mac line is added.
 * An edge's load, weight and drain are written only if their bit is in
 * `has`; the load is rounded to four decimals (hmsg_load_round).  Returns
 * the length (no NUL), or -1 if it does not fit in `cap` or `m` holds
 * what the decoder would refuse (a bad name or state, an unknown `has`
 * bit, a load that is not a number in 0..HMSG_LOAD_MAX).
 */
int hmsg_encode(const struct hmsg *m, const uint8_t *key, size_t keylen,
                char *out, size_t cap);

/*
 * Decode `len` bytes (not NUL-terminated; any bytes at all) into `out`.
 * With a key the mac line is required and checked in constant time; with
 * no key a mac line is ignored.  Returns 0, or -1 with *why set to a short
 * static reason ("bad mac", "line 7: unknown state", "line 7: bad load",
 * ...).  Fields an edge line does not carry are zero (has tells).
 */
int hmsg_decode(const char *in, size_t len, const uint8_t *key, size_t keylen,
                struct hmsg *out, const char **why);

/*
 * Whether `len` octets at `s` make a prober name: 1 to HMSG_PROBER_MAX - 1
 * letters, digits, '-', '_' and '.', not starting with '-' or '.' (a host
 * name fits).
 */
bool hmsg_prober_valid(const char *s, size_t len);

/*
 * The load a receiver decodes when `load` (0..HMSG_LOAD_MAX) is sent:
 * rounded to four decimals.  A sender that keeps this value shows what
 * its receivers see.
 */
double hmsg_load_round(double load);

/*
 * Read a shared key file: the key is the file's bytes up to the first
 * newline, at least 16 and at most HMSG_KEY_MAX.  Returns the key length,
 * or -1 with *why set.
 */
int hmsg_key_load(const char *path, uint8_t *key, const char **why);

#endif
