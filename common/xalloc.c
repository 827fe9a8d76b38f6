/* SPDX-License-Identifier: MIT */
/* common/xalloc.c: allocation wrappers that exit instead of returning NULL. */
#include "common/xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/*
 * A daemon that cannot allocate on the load path cannot do anything useful,
 * and checking every small allocation would triple the loader code.  So we
 * log once and exit, as NSD, gdnsd and Redis do.  This file and main.c are
 * the only places allowed to call exit() (tests/lint).
 */
static void ATTR_NORETURN ATTR_COLD
oom(const char *what, size_t n, size_t size)
{
	log_msg(LOG_CRIT, "%s: out of memory allocating %zu x %zu bytes", what,
	        n, size);
	exit(1);
}

/* A wrapped n * size would allocate too little and corrupt the heap. */
static void ATTR_NORETURN ATTR_COLD
overflow(const char *what, size_t n, size_t size)
{
	log_msg(LOG_CRIT, "%s: %zu x %zu bytes overflows size_t", what, n,
	        size);
	exit(1);
}

void *
xmalloc(size_t size)
{
	/* malloc(0) may return NULL, which would look like exhaustion. */
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		oom("xmalloc", 1, size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	size_t total;

	/* calloc checks too, but only glibc promises it; be explicit. */
	if (__builtin_mul_overflow(n, size, &total))
		overflow("xcalloc", n, size);
	void *p = calloc(total ? n : 1, total ? size : 1);
	if (p == NULL)
		oom("xcalloc", n, size);
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		overflow("xreallocarray", n, size);
	/* realloc(p, 0) may free p and return NULL: never ask for 0. */
	void *q = realloc(p, total ? total : 1);
	if (q == NULL)
		oom("xreallocarray", n, size);
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom("xstrdup", 1, strlen(s) + 1);
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		oom("xstrndup", 1, n + 1);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	int n = vasprintf(&p, fmt, ap);
	va_end(ap);
	/* vasprintf leaves p undefined on failure; only n is reliable. */
	if (n < 0)
		oom("xasprintf", 1, 0);
	return p;
}
