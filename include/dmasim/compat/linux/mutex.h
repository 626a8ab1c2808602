/* <linux/mutex.h> - sleeping locks (dmasim compat; see <dmasim/locking.h>). */
#ifndef DMASIM_COMPAT_LINUX_MUTEX_H
#define DMASIM_COMPAT_LINUX_MUTEX_H

#include <linux/compiler.h>
#include <dmasim/locking.h>

#define __MUTEX_INITIALIZER(name) { .lock = PTHREAD_MUTEX_INITIALIZER, .owner = 0 }
#define DEFINE_MUTEX(name) struct mutex name = __MUTEX_INITIALIZER(name)
#define mutex_lock_interruptible(lock) (mutex_lock(lock), 0)
#define mutex_lock_killable(lock) (mutex_lock(lock), 0)
#define mutex_lock_nested(lock, subclass) mutex_lock(lock)

#endif /* DMASIM_COMPAT_LINUX_MUTEX_H */
