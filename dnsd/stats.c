/* SPDX-License-Identifier: MIT */
/* dnsd/stats.c: the query counters: summed on demand, declared and named
 * once for every rendering. */
#include "dnsd/stats.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "common/log.h"
#include "dnsd/wire.h"

void
stats_add(struct dnsd_stats *sum, const struct dnsd_stats *add)
{
	/* The struct is all uint64_t counters: add it as an array. */
	uint64_t *s = (uint64_t *)sum;
	const uint64_t *a = (const uint64_t *)add;

	for (size_t i = 0; i < sizeof(*sum) / sizeof(uint64_t); i++)
		s[i] += a[i];
}

const char *
stats_geo_reason_name(enum stats_geo_reason r)
{
	static const char *const names[STATS_GEO_REASONS] = {
	    "default", "override", "map", "nearest", "latency", "all_down",
	};

	return (unsigned)r < STATS_GEO_REASONS ? names[r] : "unknown";
}

/* ---- the declaration ------------------------------------------------------
 */

static const char *const qtype_names[STATS_QTYPES] = {
    "A",   "AAAA", "NS",  "SOA",   "CNAME", "MX",    "TXT",  "SRV",
    "CAA", "DS",   "ANY", "DNAME", "PTR",   "HTTPS", "SVCB", "other",
};

/* Named rcodes are always shown (rates need the zeros); others once seen. */
static const char *const rcode_names[STATS_RCODES] = {
    [RC_NOERROR] = "NOERROR",
    [RC_FORMERR] = "FORMERR",
    [RC_SERVFAIL] = "SERVFAIL",
    [RC_NXDOMAIN] = "NXDOMAIN",
    [RC_NOTIMP] = "NOTIMP",
    [RC_REFUSED] = "REFUSED",
    [RC_YXDOMAIN] = "YXDOMAIN",
    [7] = "YXRRSET",
    [8] = "NXRRSET",
    [9] = "NOTAUTH",
    [10] = "NOTZONE",
    [RC_BADVERS] = "BADVERS",
};

/* A counter that is a field of struct dnsd_stats. */
struct scalar {
	const char *key, *metric, *help, *label, *value;
	size_t off;
};

#define F(field) offsetof(struct dnsd_stats, field)

static const char *const h_queries = "DNS messages received, by transport.";
static const char *const h_malformed =
    "Malformed messages: dropped (QR set, under 2 octets) or answered "
    "FORMERR.";
static const char *const h_tcp =
    "TCP connections accepted, rejected (over tcp_max_clients) and closed "
    "for idleness.";

static const char *const h_cookies =
    "Queries with a COOKIE option, by what they sent: a client cookie "
    "alone, a valid server cookie, or a server cookie not ours or stale.";
static const char *const h_rrl =
    "UDP responses over the rate limit, by what became of them: dropped, "
    "slipped (sent truncated), sent as BADCOOKIE, sent anyway (an exempt "
    "network, or log_only).";

static const char *const h_sigs =
    "RRSIG sets the answer path needed that the load had not made: copied "
    "from the signature cache, or signed then.";

static const struct scalar transport[] = {
    {"queries.udp", "dnsd_queries_total", h_queries, "proto", "udp", F(udp)},
    {"queries.tcp", "dnsd_queries_total", h_queries, "proto", "tcp", F(tcp)},
};

static const struct scalar others[] = {
    {"edns", "dnsd_edns_queries_total", "Queries with an OPT record.", NULL,
     NULL, F(edns)},
    {"prebuilt", "dnsd_prebuilt_answers_total",
     "Responses served from those compiled at load.", NULL, NULL, F(prebuilt)},
    {"truncated", "dnsd_truncated_total", "UDP responses sent with TC set.",
     NULL, NULL, F(truncated)},
    {"dropped.responses", "dnsd_malformed_total", h_malformed, "kind",
     "dropped_qr", F(dropped_qr)},
    {"dropped.short", "dnsd_malformed_total", h_malformed, "kind",
     "dropped_short", F(dropped_short)},
    {NULL, "dnsd_malformed_total", h_malformed, "kind", "formerr",
     F(rcode[RC_FORMERR])},
    {"tcp.accepted", "dnsd_tcp_connections_total", h_tcp, "result", "accepted",
     F(tcp_accepted)},
    {"tcp.rejected", "dnsd_tcp_connections_total", h_tcp, "result", "rejected",
     F(tcp_rejected)},
    {"tcp.timeouts", "dnsd_tcp_connections_total", h_tcp, "result", "timeout",
     F(tcp_timeouts)},
    {"send_errors", "dnsd_send_errors_total",
     "Responses the kernel refused to send.", NULL, NULL, F(send_errors)},
    {"cookies.client_only", "dnsd_cookies_total", h_cookies, "cookie",
     "client_only", F(cookie_client_only)},
    {"cookies.valid", "dnsd_cookies_total", h_cookies, "cookie", "valid",
     F(cookie_valid)},
    {"cookies.bad", "dnsd_cookies_total", h_cookies, "cookie", "bad",
     F(cookie_bad)},
    {"cookies.nocookie_truncated", "dnsd_nocookie_truncated_total",
     "UDP answers sent truncated because they were over "
     "max_nocookie_response and the client had no valid cookie.",
     NULL, NULL, F(nocookie_truncated)},
    {"rrl.dropped", "dnsd_rrl_limited_total", h_rrl, "action", "dropped",
     F(rrl_dropped)},
    {"rrl.slipped", "dnsd_rrl_limited_total", h_rrl, "action", "slipped",
     F(rrl_slipped)},
    {"rrl.badcookie", "dnsd_rrl_limited_total", h_rrl, "action", "badcookie",
     F(rrl_badcookie)},
    {"rrl.exempt", "dnsd_rrl_limited_total", h_rrl, "action", "exempt",
     F(rrl_exempt)},
    {"rrl.log_only", "dnsd_rrl_limited_total", h_rrl, "action", "log_only",
     F(rrl_log_only)},
    {"dnssec.do", "dnsd_dnssec_do_queries_total",
     "Queries with the DNSSEC OK bit set.", NULL, NULL, F(dnssec_do)},
    {"dnssec.sigs_cached", "dnsd_dnssec_online_signatures_total", h_sigs,
     "source", "cache", F(sig_cached)},
    {"dnssec.sigs_signed", "dnsd_dnssec_online_signatures_total", h_sigs,
     "source", "signed", F(signed_online)},
};

static void
each_scalar(const struct dnsd_stats *s, const struct scalar *v, size_t n,
            void (*fn)(const struct stats_item *, void *), void *arg)
{
	for (size_t i = 0; i < n; i++) {
		struct stats_item it = {v[i].key, v[i].metric, v[i].help,
		                        v[i].label, v[i].value};
		it.n = *(const uint64_t *)(const void *)((const char *)s +
		                                         v[i].off);
		fn(&it, arg);
	}
}

void
stats_each(const struct dnsd_stats *s,
           void (*fn)(const struct stats_item *it, void *arg), void *arg)
{
	char key[32], value[16];
	uint64_t answered = 0;

	each_scalar(s, transport, sizeof(transport) / sizeof(transport[0]), fn,
	            arg);
	for (unsigned t = 0; t < STATS_QTYPES; t++) {
		snprintf(key, sizeof(key), "qtype.%s", qtype_names[t]);
		fn(&(struct stats_item){key, "dnsd_queries_by_qtype_total",
		                        "Parsed questions, by query type "
		                        "(other: every type not named).",
		                        "qtype", qtype_names[t], s->qtype[t]},
		   arg);
	}
	for (unsigned rc = 0; rc < STATS_RCODES; rc++) {
		answered += s->rcode[rc];
		if (rcode_names[rc] == NULL && s->rcode[rc] == 0)
			continue;
		if (rcode_names[rc] != NULL)
			snprintf(value, sizeof(value), "%s", rcode_names[rc]);
		else
			snprintf(value, sizeof(value), "RCODE%u", rc);
		snprintf(key, sizeof(key), "rcode.%s", value);
		for (char *c = key; *c != '\0'; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		fn(&(struct stats_item){key, "dnsd_responses_total",
		                        "Responses, by rcode (extended rcodes "
		                        "included).",
		                        "rcode", value, s->rcode[rc]},
		   arg);
	}
	static const char *const h_ecs = "Answered queries with and without "
	                                 "an EDNS Client Subnet option.";
	fn(&(struct stats_item){"ecs", "dnsd_ecs_queries_total", h_ecs, "ecs",
	                        "present", s->ecs},
	   arg);
	fn(&(struct stats_item){"ecs.absent", "dnsd_ecs_queries_total", h_ecs,
	                        "ecs", "absent",
	                        answered > s->ecs ? answered - s->ecs : 0},
	   arg);
	each_scalar(s, others, sizeof(others) / sizeof(others[0]), fn, arg);
}

/* ---- the log line ---------------------------------------------------------
 */

struct line {
	char buf[4096];
	size_t len;
};

static void
add_to_line(const struct stats_item *it, void *arg)
{
	struct line *l = arg;

	if (it->key == NULL || l->len >= sizeof(l->buf))
		return;
	int n = snprintf(l->buf + l->len, sizeof(l->buf) - l->len,
	                 " %s %" PRIu64, it->key, it->n);
	if (n > 0)
		l->len += (size_t)n;
}

void
stats_log(const struct dnsd_stats *s)
{
	struct line l = {.len = 0};

	l.buf[0] = '\0';
	stats_each(s, add_to_line, &l);
	log_info("stats:%s", l.buf);
}
