/*
 * lib/core/sync.c - the slow paths of lib/core/sync.h: making a thread's
 * state on its first use and handing it back when it exits; the heavy
 * barrier and the wait of in-flight marks.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#endif

#include "core/sync.h"

static atomic_ulong pt_serials;

/* Key destructor: the thread of @arg exits. */
static void pt_exit(void *arg)
{
	struct dmasim_pt_state *s = arg;
	struct dmasim_pt_owner *o = s->owner;

	/* Still this thread's TLS: the destructor runs in the exiting thread. */
	if (s->last->state == s)
		s->last->serial = 0;
	pthread_mutex_lock(&o->lock);
	if (o->leave)
		o->leave(o, s);
	LIST_REMOVE(s, link);
	pthread_mutex_unlock(&o->lock);
	o->release(o, s);
}

int dmasim__pt_init(struct dmasim_pt_owner *o,
		   struct dmasim_pt_state *(*make)(struct dmasim_pt_owner *o),
		   void (*leave)(struct dmasim_pt_owner *o, struct dmasim_pt_state *s),
		   void (*release)(struct dmasim_pt_owner *o, struct dmasim_pt_state *s))
{
	int ret;

	o->serial = atomic_fetch_add(&pt_serials, 1) + 1;
	o->make = make;
	o->leave = leave;
	o->release = release;
	LIST_INIT(&o->states);
	pthread_mutex_init(&o->lock, NULL);
	ret = pthread_key_create(&o->key, pt_exit);
	o->key_ok = !ret;
	return ret;
}

void dmasim__pt_fini(struct dmasim_pt_owner *o)
{
	struct dmasim_pt_state *s;

	/* After this no destructor runs for the key: the states are ours to free. */
	if (o->key_ok)
		pthread_key_delete(o->key);
	o->key_ok = false;
	while ((s = LIST_FIRST(&o->states))) {
		LIST_REMOVE(s, link);
		o->release(o, s);
	}
	pthread_mutex_destroy(&o->lock);
}

struct dmasim_pt_state *dmasim__pt_get_slow(struct dmasim_pt_owner *o, struct dmasim_pt_last *last)
{
	struct dmasim_pt_state *s;

	if (!o->key_ok)
		return NULL;
	s = pthread_getspecific(o->key);
	if (!s) {
		s = o->make(o);
		if (!s)
			return NULL;
		s->owner = o;
		s->last = last;
		pthread_mutex_lock(&o->lock);
		LIST_INSERT_HEAD(&o->states, s, link);
		pthread_mutex_unlock(&o->lock);
		if (pthread_setspecific(o->key, s)) {
			pt_exit(s); /* no memory for the key's slot: as if the thread left */
			return NULL;
		}
	}
	last->serial = o->serial;
	last->state = s;
	return s;
}

/* ---- in-flight marks ------------------------------------------------------ */

bool dmasim__membarrier_ok;
#ifdef DMASIM_TSAN
unsigned long dmasim__fence_word;
#endif

static pthread_once_t barrier_once = PTHREAD_ONCE_INIT;

static void barrier_setup(void)
{
#if defined(__linux__) && defined(__NR_membarrier) && !defined(DMASIM_TSAN)
	int cmds = (int)syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	/*
	 * The expedited command needs registering; a kernel without it (before
	 * 4.14), a seccomp filter or valgrind that refuses it leaves the fences.
	 * ThreadSanitizer knows nothing of membarrier(): fences there, so that
	 * what it checks is what runs.
	 */
	if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	    !syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		__atomic_store_n(&dmasim__membarrier_ok, true, __ATOMIC_RELEASE);
#endif
}

void dmasim__barrier_init(void)
{
	pthread_once(&barrier_once, barrier_setup);
}

void dmasim__barrier_heavy(void)
{
#if defined(__linux__) && defined(__NR_membarrier)
	if (__atomic_load_n(&dmasim__membarrier_ok, __ATOMIC_ACQUIRE) &&
	    !syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
		return;
	/*
	 * Only once registered does an accessor skip its fence, and a
	 * registration is never undone: the command cannot fail afterwards.
	 */
#endif
	dmasim__fence(__ATOMIC_SEQ_CST);
}

void dmasim__inflight_wait(const struct dmasim_inflight *m, const void *key,
			   unsigned long long first, unsigned long long last)
{
	unsigned long s = __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE);
	unsigned int spins = 0;

	if (m->shared) {
		while (__atomic_load_n(&m->seq, __ATOMIC_ACQUIRE))
			if (++spins > 64)
				sched_yield();
		return;
	}
	if (!(s & 1))
		return;
	{
		const void *k = __atomic_load_n(&m->key, __ATOMIC_RELAXED);
		unsigned long long f = __atomic_load_n(&m->first, __ATOMIC_RELAXED);
		unsigned long long l = __atomic_load_n(&m->last, __ATOMIC_RELAXED);

		/* A changed count: that access ended, what was read may be the next one's. */
		dmasim__fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&m->seq, __ATOMIC_RELAXED) != s)
			return;
		if (key && k && k != key)
			return;
		if (l < first || f > last)
			return;
	}
	while (__atomic_load_n(&m->seq, __ATOMIC_ACQUIRE) == s)
		if (++spins > 64)
			sched_yield();
}
