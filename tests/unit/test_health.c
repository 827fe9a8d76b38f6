/* SPDX-License-Identifier: MIT */
/* tests/unit/test_health.c: dnsd's health state without sockets: reports,
 * overrides and their state file, the stale policies, which edges answers
 * may use, and the change callback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/edges.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "dnsd/health.h"
#include "dnsd/steer.h"

/* What the change callback saw. */
struct rec {
	struct health *h;
	unsigned calls;
	char usable[512]; /* "101": shares above 0 at the last call */
};

struct fix {
	char dir[64];
	char state[128];
	struct health *h;
	struct rec rec;
};

static const char *const three[] = {"lhr", "fra", "ams"};

static void
on_change(void *arg)
{
	struct rec *r = arg;
	const struct steer *st = health_steer(r->h);

	r->calls++;
	assert_true(st->n < sizeof(r->usable));
	for (size_t i = 0; i < st->n; i++)
		r->usable[i] = st->edge[i].share > 0 ? '1' : '0';
	r->usable[st->n] = '\0';
}

static struct edge_set *
mkedges(const char *const *names, size_t n)
{
	struct edge_set *set = calloc(1, sizeof(*set));

	set->edge = calloc(n ? n : 1, sizeof(*set->edge));
	set->n = n;
	for (size_t i = 0; i < n; i++)
		snprintf(set->edge[i].name, sizeof(set->edge[i].name), "%s",
		         names[i]);
	return set;
}

static void
freeedges(struct edge_set *set)
{
	free(set->edge);
	free(set);
}

/* Set the inventory to `names` (n of them). */
static void
set_edges(struct health *h, const char *const *names, size_t n)
{
	struct edge_set *set = mkedges(names, n);

	health_set_edges(h, set);
	freeedges(set);
}

/* A new health state for the fixture (state file `path`, may be NULL),
 * with the callback recording into f->rec. */
static void
start(struct fix *f, const char *path, bool keep)
{
	health_free(f->h);
	memset(&f->rec, 0, sizeof(f->rec));
	f->h = health_new(path, keep);
	assert_non_null(f->h);
	f->rec.h = f->h;
	health_on_change(f->h, on_change, &f->rec);
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_health.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	health_free(f->h);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	free(f);
	return system(cmd) == 0 ? 0 : -1;
}

/* A report of prober `prober`: "lhr up fra down" style. */
static void
report_as(struct health *h, const char *prober, const char *edges)
{
	static struct hmsg m; /* 50 kB */
	static uint64_t seq;
	char copy[4096], *save = NULL;

	memset(&m, 0, sizeof(m));
	snprintf(m.prober, sizeof(m.prober), "%s", prober);
	m.boot = 1;
	m.seq = ++seq;
	m.time = (uint64_t)time(NULL);
	m.interval_ms = 1000;
	snprintf(copy, sizeof(copy), "%s", edges);
	for (char *name = strtok_r(copy, " ", &save); name != NULL;
	     name = strtok_r(NULL, " ", &save)) {
		char *st = strtok_r(NULL, " ", &save);
		assert_non_null(st);
		assert_true(m.n < HMSG_EDGES_MAX);
		snprintf(m.edge[m.n].name, sizeof(m.edge[m.n].name), "%s",
		         name);
		m.edge[m.n++].state =
		    strcmp(st, "up") == 0 ? HMSG_UP : HMSG_DOWN;
	}
	assert_int_equal(health_report(h, &m), HEALTH_TAKEN);
}

/* The one prober of most tests. */
static void
report(struct health *h, const char *edges)
{
	report_as(h, "p1", edges);
}

/* Which edges answers may use (a share above 0), as "101". */
static const char *
usable(const struct health *h)
{
	static char s[512];
	const struct steer *st = health_steer(h);

	assert_true(st->n < sizeof(s));
	for (size_t i = 0; i < st->n; i++)
		s[i] = st->edge[i].share > 0 ? '1' : '0';
	s[st->n] = '\0';
	return s;
}

static void
slurp(const char *path, char *out, size_t cap)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(out, 1, cap - 1, fp);
	out[n] = '\0';
	fclose(fp);
}

static void
spit(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* The health_list() row of `name`; fails the test if there is none. */
static struct health_edge_info
row(const struct health *h, const char *name)
{
	struct health_edge_info v[64];
	size_t n = health_list(h, v, 64);

	assert_true(n <= 64);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return v[i];
	fail_msg("no edge %s", name);
	return v[0];
}

/* ---- reports ------------------------------------------------------------- */

static void
no_edges_until_set(void **state)
{
	struct fix *f = *state;
	struct health_edge_info v[4];

	start(f, NULL, false);
	assert_int_equal(health_steer(f->h)->n, 0);
	assert_int_equal(health_list(f->h, v, 4), 0);

	/* Nothing heard: every edge counts as up.  No callback: the caller
	 * publishes the edges it sets itself. */
	set_edges(f->h, three, 3);
	assert_string_equal(usable(f->h), "111");
	assert_int_equal(f->rec.calls, 0);
	assert_int_equal(health_list(f->h, v, 4), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(v[i].name, three[i]);
		assert_int_equal(v[i].probed, HEALTH_UNKNOWN);
		assert_int_equal(v[i].override, HEALTH_AUTO);
		assert_true(v[i].usable);
		assert_int_equal(v[i].last_report, 0);
		assert_int_equal(v[i].last_change, 0);
	}

	/* No inventory at all. */
	health_set_edges(f->h, NULL);
	assert_string_equal(usable(f->h), "");
	assert_int_equal(health_list(f->h, v, 4), 0);
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_DRAIN), -1);
	assert_int_equal(f->rec.calls, 0);
}

static void
reports_to_usable(void **state)
{
	struct fix *f = *state;
	struct health_edge_info v[4];
	time_t t0 = time(NULL);

	start(f, NULL, false);
	set_edges(f->h, three, 3);

	/* ams is missing from the report: unknown, counts as up. */
	report(f->h, "lhr up fra down");
	assert_int_equal(f->rec.calls, 1);
	assert_string_equal(f->rec.usable, "101");
	assert_string_equal(usable(f->h), "101");
	assert_int_equal(health_list(f->h, v, 4), 3);
	assert_string_equal(v[0].name, "lhr");
	assert_int_equal(v[0].probed, HEALTH_UP);
	assert_int_equal(v[1].probed, HEALTH_DOWN);
	assert_int_equal(v[2].probed, HEALTH_UNKNOWN);
	assert_true(v[0].last_report >= t0 && v[0].last_report <= time(NULL));
	assert_true(v[1].last_report >= t0);
	assert_int_equal(v[2].last_report, 0);
	assert_false(v[1].usable);
	assert_true(v[0].usable);
	/* last_change follows the effective state: only fra changed. */
	assert_true(v[1].last_change >= t0 && v[1].last_change <= time(NULL));
	assert_int_equal(v[0].last_change, 0);
	assert_int_equal(v[2].last_change, 0);

	/* The same states again: no change to announce. */
	report(f->h, "lhr up fra down");
	assert_int_equal(f->rec.calls, 1);
	/* Edges that are not in the inventory change nothing either. */
	report(f->h, "lhr up fra down zzz down");
	assert_int_equal(f->rec.calls, 1);
	assert_int_equal(health_list(f->h, v, 4), 3);
	/* fra comes back, lhr goes. */
	report(f->h, "lhr down fra up ams up");
	assert_int_equal(f->rec.calls, 2);
	assert_string_equal(f->rec.usable, "011");
	assert_int_equal(row(f->h, "ams").probed, HEALTH_UP);
}

/* A report is a full snapshot: an edge it leaves out is unknown again. */
static void
report_is_a_full_snapshot(void **state)
{
	struct fix *f = *state;

	start(f, NULL, false);
	set_edges(f->h, three, 3);
	report(f->h, "lhr up fra down ams down");
	assert_string_equal(f->rec.usable, "100");
	report(f->h, "lhr up");
	assert_int_equal(f->rec.calls, 2);
	assert_string_equal(f->rec.usable, "111");
	assert_int_equal(row(f->h, "fra").probed, HEALTH_UNKNOWN);
	assert_int_equal(row(f->h, "ams").probed, HEALTH_UNKNOWN);
	assert_int_equal(row(f->h, "lhr").probed, HEALTH_UP);
	/* An empty report: nothing is known, everything counts as up. */
	report(f->h, "fra down");
	assert_string_equal(f->rec.usable, "101");
	report(f->h, "");
	assert_string_equal(f->rec.usable, "111");
	assert_int_equal(row(f->h, "lhr").probed, HEALTH_UNKNOWN);
	assert_int_equal(f->rec.calls, 4);
}

/* An edge reported before it is in the inventory is known when it
 * arrives. */
static void
report_ahead_of_inventory(void **state)
{
	static const char *const four[] = {"lhr", "fra", "ams", "new"};
	struct fix *f = *state;

	start(f, NULL, false);
	set_edges(f->h, three, 3);
	report(f->h, "lhr up new down");
	assert_int_equal(f->rec.calls, 0); /* usable did not change */
	set_edges(f->h, four, 4);
	assert_string_equal(usable(f->h), "1110");
	assert_int_equal(row(f->h, "new").probed, HEALTH_DOWN);
	assert_int_equal(f->rec.calls, 0);
}

/* Many edges, reported out of order: each state lands on its name. */
static void
many_edges(void **state)
{
	enum { N = 300 };
	struct fix *f = *state;
	static char names[N][8];
	const char *inv[N];
	char text[N * 16], want[N + 1];
	size_t o = 0;

	start(f, NULL, false);
	/* The inventory in reverse name order. */
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "e%03d", N - 1 - i);
		inv[i] = names[i];
	}
	set_edges(f->h, inv, N);
	/* The report visits the edges in a scrambled order (7 is prime to
	 * 300); every third name is down. */
	for (int k = 0; k < N; k++) {
		int id = (k * 7) % N;
		o += (size_t)snprintf(text + o, sizeof(text) - o, "e%03d %s ",
		                      id, id % 3 == 0 ? "down" : "up");
	}
	report(f->h, text);
	for (int i = 0; i < N; i++)
		want[i] = (N - 1 - i) % 3 == 0 ? '0' : '1';
	want[N] = '\0';
	assert_string_equal(usable(f->h), want);
	assert_int_equal(f->rec.calls, 1);
}

/* ---- overrides ----------------------------------------------------------- */

/* Each override against each probed state: lhr up, fra down, ams
 * unknown. */
static void
override_meets_probed(void **state)
{
	static const struct {
		enum health_override o;
		const char *want;
	} cases[] = {
	    {HEALTH_DRAIN, "000"},
	    {HEALTH_FORCE_DOWN, "000"},
	    {HEALTH_FORCE_UP, "111"},
	    {HEALTH_AUTO, "101"},
	};
	struct fix *f = *state;

	start(f, NULL, false);
	set_edges(f->h, three, 3);
	report(f->h, "lhr up fra down");
	assert_string_equal(usable(f->h), "101");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (size_t i = 0; i < 3; i++) {
			assert_int_equal(
			    health_set_override(f->h, three[i], cases[c].o), 0);
			assert_int_equal(row(f->h, three[i]).override,
			                 cases[c].o);
		}
		assert_string_equal(usable(f->h), cases[c].want);
		/* The probes' view is shown as it is, whatever the
		 * override. */
		assert_int_equal(row(f->h, "lhr").probed, HEALTH_UP);
		assert_int_equal(row(f->h, "fra").probed, HEALTH_DOWN);
		assert_int_equal(row(f->h, "ams").probed, HEALTH_UNKNOWN);
	}
	/* While an override holds, reports change nothing answers use. */
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_FORCE_UP), 0);
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_DRAIN), 0);
	unsigned calls = f->rec.calls;
	report(f->h, "lhr up fra down ams up");
	report(f->h, "lhr down fra down ams up");
	assert_int_equal(f->rec.calls, calls);
	assert_string_equal(usable(f->h), "011");
	report(f->h, "lhr down fra down ams down");
	assert_int_equal(f->rec.calls, calls + 1);
	assert_string_equal(f->rec.usable, "010");
}

/* The callback runs when usable changes, and only then. */
static void
override_callback(void **state)
{
	struct fix *f = *state;

	start(f, NULL, false);
	set_edges(f->h, three, 3);
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_DRAIN), 0);
	assert_int_equal(f->rec.calls, 1);
	assert_string_equal(f->rec.usable, "011");
	/* The same override again: nothing changes. */
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_DRAIN), 0);
	assert_int_equal(f->rec.calls, 1);
	/* drain -> force-down: another override, the same usable. */
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_FORCE_DOWN),
	                 0);
	assert_int_equal(f->rec.calls, 1);
	/* force-up on an edge that is up anyway: usable does not move. */
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_FORCE_UP), 0);
	assert_int_equal(f->rec.calls, 1);
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_AUTO), 0);
	assert_int_equal(f->rec.calls, 2);
	assert_string_equal(f->rec.usable, "111");
}

static void
override_errors(void **state)
{
	struct fix *f = *state;
	char path[160];

	start(f, NULL, false);
	set_edges(f->h, three, 3);
	assert_int_equal(health_set_override(f->h, "nope", HEALTH_DRAIN), -1);
	assert_int_equal(health_set_override(f->h, "", HEALTH_DRAIN), -1);
	assert_int_equal(
	    health_set_override(f->h, "lhr", (enum health_override)17), -1);
	assert_int_equal(f->rec.calls, 0);
	assert_string_equal(usable(f->h), "111");
	assert_int_equal(row(f->h, "lhr").override, HEALTH_AUTO);

	/* A state file that cannot be written (its folder is missing): the
	 * override is in effect all the same, and said to be unsaved. */
	snprintf(path, sizeof(path), "%s/missing/state", f->dir);
	start(f, path, false);
	set_edges(f->h, three, 3);
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_DRAIN), -2);
	assert_int_equal(f->rec.calls, 1);
	assert_string_equal(f->rec.usable, "101");
	assert_int_equal(row(f->h, "fra").override, HEALTH_DRAIN);
	/* Still unsaved on the next try, even with nothing new to apply. */
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_DRAIN), -2);
	assert_int_equal(f->rec.calls, 1);
	/* An unknown edge is still -1, not -2. */
	assert_int_equal(health_set_override(f->h, "nope", HEALTH_DRAIN), -1);
	assert_int_equal(access(path, F_OK), -1);
}

/* ---- the state file ------------------------------------------------------ */

static void
state_file_saved_and_read_back(void **state)
{
	struct fix *f = *state;
	struct stat sb;
	char text[512], tmp[160];

	start(f, f->state, false);
	set_edges(f->h, three, 3);
	report(f->h, "lhr up fra down ams up");
	assert_string_equal(usable(f->h), "101");

	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_DRAIN), 0);
	assert_int_equal(health_set_override(f->h, "ams", HEALTH_FORCE_DOWN),
	                 0);
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_FORCE_UP), 0);
	assert_string_equal(usable(f->h), "010");
	assert_int_equal(row(f->h, "fra").probed, HEALTH_DOWN);
	assert_true(row(f->h, "fra").usable);

	assert_int_equal(stat(f->state, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	slurp(f->state, text, sizeof(text));
	assert_non_null(strstr(text, "lhr drain\n"));
	assert_non_null(strstr(text, "ams force-down\n"));
	assert_non_null(strstr(text, "fra force-up\n"));
	/* Written beside and renamed: nothing left behind. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->state);
	assert_int_equal(access(tmp, F_OK), -1);

	/* A restart keeps them; the reports are gone (nothing heard). */
	start(f, f->state, false);
	set_edges(f->h, three, 3);
	assert_string_equal(usable(f->h), "010");
	assert_int_equal(row(f->h, "lhr").override, HEALTH_DRAIN);
	assert_int_equal(row(f->h, "fra").override, HEALTH_FORCE_UP);
	assert_int_equal(row(f->h, "ams").override, HEALTH_FORCE_DOWN);
	assert_int_equal(row(f->h, "fra").probed, HEALTH_UNKNOWN);

	/* Back to auto: the probes rule again (nothing heard: up). */
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_AUTO), 0);
	assert_int_equal(health_set_override(f->h, "ams", HEALTH_AUTO), 0);
	assert_string_equal(usable(f->h), "011");
	report(f->h, "lhr up fra down ams up");
	assert_string_equal(usable(f->h), "001");
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_AUTO), 0);
	assert_string_equal(usable(f->h), "101");
	slurp(f->state, text, sizeof(text));
	assert_null(strstr(text, "lhr"));
	assert_null(strstr(text, "fra"));
	assert_null(strstr(text, "ams"));

	/* Without a state file, overrides last as long as the state. */
	start(f, NULL, false);
	set_edges(f->h, three, 3);
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_DRAIN), 0);
	start(f, NULL, false);
	set_edges(f->h, three, 3);
	assert_string_equal(usable(f->h), "111");
}

/* Overrides for edges not in the inventory are kept, and apply when the
 * edge appears. */
static void
state_file_unknown_names(void **state)
{
	static const char *const four[] = {"lhr", "fra", "ams", "new"};
	static const char saved[] = "# saved\n\nnew drain\nfra force-down\n";
	struct fix *f = *state;
	char text[512];

	spit(f->state, saved, sizeof(saved) - 1);
	start(f, f->state, false);
	set_edges(f->h, three, 3);
	assert_string_equal(usable(f->h), "101");
	/* Not in the inventory: cannot be set now, but is kept ... */
	assert_int_equal(health_set_override(f->h, "new", HEALTH_AUTO), -1);
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_FORCE_UP), 0);
	slurp(f->state, text, sizeof(text));
	assert_non_null(strstr(text, "new drain\n"));
	assert_non_null(strstr(text, "fra force-down\n"));
	assert_non_null(strstr(text, "lhr force-up\n"));
	/* ... and applies when the edge appears. */
	unsigned calls = f->rec.calls;
	set_edges(f->h, four, 4);
	assert_string_equal(usable(f->h), "1010");
	assert_int_equal(row(f->h, "new").override, HEALTH_DRAIN);
	assert_int_equal(f->rec.calls, calls);
}

/* A damaged state file is ignored whole, and replaced by the next save. */
static void
state_file_damaged(void **state)
{
	static const struct {
		const char *text;
		size_t len;
	} bad[] = {
#define T(s) {s, sizeof(s) - 1}
	    T("lhr drain\nfra sideways\n"), /* unknown override */
	    T("lhr drain\nfra\n"),          /* no override */
	    T("lhr drain\nLHR drain\n"),    /* bad edge name */
	    T("lhr drain\nfra drain"),      /* no newline at end */
	    T("lhr drain\nfra\0 drain\n"),  /* NUL byte */
#undef T
	};
	struct fix *f = *state;
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) + 2; i++) {
		if (i < sizeof(bad) / sizeof(bad[0])) {
			spit(f->state, bad[i].text, bad[i].len);
		} else if (i == sizeof(bad) / sizeof(bad[0])) {
			/* A line too long for any valid one. */
			char line[400];
			memset(line, 'x', sizeof(line));
			memcpy(line, "lhr drain\nams ", 14);
			line[sizeof(line) - 1] = '\n';
			spit(f->state, line, sizeof(line));
		} else {
			/* More than a state file can be (1 MB). */
			FILE *fp = fopen(f->state, "w");
			assert_non_null(fp);
			fputs("lhr drain\n", fp);
			for (int k = 0; k < 120000; k++)
				fputs("# padding\n", fp);
			assert_int_equal(fclose(fp), 0);
		}
		start(f, f->state, false);
		set_edges(f->h, three, 3);
		/* Not even the good first line applies. */
		assert_string_equal(usable(f->h), "111");
		assert_int_equal(row(f->h, "lhr").override, HEALTH_AUTO);
		/* The next override overwrites it with what is in force. */
		assert_int_equal(health_set_override(f->h, "ams", HEALTH_DRAIN),
		                 0);
		assert_string_equal(usable(f->h), "110");
		slurp(f->state, text, sizeof(text));
		assert_non_null(strstr(text, "ams drain\n"));
		assert_null(strstr(text, "lhr"));
		/* ... which reads back. */
		start(f, f->state, false);
		set_edges(f->h, three, 3);
		assert_string_equal(usable(f->h), "110");
	}

	/* A state file that is a folder is not fatal either; the override
	 * applies even though it cannot be saved. */
	unlink(f->state);
	assert_int_equal(mkdir(f->state, 0700), 0);
	start(f, f->state, false);
	set_edges(f->h, three, 3);
	assert_string_equal(usable(f->h), "111");
	assert_int_equal(health_set_override(f->h, "ams", HEALTH_DRAIN), -2);
	assert_string_equal(usable(f->h), "110");
	assert_int_equal(f->rec.calls, 1);
}

/* ---- staleness ----------------------------------------------------------- */

/* The default policy: a stale feed makes every edge count as up. */
static void
stale_default(void **state)
{
	struct fix *f = *state;

	start(f, NULL, false);
	assert_string_equal(health_stale_policy(f->h), "treating edges as up");
	set_edges(f->h, three, 3);
	report(f->h, "lhr up fra down ams down");
	assert_string_equal(f->rec.usable, "100");
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_DRAIN), 0);
	assert_string_equal(f->rec.usable, "000");
	assert_int_equal(f->rec.calls, 2);

	/* Silent for "stale_after" 0: the one prober is stale. */
	assert_false(health_stale(f->h));
	health_expire(f->h, 0);
	assert_true(health_stale(f->h));
	assert_int_equal(f->rec.calls, 3);
	/* Overrides still hold; the probes' states count for nothing. */
	assert_string_equal(f->rec.usable, "011");
	assert_int_equal(row(f->h, "fra").probed, HEALTH_UNKNOWN);
	assert_int_equal(row(f->h, "ams").probed, HEALTH_UNKNOWN);
	assert_int_equal(row(f->h, "ams").voters, 0);
	/* Stale again: no change. */
	health_expire(f->h, 0);
	assert_int_equal(f->rec.calls, 3);

	/* A report makes its prober fresh again, and counts at once. */
	report(f->h, "lhr up fra up ams down");
	assert_false(health_stale(f->h));
	assert_int_equal(f->rec.calls, 4);
	assert_string_equal(f->rec.usable, "010");
	assert_int_equal(row(f->h, "ams").probed, HEALTH_DOWN);
	/* Fresh for a long stale_after: no change. */
	health_expire(f->h, 3600000);
	assert_int_equal(f->rec.calls, 4);
}

/* The "keep" policy: the last reports stay in force. */
static void
stale_keep(void **state)
{
	struct fix *f = *state;

	start(f, NULL, true);
	assert_string_equal(health_stale_policy(f->h),
	                    "keeping the last reported states");
	set_edges(f->h, three, 3);
	report(f->h, "lhr up fra down ams down");
	assert_string_equal(f->rec.usable, "100");
	health_expire(f->h, 0);
	assert_true(health_stale(f->h));
	assert_int_equal(f->rec.calls, 1);
	assert_string_equal(usable(f->h), "100");
	assert_int_equal(row(f->h, "fra").probed, HEALTH_DOWN);
	/* Overrides act as ever. */
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_FORCE_UP), 0);
	assert_string_equal(f->rec.usable, "110");
	report(f->h, "lhr up fra down ams down");
	assert_false(health_stale(f->h));
	assert_int_equal(f->rec.calls, 2);
	assert_string_equal(usable(f->h), "110");
}

/* Never heard, then stale: everything was up already, nothing to say. */
static void
stale_without_reports(void **state)
{
	struct fix *f = *state;

	start(f, NULL, false);
	set_edges(f->h, three, 3);
	health_expire(f->h, 0);
	assert_false(health_stale(f->h)); /* no prober: none is stale */
	assert_int_equal(f->rec.calls, 0);
	assert_string_equal(usable(f->h), "111");
}

/* ---- the inventory changes (a reload) ------------------------------------ */

/* Overrides and reports follow the edge's name, not its index. */
static void
edges_reordered(void **state)
{
	static const char *const next[] = {"ams", "new", "fra", "lhr"};
	static const char *const fewer[] = {"new", "lhr"};
	static const char *const back[] = {"fra", "ams", "lhr"};
	struct fix *f = *state;
	char text[512];

	start(f, f->state, false);
	set_edges(f->h, three, 3);
	report(f->h, "lhr down fra up ams up");
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_DRAIN), 0);
	assert_int_equal(health_set_override(f->h, "ams", HEALTH_FORCE_UP), 0);
	assert_string_equal(usable(f->h), "001");
	unsigned calls = f->rec.calls;

	/* Reordered, one added: the drained fra is now at index 2. */
	set_edges(f->h, next, 4);
	assert_string_equal(usable(f->h), "1100");
	assert_int_equal(row(f->h, "fra").override, HEALTH_DRAIN);
	assert_int_equal(row(f->h, "ams").override, HEALTH_FORCE_UP);
	assert_int_equal(row(f->h, "new").override, HEALTH_AUTO);
	assert_int_equal(row(f->h, "lhr").probed, HEALTH_DOWN);
	{
		struct health_edge_info v[4];
		assert_int_equal(health_list(f->h, v, 4), 4);
		for (size_t i = 0; i < 4; i++)
			assert_string_equal(v[i].name, next[i]);
		assert_false(v[2].usable);
	}
	/* The caller publishes the new inventory: no callback. */
	assert_int_equal(f->rec.calls, calls);

	/* fra and ams leave: their overrides cannot be set, but are kept. */
	set_edges(f->h, fewer, 2);
	assert_string_equal(usable(f->h), "10");
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_AUTO), -1);
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_FORCE_UP), 0);
	slurp(f->state, text, sizeof(text));
	assert_non_null(strstr(text, "fra drain\n"));
	assert_non_null(strstr(text, "ams force-up\n"));
	assert_non_null(strstr(text, "lhr force-up\n"));
	/* ... and apply again when they come back. */
	set_edges(f->h, back, 3);
	assert_string_equal(usable(f->h), "011");
	assert_int_equal(row(f->h, "fra").override, HEALTH_DRAIN);
	assert_int_equal(f->rec.calls, calls + 1); /* the force-up only */

	/* Reports and overrides after the change use the new indices. */
	report(f->h, "fra up ams down lhr down");
	assert_string_equal(usable(f->h), "011");
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_AUTO), 0);
	assert_string_equal(f->rec.usable, "111");
	assert_int_equal(health_set_override(f->h, "ams", HEALTH_AUTO), 0);
	assert_string_equal(f->rec.usable, "101");
}

/* Names nobody needs any more are forgotten; names with a report or an
 * override are not. */
static void
edges_removed_are_pruned(void **state)
{
	static const char *const two[] = {"lhr", "fra"};
	struct fix *f = *state;

	start(f, NULL, false);
	set_edges(f->h, three, 3);
	/* ams changes twice: it has a last change, then nothing else. */
	assert_int_equal(health_set_override(f->h, "ams", HEALTH_DRAIN), 0);
	assert_int_equal(health_set_override(f->h, "ams", HEALTH_AUTO), 0);
	assert_true(row(f->h, "ams").last_change != 0);
	/* fra is reported down, then leaves with its report. */
	report(f->h, "lhr up fra down");
	assert_true(row(f->h, "fra").last_change != 0);

	set_edges(f->h, two, 2);
	assert_string_equal(usable(f->h), "10");
	set_edges(f->h, three, 3);
	/* ams was forgotten: a new edge, never changed. */
	assert_int_equal(row(f->h, "ams").last_change, 0);
	assert_int_equal(row(f->h, "ams").override, HEALTH_AUTO);
	assert_string_equal(usable(f->h), "101");

	/* fra's report is kept while the prober reports it. */
	report(f->h, "lhr up fra down");
	set_edges(f->h, three + 2, 1); /* only ams */
	assert_string_equal(usable(f->h), "1");
	set_edges(f->h, three, 3);
	assert_string_equal(usable(f->h), "101");
	assert_int_equal(row(f->h, "fra").probed, HEALTH_DOWN);
	assert_true(row(f->h, "fra").last_report != 0);
}

/* ---- health_list and names ----------------------------------------------- */

static void
list_bounds(void **state)
{
	struct fix *f = *state;
	struct health_edge_info v[3];

	start(f, NULL, false);
	set_edges(f->h, three, 3);
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_FORCE_DOWN),
	                 0);
	/* Just counting. */
	assert_int_equal(health_list(f->h, NULL, 0), 3);
	/* Fewer slots than edges: the first ones, the whole count. */
	memset(v, 0x5a, sizeof(v));
	assert_int_equal(health_list(f->h, v, 2), 3);
	assert_string_equal(v[0].name, "lhr");
	assert_string_equal(v[1].name, "fra");
	assert_int_equal(v[1].override, HEALTH_FORCE_DOWN);
	assert_false(v[1].usable);
	assert_true(v[1].last_change != 0);
	assert_int_equal((unsigned char)v[2].name[0], 0x5a);
}

static void
names(void **state)
{
	enum health_override o;

	(void)state;
	for (int i = HEALTH_AUTO; i <= HEALTH_FORCE_UP; i++) {
		assert_int_equal(
		    health_override_parse(
		        health_override_name((enum health_override)i), &o),
		    0);
		assert_int_equal(o, i);
	}
	assert_string_equal(health_override_name(HEALTH_AUTO), "auto");
	assert_string_equal(health_override_name(HEALTH_DRAIN), "drain");
	assert_string_equal(health_override_name(HEALTH_FORCE_DOWN),
	                    "force-down");
	assert_string_equal(health_override_name(HEALTH_FORCE_UP), "force-up");
	assert_string_equal(health_override_name((enum health_override)9), "?");
	o = HEALTH_FORCE_UP;
	assert_int_equal(health_override_parse("Drain", &o), -1);
	assert_int_equal(health_override_parse("", &o), -1);
	assert_int_equal(health_override_parse("drain ", &o), -1);
	assert_int_equal(o, HEALTH_FORCE_UP); /* untouched on failure */
	assert_string_equal(health_probed_name(HEALTH_UP), "up");
	assert_string_equal(health_probed_name(HEALTH_DOWN), "down");
	assert_string_equal(health_probed_name(HEALTH_UNKNOWN), "unknown");
	health_free(NULL);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(no_edges_until_set),
	    T(reports_to_usable),
	    T(report_is_a_full_snapshot),
	    T(report_ahead_of_inventory),
	    T(many_edges),
	    T(override_meets_probed),
	    T(override_callback),
	    T(override_errors),
	    T(state_file_saved_and_read_back),
	    T(state_file_unknown_names),
	    T(state_file_damaged),
	    T(stale_default),
	    T(stale_keep),
	    T(stale_without_reports),
	    T(edges_reordered),
	    T(edges_removed_are_pruned),
	    T(list_bounds),
	    cmocka_unit_test(names),
	};
#undef T

	/* quiet: the transitions and state file complaints are expected */
	log_init("test_health", true, LOG_CRIT);
	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
