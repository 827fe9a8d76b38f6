/* SPDX-License-Identifier: MIT */
/* daemon/metrics_http.c: a Prometheus endpoint on the event loop, and the
 * text-format (0.0.4) helpers the daemons' renderers share. */
#include "daemon/metrics_http.h"

#include <inttypes.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "common/log.h"
#include "common/netaddr.h"
#include "common/xalloc.h"

/* ---- the endpoint ------------------------------------------------------- */

#define METRICS_HTTP_TIMEOUT_S 10 /* a scraper that stalls is dropped */
#define METRICS_HTTP_BACKLOG 64

/* A page besides /metrics (metrics_http_page()). */
struct page {
	metrics_http_page_fn fn;
	void *arg;
};

/* Pages one endpoint serves at most: a status page and its API. */
#define METRICS_HTTP_PAGES 16

struct metrics_http {
	struct evhttp *http;
	void (*render)(struct evbuffer *out, void *arg);
	void *arg;
	struct page page[METRICS_HTTP_PAGES];
	size_t npages;
};

static void
scrape(struct evhttp_request *req, void *arg)
{
	struct metrics_http *m = arg;
	struct evbuffer *body = evbuffer_new();

	if (body == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	m->render(body, m->arg);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	                  "Content-Type",
	                  "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

static void
serve_page(struct evhttp_request *req, void *arg)
{
	const struct page *p = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evbuffer *body = evbuffer_new();
	const char *type = "text/plain; charset=utf-8";

	if (body == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	int status = p->fn(uri != NULL ? evhttp_uri_get_query(uri) : NULL, body,
	                   &type, p->arg);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", type);
	/* Read-only and internal: never cached, never framed elsewhere,
	 * and a page may load nothing but its own API. */
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "Content-Security-Policy",
	                  "default-src 'none'; script-src 'unsafe-inline'; "
	                  "style-src 'unsafe-inline'; connect-src 'self'; "
	                  "img-src 'none'; base-uri 'none'; "
	                  "form-action 'none'; frame-ancestors 'none'");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_send_reply(req, status,
	                  status == HTTP_OK         ? "OK"
	                  : status == HTTP_NOTFOUND ? "Not Found"
	                                            : "Bad Request",
	                  body);
	evbuffer_free(body);
}

int
metrics_http_page(struct metrics_http *m, const char *path,
                  metrics_http_page_fn fn, void *arg)
{
	if (m->npages == METRICS_HTTP_PAGES)
		return -1;
	struct page *p = &m->page[m->npages];
	p->fn = fn;
	p->arg = arg;
	if (evhttp_set_cb(m->http, path, serve_page, p) != 0)
		return -1;
	m->npages++;
	return 0;
}

static void
not_found(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_error(req, HTTP_NOTFOUND, NULL);
}

struct metrics_http *
metrics_http_new(struct event_base *base, const struct netaddr *addr,
                 void (*render)(struct evbuffer *out, void *arg), void *arg)
{
	struct metrics_http *m = xcalloc(1, sizeof(*m));
	struct evconnlistener *l;

	m->render = render;
	m->arg = arg;
	m->http = evhttp_new(base);
	if (m->http == NULL) {
		log_err("metrics: %s: cannot create the HTTP server",
		        addr->text);
		goto fail;
	}
	/* Our own listener, for LEV_OPT_CLOSE_ON_EXEC and errno on failure. */
	l = evconnlistener_new_bind(
	    base, NULL, NULL,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    METRICS_HTTP_BACKLOG, (const struct sockaddr *)&addr->ss,
	    (int)addr->len);
	if (l == NULL) {
		log_err_errno("metrics: %s: cannot listen", addr->text);
		goto fail;
	}
	if (evhttp_bind_listener(m->http, l) == NULL) {
		evconnlistener_free(l);
		log_err("metrics: %s: cannot serve HTTP", addr->text);
		goto fail;
	}
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(m->http, METRICS_HTTP_TIMEOUT_S);
	evhttp_set_cb(m->http, "/metrics", scrape, m);
	evhttp_set_gencb(m->http, not_found, m);
	log_info("metrics: http://%s/metrics", addr->text);
	return m;
fail:
	metrics_http_free(m);
	return NULL;
}

void
metrics_http_free(struct metrics_http *m)
{
	if (m == NULL)
		return;
	if (m->http != NULL)
		evhttp_free(m->http); /* and the listener bound to it */
	free(m);
}

/* ---- text format -------------------------------------------------------- */

void
metrics_http_head(struct evbuffer *out, const char *name, const char *type,
                  const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	                    name, type);
}

void
metrics_http_label(struct evbuffer *out, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			evbuffer_add(out, "\\\\", 2);
		else if (*v == '"')
			evbuffer_add(out, "\\\"", 2);
		else if (*v == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, v, 1);
	}
}

/* "name" or "name{k=\"v\"}" */
static void
put_name(struct evbuffer *out, const char *name, const char *k, const char *v)
{
	evbuffer_add_printf(out, "%s", name);
	if (k != NULL) {
		evbuffer_add_printf(out, "{%s=\"", k);
		metrics_http_label(out, v);
		evbuffer_add(out, "\"}", 2);
	}
}

void
metrics_http_sample(struct evbuffer *out, const char *name, const char *k,
                    const char *v, uint64_t value)
{
	put_name(out, name, k, v);
	evbuffer_add_printf(out, " %" PRIu64 "\n", value);
}

void
metrics_http_gauge(struct evbuffer *out, const char *name, const char *k,
                   const char *v, double value)
{
	put_name(out, name, k, v);
	/* Ten digits: a load of four decimals up to 1000 prints exactly. */
	evbuffer_add_printf(out, " %.10g\n", value);
}

void
metrics_http_sample2(struct evbuffer *out, const char *name, const char *k1,
                     const char *v1, const char *k2, const char *v2,
                     uint64_t value)
{
	evbuffer_add_printf(out, "%s{%s=\"", name, k1);
	metrics_http_label(out, v1);
	evbuffer_add_printf(out, "\",%s=\"", k2);
	metrics_http_label(out, v2);
	evbuffer_add_printf(out, "\"} %" PRIu64 "\n", value);
}
