/*
 * dmasim/locking.h - the kernel's spinlocks and mutexes over host threads.
 * Included by <linux/spinlock.h> and <linux/mutex.h>.
 *
 * A spinlock_t is a host mutex: holding it is atomic context, where the
 * kernel forbids sleeping.  spin_lock_irqsave() also masks the calling
 * thread's simulated interrupts (dmasim_local_irq_save(), <dmasim/model.h>).
 * mutex_lock(), wait_for_completion() and the other sleeping calls made with
 * a spinlock held, interrupts masked or in a simulated interrupt handler are
 * reported as the kernel's might_sleep() reports them ("BUG: sleeping
 * function called from invalid context"), and still done.  Unlocking a lock
 * the thread does not hold is reported and ignored; taking one it already
 * holds is reported and aborts (the kernel would hang there).
 */
#ifndef DMASIM_LOCKING_H
#define DMASIM_LOCKING_H

#include <pthread.h>
#include <dmasim/ktypes.h>
#include <dmasim/model.h>

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

/* --- spinlocks -------------------------------------------------------------- */

/**
 * dmasim_spin_held() - whether the calling thread holds a spinlock (the
 * kernel's preempt count): atomic context, where sleeping is reported.
 */
DMASIM_API bool dmasim_spin_held(void);
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

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_LOCKING_H */
