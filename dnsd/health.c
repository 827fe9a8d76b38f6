/* SPDX-License-Identifier: MIT */
/* dnsd/health.c: each edge's reported state and override, and from both
 * the edges answers may use. */
#include "dnsd/health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/edges.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/probers.h"
#include "dnsd/state_file.h"
#include "dnsd/steer.h"

/* What the log says an edge is; last_change follows this. */
enum eff { EFF_UP, EFF_DOWN, EFF_DRAINED };

/* Why the state is recomputed, for the transition log lines. */
enum cause {
	CAUSE_PROBE,
	CAUSE_OPERATOR,
	CAUSE_STALE,
	CAUSE_EDGES,
	CAUSE_TIME /* a ramp or a timed drain moved on */
};

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
	unsigned down, voters; /* the probers' vote behind `probed` */
	/* What the edge said of itself, as the first voter reports it
	 * (HMSG_HAS_*; 0 when nobody votes). */
	uint8_t has;
	uint8_t weight;
	bool drain;
	double load;
	/* Its share: the drivers, the share health and overrides allow
	 * (a rise starts a ramp), and the share in force. */
	struct share share;
	double base;
	double now_share;
};

struct health {
	char *state_file;
	bool stale_keep; /* stale feed: keep the last reports (not "all up") */
	bool stale;      /* probers known, none of them fresh */
	struct probers *probers;

	/* Sorted by name, so a 1500-edge message is 1500 bsearches. */
	struct entry *ent;
	size_t nent, capent;

	/* The inventory: names in snapshot order, configured weights, and
	 * what answers may do with each edge. */
	char (*inv)[EDGE_NAME_MAX];
	size_t *inv_ent; /* each one's entry: ent[inv_ent[i]] (stable until
	                    the next health_set_edges: nothing else adds or
	                    removes entries) */
	unsigned *weight;
	struct steer *steer;
	size_t ninv;

	struct share_conf sc;
	uint64_t (*now_ms)(void);
	uint64_t computed_ms; /* when the steer was last computed */

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
	share_init(&e->share);
	e->base = e->now_share = 1;
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

/* Whether the edge asks for no new clients (through a voting prober). */
static bool
reports_drain(const struct entry *e)
{
	return (e->has & HMSG_HAS_DRAIN) && e->drain;
}

/*
 * The probers' vote on every inventory edge into its entry: the probed
 * state, and what the edge reported about itself.  A stale prober's
 * votes do not count (probers.h), so neither do its reports.
 */
static void
apply_votes(struct health *h)
{
	for (size_t i = 0; i < h->nent; i++) {
		h->ent[i].probed = HEALTH_UNKNOWN;
		h->ent[i].down = h->ent[i].voters = 0;
	}
	for (size_t i = 0; i < h->ninv; i++) {
		struct entry *e = &h->ent[h->inv_ent[i]];
		struct vote v;
		probers_vote(h->probers, i, &v);
		e->probed = v.state == HMSG_DOWN ? HEALTH_DOWN
		            : v.state == HMSG_UP ? HEALTH_UP
		                                 : HEALTH_UNKNOWN;
		e->down = v.down;
		e->voters = v.voters;
		uint8_t has = v.line != NULL ? v.line->has : 0;
		if ((has & HMSG_HAS_WEIGHT) && (!(e->has & HMSG_HAS_WEIGHT) ||
		                                e->weight != v.line->weight))
			log_info("health: edge %s: reports weight %u", e->name,
			         v.line->weight);
		e->has = has;
		e->load = has ? v.line->load : 0;
		e->weight = has ? v.line->weight : 0;
		e->drain = has ? v.line->drain : false;
	}
}

/*
 * The share health and the operator allow, before load and ramps: 0 or
 * 1, or where a timed drain has come to.
 */
static double
base_of(const struct entry *e, uint64_t now)
{
	if (e->ov == HEALTH_FORCE_UP)
		return 1;
	if (e->ov == HEALTH_FORCE_DOWN || e->probed == HEALTH_DOWN)
		return 0;
	if (e->ov == HEALTH_DRAIN) /* a timed drain: where it has come to */
		return e->share.drain_since != 0
		           ? share_drain_at(&e->share, now)
		           : 0;
	if (reports_drain(e))
		return 0;
	return 1;
}

static const char *
reason(const struct health *h, const struct entry *e, enum cause cause)
{
	if (e->ov != HEALTH_AUTO || cause == CAUSE_OPERATOR)
		return "operator";
	if (h->stale)
		return "feed stale";
	if (reports_drain(e))
		return "the edge reports drain";
	if (e->probed != HEALTH_UNKNOWN)
		return e->voters > 1 ? "probers' vote" : "probe report";
	return cause == CAUSE_EDGES ? "new edge" : "no report";
}

/* The weight in force for inventory edge i: the edge's own while fresh. */
static unsigned
weight_of(const struct health *h, const struct entry *e, size_t i)
{
	if (e->has & HMSG_HAS_WEIGHT)
		return e->weight;
	return h->weight[i];
}

/* The share in force for `e` at `now`; a rise of its base starts a ramp
 * from where it was (not when the feed going stale or a reload
 * raised it: nothing came back then). */
static double
share_of(struct health *h, struct entry *e, enum cause cause, uint64_t now)
{
	double base = base_of(e, now);
	if (base > e->base &&
	    (cause == CAUSE_PROBE || cause == CAUSE_OPERATOR) &&
	    h->sc.ramp_ms > 0) {
		share_ramp_start(&e->share, &h->sc, e->now_share, now);
		log_notice("health: edge %s: back, its share ramps from %.2f "
		           "to 1 over %us",
		           e->name, e->now_share, h->sc.ramp_ms / 1000);
	}
	e->base = base;
	if (e->ov == HEALTH_FORCE_UP)
		return 1;
	double sh = share_at(&e->share, &h->sc, e->voters > 0, now);
	return base < sh ? base : sh;
}

/*
 * Recompute what answers may use, log each edge whose effective state
 * changed (once), and say whether the steering changed.
 */
static bool
recompute(struct health *h, enum cause cause)
{
	static const char *const eff_word[] = {"up", "down", "drained"};
	time_t now = time(NULL);
	uint64_t ms = h->now_ms();
	bool changed = false;

	h->computed_ms = ms;
	apply_votes(h);
	for (size_t i = 0; i < h->ninv; i++) {
		struct entry *e = &h->ent[h->inv_ent[i]];
		double sh = share_of(h, e, cause, ms);
		struct steer_edge se = {steer_share(sh), weight_of(h, e, i)};
		uint8_t u = se.share > 0;

		changed = changed || se.share != h->steer->edge[i].share ||
		          se.weight != h->steer->edge[i].weight;
		h->steer->edge[i] = se;
		e->now_share = sh;
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
	steer_mark_partial(h->steer);
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
	h->probers = probers_new(stale_keep);
	h->sc = share_conf_default;
	h->now_ms = clock_wall_ms;
	h->steer = xcalloc(1, steer_size(0));
	if (state_file != NULL) {
		struct state_file_entry *v;
		size_t n = state_file_load(state_file, &v);
		h->state_file = xstrdup(state_file);
		for (size_t i = 0; i < n; i++) {
			struct entry *e = entry_get(h, v[i].name);
			e->ov = v[i].ov;
			if (v[i].drain_over > 0)
				share_drain_start(&e->share, v[i].drain_from,
				                  v[i].drain_over,
				                  v[i].drain_since);
		}
		free(v);
	}
	return h;
}

void
health_set_clock(struct health *h, uint64_t (*now_ms)(void))
{
	h->now_ms = now_ms;
}

void
health_set_steering(struct health *h, const struct share_conf *c)
{
	h->sc = *c;
	recompute(h, CAUSE_EDGES);
}

const struct steer *
health_steer(const struct health *h)
{
	return h->steer;
}

void
health_tick(struct health *h)
{
	uint64_t now = h->now_ms();
	bool moving = false;

	for (size_t i = 0; i < h->nent; i++) {
		struct entry *e = &h->ent[i];
		if (share_moving(&e->share, &h->sc, now)) {
			moving = true;
		} else if (e->share.ramp_since != 0) {
			e->share.ramp_since = 0;
			log_notice("health: edge %s: ramp done", e->name);
			moving = true;
		} else if (e->share.drain_since != 0 && e->ov == HEALTH_DRAIN &&
		           e->eff != EFF_DRAINED) {
			moving = true; /* the last step, to 0 */
		}
	}
	if (moving)
		changed(h, CAUSE_TIME);
}

void
health_free(struct health *h)
{
	if (h == NULL)
		return;
	probers_free(h->probers);
	free(h->inv_ent);
	free(h->weight);
	free(h->steer);
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
	free(h->weight);
	free(h->steer);
	h->inv = xcalloc(n ? n : 1, sizeof(*h->inv));
	h->weight = xcalloc(n ? n : 1, sizeof(*h->weight));
	h->steer = xcalloc(1, steer_size(n));
	h->steer->n = n;
	h->ninv = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(h->inv[i], sizeof(h->inv[i]), "%s",
		         edges->edge[i].name);
		h->weight[i] = edges->edge[i].weight;
		entry_get(h, h->inv[i])->in_inv = true;
	}
	probers_set_inventory(h->probers, (const char(*)[EDGE_NAME_MAX])h->inv,
	                      n);
	entries_prune(h);
	free(h->inv_ent);
	h->inv_ent = xcalloc(n ? n : 1, sizeof(*h->inv_ent));
	for (size_t i = 0; i < n; i++) {
		bool found;
		h->inv_ent[i] = entry_pos(h, h->inv[i], &found);
	}
	recompute(h, CAUSE_EDGES);
}

void
health_on_change(struct health *h, void (*fn)(void *arg), void *arg)
{
	h->on_change = fn;
	h->on_change_arg = arg;
}

/* The load driver for one edge over `rounds` rounds, logged on change. */
static void
shed(struct health *h, struct entry *e, unsigned rounds)
{
	bool has = (e->has & HMSG_HAS_LOAD) != 0;
	int moved = 0;

	for (unsigned r = 0; r < rounds; r++)
		moved |= share_shed_round(&e->share, &h->sc, has, e->load);
	if (moved == 0)
		return;
	if (has)
		log_notice("health: edge %s: load %.2f (shed above %.2f, "
		           "recover below %.2f): share %.2f",
		           e->name, e->load, h->sc.high, h->sc.low,
		           e->share.shed);
	else
		log_notice("health: edge %s: no load reported: share %.2f",
		           e->name, e->share.shed);
}

/* Whether no prober is fresh any more (but some spoke): the stale
 * policy applies (the feed logs it). */
static void
update_stale(struct health *h)
{
	bool stale =
	    probers_count(h->probers) > 0 && probers_fresh(h->probers) == 0;

	h->stale = stale;
}

enum health_take
health_report(struct health *h, const struct hmsg *m)
{
	time_t now = time(NULL);
	unsigned rounds, most;
	size_t k;
	enum probers_take t =
	    probers_take(h->probers, m, clock_ms(), &k, &rounds);

	if (t != PROBERS_TAKEN)
		return t == PROBERS_OLD ? HEALTH_OLD : HEALTH_TOO_MANY;
	for (size_t i = 0; i < h->ninv; i++)
		if (probers_view(h->probers, k, i) != 0)
			h->ent[h->inv_ent[i]].last_report = now;
	update_stale(h);
	/* Shedding steps once per round of the leading prober, so every
	 * dnsd fed by the same probers takes the same steps. */
	apply_votes(h);
	most = h->sc.step > 0 ? (unsigned)(1 / h->sc.step) + 1 : 1;
	rounds = rounds < most ? rounds : most;
	for (size_t i = 0; i < h->nent; i++)
		if (h->ent[i].in_inv)
			shed(h, &h->ent[i], rounds);
	changed(h, CAUSE_PROBE);
	return HEALTH_TAKEN;
}

void
health_expire(struct health *h, unsigned stale_after_ms)
{
	if (!probers_expire(h->probers, clock_ms(), stale_after_ms))
		return;
	update_stale(h);
	changed(h, CAUSE_STALE);
}

bool
health_stale(const struct health *h)
{
	return h->stale;
}

void
health_set_vote(struct health *h, const struct vote_conf *c)
{
	probers_set_conf(h->probers, c);
	recompute(h, CAUSE_EDGES);
}

uint8_t
health_prober_view(const struct health *h, size_t k, size_t i)
{
	return k < probers_count(h->probers) ? probers_view(h->probers, k, i)
	                                     : 0;
}

size_t
health_probers(const struct health *h, struct prober_info *out, size_t max)
{
	size_t n = probers_count(h->probers);
	uint64_t now = clock_ms();

	for (size_t k = 0; k < n && k < max; k++)
		probers_info(h->probers, k, now, &out[k]);
	return n;
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
		const struct entry *e = &h->ent[i];
		if (e->ov == HEALTH_AUTO)
			continue;
		memcpy(v[n].name, e->name, sizeof(v[n].name));
		v[n].ov = e->ov;
		if (e->ov == HEALTH_DRAIN && e->share.drain_since != 0) {
			v[n].drain_since = e->share.drain_since;
			v[n].drain_over = e->share.drain_over;
			v[n].drain_from = e->share.drain_from;
		}
		n++;
	}
	rc = state_file_save(h->state_file, v, n);
	free(v);
	return rc;
}

/* The entry of inventory edge `edge`, or NULL. */
static struct entry *
inventory_entry(const struct health *h, const char *edge)
{
	struct entry *e = entry_find(h, edge);

	return e != NULL && e->in_inv ? e : NULL;
}

int
health_set_override(struct health *h, const char *edge, enum health_override o)
{
	struct entry *e = inventory_entry(h, edge);

	if (e == NULL ||
	    (unsigned)o >= sizeof(override_names) / sizeof(override_names[0]))
		return -1;
	/* A plain override ends a timed drain: at once, or (auto) by a
	 * ramp from where it had come to. */
	bool timed = e->share.drain_since != 0;
	if (e->ov != o || timed) {
		e->ov = o;
		share_drain_stop(&e->share);
		log_notice("health: edge %s: override %s", e->name,
		           health_override_name(o));
		changed(h, CAUSE_OPERATOR);
	}
	/* The override applies now even if it could not be saved. */
	return save(h) == 0 ? 0 : -2;
}

int
health_drain_over(struct health *h, const char *edge, uint64_t over_ms)
{
	struct entry *e = inventory_entry(h, edge);

	if (e == NULL)
		return -1;
	e->ov = HEALTH_DRAIN;
	share_drain_start(&e->share, e->now_share, over_ms, h->now_ms());
	log_notice("health: edge %s: draining from share %.2f to 0 over %llus",
	           e->name, e->now_share, (unsigned long long)over_ms / 1000);
	changed(h, CAUSE_OPERATOR);
	return save(h) == 0 ? 0 : -2;
}

/* What holds `e`'s share below 1, into why[len]: as of the steer being
 * served, so that the two never disagree. */
static void
share_why(const struct health *h, const struct entry *e, char *why, size_t len)
{
	uint64_t now = h->computed_ms;
	double shed = e->voters > 0 ? e->share.shed : 1;
	double ramp = share_ramp_at(&e->share, &h->sc, now);
	double drain = share_drain_at(&e->share, now);

	why[0] = '\0';
	if (e->ov == HEALTH_DRAIN && e->share.drain_since != 0 && drain > 0) {
		uint64_t end = e->share.drain_since + e->share.drain_over;
		snprintf(why, len, "drain:%llus",
		         (unsigned long long)(end > now ? end - now : 0) /
		             1000);
	} else if (ramp < 1 && ramp <= shed) {
		uint64_t end = e->share.ramp_since + h->sc.ramp_ms;
		snprintf(why, len, "ramp:%llus",
		         (unsigned long long)(end > now ? end - now : 0) /
		             1000);
	} else if (shed < 1) {
		snprintf(why, len, "shed");
	}
}

/* Each prober's view of inventory edge i into votes[len] (health.h). */
static void
votes_text(const struct health *h, size_t i, char *votes, size_t len)
{
	size_t n = probers_count(h->probers), off = 0;

	votes[0] = '\0';
	for (size_t k = 0; k < n; k++) {
		struct prober_info pi;
		probers_info(h->probers, k, 0, &pi);
		uint8_t v = probers_view(h->probers, k, i);
		const char *why = pi.votes || v == 0 ? ""
		                  : pi.isolated      ? "(isolated)"
		                                     : "(stale)";
		int w = snprintf(votes + off, len - off, "%s%s=%s%s",
		                 k ? " " : "", pi.name,
		                 v == HMSG_DOWN ? "down"
		                 : v            ? "up"
		                                : "-",
		                 why);
		if (w < 0 || (size_t)w >= len - off) {
			snprintf(votes + (len > 4 ? len - 4 : 0),
			         len > 4 ? 4 : len, "...");
			return;
		}
		off += (size_t)w;
	}
}

size_t
health_list(const struct health *h, struct health_edge_info *out, size_t max)
{
	for (size_t i = 0; i < h->ninv && i < max; i++) {
		const struct entry *e = &h->ent[h->inv_ent[i]];
		struct health_edge_info *o = &out[i];

		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", h->inv[i]);
		o->usable = h->steer->edge[i].share > 0;
		o->weight = h->steer->edge[i].weight;
		o->share = (double)h->steer->edge[i].share / STEER_SHARE_ALL;
		o->load = -1;
		o->probed = e->probed;
		o->down = e->down;
		o->voters = e->voters;
		votes_text(h, i, o->votes, sizeof(o->votes));
		o->override = e->ov;
		o->last_report = e->last_report;
		o->last_change = e->last_change;
		o->weight_reported = (e->has & HMSG_HAS_WEIGHT) != 0;
		if (e->has & HMSG_HAS_LOAD)
			o->load = e->load;
		if (o->usable)
			share_why(h, e, o->why, sizeof(o->why));
	}
	return h->ninv;
}
