/*
 * lib/mm/mm.h - the machine's memory: RAM regions in memfds, struct page,
 * the buddy allocator, kmalloc slabs, alias areas (vmalloc, vmap, kmap,
 * pinned user pages), and the translations between CPU, linear and physical
 * addresses.
 *
 * Half of the machine layer, with lib/core/core.h (which includes this
 * header: the platform embeds the memory structs).  Functions take the
 * platform by pointer; the files of lib/mm/ include lib/core/core.h for its fields.
 *
 * Preconditions: physical ranges passed to memory helpers lie inside one
 * RAM region (dmasim__phys_range_ok() checked it); p->mm_lock protects the
 * buddy allocator, slabs and alias areas.
 *
 * May use: <dmasim/dmasim.h> only.  Used by every layer above.
 */
#ifndef DMASIM_LIB_MM_H
#define DMASIM_LIB_MM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/queue.h>
/* libbsd's RB_GENERATE_STATIC expands to __unused, which its cdefs.h leaves undefined on Linux. */
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
#include <sys/tree.h>

#include <dmasim/dmasim.h>

#include "mm/shadow.h"

#define DMASIM_MAX_REGIONS 8
#define DMASIM_MAX_ORDER 14 /* buddy blocks up to 64 MiB (contiguous DMA allocations) */
#define DMASIM_MAX_PAGE_ORDER 10 /* what alloc_pages() accepts, as the kernel's MAX_PAGE_ORDER */

struct dmasim_platform;

/* ---- memory (memory.c, page-alloc.c, slab.c, vmalloc.c) -------------------- */

enum dmasim_zone { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_HIGHMEM, DMASIM_NR_ZONES };

#define PG_buddy 0x01UL /* free, head of a buddy block of page->order */
#define PG_reserved 0x02UL /* not managed by the allocator (swiotlb pool) */
#define PG_slab 0x04UL /* part of a kmalloc slab */
#define PG_head 0x08UL /* first page of an allocation of page->order */
#define PG_pinned 0x10UL /* backs a pinned user range */
#define PG_large 0x20UL /* head of a large kmalloc (whole pages) */
#define PG_dirty 0x40UL /* set_page_dirty_lock(): the CPU or a device wrote it */
#define PG_dmapool 0x40UL /* holds blocks of a dma_pool (page->priv: the pool; lib/dma/dmapool.c) */

struct dmasim_region;
struct dmasim_device;
struct dmasim_arena;

struct dmasim_region {
	struct dmasim_platform *plat;
	phys_addr_t base;
	u64 size;
	bool high;
	off_t fd_off;            /* offset of the region in the RAM memfd */
	unsigned char *ram;      /* RAM as devices see it */
	unsigned char *cpu;      /* RAM as the CPU sees it (== ram when caches are coherent) */
	unsigned char *linear;   /* the linear map (NULL for high memory) */
	struct page *memmap;     /* nr_pages descriptors, zero (free) until used */
	size_t memmap_span;      /* bytes of host address space the memmap holds */
	unsigned long pfn_base;
	unsigned long nr_pages;
	/* ASan build: a bit per 2 MiB of the linear map ever poisoned (undone at destroy). */
	unsigned long *shadow_chunks;
};

/*
 * Which region a struct page belongs to.  Every memmap starts on a
 * DMASIM_MEMMAP_CHUNK boundary of host address space and owns the chunks it
 * spans, so one shift and one load find it, for descriptors never written.
 */
#define DMASIM_MEMMAP_CHUNK_SHIFT 30
#define DMASIM_MEMMAP_CHUNKS (1UL << (47 - DMASIM_MEMMAP_CHUNK_SHIFT))
extern struct dmasim_region *dmasim__memmap_owner[DMASIM_MEMMAP_CHUNKS];

static inline struct dmasim_region *dmasim__page_region(const struct page *page)
{
	return __atomic_load_n(&dmasim__memmap_owner[(uintptr_t)page >> DMASIM_MEMMAP_CHUNK_SHIFT &
						     (DMASIM_MEMMAP_CHUNKS - 1)],
			       __ATOMIC_RELAXED);
}

LIST_HEAD(dmasim_page_list, page);

struct dmasim_arena {
	struct dmasim_region *region;
	enum dmasim_zone zone;
	unsigned long pfn_start, pfn_end; /* [start, end) */
	struct dmasim_page_list free[DMASIM_MAX_ORDER + 1];
	unsigned long nr_free[DMASIM_MAX_ORDER + 1];
	unsigned long free_pages; /* on the free lists */
	/*
	 * Never handed out yet: [lazy_lo, lazy_hi), minus reserved ranges, not
	 * on any free list (its descriptors untouched, costing no host memory).
	 * Blocks are carved from the top for the first fit, from the bottom
	 * for an allocation under a physical ceiling.
	 */
	unsigned long lazy_lo, lazy_hi;
	unsigned long lazy_pages;
};

/* Free pages of @a, on its lists or never used (read under p->mm_lock for an exact count). */
static inline unsigned long dmasim__arena_free(const struct dmasim_arena *a)
{
	return a->free_pages + a->lazy_pages;
}

#define DMASIM_MAX_RESERVED 8
/* A physical range the page allocator never hands out (the first page, a legacy hole, a swiotlb pool). */
struct dmasim_reserved {
	unsigned long pfn_start, pfn_end;
};

/* Alias areas: host mappings of simulated pages outside the linear map. */
enum dmasim_alias_kind { ALIAS_VMALLOC, ALIAS_VMAP, ALIAS_KMAP, ALIAS_PIN, ALIAS_MMAP };

struct dmasim_alias {
	RB_ENTRY(dmasim_alias) node;
	unsigned char *va;
	size_t size;
	enum dmasim_alias_kind kind;
	unsigned int nr_pages;
	struct page **pages;
	unsigned int pins;    /* ALIAS_PIN: pages still pinned */
	unsigned int kmaps;   /* ALIAS_KMAP: kmap() reference count */
	unsigned char *saved; /* ALIAS_PIN: nothing; kept for symmetry */
};

RB_HEAD(dmasim_alias_tree, dmasim_alias);

struct dmasim_slab_cache;

/* Page allocation with a physical ceiling: the highest byte must be <= @max_phys. */
struct page *dmasim__alloc_pages_below(struct dmasim_platform *p, gfp_t gfp, unsigned int order,
				       phys_addr_t max_phys);
void dmasim__free_pages(struct page *page, unsigned int order);
/* As the kernel's split_page(): an allocated order-@order block becomes 2^order order-0 ones. */
void dmasim__split_block(struct page *page, unsigned int order);
/*
 * Take (@delta 1) or drop (-1) a reference on a page of a pinned user range
 * (get_page()/put_page() and unpin on PG_pinned pages); the last one gives
 * the range back to host memory.  Return: false, after a report naming
 * @call, if the page holds no reference to drop.
 */
bool dmasim__user_page_ref(struct page *page, int delta, const char *call);
/*
 * Why dmasim__alloc_pages_below(@gfp, @order, @max_phys) failed, into @buf.
 * Return: true when no RAM at all lies in the zones @gfp allows (or none at
 * or below @max_phys); false when there is, but not enough free.
 */
bool dmasim__alloc_explain(struct dmasim_platform *p, gfp_t gfp, unsigned int order,
			   phys_addr_t max_phys, char *buf, size_t len);
/* Reserve [base, base+size) so the allocator never hands it out. Return 0 or -errno. */
int dmasim__reserve_phys(struct dmasim_platform *p, phys_addr_t base, u64 size);
int dmasim__buddy_init(struct dmasim_platform *p);
void dmasim__buddy_dump(struct dmasim_platform *p, FILE *out);
void dmasim__buddy_zones(struct dmasim_platform *p, struct dmasim_layout *out);
/* @cpu_copy: keep the CPU's view of RAM in a memfd of its own (non-coherent cache model). */
int dmasim__memory_init(struct dmasim_platform *p, const char *ram, bool cpu_copy, char *err,
			size_t errlen);
void dmasim__memory_destroy(struct dmasim_platform *p);
unsigned long dmasim__free_page_count(struct dmasim_platform *p, int zone);

struct dmasim_region *dmasim__phys_region(struct dmasim_platform *p, phys_addr_t phys);
/* Whether [phys, phys+size) is inside one RAM region. */
bool dmasim__phys_range_ok(struct dmasim_platform *p, phys_addr_t phys, u64 size);
/* Host address of @phys as RAM (device view). Caller checked the range. */
unsigned char *dmasim__ram_ptr(struct dmasim_platform *p, phys_addr_t phys);
/* Host address of @phys as the CPU sees it (through its cache). */
unsigned char *dmasim__cpu_ptr(struct dmasim_platform *p, phys_addr_t phys);
/* Whether the CPU's view of RAM is a copy of its own (non-coherent cache model). */
#define dmasim__cpu_view_apart(p) ((p)->cpu_view != (p)->ram_view)
/* Linear address of @phys, NULL for high memory. */
void *dmasim__phys_to_linear(struct dmasim_platform *p, phys_addr_t phys);
/* Physical address of a linear-map address of @p. Return 0 or -EFAULT. */
int dmasim__linear_to_phys(struct dmasim_platform *p, const void *cpu, phys_addr_t *phys);
/* Physical address of any CPU address dmasim owns (linear map or alias). */
int dmasim__cpu_to_phys(struct dmasim_platform *p, const void *cpu, phys_addr_t *phys);
/* Why @addr is not DMA-able: fills @buf with an explanation and what to use instead. */
void dmasim__explain_addr(struct dmasim_platform *p, const void *addr, char *buf, size_t len);
struct page *dmasim__phys_to_page(struct dmasim_platform *p, phys_addr_t phys);
/* page_to_phys() and page_address() without the call through the PLT. */
static inline phys_addr_t dmasim__region_page_phys(const struct dmasim_region *r,
						   const struct page *page)
{
	return PFN_PHYS(r->pfn_base + (unsigned long)(page - r->memmap));
}

static inline phys_addr_t dmasim__page_phys(const struct page *page)
{
	return dmasim__region_page_phys(dmasim__page_region(page), page);
}

static inline void *dmasim__page_linear(const struct page *page)
{
	const struct dmasim_region *r = dmasim__page_region(page);

	return r->linear ? r->linear + ((size_t)(page - r->memmap) << PAGE_SHIFT) : NULL;
}
/* The platform a struct page belongs to. */
static inline struct dmasim_platform *dmasim__page_platform(const struct page *page)
{
	struct dmasim_region *r = page ? dmasim__page_region(page) : NULL;

	return r ? r->plat : NULL;
}

/*
 * Poison (freed memory, a redzone) or unpoison (an allocation) @size bytes
 * at CPU address @addr of @p (the linear map or an alias area) for ASan and
 * memcheck (mm/shadow.h).  Alias areas are unpoisoned again when they go.
 */
void dmasim__mem_poison(struct dmasim_platform *p, const void *addr, size_t size);
static inline void dmasim__mem_unpoison(const void *addr, size_t size)
{
	dmasim__shadow_unpoison(addr, size);
}
/* The same for the pages of a buddy block (their linear map; nothing for high memory). */
void dmasim__pages_poison(struct page *page, unsigned int order);
void dmasim__pages_unpoison(struct page *page, unsigned int order);

/* What lies at @phys, for a report: "a live kmalloc-256 object 0x...", "free memory", ... */
void dmasim__describe_phys(struct dmasim_platform *p, phys_addr_t phys, char *buf, size_t len);

/* krealloc() kept kmalloc object @obj (ksize() @slot) for @size bytes: poison the rest. */
void dmasim__kmalloc_resized(const void *obj, size_t size, size_t slot);

void dmasim__slab_init(struct dmasim_platform *p);
void dmasim__slab_destroy(struct dmasim_platform *p);
void dmasim__alias_destroy_all(struct dmasim_platform *p);
struct dmasim_alias *dmasim__alias_find(struct dmasim_platform *p, const void *addr);
/* Map @n pages at a fresh host address (or at @fixed): the CPU's (cached) view. */
unsigned char *dmasim__map_pages(struct dmasim_platform *p, struct page **pages, unsigned int n,
				 void *fixed);
/* @n contiguous pages from @first seen uncached, registered as an alias area (remove with dmasim__alias_remove). */
void *dmasim__uncached_alias(struct dmasim_platform *p, struct page *first, size_t n);
/* The same straight onto RAM: an uncached alias, as ARM maps coherent memory. */
unsigned char *dmasim__map_pages_uncached(struct dmasim_platform *p, struct page **pages,
					  unsigned int n, void *fixed);
struct dmasim_alias *dmasim__alias_add(struct dmasim_platform *p, unsigned char *va, size_t size,
				       enum dmasim_alias_kind kind, struct page **pages,
				       unsigned int n);
/* Remove the area starting at @va: unmap it (a pinned range goes back to host
 * memory, vmalloc pages are freed). Return 0 or -ENOENT. Caller holds nothing. */
int dmasim__alias_remove(struct dmasim_platform *p, const void *va);

#endif /* DMASIM_LIB_MM_H */
