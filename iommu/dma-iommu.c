/*
 * iommu/dma-iommu.c - the DMA API over an IOMMU domain: the translation ops
 * (struct dmasim_dma_ops) of devices behind the IOMMU.
 *
 * Streaming mappings get an IOVA range from the domain's allocator and are
 * mapped with the permissions their direction allows; scatter-gather lists
 * are laid out in one IOVA range and merged into as few DMA segments as the
 * device's limits allow; coherent memory may be scattered pages mapped
 * contiguously.  Unmapped IOVA ranges go back at once (strict) or through
 * the per-thread flush queue (lazy), a block of its own below.  Behaviour
 * follows drivers/iommu/dma-iommu.c.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "iommu-internal.h"

static struct dmasim_domain *dma_domain(struct dmasim_device *d, const char *call)
{
	struct dmasim_domain *dom = d->domain;

	if (!dom || !(dom->dom.type & __IOMMU_DOMAIN_DMA_API)) {
		dmasim__dev_report(d, "%s: the device is %s; the DMA API needs its DMA domain (use iommu_map())",
				   call, dom ? "attached to an unmanaged domain" : "in no domain");
		return NULL;
	}
	return dom;
}

static u64 stream_limit(struct dmasim_device *d)
{
	return dmasim__dev_limit(d, d->dev.dma_mask ? *d->dev.dma_mask : 0);
}

static int dir_prot(enum dma_data_direction dir, unsigned long attrs)
{
	int prot = attrs & DMA_ATTR_PRIVILEGED ? DMASIM_PROT_PRIV : 0;

	switch (dir) {
	case DMA_TO_DEVICE: return prot | DMASIM_PROT_READ;
	case DMA_FROM_DEVICE: return prot | DMASIM_PROT_WRITE;
	default: return prot | DMASIM_PROT_READ | DMASIM_PROT_WRITE;
	}
}

static bool may_bounce(struct dmasim_device *d)
{
	return d->force_bounce && dmasim__swiotlb_active(d->plat);
}

/*
 * Why a page-table map failed, said once per mapping: the commonest cause
 * is a format whose output addresses cannot hold the buffer's physical
 * address (arm-v7s: 32 bits) on a machine with RAM above it.
 */
static __attribute__((noinline, cold)) void map_range_failed(struct dmasim_device *d,
							     struct dmasim_domain *dom,
							     phys_addr_t phys, size_t size, int ret)
{
	const struct dmasim_pgtable *pgt = dom->pgt;

	if (pgt->oas < 64 && (phys + size - 1) >> pgt->oas)
		dmasim__log(d->plat, DMASIM_LOG_WARN,
			    "%s: the IOMMU cannot map phys 0x%llx+%zu: its %s page table holds %u-bit physical addresses",
			    d->name, (unsigned long long)phys, size, pgt->ops->base.name, pgt->oas);
	else
		dmasim__log(d->plat, DMASIM_LOG_WARN, "%s: the IOMMU could not map phys 0x%llx+%zu: %s",
			    d->name, (unsigned long long)phys, size, strerror(-ret));
}

static inline __attribute__((always_inline)) void
release_iova(struct dmasim_domain *dom, dma_addr_t iova, size_t alloc_size,
	     struct dmasim_iotlb_gather *gather);

/* Map [phys, phys + size) at a fresh IOVA; the granule offset is kept. */
static inline __attribute__((always_inline)) int
map_range(struct dmasim_device *d, struct dmasim_domain *dom, phys_addr_t phys,
		     size_t size, int prot, u64 limit, dma_addr_t *dma)
{
	size_t off = phys & (dom->granule - 1);
	size_t len = ALIGN(off + size, dom->granule);
	size_t asize = dmasim__iommu_iova_size(dom, len);
	dma_addr_t iova;
	int ret;

	ret = dmasim__iommu_alloc_iova(dom, asize, limit, &iova);
	if (ret) {
		/* Running out is not misuse (as a full swiotlb): a warning, not a report. */
		dmasim__log(d->plat, DMASIM_LOG_WARN, "%s: IOVA space exhausted: no %zu bytes below 0x%llx",
			    d->name, asize, (unsigned long long)limit);
		return ret;
	}
	ret = dmasim__iommu_map_range(dom, iova, phys - off, len, prot);
	if (ret) {
		dmasim__iova_free(dom->iova, iova, asize);
		map_range_failed(d, dom, phys, size, ret);
		return ret;
	}
	*dma = iova + off;
	return 0;
}

/*
 * Unmap and give the IOVA back.  With records (debug on) the range is known
 * to be mapped; without them (debug=off) a range that is not mapped is
 * reported and left alone rather than freed.
 */
static inline __attribute__((always_inline)) void
unmap_range(struct dmasim_device *d, struct dmasim_domain *dom, dma_addr_t dma,
			size_t size)
{
	dma_addr_t iova = dma & ~(dma_addr_t)(dom->granule - 1);
	size_t len = ALIGN((size_t)(dma - iova) + size, dom->granule);
	struct dmasim_iotlb_gather g = DMASIM_IOTLB_GATHER_INIT(dom->iommu->lazy);

	if (!dmasim__iommu_unmap_fast(dom, iova, len, &g)) {
		dmasim__dev_report(d, "device driver tries to free DMA memory it has not mapped [device address=0x%016llx] [size=%zu bytes]",
				   (unsigned long long)dma, size);
		return;
	}
	release_iova(dom, iova, dmasim__iommu_iova_size(dom, len), &g);
}

static int iommu_map_phys(struct dmasim_device *d, phys_addr_t phys, size_t size,
			  enum dma_data_direction dir, unsigned long attrs, dma_addr_t *dma,
			  phys_addr_t *tlb)
{
	struct dmasim_domain *dom = dma_domain(d, "dma_map");
	int ret;

	*tlb = DMASIM_NO_TLB;
	if (!dom)
		return -EINVAL;
	/* As for untrusted devices: bounce first, then map the bounce slot. */
	if (d->force_bounce) {
		ret = dmasim__swiotlb_tbl_map(d, phys, size, dir, attrs, tlb);
		if (ret)
			return ret;
	}
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dmasim__cache_for_device(d, *tlb != DMASIM_NO_TLB ? *tlb : phys, size, dir);
	ret = map_range(d, dom, *tlb != DMASIM_NO_TLB ? *tlb : phys, size, dir_prot(dir, attrs),
			stream_limit(d), dma);
	if (ret)
		dmasim__cache_unmapped(d, *tlb != DMASIM_NO_TLB ? *tlb : phys, size);
	if (ret && *tlb != DMASIM_NO_TLB)
		dmasim__swiotlb_unmap(d, *tlb, size, dir, DMA_ATTR_SKIP_CPU_SYNC);
	return ret;
}

/* Cache maintenance on whatever physical pages back [dma, dma + size). */
static void sync_phys(struct dmasim_device *d, struct dmasim_domain *dom, dma_addr_t dma,
		      size_t size, enum dma_data_direction dir, bool for_cpu)
{
	if (d->dev.dma_coherent)
		return;
	while (size) {
		size_t chunk = dom->granule - (dma & (dom->granule - 1));
		phys_addr_t phys;

		if (chunk > size)
			chunk = size;
		if (!dmasim__pgtable_iova_to_phys(dom->pgt, dma, &phys, NULL)) {
			if (for_cpu)
				dmasim__cache_for_cpu(d, phys, chunk, dir);
			else
				dmasim__cache_for_device(d, phys, chunk, dir);
		}
		dma += chunk;
		size -= chunk;
	}
}

/* The mapping of [dma, dma + size) ends: a cache model that tracks ownership forgets its pages. */
static void cache_unmapped_pages(struct dmasim_device *d, struct dmasim_domain *dom,
				 dma_addr_t dma, size_t size)
{
	while (size) {
		size_t chunk = dom->granule - (dma & (dom->granule - 1));
		phys_addr_t phys;

		if (chunk > size)
			chunk = size;
		if (!dmasim__pgtable_iova_to_phys(dom->pgt, dma, &phys, NULL))
			dmasim__cache_unmapped(d, phys, chunk);
		dma += chunk;
		size -= chunk;
	}
}

static inline void cache_unmapped(struct dmasim_device *d, struct dmasim_domain *dom,
				  dma_addr_t dma, size_t size)
{
	if (dmasim__cache_tracks(d))
		cache_unmapped_pages(d, dom, dma, size);
}

/* The bounce slot behind a mapping, found as the kernel finds it: through the page table. */
static phys_addr_t bounce_of(struct dmasim_device *d, struct dmasim_domain *dom, dma_addr_t dma)
{
	phys_addr_t phys;

	if (!d->force_bounce || dmasim__pgtable_iova_to_phys(dom->pgt, dma, &phys, NULL))
		return DMASIM_NO_TLB;
	return dmasim__swiotlb_is_bounce(d->plat, phys) ? phys : DMASIM_NO_TLB;
}

static void iommu_unmap_phys(struct dmasim_device *d, dma_addr_t dma, size_t size,
			     enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_domain *dom = d->domain;
	phys_addr_t tlb;

	if (!dom || !(dom->dom.type & __IOMMU_DOMAIN_DMA_API))
		return;
	tlb = d->force_bounce ? bounce_of(d, dom, dma) : DMASIM_NO_TLB;
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		sync_phys(d, dom, dma, size, dir, true);
	cache_unmapped(d, dom, dma, size);
	unmap_range(d, dom, dma, size);
	if (tlb != DMASIM_NO_TLB)
		dmasim__swiotlb_unmap(d, tlb, size, dir, attrs);
}

static void iommu_sync_for_cpu(struct dmasim_device *d, dma_addr_t dma, size_t size,
			       enum dma_data_direction dir)
{
	struct dmasim_domain *dom = d->domain;
	phys_addr_t tlb;

	if (!dom || !dom->pgt)
		return;
	tlb = bounce_of(d, dom, dma);
	sync_phys(d, dom, dma, size, dir, true);
	if (tlb != DMASIM_NO_TLB)
		dmasim__swiotlb_sync_for_cpu(d, tlb, size, dir);
}

static void iommu_sync_for_device(struct dmasim_device *d, dma_addr_t dma, size_t size,
				  enum dma_data_direction dir)
{
	struct dmasim_domain *dom = d->domain;
	phys_addr_t tlb;

	if (!dom || !dom->pgt)
		return;
	tlb = bounce_of(d, dom, dma);
	if (tlb != DMASIM_NO_TLB)
		dmasim__swiotlb_sync_for_device(d, tlb, size, dir);
	sync_phys(d, dom, dma, size, dir, false);
}

/* ---- scatter-gather ------------------------------------------------------------------ */

/*
 * Lay the entries out back to back in IOVA space, each padded to granule
 * boundaries, skipping ahead where an entry would otherwise cross the
 * device's segment boundary.  Returns the total length; fills @pos with each
 * entry's offset from the start of the range.
 */
static size_t sg_layout(struct dmasim_domain *dom, struct scatterlist *sgl, int nents,
			unsigned long boundary, size_t *pos, phys_addr_t *phys)
{
	struct scatterlist *s;
	size_t cur = 0;
	int i;

	for_each_sg(sgl, s, nents, i) {
		size_t off;

		phys[i] = sg_phys(s);
		off = phys[i] & (dom->granule - 1);
		size_t len = ALIGN(off + s->length, dom->granule);

		if (boundary != ~0UL && len <= boundary + 1 &&
		    (cur & ~(size_t)boundary) != ((cur + len - 1) & ~(size_t)boundary))
			cur = ALIGN(cur, (size_t)boundary + 1);
		pos[i] = cur;
		cur += len;
	}
	return cur;
}

static size_t sg_iova_size(struct dmasim_domain *dom, size_t total, unsigned long boundary)
{
	size_t asize = dmasim__iommu_iova_size(dom, total);

	/* The layout assumes the range starts on a segment boundary: align it to one. */
	if (boundary != ~0UL)
		while (asize & (asize - 1))
			asize += asize & -asize;
	return asize;
}

static int iommu_dma_map_sg(struct dmasim_device *d, struct scatterlist *sgl, int nents,
			enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_domain *dom = dma_domain(d, "dma_map_sg");
	unsigned long boundary = dma_get_seg_boundary(&d->dev);
	unsigned int max_seg = dma_get_max_seg_size(&d->dev);
	int prot = dir_prot(dir, attrs);
	struct scatterlist *s, *out;
	size_t *pos, total, asize, cur_len = 0, run_len = 0;
	dma_addr_t iova, cur_start = 0, run_iova = 0;
	phys_addr_t run_phys = 0, *phys;
	int i, count = 0, ret, run_first = 0;

	if (!dom)
		return -EINVAL;
	if (d->force_bounce) {
		dmasim__dev_report(d, "dma_map_sg: forced bouncing behind an IOMMU is only for single mappings");
		return -EINVAL;
	}
	/* Each entry's IOVA offset and physical address, worked out once. */
	pos = malloc((size_t)nents * (sizeof(*pos) + sizeof(*phys)));
	if (!pos)
		return -ENOMEM;
	phys = (phys_addr_t *)(pos + nents);
	total = sg_layout(dom, sgl, nents, boundary, pos, phys);
	asize = sg_iova_size(dom, total, boundary);
	ret = dmasim__iommu_alloc_iova(dom, asize, stream_limit(d), &iova);
	if (ret) {
		dmasim__log(d->plat, DMASIM_LOG_WARN, "%s: dma_map_sg: IOVA space exhausted: no %zu bytes",
			    d->name, asize);
		free(pos);
		return ret;
	}
	/*
	 * Entries that follow each other in both IOVA and physical space are
	 * mapped as one run, as the kernel's iommu_map_sg() does: one walk per
	 * run, and the largest page sizes the run allows.
	 */
	for_each_sg(sgl, s, nents, i) {
		size_t off = phys[i] & (dom->granule - 1);
		size_t len = ALIGN(off + s->length, dom->granule);

		if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
			dmasim__cache_for_device(d, phys[i], s->length, dir);
		if (run_len && iova + pos[i] == run_iova + run_len &&
		    phys[i] - off == run_phys + run_len) {
			run_len += len;
			continue;
		}
		if (run_len) {
			ret = dmasim__iommu_map_range(dom, run_iova, run_phys, run_len, prot);
			if (ret)
				break;
		}
		run_first = i;
		run_iova = iova + pos[i];
		run_phys = phys[i] - off;
		run_len = len;
	}
	if (!ret)
		ret = dmasim__iommu_map_range(dom, run_iova, run_phys, run_len, prot);
	if (ret) {
		for_each_sg(sgl, s, nents, i)
			dmasim__cache_unmapped(d, phys[i], s->length);
		/* The failed run undid itself; the runs before it go. */
		if (run_first)
			dmasim__iommu_unmap_range(dom, iova, pos[run_first]);
		dmasim__iova_free(dom->iova, iova, asize);
		free(pos);
		return ret;
	}
	/* Merge: an entry joins the segment before it when they touch in IOVA space. */
	out = sgl;
	for_each_sg(sgl, s, nents, i) {
		dma_addr_t start = iova + pos[i] + (phys[i] & (dom->granule - 1));
		bool joins = cur_len && start == cur_start + cur_len && cur_len + s->length <= max_seg &&
			     (cur_start & ~(dma_addr_t)boundary) ==
				     ((start + s->length - 1) & ~(dma_addr_t)boundary);

		if (!joins) {
			if (cur_len) {
				sg_dma_address(out) = cur_start;
				sg_dma_len(out) = (unsigned int)cur_len;
				out = sg_next(out);
				count++;
			}
			cur_start = start;
			cur_len = 0;
		}
		cur_len += s->length;
	}
	sg_dma_address(out) = cur_start;
	sg_dma_len(out) = (unsigned int)cur_len;
	count++;
	/* Entries past the last segment carry no DMA address, as in the kernel. */
	for (out = sg_next(out), i = count; out && i < nents; out = sg_next(out), i++) {
		sg_dma_address(out) = DMA_MAPPING_ERROR;
		sg_dma_len(out) = 0;
	}
	free(pos);
	return count;
}

static void iommu_dma_unmap_sg(struct dmasim_device *d, struct scatterlist *sgl, int nents,
			   enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_domain *dom = d->domain;
	struct scatterlist *s, *last = sgl;
	struct dmasim_iotlb_gather g;
	dma_addr_t start, end;
	size_t len;
	int i, count = 0;

	if (!dom || !(dom->dom.type & __IOMMU_DOMAIN_DMA_API))
		return;
	/* The DMA segments: up to the first entry without a length. */
	for_each_sg(sgl, s, nents, i) {
		if (i && !sg_dma_len(s))
			break;
		last = s;
		count++;
	}
	start = sg_dma_address(sgl) & ~(dma_addr_t)(dom->granule - 1);
	end = sg_dma_address(last) + sg_dma_len(last);
	len = ALIGN((size_t)(end - start), dom->granule);
	/* Exactly the segments' bytes: the rest of their pages is someone else's. */
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		for_each_sg(sgl, s, count, i)
			sync_phys(d, dom, sg_dma_address(s), sg_dma_len(s), dir, true);
	for_each_sg(sgl, s, count, i)
		cache_unmapped(d, dom, sg_dma_address(s), sg_dma_len(s));
	g = (struct dmasim_iotlb_gather)DMASIM_IOTLB_GATHER_INIT(dom->iommu->lazy);
	dmasim__iommu_unmap_fast(dom, start, len, &g);
	dmasim__iommu_release_iova(dom, start, sg_iova_size(dom, len, dma_get_seg_boundary(&d->dev)),
				   &g);
}

/* ---- MMIO resources ------------------------------------------------------------------- */

static int iommu_map_resource(struct dmasim_device *d, phys_addr_t phys, size_t size,
			      enum dma_data_direction dir, dma_addr_t *dma)
{
	struct dmasim_domain *dom = dma_domain(d, "dma_map_resource");

	if (!dom)
		return -EINVAL;
	return map_range(d, dom, phys, size, dir_prot(dir, 0), stream_limit(d), dma);
}

static void iommu_unmap_resource(struct dmasim_device *d, dma_addr_t dma, size_t size,
				 enum dma_data_direction dir, unsigned long attrs)
{
	(void)dir;
	(void)attrs;
	if (d->domain && d->domain->iova)
		unmap_range(d, d->domain, dma, size);
}

/* ---- allocations --------------------------------------------------------------------- */

static int iommu_alloc(struct dmasim_device *d, size_t size, u64 mask, gfp_t gfp,
		       unsigned long attrs, bool coherent, struct dmasim_alloc *a)
{
	struct dmasim_domain *dom = dma_domain(d, "dma_alloc");
	size_t len = PAGE_ALIGN(size);
	unsigned int n = (unsigned int)(len >> PAGE_SHIFT);
	int ret = -ENOMEM;

	if (!dom)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	gfp &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM);
	if ((attrs & DMA_ATTR_FORCE_CONTIGUOUS) || n == 1) {
		a->page = dmasim__alloc_pages_below(d->plat, gfp | __GFP_ZERO,
						    (unsigned int)get_order(len), ~0ULL);
		if (!a->page)
			return -ENOMEM;
		if (dmasim__wants_uncached(d, coherent))
			dmasim__cache_prep_coherent(d, page_to_phys(a->page), len);
		a->cpu = dmasim__wants_uncached(d, coherent) ?
				 dmasim__uncached_alias(d->plat, a->page, n) :
				 page_address(a->page);
		ret = a->cpu ? map_range(d, dom, page_to_phys(a->page), len,
					 DMASIM_PROT_READ | DMASIM_PROT_WRITE,
					 dmasim__dev_limit(d, mask), &a->dma) :
			       -ENOMEM;
		if (ret) {
			if (a->cpu && a->cpu != page_address(a->page))
				dmasim__alias_remove(d->plat, a->cpu);
			dmasim__free_pages(a->page, (unsigned int)get_order(len));
		}
		return ret;
	}
	/*
	 * Scattered pages, anywhere in RAM (the device does not care: the IOMMU
	 * makes them contiguous), seen by the CPU through a vmap alias.
	 */
	a->pages = calloc(n, sizeof(*a->pages));
	a->nr_pages = n;
	if (!a->pages)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		a->pages[i] = dmasim__alloc_pages_below(d->plat, gfp | __GFP_HIGHMEM | __GFP_ZERO, 0,
							~0ULL);
		if (!a->pages[i])
			goto fail_pages;
	}
	{
		size_t asize = dmasim__iommu_iova_size(dom, len);
		dma_addr_t iova;

		ret = dmasim__iommu_alloc_iova(dom, asize, dmasim__dev_limit(d, mask), &iova);
		if (ret)
			goto fail_pages;
		for (unsigned int i = 0; i < n && !ret; i++) {
			ret = dmasim__iommu_map_range(dom, iova + PFN_PHYS(i), page_to_phys(a->pages[i]),
						      PAGE_SIZE, DMASIM_PROT_READ | DMASIM_PROT_WRITE);
			if (ret && i)
				dmasim__iommu_unmap_range(dom, iova, PFN_PHYS(i));
		}
		if (ret) {
			dmasim__iova_free(dom->iova, iova, asize);
			goto fail_pages;
		}
		a->dma = iova;
	}
	if (dmasim__wants_uncached(d, coherent))
		for (unsigned int i = 0; i < n; i++)
			dmasim__cache_prep_coherent(d, page_to_phys(a->pages[i]), PAGE_SIZE);
	a->cpu = dmasim__wants_uncached(d, coherent) ? dmasim__map_pages_uncached(d->plat, a->pages, n, NULL) :
						    dmasim__map_pages(d->plat, a->pages, n, NULL);
	if (!a->cpu || !dmasim__alias_add(d->plat, a->cpu, len, ALIAS_VMAP, a->pages, n)) {
		if (a->cpu)
			munmap(a->cpu, len);
		unmap_range(d, dom, a->dma, len);
		ret = -ENOMEM;
		goto fail_pages;
	}
	return 0;
fail_pages:
	for (unsigned int i = 0; i < n && a->pages[i]; i++)
		dmasim__free_pages(a->pages[i], 0);
	free(a->pages);
	a->pages = NULL;
	return ret;
}

/*
 * As __iommu_dma_free(): the pages from the CPU address.  In the linear map
 * it is one contiguous block; an alias area lists its pages, which are one
 * block when the first heads an allocation of the whole size (a contiguous
 * allocation seen uncached) and single pages otherwise.
 */
static void iommu_free(struct dmasim_device *d, size_t size, void *cpu, dma_addr_t dma,
		       unsigned long attrs)
{
	struct dmasim_domain *dom = d->domain;
	size_t len = PAGE_ALIGN(size);
	unsigned int order = (unsigned int)get_order(len), n = (unsigned int)(len >> PAGE_SHIFT);
	struct page *first = NULL, **pages = NULL;
	struct dmasim_alias *al;
	phys_addr_t phys;

	(void)attrs;
	if (!dom || !(dom->dom.type & __IOMMU_DOMAIN_DMA_API))
		return;
	if (!dmasim__linear_to_phys(d->plat, cpu, &phys)) {
		first = dmasim__phys_to_page(d->plat, phys);
	} else {
		al = dmasim__alias_find(d->plat, cpu);
		if (!al || al->nr_pages < n) { /* with debug off nothing checked the free before */
			dmasim__dev_report(d, "device driver tries to free DMA memory it has not allocated [device address=0x%016llx] [size=%zu bytes] [cpu free address=%p]",
					   (unsigned long long)dma, size, cpu);
			return;
		}
		if (n == 1 || ((al->pages[0]->flags & PG_head) && al->pages[0]->order == order)) {
			first = al->pages[0];
		} else {
			pages = malloc(n * sizeof(*pages));
			if (DMASIM_WARN_ON(d->plat, !pages))
				return;
			memcpy(pages, al->pages, n * sizeof(*pages));
		}
		dmasim__alias_remove(d->plat, cpu);
	}
	cache_unmapped(d, dom, dma, len);
	unmap_range(d, dom, dma, len);
	if (first) {
		dmasim__free_pages(first, order);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		dmasim__free_pages(pages[i], 0);
	free(pages);
}

/* ---- the flush queue ----------------------------------------------------------------- */

/*
 * Lazy mode's deferred IOTLB invalidation, a DMA-API policy as in the
 * kernel's dma-iommu.c: an unmapped IOVA range waits in its thread's queue
 * (struct iommu_thread, kept by the IOMMU core with the thread's counts)
 * until one flush of the whole IOTLB covers the queue, then goes back to
 * the allocator.  A queue is flushed when full, when its oldest entry is
 * older than fq_timeout, when IOVA space runs out, and on demand.
 */

#define FQ_BATCH 64

/* Flush one queue (its lock held): one full IOTLB flush, then its IOVAs may be reused. */
void dmasim__fq_flush_queue(struct dmasim_iommu *iommu, struct iommu_thread *q)
{
	struct dmasim_iova_range batch[FQ_BATCH];

	if (!q->n)
		return;
	if (DMASIM_TRACING(iommu->plat))
		dmasim__trace(iommu->plat, &(struct dmasim_trace_event){
						   .ev = "iotlb_flush", .size = q->n,
						   .msg = "flush queue: whole IOTLB" });
	dmasim__iommu_flush_iotlb_all(iommu);
	/* In batches of one domain each: an allocator that takes batches pays its locks once. */
	for (unsigned int i = 0, nb = 0; i < q->n; i++) {
		struct dmasim_domain *dom = q->e[i].dom;

		batch[nb++] = (struct dmasim_iova_range){ .addr = q->e[i].iova, .size = q->e[i].size };
		if (i + 1 == q->n || q->e[i + 1].dom != dom || nb == FQ_BATCH) {
			dmasim__iova_free_batch(dom->iova, batch, nb);
			nb = 0;
		}
	}
	atomic_store_explicit(&q->n, 0, memory_order_relaxed);
	atomic_fetch_add(&iommu->fq_flushes, 1);
}

/*
 * Every queue (@iommu->lock held).  The oldest-entry clock is cleared first:
 * what is queued meanwhile into a queue already flushed sets it again.
 */
void dmasim__fq_flush_all_locked(struct dmasim_iommu *iommu)
{
	struct dmasim_pt_state *s;

	atomic_store(&iommu->fq_first_ns, 0);
	dmasim__pt_lock(&iommu->threads);
	dmasim__pt_foreach(s, &iommu->threads) {
		struct iommu_thread *q = (struct iommu_thread *)s;

		dmasim__spin_lock(&q->lock);
		dmasim__fq_flush_queue(iommu, q);
		dmasim__spin_unlock(&q->lock);
	}
	dmasim__pt_unlock(&iommu->threads);
}

/* Unmaps queued in all threads (@iommu->lock held). */
unsigned long dmasim__fq_pending_locked(struct dmasim_iommu *iommu)
{
	struct dmasim_pt_state *s;
	unsigned long n = 0;

	dmasim__pt_lock(&iommu->threads);
	dmasim__pt_foreach(s, &iommu->threads)
		n += atomic_load_explicit(&((struct iommu_thread *)s)->n, memory_order_relaxed);
	dmasim__pt_unlock(&iommu->threads);
	return n;
}

void dmasim__fq_timeout_slow(struct dmasim_iommu *iommu)
{
	u64 first;

	pthread_mutex_lock(&iommu->lock);
	first = atomic_load(&iommu->fq_first_ns); /* another thread may have flushed */
	if (first && dmasim__fq_now_ns() - first >= (u64)iommu->fq_timeout_ms * 1000000ULL)
		dmasim__fq_flush_all_locked(iommu);
	pthread_mutex_unlock(&iommu->lock);
}

/* The release itself: inline in the streaming unmap, its hot caller. */
static inline __attribute__((always_inline)) void
release_iova(struct dmasim_domain *dom, dma_addr_t iova, size_t alloc_size,
	     struct dmasim_iotlb_gather *gather)
{
	struct dmasim_iommu *iommu = dom->iommu;
	struct iommu_thread *q = iommu->lazy ? dmasim__this_thread(iommu) : NULL;
	unsigned long long zero = 0;
	unsigned int n;

	if (!q || !q->e) { /* strict, or no memory for a queue: invalidate now */
		if (gather && gather->queued) { /* nothing was gathered: all of it */
			*gather = (struct dmasim_iotlb_gather)DMASIM_IOTLB_GATHER_INIT(false);
			gather->start = iova;
			gather->end = iova + alloc_size - 1;
		}
		if (gather)
			dmasim__iommu_iotlb_sync(dom, gather);
		dmasim__iova_free(dom->iova, iova, alloc_size);
		return;
	}
	if (gather && !gather->queued)
		dmasim__iommu_iotlb_sync(dom, gather);
	/*
	 * Lazy: the IOTLB keeps what it cached until this thread's queue is
	 * flushed.  Nothing shared is written here but when the queue goes from
	 * empty to not: the clock of the oldest entry, if no older one runs.
	 */
	dmasim__spin_lock(&q->lock);
	n = atomic_load_explicit(&q->n, memory_order_relaxed);
	if (n == iommu->fq_size) {
		dmasim__fq_flush_queue(iommu, q);
		n = 0;
	}
	q->e[n] = (struct fq_entry){ .dom = dom, .iova = iova, .size = alloc_size };
	atomic_store_explicit(&q->n, n + 1, memory_order_relaxed);
	dmasim__spin_unlock(&q->lock);
	if (!n && !atomic_load_explicit(&iommu->fq_first_ns, memory_order_relaxed))
		atomic_compare_exchange_strong(&iommu->fq_first_ns, &zero, dmasim__fq_now_ns());
	dmasim__fq_maybe_timeout(iommu);
}

void dmasim__iommu_release_iova(struct dmasim_domain *dom, dma_addr_t iova, size_t alloc_size,
				struct dmasim_iotlb_gather *gather)
{
	release_iova(dom, iova, alloc_size, gather);
}

void dmasim_iommu_flush(struct dmasim_platform *p)
{
	if (!p || !p->iommu)
		return;
	pthread_mutex_lock(&p->iommu->lock);
	dmasim__fq_flush_all_locked(p->iommu);
	pthread_mutex_unlock(&p->iommu->lock);
}

/* ---- queries ------------------------------------------------------------ */

static bool iommu_mask_supported(struct dmasim_device *d, u64 mask)
{
	/* Any mask that leaves some IOVA space works: the IOMMU remaps. */
	struct dmasim_domain *dom = d->default_domain ? d->default_domain : d->domain;

	return !dom || mask >= (u64)dom->granule * 2 - 1;
}

static u64 iommu_required_mask(struct dmasim_device *d)
{
	return DMA_BIT_MASK(32); /* as the kernel says for devices behind an IOMMU */
}

/* As iommu_dma_need_sync(): not coherent, or the IOVA leads into the swiotlb pool. */
static bool iommu_need_sync(struct dmasim_device *d, dma_addr_t dma)
{
	struct dmasim_domain *dom = d->domain;
	phys_addr_t phys;

	if (!d->dev.dma_coherent)
		return true;
	if (!may_bounce(d) || !dom || !dom->pgt || dmasim__pgtable_iova_to_phys(dom->pgt, dma, &phys, NULL))
		return false;
	return dmasim__swiotlb_is_bounce(d->plat, phys);
}

static size_t iommu_max_mapping_size(struct dmasim_device *d)
{
	return may_bounce(d) ? dmasim__swiotlb_max_mapping_size(d) : SIZE_MAX;
}

static size_t iommu_opt_mapping_size(struct dmasim_device *d)
{
	struct dmasim_domain *dom = d->domain;

	if (dom && dom->iova && dmasim__iova_cache_range(dom->iova))
		return dmasim__iova_cache_range(dom->iova);
	return SIZE_MAX;
}

static unsigned long iommu_merge_boundary(struct dmasim_device *d)
{
	return d->domain && d->domain->pgt ? d->domain->granule - 1 : 0;
}

/* ---- the two-step IOVA API ----------------------------------------------------------- */

static int iommu_iova_alloc(struct dmasim_device *d, phys_addr_t phys, size_t size,
			    dma_addr_t *addr)
{
	struct dmasim_domain *dom = dma_domain(d, "dma_iova_try_alloc");
	size_t off, len;
	dma_addr_t iova;

	if (!dom)
		return -EINVAL;
	off = phys & (dom->granule - 1);
	len = ALIGN(off + size, dom->granule);
	if (dmasim__iommu_alloc_iova(dom, dmasim__iommu_iova_size(dom, len), stream_limit(d), &iova))
		return -ENOMEM;
	*addr = iova + off;
	return 0;
}

static int iommu_iova_link(struct dmasim_device *d, dma_addr_t dma, phys_addr_t phys, size_t size,
			   enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_domain *dom = dma_domain(d, "dma_iova_link");
	size_t off;

	if (!dom)
		return -EINVAL;
	off = phys & (dom->granule - 1);
	if ((dma & (dom->granule - 1)) != off)
		return -EIO;
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dmasim__cache_for_device(d, phys, size, dir);
	return dmasim__iommu_map_range(dom, dma - off, phys - off, ALIGN(off + size, dom->granule),
				       dir_prot(dir, attrs));
}

static void iommu_iova_unlink(struct dmasim_device *d, dma_addr_t dma, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_domain *dom = d->domain;
	dma_addr_t start;
	size_t len;

	if (!dom || !(dom->dom.type & __IOMMU_DOMAIN_DMA_API))
		return;
	start = dma & ~(dma_addr_t)(dom->granule - 1);
	len = ALIGN((size_t)(dma - start) + size, dom->granule);
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		sync_phys(d, dom, dma, size, dir, true);
	cache_unmapped(d, dom, dma, size);
	/* Strict: the range stays allocated, and the IOTLB must forget it now. */
	dmasim__iommu_unmap_range(dom, start, len);
}

static void iommu_iova_free(struct dmasim_device *d, dma_addr_t addr, size_t size)
{
	struct dmasim_domain *dom = d->domain;
	dma_addr_t start;
	size_t len;

	if (!dom || !(dom->dom.type & __IOMMU_DOMAIN_DMA_API))
		return;
	start = addr & ~(dma_addr_t)(dom->granule - 1);
	len = ALIGN((size_t)(addr - start) + size, dom->granule);
	/* dma_iova_unlink() invalidated it. */
	dmasim__iommu_release_iova(dom, start, dmasim__iommu_iova_size(dom, len), NULL);
}

const struct dmasim_dma_ops dmasim__iommu_dma_ops = {
	.name = "iommu",
	.map_phys = iommu_map_phys,
	.unmap_phys = iommu_unmap_phys,
	.sync_for_cpu = iommu_sync_for_cpu,
	.sync_for_device = iommu_sync_for_device,
	.map_sg = iommu_dma_map_sg,
	.unmap_sg = iommu_dma_unmap_sg,
	.map_resource = iommu_map_resource,
	.unmap_resource = iommu_unmap_resource,
	.alloc = iommu_alloc,
	.free = iommu_free,
	.mask_supported = iommu_mask_supported,
	.required_mask = iommu_required_mask,
	.max_mapping_size = iommu_max_mapping_size,
	.opt_mapping_size = iommu_opt_mapping_size,
	.merge_boundary = iommu_merge_boundary,
	.may_bounce = may_bounce,
	.need_sync = iommu_need_sync,
	.iova_alloc = iommu_iova_alloc,
	.iova_link = iommu_iova_link,
	.iova_unlink = iommu_iova_unlink,
	.iova_free = iommu_iova_free,
};
