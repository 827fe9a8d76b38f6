/* SPDX-License-Identifier: MIT */
/* dnsd/explain.h: why a client gets the edges it gets, for people (and
 * scripts): the shared core of `geoq` and `dnsdctl explain`.  It asks the
 * same geo answer function the query path uses (geo_answer.h), of the
 * serving snapshot and its database.  Allocates: never on the query path. */
#ifndef DNSD_EXPLAIN_H
#define DNSD_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct health_edge_info;
struct serving;

/*
 * Explain the answer for `client` ("ADDRESS" or "ADDRESS/PREFIX", as a
 * resolver's ECS) asking `name` (a geo name of `snap`, e.g.
 * "cdn.example.net", or NULL for every geo name) for `type` ("A", "AAAA"
 * or NULL for both): the location the database gives, the rule that
 * decided, the network of the compiled map the client falls in, the
 * ranked edges with distance and (with `states`) probed, override and
 * effective state, the answer as dnsd gives it from `sv` (a snapshot and
 * its edge health), its TTL and ECS scope.  The location comes from the
 * database the snapshot was compiled from, not from the file as it is now.
 * Writes text, or one JSON object with `json`.  Returns 0, or -1 with a
 * one-line reason in `err` (bad client, no such geo name).
 */
int explain_write(FILE *out, const struct serving *sv,
                  const struct health_edge_info *states, size_t nstates,
                  const char *client, const char *name, const char *type,
                  bool json, char *err, size_t errlen);

/* A network in the tree layout (IPv4 as ::a.b.c.d) as text:
 * "81.2.69.0/24", "2001:218::/32". */
void explain_net_text(const uint8_t key[16], unsigned plen, char *out,
                      size_t outlen);

#endif
