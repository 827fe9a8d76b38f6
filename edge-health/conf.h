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

enum eh_check_type {
	EH_CHECK_TCP,
	EH_CHECK_HTTP,
	EH_CHECK_HTTPS,
	EH_CHECK_DNS
};

/* One check of an edge.  Strings are owned by the conf. */
struct eh_check {
	enum eh_check_type type;
	struct netaddr addr; /* probed address and port */
	/* every type: the socket binds this address (port 0) first */
	bool has_source;
	struct netaddr source;
	/* http/https only */
	char *path;       /* "/" by default */
	char *host;       /* Host header and SNI; default: the edge name */
	unsigned *status; /* accepted status codes; default {200} */
	size_t nstatus;
	char *body;      /* required substring of the body, or NULL */
	size_t max_body; /* bytes; a longer response fails the check */
	bool verify;     /* https: verify the certificate chain and name */
	/* dns only */
	char *qname;    /* the queried name, as written */
	uint16_t qtype; /* RR type number; default A */
	uint8_t rcode;  /* expected rcode; default NOERROR */
	bool dns_tcp;   /* transport: tcp (default udp) */
	char *answer;   /* required rdata in presentation form, or NULL */
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

/* An announced IP prefix, host bits zero. */
struct eh_prefix {
	int family;                      /* AF_INET or AF_INET6 */
	unsigned char addr[16];          /* network order; 4 bytes for IPv4 */
	unsigned len;                    /* prefix length */
	char text[INET6_ADDRSTRLEN + 4]; /* canonical: "2001:db8::53/128" */
};

/*
 * The anycast role (`anycast:`): while every check passes, by rise/fall,
 * the prefixes are announced through BIRD (edge-health/anycast.h).
 * Owned by the conf.
 */
struct eh_anycast {
	struct eh_timing t; /* jitter unused: rounds every interval */
	struct eh_check *check;
	size_t ncheck;
	struct eh_prefix *prefix; /* in file order, no duplicates */
	size_t nprefix;
	char *bird_include; /* the file BIRD includes; relative resolved */
	char **bird_reload; /* argv, NULL-terminated; no shell */
};

struct eh_conf {
	char prober[HMSG_PROBER_MAX]; /* this prober's name in the feed */
	char *path;                   /* this file */
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
	struct eh_anycast *anycast; /* NULL without `anycast:` */
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

/* "tcp", "http", "https", "dns" */
const char *eh_conf_check_name(enum eh_check_type type);

struct ycfg_doc;
struct yaml_node_s; /* yaml_node_t */

/*
 * Parse one check mapping `node` of `doc` ({type: tcp, address: ...}) into
 * `out`, for the edges' `checks` and any other section that holds checks.
 * `what` prefixes every message ("checks: edge1"); `host` is the default
 * Host header and SNI of http/https checks (copied).  Borrows everything.
 * Returns 0 with `out` filled (strings owned by `out`: eh_check_fini), or
 * -1 with every problem added to `err` as file:line:col and nothing in
 * `out` to free.  Load path only.
 */
int eh_check_load(const struct ycfg_doc *doc, const struct yaml_node_s *node,
                  const char *what, const char *host, struct eh_check *out,
                  struct errbuf *err);

/* Free what eh_check_load put in `ck` (not `ck` itself); NULL is a no-op. */
void eh_check_fini(struct eh_check *ck);

#endif
