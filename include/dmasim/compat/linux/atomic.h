/*
 * <linux/atomic.h> - atomic counters (dmasim compat).
 *
 * As the kernel's (Documentation/atomic_t.txt): atomic_read()/atomic_set()
 * and the void operations (atomic_inc(), atomic_add(), ...) are unordered;
 * operations that return a value (atomic_inc_return(), atomic_dec_and_test(),
 * atomic_cmpxchg(), atomic_xchg(), atomic_fetch_*()) are fully ordered;
 * the _relaxed/_acquire/_release forms order as their names say.
 */
#ifndef DMASIM_COMPAT_LINUX_ATOMIC_H
#define DMASIM_COMPAT_LINUX_ATOMIC_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <asm/barrier.h>

typedef struct {
	int counter;
} atomic_t;
typedef struct {
	s64 counter;
} atomic64_t;
typedef struct {
	long counter;
} atomic_long_t;

#define ATOMIC_INIT(i) { (i) }
#define ATOMIC64_INIT(i) { (i) }
#define ATOMIC_LONG_INIT(i) { (i) }

#define DMASIM_ATOMIC_OPS(pfx, atype, type)                                                    \
	static inline type pfx##_read(const atype *v)                                          \
	{                                                                                      \
		return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);                         \
	}                                                                                      \
	static inline type pfx##_read_acquire(const atype *v)                                  \
	{                                                                                      \
		return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE);                         \
	}                                                                                      \
	static inline void pfx##_set(atype *v, type i)                                         \
	{                                                                                      \
		__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);                            \
	}                                                                                      \
	static inline void pfx##_set_release(atype *v, type i)                                 \
	{                                                                                      \
		__atomic_store_n(&v->counter, i, __ATOMIC_RELEASE);                            \
	}                                                                                      \
	static inline void pfx##_add(type i, atype *v)                                         \
	{                                                                                      \
		__atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED);                          \
	}                                                                                      \
	static inline void pfx##_sub(type i, atype *v)                                         \
	{                                                                                      \
		__atomic_fetch_sub(&v->counter, i, __ATOMIC_RELAXED);                          \
	}                                                                                      \
	static inline void pfx##_inc(atype *v)                                                 \
	{                                                                                      \
		__atomic_fetch_add(&v->counter, 1, __ATOMIC_RELAXED);                          \
	}                                                                                      \
	static inline void pfx##_dec(atype *v)                                                 \
	{                                                                                      \
		__atomic_fetch_sub(&v->counter, 1, __ATOMIC_RELAXED);                          \
	}                                                                                      \
	static inline void pfx##_and(type i, atype *v)                                         \
	{                                                                                      \
		__atomic_fetch_and(&v->counter, i, __ATOMIC_RELAXED);                          \
	}                                                                                      \
	static inline void pfx##_or(type i, atype *v)                                          \
	{                                                                                      \
		__atomic_fetch_or(&v->counter, i, __ATOMIC_RELAXED);                           \
	}                                                                                      \
	static inline void pfx##_xor(type i, atype *v)                                         \
	{                                                                                      \
		__atomic_fetch_xor(&v->counter, i, __ATOMIC_RELAXED);                          \
	}                                                                                      \
	static inline void pfx##_andnot(type i, atype *v)                                      \
	{                                                                                      \
		__atomic_fetch_and(&v->counter, ~i, __ATOMIC_RELAXED);                         \
	}                                                                                      \
	static inline type pfx##_add_return(type i, atype *v)                                  \
	{                                                                                      \
		return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST);                   \
	}                                                                                      \
	static inline type pfx##_add_return_relaxed(type i, atype *v)                          \
	{                                                                                      \
		return __atomic_add_fetch(&v->counter, i, __ATOMIC_RELAXED);                   \
	}                                                                                      \
	static inline type pfx##_sub_return(type i, atype *v)                                  \
	{                                                                                      \
		return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST);                   \
	}                                                                                      \
	static inline type pfx##_inc_return(atype *v)                                          \
	{                                                                                      \
		return __atomic_add_fetch(&v->counter, 1, __ATOMIC_SEQ_CST);                   \
	}                                                                                      \
	static inline type pfx##_inc_return_relaxed(atype *v)                                  \
	{                                                                                      \
		return __atomic_add_fetch(&v->counter, 1, __ATOMIC_RELAXED);                   \
	}                                                                                      \
	static inline type pfx##_dec_return(atype *v)                                          \
	{                                                                                      \
		return __atomic_sub_fetch(&v->counter, 1, __ATOMIC_SEQ_CST);                   \
	}                                                                                      \
	static inline type pfx##_fetch_add(type i, atype *v)                                   \
	{                                                                                      \
		return __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST);                   \
	}                                                                                      \
	static inline type pfx##_fetch_sub(type i, atype *v)                                   \
	{                                                                                      \
		return __atomic_fetch_sub(&v->counter, i, __ATOMIC_SEQ_CST);                   \
	}                                                                                      \
	static inline type pfx##_fetch_inc(atype *v)                                           \
	{                                                                                      \
		return __atomic_fetch_add(&v->counter, 1, __ATOMIC_SEQ_CST);                   \
	}                                                                                      \
	static inline type pfx##_fetch_dec(atype *v)                                           \
	{                                                                                      \
		return __atomic_fetch_sub(&v->counter, 1, __ATOMIC_SEQ_CST);                   \
	}                                                                                      \
	static inline type pfx##_fetch_or(type i, atype *v)                                    \
	{                                                                                      \
		return __atomic_fetch_or(&v->counter, i, __ATOMIC_SEQ_CST);                    \
	}                                                                                      \
	static inline type pfx##_fetch_and(type i, atype *v)                                   \
	{                                                                                      \
		return __atomic_fetch_and(&v->counter, i, __ATOMIC_SEQ_CST);                   \
	}                                                                                      \
	static inline type pfx##_fetch_andnot(type i, atype *v)                                \
	{                                                                                      \
		return __atomic_fetch_and(&v->counter, ~i, __ATOMIC_SEQ_CST);                  \
	}                                                                                      \
	static inline type pfx##_xchg(atype *v, type i)                                        \
	{                                                                                      \
		return __atomic_exchange_n(&v->counter, i, __ATOMIC_SEQ_CST);                  \
	}                                                                                      \
	static inline type pfx##_cmpxchg(atype *v, type old, type new_value)                   \
	{                                                                                      \
		__atomic_compare_exchange_n(&v->counter, &old, new_value, false,               \
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);               \
		return old;                                                                    \
	}                                                                                      \
	static inline bool pfx##_try_cmpxchg(atype *v, type *old, type new_value)              \
	{                                                                                      \
		return __atomic_compare_exchange_n(&v->counter, old, new_value, false,         \
						   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);        \
	}                                                                                      \
	static inline bool pfx##_dec_and_test(atype *v)                                        \
	{                                                                                      \
		return pfx##_dec_return(v) == 0;                                               \
	}                                                                                      \
	static inline bool pfx##_inc_and_test(atype *v)                                        \
	{                                                                                      \
		return pfx##_inc_return(v) == 0;                                               \
	}                                                                                      \
	static inline bool pfx##_sub_and_test(type i, atype *v)                                \
	{                                                                                      \
		return pfx##_sub_return(i, v) == 0;                                            \
	}                                                                                      \
	static inline bool pfx##_add_negative(type i, atype *v)                                \
	{                                                                                      \
		return pfx##_add_return(i, v) < 0;                                             \
	}                                                                                      \
	/* Add @a unless the counter is @u. Return: whether it was added. */                  \
	static inline bool pfx##_add_unless(atype *v, type a, type u)                          \
	{                                                                                      \
		type c = pfx##_read(v);                                                        \
		do {                                                                           \
			if (c == u)                                                            \
				return false;                                                  \
		} while (!pfx##_try_cmpxchg(v, &c, c + a));                                    \
		return true;                                                                   \
	}                                                                                      \
	static inline bool pfx##_inc_not_zero(atype *v)                                        \
	{                                                                                      \
		return pfx##_add_unless(v, 1, 0);                                              \
	}

DMASIM_ATOMIC_OPS(atomic, atomic_t, int)
DMASIM_ATOMIC_OPS(atomic64, atomic64_t, s64)
DMASIM_ATOMIC_OPS(atomic_long, atomic_long_t, long)
#undef DMASIM_ATOMIC_OPS

/* Plain-variable forms of include/linux/atomic.h. */
#define xchg(ptr, v) __atomic_exchange_n((ptr), (v), __ATOMIC_SEQ_CST)
#define cmpxchg(ptr, old, new_value)                                                    \
	({                                                                              \
		__typeof__(*(ptr)) __old = (old);                                       \
		__atomic_compare_exchange_n((ptr), &__old, (new_value), false,          \
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);        \
		__old;                                                                  \
	})
#define try_cmpxchg(ptr, oldp, new_value)                                       \
	__atomic_compare_exchange_n((ptr), (oldp), (new_value), false,          \
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

#endif /* DMASIM_COMPAT_LINUX_ATOMIC_H */
