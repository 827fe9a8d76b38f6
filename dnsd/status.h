/* SPDX-License-Identifier: MIT */
/*
 * dnsd/status.h: the status page (zones/README.md, "Status page"): on the
 * metrics listener, `/` is a page that draws who is sent where (a world
 * map of the database's locations coloured by the edge their clients get
 * now), the edges and their health, explain and what-if; beside /metrics,
 * a small JSON API it reads: /api/status, /api/edges, /api/map and
 * /api/explain.  Read-only: drains and the like stay on the control
 * socket.  On the main loop; never on the query path.
 */
#ifndef DNSD_STATUS_H
#define DNSD_STATUS_H

struct metrics_http;
struct server;

struct status;

/* Serve the page and its API on `http` for `server` (both kept).  Returns
 * new, or NULL after logging why. */
struct status *status_new(struct metrics_http *http,
                          const struct server *server);
void status_free(struct status *st); /* NULL is a no-op */

#endif
