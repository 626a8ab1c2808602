/*
 * lib/core/locking.c - the kernel's spinlocks and mutexes over host threads
 * (machine layer).  Holding a spinlock is atomic context
 * (dmasim_spin_held(), which dmasim_might_sleep() in context.c asks);
 * mutex_lock() may sleep.  Lock misuse the kernel's lock debugging catches
 * (recursion, unlocking a lock not held, a lock that an interrupt handler
 * takes taken elsewhere with interrupts enabled) is reported.
 */
#include <pthread.h>
#include <stdlib.h>

#include "core/core.h"
#include <dmasim/locking.h>

static _Thread_local unsigned int spin_depth; /* spinlocks held by this thread */

/* A non-zero identity of the calling thread. */
static unsigned long self_id(void)
{
	static _Thread_local char marker;

	return (unsigned long)&marker;
}

bool dmasim_spin_held(void)
{
	return spin_depth > 0;
}

/* ---- spinlocks ---------------------------------------------------------------- */

/*
 * Who holds a spinlock, kept beside the lock (spinlock_t is only its mutex,
 * so DEFINE_SPINLOCK() stays a plain initializer): a small table of the
 * locks held per thread is enough, since a thread holds few at a time.
 */
#define MAX_HELD 16
static _Thread_local spinlock_t *held[MAX_HELD];

static bool holds(spinlock_t *lock)
{
	for (unsigned int i = 0; i < spin_depth && i < MAX_HELD; i++)
		if (held[i] == lock)
			return true;
	return false;
}

/*
 * The kernel's lockdep check of interrupt safety, for the one pattern that
 * deadlocks a real machine: a lock taken in a hardirq handler and also, in
 * process context, with interrupts enabled (spin_lock() instead of
 * spin_lock_irqsave()): the interrupt can come while the thread holds it
 * on the same CPU, and the handler spins for ever.  Each lock's usage is
 * kept beside it, in a table of lock addresses (claimed with a
 * compare-and-swap, flags with relaxed atomics: no ordering that would hide
 * a race from ThreadSanitizer); spin_lock_init() forgets it, so a lock at
 * a reused address starts afresh.  A full table checks nothing more.
 */
#define USAGE_SLOTS 4096
#define IN_HARDIRQ 0x1u   /* taken in a hardirq handler */
#define HARDIRQ_ON 0x2u   /* taken in process context with interrupts enabled */
#define REPORTED 0x4u
static struct lock_usage {
	spinlock_t *lock;
	unsigned int flags;
	int irq;          /* the line whose handler took it */
} usage[USAGE_SLOTS];

static struct lock_usage *usage_of(spinlock_t *lock, bool add)
{
	unsigned int h = (unsigned int)(((uintptr_t)lock >> 4) * 2654435761u) % USAGE_SLOTS;

	for (unsigned int n = 0; n < USAGE_SLOTS; n++, h = (h + 1) % USAGE_SLOTS) {
		spinlock_t *cur = __atomic_load_n(&usage[h].lock, __ATOMIC_RELAXED);

		if (cur == lock)
			return &usage[h];
		if (!cur) {
			if (!add)
				return NULL;
			if (__atomic_compare_exchange_n(&usage[h].lock, &cur, lock, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED) ||
			    cur == lock)
				return &usage[h];
		}
	}
	return NULL;
}

static void check_irq_safety(spinlock_t *lock)
{
	unsigned int bit, old;
	struct lock_usage *u;

	if (dmasim_in_irq())
		bit = IN_HARDIRQ;
	else if (!dmasim_irqs_disabled())
		bit = HARDIRQ_ON;
	else
		return;
	u = usage_of(lock, true);
	if (!u || (__atomic_load_n(&u->flags, __ATOMIC_RELAXED) & bit))
		return;
	if (bit == IN_HARDIRQ)
		__atomic_store_n(&u->irq, dmasim__irq_current(), __ATOMIC_RELAXED);
	old = __atomic_fetch_or(&u->flags, bit, __ATOMIC_RELAXED);
	if ((old | bit) != (IN_HARDIRQ | HARDIRQ_ON) || (old & REPORTED))
		return;
	if (__atomic_fetch_or(&u->flags, REPORTED, __ATOMIC_RELAXED) & REPORTED)
		return;
	dmasim__report(dmasim_platform_current(),
		       "WARNING: inconsistent lock state: {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage: spinlock %p is taken in the handler of irq %d and in process context with interrupts enabled; the interrupt can deadlock the CPU holding it (take it with spin_lock_irqsave() there)",
		       (void *)lock, __atomic_load_n(&u->irq, __ATOMIC_RELAXED));
}

void dmasim_spin_lock_init(spinlock_t *lock)
{
	struct lock_usage *u = usage_of(lock, false);

	pthread_mutex_init(&lock->lock, NULL);
	if (u)
		__atomic_store_n(&u->flags, 0, __ATOMIC_RELAXED);
}

void dmasim_spin_lock(spinlock_t *lock)
{
	if (holds(lock)) {
		/* The kernel would spin forever (a lockup): say why, then stop. */
		dmasim__report(dmasim_platform_current(),
			       "BUG: spinlock recursion: lock %p is already held by this thread",
			       (void *)lock);
		abort();
	}
	pthread_mutex_lock(&lock->lock);
	if (spin_depth < MAX_HELD)
		held[spin_depth] = lock;
	spin_depth++;
	check_irq_safety(lock);
}

int dmasim_spin_trylock(spinlock_t *lock)
{
	if (holds(lock) || pthread_mutex_trylock(&lock->lock))
		return 0;
	if (spin_depth < MAX_HELD)
		held[spin_depth] = lock;
	spin_depth++;
	return 1;
}

void dmasim_spin_unlock(spinlock_t *lock)
{
	unsigned int i;

	for (i = 0; i < spin_depth && i < MAX_HELD; i++)
		if (held[i] == lock)
			break;
	if (i == spin_depth || i == MAX_HELD) {
		if (spin_depth <= MAX_HELD) {
			dmasim__report(dmasim_platform_current(),
				       "BUG: spinlock already unlocked or wrong owner: lock %p is not held by this thread",
				       (void *)lock);
			return;
		}
		i = MAX_HELD; /* too deep to track: trust the caller */
	} else {
		/* Locks need not be released in order: close the gap. */
		for (; i + 1 < spin_depth && i + 1 < MAX_HELD; i++)
			held[i] = held[i + 1];
	}
	spin_depth--;
	pthread_mutex_unlock(&lock->lock);
}

/* ---- mutexes ------------------------------------------------------------------ */

void mutex_init(struct mutex *lock)
{
	pthread_mutex_init(&lock->lock, NULL);
	lock->owner = 0;
}

void mutex_destroy(struct mutex *lock)
{
	if (__atomic_load_n(&lock->owner, __ATOMIC_RELAXED))
		dmasim__report(dmasim_platform_current(),
			       "DEBUG_LOCKS_WARN_ON(mutex_is_locked(lock)): mutex_destroy of held mutex %p",
			       (void *)lock);
	else
		pthread_mutex_destroy(&lock->lock);
}

void mutex_lock(struct mutex *lock)
{
	if (__atomic_load_n(&lock->owner, __ATOMIC_RELAXED) == self_id()) {
		dmasim__report(dmasim_platform_current(),
			       "possible recursive locking detected: mutex %p is already held by this thread",
			       (void *)lock);
		abort();
	}
	dmasim_might_sleep("mutex_lock");
	pthread_mutex_lock(&lock->lock);
	__atomic_store_n(&lock->owner, self_id(), __ATOMIC_RELAXED);
}

int mutex_trylock(struct mutex *lock)
{
	if (__atomic_load_n(&lock->owner, __ATOMIC_RELAXED) == self_id() ||
	    pthread_mutex_trylock(&lock->lock))
		return 0;
	__atomic_store_n(&lock->owner, self_id(), __ATOMIC_RELAXED);
	return 1;
}

void mutex_unlock(struct mutex *lock)
{
	if (__atomic_load_n(&lock->owner, __ATOMIC_RELAXED) != self_id()) {
		dmasim__report(dmasim_platform_current(),
			       "DEBUG_LOCKS_WARN_ON(owner != current): mutex_unlock of mutex %p this thread does not hold",
			       (void *)lock);
		return;
	}
	__atomic_store_n(&lock->owner, 0UL, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&lock->lock);
}

bool mutex_is_locked(struct mutex *lock)
{
	return __atomic_load_n(&lock->owner, __ATOMIC_RELAXED) != 0;
}
