/* SPDX-License-Identifier: MIT */
/* tests/lib/keydir.h: DNSSEC keys made by ldns-keygen in a temporary
 * folder, for the tests. */
#ifndef TESTS_LIB_KEYDIR_H
#define TESTS_LIB_KEYDIR_H

/* A new empty folder /tmp/PREFIX.XXXXXX (returns new), or NULL. */
char *keydir_new(const char *prefix);

/* Run `ldns-keygen ARGS` in `dir`; returns the new key's path stem
 * ("DIR/Kexample.net.+013+12345", new), or NULL if it failed. */
char *keydir_keygen(const char *dir, const char *args);

/* Remove `dir`, the files in it, and free it. */
void keydir_free(char *dir);

#endif
