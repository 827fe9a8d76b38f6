/* SPDX-License-Identifier: MIT */
/* tests/unit/test_health_feed.c: the health feed through real sockets and
 * a real event loop: Unix and keyed UDP receivers, dedupe by boot and seq,
 * staleness, and the socket file's rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/edges.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "dnsd/health.h"
#include "dnsd/steer.h"
#include "dnsd/health_feed.h"

static const uint8_t key1[] = "health-test-key-0123456789";
static const uint8_t key2[] = "health-test-key-0123456789x";
#define KEYLEN (sizeof(key1) - 1)

#define HISTORY 32

/* What the health state's change callback saw, in order. */
struct rec {
	struct health *h;
	unsigned calls;
	char seen[HISTORY][8]; /* usable as "101", per call */
};

struct fix {
	char dir[64];
	char sock[96];
	struct event_base *base;
	struct health *h;
	struct health_feed *feed;
	struct rec rec;
	struct netaddr udp;
	int cfd; /* client socket, AF_UNIX */
	int ufd; /* client socket, UDP; -1: none */
	struct sockaddr_in uaddr;
};

static const char *const three[] = {"lhr", "fra", "ams"};

static void
on_change(void *arg)
{
	struct rec *r = arg;
	const struct steer *st = health_steer(r->h);

	assert_true(st->n < sizeof(r->seen[0]));
	assert_true(r->calls < HISTORY);
	for (size_t i = 0; i < st->n; i++)
		r->seen[r->calls][i] = st->edge[i].share > 0 ? '1' : '0';
	r->seen[r->calls][st->n] = '\0';
	r->calls++;
}

/* The last callback's usable, "" before any. */
static const char *
last_seen(const struct rec *r)
{
	return r->calls ? r->seen[r->calls - 1] : "";
}

/* A health state with the three edges, its callback recording into r. */
static struct health *
mkhealth(struct rec *r, bool keep)
{
	struct edge_set set = {.n = 3};
	struct edge e[3];

	memset(e, 0, sizeof(e));
	for (size_t i = 0; i < 3; i++)
		snprintf(e[i].name, sizeof(e[i].name), "%s", three[i]);
	set.edge = e;
	memset(r, 0, sizeof(*r));
	r->h = health_new(NULL, keep);
	assert_non_null(r->h);
	health_set_edges(r->h, &set);
	health_on_change(r->h, on_change, r);
	return r->h;
}

/* Run the loop for `ms` milliseconds. */
static void
pump(struct fix *f, unsigned ms)
{
	struct timeval tv = {.tv_sec = ms / 1000,
	                     .tv_usec = (suseconds_t)(ms % 1000) * 1000};

	event_base_loopexit(f->base, &tv);
	event_base_dispatch(f->base);
}

static int
free_udp_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* The feed at f->sock (and on UDP with key1), reports to a new health
 * state with the three edges. */
static void
start(struct fix *f, unsigned stale_ms, bool udp, bool keep)
{
	const struct netaddr *ua = NULL;

	f->h = mkhealth(&f->rec, keep);
	if (udp) {
		char spec[32];
		int port = free_udp_port();
		snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
		assert_int_equal(netaddr_parse(spec, 0, &f->udp), 0);
		ua = &f->udp;
		f->uaddr.sin_family = AF_INET;
		f->uaddr.sin_port = htons((uint16_t)port);
		f->uaddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		f->ufd = socket(AF_INET, SOCK_DGRAM, 0);
		assert_true(f->ufd >= 0);
	}
	f->feed = health_feed_new(f->base, f->h, f->sock, ua, udp ? key1 : NULL,
	                          udp ? KEYLEN : 0, stale_ms);
	assert_non_null(f->feed);
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_health_feed.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/feed.sock", f->dir);
	f->base = event_base_new();
	f->cfd = socket(AF_UNIX, SOCK_DGRAM, 0);
	f->ufd = -1;
	if (f->base == NULL || f->cfd == -1)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	health_feed_free(f->feed);
	health_free(f->h);
	event_base_free(f->base);
	close(f->cfd);
	if (f->ufd != -1)
		close(f->ufd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	free(f);
	return system(cmd) == 0 ? 0 : -1;
}

/* The prober that build() names in its messages. */
static const char *prober = "p1";

/* "lhr up fra down" style list -> message; returns its length. */
static int
build(char *out, size_t cap, uint64_t boot, uint64_t seq, uint64_t when,
      const char *edges, const uint8_t *key, size_t keylen)
{
	static struct hmsg m;
	char copy[256], *save = NULL, *name, *st;

	memset(&m, 0, sizeof(m));
	snprintf(m.prober, sizeof(m.prober), "%s", prober);
	m.boot = boot;
	m.seq = seq;
	m.time = when;
	m.interval_ms = 1000;
	snprintf(copy, sizeof(copy), "%s", edges);
	for (name = strtok_r(copy, " ", &save); name != NULL;
	     name = strtok_r(NULL, " ", &save)) {
		st = strtok_r(NULL, " ", &save);
		assert_non_null(st);
		snprintf(m.edge[m.n].name, sizeof(m.edge[m.n].name), "%s",
		         name);
		m.edge[m.n++].state =
		    strcmp(st, "up") == 0 ? HMSG_UP : HMSG_DOWN;
	}
	return hmsg_encode(&m, key, keylen, out, cap);
}

static void
send_to_path(int fd, const char *path, const char *buf, size_t len)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(
	    sendto(fd, buf, len, 0, (struct sockaddr *)&sun, sizeof(sun)),
	    (ssize_t)len);
}

static void
send_unix_raw(struct fix *f, const char *buf, size_t len)
{
	send_to_path(f->cfd, f->sock, buf, len);
	pump(f, 20);
}

static void
send_unix(struct fix *f, uint64_t boot, uint64_t seq, const char *edges)
{
	char buf[4096];
	int n = build(buf, sizeof(buf), boot, seq, (uint64_t)time(NULL), edges,
	              NULL, 0);

	assert_true(n > 0);
	send_unix_raw(f, buf, (size_t)n);
}

static void
send_udp_raw(struct fix *f, const char *buf, size_t len)
{
	assert_int_equal(sendto(f->ufd, buf, len, 0,
	                        (struct sockaddr *)&f->uaddr, sizeof(f->uaddr)),
	                 (ssize_t)len);
	pump(f, 30);
}

/* What answers may use now, as "101". */
static const char *
usable(const struct health *h)
{
	static char s[8];
	const struct steer *st = health_steer(h);

	assert_true(st->n < sizeof(s));
	for (size_t i = 0; i < st->n; i++)
		s[i] = st->edge[i].share > 0 ? '1' : '0';
	s[st->n] = '\0';
	return s;
}

static struct health_edge_info
row(const struct health *h, size_t i)
{
	struct health_edge_info v[3];

	assert_int_equal(health_list(h, v, 3), 3);
	return v[i];
}

/* fd 2 into a file while the test looks at the log. */
static int saved_stderr = -1;

static void
capture_start(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

static void
capture_stop(const char *path, char *out, size_t cap)
{
	FILE *fp;
	size_t n;

	fflush(stderr);
	assert_int_equal(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(out, 1, cap - 1, fp);
	out[n] = '\0';
	fclose(fp);
}

/* ---- the Unix feed ------------------------------------------------------- */

static void
unix_feed_applied(void **state)
{
	struct fix *f = *state;
	struct health_feed_stats st;
	time_t t0 = time(NULL);

	start(f, 5000, false, false);
	assert_string_equal(usable(f->h), "111");
	health_feed_stats(f->feed, &st);
	assert_int_equal(st.accepted, 0);
	assert_int_equal(st.last_message, 0);
	assert_false(st.stale);

	/* ams is missing from the message: unknown, counts as up. */
	send_unix(f, 1, 1, "lhr up fra down");
	assert_int_equal(f->rec.calls, 1);
	assert_string_equal(last_seen(&f->rec), "101");
	assert_int_equal(row(f->h, 0).probed, HEALTH_UP);
	assert_int_equal(row(f->h, 1).probed, HEALTH_DOWN);
	assert_int_equal(row(f->h, 2).probed, HEALTH_UNKNOWN);
	assert_true(row(f->h, 0).last_report >= t0);

	/* The same states again: nothing to publish. */
	send_unix(f, 1, 2, "lhr up fra down");
	send_unix(f, 1, 3, "lhr up fra down zzz down");
	assert_int_equal(f->rec.calls, 1);
	/* fra comes back, lhr goes. */
	send_unix(f, 1, 4, "lhr down fra up ams up");
	assert_int_equal(f->rec.calls, 2);
	assert_string_equal(last_seen(&f->rec), "011");

	health_feed_stats(f->feed, &st);
	assert_int_equal(st.accepted, 4);
	assert_int_equal(st.dropped_old + st.dropped_bad + st.dropped_auth, 0);
	assert_true(st.last_message >= t0 && st.last_message <= time(NULL));
	assert_false(st.stale);
}

/* Undecodable datagrams are counted and change nothing. */
static void
unix_feed_undecodable(void **state)
{
	struct fix *f = *state;
	struct health_feed_stats st;
	char buf[4096];
	static char big[HMSG_MAX + 5000];

	start(f, 5000, false, false);
	send_unix(f, 1, 1, "fra down");
	assert_string_equal(usable(f->h), "101");

	send_unix_raw(f, "hello\n", 6);
	send_unix_raw(f, "", 0);
	/* A valid message with a byte flipped in an edge state. */
	int n = build(buf, sizeof(buf), 1, 2, (uint64_t)time(NULL), "fra up",
	              NULL, 0);
	assert_true(n > 0);
	char *p = strstr(buf, "fra up");
	assert_non_null(p);
	p[4] = 'X';
	send_unix_raw(f, buf, (size_t)n);
	/* Longer than any message can be. */
	memset(big, 'a', sizeof(big));
	send_unix_raw(f, big, sizeof(big));

	health_feed_stats(f->feed, &st);
	assert_int_equal(st.dropped_bad, 4);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.dropped_old + st.dropped_auth, 0);
	assert_string_equal(usable(f->h), "101");
	assert_int_equal(f->rec.calls, 1);

	/* The feed carries on: seq 2 was never taken. */
	send_unix(f, 1, 2, "fra up");
	assert_string_equal(usable(f->h), "111");
}

static void
dedupe(void **state)
{
	struct fix *f = *state;
	struct health_feed_stats st;
	char log[8192], logpath[160];

	start(f, 5000, false, false);
	send_unix(f, 0xaa, 5, "fra down");
	assert_string_equal(usable(f->h), "101");
	send_unix(f, 0xaa, 5, "fra up"); /* duplicate seq */
	send_unix(f, 0xaa, 4, "fra up"); /* older */
	assert_string_equal(usable(f->h), "101");
	health_feed_stats(f->feed, &st);
	assert_int_equal(st.dropped_old, 2);
	assert_int_equal(st.accepted, 1);

	/* edge-health restarted: a new boot, seq starts over; logged. */
	snprintf(logpath, sizeof(logpath), "%s/log", f->dir);
	log_init("test_health_feed", true, LOG_INFO);
	capture_start(logpath);
	send_unix(f, 0xbb, 1, "fra up lhr down");
	capture_stop(logpath, log, sizeof(log));
	log_init("test_health_feed", true, LOG_CRIT);
	assert_non_null(
	    strstr(log, "prober p1 restarted (boot 00000000000000bb)"));
	assert_string_equal(usable(f->h), "011");

	/* A late datagram from the old boot is not taken, whatever its
	 * seq. */
	send_unix(f, 0xaa, 6, "fra down");
	send_unix(f, 0xaa, 1000, "fra down");
	assert_string_equal(usable(f->h), "011");
	send_unix(f, 0xbb, 2, "fra up lhr up");
	assert_string_equal(usable(f->h), "111");
	health_feed_stats(f->feed, &st);
	assert_int_equal(st.accepted, 3);
	assert_int_equal(st.dropped_old, 4);

	/* Another restart: both earlier boots are retired. */
	send_unix(f, 0xcc, 1, "ams down");
	assert_string_equal(usable(f->h), "110");
	send_unix(f, 0xbb, 3, "ams up");
	send_unix(f, 0xaa, 1001, "ams up");
	assert_string_equal(usable(f->h), "110");
	send_unix(f, 0xcc, 2, "ams up");
	assert_string_equal(usable(f->h), "111");
	health_feed_stats(f->feed, &st);
	assert_int_equal(st.accepted, 5);
	assert_int_equal(st.dropped_old, 6);
	assert_int_equal(st.dropped_bad + st.dropped_auth, 0);
}

/* ---- the UDP feed -------------------------------------------------------- */

static void
udp_auth(void **state)
{
	struct fix *f = *state;
	struct health_feed_stats st;
	char buf[4096];
	uint64_t now = (uint64_t)time(NULL);
	int n;

	start(f, 5000, true, false);

	n = build(buf, sizeof(buf), 1, 1, now, "lhr down", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n);
	assert_string_equal(usable(f->h), "011");
	assert_int_equal(f->rec.calls, 1);

	n = build(buf, sizeof(buf), 1, 2, now, "lhr up", key2, KEYLEN + 1);
	send_udp_raw(f, buf, (size_t)n); /* wrong key */
	n = build(buf, sizeof(buf), 1, 3, now, "lhr up", NULL, 0);
	send_udp_raw(f, buf, (size_t)n); /* no mac */
	n = build(buf, sizeof(buf), 1, 4, now - 1000, "lhr up", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n); /* far in the past */
	n = build(buf, sizeof(buf), 1, 5, now + 1000, "lhr up", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n); /* far in the future */
	send_udp_raw(f, "dnsd-health 1\n", 14);
	assert_string_equal(usable(f->h), "011");
	assert_int_equal(f->rec.calls, 1);
	health_feed_stats(f->feed, &st);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.dropped_auth, 4);
	assert_int_equal(st.dropped_bad, 1);
	assert_int_equal(st.dropped_old, 0);

	/* A replay of the first message is old; a fresh one is taken. */
	n = build(buf, sizeof(buf), 1, 1, now, "lhr down", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n);
	n = build(buf, sizeof(buf), 1, 6, now, "lhr up", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n);
	assert_string_equal(usable(f->h), "111");
	health_feed_stats(f->feed, &st);
	assert_int_equal(st.dropped_old, 1);
	assert_int_equal(st.accepted, 2);

	/* The window is stale_after (5 s here): a sender's clock 3 s off is
	 * within it, 8 s off is not (the test may take a second more). */
	n = build(buf, sizeof(buf), 1, 7, now - 8, "fra down", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n);
	n = build(buf, sizeof(buf), 1, 8, now + 8, "fra down", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n);
	assert_string_equal(usable(f->h), "111");
	n = build(buf, sizeof(buf), 1, 9, now - 3, "fra down", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n);
	assert_string_equal(usable(f->h), "101");
	n = build(buf, sizeof(buf), 1, 10, now + 3, "fra up", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n);
	assert_string_equal(usable(f->h), "111");
	health_feed_stats(f->feed, &st);
	assert_int_equal(st.accepted, 4);
	assert_int_equal(st.dropped_auth, 6);

	/* The Unix socket needs no mac, and shares the dedupe state. */
	send_unix(f, 1, 10, "ams down");
	send_unix(f, 1, 11, "ams down");
	assert_string_equal(usable(f->h), "110");
	health_feed_stats(f->feed, &st);
	assert_int_equal(st.accepted, 5);
	assert_int_equal(st.dropped_old, 2);
	assert_int_equal(st.dropped_auth, 6);
}

/* More datagrams than one wakeup reads: every one is taken, in order. */
static void
udp_burst(void **state)
{
	enum { N = 100 };
	struct fix *f = *state;
	struct health_feed_stats st;
	char buf[4096];
	uint64_t now = (uint64_t)time(NULL);

	start(f, 5000, true, false);
	for (int i = 1; i <= N; i++) {
		int n = build(buf, sizeof(buf), 9, (uint64_t)i, now,
		              i == N ? "lhr down" : "lhr up", key1, KEYLEN);
		assert_int_equal(sendto(f->ufd, buf, (size_t)n, 0,
		                        (struct sockaddr *)&f->uaddr,
		                        sizeof(f->uaddr)),
		                 n);
	}
	pump(f, 100);
	health_feed_stats(f->feed, &st);
	assert_int_equal(st.accepted, N);
	assert_int_equal(st.dropped_old, 0);
	assert_string_equal(usable(f->h), "011");
}

static void
udp_needs_a_key(void **state)
{
	struct fix *f = *state;
	struct health *h = mkhealth(&f->rec, false);
	struct netaddr a;
	struct stat sb;

	assert_int_equal(netaddr_parse("127.0.0.1:53", 0, &a), 0);
	assert_null(health_feed_new(f->base, h, f->sock, &a, NULL, 0, 1000));
	assert_null(health_feed_new(f->base, h, f->sock, &a, key1, 0, 1000));
	{
		uint8_t big[HMSG_KEY_MAX + 1];
		memset(big, 'k', sizeof(big));
		assert_null(health_feed_new(f->base, h, f->sock, &a, big,
		                            sizeof(big), 1000));
	}
	/* Refused before anything was bound. */
	assert_int_equal(lstat(f->sock, &sb), -1);

	/* An address this host does not have: refused, and the Unix socket
	 * file made before it is gone again. */
	assert_int_equal(netaddr_parse("192.0.2.1:53", 0, &a), 0);
	assert_null(
	    health_feed_new(f->base, h, f->sock, &a, key1, KEYLEN, 1000));
	assert_int_equal(lstat(f->sock, &sb), -1);

	/* IPv6 works too (netaddr refuses port 0: the kernel picks one). */
	assert_int_equal(netaddr_parse("[::1]:53", 0, &a), 0);
	((struct sockaddr_in6 *)&a.ss)->sin6_port = 0;
	struct health_feed *feed =
	    health_feed_new(f->base, h, f->sock, &a, key1, KEYLEN, 1000);
	assert_non_null(feed);
	assert_int_equal(stat(f->sock, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0660);
	health_feed_free(feed);
	health_free(h);
	health_feed_free(NULL);
}

/* ---- staleness ----------------------------------------------------------- */

static void
stale(void **state)
{
	struct fix *f = *state;
	struct health_feed_stats st;

	start(f, 300, false, false);
	/* Silence is measured from the last message, not from the start. */
	pump(f, 200);
	send_unix(f, 1, 1, "lhr up fra down ams down");
	assert_string_equal(last_seen(&f->rec), "100");
	pump(f, 150);
	health_feed_stats(f->feed, &st);
	assert_false(st.stale);
	assert_int_equal(f->rec.calls, 1);
	pump(f, 400);
	health_feed_stats(f->feed, &st);
	assert_true(st.stale);
	/* The default policy: every edge counts as up, probed unknown. */
	assert_int_equal(f->rec.calls, 2);
	assert_string_equal(last_seen(&f->rec), "111");
	assert_int_equal(row(f->h, 1).probed, HEALTH_UNKNOWN);
	/* Staying silent: no more changes. */
	pump(f, 200);
	assert_int_equal(f->rec.calls, 2);

	/* The feed comes back with other states: they take effect at once,
	 * and the old report is never shown again on the way. */
	send_unix(f, 1, 2, "lhr up fra down ams up");
	health_feed_stats(f->feed, &st);
	assert_false(st.stale);
	assert_int_equal(st.accepted, 2);
	assert_int_equal(f->rec.calls, 3);
	assert_string_equal(last_seen(&f->rec), "101");
	assert_int_equal(row(f->h, 1).probed, HEALTH_DOWN);
}

/* The "keep" policy: the last reports stay in force. */
static void
stale_keep(void **state)
{
	struct fix *f = *state;
	struct health_feed_stats st;

	start(f, 300, false, true);
	send_unix(f, 1, 1, "lhr up fra down ams down");
	assert_string_equal(usable(f->h), "100");
	pump(f, 550);
	health_feed_stats(f->feed, &st);
	assert_true(st.stale);
	assert_string_equal(usable(f->h), "100");
	assert_int_equal(f->rec.calls, 1);
	assert_int_equal(row(f->h, 1).probed, HEALTH_DOWN);
	send_unix(f, 1, 2, "lhr up fra up ams down");
	health_feed_stats(f->feed, &st);
	assert_false(st.stale);
	assert_string_equal(usable(f->h), "110");
}

static void
never_heard_goes_stale(void **state)
{
	struct fix *f = *state;
	struct health_feed_stats st;

	start(f, 100, false, false);
	pump(f, 250);
	health_feed_stats(f->feed, &st);
	assert_true(st.stale);
	assert_int_equal(st.last_message, 0);
	/* Everything was up already: nothing to publish. */
	assert_int_equal(f->rec.calls, 0);
	assert_string_equal(usable(f->h), "111");
}

/* ---- the socket file ----------------------------------------------------- */

static void
socket_file_rules(void **state)
{
	struct fix *f = *state;
	struct rec r2;
	struct health *h2 = mkhealth(&r2, false);
	char path[160];
	struct stat sb;

	/* A regular file where the socket goes is not ours to remove. */
	snprintf(path, sizeof(path), "%s/file", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("x", fp);
	fclose(fp);
	assert_null(health_feed_new(f->base, h2, path, NULL, NULL, 0, 1000));
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_size, 1);

	/* A stale socket file (its server is gone) is replaced. */
	{
		int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->sock);
		assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)),
		                 0);
		close(fd);
	}
	start(f, 5000, false, false);
	assert_int_equal(stat(f->sock, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0660);
	send_unix(f, 1, 1, "lhr down");
	assert_string_equal(usable(f->h), "011");

	/* A live feed's socket: another server's, refused and kept. */
	assert_null(health_feed_new(f->base, h2, f->sock, NULL, NULL, 0, 1000));
	assert_int_equal(lstat(f->sock, &sb), 0);
	send_unix(f, 1, 2, "lhr up");
	assert_string_equal(usable(f->h), "111");
	assert_int_equal(r2.calls, 0);

	/* Free removes the file it made. */
	health_feed_free(f->feed);
	f->feed = NULL;
	assert_int_equal(lstat(f->sock, &sb), -1);
	health_free(h2);
}

/* A newer server bound its own socket at the path (ours had been removed
 * from under us): freeing ours must leave the newer one alone. */
static void
free_leaves_a_newer_servers_file(void **state)
{
	struct fix *f = *state;
	struct rec r2;
	struct health *h2 = mkhealth(&r2, false);
	struct stat sb;
	char buf[4096];

	start(f, 5000, false, false);
	assert_int_equal(unlink(f->sock), 0);
	struct health_feed *newer =
	    health_feed_new(f->base, h2, f->sock, NULL, NULL, 0, 5000);
	assert_non_null(newer);
	health_feed_free(f->feed);
	f->feed = NULL;
	assert_int_equal(lstat(f->sock, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));

	/* ... and the newer one still hears its prober. */
	int n = build(buf, sizeof(buf), 1, 1, (uint64_t)time(NULL), "ams down",
	              NULL, 0);
	send_unix_raw(f, buf, (size_t)n);
	assert_string_equal(usable(h2), "110");
	assert_int_equal(r2.calls, 1);
	assert_int_equal(f->rec.calls, 0);

	health_feed_free(newer);
	assert_int_equal(lstat(f->sock, &sb), -1);
	health_free(h2);
}

/* Several probers: each deduped on its own, and they vote. */
static void
several_probers(void **state)
{
	struct fix *f = *state;
	struct health_feed_stats st;
	char name[16];

	start(f, 5000, false, false);
	send_unix(f, 0xaa, 5, "fra down");
	assert_string_equal(usable(f->h), "101");
	/* Another prober's seq 1 is not "older" than p1's seq 5: taken,
	 * and with one vote each way, fra is up (a majority is needed). */
	prober = "p2";
	send_unix(f, 0xaa, 1, "fra up");
	assert_string_equal(usable(f->h), "111");
	/* A third one tips the vote. */
	prober = "p3";
	send_unix(f, 0xcc, 1, "fra down");
	assert_string_equal(usable(f->h), "101");
	send_unix(f, 0xcc, 1, "fra up"); /* its own duplicate */
	assert_string_equal(usable(f->h), "101");
	health_feed_stats(f->feed, &st);
	assert_int_equal(st.accepted, 3);
	assert_int_equal(st.dropped_old, 1);
	/* Past PROBERS_MAX, new names are dropped and counted. */
	for (int i = 0; i < PROBERS_MAX; i++) {
		snprintf(name, sizeof(name), "q%02d", i);
		prober = name;
		send_unix(f, 1, 1, "fra up");
	}
	prober = "p1";
	health_feed_stats(f->feed, &st);
	assert_int_equal(st.accepted, PROBERS_MAX);
	assert_int_equal(st.dropped_probers, 3);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(unix_feed_applied),
	    T(unix_feed_undecodable),
	    T(dedupe),
	    T(several_probers),
	    T(udp_auth),
	    T(udp_burst),
	    T(udp_needs_a_key),
	    T(stale),
	    T(stale_keep),
	    T(never_heard_goes_stale),
	    T(socket_file_rules),
	    T(free_leaves_a_newer_servers_file),
	};
#undef T

	/* quiet: the drops and transitions logged are expected */
	log_init("test_health_feed", true, LOG_CRIT);
	return cmocka_run_group_tests_name("health_feed", tests, NULL, NULL);
}
