/*
 * <linux/completion.h> - waiting for an event (dmasim compat; see
 * <dmasim/locking.h>).  complete() from a device model's thread or a
 * simulated interrupt handler wakes a driver sleeping in
 * wait_for_completion().
 */
#ifndef DMASIM_COMPAT_LINUX_COMPLETION_H
#define DMASIM_COMPAT_LINUX_COMPLETION_H

#include <linux/compiler.h>
#include <dmasim/locking.h>

#define COMPLETION_INITIALIZER(work) \
	{ .done = 0, .lock = PTHREAD_MUTEX_INITIALIZER, .wait = PTHREAD_COND_INITIALIZER }
#define DECLARE_COMPLETION(work) struct completion work = COMPLETION_INITIALIZER(work)
#define DECLARE_COMPLETION_ONSTACK(work) DECLARE_COMPLETION(work)
#define init_completion_onstack(x) init_completion(x)

#endif /* DMASIM_COMPAT_LINUX_COMPLETION_H */
