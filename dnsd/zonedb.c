/* SPDX-License-Identifier: MIT */
/* dnsd/zonedb.c: compiled zones, looked up: the zone for a name, the node
 * for a name in a zone, the RRset of a type at a node.  The builder that
 * lays them out is in zonedb_build.c. */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/zonedb.h"

#include <stdint.h>
#include <string.h>

#include "dnsd/wire.h"

const struct zone *
zonedb_find_zone(const struct zonedb *db, const struct wname *n, unsigned from,
                 unsigned *label)
{
	for (unsigned i = from; i <= n->nlabels; i++) {
		const uint8_t *suffix = n->key + n->lab[i];
		size_t len = n->len - n->lab[i];
		for (uint32_t s = n->hash[i] & db->mask;;
		     s = (s + 1) & db->mask) {
			const struct zone *z = db->table[s];
			if (z == NULL)
				break;
			if (z->hash == n->hash[i] && z->apexlen == len &&
			    memcmp(z->apex, suffix, len) == 0) {
				*label = i;
				return z;
			}
		}
	}
	return NULL;
}

const struct znode *
zone_find_node(const struct zone *z, const struct wname *n, unsigned label)
{
	const uint8_t *suffix = n->key + n->lab[label];
	size_t len = n->len - n->lab[label];
	uint32_t hash = n->hash[label];

	for (uint32_t s = hash & z->mask;; s = (s + 1) & z->mask) {
		const struct znode *node = z->table[s];
		if (node == NULL)
			return NULL;
		if (node->hash == hash && node->namelen == len &&
		    memcmp(node->name, suffix, len) == 0)
			return node;
	}
}

const struct rrset *
znode_rrset(const struct znode *node, uint16_t type)
{
	/* A node holds a handful of RRsets: a linear scan beats bsearch. */
	for (uint16_t i = 0; i < node->nrrsets; i++)
		if (node->rrsets[i].type == type)
			return &node->rrsets[i];
	return NULL;
}
