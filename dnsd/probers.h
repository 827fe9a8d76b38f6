/* SPDX-License-Identifier: MIT */
/*
 * dnsd/probers.h: the probers that feed this dnsd, one view each, and
 * their vote on every edge of the inventory.
 *
 * Each edge-health names itself in its messages (hmsg.h `prober`).  A
 * prober is fresh while its messages keep coming; only fresh probers
 * vote, and only on the edges they probe.  A prober that finds most of
 * its edges down while the other fresh probers find them up has more
 * likely lost its own network than every edge at once: it is isolated,
 * and its votes are ignored until it agrees again.
 *
 * No I/O besides the log; the caller passes the monotonic time.  Main
 * thread (dnsd/health.c owns the table).
 */
#ifndef DNSD_PROBERS_H
#define DNSD_PROBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/edges.h"
#include "common/hmsg.h"

#define PROBERS_MAX 32 /* more are dropped (and counted) */
/* The isolation breaker judges a prober only when it finds at least
 * this many edges down. */
#define PROBERS_ISOLATION_MIN 3
/* A prober silent this long is forgotten while another one is fresh. */
#define PROBERS_FORGET_MS (3600u * 1000u)

/* When the fresh probers' votes make an edge down (`down_when`). */
enum vote_rule {
	VOTE_MAJORITY, /* more than half of the voters (the default) */
	VOTE_ALL,      /* every voter */
	VOTE_COUNT,    /* at least `count`, or every voter if fewer vote */
};

struct vote_conf {
	enum vote_rule rule;
	unsigned count;  /* VOTE_COUNT */
	double max_down; /* isolation: a prober finding more than this
	                    fraction of its edges down may be isolated;
	                    1 turns the breaker off */
};

extern const struct vote_conf vote_conf_default;

/* An edge's votes. */
struct vote {
	uint8_t state; /* HMSG_UP, HMSG_DOWN, or 0: nobody votes */
	unsigned down, voters;
	/* The first voter's line for the edge, by prober name (what the
	 * edge reported about itself comes from there), or NULL. */
	const struct hmsg_edge *line;
};

/* One prober, for `dnsdctl probers` and metrics. */
struct prober_info {
	char name[HMSG_PROBER_MAX];
	uint64_t boot, seq, round;
	bool fresh;
	bool isolated;
	bool votes; /* counts now: fresh (or kept while all are stale), and
	               not isolated */
	time_t last_message;
	uint64_t idle_ms;     /* since its last message */
	unsigned edges, down; /* inventory edges it reports, down */
	uint64_t messages;    /* accepted */
	uint64_t isolations;  /* times found isolated */
};

enum probers_take {
	PROBERS_TAKEN,
	PROBERS_OLD,      /* (boot, seq) not newer than the last taken */
	PROBERS_TOO_MANY, /* a new prober beyond PROBERS_MAX */
};

struct probers;

/* With `keep_stale`, probers that all went stale keep voting with their
 * last reports (the stale policy `keep`). */
struct probers *probers_new(bool keep_stale);
void probers_free(struct probers *p); /* NULL is a no-op */

void probers_set_conf(struct probers *p, const struct vote_conf *c);

/* The inventory's edge names, in order: votes are by index in it. */
void probers_set_inventory(struct probers *p, const char (*name)[EDGE_NAME_MAX],
                           size_t n);

/*
 * Take a prober's full report, received at `now_ms`.  On PROBERS_TAKEN,
 * *who is the prober's index (as probers_info and probers_view count),
 * and *rounds how many rounds its report moved on if it leads (the first
 * voting prober by name, whose rounds pace load shedding), else 0.
 */
enum probers_take probers_take(struct probers *p, const struct hmsg *m,
                               uint64_t now_ms, size_t *who, unsigned *rounds);

/*
 * Probers silent for `stale_after_ms` at `now_ms` stop voting.  Returns
 * whether any vote may have changed.
 */
bool probers_expire(struct probers *p, uint64_t now_ms,
                    unsigned stale_after_ms);

/* Known probers, and how many are fresh. */
size_t probers_count(const struct probers *p);
size_t probers_fresh(const struct probers *p);

/* The vote on inventory edge `i`. */
void probers_vote(const struct probers *p, size_t i, struct vote *out);

/* Prober `k` (< probers_count, by name) at `now_ms`. */
void probers_info(const struct probers *p, size_t k, uint64_t now_ms,
                  struct prober_info *out);

/* What prober `k` says of inventory edge `i`: HMSG_UP, HMSG_DOWN, or 0
 * (it does not probe it). */
uint8_t probers_view(const struct probers *p, size_t k, size_t i);

#endif
