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
 *	dnsd-health 1
 *	boot 3f2a9c1d00e4b7a2
 *	seq 42
 *	time 1764072000
 *	interval 5000
 *	lhr up
 *	fra down
 *	mac 9b1c...		(HMAC-SHA256 of every byte before this line,
 *				 64 hex digits; only with a key)
 *
 * Full snapshots are idempotent: a lost datagram costs nothing, and the
 * receiver drops one whose (boot, seq) is not newer than the last it took.
 * Edge names are those of the inventory; an edge missing from a message
 * is unknown to that prober.
 */
#define HMSG_VERSION 1
#define HMSG_MAX 65000 /* bytes: one datagram */
#define HMSG_EDGES_MAX 1500
#define HMSG_KEY_MAX 64 /* bytes of shared key */

enum hmsg_state { HMSG_UP = 1, HMSG_DOWN = 2 };

struct hmsg_edge {
	char name[EDGE_NAME_MAX];
	uint8_t state; /* enum hmsg_state */
};

struct hmsg {
	uint64_t boot;        /* random, new on every edge-health start */
	uint64_t seq;         /* +1 per message within a boot */
	uint64_t time;        /* sender's clock, Unix seconds */
	uint32_t interval_ms; /* sender's probe interval */
	size_t n;
	struct hmsg_edge edge[HMSG_EDGES_MAX];
};

/*
 * Encode `m` into `out`.  With a key (keylen > 0) the mac line is added.
 * Returns the length (no NUL), or -1 if it does not fit in `cap`.
 */
int hmsg_encode(const struct hmsg *m, const uint8_t *key, size_t keylen,
                char *out, size_t cap);

/*
 * Decode `len` bytes (not NUL-terminated; any bytes at all) into `out`.
 * With a key the mac line is required and checked in constant time; with
 * no key a mac line is ignored.  Returns 0, or -1 with *why set to a short
 * static reason ("bad mac", "line 7: unknown state", ...).
 */
int hmsg_decode(const char *in, size_t len, const uint8_t *key, size_t keylen,
                struct hmsg *out, const char **why);

/*
 * Read a shared key file: the key is the file's bytes up to the first
 * newline, at least 16 and at most HMSG_KEY_MAX.  Returns the key length,
 * or -1 with *why set.
 */
int hmsg_key_load(const char *path, uint8_t *key, const char **why);

#endif
