/*
 * <linux/kernel.h> - the kernel's everyday helpers (dmasim compat).
 *
 * As the kernel's include/linux/kernel.h, it gathers: the types, compiler
 * attributes, byte order (cpu_to_le32() ...), min()/max()/clamp(), ALIGN()
 * and rounding, ARRAY_SIZE(), container_of(), the bit helpers, printk() and
 * pr_*(), WARN_ON()/BUG_ON(), struct_size() and the integer limits.  The
 * system's uapi <linux/kernel.h> (struct sysinfo, for the C library's
 * <sys/sysinfo.h>) comes along.
 */
#ifndef DMASIM_COMPAT_LINUX_KERNEL_H
#define DMASIM_COMPAT_LINUX_KERNEL_H

#include_next <linux/kernel.h>
#include <stdarg.h>
#include <stdlib.h>
#include <linux/align.h>
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/err.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <asm/byteorder.h>
#include <asm/processor.h>
#include <dmasim/locking.h>

#define STACK_MAGIC 0xdeadbeef
#define REPEAT_BYTE(x) ((~0ul / 0xff) * (x))
#define u64_to_user_ptr(x) ((void *)(uintptr_t)(x))
#define __stringify_1(...) #__VA_ARGS__
#define __stringify(...) __stringify_1(__VA_ARGS__)

/* might_sleep(): reported (counted) in atomic context, naming the caller. */
#define might_sleep() ((void)dmasim_might_sleep(__func__))
#define might_sleep_if(cond)            \
	do {                            \
		if (cond)               \
			might_sleep();  \
	} while (0)
#define cond_resched() ({ might_sleep(); 0; })

static inline int kstrtoul(const char *s, unsigned int base, unsigned long *res)
{
	unsigned long long v;
	int ret = kstrtoull(s, base, &v);

	if (!ret)
		*res = (unsigned long)v;
	return ret;
}

#endif /* DMASIM_COMPAT_LINUX_KERNEL_H */
