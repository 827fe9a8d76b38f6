/* SPDX-License-Identifier: MIT */
/* tests/unit/test_daemon.c: the daemons' shared command line and signals
 * (daemon/daemon). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "daemon/daemon.h"

/* What the callbacks saw. */
static struct {
	unsigned usage_out; /* calls with stdout */
	unsigned usage_err; /* calls with stderr */
	unsigned nopts;
	char opts[8][32]; /* "l=ARG" per call of opt() */
	unsigned reloads;
} seen;

static unsigned fail_on; /* opt() fails on this call (1-based); 0: never */

static void
usage(FILE *out)
{
	if (out == stdout)
		seen.usage_out++;
	else if (out == stderr)
		seen.usage_err++;
}

static int
opt(int ch, const char *arg, void *ctx)
{
	assert_ptr_equal(ctx, &seen);
	if (seen.nopts < 8)
		snprintf(seen.opts[seen.nopts], sizeof(seen.opts[0]), "%c=%s",
		         ch, arg != NULL ? arg : "(null)");
	seen.nopts++;
	return seen.nopts == fail_on ? -1 : 0;
}

static const struct daemon_cli plain = {.usage = usage};
static const struct daemon_cli with_l = {
    .usage = usage, .opts = "l:x", .opt = opt, .ctx = &seen};

/* Parse the NULL-terminated words (argv[0] first) with `cli`. */
static enum daemon_parse
parse(const struct daemon_cli *cli, struct daemon_args *out, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;

	memset(&seen, 0, sizeof(seen));
	va_start(ap, out);
	for (char *w; (w = va_arg(ap, char *)) != NULL && argc < 15;)
		argv[argc++] = w;
	va_end(ap);
	argv[argc] = NULL;
	return daemon_parse_args(cli, argc, argv, out);
}

static void
common_options(void **state)
{
	struct daemon_args a;

	(void)state;
	assert_int_equal(parse(&plain, &a, "d", "-c", "f.yaml", NULL),
	                 DAEMON_RUN);
	assert_string_equal(a.conf_path, "f.yaml");
	assert_null(a.user);
	assert_false(a.check);
	assert_int_equal(a.log_level, LOG_INFO);
	assert_int_equal(seen.usage_out + seen.usage_err, 0);

	assert_int_equal(parse(&plain, &a, "d", "-n", "-v", "-u", "nobody",
	                       "-cf.yaml", NULL),
	                 DAEMON_RUN);
	assert_string_equal(a.conf_path, "f.yaml");
	assert_string_equal(a.user, "nobody");
	assert_true(a.check);
	assert_int_equal(a.log_level, LOG_DEBUG);

	/* Bundled flags, and the last -c wins. */
	assert_int_equal(
	    parse(&plain, &a, "d", "-nv", "-c", "a", "-c", "b", NULL),
	    DAEMON_RUN);
	assert_true(a.check);
	assert_int_equal(a.log_level, LOG_DEBUG);
	assert_string_equal(a.conf_path, "b");
}

static void
help(void **state)
{
	struct daemon_args a;

	(void)state;
	assert_int_equal(parse(&plain, &a, "d", "--help", NULL), DAEMON_HELP);
	assert_int_equal(seen.usage_out, 1);
	assert_int_equal(seen.usage_err, 0);
	assert_int_equal(parse(&plain, &a, "d", "-h", NULL), DAEMON_HELP);
	assert_int_equal(seen.usage_out, 1);
	/* -h needs no -c; --help wins over what follows. */
	assert_int_equal(parse(&plain, &a, "d", "--help", "-q", NULL),
	                 DAEMON_HELP);
	assert_int_equal(parse(&plain, &a, "d", "-c", "f", "-h", NULL),
	                 DAEMON_HELP);
	assert_int_equal(seen.usage_out, 1);
}

static void
refused(void **state)
{
	struct daemon_args a;

	(void)state;
	/* -c is required. */
	assert_int_equal(parse(&plain, &a, "d", NULL), DAEMON_BAD);
	assert_int_equal(seen.usage_err, 1);
	assert_int_equal(seen.usage_out, 0);
	assert_int_equal(parse(&plain, &a, "d", "-n", NULL), DAEMON_BAD);
	assert_int_equal(seen.usage_err, 1);
	/* No operands. */
	assert_int_equal(parse(&plain, &a, "d", "-c", "f", "extra", NULL),
	                 DAEMON_BAD);
	assert_int_equal(seen.usage_err, 1);
	/* Unknown options, missing arguments, --help not first. */
	assert_int_equal(parse(&plain, &a, "d", "-c", "f", "-q", NULL),
	                 DAEMON_BAD);
	assert_int_equal(seen.usage_err, 1);
	assert_int_equal(parse(&plain, &a, "d", "-c", NULL), DAEMON_BAD);
	assert_int_equal(seen.usage_err, 1);
	assert_int_equal(parse(&plain, &a, "d", "-c", "f", "-u", NULL),
	                 DAEMON_BAD);
	assert_int_equal(parse(&plain, &a, "d", "-c", "f", "--help", NULL),
	                 DAEMON_BAD);
	assert_int_equal(seen.usage_err, 1);
	/* A program's option is unknown to the others. */
	assert_int_equal(parse(&plain, &a, "d", "-c", "f", "-l", "x", NULL),
	                 DAEMON_BAD);
	assert_int_equal(seen.usage_err, 1);
}

static void
program_options(void **state)
{
	struct daemon_args a;

	(void)state;
	assert_int_equal(parse(&with_l, &a, "d", "-l", "127.0.0.1:53", "-c",
	                       "f", "-x", "-l[::1]:53", "-n", NULL),
	                 DAEMON_RUN);
	assert_int_equal(seen.nopts, 3);
	assert_string_equal(seen.opts[0], "l=127.0.0.1:53");
	assert_string_equal(seen.opts[1], "x=(null)");
	assert_string_equal(seen.opts[2], "l=[::1]:53");
	assert_string_equal(a.conf_path, "f");
	assert_true(a.check);

	/* A refused value stops the parse, without the usage. */
	fail_on = 2;
	assert_int_equal(parse(&with_l, &a, "d", "-l", "a", "-l", "b", "-l",
	                       "c", "-c", "f", NULL),
	                 DAEMON_BAD);
	fail_on = 0;
	assert_int_equal(seen.nopts, 2);
	assert_int_equal(seen.usage_out + seen.usage_err, 0);

	/* The program's option still needs its argument. */
	assert_int_equal(parse(&with_l, &a, "d", "-c", "f", "-l", NULL),
	                 DAEMON_BAD);
	assert_int_equal(seen.nopts, 0);
	assert_int_equal(seen.usage_err, 1);
}

static void
reload(void *arg)
{
	assert_ptr_equal(arg, &seen);
	seen.reloads++;
}

/* Signals arrive as loop events: SIGHUP reloads, SIGTERM ends the loop. */
static void
signals(void **state)
{
	struct event_base *base = event_base_new();
	struct daemon_signals *s;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	assert_non_null(base);
	s = daemon_signals_new(base, "test.yaml", reload, &seen);
	assert_non_null(s);
	/* SIGPIPE is ignored: raising it does not end the test. */
	assert_int_equal(raise(SIGPIPE), 0);
	assert_int_equal(raise(SIGHUP), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(seen.reloads, 1);
	assert_false(event_base_got_break(base));
	assert_int_equal(raise(SIGTERM), 0);
	assert_int_equal(event_base_dispatch(base), 0);
	assert_true(event_base_got_break(base));
	assert_int_equal(seen.reloads, 1);
	daemon_signals_free(s);
	daemon_signals_free(NULL);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(common_options), cmocka_unit_test(help),
	    cmocka_unit_test(refused),        cmocka_unit_test(program_options),
	    cmocka_unit_test(signals),
	};

	/* getopt's complaints about the refused options are expected. */
	log_init("test_daemon", true, LOG_WARNING);
	return cmocka_run_group_tests_name("daemon", tests, NULL, NULL);
}
