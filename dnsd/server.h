/* SPDX-License-Identifier: MIT */
/*
 * dnsd/server.h: the running server's lifecycle.  It holds what is served
 * (the newest snapshot, and the serving published with it), the workers
 * that answer, the health state and its feed, the control socket and the
 * metrics endpoint; it loads, starts, reloads, publishes and stops.  Main
 * thread only.
 */
#ifndef DNSD_SERVER_H
#define DNSD_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct dnsd_stats;
struct errbuf;
struct event_base;
struct health;
struct health_feed;
struct netaddr;
struct sample_entry;
struct serving;

#define DNSD_VERSION "0.1.0"

struct server;

/*
 * `dnsd -n`: load the configuration and everything it names (zones, edges,
 * database, the feed's key file), print every error as file:line:col, or
 * one "ok" line.  Returns the exit status: 0 or 1.
 */
int server_check(const char *conf_path);

/*
 * Load the configuration at `conf_path` and the health state (the saved
 * overrides), ready to start; `listen` (n addresses, copied; NULL: the
 * configuration's) overrides where to listen.  Nothing is bound yet.
 * Returns new, or NULL with every error in `err`.
 */
struct server *server_load(const char *conf_path, const struct netaddr *listen,
                           size_t nlisten, struct errbuf *err);

/*
 * Bind every socket on `base` (kept): the workers' UDP and TCP, the health
 * feed, the control socket, metrics; then become `user` (NULL: the
 * configuration's `user`) and start answering.  0, or -1 after logging why.
 */
int server_start(struct server *s, struct event_base *base, const char *user);

/*
 * Load the configuration again beside the running one and publish it with
 * the health of its edges.  Returns 0, or -1 with the errors in `err`,
 * also logged (the old data keeps serving).
 */
int server_reload(struct server *s, struct errbuf *err);

/* Stop the workers (the final counters are logged), close every socket,
 * free.  NULL is a no-op. */
void server_free(struct server *s);

/* ---- what the control commands and the metrics read --------------------- */

/* The serving published last: the newest snapshot and its edge health. */
const struct serving *server_serving(const struct server *s);

struct health *server_health(const struct server *s);

/* The health feed, or NULL before the server started. */
const struct health_feed *server_feed(const struct server *s);

/* Every worker's counters, summed into `sum` (zeroed first). */
void server_stats(const struct server *s, struct dnsd_stats *sum);

/*
 * The geo clients every answering thread sampled (sample.h) under the
 * serving published last: returns new (free()), *n of them.  Torn entries
 * and those of older snapshots are left out; duplicates are not.
 */
struct sample_entry *server_samples(const struct server *s, size_t *n);

struct server_info {
	time_t started;
	unsigned workers;
	uint64_t reloads; /* successful */
	uint64_t reload_failures;
};
void server_info(const struct server *s, struct server_info *out);

#endif
