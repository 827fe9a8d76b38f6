/* SPDX-License-Identifier: MIT */
/* common/log.h: logging to stderr (foreground) or syslog, with a limiter. */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "common/compiler.h"

/*
 * Configure the logger: `ident` prefixes syslog lines; with `to_stderr` lines
 * go to stderr as "YYYY-mm-ddTHH:MM:SS ident[pid]: level: message".
 * Messages above `max_level` (a LOG_* priority) are discarded.  Safe to call
 * again (e.g. after a reload).  The only global state in common/.
 */
void log_init(const char *ident, bool to_stderr, int max_level);

/* Log one line at `prio`.  Thread-safe: each line is written with one call. */
void log_msg(int prio, const char *fmt, ...) ATTR_PRINTF(2, 3);

/* As log_msg, then ": strerror(errno)"; errno is preserved. */
void log_msg_errno(int prio, const char *fmt, ...) ATTR_PRINTF(2, 3);

/* Log at LOG_CRIT and exit(1).  Only main.c may call it (tests/lint). */
void log_fatal(const char *fmt, ...) ATTR_PRINTF(1, 2) ATTR_NORETURN;

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_err_errno(...) log_msg_errno(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_warn_errno(...) log_msg_errno(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * Rate limiter, one static instance per call site (hot-path errors such as
 * a failed sendmmsg).  At most LOG_RL_BURST lines per second; when a new
 * window opens after suppression, one "(N similar messages suppressed)"
 * line is logged first.  Not shared between threads: give each worker its
 * own, or accept the benign race on the counters.
 */
#define LOG_RL_BURST 5
struct log_rl {
	uint64_t window_start_ms;
	unsigned sent;
	unsigned suppressed;
};

/* true if a message may be logged now; counts it either way */
bool log_rl_allow(struct log_rl *rl);

/*
 * Would log_rl_allow() allow a message now?  Counts nothing: for a caller
 * that must know before it spends time making the message, and says it
 * later when the answer is no.
 */
bool log_rl_ready(const struct log_rl *rl);

#define log_ratelimit(rl, prio, ...)                                           \
	do {                                                                   \
		if (log_rl_allow(rl))                                          \
			log_msg((prio), __VA_ARGS__);                          \
	} while (0)

#endif
