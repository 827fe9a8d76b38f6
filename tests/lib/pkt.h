/* SPDX-License-Identifier: MIT */
/* tests/lib/pkt.h: DNS messages built by hand for the tests and tools. */
#ifndef TESTS_LIB_PKT_H
#define TESTS_LIB_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Deliberately independent of dnsd/wire.c: a test that built its queries
 * with the code under test could not catch that code's mistakes.  Every
 * field is written as given, so tests can send what no resolver would
 * (odd EDNS versions, two OPTs, raw option bytes).
 */

#define PKT_MAX 4096
#define PKT_HDR_LEN 12
#define PKT_T_OPT 41
#define PKT_OPT_ECS 8
/* The OPT TTL field (RFC 6891 §6.1.3): version and DO; extended rcode 0. */
#define PKT_EDNS_TTL(version, do_bit)                                          \
	((uint32_t)(version) << 16 | ((do_bit) ? 0x8000u : 0))

/* A message being built.  Writes past PKT_MAX are dropped and set `full`. */
struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
	bool full; /* sticky */
};

void pkt_init(struct pkt *p);
void pkt_put(struct pkt *p, const void *data, size_t len);
void pkt_u8(struct pkt *p, unsigned v);
void pkt_u16(struct pkt *p, unsigned v);
void pkt_u32(struct pkt *p, uint32_t v);
/* Overwrite the 16 bits at `at` (an ID, a count, an RDLENGTH). */
void pkt_set_u16(struct pkt *p, size_t at, unsigned v);
/* The 16 bits at `b`, network order. */
unsigned pkt_get_u16(const uint8_t *b);

/*
 * "www.example.com" (a trailing dot is optional; "." or "" is the root) to
 * wire form in `out`.  No escapes; case is kept.  Returns the length, or 0
 * for an empty label or a name too long for `cap` or for DNS (RFC 1035).
 */
size_t pkt_name_wire(uint8_t *out, size_t cap, const char *text);

/* A header: ID, flags word (QR, opcode, AA, ..., RCODE) and the counts. */
void pkt_header(struct pkt *p, unsigned id, unsigned flags, unsigned qd,
                unsigned an, unsigned ns, unsigned ar);
/* A question from a wire-form name. */
void pkt_question(struct pkt *p, const uint8_t *name, size_t len,
                  unsigned qtype, unsigned qclass);
/*
 * Start `p` over as a query: header with QDCOUNT 1 and ARCOUNT `ar` (the
 * caller appends those records), then the question for `name` (text, as
 * pkt_name_wire).  Returns 0, or -1 if the name is not valid.
 */
int pkt_query(struct pkt *p, unsigned id, unsigned flags, const char *name,
              unsigned qtype, unsigned qclass, unsigned ar);

/*
 * A class IN query (ID 0) for `name` and `qtype`, with an OPT record
 * (payload 1232, version 0) holding the options already encoded in `opts`,
 * or without EDNS when `opts` is NULL.  *qend gets the end of the
 * question.  Returns 0, or -1 if the name is not valid or it does not fit.
 */
int pkt_query_edns(struct pkt *p, const char *name, unsigned qtype,
                   const struct pkt *opts, size_t *qend);

/*
 * A resource record from its TYPE field on (the caller writes the owner):
 * pkt_rr_begin writes TYPE, CLASS, TTL and a zero RDLENGTH and returns
 * where that is; append the RDATA, then pkt_rr_end sets RDLENGTH.
 */
size_t pkt_rr_begin(struct pkt *p, unsigned type, unsigned rclass,
                    uint32_t ttl);
void pkt_rr_end(struct pkt *p, size_t mark);
/* The same in one call; `rdata` may be NULL when `rdlen` is 0. */
void pkt_rr(struct pkt *p, unsigned type, unsigned rclass, uint32_t ttl,
            const void *rdata, size_t rdlen);

/*
 * An OPT RR (RFC 6891 §6.1.2): root owner, CLASS the UDP payload size,
 * TTL as PKT_EDNS_TTL or raw.  pkt_opt_begin/pkt_rr_end bracket options
 * added with pkt_option; pkt_opt takes the whole RDATA at once.
 */
size_t pkt_opt_begin(struct pkt *p, unsigned udp_size, uint32_t ttl);
void pkt_opt(struct pkt *p, unsigned udp_size, uint32_t ttl, const void *rdata,
             size_t rdlen);
/* One EDNS option: code, length, data. */
void pkt_option(struct pkt *p, unsigned code, const void *data, size_t len);
/*
 * A Client Subnet option (RFC 7871 §6) from "addr/prefix", the address
 * cut to the prefix, scope 0.  Returns 0, or -1 if `text` is not that.
 */
int pkt_ecs(struct pkt *p, const char *text);

/* A TCP message: 2-octet length, then `msg`; returns len + 2. */
size_t pkt_frame(uint8_t *out, const uint8_t *msg, size_t len);

/*
 * Describe a header (at least PKT_HDR_LEN octets) as the tools print it:
 * "flags=qr,aa qd=1 an=2 ns=0 ar=1" ("flags=-" when none is set).
 */
void pkt_print_flags_counts(FILE *f, const uint8_t *hdr);

#endif
