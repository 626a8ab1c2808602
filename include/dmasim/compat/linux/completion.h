/*
 * <linux/completion.h> - completions over dmasim's waits
 * (dmasim_wait_event()/dmasim_wake_up_all() in <dmasim/model.h>), so that
 * they follow the platform's execution mode: in exec=deterministic mode a
 * wait runs the device models' events (and delivers their interrupts) until
 * complete() is called or the timeout's virtual jiffy passes, instantly;
 * in exec=threaded mode it blocks on the real clock.  complete() may be
 * called from an interrupt handler.  Waiting in interrupt context or with
 * interrupts masked is reported; a deterministic wait with nothing left to
 * run is reported as sleeping forever.
 */
#ifndef DMASIM_LINUX_COMPLETION_H
#define DMASIM_LINUX_COMPLETION_H

#include <limits.h>

#include <dmasim/model.h>
#include <linux/jiffies.h>

/** struct completion - a count of complete() calls not yet waited for (UINT_MAX: complete_all()). */
struct completion {
	unsigned int done;
};

#define COMPLETION_INITIALIZER(work) { 0 }
#define DECLARE_COMPLETION(work) struct completion work = COMPLETION_INITIALIZER(work)
#define DECLARE_COMPLETION_ONSTACK(work) DECLARE_COMPLETION(work)

static inline void init_completion(struct completion *x)
{
	__atomic_store_n(&x->done, 0, __ATOMIC_RELEASE);
}

static inline void reinit_completion(struct completion *x)
{
	__atomic_store_n(&x->done, 0, __ATOMIC_RELEASE);
}

static inline void complete(struct completion *x)
{
	unsigned int d = __atomic_load_n(&x->done, __ATOMIC_RELAXED);

	while (d != UINT_MAX &&
	       !__atomic_compare_exchange_n(&x->done, &d, d + 1, false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED))
		;
	dmasim_wake_up_all();
}

static inline void complete_all(struct completion *x)
{
	__atomic_store_n(&x->done, UINT_MAX, __ATOMIC_RELEASE);
	dmasim_wake_up_all();
}

/* Take one completion if there is one. */
static inline bool try_wait_for_completion(struct completion *x)
{
	unsigned int d = __atomic_load_n(&x->done, __ATOMIC_ACQUIRE);

	while (d) {
		if (d == UINT_MAX)
			return true;
		if (__atomic_compare_exchange_n(&x->done, &d, d - 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_ACQUIRE))
			return true;
	}
	return false;
}

static inline bool completion_done(struct completion *x)
{
	return __atomic_load_n(&x->done, __ATOMIC_ACQUIRE) != 0;
}

static inline bool dmasim_completion_cond(void *x)
{
	return try_wait_for_completion((struct completion *)x);
}

static inline void wait_for_completion(struct completion *x)
{
	dmasim_wait_event(dmasim_completion_cond, x, DMASIM_WAIT_FOREVER, "wait_for_completion");
}

/* Return: 0 on timeout, else the jiffies left (at least 1). */
static inline unsigned long wait_for_completion_timeout(struct completion *x, unsigned long timeout)
{
	long t = timeout > (unsigned long)DMASIM_WAIT_FOREVER - 1 ? DMASIM_WAIT_FOREVER - 1 : (long)timeout;

	return (unsigned long)dmasim_wait_event(dmasim_completion_cond, x, t,
						"wait_for_completion_timeout");
}

static inline int wait_for_completion_interruptible(struct completion *x)
{
	wait_for_completion(x);
	return 0;
}

static inline long wait_for_completion_interruptible_timeout(struct completion *x,
							     unsigned long timeout)
{
	return (long)wait_for_completion_timeout(x, timeout);
}

#define wait_for_completion_killable(x) wait_for_completion_interruptible(x)
#define wait_for_completion_io(x) wait_for_completion(x)
#define wait_for_completion_io_timeout(x, t) wait_for_completion_timeout((x), (t))

#endif /* DMASIM_LINUX_COMPLETION_H */
