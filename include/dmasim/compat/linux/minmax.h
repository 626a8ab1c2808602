/*
 * <linux/minmax.h> - min(), max(), clamp() and friends (dmasim compat).
 *
 * As the kernel's include/linux/minmax.h: each argument is evaluated once;
 * min()/max()/clamp() refuse (at build time) to compare a signed with an
 * unsigned operand unless one of them is a non-negative constant, so a
 * negative length can never win a comparison against a size_t by surprise.
 * Use min_t()/max_t()/clamp_t() to compare in a chosen type.
 */
#ifndef DMASIM_COMPAT_LINUX_MINMAX_H
#define DMASIM_COMPAT_LINUX_MINMAX_H

#include <linux/build_bug.h>
#include <linux/compiler.h>

#define __is_signed_type(t) (((t)(-1)) < (t)1)
#define __is_noneg_int(x) \
	__builtin_choose_expr(__is_constexpr(x), (long long)(x) >= 0, 0)
/* 0, or a build error when @x and @y differ in signedness and neither is a constant >= 0. */
#define __minmax_check(x, y)                                                            \
	BUILD_BUG_ON_ZERO(!(__is_signed_type(__typeof__(x)) == __is_signed_type(__typeof__(y)) || \
			   __is_noneg_int(x) || __is_noneg_int(y)))
/* Compare in a type that holds both operands (a constant may be of the other signedness). */
#define __minmax_type(x, y) __typeof__((x) + (y) + 0LL)
/* Unique local names (the kernel's __UNIQUE_ID), so min(min(a, b), c) does not shadow. */
#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#define __cmp_once(op, x, y) __cmp_once_id(op, x, y, __COUNTER__)
#define __cmp_once_id(op, x, y, id) __cmp_once_named(op, x, y, __PASTE(__mmx, id), __PASTE(__mmy, id))
#define __cmp_once_named(op, x, y, ux, uy)                                                   \
	({                                                                                   \
		__minmax_type(x, y) ux = (__minmax_type(x, y))(x);                           \
		__minmax_type(x, y) uy = (__minmax_type(x, y))(y);                           \
		(void)__minmax_check(x, y);                                                  \
		ux op uy ? ux : uy;                                                          \
	})

#define min(x, y) __cmp_once(<, x, y)
#define max(x, y) __cmp_once(>, x, y)
#define umin(x, y) min((x) + 0u + 0ul + 0ull, (y) + 0u + 0ul + 0ull)
#define umax(x, y) max((x) + 0u + 0ul + 0ull, (y) + 0u + 0ul + 0ull)
#define min3(x, y, z) min((__typeof__((x) + (y) + (z) + 0LL))min(x, y), z)
#define max3(x, y, z) max((__typeof__((x) + (y) + (z) + 0LL))max(x, y), z)
#define min_not_zero(x, y) __min_not_zero_id(x, y, __COUNTER__)
#define __min_not_zero_id(x, y, id) __min_not_zero_named(x, y, __PASTE(__mnx, id), __PASTE(__mny, id))
#define __min_not_zero_named(x, y, ux, uy)                                 \
	({                                                                 \
		__typeof__(x) ux = (x);                                    \
		__typeof__(y) uy = (y);                                    \
		ux == 0 ? uy : ((uy == 0) ? ux : min(ux, uy));             \
	})

#define __cmp_t(op, type, x, y) __cmp_t_id(op, type, x, y, __COUNTER__)
#define __cmp_t_id(op, type, x, y, id) __cmp_t_named(op, type, x, y, __PASTE(__mtx, id), __PASTE(__mty, id))
#define __cmp_t_named(op, type, x, y, ux, uy)             \
	({                                                \
		type ux = (type)(x), uy = (type)(y);      \
		ux op uy ? ux : uy;                       \
	})
#define min_t(type, x, y) __cmp_t(<, type, x, y)
#define max_t(type, x, y) __cmp_t(>, type, x, y)

/** clamp() - @val limited to [@lo, @hi]. */
#define clamp(val, lo, hi) min((__typeof__((val) + (lo) + (hi) + 0LL))max(val, lo), hi)
#define clamp_t(type, val, lo, hi) min_t(type, max_t(type, val, lo), hi)
#define clamp_val(val, lo, hi) clamp_t(__typeof__(val), val, lo, hi)

/** swap() - exchange the values of @a and @b. */
#define swap(a, b)                              \
	do {                                    \
		__typeof__(a) __tmp = (a);      \
		(a) = (b);                      \
		(b) = __tmp;                    \
	} while (0)

#endif /* DMASIM_COMPAT_LINUX_MINMAX_H */
