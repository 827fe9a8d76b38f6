/* SPDX-License-Identifier: MIT */
/* dnsd/query.c: a DNS message parsed once (RFC 1035 §4.1, RFC 6891). */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/query.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

/*
 * The records after the question: a query carries no answer or authority
 * records (as NSD checks), and of the additional ones only an OPT means
 * anything to us (RFC 6891 §6.1.1: at most one, owned by the root).
 * Returns the rcode to answer with: NOERROR, or FORMERR.
 */
static unsigned
parse_records(struct wcur *c, struct query *q, uint16_t an, uint16_t ns,
              uint16_t ar)
{
	if (an != 0 || ns != 0)
		return RC_FORMERR;
	for (uint16_t i = 0; i < ar; i++) {
		bool root;
		if (c->p < c->end && *c->p == 0) {
			c->p++; /* the root: the OPT's owner, the usual case */
			root = true;
		} else {
			struct wname owner;
			if (wire_name_read(c, &owner) == -1)
				return RC_FORMERR;
			root = owner.len == 1;
		}
		if (edns_parse_rr(c, root, &q->edns) == -1) {
			q->edns.present = false; /* no OPT on this FORMERR */
			return RC_FORMERR;
		}
	}
	return RC_NOERROR;
}

void
query_parse(struct query *q, const uint8_t *pkt, size_t len, bool tcp,
            const struct sockaddr *from)
{
	struct wcur c;

	q->pkt = pkt;
	q->len = len;
	q->from = from;
	q->tcp = tcp;
	q->client_done = false;
	q->have_question = false;
	q->rcode = RC_NOERROR;
	q->qtype = 0;
	q->qclass = 0;
	memset(&q->edns, 0, sizeof(q->edns));
	/* RFC 1035 §4.1.1: nothing to answer without an ID; never answer
	 * a response (that way lie packet loops). */
	if (len < 2) {
		q->verdict = QUERY_DROP_SHORT;
		return;
	}
	q->id = (uint16_t)(pkt[0] << 8 | pkt[1]);
	q->flags =
	    (uint16_t)((len >= 3 ? pkt[2] << 8 : 0) | (len >= 4 ? pkt[3] : 0));
	if (q->flags & F_QR) {
		q->verdict = QUERY_DROP_QR;
		return;
	}
	q->verdict = QUERY_ANSWER;
	if (len < WIRE_HDR_LEN) {
		q->rcode = RC_FORMERR;
		return;
	}
	wcur_init(&c, pkt, len);
	c.p = pkt + WIRE_HDR_LEN;
	uint16_t qd = (uint16_t)(pkt[4] << 8 | pkt[5]);
	uint16_t an = (uint16_t)(pkt[6] << 8 | pkt[7]);
	uint16_t ns = (uint16_t)(pkt[8] << 8 | pkt[9]);
	uint16_t ar = (uint16_t)(pkt[10] << 8 | pkt[11]);
	/* RFC 1035 §4.1.2; QDCOUNT other than 1 has no defined meaning */
	if (qd != 1 || wire_name_read(&c, &q->qname) == -1) {
		q->rcode = RC_FORMERR;
	} else {
		q->qtype = wcur_u16(&c);
		q->qclass = wcur_u16(&c);
		if (c.bad)
			q->rcode = RC_FORMERR;
		else
			q->have_question = true;
	}
	if (q->rcode == RC_NOERROR)
		q->rcode = parse_records(&c, q, an, ns, ar);
	/* RFC 1035 §4.1.1; the OPT stays (RFC 6891 §7) */
	if (((q->flags >> 11) & 0xF) != OP_QUERY)
		q->rcode = RC_NOTIMP;
}

const struct geo_client *
query_client(struct query *q)
{
	const struct edns *e = &q->edns;
	const struct sockaddr *from = q->from;

	if (q->client_done)
		return q->client;
	q->client_done = true;
	q->client = NULL;
	if (e->ecs) {
		if (e->ecs_source > 0) {
			geo_client_make(&q->client_buf,
			                e->ecs_family == 1 ? AF_INET : AF_INET6,
			                e->ecs_addr, e->ecs_source);
			q->client = &q->client_buf;
		}
	} else if (from != NULL && from->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)from;
		geo_client_make(&q->client_buf, AF_INET,
		                (const uint8_t *)&sin->sin_addr, 32);
		q->client = &q->client_buf;
	} else if (from != NULL && from->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)from;
		geo_client_make(&q->client_buf, AF_INET6,
		                sin6->sin6_addr.s6_addr, 128);
		q->client = &q->client_buf;
	}
	return q->client;
}

/* ---- for logs (not hot) ---------------------------------------------------
 */

void
query_name_text(const struct query *q, char *out, size_t outlen)
{
	const struct wname *qn = &q->qname;
	size_t o = 0;

	snprintf(out, outlen, q->have_question ? "." : "-");
	if (!q->have_question)
		return;
	for (unsigned i = 0; i < qn->nlabels && o < outlen; i++) {
		const uint8_t *l = qn->raw + qn->lab[i];
		for (unsigned k = 1; k <= l[0] && o < outlen; k++) {
			uint8_t ch = l[k];
			o += (size_t)snprintf(out + o, outlen - o,
			                      ch > 0x20 && ch < 0x7f &&
			                              ch != '.' && ch != '\\'
			                          ? "%c"
			                          : "\\%03u",
			                      ch);
		}
		if (o < outlen)
			o += (size_t)snprintf(out + o, outlen - o, ".");
	}
}

void
query_client_text(const struct query *q, char *out, size_t outlen)
{
	const struct sockaddr *from = q->from;

	snprintf(out, outlen, "-");
	if (from != NULL && from->sa_family == AF_INET)
		inet_ntop(
		    AF_INET,
		    &((const struct sockaddr_in *)(const void *)from)->sin_addr,
		    out, (socklen_t)outlen);
	else if (from != NULL && from->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		          &((const struct sockaddr_in6 *)(const void *)from)
		               ->sin6_addr,
		          out, (socklen_t)outlen);
}
