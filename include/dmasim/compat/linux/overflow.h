/*
 * <linux/overflow.h> - arithmetic that cannot wrap by surprise (dmasim compat).
 *
 * As the kernel's include/linux/overflow.h:
 *  - check_{add,sub,mul}_overflow(a, b, d) store a op b in *d and return
 *    true when the true result does not fit in *d;
 *  - size_mul(), size_add(), size_sub() and array_size(), array3_size(),
 *    struct_size(), flex_array_size() saturate at SIZE_MAX instead of
 *    wrapping, so an allocation of the result fails (kmalloc(SIZE_MAX)
 *    returns NULL) rather than coming back too small.
 */
#ifndef DMASIM_COMPAT_LINUX_OVERFLOW_H
#define DMASIM_COMPAT_LINUX_OVERFLOW_H

#include <linux/compiler.h>
#include <linux/limits.h>
#include <stdint.h>

#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define check_sub_overflow(a, b, d) __builtin_sub_overflow(a, b, d)
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)
#define check_shl_overflow(a, s, d)                                                   \
	({                                                                            \
		__typeof__(a) _a = (a);                                               \
		__typeof__(s) _s = (s);                                               \
		__typeof__(d) _d = (d);                                               \
		unsigned long long _a_full = (unsigned long long)_a;                  \
		unsigned int _to_shift = (_s >= 0 && (unsigned long long)_s < 8 * sizeof(*_d)) ? \
			(unsigned int)_s : 0;                                         \
		*_d = (__typeof__(*_d))(_a_full << _to_shift);                        \
		(_to_shift != (unsigned long long)_s || _a < 0 || _s < 0 ||           \
		 (unsigned long long)*_d >> _to_shift != _a_full);                    \
	})

/** size_mul() - @a * @b, or SIZE_MAX on overflow. */
static inline size_t __must_check size_mul(size_t a, size_t b)
{
	size_t bytes;

	if (check_mul_overflow(a, b, &bytes))
		return SIZE_MAX;
	return bytes;
}

/** size_add() - @a + @b, or SIZE_MAX on overflow. */
static inline size_t __must_check size_add(size_t a, size_t b)
{
	size_t bytes;

	if (check_add_overflow(a, b, &bytes))
		return SIZE_MAX;
	return bytes;
}

/** size_sub() - @a - @b, or SIZE_MAX on underflow or if either is SIZE_MAX. */
static inline size_t __must_check size_sub(size_t a, size_t b)
{
	size_t bytes;

	if (a == SIZE_MAX || b == SIZE_MAX || check_sub_overflow(a, b, &bytes))
		return SIZE_MAX;
	return bytes;
}

#define array_size(a, b) size_mul(a, b)
#define array3_size(a, b, c) size_mul(size_mul(a, b), c)
/** flex_array_size() - bytes of @count elements of the flexible array @member of *@p. */
#define flex_array_size(p, member, count) size_mul(count, sizeof(*(p)->member))
/** struct_size() - bytes of *@p with @count elements in its flexible array @member. */
#define struct_size(p, member, count) size_add(sizeof(*(p)), flex_array_size(p, member, count))
#define struct_size_t(type, member, count) struct_size((type *)NULL, member, count)

#endif /* DMASIM_COMPAT_LINUX_OVERFLOW_H */
