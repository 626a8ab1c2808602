/*
 * lib/dma/dma.h - the DMA ops and what they share: swiotlb, the ops struct
 * (struct dmasim_dma_ops: dma-direct here, dma-iommu in iommu/dma-iommu.c),
 * the allocation they hand the API layer, and the dma_pool hooks of device
 * teardown.
 *
 * May use: lib/cache/cache.h (and through it the machine).  Used by: the API
 * layer (lib/dma/dma-mapping.c, dma-alloc.c, dmapool.c, scatterlist.c) and
 * the IOMMU (iommu/iommu-internal.h).
 */
#ifndef DMASIM_LIB_DMA_H
#define DMASIM_LIB_DMA_H

#include "cache/cache.h"

/* ---- swiotlb (swiotlb.c) ------------------------------------------------ */

struct dmasim_swiotlb;

#define IO_TLB_SHIFT 11
#define IO_TLB_SIZE (1u << IO_TLB_SHIFT)
#define IO_TLB_SEGSIZE 128

/*
 * Place the pool (size 0 = off): at @base if @base_set, else in the lowest
 * low-memory RAM that fits, and reserve it before the buddy allocator starts.
 * On error fill @err and return -EINVAL/-ENOMEM.
 */
int dmasim__swiotlb_init(struct dmasim_platform *p, u64 size, phys_addr_t base, bool base_set,
			 bool force, char *err, size_t errlen);
#define DMASIM_DEFAULT_SWIOTLB (4ULL << 20)
/* swiotlb=, parsed (size 0: off). */
struct dmasim_swiotlb_choice {
	u64 size;
	phys_addr_t base;
	bool base_set, force, lifo;
};
/* The spec-key parser and formatter of swiotlb= (a struct dmasim_swiotlb_choice). */
int dmasim__swiotlb_parse(void *cfg, const char *key, const char *v, char *err, size_t errlen);
bool dmasim__swiotlb_format(const void *plat, const void *cfg, const char *key, FILE *out);
void dmasim__swiotlb_destroy(struct dmasim_platform *p);
/*
 * Bounce [orig, orig+size): allocate slots and copy the original in.  As the
 * kernel's swiotlb_map() (dma-direct): the slot's bus address must be within
 * the device's reach, else -EIO with a report.
 */
int dmasim__swiotlb_map(struct dmasim_device *d, phys_addr_t orig, size_t size,
			enum dma_data_direction dir, unsigned long attrs, phys_addr_t *tlb);
/* The same without the reach check, as swiotlb_tbl_map_single() (dma-iommu maps the slot). */
int dmasim__swiotlb_tbl_map(struct dmasim_device *d, phys_addr_t orig, size_t size,
			    enum dma_data_direction dir, unsigned long attrs, phys_addr_t *tlb);
/* Copy back for FROM_DEVICE/BIDIRECTIONAL (unless SKIP_CPU_SYNC) and free the slots. */
void dmasim__swiotlb_unmap(struct dmasim_device *d, phys_addr_t tlb, size_t size,
			   enum dma_data_direction dir, unsigned long attrs);
void dmasim__swiotlb_sync_for_cpu(struct dmasim_device *d, phys_addr_t tlb, size_t size,
				  enum dma_data_direction dir);
void dmasim__swiotlb_sync_for_device(struct dmasim_device *d, phys_addr_t tlb, size_t size,
				     enum dma_data_direction dir);
bool dmasim__swiotlb_active(struct dmasim_platform *p);
/* dmasim__swiotlb_is_bounce() is inline, below. */
/* The original buffer behind a bounce address. */
int dmasim__swiotlb_orig(struct dmasim_platform *p, phys_addr_t tlb, phys_addr_t *orig);
size_t dmasim__swiotlb_max_mapping_size(struct dmasim_device *d);
/* Highest physical address of the pool, or 0 if none. */
phys_addr_t dmasim__swiotlb_end(struct dmasim_platform *p);
phys_addr_t dmasim__swiotlb_start(struct dmasim_platform *p);
bool dmasim__swiotlb_force(struct dmasim_platform *p);
/* swiotlb=...,lifo: start each slot search at the most recently freed mapping. */
void dmasim__swiotlb_set_lifo(struct dmasim_platform *p, bool lifo);
bool dmasim__swiotlb_lifo(struct dmasim_platform *p);
void dmasim__swiotlb_dump(struct dmasim_platform *p, FILE *out);
void dmasim__swiotlb_layout(struct dmasim_platform *p, struct dmasim_layout *out);
/* Slots in use (for tests and tools). */
unsigned long dmasim__swiotlb_used(struct dmasim_platform *p);

/* Whether @phys is in the swiotlb pool (on every direct unmap and sync: inline). */
static inline bool dmasim__swiotlb_is_bounce(const struct dmasim_platform *p, phys_addr_t phys)
{
	return phys - p->swiotlb_base < p->swiotlb_size;
}

/* ---- DMA ops (dma-direct.c, iommu/dma-iommu.c) --------------------------- */

/*
 * Per-device translation: how a physical range becomes a bus range and back.
 * All hooks are called with validated arguments and without d->lock.
 */
/*
 * Whether memory allocated for @d must be seen through an uncached CPU alias:
 * the caller wants coherent memory (@coherent: dma_alloc_attrs(), not pages it
 * syncs itself), the device does not snoop and the CPU view is a copy of its own.
 */
#define dmasim__wants_uncached(d, coherent) \
	((coherent) && dmasim__cpu_view_apart((d)->plat) && !(d)->dev.dma_coherent)

/* An allocation the translation layer made: contiguous (@page) or not (@pages). */
struct dmasim_alloc {
	void *cpu;              /* CPU address (linear map, or a vmap alias) */
	dma_addr_t dma;         /* bus address of the first byte */
	struct page *page;      /* first page when physically contiguous, else NULL */
	struct page **pages;    /* the pages when not contiguous (host array; the caller frees it) */
	unsigned int nr_pages;  /* entries in @pages */
};

/*
 * The DMA ops, as the kernel's struct dma_map_ops: the driver's side of a
 * device, chosen once when it is created.  They work on bus addresses only,
 * never on the API layer's (or the debug layer's) records: each finds what
 * it made from the address (swiotlb its slots, dma-iommu its page table and
 * IOVA allocator).  Called with validated arguments and without d->lock.
 */
struct dmasim_dma_ops {
	const char *name;
	/* Map [phys, phys+size): fill *dma and *tlb (bounce slot or DMASIM_NO_TLB, for tracing). */
	int (*map_phys)(struct dmasim_device *d, phys_addr_t phys, size_t size,
			enum dma_data_direction dir, unsigned long attrs, dma_addr_t *dma,
			phys_addr_t *tlb);
	void (*unmap_phys)(struct dmasim_device *d, dma_addr_t dma, size_t size,
			   enum dma_data_direction dir, unsigned long attrs);
	void (*sync_for_cpu)(struct dmasim_device *d, dma_addr_t dma, size_t size,
			     enum dma_data_direction dir);
	void (*sync_for_device)(struct dmasim_device *d, dma_addr_t dma, size_t size,
				enum dma_data_direction dir);
	/*
	 * Map a list, filling each used entry's dma_address/dma_length (and
	 * dma_flags bit 0 for an entry bounced at its own bus address).
	 * Return the DMA segment count or a negative errno (nothing left mapped).
	 */
	int (*map_sg)(struct dmasim_device *d, struct scatterlist *sgl, int nents,
		      enum dma_data_direction dir, unsigned long attrs);
	/* Undo map_sg of a list mapped with @nents entries (the DMA segments end at a 0 length). */
	void (*unmap_sg)(struct dmasim_device *d, struct scatterlist *sgl, int nents,
			 enum dma_data_direction dir, unsigned long attrs);
	/* Map an MMIO range. */
	int (*map_resource)(struct dmasim_device *d, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir, dma_addr_t *dma);
	void (*unmap_resource)(struct dmasim_device *d, dma_addr_t dma, size_t size,
			       enum dma_data_direction dir, unsigned long attrs);
	/*
	 * Allocation reachable under @mask, zeroed.  Physically contiguous when
	 * @attrs has DMA_ATTR_FORCE_CONTIGUOUS (the direct path always is).
	 * @coherent: coherent memory (dma_alloc_attrs(), as the kernel's
	 * ops->alloc), not pages the driver syncs (as its alloc_pages_op).
	 * Return 0 and *@a, or a negative errno.
	 */
	int (*alloc)(struct dmasim_device *d, size_t size, u64 mask, gfp_t gfp,
		     unsigned long attrs, bool coherent, struct dmasim_alloc *a);
	/*
	 * Free what alloc made, found from its CPU address (the linear map or
	 * the alias area it was given) and its bus address, as the kernel's
	 * dma_map_ops.free: the caller keeps nothing of the allocation.
	 */
	void (*free)(struct dmasim_device *d, size_t size, void *cpu, dma_addr_t dma,
		     unsigned long attrs);
	/* Whether @mask (streaming or coherent) can be honoured. */
	bool (*mask_supported)(struct dmasim_device *d, u64 mask);
	u64 (*required_mask)(struct dmasim_device *d);
	size_t (*max_mapping_size)(struct dmasim_device *d);
	size_t (*opt_mapping_size)(struct dmasim_device *d);
	unsigned long (*merge_boundary)(struct dmasim_device *d);
	/* Whether a bounce could be needed (for dma_need_unmap). */
	bool (*may_bounce)(struct dmasim_device *d);
	/*
	 * dma_need_sync(): whether the mapping at @dma needs syncs (the device
	 * is not coherent, or the mapping is bounced through swiotlb).
	 */
	bool (*need_sync)(struct dmasim_device *d, dma_addr_t dma);
	/*
	 * Optional: the two-step IOVA API.  iova_alloc reserves @size bytes of
	 * IOVA space for memory starting at @phys's granule offset (*@addr keeps
	 * that offset); iova_link maps [phys, phys+size) at @dma; iova_unlink
	 * unmaps [dma, dma+size) (strict); iova_free gives the range back.
	 */
	int (*iova_alloc)(struct dmasim_device *d, phys_addr_t phys, size_t size, dma_addr_t *addr);
	int (*iova_link)(struct dmasim_device *d, dma_addr_t dma, phys_addr_t phys, size_t size,
			 enum dma_data_direction dir, unsigned long attrs);
	void (*iova_unlink)(struct dmasim_device *d, dma_addr_t dma, size_t size,
			    enum dma_data_direction dir, unsigned long attrs);
	void (*iova_free)(struct dmasim_device *d, dma_addr_t addr, size_t size);
};

extern const struct dmasim_dma_ops dmasim__direct_ops;
extern const struct dmasim_dma_ops dmasim__iommu_dma_ops;

/* ---- dma_pool (dmapool.c) -------------------------------------------------- */

/*
 * dma_pool (dmapool.c): called by dmasim_device_destroy() after managed
 * resources were released: reports every pool the driver never destroyed
 * (with its busy blocks) and frees the bookkeeping.
 */
void dmasim__pools_release(struct dmasim_device *d);
/*
 * Whether @cpu lies in a page of a dma_pool (of any device): the API layer's
 * frees refuse it, whatever debug says.  Fills @pool_name and @dev_name.
 */
bool dmasim__pool_owns(struct dmasim_platform *p, const void *cpu, char *pool_name,
		       size_t pool_len, char *dev_name, size_t dev_len);
/* Test hook: a pool's pages, blocks and busy blocks (any pointer may be NULL). */
void dmasim__pool_counts(struct dma_pool *pool, size_t *pages, size_t *blocks, size_t *busy);

#endif /* DMASIM_LIB_DMA_H */
