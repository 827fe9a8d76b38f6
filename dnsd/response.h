/* SPDX-License-Identifier: MIT */
/*
 * dnsd/response.h: a response being written: the buffer and what the
 * writers (the zone walk, CHAOS) found out on the way, which the answer
 * path turns into the header and the OPT record.  Hot path.
 */
#ifndef DNSD_RESPONSE_H
#define DNSD_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dnsd/geo_answer.h"
#include "dnsd/query.h"
#include "dnsd/wire.h"

struct geo_name;
struct sigcache;
struct zone;

/* CNAME and DNAME links followed within a zone before giving up. */
#define RESPONSE_CHAIN_MAX 8

struct response {
	struct wbuf w;
	unsigned rcode; /* may be extended (BADVERS) */
	bool aa;
	bool tc;             /* an answer or authority RRset did not fit */
	bool tailored;       /* the answer depends on the client (a geo name) */
	bool wild;           /* made from a wildcard (RFC 4592) */
	uint64_t zone_about; /* a hash of the zone's name: query.h's about */
	uint8_t ecs_scope;   /* RFC 7871 §7.2.1: 0 unless tailored */
	uint16_t an, ns, ar;
	/* The geo name answered (the answer depends on the client), or NULL. */
	const struct geo_name *geo;
	struct geo_trace trace; /* how it answered (geo != NULL) */
	struct wmark after_question;
	/*
	 * DNSSEC (set by the caller after response_start()): DO was set, so
	 * a signed zone's answer carries its RRSIGs and denial; CO was set
	 * (RFC 9824 §4), so compact denial keeps NXDOMAIN; the time
	 * signatures made now start from.
	 */
	bool dnssec;
	bool compact_ok;
	uint32_t now;
	/* Set by the zone walk: the signed zone answering (DO set), or NULL;
	 * the name did not exist (NXDOMAIN, even when compact denial answers
	 * NOERROR); signatures made for this answer. */
	const struct zone *signer;
	struct sigcache *sigcache;
	bool nxname;
	unsigned sig_cached, signed_online; /* RRSIG sets, as in stats.h */
	unsigned nsynth;
	/*
	 * Names made by DNAME substitution: owners must outlive the packet.
	 * Last, so that response_start() need not clear them.
	 */
	uint8_t synth[RESPONSE_CHAIN_MAX][WIRE_NAME_MAX];
};

/*
 * Start the response to `q` in buf[0..cap): room for the header (written
 * last, by the answer path) and the question echoed as sent, its name
 * uncompressed at offset 12 and remembered for compression.
 */
static inline void
response_start(struct response *r, uint8_t *buf, size_t cap,
               const struct query *q)
{
	memset(r, 0, offsetof(struct response, synth));
	wbuf_init(&r->w, buf, cap);
	r->w.len = WIRE_HDR_LEN; /* the header: written last */
	if (cap < WIRE_HDR_LEN)
		r->w.full = true;
	if (q->have_question) {
		wbuf_put_name(&r->w, q->qname.raw, q->qname.len, true);
		wbuf_put_u16(&r->w, q->qtype);
		wbuf_put_u16(&r->w, q->qclass);
	}
	r->after_question = wbuf_mark(&r->w);
}

#endif
