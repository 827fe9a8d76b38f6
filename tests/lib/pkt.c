/* SPDX-License-Identifier: MIT */
/* tests/lib/pkt.c: DNS messages built by hand for the tests and tools. */
#include "tests/lib/pkt.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define NAME_MAX_LEN 255
#define LABEL_MAX_LEN 63

void
pkt_init(struct pkt *p)
{
	p->len = 0;
	p->full = false;
}

void
pkt_put(struct pkt *p, const void *data, size_t len)
{
	if (p->full || len > sizeof(p->b) - p->len) {
		p->full = true;
		return;
	}
	if (len > 0) /* memcpy(x, NULL, 0) is UB */
		memcpy(p->b + p->len, data, len);
	p->len += len;
}

void
pkt_u8(struct pkt *p, unsigned v)
{
	uint8_t b = (uint8_t)v;

	pkt_put(p, &b, 1);
}

void
pkt_u16(struct pkt *p, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	pkt_put(p, b, 2);
}

void
pkt_u32(struct pkt *p, uint32_t v)
{
	pkt_u16(p, v >> 16);
	pkt_u16(p, v & 0xFFFF);
}

void
pkt_set_u16(struct pkt *p, size_t at, unsigned v)
{
	if (at + 2 > p->len)
		return;
	p->b[at] = (uint8_t)(v >> 8);
	p->b[at + 1] = (uint8_t)v;
}

unsigned
pkt_get_u16(const uint8_t *b)
{
	return (unsigned)(b[0] << 8 | b[1]);
}

size_t
pkt_name_wire(uint8_t *out, size_t cap, const char *text)
{
	size_t o = 0;

	if (strcmp(text, ".") == 0)
		text++;
	while (*text != '\0') {
		const char *dot = strchr(text, '.');
		size_t l = dot != NULL ? (size_t)(dot - text) : strlen(text);

		if (l == 0 || l > LABEL_MAX_LEN || o + 1 + l + 1 > cap ||
		    o + 1 + l + 1 > NAME_MAX_LEN)
			return 0;
		out[o++] = (uint8_t)l;
		memcpy(out + o, text, l);
		o += l;
		text += l + (dot != NULL);
	}
	if (o + 1 > cap)
		return 0;
	out[o++] = 0;
	return o;
}

void
pkt_header(struct pkt *p, unsigned id, unsigned flags, unsigned qd, unsigned an,
           unsigned ns, unsigned ar)
{
	pkt_u16(p, id);
	pkt_u16(p, flags);
	pkt_u16(p, qd);
	pkt_u16(p, an);
	pkt_u16(p, ns);
	pkt_u16(p, ar);
}

void
pkt_question(struct pkt *p, const uint8_t *name, size_t len, unsigned qtype,
             unsigned qclass)
{
	pkt_put(p, name, len);
	pkt_u16(p, qtype);
	pkt_u16(p, qclass);
}

int
pkt_query(struct pkt *p, unsigned id, unsigned flags, const char *name,
          unsigned qtype, unsigned qclass, unsigned ar)
{
	uint8_t wire[NAME_MAX_LEN];
	size_t len = pkt_name_wire(wire, sizeof(wire), name);

	pkt_init(p);
	if (len == 0)
		return -1;
	pkt_header(p, id, flags, 1, 0, 0, ar);
	pkt_question(p, wire, len, qtype, qclass);
	return 0;
}

int
pkt_query_edns(struct pkt *p, const char *name, unsigned qtype,
               const struct pkt *opts, size_t *qend)
{
	if (pkt_query(p, 0, 0, name, qtype, 1, opts != NULL ? 1 : 0) == -1)
		return -1;
	*qend = p->len;
	if (opts != NULL)
		pkt_opt(p, 1232, PKT_EDNS_TTL(0, false), opts->b, opts->len);
	return p->full || (opts != NULL && opts->full) ? -1 : 0;
}

size_t
pkt_rr_begin(struct pkt *p, unsigned type, unsigned rclass, uint32_t ttl)
{
	size_t mark;

	pkt_u16(p, type);
	pkt_u16(p, rclass);
	pkt_u32(p, ttl);
	mark = p->len;
	pkt_u16(p, 0);
	return mark;
}

void
pkt_rr_end(struct pkt *p, size_t mark)
{
	pkt_set_u16(p, mark, (unsigned)(p->len - mark - 2));
}

void
pkt_rr(struct pkt *p, unsigned type, unsigned rclass, uint32_t ttl,
       const void *rdata, size_t rdlen)
{
	size_t mark = pkt_rr_begin(p, type, rclass, ttl);

	pkt_put(p, rdata, rdlen);
	pkt_rr_end(p, mark);
}

size_t
pkt_opt_begin(struct pkt *p, unsigned udp_size, uint32_t ttl)
{
	pkt_u8(p, 0);
	return pkt_rr_begin(p, PKT_T_OPT, udp_size, ttl);
}

void
pkt_opt(struct pkt *p, unsigned udp_size, uint32_t ttl, const void *rdata,
        size_t rdlen)
{
	size_t mark = pkt_opt_begin(p, udp_size, ttl);

	pkt_put(p, rdata, rdlen);
	pkt_rr_end(p, mark);
}

void
pkt_option(struct pkt *p, unsigned code, const void *data, size_t len)
{
	pkt_u16(p, code);
	pkt_u16(p, (unsigned)len);
	pkt_put(p, data, len);
}

int
pkt_ecs(struct pkt *p, const char *text)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	uint8_t opt[4 + 16];
	unsigned prefix, family, nbytes;
	size_t alen;

	if (slash == NULL || (size_t)(slash - text) >= sizeof(addr))
		return -1;
	alen = (size_t)(slash - text);
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	prefix = (unsigned)atoi(slash + 1);
	if (inet_pton(AF_INET, addr, opt + 4) == 1) {
		family = 1;
		if (prefix > 32)
			return -1;
	} else if (inet_pton(AF_INET6, addr, opt + 4) == 1) {
		family = 2;
		if (prefix > 128)
			return -1;
	} else {
		return -1;
	}
	/* RFC 7871 §6: only the prefix's octets, bits past it zero */
	nbytes = (prefix + 7) / 8;
	if (prefix % 8)
		opt[4 + nbytes - 1] &= (uint8_t)(0xff << (8 - prefix % 8));
	opt[0] = 0;
	opt[1] = (uint8_t)family;
	opt[2] = (uint8_t)prefix;
	opt[3] = 0;
	pkt_option(p, PKT_OPT_ECS, opt, 4 + nbytes);
	return 0;
}

size_t
pkt_frame(uint8_t *out, const uint8_t *msg, size_t len)
{
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
	memcpy(out + 2, msg, len);
	return len + 2;
}

void
pkt_print_flags_counts(FILE *f, const uint8_t *hdr)
{
	static const struct {
		int byte, bit;
		const char *name;
	} fl[] = {{2, 0x80, "qr"}, {2, 0x04, "aa"}, {2, 0x02, "tc"},
	          {2, 0x01, "rd"}, {3, 0x80, "ra"}, {3, 0x40, "z"},
	          {3, 0x20, "ad"}, {3, 0x10, "cd"}};
	const char *sep = "";

	fprintf(f, "flags=");
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		if (hdr[fl[i].byte] & fl[i].bit) {
			fprintf(f, "%s%s", sep, fl[i].name);
			sep = ",";
		}
	}
	if (*sep == '\0')
		fprintf(f, "-");
	fprintf(f, " qd=%u an=%u ns=%u ar=%u", pkt_get_u16(hdr + 4),
	        pkt_get_u16(hdr + 6), pkt_get_u16(hdr + 8),
	        pkt_get_u16(hdr + 10));
}
