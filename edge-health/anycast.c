/* SPDX-License-Identifier: MIT */
/*
 * edge-health/anycast.c: the anycast role: rise/fall over rounds of checks
 * against the local dnsd (edge-health/round.h), the BIRD include file, and
 * when to run the reload command (edge-health/command.h):
 * anycast-healthchecker's way, a file BIRD includes, then `birdc
 * configure`.
 */
#include "edge-health/anycast.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/compiler.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "edge-health/command.h"
#include "edge-health/conf.h"
#include "edge-health/probe.h"
#include "edge-health/round.h"
#include "edge-health/state.h"

/* First lines of the files we write: how a restart knows what it said. */
#define HEAD_ANNOUNCED "# edge-health anycast: announced"
#define HEAD_WITHDRAWN "# edge-health anycast: withdrawn"
#define INCLUDE_MAX (256 * 1024) /* read no more of an include file */

struct anycast {
	struct event_base *base;
	const struct eh_anycast *conf;
	struct probe_env env;
	struct round *round; /* conf's checks; NULL if it could not be made */
	/* the decision: st.up means announce */
	struct eh_state st;
	bool decided; /* false while the file's state is unknown */
	char *have;   /* the include's text as read or written; NULL: none */
	bool write_failing;
	bool reload_due; /* the file changed since the last good reload */
	struct command *reload; /* the reload command while it runs */
	char *cmd;              /* its text, for the log */
	unsigned failing;       /* failed runs in a row */
	struct anycast_info info;
};

/* ---- the include file ---------------------------------------------------- */

/* Append to s (capacity cap, *n used); the callers size cap to fit. */
ATTR_PRINTF(4, 5)
static void
addf(char *s, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= cap)
		return;
	va_start(ap, fmt);
	int r = vsnprintf(s + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (r > 0)
		*n += (size_t)r < cap - *n ? (size_t)r : cap - *n - 1;
}

char *
anycast_render(const struct eh_anycast *conf, bool announce)
{
	static const struct {
		int family;
		const char *proto, *channel;
	} fam[2] = {{AF_INET, "anycast4", "ipv4"},
	            {AF_INET6, "anycast6", "ipv6"}};
	size_t cap = 1024 + conf->nprefix * (sizeof(conf->prefix->text) + 32);
	char *s = xmalloc(cap);
	size_t n = 0;

	s[0] = '\0';
	addf(s, cap, &n,
	     "%s\n# Written by edge-health (anycast: bird_include): do not "
	     "edit.\n",
	     announce ? HEAD_ANNOUNCED : HEAD_WITHDRAWN);
	if (!announce) {
		/* No protocol: a reconfigure shuts the old ones down, and
		 * that withdraws their routes. */
		addf(s, cap, &n,
		     "# The local dnsd does not pass its checks; "
		     "not announced:");
		for (size_t i = 0; i < conf->nprefix; i++)
			addf(s, cap, &n, " %s", conf->prefix[i].text);
		addf(s, cap, &n, "\n");
		return s;
	}
	addf(s, cap, &n, "# The local dnsd passes its checks.\n");
	for (size_t f = 0; f < 2; f++) {
		bool any = false;
		for (size_t i = 0; i < conf->nprefix; i++) {
			if (conf->prefix[i].family != fam[f].family)
				continue;
			if (!any)
				addf(s, cap, &n,
				     "protocol static %s {\n\t%s;\n",
				     fam[f].proto, fam[f].channel);
			any = true;
			/* unreachable: the route only needs to exist to be
			 * exported; BGP sends our address as the next hop. */
			addf(s, cap, &n, "\troute %s unreachable;\n",
			     conf->prefix[i].text);
		}
		if (any)
			addf(s, cap, &n, "}\n");
	}
	return s;
}

static bool
starts_line(const char *text, const char *head)
{
	size_t n = strlen(head);

	return strncmp(text, head, n) == 0 &&
	       (text[n] == '\n' || text[n] == '\0');
}

enum anycast_says
anycast_says(const char *text)
{
	if (starts_line(text, HEAD_ANNOUNCED))
		return ANYCAST_SAYS_ANNOUNCED;
	if (starts_line(text, HEAD_WITHDRAWN))
		return ANYCAST_SAYS_WITHDRAWN;
	return ANYCAST_SAYS_OTHER;
}

/* The file's text into *text (new), NULL if there is no file.  0, or -1
 * with errno set. */
static int
read_include(const char *path, char **text)
{
	char *buf;
	size_t n = 0;
	ssize_t r = 0;

	*text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	buf = xmalloc(INCLUDE_MAX + 1);
	while (n < INCLUDE_MAX &&
	       ((r = read(fd, buf + n, INCLUDE_MAX - n)) > 0 ||
	        (r == -1 && errno == EINTR)))
		n += r > 0 ? (size_t)r : 0;
	int e = errno;
	close(fd);
	if (r == -1) {
		free(buf);
		errno = e;
		return -1;
	}
	buf[n] = '\0';
	*text = buf;
	return 0;
}

/*
 * Replace `path` by `text` atomically: BIRD may read it at any time (an
 * operator's `birdc configure`), and must see the old file or the new one,
 * never half of one.  0, or -1 with why in `why`.
 */
static int
write_include(const char *path, const char *text, char *why, size_t len)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	size_t n = strlen(text), off = 0;
	const char *step = "create";
	int fd, c;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1)
		goto fail;
	step = "write";
	while (off < n) {
		ssize_t r = write(fd, text + off, n - off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		off += (size_t)r;
	}
	/* BIRD runs as another user; prefixes are no secret. */
	step = "chmod";
	if (fchmod(fd, 0644) == -1)
		goto fail;
	step = "fsync";
	if (fsync(fd) == -1)
		goto fail;
	step = "close";
	c = close(fd);
	fd = -1;
	if (c == -1)
		goto fail;
	step = "rename";
	if (rename(tmp, path) == -1)
		goto fail;
	free(tmp);
	return 0;
fail:
	snprintf(why, len, "%s %s: %s", step, tmp, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

/* "192.0.2.53/32, 2001:db8::53/128" (new) */
static char *
prefix_list(const struct eh_anycast *c)
{
	size_t cap = c->nprefix * (sizeof(c->prefix->text) + 2) + 1;
	char *s = xmalloc(cap);
	size_t n = 0;

	s[0] = '\0';
	for (size_t i = 0; i < c->nprefix; i++)
		addf(s, cap, &n, "%s%s", i > 0 ? ", " : "", c->prefix[i].text);
	return s;
}

/* Start from what the include file says (anycast.h). */
static void
adopt_file(struct anycast *a)
{
	const char *path = a->conf->bird_include;
	char *text;

	free(a->have);
	a->have = NULL;
	state_init(&a->st, clock_ms());
	a->decided = true;
	if (read_include(path, &text) == -1) {
		log_warn("anycast: %s: cannot read it: %s: deciding from the "
		         "probes",
		         path, strerror(errno));
		a->decided = false;
		return;
	}
	a->have = text;
	switch (text == NULL ? ANYCAST_SAYS_WITHDRAWN : anycast_says(text)) {
	case ANYCAST_SAYS_ANNOUNCED:
		log_info("anycast: %s announces: kept while the checks pass, "
		         "withdrawn after %u failed rounds",
		         path, a->conf->t.fall);
		break;
	case ANYCAST_SAYS_WITHDRAWN:
		/* As sched_restore does for an edge down in the state file:
		 * it needs `rise` good rounds. */
		a->st.up = false;
		a->st.fails = a->conf->t.fall;
		snprintf(a->st.reason, sizeof(a->st.reason),
		         "withdrawn at start-up");
		log_info("anycast: %s: %s: announcing after %u good rounds",
		         path, text == NULL ? "no such file" : "withdrawn",
		         a->conf->t.rise);
		break;
	case ANYCAST_SAYS_OTHER:
		/* Someone else's file: neither withdraw nor announce before
		 * the probes have a verdict. */
		a->decided = false;
		log_warn("anycast: %s: not written by edge-health: replaced "
		         "after %u good or %u failed rounds",
		         path, a->conf->t.rise, a->conf->t.fall);
		break;
	}
}

/* ---- the reload command -------------------------------------------------- */

/* "birdc -s /run/bird/bird.ctl configure" (new) */
static char *
join_argv(char *const *argv)
{
	size_t cap = 1;
	char *s;
	size_t n = 0;

	for (size_t i = 0; argv[i] != NULL; i++)
		cap += strlen(argv[i]) + 1;
	s = xmalloc(cap);
	s[0] = '\0';
	for (size_t i = 0; argv[i] != NULL; i++)
		addf(s, cap, &n, "%s%s", i > 0 ? " " : "", argv[i]);
	return s;
}

static void
reload_failed(struct anycast *a, const char *why)
{
	a->info.reload_failures++;
	a->reload_due = true;
	/* Once per outage (BIRD not up yet, say); then quietly. */
	if (a->failing++ == 0)
		log_warn("anycast: %s: %s: retrying every %u ms", a->cmd, why,
		         a->conf->t.interval_ms);
	else
		log_debug("anycast: %s: %s (%u failures in a row)", a->cmd, why,
		          a->failing);
}

static void run_reload(struct anycast *a);

static void
reload_done(void *arg, bool ok, const char *what)
{
	struct anycast *a = arg;

	command_free(a->reload);
	a->reload = NULL;
	if (!ok) {
		reload_failed(a, what);
		return;
	}
	if (a->failing > 0)
		log_notice("anycast: %s: ok after %u failures: %s", a->cmd,
		           a->failing, what);
	else
		log_info("anycast: %s: ok: %s", a->cmd, what);
	a->failing = 0;
	/* The file changed again while it ran: BIRD may have read the
	 * older one. */
	if (a->reload_due)
		run_reload(a);
}

/* Run the reload command; reload_done ends it.  Never waits. */
static void
run_reload(struct anycast *a)
{
	char why[256];

	a->reload_due = false;
	free(a->cmd);
	a->cmd = join_argv(a->conf->bird_reload);
	a->reload =
	    command_run(a->base, a->conf->bird_reload, ANYCAST_RELOAD_MAX_MS,
	                reload_done, a, why, sizeof(why));
	if (a->reload == NULL) {
		reload_failed(a, why);
		return;
	}
	log_debug("anycast: running %s (pid %d)", a->cmd,
	          (int)command_pid(a->reload));
}

/* Write what was decided if the file says otherwise, then reload BIRD
 * if the file changed since the last good reload. */
static void
sync_file(struct anycast *a)
{
	const char *path = a->conf->bird_include;
	char why[512];

	if (a->decided) {
		char *want = anycast_render(a->conf, a->st.up);
		if (a->have != NULL && strcmp(a->have, want) == 0) {
			free(want);
		} else if (write_include(path, want, why, sizeof(why)) == -1) {
			/* Tried again every round. */
			if (!a->write_failing)
				log_err("anycast: %s: cannot write it: %s",
				        path, why);
			a->write_failing = true;
			free(want);
			return;
		} else {
			if (a->write_failing)
				log_notice("anycast: %s: written", path);
			a->write_failing = false;
			free(a->have);
			a->have = want;
			a->reload_due = true;
		}
	}
	if (a->reload_due && a->reload == NULL)
		run_reload(a);
}

/* ---- rounds -------------------------------------------------------------- */

/* Log and count a decision: `ch` happened to the state this round. */
static void
decide(struct anycast *a, enum state_change ch)
{
	const struct eh_anycast *c = a->conf;
	const char *again = a->info.withdraws > 0 ? " again" : "";

	if (!a->decided) {
		/* An unknown file: the first verdict, either way. */
		if (a->st.up && a->st.oks >= c->t.rise)
			ch = STATE_WENT_UP;
		else if (!a->st.up)
			ch = STATE_WENT_DOWN;
		else
			return;
		a->decided = true;
	}
	if (ch == STATE_SAME)
		return;
	char *list = prefix_list(c);
	if (ch == STATE_WENT_UP) {
		a->info.announces++;
		log_notice("anycast: dnsd answers%s: announcing %s (%u good "
		           "rounds)",
		           again, list, c->t.rise);
	} else {
		a->info.withdraws++;
		log_notice("anycast: withdrawing %s after %u failed rounds: %s",
		           list, c->t.fall, a->st.reason);
	}
	free(list);
}

static void
round_done(void *arg, bool ok, const char *reason)
{
	struct anycast *a = arg;
	const struct eh_anycast *c = a->conf;

	if (!ok)
		log_debug("anycast: probe %s", reason);
	decide(a, state_update(&a->st, c->t.rise, c->t.fall, ok, reason,
	                       clock_ms()));
	sync_file(a);
	/* No jitter: a withdraw takes at most fall rounds of one interval. */
	round_next(a->round, c->t.interval_ms);
}

/* Rounds of a->conf's checks, the first at once.  0, or -1 after logging
 * why. */
static int
start_rounds(struct anycast *a)
{
	const struct eh_anycast *c = a->conf;
	/* "ADDR: why": the log lines say "anycast" already. */
	struct round_target t = {
	    .name = "anycast",
	    .name_in_reason = false,
	    .check = c->check,
	    .ncheck = c->ncheck,
	    .timeout_ms = c->t.timeout_ms,
	};

	a->round = round_new(&a->env, &t, NULL, round_done, a);
	if (a->round == NULL) {
		log_err("anycast: cannot create timers");
		return -1;
	}
	round_next(a->round, 0);
	return 0;
}

struct anycast *
anycast_new(struct event_base *base, const struct eh_anycast *conf)
{
	struct anycast *a = xcalloc(1, sizeof(*a));

	a->base = base;
	a->conf = conf;
	if (probe_env_init(&a->env, base) == -1) {
		free(a);
		return NULL;
	}
	/* The first round runs from the loop, after the file is read. */
	if (start_rounds(a) == -1) {
		anycast_free(a);
		return NULL;
	}
	adopt_file(a);
	/* A missing file is written (withdrawn) at once, so that BIRD,
	 * which includes it, can load its configuration. */
	sync_file(a);
	return a;
}

void
anycast_reload(struct anycast *a, const struct eh_anycast *conf)
{
	bool same = strcmp(a->conf->bird_include, conf->bird_include) == 0;

	round_free(a->round); /* its probes point into the old conf */
	a->conf = conf;
	if (!same)
		adopt_file(a);
	sync_file(a); /* new prefixes, now */
	/* On failure (logged) nothing probes until the next reload, and
	 * the file stays as it is. */
	start_rounds(a);
}

void
anycast_free(struct anycast *a)
{
	if (a == NULL)
		return;
	round_free(a->round);
	/* A reload command still running finishes on its own: killing it
	 * could leave BIRD's reconfiguration half done. */
	if (a->reload != NULL)
		log_debug("anycast: %s (pid %d) still running: left to finish",
		          a->cmd, (int)command_pid(a->reload));
	command_free(a->reload);
	probe_env_fini(&a->env);
	free(a->have);
	free(a->cmd);
	free(a);
}

void
anycast_info(const struct anycast *a, struct anycast_info *out)
{
	*out = a->info;
	out->announced =
	    a->have != NULL && anycast_says(a->have) == ANYCAST_SAYS_ANNOUNCED;
}
