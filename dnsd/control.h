/* SPDX-License-Identifier: MIT */
/* dnsd/control.h: the operator control socket that dnsdctl talks to. */
#ifndef DNSD_CONTROL_H
#define DNSD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

struct evbuffer;
struct event_base;
struct health;
struct control; /* opaque; owned by the main thread */

/*
 * Protocol (the contract with dnsdctl).  A client connects to the Unix
 * stream socket, sends ONE request line ending in "\n" (or half-closes
 * after it), and reads until the server closes.  The response is text
 * lines; the last one is "ok" or "error: WHY".  Requests:
 *
 *   edges             the edge table: feed status, a header, one row per
 *                     edge: NAME PROBED OVERRIDE EFFECTIVE LAST-REPORT
 *                     LAST-CHANGE (times ISO-8601 UTC, "-" for never)
 *   drain NAME        no new answers for edge NAME
 *   force-down NAME   treat NAME as down, whatever the probes say
 *   force-up NAME     treat NAME as up, whatever the probes say
 *   auto NAME         follow the probes again (clears the override)
 *   reload            reload the configuration (hooks->reload)
 *   explain CLIENT NAME [A|AAAA] [json]
 *                     why CLIENT (ADDRESS[/PREFIX]) gets its edges for the
 *                     geo name NAME (hooks->explain)
 *   stats             the query counters (hooks->stats)
 *   status            hooks->status lines, then edge and feed counts
 *
 * Words are separated by spaces or tabs; a trailing "\r" is ignored.
 * A request line longer than CONTROL_LINE_MAX octets, one not complete
 * within CONTROL_TIMEOUT_MS, or a connection beyond CONTROL_MAX_CLIENTS
 * gets "error: ..." and is closed.  Access control is the socket file's
 * mode, 0660: the owner and group of the server may use it.
 */
#define CONTROL_LINE_MAX 512
#define CONTROL_TIMEOUT_MS 2000
#define CONTROL_MAX_CLIENTS 16

/*
 * What the control socket cannot do by itself; the server wires these up.
 * Any of them may be NULL: the request then answers "error: ...".  They
 * run on the event loop's thread, inside a control callback, and block
 * that loop while they run.  They must not call control_free() (a new
 * control path takes effect at the next start, not by a reload).
 */
struct control_hooks {
	/*
	 * Reload the configuration.  Returns 0 if the reload succeeded, or
	 * -1 with the reasons in `errs` (NUL-terminated text, one or more
	 * '\n'-separated lines, at most `errlen` octets with the NUL).
	 */
	int (*reload)(void *arg, char *errs, size_t errlen);
	/* Append status lines ("key: value\n") to `out`. */
	void (*status)(void *arg, struct evbuffer *out);
	/* Append the query counters ("name value\n") to `out`. */
	void (*stats)(void *arg, struct evbuffer *out);
	/*
	 * explain CLIENT NAME [TYPE] [json]: append the explanation to `out`.
	 * Returns 0, or -1 with a one-line reason in `errs`.
	 */
	int (*explain)(void *arg, const char *client, const char *name,
	               const char *type, bool json, struct evbuffer *out,
	               char *errs, size_t errlen);
	void *arg; /* passed to the hooks */
};

/*
 * Serve the control socket at `path` on `base`.  A stale socket file left
 * by an earlier run is removed first; if `path` exists and is not a
 * socket, or a server already answers on it, nothing is touched and NULL
 * is returned.  The socket is created with mode 0660 (the process umask
 * is changed briefly, so call this before other threads create files).
 * Keeps `base` and `h`; copies `*hooks` (may be NULL: no hooks).  Returns
 * new, or NULL after logging why.  Not hot-path code: one request per
 * connection, never blocking the loop on a client.
 */
struct control *control_new(struct event_base *base, const char *path,
                            struct health *h,
                            const struct control_hooks *hooks);

/*
 * Close every client connection and the socket, and remove the socket
 * file if it is still ours.  NULL is a no-op.
 */
void control_free(struct control *ctl);

#endif
