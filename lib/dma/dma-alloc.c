/*
 * lib/dma/dma-alloc.c - the DMA API layer for allocations: coherent memory
 * (plain, write-combined, managed), dma_alloc_pages and noncoherent memory,
 * noncontiguous tables, and exporting an allocation (get_sgtable, mmap).
 *
 * Checks arguments as the kernel does and leaves the memory itself to the
 * device's DMA ops, which find what to free from the CPU address, as the
 * kernel's.  Nothing here keeps a record of an allocation: DMA-API debugging
 * (lib/debug/debug.h) records it when on, to check frees and exports; a
 * noncontiguous table carries its CPU address (the kernel's dma_sgt_handle)
 * and managed memory keeps what it needs in its devres.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dma/dma.h"
#include "debug/debug.h"

/*
 * Page @i of the allocation at CPU address @cpu, as the kernel's
 * dma_common_get_sgtable()/iommu_dma_get_sgtable(): an alias area's pages
 * (vmalloc_to_page: scattered behind an IOMMU, or seen uncached), else the
 * linear map's (virt_to_page).  NULL if @cpu is neither.
 */
static struct page *alloc_page_at(struct dmasim_device *d, void *cpu, unsigned long i)
{
	struct dmasim_alias *al = dmasim__alias_find(d->plat, cpu);
	phys_addr_t phys;

	if (al)
		return i < al->nr_pages ? al->pages[i] : NULL;
	if (dmasim__linear_to_phys(d->plat, cpu, &phys))
		return NULL;
	return dmasim__phys_to_page(d->plat, phys + PFN_PHYS(i));
}

/*
 * The message of a failed allocation within @mask: with dma-direct, say when
 * no RAM at all lies within the device's reach (the mask picks the zone),
 * rather than "out of memory".
 */
static void alloc_failed(struct dmasim_device *d, const char *call, size_t size, u64 mask)
{
	char why[256];
	u64 limit = dmasim__dev_limit(d, mask);
	phys_addr_t max_phys = limit + d->bus_offset < limit ? ~0ULL : limit + d->bus_offset;
	bool none = d->ops == &dmasim__direct_ops &&
		    dmasim__alloc_explain(d->plat, GFP_KERNEL, (unsigned int)get_order(size),
					  max_phys, why, sizeof(why));

	dmasim__log(d->plat, DMASIM_LOG_WARN,
		    "%s: %s: no memory for %zu bytes within mask 0x%llx (bus limit 0x%llx, offset 0x%llx)%s%s",
		    d->name, call, size, (unsigned long long)mask,
		    (unsigned long long)d->dev.bus_dma_limit, (unsigned long long)d->bus_offset,
		    none ? ": " : "", none ? why : "");
}

/* The checks and the allocation that every allocation call shares; records it too. */
static int alloc_common(struct dmasim_device *d, const char *call, size_t size, u64 mask,
			gfp_t gfp, unsigned long attrs, bool have_handle,
			enum dma_data_direction dir, enum dmasim_map_kind kind,
			struct dmasim_alloc *a, void *caller)
{
	int ret;

	if (!size) {
		dmasim__dev_report(d, "%s: size 0", call);
		return -EINVAL;
	}
	if (dmasim_in_irq() && !(gfp & __GFP_HIGH))
		dmasim__debug_report(d, "%s: sleeping allocation (gfp 0x%x, not GFP_ATOMIC) in interrupt context",
				     call, gfp);
	if (!have_handle) {
		dmasim__dev_report(d, "%s: NULL dma_handle", call);
		return -EINVAL;
	}
	if (!mask) {
		dmasim__dev_report(d, "%s: device has no coherent DMA mask", call);
		return -EINVAL;
	}
	if (size > (PAGE_SIZE << DMASIM_MAX_ORDER)) {
		if (!(attrs & DMA_ATTR_NO_WARN))
			dmasim__dev_report(d, "%s: %zu bytes is more than one contiguous allocation can give (%lu)",
					   call, size, PAGE_SIZE << DMASIM_MAX_ORDER);
		return -EINVAL;
	}
	/* An injected failure has said why already: one message, not two. */
	if (dmasim__should_fail(d->plat, FAIL_ALLOC, d, call))
		return -ENOMEM;
	ret = d->ops->alloc(d, size, mask, gfp, attrs, kind == MAP_COHERENT, a);
	if (ret) {
		if (!(attrs & DMA_ATTR_NO_WARN) && !(gfp & __GFP_NOWARN))
			alloc_failed(d, call, size, mask);
		return ret;
	}
	if (!debug_dma_alloc(d, a, size, dir, kind, attrs, caller)) {
		d->ops->free(d, size, a->cpu, a->dma, attrs);
		free(a->pages);
		return -ENOMEM;
	}
	DMASIM_TRACE_DEV(d, .ev = "alloc", .call = call, .cpu = a->cpu, .has_cpu = true,
			 .phys = page_to_phys(a->page ? a->page : a->pages[0]), .has_phys = true, .bus = a->dma, .has_bus = true,
			 .size = size, .dir = (int)dir, .has_dir = kind != MAP_COHERENT);
	return 0;
}

/* The public allocators' shared body; @caller is the driver's call site. */
static void *alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp,
			 unsigned long attrs, void *caller)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_alloc_attrs");
	struct dmasim_alloc a;

	if (!d || alloc_common(d, "dma_alloc_attrs", size, dev->coherent_dma_mask, gfp,
			       attrs, dma_handle != NULL, DMA_BIDIRECTIONAL,
			       MAP_COHERENT, &a, caller))
		return NULL;
	free(a.pages); /* the allocation's alias area keeps its own list */
	/* The rest of the last page is the allocation's redzone for ASan and memcheck. */
	dmasim__mem_poison(d->plat, (unsigned char *)a.cpu + size, PAGE_ALIGN(size) - size);
	*dma_handle = a.dma;
	return a.cpu;
}

void *dma_alloc_attrs(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp,
		      unsigned long attrs)
{
	return alloc_attrs(dev, size, dma_handle, gfp, attrs, __builtin_return_address(0));
}

void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp)
{
	return alloc_attrs(dev, size, dma_handle, gfp, 0, __builtin_return_address(0));
}

void *dma_alloc_wc(struct device *dev, size_t size, dma_addr_t *dma_addr, gfp_t gfp)
{
	return alloc_attrs(dev, size, dma_addr, gfp, DMA_ATTR_WRITE_COMBINE,
			   __builtin_return_address(0));
}

/*
 * A free of memory that belongs to a dma_pool: one of its blocks (or its page)
 * handed to dma_free_coherent() & co. instead of dma_pool_free().  The kernel's
 * dma-debug sees only the pool's page allocation and reports the block as
 * memory not allocated (or, for the first block, a size mismatch), then frees
 * the page under the pool.  Here it is refused whatever debug says: the pool
 * would hand out freed memory next.  The pages know they are a pool's
 * (PG_dmapool), so the check costs one lookup and takes no lock.
 */
static bool pool_block(struct dmasim_device *d, const char *call, void *cpu, dma_addr_t dma,
		       size_t size)
{
	char pool[32], owner[64];

	if (!dmasim__pool_owns(d->plat, cpu, pool, sizeof(pool), owner, sizeof(owner)))
		return false;
	dmasim__dev_report(d, "%s: device driver tries to free DMA memory it has not allocated [device address=0x%016llx] [size=%zu bytes] [%p is in dma_pool %s of %s: free it with dma_pool_free()]",
			   call, (unsigned long long)dma, size, cpu, pool, owner);
	return true;
}

/*
 * The free every allocation call shares: the debug verdict (which, when on,
 * sets the arguments to what was allocated), then the DMA ops.  @cpu NULL:
 * the call names no CPU address; @own_cpu is then the one to free.
 */
static void free_common(struct dmasim_device *d, const char *call, size_t size, void *cpu,
			void *own_cpu, dma_addr_t dma, unsigned long attrs, int dir,
			enum dmasim_map_kind kind)
{
	struct page *first;

	/* The kernel warns: freeing may sleep (vunmap, IOMMU flushes) and needs IRQs on. */
	if (dmasim_in_irq())
		dmasim__debug_report(d, "%s: called from interrupt context [device address=0x%016llx] [size=%zu bytes]",
				     call, (unsigned long long)dma, size);
	if (cpu && pool_block(d, call, cpu, dma, size))
		return;
	if (!debug_dma_free(d, call, &size, &cpu, &dma, &attrs, dir, kind))
		return;
	if (!cpu)
		cpu = own_cpu;
	if (DMASIM_TRACING(d->plat)) {
		first = alloc_page_at(d, cpu, 0);
		DMASIM_TRACE_DEV(d, .ev = "free", .call = call, .cpu = cpu, .has_cpu = true,
				 .phys = first ? page_to_phys(first) : 0, .has_phys = first != NULL,
				 .bus = dma, .has_bus = true, .size = size);
	}
	d->ops->free(d, size, cpu, dma, attrs);
}

void dma_free_attrs(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_handle,
		    unsigned long attrs)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_free_attrs");

	if (!d || !cpu_addr) /* the kernel ignores a NULL CPU address */
		return;
	free_common(d, "dma_free_attrs", size, cpu_addr, NULL, dma_handle, attrs, -1, MAP_COHERENT);
}

void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_handle)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_free_coherent");

	if (!d || !cpu_addr)
		return;
	free_common(d, "dma_free_coherent", size, cpu_addr, NULL, dma_handle, 0, -1, MAP_COHERENT);
}

void dma_free_wc(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_addr)
{
	dma_free_attrs(dev, size, cpu_addr, dma_addr, DMA_ATTR_WRITE_COMBINE);
}

/* ---- managed coherent memory ------------------------------------------------------ */

struct dmam_coherent {
	size_t size;
	void *cpu;
	dma_addr_t dma;
};

static void dmam_coherent_release(struct device *dev, void *data)
{
	struct dmam_coherent *c = data;

	dma_free_coherent(dev, c->size, c->cpu, c->dma);
	free(c);
}

void *dmam_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp)
{
	struct dmasim_device *d = dmasim__dev(dev, "dmam_alloc_coherent");
	struct dmam_coherent *c;
	void *cpu;

	if (!d)
		return NULL;
	c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	cpu = alloc_attrs(dev, size, dma_handle, gfp, 0, __builtin_return_address(0));
	if (!cpu) {
		free(c);
		return NULL;
	}
	c->size = size;
	c->cpu = cpu;
	c->dma = *dma_handle;
	if (dmasim__devres_add(d, dmam_coherent_release, c, size, c->dma, cpu)) {
		dma_free_coherent(dev, size, cpu, c->dma);
		free(c);
		return NULL;
	}
	return cpu;
}

void dmam_free_coherent(struct device *dev, size_t size, void *vaddr, dma_addr_t dma_handle)
{
	struct dmasim_device *d = dmasim__dev(dev, "dmam_free_coherent");
	struct dmasim_devres *r;
	struct dmam_coherent *c = NULL;

	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	LIST_FOREACH(r, &d->devres, link)
		if (r->release == dmam_coherent_release && r->cpu == vaddr && r->dma == dma_handle) {
			c = r->data;
			break;
		}
	pthread_mutex_unlock(&d->lock);
	if (!c) {
		dmasim__dev_report(d, "dmam_free_coherent: %p / 0x%llx is not a managed allocation",
				   vaddr, (unsigned long long)dma_handle);
		return;
	}
	/* Only the caller that takes the devres off the list may free it (racing frees). */
	if (dmasim__devres_remove(d, dmam_coherent_release, c)) {
		dmasim__dev_report(d, "dmam_free_coherent: %p / 0x%llx is not a managed allocation",
				   vaddr, (unsigned long long)dma_handle);
		return;
	}
	dma_free_coherent(dev, size, vaddr, dma_handle);
	free(c);
}

/* ---- pages owned like streaming mappings ------------------------------------------- */

static struct page *alloc_pages_for(struct device *dev, size_t size, dma_addr_t *dma_handle,
				    enum dma_data_direction dir, gfp_t gfp, void *caller)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_alloc_pages");
	struct dmasim_alloc a;

	if (!d)
		return NULL;
	if (!valid_dma_direction(dir)) {
		dmasim__dev_report(d, "dma_alloc_pages: invalid DMA direction %d", dir);
		return NULL;
	}
	if (gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)) {
		/* As the kernel: the zone follows from the device's mask, not the caller. */
		dmasim__dev_report(d, "dma_alloc_pages: zone modifiers in gfp 0x%x are not allowed", gfp);
		return NULL;
	}
	/* A struct page is promised, so the memory must be physically contiguous. */
	if (alloc_common(d, "dma_alloc_pages", size, dev->coherent_dma_mask, gfp,
			 DMA_ATTR_FORCE_CONTIGUOUS, dma_handle != NULL, dir, MAP_PAGES, &a, caller))
		return NULL;
	free(a.pages);
	*dma_handle = a.dma;
	return a.page;
}

struct page *dma_alloc_pages(struct device *dev, size_t size, dma_addr_t *dma_handle,
			     enum dma_data_direction dir, gfp_t gfp)
{
	return alloc_pages_for(dev, size, dma_handle, dir, gfp, __builtin_return_address(0));
}

void dma_free_pages(struct device *dev, size_t size, struct page *page, dma_addr_t dma_handle,
		    enum dma_data_direction dir)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_free_pages");

	if (!d || !page)
		return;
	free_common(d, "dma_free_pages", size, page_address(page), NULL, dma_handle,
		    DMA_ATTR_FORCE_CONTIGUOUS, dir, MAP_PAGES);
}

void *dma_alloc_noncoherent(struct device *dev, size_t size, dma_addr_t *dma_handle,
			    enum dma_data_direction dir, gfp_t gfp)
{
	struct page *page = alloc_pages_for(dev, size, dma_handle, dir, gfp,
					    __builtin_return_address(0));

	return page ? page_address(page) : NULL;
}

void dma_free_noncoherent(struct device *dev, size_t size, void *vaddr, dma_addr_t dma_handle,
			  enum dma_data_direction dir)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_free_noncoherent");
	phys_addr_t phys;

	if (!d || !vaddr)
		return;
	if (dmasim__linear_to_phys(d->plat, vaddr, &phys)) {
		dmasim__dev_report(d, "dma_free_noncoherent: %p is not memory from dma_alloc_noncoherent()",
				   vaddr);
		return;
	}
	dma_free_pages(dev, size, dmasim__phys_to_page(d->plat, phys), dma_handle, dir);
}

/* ---- noncontiguous ----------------------------------------------------------------- */

/*
 * The table dma_alloc_noncontiguous() hands out, with what freeing and
 * vmapping it need (the kernel's struct dma_sgt_handle keeps the pages).
 */
struct dmasim_sgt_handle {
	struct sg_table sgt; /* first: the handle is freed through the table's address */
	void *cpu;           /* the CPU address the DMA ops gave the allocation */
	unsigned long attrs;
};

static struct dmasim_sgt_handle *sgt_handle(struct sg_table *sgt)
{
	return (struct dmasim_sgt_handle *)((char *)sgt - offsetof(struct dmasim_sgt_handle, sgt));
}

/*
 * A table the driver never gave back is host memory dmasim allocated: it goes
 * when the device does (kept on the device's devres list for that), so leak
 * checkers blame the driver's report, not dmasim.  Only the table and handle
 * are freed: the allocation itself stays leaked (reported with debug on, its
 * RAM gone with the platform), as the kernel would leave it.
 */
static void sgt_handle_release(struct device *dev, void *data)
{
	struct dmasim_sgt_handle *h = data;

	(void)dev;
	sg_free_table(&h->sgt);
	free(h);
}

struct sg_table *dma_alloc_noncontiguous(struct device *dev, size_t size,
					 enum dma_data_direction dir, gfp_t gfp,
					 unsigned long attrs)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_alloc_noncontiguous");
	struct dmasim_sgt_handle *h;
	struct dmasim_alloc a;
	struct sg_table *sgt;
	int ret;

	if (!d)
		return NULL;
	if (attrs & ~DMA_ATTR_ALLOC_SINGLE_PAGES) {
		dmasim__dev_report(d, "dma_alloc_noncontiguous: unsupported attrs 0x%lx", attrs);
		return NULL;
	}
	if (!valid_dma_direction(dir)) {
		dmasim__dev_report(d, "dma_alloc_noncontiguous: invalid DMA direction %d", dir);
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	sgt = &h->sgt;
	if (alloc_common(d, "dma_alloc_noncontiguous", size, dev->coherent_dma_mask,
			 gfp & ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM), attrs, true, dir,
			 MAP_PAGES, &a, __builtin_return_address(0))) {
		free(h);
		return NULL;
	}
	h->cpu = a.cpu;
	h->attrs = attrs;
	/* The CPU sees the pages as they are; the device sees one contiguous segment. */
	if (a.pages) {
		ret = sg_alloc_table_from_pages(sgt, a.pages, a.nr_pages, 0, PAGE_ALIGN(size), gfp);
		free(a.pages);
	}
	else if (!(ret = sg_alloc_table(sgt, 1, gfp)))
		sg_set_page(sgt->sgl, a.page, (unsigned int)PAGE_ALIGN(size), 0);
	if (ret) {
		free_common(d, "dma_alloc_noncontiguous", size, NULL, a.cpu, a.dma, attrs, dir,
			    MAP_PAGES);
		free(h);
		return NULL;
	}
	sg_dma_address(sgt->sgl) = a.dma;
	sg_dma_len(sgt->sgl) = (unsigned int)size;
	sgt->nents = 1;
	if (dmasim__devres_add(d, sgt_handle_release, h, size, a.dma, NULL)) {
		free_common(d, "dma_alloc_noncontiguous", size, NULL, a.cpu, a.dma, attrs, dir,
			    MAP_PAGES);
		sg_free_table(sgt);
		free(h);
		return NULL;
	}
	return sgt;
}

void dma_free_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt,
			    enum dma_data_direction dir)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_free_noncontiguous");
	struct dmasim_sgt_handle *h;

	if (!d || !sgt || !sgt->sgl)
		return;
	/* As the kernel's: the table is trusted to be a handle from dma_alloc_noncontiguous(). */
	h = sgt_handle(sgt);
	/* Only the caller that takes the handle off the device's list frees it (double frees). */
	if (dmasim__devres_remove(d, sgt_handle_release, h)) {
		dmasim__dev_report(d, "dma_free_noncontiguous: table %p is not a live table from dma_alloc_noncontiguous() of this device",
				   (void *)sgt);
		return;
	}
	free_common(d, "dma_free_noncontiguous", size, NULL, h->cpu, sg_dma_address(sgt->sgl),
		    h->attrs, dir, MAP_PAGES);
	sg_free_table(sgt);
	free(h);
}

void *dma_vmap_noncontiguous(struct device *dev, size_t size, struct sg_table *sgt)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_vmap_noncontiguous");

	(void)size;
	if (!d || !sgt || !sgt->sgl)
		return NULL;
	if (debug_dma_alloc_export(d, "dma_vmap_noncontiguous", sgt, sg_dma_address(sgt->sgl), 0,
				   MAP_PAGES))
		return NULL;
	/*
	 * The table's pages as one CPU range: the linear map of a contiguous
	 * block (as dma-direct's page_address()), else the alias area the DMA
	 * ops made of its pages when allocating (dma-iommu vmaps them).
	 */
	return sgt_handle(sgt)->cpu;
}

void dma_vunmap_noncontiguous(struct device *dev, void *vaddr)
{
	(void)dmasim__dev(dev, "dma_vunmap_noncontiguous");
	/* The address lives as long as the allocation: nothing to undo. */
}

/* ---- exporting an allocation ----------------------------------------------------------- */

int dma_get_sgtable_attrs(struct device *dev, struct sg_table *sgt, void *cpu_addr,
			  dma_addr_t dma_addr, size_t size, unsigned long attrs)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_get_sgtable");
	struct dmasim_alias *al;
	struct page *page;
	int ret;

	(void)attrs;
	if (!d)
		return -EINVAL;
	if (!sgt) {
		dmasim__dev_report(d, "dma_get_sgtable: NULL sg_table");
		return -EINVAL;
	}
	ret = debug_dma_alloc_export(d, "dma_get_sgtable", cpu_addr, dma_addr, size, MAP_COHERENT);
	if (ret)
		return ret;
	/* An alias area's pages (scattered behind an IOMMU, or seen uncached): one entry per run. */
	al = dmasim__alias_find(d->plat, cpu_addr);
	if (al)
		return sg_alloc_table_from_pages(sgt, al->pages, al->nr_pages, 0, PAGE_ALIGN(size),
						 GFP_KERNEL);
	page = alloc_page_at(d, cpu_addr, 0);
	if (!page) {
		dmasim__dev_report(d, "dma_get_sgtable: %p is not the CPU address of an allocation",
				   cpu_addr);
		return -EINVAL;
	}
	ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
	if (ret)
		return ret;
	sg_set_page(sgt->sgl, page, (unsigned int)PAGE_ALIGN(size), 0);
	return 0;
}

int dma_mmap_attrs(struct device *dev, struct vm_area_struct *vma, void *cpu_addr,
		   dma_addr_t dma_addr, size_t size, unsigned long attrs)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_mmap_attrs");
	unsigned long user_count, count, off;
	struct page **pages;
	unsigned char *va;
	int ret;

	(void)attrs;
	if (!d)
		return -EINVAL;
	if (!vma || vma->vm_end <= vma->vm_start || ((vma->vm_end - vma->vm_start) & ~PAGE_MASK) ||
	    (vma->vm_start & ~PAGE_MASK)) {
		dmasim__dev_report(d, "dma_mmap_attrs: bad vma (need page-aligned vm_start < vm_end)");
		return -EINVAL;
	}
	ret = debug_dma_alloc_export(d, "dma_mmap_attrs", cpu_addr, dma_addr, size, MAP_COHERENT);
	if (ret)
		return ret;
	user_count = (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
	count = PAGE_ALIGN(size) >> PAGE_SHIFT;
	off = vma->vm_pgoff;
	if (off >= count || user_count > count - off)
		return -ENXIO;
	pages = calloc(user_count, sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	for (unsigned long i = 0; i < user_count; i++) {
		pages[i] = alloc_page_at(d, cpu_addr, off + i);
		if (!pages[i]) { /* with debug off nothing checked @cpu_addr */
			dmasim__dev_report(d, "dma_mmap_attrs: %p is not the CPU address of an allocation of %zu bytes",
					   cpu_addr, size);
			free(pages);
			return -ENXIO;
		}
	}
	/* vm_start 0 asks dmasim to pick the address, as mmap(NULL, ...) would. */
	/* Coherent memory reaches user space the way the kernel sees it: uncached. */
	if (dmasim__wants_uncached(d, true))
		va = dmasim__map_pages_uncached(d->plat, pages, (unsigned int)user_count,
						vma->vm_start ? (void *)vma->vm_start : NULL);
	else
		va = dmasim__map_pages(d->plat, pages, (unsigned int)user_count,
				       vma->vm_start ? (void *)vma->vm_start : NULL);
	free(pages);
	if (!va)
		return -ENOMEM;
	vma->vm_end = (unsigned long)va + (vma->vm_end - vma->vm_start);
	vma->vm_start = (unsigned long)va;
	return 0;
}

bool dma_can_mmap(struct device *dev)
{
	return dmasim__dev(dev, "dma_can_mmap") != NULL;
}
