/* SPDX-License-Identifier: MIT */
/* dnsd/stats.h: per-worker counters, plain integers summed on demand. */
#ifndef DNSD_STATS_H
#define DNSD_STATS_H

#include <stdint.h>

#define STATS_RCODES 24 /* extended rcodes below 24 counted one by one */

/*
 * Geo answers are counted per geo name (its index in the answering
 * snapshot's zonedb->geo[]) and edge (inventory index), in a fixed matrix
 * so the query path never allocates: 32 x 256 x 8 octets = 64 KiB per
 * worker.  Names or edges beyond the caps go to geo_dropped.
 */
#define STATS_GEO_NAMES 32
#define STATS_GEO_EDGES 256

/* Why a geo name answered as it did (enum geo_rule, then all-down). */
enum stats_geo_reason {
	STATS_GEO_DEFAULT,  /* GEO_RULE_DEFAULT */
	STATS_GEO_OVERRIDE, /* GEO_RULE_OVERRIDE */
	STATS_GEO_MAP,      /* GEO_RULE_MAP */
	STATS_GEO_NEAREST,  /* GEO_RULE_NEAREST */
	STATS_GEO_LATENCY,  /* GEO_RULE_LATENCY */
	STATS_GEO_ALL_DOWN, /* every ranked edge down: the policy answered */
	STATS_GEO_REASONS
};

/* Question types counted by name; the rest are STATS_QT_OTHER. */
enum stats_qtype {
	STATS_QT_A,
	STATS_QT_AAAA,
	STATS_QT_NS,
	STATS_QT_SOA,
	STATS_QT_CNAME,
	STATS_QT_MX,
	STATS_QT_TXT,
	STATS_QT_SRV,
	STATS_QT_CAA,
	STATS_QT_DS,
	STATS_QT_ANY,
	STATS_QT_DNAME,
	STATS_QT_PTR,
	STATS_QT_HTTPS,
	STATS_QT_SVCB,
	STATS_QT_OTHER,
	STATS_QTYPES
};

/*
 * Each worker owns one and is its only writer, so the query path needs no
 * locks or atomics; readers sum them (a torn read of a counter that is
 * being incremented is harmless for statistics on 64-bit platforms).
 */
struct dnsd_stats {
	uint64_t udp;                 /* queries received over UDP */
	uint64_t tcp;                 /* queries received over TCP */
	uint64_t rcode[STATS_RCODES]; /* responses by rcode */
	uint64_t dropped_qr;          /* "queries" with QR=1: never answered */
	uint64_t dropped_short;       /* under 2 octets: nothing to answer */
	uint64_t truncated;           /* UDP answers sent with TC */
	uint64_t edns;                /* queries with an OPT record */
	uint64_t ecs;                 /* queries with a Client Subnet option */
	uint64_t prebuilt;            /* answered from compiled responses */
	uint64_t dnssec_do;           /* queries with DO set */
	/* The answer path's RRSIG sets (answer_sign.h): copied from the
	 * signature cache, or signed then (a miss). */
	uint64_t sig_cached;
	uint64_t signed_online;
	uint64_t tcp_accepted;
	uint64_t tcp_rejected; /* over tcp_max_clients */
	uint64_t tcp_timeouts; /* closed for idleness */
	uint64_t send_errors;
	/* DNS cookies (cookie.h): queries by the cookie they sent */
	uint64_t cookie_client_only;
	uint64_t cookie_valid;
	uint64_t cookie_bad;
	uint64_t nocookie_truncated; /* over max_nocookie_response */
	/* Response rate limiting (rrl.h): responses over the limit, by
	 * what became of them */
	uint64_t rrl_dropped;
	uint64_t rrl_slipped;   /* sent truncated */
	uint64_t rrl_badcookie; /* sent as BADCOOKIE with a fresh cookie */
	uint64_t rrl_exempt;    /* sent: an exempt network */
	uint64_t rrl_log_only;  /* sent: log_only */
	uint64_t qtype[STATS_QTYPES]; /* parsed questions, by stats_qtype() */
	uint64_t geo_dropped;         /* geo counts beyond the caps, not kept */
	uint64_t geo_reason[STATS_GEO_NAMES][STATS_GEO_REASONS];
	/* A or AAAA RRsets answered for a geo name that held the edge. */
	uint64_t geo_edge[STATS_GEO_NAMES][STATS_GEO_EDGES];
};

/* The counter index of a question type.  Hot path. */
static inline enum stats_qtype
stats_qtype(uint16_t qtype)
{
	switch (qtype) {
	case 1:
		return STATS_QT_A;
	case 28:
		return STATS_QT_AAAA;
	case 2:
		return STATS_QT_NS;
	case 6:
		return STATS_QT_SOA;
	case 5:
		return STATS_QT_CNAME;
	case 15:
		return STATS_QT_MX;
	case 16:
		return STATS_QT_TXT;
	case 33:
		return STATS_QT_SRV;
	case 257:
		return STATS_QT_CAA;
	case 43:
		return STATS_QT_DS;
	case 255:
		return STATS_QT_ANY;
	case 39:
		return STATS_QT_DNAME;
	case 12:
		return STATS_QT_PTR;
	case 65:
		return STATS_QT_HTTPS;
	case 64:
		return STATS_QT_SVCB;
	default:
		return STATS_QT_OTHER;
	}
}

/* "override", "map", "nearest", "latency", "default", "all_down". */
const char *stats_geo_reason_name(enum stats_geo_reason r);

/* sum += add (every counter, the geo matrix too) */
void stats_add(struct dnsd_stats *sum, const struct dnsd_stats *add);

/*
 * The query counters, declared once (stats.c) and named there for every
 * rendering: the log line at stop, `dnsdctl stats` and the Prometheus
 * metrics.  Counters of one metric family come one after another.
 */
struct stats_item {
	const char *key;    /* "rcode.nxdomain": dnsdctl and the log; NULL:
	                       metrics only */
	const char *metric; /* "dnsd_responses_total" */
	const char *help;   /* the family's HELP text */
	const char *label;  /* "rcode", or NULL: no label */
	const char *value;  /* "NXDOMAIN" */
	uint64_t n;
};

/* Call fn for every query counter of `s`, in the declared order. */
void stats_each(const struct dnsd_stats *s,
                void (*fn)(const struct stats_item *it, void *arg), void *arg);

/* Log every counter on one line at info level ("stats: queries.udp N ..."). */
void stats_log(const struct dnsd_stats *s);

#endif
