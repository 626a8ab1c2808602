/*
 * dmasim/ktypes.h - the kernel's scalar types, flags and helper macros.
 *
 * The kernel-named compat headers (<linux/dma-mapping.h>, ...) include this
 * file instead of <linux/types.h>, which the system owns (uapi).  Everything
 * here is what kernel driver code expects to find without asking: u8..u64,
 * dma_addr_t, phys_addr_t, gfp_t, GFP_*, DMA_BIT_MASK, ALIGN, BIT, ...
 */
#ifndef DMASIM_KTYPES_H
#define DMASIM_KTYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <sys/types.h>

#if defined(_WIN32)
#error "dmasim needs a POSIX host"
#endif

#if defined(DMASIM_BUILDING) && defined(__GNUC__)
#define DMASIM_API __attribute__((visibility("default")))
#else
#define DMASIM_API
#endif

/*
 * As the kernel's <asm-generic/int-ll64.h> on every architecture: u64 is
 * unsigned long long, so driver code printing a u64 or dma_addr_t with
 * %llx compiles without a -Wformat warning.
 */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;

/** dma_addr_t - an address on a device's bus (Z in the kernel's docs). */
typedef u64 dma_addr_t;
/** phys_addr_t - a CPU physical address in simulated RAM (Y). */
typedef u64 phys_addr_t;
/** resource_size_t - size or address of an MMIO resource. */
typedef u64 resource_size_t;
/** gfp_t - allocation flags (GFP_KERNEL, GFP_DMA32, ...). */
typedef unsigned int gfp_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

/* Zone and behaviour modifiers, with the kernel's meanings. */
#define __GFP_DMA 0x01u /* from ZONE_DMA: below 16 MiB */
#define __GFP_HIGHMEM 0x02u /* may come from high memory (no linear map) */
#define __GFP_DMA32 0x04u /* from ZONE_DMA32: below 4 GiB */
#define __GFP_ZERO 0x100u /* zero the memory */
#define __GFP_NOWARN 0x200u /* no message on failure */
#define __GFP_NORETRY 0x400u
#define __GFP_COMP 0x800u
#define __GFP_HIGH 0x1000u /* atomic context: caller may not sleep */
#define __GFP_IO 0x2000u
#define __GFP_FS 0x4000u
#define __GFP_RECLAIM 0x8000u

#define GFP_KERNEL (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_ATOMIC (__GFP_HIGH)
#define GFP_NOWAIT (__GFP_HIGH)
#define GFP_NOIO (__GFP_RECLAIM)
#define GFP_NOFS (__GFP_RECLAIM | __GFP_IO)
#define GFP_USER (GFP_KERNEL)
#define GFP_HIGHUSER (GFP_USER | __GFP_HIGHMEM)
#define GFP_DMA (__GFP_DMA)
#define GFP_DMA32 (__GFP_DMA32)

#define DMA_BIT_MASK(n) (((n) == 64) ? ~0ULL : ((1ULL << (n)) - 1))

#ifndef BIT
#define BIT(nr) (1UL << (nr))
#endif
#define BIT_ULL(nr) (1ULL << (nr))
#ifndef ALIGN
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#endif
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define PAGE_ALIGN(addr) ALIGN(addr, PAGE_SIZE)
#define PAGE_ALIGNED(addr) IS_ALIGNED((unsigned long)(addr), PAGE_SIZE)
#define offset_in_page(p) ((unsigned long)(p) & ~PAGE_MASK)
#define PFN_UP(x) (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_DOWN(x) ((x) >> PAGE_SHIFT)
#define PFN_PHYS(x) ((phys_addr_t)(x) << PAGE_SHIFT)
#define PHYS_PFN(x) ((unsigned long)((x) >> PAGE_SHIFT))
#ifndef DIV_ROUND_UP
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define lower_32_bits(n) ((u32)((n) & 0xffffffff))
#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#endif

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/* The kernel's sizes of the cache line and of the DMA minimum alignment. */
#define L1_CACHE_BYTES 64
#define ARCH_DMA_MINALIGN 64
#define ARCH_KMALLOC_MINALIGN ARCH_DMA_MINALIGN

#endif /* DMASIM_KTYPES_H */
