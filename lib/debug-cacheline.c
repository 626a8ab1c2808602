/*
 * lib/debug-cacheline.c - the DMA-API debugging check on overlapping
 * mappings of one cache line.
 *
 * Two streaming mappings that share a cache line cannot both be kept
 * coherent: the maintenance of one discards or overwrites the other.  As
 * the kernel's dma-debug does, every cache line of an active streaming
 * mapping is counted (mappings the device only reads, and those made with
 * DMA_ATTR_SKIP_CPU_SYNC, are exempt), and mapping a line that is already
 * active is reported.  Only with debug on; the count lives in a libbsd
 * red-black tree of lines per platform.
 */
#include <stdlib.h>

#include "internal.h"

#define MAX_OVERLAP 7 /* as the kernel's ACTIVE_CACHELINE_MAX_OVERLAP */

struct active_line {
	RB_ENTRY(active_line) node;
	phys_addr_t line;
	unsigned int count;
};

static int line_cmp(const struct active_line *a, const struct active_line *b)
{
	return a->line < b->line ? -1 : a->line > b->line;
}

RB_HEAD(active_lines, active_line);
RB_GENERATE_STATIC(active_lines, active_line, node, line_cmp)

struct dmasim_cachelines {
	pthread_mutex_t lock;
	struct active_lines tree;
};

static unsigned int line_size(struct dmasim_platform *p)
{
	return p->cache && p->cache->line > L1_CACHE_BYTES ? p->cache->line : L1_CACHE_BYTES;
}

static bool tracked(struct dmasim_device *d, enum dma_data_direction dir, unsigned long attrs)
{
	return d->plat->debug && dir != DMA_TO_DEVICE && !(attrs & DMA_ATTR_SKIP_CPU_SYNC);
}

static struct dmasim_cachelines *lines_of(struct dmasim_platform *p)
{
	struct dmasim_cachelines *c = __atomic_load_n(&p->cachelines, __ATOMIC_ACQUIRE);

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	RB_INIT(&c->tree);
	/* First one wins; a loser frees its copy. */
	{
		struct dmasim_cachelines *expected = NULL;

		if (!__atomic_compare_exchange_n(&p->cachelines, &expected, c, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			pthread_mutex_destroy(&c->lock);
			free(c);
			c = expected;
		}
	}
	return c;
}

void dmasim__cachelines_add(struct dmasim_device *d, const char *call, phys_addr_t phys,
			    size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_cachelines *c;
	unsigned int ls = line_size(d->plat);
	phys_addr_t first = 0, over = 0;
	bool overlap = false, too_many = false;

	if (!tracked(d, dir, attrs) || !size || !(c = lines_of(d->plat)))
		return;
	pthread_mutex_lock(&c->lock);
	for (phys_addr_t l = phys & ~(phys_addr_t)(ls - 1); l < phys + size; l += ls) {
		struct active_line key = { .line = l }, *a = RB_FIND(active_lines, &c->tree, &key);

		if (a) {
			if (!overlap)
				first = l;
			overlap = true;
			if (++a->count > MAX_OVERLAP && !too_many) {
				too_many = true;
				over = l;
			}
			continue;
		}
		a = calloc(1, sizeof(*a));
		if (!a)
			break;
		a->line = l;
		a->count = 1;
		RB_INSERT(active_lines, &c->tree, a);
	}
	pthread_mutex_unlock(&c->lock);
	if (overlap)
		dmasim__debug_report(d, "%s: cacheline tracking EEXIST, overlapping mappings aren't supported [cacheline phys 0x%llx] [mapping phys 0x%llx+%zu]",
				     call, (unsigned long long)first, (unsigned long long)phys, size);
	if (too_many)
		dmasim__debug_report(d, "%s: exceeded %d overlapping mappings of cacheline phys 0x%llx",
				     call, MAX_OVERLAP, (unsigned long long)over);
}

void dmasim__cachelines_del(struct dmasim_device *d, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_cachelines *c = __atomic_load_n(&d->plat->cachelines, __ATOMIC_ACQUIRE);
	unsigned int ls = line_size(d->plat);

	if (!c || !tracked(d, dir, attrs) || !size)
		return;
	pthread_mutex_lock(&c->lock);
	for (phys_addr_t l = phys & ~(phys_addr_t)(ls - 1); l < phys + size; l += ls) {
		struct active_line key = { .line = l }, *a = RB_FIND(active_lines, &c->tree, &key);

		if (a && !--a->count) {
			RB_REMOVE(active_lines, &c->tree, a);
			free(a);
		}
	}
	pthread_mutex_unlock(&c->lock);
}

void dmasim__cachelines_destroy(struct dmasim_platform *p)
{
	struct dmasim_cachelines *c = p->cachelines;
	struct active_line *a, *tmp;

	if (!c)
		return;
	RB_FOREACH_SAFE(a, active_lines, &c->tree, tmp) {
		RB_REMOVE(active_lines, &c->tree, a);
		free(a);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
	p->cachelines = NULL;
}
