/*
 * <asm/barrier.h> - memory barriers (dmasim compat).
 *
 * The simulated device runs on the host's CPUs (a device model thread, or
 * the driver's own thread), so the kernel's barriers become the C11 fences
 * that order the same accesses on the host:
 *   mb()/rmb()/wmb(): full, load and store ordering, also against MMIO;
 *   dma_mb()/dma_rmb()/dma_wmb(): ordering of CPU accesses to memory that a
 *     device reads or writes (coherent DMA memory) - dma_wmb() between
 *     filling a descriptor and setting its ownership bit, dma_rmb() between
 *     reading the ownership bit and reading the descriptor;
 *   smp_*(): ordering between CPUs.
 * The kernel's include/asm-generic/barrier.h and
 * Documentation/memory-barriers.txt give the contract.
 */
#ifndef DMASIM_COMPAT_ASM_BARRIER_H
#define DMASIM_COMPAT_ASM_BARRIER_H

#include <linux/compiler.h>

/*
 * ThreadSanitizer does not model stand-alone fences (GCC refuses them under
 * -fsanitize=thread): there the barriers are compiler barriers, and the
 * ordering TSan checks comes from the locks dmasim takes around register
 * accesses and interrupt delivery.
 */
#if defined(__SANITIZE_THREAD__)
#define DMASIM_FENCE(order) __asm__ __volatile__("" : : : "memory")
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DMASIM_FENCE(order) __asm__ __volatile__("" : : : "memory")
#endif
#endif
#ifndef DMASIM_FENCE
#define DMASIM_FENCE(order) __atomic_thread_fence(order)
#endif

#define mb() DMASIM_FENCE(__ATOMIC_SEQ_CST)
#define rmb() DMASIM_FENCE(__ATOMIC_ACQUIRE)
#define wmb() DMASIM_FENCE(__ATOMIC_RELEASE)
#define dma_mb() mb()
#define dma_rmb() DMASIM_FENCE(__ATOMIC_ACQUIRE)
#define dma_wmb() DMASIM_FENCE(__ATOMIC_RELEASE)
#define smp_mb() DMASIM_FENCE(__ATOMIC_SEQ_CST)
#define smp_rmb() DMASIM_FENCE(__ATOMIC_ACQUIRE)
#define smp_wmb() DMASIM_FENCE(__ATOMIC_RELEASE)
#define __smp_mb() smp_mb()
#define __smp_rmb() smp_rmb()
#define __smp_wmb() smp_wmb()
#define smp_mb__before_atomic() smp_mb()
#define smp_mb__after_atomic() smp_mb()
#define smp_read_barrier_depends() do {} while (0)
#define virt_mb() mb()
#define virt_rmb() rmb()
#define virt_wmb() wmb()

/** smp_store_release() - store @v to *@p; earlier accesses are ordered before it. */
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
/** smp_load_acquire() - load *@p; later accesses are ordered after it. */
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_mb(var, value)         \
	do {                             \
		WRITE_ONCE(var, value);  \
		smp_mb();                \
	} while (0)
#define virt_store_mb(var, value) smp_store_mb(var, value)
#define smp_cond_load_relaxed(ptr, cond_expr)                       \
	({                                                          \
		__typeof__(*(ptr)) VAL;                             \
		for (;;) {                                          \
			VAL = READ_ONCE(*(ptr));                    \
			if (cond_expr)                              \
				break;                              \
		}                                                   \
		VAL;                                                \
	})
#define smp_cond_load_acquire(ptr, cond_expr)                       \
	({                                                          \
		__typeof__(*(ptr)) _val = smp_cond_load_relaxed(ptr, cond_expr); \
		smp_rmb();                                          \
		_val;                                               \
	})

#endif /* DMASIM_COMPAT_ASM_BARRIER_H */
