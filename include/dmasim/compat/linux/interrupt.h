/*
 * <linux/interrupt.h> - interrupt handlers over dmasim's simulated
 * interrupt lines (<dmasim/model.h>, docs/device-models.md):
 * request_irq()/request_threaded_irq()/free_irq(), disable_irq(),
 * enable_irq(), synchronize_irq(), and the local interrupt mask
 * (local_irq_save() and friends, which spin_lock_irqsave() uses).
 *
 * A handler runs in simulated interrupt context, with interrupts masked:
 * on the platform's interrupt thread (exec=threaded) or at a step point of
 * the thread that runs the machine (exec=deterministic).  What may sleep
 * (msleep(), wait_for_completion(), GFP_KERNEL allocations, mutex_lock(),
 * freeing coherent memory) is reported there.  A threaded handler
 * (thread_fn) runs after the primary one returned IRQ_WAKE_THREAD, on the
 * same thread but in process context, the line kept masked until it returns.
 */
#ifndef DMASIM_LINUX_INTERRUPT_H
#define DMASIM_LINUX_INTERRUPT_H

#include <dmasim/dmasim.h>
#include <linux/irqreturn.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef irqreturn_t (*irq_handler_t)(int irq, void *dev_id);

/* request_irq() flags, with the kernel's values. */
#define IRQF_TRIGGER_NONE 0x00000000
#define IRQF_TRIGGER_RISING 0x00000001
#define IRQF_TRIGGER_FALLING 0x00000002
#define IRQF_TRIGGER_HIGH 0x00000004
#define IRQF_TRIGGER_LOW 0x00000008
#define IRQF_SHARED 0x00000080
#define IRQF_PROBE_SHARED 0x00000100
#define IRQF_TIMER 0x00000200
#define IRQF_PERCPU 0x00000400
#define IRQF_NOBALANCING 0x00000800
#define IRQF_IRQPOLL 0x00001000
#define IRQF_ONESHOT 0x00002000
#define IRQF_NO_SUSPEND 0x00004000
#define IRQF_FORCE_RESUME 0x00008000
#define IRQF_NO_THREAD 0x00010000
#define IRQF_NO_AUTOEN 0x00080000

/**
 * request_threaded_irq() - install a handler on line @irq.
 * @irq: the line, 0..DMASIM_NR_IRQS-1.
 * @handler: the primary handler (interrupt context); NULL: one that returns
 *           IRQ_WAKE_THREAD (needs IRQF_ONESHOT, as the kernel's).
 * @thread_fn: run when @handler returns IRQ_WAKE_THREAD (process context), or NULL.
 * @flags: IRQF_SHARED (every handler of the line must say so, with a
 *         non-NULL @dev_id), IRQF_ONESHOT, IRQF_NO_AUTOEN (start disabled), ...
 * @name: the handler's name (traces, free_irq()'s return value).
 * @dev_id: passed to the handlers; identifies the handler to free_irq().
 * Return: 0; -EINVAL (line out of range, no handler, shared without
 * @dev_id, NULL handler without IRQF_ONESHOT); -EBUSY (the line has a
 * handler and one of the two is not shared); -ENOMEM; -ENODEV with no platform.
 * Context: process context (may sleep).
 */
DMASIM_API int request_threaded_irq(unsigned int irq, irq_handler_t handler,
				    irq_handler_t thread_fn, unsigned long flags, const char *name,
				    void *dev_id);

static inline int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags,
			      const char *name, void *dev)
{
	return request_threaded_irq(irq, handler, NULL, flags, name, dev);
}

/**
 * free_irq() - remove the handler of line @irq with @dev_id, after waiting
 * for it to finish if it runs.  Freeing a handler that is not there is
 * reported.
 * Return: the @name it was requested with, or NULL.
 */
DMASIM_API const void *free_irq(unsigned int irq, void *dev_id);
/** disable_irq() - mask line @irq (nesting) and wait for its handlers to finish. */
DMASIM_API void disable_irq(unsigned int irq);
/** disable_irq_nosync() - mask line @irq without waiting. */
DMASIM_API void disable_irq_nosync(unsigned int irq);
/**
 * enable_irq() - undo one disable_irq(); at depth 0 an interrupt that came
 * while masked (a latched edge, an asserted level) is delivered.  An enable
 * without a disable is reported ("Unbalanced enable").
 */
DMASIM_API void enable_irq(unsigned int irq);
/** synchronize_irq() - wait until no handler of line @irq runs (reported from that handler). */
DMASIM_API void synchronize_irq(unsigned int irq);

/**
 * devm_request_threaded_irq() - request_threaded_irq(), released with @dev
 * (dmasim_device_destroy() frees it); @devname NULL means dev_name(@dev).
 * Return: as request_threaded_irq(), -EINVAL for a bad @dev.
 */
DMASIM_API int devm_request_threaded_irq(struct device *dev, unsigned int irq,
					 irq_handler_t handler, irq_handler_t thread_fn,
					 unsigned long irqflags, const char *devname, void *dev_id);

static inline int devm_request_irq(struct device *dev, unsigned int irq, irq_handler_t handler,
				   unsigned long irqflags, const char *devname, void *dev_id)
{
	return devm_request_threaded_irq(dev, irq, handler, NULL, irqflags, devname, dev_id);
}

/** devm_free_irq() - free a devm_request_irq() now; one never requested so is reported. */
DMASIM_API void devm_free_irq(struct device *dev, unsigned int irq, void *dev_id);

#define local_irq_save(flags) ((flags) = dmasim_local_irq_save())
#define local_irq_restore(flags) dmasim_local_irq_restore(flags)
#define local_irq_disable() dmasim_local_irq_disable()
#define local_irq_enable() dmasim_local_irq_enable()
#define irqs_disabled() dmasim_irqs_disabled()
#define in_interrupt() dmasim_in_irq()
#define in_irq() dmasim_in_irq()
#define in_hardirq() dmasim_in_irq()
#define in_task() (!dmasim_in_irq())

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_LINUX_INTERRUPT_H */
