/* SPDX-License-Identifier: MIT */
/* edge-health/prober.h: the prober's life on one event loop: its
 * configuration, the probes (sched), the feed with its periodic report,
 * the state file, the anycast role (anycast.h), reload, and the metrics
 * endpoint. */
#ifndef EDGE_HEALTH_PROBER_H
#define EDGE_HEALTH_PROBER_H

struct eh_conf;
struct event_base;
struct prober;

/*
 * A prober for `conf` (taken: freed with the prober, or by a reload that
 * replaces it), loaded from `conf_path` (kept: a reload reads it again)
 * on `base` (borrowed; must outlive the prober).  Opens what may need
 * privileges, before they are dropped: the feed's sockets and, if `conf`
 * sets `metrics`, the Prometheus endpoint.  Nothing is probed or sent
 * until prober_start.  Returns new, or NULL after logging why (the
 * endpoint cannot be bound); `conf` is freed then too.
 */
struct prober *prober_new(struct event_base *base, const char *conf_path,
                          struct eh_conf *conf);

/* The running configuration (borrowed; a reload replaces it). */
const struct eh_conf *prober_conf(const struct prober *p);

/*
 * Start probing (the first round at once), after the privilege drop:
 * down edges saved in the state file start down, the full snapshot goes
 * to every feed every interval (and at once on a transition), and
 * "ready: edge-health ..." is logged.  0, or -1 after logging why.
 */
int prober_start(struct prober *p);

/*
 * Load the configuration file again and, if it is good, probe by it from
 * now on (states and counters carry over for edges and checks that stay;
 * the metrics endpoint stays where it was bound).  A bad file is logged
 * and the running configuration kept.  For SIGHUP, on the loop.
 */
void prober_reload(struct prober *p);

/*
 * Save the states, stop probing and sending, close the endpoint and the
 * feed, and log "stopped: ...".  Call once the loop has returned, before
 * freeing `base`: it runs the loop once more for deferred frees.  NULL
 * is a no-op.
 */
void prober_free(struct prober *p);

#endif
