/* SPDX-License-Identifier: MIT */
/* tests/unit/test_commands.c: what dnsdctl can ask (dnsd/commands), on a
 * server loaded from a small configuration (server_load, nothing bound):
 * the edge table, overrides and their effect on what is served, status,
 * stats, explain, and reload keeping overrides by edge name. */
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

#include <event2/buffer.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/commands.h"
#include "dnsd/control.h"
#include "dnsd/health.h"
#include "dnsd/server.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"

/* The folder of every test: the database (built once), and each test's
 * configuration, written afresh. */
static char dir[] = "/tmp/test_commands.XXXXXX";

/* lhr, fra, iad: the inventory every test starts with. */
static const char edges3[] =
    "edges:\n"
    "  lhr: {location: [51.47, -0.45],\n"
    "        addresses: [192.0.2.11, \"2001:db8:11::1\"]}\n"
    "  fra: {location: [50.03, 8.57],\n"
    "        addresses: [192.0.2.12, \"2001:db8:12::1\"]}\n"
    "  iad: {location: [38.95, -77.45], addresses: 198.51.100.21}\n";

/* The geo name: London is located (the nearest is lhr), 198.18.0.0/15 is
 * an override to fra then lhr; the rest gets iad. */
static const char zone[] = "zone: example.net\n"
                           "records:\n"
                           "  \"@\":\n"
                           "    SOA: ns hostmaster 1 2h 1h 2w 5m\n"
                           "    NS: ns\n"
                           "  ns: {A: 192.0.2.1}\n"
                           "  www: {A: 192.0.2.80}\n"
                           "geo:\n"
                           "  cdn:\n"
                           "    ttl: 20\n"
                           "    default: [iad]\n"
                           "    overrides:\n"
                           "      \"198.18.0.0/15\": [fra, lhr]\n";

static const char conf[] = "server: {listen: 127.0.0.1:5353}\n"
                           "zones: [z.yaml]\n"
                           "edges: edges.yaml\n"
                           "geo_database: geo.mmdb\n"
                           "state_file: state\n";

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

static const char *
path_of(const char *name)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static int
group_setup(void **state)
{
	char cmd[512];

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	write_file("nets.txt",
	           "81.2.69.0/24 51.5142 -0.0931 EU GB ENG London\n");
	snprintf(cmd, sizeof(cmd),
	         "perl tests/tools/mkmmdb.pl %s/nets.txt %s/geo.mmdb", dir,
	         dir);
	/* A database that cannot be built fails the suite, never skips it. */
	return system(cmd) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A server on the configuration `text` with the three edges. */
static struct server *
load(const char *text)
{
	struct errbuf err;

	write_file("edges.yaml", edges3);
	write_file("z.yaml", zone);
	write_file("dnsd.yaml", text);
	unlink(path_of("state"));
	errbuf_init(&err);
	struct server *s = server_load(path_of("dnsd.yaml"), NULL, 0, &err);
	if (s == NULL)
		fail_msg("%s", errbuf_text(&err));
	errbuf_fini(&err);
	return s;
}

static int
setup(void **state)
{
	*state = load(conf);
	return 0;
}

static int
teardown(void **state)
{
	server_free(*state);
	return 0;
}

/* Ask: the words of `line` (split at spaces) to commands_handle(); returns
 * the response, new. */
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

/* The line of `resp` that starts with `prefix`, without its "\n" (static
 * buffer); fails the test if there is none. */
static const char *
line_of(const char *resp, const char *prefix)
{
	static char line[1024];
	size_t l = strlen(prefix);

	for (const char *p = resp; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= l && strncmp(p, prefix, l) == 0) {
			snprintf(line, sizeof(line), "%.*s", (int)len, p);
			return line;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	fail_msg("no line \"%s...\" in:\n%s", prefix, resp);
	return NULL;
}

/* The last line of a response, without its "\n" (static buffer). */
static const char *
last_line(const char *resp)
{
	static char line[1024];
	size_t len = strlen(resp);

	if (len > 0 && resp[len - 1] == '\n')
		len--;
	size_t start = len;
	while (start > 0 && resp[start - 1] != '\n')
		start--;
	snprintf(line, sizeof(line), "%.*s", (int)(len - start), resp + start);
	return line;
}

struct row {
	char name[32], probed[16], override[16], effective[16];
	char weight[8], share[8], load[8];
	char report[32], change[32], steering[32];
};

/* The edges-table row for `name`. */
static void
find_row(const char *resp, const char *name, struct row *r)
{
	char prefix[40];

	snprintf(prefix, sizeof(prefix), "%s ", name);
	assert_int_equal(
	    sscanf(line_of(resp, prefix),
	           "%31s %15s %15s %15s %7s %7s %7s %31s %31s %31s", r->name,
	           r->probed, r->override, r->effective, r->weight, r->share,
	           r->load, r->report, r->change, r->steering),
	    10);
}

/* "2024-05-01T12:00:00Z" */
static void
assert_iso_time(const char *t)
{
	assert_int_equal(strlen(t), 20);
	assert_int_equal(t[4], '-');
	assert_int_equal(t[10], 'T');
	assert_int_equal(t[19], 'Z');
}

/* What is served: usable per edge as "101" ("" with no edges). */
static const char *
served(const struct server *s)
{
	static char text[32];
	const struct serving *sv = server_serving(s);

	assert_non_null(sv);
	assert_non_null(sv->steer);
	size_t n = sv->steer->n;
	assert_int_equal(n, sv->snap->edges ? sv->snap->edges->n : 0);
	assert_true(n < sizeof(text));
	for (size_t i = 0; i < n; i++)
		text[i] = sv->steer->edge[i].share > 0 ? '1' : '0';
	text[n] = '\0';
	return text;
}

/* Index of edge `name` in what is served, or -1. */
static int
served_index(const struct server *s, const char *name)
{
	return edges_find(server_serving(s)->snap->edges, name);
}

/* A prober's report straight into the server's health state. */
static void
report(struct server *s, const char *edges)
{
	static struct hmsg m;
	char copy[256], *save = NULL;

	static uint64_t seq;

	memset(&m, 0, sizeof(m));
	snprintf(m.prober, sizeof(m.prober), "p1");
	m.boot = 1;
	m.seq = ++seq;
	m.time = (uint64_t)time(NULL);
	snprintf(copy, sizeof(copy), "%s", edges);
	for (char *name = strtok_r(copy, " ", &save); name != NULL;
	     name = strtok_r(NULL, " ", &save)) {
		char *st = strtok_r(NULL, " ", &save);
		assert_non_null(st);
		snprintf(m.edge[m.n].name, sizeof(m.edge[m.n].name), "%s",
		         name);
		m.edge[m.n++].state =
		    strcmp(st, "up") == 0 ? HMSG_UP : HMSG_DOWN;
	}
	health_report(server_health(s), &m);
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

/* Assert that asking `line` answers exactly `want`. */
static void
expect(struct server *s, const char *line, const char *want)
{
	char *resp = ask(s, line);

	assert_string_equal(resp, want);
	free(resp);
}

/* ---- edges and overrides ------------------------------------------------- */

static const char feed_none[] = "feed: no message yet, fresh; accepted 0, "
                                "dropped 0 old, 0 bad, 0 auth\n";
static const char header[] =
    "NAME  PROBED   OVERRIDE    EFFECTIVE  WEIGHT  SHARE  LOAD   "
    "LAST_REPORT           LAST_CHANGE           STEERING    VOTES\n";

static void
edges_table(void **state)
{
	struct server *s = *state;
	struct row r;
	char *resp = ask(s, "edges");

	/* The feed first (not started here: nothing heard), the header,
	 * one row per edge in inventory order, the verdict. */
	assert_true(strncmp(resp, feed_none, strlen(feed_none)) == 0);
	assert_true(strncmp(resp + strlen(feed_none), header, strlen(header)) ==
	            0);
	assert_string_equal(last_line(resp), "ok");
	find_row(resp, "lhr", &r);
	assert_string_equal(r.probed, "unknown");
	assert_string_equal(r.override, "auto");
	assert_string_equal(r.effective, "up");
	assert_string_equal(r.weight, "1");
	assert_string_equal(r.share, "1.00");
	assert_string_equal(r.load, "-");
	assert_string_equal(r.report, "-");
	assert_string_equal(r.change, "-");
	assert_string_equal(r.steering, "-");
	assert_true(strstr(resp, "\nlhr ") < strstr(resp, "\nfra "));
	assert_true(strstr(resp, "\nfra ") < strstr(resp, "\niad "));
	/* feed + header + 3 rows + ok */
	size_t lines = 0;
	for (const char *p = resp; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 6);
	free(resp);

	/* The probes' states, as the feed would deliver them. */
	report(s, "lhr up fra down");
	assert_string_equal(served(s), "101");
	resp = ask(s, "edges");
	find_row(resp, "lhr", &r);
	assert_string_equal(r.probed, "up");
	assert_string_equal(r.effective, "up");
	assert_iso_time(r.report);
	assert_string_equal(r.change, "-");
	find_row(resp, "fra", &r);
	assert_string_equal(r.probed, "down");
	assert_string_equal(r.override, "auto");
	assert_string_equal(r.effective, "down");
	assert_iso_time(r.report);
	assert_iso_time(r.change);
	find_row(resp, "iad", &r);
	assert_string_equal(r.probed, "unknown");
	assert_string_equal(r.report, "-");
	free(resp);
}

static void
drain_and_auto(void **state)
{
	struct server *s = *state;
	const struct serving *before = server_serving(s);
	char text[256];
	struct row r;

	expect(s, "drain lhr",
	       "lhr: override drain, effective down, share 0.00\nok\n");
	/* A new serving was published, for the same snapshot. */
	assert_ptr_not_equal(server_serving(s), before);
	assert_int_equal(server_serving(s)->snap->generation, 1);
	assert_string_equal(served(s), "011");

	char *resp = ask(s, "edges");
	find_row(resp, "lhr", &r);
	assert_string_equal(r.override, "drain");
	assert_string_equal(r.effective, "down");
	assert_iso_time(r.change);
	find_row(resp, "fra", &r);
	assert_string_equal(r.effective, "up");
	free(resp);
	slurp(path_of("state"), text, sizeof(text));
	assert_non_null(strstr(text, "lhr drain\n"));

	/* Again: nothing changes, nothing is published. */
	before = server_serving(s);
	expect(s, "drain lhr",
	       "lhr: override drain, effective down, share 0.00\nok\n");
	assert_ptr_equal(server_serving(s), before);

	expect(s, "auto lhr",
	       "lhr: override auto, effective up, share 1.00\nok\n");
	assert_string_equal(served(s), "111");
	resp = ask(s, "edges");
	find_row(resp, "lhr", &r);
	assert_string_equal(r.override, "auto");
	assert_string_equal(r.effective, "up");
	free(resp);
	slurp(path_of("state"), text, sizeof(text));
	assert_null(strstr(text, "lhr"));
}

static void
force_up_and_down(void **state)
{
	struct server *s = *state;
	char text[256];
	struct row r;

	expect(s, "force-down iad",
	       "iad: override force-down, effective down, share 0.00\nok\n");
	assert_string_equal(served(s), "110");
	/* fra is probed down; force-up wins over the probes. */
	report(s, "fra down");
	assert_string_equal(served(s), "100");
	expect(s, "force-up fra",
	       "fra: override force-up, effective up, share 1.00\nok\n");
	assert_string_equal(served(s), "110");
	char *resp = ask(s, "edges");
	find_row(resp, "fra", &r);
	assert_string_equal(r.probed, "down");
	assert_string_equal(r.override, "force-up");
	assert_string_equal(r.effective, "up");
	find_row(resp, "iad", &r);
	assert_string_equal(r.override, "force-down");
	assert_string_equal(r.effective, "down");
	free(resp);
	/* Back to the probes: fra is down again, iad up. */
	expect(s, "auto fra",
	       "fra: override auto, effective down, share 0.00\nok\n");
	expect(s, "auto iad",
	       "iad: override auto, effective up, share 1.00\nok\n");
	assert_string_equal(served(s), "101");
	expect(s, "force-down iad",
	       "iad: override force-down, effective down, share 0.00\nok\n");
	/* overrides are saved in the state file */
	slurp(path_of("state"), text, sizeof(text));
	assert_non_null(strstr(text, "iad force-down\n"));
	assert_null(strstr(text, "fra"));
}

static void
unknown_edge(void **state)
{
	struct server *s = *state;
	const struct serving *before = server_serving(s);

	expect(s, "drain nope", "error: no such edge \"nope\"\n");
	expect(s, "force-up LHR", "error: no such edge \"LHR\"\n");
	assert_ptr_equal(server_serving(s), before);
	assert_string_equal(served(s), "111");
}

/* The override applies even if the state file cannot be written, and the
 * operator is told it will not survive a restart. */
static void
state_file_unwritable(void **state)
{
	struct server *s = *state;

	server_free(s);
	*state = s = load("server: {listen: 127.0.0.1:5353}\n"
	                  "zones: [z.yaml]\n"
	                  "edges: edges.yaml\n"
	                  "state_file: missing/state\n");
	expect(s, "drain lhr",
	       "error: lhr: override drain is in effect but the state file "
	       "could not be written (see the server log): it will not "
	       "survive a restart\n");
	assert_string_equal(served(s), "011");
	assert_int_equal(access(path_of("missing/state"), F_OK), -1);
}

/* A server without an inventory: no rows, nothing to override. */
static void
no_edges(void **state)
{
	struct server *s = *state;

	server_free(s);
	write_file("plain.yaml", "zone: example.org\n"
	                         "records:\n"
	                         "  \"@\":\n"
	                         "    SOA: ns hostmaster 1 2h 1h 2w 5m\n"
	                         "    NS: ns\n"
	                         "  ns: {A: 192.0.2.1}\n");
	*state = s = load("server: {listen: 127.0.0.1:5353}\n"
	                  "zones: [plain.yaml]\n");
	assert_string_equal(served(s), "");
	char *resp = ask(s, "edges");
	assert_int_equal(strlen(resp),
	                 strlen(feed_none) + strlen(header) + strlen("ok\n"));
	assert_string_equal(last_line(resp), "ok");
	free(resp);
	expect(s, "drain lhr", "error: no such edge \"lhr\"\n");
	resp = ask(s, "status");
	assert_string_equal(line_of(resp, "edges:"), "edges: 0, 0 usable");
	assert_string_equal(line_of(resp, "geo names:"), "geo names: 0");
	assert_null(strstr(resp, "geo database:"));
	free(resp);
	expect(s, "explain 81.2.69.0/24 cdn.example.net",
	       "error: cdn.example.net: no such geo name\n");
}

/* ---- requests that are not understood ------------------------------------ */

static void
unknown_command(void **state)
{
	struct server *s = *state;

	expect(s, "frobnicate",
	       "error: unknown command \"frobnicate\" (commands: edges, "
	       "probers, "
	       "drain, force-down, force-up, auto, reload, status, stats, "
	       "explain, simulate, dnssec)\n");
	/* Commands are case-sensitive. */
	expect(s, "EDGES",
	       "error: unknown command \"EDGES\" (commands: edges, probers, "
	       "drain, "
	       "force-down, force-up, auto, reload, status, stats, "
	       "explain, simulate, dnssec)\n");
}

static void
usage_errors(void **state)
{
	struct server *s = *state;
	static const char *const bad[][2] = {
	    {"edges now", "error: usage: edges\n"},
	    {"drain", "error: usage: drain NAME [--over DURATION]\n"},
	    {"drain lhr fra", "error: usage: drain NAME [--over DURATION] "
	                      "(e.g. --over 10m)\n"},
	    {"drain lhr --over", "error: usage: drain NAME [--over DURATION] "
	                         "(e.g. --over 10m)\n"},
	    {"drain lhr --over 0s", "error: usage: drain NAME [--over "
	                            "DURATION] (e.g. --over 10m)\n"},
	    {"drain lhr --over soon", "error: usage: drain NAME [--over "
	                              "DURATION] (e.g. --over 10m)\n"},
	    {"auto lhr --over 5m", "error: usage: auto NAME\n"},
	    {"force-down", "error: usage: force-down NAME\n"},
	    {"force-down lhr fra", "error: usage: force-down NAME\n"},
	    {"force-up", "error: usage: force-up NAME\n"},
	    {"force-up lhr fra", "error: usage: force-up NAME\n"},
	    {"auto", "error: usage: auto NAME\n"},
	    {"auto lhr fra", "error: usage: auto NAME\n"},
	    {"reload now", "error: usage: reload\n"},
	    {"status all", "error: usage: status\n"},
	    {"stats all", "error: usage: stats\n"},
	    {"explain", "error: usage: explain CLIENT NAME [A|AAAA] [json]\n"},
	    {"explain 81.2.69.0/24",
	     "error: usage: explain CLIENT NAME [A|AAAA] [json]\n"},
	    {"explain 81.2.69.0/24 cdn.example.net A json more",
	     "error: usage: explain CLIENT NAME [A|AAAA] [json]\n"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect(s, bad[i][0], bad[i][1]);
	/* Nothing was overridden or reloaded on the way. */
	assert_string_equal(served(s), "111");
	assert_int_equal(server_serving(s)->snap->generation, 1);
	assert_int_equal(access(path_of("state"), F_OK), -1);
}

/* ---- status and stats ---------------------------------------------------- */

static void
status_lines(void **state)
{
	struct server *s = *state;
	char want[512];
	char *resp = ask(s, "status");

	assert_true(strncmp(resp, "version: " DNSD_VERSION "\n",
	                    strlen("version: " DNSD_VERSION "\n")) == 0);
	const char *up = line_of(resp, "uptime: ");
	assert_true(strlen(up) > strlen("uptime: s"));
	assert_int_equal(up[strlen(up) - 1], 's');
	assert_string_equal(line_of(resp, "generation:"), "generation: 1");
	assert_iso_time(line_of(resp, "loaded: ") + strlen("loaded: "));
	snprintf(want, sizeof(want), "geo database: %s (GeoIP2-City, ",
	         path_of("geo.mmdb"));
	assert_true(
	    strncmp(line_of(resp, "geo database:"), want, strlen(want)) == 0);
	assert_string_equal(line_of(resp, "zones:"), "zones: 1");
	assert_string_equal(line_of(resp, "records:"), "records: 4");
	assert_string_equal(line_of(resp, "geo names:"), "geo names: 1");
	assert_string_equal(line_of(resp, "workers:"), "workers: 0");
	assert_string_equal(line_of(resp, "edges:"), "edges: 3, 3 usable");
	assert_string_equal(line_of(resp, "probers:"),
	                    "probers: 0, 0 voting, 0 isolated, 0 stale");
	assert_non_null(strstr(resp, feed_none));
	assert_string_equal(last_line(resp), "ok");
	free(resp);

	expect(s, "drain fra",
	       "fra: override drain, effective down, share 0.00\nok\n");
	report(s, "iad down");
	resp = ask(s, "status");
	assert_string_equal(line_of(resp, "edges:"), "edges: 3, 1 usable");
	assert_string_equal(line_of(resp, "probers:"),
	                    "probers: 1, 1 voting, 0 isolated, 0 stale");
	free(resp);
	expect(s, "reload", "ok\n");
	resp = ask(s, "status");
	assert_string_equal(line_of(resp, "generation:"), "generation: 2");
	assert_string_equal(line_of(resp, "edges:"), "edges: 3, 1 usable");
	free(resp);
}

static void
stats_keys(void **state)
{
	struct server *s = *state;
	static const char *const keys[] = {
	    "queries.udp",     "queries.tcp",   "rcode.noerror",
	    "rcode.nxdomain",  "rcode.refused", "qtype.A",
	    "qtype.AAAA",      "qtype.other",   "reloads",
	    "reload_failures",
	};
	char *resp = ask(s, "stats");

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "%s ", keys[i]);
		char want[64];
		snprintf(want, sizeof(want), "%s 0", keys[i]);
		assert_string_equal(line_of(resp, prefix), want);
	}
	/* Every line but the verdict is "KEY NUMBER". */
	for (const char *p = resp; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		char key[64];
		unsigned long long v;
		char extra;
		char line[128];
		assert_non_null(nl);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (nl[1] != '\0')
			assert_int_equal(
			    sscanf(line, "%63s %llu%c", key, &v, &extra), 2);
		else
			assert_string_equal(line, "ok");
		p = nl + 1;
	}
	free(resp);

	expect(s, "reload", "ok\n");
	write_file("z.yaml", "zone: example.net\nbogus: 1\n");
	resp = ask(s, "reload");
	assert_string_equal(last_line(resp), "error: reload failed");
	free(resp);
	resp = ask(s, "stats");
	assert_string_equal(line_of(resp, "reloads "), "reloads 1");
	assert_string_equal(line_of(resp, "reload_failures "),
	                    "reload_failures 1");
	free(resp);
}

/* ---- explain ------------------------------------------------------------- */

static void
explain_text(void **state)
{
	struct server *s = *state;
	char *resp = ask(s, "explain 81.2.69.0/24 cdn.example.net");

	assert_true(strncmp(resp, "client      81.2.69.0/24 (IPv4/24)\n", 35) ==
	            0);
	assert_string_equal(line_of(resp, "location"),
	                    "location    81.2.69.0/24: EU GB ENG London "
	                    "(51.5142, -0.0931)");
	assert_non_null(strstr(resp, "\ncdn.example.net\n"));
	assert_string_equal(line_of(resp, "  rule"), "  rule      nearest");
	assert_string_equal(line_of(resp, "  network"),
	                    "  network   81.2.69.0/24");
	assert_string_equal(line_of(resp, "  scope"), "  scope     /24");
	assert_string_equal(line_of(resp, "  ttl"), "  ttl       20");
	/* Ranked by distance, each with its state and addresses. */
	const char *l = line_of(resp, "  ranked  1. lhr");
	assert_non_null(strstr(l, " 25 km"));
	assert_non_null(
	    strstr(l, "probed unknown override auto       effective up"));
	assert_non_null(strstr(l, "192.0.2.11 2001:db8:11::1"));
	assert_non_null(strstr(resp, "\n          2. fra "));
	assert_non_null(strstr(resp, "\n          3. iad "));
	assert_string_equal(line_of(resp, "  A "),
	                    "  A         192.0.2.11 (lhr)");
	assert_string_equal(line_of(resp, "  AAAA "),
	                    "  AAAA      2001:db8:11::1 (lhr)");
	assert_string_equal(last_line(resp), "ok");
	free(resp);

	/* With lhr drained, London gets the next edge: what is served. */
	expect(s, "drain lhr",
	       "lhr: override drain, effective down, share 0.00\nok\n");
	resp = ask(s, "explain 81.2.69.0/24 cdn.example.net AAAA");
	assert_non_null(strstr(line_of(resp, "  ranked  1. lhr"),
	                       "override drain      effective down"));
	assert_string_equal(line_of(resp, "  AAAA "),
	                    "  AAAA      2001:db8:12::1 (fra)");
	/* Only the type asked for. */
	assert_null(strstr(resp, "\n  A "));
	free(resp);

	/* Not in the database: the default. */
	resp = ask(s, "explain 10.1.2.3 cdn.example.net");
	assert_string_equal(line_of(resp, "location"),
	                    "location    not located: the default applies");
	assert_string_equal(line_of(resp, "  rule"), "  rule      default");
	assert_string_equal(line_of(resp, "  A "),
	                    "  A         198.51.100.21 (iad)");
	/* iad has no IPv6 address: NODATA for AAAA. */
	assert_string_equal(line_of(resp, "  AAAA "),
	                    "  AAAA      (none: NODATA)");
	free(resp);
}

static void
explain_json(void **state)
{
	struct server *s = *state;
	char *resp = ask(s, "explain 198.18.1.0/24 cdn.example.net A json");
	static const char head[] =
	    "{\"client\": \"198.18.1.0/24\", \"location\": null, \"names\": "
	    "[{\"name\": \"cdn.example.net\", \"rule\": \"override\", "
	    "\"network\": \"198.18.0.0/15\", \"scope\": 15, \"ttl\": 20, "
	    "\"spread\": false, \"ranked\": [{\"edge\": \"fra\", ";

	assert_true(strncmp(resp, head, strlen(head)) == 0);
	assert_non_null(strstr(resp, "\"answer\": {\"A\": {\"rcode\": "
	                             "\"NOERROR\", \"all_down\": false, "
	                             "\"edges\": [\"fra\"]}}}]}\nok\n"));
	assert_null(strstr(resp, "\"AAAA\""));
	/* One JSON object on one line, then the verdict. */
	assert_ptr_equal(strchr(resp, '\n'), resp + strlen(resp) - 4);
	free(resp);

	/* Both families, any order of the optional words. */
	expect(s, "force-down fra",
	       "fra: override force-down, effective down, share 0.00\nok\n");
	resp = ask(s, "explain 198.18.1.0/24 cdn.example.net json");
	assert_non_null(strstr(resp, "{\"edge\": \"fra\", \"km\": -1, "
	                             "\"tier\": 1, \"weight\": 1, \"share\": "
	                             "0.0000, \"in_share\": true, "
	                             "\"probed\": \"unknown\", \"override\": "
	                             "\"force-down\", \"effective\": "
	                             "\"down\""));
	assert_non_null(strstr(resp, "\"A\": {\"rcode\": \"NOERROR\", "
	                             "\"all_down\": false, \"edges\": "
	                             "[\"lhr\"]}"));
	assert_non_null(strstr(resp, "\"AAAA\": {\"rcode\": \"NOERROR\", "
	                             "\"all_down\": false, \"edges\": "
	                             "[\"lhr\"]}"));
	free(resp);
}

static void
explain_errors(void **state)
{
	struct server *s = *state;

	expect(s, "explain nonsense cdn.example.net",
	       "error: nonsense: expected ADDRESS or ADDRESS/PREFIX\n");
	expect(s, "explain 81.2.69.0/33 cdn.example.net",
	       "error: 81.2.69.0/33: expected ADDRESS or ADDRESS/PREFIX\n");
	expect(s, "explain 81.2.69.0/24 www.example.net",
	       "error: www.example.net: no such geo name\n");
	expect(s, "explain 81.2.69.0/24 cdn.example.org",
	       "error: cdn.example.org: no such geo name\n");
	expect(s, "explain 81.2.69.0/24 cdn.example.net MX",
	       "error: MX: expected A or AAAA\n");
}

/* ---- reload -------------------------------------------------------------- */

static void
reload_ok(void **state)
{
	struct server *s = *state;
	const struct serving *before = server_serving(s);

	expect(s, "drain lhr",
	       "lhr: override drain, effective down, share 0.00\nok\n");
	/* A new record in the zone. */
	write_file("z.yaml", "zone: example.net\n"
	                     "records:\n"
	                     "  \"@\":\n"
	                     "    SOA: ns hostmaster 2 2h 1h 2w 5m\n"
	                     "    NS: ns\n"
	                     "  ns: {A: 192.0.2.1}\n"
	                     "  www: {A: 192.0.2.80}\n"
	                     "  ftp: {A: 192.0.2.81}\n"
	                     "geo:\n"
	                     "  cdn: {default: [iad]}\n");
	before = server_serving(s);
	expect(s, "reload", "ok\n");
	const struct serving *after = server_serving(s);
	assert_ptr_not_equal(after, before);
	assert_int_equal(after->snap->generation, 2);
	char *resp = ask(s, "status");
	assert_string_equal(line_of(resp, "records:"), "records: 5");
	free(resp);
	/* The same edges: the drain holds. */
	assert_string_equal(served(s), "011");
}

static void
reload_failure(void **state)
{
	struct server *s = *state;

	expect(s, "drain lhr",
	       "lhr: override drain, effective down, share 0.00\nok\n");
	const struct serving *before = server_serving(s);
	/* Two errors in the zone: a bad address, an unknown edge. */
	write_file("z.yaml", "zone: example.net\n"
	                     "records:\n"
	                     "  \"@\":\n"
	                     "    SOA: ns hostmaster 1 2h 1h 2w 5m\n"
	                     "    NS: ns\n"
	                     "  ns: {A: 192.0.2.1}\n"
	                     "  www: {A: 192.0.2.300}\n"
	                     "geo:\n"
	                     "  cdn: {default: [nowhere]}\n");
	char *resp = ask(s, "reload");
	/* The reasons first, one per line, each where it is; the last line
	 * is the verdict. */
	char where[300];
	snprintf(where, sizeof(where), "%s:7:", path_of("z.yaml"));
	const char *first = resp;
	assert_true(strncmp(first, where, strlen(where)) == 0);
	const char *second = strchr(first, '\n') + 1;
	snprintf(where, sizeof(where), "%s:9:", path_of("z.yaml"));
	assert_true(strncmp(second, where, strlen(where)) == 0);
	assert_non_null(strstr(second, "no edge called \"nowhere\""));
	assert_string_equal(strchr(second, '\n') + 1, "error: reload failed\n");
	free(resp);
	/* The old serving is kept, with its health. */
	assert_ptr_equal(server_serving(s), before);
	assert_int_equal(server_serving(s)->snap->generation, 1);
	assert_string_equal(served(s), "011");

	/* A broken server configuration fails the same way. */
	write_file("z.yaml", zone);
	write_file("dnsd.yaml", "server: {listen: 127.0.0.1:5353}\n"
	                        "zones: [z.yaml]\n"
	                        "tpyo: 1\n");
	resp = ask(s, "reload");
	assert_true(strncmp(resp, path_of("dnsd.yaml"),
	                    strlen(path_of("dnsd.yaml"))) == 0);
	assert_string_equal(last_line(resp), "error: reload failed");
	free(resp);
	assert_ptr_equal(server_serving(s), before);

	/* Fixed: the next generation after the one served. */
	write_file("dnsd.yaml", conf);
	expect(s, "reload", "ok\n");
	assert_int_equal(server_serving(s)->snap->generation, 2);
	assert_string_equal(served(s), "011");
}

/*
 * The reload defect the restructuring fixes: edges reordered (and one
 * added) by a reload keep their overrides by name, at their new index of
 * the serving published with the new snapshot.
 */
static void
reload_reorders_edges(void **state)
{
	struct server *s = *state;
	char text[256];

	expect(s, "drain fra",
	       "fra: override drain, effective down, share 0.00\nok\n");
	assert_string_equal(served(s), "101");
	assert_int_equal(served_index(s, "fra"), 1);

	write_file("edges.yaml",
	           "edges:\n"
	           "  iad: {location: [38.95, -77.45], addresses: "
	           "198.51.100.21}\n"
	           "  singapore-west: {location: [1.36, 103.99],\n"
	           "                   addresses: 203.0.113.41}\n"
	           "  fra: {location: [50.03, 8.57],\n"
	           "        addresses: [192.0.2.12, \"2001:db8:12::1\"]}\n"
	           "  lhr: {location: [51.47, -0.45],\n"
	           "        addresses: [192.0.2.11, \"2001:db8:11::1\"]}\n");
	expect(s, "reload", "ok\n");
	const struct serving *sv = server_serving(s);
	assert_int_equal(sv->snap->generation, 2);
	assert_int_equal(served_index(s, "fra"), 2);
	/* iad, singapore-west (new), fra (still drained), lhr */
	assert_string_equal(served(s), "1101");

	/* The table shows the new order, and the drain on fra. */
	char *resp = ask(s, "edges");
	assert_true(strstr(resp, "\niad ") < strstr(resp, "\nsingapore-west "));
	assert_true(strstr(resp, "\nsingapore-west ") < strstr(resp, "\nfra "));
	assert_true(strstr(resp, "\nfra ") < strstr(resp, "\nlhr "));
	struct row r;
	find_row(resp, "fra", &r);
	assert_string_equal(r.override, "drain");
	assert_string_equal(r.effective, "down");
	/* The name column is as wide as the longest name. */
	assert_non_null(strstr(resp, "\nNAME            PROBED   OVERRIDE"));
	assert_non_null(strstr(resp, "\nfra             unknown  drain"));
	free(resp);

	/* What answers use: the override network goes to lhr, not to the
	 * drained fra. */
	resp = ask(s, "explain 198.18.1.0/24 cdn.example.net A");
	assert_string_equal(line_of(resp, "  A "),
	                    "  A         192.0.2.11 (lhr)");
	free(resp);
	resp = ask(s, "status");
	assert_string_equal(line_of(resp, "edges:"), "edges: 4, 3 usable");
	free(resp);
	slurp(path_of("state"), text, sizeof(text));
	assert_non_null(strstr(text, "fra drain\n"));

	/* Overrides set after the reload land on the new indices. */
	expect(s, "force-down singapore-west",
	       "singapore-west: override force-down, effective down, share "
	       "0.00\nok\n");
	assert_string_equal(served(s), "1001");
}

/* An edge that leaves with a reload keeps its override for when it comes
 * back; the probes' reports follow names too. */
static void
reload_edge_leaves_and_returns(void **state)
{
	static const char two[] =
	    "edges:\n"
	    "  iad: {location: [38.95, -77.45], addresses: 198.51.100.21}\n"
	    "  fra: {location: [50.03, 8.57], addresses: 192.0.2.12}\n";
	static const char back[] =
	    "edges:\n"
	    "  iad: {location: [38.95, -77.45], addresses: 198.51.100.21}\n"
	    "  lhr: {location: [51.47, -0.45], addresses: 192.0.2.11}\n"
	    "  fra: {location: [50.03, 8.57], addresses: 192.0.2.12}\n";
	struct server *s = *state;
	char text[256];

	/* The zone's override names lhr: one without it. */
	write_file("z.yaml", "zone: example.net\n"
	                     "records:\n"
	                     "  \"@\":\n"
	                     "    SOA: ns hostmaster 1 2h 1h 2w 5m\n"
	                     "    NS: ns\n"
	                     "  ns: {A: 192.0.2.1}\n"
	                     "geo:\n"
	                     "  cdn: {default: [iad]}\n");
	expect(s, "force-down lhr",
	       "lhr: override force-down, effective down, share 0.00\nok\n");
	report(s, "iad down");
	assert_string_equal(served(s), "010");

	write_file("edges.yaml", two);
	expect(s, "reload", "ok\n");
	assert_string_equal(served(s), "01"); /* iad still reported down */
	expect(s, "auto lhr", "error: no such edge \"lhr\"\n");
	slurp(path_of("state"), text, sizeof(text));
	assert_non_null(strstr(text, "lhr force-down\n"));

	write_file("edges.yaml", back);
	expect(s, "reload", "ok\n");
	assert_int_equal(server_serving(s)->snap->generation, 3);
	assert_int_equal(served_index(s, "lhr"), 1);
	assert_string_equal(served(s), "001");
	expect(s, "auto lhr",
	       "lhr: override auto, effective up, share 1.00\nok\n");
	assert_string_equal(served(s), "011");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(edges_table),
	    T(drain_and_auto),
	    T(force_up_and_down),
	    T(unknown_edge),
	    T(state_file_unwritable),
	    T(no_edges),
	    T(unknown_command),
	    T(usage_errors),
	    T(status_lines),
	    T(stats_keys),
	    T(explain_text),
	    T(explain_json),
	    T(explain_errors),
	    T(reload_ok),
	    T(reload_failure),
	    T(reload_reorders_edges),
	    T(reload_edge_leaves_and_returns),
	};
#undef T

	log_init("test_commands", true, LOG_CRIT);
	return cmocka_run_group_tests_name("commands", tests, group_setup,
	                                   group_teardown);
}
