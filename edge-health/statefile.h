/* SPDX-License-Identifier: MIT */
/* edge-health/statefile.h: edge states kept across restarts (optional). */
#ifndef EDGE_HEALTH_STATEFILE_H
#define EDGE_HEALTH_STATEFILE_H

struct hmsg;

/*
 * The file holds one snapshot in the feed's own text format (common/hmsg,
 * without a mac), so it can be read with cat.  Both calls block briefly
 * on a local file; they run at start-up, on transitions and at shutdown.
 */

/*
 * Write `m` to `path` atomically (a temporary file, then rename).
 * Returns 0, or -1 with errno set.
 */
int statefile_save(const char *path, const struct hmsg *m);

/*
 * Read `path` into `m`.  Returns 0, or -1 with *why set to a short static
 * reason ("no such file", "line 3: unknown state", ...).
 */
int statefile_load(const char *path, struct hmsg *m, const char **why);

#endif
