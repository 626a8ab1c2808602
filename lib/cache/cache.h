/*
 * lib/cache/cache.h - the cache model: the points where the kernel calls
 * arch_sync_dma_for_device/_for_cpu and arch_dma_prep_coherent, and cache=
 * (the model chosen from the backend registry).  Its backends
 * (cache-coherent.c, cache-noncoherent.c) include only <dmasim/backend.h>,
 * never this header.  The cache knows lines, not mappings: who owns a
 * mapping's lines is DMA-API debugging's (lib/debug/ownership.c).
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
/* A coherent allocation's pages, before the uncached alias is used (arch_dma_prep_coherent). */
void dmasim__cache_prep_coherent(struct dmasim_device *d, phys_addr_t phys, size_t size);
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

/*
 * Whether @d's cache model wants to hear where its mappings end: only a
 * model built for ABI 4 that set track_mappings (<dmasim/backend.h>); the
 * built-in models never do.
 */
static inline bool dmasim__cache_tracks(struct dmasim_device *d)
{
	return __builtin_expect(d->plat->cache_tracks, 0) && !d->dev.dma_coherent;
}

/* A mapping of [phys, phys + size) ended (unmap, synced or not; free): for an ABI 4 model. */
static inline void dmasim__cache_unmapped(struct dmasim_device *d, phys_addr_t phys, size_t size)
{
	if (dmasim__cache_tracks(d))
		dmasim__cache_end_mapping(d, phys, size);
}

#endif /* DMASIM_LIB_CACHE_H */
