/* SPDX-License-Identifier: MIT */
/* common/xalloc.h: allocation that aborts the process on exhaustion. */
#ifndef COMMON_XALLOC_H
#define COMMON_XALLOC_H

#include <stddef.h>

#include "common/compiler.h"

/*
 * These never return NULL: on out-of-memory they log and exit(1), as NSD,
 * gdnsd and Redis do.  Never used on the query path.  Counts are checked
 * for multiplication overflow (which also exits).
 */
void *xmalloc(size_t size) ATTR_MALLOC;
void *xcalloc(size_t n, size_t size) ATTR_MALLOC;
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s) ATTR_MALLOC;
char *xstrndup(const char *s, size_t n) ATTR_MALLOC;
/* asprintf that cannot fail */
char *xasprintf(const char *fmt, ...) ATTR_PRINTF(1, 2) ATTR_MALLOC;

#endif
