/* SPDX-License-Identifier: MIT */
/* tests/unit/test_eh_command.c: child processes run from the event loop
 * (edge-health/command), with real commands. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "common/clock.h"
#include "edge-health/command.h"

struct result {
	struct event_base *base;
	struct command *c;
	unsigned calls;
	bool ok;
	char what[2048];
};

static void
command_done(void *arg, bool ok, const char *what)
{
	struct result *r = arg;

	r->calls++;
	r->ok = ok;
	snprintf(r->what, sizeof(r->what), "%s", what);
	command_free(r->c); /* as callers do: it is over */
	r->c = NULL;
	event_base_loopbreak(r->base);
}

/* Run the loop until `done` breaks it, or for `ms` at most; each test
 * has a base of its own, freed after, so the exit never outlives it. */
static void
dispatch_for(struct event_base *base, unsigned ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* Run `argv` (killed after `max_ms`) to its end, at most 5 s. */
static void
run(struct result *r, char *const *argv, unsigned max_ms)
{
	char why[256];

	memset(r, 0, sizeof(*r));
	r->base = event_base_new();
	assert_non_null(r->base);
	r->c = command_run(r->base, argv, max_ms, command_done, r, why,
	                   sizeof(why));
	if (r->c == NULL)
		fail_msg("%s: %s", argv[0], why);
	assert_int_equal(r->calls, 0); /* from the loop only */
	dispatch_for(r->base, 5000);
	assert_int_equal(r->calls, 1);
	event_base_free(r->base);
}

/* A NULL-terminated argv of copies (posix_spawn takes char *), valid
 * until the next call. */
static char *const *
argv_of(const char *arg, ...)
{
	static char text[8][512];
	static char *argv[9];
	va_list ap;
	size_t n = 0;

	va_start(ap, arg);
	for (; arg != NULL && n < 8; arg = va_arg(ap, const char *)) {
		snprintf(text[n], sizeof(text[n]), "%s", arg);
		argv[n] = text[n];
		n++;
	}
	va_end(ap);
	argv[n] = NULL;
	return argv;
}
#define ARGV(...) argv_of(__VA_ARGS__, (const char *)NULL)

static void
exit_status(void **state)
{
	struct result r;

	(void)state;
	run(&r, ARGV("true"), 5000);
	assert_true(r.ok);
	assert_string_equal(r.what, "no output");

	run(&r, ARGV("false"), 5000);
	assert_false(r.ok);
	assert_string_equal(r.what, "exit status 1: no output");

	run(&r, ARGV("sh", "-c", "echo 'no such socket' >&2; exit 3"), 5000);
	assert_false(r.ok);
	assert_string_equal(r.what, "exit status 3: no such socket");

	run(&r, ARGV("sh", "-c", "kill -TERM $$"), 5000);
	assert_false(r.ok);
	assert_string_equal(r.what, "killed by signal 15: no output");
}

/* stdout and stderr, on one line: lines joined, control characters
 * blanked, trailing new lines dropped. */
static void
output_on_one_line(void **state)
{
	struct result r;

	(void)state;
	run(&r,
	    ARGV("sh", "-c",
	         "echo 'BIRD 2.0.12 ready.'; echo Reconfigured >&2; "
	         "printf 'a\\tb\\n\\n'"),
	    5000);
	assert_true(r.ok);
	assert_string_equal(r.what, "BIRD 2.0.12 ready. | Reconfigured | a b");
}

/* Only the first KiB is kept; the rest is read and dropped, so the
 * command never blocks on a full pipe. */
static void
output_is_bounded(void **state)
{
	struct result r;

	(void)state;
	run(&r, ARGV("sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x"),
	    5000);
	assert_true(r.ok);
	assert_int_equal(strlen(r.what), 1023);
	assert_int_equal(strspn(r.what, "x"), 1023);
}

/* stdin is /dev/null, and none of our descriptors but 1 and 2 reach it,
 * close-on-exec or not. */
static void
nothing_inherited(void **state)
{
	struct result r;
	char script[128];
	int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC */

	(void)state;
	assert_true(fd > 2);
	run(&r, ARGV("cat"), 5000);
	assert_true(r.ok);
	assert_string_equal(r.what, "no output");

	snprintf(script, sizeof(script),
	         "if [ -e /proc/$$/fd/%d ]; then echo leaked; fi", fd);
	run(&r, ARGV("sh", "-c", script), 5000);
	assert_string_equal(r.what, "no output");
	close(fd);
}

static void
killed_after_max(void **state)
{
	struct result r;

	(void)state;
	uint64_t t0 = clock_ms();
	run(&r, ARGV("sleep", "10"), 100);
	uint64_t took = clock_ms() - t0;
	assert_false(r.ok);
	assert_string_equal(r.what, "no exit after 100 ms, killed: no output");
	/* Not before the bound (libevent's clock may run a few ms early). */
	assert_true(took >= 90 && took < 2000);
}

static void
cannot_run(void **state)
{
	struct result r = {0};
	char why[256];

	(void)state;
	r.base = event_base_new();
	assert_non_null(r.base);
	r.c = command_run(r.base, ARGV("/nonexistent/birdc"), 5000,
	                  command_done, &r, why, sizeof(why));
	assert_null(r.c);
	assert_string_equal(why, "cannot run it: No such file or directory");
	dispatch_for(r.base, 50);
	assert_int_equal(r.calls, 0);
	event_base_free(r.base);
}

/* command_free leaves a running command alone, and reports nothing. */
static void
free_leaves_it_running(void **state)
{
	struct result r = {0};
	char why[256];
	int status;

	(void)state;
	r.base = event_base_new();
	assert_non_null(r.base);
	r.c = command_run(r.base, ARGV("sleep", "10"), 50, command_done, &r,
	                  why, sizeof(why));
	assert_non_null(r.c);
	pid_t pid = command_pid(r.c);
	command_free(r.c);
	dispatch_for(r.base, 200); /* past its bound */
	assert_int_equal(r.calls, 0);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still runs */
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	event_base_free(r.base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(exit_status),
	    cmocka_unit_test(output_on_one_line),
	    cmocka_unit_test(output_is_bounded),
	    cmocka_unit_test(nothing_inherited),
	    cmocka_unit_test(killed_after_max),
	    cmocka_unit_test(cannot_run),
	    cmocka_unit_test(free_leaves_it_running),
	};
	return cmocka_run_group_tests_name("eh_command", tests, NULL, NULL);
}
