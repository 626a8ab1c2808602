/*
 * lib/debug/cacheline.c - the DMA-API debugging check on overlapping
 * mappings of one cache line.
 *
 * Two streaming mappings that share a cache line cannot both be kept
 * coherent: the maintenance of one discards or overwrites the other.  As
 * the kernel's dma-debug does, every cache line of an active streaming
 * mapping is tracked (mappings the device only reads, and those made with
 * DMA_ATTR_SKIP_CPU_SYNC, are exempt), and mapping a line that is already
 * active is reported.  Only with debug on; the active ranges (one node per
 * mapping, line-aligned) live in a libbsd red-black tree per platform.
 */
#include <stdlib.h>

#include "debug/debug.h"

#define MAX_OVERLAP 7 /* as the kernel's ACTIVE_CACHELINE_MAX_OVERLAP */
#define SPARE_MAX 64  /* nodes kept for reuse: a map and an unmap then take no malloc() */

/* One active mapping's lines, [start, end): a node per mapping, not per line. */
struct active_range {
	union {
		RB_ENTRY(active_range) node;
		struct active_range *next_spare; /* on the spare list */
	};
	phys_addr_t start, end;
	unsigned long seq;
};

static int range_cmp(const struct active_range *a, const struct active_range *b)
{
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

RB_HEAD(active_ranges, active_range);
RB_GENERATE_STATIC(active_ranges, active_range, node, range_cmp)

struct dmasim_cachelines {
	pthread_mutex_t lock;
	struct active_ranges tree;
	phys_addr_t max_len; /* the longest range: how far back an overlap can start */
	unsigned long seq;
	struct active_range *spare; /* nodes out of the tree, up to SPARE_MAX */
	unsigned int nspare;
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
	struct dmasim_cachelines *expected = NULL;

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	RB_INIT(&c->tree);
	/* First one wins; a loser frees its copy. */
	if (!__atomic_compare_exchange_n(&p->cachelines, &expected, c, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		pthread_mutex_destroy(&c->lock);
		free(c);
		c = expected;
	}
	return c;
}

/* How many active ranges share a line with [start, end), and the first such line. Lock held. */
static unsigned int overlaps(struct dmasim_cachelines *c, phys_addr_t start, phys_addr_t end,
			     phys_addr_t *first)
{
	struct active_range key = { .start = end, .seq = 0 }, *r;
	unsigned int n = 0;

	*first = ~0ULL;
	/* Every range starting before @end and reaching past @start overlaps. */
	r = RB_NFIND(active_ranges, &c->tree, &key);
	r = r ? RB_PREV(active_ranges, &c->tree, r) : RB_MAX(active_ranges, &c->tree);
	for (; r && r->start + c->max_len > start; r = RB_PREV(active_ranges, &c->tree, r))
		if (r->end > start) {
			phys_addr_t f = r->start > start ? r->start : start;

			n++;
			if (f < *first)
				*first = f;
		}
	return n;
}

void dmasim__cachelines_add(struct dmasim_device *d, const char *call, phys_addr_t phys,
			    size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_cachelines *c;
	unsigned int ls = line_size(d->plat);
	struct active_range *r;
	phys_addr_t first = 0;
	unsigned int n;

	if (!tracked(d, dir, attrs) || !size || !(c = lines_of(d->plat)))
		return;
	pthread_mutex_lock(&c->lock);
	r = c->spare;
	if (r) {
		c->spare = r->next_spare;
		c->nspare--;
	} else {
		pthread_mutex_unlock(&c->lock);
		r = calloc(1, sizeof(*r));
		if (!r)
			return;
		pthread_mutex_lock(&c->lock);
	}
	r->start = phys & ~(phys_addr_t)(ls - 1);
	r->end = (phys + size + ls - 1) & ~(phys_addr_t)(ls - 1);
	n = overlaps(c, r->start, r->end, &first);
	r->seq = ++c->seq;
	RB_INSERT(active_ranges, &c->tree, r);
	if (r->end - r->start > c->max_len)
		c->max_len = r->end - r->start;
	pthread_mutex_unlock(&c->lock);
	if (n)
		dmasim__debug_report(d, "%s: cacheline tracking EEXIST, overlapping mappings aren't supported [cacheline phys 0x%llx] [mapping phys 0x%llx+%zu]",
				     call, (unsigned long long)first, (unsigned long long)phys, size);
	if (n >= MAX_OVERLAP)
		dmasim__debug_report(d, "%s: exceeded %d overlapping mappings of cacheline phys 0x%llx",
				     call, MAX_OVERLAP, (unsigned long long)first);
}

void dmasim__cachelines_del(struct dmasim_device *d, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_cachelines *c = __atomic_load_n(&d->plat->cachelines, __ATOMIC_ACQUIRE);
	unsigned int ls = line_size(d->plat);
	struct active_range key, *r, *gone = NULL;

	if (!c || !tracked(d, dir, attrs) || !size)
		return;
	key.start = phys & ~(phys_addr_t)(ls - 1);
	key.end = (phys + size + ls - 1) & ~(phys_addr_t)(ls - 1);
	key.seq = 0;
	pthread_mutex_lock(&c->lock);
	for (r = RB_NFIND(active_ranges, &c->tree, &key); r && r->start == key.start;
	     r = RB_NEXT(active_ranges, &c->tree, r))
		if (r->end == key.end) {
			RB_REMOVE(active_ranges, &c->tree, r);
			if (c->nspare < SPARE_MAX) {
				r->next_spare = c->spare;
				c->spare = r;
				c->nspare++;
			} else {
				gone = r;
			}
			break;
		}
	pthread_mutex_unlock(&c->lock);
	free(gone);
}

void dmasim__cachelines_destroy(struct dmasim_platform *p)
{
	struct dmasim_cachelines *c = p->cachelines;
	struct active_range *r, *tmp;

	if (!c)
		return;
	RB_FOREACH_SAFE(r, active_ranges, &c->tree, tmp) {
		RB_REMOVE(active_ranges, &c->tree, r);
		free(r);
	}
	while ((r = c->spare) != NULL) {
		c->spare = r->next_spare;
		free(r);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
	p->cachelines = NULL;
}
