/*
 * <linux/iommu.h> - the IOMMU API (dmasim compat): domains, attach/detach,
 * iommu_map()/iommu_unmap(), iommu_map_sg(), iommu_unmap_fast() with
 * iommu_iotlb_sync(), fault handlers and groups, over dmasim's simulated
 * IOMMU.  See <dmasim/iommu.h> and docs/iommu.md.  The system's uapi
 * <linux/iommu.h> (IOMMU fault reporting to user space) is not included.
 */
#ifndef DMASIM_COMPAT_LINUX_IOMMU_H
#define DMASIM_COMPAT_LINUX_IOMMU_H

#include <linux/err.h>
#include <linux/types.h>
#include <linux/scatterlist.h>
#include <linux/device.h>
#include <dmasim/iommu.h>

#endif /* DMASIM_COMPAT_LINUX_IOMMU_H */
