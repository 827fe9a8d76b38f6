/* SPDX-License-Identifier: MIT */
/* edge-health/main.c: command line, start-up, signals, reload, the feed. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/errbuf.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "common/privdrop.h"
#include "common/xalloc.h"
#include "edge-health/conf.h"
#include "edge-health/feed.h"
#include "edge-health/metrics.h"
#include "edge-health/sched.h"
#include "edge-health/state.h"
#include "edge-health/statefile.h"

#define EH_VERSION "0.1.0"

/* The process context: everything travels here, not in globals. */
struct eh {
	const char *conf_path;
	struct eh_conf *conf;
	struct sched *sched;
	struct feed *feed;
	struct event_base *base;
	struct event *tick;         /* the periodic full snapshot */
	struct hmsg *msg;           /* large: on the heap */
	struct eh_metrics *metrics; /* NULL without `metrics` */
	uint64_t boot;
	uint64_t seq;
	uint64_t feed_messages;        /* snapshots handed to the feed */
	uint64_t feed_failures_before; /* of the feeds reloads freed */
};

static void
usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: edge-health -c FILE [-u USER] [-n] [-v]\n"
	    "\n"
	    "NAME\n"
	    "  edge-health - probes the CDN's edges and feeds their\n"
	    "  states to dnsd\n"
	    "\n"
	    "DESCRIPTION\n"
	    "  Probes every edge of FILE (tcp, http, https) with rise/fall\n"
	    "  anti-flap and sends full snapshots to each feed (dnsd's Unix\n"
	    "  socket, or UDP with a shared key).  Runs in the foreground\n"
	    "  and logs to stderr (see dist/systemd/edge-health.service).\n"
	    "\n"
	    "OPTIONS\n"
	    "  -c FILE     configuration (e.g. zones/edge-health.yaml)\n"
	    "  -u USER     started as root: before the first probe, switch\n"
	    "              to USER (overrides `user` in FILE).  As root\n"
	    "              without a user edge-health refuses to start\n"
	    "              unless FILE sets allow_root: true\n"
	    "  -n          check: load the configuration and the edge\n"
	    "              inventory, print every error as\n"
	    "              file:line:col: message, exit 0 if all is well,\n"
	    "              else 1\n"
	    "  -v          verbose: log debug messages too (every failed\n"
	    "              probe)\n"
	    "  -h, --help  this help\n"
	    "\n"
	    "FILES\n"
	    "  Every key of FILE is described in zones/README.md; the\n"
	    "  state_file's folder must be writable by USER.\n"
	    "\n"
	    "SIGNALS\n"
	    "  SIGHUP reloads the configuration (a broken file is\n"
	    "  reported and the running one is kept); SIGTERM and SIGINT\n"
	    "  stop.\n"
	    "\n"
	    "EXIT STATUS\n"
	    "  0 on a clean stop or a good check, 1 on any error.\n");
}

static uint64_t
random64(void)
{
	uint64_t v;

	/* getrandom never fails for 8 bytes once the pool is ready; fall
	 * back to the clock rather than refuse to start. */
	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
		    (uint64_t)getpid() << 32;
	}
	return v;
}

/* The current snapshot into eh->msg, with a new seq. */
static void
snapshot(struct eh *eh)
{
	sched_snapshot(eh->sched, eh->msg);
	eh->msg->boot = eh->boot;
	eh->msg->seq = ++eh->seq;
	eh->msg->time = (uint64_t)time(NULL);
	eh->msg->interval_ms = eh->conf->defaults.interval_ms;
}

/* Send the full snapshot of every edge to every target. */
static void
report(struct eh *eh)
{
	if (eh->feed == NULL || eh->conf->nfeed == 0)
		return;
	snapshot(eh);
	feed_send(eh->feed, eh->msg);
	eh->feed_messages++;
}

static void
save_state(struct eh *eh)
{
	static struct log_rl rl;

	if (eh->conf->state_file == NULL)
		return;
	sched_snapshot(eh->sched, eh->msg);
	eh->msg->boot = eh->boot;
	eh->msg->seq = eh->seq;
	eh->msg->time = (uint64_t)time(NULL);
	eh->msg->interval_ms = eh->conf->defaults.interval_ms;
	if (statefile_save(eh->conf->state_file, eh->msg) == -1)
		log_ratelimit(&rl, LOG_WARNING, "state: %s: cannot save: %s",
		              eh->conf->state_file, strerror(errno));
}

/* Down edges listed in the state file start down (see sched_restore). */
static void
restore_state(struct eh *eh)
{
	const char *why = "";

	if (eh->conf->state_file == NULL)
		return;
	if (statefile_load(eh->conf->state_file, eh->msg, &why) == -1) {
		log_info("state: %s: not restored: %s", eh->conf->state_file,
		         why);
		return;
	}
	size_t n = sched_restore(eh->sched, eh->msg);
	log_info("state: %s: %zu edge%s start down", eh->conf->state_file, n,
	         n == 1 ? "" : "s");
}

static void
changed(void *arg, size_t edge, enum state_change ch)
{
	(void)edge;
	(void)ch;
	/* At once on a transition, without waiting for the next tick. */
	report(arg);
	save_state(arg);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	report(arg);
}

static int
arm_tick(struct eh *eh)
{
	struct timeval tv = {
	    .tv_sec = eh->conf->defaults.interval_ms / 1000,
	    .tv_usec = (eh->conf->defaults.interval_ms % 1000) * 1000,
	};

	if (eh->tick != NULL)
		event_free(eh->tick);
	eh->tick = event_new(eh->base, -1, EV_PERSIST, tick_cb, eh);
	if (eh->tick == NULL || event_add(eh->tick, &tv) == -1)
		return -1;
	return 0;
}

static void
reload(struct eh *eh)
{
	struct errbuf err;

	errbuf_init(&err);
	struct eh_conf *conf = eh_conf_load(eh->conf_path, &err);
	if (conf == NULL) {
		log_warn("reload: failed, keeping the running configuration:");
		errbuf_log(&err, LOG_WARNING);
		errbuf_fini(&err);
		return;
	}
	errbuf_fini(&err);
	/* The old sched lends its states to the new one, then goes. */
	struct sched *s =
	    sched_new(eh->base, conf, eh->sched, random64(), changed, eh);
	if (s == NULL) {
		log_warn("reload: failed, keeping the running configuration");
		eh_conf_free(conf);
		return;
	}
	sched_free(eh->sched);
	/* The feed's counter restarts: keep the total growing. */
	eh->feed_failures_before += feed_failures(eh->feed);
	feed_free(eh->feed);
	/* The endpoint stays where it was bound (a restart moves it). */
	if (conf->metrics != eh->conf->metrics ||
	    (conf->metrics &&
	     strcmp(conf->metrics_addr.text, eh->conf->metrics_addr.text) != 0))
		log_warn("reload: metrics: a change needs a restart");
	eh_conf_free(eh->conf);
	eh->sched = s;
	eh->conf = conf;
	eh->feed = feed_new(conf);
	if (arm_tick(eh) == -1)
		log_err("reload: cannot arm the feed timer");
	log_notice("reload: %zu edges probed, %zu feeds", conf->nedge,
	           conf->nfeed);
}

/*
 * The feed sockets exist: become the configured user (-u wins over
 * `user`) before the first probe.  0 or -1 (logged).
 */
static int
drop_privileges(const struct eh_conf *conf, const char *user)
{
	struct errbuf err;
	bool root = geteuid() == 0;
	int rc = 0;

	if (user == NULL)
		user = conf->user;
	errbuf_init(&err);
	if (privdrop(user, conf->allow_root, &err) == -1) {
		errbuf_log(&err, LOG_ERR);
		rc = -1;
	} else if (root && user != NULL) {
		log_info("running as user %s", user);
	} else if (root) {
		log_warn("running as root (allow_root: true)");
	}
	errbuf_fini(&err);
	return rc;
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct eh *eh = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading %s", eh->conf_path);
		reload(eh);
		return;
	}
	log_info("%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(eh->base);
}

int
main(int argc, char **argv)
{
	struct eh eh = {0};
	struct errbuf err;
	bool check = false;
	int level = LOG_INFO, ch;
	const char *user = NULL; /* -u */

	log_init("edge-health", true, level);
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	while ((ch = getopt(argc, argv, "c:u:nvh")) != -1) {
		switch (ch) {
		case 'c':
			eh.conf_path = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			level = LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (eh.conf_path == NULL || optind != argc) {
		usage(stderr);
		return 1;
	}
	log_init("edge-health", true, level);

	errbuf_init(&err);
	eh.conf = eh_conf_load(eh.conf_path, &err);
	if (eh.conf == NULL) {
		fputs(errbuf_text(&err), stderr);
		fprintf(stderr, "edge-health: %s: %u error%s\n", eh.conf_path,
		        err.count, err.count == 1 ? "" : "s");
		errbuf_fini(&err);
		return 1;
	}
	errbuf_fini(&err);
	if (check) {
		printf("edge-health: %s: ok, %zu edges probed, %zu feeds\n",
		       eh.conf_path, eh.conf->nedge, eh.conf->nfeed);
		eh_conf_free(eh.conf);
		return 0;
	}

	signal(SIGPIPE, SIG_IGN);
	eh.base = event_base_new();
	if (eh.base == NULL)
		log_fatal("cannot create the event loop");
	eh.boot = random64();
	eh.msg = xcalloc(1, sizeof(*eh.msg));
	eh.feed = feed_new(eh.conf);
	/* Bound before dropping privileges, like the feed sockets. */
	if (eh.conf->metrics) {
		const struct eh_metrics_source src = {
		    .sched = &eh.sched,
		    .feed = &eh.feed,
		    .feed_messages = &eh.feed_messages,
		    .feed_failures_before = &eh.feed_failures_before,
		};
		eh.metrics =
		    eh_metrics_new(eh.base, &eh.conf->metrics_addr, &src);
		if (eh.metrics == NULL)
			log_fatal("cannot serve metrics");
	}
	if (drop_privileges(eh.conf, user) == -1)
		log_fatal("cannot start: see the errors above");
	eh.sched = sched_new(eh.base, eh.conf, NULL, random64(), changed, &eh);
	if (eh.sched == NULL)
		log_fatal("cannot start probing");
	restore_state(&eh);
	if (arm_tick(&eh) == -1)
		log_fatal("cannot arm the feed timer");

	struct event *sigs[3];
	const int signo[3] = {SIGHUP, SIGINT, SIGTERM};
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(eh.base, signo[i], signal_cb, &eh);
		if (sigs[i] == NULL || event_add(sigs[i], NULL) == -1)
			log_fatal("cannot watch signal %d", signo[i]);
	}
	log_info("ready: edge-health %s, %zu edges probed, %zu feeds, boot "
	         "%016llx",
	         EH_VERSION, eh.conf->nedge, eh.conf->nfeed,
	         (unsigned long long)eh.boot);

	event_base_dispatch(eh.base);

	save_state(&eh);
	/*
	 * Nothing may call back into what is freed next: take the timer and
	 * the signals off the loop first, then stop the probes, then let the
	 * deferred frees (finished HTTP connections) run.
	 */
	for (int i = 0; i < 3; i++)
		event_free(sigs[i]);
	event_free(eh.tick);
	eh_metrics_free(eh.metrics);
	sched_free(eh.sched);
	event_base_loop(eh.base, EVLOOP_NONBLOCK);
	uint64_t failures = eh.feed_failures_before + feed_failures(eh.feed);
	feed_free(eh.feed);
	event_base_free(eh.base);
	eh_conf_free(eh.conf);
	free(eh.msg);
	log_info("stopped: %llu messages sent, %llu sends failed",
	         (unsigned long long)eh.seq, (unsigned long long)failures);
	return 0;
}
