/*
 * dmasim/iommu.h - the software IOMMU: the kernel's IOMMU API (domains,
 * groups, attach, iommu_map/iommu_unmap, fault handlers) plus dmasim's
 * windows into it (page-table walks, IOTLB and fault statistics).
 *
 * This is a dmasim header, not <linux/iommu.h> (the system owns that name).
 * A platform has an IOMMU when its spec says iommu=on or iommu=FORMAT; its
 * devices then sit behind it unless created with iommu=0.  Each device starts
 * in its own group with a default domain chosen by the device spec:
 * domain=dma (the DMA API maps through IOVAs), domain=identity (bus address =
 * physical address, as iommu.passthrough=1) or domain=unmanaged (no DMA API:
 * the driver allocates a domain and maps it by hand; until then every access
 * faults).
 */
#ifndef DMASIM_IOMMU_H
#define DMASIM_IOMMU_H

#include <dmasim/ktypes.h>
#include <dmasim/device.h>
#include <dmasim/backend.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmasim_platform;

/* Mapping permissions, as the kernel's. */
#define IOMMU_READ (1 << 0)
#define IOMMU_WRITE (1 << 1)
#define IOMMU_CACHE (1 << 2)
#define IOMMU_NOEXEC (1 << 3)
#define IOMMU_MMIO (1 << 4)
#define IOMMU_PRIV (1 << 5)

/* Fault flags passed to a fault handler. */
#define IOMMU_FAULT_READ 0x0
#define IOMMU_FAULT_WRITE 0x1

/* Domain types, with the kernel's composition. */
#define __IOMMU_DOMAIN_PAGING (1U << 0)
#define __IOMMU_DOMAIN_DMA_API (1U << 1)
#define __IOMMU_DOMAIN_PT (1U << 2)
#define __IOMMU_DOMAIN_DMA_FQ (1U << 3)
#define IOMMU_DOMAIN_BLOCKED (0U)
#define IOMMU_DOMAIN_IDENTITY (__IOMMU_DOMAIN_PT)
#define IOMMU_DOMAIN_UNMANAGED (__IOMMU_DOMAIN_PAGING)
#define IOMMU_DOMAIN_DMA (__IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API)
#define IOMMU_DOMAIN_DMA_FQ (__IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API | __IOMMU_DOMAIN_DMA_FQ)

struct iommu_domain;
struct iommu_group;

/**
 * iommu_fault_handler_t - called for each translation fault of a device in
 * the domain.  @flags is IOMMU_FAULT_READ or IOMMU_FAULT_WRITE.  Return 0 if
 * the fault was handled (it is then not counted as a misuse report).
 */
typedef int (*iommu_fault_handler_t)(struct iommu_domain *domain, struct device *dev,
				     unsigned long iova, int flags, void *token);

/**
 * struct iommu_domain_geometry - the IOVA range a domain translates.
 * @aperture_start: first IOVA.  @aperture_end: last IOVA.
 * @force_aperture: accesses outside fault (always true here).
 */
struct iommu_domain_geometry {
	dma_addr_t aperture_start;
	dma_addr_t aperture_end;
	bool force_aperture;
};

/**
 * struct iommu_domain - an IO address space.
 * @type: IOMMU_DOMAIN_*.
 * @pgsize_bitmap: the page sizes it can map (from the page-table format).
 * @geometry: the aperture.
 * @handler: the fault handler (iommu_set_fault_handler()).
 * @handler_token: its token.
 */
struct iommu_domain {
	unsigned int type;
	unsigned long pgsize_bitmap;
	struct iommu_domain_geometry geometry;
	iommu_fault_handler_t handler;
	void *handler_token;
};

/**
 * iommu_domain_alloc() - a new unmanaged (paging) domain for @dev's IOMMU.
 * The kernel's older form takes a bus type; here the device names the IOMMU.
 * Return: the domain, or NULL (no IOMMU behind @dev, no memory).
 */
DMASIM_API struct iommu_domain *iommu_domain_alloc(struct device *dev);
/** iommu_paging_domain_alloc() - the same (dmasim returns NULL, not ERR_PTR, on failure). */
DMASIM_API struct iommu_domain *iommu_paging_domain_alloc(struct device *dev);
/**
 * iommu_domain_free() - free a domain no device is attached to.  Its
 * mappings go with it.  A domain still in use is reported and kept.
 */
DMASIM_API void iommu_domain_free(struct iommu_domain *domain);
/**
 * iommu_attach_device() - put @dev's group in @domain.
 * Return: 0; -EBUSY if the device is not in its default domain; -ENODEV if
 * it is not behind an IOMMU; -EINVAL for a bad argument or a domain of
 * another IOMMU.
 * Context: as in the kernel, no DMA API call or device access on @dev may
 * run concurrently with attach or detach.
 */
DMASIM_API int iommu_attach_device(struct iommu_domain *domain, struct device *dev);
/** iommu_detach_device() - back to the device's default domain. */
DMASIM_API void iommu_detach_device(struct iommu_domain *domain, struct device *dev);
/** iommu_get_domain_for_dev() - the domain @dev translates through now, or NULL. */
DMASIM_API struct iommu_domain *iommu_get_domain_for_dev(struct device *dev);
/**
 * iommu_map() - map [@paddr, @paddr + @size) at @iova with @prot
 * (IOMMU_READ/IOMMU_WRITE/IOMMU_PRIV/IOMMU_MMIO), using the largest page
 * sizes that fit.  All three must be aligned to the smallest page size.
 * Return: 0; -EINVAL (alignment, aperture, a DMA domain, which the DMA API
 * owns), -EEXIST (something is mapped there: nothing is changed), -ENOMEM.
 */
DMASIM_API int iommu_map(struct iommu_domain *domain, unsigned long iova, phys_addr_t paddr,
			 size_t size, int prot, gfp_t gfp);
/**
 * iommu_unmap() - unmap @size bytes at @iova (invalidating the IOTLB).
 * Return: the bytes unmapped (0 if nothing was mapped there).
 */
DMASIM_API size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova, size_t size);
/**
 * struct iommu_iotlb_gather - IOTLB invalidations gathered by
 * iommu_unmap_fast() until iommu_iotlb_sync().
 * @start: first IOVA to invalidate (ULONG_MAX while empty).
 * @end: last IOVA to invalidate (inclusive).
 * @pgsize: the page size of the unmapped pages (informational).
 * @queued: the caller will flush through a flush queue (sync does nothing).
 */
struct iommu_iotlb_gather {
	unsigned long start;
	unsigned long end;
	size_t pgsize;
	bool queued;
};

/** iommu_iotlb_gather_init() - an empty gather. */
static inline void iommu_iotlb_gather_init(struct iommu_iotlb_gather *gather)
{
	gather->start = ~0UL;
	gather->end = 0;
	gather->pgsize = 0;
	gather->queued = false;
}

/**
 * iommu_unmap_fast() - unmap @size bytes at @iova, adding the IOTLB
 * invalidation to @iotlb_gather instead of doing it: until
 * iommu_iotlb_sync(), the device may still reach the old pages through
 * IOTLB entries it cached (as on real hardware).
 * Return: the bytes unmapped (0 on a bad request, reported).
 */
DMASIM_API size_t iommu_unmap_fast(struct iommu_domain *domain, unsigned long iova, size_t size,
				   struct iommu_iotlb_gather *iotlb_gather);
/** iommu_iotlb_sync() - invalidate what @iotlb_gather holds and empty it. */
DMASIM_API void iommu_iotlb_sync(struct iommu_domain *domain,
				 struct iommu_iotlb_gather *iotlb_gather);

struct scatterlist;
/**
 * iommu_map_sg() - map the physical pages of @nents entries of @sg back to
 * back at @iova, as iommu_map() would one at a time.  Each entry's
 * physical start and length must be multiples of the smallest page size.
 * Return: the bytes mapped, or a negative errno (nothing stays mapped).
 */
DMASIM_API ssize_t iommu_map_sg(struct iommu_domain *domain, unsigned long iova,
				struct scatterlist *sg, unsigned int nents, int prot, gfp_t gfp);

/**
 * iommu_iova_to_phys() - translate like the hardware (no IOTLB fill).
 * Return: the physical address, or 0 when unmapped — ambiguous here, where
 * 0 may be RAM: prefer dmasim_iommu_iova_to_phys().
 */
DMASIM_API phys_addr_t iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova);
/** iommu_set_fault_handler() - install @handler for faults in @domain. */
DMASIM_API void iommu_set_fault_handler(struct iommu_domain *domain, iommu_fault_handler_t handler,
					void *token);
/** iommu_group_get() - @dev's group (a reference), or NULL without an IOMMU. */
DMASIM_API struct iommu_group *iommu_group_get(struct device *dev);
/** iommu_group_put() - drop the reference. */
DMASIM_API void iommu_group_put(struct iommu_group *group);
/** iommu_group_id() - the group's number. */
DMASIM_API int iommu_group_id(struct iommu_group *group);

/* --- dmasim's own ------------------------------------------------------ */

/** dmasim_iommu_iova_to_phys() - translate. Return: 0 and *@phys, or -ENOENT / -EINVAL. */
DMASIM_API int dmasim_iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova,
					 phys_addr_t *phys);
/**
 * dmasim_iommu_walk() - the page-table walk for @iova, level by level, read
 * from simulated RAM.  Return: 0 if mapped, -ENOENT if not (*@w still filled).
 */
DMASIM_API int dmasim_iommu_walk(struct iommu_domain *domain, dma_addr_t iova,
				 struct dmasim_pgtable_walk *w);
/**
 * dmasim_iommu_reserve() - reserve an IOVA range in a DMA domain: no mapping
 * will ever use it (what reserved regions such as an MSI window do).  In
 * lazy mode, ranges unmapped but still waiting in the flush queue are free:
 * the queue is flushed (IOTLB first) and the reservation made.
 * Return: 0, -EBUSY (a live mapping is there), -EINVAL.
 * Context: takes the IOMMU's lock when it flushes the queue.
 */
DMASIM_API int dmasim_iommu_reserve(struct iommu_domain *domain, dma_addr_t iova, size_t size);
/** dmasim_iommu_iova_stats() - occupancy of a DMA domain's IOVA space. Return: 0 or -EINVAL. */
DMASIM_API int dmasim_iommu_iova_stats(struct iommu_domain *domain, struct dmasim_iova_stats *st);
/**
 * dmasim_iommu_iova_for_each() - call @fn for every allocated or reserved
 * IOVA range of a DMA domain, in address order (for tools that draw the
 * IOVA space).  @start/@end, if not NULL, receive the first and last IOVA
 * the allocator manages.  Ranges held in per-thread caches count as free.
 * @fn runs without the allocator's lock; a non-zero return stops the walk.
 * Return: 0, @fn's non-zero value, -EOPNOTSUPP (the allocator cannot list
 * its ranges), -EINVAL (not a DMA domain).
 */
DMASIM_API int dmasim_iommu_iova_for_each(struct iommu_domain *domain,
					  int (*fn)(void *ctx, dma_addr_t iova, size_t size, bool reserved),
					  void *ctx, dma_addr_t *start, dma_addr_t *end);
/** dmasim_iommu_domain_pgtable() - the domain's page table (root, levels, sizes), or NULL. */
DMASIM_API const struct dmasim_pgtable *dmasim_iommu_domain_pgtable(struct iommu_domain *domain);
/**
 * dmasim_pgtable_describe() - what the raw @entry of a walk step means, in
 * words (the format's describe op, ABI 5), into @buf.
 * @shift: the step's level[].shift.
 * Return: 0; -EOPNOTSUPP if the format cannot say (then @buf holds ""),
 * -EINVAL for a NULL argument.
 */
DMASIM_API int dmasim_pgtable_describe(const struct dmasim_pgtable *pgt, unsigned int shift, u64 entry,
				       char *buf, size_t len);

/** enum dmasim_fault_reason - why a translation failed. */
enum dmasim_fault_reason {
	DMASIM_FAULT_UNMAPPED = 1,   /* no valid entry for the IOVA */
	DMASIM_FAULT_PERMISSION = 2, /* the entry forbids this access */
	DMASIM_FAULT_BLOCKED = 3,    /* the device is in no domain (blocked) */
	DMASIM_FAULT_APERTURE = 4,   /* the IOVA is outside the domain's aperture */
	DMASIM_FAULT_NOT_RAM = 5,    /* translated to an address that is not RAM (MMIO) */
};

/**
 * struct dmasim_fault - one recorded translation fault.
 * @dev: the device.  @iova: the faulting address.  @flags: IOMMU_FAULT_*.
 * @reason: enum dmasim_fault_reason.  @seq: running number (1 = first).
 */
struct dmasim_fault {
	struct device *dev;
	dma_addr_t iova;
	int flags;
	int reason;
	unsigned long seq;
};

/**
 * struct dmasim_iommu_stats - counters of a platform's IOMMU.
 */
struct dmasim_iommu_stats {
	unsigned long iotlb_hits;
	unsigned long iotlb_misses;
	unsigned long iotlb_entries;     /* capacity */
	unsigned long iotlb_invalidations; /* ranges invalidated */
	unsigned long fq_flushes;        /* flush-queue flushes (lazy mode) */
	unsigned long fq_pending;        /* unmaps waiting for the next flush */
	unsigned long faults;
	unsigned long maps;
	unsigned long unmaps;
};

/** dmasim_iommu_get_stats() - fill *@st. Return: 0, or -ENODEV without an IOMMU. */
DMASIM_API int dmasim_iommu_get_stats(struct dmasim_platform *p, struct dmasim_iommu_stats *st);
/**
 * dmasim_iommu_faults() - copy up to @max of the most recent faults (newest
 * last) into @out.  Return: the number copied; the total count is in the stats.
 */
DMASIM_API int dmasim_iommu_faults(struct dmasim_platform *p, struct dmasim_fault *out, int max);
/** dmasim_iommu_flush() - flush the lazy-mode queue now (IOTLB and deferred IOVA frees). */
DMASIM_API void dmasim_iommu_flush(struct dmasim_platform *p);

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_IOMMU_H */
