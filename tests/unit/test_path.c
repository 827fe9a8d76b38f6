/* SPDX-License-Identifier: MIT */
/* tests/unit/test_path.c: paths relative to the file that names them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "common/path.h"

static void
check(const char *base, const char *path, const char *want)
{
	char *got = path_relative(base, path);

	assert_string_equal(got, want);
	free(got);
}

static void
relative_to_the_base_directory(void **state)
{
	(void)state;
	check("zones/dnsd.yaml", "example.net.yaml", "zones/example.net.yaml");
	check("/etc/dnsd/dnsd.yaml", "z/a.yaml", "/etc/dnsd/z/a.yaml");
	check("/dnsd.yaml", "a.yaml", "/a.yaml");
}

static void
absolute_or_bare(void **state)
{
	(void)state;
	check("zones/dnsd.yaml", "/srv/zones/a.yaml", "/srv/zones/a.yaml");
	check("dnsd.yaml", "a.yaml", "a.yaml");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(relative_to_the_base_directory),
	    cmocka_unit_test(absolute_or_bare),
	};
	return cmocka_run_group_tests_name("path", tests, NULL, NULL);
}
