/* SPDX-License-Identifier: MIT */
/*
 * edge-health/conf_parts.h: what the files of edge-health's configuration
 * loader share (conf.c, conf_check.c, conf_anycast.c); nothing else
 * includes it.
 */
#ifndef EDGE_HEALTH_CONF_PARTS_H
#define EDGE_HEALTH_CONF_PARTS_H

#include "common/errbuf.h"
#include "common/ycfg.h"
#include "edge-health/conf.h"

/* The keys of a round's timing into the struct eh_timing `base` of
 * `type`: every section that probes has them. */
#define EH_ROUND_KEYS(type, base)                                              \
	{"interval", YCFG_DURATION, offsetof(type, base.interval_ms),          \
	 .min = 10, .max = 3600 * 1000},                                       \
	    {"timeout", YCFG_DURATION, offsetof(type, base.timeout_ms),        \
	     .min = 10, .max = 3600 * 1000},                                   \
	    {"fall", YCFG_UINT, offsetof(type, base.fall), .min = 1,           \
	     .max = 1000},                                                     \
	{                                                                      \
		"rise", YCFG_UINT, offsetof(type, base.rise), .min = 1,        \
		                                              .max = 1000      \
	}

/* An error at `node` if `t`'s timeout is longer than its interval;
 * `what` names the section ("defaults", "anycast", "checks: lhr"). */
void eh_timing_check(const struct ycfg_doc *doc, const yaml_node_t *node,
                     const char *what, const struct eh_timing *t,
                     struct errbuf *err);

/* The `anycast:` section `node` into conf->anycast (set even when it has
 * errors, which go to `err`; eh_anycast_free frees it); `path` is the
 * file, for relative paths.  In conf_anycast.c. */
void eh_anycast_load(const struct ycfg_doc *doc, const char *path,
                     const yaml_node_t *node, struct eh_conf *conf,
                     struct errbuf *err);
void eh_anycast_free(struct eh_anycast *a); /* NULL is a no-op */

#endif
