/* SPDX-License-Identifier: MIT */
/* dnsd/control.c: the operator control socket: one request per connection. */
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
#include "dnsd/health.h"

/* Reasons a reload hook may give; more is cut, not an error. */
#define CONTROL_RELOAD_ERRS 8192

/* After accept() runs out of descriptors, stop accepting for this long. */
#define CONTROL_ACCEPT_PAUSE_MS 1000

struct control_conn {
	struct control *ctl;
	int fd;
	struct event *io;  /* readable while reading, writable after */
	struct event *tmo; /* CONTROL_TIMEOUT_MS per phase */
	bool replying;     /* the request is handled; `out` is being sent */
	/* The request line, its "\r\n" and nothing more. */
	char line[CONTROL_LINE_MAX + 2];
	size_t len;
	struct evbuffer *out;
	struct ucred peer; /* who asked, for the log; pid 0 if unknown */
	struct control_conn *prev, *next;
};

struct control {
	struct event_base *base;
	struct health *h;
	struct control_hooks hooks;
	char *path;
	int fd;
	dev_t dev; /* the socket file we made: only it is unlinked at free */
	ino_t ino;
	struct event *lev;
	struct event *pause;
	struct control_conn *conns;
	unsigned nconns;
	struct log_rl accept_rl;
};

enum command_kind {
	CMD_EDGES,
	CMD_OVERRIDE,
	CMD_RELOAD,
	CMD_STATUS,
	CMD_EXPLAIN,
	CMD_STATS,
};

static const struct command {
	const char *name;
	enum command_kind kind;
	enum health_override override; /* for CMD_OVERRIDE */
} commands[] = {
    {"edges", CMD_EDGES, HEALTH_AUTO},
    {"drain", CMD_OVERRIDE, HEALTH_DRAIN},
    {"force-down", CMD_OVERRIDE, HEALTH_FORCE_DOWN},
    {"force-up", CMD_OVERRIDE, HEALTH_FORCE_UP},
    {"auto", CMD_OVERRIDE, HEALTH_AUTO},
    {"reload", CMD_RELOAD, HEALTH_AUTO},
    {"status", CMD_STATUS, HEALTH_AUTO},
    {"explain", CMD_EXPLAIN, HEALTH_AUTO},
    {"stats", CMD_STATS, HEALTH_AUTO},
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

static void reply_error(struct evbuffer *out, const char *fmt, ...)
    ATTR_PRINTF(2, 3);

static void
reply_error(struct evbuffer *out, const char *fmt, ...)
{
	va_list ap;

	evbuffer_add_printf(out, "error: ");
	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add_printf(out, "\n");
}

static void
reply_ok(struct evbuffer *out)
{
	evbuffer_add_printf(out, "ok\n");
}

/* "2024-05-01T12:00:00Z", or "-" for 0 (never). */
static void
iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "-");
}

static const char *
probed_name(enum health_probed p)
{
	switch (p) {
	case HEALTH_UP:
		return "up";
	case HEALTH_DOWN:
		return "down";
	case HEALTH_UNKNOWN:
		break;
	}
	return "unknown";
}

/*
 * Every edge the health state knows.  health_list() fills at most `max`
 * entries, so grow until the answer fits with room to spare: then it was
 * complete.  Returns new (free()).
 */
static size_t
list_edges(const struct health *h, struct health_edge_info **out)
{
	for (size_t cap = 64;; cap *= 2) {
		struct health_edge_info *v = xcalloc(cap, sizeof(*v));
		size_t n = health_list(h, v, cap);
		if (n < cap) {
			*out = v;
			return n;
		}
		free(v);
	}
}

static const struct health_edge_info *
find_edge(const struct health_edge_info *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* One line on the feed from edge-health: its age decides staleness. */
static void
feed_line(const struct health *h, struct evbuffer *out)
{
	struct health_feed_stats fs;
	char when[32];

	health_feed_stats(h, &fs);
	if (fs.last_message == 0) {
		evbuffer_add_printf(out, "feed: no message yet, %s",
		                    fs.stale ? "stale" : "fresh");
	} else {
		time_t now = time(NULL);
		long long age = now > fs.last_message
		                    ? (long long)(now - fs.last_message)
		                    : 0;
		iso_time(fs.last_message, when, sizeof(when));
		evbuffer_add_printf(out,
		                    "feed: last message %llds ago (%s), %s",
		                    age, when, fs.stale ? "stale" : "fresh");
	}
	evbuffer_add_printf(out,
	                    "; accepted %llu, dropped %llu old, %llu bad, "
	                    "%llu auth\n",
	                    (unsigned long long)fs.accepted,
	                    (unsigned long long)fs.dropped_old,
	                    (unsigned long long)fs.dropped_bad,
	                    (unsigned long long)fs.dropped_auth);
}

static void
cmd_edges(struct control *ctl, struct evbuffer *out)
{
	struct health_edge_info *v;
	size_t n = list_edges(ctl->h, &v);
	int w = (int)strlen("NAME");
	char rep[32], chg[32];

	for (size_t i = 0; i < n; i++) {
		int l = (int)strnlen(v[i].name, sizeof(v[i].name));
		if (l > w)
			w = l;
	}
	feed_line(ctl->h, out);
	/* Fixed columns: scripts may split on blanks, people may read it. */
	evbuffer_add_printf(out, "%-*s  %-7s  %-10s  %-9s  %-20s  %s\n", w,
	                    "NAME", "PROBED", "OVERRIDE", "EFFECTIVE",
	                    "LAST REPORT", "LAST CHANGE");
	for (size_t i = 0; i < n; i++) {
		iso_time(v[i].last_report, rep, sizeof(rep));
		iso_time(v[i].last_change, chg, sizeof(chg));
		evbuffer_add_printf(
		    out, "%-*.*s  %-7s  %-10s  %-9s  %-20s  %s\n", w,
		    (int)sizeof(v[i].name), v[i].name, probed_name(v[i].probed),
		    health_override_name(v[i].override),
		    v[i].usable ? "up" : "down", rep, chg);
	}
	free(v);
	reply_ok(out);
}

static void
cmd_override(struct control_conn *c, const struct command *cmd,
             const char *name)
{
	struct control *ctl = c->ctl;
	struct evbuffer *out = c->out;
	struct health_edge_info *v;
	size_t n = list_edges(ctl->h, &v);

	/*
	 * Look first: health_set_override() fails the same way for an
	 * unknown edge and for a state file it could not write, and the
	 * operator needs to know which.
	 */
	if (find_edge(v, n, name) == NULL) {
		free(v);
		reply_error(out, "no such edge \"%s\"", name);
		return;
	}
	free(v);
	/* Operator actions are logged with who asked (B0.6: once). */
	log_notice("control: %s %s (uid %u, pid %d)", cmd->name, name,
	           (unsigned)c->peer.uid, (int)c->peer.pid);
	int rc = health_set_override(ctl->h, name, cmd->override);

	n = list_edges(ctl->h, &v);
	const struct health_edge_info *e = find_edge(v, n, name);
	if (e == NULL) {
		reply_error(out, "edge \"%s\" went away", name);
	} else if (rc == 0) {
		evbuffer_add_printf(out, "%s: override %s, effective %s\n",
		                    e->name, health_override_name(e->override),
		                    e->usable ? "up" : "down");
		reply_ok(out);
	} else if (e->override == cmd->override) {
		reply_error(out,
		            "%s: override %s is in effect but the state file "
		            "could not be written (see the server log): it "
		            "will not survive a restart",
		            e->name, health_override_name(e->override));
	} else {
		reply_error(out,
		            "%s: override not changed (see the server log)",
		            e->name);
	}
	free(v);
}

static void
cmd_reload(struct control_conn *c)
{
	struct control *ctl = c->ctl;
	struct evbuffer *out = c->out;

	if (ctl->hooks.reload == NULL) {
		reply_error(out, "reload is not available");
		return;
	}
	log_notice("control: reload (uid %u, pid %d)", (unsigned)c->peer.uid,
	           (int)c->peer.pid);
	char *errs = xcalloc(1, CONTROL_RELOAD_ERRS);
	if (ctl->hooks.reload(ctl->hooks.arg, errs, CONTROL_RELOAD_ERRS) == 0) {
		reply_ok(out);
	} else {
		/* The reasons first; the last line must stay the verdict. */
		errs[CONTROL_RELOAD_ERRS - 1] = '\0';
		size_t len = strlen(errs);
		if (len > 0) {
			evbuffer_add(out, errs, len);
			if (errs[len - 1] != '\n')
				evbuffer_add_printf(out, "\n");
		}
		reply_error(out, "reload failed");
	}
	free(errs);
}

static void
cmd_status(struct control *ctl, struct evbuffer *out)
{
	struct health_edge_info *v;
	size_t usable = 0;

	if (ctl->hooks.status != NULL)
		ctl->hooks.status(ctl->hooks.arg, out);
	size_t n = list_edges(ctl->h, &v);
	for (size_t i = 0; i < n; i++)
		if (v[i].usable)
			usable++;
	free(v);
	evbuffer_add_printf(out, "edges: %zu, %zu usable\n", n, usable);
	feed_line(ctl->h, out);
	reply_ok(out);
}

/* explain CLIENT NAME [TYPE] [json] */
static void
cmd_explain(struct control *ctl, char **word, int nw, struct evbuffer *out)
{
	const char *type = NULL;
	bool json = false;
	char why[256];

	for (int i = 3; i < nw; i++) {
		if (strcmp(word[i], "json") == 0)
			json = true;
		else
			type = word[i];
	}
	if (ctl->hooks.explain == NULL) {
		reply_error(out, "explain is not available");
		return;
	}
	if (ctl->hooks.explain(ctl->hooks.arg, word[1], word[2], type, json,
	                       out, why, sizeof(why)) == -1) {
		reply_error(out, "%s", why);
		return;
	}
	reply_ok(out);
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

static void
handle_request(struct control_conn *c, char *line, size_t len)
{
	struct evbuffer *out = c->out;
	char *word[5];

	/* Only printable ASCII: names are echoed back in errors and logs. */
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];
		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f) {
			reply_error(out, "request is not printable text");
			return;
		}
	}
	int nw = split_words(line, word, 5);
	if (nw == 0) {
		reply_error(out, "empty request");
		return;
	}
	const struct command *cmd = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(word[0], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		reply_error(
		    out,
		    "unknown command \"%s\" (commands: edges, drain, "
		    "force-down, force-up, auto, reload, status, stats, "
		    "explain)",
		    word[0]);
		return;
	}
	if (cmd->kind == CMD_EXPLAIN) {
		if (nw < 3 || nw > 5)
			reply_error(out, "usage: explain CLIENT NAME [A|AAAA] "
			                 "[json]");
		else
			cmd_explain(c->ctl, word, nw, out);
		return;
	}
	int want = cmd->kind == CMD_OVERRIDE ? 2 : 1;
	if (nw != want) {
		reply_error(out, "usage: %s%s", cmd->name,
		            want == 2 ? " NAME" : "");
		return;
	}
	switch (cmd->kind) {
	case CMD_EDGES:
		cmd_edges(c->ctl, out);
		break;
	case CMD_OVERRIDE:
		cmd_override(c, cmd, word[1]);
		break;
	case CMD_RELOAD:
		cmd_reload(c);
		break;
	case CMD_STATUS:
		cmd_status(c->ctl, out);
		break;
	case CMD_STATS:
		if (c->ctl->hooks.stats == NULL) {
			reply_error(out, "stats are not available");
			break;
		}
		c->ctl->hooks.stats(c->ctl->hooks.arg, out);
		reply_ok(out);
		break;
	case CMD_EXPLAIN:
		break; /* handled above: it takes a variable word count */
	}
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

/* The line is line[0..len); what follows it (if anything) is ignored. */
static void
conn_line(struct control_conn *c, size_t len)
{
	if (len > 0 && c->line[len - 1] == '\r')
		len--;
	if (len > CONTROL_LINE_MAX) {
		reply_error(c->out, "request line longer than %d octets",
		            CONTROL_LINE_MAX);
	} else {
		c->line[len] = '\0';
		handle_request(c, c->line, len);
	}
	conn_reply(c);
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control_conn *c = arg;

	(void)what;
	ssize_t n = recv(fd, c->line + c->len, sizeof(c->line) - c->len, 0);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_close(c);
		return;
	}
	if (n == 0) {
		/* Half-closed after a line without "\n": take it as it is. */
		if (c->len == 0)
			conn_close(c);
		else
			conn_line(c, c->len);
		return;
	}
	size_t old = c->len;
	c->len += (size_t)n;
	char *nl = memchr(c->line + old, '\n', (size_t)n);
	if (nl != NULL) {
		conn_line(c, (size_t)(nl - c->line));
	} else if (c->len == sizeof(c->line)) {
		/* Full without a "\n": longer than any valid line. */
		reply_error(c->out, "request line longer than %d octets",
		            CONTROL_LINE_MAX);
		conn_reply(c);
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
	reply_error(c->out, "no complete request line within %d ms",
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
		              "control: %s: accept: %s", ctl->path,
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

/*
 * Is a server answering on `sa`?  Only a refused connection proves the
 * file stale; any other failure (EACCES, a full backlog) means we must
 * not remove it.  0: stale, -1: leave it (logged).
 */
static int
check_stale(const char *path, const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1) {
		log_err_errno("control: %s: socket", path);
		return -1;
	}
	int rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	close(fd);
	if (rc == 0 || e == EAGAIN) {
		log_err("control: %s: another server is listening on it", path);
		return -1;
	}
	if (e == ECONNREFUSED || e == ENOENT)
		return 0;
	log_err("control: %s: cannot tell whether it is stale: %s", path,
	        strerror(e));
	return -1;
}

/* Bind and listen on `path` with mode 0660; the fd or -1 (logged). */
static int
bind_socket(const char *path, struct stat *st)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("control: %s: path too long for a Unix socket "
		        "(at most %zu octets)",
		        path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, st) == 0) {
		if (!S_ISSOCK(st->st_mode)) {
			log_err("control: %s: exists and is not a socket; "
			        "not removing it",
			        path);
			return -1;
		}
		if (check_stale(path, &sa) == -1)
			return -1;
		if (unlink(path) == -1 && errno != ENOENT) {
			log_err_errno("control: %s: remove stale socket", path);
			return -1;
		}
	} else if (errno != ENOENT) {
		log_err_errno("control: %s", path);
		return -1;
	}

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_err_errno("control: %s: socket", path);
		return -1;
	}
	/*
	 * The umask makes the file 0660 from the moment it exists; a chmod
	 * after bind alone would leave a window with the default mode.
	 * chmod as well, in case the old umask was stricter.
	 */
	mode_t old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	int rc = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc == -1) {
		log_err_errno("control: %s: bind", path);
		close(fd);
		return -1;
	}
	if (chmod(path, 0660) == -1 || lstat(path, st) == -1 ||
	    listen(fd, CONTROL_MAX_CLIENTS) == -1) {
		log_err_errno("control: %s: chmod or listen", path);
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

struct control *
control_new(struct event_base *base, const char *path, struct health *h,
            const struct control_hooks *hooks)
{
	struct stat st;
	int fd = bind_socket(path, &st);

	if (fd == -1)
		return NULL;
	struct control *ctl = xcalloc(1, sizeof(*ctl));
	ctl->base = base;
	ctl->h = h;
	if (hooks != NULL)
		ctl->hooks = *hooks;
	ctl->path = xstrdup(path);
	ctl->fd = fd;
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	ctl->lev = event_new(base, fd, EV_READ | EV_PERSIST, accept_cb, ctl);
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
	struct stat st;

	if (ctl == NULL)
		return;
	while (ctl->conns != NULL)
		conn_close(ctl->conns);
	if (ctl->lev != NULL)
		event_free(ctl->lev);
	if (ctl->pause != NULL)
		event_free(ctl->pause);
	close(ctl->fd);
	/* A newer server may have replaced the file: leave that one. */
	if (lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino)
		unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}
