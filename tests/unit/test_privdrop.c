/* SPDX-License-Identifier: MIT */
/* tests/unit/test_privdrop.c: leaving root, refusing root, the no-op. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "common/privdrop.h"

/* The unprivileged user the root-only tests drop to. */
#define TEST_USER "nobody"

static bool
root(void)
{
	return geteuid() == 0;
}

/* Skip, saying why in the TAP output, when the test needs root. */
#define NEED_ROOT()                                                            \
	do {                                                                   \
		if (!root()) {                                                 \
			print_message("# skip: needs root (uid %lu): run the " \
			              "tests as root to cover it\n",           \
			              (unsigned long)getuid());                \
			skip();                                                \
		}                                                              \
	} while (0)

static const struct passwd *
test_user(void)
{
	static struct passwd pw;
	static char name[64];
	const struct passwd *p = getpwnam(TEST_USER);

	if (p == NULL)
		fail_msg("user %s does not exist on this system", TEST_USER);
	pw = *p;
	snprintf(name, sizeof(name), "%s", p->pw_name);
	pw.pw_name = name;
	return &pw;
}

/*
 * Run `fn` in a child process (ids are changed for good there) and return
 * its exit status: 0 when every check in it held, else the failed check's
 * number.
 */
static int
in_child(int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int
child_drop(void)
{
	const struct passwd *pw = getpwnam(TEST_USER);
	struct errbuf err;
	gid_t groups[64];

	if (pw == NULL)
		return 1;
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	errbuf_init(&err);
	if (privdrop(TEST_USER, false, &err) != 0) {
		fprintf(stderr, "privdrop: %s", errbuf_text(&err));
		return 2;
	}
	if (getuid() != uid || geteuid() != uid)
		return 3;
	if (getgid() != gid || getegid() != gid)
		return 4;
	if (setuid(0) != -1 || errno != EPERM)
		return 5;
	if (seteuid(0) != -1 || setgid(0) != -1)
		return 6;
	int n = getgroups(64, groups);
	if (n < 0)
		return 7;
	for (int i = 0; i < n; i++)
		if (groups[i] == 0)
			return 8; /* root's group kept */
	/* Not root any more: a second call has nothing to do. */
	if (privdrop(NULL, false, &err) != 0 || err.count != 0)
		return 9;
	errbuf_fini(&err);
	return 0;
}

static void
root_drops_to_user(void **state)
{
	(void)state;
	NEED_ROOT();
	test_user();
	assert_int_equal(in_child(child_drop), 0);
}

static void
root_without_user_refused(void **state)
{
	struct errbuf err;

	(void)state;
	NEED_ROOT();
	errbuf_init(&err);
	assert_int_equal(privdrop(NULL, false, &err), -1);
	assert_non_null(strstr(errbuf_text(&err),
	                       "refusing to run as root: set user (or "
	                       "allow_root: true)"));
	errbuf_clear(&err);
	assert_int_equal(privdrop("", false, &err), -1);
	assert_int_equal(err.count, 1);
	assert_int_equal(geteuid(), 0); /* nothing changed */
	errbuf_fini(&err);
}

static void
root_allowed_stays_root(void **state)
{
	struct errbuf err;

	(void)state;
	NEED_ROOT();
	errbuf_init(&err);
	assert_int_equal(privdrop(NULL, true, &err), 0);
	assert_int_equal(err.count, 0);
	assert_int_equal(getuid(), 0);
	assert_int_equal(geteuid(), 0);
	errbuf_fini(&err);
}

static void
root_bad_users_refused(void **state)
{
	struct errbuf err;

	(void)state;
	NEED_ROOT();
	errbuf_init(&err);
	/* Both fail at the lookup, before any id changes. */
	assert_int_equal(privdrop("no-such-user-privdrop", false, &err), -1);
	assert_non_null(strstr(errbuf_text(&err), "no-such-user-privdrop"));
	errbuf_clear(&err);
	assert_int_equal(privdrop("root", false, &err), -1);
	assert_non_null(strstr(errbuf_text(&err), "uid 0"));
	assert_int_equal(geteuid(), 0);
	errbuf_fini(&err);
}

static void
root_chowns_socket_file(void **state)
{
	char path[] = "/tmp/test_privdrop.XXXXXX";
	struct errbuf err;
	struct stat st;

	(void)state;
	NEED_ROOT();
	const struct passwd *pw = test_user();
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	errbuf_init(&err);
	assert_int_equal(privdrop_chown(path, TEST_USER, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, pw->pw_uid);
	assert_int_equal(st.st_gid, pw->pw_gid);
	/* No user: nothing to do. */
	assert_int_equal(privdrop_chown(path, NULL, &err), 0);
	assert_int_equal(privdrop_chown(path, "no-such-user-privdrop", &err),
	                 -1);
	unlink(path);
	assert_int_equal(privdrop_chown(path, TEST_USER, &err), -1);
	errbuf_fini(&err);
}

/* Not root: whatever the arguments, nothing to do. */
static int
child_not_root(void)
{
	struct errbuf err;
	uid_t uid = getuid();

	errbuf_init(&err);
	if (privdrop(NULL, false, &err) != 0)
		return 1;
	if (privdrop(TEST_USER, false, &err) != 0)
		return 2;
	if (privdrop("no-such-user-privdrop", true, &err) != 0)
		return 3;
	if (privdrop_chown("/nonexistent", TEST_USER, &err) != 0)
		return 4;
	if (err.count != 0 || getuid() != uid || geteuid() != uid)
		return 5;
	errbuf_fini(&err);
	return 0;
}

/* As root, first become nobody by hand, then check the no-op. */
static int
child_become_then_not_root(void)
{
	const struct passwd *pw = getpwnam(TEST_USER);

	if (pw == NULL || setgroups(0, NULL) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1)
		return 10;
	return child_not_root();
}

static void
not_root_is_noop(void **state)
{
	(void)state;
	if (root()) {
		test_user();
		assert_int_equal(in_child(child_become_then_not_root), 0);
	} else {
		assert_int_equal(child_not_root(), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(root_drops_to_user),
	    cmocka_unit_test(root_without_user_refused),
	    cmocka_unit_test(root_allowed_stays_root),
	    cmocka_unit_test(root_bad_users_refused),
	    cmocka_unit_test(root_chowns_socket_file),
	    cmocka_unit_test(not_root_is_noop),
	};
	return cmocka_run_group_tests_name("privdrop", tests, NULL, NULL);
}
