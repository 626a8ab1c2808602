/*
 * lib/debug/debug.c - the hooks of DMA-API debugging (lib/debug/debug.h):
 * what kernel/dma/debug.c checks at each call, over the entries of
 * lib/debug/entry.c.  Only reached with debug on.
 *
 * May use: lib/debug/debug.h (and through it lib/dev/dev.h and the machine).
 */
#include <string.h>

#include "debug/debug.h"

/* ---- streaming mappings ---------------------------------------------------- */

bool dmasim__debug_map_phys(struct dmasim_device *d, const char *call, phys_addr_t phys,
			    void *cpu, size_t size, enum dma_data_direction dir,
			    unsigned long attrs, enum dmasim_map_kind kind, dma_addr_t dma,
			    phys_addr_t tlb, void *caller)
{
	struct dmasim_map *m;

	dmasim__cachelines_add(d, call, phys, size, dir, attrs);
	m = dmasim__map_add_streaming(d, dma, size, phys, tlb, cpu, dir, kind, attrs, caller);
	if (!m) {
		dmasim__cachelines_del(d, phys, size, dir, attrs);
		return false;
	}
	/* The map's maintenance gave the lines to the device (not with DMA_ATTR_SKIP_CPU_SYNC). */
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && dmasim__own_tracked(d)) {
		struct dmasim_map rec;

		dmasim__map_fill(&rec, dma, size, phys, tlb, cpu, dir, kind, attrs, caller);
		rec.seq = m->seq; /* the handle is not the driver's yet: nothing else touches m */
		dmasim__own_to_device(d, &rec, dma, size);
	}
	return true;
}

bool dmasim__debug_map_record(struct dmasim_device *d, const struct dmasim_map *tmpl)
{
	struct dmasim_map *m = dmasim__map_add(d, tmpl);

	if (!m)
		return false;
	/* A dma_iova_link() link: its maintenance gave its lines to the device. */
	if (tmpl->kind == MAP_IOVA && !(tmpl->attrs & DMA_ATTR_SKIP_CPU_SYNC) &&
	    dmasim__own_tracked(d)) {
		struct dmasim_map rec = *tmpl;

		rec.seq = m->seq;
		dmasim__own_to_device(d, &rec, rec.dma, rec.size);
	}
	return true;
}

void dmasim__debug_unlink(struct dmasim_device *d, const struct dmasim_map *m,
			  unsigned long attrs)
{
	if (!dmasim__own_tracked(d))
		return;
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dmasim__own_to_cpu(d, m, m->dma, m->size);
	dmasim__own_end(d, m->seq);
}

/* The entry an unmap of this thread is releasing (between the hook and its _done). */
static _Thread_local struct dmasim_map unmapping;

bool dmasim__debug_unmap(struct dmasim_device *d, const char *call, dma_addr_t *addr,
			 size_t *size, enum dma_data_direction *dir, enum dmasim_map_kind *kind,
			 unsigned long attrs)
{
	struct dmasim_map *m = dmasim__map_release(d, call, *addr, *size, *dir, *kind, NULL,
						   &unmapping);

	if (!m)
		return false;
	if (m->kind != MAP_RESOURCE)
		dmasim__cachelines_del(d, m->phys, m->size, m->dir, m->attrs);
	/* The lines are the CPU's again: checked before the unmap's maintenance, then forgotten. */
	if (m->kind != MAP_RESOURCE && dmasim__own_tracked(d)) {
		if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
			dmasim__own_to_cpu(d, m, m->dma, m->size);
		dmasim__own_end(d, m->seq);
	}
	/* While it is released, reports about its memory still find it. */
	dmasim__map_releasing(m);
	/* The recorded size and direction are used: a wrong argument must not corrupt memory. */
	*addr = m->dma;
	*size = m->size;
	*dir = m->dir;
	*kind = m->kind;
	return true;
}

const struct dmasim_map *dmasim__debug_unmapping(void)
{
	return &unmapping;
}

bool dmasim__debug_sync(struct dmasim_device *d, const char *call, dma_addr_t addr, size_t size,
			enum dma_data_direction dir, bool for_cpu, struct dmasim_map *rec)
{
	struct dmasim_map *m;

	pthread_mutex_lock(&d->lock);
	m = dmasim__map_lookup_locked(d, addr);
	if (m) {
		/* Not the unused call-site frames: a whole-record copy is a block move. */
		dmasim__map_copy(rec, m);
		/* The CPU now sees what the device wrote (or is about to give it back). */
		m->dev_wrote = false;
	}
	pthread_mutex_unlock(&d->lock);
	if (!m || rec->kind == MAP_COHERENT) {
		dmasim__dev_report(d, "%s: device driver tries to sync DMA memory it has not allocated [device address=0x%016llx] [size=%zu bytes]",
				   call, (unsigned long long)addr, size);
		return false;
	}
	if (size > rec->size - (size_t)(addr - rec->dma)) {
		dmasim__dev_report(d, "%s: device driver syncs DMA memory outside allocated range [device address=0x%016llx] [allocation size=%zu bytes] [sync offset+size=%zu]",
				   call, (unsigned long long)rec->dma, rec->size,
				   (size_t)(addr - rec->dma) + size);
		return false;
	}
	if (rec->dir != DMA_BIDIRECTIONAL && rec->dir != dir)
		dmasim__debug_report(d, "%s: device driver syncs DMA memory with different direction [device address=0x%016llx] [size=%zu bytes] [mapped with %s] [synced with %s]",
				     call, (unsigned long long)rec->dma, rec->size,
				     dmasim__dir_name(rec->dir), dmasim__dir_name(dir));
	/* As check_sync(): syncing for the side that cannot have written is a sign of confusion. */
	if (rec->dir != DMA_BIDIRECTIONAL && for_cpu && rec->dir != DMA_FROM_DEVICE &&
	    dir != DMA_TO_DEVICE)
		dmasim__debug_report(d, "%s: device driver syncs device read-only DMA memory for cpu [device address=0x%016llx] [size=%zu bytes] [mapped with %s] [synced with %s]",
				     call, (unsigned long long)rec->dma, rec->size,
				     dmasim__dir_name(rec->dir), dmasim__dir_name(dir));
	if (rec->dir != DMA_BIDIRECTIONAL && !for_cpu && rec->dir != DMA_TO_DEVICE &&
	    dir != DMA_FROM_DEVICE)
		dmasim__debug_report(d, "%s: device driver syncs device write-only DMA memory to device [device address=0x%016llx] [size=%zu bytes] [mapped with %s] [synced with %s]",
				     call, (unsigned long long)rec->dma, rec->size,
				     dmasim__dir_name(rec->dir), dmasim__dir_name(dir));
	/*
	 * Giving a buffer back to the device although the device wrote it and the
	 * CPU never synced: the CPU cannot have seen that data.  The classic
	 * missing dma_sync_single_for_cpu() in a receive path.
	 */
	if (!for_cpu && rec->dev_wrote && rec->dir != DMA_TO_DEVICE) {
		char site[400];

		dmasim__debug_report(d, "%s: device driver gives DMA memory back to the device without syncing it for the CPU after the device wrote it (missing dma_sync_*_for_cpu()?) [device address=0x%016llx] [size=%zu bytes]%s",
				     call, (unsigned long long)rec->dma, rec->size,
				     dmasim__map_site(rec, site, sizeof(site)));
	}
	/* Before the maintenance: what the CPU wrote while the device owned the range. */
	if (for_cpu && dmasim__own_tracked(d))
		dmasim__own_to_cpu(d, rec, addr, size);
	return true;
}

/* ---- scatter-gather ---------------------------------------------------------- */

static void check_segment(struct dmasim_device *d, const char *call, struct scatterlist *s)
{
	unsigned long boundary = dma_get_seg_boundary(&d->dev);
	dma_addr_t start = sg_dma_address(s), end = start + sg_dma_len(s) - 1;

	if (sg_dma_len(s) > dma_get_max_seg_size(&d->dev))
		dmasim__debug_report(d, "%s: mapping sg segment longer than device claims to support [len=%u] [max=%u]",
				     call, sg_dma_len(s), dma_get_max_seg_size(&d->dev));
	if ((start & ~(dma_addr_t)boundary) != (end & ~(dma_addr_t)boundary))
		dmasim__debug_report(d, "%s: mapping sg segment across boundary [start=0x%016llx] [end=0x%016llx] [boundary=0x%016lx]",
				     call, (unsigned long long)start, (unsigned long long)end,
				     boundary);
}

/* The CPU entries of a mapped list count for the cache-line check, as the kernel's. */
static void sg_cachelines(struct dmasim_device *d, const char *call, struct scatterlist *sgl,
			  int nents, enum dma_data_direction dir, unsigned long attrs, bool add)
{
	struct scatterlist *s;
	int i;

	for_each_sg(sgl, s, nents, i) {
		if (!s)
			break;
		if (add)
			dmasim__cachelines_add(d, call, sg_phys(s), s->length, dir, attrs);
		else
			dmasim__cachelines_del(d, sg_phys(s), s->length, dir, attrs);
	}
}

bool dmasim__debug_map_sg(struct dmasim_device *d, const char *call, struct scatterlist *sgl,
			  int nents, int count, enum dma_data_direction dir, unsigned long attrs,
			  void *caller)
{
	struct scatterlist *s;
	int i;

	/* One entry per DMA segment. */
	for_each_sg(sgl, s, count, i) {
		dma_addr_t dma = sg_dma_address(s);
		struct dmasim_map tmpl = { .dma = dma, .size = sg_dma_len(s), .phys = sg_phys(s),
					   .tlb = s->dma_flags & 1 ? dmasim__dma_to_phys(d, dma) :
								     DMASIM_NO_TLB,
					   .dir = dir, .kind = MAP_SG, .attrs = attrs, .sg_head = sgl,
					   .sg_nents = nents, .checked = true, .caller = caller };

		struct dmasim_map *m = dmasim__map_add(d, &tmpl);

		if (!m) {
			struct dmasim_map rec;
			struct scatterlist *t;
			int j;

			for_each_sg(sgl, t, i, j)
				if (dmasim__map_take(d, sg_dma_address(t), MAP_SG, sgl, &rec))
					dmasim__own_end(d, rec.seq);
			return false;
		}
		/* The map's maintenance gave the segment's entries to the device. */
		if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && dmasim__own_tracked(d)) {
			tmpl.seq = m->seq;
			dmasim__own_to_device(d, &tmpl, dma, tmpl.size);
		}
		check_segment(d, call, s);
	}
	sg_cachelines(d, call, sgl, nents, dir, attrs, true);
	return true;
}

bool dmasim__debug_unmap_sg(struct dmasim_device *d, const char *call, struct scatterlist *sgl,
			    int *nents, enum dma_data_direction *dir, unsigned long attrs)
{
	struct scatterlist *s;
	int i, count = 0, given = *nents;

	sg_cachelines(d, call, sgl, given, *dir, attrs, false);
	/* Only what the entries vouch for is released: a bad list changes nothing. */
	for_each_sg(sgl, s, given, i) {
		struct dmasim_map *m, rec;

		if (i && !sg_dma_len(s))
			break; /* the segments end where the lengths do */
		m = dmasim__map_release(d, call, sg_dma_address(s), sg_dma_len(s), -1, MAP_SG, sgl,
					&rec);
		if (!m)
			break;
		if (m->sg_nents != given && !count)
			dmasim__debug_report(d, "%s: device driver frees DMA sg list with different entry count [map count=%d] [unmap count=%d]",
					     call, m->sg_nents, given);
		/* The segment's entries are the CPU's again: checked before the maintenance. */
		if (dmasim__own_tracked(d)) {
			if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
				dmasim__own_to_cpu(d, m, m->dma, m->size);
			dmasim__own_end(d, m->seq);
		}
		*dir = m->dir;
		count++;
	}
	/* The ops release exactly the segments the entries vouched for. */
	*nents = count;
	return count > 0;
}

void dmasim__debug_sync_sg(struct dmasim_device *d, const char *call, struct scatterlist *sgl,
			   int nelems)
{
	struct dmasim_map *m;
	int mapped = -1;

	pthread_mutex_lock(&d->lock);
	m = dmasim__map_lookup_locked(d, sg_dma_address(sgl));
	if (m && m->kind == MAP_SG && m->dma == sg_dma_address(sgl))
		mapped = m->sg_nents;
	pthread_mutex_unlock(&d->lock);
	/* As for unmapping: pass the count given to dma_map_sg(), not the one it returned. */
	if (mapped >= 0 && mapped != nelems)
		dmasim__debug_report(d, "%s: device driver syncs DMA sg list with different entry count [map count=%d] [sync count=%d]",
				     call, mapped, nelems);
}

/* ---- device accesses ----------------------------------------------------------- */

int dmasim__debug_dev_access(struct dmasim_device *d, const char *call, dma_addr_t addr,
			     size_t *len, bool write, struct dmasim_dev_access *acc)
{
	struct dmasim_map rec;
	int ret;

	/* Nothing stops real hardware on a bus window; the entries stand in for an IOMMU. */
	ret = dmasim__record_access(d, call, addr, *len, write, &rec, len, true, acc);
	if (ret)
		return ret;
	if (rec.kind == MAP_RESOURCE) {
		dmasim__debug_report(d, "%s: bus address 0x%016llx is a peer MMIO resource, which dmasim does not simulate",
				     call, (unsigned long long)addr);
		return -EFAULT;
	}
	return 0;
}

void dmasim__debug_dev_accessed(struct dmasim_device *d, const char *call, dma_addr_t addr,
				size_t len, bool write, enum dmasim_bus_reach reach)
{
	struct dmasim_map rec;
	size_t rchunk;

	if (write)
		dmasim__map_note_dev_write(d, addr);
	if (reach != BUS_REACH_DMA_API)
		return;
	/*
	 * The hardware let it through; say so when the DMA API no longer
	 * vouches for the address: a stale IOTLB entry in lazy mode.
	 */
	if (dmasim__record_access(d, call, addr, len, write, &rec, &rchunk, false, NULL) == -EFAULT) {
		phys_addr_t now;

		char reached[200], shared[600] = "", site[400];

		if (d->bus->resolve(d, addr, &now)) {
			dmasim__debug_report(d, "%s: device reached bus address 0x%016llx after it was unmapped (stale IOTLB entry; mode=lazy)",
					     call, (unsigned long long)addr);
			return;
		}
		/* Sub-page exposure: name what the device reached and the mapping that opened the page. */
		dmasim__debug_describe_phys(d->plat, now, reached, sizeof(reached));
		if (dmasim__map_find_bus(d, addr & PAGE_MASK, PAGE_SIZE, &rec))
			snprintf(shared, sizeof(shared), " [IOMMU page shared with the %s mapping at device address=0x%016llx] [size=%zu bytes]%s",
				 dmasim__map_kind_name(rec.kind), (unsigned long long)rec.dma,
				 rec.size, dmasim__map_site(&rec, site, sizeof(site)));
		dmasim__debug_report(d, "%s: device reached bus address 0x%016llx outside every buffer mapped for it (the IOMMU page is shared with a live mapping)%s%s",
				     call, (unsigned long long)addr, reached, shared);
	}
}

/* ---- allocations ------------------------------------------------------------- */

bool dmasim__debug_alloc(struct dmasim_device *d, const struct dmasim_alloc *a, size_t size,
			 enum dma_data_direction dir, enum dmasim_map_kind kind,
			 unsigned long attrs, void *caller)
{
	return dmasim__map_add(d, &(struct dmasim_map){
		.dma = a->dma, .size = size, .alloc_size = PAGE_ALIGN(size),
		.phys = page_to_phys(a->page ? a->page : a->pages[0]), .tlb = DMASIM_NO_TLB,
		.cpu = a->cpu, .dir = dir, .kind = kind, .attrs = attrs, .checked = true,
		.caller = caller }) != NULL;
}

static bool alloc_kind(enum dmasim_map_kind k)
{
	return k == MAP_COHERENT || k == MAP_PAGES;
}

bool dmasim__debug_free(struct dmasim_device *d, const char *call, size_t *size, void **cpu,
			dma_addr_t *dma, unsigned long *attrs, int dir, enum dmasim_map_kind kind)
{
	struct dmasim_map rec, *m = dmasim__map_release(d, call, *dma, *size, dir, kind, NULL, &rec);

	if (!m)
		return false;
	/* What a device owned of dma_alloc_pages()/_noncoherent() memory ends with it. */
	if (dmasim__own_tracked(d))
		dmasim__own_end(d, m->seq);
	/* As the kernel's check_unmap(): allocations must name their memory. */
	if (*cpu && *cpu != m->cpu && alloc_kind(kind))
		dmasim__debug_report(d, "%s: device driver frees DMA memory with different CPU address [device address=0x%016llx] [size=%zu bytes] [cpu alloc address=%p] [cpu free address=%p]",
				     call, (unsigned long long)*dma, m->size, m->cpu, *cpu);
	*size = m->size;
	*cpu = m->cpu;
	*dma = m->dma;
	*attrs = m->attrs;
	return true;
}

int dmasim__debug_alloc_export(struct dmasim_device *d, const char *call, void *cpu,
			       dma_addr_t dma, size_t size, enum dmasim_map_kind kind)
{
	struct dmasim_map *m, rec;

	pthread_mutex_lock(&d->lock);
	m = dmasim__map_lookup_locked(d, dma);
	if (m)
		rec = *m;
	pthread_mutex_unlock(&d->lock);
	if (kind == MAP_PAGES) {
		if (!m || rec.kind != MAP_PAGES || rec.dma != dma) {
			dmasim__dev_report(d, "%s: table %p is not from dma_alloc_noncontiguous()",
					   call, cpu);
			return -EINVAL;
		}
		return 0;
	}
	if (!m || rec.dma != dma || rec.kind != kind || rec.cpu != cpu) {
		dmasim__dev_report(d, "%s: %p / 0x%llx is not a coherent allocation of this device",
				   call, cpu, (unsigned long long)dma);
		return -EINVAL;
	}
	if (size > rec.alloc_size) {
		dmasim__dev_report(d, "%s: size %zu is larger than the allocation (%zu)", call, size,
				   rec.size);
		return -EINVAL;
	}
	return 0;
}
