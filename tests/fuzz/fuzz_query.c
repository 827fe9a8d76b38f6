/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_query.c: any bytes -> answer_query() over UDP and TCP
 * against a fixture snapshot built once, with cookies (a fixed secret and
 * time) and max_nocookie_response on; and the UDP response through rate
 * limiting at one response a second, so that it is slipped. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ldns/ldns.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "dnsd/answer.h"
#include "dnsd/conf.h"
#include "dnsd/cookie.h"
#include "dnsd/query.h"
#include "dnsd/rrl.h"
#include "dnsd/geo_name.h"
#include "dnsd/prebuilt.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "dnsd/zone_compile.h"
#include "dnsd/zonedb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Every answer path in one zone: wildcard (with a CNAME), a delegation with
 * glue, a CNAME chain and a loop, DNAMEs (one whose result is too long),
 * an RRset too big for UDP, MX/SRV additional data, an ENT.  A child zone
 * is served too, so DS at its apex goes to the parent.
 */
static const char zone_yaml[] =
    "zone: example.com\n"
    "ttl: 1h\n"
    "records:\n"
    "  \"@\":\n"
    "    SOA: ns1 hostmaster 1 2h 1h 2w 5m\n"
    "    NS: [ns1, ns2]\n"
    "    MX: [10 mail, 20 mx.example.org.]\n"
    "    TXT: '\"v=spf1 -all\"'\n"
    "  ns1: {A: 192.0.2.1}\n"
    "  ns2: {A: 192.0.2.2, AAAA: \"2001:db8::2\"}\n"
    "  www: {A: [192.0.2.10, 192.0.2.11], AAAA: \"2001:db8::10\"}\n"
    "  mail: {A: 192.0.2.25}\n"
    "  _sip._udp: {SRV: 10 60 5060 mail}\n"
    "  a.b.c: {A: 192.0.2.3}\n"
    "  \"*.wild\": {A: 192.0.2.80, TXT: wildcard}\n"
    "  \"*.wc\": {CNAME: www}\n"
    "  exists.wild: {A: 192.0.2.81}\n"
    "  sub:\n"
    "    NS: [ns.sub, ns.example.org.]\n"
    "    DS: 12345 13 2 4AC67A6B6A4F2A5F1B8E2C3D4E5F6071"
    "8293A4B5C6D7E8F9011223344556677A\n"
    "  ns.sub: {A: 192.0.2.53, AAAA: \"2001:db8::53\"}\n"
    "  child: {NS: ns.child}\n"
    "  ns.child: {A: 192.0.2.54}\n"
    "  c1: {CNAME: c2}\n"
    "  c2: {CNAME: www}\n"
    "  loop1: {CNAME: loop2}\n"
    "  loop2: {CNAME: loop1}\n"
    "  cnx: {CNAME: nothere}\n"
    "  cout: {CNAME: www.example.org.}\n"
    "  csub: {CNAME: www.sub}\n"
    "  dn: {DNAME: example.org.}\n"
    "  din: {DNAME: wild}\n"
    "  ln: {DNAME: "
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc."
    "example.org.}\n"
    "  big:\n"
    "    TXT:\n";

static const char child_yaml[] =
    "zone: child.example.com\n"
    "records:\n"
    "  \"@\": {SOA: ns h 1 1h 1h 1w 1m, NS: ns, DNAME: example.com.}\n"
    "  ns: {A: 192.0.2.54}\n";

/*
 * A geo name with overrides for both families, an edge without IPv6 and a
 * CNAME to it: any ECS option in the input reaches the geo tree.  There is
 * no database, so everything else gets the default.
 */
static const char edges_yaml[] =
    "edges:\n"
    "  a: {location: [51.5, -0.1], addresses: [192.0.2.1, \"2001:db8::1\"]}\n"
    "  b: {location: [35.7, 139.7], addresses: [192.0.2.2]}\n"
    "  c: {location: [-33.9, 151.2], addresses: [192.0.2.3, "
    "\"2001:db8::3\"]}\n";
static const char geo_yaml[] = "  gcname: {CNAME: cdn}\n"
                               "geo:\n"
                               "  cdn:\n"
                               "    answers: 2\n"
                               "    default: [b, a]\n"
                               "    overrides:\n"
                               "      \"10.0.0.0/8\": [a]\n"
                               "      \"10.1.0.0/16\": [b]\n"
                               "      \"2001:db8::/32\": [c, a]\n"
                               "      \"2002::/16\": [b]\n";

static struct dnsd_conf conf = {
    .udp_payload = 1232,
    .cookies = {.enabled = true,
                .nsecrets = 1,
                .secret = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                            16}},
                .max_nocookie_response = 600},
    .rrl = {.enabled = true,
            .rate = 1,
            .burst = 1,
            .slip = 1,
            .ipv4_prefix = 24,
            .ipv6_prefix = 56,
            .table_size = 64},
};
static struct cookie_mac *mac;
static struct rrl *rrl;
static struct snapshot snap;

/* One TXT character-string, as snapshot_load encodes them. */
static unsigned
txt(uint8_t *out, const char *s)
{
	size_t len = strlen(s);

	out[0] = (uint8_t)len;
	memcpy(out + 1, s, len);
	return (unsigned)len + 1;
}

static void
load(struct zonedb_builder *b, const char *name, const char *text, size_t len,
     struct errbuf *err)
{
	if (zone_load_yaml_string(b, name, text, len, err) == -1) {
		fprintf(stderr, "fuzz_query fixture: %s", errbuf_text(err));
		abort();
	}
}

/*
 * Built once per process and never freed: libFuzzer's leak check runs
 * per input and only sees memory allocated during it.
 */
static const struct serving *
fixture(void)
{
	static bool done;
	static struct serving *sv;
	struct errbuf err;
	char text[sizeof(zone_yaml) + 60 * 64 + sizeof(geo_yaml)];
	size_t len;

	if (done)
		return sv;
	len = (size_t)snprintf(text, sizeof(text), "%s", zone_yaml);
	for (unsigned i = 0; i < 60; i++)
		len += (size_t)snprintf(
		    text + len, sizeof(text) - len,
		    "      - '\"record %02u of a large RRset, padding\"'\n", i);
	len += (size_t)snprintf(text + len, sizeof(text) - len, "%s", geo_yaml);
	errbuf_init(&err);

	/* The edge inventory is a file: write one, load it, remove it. */
	char path[] = "/tmp/fuzz_query_edges.XXXXXX";
	int fd = mkstemp(path);
	if (fd == -1 || write(fd, edges_yaml, sizeof(edges_yaml) - 1) !=
	                    (ssize_t)(sizeof(edges_yaml) - 1))
		abort();
	close(fd);
	static struct geo_env env;
	snap.edges = edges_load(path, &err);
	unlink(path);
	if (snap.edges == NULL) {
		fprintf(stderr, "fuzz_query fixture: %s", errbuf_text(&err));
		abort();
	}
	env.edges = snap.edges;
	env.sites = calloc(snap.edges->n, sizeof(*env.sites));
	for (size_t i = 0; env.sites != NULL && i < snap.edges->n; i++) {
		env.sites[i].at.lat = snap.edges->edge[i].lat;
		env.sites[i].at.lon = snap.edges->edge[i].lon;
	}
	struct zonedb_builder *b = zonedb_builder_new();
	zonedb_builder_set_env(b, &env);
	load(b, "fuzz.yaml", text, len, &err);
	load(b, "child.yaml", child_yaml, sizeof(child_yaml) - 1, &err);
	snap.db = zonedb_builder_finish(b, &err);
	if (snap.db == NULL) {
		fprintf(stderr, "fuzz_query fixture: %s", errbuf_text(&err));
		abort();
	}
	errbuf_fini(&err);
	snap.conf = &conf;
	snap.generation = 1;
	snap.id_txt_len = txt(snap.id_txt, "ns1.fuzz");
	snap.ver_txt_len = txt(snap.ver_txt, "dnsd-fuzz");
	/* Compiled answers too, as the server has them; one edge down, so
	 * that picks skip it, and one at half its share, so that they
	 * spread by the client's hash. */
	snap.prebuilt = prebuilt_build(&snap);
	atomic_init(&snap.refs, 1);
	struct steer *st = calloc(1, steer_size(snap.edges->n));
	if (st == NULL)
		abort();
	st->n = snap.edges->n;
	for (size_t i = 0; i < st->n; i++)
		st->edge[i] = (struct steer_edge){i == 1   ? 0
		                                  : i == 2 ? STEER_SHARE_ALL / 2
		                                           : STEER_SHARE_ALL,
		                                  snap.edges->edge[i].weight};
	steer_mark_partial(st);
	sv = serving_new(&snap, st, NULL);
	free(st);
	mac = cookie_mac_new();
	rrl_conf_derive(&conf.rrl, 1);
	rrl = rrl_new(conf.rrl.table_size);
	done = true;
	return sv;
}

/* The contract of answer_query(), checked on every response. */
static void
check(const uint8_t *q, size_t qlen, const uint8_t *resp, size_t len,
      size_t cap)
{
	if (len > cap)
		abort();
	if (len == 0)
		return;
	/* 0 is the answer for fewer than 2 octets and for QR=1 */
	if (qlen < 2 || (qlen >= 3 && (q[2] & 0x80)))
		abort();
	if (len < 12 || resp[0] != q[0] || resp[1] != q[1] || !(resp[2] & 0x80))
		abort();
	/* what we send must parse: counts, rdlengths and pointers agree */
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, resp, len) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_free(pkt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t resp[ANSWER_TCP_MAX];
	const struct serving *sv = fixture();
	struct dnsd_stats st;
	size_t len;

	/* geo names without ECS are placed by these (in 10/8 and 2001:db8) */
	struct sockaddr_in v4 = {.sin_family = AF_INET,
	                         .sin_addr.s_addr = htonl(0x0a010203)};
	struct sockaddr_in6 v6 = {
	    .sin6_family = AF_INET6,
	    .sin6_addr.s6_addr = {0x20, 0x01, 0x0d, 0xb8}};

	struct answer_env env = {&st, NULL, mac, 1700000000u};
	struct query q;

	memset(&st, 0, sizeof(st));
	query_parse(&q, data, size, false, (const struct sockaddr *)&v4);
	len = answer_query(sv, &q, resp, ANSWER_UDP_MAX, &env);
	/* UDP never exceeds what we advertise (RFC 6891 §6.2.5) */
	check(data, size, resp, len, conf.udp_payload);
	/* every response but the first of a kind is slipped: it must parse
	 * too, and be no longer than the query (nothing to amplify) */
	if (len > 0) {
		size_t slen =
		    rrl_apply(rrl, &conf.rrl, &q, resp, len, 0, 1232, &st);
		if (slen > len || (slen != len && slen > size))
			abort();
		check(data, size, resp, slen, len);
	}
	query_parse(&q, data, size, true, (const struct sockaddr *)&v6);
	len = answer_query(sv, &q, resp, ANSWER_TCP_MAX, &env);
	check(data, size, resp, len, ANSWER_TCP_MAX);
	return 0;
}
