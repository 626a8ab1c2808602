/*
 * lib/dev-access.c - the device side of the bus: what simulated hardware
 * does when it reads or writes a bus address.
 *
 * An access is split at mapping boundaries; each piece must lie in a buffer
 * currently mapped or allocated for the device (the API layer's records), in
 * a direction the mapping allows, and must translate through the device's ops
 * (bus offset and limit today, the IOMMU next) to RAM.  Data moves between
 * RAM and the device's buffer, never through the CPU's view.
 */
#include <string.h>

#include "internal.h"

int dmasim__record_access(struct dmasim_device *d, const char *call, dma_addr_t addr,
			  size_t len, bool write, struct dmasim_map *rec, size_t *chunk,
			  bool report)
{
	struct dmasim_map *m;

	pthread_mutex_lock(&d->lock);
	m = dmasim__map_lookup_locked(d, addr);
	if (m)
		*rec = *m;
	pthread_mutex_unlock(&d->lock);
	*chunk = len;
	if (!m) {
		if (report)
			dmasim__debug_report(d, "%s: device accesses bus address 0x%016llx (%zu bytes) that is not mapped for it",
					     call, (unsigned long long)addr, len);
		return -EFAULT;
	}
	*chunk = rec->size - (size_t)(addr - rec->dma);
	if (*chunk > len)
		*chunk = len;
	if ((write && rec->dir == DMA_TO_DEVICE) || (!write && rec->dir == DMA_FROM_DEVICE)) {
		if (report)
			dmasim__debug_report(d, "%s: device %s bus address 0x%016llx of a %s mapping [mapping at 0x%016llx] [size=%zu bytes]",
					     call, write ? "writes" : "reads", (unsigned long long)addr,
					     dmasim__dir_name(rec->dir), (unsigned long long)rec->dma,
					     rec->size);
		return -EPERM;
	}
	return 0;
}

static int access_pieces(struct dmasim_device *d, const char *call, dma_addr_t addr, void *buf,
			 size_t len, bool write);

static int access(struct device *dev, const char *call, dma_addr_t addr, void *buf, size_t len,
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
	if (len && dmasim__should_fail(d->plat, FAIL_ACCESS, d, call))
		return -EFAULT;
	if (DMASIM_TRACING(d->plat)) {
		int ret = access_pieces(d, call, addr, buf, len, write);

		DMASIM_TRACE_DEV(d, .ev = write ? "dev_write" : "dev_read", .bus = addr, .has_bus = true,
				 .size = len, .ret = ret);
		return ret;
	}
	return access_pieces(d, call, addr, buf, len, write);
}

static int access_pieces(struct dmasim_device *d, const char *call, dma_addr_t addr, void *buf,
			 size_t len, bool write)
{
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

		ret = d->ops->dev_access(d, call, addr, len, write, &phys, &chunk);
		if (ret)
			break;
		/* A coherent device snoops the CPU's caches: it sees the CPU's view. */
		ram = d->dev.dma_coherent ? dmasim__cpu_ptr(d->plat, phys) :
					    dmasim__ram_ptr(d->plat, phys);
		if (run_len && ram == run_ram + run_len) {
			run_len += chunk;
		} else {
			if (run_len)
				write ? memcpy(run_ram, run_buf, run_len) : memcpy(run_buf, run_ram, run_len);
			run_ram = ram;
			run_buf = buf;
			run_len = chunk;
		}
		if (write && d->plat->debug)
			dmasim__map_note_dev_write(d, addr);
		buf = (unsigned char *)buf + chunk;
		addr += chunk;
		len -= chunk;
	}
	if (run_len)
		write ? memcpy(run_ram, run_buf, run_len) : memcpy(run_buf, run_ram, run_len);
	return ret;
}

int dmasim_dev_read(struct device *dev, dma_addr_t addr, void *buf, size_t len)
{
	return access(dev, "dmasim_dev_read", addr, buf, len, false);
}

int dmasim_dev_write(struct device *dev, dma_addr_t addr, const void *buf, size_t len)
{
	return access(dev, "dmasim_dev_write", addr, (void *)buf, len, true);
}

int dmasim_dev_translate(struct device *dev, dma_addr_t addr, struct dmasim_xlate *out)
{
	struct dmasim_device *d = dmasim__dev(dev, "dmasim_dev_translate");
	struct dmasim_map rec;
	bool have_rec;
	phys_addr_t phys;
	int ret;

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
	/* Without an IOMMU, MMIO is not translated: the bus address is the resource's. */
	if (have_rec && rec.kind == MAP_RESOURCE && !d->ops->confines)
		phys = rec.phys + (addr - rec.dma);
	else if ((ret = d->ops->translate(d, addr, 1, &phys)) != 0)
		return ret;
	else if (!have_rec && !d->ops->confines)
		return -EFAULT; /* without an IOMMU only the records say what is reachable */
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
		/* Reachable through the IOMMU without a DMA API mapping: iommu_map(). */
		out->dir = DMA_BIDIRECTIONAL;
		out->orig_phys = phys;
		out->kind = "iommu_map";
	}
	return 0;
}
