/*
 * <linux/compiler.h> - compiler attributes and access helpers (dmasim compat).
 *
 * The kernel's annotations for sparse (__iomem, __user, __force, __bitwise)
 * expand to nothing, as in a kernel build without sparse.  READ_ONCE() and
 * WRITE_ONCE() are single volatile accesses, as in the kernel's
 * <asm-generic/rwonce.h>.
 */
#ifndef DMASIM_COMPAT_LINUX_COMPILER_H
#define DMASIM_COMPAT_LINUX_COMPILER_H

#include <dmasim/ktypes.h>

/* sparse annotations: nothing to the compiler. */
#define __iomem
#define __user
#define __kernel
#define __force
#define __bitwise
#define __safe
#define __nocast
#define __rcu
#define __percpu
#define __private
#define __acquires(x)
#define __releases(x)
#define __must_hold(x)
#define __cond_lock(x, c) (c)

#define __must_check __attribute__((__warn_unused_result__))
#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif
#define noinline __attribute__((__noinline__))
#define __maybe_unused __attribute__((__unused__))
#define __always_unused __attribute__((__unused__))
#define __used __attribute__((__used__))
#define __packed __attribute__((__packed__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#define __scanf(a, b) __attribute__((__format__(scanf, a, b)))
#define __cold __attribute__((__cold__))
#define __weak __attribute__((__weak__))
#define __pure __attribute__((__pure__))
#define __noreturn __attribute__((__noreturn__))
#define __counted_by(member)
#define __nonstring
#define __cacheline_aligned __attribute__((__aligned__(L1_CACHE_BYTES)))
#define ____cacheline_aligned __cacheline_aligned
#define __read_mostly
#define notrace
#ifndef fallthrough
#if defined(__has_attribute)
#if __has_attribute(__fallthrough__)
#define fallthrough __attribute__((__fallthrough__))
#endif
#endif
#ifndef fallthrough
#define fallthrough do {} while (0) /* fallthrough */
#endif
#endif

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
#define likely_notrace(x) likely(x)
#define unlikely_notrace(x) unlikely(x)

/** barrier() - compiler barrier: no memory access is moved across it. */
#define barrier() __asm__ __volatile__("" : : : "memory")
#define barrier_data(ptr) __asm__ __volatile__("" : : "r"(ptr) : "memory")
#define OPTIMIZER_HIDE_VAR(var) __asm__("" : "=r"(var) : "0"(var))
#define unreachable() __builtin_unreachable()

#define __same_type(a, b) __builtin_types_compatible_p(__typeof__(a), __typeof__(b))
#define __must_be_array(a) (0 * (int)sizeof(char[1 - 2 * __same_type((a), &(a)[0])]))
/* 1 if @x is an integer constant expression, else 0 (the kernel's __is_constexpr). */
#define __is_constexpr(x) (sizeof(int) == sizeof(*(8 ? ((void *)((long)(x) * 0l)) : (int *)8)))

/**
 * READ_ONCE() - load @x exactly once, neither torn nor merged nor re-read
 * by the compiler (the kernel's <asm-generic/rwonce.h>).
 */
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
/** WRITE_ONCE() - store @val to @x exactly once. */
#define WRITE_ONCE(x, val)                                   \
	do {                                                 \
		*(volatile __typeof__(x) *)&(x) = (val);     \
	} while (0)
/* Annotates a deliberate data race for KCSAN; just the access here. */
#define data_race(expr) (expr)

#endif /* DMASIM_COMPAT_LINUX_COMPILER_H */
