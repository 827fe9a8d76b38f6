/* SPDX-License-Identifier: MIT */
/* edge-health/command.c: a child process run from the event loop. */
#include "edge-health/command.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/xalloc.h"

extern char **environ;

#define OUTPUT_MAX 1024  /* output kept for the report */
#define CHILD_POLL_MS 50 /* without a pidfd: how often to reap */

struct command {
	command_done_fn *done;
	void *arg;
	unsigned max_ms;
	pid_t pid;
	int pidfd;  /* -1: reaped by polling */
	int out_fd; /* its stdout and stderr */
	struct event *child_ev;
	struct event *out_ev;
	struct event *kill_ev;
	bool killed; /* by kill_cb, after max_ms */
	char out[OUTPUT_MAX];
	size_t outlen;
};

/* Read what the command printed (kept up to OUTPUT_MAX); false at EOF. */
static bool
drain_output(struct command *c)
{
	char buf[512];

	for (;;) {
		ssize_t n = read(c->out_fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == -1; /* EAGAIN: more may come */
		size_t room = sizeof(c->out) - 1 - c->outlen;
		size_t k = (size_t)n < room ? (size_t)n : room;
		memcpy(c->out + c->outlen, buf, k);
		c->outlen += k;
	}
}

/* The output on one log line, into `line` (3 x OUTPUT_MAX bytes): "BIRD
 * 2.0.12 ready. | Reconfigured". */
static const char *
output_line(const struct command *c, char *line)
{
	size_t n = c->outlen, k = 0;

	while (n > 0 && (c->out[n - 1] == '\n' || c->out[n - 1] == ' '))
		n--;
	if (n == 0)
		return "no output";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c->out[i];
		if (ch == '\n') {
			memcpy(line + k, " | ", 3);
			k += 3;
		} else {
			line[k++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
		}
	}
	line[k] = '\0';
	return line;
}

static void
out_cb(evutil_socket_t fd, short what, void *arg)
{
	struct command *c = arg;

	(void)fd;
	(void)what;
	if (!drain_output(c))
		event_del(c->out_ev); /* EOF: the child decides when it ends */
}

/* Stop watching the child (which may still run: command_free). */
static void
release(struct command *c)
{
	if (c->child_ev != NULL)
		event_free(c->child_ev);
	if (c->out_ev != NULL)
		event_free(c->out_ev);
	if (c->kill_ev != NULL)
		event_free(c->kill_ev);
	c->child_ev = c->out_ev = c->kill_ev = NULL;
	if (c->pidfd != -1)
		close(c->pidfd);
	if (c->out_fd != -1)
		close(c->out_fd);
	c->pidfd = c->out_fd = -1;
}

static void
child_cb(evutil_socket_t fd, short what, void *arg)
{
	struct command *c = arg;
	char failure[3 * OUTPUT_MAX + 64], line[3 * OUTPUT_MAX];
	int status = 0;

	(void)fd;
	(void)what;
	pid_t r = waitpid(c->pid, &status, WNOHANG);
	if (r == 0 || (r == -1 && errno == EINTR))
		return;
	int e = errno;
	drain_output(c);
	release(c);
	const char *out = output_line(c, line);
	bool ok = false;
	if (r == -1)
		snprintf(failure, sizeof(failure), "waitpid: %s", strerror(e));
	else if (c->killed)
		snprintf(failure, sizeof(failure),
		         "no exit after %u ms, killed: %s", c->max_ms, out);
	else if (WIFSIGNALED(status))
		snprintf(failure, sizeof(failure), "killed by signal %d: %s",
		         WTERMSIG(status), out);
	else if (WEXITSTATUS(status) != 0)
		snprintf(failure, sizeof(failure), "exit status %d: %s",
		         WEXITSTATUS(status), out);
	else
		ok = true;
	/* Last: `done` may free the command. */
	c->done(c->arg, ok, ok ? out : failure);
}

static void
kill_cb(evutil_socket_t fd, short what, void *arg)
{
	struct command *c = arg;

	(void)fd;
	(void)what;
	/* child_cb reaps it and reports the failure. */
	c->killed = true;
	kill(c->pid, SIGKILL);
}

/* posix_spawnp the command, its stdout and stderr into `out`.  Returns
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

struct command *
command_run(struct event_base *base, char *const *argv, unsigned max_ms,
            command_done_fn *done, void *arg, char *why, size_t whylen)
{
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) == -1) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return NULL;
	}
	pid_t pid = spawn(argv, pfd[1], why, whylen);
	close(pfd[1]);
	if (pid == -1) {
		close(pfd[0]);
		return NULL;
	}
	struct command *c = xcalloc(1, sizeof(*c));
	c->done = done;
	c->arg = arg;
	c->max_ms = max_ms;
	c->pid = pid;
	c->out_fd = pfd[0];
	evutil_make_socket_nonblocking(c->out_fd);
	c->pidfd = -1;
#ifdef SYS_pidfd_open
	/* Readable when the child exits (Linux 5.3): no SIGCHLD handler,
	 * which would be the whole process's. */
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	c->out_ev = event_new(base, c->out_fd, EV_READ | EV_PERSIST, out_cb, c);
	c->child_ev =
	    event_new(base, c->pidfd,
	              EV_PERSIST | (c->pidfd != -1 ? EV_READ : 0), child_cb, c);
	c->kill_ev = evtimer_new(base, kill_cb, c);
	struct timeval poll = {0, CHILD_POLL_MS * 1000};
	struct timeval max = {(time_t)(max_ms / 1000),
	                      (suseconds_t)(max_ms % 1000) * 1000};
	if (c->out_ev == NULL || c->child_ev == NULL || c->kill_ev == NULL ||
	    event_add(c->out_ev, NULL) == -1 ||
	    event_add(c->child_ev, c->pidfd != -1 ? NULL : &poll) == -1 ||
	    event_add(c->kill_ev, &max) == -1) {
		/* Cannot watch it: stop it now rather than lose it. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		command_free(c);
		snprintf(why, whylen, "cannot watch it on the event loop");
		return NULL;
	}
	return c;
}

pid_t
command_pid(const struct command *c)
{
	return c->pid;
}

void
command_free(struct command *c)
{
	if (c == NULL)
		return;
	release(c);
	free(c);
}
