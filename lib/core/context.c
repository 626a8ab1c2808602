/*
 * lib/core/context.c - the simulated CPU state of each thread: whether it is
 * in an interrupt handler (and of which line), whether it has interrupts
 * masked, and the kernel's "sleeping function called from invalid context"
 * check built on them.  Part of the machine layer: the allocators of every
 * layer ask it, and lib/dev/irq.c sets it around the handlers it runs.
 */
#include "core/core.h"

#include <dmasim/locking.h>
#include <dmasim/model.h>

static _Thread_local int irq_depth;   /* nested handlers (dmasim_irq_enter()) */
static _Thread_local int irq_line = -1; /* the line being handled, -1 if none */
static _Thread_local bool irqs_off;   /* local interrupts masked */

void dmasim_irq_enter(void)
{
	irq_depth++;
}

void dmasim_irq_exit(void)
{
	if (irq_depth > 0)
		irq_depth--;
}

bool dmasim_in_irq(void)
{
	return irq_depth > 0;
}

/* A handler of line @irq starts: interrupt context, interrupts masked. */
void dmasim__irq_enter_line(int irq)
{
	irq_depth++;
	irq_line = irq;
	irqs_off = true;
}

/* It ended; @prev is the line handled before (nesting), -1 for none. */
void dmasim__irq_exit_line(int prev)
{
	if (irq_depth > 0)
		irq_depth--;
	irq_line = prev;
	irqs_off = irq_depth > 0;
}

int dmasim__irq_current(void)
{
	return irq_line;
}

unsigned long dmasim_local_irq_save(void)
{
	unsigned long flags = irqs_off;

	irqs_off = true;
	return flags;
}

void dmasim_local_irq_restore(unsigned long flags)
{
	irqs_off = flags != 0;
}

void dmasim_local_irq_disable(void)
{
	irqs_off = true;
}

void dmasim_local_irq_enable(void)
{
	irqs_off = false;
}

bool dmasim_irqs_disabled(void)
{
	return irqs_off;
}

bool dmasim_in_atomic(void)
{
	return irq_depth > 0 || irqs_off;
}

bool dmasim_might_sleep(const char *call)
{
	struct dmasim_platform *p;

	if (!dmasim_in_atomic() && !dmasim_spin_held())
		return false;
	p = dmasim_platform_current();
	if (irq_depth > 0 && irq_line >= 0)
		dmasim__report(p, "BUG: sleeping function called from invalid context: %s in the handler of irq %d",
			       call, irq_line);
	else if (irq_depth > 0)
		dmasim__report(p, "BUG: sleeping function called from invalid context: %s in interrupt context",
			       call);
	else if (irqs_off)
		dmasim__report(p, "BUG: sleeping function called from invalid context: %s with interrupts disabled (irqs_disabled(): 1)",
			       call);
	else
		dmasim__report(p, "BUG: sleeping function called from invalid context: %s with a spinlock held (in_atomic(): 1)",
			       call);
	return true;
}
