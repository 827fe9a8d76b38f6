/* SPDX-License-Identifier: MIT */
/* edge-health/conf.c: zones/edge-health.yaml -> struct eh_conf. */
#include "edge-health/conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "common/hmsg.h"
#include "common/netaddr.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "common/ycfg.h"

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

/* Timing keys, shared by `defaults` and per-edge overrides. */
#define TIMING_KEYS(type, base)                                                \
	{"interval", YCFG_DURATION, offsetof(type, base.interval_ms),          \
	 .min = 10, .max = 3600 * 1000},                                       \
	    {"timeout", YCFG_DURATION, offsetof(type, base.timeout_ms),        \
	     .min = 10, .max = 3600 * 1000},                                   \
	    {"fall", YCFG_UINT, offsetof(type, base.fall), .min = 1,           \
	     .max = 1000},                                                     \
	    {"rise", YCFG_UINT, offsetof(type, base.rise), .min = 1,           \
	     .max = 1000},                                                     \
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

static const char *const check_types[] = {"tcp", "http", "https", "dns", NULL};
static const char *const dns_transports[] = {"udp", "tcp", NULL};

struct conf_check {
	int type;
	char *address;
	char *source;
	char *path;
	char *host;
	struct ycfg_strlist status;
	char *body;
	unsigned max_body;
	bool verify;
	char *name;
	char *qtype;
	int transport;
	char *rcode;
	char *answer;
};

static const struct ycfg_key check_keys[] = {
    {"type", YCFG_ENUM, offsetof(struct conf_check, type), .req = true,
     .enums = check_types},
    {"address", YCFG_STR, offsetof(struct conf_check, address), .req = true},
    {"source", YCFG_STR, offsetof(struct conf_check, source)},
    {"path", YCFG_STR, offsetof(struct conf_check, path)},
    {"host", YCFG_STR, offsetof(struct conf_check, host)},
    {"status", YCFG_STRLIST, offsetof(struct conf_check, status)},
    {"body", YCFG_STR, offsetof(struct conf_check, body)},
    {"max_body", YCFG_UINT, offsetof(struct conf_check, max_body), .min = 1,
     .max = 64 * 1024 * 1024},
    {"verify", YCFG_BOOL, offsetof(struct conf_check, verify)},
    {"name", YCFG_STR, offsetof(struct conf_check, name)},
    {"qtype", YCFG_STR, offsetof(struct conf_check, qtype)},
    {"transport", YCFG_ENUM, offsetof(struct conf_check, transport),
     .enums = dns_transports},
    {"rcode", YCFG_STR, offsetof(struct conf_check, rcode)},
    {"answer", YCFG_STR, offsetof(struct conf_check, answer)},
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

const char *
eh_conf_check_name(enum eh_check_type type)
{
	return check_types[type];
}

/* The value of `key` in `map`, for positions of later errors, or `map`. */
static const yaml_node_t *
map_value(const struct ycfg_doc *doc, const yaml_node_t *map, const char *key)
{
	size_t i = 0;
	yaml_node_t *k, *v;

	while (ycfg_map_next(doc, map, &i, &k, &v))
		if (ycfg_scalar(k) != NULL && strcmp(ycfg_scalar(k), key) == 0)
			return v;
	return map;
}

/* Keys that only some check types take: an error on the others. */
static const char *const http_only_keys[] = {
    "path", "host", "status", "body", "max_body", "verify", NULL};
static const char *const dns_only_keys[] = {"name",  "qtype",  "transport",
                                            "rcode", "answer", NULL};

static bool
in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static void
check_type_keys(const struct ycfg_doc *doc, const yaml_node_t *map, int type,
                const char *what, struct errbuf *err)
{
	size_t i = 0;
	yaml_node_t *k, *v;
	bool http = type == EH_CHECK_HTTP || type == EH_CHECK_HTTPS;

	while (ycfg_map_next(doc, map, &i, &k, &v)) {
		const char *s = ycfg_scalar(k);
		if (s == NULL)
			continue;
		if (!http && in_list(http_only_keys, s))
			ycfg_error(doc, k, err,
			           "%s: %s: only for http and https checks",
			           what, s);
		else if (type != EH_CHECK_DNS && in_list(dns_only_keys, s))
			ycfg_error(doc, k, err, "%s: %s: only for dns checks",
			           what, s);
	}
}

/*
 * `source`: an address without a port, of the family of `address` (a
 * socket of one family cannot bind an address of the other).
 */
static void
load_source(const struct ycfg_doc *doc, const yaml_node_t *node,
            const char *what, const char *text, struct eh_check *ck,
            struct errbuf *err)
{
	const yaml_node_t *at = map_value(doc, node, "source");
	struct netaddr with_port;

	/* netaddr's grammar with a default port, minus the forms that
	 * carry one: "127.0.0.1", "::1" and "[::1]" only. */
	if (netaddr_parse(text, 0, &with_port) == 0 ||
	    netaddr_parse(text, 1, &ck->source) == -1) {
		ycfg_error(doc, at, err,
		           "%s: source: \"%s\" is not an IP address without a "
		           "port",
		           what, text);
		return;
	}
	ck->source.port = 0;
	if (ck->source.ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ck->source.ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&ck->source.ss)->sin6_port = 0;
	ck->has_source = true;
	if (ck->addr.len != 0 &&
	    ck->addr.ss.ss_family != ck->source.ss.ss_family)
		ycfg_error(
		    doc, at, err,
		    "%s: source: %s is IPv%d but address %s is IPv%d", what,
		    text, ck->source.ss.ss_family == AF_INET ? 4 : 6,
		    ck->addr.text, ck->addr.ss.ss_family == AF_INET ? 4 : 6);
}

/*
 * `answer` as rdata of `qtype`: parsed (so a typo is a load error, not a
 * check that never passes) and kept in ldns's presentation form, names
 * made absolute.  Returns new, or NULL with `why` set.
 */
static char *
dns_answer_canonical(uint16_t qtype, const char *answer, const char **why)
{
	char *tname = ldns_rr_type2str((ldns_rr_type)qtype);
	char *text = xasprintf(". 0 IN %s %s", tname, answer);
	ldns_rdf *root = ldns_dname_new_frm_str(".");
	ldns_buffer *buf = ldns_buffer_new(256);
	ldns_rr *rr = NULL;
	char *out = NULL;

	ldns_status st = ldns_rr_new_frm_str(&rr, text, 0, root, NULL);
	if (st != LDNS_STATUS_OK) {
		*why = ldns_get_errorstr_by_id(st);
	} else if (ldns_rr_rd_count(rr) == 0) {
		*why = "empty rdata";
	} else {
		for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
			if (i > 0)
				ldns_buffer_printf(buf, " ");
			ldns_rdf2buffer_str(buf, ldns_rr_rdf(rr, i));
		}
		if (ldns_buffer_status_ok(buf))
			out = ldns_buffer_export2str(buf);
		else
			*why = "cannot print it";
	}
	ldns_buffer_free(buf);
	ldns_rr_free(rr);
	ldns_rdf_deep_free(root);
	free(text);
	free(tname);
	return out;
}

/* The dns check's keys: name, qtype, transport, rcode, answer. */
static void
load_dns(const struct ycfg_doc *doc, const yaml_node_t *node, const char *what,
         const struct conf_check *c, struct eh_check *ck, struct errbuf *err)
{
	ck->qtype = LDNS_RR_TYPE_A;
	ck->rcode = LDNS_RCODE_NOERROR;
	ck->dns_tcp = c->transport == 1;
	if (c->name == NULL) {
		ycfg_error(doc, node, err, "%s: name: required for dns checks",
		           what);
	} else {
		ldns_rdf *d = ldns_dname_new_frm_str(c->name);
		if (d == NULL)
			ycfg_error(doc, map_value(doc, node, "name"), err,
			           "%s: name: \"%s\" is not a domain name",
			           what, c->name);
		ldns_rdf_deep_free(d);
	}
	if (c->qtype != NULL) {
		ldns_rr_type t = ldns_get_rr_type_by_name(c->qtype);
		/* Zone transfers and OPT are no questions for a check. */
		if (t == 0 || t == LDNS_RR_TYPE_OPT || t == LDNS_RR_TYPE_AXFR ||
		    t == LDNS_RR_TYPE_IXFR)
			ycfg_error(doc, map_value(doc, node, "qtype"), err,
			           "%s: qtype: unknown or unusable type \"%s\" "
			           "(A, AAAA, SOA, TXT, TYPE65280, ...)",
			           what, c->qtype);
		else
			ck->qtype = (uint16_t)t;
	}
	if (c->rcode != NULL) {
		ldns_lookup_table *r =
		    ldns_lookup_by_name(ldns_rcodes, c->rcode);
		if (r == NULL)
			ycfg_error(doc, map_value(doc, node, "rcode"), err,
			           "%s: rcode: unknown rcode \"%s\" (NOERROR, "
			           "NXDOMAIN, SERVFAIL, REFUSED, ...)",
			           what, c->rcode);
		else
			ck->rcode = (uint8_t)r->id;
	}
	if (c->answer != NULL) {
		const char *why = "";
		ck->answer = dns_answer_canonical(ck->qtype, c->answer, &why);
		if (ck->answer == NULL)
			ycfg_error(
			    doc, map_value(doc, node, "answer"), err,
			    "%s: answer: \"%s\" is not rdata of the qtype: "
			    "%s",
			    what, c->answer, why);
	}
}

int
eh_check_load(const struct ycfg_doc *doc, const yaml_node_t *node,
              const char *what, const char *host, struct eh_check *out,
              struct errbuf *err)
{
	struct conf_check c = {
	    .type = -1, .max_body = EH_MAX_BODY, .verify = true};
	unsigned errors0 = err->count;

	memset(out, 0, sizeof(*out));
	if (!ycfg_is_map(node)) {
		ycfg_error(doc, node, err,
		           "%s: a check is a mapping such as "
		           "{type: tcp, address: \"127.0.0.1:80\"}",
		           what);
		return -1;
	}
	ycfg_walk(doc, node, what, check_keys, &c, err);
	if (c.type >= 0)
		check_type_keys(doc, node, c.type, what, err);

	struct eh_check ck = {.type = (enum eh_check_type)c.type,
	                      .max_body = c.max_body,
	                      .verify = c.verify};
	if (c.address != NULL && netaddr_parse(c.address, 0, &ck.addr) == -1)
		ycfg_error(doc, map_value(doc, node, "address"), err,
		           "%s: address: \"%s\" is not ADDR:PORT (use "
		           "[ADDR]:PORT for IPv6)",
		           what, c.address);
	if (c.source != NULL)
		load_source(doc, node, what, c.source, &ck, err);
	if (c.type == EH_CHECK_DNS) {
		load_dns(doc, node, what, &c, &ck, err);
		ck.qname = c.name;
		c.name = NULL;
	} else {
		if (c.path != NULL && c.path[0] != '/')
			ycfg_error(doc, map_value(doc, node, "path"), err,
			           "%s: path: must start with \"/\"", what);
		ck.status = xcalloc(c.status.n + 1, sizeof(*ck.status));
		for (size_t i = 0; i < c.status.n; i++) {
			uint64_t v;
			if (ycfg_parse_uint(c.status.v[i], 100, 599, &v) ==
			    -1) {
				errbuf_add(err, ycfg_doc_file(doc),
				           c.status.line[i], c.status.col[i],
				           "%s: status: \"%s\" is not an HTTP "
				           "status (100..599)",
				           what, c.status.v[i]);
				continue;
			}
			ck.status[ck.nstatus++] = (unsigned)v;
		}
		if (c.status.n == 0)
			ck.status[ck.nstatus++] = 200;
		ck.path = c.path != NULL ? c.path : xstrdup("/");
		ck.host = c.host != NULL ? c.host : xstrdup(host);
		ck.body = c.body;
		c.path = c.host = c.body = NULL;
	}
	free(c.address);
	free(c.source);
	free(c.path);
	free(c.host);
	free(c.body);
	free(c.name);
	free(c.qtype);
	free(c.rcode);
	free(c.answer);
	ycfg_strlist_fini(&c.status);
	if (err->count != errors0) {
		eh_check_fini(&ck);
		return -1;
	}
	*out = ck;
	return 0;
}

void
eh_check_fini(struct eh_check *ck)
{
	if (ck == NULL)
		return;
	free(ck->path);
	free(ck->host);
	free(ck->status);
	free(ck->body);
	free(ck->qname);
	free(ck->answer);
	memset(ck, 0, sizeof(*ck));
}

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
	if (own && ce.t.timeout_ms > ce.t.interval_ms)
		ycfg_error(
		    doc, node, err,
		    "%s: timeout (%u ms) is longer than interval (%u ms)", what,
		    ce.t.timeout_ms, ce.t.interval_ms);

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
		    doc, map_value(doc, ycfg_doc_root(doc), "prober"), err,
		    "prober: \"%s\" is not a valid prober name (letters, "
		    "digits, '-', '_' and '.', at most %d)",
		    name, HMSG_PROBER_MAX - 1);
		return;
	}
	memcpy(conf->prober, name, strlen(name) + 1); /* valid: it fits */
}

/* ---- anycast ------------------------------------------------------------- */

struct conf_anycast {
	struct eh_timing t;
	yaml_node_t *checks;
	struct ycfg_strlist prefixes;
	char *bird_include;
	yaml_node_t *bird_reload;
};

static const struct ycfg_key anycast_keys[] = {
    {"checks", YCFG_NODE, offsetof(struct conf_anycast, checks), .req = true},
    {"interval", YCFG_DURATION, offsetof(struct conf_anycast, t.interval_ms),
     .min = 10, .max = 3600 * 1000},
    {"timeout", YCFG_DURATION, offsetof(struct conf_anycast, t.timeout_ms),
     .min = 10, .max = 3600 * 1000},
    {"fall", YCFG_UINT, offsetof(struct conf_anycast, t.fall), .min = 1,
     .max = 1000},
    {"rise", YCFG_UINT, offsetof(struct conf_anycast, t.rise), .min = 1,
     .max = 1000},
    {"prefixes", YCFG_STRLIST, offsetof(struct conf_anycast, prefixes),
     .req = true},
    {"bird_include", YCFG_STR, offsetof(struct conf_anycast, bird_include),
     .req = true},
    {"bird_reload", YCFG_NODE, offsetof(struct conf_anycast, bird_reload)},
    YCFG_END,
};

/* What operators run by hand after editing BIRD's configuration. */
static const char *const bird_reload_default[] = {"birdc", "configure", NULL};

/*
 * "192.0.2.53/32", "2001:db8::53/128", or a bare address (a host prefix)
 * into `out`.  Returns 0, or -1 with why in `why`.
 */
static int
parse_prefix(const char *text, struct eh_prefix *out, char *why, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t n = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned max = 32;
	uint64_t plen;

	memset(out, 0, sizeof(*out));
	if (n > 0 && n < sizeof(host)) {
		memcpy(host, text, n);
		host[n] = '\0';
	} else {
		host[0] = '\0';
	}
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		snprintf(why, len,
		         "not a prefix (ADDR/LEN, e.g. 192.0.2.53/32)");
		return -1;
	}
	plen = max;
	if (slash != NULL && ycfg_parse_uint(slash + 1, 1, max, &plen) == -1) {
		snprintf(why, len, "prefix length not in 1..%u", max);
		return -1;
	}
	out->len = (unsigned)plen;
	/* BIRD refuses a route with host bits set ("Invalid IPv4 prefix"):
	 * say so here, with the network that was probably meant. */
	bool host_bits = false;
	for (unsigned bit = out->len; bit < max; bit++) {
		if (out->addr[bit / 8] & (0x80 >> (bit % 8)))
			host_bits = true;
		out->addr[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
	}
	inet_ntop(out->family, out->addr, host, sizeof(host));
	snprintf(out->text, sizeof(out->text), "%s/%u", host, out->len);
	if (host_bits) {
		snprintf(why, len, "host bits set (%s?)", out->text);
		return -1;
	}
	return 0;
}

static void
load_prefixes(const struct ycfg_doc *doc, const yaml_node_t *node,
              const struct ycfg_strlist *l, struct eh_anycast *a,
              struct errbuf *err)
{
	char why[128];

	a->prefix = xcalloc(l->n + 1, sizeof(*a->prefix));
	for (size_t i = 0; i < l->n; i++) {
		struct eh_prefix *p = &a->prefix[a->nprefix];
		bool dup = false;
		if (parse_prefix(l->v[i], p, why, sizeof(why)) == -1) {
			errbuf_add(err, ycfg_doc_file(doc), l->line[i],
			           l->col[i], "anycast: prefixes: \"%s\": %s",
			           l->v[i], why);
			continue;
		}
		for (size_t j = 0; j < a->nprefix; j++)
			dup |= strcmp(a->prefix[j].text, p->text) == 0;
		if (dup) {
			errbuf_add(err, ycfg_doc_file(doc), l->line[i],
			           l->col[i], "anycast: prefixes: %s twice",
			           p->text);
			continue;
		}
		a->nprefix++;
	}
	/* Present but empty (absent is reported by the walk). */
	const yaml_node_t *at = map_value(doc, node, "prefixes");
	if (l->n == 0 && at != node)
		ycfg_error(doc, at, err, "anycast: prefixes: none given");
}

/*
 * `bird_reload`: a list, argv without a shell (a string would be one
 * program name with spaces in it).  A program given with a '/' must be
 * executable now; a bare name is looked up in PATH when it runs.
 */
static void
load_bird_reload(const struct ycfg_doc *doc, const char *path,
                 const yaml_node_t *node, struct eh_anycast *a,
                 struct errbuf *err)
{
	size_t n = 0, i = 0;
	yaml_node_t *item;

	if (node == NULL) {
		a->bird_reload = xcalloc(3, sizeof(char *));
		for (; bird_reload_default[n] != NULL; n++)
			a->bird_reload[n] = xstrdup(bird_reload_default[n]);
		return;
	}
	if (!ycfg_is_seq(node)) {
		ycfg_error(doc, node, err,
		           "anycast: bird_reload: expected a list, the command "
		           "and its arguments (no shell), e.g. [birdc, -s, "
		           "/run/bird/bird.ctl, configure]");
		return;
	}
	a->bird_reload = xcalloc((size_t)(node->data.sequence.items.top -
	                                  node->data.sequence.items.start) +
	                             1,
	                         sizeof(char *));
	while (ycfg_seq_next(doc, node, &i, &item)) {
		const char *s = ycfg_scalar(item);
		if (s == NULL || (n == 0 && s[0] == '\0')) {
			ycfg_error(doc, item, err,
			           "anycast: bird_reload: expected a program "
			           "name and string arguments");
			continue;
		}
		if (n == 0 && strchr(s, '/') != NULL) {
			char *prog = path_relative(path, s);
			if (access(prog, X_OK) == -1)
				ycfg_error(doc, item, err,
				           "anycast: bird_reload: %s: not an "
				           "executable file: %s",
				           prog, strerror(errno));
			a->bird_reload[n++] = prog;
			continue;
		}
		a->bird_reload[n++] = xstrdup(s);
	}
	if (i == 0)
		ycfg_error(
		    doc, node, err,
		    "anycast: bird_reload: empty: give the command, e.g. "
		    "[birdc, configure]");
}

static void
load_anycast(const struct ycfg_doc *doc, const char *path,
             const yaml_node_t *node, struct eh_conf *conf, struct errbuf *err)
{
	struct conf_anycast ca = {.t = conf->defaults};
	struct eh_anycast *a = xcalloc(1, sizeof(*a));
	size_t i = 0;
	yaml_node_t *item;

	conf->anycast = a; /* freed with conf, complete or not */
	if (ycfg_walk(doc, node, "anycast", anycast_keys, &ca, err) == -1 &&
	    !ycfg_is_map(node))
		return;
	a->t = ca.t;
	a->t.jitter_pct = 0;
	if (a->t.timeout_ms > a->t.interval_ms)
		ycfg_error(doc, node, err,
		           "anycast: timeout (%u ms) is longer than interval "
		           "(%u ms)",
		           a->t.timeout_ms, a->t.interval_ms);
	if (ca.checks != NULL && !ycfg_is_seq(ca.checks))
		ycfg_error(doc, ca.checks, err,
		           "anycast: checks: expected a list of checks");
	while (ca.checks != NULL && ycfg_seq_next(doc, ca.checks, &i, &item)) {
		struct eh_check ck;
		if (eh_check_load(doc, item, "anycast: checks", "localhost",
		                  &ck, err) == -1)
			continue;
		a->check =
		    xreallocarray(a->check, a->ncheck + 1, sizeof(*a->check));
		a->check[a->ncheck++] = ck;
	}
	if (ca.checks != NULL && ycfg_is_seq(ca.checks) && i == 0)
		ycfg_error(doc, ca.checks, err, "anycast: checks: no checks");
	load_prefixes(doc, node, &ca.prefixes, a, err);
	if (ca.bird_include != NULL)
		a->bird_include = path_relative(path, ca.bird_include);
	load_bird_reload(doc, path, ca.bird_reload, a, err);
	ycfg_strlist_fini(&ca.prefixes);
	free(ca.bird_include);
}

static void
anycast_free_conf(struct eh_anycast *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->ncheck; i++)
		eh_check_fini(&a->check[i]);
	free(a->check);
	free(a->prefix);
	free(a->bird_include);
	for (size_t i = 0; a->bird_reload != NULL && a->bird_reload[i]; i++)
		free(a->bird_reload[i]);
	free(a->bird_reload);
	free(a);
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
		if (d.t.timeout_ms > d.t.interval_ms)
			ycfg_error(doc, top.defaults, err,
			           "defaults: timeout (%u ms) is longer than "
			           "interval (%u ms)",
			           d.t.timeout_ms, d.t.interval_ms);
	}
	/* A POP's prober may do nothing but keep its anycast prefixes
	 * announced: then it needs no edges. */
	if (top.anycast != NULL)
		load_anycast(doc, path, top.anycast, conf, err);
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
			    doc, map_value(doc, ycfg_doc_root(doc), "metrics"),
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
	anycast_free_conf(conf->anycast);
	free(conf->edges_path);
	free(conf->state_file);
	free(conf->user);
	free(conf->path);
	free(conf);
}
