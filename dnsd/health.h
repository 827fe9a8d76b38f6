/* SPDX-License-Identifier: MIT */
/* dnsd/health.h: what dnsd knows about edge health: the probers' reports
 * (the feed), operator overrides, and the view the query path reads. */
#ifndef DNSD_HEALTH_H
#define DNSD_HEALTH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct edge_set;
struct errbuf;
struct event_base;
struct netaddr;

/* Operator overrides (dnsdctl), kept across restarts in the state file. */
enum health_override {
	HEALTH_AUTO,       /* follow the probes */
	HEALTH_DRAIN,      /* no new answers, whatever the probes say */
	HEALTH_FORCE_DOWN, /* treated as down */
	HEALTH_FORCE_UP,   /* treated as up, whatever the probes say */
};

/* What the feed said about an edge. */
enum health_probed {
	HEALTH_UNKNOWN, /* no report yet, or the feed is stale: counts as up */
	HEALTH_UP,
	HEALTH_DOWN,
};

/*
 * The query path's view: for the edges of one snapshot (inventory order),
 * whether each may be answered.  Immutable once published; workers get it
 * like a snapshot (a pointer through their wake pipe), so reading it takes
 * no lock.  `generation` names the snapshot it was computed for: a worker
 * ignores a view for another generation (all edges usable meanwhile).
 */
struct health_view {
	unsigned generation;
	size_t n;
	atomic_uint refs; /* see health_view_ref/unref */
	uint8_t usable[]; /* 1: effective up and not drained */
};

void health_view_ref(struct health_view *v);
void health_view_unref(struct health_view *v); /* NULL is a no-op */

/* An edge as `dnsdctl edges` shows it. */
struct health_edge_info {
	char name[32];
	enum health_probed probed;
	enum health_override override;
	bool usable;
	time_t last_report; /* 0: never */
	time_t last_change; /* of the effective state; 0: never */
};

struct health; /* owned by the main thread */

/*
 * Create the health state.  `state_file` (may be NULL: overrides are then
 * not kept) is read now for overrides saved by an earlier run.
 * `stale_after_ms`: a feed silent longer than that is stale, and probed
 * states count as unknown (up) until it speaks again.  Returns new.
 */
struct health *health_new(const char *state_file, unsigned stale_after_ms);
void health_free(struct health *h); /* NULL is a no-op */

/*
 * The stale policy: by default (keep false) a stale feed makes every edge
 * count as up (fail open); with keep, the last reported states stay in
 * force until the feed speaks again.
 */
void health_set_stale_keep(struct health *h, bool keep);

/*
 * Listen for the feed on `base`: a Unix datagram socket at `unix_path`
 * (mode 0660), and, if `udp` is not NULL, a UDP socket bound to it
 * (borrowed during the call) whose messages must carry a valid mac with
 * `key`.  Returns 0, or -1 after logging why.
 */
int health_listen(struct health *h, struct event_base *base,
                  const char *unix_path, const struct netaddr *udp,
                  const uint8_t *key, size_t keylen);

/*
 * Tell the health state which edges the current snapshot has (after every
 * load; NULL: none); the next view is computed for them and `generation`.
 */
void health_set_edges(struct health *h, const struct edge_set *edges,
                      unsigned generation);

/*
 * Called (on the main thread) whenever the view changes: a report that
 * changed an effective state, an override, staleness, new edges.  The
 * callback takes a reference on the new view if it keeps it.
 */
void health_on_change(struct health *h,
                      void (*fn)(struct health_view *v, void *arg), void *arg);

/* The current view (a reference is NOT taken). */
struct health_view *health_view(const struct health *h);

/*
 * Set an override by edge name; saves the state file.  Returns 0, or -1
 * if there is no such edge (or the state file cannot be written, logged).
 */
int health_set_override(struct health *h, const char *edge,
                        enum health_override o);

/* For dnsdctl: every edge of the current snapshot; returns how many. */
size_t health_list(const struct health *h, struct health_edge_info *out,
                   size_t max);

/* Feed statistics, for status and metrics. */
struct health_feed_stats {
	uint64_t accepted;
	uint64_t dropped_old;  /* (boot, seq) not newer */
	uint64_t dropped_bad;  /* undecodable */
	uint64_t dropped_auth; /* missing or wrong mac, or too old */
	time_t last_message;   /* 0: never */
	bool stale;
};
void health_feed_stats(const struct health *h, struct health_feed_stats *out);

const char *health_override_name(enum health_override o);
int health_override_parse(const char *s, enum health_override *out);

#endif
