/*
 * <linux/delay.h> - delays and sleeps over the platform's virtual clock
 * (docs/device-models.md).  udelay()/ndelay()/mdelay() busy-wait and are
 * allowed in atomic context; msleep(), usleep_range() and fsleep() sleep,
 * and are reported in interrupt context or with interrupts masked.  In
 * exec=deterministic mode a delay or a sleep lets exactly its virtual time
 * pass, running the device events due meanwhile (and delivering interrupts
 * outside atomic context); msleep() ends on the jiffy tick the kernel's
 * timer would fire at (msecs_to_jiffies(ms) + 1 ticks on).
 */
#ifndef DMASIM_LINUX_DELAY_H
#define DMASIM_LINUX_DELAY_H

#include <linux/jiffies.h>

static inline void ndelay(unsigned long nsecs)
{
	dmasim_delay_ns(nsecs);
}

static inline void udelay(unsigned long usecs)
{
	dmasim_delay_ns((u64)usecs * 1000);
}

static inline void mdelay(unsigned long msecs)
{
	dmasim_delay_ns((u64)msecs * 1000000);
}

static inline void msleep(unsigned int msecs)
{
	dmasim_sleep_jiffies(msecs_to_jiffies(msecs) + 1, "msleep");
}

static inline unsigned long msleep_interruptible(unsigned int msecs)
{
	dmasim_sleep_jiffies(msecs_to_jiffies(msecs) + 1, "msleep_interruptible");
	return 0;
}

static inline void ssleep(unsigned int seconds)
{
	dmasim_sleep_jiffies(msecs_to_jiffies(seconds * 1000) + 1, "ssleep");
}

/* Wakes at @min: an hrtimer's earliest point, the same in every run. */
static inline void usleep_range(unsigned long min, unsigned long max)
{
	(void)max;
	dmasim_sleep_ns((u64)min * 1000, "usleep_range");
}

static inline void fsleep(unsigned long usecs)
{
	if (usecs <= 10)
		udelay(usecs);
	else if (usecs <= 20000)
		usleep_range(usecs, 2 * usecs);
	else
		msleep((unsigned int)((usecs + 999) / 1000));
}

#endif /* DMASIM_LINUX_DELAY_H */
