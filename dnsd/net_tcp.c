/* SPDX-License-Identifier: MIT */
/* dnsd/net_tcp.c: DNS over TCP (RFC 7766): framing, pipelining, limits. */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/net.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "common/compiler.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/answer.h"
#include "dnsd/conf.h"
#include "dnsd/query.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/worker.h"

/*
 * Stop reading a connection whose unsent responses pass this, until the
 * client catches up: a client that sends but never reads must not make us
 * buffer without bound.
 */
#define TCP_OUT_HIGH (256 * 1024)

/*
 * The kernel's send buffer of a connection.  Left alone it grows to
 * tcp_wmem's maximum (4 MB): a cap of slow readers would pin gigabytes
 * of kernel memory.  This holds a few of the largest answers.
 */
#define TCP_SNDBUF (128 * 1024)

struct tcp_conn {
	struct tcp_listener *l;
	struct bufferevent *bev;
	struct sockaddr_storage peer; /* the client, for geo answers */
	struct tcp_conn *prev, *next;
};

struct tcp_listener {
	struct worker *w;
	struct evconnlistener *lev;
	struct tcp_conn *conns; /* open connections, to close on shutdown */
	/* One query and one framed response at a time per worker. */
	struct query q;
	uint8_t query[ANSWER_TCP_MAX];
	uint8_t resp[2 + ANSWER_TCP_MAX];
};

static struct log_rl tcp_accept_rl;

static void
conn_close(struct tcp_conn *c)
{
	struct tcp_listener *l = c->l;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	l->w->tcp_clients--;
	free(c);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	struct tcp_listener *l = c->l;
	struct worker *w = l->w;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *out = bufferevent_get_output(bev);
	const struct serving *sv = w->slot.cur;
	struct answer_env env = {&w->stats, w->sample, w->mac,
	                         (uint32_t)time(NULL)};
	uint8_t hdr[2];

	/* Every complete message in the buffer: clients may pipeline. */
	while (evbuffer_get_length(in) >= 2) {
		evbuffer_copyout(in, hdr, 2);
		size_t len = (size_t)hdr[0] << 8 | hdr[1];
		if (evbuffer_get_length(in) < 2 + len)
			break;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, l->query, len);
		query_parse(&l->q, l->query, len, true,
		            (const struct sockaddr *)&c->peer);
		size_t rlen =
		    answer_query(sv, &l->q, l->resp + 2, ANSWER_TCP_MAX, &env);
		if (unlikely(worker_qlog_due(&w->qlog_left,
		                             sv->snap->conf->query_log)))
			worker_qlog(w, &l->q, l->resp + 2, rlen);
		if (rlen == 0)
			continue;
		l->resp[0] = (uint8_t)(rlen >> 8);
		l->resp[1] = (uint8_t)rlen;
		evbuffer_add(out, l->resp, 2 + rlen);
		if (evbuffer_get_length(out) > TCP_OUT_HIGH) {
			bufferevent_disable(bev, EV_READ);
			break;
		}
	}
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	/*
	 * Output drained (low watermark 0): read again if we had paused,
	 * and answer the queries that came while we were paused, which
	 * are already in our buffer: no new octet may ever come to say so.
	 */
	bufferevent_enable(bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(bev)) >= 2)
		conn_read_cb(bev, arg);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		c->l->w->stats.tcp_timeouts++;
	/* EOF, error or idle timeout: the connection is done. */
	conn_close(c);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
          int salen, void *arg)
{
	struct tcp_listener *l = arg;
	struct worker *w = l->w;
	const struct dnsd_conf *conf = w->slot.cur->snap->conf;

	(void)lev;
	if (w->tcp_clients >= conf->tcp_max_clients) {
		/* RFC 7766 §6.2.2: shed load by closing new connections */
		w->stats.tcp_rejected++;
		close(fd);
		return;
	}
	int sndbuf = TCP_SNDBUF;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	struct bufferevent *bev =
	    bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	struct tcp_conn *c = xcalloc(1, sizeof(*c));
	c->l = l;
	c->bev = bev;
	if (salen > 0 && (size_t)salen <= sizeof(c->peer))
		memcpy(&c->peer, sa, (size_t)salen);
	c->next = l->conns;
	if (l->conns != NULL)
		l->conns->prev = c;
	l->conns = c;
	w->tcp_clients++;
	w->stats.tcp_accepted++;

	/* RFC 7766 §6.2.3: idle connections are closed after a timeout. */
	struct timeval tv = {
	    .tv_sec = conf->tcp_idle_timeout_ms / 1000,
	    .tv_usec = (conf->tcp_idle_timeout_ms % 1000) * 1000,
	};
	bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	(void)lev;
	(void)arg;
	/* EMFILE and friends: keep the listener, say so now and then */
	log_ratelimit(&tcp_accept_rl, LOG_WARNING, "tcp: accept failed");
}

struct tcp_listener *
net_tcp_new(struct worker *w, const struct netaddr *a)
{
	int fd = net_bind(a, SOCK_STREAM);

	if (fd == -1)
		return NULL;
	struct tcp_listener *l = xcalloc(1, sizeof(*l));
	l->w = w;
	l->lev = evconnlistener_new(
	    w->base, accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 1024, fd);
	if (l->lev == NULL) {
		log_err_errno("listen %s: tcp listen", a->text);
		close(fd);
		free(l);
		return NULL;
	}
	evconnlistener_set_error_cb(l->lev, accept_error_cb);
	return l;
}

void
net_tcp_free(struct tcp_listener *l)
{
	if (l == NULL)
		return;
	while (l->conns != NULL)
		conn_close(l->conns);
	evconnlistener_free(l->lev);
	free(l);
}
