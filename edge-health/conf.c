/* SPDX-License-Identifier: MIT */
/* edge-health/conf.c: zones/edge-health.yaml -> struct eh_conf. */
#include "edge-health/conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "common/hmsg.h"
#include "common/netaddr.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "common/ycfg.h"
#include "edge-health/conf_parts.h"

/* Defaults in one place; `defaults:` in the file overrides them. */
static const struct eh_timing timing_defaults = {
    .interval_ms = EH_INTERVAL_MS,
    .timeout_ms = EH_TIMEOUT_MS,
    .fall = EH_FALL,
    .rise = EH_RISE,
    .jitter_pct = EH_JITTER_PCT,
};

struct conf_top {
	char *edges;
	yaml_node_t *defaults;
	yaml_node_t *checks;
	yaml_node_t *feeds;
	char *state_file;
	char *user;
	bool allow_root;
	char *metrics;
	char *prober;
	yaml_node_t *anycast;
};

static const struct ycfg_key top_keys[] = {
    /* edges and checks: required unless `anycast` is set */
    {"edges", YCFG_STR, offsetof(struct conf_top, edges)},
    {"defaults", YCFG_NODE, offsetof(struct conf_top, defaults)},
    {"checks", YCFG_NODE, offsetof(struct conf_top, checks)},
    {"feeds", YCFG_NODE, offsetof(struct conf_top, feeds)},
    {"state_file", YCFG_STR, offsetof(struct conf_top, state_file)},
    {"user", YCFG_STR, offsetof(struct conf_top, user)},
    {"allow_root", YCFG_BOOL, offsetof(struct conf_top, allow_root)},
    {"metrics", YCFG_STR, offsetof(struct conf_top, metrics)},
    {"prober", YCFG_STR, offsetof(struct conf_top, prober)},
    {"anycast", YCFG_NODE, offsetof(struct conf_top, anycast)},
    YCFG_END,
};

/* Timing keys, shared by `defaults` and per-edge overrides: a round's,
 * and the jitter between rounds. */
#define TIMING_KEYS(type, base)                                                \
	EH_ROUND_KEYS(type, base),                                             \
	{                                                                      \
		"jitter", YCFG_UINT, offsetof(type, base.jitter_pct),          \
		    .min = 0, .max = 50                                        \
	}

struct conf_defaults {
	struct eh_timing t;
};

static const struct ycfg_key defaults_keys[] = {
    TIMING_KEYS(struct conf_defaults, t),
    YCFG_END,
};

/* The mapping form of an edge: timing overrides plus `checks`. */
struct conf_edge {
	struct eh_timing t;
	yaml_node_t *checks;
};

static const struct ycfg_key edge_keys[] = {
    TIMING_KEYS(struct conf_edge, t),
    {"checks", YCFG_NODE, offsetof(struct conf_edge, checks), .req = true},
    YCFG_END,
};

struct conf_feed {
	char *unix_path;
	char *udp;
	char *key_file;
};

static const struct ycfg_key feed_keys[] = {
    {"unix", YCFG_STR, offsetof(struct conf_feed, unix_path)},
    {"udp", YCFG_STR, offsetof(struct conf_feed, udp)},
    {"key_file", YCFG_STR, offsetof(struct conf_feed, key_file)},
    YCFG_END,
};

static void
load_check(const struct ycfg_doc *doc, const struct edge *e,
           const yaml_node_t *node, struct eh_edge *out, struct errbuf *err)
{
	char what[EDGE_NAME_MAX + 16];
	struct eh_check ck;

	snprintf(what, sizeof(what), "checks: %s", e->name);
	if (eh_check_load(doc, node, what, e->name, &ck, err) == -1)
		return;
	out->check =
	    xreallocarray(out->check, out->ncheck + 1, sizeof(*out->check));
	out->check[out->ncheck++] = ck;
}

static void
load_edge(const struct ycfg_doc *doc, const struct eh_conf *conf,
          const struct edge *e, const yaml_node_t *node, struct eh_conf *out,
          struct errbuf *err)
{
	struct conf_edge ce = {.t = conf->defaults};
	const yaml_node_t *list = node;
	char what[EDGE_NAME_MAX + 16];

	snprintf(what, sizeof(what), "checks: %s", e->name);
	/* Two forms: a list of checks, or a mapping with timing overrides
	 * and `checks`: the short form covers the common case. */
	if (ycfg_is_map(node)) {
		ycfg_walk(doc, node, what, edge_keys, &ce, err);
		list = ce.checks;
		if (list == NULL)
			return;
	}
	if (!ycfg_is_seq(list)) {
		ycfg_error(doc, list, err, "%s: expected a list of checks",
		           what);
		return;
	}
	/* Only where this edge changed the timing: a bad `defaults` is
	 * reported once, there. */
	bool own = ce.t.timeout_ms != conf->defaults.timeout_ms ||
	           ce.t.interval_ms != conf->defaults.interval_ms;
	if (own)
		eh_timing_check(doc, node, what, &ce.t, err);

	struct eh_edge ed = {.t = ce.t};
	snprintf(ed.name, sizeof(ed.name), "%s", e->name);
	size_t i = 0;
	yaml_node_t *item;
	while (ycfg_seq_next(doc, list, &i, &item))
		load_check(doc, e, item, &ed, err);
	if (ed.ncheck == 0 && i == 0)
		ycfg_error(doc, list, err, "%s: no checks", what);
	out->edge =
	    xreallocarray(out->edge, out->nedge + 1, sizeof(*out->edge));
	out->edge[out->nedge++] = ed;
}

static void
load_feed(const struct ycfg_doc *doc, const char *path, const yaml_node_t *node,
          struct eh_conf *out, struct errbuf *err)
{
	struct conf_feed cf = {0};
	struct eh_feed f = {0};
	unsigned errors0 = err->count;

	if (!ycfg_is_map(node)) {
		ycfg_error(doc, node, err,
		           "feeds: a feed is a mapping: {unix: PATH} or "
		           "{udp: ADDR:PORT, key_file: PATH}");
		return;
	}
	ycfg_walk(doc, node, "feeds", feed_keys, &cf, err);
	if ((cf.unix_path != NULL) == (cf.udp != NULL)) {
		ycfg_error(doc, node, err,
		           "feeds: give exactly one of unix and udp");
	} else if (cf.unix_path != NULL) {
		char *p = path_relative(path, cf.unix_path);
		struct sockaddr_un *sun = (struct sockaddr_un *)&f.addr;
		f.kind = EH_FEED_UNIX;
		if (strlen(p) >= sizeof(sun->sun_path)) {
			ycfg_error(doc, node, err,
			           "feeds: unix: path longer than %zu bytes",
			           sizeof(sun->sun_path) - 1);
		} else {
			sun->sun_family = AF_UNIX;
			memcpy(sun->sun_path, p, strlen(p) + 1);
			f.addrlen = sizeof(*sun);
		}
		snprintf(f.text, sizeof(f.text), "unix:%s", p);
		free(p);
		if (cf.key_file != NULL)
			ycfg_error(doc, node, err,
			           "feeds: key_file: only for udp feeds");
	} else {
		struct netaddr a;
		f.kind = EH_FEED_UDP;
		if (netaddr_parse(cf.udp, 0, &a) == -1)
			ycfg_error(doc, node, err,
			           "feeds: udp: \"%s\" is not ADDR:PORT (use "
			           "[ADDR]:PORT for IPv6)",
			           cf.udp);
		memcpy(&f.addr, &a.ss, sizeof(f.addr));
		f.addrlen = a.len;
		snprintf(f.text, sizeof(f.text), "udp:%s", cf.udp);
		/* A key is required: anyone who can send UDP to dnsd could
		 * otherwise mark every edge down. */
		if (cf.key_file == NULL) {
			ycfg_error(doc, node, err,
			           "feeds: udp: key_file is required");
		} else {
			char *kp = path_relative(path, cf.key_file);
			const char *why = "";
			int n = hmsg_key_load(kp, f.key, &why);
			if (n < 0)
				ycfg_error(doc, node, err,
				           "feeds: key_file: %s: %s", kp, why);
			else
				f.keylen = (size_t)n;
			free(kp);
		}
	}
	free(cf.unix_path);
	free(cf.udp);
	free(cf.key_file);
	if (err->count != errors0)
		return;
	out->feed =
	    xreallocarray(out->feed, out->nfeed + 1, sizeof(*out->feed));
	out->feed[out->nfeed++] = f;
}

/* The prober's name: `prober`, or this host's name. */
static void
load_prober(const struct ycfg_doc *doc, const char *name, struct eh_conf *conf,
            struct errbuf *err)
{
	char host[256] = "";

	if (name == NULL) {
		if (gethostname(host, sizeof(host) - 1) == -1 ||
		    !hmsg_prober_valid(host, strlen(host))) {
			errbuf_add(err, ycfg_doc_file(doc), 0, 0,
			           "prober: the host name \"%s\" is no prober "
			           "name: set `prober`",
			           host);
			return;
		}
		name = host;
	} else if (!hmsg_prober_valid(name, strlen(name))) {
		ycfg_error(
		    doc, ycfg_map_value(doc, ycfg_doc_root(doc), "prober"), err,
		    "prober: \"%s\" is not a valid prober name (letters, "
		    "digits, '-', '_' and '.', at most %d)",
		    name, HMSG_PROBER_MAX - 1);
		return;
	}
	memcpy(conf->prober, name, strlen(name) + 1); /* valid: it fits */
}

void
eh_timing_check(const struct ycfg_doc *doc, const yaml_node_t *node,
                const char *what, const struct eh_timing *t, struct errbuf *err)
{
	if (t->timeout_ms > t->interval_ms)
		ycfg_error(
		    doc, node, err,
		    "%s: timeout (%u ms) is longer than interval (%u ms)", what,
		    t->timeout_ms, t->interval_ms);
}

struct eh_conf *
eh_conf_load(const char *path, struct errbuf *err)
{
	struct ycfg_doc *doc = ycfg_load_file(path, err);
	struct conf_top top = {0};
	struct edge_set *edges = NULL;
	unsigned errors0 = err->count;

	if (doc == NULL)
		return NULL;
	struct eh_conf *conf = xcalloc(1, sizeof(*conf));
	conf->path = xstrdup(path);
	conf->defaults = timing_defaults;

	/* Errors are collected in `err`; carry on to find them all. */
	ycfg_walk(doc, ycfg_doc_root(doc), "top level", top_keys, &top, err);
	if (top.defaults != NULL) {
		struct conf_defaults d = {.t = timing_defaults};
		if (ycfg_is_map(top.defaults))
			ycfg_walk(doc, top.defaults, "defaults", defaults_keys,
			          &d, err);
		else
			ycfg_error(doc, top.defaults, err,
			           "defaults: expected a mapping");
		conf->defaults = d.t;
		eh_timing_check(doc, top.defaults, "defaults", &d.t, err);
	}
	/* A POP's prober may do nothing but keep its anycast prefixes
	 * announced: then it needs no edges. */
	if (top.anycast != NULL)
		eh_anycast_load(doc, path, top.anycast, conf, err);
	else if (ycfg_is_map(ycfg_doc_root(doc)) && top.edges == NULL)
		ycfg_error(doc, ycfg_doc_root(doc), err,
		           "top level: missing required key \"edges\"");
	if (top.anycast == NULL && ycfg_is_map(ycfg_doc_root(doc)) &&
	    top.checks == NULL)
		ycfg_error(doc, ycfg_doc_root(doc), err,
		           "top level: missing required key \"checks\"");
	if (top.checks != NULL && top.edges == NULL && top.anycast != NULL)
		ycfg_error(doc, top.checks, err,
		           "checks: needs `edges`, the inventory");
	if (top.edges != NULL) {
		conf->edges_path = path_relative(path, top.edges);
		edges = edges_load(conf->edges_path, err);
	}
	if (top.checks != NULL && !ycfg_is_map(top.checks)) {
		ycfg_error(doc, top.checks, err,
		           "checks: expected a mapping of edge names");
	} else if (top.checks != NULL && edges != NULL &&
	           ycfg_map_check(doc, top.checks, "checks", err) == 0) {
		size_t i = 0;
		yaml_node_t *k, *v;
		while (ycfg_map_next(doc, top.checks, &i, &k, &v)) {
			const char *name = ycfg_scalar(k);
			int idx = name ? edges_find(edges, name) : -1;
			if (idx < 0) {
				ycfg_error(
				    doc, k, err,
				    "checks: unknown edge \"%s\" (not in "
				    "%s)",
				    name ? name : "", conf->edges_path);
				continue;
			}
			load_edge(doc, conf, &edges->edge[idx], v, conf, err);
		}
	}
	if (top.feeds != NULL) {
		size_t i = 0;
		yaml_node_t *item;
		if (!ycfg_is_seq(top.feeds))
			ycfg_error(doc, top.feeds, err,
			           "feeds: expected a list of feeds");
		else
			while (ycfg_seq_next(doc, top.feeds, &i, &item))
				load_feed(doc, path, item, conf, err);
	}
	if (conf->nedge > HMSG_EDGES_MAX)
		errbuf_add(err, path, 0, 0,
		           "checks: %zu edges, at most %d fit one feed message",
		           conf->nedge, HMSG_EDGES_MAX);
	if (top.state_file != NULL)
		conf->state_file = path_relative(path, top.state_file);
	conf->user = top.user; /* owned by conf now */
	conf->allow_root = top.allow_root;
	if (top.metrics != NULL) {
		if (netaddr_parse(top.metrics, 0, &conf->metrics_addr) == -1)
			ycfg_error(
			    doc,
			    ycfg_map_value(doc, ycfg_doc_root(doc), "metrics"),
			    err,
			    "metrics: \"%s\": expected ADDR:PORT or "
			    "[IPV6]:PORT",
			    top.metrics);
		conf->metrics = true;
	}
	load_prober(doc, top.prober, conf, err);
	free(top.prober);
	free(top.metrics);
	free(top.state_file);
	free(top.edges);
	edges_free(edges);
	ycfg_doc_free(doc);
	if (err->count != errors0) {
		eh_conf_free(conf);
		return NULL;
	}
	return conf;
}

void
eh_conf_free(struct eh_conf *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < conf->nedge; i++) {
		struct eh_edge *e = &conf->edge[i];
		for (size_t j = 0; j < e->ncheck; j++)
			eh_check_fini(&e->check[j]);
		free(e->check);
	}
	free(conf->edge);
	free(conf->feed);
	eh_anycast_free(conf->anycast);
	free(conf->edges_path);
	free(conf->state_file);
	free(conf->user);
	free(conf->path);
	free(conf);
}
