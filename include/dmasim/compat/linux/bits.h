/*
 * <linux/bits.h> - single bits and contiguous masks (dmasim compat).
 * GENMASK(h, l) is bits l..h set, both included (include/linux/bits.h);
 * a constant h below l stops the build, as the kernel's check does.
 */
#ifndef DMASIM_COMPAT_LINUX_BITS_H
#define DMASIM_COMPAT_LINUX_BITS_H

#include <linux/const.h>
#include <linux/build_bug.h>

#define BITS_PER_BYTE 8
#define BITS_PER_LONG (8 * (int)sizeof(long))
#define BITS_PER_LONG_LONG 64
#define BIT_MASK(nr) (1UL << ((nr) % BITS_PER_LONG))
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define BIT_ULL_MASK(nr) (1ULL << ((nr) % BITS_PER_LONG_LONG))
#define BIT_ULL_WORD(nr) ((nr) / BITS_PER_LONG_LONG)

/* 0, or a build error when h < l and both are constants. */
#define GENMASK_INPUT_CHECK(h, l) \
	BUILD_BUG_ON_ZERO(__builtin_choose_expr(__is_constexpr((l) > (h)), (l) > (h), 0))
#define __GENMASK(h, l) (((~0UL) - (1UL << (l)) + 1) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#define GENMASK(h, l) (GENMASK_INPUT_CHECK(h, l) + __GENMASK(h, l))
#define __GENMASK_ULL(h, l) (((~0ULL) - (1ULL << (l)) + 1) & (~0ULL >> (BITS_PER_LONG_LONG - 1 - (h))))
#define GENMASK_ULL(h, l) (GENMASK_INPUT_CHECK(h, l) + __GENMASK_ULL(h, l))

#endif /* DMASIM_COMPAT_LINUX_BITS_H */
