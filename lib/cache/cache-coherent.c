/*
 * lib/cache/cache-coherent.c - the "coherent" cache model: CPU caches are kept
 * coherent with RAM by hardware, so the CPU view and RAM are one copy and
 * cache maintenance has nothing to do.  The default model, and the reference
 * for the backend contract in <dmasim/backend.h>.
 */
#include <stdlib.h>
#include <string.h>

#include <dmasim/backend.h>

struct coherent_cache {
	struct dmasim_cache base;
};

static struct dmasim_cache *coherent_alloc(const struct dmasim_cache_config *cfg)
{
	struct coherent_cache *c;

	if (cfg->options && *cfg->options)
		return NULL; /* no options to take */
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->base.line = cfg->line ? cfg->line : L1_CACHE_BYTES;
	c->base.ram = cfg->ram;
	c->base.ram_cookie = cfg->ram_cookie;
	return &c->base;
}

static void coherent_free(struct dmasim_cache *cache)
{
	free(container_of(cache, struct coherent_cache, base));
}

static void coherent_sync(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
			  size_t size, enum dma_data_direction dir)
{
	/* Hardware coherence: nothing to clean or invalidate. */
}

const struct dmasim_cache_ops dmasim__cache_coherent = {
	.base = {
		.abi = DMASIM_BACKEND_ABI,
		.kind = DMASIM_BACKEND_CACHE,
		.name = "coherent",
		.caps = DMASIM_CACHE_CAP_COHERENT,
		.help = "CPU caches coherent with RAM; syncs are no-ops",
	},
	.alloc = coherent_alloc,
	.free = coherent_free,
	.sync_for_device = coherent_sync,
	.sync_for_cpu = coherent_sync,
};
