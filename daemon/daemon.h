/* SPDX-License-Identifier: MIT */
/* daemon/daemon.h: what dnsd's and edge-health's mains share: the command
 * line, the signals on the event loop, and the privilege drop. */
#ifndef DAEMON_DAEMON_H
#define DAEMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/compiler.h"

struct errbuf;
struct event_base;

/* ---- the command line ------------------------------------------------- */

/*
 * The program's side of the command line.  Every daemon takes
 *
 *   -c FILE  -u USER  -n  -v  -h  (and --help as the first argument)
 *
 * and may add options of its own (dnsd's repeatable -l ADDR:PORT).
 */
struct daemon_cli {
	/* The whole usage text, to `out` (stdout for -h, else stderr). */
	void (*usage)(FILE *out);
	/* getopt letters of the program's own options, e.g. "l:"; none of
	 * c, u, n, v, h.  NULL or "": none. */
	const char *opts;
	/* Called for each of them in order, `arg` NULL for an option
	 * without argument: 0, or -1 after logging why (the command line
	 * is then refused without the usage). */
	int (*opt)(int ch, const char *arg, void *ctx);
	void *ctx;
};

/* What the common options said. */
struct daemon_args {
	const char *conf_path; /* -c FILE, required (points into argv) */
	const char *user;      /* -u USER, or NULL (points into argv) */
	bool check;            /* -n: load, report, exit */
	int log_level;         /* LOG_INFO, or LOG_DEBUG with -v */
};

enum daemon_parse {
	DAEMON_RUN,  /* go on (start, or check with -n) */
	DAEMON_HELP, /* the usage went to stdout: exit 0 */
	DAEMON_BAD,  /* the usage (or the option's reason) went out: exit 1 */
};

/*
 * Parse argv with getopt (it resets getopt first, so it may be called
 * again, e.g. by tests).  -c is required and no operands are taken.
 * Fills `out` and returns DAEMON_RUN, or says why the program must exit.
 * No other side effect than the usage text and `cli`'s callbacks.
 */
enum daemon_parse daemon_parse_args(const struct daemon_cli *cli, int argc,
                                    char **argv, struct daemon_args *out);

/*
 * A configuration that did not load: every error of `err`, then
 * "NAME: PATH: N error(s)", to stderr.  For -n and start-up alike.
 */
void daemon_print_errors(const char *name, const char *path,
                         const struct errbuf *err);

/*
 * -n succeeded: "NAME: PATH: ok, " then `fmt` (what was loaded), then a
 * newline, to stdout.
 */
void daemon_print_ok(const char *name, const char *path, const char *fmt, ...)
    ATTR_PRINTF(3, 4);

/* ---- signals ------------------------------------------------------------ */

struct daemon_signals;

/*
 * Watch the signals on `base` (borrowed; libevent events, so the work
 * happens in the loop, never in a handler) and ignore SIGPIPE:
 *
 *   SIGHUP           logs "SIGHUP: reloading PATH", then calls
 *                    `reload(arg)`, which logs its own outcome
 *   SIGINT, SIGTERM  log "SIGINT: shutting down" (or SIGTERM) and break
 *                    the loop out of event_base_dispatch
 *
 * Keeps `conf_path` and `arg`, which must outlive the watcher.  Returns
 * new, or NULL after logging which signal could not be watched.
 */
struct daemon_signals *daemon_signals_new(struct event_base *base,
                                          const char *conf_path,
                                          void (*reload)(void *arg), void *arg);

/* Stop watching (the loop no longer holds the events).  NULL: no-op. */
void daemon_signals_free(struct daemon_signals *s);

/* ---- privileges ------------------------------------------------------- */

/*
 * Every privileged socket is bound: give each of the `n` files of
 * `chown_paths` (Unix sockets this daemon created; NULL entries skipped)
 * to `user`, then leave root for it (common/privdrop.h says how, and
 * what `allow_root` allows).  Started as root, logs "running as user
 * USER", or warns "running as root (allow_root: true)".  `user` is the
 * one to become: -u if given, else the configuration's, or NULL.
 * Returns 0, or -1 after logging why: the caller exits.
 */
int daemon_drop_privileges(const char *user, bool allow_root,
                           const char *const *chown_paths, size_t n);

#endif
