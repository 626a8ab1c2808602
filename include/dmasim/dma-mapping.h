/*
 * dmasim/dma-mapping.h - the kernel's DMA mapping API over the simulated bus.
 *
 * Names, signatures and return conventions are the kernel's
 * (Documentation/core-api/dma-api.rst).  Every call validates its arguments
 * and reports misuse through the platform's log handler as
 * "DMA-API: <device>: <call>: <what> [<values>]", returning the kernel's
 * failure value.  Included by <linux/dma-mapping.h>.
 */
#ifndef DMASIM_DMA_MAPPING_H
#define DMASIM_DMA_MAPPING_H

#include <dmasim/ktypes.h>
#include <dmasim/device.h>
#include <dmasim/mm.h>
#include <dmasim/scatterlist.h>
#include <dmasim/compat/linux/dma-direction.h>

#ifdef __cplusplus
extern "C" {
#endif

/** DMA_MAPPING_ERROR - the bus address every failed mapping returns. */
#define DMA_MAPPING_ERROR (~(dma_addr_t)0)

/* Attributes (Documentation/core-api/dma-attributes.rst). */
#define DMA_ATTR_WEAK_ORDERING (1UL << 1) /* accepted; no ordering model */
#define DMA_ATTR_WRITE_COMBINE (1UL << 2) /* coherent alloc mapped write-combined */
#define DMA_ATTR_NO_KERNEL_MAPPING (1UL << 4) /* coherent alloc: no CPU address needed */
#define DMA_ATTR_SKIP_CPU_SYNC (1UL << 5) /* map/unmap without cache maintenance or bounce copy */
#define DMA_ATTR_FORCE_CONTIGUOUS (1UL << 6) /* physically contiguous allocation */
#define DMA_ATTR_ALLOC_SINGLE_PAGES (1UL << 7) /* hint: build from single pages */
#define DMA_ATTR_NO_WARN (1UL << 8) /* no message when a mapping fails */
#define DMA_ATTR_PRIVILEGED (1UL << 9) /* privileged-only access behind an IOMMU */
#define DMA_ATTR_MMIO (1UL << 10) /* the address is MMIO, not RAM */

/* --- unmap bookkeeping in driver structures (dma-api-howto) --------------- */
#define DEFINE_DMA_UNMAP_ADDR(ADDR_NAME) dma_addr_t ADDR_NAME
#define DEFINE_DMA_UNMAP_LEN(LEN_NAME) u32 LEN_NAME
#define dma_unmap_addr(PTR, ADDR_NAME) ((PTR)->ADDR_NAME)
#define dma_unmap_addr_set(PTR, ADDR_NAME, VAL) (((PTR)->ADDR_NAME) = (VAL))
#define dma_unmap_len(PTR, LEN_NAME) ((PTR)->LEN_NAME)
#define dma_unmap_len_set(PTR, LEN_NAME, VAL) (((PTR)->LEN_NAME) = (VAL))

/**
 * dma_mapping_error() - whether a returned bus address is the error value.
 * Return: -ENOMEM for DMA_MAPPING_ERROR, else 0.  Calling it is what marks a
 * mapping as checked.
 */
DMASIM_API int dma_mapping_error(struct device *dev, dma_addr_t dma_addr);

/* --- masks and queries ---------------------------------------------------- */

/**
 * dma_set_mask() - set the streaming DMA mask.
 * Return: 0, or -EIO if no memory and no bounce buffer the device can
 * address lies under @mask (the mask is then left unchanged).
 */
DMASIM_API int dma_set_mask(struct device *dev, u64 mask);
/** dma_set_coherent_mask() - set the coherent mask. Return: 0 or -EIO. */
DMASIM_API int dma_set_coherent_mask(struct device *dev, u64 mask);
/** dma_set_mask_and_coherent() - both masks at once. Return: 0 or -EIO. */
DMASIM_API int dma_set_mask_and_coherent(struct device *dev, u64 mask);
/** dma_coerce_mask_and_coherent() - as above, for devices created without a mask. */
DMASIM_API int dma_coerce_mask_and_coherent(struct device *dev, u64 mask);
/** dma_get_mask() - the streaming mask (32 bits if none was set). */
DMASIM_API u64 dma_get_mask(struct device *dev);
/** dma_get_required_mask() - the smallest mask that reaches all of RAM. */
DMASIM_API u64 dma_get_required_mask(struct device *dev);
/** dma_addressing_limited() - true if the mask cannot reach all of RAM (bounces may happen). */
DMASIM_API bool dma_addressing_limited(struct device *dev);
/** dma_max_mapping_size() - largest single mapping (swiotlb limits it when it may bounce). */
DMASIM_API size_t dma_max_mapping_size(struct device *dev);
/** dma_opt_mapping_size() - the size above which mappings get slower. */
DMASIM_API size_t dma_opt_mapping_size(struct device *dev);
/** dma_need_sync() - whether syncs for @dma_addr do any work. */
DMASIM_API bool dma_need_sync(struct device *dev, dma_addr_t dma_addr);
/** dma_need_unmap() - whether unmapping does anything (so the address must be kept). */
DMASIM_API bool dma_need_unmap(struct device *dev);
/** dma_get_merge_boundary() - IOMMU granule mask for sg merging; 0 with direct mapping. */
DMASIM_API unsigned long dma_get_merge_boundary(struct device *dev);
/** dma_get_max_seg_size() - the device's maximum segment size. */
DMASIM_API unsigned int dma_get_max_seg_size(struct device *dev);
/** dma_set_max_seg_size() - set it. Return: 0, or -EINVAL for 0 / a bad device. */
DMASIM_API int dma_set_max_seg_size(struct device *dev, unsigned int size);
/** dma_get_seg_boundary() - the segment boundary mask (all ones by default). */
DMASIM_API unsigned long dma_get_seg_boundary(struct device *dev);
/** dma_get_seg_boundary_nr_pages() - the boundary in pages of 1 << @page_shift. */
DMASIM_API unsigned long dma_get_seg_boundary_nr_pages(struct device *dev,
						       unsigned int page_shift);
/** dma_set_seg_boundary() - set it. Return: 0, or -EINVAL if @mask + 1 is not a power of 2. */
DMASIM_API int dma_set_seg_boundary(struct device *dev, unsigned long mask);
/** dma_set_min_align_mask() - low bits swiotlb keeps when it bounces. */
DMASIM_API void dma_set_min_align_mask(struct device *dev, unsigned int min_align_mask);
/** dma_get_min_align_mask() - the mask set above (0 by default). */
DMASIM_API unsigned int dma_get_min_align_mask(struct device *dev);
/** dma_get_cache_alignment() - the alignment DMA buffers need (the cache line). */
DMASIM_API int dma_get_cache_alignment(void);
/** dma_supported() - whether @mask can be honoured. Return: 1 or 0. */
DMASIM_API int dma_supported(struct device *dev, u64 mask);

/* --- streaming mappings ---------------------------------------------------- */

/**
 * dma_map_single_attrs() - map a linear-map buffer for one DMA transfer.
 * @ptr: kmalloc()/page memory (not stack, static, malloc or vmalloc).
 * Return: the bus address, or DMA_MAPPING_ERROR.  Check with dma_mapping_error().
 */
DMASIM_API dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size,
					   enum dma_data_direction dir, unsigned long attrs);
/** dma_unmap_single_attrs() - undo it; size and direction must match the map call. */
DMASIM_API void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size,
				       enum dma_data_direction dir, unsigned long attrs);
/** dma_map_page_attrs() - map @size bytes at @offset of @page (high memory is fine). */
DMASIM_API dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page, size_t offset,
					 size_t size, enum dma_data_direction dir,
					 unsigned long attrs);
/** dma_unmap_page_attrs() - undo it. */
DMASIM_API void dma_unmap_page_attrs(struct device *dev, dma_addr_t addr, size_t size,
				     enum dma_data_direction dir, unsigned long attrs);
/**
 * dma_map_resource() - map an MMIO range (e.g. another device's FIFO) for
 * peer-to-peer DMA.  The range must not be RAM.
 * Return: the bus address, or DMA_MAPPING_ERROR.
 */
DMASIM_API dma_addr_t dma_map_resource(struct device *dev, phys_addr_t phys_addr, size_t size,
				       enum dma_data_direction dir, unsigned long attrs);
/** dma_unmap_resource() - undo it. */
DMASIM_API void dma_unmap_resource(struct device *dev, dma_addr_t addr, size_t size,
				   enum dma_data_direction dir, unsigned long attrs);

#define dma_map_single(d, a, s, r) dma_map_single_attrs(d, a, s, r, 0)
#define dma_unmap_single(d, a, s, r) dma_unmap_single_attrs(d, a, s, r, 0)
#define dma_map_page(d, p, o, s, r) dma_map_page_attrs(d, p, o, s, r, 0)
#define dma_unmap_page(d, a, s, r) dma_unmap_page_attrs(d, a, s, r, 0)

/**
 * dma_map_sg_attrs() - map a scatterlist.
 * Return: the number of DMA segments (at most @nents), or 0 on failure.
 * Unmap with the same @nents that was passed in, not the returned count.
 */
DMASIM_API unsigned int dma_map_sg_attrs(struct device *dev, struct scatterlist *sg, int nents,
					 enum dma_data_direction dir, unsigned long attrs);
/** dma_unmap_sg_attrs() - undo it, passing the @nents given to dma_map_sg(). */
DMASIM_API void dma_unmap_sg_attrs(struct device *dev, struct scatterlist *sg, int nents,
				   enum dma_data_direction dir, unsigned long attrs);
/**
 * dma_map_sgtable() - map a table; sets sgt->nents.
 * Return: 0, or -EINVAL (bad arguments), -ENOMEM (out of bounce/IO space),
 * -EIO (segment out of the device's reach and no bounce possible).
 */
DMASIM_API int dma_map_sgtable(struct device *dev, struct sg_table *sgt,
			       enum dma_data_direction dir, unsigned long attrs);
/** dma_unmap_sgtable() - undo dma_map_sgtable(). */
DMASIM_API void dma_unmap_sgtable(struct device *dev, struct sg_table *sgt,
				  enum dma_data_direction dir, unsigned long attrs);

#define dma_map_sg(d, s, n, r) dma_map_sg_attrs(d, s, n, r, 0)
#define dma_unmap_sg(d, s, n, r) dma_unmap_sg_attrs(d, s, n, r, 0)

/* --- sync ------------------------------------------------------------------ */

/** dma_sync_single_for_cpu() - give a streaming buffer back to the CPU. */
DMASIM_API void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size,
					enum dma_data_direction dir);
/** dma_sync_single_for_device() - hand a streaming buffer back to the device. */
DMASIM_API void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size,
					   enum dma_data_direction dir);
/** dma_sync_single_range_for_cpu() - sync part of a mapping, @offset bytes in. */
DMASIM_API void dma_sync_single_range_for_cpu(struct device *dev, dma_addr_t addr,
					      unsigned long offset, size_t size,
					      enum dma_data_direction dir);
/** dma_sync_single_range_for_device() - sync part of a mapping for the device. */
DMASIM_API void dma_sync_single_range_for_device(struct device *dev, dma_addr_t addr,
						 unsigned long offset, size_t size,
						 enum dma_data_direction dir);
/** dma_sync_sg_for_cpu() - sync a mapped list (pass the original @nelems). */
DMASIM_API void dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sg, int nelems,
				    enum dma_data_direction dir);
/** dma_sync_sg_for_device() - sync a mapped list for the device. */
DMASIM_API void dma_sync_sg_for_device(struct device *dev, struct scatterlist *sg, int nelems,
				       enum dma_data_direction dir);
/** dma_sync_sgtable_for_cpu() - sync a mapped table. */
DMASIM_API void dma_sync_sgtable_for_cpu(struct device *dev, struct sg_table *sgt,
					 enum dma_data_direction dir);
/** dma_sync_sgtable_for_device() - sync a mapped table for the device. */
DMASIM_API void dma_sync_sgtable_for_device(struct device *dev, struct sg_table *sgt,
					    enum dma_data_direction dir);

/* --- coherent and other allocations --------------------------------------- */

/**
 * dma_alloc_attrs() - allocate zeroed memory that CPU and device share.
 * @dma_handle: receives the bus address, within the coherent mask.
 * The bus address is aligned to the smallest page order >= @size (as
 * dma-api.rst promises); so is the CPU address with direct mapping.  Behind
 * an IOMMU the CPU address is a vmap alias of pages that need not be
 * contiguous, and only page-aligned, as in the kernel.
 * Return: the CPU address (or, with DMA_ATTR_NO_KERNEL_MAPPING, an opaque
 * cookie), or NULL.
 */
DMASIM_API void *dma_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle,
				 gfp_t gfp, unsigned long attrs);
/** dma_free_attrs() - free it; size, addresses and attrs must match. */
DMASIM_API void dma_free_attrs(struct device *dev, size_t size, void *cpu_addr,
			       dma_addr_t dma_handle, unsigned long attrs);
/** dma_alloc_coherent() - dma_alloc_attrs(..., 0). */
DMASIM_API void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle,
				    gfp_t gfp);
/** dma_free_coherent() - dma_free_attrs(..., 0). */
DMASIM_API void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr,
				  dma_addr_t dma_handle);
/** dma_alloc_wc() - write-combined coherent memory. */
DMASIM_API void *dma_alloc_wc(struct device *dev, size_t size, dma_addr_t *dma_addr, gfp_t gfp);
/** dma_free_wc() - free it. */
DMASIM_API void dma_free_wc(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_addr);
/** dmam_alloc_coherent() - managed: freed when the device is destroyed. */
DMASIM_API void *dmam_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle,
				     gfp_t gfp);
/** dmam_free_coherent() - free a managed allocation early. */
DMASIM_API void dmam_free_coherent(struct device *dev, size_t size, void *vaddr,
				   dma_addr_t dma_handle);

/**
 * dma_alloc_pages() - pages the device can reach, owned as by a streaming
 * mapping in direction @dir (sync them like one).
 * Return: the first page, or NULL.
 */
DMASIM_API struct page *dma_alloc_pages(struct device *dev, size_t size, dma_addr_t *dma_handle,
					enum dma_data_direction dir, gfp_t gfp);
/** dma_free_pages() - free them. */
DMASIM_API void dma_free_pages(struct device *dev, size_t size, struct page *page,
			       dma_addr_t dma_handle, enum dma_data_direction dir);
/** dma_alloc_noncoherent() - dma_alloc_pages() returning the linear address. */
DMASIM_API void *dma_alloc_noncoherent(struct device *dev, size_t size, dma_addr_t *dma_handle,
				       enum dma_data_direction dir, gfp_t gfp);
/** dma_free_noncoherent() - free it. */
DMASIM_API void dma_free_noncoherent(struct device *dev, size_t size, void *vaddr,
				     dma_addr_t dma_handle, enum dma_data_direction dir);
/**
 * dma_alloc_noncontiguous() - memory that is contiguous for the device,
 * returned as a mapped sg_table (one segment for the device).
 * Return: the table, or NULL.
 */
DMASIM_API struct sg_table *dma_alloc_noncontiguous(struct device *dev, size_t size,
						    enum dma_data_direction dir, gfp_t gfp,
						    unsigned long attrs);
/** dma_free_noncontiguous() - free it. */
DMASIM_API void dma_free_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt,
				       enum dma_data_direction dir);
/** dma_vmap_noncontiguous() - a contiguous CPU address for it. Return: address or NULL. */
DMASIM_API void *dma_vmap_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt);
/** dma_vunmap_noncontiguous() - drop that address. */
DMASIM_API void dma_vunmap_noncontiguous(struct device *dev, void *vaddr);
/** dma_sync_sgtable_* work on noncontiguous tables as on mapped ones. */

/**
 * dma_get_sgtable_attrs() - describe a coherent allocation as an sg_table
 * (for exporting it).  Return: 0 or negative errno.
 */
DMASIM_API int dma_get_sgtable_attrs(struct device *dev, struct sg_table *sgt, void *cpu_addr,
				     dma_addr_t dma_addr, size_t size, unsigned long attrs);
#define dma_get_sgtable(d, t, v, h, s) dma_get_sgtable_attrs(d, t, v, h, s, 0)
/**
 * dma_mmap_attrs() - map a coherent allocation into "user space": a new host
 * alias of its physical pages at @vma->vm_start (chosen if 0), covering
 * @vma->vm_end - @vma->vm_start bytes from page @vma->vm_pgoff.  Remove it
 * with munmap().  Return: 0, -ENXIO if the range exceeds the buffer, or
 * another negative errno.
 */
DMASIM_API int dma_mmap_attrs(struct device *dev, struct vm_area_struct *vma, void *cpu_addr,
			      dma_addr_t dma_addr, size_t size, unsigned long attrs);
#define dma_mmap_coherent(d, v, c, h, s) dma_mmap_attrs(d, v, c, h, s, 0)
#define dma_mmap_wc(d, v, c, h, s) dma_mmap_attrs(d, v, c, h, s, DMA_ATTR_WRITE_COMBINE)
/** dma_can_mmap() - whether dma_mmap_attrs() works for @dev (always here). */
DMASIM_API bool dma_can_mmap(struct device *dev);

/* --- the two-step IOVA API ------------------------------------------------ */

/**
 * struct dma_iova_state - an IOVA range reserved by dma_iova_try_alloc().
 * @addr: the bus address of the range.
 * @size: its size; 0 when no IOVA is in use (then use dma_map_*()).
 */
struct dma_iova_state {
	dma_addr_t addr;
	u64 size;
};

/** dma_use_iova() - whether @state holds an IOVA range. */
static inline bool dma_use_iova(const struct dma_iova_state *state)
{
	return state->size != 0;
}

/**
 * dma_iova_try_alloc() - reserve IOVA space for @size bytes at @phys's
 * offset.  Return: true on success; false without IOMMU DMA (the caller then
 * falls back to dma_map_*()).
 */
DMASIM_API bool dma_iova_try_alloc(struct device *dev, struct dma_iova_state *state,
				   phys_addr_t phys, size_t size);
/** dma_iova_free() - give back an IOVA range that has no linked memory. */
DMASIM_API void dma_iova_free(struct device *dev, struct dma_iova_state *state);
/** dma_iova_link() - map @phys at @offset in the range. Return: 0 or -EOPNOTSUPP/-errno. */
DMASIM_API int dma_iova_link(struct device *dev, struct dma_iova_state *state, phys_addr_t phys,
			     size_t offset, size_t size, enum dma_data_direction dir,
			     unsigned long attrs);
/** dma_iova_sync() - make linked mappings visible to the device. Return: 0 or -errno. */
DMASIM_API int dma_iova_sync(struct device *dev, struct dma_iova_state *state, size_t offset,
			     size_t size);
/** dma_iova_unlink() - unmap part of the range. */
DMASIM_API void dma_iova_unlink(struct device *dev, struct dma_iova_state *state, size_t offset,
				size_t size, enum dma_data_direction dir, unsigned long attrs);
/** dma_iova_destroy() - unlink @mapped_len bytes and free the range. */
DMASIM_API void dma_iova_destroy(struct device *dev, struct dma_iova_state *state,
				 size_t mapped_len, enum dma_data_direction dir,
				 unsigned long attrs);

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_DMA_MAPPING_H */
