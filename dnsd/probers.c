/* SPDX-License-Identifier: MIT */
/* dnsd/probers.c: one view per prober, and their vote on each edge. */
#include "dnsd/probers.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"

#define OLD_BOOTS 8 /* retired boot ids remembered per prober */

const struct vote_conf vote_conf_default = {
    .rule = VOTE_MAJORITY,
    .count = 1,
    .max_down = 0.5,
};

struct prober {
	char name[HMSG_PROBER_MAX];
	uint64_t boot, seq, round;
	uint64_t old_boot[OLD_BOOTS];
	size_t nold;
	uint64_t last_rx_ms;
	time_t last_message;
	bool fresh;
	bool isolated;
	uint64_t messages, isolations;
	/* Its last report's edge lines, sorted by name, and for each
	 * inventory edge the index of its line or -1. */
	struct hmsg_edge *line;
	size_t nline;
	int32_t *at;
	unsigned edges, down; /* inventory edges reported, down */
};

struct probers {
	bool keep_stale;
	struct vote_conf conf;
	struct prober *pr[PROBERS_MAX]; /* sorted by name */
	size_t n;
	const char (*inv)[EDGE_NAME_MAX]; /* borrowed from health */
	size_t ninv;
};

struct probers *
probers_new(bool keep_stale)
{
	struct probers *p = xcalloc(1, sizeof(*p));

	p->keep_stale = keep_stale;
	p->conf = vote_conf_default;
	return p;
}

static void
prober_free(struct prober *r)
{
	free(r->line);
	free(r->at);
	free(r);
}

void
probers_free(struct probers *p)
{
	if (p == NULL)
		return;
	for (size_t k = 0; k < p->n; k++)
		prober_free(p->pr[k]);
	free(p);
}

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hmsg_edge *)a)->name,
	              ((const struct hmsg_edge *)b)->name);
}

/* Map the inventory onto r's lines, and count what r says of it. */
static void
map_inventory(const struct probers *p, struct prober *r)
{
	r->at = xreallocarray(r->at, p->ninv ? p->ninv : 1, sizeof(*r->at));
	r->edges = r->down = 0;
	for (size_t i = 0; i < p->ninv; i++) {
		struct hmsg_edge key;
		memcpy(key.name, p->inv[i], sizeof(key.name));
		/* A prober not heard yet has no lines (NULL). */
		const struct hmsg_edge *l =
		    r->nline > 0 ? bsearch(&key, r->line, r->nline,
		                           sizeof(*r->line), line_cmp)
		                 : NULL;
		r->at[i] = l != NULL ? (int32_t)(l - r->line) : -1;
		if (l != NULL) {
			r->edges++;
			r->down += l->state == HMSG_DOWN;
		}
	}
}

uint8_t
probers_view(const struct probers *p, size_t k, size_t i)
{
	const struct prober *r = p->pr[k];

	return i < p->ninv && r->at[i] >= 0 ? r->line[r->at[i]].state : 0;
}

/*
 * Whether fresh prober k is isolated: it finds more of its edges down
 * than max_down allows (and at least PROBERS_ISOLATION_MIN of them: one
 * or two edges are never "everything"), while the other fresh probers,
 * edge by edge, find most of those edges up.  There must be another.
 */
static bool
isolated(const struct probers *p, size_t k)
{
	const struct prober *r = p->pr[k];
	unsigned they_up = 0;
	bool others = false;

	if (r->down < PROBERS_ISOLATION_MIN ||
	    !((double)r->down > p->conf.max_down * r->edges))
		return false;
	for (size_t j = 0; j < p->n; j++)
		others = others || (j != k && p->pr[j]->fresh);
	if (!others)
		return false;
	for (size_t i = 0; i < p->ninv; i++) {
		unsigned up = 0, down = 0;
		if (probers_view(p, k, i) != HMSG_DOWN)
			continue;
		for (size_t j = 0; j < p->n; j++) {
			if (j == k || !p->pr[j]->fresh)
				continue;
			uint8_t v = probers_view(p, j, i);
			up += v == HMSG_UP;
			down += v == HMSG_DOWN;
		}
		they_up += up > down;
	}
	return 2 * they_up > r->down;
}

/* Judge every fresh prober again; log who steps aside or rejoins. */
static void
judge(struct probers *p)
{
	bool now[PROBERS_MAX];

	/* All at once: one prober's verdict must not depend on the order
	 * in which the others were judged. */
	for (size_t k = 0; k < p->n; k++)
		now[k] = p->pr[k]->fresh ? isolated(p, k) : p->pr[k]->isolated;
	for (size_t k = 0; k < p->n; k++) {
		struct prober *r = p->pr[k];
		if (now[k] == r->isolated)
			continue;
		r->isolated = now[k];
		if (now[k]) {
			r->isolations++;
			log_warn("health: prober %s isolated: it finds %u of "
			         "%u edges down, the other probers find them "
			         "up; its votes are ignored",
			         r->name, r->down, r->edges);
		} else {
			log_notice("health: prober %s rejoins the vote (%u of "
			           "%u edges down)",
			           r->name, r->down, r->edges);
		}
	}
}

void
probers_set_conf(struct probers *p, const struct vote_conf *c)
{
	p->conf = *c;
	judge(p);
}

void
probers_set_inventory(struct probers *p, const char (*name)[EDGE_NAME_MAX],
                      size_t n)
{
	p->inv = name;
	p->ninv = n;
	for (size_t k = 0; k < p->n; k++)
		map_inventory(p, p->pr[k]);
	judge(p);
}

/* The prober named `name`, created if there is room; NULL if not. */
static struct prober *
prober_get(struct probers *p, const char *name)
{
	size_t k = 0;

	while (k < p->n && strcmp(p->pr[k]->name, name) < 0)
		k++;
	if (k < p->n && strcmp(p->pr[k]->name, name) == 0)
		return p->pr[k];
	if (p->n == PROBERS_MAX)
		return NULL;
	struct prober *r = xcalloc(1, sizeof(*r));
	memcpy(r->name, name, sizeof(r->name));
	map_inventory(p, r);
	memmove(&p->pr[k + 1], &p->pr[k], (p->n - k) * sizeof(p->pr[0]));
	p->pr[k] = r;
	p->n++;
	return r;
}

static bool
retired(const struct prober *r, uint64_t boot)
{
	size_t n = r->nold < OLD_BOOTS ? r->nold : OLD_BOOTS;

	for (size_t i = 0; i < n; i++)
		if (r->old_boot[i] == boot)
			return true;
	return false;
}

/* The first voting prober by name: its rounds pace load shedding. */
static const struct prober *
lead(const struct probers *p)
{
	for (size_t k = 0; k < p->n; k++)
		if (p->pr[k]->fresh && !p->pr[k]->isolated)
			return p->pr[k];
	return NULL;
}

enum probers_take
probers_take(struct probers *p, const struct hmsg *m, uint64_t now_ms,
             size_t *who, unsigned *rounds)
{
	static struct log_rl rl;
	struct prober *r = prober_get(p, m->prober);
	uint64_t moved;

	*rounds = 0;
	if (r == NULL) {
		log_ratelimit(&rl, LOG_WARNING,
		              "health: prober %s: dropped: %d probers already",
		              m->prober, PROBERS_MAX);
		return PROBERS_TOO_MANY;
	}
	if (r->messages > 0 && m->boot == r->boot && m->seq <= r->seq)
		return PROBERS_OLD;
	if (retired(r, m->boot))
		return PROBERS_OLD;
	if (r->messages == 0) {
		log_info("health: prober %s: first report (boot %016llx)",
		         r->name, (unsigned long long)m->boot);
		moved = 1;
	} else if (m->boot != r->boot) {
		r->old_boot[r->nold++ % OLD_BOOTS] = r->boot;
		log_info("health: prober %s restarted (boot %016llx)", r->name,
		         (unsigned long long)m->boot);
		moved = 1; /* its rounds start again */
	} else {
		moved = m->round > r->round ? m->round - r->round : 0;
	}
	if (!r->fresh && r->messages > 0)
		log_notice("health: prober %s is fresh again", r->name);
	r->boot = m->boot;
	r->seq = m->seq;
	r->round = m->round;
	r->last_rx_ms = now_ms;
	r->last_message = time(NULL);
	r->fresh = true;
	r->messages++;
	r->line = xreallocarray(r->line, m->n ? m->n : 1, sizeof(*r->line));
	memcpy(r->line, m->edge, m->n * sizeof(*r->line));
	r->nline = m->n;
	qsort(r->line, r->nline, sizeof(*r->line), line_cmp);
	map_inventory(p, r);
	judge(p);
	if (lead(p) == r)
		*rounds = moved > UINT32_MAX ? UINT32_MAX : (unsigned)moved;
	*who = 0;
	while (p->pr[*who] != r)
		(*who)++;
	return PROBERS_TAKEN;
}

size_t
probers_fresh(const struct probers *p)
{
	size_t n = 0;

	for (size_t k = 0; k < p->n; k++)
		n += p->pr[k]->fresh;
	return n;
}

size_t
probers_count(const struct probers *p)
{
	return p->n;
}

bool
probers_expire(struct probers *p, uint64_t now_ms, unsigned stale_after_ms)
{
	bool changed = false;

	for (size_t k = 0; k < p->n; k++) {
		struct prober *r = p->pr[k];
		uint64_t idle = now_ms - r->last_rx_ms;
		if (r->fresh && idle >= stale_after_ms) {
			r->fresh = false;
			changed = true;
			log_warn("health: prober %s silent for %.1fs: it no "
			         "longer votes",
			         r->name, (double)idle / 1000);
		}
	}
	/* Forget the long-silent, but never the last views a stale policy
	 * of `keep` may stand on. */
	if (probers_fresh(p) > 0) {
		size_t j = 0;
		for (size_t k = 0; k < p->n; k++) {
			struct prober *r = p->pr[k];
			if (!r->fresh &&
			    now_ms - r->last_rx_ms >= PROBERS_FORGET_MS) {
				log_notice(
				    "health: prober %s forgotten (silent "
				    "for an hour)",
				    r->name);
				prober_free(r);
				changed = true;
				continue;
			}
			p->pr[j++] = r;
		}
		p->n = j;
	}
	if (changed)
		judge(p);
	return changed;
}

/* Whether prober k's vote counts now. */
static bool
votes(const struct probers *p, size_t k, bool any_fresh)
{
	const struct prober *r = p->pr[k];

	if (r->isolated)
		return false;
	return r->fresh || (!any_fresh && p->keep_stale);
}

void
probers_vote(const struct probers *p, size_t i, struct vote *out)
{
	bool any_fresh = probers_fresh(p) > 0;
	unsigned need;

	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < p->n; k++) {
		uint8_t v = probers_view(p, k, i);
		if (v == 0 || !votes(p, k, any_fresh))
			continue;
		if (out->line == NULL)
			out->line = &p->pr[k]->line[p->pr[k]->at[i]];
		out->voters++;
		out->down += v == HMSG_DOWN;
	}
	if (out->voters == 0)
		return;
	switch (p->conf.rule) {
	case VOTE_ALL:
		need = out->voters;
		break;
	case VOTE_COUNT:
		need =
		    p->conf.count < out->voters ? p->conf.count : out->voters;
		break;
	default:
		need = out->voters / 2 + 1;
		break;
	}
	out->state = out->down >= need ? HMSG_DOWN : HMSG_UP;
}

void
probers_info(const struct probers *p, size_t k, uint64_t now_ms,
             struct prober_info *out)
{
	const struct prober *r = p->pr[k];

	memset(out, 0, sizeof(*out));
	memcpy(out->name, r->name, sizeof(out->name));
	out->boot = r->boot;
	out->seq = r->seq;
	out->round = r->round;
	out->fresh = r->fresh;
	out->isolated = r->isolated;
	out->votes = votes(p, k, probers_fresh(p) > 0);
	out->last_message = r->last_message;
	out->idle_ms = now_ms - r->last_rx_ms;
	out->edges = r->edges;
	out->down = r->down;
	out->messages = r->messages;
	out->isolations = r->isolations;
}
