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

/* What a query's OPT record asked for. */
struct edns {
	bool present;
	bool do_bit; /* DNSSEC OK, echoed (RFC 3225) */
	bool nsid;   /* NSID requested (RFC 5001) */
	bool ecs;    /* a valid Client Subnet option was sent */
	uint8_t version;
	uint16_t udp_size;    /* requestor's payload size, at least 512 */
	uint8_t ecs_family;   /* 1 = IPv4, 2 = IPv6 (IANA address family) */
	uint8_t ecs_source;   /* source prefix length */
	uint8_t ecs_addr[16]; /* address, zero beyond the source prefix */
};

/*
 * Parse the RR whose owner name the cursor has just passed, if it is an OPT
 * (type 41), into `e`.  The cursor is at the TYPE field; on return it is past
 * the RR.  Returns 0, 1 if the RR is not an OPT (skipped), or -1 when the
 * query must get FORMERR: a second OPT, a non-root owner (`owner_is_root`
 * false), an option running past RDATA, an invalid ECS option (RFC 7871
 * §6: unknown family, prefix too long, address length not matching the
 * prefix, bits set beyond it, non-zero scope) or a second ECS option.
 * Unknown options are ignored.  A version other than 0 is parsed normally;
 * the caller answers BADVERS.
 */
int edns_parse_rr(struct wcur *c, bool owner_is_root, struct edns *e);

/* Octets the response OPT will take for this query, to reserve room. */
unsigned edns_opt_len(const struct edns *q, unsigned nsid_len);

/*
 * Append the response OPT: our payload size, the extended rcode bits of
 * `rcode`, DO echoed, ECS echoed with `ecs_scope` (RFC 7871 §7.2) when the
 * query carried ECS, NSID when asked and `nsid_len` > 0.  If it does not
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
