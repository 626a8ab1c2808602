/*
 * lib/cache.c - the cache-model seam: one instance per platform, chosen by
 * "cache=NAME[:options]", and the two calls the DMA layers make on it.
 *
 * The DMA API layer and dma-direct call dmasim__cache_for_device() and
 * dmasim__cache_for_cpu() for every ownership transfer of a non-coherent
 * device; which model runs is the backend's business.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int dmasim__cache_create(struct dmasim_platform *p, const char *value, char *err, size_t errlen)
{
	char name[64];
	const char *colon = strchr(value, ':');
	size_t n = colon ? (size_t)(colon - value) : strlen(value);
	const struct dmasim_cache_ops *ops;
	struct dmasim_cache_config cfg = { 0 };
	char list[256];

	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, value, n);
	name[n] = '\0';
	ops = (const struct dmasim_cache_ops *)dmasim_backend_find(DMASIM_BACKEND_CACHE, name);
	if (!ops) {
		dmasim_backend_list(DMASIM_BACKEND_CACHE, list, sizeof(list));
		snprintf(err, errlen, "cache=%s: no such cache model (registered: %s)", value, list);
		return -EINVAL;
	}
	cfg.options = colon ? colon + 1 : "";
	cfg.seed = p->seed;
	cfg.ram = p->ram_view;
	cfg.ram_base = p->regions[0].base;
	p->cache = ops->alloc(&cfg);
	if (!p->cache) {
		snprintf(err, errlen, "cache=%s: the model refused its options", value);
		return -EINVAL;
	}
	p->cache->ops = ops;
	return 0;
}

void dmasim__cache_destroy(struct dmasim_platform *p)
{
	if (p->cache)
		p->cache->ops->free(p->cache);
	p->cache = NULL;
}

void dmasim__cache_for_device(struct dmasim_device *d, phys_addr_t phys, size_t size,
			      enum dma_data_direction dir)
{
	struct dmasim_cache *c = d->plat->cache;

	if (!d->dev.dma_coherent)
		c->ops->sync_for_device(c, &d->dev, phys, size, dir);
}

void dmasim__cache_for_cpu(struct dmasim_device *d, phys_addr_t phys, size_t size,
			   enum dma_data_direction dir)
{
	struct dmasim_cache *c = d->plat->cache;

	if (!d->dev.dma_coherent)
		c->ops->sync_for_cpu(c, &d->dev, phys, size, dir);
}
