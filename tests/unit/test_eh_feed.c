/* SPDX-License-Identifier: MIT */
/* tests/unit/test_eh_feed.c: the feed's sending side (edge-health/feed)
 * over a real Unix datagram socket: what edges report is sent, and a
 * snapshot that does not fit with it is sent without it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "common/hmsg.h"
#include "edge-health/conf.h"
#include "edge-health/feed.h"

static char dir[] = "/tmp/test_eh_feed.XXXXXX";
static struct hmsg msg, got;
static char buf[HMSG_MAX + 1];

static void
write_file(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A configuration whose one feed is the Unix socket feed.sock. */
static struct eh_conf *
load_conf(void)
{
	char path[256];
	struct errbuf err;

	write_file("edges.yaml", "edges:\n"
	                         "  lhr: {location: [51, 0], addresses: "
	                         "[192.0.2.11]}\n");
	write_file("eh.yaml", "edges: edges.yaml\n"
	                      "checks:\n"
	                      "  lhr: [{type: tcp, address: \"127.0.0.1:9\"}]\n"
	                      "feeds:\n"
	                      "  - unix: feed.sock\n");
	snprintf(path, sizeof(path), "%s/eh.yaml", dir);
	errbuf_init(&err);
	struct eh_conf *c = eh_conf_load(path, &err);
	if (c == NULL)
		errbuf_log(&err, LOG_ERR);
	errbuf_fini(&err);
	return c;
}

/* Bind feed.sock; returns the socket. */
static int
listen_feed(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/feed.sock", dir);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Receive one message into `got`. */
static void
receive(int fd)
{
	const char *why = "";
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	assert_true(n > 0);
	if (hmsg_decode(buf, (size_t)n, NULL, 0, &got, &why) != 0)
		fail_msg("decode: %s", why);
}

/* `n` edges with 31-character names; all report everything if `all`,
 * else only the first. */
static void
fill(size_t n, bool all)
{
	memset(&msg, 0, sizeof(msg));
	snprintf(msg.prober, sizeof(msg.prober), "p1");
	msg.boot = 1;
	msg.seq = 2;
	msg.round = 3;
	msg.n = n;
	for (size_t i = 0; i < n; i++) {
		struct hmsg_edge *e = &msg.edge[i];
		memcpy(e->name, "abcdefghijabcdefghijabcdef", 26);
		snprintf(e->name + 26, 6, "%05u", (unsigned)(i % 100000));
		e->state = HMSG_UP;
		if (all || i == 0) {
			e->has =
			    HMSG_HAS_LOAD | HMSG_HAS_WEIGHT | HMSG_HAS_DRAIN;
			e->load = 999.9999;
			e->weight = 255;
			e->drain = true;
		}
	}
}

static void
reports_sent_or_left_out(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	struct eh_conf *c = load_conf();
	assert_non_null(c);
	int fd = listen_feed();
	struct feed *f = feed_new(c);
	assert_non_null(f);

	/* What fits is sent as it is. */
	fill(3, true);
	assert_int_equal(feed_send(f, &msg), 0);
	receive(fd);
	assert_int_equal(got.n, 3);
	assert_true(got.round == 3);
	for (size_t i = 0; i < got.n; i++) {
		assert_int_equal(got.edge[i].has, HMSG_HAS_LOAD |
		                                      HMSG_HAS_WEIGHT |
		                                      HMSG_HAS_DRAIN);
		assert_true(got.edge[i].load == 999.9999);
		assert_int_equal(got.edge[i].weight, 255);
		assert_true(got.edge[i].drain);
	}

	/* The most edges, the longest names, each reporting everything: too
	 * large for one datagram.  The states still go, the reports not. */
	fill(HMSG_EDGES_MAX, true);
	assert_int_equal(hmsg_encode(&msg, NULL, 0, buf, sizeof(buf)), -1);
	assert_int_equal(feed_send(f, &msg), 0);
	receive(fd);
	assert_int_equal(got.n, HMSG_EDGES_MAX);
	for (size_t i = 0; i < got.n; i++) {
		assert_string_equal(got.edge[i].name, msg.edge[i].name);
		assert_int_equal(got.edge[i].state, HMSG_UP);
		assert_int_equal(got.edge[i].has, 0);
	}
	/* The caller's message is left as it was. */
	assert_int_equal(msg.edge[0].has,
	                 HMSG_HAS_LOAD | HMSG_HAS_WEIGHT | HMSG_HAS_DRAIN);

	/* The next one that fits carries reports again. */
	fill(HMSG_EDGES_MAX, false);
	assert_int_equal(feed_send(f, &msg), 0);
	receive(fd);
	assert_int_equal(got.n, HMSG_EDGES_MAX);
	assert_int_equal(got.edge[0].has,
	                 HMSG_HAS_LOAD | HMSG_HAS_WEIGHT | HMSG_HAS_DRAIN);
	assert_int_equal(got.edge[1].has, 0);
	assert_true(feed_failures(f) == 0);

	feed_free(f);
	eh_conf_free(c);
	close(fd);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reports_sent_or_left_out),
	};
	return cmocka_run_group_tests_name("eh_feed", tests, NULL, NULL);
}
