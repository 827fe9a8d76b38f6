/* SPDX-License-Identifier: MIT */
/* dnsd/commands.c: what dnsdctl can ask a running server. */
#include "dnsd/commands.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>

#include "common/compiler.h"
#include "common/errbuf.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "common/ycfg.h"
#include "dnsd/conf.h"
#include "dnsd/control.h"
#include "dnsd/explain.h"
#include "dnsd/health.h"
#include "dnsd/health_feed.h"
#include "dnsd/server.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "dnsd/whatif.h"
#include "dnsd/zone_sign.h"
#include "dnsd/zonedb.h"

/* "2024-05-01T12:00:00Z", or "-" for 0 (never). */
static void
iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "-");
}

/* "probers: 3, 2 voting, 1 isolated, 0 stale" */
static void
probers_line(const struct server *s, struct evbuffer *out)
{
	struct prober_info v[PROBERS_MAX];
	size_t n = health_probers(server_health(s), v, PROBERS_MAX);
	size_t voting = 0, isolated = 0, stale = 0;

	n = n < PROBERS_MAX ? n : PROBERS_MAX;
	for (size_t i = 0; i < n; i++) {
		voting += v[i].votes;
		isolated += v[i].fresh && v[i].isolated;
		stale += !v[i].fresh;
	}
	evbuffer_add_printf(out,
	                    "probers: %zu, %zu voting, %zu isolated, %zu "
	                    "stale\n",
	                    n, voting, isolated, stale);
}

/* Every edge of what is served; returns new (free()), *n of them. */
static struct health_edge_info *
list_edges(const struct server *s, size_t *n)
{
	const struct health *h = server_health(s);
	size_t want = health_list(h, NULL, 0);
	struct health_edge_info *v = xcalloc(want + 1, sizeof(*v));

	*n = health_list(h, v, want);
	return v;
}

/* One line on the feed from edge-health: its age decides staleness. */
static void
feed_line(const struct server *s, struct evbuffer *out)
{
	const struct health_feed *f = server_feed(s);
	struct health_feed_stats fs = {0};
	char when[32];

	if (f != NULL)
		health_feed_stats(f, &fs);
	if (fs.last_message == 0) {
		evbuffer_add_printf(out, "feed: no message yet, %s",
		                    fs.stale ? "stale" : "fresh");
	} else {
		time_t now = time(NULL);
		long long age = now > fs.last_message
		                    ? (long long)(now - fs.last_message)
		                    : 0;
		iso_time(fs.last_message, when, sizeof(when));
		evbuffer_add_printf(out,
		                    "feed: last message %llds ago (%s), %s",
		                    age, when, fs.stale ? "stale" : "fresh");
	}
	evbuffer_add_printf(out,
	                    "; accepted %" PRIu64 ", dropped %" PRIu64
	                    " old, %" PRIu64 " bad, %" PRIu64 " auth",
	                    fs.accepted, fs.dropped_old, fs.dropped_bad,
	                    fs.dropped_auth);
	if (fs.dropped_probers > 0)
		evbuffer_add_printf(out, ", %" PRIu64 " over %d probers",
		                    fs.dropped_probers, PROBERS_MAX);
	evbuffer_add_printf(out, "\n");
}

static void
cmd_edges(struct server *s, const struct control_request *req,
          struct evbuffer *out)
{
	size_t n;
	struct health_edge_info *v = list_edges(s, &n);
	int w = (int)strlen("NAME");
	char rep[32], chg[32];

	(void)req;
	for (size_t i = 0; i < n; i++) {
		int l = (int)strnlen(v[i].name, sizeof(v[i].name));
		if (l > w)
			w = l;
	}
	feed_line(s, out);
	/* Fixed columns: scripts may split on blanks, people may read it. */
	evbuffer_add_printf(out,
	                    "%-*s  %-7s  %-10s  %-9s  %-6s  %-5s  %-5s  "
	                    "%-20s  %-20s  %-10s  %s\n",
	                    w, "NAME", "PROBED", "OVERRIDE", "EFFECTIVE",
	                    "WEIGHT", "SHARE", "LOAD", "LAST_REPORT",
	                    "LAST_CHANGE", "STEERING", "VOTES");
	for (size_t i = 0; i < n; i++) {
		char weight[8], load[16], votes[32];
		iso_time(v[i].last_report, rep, sizeof(rep));
		iso_time(v[i].last_change, chg, sizeof(chg));
		/* A weight the edge reported is marked: it wins over the
		 * configured one while it is fresh. */
		snprintf(weight, sizeof(weight), "%u%s", v[i].weight,
		         v[i].weight_reported ? "*" : "");
		if (v[i].load >= 0)
			snprintf(load, sizeof(load), "%.2f", v[i].load);
		else
			snprintf(load, sizeof(load), "-");
		/* The probers behind PROBED: "2/3 down" (last: it has a
		 * blank). */
		if (v[i].voters > 0)
			snprintf(votes, sizeof(votes), "%u/%u down", v[i].down,
			         v[i].voters);
		else
			snprintf(votes, sizeof(votes), "-");
		evbuffer_add_printf(
		    out,
		    "%-*.*s  %-7s  %-10s  %-9s  %-6s  %-5.2f  %-5s  %-20s  "
		    "%-20s  %-10s  %s\n",
		    w, (int)sizeof(v[i].name), v[i].name,
		    health_probed_name(v[i].probed),
		    health_override_name(v[i].override),
		    v[i].usable ? "up" : "down", weight, v[i].share, load, rep,
		    chg, v[i].why[0] ? v[i].why : "-", votes);
	}
	free(v);
	control_reply_ok(out);
}

/* Every prober that fed this dnsd: whether its votes count, and why
 * not (stale, isolated). */
static void
cmd_probers(struct server *s, const struct control_request *req,
            struct evbuffer *out)
{
	const struct health *h = server_health(s);
	struct prober_info v[PROBERS_MAX];
	size_t n = health_probers(h, v, PROBERS_MAX);
	int w = (int)strlen("PROBER");
	char when[32];

	(void)req;
	n = n < PROBERS_MAX ? n : PROBERS_MAX;
	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(v[i].name);
		w = l > w ? l : w;
	}
	feed_line(s, out);
	evbuffer_add_printf(out,
	                    "%-*s  %-8s  %-5s  %-6s  %-6s  %-20s  %-8s  %-10s  "
	                    "%s\n",
	                    w, "PROBER", "STATE", "VOTES", "EDGES", "DOWN",
	                    "LAST_MESSAGE", "AGE", "ISOLATIONS", "BOOT");
	for (size_t i = 0; i < n; i++) {
		const struct prober_info *p = &v[i];
		const char *state = !p->fresh     ? "stale"
		                    : p->isolated ? "isolated"
		                                  : "fresh";
		char age[16];
		iso_time(p->last_message, when, sizeof(when));
		snprintf(age, sizeof(age), "%.1fs", (double)p->idle_ms / 1000);
		evbuffer_add_printf(
		    out,
		    "%-*s  %-8s  %-5s  %-6u  %-6u  %-20s  %-8s  %-10" PRIu64
		    "  %016" PRIx64 "\n",
		    w, p->name, state, p->votes ? "yes" : "no", p->edges,
		    p->down, when, age, p->isolations, p->boot);
	}
	control_reply_ok(out);
}

/*
 * drain, force-down, force-up, auto: the word is the override's name;
 * drain NAME --over DURATION drains in a straight line over DURATION.
 */
static void
cmd_override(struct server *s, const struct control_request *req,
             struct evbuffer *out)
{
	const char *name = req->word[1];
	enum health_override o = HEALTH_AUTO;
	uint64_t over = 0;
	int rc;

	(void)health_override_parse(req->word[0], &o); /* in the table */
	if (req->nword > 2 &&
	    (o != HEALTH_DRAIN || req->nword != 4 ||
	     strcmp(req->word[2], "--over") != 0 ||
	     ycfg_parse_duration(req->word[3], &over) == -1 || over == 0)) {
		control_reply_error(out, "usage: drain NAME [--over DURATION] "
		                         "(e.g. --over 10m)");
		return;
	}
	/* Operator actions are logged with who asked (once). */
	log_notice("control: %s %s%s%s (uid %u, pid %d)", req->word[0], name,
	           over ? " --over " : "", over ? req->word[3] : "",
	           (unsigned)req->uid, (int)req->pid);
	if (over > 0)
		rc = health_drain_over(server_health(s), name, over);
	else
		rc = health_set_override(server_health(s), name, o);
	if (rc == -1) {
		control_reply_error(out, "no such edge \"%s\"", name);
		return;
	}
	size_t n;
	struct health_edge_info *v = list_edges(s, &n);
	const struct health_edge_info *e = NULL;
	for (size_t i = 0; i < n && e == NULL; i++)
		if (strcmp(v[i].name, name) == 0)
			e = &v[i];
	if (e == NULL) {
		control_reply_error(out, "edge \"%s\" went away", name);
	} else if (rc == 0) {
		evbuffer_add_printf(out,
		                    "%s: override %s, effective %s, share "
		                    "%.2f%s%s\n",
		                    e->name, health_override_name(e->override),
		                    e->usable ? "up" : "down", e->share,
		                    e->why[0] ? " " : "", e->why);
		control_reply_ok(out);
	} else {
		control_reply_error(
		    out,
		    "%s: override %s is in effect but the state file could "
		    "not be written (see the server log): it will not survive "
		    "a restart",
		    e->name, health_override_name(e->override));
	}
	free(v);
}

static void
cmd_reload(struct server *s, const struct control_request *req,
           struct evbuffer *out)
{
	struct errbuf err;

	log_notice("control: reload (uid %u, pid %d)", (unsigned)req->uid,
	           (int)req->pid);
	errbuf_init(&err);
	if (server_reload(s, &err) == 0) {
		control_reply_ok(out);
	} else {
		/* The reasons first; the last line must stay the verdict. */
		const char *text = errbuf_text(&err);
		size_t len = strlen(text);
		if (len > 0) {
			evbuffer_add(out, text, len);
			if (text[len - 1] != '\n')
				evbuffer_add_printf(out, "\n");
		}
		control_reply_error(out, "reload failed");
	}
	errbuf_fini(&err);
}

static void
cmd_status(struct server *s, const struct control_request *req,
           struct evbuffer *out)
{
	const struct snapshot *snap = server_serving(s)->snap;
	struct server_info si;
	size_t records = 0, usable = 0, n;
	char when[32];

	(void)req;
	server_info(s, &si);
	for (size_t i = 0; i < snap->db->nzones; i++)
		records += snap->db->zones[i].nrecords;
	evbuffer_add_printf(out, "version: %s\n", DNSD_VERSION);
	evbuffer_add_printf(
	    out, "uptime: %llds\n",
	    si.started != 0 ? (long long)(time(NULL) - si.started) : 0);
	evbuffer_add_printf(out, "generation: %u\n", snap->generation);
	iso_time(snap->loaded, when, sizeof(when));
	evbuffer_add_printf(out, "loaded: %s\n", when);
	if (snap->geo_db[0] != '\0')
		evbuffer_add_printf(out, "geo database: %s (%s)\n",
		                    snap->conf->geo_database, snap->geo_db);
	evbuffer_add_printf(out, "zones: %zu\n", snap->db->nzones);
	evbuffer_add_printf(out, "records: %zu\n", records);
	evbuffer_add_printf(out, "geo names: %zu\n", snap->db->ngeo);
	evbuffer_add_printf(out, "workers: %u\n", si.workers);
	struct health_edge_info *v = list_edges(s, &n);
	for (size_t i = 0; i < n; i++)
		usable += v[i].usable;
	free(v);
	evbuffer_add_printf(out, "edges: %zu, %zu usable\n", n, usable);
	probers_line(s, out);
	feed_line(s, out);
	control_reply_ok(out);
}

static void
stat_line(const struct stats_item *it, void *arg)
{
	if (it->key != NULL)
		evbuffer_add_printf(arg, "%s %" PRIu64 "\n", it->key, it->n);
}

static void
cmd_stats(struct server *s, const struct control_request *req,
          struct evbuffer *out)
{
	struct dnsd_stats *sum = xcalloc(1, sizeof(*sum)); /* geo: big */
	struct server_info si;

	(void)req;
	server_stats(s, sum);
	stats_each(sum, stat_line, out);
	server_info(s, &si);
	evbuffer_add_printf(
	    out, "reloads %" PRIu64 "\nreload_failures %" PRIu64 "\n",
	    si.reloads, si.reload_failures);
	free(sum);
	control_reply_ok(out);
}

/* explain CLIENT NAME [TYPE] [json] */
static void
cmd_explain(struct server *s, const struct control_request *req,
            struct evbuffer *out)
{
	const char *type = NULL;
	bool json = false;
	char why[256];
	size_t n;

	for (int i = 3; i < req->nword; i++) {
		if (strcmp(req->word[i], "json") == 0)
			json = true;
		else
			type = req->word[i];
	}
	struct health_edge_info *v = list_edges(s, &n);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc = -1;
	if (f != NULL) {
		rc = explain_write(f, server_serving(s), v, n, req->word[1],
		                   req->word[2], type, json, why, sizeof(why));
		fclose(f);
	} else {
		snprintf(why, sizeof(why), "out of memory");
	}
	if (rc == 0) {
		evbuffer_add(out, text, len);
		control_reply_ok(out);
	} else {
		control_reply_error(out, "%s", why);
	}
	free(text);
	free(v);
}

/*
 * simulate down|drain EDGE, simulate share EDGE FRACTION [json]: where the
 * clients the edge answers now would go, replayed from the clients the
 * answering threads sampled under what is served (whatif.h).
 */
static void
cmd_simulate(struct server *s, const struct control_request *req,
             struct evbuffer *out)
{
	const struct serving *sv = server_serving(s);
	struct whatif_change chg;
	int nargs = req->nword - 1;
	char why[256];

	/* "json" last, beyond the words of the change (an edge may be
	 * called json). */
	bool json = strcmp(req->word[req->nword - 1], "json") == 0 &&
	            nargs > (strcmp(req->word[1], "share") == 0 ? 3 : 2);
	if (json)
		nargs--;
	if (whatif_parse(sv, req->word + 1, nargs, &chg, why, sizeof(why)) ==
	    -1) {
		control_reply_error(out, "%s", why);
		return;
	}
	if (sv->snap->conf->sample == 0) {
		control_reply_error(out, "no clients are sampled (server: "
		                         "sample: 0 in the configuration)");
		return;
	}
	size_t n;
	struct sample_entry *v = server_samples(s, &n);
	struct whatif *w = whatif_new(sv, &chg);
	whatif_add_samples(w, v, n);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f != NULL) {
		whatif_write(w, f, "sampled clients", 1, json);
		fclose(f);
		evbuffer_add(out, text, len);
		control_reply_ok(out);
	} else {
		control_reply_error(out, "out of memory");
	}
	free(text);
	whatif_free(w);
	free(v);
}

/* The zone named `name` ("example.net", a final dot allowed), or NULL. */
static const struct zone *
zone_named(const struct zonedb *db, const char *name)
{
	size_t len = strlen(name);

	if (len > 1 && name[len - 1] == '.')
		len--;
	for (size_t i = 0; i < db->nzones; i++)
		if (strlen(db->zones[i].name) == len &&
		    strncasecmp(db->zones[i].name, name, len) == 0)
			return &db->zones[i];
	return NULL;
}

static const char *const key_states[] = {"publish", "active", "retire"};

/*
 * dnssec ZONE: the zone's keys, their roles and states, when its
 * signatures were made and are made again, and the DS records to give
 * the parent (the keys at the parent: zone_keys_at_parent()).
 */
static void
cmd_dnssec(struct server *s, const struct control_request *req,
           struct evbuffer *out)
{
	const struct snapshot *snap = server_serving(s)->snap;
	const struct zone *z = zone_named(snap->db, req->word[1]);
	char when[32];

	if (z == NULL) {
		control_reply_error(out, "no zone \"%s\"", req->word[1]);
		return;
	}
	const struct zone_keys *keys = z->keys;
	if (keys == NULL) {
		control_reply_error(out, "zone %s is not signed", z->name);
		return;
	}
	evbuffer_add_printf(out, "zone: %s\n", z->name);
	iso_time((time_t)keys->inception, when, sizeof(when));
	evbuffer_add_printf(out, "signatures: valid from %s", when);
	iso_time((time_t)keys->expiration, when, sizeof(when));
	evbuffer_add_printf(out, " to %s", when);
	iso_time(snap->resign_at, when, sizeof(when));
	evbuffer_add_printf(out, ", signed again at %s\n", when);
	evbuffer_add_printf(out,
	                    "geo answers signed at load: %" PRIu32
	                    ", pinned in the signature cache: %" PRIu32 "\n",
	                    keys->presigned, keys->pinned);
	for (size_t i = 0; i < keys->n; i++) {
		const struct dnssec_key *k = &keys->key[i];
		evbuffer_add_printf(
		    out,
		    "key %u: algorithm %u, flags %u, %s, %s, %s, file %s\n",
		    k->tag, k->algorithm, k->flags, zone_keys_role(keys, i),
		    key_states[k->state],
		    zone_keys_at_parent(keys, i) ? "at the parent"
		                                 : "not at the parent",
		    k->path);
	}
	for (size_t i = 0; i < keys->n; i++) {
		uint8_t ds[DS_RDATA_LEN];
		if (!zone_keys_at_parent(keys, i) ||
		    dnssec_key_ds(&keys->key[i], z->apex, z->apexlen, ds) == -1)
			continue;
		evbuffer_add_printf(out, "ds: %s. IN DS %u %u %u ", z->name,
		                    (unsigned)ds[0] << 8 | ds[1], ds[2], ds[3]);
		for (size_t b = 4; b < sizeof(ds); b++)
			evbuffer_add_printf(out, "%02X", ds[b]);
		evbuffer_add_printf(out, "\n");
	}
	control_reply_ok(out);
}

static const struct command {
	const char *name;
	int args_min, args_max; /* words after the command */
	const char *args;       /* for the usage error */
	void (*fn)(struct server *s, const struct control_request *req,
	           struct evbuffer *out);
} commands[] = {
    {"edges", 0, 0, "", cmd_edges},
    {"probers", 0, 0, "", cmd_probers},
    {"drain", 1, 3, " NAME [--over DURATION]", cmd_override},
    {"force-down", 1, 1, " NAME", cmd_override},
    {"force-up", 1, 1, " NAME", cmd_override},
    {"auto", 1, 1, " NAME", cmd_override},
    {"reload", 0, 0, "", cmd_reload},
    {"status", 0, 0, "", cmd_status},
    {"stats", 0, 0, "", cmd_stats},
    {"explain", 2, 4, " CLIENT NAME [A|AAAA] [json]", cmd_explain},
    {"simulate", 2, 4, " down|drain EDGE | simulate share EDGE FRACTION",
     cmd_simulate},
    {"dnssec", 1, 1, " ZONE", cmd_dnssec},
};

void
commands_handle(void *arg, const struct control_request *req,
                struct evbuffer *out)
{
	const struct command *cmd = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(commands) && cmd == NULL; i++)
		if (strcmp(req->word[0], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		char list[256];
		size_t o = 0;
		for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
			o +=
			    (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
			                     i ? ", " : "", commands[i].name);
		control_reply_error(out,
		                    "unknown command \"%s\" (commands: %s)",
		                    req->word[0], list);
		return;
	}
	int nargs = req->nword - 1;
	if (nargs < cmd->args_min || nargs > cmd->args_max) {
		control_reply_error(out, "usage: %s%s", cmd->name, cmd->args);
		return;
	}
	cmd->fn(arg, req, out);
}
