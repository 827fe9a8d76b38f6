/* SPDX-License-Identifier: MIT */
/* daemon/metrics_http.h: a Prometheus endpoint on the event loop, and the
 * text-format (0.0.4) helpers the daemons' renderers share. */
#ifndef DAEMON_METRICS_HTTP_H
#define DAEMON_METRICS_HTTP_H

#include <stdint.h>

struct event_base;
struct evbuffer;
struct netaddr;

struct metrics_http;

/*
 * Serve HTTP at `addr` (borrowed during the call) on `base` (borrowed,
 * must outlive the endpoint): GET and HEAD of /metrics answer 200 with
 * Content-Type "text/plain; version=0.0.4; charset=utf-8" and, as the
 * body, what `render(out, arg)` appends to `out`, called once per scrape
 * on the loop's thread (it cannot fail: what it cannot read it leaves
 * out).  Any other path is a 404, other methods are refused, and a
 * connection idle for 10 s is closed.  Keeps `arg`, which must outlive
 * the endpoint.  Logs "metrics: http://ADDR/metrics" once listening.
 * Returns new, or NULL after logging why (e.g. the address is in use).
 * Bind it before dropping privileges.
 */
struct metrics_http *
metrics_http_new(struct event_base *base, const struct netaddr *addr,
                 void (*render)(struct evbuffer *out, void *arg), void *arg);

/*
 * What a page handler writes for a GET of its path: the body into `out`
 * and its Content-Type into *type; returns the HTTP status (200, or 400 or
 * 404 with a one-line reason as the body).  `query` is the request's query
 * string ("a=1&b=2", NULL without one), `arg` the page's.
 */
typedef int (*metrics_http_page_fn)(const char *query, struct evbuffer *out,
                                    const char **type, void *arg);

/*
 * Serve `path` ("/", "/api/edges") with `fn` on the same listener, read
 * only (GET and HEAD, as /metrics).  Keeps `arg`, which must outlive the
 * endpoint.  Returns 0, or -1 if the path is already served.
 */
int metrics_http_page(struct metrics_http *m, const char *path,
                      metrics_http_page_fn fn, void *arg);

/* Close the listener and its connections.  NULL is a no-op. */
void metrics_http_free(struct metrics_http *m);

/* ---- text format ------------------------------------------------------ */

/* "# HELP name help\n# TYPE name type\n" */
void metrics_http_head(struct evbuffer *out, const char *name, const char *type,
                       const char *help);

/* A label value, escaped as the text format requires: \\ \" \n. */
void metrics_http_label(struct evbuffer *out, const char *value);

/* "name value\n", or with `k` not NULL: "name{k=\"v\"} value\n". */
void metrics_http_sample(struct evbuffer *out, const char *name, const char *k,
                         const char *v, uint64_t value);

/* metrics_http_sample() for a value that need not be whole ("%.10g"). */
void metrics_http_gauge(struct evbuffer *out, const char *name, const char *k,
                        const char *v, double value);

/* "name{k1=\"v1\",k2=\"v2\"} value\n" */
void metrics_http_sample2(struct evbuffer *out, const char *name,
                          const char *k1, const char *v1, const char *k2,
                          const char *v2, uint64_t value);

#endif
