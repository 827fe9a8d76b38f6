/* SPDX-License-Identifier: MIT */
/* edge-health/probe_http.c: the http and https checks (libevent client). */
#include "edge-health/probe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "edge-health/edge_report.h"

#define HTTP_MAX_HEADERS 16384

struct http_probe {
	struct probe *p;
	struct evhttp_connection *conn;
	struct bufferevent *bev;
	SSL *ssl; /* owned by bev; NULL for http */
	enum evhttp_request_error error;
	bool have_error;
	int sock_error;           /* of a failed connect, or 0 */
	bufferevent_event_cb ecb; /* evhttp's own event callback */
	void *ecb_arg;
};

static void
free_conn_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evhttp_connection_free(arg);
}

/*
 * libevent must not free a connection from inside its own request
 * callback, so completion defers the free to the next loop turn.
 */
static void
release(struct probe *p, bool deferred)
{
	struct http_probe *h = p->impl;

	if (h == NULL)
		return;
	if (h->conn != NULL) {
		if (!deferred ||
		    event_base_once(p->env->base, -1, EV_TIMEOUT, free_conn_cb,
		                    h->conn, NULL) == -1)
			evhttp_connection_free(h->conn);
	}
	free(h);
	p->impl = NULL;
}

static void
probe_http_stop(struct probe *p)
{
	release(p, false);
}

static const char *
request_error_text(enum evhttp_request_error e)
{
	switch (e) {
	case EVREQ_HTTP_TIMEOUT:
		return "timeout";
	case EVREQ_HTTP_EOF:
		return "connection closed before a response";
	case EVREQ_HTTP_INVALID_HEADER:
		return "invalid response header";
	case EVREQ_HTTP_BUFFER_ERROR:
		return "read or write error";
	case EVREQ_HTTP_REQUEST_CANCEL:
		return "request cancelled";
	case EVREQ_HTTP_DATA_TOO_LONG:
		return "response larger than max_body";
	}
	return "request failed";
}

static void
error_cb(enum evhttp_request_error e, void *arg)
{
	struct http_probe *h = arg;

	h->error = e;
	h->have_error = true;
}

/*
 * evhttp reports a failed connect without its cause, and has closed the
 * socket by the time our request callback runs.  So watch the connect
 * in between: note the socket error, then hand over to evhttp.
 */
static void
connect_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct http_probe *h = arg;

	if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF))
		h->sock_error = EVUTIL_SOCKET_ERROR();
	h->ecb(bev, what, h->ecb_arg);
}

/* Why a request got no response: TLS first (its error is the real one),
 * then the socket error, then libevent's request error. */
static void
failure_reason(struct http_probe *h, char *why, size_t len)
{
	int saved_errno = h->sock_error;
	const char *kind = eh_conf_check_name(h->p->check->type);

	if (h->ssl != NULL) {
		long vr = SSL_get_verify_result(h->ssl);
		unsigned long e = bufferevent_get_openssl_error(h->bev);
		if (vr != X509_V_OK && h->p->check->verify) {
			snprintf(why, len, "%s: certificate verify failed: %s",
			         kind, X509_verify_cert_error_string(vr));
			return;
		}
		if (e != 0) {
			const char *r = ERR_reason_error_string(e);
			snprintf(why, len, "%s: tls: %s", kind,
			         r ? r : "handshake failed");
			return;
		}
	}
	if (saved_errno == ECONNREFUSED || saved_errno == ECONNRESET ||
	    saved_errno == EHOSTUNREACH || saved_errno == ENETUNREACH) {
		snprintf(why, len, "%s: %s", kind,
		         saved_errno == ECONNREFUSED ? "connection refused"
		         : saved_errno == ECONNRESET ? "connection reset"
		                                     : "unreachable");
		return;
	}
	snprintf(why, len, "%s: %s", kind,
	         h->have_error ? request_error_text(h->error) : "no response");
}

static bool
status_accepted(const struct eh_check *c, int code)
{
	for (size_t i = 0; i < c->nstatus; i++)
		if ((int)c->status[i] == code)
			return true;
	return false;
}

/*
 * A passing check's body, as a report of the edge about itself; NULL if
 * it is none.  What a report leaves out is logged: the edge's fault,
 * never a reason to fail the check.
 */
static const struct edge_report *
read_report(const struct probe *p, const unsigned char *data, size_t n,
            struct edge_report *rep)
{
	static struct log_rl rl;
	char why[EDGE_REPORT_WHY_MAX];
	int r = edge_report_parse((const char *)data, n, rep, why, sizeof(why));

	if (why[0] != '\0')
		log_ratelimit(&rl, LOG_WARNING, "probe %s (%s): report: %s",
		              p->edge, p->check->addr.text, why);
	return r == 0 ? rep : NULL;
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct http_probe *h = arg;
	struct probe *p = h->p;
	const struct eh_check *c = p->check;
	const char *kind = eh_conf_check_name(c->type);
	char why[PROBE_REASON_MAX];
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	struct edge_report rep;
	const struct edge_report *report = NULL;
	bool ok = false;

	if (code == 0) {
		failure_reason(h, why, sizeof(why));
	} else if (!status_accepted(c, code)) {
		snprintf(why, sizeof(why), "%s: status %d", kind, code);
	} else {
		/* Bounded by max_body: a longer response never gets here. */
		struct evbuffer *b = evhttp_request_get_input_buffer(req);
		size_t n = evbuffer_get_length(b);
		const unsigned char *data =
		    n > 0 ? evbuffer_pullup(b, -1) : NULL;
		if (c->body != NULL &&
		    (n == 0 ||
		     memmem(data, n, c->body, strlen(c->body)) == NULL)) {
			snprintf(why, sizeof(why),
			         "%s: body does not contain \"%s\"", kind,
			         c->body);
		} else {
			ok = true;
			if (n > 0)
				report = read_report(p, data, n, &rep);
		}
	}
	if (ok)
		why[0] = '\0';
	release(p, true);
	p->done(p, ok, why, report);
}

static int
probe_http_start(struct probe *p, char *why, size_t whylen)
{
	const struct eh_check *c = p->check;
	struct http_probe *h = xcalloc(1, sizeof(*h));
	const char *kind = eh_conf_check_name(c->type);
	struct evhttp_request *req = NULL;
	struct evkeyvalq *hdr = NULL;

	h->p = p;
	p->impl = h;
	if (c->type == EH_CHECK_HTTPS) {
		h->ssl = SSL_new(c->verify ? p->env->tls_verify
		                           : p->env->tls_noverify);
		if (h->ssl == NULL)
			goto fail;
		/* SNI and the name the certificate must carry. */
		SSL_set_tlsext_host_name(h->ssl, c->host);
		if (c->verify && SSL_set1_host(h->ssl, c->host) != 1)
			goto fail;
		h->bev = bufferevent_openssl_socket_new(
		    p->env->base, -1, h->ssl, BUFFEREVENT_SSL_CONNECTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (h->bev == NULL) {
			SSL_free(h->ssl);
			h->ssl = NULL;
			goto fail;
		}
		/* Many servers close without close_notify; the response is
		 * complete by then, so that is no failure of the edge. */
		bufferevent_openssl_set_allow_dirty_shutdown(h->bev, 1);
	} else {
		h->bev = bufferevent_socket_new(p->env->base, -1,
		                                BEV_OPT_CLOSE_ON_FREE |
		                                    BEV_OPT_DEFER_CALLBACKS);
		if (h->bev == NULL)
			goto fail;
	}
	/* The connection owns the bufferevent from here on. */
	h->conn = evhttp_connection_base_bufferevent_new(
	    p->env->base, NULL, h->bev, c->addr.host, c->addr.port);
	if (h->conn == NULL) {
		bufferevent_free(h->bev);
		goto fail;
	}
	if (c->has_source) {
		/* evhttp makes its socket itself (and closes any it is
		 * given), so it binds too; probe_socket binds first for the
		 * reason evhttp would not tell. */
		int fd = probe_socket(c, SOCK_STREAM, why, whylen);
		if (fd == -1) {
			release(p, false);
			return -1;
		}
		close(fd);
		evhttp_connection_set_local_address(h->conn, c->source.host);
	}
	evhttp_connection_set_retries(h->conn, 0);
	evhttp_connection_set_max_body_size(h->conn, (ev_ssize_t)c->max_body);
	evhttp_connection_set_max_headers_size(h->conn, HTTP_MAX_HEADERS);

	req = evhttp_request_new(request_cb, h);
	if (req == NULL)
		goto fail;
	evhttp_request_set_error_cb(req, error_cb);
	hdr = evhttp_request_get_output_headers(req);
	evhttp_add_header(hdr, "Host", c->host);
	evhttp_add_header(hdr, "User-Agent", "edge-health");
	evhttp_add_header(hdr, "Connection", "close");
	if (evhttp_make_request(h->conn, req, EVHTTP_REQ_GET, c->path) == -1) {
		/* evhttp_make_request frees the request on failure. */
		snprintf(why, whylen, "%s: cannot send the request", kind);
		release(p, false);
		return -1;
	}
	bufferevent_data_cb rcb, wcb;
	bufferevent_getcb(h->bev, &rcb, &wcb, &h->ecb, &h->ecb_arg);
	if (h->ecb != NULL)
		bufferevent_setcb(h->bev, rcb, wcb, connect_event_cb, h);
	return 0;
fail:
	snprintf(why, whylen, "%s: cannot set up the connection", kind);
	release(p, false);
	return -1;
}

const struct probe_ops probe_http_ops = {
    .name = "http",
    .start = probe_http_start,
    .stop = probe_http_stop,
};

int
probe_env_init(struct probe_env *env, struct event_base *base)
{
	memset(env, 0, sizeof(*env));
	env->base = base;
	env->tls_verify = SSL_CTX_new(TLS_client_method());
	env->tls_noverify = SSL_CTX_new(TLS_client_method());
	if (env->tls_verify == NULL || env->tls_noverify == NULL) {
		log_err("probe: cannot create a TLS context");
		probe_env_fini(env);
		return -1;
	}
	SSL_CTX_set_verify(env->tls_verify, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_paths(env->tls_verify) != 1)
		log_warn("probe: cannot load the system trust store; https "
		         "checks with verify on will fail");
	SSL_CTX_set_verify(env->tls_noverify, SSL_VERIFY_NONE, NULL);
	return 0;
}

void
probe_env_fini(struct probe_env *env)
{
	SSL_CTX_free(env->tls_verify);
	SSL_CTX_free(env->tls_noverify);
	env->tls_verify = NULL;
	env->tls_noverify = NULL;
}
