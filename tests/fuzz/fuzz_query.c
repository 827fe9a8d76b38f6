/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_query.c: any bytes -> answer_query() over UDP and TCP
 * against a fixture snapshot built once, with cookies (a fixed secret and
 * time) and max_nocookie_response on; and the UDP response through rate
 * limiting at one response a second, so that it is slipped.
 *
 * The fixture's zone is served twice: as example.com, unsigned, and as
 * signed.example, signed with keys made when the fixture is built.  A
 * response to a DO query for the signed copy must hold what a validator
 * needs (see check_dnssec()).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ldns/ldns.h>

#include "common/dnsmsg.h"
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
 * is served too, so DS at its apex goes to the parent.  Without its
 * "zone:" line: the signed copy has the same records.
 */
static const char zone_yaml[] =
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
    "  nods: {NS: ns.example.org.}\n"
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

/* The signed copy's apex, and its unsigned child (DS there is the
 * parent's: a denial with the cut's NSEC). */
#define SIGNED_APEX "signed.example"
static const char signed_child_yaml[] =
    "zone: child." SIGNED_APEX "\n"
    "records:\n"
    "  \"@\": {SOA: ns h 1 1h 1h 1w 1m, NS: ns, DNAME: " SIGNED_APEX ".}\n"
    "  ns: {A: 192.0.2.54}\n";

/*
 * The signed copy's keys: an active key-signing key, so that it signs
 * everything (a combined signing key), and a zone-signing key only
 * published, so that DNSKEY holds two keys but each RRset one signature.
 * Made in a folder of this process on /dev/shm, removed once loaded.
 */
static const char dnssec_yaml[] = "dnssec:\n"
                                  "  keys:\n"
                                  "    - %s/ksk\n"
                                  "    - {file: %s/zsk.key, state: publish}\n";

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
static ldns_rdf *signed_apex;  /* SIGNED_APEX, to compare names with */
static ldns_rdf *signed_child; /* its unsigned child zone's apex */

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

/* A P-256 key for SIGNED_APEX with `flags`, written as ldns-keygen would
 * (stem.key, stem.private). */
static void
make_key(const char *dir, const char *stem, uint16_t flags)
{
	ldns_key *k =
	    ldns_key_new_frm_algorithm(LDNS_SIGN_ECDSAP256SHA256, 256);
	ldns_rdf *owner = ldns_dname_new_frm_str(SIGNED_APEX ".");
	char path[128];
	FILE *f;

	if (k == NULL || owner == NULL)
		abort();
	ldns_key_set_flags(k, flags);
	ldns_key_set_pubkey_owner(k, owner); /* the key owns it now */
	ldns_rr *rr = ldns_key2rr(k);
	if (rr == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/%s.key", dir, stem);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	ldns_rr_print(f, rr);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s.private", dir, stem);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	ldns_key_print(f, k);
	fclose(f);
	ldns_rr_free(rr);
	ldns_key_deep_free(k);
}

static void
remove_key(const char *dir, const char *stem)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s.key", dir, stem);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.private", dir, stem);
	unlink(path);
}

/*
 * The zone's text for apex `apex`: its records, the large RRset, the geo
 * names, and `tail` (the dnssec section, or nothing).  Returns its length
 * in out[0..cap).
 */
static size_t
zone_text(char *out, size_t cap, const char *apex, const char *tail)
{
	size_t len =
	    (size_t)snprintf(out, cap, "zone: %s\n%s", apex, zone_yaml);

	for (unsigned i = 0; i < 60; i++)
		len += (size_t)snprintf(
		    out + len, cap - len,
		    "      - '\"record %02u of a large RRset, padding\"'\n", i);
	len += (size_t)snprintf(out + len, cap - len, "%s%s", geo_yaml, tail);
	if (len >= cap)
		abort();
	return len;
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
	static char text[sizeof(zone_yaml) + 60 * 64 + sizeof(geo_yaml) +
	                 sizeof(dnssec_yaml) + 256];
	size_t len;

	if (done)
		return sv;
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
	len = zone_text(text, sizeof(text), "example.com", "");
	load(b, "fuzz.yaml", text, len, &err);
	load(b, "child.yaml", child_yaml, sizeof(child_yaml) - 1, &err);

	/* The keys are read while the zone loads: /dev/shm keeps them off
	 * the disk, and they go once it is loaded. */
	char dir[] = "/dev/shm/fuzz_query.XXXXXX";
	char dnssec[sizeof(dnssec_yaml) + 2 * sizeof(dir)];
	if (mkdtemp(dir) == NULL)
		abort();
	make_key(dir, "ksk", 257);
	make_key(dir, "zsk", 256);
	snprintf(dnssec, sizeof(dnssec), dnssec_yaml, dir, dir);
	len = zone_text(text, sizeof(text), SIGNED_APEX, dnssec);
	load(b, "signed.yaml", text, len, &err);
	remove_key(dir, "ksk");
	remove_key(dir, "zsk");
	rmdir(dir);
	load(b, "signed-child.yaml", signed_child_yaml,
	     sizeof(signed_child_yaml) - 1, &err);

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
	signed_apex = ldns_dname_new_frm_str(SIGNED_APEX ".");
	signed_child = ldns_dname_new_frm_str("child." SIGNED_APEX ".");
	done = true;
	return sv;
}

/* The response being checked, printed when an invariant breaks. */
static const ldns_pkt *checking;

/* A broken invariant: say which, and the response, for the crash's log. */
#define FAIL(...)                                                              \
	do {                                                                   \
		fprintf(stderr, "fuzz_query: " __VA_ARGS__);                   \
		fputc('\n', stderr);                                           \
		if (checking != NULL)                                          \
			ldns_pkt_print(stderr, checking);                      \
		abort();                                                       \
	} while (0)

/* RFC 9824 §2: the meta-type of compact denial's bit map. */
#define TYPE_NXNAME 128

/* What the query asked, as ldns reads it (not as dnsd does): DNSSEC's
 * invariants hold only for a query both read alike. */
struct asked {
	bool ok; /* the query parsed, with one question */
	bool edns, do_bit, co_bit;
};

static void
read_query(const uint8_t *q, size_t qlen, struct asked *a)
{
	ldns_pkt *pkt = NULL;

	memset(a, 0, sizeof(*a));
	/* ldns leaks all but one TSIG record of a message (dnsmsg.h) */
	if (dnsmsg_count_type(q, qlen, LDNS_RR_TYPE_TSIG) > 1 ||
	    ldns_wire2pkt(&pkt, q, qlen) != LDNS_STATUS_OK)
		return;
	a->ok = ldns_pkt_qdcount(pkt) == 1 && !ldns_pkt_qr(pkt);
	a->edns = ldns_pkt_edns(pkt);
	a->do_bit = a->edns && ldns_pkt_edns_do(pkt);
	a->co_bit = a->edns && (ldns_pkt_edns_z(pkt) & 0x4000);
	ldns_pkt_free(pkt);
}

static bool
same_name(const ldns_rdf *a, const ldns_rdf *b)
{
	return ldns_dname_compare(a, b) == 0;
}

/*
 * Is an RRset of type `t` at `name` the signed zone's?  Not if it is its
 * unsigned child's: dnsd serves that zone too and answers for everything
 * at and below the cut, except DS, which is the parent's.
 */
static bool
in_signed_zone(const ldns_rdf *name, ldns_rr_type t)
{
	if (same_name(name, signed_child))
		return t == LDNS_RR_TYPE_DS;
	if (ldns_dname_is_subdomain(name, signed_child))
		return false;
	return same_name(name, signed_apex) ||
	       ldns_dname_is_subdomain(name, signed_apex);
}

/* Does `list` hold an RRSIG owned by `owner` covering `type`? */
static bool
has_rrsig(const ldns_rr_list *list, const ldns_rdf *owner, ldns_rr_type type)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == type &&
		    same_name(ldns_rr_owner(rr), owner))
			return true;
	}
	return false;
}

/*
 * Every RRSIG in `list`: made by the zone, with the labels of its owner
 * (a wildcard's expansion is signed as the name asked, so only an owner
 * that is itself "*..." has one fewer).
 */
static void
check_rrsigs(const ldns_rr_list *list)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG)
			continue;
		const ldns_rdf *owner = ldns_rr_owner(rr);
		uint8_t labels = ldns_dname_label_count(owner);
		if (ldns_dname_is_wildcard(owner))
			labels--;
		if (!same_name(ldns_rr_rrsig_signame(rr), signed_apex))
			FAIL("an RRSIG not by the zone");
		if (ldns_rdf2native_int8(ldns_rr_rrsig_labels(rr)) != labels)
			FAIL("an RRSIG's labels are not its owner's");
	}
}

/*
 * The name the answer is about: the question's, or where its CNAMEs
 * (written or synthesised from a DNAME) lead within the answer.
 */
static const ldns_rdf *
final_name(const ldns_rr_list *an, const ldns_rdf *qname)
{
	const ldns_rdf *name = qname;

	for (unsigned link = 0; link < 16; link++) {
		const ldns_rdf *next = NULL;
		for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    same_name(ldns_rr_owner(rr), name))
				next = ldns_rr_rdf(rr, 0);
		}
		if (next == NULL || same_name(next, name))
			break;
		name = next;
	}
	return name;
}

/* Is `name` (in the answer) a CNAME made from a DNAME above it: those
 * are not signed (RFC 6672 §5.3.1). */
static bool
synthesised(const ldns_rr_list *an, const ldns_rdf *name)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNAME &&
		    ldns_dname_is_subdomain(name, ldns_rr_owner(rr)))
			return true;
	}
	return false;
}

/* \000.<owner>, the next name of compact denial (or the owner itself if
 * that would be too long). */
static bool
is_successor(const ldns_rdf *next, const ldns_rdf *owner)
{
	if (ldns_rdf_size(owner) + 2 > LDNS_MAX_DOMAINLEN)
		return same_name(next, owner);
	if (ldns_rdf_size(next) != ldns_rdf_size(owner) + 2)
		return false;
	const uint8_t *n = ldns_rdf_data(next);
	ldns_rdf *rest = ldns_dname_new_frm_data(ldns_rdf_size(owner), n + 2);
	bool ok =
	    n[0] == 1 && n[1] == 0 && rest != NULL && same_name(rest, owner);
	ldns_rdf_deep_free(rest);
	return ok;
}

/*
 * A response to a DO query whose question is in the signed zone, rcode
 * NOERROR or NXDOMAIN, whole (no TC):
 * - each RRset of the answer and authority in the zone has an RRSIG of
 *   its owner and type, but for a DNAME's synthesised CNAME, and every
 *   RRSIG is the zone's, with its owner's labels;
 * - a name that does not exist gets compact denial (RFC 9824): NOERROR
 *   unless CO was set, and one NSEC at the name the answer is about,
 *   with NXNAME in its bit map and \000.<name> next;
 * - NODATA (authoritative, SOA, no answer of the type there) has the
 *   NSEC of that name, whose bit map does not list the type;
 * - a referral's NSEC (no DS) is at the cut, and lists neither DS nor
 *   NXNAME.
 */
static void
check_signed(const ldns_pkt *pkt, const ldns_rdf *qname, ldns_rr_type qtype,
             const struct asked *a)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	const ldns_rr_list *ns = ldns_pkt_authority(pkt);
	const ldns_rdf *name = final_name(an, qname);
	bool nxname = false, soa = false, answered = false, proof = false;
	const ldns_rr_list *sec[2] = {an, ns};

	check_rrsigs(an);
	check_rrsigs(ns);
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < ldns_rr_list_rr_count(sec[s]); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(sec[s], i);
			const ldns_rdf *owner = ldns_rr_owner(rr);
			ldns_rr_type t = ldns_rr_get_type(rr);
			/* the NSEC at the cut (no DS) is the parent's */
			if (t == LDNS_RR_TYPE_RRSIG ||
			    !(in_signed_zone(owner, t) ||
			      (t == LDNS_RR_TYPE_NSEC &&
			       same_name(owner, signed_child))))
				continue;
			if (s == 0 && same_name(owner, name) &&
			    (t == qtype || qtype == LDNS_RR_TYPE_ANY))
				answered = true;
			/* a referral's NS is the child's: not signed */
			if (s == 1 && t == LDNS_RR_TYPE_NS && !ldns_pkt_aa(pkt))
				continue;
			if (t == LDNS_RR_TYPE_CNAME && synthesised(an, owner))
				continue;
			if (!has_rrsig(sec[s], owner, t))
				FAIL("an RRset (type %u) without its RRSIG",
				     (unsigned)t);
		}
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ns, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
			soa = true;
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC)
			continue;
		const ldns_rdf *owner = ldns_rr_owner(rr);
		const ldns_rdf *bits = ldns_rr_rdf(rr, 1);
		bool nx = ldns_nsec_bitmap_covers_type(bits, TYPE_NXNAME);
		if (!ldns_pkt_aa(pkt)) {
			if (nx ||
			    ldns_nsec_bitmap_covers_type(bits, LDNS_RR_TYPE_DS))
				FAIL("a referral's NSEC lists DS or NXNAME");
			continue;
		}
		if (!same_name(owner, name))
			FAIL("an NSEC not at the name answered");
		if (!is_successor(ldns_rr_rdf(rr, 0), owner))
			FAIL("an NSEC whose next name is not \\000.owner");
		if (nx)
			nxname = true;
		else if (ldns_nsec_bitmap_covers_type(bits, qtype))
			FAIL("NODATA's NSEC lists the type asked (%u)",
			     (unsigned)qtype);
		proof = true;
	}
	if (ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN && !a->co_bit)
		FAIL("NXDOMAIN to a DO query without CO");
	if (ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN && !nxname)
		FAIL("NXDOMAIN without compact denial's NSEC");
	if (nxname &&
	    ldns_pkt_get_rcode(pkt) !=
	        (a->co_bit ? LDNS_RCODE_NXDOMAIN : LDNS_RCODE_NOERROR))
		FAIL("compact denial with the wrong rcode");
	/* NODATA in the zone's own data (not below a cut, not a chain
	 * leaving the zone): an NSEC proves it */
	if (ldns_pkt_aa(pkt) && soa && !answered && !proof &&
	    qtype != LDNS_RR_TYPE_ANY && in_signed_zone(name, qtype) &&
	    !synthesised(an, name))
		FAIL("NODATA without an NSEC");
}

/*
 * DNSSEC, on a response that parsed (`pkt`) to a query ldns read as `a`:
 * DO and CO are echoed; nothing of DNSSEC goes to a client that did not
 * set DO or asks the unsigned zone, but what it asked for by type; a DO
 * query to the signed zone gets check_signed()'s.
 */
static void
check_dnssec(const ldns_pkt *pkt, const struct asked *a)
{
	if (!a->ok || ldns_pkt_qdcount(pkt) != 1 ||
	    ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY)
		return;
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN)
		return;
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	const ldns_rdf *qname = ldns_rr_owner(q);
	ldns_rr_type qtype = ldns_rr_get_type(q);
	if (ldns_rr_get_class(q) != LDNS_RR_CLASS_IN)
		return;
	/* RFC 9824 §3.5: a question for NXNAME gets FORMERR (unless the
	 * query already earned BADVERS or NOTIMP) */
	if (qtype == TYPE_NXNAME && ldns_pkt_edns_extended_rcode(pkt) == 0 &&
	    ldns_pkt_get_rcode(pkt) != LDNS_RCODE_FORMERR &&
	    ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOTIMPL)
		FAIL("a question for NXNAME not answered FORMERR");
	if (a->edns && ldns_pkt_edns(pkt)) {
		if (a->do_bit != ldns_pkt_edns_do(pkt))
			FAIL("DO not echoed");
		if ((a->do_bit && a->co_bit) !=
		    ((ldns_pkt_edns_z(pkt) & 0x4000) != 0))
			FAIL("CO not echoed (or echoed without DO)");
	}
	bool do_set = a->do_bit && ldns_pkt_edns(pkt);
	bool sign = do_set && in_signed_zone(qname, qtype);
	if (!sign) {
		const ldns_rr_list *sec[3] = {ldns_pkt_answer(pkt),
		                              ldns_pkt_authority(pkt),
		                              ldns_pkt_additional(pkt)};
		for (int s = 0; s < 3; s++)
			for (size_t i = 0; i < ldns_rr_list_rr_count(sec[s]);
			     i++) {
				const ldns_rr *rr = ldns_rr_list_rr(sec[s], i);
				ldns_rr_type t = ldns_rr_get_type(rr);
				/* with DO, a chain from an unsigned zone may
				 * lead into the signed one, signed there */
				if ((t == LDNS_RR_TYPE_RRSIG ||
				     t == LDNS_RR_TYPE_NSEC) &&
				    t != qtype &&
				    !(do_set &&
				      in_signed_zone(ldns_rr_owner(rr),
				                     LDNS_RR_TYPE_DS)))
					FAIL("DNSSEC records without DO, or "
					     "outside the signed zone");
			}
		return;
	}
	if (!ldns_pkt_tc(pkt))
		check_signed(pkt, qname, qtype, a);
}

/* The contract of answer_query(), checked on every response; `a` (NULL
 * for a slipped one) is the query as ldns read it. */
static void
check(const uint8_t *q, size_t qlen, const uint8_t *resp, size_t len,
      size_t cap, const struct asked *a)
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
		FAIL("the response does not parse");
	checking = pkt;
	if (a != NULL)
		check_dnssec(pkt, a);
	checking = NULL;
	ldns_pkt_free(pkt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t resp[ANSWER_TCP_MAX];
	const struct serving *sv = fixture();
	struct dnsd_stats st;
	struct asked a;
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
	read_query(data, size, &a);
	query_parse(&q, data, size, false, (const struct sockaddr *)&v4);
	len = answer_query(sv, &q, resp, ANSWER_UDP_MAX, &env);
	/* UDP never exceeds what we advertise (RFC 6891 §6.2.5) */
	check(data, size, resp, len, conf.udp_payload, &a);
	/* every response but the first of a kind is slipped: it must parse
	 * too, and be no longer than the query (nothing to amplify) */
	if (len > 0) {
		size_t slen =
		    rrl_apply(rrl, &conf.rrl, &q, resp, len, 0, 1232, &st);
		if (slen > len || (slen != len && slen > size))
			abort();
		check(data, size, resp, slen, len, NULL);
	}
	query_parse(&q, data, size, true, (const struct sockaddr *)&v6);
	len = answer_query(sv, &q, resp, ANSWER_TCP_MAX, &env);
	check(data, size, resp, len, ANSWER_TCP_MAX, &a);
	return 0;
}
