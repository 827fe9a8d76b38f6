/* SPDX-License-Identifier: MIT */
/* dnsd/latency_file.c: measured RTTs from networks to edges, read. */
#include "dnsd/latency_file.h"

#include <sys/stat.h>
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "common/xalloc.h"
#include "dnsd/cidr.h"
#include "geo/geo.h"

/* One good line. */
struct rec {
	uint8_t key[16];
	unsigned plen;
	uint16_t edge;
	float rtt_ms;
	unsigned line, col; /* of the network, for "listed twice" */
};

struct reader {
	const char *path;
	const struct edge_set *edges;
	const bool *in_pool; /* by inventory index */
	struct errbuf *err;
	struct rec *rec;
	size_t nrec, caprec;
};

/* A decimal number of milliseconds, 0 or more, that a float holds. */
static int
parse_rtt(const char *s, float *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]) &&
	    !(s[0] == '.' && isdigit((unsigned char)s[1])))
		return -1;
	double v = strtod(s, &end);
	if (*end != '\0' || !isfinite(v) || v < 0 || !isfinite((float)v))
		return -1;
	*out = (float)v;
	return 0;
}

/* The 1-based column of `p` in `line`. */
static unsigned
col_of(const char *line, const char *p)
{
	return (unsigned)(p - line) + 1;
}

/* One line, comment already cut; good ones are added to r->rec. */
static void
read_line(struct reader *r, char *line, unsigned lineno)
{
	static const char sep[] = " \t\r\n";
	char *save = NULL;
	char *net = strtok_r(line, sep, &save);

	if (net == NULL)
		return; /* blank or comment only */
	char *edge = strtok_r(NULL, sep, &save);
	char *rtt = edge ? strtok_r(NULL, sep, &save) : NULL;
	char *extra = rtt ? strtok_r(NULL, sep, &save) : NULL;
	struct rec rc = {.line = lineno, .col = col_of(line, net)};
	bool ok = true;

	if (cidr_parse(net, rc.key, &rc.plen) == -1) {
		errbuf_add(r->err, r->path, lineno, rc.col,
		           "\"%s\" is not a network (ADDRESS/LENGTH with no "
		           "bits set past LENGTH)",
		           net);
		ok = false;
	}
	if (edge == NULL || rtt == NULL) {
		const char *last = edge ? edge : net;
		errbuf_add(r->err, r->path, lineno,
		           col_of(line, last) + (unsigned)strlen(last) + 1,
		           "%s missing: expected NETWORK EDGE RTT_MS",
		           edge ? "the RTT is" : "the edge and the RTT are");
		return;
	}
	int idx = edges_find(r->edges, edge);
	if (idx < 0) {
		errbuf_add(r->err, r->path, lineno, col_of(line, edge),
		           "no edge called \"%s\"", edge);
		ok = false;
	} else if (!r->in_pool[idx]) {
		errbuf_add(r->err, r->path, lineno, col_of(line, edge),
		           "edge %s is not in this name's pool", edge);
		ok = false;
	}
	if (parse_rtt(rtt, &rc.rtt_ms) == -1) {
		errbuf_add(r->err, r->path, lineno, col_of(line, rtt),
		           rtt[0] == '-' ? "RTT %s is negative"
		                         : "\"%s\" is not an RTT in "
		                           "milliseconds (a number, 0 or more)",
		           rtt);
		ok = false;
	}
	if (extra != NULL) {
		errbuf_add(r->err, r->path, lineno, col_of(line, extra),
		           "unexpected \"%s\" after the RTT: expected NETWORK "
		           "EDGE RTT_MS",
		           extra);
		ok = false;
	}
	if (!ok)
		return;
	rc.edge = (uint16_t)idx;
	if (r->nrec == r->caprec) {
		r->caprec = r->caprec ? 2 * r->caprec : 256;
		r->rec = xreallocarray(r->rec, r->caprec, sizeof(*r->rec));
	}
	r->rec[r->nrec++] = rc;
}

static int
cmp_net(const struct rec *a, const struct rec *b)
{
	if (a->plen != b->plen)
		return (a->plen > b->plen) - (a->plen < b->plen);
	return memcmp(a->key, b->key, sizeof(a->key));
}

/* By network, then edge, then line: duplicates end up side by side,
 * the first written first. */
static int
cmp_rec(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;
	int c = cmp_net(a, b);

	if (c != 0)
		return c;
	if (a->edge != b->edge)
		return (a->edge > b->edge) - (a->edge < b->edge);
	return (a->line > b->line) - (a->line < b->line);
}

/* RTT order, ties by inventory index. */
static int
cmp_rtt(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;

	if (a->rtt_ms != b->rtt_ms)
		return (a->rtt_ms > b->rtt_ms) - (a->rtt_ms < b->rtt_ms);
	return (a->edge > b->edge) - (a->edge < b->edge);
}

/* A (network, edge) pair written again. */
struct repeat {
	unsigned line, col; /* of the repeat */
	unsigned first;     /* line of the first */
	uint16_t edge;
};

static int
cmp_repeat(const void *x, const void *y)
{
	const struct repeat *a = x, *b = y;

	return (a->line > b->line) - (a->line < b->line);
}

/* An error at each repeat, in line order (r->rec sorted by cmp_rec). */
static void
report_repeats(struct reader *r)
{
	struct repeat *rep = xcalloc(r->nrec + 1, sizeof(*rep));
	size_t n = 0;

	for (size_t i = 1, first = 0; i < r->nrec; i++) {
		const struct rec *a = &r->rec[i], *f = &r->rec[first];
		if (cmp_net(a, f) != 0 || a->edge != f->edge) {
			first = i;
			continue;
		}
		rep[n++] = (struct repeat){a->line, a->col, f->line, a->edge};
	}
	qsort(rep, n, sizeof(*rep), cmp_repeat);
	for (size_t i = 0; i < n; i++)
		errbuf_add(r->err, r->path, rep[i].line, rep[i].col,
		           "edge %s listed twice for this network (first at "
		           "line %u)",
		           r->edges->edge[rep[i].edge].name, rep[i].first);
	free(rep);
}

/* One entry per network from r->rec (sorted by cmp_rec, no repeats). */
static struct geo_latency *
group(struct reader *r, size_t *nout)
{
	struct geo_latency *out = xcalloc(r->nrec + 1, sizeof(*out));
	size_t n = 0;

	for (size_t i = 0, j; i < r->nrec; i = j) {
		for (j = i + 1;
		     j < r->nrec && cmp_net(&r->rec[j], &r->rec[i]) == 0; j++)
			;
		qsort(&r->rec[i], j - i, sizeof(r->rec[0]), cmp_rtt);
		struct geo_latency *l = &out[n++];
		memcpy(l->key, r->rec[i].key, sizeof(l->key));
		l->plen = r->rec[i].plen;
		for (size_t k = i; k < j && l->n < GEO_MAX_RANK; k++) {
			l->edge[l->n] = r->rec[k].edge;
			l->rtt_ms[l->n++] = r->rec[k].rtt_ms;
		}
	}
	*nout = n;
	return out;
}

int
latency_file_read(FILE *f, const char *path, const struct edge_set *edges,
                  const uint16_t *pool, size_t npool, struct geo_latency **out,
                  size_t *nout, struct errbuf *err)
{
	bool *in_pool = xcalloc(edges->n + 1, sizeof(*in_pool));
	struct reader r = {
	    .path = path, .edges = edges, .in_pool = in_pool, .err = err};
	unsigned errors0 = err->count;
	char *line = NULL;
	size_t cap = 0;

	for (size_t i = 0; i < npool; i++)
		if (pool[i] < edges->n)
			in_pool[pool[i]] = true;
	for (unsigned lineno = 1; getline(&line, &cap, f) != -1; lineno++) {
		char *hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		read_line(&r, line, lineno);
	}
	free(line);
	free(in_pool);
	if (ferror(f))
		errbuf_add(err, path, 0, 0, "read error");
	if (r.nrec > 0)
		qsort(r.rec, r.nrec, sizeof(r.rec[0]), cmp_rec);
	report_repeats(&r);
	*out = NULL;
	*nout = 0;
	if (err->count == errors0)
		*out = group(&r, nout);
	free(r.rec);
	return *out == NULL ? -1 : 0;
}

int
latency_file_age(const char *path, time_t now, uint64_t *age_s)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return -1;
	*age_s = now > st.st_mtime ? (uint64_t)(now - st.st_mtime) : 0;
	return 0;
}
