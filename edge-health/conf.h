/* SPDX-License-Identifier: MIT */
/* edge-health/conf.h: the prober's configuration (zones/edge-health.yaml). */
#ifndef EDGE_HEALTH_CONF_H
#define EDGE_HEALTH_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/edges.h"
#include "common/hmsg.h"
#include "common/netaddr.h"

struct errbuf;

/* Defaults, used when neither `defaults` nor the edge sets a value. */
#define EH_INTERVAL_MS 5000
#define EH_TIMEOUT_MS 2000
#define EH_FALL 3
#define EH_RISE 2
#define EH_JITTER_PCT 10
#define EH_MAX_BODY 65536

enum eh_check_type { EH_CHECK_TCP, EH_CHECK_HTTP, EH_CHECK_HTTPS };

/* One check of an edge.  Strings are owned by the conf. */
struct eh_check {
	enum eh_check_type type;
	struct netaddr addr; /* probed address and port */
	/* http/https only */
	char *path;       /* "/" by default */
	char *host;       /* Host header and SNI; default: the edge name */
	unsigned *status; /* accepted status codes; default {200} */
	size_t nstatus;
	char *body;      /* required substring of the body, or NULL */
	size_t max_body; /* bytes; a longer response fails the check */
	bool verify;     /* https: verify the certificate chain and name */
};

/* Timing of one edge, after defaults and overrides are applied. */
struct eh_timing {
	unsigned interval_ms;
	unsigned timeout_ms; /* <= interval_ms */
	unsigned fall;
	unsigned rise;
	unsigned jitter_pct; /* 0..50: each round is interval +- this % */
};

/* One probed edge (an inventory edge with at least one check). */
struct eh_edge {
	char name[EDGE_NAME_MAX];
	struct eh_timing t;
	struct eh_check *check;
	size_t ncheck;
};

enum eh_feed_kind { EH_FEED_UNIX, EH_FEED_UDP };

/* One feed target.  The key is read at load time. */
struct eh_feed {
	enum eh_feed_kind kind;
	char text[160]; /* "unix:/path" or "udp:ADDR:PORT", for logs */
	/* sendto's: the Unix socket's, or the udp netaddr's ss and len */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint8_t key[HMSG_KEY_MAX];
	size_t keylen; /* 0: no mac */
};

struct eh_conf {
	char *path;       /* this file */
	char *edges_path; /* the inventory, relative paths resolved */
	char *state_file; /* states kept across restarts, or NULL */
	char *user;       /* drop root for this user, or NULL */
	bool allow_root;  /* root without `user` is refused unless set */
	bool metrics;     /* serve Prometheus metrics at metrics_addr */
	struct netaddr metrics_addr;
	struct eh_timing defaults;
	struct eh_edge *edge; /* in file order */
	size_t nedge;
	struct eh_feed *feed;
	size_t nfeed;
};

/*
 * Load `path` and the edge inventory it names, check everything (unknown
 * keys, unknown edge names, bad addresses, ranges, key files) and add each
 * problem to `err` as file:line:col.  Returns new, or NULL if anything was
 * wrong.  The same call serves -n, start-up and reload.  No I/O besides
 * reading the files; no libevent.
 */
struct eh_conf *eh_conf_load(const char *path, struct errbuf *err);

void eh_conf_free(struct eh_conf *conf); /* NULL is a no-op */

/* "tcp", "http", "https" */
const char *eh_conf_check_name(enum eh_check_type type);

#endif
