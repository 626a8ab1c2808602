/* <linux/irqreturn.h> - what an interrupt handler returns, with the kernel's values. */
#ifndef DMASIM_LINUX_IRQRETURN_H
#define DMASIM_LINUX_IRQRETURN_H

/**
 * enum irqreturn - IRQ_NONE: not this device's interrupt; IRQ_HANDLED: handled;
 * IRQ_WAKE_THREAD: run the threaded handler (request_threaded_irq()).
 */
enum irqreturn {
	IRQ_NONE = 0,
	IRQ_HANDLED = 1 << 0,
	IRQ_WAKE_THREAD = 1 << 1,
};
typedef enum irqreturn irqreturn_t;
#define IRQ_RETVAL(x) ((x) ? IRQ_HANDLED : IRQ_NONE)

#endif /* DMASIM_LINUX_IRQRETURN_H */
