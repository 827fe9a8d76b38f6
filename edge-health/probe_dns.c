/* SPDX-License-Identifier: MIT */
/*
 * edge-health/probe_dns.c: the dns check: one query over UDP or TCP, and
 * the reply's rcode (and optionally one answer) as expected.
 */
#include "edge-health/probe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <ldns/ldns.h>

#include "common/dnsmsg.h"
#include "common/xalloc.h"

/* Without EDNS a server sends at most 512 bytes over UDP (RFC 1035
 * §4.2.1); anything up to this size is still read and judged. */
#define DNS_UDP_MAX 4096

struct dns_probe {
	struct probe *p;
	uint16_t id;
	int fd;                  /* udp; -1 for tcp */
	struct event *ev;        /* udp: readable */
	struct bufferevent *bev; /* tcp */
	ldns_rr *want;           /* `answer` as an RR of qtype, or NULL */
};

static void
probe_dns_stop(struct probe *p)
{
	struct dns_probe *d = p->impl;

	if (d == NULL)
		return;
	if (d->ev != NULL)
		event_free(d->ev);
	if (d->fd != -1)
		close(d->fd);
	if (d->bev != NULL)
		bufferevent_free(d->bev);
	ldns_rr_free(d->want);
	free(d);
	p->impl = NULL;
}

static void
finish(struct probe *p, bool ok, const char *why)
{
	probe_dns_stop(p);
	p->done(p, ok, ok ? "" : why, NULL);
}

static const char *
rcode_text(unsigned rcode, char *buf, size_t len)
{
	const ldns_lookup_table *t = ldns_lookup_by_id(ldns_rcodes, (int)rcode);

	if (t != NULL)
		return t->name;
	snprintf(buf, len, "RCODE%u", rcode);
	return buf;
}

/* Same rdata: names compare case-insensitively (RFC 4343), the rest
 * byte for byte, so "2001:db8::1" matches "2001:DB8:0::1". */
static bool
same_rdata(const ldns_rr *a, const ldns_rr *b)
{
	if (ldns_rr_rd_count(a) != ldns_rr_rd_count(b))
		return false;
	for (size_t i = 0; i < ldns_rr_rd_count(a); i++) {
		const ldns_rdf *x = ldns_rr_rdf(a, i), *y = ldns_rr_rdf(b, i);
		if (ldns_rdf_get_type(x) == LDNS_RDF_TYPE_DNAME &&
		    ldns_rdf_get_type(y) == LDNS_RDF_TYPE_DNAME) {
			if (ldns_dname_compare(x, y) != 0)
				return false;
		} else if (ldns_rdf_compare(x, y) != 0) {
			return false;
		}
	}
	return true;
}

static bool
has_answer(const ldns_pkt *pkt, const ldns_rr *want)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);

	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) == ldns_rr_get_type(want) &&
		    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
		    same_rdata(rr, want))
			return true;
	}
	return false;
}

/* RFC 5452 §4.2: a reply is accepted only for the question asked. */
static bool
same_question(const ldns_pkt *pkt, const struct eh_check *c)
{
	const ldns_rr_list *qd = ldns_pkt_question(pkt);

	if (ldns_rr_list_rr_count(qd) != 1)
		return false;
	const ldns_rr *q = ldns_rr_list_rr(qd, 0);
	ldns_rdf *name = ldns_dname_new_frm_str(c->qname);
	bool same = name != NULL &&
	            ldns_dname_compare(ldns_rr_owner(q), name) == 0 &&
	            ldns_rr_get_type(q) == c->qtype &&
	            ldns_rr_get_class(q) == LDNS_RR_CLASS_IN;

	ldns_rdf_deep_free(name);
	return same;
}

/*
 * Judge one reply.  Returns false if it is not ours (a UDP reply with
 * another id: keep waiting); otherwise the probe is finished.
 */
static bool
judge(struct probe *p, const uint8_t *wire, size_t len)
{
	struct dns_probe *d = p->impl;
	const struct eh_check *c = p->check;
	char why[PROBE_REASON_MAX], b1[16], b2[16];
	ldns_pkt *pkt = NULL;
	bool ok = false;

	if (len < LDNS_HEADER_SIZE) {
		snprintf(why, sizeof(why), "dns: bad reply: %zu bytes", len);
		finish(p, false, why);
		return true;
	}
	uint16_t id = (uint16_t)(wire[0] << 8 | wire[1]);
	if (id != d->id && !c->dns_tcp)
		return false; /* not the reply to this query (RFC 5452) */
	if (dnsmsg_count_type(wire, len, LDNS_RR_TYPE_TSIG) > 1) {
		/* ldns would leak all but one of them (dnsmsg.h) */
		snprintf(why, sizeof(why),
		         "dns: bad reply: more than one TSIG record");
		finish(p, false, why);
		return true;
	}
	ldns_status st = ldns_wire2pkt(&pkt, wire, len);
	if (id != d->id) {
		snprintf(why, sizeof(why), "dns: bad reply: id %u, sent %u", id,
		         d->id);
	} else if (st != LDNS_STATUS_OK) {
		snprintf(why, sizeof(why), "dns: bad reply: %s",
		         ldns_get_errorstr_by_id(st));
	} else if (!ldns_pkt_qr(pkt)) {
		snprintf(why, sizeof(why), "dns: bad reply: QR bit not set");
	} else if (!same_question(pkt, c)) {
		snprintf(why, sizeof(why),
		         "dns: bad reply: not for the question asked");
	} else if (ldns_pkt_tc(pkt) && d->want != NULL) {
		/* Without the answer section no answer can be looked for;
		 * the rcode of a truncated reply still counts. */
		snprintf(why, sizeof(why),
		         "dns: truncated; use transport: tcp");
	} else if (ldns_pkt_get_rcode(pkt) != c->rcode) {
		snprintf(why, sizeof(why), "dns: rcode %s (expected %s)",
		         rcode_text(ldns_pkt_get_rcode(pkt), b1, sizeof(b1)),
		         rcode_text(c->rcode, b2, sizeof(b2)));
	} else if (d->want != NULL && !has_answer(pkt, d->want)) {
		snprintf(why, sizeof(why), "dns: answer %s not in the reply",
		         c->answer);
	} else {
		ok = true;
	}
	ldns_pkt_free(pkt);
	finish(p, ok, why);
	return true;
}

/* A socket error as a reason: "dns: connection refused". */
static void
error_reason(int e, char *why, size_t len)
{
	const char *s = e == ECONNREFUSED   ? "connection refused"
	                : e == ECONNRESET   ? "connection reset"
	                : e == EHOSTUNREACH ? "host unreachable"
	                : e == ENETUNREACH  ? "network unreachable"
	                                    : NULL;

	if (s != NULL)
		snprintf(why, len, "dns: %s", s);
	else
		snprintf(why, len, "dns: %s",
		         e != 0 ? evutil_socket_error_to_string(e)
		                : "connection failed");
}

static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	uint8_t buf[DNS_UDP_MAX];
	char why[PROBE_REASON_MAX];

	(void)what;
	/* Drain what is queued: a stray datagram must not hide ours. */
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			/* On a connected socket, an ICMP port unreachable
			 * comes back as ECONNREFUSED (Linux udp(7)). */
			error_reason(errno, why, sizeof(why));
			finish(p, false, why);
			return;
		}
		if ((size_t)n > sizeof(buf)) {
			snprintf(why, sizeof(why),
			         "dns: bad reply: %zd bytes, more than %d", n,
			         DNS_UDP_MAX);
			finish(p, false, why);
			return;
		}
		if (judge(p, buf, (size_t)n))
			return;
	}
}

static void
tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct probe *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[2];

	/* RFC 1035 §4.2.2: a two-byte length, then the message. */
	if (evbuffer_copyout(in, hdr, 2) != 2)
		return;
	size_t len = (size_t)(hdr[0] << 8 | hdr[1]);
	if (evbuffer_get_length(in) < 2 + len)
		return;
	const uint8_t *msg = evbuffer_pullup(in, (ev_ssize_t)(2 + len));
	judge(p, msg + 2, len);
}

static void
tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct probe *p = arg;
	char why[PROBE_REASON_MAX];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof(why),
		         "dns: connection closed before a full reply");
	else
		error_reason(EVUTIL_SOCKET_ERROR(), why, sizeof(why));
	finish(p, false, why);
}

/* The query in wire form, or NULL with `why` set.  Returns new. */
static uint8_t *
make_query(const struct eh_check *c, uint16_t id, size_t *len, char *why,
           size_t whylen)
{
	ldns_rdf *name = ldns_dname_new_frm_str(c->qname);
	uint8_t *wire = NULL;

	if (name == NULL) {
		snprintf(why, whylen, "dns: bad name %s", c->qname);
		return NULL;
	}
	/* No flags: RD clear, as for any authoritative server; no EDNS. */
	ldns_pkt *q = ldns_pkt_query_new(name, (ldns_rr_type)c->qtype,
	                                 LDNS_RR_CLASS_IN, 0);
	if (q == NULL) {
		ldns_rdf_deep_free(name);
		snprintf(why, whylen, "dns: cannot build the query");
		return NULL;
	}
	ldns_pkt_set_id(q, id);
	if (ldns_pkt2wire(&wire, q, len) != LDNS_STATUS_OK) {
		snprintf(why, whylen, "dns: cannot build the query");
		wire = NULL;
	}
	ldns_pkt_free(q);
	return wire;
}

/* `answer` as an RR of qtype, to compare rdata (conf.c checked it). */
static ldns_rr *
want_rr(const struct eh_check *c)
{
	char *tname = ldns_rr_type2str((ldns_rr_type)c->qtype);
	char *text = xasprintf(". 0 IN %s %s", tname, c->answer);
	ldns_rdf *root = ldns_dname_new_frm_str(".");
	ldns_rr *rr = NULL;

	if (ldns_rr_new_frm_str(&rr, text, 0, root, NULL) != LDNS_STATUS_OK)
		rr = NULL;
	ldns_rdf_deep_free(root);
	free(text);
	free(tname);
	return rr;
}

static int
start_udp(struct probe *p, const uint8_t *wire, size_t len, char *why,
          size_t whylen)
{
	struct dns_probe *d = p->impl;
	const struct netaddr *a = &p->check->addr;

	d->fd = probe_socket(p->check, SOCK_DGRAM, why, whylen);
	if (d->fd == -1)
		return -1;
	/* Connected: replies from elsewhere are dropped by the kernel, and
	 * a closed port is reported at once instead of as a timeout. */
	if (connect(d->fd, (const struct sockaddr *)&a->ss, a->len) == -1 ||
	    send(d->fd, wire, len, 0) != (ssize_t)len) {
		error_reason(errno, why, whylen);
		return -1;
	}
	d->ev = event_new(p->env->base, d->fd, EV_READ | EV_PERSIST,
	                  udp_read_cb, p);
	if (d->ev == NULL || event_add(d->ev, NULL) == -1) {
		snprintf(why, whylen, "dns: cannot watch the socket");
		return -1;
	}
	return 0;
}

static int
start_tcp(struct probe *p, const uint8_t *wire, size_t len, char *why,
          size_t whylen)
{
	struct dns_probe *d = p->impl;
	const struct netaddr *a = &p->check->addr;
	uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};

	int fd = probe_socket(p->check, SOCK_STREAM, why, whylen);
	if (fd == -1)
		return -1;
	/* Deferred callbacks: a connect that fails at once must not call
	 * p->done from within start. */
	d->bev = bufferevent_socket_new(
	    p->env->base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (d->bev == NULL) {
		close(fd);
		snprintf(why, whylen, "dns: cannot set up the connection");
		return -1;
	}
	bufferevent_setcb(d->bev, tcp_read_cb, NULL, tcp_event_cb, p);
	/* Queued now, written once connected; one query per connection. */
	if (bufferevent_write(d->bev, hdr, 2) == -1 ||
	    bufferevent_write(d->bev, wire, len) == -1 ||
	    bufferevent_enable(d->bev, EV_READ | EV_WRITE) == -1) {
		snprintf(why, whylen, "dns: cannot queue the query");
		return -1;
	}
	if (bufferevent_socket_connect(d->bev, (const struct sockaddr *)&a->ss,
	                               (int)a->len) == -1) {
		error_reason(EVUTIL_SOCKET_ERROR(), why, whylen);
		return -1;
	}
	return 0;
}

static int
probe_dns_start(struct probe *p, char *why, size_t whylen)
{
	const struct eh_check *c = p->check;
	struct dns_probe *d = xcalloc(1, sizeof(*d));
	size_t len = 0;

	d->p = p;
	d->fd = -1;
	/* RFC 5452 §9.2: an unpredictable id. */
	d->id = (uint16_t)arc4random_uniform(65536);
	p->impl = d;
	if (c->answer != NULL && (d->want = want_rr(c)) == NULL) {
		snprintf(why, whylen, "dns: bad answer %s", c->answer);
		probe_dns_stop(p);
		return -1;
	}
	uint8_t *wire = make_query(c, d->id, &len, why, whylen);
	if (wire == NULL) {
		probe_dns_stop(p);
		return -1;
	}
	int r = c->dns_tcp ? start_tcp(p, wire, len, why, whylen)
	                   : start_udp(p, wire, len, why, whylen);
	free(wire);
	if (r == -1)
		probe_dns_stop(p);
	return r;
}

const struct probe_ops probe_dns_ops = {
    .name = "dns",
    .start = probe_dns_start,
    .stop = probe_dns_stop,
};
