/*
 * lib/mm/page-alloc.c - the buddy page allocator over simulated RAM.
 *
 * RAM regions are cut at the kernel's zone limits (ZONE_DMA below 16 MiB,
 * ZONE_DMA32 below 4 GiB, ZONE_NORMAL above, ZONE_HIGHMEM for ":high"
 * regions) into arenas, each a classic binary buddy system with free lists
 * per order (libbsd <sys/queue.h>).  Blocks are naturally aligned in
 * physical address space, so an order-n allocation is 2^n-page aligned.
 * GFP zone flags choose the zones tried, highest first, like the kernel's
 * zonelists.  Layer: memory model.
 */
#include <string.h>

#include "core/core.h"

#define ZONE_DMA_LIMIT (16ULL << 20)
#define ZONE_DMA32_LIMIT (4ULL << 30)

static const char *const zone_names[] = { "DMA", "DMA32", "Normal", "HighMem" };

static struct page *pfn_page(struct dmasim_arena *a, unsigned long pfn)
{
	return &a->region->memmap[pfn - a->region->pfn_base];
}

static unsigned long arena_pfn(const struct page *page)
{
	return page_to_pfn(page);
}

static void free_block_add(struct dmasim_arena *a, struct page *page, unsigned int order)
{
	page->flags = PG_buddy;
	page->order = (unsigned short)order;
	LIST_INSERT_HEAD(&a->free[order], page, lru);
	a->nr_free[order]++;
	a->free_pages += 1UL << order;
}

static void free_block_del(struct dmasim_arena *a, struct page *page, unsigned int order)
{
	LIST_REMOVE(page, lru);
	page->flags &= ~PG_buddy;
	a->nr_free[order]--;
	a->free_pages -= 1UL << order;
}

/* Pages of [lo, hi) inside reserved ranges. */
static unsigned long reserved_pages_in(const struct dmasim_platform *p, unsigned long lo,
				       unsigned long hi)
{
	unsigned long n = 0;

	for (int i = 0; i < p->nr_reserved; i++) {
		unsigned long s = p->reserved[i].pfn_start, e = p->reserved[i].pfn_end;

		if (s < lo)
			s = lo;
		if (e > hi)
			e = hi;
		if (s < e)
			n += e - s;
	}
	return n;
}

/* The reserved range containing @pfn, or NULL. */
static const struct dmasim_reserved *reserved_at(const struct dmasim_platform *p, unsigned long pfn)
{
	for (int i = 0; i < p->nr_reserved; i++)
		if (pfn >= p->reserved[i].pfn_start && pfn < p->reserved[i].pfn_end)
			return &p->reserved[i];
	return NULL;
}

/*
 * Move the highest maximal aligned block of the arena's untouched range to
 * the free lists.  Return false when nothing is left.  Only this block's
 * head descriptor is written: the rest of the range stays untouched.
 */
static bool carve_top(const struct dmasim_platform *p, struct dmasim_arena *a)
{
	const struct dmasim_reserved *r;
	unsigned long floor, hi;
	unsigned int order = 0;

	while (a->lazy_hi > a->lazy_lo && (r = reserved_at(p, a->lazy_hi - 1)))
		a->lazy_hi = r->pfn_start > a->lazy_lo ? r->pfn_start : a->lazy_lo;
	hi = a->lazy_hi;
	if (hi <= a->lazy_lo)
		return false;
	floor = a->lazy_lo;
	for (int i = 0; i < p->nr_reserved; i++)
		if (p->reserved[i].pfn_end <= hi && p->reserved[i].pfn_end > floor)
			floor = p->reserved[i].pfn_end;
	while (order < DMASIM_MAX_ORDER && !(hi & ((2UL << order) - 1)) &&
	       (2UL << order) <= hi - floor)
		order++;
	a->lazy_hi = hi - (1UL << order);
	a->lazy_pages -= 1UL << order;
	free_block_add(a, pfn_page(a, a->lazy_hi), order);
	return true;
}

/* The same from the bottom, for an allocation under a physical ceiling. */
static bool carve_bottom(const struct dmasim_platform *p, struct dmasim_arena *a)
{
	const struct dmasim_reserved *r;
	unsigned long ceil, lo;
	unsigned int order = 0;

	while (a->lazy_lo < a->lazy_hi && (r = reserved_at(p, a->lazy_lo)))
		a->lazy_lo = r->pfn_end < a->lazy_hi ? r->pfn_end : a->lazy_hi;
	lo = a->lazy_lo;
	if (lo >= a->lazy_hi)
		return false;
	ceil = a->lazy_hi;
	for (int i = 0; i < p->nr_reserved; i++)
		if (p->reserved[i].pfn_start >= lo && p->reserved[i].pfn_start < ceil)
			ceil = p->reserved[i].pfn_start;
	while (order < DMASIM_MAX_ORDER && !(lo & ((2UL << order) - 1)) &&
	       (2UL << order) <= ceil - lo)
		order++;
	a->lazy_lo = lo + (1UL << order);
	a->lazy_pages -= 1UL << order;
	free_block_add(a, pfn_page(a, lo), order);
	return true;
}

int dmasim__reserve_phys(struct dmasim_platform *p, phys_addr_t base, u64 size)
{
	unsigned long s, e;
	int i, j;

	if (p->nr_arenas)
		return -EBUSY; /* only before the allocator starts */
	if (!size || !dmasim__phys_range_ok(p, base, size))
		return -EINVAL;
	s = (unsigned long)(base >> PAGE_SHIFT);
	e = (unsigned long)((base + size + PAGE_SIZE - 1) >> PAGE_SHIFT);
	/* Keep the ranges sorted and disjoint: absorb every range this one touches. */
	for (i = 0; i < p->nr_reserved && p->reserved[i].pfn_end < s; i++)
		;
	for (j = i; j < p->nr_reserved && p->reserved[j].pfn_start <= e; j++) {
		if (p->reserved[j].pfn_start < s)
			s = p->reserved[j].pfn_start;
		if (p->reserved[j].pfn_end > e)
			e = p->reserved[j].pfn_end;
	}
	if (j == i && p->nr_reserved == DMASIM_MAX_RESERVED)
		return -ENOSPC;
	memmove(&p->reserved[i + 1], &p->reserved[j],
		(size_t)(p->nr_reserved - j) * sizeof(p->reserved[0]));
	p->nr_reserved -= j - i - 1;
	p->reserved[i].pfn_start = s;
	p->reserved[i].pfn_end = e;
	/* Reserved pages are in use: their descriptors say so. */
	for (u64 off = 0; off < size; off += PAGE_SIZE)
		dmasim__phys_to_page(p, base + off)->flags |= PG_reserved;
	return 0;
}

int dmasim__buddy_init(struct dmasim_platform *p)
{
	for (int i = 0; i < p->nr_regions; i++) {
		struct dmasim_region *r = &p->regions[i];
		phys_addr_t cuts[] = { ZONE_DMA_LIMIT, ZONE_DMA32_LIMIT, ~0ULL };
		phys_addr_t lo = r->base, end = r->base + r->size;

		for (int z = 0; z < 3 && lo < end; z++) {
			phys_addr_t hi = cuts[z] < end ? cuts[z] : end;
			struct dmasim_arena *a;

			if (hi <= lo)
				continue;
			a = &p->arenas[p->nr_arenas];
			a->region = r;
			a->zone = r->high ? ZONE_HIGHMEM : (enum dmasim_zone)z;
			a->pfn_start = (unsigned long)(lo >> PAGE_SHIFT);
			a->pfn_end = (unsigned long)(hi >> PAGE_SHIFT);
			for (int o = 0; o <= DMASIM_MAX_ORDER; o++)
				LIST_INIT(&a->free[o]);
			/* Nothing on the free lists yet: blocks are carved on first use. */
			a->lazy_lo = a->pfn_start;
			a->lazy_hi = a->pfn_end;
			a->lazy_pages = a->pfn_end - a->pfn_start -
					reserved_pages_in(p, a->pfn_start, a->pfn_end);
			p->nr_arenas++;
			lo = hi;
		}
	}
	return 0;
}

/* Take a block of @order whose first page ends at or below @max_pfn_end. */
static struct page *arena_alloc(struct dmasim_platform *p, struct dmasim_arena *a,
				unsigned int order, unsigned long max_pfn_end)
{
	struct page *page = NULL;
	unsigned int o;

	if (a->pfn_start + (1UL << order) > max_pfn_end)
		return NULL;
	for (;;) {
		for (o = order; o <= DMASIM_MAX_ORDER && !page; o++) {
			struct page *it;

			LIST_FOREACH(it, &a->free[o], lru) {
				if (arena_pfn(it) + (1UL << order) <= max_pfn_end) {
					page = it;
					break;
				}
			}
		}
		if (page) {
			o--;
			break;
		}
		/* Nothing on the lists fits: carve more of the untouched range. */
		if (a->lazy_hi <= max_pfn_end) {
			if (!carve_top(p, a))
				return NULL;
		} else if (a->lazy_lo + (1UL << order) <= max_pfn_end) {
			if (!carve_bottom(p, a))
				return NULL;
		} else {
			return NULL;
		}
	}
	free_block_del(a, page, o);
	/* Split: keep the lowest part, give the upper halves back. */
	while (o > order) {
		o--;
		free_block_add(a, pfn_page(a, arena_pfn(page) + (1UL << o)), o);
	}
	page->flags = PG_head;
	page->order = (unsigned short)order;
	page->arena = (unsigned char)(a - p->arenas);
	__atomic_store_n(&page->refcount, 1, __ATOMIC_SEQ_CST);
	return page;
}

static void arena_free(struct dmasim_arena *a, struct page *page, unsigned int order)
{
	unsigned long pfn = arena_pfn(page);

	page->flags = 0;
	page->priv = NULL;
	page->large_size = 0;
	while (order < DMASIM_MAX_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy;

		if (buddy_pfn < a->pfn_start || buddy_pfn + (1UL << order) > a->pfn_end)
			break;
		buddy = pfn_page(a, buddy_pfn);
		/*
		 * The buddy may be another owner's page, whose flags that owner
		 * changes without p->mm_lock (a dma_pool marks its pages with an
		 * atomic or): read them atomically.  PG_buddy itself only
		 * changes under the lock.
		 */
		if (!(__atomic_load_n(&buddy->flags, __ATOMIC_RELAXED) & PG_buddy) ||
		    buddy->order != order)
			break;
		free_block_del(a, buddy, order);
		buddy->flags = 0;
		pfn &= ~(1UL << order);
		order++;
	}
	free_block_add(a, pfn_page(a, pfn), order);
}

static int zone_list(gfp_t gfp, enum dmasim_zone *zones)
{
	int n = 0;

	if (gfp & __GFP_DMA) {
		zones[n++] = ZONE_DMA;
		return n;
	}
	if (gfp & __GFP_DMA32) {
		zones[n++] = ZONE_DMA32;
		zones[n++] = ZONE_DMA;
		return n;
	}
	if (gfp & __GFP_HIGHMEM)
		zones[n++] = ZONE_HIGHMEM;
	zones[n++] = ZONE_NORMAL;
	zones[n++] = ZONE_DMA32;
	zones[n++] = ZONE_DMA;
	return n;
}

static const char *const zone_limits[] = { "below 16 MiB", "below 4 GiB", "above 4 GiB",
					    "high memory" };

bool dmasim__alloc_explain(struct dmasim_platform *p, gfp_t gfp, unsigned int order,
			   phys_addr_t max_phys, char *buf, size_t len)
{
	enum dmasim_zone zones[4];
	int nz = zone_list(gfp, zones), in_zone = 0, reach = 0;
	unsigned long max_end, free_pages = 0;
	size_t off = 0;

	max_end = max_phys >= (1ULL << 52) ? ~0UL : (unsigned long)((max_phys + 1) >> PAGE_SHIFT);
	pthread_mutex_lock(&p->mm_lock);
	for (int i = 0; i < p->nr_arenas; i++) {
		const struct dmasim_arena *a = &p->arenas[i];
		bool listed = false;

		for (int z = 0; z < nz; z++)
			listed |= a->zone == zones[z];
		if (!listed)
			continue;
		in_zone++;
		if (a->pfn_start + (1UL << order) > max_end)
			continue;
		reach++;
		free_pages += dmasim__arena_free(a);
	}
	pthread_mutex_unlock(&p->mm_lock);
	if (!in_zone || !reach) {
		off = (size_t)snprintf(buf, len, "no RAM of this machine lies in ZONE_");
		for (int z = 0; z < nz && off < len; z++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s (%s)", z ? " or ZONE_" : "",
						zone_names[zones[z]], zone_limits[zones[z]]);
		if (in_zone && off < len)
			snprintf(buf + off, len - off, " at or below phys 0x%llx",
				 (unsigned long long)max_phys);
		return true;
	}
	snprintf(buf, len, "%lu pages free where it may come from, no free block of %lu pages",
		 free_pages, 1UL << order);
	return false;
}

struct page *dmasim__alloc_pages_below(struct dmasim_platform *p, gfp_t gfp, unsigned int order,
				       phys_addr_t max_phys)
{
	enum dmasim_zone zones[4];
	int nz = zone_list(gfp, zones);
	unsigned long max_end;
	struct page *page = NULL;

	/* Frames wholly at or below @max_phys: a page ending past it (limit=0x...7ff) is out. */
	if (max_phys >= (1ULL << 52))
		max_end = ~0UL;
	else
		max_end = (unsigned long)((max_phys + 1) >> PAGE_SHIFT);
	if (order > DMASIM_MAX_ORDER)
		return NULL;
	pthread_mutex_lock(&p->mm_lock);
	for (int z = 0; z < nz && !page; z++)
		for (int i = 0; i < p->nr_arenas && !page; i++)
			if (p->arenas[i].zone == zones[z])
				page = arena_alloc(p, &p->arenas[i], order, max_end);
	pthread_mutex_unlock(&p->mm_lock);
	if (page)
		dmasim__pages_unpoison(page, order);
	if (page && (gfp & __GFP_ZERO)) {
		/* Zeroed in both views: whatever sees the page first sees zeros. */
		memset(dmasim__ram_ptr(p, page_to_phys(page)), 0, PAGE_SIZE << order);
		if (dmasim__cpu_view_apart(p))
			memset(dmasim__cpu_ptr(p, page_to_phys(page)), 0, PAGE_SIZE << order);
	}
	return page;
}

void dmasim__free_pages(struct page *page, unsigned int order)
{
	struct dmasim_platform *p = dmasim__page_platform(page);

	/* A free of memory already free (a double free nothing above caught) would corrupt the arena. */
	if (!(page->flags & PG_head)) {
		dmasim__report(p, "free of pfn 0x%lx (order %u), which is not an allocated block head%s",
			       page_to_pfn(page), order,
			       (page->flags & PG_buddy) ? " (double free?)" : "");
		return;
	}
	/* Freed memory stays poisoned for ASan and memcheck until it is handed out again. */
	dmasim__pages_poison(page, order);
	pthread_mutex_lock(&p->mm_lock);
	arena_free(&p->arenas[page->arena], page, order);
	pthread_mutex_unlock(&p->mm_lock);
}

void dmasim__split_block(struct page *page, unsigned int order)
{
	struct dmasim_platform *p = dmasim__page_platform(page);

	pthread_mutex_lock(&p->mm_lock);
	for (unsigned long i = 1; i < (1UL << order); i++) {
		struct page *q = page + i; /* one block never spans two memmaps */

		q->flags = PG_head;
		q->order = 0;
		q->arena = page->arena;
		q->priv = NULL;
		q->large_size = 0;
		__atomic_store_n(&q->refcount, 1, __ATOMIC_SEQ_CST);
	}
	page->order = 0;
	pthread_mutex_unlock(&p->mm_lock);
}

unsigned long dmasim__free_page_count(struct dmasim_platform *p, int zone)
{
	unsigned long n = 0;

	pthread_mutex_lock(&p->mm_lock);
	for (int i = 0; i < p->nr_arenas; i++)
		if (zone < 0 || p->arenas[i].zone == (enum dmasim_zone)zone)
			n += p->arenas[i].free_pages + p->arenas[i].lazy_pages;
	pthread_mutex_unlock(&p->mm_lock);
	return n;
}

void dmasim__buddy_dump(struct dmasim_platform *p, FILE *out)
{
	pthread_mutex_lock(&p->mm_lock);
	for (int i = 0; i < p->nr_arenas; i++) {
		struct dmasim_arena *a = &p->arenas[i];

		fprintf(out, "  zone %-7s phys 0x%09llx-0x%09llx  %lu of %lu pages free\n",
			zone_names[a->zone], (unsigned long long)PFN_PHYS(a->pfn_start),
			(unsigned long long)PFN_PHYS(a->pfn_end) - 1, a->free_pages + a->lazy_pages,
			a->pfn_end - a->pfn_start);
	}
	pthread_mutex_unlock(&p->mm_lock);
}

void dmasim__buddy_zones(struct dmasim_platform *p, struct dmasim_layout *out)
{
	const unsigned int max = sizeof(out->zone) / sizeof(out->zone[0]);

	pthread_mutex_lock(&p->mm_lock);
	out->nr_zones = 0;
	for (int i = 0; i < p->nr_arenas && out->nr_zones < max; i++) {
		struct dmasim_arena *a = &p->arenas[i];
		struct dmasim_layout_zone *z = &out->zone[out->nr_zones++];

		z->name = zone_names[a->zone];
		z->start = PFN_PHYS(a->pfn_start);
		z->end = PFN_PHYS(a->pfn_end) - 1;
		z->free_pages = a->free_pages + a->lazy_pages;
		z->pages = a->pfn_end - a->pfn_start;
	}
	pthread_mutex_unlock(&p->mm_lock);
}

/* ---- the kernel's page allocator API ----------------------------------- */

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	struct dmasim_platform *p = dmasim__current("alloc_pages");
	struct page *page;
	char why[256];

	if (!p)
		return NULL;
	if (order > DMASIM_MAX_PAGE_ORDER) {
		if (!(gfp & __GFP_NOWARN))
			dmasim__report(p, "alloc_pages: order %u is above MAX_PAGE_ORDER (%d)", order,
				       DMASIM_MAX_PAGE_ORDER);
		return NULL;
	}
	/* An injected failure has said why already: one message, not two. */
	if (dmasim__should_fail(p, FAIL_PAGES, NULL, "alloc_pages"))
		return NULL;
	page = dmasim__alloc_pages_below(p, gfp, order, ~0ULL);
	if (!page && !(gfp & __GFP_NOWARN)) {
		bool none = dmasim__alloc_explain(p, gfp, order, ~0ULL, why, sizeof(why));

		dmasim__log(p, DMASIM_LOG_WARN,
			    "alloc_pages: page allocation failure: order %u, gfp 0x%x: %s%s", order, gfp,
			    none ? "" : "out of memory: ", why);
	}
	return page;
}

struct page *alloc_page(gfp_t gfp)
{
	return alloc_pages(gfp, 0);
}

/* The last reference to an allocated block goes: DMA-API debugging looks, then it is freed. */
static void free_last_ref(struct dmasim_platform *p, struct page *page, unsigned int order,
			  const char *call)
{
	dmasim__check_freed(p, call, dmasim__page_linear(page), page_to_phys(page),
			    PAGE_SIZE << order);
	dmasim__free_pages(page, order);
}

static void free_pages_call(struct page *page, unsigned int order, const char *call)
{
	struct dmasim_platform *p;

	if (!page)
		return;
	p = dmasim__page_platform(page);
	if (!(page->flags & PG_head) || (page->flags & (PG_slab | PG_pinned))) {
		dmasim__report(p, "__free_pages: page (pfn 0x%lx) is not an allocated block head%s",
			       page_to_pfn(page),
			       (page->flags & PG_buddy) ? " (double free?)" : "");
		return;
	}
	if (page->order != order) {
		dmasim__report(p, "__free_pages: pfn 0x%lx was allocated with order %u, freed with order %u",
			       page_to_pfn(page), page->order, order);
		return;
	}
	/* As the kernel: drop the caller's reference; free only when it was the last. */
	if (__atomic_fetch_sub(&page->refcount, 1, __ATOMIC_SEQ_CST) != 1)
		return;
	free_last_ref(p, page, order, call);
}

void __free_pages(struct page *page, unsigned int order)
{
	free_pages_call(page, order, "__free_pages");
}

void __free_page(struct page *page)
{
	__free_pages(page, 0);
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page;

	if (gfp & __GFP_HIGHMEM) {
		struct dmasim_platform *p = dmasim__current("__get_free_pages");

		if (p)
			dmasim__report(p, "__get_free_pages: __GFP_HIGHMEM pages have no address; use alloc_pages() and kmap()");
		return 0;
	}
	page = alloc_pages(gfp, order);
	return page ? (unsigned long)page_address(page) : 0;
}

unsigned long __get_free_page(gfp_t gfp)
{
	return __get_free_pages(gfp, 0);
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}

void free_pages(unsigned long addr, unsigned int order)
{
	struct page *page;

	if (!addr)
		return;
	page = virt_to_page((void *)addr);
	if (page)
		free_pages_call(page, order, "free_pages");
}

void free_page(unsigned long addr)
{
	free_pages(addr, 0);
}

int get_order(unsigned long size)
{
	int order = 0;

	size = (size - 1) >> PAGE_SHIFT;
	while (size) {
		order++;
		size >>= 1;
	}
	return order;
}

void get_page(struct page *page)
{
	if (page && (page->flags & PG_pinned))
		dmasim__user_page_ref(page, 1, "get_page");
	else if (page)
		__atomic_fetch_add(&page->refcount, 1, __ATOMIC_SEQ_CST);
}

void put_page(struct page *page)
{
	if (!page)
		return;
	/* A page of a user range: get_user_pages()'s reference, as the kernel's put_page(). */
	if (page->flags & PG_pinned) {
		dmasim__user_page_ref(page, -1, "put_page");
		return;
	}
	if (__atomic_fetch_sub(&page->refcount, 1, __ATOMIC_SEQ_CST) == 1 && (page->flags & PG_head) &&
	    !(page->flags & (PG_slab | PG_pinned | PG_large)))
		free_last_ref(dmasim__page_platform(page), page, page->order, "put_page");
}

int page_count(struct page *page)
{
	return page ? __atomic_load_n(&page->refcount, __ATOMIC_SEQ_CST) : 0;
}

void *alloc_pages_exact(size_t size, gfp_t gfp)
{
	struct dmasim_platform *p = dmasim__current("alloc_pages_exact");
	unsigned int order;
	unsigned long used;
	struct page *page;

	if (!p || !size)
		return NULL;
	if (gfp & __GFP_HIGHMEM) {
		dmasim__report(p, "alloc_pages_exact: __GFP_HIGHMEM pages have no address (size %zu)",
			       size);
		return NULL;
	}
	order = (unsigned int)get_order(size);
	page = alloc_pages(gfp, order);
	if (!page)
		return NULL;
	/* As the kernel's make_alloc_exact(): split, and give back the pages past the size. */
	dmasim__split_block(page, order);
	used = PAGE_ALIGN(size) >> PAGE_SHIFT;
	for (unsigned long i = used; i < (1UL << order); i++)
		__free_page(page + i);
	return page_address(page);
}

void free_pages_exact(void *virt, size_t size)
{
	unsigned char *va = virt;

	if (!virt)
		return;
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		struct page *page = virt_to_page(va + off);

		if (!page)
			return;
		__free_page(page);
	}
}
