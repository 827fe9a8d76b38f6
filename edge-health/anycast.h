/* SPDX-License-Identifier: MIT */
/*
 * edge-health/anycast.h: the anycast role: probe the local dnsd and keep
 * the service prefixes announced through BIRD only while it answers.
 */
#ifndef EDGE_HEALTH_ANYCAST_H
#define EDGE_HEALTH_ANYCAST_H

#include <stdbool.h>
#include <stdint.h>

struct anycast;
struct eh_anycast;
struct event_base;

/* A reload command still running after this long is killed (SIGKILL). */
#define ANYCAST_RELOAD_MAX_MS 10000

/*
 * Probe `conf`'s checks on `base` (both borrowed: they must outlive the
 * anycast, or be replaced by anycast_reload), a round every interval, the
 * first at once; a round passes only if every check passes.  What BIRD
 * announces follows rise/fall (edge-health/state.h):
 *
 * - it starts from what conf->bird_include says: a file of ours that
 *   announces stays so until `fall` failed rounds, one that withdraws (or
 *   no file) until `rise` good rounds; any other file is left alone until
 *   either happens.  So a restart of edge-health never withdraws a healthy
 *   point of presence;
 * - each decision rewrites the file, atomically and only if its text
 *   changes (anycast_render), then runs conf->bird_reload without a shell,
 *   its output logged; a failed or hung (ANYCAST_RELOAD_MAX_MS) run is
 *   retried every round until one succeeds.  The loop never waits for it.
 *
 * Transitions are logged once, at notice.  Returns new, or NULL after
 * logging why (no TLS contexts, no timers).
 */
struct anycast *anycast_new(struct event_base *base,
                            const struct eh_anycast *conf);

/*
 * Probe by `conf` (borrowed) from now on, keeping what was decided and the
 * counts of the current run of good or failed rounds: a reload flaps
 * nothing.  The running probes stop (the caller frees the old conf after
 * this); a new round starts at once, and new prefixes are written at once.
 * A new bird_include is read as at start-up.
 */
void anycast_reload(struct anycast *a, const struct eh_anycast *conf);

/*
 * Stop probing and free.  The include file is left as it is: stopping the
 * prober must not withdraw every point of presence at once.  A reload
 * command still running is left to finish on its own.  NULL is a no-op.
 */
void anycast_free(struct anycast *a);

/* What metrics read. */
struct anycast_info {
	bool announced;           /* the include file announces the prefixes */
	uint64_t announces;       /* decisions to announce */
	uint64_t withdraws;       /* decisions to withdraw */
	uint64_t reload_failures; /* reload commands that failed or hung */
};

void anycast_info(const struct anycast *a, struct anycast_info *out);

/* ---- pure, for tests ----------------------------------------------------- */

/*
 * The include file's text for `conf`: `announce`, one BIRD static protocol
 * per address family present (anycast4, anycast6) with a route per prefix,
 * e.g.
 *
 *   protocol static anycast4 {
 *           ipv4;
 *           route 192.0.2.53/32 unreachable;
 *   }
 *
 * or else a comment only (removing the protocols withdraws their routes on
 * reconfigure).  The first line says which.  Returns new (free()).
 */
char *anycast_render(const struct eh_anycast *conf, bool announce);

enum anycast_says {
	ANYCAST_SAYS_OTHER,     /* not written by us: unknown */
	ANYCAST_SAYS_ANNOUNCED, /* anycast_render(.., true) wrote it */
	ANYCAST_SAYS_WITHDRAWN, /* anycast_render(.., false) wrote it */
};

/* What a file with `text` says, by its first line. */
enum anycast_says anycast_says(const char *text);

#endif
