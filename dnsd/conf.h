/* SPDX-License-Identifier: MIT */
/* dnsd/conf.h: the server configuration file (zones/dnsd.yaml). */
#ifndef DNSD_CONF_H
#define DNSD_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/netaddr.h"
#include "common/ycfg.h"
#include "dnsd/cookie.h"
#include "dnsd/probers.h"
#include "dnsd/rrl.h"
#include "dnsd/share.h"

struct errbuf;

/* Where dnsd listens when neither `listen` nor -l names a port. */
#define CONF_DNS_PORT 53

struct dnsd_conf {
	char *path; /* the file loaded */
	struct netaddr *listen;
	size_t nlisten;
	unsigned workers;
	unsigned udp_payload; /* EDNS size we advertise, 512..4096 */
	unsigned tcp_idle_timeout_ms;
	unsigned tcp_max_clients;  /* per worker */
	unsigned query_log;        /* log 1 query in this many; 0: off */
	unsigned sample;           /* what-if: 1 geo client in N; 0: off */
	char *identity;            /* NULL: CHAOS id.server refused */
	char *version;             /* NULL: CHAOS version.bind refused */
	struct ycfg_strlist zones; /* zone files, relative to `path` */
	char *edges;               /* edge inventory, or NULL */
	char *geo_database;        /* MaxMind database, or NULL */
	char *control;             /* control socket (dnsdctl) */
	char *state_file;          /* operator overrides kept across restarts */
	char *health_socket;       /* feed from a local edge-health (Unix) */
	struct netaddr *health_udp; /* feed from remote probers, or NULL */
	char *health_key_file;      /* shared key for the UDP feed */
	unsigned stale_after_ms; /* feed silent this long: the stale policy */
	bool stale_keep;         /* stale policy "keep" (else "up") */
	struct vote_conf vote;   /* several probers: the vote, the breaker */
	struct share_conf steering; /* ramp and load shedding */
	struct netaddr *metrics;    /* Prometheus endpoint, or NULL: off */
	bool status_page;           /* the status page on it (status.h) */
	struct cookie_conf cookies; /* DNS cookies (cookie.h) */
	struct rrl_conf rrl;        /* response rate limiting (rrl.h) */
	char *user;                 /* drop root for this user, or NULL */
	bool allow_root; /* root without `user` is refused unless set */
};

/*
 * Load and check the server configuration.  Zone file names are resolved
 * relative to the file's directory.  Errors are added to `err` as
 * file:line:col.  Returns new, or NULL if the file could not be read or
 * parsed at all; when it returns a configuration but `err` grew, the
 * configuration is incomplete: use it only to find more errors (the
 * zones), never to serve.
 */
struct dnsd_conf *conf_load(const char *path, struct errbuf *err);

void conf_free(struct dnsd_conf *conf); /* NULL is a no-op */

#endif
