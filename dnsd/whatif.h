/* SPDX-License-Identifier: MIT */
/*
 * dnsd/whatif.h: where would an edge's clients go?  Given clients of geo
 * names (sampled by a running dnsd, sample.h, or every network of the
 * database, geoq), an edge and a change to it (down, drain, or a share of
 * its clients), answer each client as dnsd does now and again with the
 * change applied, through the same decision the query path makes
 * (geo_answer.h): for the clients the edge answers now, tally where they
 * go, overall and per country.  Pure: reads the serving and its database,
 * allocates; never on the query path.
 *
 * The text it writes, for `dnsdctl simulate` and `geoq --simulate-down`:
 *
 *   simulate down lhr: 812 of 5000 sampled clients get lhr now
 *     ams       61.2%  497
 *     fra       38.8%  315
 *   by country:
 *     GB  ams 70.1%  fra 29.9%  (612)
 *     IE  ams 40.0%  fra 60.0%  (200)
 *
 * Destinations are edge names, "(same)" (the client keeps the edge: a
 * share above 0) and "(none)" (the name's all_down policy gives no edge),
 * most clients first; percentages are of the clients the edge has now.
 * Countries are the database's ISO codes, "??" when unknown, most clients
 * first.
 */
#ifndef DNSD_WHATIF_H
#define DNSD_WHATIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct geo_client;
struct sample_entry;
struct serving;
struct steer;

enum whatif_kind {
	WHATIF_DOWN,  /* the edge goes down: share 0 */
	WHATIF_DRAIN, /* the edge is drained: share 0 */
	WHATIF_SHARE, /* the edge keeps `share` of its clients */
};

struct whatif_change {
	enum whatif_kind kind;
	unsigned edge; /* index in the snapshot's inventory */
	double share;  /* after the change, 0..1 (0 for down and drain) */
};

/*
 * The change the words say (what follows "simulate"): "down EDGE", "drain
 * EDGE" or "share EDGE FRACTION" (FRACTION in [0, 1]), EDGE an edge of
 * sv's inventory.  Returns 0, or -1 with a one-line reason in `err`
 * ("usage: ..." or "no such edge ...").
 */
int whatif_parse(const struct serving *sv, char *const *word, int nword,
                 struct whatif_change *out, char *err, size_t errlen);

struct whatif;

/* A simulation of `chg` on `sv` (kept: it must outlive the result), with
 * no client yet.  Returns new. */
struct whatif *whatif_new(const struct serving *sv,
                          const struct whatif_change *chg);

void whatif_free(struct whatif *w); /* NULL is a no-op */

/* The edges' shares with the change applied: what geo_answer_pick()
 * takes to answer as if the change were made (the status page's map). */
const struct steer *whatif_steer(const struct whatif *w);

/*
 * Answer client `c` (NULL: untailored, as an ECS /0) for the geo name at
 * `row` of the snapshot's zonedb geo[] (other rows are ignored), standing
 * for `weight` clients: the A answer, or AAAA if the client's ranked edges
 * have no IPv4 address.  If the edge is in its answer now, answer it again
 * with the change and count where it goes: the edge itself "(same)", no
 * edge "(none)", else the first edge of the new answer it did not have
 * (with `answers: 1`, simply the new answer's edge).
 */
void whatif_add(struct whatif *w, int row, const struct geo_client *c,
                uint64_t weight);

/*
 * whatif_add() each distinct (row, client) of v[0..n) once, weight 1;
 * entries of another snapshot generation than the serving's are left out.
 * Sorts v.
 */
void whatif_add_samples(struct whatif *w, struct sample_entry *v, size_t n);

/* Destinations besides the edges (indexes into the inventory). */
#define WHATIF_SAME (-1) /* stays on the edge */
#define WHATIF_NONE (-2) /* no edge: the all_down policy */

uint64_t whatif_total(const struct whatif *w);    /* clients added */
uint64_t whatif_affected(const struct whatif *w); /* the edge's now */
/* The edge's clients that go to `dest` (an edge index, WHATIF_SAME or
 * WHATIF_NONE); 0 for anything else. */
uint64_t whatif_moved(const struct whatif *w, int dest);

/*
 * Write the tally as text (above) or, with `json`, one JSON object.
 * `unit` names what was counted ("sampled clients"); counts are divided
 * by `scale` (1; 256 counts IPv4 addresses as /24s) and rounded.
 */
void whatif_write(const struct whatif *w, FILE *out, const char *unit,
                  uint64_t scale, bool json);

#endif
