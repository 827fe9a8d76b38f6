/* SPDX-License-Identifier: MIT */
/* tests/unit/test_serving.c: a snapshot and its edge health published as
 * one: slots, references, and the yard that keeps frees off the
 * answering threads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dnsd/serving.h"
#include "dnsd/snapshot.h"

/*
 * A snapshot the tests hold one reference on for good, so that it is never
 * freed (it has no zones); its reference count shows how many servings
 * still hold it.
 */
static struct snapshot snap;

static unsigned
held(void)
{
	return atomic_load(&snap.refs) - 1;
}

static void
copies_the_health_it_was_made_with(void **state)
{
	struct steer *h = calloc(1, steer_size(3));

	(void)state;
	assert_non_null(h);
	h->partial = true;
	h->n = 3;
	h->edge[0] = (struct steer_edge){STEER_SHARE_ALL, 1};
	h->edge[1] = (struct steer_edge){0, 1};
	h->edge[2] = (struct steer_edge){STEER_SHARE_ALL / 2, 7};
	struct serving *sv = serving_new(&snap, h, NULL);
	h->edge[1].share = STEER_SHARE_ALL; /* the caller's changes: not the
	                                       serving's */
	free(h);
	assert_ptr_equal(sv->snap, &snap);
	assert_non_null(sv->steer);
	assert_int_equal(sv->steer->n, 3);
	assert_true(sv->steer->partial);
	assert_int_equal(sv->steer->edge[0].share, STEER_SHARE_ALL);
	assert_int_equal(sv->steer->edge[1].share, 0);
	assert_int_equal(sv->steer->edge[2].share, STEER_SHARE_ALL / 2);
	assert_int_equal(sv->steer->edge[2].weight, 7);
	assert_int_equal(held(), 1);
	serving_unref(sv);
	assert_int_equal(held(), 0);

	sv = serving_new(&snap, NULL, NULL);
	assert_null(sv->steer); /* every edge usable */
	serving_unref(sv);
}

static void
the_newest_published_wins(void **state)
{
	struct serving_slot slot;
	struct serving *a = serving_new(&snap, NULL, NULL);
	struct serving *b = serving_new(&snap, NULL, NULL);
	struct serving *c = serving_new(&snap, NULL, NULL);

	(void)state;
	serving_slot_init(&slot, a);
	assert_ptr_equal(serving_slot_take(&slot), a);
	serving_slot_put(&slot, b);
	serving_slot_put(&slot, c); /* b was never taken: superseded */
	serving_unref(b);           /* ours: b is gone now */
	assert_int_equal(held(), 2);
	assert_ptr_equal(serving_slot_take(&slot), c);
	assert_ptr_equal(serving_slot_take(&slot), c);
	serving_unref(a); /* the slot let go of it when it took c */
	assert_int_equal(held(), 1);
	serving_slot_fini(&slot);
	serving_unref(c);
	assert_int_equal(held(), 0);
}

struct thread_arg {
	struct serving_slot *slot;
	const struct serving *took;
};

/* An answering thread between two batches. */
static void *
take_once(void *p)
{
	struct thread_arg *t = p;

	t->took = serving_slot_take(t->slot);
	return NULL;
}

static void
a_thread_leaves_its_last_reference_in_the_yard(void **state)
{
	struct serving_yard yard = {NULL};
	struct serving_slot slot;
	struct thread_arg t = {.slot = &slot};
	pthread_t th;

	(void)state;
	struct serving *old = serving_new(&snap, NULL, &yard);
	struct serving *new = serving_new(&snap, NULL, &yard);
	serving_slot_init(&slot, old);
	serving_unref(old); /* the slot's reference is the last one */
	serving_slot_put(&slot, new);
	assert_int_equal(pthread_create(&th, NULL, take_once, &t), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_ptr_equal(t.took, new);
	/* The thread let go of `old` for good, but did not free it. */
	assert_int_equal(held(), 2);
	assert_ptr_equal(atomic_load(&yard.dead), old);
	assert_int_equal(serving_yard_empty(&yard), 1);
	assert_int_equal(held(), 1);
	assert_int_equal(serving_yard_empty(&yard), 0);
	serving_slot_fini(&slot);
	serving_unref(new);
	assert_int_equal(held(), 0);
}

static void
many_threads_many_publishes(void **state)
{
	enum { THREADS = 4, ROUNDS = 200 };
	struct serving_yard yard = {NULL};
	struct serving_slot slot[THREADS];
	struct thread_arg t[THREADS];
	pthread_t th[THREADS];
	unsigned freed = 0;

	(void)state;
	struct serving *sv = serving_new(&snap, NULL, &yard);
	for (int i = 0; i < THREADS; i++)
		serving_slot_init(&slot[i], sv);
	for (int r = 0; r < ROUNDS; r++) {
		serving_unref(sv);
		sv = serving_new(&snap, NULL, &yard);
		for (int i = 0; i < THREADS; i++) {
			serving_slot_put(&slot[i], sv);
			t[i].slot = &slot[i];
			assert_int_equal(
			    pthread_create(&th[i], NULL, take_once, &t[i]), 0);
		}
		for (int i = 0; i < THREADS; i++) {
			assert_int_equal(pthread_join(th[i], NULL), 0);
			assert_ptr_equal(t[i].took, sv);
		}
		freed += serving_yard_empty(&yard);
	}
	/* Every retired serving went through the yard, once. */
	assert_int_equal(freed, ROUNDS);
	assert_int_equal(held(), 1);
	for (int i = 0; i < THREADS; i++)
		serving_slot_fini(&slot[i]);
	serving_unref(sv);
	assert_int_equal(held(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(copies_the_health_it_was_made_with),
	    cmocka_unit_test(the_newest_published_wins),
	    cmocka_unit_test(a_thread_leaves_its_last_reference_in_the_yard),
	    cmocka_unit_test(many_threads_many_publishes),
	};

	atomic_init(&snap.refs, 1);
	return cmocka_run_group_tests_name("serving", tests, NULL, NULL);
}
