/*
 * lib/debug/memory.c - DMA-API debugging's checks that join the driver's
 * memory to the device's view of it: memory freed while a device may still
 * use it, and what a stray device access landed in.  Only with debug on.
 *
 * The kernel once checked the first (debug_dma_assert_idle(), on pages it
 * was about to reuse); the second only a simulator can see: behind an IOMMU
 * the rest of a mapped page is open to the device, and whatever the
 * allocator put next to the buffer is exposed.
 *
 * May use: lib/debug/debug.h (and through it the machine's memory).
 */
#include "debug/debug.h"

static const char *what_kind(enum dmasim_map_kind k)
{
	return k == MAP_COHERENT || k == MAP_PAGES ? "allocated" : "mapped";
}

/* Page by page through the IOMMU: does a scattered record reach [@phys, @phys+@size)? */
static bool scattered_overlap(struct dmasim_device *d, phys_addr_t phys, size_t size,
			      struct dmasim_map *rec)
{
	struct dmasim_map cur;
	bool more = dmasim__map_next(d, NULL, &cur);

	for (; more; more = dmasim__map_next(d, &cur, &cur)) {
		if (!dmasim__map_scattered(d, &cur))
			continue;
		for (dma_addr_t a = cur.dma; a < cur.dma + cur.size;
		     a = (a & PAGE_MASK) + PAGE_SIZE) {
			phys_addr_t at;
			size_t n = PAGE_SIZE - (a & ~PAGE_MASK);

			if (n > cur.dma + cur.size - a)
				n = (size_t)(cur.dma + cur.size - a);
			if (!d->bus->resolve(d, a, &at) && at < phys + size && phys < at + n) {
				*rec = cur;
				return true;
			}
		}
	}
	return false;
}

bool dmasim__debug_check_freed(struct dmasim_platform *p, const char *call, const void *cpu,
			       phys_addr_t phys, size_t size)
{
	struct dmasim_device *d;
	struct dmasim_map rec;
	char site[400];
	bool found = false;

	/* dev_lock -> d->lock (the scan), then the report (the log, last in the lock order). */
	pthread_mutex_lock(&p->dev_lock);
	LIST_FOREACH(d, &p->devices, link) {
		bool scattered = false;

		if (!dmasim__map_find_overlap(d, phys, size, &rec, &scattered) &&
		    !(scattered && scattered_overlap(d, phys, size, &rec)))
			continue;
		dmasim__debug_report(d, "%s: device driver frees memory still %s for DMA [cpu address=%p] [phys 0x%llx+%zu] [%s %s at device address=0x%016llx] [size=%zu bytes] [%s]%s",
				     call, what_kind(rec.kind), cpu, (unsigned long long)phys, size,
				     what_kind(rec.kind), dmasim__map_kind_name(rec.kind),
				     (unsigned long long)rec.dma, rec.size, dmasim__dir_name(rec.dir),
				     dmasim__map_site(&rec, site, sizeof(site)));
		found = true;
		break; /* one report per free */
	}
	pthread_mutex_unlock(&p->dev_lock);
	return found;
}

void dmasim__debug_describe_phys(struct dmasim_platform *p, phys_addr_t phys, char *buf,
				 size_t len)
{
	char what[160];

	dmasim__describe_phys(p, phys, what, sizeof(what));
	snprintf(buf, len, " [phys 0x%llx is in %s]", (unsigned long long)phys, what);
}
