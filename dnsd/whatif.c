/* SPDX-License-Identifier: MIT */
/* dnsd/whatif.c: where would an edge's clients go? */
#include "dnsd/whatif.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/compiler.h"
#include "common/edges.h"
#include "common/xalloc.h"
#include "dnsd/geo_answer.h"
#include "dnsd/geo_name.h"
#include "dnsd/sample.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/steer.h"
#include "dnsd/zonedb.h"
#include "geo/geo.h"

/* Countries: AA..ZZ, then "??" (unknown). */
#define NCOUNTRY (26 * 26 + 1)
#define UNKNOWN_COUNTRY (26 * 26)

struct whatif {
	const struct serving *sv;
	struct whatif_change chg;
	struct steer *steer; /* the serving's, with the change applied */
	size_t nedges;
	/* Destinations: the edges, then (same), then (none). */
	size_t ndest;
	uint64_t total, affected;
	uint64_t *dest;              /* [ndest] */
	uint64_t *country[NCOUNTRY]; /* [ndest] each, made on first use */
	uint64_t country_total[NCOUNTRY];
};

static const char *const kind_names[] = {
    [WHATIF_DOWN] = "down",
    [WHATIF_DRAIN] = "drain",
    [WHATIF_SHARE] = "share",
};

int
whatif_parse(const struct serving *sv, char *const *word, int nword,
             struct whatif_change *out, char *err, size_t errlen)
{
	const struct edge_set *edges = sv->snap->edges;
	int kind = -1;

	for (int k = 0; k < (int)ARRAY_SIZE(kind_names); k++)
		if (nword > 0 && strcmp(word[0], kind_names[k]) == 0)
			kind = k;
	if (kind == -1 || nword != (kind == WHATIF_SHARE ? 3 : 2)) {
		snprintf(err, errlen,
		         "usage: simulate down EDGE | simulate drain EDGE | "
		         "simulate share EDGE FRACTION");
		return -1;
	}
	int idx = edges != NULL ? edges_find(edges, word[1]) : -1;
	if (idx < 0) {
		snprintf(err, errlen, "no such edge \"%s\"", word[1]);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->kind = (enum whatif_kind)kind;
	out->edge = (unsigned)idx;
	if (kind == WHATIF_SHARE) {
		char *end;
		double f = strtod(word[2], &end);
		if (end == word[2] || *end != '\0' || !(f >= 0 && f <= 1)) {
			snprintf(err, errlen,
			         "simulate share: \"%s\" is not a fraction in "
			         "[0, 1] (e.g. 0.5)",
			         word[2]);
			return -1;
		}
		out->share = f;
	}
	return 0;
}

struct whatif *
whatif_new(const struct serving *sv, const struct whatif_change *chg)
{
	const struct edge_set *edges = sv->snap->edges;
	size_t n = edges != NULL ? edges->n : 0;
	struct whatif *w = xcalloc(1, sizeof(*w));

	w->sv = sv;
	w->chg = *chg;
	w->nedges = n;
	w->ndest = n + 2;
	w->dest = xcalloc(w->ndest, sizeof(*w->dest));
	/* The steer in force (none: every edge whole, weights as
	 * configured), then the change. */
	w->steer = xcalloc(1, steer_size(n));
	if (sv->steer != NULL && sv->steer->n == n) {
		memcpy(w->steer, sv->steer, steer_size(n));
	} else {
		w->steer->n = n;
		for (size_t i = 0; i < n; i++) {
			w->steer->edge[i].share = STEER_SHARE_ALL;
			w->steer->edge[i].weight = edges->edge[i].weight;
		}
	}
	if (chg->edge < n)
		w->steer->edge[chg->edge].share =
		    chg->kind == WHATIF_SHARE ? steer_share(chg->share) : 0;
	steer_mark_partial(w->steer);
	return w;
}

const struct steer *
whatif_steer(const struct whatif *w)
{
	return w->steer;
}

void
whatif_free(struct whatif *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < NCOUNTRY; i++)
		free(w->country[i]);
	free(w->dest);
	free(w->steer);
	free(w);
}

static bool
holds(const struct geo_picked *p, unsigned edge)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->edge[i] == edge)
			return true;
	return false;
}

/* The slot in dest[] of where a client of the edge goes: the edge itself,
 * nothing, or the first edge it did not have. */
static size_t
destination(const struct whatif *w, const struct geo_picked *before,
            const struct geo_picked *after)
{
	if (after->n == 0)
		return w->nedges + 1; /* (none) */
	if (holds(after, w->chg.edge))
		return w->nedges; /* (same) */
	for (unsigned i = 0; i < after->n; i++)
		if (!holds(before, after->edge[i]))
			return after->edge[i];
	return after->edge[0]; /* the edges it already had absorb it */
}

/* The client's country in the snapshot's database, as an index. */
static size_t
country_of(const struct whatif *w, const struct geo_client *c)
{
	const struct geo_mmdb *db = w->sv->snap->mmdb;
	struct geo_location loc;
	uint8_t net[16];
	unsigned plen;

	if (c == NULL || db == NULL ||
	    geo_mmdb_lookup(db, c->key, &loc, net, &plen) != 1)
		return UNKNOWN_COUNTRY;
	if (loc.country[0] < 'A' || loc.country[0] > 'Z' ||
	    loc.country[1] < 'A' || loc.country[1] > 'Z' ||
	    loc.country[2] != '\0')
		return UNKNOWN_COUNTRY;
	return (size_t)(loc.country[0] - 'A') * 26 +
	       (size_t)(loc.country[1] - 'A');
}

void
whatif_add(struct whatif *w, int row, const struct geo_client *c,
           uint64_t weight)
{
	const struct zonedb *db = w->sv->snap->db;
	struct geo_trace now, then;
	int family = AF_INET;

	if (row < 0 || (size_t)row >= db->ngeo)
		return;
	const struct geo_name *g = db->geo[row];
	w->total += weight;
	/* The decision the query path makes, with the health in force. */
	geo_answer_choose(g, c, &now);
	const struct geo_picked *p =
	    geo_answer_pick(g, AF_INET, w->sv->steer, &now);
	if (p->res == GEO_PICK_NODATA) {
		/* No ranked edge has IPv4: the edge serves it over IPv6. */
		family = AF_INET6;
		p = geo_answer_pick(g, AF_INET6, w->sv->steer, &now);
	}
	if (!holds(p, w->chg.edge))
		return;
	/* ... and with the change. */
	geo_answer_choose(g, c, &then);
	const struct geo_picked *q =
	    geo_answer_pick(g, family, w->steer, &then);
	size_t d = destination(w, p, q);
	size_t cc = country_of(w, c);
	w->affected += weight;
	w->dest[d] += weight;
	if (w->country[cc] == NULL)
		w->country[cc] = xcalloc(w->ndest, sizeof(uint64_t));
	w->country[cc][d] += weight;
	w->country_total[cc] += weight;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct sample_entry *x = a, *y = b;

	if (x->generation != y->generation)
		return x->generation < y->generation ? -1 : 1;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if (x->tailored != y->tailored)
		return x->tailored ? 1 : -1;
	return x->tailored ? memcmp(&x->client, &y->client, sizeof(x->client))
	                   : 0;
}

void
whatif_add_samples(struct whatif *w, struct sample_entry *v, size_t n)
{
	unsigned gen = w->sv->snap->generation;

	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), entry_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && entry_cmp(&v[i - 1], &v[i]) == 0)
			continue; /* the same client asked again */
		if (v[i].generation != gen)
			continue; /* its row means nothing here */
		whatif_add(w, v[i].row, v[i].tailored ? &v[i].client : NULL, 1);
	}
}

uint64_t
whatif_total(const struct whatif *w)
{
	return w->total;
}

uint64_t
whatif_affected(const struct whatif *w)
{
	return w->affected;
}

/* The slot in dest[] of `dest`, or -1. */
static long
dest_slot(const struct whatif *w, int dest)
{
	if (dest == WHATIF_SAME)
		return (long)w->nedges;
	if (dest == WHATIF_NONE)
		return (long)w->nedges + 1;
	if (dest >= 0 && (size_t)dest < w->nedges)
		return dest;
	return -1;
}

uint64_t
whatif_moved(const struct whatif *w, int dest)
{
	long s = dest_slot(w, dest);

	return s < 0 ? 0 : w->dest[s];
}

/* ---- output ---------------------------------------------------------------
 */

static const char *
dest_name(const struct whatif *w, size_t d)
{
	if (d == w->nedges)
		return "(same)";
	if (d == w->nedges + 1)
		return "(none)";
	return w->sv->snap->edges->edge[d].name;
}

/* Sorting slots by their count, most first, then by name. */
struct by_count {
	const struct whatif *w;
	const uint64_t *count;
	size_t slot;
};

static int
by_count_cmp(const void *a, const void *b)
{
	const struct by_count *x = a, *y = b;
	uint64_t cx = x->count[x->slot], cy = y->count[y->slot];

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(dest_name(x->w, x->slot), dest_name(y->w, y->slot));
}

/* The non-zero slots of count[0..ndest) in output order; returns new
 * (free()) with *n of them. */
static struct by_count *
sorted_dests(const struct whatif *w, const uint64_t *count, size_t *n)
{
	struct by_count *v = xcalloc(w->ndest, sizeof(*v));

	*n = 0;
	for (size_t d = 0; d < w->ndest; d++)
		if (count[d] > 0)
			v[(*n)++] = (struct by_count){w, count, d};
	qsort(v, *n, sizeof(*v), by_count_cmp);
	return v;
}

static void
country_code(size_t cc, char out[3])
{
	if (cc == UNKNOWN_COUNTRY) {
		memcpy(out, "??", 3);
		return;
	}
	out[0] = (char)('A' + cc / 26);
	out[1] = (char)('A' + cc % 26);
	out[2] = '\0';
}

static int
country_cmp(const void *a, const void *b, void *arg)
{
	const struct whatif *w = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (w->country_total[x] != w->country_total[y])
		return w->country_total[x] > w->country_total[y] ? -1 : 1;
	return x < y ? -1 : x > y ? 1 : 0;
}

/* A count in the output's unit. */
static void
put_count(FILE *out, uint64_t v, uint64_t scale)
{
	if (scale <= 1)
		fprintf(out, "%" PRIu64, v);
	else
		fprintf(out, "%.0f", (double)v / (double)scale);
}

static double
percent(uint64_t part, uint64_t whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0;
}

static void
put_dests_json(FILE *out, const struct whatif *w, const uint64_t *count,
               uint64_t whole, uint64_t scale)
{
	size_t n;
	struct by_count *v = sorted_dests(w, count, &n);

	fprintf(out, "[");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s{\"to\": \"%s\", \"clients\": ", i ? ", " : "",
		        dest_name(w, v[i].slot));
		put_count(out, count[v[i].slot], scale);
		fprintf(out, ", \"percent\": %.1f}",
		        percent(count[v[i].slot], whole));
	}
	fprintf(out, "]");
	free(v);
}

void
whatif_write(const struct whatif *w, FILE *out, const char *unit,
             uint64_t scale, bool json)
{
	const char *edge = w->chg.edge < w->nedges
	                       ? w->sv->snap->edges->edge[w->chg.edge].name
	                       : "?";
	size_t cs[NCOUNTRY], ncs = 0, n;
	char share[32] = "", cc[3];

	for (size_t i = 0; i < NCOUNTRY; i++)
		if (w->country_total[i] > 0)
			cs[ncs++] = i;
	qsort_r(cs, ncs, sizeof(*cs), country_cmp, (void *)(uintptr_t)w);
	if (w->chg.kind == WHATIF_SHARE)
		snprintf(share, sizeof(share), " %g", w->chg.share);
	if (json) {
		fprintf(out,
		        "{\"change\": \"%s\", \"edge\": \"%s\", \"share\": %g, "
		        "\"unit\": \"%s\", \"clients\": ",
		        kind_names[w->chg.kind], edge, w->chg.share, unit);
		put_count(out, w->total, scale);
		fprintf(out, ", \"affected\": ");
		put_count(out, w->affected, scale);
		fprintf(out, ", \"destinations\": ");
		put_dests_json(out, w, w->dest, w->affected, scale);
		fprintf(out, ", \"countries\": [");
		for (size_t i = 0; i < ncs; i++) {
			country_code(cs[i], cc);
			fprintf(out, "%s{\"country\": \"%s\", \"clients\": ",
			        i ? ", " : "", cc);
			put_count(out, w->country_total[cs[i]], scale);
			fprintf(out, ", \"destinations\": ");
			put_dests_json(out, w, w->country[cs[i]],
			               w->country_total[cs[i]], scale);
			fprintf(out, "}");
		}
		fprintf(out, "]}\n");
		return;
	}
	fprintf(out, "simulate %s %s%s: ", kind_names[w->chg.kind], edge,
	        share);
	put_count(out, w->affected, scale);
	fprintf(out, " of ");
	put_count(out, w->total, scale);
	fprintf(out, " %s get %s now\n", unit, edge);
	struct by_count *v = sorted_dests(w, w->dest, &n);
	int width = 8;
	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(dest_name(w, v[i].slot));
		if (l > width)
			width = l;
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "  %-*s %5.1f%%  ", width, dest_name(w, v[i].slot),
		        percent(w->dest[v[i].slot], w->affected));
		put_count(out, w->dest[v[i].slot], scale);
		fprintf(out, "\n");
	}
	free(v);
	fprintf(out, "by country:\n");
	for (size_t i = 0; i < ncs; i++) {
		const uint64_t *count = w->country[cs[i]];
		uint64_t whole = w->country_total[cs[i]];
		country_code(cs[i], cc);
		fprintf(out, "  %s", cc);
		v = sorted_dests(w, count, &n);
		for (size_t k = 0; k < n; k++)
			fprintf(out, "  %s %.1f%%", dest_name(w, v[k].slot),
			        percent(count[v[k].slot], whole));
		free(v);
		fprintf(out, "  (");
		put_count(out, whole, scale);
		fprintf(out, ")\n");
	}
}
