/*
 * <linux/refcount.h> - reference counters that refuse to wrap (dmasim
 * compat).  As the kernel's include/linux/refcount.h: refcount_inc() on 0
 * (a use after free) and an overflow or underflow are reported (a WARN, here
 * a counted report) and the counter saturates instead of wrapping, so the
 * object leaks rather than being freed twice.
 */
#ifndef DMASIM_COMPAT_LINUX_REFCOUNT_H
#define DMASIM_COMPAT_LINUX_REFCOUNT_H

#include <limits.h>
#include <linux/atomic.h>
#include <linux/bug.h>

typedef struct refcount_struct {
	atomic_t refs;
} refcount_t;

#define REFCOUNT_INIT(n) { .refs = ATOMIC_INIT(n) }
#define REFCOUNT_SATURATED (INT_MIN / 2)

static inline void refcount_set(refcount_t *r, int n)
{
	atomic_set(&r->refs, n);
}

static inline unsigned int refcount_read(const refcount_t *r)
{
	return (unsigned int)atomic_read(&r->refs);
}

/* Saturate on a bad old value, as the kernel's refcount_warn_saturate(). */
static inline void dmasim_refcount_bad(refcount_t *r, int old, const char *what)
{
	atomic_set(&r->refs, REFCOUNT_SATURATED);
	WARN(1, "refcount_t: %s (old value %d); the counter saturates", what, old);
}

/* @a + @b without signed overflow (wraps into the negative range instead). */
static inline int dmasim_refcount_sum(int a, int b)
{
	return (int)((unsigned int)a + (unsigned int)b);
}

static inline bool refcount_add_not_zero(int i, refcount_t *r)
{
	int old = atomic_read(&r->refs);

	do {
		if (!old)
			return false;
		if (old < 0)
			break; /* saturated: stays so */
	} while (!atomic_try_cmpxchg(&r->refs, &old, dmasim_refcount_sum(old, i)));
	if (old < 0 || dmasim_refcount_sum(old, i) < 0)
		dmasim_refcount_bad(r, old, "saturated or overflowed");
	return true;
}

static inline void refcount_add(int i, refcount_t *r)
{
	int old = atomic_fetch_add(i, &r->refs);

	if (!old)
		dmasim_refcount_bad(r, old, "addition on 0; use-after-free");
	else if (old < 0 || dmasim_refcount_sum(old, i) < 0)
		dmasim_refcount_bad(r, old, "saturated or overflowed");
}

static inline bool refcount_inc_not_zero(refcount_t *r)
{
	return refcount_add_not_zero(1, r);
}

static inline void refcount_inc(refcount_t *r)
{
	refcount_add(1, r);
}

/** refcount_sub_and_test() - subtract @i. Return: true when the count reached 0. */
static inline bool refcount_sub_and_test(int i, refcount_t *r)
{
	int old = atomic_fetch_sub(i, &r->refs);

	if (old == i)
		return true;
	if (old < 0 || dmasim_refcount_sum(old, -i) < 0)
		dmasim_refcount_bad(r, old, "underflow; use-after-free");
	return false;
}

static inline bool refcount_dec_and_test(refcount_t *r)
{
	return refcount_sub_and_test(1, r);
}

static inline void refcount_dec(refcount_t *r)
{
	if (refcount_dec_and_test(r))
		dmasim_refcount_bad(r, 1, "decrement hit 0; leaking memory");
}

#endif /* DMASIM_COMPAT_LINUX_REFCOUNT_H */
