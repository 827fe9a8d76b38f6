/* SPDX-License-Identifier: MIT */
/* dnsd/state_file.h: the operator's overrides kept across restarts
 * (`state_file`): one "NAME OVERRIDE" line per overridden edge; a timed
 * drain adds "SINCE_MS OVER_MS FROM" (its start in Unix ms, its length
 * in ms, the share it started from). */
#ifndef DNSD_STATE_FILE_H
#define DNSD_STATE_FILE_H

#include <stddef.h>

#include "common/edges.h"
#include "dnsd/health.h"

struct state_file_entry {
	char name[EDGE_NAME_MAX];
	enum health_override ov;
	/* A timed drain (drain only): started at (wall ms), lasts, from
	 * what share; drain_over 0: none. */
	uint64_t drain_since, drain_over;
	double drain_from;
};

/*
 * Read `path`.  A missing file is no overrides; a damaged one is ignored
 * whole (logged): applying half of an operator's intent would be harder
 * to explain than none.  Returns how many entries, in *out (new, free()).
 */
size_t state_file_load(const char *path, struct state_file_entry **out);

/*
 * Write the `n` entries to `path` atomically (a crash leaves the old file
 * or the new one, never half of one), mode 0640.  0, or -1 (logged).
 */
int state_file_save(const char *path, const struct state_file_entry *e,
                    size_t n);

#endif
