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
	/* The keys live in the targets: do not leave them in freed memory. */
	explicit_bzero(f, sizeof(*f));
	free(f);
}

unsigned
feed_send(struct feed *f, const struct hmsg *m)
{
	static struct log_rl rl_encode, rl_send;
	unsigned failed = 0;
	int plain = -1; /* the keyless encoding, shared by targets */

	for (size_t i = 0; i < f->n; i++) {
		struct feed_target *t = &f->t[i];
		int len;
		if (t->conf.keylen == 0) {
			if (plain == -1)
				plain = hmsg_encode(m, NULL, 0, f->buf,
				                    sizeof(f->buf));
			len = plain;
		} else {
			plain = -1; /* f->buf is about to be overwritten */
			len = hmsg_encode(m, t->conf.key, t->conf.keylen,
			                  f->buf, sizeof(f->buf));
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
