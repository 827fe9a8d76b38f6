/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_eh_conf.c: any bytes -> edge-health's configuration
 * loader (edge-health/conf.c, conf_check.c, conf_anycast.c) and the edge
 * inventory it names (common/edges.c), all on common/ycfg.
 *
 * The input is up to three files, cut at lines "#@@": eh.yaml, the
 * configuration; edges.yaml, the inventory (lhr, fra and iad when the
 * input has no second part); feed.key, a udp feed's key (a valid one when
 * it has no third).  They are written to a folder of this process and
 * eh_conf_load() reads eh.yaml there, as `edge-health -n` would: the
 * loader reads files, so it is fuzzed with files.
 *
 * Either a configuration or errors, each "FILE[:LINE[:COL]]: WHAT" about
 * one of the files, at a line that file has.  A configuration holds what
 * the loader checks (timeouts within intervals, ranges, a check's keys
 * for its type, prefixes without host bits, ...), and loading the same
 * files again gives the same configuration, or the same errors.
 * Everything is freed, so LSan sees any leak.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "common/hmsg.h"
#include "common/ycfg.h"
#include "edge-health/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "\n#@@\n"
#define KEY_MIN 16 /* hmsg_key_load: a key has 16 bytes at least */

static const char default_edges[] =
    "edges:\n"
    "  lhr: {location: [51.47, -0.45], addresses: [192.0.2.11]}\n"
    "  fra: {location: [50.03, 8.57], addresses: [192.0.2.12]}\n"
    "  iad: {location: [38.95, -77.45], addresses: [198.51.100.21]}\n";
static const char default_key[] = "0123456789abcdef0123\n";

/* The files of one input: names in the folder, and their bytes. */
enum { F_CONF, F_EDGES, F_KEY, NFILES };
static const char *const names[NFILES] = {"eh.yaml", "edges.yaml", "feed.key"};
struct part {
	const char *p;
	size_t len;
};

static char dir[] = "/dev/shm/fuzz_eh_conf.XXXXXX";

static void
path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void
remove_dir(void)
{
	char path[128];

	for (size_t i = 0; i < NFILES; i++) {
		path_of(path, sizeof(path), names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void
write_file(const char *name, const struct part *f)
{
	char path[128];

	path_of(path, sizeof(path), name);
	FILE *fp = fopen(path, "wb");
	if (fp == NULL || fwrite(f->p, 1, f->len, fp) != f->len ||
	    fclose(fp) != 0)
		abort();
}

/* The next part of `in` up to SEP (or its end); advances `in`. */
static struct part
cut(struct part *in)
{
	struct part out = *in;
	const char *sep = memmem(in->p, in->len, SEP, strlen(SEP));

	if (sep == NULL) {
		in->p += in->len;
		in->len = 0;
		return out;
	}
	out.len = (size_t)(sep - in->p);
	in->len -= out.len + strlen(SEP);
	in->p = sep + strlen(SEP);
	return out;
}

/* A file name in the folder: no '/' (nothing outside it), no ':'. */
static bool
local_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* The scalar at key `name` of `map`, wherever it occurs, is local. */
static bool
keys_local(const struct ycfg_doc *doc, const yaml_node_t *map, const char *name)
{
	yaml_node_t *k, *v;

	for (size_t i = 0; ycfg_map_next(doc, map, &i, &k, &v);) {
		const char *key = ycfg_scalar(k), *val = ycfg_scalar(v);
		if (key != NULL && strcmp(key, name) == 0 && val != NULL &&
		    !local_name(val))
			return false;
	}
	return true;
}

/*
 * The loader reads the inventory (`edges`) and the udp feeds' keys
 * (`key_file`) from wherever they are: "/dev/stdin" would hang the
 * fuzzer, anything else would make it depend on the machine.  Ask libyaml
 * (through ycfg, as the loader does) so that quoting cannot hide a path;
 * only names in the folder are fuzzed.
 */
static bool
reads_outside(const struct part *conf)
{
	struct errbuf err;
	struct ycfg_doc *doc;
	bool outside = false;
	yaml_node_t *k, *v, *item;

	errbuf_init(&err);
	doc = ycfg_load_string("eh.yaml", conf->p, conf->len, &err);
	errbuf_fini(&err);
	if (doc == NULL)
		return false;
	const yaml_node_t *root = ycfg_doc_root(doc);
	outside = !keys_local(doc, root, "edges");
	for (size_t i = 0; ycfg_map_next(doc, root, &i, &k, &v);) {
		const char *key = ycfg_scalar(k);
		if (key == NULL || strcmp(key, "feeds") != 0)
			continue;
		for (size_t j = 0; ycfg_seq_next(doc, v, &j, &item);)
			outside |= !keys_local(doc, item, "key_file");
	}
	ycfg_doc_free(doc);
	return outside;
}

/* ---- the errors ---------------------------------------------------------- */

/*
 * More than the lines libyaml can count in `f`: it breaks lines at "\n",
 * "\r", NEL, LS and PS in UTF-8 or UTF-16, so count every octet that can
 * be part of one; and it ends the stream with a line break of its own
 * when the last line has none.
 */
static unsigned long
lines_at_most(const struct part *f)
{
	unsigned long n = 2;

	for (size_t i = 0; i < f->len; i++) {
		unsigned char c = (unsigned char)f->p[i];
		n += c == '\n' || c == '\r' || c == 0x85 || c == 0xa8 ||
		     c == 0xa9 || c == 0x28 || c == 0x29;
	}
	return n;
}

/* Every error is about a file of the folder, at a line it has. */
static void
check_errors(const struct errbuf *err, const struct part *files)
{
	const char *text = errbuf_text(err);
	char prefix[64];
	size_t plen = (size_t)snprintf(prefix, sizeof(prefix), "%s/", dir);
	unsigned lines = 0;

	for (const char *p = text; *p != '\0'; lines++) {
		const char *nl = strchr(p, '\n');
		if (nl == NULL)
			abort(); /* every line ends in "\n" */
		if (strncmp(p, "... and ", 8) == 0) {
			/* the trailer, last, once errors were dropped */
			if (err->count <= ERRBUF_MAX || nl[1] != '\0')
				abort();
			break;
		}
		if (strncmp(p, prefix, plen) != 0)
			abort();
		for (size_t i = 0; i < NFILES; i++) {
			size_t nlen = strlen(names[i]);
			if (strncmp(p + plen, names[i], nlen) != 0 ||
			    p[plen + nlen] != ':')
				continue;
			char *end;
			unsigned long line =
			    strtoul(p + plen + nlen + 1, &end, 10);
			if (end != p + plen + nlen + 1 && *end == ':' &&
			    line > lines_at_most(&files[i]))
				abort();
		}
		p = nl + 1;
	}
	if (err->count == 0 || lines == 0 || lines > ERRBUF_MAX + 1)
		abort();
}

/* ---- the configuration --------------------------------------------------- */

static void
check_timing(const struct eh_timing *t)
{
	/* conf_parts.h EH_ROUND_KEYS and conf.c's jitter */
	if (t->interval_ms < 10 || t->interval_ms > 3600 * 1000 ||
	    t->timeout_ms < 10 || t->timeout_ms > t->interval_ms ||
	    t->fall < 1 || t->fall > 1000 || t->rise < 1 || t->rise > 1000 ||
	    t->jitter_pct > 50)
		abort();
}

static void
check_addr(const struct netaddr *a)
{
	if ((a->ss.ss_family != AF_INET && a->ss.ss_family != AF_INET6) ||
	    a->len == 0 || memchr(a->host, '\0', sizeof(a->host)) == NULL ||
	    memchr(a->text, '\0', sizeof(a->text)) == NULL)
		abort();
}

static void
check_check(const struct eh_check *ck)
{
	bool dns = ck->type == EH_CHECK_DNS;

	if (ck->type != EH_CHECK_TCP && ck->type != EH_CHECK_HTTP &&
	    ck->type != EH_CHECK_HTTPS && !dns)
		abort();
	check_addr(&ck->addr);
	if (ck->has_source &&
	    (ck->source.ss.ss_family != ck->addr.ss.ss_family ||
	     ck->source.port != 0))
		abort();
	if (dns) {
		/* a name, a usable type; nothing of http's */
		if (ck->qname == NULL || ck->qtype == 0 || ck->qtype == 41 ||
		    ck->qtype == 251 || ck->qtype == 252 || ck->path != NULL ||
		    ck->host != NULL || ck->status != NULL || ck->body != NULL)
			abort();
		if (ck->answer != NULL && ck->answer[0] == '\0')
			abort();
		return;
	}
	if (ck->qname != NULL || ck->answer != NULL || ck->path == NULL ||
	    ck->path[0] != '/' || ck->host == NULL || ck->nstatus == 0 ||
	    ck->max_body < 1 || ck->max_body > 64 * 1024 * 1024)
		abort();
	for (size_t i = 0; i < ck->nstatus; i++)
		if (ck->status[i] < 100 || ck->status[i] > 599)
			abort();
}

static void
check_anycast(const struct eh_anycast *a)
{
	check_timing(&a->t);
	if (a->t.jitter_pct != 0 || a->ncheck == 0 || a->nprefix == 0 ||
	    a->bird_include == NULL || a->bird_reload == NULL ||
	    a->bird_reload[0] == NULL || a->bird_reload[0][0] == '\0')
		abort();
	for (size_t i = 0; i < a->ncheck; i++)
		check_check(&a->check[i]);
	for (size_t i = 0; i < a->nprefix; i++) {
		const struct eh_prefix *p = &a->prefix[i];
		unsigned max = p->family == AF_INET ? 32 : 128;
		if ((p->family != AF_INET && p->family != AF_INET6) ||
		    p->len < 1 || p->len > max ||
		    memchr(p->text, '\0', sizeof(p->text)) == NULL)
			abort();
		/* no host bits: BIRD would refuse the route */
		for (unsigned bit = p->len; bit < max; bit++)
			if (p->addr[bit / 8] & (0x80 >> (bit % 8)))
				abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(a->prefix[j].text, p->text) == 0)
				abort();
	}
}

static void
check_conf(const struct eh_conf *c)
{
	char path[128];

	path_of(path, sizeof(path), names[F_CONF]);
	if (strcmp(c->path, path) != 0 ||
	    !hmsg_prober_valid(c->prober, strlen(c->prober)) ||
	    c->nedge > HMSG_EDGES_MAX ||
	    (c->anycast == NULL && c->edges_path == NULL))
		abort();
	check_timing(&c->defaults);
	for (size_t i = 0; i < c->nedge; i++) {
		const struct eh_edge *e = &c->edge[i];
		if (!edges_name_valid(e->name, strlen(e->name)) ||
		    e->ncheck == 0)
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->edge[j].name, e->name) == 0)
				abort();
		check_timing(&e->t);
		for (size_t j = 0; j < e->ncheck; j++)
			check_check(&e->check[j]);
	}
	for (size_t i = 0; i < c->nfeed; i++) {
		const struct eh_feed *f = &c->feed[i];
		if (memchr(f->text, '\0', sizeof(f->text)) == NULL)
			abort();
		if (f->kind == EH_FEED_UNIX) {
			const struct sockaddr_un *sun =
			    (const struct sockaddr_un *)&f->addr;
			if (sun->sun_family != AF_UNIX || f->keylen != 0 ||
			    memchr(sun->sun_path, '\0',
			           sizeof(sun->sun_path)) == NULL)
				abort();
		} else if (f->kind != EH_FEED_UDP ||
		           (f->addr.ss_family != AF_INET &&
		            f->addr.ss_family != AF_INET6) ||
		           f->keylen < KEY_MIN || f->keylen > HMSG_KEY_MAX) {
			abort();
		}
	}
	if (c->metrics)
		check_addr(&c->metrics_addr);
	if (c->anycast != NULL)
		check_anycast(c->anycast);
}

/* ---- the same twice ------------------------------------------------------ */

static void
put_timing(FILE *f, const struct eh_timing *t)
{
	fprintf(f, " t=%u/%u/%u/%u/%u\n", t->interval_ms, t->timeout_ms,
	        t->fall, t->rise, t->jitter_pct);
}

static void
put_check(FILE *f, const struct eh_check *ck)
{
	fprintf(f,
	        "  check %d %s src=%d:%s path=%s host=%s body=%s max=%zu "
	        "verify=%d qname=%s qtype=%u rcode=%u tcp=%d answer=%s "
	        "status=",
	        (int)ck->type, ck->addr.text, ck->has_source,
	        ck->has_source ? ck->source.host : "",
	        ck->path ? ck->path : "-", ck->host ? ck->host : "-",
	        ck->body ? ck->body : "-", ck->max_body, ck->verify,
	        ck->qname ? ck->qname : "-", ck->qtype, ck->rcode, ck->dns_tcp,
	        ck->answer ? ck->answer : "-");
	for (size_t i = 0; i < ck->nstatus; i++)
		fprintf(f, "%u,", ck->status[i]);
	fputc('\n', f);
}

/* Everything the daemon would use of `c`, as text (new). */
static char *
describe(const struct eh_conf *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		abort();
	fprintf(
	    f, "prober=%s edges=%s state=%s user=%s root=%d metrics=%d:%s\n",
	    c->prober, c->edges_path ? c->edges_path : "-",
	    c->state_file ? c->state_file : "-", c->user ? c->user : "-",
	    c->allow_root, c->metrics, c->metrics ? c->metrics_addr.text : "");
	put_timing(f, &c->defaults);
	for (size_t i = 0; i < c->nedge; i++) {
		fprintf(f, "edge %s", c->edge[i].name);
		put_timing(f, &c->edge[i].t);
		for (size_t j = 0; j < c->edge[i].ncheck; j++)
			put_check(f, &c->edge[i].check[j]);
	}
	for (size_t i = 0; i < c->nfeed; i++) {
		fprintf(f, "feed %d %s %u key=", (int)c->feed[i].kind,
		        c->feed[i].text, (unsigned)c->feed[i].addrlen);
		for (size_t k = 0; k < c->feed[i].keylen; k++)
			fprintf(f, "%02x", c->feed[i].key[k]);
		fputc('\n', f);
	}
	if (c->anycast != NULL) {
		const struct eh_anycast *a = c->anycast;
		fprintf(f, "anycast %s", a->bird_include);
		put_timing(f, &a->t);
		for (size_t i = 0; i < a->ncheck; i++)
			put_check(f, &a->check[i]);
		for (size_t i = 0; i < a->nprefix; i++)
			fprintf(f, " prefix %s\n", a->prefix[i].text);
		for (size_t i = 0; a->bird_reload[i] != NULL; i++)
			fprintf(f, " argv %s\n", a->bird_reload[i]);
	}
	if (fclose(f) != 0)
		abort();
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool made;
	struct part in = {(const char *)data, size}, files[NFILES];
	char path[128];

	if (!made) {
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(remove_dir);
		made = true;
	}
	files[F_CONF] = cut(&in);
	files[F_EDGES] = (struct part){default_edges, strlen(default_edges)};
	files[F_KEY] = (struct part){default_key, strlen(default_key)};
	if (size > files[F_CONF].len)
		files[F_EDGES] = cut(&in);
	if (size > files[F_CONF].len + strlen(SEP) + files[F_EDGES].len)
		files[F_KEY] = in; /* the rest, separators and all */
	if (reads_outside(&files[F_CONF]))
		return 0;
	for (size_t i = 0; i < NFILES; i++)
		write_file(names[i], &files[i]);

	path_of(path, sizeof(path), names[F_CONF]);
	struct errbuf err1, err2;
	errbuf_init(&err1);
	errbuf_init(&err2);
	struct eh_conf *c1 = eh_conf_load(path, &err1);
	/* the second load, to see that loading is a function of the bytes,
	 * for one input in eight: it halves the rate */
	bool twice = size > 0 && data[0] % 8 == 0;
	struct eh_conf *c2 = twice ? eh_conf_load(path, &err2) : NULL;
	/* A configuration, or errors: never both, never neither. */
	if ((c1 == NULL) != (err1.count > 0))
		abort();
	if (twice &&
	    ((c2 == NULL) != (c1 == NULL) || err1.count != err2.count ||
	     strcmp(errbuf_text(&err1), errbuf_text(&err2)) != 0))
		abort();
	if (c1 == NULL) {
		check_errors(&err1, files);
	} else {
		check_conf(c1);
		if (twice) {
			char *d1 = describe(c1), *d2 = describe(c2);
			if (strcmp(d1, d2) != 0)
				abort();
			free(d1);
			free(d2);
		}
	}
	eh_conf_free(c1);
	eh_conf_free(c2);
	errbuf_fini(&err1);
	errbuf_fini(&err2);
	return 0;
}
