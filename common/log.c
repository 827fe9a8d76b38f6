/* SPDX-License-Identifier: MIT */
/* common/log.c: stderr or syslog logging, with a per-call-site limiter. */
#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

/*
 * The logger configuration is the only global state in common/.  It is
 * written by log_init() before threads start (or from the main loop on
 * reload) and only read afterwards.  Until log_init() runs, messages go
 * to stderr so that early start-up failures are never lost.
 */
static char log_ident[64]; /* "" until log_init(): use argv[0]'s name */
static bool log_to_stderr = true;
static int log_max_level = LOG_INFO;

static void vlog(int prio, int errnum, const char *fmt, va_list ap)
    ATTR_PRINTF(3, 0);

/* One line is formatted into a buffer this size and written at once. */
#define LOG_LINE_MAX 2048

/* Indexed by syslog priority (LOG_EMERG == 0 ... LOG_DEBUG == 7). */
static const char *const log_level_names[] = {
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void
log_init(const char *ident, bool to_stderr, int max_level)
{
	/* openlog() keeps the pointer, so the name must outlive the caller's.
	 */
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	if (!log_to_stderr)
		closelog();
	log_to_stderr = to_stderr;
	log_max_level = max_level;
	if (!to_stderr)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* write() the whole buffer, retrying on EINTR and short writes. */
static void
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* nowhere left to report it */
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void
emit(int prio, const char *msg)
{
	if (!log_to_stderr) {
		syslog(prio, "%s", msg);
		return;
	}

	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);

	/*
	 * Build the whole line first: a single write() keeps lines from
	 * different threads from interleaving, which stdio does not promise.
	 */
	char line[LOG_LINE_MAX];
	const char *ident =
	    log_ident[0] != '\0' ? log_ident : program_invocation_short_name;
	int n = snprintf(line, sizeof(line), "%s %s[%ld]: %s: %s\n", stamp,
	                 ident, (long)getpid(), log_level_names[prio], msg);
	if (n < 0)
		return;
	size_t len = (size_t)n;
	if (len >= sizeof(line)) {
		/* Truncated: keep the newline so the next line starts clean. */
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	write_all(STDERR_FILENO, line, len);
}

static void
vlog(int prio, int errnum, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];

	prio = LOG_PRI(prio); /* callers may OR in a facility */
	if (prio > log_max_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0) {
		char ebuf[128];
		size_t len = strlen(msg);
		/* GNU strerror_r: thread-safe, returns the text to use. */
		const char *es = strerror_r(errnum, ebuf, sizeof(ebuf));
		snprintf(msg + len, sizeof(msg) - len, ": %s", es);
	}
	emit(prio, msg);
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, 0, fmt, ap);
	va_end(ap);
}

void
log_msg_errno(int prio, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, saved, fmt, ap);
	va_end(ap);
	errno = saved; /* callers often test errno again after logging */
}

void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

bool
log_rl_ready(const struct log_rl *rl)
{
	return rl->window_start_ms == 0 ||
	       clock_ms() - rl->window_start_ms >= 1000 ||
	       rl->sent < LOG_RL_BURST;
}

bool
log_rl_allow(struct log_rl *rl)
{
	uint64_t now = clock_ms();

	/* A zeroed limiter starts a window on first use. */
	if (rl->window_start_ms == 0 || now - rl->window_start_ms >= 1000) {
		if (rl->suppressed > 0)
			log_msg(LOG_WARNING, "(%u similar messages suppressed)",
			        rl->suppressed);
		rl->window_start_ms = now;
		rl->sent = 0;
		rl->suppressed = 0;
	}
	if (rl->sent < LOG_RL_BURST) {
		rl->sent++;
		return true;
	}
	rl->suppressed++;
	return false;
}
