/* SPDX-License-Identifier: MIT */
/* dnsd/health.c: the health feed receiver, overrides and the view. */
#include "dnsd/health.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/edges.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/xalloc.h"

#define HEALTH_STATE_MAX (1024 * 1024) /* bytes of state file we read */
#define HEALTH_RECV_BURST 64           /* datagrams per wakeup */
#define HEALTH_OLD_BOOTS 8             /* retired boot ids remembered */

/* What the log says an edge is; last_change follows this. */
enum eff { EFF_UP, EFF_DOWN, EFF_DRAINED };

/* Why a view is recomputed, for the transition log lines. */
enum cause { CAUSE_PROBE, CAUSE_OPERATOR, CAUSE_STALE, CAUSE_EDGES };

/*
 * Everything known about one edge name.  Names come from the inventory,
 * the feed and the state file, which need not agree: an override for an
 * edge that left the inventory must apply again if it comes back.
 */
struct entry {
	char name[EDGE_NAME_MAX];
	enum health_probed probed;
	enum health_override ov;
	enum eff eff;
	bool in_inv;
	time_t last_report;
	time_t last_change;
};

struct health {
	char *state_file;
	unsigned stale_after_ms;
	bool stale_keep; /* stale feed: keep the last reports (not "all up") */

	/* Sorted by name, so a 1500-edge message is 1500 bsearches. */
	struct entry *ent;
	size_t nent, capent;

	/* The inventory: names in snapshot order. */
	char (*inv)[EDGE_NAME_MAX];
	size_t ninv;
	unsigned generation;
	bool inv_set, inv_changed;

	struct health_view *view;
	void (*on_change)(struct health_view *v, void *arg);
	void *on_change_arg;

	/* The feed. */
	struct event_base *base;
	int ufd, nfd;
	struct event *uev, *nev, *timer;
	char *unix_path;
	uint8_t key[HMSG_KEY_MAX];
	size_t keylen;
	char *buf;        /* HMSG_MAX + 1 */
	struct hmsg *msg; /* too big for the stack */
	bool have_last;
	uint64_t last_boot, last_seq;
	uint64_t old_boot[HEALTH_OLD_BOOTS];
	size_t nold;
	uint64_t last_rx_ms; /* monotonic */
	struct health_feed_stats stats;
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
health_view_ref(struct health_view *v)
{
	atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
}

void
health_view_unref(struct health_view *v)
{
	if (v == NULL)
		return;
	if (atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(v);
}

static const char *const override_names[] = {
    [HEALTH_AUTO] = "auto",
    [HEALTH_DRAIN] = "drain",
    [HEALTH_FORCE_DOWN] = "force-down",
    [HEALTH_FORCE_UP] = "force-up",
};

const char *
health_override_name(enum health_override o)
{
	if ((unsigned)o >= sizeof(override_names) / sizeof(override_names[0]))
		return "?";
	return override_names[o];
}

int
health_override_parse(const char *s, enum health_override *out)
{
	for (size_t i = 0;
	     i < sizeof(override_names) / sizeof(override_names[0]); i++) {
		if (strcmp(s, override_names[i]) == 0) {
			*out = (enum health_override)i;
			return 0;
		}
	}
	return -1;
}

/* Index of `name` in the sorted entries, or where it would go (*found). */
static size_t
entry_pos(const struct health *h, const char *name, bool *found)
{
	size_t lo = 0, hi = h->nent;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, h->ent[mid].name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = false;
	return lo;
}

static struct entry *
entry_find(const struct health *h, const char *name)
{
	bool found;
	size_t i = entry_pos(h, name, &found);

	return found ? &h->ent[i] : NULL;
}

/* The entry for `name` (valid, < EDGE_NAME_MAX), created if new. */
static struct entry *
entry_get(struct health *h, const char *name)
{
	bool found;
	size_t i = entry_pos(h, name, &found);
	struct entry *e;

	if (found)
		return &h->ent[i];
	if (h->nent == h->capent) {
		h->capent = h->capent ? h->capent * 2 : 64;
		h->ent = xreallocarray(h->ent, h->capent, sizeof(*h->ent));
	}
	memmove(&h->ent[i + 1], &h->ent[i], (h->nent - i) * sizeof(*h->ent));
	h->nent++;
	e = &h->ent[i];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->probed = HEALTH_UNKNOWN;
	e->ov = HEALTH_AUTO;
	e->eff = EFF_UP; /* unknown counts as up: nothing to log yet */
	return e;
}

/* Forget names nobody needs any more (a prober's since-removed edges), so
 * the table cannot grow without bound. */
static void
entries_prune(struct health *h)
{
	size_t j = 0;

	for (size_t i = 0; i < h->nent; i++) {
		const struct entry *e = &h->ent[i];
		if (!e->in_inv && e->ov == HEALTH_AUTO &&
		    e->probed == HEALTH_UNKNOWN)
			continue;
		h->ent[j++] = *e;
	}
	h->nent = j;
}

static bool
usable_of(const struct health *h, const struct entry *e)
{
	enum health_probed p;

	if (e == NULL)
		return true;
	p = h->stats.stale && !h->stale_keep ? HEALTH_UNKNOWN : e->probed;
	return e->ov == HEALTH_FORCE_UP ||
	       (e->ov == HEALTH_AUTO && p != HEALTH_DOWN);
}

static const char *
reason(const struct health *h, const struct entry *e, enum cause cause)
{
	if (e->ov != HEALTH_AUTO || cause == CAUSE_OPERATOR)
		return "operator";
	if (h->stats.stale)
		return "feed stale";
	if (e->probed != HEALTH_UNKNOWN)
		return "probe report";
	return cause == CAUSE_EDGES ? "new edge" : "no report";
}

/*
 * Recompute the view for the inventory; publish it (and call on_change)
 * only if something a worker would see changed, and log each edge whose
 * effective state changed, once.
 */
static void
recompute(struct health *h, enum cause cause)
{
	static const char *const eff_word[] = {"up", "down", "drained"};
	struct health_view *v;
	time_t now = time(NULL);

	if (!h->inv_set)
		return;
	v = xmalloc(sizeof(*v) + h->ninv);
	v->generation = h->generation;
	v->n = h->ninv;
	atomic_init(&v->refs, 1);
	for (size_t i = 0; i < h->ninv; i++) {
		struct entry *e = entry_find(h, h->inv[i]);
		bool u = usable_of(h, e);
		enum eff eff;

		v->usable[i] = u;
		if (e == NULL)
			continue;
		eff = u                       ? EFF_UP
		      : e->ov == HEALTH_DRAIN ? EFF_DRAINED
		                              : EFF_DOWN;
		if (eff != e->eff) {
			log_notice("health: edge %s: %s (%s)", e->name,
			           eff_word[eff], reason(h, e, cause));
			e->eff = eff;
			e->last_change = now;
		}
	}
	if (!h->inv_changed && h->view != NULL &&
	    h->view->generation == v->generation && h->view->n == v->n &&
	    memcmp(h->view->usable, v->usable, v->n) == 0) {
		free(v);
		return;
	}
	h->inv_changed = false;
	health_view_unref(h->view);
	h->view = v;
	if (h->on_change != NULL)
		h->on_change(v, h->on_change_arg);
}

/*
 * Read saved overrides.  A damaged file is ignored whole: applying half
 * of an operator's intent would be harder to explain than none.
 */
static void
state_load(struct health *h)
{
	FILE *f;
	char line[256];
	unsigned lineno = 0;
	size_t total = 0;
	struct {
		char name[EDGE_NAME_MAX];
		enum health_override ov;
	} *tmp = NULL;
	size_t ntmp = 0, captmp = 0;
	const char *why = NULL;

	if ((f = fopen(h->state_file, "r")) == NULL) {
		if (errno != ENOENT)
			log_warn_errno("health: state file %s: cannot read, "
			               "ignored",
			               h->state_file);
		return;
	}
	while (why == NULL && fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		char *sp;

		lineno++;
		total += len;
		if (total > HEALTH_STATE_MAX) {
			why = "too big";
			break;
		}
		if (len == 0 || line[len - 1] != '\n') {
			why = feof(f) ? "no newline at end" : "line too long";
			break;
		}
		if (memchr(line, '\0', len) != NULL) {
			why = "NUL byte";
			break;
		}
		line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if ((sp = strchr(line, ' ')) == NULL) {
			why = "expected \"NAME OVERRIDE\"";
			break;
		}
		*sp++ = '\0';
		if (!edges_name_valid(line, strlen(line))) {
			why = "bad edge name";
			break;
		}
		if (ntmp == captmp) {
			captmp = captmp ? captmp * 2 : 16;
			tmp = xreallocarray(tmp, captmp, sizeof(*tmp));
		}
		if (health_override_parse(sp, &tmp[ntmp].ov) == -1) {
			why = "unknown override";
			break;
		}
		/* edges_name_valid() above bounds the length: no truncation */
		size_t nl = strlen(line);
		if (nl >= sizeof(tmp[ntmp].name)) {
			why = "name too long";
			break;
		}
		memcpy(tmp[ntmp].name, line, nl + 1);
		ntmp++;
	}
	if (why == NULL && ferror(f))
		why = "read error";
	fclose(f);
	if (why != NULL) {
		log_err("health: state file %s: line %u: %s, overrides ignored",
		        h->state_file, lineno, why);
	} else {
		for (size_t i = 0; i < ntmp; i++)
			entry_get(h, tmp[i].name)->ov = tmp[i].ov;
	}
	free(tmp);
}

/* Write the overrides atomically: a crash leaves the old file or the new
 * one, never half of one. */
static int
state_save(const struct health *h)
{
	char *tmp;
	FILE *f;
	int fd, rc = -1;

	if (h->state_file == NULL)
		return 0;
	tmp = xasprintf("%s.tmp", h->state_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd == -1) {
		log_err_errno("health: state file %s", tmp);
		free(tmp);
		return -1;
	}
	(void)fchmod(fd, 0640); /* whatever the umask */
	if ((f = fdopen(fd, "w")) == NULL) {
		log_err_errno("health: state file %s", tmp);
		close(fd);
		goto out;
	}
	fprintf(f, "# dnsd health overrides: NAME OVERRIDE\n");
	for (size_t i = 0; i < h->nent; i++)
		if (h->ent[i].ov != HEALTH_AUTO)
			fprintf(f, "%s %s\n", h->ent[i].name,
			        health_override_name(h->ent[i].ov));
	if (fflush(f) == EOF || fsync(fileno(f)) == -1) {
		log_err_errno("health: state file %s: write", tmp);
		fclose(f);
		goto out;
	}
	if (fclose(f) == EOF) {
		log_err_errno("health: state file %s: write", tmp);
		goto out;
	}
	if (rename(tmp, h->state_file) == -1) {
		log_err_errno("health: state file %s: rename", h->state_file);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		unlink(tmp);
	free(tmp);
	return rc;
}

struct health *
health_new(const char *state_file, unsigned stale_after_ms)
{
	struct health *h = xcalloc(1, sizeof(*h));

	h->state_file = state_file ? xstrdup(state_file) : NULL;
	h->stale_after_ms = stale_after_ms ? stale_after_ms : 1;
	h->ufd = h->nfd = -1;
	if (h->state_file != NULL)
		state_load(h);
	return h;
}

void
health_set_stale_keep(struct health *h, bool keep)
{
	h->stale_keep = keep;
	if (h->stats.stale)
		recompute(h, CAUSE_STALE);
}

void
health_free(struct health *h)
{
	if (h == NULL)
		return;
	if (h->uev != NULL)
		event_free(h->uev);
	if (h->nev != NULL)
		event_free(h->nev);
	if (h->timer != NULL)
		event_free(h->timer);
	if (h->ufd != -1)
		close(h->ufd);
	if (h->nfd != -1)
		close(h->nfd);
	if (h->unix_path != NULL) {
		unlink(h->unix_path);
		free(h->unix_path);
	}
	health_view_unref(h->view);
	free(h->msg);
	free(h->buf);
	free(h->inv);
	free(h->ent);
	free(h->state_file);
	free(h);
}

/* Take a decoded message that passed every check. */
static void
feed_apply(struct health *h, const struct hmsg *m)
{
	time_t now = time(NULL);

	if (h->have_last && m->boot != h->last_boot) {
		h->old_boot[h->nold % HEALTH_OLD_BOOTS] = h->last_boot;
		h->nold++;
		log_info("health: feed restarted (boot %016llx)",
		         (unsigned long long)m->boot);
	}
	h->have_last = true;
	h->last_boot = m->boot;
	h->last_seq = m->seq;
	h->last_rx_ms = mono_ms();
	h->stats.accepted++;
	h->stats.last_message = now;
	if (h->stats.stale) {
		h->stats.stale = false;
		log_notice("health: feed recovered");
	}
	/* A full snapshot: an edge it leaves out is unknown to the prober. */
	for (size_t i = 0; i < h->nent; i++)
		h->ent[i].probed = HEALTH_UNKNOWN;
	for (size_t i = 0; i < m->n; i++) {
		struct entry *e = entry_get(h, m->edge[i].name);
		e->probed =
		    m->edge[i].state == HMSG_DOWN ? HEALTH_DOWN : HEALTH_UP;
		e->last_report = now;
	}
	entries_prune(h);
	recompute(h, CAUSE_PROBE);
}

static bool
boot_retired(const struct health *h, uint64_t boot)
{
	size_t n = h->nold < HEALTH_OLD_BOOTS ? h->nold : HEALTH_OLD_BOOTS;

	for (size_t i = 0; i < n; i++)
		if (h->old_boot[i] == boot)
			return true;
	return false;
}

/* One datagram from either transport; `udp` needs the key and a fresh
 * time, since anyone on the network can reach that socket. */
static void
feed_message(struct health *h, size_t len, bool udp)
{
	static struct log_rl rl_bad, rl_auth, rl_old;
	struct hmsg *m = h->msg;
	const char *why = NULL;

	if (len > HMSG_MAX ||
	    hmsg_decode(h->buf, len, NULL, 0, m, &why) == -1) {
		h->stats.dropped_bad++;
		log_ratelimit(&rl_bad, LOG_WARNING,
		              "health: feed: dropped message: %s",
		              why ? why : "too long");
		return;
	}
	if (udp) {
		uint64_t now = (uint64_t)time(NULL);
		uint64_t win = (h->stale_after_ms + 999) / 1000;
		uint64_t skew = m->time > now ? m->time - now : now - m->time;

		if (hmsg_decode(h->buf, len, h->key, h->keylen, m, &why) ==
		    -1) {
			h->stats.dropped_auth++;
			log_ratelimit(&rl_auth, LOG_WARNING,
			              "health: feed: dropped udp message: %s",
			              why);
			return;
		}
		if (skew > win) {
			h->stats.dropped_auth++;
			log_ratelimit(&rl_auth, LOG_WARNING,
			              "health: feed: dropped udp message: time "
			              "off by %llus",
			              (unsigned long long)skew);
			return;
		}
	}
	if ((h->have_last && m->boot == h->last_boot &&
	     m->seq <= h->last_seq) ||
	    boot_retired(h, m->boot)) {
		h->stats.dropped_old++;
		log_ratelimit(&rl_old, LOG_INFO,
		              "health: feed: dropped old message (seq %llu)",
		              (unsigned long long)m->seq);
		return;
	}
	feed_apply(h, m);
}

static void
feed_read_cb(evutil_socket_t fd, short what, void *arg)
{
	static struct log_rl rl;
	struct health *h = arg;

	(void)what;
	for (int i = 0; i < HEALTH_RECV_BURST; i++) {
		ssize_t n = recv(fd, h->buf, HMSG_MAX + 1, MSG_TRUNC);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_ratelimit(&rl, LOG_WARNING,
				              "health: feed: recv: %s",
				              strerror(errno));
			return;
		}
		feed_message(h, (size_t)n, fd == h->nfd);
	}
}

static void
stale_cb(evutil_socket_t fd, short what, void *arg)
{
	struct health *h = arg;
	uint64_t idle = mono_ms() - h->last_rx_ms;

	(void)fd;
	(void)what;
	if (h->stats.stale || idle < h->stale_after_ms)
		return;
	h->stats.stale = true;
	log_warn("health: feed stale for %.1fs, %s", (double)idle / 1000,
	         h->stale_keep ? "keeping the last reported states"
	                       : "treating edges as up");
	recompute(h, CAUSE_STALE);
}

static int
listen_unix(struct health *h, const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("health: socket %s: path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* A socket left by a dead dnsd blocks bind; anything else at that
	 * path is the operator's and not ours to delete. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("health: socket %s: exists and is not a socket",
			        path);
			return -1;
		}
		if (unlink(path) == -1) {
			log_err_errno("health: socket %s: unlink", path);
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_err_errno("health: socket %s", path);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_err_errno("health: socket %s: bind", path);
		close(fd);
		return -1;
	}
	if (chmod(path, 0660) == -1) {
		log_err_errno("health: socket %s: chmod", path);
		close(fd);
		unlink(path);
		return -1;
	}
	h->ufd = fd;
	h->unix_path = xstrdup(path);
	return 0;
}

/* The address was parsed with the configuration (common/netaddr.h). */
static int
listen_udp(struct health *h, const struct netaddr *a)
{
	int fd = socket(a->ss.ss_family,
	                SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1 ||
	    bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1) {
		log_err_errno("health: udp %s: bind", a->text);
		if (fd != -1)
			close(fd);
		return -1;
	}
	h->nfd = fd;
	return 0;
}

int
health_listen(struct health *h, struct event_base *base, const char *unix_path,
              const struct netaddr *udp, const uint8_t *key, size_t keylen)
{
	struct timeval tv;
	unsigned tick;

	if (h->base != NULL) {
		log_err("health: feed already listening");
		return -1;
	}
	if (udp != NULL &&
	    (key == NULL || keylen == 0 || keylen > HMSG_KEY_MAX)) {
		log_err("health: udp %s: a key is required", udp->text);
		return -1;
	}
	if (listen_unix(h, unix_path) == -1)
		return -1;
	if (udp != NULL) {
		if (listen_udp(h, udp) == -1)
			goto fail;
		memcpy(h->key, key, keylen);
		h->keylen = keylen;
	}
	h->buf = xmalloc(HMSG_MAX + 1);
	h->msg = xmalloc(sizeof(*h->msg));
	h->base = base;
	h->last_rx_ms = mono_ms(); /* a silent feed goes stale from now */
	h->uev = event_new(base, h->ufd, EV_READ | EV_PERSIST, feed_read_cb, h);
	if (h->uev == NULL || event_add(h->uev, NULL) == -1)
		goto fail_ev;
	if (h->nfd != -1) {
		h->nev = event_new(base, h->nfd, EV_READ | EV_PERSIST,
		                   feed_read_cb, h);
		if (h->nev == NULL || event_add(h->nev, NULL) == -1)
			goto fail_ev;
	}
	/* Check often enough that staleness shows within a quarter of
	 * stale_after, and at least every second. */
	tick = h->stale_after_ms / 4;
	tick = tick < 10 ? 10 : tick > 1000 ? 1000 : tick;
	tv.tv_sec = tick / 1000;
	tv.tv_usec = (suseconds_t)(tick % 1000) * 1000;
	h->timer = event_new(base, -1, EV_PERSIST, stale_cb, h);
	if (h->timer == NULL || event_add(h->timer, &tv) == -1)
		goto fail_ev;
	return 0;
fail_ev:
	log_err("health: feed: cannot add events");
fail:
	/* health_free releases whatever was set up; leave it consistent. */
	if (h->uev != NULL)
		event_free(h->uev);
	if (h->nev != NULL)
		event_free(h->nev);
	if (h->timer != NULL)
		event_free(h->timer);
	h->uev = h->nev = h->timer = NULL;
	if (h->nfd != -1)
		close(h->nfd);
	close(h->ufd);
	h->nfd = h->ufd = -1;
	unlink(h->unix_path);
	free(h->unix_path);
	h->unix_path = NULL;
	h->base = NULL;
	return -1;
}

void
health_set_edges(struct health *h, const struct edge_set *edges,
                 unsigned generation)
{
	/* A configuration without an inventory has no edges to judge. */
	static const struct edge_set none;
	if (edges == NULL)
		edges = &none;
	bool same =
	    h->inv_set && h->generation == generation && h->ninv == edges->n;

	for (size_t i = 0; same && i < edges->n; i++)
		same = strcmp(h->inv[i], edges->edge[i].name) == 0;
	for (size_t i = 0; i < h->nent; i++)
		h->ent[i].in_inv = false;
	free(h->inv);
	h->inv = xcalloc(edges->n ? edges->n : 1, sizeof(*h->inv));
	h->ninv = edges->n;
	for (size_t i = 0; i < edges->n; i++) {
		snprintf(h->inv[i], sizeof(h->inv[i]), "%s",
		         edges->edge[i].name);
		entry_get(h, h->inv[i])->in_inv = true;
	}
	h->generation = generation;
	h->inv_set = true;
	if (!same)
		h->inv_changed = true;
	entries_prune(h);
	recompute(h, CAUSE_EDGES);
}

void
health_on_change(struct health *h, void (*fn)(struct health_view *v, void *arg),
                 void *arg)
{
	h->on_change = fn;
	h->on_change_arg = arg;
}

struct health_view *
health_view(const struct health *h)
{
	return h->view;
}

int
health_set_override(struct health *h, const char *edge, enum health_override o)
{
	struct entry *e = entry_find(h, edge);

	if (e == NULL || !e->in_inv ||
	    (unsigned)o >= sizeof(override_names) / sizeof(override_names[0]))
		return -1;
	if (e->ov == o)
		return state_save(h);
	e->ov = o;
	log_notice("health: edge %s: override %s", e->name,
	           health_override_name(o));
	recompute(h, CAUSE_OPERATOR);
	/* The override applies now even if it could not be saved. */
	return state_save(h);
}

size_t
health_list(const struct health *h, struct health_edge_info *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < h->ninv && n < max; i++, n++) {
		const struct entry *e = entry_find(h, h->inv[i]);
		struct health_edge_info *o = &out[n];

		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", h->inv[i]);
		o->usable = h->view != NULL && i < h->view->n
		                ? h->view->usable[i] != 0
		                : usable_of(h, e);
		if (e == NULL)
			continue;
		o->probed = h->stats.stale && !h->stale_keep ? HEALTH_UNKNOWN
		                                             : e->probed;
		o->override = e->ov;
		o->last_report = e->last_report;
		o->last_change = e->last_change;
	}
	return n;
}

void
health_feed_stats(const struct health *h, struct health_feed_stats *out)
{
	*out = h->stats;
}
