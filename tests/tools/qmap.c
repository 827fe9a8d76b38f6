/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/qmap.c: which address does each client network get?
 *
 *   qmap [-q window] [-w ms] addr port name type < networks
 *
 * Reads client networks ("81.2.69.0/24", "2001:db8::/56"), one per line,
 * and asks `name` `type` over UDP once for each, as that client (an EDNS
 * Client Subnet option, RFC 7871), with up to `window` (default 64,
 * 1..1024) queries in flight.  Prints one line per network, in input
 * order:
 *
 *   NETWORK ADDR SCOPE
 *
 * ADDR is the first A or AAAA address of the answer, SCOPE the reply's
 * ECS scope prefix length; "- -" for a network whose query got no good
 * reply within `ms` (default 2000) of the last one sent.  Exits 0 if every
 * network got an address, 1 otherwise (2 on usage errors).  At most 65536
 * networks: the query ID says which network a reply is for.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "tests/lib/pkt.h"
#include "tests/lib/sock.h"

#define NETS_MAX 65536 /* one query ID each */
#define WINDOW_MAX 1024

struct net {
	char text[128];
	char addr[INET6_ADDRSTRLEN]; /* "" until answered */
	int scope;
};

static void
usage(void)
{
	fprintf(stderr, "usage: qmap [-q window] [-w ms] addr port name type "
	                "< networks\n");
	exit(2);
}

/* The ECS scope of reply `pkt`, or -1. */
static int
ecs_scope(const ldns_pkt *pkt)
{
	const ldns_rdf *d = ldns_pkt_edns_data(pkt);

	if (d == NULL)
		return -1;
	const uint8_t *o = ldns_rdf_data(d);
	size_t n = ldns_rdf_size(d);
	for (size_t off = 0; off + 4 <= n;) {
		unsigned code = pkt_get_u16(o + off);
		unsigned len = pkt_get_u16(o + off + 2);
		if (off + 4 + len > n)
			return -1;
		if (code == PKT_OPT_ECS && len >= 4)
			return o[off + 4 + 3];
		off += 4 + len;
	}
	return -1;
}

/* Record reply `r` (`n` octets) for its network, if it is a good one. */
static void
take_reply(struct net *nets, size_t nnets, const uint8_t *r, size_t n)
{
	ldns_pkt *pkt = NULL;

	if (n < PKT_HDR_LEN || ldns_wire2pkt(&pkt, r, n) != LDNS_STATUS_OK)
		return;
	size_t id = ldns_pkt_id(pkt);
	if (id < nnets && ldns_pkt_qr(pkt) &&
	    ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NOERROR) {
		ldns_rr_list *an = ldns_pkt_answer(pkt);
		for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
			ldns_rr *rr = ldns_rr_list_rr(an, i);
			ldns_rr_type t = ldns_rr_get_type(rr);
			if (t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA)
				continue;
			const ldns_rdf *a = ldns_rr_rdf(rr, 0);
			inet_ntop(t == LDNS_RR_TYPE_A ? AF_INET : AF_INET6,
			          ldns_rdf_data(a), nets[id].addr,
			          sizeof(nets[id].addr));
			nets[id].scope = ecs_scope(pkt);
			break;
		}
	}
	ldns_pkt_free(pkt);
}

int
main(int argc, char **argv)
{
	unsigned window = 64, wait_ms = 2000;
	int c;

	while ((c = getopt(argc, argv, "q:w:")) != -1) {
		switch (c) {
		case 'q':
			window = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			wait_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 4 || window < 1 || window > WINDOW_MAX)
		usage();
	const char *name = argv[optind + 2];
	ldns_rr_type type = ldns_get_rr_type_by_name(argv[optind + 3]);
	if (type == 0)
		usage();

	struct net *nets = calloc(NETS_MAX, sizeof(*nets));
	size_t nnets = 0;
	char line[128];
	while (nets != NULL && fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (nnets == NETS_MAX) {
			fprintf(stderr, "qmap: more than %d networks\n",
			        NETS_MAX);
			return 2;
		}
		snprintf(nets[nnets++].text, sizeof(nets[0].text), "%s", line);
	}
	if (nets == NULL)
		return 2;
	int fd = sock_connect("qmap", argv[optind], argv[optind + 1], false);
	if (fd == -1)
		return 2;

	uint8_t buf[PKT_MAX];
	size_t next = 0, done = 0;
	uint64_t deadline = 0;
	while (done < nnets) {
		/* Keep `window` in flight: replies free their slots. */
		while (next < nnets && next - done < window) {
			struct pkt opts, q;
			size_t qend;
			pkt_init(&opts);
			if (pkt_ecs(&opts, nets[next].text) == -1 ||
			    pkt_query_edns(&q, name, type, &opts, &qend) ==
			        -1) {
				fprintf(stderr, "qmap: bad network \"%s\"\n",
				        nets[next].text);
				return 2;
			}
			pkt_set_u16(&q, 0, (unsigned)next);
			if (send(fd, q.b, q.len, 0) != (ssize_t)q.len) {
				perror("qmap: send");
				return 2;
			}
			next++;
			deadline = sock_now_us() + wait_ms * 1000ull;
		}
		int ready = sock_wait(fd, deadline);
		if (ready <= 0)
			break; /* the rest get no reply */
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0) {
			take_reply(nets, nnets, buf, (size_t)n);
			done++;
		}
	}
	int rc = 0;
	for (size_t i = 0; i < nnets; i++) {
		if (nets[i].addr[0] == '\0') {
			printf("%s - -\n", nets[i].text);
			rc = 1;
		} else {
			printf("%s %s %d\n", nets[i].text, nets[i].addr,
			       nets[i].scope);
		}
	}
	free(nets);
	close(fd);
	return rc;
}
