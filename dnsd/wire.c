/* SPDX-License-Identifier: MIT */
/* dnsd/wire.c: names on the wire: decoding, hashing, compression. */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/wire.h"

#include <string.h>

static inline uint8_t
fold(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/*
 * A name with compression pointers, decoded into out->buf.  A pointer must
 * point before the start of the name or label run that contains it;
 * requiring each jump to land strictly below the previous limit makes
 * loops impossible and bounds the work.
 */
static int
read_compressed(struct wcur *c, struct wname *out)
{
	const uint8_t *p = c->p;
	const uint8_t *limit = c->p;
	const uint8_t *resume = NULL; /* where the cursor continues */
	size_t len = 0;
	unsigned nl = 0;

	for (;;) {
		if (p >= c->end)
			goto bad;
		uint8_t l = *p;
		if ((l & 0xC0) == 0xC0) {
			if (c->end - p < 2)
				goto bad;
			size_t off = (size_t)(l & 0x3F) << 8 | p[1];
			const uint8_t *target = c->base + off;
			if (target >= limit)
				return -1; /* forward or looping pointer */
			if (resume == NULL)
				resume = p + 2;
			limit = target;
			p = target;
			continue;
		}
		/* RFC 6891 §5: extended label types are retired */
		if ((l & 0xC0) != 0 || len + 1 + l > WIRE_NAME_MAX)
			return -1;
		if ((size_t)(c->end - p) < 1u + l)
			goto bad;
		if (l == 0)
			break;
		out->lab[nl++] = (uint8_t)len;
		memcpy(out->buf + len, p, 1u + l);
		len += 1u + l;
		p += 1u + l;
	}
	out->buf[len++] = 0;
	out->raw = out->buf;
	out->len = (uint8_t)len;
	out->nlabels = (uint8_t)nl;
	out->lab[nl] = (uint8_t)(len - 1); /* the root label */
	out->keyhash = wire_name_key(out->key, out->buf, len);
	c->p = resume != NULL ? resume : p + 1;
	return 0;
bad:
	c->bad = true;
	return -1;
}

int
wire_name_read(struct wcur *c, struct wname *out)
{
	const uint8_t *p = c->p;
	size_t avail = wcur_left(c);
	size_t len = 0;
	unsigned nl = 0;

	/* The usual name, labels in place: read where it lies, copy nothing. */
	for (;;) {
		if (len >= avail) {
			c->bad = true;
			return -1;
		}
		uint8_t l = p[len];
		if (l == 0)
			break;
		if (l > WIRE_LABEL_MAX) {
			if ((l & 0xC0) == 0xC0)
				return read_compressed(c, out);
			return -1; /* RFC 6891 §5: extended label types */
		}
		/* the root's octet must fit too */
		if (len + 1u + l >= WIRE_NAME_MAX)
			return -1;
		out->lab[nl++] = (uint8_t)len;
		len += 1u + l;
	}
	len++;
	out->raw = p;
	out->len = (uint8_t)len;
	out->nlabels = (uint8_t)nl;
	out->lab[nl] = (uint8_t)(len - 1); /* the root label */
	out->keyhash = wire_name_key(out->key, p, len);
	c->p = p + len;
	return 0;
}

/*
 * FNV-1a over the labels from the root towards the leaf, so hash[i] (the
 * suffix starting at label i) extends hash[i + 1]: one pass yields the
 * hash of every ancestor.  Label lengths are mixed in to keep "a.bc" and
 * "ab.c" apart.
 */
#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static inline uint32_t
hash_label(uint32_t h, const uint8_t *label)
{
	uint8_t l = label[0];
	h = (h ^ l) * FNV_PRIME;
	for (unsigned i = 1; i <= l; i++)
		h = (h ^ label[i]) * FNV_PRIME;
	return h;
}

void
wname_hash(struct wname *n)
{
	uint32_t h = FNV_OFFSET;

	n->hash[n->nlabels] = h;
	for (unsigned i = n->nlabels; i-- > 0;) {
		h = hash_label(h, n->key + n->lab[i]);
		n->hash[i] = h;
	}
}

uint32_t
wire_suffix_hash(const uint8_t *key, const uint8_t *lab, unsigned nlabels,
                 unsigned from)
{
	uint32_t h = FNV_OFFSET;

	for (unsigned i = nlabels; i-- > from;)
		h = hash_label(h, key + lab[i]);
	return h;
}

int
wname_from_wire(struct wname *out, const uint8_t *name, size_t maxlen)
{
	struct wcur c;

	wcur_init(&c, name, maxlen);
	if (wire_name_read(&c, out) == -1)
		return -1;
	wname_hash(out);
	return 0;
}

size_t
wire_name_len(const uint8_t *name, size_t maxlen)
{
	size_t len = 0;

	while (len < maxlen) {
		uint8_t l = name[len];
		if (l > WIRE_LABEL_MAX)
			return 0;
		len += 1u + l;
		if (len > WIRE_NAME_MAX)
			return 0;
		if (l == 0)
			return len;
	}
	return 0;
}

void
wire_name_fold(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t i = 0;

	/* Fold label contents only: a length octet of 65..90 is not a letter.
	 */
	while (i < len) {
		uint8_t l = src[i];
		dst[i] = l;
		for (unsigned k = 1; k <= l && i + k < len; k++)
			dst[i + k] = fold(src[i + k]);
		i += 1u + l;
	}
}

bool
wire_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	/*
	 * Equal lengths and equal octets from the start mean the label
	 * boundaries coincide, so folding every octet is safe: a length
	 * octet is compared with a length octet.
	 */
	for (size_t i = 0; i < alen; i++)
		if (fold(a[i]) != fold(b[i]))
			return false;
	return true;
}

int
wbuf_put_name(struct wbuf *w, const uint8_t *name, size_t len, bool compress)
{
	size_t off = 0; /* start of the suffix being tried */
	int match = -1; /* compression table entry for that suffix */

	if (compress) {
		/* Longest suffix already in the packet wins. */
		for (off = 0; name[off] != 0; off += 1u + name[off]) {
			for (unsigned i = 0; i < w->ncomp; i++) {
				if (wire_name_equal(name + off, len - off,
				                    w->comp[i].name,
				                    w->comp[i].len)) {
					match = (int)i;
					break;
				}
			}
			if (match >= 0)
				break;
		}
	} else {
		off = len - 1;
	}

	size_t prefix = match >= 0 ? off : len;
	if (!wbuf_room(w, prefix + (match >= 0 ? 2 : 0)))
		return -1;

	/* Remember the suffixes written in full, while pointers can reach. */
	for (size_t o = 0; o < prefix && name[o] != 0; o += 1u + name[o]) {
		if (w->ncomp == WCOMP_MAX || w->len + o > 0x3FFF)
			break;
		w->comp[w->ncomp].name = name + o;
		w->comp[w->ncomp].len = (uint8_t)(len - o);
		w->comp[w->ncomp].off = (uint16_t)(w->len + o);
		w->ncomp++;
	}
	/* A name that is all pointer is reached where its pointer leads. */
	size_t at = prefix == 0 ? w->comp[match].off : w->len;
	memcpy(w->buf + w->len, name, prefix);
	w->len += prefix;
	if (match >= 0) {
		uint16_t ptr = (uint16_t)(0xC000 | w->comp[match].off);
		w->buf[w->len++] = (uint8_t)(ptr >> 8);
		w->buf[w->len++] = (uint8_t)ptr;
	}
	return at <= 0x3FFF ? (int)at : -1;
}
