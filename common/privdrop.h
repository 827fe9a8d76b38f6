/* SPDX-License-Identifier: MIT */
/* common/privdrop.h: leave root for an unprivileged user after start-up. */
#ifndef COMMON_PRIVDROP_H
#define COMMON_PRIVDROP_H

#include <stdbool.h>

struct errbuf;

/*
 * Drop root for good, the NSD way: call it once, after every privileged
 * socket is bound and before any packet or probe is handled.
 *
 *   - Not running as root (uid and euid not 0): nothing to do, returns 0
 *     (`user` is ignored: a service manager already chose the user).
 *   - Root and `user` set: look the user up, take its groups
 *     (initgroups), then its gid and uid, and check that root cannot be
 *     regained (setuid(0) must fail).  0, or -1 with the reason in `err`.
 *   - Root, no `user` and !allow_root: -1 with "refusing to run as root:
 *     set user (or allow_root: true)" in `err`.
 *   - Root, no `user` and allow_root: 0, still root.
 *
 * On -1 the process may be half-way (some ids changed): the caller exits.
 */
int privdrop(const char *user, bool allow_root, struct errbuf *err);

/*
 * Give a file this daemon created (a Unix socket) to `user` and its primary
 * group, so it stays usable after privdrop(user, ...).  Nothing to do
 * (returns 0) when `user` or `path` is NULL or the process is not root.
 * 0, or -1 with the reason in `err`.
 */
int privdrop_chown(const char *path, const char *user, struct errbuf *err);

#endif
