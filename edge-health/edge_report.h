/* SPDX-License-Identifier: MIT */
/* edge-health/edge_report.h: what an edge says about itself in the body of
 * its HTTP(S) health check, e.g. {"load": 0.83, "weight": 20, "drain": false}.
 * Pure: no I/O, no logging, no event loop. */
#ifndef EDGE_HEALTH_EDGE_REPORT_H
#define EDGE_HEALTH_EDGE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EDGE_REPORT_WHY_MAX 160

/* The fields are those of struct hmsg_edge, which carries them to dnsd. */
struct edge_report {
	uint8_t has;    /* HMSG_HAS_*: which of the three below are set */
	uint8_t weight; /* 0..255 */
	bool drain;
	double load; /* 0..HMSG_LOAD_MAX, rounded as the feed sends it */
};

/*
 * Read `len` bytes of a response body (any bytes; not NUL-terminated).
 * It is a report only if, after leading white space, it starts with '{'
 * and the whole body is one JSON object (a key twice makes it none).
 * Its keys:
 *	"load"	 a number (integer or real), 0..1000; 1 means fully loaded
 *	"weight" an integer, 0..255
 *	"drain"	 true or false
 * A key of the wrong type or out of range is left out (the others still
 * count); other keys are ignored.  Returns 0 with `out` filled (has may be
 * 0: "{}" is a report of nothing), or -1 if the body is no report (out->has
 * is 0 then).  `why` (whylen > 0) gets "" or, for people, what was left
 * out ("load: not a number in 0..1000", several joined by "; ") or why a
 * body that starts with '{' is no JSON object ("not JSON: ...").  A plain
 * body gives -1 and "".
 */
int edge_report_parse(const char *body, size_t len, struct edge_report *out,
                      char *why, size_t whylen);

#endif
