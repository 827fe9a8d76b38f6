/* SPDX-License-Identifier: MIT */
/* dnsd/zone_compile.c: zone YAML files -> records for the zonedb builder. */
#include "dnsd/zone_compile.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/errbuf.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "common/ycfg.h"
#include "dnsd/geo_name.h"
#include "dnsd/wire.h"
#include "dnsd/zone_keys_conf.h"
#include "dnsd/zonedb.h"

/* RFC 2181 §8: TTLs are 31-bit. */
#define TTL_MAX 2147483647u

/* The zone file's top-level keys. */
struct zone_yaml {
	char *zone;
	unsigned ttl_ms;
	yaml_node_t *records;
	char *zonefile;
	char *zonefile_path;
	yaml_node_t *geo;
	yaml_node_t *dnssec;
};

static const struct ycfg_key zone_keys[] = {
    {"zone", YCFG_STR, offsetof(struct zone_yaml, zone), .req = true},
    {"ttl", YCFG_DURATION, offsetof(struct zone_yaml, ttl_ms), .min = 0,
     .max = TTL_MAX * 1000ull > UINT_MAX ? UINT_MAX : TTL_MAX * 1000ull},
    {"records", YCFG_NODE, offsetof(struct zone_yaml, records)},
    {"zonefile", YCFG_STR, offsetof(struct zone_yaml, zonefile)},
    {"zonefile_path", YCFG_STR, offsetof(struct zone_yaml, zonefile_path)},
    {"geo", YCFG_NODE, offsetof(struct zone_yaml, geo)},
    {"dnssec", YCFG_NODE, offsetof(struct zone_yaml, dnssec)},
    YCFG_END,
};

/* State while loading one zone. */
struct zload {
	struct zonedb_builder *b;
	const struct ycfg_doc *doc;
	struct errbuf *err;
	const char *file;
	ldns_rdf *origin;                  /* the apex, absolute */
	char apex[LDNS_MAX_DOMAINLEN + 2]; /* presentation form, with dot */
	uint32_t ttl;                      /* zone default TTL */
	ldns_buffer *wire;
	const struct geo_env *env;
};

/*
 * Types that cannot be served as plain data: signatures and denial are
 * made by the server for a zone with keys (a pre-signed zone's would not
 * match the answers made per client), and meta/query types are not data
 * at all (RFC 6895 §3.1).
 */
static const char *
type_refused(uint16_t type)
{
	switch (type) {
	case T_RRSIG:
	case T_NSEC:
	case T_NSEC3:
	case T_NSEC3PARAM:
		return "is made by dnsd: give the zone its keys under "
		       "dnssec: instead (zones/README.md)";
	case T_OPT:
	case T_NXNAME:
	case T_TKEY:
	case T_TSIG:
	case T_IXFR:
	case T_AXFR:
	case 253:
	case 254:
	case T_ANY:
		return "is a meta type, not data";
	default:
		return NULL;
	}
}

/* Offset of rdata field `idx` in the wire rdata, or -1. */
static int
rdf_offset(const ldns_rr *rr, size_t idx)
{
	size_t off = 0;

	if (idx >= ldns_rr_rd_count(rr))
		return -1;
	for (size_t i = 0; i < idx; i++)
		off += ldns_rdf_size(ldns_rr_rdf(rr, i));
	if (ldns_rdf_get_type(ldns_rr_rdf(rr, idx)) != LDNS_RDF_TYPE_DNAME)
		return -1;
	return (int)off;
}

/* The rdata field holding the name the answer logic follows, if any. */
static int
target_offset(const ldns_rr *rr)
{
	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_NS:
	case LDNS_RR_TYPE_CNAME:
	case LDNS_RR_TYPE_DNAME:
		return rdf_offset(rr, 0);
	case LDNS_RR_TYPE_MX:
		return rdf_offset(rr, 1);
	case LDNS_RR_TYPE_SRV:
		return rdf_offset(rr, 3);
	default:
		return -1;
	}
}

/* Hand one parsed record to the builder.  Takes `rr`. */
static int
add_rr(struct zload *zl, ldns_rr *rr, unsigned line, unsigned col)
{
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	const char *why = type_refused(type);
	const ldns_rr_descriptor *d = ldns_rr_descript(type);
	ldns_rdf *owner = ldns_rr_owner(rr);
	struct zrr z;
	int rc = -1;
	char tname[32];

	snprintf(tname, sizeof(tname), "TYPE%u", type);
	if (d != NULL && d->_name != NULL)
		snprintf(tname, sizeof(tname), "%s", d->_name);
	if (why != NULL) {
		errbuf_add(zl->err, zl->file, line, col, "%s: %s", tname, why);
		goto out;
	}
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		errbuf_add(zl->err, zl->file, line, col,
		           "%s: only class IN can be served", tname);
		goto out;
	}
	if (ldns_rr_ttl(rr) > TTL_MAX) {
		errbuf_add(zl->err, zl->file, line, col,
		           "%s: TTL %u is above 2^31-1 (RFC 2181 §8)", tname,
		           ldns_rr_ttl(rr));
		goto out;
	}
	ldns_dname2canonical(owner);
	ldns_buffer_clear(zl->wire);
	if (ldns_rr_rdata2buffer_wire(zl->wire, rr) != LDNS_STATUS_OK ||
	    ldns_buffer_position(zl->wire) > 65535) {
		errbuf_add(zl->err, zl->file, line, col,
		           "%s: record data too long", tname);
		goto out;
	}
	z = (struct zrr){
	    .owner = ldns_rdf_data(owner),
	    .ownerlen = ldns_rdf_size(owner),
	    .type = type,
	    .ttl = ldns_rr_ttl(rr),
	    .rdata = ldns_buffer_begin(zl->wire),
	    .rdlen = (uint16_t)ldns_buffer_position(zl->wire),
	    .target_off = target_offset(rr),
	    .file = zl->file,
	    .line = line,
	    .col = col,
	};
	rc = zonedb_builder_rr(zl->b, &z, zl->err);
out:
	ldns_rr_free(rr);
	return rc;
}

/* Parse "OWNER TTL IN TYPE RDATA" and add it; errors at `at`. */
static int
add_text(struct zload *zl, const char *owner, uint32_t ttl, const char *type,
         const char *rdata, const yaml_node_t *at)
{
	ldns_rr *rr = NULL;
	char *line = xasprintf("%s %u IN %s %s", owner, ttl, type, rdata);
	ldns_status st = ldns_rr_new_frm_str(&rr, line, ttl, zl->origin, NULL);

	free(line);
	if (st != LDNS_STATUS_OK) {
		ycfg_error(zl->doc, at, zl->err, "%s %s \"%s\": %s", owner,
		           type, rdata, ldns_get_errorstr_by_id(st));
		return -1;
	}
	return add_rr(zl, rr, ycfg_line(at), ycfg_col(at));
}

static int
parse_ttl(struct zload *zl, const yaml_node_t *node, uint32_t *ttl)
{
	const char *s = ycfg_scalar(node);
	uint64_t ms;

	if (s == NULL || ycfg_parse_duration(s, &ms) == -1 || ms % 1000 != 0 ||
	    ms / 1000 > TTL_MAX) {
		ycfg_error(
		    zl->doc, node, zl->err,
		    "ttl: expected a duration in whole seconds up to 2^31-1 "
		    "(e.g. 300, 5m, 1h)");
		return -1;
	}
	*ttl = (uint32_t)(ms / 1000);
	return 0;
}

/* A record type's value: "data", [data, ...] or {ttl: T, data: ...}. */
static int
load_type(struct zload *zl, const char *owner, const char *type, uint32_t ttl,
          const yaml_node_t *value)
{
	const yaml_node_t *data = value;
	int rc = 0;

	if (ycfg_is_map(value)) {
		yaml_node_t *k, *v;
		data = NULL;
		if (ycfg_map_check(zl->doc, value, type, zl->err) == -1)
			rc = -1;
		for (size_t i = 0; ycfg_map_next(zl->doc, value, &i, &k, &v);) {
			const char *key = ycfg_scalar(k);
			if (key == NULL)
				continue;
			if (strcmp(key, "ttl") == 0) {
				if (parse_ttl(zl, v, &ttl) == -1)
					rc = -1;
			} else if (strcmp(key, "data") == 0) {
				data = v;
			} else {
				ycfg_error(
				    zl->doc, k, zl->err,
				    "%s: unknown key \"%s\" (expected ttl or "
				    "data)",
				    type, key);
				rc = -1;
			}
		}
		if (data == NULL) {
			ycfg_error(zl->doc, value, zl->err,
			           "%s: missing required key \"data\"", type);
			return -1;
		}
	}
	if (ycfg_is_scalar(data))
		return add_text(zl, owner, ttl, type, ycfg_scalar(data), data) |
		       rc;
	if (!ycfg_is_seq(data)) {
		ycfg_error(
		    zl->doc, data, zl->err,
		    "%s: expected record data, a list of them, or {ttl, data}",
		    type);
		return -1;
	}
	yaml_node_t *item;
	size_t n = 0;
	for (size_t i = 0; ycfg_seq_next(zl->doc, data, &i, &item); n++) {
		if (!ycfg_is_scalar(item)) {
			ycfg_error(zl->doc, item, zl->err,
			           "%s: expected record data as a string",
			           type);
			rc = -1;
		} else if (add_text(zl, owner, ttl, type, ycfg_scalar(item),
		                    item) == -1) {
			rc = -1;
		}
	}
	if (n == 0) {
		ycfg_error(zl->doc, data, zl->err, "%s: empty list", type);
		rc = -1;
	}
	return rc;
}

/* "@" -> apex, "name." -> absolute, "www" -> www.<apex> */
static char *
owner_text(const struct zload *zl, const char *name)
{
	size_t len = strlen(name);

	if (strcmp(name, "@") == 0)
		return xstrdup(zl->apex);
	if (len > 0 && name[len - 1] == '.')
		return xstrdup(name);
	return xasprintf("%s.%s", name,
	                 strcmp(zl->apex, ".") == 0 ? "" : zl->apex);
}

static bool
valid_owner(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (isspace((unsigned char)*s) || *s == ';' || *s == '(' ||
		    *s == ')' || *s == '"')
			return false;
	return true;
}

static int
load_records(struct zload *zl, const yaml_node_t *records)
{
	yaml_node_t *k, *v;
	int rc = 0;

	/*
	 * Problems found by the map checks are reported there; carry on with
	 * the rest (skipping keys that are not names) to report all errors.
	 */
	if (ycfg_map_check(zl->doc, records, "records", zl->err) == -1)
		rc = -1;
	for (size_t i = 0; ycfg_map_next(zl->doc, records, &i, &k, &v);) {
		const char *name = ycfg_scalar(k);
		if (name == NULL)
			continue;
		if (!valid_owner(name)) {
			ycfg_error(zl->doc, k, zl->err,
			           "records: \"%s\" is not a valid owner name",
			           name);
			rc = -1;
			continue;
		}
		if (!ycfg_is_map(v)) {
			ycfg_error(zl->doc, v, zl->err,
			           "%s: expected a mapping of record types",
			           name);
			rc = -1;
			continue;
		}
		if (ycfg_map_check(zl->doc, v, name, zl->err) == -1)
			rc = -1;
		char *owner = owner_text(zl, name);
		uint32_t ttl = zl->ttl;
		yaml_node_t *tk, *tv;
		/* A name's own ttl applies to all of its types: read it first.
		 */
		for (size_t j = 0; ycfg_map_next(zl->doc, v, &j, &tk, &tv);)
			if (ycfg_scalar(tk) != NULL &&
			    strcmp(ycfg_scalar(tk), "ttl") == 0 &&
			    parse_ttl(zl, tv, &ttl) == -1)
				rc = -1;
		for (size_t j = 0; ycfg_map_next(zl->doc, v, &j, &tk, &tv);) {
			const char *type = ycfg_scalar(tk);
			if (type == NULL || strcmp(type, "ttl") == 0)
				continue;
			if (ldns_get_rr_type_by_name(type) == 0) {
				ycfg_error(zl->doc, tk, zl->err,
				           "%s: unknown record type \"%s\"",
				           name, type);
				rc = -1;
				continue;
			}
			if (load_type(zl, owner, type, ttl, tv) == -1)
				rc = -1;
		}
		free(owner);
	}
	return rc;
}

/*
 * Line `line` (1-based) of `path` for error messages: its text, without
 * leading blanks and the newline, into `text`; returns its indentation as
 * a 1-based column (block scalars are indented inside the YAML file).
 */
static unsigned
file_line(const char *path, unsigned line, char *text, size_t textlen)
{
	FILE *f = fopen(path, "r");
	unsigned n = 1, col = 1;
	size_t len = 0;
	int c;

	text[0] = '\0';
	if (f == NULL)
		return 1;
	while (n < line && (c = getc(f)) != EOF)
		if (c == '\n')
			n++;
	while ((c = getc(f)) == ' ' || c == '\t')
		col++;
	while (c != EOF && c != '\n' && len + 1 < textlen) {
		text[len++] = (char)c;
		c = getc(f);
	}
	text[len] = '\0';
	fclose(f);
	return col;
}

/*
 * Standard zone-file text through ldns's reader ($ORIGIN, $TTL, parentheses
 * and comments work).  `line0` is the file line before the text's first,
 * so errors point into the YAML file (or the zone file) itself.
 */
static int
load_master(struct zload *zl, FILE *fp, const char *file, unsigned line0)
{
	ldns_rdf *origin = ldns_rdf_clone(zl->origin);
	ldns_rdf *prev = NULL;
	uint32_t ttl = zl->ttl;
	int line_nr = 0, rc = 0;
	const char *saved = zl->file;

	zl->file = file;
	/* Each call consumes at least one line, so this terminates. */
	while (!feof(fp)) {
		ldns_rr *rr = NULL;
		int before = line_nr;
		ldns_status st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin,
		                                      &prev, &line_nr);
		unsigned line =
		    line0 + (unsigned)(line_nr > before ? line_nr : before + 1);
		char text[128];
		unsigned col = file_line(file, line, text, sizeof(text));
		if (st == LDNS_STATUS_OK) {
			if (add_rr(zl, rr, line, col) == -1)
				rc = -1;
			continue;
		}
		if (st == LDNS_STATUS_SYNTAX_EMPTY ||
		    st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		errbuf_add(zl->err, file, line, col, "\"%s\": %s", text,
		           st == LDNS_STATUS_SYNTAX_INCLUDE
		               ? "$INCLUDE is not supported"
		               : ldns_get_errorstr_by_id(st));
		rc = -1;
		if (line_nr == before)
			break; /* no progress: stop rather than spin */
	}
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	zl->file = saved;
	return rc;
}

static int
load_inline(struct zload *zl, const char *text)
{
	const yaml_node_t *at =
	    ycfg_map_value(zl->doc, ycfg_doc_root(zl->doc), "zonefile");
	size_t len = strlen(text);
	int rc = 0;

	if (len == 0)
		return 0;
	FILE *fp = fmemopen((void *)(uintptr_t)text, len, "r");
	if (fp == NULL) {
		ycfg_error(zl->doc, at, zl->err, "zonefile: %s",
		           strerror(errno));
		return -1;
	}
	/* A block scalar's text starts on the line after its "|". */
	bool block = at->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
	             at->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
	rc = load_master(zl, fp, zl->file, ycfg_line(at) - (block ? 0 : 1));
	fclose(fp);
	return rc;
}

static int
load_path(struct zload *zl, const char *relpath)
{
	char *path = path_relative(zl->file, relpath);
	FILE *fp = fopen(path, "r");
	int rc = -1;

	if (fp == NULL) {
		ycfg_error(zl->doc,
		           ycfg_map_value(zl->doc, ycfg_doc_root(zl->doc),
		                          "zonefile_path"),
		           zl->err, "zonefile_path: cannot open %s: %s", path,
		           strerror(errno));
	} else {
		rc = load_master(zl, fp, path, 0);
		fclose(fp);
	}
	free(path);
	return rc;
}

/* geo: {NAME: POLICY, ...}: names answered per client (dnsd/geo_name.h). */
static int
load_geo(struct zload *zl, const yaml_node_t *geo)
{
	yaml_node_t *k, *v;
	int rc = 0;

	if (ycfg_map_check(zl->doc, geo, "geo", zl->err) == -1)
		rc = -1;
	for (size_t i = 0; ycfg_map_next(zl->doc, geo, &i, &k, &v);) {
		const char *name = ycfg_scalar(k);
		if (name == NULL)
			continue;
		char *owner = owner_text(zl, name);
		ldns_rdf *dname = NULL;
		if (!valid_owner(name) ||
		    ldns_str2rdf_dname(&dname, owner) != LDNS_STATUS_OK) {
			ycfg_error(zl->doc, k, zl->err,
			           "geo: \"%s\" is not a valid owner name",
			           name);
			free(owner);
			rc = -1;
			continue;
		}
		ldns_dname2canonical(dname);
		/* "cdn.example.net" without the root dot, for logs and tools */
		if (strlen(owner) > 1)
			owner[strlen(owner) - 1] = '\0';
		struct geo_name *g =
		    geo_name_load(zl->doc, v, owner, zl->ttl, zl->env, zl->err);
		if (g == NULL || zonedb_builder_geo(zl->b, ldns_rdf_data(dname),
		                                    ldns_rdf_size(dname), g,
		                                    zl->file, ycfg_line(k),
		                                    ycfg_col(k), zl->err) == -1)
			rc = -1;
		ldns_rdf_deep_free(dname);
		free(owner);
	}
	return rc;
}

/* Everything after the top-level walk; zl->origin is set by the caller. */
static int
load_zone(struct zload *zl, const struct zone_yaml *zy)
{
	const yaml_node_t *zone_at =
	    ycfg_map_value(zl->doc, ycfg_doc_root(zl->doc), "zone");
	char display[LDNS_MAX_DOMAINLEN + 2];
	int rc = 0;

	snprintf(display, sizeof(display), "%s", zl->apex);
	if (strlen(display) > 1)
		display[strlen(display) - 1] = '\0'; /* "example.net" */
	if (zonedb_builder_zone(zl->b, display, ldns_rdf_data(zl->origin),
	                        ldns_rdf_size(zl->origin), zl->file,
	                        ycfg_line(zone_at), ycfg_col(zone_at),
	                        zl->err) == -1)
		return -1;
	if (zy->records != NULL && load_records(zl, zy->records) == -1)
		rc = -1;
	if (zy->zonefile != NULL && load_inline(zl, zy->zonefile) == -1)
		rc = -1;
	if (zy->zonefile_path != NULL && load_path(zl, zy->zonefile_path) == -1)
		rc = -1;
	if (zy->geo != NULL && load_geo(zl, zy->geo) == -1)
		rc = -1;
	if (zy->dnssec != NULL &&
	    zone_keys_conf_load(
	        zl->b, zl->doc, zy->dnssec, zl->file, ldns_rdf_data(zl->origin),
	        ldns_rdf_size(zl->origin), zl->ttl, zl->err) == -1)
		rc = -1;
	return rc;
}

static int
load_doc(struct zonedb_builder *b, struct ycfg_doc *doc,
         const struct geo_env *env, struct errbuf *err)
{
	struct zone_yaml zy = {.ttl_ms = 3600 * 1000};
	struct zload zl = {.b = b, .doc = doc, .err = err, .env = env};
	yaml_node_t *root = ycfg_doc_root(doc);
	size_t len;
	int rc = -1;

	zl.file = ycfg_doc_file(doc);
	/* Go on after a bad key: the records may hold more errors to show. */
	bool walk_ok = ycfg_walk(doc, root, "zone", zone_keys, &zy, err) == 0;
	if (zy.zone == NULL)
		goto out;
	if (zy.ttl_ms % 1000 != 0) {
		ycfg_error(doc, ycfg_map_value(doc, ycfg_doc_root(doc), "ttl"),
		           err, "ttl: must be whole seconds");
		goto out;
	}
	zl.ttl = zy.ttl_ms / 1000;
	len = strlen(zy.zone);
	snprintf(zl.apex, sizeof(zl.apex), "%s%s", zy.zone,
	         len > 0 && zy.zone[len - 1] == '.' ? "" : ".");
	if (len == 0 || !valid_owner(zy.zone) ||
	    ldns_str2rdf_dname(&zl.origin, zl.apex) != LDNS_STATUS_OK) {
		ycfg_error(doc, ycfg_map_value(doc, ycfg_doc_root(doc), "zone"),
		           err, "zone: \"%s\" is not a domain name", zy.zone);
		goto out;
	}
	ldns_dname2canonical(zl.origin);
	zl.wire = ldns_buffer_new(4096);
	rc = load_zone(&zl, &zy);
	if (!walk_ok)
		rc = -1;
out:
	free(zy.zone);
	free(zy.zonefile);
	free(zy.zonefile_path);
	ldns_rdf_deep_free(zl.origin);
	if (zl.wire != NULL)
		ldns_buffer_free(zl.wire);
	return rc;
}

int
zone_load_yaml(struct zonedb_builder *b, const char *path, struct errbuf *err)
{
	struct ycfg_doc *doc = ycfg_load_file(path, err);

	if (doc == NULL)
		return -1;
	int rc = load_doc(b, doc, zonedb_builder_env(b), err);
	ycfg_doc_free(doc);
	return rc;
}

int
zone_load_yaml_string(struct zonedb_builder *b, const char *name,
                      const char *text, size_t len, struct errbuf *err)
{
	struct ycfg_doc *doc = ycfg_load_string(name, text, len, err);

	if (doc == NULL)
		return -1;
	int rc = load_doc(b, doc, zonedb_builder_env(b), err);
	ycfg_doc_free(doc);
	return rc;
}
