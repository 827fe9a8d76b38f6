/* SPDX-License-Identifier: MIT */
/* dnsd/zone_keys_conf.c: a zone's `dnssec:` section -> its keys. */
#include "dnsd/zone_keys_conf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "common/ycfg.h"
#include "dnsd/dnssec_key.h"
#include "dnsd/wire.h"
#include "dnsd/zone_sign.h"
#include "dnsd/zonedb.h"

#define DAY_MS (86400ull * 1000)

struct dnssec_yaml {
	yaml_node_t *keys;
	unsigned validity_ms;
	unsigned refresh_ms;
};

static const struct ycfg_key dnssec_keys[] = {
    {"keys", YCFG_NODE, offsetof(struct dnssec_yaml, keys), .req = true},
    /* Up to 24 days: milliseconds in an unsigned. */
    {"signature_validity", YCFG_DURATION,
     offsetof(struct dnssec_yaml, validity_ms), .min = 2 * 3600 * 1000,
     .max = 24 * DAY_MS},
    {"refresh", YCFG_DURATION, offsetof(struct dnssec_yaml, refresh_ms),
     .min = 10 * 1000, .max = 24 * DAY_MS},
    YCFG_END,
};

/* A key's entry: a stem, or {file: STEM, state: publish|active|retire}. */
struct key_yaml {
	char *file;
	int state;
};

static const char *const states[] = {"publish", "active", "retire", NULL};

static const struct ycfg_key key_keys[] = {
    {"file", YCFG_STR, offsetof(struct key_yaml, file), .req = true},
    {"state", YCFG_ENUM, offsetof(struct key_yaml, state), .enums = states},
    YCFG_END,
};

/* Read the key of entry `item` into `k`; errors at the entry. */
static int
load_key(const struct ycfg_doc *doc, const yaml_node_t *item, const char *file,
         const uint8_t *apex, size_t apexlen, struct dnssec_key *k,
         struct errbuf *err)
{
	struct key_yaml ky = {.state = DNSSEC_KEY_ACTIVE};
	char why[512];
	char *path = NULL;
	int rc = -1;

	if (ycfg_is_scalar(item))
		ky.file = xstrdup(ycfg_scalar(item));
	else if (ycfg_walk(doc, item, "dnssec.keys", key_keys, &ky, err) == -1)
		goto out;
	path = path_relative(file, ky.file);
	if (dnssec_key_load(k, path, apex, apexlen, why, sizeof(why)) == -1) {
		ycfg_error(doc, item, err, "dnssec.keys: %s: %s", ky.file, why);
	} else {
		free(k->path);
		k->path = xstrdup(ky.file); /* as written, for dnsdctl */
		k->state = (enum dnssec_key_state)ky.state;
		rc = 0;
	}
out:
	free(path);
	free(ky.file);
	return rc;
}

/* One apex record for the builder. */
static int
add_apex_rr(struct zonedb_builder *b, const uint8_t *apex, size_t apexlen,
            uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen,
            const char *file, const yaml_node_t *at, struct errbuf *err)
{
	struct zrr rr = {
	    .owner = apex,
	    .ownerlen = apexlen,
	    .type = type,
	    .ttl = ttl,
	    .rdata = rdata,
	    .rdlen = (uint16_t)rdlen,
	    .target_off = -1,
	    .file = file,
	    .line = ycfg_line(at),
	    .col = ycfg_col(at),
	};
	return zonedb_builder_rr(b, &rr, err);
}

/* DNSKEY for every key; CDS and CDNSKEY for those at the parent. */
static int
add_apex_records(struct zonedb_builder *b, const struct zone_keys *keys,
                 const uint8_t *apex, size_t apexlen, uint32_t ttl,
                 const char *file, const yaml_node_t *at, struct errbuf *err)
{
	int rc = 0;

	for (size_t i = 0; i < keys->n; i++) {
		const struct dnssec_key *k = &keys->key[i];
		uint8_t ds[DS_RDATA_LEN];
		if (add_apex_rr(b, apex, apexlen, T_DNSKEY, ttl, k->dnskey,
		                k->dnskey_len, file, at, err) == -1)
			rc = -1;
		if (!zone_keys_at_parent(keys, i))
			continue;
		if (dnssec_key_ds(k, apex, apexlen, ds) == -1 ||
		    add_apex_rr(b, apex, apexlen, T_CDS, ttl, ds, sizeof(ds),
		                file, at, err) == -1 ||
		    add_apex_rr(b, apex, apexlen, T_CDNSKEY, ttl, k->dnskey,
		                k->dnskey_len, file, at, err) == -1)
			rc = -1;
	}
	return rc;
}

int
zone_keys_conf_load(struct zonedb_builder *b, const struct ycfg_doc *doc,
                    const yaml_node_t *node, const char *file,
                    const uint8_t *apex, size_t apexlen, uint32_t ttl,
                    struct errbuf *err)
{
	struct dnssec_yaml dy = {.validity_ms = 14 * DAY_MS,
	                         .refresh_ms = 7 * DAY_MS};
	struct zone_keys *keys = xcalloc(1, sizeof(*keys));
	yaml_node_t *item;
	char why[256];
	int rc = 0;

	if (ycfg_walk(doc, node, "dnssec", dnssec_keys, &dy, err) == -1)
		goto fail;
	if (!ycfg_is_seq(dy.keys) && !ycfg_is_scalar(dy.keys)) {
		ycfg_error(doc, dy.keys, err,
		           "dnssec.keys: a key file, or a list of them");
		goto fail;
	}
	if (dy.refresh_ms >= dy.validity_ms) {
		ycfg_error(doc, ycfg_map_value(doc, node, "refresh"), err,
		           "dnssec.refresh: must be shorter than "
		           "signature_validity, or signatures expire before "
		           "they are made again");
		goto fail;
	}
	keys->validity = dy.validity_ms / 1000;
	keys->refresh = dy.refresh_ms / 1000;
	keys->dnskey_ttl = ttl;
	if (ycfg_is_scalar(dy.keys)) {
		keys->key = xcalloc(1, sizeof(*keys->key));
		if (load_key(doc, dy.keys, file, apex, apexlen, &keys->key[0],
		             err) == -1)
			goto fail;
		keys->n = 1;
	}
	for (size_t i = 0; ycfg_seq_next(doc, dy.keys, &i, &item);) {
		keys->key =
		    xreallocarray(keys->key, keys->n + 1, sizeof(*keys->key));
		memset(&keys->key[keys->n], 0, sizeof(*keys->key));
		if (load_key(doc, item, file, apex, apexlen,
		             &keys->key[keys->n], err) == -1) {
			dnssec_key_clear(&keys->key[keys->n]);
			rc = -1;
			continue;
		}
		for (size_t j = 0; j < keys->n; j++)
			if (keys->key[j].tag == keys->key[keys->n].tag &&
			    keys->key[j].algorithm ==
			        keys->key[keys->n].algorithm) {
				ycfg_error(
				    doc, item, err,
				    "dnssec.keys: key %u is listed twice",
				    keys->key[j].tag);
				rc = -1;
			}
		keys->n++;
	}
	if (rc == -1)
		goto fail;
	if (keys->n == 0 || zone_keys_roles(keys, why, sizeof(why)) == -1) {
		ycfg_error(doc, dy.keys, err, "dnssec.keys: %s",
		           keys->n == 0 ? "no key listed" : why);
		goto fail;
	}
	if (add_apex_records(b, keys, apex, apexlen, ttl, file, dy.keys, err) ==
	    -1)
		goto fail;
	zonedb_builder_keys(b, keys);
	return 0;
fail:
	zone_keys_free(keys);
	return -1;
}
