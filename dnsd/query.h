/* SPDX-License-Identifier: MIT */
/*
 * dnsd/query.h: a DNS message parsed once: header, question, OPT and
 * Client Subnet, and the client an answer is tailored for.  Everything
 * after the parse (compiled answers, the zone walk, the query log) reads
 * this struct; nothing parses the packet again.  Hot path: no allocation,
 * no logging.
 */
#ifndef DNSD_QUERY_H
#define DNSD_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsd/edns.h"
#include "dnsd/wire.h"
#include "geo/geo.h"

struct sockaddr;

/* What to do with a message. */
enum query_verdict {
	QUERY_ANSWER,     /* answer it (with q->rcode if not NOERROR) */
	QUERY_DROP_SHORT, /* under 2 octets: no ID to answer with */
	QUERY_DROP_QR,    /* QR set: a response, never answered (loops) */
};

struct query {
	const uint8_t *pkt; /* borrowed: the packet must outlive the query */
	size_t len;
	const struct sockaddr *from; /* the sender; NULL: unknown */
	bool tcp;
	enum query_verdict verdict;
	/*
	 * NOERROR, or what parsing found to answer with: FORMERR (malformed,
	 * RFC 1035 §4.1.1), NOTIMP (an opcode other than QUERY).
	 */
	unsigned rcode;
	uint16_t id;
	uint16_t flags;     /* the header's second word, as far as it arrived */
	bool have_question; /* may be echoed (it parsed) */
	uint16_t qtype;
	uint16_t qclass;
	struct edns edns;
	/* query_client(): computed once, on first use */
	bool client_done;
	const struct geo_client *client;
	struct geo_client client_buf;
	struct wname qname; /* last: large, and mostly unused */
};

/*
 * Parse the `len` octets of `pkt` that came from `from` (AF_INET or
 * AF_INET6; NULL when unknown) over TCP or UDP.  Never fails: whatever
 * the bytes, q->verdict says whether to answer and q->rcode with what.
 * Never reads outside pkt[0..len).  Hot path.
 */
void query_parse(struct query *q, const uint8_t *pkt, size_t len, bool tcp,
                 const struct sockaddr *from);

/*
 * The client a geo answer is tailored for: the Client Subnet when the
 * query has one (RFC 7871 §7.1.1), else the sender.  NULL for "do not
 * tailor": an ECS source prefix of 0, or no address at all.  Hot path.
 */
const struct geo_client *query_client(struct query *q);

#endif
