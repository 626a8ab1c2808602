/*
 * lib/dma/dmapool.c - dma_pool: small, equally sized coherent DMA blocks carved
 * from pages that dma_alloc_coherent() hands out; part of the API layer.
 *
 * Semantics follow the kernel's mm/dmapool.c after its 2023 rewrite: one LIFO
 * stack of free blocks across all of a pool's pages (the block freed last is
 * handed out first, a fresh page from its lowest address up), constant-time
 * alloc and free, pages given back only when the pool is destroyed.  Unlike
 * the kernel, the stack lives outside the blocks, as 32-bit block ids (page
 * number and index), and a page is found from a CPU address through a hash
 * of its host pages, so alloc and free never touch block memory and cost the
 * same whatever the block size.  What the kernel checks only with
 * CONFIG_DMAPOOL_DEBUG we always check, cheaply: a busy bit per block, so a
 * foreign, misaligned, mismatched or double free is reported and ignored.
 * With the platform's debug on, freed blocks are poisoned whole and checked
 * on reuse.  Since no link lives in a free block, a driver writing to one
 * cannot corrupt the free list here; with debug on the poison check reports
 * it (naming the kernel's link when the write hit its bytes), with debug off
 * it goes unseen, as the kernel's write would until its list broke.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bitstring.h>

#include "dma/dma.h"
#include <dmasim/dma-mapping.h>
#include <dmasim/dmapool.h>

#define POOL_POISON_FREED 0xa7     /* the kernel's values, so dumps look familiar */
#define POOL_POISON_ALLOCATED 0xa9
#define POOL_BUSY_REPORT_MAX 16    /* busy blocks listed one by one per destroy */
/*
 * The smallest block: the kernel's free-block record (link and bus address),
 * which it keeps in the block's first bytes.  dmasim keeps no record there,
 * but the kernel's geometry is the product.
 */
#define POOL_MIN_BLOCK (sizeof(void *) + sizeof(dma_addr_t))
#define POOL_ID_BITS 32            /* block ids: page number << idx_bits | index */

/* One page allocation of the pool, indexed by page number. */
struct pool_page {
	unsigned char *vaddr;
	dma_addr_t dma;
};

/* A host page of a pool page, by CPU page number: the free path's lookup. */
struct pool_slot {
	uintptr_t pfn;          /* CPU address >> PAGE_SHIFT */
	uint32_t page;          /* page number + 1; 0: empty slot */
};

struct dma_pool {
	char name[32];
	struct device *dev;
	struct dmasim_device *d;
	size_t size;            /* block size: aligned, at least POOL_MIN_BLOCK */
	size_t asked;           /* the size dma_pool_create() was given: the rest is redzone */
	size_t allocation;      /* bytes per page allocation */
	size_t boundary;        /* no block crosses a multiple of it */
	unsigned int blocks_per_seg; /* blocks between two boundaries */
	unsigned int blocks_per_page;
	unsigned int idx_bits;  /* bits of a block id holding the index in its page */
	int size_shift;         /* log2(size) when blocks tile the page; -1: divide */
	bool debug;             /* snapshot: poison must be judged by one rule */

	pthread_mutex_t lock;   /* everything below */
	struct pool_page *pages;
	size_t nr_pages, pages_cap;
	struct pool_slot *slots; /* open addressing, linear probing, load <= 1/2 */
	unsigned int slot_bits;
	size_t nr_slots;        /* used */
	bitstr_t *busy;         /* by block id, set while allocated */
	uint32_t *free_ids;     /* the LIFO stack of free block ids, top last */
	size_t nr_free, free_cap;
	size_t nr_blocks;
	size_t nr_active;

	LIST_ENTRY(dma_pool) link; /* on d->pools, under d->lock */
};

static size_t slot_hash(const struct dma_pool *pool, uintptr_t pfn)
{
	return (size_t)(((uint64_t)pfn * 0x9e3779b97f4a7c15ull) >> (64 - pool->slot_bits));
}

/* The number of the page holding @addr, or -1.  Only CPU pages of ours are in the table. */
static long page_of(const struct dma_pool *pool, uintptr_t addr)
{
	uintptr_t pfn = addr >> PAGE_SHIFT;
	size_t mask = ((size_t)1 << pool->slot_bits) - 1;

	if (!pool->slots)
		return -1;
	for (size_t i = slot_hash(pool, pfn);; i = (i + 1) & mask) {
		const struct pool_slot *s = &pool->slots[i];

		if (!s->page)
			return -1;
		if (s->pfn == pfn)
			return (long)s->page - 1;
	}
}

static void slot_insert(struct pool_slot *slots, const struct dma_pool *pool,
			uintptr_t pfn, uint32_t page)
{
	size_t mask = ((size_t)1 << pool->slot_bits) - 1;
	size_t i = slot_hash(pool, pfn);

	while (slots[i].page)
		i = (i + 1) & mask;
	slots[i] = (struct pool_slot){ .pfn = pfn, .page = page + 1 };
}

/* Index of the block starting @off bytes into a page, or -1 if none starts there. */
static long block_index(const struct dma_pool *pool, size_t off)
{
	size_t seg, rem;

	if (off >= pool->allocation)
		return -1;
	if (pool->size_shift >= 0)
		return off & (pool->size - 1) ? -1 : (long)(off >> pool->size_shift);
	seg = off / pool->boundary;
	rem = off % pool->boundary;
	if (rem % pool->size || rem / pool->size >= pool->blocks_per_seg)
		return -1;
	return (long)(seg * pool->blocks_per_seg + rem / pool->size);
}

static size_t block_offset(const struct dma_pool *pool, unsigned int idx)
{
	if (pool->size_shift >= 0)
		return (size_t)idx << pool->size_shift;
	return idx / pool->blocks_per_seg * pool->boundary +
	       idx % pool->blocks_per_seg * pool->size;
}

static uint32_t block_id(const struct dma_pool *pool, size_t page, unsigned int idx)
{
	return (uint32_t)(page << pool->idx_bits | idx);
}

/* @arr grown to hold @need elements of @elem bytes (doubling), or NULL (@arr is kept). */
static void *grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return arr;
	while (n < need)
		n *= 2;
	p = reallocarray(arr, n, elem);
	if (p)
		*cap = n;
	return p;
}

/* Room in the slot table for @more host pages, keeping it at most half full. */
static int slots_reserve(struct dma_pool *pool, size_t more)
{
	unsigned int bits = pool->slot_bits ? pool->slot_bits : 6;
	struct pool_slot *slots;

	while ((pool->nr_slots + more) * 2 > (size_t)1 << bits)
		bits++;
	if (pool->slots && bits == pool->slot_bits)
		return 0;
	slots = calloc((size_t)1 << bits, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	if (pool->slots) {
		unsigned int old_bits = pool->slot_bits;

		pool->slot_bits = bits;
		for (size_t i = 0; i < (size_t)1 << old_bits; i++)
			if (pool->slots[i].page)
				slot_insert(slots, pool, pool->slots[i].pfn, pool->slots[i].page - 1);
		free(pool->slots);
	}
	pool->slots = slots;
	pool->slot_bits = bits;
	return 0;
}

/*
 * Make @vaddr/@dma the pool's next page and push its blocks, lowest address
 * on top, as the kernel hands them out.  Return 0, or a negative errno when
 * the bookkeeping cannot grow (the page is then not the pool's).
 */
static int page_add(struct dma_pool *pool, unsigned char *vaddr, dma_addr_t dma)
{
	size_t pn = pool->nr_pages, pfns = PFN_UP(pool->allocation);
	size_t bits_old = pn << pool->idx_bits, bits_new = (pn + 1) << pool->idx_bits;
	struct pool_page *pages;
	uint32_t *ids;

	if (pn + 1 > (size_t)1 << (POOL_ID_BITS - pool->idx_bits))
		return -ENOSPC;
	pages = grow(pool->pages, &pool->pages_cap, pn + 1, sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	pool->pages = pages;
	/* Every block may be free at once: the stack holds them all. */
	ids = grow(pool->free_ids, &pool->free_cap, pool->nr_blocks + pool->blocks_per_page,
		   sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	pool->free_ids = ids;
	if (slots_reserve(pool, pfns))
		return -ENOMEM;
	if (bitstr_size(bits_new) > bitstr_size(bits_old)) {
		bitstr_t *busy = realloc(pool->busy, bitstr_size(bits_new));

		if (!busy)
			return -ENOMEM;
		memset(busy + bitstr_size(bits_old), 0, bitstr_size(bits_new) - bitstr_size(bits_old));
		pool->busy = busy;
	}
	pool->pages[pn] = (struct pool_page){ .vaddr = vaddr, .dma = dma };
	for (size_t i = 0; i < pfns; i++)
		slot_insert(pool->slots, pool, ((uintptr_t)vaddr >> PAGE_SHIFT) + i, (uint32_t)pn);
	pool->nr_slots += pfns;
	pool->nr_pages++;
	pool->nr_blocks += pool->blocks_per_page;
	for (unsigned int i = pool->blocks_per_page; i-- > 0;)
		pool->free_ids[pool->nr_free++] = block_id(pool, pn, i);
	return 0;
}

/*
 * The struct page holding CPU address @cpu: an alias area's (a scattered or
 * uncached coherent allocation), else the linear map's; NULL if neither.
 */
static struct page *page_holding(struct dmasim_platform *p, const void *cpu)
{
	struct dmasim_alias *al = dmasim__alias_find(p, cpu);
	phys_addr_t phys;

	if (al) {
		size_t i = (size_t)((const unsigned char *)cpu - al->va) >> PAGE_SHIFT;

		return i < al->nr_pages ? al->pages[i] : NULL;
	}
	if (dmasim__linear_to_phys(p, (void *)(uintptr_t)cpu, &phys))
		return NULL;
	return dmasim__phys_to_page(p, phys);
}

/*
 * Mark (or unmark) the pages of a pool page as the pool's, so that a free of
 * one of its blocks with dma_free_coherent() & co. is refused and reported
 * (dmasim__pool_owns()) instead of freeing the page behind the pool's back.
 */
static void pool_page_mark(struct dma_pool *pool, unsigned char *vaddr, bool mark)
{
	for (size_t off = 0; off < pool->allocation; off += PAGE_SIZE) {
		struct page *pg = page_holding(pool->d->plat, vaddr + off);

		if (DMASIM_WARN_ON(pool->d->plat, !pg))
			continue;
		if (mark) {
			pg->priv = pool;
			__atomic_fetch_or(&pg->flags, PG_dmapool, __ATOMIC_RELEASE);
		} else {
			__atomic_fetch_and(&pg->flags, ~PG_dmapool, __ATOMIC_RELEASE);
			pg->priv = NULL;
		}
	}
}

bool dmasim__pool_owns(struct dmasim_platform *p, const void *cpu, char *pool_name,
		       size_t pool_len, char *dev_name, size_t dev_len)
{
	struct page *pg = page_holding(p, cpu);
	const struct dma_pool *pool;

	if (!pg || !(__atomic_load_n(&pg->flags, __ATOMIC_ACQUIRE) & PG_dmapool))
		return false;
	pool = pg->priv;
	snprintf(pool_name, pool_len, "%s", pool ? pool->name : "?");
	snprintf(dev_name, dev_len, "%s", pool ? pool->d->name : "?");
	return true;
}

/* Report the first byte of a free block changed since it was freed. */
static void block_check_poison(struct dma_pool *pool, unsigned char *blk)
{
	for (size_t i = 0; i < pool->size; i++) {
		if (blk[i] == POOL_POISON_FREED)
			continue;
		if (i < POOL_MIN_BLOCK)
			dmasim__dev_report(pool->d,
					   "dma_pool_alloc %s, %p (corrupted) [a free block's link was overwritten after dma_pool_free(): byte %zu is 0x%02x, freed blocks hold 0x%02x; the kernel keeps its free-list link in the first %zu bytes]",
					   pool->name, (void *)blk, i, blk[i], POOL_POISON_FREED,
					   POOL_MIN_BLOCK);
		else
			dmasim__dev_report(pool->d,
					   "dma_pool_alloc %s, %p (corrupted) [byte %zu is 0x%02x, freed blocks hold 0x%02x: written after dma_pool_free()]",
					   pool->name, (void *)blk, i, blk[i], POOL_POISON_FREED);
		return;
	}
}

/* Take the top free block and mark it busy; false when the stack is empty. */
static bool block_pop(struct dma_pool *pool, unsigned char **blk, dma_addr_t *dma)
{
	uint32_t id;
	unsigned int idx;
	const struct pool_page *pg;
	size_t off;

	if (!pool->nr_free)
		return false;
	id = pool->free_ids[--pool->nr_free];
	idx = id & ((1u << pool->idx_bits) - 1);
	pg = &pool->pages[id >> pool->idx_bits];
	off = block_offset(pool, idx);
	bit_set(pool->busy, id);
	pool->nr_active++;
	*blk = pg->vaddr + off;
	*dma = pg->dma + off;
	return true;
}

struct dma_pool *dma_pool_create(const char *name, struct device *dev, size_t size,
				 size_t align, size_t boundary)
{
	struct dmasim_device *d = dmasim__dev(dev, "dma_pool_create");
	struct dma_pool *pool;
	size_t allocation, asked;

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
	asked = size;
	if (size < POOL_MIN_BLOCK)
		size = POOL_MIN_BLOCK;
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
	pool->asked = asked;
	pool->allocation = allocation;
	pool->boundary = boundary;
	/* boundary is either the whole allocation or a power of two dividing it. */
	pool->blocks_per_seg = (unsigned int)(boundary / size);
	pool->blocks_per_page = (unsigned int)(allocation / boundary) * pool->blocks_per_seg;
	while ((1u << pool->idx_bits) < pool->blocks_per_page)
		pool->idx_bits++;
	/* A power-of-two size tiles the page and every boundary window: shifts, not divides. */
	pool->size_shift = size & (size - 1) ? -1 : __builtin_ctzl(size);
	pool->debug = d->plat->debug;
	pthread_mutex_init(&pool->lock, NULL);
	dmasim__shadow_pool_create(pool); /* memcheck names blocks as heap blocks */

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
	size_t listed = 0, unlisted = 0;

	pthread_mutex_lock(&d->lock);
	LIST_REMOVE(pool, link);
	pthread_mutex_unlock(&d->lock);

	pthread_mutex_lock(&pool->lock);
	for (size_t pn = 0; pn < pool->nr_pages; pn++) {
		const struct pool_page *pg = &pool->pages[pn];
		bool busy = false;

		for (unsigned int i = 0; i < pool->blocks_per_page; i++) {
			if (!bit_test(pool->busy, block_id(pool, pn, i)))
				continue;
			busy = true;
			if (teardown)
				break;
			if (listed++ < POOL_BUSY_REPORT_MAX)
				dmasim__dev_report(d, "dma_pool_destroy %s, %p busy", pool->name,
						   (void *)(pg->vaddr + block_offset(pool, i)));
			else
				unlisted++;
		}
		/*
		 * A busy page may still be in the device's hands: leak it, as the
		 * kernel does (no longer the pool's: a later free of it is the
		 * driver's business).
		 */
		pool_page_mark(pool, pg->vaddr, false);
		if (!busy || teardown)
			dma_free_coherent(pool->dev, pool->allocation, pg->vaddr, pg->dma);
	}
	pthread_mutex_unlock(&pool->lock);
	if (unlisted)
		dmasim__dev_report(d, "dma_pool_destroy %s: %zu more busy blocks not listed",
				   pool->name, unlisted);
	pthread_mutex_destroy(&pool->lock);
	dmasim__shadow_pool_destroy(pool);
	free(pool->pages);
	free(pool->slots);
	free(pool->busy);
	free(pool->free_ids);
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
	if (!block_pop(pool, &blk, &dma)) {
		unsigned char *va;
		dma_addr_t pdma;
		int err;

		/* The page allocator takes other locks: do not hold ours across it. */
		pthread_mutex_unlock(&pool->lock);
		va = dma_alloc_coherent(pool->dev, pool->allocation, &pdma, mem_flags & ~__GFP_ZERO);
		if (!va)
			return NULL;
		/* A fresh page counts as freed memory, so its blocks pass the reuse check. */
		if (pool->debug)
			memset(va, POOL_POISON_FREED, pool->allocation);
		/* Free blocks are poisoned for ASan and memcheck until handed out. */
		dmasim__mem_poison(pool->d->plat, va, pool->allocation);
		pthread_mutex_lock(&pool->lock);
		/* Host pages are the lookup's unit: a coherent buffer always starts on one. */
		err = DMASIM_WARN_ON(pool->d->plat, (uintptr_t)va & (PAGE_SIZE - 1)) ? -EINVAL :
		      page_add(pool, va, pdma);
		if (!err)
			pool_page_mark(pool, va, true);
		if (err) {
			pthread_mutex_unlock(&pool->lock);
			dma_free_coherent(pool->dev, pool->allocation, va, pdma);
			dmasim__log(pool->d->plat, DMASIM_LOG_ERR,
				    "DMA-API: %s: dma_pool_alloc %s: cannot add a page (%s)",
				    pool->d->name, pool->name,
				    err == -ENOSPC ? "block ids exhausted" :
				    err == -ENOMEM ? "out of host memory" : "page not page-aligned");
			return NULL;
		}
		block_pop(pool, &blk, &dma);
	}
	pthread_mutex_unlock(&pool->lock);

	*handle = dma;
	/* dmasim's own poison check and fill see the whole block; the driver sees what it asked for. */
	dmasim__mem_unpoison(blk, pool->size);
	if (pool->debug) {
		block_check_poison(pool, blk);
		if (!(mem_flags & __GFP_ZERO))
			memset(blk, POOL_POISON_ALLOCATED, pool->size);
	}
	if (mem_flags & __GFP_ZERO)
		memset(blk, 0, pool->size);
	dmasim__mem_poison(pool->d->plat, blk + pool->asked, pool->size - pool->asked);
	dmasim__shadow_obj_alloc(pool, blk, pool->asked);
	return blk;
}

void *dma_pool_zalloc(struct dma_pool *pool, gfp_t mem_flags, dma_addr_t *handle)
{
	return dma_pool_alloc(pool, mem_flags | __GFP_ZERO, handle);
}

void dma_pool_free(struct dma_pool *pool, void *vaddr, dma_addr_t dma)
{
	enum { FREE_OK, BAD_VADDR, BAD_DMA, ALREADY_FREE } err = FREE_OK;
	dma_addr_t expect = 0;
	long pn, idx = -1;
	uint32_t id = 0;

	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pn = page_of(pool, (uintptr_t)vaddr);
	if (pn >= 0) {
		const struct pool_page *pg = &pool->pages[pn];
		size_t off = (size_t)((unsigned char *)vaddr - pg->vaddr);

		idx = block_index(pool, off);
		expect = pg->dma + off;
		if (idx >= 0)
			id = block_id(pool, (size_t)pn, (unsigned int)idx);
	}
	if (idx < 0)
		err = BAD_VADDR;
	else if (dma != expect)
		err = BAD_DMA;
	else if (!bit_test(pool->busy, id))
		err = ALREADY_FREE;
	if (err == FREE_OK) {
		bit_clear(pool->busy, id);
		pool->nr_active--;
		dmasim__mem_unpoison(vaddr, pool->size);
		if (pool->debug)
			memset(vaddr, POOL_POISON_FREED, pool->size);
		dmasim__shadow_obj_free(pool, vaddr, pool->size);
		pool->free_ids[pool->nr_free++] = id;
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
				   (unsigned long long)expect);
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
