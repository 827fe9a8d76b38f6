/* SPDX-License-Identifier: MIT */
/*
 * edge-health/anycast.c: the anycast role: rounds of checks against the
 * local dnsd, rise/fall, the BIRD include file and the reload command
 * (anycast-healthchecker's way: a file BIRD includes, then `birdc
 * configure`).
 */
#include "edge-health/anycast.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/compiler.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "edge-health/conf.h"
#include "edge-health/probe.h"
#include "edge-health/state.h"

extern char **environ;

/* First lines of the files we write: how a restart knows what it said. */
#define HEAD_ANNOUNCED "# edge-health anycast: announced"
#define HEAD_WITHDRAWN "# edge-health anycast: withdrawn"
#define INCLUDE_MAX (256 * 1024) /* read no more of an include file */
#define OUT_MAX 1024             /* a reload's output kept for the log */
#define CHILD_POLL_MS 50         /* without a pidfd: how often to reap */

struct anycast {
	struct event_base *base;
	const struct eh_anycast *conf;
	struct probe_env env;
	struct probe *probe;   /* one per check of conf */
	struct event *next;    /* starts the next round */
	struct event *timeout; /* ends a round that takes too long */
	/* the current round */
	uint64_t started_ms;
	size_t pending; /* checks still running */
	bool starting;  /* inside start_round(): do not finish yet */
	bool ok;
	char reason[STATE_REASON_MAX]; /* first failure of the round */
	/* the decision: st.up means announce */
	struct eh_state st;
	bool decided; /* false while the file's state is unknown */
	char *have;   /* the include's text as read or written; NULL: none */
	bool write_failing;
	bool reload_due; /* the file changed since the last good reload */
	/* the reload command, while it runs (pid 0: none) */
	pid_t pid;
	int pidfd;  /* -1: reaped by polling */
	int out_fd; /* its stdout and stderr */
	struct event *child_ev;
	struct event *out_ev;
	struct event *kill_ev;
	bool killed;
	char *cmd; /* its text, for the log */
	char out[OUT_MAX];
	size_t outlen;
	unsigned failing; /* failed runs in a row */
	struct anycast_info info;
};

static void
ms_to_tv(uint64_t ms, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

/* ---- the include file ---------------------------------------------------- */

/* Append to s (capacity cap, *n used); the callers size cap to fit. */
ATTR_PRINTF(4, 5)
static void
addf(char *s, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= cap)
		return;
	va_start(ap, fmt);
	int r = vsnprintf(s + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (r > 0)
		*n += (size_t)r < cap - *n ? (size_t)r : cap - *n - 1;
}

char *
anycast_render(const struct eh_anycast *conf, bool announce)
{
	static const struct {
		int family;
		const char *proto, *channel;
	} fam[2] = {{AF_INET, "anycast4", "ipv4"},
	            {AF_INET6, "anycast6", "ipv6"}};
	size_t cap = 1024 + conf->nprefix * (sizeof(conf->prefix->text) + 32);
	char *s = xmalloc(cap);
	size_t n = 0;

	s[0] = '\0';
	addf(s, cap, &n,
	     "%s\n# Written by edge-health (anycast: bird_include): do not "
	     "edit.\n",
	     announce ? HEAD_ANNOUNCED : HEAD_WITHDRAWN);
	if (!announce) {
		/* No protocol: a reconfigure shuts the old ones down, and
		 * that withdraws their routes. */
		addf(s, cap, &n,
		     "# The local dnsd does not pass its checks; "
		     "not announced:");
		for (size_t i = 0; i < conf->nprefix; i++)
			addf(s, cap, &n, " %s", conf->prefix[i].text);
		addf(s, cap, &n, "\n");
		return s;
	}
	addf(s, cap, &n, "# The local dnsd passes its checks.\n");
	for (size_t f = 0; f < 2; f++) {
		bool any = false;
		for (size_t i = 0; i < conf->nprefix; i++) {
			if (conf->prefix[i].family != fam[f].family)
				continue;
			if (!any)
				addf(s, cap, &n,
				     "protocol static %s {\n\t%s;\n",
				     fam[f].proto, fam[f].channel);
			any = true;
			/* unreachable: the route only needs to exist to be
			 * exported; BGP sends our address as the next hop. */
			addf(s, cap, &n, "\troute %s unreachable;\n",
			     conf->prefix[i].text);
		}
		if (any)
			addf(s, cap, &n, "}\n");
	}
	return s;
}

static bool
starts_line(const char *text, const char *head)
{
	size_t n = strlen(head);

	return strncmp(text, head, n) == 0 &&
	       (text[n] == '\n' || text[n] == '\0');
}

enum anycast_says
anycast_says(const char *text)
{
	if (starts_line(text, HEAD_ANNOUNCED))
		return ANYCAST_SAYS_ANNOUNCED;
	if (starts_line(text, HEAD_WITHDRAWN))
		return ANYCAST_SAYS_WITHDRAWN;
	return ANYCAST_SAYS_OTHER;
}

/* The file's text into *text (new), NULL if there is no file.  0, or -1
 * with errno set. */
static int
read_include(const char *path, char **text)
{
	char *buf;
	size_t n = 0;
	ssize_t r = 0;

	*text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	buf = xmalloc(INCLUDE_MAX + 1);
	while (n < INCLUDE_MAX &&
	       ((r = read(fd, buf + n, INCLUDE_MAX - n)) > 0 ||
	        (r == -1 && errno == EINTR)))
		n += r > 0 ? (size_t)r : 0;
	int e = errno;
	close(fd);
	if (r == -1) {
		free(buf);
		errno = e;
		return -1;
	}
	buf[n] = '\0';
	*text = buf;
	return 0;
}

/*
 * Replace `path` by `text` atomically: BIRD may read it at any time (an
 * operator's `birdc configure`), and must see the old file or the new one,
 * never half of one.  0, or -1 with why in `why`.
 */
static int
write_include(const char *path, const char *text, char *why, size_t len)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	size_t n = strlen(text), off = 0;
	const char *step = "create";
	int fd, c;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1)
		goto fail;
	step = "write";
	while (off < n) {
		ssize_t r = write(fd, text + off, n - off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		off += (size_t)r;
	}
	/* BIRD runs as another user; prefixes are no secret. */
	step = "chmod";
	if (fchmod(fd, 0644) == -1)
		goto fail;
	step = "fsync";
	if (fsync(fd) == -1)
		goto fail;
	step = "close";
	c = close(fd);
	fd = -1;
	if (c == -1)
		goto fail;
	step = "rename";
	if (rename(tmp, path) == -1)
		goto fail;
	free(tmp);
	return 0;
fail:
	snprintf(why, len, "%s %s: %s", step, tmp, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

/* "192.0.2.53/32, 2001:db8::53/128" (new) */
static char *
prefix_list(const struct eh_anycast *c)
{
	size_t cap = c->nprefix * (sizeof(c->prefix->text) + 2) + 1;
	char *s = xmalloc(cap);
	size_t n = 0;

	s[0] = '\0';
	for (size_t i = 0; i < c->nprefix; i++)
		addf(s, cap, &n, "%s%s", i > 0 ? ", " : "", c->prefix[i].text);
	return s;
}

/* Start from what the include file says (anycast.h). */
static void
adopt_file(struct anycast *a)
{
	const char *path = a->conf->bird_include;
	char *text;

	free(a->have);
	a->have = NULL;
	state_init(&a->st, clock_ms());
	a->decided = true;
	if (read_include(path, &text) == -1) {
		log_warn("anycast: %s: cannot read it: %s: deciding from the "
		         "probes",
		         path, strerror(errno));
		a->decided = false;
		return;
	}
	a->have = text;
	switch (text == NULL ? ANYCAST_SAYS_WITHDRAWN : anycast_says(text)) {
	case ANYCAST_SAYS_ANNOUNCED:
		log_info("anycast: %s announces: kept while the checks pass, "
		         "withdrawn after %u failed rounds",
		         path, a->conf->t.fall);
		break;
	case ANYCAST_SAYS_WITHDRAWN:
		/* As sched_restore does for an edge down in the state file:
		 * it needs `rise` good rounds. */
		a->st.up = false;
		a->st.fails = a->conf->t.fall;
		snprintf(a->st.reason, sizeof(a->st.reason),
		         "withdrawn at start-up");
		log_info("anycast: %s: %s: announcing after %u good rounds",
		         path, text == NULL ? "no such file" : "withdrawn",
		         a->conf->t.rise);
		break;
	case ANYCAST_SAYS_OTHER:
		/* Someone else's file: neither withdraw nor announce before
		 * the probes have a verdict. */
		a->decided = false;
		log_warn("anycast: %s: not written by edge-health: replaced "
		         "after %u good or %u failed rounds",
		         path, a->conf->t.rise, a->conf->t.fall);
		break;
	}
}

/* ---- the reload command -------------------------------------------------- */

/* "birdc -s /run/bird/bird.ctl configure" (new) */
static char *
join_argv(char *const *argv)
{
	size_t cap = 1;
	char *s;
	size_t n = 0;

	for (size_t i = 0; argv[i] != NULL; i++)
		cap += strlen(argv[i]) + 1;
	s = xmalloc(cap);
	s[0] = '\0';
	for (size_t i = 0; argv[i] != NULL; i++)
		addf(s, cap, &n, "%s%s", i > 0 ? " " : "", argv[i]);
	return s;
}

/* Read what the command printed (kept up to OUT_MAX); false at EOF. */
static bool
drain_output(struct anycast *a)
{
	char buf[512];

	for (;;) {
		ssize_t n = read(a->out_fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == -1; /* EAGAIN: more may come */
		size_t room = sizeof(a->out) - 1 - a->outlen;
		size_t k = (size_t)n < room ? (size_t)n : room;
		memcpy(a->out + a->outlen, buf, k);
		a->outlen += k;
	}
}

/* The output on one log line, into `line` (3 x OUT_MAX bytes): "BIRD
 * 2.0.12 ready. | Reconfigured". */
static const char *
output_line(const struct anycast *a, char *line)
{
	size_t n = a->outlen, k = 0;

	while (n > 0 && (a->out[n - 1] == '\n' || a->out[n - 1] == ' '))
		n--;
	if (n == 0)
		return "no output";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a->out[i];
		if (c == '\n') {
			memcpy(line + k, " | ", 3);
			k += 3;
		} else {
			line[k++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
		}
	}
	line[k] = '\0';
	return line;
}

static void
out_cb(evutil_socket_t fd, short what, void *arg)
{
	struct anycast *a = arg;

	(void)fd;
	(void)what;
	if (!drain_output(a))
		event_del(a->out_ev); /* EOF: the child decides when it ends */
}

/* Forget the running command (it may still run: anycast_free). */
static void
end_child(struct anycast *a)
{
	if (a->child_ev != NULL)
		event_free(a->child_ev);
	if (a->out_ev != NULL)
		event_free(a->out_ev);
	if (a->kill_ev != NULL)
		event_free(a->kill_ev);
	a->child_ev = a->out_ev = a->kill_ev = NULL;
	if (a->pidfd != -1)
		close(a->pidfd);
	if (a->out_fd != -1)
		close(a->out_fd);
	a->pidfd = a->out_fd = -1;
	a->pid = 0;
}

static void
reload_failed(struct anycast *a, const char *why)
{
	a->info.reload_failures++;
	a->reload_due = true;
	/* Once per outage (BIRD not up yet, say); then quietly. */
	if (a->failing++ == 0)
		log_warn("anycast: %s: %s: retrying every %u ms", a->cmd, why,
		         a->conf->t.interval_ms);
	else
		log_debug("anycast: %s: %s (%u failures in a row)", a->cmd, why,
		          a->failing);
}

static void run_reload(struct anycast *a);

static void
child_cb(evutil_socket_t fd, short what, void *arg)
{
	struct anycast *a = arg;
	char why[3 * OUT_MAX + 64], line[3 * OUT_MAX];
	int status = 0;

	(void)fd;
	(void)what;
	pid_t r = waitpid(a->pid, &status, WNOHANG);
	if (r == 0 || (r == -1 && errno == EINTR))
		return;
	int e = errno;
	bool killed = a->killed;
	drain_output(a);
	end_child(a);
	const char *out = output_line(a, line);
	if (r == -1)
		snprintf(why, sizeof(why), "waitpid: %s", strerror(e));
	else if (killed)
		snprintf(why, sizeof(why), "no exit after %d ms, killed: %s",
		         ANYCAST_RELOAD_MAX_MS, out);
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by signal %d: %s",
		         WTERMSIG(status), out);
	else if (WEXITSTATUS(status) != 0)
		snprintf(why, sizeof(why), "exit status %d: %s",
		         WEXITSTATUS(status), out);
	else
		why[0] = '\0';
	if (why[0] != '\0') {
		reload_failed(a, why);
		return;
	}
	if (a->failing > 0)
		log_notice("anycast: %s: ok after %u failures: %s", a->cmd,
		           a->failing, out);
	else
		log_info("anycast: %s: ok: %s", a->cmd, out);
	a->failing = 0;
	/* The file changed again while it ran: BIRD may have read the
	 * older one. */
	if (a->reload_due)
		run_reload(a);
}

static void
kill_cb(evutil_socket_t fd, short what, void *arg)
{
	struct anycast *a = arg;

	(void)fd;
	(void)what;
	/* child_cb reaps it and counts the failure. */
	a->killed = true;
	kill(a->pid, SIGKILL);
}

/* posix_spawnp the command, its stdout and stderr into a pipe.  Returns
 * its pid, or -1 with why in `why`. */
static pid_t
spawn(char *const *argv, int out, char *why, size_t len)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, out, 2);
	/* Nothing else of ours: the feed, the probes, the metrics. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE); /* ignored here (daemon.h), not there */
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
	                                  POSIX_SPAWN_SETSIGMASK);
	int rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		snprintf(why, len, "cannot run it: %s", strerror(rc));
		return -1;
	}
	return pid;
}

/* Run the reload command; child_cb ends it.  Never waits. */
static void
run_reload(struct anycast *a)
{
	char why[256];
	int pfd[2];

	a->reload_due = false;
	a->killed = false;
	a->outlen = 0;
	free(a->cmd);
	a->cmd = join_argv(a->conf->bird_reload);
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		snprintf(why, sizeof(why), "pipe: %s", strerror(errno));
		reload_failed(a, why);
		return;
	}
	pid_t pid = spawn(a->conf->bird_reload, pfd[1], why, sizeof(why));
	close(pfd[1]);
	if (pid == -1) {
		close(pfd[0]);
		reload_failed(a, why);
		return;
	}
	a->pid = pid;
	a->out_fd = pfd[0];
	evutil_make_socket_nonblocking(a->out_fd);
	a->pidfd = -1;
#ifdef SYS_pidfd_open
	/* Readable when the child exits (Linux 5.3): no SIGCHLD handler,
	 * which would be the whole process's. */
	a->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	a->out_ev =
	    event_new(a->base, a->out_fd, EV_READ | EV_PERSIST, out_cb, a);
	a->child_ev =
	    event_new(a->base, a->pidfd,
	              EV_PERSIST | (a->pidfd != -1 ? EV_READ : 0), child_cb, a);
	a->kill_ev = evtimer_new(a->base, kill_cb, a);
	struct timeval poll, max;
	ms_to_tv(CHILD_POLL_MS, &poll);
	ms_to_tv(ANYCAST_RELOAD_MAX_MS, &max);
	if (a->out_ev == NULL || a->child_ev == NULL || a->kill_ev == NULL ||
	    event_add(a->out_ev, NULL) == -1 ||
	    event_add(a->child_ev, a->pidfd != -1 ? NULL : &poll) == -1 ||
	    event_add(a->kill_ev, &max) == -1) {
		/* Cannot watch it: stop it now rather than lose it. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		end_child(a);
		reload_failed(a, "cannot watch it on the event loop");
		return;
	}
	log_debug("anycast: running %s (pid %d)", a->cmd, (int)pid);
}

/* Write what was decided if the file says otherwise, then reload BIRD
 * if the file changed since the last good reload. */
static void
sync_file(struct anycast *a)
{
	const char *path = a->conf->bird_include;
	char why[512];

	if (a->decided) {
		char *want = anycast_render(a->conf, a->st.up);
		if (a->have != NULL && strcmp(a->have, want) == 0) {
			free(want);
		} else if (write_include(path, want, why, sizeof(why)) == -1) {
			/* Tried again every round. */
			if (!a->write_failing)
				log_err("anycast: %s: cannot write it: %s",
				        path, why);
			a->write_failing = true;
			free(want);
			return;
		} else {
			if (a->write_failing)
				log_notice("anycast: %s: written", path);
			a->write_failing = false;
			free(a->have);
			a->have = want;
			a->reload_due = true;
		}
	}
	if (a->reload_due && a->pid == 0)
		run_reload(a);
}

/* ---- rounds -------------------------------------------------------------- */

/* Log and count a decision: `ch` happened to the state this round. */
static void
decide(struct anycast *a, enum state_change ch)
{
	const struct eh_anycast *c = a->conf;
	const char *again = a->info.withdraws > 0 ? " again" : "";

	if (!a->decided) {
		/* An unknown file: the first verdict, either way. */
		if (a->st.up && a->st.oks >= c->t.rise)
			ch = STATE_WENT_UP;
		else if (!a->st.up)
			ch = STATE_WENT_DOWN;
		else
			return;
		a->decided = true;
	}
	if (ch == STATE_SAME)
		return;
	char *list = prefix_list(c);
	if (ch == STATE_WENT_UP) {
		a->info.announces++;
		log_notice("anycast: dnsd answers%s: announcing %s (%u good "
		           "rounds)",
		           again, list, c->t.rise);
	} else {
		a->info.withdraws++;
		log_notice("anycast: withdrawing %s after %u failed rounds: %s",
		           list, c->t.fall, a->st.reason);
	}
	free(list);
}

static void
finish_round(struct anycast *a)
{
	const struct eh_anycast *c = a->conf;
	uint64_t now = clock_ms();
	struct timeval tv;

	event_del(a->timeout);
	if (!a->ok)
		log_debug("anycast: probe %s", a->reason);
	decide(a, state_update(&a->st, c->t.rise, c->t.fall, a->ok, a->reason,
	                       now));
	sync_file(a);
	/* Timed from this round's start: no drift, and no jitter, so a
	 * withdraw takes at most fall rounds of one interval. */
	uint64_t due = a->started_ms + c->t.interval_ms;
	ms_to_tv(due > now ? due - now : 0, &tv);
	event_add(a->next, &tv);
}

/* Keep the first failure of a round: the one the log gives. */
static void
round_fail(struct anycast *a, const struct eh_check *c, const char *why)
{
	if (!a->ok)
		return;
	a->ok = false;
	/* Truncation is fine: the reason is for people. */
	if (snprintf(a->reason, sizeof(a->reason), "%s: %s", c->addr.text,
	             why) < 0)
		a->reason[0] = '\0';
}

static void
probe_done(struct probe *p, bool ok, const char *reason,
           const struct edge_report *report)
{
	struct anycast *a = p->arg;

	(void)report;
	if (!ok)
		round_fail(a, p->check, reason);
	if (a->pending > 0)
		a->pending--;
	if (a->pending == 0 && !a->starting)
		finish_round(a);
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct anycast *a = arg;
	char why[64];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "timeout after %u ms",
	         a->conf->t.timeout_ms);
	for (size_t i = 0; i < a->conf->ncheck; i++) {
		struct probe *p = &a->probe[i];
		if (p->impl == NULL)
			continue;
		p->ops->stop(p);
		round_fail(a, p->check, why);
	}
	a->pending = 0;
	finish_round(a);
}

static void
start_round(evutil_socket_t fd, short what, void *arg)
{
	struct anycast *a = arg;
	char why[PROBE_REASON_MAX];
	struct timeval tv;

	(void)fd;
	(void)what;
	a->started_ms = clock_ms();
	a->ok = true;
	a->reason[0] = '\0';
	a->pending = a->conf->ncheck;
	a->starting = true;
	for (size_t i = 0; i < a->conf->ncheck; i++) {
		struct probe *p = &a->probe[i];
		if (p->ops->start(p, why, sizeof(why)) == -1) {
			round_fail(a, p->check, why);
			a->pending--;
		}
	}
	a->starting = false;
	ms_to_tv(a->conf->t.timeout_ms, &tv);
	event_add(a->timeout, &tv);
	if (a->pending == 0)
		finish_round(a);
}

/* Stop the probes of the current conf and free them. */
static void
stop_probes(struct anycast *a)
{
	for (size_t i = 0; a->probe != NULL && i < a->conf->ncheck; i++)
		a->probe[i].ops->stop(&a->probe[i]);
	free(a->probe);
	a->probe = NULL;
	if (a->next != NULL)
		event_del(a->next);
	if (a->timeout != NULL)
		event_del(a->timeout);
}

/* Probes for a->conf, and the first round at once. */
static void
start_probes(struct anycast *a)
{
	const struct eh_anycast *c = a->conf;
	struct timeval now = {0, 0};

	a->probe = xcalloc(c->ncheck + 1, sizeof(*a->probe));
	for (size_t i = 0; i < c->ncheck; i++) {
		a->probe[i].ops = probe_ops_for(c->check[i].type);
		a->probe[i].env = &a->env;
		a->probe[i].edge = "anycast";
		a->probe[i].check = &c->check[i];
		a->probe[i].done = probe_done;
		a->probe[i].arg = a;
	}
	event_add(a->next, &now);
}

struct anycast *
anycast_new(struct event_base *base, const struct eh_anycast *conf)
{
	struct anycast *a = xcalloc(1, sizeof(*a));

	a->base = base;
	a->conf = conf;
	a->pidfd = a->out_fd = -1;
	if (probe_env_init(&a->env, base) == -1) {
		free(a);
		return NULL;
	}
	a->next = evtimer_new(base, start_round, a);
	a->timeout = evtimer_new(base, timeout_cb, a);
	if (a->next == NULL || a->timeout == NULL) {
		log_err("anycast: cannot create timers");
		anycast_free(a);
		return NULL;
	}
	adopt_file(a);
	/* A missing file is written (withdrawn) at once, so that BIRD,
	 * which includes it, can load its configuration. */
	sync_file(a);
	start_probes(a);
	return a;
}

void
anycast_reload(struct anycast *a, const struct eh_anycast *conf)
{
	bool same = strcmp(a->conf->bird_include, conf->bird_include) == 0;

	stop_probes(a);
	a->conf = conf;
	if (!same)
		adopt_file(a);
	sync_file(a); /* new prefixes, now */
	start_probes(a);
}

void
anycast_free(struct anycast *a)
{
	if (a == NULL)
		return;
	stop_probes(a);
	if (a->next != NULL)
		event_free(a->next);
	if (a->timeout != NULL)
		event_free(a->timeout);
	/* A reload command still running finishes on its own (its zombie
	 * is reaped when we exit): killing it could leave BIRD's
	 * reconfiguration half done. */
	if (a->pid != 0)
		log_debug("anycast: %s (pid %d) still running: left to finish",
		          a->cmd, (int)a->pid);
	end_child(a);
	probe_env_fini(&a->env);
	free(a->have);
	free(a->cmd);
	free(a);
}

void
anycast_info(const struct anycast *a, struct anycast_info *out)
{
	*out = a->info;
	out->announced =
	    a->have != NULL && anycast_says(a->have) == ANYCAST_SAYS_ANNOUNCED;
}
