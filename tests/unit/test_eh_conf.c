/* SPDX-License-Identifier: MIT */
/* tests/unit/test_eh_conf.c: zones/edge-health.yaml loading (edge-health/conf).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/errbuf.h"
#include "common/ycfg.h"
#include "edge-health/conf.h"

static char dir[] = "/tmp/test_eh_conf.XXXXXX";

static void
write_file(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	write_file("edges.yaml", "edges:\n"
	                         "  lhr:\n"
	                         "    location: [51.47, -0.45]\n"
	                         "    addresses: [192.0.2.11]\n"
	                         "  fra:\n"
	                         "    location: [50.03, 8.57]\n"
	                         "    addresses: [192.0.2.12]\n"
	                         "  iad:\n"
	                         "    location: [38.95, -77.45]\n"
	                         "    addresses: [198.51.100.21]\n");
	write_file("feed.key", "0123456789abcdef0123\n");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Load `text` as eh.yaml; *err holds the errors (caller finis it). */
static struct eh_conf *
load(const char *text, struct errbuf *err)
{
	char path[256];

	write_file("eh.yaml", text);
	snprintf(path, sizeof(path), "%s/eh.yaml", dir);
	errbuf_init(err);
	return eh_conf_load(path, err);
}

/* The error text contains "FILE:LINE:COL: WHAT". */
static void
has_error_in(const struct errbuf *err, const char *file, unsigned line,
             unsigned col, const char *what)
{
	char want[512];

	snprintf(want, sizeof(want), "%s:%u:%u: %s", file, line, col, what);
	if (strstr(errbuf_text(err), want) == NULL)
		fail_msg("missing \"%s\" in:\n%s", want, errbuf_text(err));
}

/* The error text contains "eh.yaml:LINE:COL: WHAT". */
static void
has_error(const struct errbuf *err, unsigned line, unsigned col,
          const char *what)
{
	has_error_in(err, "eh.yaml", line, col, what);
}

static void
defaults_applied(void **state)
{
	struct errbuf err;
	struct eh_conf *c = load("edges: edges.yaml\n"
	                         "checks:\n"
	                         "  lhr:\n"
	                         "    - {type: http, address: "
	                         "\"127.0.0.1:8080\"}\n"
	                         "  fra:\n"
	                         "    - {type: tcp, address: \"[::1]:81\"}\n"
	                         "feeds:\n"
	                         "  - unix: dnsd.sock\n",
	                         &err);

	(void)state;
	if (c == NULL)
		fail_msg("%s", errbuf_text(&err));
	assert_int_equal(c->nedge, 2);
	const struct eh_edge *e = &c->edge[0];
	assert_string_equal(e->name, "lhr");
	assert_int_equal(e->t.interval_ms, EH_INTERVAL_MS);
	assert_int_equal(e->t.timeout_ms, EH_TIMEOUT_MS);
	assert_int_equal(e->t.fall, EH_FALL);
	assert_int_equal(e->t.rise, EH_RISE);
	assert_int_equal(e->t.jitter_pct, EH_JITTER_PCT);
	assert_int_equal(e->ncheck, 1);
	const struct eh_check *k = &e->check[0];
	assert_int_equal(k->type, EH_CHECK_HTTP);
	assert_string_equal(k->path, "/");
	assert_string_equal(k->host, "lhr"); /* the edge's name */
	assert_int_equal(k->nstatus, 1);
	assert_int_equal(k->status[0], 200);
	assert_null(k->body);
	assert_int_equal(k->max_body, EH_MAX_BODY);
	assert_true(k->verify);
	assert_string_equal(k->addr.host, "127.0.0.1");
	assert_int_equal(k->addr.port, 8080);
	assert_string_equal(c->edge[1].check[0].addr.host, "::1");
	assert_int_equal(c->edge[1].check[0].addr.ss.ss_family, AF_INET6);
	/* Relative paths are relative to the file naming them. */
	assert_int_equal(c->nfeed, 1);
	const struct sockaddr_un *sun =
	    (const struct sockaddr_un *)&c->feed[0].addr;
	char want[300];
	snprintf(want, sizeof(want), "%s/dnsd.sock", dir);
	assert_string_equal(sun->sun_path, want);
	assert_int_equal(c->feed[0].keylen, 0);
	assert_null(c->state_file);
	eh_conf_free(c);
	errbuf_fini(&err);
}

static void
overrides(void **state)
{
	struct errbuf err;
	struct eh_conf *c =
	    load("edges: edges.yaml\n"
	         "defaults: {interval: 1s, timeout: 500ms, fall: 5, rise: 4, "
	         "jitter: 0}\n"
	         "checks:\n"
	         "  lhr:\n"
	         "    - {type: https, address: \"127.0.0.1:443\", path: /h, "
	         "host: a.example, status: [200, 204], body: OK, "
	         "max_body: 100, verify: false}\n"
	         "  iad:\n"
	         "    interval: 3s\n"
	         "    fall: 1\n"
	         "    checks:\n"
	         "      - {type: tcp, address: \"127.0.0.1:80\"}\n"
	         "      - {type: http, address: \"127.0.0.1:80\"}\n"
	         "feeds:\n"
	         "  - udp: \"127.0.0.1:5300\"\n"
	         "    key_file: feed.key\n"
	         "state_file: eh.state\n",
	         &err);

	(void)state;
	if (c == NULL)
		fail_msg("%s", errbuf_text(&err));
	assert_int_equal(c->defaults.interval_ms, 1000);
	const struct eh_edge *lhr = &c->edge[0], *iad = &c->edge[1];
	assert_int_equal(lhr->t.interval_ms, 1000);
	assert_int_equal(lhr->t.timeout_ms, 500);
	assert_int_equal(lhr->t.fall, 5);
	assert_int_equal(lhr->t.rise, 4);
	assert_int_equal(lhr->t.jitter_pct, 0);
	const struct eh_check *k = &lhr->check[0];
	assert_int_equal(k->type, EH_CHECK_HTTPS);
	assert_string_equal(k->path, "/h");
	assert_string_equal(k->host, "a.example");
	assert_int_equal(k->nstatus, 2);
	assert_int_equal(k->status[1], 204);
	assert_string_equal(k->body, "OK");
	assert_int_equal(k->max_body, 100);
	assert_false(k->verify);
	/* Per-edge values win; the rest come from defaults. */
	assert_int_equal(iad->t.interval_ms, 3000);
	assert_int_equal(iad->t.fall, 1);
	assert_int_equal(iad->t.rise, 4);
	assert_int_equal(iad->t.timeout_ms, 500);
	assert_int_equal(iad->ncheck, 2);
	assert_int_equal(c->nfeed, 1);
	assert_int_equal(c->feed[0].kind, EH_FEED_UDP);
	assert_int_equal(c->feed[0].keylen, 20);
	assert_memory_equal(c->feed[0].key, "0123456789abcdef0123", 20);
	char want[300];
	snprintf(want, sizeof(want), "%s/eh.state", dir);
	assert_string_equal(c->state_file, want);
	eh_conf_free(c);
	errbuf_fini(&err);
}

static void
errors_at_their_position(void **state)
{
	struct errbuf err;
	struct eh_conf *c = load(
	    "edges: edges.yaml\n"                                   /* 1 */
	    "defaults: {interval: 1s, fall: 0}\n"                   /* 2 */
	    "colour: red\n"                                         /* 3 */
	    "checks:\n"                                             /* 4 */
	    "  lhr:\n"                                              /* 5 */
	    "    - {type: http, address: \"127.0.0.1\", x: 1}\n"    /* 6 */
	    "  ams:\n"                                              /* 7 */
	    "    - {type: tcp, address: \"127.0.0.1:1\"}\n"         /* 8 */
	    "  fra:\n"                                              /* 9 */
	    "    - {type: ftp, address: \"127.0.0.1:1\"}\n"         /* 10 */
	    "    - {type: tcp, address: \"1.2.3.4:1\", path: /}\n"  /* 11 */
	    "    - {type: http, address: \"::1:80\"}\n"             /* 12 */
	    "    - {type: http, address: \"a:1\", status: [700]}\n" /* 13 */
	    "  iad:\n"                                              /* 14 */
	    "    timeout: 5s\n"                                     /* 15 */
	    "    checks: []\n"                                      /* 16 */
	    "feeds:\n"                                              /* 17 */
	    "  - {unix: /a, udp: \"127.0.0.1:1\"}\n"                /* 18 */
	    "  - {udp: \"127.0.0.1:1\"}\n"                          /* 19 */
	    "  - {udp: \"127.0.0.1:1\", key_file: nokey}\n",        /* 20 */
	    &err);

	(void)state;
	assert_null(c);
	has_error(&err, 2, 32, "defaults: fall: 0 is out of range");
	has_error(&err, 3, 1, "top level: unknown key \"colour\"");
	has_error(&err, 6, 42, "checks: lhr: unknown key \"x\"");
	has_error(&err, 6, 29,
	          "checks: lhr: address: \"127.0.0.1\" is not ADDR:PORT");
	has_error(&err, 7, 3, "checks: unknown edge \"ams\"");
	has_error(&err, 10, 14, "checks: fra: type: invalid value \"ftp\"");
	has_error(&err, 11, 41,
	          "checks: fra: path: only for http and https checks");
	has_error(&err, 12, 29, "checks: fra: address: \"::1:80\"");
	has_error(&err, 13, 29, "checks: fra: address: \"a:1\"");
	has_error(&err, 13, 45, "checks: fra: status: \"700\"");
	has_error(&err, 15, 5,
	          "checks: iad: timeout (5000 ms) is longer than interval");
	has_error(&err, 16, 13, "checks: iad: no checks");
	has_error(&err, 18, 5, "feeds: give exactly one of unix and udp");
	has_error(&err, 19, 5, "feeds: udp: key_file is required");
	has_error(&err, 20, 5, "feeds: key_file:");
	errbuf_fini(&err);
}

static void
dns_checks(void **state)
{
	struct errbuf err;
	struct eh_conf *c = load(
	    "edges: edges.yaml\n"
	    "checks:\n"
	    "  lhr:\n"
	    "    - {type: dns, address: \"127.0.0.1:53\", name: "
	    "cdn.example.net}\n"
	    "    - {type: dns, address: \"[::1]:53\", name: Example.NET., "
	    "qtype: aaaa, transport: tcp, rcode: nxdomain, "
	    "answer: \"2001:DB8:0::1\", source: \"::1\"}\n"
	    "    - {type: dns, address: \"127.0.0.1:53\", name: example.net, "
	    "qtype: MX, answer: 10 Mail.Example.net, source: 127.0.0.31}\n"
	    "    - {type: tcp, address: \"127.0.0.1:80\", source: 127.0.0.32}\n"
	    "    - {type: http, address: \"127.0.0.1:80\"}\n",
	    &err);

	(void)state;
	if (c == NULL)
		fail_msg("%s", errbuf_text(&err));
	assert_string_equal(eh_conf_check_name(EH_CHECK_DNS), "dns");
	const struct eh_check *k = c->edge[0].check;
	assert_int_equal(c->edge[0].ncheck, 5);
	/* Defaults: A, NOERROR, udp, no answer, no source. */
	assert_int_equal(k[0].type, EH_CHECK_DNS);
	assert_string_equal(k[0].qname, "cdn.example.net");
	assert_int_equal(k[0].qtype, 1);
	assert_int_equal(k[0].rcode, 0);
	assert_false(k[0].dns_tcp);
	assert_null(k[0].answer);
	assert_false(k[0].has_source);
	assert_null(k[0].path); /* http's defaults are not a dns check's */
	assert_null(k[0].host);
	/* Type and rcode names in any case; the answer kept as ldns prints
	 * it, so it compares as rdata. */
	assert_int_equal(k[1].qtype, 28);
	assert_int_equal(k[1].rcode, 3);
	assert_true(k[1].dns_tcp);
	assert_string_equal(k[1].answer, "2001:db8::1");
	assert_true(k[1].has_source);
	assert_int_equal(k[1].source.ss.ss_family, AF_INET6);
	assert_string_equal(k[1].source.host, "::1");
	/* Names in the answer are absolute. */
	assert_int_equal(k[2].qtype, 15);
	assert_string_equal(k[2].answer, "10 Mail.Example.net.");
	assert_string_equal(k[2].source.host, "127.0.0.31");
	assert_int_equal(k[2].source.port, 0);
	const struct sockaddr_in *sin =
	    (const struct sockaddr_in *)&k[2].source.ss;
	assert_int_equal(sin->sin_port, 0);
	/* source on the other types */
	assert_true(k[3].has_source);
	assert_string_equal(k[3].source.host, "127.0.0.32");
	assert_false(k[4].has_source);
	eh_conf_free(c);
	errbuf_fini(&err);
}

static void
dns_errors_at_their_position(void **state)
{
	struct errbuf err;
	struct eh_conf *c = load(
	    "edges: edges.yaml\n"                                        /* 1 */
	    "checks:\n"                                                  /* 2 */
	    "  lhr:\n"                                                   /* 3 */
	    "    - {type: dns, address: \"127.0.0.1:53\"}\n"             /* 4 */
	    "    - {type: dns, address: \"127.0.0.1:53\", name: a..b}\n" /* 5 */
	    "    - {type: dns, address: \"127.0.0.1:53\", name: a, "
	    "qtype: BOGUS}\n" /* 6 */
	    "    - {type: dns, address: \"127.0.0.1:53\", name: a, "
	    "rcode: NOPE}\n" /* 7 */
	    "    - {type: dns, address: \"127.0.0.1:53\", name: a, "
	    "transport: sctp}\n" /* 8 */
	    "    - {type: dns, address: \"127.0.0.1:53\", name: a, "
	    "answer: not-an-ip}\n" /* 9 */
	    "    - {type: dns, address: \"127.0.0.1:53\", name: a, "
	    "path: /}\n"                                              /* 10 */
	    "    - {type: tcp, address: \"127.0.0.1:53\", name: a}\n" /* 11 */
	    "    - {type: http, address: \"127.0.0.1:80\", rcode: "
	    "REFUSED}\n" /* 12 */
	    "    - {type: tcp, address: \"127.0.0.1:53\", source: "
	    "\"127.0.0.1:80\"}\n" /* 13 */
	    "    - {type: dns, address: \"127.0.0.1:53\", name: a, "
	    "source: \"::1\"}\n" /* 14 */
	    "    - {type: https, address: \"[::1]:443\", source: "
	    "127.0.0.1}\n", /* 15 */
	    &err);

	(void)state;
	assert_null(c);
	has_error(&err, 4, 7, "checks: lhr: name: required for dns checks");
	has_error(&err, 5, 50,
	          "checks: lhr: name: \"a..b\" is not a domain name");
	has_error(&err, 6, 60,
	          "checks: lhr: qtype: unknown or unusable type \"BOGUS\"");
	has_error(&err, 7, 60, "checks: lhr: rcode: unknown rcode \"NOPE\"");
	has_error(&err, 8, 64,
	          "checks: lhr: transport: invalid value \"sctp\" "
	          "(expected one of: udp, tcp)");
	has_error(&err, 9, 61,
	          "checks: lhr: answer: \"not-an-ip\" is not rdata of the "
	          "qtype");
	has_error(&err, 10, 53,
	          "checks: lhr: path: only for http and https checks");
	has_error(&err, 11, 44, "checks: lhr: name: only for dns checks");
	has_error(&err, 12, 45, "checks: lhr: rcode: only for dns checks");
	has_error(&err, 13, 52,
	          "checks: lhr: source: \"127.0.0.1:80\" is not an IP "
	          "address without a port");
	has_error(&err, 14, 61,
	          "checks: lhr: source: ::1 is IPv6 but address "
	          "127.0.0.1:53 is IPv4");
	has_error(&err, 15, 51,
	          "checks: lhr: source: 127.0.0.1 is IPv4 but address "
	          "[::1]:443 is IPv6");
	errbuf_fini(&err);
}

/* eh_check_load on its own, as other sections of the file use it. */
static void
check_load_alone(void **state)
{
	struct errbuf err;
	const char *text = "a: {type: http, address: \"127.0.0.1:80\", "
	                   "source: 127.0.0.5}\n"
	                   "b: {type: dns, address: \"127.0.0.1:53\"}\n";
	struct eh_check ck;

	(void)state;
	errbuf_init(&err);
	struct ycfg_doc *doc =
	    ycfg_load_string("any.yaml", text, strlen(text), &err);
	assert_non_null(doc);
	const yaml_node_t *a = NULL, *b = NULL;
	size_t i = 0;
	yaml_node_t *k, *v;
	while (ycfg_map_next(doc, ycfg_doc_root(doc), &i, &k, &v)) {
		if (strcmp(ycfg_scalar(k), "a") == 0)
			a = v;
		else
			b = v;
	}
	assert_int_equal(
	    eh_check_load(doc, a, "anycast: x", "h.example", &ck, &err), 0);
	assert_int_equal(ck.type, EH_CHECK_HTTP);
	assert_string_equal(ck.host, "h.example");
	assert_string_equal(ck.path, "/");
	assert_string_equal(ck.source.host, "127.0.0.5");
	eh_check_fini(&ck);
	eh_check_fini(NULL);
	assert_int_equal(
	    eh_check_load(doc, b, "anycast: x", "h.example", &ck, &err), -1);
	has_error_in(&err, "any.yaml", 2, 4,
	             "anycast: x: name: required for dns checks");
	ycfg_doc_free(doc);
	errbuf_fini(&err);
}

static void
missing_inventory(void **state)
{
	struct errbuf err;
	struct eh_conf *c = load("edges: nothere.yaml\n"
	                         "checks: {}\n",
	                         &err);

	(void)state;
	assert_null(c);
	assert_non_null(strstr(errbuf_text(&err), "nothere.yaml"));
	errbuf_fini(&err);
	c = load("checks: {}\n", &err);
	assert_null(c);
	has_error(&err, 1, 1, "top level: missing required key \"edges\"");
	errbuf_fini(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults_applied),
	    cmocka_unit_test(overrides),
	    cmocka_unit_test(errors_at_their_position),
	    cmocka_unit_test(dns_checks),
	    cmocka_unit_test(dns_errors_at_their_position),
	    cmocka_unit_test(check_load_alone),
	    cmocka_unit_test(missing_inventory),
	};
	return cmocka_run_group_tests_name("eh_conf", tests, setup, teardown);
}
