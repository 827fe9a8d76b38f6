/* SPDX-License-Identifier: MIT */
/*
 * dnsd/cookie.h: DNS cookies (RFC 7873), the server side, with server
 * cookies in the interoperable format of RFC 9018: every dnsd of a fleet
 * given the same secret makes and accepts the same cookies.
 *
 * A server cookie is version 1, three reserved octets, the time it was
 * made (seconds, serial arithmetic) and SipHash-2-4 (OpenSSL's, keyed
 * with the secret) over the client cookie, those eight octets and the
 * client's address.  A valid one proves the client receives what is sent
 * to its address: rate limiting lets it through (rrl.h) and its UDP answers
 * are not capped (max_nocookie_response).  Hot path: no allocation.
 */
#ifndef DNSD_COOKIE_H
#define DNSD_COOKIE_H

#include <stdbool.h>
#include <stdint.h>

struct edns;
struct errbuf;
struct sockaddr;

#define COOKIE_SECRET_LEN 16 /* SipHash-2-4's key */
#define COOKIE_SECRETS_MAX 4 /* the one that makes cookies, and old ones */

/* RFC 9018 §4.3: older than an hour, or five minutes ahead: not valid. */
#define COOKIE_MAX_AGE_S 3600
#define COOKIE_MAX_AHEAD_S 300
/* A valid cookie older than this is replaced by a fresh one (§4.3). */
#define COOKIE_RENEW_S 1800

/* The cookies: section of dnsd.yaml, loaded with the snapshot. */
struct cookie_conf {
	bool enabled;
	/*
	 * secret[0] makes cookies; every one verifies, so a rotation keeps
	 * the cookies made with the old secret valid until they expire.
	 */
	unsigned nsecrets;
	uint8_t secret[COOKIE_SECRETS_MAX][COOKIE_SECRET_LEN];
	/* UDP answers to clients without a valid cookie go truncated above
	 * this many octets (gdnsd's defence for big answers); 0: no cap. */
	unsigned max_nocookie_response;
};

/*
 * Read the secrets from `path`: one per line, 32 hex digits, the first
 * making cookies; '#' comments and blank lines skipped.  Errors go to
 * `err` as file:line:col.  Returns 0 or -1.  Load path.
 */
int cookie_secrets_load(const char *path, struct cookie_conf *c,
                        struct errbuf *err);

/*
 * The process's own random secret, the same for every load: what a lone
 * dnsd uses without a secret file.  Load path.
 */
const uint8_t *cookie_random_secret(void);

/* SipHash-2-4 for one answering thread (an OpenSSL MAC context). */
struct cookie_mac;

/* New, or NULL after logging why OpenSSL could not make one. */
struct cookie_mac *cookie_mac_new(void);
void cookie_mac_free(struct cookie_mac *m); /* NULL is a no-op */

/*
 * Judge the COOKIE option of a query's `e` (e->cookie set, well formed)
 * sent from `from` (AF_INET or AF_INET6; NULL: unknown) at `now` (seconds
 * since the epoch), and put the server cookie the reply carries in
 * e->cookie_reply: the client's own while it is valid and younger than
 * COOKIE_RENEW_S, else a fresh one.  Sets e->cookie_state.  Hot path.
 */
void cookie_judge(struct cookie_mac *m, const struct cookie_conf *c,
                  struct edns *e, const struct sockaddr *from, uint32_t now);

#endif
