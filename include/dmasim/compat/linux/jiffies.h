/*
 * <linux/jiffies.h> - jiffies over the platform's virtual clock
 * (dmasim_time_ns(), docs/device-models.md): HZ is 250, jiffies start at the
 * kernel's INITIAL_JIFFIES (the 32-bit count wraps five minutes in), and the
 * conversions round as the kernel's do (msecs_to_jiffies() rounds up).
 * In exec=deterministic mode jiffies move only as events run and driver
 * code sleeps or delays, so a polling loop must sleep, delay or cpu_relax().
 */
#ifndef DMASIM_LINUX_JIFFIES_H
#define DMASIM_LINUX_JIFFIES_H

#include <limits.h>

#include <dmasim/model.h>

#ifndef HZ
#define HZ DMASIM_HZ
#endif
#define MSEC_PER_SEC 1000L
#define USEC_PER_MSEC 1000L
#define NSEC_PER_USEC 1000L
#define NSEC_PER_MSEC 1000000L
#define USEC_PER_SEC 1000000L
#define NSEC_PER_SEC 1000000000L
#define TICK_NSEC (NSEC_PER_SEC / HZ)
#define INITIAL_JIFFIES ((unsigned long)(unsigned int)(-300 * HZ))
#define MAX_JIFFY_OFFSET ((LONG_MAX >> 1) - 1)
#ifndef MAX_SCHEDULE_TIMEOUT
#define MAX_SCHEDULE_TIMEOUT LONG_MAX
#endif

/* The kernel's volatile variable, read from the virtual clock. */
#define jiffies (dmasim_jiffies())
#define jiffies_64 ((u64)dmasim_jiffies())

static inline u64 get_jiffies_64(void)
{
	return (u64)dmasim_jiffies();
}

#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)
#define time_after_eq(a, b) ((long)((a) - (b)) >= 0)
#define time_before_eq(a, b) time_after_eq(b, a)
#define time_in_range(a, b, c) (time_after_eq(a, b) && time_before_eq(a, c))
#define time_in_range_open(a, b, c) (time_after_eq(a, b) && time_before(a, c))
#define time_after64(a, b) ((s64)((b) - (a)) < 0)
#define time_before64(a, b) time_after64(b, a)
#define time_is_before_jiffies(a) time_after(jiffies, a)
#define time_is_after_jiffies(a) time_before(jiffies, a)
#define time_is_before_eq_jiffies(a) time_after_eq(jiffies, a)
#define time_is_after_eq_jiffies(a) time_before_eq(jiffies, a)

static inline unsigned int jiffies_to_msecs(const unsigned long j)
{
	return (unsigned int)((MSEC_PER_SEC / HZ) * j);
}

static inline unsigned int jiffies_to_usecs(const unsigned long j)
{
	return (unsigned int)((USEC_PER_SEC / HZ) * j);
}

static inline u64 jiffies_to_nsecs(const unsigned long j)
{
	return (u64)j * TICK_NSEC;
}

/* As the kernel's for HZ dividing 1000: round up; a negative count is "forever". */
static inline unsigned long msecs_to_jiffies(const unsigned int m)
{
	if ((int)m < 0)
		return MAX_JIFFY_OFFSET;
	return (m + (MSEC_PER_SEC / HZ) - 1) / (MSEC_PER_SEC / HZ);
}

static inline unsigned long usecs_to_jiffies(const unsigned int u)
{
	if (u > jiffies_to_usecs(MAX_JIFFY_OFFSET))
		return MAX_JIFFY_OFFSET;
	return (u + (USEC_PER_SEC / HZ) - 1) / (USEC_PER_SEC / HZ);
}

static inline unsigned long nsecs_to_jiffies(u64 n)
{
	return (unsigned long)(n / TICK_NSEC);
}

#define round_jiffies(j) (j)
#define round_jiffies_relative(j) (j)

#endif /* DMASIM_LINUX_JIFFIES_H */
