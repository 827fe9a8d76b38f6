/* SPDX-License-Identifier: MIT */
/* dnsd/net.h: UDP and TCP listeners of a worker. */
#ifndef DNSD_NET_H
#define DNSD_NET_H

struct dnsd_stats;
struct netaddr;
struct sample;
struct serving;
struct worker;
struct udp_sock;
struct tcp_listener;

/*
 * A non-blocking socket of `type` (SOCK_DGRAM or SOCK_STREAM) bound to `a`
 * with SO_REUSEPORT (and IPV6_V6ONLY, so v4 and v6 bind separately).
 * Returns the descriptor, or -1 after logging why.
 */
int net_bind(const struct netaddr *a, int type);

/*
 * Bind a UDP socket on `a` with SO_REUSEPORT, answering from `sv` (a
 * reference of its own) until a newer serving is published.  Returns new,
 * or NULL after logging.
 */
struct udp_sock *net_udp_new(struct worker *w, const struct netaddr *a,
                             struct serving *sv);

/*
 * Start the socket's thread: it blocks in recvmmsg and answers each batch
 * with one sendmmsg.  Signals should be blocked by the caller.  0 or -1.
 */
int net_udp_start(struct udp_sock *u);

/* Stop the thread and wait for it; its counters are final after this. */
void net_udp_stop(struct udp_sock *u);

/*
 * Hand the thread a new serving (it takes a reference); it switches before
 * its next batch.  Main thread.
 */
void net_udp_publish(struct udp_sock *u, struct serving *sv);

/* Its counters (written by its thread only; read without locks). */
const struct dnsd_stats *net_udp_stats(const struct udp_sock *u);

/* Its thread's sample of geo clients (sample.h; read while it writes). */
const struct sample *net_udp_sample(const struct udp_sock *u);

/* Stop (if running) and free.  NULL is a no-op. */
void net_udp_free(struct udp_sock *u);

/*
 * Listen for TCP on `a` (RFC 7766): 2-octet framing, pipelined queries,
 * an idle timeout and a cap on open connections per worker.  Returns new,
 * or NULL after logging.
 */
struct tcp_listener *net_tcp_new(struct worker *w, const struct netaddr *a);
/* Closes the listener and every connection it accepted.  NULL: no-op. */
void net_tcp_free(struct tcp_listener *t);

#endif
