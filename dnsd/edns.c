/* SPDX-License-Identifier: MIT */
/* dnsd/edns.c: the OPT pseudo-RR (RFC 6891) and Client Subnet (RFC 7871). */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/edns.h"

#include <string.h>

#include "dnsd/wire.h"

/* RFC 7871 §6: family 1 = IPv4 (32 bits), 2 = IPv6 (128 bits). */
static int
parse_ecs(const uint8_t *p, uint16_t len, struct edns *e)
{
	if (e->ecs || len < 4)
		return -1;
	uint16_t family = (uint16_t)(p[0] << 8 | p[1]);
	uint8_t source = p[2], scope = p[3];
	unsigned maxbits = family == 1 ? 32 : family == 2 ? 128 : 0;
	unsigned alen = (source + 7u) / 8u;

	if (maxbits == 0 || source > maxbits)
		return -1;
	/* §6: "SCOPE PREFIX-LENGTH ... in queries, it MUST be set to 0" */
	if (scope != 0)
		return -1;
	/* §6: ADDRESS is truncated to the prefix, padded to whole octets. */
	if (len - 4u != alen)
		return -1;
	const uint8_t *addr = p + 4;
	if (source % 8 != 0 && (addr[alen - 1] & (0xFFu >> (source % 8))) != 0)
		return -1;
	e->ecs = true;
	e->ecs_family = (uint8_t)family;
	e->ecs_source = source;
	memset(e->ecs_addr, 0, sizeof(e->ecs_addr));
	memcpy(e->ecs_addr, addr, alen);
	return 0;
}

int
edns_parse_rr(struct wcur *c, bool owner_is_root, struct edns *e)
{
	/* Type, class, TTL and RDLENGTH: 10 octets, checked once. */
	const uint8_t *f = wcur_skip(c, 10);
	if (f == NULL)
		return -1;
	uint16_t type = (uint16_t)(f[0] << 8 | f[1]);
	uint16_t class = (uint16_t)(f[2] << 8 | f[3]);
	uint32_t ttl = (uint32_t)f[4] << 24 | (uint32_t)f[5] << 16 |
	               (uint32_t)f[6] << 8 | f[7];
	uint16_t rdlen = (uint16_t)(f[8] << 8 | f[9]);
	const uint8_t *rd = wcur_skip(c, rdlen);

	if (rd == NULL)
		return -1;
	if (type != T_OPT)
		return 1;
	/* RFC 6891 §6.1.1: more than one OPT is FORMERR; §6.1.2: root owner */
	if (e->present || !owner_is_root)
		return -1;
	e->present = true;
	/* §6.1.3: values below 512 are treated as 512 */
	e->udp_size = class < 512 ? 512 : class;
	e->version = (uint8_t)(ttl >> 16);
	e->do_bit = (ttl & 0x8000) != 0;
	e->co_bit = (ttl & 0x4000) != 0;

	for (uint16_t off = 0; off < rdlen;) {
		if (rdlen - off < 4)
			return -1;
		uint16_t code = (uint16_t)(rd[off] << 8 | rd[off + 1]);
		uint16_t olen = (uint16_t)(rd[off + 2] << 8 | rd[off + 3]);
		off += 4;
		if (rdlen - off < olen)
			return -1;
		if (code == EDNS_OPT_ECS) {
			if (parse_ecs(rd + off, olen, e) == -1)
				return -1;
		} else if (code == EDNS_OPT_COOKIE) {
			/* RFC 7873 §5.2.2: a client cookie alone, or with
			 * a server cookie of 8 to 32 octets */
			if (e->cookie != NULL ||
			    (olen != EDNS_COOKIE_CLIENT &&
			     (olen < EDNS_COOKIE_CLIENT + 8 ||
			      olen > EDNS_COOKIE_MAX)))
				return -1;
			e->cookie = rd + off;
			e->cookie_len = (uint8_t)olen;
		} else if (code == EDNS_OPT_NSID) {
			e->nsid =
			    true; /* RFC 5001: empty in queries; ignore data */
		}
		off += olen;
	}
	return 0;
}

unsigned
edns_opt_len(const struct edns *q, unsigned nsid_len)
{
	unsigned len = 11; /* root name, type, class, ttl, rdlength */

	if (q->ecs)
		len += 4 + 4 + (q->ecs_source + 7u) / 8u;
	if (q->nsid && nsid_len > 0)
		len += 4 + nsid_len;
	if (q->cookie_state != EDNS_COOKIE_NONE)
		len += 4 + EDNS_COOKIE_CLIENT + EDNS_COOKIE_SERVER;
	return len;
}

size_t
edns_put_opt(uint8_t *p, const struct edns *q, uint16_t our_size,
             unsigned rcode, uint8_t ecs_scope, const uint8_t *nsid,
             unsigned nsid_len)
{
	unsigned len = edns_opt_len(q, nsid_len);
	unsigned rdlen = len - 11;
	uint8_t *o = p + 11;

	p[0] = 0; /* the root */
	p[1] = (uint8_t)(T_OPT >> 8);
	p[2] = (uint8_t)T_OPT;
	p[3] = (uint8_t)(our_size >> 8);
	p[4] = (uint8_t)our_size;
	/* RFC 6891 §6.1.3: upper 8 bits of the 12-bit rcode, version 0 */
	p[5] = (uint8_t)(rcode >> 4);
	p[6] = 0;
	p[7] = q->do_bit ? 0x80 : 0;
	if (q->co_bit && q->do_bit)
		p[7] |= 0x40; /* RFC 9824 §4: CO is echoed */
	p[8] = 0;
	p[9] = (uint8_t)(rdlen >> 8);
	p[10] = (uint8_t)rdlen;
	if (q->ecs) {
		unsigned alen = (q->ecs_source + 7u) / 8u;
		/*
		 * RFC 7871 §7.2.1: echo family, source prefix and address;
		 * the scope says how widely the answer may be cached.
		 */
		o[0] = (uint8_t)(EDNS_OPT_ECS >> 8);
		o[1] = (uint8_t)EDNS_OPT_ECS;
		o[2] = 0;
		o[3] = (uint8_t)(4 + alen);
		o[4] = (uint8_t)(q->ecs_family >> 8);
		o[5] = (uint8_t)q->ecs_family;
		o[6] = q->ecs_source;
		o[7] = ecs_scope;
		memcpy(o + 8, q->ecs_addr, alen);
		o += 8 + alen;
	}
	if (q->nsid && nsid_len > 0) {
		o[0] = (uint8_t)(EDNS_OPT_NSID >> 8);
		o[1] = (uint8_t)EDNS_OPT_NSID;
		o[2] = (uint8_t)(nsid_len >> 8);
		o[3] = (uint8_t)nsid_len;
		memcpy(o + 4, nsid, nsid_len);
		o += 4 + nsid_len;
	}
	if (q->cookie_state != EDNS_COOKIE_NONE) {
		o[0] = (uint8_t)(EDNS_OPT_COOKIE >> 8);
		o[1] = (uint8_t)EDNS_OPT_COOKIE;
		o[2] = 0;
		o[3] = EDNS_COOKIE_CLIENT + EDNS_COOKIE_SERVER;
		memcpy(o + 4, q->cookie, EDNS_COOKIE_CLIENT);
		memcpy(o + 4 + EDNS_COOKIE_CLIENT, q->cookie_reply,
		       EDNS_COOKIE_SERVER);
	}
	return len;
}

void
edns_write_opt(struct wbuf *w, const struct edns *q, uint16_t our_size,
               unsigned rcode, uint8_t ecs_scope, const uint8_t *nsid,
               unsigned nsid_len)
{
	if (wbuf_room(w, edns_opt_len(q, nsid_len)))
		w->len += edns_put_opt(w->buf + w->len, q, our_size, rcode,
		                       ecs_scope, nsid, nsid_len);
}
