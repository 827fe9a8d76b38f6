/* SPDX-License-Identifier: MIT */
/* dnsd/chaos.h: class CHAOS: the server's version and identity
 * (version.bind, id.server and their aliases), or REFUSED.  Hot path. */
#ifndef DNSD_CHAOS_H
#define DNSD_CHAOS_H

struct query;
struct response;
struct snapshot;

/* Answer the CHAOS question of `q` into `r` from the configured strings. */
void chaos_answer(struct response *r, const struct snapshot *snap,
                  const struct query *q);

#endif
