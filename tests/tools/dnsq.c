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
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#define MAXOPT 8

struct opt {
	unsigned code;
	uint8_t data[256];
	size_t len;
};

static int timeout_ms = 2000;

static void
usage(void)
{
	fprintf(stderr, "usage: dnsq [-t] [-p port] [-w ms] [-r] [-N | -b size]"
	                " [-e version] [-D] [-s addr/prefix] [-o code:hex]"
	                " [-c class] [-O opcode] [-i id] server name type\n");
	exit(1);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
parse_opt(const char *s, struct opt *o)
{
	char *end;
	size_t i;

	o->code = (unsigned)strtoul(s, &end, 10);
	o->len = 0;
	if (*end == '\0')
		return 0;
	if (*end != ':')
		return -1;
	for (i = 1; end[i] != '\0'; i += 2) {
		int hi = hexval(end[i]), lo = hexval(end[i + 1]);

		if (hi < 0 || lo < 0 || o->len >= sizeof(o->data))
			return -1;
		o->data[o->len++] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* ECS option (RFC 7871 §6) from "addr/prefix", address truncated. */
static int
parse_ecs(const char *s, struct opt *o)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	uint8_t bytes[16];
	unsigned prefix, family, nbytes;
	size_t alen;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(addr))
		return -1;
	alen = (size_t)(slash - s);
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	prefix = (unsigned)atoi(slash + 1);
	if (inet_pton(AF_INET, addr, bytes) == 1) {
		family = 1;
		if (prefix > 32)
			return -1;
	} else if (inet_pton(AF_INET6, addr, bytes) == 1) {
		family = 2;
		if (prefix > 128)
			return -1;
	} else {
		return -1;
	}
	nbytes = (prefix + 7) / 8;
	if (prefix % 8)
		bytes[nbytes - 1] &= (uint8_t)(0xff << (8 - prefix % 8));
	o->code = 8;
	o->data[0] = 0;
	o->data[1] = (uint8_t)family;
	o->data[2] = (uint8_t)prefix;
	o->data[3] = 0;
	memcpy(o->data + 4, bytes, nbytes);
	o->len = 4 + nbytes;
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
	qd = (unsigned)(p[4] << 8 | p[5]);
	an = (unsigned)(p[6] << 8 | p[7]);
	ns = (unsigned)(p[8] << 8 | p[9]);
	rrs = an + ns + (unsigned)(p[10] << 8 | p[11]);
	for (i = 0; i < qd; i++) {
		if (skip_name(p, len, &pos, ptrs) < 0 || pos + 4 > len)
			return -1;
		pos += 4;
	}
	for (i = 0; i < rrs; i++) {
		unsigned type, rdlen;

		if (skip_name(p, len, &pos, ptrs) < 0 || pos + 10 > len)
			return -1;
		type = (unsigned)(p[pos] << 8 | p[pos + 1]);
		rdlen = (unsigned)(p[pos + 8] << 8 | p[pos + 9]);
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
		unsigned code = (unsigned)(p[pos] << 8 | p[pos + 1]);
		unsigned olen = (unsigned)(p[pos + 2] << 8 | p[pos + 3]);
		const uint8_t *o = p + pos + 4;
		unsigned i;

		if (pos + 4 + olen > len) {
			printf("opt malformed\n");
			return;
		}
		if (code == 8 && olen >= 4) {
			char buf[INET6_ADDRSTRLEN] = "?";
			uint8_t addr[16] = {0};
			unsigned fam = (unsigned)(o[0] << 8 | o[1]);
			unsigned n = olen - 4 > 16 ? 16 : olen - 4;

			memcpy(addr, o + 4, n);
			if (fam == 1 || fam == 2)
				inet_ntop(fam == 1 ? AF_INET : AF_INET6, addr,
				          buf, sizeof(buf));
			printf("ecs family=%u source=%u scope=%u addr=%s\n",
			       fam, o[2], o[3], buf);
		}
		printf("opt %u ", code);
		for (i = 0; i < olen; i++)
			printf("%02x", o[i]);
		printf("\n");
		pos += 4 + olen;
	}
	if (pos != len)
		printf("opt malformed\n");
}

static void
put16(uint8_t *p, size_t *len, unsigned v)
{
	p[(*len)++] = (uint8_t)(v >> 8);
	p[(*len)++] = (uint8_t)v;
}

static int
wait_fd(int fd, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int r;

	do
		r = poll(&pfd, 1, ms);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Read exactly len bytes within the timeout: 0, 2 on timeout, 1 error. */
static int
read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;
		int r = wait_fd(fd, timeout_ms);

		if (r == 0)
			return 2;
		if (r < 0)
			return 1;
		n = read(fd, buf + got, len - got);
		if (n <= 0)
			return n == 0 ? 3 : 1;
		got += (size_t)n;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct opt opts[MAXOPT];
	unsigned nopt = 0, id, opcode = 0, cls = LDNS_RR_CLASS_IN;
	unsigned edns_version = 0, bufsize = 1232, optrr, ptrs, rc, ext;
	bool tcp = false, rd = false, edns = true, dobit = false;
	const char *port = "53";
	struct addrinfo hints, *ai;
	uint8_t q[1024], reply[65536 + 2];
	size_t qlen = 0, rlen;
	ldns_rdf *qname;
	ldns_rr_type qtype;
	ldns_pkt *pkt = NULL;
	char rcbuf[16];
	int c, fd, r;

	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	id = (unsigned)random() & 0xffff;
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
			if (nopt == MAXOPT || parse_ecs(optarg, &opts[nopt++]))
				usage();
			break;
		case 'o':
			if (nopt == MAXOPT || parse_opt(optarg, &opts[nopt++]))
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
	put16(q, &qlen, id);
	put16(q, &qlen, opcode << 11 | (rd ? 0x100u : 0));
	put16(q, &qlen, 1);
	put16(q, &qlen, 0);
	put16(q, &qlen, 0);
	put16(q, &qlen, edns ? 1 : 0);
	memcpy(q + qlen, ldns_rdf_data(qname), ldns_rdf_size(qname));
	qlen += ldns_rdf_size(qname);
	put16(q, &qlen, qtype);
	put16(q, &qlen, cls);
	if (edns) {
		size_t rdlen = 0, i;

		for (i = 0; i < nopt; i++)
			rdlen += 4 + opts[i].len;
		q[qlen++] = 0;
		put16(q, &qlen, LDNS_RR_TYPE_OPT);
		put16(q, &qlen, bufsize);
		q[qlen++] = 0;
		q[qlen++] = (uint8_t)edns_version;
		put16(q, &qlen, dobit ? 0x8000u : 0);
		put16(q, &qlen, (unsigned)rdlen);
		for (i = 0; i < nopt; i++) {
			put16(q, &qlen, opts[i].code);
			put16(q, &qlen, (unsigned)opts[i].len);
			memcpy(q + qlen, opts[i].data, opts[i].len);
			qlen += opts[i].len;
		}
	}
	ldns_rdf_deep_free(qname);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(argv[optind], port, &hints, &ai) != 0) {
		fprintf(stderr, "dnsq: bad address %s port %s\n", argv[optind],
		        port);
		return 1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "dnsq: connect: %s\n", strerror(errno));
		return 1;
	}
	freeaddrinfo(ai);

	if (tcp) {
		uint8_t framed[sizeof(q) + 2];
		size_t flen = 0;

		put16(framed, &flen, (unsigned)qlen);
		memcpy(framed + 2, q, qlen);
		if (send(fd, framed, qlen + 2, MSG_NOSIGNAL) !=
		    (ssize_t)(qlen + 2)) {
			fprintf(stderr, "dnsq: send: %s\n", strerror(errno));
			return 1;
		}
		r = read_full(fd, reply, 2);
		if (r == 0) {
			rlen = (size_t)(reply[0] << 8 | reply[1]);
			r = read_full(fd, reply, rlen);
		}
		if (r == 2) {
			printf("timeout\n");
			return 2;
		}
		if (r == 3) {
			printf("closed\n");
			return 1;
		}
		if (r != 0) {
			fprintf(stderr, "dnsq: read: %s\n", strerror(errno));
			return 1;
		}
	} else {
		ssize_t n;

		if (send(fd, q, qlen, 0) != (ssize_t)qlen) {
			fprintf(stderr, "dnsq: send: %s\n", strerror(errno));
			return 1;
		}
		for (;;) {
			r = wait_fd(fd, timeout_ms);
			if (r == 0) {
				printf("timeout\n");
				return 2;
			}
			n = r > 0 ? recv(fd, reply, sizeof(reply), 0) : -1;
			if (n < 0) {
				fprintf(stderr, "dnsq: recv: %s\n",
				        strerror(errno));
				return 1;
			}
			rlen = (size_t)n;
			/* ignore strays; a reply must at least echo our ID */
			if (rlen >= 2 &&
			    (unsigned)(reply[0] << 8 | reply[1]) == id)
				break;
		}
	}
	close(fd);

	if (rlen < 12) {
		printf("hdr short size=%zu\n", rlen);
		return 0;
	}
	if ((unsigned)(reply[0] << 8 | reply[1]) != id)
		printf("id-mismatch\n");
	rc = reply[3] & 15;
	if (ldns_wire2pkt(&pkt, reply, rlen) != LDNS_STATUS_OK)
		pkt = NULL;
	ext = pkt != NULL && ldns_pkt_edns(pkt)
	          ? ldns_pkt_edns_extended_rcode(pkt)
	          : 0;
	printf("hdr rcode=%s opcode=%u flags=",
	       rcode_name(ext << 4 | rc, rcbuf, sizeof(rcbuf)),
	       (reply[2] >> 3) & 15);
	{
		static const struct {
			int byte, bit;
			const char *name;
		} fl[] = {{2, 0x80, "qr"}, {2, 0x04, "aa"}, {2, 0x02, "tc"},
		          {2, 0x01, "rd"}, {3, 0x80, "ra"}, {3, 0x40, "z"},
		          {3, 0x20, "ad"}, {3, 0x10, "cd"}};
		const char *sep = "";
		size_t i;

		for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
			if (reply[fl[i].byte] & fl[i].bit) {
				printf("%s%s", sep, fl[i].name);
				sep = ",";
			}
		}
		if (*sep == '\0')
			printf("-");
	}
	printf(" qd=%u an=%u ns=%u ar=%u size=%zu\n",
	       (unsigned)(reply[4] << 8 | reply[5]),
	       (unsigned)(reply[6] << 8 | reply[7]),
	       (unsigned)(reply[8] << 8 | reply[9]),
	       (unsigned)(reply[10] << 8 | reply[11]), rlen);
	if (raw_walk(reply, rlen, &optrr, &ptrs) < 0)
		printf("raw malformed\n");
	if (pkt == NULL) {
		printf("parse-error\n");
		return 0;
	}
	if (ldns_pkt_edns(pkt)) {
		const ldns_rdf *d = ldns_pkt_edns_data(pkt);
		unsigned n = 0;
		size_t pos = 0, len = d != NULL ? ldns_rdf_size(d) : 0;

		while (pos + 4 <= len) {
			const uint8_t *p = ldns_rdf_data(d) + pos;

			pos += 4u + (unsigned)(p[2] << 8 | p[3]);
			n++;
		}
		printf("edns version=%u udp=%u do=%d opts=%u optrr=%u\n",
		       ldns_pkt_edns_version(pkt), ldns_pkt_edns_udp_size(pkt),
		       ldns_pkt_edns_do(pkt) ? 1 : 0, n, optrr);
		print_options(d);
	} else {
		printf("edns none optrr=%u\n", optrr);
	}
	print_question(ldns_pkt_question(pkt));
	print_section("an", ldns_pkt_answer(pkt));
	print_section("ns", ldns_pkt_authority(pkt));
	print_section("ar", ldns_pkt_additional(pkt));
	printf("ptrs=%u\n", ptrs);
	ldns_pkt_free(pkt);
	return 0;
}
