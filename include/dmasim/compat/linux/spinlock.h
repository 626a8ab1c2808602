/*
 * <linux/spinlock.h> - spinlocks (dmasim compat).
 *
 * spin_lock_irqsave(lock, flags) disables the calling thread's simulated
 * interrupts and takes the lock; spin_unlock_irqrestore() undoes both in
 * reverse order.  See <dmasim/locking.h> for what holding a spinlock means
 * to the rest of dmasim (no sleeping calls).
 */
#ifndef DMASIM_COMPAT_LINUX_SPINLOCK_H
#define DMASIM_COMPAT_LINUX_SPINLOCK_H

#include <linux/compiler.h>
#include <linux/irqflags.h>
#include <asm/barrier.h>
#include <dmasim/locking.h>

#define __SPIN_LOCK_UNLOCKED(name) { .lock = PTHREAD_MUTEX_INITIALIZER }
#define DEFINE_SPINLOCK(x) spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define DEFINE_RAW_SPINLOCK(x) raw_spinlock_t x = __SPIN_LOCK_UNLOCKED(x)

#define spin_lock_init(lock) dmasim_spin_lock_init(lock)
#define spin_lock(lock) dmasim_spin_lock(lock)
#define spin_unlock(lock) dmasim_spin_unlock(lock)
#define spin_trylock(lock) dmasim_spin_trylock(lock)
#define spin_lock_bh(lock) dmasim_spin_lock(lock)
#define spin_unlock_bh(lock) dmasim_spin_unlock(lock)
#define spin_lock_irq(lock)                     \
	do {                                    \
		dmasim_local_irq_disable();     \
		dmasim_spin_lock(lock);         \
	} while (0)
#define spin_unlock_irq(lock)                   \
	do {                                    \
		dmasim_spin_unlock(lock);       \
		dmasim_local_irq_enable();      \
	} while (0)
#define spin_lock_irqsave(lock, flags)                   \
	do {                                             \
		(flags) = dmasim_local_irq_save();       \
		dmasim_spin_lock(lock);                  \
	} while (0)
#define spin_unlock_irqrestore(lock, flags)              \
	do {                                             \
		dmasim_spin_unlock(lock);                \
		dmasim_local_irq_restore(flags);         \
	} while (0)
#define spin_trylock_irqsave(lock, flags)                                          \
	({                                                                         \
		int __taken;                                                       \
		(flags) = dmasim_local_irq_save();                                 \
		__taken = dmasim_spin_trylock(lock);                               \
		if (!__taken)                                                      \
			dmasim_local_irq_restore(flags);                           \
		__taken;                                                           \
	})

#define raw_spin_lock_init spin_lock_init
#define raw_spin_lock spin_lock
#define raw_spin_unlock spin_unlock
#define raw_spin_lock_irqsave spin_lock_irqsave
#define raw_spin_unlock_irqrestore spin_unlock_irqrestore
#define raw_spin_lock_irq spin_lock_irq
#define raw_spin_unlock_irq spin_unlock_irq

/* A spinlock has no "is held" query that is reliable across threads; lockdep's is an annotation. */
#define assert_spin_locked(lock) do { (void)(lock); } while (0)
#define lockdep_assert_held(lock) do { (void)(lock); } while (0)

#endif /* DMASIM_COMPAT_LINUX_SPINLOCK_H */
