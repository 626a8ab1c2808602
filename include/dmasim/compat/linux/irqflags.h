/*
 * <linux/irqflags.h> - the calling CPU's interrupt flag (dmasim compat): the
 * calling thread's simulated interrupts (<dmasim/model.h>).
 */
#ifndef DMASIM_COMPAT_LINUX_IRQFLAGS_H
#define DMASIM_COMPAT_LINUX_IRQFLAGS_H

#include <dmasim/locking.h>
#include <dmasim/model.h>

/* The same definitions as <linux/interrupt.h>'s, so both may be included. */
#define local_irq_save(flags) ((flags) = dmasim_local_irq_save())
#define local_irq_restore(flags) dmasim_local_irq_restore(flags)
#define local_irq_disable() dmasim_local_irq_disable()
#define local_irq_enable() dmasim_local_irq_enable()
#define irqs_disabled() dmasim_irqs_disabled()
/* The kernel's in_atomic(): a spinlock held, interrupts masked, or a handler running. */
#define in_atomic() (dmasim_in_atomic() || dmasim_spin_held())

#endif /* DMASIM_COMPAT_LINUX_IRQFLAGS_H */
