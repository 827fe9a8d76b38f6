/* SPDX-License-Identifier: MIT */
/* dnsd/stats.c: per-worker counters, summed on demand. */
#include "dnsd/stats.h"

#include <inttypes.h>

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

void
stats_log(const struct dnsd_stats *s)
{
	log_info("stats: udp %" PRIu64 " tcp %" PRIu64 " noerror %" PRIu64
	         " formerr %" PRIu64 " servfail %" PRIu64 " nxdomain %" PRIu64
	         " notimp %" PRIu64 " refused %" PRIu64 " badvers %" PRIu64
	         " truncated %" PRIu64 " edns %" PRIu64 " ecs %" PRIu64
	         " dropped-responses %" PRIu64 " dropped-short %" PRIu64
	         " tcp-accepted %" PRIu64 " tcp-rejected %" PRIu64
	         " tcp-timeouts %" PRIu64 " send-errors %" PRIu64,
	         s->udp, s->tcp, s->rcode[RC_NOERROR], s->rcode[RC_FORMERR],
	         s->rcode[RC_SERVFAIL], s->rcode[RC_NXDOMAIN],
	         s->rcode[RC_NOTIMP], s->rcode[RC_REFUSED],
	         s->rcode[RC_BADVERS], s->truncated, s->edns, s->ecs,
	         s->dropped_qr, s->dropped_short, s->tcp_accepted,
	         s->tcp_rejected, s->tcp_timeouts, s->send_errors);
}

const char *
stats_qtype_name(enum stats_qtype t)
{
	static const char *const names[STATS_QTYPES] = {
	    "A",   "AAAA", "NS",  "SOA",   "CNAME", "MX",    "TXT",  "SRV",
	    "CAA", "DS",   "ANY", "DNAME", "PTR",   "HTTPS", "SVCB", "other",
	};

	return (unsigned)t < STATS_QTYPES ? names[t] : "other";
}

const char *
stats_geo_reason_name(enum stats_geo_reason r)
{
	static const char *const names[STATS_GEO_REASONS] = {
	    "default", "override", "map", "nearest", "all_down",
	};

	return (unsigned)r < STATS_GEO_REASONS ? names[r] : "unknown";
}
