/* SPDX-License-Identifier: MIT */
/* dnsd/wire.h: DNS wire format: a bounds-checked reader, names, and a
 * response writer with name compression.  Hot path: nothing here allocates,
 * logs or calls a library. */
#ifndef DNSD_WIRE_H
#define DNSD_WIRE_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WIRE_NAME_MAX 255 /* RFC 1035 §2.3.4, including length octets */
#define WIRE_LABEL_MAX 63
#define WIRE_LABELS_MAX 127 /* 255 octets hold at most 127 one-octet labels */
#define WIRE_HDR_LEN 12

/* RR types, classes, opcodes and rcodes used by the server itself. */
enum {
	T_A = 1,
	T_NS = 2,
	T_CNAME = 5,
	T_SOA = 6,
	T_PTR = 12,
	T_HINFO = 13,
	T_MX = 15,
	T_TXT = 16,
	T_AAAA = 28,
	T_SRV = 33,
	T_DNAME = 39,
	T_OPT = 41,
	T_DS = 43,
	T_RRSIG = 46,
	T_NSEC = 47,
	T_DNSKEY = 48,
	T_NSEC3 = 50,
	T_NSEC3PARAM = 51,
	T_CDS = 59,
	T_CDNSKEY = 60,
	T_NXNAME = 128, /* RFC 9824: compact denial's marker, never data */
	T_TKEY = 249,
	T_TSIG = 250,
	T_IXFR = 251,
	T_AXFR = 252,
	T_ANY = 255,
};
enum { C_IN = 1, C_CH = 3, C_ANY = 255 };
enum { OP_QUERY = 0 };
enum {
	RC_NOERROR = 0,
	RC_FORMERR = 1,
	RC_SERVFAIL = 2,
	RC_NXDOMAIN = 3,
	RC_NOTIMP = 4,
	RC_REFUSED = 5,
	RC_YXDOMAIN = 6,
	RC_BADVERS = 16,
	RC_BADCOOKIE = 23, /* RFC 7873 §8 */
};

/* Header flag bits in the second 16-bit word. */
#define F_QR 0x8000
#define F_AA 0x0400
#define F_TC 0x0200
#define F_RD 0x0100
#define F_CD 0x0010

/* ---- reading ------------------------------------------------------------ */

/* A cursor over a packet; `bad` is sticky, so callers check once at the end. */
struct wcur {
	const uint8_t
	    *base; /* packet start: compression pointers are offsets */
	const uint8_t *p;
	const uint8_t *end;
	bool bad;
};

static inline void
wcur_init(struct wcur *c, const uint8_t *pkt, size_t len)
{
	c->base = pkt;
	c->p = pkt;
	c->end = pkt + len;
	c->bad = false;
}

static inline size_t
wcur_left(const struct wcur *c)
{
	return (size_t)(c->end - c->p);
}

static inline uint8_t
wcur_u8(struct wcur *c)
{
	if (c->bad || c->p >= c->end) {
		c->bad = true;
		return 0;
	}
	return *c->p++;
}

static inline uint16_t
wcur_u16(struct wcur *c)
{
	if (c->bad || c->end - c->p < 2) {
		c->bad = true;
		return 0;
	}
	uint16_t v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return v;
}

static inline uint32_t
wcur_u32(struct wcur *c)
{
	uint32_t hi = wcur_u16(c);
	return hi << 16 | wcur_u16(c);
}

static inline const uint8_t *
wcur_skip(struct wcur *c, size_t n)
{
	if (c->bad || wcur_left(c) < n) {
		c->bad = true;
		return NULL;
	}
	const uint8_t *p = c->p;
	c->p += n;
	return p;
}

/*
 * A name's lookup key: the wire name folded to lower case and zero-padded
 * to a multiple of 8 octets, so that folding, hashing and comparing go a
 * word at a time.
 */
#define WIRE_KEY_MAX 256 /* WIRE_NAME_MAX, rounded up */

/* ASCII upper case to lower in each octet of a word (SWAR). */
static inline uint64_t
wire_fold_word(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t low7 = x & 0x7F * ones;
	uint64_t ge_a = low7 + (0x80 - 'A') * ones;     /* bit 7: >= 'A' */
	uint64_t gt_z = low7 + (0x80 - 'Z' - 1) * ones; /* bit 7: > 'Z' */
	uint64_t upper = (ge_a ^ gt_z) & ~x & 0x80 * ones;

	return x | upper >> 2; /* 0x80 >> 2 = 0x20 */
}

/* One word into a name key's hash. */
static inline uint64_t
wire_key_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xFF51AFD7ED558CCDull;
	return h ^ h >> 32;
}

/*
 * Fold the `len` octets of a wire name (len <= 255) into `key`, which has
 * WIRE_KEY_MAX octets, and return the key's hash, taken on the way (one
 * pass over the name).  Label lengths (0..63) are below 'A', so they pass
 * through the fold unchanged.  Reads no octet past name[len - 1].
 */
static inline uint64_t
wire_name_key(uint8_t *key, const uint8_t *name, size_t len)
{
	uint64_t h = 0x9E3779B97F4A7C15ull;
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, name + i, 8);
		w = wire_fold_word(w);
		memcpy(key + i, &w, 8);
		h = wire_key_mix(h, w);
	}
	if (i == len)
		return h;
	if (len >= 8) {
		/* The last word again, ending at the name's end, shifted so
		 * that the octets already done fall off: no octet past
		 * name[len - 1] is read, and no call for a short copy. */
		memcpy(&w, name + len - 8, 8);
		w = htole64(le64toh(w) >> 8 * (8 - (len - i)));
	} else {
		w = 0;
		for (size_t k = 0; k < len; k++)
			w = w | (uint64_t)name[k] << 8 * k;
		w = htole64(w);
	}
	w = wire_fold_word(w);
	memcpy(key + i, &w, 8);
	return wire_key_mix(h, w);
}

/*
 * A decoded domain name: the case as sent in `raw` (pointing into the
 * packet or zone data it was read from, or into `buf` when the name was
 * compressed), folded to lower case in `key`, with the offset of every
 * label.  The suffix hashes make every ancestor of the name a table
 * lookup; they are filled on demand (wname_hash), since a compiled answer
 * needs none.  `raw` may point into the struct itself: never copy one.
 */
struct wname {
	const uint8_t *raw;
	uint8_t len;                        /* octets, including the root */
	uint8_t nlabels;                    /* not counting the root */
	uint8_t lab[WIRE_LABELS_MAX + 1];   /* lab[i]: offset of label i */
	uint8_t key[WIRE_KEY_MAX];          /* wire_name_key() of raw */
	uint64_t keyhash;                   /* and its hash */
	uint32_t hash[WIRE_LABELS_MAX + 1]; /* hash[i]: suffix from label i */
	uint8_t buf[WIRE_NAME_MAX];         /* raw of a compressed name */
};

/*
 * Decode the name at the cursor, following compression pointers (RFC 1035
 * §4.1.4) that point strictly backwards, and advance past it.  Fails on a
 * name running past the packet (c->bad is then set), a forward or looping
 * pointer, a label type other than 00/11, or more than 255 octets.  Fills
 * `out` except the hashes (wname_hash); an uncompressed name, the usual
 * question, is not copied: out->raw points into the packet.  Returns 0 or
 * -1.
 */
int wire_name_read(struct wcur *c, struct wname *out);

/* Fill out->hash[] from out->key; done once per name looked up. */
void wname_hash(struct wname *n);

/*
 * Make a hashed wname from an uncompressed wire name (zone data, a chain's
 * target); out->raw points into `name`, which must outlive it.  Returns 0
 * or -1 if the name is malformed or longer than `maxlen`.
 */
int wname_from_wire(struct wname *out, const uint8_t *name, size_t maxlen);

/* Hash of the key from label `from` to the root (as in wname.hash[from]). */
uint32_t wire_suffix_hash(const uint8_t *key, const uint8_t *lab,
                          unsigned nlabels, unsigned from);

/* Octets of an uncompressed wire name, or 0 if malformed (load-path helper). */
size_t wire_name_len(const uint8_t *name, size_t maxlen);

/* Lower-case ASCII copy of a wire name of `len` octets (label octets kept). */
void wire_name_fold(uint8_t *dst, const uint8_t *src, size_t len);

/* Case-insensitive equality of two uncompressed wire names. */
bool wire_name_equal(const uint8_t *a, size_t alen, const uint8_t *b,
                     size_t blen);

/* ---- writing ------------------------------------------------------------ */

#define WCOMP_MAX 64

/*
 * A response being written.  `full` is sticky: once a write did not fit,
 * nothing more is written; callers mark a point, write an RRset and roll
 * back to the mark if it did not fit.  The compression table remembers
 * where names (and their suffixes) were written; its entries point at the
 * caller's name memory, which must outlive the response.
 */
struct wbuf {
	uint8_t *buf;
	size_t len;
	size_t cap; /* may be lowered to reserve room at the end (OPT) */
	bool full;
	uint16_t ncomp;
	struct {
		const uint8_t *name; /* uncompressed wire suffix */
		uint16_t off;        /* where it starts in buf */
		uint8_t len;
	} comp[WCOMP_MAX];
};

struct wmark {
	size_t len;
	uint16_t ncomp;
};

static inline void
wbuf_init(struct wbuf *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->len = 0;
	w->cap = cap;
	w->full = false;
	w->ncomp = 0;
}

static inline struct wmark
wbuf_mark(const struct wbuf *w)
{
	struct wmark m = {w->len, w->ncomp};
	return m;
}

static inline void
wbuf_rollback(struct wbuf *w, struct wmark m)
{
	w->len = m.len;
	w->ncomp = m.ncomp;
	w->full = false;
}

static inline bool
wbuf_room(struct wbuf *w, size_t n)
{
	if (w->full || w->cap - w->len < n) {
		w->full = true;
		return false;
	}
	return true;
}

static inline void
wbuf_put_u16(struct wbuf *w, uint16_t v)
{
	if (wbuf_room(w, 2)) {
		w->buf[w->len++] = (uint8_t)(v >> 8);
		w->buf[w->len++] = (uint8_t)v;
	}
}

static inline void
wbuf_put_u32(struct wbuf *w, uint32_t v)
{
	wbuf_put_u16(w, (uint16_t)(v >> 16));
	wbuf_put_u16(w, (uint16_t)v);
}

static inline void
wbuf_put(struct wbuf *w, const void *p, size_t n)
{
	if (wbuf_room(w, n)) {
		memcpy(w->buf + w->len, p, n);
		w->len += n;
	}
}

static inline void
wbuf_set_u16(struct wbuf *w, size_t off, uint16_t v)
{
	w->buf[off] = (uint8_t)(v >> 8);
	w->buf[off + 1] = (uint8_t)v;
}

/*
 * Write an uncompressed wire name of `len` octets, replacing its longest
 * suffix already in the packet by a pointer, and remember the new suffixes
 * for later names.  With `compress` false the name is written in full (RFC
 * 3597 §4: only well-known types' RDATA names may be compressed) but is
 * still remembered.  Returns where a later compression pointer may point
 * to reach the name (its first label written, or the place its pointer
 * leads to), or -1 if nothing was written or it lies beyond a pointer's
 * reach (16 KiB).
 */
int wbuf_put_name(struct wbuf *w, const uint8_t *name, size_t len,
                  bool compress);

#endif
