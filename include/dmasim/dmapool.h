/*
 * dmasim/dmapool.h - pools of small, equally sized coherent DMA blocks.
 *
 * Kernel semantics (mm/dmapool.c): blocks are carved from coherent pages,
 * aligned to @align and never crossing a @boundary.  Alloc and free are
 * constant time.  Included by <linux/dmapool.h>.
 */
#ifndef DMASIM_DMAPOOL_H
#define DMASIM_DMAPOOL_H

#include <dmasim/ktypes.h>
#include <dmasim/device.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dma_pool;

/**
 * dma_pool_create() - create a pool of @size-byte blocks for @dev.
 * @name: for messages.
 * @align: power of two (0 means 1); blocks are aligned to it.
 * @boundary: power of two or 0; no block crosses a multiple of it.
 *
 * Return: the pool, or NULL (size 0, a non-power-of-two @align or
 * @boundary, @boundary smaller than @size, no device, no memory).
 * Context: may sleep.
 */
DMASIM_API struct dma_pool *dma_pool_create(const char *name, struct device *dev, size_t size,
					    size_t align, size_t boundary);
/**
 * dma_pool_destroy() - free the pool.  Blocks still allocated are reported
 * ("dma_pool_destroy <name>, <addr> busy") and their pages leaked on purpose,
 * as in the kernel.  NULL is ignored.
 */
DMASIM_API void dma_pool_destroy(struct dma_pool *pool);
/**
 * dma_pool_alloc() - one block.
 * @handle: receives its bus address.
 * Return: the CPU address, or NULL.
 */
DMASIM_API void *dma_pool_alloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle);
/** dma_pool_zalloc() - a zeroed block. */
DMASIM_API void *dma_pool_zalloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle);
/**
 * dma_pool_free() - return a block; @vaddr and @addr must be a pair that
 * dma_pool_alloc() returned.  Foreign or double frees are reported and ignored.
 */
DMASIM_API void dma_pool_free(struct dma_pool *pool, void *vaddr, dma_addr_t addr);
/**
 * dma_pool_create_node() - dma_pool_create() for NUMA node @node; dmasim's
 * machine has one node, so @node (NUMA_NO_NODE or any) changes nothing.
 */
static inline struct dma_pool *dma_pool_create_node(const char *name, struct device *dev,
						    size_t size, size_t align, size_t boundary,
						    int node)
{
	(void)node;
	return dma_pool_create(name, dev, size, align, boundary);
}
/** dmam_pool_create() - managed pool, destroyed with the device. */
DMASIM_API struct dma_pool *dmam_pool_create(const char *name, struct device *dev, size_t size,
					     size_t align, size_t allocation);
/** dmam_pool_destroy() - destroy a managed pool early. */
DMASIM_API void dmam_pool_destroy(struct dma_pool *pool);

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_DMAPOOL_H */
