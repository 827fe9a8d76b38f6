/* SPDX-License-Identifier: MIT */
/* common/path.h: file names given relative to the file that names them. */
#ifndef COMMON_PATH_H
#define COMMON_PATH_H

/*
 * `path` as seen from the directory of the file `base`: absolute paths and
 * bases without a directory part are returned as they are.  Returns new
 * (free with free()); cannot fail.
 */
char *path_relative(const char *base, const char *path);

#endif
