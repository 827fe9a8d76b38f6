/* SPDX-License-Identifier: MIT */
/* tests/unit/test_control.c: the control socket's transport (dnsd/control)
 * on a real socket and event loop, with a handler that records what it is
 * given: one line per connection, limits, timeouts, the client cap, the
 * socket file's rules. */
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

#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/control.h"

/* What the handler was given last. */
struct seen {
	unsigned calls;
	int nword;
	char word[CONTROL_WORDS_MAX][CONTROL_LINE_MAX + 1];
	uid_t uid;
	pid_t pid;
};

struct fixture {
	char dir[64];
	char sock[96];
	struct event_base *base;
	struct control *ctl;
	struct seen seen;
};

/*
 * The handler: "big N" answers N octets of lines and "ok", "fail WHY" an
 * error, anything else "said: WORD|WORD|..." and "ok".
 */
static void
handler(void *arg, const struct control_request *req, struct evbuffer *out)
{
	struct seen *s = arg;

	s->calls++;
	s->nword = req->nword;
	s->uid = req->uid;
	s->pid = req->pid;
	assert_true(req->nword >= 1 && req->nword <= CONTROL_WORDS_MAX);
	for (int i = 0; i < req->nword; i++)
		snprintf(s->word[i], sizeof(s->word[i]), "%s", req->word[i]);
	if (strcmp(req->word[0], "big") == 0 && req->nword == 2) {
		size_t n = strtoul(req->word[1], NULL, 10);
		static const char line[] = "0123456789abcdef0123456789abcde\n";
		for (size_t o = 0; o < n; o += sizeof(line) - 1)
			evbuffer_add(out, line, sizeof(line) - 1);
		control_reply_ok(out);
		return;
	}
	if (strcmp(req->word[0], "fail") == 0) {
		control_reply_error(out, "handler says no: %s",
		                    req->nword > 1 ? req->word[1] : "-");
		return;
	}
	evbuffer_add_printf(out, "said: ");
	for (int i = 0; i < req->nword; i++)
		evbuffer_add_printf(out, "%s%s", i ? "|" : "", req->word[i]);
	evbuffer_add_printf(out, "\n");
	control_reply_ok(out);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_control.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/dnsd.ctl", f->dir);
	f->base = event_base_new();
	if (f->base == NULL)
		return -1;
	f->ctl = control_new(f->base, f->sock, handler, &f->seen);
	if (f->ctl == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	control_free(f->ctl);
	event_base_free(f->base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	free(f);
	return system(cmd) == 0 ? 0 : -1;
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
 * Run the loop until the server closes `fd` (bounded: 10 s); returns the
 * response, new, and its length in *lenp (may be NULL).  A reset after
 * the data counts as the end: the server closes without reading what
 * follows the request line.
 */
static char *
collect_len(struct event_base *base, int fd, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);
	uint64_t deadline = now_ms() + 10000;

	for (;;) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (cap - len < 65536) {
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
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static char *
collect(struct event_base *base, int fd)
{
	return collect_len(base, fd, NULL);
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

/* ---- what the handler gets ----------------------------------------------- */

static void
handler_gets_words_and_peer(void **state)
{
	struct fixture *f = *state;

	/* extra blanks and a CRLF ending are fine */
	char *resp = request(f, "  say\t hello  world \r");
	assert_string_equal(resp, "said: say|hello|world\nok\n");
	free(resp);
	assert_int_equal(f->seen.calls, 1);
	assert_int_equal(f->seen.nword, 3);
	assert_string_equal(f->seen.word[0], "say");
	assert_string_equal(f->seen.word[1], "hello");
	assert_string_equal(f->seen.word[2], "world");
	/* The peer is this process. */
	assert_int_equal(f->seen.uid, getuid());
	assert_int_equal(f->seen.pid, getpid());

	/* The handler's error is the response as it wrote it. */
	resp = request(f, "fail nope");
	assert_string_equal(resp, "error: handler says no: nope\n");
	free(resp);
	assert_int_equal(f->seen.calls, 2);
}

/* One request per connection: what follows the first line is ignored. */
static void
one_line_per_connection(void **state)
{
	struct fixture *f = *state;

	char *resp = request_raw(f, "first a\nsecond b\n", 17, false);
	assert_string_equal(resp, "said: first|a\nok\n");
	free(resp);
	assert_int_equal(f->seen.calls, 1);
	assert_int_equal(f->seen.nword, 2);
}

static void
word_limit(void **state)
{
	struct fixture *f = *state;

	char *resp = request(f, "w1 w2 w3 w4 w5 w6 w7 w8");
	assert_string_equal(resp, "said: w1|w2|w3|w4|w5|w6|w7|w8\nok\n");
	free(resp);
	assert_int_equal(f->seen.nword, CONTROL_WORDS_MAX);
	assert_int_equal(f->seen.calls, 1);
	resp = request(f, "w1 w2 w3 w4 w5 w6 w7 w8 w9");
	assert_string_equal(resp, "error: more than 8 words\n");
	free(resp);
	assert_int_equal(f->seen.calls, 1);
}

static void
bad_requests(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[][2] = {
	    {"", "error: empty request\n"},
	    {"   ", "error: empty request\n"},
	    {"\t \t", "error: empty request\n"},
	    {"say\x01", "error: request is not printable text\n"},
	    {"say \x1b[31m", "error: request is not printable text\n"},
	    {"say\x7f", "error: request is not printable text\n"},
	    {"say caf\xc3\xa9", "error: request is not printable text\n"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *resp = request(f, bad[i][0]);
		assert_string_equal(resp, bad[i][1]);
		free(resp);
	}
	/* None of them reached the handler. */
	assert_int_equal(f->seen.calls, 0);
	/* A NUL inside the line. */
	char *resp = request_raw(f, "say\0x\n", 6, false);
	assert_string_equal(resp, "error: request is not printable text\n");
	free(resp);
	assert_int_equal(f->seen.calls, 0);
	/* A tab is a blank, not a bad octet. */
	resp = request(f, "say\tx");
	assert_string_equal(resp, "said: say|x\nok\n");
	free(resp);
}

/* ---- limits -------------------------------------------------------------- */

static void
line_limits(void **state)
{
	struct fixture *f = *state;
	char buf[CONTROL_LINE_MAX + 100];

	/* exactly the limit: handed over whole */
	memset(buf, 'x', CONTROL_LINE_MAX);
	buf[CONTROL_LINE_MAX] = '\n';
	char *resp = request_raw(f, buf, CONTROL_LINE_MAX + 1, false);
	assert_string_equal(last_line(resp), "ok");
	free(resp);
	assert_int_equal(f->seen.calls, 1);
	assert_int_equal(strlen(f->seen.word[0]), CONTROL_LINE_MAX);
	/* the limit plus "\r\n": still fine */
	buf[CONTROL_LINE_MAX] = '\r';
	buf[CONTROL_LINE_MAX + 1] = '\n';
	resp = request_raw(f, buf, CONTROL_LINE_MAX + 2, false);
	assert_string_equal(last_line(resp), "ok");
	free(resp);
	assert_int_equal(f->seen.calls, 2);
	assert_int_equal(strlen(f->seen.word[0]), CONTROL_LINE_MAX);
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
	assert_int_equal(f->seen.calls, 2);
}

static void
half_close_without_newline(void **state)
{
	struct fixture *f = *state;

	char *resp = request_raw(f, "say hi", 6, true);
	assert_string_equal(resp, "said: say|hi\nok\n");
	free(resp);
	assert_int_equal(f->seen.calls, 1);
	/* connect and close at once: nothing to answer, nothing leaks */
	resp = request_raw(f, "", 0, true);
	assert_string_equal(resp, "");
	free(resp);
	assert_int_equal(f->seen.calls, 1);
}

static void
read_timeout(void **state)
{
	struct fixture *f = *state;
	uint64_t t0 = now_ms();

	int fd = client_connect(f->sock);
	assert_int_equal(send(fd, "sa", 2, MSG_NOSIGNAL), 2);
	spin(f->base, 20);
	/* Dribbling does not extend the deadline. */
	usleep(1000 * 1000);
	assert_int_equal(send(fd, "y", 1, MSG_NOSIGNAL), 1);
	char *resp = collect(f->base, fd);
	assert_string_equal(resp,
	                    "error: no complete request line within 2000 ms\n");
	free(resp);
	uint64_t took = now_ms() - t0;
	assert_true(took >= CONTROL_TIMEOUT_MS - 100);
	assert_true(took < CONTROL_TIMEOUT_MS + 800);
	assert_int_equal(f->seen.calls, 0);
}

static void
client_cap(void **state)
{
	struct fixture *f = *state;
	int fds[CONTROL_MAX_CLIENTS];

	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		fds[i] = client_connect(f->sock);
	spin(f->base, 3 * CONTROL_MAX_CLIENTS);
	char *resp = request(f, "say x");
	assert_string_equal(resp,
	                    "error: too many control connections, try again\n");
	free(resp);
	assert_int_equal(f->seen.calls, 0);
	/* the idle ones finish; the slots come back */
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		close(fds[i]);
	spin(f->base, 3 * CONTROL_MAX_CLIENTS);
	resp = request(f, "say x");
	assert_string_equal(resp, "said: say|x\nok\n");
	free(resp);
}

/* A response much larger than the socket buffers arrives whole. */
static void
large_response(void **state)
{
	struct fixture *f = *state;
	size_t len;

	int fd = client_connect(f->sock);
	assert_int_equal(send(fd, "big 4000000\n", 12, MSG_NOSIGNAL), 12);
	char *resp = collect_len(f->base, fd, &len);
	/* 125000 lines of 32 octets, then "ok\n" */
	assert_int_equal(len, 4000000 + 3);
	assert_string_equal(resp + 4000000, "ok\n");
	assert_memory_equal(resp + 32 * 77777,
	                    "0123456789abcdef0123456789abcde\n", 32);
	free(resp);
}

/* A client that does not take its response is dropped after the timeout,
 * and its slot comes back. */
static void
slow_reader_dropped(void **state)
{
	struct fixture *f = *state;
	size_t len;

	int fd = client_connect(f->sock);
	assert_int_equal(send(fd, "big 8000000\n", 12, MSG_NOSIGNAL), 12);
	uint64_t t0 = now_ms();
	while (now_ms() - t0 < CONTROL_TIMEOUT_MS + 500)
		spin(f->base, 10);
	char *resp = collect_len(f->base, fd, &len);
	assert_true(len > 0);
	assert_true(len < 8000000);
	free(resp);
	resp = request(f, "say x");
	assert_string_equal(resp, "said: say|x\nok\n");
	free(resp);
}

/* The response gets its own CONTROL_TIMEOUT_MS, from when the request is
 * complete: a client slow to ask is not cut off while it reads. */
static void
reply_has_its_own_timeout(void **state)
{
	struct fixture *f = *state;
	size_t len;

	int fd = client_connect(f->sock);
	uint64_t t0 = now_ms();
	while (now_ms() - t0 < CONTROL_TIMEOUT_MS * 3 / 4)
		spin(f->base, 10);
	assert_int_equal(send(fd, "big 8000000\n", 12, MSG_NOSIGNAL), 12);
	/* Past the request's deadline, within the response's. */
	while (now_ms() - t0 < CONTROL_TIMEOUT_MS * 5 / 4)
		spin(f->base, 10);
	char *resp = collect_len(f->base, fd, &len);
	assert_int_equal(len, 8000000 + 3);
	assert_string_equal(resp + 8000000, "ok\n");
	free(resp);
}

/* ---- the protocol without the socket ------------------------------------- */

/* Receive `data` into a fresh `l`, `chunk` octets per recv(), then a
 * half-close if still incomplete. */
static enum control_line_state
feed(struct control_line *l, const char *data, size_t len, size_t chunk)
{
	enum control_line_state st;
	size_t off = 0;

	memset(l, 0, sizeof(*l));
	do {
		size_t room, n = len - off < chunk ? len - off : chunk;
		char *at = control_line_space(l, &room);
		assert_true(room > 0);
		n = n < room ? n : room;
		memcpy(at, data + off, n);
		off += n;
		st = control_line_received(l, n);
	} while (st == CONTROL_LINE_MORE);
	return st;
}

/* What the socket's connections do, driven directly: the same lines and
 * responses in any chunks, no socket, no loop. */
static void
line_without_socket(void **state)
{
	struct fixture *f = *state;
	struct control_line l;
	struct evbuffer *out = evbuffer_new();
	char big[CONTROL_LINE_MAX + 10], text[256];

	for (size_t chunk = 1; chunk <= 64; chunk *= 4) {
		assert_int_equal(feed(&l, "say  hi\r\nnext\n", 14, chunk),
		                 CONTROL_LINE_DONE);
		assert_int_equal(l.end, 8);
		control_line_respond(&l, 7, 8, handler, &f->seen, out);
		int n = evbuffer_remove(out, text, sizeof(text) - 1);
		text[n] = '\0';
		assert_string_equal(text, "said: say|hi\nok\n");
		assert_int_equal(f->seen.uid, 7);
		assert_int_equal(f->seen.pid, 8);
	}
	/* a half-close ends the line; before any octet there is none */
	assert_int_equal(feed(&l, "say x", 5, 2), CONTROL_LINE_DONE);
	assert_int_equal(l.end, 5);
	assert_int_equal(feed(&l, "", 0, 1), CONTROL_LINE_NONE);
	/* full without a "\n" */
	memset(big, 'x', sizeof(big));
	assert_int_equal(feed(&l, big, sizeof(big), 100),
	                 CONTROL_LINE_TOO_LONG);
	control_line_respond(&l, 0, 0, handler, &f->seen, out);
	int n = evbuffer_remove(out, text, sizeof(text) - 1);
	text[n] = '\0';
	assert_string_equal(text,
	                    "error: request line longer than 512 octets\n");
	assert_int_equal(f->seen.calls, 4);
	evbuffer_free(out);
}

/* ---- the socket file ----------------------------------------------------- */

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
socket_file_rules(void **state)
{
	struct fixture *f = *state;
	struct seen other_seen = {0};
	char other[160];
	struct stat st;

	/* a server already answers on the path: leave it alone */
	assert_null(control_new(f->base, f->sock, handler, &other_seen));
	assert_int_equal(lstat(f->sock, &st), 0);
	char *resp = request(f, "say still");
	assert_string_equal(resp, "said: say|still\nok\n");
	free(resp);
	assert_int_equal(other_seen.calls, 0);

	/* not a socket: refuse, keep the file */
	snprintf(other, sizeof(other), "%s/plain", f->dir);
	FILE *fp = fopen(other, "w");
	assert_non_null(fp);
	fputs("keep me\n", fp);
	fclose(fp);
	assert_null(control_new(f->base, other, handler, &other_seen));
	assert_int_equal(lstat(other, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 8);
	unlink(other);

	/* a stale socket from a dead server: replaced */
	snprintf(other, sizeof(other), "%s/stale.ctl", f->dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	assert_true(strlen(other) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, other, strlen(other) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	struct control *c2 = control_new(f->base, other, handler, &other_seen);
	assert_non_null(c2);
	assert_int_equal(lstat(other, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	int cfd = client_connect(other);
	assert_int_equal(send(cfd, "say two\n", 8, MSG_NOSIGNAL), 8);
	resp = collect(f->base, cfd);
	assert_string_equal(resp, "said: say|two\nok\n");
	free(resp);
	/* each server's requests go to its own handler */
	assert_int_equal(other_seen.calls, 1);
	assert_int_equal(f->seen.calls, 1);
	/* free removes the file it made */
	control_free(c2);
	assert_int_equal(lstat(other, &st), -1);
	/* a path too long for a Unix socket */
	char longp[200];
	memset(longp, 'a', sizeof(longp));
	memcpy(longp, "/tmp/", 5);
	longp[sizeof(longp) - 1] = '\0';
	assert_null(control_new(f->base, longp, handler, &other_seen));
}

static void
free_removes_socket(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	/* with a client still connected, mid-request */
	int fd = client_connect(f->sock);
	assert_int_equal(send(fd, "sa", 2, MSG_NOSIGNAL), 2);
	spin(f->base, 10);
	control_free(f->ctl);
	f->ctl = NULL;
	assert_int_equal(lstat(f->sock, &st), -1);
	char c;
	assert_true(recv(fd, &c, 1, 0) <= 0);
	close(fd);
	assert_int_equal(f->seen.calls, 0);
}

/* A newer server bound its own socket at the path (ours had been removed
 * from under us): freeing ours must leave the newer one alone. */
static void
free_leaves_a_newer_servers_file(void **state)
{
	struct fixture *f = *state;
	struct seen newer_seen = {0};
	struct stat st;

	assert_int_equal(unlink(f->sock), 0);
	struct control *newer =
	    control_new(f->base, f->sock, handler, &newer_seen);
	assert_non_null(newer);
	control_free(f->ctl);
	f->ctl = NULL;
	assert_int_equal(lstat(f->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	char *resp = request(f, "say newer");
	assert_string_equal(resp, "said: say|newer\nok\n");
	free(resp);
	assert_int_equal(newer_seen.calls, 1);
	assert_int_equal(f->seen.calls, 0);
	control_free(newer);
	assert_int_equal(lstat(f->sock, &st), -1);
	control_free(NULL);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(handler_gets_words_and_peer),
	    T(one_line_per_connection),
	    T(word_limit),
	    T(bad_requests),
	    T(line_limits),
	    T(half_close_without_newline),
	    T(read_timeout),
	    T(client_cap),
	    T(large_response),
	    T(slow_reader_dropped),
	    T(reply_has_its_own_timeout),
	    T(line_without_socket),
	    T(socket_mode),
	    T(socket_file_rules),
	    T(free_removes_socket),
	    T(free_leaves_a_newer_servers_file),
	};
#undef T

	/* quiet: the refusals logged are expected */
	log_init("test_control", true, LOG_CRIT);
	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
