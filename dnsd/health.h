/* SPDX-License-Identifier: MIT */
/*
 * dnsd/health.h: what dnsd knows about each edge's health: the probers'
 * reports (health_feed.h delivers them), the operator's overrides (kept in
 * the state file), and from both, which edges answers may use.  Main
 * thread only; the answering threads see it through a serving (serving.h).
 */
#ifndef DNSD_HEALTH_H
#define DNSD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dnsd/probers.h"
#include "dnsd/share.h"

struct edge_set;
struct hmsg;
struct steer;

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

/* An edge as `dnsdctl edges` shows it. */
struct health_edge_info {
	char name[32];
	enum health_probed probed;
	unsigned down, voters; /* the probers' vote behind `probed` */
	enum health_override override;
	bool usable;
	time_t last_report; /* 0: never */
	time_t last_change; /* of the effective state; 0: never */
	unsigned weight;    /* in force: reported, else configured */
	bool weight_reported;
	double share; /* in force, 0..1 */
	double load;  /* as reported; < 0: none */
	char why[32]; /* what holds the share below 1: "shed", "ramp:40s"
	                 (left), "drain:540s" (left); "" when nothing does */
	/* Each known prober's view of the edge, by name, and why a view
	 * does not count: "a=down b=up c=down(isolated) d=-(stale)" ("-":
	 * it does not probe the edge); cut with "..." if too long. */
	char votes[256];
};

struct health;

/*
 * Create the health state.  `state_file` (may be NULL: overrides are then
 * not kept) is read now for overrides saved by an earlier run.  With
 * `stale_keep`, a stale feed leaves the last reported states in force;
 * without (the default policy), a stale feed makes every edge count as up
 * (fail open).  Returns new.
 */
struct health *health_new(const char *state_file, bool stale_keep);
void health_free(struct health *h); /* NULL is a no-op */

/*
 * The edges of the snapshot about to be served (NULL: none), in inventory
 * order: health_steer() answers for them from now on.  Logs the edges
 * whose effective state this changes.  Does not call the change callback:
 * the caller publishes the new snapshot with health_steer() itself.
 */
void health_set_edges(struct health *h, const struct edge_set *edges);

/*
 * What answers may do with each edge of the current inventory, in order:
 * its share (0: answers may not use it: down, drained) and weight.  Valid
 * until the next call that changes the health state.
 */
const struct steer *health_steer(const struct health *h);

/* The `steering` settings (ramp, shedding); at load and every reload.
 * Like health_set_edges(), does not call the change callback. */
void health_set_steering(struct health *h, const struct share_conf *c);

/*
 * Move ramps and timed drains on to now: call about once a second.  Calls
 * the change callback if a share changed.
 */
void health_tick(struct health *h);

/* The wall clock in ms that ramps and drains follow (tests set their own). */
void health_set_clock(struct health *h, uint64_t (*now_ms)(void));

/*
 * Called whenever health_steer() changes for the current edges: a report
 * that changed an effective state, an override, the feed going stale or
 * coming back.
 */
void health_on_change(struct health *h, void (*fn)(void *arg), void *arg);

enum health_take {
	HEALTH_TAKEN,
	HEALTH_OLD,      /* not newer than the last taken from its prober */
	HEALTH_TOO_MANY, /* a new prober beyond PROBERS_MAX */
};

/*
 * A prober's full report (hmsg.h): the state of every edge it probes; an
 * edge it leaves out is unknown to it.  Already checked by the feed.
 * The probers' vote (probers.h) decides each edge's probed state.
 */
enum health_take health_report(struct health *h, const struct hmsg *m);

/*
 * Probers silent for `stale_after_ms` stop voting; when none is fresh,
 * the stale policy applies (logged once each way).  Call often (the
 * feed's timer does).
 */
void health_expire(struct health *h, unsigned stale_after_ms);

/* Probers have spoken, and none is fresh now. */
bool health_stale(const struct health *h);

/* The vote rule and the isolation breaker; at load and every reload. */
void health_set_vote(struct health *h, const struct vote_conf *c);

/* Every known prober, by name, into out[0..max); returns how many. */
size_t health_probers(const struct health *h, struct prober_info *out,
                      size_t max);

/* What prober k (as health_probers lists them) says of inventory edge i:
 * HMSG_UP, HMSG_DOWN, or 0 (it does not probe it). */
uint8_t health_prober_view(const struct health *h, size_t k, size_t i);

/* What a stale feed means, for the log: "treating edges as up", ... */
const char *health_stale_policy(const struct health *h);

/*
 * Set an override by edge name; saves the state file.  Returns 0, -1 if
 * there is no such edge in the inventory, or -2 if the override is in
 * effect but the state file could not be written (logged).
 */
int health_set_override(struct health *h, const char *edge,
                        enum health_override o);

/*
 * Drain `edge` over `over_ms`: its share falls from where it is to 0 in a
 * straight line (the override is drain from now on; auto ramps it back).
 * Saved in the state file with its start, so a restart keeps its
 * progress.  Returns as health_set_override().
 */
int health_drain_over(struct health *h, const char *edge, uint64_t over_ms);

/* Every edge of the current inventory, in order, into out[0..max);
 * returns how many there are (more than max: out holds the first max). */
size_t health_list(const struct health *h, struct health_edge_info *out,
                   size_t max);

const char *health_override_name(enum health_override o);
int health_override_parse(const char *s, enum health_override *out);
const char *health_probed_name(enum health_probed p); /* "up", ... */

#endif
