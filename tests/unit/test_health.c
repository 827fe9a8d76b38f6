/* SPDX-License-Identifier: MIT */
/* tests/unit/test_health.c: dnsd's health state driven through real
 * sockets and a real event loop: feed, dedupe, auth, staleness, overrides
 * and their state file, and the views handed to workers. */
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

static const uint8_t key1[] = "health-test-key-0123456789";
static const uint8_t key2[] = "health-test-key-0123456789x";
#define KEYLEN (sizeof(key1) - 1)

/* What the on_change callback saw last. */
struct seen {
	unsigned calls;
	unsigned generation;
	size_t n;
	uint8_t usable[16];
};

struct fix {
	char dir[64];
	char sock[96];
	char state[128];
	struct netaddr udp;
	struct event_base *base;
	struct health *h;
	struct seen seen;
	int cfd; /* client socket, AF_UNIX */
	int ufd; /* client socket, UDP */
	struct sockaddr_in uaddr;
	uint64_t seq;
};

static void
on_change(struct health_view *v, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->generation = v->generation;
	s->n = v->n;
	memcpy(s->usable, v->usable, v->n < 16 ? v->n : 16);
	/* Take and drop a reference, as a worker handoff would. */
	health_view_ref(v);
	health_view_unref(v);
}

static struct edge_set *
mkedges(const char *const *names, size_t n)
{
	struct edge_set *set = calloc(1, sizeof(*set));

	set->edge = calloc(n, sizeof(*set->edge));
	set->n = n;
	for (size_t i = 0; i < n; i++)
		snprintf(set->edge[i].name, sizeof(set->edge[i].name), "%s",
		         names[i]);
	return set;
}

static void
freeedges(struct edge_set *set)
{
	free(set->edge);
	free(set);
}

static const char *const three[] = {"lhr", "fra", "ams"};

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

static void
fix_start(struct fix *f, unsigned stale_ms, bool udp)
{
	const struct netaddr *udp_addr = NULL;
	char spec[32];

	f->base = event_base_new();
	assert_non_null(f->base);
	f->h = health_new(f->state, stale_ms);
	assert_non_null(f->h);
	health_on_change(f->h, on_change, &f->seen);
	if (udp) {
		int port = free_udp_port();
		snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
		assert_int_equal(netaddr_parse(spec, 0, &f->udp), 0);
		udp_addr = &f->udp;
		f->uaddr.sin_family = AF_INET;
		f->uaddr.sin_port = htons((uint16_t)port);
		f->uaddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		f->ufd = socket(AF_INET, SOCK_DGRAM, 0);
		assert_true(f->ufd >= 0);
	}
	assert_int_equal(health_listen(f->h, f->base, f->sock, udp_addr,
	                               udp ? key1 : NULL, udp ? KEYLEN : 0),
	                 0);
	f->cfd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(f->cfd >= 0);
}

static void
fix_stop(struct fix *f)
{
	health_free(f->h);
	f->h = NULL;
	event_base_free(f->base);
	f->base = NULL;
	close(f->cfd);
	if (f->ufd > 0)
		close(f->ufd);
	f->ufd = 0;
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_health.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/feed.sock", f->dir);
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	f->seq = 1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char path[160];

	if (f->h != NULL)
		fix_stop(f);
	unlink(f->sock);
	unlink(f->state);
	snprintf(path, sizeof(path), "%s.tmp", f->state);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* "lhr up fra down" style list -> message; returns its length. */
static int
build(char *out, size_t cap, uint64_t boot, uint64_t seq, uint64_t when,
      const char *edges, const uint8_t *key, size_t keylen)
{
	static struct hmsg m;
	char copy[256], *save = NULL, *name, *st;

	memset(&m, 0, sizeof(m));
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
send_unix_raw(struct fix *f, const char *buf, size_t len)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->sock);
	assert_int_equal(
	    sendto(f->cfd, buf, len, 0, (struct sockaddr *)&sun, sizeof(sun)),
	    (ssize_t)len);
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

static void
assert_usable(const struct fix *f, uint8_t a, uint8_t b, uint8_t c)
{
	assert_int_equal(f->seen.n, 3);
	assert_int_equal(f->seen.usable[0], a);
	assert_int_equal(f->seen.usable[1], b);
	assert_int_equal(f->seen.usable[2], c);
	/* The callback's view is the current one. */
	assert_memory_equal(health_view(f->h)->usable, f->seen.usable, 3);
}

static void
feed_states(void **state)
{
	struct fix *f = *state;
	struct edge_set *set = mkedges(three, 3);
	struct health_edge_info info[4];
	struct health_feed_stats st;
	unsigned calls;

	fix_start(f, 5000, false);
	assert_null(health_view(f->h));
	health_set_edges(f->h, set, 1);
	assert_int_equal(f->seen.calls, 1);
	assert_int_equal(f->seen.generation, 1);
	assert_usable(f, 1, 1, 1);

	/* ams is missing from the message: unknown, counts as up. */
	send_unix(f, 1, 1, "lhr up fra down");
	assert_int_equal(f->seen.calls, 2);
	assert_usable(f, 1, 0, 1);
	assert_int_equal(health_list(f->h, info, 4), 3);
	assert_string_equal(info[0].name, "lhr");
	assert_int_equal(info[0].probed, HEALTH_UP);
	assert_int_equal(info[1].probed, HEALTH_DOWN);
	assert_int_equal(info[2].probed, HEALTH_UNKNOWN);
	assert_true(info[0].last_report != 0);
	assert_int_equal(info[2].last_report, 0);
	assert_false(info[1].usable);
	assert_true(info[1].last_change != 0);
	assert_int_equal(info[0].last_change, 0);
	assert_int_equal(health_list(f->h, info, 2), 2);

	/* The same states again: no new view. */
	calls = f->seen.calls;
	send_unix(f, 1, 2, "lhr up fra down");
	assert_int_equal(f->seen.calls, calls);
	/* A report naming unknown edges changes nothing either. */
	send_unix(f, 1, 3, "lhr up fra down zzz down");
	assert_int_equal(f->seen.calls, calls);
	/* fra comes back, lhr goes. */
	send_unix(f, 1, 4, "lhr down fra up ams up");
	assert_int_equal(f->seen.calls, calls + 1);
	assert_usable(f, 0, 1, 1);

	health_feed_stats(f->h, &st);
	assert_int_equal(st.accepted, 4);
	assert_int_equal(st.dropped_old + st.dropped_bad + st.dropped_auth, 0);
	assert_true(st.last_message != 0);
	assert_false(st.stale);

	/* Garbage is counted and dropped. */
	send_unix_raw(f, "hello\n", 6);
	send_unix_raw(f, "", 0);
	health_feed_stats(f->h, &st);
	assert_int_equal(st.dropped_bad, 2);
	assert_usable(f, 0, 1, 1);
	freeedges(set);
}

static void
dedupe(void **state)
{
	struct fix *f = *state;
	struct edge_set *set = mkedges(three, 3);
	struct health_feed_stats st;

	fix_start(f, 5000, false);
	health_set_edges(f->h, set, 1);
	send_unix(f, 0xaa, 5, "fra down");
	assert_usable(f, 1, 0, 1);
	send_unix(f, 0xaa, 5, "fra up"); /* duplicate seq */
	send_unix(f, 0xaa, 4, "fra up"); /* older */
	assert_usable(f, 1, 0, 1);
	health_feed_stats(f->h, &st);
	assert_int_equal(st.dropped_old, 2);
	assert_int_equal(st.accepted, 1);

	/* edge-health restarted: new boot, seq starts over. */
	send_unix(f, 0xbb, 1, "fra up lhr down");
	assert_usable(f, 0, 1, 1);
	/* A late datagram from the old boot is not taken. */
	send_unix(f, 0xaa, 6, "fra down");
	assert_usable(f, 0, 1, 1);
	send_unix(f, 0xbb, 2, "fra up lhr up");
	assert_usable(f, 1, 1, 1);
	health_feed_stats(f->h, &st);
	assert_int_equal(st.accepted, 3);
	assert_int_equal(st.dropped_old, 3);
	freeedges(set);
}

static void
udp_auth(void **state)
{
	struct fix *f = *state;
	struct edge_set *set = mkedges(three, 3);
	struct health_feed_stats st;
	char buf[4096];
	uint64_t now = (uint64_t)time(NULL);
	int n;

	fix_start(f, 2000, true);
	health_set_edges(f->h, set, 1);

	n = build(buf, sizeof(buf), 1, 1, now, "lhr down", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n);
	assert_usable(f, 0, 1, 1);

	n = build(buf, sizeof(buf), 1, 2, now, "lhr up", key2, KEYLEN + 1);
	send_udp_raw(f, buf, (size_t)n); /* wrong key */
	n = build(buf, sizeof(buf), 1, 3, now, "lhr up", NULL, 0);
	send_udp_raw(f, buf, (size_t)n); /* no mac */
	n = build(buf, sizeof(buf), 1, 4, now - 1000, "lhr up", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n); /* far in the past */
	n = build(buf, sizeof(buf), 1, 5, now + 1000, "lhr up", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n); /* far in the future */
	send_udp_raw(f, "dnsd-health 1\n", 14);
	assert_usable(f, 0, 1, 1);
	health_feed_stats(f->h, &st);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.dropped_auth, 4);
	assert_int_equal(st.dropped_bad, 1);

	/* A replay of the first message is old; a fresh one is taken. */
	n = build(buf, sizeof(buf), 1, 1, now, "lhr down", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n);
	n = build(buf, sizeof(buf), 1, 6, now, "lhr up", key1, KEYLEN);
	send_udp_raw(f, buf, (size_t)n);
	assert_usable(f, 1, 1, 1);
	health_feed_stats(f->h, &st);
	assert_int_equal(st.dropped_old, 1);

	/* The Unix socket needs no mac, and shares the dedupe state. */
	send_unix(f, 1, 6, "ams down");
	send_unix(f, 1, 7, "ams down");
	assert_usable(f, 1, 1, 0);
	health_feed_stats(f->h, &st);
	assert_int_equal(st.accepted, 3);
	assert_int_equal(st.dropped_old, 2);
	freeedges(set);
}

static void
stale(void **state)
{
	struct fix *f = *state;
	struct edge_set *set = mkedges(three, 3);
	struct health_feed_stats st;
	struct health_edge_info info[3];

	fix_start(f, 300, false);
	health_set_edges(f->h, set, 1);
	send_unix(f, 1, 1, "lhr up fra down ams down");
	assert_usable(f, 1, 0, 0);
	pump(f, 150);
	health_feed_stats(f->h, &st);
	assert_false(st.stale);
	pump(f, 400);
	health_feed_stats(f->h, &st);
	assert_true(st.stale);
	assert_usable(f, 1, 1, 1);
	health_list(f->h, info, 3);
	assert_int_equal(info[1].probed, HEALTH_UNKNOWN);

	/* The feed comes back. */
	send_unix(f, 1, 2, "lhr up fra down ams up");
	health_feed_stats(f->h, &st);
	assert_false(st.stale);
	assert_usable(f, 1, 0, 1);
	freeedges(set);
}

/* The "keep" stale policy: the last reports stay in force. */
static void
stale_keep(void **state)
{
	struct fix *f = *state;
	struct edge_set *set = mkedges(three, 3);
	struct health_feed_stats st;
	struct health_edge_info info[3];

	fix_start(f, 300, false);
	health_set_stale_keep(f->h, true);
	health_set_edges(f->h, set, 1);
	send_unix(f, 1, 1, "lhr up fra down ams down");
	assert_usable(f, 1, 0, 0);
	pump(f, 550);
	health_feed_stats(f->h, &st);
	assert_true(st.stale);
	assert_usable(f, 1, 0, 0);
	health_list(f->h, info, 3);
	assert_int_equal(info[1].probed, HEALTH_DOWN);
	/* switching to the default policy while stale: all up at once */
	health_set_stale_keep(f->h, false);
	assert_usable(f, 1, 1, 1);
	freeedges(set);
}

static void
never_heard_goes_stale(void **state)
{
	struct fix *f = *state;
	struct edge_set *set = mkedges(three, 3);
	struct health_feed_stats st;
	unsigned calls;

	fix_start(f, 100, false);
	health_set_edges(f->h, set, 1);
	calls = f->seen.calls;
	pump(f, 250);
	health_feed_stats(f->h, &st);
	assert_true(st.stale);
	assert_int_equal(st.last_message, 0);
	/* Everything was up already: no new view. */
	assert_int_equal(f->seen.calls, calls);
	freeedges(set);
}

static void
read_file(const char *path, char *out, size_t cap)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(out, 1, cap - 1, fp);
	out[n] = '\0';
	fclose(fp);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
overrides(void **state)
{
	struct fix *f = *state;
	struct edge_set *set = mkedges(three, 3);
	struct health_edge_info info[3];
	struct stat sb;
	char text[512];
	unsigned calls;

	fix_start(f, 5000, false);
	health_set_edges(f->h, set, 1);
	send_unix(f, 1, 1, "lhr up fra down ams up");
	assert_usable(f, 1, 0, 1);

	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_DRAIN), 0);
	assert_usable(f, 0, 0, 1);
	assert_int_equal(health_set_override(f->h, "ams", HEALTH_FORCE_DOWN),
	                 0);
	assert_usable(f, 0, 0, 0);
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_FORCE_UP), 0);
	assert_usable(f, 0, 1, 0);
	health_list(f->h, info, 3);
	assert_int_equal(info[0].override, HEALTH_DRAIN);
	assert_int_equal(info[1].override, HEALTH_FORCE_UP);
	assert_int_equal(info[1].probed, HEALTH_DOWN);
	assert_true(info[1].usable);

	/* Setting what is already set changes no view. */
	calls = f->seen.calls;
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_DRAIN), 0);
	assert_int_equal(f->seen.calls, calls);
	assert_int_equal(health_set_override(f->h, "nope", HEALTH_DRAIN), -1);
	assert_int_equal(f->seen.calls, calls);

	assert_int_equal(stat(f->state, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	read_file(f->state, text, sizeof(text));
	assert_non_null(strstr(text, "lhr drain\n"));
	assert_non_null(strstr(text, "ams force-down\n"));
	assert_non_null(strstr(text, "fra force-up\n"));

	/* A restart keeps them. */
	fix_stop(f);
	memset(&f->seen, 0, sizeof(f->seen));
	fix_start(f, 5000, false);
	health_set_edges(f->h, set, 2);
	assert_usable(f, 0, 1, 0);

	/* Back to auto: probes rule again (nothing heard: all up). */
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_AUTO), 0);
	assert_int_equal(health_set_override(f->h, "ams", HEALTH_AUTO), 0);
	assert_usable(f, 0, 1, 1);
	send_unix(f, 2, 1, "lhr up fra down ams up");
	assert_usable(f, 0, 0, 1);
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_AUTO), 0);
	assert_usable(f, 1, 0, 1);
	read_file(f->state, text, sizeof(text));
	assert_null(strstr(text, "lhr"));
	freeedges(set);
}

static void
state_file_unknown_names(void **state)
{
	static const char *const four[] = {"lhr", "fra", "ams", "new"};
	struct fix *f = *state;
	struct edge_set *set = mkedges(three, 3);
	struct edge_set *set4 = mkedges(four, 4);
	char text[512];

	write_file(f->state, "# saved\n\nnew drain\nfra force-down\n");
	fix_start(f, 5000, false);
	health_set_edges(f->h, set, 1);
	assert_usable(f, 1, 0, 1);
	/* Not in the inventory: cannot be set now, but is kept ... */
	assert_int_equal(health_set_override(f->h, "new", HEALTH_AUTO), -1);
	assert_int_equal(health_set_override(f->h, "lhr", HEALTH_FORCE_UP), 0);
	read_file(f->state, text, sizeof(text));
	assert_non_null(strstr(text, "new drain\n"));
	/* ... and applies when the edge appears. */
	health_set_edges(f->h, set4, 2);
	assert_int_equal(f->seen.generation, 2);
	assert_int_equal(f->seen.n, 4);
	assert_int_equal(f->seen.usable[3], 0);
	assert_int_equal(f->seen.usable[1], 0);
	freeedges(set);
	freeedges(set4);
}

static void
state_file_corrupt(void **state)
{
	static const char *const bad[] = {
	    "lhr drain\nfra sideways\n", "lhr\n", "LHR drain\n",
	    "lhr drain", /* no newline at end */
	};
	struct fix *f = *state;
	struct edge_set *set = mkedges(three, 3);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(f->state, bad[i]);
		memset(&f->seen, 0, sizeof(f->seen));
		fix_start(f, 5000, false);
		health_set_edges(f->h, set, 1);
		assert_usable(f, 1, 1, 1);
		/* It is overwritten by the next override. */
		assert_int_equal(health_set_override(f->h, "ams", HEALTH_DRAIN),
		                 0);
		assert_usable(f, 1, 1, 0);
		fix_stop(f);
	}
	/* A state file that is a directory is not fatal either. */
	unlink(f->state);
	assert_int_equal(mkdir(f->state, 0700), 0);
	memset(&f->seen, 0, sizeof(f->seen));
	fix_start(f, 5000, false);
	health_set_edges(f->h, set, 1);
	assert_usable(f, 1, 1, 1);
	assert_int_equal(health_set_override(f->h, "ams", HEALTH_DRAIN), -1);
	assert_usable(f, 1, 1, 0); /* applies even if not saved */
	fix_stop(f);
	rmdir(f->state);
	freeedges(set);
}

static void
edges_change(void **state)
{
	static const char *const two[] = {"fra", "lhr"};
	struct fix *f = *state;
	struct edge_set *set = mkedges(three, 3);
	struct edge_set *set2 = mkedges(two, 2);
	unsigned calls;

	fix_start(f, 5000, false);
	health_set_edges(f->h, set, 1);
	send_unix(f, 1, 1, "lhr down fra up ams up");
	assert_usable(f, 0, 1, 1);
	calls = f->seen.calls;
	/* The same edges and generation again: nothing to publish. */
	health_set_edges(f->h, set, 1);
	assert_int_equal(f->seen.calls, calls);
	/* The same edges, a new generation: a new view. */
	health_set_edges(f->h, set, 2);
	assert_int_equal(f->seen.calls, calls + 1);
	assert_int_equal(f->seen.generation, 2);
	/* Other edges, in their order. */
	health_set_edges(f->h, set2, 3);
	assert_int_equal(f->seen.calls, calls + 2);
	assert_int_equal(f->seen.n, 2);
	assert_int_equal(f->seen.usable[0], 1);
	assert_int_equal(f->seen.usable[1], 0);
	assert_int_equal(health_view(f->h)->generation, 3);
	freeedges(set);
	freeedges(set2);
}

static void
listen_errors(void **state)
{
	struct fix *f = *state;
	struct event_base *base = event_base_new();
	struct health *h = health_new(NULL, 1000);
	struct netaddr a;
	char path[160];

	/* A regular file where the socket goes is not ours to remove. */
	snprintf(path, sizeof(path), "%s/file", f->dir);
	write_file(path, "x");
	assert_int_equal(health_listen(h, base, path, NULL, NULL, 0), -1);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	/* A UDP listener needs a key and an address it can bind (the
	 * address itself is checked with the configuration). */
	assert_int_equal(netaddr_parse("127.0.0.1:53", 0, &a), 0);
	assert_int_equal(health_listen(h, base, f->sock, &a, NULL, 0), -1);
	assert_int_equal(netaddr_parse("192.0.2.1:53", 0, &a), 0);
	assert_int_equal(health_listen(h, base, f->sock, &a, key1, KEYLEN), -1);
	/* A stale socket file is replaced. */
	assert_int_equal(health_listen(h, base, f->sock, NULL, NULL, 0), 0);
	health_free(h);
	h = health_new(NULL, 1000);
	{
		int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		struct stat sb;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->sock);
		assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)),
		                 0);
		close(fd);
		/* netaddr refuses port 0: let the kernel pick one here. */
		assert_int_equal(netaddr_parse("[::1]:53", 0, &a), 0);
		((struct sockaddr_in6 *)&a.ss)->sin6_port = 0;
		assert_int_equal(
		    health_listen(h, base, f->sock, &a, key1, KEYLEN), 0);
		assert_int_equal(stat(f->sock, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0660);
	}
	health_free(h);
	event_base_free(base);
}

static void
override_names(void **state)
{
	enum health_override o;

	(void)state;
	for (int i = HEALTH_AUTO; i <= HEALTH_FORCE_UP; i++) {
		assert_int_equal(
		    health_override_parse(
		        health_override_name((enum health_override)i), &o),
		    0);
		assert_int_equal(o, i);
	}
	assert_string_equal(health_override_name(HEALTH_FORCE_DOWN),
	                    "force-down");
	assert_int_equal(health_override_parse("Drain", &o), -1);
	assert_int_equal(health_override_parse("", &o), -1);
	health_view_unref(NULL);
	health_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(feed_states, setup, teardown),
	    cmocka_unit_test_setup_teardown(dedupe, setup, teardown),
	    cmocka_unit_test_setup_teardown(udp_auth, setup, teardown),
	    cmocka_unit_test_setup_teardown(stale, setup, teardown),
	    cmocka_unit_test_setup_teardown(stale_keep, setup, teardown),
	    cmocka_unit_test_setup_teardown(never_heard_goes_stale, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(overrides, setup, teardown),
	    cmocka_unit_test_setup_teardown(state_file_unknown_names, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(state_file_corrupt, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(edges_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(listen_errors, setup, teardown),
	    cmocka_unit_test(override_names),
	};

	log_init("test_health", true, LOG_NOTICE);
	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
