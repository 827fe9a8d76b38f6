/* SPDX-License-Identifier: MIT */
/* tests/unit/test_answer.c: answer_packet() end to end: raw queries in,
 * responses read back with ldns (tests may use it; the hot path may not). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "common/errbuf.h"
#include "dnsd/answer.h"
#include "dnsd/conf.h"
#include "dnsd/edns.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "dnsd/wire.h"
#include "tests/lib/pkt.h"

/* ---- fixture ------------------------------------------------------------- */

#define BIG_TXT 40    /* ~1900 octets: over any UDP limit we allow */
#define MEDIUM_TXT 15 /* ~720 octets: over 512, under 1232 */

struct fixture {
	char dir[64];
	struct serving *snap; /* version and identity configured */
	struct serving *bare; /* neither: CHAOS refused */
};

static const char zone_text[] =
    "zone: example.com\n"
    "ttl: 1h\n"
    "records:\n"
    "  \"@\":\n"
    "    SOA: ns1 hostmaster 1 2h 1h 2w 5m\n"
    "    NS: [ns1, ns2]\n"
    "    MX: 10 mail\n"
    "  ns1: {A: 192.0.2.1}\n"
    "  ns2: {A: 192.0.2.2, AAAA: \"2001:db8::2\"}\n"
    "  www: {A: 192.0.2.10, AAAA: \"2001:db8::10\", TXT: hi}\n"
    "  mail: {A: 192.0.2.25}\n"
    "  a.b.c: {A: 192.0.2.3}\n"
    "  \"*.wild\": {A: 192.0.2.80, TXT: '\"from the wildcard\"'}\n"
    "  exists.wild: {A: 192.0.2.81}\n"
    "  sub:\n"
    "    NS: [ns.sub, ns.example.org.]\n"
    "    DS: 12345 13 2 4AC67A6B6A4F2A5F1B8E2C3D4E5F6071"
    "8293A4B5C6D7E8F9011223344556677A\n"
    "  ns.sub: {A: 192.0.2.53}\n"
    "  c1: {CNAME: c2}\n"
    "  c2: {CNAME: www}\n"
    "  cnx: {CNAME: nothere}\n"
    "  cout: {CNAME: www.example.org.}\n"
    "  dn: {DNAME: example.org.}\n"
    "  ln: {DNAME: "
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc."
    "example.org.}\n"
    "  child:\n"
    "    NS: ns.child\n"
    "    DS: 1 13 2 4AC67A6B6A4F2A5F1B8E2C3D4E5F6071"
    "8293A4B5C6D7E8F9011223344556677A\n"
    "  ns.child: {A: 192.0.2.54}\n";

/* A child zone served too: DS for it must still come from the parent. */
static const char child_text[] = "zone: child.example.com\n"
                                 "records:\n"
                                 "  \"@\": {SOA: ns h 1 1h 1h 1w 1m, NS: ns}\n"
                                 "  ns: {A: 192.0.2.54}\n"
                                 "  www: {A: 192.0.2.55}\n";

/* A TXT RRset of n records of ~35 octets each, under `name`. */
static void
write_txt_set(FILE *f, const char *name, unsigned n)
{
	fprintf(f, "  %s:\n    TXT:\n", name);
	for (unsigned i = 0; i < n; i++)
		fprintf(f,
		        "      - '\"record %02u of a large set, padding\"'\n",
		        i);
}

static void
write_file(const char *dir, const char *name, const char *text, unsigned big)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	if (big) {
		write_txt_set(f, "big", BIG_TXT);
		write_txt_set(f, "medium", MEDIUM_TXT);
	}
	fclose(f);
}

static struct serving *
load(const char *dir, const char *conf)
{
	char path[128];
	struct errbuf err;

	snprintf(path, sizeof(path), "%s/%s", dir, conf);
	errbuf_init(&err);
	struct snapshot *snap = snapshot_load(path, 1, &err);
	if (snap == NULL)
		print_error("%s", errbuf_text(&err));
	errbuf_fini(&err);
	if (snap == NULL)
		return NULL;
	/* Every edge usable; no yard: freed where released. */
	struct serving *s = serving_new(snap, NULL, NULL);
	snapshot_unref(snap);
	return s;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_answer.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	write_file(fx->dir, "example.com.yaml", zone_text, 1);
	write_file(fx->dir, "child.yaml", child_text, 0);
	write_file(fx->dir, "dnsd.yaml",
	           "server:\n"
	           "  listen: 127.0.0.1:5353\n"
	           "  udp_payload: 1232\n"
	           "  identity: ns1.test\n"
	           "  version: dnsd-test\n"
	           "zones: [example.com.yaml, child.yaml]\n",
	           0);
	write_file(fx->dir, "bare.yaml",
	           "server:\n"
	           "  listen: 127.0.0.1:5353\n"
	           "zones: [example.com.yaml]\n",
	           0);
	fx->snap = load(fx->dir, "dnsd.yaml");
	fx->bare = load(fx->dir, "bare.yaml");
	*state = fx;
	return fx->snap != NULL && fx->bare != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	const char *files[] = {"example.com.yaml", "dnsd.yaml", "bare.yaml",
	                       "child.yaml"};
	char path[128];

	serving_unref(fx->snap);
	serving_unref(fx->bare);
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", fx->dir, files[i]);
		unlink(path);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* ---- queries ------------------------------------------------------------ */

/* An OPT for a query: payload size, TTL (version, DO) and options. */
struct qopt {
	uint16_t size;
	uint32_t ttl;
	const char *rdata;
	size_t rdlen;
	unsigned copies; /* 0 means 1 */
};

/* A query with ID 0x1234, one question and an optional OPT. */
static void
mkq(struct pkt *q, uint16_t flags, const char *name, uint16_t qtype,
    uint16_t qclass, const struct qopt *o)
{
	unsigned nopt = o == NULL ? 0 : o->copies ? o->copies : 1;

	assert_int_equal(pkt_query(q, 0x1234, flags, name, qtype, qclass, nopt),
	                 0);
	for (unsigned i = 0; i < nopt; i++)
		pkt_opt(q, o->size, o->ttl, o->rdata, o->rdlen);
	assert_false(q->full);
}

/* A response, raw and parsed. */
struct r {
	uint8_t b[ANSWER_TCP_MAX];
	size_t len;
	ldns_pkt *pkt;
	struct dnsd_stats st;
};

static void
run(const struct serving *s, const uint8_t *q, size_t qlen, bool tcp,
    struct r *r)
{
	memset(&r->st, 0, sizeof(r->st));
	r->pkt = NULL;
	r->len = answer_packet(s, q, qlen, tcp, NULL, r->b,
	                       tcp ? ANSWER_TCP_MAX : ANSWER_UDP_MAX, &r->st);
	assert_true(r->len <= (tcp ? ANSWER_TCP_MAX : ANSWER_UDP_MAX));
	if (r->len == 0)
		return;
	assert_int_equal(ldns_wire2pkt(&r->pkt, r->b, r->len), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(r->pkt), q[0] << 8 | q[1]);
	assert_true(ldns_pkt_qr(r->pkt));
}

static void
ask(const struct serving *s, const char *name, uint16_t qtype, bool tcp,
    struct r *r)
{
	struct pkt q;

	mkq(&q, F_RD, name, qtype, C_IN, NULL);
	run(s, q.b, q.len, tcp, r);
}

static void
done(struct r *r)
{
	ldns_pkt_free(r->pkt);
	r->pkt = NULL;
}

static struct serving *
snap(void **state)
{
	return ((struct fixture *)*state)->snap;
}

static size_t
count(const ldns_rr_list *l)
{
	return ldns_rr_list_rr_count(l);
}

/* Owner (case-insensitive) and type of a record. */
static void
assert_rr(const ldns_rr *rr, const char *owner, ldns_rr_type type)
{
	ldns_rdf *want = ldns_dname_new_frm_str(owner);

	assert_non_null(rr);
	if (ldns_dname_compare(ldns_rr_owner(rr), want) != 0) {
		char *got = ldns_rdf2str(ldns_rr_owner(rr));
		print_error("owner %s, wanted %s\n", got, owner);
		free(got);
		fail();
	}
	assert_int_equal(ldns_rr_get_type(rr), type);
	ldns_rdf_deep_free(want);
}

static ldns_rr *
an(const struct r *r, size_t i)
{
	return ldns_rr_list_rr(ldns_pkt_answer(r->pkt), i);
}

static ldns_rr *
ns(const struct r *r, size_t i)
{
	return ldns_rr_list_rr(ldns_pkt_authority(r->pkt), i);
}

static ldns_rr *
ar(const struct r *r, size_t i)
{
	return ldns_rr_list_rr(ldns_pkt_additional(r->pkt), i);
}

/* The rdata field `i` of `rr` in presentation form, compared. */
static void
assert_rdf(const ldns_rr *rr, size_t i, const char *text)
{
	char *s = ldns_rdf2str(ldns_rr_rdf(rr, i));

	assert_string_equal(s, text);
	free(s);
}

/* Build a query (as mkq, no flags) and run it over UDP. */
static void
ask_opt(const struct serving *s, const char *name, uint16_t qtype,
        uint16_t qclass, const struct qopt *o, struct r *r)
{
	struct pkt q;

	mkq(&q, 0, name, qtype, qclass, o);
	run(s, q.b, q.len, false, r);
}

/* For queries whose point is the rcode alone. */
static void
ask_rcode(const struct serving *s, const char *name, uint16_t qtype, bool tcp,
          ldns_pkt_rcode rcode)
{
	struct r r;

	ask(s, name, qtype, tcp, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), rcode);
	done(&r);
}

/* The rcode, the AA bit and the number of answer records. */
static void
assert_answer(const struct r *r, ldns_pkt_rcode rcode, bool aa, size_t nan)
{
	assert_int_equal(ldns_pkt_get_rcode(r->pkt), rcode);
	assert_int_equal(ldns_pkt_aa(r->pkt), aa);
	assert_int_equal(count(ldns_pkt_answer(r->pkt)), nan);
}

/*
 * A negative answer's authority: the zone's SOA alone, with the negative
 * TTL, min(SOA TTL 3600, MINIMUM 300) (RFC 2308 §3, §5).
 */
static void
assert_neg_soa(const struct r *r)
{
	assert_int_equal(count(ldns_pkt_authority(r->pkt)), 1);
	assert_rr(ns(r, 0), "example.com.", LDNS_RR_TYPE_SOA);
	assert_int_equal(ldns_rr_ttl(ns(r, 0)), 300);
}

/* ---- authoritative answers -------------------------------------------- */

static void
positive_answer(void **state)
{
	struct r r;

	ask(snap(state), "www.example.com", T_A, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 1);
	assert_false(ldns_pkt_tc(r.pkt));
	assert_true(ldns_pkt_rd(r.pkt)); /* RD is copied */
	assert_false(ldns_pkt_ra(r.pkt));
	assert_int_equal(ldns_pkt_qdcount(r.pkt), 1);
	assert_rr(an(&r, 0), "www.example.com.", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_rr_ttl(an(&r, 0)), 3600);
	assert_rdf(an(&r, 0), 0, "192.0.2.10");
	assert_int_equal(count(ldns_pkt_authority(r.pkt)), 0);
	assert_int_equal(r.st.udp, 1);
	assert_int_equal(r.st.rcode[RC_NOERROR], 1);
	done(&r);
}

static void
mx_with_additional(void **state)
{
	struct r r;

	ask(snap(state), "example.com", T_MX, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 1);
	assert_rdf(an(&r, 0), 1, "mail.example.com.");
	/* RFC 1035 §3.3.9: the exchange's address comes along */
	assert_int_equal(count(ldns_pkt_additional(r.pkt)), 1);
	assert_rr(ar(&r, 0), "mail.example.com.", LDNS_RR_TYPE_A);
	done(&r);
}

static void
nxdomain(void **state)
{
	struct r r;

	ask(snap(state), "nothere.example.com", T_A, false, &r);
	assert_answer(&r, LDNS_RCODE_NXDOMAIN, true, 0);
	assert_neg_soa(&r);
	assert_int_equal(r.st.rcode[RC_NXDOMAIN], 1);
	done(&r);
	/* deeper, and below an empty non-terminal */
	ask_rcode(snap(state), "x.y.b.c.example.com", T_A, false,
	          LDNS_RCODE_NXDOMAIN);
}

static void
nodata(void **state)
{
	struct r r;

	ask(snap(state), "www.example.com", T_MX, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 0);
	assert_neg_soa(&r);
	done(&r);
	/* an empty non-terminal exists: NODATA, not NXDOMAIN (RFC 8020) */
	ask(snap(state), "b.c.example.com", T_A, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 0);
	assert_neg_soa(&r);
	done(&r);
}

static void
refused_outside(void **state)
{
	struct r r;

	ask(snap(state), "www.example.org", T_A, false, &r);
	assert_answer(&r, LDNS_RCODE_REFUSED, false, 0);
	assert_int_equal(count(ldns_pkt_authority(r.pkt)), 0);
	done(&r);
	/* a name that only ends in the same characters */
	ask_rcode(snap(state), "badexample.com", T_A, false,
	          LDNS_RCODE_REFUSED);
	ask_rcode(snap(state), ".", T_NS, false, LDNS_RCODE_REFUSED);
	/* class HS: not served */
	ask_opt(snap(state), "www.example.com", T_A, 4, NULL, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_REFUSED);
	done(&r);
}

static void
referral(void **state)
{
	const char *names[] = {"www.sub.example.com", "sub.example.com",
	                       "ns.sub.example.com"};

	for (size_t i = 0; i < 3; i++) {
		struct r r;
		ask(snap(state), names[i], T_A, false, &r);
		/* RFC 1034 §4.3.2 step 3b: not authoritative */
		assert_answer(&r, LDNS_RCODE_NOERROR, false, 0);
		assert_int_equal(count(ldns_pkt_authority(r.pkt)), 2);
		assert_rr(ns(&r, 0), "sub.example.com.", LDNS_RR_TYPE_NS);
		assert_rr(ns(&r, 1), "sub.example.com.", LDNS_RR_TYPE_NS);
		/* the in-bailiwick server's glue; ns.example.org has none */
		assert_int_equal(count(ldns_pkt_additional(r.pkt)), 1);
		assert_rr(ar(&r, 0), "ns.sub.example.com.", LDNS_RR_TYPE_A);
		assert_rdf(ar(&r, 0), 0, "192.0.2.53");
		done(&r);
	}
}

static void
ds_at_cut(void **state)
{
	struct r r;

	/* RFC 4035 §3.1.4.1: the parent answers DS itself */
	ask(snap(state), "sub.example.com", T_DS, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 1);
	assert_rr(an(&r, 0), "sub.example.com.", LDNS_RR_TYPE_DS);
	assert_int_equal(count(ldns_pkt_authority(r.pkt)), 0);
	done(&r);
	/* but below the cut, DS is the child's business: refer */
	ask(snap(state), "x.sub.example.com", T_DS, false, &r);
	assert_false(ldns_pkt_aa(r.pkt));
	assert_rr(ns(&r, 0), "sub.example.com.", LDNS_RR_TYPE_NS);
	done(&r);
}

static void
ds_for_served_child(void **state)
{
	/* RFC 4035 §3.1.4.1: DS comes from the parent even when the child
	 * zone is served by the same server; everything else at and below
	 * the apex is the child's, and authoritative either way */
	static const struct {
		const char *name;
		uint16_t qtype;
		ldns_rr_type rtype; /* of the one answer record */
		const char *rdata;  /* its first field, or NULL */
	} cases[] = {
	    {"child.example.com", T_DS, LDNS_RR_TYPE_DS, NULL},
	    {"child.example.com", T_NS, LDNS_RR_TYPE_NS,
	     "ns.child.example.com."},
	    {"www.child.example.com", T_A, LDNS_RR_TYPE_A, "192.0.2.55"},
	    {"child.example.com", T_SOA, LDNS_RR_TYPE_SOA, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char owner[64];
		struct r r;

		ask(snap(state), cases[i].name, cases[i].qtype, false, &r);
		assert_answer(&r, LDNS_RCODE_NOERROR, true, 1);
		snprintf(owner, sizeof(owner), "%s.", cases[i].name);
		assert_rr(an(&r, 0), owner, cases[i].rtype);
		if (cases[i].rdata != NULL)
			assert_rdf(an(&r, 0), 0, cases[i].rdata);
		done(&r);
	}
}

static void
wildcard(void **state)
{
	struct r r;

	/* the closest encloser is wild.example.com (an ENT): *.wild applies */
	ask(snap(state), "a.x.wild.example.com", T_A, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 1);
	/* RFC 4592 §3.3.3: the owner is the query name, not the wildcard */
	assert_rr(an(&r, 0), "a.x.wild.example.com.", LDNS_RR_TYPE_A);
	assert_rdf(an(&r, 0), 0, "192.0.2.80");
	done(&r);
	/* wildcard NODATA */
	ask(snap(state), "q.wild.example.com", T_MX, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 0);
	assert_neg_soa(&r);
	done(&r);
	/* an existing name is never matched by the wildcard ... */
	ask(snap(state), "exists.wild.example.com", T_TXT, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 0);
	done(&r);
	/* ... nor are names below it (its closest encloser has no "*") */
	ask_rcode(snap(state), "x.exists.wild.example.com", T_A, false,
	          LDNS_RCODE_NXDOMAIN);
	/* the wildcard node itself, asked for literally */
	ask(snap(state), "*.wild.example.com", T_TXT, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 1);
	assert_rr(an(&r, 0), "*.wild.example.com.", LDNS_RR_TYPE_TXT);
	done(&r);
}

static void
cname_chain(void **state)
{
	struct r r;

	/* RFC 1034 §4.3.2 step 3a: c1 -> c2 -> www, all in one answer */
	ask(snap(state), "c1.example.com", T_A, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 3);
	assert_rr(an(&r, 0), "c1.example.com.", LDNS_RR_TYPE_CNAME);
	assert_rdf(an(&r, 0), 0, "c2.example.com.");
	assert_rr(an(&r, 1), "c2.example.com.", LDNS_RR_TYPE_CNAME);
	assert_rr(an(&r, 2), "www.example.com.", LDNS_RR_TYPE_A);
	done(&r);
	/* asking for the CNAME itself does not follow it */
	ask(snap(state), "c1.example.com", T_CNAME, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 1);
	assert_rr(an(&r, 0), "c1.example.com.", LDNS_RR_TYPE_CNAME);
	done(&r);
	/* the chain ends in NODATA: SOA in authority */
	ask(snap(state), "c1.example.com", T_MX, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 2);
	assert_neg_soa(&r);
	done(&r);
}

static void
cname_to_nxdomain(void **state)
{
	struct r r;

	/* RFC 6604 §3: the rcode is the last name's */
	ask(snap(state), "cnx.example.com", T_A, false, &r);
	assert_answer(&r, LDNS_RCODE_NXDOMAIN, true, 1);
	assert_rr(an(&r, 0), "cnx.example.com.", LDNS_RR_TYPE_CNAME);
	assert_neg_soa(&r);
	done(&r);
}

static void
cname_out_of_zone(void **state)
{
	struct r r;

	ask(snap(state), "cout.example.com", T_A, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 1);
	assert_rr(an(&r, 0), "cout.example.com.", LDNS_RR_TYPE_CNAME);
	assert_rdf(an(&r, 0), 0, "www.example.org.");
	/* the resolver follows it; we add nothing */
	assert_int_equal(count(ldns_pkt_authority(r.pkt)), 0);
	done(&r);
}

static void
dname(void **state)
{
	struct r r;

	/* RFC 6672 §3.1: the DNAME, then a synthesized CNAME */
	ask(snap(state), "a.B.dn.example.com", T_A, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 2);
	assert_rr(an(&r, 0), "dn.example.com.", LDNS_RR_TYPE_DNAME);
	assert_rr(an(&r, 1), "a.b.dn.example.com.", LDNS_RR_TYPE_CNAME);
	assert_rdf(an(&r, 1), 0, "a.B.example.org.");
	assert_int_equal(ldns_rr_ttl(an(&r, 1)), 3600);
	done(&r);
	/* the DNAME owner itself is not redirected */
	ask(snap(state), "dn.example.com", T_A, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 0);
	assert_neg_soa(&r);
	done(&r);
}

static void
dname_too_long(void **state)
{
	char name[128];
	struct r r;

	/* 61 + 205 octets after substitution: RFC 6672 §2.2 YXDOMAIN */
	memset(name, 'x', 60);
	snprintf(name + 60, sizeof(name) - 60, ".ln.example.com");
	ask(snap(state), name, T_A, false, &r);
	assert_answer(&r, LDNS_RCODE_YXDOMAIN, true, 1);
	assert_rr(an(&r, 0), "ln.example.com.", LDNS_RR_TYPE_DNAME);
	done(&r);
	/* a shorter prefix fits */
	ask(snap(state), "x.ln.example.com", T_A, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 2);
	done(&r);
}

static void
qname_case_echoed(void **state)
{
	struct r r;
	struct pkt q;

	mkq(&q, 0, "WwW.ExAmPlE.cOm", T_A, C_IN, NULL);
	run(snap(state), q.b, q.len, false, &r);
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), 1);
	/* the question as sent, octet for octet (RFC 4343 §4.1) */
	assert_memory_equal(r.b + 12, q.b + 12, 17 + 4);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_NOERROR);
	done(&r);
}

static void
compression_used(void **state)
{
	struct r r;

	ask(snap(state), "www.example.com", T_A, false, &r);
	/* header 12 + question 21 + answer (2 + 10 + 4): the owner is a
	 * pointer to the question name; uncompressed would be 64 octets */
	assert_int_equal(r.len, 49);
	assert_int_equal(r.b[33], 0xC0);
	assert_int_equal(r.b[34], 12);
	done(&r);
	/* names in RDATA compress too: NS targets share "example.com" */
	ask(snap(state), "example.com", T_NS, false, &r);
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), 2);
	assert_int_equal(count(ldns_pkt_additional(r.pkt)), 3);
	/* uncompressed: 12 + 17 + 2 x (13 + 10 + 17) + glue (31 + 31 + 43)
	 * = 214; compressed, each NS target is "\3nsN" + pointer (6) and
	 * each glue owner a pointer to that target (2) */
	assert_int_equal(r.len, 12 + 17 + 2 * (2 + 10 + 6) + 2 * (2 + 10 + 4) +
	                            (2 + 10 + 16));
	done(&r);
}

/* ---- malformed and special queries ------------------------------------- */

static void
qr_dropped(void **state)
{
	struct r r;
	struct pkt q;

	mkq(&q, F_QR, "www.example.com", T_A, C_IN, NULL);
	run(snap(state), q.b, q.len, false, &r);
	assert_int_equal(r.len, 0);
	assert_int_equal(r.st.dropped_qr, 1);
	/* three octets are enough to see QR */
	run(snap(state), q.b, 3, true, &r);
	assert_int_equal(r.len, 0);
	assert_int_equal(r.st.dropped_qr, 1);
}

static void
too_short(void **state)
{
	struct r r;
	static const uint8_t one[1] = {0x12};

	(void)state;
	run(snap(state), one, 1, false, &r);
	assert_int_equal(r.len, 0);
	assert_int_equal(r.st.dropped_short, 1);
	run(snap(state), one, 0, true, &r);
	assert_int_equal(r.len, 0);
}

static void
short_header(void **state)
{
	struct r r;
	static const uint8_t five[5] = {0x12, 0x34, 0x01, 0x00, 0x00};

	/* an ID is there, so the error can be reported (RFC 1035 §4.1.1) */
	run(snap(state), five, 5, false, &r);
	assert_int_equal(r.len, 12);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_FORMERR);
	assert_int_equal(ldns_pkt_qdcount(r.pkt), 0);
	assert_true(ldns_pkt_rd(r.pkt));
	assert_int_equal(r.st.rcode[RC_FORMERR], 1);
	done(&r);
	run(snap(state), five, 2, false, &r);
	assert_int_equal(r.len, 12);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_FORMERR);
	done(&r);
}

static void
qdcount_not_one(void **state)
{
	struct r r;
	struct pkt q;

	mkq(&q, 0, "www.example.com", T_A, C_IN, NULL);
	q.b[5] = 0;
	run(snap(state), q.b, 12, false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_FORMERR);
	assert_int_equal(ldns_pkt_qdcount(r.pkt), 0);
	done(&r);
	q.b[5] = 2;
	/* append a second question */
	memcpy(q.b + q.len, q.b + 12, q.len - 12);
	run(snap(state), q.b, 2 * q.len - 12, false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_FORMERR);
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), 0);
	done(&r);
}

static void
malformed_question(void **state)
{
	struct r r;
	struct pkt q;

	/* a question cut short: FORMERR, no question echoed */
	mkq(&q, 0, "www.example.com", T_A, C_IN, NULL);
	run(snap(state), q.b, q.len - 1, false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_FORMERR);
	assert_int_equal(ldns_pkt_qdcount(r.pkt), 0);
	done(&r);
	/* a compression pointer into the header is backwards but points at
	 * octets that do not form a name */
	mkq(&q, 0, "www.example.com", T_A, C_IN, NULL);
	q.b[12] = 0xC0;
	q.b[13] = 12;
	run(snap(state), q.b, q.len, false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_FORMERR);
	done(&r);
	/* answer records in a query */
	mkq(&q, 0, "www.example.com", T_A, C_IN, NULL);
	q.b[7] = 1;
	run(snap(state), q.b, q.len, false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_FORMERR);
	done(&r);
	/* QTYPE OPT is not a question */
	ask(snap(state), "www.example.com", T_OPT, false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_FORMERR);
	done(&r);
	/* zone transfers are not offered */
	ask(snap(state), "example.com", T_AXFR, true, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_REFUSED);
	done(&r);
}

static void
opcode_notimp(void **state)
{
	struct r r;
	struct pkt q;

	mkq(&q, 4 << 11, "www.example.com", T_SOA, C_IN, NULL);
	run(snap(state), q.b, q.len, false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_NOTIMPL);
	assert_int_equal(ldns_pkt_get_opcode(r.pkt), LDNS_PACKET_NOTIFY);
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), 0);
	assert_false(ldns_pkt_aa(r.pkt));
	done(&r);
}

static void
badvers(void **state)
{
	struct r r;
	struct qopt o = {.size = 1232, .ttl = 0x00010000};

	ask_opt(snap(state), "www.example.com", T_A, C_IN, &o, &r);
	/* RFC 6891 §6.1.3: BADVERS is 16, its upper bits live in the OPT */
	assert_int_equal(r.b[3] & 0xF, 0);
	assert_true(ldns_pkt_edns(r.pkt));
	assert_int_equal(ldns_pkt_edns_extended_rcode(r.pkt), 1);
	assert_int_equal(ldns_pkt_edns_version(r.pkt), 0);
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), 0);
	assert_int_equal(r.st.rcode[RC_BADVERS], 1);
	assert_int_equal(r.st.edns, 1);
	done(&r);
}

static void
two_opts(void **state)
{
	struct r r;
	struct pkt q;
	struct qopt o = {.size = 1232, .copies = 2};

	ask_opt(snap(state), "www.example.com", T_A, C_IN, &o, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_FORMERR);
	/* no OPT in a FORMERR about the OPT */
	assert_int_equal(r.b[10] << 8 | r.b[11], 0);
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), 0);
	done(&r);
	/* an OPT with a non-root owner (RFC 6891 §6.1.2) */
	static const uint8_t opt_x[] = {1, 'x', 0, 0, 41, 4, 208,
	                                0, 0,   0, 0, 0,  0};
	mkq(&q, 0, "www.example.com", T_A, C_IN, NULL);
	q.b[11] = 1;
	memcpy(q.b + q.len, opt_x, sizeof(opt_x));
	q.len += sizeof(opt_x);
	run(snap(state), q.b, q.len, false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_FORMERR);
	done(&r);
	/* the same bytes with a root owner are fine */
	memmove(q.b + q.len - 12, q.b + q.len - 10, 10);
	q.b[q.len - 13] = 0;
	q.len -= 2;
	run(snap(state), q.b, q.len, false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_NOERROR);
	done(&r);
}

static void
udp_limit_truncates(void **state)
{
	struct r r;

	/* no EDNS: 512 octets (RFC 1035 §4.2.1) */
	ask(snap(state), "medium.example.com", T_TXT, false, &r);
	assert_true(r.len <= 512);
	assert_true(ldns_pkt_tc(r.pkt));
	assert_true(ldns_pkt_aa(r.pkt));
	/* RFC 2181 §9: nothing partial; the question stays */
	assert_int_equal(ldns_pkt_qdcount(r.pkt), 1);
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), 0);
	assert_int_equal(count(ldns_pkt_authority(r.pkt)), 0);
	assert_int_equal(count(ldns_pkt_additional(r.pkt)), 0);
	assert_int_equal(r.st.truncated, 1);
	done(&r);
	/* TCP: everything */
	ask(snap(state), "medium.example.com", T_TXT, true, &r);
	assert_false(ldns_pkt_tc(r.pkt));
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), MEDIUM_TXT);
	assert_true(r.len > 512);
	assert_int_equal(r.st.tcp, 1);
	done(&r);
	ask(snap(state), "big.example.com", T_TXT, true, &r);
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), BIG_TXT);
	assert_true(r.len > 1232);
	done(&r);
}

static void
edns_size_honoured(void **state)
{
	struct r r;
	struct qopt o = {.size = 1232};

	/* 1232 holds the medium set */
	ask_opt(snap(state), "medium.example.com", T_TXT, C_IN, &o, &r);
	assert_false(ldns_pkt_tc(r.pkt));
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), MEDIUM_TXT);
	assert_true(r.len > 512 && r.len <= 1232);
	assert_true(ldns_pkt_edns(r.pkt));
	assert_int_equal(ldns_pkt_edns_udp_size(r.pkt), 1232);
	size_t medium_len = r.len;
	done(&r);
	/* a requestor size just under the answer: TC */
	o.size = (uint16_t)(medium_len - 1);
	ask_opt(snap(state), "medium.example.com", T_TXT, C_IN, &o, &r);
	assert_true(ldns_pkt_tc(r.pkt));
	assert_true(ldns_pkt_edns(r.pkt)); /* the OPT survives truncation */
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), 0);
	done(&r);
	/* asking for 4096 gets at most what we advertise (1232) */
	o.size = 4096;
	ask_opt(snap(state), "big.example.com", T_TXT, C_IN, &o, &r);
	assert_true(r.len <= 1232);
	assert_true(ldns_pkt_tc(r.pkt));
	done(&r);
	/* below 512 counts as 512 */
	o.size = 100;
	ask_opt(snap(state), "www.example.com", T_A, C_IN, &o, &r);
	assert_false(ldns_pkt_tc(r.pkt));
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), 1);
	done(&r);
}

static void
any_query(void **state)
{
	struct r r;

	/* RFC 8482 §4.1: one RRset over UDP ... */
	ask(snap(state), "www.example.com", T_ANY, false, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 1);
	done(&r);
	/* ... everything over TCP */
	ask(snap(state), "www.example.com", T_ANY, true, &r);
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), 3);
	assert_rr(an(&r, 0), "www.example.com.", LDNS_RR_TYPE_A);
	assert_rr(an(&r, 1), "www.example.com.", LDNS_RR_TYPE_TXT);
	assert_rr(an(&r, 2), "www.example.com.", LDNS_RR_TYPE_AAAA);
	done(&r);
	/* ANY at an ENT: NODATA */
	ask(snap(state), "b.c.example.com", T_ANY, true, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 0);
	assert_neg_soa(&r);
	done(&r);
}

static void
chaos(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		bool bare; /* ask the server with no identity or version */
		const char *name;
		ldns_pkt_rcode rcode;
		const char *txt; /* the one TXT record's text, or no answer */
	} cases[] = {
	    {false, "id.server", LDNS_RCODE_NOERROR, "\"ns1.test\""},
	    {false, "hostname.bind", LDNS_RCODE_NOERROR, "\"ns1.test\""},
	    /* not configured: refused */
	    {true, "version.bind", LDNS_RCODE_REFUSED, NULL},
	    {true, "id.server", LDNS_RCODE_REFUSED, NULL},
	    /* other CHAOS names are refused */
	    {false, "authors.bind", LDNS_RCODE_REFUSED, NULL},
	};
	struct r r;

	ask_opt(fx->snap, "VERSION.bind", T_TXT, C_CH, NULL, &r);
	assert_answer(&r, LDNS_RCODE_NOERROR, true, 1);
	assert_rr(an(&r, 0), "version.bind.", LDNS_RR_TYPE_TXT);
	assert_int_equal(ldns_rr_get_class(an(&r, 0)), LDNS_RR_CLASS_CH);
	assert_rdf(an(&r, 0), 0, "\"dnsd-test\"");
	done(&r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ask_opt(cases[i].bare ? fx->bare : fx->snap, cases[i].name,
		        T_TXT, C_CH, NULL, &r);
		assert_int_equal(ldns_pkt_get_rcode(r.pkt), cases[i].rcode);
		assert_int_equal(count(ldns_pkt_answer(r.pkt)),
		                 cases[i].txt != NULL ? 1 : 0);
		if (cases[i].txt != NULL)
			assert_rdf(an(&r, 0), 0, cases[i].txt);
		done(&r);
	}
}

/* The option `code` in the response OPT, or NULL; *len set. */
static const uint8_t *
find_option(const struct r *r, uint16_t code, size_t *len)
{
	ldns_rdf *d = ldns_pkt_edns_data(r->pkt);

	if (d == NULL)
		return NULL;
	const uint8_t *p = ldns_rdf_data(d);
	size_t n = ldns_rdf_size(d);
	for (size_t o = 0; o + 4 <= n;) {
		unsigned c = pkt_get_u16(p + o), l = pkt_get_u16(p + o + 2);
		if (c == code) {
			*len = l;
			return p + o + 4;
		}
		o += 4u + l;
	}
	return NULL;
}

static void
ecs_echoed(void **state)
{
	struct r r;
	static const char ecs[] = "\0\10\0\7\0\1\30\0\306\63\144";
	struct qopt o = {.size = 1232, .rdata = ecs, .rdlen = 11};
	size_t len = 0;

	ask_opt(snap(state), "www.example.com", T_A, C_IN, &o, &r);
	assert_int_equal(count(ldns_pkt_answer(r.pkt)), 1);
	const uint8_t *opt = find_option(&r, EDNS_OPT_ECS, &len);
	assert_non_null(opt);
	/* RFC 7871 §7.2.1: family, source and address as sent, scope 0
	 * (the answer is the same for every client) */
	assert_int_equal(len, 7);
	assert_memory_equal(opt, "\0\1\30\0\306\63\144", 7);
	assert_int_equal(r.st.ecs, 1);
	assert_int_equal(r.st.edns, 1);
	done(&r);
	/* an invalid ECS (scope set) is FORMERR */
	static const char bad[] = "\0\10\0\7\0\1\30\1\306\63\144";
	o.rdata = bad;
	ask_opt(snap(state), "www.example.com", T_A, C_IN, &o, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_FORMERR);
	done(&r);
}

static void
nsid_and_do(void **state)
{
	struct r r;
	struct pkt q;
	struct qopt o = {
	    .size = 1232, .ttl = 0x8000, .rdata = "\0\3\0\0", .rdlen = 4};
	size_t len = 0;

	mkq(&q, 0, "www.example.com", T_A, C_IN, &o);
	run(snap(state), q.b, q.len, false, &r);
	const uint8_t *nsid = find_option(&r, EDNS_OPT_NSID, &len);
	assert_non_null(nsid);
	assert_int_equal(len, 8);
	assert_memory_equal(nsid, "ns1.test", 8);
	assert_true(ldns_pkt_edns_do(r.pkt)); /* RFC 3225 §3: echoed */
	done(&r);
	/* no NSID without an identity */
	run(((struct fixture *)*state)->bare, q.b, q.len, false, &r);
	assert_null(find_option(&r, EDNS_OPT_NSID, &len));
	done(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(positive_answer),
	    cmocka_unit_test(mx_with_additional),
	    cmocka_unit_test(nxdomain),
	    cmocka_unit_test(nodata),
	    cmocka_unit_test(refused_outside),
	    cmocka_unit_test(referral),
	    cmocka_unit_test(ds_at_cut),
	    cmocka_unit_test(ds_for_served_child),
	    cmocka_unit_test(wildcard),
	    cmocka_unit_test(cname_chain),
	    cmocka_unit_test(cname_to_nxdomain),
	    cmocka_unit_test(cname_out_of_zone),
	    cmocka_unit_test(dname),
	    cmocka_unit_test(dname_too_long),
	    cmocka_unit_test(qname_case_echoed),
	    cmocka_unit_test(compression_used),
	    cmocka_unit_test(qr_dropped),
	    cmocka_unit_test(too_short),
	    cmocka_unit_test(short_header),
	    cmocka_unit_test(qdcount_not_one),
	    cmocka_unit_test(malformed_question),
	    cmocka_unit_test(opcode_notimp),
	    cmocka_unit_test(badvers),
	    cmocka_unit_test(two_opts),
	    cmocka_unit_test(udp_limit_truncates),
	    cmocka_unit_test(edns_size_honoured),
	    cmocka_unit_test(any_query),
	    cmocka_unit_test(chaos),
	    cmocka_unit_test(ecs_echoed),
	    cmocka_unit_test(nsid_and_do),
	};
	return cmocka_run_group_tests_name("answer", tests, setup, teardown);
}
