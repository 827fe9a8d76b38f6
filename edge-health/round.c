/* SPDX-License-Identifier: MIT */
/* edge-health/round.c: a target's checks run together, bounded by a
 * timeout. */
#include "edge-health/round.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "edge-health/probe.h"
#include "edge-health/state.h"

struct round {
	struct round_target t;
	round_check_fn *check_done;
	round_done_fn *done;
	void *arg;
	struct probe *probe;   /* one per check */
	struct event *next;    /* starts the next round */
	struct event *timeout; /* ends a round that takes too long */
	uint64_t started_us;   /* start of the current or last round */
	size_t pending;        /* probes of this round still running */
	bool ok;
	char reason[STATE_REASON_MAX]; /* the first failure of the round */
};

static void
ms_to_tv(uint64_t ms, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

/* Check `i` ended now, `why` if it failed. */
static void
check_ended(struct round *r, size_t i, bool ok, const char *why,
            const struct edge_report *report)
{
	/* Keep the first failure: with several checks it is the one an
	 * operator reads in the transition log.  Truncation is fine: the
	 * reason is for people. */
	if (!ok && r->ok) {
		const struct eh_check *c = &r->t.check[i];
		int n =
		    r->t.name_in_reason
		        ? snprintf(r->reason, sizeof(r->reason), "%s (%s): %s",
		                   r->t.name, c->addr.text, why)
		        : snprintf(r->reason, sizeof(r->reason), "%s: %s",
		                   c->addr.text, why);
		if (n < 0)
			r->reason[0] = '\0';
		r->ok = false;
	}
	if (r->check_done != NULL) {
		uint64_t now = clock_us();
		r->check_done(r->arg, i, ok, report,
		              now > r->started_us ? now - r->started_us : 0);
	}
}

static void
finish(struct round *r)
{
	event_del(r->timeout);
	r->done(r->arg, r->ok, r->reason);
}

static void
probe_done(struct probe *p, bool ok, const char *why,
           const struct edge_report *report)
{
	struct round *r = p->arg;

	check_ended(r, (size_t)(p - r->probe), ok, why, report);
	if (--r->pending == 0)
		finish(r);
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct round *r = arg;
	char why[64];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "timeout after %u ms", r->t.timeout_ms);
	for (size_t i = 0; i < r->t.ncheck; i++) {
		struct probe *p = &r->probe[i];
		if (p->impl == NULL)
			continue;
		p->ops->stop(p);
		check_ended(r, i, false, why, NULL);
	}
	r->pending = 0;
	finish(r);
}

static void
start_cb(evutil_socket_t fd, short what, void *arg)
{
	struct round *r = arg;
	char why[PROBE_REASON_MAX];
	struct timeval tv;

	(void)fd;
	(void)what;
	r->started_us = clock_us();
	r->ok = true;
	r->reason[0] = '\0';
	r->pending = 0;
	/* A probe never ends within its start (probe.h): the round cannot
	 * end before every probe had its chance to start. */
	for (size_t i = 0; i < r->t.ncheck; i++) {
		struct probe *p = &r->probe[i];
		if (p->ops->start(p, why, sizeof(why)) == 0)
			r->pending++;
		else
			check_ended(r, i, false, why, NULL);
	}
	if (r->pending == 0) {
		finish(r); /* every probe failed at once */
		return;
	}
	ms_to_tv(r->t.timeout_ms, &tv);
	event_add(r->timeout, &tv);
}

struct round *
round_new(const struct probe_env *env, const struct round_target *t,
          round_check_fn *check_done, round_done_fn *done, void *arg)
{
	struct round *r = xcalloc(1, sizeof(*r));

	r->t = *t;
	r->check_done = check_done;
	r->done = done;
	r->arg = arg;
	r->started_us = clock_us();
	r->probe = xcalloc(t->ncheck + 1, sizeof(*r->probe));
	for (size_t i = 0; i < t->ncheck; i++) {
		r->probe[i].ops = probe_ops_for(t->check[i].type);
		r->probe[i].env = env;
		r->probe[i].edge = t->name;
		r->probe[i].check = &t->check[i];
		r->probe[i].done = probe_done;
		r->probe[i].arg = r;
	}
	r->next = evtimer_new(env->base, start_cb, r);
	r->timeout = evtimer_new(env->base, timeout_cb, r);
	if (r->next == NULL || r->timeout == NULL) {
		round_free(r);
		return NULL;
	}
	return r;
}

void
round_next(struct round *r, unsigned delay_ms)
{
	uint64_t now = clock_ms();
	uint64_t due = r->started_us / 1000 + delay_ms;
	struct timeval tv;

	ms_to_tv(due > now ? due - now : 0, &tv);
	event_add(r->next, &tv);
}

void
round_free(struct round *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->t.ncheck; i++)
		r->probe[i].ops->stop(&r->probe[i]);
	if (r->next != NULL)
		event_free(r->next);
	if (r->timeout != NULL)
		event_free(r->timeout);
	free(r->probe);
	free(r);
}
