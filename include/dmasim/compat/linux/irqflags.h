/*
 * <linux/irqflags.h> - the calling CPU's interrupt flag (dmasim compat): the
 * calling thread's simulated interrupts (<dmasim/locking.h>).
 */
#ifndef DMASIM_COMPAT_LINUX_IRQFLAGS_H
#define DMASIM_COMPAT_LINUX_IRQFLAGS_H

#include <dmasim/locking.h>

#define local_irq_save(flags) do { (flags) = dmasim_local_irq_save(); } while (0)
#define local_irq_restore(flags) dmasim_local_irq_restore(flags)
#define local_irq_disable() dmasim_local_irq_disable()
#define local_irq_enable() dmasim_local_irq_enable()
#define irqs_disabled() dmasim_irqs_disabled()
#define in_atomic() dmasim_in_atomic()

#endif /* DMASIM_COMPAT_LINUX_IRQFLAGS_H */
