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

/*
 * What kind of response a query got, set by answer_query(): response rate
 * limiting counts responses by it (rrl.h), as BIND and Knot do.
 */
enum query_kind {
	QUERY_KIND_ANSWER,   /* records for the name and type asked */
	QUERY_KIND_WILDCARD, /* records made from a wildcard */
	QUERY_KIND_NODATA,
	QUERY_KIND_NXDOMAIN,
	QUERY_KIND_REFERRAL,
	QUERY_KIND_ERROR, /* any other rcode */
	QUERY_KINDS
};

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
	/*
	 * Set by answer_query(): the kind of response, and a hash of what it
	 * is about: the name and type asked for an answer, the zone's name
	 * for the other kinds but errors (random names under one zone or
	 * wildcard count as one), 0 for errors.
	 */
	uint8_t kind; /* enum query_kind */
	uint64_t about;
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

/* Room for a question's name as text (every octet may take four). */
#define QUERY_NAME_TEXT (WIRE_NAME_MAX * 4 + 1)

/* The question's name as text ("-" when it has none).  Not hot. */
void query_name_text(const struct query *q, char *out, size_t outlen);

/* The sender's address as text ("-" when unknown).  Not hot. */
void query_client_text(const struct query *q, char *out, size_t outlen);

#endif
