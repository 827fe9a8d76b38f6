/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/fake_edge.c: a stand-in CDN edge for tests and `make run`.
 *
 *   fake_edge [-s CERT -k KEY] [-d DELAY_MS] [-c STATUS] [-b BODY]
 *             [-f CONTROL_FILE] ADDR:PORT
 *
 * An HTTP server (HTTPS with -s/-k) answering every GET with STATUS
 * (default 200) and BODY (default "OK\n"), after DELAY_MS (default 0).
 * A tcp check only needs the listening socket.  With -f, the control file
 * is re-read on every request, so a test flips the edge by writing it:
 *     "503"          status 503, the default body
 *     "200 hello"    status 200, body "hello"
 *     "hang"         accept the connection and the request, never answer
 *                    (for timeouts)
 * A missing or empty control file means the command-line defaults.
 * Prints "listening ADDR:PORT" on stdout once ready; stops on SIGTERM or
 * SIGINT.  ADDR:PORT is IPv4 or [IPv6].
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

struct fake {
	struct event_base *base;
	SSL_CTX *tls;
	int status;
	const char *body;
	unsigned delay_ms;
	const char *control;
	unsigned long requests;
};

/* A reply waiting for its delay; cancelled if the client goes first. */
struct pending {
	struct event *ev;
	struct evhttp_request *req;
	int status;
	char body[512];
};

static void
reply(struct evhttp_request *req, int status, const char *body)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, body, strlen(body));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	                  "Content-Type", "text/plain");
	evhttp_send_reply(req, status, status < 400 ? "OK" : "Error", b);
	evbuffer_free(b);
}

static void
pending_free(struct pending *pd)
{
	event_free(pd->ev);
	free(pd);
}

static void
close_cb(struct evhttp_connection *conn, void *arg)
{
	(void)conn;
	pending_free(arg);
}

static void
delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pending *pd = arg;

	(void)fd;
	(void)what;
	evhttp_connection_set_closecb(evhttp_request_get_connection(pd->req),
	                              NULL, NULL);
	reply(pd->req, pd->status, pd->body);
	pending_free(pd);
}

/* Read the control file: 1 if it set something, 0 if absent/empty. */
static int
read_control(const char *path, int *status, char *body, size_t bodylen,
             bool *hang)
{
	char line[600];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return 0;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, "hang", 4) == 0) {
		*hang = true;
		return 1;
	}
	char *end;
	long st = strtol(line, &end, 10);
	if (end == line || st < 100 || st > 599)
		return 0;
	*status = (int)st;
	if (*end == ' ')
		snprintf(body, bodylen, "%s\n", end + 1);
	return 1;
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct fake *fk = arg;
	int status = fk->status;
	char body[512];
	bool hang = false;

	fk->requests++;
	snprintf(body, sizeof(body), "%s", fk->body);
	if (fk->control != NULL)
		read_control(fk->control, &status, body, sizeof(body), &hang);
	if (hang)
		return; /* libevent frees the request when the client leaves */
	if (fk->delay_ms == 0) {
		reply(req, status, body);
		return;
	}
	struct pending *pd = calloc(1, sizeof(*pd));
	if (pd == NULL)
		abort();
	pd->req = req;
	pd->status = status;
	snprintf(pd->body, sizeof(pd->body), "%s", body);
	pd->ev = evtimer_new(fk->base, delayed_cb, pd);
	struct timeval tv = {fk->delay_ms / 1000, (fk->delay_ms % 1000) * 1000};
	evtimer_add(pd->ev, &tv);
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	                              close_cb, pd);
}

static struct bufferevent *
tls_bev_cb(struct event_base *base, void *arg)
{
	struct fake *fk = arg;

	return bufferevent_openssl_socket_new(base, -1, SSL_new(fk->tls),
	                                      BUFFEREVENT_SSL_ACCEPTING,
	                                      BEV_OPT_CLOSE_ON_FREE);
}

static void
stop_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

static void
usage(void)
{
	fprintf(stderr, "usage: fake_edge [-s CERT -k KEY] [-d DELAY_MS] "
	                "[-c STATUS] [-b BODY] [-f CONTROL_FILE] ADDR:PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct fake fk = {.status = 200, .body = "OK\n"};
	const char *cert = NULL, *key = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "s:k:d:c:b:f:")) != -1) {
		switch (ch) {
		case 's':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'd':
			fk.delay_ms = (unsigned)atoi(optarg);
			break;
		case 'c':
			fk.status = atoi(optarg);
			break;
		case 'b':
			fk.body = optarg;
			break;
		case 'f':
			fk.control = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || (cert == NULL) != (key == NULL))
		usage();

	char host[64];
	const char *a = argv[optind], *port;
	if (a[0] == '[') {
		const char *c = strchr(a, ']');
		if (c == NULL || c[1] != ':')
			usage();
		snprintf(host, sizeof(host), "%.*s", (int)(c - a - 1), a + 1);
		port = c + 2;
	} else {
		const char *c = strrchr(a, ':');
		if (c == NULL)
			usage();
		snprintf(host, sizeof(host), "%.*s", (int)(c - a), a);
		port = c + 1;
	}

	signal(SIGPIPE, SIG_IGN);
	fk.base = event_base_new();
	struct evhttp *http = evhttp_new(fk.base);
	if (fk.base == NULL || http == NULL)
		return 1;
	if (cert != NULL) {
		fk.tls = SSL_CTX_new(TLS_server_method());
		if (fk.tls == NULL ||
		    SSL_CTX_use_certificate_chain_file(fk.tls, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(fk.tls, key,
		                                SSL_FILETYPE_PEM) != 1) {
			fprintf(stderr, "fake_edge: cannot load %s / %s\n",
			        cert, key);
			ERR_print_errors_fp(stderr);
			return 1;
		}
		evhttp_set_bevcb(http, tls_bev_cb, &fk);
	}
	evhttp_set_gencb(http, request_cb, &fk);
	if (evhttp_bind_socket(http, host, (ev_uint16_t)atoi(port)) == -1) {
		fprintf(stderr, "fake_edge: cannot listen on %s\n", a);
		return 1;
	}
	struct event *sig_term =
	    evsignal_new(fk.base, SIGTERM, stop_cb, fk.base);
	struct event *sig_int = evsignal_new(fk.base, SIGINT, stop_cb, fk.base);
	event_add(sig_term, NULL);
	event_add(sig_int, NULL);
	printf("listening %s\n", a);
	fflush(stdout);

	event_base_dispatch(fk.base);

	printf("stopped after %lu requests\n", fk.requests);
	event_free(sig_term);
	event_free(sig_int);
	evhttp_free(http);
	event_base_free(fk.base);
	SSL_CTX_free(fk.tls);
	return 0;
}
