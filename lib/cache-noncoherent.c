/*
 * lib/cache-noncoherent.c - the "noncoherent" cache model: the CPU's caches
 * are not kept coherent with RAM by hardware, as on many ARM systems, so
 * the CPU's view of memory and RAM are two copies that only cache
 * maintenance brings together.
 *
 * The CPU view is a memfd of its own behind the linear map and every CPU
 * alias; devices read and write RAM.  Maintenance works on whole lines of the
 * configured size: clean copies the CPU view to RAM, invalidate copies RAM to
 * the CPU view.  Between them nothing moves, which is the worst case
 * hardware allows (the CPU may have prefetched the old bytes, the device
 * sees what the last clean wrote), so a missing sync shows stale data every
 * time.  The rules are those of the kernel's ARM code (arch_sync_dma_*):
 *
 *   for the device: TO_DEVICE/BIDIRECTIONAL clean; FROM_DEVICE writes back
 *                   the partial lines at the edges, then invalidates;
 *   for the CPU:    FROM_DEVICE/BIDIRECTIONAL invalidate; TO_DEVICE nothing.
 *
 * An invalidate discards whatever the CPU wrote to the same lines, so two
 * buffers sharing a line corrupt each other, as on hardware.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DEFAULT_LINE 64

struct nc_cache {
	struct dmasim_cache base;
};

static struct dmasim_cache *nc_alloc(const struct dmasim_cache_config *cfg)
{
	struct nc_cache *c;

	/* Random eviction needs dirty-line tracking, which this model does not have yet. */
	if (cfg->options && *cfg->options && strcmp(cfg->options, "evict=none"))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->base.line = cfg->line ? cfg->line : DEFAULT_LINE;
	c->base.ram = cfg->ram;
	c->base.ram_cookie = cfg->ram_cookie;
	c->base.cpu = cfg->cpu;
	return &c->base;
}

static void nc_free(struct dmasim_cache *c)
{
	free(container_of(c, struct nc_cache, base));
}

/* [*start, *end): @phys .. @phys + @size widened to whole lines. */
static void lines(const struct dmasim_cache *c, phys_addr_t phys, size_t size, phys_addr_t *start,
		  phys_addr_t *end)
{
	*start = phys & ~(phys_addr_t)(c->line - 1);
	*end = (phys + size + c->line - 1) & ~(phys_addr_t)(c->line - 1);
}

static void clean(struct dmasim_cache *c, phys_addr_t start, phys_addr_t end)
{
	if (end > start)
		memcpy(c->ram(c->ram_cookie, start), c->cpu(c->ram_cookie, start),
		       (size_t)(end - start));
}

static void invalidate(struct dmasim_cache *c, phys_addr_t start, phys_addr_t end)
{
	if (end > start)
		memcpy(c->cpu(c->ram_cookie, start), c->ram(c->ram_cookie, start),
		       (size_t)(end - start));
}

static void nc_sync_for_device(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
			       size_t size, enum dma_data_direction dir)
{
	phys_addr_t start, end;

	lines(c, phys, size, &start, &end);
	if (dir != DMA_FROM_DEVICE) {
		clean(c, start, end);
		return;
	}
	/* Partial lines at the edges hold someone else's bytes too: write them back first. */
	if (phys != start)
		clean(c, start, start + c->line);
	if (phys + size != end)
		clean(c, end - c->line, end);
	invalidate(c, start, end);
}

static void nc_sync_for_cpu(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
			    size_t size, enum dma_data_direction dir)
{
	phys_addr_t start, end;

	if (dir == DMA_TO_DEVICE)
		return;
	lines(c, phys, size, &start, &end);
	invalidate(c, start, end);
}

const struct dmasim_cache_ops dmasim__cache_noncoherent = {
	.base = {
		.abi = DMASIM_BACKEND_ABI,
		.kind = DMASIM_BACKEND_CACHE,
		.name = "noncoherent",
		.caps = 0,
		.help = "CPU view and RAM are two copies; clean/invalidate by line (line=N)",
	},
	.alloc = nc_alloc,
	.free = nc_free,
	.sync_for_device = nc_sync_for_device,
	.sync_for_cpu = nc_sync_for_cpu,
};
