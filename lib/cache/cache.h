/*
 * lib/cache/cache.h - the cache model: the points where the kernel calls
 * arch_sync_dma_for_device/_for_cpu, the end of a mapping, and cache= (the
 * model chosen from the backend registry).  Its backends
 * (cache-coherent.c, cache-noncoherent.c) include only <dmasim/backend.h>
 * and cache-ownership.h, never this header.
 *
 * May use: lib/core/core.h (the machine).  Used by: the DMA ops (dma-direct,
 * dma-iommu, swiotlb), the device side, the platform.
 */
#ifndef DMASIM_LIB_CACHE_H
#define DMASIM_LIB_CACHE_H

#include "core/core.h"


/* cache=NAME[:line=N][:OPTIONS], parsed: the model, the core's line= and the model's options. */
struct dmasim_cache_choice {
	const struct dmasim_cache_ops *ops;
	unsigned int line; /* 0: the model chooses */
	char opts[256];    /* the words other than line=N, joined by ':' */
	char value[320];   /* as written, for the normalised spec */
};
/* The spec-key parser and formatter of cache= (a struct dmasim_cache_choice). */
int dmasim__cache_parse(void *choice, const char *key, const char *value, char *err,
			size_t errlen);
bool dmasim__cache_format(const void *plat, const void *choice, const char *key, FILE *out);
int dmasim__cache_create(struct dmasim_platform *p, const struct dmasim_cache_choice *c,
			 char *err, size_t errlen);
void dmasim__cache_destroy(struct dmasim_platform *p);
void dmasim__cache_sync_for_device(struct dmasim_device *d, phys_addr_t phys, size_t size,
				   enum dma_data_direction dir);
void dmasim__cache_sync_for_cpu(struct dmasim_device *d, phys_addr_t phys, size_t size,
				enum dma_data_direction dir);
void dmasim__cache_end_mapping(struct dmasim_device *d, phys_addr_t phys, size_t size);
/* dmasim__cache_for_device(), _for_cpu() and _unmapped() are inline, below. */

/* Ownership transfers; a coherent device needs no maintenance, decided without a call. */
static inline void dmasim__cache_for_device(struct dmasim_device *d, phys_addr_t phys, size_t size,
					    enum dma_data_direction dir)
{
	if (!d->dev.dma_coherent)
		dmasim__cache_sync_for_device(d, phys, size, dir);
}

static inline void dmasim__cache_for_cpu(struct dmasim_device *d, phys_addr_t phys, size_t size,
					 enum dma_data_direction dir)
{
	if (!d->dev.dma_coherent)
		dmasim__cache_sync_for_cpu(d, phys, size, dir);
}

/* A mapping of [phys, phys + size) ended (unmap, synced or not; free): ownership ends with it. */
static inline void dmasim__cache_unmapped(struct dmasim_device *d, phys_addr_t phys, size_t size)
{
	if (!d->dev.dma_coherent)
		dmasim__cache_end_mapping(d, phys, size);
}

/* Whether @d's cache model wants to hear where its mappings end (then find their pages). */
static inline bool dmasim__cache_tracks(struct dmasim_device *d)
{
	const struct dmasim_cache *c = d->plat->cache;

	return !d->dev.dma_coherent && c->ops->base.abi >= 4 && c->track_mappings;
}

#endif /* DMASIM_LIB_CACHE_H */
