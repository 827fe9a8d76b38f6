/* SPDX-License-Identifier: MIT */
/* dnsd/state_file.c: the operator's overrides kept across restarts. */
#include "dnsd/state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"

#define STATE_FILE_MAX (1024 * 1024) /* bytes we read at most */
#define STATE_FILE_LINE_MAX 254      /* "NAME OVERRIDE" is far shorter */

/* "drain" or "drain SINCE_MS OVER_MS FROM" (a timed drain), ... */
static int
parse_override(char *s, struct state_file_entry *e)
{
	char *sp = strchr(s, ' ');
	unsigned long long since, over;
	double from;
	int end = 0;

	if (sp != NULL)
		*sp++ = '\0';
	if (health_override_parse(s, &e->ov) == -1)
		return -1;
	if (sp == NULL)
		return 0;
	if (e->ov != HEALTH_DRAIN ||
	    sscanf(sp, "%llu %llu %lf%n", &since, &over, &from, &end) != 3 ||
	    sp[end] != '\0' || since == 0 || over == 0 || !(from >= 0) ||
	    from > 1)
		return -1;
	e->drain_since = since;
	e->drain_over = over;
	e->drain_from = from;
	return 0;
}

size_t
state_file_load(const char *path, struct state_file_entry **out)
{
	FILE *f;
	char *line = NULL;
	size_t linecap = 0, total = 0, n = 0, cap = 0;
	unsigned lineno = 0;
	struct state_file_entry *v = NULL;
	const char *why = NULL;
	ssize_t got;

	*out = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno != ENOENT)
			log_warn_errno("health: state file %s: cannot read, "
			               "ignored",
			               path);
		return 0;
	}
	/* Bounded before reading: getline takes a line whole. */
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && st.st_size > STATE_FILE_MAX)
		why = "too big";
	/* getline, not fgets: it counts a NUL in the line as an octet. */
	while (why == NULL && (got = getline(&line, &linecap, f)) != -1) {
		size_t len = (size_t)got;
		char *sp;

		lineno++;
		total += len;
		if (total > STATE_FILE_MAX) {
			why = "too big";
			break;
		}
		if (memchr(line, '\0', len) != NULL) {
			why = "NUL byte";
			break;
		}
		if (line[len - 1] != '\n') {
			why = "no newline at end";
			break;
		}
		line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (len > STATE_FILE_LINE_MAX) {
			why = "line too long";
			break;
		}
		if ((sp = strchr(line, ' ')) == NULL) {
			why = "expected \"NAME OVERRIDE\"";
			break;
		}
		*sp++ = '\0';
		/* edges_name_valid() bounds the length: no truncation below */
		if (!edges_name_valid(line, strlen(line)) ||
		    strlen(line) >= sizeof(v->name)) {
			why = "bad edge name";
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		memset(&v[n], 0, sizeof(v[n]));
		if (parse_override(sp, &v[n]) == -1) {
			why = "expected \"NAME OVERRIDE [SINCE_MS OVER_MS "
			      "FROM]\"";
			break;
		}
		memcpy(v[n].name, line, strlen(line) + 1);
		n++;
	}
	if (why == NULL && ferror(f))
		why = "read error";
	fclose(f);
	free(line);
	if (why != NULL) {
		log_err("health: state file %s: line %u: %s, overrides ignored",
		        path, lineno, why);
		free(v);
		return 0;
	}
	*out = v;
	return n;
}

int
state_file_save(const char *path, const struct state_file_entry *e, size_t n)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f;
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

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
	fprintf(f, "# dnsd health overrides: NAME OVERRIDE [SINCE_MS OVER_MS "
	           "FROM]\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s %s", e[i].name, health_override_name(e[i].ov));
		if (e[i].drain_over > 0)
			fprintf(f, " %llu %llu %.6f",
			        (unsigned long long)e[i].drain_since,
			        (unsigned long long)e[i].drain_over,
			        e[i].drain_from);
		fprintf(f, "\n");
	}
	if (fflush(f) == EOF || fsync(fileno(f)) == -1) {
		log_err_errno("health: state file %s: write", tmp);
		fclose(f);
		goto out;
	}
	if (fclose(f) == EOF) {
		log_err_errno("health: state file %s: write", tmp);
		goto out;
	}
	if (rename(tmp, path) == -1) {
		log_err_errno("health: state file %s: rename", path);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		unlink(tmp);
	free(tmp);
	return rc;
}
