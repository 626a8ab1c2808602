/*
 * dmasim/locking.h - the kernel's spinlocks, mutexes and completions over
 * host threads.  Included by <linux/spinlock.h>, <linux/mutex.h> and
 * <linux/completion.h>.
 *
 * A spinlock_t is a host mutex: holding it is atomic context, where the
 * kernel forbids sleeping.  local_irq_save()/spin_lock_irqsave() mark the
 * calling thread's simulated interrupts disabled (dmasim_irqs_disabled());
 * mutex_lock() and wait_for_completion() called with a spinlock held,
 * interrupts disabled or in a simulated interrupt handler
 * (dmasim_irq_enter()) are reported as the kernel's might_sleep() reports
 * them ("BUG: sleeping function called from invalid context"), and still
 * done.
 */
#ifndef DMASIM_LOCKING_H
#define DMASIM_LOCKING_H

#include <pthread.h>
#include <dmasim/ktypes.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * spinlock_t - the kernel's spinlock.
 * @lock: the host mutex behind it.
 * Initialise with spin_lock_init() or DEFINE_SPINLOCK().
 */
typedef struct spinlock {
	pthread_mutex_t lock;
} spinlock_t;
typedef spinlock_t raw_spinlock_t;

/**
 * struct mutex - the kernel's sleeping lock.
 * @lock: the host mutex behind it.
 * @owner: the thread holding it (for mutex_is_locked()), 0 when free.
 */
struct mutex {
	pthread_mutex_t lock;
	unsigned long owner;
};

/**
 * struct completion - a one-shot (or counted) event to wait for.
 * @done: completions not yet consumed by a waiter (UINT_MAX after complete_all()).
 * @lock, @wait: the host mutex and condition variable behind it.
 */
struct completion {
	unsigned int done;
	pthread_mutex_t lock;
	pthread_cond_t wait;
};

/* --- hook points of the simulated interrupt context ----------------------- */

/**
 * dmasim_local_irq_save() - disable the calling thread's simulated
 * interrupts (local_irq_save()).
 * Return: the previous state, for dmasim_local_irq_restore().
 * Context: any.  Interrupts of a device model are not delivered to a
 * thread whose interrupts are disabled.
 */
DMASIM_API unsigned long dmasim_local_irq_save(void);
/** dmasim_local_irq_restore() - go back to the state @flags recorded. */
DMASIM_API void dmasim_local_irq_restore(unsigned long flags);
/** dmasim_local_irq_disable() - local_irq_disable(). */
DMASIM_API void dmasim_local_irq_disable(void);
/** dmasim_local_irq_enable() - local_irq_enable(). */
DMASIM_API void dmasim_local_irq_enable(void);
/** dmasim_irqs_disabled() - whether the calling thread's interrupts are disabled. */
DMASIM_API bool dmasim_irqs_disabled(void);
/**
 * dmasim_in_atomic() - whether the calling thread may not sleep: it holds
 * a spinlock, has interrupts disabled, or runs a simulated IRQ handler.
 */
DMASIM_API bool dmasim_in_atomic(void);

/* --- spinlocks -------------------------------------------------------------- */

DMASIM_API void dmasim_spin_lock_init(spinlock_t *lock);
DMASIM_API void dmasim_spin_lock(spinlock_t *lock);
DMASIM_API void dmasim_spin_unlock(spinlock_t *lock);
/** dmasim_spin_trylock() - take @lock if it is free. Return: 1 if taken, else 0. */
DMASIM_API int dmasim_spin_trylock(spinlock_t *lock);

/* --- mutexes ---------------------------------------------------------------- */

DMASIM_API void mutex_init(struct mutex *lock);
DMASIM_API void mutex_destroy(struct mutex *lock);
/** mutex_lock() - take @lock, sleeping while another thread holds it. Context: may sleep. */
DMASIM_API void mutex_lock(struct mutex *lock);
/** mutex_unlock() - release @lock; the caller must hold it. */
DMASIM_API void mutex_unlock(struct mutex *lock);
/** mutex_trylock() - take @lock if free. Return: 1 if taken, 0 if not (the kernel's sense). */
DMASIM_API int mutex_trylock(struct mutex *lock);
/** mutex_is_locked() - whether some thread holds @lock. */
DMASIM_API bool mutex_is_locked(struct mutex *lock);

/* --- completions ------------------------------------------------------------ */

DMASIM_API void init_completion(struct completion *x);
/** reinit_completion() - make @x un-done again, for reuse. */
DMASIM_API void reinit_completion(struct completion *x);
/** complete() - wake one waiter, or let the next wait return at once. */
DMASIM_API void complete(struct completion *x);
/** complete_all() - wake every waiter, now and later, until reinit_completion(). */
DMASIM_API void complete_all(struct completion *x);
/** wait_for_completion() - sleep until @x is completed. Context: may sleep. */
DMASIM_API void wait_for_completion(struct completion *x);
/** wait_for_completion_interruptible() - the same; no signals here. Return: 0. */
DMASIM_API int wait_for_completion_interruptible(struct completion *x);
/** try_wait_for_completion() - consume a completion without waiting. Return: true if one was there. */
DMASIM_API bool try_wait_for_completion(struct completion *x);
/** completion_done() - whether a wait would return at once. */
DMASIM_API bool completion_done(struct completion *x);

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_LOCKING_H */
