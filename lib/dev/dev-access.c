/*
 * lib/dev/dev-access.c - the device side of the bus: what simulated hardware
 * does when it reads or writes a bus address.
 *
 * An access is split into pieces, each translated by the device's bus
 * translation (struct dmasim_bus_ops: the direct window below, or the IOMMU
 * in iommu/iommu.c).  Without an IOMMU the API layer's records stand in for
 * one: each piece must lie in a buffer currently mapped or allocated for the
 * device, in a direction the mapping allows.  Data moves between RAM and the
 * device's buffer, never through the CPU's view.
 */
#include <string.h>

#include "dev/dev.h"
#include "dma/dma.h"
#include "debug/debug.h"

/* ---- the direct window: bus = physical - offset, up to the bus limit -------------------- */

/* The physical address of @addr and the bytes from it that stay in the window and one RAM region. */
static inline int window_lookup(struct dmasim_device *d, dma_addr_t addr, size_t len,
				phys_addr_t *phys, size_t *chunk)
{
	u64 limit = d->dev.bus_dma_limit;
	struct dmasim_region *r = &d->plat->regions[0];
	phys_addr_t pa;

	if (limit && addr > limit)
		return -EFAULT;
	pa = dmasim__dma_to_phys(d, addr);
	if (pa < addr && d->bus_offset) /* wrapped */
		return -EFAULT;
	if (pa - r->base >= r->size) /* most machines have one region: try it inline */
		r = dmasim__phys_region(d->plat, pa);
	if (!r)
		return -EFAULT;
	*phys = pa;
	*chunk = len;
	if (*chunk - 1 > r->size - 1 - (pa - r->base))
		*chunk = (size_t)(r->size - (pa - r->base));
	if (limit && *chunk - 1 > limit - addr)
		*chunk = (size_t)(limit - addr + 1);
	return 0;
}

static __attribute__((noinline, cold)) int window_fault(struct dmasim_device *d,
							 const char *call, dma_addr_t addr,
							 size_t len)
{
	dmasim__debug_report(d, "%s: bus address 0x%016llx (%zu bytes) does not translate to RAM the device can reach",
			     call, (unsigned long long)addr, len);
	return -EFAULT;
}

int dmasim__window_translate(struct dmasim_device *d, const char *call, dma_addr_t addr,
			     size_t len, bool write, phys_addr_t *phys, size_t *chunk,
			     struct dmasim_inflight **mark)
{
	/* Nothing to wait for on a window: the driver stops its device (or debugging checks it). */
	(void)mark;
	(void)write;
	if (__builtin_expect(!window_lookup(d, addr, len, phys, chunk), 1))
		return 0;
	return window_fault(d, call, addr, len);
}

int dmasim__window_resolve(struct dmasim_device *d, dma_addr_t addr, phys_addr_t *phys)
{
	size_t chunk;

	return window_lookup(d, addr, 1, phys, &chunk);
}

static enum dmasim_bus_reach window_reach(struct dmasim_device *d)
{
	(void)d;
	return BUS_REACH_WINDOW;
}

const struct dmasim_bus_ops dmasim__bus_window = {
	.name = "window",
	.translate = dmasim__window_translate,
	.resolve = dmasim__window_resolve,
	.reach = window_reach,
};

/* ---- device accesses --------------------------------------------------------------------- */

static int access_pieces(struct dmasim_device *d, const char *call, dma_addr_t addr, void *buf,
			 size_t len, bool write, struct dmasim_inflight *mark);

/* Copy @len bytes; up to 8 inline (a device's register-sized accesses), else memcpy(). */
static inline __attribute__((always_inline)) void copy_bytes(unsigned char *to,
							     const unsigned char *from, size_t len)
{
	switch (len) {
	case 1:
		*to = *from;
		break;
	case 2:
		__builtin_memcpy(to, from, 2);
		break;
	case 4:
		__builtin_memcpy(to, from, 4);
		break;
	case 8:
		__builtin_memcpy(to, from, 8);
		break;
	default:
		memcpy(to, from, len);
	}
}

static inline unsigned char *host_ptr(struct dmasim_device *d, phys_addr_t phys);

/*
 * With no fault injection, tracing or debugging on (@len not 0, addr+len not
 * wrapping): the access in one piece when it fits one translation, with no
 * piece loop.  The direct window inline (inside the window and the first RAM
 * region, else the general path with its reports); behind the IOMMU one
 * translation, the rest (if any) by the general path.
 */
/* The direct window inline: true if done. */
static inline __attribute__((always_inline)) bool window_fast(struct dmasim_device *d,
							       dma_addr_t addr, void *buf,
							       size_t len, bool write)
{
	const struct dmasim_region *r = &d->plat->regions[0];
	u64 limit = d->dev.bus_dma_limit;
	phys_addr_t pa = addr + d->bus_offset;
	u64 off = pa - r->base;
	unsigned char *ram;

	if ((limit && addr + len - 1 > limit) || pa < addr || off >= r->size || len > r->size - off)
		return false;
	ram = (d->dev.dma_coherent ? r->cpu : r->ram) + off;
	write ? copy_bytes(ram, buf, len) : copy_bytes(buf, ram, len);
	return true;
}

/* Behind the IOMMU: one translation, the rest (if any) by the general path. */
static __attribute__((noinline)) int access_translated(struct dmasim_device *d, const char *call,
						       dma_addr_t addr, void *buf, size_t len,
						       bool write)
{
	struct dmasim_inflight *mark = NULL;
	phys_addr_t phys;
	size_t chunk;
	unsigned char *ram;
	int ret;

	ret = d->bus->translate(d, call, addr, len, write, &phys, &chunk, &mark);
	if (ret) {
		if (mark)
			dmasim__inflight_end(mark);
		return ret;
	}
	ram = host_ptr(d, phys);
	write ? copy_bytes(ram, buf, chunk) : copy_bytes(buf, ram, chunk);
	if (__builtin_expect(chunk == len, 1)) {
		if (mark)
			dmasim__inflight_end(mark);
		return 0;
	}
	return access_pieces(d, call, addr + chunk, (unsigned char *)buf + chunk, len - chunk, write,
			     mark);
}

/*
 * With no fault injection, tracing or debugging on (@len not 0, addr+len not
 * wrapping): the access in one piece when it fits one translation, with no
 * piece loop.  The direct window inline (inside the window and the first RAM
 * region, else the general path with its reports); behind the IOMMU one
 * translation, the rest (if any) by the general path.
 */
static inline __attribute__((always_inline)) int access_unhooked(struct dmasim_device *d,
								  const char *call,
								  dma_addr_t addr, void *buf,
								  size_t len, bool write)
{
	if (__builtin_expect(d->bus_window, 1)) {
		if (__builtin_expect(window_fast(d, addr, buf, len, write), 1))
			return 0;
		return access_pieces(d, call, addr, buf, len, write, NULL);
	}
	return access_translated(d, call, addr, buf, len, write);
}

static inline __attribute__((always_inline)) int access(struct device *dev, const char *call,
							 dma_addr_t addr, void *buf, size_t len,
							 bool write)
{
	struct dmasim_device *d = dmasim__dev(dev, call);

	if (!d)
		return -EINVAL;
	if (!buf && len) {
		dmasim__dev_report(d, "%s: NULL buffer for %zu bytes", call, len);
		return -EINVAL;
	}
	if (len && addr + len - 1 < addr) {
		dmasim__debug_report(d, "%s: access at 0x%016llx + %zu wraps the bus", call,
				     (unsigned long long)addr, len);
		return -EFAULT;
	}
	if (__builtin_expect(!(__atomic_load_n(&d->plat->fail_rules, __ATOMIC_RELAXED) |
			       DMASIM_TRACING(d->plat) | d->plat->debug | !len), 1))
		return access_unhooked(d, call, addr, buf, len, write);
	if (len && dmasim__should_fail(d->plat, FAIL_ACCESS, d, call))
		return -EFAULT;
	if (DMASIM_TRACING(d->plat)) {
		int ret = access_pieces(d, call, addr, buf, len, write, NULL);

		DMASIM_TRACE_DEV(d, .ev = write ? "dev_write" : "dev_read", .bus = addr, .has_bus = true,
				 .size = len, .ret = ret);
		return ret;
	}
	return access_pieces(d, call, addr, buf, len, write, NULL);
}

/*
 * One piece: the debug layer's check where nothing else confines the device
 * (a verdict), the bus translation, and the debug layer's note of what went
 * through.
 */
static inline int access_piece(struct dmasim_device *d, const char *call, dma_addr_t addr,
			       size_t len, bool write, enum dmasim_bus_reach reach,
			       phys_addr_t *phys, size_t *chunk, struct dmasim_inflight **mark,
			       struct dmasim_dev_access *acc)
{
	int ret;

	if (reach == BUS_REACH_WINDOW && !d->legacy_dma) {
		ret = debug_dma_dev_access(d, call, addr, &len, write, acc);
		if (ret)
			return ret;
	}
	ret = d->bus->translate(d, call, addr, len, write, phys, chunk, mark);
	if (!ret)
		debug_dma_dev_accessed(d, call, addr, *chunk, write, reach);
	return ret;
}

/*
 * Where the device's bytes at @phys live on the host: a coherent device
 * snoops the CPU's caches, so it sees the CPU's view; the first region is
 * tried inline (most machines have one).
 */
static inline unsigned char *host_ptr(struct dmasim_device *d, phys_addr_t phys)
{
	const struct dmasim_region *r = &d->plat->regions[0];

	if (phys - r->base < r->size)
		return (d->dev.dma_coherent ? r->cpu : r->ram) + (phys - r->base);
	return d->dev.dma_coherent ? dmasim__cpu_ptr(d->plat, phys) :
				     dmasim__ram_ptr(d->plat, phys);
}

/*
 * The access in pieces.  @mark: the access's in-flight mark if its first
 * piece was translated already (access_translated()), else NULL.  It stays
 * in flight (an IOMMU's mark, the debug layer's listing) until its last copy.
 */
static int access_pieces(struct dmasim_device *d, const char *call, dma_addr_t addr, void *buf,
			 size_t len, bool write, struct dmasim_inflight *mark)
{
	enum dmasim_bus_reach reach = d->bus->reach(d);
	struct dmasim_dev_access acc = { .listed = false };
	unsigned char *run_ram = NULL, *run_buf = NULL;
	size_t run_len = 0;
	int ret = 0;

	/*
	 * Translate piece by piece (page by page behind an IOMMU), but copy each
	 * run of pieces that is contiguous in RAM with one memcpy.  On a fault
	 * the run before it is still transferred, as a bus master would have.
	 */
	while (len) {
		phys_addr_t phys;
		size_t chunk;
		unsigned char *ram;

		ret = access_piece(d, call, addr, len, write, reach, &phys, &chunk, &mark, &acc);
		if (ret)
			break;
		ram = host_ptr(d, phys);
		if (run_len && ram == run_ram + run_len) {
			run_len += chunk;
		} else {
			if (run_len)
				write ? memcpy(run_ram, run_buf, run_len) : memcpy(run_buf, run_ram, run_len);
			run_ram = ram;
			run_buf = buf;
			run_len = chunk;
		}
		buf = (unsigned char *)buf + chunk;
		addr += chunk;
		len -= chunk;
	}
	if (run_len)
		write ? memcpy(run_ram, run_buf, run_len) : memcpy(run_buf, run_ram, run_len);
	if (mark)
		dmasim__inflight_end(mark);
	debug_dma_dev_access_done(d, &acc);
	return ret;
}

/* Everything but access_fast()'s cases, out of line: the same checks again, the hooks, the reports. */
static __attribute__((noinline)) int read_full(struct device *dev, dma_addr_t addr, void *buf,
					       size_t len)
{
	return access(dev, "dmasim_dev_read", addr, buf, len, false);
}

static __attribute__((noinline)) int write_full(struct device *dev, dma_addr_t addr, void *buf,
						size_t len)
{
	return access(dev, "dmasim_dev_write", addr, buf, len, true);
}

/*
 * The public entry points hold only the fast path, so that it needs no
 * frame: a valid device and buffer, @len not 0 and not wrapping, no hook
 * on; then the direct window inline, or one tail call to the translated
 * path.  Anything else (the window's checks failing included, which have
 * no side effect) is a tail call to read_full()/write_full().
 */
static inline __attribute__((always_inline)) int
access_fast(struct device *dev, const char *call, dma_addr_t addr, void *buf, size_t len,
	    bool write, int (*full)(struct device *, dma_addr_t, void *, size_t))
{
	if (__builtin_expect(dev && dev->dmasim_magic == DMASIM_DEVICE_MAGIC && buf && len &&
				     addr + len - 1 >= addr,
			     1)) {
		struct dmasim_device *d = to_dmasim(dev);
		const struct dmasim_platform *p = d->plat;

		if (__builtin_expect(!(__atomic_load_n(&p->fail_rules, __ATOMIC_RELAXED) |
				       __atomic_load_n((const unsigned char *)&p->tracing,
						       __ATOMIC_ACQUIRE) |
				       p->debug),
				     1)) {
			if (!__builtin_expect(d->bus_window, 1))
				return access_translated(d, call, addr, buf, len, write);
			if (__builtin_expect(window_fast(d, addr, buf, len, write), 1))
				return 0;
		}
	}
	return full(dev, addr, buf, len);
}

int dmasim_dev_read(struct device *dev, dma_addr_t addr, void *buf, size_t len)
{
	return access_fast(dev, "dmasim_dev_read", addr, buf, len, false, read_full);
}

int dmasim_dev_write(struct device *dev, dma_addr_t addr, const void *buf, size_t len)
{
	return access_fast(dev, "dmasim_dev_write", addr, (void *)buf, len, true, write_full);
}

int dmasim_dev_bus_window(struct device *dev, struct dmasim_bus_window *w)
{
	struct dmasim_device *d = dmasim__dev(dev, "dmasim_dev_bus_window");

	if (!d)
		return -EINVAL;
	if (!w) {
		dmasim__dev_report(d, "dmasim_dev_bus_window: NULL result pointer");
		return -EINVAL;
	}
	w->iommu = d->bus->reach(d) != BUS_REACH_WINDOW;
	w->offset = d->bus_offset;
	w->limit = dev->bus_dma_limit;
	w->mask = dev->dma_mask ? *dev->dma_mask : 0;
	return 0;
}

int dmasim_dev_translate(struct device *dev, dma_addr_t addr, struct dmasim_xlate *out)
{
	struct dmasim_device *d = dmasim__dev(dev, "dmasim_dev_translate");
	struct dmasim_map rec = { .dma = 0 };
	bool have_rec, window;
	phys_addr_t phys;

	if (!d)
		return -EINVAL;
	if (!out) {
		dmasim__dev_report(d, "dmasim_dev_translate: NULL result pointer");
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&d->lock);
	{
		struct dmasim_map *m = dmasim__map_lookup_locked(d, addr);

		if (m)
			rec = *m;
		have_rec = m != NULL;
	}
	pthread_mutex_unlock(&d->lock);
	window = d->bus->reach(d) == BUS_REACH_WINDOW;
	/* Without an IOMMU, MMIO is not translated: the bus address is the resource's. */
	if (have_rec && rec.kind == MAP_RESOURCE && window)
		phys = rec.phys + (addr - rec.dma);
	else if (d->bus->resolve(d, addr, &phys))
		return -EFAULT;
	else if (!have_rec && window && d->plat->debug)
		return -EFAULT; /* with debug on, what a device may reach is what was mapped */
	out->bus = addr;
	out->phys = phys;
	out->cpu = dmasim__phys_to_linear(d->plat, phys);
	if (have_rec) {
		out->map_start = rec.dma;
		out->map_size = rec.size;
		out->dir = rec.dir;
		out->bounced = rec.tlb != DMASIM_NO_TLB;
		out->orig_phys = out->bounced ? rec.phys + (addr - rec.dma) : phys;
		out->kind = dmasim__map_kind_name(rec.kind);
	} else {
		/*
		 * No record (debug off, or iommu_map() behind an IOMMU): what the
		 * bus reaches; the swiotlb knows its own slots.
		 */
		out->dir = DMA_BIDIRECTIONAL;
		out->bounced = !dmasim__swiotlb_orig(d->plat, phys, &out->orig_phys);
		if (!out->bounced)
			out->orig_phys = phys;
		out->kind = window ? "unrecorded" : "iommu_map";
	}
	return 0;
}
