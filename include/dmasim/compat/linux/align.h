/*
 * <linux/align.h> - rounding addresses and sizes to a power of two (dmasim
 * compat).  ALIGN(), ALIGN_DOWN() and IS_ALIGNED() are <dmasim/ktypes.h>'s,
 * with the kernel's definitions; @a must be a power of two.
 */
#ifndef DMASIM_COMPAT_LINUX_ALIGN_H
#define DMASIM_COMPAT_LINUX_ALIGN_H

#include <linux/const.h>
#include <dmasim/ktypes.h>

#define __ALIGN_MASK(x, mask) (((x) + (mask)) & ~(mask))
#define PTR_ALIGN(p, a) ((__typeof__(p))ALIGN((unsigned long)(p), (a)))
#define PTR_ALIGN_DOWN(p, a) ((__typeof__(p))ALIGN_DOWN((unsigned long)(p), (a)))

#endif /* DMASIM_COMPAT_LINUX_ALIGN_H */
