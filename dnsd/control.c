/* SPDX-License-Identifier: MIT */
/* dnsd/control.c: the operator control socket: one request line per
 * connection, handed to the server's handler (commands.c). */
#include "dnsd/control.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "common/compiler.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/sockfile.h"

/* After accept() runs out of descriptors, stop accepting for this long. */
#define CONTROL_ACCEPT_PAUSE_MS 1000

struct control_conn {
	struct control *ctl;
	int fd;
	struct event *io;  /* readable while reading, writable after */
	struct event *tmo; /* CONTROL_TIMEOUT_MS per phase */
	bool replying;     /* the request is handled; `out` is being sent */
	struct control_line line;
	struct evbuffer *out;
	struct ucred peer; /* who asked, for the log; pid 0 if unknown */
	struct control_conn *prev, *next;
};

struct control {
	struct event_base *base;
	control_handler_fn *fn;
	void *arg;
	struct sockfile sock;
	struct event *lev;
	struct event *pause;
	struct control_conn *conns;
	unsigned nconns;
	struct log_rl accept_rl;
};

static void
conn_close(struct control_conn *c)
{
	struct control *ctl = c->ctl;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ctl->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	ctl->nconns--;
	if (c->io != NULL)
		event_free(c->io);
	event_free(c->tmo);
	evbuffer_free(c->out);
	close(c->fd);
	free(c);
}

void
control_reply_error(struct evbuffer *out, const char *fmt, ...)
{
	va_list ap;

	evbuffer_add_printf(out, "error: ");
	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add_printf(out, "\n");
}

void
control_reply_ok(struct evbuffer *out)
{
	evbuffer_add_printf(out, "ok\n");
}

/* Split at blanks, in place; returns the word count (at most `max`+1). */
static int
split_words(char *s, char **word, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			return n;
		if (n == max)
			return n + 1;
		word[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

char *
control_line_space(struct control_line *l, size_t *room)
{
	*room = sizeof(l->buf) - l->len;
	return l->buf + l->len;
}

enum control_line_state
control_line_received(struct control_line *l, size_t n)
{
	if (n == 0) {
		/* Half-closed after a line without "\n": take it as it is. */
		if (l->len == 0)
			return CONTROL_LINE_NONE;
		l->end = l->len;
		return CONTROL_LINE_DONE;
	}
	size_t old = l->len;
	l->len += n;
	char *nl = memchr(l->buf + old, '\n', n);
	if (nl != NULL) {
		l->end = (size_t)(nl - l->buf);
		return CONTROL_LINE_DONE;
	}
	if (l->len == sizeof(l->buf)) {
		/* Full without a "\n": longer than any valid line. */
		l->end = l->len;
		return CONTROL_LINE_TOO_LONG;
	}
	return CONTROL_LINE_MORE;
}

void
control_line_respond(struct control_line *l, uid_t uid, pid_t pid,
                     control_handler_fn *fn, void *arg, struct evbuffer *out)
{
	struct control_request req = {.uid = uid, .pid = pid};
	char *line = l->buf;
	size_t len = l->end;

	/* The line is buf[0..end); what follows it (if anything) is
	 * ignored. */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > CONTROL_LINE_MAX) {
		control_reply_error(out, "request line longer than %d octets",
		                    CONTROL_LINE_MAX);
		return;
	}
	line[len] = '\0';
	/* Only printable ASCII: words are echoed back in errors and logs. */
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];
		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f) {
			control_reply_error(out,
			                    "request is not printable text");
			return;
		}
	}
	req.nword = split_words(line, req.word, CONTROL_WORDS_MAX);
	if (req.nword == 0) {
		control_reply_error(out, "empty request");
		return;
	}
	if (req.nword > CONTROL_WORDS_MAX) {
		control_reply_error(out, "more than %d words",
		                    CONTROL_WORDS_MAX);
		return;
	}
	fn(arg, &req, out);
}

static void conn_write_cb(evutil_socket_t fd, short what, void *arg);

/* Send what fits now; the rest when writable.  Closes when all is sent. */
static void
conn_flush(struct control_conn *c)
{
	while (evbuffer_get_length(c->out) > 0) {
		struct evbuffer_iovec v;
		if (evbuffer_peek(c->out, -1, NULL, &v, 1) < 1)
			break;
		/* MSG_NOSIGNAL: a client gone early must not SIGPIPE us */
		ssize_t n = send(c->fd, v.iov_base, v.iov_len,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!event_pending(c->io, EV_WRITE, NULL))
				event_add(c->io, NULL);
			return;
		}
		if (n == -1)
			break;
		evbuffer_drain(c->out, (size_t)n);
	}
	/* Closing is the end-of-response mark for the client. */
	conn_close(c);
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_flush(arg);
}

/* Stop reading, give the client CONTROL_TIMEOUT_MS to take the reply. */
static void
conn_reply(struct control_conn *c)
{
	struct timeval tv = {
	    .tv_sec = CONTROL_TIMEOUT_MS / 1000,
	    .tv_usec = (CONTROL_TIMEOUT_MS % 1000) * 1000,
	};

	c->replying = true;
	event_free(c->io);
	c->io = event_new(c->ctl->base, c->fd, EV_WRITE | EV_PERSIST,
	                  conn_write_cb, c);
	if (c->io == NULL) {
		conn_close(c);
		return;
	}
	evtimer_add(c->tmo, &tv);
	conn_flush(c);
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control_conn *c = arg;
	size_t room;
	char *at = control_line_space(&c->line, &room);

	(void)what;
	ssize_t n = recv(fd, at, room, 0);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_close(c);
		return;
	}
	switch (control_line_received(&c->line, (size_t)n)) {
	case CONTROL_LINE_MORE:
		return;
	case CONTROL_LINE_NONE:
		/* connected and closed: nothing to answer */
		conn_close(c);
		return;
	case CONTROL_LINE_DONE:
	case CONTROL_LINE_TOO_LONG:
		control_line_respond(&c->line, c->peer.uid, c->peer.pid,
		                     c->ctl->fn, c->ctl->arg, c->out);
		conn_reply(c);
		return;
	}
}

static void
conn_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->replying) {
		/* The client does not read its reply: drop it. */
		conn_close(c);
		return;
	}
	control_reply_error(c->out, "no complete request line within %d ms",
	                    CONTROL_TIMEOUT_MS);
	conn_reply(c);
}

static void
accept_pause_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;

	(void)fd;
	(void)what;
	event_add(ctl->lev, NULL);
}

static void
accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct control *ctl = arg;

	(void)what;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return;
		/*
		 * Out of descriptors or memory: the listener stays readable,
		 * so without a pause the loop would spin on it.
		 */
		log_ratelimit(&ctl->accept_rl, LOG_WARNING,
		              "control: %s: accept: %s", ctl->sock.path,
		              strerror(errno));
		struct timeval tv = {
		    .tv_sec = CONTROL_ACCEPT_PAUSE_MS / 1000,
		    .tv_usec = (CONTROL_ACCEPT_PAUSE_MS % 1000) * 1000,
		};
		event_del(ctl->lev);
		evtimer_add(ctl->pause, &tv);
		return;
	}
	if (ctl->nconns >= CONTROL_MAX_CLIENTS) {
		/*
		 * A fresh socket's buffer takes this short line whole, so a
		 * non-blocking send is enough to tell the client why.
		 */
		static const char busy[] =
		    "error: too many control connections, try again\n";
		ssize_t n = send(fd, busy, sizeof(busy) - 1,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)n;
		close(fd);
		return;
	}
	struct control_conn *c = xcalloc(1, sizeof(*c));
	socklen_t cl = sizeof(c->peer);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->peer, &cl) == -1)
		memset(&c->peer, 0, sizeof(c->peer));
	c->ctl = ctl;
	c->fd = fd;
	c->out = evbuffer_new();
	c->io = event_new(ctl->base, fd, EV_READ | EV_PERSIST, conn_read_cb, c);
	c->tmo = evtimer_new(ctl->base, conn_timeout_cb, c);
	if (c->out == NULL || c->io == NULL || c->tmo == NULL) {
		if (c->out != NULL)
			evbuffer_free(c->out);
		if (c->io != NULL)
			event_free(c->io);
		if (c->tmo != NULL)
			event_free(c->tmo);
		close(fd);
		free(c);
		return;
	}
	c->next = ctl->conns;
	if (ctl->conns != NULL)
		ctl->conns->prev = c;
	ctl->conns = c;
	ctl->nconns++;

	/* The whole request within the timeout, not per read: a client
	 * dribbling one octet at a time cannot hold a slot for long. */
	struct timeval tv = {
	    .tv_sec = CONTROL_TIMEOUT_MS / 1000,
	    .tv_usec = (CONTROL_TIMEOUT_MS % 1000) * 1000,
	};
	event_add(c->io, NULL);
	evtimer_add(c->tmo, &tv);
}

struct control *
control_new(struct event_base *base, const char *path, control_handler_fn *fn,
            void *arg)
{
	struct control *ctl = xcalloc(1, sizeof(*ctl));

	ctl->base = base;
	ctl->fn = fn;
	ctl->arg = arg;
	if (sockfile_bind(&ctl->sock, "control", path, SOCK_STREAM,
	                  CONTROL_MAX_CLIENTS) == -1) {
		free(ctl);
		return NULL;
	}
	ctl->lev =
	    event_new(base, ctl->sock.fd, EV_READ | EV_PERSIST, accept_cb, ctl);
	ctl->pause = evtimer_new(base, accept_pause_cb, ctl);
	if (ctl->lev == NULL || ctl->pause == NULL ||
	    event_add(ctl->lev, NULL) == -1) {
		log_err("control: %s: cannot add the socket to the event loop",
		        path);
		control_free(ctl);
		return NULL;
	}
	log_info("control: listening on %s", path);
	return ctl;
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->conns != NULL)
		conn_close(ctl->conns);
	if (ctl->lev != NULL)
		event_free(ctl->lev);
	if (ctl->pause != NULL)
		event_free(ctl->pause);
	sockfile_close(&ctl->sock);
	free(ctl);
}
