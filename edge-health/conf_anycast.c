/* SPDX-License-Identifier: MIT */
/* edge-health/conf_anycast.c: the `anycast:` section -> struct
 * eh_anycast: its checks, timing, prefixes and how BIRD is told. */
#include "edge-health/conf_parts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "common/ycfg.h"

struct conf_anycast {
	struct eh_timing t;
	yaml_node_t *checks;
	struct ycfg_strlist prefixes;
	char *bird_include;
	yaml_node_t *bird_reload;
};

static const struct ycfg_key anycast_keys[] = {
    {"checks", YCFG_NODE, offsetof(struct conf_anycast, checks), .req = true},
    /* no jitter: a withdraw takes at most `fall` rounds of `interval` */
    EH_ROUND_KEYS(struct conf_anycast, t),
    {"prefixes", YCFG_STRLIST, offsetof(struct conf_anycast, prefixes),
     .req = true},
    {"bird_include", YCFG_STR, offsetof(struct conf_anycast, bird_include),
     .req = true},
    {"bird_reload", YCFG_NODE, offsetof(struct conf_anycast, bird_reload)},
    YCFG_END,
};

/* What operators run by hand after editing BIRD's configuration. */
static const char *const bird_reload_default[] = {"birdc", "configure", NULL};

/*
 * "192.0.2.53/32", "2001:db8::53/128", or a bare address (a host prefix)
 * into `out`.  Returns 0, or -1 with why in `why`.
 */
static int
parse_prefix(const char *text, struct eh_prefix *out, char *why, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t n = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned max = 32;
	uint64_t plen;

	memset(out, 0, sizeof(*out));
	if (n > 0 && n < sizeof(host)) {
		memcpy(host, text, n);
		host[n] = '\0';
	} else {
		host[0] = '\0';
	}
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		snprintf(why, len,
		         "not a prefix (ADDR/LEN, e.g. 192.0.2.53/32)");
		return -1;
	}
	plen = max;
	if (slash != NULL && ycfg_parse_uint(slash + 1, 1, max, &plen) == -1) {
		snprintf(why, len, "prefix length not in 1..%u", max);
		return -1;
	}
	out->len = (unsigned)plen;
	/* BIRD refuses a route with host bits set ("Invalid IPv4 prefix"):
	 * say so here, with the network that was probably meant. */
	bool host_bits = false;
	for (unsigned bit = out->len; bit < max; bit++) {
		if (out->addr[bit / 8] & (0x80 >> (bit % 8)))
			host_bits = true;
		out->addr[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
	}
	inet_ntop(out->family, out->addr, host, sizeof(host));
	snprintf(out->text, sizeof(out->text), "%s/%u", host, out->len);
	if (host_bits) {
		snprintf(why, len, "host bits set (%s?)", out->text);
		return -1;
	}
	return 0;
}

static void
load_prefixes(const struct ycfg_doc *doc, const yaml_node_t *node,
              const struct ycfg_strlist *l, struct eh_anycast *a,
              struct errbuf *err)
{
	char why[128];

	a->prefix = xcalloc(l->n + 1, sizeof(*a->prefix));
	for (size_t i = 0; i < l->n; i++) {
		struct eh_prefix *p = &a->prefix[a->nprefix];
		bool dup = false;
		if (parse_prefix(l->v[i], p, why, sizeof(why)) == -1) {
			errbuf_add(err, ycfg_doc_file(doc), l->line[i],
			           l->col[i], "anycast: prefixes: \"%s\": %s",
			           l->v[i], why);
			continue;
		}
		for (size_t j = 0; j < a->nprefix; j++)
			dup |= strcmp(a->prefix[j].text, p->text) == 0;
		if (dup) {
			errbuf_add(err, ycfg_doc_file(doc), l->line[i],
			           l->col[i], "anycast: prefixes: %s twice",
			           p->text);
			continue;
		}
		a->nprefix++;
	}
	/* Present but empty (absent is reported by the walk). */
	const yaml_node_t *at = ycfg_map_value(doc, node, "prefixes");
	if (l->n == 0 && at != node)
		ycfg_error(doc, at, err, "anycast: prefixes: none given");
}

/*
 * `bird_reload`: a list, argv without a shell (a string would be one
 * program name with spaces in it).  A program given with a '/' must be
 * executable now; a bare name is looked up in PATH when it runs.
 */
static void
load_bird_reload(const struct ycfg_doc *doc, const char *path,
                 const yaml_node_t *node, struct eh_anycast *a,
                 struct errbuf *err)
{
	size_t n = 0, i = 0;
	yaml_node_t *item;

	if (node == NULL) {
		a->bird_reload = xcalloc(3, sizeof(char *));
		for (; bird_reload_default[n] != NULL; n++)
			a->bird_reload[n] = xstrdup(bird_reload_default[n]);
		return;
	}
	if (!ycfg_is_seq(node)) {
		ycfg_error(doc, node, err,
		           "anycast: bird_reload: expected a list, the command "
		           "and its arguments (no shell), e.g. [birdc, -s, "
		           "/run/bird/bird.ctl, configure]");
		return;
	}
	a->bird_reload = xcalloc((size_t)(node->data.sequence.items.top -
	                                  node->data.sequence.items.start) +
	                             1,
	                         sizeof(char *));
	while (ycfg_seq_next(doc, node, &i, &item)) {
		const char *s = ycfg_scalar(item);
		if (s == NULL || (n == 0 && s[0] == '\0')) {
			ycfg_error(doc, item, err,
			           "anycast: bird_reload: expected a program "
			           "name and string arguments");
			continue;
		}
		if (n == 0 && strchr(s, '/') != NULL) {
			char *prog = path_relative(path, s);
			if (access(prog, X_OK) == -1)
				ycfg_error(doc, item, err,
				           "anycast: bird_reload: %s: not an "
				           "executable file: %s",
				           prog, strerror(errno));
			a->bird_reload[n++] = prog;
			continue;
		}
		a->bird_reload[n++] = xstrdup(s);
	}
	if (i == 0)
		ycfg_error(
		    doc, node, err,
		    "anycast: bird_reload: empty: give the command, e.g. "
		    "[birdc, configure]");
}

void
eh_anycast_load(const struct ycfg_doc *doc, const char *path,
                const yaml_node_t *node, struct eh_conf *conf,
                struct errbuf *err)
{
	struct conf_anycast ca = {.t = conf->defaults};
	struct eh_anycast *a = xcalloc(1, sizeof(*a));
	size_t i = 0;
	yaml_node_t *item;

	conf->anycast = a; /* freed with conf, complete or not */
	if (ycfg_walk(doc, node, "anycast", anycast_keys, &ca, err) == -1 &&
	    !ycfg_is_map(node))
		return;
	a->t = ca.t;
	a->t.jitter_pct = 0;
	eh_timing_check(doc, node, "anycast", &a->t, err);
	if (ca.checks != NULL && !ycfg_is_seq(ca.checks))
		ycfg_error(doc, ca.checks, err,
		           "anycast: checks: expected a list of checks");
	while (ca.checks != NULL && ycfg_seq_next(doc, ca.checks, &i, &item)) {
		struct eh_check ck;
		if (eh_check_load(doc, item, "anycast: checks", "localhost",
		                  &ck, err) == -1)
			continue;
		a->check =
		    xreallocarray(a->check, a->ncheck + 1, sizeof(*a->check));
		a->check[a->ncheck++] = ck;
	}
	if (ca.checks != NULL && ycfg_is_seq(ca.checks) && i == 0)
		ycfg_error(doc, ca.checks, err, "anycast: checks: no checks");
	load_prefixes(doc, node, &ca.prefixes, a, err);
	if (ca.bird_include != NULL)
		a->bird_include = path_relative(path, ca.bird_include);
	load_bird_reload(doc, path, ca.bird_reload, a, err);
	ycfg_strlist_fini(&ca.prefixes);
	free(ca.bird_include);
}

void
eh_anycast_free(struct eh_anycast *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->ncheck; i++)
		eh_check_fini(&a->check[i]);
	free(a->check);
	free(a->prefix);
	free(a->bird_include);
	for (size_t i = 0; a->bird_reload != NULL && a->bird_reload[i]; i++)
		free(a->bird_reload[i]);
	free(a->bird_reload);
	free(a);
}
