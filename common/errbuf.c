/* SPDX-License-Identifier: MIT */
/* common/errbuf.c: collect load-path errors as "file:line:col: message". */
#include "common/errbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"

/* Prototypes carry the format attributes, so -Wformat checks our calls. */
static void append_fmt(struct errbuf *err, const char *fmt, va_list ap)
    ATTR_PRINTF(2, 0);
static void append_printf(struct errbuf *err, const char *fmt, ...)
    ATTR_PRINTF(2, 3);

void
errbuf_init(struct errbuf *err)
{
	err->text = NULL;
	err->len = 0;
	err->cap = 0;
	err->count = 0;
}

void
errbuf_fini(struct errbuf *err)
{
	free(err->text);
	errbuf_init(err);
}

void
errbuf_clear(struct errbuf *err)
{
	/* Keep the allocation: loaders clear and refill on every reload. */
	if (err->text != NULL)
		err->text[0] = '\0';
	err->len = 0;
	err->count = 0;
}

/* Make room for `more` bytes plus the NUL after err->len. */
static void
reserve(struct errbuf *err, size_t more)
{
	size_t need = err->len + more + 1;

	if (need <= err->cap)
		return;
	size_t cap = err->cap ? err->cap : 256;
	while (cap < need)
		cap *= 2;
	err->text = xreallocarray(err->text, cap, 1);
	err->cap = cap;
}

/* Append at most `n` bytes of `s`, with newlines flattened to spaces. */
static void
append(struct errbuf *err, const char *s, size_t n)
{
	reserve(err, n);
	for (size_t i = 0; i < n; i++) {
		/* One error per line is the contract; a scalar quoted into a
		 * message must not be able to fake a second error. */
		char c = s[i];
		err->text[err->len++] = (c == '\n' || c == '\r') ? ' ' : c;
	}
	err->text[err->len] = '\0';
}

static void
append_str(struct errbuf *err, const char *s)
{
	append(err, s, strlen(s));
}

static void
append_fmt(struct errbuf *err, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;

	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		append(err, small, (size_t)n);
		return;
	}
	/* Rare long message: format into a right-sized heap buffer. */
	char *big = xmalloc((size_t)n + 1);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	append(err, big, (size_t)n);
	free(big);
}

static void
append_printf(struct errbuf *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append_fmt(err, fmt, ap);
	va_end(ap);
}

/* append() flattens newlines, so terminate lines here. */
static void
end_line(struct errbuf *err)
{
	reserve(err, 1);
	err->text[err->len++] = '\n';
	err->text[err->len] = '\0';
}

/* Rewrite the trailing "... and N more errors" line for the current count. */
static void
update_trailer(struct errbuf *err)
{
	unsigned more = err->count - ERRBUF_MAX;

	/*
	 * The first dropped error finds ERRBUF_MAX kept lines and no trailer;
	 * after that the trailer is always the last line, so strip it.  This
	 * keeps errbuf_text() a plain const read.
	 */
	if (more > 1) {
		size_t end = err->len - 1; /* the trailer's '\n' */
		while (end > 0 && err->text[end - 1] != '\n')
			end--;
		err->len = end;
		err->text[end] = '\0';
	}
	append_printf(err, "... and %u more error%s", more,
	              more == 1 ? "" : "s");
	end_line(err);
}

void
errbuf_add(struct errbuf *err, const char *file, unsigned line, unsigned col,
           const char *fmt, ...)
{
	va_list ap;

	err->count++;
	if (err->count > ERRBUF_MAX) {
		update_trailer(err);
		return;
	}
	if (file != NULL) {
		append_str(err, file);
		/* A column without a line would read as a line number, and
		 * editors would jump to the wrong place: drop it too. */
		if (line != 0)
			append_printf(err, ":%u", line);
		if (line != 0 && col != 0)
			append_printf(err, ":%u", col);
		append_str(err, ": ");
	}
	va_start(ap, fmt);
	append_fmt(err, fmt, ap);
	va_end(ap);
	end_line(err);
}

const char *
errbuf_text(const struct errbuf *err)
{
	return err->text != NULL ? err->text : "";
}

void
errbuf_first(const struct errbuf *err, char *out, size_t outlen)
{
	if (outlen == 0)
		return;
	const char *s = errbuf_text(err);
	size_t n = strcspn(s, "\n");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

void
errbuf_log(const struct errbuf *err, int prio)
{
	const char *t = errbuf_text(err);

	while (*t != '\0') {
		const char *nl = strchr(t, '\n');
		int len = nl ? (int)(nl - t) : (int)strlen(t);
		log_msg(prio, "%.*s", len, t);
		t += len + (nl ? 1 : 0);
	}
}
