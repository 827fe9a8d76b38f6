/* SPDX-License-Identifier: MIT */
/* tests/unit/test_eh_anycast.c: the anycast role (edge-health/anycast): its
 * configuration, the BIRD include file, and a withdrawal on a real loop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "common/errbuf.h"
#include "edge-health/anycast.h"
#include "edge-health/conf.h"

static char dir[] = "/tmp/test_eh_anycast.XXXXXX";

static void
path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void
write_file(const char *name, const char *text)
{
	char path[256];

	path_of(path, sizeof(path), name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The whole file (new), or NULL if there is none. */
static char *
read_file(const char *name)
{
	char path[256], *buf = calloc(1, 65536);
	size_t n;

	path_of(path, sizeof(path), name);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct eh_conf *
load(const char *text, struct errbuf *err)
{
	char path[256];

	write_file("eh.yaml", text);
	path_of(path, sizeof(path), "eh.yaml");
	errbuf_init(err);
	return eh_conf_load(path, err);
}

/* The error text contains "eh.yaml:LINE:COL: WHAT". */
static void
has_error(const struct errbuf *err, unsigned line, unsigned col,
          const char *what)
{
	char want[512];

	snprintf(want, sizeof(want), "eh.yaml:%u:%u: %s", line, col, what);
	if (strstr(errbuf_text(err), want) == NULL)
		fail_msg("missing \"%s\" in:\n%s", want, errbuf_text(err));
}

static void
conf_anycast_only(void **state)
{
	struct errbuf err;
	struct eh_conf *c =
	    load("defaults: {interval: 2s, fall: 4}\n"
	         "anycast:\n"
	         "  checks:\n"
	         "    - {type: tcp, address: \"127.0.0.1:53\"}\n"
	         "  rise: 5\n"
	         "  prefixes: [192.0.2.53/32, \"2001:DB8::53/128\", "
	         "198.51.100.7, 203.0.113.0/24]\n"
	         "  bird_include: run/anycast.conf\n",
	         &err);
	char want[300];

	(void)state;
	if (c == NULL)
		fail_msg("%s", errbuf_text(&err));
	assert_int_equal(c->nedge, 0);
	const struct eh_anycast *a = c->anycast;
	assert_non_null(a);
	/* Timing: `defaults`, then the section's own keys; no jitter. */
	assert_int_equal(a->t.interval_ms, 2000);
	assert_int_equal(a->t.timeout_ms, EH_TIMEOUT_MS);
	assert_int_equal(a->t.fall, 4);
	assert_int_equal(a->t.rise, 5);
	assert_int_equal(a->t.jitter_pct, 0);
	assert_int_equal(a->ncheck, 1);
	assert_int_equal(a->check[0].type, EH_CHECK_TCP);
	assert_int_equal(a->nprefix, 4);
	assert_string_equal(a->prefix[0].text, "192.0.2.53/32");
	assert_int_equal(a->prefix[0].family, AF_INET);
	assert_string_equal(a->prefix[1].text, "2001:db8::53/128");
	assert_int_equal(a->prefix[1].family, AF_INET6);
	assert_string_equal(a->prefix[2].text, "198.51.100.7/32");
	assert_string_equal(a->prefix[3].text, "203.0.113.0/24");
	path_of(want, sizeof(want), "run/anycast.conf");
	assert_string_equal(a->bird_include, want);
	/* bird_reload defaults to what operators type. */
	assert_string_equal(a->bird_reload[0], "birdc");
	assert_string_equal(a->bird_reload[1], "configure");
	assert_null(a->bird_reload[2]);
	eh_conf_free(c);
	errbuf_fini(&err);
}

static void
conf_errors(void **state)
{
	struct errbuf err;
	struct eh_conf *c =
	    load("anycast:\n"
	         "  checks: {type: tcp, address: \"127.0.0.1:53\"}\n"
	         "  prefixes: [192.0.2.53/24, 10.0.0.0/33, \"::/0\", x]\n"
	         "  bird_include: anycast.conf\n"
	         "  bird_reload: []\n"
	         "  colour: red\n",
	         &err);

	(void)state;
	assert_null(c);
	has_error(&err, 2, 11, "anycast: checks: expected a list of checks");
	has_error(&err, 3, 14,
	          "anycast: prefixes: \"192.0.2.53/24\": host bits set "
	          "(192.0.2.0/24?)");
	has_error(&err, 3, 29,
	          "anycast: prefixes: \"10.0.0.0/33\": prefix length not in "
	          "1..32");
	has_error(&err, 3, 42,
	          "anycast: prefixes: \"::/0\": prefix length not in 1..128");
	has_error(&err, 3, 50, "anycast: prefixes: \"x\": not a prefix");
	has_error(&err, 5, 16, "anycast: bird_reload: empty");
	has_error(&err, 6, 3, "anycast: unknown key \"colour\"");
	errbuf_fini(&err);

	c = load("anycast:\n"
	         "  checks:\n"
	         "    - {type: dns, address: \"127.0.0.1:53\"}\n"
	         "  bird_reload: [\"birdc\", {a: b}]\n",
	         &err);
	assert_null(c);
	has_error(&err, 2, 3, "anycast: missing required key \"prefixes\"");
	has_error(&err, 2, 3, "anycast: missing required key \"bird_include\"");
	has_error(&err, 3, 7, "anycast: checks: name: required for dns checks");
	has_error(&err, 4, 26, "anycast: bird_reload: expected a program name");
	errbuf_fini(&err);

	/* Edges' checks still need the inventory. */
	c = load("checks: {lhr: [{type: tcp, address: \"127.0.0.1:80\"}]}\n"
	         "anycast:\n"
	         "  checks: [{type: tcp, address: \"127.0.0.1:53\"}]\n"
	         "  prefixes: 192.0.2.53/32\n"
	         "  bird_include: anycast.conf\n",
	         &err);
	assert_null(c);
	has_error(&err, 1, 9, "checks: needs `edges`, the inventory");
	errbuf_fini(&err);
}

/* A conf by hand: only what anycast_render reads. */
static void
render(void **state)
{
	struct eh_prefix p[3] = {0};
	struct eh_anycast a = {.prefix = p, .nprefix = 1};

	(void)state;
	p[0].family = AF_INET;
	strcpy(p[0].text, "192.0.2.53/32");
	p[1].family = AF_INET6;
	strcpy(p[1].text, "2001:db8::53/128");
	p[2].family = AF_INET;
	strcpy(p[2].text, "198.51.100.0/24");

	char *s = anycast_render(&a, true);
	assert_int_equal(anycast_says(s), ANYCAST_SAYS_ANNOUNCED);
	assert_non_null(strstr(s, "protocol static anycast4 {\n\tipv4;\n"
	                          "\troute 192.0.2.53/32 unreachable;\n}\n"));
	assert_null(strstr(s, "anycast6"));
	free(s);

	a.nprefix = 3;
	s = anycast_render(&a, true);
	assert_non_null(strstr(s, "protocol static anycast4 {\n\tipv4;\n"
	                          "\troute 192.0.2.53/32 unreachable;\n"
	                          "\troute 198.51.100.0/24 unreachable;\n}\n"));
	assert_non_null(strstr(s,
	                       "protocol static anycast6 {\n\tipv6;\n"
	                       "\troute 2001:db8::53/128 unreachable;\n}\n"));
	free(s);

	s = anycast_render(&a, false);
	assert_int_equal(anycast_says(s), ANYCAST_SAYS_WITHDRAWN);
	assert_null(strstr(s, "protocol"));
	assert_null(strstr(s, "route"));
	/* Comments only: every line starts with '#'. */
	for (const char *l = s; *l != '\0'; l = strchr(l, '\n') + 1)
		assert_int_equal(*l, '#');
	free(s);

	assert_int_equal(anycast_says(""), ANYCAST_SAYS_OTHER);
	assert_int_equal(anycast_says("protocol static x { ipv4; }\n"),
	                 ANYCAST_SAYS_OTHER);
	assert_int_equal(anycast_says("# edge-health anycast: announcedX\n"),
	                 ANYCAST_SAYS_OTHER);
	assert_int_equal(anycast_says("# edge-health anycast: withdrawn"),
	                 ANYCAST_SAYS_WITHDRAWN);
}

/* ---- a real loop --------------------------------------------------------- */

/* A TCP port of 127.0.0.1 where nothing listens (bound, then closed). */
static unsigned
dead_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

struct watch {
	struct event_base *base;
	const char *file; /* stop once it exists */
	int ticks;
};

static void
watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct watch *w = arg;
	struct stat st;

	(void)fd;
	(void)what;
	if (stat(w->file, &st) == 0 || ++w->ticks > 300)
		event_base_loopbreak(w->base);
}

/* Run the loop until `file` exists (at most 3 s). */
static void
run_until(struct event_base *base, const char *file)
{
	struct watch w = {.base = base, .file = file};
	struct timeval tv = {0, 10000};
	struct event *ev = event_new(base, -1, EV_PERSIST, watch_cb, &w);

	event_add(ev, &tv);
	event_base_dispatch(base);
	event_free(ev);
}

/*
 * The file announces, the check fails: after `fall` rounds the file is
 * rewritten (withdrawn) and the reload command runs, after the write.
 */
static void
withdraws_on_a_loop(void **state)
{
	char yaml[1024], done[300], inc[300];
	struct errbuf err;
	struct anycast_info ai;

	(void)state;
	path_of(done, sizeof(done), "reloaded");
	path_of(inc, sizeof(inc), "anycast.conf");
	snprintf(yaml, sizeof(yaml),
	         "anycast:\n"
	         "  checks: [{type: tcp, address: \"127.0.0.1:%u\"}]\n"
	         "  interval: 20ms\n"
	         "  timeout: 10ms\n"
	         "  fall: 2\n"
	         "  rise: 2\n"
	         "  prefixes: [192.0.2.53/32]\n"
	         "  bird_include: anycast.conf\n"
	         "  bird_reload: [/bin/sh, -c, 'head -n 1 \"$0\" >\"$1.t\" && "
	         "mv \"$1.t\" \"$1\"', "
	         "\"%s\", \"%s\"]\n",
	         dead_port(), inc, done);
	struct eh_conf *c = load(yaml, &err);
	if (c == NULL)
		fail_msg("%s", errbuf_text(&err));
	errbuf_fini(&err);
	char *text = anycast_render(c->anycast, true);
	write_file("anycast.conf", text);
	free(text);

	struct event_base *base = event_base_new();
	struct anycast *a = anycast_new(base, c->anycast);
	assert_non_null(a);
	anycast_info(a, &ai);
	assert_true(ai.announced); /* from the file: no flap at start */
	run_until(base, done);
	anycast_info(a, &ai);
	assert_false(ai.announced);
	assert_int_equal(ai.withdraws, 1);
	assert_int_equal(ai.announces, 0);
	text = read_file("anycast.conf");
	assert_int_equal(anycast_says(text), ANYCAST_SAYS_WITHDRAWN);
	free(text);
	text = read_file("reloaded"); /* what BIRD would have read */
	assert_non_null(text);
	assert_string_equal(text, "# edge-health anycast: withdrawn\n");
	free(text);

	/* No temporary file left behind. */
	DIR *d = opendir(dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		assert_null(strstr(e->d_name, "anycast.conf."));
	closedir(d);
	anycast_free(a);
	event_base_free(base);
	eh_conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(conf_anycast_only),
	    cmocka_unit_test(conf_errors),
	    cmocka_unit_test(render),
	    cmocka_unit_test(withdraws_on_a_loop),
	};
	return cmocka_run_group_tests_name("eh_anycast", tests, setup,
	                                   teardown);
}
