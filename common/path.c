/* SPDX-License-Identifier: MIT */
/* common/path.c: file names given relative to the file that names them. */
#include "common/path.h"

#include <string.h>

#include "common/xalloc.h"

char *
path_relative(const char *base, const char *path)
{
	const char *slash = strrchr(base, '/');

	/* "zones/dnsd.yaml" names "example.net.yaml": zones/example.net.yaml */
	if (path[0] == '/' || slash == NULL)
		return xstrdup(path);
	return xasprintf("%.*s/%s", (int)(slash - base), base, path);
}
