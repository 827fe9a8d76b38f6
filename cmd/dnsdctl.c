/* SPDX-License-Identifier: MIT */
/* cmd/dnsdctl.c: the operator's client for dnsd's control socket. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/conf.h"
#include "dnsd/control.h"
#include "dnsd/control_client.h"

/* Exit statuses: scripts tell "the server said no" from "no server". */
#define CTL_EXIT_OK 0
#define CTL_EXIT_ERROR 1   /* the response did not end in "ok" */
#define CTL_EXIT_CONNECT 2 /* no server, or bad usage */

/* A reload compiles every zone: give the server time to answer. */
#define CTL_DEFAULT_TIMEOUT 30

static void
usage(FILE *out)
{
	fprintf(
	    out,
	    "NAME\n"
	    "    dnsdctl - control a running dnsd\n"
	    "\n"
	    "SYNOPSIS\n"
	    "    dnsdctl -c FILE [-s SOCKET] [-t SECONDS] COMMAND [ARGS]\n"
	    "    dnsdctl -s SOCKET [-t SECONDS] [--json] COMMAND [ARGS]\n"
	    "    dnsdctl -h\n"
	    "\n"
	    "DESCRIPTION\n"
	    "    Sends one command to dnsd over its control socket and\n"
	    "    prints the response.  The socket is the `control:' key\n"
	    "    of the server configuration (relative to that file;\n"
	    "    default dnsd.ctl next to it).  Only the owner and group\n"
	    "    of the socket (mode 0660) may use it.\n"
	    "\n"
	    "COMMANDS\n"
	    "    edges             the edges: state reported by the\n"
	    "                      probes (up, down, unknown), the\n"
	    "                      operator override, whether dnsd\n"
	    "                      answers with the edge (EFFECTIVE),\n"
	    "                      its weight, share of its clients and\n"
	    "                      reported load, the last report and\n"
	    "                      the last change, what holds its share\n"
	    "                      down (STEERING: shed, ramp, drain),\n"
	    "                      the probers' votes behind its state\n"
	    "                      (VOTES: \"1/3 down\"), and the health\n"
	    "                      feed's age\n"
	    "    probers           the probers that feed dnsd: fresh,\n"
	    "                      stale or isolated, whether their votes\n"
	    "                      count, edges probed and found down,\n"
	    "                      last message, times found isolated\n"
	    "    drain NAME        give no new answers with edge NAME\n"
	    "    drain NAME --over DURATION\n"
	    "                      lower NAME's share of its clients to\n"
	    "                      nothing in a straight line over\n"
	    "                      DURATION (e.g. 10m); auto ramps it\n"
	    "                      back\n"
	    "    force-down NAME   treat NAME as down, whatever the\n"
	    "                      probes say\n"
	    "    force-up NAME     treat NAME as up, whatever the probes\n"
	    "                      say\n"
	    "    auto NAME         clear the override: follow the probes\n"
	    "                      (an edge coming back ramps up over\n"
	    "                      steering.ramp)\n"
	    "    reload            reload the configuration, zones, edges\n"
	    "                      and geo database; on failure the old\n"
	    "                      ones stay in service\n"
	    "    status            version, uptime, configuration generation\n"
	    "                      and load time, zones, geo database,\n"
	    "                      workers, edges, probers and the\n"
	    "                      health feed\n"
	    "    stats             query counters: by protocol, rcode and\n"
	    "                      qtype, EDNS, ECS, truncation, drops,\n"
	    "                      TCP connections, reloads\n"
	    "    dnssec ZONE       the zone's keys (tag, algorithm, role,\n"
	    "                      state, file), its signatures' validity\n"
	    "                      and next signing, the geo answers\n"
	    "                      signed at load, and the DS records to\n"
	    "                      give the parent\n"
	    "    explain CLIENT NAME [A|AAAA]\n"
	    "                      why CLIENT (ADDRESS or ADDRESS/PREFIX,\n"
	    "                      as a resolver's client subnet) gets\n"
	    "                      its edges for the geo name NAME: the\n"
	    "                      location, the rule that decided, the\n"
	    "                      ranked edges with distance (or RTT),\n"
	    "                      tier, weight, share and\n"
	    "                      probed/override/effective state, the\n"
	    "                      answer, its TTL and ECS scope\n"
	    "    simulate down EDGE | simulate drain EDGE\n"
	    "    simulate share EDGE FRACTION\n"
	    "                      what if: where the clients EDGE\n"
	    "                      answers now would go if it were down,\n"
	    "                      drained, or kept FRACTION (0..1) of\n"
	    "                      them; replayed from the clients dnsd\n"
	    "                      sampled (server.sample), per\n"
	    "                      destination edge and per country.\n"
	    "                      Changes nothing\n"
	    "    Overrides are kept across restarts of dnsd.\n"
	    "\n"
	    "OPTIONS\n"
	    "    -c FILE     the server configuration (e.g.\n"
	    "                zones/dnsd.yaml): where the socket is\n"
	    "    -s SOCKET   the control socket, overriding -c\n"
	    "    --json      explain, simulate: print one JSON object\n"
	    "                (the exit code says whether it worked)\n"
	    "    -t SECONDS  wait at most this long for the response\n"
	    "                (default %d)\n"
	    "    -h, --help  this help\n"
	    "\n"
	    "EXIT STATUS\n"
	    "    0  the response ended in \"ok\"\n"
	    "    1  the response ended in \"error: ...\" (or was cut)\n"
	    "    2  bad usage, unreadable configuration, or dnsd could\n"
	    "       not be reached\n",
	    CTL_DEFAULT_TIMEOUT);
}

/* The socket named by the configuration file; new, or NULL (printed). */
static char *
socket_from_conf(const char *file)
{
	struct errbuf err;

	errbuf_init(&err);
	struct dnsd_conf *conf = conf_load(file, &err);
	char *path = NULL;
	if (conf == NULL || conf->control == NULL) {
		fprintf(stderr,
		        "dnsdctl: %s: cannot read the configuration\n%s", file,
		        errbuf_text(&err));
	} else {
		/*
		 * A configuration with errors elsewhere still names the
		 * socket of the server running an older, valid one.
		 */
		if (err.count > 0)
			fprintf(stderr,
			        "dnsdctl: %s has errors (dnsd -n shows "
			        "them); using %s\n",
			        file, conf->control);
		path = xstrdup(conf->control);
	}
	conf_free(conf);
	errbuf_fini(&err);
	return path;
}

/*
 * The request: the words joined by one space (" json" added for --json),
 * then "\n".  New, or NULL (printed) if it cannot be one line.
 */
static char *
request_line(char **word, int n, bool json)
{
	size_t len = 0, off = 0;

	for (int i = 0; i < n; i++) {
		if (strpbrk(word[i], "\r\n") != NULL) {
			fprintf(stderr, "dnsdctl: arguments cannot contain "
			                "line breaks\n");
			return NULL;
		}
		len += strlen(word[i]) + 1;
	}
	if (len > CONTROL_LINE_MAX + 1) {
		fprintf(stderr,
		        "dnsdctl: the command is longer than %d octets\n",
		        CONTROL_LINE_MAX);
		return NULL;
	}
	char *req = xmalloc(len + sizeof(" json"));
	for (int i = 0; i < n; i++) {
		size_t l = strlen(word[i]);
		memcpy(req + off, word[i], l);
		off += l;
		req[off++] = ' ';
	}
	off--; /* the last word's space */
	if (json) {
		memcpy(req + off, " json", 5);
		off += 5;
	}
	memcpy(req + off, "\n", 2);
	return req;
}

int
main(int argc, char **argv)
{
	const char *conf_file = NULL, *sock = NULL;
	int timeout_s = CTL_DEFAULT_TIMEOUT;
	bool json = false;
	int opt;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	/* --json: machine output (explain), before getopt sees it */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
			memmove(&argv[i], &argv[i + 1],
			        (size_t)(argc - i) * sizeof(*argv));
			argc--;
			break;
		}
	}
	/* "+": stop at the command, so its arguments are never options */
	while ((opt = getopt(argc, argv, "+c:s:t:h")) != -1) {
		switch (opt) {
		case 'c':
			conf_file = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 't': {
			char *end;
			long t = strtol(optarg, &end, 10);
			if (*end != '\0' || end == optarg || t < 1 ||
			    t > 86400) {
				fprintf(stderr,
				        "dnsdctl: -t: seconds, 1..86400\n");
				return CTL_EXIT_CONNECT;
			}
			timeout_s = (int)t;
			break;
		}
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		default:
			usage(stderr);
			return CTL_EXIT_CONNECT;
		}
	}
	if (optind >= argc || (conf_file == NULL && sock == NULL)) {
		usage(stderr);
		return CTL_EXIT_CONNECT;
	}
	log_init("dnsdctl", true, LOG_WARNING);

	char *req = request_line(argv + optind, argc - optind, json);
	if (req == NULL)
		return CTL_EXIT_CONNECT;

	char *path = sock != NULL ? xstrdup(sock) : socket_from_conf(conf_file);
	if (path == NULL) {
		free(req);
		return CTL_EXIT_CONNECT;
	}
	char *resp, why[512];
	size_t len;
	int rc = control_client_ask(path, req, timeout_s, &resp, &len, why,
	                            sizeof(why));
	free(req);
	free(path);
	if (rc < 0) {
		fprintf(stderr, "dnsdctl: %s\n", why);
		return rc == -1 ? CTL_EXIT_CONNECT : CTL_EXIT_ERROR;
	}
	bool ok = control_client_ok(resp, len);
	/* --json prints the JSON alone: the status is the exit code. */
	size_t show = len;
	if (json && ok) {
		show = len - (resp[len - 1] == '\n' ? 3 : 2);
	}
	fwrite(resp, 1, show, stdout);
	if (show > 0 && resp[show - 1] != '\n')
		fputc('\n', stdout);
	free(resp);
	if (fflush(stdout) == EOF)
		return CTL_EXIT_ERROR;
	return ok ? CTL_EXIT_OK : CTL_EXIT_ERROR;
}
