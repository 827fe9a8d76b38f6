/* SPDX-License-Identifier: MIT */
/* common/netaddr.h: one numeric ADDR:PORT, parsed by one grammar. */
#ifndef COMMON_NETADDR_H
#define COMMON_NETADDR_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#define NETADDR_TEXT 64 /* longest text accepted, NUL included */

/*
 * A socket address as a configuration file or a command line writes it:
 * every ADDR:PORT of both daemons (dnsd's listen, -l, health.udp and
 * metrics; edge-health's checks, feeds and metrics).  A plain value: copy
 * it freely, nothing to free.
 */
struct netaddr {
	struct sockaddr_storage ss;  /* AF_INET or AF_INET6, port set */
	socklen_t len;               /* of ss, for bind/connect/sendto */
	uint16_t port;               /* host order */
	char host[INET6_ADDRSTRLEN]; /* numeric, no brackets: "::1" */
	char text[NETADDR_TEXT];     /* as written, for logs */
};

/*
 * Parse `text`, the one grammar for every address:
 *
 *   IPV4:PORT      192.0.2.1:53
 *   [IPV6]:PORT    [2001:db8::1]:53
 *
 * and, only when the caller has a default port (`default_port` not 0,
 * e.g. 53 for dnsd's listen addresses), without one:
 *
 *   IPV4   [IPV6]   IPV6    (a bare IPv6 address never carries a port)
 *
 * Numeric addresses only: no host names, no scope ids, IPv4 never in
 * brackets, IPv6 with a port always in brackets.  The port is 1..65535 in
 * decimal digits (no sign, no space).  Text of NETADDR_TEXT bytes or more
 * is refused.  Returns 0, or -1 with `out` zeroed.  Pure: no allocation,
 * no I/O, thread-safe.
 */
int netaddr_parse(const char *text, uint16_t default_port, struct netaddr *out);

#endif
