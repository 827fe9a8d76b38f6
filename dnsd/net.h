/* SPDX-License-Identifier: MIT */
/* dnsd/net.h: UDP and TCP listeners of a worker (libevent). */
#ifndef DNSD_NET_H
#define DNSD_NET_H

struct listen_addr;
struct worker;
struct udp_sock;
struct tcp_listener;

/*
 * A non-blocking socket of `type` (SOCK_DGRAM or SOCK_STREAM) bound to `a`
 * with SO_REUSEPORT (and IPV6_V6ONLY, so v4 and v6 bind separately).
 * Returns the descriptor, or -1 after logging why.
 */
int net_bind(const struct listen_addr *a, int type);

/*
 * Bind a UDP socket on `a` with SO_REUSEPORT, add it to the worker's loop
 * and drain it with recvmmsg/sendmmsg.  Returns new, or NULL after logging.
 */
struct udp_sock *net_udp_new(struct worker *w, const struct listen_addr *a);
void net_udp_free(struct udp_sock *u); /* NULL is a no-op */

/*
 * Listen for TCP on `a` (RFC 7766): 2-octet framing, pipelined queries,
 * an idle timeout and a cap on open connections per worker.  Returns new,
 * or NULL after logging.
 */
struct tcp_listener *net_tcp_new(struct worker *w, const struct listen_addr *a);
/* Closes the listener and every connection it accepted.  NULL: no-op. */
void net_tcp_free(struct tcp_listener *t);

#endif
