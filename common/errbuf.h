/* SPDX-License-Identifier: MIT */
/* common/errbuf.h: load-path errors, collected as "file:line:col: message". */
#ifndef COMMON_ERRBUF_H
#define COMMON_ERRBUF_H

#include <stddef.h>

#include "common/compiler.h"

/*
 * Loaders report every error they find rather than stopping at the first,
 * so `dnsd -n` can print them all.  Each error is one line, compiler style:
 *     zones/example.net.yaml:12:5: unknown key "tll"
 * An errbuf is embedded by the caller (errbuf_init/errbuf_fini); the text
 * grows on the heap.  After ERRBUF_MAX errors further ones are counted but
 * not kept, and a final "... and N more errors" line is added.
 */
#define ERRBUF_MAX 100

struct errbuf {
	char *text; /* NUL-terminated, one line per error, '\n'-ended */
	size_t len; /* strlen(text) */
	size_t cap;
	unsigned count; /* errors added, including those not kept */
};

void errbuf_init(struct errbuf *err);
void errbuf_fini(struct errbuf *err); /* frees the text; re-init to reuse */
void errbuf_clear(struct errbuf *err);

/*
 * Add one error.  `file` may be NULL (no location is printed); `line` and
 * `col` are 1-based and 0 means "unknown" (omitted from the output).
 */
void errbuf_add(struct errbuf *err, const char *file, unsigned line,
                unsigned col, const char *fmt, ...) ATTR_PRINTF(5, 6);

/* Text of all errors so far ("" if none); valid until the next call. */
const char *errbuf_text(const struct errbuf *err);

/* Log every error as its own line at `prio` (e.g. after a failed reload). */
void errbuf_log(const struct errbuf *err, int prio);

/* First error's line without trailing '\n', for one-line log messages. */
void errbuf_first(const struct errbuf *err, char *out, size_t outlen);

#endif
