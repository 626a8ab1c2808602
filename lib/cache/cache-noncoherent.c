/*
 * lib/cache/cache-noncoherent.c - the "noncoherent" cache model: the CPU's caches
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
 *
 * With debug on, the model tracks who owns each line (cache-ownership.c):
 * a hand-over to a device records the CPU view of its lines, any part of a
 * line coming back gives the line back, and the end of a mapping ends it.
 * It reports what hardware would silently do: the CPU writing a buffer the
 * device owns, and an invalidate throwing away bytes the CPU wrote next to
 * the buffer in a shared line.  With evict=random (seeded), lines the CPU
 * dirtied while a device owned them are written back at arbitrary syncs,
 * which overwrites what the device put in RAM: the shared-line bug made
 * visible.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <dmasim/backend.h>

#include "cache-ownership.h"

#define DEFAULT_LINE 64

struct nc_cache {
	struct dmasim_cache base;
	bool evict;
	u64 rng;
	pthread_mutex_t lock;
	struct dmasim_ownership *owners; /* debug on, or random eviction: who owns each line */
};

static struct nc_cache *to_nc(struct dmasim_cache *c)
{
	return container_of(c, struct nc_cache, base);
}

static struct dmasim_cache *nc_alloc(const struct dmasim_cache_config *cfg)
{
	struct nc_cache *c;
	bool evict = false;

	if (cfg->options && *cfg->options) {
		if (!strcmp(cfg->options, "evict=random"))
			evict = true;
		else if (strcmp(cfg->options, "evict=none"))
			return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->base.line = cfg->line ? cfg->line : DEFAULT_LINE;
	c->base.ram = cfg->ram;
	c->base.ram_cookie = cfg->ram_cookie;
	c->base.cpu = cfg->cpu;
	c->evict = evict;
	c->rng = cfg->seed * 0x9e3779b97f4a7c15ULL + 0x5eed;
	if (evict || (cfg->debug && cfg->report)) {
		c->owners = dmasim__ownership_create(c->base.line, cfg->cpu, cfg->ram_cookie,
						     cfg->debug ? cfg->report : NULL);
		if (!c->owners) {
			free(c);
			return NULL;
		}
		c->base.track_mappings = true;
	}
	pthread_mutex_init(&c->lock, NULL);
	return &c->base;
}

static void nc_free(struct dmasim_cache *cache)
{
	struct nc_cache *c = to_nc(cache);

	dmasim__ownership_destroy(c->owners);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static u64 next_random(u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
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

/* A dirty line of a device's: the cache needed room, with probability 1/4. */
static void maybe_evict(void *ctx, phys_addr_t line)
{
	struct nc_cache *nc = ctx;

	if (next_random(&nc->rng) % 4 == 0)
		clean(&nc->base, line, line + nc->base.line);
}

/*
 * evict=random: somewhere in the system the cache needed room.  Each line the
 * CPU dirtied while a device owned it may be written back, exactly what makes
 * a shared line visible corruption.  Lock held.
 */
static void evict_some(struct nc_cache *nc)
{
	dmasim__ownership_for_each_dirty(nc->owners, maybe_evict, nc);
}

static void nc_sync_for_device(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
			       size_t size, enum dma_data_direction dir)
{
	struct nc_cache *nc = to_nc(c);
	phys_addr_t start, end;

	if (nc->owners)
		pthread_mutex_lock(&nc->lock);
	if (nc->evict)
		evict_some(nc);
	lines(c, phys, size, &start, &end);
	if (dir != DMA_FROM_DEVICE) {
		clean(c, start, end);
	} else {
		/* Partial lines at the edges hold someone else's bytes too: write them back first. */
		if (phys != start)
			clean(c, start, start + c->line);
		if (phys + size != end)
			clean(c, end - c->line, end);
		invalidate(c, start, end);
	}
	if (nc->owners) {
		dmasim__ownership_to_device(nc->owners, dev, phys, size, dir);
		pthread_mutex_unlock(&nc->lock);
	}
}

static void nc_sync_for_cpu(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
			    size_t size, enum dma_data_direction dir)
{
	struct nc_cache *nc = to_nc(c);
	phys_addr_t start, end;

	if (nc->owners) {
		pthread_mutex_lock(&nc->lock);
		if (nc->evict)
			evict_some(nc);
		dmasim__ownership_to_cpu(nc->owners, dev, phys, size, dir != DMA_TO_DEVICE);
		pthread_mutex_unlock(&nc->lock);
	}
	if (dir == DMA_TO_DEVICE)
		return;
	lines(c, phys, size, &start, &end);
	invalidate(c, start, end);
}

/* The mapping ended, synced or not: what its device owned is the CPU's, with nothing to check. */
static void nc_unmapped(struct dmasim_cache *c, struct device *dev, phys_addr_t phys, size_t size)
{
	struct nc_cache *nc = to_nc(c);

	if (!nc->owners)
		return;
	pthread_mutex_lock(&nc->lock);
	dmasim__ownership_end(nc->owners, dev, phys, size);
	pthread_mutex_unlock(&nc->lock);
}

const struct dmasim_cache_ops dmasim__cache_noncoherent = {
	.base = {
		.abi = DMASIM_BACKEND_ABI,
		.kind = DMASIM_BACKEND_CACHE,
		.name = "noncoherent",
		.caps = 0,
		.help = "CPU view and RAM are two copies; clean/invalidate by line (line=N, evict=random)",
	},
	.alloc = nc_alloc,
	.free = nc_free,
	.sync_for_device = nc_sync_for_device,
	.sync_for_cpu = nc_sync_for_cpu,
	.unmapped = nc_unmapped,
};
