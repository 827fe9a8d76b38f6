/* SPDX-License-Identifier: MIT */
/* daemon/daemon.c: what dnsd's and edge-health's mains share: the command
 * line, the signals on the event loop, and the privilege drop. */
#include "daemon/daemon.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/errbuf.h"
#include "common/log.h"
#include "common/privdrop.h"
#include "common/xalloc.h"

/* ---- the command line ------------------------------------------------- */

#define DAEMON_OPTS "c:u:nvh"

enum daemon_parse
daemon_parse_args(const struct daemon_cli *cli, int argc, char **argv,
                  struct daemon_args *out)
{
	enum daemon_parse rc = DAEMON_RUN;
	char *optstring;
	int ch;

	memset(out, 0, sizeof(*out));
	out->log_level = LOG_INFO;
	/* --help only as the first argument: getopt knows no long options. */
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		cli->usage(stdout);
		return DAEMON_HELP;
	}
	optstring =
	    xasprintf("%s%s", DAEMON_OPTS, cli->opts != NULL ? cli->opts : "");
	optind = 0; /* glibc: a full restart, for a second argv */
	while (rc == DAEMON_RUN && (ch = getopt(argc, argv, optstring)) != -1) {
		switch (ch) {
		case 'c':
			out->conf_path = optarg;
			break;
		case 'u':
			out->user = optarg;
			break;
		case 'n':
			out->check = true;
			break;
		case 'v':
			out->log_level = LOG_DEBUG;
			break;
		case 'h':
			cli->usage(stdout);
			rc = DAEMON_HELP;
			break;
		case '?': /* getopt said which option, on stderr */
			cli->usage(stderr);
			rc = DAEMON_BAD;
			break;
		default:
			/* getopt returns only letters of optstring */
			if (cli->opt(ch, optarg, cli->ctx) == -1)
				rc = DAEMON_BAD;
			break;
		}
	}
	if (rc == DAEMON_RUN && (out->conf_path == NULL || optind != argc)) {
		cli->usage(stderr);
		rc = DAEMON_BAD;
	}
	free(optstring);
	return rc;
}

void
daemon_print_errors(const char *name, const char *path,
                    const struct errbuf *err)
{
	fputs(errbuf_text(err), stderr);
	fprintf(stderr, "%s: %s: %u error%s\n", name, path, err->count,
	        err->count == 1 ? "" : "s");
}

void
daemon_print_ok(const char *name, const char *path, const char *fmt, ...)
{
	va_list ap;

	printf("%s: %s: ok, ", name, path);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	/* Here, not in each caller's format: the line always ends. */
	putchar('\n');
	fflush(stdout);
}

/* ---- signals ------------------------------------------------------------ */

static const int daemon_signos[] = {SIGHUP, SIGINT, SIGTERM};
#define DAEMON_NSIG (sizeof(daemon_signos) / sizeof(daemon_signos[0]))

struct daemon_signals {
	struct event_base *base;
	struct event *ev[DAEMON_NSIG];
	const char *conf_path;
	void (*reload)(void *arg);
	void *arg;
};

/* On the loop, after libevent caught the signal: any work is safe here. */
static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_signals *s = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading %s", s->conf_path);
		s->reload(s->arg);
		return;
	}
	log_info("%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(s->base);
}

struct daemon_signals *
daemon_signals_new(struct event_base *base, const char *conf_path,
                   void (*reload)(void *arg), void *arg)
{
	struct daemon_signals *s = xcalloc(1, sizeof(*s));

	s->base = base;
	s->conf_path = conf_path;
	s->reload = reload;
	s->arg = arg;
	/* A peer gone mid-write is an error return, not the end. */
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < DAEMON_NSIG; i++) {
		s->ev[i] = evsignal_new(base, daemon_signos[i], signal_cb, s);
		if (s->ev[i] == NULL || event_add(s->ev[i], NULL) == -1) {
			log_err("cannot watch signal %d", daemon_signos[i]);
			daemon_signals_free(s);
			return NULL;
		}
	}
	return s;
}

void
daemon_signals_free(struct daemon_signals *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < DAEMON_NSIG; i++)
		if (s->ev[i] != NULL)
			event_free(s->ev[i]);
	free(s);
}

/* ---- privileges ------------------------------------------------------- */

int
daemon_drop_privileges(const char *user, bool allow_root,
                       const char *const *chown_paths, size_t n)
{
	struct errbuf err;
	bool root = geteuid() == 0;
	int rc = 0;

	errbuf_init(&err);
	/* The sockets first: once we are `user`, chown is not ours. */
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = privdrop_chown(chown_paths[i], user, &err);
	if (rc == 0)
		rc = privdrop(user, allow_root, &err);
	if (rc == -1)
		errbuf_log(&err, LOG_ERR);
	else if (root && user != NULL)
		log_info("running as user %s", user);
	else if (root)
		log_warn("running as root (allow_root: true)");
	errbuf_fini(&err);
	return rc;
}
