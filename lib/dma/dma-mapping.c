/*
 * lib/dma/dma-mapping.c - the DMA API layer for masks, queries, streaming and
 * scatter-gather mappings, syncs and the two-step IOVA API.
 *
 * Every entry point validates its arguments the way the kernel does (and the
 * way CONFIG_DMA_API_DEBUG checks them), answers bad input with the kernel's
 * failure value plus one "DMA-API: <device>: ..." report, keeps the mapping
 * records in device.c, and leaves the translation to the device's ops.  It
 * never names a backend.
 */
#include <string.h>

#include "dma/dma.h"
#include "debug/debug.h"
#include "dma/dma-direct.h"

/* ---- helpers ----------------------------------------------------------------- */

static bool check_dir(struct dmasim_device *d, const char *call, int dir)
{
	if (valid_dma_direction((enum dma_data_direction)dir))
		return true;
	dmasim__dev_report(d, "%s: invalid DMA direction %d (DMA_NONE or out of range)", call, dir);
	return false;
}

static u64 dev_mask(struct dmasim_device *d)
{
	return d->dev.dma_mask ? *d->dev.dma_mask : 0;
}

static bool mask_supported(struct dmasim_device *d, u64 mask)
{
	return mask && d->ops->mask_supported(d, mask);
}

/* ---- masks and queries ------------------------------------------------------ */

int dma_supported(struct device *dev, u64 mask)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_supported");

	return d && mask_supported(d, mask);
}

int dma_set_mask(struct device *dev, u64 mask)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_set_mask");

	if (!d)
		return -EIO;
	if (!dev->dma_mask || !mask_supported(d, mask)) {
		dmasim__log(d->plat, DMASIM_LOG_WARN,
			    "%s: dma_set_mask: mask 0x%llx reaches no usable memory or bounce buffer",
			    d->name, (unsigned long long)mask);
		return -EIO;
	}
	*dev->dma_mask = mask;
	return 0;
}

int dma_set_coherent_mask(struct device *dev, u64 mask)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_set_coherent_mask");

	if (!d)
		return -EIO;
	if (!mask_supported(d, mask)) {
		dmasim__log(d->plat, DMASIM_LOG_WARN,
			    "%s: dma_set_coherent_mask: mask 0x%llx reaches no usable memory",
			    d->name, (unsigned long long)mask);
		return -EIO;
	}
	dev->coherent_dma_mask = mask;
	return 0;
}

int dma_set_mask_and_coherent(struct device *dev, u64 mask)
{
	int ret = dma_set_mask(dev, mask);

	if (!ret)
		ret = dma_set_coherent_mask(dev, mask);
	return ret;
}

int dma_coerce_mask_and_coherent(struct device *dev, u64 mask)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_coerce_mask_and_coherent");

	if (!d)
		return -EIO;
	dev->dma_mask = &d->dma_mask;
	return dma_set_mask_and_coherent(dev, mask);
}

u64 dma_get_mask(struct device *dev)
{
	if (dev && dev->dma_mask && *dev->dma_mask)
		return *dev->dma_mask;
	return DMA_BIT_MASK(32);
}

u64 dma_get_required_mask(struct device *dev)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_get_required_mask");

	return d ? d->ops->required_mask(d) : 0;
}

bool dma_addressing_limited(struct device *dev)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_addressing_limited");

	if (!d)
		return false;
	return dmasim__dev_limit(d, dev_mask(d)) < d->ops->required_mask(d);
}

size_t dma_max_mapping_size(struct device *dev)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_max_mapping_size");

	return d ? d->ops->max_mapping_size(d) : 0;
}

size_t dma_opt_mapping_size(struct device *dev)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_opt_mapping_size");
	size_t opt, max;

	if (!d)
		return 0;
	opt = d->ops->opt_mapping_size(d);
	max = d->ops->max_mapping_size(d);
	return opt < max ? opt : max;
}

bool dma_need_sync(struct device *dev, dma_addr_t dma_addr)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_need_sync");

	if (!d)
		return false;
	return d->ops->need_sync(d, dma_addr);
}

bool dma_need_unmap(struct device *dev)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_need_unmap");

	if (!d)
		return true;
	/* Debugging keeps records that only an unmap releases, as CONFIG_DMA_API_DEBUG. */
	return d->plat->debug || !dev->dma_coherent || d->ops->may_bounce(d);
}

unsigned long dma_get_merge_boundary(struct device *dev)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_get_merge_boundary");

	return d ? d->ops->merge_boundary(d) : 0;
}

unsigned int dma_get_max_seg_size(struct device *dev)
{
	if (dev && dev->dma_parms && dev->dma_parms->max_segment_size)
		return dev->dma_parms->max_segment_size;
	return 65536;
}

int dma_set_max_seg_size(struct device *dev, unsigned int size)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_set_max_seg_size");

	if (!d || !dev->dma_parms)
		return -EIO;
	if (!size) {
		dmasim__dev_report(d, "dma_set_max_seg_size: size 0 is invalid");
		return -EINVAL;
	}
	dev->dma_parms->max_segment_size = size;
	return 0;
}

unsigned long dma_get_seg_boundary(struct device *dev)
{
	if (dev && dev->dma_parms && dev->dma_parms->segment_boundary_mask)
		return dev->dma_parms->segment_boundary_mask;
	return ~0UL;
}

unsigned long dma_get_seg_boundary_nr_pages(struct device *dev, unsigned int page_shift)
{
	if (!dev)
		return (0xffffffffUL >> page_shift) + 1;
	return (dma_get_seg_boundary(dev) >> page_shift) + 1;
}

int dma_set_seg_boundary(struct device *dev, unsigned long mask)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_set_seg_boundary");

	if (!d || !dev->dma_parms)
		return -EIO;
	if (mask != ~0UL && ((mask + 1) & mask)) {
		dmasim__dev_report(d, "dma_set_seg_boundary: mask 0x%lx is not 2^n - 1", mask);
		return -EINVAL;
	}
	dev->dma_parms->segment_boundary_mask = mask;
	return 0;
}

void dma_set_min_align_mask(struct device *dev, unsigned int min_align_mask)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_set_min_align_mask");

	if (!d || !dev->dma_parms)
		return;
	if ((min_align_mask + 1) & min_align_mask) {
		dmasim__dev_report(d, "dma_set_min_align_mask: mask 0x%x is not 2^n - 1",
				   min_align_mask);
		return;
	}
	dev->dma_parms->min_align_mask = min_align_mask;
}

unsigned int dma_get_min_align_mask(struct device *dev)
{
	return dev && dev->dma_parms ? dev->dma_parms->min_align_mask : 0;
}

int dma_get_cache_alignment(void)
{
	struct dmasim_platform *p = dmasim_platform_current();

	/* The current machine's cache line, at least ARCH_DMA_MINALIGN. */
	return p && p->cache && p->cache->line > ARCH_DMA_MINALIGN ? (int)p->cache->line :
								    ARCH_DMA_MINALIGN;
}

/* ---- map error checking ------------------------------------------------------- */

int dma_mapping_error(struct device *dev, dma_addr_t dma_addr)
{
	struct dmasim_device *d;

	if (dma_addr == DMA_MAPPING_ERROR)
		return -ENOMEM;
	d = dev && dev->dmasim_magic == DMASIM_DEVICE_MAGIC ? to_dmasim(dev) : NULL;
	if (d) /* only the unchecked-error report needs to know */
		debug_dma_mapping_error(d, dma_addr);
	return 0;
}

/* ---- streaming mappings --------------------------------------------------------- */

/* Why a streaming map's arguments are refused: the report (the cold half of map_common). */
static __attribute__((noinline, cold)) dma_addr_t map_refuse(struct dmasim_device *d,
							     const char *call, phys_addr_t phys,
							     size_t size, int dir)
{
	if (!check_dir(d, call, dir))
		return DMA_MAPPING_ERROR;
	if (!size)
		dmasim__dev_report(d, "%s: size 0", call);
	else if (!dmasim__phys_range_ok(d->plat, phys, size))
		dmasim__dev_report(d, "%s: [phys 0x%llx + %zu] is not inside one RAM region", call,
				   (unsigned long long)phys, size);
	else
		dmasim__dev_report(d, "%s: device has no DMA mask", call);
	return DMA_MAPPING_ERROR;
}

static __attribute__((noinline, cold)) void trace_map(struct dmasim_device *d, const char *call,
						      phys_addr_t phys, void *cpu, size_t size,
						      enum dma_data_direction dir, dma_addr_t dma,
						      phys_addr_t tlb, int ret)
{
	DMASIM_TRACE_DEV(d, .ev = "map", .call = call, .cpu = cpu, .has_cpu = cpu != NULL,
			 .phys = phys, .has_phys = true, .bus = dma, .has_bus = !ret, .size = size,
			 .dir = dir, .has_dir = true, .bounced = !ret && tlb != DMASIM_NO_TLB,
			 .ret = ret);
}

/* Whether [phys, phys+size) lies in region @r (NULL: in some one RAM region). */
static inline bool in_ram(struct dmasim_device *d, const struct dmasim_region *r, phys_addr_t phys,
			  size_t size)
{
	if (!r)
		return dmasim__phys_range_ok(d->plat, phys, size);
	return phys >= r->base && size <= r->size - (phys - r->base);
}

/* One dispatch: dma-direct inline when the device's ops are dma-direct, as dma_map_direct(). */
static inline __attribute__((always_inline)) int
map_dispatch(struct dmasim_device *d, phys_addr_t phys, size_t size, enum dma_data_direction dir,
	     unsigned long attrs, dma_addr_t *dma, phys_addr_t *tlb)
{
	if (__builtin_expect(d->dma_direct, 1))
		return dmasim__direct_map_phys(d, phys, size, dir, attrs, dma, tlb);
	return d->ops->map_phys(d, phys, size, dir, attrs, dma, tlb);
}

static inline __attribute__((always_inline)) void
unmap_dispatch(struct dmasim_device *d, dma_addr_t dma, size_t size, enum dma_data_direction dir,
	       unsigned long attrs)
{
	if (__builtin_expect(d->dma_direct, 1))
		dmasim__direct_unmap_phys(d, dma, size, dir, attrs);
	else
		d->ops->unmap_phys(d, dma, size, dir, attrs);
}

/* Whether fault injection, tracing or debugging is on: each one load, one test for all. */
static inline bool map_hooks_on(const struct dmasim_platform *p)
{
	/* tracing read as the byte it is: a bool load would be normalised to 0/1 again. */
	return __builtin_expect(__atomic_load_n(&p->fail_rules, __ATOMIC_RELAXED) |
					__atomic_load_n((const unsigned char *)&p->tracing,
							__ATOMIC_ACQUIRE) |
					p->debug,
				0);
}

/*
 * A streaming map with some hook on: the fault-injection hook, one
 * dispatch, the trace hook, the debug hook.  @page: the map's page (then
 * @cpu is its offset's CPU address, found here), or NULL with @cpu given.
 * Inline: a frame of its own would be one more for debugging's call-site
 * capture to walk on every map (~90 instructions).
 */
static inline __attribute__((always_inline)) dma_addr_t
map_hooked(struct dmasim_device *d, const char *call, phys_addr_t phys, const struct page *page,
	   size_t offset, void *cpu, size_t size, enum dma_data_direction dir, unsigned long attrs,
	   enum dmasim_map_kind kind, void *caller)
{
	dma_addr_t dma;
	phys_addr_t tlb;
	int ret;

	if (page) {
		cpu = dmasim__page_linear(page);
		cpu = cpu ? (char *)cpu + offset : NULL;
	}
	ret = dmasim__should_fail(d->plat, FAIL_MAP, d, call) ? -ENOMEM :
		map_dispatch(d, phys, size, dir, attrs, &dma, &tlb);
	if (__builtin_expect(DMASIM_TRACING(d->plat), 0))
		trace_map(d, call, phys, cpu, size, dir, dma, tlb, ret ? -ENOMEM : 0);
	if (ret)
		return DMA_MAPPING_ERROR;
	if (!debug_dma_map_phys(d, call, phys, cpu, size, dir, attrs, kind, dma, tlb, caller)) {
		unmap_dispatch(d, dma, size, dir, DMA_ATTR_SKIP_CPU_SYNC);
		return DMA_MAPPING_ERROR;
	}
	return dma;
}

/*
 * Every streaming map: the checks, once; then, with no hook on, one
 * dispatch (dma-direct inline); else map_hooked().  Inlined into each public
 * entry point; the reports are out of line.  @r: the region @phys is known
 * to lie in, or NULL.  @page, @offset, @cpu: as map_hooked().
 */
static inline __attribute__((always_inline)) dma_addr_t
map_common(struct dmasim_device *d, const char *call, const struct dmasim_region *r,
	   phys_addr_t phys, const struct page *page, size_t offset, void *cpu, size_t size,
	   enum dma_data_direction dir, unsigned long attrs, enum dmasim_map_kind kind,
	   void *caller)
{
	dma_addr_t dma;
	phys_addr_t tlb;

	if (__builtin_expect(!valid_dma_direction(dir) || !size || !in_ram(d, r, phys, size) ||
			     !d->dev.dma_mask, 0))
		return map_refuse(d, call, phys, size, dir);
	if (map_hooks_on(d->plat))
		return map_hooked(d, call, phys, page, offset, cpu, size, dir, attrs, kind, caller);
	if (map_dispatch(d, phys, size, dir, attrs, &dma, &tlb))
		return DMA_MAPPING_ERROR;
	return dma;
}

dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size,
				enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_map_single");
	phys_addr_t phys;
	char why[384];

	if (!d)
		return DMA_MAPPING_ERROR;
	if (!ptr || dmasim__linear_to_phys(d->plat, ptr, &phys)) {
		dmasim__explain_addr(d->plat, ptr, why, sizeof(why));
		dmasim__dev_report(d, "dma_map_single: rejecting DMA map of %s", why);
		return DMA_MAPPING_ERROR;
	}
	return map_common(d, "dma_map_single", NULL, phys, NULL, 0, ptr, size, dir, attrs,
			  MAP_SINGLE, __builtin_return_address(0));
}

/*
 * The driver's return address for map_page_full(), which dma_map_page_attrs()
 * tail-calls: set just before the jump, read first thing after it.
 */
static _Thread_local __attribute__((tls_model("initial-exec"))) void *map_page_caller;

/*
 * dma_map_page_attrs() but for its fast path: every check and report, the
 * hooks, dma-iommu, bouncing, cache maintenance.  Reached by a tail call,
 * so that debugging's call-site capture walks no extra frame.
 */
static __attribute__((noinline)) dma_addr_t map_page_full(struct device *dev, struct page *page,
							 size_t offset, size_t size,
							 enum dma_data_direction dir,
							 unsigned long attrs)
{
	void *caller = map_page_caller;
	struct dmasim_device *d = dmasim__dev(dev, "dma_map_page");
	const struct dmasim_region *r;

	if (!d)
		return DMA_MAPPING_ERROR;
	if (!page) {
		dmasim__dev_report(d, "dma_map_page: NULL page");
		return DMA_MAPPING_ERROR;
	}
	/* The region once (an atomic load the compiler does not merge): platform, range, phys. */
	r = dmasim__page_region(page);
	if (!r || r->plat != d->plat) {
		dmasim__dev_report(d, "dma_map_page: page belongs to another platform");
		return DMA_MAPPING_ERROR;
	}
	return map_common(d, "dma_map_page", r, dmasim__region_page_phys(r, page) + offset, page,
			  offset, NULL, size, dir, attrs, MAP_PAGE, caller);
}

/*
 * The DMA ops' map with every check done and no hook on (map_common()'s
 * path then): a tail call from dma_map_page_attrs(), so that the frame is
 * only this one.
 */
static __attribute__((noinline)) dma_addr_t map_ops(struct dmasim_device *d, phys_addr_t phys,
						     size_t size, enum dma_data_direction dir,
						     unsigned long attrs)
{
	dma_addr_t dma;
	phys_addr_t tlb;

	if (d->ops->map_phys(d, phys, size, dir, attrs, &dma, &tlb))
		return DMA_MAPPING_ERROR;
	return dma;
}

/*
 * The fast path, with no frame: a page of this platform, arguments valid,
 * no hook on.  dma-direct, reachable without bouncing and with no cache
 * maintenance (a coherent device, or DMA_ATTR_SKIP_CPU_SYNC), is its bus
 * address; other DMA ops are one tail call to map_ops().  Everything else
 * (the same checks again, in the same order, the reports and the hooks) is
 * map_page_full(), a tail call too.
 */
dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page, size_t offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	if (__builtin_expect(dev && dev->dmasim_magic == DMASIM_DEVICE_MAGIC && page, 1)) {
		struct dmasim_device *d = to_dmasim(dev);
		const struct dmasim_region *r = dmasim__page_region(page);

		if (__builtin_expect(r && r->plat == d->plat && !map_hooks_on(d->plat) &&
					     valid_dma_direction(dir) && size && d->dev.dma_mask,
				     1)) {
			phys_addr_t phys = dmasim__region_page_phys(r, page) + offset;

			if (__builtin_expect(!in_ram(d, r, phys, size), 0))
				goto full;
			if (__builtin_expect(!d->dma_direct, 0))
				return map_ops(d, phys, size, dir, attrs);
			if (__builtin_expect(phys >= d->bus_offset && !d->bounce_all &&
						     phys - d->bus_offset + size - 1 <=
							     dmasim__dev_limit(d, *d->dev.dma_mask) &&
						     (d->dev.dma_coherent ||
						      (attrs & DMA_ATTR_SKIP_CPU_SYNC)),
					     1))
				return phys - d->bus_offset;
		}
	}
full:
	map_page_caller = __builtin_return_address(0);
	return map_page_full(dev, page, offset, size, dir, attrs);
}

dma_addr_t dma_map_resource(struct device *dev, phys_addr_t phys_addr, size_t size,
			    enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_map_resource");
	dma_addr_t dma;

	if (!d || !check_dir(d, "dma_map_resource", dir))
		return DMA_MAPPING_ERROR;
	if (!size) {
		dmasim__dev_report(d, "dma_map_resource: size 0");
		return DMA_MAPPING_ERROR;
	}
	for (int i = 0; i < d->plat->nr_regions; i++) {
		struct dmasim_region *r = &d->plat->regions[i];

		if (phys_addr < r->base + r->size && r->base < phys_addr + size) {
			dmasim__dev_report(d, "dma_map_resource: [0x%llx + %zu] is RAM, not MMIO; use dma_map_page()",
					   (unsigned long long)phys_addr, size);
			return DMA_MAPPING_ERROR;
		}
	}
	if (dmasim__should_fail(d->plat, FAIL_MAP, d, "dma_map_resource") ||
	    d->ops->map_resource(d, phys_addr, size, dir, &dma))
		return DMA_MAPPING_ERROR;
	if (!debug_dma_map_record(d, &(struct dmasim_map){ .dma = dma, .size = size,
							   .phys = phys_addr, .tlb = DMASIM_NO_TLB,
							   .dir = dir, .kind = MAP_RESOURCE,
							   .attrs = attrs,
							   .caller = __builtin_return_address(0) })) {
		if (d->ops->unmap_resource)
			d->ops->unmap_resource(d, dma, size, dir, attrs);
		return DMA_MAPPING_ERROR;
	}
	return dma;
}

static __attribute__((noinline, cold)) void unmap_refuse(struct dmasim_device *d,
							 const char *call, dma_addr_t addr,
							 size_t size)
{
	/* The words of the debug layer's reports of the same (docs/debugging.md: always). */
	if (addr == DMA_MAPPING_ERROR)
		dmasim__dev_report(d, "%s: device driver tries to free an invalid DMA memory address",
				   call);
	else
		dmasim__dev_report(d, "%s: size 0 [device address=0x%016llx]", call,
				   (unsigned long long)addr);
}

static __attribute__((noinline, cold)) void trace_unmap(struct dmasim_device *d,
							const char *call, dma_addr_t addr,
							size_t size, enum dma_data_direction dir)
{
	const struct dmasim_map *m = dmasim__debugging(d) ? dmasim__debug_unmapping() : NULL;

	DMASIM_TRACE_DEV(d, .ev = "unmap", .call = call, .cpu = m ? m->cpu : NULL,
			 .has_cpu = m && m->cpu, .phys = m ? m->phys : 0, .has_phys = m != NULL,
			 .bus = addr, .has_bus = true, .size = size, .dir = dir, .has_dir = true,
			 .bounced = m && m->tlb != DMASIM_NO_TLB);
}

static const char *unmap_call(enum dmasim_map_kind kind)
{
	return kind == MAP_SINGLE ? "dma_unmap_single" :
	       kind == MAP_PAGE   ? "dma_unmap_page" :
				    "dma_unmap_resource";
}

/*
 * An unmap with debugging or tracing on: the debug verdict, the trace hook,
 * one dispatch.  Six arguments (the call's name from @kind), so that the
 * fast path reaches it by a tail call.
 */
static __attribute__((noinline)) void unmap_hooked(struct dmasim_device *d, dma_addr_t addr,
						   size_t size, enum dma_data_direction dir,
						   unsigned long attrs, enum dmasim_map_kind kind)
{
	const char *call = unmap_call(kind);

	if (__builtin_expect((addr == DMA_MAPPING_ERROR || !size) && !dmasim__debugging(d), 0)) {
		unmap_refuse(d, call, addr, size);
		return;
	}
	/* The debug verdict comes first: a debugging run never releases what was not mapped. */
	if (!debug_dma_unmap(d, call, &addr, &size, &dir, &kind, attrs))
		return;
	if (__builtin_expect(DMASIM_TRACING(d->plat), 0))
		trace_unmap(d, call, addr, size, dir);
	if (kind != MAP_RESOURCE)
		unmap_dispatch(d, addr, size, dir, attrs);
	else if (d->ops->unmap_resource)
		d->ops->unmap_resource(d, addr, size, dir, attrs);
	debug_dma_unmap_done(d);
}

/* Every unmap: the checks, once; with debugging and tracing off, one dispatch. */
static inline __attribute__((always_inline)) void
unmap_common(struct device *dev, const char *call, dma_addr_t addr, size_t size,
	     enum dma_data_direction dir, unsigned long attrs, enum dmasim_map_kind kind)
{
	struct dmasim_device *d;
	const struct dmasim_platform *p;

	/* Every way out of the fast path is a tail call: it needs no frame. */
	if (__builtin_expect(!dev || dev->dmasim_magic != DMASIM_DEVICE_MAGIC, 0)) {
		dmasim__dev_slow(dev, call);
		return;
	}
	d = to_dmasim(dev);
	if (!check_dir(d, call, dir))
		return;
	p = d->plat;
	if (__builtin_expect(DMASIM_TRACING(p) | p->debug, 0)) {
		unmap_hooked(d, addr, size, dir, attrs, kind);
		return;
	}
	if (__builtin_expect(addr == DMA_MAPPING_ERROR || !size, 0)) {
		unmap_refuse(d, call, addr, size);
		return;
	}
	if (kind != MAP_RESOURCE)
		unmap_dispatch(d, addr, size, dir, attrs);
	else if (d->ops->unmap_resource)
		d->ops->unmap_resource(d, addr, size, dir, attrs);
}

void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size,
			    enum dma_data_direction dir, unsigned long attrs)
{
	unmap_common(dev, "dma_unmap_single", addr, size, dir, attrs, MAP_SINGLE);
}

void dma_unmap_page_attrs(struct device *dev, dma_addr_t addr, size_t size,
			  enum dma_data_direction dir, unsigned long attrs)
{
	unmap_common(dev, "dma_unmap_page", addr, size, dir, attrs, MAP_PAGE);
}

void dma_unmap_resource(struct device *dev, dma_addr_t addr, size_t size,
			enum dma_data_direction dir, unsigned long attrs)
{
	unmap_common(dev, "dma_unmap_resource", addr, size, dir, attrs, MAP_RESOURCE);
}

/* ---- scatter-gather ----------------------------------------------------------------- */

/*
 * Every sg entry point's check of its list and count, so all refuse the same
 * lists the same way: a list, at least one entry, and no more entries than
 * the list holds.  The walk stops at @nents entries or the end marker,
 * whichever comes first, so a count beyond the list is caught without looking
 * past its end (and a long list is not walked to its end for a short count).
 */
static bool sg_list_ok(struct dmasim_device *d, const char *call, struct scatterlist *sgl,
		       int nents)
{
	struct scatterlist *s = sgl;
	int held = 0;

	if (!sgl || nents <= 0) {
		dmasim__dev_report(d, "%s: %s (nents %d)", call, sgl ? "no entries" : "NULL scatterlist",
				   nents);
		return false;
	}
	while (s && held < nents) {
		held++;
		s = sg_next(s);
	}
	if (held < nents) {
		dmasim__dev_report(d, "%s: nents %d is more than the list holds (%d entries)", call,
				   nents, held);
		return false;
	}
	return true;
}

/* Map a list; return the DMA segment count or a negative errno. */
static int map_sg(struct dmasim_device *d, const char *call, struct scatterlist *sgl, int nents,
		  enum dma_data_direction dir, unsigned long attrs, void *caller)
{
	struct scatterlist *s;
	int i, count;

	if (!check_dir(d, call, dir))
		return -EINVAL;
	if (!sg_list_ok(d, call, sgl, nents))
		return -EINVAL;
	for_each_sg(sgl, s, nents, i) {
		if (!sg_page(s) || !s->length) {
			dmasim__dev_report(d, "%s: entry %d has %s", call, i,
					   !sg_page(s) ? "no page" : "length 0");
			return -EINVAL;
		}
		if (dmasim__page_platform(sg_page(s)) != d->plat) {
			dmasim__dev_report(d, "%s: entry %d is memory of another platform", call, i);
			return -EINVAL;
		}
		if (!dmasim__phys_range_ok(d->plat, sg_phys(s), s->length)) {
			dmasim__dev_report(d, "%s: entry %d [phys 0x%llx + %u] is not inside one RAM region",
					   call, i, (unsigned long long)sg_phys(s), s->length);
			return -EINVAL;
		}
	}
	if (dmasim__should_fail(d->plat, FAIL_MAP, d, call))
		return -ENOMEM;
	count = d->ops->map_sg(d, sgl, nents, dir, attrs);
	if (count < 0)
		return count;
	for_each_sg(sgl, s, count, i) {
		DMASIM_TRACE_DEV(d, .ev = "map", .call = call, .phys = sg_phys(s), .has_phys = true,
				 .bus = sg_dma_address(s), .has_bus = true, .size = sg_dma_len(s),
				 .dir = dir, .has_dir = true, .bounced = s->dma_flags & 1);
	}
	if (!debug_dma_map_sg(d, call, sgl, nents, count, dir, attrs, caller)) {
		d->ops->unmap_sg(d, sgl, nents, dir, DMA_ATTR_SKIP_CPU_SYNC);
		return -ENOMEM;
	}
	return count;
}

unsigned int dma_map_sg_attrs(struct device *dev, struct scatterlist *sg, int nents,
			      enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_map_sg");
	int ret;

	if (!d)
		return 0;
	ret = map_sg(d, "dma_map_sg", sg, nents, dir, attrs, __builtin_return_address(0));
	return ret < 0 ? 0 : (unsigned int)ret;
}

/* One "unmap" event per DMA segment, as map_sg() traced one "map" per segment. */
static __attribute__((noinline, cold)) void trace_unmap_sg(struct dmasim_device *d,
							   struct scatterlist *sgl, int nents,
							   enum dma_data_direction dir)
{
	struct scatterlist *s;
	int i;

	for_each_sg(sgl, s, nents, i) {
		if (!sg_dma_len(s))
			break;
		DMASIM_TRACE_DEV(d, .ev = "unmap", .call = "dma_unmap_sg", .bus = sg_dma_address(s),
				 .has_bus = true, .size = sg_dma_len(s), .dir = dir, .has_dir = true);
	}
}

void dma_unmap_sg_attrs(struct device *dev, struct scatterlist *sg, int nents,
			enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_unmap_sg");

	if (!d || !check_dir(d, "dma_unmap_sg", dir))
		return;
	if (!sg_list_ok(d, "dma_unmap_sg", sg, nents))
		return;
	if (!debug_dma_unmap_sg(d, "dma_unmap_sg", sg, &nents, &dir, attrs))
		return;
	if (__builtin_expect(DMASIM_TRACING(d->plat), 0))
		trace_unmap_sg(d, sg, nents, dir);
	d->ops->unmap_sg(d, sg, nents, dir, attrs);
}

int dma_map_sgtable(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir,
		    unsigned long attrs)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_map_sgtable");
	int ret;

	if (!d)
		return -EINVAL;
	if (!sgt) {
		dmasim__dev_report(d, "dma_map_sgtable: NULL sg_table");
		return -EINVAL;
	}
	ret = map_sg(d, "dma_map_sgtable", sgt->sgl, (int)sgt->orig_nents, dir, attrs,
		     __builtin_return_address(0));
	if (ret < 0)
		return ret;
	sgt->nents = (unsigned int)ret;
	return 0;
}

void dma_unmap_sgtable(struct device *dev, struct sg_table *sgt, enum dma_data_direction dir,
		       unsigned long attrs)
{
	if (!sgt) {
		struct dmasim_device *d = dmasim__dev(dev, "dma_unmap_sgtable");

		if (d)
			dmasim__dev_report(d, "dma_unmap_sgtable: NULL sg_table");
		return;
	}
	dma_unmap_sg_attrs(dev, sgt->sgl, (int)sgt->orig_nents, dir, attrs);
}

/* ---- sync ------------------------------------------------------------------------------ */

static void sync_one(struct dmasim_device *d, const char *call, dma_addr_t addr, size_t size,
		     enum dma_data_direction dir, bool for_cpu)
{
	struct dmasim_map rec;

	if (!size) {
		dmasim__dev_report(d, "%s: size 0 [device address=0x%016llx]", call,
				   (unsigned long long)addr);
		return;
	}
	/* The debug verdict first; then the sync follows the mapping's direction. */
	if (!debug_dma_sync(d, call, addr, size, dir, for_cpu, &rec))
		return;
	if (dmasim__debugging(d)) {
		dir = rec.dir;
		DMASIM_TRACE_DEV(d, .ev = for_cpu ? "sync_for_cpu" : "sync_for_device", .call = call,
				 .phys = rec.phys + (addr - rec.dma), .has_phys = true, .bus = addr,
				 .has_bus = true, .size = size, .dir = rec.dir, .has_dir = true,
				 .bounced = rec.tlb != DMASIM_NO_TLB);
	}
	if (for_cpu)
		d->ops->sync_for_cpu(d, addr, size, dir);
	else
		d->ops->sync_for_device(d, addr, size, dir);
	debug_dma_sync_done(d, &rec, addr, size, for_cpu);
}

static void sync_single(struct device *dev, const char *call, dma_addr_t addr, size_t size,
			enum dma_data_direction dir, bool for_cpu)
{
	struct dmasim_device *d = dmasim__dev(dev, call);

	if (d && check_dir(d, call, dir))
		sync_one(d, call, addr, size, dir, for_cpu);
}

void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size,
			     enum dma_data_direction dir)
{
	sync_single(dev, "dma_sync_single_for_cpu", addr, size, dir, true);
}

void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size,
				enum dma_data_direction dir)
{
	sync_single(dev, "dma_sync_single_for_device", addr, size, dir, false);
}

void dma_sync_single_range_for_cpu(struct device *dev, dma_addr_t addr, unsigned long offset,
				   size_t size, enum dma_data_direction dir)
{
	sync_single(dev, "dma_sync_single_range_for_cpu", addr + offset, size, dir, true);
}

void dma_sync_single_range_for_device(struct device *dev, dma_addr_t addr, unsigned long offset,
				      size_t size, enum dma_data_direction dir)
{
	sync_single(dev, "dma_sync_single_range_for_device", addr + offset, size, dir, false);
}

static void sync_sg(struct device *dev, const char *call, struct scatterlist *sgl, int nelems,
		    enum dma_data_direction dir, bool for_cpu)
{
	struct dmasim_device *d = dmasim__dev(dev, call);
	struct scatterlist *s;
	int i;

	if (!d || !check_dir(d, call, dir))
		return;
	if (!sg_list_ok(d, call, sgl, nelems))
		return;
	debug_dma_sync_sg(d, call, sgl, nelems);
	for_each_sg(sgl, s, nelems, i) {
		if (i && !sg_dma_len(s))
			break; /* merged lists have fewer DMA segments than entries */
		sync_one(d, call, sg_dma_address(s), sg_dma_len(s), dir, for_cpu);
	}
}

void dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sg, int nelems,
			 enum dma_data_direction dir)
{
	sync_sg(dev, "dma_sync_sg_for_cpu", sg, nelems, dir, true);
}

void dma_sync_sg_for_device(struct device *dev, struct scatterlist *sg, int nelems,
			    enum dma_data_direction dir)
{
	sync_sg(dev, "dma_sync_sg_for_device", sg, nelems, dir, false);
}

void dma_sync_sgtable_for_cpu(struct device *dev, struct sg_table *sgt,
			      enum dma_data_direction dir)
{
	if (sgt)
		sync_sg(dev, "dma_sync_sgtable_for_cpu", sgt->sgl, (int)sgt->orig_nents, dir, true);
	else
		sync_sg(dev, "dma_sync_sgtable_for_cpu", NULL, 0, dir, true);
}

void dma_sync_sgtable_for_device(struct device *dev, struct sg_table *sgt,
				 enum dma_data_direction dir)
{
	if (sgt)
		sync_sg(dev, "dma_sync_sgtable_for_device", sgt->sgl, (int)sgt->orig_nents, dir,
			false);
	else
		sync_sg(dev, "dma_sync_sgtable_for_device", NULL, 0, dir, false);
}

/* ---- the two-step IOVA API -------------------------------------------------------------- */

/*
 * Without an IOMMU (or behind an identity domain) these answer as the
 * kernel's fallbacks do: dma_iova_try_alloc() fails and the caller uses
 * dma_map_*().  Behind a DMA domain the range is real IOVA space, linked
 * piece by piece; each link is recorded like a mapping so the device side
 * and the checks see it.
 */
static struct dmasim_device *iova_dev(struct device *dev, const char *call,
				      struct dma_iova_state *state)
{
	struct dmasim_device *d = dmasim__dev(dev, call);

	if (!d)
		return NULL;
	if (!state) {
		dmasim__dev_report(d, "%s: NULL state", call);
		return NULL;
	}
	/* Without a range these are the kernel's fallbacks: quiet no-ops. */
	return dma_use_iova(state) && d->ops->iova_alloc ? d : NULL;
}

bool dma_iova_try_alloc(struct device *dev, struct dma_iova_state *state, phys_addr_t phys,
			size_t size)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_iova_try_alloc");
	dma_addr_t addr;

	if (state)
		memset(state, 0, sizeof(*state));
	if (!d || !state || !d->ops->iova_alloc)
		return false; /* callers fall back to dma_map_*() */
	if (!size) {
		dmasim__dev_report(d, "dma_iova_try_alloc: size 0");
		return false;
	}
	if (d->ops->iova_alloc(d, phys, size, &addr))
		return false;
	state->addr = addr;
	state->size = size;
	return true;
}

void dma_iova_free(struct device *dev, struct dma_iova_state *state)
{
	struct dmasim_device *d = iova_dev(dev, "dma_iova_free", state);

	if (!d)
		return;
	d->ops->iova_free(d, state->addr, state->size);
	memset(state, 0, sizeof(*state));
}

int dma_iova_link(struct device *dev, struct dma_iova_state *state, phys_addr_t phys,
		  size_t offset, size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_device *d = iova_dev(dev, "dma_iova_link", state);
	dma_addr_t dma;
	int ret;

	if (!d)
		return state && dev ? -EOPNOTSUPP : -EINVAL;
	if (!check_dir(d, "dma_iova_link", dir))
		return -EINVAL;
	if (!size || offset > state->size || size > state->size - offset) {
		dmasim__dev_report(d, "dma_iova_link: [offset %zu + %zu] is outside the %llu-byte IOVA range",
				   offset, size, (unsigned long long)state->size);
		return -EINVAL;
	}
	if (!dmasim__phys_range_ok(d->plat, phys, size)) {
		dmasim__dev_report(d, "dma_iova_link: [phys 0x%llx + %zu] is not inside one RAM region",
				   (unsigned long long)phys, size);
		return -EINVAL;
	}
	dma = state->addr + offset;
	/* As the kernel: only the first link may start inside a granule. */
	ret = d->ops->iova_link(d, dma, phys, size, dir, attrs);
	if (ret == -EIO)
		dmasim__dev_report(d, "dma_iova_link: phys 0x%llx does not sit at the IOVA's offset in the granule (only the first link may be unaligned)",
				   (unsigned long long)phys);
	if (ret)
		return ret;
	if (!debug_dma_map_record(d, &(struct dmasim_map){ .dma = dma, .size = size,
							   .phys = phys, .tlb = DMASIM_NO_TLB,
							   .dir = dir, .kind = MAP_IOVA,
							   .attrs = attrs, .checked = true,
							   .caller = __builtin_return_address(0) })) {
		d->ops->iova_unlink(d, dma, size, dir, DMA_ATTR_SKIP_CPU_SYNC);
		return -ENOMEM;
	}
	return 0;
}

int dma_iova_sync(struct device *dev, struct dma_iova_state *state, size_t offset, size_t size)
{
	/* Links are visible to the device at once: the IOTLB caches nothing unmapped. */
	if (iova_dev(dev, "dma_iova_sync", state))
		return 0;
	return state && dev ? -EOPNOTSUPP : -EINVAL;
}

/* Unlink every record inside [offset, offset + size) of the range. */
static void iova_unlink_range(struct dmasim_device *d, const char *call,
			      struct dma_iova_state *state, size_t offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	dma_addr_t dma = state->addr + offset, end = dma + size;

	if (offset > state->size || size > state->size - offset) {
		dmasim__dev_report(d, "%s: [offset %zu + %zu] is outside the %llu-byte IOVA range",
				   call, offset, size, (unsigned long long)state->size);
		return;
	}
	/* Without debugging nothing knows the links: unlink the range at once, as the kernel. */
	if (!dmasim__debugging(d)) {
		d->ops->iova_unlink(d, dma, size, dir, attrs);
		return;
	}
	while (dma < end) {
		struct dmasim_map *m, rec;

		pthread_mutex_lock(&d->lock);
		m = dmasim__map_lookup_locked(d, dma);
		pthread_mutex_unlock(&d->lock);
		if (!m || m->kind != MAP_IOVA) {
			dma += PAGE_SIZE - (dma & ~PAGE_MASK); /* a hole: nothing linked here */
			continue;
		}
		m = dmasim__map_release(d, call, m->dma, m->size, dir, MAP_IOVA, NULL, &rec);
		if (!m)
			break;
		dmasim__debug_unlink(d, m, attrs);
		d->ops->iova_unlink(d, m->dma, m->size, m->dir, attrs);
		dma = m->dma + m->size;
	}
}

void dma_iova_unlink(struct device *dev, struct dma_iova_state *state, size_t offset,
		     size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_device *d = iova_dev(dev, "dma_iova_unlink", state);

	if (d && check_dir(d, "dma_iova_unlink", dir))
		iova_unlink_range(d, "dma_iova_unlink", state, offset, size, dir, attrs);
}

void dma_iova_destroy(struct device *dev, struct dma_iova_state *state, size_t mapped_len,
		      enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_device *d = iova_dev(dev, "dma_iova_destroy", state);

	if (!d || !check_dir(d, "dma_iova_destroy", dir))
		return;
	if (mapped_len)
		iova_unlink_range(d, "dma_iova_destroy", state, 0, mapped_len, dir, attrs);
	d->ops->iova_free(d, state->addr, state->size);
	memset(state, 0, sizeof(*state));
}
