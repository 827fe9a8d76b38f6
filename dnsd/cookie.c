/* SPDX-License-Identifier: MIT */
/* dnsd/cookie.c: DNS cookies (RFC 7873) in the format of RFC 9018. */
/* HOT PATH: see STYLE.md B5 (cookie_judge) */
#include "dnsd/cookie.h"

#include <errno.h>
#include <netinet/in.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/errbuf.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/edns.h"

#define COOKIE_VERSION 1
#define HASH_LEN 8

/*
 * One context per thread, keyed per use: EVP_MAC_init with a key is a
 * SipHash_Init (no allocation, measured); the size parameter asks for
 * the 64-bit output RFC 9018 uses.
 */
struct cookie_mac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	size_t size;
	OSSL_PARAM params[2];
};

/* ---- load path and set-up ------------------------------------------------
 */

static uint8_t random_secret[COOKIE_SECRET_LEN];
static pthread_once_t random_once = PTHREAD_ONCE_INIT;

static void
random_init(void)
{
	if (RAND_bytes(random_secret, sizeof(random_secret)) != 1)
		log_msg(LOG_CRIT, "cookies: no random secret from OpenSSL: "
		                  "cookies are predictable");
}

const uint8_t *
cookie_random_secret(void)
{
	pthread_once(&random_once, random_init);
	return random_secret;
}

/* One line: 32 hex digits, spaces around and a "#" comment after allowed.
 * 0, 1 (blank or a comment), -1. */
static int
parse_secret(const char *line, uint8_t out[COOKIE_SECRET_LEN], unsigned *col)
{
	const char *p = line;
	unsigned n = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\n' || *p == '#')
		return 1;
	*col = (unsigned)(p - line) + 1;
	for (; n < 2 * COOKIE_SECRET_LEN; n++, p++) {
		int d = OPENSSL_hexchar2int((unsigned char)*p);
		if (d == -1)
			return -1;
		if (n % 2 == 0)
			out[n / 2] = (uint8_t)(d << 4);
		else
			out[n / 2] |= (uint8_t)d;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return *p == '\0' || *p == '#' ? 0 : -1;
}

int
cookie_secrets_load(const char *path, struct cookie_conf *c, struct errbuf *err)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0, errors = err->count;

	if (f == NULL) {
		errbuf_add(err, path, 0, 0, "cookies: secret_file: %s",
		           strerror(errno));
		return -1;
	}
	c->nsecrets = 0;
	while (getline(&line, &cap, f) != -1) {
		uint8_t secret[COOKIE_SECRET_LEN];
		unsigned col = 1;
		int rc = parse_secret(line, secret, &col);

		lineno++;
		if (rc == 0 && c->nsecrets == COOKIE_SECRETS_MAX)
			errbuf_add(err, path, lineno, col,
			           "cookies: more than %d secrets",
			           COOKIE_SECRETS_MAX);
		else if (rc == -1)
			errbuf_add(
			    err, path, lineno, col,
			    "cookies: expected a secret of %d hex digits "
			    "(make one with: openssl rand -hex %d)",
			    2 * COOKIE_SECRET_LEN, COOKIE_SECRET_LEN);
		else if (rc == 0)
			memcpy(c->secret[c->nsecrets++], secret,
			       sizeof(secret));
	}
	free(line);
	fclose(f);
	if (err->count == errors && c->nsecrets == 0)
		errbuf_add(err, path, 0, 0, "cookies: no secret in the file");
	return err->count == errors ? 0 : -1;
}

struct cookie_mac *
cookie_mac_new(void)
{
	struct cookie_mac *m = xcalloc(1, sizeof(*m));

	m->mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	m->ctx = m->mac != NULL ? EVP_MAC_CTX_new(m->mac) : NULL;
	if (m->ctx == NULL) {
		log_msg(LOG_ERR, "cookies: OpenSSL has no SipHash");
		cookie_mac_free(m);
		return NULL;
	}
	m->size = HASH_LEN;
	m->params[0] =
	    OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &m->size);
	m->params[1] = OSSL_PARAM_construct_end();
	return m;
}

void
cookie_mac_free(struct cookie_mac *m)
{
	if (m == NULL)
		return;
	EVP_MAC_CTX_free(m->ctx);
	EVP_MAC_free(m->mac);
	free(m);
}

/* ---- lookup: the query path ---------------------------------------------
 */

/* SipHash-2-4 of in[0..len) under `key`; 0, or -1 (OpenSSL failed). */
static int
siphash(struct cookie_mac *m, const uint8_t *key, const uint8_t *in, size_t len,
        uint8_t out[HASH_LEN])
{
	size_t outl = 0;

	if (!EVP_MAC_init(m->ctx, key, COOKIE_SECRET_LEN, m->params) ||
	    !EVP_MAC_update(m->ctx, in, len) ||
	    !EVP_MAC_final(m->ctx, out, &outl, HASH_LEN) || outl != HASH_LEN)
		return -1;
	return 0;
}

/*
 * The hash's input (RFC 9018 §4.4): client cookie, version, reserved,
 * timestamp (the server cookie's first eight octets), client address.
 * Returns its length.
 */
static size_t
hash_input(uint8_t *in, const uint8_t *client_cookie, const uint8_t head[8],
           const struct sockaddr *from)
{
	size_t n = EDNS_COOKIE_CLIENT + 8;

	memcpy(in, client_cookie, EDNS_COOKIE_CLIENT);
	memcpy(in + EDNS_COOKIE_CLIENT, head, 8);
	if (from != NULL && from->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)from;
		memcpy(in + n, &s->sin_addr, 4);
		n += 4;
	} else if (from != NULL && from->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)from;
		memcpy(in + n, &s6->sin6_addr, 16);
		n += 16;
	}
	return n;
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * The index of the secret the client's server cookie verifies under, or
 * -1: not ours, stale, or from the future.
 */
static int
cookie_secret(struct cookie_mac *m, const struct cookie_conf *c,
              const struct edns *e, const struct sockaddr *from, uint32_t now)
{
	const uint8_t *sc = e->cookie + EDNS_COOKIE_CLIENT;
	uint8_t in[EDNS_COOKIE_CLIENT + 8 + 16], h[HASH_LEN];

	if (e->cookie_len != EDNS_COOKIE_CLIENT + EDNS_COOKIE_SERVER ||
	    sc[0] != COOKIE_VERSION || sc[1] != 0 || sc[2] != 0 || sc[3] != 0)
		return -1;
	/* serial number arithmetic (RFC 1982): the clock may wrap */
	int32_t age = (int32_t)(now - get_u32(sc + 4));
	if (age > COOKIE_MAX_AGE_S || age < -COOKIE_MAX_AHEAD_S)
		return -1;
	size_t n = hash_input(in, e->cookie, sc, from);
	for (unsigned i = 0; i < c->nsecrets; i++)
		if (siphash(m, c->secret[i], in, n, h) == 0 &&
		    CRYPTO_memcmp(h, sc + 8, HASH_LEN) == 0)
			return (int)i;
	return -1;
}

void
cookie_judge(struct cookie_mac *m, const struct cookie_conf *c, struct edns *e,
             const struct sockaddr *from, uint32_t now)
{
	uint8_t in[EDNS_COOKIE_CLIENT + 8 + 16];
	uint8_t *r = e->cookie_reply;

	if (e->cookie_len > EDNS_COOKIE_CLIENT) {
		const uint8_t *sc = e->cookie + EDNS_COOKIE_CLIENT;
		int secret = cookie_secret(m, c, e, from, now);
		if (secret != -1) {
			e->cookie_state = EDNS_COOKIE_VALID;
			/*
			 * Young enough and made with the current secret: the
			 * same cookie, no second hash.  One made with an old
			 * secret is replaced, so a rotation completes.
			 */
			if (secret == 0 && (int32_t)(now - get_u32(sc + 4)) <=
			                       COOKIE_RENEW_S) {
				memcpy(r, sc, EDNS_COOKIE_SERVER);
				return;
			}
		} else {
			e->cookie_state = EDNS_COOKIE_BAD;
		}
	} else {
		e->cookie_state = EDNS_COOKIE_CLIENT_ONLY;
	}
	r[0] = COOKIE_VERSION;
	r[1] = r[2] = r[3] = 0;
	r[4] = (uint8_t)(now >> 24);
	r[5] = (uint8_t)(now >> 16);
	r[6] = (uint8_t)(now >> 8);
	r[7] = (uint8_t)now;
	size_t n = hash_input(in, e->cookie, r, from);
	if (siphash(m, c->secret[0], in, n, r + 8) == -1)
		e->cookie_state = EDNS_COOKIE_NONE; /* no cookie to give */
}
