/* SPDX-License-Identifier: MIT */
/*
 * dnsd/share.h: one edge's share of the clients that would otherwise get
 * it, and the three drivers that move it: the edge's own reported load
 * (shed above a high-water mark, recover below a low one, one step per
 * feed round), a ramp from where it was to all after the edge comes back,
 * and an operator's timed drain down to nothing.  The share in force is
 * the smallest of the three.  Pure: the caller passes the time (wall
 * clock, ms, so that a timed drain survives a restart) and logs.
 */
#ifndef DNSD_SHARE_H
#define DNSD_SHARE_H

#include <stdbool.h>
#include <stdint.h>

/* The `steering` section of the server configuration. */
struct share_conf {
	unsigned ramp_ms; /* 0: an edge that comes back takes all at once */
	double high,
	    low;     /* reported load: shed above high, recover below low */
	double step; /* share moved per feed round */
	double min_share; /* shedding stops here */
};

/* The defaults documented in zones/README.md. */
extern const struct share_conf share_conf_default;

struct share {
	double shed;         /* min_share..1, moved by the load */
	uint64_t ramp_since; /* ms; 0: not ramping */
	double ramp_from;
	uint64_t drain_since; /* ms; 0: no timed drain */
	uint64_t drain_over;  /* ms the timed drain lasts */
	double drain_from;
};

/* Whole: shed 1, no ramp, no drain. */
void share_init(struct share *s);

/*
 * One feed round with the load the edge reported (has_load false: it
 * reported none, which counts as low).  Returns -1 if the shed share went
 * down, 1 if it went up, 0 if it stayed.
 */
int share_shed_round(struct share *s, const struct share_conf *c, bool has_load,
                     double load);

/* The edge came back at `now`, with `from` of its share: ramp up to all
 * over c->ramp_ms (no-op without a ramp). */
void share_ramp_start(struct share *s, const struct share_conf *c, double from,
                      uint64_t now);

/* A timed drain from `from` at `now`, down to 0 over `over` ms. */
void share_drain_start(struct share *s, double from, uint64_t over,
                       uint64_t now);

void share_drain_stop(struct share *s);

/* Each driver's share at `now` (1 when that driver is idle). */
double share_ramp_at(const struct share *s, const struct share_conf *c,
                     uint64_t now);
double share_drain_at(const struct share *s, uint64_t now);

/* The share in force: the smallest of the three (`shed` false: the load
 * does not count, e.g. the feed is stale). */
double share_at(const struct share *s, const struct share_conf *c, bool shed,
                uint64_t now);

/* true while a ramp or a timed drain has not reached its end. */
bool share_moving(const struct share *s, const struct share_conf *c,
                  uint64_t now);

#endif
