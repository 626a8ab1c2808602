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
 * time.  The rules are those of the kernel's arm64 code (arch_sync_dma_*
 * in arch/arm64/mm/dma-mapping.c):
 *
 *   for the device: clean, in every direction;
 *   for the CPU:    FROM_DEVICE/BIDIRECTIONAL invalidate; TO_DEVICE nothing.
 *
 * FROM_DEVICE is cleaned, not invalidated as ARM32 does: what the CPU wrote
 * before the hand-over must reach RAM, above all a swiotlb slot's copy of
 * the original (kernel/dma/swiotlb.c copies it in every direction, so that
 * the bytes the device does not write come back unchanged); invalidating
 * the slot right after that copy lost them.
 *
 * An invalidate discards whatever the CPU wrote to the same lines, so two
 * buffers sharing a line corrupt each other, as on hardware.
 *
 * The model knows nothing of mappings, devices' ownership or misuse: that is
 * DMA-API debugging's (lib/debug/ownership.c), which watches the same
 * hand-overs from the API layer when debug is on.
 *
 * With evict=random (seeded), the cache also writes lines back on its own,
 * as hardware may do with any dirty line at any time.  The model cannot see
 * CPU stores, so it knows a line is dirty the way a cache's dirty bit would:
 * it keeps the bytes of each line it cleaned or invalidated for a device
 * (the line is clean then) and calls the line dirty once the CPU view
 * differs from them.  At every maintenance operation each such dirty line
 * is written back with probability 1/4: a CPU write to a buffer the device
 * owns, or next to it in a shared line, then overwrites what the device put
 * in RAM, the bug made visible.  A line maintained for the CPU (sync for
 * the CPU, unmap) is dropped from that set: the CPU uses it now, and its
 * write-back could not change what any correct driver sees.  The set holds
 * at most HELD_MAX lines, the oldest leaving first (written back if
 * dirty, as a full cache evicts).  A line only ever leaves RAM's view
 * through a write-back of what the CPU really dirtied, so no correct
 * sequence loses a device's write, however its mappings end.  With
 * evict=none the model keeps no per-line state at all.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <dmasim/backend.h>

#define DEFAULT_LINE 64
#define HELD_MAX 4096u  /* lines remembered for evict=random */
#define NO_SLOT UINT32_MAX

/* A line the model cleaned or invalidated for a device: its bytes at that moment. */
struct held {
	phys_addr_t line;
	uint32_t next;          /* hash chain */
	uint32_t older, newer;  /* the held list, oldest first; newer also chains free slots */
	bool used;
};

struct nc_cache {
	struct dmasim_cache base;
	bool evict;
	u64 rng;
	pthread_mutex_t lock;   /* evict=random: the held lines */
	struct held *held;      /* HELD_MAX slots */
	unsigned char *bytes;   /* HELD_MAX lines: each slot's bytes when it was maintained */
	uint32_t *bucket;       /* 2 * HELD_MAX chain heads */
	uint32_t oldest, newest; /* the held list (NO_SLOT if empty) */
	uint32_t free;          /* the free slots */
};

static struct nc_cache *to_nc(struct dmasim_cache *c)
{
	return container_of(c, struct nc_cache, base);
}

static void nc_free(struct dmasim_cache *cache)
{
	struct nc_cache *c = to_nc(cache);

	free(c->held);
	free(c->bytes);
	free(c->bucket);
	pthread_mutex_destroy(&c->lock);
	free(c);
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
	pthread_mutex_init(&c->lock, NULL);
	c->base.line = cfg->line ? cfg->line : DEFAULT_LINE;
	c->base.ram = cfg->ram;
	c->base.ram_cookie = cfg->ram_cookie;
	c->base.cpu = cfg->cpu;
	c->evict = evict;
	c->rng = cfg->seed * 0x9e3779b97f4a7c15ULL + 0x5eed;
	if (evict) {
		c->held = calloc(HELD_MAX, sizeof(*c->held));
		c->bytes = malloc((size_t)HELD_MAX * c->base.line);
		c->bucket = malloc(2 * HELD_MAX * sizeof(*c->bucket));
		if (!c->held || !c->bytes || !c->bucket) {
			nc_free(&c->base);
			return NULL;
		}
		memset(c->bucket, 0xff, 2 * HELD_MAX * sizeof(*c->bucket));
		for (uint32_t i = 0; i < HELD_MAX; i++)
			c->held[i].newer = i + 1 < HELD_MAX ? i + 1 : NO_SLOT;
		c->free = 0;
		c->oldest = c->newest = NO_SLOT;
	}
	return &c->base;
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

/* ---- evict=random: the held lines (lock held) ------------------------------------- */

static uint32_t *chain_of(struct nc_cache *nc, phys_addr_t line)
{
	u64 h = (u64)(line / nc->base.line) * 0x9e3779b97f4a7c15ULL;

	return &nc->bucket[h >> (64 - __builtin_ctz(2 * HELD_MAX))];
}

static unsigned char *bytes_of(struct nc_cache *nc, uint32_t slot)
{
	return nc->bytes + (size_t)slot * nc->base.line;
}

static uint32_t find_held(struct nc_cache *nc, phys_addr_t line)
{
	uint32_t i;

	for (i = *chain_of(nc, line); i != NO_SLOT; i = nc->held[i].next)
		if (nc->held[i].line == line)
			return i;
	return NO_SLOT;
}

static bool dirty(struct nc_cache *nc, uint32_t slot)
{
	return memcmp(nc->base.cpu(nc->base.ram_cookie, nc->held[slot].line), bytes_of(nc, slot),
		      nc->base.line) != 0;
}

/* Write a dirty held line back to RAM: it is clean again, with these bytes. */
static void write_back(struct nc_cache *nc, uint32_t slot)
{
	phys_addr_t l = nc->held[slot].line;

	clean(&nc->base, l, l + nc->base.line);
	memcpy(bytes_of(nc, slot), nc->base.cpu(nc->base.ram_cookie, l), nc->base.line);
}

static void unhold(struct nc_cache *nc, uint32_t slot)
{
	struct held *h = &nc->held[slot];
	uint32_t *pp = chain_of(nc, h->line);

	while (*pp != slot)
		pp = &nc->held[*pp].next;
	*pp = h->next;
	if (h->older != NO_SLOT)
		nc->held[h->older].newer = h->newer;
	else
		nc->oldest = h->newer;
	if (h->newer != NO_SLOT)
		nc->held[h->newer].older = h->older;
	else
		nc->newest = h->older;
	h->used = false;
	h->newer = nc->free;
	nc->free = slot;
}

/* @line was just cleaned or invalidated for a device: it is clean, with the CPU view's bytes. */
static void hold(struct nc_cache *nc, phys_addr_t line)
{
	uint32_t slot = find_held(nc, line), *head;
	struct held *h;

	if (slot == NO_SLOT) {
		if (nc->free == NO_SLOT) {
			/* Full: the oldest line leaves, written back if the CPU dirtied it. */
			if (dirty(nc, nc->oldest))
				write_back(nc, nc->oldest);
			unhold(nc, nc->oldest);
		}
		slot = nc->free;
		h = &nc->held[slot];
		nc->free = h->newer;
		head = chain_of(nc, line);
		h->line = line;
		h->next = *head;
		h->used = true;
		*head = slot;
		h->older = nc->newest;
		h->newer = NO_SLOT;
		if (nc->newest != NO_SLOT)
			nc->held[nc->newest].newer = slot;
		else
			nc->oldest = slot;
		nc->newest = slot;
	}
	memcpy(bytes_of(nc, slot), nc->base.cpu(nc->base.ram_cookie, line), nc->base.line);
}

static void hold_range(struct nc_cache *nc, phys_addr_t start, phys_addr_t end)
{
	for (phys_addr_t l = start; l < end; l += nc->base.line)
		hold(nc, l);
}

/* The CPU takes [start, end) back: the model stops watching those lines. */
static void drop_range(struct nc_cache *nc, phys_addr_t start, phys_addr_t end)
{
	for (phys_addr_t l = start; l < end; l += nc->base.line) {
		uint32_t slot = find_held(nc, l);

		if (slot != NO_SLOT)
			unhold(nc, slot);
	}
}

/*
 * Somewhere in the system the cache needed room: each held line the CPU
 * dirtied is written back with probability 1/4, oldest first (so a seed
 * replays exactly).
 */
static void evict_some(struct nc_cache *nc)
{
	for (uint32_t i = nc->oldest; i != NO_SLOT; i = nc->held[i].newer)
		if (dirty(nc, i) && next_random(&nc->rng) % 4 == 0)
			write_back(nc, i);
}

/* ---- the two hooks ------------------------------------------------------------------ */

static void nc_sync_for_device(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
			       size_t size, enum dma_data_direction dir)
{
	struct nc_cache *nc = to_nc(c);
	phys_addr_t start, end;

	(void)dev;
	if (nc->evict) {
		pthread_mutex_lock(&nc->lock);
		evict_some(nc);
	}
	(void)dir; /* every direction: clean (see the header) */
	lines(c, phys, size, &start, &end);
	clean(c, start, end);
	if (nc->evict) {
		hold_range(nc, start, end);
		pthread_mutex_unlock(&nc->lock);
	}
}

static void nc_sync_for_cpu(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
			    size_t size, enum dma_data_direction dir)
{
	struct nc_cache *nc = to_nc(c);
	phys_addr_t start, end;

	(void)dev;
	lines(c, phys, size, &start, &end);
	if (nc->evict) {
		pthread_mutex_lock(&nc->lock);
		evict_some(nc);
		drop_range(nc, start, end);
	}
	if (dir != DMA_TO_DEVICE)
		invalidate(c, start, end);
	if (nc->evict)
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
};
