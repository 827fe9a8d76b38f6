/* SPDX-License-Identifier: MIT */
/* dnsd/control_client.h: the client side of the control protocol
 * (control.h): one request line, then the whole response.  For dnsdctl. */
#ifndef DNSD_CONTROL_CLIENT_H
#define DNSD_CONTROL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

/* A response this big is not a server's: refused. */
#define CONTROL_RESPONSE_MAX (16 * 1024 * 1024)

/*
 * Send `request` (one line ending in "\n") to the control socket at `path`
 * and read until the server closes, at most `timeout_s` seconds in all.
 * Returns 0 with the response in *out (new, NUL-terminated, free()) and
 * its length in *len; -1 if the server could not be reached, -2 if it was
 * but no whole response came (timeout, error, too large), with the reason
 * in `why` ("cannot connect to PATH: ...").
 */
int control_client_ask(const char *path, const char *request, int timeout_s,
                       char **out, size_t *len, char *why, size_t whylen);

/* Is the last line of the response exactly "ok"? */
bool control_client_ok(const char *text, size_t len);

#endif
