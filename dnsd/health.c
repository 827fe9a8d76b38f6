/* SPDX-License-Identifier: MIT */
/* dnsd/health.c: each edge's reported state and override, and from both
 * the edges answers may use. */
#include "dnsd/health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/edges.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/state_file.h"

/* What the log says an edge is; last_change follows this. */
enum eff { EFF_UP, EFF_DOWN, EFF_DRAINED };

/* Why the state is recomputed, for the transition log lines. */
enum cause { CAUSE_PROBE, CAUSE_OPERATOR, CAUSE_STALE, CAUSE_EDGES };

/*
 * Everything known about one edge name.  Names come from the inventory,
 * the feed and the state file, which need not agree: an override for an
 * edge that left the inventory must apply again if it comes back.
 */
struct entry {
	char name[EDGE_NAME_MAX];
	enum health_probed probed;
	enum health_override ov;
	enum eff eff;
	bool in_inv;
	time_t last_report;
	time_t last_change;
};

struct health {
	char *state_file;
	bool stale_keep; /* stale feed: keep the last reports (not "all up") */
	bool stale;

	/* Sorted by name, so a 1500-edge message is 1500 bsearches. */
	struct entry *ent;
	size_t nent, capent;

	/* The inventory: names in snapshot order, and what answers may use. */
	char (*inv)[EDGE_NAME_MAX];
	uint8_t *usable;
	size_t ninv;

	void (*on_change)(void *arg);
	void *on_change_arg;
};

static const char *const override_names[] = {
    [HEALTH_AUTO] = "auto",
    [HEALTH_DRAIN] = "drain",
    [HEALTH_FORCE_DOWN] = "force-down",
    [HEALTH_FORCE_UP] = "force-up",
};

const char *
health_override_name(enum health_override o)
{
	if ((unsigned)o >= sizeof(override_names) / sizeof(override_names[0]))
		return "?";
	return override_names[o];
}

int
health_override_parse(const char *s, enum health_override *out)
{
	for (size_t i = 0;
	     i < sizeof(override_names) / sizeof(override_names[0]); i++) {
		if (strcmp(s, override_names[i]) == 0) {
			*out = (enum health_override)i;
			return 0;
		}
	}
	return -1;
}

const char *
health_probed_name(enum health_probed p)
{
	return p == HEALTH_UP ? "up" : p == HEALTH_DOWN ? "down" : "unknown";
}

/* Index of `name` in the sorted entries, or where it would go (*found). */
static size_t
entry_pos(const struct health *h, const char *name, bool *found)
{
	size_t lo = 0, hi = h->nent;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, h->ent[mid].name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = false;
	return lo;
}

static struct entry *
entry_find(const struct health *h, const char *name)
{
	bool found;
	size_t i = entry_pos(h, name, &found);

	return found ? &h->ent[i] : NULL;
}

/* The entry for `name` (valid, < EDGE_NAME_MAX), created if new. */
static struct entry *
entry_get(struct health *h, const char *name)
{
	bool found;
	size_t i = entry_pos(h, name, &found);
	struct entry *e;

	if (found)
		return &h->ent[i];
	if (h->nent == h->capent) {
		h->capent = h->capent ? h->capent * 2 : 64;
		h->ent = xreallocarray(h->ent, h->capent, sizeof(*h->ent));
	}
	memmove(&h->ent[i + 1], &h->ent[i], (h->nent - i) * sizeof(*h->ent));
	h->nent++;
	e = &h->ent[i];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->probed = HEALTH_UNKNOWN;
	e->ov = HEALTH_AUTO;
	e->eff = EFF_UP; /* unknown counts as up: nothing to log yet */
	return e;
}

/* Forget names nobody needs any more (a prober's since-removed edges), so
 * the table cannot grow without bound. */
static void
entries_prune(struct health *h)
{
	size_t j = 0;

	for (size_t i = 0; i < h->nent; i++) {
		const struct entry *e = &h->ent[i];
		if (!e->in_inv && e->ov == HEALTH_AUTO &&
		    e->probed == HEALTH_UNKNOWN)
			continue;
		h->ent[j++] = *e;
	}
	h->nent = j;
}

/* The probed state as it counts: a stale feed's reports are unknown,
 * unless the policy keeps them. */
static enum health_probed
probed_of(const struct health *h, const struct entry *e)
{
	return h->stale && !h->stale_keep ? HEALTH_UNKNOWN : e->probed;
}

static bool
usable_of(const struct health *h, const struct entry *e)
{
	if (e == NULL)
		return true;
	return e->ov == HEALTH_FORCE_UP ||
	       (e->ov == HEALTH_AUTO && probed_of(h, e) != HEALTH_DOWN);
}

static const char *
reason(const struct health *h, const struct entry *e, enum cause cause)
{
	if (e->ov != HEALTH_AUTO || cause == CAUSE_OPERATOR)
		return "operator";
	if (h->stale)
		return "feed stale";
	if (e->probed != HEALTH_UNKNOWN)
		return "probe report";
	return cause == CAUSE_EDGES ? "new edge" : "no report";
}

/*
 * Recompute what answers may use, log each edge whose effective state
 * changed (once), and say whether the usable set changed.
 */
static bool
recompute(struct health *h, enum cause cause)
{
	static const char *const eff_word[] = {"up", "down", "drained"};
	time_t now = time(NULL);
	bool changed = false;

	for (size_t i = 0; i < h->ninv; i++) {
		struct entry *e = entry_find(h, h->inv[i]);
		uint8_t u = usable_of(h, e);

		changed = changed || u != h->usable[i];
		h->usable[i] = u;
		if (e == NULL)
			continue;
		enum eff eff = u                       ? EFF_UP
		               : e->ov == HEALTH_DRAIN ? EFF_DRAINED
		                                       : EFF_DOWN;
		if (eff != e->eff) {
			log_notice("health: edge %s: %s (%s)", e->name,
			           eff_word[eff], reason(h, e, cause));
			e->eff = eff;
			e->last_change = now;
		}
	}
	return changed;
}

/* A change the answering threads must see: tell the owner. */
static void
changed(struct health *h, enum cause cause)
{
	if (recompute(h, cause) && h->on_change != NULL)
		h->on_change(h->on_change_arg);
}

struct health *
health_new(const char *state_file, bool stale_keep)
{
	struct health *h = xcalloc(1, sizeof(*h));

	h->stale_keep = stale_keep;
	if (state_file != NULL) {
		struct state_file_entry *v;
		size_t n = state_file_load(state_file, &v);
		h->state_file = xstrdup(state_file);
		for (size_t i = 0; i < n; i++)
			entry_get(h, v[i].name)->ov = v[i].ov;
		free(v);
	}
	return h;
}

void
health_free(struct health *h)
{
	if (h == NULL)
		return;
	free(h->usable);
	free(h->inv);
	free(h->ent);
	free(h->state_file);
	free(h);
}

void
health_set_edges(struct health *h, const struct edge_set *edges)
{
	size_t n = edges != NULL ? edges->n : 0;

	for (size_t i = 0; i < h->nent; i++)
		h->ent[i].in_inv = false;
	free(h->inv);
	free(h->usable);
	h->inv = xcalloc(n ? n : 1, sizeof(*h->inv));
	h->usable = xcalloc(n ? n : 1, 1);
	h->ninv = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(h->inv[i], sizeof(h->inv[i]), "%s",
		         edges->edge[i].name);
		entry_get(h, h->inv[i])->in_inv = true;
	}
	entries_prune(h);
	recompute(h, CAUSE_EDGES);
}

const uint8_t *
health_usable(const struct health *h, size_t *n)
{
	*n = h->ninv;
	return h->usable;
}

void
health_on_change(struct health *h, void (*fn)(void *arg), void *arg)
{
	h->on_change = fn;
	h->on_change_arg = arg;
}

void
health_report(struct health *h, const struct hmsg *m)
{
	time_t now = time(NULL);

	/* A full snapshot: an edge it leaves out is unknown to the prober. */
	for (size_t i = 0; i < h->nent; i++)
		h->ent[i].probed = HEALTH_UNKNOWN;
	for (size_t i = 0; i < m->n; i++) {
		struct entry *e = entry_get(h, m->edge[i].name);
		e->probed =
		    m->edge[i].state == HMSG_DOWN ? HEALTH_DOWN : HEALTH_UP;
		e->last_report = now;
	}
	entries_prune(h);
	changed(h, CAUSE_PROBE);
}

void
health_set_stale(struct health *h, bool stale)
{
	if (h->stale == stale)
		return;
	h->stale = stale;
	changed(h, CAUSE_STALE);
}

const char *
health_stale_policy(const struct health *h)
{
	return h->stale_keep ? "keeping the last reported states"
	                     : "treating edges as up";
}

/* Save every override in force; 0 or -1 (logged). */
static int
save(const struct health *h)
{
	struct state_file_entry *v;
	size_t n = 0;
	int rc;

	if (h->state_file == NULL)
		return 0;
	v = xcalloc(h->nent + 1, sizeof(*v));
	for (size_t i = 0; i < h->nent; i++) {
		if (h->ent[i].ov == HEALTH_AUTO)
			continue;
		memcpy(v[n].name, h->ent[i].name, sizeof(v[n].name));
		v[n++].ov = h->ent[i].ov;
	}
	rc = state_file_save(h->state_file, v, n);
	free(v);
	return rc;
}

int
health_set_override(struct health *h, const char *edge, enum health_override o)
{
	struct entry *e = entry_find(h, edge);

	if (e == NULL || !e->in_inv ||
	    (unsigned)o >= sizeof(override_names) / sizeof(override_names[0]))
		return -1;
	if (e->ov != o) {
		e->ov = o;
		log_notice("health: edge %s: override %s", e->name,
		           health_override_name(o));
		changed(h, CAUSE_OPERATOR);
	}
	/* The override applies now even if it could not be saved. */
	return save(h) == 0 ? 0 : -2;
}

size_t
health_list(const struct health *h, struct health_edge_info *out, size_t max)
{
	for (size_t i = 0; i < h->ninv && i < max; i++) {
		const struct entry *e = entry_find(h, h->inv[i]);
		struct health_edge_info *o = &out[i];

		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", h->inv[i]);
		o->usable = h->usable[i] != 0;
		if (e == NULL)
			continue;
		o->probed = probed_of(h, e);
		o->override = e->ov;
		o->last_report = e->last_report;
		o->last_change = e->last_change;
	}
	return h->ninv;
}
