/*
 * lib/dma/dma-direct.h - dma-direct's streaming map and unmap, inline, for
 * the API layer's fast path (as the kernel's kernel/dma/direct.h, which
 * dma_map_phys() and dma_unmap_phys() call inline when dma_map_direct()
 * says the device's ops are dma-direct).  The API layer takes this path
 * when d->dma_direct (set once, at device creation) and calls
 * d->ops otherwise; dma-direct.c's ops call the same functions.
 *
 * May use: lib/dma/dma.h.  Used by: lib/dma/dma-mapping.c, lib/dma/dma-direct.c.
 */
#ifndef DMASIM_DMA_DIRECT_H
#define DMASIM_DMA_DIRECT_H

#include "dma/dma.h"

/* Out of the device's reach (or bouncing forced): through swiotlb, or refused. */
int dmasim__direct_map_bounce(struct dmasim_device *d, phys_addr_t phys, size_t size,
			      enum dma_data_direction dir, unsigned long attrs, dma_addr_t *dma,
			      phys_addr_t *tlb);

/*
 * Map [phys, phys+size).  The caller has checked what the API layer checks:
 * size is not 0, the range lies inside one RAM region (so it does not wrap)
 * and the device has a DMA mask.
 */
static inline __attribute__((always_inline)) int
dmasim__direct_map_phys(struct dmasim_device *d, phys_addr_t phys, size_t size,
			enum dma_data_direction dir, unsigned long attrs, dma_addr_t *dma,
			phys_addr_t *tlb)
{
	dma_addr_t addr = phys - d->bus_offset;

	/* Below the bus offset, bouncing forced, or past the mask or the bus limit. */
	if (__builtin_expect(phys < d->bus_offset || d->bounce_all ||
			     addr + size - 1 > dmasim__dev_limit(d, *d->dev.dma_mask), 0))
		return dmasim__direct_map_bounce(d, phys, size, dir, attrs, dma, tlb);
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dmasim__cache_for_device(d, phys, size, dir);
	*dma = addr;
	*tlb = DMASIM_NO_TLB;
	return 0;
}

/* The whole unmap (dma-direct's ops call it): cache maintenance, the swiotlb slot. */
void dmasim__direct_unmap_full(struct dmasim_device *d, dma_addr_t dma, size_t size,
			       enum dma_data_direction dir, unsigned long attrs);

/*
 * The bus address names the memory: a swiotlb slot is found by its address.
 * A coherent device's unmap of memory not bounced does nothing; the rest is
 * out of line (a tail call, so the caller's fast path needs no frame).
 */
static inline __attribute__((always_inline)) void
dmasim__direct_unmap_phys(struct dmasim_device *d, dma_addr_t dma, size_t size,
			  enum dma_data_direction dir, unsigned long attrs)
{
	if (__builtin_expect(d->dev.dma_coherent &&
				     !dmasim__swiotlb_is_bounce(d->plat, dmasim__dma_to_phys(d, dma)),
			     1))
		return;
	dmasim__direct_unmap_full(d, dma, size, dir, attrs);
}

#endif /* DMASIM_DMA_DIRECT_H */
