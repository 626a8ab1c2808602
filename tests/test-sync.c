/*
 * tests/test-sync.c - the shared concurrency helpers of lib/core/sync.h: the
 * sequence count (readers never see a torn update, also under
 * ThreadSanitizer) and per-thread state (one state per thread and owner,
 * the fast slot never hands out another owner's or a dead owner's state,
 * exiting threads are handed to the owner's hook, the owner visits every
 * live state, finishing releases the rest) and in-flight marks (a waiter
 * returns only after an overlapping access ended, and does not wait for
 * other keys or ranges; nested marks cover everything).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "testutil.h"
#include "core/sync.h"

/* ---- sequence count ----------------------------------------------------------- */

#define SEQ_WRITES 20000

struct pair {
	pthread_spinlock_t lock;        /* the writers' own lock */
	struct dmasim_seqcount seq;
	unsigned long a, b;             /* b == ~a whenever no writer is at work */
	atomic_bool done;
};

static void *seq_writer(void *arg)
{
	struct pair *p = arg;

	for (unsigned long i = 1; i <= SEQ_WRITES; i++) {
		pthread_spin_lock(&p->lock);
		dmasim__seq_write_begin(&p->seq);
		__atomic_store_n(&p->a, i, __ATOMIC_RELEASE);
		__atomic_store_n(&p->b, ~i, __ATOMIC_RELEASE);
		dmasim__seq_write_end(&p->seq);
		pthread_spin_unlock(&p->lock);
	}
	atomic_store(&p->done, true);
	return NULL;
}

static void *seq_reader(void *arg)
{
	struct pair *p = arg;
	unsigned long torn = 0, last = 0;

	while (!atomic_load(&p->done)) {
		unsigned long a, b;
		unsigned int s;

		do {
			s = dmasim__seq_read_begin(&p->seq);
			if (s & 1)
				continue;
			a = __atomic_load_n(&p->a, __ATOMIC_ACQUIRE);
			b = __atomic_load_n(&p->b, __ATOMIC_ACQUIRE);
		} while (dmasim__seq_read_retry(&p->seq, s));
		if (b != ~a || a < last)
			torn++;
		last = a;
	}
	return (void *)torn;
}

static void test_seqcount_readers_never_see_a_torn_pair(void **state)
{
	struct pair p = { .b = ~0UL };
	pthread_t w, r[2];

	(void)state;
	pthread_spin_init(&p.lock, PTHREAD_PROCESS_PRIVATE);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&r[i], NULL, seq_reader, &p), 0);
	assert_int_equal(pthread_create(&w, NULL, seq_writer, &p), 0);
	pthread_join(w, NULL);
	for (int i = 0; i < 2; i++) {
		void *torn;

		pthread_join(r[i], &torn);
		assert_null(torn);
	}
	/* A mark taken before a write is changed after it; one taken after is not. */
	{
		unsigned int m = dmasim__seq_mark(&p.seq);

		assert_false(dmasim__seq_changed(&p.seq, m));
		dmasim__seq_write_begin(&p.seq);
		dmasim__seq_write_end(&p.seq);
		assert_true(dmasim__seq_changed(&p.seq, m));
	}
	pthread_spin_destroy(&p.lock);
}

/* ---- per-thread state ----------------------------------------------------------- */

struct counted {
	struct dmasim_pt_owner o;
	atomic_int made, left, released;
	atomic_long work_left;          /* what exiting threads handed over */
};

struct tstate {
	struct dmasim_pt_state pt;      /* first */
	long work;
};

static _Thread_local __attribute__((tls_model("initial-exec"))) struct dmasim_pt_last slot;

static struct dmasim_pt_state *t_make(struct dmasim_pt_owner *o)
{
	struct counted *c = container_of(o, struct counted, o);
	struct tstate *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	atomic_fetch_add(&c->made, 1);
	return &t->pt;
}

static void t_leave(struct dmasim_pt_owner *o, struct dmasim_pt_state *s)
{
	struct counted *c = container_of(o, struct counted, o);

	atomic_fetch_add(&c->left, 1);
	atomic_fetch_add(&c->work_left, ((struct tstate *)s)->work);
}

static void t_release(struct dmasim_pt_owner *o, struct dmasim_pt_state *s)
{
	struct counted *c = container_of(o, struct counted, o);

	atomic_fetch_add(&c->released, 1);
	free(s);
}

static struct tstate *get(struct counted *c)
{
	return (struct tstate *)dmasim__pt_get(&c->o, &slot);
}

#define PT_THREADS 4

struct worker {
	struct counted *c;
	pthread_barrier_t *live;        /* all threads hold a state */
	pthread_barrier_t *visited;     /* the main thread has counted them */
};

static void *pt_worker(void *arg)
{
	struct worker *w = arg;
	struct tstate *t = get(w->c);

	for (int i = 0; i < 1000; i++) {
		struct tstate *again = get(w->c);

		if (again != t)
			return (void *)1;
		again->work++;
	}
	pthread_barrier_wait(w->live);
	pthread_barrier_wait(w->visited);
	return NULL;
}

static void test_pt_one_state_per_thread_and_exit_hands_over(void **state)
{
	struct counted *c = calloc(1, sizeof(*c));
	pthread_barrier_t live, visited;
	struct worker w;
	pthread_t th[PT_THREADS];
	struct dmasim_pt_state *s;
	int n = 0;

	(void)state;
	assert_non_null(c);
	assert_int_equal(dmasim__pt_init(&c->o, t_make, t_leave, t_release), 0);
	assert_ptr_equal(get(c), get(c));
	assert_int_equal(atomic_load(&c->made), 1);

	pthread_barrier_init(&live, NULL, PT_THREADS + 1);
	pthread_barrier_init(&visited, NULL, PT_THREADS + 1);
	w = (struct worker){ .c = c, .live = &live, .visited = &visited };
	for (int i = 0; i < PT_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, pt_worker, &w), 0);
	pthread_barrier_wait(&live);
	dmasim__pt_lock(&c->o);
	dmasim__pt_foreach(s, &c->o)
		n++;
	dmasim__pt_unlock(&c->o);
	assert_int_equal(n, PT_THREADS + 1);
	pthread_barrier_wait(&visited);
	for (int i = 0; i < PT_THREADS; i++) {
		void *ret;

		pthread_join(th[i], &ret);
		assert_null(ret);
	}
	/* Each exiting thread's state went through leave, then release. */
	assert_int_equal(atomic_load(&c->made), PT_THREADS + 1);
	assert_int_equal(atomic_load(&c->left), PT_THREADS);
	assert_int_equal(atomic_load(&c->released), PT_THREADS);
	assert_int_equal(atomic_load(&c->work_left), PT_THREADS * 1000L);
	n = 0;
	dmasim__pt_foreach(s, &c->o)
		n++;
	assert_int_equal(n, 1);
	/* Finishing releases the live ones without leave. */
	dmasim__pt_fini(&c->o);
	assert_int_equal(atomic_load(&c->left), PT_THREADS);
	assert_int_equal(atomic_load(&c->released), PT_THREADS + 1);
	pthread_barrier_destroy(&live);
	pthread_barrier_destroy(&visited);
	free(c);
}

static void test_pt_fast_slot_tells_owners_apart(void **state)
{
	struct counted *c1 = calloc(1, sizeof(*c1)), *c2 = calloc(1, sizeof(*c2));
	struct tstate *t1, *t2;

	(void)state;
	assert_non_null(c1);
	assert_non_null(c2);
	assert_int_equal(dmasim__pt_init(&c1->o, t_make, t_leave, t_release), 0);
	assert_int_equal(dmasim__pt_init(&c2->o, t_make, t_leave, t_release), 0);
	/* One slot, two owners: each keeps its own state. */
	t1 = get(c1);
	t2 = get(c2);
	assert_ptr_not_equal(t1, t2);
	assert_ptr_equal(get(c1), t1);
	assert_ptr_equal(get(c2), t2);
	assert_int_equal(atomic_load(&c1->made) + atomic_load(&c2->made), 2);
	/* A new owner at a finished one's address gets a new state, not the dead one. */
	dmasim__pt_fini(&c1->o);
	assert_int_equal(dmasim__pt_init(&c1->o, t_make, t_leave, t_release), 0);
	assert_non_null(get(c1));
	assert_int_equal(atomic_load(&c1->made), 2);
	dmasim__pt_fini(&c1->o);
	dmasim__pt_fini(&c2->o);
	assert_int_equal(atomic_load(&c1->released), 2);
	assert_int_equal(atomic_load(&c2->released), 1);
	free(c1);
	free(c2);
}

/* ---- in-flight marks ---------------------------------------------------------- */

struct marked {
	struct dmasim_inflight mark;
	atomic_int begun, go, ended_before; /* ended_before: what the accessor did last before its end */
	atomic_int waiter_saw;              /* what the waiter saw when its wait returned */
	unsigned long long wfirst, wlast;
	const void *wkey;
};

static int key_a, key_b;

static void *mark_accessor(void *arg)
{
	struct marked *m = arg;

	dmasim__inflight_begin(&m->mark, &key_a, 100, 199);
	atomic_store(&m->begun, 1);
	while (!atomic_load(&m->go))
		sched_yield();
	atomic_store(&m->ended_before, 1); /* the access's "copy" */
	dmasim__inflight_end(&m->mark);
	return NULL;
}

static void *mark_waiter(void *arg)
{
	struct marked *m = arg;

	dmasim__barrier_heavy();
	dmasim__inflight_wait(&m->mark, m->wkey, m->wfirst, m->wlast);
	atomic_store(&m->waiter_saw, atomic_load(&m->ended_before) + 1);
	return NULL;
}

static void test_inflight_wait_returns_after_an_overlapping_access(void **state)
{
	struct marked m = { .wkey = &key_a, .wfirst = 150, .wlast = 400 };
	pthread_t a, w;

	(void)state;
	dmasim__barrier_init();
	assert_int_equal(pthread_create(&a, NULL, mark_accessor, &m), 0);
	while (!atomic_load(&m.begun))
		sched_yield();
	/* Other keys and other ranges do not wait (else this thread would hang here). */
	dmasim__barrier_heavy();
	dmasim__inflight_wait(&m.mark, &key_b, 0, ~0ULL);
	dmasim__inflight_wait(&m.mark, &key_a, 200, 300);
	dmasim__inflight_wait(&m.mark, &key_a, 0, 99);
	/* An overlapping waiter returns only after the access ended: it sees its last store. */
	assert_int_equal(pthread_create(&w, NULL, mark_waiter, &m), 0);
	for (int i = 0; i < 100; i++)
		sched_yield();
	atomic_store(&m.go, 1);
	assert_int_equal(pthread_join(w, NULL), 0);
	assert_int_equal(pthread_join(a, NULL), 0);
	assert_int_equal(atomic_load(&m.waiter_saw), 2);
	/* Ended: nothing to wait for, any key. */
	dmasim__inflight_wait(&m.mark, NULL, 0, ~0ULL);
}

static void test_inflight_nested_mark_covers_everything(void **state)
{
	struct dmasim_inflight mk = { .seq = 0 };

	(void)state;
	dmasim__inflight_begin(&mk, &key_a, 100, 199);
	dmasim__inflight_begin(&mk, &key_a, 5000, 5000);
	/* The inner access widened the mark: any key, any address. */
	assert_int_equal(mk.seq & 1, 1);
	assert_null(mk.key);
	assert_true(mk.first == 0 && mk.last == ~0ULL);
	dmasim__inflight_end(&mk);
	assert_int_equal(mk.seq & 1, 1);
	dmasim__inflight_end(&mk);
	assert_int_equal(mk.seq, 2);
	assert_int_equal(mk.depth, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inflight_wait_returns_after_an_overlapping_access),
		cmocka_unit_test(test_inflight_nested_mark_covers_everything),
		cmocka_unit_test(test_seqcount_readers_never_see_a_torn_pair),
		cmocka_unit_test(test_pt_one_state_per_thread_and_exit_hands_over),
		cmocka_unit_test(test_pt_fast_slot_tells_owners_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
