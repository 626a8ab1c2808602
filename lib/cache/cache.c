/*
 * lib/cache/cache.c - the cache-model seam: one instance per platform, chosen by
 * "cache=NAME[:options]", and the calls the DMA ops make on it.
 *
 * The DMA ops call dmasim__cache_for_device() and dmasim__cache_for_cpu()
 * where the kernel calls arch_sync_dma_for_device/_for_cpu (a non-coherent
 * device's map, sync and unmap), and dmasim__cache_prep_coherent() where it
 * calls arch_dma_prep_coherent(); which model runs is the backend's
 * business.  Who owns a mapping's lines is not the cache's: DMA-API
 * debugging tracks it (lib/debug/ownership.c).
 *
 * May use: lib/core/core.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"

static unsigned char *ram_access(void *cookie, phys_addr_t phys)
{
	return dmasim__ram_ptr(cookie, phys);
}

static unsigned char *cpu_access(void *cookie, phys_addr_t phys)
{
	return dmasim__cpu_ptr(cookie, phys);
}

/*
 * A misuse a backend saw (the built-in models report none: misuse is
 * DMA-API debugging's to find).  Counted like every DMA-API report.
 */
static void cache_report(void *cookie, struct device *dev, phys_addr_t phys, const char *msg)
{
	struct dmasim_platform *p = cookie;

	(void)phys;
	if (!p->debug)
		return;
	if (!dev || dev->dmasim_magic != DMASIM_DEVICE_MAGIC)
		dmasim__report(p, "cache: %s", msg);
	else
		dmasim__debug_report(to_dmasim(dev), "%s", msg);
}

/*
 * cache=NAME[:line=N][:OPTIONS]: the table in platform.c routes the key here.
 * The model is looked up now (memory is made for it: a CPU view of its own
 * unless it is coherent); "line=N" is the core's; every other word is the
 * model's, which judges it in its alloc().
 */
int dmasim__cache_parse(void *choice, const char *key, const char *value, char *err,
			size_t errlen)
{
	struct dmasim_cache_choice *c = choice;
	char name[64], list[256], copy[256], *save = NULL, *w;
	const char *opts;

	if (strlen(value) >= sizeof(c->value) ||
	    dmasim__spec_split(key, value, name, sizeof(name), &opts, err, errlen) ||
	    strlen(opts) >= sizeof(c->opts)) {
		snprintf(err, errlen, "%s=%s: value too long", key, value);
		return -EINVAL;
	}
	c->ops = (const struct dmasim_cache_ops *)dmasim_backend_find(DMASIM_BACKEND_CACHE, name);
	if (!name[0] || !c->ops) {
		dmasim_backend_list(DMASIM_BACKEND_CACHE, list, sizeof(list));
		snprintf(err, errlen, "%s=%s: no such cache model (registered: %s)", key, value, list);
		return -EINVAL;
	}
	snprintf(c->value, sizeof(c->value), "%s", value);
	c->line = 0;
	c->opts[0] = '\0';
	snprintf(copy, sizeof(copy), "%s", opts);
	for (w = strtok_r(copy, ":", &save); w; w = strtok_r(NULL, ":", &save)) {
		u64 line;

		if (!strncmp(w, "line=", 5)) {
			if (dmasim__parse_size(w + 5, &line) || line < 16 || line > 4096 ||
			    (line & (line - 1))) {
				snprintf(err, errlen, "%s=%s: line=%s must be a power of two from 16 to 4096",
					 key, value, w + 5);
				return -EINVAL;
			}
			c->line = (unsigned int)line;
			continue;
		}
		snprintf(c->opts + strlen(c->opts), sizeof(c->opts) - strlen(c->opts), "%s%s",
			 c->opts[0] ? ":" : "", w);
	}
	return 0;
}

/* As written: the model's options are its own, so they come back verbatim. */
bool dmasim__cache_format(const void *plat, const void *choice, const char *key, FILE *out)
{
	const struct dmasim_platform *p = plat;
	const struct dmasim_cache_choice *c = choice;

	(void)key;
	fputs(c ? c->value : p->cache->ops->base.name, out);
	return true;
}

int dmasim__cache_create(struct dmasim_platform *p, const struct dmasim_cache_choice *c,
			 char *err, size_t errlen)
{
	const struct dmasim_cache_ops *ops = c->ops;
	struct dmasim_cache_config cfg = { 0 };
	const char *value = c->value;

	cfg.line = c->line;
	cfg.options = c->opts;
	cfg.seed = p->seed;
	cfg.ram = ram_access;
	cfg.ram_cookie = p;
	cfg.cpu = cpu_access;
	cfg.debug = p->debug;
	cfg.report = cache_report;
	p->cache = ops->alloc(&cfg);
	if (!p->cache) {
		snprintf(err, errlen, "cache=%s: the model refused its options", value);
		return -EINVAL;
	}
	p->cache->ops = ops;
	/* ABI 4 only: a model that asked to hear where mappings end (see <dmasim/backend.h>). */
	p->cache_tracks = ops->base.abi == 4 && p->cache->track_mappings;
	if (p->cache_tracks && !ops->unmapped) {
		snprintf(err, errlen, "cache=%s: the model tracks mappings but has no unmapped()", value);
		return -EINVAL;
	}
	if (p->cache->line < 16 || (p->cache->line & (p->cache->line - 1))) {
		snprintf(err, errlen, "cache=%s: the model chose line size %u (not a power of two >= 16)",
			 value, p->cache->line);
		return -EINVAL;
	}
	return 0;
}

void dmasim__cache_destroy(struct dmasim_platform *p)
{
	if (p->cache)
		p->cache->ops->free(p->cache);
	p->cache = NULL;
}

void dmasim__cache_sync_for_device(struct dmasim_device *d, phys_addr_t phys, size_t size,
				   enum dma_data_direction dir)
{
	struct dmasim_cache *c = d->plat->cache;

	c->ops->sync_for_device(c, &d->dev, phys, size, dir);
}

void dmasim__cache_sync_for_cpu(struct dmasim_device *d, phys_addr_t phys, size_t size,
				enum dma_data_direction dir)
{
	struct dmasim_cache *c = d->plat->cache;

	c->ops->sync_for_cpu(c, &d->dev, phys, size, dir);
}

void dmasim__cache_end_mapping(struct dmasim_device *d, phys_addr_t phys, size_t size)
{
	struct dmasim_cache *c = d->plat->cache;

	if (d->plat->cache_tracks)
		c->ops->unmapped(c, &d->dev, phys, size);
}

/*
 * As arch_dma_prep_coherent() (arch/arm64/mm/dma-mapping.c: clean and
 * invalidate): memory about to be used through an uncached alias leaves the
 * cache, so no line the CPU once dirtied there can be written back over
 * what the device puts in RAM.  A clean and an invalidate, through the
 * model's two hooks.
 */
void dmasim__cache_prep_coherent(struct dmasim_device *d, phys_addr_t phys, size_t size)
{
	struct dmasim_cache *c = d->plat->cache;

	if (d->dev.dma_coherent || (c->ops->base.caps & DMASIM_CACHE_CAP_COHERENT))
		return;
	c->ops->sync_for_device(c, &d->dev, phys, size, DMA_BIDIRECTIONAL);
	c->ops->sync_for_cpu(c, &d->dev, phys, size, DMA_BIDIRECTIONAL);
}
