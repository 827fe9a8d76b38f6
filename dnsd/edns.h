/* SPDX-License-Identifier: MIT */
/* dnsd/edns.h: the OPT pseudo-RR (RFC 6891) and Client Subnet (RFC 7871).
 * Hot path: no allocation, no logging. */
#ifndef DNSD_EDNS_H
#define DNSD_EDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wcur;
struct wbuf;

#define EDNS_OPT_NSID 3
#define EDNS_OPT_ECS 8
#define EDNS_OPT_COOKIE 10

/* RFC 7873 §4: a client cookie of 8 octets, a server cookie of 8 to 32. */
#define EDNS_COOKIE_CLIENT 8
#define EDNS_COOKIE_MAX 40
/* The server cookies we make (RFC 9018 §4): version, reserved, time, hash. */
#define EDNS_COOKIE_SERVER 16

/* What became of a query's COOKIE option (cookie.h judges it). */
enum edns_cookie {
	EDNS_COOKIE_NONE,        /* no option: no cookie in the reply */
	EDNS_COOKIE_CLIENT_ONLY, /* a client cookie alone: we send ours */
	EDNS_COOKIE_BAD,         /* a server cookie we did not make, or stale */
	EDNS_COOKIE_VALID, /* one of ours, fresh: the client is who it says */
};

/* What a query's OPT record asked for. */
struct edns {
	bool present;
	bool do_bit; /* DNSSEC OK, echoed (RFC 3225) */
	bool co_bit; /* Compact Answers OK (RFC 9824 §4), echoed with DO */
	bool nsid;   /* NSID requested (RFC 5001) */
	bool ecs;    /* a valid Client Subnet option was sent */
	uint8_t version;
	uint16_t udp_size;    /* requestor's payload size, at least 512 */
	uint8_t ecs_family;   /* 1 = IPv4, 2 = IPv6 (IANA address family) */
	uint8_t ecs_source;   /* source prefix length */
	uint8_t ecs_addr[16]; /* address, zero beyond the source prefix */
	/*
	 * The COOKIE option (RFC 7873), in the packet: the client cookie,
	 * then the server cookie if cookie_len > 8.  NULL: none sent.
	 */
	const uint8_t *cookie;
	uint8_t cookie_len;
	/* Set by cookie_judge(): how it went, and the server cookie the
	 * reply carries (with the client cookie) unless state is NONE. */
	uint8_t cookie_state; /* enum edns_cookie */
	uint8_t cookie_reply[EDNS_COOKIE_SERVER];
};

/*
 * Parse the RR whose owner name the cursor has just passed, if it is an OPT
 * (type 41), into `e`.  The cursor is at the TYPE field; on return it is past
 * the RR.  Returns 0, 1 if the RR is not an OPT (skipped), or -1 when the
 * query must get FORMERR: a second OPT, a non-root owner (`owner_is_root`
 * false), an option running past RDATA, an invalid ECS option (RFC 7871
 * §6: unknown family, prefix too long, address length not matching the
 * prefix, bits set beyond it, non-zero scope), a second ECS option, a
 * COOKIE option of a length RFC 7873 §5.2.2 calls malformed or a second one.
 * Unknown options are ignored.  A version other than 0 is parsed normally;
 * the caller answers BADVERS.
 */
int edns_parse_rr(struct wcur *c, bool owner_is_root, struct edns *e);

/* Octets the response OPT will take for this query, to reserve room. */
unsigned edns_opt_len(const struct edns *q, unsigned nsid_len);

/*
 * Append the response OPT: our payload size, the extended rcode bits of
 * `rcode`, DO echoed, ECS echoed with `ecs_scope` (RFC 7871 §7.2) when the
 * query carried ECS, NSID when asked and `nsid_len` > 0, the client's
 * cookie and ours (cookie_reply) when cookie_state is not NONE.  If it does not
 * fit, nothing is written and `w` is marked full.
 */
void edns_write_opt(struct wbuf *w, const struct edns *q, uint16_t our_size,
                    unsigned rcode, uint8_t ecs_scope, const uint8_t *nsid,
                    unsigned nsid_len);

/*
 * The same at `p`, where the caller made room for edns_opt_len() octets
 * (the compiled-response path, which checked its size limit already).
 * Returns the octets written.
 */
size_t edns_put_opt(uint8_t *p, const struct edns *q, uint16_t our_size,
                    unsigned rcode, uint8_t ecs_scope, const uint8_t *nsid,
                    unsigned nsid_len);

#endif
