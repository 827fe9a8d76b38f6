/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_sigcache.c: the answer path's signature cache
 * (dnsd/sigcache.c): what is stored is what comes back, and only for its
 * own key; a full set gives up its oldest entry, never a pinned one; a
 * bad count stores nothing; and threads that store and look up at once never
 * see a torn entry (the seqlock).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "dnsd/sigcache.h"

/*
 * Key i and its signatures, each a function of i alone: a reader can
 * tell what it must get back.  Owners and contents are spread the way
 * real hashes are; the type varies too.
 */
static struct sigcache_key
key_of(unsigned i)
{
	return (struct sigcache_key){
	    .owner = 0x1000 + i * 0x9E3779B97F4A7C15ull,
	    .content = i * 0xC2B2AE3D27D4EB4Full + 1,
	    .type = (uint16_t)(1 + i % 4),
	};
}

static unsigned
nsigs_of(unsigned i)
{
	return 1 + i % SIGCACHE_SIGS;
}

static void
sigs_of(unsigned i, struct sigcache_sig sig[SIGCACHE_SIGS])
{
	for (unsigned s = 0; s < SIGCACHE_SIGS; s++) {
		for (unsigned j = 0; j < RRSIG_HEAD_LEN; j++)
			sig[s].head[j] = (uint8_t)(i * 31 + j * 7 + s * 101);
		for (unsigned j = 0; j < RRSIG_SIG_LEN; j++)
			sig[s].sig[j] = (uint8_t)(i * 17 + j * 13 + s * 59 + 3);
	}
}

static void
put(struct sigcache *c, unsigned i)
{
	struct sigcache_key k = key_of(i);
	struct sigcache_sig sig[SIGCACHE_SIGS];

	sigs_of(i, sig);
	sigcache_put(c, &k, sig, nsigs_of(i));
}

/* Is key i there, with exactly its signatures? */
static bool
holds(struct sigcache *c, unsigned i)
{
	struct sigcache_key k = key_of(i);
	struct sigcache_sig want[SIGCACHE_SIGS], got[SIGCACHE_SIGS];
	unsigned n = sigcache_get(c, &k, got);

	if (n == 0)
		return false;
	sigs_of(i, want);
	assert_int_equal(n, nsigs_of(i));
	assert_memory_equal(got, want, n * sizeof(got[0]));
	return true;
}

static void
get_after_put(void **state)
{
	(void)state;
	struct sigcache *c = sigcache_new(SIGCACHE_ENTRIES);
	struct sigcache_sig got[SIGCACHE_SIGS];

	assert_false(holds(c, 1));
	put(c, 1); /* two signatures */
	put(c, 2); /* one */
	assert_true(holds(c, 1));
	assert_true(holds(c, 2));
	/* a lookup copies only what is stored: the rest of out[] is left */
	struct sigcache_key k = key_of(2);
	memset(got, 0xAA, sizeof(got));
	assert_int_equal(sigcache_get(c, &k, got), 1);
	for (unsigned j = 0; j < RRSIG_SIG_LEN; j++)
		assert_int_equal(got[1].sig[j], 0xAA);
	sigcache_free(c);
	sigcache_free(NULL);
}

/* One set of 4 slots: every key meets every other, so only the key's
 * own fields can tell them apart. */
static void
miss_for_another_key(void **state)
{
	(void)state;
	struct sigcache *c = sigcache_new(4);
	struct sigcache_sig sig[SIGCACHE_SIGS];
	struct sigcache_key k = key_of(7), other;

	put(c, 7);
	assert_true(holds(c, 7));
	other = k;
	other.owner ^= 1;
	assert_int_equal(sigcache_get(c, &other, sig), 0);
	other = k;
	other.content += 1;
	assert_int_equal(sigcache_get(c, &other, sig), 0);
	other = k;
	other.type = 0x1234;
	assert_int_equal(sigcache_get(c, &other, sig), 0);
	/* the zero key is not an empty slot's */
	other = (struct sigcache_key){0, 0, 0};
	assert_int_equal(sigcache_get(c, &other, sig), 0);
	sigcache_free(c);
}

static bool
pin(struct sigcache *c, unsigned i)
{
	struct sigcache_key k = key_of(i);
	struct sigcache_sig sig[SIGCACHE_SIGS];

	sigs_of(i, sig);
	return sigcache_pin(c, &k, sig, nsigs_of(i));
}

/*
 * One set of four: two keys pinned at load stay whatever the answer path
 * stores after them; a third is stored but not pinned (half the set stays
 * for the answer path), and goes like any other.
 */
static void
pinned_entries_stay(void **state)
{
	(void)state;
	struct sigcache *c = sigcache_new(4);

	assert_true(pin(c, 1));
	assert_true(pin(c, 2));
	assert_false(pin(c, 3));
	assert_true(holds(c, 3));
	for (unsigned i = 10; i < 1000; i++) {
		put(c, i);
		assert_true(holds(c, i));
		assert_true(holds(c, 1));
		assert_true(holds(c, 2));
	}
	assert_false(holds(c, 3));
	/* the two free slots hold the two stored last */
	assert_true(holds(c, 998));
	assert_false(holds(c, 997));
	sigcache_free(c);
}

/* Five keys in a set of four: the first stored goes, then the next. */
static void
oldest_is_evicted(void **state)
{
	(void)state;
	struct sigcache *c = sigcache_new(4);

	for (unsigned i = 1; i <= 4; i++)
		put(c, i);
	for (unsigned i = 1; i <= 4; i++)
		assert_true(holds(c, i));
	put(c, 5);
	assert_false(holds(c, 1));
	for (unsigned i = 2; i <= 5; i++)
		assert_true(holds(c, i));
	/* a lookup does not make an entry younger: 2 is now the oldest */
	put(c, 6);
	assert_false(holds(c, 2));
	for (unsigned i = 3; i <= 6; i++)
		assert_true(holds(c, i));
	sigcache_free(c);
}

/* n of 0 or above SIGCACHE_SIGS stores nothing, and evicts nothing. */
static void
bad_count_ignored(void **state)
{
	(void)state;
	struct sigcache *c = sigcache_new(4);
	struct sigcache_sig sig[SIGCACHE_SIGS + 1];
	struct sigcache_sig out[SIGCACHE_SIGS];

	for (unsigned i = 1; i <= 4; i++)
		put(c, i);
	memset(sig, 0x55, sizeof(sig));
	struct sigcache_key k = key_of(9);
	sigcache_put(c, &k, sig, 0);
	assert_int_equal(sigcache_get(c, &k, out), 0);
	sigcache_put(c, &k, sig, SIGCACHE_SIGS + 1);
	assert_int_equal(sigcache_get(c, &k, out), 0);
	sigcache_put(c, &k, sig, 0xFFFFFFFFu);
	assert_int_equal(sigcache_get(c, &k, out), 0);
	for (unsigned i = 1; i <= 4; i++)
		assert_true(holds(c, i));
	sigcache_free(c);
}

/* ---- threads ------------------------------------------------------------ */

/* Keys the threads share: four times the slots, so that they evict. */
#define HAMMER_SLOTS 16
#define HAMMER_KEYS 64
/* Bounds: about half a second, and this many operations a thread. */
#define HAMMER_NS 500000000L
#define HAMMER_OPS 20000000UL

struct hammer {
	struct sigcache *c;
	atomic_bool stop;
	atomic_ulong gets, hits, torn, puts;
};

static unsigned
next_rand(uint32_t *x)
{
	/* xorshift32: each thread its own sequence */
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void *
writer(void *arg)
{
	struct hammer *h = arg;
	uint32_t x = 0x9E3779B9u ^ (uint32_t)(uintptr_t)&x;
	unsigned long n = 0;

	while (n < HAMMER_OPS &&
	       !atomic_load_explicit(&h->stop, memory_order_relaxed)) {
		put(h->c, next_rand(&x) % HAMMER_KEYS);
		n++;
	}
	atomic_fetch_add(&h->puts, n);
	return NULL;
}

/* No cmocka assertion here (they longjmp): counts, checked by main. */
static void *
reader(void *arg)
{
	struct hammer *h = arg;
	uint32_t x = 0x85EBCA6Bu ^ (uint32_t)(uintptr_t)&x;
	unsigned long n = 0, hits = 0, torn = 0;
	struct sigcache_sig want[SIGCACHE_SIGS], got[SIGCACHE_SIGS];

	while (n < HAMMER_OPS &&
	       !atomic_load_explicit(&h->stop, memory_order_relaxed)) {
		unsigned i = next_rand(&x) % HAMMER_KEYS;
		struct sigcache_key k = key_of(i);
		unsigned got_n = sigcache_get(h->c, &k, got);
		n++;
		if (got_n == 0)
			continue;
		hits++;
		sigs_of(i, want);
		if (got_n != nsigs_of(i) ||
		    memcmp(got, want, got_n * sizeof(got[0])) != 0)
			torn++;
	}
	atomic_fetch_add(&h->gets, n);
	atomic_fetch_add(&h->hits, hits);
	atomic_fetch_add(&h->torn, torn);
	return NULL;
}

static void
threads_never_see_torn_entries(void **state)
{
	(void)state;
	struct hammer h = {.c = sigcache_new(HAMMER_SLOTS)};
	pthread_t t[4];
	void *(*const fn[4])(void *) = {writer, writer, reader, reader};
	struct timespec half = {0, HAMMER_NS};

	atomic_init(&h.stop, false);
	atomic_init(&h.gets, 0);
	atomic_init(&h.hits, 0);
	atomic_init(&h.torn, 0);
	atomic_init(&h.puts, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, fn[i], &h), 0);
	nanosleep(&half, NULL);
	atomic_store(&h.stop, true);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	print_message("sigcache: %lu puts, %lu gets, %lu hits\n",
	              atomic_load(&h.puts), atomic_load(&h.gets),
	              atomic_load(&h.hits));
	assert_int_equal(atomic_load(&h.torn), 0);
	assert_true(atomic_load(&h.gets) > 0);
	assert_true(atomic_load(&h.hits) > 0);
	/* what is left is whole too */
	for (unsigned i = 0; i < HAMMER_KEYS; i++)
		(void)holds(h.c, i);
	sigcache_free(h.c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(get_after_put),
	    cmocka_unit_test(miss_for_another_key),
	    cmocka_unit_test(oldest_is_evicted),
	    cmocka_unit_test(pinned_entries_stay),
	    cmocka_unit_test(bad_count_ignored),
	    cmocka_unit_test(threads_never_see_torn_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
