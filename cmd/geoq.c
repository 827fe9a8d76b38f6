/* SPDX-License-Identifier: MIT */
/* cmd/geoq.c: which edges, in what order, for this address under this
 * configuration?  Offline: compiles the configuration as dnsd does. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "common/log.h"
#include "dnsd/explain.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"

static void
usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: geoq -c FILE [-j] ADDRESS[/PREFIX] [NAME]\n"
	    "\n"
	    "Show how dnsd would answer geo names for a client: the\n"
	    "location the database gives, the rule that decides, the\n"
	    "edges in rank order with their distance, the A and AAAA\n"
	    "answers, the TTL and the ECS scope.  ADDRESS/PREFIX is what a\n"
	    "resolver sends as EDNS Client Subnet; a bare address is a\n"
	    "/32 or /128 client.  NAME limits the output to one geo name\n"
	    "(e.g. cdn.example.net).  Nothing is sent on the network and\n"
	    "every edge counts as up; `dnsdctl explain` asks a running\n"
	    "dnsd, with its edge health.\n"
	    "\n"
	    "  -c FILE  the server configuration (e.g. zones/dnsd.yaml)\n"
	    "  -j       one JSON object instead of text\n"
	    "  -h, --help  this help\n");
}

int
main(int argc, char **argv)
{
	const char *conf_path = NULL;
	bool json = false;
	struct errbuf err;
	char why[256];
	int ch;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	log_init("geoq", true, LOG_WARNING);
	while ((ch = getopt(argc, argv, "c:jh")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (conf_path == NULL || argc - optind < 1 || argc - optind > 2) {
		usage(stderr);
		return 1;
	}
	errbuf_init(&err);
	struct snapshot *s = snapshot_load(conf_path, 1, &err);
	if (s == NULL) {
		fputs(errbuf_text(&err), stderr);
		errbuf_fini(&err);
		return 1;
	}
	errbuf_fini(&err);
	/* Every edge up: no health without a running server. */
	struct serving *sv = serving_new(s, NULL, 0, NULL);
	int rc = explain_write(stdout, sv, NULL, 0, argv[optind],
	                       argc - optind == 2 ? argv[optind + 1] : NULL,
	                       NULL, json, why, sizeof(why));
	if (rc == -1)
		fprintf(stderr, "geoq: %s\n", why);
	serving_unref(sv);
	snapshot_unref(s);
	return rc == -1 ? 1 : 0;
}
