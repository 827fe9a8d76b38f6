/* SPDX-License-Identifier: MIT */
/* edge-health/probe.h: one check against one edge, run on the event loop. */
#ifndef EDGE_HEALTH_PROBE_H
#define EDGE_HEALTH_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "edge-health/conf.h"

struct edge_report;
struct event_base;
struct ssl_ctx_st;
struct probe;

#define PROBE_REASON_MAX 200

/*
 * Called once per started probe with the result; `reason` says why a
 * probe failed ("http: status 503", "tcp: connection refused"), without
 * the edge name or address.  `report` is what the edge said about itself
 * in the body of a passing http/https check (edge-health/edge_report.h),
 * or NULL: a failed check, a tcp or dns check, or a body that is no
 * report.
 * Both are only valid during the call.  Never called from within
 * ops->start nor after ops->stop.
 */
typedef void probe_done_fn(struct probe *p, bool ok, const char *reason,
                           const struct edge_report *report);

/* What every probe shares: the loop and the TLS contexts (probe_env_*). */
struct probe_env {
	struct event_base *base;
	struct ssl_ctx_st *tls_verify;   /* chain and host name checked */
	struct ssl_ctx_st *tls_noverify; /* anything accepted */
};

/*
 * A probe, allocated and owned by the caller (round.c), which fills every
 * field but `impl` before ops->start.  The timeout is the caller's: it
 * calls ops->stop when it expires.
 */
struct probe {
	const struct probe_ops *ops;
	const struct probe_env *env;
	const char *edge; /* the edge's name, for logs */
	const struct eh_check *check;
	probe_done_fn *done;
	void *arg;  /* the caller's */
	void *impl; /* the implementation's, NULL when idle */
};

struct probe_ops {
	const char *name;
	/*
	 * Start the check.  Returns 0 (p->done will be called later), or -1
	 * with a reason in `why` (p->done will not be called).
	 */
	int (*start)(struct probe *p, char *why, size_t whylen);
	/* Abandon a running probe and free its resources; p->done is not
	 * called.  A no-op on an idle probe.  Not from within p->done. */
	void (*stop)(struct probe *p);
};

extern const struct probe_ops probe_tcp_ops;
extern const struct probe_ops probe_http_ops; /* http and https */
extern const struct probe_ops probe_dns_ops;

/* The implementation for a check type. */
const struct probe_ops *probe_ops_for(enum eh_check_type type);

/*
 * A new nonblocking, close-on-exec socket of `socktype` (SOCK_STREAM or
 * SOCK_DGRAM) in the family of the check's address, bound to the check's
 * `source` if it has one: the one place where probes bind.  Returns the
 * descriptor (the caller closes it), or -1 with a reason in `why`
 * ("tcp: bind source 127.0.0.31: Cannot assign requested address").  Never
 * blocks.
 */
int probe_socket(const struct eh_check *c, int socktype, char *why,
                 size_t whylen);

/*
 * Create the TLS contexts (system trust store for verification).  Returns
 * 0, or -1 after logging why.  probe_env_fini frees them (safe on a
 * zeroed or failed env).
 */
int probe_env_init(struct probe_env *env, struct event_base *base);
void probe_env_fini(struct probe_env *env);

#endif
