/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/dnsq.c: one DNS query, printed canonically for the shell tests.
 *
 *   dnsq [-t] [-p port] [-w ms] [-r] [-N | -b size] [-e version] [-D]
 *        [-s addr/prefix] [-o code:hex]... [-c class] [-O opcode] [-i id]
 *        server name type
 *
 * The query is built by hand (so odd EDNS versions and options can be sent);
 * the reply is parsed with ldns.  Output, one item per line:
 *
 *   hdr rcode=NOERROR opcode=0 flags=qr,aa qd=1 an=2 ns=0 ar=1 size=97
 *   edns version=0 udp=1232 do=0 opts=1 optrr=1
 *   ecs family=1 source=24 scope=0 addr=192.0.2.0
 *   opt 65001 abcd
 *   qd Www.Example.NET. IN A
 *   an www.example.net. 300 IN A 192.0.2.10          (sorted per section)
 *   ns ...
 *   ar ...
 *   ptrs=3
 *
 * rcode includes the EDNS extended bits (BADVERS = 16).  "edns none" when the
 * reply has no OPT.  optrr counts OPT RRs in the raw additional section;
 * ptrs counts compression pointers in the names of the raw reply.  Exit 0
 * on a reply, 2 on timeout, 1 on any other error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "tests/lib/hex.h"
#include "tests/lib/pkt.h"
#include "tests/lib/sock.h"

#define MAXOPT 8
#define MAXOPTLEN 256

static int timeout_ms = 2000;

static void
usage(void)
{
	fprintf(stderr, "usage: dnsq [-t] [-p port] [-w ms] [-r] [-N | -b size]"
	                " [-e version] [-D] [-s addr/prefix] [-o code:hex]"
	                " [-c class] [-O opcode] [-i id] server name type\n");
	exit(1);
}

/* An option from "code" or "code:hex", appended to `opts`. */
static int
add_option(struct pkt *opts, const char *s)
{
	uint8_t data[MAXOPTLEN];
	unsigned long code;
	size_t len = 0;
	char *end;

	code = strtoul(s, &end, 10);
	if (*end != '\0' && (*end != ':' || hex_decode(end + 1, NULL, data,
	                                               sizeof(data), &len)))
		return -1;
	pkt_option(opts, (unsigned)code, data, len);
	return 0;
}

static const char *
rcode_name(unsigned rc, char *buf, size_t len)
{
	static const char *const names[] = {
	    "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	    "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};

	if (rc < sizeof(names) / sizeof(names[0]))
		return names[rc];
	if (rc == 16)
		return "BADVERS";
	snprintf(buf, len, "RCODE%u", rc);
	return buf;
}

/* Skip a name in the raw message; counts pointers.  -1 if malformed. */
static int
skip_name(const uint8_t *p, size_t len, size_t *pos, unsigned *ptrs)
{
	size_t i = *pos;

	while (i < len) {
		if ((p[i] & 0xc0) == 0xc0) {
			(*ptrs)++;
			*pos = i + 2;
			return *pos <= len ? 0 : -1;
		}
		if (p[i] & 0xc0)
			return -1;
		if (p[i] == 0) {
			*pos = i + 1;
			return 0;
		}
		i += 1u + p[i];
	}
	return -1;
}

/* Raw walk: OPT RRs in the additional section and compression pointers. */
static int
raw_walk(const uint8_t *p, size_t len, unsigned *optrr, unsigned *ptrs)
{
	unsigned qd, rrs, an, ns, i;
	size_t pos = 12;

	*optrr = 0;
	*ptrs = 0;
	if (len < 12)
		return -1;
	qd = pkt_get_u16(p + 4);
	an = pkt_get_u16(p + 6);
	ns = pkt_get_u16(p + 8);
	rrs = an + ns + pkt_get_u16(p + 10);
	for (i = 0; i < qd; i++) {
		if (skip_name(p, len, &pos, ptrs) < 0 || pos + 4 > len)
			return -1;
		pos += 4;
	}
	for (i = 0; i < rrs; i++) {
		unsigned type, rdlen;

		if (skip_name(p, len, &pos, ptrs) < 0 || pos + 10 > len)
			return -1;
		type = pkt_get_u16(p + pos);
		rdlen = pkt_get_u16(p + pos + 8);
		pos += 10 + rdlen;
		if (pos > len)
			return -1;
		if (type == LDNS_RR_TYPE_OPT && i >= an + ns)
			(*optrr)++;
	}
	return pos == len ? 0 : -1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One RR as "owner ttl class type rdata" with single spaces. */
static char *
rr_line(const ldns_rr *rr)
{
	char *s = ldns_rr2str(rr), *r, *w;

	if (s == NULL)
		return NULL;
	for (r = w = s; *r != '\0'; r++) {
		char c = *r == '\t' ? ' ' : *r;

		if (c == '\n')
			continue;
		if (c == ' ' && w > s && w[-1] == ' ')
			continue;
		*w++ = c;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
	return s;
}

static void
print_section(const char *tag, const ldns_rr_list *list)
{
	size_t n = list != NULL ? ldns_rr_list_rr_count(list) : 0, i;
	char **lines;

	if (n == 0)
		return;
	lines = calloc(n, sizeof(*lines));
	if (lines == NULL)
		exit(1);
	for (i = 0; i < n; i++)
		lines[i] = rr_line(ldns_rr_list_rr(list, i));
	for (i = 0; i < n; i++)
		if (lines[i] == NULL)
			exit(1);
	qsort(lines, n, sizeof(*lines), cmp_str);
	for (i = 0; i < n; i++) {
		printf("%s %s\n", tag, lines[i]);
		free(lines[i]);
	}
	free(lines);
}

static void
print_question(const ldns_rr_list *list)
{
	size_t i;

	for (i = 0; list != NULL && i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		char *owner = ldns_rdf2str(ldns_rr_owner(rr));
		char *cls = ldns_rr_class2str(ldns_rr_get_class(rr));
		char *type = ldns_rr_type2str(ldns_rr_get_type(rr));

		printf("qd %s %s %s\n", owner ? owner : "?", cls ? cls : "?",
		       type ? type : "?");
		free(owner);
		free(cls);
		free(type);
	}
}

static void
print_options(const ldns_rdf *data)
{
	const uint8_t *p;
	size_t len, pos = 0;

	if (data == NULL)
		return;
	p = ldns_rdf_data(data);
	len = ldns_rdf_size(data);
	while (pos + 4 <= len) {
		unsigned code = pkt_get_u16(p + pos);
		unsigned olen = pkt_get_u16(p + pos + 2);
		const uint8_t *o = p + pos + 4;

		if (pos + 4 + olen > len) {
			printf("opt malformed\n");
			return;
		}
		if (code == PKT_OPT_ECS && olen >= 4) {
			char buf[INET6_ADDRSTRLEN] = "?";
			uint8_t addr[16] = {0};
			unsigned fam = pkt_get_u16(o);
			unsigned n = olen - 4 > 16 ? 16 : olen - 4;

			memcpy(addr, o + 4, n);
			if (fam == 1 || fam == 2)
				inet_ntop(fam == 1 ? AF_INET : AF_INET6, addr,
				          buf, sizeof(buf));
			printf("ecs family=%u source=%u scope=%u addr=%s\n",
			       fam, o[2], o[3], buf);
		}
		printf("opt %u ", code);
		hex_print(stdout, o, olen);
		printf("\n");
		pos += 4 + olen;
	}
	if (pos != len)
		printf("opt malformed\n");
}

/* Print the header line: rcode (with the EDNS extended bits), flags. */
static void
print_header(const uint8_t *reply, size_t rlen, const ldns_pkt *pkt)
{
	unsigned rc = reply[3] & 15, ext = 0;
	char rcbuf[16];

	if (pkt != NULL && ldns_pkt_edns(pkt))
		ext = ldns_pkt_edns_extended_rcode(pkt);
	printf("hdr rcode=%s opcode=%u ",
	       rcode_name(ext << 4 | rc, rcbuf, sizeof(rcbuf)),
	       (reply[2] >> 3) & 15);
	pkt_print_flags_counts(stdout, reply);
	printf(" size=%zu\n", rlen);
}

/*
 * Send `q` and read the reply into `reply` over TCP or UDP.  Returns the
 * reply's length, or the tool's exit status negated after printing why.
 */
static long
exchange(int fd, bool tcp, const struct pkt *q, unsigned id, uint8_t *reply,
         size_t cap)
{
	uint64_t deadline = sock_now_us() + (uint64_t)timeout_ms * 1000;
	ssize_t n;

	if (tcp) {
		uint8_t framed[PKT_MAX + 2];
		size_t flen = pkt_frame(framed, q->b, q->len);

		if (send(fd, framed, flen, MSG_NOSIGNAL) != (ssize_t)flen) {
			fprintf(stderr, "dnsq: send: %s\n", strerror(errno));
			return -1;
		}
		n = sock_read_framed(fd, reply, deadline);
	} else {
		if (send(fd, q->b, q->len, 0) != (ssize_t)q->len) {
			fprintf(stderr, "dnsq: send: %s\n", strerror(errno));
			return -1;
		}
		/* ignore strays; a reply must at least echo our ID */
		n = sock_recv_id(fd, reply, cap, id, deadline);
	}
	if (n == SOCK_TIMEOUT) {
		printf("timeout\n");
		return -2;
	}
	if (n == SOCK_EOF) {
		printf("closed\n");
		return -1;
	}
	if (n < 0) {
		fprintf(stderr, "dnsq: %s: %s\n", tcp ? "read" : "recv",
		        strerror(errno));
		return -1;
	}
	return (long)n;
}

/* The OPT summary line and its options, or "edns none". */
static void
print_edns(const ldns_pkt *pkt, unsigned optrr)
{
	const ldns_rdf *d = ldns_pkt_edns_data(pkt);
	unsigned n = 0;
	size_t pos = 0, len = d != NULL ? ldns_rdf_size(d) : 0;

	if (!ldns_pkt_edns(pkt)) {
		printf("edns none optrr=%u\n", optrr);
		return;
	}
	while (pos + 4 <= len) {
		const uint8_t *p = ldns_rdf_data(d) + pos;

		pos += 4u + pkt_get_u16(p + 2);
		n++;
	}
	printf("edns version=%u udp=%u do=%d opts=%u optrr=%u\n",
	       ldns_pkt_edns_version(pkt), ldns_pkt_edns_udp_size(pkt),
	       ldns_pkt_edns_do(pkt) ? 1 : 0, n, optrr);
	print_options(d);
}

int
main(int argc, char **argv)
{
	static struct pkt q, opts;
	static uint8_t reply[65536 + 2];
	unsigned nopt = 0, id, opcode = 0, cls = LDNS_RR_CLASS_IN;
	unsigned edns_version = 0, bufsize = 1232, optrr, ptrs;
	bool tcp = false, rd = false, edns = true, dobit = false;
	const char *port = "53";
	ldns_rdf *qname;
	ldns_rr_type qtype;
	ldns_pkt *pkt = NULL;
	size_t rlen;
	long n;
	int c, fd;

	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	id = (unsigned)random() & 0xffff;
	pkt_init(&opts);
	while ((c = getopt(argc, argv, "tp:w:rNb:e:Ds:o:c:O:i:")) != -1) {
		switch (c) {
		case 't':
			tcp = true;
			break;
		case 'p':
			port = optarg;
			break;
		case 'w':
			timeout_ms = atoi(optarg);
			break;
		case 'r':
			rd = true;
			break;
		case 'N':
			edns = false;
			break;
		case 'b':
			bufsize = (unsigned)atoi(optarg);
			break;
		case 'e':
			edns_version = (unsigned)atoi(optarg);
			break;
		case 'D':
			dobit = true;
			break;
		case 's':
			if (nopt++ == MAXOPT || pkt_ecs(&opts, optarg))
				usage();
			break;
		case 'o':
			if (nopt++ == MAXOPT || add_option(&opts, optarg))
				usage();
			break;
		case 'c':
			cls = ldns_get_rr_class_by_name(optarg);
			if (cls == 0)
				usage();
			break;
		case 'O':
			opcode = (unsigned)atoi(optarg) & 15;
			break;
		case 'i':
			id = (unsigned)atoi(optarg) & 0xffff;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	qname = ldns_dname_new_frm_str(argv[optind + 1]);
	qtype = ldns_get_rr_type_by_name(argv[optind + 2]);
	if (qname == NULL || qtype == 0)
		usage();

	/* header, question, optional OPT */
	pkt_init(&q);
	pkt_header(&q, id, opcode << 11 | (rd ? 0x100u : 0), 1, 0, 0,
	           edns ? 1 : 0);
	pkt_question(&q, ldns_rdf_data(qname), ldns_rdf_size(qname), qtype,
	             cls);
	ldns_rdf_deep_free(qname);
	if (edns)
		pkt_opt(&q, bufsize, PKT_EDNS_TTL(edns_version & 0xff, dobit),
		        opts.b, opts.len);
	if (q.full || opts.full)
		usage();

	fd = sock_connect("dnsq", argv[optind], port, tcp);
	if (fd < 0)
		return 1;
	n = exchange(fd, tcp, &q, id, reply, sizeof(reply));
	if (n < 0)
		return (int)-n;
	rlen = (size_t)n;
	close(fd);

	if (rlen < PKT_HDR_LEN) {
		printf("hdr short size=%zu\n", rlen);
		return 0;
	}
	if (pkt_get_u16(reply) != id)
		printf("id-mismatch\n");
	if (ldns_wire2pkt(&pkt, reply, rlen) != LDNS_STATUS_OK)
		pkt = NULL;
	print_header(reply, rlen, pkt);
	if (raw_walk(reply, rlen, &optrr, &ptrs) < 0)
		printf("raw malformed\n");
	if (pkt == NULL) {
		printf("parse-error\n");
		return 0;
	}
	print_edns(pkt, optrr);
	print_question(ldns_pkt_question(pkt));
	print_section("an", ldns_pkt_answer(pkt));
	print_section("ns", ldns_pkt_authority(pkt));
	print_section("ar", ldns_pkt_additional(pkt));
	printf("ptrs=%u\n", ptrs);
	ldns_pkt_free(pkt);
	return 0;
}
