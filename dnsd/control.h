/* SPDX-License-Identifier: MIT */
/* dnsd/control.h: the operator control socket that dnsdctl talks to. */
#ifndef DNSD_CONTROL_H
#define DNSD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/types.h>

#include "common/compiler.h"

struct evbuffer;
struct event_base;
struct control; /* opaque; owned by the main thread */

/*
 * Protocol (the contract with dnsdctl).  A client connects to the Unix
 * stream socket, sends ONE request line ending in "\n" (or half-closes
 * after it), and reads until the server closes.  The response is text
 * lines; the last one is "ok" or "error: WHY".  Words are separated by
 * spaces or tabs; a trailing "\r" is ignored.  What the words may say is
 * commands.h's business.
 *
 * A request line longer than CONTROL_LINE_MAX octets, one not complete
 * within CONTROL_TIMEOUT_MS, or a connection beyond CONTROL_MAX_CLIENTS
 * gets "error: ..." and is closed.  Access control is the socket file's
 * mode, 0660: the owner and group of the server may use it.
 */
#define CONTROL_LINE_MAX 512
#define CONTROL_TIMEOUT_MS 2000
#define CONTROL_MAX_CLIENTS 16
#define CONTROL_WORDS_MAX 8 /* more words: an error, not the handler's */

/* One request: its words (printable ASCII), and who asked. */
struct control_request {
	char *word[CONTROL_WORDS_MAX];
	int nword; /* at least 1 */
	uid_t uid; /* of the peer, for the log */
	pid_t pid; /* 0 if unknown */
};

/*
 * Handle a request: append the response lines to `out`, the last being
 * control_reply_ok() or control_reply_error().  Runs on the loop's thread
 * and blocks it while it runs.  It must not call control_free().
 */
typedef void control_handler_fn(void *arg, const struct control_request *req,
                                struct evbuffer *out);

/*
 * Serve the control socket at `path` on `base` (sockfile.h: a file left
 * by a dead server is replaced, a live server's or a non-socket is not).
 * Keeps `base`; requests go to fn(arg, ...).  Returns new, or NULL after
 * logging why.  Not hot-path code: one request per connection, never
 * blocking the loop on a client.
 */
struct control *control_new(struct event_base *base, const char *path,
                            control_handler_fn *fn, void *arg);

/*
 * Close every client connection and the socket, and remove the socket
 * file if it is still ours.  NULL is a no-op.
 */
void control_free(struct control *ctl);

/* The last line of a response. */
void control_reply_ok(struct evbuffer *out);
void control_reply_error(struct evbuffer *out, const char *fmt, ...)
    ATTR_PRINTF(2, 3);

/* ---- the protocol without the socket ------------------------------------ */

/*
 * One connection's request as its octets arrive, and the response to it:
 * the connections of control.c go through these three functions and
 * nothing else, so tests and fuzzers that drive them with any octets, cut
 * into any chunks, see what a client would.  No I/O, no event loop.
 *
 *	struct control_line l = {0};
 *	do
 *		n = recv(fd, control_line_space(&l, &room), room, 0);
 *	while ((st = control_line_received(&l, n)) == CONTROL_LINE_MORE);
 *	if (st != CONTROL_LINE_NONE)
 *		control_line_respond(&l, uid, pid, fn, arg, out);
 */
struct control_line {
	/* The request line, its "\r\n" and nothing more. */
	char buf[CONTROL_LINE_MAX + 2];
	size_t len; /* octets received into buf */
	size_t end; /* once complete: the line's length, without "\n" */
};

enum control_line_state {
	CONTROL_LINE_MORE,     /* no complete line yet: receive more */
	CONTROL_LINE_DONE,     /* a line (or a half-close after some octets) */
	CONTROL_LINE_TOO_LONG, /* buf is full and holds no "\n" */
	CONTROL_LINE_NONE,     /* half-closed before any octet: no response */
};

/*
 * Where the next octets of `l` go: returns the place, with the room there
 * in *room (more than 0 while control_line_received() says MORE).
 */
char *control_line_space(struct control_line *l, size_t *room);

/*
 * `n` octets were received at control_line_space(), or, with n == 0, the
 * client half-closed.  What follows the first "\n" is ignored: one request
 * per connection.  Returns what to do next; after anything but MORE, `l`
 * takes no more octets.
 */
enum control_line_state control_line_received(struct control_line *l, size_t n);

/*
 * Respond to the complete request in `l` (DONE or TOO_LONG): append to
 * `out` either one "error: ..." line (too long, not printable text, no
 * words, more than CONTROL_WORDS_MAX) or what fn(arg, request, out)
 * writes, the request carrying the words and `uid` and `pid`.  Splits
 * the line in place: call it once.
 */
void control_line_respond(struct control_line *l, uid_t uid, pid_t pid,
                          control_handler_fn *fn, void *arg,
                          struct evbuffer *out);

#endif
