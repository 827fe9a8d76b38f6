/* SPDX-License-Identifier: MIT */
/*
 * dnsd/zone_keys_conf.h: a zone file's `dnssec:` section (zones/README.md,
 * "DNSSEC"): its keys, read from their files, and the records they put at
 * the apex (DNSKEY, and CDS and CDNSKEY for the keys the parent's DS
 * should name, RFC 7344).  Load path.
 */
#ifndef DNSD_ZONE_KEYS_CONF_H
#define DNSD_ZONE_KEYS_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

struct errbuf;
struct ycfg_doc;
struct zonedb_builder;

/*
 * Load the `dnssec:` mapping `node` of the zone with canonical wire apex
 * `apex` whose file is `file` (key paths are relative to its folder), add
 * the apex records with TTL `ttl` to the builder's current zone, and hand
 * it the keys.  Every problem goes to `err` at its position.  Returns 0
 * or -1.
 */
int zone_keys_conf_load(struct zonedb_builder *b, const struct ycfg_doc *doc,
                        const yaml_node_t *node, const char *file,
                        const uint8_t *apex, size_t apexlen, uint32_t ttl,
                        struct errbuf *err);

#endif
