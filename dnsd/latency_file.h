/* SPDX-License-Identifier: MIT */
/*
 * dnsd/latency_file.h: a geo name's latency_file, the round-trip times
 * measured from client networks to edges (edge access logs, real-user
 * measurement), read into the geo policy's latency entries.  Load path.
 */
#ifndef DNSD_LATENCY_FILE_H
#define DNSD_LATENCY_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct edge_set;
struct errbuf;
struct geo_latency;

/*
 * Read a latency file from `f`: one "NETWORK EDGE RTT_MS" per line
 * ("81.2.69.0/24 lhr 12.5"), '#' starts a comment, blank lines are
 * ignored.  NETWORK is ADDRESS/LENGTH with no bits set past LENGTH, EDGE
 * an edge of `edges` that is one of the `npool` edges of `pool`
 * (inventory indexes), RTT_MS a decimal number of milliseconds, 0 or more.
 * A (network, edge) pair may appear once.  Every bad line is added to
 * `err` at `path`:line:col (missing fields, a bad network, an unknown
 * edge or one outside the pool, a bad or negative RTT, extra text, a
 * pair listed twice).  Returns 0 with one entry per network in *out (new:
 * free() it) and their count in *nout, each entry's edges in RTT order
 * (ties by inventory index), the GEO_MAX_RANK fastest where a network
 * lists more; or -1 with *out NULL.  Borrows everything.
 */
int latency_file_read(FILE *f, const char *path, const struct edge_set *edges,
                      const uint16_t *pool, size_t npool,
                      struct geo_latency **out, size_t *nout,
                      struct errbuf *err);

/*
 * How long ago `path` was last modified, in seconds as of `now` (0 if its
 * modification time is later).  Returns 0, or -1 with errno (stat).
 */
int latency_file_age(const char *path, time_t now, uint64_t *age_s);

#endif
