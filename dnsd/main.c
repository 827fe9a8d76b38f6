/* SPDX-License-Identifier: MIT */
/* dnsd/main.c: command line, start-up, signals, reload, shutdown. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "common/errbuf.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/xalloc.h"
#include "daemon/daemon.h"
#include "dnsd/conf.h"
#include "dnsd/control.h"
#include "dnsd/explain.h"
#include "dnsd/health.h"
#include "dnsd/metrics.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "dnsd/worker.h"
#include "dnsd/wire.h"
#include "dnsd/zonedb.h"

#define DNSD_VERSION "0.1.0"

struct dnsd {
	const char *conf_path;
	struct netaddr *listen; /* from -l, or NULL: the config's */
	size_t nlisten;
	struct snapshot *snap; /* the newest; main holds one reference */
	struct worker **workers;
	unsigned nworkers;
	struct event_base *base;
	struct health *health;   /* the feed, overrides, the view */
	struct control *control; /* dnsdctl's socket */
	struct metrics *metrics; /* Prometheus endpoint, or NULL */
	uint64_t reloads;        /* successful, for metrics */
	uint64_t reload_failures;
	time_t started;
};

static void
usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: dnsd -c FILE [-l ADDR:PORT]... [-u USER] [-n] [-v]\n"
	    "\n"
	    "NAME\n"
	    "  dnsd - authoritative DNS server for YAML zones, with geo and\n"
	    "  health-aware answers\n"
	    "\n"
	    "DESCRIPTION\n"
	    "  Serves the zones named in FILE on UDP and TCP.  Runs in the\n"
	    "  foreground and logs to stderr (a service manager supervises\n"
	    "  it; see dist/systemd/dnsd.service).\n"
	    "\n"
	    "OPTIONS\n"
	    "  -c FILE       server configuration (e.g. zones/dnsd.yaml)\n"
	    "  -l ADDR:PORT  listen here instead of the configured addresses;\n"
	    "                repeatable; [ADDR]:PORT for IPv6, e.g. "
	    "[::1]:5353\n"
	    "  -u USER       started as root: once the sockets are bound,\n"
	    "                switch to USER (overrides `user` in FILE).  As\n"
	    "                root without a user dnsd refuses to start\n"
	    "                unless FILE sets allow_root: true\n"
	    "  -n            check: load the configuration and every zone,\n"
	    "                print every error as file:line:col: message,\n"
	    "                exit 0 if all is well, else 1\n"
	    "  -v            verbose: log debug messages too\n"
	    "  -h, --help    this help\n"
	    "\n"
	    "FILES\n"
	    "  Edge health arrives from edge-health on the configured feed\n"
	    "  socket; operators steer edges with dnsdctl through the control\n"
	    "  socket (both set in FILE, every key in zones/README.md).\n"
	    "\n"
	    "SIGNALS\n"
	    "  SIGHUP reloads the configuration and zones (a broken file is\n"
	    "  reported and the running data keeps serving); SIGTERM and\n"
	    "  SIGINT stop.\n"
	    "\n"
	    "EXIT STATUS\n"
	    "  0 on a clean stop or a good check, 1 on any error.\n");
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
		d->reload_failures++;
		return -1;
	}
	for (unsigned i = 0; i < d->nworkers; i++)
		worker_publish(d->workers[i], s);
	snapshot_unref(d->snap);
	d->snap = s;
	d->reloads++;
	/* Geo counters are per geo name index of the new snapshot. */
	metrics_reset_geo(d->metrics);
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
	char when[32];
	struct tm tm;
	gmtime_r(&d->snap->loaded, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	evbuffer_add_printf(out, "loaded: %s\n", when);
	if (d->snap->geo_db[0] != '\0')
		evbuffer_add_printf(out, "geo database: %s (%s)\n",
		                    d->snap->conf->geo_database,
		                    d->snap->geo_db);
	evbuffer_add_printf(out, "zones: %zu\n", d->snap->db->nzones);
	evbuffer_add_printf(out, "records: %zu\n", records);
	evbuffer_add_printf(out, "geo names: %zu\n", d->snap->db->ngeo);
	evbuffer_add_printf(out, "workers: %u\n", d->nworkers);
}

/* dnsdctl stats: every worker's counters, summed (read without locks). */
static void
control_stats(void *arg, struct evbuffer *out)
{
	struct dnsd *d = arg;
	struct dnsd_stats *s = xcalloc(1, sizeof(*s)); /* geo arrays: big */
	static const char *const rcodes[] = {"noerror",  "formerr", "servfail",
	                                     "nxdomain", "notimp",  "refused"};

	for (unsigned i = 0; i < d->nworkers; i++)
		worker_stats_add(s, d->workers[i]);
	evbuffer_add_printf(out, "queries.udp %" PRIu64 "\n", s->udp);
	evbuffer_add_printf(out, "queries.tcp %" PRIu64 "\n", s->tcp);
	for (size_t i = 0; i < sizeof(rcodes) / sizeof(rcodes[0]); i++)
		evbuffer_add_printf(out, "rcode.%s %" PRIu64 "\n", rcodes[i],
		                    s->rcode[i]);
	evbuffer_add_printf(out, "rcode.badvers %" PRIu64 "\n",
	                    s->rcode[RC_BADVERS]);
	for (int t = 0; t < STATS_QTYPES; t++)
		evbuffer_add_printf(out, "qtype.%s %" PRIu64 "\n",
		                    stats_qtype_name((enum stats_qtype)t),
		                    s->qtype[t]);
	evbuffer_add_printf(out, "edns %" PRIu64 "\n", s->edns);
	evbuffer_add_printf(out, "ecs %" PRIu64 "\n", s->ecs);
	evbuffer_add_printf(out, "truncated %" PRIu64 "\n", s->truncated);
	evbuffer_add_printf(out, "prebuilt %" PRIu64 "\n", s->prebuilt);
	evbuffer_add_printf(out, "dropped.responses %" PRIu64 "\n",
	                    s->dropped_qr);
	evbuffer_add_printf(out, "dropped.short %" PRIu64 "\n",
	                    s->dropped_short);
	evbuffer_add_printf(out, "tcp.accepted %" PRIu64 "\n", s->tcp_accepted);
	evbuffer_add_printf(out, "tcp.rejected %" PRIu64 "\n", s->tcp_rejected);
	evbuffer_add_printf(out, "tcp.timeouts %" PRIu64 "\n", s->tcp_timeouts);
	evbuffer_add_printf(out, "send_errors %" PRIu64 "\n", s->send_errors);
	evbuffer_add_printf(
	    out, "reloads %" PRIu64 "\nreload_failures %" PRIu64 "\n",
	    d->reloads, d->reload_failures);
	free(s);
}

/* dnsdctl explain: the running configuration under the live health. */
static int
control_explain(void *arg, const char *client, const char *name,
                const char *type, bool json, struct evbuffer *out, char *errs,
                size_t errlen)
{
	struct dnsd *d = arg;
	struct health_edge_info *states =
	    xcalloc(HMSG_EDGES_MAX, sizeof(*states));
	size_t n = health_list(d->health, states, HMSG_EDGES_MAX);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc = -1;

	if (f != NULL) {
		rc = explain_write(f, d->snap, health_view(d->health), states,
		                   n, client, name, type, json, errs, errlen);
		fclose(f);
		if (rc == 0)
			evbuffer_add(out, text, len);
	} else {
		snprintf(errs, errlen, "out of memory");
	}
	free(text);
	free(states);
	return rc;
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
	hooks.explain = control_explain;
	hooks.stats = control_stats;
	hooks.arg = d;
	d->control = control_new(d->base, conf->control, d->health, &hooks);
	return d->control != NULL ? 0 : -1;
}

/*
 * Every socket is bound: give the socket files to the configured user
 * (-u wins over `user`) and become it.  0 or -1 (logged).
 */
static int
drop_privileges(struct dnsd *d, const char *user)
{
	const struct dnsd_conf *conf = d->snap->conf;
	const char *const socks[] = {conf->control, conf->health_socket};

	return daemon_drop_privileges(user != NULL ? user : conf->user,
	                              conf->allow_root, socks, 2);
}

/* The Prometheus endpoint, if configured.  0 or -1 (logged). */
static int
start_metrics(struct dnsd *d)
{
	const struct metrics_source src = {
	    .workers = d->workers,
	    .nworkers = d->nworkers,
	    .health = d->health,
	    .snap = &d->snap,
	    .reloads = &d->reloads,
	    .reload_failures = &d->reload_failures,
	};

	if (d->snap->conf->metrics == NULL)
		return 0;
	d->metrics = metrics_new(d->base, d->snap->conf->metrics, &src);
	return d->metrics != NULL ? 0 : -1;
}

/* SIGHUP (daemon_signals_new): reload() logs how it went. */
static void
sighup(void *arg)
{
	struct errbuf err;

	errbuf_init(&err);
	reload(arg, &err);
	errbuf_fini(&err);
}

/* -l ADDR:PORT, repeatable: listen there instead of the configuration. */
static int
listen_opt(int ch, const char *arg, void *ctx)
{
	struct dnsd *d = ctx;

	(void)ch;
	d->listen =
	    xreallocarray(d->listen, d->nlisten + 1, sizeof(*d->listen));
	if (netaddr_parse(arg, CONF_DNS_PORT, &d->listen[d->nlisten]) == -1) {
		log_msg(LOG_CRIT, "-l %s: expected ADDR:PORT or [ADDR]:PORT",
		        arg);
		return -1;
	}
	d->nlisten++;
	return 0;
}

int
main(int argc, char **argv)
{
	struct dnsd d = {0};
	struct daemon_args args;
	struct errbuf err;
	const struct daemon_cli cli = {
	    .usage = usage, .opts = "l:", .opt = listen_opt, .ctx = &d};

	log_init("dnsd", true, LOG_INFO);
	switch (daemon_parse_args(&cli, argc, argv, &args)) {
	case DAEMON_RUN:
		break;
	case DAEMON_HELP:
		free(d.listen);
		return 0;
	case DAEMON_BAD:
		free(d.listen);
		return 1;
	}
	d.conf_path = args.conf_path;
	log_init("dnsd", true, args.log_level);

	errbuf_init(&err);
	d.snap = snapshot_load(d.conf_path, 1, &err);
	if (d.snap == NULL) {
		daemon_print_errors("dnsd", d.conf_path, &err);
		errbuf_fini(&err);
		free(d.listen);
		return 1;
	}
	errbuf_fini(&err);
	size_t records;
	count_zones(d.snap, &records);
	if (args.check) {
		daemon_print_ok("dnsd", d.conf_path, "%zu zones, %zu records",
		                d.snap->db->nzones, records);
		snapshot_unref(d.snap);
		free(d.listen);
		return 0;
	}

	const struct dnsd_conf *conf = d.snap->conf;
	const struct netaddr *addrs = d.listen ? d.listen : conf->listen;
	size_t naddrs = d.listen ? d.nlisten : conf->nlisten;

	d.base = event_base_new();
	if (d.base == NULL)
		log_fatal("cannot create the event loop");
	/* Before any thread or socket: SIGPIPE ignored, the rest queued. */
	struct daemon_signals *sigs =
	    daemon_signals_new(d.base, d.conf_path, sighup, &d);
	if (sigs == NULL)
		log_fatal("cannot start: see the errors above");
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
	if (start_metrics(&d) == -1)
		log_fatal("cannot start: see the errors above");
	if (drop_privileges(&d, args.user) == -1)
		log_fatal("cannot start: see the errors above");
	for (unsigned i = 0; i < d.nworkers; i++)
		if (worker_start(d.workers[i]) == -1)
			log_fatal("cannot start worker %u", i);

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
		worker_stats_add(&total, d.workers[i]);
		worker_free(d.workers[i]);
	}
	stats_log(&total);
	metrics_free(d.metrics);
	control_free(d.control);
	health_free(d.health);
	daemon_signals_free(sigs);
	event_base_free(d.base);
	snapshot_unref(d.snap);
	free(d.workers);
	free(d.listen);
	log_info("stopped");
	return 0;
}
