/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_hmsg.c: any bytes -> hmsg_decode(), with and without a
 * key; whatever decodes must survive encode -> decode unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The corpus's keyed seeds are made with this key. */
static const uint8_t fuzz_key[] = "fuzz-key-0123456789abcdef";
#define FUZZ_KEYLEN (sizeof(fuzz_key) - 1)

/* Re-encode `m` and decode it again: it must come back the same. */
static void
check_round_trip(const struct hmsg *m, const uint8_t *key, size_t keylen)
{
	static char buf[HMSG_MAX + 1];
	static struct hmsg again;
	const char *why;
	int n;

	n = hmsg_encode(m, key, keylen, buf, sizeof(buf));
	if (n < 0)
		abort(); /* a decoded message always fits its own size */
	if (hmsg_decode(buf, (size_t)n, key, keylen, &again, &why) != 0)
		abort();
	if (strcmp(again.prober, m->prober) != 0 || again.boot != m->boot ||
	    again.seq != m->seq || again.round != m->round ||
	    again.time != m->time || again.interval_ms != m->interval_ms ||
	    again.n != m->n)
		abort();
	for (size_t i = 0; i < m->n; i++) {
		const struct hmsg_edge *a = &again.edge[i], *e = &m->edge[i];
		/* The load exactly: the text carries the value. */
		if (strcmp(a->name, e->name) != 0 || a->state != e->state ||
		    a->has != e->has || a->load != e->load ||
		    a->weight != e->weight || a->drain != e->drain)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hmsg m;
	const char *why;

	if (hmsg_decode((const char *)data, size, NULL, 0, &m, &why) == 0) {
		check_round_trip(&m, NULL, 0);
		check_round_trip(&m, fuzz_key, FUZZ_KEYLEN);
	}
	if (hmsg_decode((const char *)data, size, fuzz_key, FUZZ_KEYLEN, &m,
	                &why) == 0)
		check_round_trip(&m, fuzz_key, FUZZ_KEYLEN);
	return 0;
}
