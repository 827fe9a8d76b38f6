/* SPDX-License-Identifier: MIT */
/* common/privdrop.c: leave root for an unprivileged user after start-up. */
#include "common/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/errbuf.h"

static bool
is_root(void)
{
	return getuid() == 0 || geteuid() == 0;
}

/* The user's entry, or NULL with the reason in `err`. */
static struct passwd *
lookup(const char *user, struct errbuf *err)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		errbuf_add(err, NULL, 0, 0, "user %s: %s", user,
		           errno != 0 ? strerror(errno) : "no such user");
		return NULL;
	}
	if (pw->pw_uid == 0) {
		errbuf_add(err, NULL, 0, 0,
		           "user %s: has uid 0: choose an unprivileged user",
		           user);
		return NULL;
	}
	return pw;
}

int
privdrop(const char *user, bool allow_root, struct errbuf *err)
{
	if (!is_root())
		return 0;
	if (user == NULL || *user == '\0') {
		if (allow_root)
			return 0;
		errbuf_add(err, NULL, 0, 0,
		           "refusing to run as root: set user (or allow_root: "
		           "true)");
		return -1;
	}

	struct passwd *pw = lookup(user, err);
	if (pw == NULL)
		return -1;
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;

	/* Groups first: only root may change them. */
	if (initgroups(user, gid) == -1) {
		errbuf_add(err, NULL, 0, 0, "user %s: initgroups: %s", user,
		           strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		errbuf_add(err, NULL, 0, 0, "user %s: setgid %lu: %s", user,
		           (unsigned long)gid, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) == -1) {
		errbuf_add(err, NULL, 0, 0, "user %s: setuid %lu: %s", user,
		           (unsigned long)uid, strerror(errno));
		return -1;
	}
	/* Trust, but verify: no way back. */
	if (setuid(0) != -1 || seteuid(0) != -1 || getuid() != uid ||
	    geteuid() != uid || getgid() != gid || getegid() != gid) {
		errbuf_add(err, NULL, 0, 0,
		           "user %s: root privileges could be regained", user);
		return -1;
	}
	return 0;
}

int
privdrop_chown(const char *path, const char *user, struct errbuf *err)
{
	if (path == NULL || user == NULL || *user == '\0' || !is_root())
		return 0;

	struct passwd *pw = lookup(user, err);
	if (pw == NULL)
		return -1;
	if (chown(path, pw->pw_uid, pw->pw_gid) == -1) {
		errbuf_add(err, NULL, 0, 0, "%s: chown to %s: %s", path, user,
		           strerror(errno));
		return -1;
	}
	return 0;
}
