/*
 * iommu/iommu.h - what the machine needs of the IOMMU: its spec keys, its
 * creation and teardown, putting a device behind it, and its dumps.  The
 * IOMMU's own contract is iommu/iommu-internal.h.
 *
 * May use: lib/core/core.h.  Used by: lib/core/platform.c, lib/core/device.c.
 */
#ifndef DMASIM_IOMMU_PLATFORM_H
#define DMASIM_IOMMU_PLATFORM_H

#include "core/core.h"

struct dmasim_iommu;

/* The platform's IOMMU keys (iommu, iova, mode, iotlb, fq, fq_timeout), parsed. */
struct dmasim_iommu_config {
	const struct dmasim_pgtable_ops *fmt; /* NULL: iommu=off */
	char fmt_opts[96];
	const struct dmasim_iova_ops *iova_ops;
	char iova_opts[96];
	bool lazy;
	unsigned int iotlb, fq, fq_timeout_ms;
};
/* The defaults: no IOMMU, and the values its keys take when it is on. */
void dmasim__iommu_config_init(struct dmasim_iommu_config *c);
/* The spec-key parser and formatter of the IOMMU's keys (a struct dmasim_iommu_config). */
int dmasim__iommu_parse(void *cfg, const char *key, const char *val, char *err, size_t errlen);
bool dmasim__iommu_format(const void *plat, const void *cfg, const char *key, FILE *out);
/* Create the IOMMU @c describes, if any.  Return 0 or -errno with @err. */
int dmasim__iommu_create(struct dmasim_platform *p, const struct dmasim_iommu_config *c,
			 char *err, size_t errlen);
void dmasim__iommu_destroy(struct dmasim_platform *p);
/* The words of the normalised spec for the IOMMU ("iommu=off" or the full set). */
void dmasim__iommu_spec(struct dmasim_platform *p, char *buf, size_t len);
/* Put a new device behind the IOMMU with its default domain ("dma", "identity", "unmanaged"). */
int dmasim__iommu_add_device(struct dmasim_device *d, const char *domain, char *err,
			     size_t errlen);
void dmasim__iommu_remove_device(struct dmasim_device *d);
void dmasim__iommu_dump(struct dmasim_platform *p, FILE *out);
void dmasim__iommu_dump_device(struct dmasim_device *d, FILE *out);
#endif /* DMASIM_IOMMU_PLATFORM_H */
