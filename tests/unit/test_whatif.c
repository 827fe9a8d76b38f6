/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_whatif.c: what-if (dnsd/whatif) and the sample it
 * replays (dnsd/sample): where an edge's clients go when it is down,
 * drained or keeps a share, per destination and per country, checked
 * against the answers the query path gives; the sample ring's countdown,
 * torn entries and generations; the hook in the answer path; and
 * `dnsdctl simulate` (dnsd/commands) on a loaded server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "common/xalloc.h"
#include "dnsd/answer.h"
#include "dnsd/commands.h"
#include "dnsd/conf.h"
#include "dnsd/control.h"
#include "dnsd/geo_name.h"
#include "dnsd/query.h"
#include "dnsd/sample.h"
#include "dnsd/server.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "dnsd/steer.h"
#include "dnsd/whatif.h"
#include "dnsd/zonedb.h"
#include "geo/geo.h"
#include "tests/lib/pkt.h"

static char dir[] = "/tmp/test_whatif.XXXXXX";

/* London (64 /24s), Manchester, Dublin, Amsterdam, Frankfurt. */
static const char nets[] = "81.2.0.0/18 51.5142 -0.0931 EU GB ENG London\n"
                           "2.24.0.0/16 53.4808 -2.2426 EU GB ENG Manchester\n"
                           "87.32.0.0/16 53.3498 -6.2603 EU IE L Dublin\n"
                           "145.0.0.0/16 52.3676 4.9041 EU NL NH Amsterdam\n"
                           "80.81.192.0/22 50.1109 8.6821 EU DE HE Frankfurt\n";

/* lhr6 and ams6 have IPv6 only. */
static const char edges[] =
    "edges:\n"
    "  lhr: {location: [51.47, -0.45],\n"
    "        addresses: [192.0.2.11, \"2001:db8:11::1\"]}\n"
    "  ams: {location: [52.31, 4.76],\n"
    "        addresses: [192.0.2.12, \"2001:db8:12::1\"]}\n"
    "  fra: {location: [50.03, 8.57],\n"
    "        addresses: [192.0.2.13, \"2001:db8:13::1\"]}\n"
    "  iad: {location: [38.95, -77.45], addresses: 198.51.100.21}\n"
    "  lhr6: {location: [51.47, -0.45], addresses: \"2001:db8:16::1\"}\n"
    "  ams6: {location: [52.31, 4.76], addresses: \"2001:db8:26::1\"}\n";

/*
 * cdn: nearest (lhr < ams < fra from London and Dublin), an override that
 * goes from lhr to fra; six: IPv6 edges only; nd: lhr or nothing; solo:
 * lhr or, failing open, lhr anyway.
 */
static const char zone[] = "zone: example.net\n"
                           "records:\n"
                           "  \"@\":\n"
                           "    SOA: ns hostmaster 1 2h 1h 2w 5m\n"
                           "    NS: ns\n"
                           "  ns: {A: 192.0.2.1}\n"
                           "  www: {A: 192.0.2.80}\n"
                           "geo:\n"
                           "  cdn:\n"
                           "    pool: [lhr, ams, fra, iad]\n"
                           "    default: [iad]\n"
                           "    overrides:\n"
                           "      \"198.18.0.0/15\": [lhr, fra]\n"
                           "  six: {pool: [lhr6, ams6]}\n"
                           "  nd: {pool: [lhr], all_down: nodata}\n"
                           "  solo: {pool: [lhr]}\n";

static const char conf[] = "server: {listen: 127.0.0.1:5353, sample: 1}\n"
                           "zones: [z.yaml]\n"
                           "edges: edges.yaml\n"
                           "geo_database: geo.mmdb\n"
                           "allow_root: true\n";

struct fix {
	struct snapshot *snap;
	struct serving *sv; /* every edge up (no steer) */
};

static void
write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int
group_setup(void **state)
{
	char cmd[512];
	struct errbuf err;

	if (mkdtemp(dir) == NULL)
		return -1;
	write_file("nets.txt", nets);
	snprintf(cmd, sizeof(cmd),
	         "perl tests/tools/mkmmdb.pl %s/nets.txt %s/geo.mmdb", dir,
	         dir);
	/* A database that cannot be built fails the suite, never skips it. */
	if (system(cmd) != 0)
		return -1;
	write_file("edges.yaml", edges);
	write_file("z.yaml", zone);
	write_file("dnsd.yaml", conf);
	snprintf(cmd, sizeof(cmd), "%s/dnsd.yaml", dir);
	errbuf_init(&err);
	struct fix *f = xcalloc(1, sizeof(*f));
	f->snap = snapshot_load(cmd, 1, &err);
	if (f->snap == NULL) {
		fprintf(stderr, "%s", errbuf_text(&err));
		errbuf_fini(&err);
		return -1;
	}
	errbuf_fini(&err);
	f->sv = serving_new(f->snap, NULL, NULL);
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fix *f = *state;
	char cmd[256];

	if (f != NULL) {
		serving_unref(f->sv);
		snapshot_unref(f->snap);
		free(f);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The row of geo name `owner` in the snapshot. */
static int
row_of(const struct snapshot *snap, const char *owner)
{
	for (size_t i = 0; i < snap->db->ngeo; i++)
		if (strcasecmp(snap->db->geo[i]->owner, owner) == 0)
			return (int)i;
	fail_msg("no geo name %s", owner);
	return -1;
}

static int
edge_of(const struct snapshot *snap, const char *name)
{
	int i = edges_find(snap->edges, name);
	assert_true(i >= 0);
	return i;
}

/* An IPv4 client "a.b.c.d/bits", as a resolver's ECS. */
static struct geo_client
client(const char *text)
{
	struct geo_client c;
	uint8_t a[4];
	char host[32];
	unsigned bits = 32;
	const char *slash = strchr(text, '/');

	snprintf(host, sizeof(host), "%.*s",
	         (int)(slash ? (size_t)(slash - text) : strlen(text)), text);
	if (slash != NULL)
		bits = (unsigned)atoi(slash + 1);
	assert_int_equal(inet_pton(AF_INET, host, a), 1);
	geo_client_make(&c, AF_INET, a, bits);
	return c;
}

static struct whatif_change
change(const struct snapshot *snap, enum whatif_kind kind, const char *edge,
       double share)
{
	struct whatif_change chg = {kind, (unsigned)edge_of(snap, edge), share};
	return chg;
}

/* Add the clients of the down/drain tests: 8 of cdn (5 of lhr's), one
 * each of nd and solo (lhr's). */
static void
add_clients(struct whatif *w, const struct snapshot *snap)
{
	static const char *const cdn[] = {
	    "81.2.1.0/24",    "81.2.2.0/24",  /* London: lhr */
	    "2.24.1.0/24",                    /* Manchester: lhr */
	    "87.32.1.0/24",   "87.32.2.0/24", /* Dublin: lhr */
	    "145.0.1.0/24",                   /* Amsterdam: ams */
	    "80.81.192.0/24",                 /* Frankfurt: fra */
	    "198.18.1.0/24",                  /* override: lhr, then fra */
	};
	for (size_t i = 0; i < sizeof(cdn) / sizeof(*cdn); i++) {
		struct geo_client c = client(cdn[i]);
		whatif_add(w, row_of(snap, "cdn.example.net"), &c, 1);
	}
	struct geo_client london = client("81.2.1.0/24");
	whatif_add(w, row_of(snap, "nd.example.net"), &london, 1);
	whatif_add(w, row_of(snap, "solo.example.net"), &london, 1);
}

/* What whatif_write() writes, new. */
static char *
written(const struct whatif *w, const char *unit, uint64_t scale, bool json)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	whatif_write(w, f, unit, scale, json);
	assert_int_equal(fclose(f), 0);
	return text;
}

static const char down_text[] =
    "simulate down lhr: 8 of 10 sampled clients get lhr now\n"
    "  ams       62.5%  5\n"
    "  (none)    12.5%  1\n"
    "  (same)    12.5%  1\n"
    "  fra       12.5%  1\n"
    "by country:\n"
    "  GB  ams 60.0%  (none) 20.0%  (same) 20.0%  (5)\n"
    "  IE  ams 100.0%  (2)\n"
    "  ??  fra 100.0%  (1)\n";

static void
down_moves_the_edges_clients_to_their_next_choice(void **state)
{
	struct fix *f = *state;
	const struct snapshot *snap = f->snap;
	struct whatif_change chg = change(snap, WHATIF_DOWN, "lhr", 0);
	struct whatif *w = whatif_new(f->sv, &chg);

	add_clients(w, snap);
	assert_int_equal(whatif_total(w), 10);
	assert_int_equal(whatif_affected(w), 8);
	assert_int_equal(whatif_moved(w, edge_of(snap, "ams")), 5);
	assert_int_equal(whatif_moved(w, edge_of(snap, "fra")), 1);
	assert_int_equal(whatif_moved(w, WHATIF_NONE), 1); /* nd: nodata */
	assert_int_equal(whatif_moved(w, WHATIF_SAME), 1); /* solo: open */
	assert_int_equal(whatif_moved(w, edge_of(snap, "iad")), 0);
	char *text = written(w, "sampled clients", 1, false);
	assert_string_equal(text, down_text);
	free(text);
	whatif_free(w);
}

static void
drain_is_down_by_another_name(void **state)
{
	struct fix *f = *state;
	struct whatif_change chg = change(f->snap, WHATIF_DRAIN, "lhr", 0);
	struct whatif *w = whatif_new(f->sv, &chg);

	add_clients(w, f->snap);
	char *text = written(w, "sampled clients", 1, false);
	assert_memory_equal(text, "simulate drain lhr: 8 of 10 ", 28);
	assert_string_equal(strchr(text, '\n'), strchr(down_text, '\n'));
	free(text);
	whatif_free(w);
}

/* A name whose edges have no IPv4 address is simulated over AAAA. */
static void
ipv6_only_names_answer_aaaa(void **state)
{
	struct fix *f = *state;
	const struct snapshot *snap = f->snap;
	struct whatif_change chg = change(snap, WHATIF_DOWN, "lhr6", 0);
	struct whatif *w = whatif_new(f->sv, &chg);
	struct geo_client london = client("81.2.1.0/24");
	struct geo_client ams = client("145.0.1.0/24");

	whatif_add(w, row_of(snap, "six.example.net"), &london, 1);
	whatif_add(w, row_of(snap, "six.example.net"), &ams, 1);
	whatif_add(w, row_of(snap, "cdn.example.net"), &london, 1);
	assert_int_equal(whatif_total(w), 3);
	assert_int_equal(whatif_affected(w), 1);
	assert_int_equal(whatif_moved(w, edge_of(snap, "ams6")), 1);
	whatif_free(w);
}

/* A steer of every edge whole but `edge` at `share`. */
static struct steer *
steer_with(const struct snapshot *snap, int edge, double share)
{
	size_t n = snap->edges->n;
	struct steer *st = xcalloc(1, steer_size(n));

	st->n = n;
	for (size_t i = 0; i < n; i++) {
		st->edge[i].share = STEER_SHARE_ALL;
		st->edge[i].weight = snap->edges->edge[i].weight;
	}
	st->edge[edge].share = steer_share(share);
	st->partial =
	    st->edge[edge].share > 0 && st->edge[edge].share < STEER_SHARE_ALL;
	return st;
}

/* The first A address dnsd answers `name` with for ECS `ecs` from `sv`. */
static void
answer_a(const struct serving *sv, const char *name, const char *ecs,
         struct sample *smp, char *out, size_t outlen)
{
	uint8_t resp[ANSWER_UDP_MAX];
	struct dnsd_stats *st = xcalloc(1, sizeof(*st));
	struct query q;
	struct pkt p;

	assert_int_equal(pkt_query(&p, 7, 0, name, 1, 1, 1), 0);
	size_t mark = pkt_opt_begin(&p, 1232, 0);
	assert_int_equal(pkt_ecs(&p, ecs), 0);
	pkt_rr_end(&p, mark);
	query_parse(&q, p.b, p.len, false, NULL);
	size_t len = answer_query(sv, &q, resp, sizeof(resp),
	                          &(struct answer_env){.st = st, .smp = smp});
	free(st);
	assert_true(len > 12);
	/* Question at 12: the name, type and class; then the first answer:
	 * a pointer, type, class, TTL, RDLENGTH, the address. */
	size_t off = 12 + q.qname.len + 4 + 12;
	out[0] = '\0';
	if ((resp[6] << 8 | resp[7]) > 0 && off + 4 <= len)
		inet_ntop(AF_INET, resp + off, out, (socklen_t)outlen);
}

static void
share_keeps_part_of_the_clients_as_answers_do(void **state)
{
	struct fix *f = *state;
	const struct snapshot *snap = f->snap;
	int lhr = edge_of(snap, "lhr"), ams = edge_of(snap, "ams");
	struct whatif_change chg = change(snap, WHATIF_SHARE, "lhr", 0.5);
	struct whatif *w = whatif_new(f->sv, &chg);
	struct steer *st = steer_with(snap, lhr, 0.5);
	struct serving *half = serving_new(f->snap, st, NULL);
	uint64_t stay = 0, go = 0;
	char addr[INET_ADDRSTRLEN], ecs[32];

	/* 64 London /24s: each its own hash, each lhr's now. */
	for (unsigned i = 0; i < 64; i++) {
		snprintf(ecs, sizeof(ecs), "81.2.%u.0/24", i);
		struct geo_client c = client(ecs);
		whatif_add(w, row_of(snap, "cdn.example.net"), &c, 1);
		/* What the query path answers with lhr at half its share. */
		answer_a(half, "cdn.example.net", ecs, NULL, addr,
		         sizeof(addr));
		if (strcmp(addr, "192.0.2.11") == 0)
			stay++;
		else if (strcmp(addr, "192.0.2.12") == 0)
			go++;
		else
			fail_msg("%s answered %s", ecs, addr);
	}
	assert_int_equal(whatif_affected(w), 64);
	assert_int_equal(whatif_moved(w, WHATIF_SAME), stay);
	assert_int_equal(whatif_moved(w, ams), go);
	/* About half each way (the odds of 16 or fewer: below 1e-4). */
	assert_true(stay > 16 && go > 16);
	char *text = written(w, "sampled clients", 1, false);
	char want[128];
	snprintf(want, sizeof(want),
	         "simulate share lhr 0.5: 64 of 64 sampled clients get lhr "
	         "now\n");
	assert_memory_equal(text, want, strlen(want));
	free(text);
	/* Share 1: everyone stays; share 0: nobody does. */
	whatif_free(w);
	chg.share = 1;
	w = whatif_new(f->sv, &chg);
	for (unsigned i = 0; i < 64; i++) {
		snprintf(ecs, sizeof(ecs), "81.2.%u.0/24", i);
		struct geo_client c = client(ecs);
		whatif_add(w, row_of(snap, "cdn.example.net"), &c, 1);
	}
	assert_int_equal(whatif_moved(w, WHATIF_SAME), 64);
	whatif_free(w);
	serving_unref(half);
	free(st);
}

/* Clients the edge does not answer now are counted, never moved; under a
 * steer that already drains lhr, lhr has no clients to lose. */
static void
only_the_edges_clients_under_the_steer_in_force(void **state)
{
	struct fix *f = *state;
	const struct snapshot *snap = f->snap;
	struct steer *st = steer_with(snap, edge_of(snap, "lhr"), 0);
	struct serving *drained = serving_new(f->snap, st, NULL);
	struct whatif_change chg = change(snap, WHATIF_DOWN, "lhr", 0);
	struct whatif *w = whatif_new(drained, &chg);

	add_clients(w, snap);
	assert_int_equal(whatif_total(w), 10);
	/* solo fails open to lhr now, and would still */
	assert_int_equal(whatif_affected(w), 1);
	assert_int_equal(whatif_moved(w, WHATIF_SAME), 1);
	whatif_free(w);

	/* ams down: the Amsterdam client and lhr's (now on ams) move. */
	chg = change(snap, WHATIF_DOWN, "ams", 0);
	w = whatif_new(drained, &chg);
	add_clients(w, snap);
	assert_int_equal(whatif_affected(w), 6);
	assert_int_equal(whatif_moved(w, edge_of(snap, "fra")), 6);
	whatif_free(w);
	serving_unref(drained);
	free(st);
}

static void
parse_words(void **state)
{
	struct fix *f = *state;
	struct whatif_change chg;
	char err[256];
	char w0[16], w1[16], w2[16];
	char *words[] = {w0, w1, w2};

#define WORDS(a, b, c)                                                         \
	(snprintf(w0, sizeof(w0), "%s", a), snprintf(w1, sizeof(w1), "%s", b), \
	 snprintf(w2, sizeof(w2), "%s", c))
	WORDS("down", "fra", "");
	assert_int_equal(whatif_parse(f->sv, words, 2, &chg, err, sizeof(err)),
	                 0);
	assert_int_equal(chg.kind, WHATIF_DOWN);
	assert_int_equal(chg.edge, edge_of(f->snap, "fra"));
	WORDS("share", "lhr", "0.25");
	assert_int_equal(whatif_parse(f->sv, words, 3, &chg, err, sizeof(err)),
	                 0);
	assert_int_equal(chg.kind, WHATIF_SHARE);
	assert_true(chg.share == 0.25);
	WORDS("drain", "nosuch", "");
	assert_int_equal(whatif_parse(f->sv, words, 2, &chg, err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "no such edge \"nosuch\"");
	WORDS("share", "lhr", "1.5");
	assert_int_equal(whatif_parse(f->sv, words, 3, &chg, err, sizeof(err)),
	                 -1);
	WORDS("share", "lhr", "half");
	assert_int_equal(whatif_parse(f->sv, words, 3, &chg, err, sizeof(err)),
	                 -1);
	WORDS("share", "lhr", "");
	assert_int_equal(whatif_parse(f->sv, words, 2, &chg, err, sizeof(err)),
	                 -1);
	assert_memory_equal(err, "usage: ", 7);
	WORDS("down", "lhr", "x");
	assert_int_equal(whatif_parse(f->sv, words, 3, &chg, err, sizeof(err)),
	                 -1);
	assert_memory_equal(err, "usage: ", 7);
	WORDS("up", "lhr", "");
	assert_int_equal(whatif_parse(f->sv, words, 2, &chg, err, sizeof(err)),
	                 -1);
	assert_memory_equal(err, "usage: ", 7);
#undef WORDS
}

/* ---- the sample ---------------------------------------------------------
 */

static void
countdown_takes_one_in_n(void **state)
{
	struct sample *s = sample_new();
	unsigned taken = 0;

	(void)state;
	for (unsigned i = 0; i < 160; i++)
		taken += sample_due(s, 16);
	assert_int_equal(taken, 10);
	for (unsigned i = 0; i < 100; i++)
		assert_false(sample_due(s, 0));
	taken = 0;
	for (unsigned i = 0; i < 5; i++)
		taken += sample_due(s, 1);
	assert_int_equal(taken, 5);
	sample_free(s);
}

static void
ring_keeps_the_last_entries(void **state)
{
	struct sample *s = sample_new();
	struct sample_entry *v = xcalloc(SAMPLE_RING, sizeof(*v));
	struct geo_client c = client("81.2.3.0/24");

	(void)state;
	assert_int_equal(sample_read(s, 1, v), 0); /* never written */
	sample_put(s, 1, 3, &c);
	sample_put(s, 1, 4, NULL);
	assert_int_equal(sample_read(s, 1, v), 2);
	assert_int_equal(v[0].row, 3);
	assert_true(v[0].tailored);
	assert_memory_equal(&v[0].client, &c, sizeof(c));
	assert_int_equal(v[1].row, 4);
	assert_false(v[1].tailored);
	/* Overwritten in a circle: never more than the ring holds. */
	for (unsigned i = 0; i < SAMPLE_RING + 10; i++)
		sample_put(s, 1, (int)i, &c);
	assert_int_equal(sample_read(s, 1, v), SAMPLE_RING);
	sample_free(s);
	free(v);
}

static void
entries_of_another_generation_are_dropped(void **state)
{
	struct fix *f = *state;
	struct sample *s = sample_new();
	struct sample_entry *v = xcalloc(SAMPLE_RING, sizeof(*v));
	struct geo_client c = client("81.2.3.0/24");
	int row = row_of(f->snap, "cdn.example.net");

	sample_put(s, 1, row, &c);
	sample_put(s, 2, row, &c);
	sample_put(s, 2, row, &c);
	assert_int_equal(sample_read(s, 2, v), 2);
	assert_int_equal(v[0].generation, 2);
	assert_int_equal(sample_read(s, 1, v), 1);
	assert_int_equal(sample_read(s, 3, v), 0);
	/* The serving is generation 1: what-if leaves generation 2 out. */
	struct sample_entry e[3] = {
	    {1, row, true, c}, {2, row, true, c}, {1, row, true, c}};
	struct whatif_change chg = change(f->snap, WHATIF_DOWN, "lhr", 0);
	struct whatif *w = whatif_new(f->sv, &chg);
	whatif_add_samples(w, e, 3);
	assert_int_equal(whatif_total(w), 1); /* and the twin once */
	assert_int_equal(whatif_affected(w), 1);
	whatif_free(w);
	sample_free(s);
	free(v);
}

static void
an_entry_being_written_is_skipped(void **state)
{
	struct sample *s = sample_new();
	struct sample_entry *v = xcalloc(SAMPLE_RING, sizeof(*v));
	struct geo_client c = client("81.2.3.0/24");

	(void)state;
	sample_put(s, 1, 0, &c);
	sample_put(s, 1, 1, &c);
	/* A writer stopped half way through entry 1: its number is odd. */
	uint32_t seq = atomic_load(&s->slot[1].seq);
	atomic_store(&s->slot[1].seq, seq + 1);
	assert_int_equal(sample_read(s, 1, v), 1);
	assert_int_equal(v[0].row, 0);
	atomic_store(&s->slot[1].seq, seq + 2);
	assert_int_equal(sample_read(s, 1, v), 2);
	sample_free(s);
	free(v);
}

/* A writer that rewrites one entry without a pause, each time with every
 * field saying the same number: a reader that copied part of one write
 * and part of the next would see two numbers. */
struct hammer {
	struct sample *s;
	atomic_bool stop;
	atomic_ulong written;
};

static void *
hammer_main(void *arg)
{
	struct hammer *h = arg;
	struct geo_client c;

	for (unsigned i = 0; !atomic_load(&h->stop); i++) {
		memset(&c, (int)(i & 0xFF), sizeof(c));
		h->s->next = 0; /* the first slot, again and again */
		sample_put(h->s, 7, (int)(i & 0xFF), &c);
		atomic_fetch_add(&h->written, 1);
	}
	return NULL;
}

static void
concurrent_reads_never_see_a_torn_entry(void **state)
{
	struct hammer h = {.s = sample_new()};
	struct sample_entry *v = xcalloc(SAMPLE_RING, sizeof(*v));
	pthread_t t;
	unsigned long seen = 0;

	(void)state;
	atomic_init(&h.stop, false);
	atomic_init(&h.written, 0);
	assert_int_equal(pthread_create(&t, NULL, hammer_main, &h), 0);
	/* Once the writer runs (bounded: 5 s). */
	for (unsigned i = 0; i < 5000 && atomic_load(&h.written) < 1000; i++)
		usleep(1000);
	for (unsigned round = 0; round < 20000; round++) {
		size_t n = sample_read(h.s, 7, v);
		for (size_t i = 0; i < n; i++) {
			const uint8_t *b = (const uint8_t *)&v[i].client;
			for (size_t k = 0; k < sizeof(v[i].client); k++)
				if (b[k] != (uint8_t)v[i].row)
					fail_msg("torn entry: row %d, octet "
					         "%zu is %u",
					         v[i].row, k, b[k]);
		}
		seen += n;
	}
	atomic_store(&h.stop, true);
	pthread_join(t, NULL);
	/* Some reads fall between two writes. */
	assert_true(seen > 0);
	sample_free(h.s);
	free(v);
}

/* The answer path leaves 1 geo answer in server.sample (1 here) in the
 * thread's ring, UDP batches and single queries alike; static answers and
 * NXDOMAIN none.  What-if replays them like clients added by hand. */
static void
the_answer_path_samples_geo_answers(void **state)
{
	struct fix *f = *state;
	struct sample *s = sample_new();
	struct sample_entry *v = xcalloc(SAMPLE_RING, sizeof(*v));
	char addr[INET_ADDRSTRLEN];

	assert_int_equal(f->snap->conf->sample, 1);
	answer_a(f->sv, "cdn.example.net", "81.2.1.0/24", s, addr,
	         sizeof(addr));
	assert_string_equal(addr, "192.0.2.11");
	answer_a(f->sv, "cdn.example.net", "81.2.1.0/24", s, addr,
	         sizeof(addr));
	answer_a(f->sv, "cdn.example.net", "87.32.1.0/24", s, addr,
	         sizeof(addr));
	answer_a(f->sv, "www.example.net", "87.32.1.0/24", s, addr,
	         sizeof(addr));
	answer_a(f->sv, "nx.example.net", "87.32.1.0/24", s, addr,
	         sizeof(addr));
	size_t n = sample_read(s, f->snap->generation, v);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(v[i].row, row_of(f->snap, "cdn.example.net"));
		assert_true(v[i].tailored);
	}
	struct geo_client c = client("87.32.1.0/24");
	assert_memory_equal(&v[2].client, &c, sizeof(c));

	/* Through a UDP batch too. */
	struct pkt p;
	struct answer_io io = {0};
	uint8_t resp[ANSWER_UDP_MAX];
	struct dnsd_stats *st = xcalloc(1, sizeof(*st));
	assert_int_equal(pkt_query(&p, 9, 0, "cdn.example.net", 1, 1, 1), 0);
	size_t mark = pkt_opt_begin(&p, 1232, 0);
	assert_int_equal(pkt_ecs(&p, "145.0.1.0/24"), 0);
	pkt_rr_end(&p, mark);
	io.pkt = p.b;
	io.len = p.len;
	io.resp = resp;
	answer_batch(f->sv, &io, 1, &(struct answer_env){.st = st, .smp = s});
	assert_true(io.rlen > 0);
	assert_int_equal(sample_read(s, f->snap->generation, v), 4);

	/* Replayed: the London twin counts once; lhr has 2 of 3. */
	struct whatif_change chg = change(f->snap, WHATIF_DOWN, "lhr", 0);
	struct whatif *w = whatif_new(f->sv, &chg);
	whatif_add_samples(w, v, 4);
	assert_int_equal(whatif_total(w), 3);
	assert_int_equal(whatif_affected(w), 2);
	assert_int_equal(whatif_moved(w, edge_of(f->snap, "ams")), 2);
	whatif_free(w);
	free(st);
	sample_free(s);
	free(v);
}

static void
json_output(void **state)
{
	struct fix *f = *state;
	struct whatif_change chg = change(f->snap, WHATIF_DOWN, "lhr", 0);
	struct whatif *w = whatif_new(f->sv, &chg);

	add_clients(w, f->snap);
	char *text = written(w, "sampled clients", 1, true);
	assert_memory_equal(text,
	                    "{\"change\": \"down\", \"edge\": \"lhr\", "
	                    "\"share\": 0, \"unit\": \"sampled clients\", "
	                    "\"clients\": 10, \"affected\": 8, "
	                    "\"destinations\": [{\"to\": \"ams\", "
	                    "\"clients\": 5, \"percent\": 62.5}, ",
	                    strlen("{\"change\": \"down\", \"edge\": \"lhr\", "
	                           "\"share\": 0, \"unit\": \"sampled "
	                           "clients\", \"clients\": 10, \"affected\": "
	                           "8, \"destinations\": [{\"to\": \"ams\", "
	                           "\"clients\": 5, \"percent\": 62.5}, "));
	assert_non_null(strstr(text, "{\"country\": \"IE\", \"clients\": 2, "
	                             "\"destinations\": [{\"to\": \"ams\", "
	                             "\"clients\": 2, \"percent\": 100.0}]}"));
	assert_string_equal(text + strlen(text) - 3, "]}\n");
	free(text);
	whatif_free(w);
}

/* Counts in /24s (geoq): a /16 weighs 256 of them. */
static void
weights_and_scale(void **state)
{
	struct fix *f = *state;
	struct whatif_change chg = change(f->snap, WHATIF_DOWN, "lhr", 0);
	struct whatif *w = whatif_new(f->sv, &chg);
	struct geo_client c = client("87.32.0.0/16");

	whatif_add(w, row_of(f->snap, "cdn.example.net"), &c, 65536);
	c = client("145.0.0.0/16");
	whatif_add(w, row_of(f->snap, "cdn.example.net"), &c, 65536);
	char *text = written(w, "IPv4 /24s", 256, false);
	assert_string_equal(text, "simulate down lhr: 256 of 512 IPv4 /24s get "
	                          "lhr now\n"
	                          "  ams      100.0%  256\n"
	                          "by country:\n"
	                          "  IE  ams 100.0%  (256)\n");
	free(text);
	whatif_free(w);
}

/* ---- dnsdctl simulate ---------------------------------------------------
 */

static char *
ask(struct server *s, const char *line)
{
	struct control_request req = {.uid = getuid(), .pid = getpid()};
	char copy[512], *save = NULL;
	struct evbuffer *out = evbuffer_new();

	snprintf(copy, sizeof(copy), "%s", line);
	for (char *w = strtok_r(copy, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save)) {
		assert_true(req.nword < CONTROL_WORDS_MAX);
		req.word[req.nword++] = w;
	}
	assert_non_null(out);
	commands_handle(s, &req, out);
	size_t len = evbuffer_get_length(out);
	char *text = xmalloc(len + 1);
	assert_int_equal(evbuffer_remove(out, text, len), (int)len);
	text[len] = '\0';
	evbuffer_free(out);
	return text;
}

static void
the_simulate_command(void **state)
{
	struct errbuf err;
	char path[256];
	char *r;

	(void)state;
	snprintf(path, sizeof(path), "%s/dnsd.yaml", dir);
	errbuf_init(&err);
	struct server *s = server_load(path, NULL, 0, &err);
	if (s == NULL)
		fail_msg("%s", errbuf_text(&err));
	errbuf_fini(&err);
	/* No worker has answered yet: nothing sampled. */
	r = ask(s, "simulate down lhr");
	assert_string_equal(r, "simulate down lhr: 0 of 0 sampled clients get "
	                       "lhr now\nby country:\nok\n");
	free(r);
	r = ask(s, "simulate share ams 0.3 json");
	assert_memory_equal(r,
	                    "{\"change\": \"share\", \"edge\": \"ams\", "
	                    "\"share\": 0.3,",
	                    strlen("{\"change\": \"share\", \"edge\": "
	                           "\"ams\", \"share\": 0.3,"));
	free(r);
	r = ask(s, "simulate down nosuch");
	assert_string_equal(r, "error: no such edge \"nosuch\"\n");
	free(r);
	r = ask(s, "simulate up lhr");
	assert_memory_equal(r, "error: usage: simulate ", 23);
	free(r);
	r = ask(s, "simulate share lhr");
	assert_memory_equal(r, "error: usage: simulate ", 23);
	free(r);
	r = ask(s, "simulate lhr");
	assert_memory_equal(r, "error: usage: simulate ", 23);
	free(r);
	server_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(down_moves_the_edges_clients_to_their_next_choice),
	    cmocka_unit_test(drain_is_down_by_another_name),
	    cmocka_unit_test(ipv6_only_names_answer_aaaa),
	    cmocka_unit_test(share_keeps_part_of_the_clients_as_answers_do),
	    cmocka_unit_test(only_the_edges_clients_under_the_steer_in_force),
	    cmocka_unit_test(parse_words),
	    cmocka_unit_test(countdown_takes_one_in_n),
	    cmocka_unit_test(ring_keeps_the_last_entries),
	    cmocka_unit_test(entries_of_another_generation_are_dropped),
	    cmocka_unit_test(an_entry_being_written_is_skipped),
	    cmocka_unit_test(concurrent_reads_never_see_a_torn_entry),
	    cmocka_unit_test(the_answer_path_samples_geo_answers),
	    cmocka_unit_test(json_output),
	    cmocka_unit_test(weights_and_scale),
	    cmocka_unit_test(the_simulate_command),
	};
	return cmocka_run_group_tests_name("whatif", tests, group_setup,
	                                   group_teardown);
}
