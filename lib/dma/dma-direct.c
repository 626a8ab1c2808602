/*
 * lib/dma/dma-direct.c - the direct translation layer: bus address = physical
 * address - the device's bus offset, with swiotlb bouncing when a buffer lies
 * beyond the device's DMA mask or bus limit (or bouncing is forced).
 *
 * One of the per-device translation ops (struct dmasim_dma_ops); the API
 * layer calls it after checking arguments, and it calls swiotlb.c and the
 * cache model.  Mirrors kernel/dma/direct.[ch] in behaviour.
 */
#include <string.h>

#include "dma/dma.h"
#include "dma/dma-direct.h"

static bool force_bounce(struct dmasim_device *d)
{
	return d->bounce_all;
}

static u64 streaming_mask(struct dmasim_device *d)
{
	return d->dev.dma_mask ? *d->dev.dma_mask : 0;
}

/* Out of the device's reach (or bouncing forced): through swiotlb, or refused. */
int dmasim__direct_map_bounce(struct dmasim_device *d, phys_addr_t phys, size_t size,
			      enum dma_data_direction dir, unsigned long attrs, dma_addr_t *dma,
			      phys_addr_t *tlb)
{
	dma_addr_t addr = dmasim__phys_to_dma(d, phys);
	u64 mask = streaming_mask(d);
	int ret;

	if (!dmasim__swiotlb_active(d->plat)) {
		if (!(attrs & DMA_ATTR_NO_WARN))
			dmasim__dev_report(d,
					   "DMA addr 0x%llx+%zu overflow (mask 0x%llx, bus limit 0x%llx) and no swiotlb to bounce through",
					   (unsigned long long)addr, size, (unsigned long long)mask,
					   (unsigned long long)d->dev.bus_dma_limit);
		return -EIO;
	}
	ret = dmasim__swiotlb_map(d, phys, size, dir, attrs, tlb);
	if (ret)
		return ret;
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dmasim__cache_for_device(d, *tlb, size, dir);
	*dma = dmasim__phys_to_dma(d, *tlb);
	return 0;
}

static int direct_map_phys(struct dmasim_device *d, phys_addr_t phys, size_t size,
			   enum dma_data_direction dir, unsigned long attrs, dma_addr_t *dma,
			   phys_addr_t *tlb)
{
	dma_addr_t addr = dmasim__phys_to_dma(d, phys);

	if (__builtin_expect(phys < d->bus_offset || d->bounce_all ||
			     !dmasim__dma_capable(d, addr, size, streaming_mask(d)), 0))
		return dmasim__direct_map_bounce(d, phys, size, dir, attrs, dma, tlb);
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dmasim__cache_for_device(d, phys, size, dir);
	*dma = addr;
	*tlb = DMASIM_NO_TLB;
	return 0;
}

void dmasim__direct_unmap_full(struct dmasim_device *d, dma_addr_t dma, size_t size,
			       enum dma_data_direction dir, unsigned long attrs)
{
	phys_addr_t phys = dmasim__dma_to_phys(d, dma);

	if (!d->dev.dma_coherent) {
		if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
			dmasim__cache_sync_for_cpu(d, phys, size, dir);
		dmasim__cache_end_mapping(d, phys, size);
	}
	if (dmasim__swiotlb_is_bounce(d->plat, phys))
		dmasim__swiotlb_unmap(d, phys, size, dir, attrs);
}

#define direct_unmap_phys dmasim__direct_unmap_full

static void direct_sync_for_cpu(struct dmasim_device *d, dma_addr_t dma, size_t size,
				enum dma_data_direction dir)
{
	phys_addr_t phys = dmasim__dma_to_phys(d, dma);

	dmasim__cache_for_cpu(d, phys, size, dir);
	if (dmasim__swiotlb_is_bounce(d->plat, phys))
		dmasim__swiotlb_sync_for_cpu(d, phys, size, dir);
}

static void direct_sync_for_device(struct dmasim_device *d, dma_addr_t dma, size_t size,
				   enum dma_data_direction dir)
{
	phys_addr_t phys = dmasim__dma_to_phys(d, dma);

	if (dmasim__swiotlb_is_bounce(d->plat, phys))
		dmasim__swiotlb_sync_for_device(d, phys, size, dir);
	dmasim__cache_for_device(d, phys, size, dir);
}

/*
 * Entry by entry: direct mapping never merges, so one DMA segment per entry.
 * An entry that cannot be mapped (out of reach with no swiotlb, too long to
 * bounce, the pool full) fails the list with -EIO, whatever the reason, as
 * the kernel's dma_direct_map_sg() (kernel/dma/direct.c) turns every
 * DMA_MAPPING_ERROR of dma_direct_map_page() into -EIO.
 */
static int direct_map_sg(struct dmasim_device *d, struct scatterlist *sgl, int nents,
			 enum dma_data_direction dir, unsigned long attrs)
{
	struct scatterlist *s;
	int i;

	for_each_sg(sgl, s, nents, i) {
		phys_addr_t tlb;
		dma_addr_t dma;
		int ret = direct_map_phys(d, sg_phys(s), s->length, dir, attrs, &dma, &tlb);

		if (ret) {
			struct scatterlist *t;
			int j;

			for_each_sg(sgl, t, i, j)
				direct_unmap_phys(d, sg_dma_address(t), sg_dma_len(t), dir,
						  attrs | DMA_ATTR_SKIP_CPU_SYNC);
			return -EIO;
		}
		s->dma_address = dma;
		s->dma_length = s->length;
		s->dma_flags = tlb != DMASIM_NO_TLB;
	}
	return nents;
}

static void direct_unmap_sg(struct dmasim_device *d, struct scatterlist *sgl, int nents,
			    enum dma_data_direction dir, unsigned long attrs)
{
	struct scatterlist *s;
	int i;

	for_each_sg(sgl, s, nents, i) {
		if (i && !sg_dma_len(s))
			break;
		direct_unmap_phys(d, sg_dma_address(s), sg_dma_len(s), dir, attrs);
	}
}

static int direct_map_resource(struct dmasim_device *d, phys_addr_t phys, size_t size,
			       enum dma_data_direction dir, dma_addr_t *dma)
{
	/* As the kernel: MMIO is not translated by dma-ranges, only range-checked. */
	if (!dmasim__dma_capable(d, phys, size, streaming_mask(d))) {
		dmasim__dev_report(d, "dma_map_resource: DMA addr 0x%llx+%zu overflow (mask 0x%llx, bus limit 0x%llx)",
				   (unsigned long long)phys, size,
				   (unsigned long long)streaming_mask(d),
				   (unsigned long long)d->dev.bus_dma_limit);
		return -EIO;
	}
	*dma = phys;
	return 0;
}

static int direct_alloc(struct dmasim_device *d, size_t size, u64 mask, gfp_t gfp,
			unsigned long attrs, bool coherent, struct dmasim_alloc *a)
{
	u64 limit = dmasim__dev_limit(d, mask);
	phys_addr_t max_phys = limit + d->bus_offset;
	unsigned int order = (unsigned int)get_order(size);
	struct page *page;

	if (max_phys < limit) /* the offset pushed it past the top */
		max_phys = ~0ULL;
	/* Coherent memory needs a linear mapping; the mask picks the zone. */
	gfp &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM);
	page = dmasim__alloc_pages_below(d->plat, gfp | __GFP_ZERO, order, max_phys);
	if (!page)
		return -ENOMEM;
	if (page_to_phys(page) < d->bus_offset) {
		dmasim__free_pages(page, order);
		return -ENOMEM;
	}
	memset(a, 0, sizeof(*a));
	a->page = page;
	a->cpu = page_address(page);
	a->dma = dmasim__phys_to_dma(d, page_to_phys(page));
	if (dmasim__wants_uncached(d, coherent)) {
		dmasim__cache_prep_coherent(d, page_to_phys(page), PAGE_ALIGN(size));
		a->cpu = dmasim__uncached_alias(d->plat, page, PAGE_ALIGN(size) >> PAGE_SHIFT);
		if (!a->cpu) {
			dmasim__free_pages(page, order);
			return -ENOMEM;
		}
	}
	return 0;
}

/* As dma_direct_free(): the pages from the bus address, an uncached alias from the CPU one. */
static void direct_free(struct dmasim_device *d, size_t size, void *cpu, dma_addr_t dma,
			unsigned long attrs)
{
	phys_addr_t phys = dmasim__dma_to_phys(d, dma);
	struct page *page = dmasim__phys_to_page(d->plat, phys);

	(void)attrs;
	if (DMASIM_WARN_ON(d->plat, !page))
		return;
	if (cpu != page_address(page))
		dmasim__alias_remove(d->plat, cpu);
	dmasim__cache_unmapped(d, phys, size);
	dmasim__free_pages(page, (unsigned int)get_order(size));
}

static bool direct_mask_supported(struct dmasim_device *d, u64 mask)
{
	struct dmasim_platform *p = d->plat;
	u64 reach = dmasim__dev_limit(d, mask);

	if (dmasim__phys_to_dma(d, p->phys_max) <= reach && p->regions[0].base >= d->bus_offset)
		return true;
	/* Some allocatable low memory, wholly reachable, serves coherent allocations... */
	for (int i = 0; i < p->nr_arenas; i++) {
		struct dmasim_arena *ar = &p->arenas[i];
		phys_addr_t lo = PFN_PHYS(ar->pfn_start), hi = PFN_PHYS(ar->pfn_end) - 1;

		if (ar->zone == ZONE_HIGHMEM || lo < d->bus_offset || !dmasim__arena_free(ar))
			continue;
		if (dmasim__phys_to_dma(d, hi) <= reach) {
			/* ...and streaming needs a reachable bounce pool for the rest. */
			if (!dmasim__swiotlb_active(p) || dmasim__swiotlb_start(p) < d->bus_offset)
				return false;
			return dmasim__phys_to_dma(d, dmasim__swiotlb_end(p)) <= reach;
		}
	}
	return false;
}

static unsigned int fls64(u64 x)
{
	return x ? 64u - (unsigned int)__builtin_clzll(x) : 0;
}

static u64 direct_required_mask(struct dmasim_device *d)
{
	return DMA_BIT_MASK(fls64(dmasim__phys_to_dma(d, d->plat->phys_max)));
}

static bool direct_may_bounce(struct dmasim_device *d)
{
	return dmasim__swiotlb_active(d->plat) && (force_bounce(d) || dma_addressing_limited(&d->dev));
}

/* As dma_direct_need_sync(): not coherent, or a swiotlb slot. */
static bool direct_need_sync(struct dmasim_device *d, dma_addr_t dma)
{
	return !d->dev.dma_coherent ||
	       dmasim__swiotlb_is_bounce(d->plat, dmasim__dma_to_phys(d, dma));
}

static size_t direct_max_mapping_size(struct dmasim_device *d)
{
	return direct_may_bounce(d) ? dmasim__swiotlb_max_mapping_size(d) : SIZE_MAX;
}

static unsigned long direct_merge_boundary(struct dmasim_device *d)
{
	return 0; /* direct mapping cannot merge segments */
}

const struct dmasim_dma_ops dmasim__direct_ops = {
	.name = "direct",
	.map_phys = direct_map_phys,
	.unmap_phys = direct_unmap_phys,
	.sync_for_cpu = direct_sync_for_cpu,
	.sync_for_device = direct_sync_for_device,
	.map_sg = direct_map_sg,
	.unmap_sg = direct_unmap_sg,
	.map_resource = direct_map_resource,
	.alloc = direct_alloc,
	.free = direct_free,
	.mask_supported = direct_mask_supported,
	.required_mask = direct_required_mask,
	.max_mapping_size = direct_max_mapping_size,
	.opt_mapping_size = direct_max_mapping_size,
	.merge_boundary = direct_merge_boundary,
	.may_bounce = direct_may_bounce,
	.need_sync = direct_need_sync,
};
