/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_control.c: any bytes, as what clients send to dnsd's
 * control socket -> the protocol (control.h: control_line_*, the code the
 * socket's connections run) and the commands (commands.c) on a server
 * loaded once from a small configuration.
 *
 * The input is cut into connections as the socket cuts them: one takes
 * octets up to its first "\n", or a full buffer without one, and the
 * input's end is a half-close; the next starts after them.  Each is
 * received twice, whole and an octet at a time, which must make no
 * difference.  Its response must be one "error: ..." line, or reach the
 * handler with words that are non-empty, printable and at most
 * CONTROL_WORDS_MAX; what the commands answer must end in "ok" or
 * "error: ..." and hold no NUL.
 *
 * Every input meets the server as loaded: after one that ran an override
 * (drain, force-down, force-up, auto) every edge is set back to auto.
 * "reload" goes to the recording handler only: a load costs milliseconds,
 * and its words are all the protocol gives it.  No state file: its fsync
 * per override would cost as much.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "common/errbuf.h"
#include "common/log.h"
#include "dnsd/commands.h"
#include "dnsd/control.h"
#include "dnsd/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Commands run per input at most. */
#define MAX_COMMANDS 32
#define FUZZ_UID 1000
#define FUZZ_PID 4242

/* lhr, fra, iad and a geo name over them: what the commands can name. */
static const char edges_yaml[] =
    "edges:\n"
    "  lhr: {location: [51.47, -0.45],\n"
    "        addresses: [192.0.2.11, \"2001:db8:11::1\"]}\n"
    "  fra: {location: [50.03, 8.57],\n"
    "        addresses: [192.0.2.12, \"2001:db8:12::1\"]}\n"
    "  iad: {location: [38.95, -77.45], addresses: 198.51.100.21}\n";
static const char zone_yaml[] = "zone: example.net\n"
                                "records:\n"
                                "  \"@\":\n"
                                "    SOA: ns hostmaster 1 2h 1h 2w 5m\n"
                                "    NS: ns\n"
                                "  ns: {A: 192.0.2.1}\n"
                                "  www: {A: 192.0.2.80}\n"
                                "geo:\n"
                                "  cdn:\n"
                                "    ttl: 20\n"
                                "    default: [iad, lhr]\n"
                                "    overrides:\n"
                                "      \"198.18.0.0/15\": [fra, lhr]\n"
                                "      \"2001:db8::/32\": [lhr]\n";
static const char conf_yaml[] = "server: {listen: 127.0.0.1:5353, sample: 1}\n"
                                "zones: [z.yaml]\n"
                                "edges: edges.yaml\n";

static const char *const files[] = {"edges.yaml", "z.yaml", "dnsd.yaml"};
static char dir[] = "/dev/shm/fuzz_control.XXXXXX";
static struct server *srv;

static void
path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void
write_file(const char *name, const char *text)
{
	char path[128];

	path_of(path, sizeof(path), name);
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		abort();
}

static void
remove_dir(void)
{
	char path[128];

	server_free(srv);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		path_of(path, sizeof(path), files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* The server, loaded once; its folder removed at exit. */
static struct server *
server(void)
{
	char path[128];
	struct errbuf err;

	if (srv != NULL)
		return srv;
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(remove_dir);
	write_file("edges.yaml", edges_yaml);
	write_file("z.yaml", zone_yaml);
	write_file("dnsd.yaml", conf_yaml);
	/* Operator actions are logged by design; millions say nothing. */
	log_init("fuzz_control", true, LOG_CRIT);
	path_of(path, sizeof(path), "dnsd.yaml");
	errbuf_init(&err);
	srv = server_load(path, NULL, 0, &err);
	if (srv == NULL) {
		fprintf(stderr, "fuzz_control fixture: %s", errbuf_text(&err));
		abort();
	}
	errbuf_fini(&err);
	return srv;
}

/* What the recording handler saw. */
struct seen {
	bool called;
	bool overrides; /* an override command: reset after the input */
	bool reload;
};

static void
record(void *arg, const struct control_request *req, struct evbuffer *out)
{
	static const char *const overrides[] = {"drain", "force-down",
	                                        "force-up", "auto"};
	struct seen *s = arg;

	if (req->nword < 1 || req->nword > CONTROL_WORDS_MAX ||
	    req->uid != FUZZ_UID || req->pid != FUZZ_PID)
		abort();
	for (int i = 0; i < req->nword; i++) {
		const char *w = req->word[i];
		if (w[0] == '\0')
			abort();
		for (; *w != '\0'; w++)
			if (*w <= ' ' || *w == 0x7f)
				abort();
	}
	s->called = true;
	for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++)
		s->overrides |= strcmp(req->word[0], overrides[i]) == 0;
	s->reload = strcmp(req->word[0], "reload") == 0;
	control_reply_ok(out);
}

/* The response, as a string (new); it must hold no NUL. */
static char *
take(struct evbuffer *out)
{
	size_t len = evbuffer_get_length(out);
	char *text = malloc(len + 1);

	if (text == NULL || evbuffer_remove(out, text, len) != (int)len)
		abort();
	text[len] = '\0';
	if (strlen(text) != len)
		abort();
	return text;
}

/* Lines end in "\n"; the last is "ok" or "error: ...", no other is ok. */
static void
check_response(const char *text)
{
	const char *p = text, *nl;

	if (*p == '\0')
		abort();
	while ((nl = strchr(p, '\n')) != NULL) {
		size_t l = (size_t)(nl - p);
		bool ok = l == 2 && memcmp(p, "ok", 2) == 0;
		bool error = l > 7 && memcmp(p, "error: ", 7) == 0;
		if (nl[1] == '\0' ? !(ok || error) : ok)
			abort();
		p = nl + 1;
	}
	if (*p != '\0')
		abort();
}

/*
 * Receive one connection's octets p[0..avail) into `l`, at most `chunk`
 * per recv(); the end of them is a half-close.  Returns the state, with
 * the octets taken in *used.
 */
static enum control_line_state
receive(const uint8_t *p, size_t avail, size_t chunk, struct control_line *l,
        size_t *used)
{
	enum control_line_state st;
	size_t off = 0;

	memset(l, 0, sizeof(*l));
	do {
		size_t room, n = avail - off;
		char *at = control_line_space(l, &room);
		if (room == 0)
			abort(); /* a connection still reading has room */
		n = n < room ? n : room;
		n = n < chunk ? n : chunk;
		memcpy(at, p + off, n);
		off += n;
		st = control_line_received(l, n);
	} while (st == CONTROL_LINE_MORE);
	*used = off;
	return st;
}

/* Every edge back to auto, as loaded: "auto EDGE" to the commands. */
static void
reset_overrides(struct evbuffer *out)
{
	static char verb[] = "auto", lhr[] = "lhr", fra[] = "fra",
	            iad[] = "iad";
	char *const edges[] = {lhr, fra, iad};

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		struct control_request req = {
		    .word = {verb, edges[i]}, .nword = 2, .uid = FUZZ_UID};
		commands_handle(srv, &req, out);
		char *text = take(out);
		size_t len = strlen(text);
		if (len < 3 || strcmp(text + len - 3, "ok\n") != 0 ||
		    (len > 3 && text[len - 4] != '\n'))
			abort();
		free(text);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct control_line whole, octets, copy;
	struct evbuffer *out = evbuffer_new();
	bool overrides = false;
	unsigned commands = 0;
	size_t pos = 0;

	if (out == NULL)
		abort();
	server();
	do {
		size_t used_whole, used;
		enum control_line_state st = receive(
		    data + pos, size - pos, SIZE_MAX, &whole, &used_whole);
		/* an octet at a time, it stops at the "\n": the connection
		 * ends there (what a client sends after it is ignored) */
		if (receive(data + pos, size - pos, 1, &octets, &used) != st ||
		    used > used_whole || octets.end != whole.end ||
		    memcmp(octets.buf, whole.buf, whole.end) != 0)
			abort();
		pos += used;
		if (st == CONTROL_LINE_NONE) {
			if (used != 0)
				abort();
			break;
		}
		/* the line ends at its "\n", at the input's end, or is cut
		 * when the buffer is full without one */
		if (memchr(octets.buf, '\n', octets.end) != NULL ||
		    (st == CONTROL_LINE_TOO_LONG) !=
		        (octets.len == sizeof(octets.buf) &&
		         memchr(octets.buf, '\n', octets.len) == NULL))
			abort();

		struct seen seen = {0};
		copy = octets;
		control_line_respond(&octets, FUZZ_UID, FUZZ_PID, record, &seen,
		                     out);
		char *text = take(out);
		/* the protocol's own error, or the handler's "ok" */
		if (seen.called
		        ? strcmp(text, "ok\n") != 0
		        : strncmp(text, "error: ", 7) != 0 ||
		              strchr(text, '\n') != text + strlen(text) - 1)
			abort();
		free(text);
		if (st == CONTROL_LINE_TOO_LONG && seen.called)
			abort();
		/* The same request to the commands, as dnsd answers it. */
		if (!seen.called || seen.reload || commands++ >= MAX_COMMANDS)
			continue;
		control_line_respond(&copy, FUZZ_UID, FUZZ_PID, commands_handle,
		                     srv, out);
		text = take(out);
		check_response(text);
		free(text);
		overrides |= seen.overrides;
	} while (pos < size);
	if (overrides)
		reset_overrides(out);
	evbuffer_free(out);
	return 0;
}
