/* SPDX-License-Identifier: MIT */
/* dnsd/conf.c: the server configuration file (zones/dnsd.yaml). */
#include "dnsd/conf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "common/ycfg.h"

/* Defaults in one place (gdnsd's cfg_defaults). */
static const struct dnsd_conf conf_defaults = {
    .workers = 1,
    .udp_payload = 1232, /* DNS flag day 2020: no IP fragmentation */
    .tcp_idle_timeout_ms = 10000,
    .tcp_max_clients = 256,
    .stale_after_ms = 30000,
};

struct conf_top {
	yaml_node_t *server;
	struct ycfg_strlist zones;
	char *edges;
	char *geo_database;
	char *control;
	char *state_file;
	yaml_node_t *health;
	yaml_node_t *metrics;
	char *user;
	bool allow_root;
};

struct conf_health {
	char *socket;
	char *udp;
	char *key_file;
	unsigned stale_after_ms;
	int stale_policy; /* index into stale_policies */
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
};

static const struct ycfg_key top_keys[] = {
    {"server", YCFG_NODE, offsetof(struct conf_top, server), .req = true},
    {"zones", YCFG_STRLIST, offsetof(struct conf_top, zones), .req = true},
    {"edges", YCFG_STR, offsetof(struct conf_top, edges)},
    {"geo_database", YCFG_STR, offsetof(struct conf_top, geo_database)},
    {"control", YCFG_STR, offsetof(struct conf_top, control)},
    {"state_file", YCFG_STR, offsetof(struct conf_top, state_file)},
    {"health", YCFG_NODE, offsetof(struct conf_top, health)},
    {"metrics", YCFG_NODE, offsetof(struct conf_top, metrics)},
    {"user", YCFG_STR, offsetof(struct conf_top, user)},
    {"allow_root", YCFG_BOOL, offsetof(struct conf_top, allow_root)},
    YCFG_END,
};

static const struct ycfg_key health_keys[] = {
    {"socket", YCFG_STR, offsetof(struct conf_health, socket)},
    {"udp", YCFG_STR, offsetof(struct conf_health, udp)},
    {"key_file", YCFG_STR, offsetof(struct conf_health, key_file)},
    {"stale_after", YCFG_DURATION, offsetof(struct conf_health, stale_after_ms),
     .min = 1000, .max = 86400u * 1000},
    {"stale_policy", YCFG_ENUM, offsetof(struct conf_health, stale_policy),
     .enums = stale_policies},
    YCFG_END,
};

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
    YCFG_END,
};

int
conf_parse_listen(const char *text, struct listen_addr *out)
{
	char host[64];
	const char *port = NULL;
	size_t len = strlen(text);

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(host) || len >= sizeof(out->text))
		return -1;
	snprintf(out->text, sizeof(out->text), "%s", text);
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(close - text - 1),
		         text + 1);
		port = close[1] == ':' ? close + 2 : NULL;
	} else if (strchr(text, ':') != strrchr(text, ':')) {
		snprintf(host, sizeof(host), "%s", text); /* bare IPv6 */
	} else {
		const char *colon = strchr(text, ':');
		snprintf(host, sizeof(host), "%.*s",
		         (int)(colon ? (size_t)(colon - text) : len), text);
		port = colon ? colon + 1 : NULL;
	}

	unsigned long p = 53;
	if (port != NULL) {
		char *end;
		if (*port == '\0' || *port == '-' || *port == '+')
			return -1;
		p = strtoul(port, &end, 10);
		if (*end != '\0' || p == 0 || p > 65535)
			return -1;
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		out->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		out->len = sizeof(*sin6);
	} else {
		return -1;
	}
	return 0;
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
	conf->version = srv.version;
	conf->listen = xcalloc(srv.listen.n + 1, sizeof(*conf->listen));
	for (size_t i = 0; i < srv.listen.n; i++) {
		if (conf_parse_listen(srv.listen.v[i],
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
	conf->health_udp = hl.udp;
	conf->user = top.user; /* owned by conf now */
	conf->allow_root = top.allow_root;
	conf->stale_after_ms = hl.stale_after_ms;
	conf->stale_keep = hl.stale_policy == 1;
	if (hl.udp != NULL && hl.key_file == NULL && top.health != NULL)
		ycfg_error(doc, top.health, err,
		           "health: udp needs key_file: the network feed is "
		           "authenticated");
	if (top.metrics != NULL) {
		/* Prometheus scrapes here (dnsd/metrics.h); absent: off. */
		const char *m = ycfg_scalar(top.metrics);
		conf->metrics = xcalloc(1, sizeof(*conf->metrics));
		if (m == NULL || conf_parse_listen(m, conf->metrics) == -1)
			ycfg_error(doc, top.metrics, err,
			           "metrics: expected ADDRESS:PORT (use "
			           "[ADDRESS]:PORT for IPv6)");
	}
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
