/* SPDX-License-Identifier: MIT */
/* cmd/dnsd.c: dnsd's main: the command line, then the server (server.h)
 * wired to the event loop and its signals. */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "common/errbuf.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/xalloc.h"
#include "daemon/daemon.h"
#include "dnsd/conf.h"
#include "dnsd/server.h"

/* -l ADDR:PORT, repeatable. */
struct listen_opts {
	struct netaddr *addr;
	size_t n;
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

/* -l ADDR:PORT, repeatable: listen there instead of the configuration. */
static int
listen_opt(int ch, const char *arg, void *ctx)
{
	struct listen_opts *l = ctx;

	(void)ch;
	l->addr = xreallocarray(l->addr, l->n + 1, sizeof(*l->addr));
	if (netaddr_parse(arg, CONF_DNS_PORT, &l->addr[l->n]) == -1) {
		log_msg(LOG_CRIT, "-l %s: expected ADDR:PORT or [ADDR]:PORT",
		        arg);
		return -1;
	}
	l->n++;
	return 0;
}

/* SIGHUP (daemon_signals_new): server_reload() logs how it went. */
static void
sighup(void *arg)
{
	struct errbuf err;

	errbuf_init(&err);
	server_reload(arg, &err);
	errbuf_fini(&err);
}

int
main(int argc, char **argv)
{
	struct listen_opts l = {0};
	struct daemon_args args;
	struct errbuf err;
	const struct daemon_cli cli = {
	    .usage = usage, .opts = "l:", .opt = listen_opt, .ctx = &l};

	log_init("dnsd", true, LOG_INFO);
	enum daemon_parse how = daemon_parse_args(&cli, argc, argv, &args);
	if (how != DAEMON_RUN) {
		free(l.addr);
		return how == DAEMON_HELP ? 0 : 1;
	}
	log_init("dnsd", true, args.log_level);
	if (args.check) {
		free(l.addr);
		return server_check(args.conf_path);
	}

	errbuf_init(&err);
	struct server *s = server_load(args.conf_path, l.addr, l.n, &err);
	free(l.addr);
	if (s == NULL) {
		daemon_print_errors("dnsd", args.conf_path, &err);
		errbuf_fini(&err);
		return 1;
	}
	errbuf_fini(&err);
	struct event_base *base = event_base_new();
	if (base == NULL)
		log_fatal("cannot create the event loop");
	/* Before any thread or socket: SIGPIPE ignored, the rest queued. */
	struct daemon_signals *sigs =
	    daemon_signals_new(base, args.conf_path, sighup, s);
	if (sigs == NULL || server_start(s, base, args.user) == -1)
		log_fatal("cannot start: see the errors above");

	event_base_dispatch(base);

	server_free(s);
	daemon_signals_free(sigs);
	event_base_free(base);
	log_info("stopped");
	return 0;
}
