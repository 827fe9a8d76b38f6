/* SPDX-License-Identifier: MIT */
/* common/hmsg.c: the health feed message codec (text + HMAC-SHA256). */
#include "common/hmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/compiler.h"

#define HMSG_MAC_LEN 32  /* bytes of HMAC-SHA256 */
#define HMSG_MAC_LINE 69 /* "mac " + 64 hex digits + '\n' */
#define HMSG_KEY_MIN 16

#define HMSG_LOAD_SCALE 10000 /* load=F carries ten-thousandths */

static const char hexdig[] = "0123456789abcdef";

bool
hmsg_prober_valid(const char *s, size_t len)
{
	if (len == 0 || len >= HMSG_PROBER_MAX || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* Mac over `len` bytes into `mac`.  Returns 0, or -1 if OpenSSL fails. */
static int
compute_mac(const uint8_t *key, size_t keylen, const char *data, size_t len,
            uint8_t mac[HMSG_MAC_LEN])
{
	unsigned int maclen = 0;

	if (keylen > HMSG_KEY_MAX ||
	    HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data,
	         len, mac, &maclen) == NULL ||
	    maclen != HMSG_MAC_LEN)
		return -1;
	return 0;
}

/* Append with snprintf; *off becomes > cap on overflow, checked once. */
static void ATTR_PRINTF(4, 5)
    put(char *out, size_t cap, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= cap) {
		*off = cap + 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(out + *off, cap - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *off)
		*off = cap + 1;
	else
		*off += (size_t)n;
}

/* A load in 0..HMSG_LOAD_MAX as the ten-thousandths the text carries. */
static long long
load_units(double load)
{
	return llround(load * HMSG_LOAD_SCALE);
}

double
hmsg_load_round(double load)
{
	if (!(load > 0)) /* NaN too */
		return 0;
	if (load > HMSG_LOAD_MAX)
		load = HMSG_LOAD_MAX;
	/* Exactly what parse_load computes from the text. */
	return (double)load_units(load) / HMSG_LOAD_SCALE;
}

/* " load=F weight=N drain=B" for what `e` has; -1 if a value is bad. */
static int
put_tokens(char *out, size_t cap, size_t *off, const struct hmsg_edge *e)
{
	if (e->has & ~(HMSG_HAS_LOAD | HMSG_HAS_WEIGHT | HMSG_HAS_DRAIN))
		return -1;
	if (e->has & HMSG_HAS_LOAD) {
		if (!(e->load >= 0 && e->load <= HMSG_LOAD_MAX))
			return -1;
		long long u = load_units(e->load);
		long long ip = u / HMSG_LOAD_SCALE, frac = u % HMSG_LOAD_SCALE;
		if (frac == 0) {
			put(out, cap, off, " load=%lld", ip);
		} else {
			/* At most four decimals, trailing zeros dropped. */
			int nd = 4;
			while (frac % 10 == 0) {
				frac /= 10;
				nd--;
			}
			put(out, cap, off, " load=%lld.%0*lld", ip, nd, frac);
		}
	}
	if (e->has & HMSG_HAS_WEIGHT)
		put(out, cap, off, " weight=%u", (unsigned)e->weight);
	if (e->has & HMSG_HAS_DRAIN)
		put(out, cap, off, " drain=%d", e->drain ? 1 : 0);
	return 0;
}

int
hmsg_encode(const struct hmsg *m, const uint8_t *key, size_t keylen, char *out,
            size_t cap)
{
	size_t off = 0;
	uint8_t mac[HMSG_MAC_LEN];

	if (m->n > HMSG_EDGES_MAX ||
	    !hmsg_prober_valid(m->prober, strnlen(m->prober, HMSG_PROBER_MAX)))
		return -1;
	put(out, cap, &off,
	    "dnsd-health %d\nprober %s\nboot %016" PRIx64 "\nseq %" PRIu64
	    "\nround %" PRIu64 "\ntime %" PRIu64 "\ninterval %" PRIu32 "\n",
	    HMSG_VERSION, m->prober, m->boot, m->seq, m->round, m->time,
	    m->interval_ms);
	for (size_t i = 0; i < m->n; i++) {
		const struct hmsg_edge *e = &m->edge[i];
		size_t nlen = strnlen(e->name, EDGE_NAME_MAX);

		/* Refuse what the decoder would refuse, so a bad struct
		 * fails here rather than at every receiver. */
		if (!edges_name_valid(e->name, nlen) ||
		    (e->state != HMSG_UP && e->state != HMSG_DOWN))
			return -1;
		put(out, cap, &off, "%s %s", e->name,
		    e->state == HMSG_UP ? "up" : "down");
		if (put_tokens(out, cap, &off, e) == -1)
			return -1;
		put(out, cap, &off, "\n");
	}
	if (key != NULL && keylen > 0) {
		if (off > cap || cap - off <= HMSG_MAC_LINE)
			return -1;
		if (compute_mac(key, keylen, out, off, mac) == -1)
			return -1;
		memcpy(out + off, "mac ", 4);
		off += 4;
		for (size_t i = 0; i < HMSG_MAC_LEN; i++) {
			out[off++] = hexdig[mac[i] >> 4];
			out[off++] = hexdig[mac[i] & 0xf];
		}
		out[off++] = '\n';
		out[off] = '\0';
	}
	if (off >= cap || off > HMSG_MAX)
		return -1;
	return (int)off;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly `len` hex digits into a u64 (len <= 16). */
static int
parse_hex64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len != 16)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int d = hexval(s[i]);
		if (d < 0)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* Plain decimal, no sign, no leading zeros, at most `max`. */
static int
parse_dec(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* load=F: "0".."1000" with at most four decimals, no sign, no exponent,
 * no leading zeros.  The value is the double nearest to the decimal:
 * ten-thousandths (exact integers) divided once, correctly rounded. */
static int
parse_load(const char *s, size_t len, double *out)
{
	const char *dot = memchr(s, '.', len);
	size_t ilen = dot != NULL ? (size_t)(dot - s) : len;
	uint64_t ip, frac = 0;

	if (ilen > 4 || parse_dec(s, ilen, 9999, &ip) == -1)
		return -1;
	if (dot != NULL) {
		size_t flen = len - ilen - 1;
		if (flen == 0 || flen > 4)
			return -1;
		for (size_t i = 0; i < 4; i++) {
			char c = i < flen ? dot[1 + i] : '0';
			if (c < '0' || c > '9')
				return -1;
			frac = frac * 10 + (uint64_t)(c - '0');
		}
	}
	uint64_t units = ip * HMSG_LOAD_SCALE + frac;
	if (units > (uint64_t)HMSG_LOAD_MAX * HMSG_LOAD_SCALE)
		return -1;
	*out = (double)units / HMSG_LOAD_SCALE;
	return 0;
}

/*
 * The tokens after an edge's state, `len` bytes starting with a space:
 * " load=F weight=N drain=0|1", each at most once.  Returns NULL, or why
 * the line is bad.
 */
static const char *
parse_tokens(const char *s, size_t len, struct hmsg_edge *e)
{
	size_t pos = 0;

	while (pos < len) {
		const char *t = s + ++pos; /* past the space */
		const char *sp = memchr(t, ' ', len - pos);
		size_t tlen = sp != NULL ? (size_t)(sp - t) : len - pos;
		const char *eq = memchr(t, '=', tlen);
		uint64_t num;

		if (tlen == 0)
			return "empty field";
		if (eq == NULL)
			return "unknown token";
		size_t klen = (size_t)(eq - t), vlen = tlen - klen - 1;
		const char *v = eq + 1;
		if (klen == 4 && memcmp(t, "load", 4) == 0) {
			if (e->has & HMSG_HAS_LOAD)
				return "duplicate load";
			if (parse_load(v, vlen, &e->load) == -1)
				return "bad load";
			e->has |= HMSG_HAS_LOAD;
		} else if (klen == 6 && memcmp(t, "weight", 6) == 0) {
			if (e->has & HMSG_HAS_WEIGHT)
				return "duplicate weight";
			if (parse_dec(v, vlen, UINT8_MAX, &num) == -1)
				return "bad weight";
			e->weight = (uint8_t)num;
			e->has |= HMSG_HAS_WEIGHT;
		} else if (klen == 5 && memcmp(t, "drain", 5) == 0) {
			if (e->has & HMSG_HAS_DRAIN)
				return "duplicate drain";
			if (vlen != 1 || (v[0] != '0' && v[0] != '1'))
				return "bad drain";
			e->drain = v[0] == '1';
			e->has |= HMSG_HAS_DRAIN;
		} else {
			return "unknown token";
		}
		pos += tlen;
	}
	return NULL;
}

/* "line N: what", in a per-thread buffer so *why stays valid until the
 * next decode on this thread without allocating. */
static const char *
line_why(unsigned line, const char *what)
{
	static _Thread_local char buf[64];

	snprintf(buf, sizeof(buf), "line %u: %s", line, what);
	return buf;
}

/* The fixed header lines, in order: "key value". */
enum {
	HDR_MAGIC,
	HDR_PROBER,
	HDR_BOOT,
	HDR_SEQ,
	HDR_ROUND,
	HDR_TIME,
	HDR_INTERVAL,
	HDR_DONE,
};
static const char *const hdr_key[] = {"dnsd-health", "prober", "boot",    "seq",
                                      "round",       "time",   "interval"};

/* Header line `hdr`'s value into `out`: NULL, or what is wrong. */
static const char *
header_line(int hdr, const char *v, size_t vlen, struct hmsg *out)
{
	uint64_t num;

	switch (hdr) {
	case HDR_MAGIC:
		if (vlen != 1 || v[0] != '0' + HMSG_VERSION)
			return "unsupported version";
		return NULL;
	case HDR_PROBER:
		if (!hmsg_prober_valid(v, vlen))
			return "bad prober name";
		memcpy(out->prober, v, vlen);
		out->prober[vlen] = '\0';
		return NULL;
	case HDR_BOOT:
		return parse_hex64(v, vlen, &out->boot) == -1 ? "bad boot id"
		                                              : NULL;
	case HDR_INTERVAL:
		if (parse_dec(v, vlen, UINT32_MAX, &num) == -1)
			return "bad number";
		out->interval_ms = (uint32_t)num;
		return NULL;
	default: /* HDR_SEQ, HDR_ROUND, HDR_TIME */
		if (parse_dec(v, vlen, UINT64_MAX, &num) == -1)
			return "bad number";
		*(hdr == HDR_SEQ     ? &out->seq
		  : hdr == HDR_ROUND ? &out->round
		                     : &out->time) = num;
		return NULL;
	}
}

/* The mac line's 64 hex digits into got[]: NULL, or what is wrong. */
static const char *
mac_line(const char *v, size_t vlen, uint8_t got[HMSG_MAC_LEN])
{
	if (vlen != 2 * HMSG_MAC_LEN)
		return "bad mac line";
	for (size_t i = 0; i < HMSG_MAC_LEN; i++) {
		int hi = hexval(v[2 * i]);
		int lo = hexval(v[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return "bad mac line";
		got[i] = (uint8_t)(hi << 4 | lo);
	}
	return NULL;
}

/* An edge line, "NAME STATE [TOKEN...]" (the name `klen` octets at `s`,
 * the rest `vlen` at `v`), appended to out->edge: NULL, or what is
 * wrong. */
static const char *
edge_line(const char *s, size_t klen, const char *v, size_t vlen,
          struct hmsg *out)
{
	const char *tok = memchr(v, ' ', vlen);
	size_t slen = tok != NULL ? (size_t)(tok - v) : vlen;
	uint8_t st;

	if (!edges_name_valid(s, klen))
		return "bad edge name";
	if (slen == 2 && memcmp(v, "up", 2) == 0)
		st = HMSG_UP;
	else if (slen == 4 && memcmp(v, "down", 4) == 0)
		st = HMSG_DOWN;
	else
		return "unknown state";
	/* Quadratic, but bounded: 1500 edges at most, and a length check
	 * first makes most comparisons cheap. */
	for (size_t i = 0; i < out->n; i++)
		if (strlen(out->edge[i].name) == klen &&
		    memcmp(out->edge[i].name, s, klen) == 0)
			return "duplicate edge";
	if (out->n >= HMSG_EDGES_MAX)
		return "too many edges";
	struct hmsg_edge *e = &out->edge[out->n];
	memset(e, 0, sizeof(*e));
	const char *bad = parse_tokens(v + slen, vlen - slen, e);
	if (bad != NULL)
		return bad;
	memcpy(e->name, s, klen);
	e->name[klen] = '\0';
	e->state = st;
	out->n++;
	return NULL;
}

/* The whole message checked against `key`'s mac (mac line at `mac_at`):
 * NULL, or what is wrong. */
static const char *
check_mac(const char *in, size_t mac_at, bool have_mac, const uint8_t *key,
          size_t keylen, const uint8_t got[HMSG_MAC_LEN])
{
	uint8_t want[HMSG_MAC_LEN];

	if (!have_mac)
		return "missing mac";
	if (compute_mac(key, keylen, in, mac_at, want) == -1)
		return "mac failed";
	if (CRYPTO_memcmp(want, got, HMSG_MAC_LEN) != 0)
		return "bad mac";
	return NULL;
}

int
hmsg_decode(const char *in, size_t len, const uint8_t *key, size_t keylen,
            struct hmsg *out, const char **why)
{
	const char *why_local, *bad = NULL;
	size_t pos = 0;
	unsigned line = 0;
	int hdr = HDR_MAGIC;
	bool have_mac = false;
	size_t mac_at = 0;
	uint8_t got[HMSG_MAC_LEN];

	if (why == NULL)
		why = &why_local;
	out->n = 0;
	if (len > HMSG_MAX)
		bad = "message too long";
	else if (len == 0)
		bad = "empty message";
	else if (memchr(in, '\0', len) != NULL)
		bad = "NUL byte";
	while (bad == NULL && pos < len) {
		const char *s = in + pos;
		const char *nl = memchr(s, '\n', len - pos);
		line++;
		if (nl == NULL) {
			bad = "no newline at end";
			break;
		}
		size_t llen = (size_t)(nl - s);
		const char *sp = memchr(s, ' ', llen);
		if (have_mac) {
			bad = "data after mac";
			break;
		}
		if (sp == NULL) {
			bad = "no space";
			break;
		}
		size_t klen = (size_t)(sp - s), vlen = llen - klen - 1;
		const char *v = sp + 1;
		/* Header and mac lines are "key value"; only edge lines go on
		 * with tokens after the state. */
		bool is_mac =
		    hdr == HDR_DONE && klen == 3 && memcmp(s, "mac", 3) == 0;
		if ((hdr < HDR_DONE || is_mac) &&
		    memchr(v, ' ', vlen) != NULL) {
			bad = "too many fields";
		} else if (hdr < HDR_DONE) {
			if (klen != strlen(hdr_key[hdr]) ||
			    memcmp(s, hdr_key[hdr], klen) != 0)
				bad = hdr == HDR_MAGIC ? "not a health message"
				                       : "unexpected line";
			else
				bad = header_line(hdr++, v, vlen, out);
		} else if (is_mac) {
			bad = mac_line(v, vlen, got);
			have_mac = true;
			mac_at = pos;
		} else {
			bad = edge_line(s, klen, v, vlen, out);
		}
		pos += llen + 1;
	}
	if (bad != NULL) {
		/* Whole-message problems have no line. */
		*why = line == 0 ? bad : line_why(line, bad);
		return -1;
	}
	if (hdr < HDR_DONE) {
		*why = "truncated header";
		return -1;
	}
	if (key != NULL && keylen > 0 &&
	    (*why = check_mac(in, mac_at, have_mac, key, keylen, got)) != NULL)
		return -1;
	return 0;
}

int
hmsg_key_load(const char *path, uint8_t *key, const char **why)
{
	/* One byte more than a key may be, and one for its newline, is
	 * enough to tell "too long" from "fits". */
	char buf[HMSG_KEY_MAX + 2];
	size_t len = 0, klen;
	const char *nl;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*why = errno == ENOENT ? "no such file" : "cannot open";
		return -1;
	}
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			close(fd);
			*why = "cannot read";
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	nl = memchr(buf, '\n', len);
	klen = nl != NULL ? (size_t)(nl - buf) : len;
	if (klen > HMSG_KEY_MAX) {
		*why = "key too long";
		return -1;
	}
	if (klen < HMSG_KEY_MIN) {
		*why = "key too short (16 bytes at least)";
		return -1;
	}
	memcpy(key, buf, klen);
	OPENSSL_cleanse(buf, sizeof(buf));
	return (int)klen;
}
