/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_eh_edge_report.c: any bytes, as an edge's health-check
 * body -> edge_report_parse(); whatever an edge says, the report is in
 * range and the feed can always carry it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hmsg.h"
#include "edge-health/edge_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hmsg m, again;
	static char buf[HMSG_MAX];
	struct edge_report rep;
	char why[EDGE_REPORT_WHY_MAX];
	const char *bad;

	int r =
	    edge_report_parse((const char *)data, size, &rep, why, sizeof(why));
	if (r != 0 && r != -1)
		abort();
	if (memchr(why, '\0', sizeof(why)) == NULL)
		abort();
	if (r == -1 && rep.has != 0)
		abort();
	if (rep.has & ~(HMSG_HAS_LOAD | HMSG_HAS_WEIGHT | HMSG_HAS_DRAIN))
		abort();
	if ((rep.has & HMSG_HAS_LOAD) &&
	    (!(rep.load >= 0 && rep.load <= HMSG_LOAD_MAX) ||
	     hmsg_load_round(rep.load) != rep.load))
		abort();

	/* A lying edge never takes the feed down: its report encodes, and
	 * decodes as it was. */
	memset(&m, 0, sizeof(m));
	memcpy(m.prober, "p1", 3);
	m.n = 1;
	memcpy(m.edge[0].name, "lhr", 4);
	m.edge[0].state = HMSG_UP;
	m.edge[0].has = rep.has;
	m.edge[0].load = rep.load;
	m.edge[0].weight = rep.weight;
	m.edge[0].drain = rep.drain;
	int n = hmsg_encode(&m, NULL, 0, buf, sizeof(buf));
	if (n < 0 || hmsg_decode(buf, (size_t)n, NULL, 0, &again, &bad) != 0)
		abort();
	if (again.edge[0].has != rep.has ||
	    ((rep.has & HMSG_HAS_LOAD) && again.edge[0].load != rep.load) ||
	    ((rep.has & HMSG_HAS_WEIGHT) &&
	     again.edge[0].weight != rep.weight) ||
	    ((rep.has & HMSG_HAS_DRAIN) && again.edge[0].drain != rep.drain))
		abort();
	return 0;
}
