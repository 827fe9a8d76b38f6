/* SPDX-License-Identifier: MIT */
/* dnsd/rrl.c: response rate limiting over UDP (rrl.h). */
/* HOT PATH: see STYLE.md B5 (rrl_apply) */
#include "dnsd/rrl.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/compiler.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/edns.h"
#include "dnsd/query.h"
#include "dnsd/stats.h"
#include "dnsd/wire.h"

/* A limited network and kind is logged at most this often. */
#define RRL_LOG_INTERVAL_S 60
#define RRL_WAYS 2 /* entries per set: one cache line */

/*
 * GCRA (the generic cell rate algorithm): one timestamp per bucket, the
 * time at which it would be empty again.  A response is due `interval_ns`
 * after the previous one; up to `tolerance_ns` early is the burst.
 */
struct rrl_entry {
	uint64_t key;
	uint64_t tat;      /* theoretical arrival time, ns (CLOCK_MONOTONIC) */
	uint32_t logged_s; /* when last logged (CLOCK_MONOTONIC s + 1); 0 */
	uint32_t limited;  /* responses limited since */
	uint32_t slips;    /* limited responses until the next slip */
	uint32_t pad;
};

struct rrl {
	uint64_t seed; /* random: an attacker cannot aim at one set */
	size_t mask;   /* sets - 1 */
	struct log_rl log_rl;
	struct rrl_entry *set; /* sets * RRL_WAYS, cache-line aligned */
};

void
rrl_conf_derive(struct rrl_conf *c, unsigned threads)
{
	unsigned burst;

	if (c->rate == 0 || threads == 0)
		return;
	burst = c->burst / threads > 0 ? c->burst / threads : 1;
	c->interval_ns = 1000000000ull * threads / c->rate;
	c->tolerance_ns = c->interval_ns * (burst - 1);
}

struct rrl *
rrl_new(unsigned entries)
{
	struct rrl *t = xcalloc(1, sizeof(*t));
	size_t sets = 1;

	while (sets * RRL_WAYS < entries)
		sets <<= 1;
	t->mask = sets - 1;
	if (RAND_bytes((unsigned char *)&t->seed, sizeof(t->seed)) != 1)
		t->seed = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull;
	/* a whole number of cache lines, so aligned_alloc takes it */
	t->set = aligned_alloc(64, sets * RRL_WAYS * sizeof(*t->set));
	if (t->set == NULL) {
		log_msg(LOG_CRIT, "rrl: out of memory for %zu entries",
		        sets * RRL_WAYS);
		abort();
	}
	memset(t->set, 0, sets * RRL_WAYS * sizeof(*t->set));
	return t;
}

void
rrl_free(struct rrl *t)
{
	if (t == NULL)
		return;
	free(t->set);
	free(t);
}

unsigned
rrl_entries(const struct rrl *t)
{
	return (unsigned)((t->mask + 1) * RRL_WAYS);
}

/* ---- lookup: the query path ---------------------------------------------
 */

static uint64_t
get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The top `bits` of a 64-bit word. */
static inline uint64_t
keep_bits(uint64_t v, unsigned bits)
{
	return bits == 0 ? 0 : bits >= 64 ? v : v & ~(~0ull >> bits);
}

/*
 * The client's network in two words (the address truncated to its
 * prefix), the family in the top bits of `hi` for IPv4.  False: no
 * address (never limited).
 */
static bool
client_net(const struct rrl_conf *c, const struct query *q, uint64_t *hi,
           uint64_t *lo)
{
	const struct sockaddr *from = q->from;

	if (from != NULL && from->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)from;
		uint64_t a = (uint64_t)ntohl(s->sin_addr.s_addr) << 32;
		*hi = 4;
		*lo = keep_bits(a, c->ipv4_prefix);
		return true;
	}
	if (from != NULL && from->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)from;
		const uint8_t *a = s6->sin6_addr.s6_addr;
		unsigned p = c->ipv6_prefix;
		*hi = keep_bits(get_u64(a), p);
		*lo = keep_bits(get_u64(a + 8), p > 64 ? p - 64 : 0);
		return true;
	}
	return false;
}

/* Is the sender in an exempt network?  Only asked of a limited response. */
static bool
exempt(const struct rrl_conf *c, const struct query *q)
{
	uint8_t key[16] = {0};
	const struct sockaddr *from = q->from;

	if (from->sa_family == AF_INET)
		memcpy(
		    key + 12,
		    &((const struct sockaddr_in *)(const void *)from)->sin_addr,
		    4);
	else
		memcpy(key,
		       &((const struct sockaddr_in6 *)(const void *)from)
		            ->sin6_addr,
		       16);
	/* cidr.h's layout: IPv4 as ::a.b.c.d, its networks 96 bits longer */
	for (unsigned i = 0; i < c->nexempt; i++) {
		const struct rrl_net *n = &c->exempt[i];
		unsigned full = n->plen / 8, rest = n->plen % 8;
		if (memcmp(n->key, key, full) == 0 &&
		    (rest == 0 ||
		     ((n->key[full] ^ key[full]) & (0xFF00u >> rest)) == 0))
			return true;
	}
	return false;
}

/* The entry for `key`, or the idlest of its set made over to it. */
static struct rrl_entry *
find(struct rrl *t, uint64_t key, uint64_t now)
{
	struct rrl_entry *s = &t->set[(key & t->mask) * RRL_WAYS];
	struct rrl_entry *idlest = &s[0];

	for (unsigned i = 0; i < RRL_WAYS; i++) {
		if (s[i].key == key)
			return &s[i];
		if (s[i].tat < idlest->tat)
			idlest = &s[i];
	}
	*idlest = (struct rrl_entry){.key = key, .tat = now};
	return idlest;
}

static const char *const kind_names[QUERY_KINDS] = {
    "answers", "wildcard answers", "NODATA", "NXDOMAIN", "referrals", "errors",
};

/* The sender's network, as text: the address with the host bits cleared. */
static void
net_text(const struct rrl_conf *c, const struct query *q, char *out,
         size_t outlen)
{
	uint8_t a[16] = {0};
	int family = q->from->sa_family;
	unsigned plen = family == AF_INET ? c->ipv4_prefix : c->ipv6_prefix;

	if (family == AF_INET)
		memcpy(a,
		       &((const struct sockaddr_in *)(const void *)q->from)
		            ->sin_addr,
		       4);
	else
		memcpy(a,
		       &((const struct sockaddr_in6 *)(const void *)q->from)
		            ->sin6_addr,
		       16);
	for (unsigned i = 0; i < 16; i++)
		if (i * 8 >= plen)
			a[i] = 0;
		else if (i * 8 + 8 > plen)
			a[i] &= (uint8_t)(0xFF00u >> (plen - i * 8));
	inet_ntop(family, a, out, (socklen_t)outlen);
}

/* Once a minute per entry at most: which network, what for, how much. */
static void
log_limited(struct rrl *t, const struct rrl_conf *c, const struct query *q,
            struct rrl_entry *e, uint64_t now_ns)
{
	uint32_t now_s = (uint32_t)(now_ns / 1000000000u) + 1;
	char net[INET6_ADDRSTRLEN], name[QUERY_NAME_TEXT];

	if (e->logged_s != 0 && now_s - e->logged_s < RRL_LOG_INTERVAL_S)
		return;
	/* over the table's log budget: a later response says it */
	if (!log_rl_ready(&t->log_rl))
		return;
	net_text(c, q, net, sizeof(net));
	query_name_text(q, name, sizeof(name));
	unsigned plen =
	    q->from->sa_family == AF_INET ? c->ipv4_prefix : c->ipv6_prefix;
	if (e->logged_s == 0)
		log_ratelimit(
		    &t->log_rl, LOG_NOTICE,
		    "rrl: %s/%u: over %u %s a second (%s type %u): "
		    "%s",
		    net, plen, c->rate, kind_names[q->kind], name, q->qtype,
		    c->log_only ? "would limit (log_only)" : "limiting");
	else
		log_ratelimit(&t->log_rl, LOG_NOTICE,
		              "rrl: %s/%u: still over %u %s a second (%s type "
		              "%u): %u %s in %u s",
		              net, plen, c->rate, kind_names[q->kind], name,
		              q->qtype, e->limited,
		              c->log_only ? "would have been limited"
		                          : "limited",
		              now_s - e->logged_s);
	e->logged_s = now_s;
	e->limited = 0;
}

static inline void
put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Rewrite the response in place as the slip: header and question, no
 * records, an OPT if the query had one.  Truncated (TC); or BADCOOKIE
 * with a fresh server cookie for a client that sent a cookie without a
 * valid server cookie, when that is no longer than the query.  Never
 * longer than the query (a forged source gains nothing from slips): a
 * cookie that does not fit is left out, and the client retries over TCP,
 * which brings it one.  Returns its length.
 */
static size_t
slip(uint8_t *resp, size_t len, const struct query *q, bool badcookie,
     uint16_t udp_payload, struct dnsd_stats *st)
{
	size_t qend = WIRE_HDR_LEN + (q->have_question ? q->qname.len + 4u : 0);
	uint16_t flags = (uint16_t)(resp[2] << 8 | resp[3]);
	unsigned rcode = flags & 0xF;
	struct edns e = q->edns;

	if (qend > len || qend > q->len)
		return 0; /* cannot happen: the question is echoed */
	if (e.present && qend + edns_opt_len(&e, 0) > q->len) {
		e.cookie_state = EDNS_COOKIE_NONE;
		badcookie = false;
	}
	/* answered BADVERS (answer.c): the extended bits are in the OPT */
	if (e.present && e.version != 0 && rcode == RC_NOERROR)
		rcode = RC_BADVERS;
	if (badcookie) {
		rcode = RC_BADCOOKIE;
		flags = (uint16_t)((flags & ~(0xF | F_AA | F_TC)) |
		                   (RC_BADCOOKIE & 0xF));
		st->rrl_badcookie++;
	} else {
		flags |= F_TC;
		st->rrl_slipped++;
	}
	put_u16(resp + 2, flags);
	put_u16(resp + 6, 0);
	put_u16(resp + 8, 0);
	put_u16(resp + 10, 0);
	if (e.present && qend + edns_opt_len(&e, 0) <= q->len) {
		qend += edns_put_opt(resp + qend, &e, udp_payload, rcode, 0,
		                     NULL, 0);
		put_u16(resp + 10, 1);
	}
	return qend;
}

size_t
rrl_apply(struct rrl *t, const struct rrl_conf *c, struct query *q,
          uint8_t *resp, size_t len, uint64_t now_ns, uint16_t udp_payload,
          struct dnsd_stats *st)
{
	uint64_t hi, lo;

	if (q->tcp || q->edns.cookie_state == EDNS_COOKIE_VALID ||
	    !client_net(c, q, &hi, &lo))
		return len;
	uint64_t key = hash_mix64(t->seed ^ hi);
	key = hash_mix64(key ^ lo ^ (uint64_t)q->kind << 56);
	key = hash_mix64(key ^ q->about);
	struct rrl_entry *e = find(t, key, now_ns);
	uint64_t tat = e->tat > now_ns ? e->tat : now_ns;
	if (likely(tat - now_ns <= c->tolerance_ns)) {
		e->tat = tat + c->interval_ns;
		return len;
	}
	/* over the limit */
	if (c->nexempt > 0 && exempt(c, q)) {
		st->rrl_exempt++;
		return len;
	}
	e->limited++;
	log_limited(t, c, q, e, now_ns);
	if (c->log_only) {
		st->rrl_log_only++;
		return len;
	}
	/* as BIND: the slip turn is the bucket's, so that each network gets
	 * exactly one limited response in `slip` back */
	if (c->slip == 0 || ++e->slips < c->slip) {
		st->rrl_dropped++;
		return 0;
	}
	e->slips = 0;
	bool badcookie = q->edns.cookie_state == EDNS_COOKIE_CLIENT_ONLY ||
	                 q->edns.cookie_state == EDNS_COOKIE_BAD;
	return slip(resp, len, q, badcookie, udp_payload, st);
}
