/* SPDX-License-Identifier: MIT */
/* common/netaddr.c: one numeric ADDR:PORT, parsed by one grammar. */
#include "common/netaddr.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Decimal digits only, 1..65535: strtoul would take " +0x1f". */
static int
parse_port(const char *s, uint16_t *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return -1;
	}
	if (v == 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int
netaddr_parse(const char *text, uint16_t default_port, struct netaddr *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *h = text, *port = NULL;
	size_t hlen, len = strlen(text);
	bool v6;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(out->text))
		return -1;
	if (text[0] == '[') {
		/* [IPV6]:PORT, or [IPV6] alone where a default exists */
		const char *close = strchr(text, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -1;
		h = text + 1;
		hlen = (size_t)(close - h);
		port = close[1] == ':' ? close + 2 : NULL;
		v6 = true;
	} else {
		const char *colon = strchr(text, ':');
		/* One colon: IPV4:PORT.  More: a bare IPv6 address, whose
		 * last group could not be told from a port. */
		v6 = colon != NULL && colon != strrchr(text, ':');
		hlen = colon != NULL && !v6 ? (size_t)(colon - text) : len;
		port = colon != NULL && !v6 ? colon + 1 : NULL;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';

	uint16_t p = default_port;
	if (port != NULL ? parse_port(port, &p) == -1 : p == 0)
		return -1;

	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
	if (!v6 && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		out->len = sizeof(*sin);
		inet_ntop(AF_INET, &sin->sin_addr, out->host,
		          sizeof(out->host));
	} else if (v6 && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		out->len = sizeof(*sin6);
		inet_ntop(AF_INET6, &sin6->sin6_addr, out->host,
		          sizeof(out->host));
	} else {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->port = p;
	memcpy(out->text, text, len + 1);
	return 0;
}
