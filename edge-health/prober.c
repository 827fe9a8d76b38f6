/* SPDX-License-Identifier: MIT */
/* edge-health/prober.c: the prober's life on one event loop: its
 * configuration, the probes (sched), the feed with its periodic report,
 * the state file, reload, and the metrics endpoint. */
#include "edge-health/prober.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/errbuf.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "edge-health/anycast.h"
#include "edge-health/conf.h"
#include "edge-health/feed.h"
#include "edge-health/metrics.h"
#include "edge-health/sched.h"
#include "edge-health/state.h"
#include "edge-health/statefile.h"

#define EH_VERSION "0.1.0"

/* Everything the prober runs on travels here, not in globals. */
struct prober {
	const char *conf_path;
	struct eh_conf *conf;
	struct sched *sched;
	struct feed *feed;
	struct event_base *base;
	struct event *tick;         /* the periodic full snapshot */
	struct hmsg *msg;           /* large: on the heap */
	struct eh_metrics *metrics; /* NULL without `metrics` */
	struct anycast *anycast;    /* NULL without `anycast` */
	uint64_t boot;
	uint64_t seq;
	uint64_t round;                /* periodic reports (ticks) so far */
	uint64_t feed_messages;        /* snapshots handed to the feed */
	uint64_t feed_failures_before; /* of the feeds reloads freed */
};

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

/* The current snapshot into p->msg, with a new seq. */
static void
snapshot(struct prober *p)
{
	sched_snapshot(p->sched, p->msg);
	memcpy(p->msg->prober, p->conf->prober, sizeof(p->msg->prober));
	p->msg->boot = p->boot;
	p->msg->seq = ++p->seq;
	p->msg->round = p->round;
	p->msg->time = (uint64_t)time(NULL);
	p->msg->interval_ms = p->conf->defaults.interval_ms;
}

/* Send the full snapshot of every edge to every target. */
static void
report(struct prober *p)
{
	if (p->feed == NULL || p->conf->nfeed == 0)
		return;
	snapshot(p);
	feed_send(p->feed, p->msg);
	p->feed_messages++;
}

static void
save_state(struct prober *p)
{
	static struct log_rl rl;

	if (p->conf->state_file == NULL)
		return;
	sched_snapshot(p->sched, p->msg);
	/* States only: what edges report is fresh only while they send
	 * it, and a restart must not replay it. */
	for (size_t i = 0; i < p->msg->n; i++)
		p->msg->edge[i].has = 0;
	memcpy(p->msg->prober, p->conf->prober, sizeof(p->msg->prober));
	p->msg->boot = p->boot;
	p->msg->seq = p->seq;
	p->msg->round = p->round;
	p->msg->time = (uint64_t)time(NULL);
	p->msg->interval_ms = p->conf->defaults.interval_ms;
	if (statefile_save(p->conf->state_file, p->msg) == -1)
		log_ratelimit(&rl, LOG_WARNING, "state: %s: cannot save: %s",
		              p->conf->state_file, strerror(errno));
}

/* Down edges listed in the state file start down (see sched_restore). */
static void
restore_state(struct prober *p)
{
	const char *why = "";

	if (p->conf->state_file == NULL)
		return;
	if (statefile_load(p->conf->state_file, p->msg, &why) == -1) {
		log_info("state: %s: not restored: %s", p->conf->state_file,
		         why);
		return;
	}
	size_t n = sched_restore(p->sched, p->msg);
	log_info("state: %s: %zu edge%s start down", p->conf->state_file, n,
	         n == 1 ? "" : "s");
}

static void
changed(void *arg, size_t edge, enum state_change ch)
{
	(void)edge;
	(void)ch;
	/* At once on a transition, without waiting for the next tick; in
	 * the current round (dnsd steps once per round, not per message). */
	report(arg);
	save_state(arg);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct prober *p = arg;

	(void)fd;
	(void)what;
	/* A new round per tick, whether or not a feed is configured. */
	p->round++;
	report(p);
}

static int
arm_tick(struct prober *p)
{
	struct timeval tv = {
	    .tv_sec = p->conf->defaults.interval_ms / 1000,
	    .tv_usec = (p->conf->defaults.interval_ms % 1000) * 1000,
	};

	if (p->tick != NULL)
		event_free(p->tick);
	p->tick = event_new(p->base, -1, EV_PERSIST, tick_cb, p);
	if (p->tick == NULL || event_add(p->tick, &tv) == -1)
		return -1;
	return 0;
}

struct prober *
prober_new(struct event_base *base, const char *conf_path, struct eh_conf *conf)
{
	struct prober *p = xcalloc(1, sizeof(*p));

	p->conf_path = conf_path;
	p->conf = conf;
	p->base = base;
	p->boot = random64();
	p->msg = xcalloc(1, sizeof(*p->msg));
	p->feed = feed_new(conf);
	/* Bound before dropping privileges, like the feed sockets. */
	if (conf->metrics) {
		const struct eh_metrics_source src = {
		    .sched = &p->sched,
		    .feed = &p->feed,
		    .feed_messages = &p->feed_messages,
		    .feed_failures_before = &p->feed_failures_before,
		    .anycast = &p->anycast,
		};
		p->metrics = eh_metrics_new(base, &conf->metrics_addr, &src);
		if (p->metrics == NULL) {
			feed_free(p->feed);
			eh_conf_free(p->conf);
			free(p->msg);
			free(p);
			return NULL;
		}
	}
	return p;
}

const struct eh_conf *
prober_conf(const struct prober *p)
{
	return p->conf;
}

int
prober_start(struct prober *p)
{
	p->sched = sched_new(p->base, p->conf, NULL, random64(), changed, p);
	if (p->sched == NULL) {
		log_err("cannot start probing");
		return -1;
	}
	restore_state(p);
	if (p->conf->anycast != NULL &&
	    (p->anycast = anycast_new(p->base, p->conf->anycast)) == NULL) {
		log_err("cannot start the anycast role");
		return -1;
	}
	if (arm_tick(p) == -1) {
		log_err("cannot arm the feed timer");
		return -1;
	}
	log_info("ready: edge-health %s, prober %s, %zu edges probed, %zu "
	         "feeds, boot %016llx",
	         EH_VERSION, p->conf->prober, p->conf->nedge, p->conf->nfeed,
	         (unsigned long long)p->boot);
	return 0;
}

void
prober_reload(struct prober *p)
{
	struct errbuf err;

	errbuf_init(&err);
	struct eh_conf *conf = eh_conf_load(p->conf_path, &err);
	if (conf == NULL) {
		log_warn("reload: failed, keeping the running configuration:");
		errbuf_log(&err, LOG_WARNING);
		errbuf_fini(&err);
		return;
	}
	errbuf_fini(&err);
	/* The old sched lends its states to the new one, then goes. */
	struct sched *s =
	    sched_new(p->base, conf, p->sched, random64(), changed, p);
	if (s == NULL) {
		log_warn("reload: failed, keeping the running configuration");
		eh_conf_free(conf);
		return;
	}
	sched_free(p->sched);
	/* The feed's counter restarts: keep the total growing. */
	p->feed_failures_before += feed_failures(p->feed);
	feed_free(p->feed);
	/* The endpoint stays where it was bound (a restart moves it). */
	if (conf->metrics != p->conf->metrics ||
	    (conf->metrics &&
	     strcmp(conf->metrics_addr.text, p->conf->metrics_addr.text) != 0))
		log_warn("reload: metrics: a change needs a restart");
	/* Its probes point into the old conf: switch before freeing it. */
	if (conf->anycast != NULL && p->anycast != NULL) {
		anycast_reload(p->anycast, conf->anycast);
	} else if (conf->anycast != NULL) {
		p->anycast = anycast_new(p->base, conf->anycast);
		if (p->anycast == NULL)
			log_err("reload: cannot start the anycast role");
	} else if (p->anycast != NULL) {
		log_notice("reload: anycast: no longer configured, %s left "
		           "as it is",
		           p->conf->anycast->bird_include);
		anycast_free(p->anycast);
		p->anycast = NULL;
	}
	eh_conf_free(p->conf);
	p->sched = s;
	p->conf = conf;
	p->feed = feed_new(conf);
	if (arm_tick(p) == -1)
		log_err("reload: cannot arm the feed timer");
	log_notice("reload: %zu edges probed, %zu feeds", conf->nedge,
	           conf->nfeed);
}

void
prober_free(struct prober *p)
{
	if (p == NULL)
		return;
	if (p->sched != NULL)
		save_state(p);
	/*
	 * Nothing may call back into what is freed next: take the timer off
	 * the loop first, then stop the probes, then let the deferred frees
	 * (finished HTTP connections) run.
	 */
	if (p->tick != NULL)
		event_free(p->tick);
	eh_metrics_free(p->metrics);
	anycast_free(p->anycast);
	sched_free(p->sched);
	event_base_loop(p->base, EVLOOP_NONBLOCK);
	uint64_t failures = p->feed_failures_before + feed_failures(p->feed);
	feed_free(p->feed);
	eh_conf_free(p->conf);
	free(p->msg);
	log_info("stopped: %llu messages sent, %llu sends failed",
	         (unsigned long long)p->seq, (unsigned long long)failures);
	free(p);
}
