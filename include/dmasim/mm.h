/*
 * dmasim/mm.h - the simulated machine's memory as kernel code sees it.
 *
 * Page frames (struct page), the buddy page allocator, the linear map
 * (virt_to_phys and friends), DMA-safe kmalloc, high memory with kmap, vmalloc
 * and vmap aliases, and pinning of user buffers.  Included by the compat
 * headers <linux/mm.h>, <linux/gfp.h>, <linux/slab.h>, <linux/highmem.h> and
 * <linux/vmalloc.h>.  Calls that take no device act on the current platform
 * (see dmasim_platform_set_current()).
 */
#ifndef DMASIM_MM_H
#define DMASIM_MM_H

#include <dmasim/ktypes.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct page - descriptor of one simulated page frame.
 *
 * Each RAM region has an array of these (its memmap, as the kernel's
 * FLATMEM/SPARSEMEM), one per page frame in physical order, so kernel code's
 * pointer arithmetic works: `page + i`, `page++`, `&pages[i]` and comparisons
 * within one region (a contiguous allocation never spans two regions), and
 * nth_page() across them.  The memmap is reserved host address space that
 * costs host memory only where descriptors are in use.
 *
 * The fields are dmasim's own state, as the kernel's are the mm's: driver
 * code uses page_to_pfn(), page_address(), page_count() and the other
 * helpers, never the fields.
 */
struct page {
	unsigned long flags; /* PG_* state bits */
	struct {
		struct page *le_next;
		struct page **le_prev;
	} lru;                     /* free list of the buddy allocator */
	void *priv;                /* the slab, the pin area */
	unsigned long large_size;  /* bytes of a large kmalloc */
	int refcount;              /* accessed atomically */
	unsigned short order;      /* of the block this page heads */
	unsigned char arena;       /* allocator arena of an allocated block's head */
	unsigned char pad_;
};

/**
 * struct vm_area_struct - a user-space mapping, as dma_mmap_*() fill it.
 * @vm_start: first host address of the mapping (0 = let dmasim choose).
 * @vm_end: one past the last host address.
 * @vm_pgoff: offset into the buffer, in pages.
 * @vm_flags: unused by dmasim; kept for driver code that sets it.
 */
struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_pgoff;
	unsigned long vm_flags;
};

/* --- page allocator (buddy) ------------------------------------------- */

/**
 * alloc_pages() - allocate 2^@order physically contiguous pages.
 * @gfp: zone and behaviour flags (GFP_KERNEL, GFP_DMA32, __GFP_HIGHMEM, __GFP_ZERO...).
 * @order: log2 of the number of pages (0..10).
 *
 * Return: the first page, or NULL (with a message unless __GFP_NOWARN).
 * Context: any; thread-safe.
 */
DMASIM_API struct page *alloc_pages(gfp_t gfp, unsigned int order);
/** alloc_page() - alloc_pages(@gfp, 0). Return: a page or NULL. */
DMASIM_API struct page *alloc_page(gfp_t gfp);
/** __free_pages() - free pages from alloc_pages(); @order must match. */
DMASIM_API void __free_pages(struct page *page, unsigned int order);
/** __free_page() - __free_pages(@page, 0). */
DMASIM_API void __free_page(struct page *page);
/**
 * __get_free_pages() - allocate lowmem pages and return their linear address.
 * Return: the address as unsigned long, or 0.  __GFP_HIGHMEM is refused.
 */
DMASIM_API unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
/** __get_free_page() - __get_free_pages(@gfp, 0). */
DMASIM_API unsigned long __get_free_page(gfp_t gfp);
/** get_zeroed_page() - one zeroed lowmem page. Return: its address or 0. */
DMASIM_API unsigned long get_zeroed_page(gfp_t gfp);
/** free_pages() - free what __get_free_pages() returned. 0 is ignored. */
DMASIM_API void free_pages(unsigned long addr, unsigned int order);
/** free_page() - free_pages(@addr, 0). */
DMASIM_API void free_page(unsigned long addr);
/** get_order() - smallest order whose pages hold @size bytes (size > 0). */
DMASIM_API int get_order(unsigned long size);
/** get_page() - take a reference on @page. */
DMASIM_API void get_page(struct page *page);
/** put_page() - drop a reference; the last one frees an order-0 page. */
DMASIM_API void put_page(struct page *page);
/** page_count() - current reference count of @page. */
DMASIM_API int page_count(struct page *page);

/* --- frames and the linear map --------------------------------------- */

/** page_to_pfn() - page frame number of @page. */
DMASIM_API unsigned long page_to_pfn(const struct page *page);
/** pfn_to_page() - descriptor of frame @pfn. Return: NULL if @pfn is not RAM. */
DMASIM_API struct page *pfn_to_page(unsigned long pfn);
/** pfn_valid() - whether @pfn is a frame of simulated RAM. */
DMASIM_API bool pfn_valid(unsigned long pfn);
/** page_to_phys() - physical address of @page. */
DMASIM_API phys_addr_t page_to_phys(const struct page *page);
/** page_address() - linear-map address of @page. Return: NULL for high memory. */
DMASIM_API void *page_address(const struct page *page);
/** nth_page() - the page @n frames after @page (may cross into another region's memmap). */
DMASIM_API struct page *nth_page(struct page *page, unsigned long n);
/** PageHighMem() - whether @page has no linear mapping. */
DMASIM_API bool PageHighMem(const struct page *page);
/** virt_addr_valid() - whether @addr lies in the linear map. */
DMASIM_API bool virt_addr_valid(const void *addr);
/**
 * virt_to_phys() - physical address of a linear-map address.
 * Return: the address; for anything else a message and (phys_addr_t)-1.
 */
DMASIM_API phys_addr_t virt_to_phys(const volatile void *addr);
/** phys_to_virt() - linear-map address of @phys. Return: NULL for high memory or non-RAM. */
DMASIM_API void *phys_to_virt(phys_addr_t phys);
/** virt_to_page() - page of a linear-map address. Return: NULL (and a message) otherwise. */
DMASIM_API struct page *virt_to_page(const void *addr);
#define __pa(x) virt_to_phys((const void *)(x))
#define __va(x) phys_to_virt((phys_addr_t)(x))
#define virt_to_pfn(x) (PFN_DOWN(virt_to_phys(x)))
#define page_to_virt(p) page_address(p)

/* --- kmalloc ----------------------------------------------------------- */

/**
 * kmalloc() - allocate @size bytes of DMA-safe lowmem.
 *
 * The result is aligned to ARCH_DMA_MINALIGN (the cache line), so two
 * kmalloc buffers never share a cache line.  Size classes up to half a page
 * come from slab pages; larger requests get whole pages.
 * Return: the address, or NULL for size 0, overflow or exhaustion.
 */
DMASIM_API void *kmalloc(size_t size, gfp_t gfp);
/** kzalloc() - kmalloc() of zeroed memory. */
DMASIM_API void *kzalloc(size_t size, gfp_t gfp);
/** kcalloc() - zeroed array of @n elements; NULL on overflow. */
DMASIM_API void *kcalloc(size_t n, size_t size, gfp_t gfp);
/** kmalloc_array() - array of @n elements; NULL on overflow. */
DMASIM_API void *kmalloc_array(size_t n, size_t size, gfp_t gfp);
/** kfree() - free kmalloc() memory; NULL is ignored, anything else foreign is reported. */
DMASIM_API void kfree(const void *ptr);
/** ksize() - usable size of a kmalloc() block. Return: 0 for a foreign pointer. */
DMASIM_API size_t ksize(const void *ptr);

/* --- high memory -------------------------------------------------------- */

/**
 * kmap() - a CPU address for @page.
 *
 * Lowmem pages return their linear address; a high-memory page is mapped at a
 * fresh host address aliasing the same physical frame.  Pair with kunmap().
 * Return: the address, or NULL on failure.
 */
DMASIM_API void *kmap(struct page *page);
/** kunmap() - drop the mapping kmap() made for @page. */
DMASIM_API void kunmap(struct page *page);
/** kmap_local_page() - like kmap(); undone with kunmap_local(address). */
DMASIM_API void *kmap_local_page(struct page *page);
/** kunmap_local() - undo kmap_local_page() given the address it returned. */
DMASIM_API void kunmap_local(const void *addr);
#define kmap_atomic(page) kmap_local_page(page)
#define kunmap_atomic(addr) kunmap_local(addr)
/** memcpy_from_page() - copy @len bytes at @offset in @page to @to. */
DMASIM_API void memcpy_from_page(char *to, struct page *page, size_t offset, size_t len);
/** memcpy_to_page() - copy @len bytes from @from to @offset in @page. */
DMASIM_API void memcpy_to_page(struct page *page, size_t offset, const char *from, size_t len);

/* --- vmalloc and vmap ---------------------------------------------------- */

#define VM_MAP 0x4UL
#define PAGE_KERNEL 0

/**
 * vmalloc() - virtually contiguous memory made of scattered pages.
 *
 * Not DMA-able through dma_map_single(); map its pages (vmalloc_to_page())
 * instead, as in the kernel.
 * Return: the address, or NULL.
 */
DMASIM_API void *vmalloc(unsigned long size);
/** vzalloc() - zeroed vmalloc(). */
DMASIM_API void *vzalloc(unsigned long size);
/** vfree() - free vmalloc() memory and its pages; NULL is ignored. */
DMASIM_API void vfree(const void *addr);
/**
 * vmap() - map @count existing pages at one virtually contiguous address.
 * @flags: VM_MAP or 0.  @prot: PAGE_KERNEL.
 * Return: the alias address, or NULL.  The pages stay owned by the caller.
 */
DMASIM_API void *vmap(struct page **pages, unsigned int count, unsigned long flags, int prot);
/** vunmap() - remove an alias made by vmap(). */
DMASIM_API void vunmap(const void *addr);
/** is_vmalloc_addr() - whether @addr is inside a vmalloc() or vmap() area. */
DMASIM_API bool is_vmalloc_addr(const void *addr);
/** vmalloc_to_page() - the page behind a vmalloc/vmap/kmap address, or NULL. */
DMASIM_API struct page *vmalloc_to_page(const void *addr);
/** vmalloc_to_pfn() - page_to_pfn(vmalloc_to_page(@addr)); 0 if none. */
DMASIM_API unsigned long vmalloc_to_pfn(const void *addr);

/* --- user pages ---------------------------------------------------------- */

#define FOLL_WRITE 0x01
#define FOLL_FORCE 0x10
#define FOLL_LONGTERM 0x100

/**
 * pin_user_pages_fast() - pin the pages of a user (host) buffer for DMA.
 * @start: first address; rounded down to a page boundary.
 * @nr_pages: pages to pin.
 * @gup_flags: FOLL_WRITE, FOLL_LONGTERM (accepted; the memory must be writable).
 * @pages: receives @nr_pages page pointers, in address order.
 *
 * Memory from malloc(), static data, the stack or mmap() is not part of
 * simulated RAM, so no device can reach it.  Pinning moves the bytes of the
 * range into simulated pages (GFP_HIGHUSER, as user memory: they may be high
 * memory) and maps those pages at the very same host addresses, so the
 * program keeps using its pointer while devices reach the data through real
 * physical addresses.  The pages are physically scattered, no two adjacent,
 * in a seeded order, as a real process's (`user_pages=contiguous` in the
 * platform spec keeps them in address order).  Pinning pages pinned before is
 * legal: each pin is one more reference.  When the last reference on every
 * page of a range is dropped (unpin_user_pages(), put_page()), the bytes move
 * back into ordinary private memory at the same address.
 *
 * Return: @nr_pages, or a negative errno (-EINVAL bad arguments or a stack
 * range of another thread, -EEXIST memory dmasim already owns (kmalloc,
 * vmalloc...), -EFAULT unmapped or read-only, -ENOMEM).
 * Context: thread-safe.  A range of the calling thread's own stack may be
 * pinned; the stack of a running thread may not.
 */
DMASIM_API int pin_user_pages_fast(unsigned long start, int nr_pages, unsigned int gup_flags,
				   struct page **pages);
/** pin_user_pages() - pin_user_pages_fast() with the kernel's slow-path signature. */
DMASIM_API long pin_user_pages(unsigned long start, unsigned long nr_pages,
			       unsigned int gup_flags, struct page **pages);
/**
 * get_user_pages() - as pin_user_pages(), but each page holds a plain
 * reference, dropped with put_page() (the kernel's FOLL_GET).
 */
DMASIM_API long get_user_pages(unsigned long start, unsigned long nr_pages,
			       unsigned int gup_flags, struct page **pages);
/** get_user_pages_fast() - get_user_pages() with the fast-path signature. */
DMASIM_API int get_user_pages_fast(unsigned long start, int nr_pages, unsigned int gup_flags,
				   struct page **pages);
/** unpin_user_pages() - drop one pin of each page; a page with none left is reported. */
DMASIM_API void unpin_user_pages(struct page **pages, unsigned long npages);
/** unpin_user_page() - unpin_user_pages(&@page, 1). */
DMASIM_API void unpin_user_page(struct page *page);
/**
 * unpin_user_pages_dirty_lock() - mark each page dirty first when
 * @make_dirty (a device wrote it), then unpin it.
 */
DMASIM_API void unpin_user_pages_dirty_lock(struct page **pages, unsigned long npages,
					    bool make_dirty);
/** set_page_dirty_lock() - mark @page dirty. Return: 1 if it was clean, else 0. */
DMASIM_API int set_page_dirty_lock(struct page *page);
/** PageDirty() - whether @page was marked dirty. */
DMASIM_API bool PageDirty(const struct page *page);
#define set_page_dirty(page) set_page_dirty_lock(page)

/* --- exact allocations ------------------------------------------------------- */

/**
 * alloc_pages_exact() - @size bytes of physically contiguous lowmem pages,
 * without the rest of the power-of-two block (split off and freed).
 * Return: the linear address, or NULL.  Free with free_pages_exact().
 */
DMASIM_API void *alloc_pages_exact(size_t size, gfp_t gfp);
/** free_pages_exact() - free what alloc_pages_exact(@size) returned. */
DMASIM_API void free_pages_exact(void *virt, size_t size);

/* --- user copies ------------------------------------------------------------- */

#ifndef __user
#define __user
#endif
/**
 * copy_to_user() - copy @n bytes to the user buffer @to (a host address).
 * Return: the number of bytes NOT copied (0 on success), as the kernel's:
 * unmapped or read-only user memory stops the copy there.
 */
DMASIM_API unsigned long copy_to_user(void __user *to, const void *from, unsigned long n);
/** copy_from_user() - copy @n bytes from the user buffer @from. Return: bytes NOT copied. */
DMASIM_API unsigned long copy_from_user(void *to, const void __user *from, unsigned long n);
/** access_ok() - whether [@addr, @addr + @size) can be a user range (no wrap-around). */
#define access_ok(addr, size) \
	((unsigned long)(addr) + (unsigned long)(size) >= (unsigned long)(addr))

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_MM_H */
