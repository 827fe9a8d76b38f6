/* SPDX-License-Identifier: MIT */
/* dnsd/main.c: command line, start-up, signals, reload, shutdown. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/errbuf.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/conf.h"
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
	    "Signals: SIGHUP reloads the configuration and zones (a broken\n"
	    "file is reported and the running data keeps serving); SIGTERM\n"
	    "and SIGINT stop.\n");
}

static void
log_errors(int prio, const struct errbuf *err)
{
	const char *t = errbuf_text(err);

	while (*t != '\0') {
		const char *nl = strchr(t, '\n');
		int len = nl ? (int)(nl - t) : (int)strlen(t);
		log_msg(prio, "%.*s", len, t);
		t += len + (nl ? 1 : 0);
	}
}

static void
count_zones(const struct snapshot *s, size_t *records)
{
	*records = 0;
	for (size_t i = 0; i < s->db->nzones; i++)
		*records += s->db->zones[i].nrecords;
}

static void
reload(struct dnsd *d)
{
	struct errbuf err;

	errbuf_init(&err);
	struct snapshot *s =
	    snapshot_load(d->conf_path, d->snap->generation + 1, &err);
	if (s == NULL) {
		log_warn("reload: failed, still serving generation %u:",
		         d->snap->generation);
		log_errors(LOG_WARNING, &err);
		errbuf_fini(&err);
		return;
	}
	errbuf_fini(&err);
	for (unsigned i = 0; i < d->nworkers; i++)
		worker_publish(d->workers[i], s);
	snapshot_unref(d->snap);
	d->snap = s;
	size_t records;
	count_zones(s, &records);
	log_notice("reload: generation %u: %zu zones, %zu records",
	           s->generation, s->db->nzones, records);
	if (d->listen == NULL)
		log_info("reload: listen addresses and workers change only "
		         "with a restart");
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct dnsd *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading %s", d->conf_path);
		reload(d);
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
	for (int i = 0; i < 3; i++)
		event_free(sigs[i]);
	event_base_free(d.base);
	snapshot_unref(d.snap);
	free(d.workers);
	free(d.listen);
	log_info("stopped");
	return 0;
}
