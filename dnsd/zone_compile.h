/* SPDX-License-Identifier: MIT */
/* dnsd/zone_compile.h: zone YAML files -> records for the zonedb builder.
 * Load path only (libyaml, ldns). */
#ifndef DNSD_ZONE_COMPILE_H
#define DNSD_ZONE_COMPILE_H

#include <stddef.h>

struct errbuf;
struct zonedb_builder;

/*
 * Read one zone file (format: zones/README.md) and add its zone, records
 * and geo names to `b` (geo names compile against zonedb_builder_env()). Record
 * data is parsed with ldns, so every type ldns knows works. Every problem is
 * added to `err` as file:line:col.  Returns 0 or -1.
 */
int zone_load_yaml(struct zonedb_builder *b, const char *path,
                   struct errbuf *err);

/* The same from memory; `name` stands for the file in errors and is the
 * base for a relative zonefile_path. */
int zone_load_yaml_string(struct zonedb_builder *b, const char *name,
                          const char *text, size_t len, struct errbuf *err);

#endif
