/* SPDX-License-Identifier: MIT */
/* dnsd/conf.c: the server configuration file (zones/dnsd.yaml). */
#include "dnsd/conf.h"

#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "common/netaddr.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "common/ycfg.h"
#include "dnsd/cidr.h"

/* Defaults in one place (gdnsd's cfg_defaults). */
static const struct dnsd_conf conf_defaults = {
    .workers = 1,
    .udp_payload = 1232, /* DNS flag day 2020: no IP fragmentation */
    .tcp_idle_timeout_ms = 10000,
    .tcp_max_clients = 256,
    .stale_after_ms = 30000,
    .sample = 16,
};

struct conf_top {
	yaml_node_t *server;
	struct ycfg_strlist zones;
	char *edges;
	char *geo_database;
	char *control;
	char *state_file;
	yaml_node_t *health;
	yaml_node_t *steering;
	yaml_node_t *metrics;
	yaml_node_t *cookies;
	yaml_node_t *rrl;
	char *user;
	bool allow_root;
	bool status_page;
};

struct conf_health {
	char *socket;
	yaml_node_t *udp;
	char *key_file;
	unsigned stale_after_ms;
	int stale_policy; /* index into stale_policies */
	yaml_node_t *down_when;
	yaml_node_t *isolation;
};

static const char *const stale_policies[] = {"up", "keep", NULL};

struct conf_server {
	struct ycfg_strlist listen;
	unsigned workers;
	unsigned udp_payload;
	unsigned tcp_idle_timeout_ms;
	unsigned tcp_max_clients;
	char *identity;
	char *version;
	unsigned query_log;
	unsigned sample;
};

static const struct ycfg_key top_keys[] = {
    {"server", YCFG_NODE, offsetof(struct conf_top, server), .req = true},
    {"zones", YCFG_STRLIST, offsetof(struct conf_top, zones), .req = true},
    {"edges", YCFG_STR, offsetof(struct conf_top, edges)},
    {"geo_database", YCFG_STR, offsetof(struct conf_top, geo_database)},
    {"control", YCFG_STR, offsetof(struct conf_top, control)},
    {"state_file", YCFG_STR, offsetof(struct conf_top, state_file)},
    {"health", YCFG_NODE, offsetof(struct conf_top, health)},
    {"steering", YCFG_NODE, offsetof(struct conf_top, steering)},
    {"metrics", YCFG_NODE, offsetof(struct conf_top, metrics)},
    {"cookies", YCFG_NODE, offsetof(struct conf_top, cookies)},
    {"rrl", YCFG_NODE, offsetof(struct conf_top, rrl)},
    {"user", YCFG_STR, offsetof(struct conf_top, user)},
    {"allow_root", YCFG_BOOL, offsetof(struct conf_top, allow_root)},
    {"status_page", YCFG_BOOL, offsetof(struct conf_top, status_page)},
    YCFG_END,
};

static const struct ycfg_key health_keys[] = {
    {"socket", YCFG_STR, offsetof(struct conf_health, socket)},
    {"udp", YCFG_NODE, offsetof(struct conf_health, udp)},
    {"key_file", YCFG_STR, offsetof(struct conf_health, key_file)},
    {"stale_after", YCFG_DURATION, offsetof(struct conf_health, stale_after_ms),
     .min = 1000, .max = 86400u * 1000},
    {"stale_policy", YCFG_ENUM, offsetof(struct conf_health, stale_policy),
     .enums = stale_policies},
    {"down_when", YCFG_NODE, offsetof(struct conf_health, down_when)},
    {"isolation", YCFG_NODE, offsetof(struct conf_health, isolation)},
    YCFG_END,
};

static const struct ycfg_key isolation_keys[] = {
    {"max_down", YCFG_FRACTION, offsetof(struct vote_conf, max_down)},
    YCFG_END,
};

/* health: down_when: all | majority | N, and isolation: {max_down}. */
static void
load_vote(const struct ycfg_doc *doc, const struct conf_health *hl,
          struct vote_conf *out, struct errbuf *err)
{
	const char *w = hl->down_when ? ycfg_scalar(hl->down_when) : NULL;
	uint64_t n;

	*out = vote_conf_default;
	if (hl->down_when == NULL || (w != NULL && strcmp(w, "majority") == 0))
		out->rule = VOTE_MAJORITY;
	else if (w != NULL && strcmp(w, "all") == 0)
		out->rule = VOTE_ALL;
	else if (w != NULL && ycfg_parse_uint(w, 1, PROBERS_MAX, &n) == 0) {
		out->rule = VOTE_COUNT;
		out->count = (unsigned)n;
	} else
		ycfg_error(doc, hl->down_when, err,
		           "health: down_when: \"%s\": expected all, majority "
		           "or a number of probers (1 to %d)",
		           w ? w : "", PROBERS_MAX);
	if (hl->isolation != NULL)
		ycfg_walk(doc, hl->isolation, "health: isolation",
		          isolation_keys, out, err);
}

struct conf_steering {
	unsigned ramp_ms;
	yaml_node_t *shed;
};

static const struct ycfg_key steering_keys[] = {
    {"ramp", YCFG_DURATION, offsetof(struct conf_steering, ramp_ms), .min = 0,
     .max = 86400u * 1000},
    {"shed", YCFG_NODE, offsetof(struct conf_steering, shed)},
    YCFG_END,
};

static const struct ycfg_key shed_keys[] = {
    {"high", YCFG_FRACTION, offsetof(struct share_conf, high)},
    {"low", YCFG_FRACTION, offsetof(struct share_conf, low)},
    {"step", YCFG_FRACTION, offsetof(struct share_conf, step)},
    {"min_share", YCFG_FRACTION, offsetof(struct share_conf, min_share)},
    YCFG_END,
};

/* steering: {ramp: DURATION, shed: {high, low, step, min_share}} */
static void
load_steering(const struct ycfg_doc *doc, const yaml_node_t *node,
              struct share_conf *out, struct errbuf *err)
{
	struct conf_steering st = {.ramp_ms = out->ramp_ms};

	if (ycfg_walk(doc, node, "steering", steering_keys, &st, err) == -1)
		return;
	out->ramp_ms = st.ramp_ms;
	if (st.shed == NULL)
		return;
	if (ycfg_walk(doc, st.shed, "steering: shed", shed_keys, out, err) ==
	    -1)
		return;
	if (!(out->low < out->high))
		ycfg_error(doc, st.shed, err,
		           "steering: shed: low (%.2f) must be below high "
		           "(%.2f)",
		           out->low, out->high);
	if (!(out->step > 0))
		ycfg_error(doc, st.shed, err,
		           "steering: shed: step must be above 0");
}

struct conf_cookies {
	bool enabled;
	char *secret_file;
	unsigned max_nocookie_response;
};

static const struct ycfg_key cookies_keys[] = {
    {"enabled", YCFG_BOOL, offsetof(struct conf_cookies, enabled)},
    {"secret_file", YCFG_STR, offsetof(struct conf_cookies, secret_file)},
    {"max_nocookie_response", YCFG_UINT,
     offsetof(struct conf_cookies, max_nocookie_response), .min = 512,
     .max = 4096},
    YCFG_END,
};

/*
 * cookies: {enabled, secret_file, max_nocookie_response}.  On unless
 * turned off; without a secret file, with the process's random secret
 * (cookies then verify on this dnsd only, until it restarts).
 */
static void
load_cookies(const struct ycfg_doc *doc, const yaml_node_t *node,
             const char *path, struct cookie_conf *out, struct errbuf *err)
{
	struct conf_cookies cc = {.enabled = true};

	if (node != NULL &&
	    ycfg_walk(doc, node, "cookies", cookies_keys, &cc, err) == -1)
		return;
	out->enabled = cc.enabled;
	out->max_nocookie_response = cc.max_nocookie_response;
	out->nsecrets = 1;
	memcpy(out->secret[0], cookie_random_secret(), COOKIE_SECRET_LEN);
	if (cc.secret_file != NULL) {
		char *file = path_relative(path, cc.secret_file);
		cookie_secrets_load(file, out, err);
		free(file);
		free(cc.secret_file);
	}
	if (!cc.enabled && cc.max_nocookie_response != 0)
		ycfg_error(doc, node, err,
		           "cookies: max_nocookie_response needs cookies "
		           "enabled: no client could have a valid cookie");
}

struct conf_rrl {
	unsigned rate, burst, slip, ipv4_prefix, ipv6_prefix, table_size;
	bool log_only;
	struct ycfg_strlist exempt;
};

static const struct ycfg_key rrl_keys[] = {
    {"rate", YCFG_UINT, offsetof(struct conf_rrl, rate), .req = true, .min = 1,
     .max = 1000000},
    {"burst", YCFG_UINT, offsetof(struct conf_rrl, burst), .min = 1,
     .max = 1000000},
    {"slip", YCFG_UINT, offsetof(struct conf_rrl, slip), .min = 0, .max = 100},
    {"ipv4_prefix", YCFG_UINT, offsetof(struct conf_rrl, ipv4_prefix), .min = 8,
     .max = 32},
    {"ipv6_prefix", YCFG_UINT, offsetof(struct conf_rrl, ipv6_prefix),
     .min = 16, .max = 128},
    {"table_size", YCFG_UINT, offsetof(struct conf_rrl, table_size), .min = 64,
     .max = 1u << 26},
    {"log_only", YCFG_BOOL, offsetof(struct conf_rrl, log_only)},
    {"exempt", YCFG_STRLIST, offsetof(struct conf_rrl, exempt)},
    YCFG_END,
};

/*
 * rrl: {rate, burst, slip, ipv4_prefix, ipv6_prefix, table_size,
 * log_only, exempt}.  Off unless the section is there.  `workers` UDP
 * threads share each address: each allows its share (rrl.h).
 */
static void
load_rrl(const struct ycfg_doc *doc, const yaml_node_t *node, unsigned workers,
         struct rrl_conf *out, struct errbuf *err)
{
	struct conf_rrl cr = {.slip = 2,
	                      .ipv4_prefix = 24,
	                      .ipv6_prefix = 56,
	                      .table_size = 65536};

	if (ycfg_walk(doc, node, "rrl", rrl_keys, &cr, err) == -1) {
		ycfg_strlist_fini(&cr.exempt);
		return;
	}
	out->enabled = true;
	out->rate = cr.rate;
	out->burst = cr.burst != 0 ? cr.burst : cr.rate;
	out->slip = cr.slip;
	out->ipv4_prefix = cr.ipv4_prefix;
	out->ipv6_prefix = cr.ipv6_prefix;
	out->table_size = cr.table_size;
	out->log_only = cr.log_only;
	rrl_conf_derive(out, workers);
	for (size_t i = 0; i < cr.exempt.n; i++) {
		struct rrl_net *n = &out->exempt[out->nexempt];
		unsigned plen;
		if (out->nexempt == RRL_EXEMPT_MAX) {
			errbuf_add(err, ycfg_doc_file(doc), cr.exempt.line[i],
			           cr.exempt.col[i],
			           "rrl: exempt: more than %d networks",
			           RRL_EXEMPT_MAX);
			break;
		}
		if (cidr_parse(cr.exempt.v[i], n->key, &plen) == -1) {
			errbuf_add(err, ycfg_doc_file(doc), cr.exempt.line[i],
			           cr.exempt.col[i],
			           "rrl: exempt: \"%s\" is not a network "
			           "(ADDRESS/LENGTH, no bits set past LENGTH)",
			           cr.exempt.v[i]);
			continue;
		}
		n->plen = (uint8_t)plen;
		out->nexempt++;
	}
	ycfg_strlist_fini(&cr.exempt);
}

static const struct ycfg_key server_keys[] = {
    {"listen", YCFG_STRLIST, offsetof(struct conf_server, listen), .req = true},
    {"workers", YCFG_UINT, offsetof(struct conf_server, workers), .min = 1,
     .max = 64},
    {"udp_payload", YCFG_UINT, offsetof(struct conf_server, udp_payload),
     .min = 512, .max = 4096},
    {"tcp_idle_timeout", YCFG_DURATION,
     offsetof(struct conf_server, tcp_idle_timeout_ms), .min = 100,
     .max = 3600 * 1000},
    {"tcp_max_clients", YCFG_UINT,
     offsetof(struct conf_server, tcp_max_clients), .min = 1, .max = 65536},
    {"identity", YCFG_STR, offsetof(struct conf_server, identity)},
    {"version", YCFG_STR, offsetof(struct conf_server, version)},
    {"query_log", YCFG_UINT, offsetof(struct conf_server, query_log), .min = 0,
     .max = 1000000000},
    {"sample", YCFG_UINT, offsetof(struct conf_server, sample), .min = 0,
     .max = 1000000000},
    YCFG_END,
};

/*
 * The ADDRESS:PORT at `node` (a port is required), as new.  Parsed here,
 * not when the socket is bound, so -n reports it at its place.
 */
static struct netaddr *
load_addr(const struct ycfg_doc *doc, const yaml_node_t *node, const char *what,
          struct errbuf *err)
{
	const char *text = ycfg_scalar(node);
	struct netaddr *a = xcalloc(1, sizeof(*a));

	if (text == NULL || netaddr_parse(text, 0, a) == -1)
		ycfg_error(doc, node, err,
		           "%s: expected ADDRESS:PORT (use [ADDRESS]:PORT for "
		           "IPv6)",
		           what);
	return a;
}

struct dnsd_conf *
conf_load(const char *path, struct errbuf *err)
{
	struct ycfg_doc *doc = ycfg_load_file(path, err);
	struct conf_top top = {0};
	struct conf_server srv = {
	    .workers = conf_defaults.workers,
	    .udp_payload = conf_defaults.udp_payload,
	    .tcp_idle_timeout_ms = conf_defaults.tcp_idle_timeout_ms,
	    .tcp_max_clients = conf_defaults.tcp_max_clients,
	    .sample = conf_defaults.sample,
	};
	struct dnsd_conf *conf = NULL;
	unsigned errors0 = err->count;

	if (doc == NULL)
		return NULL;
	/* Errors are collected in `err`; carry on to find them all. */
	ycfg_walk(doc, ycfg_doc_root(doc), "top level", top_keys, &top, err);
	if (top.server != NULL)
		ycfg_walk(doc, top.server, "server", server_keys, &srv, err);
	struct conf_health hl = {.stale_after_ms =
	                             conf_defaults.stale_after_ms};
	if (top.health != NULL)
		ycfg_walk(doc, top.health, "health", health_keys, &hl, err);

	conf = xcalloc(1, sizeof(*conf));
	*conf = conf_defaults;
	conf->path = xstrdup(path);
	conf->workers = srv.workers;
	conf->udp_payload = srv.udp_payload;
	conf->tcp_idle_timeout_ms = srv.tcp_idle_timeout_ms;
	conf->tcp_max_clients = srv.tcp_max_clients;
	conf->identity = srv.identity;
	conf->query_log = srv.query_log;
	conf->sample = srv.sample;
	conf->version = srv.version;
	conf->listen = xcalloc(srv.listen.n + 1, sizeof(*conf->listen));
	for (size_t i = 0; i < srv.listen.n; i++) {
		if (netaddr_parse(srv.listen.v[i], CONF_DNS_PORT,
		                  &conf->listen[conf->nlisten]) == -1) {
			errbuf_add(
			    err, path, srv.listen.line[i], srv.listen.col[i],
			    "server: listen: \"%s\" is not ADDRESS:PORT (use "
			    "[ADDRESS]:PORT for IPv6)",
			    srv.listen.v[i]);
			continue;
		}
		conf->nlisten++;
	}
	if (top.server != NULL && srv.listen.n == 0 && err->count == errors0)
		ycfg_error(doc, top.server, err, "server: listen: empty list");
	conf->zones = top.zones;
	top.zones.v = NULL;
	if (top.edges != NULL)
		conf->edges = path_relative(path, top.edges);
	if (top.geo_database != NULL)
		conf->geo_database = path_relative(path, top.geo_database);
	free(top.edges);
	free(top.geo_database);
	/* Next to the configuration unless placed elsewhere. */
	conf->control =
	    path_relative(path, top.control ? top.control : "dnsd.ctl");
	conf->health_socket =
	    path_relative(path, hl.socket ? hl.socket : "dnsd-health.sock");
	if (top.state_file != NULL)
		conf->state_file = path_relative(path, top.state_file);
	if (hl.key_file != NULL)
		conf->health_key_file = path_relative(path, hl.key_file);
	if (hl.udp != NULL)
		conf->health_udp = load_addr(doc, hl.udp, "health: udp", err);
	conf->user = top.user; /* owned by conf now */
	conf->allow_root = top.allow_root;
	conf->stale_after_ms = hl.stale_after_ms;
	conf->stale_keep = hl.stale_policy == 1;
	load_vote(doc, &hl, &conf->vote, err);
	conf->steering = share_conf_default;
	if (top.steering != NULL)
		load_steering(doc, top.steering, &conf->steering, err);
	if (hl.udp != NULL && hl.key_file == NULL && top.health != NULL)
		ycfg_error(doc, top.health, err,
		           "health: udp needs key_file: the network feed is "
		           "authenticated");
	/* Prometheus scrapes here (dnsd/metrics.h); absent: off. */
	if (top.metrics != NULL)
		conf->metrics = load_addr(doc, top.metrics, "metrics", err);
	/* The status page (dnsd/status.h) shares the metrics listener. */
	conf->status_page = top.status_page;
	if (top.status_page && top.metrics == NULL)
		ycfg_error(
		    doc, ycfg_map_value(doc, ycfg_doc_root(doc), "status_page"),
		    err,
		    "status_page: needs metrics: the page is served on "
		    "its address");
	load_cookies(doc, top.cookies, path, &conf->cookies, err);
	if (top.rrl != NULL)
		load_rrl(doc, top.rrl, conf->workers, &conf->rrl, err);
	free(top.control);
	free(top.state_file);
	free(hl.socket);
	free(hl.key_file);
	for (size_t i = 0; i < conf->zones.n; i++) {
		char *p = path_relative(path, conf->zones.v[i]);
		free(conf->zones.v[i]);
		conf->zones.v[i] = p;
	}
	ycfg_strlist_fini(&srv.listen);
	ycfg_doc_free(doc);
	return conf;
}

void
conf_free(struct dnsd_conf *conf)
{
	if (conf == NULL)
		return;
	free(conf->path);
	free(conf->listen);
	free(conf->identity);
	free(conf->version);
	ycfg_strlist_fini(&conf->zones);
	free(conf->edges);
	free(conf->geo_database);
	free(conf->control);
	free(conf->state_file);
	free(conf->health_socket);
	free(conf->health_udp);
	free(conf->health_key_file);
	free(conf->metrics);
	free(conf->user);
	free(conf);
}
