/* SPDX-License-Identifier: MIT */
/* cmd/edge-health.c: the command line, then the prober (prober.h) wired
 * to the event loop, the signals and the privilege drop. */
#include <stdio.h>

#include <event2/event.h>

#include "common/errbuf.h"
#include "common/log.h"
#include "daemon/daemon.h"
#include "edge-health/conf.h"
#include "edge-health/prober.h"

static void
usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: edge-health -c FILE [-u USER] [-n] [-v]\n"
	    "\n"
	    "NAME\n"
	    "  edge-health - probes the CDN's edges and feeds their\n"
	    "  states to dnsd\n"
	    "\n"
	    "DESCRIPTION\n"
	    "  Probes every edge of FILE (tcp, http, https, dns) with "
	    "rise/fall\n"
	    "  anti-flap and sends full snapshots to each feed (dnsd's Unix\n"
	    "  socket, or UDP with a shared key).  Runs in the foreground\n"
	    "  and logs to stderr (see dist/systemd/edge-health.service).\n"
	    "\n"
	    "OPTIONS\n"
	    "  -c FILE     configuration (e.g. zones/edge-health.yaml)\n"
	    "  -u USER     started as root: before the first probe, switch\n"
	    "              to USER (overrides `user` in FILE).  As root\n"
	    "              without a user edge-health refuses to start\n"
	    "              unless FILE sets allow_root: true\n"
	    "  -n          check: load the configuration and the edge\n"
	    "              inventory, print every error as\n"
	    "              file:line:col: message, exit 0 if all is well,\n"
	    "              else 1\n"
	    "  -v          verbose: log debug messages too (every failed\n"
	    "              probe)\n"
	    "  -h, --help  this help\n"
	    "\n"
	    "FILES\n"
	    "  Every key of FILE is described in zones/README.md; the\n"
	    "  state_file's folder must be writable by USER.\n"
	    "\n"
	    "SIGNALS\n"
	    "  SIGHUP reloads the configuration (a broken file is\n"
	    "  reported and the running one is kept); SIGTERM and SIGINT\n"
	    "  stop.\n"
	    "\n"
	    "EXIT STATUS\n"
	    "  0 on a clean stop or a good check, 1 on any error.\n");
}

/* SIGHUP (daemon_signals_new) */
static void
sighup(void *arg)
{
	prober_reload(arg);
}

int
main(int argc, char **argv)
{
	const struct daemon_cli cli = {.usage = usage};
	struct daemon_args args;
	struct errbuf err;

	log_init("edge-health", true, LOG_INFO);
	switch (daemon_parse_args(&cli, argc, argv, &args)) {
	case DAEMON_RUN:
		break;
	case DAEMON_HELP:
		return 0;
	case DAEMON_BAD:
		return 1;
	}
	log_init("edge-health", true, args.log_level);

	errbuf_init(&err);
	struct eh_conf *conf = eh_conf_load(args.conf_path, &err);
	if (conf == NULL) {
		daemon_print_errors("edge-health", args.conf_path, &err);
		errbuf_fini(&err);
		return 1;
	}
	errbuf_fini(&err);
	if (args.check) {
		daemon_print_ok("edge-health", args.conf_path,
		                "prober %s, %zu edges probed, %zu feeds%s",
		                conf->prober, conf->nedge, conf->nfeed,
		                conf->anycast ? ", anycast role" : "");
		eh_conf_free(conf);
		return 0;
	}

	struct event_base *base = event_base_new();
	if (base == NULL)
		log_fatal("cannot create the event loop");
	/* The feed sockets and the metrics endpoint, still privileged. */
	struct prober *p = prober_new(base, args.conf_path, conf);
	if (p == NULL)
		log_fatal("cannot serve metrics");
	struct daemon_signals *sigs =
	    daemon_signals_new(base, args.conf_path, sighup, p);
	if (sigs == NULL)
		log_fatal("cannot start: see the errors above");
	/* Then the configured user (-u wins over `user`), before any probe. */
	const struct eh_conf *c = prober_conf(p);
	if (daemon_drop_privileges(args.user != NULL ? args.user : c->user,
	                           c->allow_root, NULL, 0) == -1)
		log_fatal("cannot start: see the errors above");
	if (prober_start(p) == -1)
		log_fatal("cannot start: see the errors above");

	event_base_dispatch(base);

	/* Nothing may call back into the prober once it is freed. */
	daemon_signals_free(sigs);
	prober_free(p);
	event_base_free(base);
	return 0;
}
