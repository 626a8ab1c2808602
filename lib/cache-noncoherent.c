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
 *
 * With debug on, the model remembers each range it handed to a device (the
 * CPU view's bytes at that moment) until the range comes back with a sync
 * for the CPU, and reports what hardware would silently do: the CPU writing
 * a buffer the device owns, and an invalidate throwing away bytes the CPU
 * wrote next to the buffer in a shared line.  With evict=random (seeded),
 * lines the CPU dirtied meanwhile are written back at arbitrary syncs, which
 * overwrites what the device put in RAM: the shared-line bug made visible.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DEFAULT_LINE 64

/* A range the device owns, and the CPU view's bytes when it was handed over. */
struct owned {
	LIST_ENTRY(owned) link;
	struct device *dev;
	phys_addr_t bstart, bend;  /* the buffer */
	phys_addr_t start, end;    /* its lines */
	enum dma_data_direction dir;
	unsigned char *snap;       /* CPU view of [start, end) at hand-over */
};

struct nc_cache {
	struct dmasim_cache base;
	bool track;                /* debug on, or random eviction: remember hand-overs */
	bool evict;
	u64 rng;
	void (*report)(void *cookie, struct device *dev, phys_addr_t phys, const char *msg);
	pthread_mutex_t lock;
	LIST_HEAD(, owned) owned;
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
	c->track = evict || (cfg->debug && cfg->report);
	c->report = cfg->report;
	c->rng = cfg->seed * 0x9e3779b97f4a7c15ULL + 0x5eed;
	pthread_mutex_init(&c->lock, NULL);
	LIST_INIT(&c->owned);
	return &c->base;
}

static void nc_free(struct dmasim_cache *cache)
{
	struct nc_cache *c = to_nc(cache);
	struct owned *o;

	while ((o = LIST_FIRST(&c->owned)) != NULL) {
		LIST_REMOVE(o, link);
		free(o->snap);
		free(o);
	}
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

/*
 * evict=random: somewhere in the system the cache needed room.  Each line the
 * CPU dirtied in a range the device owns is written back with probability
 * 1/4, exactly what makes a shared line visible corruption.  Lock held.
 */
static void evict_some(struct nc_cache *nc)
{
	struct dmasim_cache *c = &nc->base;
	struct owned *o;

	LIST_FOREACH(o, &nc->owned, link)
		for (phys_addr_t l = o->start; l < o->end; l += c->line) {
			const unsigned char *cpu = c->cpu(c->ram_cookie, l);

			if (memcmp(cpu, o->snap + (l - o->start), c->line) &&
			    next_random(&nc->rng) % 4 == 0)
				clean(c, l, l + c->line);
		}
}

/* Remember that the device owns [phys, phys + size) from now on. Lock held. */
static void hand_over(struct nc_cache *nc, struct device *dev, phys_addr_t phys, size_t size,
		      enum dma_data_direction dir)
{
	struct dmasim_cache *c = &nc->base;
	struct owned *o;

	LIST_FOREACH(o, &nc->owned, link)
		if (o->dev == dev && o->bstart <= phys && phys + size <= o->bend)
			break;
	if (o && (o->bstart != phys || o->bend != phys + size)) {
		/* Part of a buffer the device already owns comes back to it: refresh that part. */
		phys_addr_t s0, e0;

		lines(c, phys, size, &s0, &e0);
		memcpy(o->snap + (s0 - o->start), c->cpu(c->ram_cookie, s0), (size_t)(e0 - s0));
		return;
	}
	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o)
			return;
		o->dev = dev;
		o->bstart = phys;
		o->bend = phys + size;
		lines(c, phys, size, &o->start, &o->end);
		o->snap = malloc((size_t)(o->end - o->start));
		if (!o->snap) {
			free(o);
			return;
		}
		LIST_INSERT_HEAD(&nc->owned, o, link);
	}
	o->dir = dir;
	memcpy(o->snap, c->cpu(c->ram_cookie, o->start), (size_t)(o->end - o->start));
}

static void report(struct nc_cache *nc, struct device *dev, phys_addr_t phys, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));

static void report(struct nc_cache *nc, struct device *dev, phys_addr_t phys, const char *fmt,
		   ...)
{
	char msg[400];
	va_list ap;

	if (!nc->report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nc->report(nc->base.ram_cookie, dev, phys, msg);
}

/* Count the bytes of [a, b) the CPU changed since the hand-over. */
static size_t changed(const struct nc_cache *nc, const struct owned *o, phys_addr_t a,
		      phys_addr_t b, phys_addr_t *first)
{
	const unsigned char *cpu = nc->base.cpu(nc->base.ram_cookie, a);
	const unsigned char *snap = o->snap + (a - o->start);
	size_t n = 0;

	for (phys_addr_t i = 0; i < b - a; i++)
		if (cpu[i] != snap[i] && !n++)
			*first = a + i;
	return n;
}

/*
 * The device gives [phys, phys + size) back: report what the CPU did to it
 * meanwhile, and forget it if it was the whole buffer.  Lock held.
 */
static void take_back(struct nc_cache *nc, struct device *dev, phys_addr_t phys, size_t size,
		      enum dma_data_direction dir)
{
	struct owned *o;
	phys_addr_t first = 0;
	size_t n;

	LIST_FOREACH(o, &nc->owned, link)
		if (o->dev == dev && o->bstart <= phys && phys + size <= o->bend)
			break;
	if (!o)
		return;
	n = changed(nc, o, phys, phys + size, &first);
	if (n)
		report(nc, dev, o->bstart, "cache: CPU wrote %zu bytes of a %s buffer while the device owned it [first at phys 0x%llx] [buffer phys 0x%llx+%llu]%s",
		       n, dmasim__dir_name(o->dir), (unsigned long long)first,
		       (unsigned long long)o->bstart, (unsigned long long)(o->bend - o->bstart),
		       dir != DMA_TO_DEVICE ? ": the invalidate discards them" :
					      ": the device may have read the old bytes");
	if (dir != DMA_TO_DEVICE && phys == o->bstart && phys + size == o->bend) {
		/* Bytes next to the buffer in its first and last lines go too. */
		n = changed(nc, o, o->start, o->bstart, &first) +
		    changed(nc, o, o->bend, o->end, &first);
		if (n)
			report(nc, dev, o->bstart, "cache: data loss: invalidating buffer phys 0x%llx+%llu discards %zu bytes the CPU wrote next to it in a shared cache line [at phys 0x%llx]",
			       (unsigned long long)o->bstart,
			       (unsigned long long)(o->bend - o->bstart), n,
			       (unsigned long long)first);
	}
	if (phys == o->bstart && phys + size == o->bend) {
		LIST_REMOVE(o, link);
		free(o->snap);
		free(o);
	}
}

static void nc_sync_for_device(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
			       size_t size, enum dma_data_direction dir)
{
	struct nc_cache *nc = to_nc(c);
	phys_addr_t start, end;

	if (nc->track)
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
	if (nc->track) {
		hand_over(nc, dev, phys, size, dir);
		pthread_mutex_unlock(&nc->lock);
	}
}

static void nc_sync_for_cpu(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
			    size_t size, enum dma_data_direction dir)
{
	struct nc_cache *nc = to_nc(c);
	phys_addr_t start, end;

	if (nc->track) {
		pthread_mutex_lock(&nc->lock);
		if (nc->evict)
			evict_some(nc);
		take_back(nc, dev, phys, size, dir);
		pthread_mutex_unlock(&nc->lock);
	}
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
		.help = "CPU view and RAM are two copies; clean/invalidate by line (line=N, evict=random)",
	},
	.alloc = nc_alloc,
	.free = nc_free,
	.sync_for_device = nc_sync_for_device,
	.sync_for_cpu = nc_sync_for_cpu,
};
