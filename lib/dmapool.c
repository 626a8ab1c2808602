/*
 * lib/dmapool.c - dma_pool: small, equally sized coherent DMA blocks carved
 * from pages that dma_alloc_coherent() hands out; part of the API layer.
 *
 * Semantics follow the kernel's mm/dmapool.c after its 2023 rewrite: one LIFO
 * stack of free blocks across all of a pool's pages, each free block holding
 * its own link and bus address, so alloc and free are constant time; pages
 * are only given back when the pool is destroyed.  What the kernel checks
 * only with CONFIG_DMAPOOL_DEBUG we always check, cheaply: the pages sit in
 * a red-black tree by CPU address with a bitmap of busy blocks each, so a
 * foreign, misaligned, mismatched or double free is reported and ignored,
 * and a corrupted free-list link is caught before it is followed.  With the
 * platform's debug on, freed blocks are poisoned and checked on reuse.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bitstring.h>
#include <sys/tree.h>

#include "internal.h"
#include <dmasim/dma-mapping.h>
#include <dmasim/dmapool.h>

#define POOL_POISON_FREED 0xa7     /* the kernel's values, so dumps look familiar */
#define POOL_POISON_ALLOCATED 0xa9
#define POOL_BUSY_REPORT_MAX 16    /* busy blocks listed one by one per destroy */

/*
 * What a free block holds in its first bytes; it is also the smallest block,
 * since every block must be able to hold it while free.  Blocks are only
 * @align aligned (the kernel's geometry), so the record is copied in and out
 * rather than accessed in place.
 */
struct pool_block {
	unsigned char *next;
	dma_addr_t dma;
};

struct pool_page {
	RB_ENTRY(pool_page) node;
	uintptr_t key;          /* CPU address, as a number for range arithmetic */
	unsigned char *vaddr;
	dma_addr_t dma;
	unsigned int nr_busy;
	bitstr_t busy[];        /* one bit per block, set while allocated */
};

RB_HEAD(pool_page_tree, pool_page);

struct dma_pool {
	char name[32];
	struct device *dev;
	struct dmasim_device *d;
	size_t size;            /* block size: aligned, at least a pool_block */
	size_t allocation;      /* bytes per page allocation */
	size_t boundary;        /* no block crosses a multiple of it */
	unsigned int blocks_per_seg; /* blocks between two boundaries */
	unsigned int blocks_per_page;
	bool debug;             /* snapshot: poison must be judged by one rule */

	pthread_mutex_t lock;   /* everything below */
	unsigned char *free_top;  /* top free block */
	struct pool_page_tree pages;
	size_t nr_pages;
	size_t nr_blocks;
	size_t nr_active;

	LIST_ENTRY(dma_pool) link; /* on d->pools, under d->lock */
};

static int page_cmp(const struct pool_page *a, const struct pool_page *b)
{
	return a->key < b->key ? -1 : a->key > b->key;
}

RB_GENERATE_STATIC(pool_page_tree, pool_page, node, page_cmp)

/*
 * The page containing @addr, or NULL.  Pages never overlap and are all
 * pool->allocation long, so the only candidate is the first page starting
 * after addr - allocation.
 */
static struct pool_page *page_of(struct dma_pool *pool, uintptr_t addr)
{
	struct pool_page key, *pg;

	key.key = addr >= pool->allocation - 1 ? addr - (pool->allocation - 1) : 0;
	pg = RB_NFIND(pool_page_tree, &pool->pages, &key);
	return pg && pg->key <= addr ? pg : NULL;
}

/* Index of the block starting @off bytes into a page, or -1 if none starts there. */
static long block_index(const struct dma_pool *pool, size_t off)
{
	size_t seg = off / pool->boundary, rem = off % pool->boundary;

	if (off >= pool->allocation || rem % pool->size ||
	    rem / pool->size >= pool->blocks_per_seg)
		return -1;
	return (long)(seg * pool->blocks_per_seg + rem / pool->size);
}

static size_t block_offset(const struct dma_pool *pool, unsigned int idx)
{
	return idx / pool->blocks_per_seg * pool->boundary +
	       idx % pool->blocks_per_seg * pool->size;
}

static struct pool_block block_record(const unsigned char *blk)
{
	struct pool_block rec;

	memcpy(&rec, blk, sizeof(rec));
	return rec;
}

static void block_push(struct dma_pool *pool, unsigned char *blk, dma_addr_t dma)
{
	struct pool_block rec = { .next = pool->free_top, .dma = dma };

	memcpy(blk, &rec, sizeof(rec));
	pool->free_top = blk;
}

/* Push every free block of @pg, lowest address on top, as the kernel hands them out. */
static void page_push_free(struct dma_pool *pool, struct pool_page *pg)
{
	for (unsigned int i = pool->blocks_per_page; i-- > 0;) {
		size_t off = block_offset(pool, i);

		if (!bit_test(pg->busy, i))
			block_push(pool, pg->vaddr + off, pg->dma + off);
	}
}

/*
 * A popped link did not lead to a free block of ours: a block was written
 * after it was freed.  The bitmaps are the truth, so rebuild the stack from
 * them rather than follow the bad pointer.
 */
static void free_list_rebuild(struct dma_pool *pool)
{
	struct pool_page *pg;

	pool->free_top = NULL;
	RB_FOREACH_REVERSE(pg, pool_page_tree, &pool->pages)
		page_push_free(pool, pg);
}

/*
 * Take the top free block and mark it busy.  Return NULL when the stack is
 * empty; *@bad receives a corrupted link found on the way (reported by the
 * caller, outside the lock).
 */
static unsigned char *block_pop(struct dma_pool *pool, void **bad)
{
	for (;;) {
		unsigned char *blk = pool->free_top;
		struct pool_block rec;
		struct pool_page *pg;
		long idx = -1;
		size_t off = 0;

		if (!blk)
			return NULL;
		/* Checked before the block is read: the link may point anywhere. */
		pg = page_of(pool, (uintptr_t)blk);
		if (pg) {
			off = (size_t)(blk - pg->vaddr);
			idx = block_index(pool, off);
		}
		if (idx >= 0)
			rec = block_record(blk);
		if (idx < 0 || bit_test(pg->busy, idx) || rec.dma != pg->dma + off) {
			*bad = blk;
			free_list_rebuild(pool);
			continue;
		}
		pool->free_top = rec.next;
		bit_set(pg->busy, idx);
		pg->nr_busy++;
		pool->nr_active++;
		return blk;
	}
}

/* A new page, not yet in the pool: from dma_alloc_coherent(), all blocks free. */
static struct pool_page *page_new(struct dma_pool *pool, gfp_t gfp)
{
	struct pool_page *pg = calloc(1, sizeof(*pg) + bitstr_size(pool->blocks_per_page));

	if (!pg)
		return NULL;
	pg->vaddr = dma_alloc_coherent(pool->dev, pool->allocation, &pg->dma, gfp);
	if (!pg->vaddr) {
		free(pg);
		return NULL;
	}
	pg->key = (uintptr_t)pg->vaddr;
	/* A fresh page counts as freed memory, so its blocks pass the reuse check. */
	if (pool->debug)
		memset(pg->vaddr, POOL_POISON_FREED, pool->allocation);
	return pg;
}

/* Report the first byte of a free block changed since it was freed. */
static void block_check_poison(struct dma_pool *pool, unsigned char *blk)
{
	for (size_t i = sizeof(struct pool_block); i < pool->size; i++) {
		if (blk[i] != POOL_POISON_FREED) {
			dmasim__dev_report(pool->d,
					   "dma_pool_alloc %s, %p (corrupted) [byte %zu is 0x%02x, freed blocks hold 0x%02x: written after dma_pool_free()]",
					   pool->name, (void *)blk, i, blk[i], POOL_POISON_FREED);
			return;
		}
	}
}

struct dma_pool *dma_pool_create(const char *name, struct device *dev, size_t size,
				 size_t align, size_t boundary)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_pool_create");
	struct dma_pool *pool;
	size_t allocation;

	if (!d)
		return NULL;
	if (!name)
		name = "(null)";
	if (dmasim_in_irq()) /* it allocates and may sleep */
		dmasim__debug_report(d, "dma_pool_create: pool %s: called from interrupt context", name);
	if (align == 0) {
		align = 1;
	} else if (align & (align - 1)) {
		dmasim__dev_report(d, "dma_pool_create: pool %s: align %zu is not a power of two",
				   name, align);
		return NULL;
	}
	if (size == 0) {
		dmasim__dev_report(d, "dma_pool_create: pool %s: size 0", name);
		return NULL;
	}
	if (size > INT_MAX) {
		dmasim__dev_report(d, "dma_pool_create: pool %s: size %zu is larger than INT_MAX",
				   name, size);
		return NULL;
	}
	if (size < sizeof(struct pool_block))
		size = sizeof(struct pool_block);
	size = ALIGN(size, align);
	/* The kernel would truncate this into an unsigned int; refuse instead. */
	if (size > INT_MAX) {
		dmasim__dev_report(d, "dma_pool_create: pool %s: size aligned to %zu is %zu, larger than INT_MAX",
				   name, align, size);
		return NULL;
	}
	allocation = size > PAGE_SIZE ? size : PAGE_SIZE;
	if (boundary == 0) {
		boundary = allocation;
	} else if (boundary & (boundary - 1)) {
		dmasim__dev_report(d, "dma_pool_create: pool %s: boundary %zu is not a power of two",
				   name, boundary);
		return NULL;
	} else if (boundary < size) {
		dmasim__dev_report(d, "dma_pool_create: pool %s: boundary %zu is smaller than the block size %zu",
				   name, boundary, size);
		return NULL;
	}
	if (boundary > allocation)
		boundary = allocation;

	pool = calloc(1, sizeof(*pool));
	if (!pool) {
		dmasim__log(d->plat, DMASIM_LOG_ERR, "DMA-API: %s: dma_pool_create: pool %s: out of host memory",
			    d->name, name);
		return NULL;
	}
	strlcpy(pool->name, name, sizeof(pool->name));
	pool->dev = dev;
	pool->d = d;
	pool->size = size;
	pool->allocation = allocation;
	pool->boundary = boundary;
	/* boundary is either the whole allocation or a power of two dividing it. */
	pool->blocks_per_seg = (unsigned int)(boundary / size);
	pool->blocks_per_page = (unsigned int)(allocation / boundary) * pool->blocks_per_seg;
	pool->debug = d->plat->debug;
	pthread_mutex_init(&pool->lock, NULL);
	RB_INIT(&pool->pages);

	pthread_mutex_lock(&d->lock);
	LIST_INSERT_HEAD(&d->pools, pool, link);
	pthread_mutex_unlock(&d->lock);
	return pool;
}

/*
 * Give the pages back.  @teardown is set when the device itself goes away:
 * the caller has already counted the busy blocks, and leaking pages of a
 * vanished device would only repeat that report, so they are all freed.
 */
static void pool_destroy(struct dma_pool *pool, bool teardown)
{
	struct dmasim_device *d = pool->d;
	struct pool_page *pg, *tmp;
	size_t listed = 0, unlisted = 0;

	pthread_mutex_lock(&d->lock);
	LIST_REMOVE(pool, link);
	pthread_mutex_unlock(&d->lock);

	pthread_mutex_lock(&pool->lock);
	RB_FOREACH_SAFE(pg, pool_page_tree, &pool->pages, tmp) {
		RB_REMOVE(pool_page_tree, &pool->pages, pg);
		if (pg->nr_busy && !teardown) {
			/* The device may still be using them: leak the page, as the kernel does. */
			for (unsigned int i = 0; i < pool->blocks_per_page; i++) {
				if (!bit_test(pg->busy, i))
					continue;
				if (listed++ < POOL_BUSY_REPORT_MAX)
					dmasim__dev_report(d, "dma_pool_destroy %s, %p busy", pool->name,
							   (void *)(pg->vaddr + block_offset(pool, i)));
				else
					unlisted++;
			}
		} else {
			dma_free_coherent(pool->dev, pool->allocation, pg->vaddr, pg->dma);
		}
		free(pg);
	}
	pthread_mutex_unlock(&pool->lock);
	if (unlisted)
		dmasim__dev_report(d, "dma_pool_destroy %s: %zu more busy blocks not listed",
				   pool->name, unlisted);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

void dma_pool_destroy(struct dma_pool *pool)
{
	if (!pool)
		return;
	if (dmasim_in_irq()) /* it frees coherent memory, which may sleep */
		dmasim__debug_report(pool->d, "dma_pool_destroy %s: called from interrupt context",
				     pool->name);
	pool_destroy(pool, false);
}

void *dma_pool_alloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle)
{
	unsigned char *blk;
	void *bad = NULL;
	dma_addr_t dma;

	if (!pool)
		return NULL;
	if (!handle) {
		dmasim__dev_report(pool->d, "dma_pool_alloc %s: NULL handle (the block could never be freed)",
				   pool->name);
		return NULL;
	}
	if (dmasim__should_fail(pool->d->plat, FAIL_POOL, pool->d, "dma_pool_alloc"))
		return NULL;
	pthread_mutex_lock(&pool->lock);
	blk = block_pop(pool, &bad);
	if (!blk) {
		struct pool_page *pg;

		/* The page allocator takes other locks: do not hold ours across it. */
		pthread_mutex_unlock(&pool->lock);
		pg = page_new(pool, mem_flags & ~__GFP_ZERO);
		if (!pg)
			return NULL;
		pthread_mutex_lock(&pool->lock);
		RB_INSERT(pool_page_tree, &pool->pages, pg);
		pool->nr_pages++;
		pool->nr_blocks += pool->blocks_per_page;
		page_push_free(pool, pg);
		blk = block_pop(pool, &bad);
	}
	dma = block_record(blk).dma;
	pthread_mutex_unlock(&pool->lock);

	if (bad)
		dmasim__dev_report(pool->d,
				   "dma_pool_alloc %s, %p (corrupted) [a free block's link was overwritten after dma_pool_free(); free list rebuilt]",
				   pool->name, bad);
	*handle = dma;
	if (pool->debug) {
		block_check_poison(pool, blk);
		if (!(mem_flags & __GFP_ZERO))
			memset(blk, POOL_POISON_ALLOCATED, pool->size);
	}
	if (mem_flags & __GFP_ZERO)
		memset(blk, 0, pool->size);
	return blk;
}

void *dma_pool_zalloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle)
{
	return dma_pool_alloc(pool, mem_flags | __GFP_ZERO, handle);
}

void dma_pool_free(struct dma_pool *pool, void *vaddr, dma_addr_t dma)
{
	enum { FREE_OK, BAD_VADDR, BAD_DMA, ALREADY_FREE } err = FREE_OK;
	struct pool_page *pg;
	long idx = -1;
	size_t off = 0;

	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pg = page_of(pool, (uintptr_t)vaddr);
	if (pg) {
		off = (size_t)((unsigned char *)vaddr - pg->vaddr);
		idx = block_index(pool, off);
	}
	if (idx < 0)
		err = BAD_VADDR;
	else if (dma != pg->dma + off)
		err = BAD_DMA;
	else if (!bit_test(pg->busy, idx))
		err = ALREADY_FREE;
	if (err == FREE_OK) {
		bit_clear(pg->busy, idx);
		pg->nr_busy--;
		pool->nr_active--;
		if (pool->debug)
			memset(vaddr, POOL_POISON_FREED, pool->size);
		block_push(pool, vaddr, dma);
	}
	pthread_mutex_unlock(&pool->lock);

	switch (err) {
	case FREE_OK:
		break;
	case BAD_VADDR:
		dmasim__dev_report(pool->d, "dma_pool_free %s, %p/0x%llx (bad vaddr)", pool->name,
				   vaddr, (unsigned long long)dma);
		break;
	case BAD_DMA:
		dmasim__dev_report(pool->d, "dma_pool_free %s, %p/0x%llx (bad dma) [the block's bus address is 0x%llx]",
				   pool->name, vaddr, (unsigned long long)dma,
				   (unsigned long long)(pg->dma + off));
		break;
	case ALREADY_FREE:
		dmasim__dev_report(pool->d, "dma_pool_free %s, %p/0x%llx (already free)", pool->name,
				   vaddr, (unsigned long long)dma);
		break;
	}
}

/* ---- managed pools ---------------------------------------------------------- */

static void dmam_pool_release(struct device *dev, void *data)
{
	dma_pool_destroy(data);
}

struct dma_pool *dmam_pool_create(const char *name, struct device *dev, size_t size,
				  size_t align, size_t allocation)
{
	struct dma_pool *pool = dma_pool_create(name, dev, size, align, allocation);

	if (!pool)
		return NULL;
	if (dmasim__devres_add(pool->d, dmam_pool_release, pool, 0, 0, NULL)) {
		dma_pool_destroy(pool);
		return NULL;
	}
	return pool;
}

void dmam_pool_destroy(struct dma_pool *pool)
{
	if (!pool)
		return;
	/* Like devres_release(): a pool that is not managed is left alone. */
	if (dmasim__devres_remove(pool->d, dmam_pool_release, pool)) {
		dmasim__dev_report(pool->d, "dmam_pool_destroy %s: not a managed pool (use dma_pool_destroy())",
				   pool->name);
		return;
	}
	dma_pool_destroy(pool);
}

/* ---- device teardown and test hooks ------------------------------------------ */

void dmasim__pools_release(struct dmasim_device *d)
{
	for (;;) {
		struct dma_pool *pool;
		size_t busy;

		pthread_mutex_lock(&d->lock);
		pool = LIST_FIRST(&d->pools);
		pthread_mutex_unlock(&d->lock);
		if (!pool)
			break;
		pthread_mutex_lock(&pool->lock);
		busy = pool->nr_active;
		pthread_mutex_unlock(&pool->lock);
		dmasim__dev_report(d, "dma_pool %s was never destroyed (%zu blocks busy)", pool->name,
				   busy);
		pool_destroy(pool, true);
	}
}

void dmasim__pool_counts(struct dma_pool *pool, size_t *pages, size_t *blocks, size_t *busy)
{
	pthread_mutex_lock(&pool->lock);
	if (pages)
		*pages = pool->nr_pages;
	if (blocks)
		*blocks = pool->nr_blocks;
	if (busy)
		*busy = pool->nr_active;
	pthread_mutex_unlock(&pool->lock);
}
