/*
 * lib/dev/dev.h - bus translation: how a bus address a device drives becomes
 * a physical address (struct dmasim_bus_ops: the direct window in
 * lib/dev/dev-access.c, the IOMMU in iommu/iommu.c).  dmasim_dev_read/write
 * and dmasim_dev_translate go through it.
 *
 * May use: lib/core/core.h.  Used by: lib/dev/, DMA-API debugging (what a
 * device reaches), the IOMMU.
 */
#ifndef DMASIM_LIB_DEV_H
#define DMASIM_LIB_DEV_H

#include "core/core.h"
#include "core/sync.h"


/*
 * The hardware side of the bus, per device: how a bus address the device
 * drives becomes a physical address.  Chosen when the device is created (the
 * window without an IOMMU, the IOMMU behind one); attach/detach change only
 * the domain the IOMMU translates through.  The DMA ops never use it and it
 * never uses the DMA ops.
 */
enum dmasim_bus_reach {
	BUS_REACH_WINDOW,  /* any RAM in the bus window (no IOMMU, or an identity domain) */
	BUS_REACH_DMA_API, /* an IOMMU domain the DMA API manages: only what it mapped */
	BUS_REACH_IOMMU,   /* an IOMMU domain the driver manages with iommu_map(), or none */
};

struct dmasim_bus_ops {
	const char *name;
	/*
	 * The first piece of an access of @len bytes at @addr: fill *@phys
	 * (RAM) and *@chunk (bytes reachable contiguously from it, at most
	 * @len).  Return 0, -EFAULT or -EPERM; the implementation reports (and
	 * for an IOMMU records) its faults.  *@mark is NULL at the first piece
	 * of an access: a translation that unmaps wait for (an IOMMU) marks the
	 * whole access [@addr, @addr + @len) in flight there (lib/core/sync.h),
	 * and the caller ends it with dmasim__inflight_end() once its copies are
	 * done; the later pieces find it set.
	 */
	int (*translate)(struct dmasim_device *d, const char *call, dma_addr_t addr, size_t len,
			 bool write, phys_addr_t *phys, size_t *chunk,
			 struct dmasim_inflight **mark);
	/* @addr to physical without side effects or reports (tools). Return 0 or -EFAULT. */
	int (*resolve)(struct dmasim_device *d, dma_addr_t addr, phys_addr_t *phys);
	/* What the device can reach now. */
	enum dmasim_bus_reach (*reach)(struct dmasim_device *d);
};

extern const struct dmasim_bus_ops dmasim__bus_window;
extern const struct dmasim_bus_ops dmasim__bus_iommu;
/* The window's translation, for an IOMMU's identity domain. */
int dmasim__window_translate(struct dmasim_device *d, const char *call, dma_addr_t addr,
			     size_t len, bool write, phys_addr_t *phys, size_t *chunk,
			     struct dmasim_inflight **mark);
int dmasim__window_resolve(struct dmasim_device *d, dma_addr_t addr, phys_addr_t *phys);

#endif /* DMASIM_LIB_DEV_H */
