/* SPDX-License-Identifier: MIT */
/* dnsd/main.c: command line, start-up, signals, reload, shutdown. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "common/errbuf.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/conf.h"
#include "dnsd/control.h"
#include "dnsd/health.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "dnsd/worker.h"
#include "dnsd/zonedb.h"

#define DNSD_VERSION "0.1.0"

struct dnsd {
	const char *conf_path;
	struct listen_addr *listen; /* from -l, or NULL: the config's */
	size_t nlisten;
	struct snapshot *snap; /* the newest; main holds one reference */
	struct worker **workers;
	unsigned nworkers;
	struct event_base *base;
	struct health *health;   /* the feed, overrides, the view */
	struct control *control; /* dnsdctl's socket */
	time_t started;
};

static void
usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: dnsd -c FILE [-l ADDR:PORT]... [-n] [-v]\n"
	    "\n"
	    "Authoritative DNS server for YAML zones.  Runs in the foreground\n"
	    "and logs to stderr.\n"
	    "\n"
	    "  -c FILE       server configuration (e.g. zones/dnsd.yaml)\n"
	    "  -l ADDR:PORT  listen here instead of the configured addresses;\n"
	    "                repeatable; [ADDR]:PORT for IPv6, e.g. "
	    "[::1]:5353\n"
	    "  -n            check: load the configuration and every zone,\n"
	    "                print every error as file:line:col: message,\n"
	    "                exit 0 if all is well, else 1\n"
	    "  -v            verbose: log debug messages too\n"
	    "  -h            this help\n"
	    "\n"
	    "Edge health arrives from edge-health on the configured feed\n"
	    "socket; operators steer edges with dnsdctl through the control\n"
	    "socket (both set in FILE, see zones/README.md).\n"
	    "\n"
	    "Signals: SIGHUP reloads the configuration and zones (a broken\n"
	    "file is reported and the running data keeps serving); SIGTERM\n"
	    "and SIGINT stop.\n");
}

static void
count_zones(const struct snapshot *s, size_t *records)
{
	*records = 0;
	for (size_t i = 0; i < s->db->nzones; i++)
		*records += s->db->zones[i].nrecords;
}

/*
 * Load the configuration again beside the running one and swap it in.
 * Returns 0, or -1 with the errors in `err` (the old data keeps serving).
 */
static int
reload(struct dnsd *d, struct errbuf *err)
{
	struct snapshot *s =
	    snapshot_load(d->conf_path, d->snap->generation + 1, err);

	if (s == NULL) {
		log_warn("reload: failed, still serving generation %u:",
		         d->snap->generation);
		errbuf_log(err, LOG_WARNING);
		return -1;
	}
	for (unsigned i = 0; i < d->nworkers; i++)
		worker_publish(d->workers[i], s);
	snapshot_unref(d->snap);
	d->snap = s;
	/* The edge set may have changed: a new view follows for workers. */
	health_set_edges(d->health, s->edges, s->generation);
	size_t records;
	count_zones(s, &records);
	log_notice("reload: generation %u: %zu zones, %zu records",
	           s->generation, s->db->nzones, records);
	if (d->listen == NULL)
		log_info("reload: listen addresses, workers and the sockets of "
		         "the feed and control change only with a restart");
	return 0;
}

/* dnsdctl reload */
static int
control_reload(void *arg, char *errs, size_t errlen)
{
	struct errbuf err;

	errbuf_init(&err);
	int rc = reload(arg, &err);
	snprintf(errs, errlen, "%s", errbuf_text(&err));
	errbuf_fini(&err);
	return rc;
}

/* dnsdctl status */
static void
control_status(void *arg, struct evbuffer *out)
{
	struct dnsd *d = arg;
	size_t records;

	count_zones(d->snap, &records);
	evbuffer_add_printf(out, "version: %s\n", DNSD_VERSION);
	evbuffer_add_printf(out, "uptime: %lds\n",
	                    (long)(time(NULL) - d->started));
	evbuffer_add_printf(out, "generation: %u\n", d->snap->generation);
	evbuffer_add_printf(out, "zones: %zu\n", d->snap->db->nzones);
	evbuffer_add_printf(out, "records: %zu\n", records);
	evbuffer_add_printf(out, "geo names: %zu\n", d->snap->db->ngeo);
	evbuffer_add_printf(out, "workers: %u\n", d->nworkers);
}

/* A new health view: every worker switches to it between two packets. */
static void
view_changed(struct health_view *v, void *arg)
{
	struct dnsd *d = arg;

	for (unsigned i = 0; i < d->nworkers; i++)
		worker_publish_view(d->workers[i], v);
}

/* The feed and the control socket, on the main loop.  0 or -1 (logged). */
static int
health_start(struct dnsd *d)
{
	const struct dnsd_conf *conf = d->snap->conf;
	uint8_t key[HMSG_KEY_MAX];
	int keylen = 0;
	const char *why;

	if (conf->health_key_file != NULL &&
	    (keylen = hmsg_key_load(conf->health_key_file, key, &why)) < 0) {
		log_err("health: %s: %s", conf->health_key_file, why);
		return -1;
	}
	d->health = health_new(conf->state_file, conf->stale_after_ms);
	health_set_stale_keep(d->health, conf->stale_keep);
	health_on_change(d->health, view_changed, d);
	health_set_edges(d->health, d->snap->edges, d->snap->generation);
	if (health_listen(d->health, d->base, conf->health_socket,
	                  conf->health_udp, key, (size_t)keylen) == -1)
		return -1;
	static struct control_hooks hooks;
	hooks.reload = control_reload;
	hooks.status = control_status;
	hooks.arg = d;
	d->control = control_new(d->base, conf->control, d->health, &hooks);
	return d->control != NULL ? 0 : -1;
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct dnsd *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		struct errbuf err;
		log_info("SIGHUP: reloading %s", d->conf_path);
		errbuf_init(&err);
		reload(d, &err);
		errbuf_fini(&err);
		return;
	}
	log_info("%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(d->base);
}

int
main(int argc, char **argv)
{
	struct dnsd d = {0};
	struct errbuf err;
	bool check = false;
	int level = LOG_INFO, ch;

	log_init("dnsd", true, level);
	while ((ch = getopt(argc, argv, "c:l:nvh")) != -1) {
		switch (ch) {
		case 'c':
			d.conf_path = optarg;
			break;
		case 'l':
			d.listen = xreallocarray(d.listen, d.nlisten + 1,
			                         sizeof(*d.listen));
			if (conf_parse_listen(optarg, &d.listen[d.nlisten]) ==
			    -1)
				log_fatal("-l %s: expected ADDR:PORT or "
				          "[ADDR]:PORT",
				          optarg);
			d.nlisten++;
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			level = LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (d.conf_path == NULL || optind != argc) {
		usage(stderr);
		return 1;
	}
	log_init("dnsd", true, level);

	errbuf_init(&err);
	d.snap = snapshot_load(d.conf_path, 1, &err);
	if (d.snap == NULL) {
		fputs(errbuf_text(&err), stderr);
		fprintf(stderr, "dnsd: %s: %u error%s\n", d.conf_path,
		        err.count, err.count == 1 ? "" : "s");
		errbuf_fini(&err);
		free(d.listen);
		return 1;
	}
	errbuf_fini(&err);
	size_t records;
	count_zones(d.snap, &records);
	if (check) {
		printf("dnsd: %s: ok, %zu zones, %zu records\n", d.conf_path,
		       d.snap->db->nzones, records);
		snapshot_unref(d.snap);
		free(d.listen);
		return 0;
	}

	const struct dnsd_conf *conf = d.snap->conf;
	const struct listen_addr *addrs = d.listen ? d.listen : conf->listen;
	size_t naddrs = d.listen ? d.nlisten : conf->nlisten;

	signal(SIGPIPE, SIG_IGN);
	d.base = event_base_new();
	if (d.base == NULL)
		log_fatal("cannot create the event loop");
	d.nworkers = conf->workers;
	d.workers = xcalloc(d.nworkers, sizeof(*d.workers));
	for (unsigned i = 0; i < d.nworkers; i++) {
		d.workers[i] = worker_new(i, addrs, naddrs, d.snap);
		if (d.workers[i] == NULL)
			log_fatal("cannot start: see the errors above");
	}
	d.started = time(NULL);
	if (health_start(&d) == -1)
		log_fatal("cannot start: see the errors above");
	for (unsigned i = 0; i < d.nworkers; i++)
		if (worker_start(d.workers[i]) == -1)
			log_fatal("cannot start worker %u", i);

	struct event *sigs[3];
	const int signo[3] = {SIGHUP, SIGINT, SIGTERM};
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(d.base, signo[i], signal_cb, &d);
		if (sigs[i] == NULL || event_add(sigs[i], NULL) == -1)
			log_fatal("cannot watch signal %d", signo[i]);
	}
	for (size_t i = 0; i < naddrs; i++)
		log_info("listening on %s (udp, tcp)", addrs[i].text);
	log_info("ready: dnsd %s, %zu zones, %zu records, %u worker%s",
	         DNSD_VERSION, d.snap->db->nzones, records, d.nworkers,
	         d.nworkers == 1 ? "" : "s");

	event_base_dispatch(d.base);

	/* Stop every worker first so the counters are final. */
	struct dnsd_stats total = {0};
	for (unsigned i = 0; i < d.nworkers; i++) {
		worker_stop(d.workers[i]);
		stats_add(&total, &d.workers[i]->stats);
		worker_free(d.workers[i]);
	}
	stats_log(&total);
	control_free(d.control);
	health_free(d.health);
	for (int i = 0; i < 3; i++)
		event_free(sigs[i]);
	event_base_free(d.base);
	snapshot_unref(d.snap);
	free(d.workers);
	free(d.listen);
	log_info("stopped");
	return 0;
}
