/*
 * lib/mm/shadow.h - what AddressSanitizer and valgrind's memcheck see of
 * simulated memory.  Part of the machine layer (memory), included by mm.h.
 *
 * Simulated RAM is host memory the tools know nothing about: a memfd
 * mapped where the program never called malloc().  The allocators of
 * lib/mm/ (and the dma_pool of the API layer) tell the tools through their
 * client interfaces what the kernel's KASAN would know: ASan's manual
 * poisoning (<sanitizer/asan_interface.h>, only in an ASan build) and
 * memcheck's client requests (<valgrind/memcheck.h>, when the header was
 * found at build time; a no-op unless the program runs under valgrind).
 *
 * Only CPU addresses are poisoned: the linear map and the alias areas
 * (vmalloc).  dmasim's own accesses to RAM (a device's reads and writes,
 * swiotlb's bounce copies, the cache model's write-backs and invalidates,
 * zeroing) go through the RAM view and the CPU view, other host mappings of
 * the same pages, which are never poisoned: none of them can trip the
 * tools.  Only addressability is tracked, never definedness: a device fills
 * memory behind memcheck's back (through the RAM view), so a buffer the
 * CPU has not written is as good as one it has.
 *
 * States of a linear-map page: never allocated (addressable: poisoning all
 * RAM up front would cost ASan an eighth of RAM in shadow per platform),
 * allocated (addressable, but a kmalloc object's slack and a coherent or
 * vmalloc area's tail past the size asked for are not), freed (not
 * addressable until handed out again).
 */
#ifndef DMASIM_LIB_MM_SHADOW_H
#define DMASIM_LIB_MM_SHADOW_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define DMASIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DMASIM_ASAN 1
#endif
#endif

#ifdef DMASIM_ASAN
#include <sanitizer/asan_interface.h>
#endif
#ifdef DMASIM_HAVE_MEMCHECK_H
#include <valgrind/memcheck.h>
#endif

/* Not addressable: freed memory, redzones. */
static inline void dmasim__shadow_poison(const void *addr, size_t size)
{
	if (!size)
		return;
#ifdef DMASIM_ASAN
	ASAN_POISON_MEMORY_REGION(addr, size);
#endif
#ifdef DMASIM_HAVE_MEMCHECK_H
	VALGRIND_MAKE_MEM_NOACCESS(addr, size);
#endif
	(void)addr;
}

/* Addressable again: an allocation, or memory going back to the host. */
static inline void dmasim__shadow_unpoison(const void *addr, size_t size)
{
	if (!size)
		return;
#ifdef DMASIM_ASAN
	ASAN_UNPOISON_MEMORY_REGION(addr, size);
#endif
#ifdef DMASIM_HAVE_MEMCHECK_H
	VALGRIND_MAKE_MEM_DEFINED(addr, size);
#endif
	(void)addr;
}

/*
 * Allocators whose objects memcheck should know by name (kmalloc, a
 * dma_pool): its reports then say "N bytes after a block of size M alloc'd"
 * with the allocating stack.  @pool is any address that names the allocator
 * (its struct).  Objects live until freed or the pool is destroyed.
 */
static inline void dmasim__shadow_pool_create(const void *pool)
{
#ifdef DMASIM_HAVE_MEMCHECK_H
	VALGRIND_CREATE_MEMPOOL(pool, 0, 1);
#endif
	(void)pool;
}

static inline void dmasim__shadow_pool_destroy(const void *pool)
{
#ifdef DMASIM_HAVE_MEMCHECK_H
	VALGRIND_DESTROY_MEMPOOL(pool);
#endif
	(void)pool;
}

/* @obj..@obj+@size is handed out; the rest of its slot stays poisoned. */
static inline void dmasim__shadow_obj_alloc(const void *pool, const void *obj, size_t size)
{
#ifdef DMASIM_ASAN
	ASAN_UNPOISON_MEMORY_REGION(obj, size);
#endif
#ifdef DMASIM_HAVE_MEMCHECK_H
	VALGRIND_MEMPOOL_ALLOC(pool, obj, size);
#endif
	(void)pool;
	(void)obj;
	(void)size;
}

/* A live object now spans @size bytes (ksize()). */
static inline void dmasim__shadow_obj_resize(const void *pool, const void *obj, size_t size)
{
#ifdef DMASIM_ASAN
	ASAN_UNPOISON_MEMORY_REGION(obj, size);
#endif
#ifdef DMASIM_HAVE_MEMCHECK_H
	VALGRIND_MEMPOOL_CHANGE(pool, obj, obj, size);
	VALGRIND_MAKE_MEM_DEFINED(obj, size);
#endif
	(void)pool;
	(void)obj;
	(void)size;
}

/* @obj is freed; @size bytes of its slot are poisoned. */
static inline void dmasim__shadow_obj_free(const void *pool, const void *obj, size_t size)
{
#ifdef DMASIM_ASAN
	ASAN_POISON_MEMORY_REGION(obj, size);
#endif
#ifdef DMASIM_HAVE_MEMCHECK_H
	VALGRIND_MEMPOOL_FREE(pool, obj);
	VALGRIND_MAKE_MEM_NOACCESS(obj, size);
#endif
	(void)pool;
	(void)obj;
	(void)size;
}

#endif /* DMASIM_LIB_MM_SHADOW_H */
