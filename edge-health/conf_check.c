/* SPDX-License-Identifier: MIT */
/* edge-health/conf_check.c: one check's YAML (an edge's, or the anycast
 * role's) -> struct eh_check: its type's keys, source, dns query. */
#include "edge-health/conf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/errbuf.h"
#include "common/netaddr.h"
#include "common/xalloc.h"
#include "common/ycfg.h"

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

const char *
eh_conf_check_name(enum eh_check_type type)
{
	return check_types[type];
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
	const yaml_node_t *at = ycfg_map_value(doc, node, "source");
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
			ycfg_error(doc, ycfg_map_value(doc, node, "name"), err,
			           "%s: name: \"%s\" is not a domain name",
			           what, c->name);
		ldns_rdf_deep_free(d);
	}
	if (c->qtype != NULL) {
		ldns_rr_type t = ldns_get_rr_type_by_name(c->qtype);
		/* Zone transfers and OPT are no questions for a check. */
		if (t == 0 || t == LDNS_RR_TYPE_OPT || t == LDNS_RR_TYPE_AXFR ||
		    t == LDNS_RR_TYPE_IXFR)
			ycfg_error(doc, ycfg_map_value(doc, node, "qtype"), err,
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
			ycfg_error(doc, ycfg_map_value(doc, node, "rcode"), err,
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
			    doc, ycfg_map_value(doc, node, "answer"), err,
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
		ycfg_error(doc, ycfg_map_value(doc, node, "address"), err,
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
			ycfg_error(doc, ycfg_map_value(doc, node, "path"), err,
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
