/* SPDX-License-Identifier: MIT */
/* tests/unit/test_control.c: the control socket (dnsd/control), in-process. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/control.h"
#include "dnsd/health.h"

struct fixture {
	char dir[64];
	char sock[128];
	char state[128];
	struct event_base *base;
	struct edge_set *edges;
	struct health *h;
	struct control *ctl;
	/* what the hooks saw and do */
	unsigned reloads;
	unsigned statuses;
	int reload_rc;
};

static const char edges_yaml[] = "edges:\n"
                                 "  lhr:\n"
                                 "    location: [51.47, -0.45]\n"
                                 "    addresses: 192.0.2.11\n"
                                 "  gru:\n"
                                 "    location: [-23.43, -46.47]\n"
                                 "    addresses: 198.51.100.31\n";

static int
hook_reload(void *arg, char *errs, size_t errlen)
{
	struct fixture *f = arg;

	f->reloads++;
	if (f->reload_rc == -1)
		snprintf(errs, errlen,
		         "zones/a.yaml:3:5: unknown key \"tll\"\n"
		         "zones/b.yaml:1:1: no such file");
	return f->reload_rc;
}

static void
hook_status(void *arg, struct evbuffer *out)
{
	struct fixture *f = arg;

	f->statuses++;
	evbuffer_add_printf(out, "generation: 7\n");
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct errbuf err;
	char path[160];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_control.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/dnsd.ctl", f->dir);
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	snprintf(path, sizeof(path), "%s/edges.yaml", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(edges_yaml, fp);
	fclose(fp);
	errbuf_init(&err);
	f->edges = edges_load(path, &err);
	assert_non_null(f->edges);
	errbuf_fini(&err);
	unlink(path);

	f->base = event_base_new();
	assert_non_null(f->base);
	f->h = health_new(f->state, 60000);
	assert_non_null(f->h);
	health_set_edges(f->h, f->edges, 1);
	struct control_hooks hooks = {
	    .reload = hook_reload, .status = hook_status, .arg = f};
	f->ctl = control_new(f->base, f->sock, f->h, &hooks);
	assert_non_null(f->ctl);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	control_free(f->ctl);
	health_free(f->h);
	edges_free(f->edges);
	event_base_free(f->base);
	unlink(f->sock);
	unlink(f->state);
	rmdir(f->dir);
	free(f);
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run the loop a little: accepts and reads need a few turns. */
static void
spin(struct event_base *base, unsigned turns)
{
	for (unsigned i = 0; i < turns; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(500);
	}
}

static int
client_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/*
 * Run the loop until the server closes `fd` (bounded: 5 s); returns the
 * response, new.  A reset after the data counts as the end: the server
 * closes without reading what follows the request line.
 */
static char *
collect(struct event_base *base, int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);
	uint64_t deadline = now_ms() + 5000;

	for (;;) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (cap - len < 1024) {
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		ssize_t n = recv(fd, buf + len, cap - len - 1, MSG_DONTWAIT);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n == 0 || errno == ECONNRESET)
			break;
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		assert_true(now_ms() < deadline);
		usleep(500);
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static char *
request_raw(struct fixture *f, const char *data, size_t len, bool half_close)
{
	int fd = client_connect(f->sock);

	if (len > 0)
		assert_int_equal(send(fd, data, len, MSG_NOSIGNAL),
		                 (ssize_t)len);
	if (half_close)
		shutdown(fd, SHUT_WR);
	return collect(f->base, fd);
}

static char *
request(struct fixture *f, const char *line)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s\n", line);
	return request_raw(f, buf, strlen(buf), false);
}

/* The last line of a response, without its "\n" (static buffer). */
static const char *
last_line(const char *resp)
{
	static char line[1024];
	size_t len = strlen(resp);

	if (len > 0 && resp[len - 1] == '\n')
		len--;
	size_t start = len;
	while (start > 0 && resp[start - 1] != '\n')
		start--;
	snprintf(line, sizeof(line), "%.*s", (int)(len - start), resp + start);
	return line;
}

struct row {
	char name[32], probed[16], override[16], effective[16];
	char report[32], change[32];
};

/* The edges-table row for `name`; fails the test if there is none. */
static void
find_row(const char *resp, const char *name, struct row *r)
{
	for (const char *p = resp; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t l = strlen(name);
		if (strncmp(p, name, l) == 0 && p[l] == ' ') {
			assert_int_equal(
			    sscanf(p, "%31s %15s %15s %15s %31s %31s", r->name,
			           r->probed, r->override, r->effective,
			           r->report, r->change),
			    6);
			return;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	fail_msg("no row for %s in:\n%s", name, resp);
}

static void
edges_table(void **state)
{
	struct fixture *f = *state;
	char *resp = request(f, "edges");
	struct row r;

	assert_string_equal(last_line(resp), "ok");
	assert_non_null(strstr(resp, "feed: no message yet"));
	assert_non_null(strstr(resp, "\nNAME  PROBED   OVERRIDE    EFFECTIVE  "
	                             "LAST REPORT           LAST CHANGE\n"));
	find_row(resp, "lhr", &r);
	assert_string_equal(r.probed, "unknown");
	assert_string_equal(r.override, "auto");
	assert_string_equal(r.effective, "up");
	assert_string_equal(r.report, "-");
	assert_string_equal(r.change, "-");
	find_row(resp, "gru", &r);
	assert_string_equal(r.effective, "up");
	/* inventory order */
	assert_true(strstr(resp, "\nlhr ") < strstr(resp, "\ngru "));
	free(resp);
}

static void
drain_and_auto(void **state)
{
	struct fixture *f = *state;
	struct row r;

	char *resp = request(f, "drain lhr");
	assert_string_equal(resp, "lhr: override drain, effective down\nok\n");
	free(resp);
	assert_int_equal(health_view(f->h)->usable[0], 0);
	assert_int_equal(health_view(f->h)->usable[1], 1);

	resp = request(f, "edges");
	assert_string_equal(last_line(resp), "ok");
	find_row(resp, "lhr", &r);
	assert_string_equal(r.override, "drain");
	assert_string_equal(r.effective, "down");
	/* ISO-8601 UTC: 2024-05-01T12:00:00Z */
	assert_int_equal(strlen(r.change), 20);
	assert_int_equal(r.change[10], 'T');
	assert_int_equal(r.change[19], 'Z');
	find_row(resp, "gru", &r);
	assert_string_equal(r.effective, "up");
	free(resp);

	/* extra blanks and a CRLF ending are fine */
	resp = request(f, "  auto\t lhr \r");
	assert_string_equal(resp, "lhr: override auto, effective up\nok\n");
	free(resp);
	assert_int_equal(health_view(f->h)->usable[0], 1);
	resp = request(f, "edges");
	find_row(resp, "lhr", &r);
	assert_string_equal(r.override, "auto");
	assert_string_equal(r.effective, "up");
	free(resp);
}

static void
force_up_and_down(void **state)
{
	struct fixture *f = *state;
	struct row r;

	char *resp = request(f, "force-down gru");
	assert_string_equal(resp, "gru: override force-down, effective down\n"
	                          "ok\n");
	free(resp);
	assert_int_equal(health_view(f->h)->usable[1], 0);
	resp = request(f, "force-up gru");
	assert_string_equal(resp, "gru: override force-up, effective up\nok\n");
	free(resp);
	resp = request(f, "edges");
	find_row(resp, "gru", &r);
	assert_string_equal(r.override, "force-up");
	assert_string_equal(r.effective, "up");
	free(resp);
	/* overrides are saved in the state file */
	struct stat st;
	assert_int_equal(stat(f->state, &st), 0);
}

static void
unknown_edge(void **state)
{
	struct fixture *f = *state;

	char *resp = request(f, "drain nope");
	assert_string_equal(resp, "error: no such edge \"nope\"\n");
	free(resp);
	assert_int_equal(health_view(f->h)->usable[0], 1);
}

static void
bad_requests(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[][2] = {
	    {"frobnicate", "error: unknown command \"frobnicate\""},
	    {"drain", "error: usage: drain NAME"},
	    {"drain lhr gru", "error: usage: drain NAME"},
	    {"edges now", "error: usage: edges"},
	    {"", "error: empty request"},
	    {"   ", "error: empty request"},
	    {"edges\x01", "error: request is not printable text"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *resp = request(f, bad[i][0]);
		/* one line: the verdict */
		assert_ptr_equal(strchr(resp, '\n'), resp + strlen(resp) - 1);
		assert_true(strncmp(resp, bad[i][1], strlen(bad[i][1])) == 0);
		free(resp);
	}
}

static void
line_limits(void **state)
{
	struct fixture *f = *state;
	char buf[CONTROL_LINE_MAX + 100];

	/* exactly the limit: parsed (and unknown) */
	memset(buf, 'x', CONTROL_LINE_MAX);
	buf[CONTROL_LINE_MAX] = '\n';
	char *resp = request_raw(f, buf, CONTROL_LINE_MAX + 1, false);
	assert_true(strncmp(resp, "error: unknown command", 22) == 0);
	free(resp);
	/* the limit plus "\r\n": still fine */
	buf[CONTROL_LINE_MAX] = '\r';
	buf[CONTROL_LINE_MAX + 1] = '\n';
	resp = request_raw(f, buf, CONTROL_LINE_MAX + 2, false);
	assert_true(strncmp(resp, "error: unknown command", 22) == 0);
	free(resp);
	/* one more */
	memset(buf, 'x', CONTROL_LINE_MAX + 1);
	buf[CONTROL_LINE_MAX + 1] = '\n';
	resp = request_raw(f, buf, CONTROL_LINE_MAX + 2, false);
	assert_string_equal(resp,
	                    "error: request line longer than 512 octets\n");
	free(resp);
	/* much more, no newline at all */
	memset(buf, 'y', sizeof(buf));
	resp = request_raw(f, buf, sizeof(buf), false);
	assert_string_equal(resp,
	                    "error: request line longer than 512 octets\n");
	free(resp);
}

static void
half_close_without_newline(void **state)
{
	struct fixture *f = *state;

	char *resp = request_raw(f, "edges", 5, true);
	assert_string_equal(last_line(resp), "ok");
	free(resp);
	/* connect and close at once: nothing to answer, nothing leaks */
	resp = request_raw(f, "", 0, true);
	assert_string_equal(resp, "");
	free(resp);
}

static void
socket_mode(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(lstat(f->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
}

static void
hooks_called(void **state)
{
	struct fixture *f = *state;

	char *resp = request(f, "reload");
	assert_string_equal(resp, "ok\n");
	assert_int_equal(f->reloads, 1);
	free(resp);

	f->reload_rc = -1;
	resp = request(f, "reload");
	assert_string_equal(resp, "zones/a.yaml:3:5: unknown key \"tll\"\n"
	                          "zones/b.yaml:1:1: no such file\n"
	                          "error: reload failed\n");
	assert_int_equal(f->reloads, 2);
	free(resp);

	resp = request(f, "status");
	assert_int_equal(f->statuses, 1);
	assert_true(strncmp(resp, "generation: 7\n", 14) == 0);
	assert_non_null(strstr(resp, "\nedges: 2, 2 usable\n"));
	assert_non_null(strstr(resp, "\nfeed: no message yet, fresh"));
	assert_string_equal(last_line(resp), "ok");
	free(resp);
}

static void
no_hooks(void **state)
{
	struct fixture *f = *state;

	control_free(f->ctl);
	f->ctl = control_new(f->base, f->sock, f->h, NULL);
	assert_non_null(f->ctl);
	char *resp = request(f, "reload");
	assert_string_equal(resp, "error: reload is not available\n");
	free(resp);
	resp = request(f, "status");
	assert_true(strncmp(resp, "edges: 2, 2 usable\n", 19) == 0);
	assert_string_equal(last_line(resp), "ok");
	free(resp);
	assert_int_equal(f->reloads, 0);
}

static void
socket_file_rules(void **state)
{
	struct fixture *f = *state;
	char other[160];
	struct stat st;

	/* a server already answers on the path: leave it alone */
	assert_null(control_new(f->base, f->sock, f->h, NULL));
	assert_int_equal(lstat(f->sock, &st), 0);
	char *resp = request(f, "edges");
	assert_string_equal(last_line(resp), "ok");
	free(resp);

	/* not a socket: refuse, keep the file */
	snprintf(other, sizeof(other), "%s/plain", f->dir);
	FILE *fp = fopen(other, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_null(control_new(f->base, other, f->h, NULL));
	assert_int_equal(lstat(other, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(other);

	/* a stale socket from a dead server: replaced */
	snprintf(other, sizeof(other), "%s/stale.ctl", f->dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	assert_true(strlen(other) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, other, strlen(other) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	struct control *c2 = control_new(f->base, other, f->h, NULL);
	assert_non_null(c2);
	int cfd = client_connect(other);
	assert_int_equal(send(cfd, "edges\n", 6, MSG_NOSIGNAL), 6);
	resp = collect(f->base, cfd);
	assert_string_equal(last_line(resp), "ok");
	free(resp);
	/* free removes the file it made */
	control_free(c2);
	assert_int_equal(lstat(other, &st), -1);
}

static void
client_cap(void **state)
{
	struct fixture *f = *state;
	int fds[CONTROL_MAX_CLIENTS];

	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		fds[i] = client_connect(f->sock);
	spin(f->base, 3 * CONTROL_MAX_CLIENTS);
	char *resp = request(f, "edges");
	assert_true(strncmp(resp, "error: too many control connections", 35) ==
	            0);
	free(resp);
	/* the idle ones finish; the slots come back */
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		close(fds[i]);
	spin(f->base, 3 * CONTROL_MAX_CLIENTS);
	resp = request(f, "edges");
	assert_string_equal(last_line(resp), "ok");
	free(resp);
}

static void
read_timeout(void **state)
{
	struct fixture *f = *state;
	uint64_t t0 = now_ms();

	int fd = client_connect(f->sock);
	assert_int_equal(send(fd, "edg", 3, MSG_NOSIGNAL), 3);
	char *resp = collect(f->base, fd);
	assert_string_equal(resp,
	                    "error: no complete request line within 2000 ms\n");
	free(resp);
	assert_true(now_ms() - t0 >= CONTROL_TIMEOUT_MS - 100);
}

static void
free_removes_socket(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	/* with a client still connected */
	int fd = client_connect(f->sock);
	spin(f->base, 10);
	control_free(f->ctl);
	f->ctl = NULL;
	assert_int_equal(lstat(f->sock, &st), -1);
	char c;
	assert_true(recv(fd, &c, 1, 0) <= 0);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(edges_table, setup, teardown),
	    cmocka_unit_test_setup_teardown(drain_and_auto, setup, teardown),
	    cmocka_unit_test_setup_teardown(force_up_and_down, setup, teardown),
	    cmocka_unit_test_setup_teardown(unknown_edge, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(line_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(half_close_without_newline, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(socket_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(hooks_called, setup, teardown),
	    cmocka_unit_test_setup_teardown(no_hooks, setup, teardown),
	    cmocka_unit_test_setup_teardown(socket_file_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(client_cap, setup, teardown),
	    cmocka_unit_test_setup_teardown(read_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(free_removes_socket, setup,
	                                    teardown),
	};

	/* quiet: the control and health notices are not test output */
	log_init("test_control", true, LOG_WARNING);
	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
