/*
 * <linux/log2.h> - integer base-2 logarithms (dmasim compat): ilog2() is the
 * floor (undefined for 0, as in the kernel), order_base_2() the ceiling.
 */
#ifndef DMASIM_COMPAT_LINUX_LOG2_H
#define DMASIM_COMPAT_LINUX_LOG2_H

#include <linux/bitops.h>

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && ((n & (n - 1)) == 0);
}

#define ilog2(n) ((int)(fls64((u64)(n)) - 1))

static inline unsigned long __roundup_pow_of_two(unsigned long n)
{
	return n <= 1 ? 1UL : 1UL << fls_long(n - 1);
}

static inline unsigned long __rounddown_pow_of_two(unsigned long n)
{
	return 1UL << (fls_long(n) - 1);
}

#define roundup_pow_of_two(n) __roundup_pow_of_two(n)
#define rounddown_pow_of_two(n) __rounddown_pow_of_two(n)
#define order_base_2(n) ((n) > 1 ? ilog2((n) - 1) + 1 : 0)

#endif /* DMASIM_COMPAT_LINUX_LOG2_H */
