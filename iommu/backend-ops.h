/*
 * iommu/backend-ops.h - thin wrappers over every op of the IOMMU's two
 * backend kinds (IOVA allocator, page-table format), as SQLite's
 * sqlite3OsRead() over its VFS.  The IOMMU layer (iommu.c, dma-iommu.c)
 * calls backends only through these: what is optional (by ABI or by
 * choice) is NULL-checked here, once, and nothing else spells ->ops->.
 */
#ifndef DMASIM_IOMMU_BACKEND_OPS_H
#define DMASIM_IOMMU_BACKEND_OPS_H

#include <dmasim/backend.h>

/* ---- page-table format --------------------------------------------------------- */

/* A table of format @fmt for @cfg, its ops set; NULL if the format refuses. */
static inline struct dmasim_pgtable *dmasim__pgtable_create(const struct dmasim_pgtable_ops *fmt,
							    const struct dmasim_pgtable_config *cfg)
{
	struct dmasim_pgtable *pgt = fmt->alloc(cfg);

	if (pgt)
		pgt->ops = fmt;
	return pgt;
}

static inline void dmasim__pgtable_destroy(struct dmasim_pgtable *pgt)
{
	pgt->ops->free(pgt);
}

static inline int dmasim__pgtable_map(struct dmasim_pgtable *pgt, unsigned long iova,
				      phys_addr_t paddr, size_t pgsize, size_t pgcount, int prot,
				      size_t *mapped)
{
	return pgt->ops->map_pages(pgt, iova, paddr, pgsize, pgcount, prot, mapped);
}

static inline size_t dmasim__pgtable_unmap(struct dmasim_pgtable *pgt, unsigned long iova,
					   size_t pgsize, size_t pgcount)
{
	return pgt->ops->unmap_pages(pgt, iova, pgsize, pgcount);
}

/* 0 and *@phys (and *@prot if not NULL), or -ENOENT. */
static inline int dmasim__pgtable_iova_to_phys(struct dmasim_pgtable *pgt, unsigned long iova,
					       phys_addr_t *phys, int *prot)
{
	return pgt->ops->iova_to_phys(pgt, iova, phys, prot);
}

static inline int dmasim__pgtable_walk(struct dmasim_pgtable *pgt, unsigned long iova,
				       struct dmasim_pgtable_walk *w)
{
	return pgt->ops->walk(pgt, iova, w);
}

/* ---- IOVA allocator ------------------------------------------------------------ */

/* An allocator instance of @ops for @cfg, its ops set; NULL if it refuses. */
static inline struct dmasim_iova *dmasim__iova_create(const struct dmasim_iova_ops *ops,
						      const struct dmasim_iova_config *cfg)
{
	struct dmasim_iova *a = ops->alloc(cfg);

	if (a)
		a->ops = ops;
	return a;
}

static inline void dmasim__iova_destroy(struct dmasim_iova *a)
{
	a->ops->free(a);
}

/* @size bytes at a multiple of @align (a power of two) at or below @limit. */
static inline int dmasim__iova_alloc(struct dmasim_iova *a, size_t size, size_t align,
				     dma_addr_t limit, dma_addr_t *addr)
{
	return a->ops->alloc_aligned(a, size, align, limit, addr);
}

static inline int dmasim__iova_free(struct dmasim_iova *a, dma_addr_t addr, size_t size)
{
	return a->ops->free_range(a, addr, size);
}

/* Free @n ranges: in one call if the allocator takes batches (ABI 2), else one by one. */
static inline void dmasim__iova_free_batch(struct dmasim_iova *a,
					   const struct dmasim_iova_range *r, unsigned int n)
{
	if (a->ops->base.abi >= 2 && a->ops->free_ranges) {
		a->ops->free_ranges(a, r, n, NULL);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		a->ops->free_range(a, r[i].addr, r[i].size);
}

static inline int dmasim__iova_reserve(struct dmasim_iova *a, dma_addr_t addr, size_t size)
{
	return a->ops->reserve(a, addr, size);
}

static inline void dmasim__iova_stats(struct dmasim_iova *a, struct dmasim_iova_stats *st)
{
	a->ops->stats(a, st);
}

/* Every allocated or reserved range in address order; -EOPNOTSUPP if the allocator cannot. */
static inline int dmasim__iova_for_each(struct dmasim_iova *a,
					int (*fn)(void *ctx, dma_addr_t addr, size_t size, bool reserved),
					void *ctx)
{
	return a->ops->for_each ? a->ops->for_each(a, fn, ctx) : -EOPNOTSUPP;
}

/* The largest size its per-thread caches serve (0: no caches). */
static inline size_t dmasim__iova_cache_range(struct dmasim_iova *a)
{
	return a->ops->cache_range ? a->ops->cache_range(a) : 0;
}

static inline const char *dmasim__iova_name(const struct dmasim_iova *a)
{
	return a->ops->base.name;
}

#endif /* DMASIM_IOMMU_BACKEND_OPS_H */
