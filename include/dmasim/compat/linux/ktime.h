/*
 * <linux/ktime.h> - ktime_t and ktime_get() over the platform's virtual
 * clock (nanoseconds since the platform's machine started; in
 * exec=deterministic mode it moves only as events run and driver code
 * sleeps or delays).
 */
#ifndef DMASIM_LINUX_KTIME_H
#define DMASIM_LINUX_KTIME_H

#include <linux/jiffies.h>

typedef s64 ktime_t;

#define KTIME_MAX ((s64)~((u64)1 << 63))

static inline ktime_t ktime_get(void)
{
	return dmasim_ktime_ns();
}

static inline u64 ktime_get_ns(void)
{
	return (u64)dmasim_ktime_ns();
}

#define ktime_get_raw() ktime_get()
#define ktime_get_boottime() ktime_get()
#define ktime_get_raw_ns() ktime_get_ns()
#define ktime_get_boottime_ns() ktime_get_ns()
#define ktime_set(secs, nsecs) ((ktime_t)(secs) * NSEC_PER_SEC + (ktime_t)(nsecs))
#define ktime_add(a, b) ((a) + (b))
#define ktime_sub(a, b) ((a) - (b))
#define ktime_add_ns(kt, ns) ((kt) + (ktime_t)(ns))
#define ktime_sub_ns(kt, ns) ((kt) - (ktime_t)(ns))
#define ktime_add_us(kt, us) ((kt) + (ktime_t)(us) * NSEC_PER_USEC)
#define ktime_add_ms(kt, ms) ((kt) + (ktime_t)(ms) * NSEC_PER_MSEC)
#define ns_to_ktime(ns) ((ktime_t)(ns))
#define ms_to_ktime(ms) ((ktime_t)(ms) * NSEC_PER_MSEC)
#define us_to_ktime(us) ((ktime_t)(us) * NSEC_PER_USEC)
#define ktime_to_ns(kt) ((s64)(kt))
#define ktime_to_us(kt) ((s64)(kt) / NSEC_PER_USEC)
#define ktime_to_ms(kt) ((s64)(kt) / NSEC_PER_MSEC)
#define ktime_compare(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)
#define ktime_after(a, b) ((a) > (b))
#define ktime_before(a, b) ((a) < (b))
#define ktime_us_delta(later, earlier) ktime_to_us(ktime_sub(later, earlier))
#define ktime_ms_delta(later, earlier) ktime_to_ms(ktime_sub(later, earlier))

#endif /* DMASIM_LINUX_KTIME_H */
