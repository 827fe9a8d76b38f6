/* SPDX-License-Identifier: MIT */
/* edge-health/feed.c: the health feed's sending side (B10). */
#include "edge-health/feed.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/hmsg.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "edge-health/conf.h"

struct feed_target {
	struct eh_feed conf; /* a copy: a reload frees the old conf */
	int fd;
	uint64_t failures;
	bool failing; /* the last send failed: log changes, not every send */
};

struct feed {
	struct feed_target *t;
	size_t n;
	uint64_t failures;
	struct hmsg *bare; /* a message without the edges' reports, made
	                      when one with them does not fit; or NULL */
	char buf[HMSG_MAX];
};

struct feed *
feed_new(const struct eh_conf *conf)
{
	struct feed *f = xcalloc(1, sizeof(*f));

	f->t = xcalloc(conf->nfeed + 1, sizeof(*f->t));
	for (size_t i = 0; i < conf->nfeed; i++) {
		const struct eh_feed *c = &conf->feed[i];
		int fam = c->kind == EH_FEED_UNIX ? AF_UNIX : c->addr.ss_family;
		/* Non-blocking: a stalled dnsd must never stall probing. */
		int fd =
		    socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd == -1) {
			log_err_errno("feed %s: socket", c->text);
			continue;
		}
		f->t[f->n].conf = *c;
		f->t[f->n].fd = fd;
		f->n++;
	}
	return f;
}

void
feed_free(struct feed *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		close(f->t[i].fd);
	free(f->t);
	free(f->bare);
	/* The keys live in the targets: do not leave them in freed memory. */
	explicit_bzero(f, sizeof(*f));
	free(f);
}

/* Encode `m` for target `t` into f->buf; *plain caches the keyless
 * encoding for the targets that share it (-1: none yet). */
static int
encode_for(struct feed *f, const struct feed_target *t, const struct hmsg *m,
           int *plain)
{
	if (t->conf.keylen == 0) {
		if (*plain == -1)
			*plain =
			    hmsg_encode(m, NULL, 0, f->buf, sizeof(f->buf));
		return *plain;
	}
	*plain = -1; /* f->buf is about to be overwritten */
	return hmsg_encode(m, t->conf.key, t->conf.keylen, f->buf,
	                   sizeof(f->buf));
}

/* `m` without what the edges reported about themselves, or NULL if it
 * carries nothing of the kind. */
static const struct hmsg *
without_reports(struct feed *f, const struct hmsg *m)
{
	size_t i = 0;

	while (i < m->n && m->edge[i].has == 0)
		i++;
	if (i == m->n)
		return NULL;
	if (f->bare == NULL)
		f->bare = xmalloc(sizeof(*f->bare));
	*f->bare = *m;
	for (i = 0; i < f->bare->n; i++)
		f->bare->edge[i].has = 0;
	return f->bare;
}

unsigned
feed_send(struct feed *f, const struct hmsg *m)
{
	static struct log_rl rl_encode, rl_bare, rl_send;
	unsigned failed = 0;
	int plain = -1; /* the keyless encoding, shared by targets */
	bool bare = false;

	for (size_t i = 0; i < f->n; i++) {
		struct feed_target *t = &f->t[i];
		int len = encode_for(f, t, m, &plain);
		/* Many edges that all report may not fit one datagram: their
		 * states matter more than their reports (no edge can take
		 * the feed down by what it says about itself). */
		const struct hmsg *b;
		if (len < 0 && !bare && (b = without_reports(f, m)) != NULL) {
			log_ratelimit(&rl_bare, LOG_WARNING,
			              "feed: the snapshot with the edges' "
			              "reports does not fit %d bytes: sent "
			              "without them",
			              HMSG_MAX);
			m = b;
			bare = true;
			plain = -1;
			len = encode_for(f, t, m, &plain);
		}
		if (len < 0) {
			log_ratelimit(&rl_encode, LOG_ERR,
			              "feed %s: message does not fit %d bytes",
			              t->conf.text, HMSG_MAX);
			t->failures++;
			failed++;
			continue;
		}
		ssize_t n = sendto(t->fd, f->buf, (size_t)len, MSG_DONTWAIT,
		                   (const struct sockaddr *)&t->conf.addr,
		                   t->conf.addrlen);
		if (n != len) {
			t->failures++;
			failed++;
			/* Once per outage (dnsd stopped): every interval
			 * would bury the log.  Rate-limited across targets. */
			if (!t->failing)
				log_ratelimit(
				    &rl_send, LOG_WARNING,
				    "feed %s: send failed (%llu so far): %s",
				    t->conf.text,
				    (unsigned long long)t->failures,
				    n == -1 ? strerror(errno) : "short send");
			t->failing = true;
		} else if (t->failing) {
			t->failing = false;
			log_notice("feed %s: sending again (%llu sends failed "
			           "so far)",
			           t->conf.text,
			           (unsigned long long)t->failures);
		}
	}
	f->failures += failed;
	return failed;
}

uint64_t
feed_failures(const struct feed *f)
{
	return f->failures;
}
