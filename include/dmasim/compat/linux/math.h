/*
 * <linux/math.h> - integer rounding and division (dmasim compat), with the
 * kernel's include/linux/math.h meanings: round_up()/round_down() need a
 * power of two, roundup()/rounddown() take any divisor, DIV_ROUND_CLOSEST()
 * rounds halves away from zero.
 */
#ifndef DMASIM_COMPAT_LINUX_MATH_H
#define DMASIM_COMPAT_LINUX_MATH_H

#include <dmasim/ktypes.h>

#define __round_mask(x, y) ((__typeof__(x))((y) - 1))
#define round_up(x, y) ((((x) - 1) | __round_mask(x, y)) + 1)
#define round_down(x, y) ((x) & ~__round_mask(x, y))
#define DIV_ROUND_UP_ULL(ll, d) ((unsigned long long)(((unsigned long long)(ll) + (d) - 1) / (d)))
#define DIV_ROUND_DOWN_ULL(ll, d) ((unsigned long long)(ll) / (d))
#define roundup(x, y)                                   \
	({                                              \
		__typeof__(y) __ry = (y);               \
		(((x) + (__ry - 1)) / __ry) * __ry;     \
	})
#define rounddown(x, y)                                 \
	({                                              \
		__typeof__(x) __rx = (x);               \
		__rx - (__rx % (y));                    \
	})
#define DIV_ROUND_CLOSEST(x, divisor)                                                  \
	({                                                                             \
		__typeof__(x) __dx = (x);                                              \
		__typeof__(divisor) __dd = (divisor);                                  \
		(((__typeof__(x))-1) > 0 || ((__typeof__(divisor))-1) > 0 ||           \
		 (((__dx) > 0) == ((__dd) > 0))) ?                                     \
			(((__dx) + ((__dd) / 2)) / (__dd)) :                           \
			(((__dx) - ((__dd) / 2)) / (__dd));                            \
	})
#define DIV_ROUND_CLOSEST_ULL(x, divisor) (((unsigned long long)(x) + (divisor) / 2) / (divisor))
#define mult_frac(x, numer, denom)                                          \
	({                                                                  \
		__typeof__(x) __mq = (x) / (denom);                         \
		__typeof__(x) __mr = (x) % (denom);                         \
		(__mq * (numer)) + ((__mr * (numer)) / (denom));            \
	})

#endif /* DMASIM_COMPAT_LINUX_MATH_H */
