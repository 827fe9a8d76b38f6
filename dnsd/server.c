/* SPDX-License-Identifier: MIT */
/* dnsd/server.c: the running server's lifecycle. */
#include "dnsd/server.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/daemon.h"
#include "dnsd/commands.h"
#include "dnsd/conf.h"
#include "dnsd/control.h"
#include "dnsd/health.h"
#include "dnsd/health_feed.h"
#include "dnsd/metrics.h"
#include "dnsd/sample.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "dnsd/worker.h"
#include "dnsd/zonedb.h"

/*
 * How often the main thread frees what the answering threads let go and
 * moves ramps and timed drains on: often enough that a share follows its
 * schedule smoothly, and a retired snapshot is not kept long.
 */
#define SERVER_TICK_MS 100

struct server {
	char *conf_path;
	struct netaddr *listen; /* from -l, or NULL: the config's */
	size_t nlisten;
	struct snapshot *snap;   /* the newest; one reference */
	struct serving *serving; /* published with it; one reference */
	struct serving_yard yard;
	struct event_base *base;
	struct worker **workers;
	unsigned nworkers;
	struct health *health;
	struct health_feed *feed;
	struct control *control;
	struct metrics *metrics;
	struct event *tick;
	uint64_t reloads;
	uint64_t reload_failures;
	time_t started;
	time_t resign_retry; /* after a failed re-signing load, not before */
};

static size_t
count_records(const struct snapshot *snap)
{
	size_t n = 0;

	for (size_t i = 0; i < snap->db->nzones; i++)
		n += snap->db->zones[i].nrecords;
	return n;
}

/*
 * Make the newest snapshot and the health of its edges one serving, and
 * hand it to every worker.  Called after every load and health change, so
 * no thread ever answers with health computed for other edges.
 */
static void
publish(struct server *s)
{
	const struct steer *steer = health_steer(s->health);

	assert(steer->n == (s->snap->edges != NULL ? s->snap->edges->n : 0));
	struct serving *sv = serving_new(s->snap, steer, &s->yard);
	for (unsigned i = 0; i < s->nworkers; i++)
		worker_publish(s->workers[i], sv);
	serving_unref(s->serving);
	s->serving = sv;
}

static void
health_changed(void *arg)
{
	publish(arg);
}

int
server_check(const char *conf_path)
{
	struct errbuf err;
	uint8_t key[HMSG_KEY_MAX];
	const char *why;

	errbuf_init(&err);
	struct snapshot *snap = snapshot_load(conf_path, 1, &err);
	if (snap != NULL && snap->conf->health_key_file != NULL &&
	    hmsg_key_load(snap->conf->health_key_file, key, &why) < 0)
		errbuf_add(&err, snap->conf->health_key_file, 0, 0, "%s", why);
	if (snap == NULL || err.count > 0) {
		daemon_print_errors("dnsd", conf_path, &err);
		errbuf_fini(&err);
		snapshot_unref(snap);
		return 1;
	}
	daemon_print_ok("dnsd", conf_path, "%zu zones, %zu records",
	                snap->db->nzones, count_records(snap));
	errbuf_fini(&err);
	snapshot_unref(snap);
	return 0;
}

struct server *
server_load(const char *conf_path, const struct netaddr *listen, size_t nlisten,
            struct errbuf *err)
{
	struct snapshot *snap = snapshot_load(conf_path, 1, err);

	if (snap == NULL)
		return NULL;
	struct server *s = xcalloc(1, sizeof(*s));
	s->conf_path = xstrdup(conf_path);
	if (listen != NULL) {
		s->listen = xcalloc(nlisten, sizeof(*s->listen));
		memcpy(s->listen, listen, nlisten * sizeof(*listen));
		s->nlisten = nlisten;
	}
	s->snap = snap;
	s->health = health_new(snap->conf->state_file, snap->conf->stale_keep);
	health_set_steering(s->health, &snap->conf->steering);
	health_set_vote(s->health, &snap->conf->vote);
	health_set_edges(s->health, snap->edges);
	health_on_change(s->health, health_changed, s);
	publish(s);
	return s;
}

/*
 * Signatures made at load age: when a signed zone's refresh is up, load
 * again (a reload, so the files as they are now) to sign afresh.  If that
 * fails, the old snapshot keeps serving with its still-valid signatures
 * and the server tries again a minute later.
 */
static void
resign_due(struct server *s)
{
	time_t now = time(NULL);
	struct errbuf err;

	if (s->snap->resign_at == 0 || now < s->snap->resign_at ||
	    now < s->resign_retry)
		return;
	log_notice("dnssec: signatures made %lds ago: signing again",
	           (long)(now - s->snap->loaded));
	errbuf_init(&err);
	if (server_reload(s, &err) == -1)
		s->resign_retry = now + 60;
	errbuf_fini(&err);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)what;
	serving_yard_empty(&s->yard);
	health_tick(s->health); /* ramps and timed drains move on */
	resign_due(s);
}

/* The feed, on the main loop.  0 or -1 (logged). */
static int
start_feed(struct server *s)
{
	const struct dnsd_conf *conf = s->snap->conf;
	uint8_t key[HMSG_KEY_MAX];
	int keylen = 0;
	const char *why;

	if (conf->health_key_file != NULL &&
	    (keylen = hmsg_key_load(conf->health_key_file, key, &why)) < 0) {
		log_err("health: %s: %s", conf->health_key_file, why);
		return -1;
	}
	s->feed = health_feed_new(s->base, s->health, conf->health_socket,
	                          conf->health_udp, key, (size_t)keylen,
	                          conf->stale_after_ms);
	return s->feed != NULL ? 0 : -1;
}

/*
 * Every socket is bound: give the socket files to the configured user
 * (-u wins over `user`) and become it.  0 or -1 (logged).
 */
static int
drop_privileges(struct server *s, const char *user)
{
	const struct dnsd_conf *conf = s->snap->conf;
	const char *const socks[] = {conf->control, conf->health_socket};

	return daemon_drop_privileges(user != NULL ? user : conf->user,
	                              conf->allow_root, socks, 2);
}

int
server_start(struct server *s, struct event_base *base, const char *user)
{
	const struct dnsd_conf *conf = s->snap->conf;
	const struct netaddr *addrs = s->listen ? s->listen : conf->listen;
	size_t naddrs = s->listen ? s->nlisten : conf->nlisten;
	struct timeval tick = {.tv_sec = SERVER_TICK_MS / 1000,
	                       .tv_usec = (SERVER_TICK_MS % 1000) * 1000};

	s->base = base;
	s->workers = xcalloc(conf->workers, sizeof(*s->workers));
	for (unsigned i = 0; i < conf->workers; i++) {
		s->workers[i] = worker_new(i, addrs, naddrs, s->serving);
		if (s->workers[i] == NULL)
			return -1;
		s->nworkers++;
	}
	s->started = time(NULL);
	if (start_feed(s) == -1)
		return -1;
	s->control = control_new(base, conf->control, commands_handle, s);
	if (s->control == NULL)
		return -1;
	if (conf->metrics != NULL &&
	    (s->metrics = metrics_new(base, conf->metrics, s)) == NULL)
		return -1;
	if (drop_privileges(s, user) == -1)
		return -1;
	s->tick = event_new(base, -1, EV_PERSIST, tick_cb, s);
	if (s->tick == NULL || event_add(s->tick, &tick) == -1) {
		log_err("cannot add the tick to the event loop");
		return -1;
	}
	for (unsigned i = 0; i < s->nworkers; i++) {
		if (worker_start(s->workers[i]) == -1) {
			log_err("cannot start worker %u", i);
			return -1;
		}
	}
	for (size_t i = 0; i < naddrs; i++)
		log_info("listening on %s (udp, tcp)", addrs[i].text);
	log_info("ready: dnsd %s, %zu zones, %zu records, %u worker%s",
	         DNSD_VERSION, s->snap->db->nzones, count_records(s->snap),
	         s->nworkers, s->nworkers == 1 ? "" : "s");
	return 0;
}

int
server_reload(struct server *s, struct errbuf *err)
{
	struct snapshot *snap =
	    snapshot_load(s->conf_path, s->snap->generation + 1, err);

	if (snap == NULL) {
		log_warn("reload: failed, still serving generation %u:",
		         s->snap->generation);
		errbuf_log(err, LOG_WARNING);
		s->reload_failures++;
		return -1;
	}
	/* The health of the new edges first: they are published as one. */
	health_set_steering(s->health, &snap->conf->steering);
	health_set_vote(s->health, &snap->conf->vote);
	health_set_edges(s->health, snap->edges);
	snapshot_unref(s->snap);
	s->snap = snap;
	publish(s);
	s->reloads++;
	/* Geo counters are per geo name index of the new snapshot. */
	metrics_reset_geo(s->metrics);
	log_notice("reload: generation %u: %zu zones, %zu records",
	           snap->generation, snap->db->nzones, count_records(snap));
	if (s->listen == NULL)
		log_info("reload: listen addresses, workers and the sockets of "
		         "the feed and control change only with a restart");
	return 0;
}

void
server_free(struct server *s)
{
	struct dnsd_stats *total;

	if (s == NULL)
		return;
	/* Stop every worker first so the counters are final. */
	total = xcalloc(1, sizeof(*total));
	for (unsigned i = 0; i < s->nworkers; i++) {
		worker_stop(s->workers[i]);
		worker_stats_add(total, s->workers[i]);
		worker_free(s->workers[i]);
	}
	if (s->started != 0)
		stats_log(total);
	free(total);
	metrics_free(s->metrics);
	control_free(s->control);
	health_feed_free(s->feed);
	health_free(s->health);
	if (s->tick != NULL)
		event_free(s->tick);
	serving_unref(s->serving);
	serving_yard_empty(&s->yard);
	snapshot_unref(s->snap);
	free(s->workers);
	free(s->listen);
	free(s->conf_path);
	free(s);
}

const struct serving *
server_serving(const struct server *s)
{
	return s->serving;
}

struct health *
server_health(const struct server *s)
{
	return s->health;
}

const struct health_feed *
server_feed(const struct server *s)
{
	return s->feed;
}

void
server_stats(const struct server *s, struct dnsd_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < s->nworkers; i++)
		worker_stats_add(sum, s->workers[i]);
}

struct sample_entry *
server_samples(const struct server *s, size_t *n)
{
	unsigned gen = s->serving->snap->generation;
	size_t nrings = 0;

	for (unsigned i = 0; i < s->nworkers; i++)
		nrings += worker_samples(s->workers[i], NULL, 0);
	const struct sample **rings = xcalloc(nrings + 1, sizeof(*rings));
	struct sample_entry *v = xcalloc(nrings * SAMPLE_RING + 1, sizeof(*v));
	size_t k = 0;
	for (unsigned i = 0; i < s->nworkers; i++)
		k += worker_samples(s->workers[i], rings + k, nrings - k);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		*n += sample_read(rings[i], gen, v + *n);
	free(rings);
	return v;
}

void
server_info(const struct server *s, struct server_info *out)
{
	out->started = s->started;
	out->workers = s->nworkers;
	out->reloads = s->reloads;
	out->reload_failures = s->reload_failures;
}
