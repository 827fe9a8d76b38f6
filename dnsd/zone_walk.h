/* SPDX-License-Identifier: MIT */
/*
 * dnsd/zone_walk.h: the authoritative answer to a class IN question from
 * compiled zones (RFC 1034 §4.3.2): the zone, referrals with glue, CNAME
 * and DNAME chains within a zone, wildcards, NXDOMAIN and NODATA with the
 * SOA, additional addresses, and geo names per client.  Called by the
 * answer path per query and by prebuilt.c at load.  Hot path.
 */
#ifndef DNSD_ZONE_WALK_H
#define DNSD_ZONE_WALK_H

#include <stdint.h>

struct query;
struct steer;
struct response;
struct zonedb;

/*
 * Write the answer, authority and additional sections for `q` (which
 * must have a question) into `r`, started with response_start(), and
 * set r->rcode, aa, tc, the counts and, for a geo name, r->geo, trace
 * and ecs_scope.  Geo names pick from the edges as `steer` allows (NULL:
 * every edge), for query_client(q).  Computes the question's suffix
 * hashes (q->qname).
 */
void zone_walk(struct response *r, const struct zonedb *db, struct query *q,
               const struct steer *steer);

#endif
