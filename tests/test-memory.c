/*
 * tests/test-memory.c - the memory model (lib/mm/memory.c, lib/mm/page-alloc.c,
 * lib/mm/slab.c): page frames and the linear map, the buddy allocator and its
 * zones, and DMA-safe kmalloc.  Every address is checked against the RAM view
 * devices use, so "physical address" here means what a device would reach.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "core/core.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* Skip a test whose layout DMASIM_SPEC replaced (or made impossible: p NULL). */
#define NEED(p, word) \
	do { if (!(p) || !tu_spec_has(p, word)) skip(); } while (0)
#define NEED_TRUE(cond) \
	do { if (!(cond)) skip(); } while (0)

static bool env_spec(void)
{
	const char *e = getenv("DMASIM_SPEC");

	return e && *e;
}

static int setup_default(void **state)
{
	struct dmasim_platform *p = tu_platform_on(TU_SOC, NULL);

	*state = p;
	return p ? 0 : -1;
}

static int teardown(void **state)
{
	dmasim_platform_destroy(*state); /* NULL is ignored */
	return 0;
}

/* 8 MiB, no swiotlb: one order-11 buddy block, small enough to exhaust. */
#define SMALL_SPEC "ram=8M@0x80000000 swiotlb=off"
#define SMALL_PAGES 2048UL


/* A platform from the spec given as the initial state. */
static int setup_spec(void **state)
{
	struct dmasim_platform *p = tu_platform(*state);

	*state = p;
	/* DMASIM_SPEC may make the layout impossible (a pool bigger than RAM): the test skips. */
	return p || env_spec() ? 0 : -1;
}

#define SPEC_TEST(f, spec) cmocka_unit_test_prestate_setup_teardown(f, setup_spec, teardown, (void *)(spec))

static int global_object;

static void shuffle(void **v, size_t n, unsigned int seed)
{
	srand(seed);
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		void *t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* ---- buddy allocator -------------------------------------------------------- */

static void test_buddy_alignment(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned long before = dmasim__free_page_count(p, -1);
	struct page *pages[DMASIM_MAX_PAGE_ORDER + 1];

	for (unsigned int n = 0; n <= DMASIM_MAX_PAGE_ORDER; n++) {
		struct page *page = alloc_pages(GFP_KERNEL, n);
		phys_addr_t phys;
		unsigned char *va;

		assert_non_null(page);
		phys = page_to_phys(page);
		assert_true(IS_ALIGNED(phys, PAGE_SIZE << n));
		assert_int_equal(page_count(page), 1);
		va = page_address(page);
		assert_non_null(va);
		/* The linear map keeps physical alignment, as the kernel's does. */
		assert_true(IS_ALIGNED((uintptr_t)va, PAGE_SIZE << n));
		/* The linear map is linear over the whole block. */
		assert_true(virt_to_phys(va) == phys);
		assert_true(virt_to_phys(va + (PAGE_SIZE << n) - 1) == phys + (PAGE_SIZE << n) - 1);
		assert_ptr_equal(virt_to_page(va), page);
		assert_ptr_equal(phys_to_virt(phys), va);
		assert_ptr_equal(nth_page(page, (1UL << n) - 1),
				 virt_to_page(va + (PAGE_SIZE << n) - 1));
		assert_true(dmasim__phys_range_ok(p, phys, PAGE_SIZE << n));
		pages[n] = page;
	}
	assert_int_equal(dmasim__free_page_count(p, -1), before - ((2UL << DMASIM_MAX_PAGE_ORDER) - 1));
	for (unsigned int n = 0; n <= DMASIM_MAX_PAGE_ORDER; n++)
		__free_pages(pages[n], n);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

static void test_buddy_coalescing(void **state)
{
	struct dmasim_platform *p = *state;
	static void *pg[SMALL_PAGES + 1];
	struct dmasim_arena *a;
	unsigned long n = 0;
	struct page *big, *big2;

	NEED(p, "ram=8M@0x80000000 swiotlb=off");
	assert_int_equal(p->nr_arenas, 1);
	a = &p->arenas[0];
	assert_int_equal(dmasim__free_page_count(p, -1), SMALL_PAGES);
	/* Nothing is on the free lists before the first allocation: blocks are carved on demand. */
	assert_int_equal(a->lazy_pages, SMALL_PAGES);
	assert_int_equal(a->nr_free[11], 0);

	/* Take every page one at a time. */
	while ((pg[n] = alloc_page(GFP_KERNEL | __GFP_NOWARN)) != NULL) {
		assert_true(n < SMALL_PAGES);
		n++;
	}
	assert_int_equal(n, SMALL_PAGES);
	assert_int_equal(dmasim__free_page_count(p, -1), 0);
	assert_int_equal(tu_log.total, 0); /* __GFP_NOWARN */
	assert_null(alloc_pages(GFP_KERNEL, 0));
	assert_log_has("page allocation failure: order 0");

	/* Give them back in random order: everything merges into one block again. */
	shuffle(pg, n, 1234);
	for (unsigned long i = 0; i < n; i++)
		__free_page(pg[i]);
	assert_int_equal(dmasim__free_page_count(p, -1), SMALL_PAGES);
	assert_int_equal(a->nr_free[11], 1);
	for (int o = 0; o < 11; o++)
		assert_int_equal(a->nr_free[o], 0);

	big = alloc_pages(GFP_KERNEL, 10);
	big2 = alloc_pages(GFP_KERNEL, 10);
	assert_non_null(big);
	assert_non_null(big2);
	assert_int_equal(dmasim__free_page_count(p, -1), 0);
	assert_true(labs((long)page_to_pfn(big) - (long)page_to_pfn(big2)) == 1024);
	__free_pages(big2, 10);
	__free_pages(big, 10);
	assert_int_equal(dmasim__free_page_count(p, -1), SMALL_PAGES);
	assert_int_equal(a->nr_free[11], 1);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

/* Resident host memory of this process, in bytes (/proc/self/statm, second field). */
static size_t resident_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu %lu", &size, &resident), 2);
	fclose(f);
	return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

#define BIG_SPEC "ram=1T@0x80000000,4T@0x200000000000:high swiotlb=64M"

/*
 * Issue 14, defect 8: page descriptors and backing memory cost host memory
 * only where used.  5 TiB of declared RAM (1.25 G page descriptors) used to
 * cost ~14 MiB per GiB at creation (about 70 GiB here); now creating it and
 * allocating from every zone, at the top and under a ceiling, costs little.
 */
static void test_big_machine_sparse(void **state)
{
	size_t before = resident_bytes(), used;
	struct dmasim_platform *p = dmasim_platform_create(BIG_SPEC " log=quiet");
	struct page *high, *normal, *low, *dma32;
	char *buf;

	(void)state;
	if (!p && env_spec())
		skip(); /* DMASIM_SPEC made the layout impossible */
	assert_non_null(p);
	dmasim_platform_set_current(p);
	assert_int_equal(dmasim__free_page_count(p, -1), (5ULL << 40) / PAGE_SIZE - (64 << 20) / PAGE_SIZE);
	high = alloc_pages(GFP_KERNEL | __GFP_HIGHMEM, 10);
	normal = alloc_pages(GFP_KERNEL, 10);
	dma32 = alloc_pages(GFP_DMA32, 3);
	/* Under a ceiling: the lowest frames of ZONE_NORMAL, not its top. */
	low = dmasim__alloc_pages_below(p, GFP_KERNEL, 0, 0x100000fffULL);
	assert_non_null(high);
	assert_non_null(normal);
	assert_non_null(dma32);
	assert_non_null(low);
	assert_true(page_to_phys(high) >= 0x200000000000ULL);
	/* The first allocation of a zone comes from its top, as before. */
	assert_true(page_to_phys(normal) == 0x80000000ULL + (1ULL << 40) - (64ULL << 20));
	assert_true(page_to_phys(dma32) < (4ULL << 30));
	assert_true(page_to_phys(low) == 0x100000000ULL);
	buf = page_address(normal);
	memset(buf, 0xa5, PAGE_SIZE << 10);
	assert_int_equal((unsigned char)buf[(PAGE_SIZE << 10) - 1], 0xa5);
	used = resident_bytes();
	/* 4 MiB written, a few descriptors: far below 64 MiB (the old cost was ~70 GiB). */
	assert_true(used < before + (64u << 20));
	__free_pages(high, 10);
	__free_pages(normal, 10);
	__free_pages(dma32, 3);
	__free_pages(low, 0);
	assert_int_equal(dmasim__free_page_count(p, -1), (5ULL << 40) / PAGE_SIZE - (64 << 20) / PAGE_SIZE);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

/*
 * Issue 12 §1: struct page has a size and each region a memmap, so the
 * kernel's pointer arithmetic over a contiguous allocation works
 * (include/linux/mm.h: nth_page(), page_to_pfn() under SPARSEMEM/FLATMEM).
 */
static void test_page_arithmetic(void **state)
{
	struct dmasim_platform *p = *state;
	struct page *page = alloc_pages(GFP_KERNEL, 3), *it, *last, *r1;
	struct page *pages[8];
	unsigned long pfn;
	unsigned char *va;
	int n = 0;

	NEED(p, "ram=16M@0x80000000,16M@0x81000000");
	assert_non_null(page);
	pfn = page_to_pfn(page);
	va = page_address(page);
	for (int i = 0; i < 8; i++) {
		pages[i] = page + i;
		assert_ptr_equal(&page[i], pages[i]);
		assert_ptr_equal(nth_page(page, (unsigned long)i), page + i);
		assert_ptr_equal(pfn_to_page(pfn + (unsigned long)i), page + i);
		assert_int_equal(page_to_pfn(page + i), pfn + (unsigned long)i);
		assert_true(page_to_phys(page + i) == PFN_PHYS(pfn) + (phys_addr_t)i * PAGE_SIZE);
		assert_ptr_equal(virt_to_page(va + (size_t)i * PAGE_SIZE + 100), page + i);
		assert_ptr_equal(page_address(page + i), va + (size_t)i * PAGE_SIZE);
	}
	/* page++ and comparisons, as a driver's loop over its pages. */
	for (it = page, last = page + 7; it <= last; it++)
		n++;
	assert_int_equal(n, 8);
	assert_true(pages[3] > pages[2]);
	assert_int_equal(pages[7] - pages[0], 7);
	assert_true(sizeof(struct page) >= sizeof(unsigned long));
	/* Across two physically adjacent regions: separate memmaps, nth_page() finds the next. */
	last = pfn_to_page(0x80fff);
	r1 = pfn_to_page(0x81000);
	assert_non_null(last);
	assert_non_null(r1);
	assert_ptr_equal(nth_page(last, 1), r1);
	assert_ptr_equal(nth_page(r1, 0), r1);
	assert_true(page_to_phys(nth_page(last, 1)) == 0x81000000ULL);
	assert_false(PageHighMem(r1));
	__free_pages(page, 3);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

/*
 * Issue 12 §4: an allocation that fails because no RAM lies in its zone says
 * so (not "out of memory"); an injected failure says why once.
 */
static void test_zone_failure_messages(void **state)
{
	struct dmasim_platform *p;
	void *buf;

	(void)state;
	/* The SoC has no RAM below 16 MiB: GFP_DMA cannot be served. */
	p = tu_platform_on(TU_SOC, "log=quiet");
	assert_non_null(p);
	assert_null(kmalloc(100, GFP_DMA));
	assert_int_equal(tu_log.total, 1);
	assert_log_has("kmalloc: no memory for 100 bytes (gfp 0x1): no RAM of this machine lies in ZONE_DMA (below 16 MiB)");
	tu_log_clear();
	assert_null(alloc_pages(GFP_DMA, 0));
	assert_int_equal(tu_log.total, 1);
	assert_log_has("alloc_pages: page allocation failure: order 0, gfp 0x1: no RAM of this machine lies in ZONE_DMA (below 16 MiB)");
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);

	/* The PC has: kmalloc(GFP_DMA) comes from below 16 MiB, never from page 0. */
	p = tu_platform("machine=pc");
	assert_non_null(p);
	buf = kmalloc(100, GFP_DMA);
	assert_non_null(buf);
	assert_true(virt_to_phys(buf) >= PAGE_SIZE && virt_to_phys(buf) < (16ULL << 20));
	kfree(buf);
	buf = kmalloc(100, GFP_KERNEL);
	assert_non_null(buf);
	assert_true(virt_to_phys(buf) >= (4ULL << 30)); /* ZONE_NORMAL first, as the kernel's zonelist */
	kfree(buf);
	assert_int_equal(tu_log.total, 0);
	dmasim_platform_destroy(p);

	/* Out of memory where there is RAM: said so, with what is free. */
	p = tu_platform("ram=8M@0x80000000 swiotlb=off");
	assert_non_null(p);
	{
		struct page *big = alloc_pages(GFP_KERNEL, 10), *one = alloc_pages(GFP_KERNEL, 0);

		assert_non_null(big);
		assert_non_null(one);
		assert_null(alloc_pages(GFP_KERNEL, 10));
		assert_int_equal(tu_log.total, 1);
		assert_log_has("order 10, gfp 0xe000: out of memory: 1023 pages free where it may come from, no free block of 1024 pages");
		__free_pages(one, 0);
		__free_pages(big, 10);
	}
	dmasim_platform_destroy(p);

	/* An injected failure: the injection's own message, and nothing more. */
	p = tu_platform("machine=pc fail=pages:nth=1,kmalloc:nth=1");
	assert_non_null(p);
	assert_null(alloc_pages(GFP_KERNEL, 0));
	assert_int_equal(tu_log.total, 1);
	assert_log_has("fault injection");
	tu_log_clear();
	assert_null(kmalloc(64, GFP_KERNEL));
	assert_int_equal(tu_log.total, 1);
	assert_log_has("fault injection");
	dmasim_platform_destroy(p);
}

/* alloc_pages_exact(): a block's worth split, the pages past the size back at once (mm/page_alloc.c). */
static void test_alloc_pages_exact(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned long before = dmasim__free_page_count(p, -1);
	unsigned char *buf = alloc_pages_exact(5 * PAGE_SIZE + 1, GFP_KERNEL);
	struct page *first;

	assert_non_null(buf);
	/* 6 pages used of an order-3 block: 2 went back. */
	assert_int_equal(dmasim__free_page_count(p, -1), before - 6);
	first = virt_to_page(buf);
	for (int i = 0; i < 6; i++) {
		assert_ptr_equal(virt_to_page(buf + (size_t)i * PAGE_SIZE), first + i);
		assert_int_equal(page_count(first + i), 1);
	}
	memset(buf, 0x77, 5 * PAGE_SIZE + 1);
	free_pages_exact(buf, 5 * PAGE_SIZE + 1);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_null(alloc_pages_exact(PAGE_SIZE, GFP_HIGHUSER));
	assert_log_has("alloc_pages_exact: __GFP_HIGHMEM");
	assert_int_equal(dmasim_debug_errors(p), 1);
}

static void test_buddy_misuse(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned long before = dmasim__free_page_count(p, -1);
	struct page *page, *other;

	assert_null(alloc_pages(GFP_KERNEL, DMASIM_MAX_PAGE_ORDER + 1));
	assert_log_has("order 11 is above MAX_PAGE_ORDER");
	assert_int_equal(dmasim_debug_errors(p), 1);
	assert_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, 20));
	assert_int_equal(dmasim_debug_errors(p), 1);
	assert_int_equal(dmasim__free_page_count(p, -1), before);

	/* Wrong order: reported, nothing freed. */
	page = alloc_pages(GFP_KERNEL, 2);
	assert_non_null(page);
	tu_log_clear();
	__free_pages(page, 1);
	assert_log_has("was allocated with order 2, freed with order 1");
	assert_int_equal(dmasim_debug_errors(p), 2);
	assert_int_equal(dmasim__free_page_count(p, -1), before - 4);
	/* A tail page is not a block. */
	tu_log_clear();
	__free_pages(nth_page(page, 1), 0);
	assert_log_has("is not an allocated block head");
	assert_int_equal(dmasim_debug_errors(p), 3);
	assert_int_equal(dmasim__free_page_count(p, -1), before - 4);

	__free_pages(page, 2);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	/* Double free: reported, the allocator is unharmed. */
	tu_log_clear();
	__free_pages(page, 2);
	assert_log_has("is not an allocated block head");
	assert_int_equal(dmasim_debug_errors(p), 4);
	assert_int_equal(dmasim__free_page_count(p, -1), before);

	page = alloc_page(GFP_KERNEL);
	other = alloc_page(GFP_KERNEL);
	assert_non_null(page);
	assert_non_null(other);
	assert_ptr_not_equal(page, other);
	__free_page(page);
	tu_log_clear();
	__free_page(page);
	assert_log_has("double free?");
	assert_int_equal(dmasim_debug_errors(p), 5);
	/* The double-freed page is handed out once only. */
	page = alloc_page(GFP_KERNEL);
	assert_non_null(page);
	assert_null(NULL);
	{
		struct page *third = alloc_page(GFP_KERNEL);

		assert_non_null(third);
		assert_ptr_not_equal(third, page);
		assert_ptr_not_equal(third, other);
		__free_page(third);
	}
	__free_page(page);
	__free_page(other);
	__free_pages(NULL, 0); /* ignored */
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_int_equal(dmasim_debug_errors(p), 5);
}

static void test_zones_lowmem(void **state)
{
	struct dmasim_platform *p = *state;
	static struct page *pg[4097];
	unsigned long n = 0, dma_free;
	struct page *page;

	NEED(p, "ram=16M@0x0,256M@0x80000000 swiotlb=off");
	dma_free = dmasim__free_page_count(p, ZONE_DMA);
	assert_int_equal(dma_free, (16 * MiB) >> PAGE_SHIFT);
	assert_int_equal(dmasim__free_page_count(p, ZONE_DMA32), (256 * MiB) >> PAGE_SHIFT);
	assert_int_equal(dmasim__free_page_count(p, ZONE_NORMAL), 0);

	page = alloc_pages(GFP_DMA, 3);
	assert_non_null(page);
	assert_true(page_to_phys(page) + (8 * PAGE_SIZE) <= 16 * MiB);
	__free_pages(page, 3);
	page = alloc_page(GFP_DMA32);
	assert_non_null(page);
	assert_true(page_to_phys(page) < 4 * GiB);
	/* ZONE_DMA32 is tried before ZONE_DMA. */
	assert_true(page_to_phys(page) >= 0x80000000ULL);
	__free_page(page);
	/* GFP_KERNEL: no ZONE_NORMAL here, so DMA32 before DMA. */
	page = alloc_page(GFP_KERNEL);
	assert_non_null(page);
	assert_true(page_to_phys(page) >= 0x80000000ULL);
	__free_page(page);

	/* Exhaust ZONE_DMA: NULL, other zones unaffected, then recovery. */
	while ((pg[n] = alloc_page(GFP_DMA | __GFP_NOWARN)) != NULL) {
		assert_true(page_to_phys(pg[n]) < 16 * MiB);
		n++;
		assert_true(n <= 4096);
	}
	assert_int_equal(n, 4096);
	assert_int_equal(dmasim__free_page_count(p, ZONE_DMA), 0);
	tu_log_clear();
	assert_null(alloc_page(GFP_DMA));
	assert_log_has("page allocation failure");
	page = alloc_page(GFP_DMA32);
	assert_non_null(page);
	__free_page(page);
	for (unsigned long i = 0; i < n; i++)
		__free_page(pg[i]);
	assert_int_equal(dmasim__free_page_count(p, ZONE_DMA), dma_free);
	page = alloc_pages(GFP_DMA, 10);
	assert_non_null(page);
	assert_true(page_to_phys(page) < 16 * MiB);
	__free_pages(page, 10);

	/* The physical ceiling the DMA layers use. */
	page = dmasim__alloc_pages_below(p, GFP_KERNEL, 2, 0x80000000ULL + MiB - 1);
	assert_non_null(page);
	assert_true(page_to_phys(page) + 4 * PAGE_SIZE <= 0x80000000ULL + MiB);
	dmasim__free_pages(page, 2);
	page = dmasim__alloc_pages_below(p, GFP_KERNEL, 0, 0xffffff);
	assert_non_null(page);
	assert_true(page_to_phys(page) < 16 * MiB);
	dmasim__free_pages(page, 0);
	assert_null(dmasim__alloc_pages_below(p, GFP_KERNEL, 0, 0xfff - 1));
	assert_int_equal(dmasim_debug_errors(p), 0);
}

static void test_zones_high(void **state)
{
	struct dmasim_platform *p = *state;
	struct page *page;

	NEED(p, "ram=64M@0x80000000,256M@0x100000000 ");
	assert_int_equal(dmasim__free_page_count(p, ZONE_NORMAL), (256 * MiB) >> PAGE_SHIFT);
	for (int i = 0; i < 4; i++) {
		page = alloc_pages(GFP_KERNEL, (unsigned int)i);
		assert_non_null(page);
		assert_true(page_to_phys(page) >= 4 * GiB);
		assert_non_null(page_address(page));
		assert_true(virt_to_phys(page_address(page)) == page_to_phys(page));
		assert_false(PageHighMem(page));
		__free_pages(page, (unsigned int)i);
	}
	page = alloc_pages(GFP_DMA32, 4);
	assert_non_null(page);
	assert_true(page_to_phys(page) + 16 * PAGE_SIZE <= 4 * GiB);
	__free_pages(page, 4);
	/* No ZONE_DMA on this machine. */
	tu_log_clear();
	assert_null(alloc_page(GFP_DMA));
	assert_log_has("page allocation failure");
	assert_int_equal(dmasim_debug_errors(p), 0);
}

static void test_get_free_pages(void **state)
{
	struct dmasim_platform *p = *state;
	static unsigned long addr[SMALL_PAGES + 1];
	unsigned long n = 0, a;
	unsigned char *z;

	NEED(p, "ram=8M@0x80000000 swiotlb=off");
	/* Dirty every page of RAM, then give it all back. */
	while ((addr[n] = __get_free_page(GFP_KERNEL | __GFP_NOWARN)) != 0) {
		assert_true(PAGE_ALIGNED(addr[n]));
		assert_true(virt_addr_valid((void *)addr[n]));
		memset((void *)addr[n], 0xa5, PAGE_SIZE);
		n++;
	}
	assert_int_equal(n, SMALL_PAGES);
	for (unsigned long i = 0; i < n; i++)
		free_page(addr[i]);
	assert_int_equal(dmasim__free_page_count(p, -1), SMALL_PAGES);

	z = (unsigned char *)get_zeroed_page(GFP_KERNEL);
	assert_non_null(z);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (z[i])
			fail_msg("get_zeroed_page: byte %zu is 0x%x", i, z[i]);
	free_page((unsigned long)z);

	a = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 3);
	assert_true(a != 0);
	assert_true(IS_ALIGNED(virt_to_phys((void *)a), 8 * PAGE_SIZE));
	for (size_t i = 0; i < 8 * PAGE_SIZE; i++)
		if (((unsigned char *)a)[i])
			fail_msg("__GFP_ZERO: byte %zu is not zero", i);
	assert_int_equal(dmasim__free_page_count(p, -1), SMALL_PAGES - 8);
	free_pages(a, 3);
	assert_int_equal(dmasim__free_page_count(p, -1), SMALL_PAGES);
	free_pages(0, 3); /* ignored */

	assert_int_equal(__get_free_pages(GFP_HIGHUSER, 0), 0);
	assert_log_has("__GFP_HIGHMEM");
	assert_int_equal(dmasim_debug_errors(p), 1);
	/* free_pages of something that is not a linear address: reported, harmless. */
	free_pages((unsigned long)&global_object, 0);
	assert_int_equal(dmasim_debug_errors(p), 2);
	assert_int_equal(dmasim__free_page_count(p, -1), SMALL_PAGES);
}

static void test_get_order(void **state)
{
	(void)state;
	assert_int_equal(get_order(1), 0);
	assert_int_equal(get_order(PAGE_SIZE), 0);
	assert_int_equal(get_order(PAGE_SIZE + 1), 1);
	assert_int_equal(get_order(2 * PAGE_SIZE), 1);
	assert_int_equal(get_order(2 * PAGE_SIZE + 1), 2);
	assert_int_equal(get_order(3 * PAGE_SIZE), 2);
	assert_int_equal(get_order(64 * 1024), 4);
	assert_int_equal(get_order(1024 * 1024), 8);
	assert_int_equal(get_order(4 * 1024 * 1024), 10);
	assert_int_equal(get_order(4 * 1024 * 1024 + 1), 11);
}

/* ---- frames and the linear map -------------------------------------------------- */

static void test_pfn(void **state)
{
	struct dmasim_platform *p = *state;
	struct page *page = alloc_pages(GFP_KERNEL, 1);
	unsigned long pfn;

	NEED(p, "ram=256M@0x80000000 ");
	assert_non_null(page);
	pfn = page_to_pfn(page);
	assert_true(PFN_PHYS(pfn) == page_to_phys(page));
	assert_ptr_equal(pfn_to_page(pfn), page);
	assert_ptr_equal(pfn_to_page(pfn + 1), nth_page(page, 1));
	assert_int_equal(page_to_pfn(pfn_to_page(pfn + 1)), pfn + 1);
	assert_true(pfn_valid(pfn));
	assert_true(virt_to_pfn(page_address(page)) == pfn);

	/* First and last frame of RAM. */
	assert_true(pfn_valid(0x80000));
	assert_true(pfn_valid(0x8ffff));
	assert_int_equal(page_to_pfn(pfn_to_page(0x80000)), 0x80000);
	assert_int_equal(page_to_pfn(pfn_to_page(0x8ffff)), 0x8ffff);
	assert_false(pfn_valid(0x7ffff));
	assert_false(pfn_valid(0x90000));
	assert_false(pfn_valid(0));
	assert_null(pfn_to_page(0x90000));
	/* A frame number whose address does not fit in 64 bits is not RAM either. */
	assert_false(pfn_valid((1UL << 52) | 0x80000));
	assert_null(pfn_to_page((1UL << 52) | 0x80000));
	assert_false(pfn_valid(~0UL));
	__free_pages(page, 1);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

static void test_linear_map(void **state)
{
	struct dmasim_platform *p = *state;
	int local = 0;
	char *heap = malloc(64);
	unsigned char *va;

	NEED(p, "ram=256M@0x80000000 ");
	va = phys_to_virt(0x80000000ULL);
	assert_non_null(va);
	assert_true(virt_to_phys(va) == 0x80000000ULL);
	assert_true(virt_to_phys(va + 0x1234567) == 0x81234567ULL);
	assert_ptr_equal(phys_to_virt(0x8fffffffULL), va + 0xfffffff);
	assert_true(__pa(__va(0x80abc123ULL)) == 0x80abc123ULL);
	assert_null(phys_to_virt(0x90000000ULL));
	assert_null(phys_to_virt(0x7fffffffULL));
	assert_true(virt_addr_valid(va));
	assert_false(virt_addr_valid(va - 1));
	assert_false(virt_addr_valid(va + 256 * MiB));
	assert_int_equal(dmasim_debug_errors(p), 0);

	/* Memory dmasim does not own: an error value and a message saying what it is. */
	assert_true(virt_to_phys(&local) == (phys_addr_t)-1);
	assert_log_has("virt_to_phys");
	assert_log_has("stack");
	assert_log_has("not simulated memory");
	assert_int_equal(dmasim_debug_errors(p), 1);
	tu_log_clear();
	assert_non_null(heap);
	assert_true(virt_to_phys(heap) == (phys_addr_t)-1);
	assert_log_has("not simulated memory");
	assert_int_equal(dmasim_debug_errors(p), 2);
	tu_log_clear();
	assert_true(virt_to_phys(&global_object) == (phys_addr_t)-1);
	assert_log_has("static data of");
	assert_int_equal(dmasim_debug_errors(p), 3);
	tu_log_clear();
	assert_true(virt_to_phys(va + 256 * MiB) == (phys_addr_t)-1);
	assert_int_equal(dmasim_debug_errors(p), 4);

	tu_log_clear();
	assert_null(virt_to_page(&local));
	assert_log_has("virt_to_page");
	assert_log_has("stack");
	tu_log_clear();
	assert_null(virt_to_page(heap));
	assert_log_has("not simulated memory");
	assert_int_equal(dmasim_debug_errors(p), 6);
	assert_non_null(virt_to_page(va + 5));
	assert_int_equal(page_to_pfn(virt_to_page(va + PAGE_SIZE + 5)), 0x80001);
	free(heap);
}

static void test_one_memfd(void **state)
{
	struct dmasim_platform *p = *state;
	struct page *page = alloc_pages(GFP_KERNEL, 1);
	unsigned char *va, *ram;

	assert_non_null(page);
	va = page_address(page);
	ram = dmasim__ram_ptr(p, page_to_phys(page));
	assert_non_null(ram);
	/* Two host mappings of the same bytes. */
	assert_ptr_not_equal(va, ram);
	for (size_t i = 0; i < 2 * PAGE_SIZE; i++)
		va[i] = (unsigned char)(i * 7 + 3);
	for (size_t i = 0; i < 2 * PAGE_SIZE; i++)
		if (ram[i] != (unsigned char)(i * 7 + 3))
			fail_msg("RAM byte %zu differs from the linear map", i);
	ram[PAGE_SIZE + 9] = 0x5a;
	assert_int_equal(va[PAGE_SIZE + 9], 0x5a);
	assert_ptr_equal(dmasim__phys_to_linear(p, page_to_phys(page) + 9), va + 9);
	{
		phys_addr_t phys;

		assert_int_equal(dmasim__linear_to_phys(p, va + 9, &phys), 0);
		assert_true(phys == page_to_phys(page) + 9);
		assert_int_equal(dmasim__cpu_to_phys(p, va + PAGE_SIZE, &phys), 0);
		assert_true(phys == page_to_phys(page) + PAGE_SIZE);
		assert_int_equal(dmasim__linear_to_phys(p, ram, &phys), -EFAULT);
		assert_int_equal(dmasim__cpu_to_phys(p, &phys, &phys), -EFAULT);
	}
	assert_ptr_equal(dmasim__page_platform(page), p);
	__free_pages(page, 1);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

static void test_multi_region_linear(void **state)
{
	struct dmasim_platform *p = *state;
	struct page *lo, *hi;

	NEED(p, "ram=16M@0x0,64M@0x80000000 ");
	NEED_TRUE(dmasim__free_page_count(p, ZONE_DMA) > 0);
	lo = alloc_page(GFP_DMA);
	hi = alloc_page(GFP_KERNEL);
	assert_non_null(lo);
	assert_non_null(hi);
	assert_true(page_to_phys(lo) < 16 * MiB);
	assert_true(page_to_phys(hi) >= 0x80000000ULL);
	/* One linear map: the distance between linear addresses is the physical distance. */
	assert_true((u64)((unsigned char *)page_address(hi) - (unsigned char *)page_address(lo)) ==
		    page_to_phys(hi) - page_to_phys(lo));
	assert_true(virt_to_phys(page_address(lo)) == page_to_phys(lo));
	assert_true(virt_to_phys(page_address(hi)) == page_to_phys(hi));
	/* The hole between the regions is not RAM. */
	assert_null(phys_to_virt(0x40000000ULL));
	assert_false(pfn_valid(0x40000));
	assert_false(virt_addr_valid((unsigned char *)page_address(lo) + 0x40000000ULL));
	assert_true(((uintptr_t)page_address(lo) - page_to_phys(lo)) % (1UL << 30) == 0);
	/* Different offsets of the memfd. */
	*(unsigned char *)page_address(lo) = 1;
	*(unsigned char *)page_address(hi) = 2;
	assert_int_equal(dmasim__ram_ptr(p, page_to_phys(lo))[0], 1);
	assert_int_equal(dmasim__ram_ptr(p, page_to_phys(hi))[0], 2);
	__free_page(lo);
	__free_page(hi);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

/* ---- page references --------------------------------------------------------- */

static void test_page_refs(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned long before = dmasim__free_page_count(p, -1);
	struct page *page = alloc_page(GFP_KERNEL), *again;

	assert_non_null(page);
	assert_int_equal(page_count(page), 1);
	get_page(page);
	assert_int_equal(page_count(page), 2);
	put_page(page);
	assert_int_equal(page_count(page), 1);
	assert_int_equal(dmasim__free_page_count(p, -1), before - 1);
	put_page(page); /* the last reference frees it */
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_int_equal(page_count(NULL), 0);
	get_page(NULL);
	put_page(NULL);

	/* Higher orders go back whole. */
	page = alloc_pages(GFP_KERNEL, 2);
	assert_non_null(page);
	put_page(page);
	assert_int_equal(dmasim__free_page_count(p, -1), before);

	/* __free_pages drops a reference: the page lives on while someone holds one. */
	page = alloc_page(GFP_KERNEL);
	assert_non_null(page);
	get_page(page);
	__free_page(page);
	assert_int_equal(page_count(page), 1);
	assert_int_equal(dmasim__free_page_count(p, -1), before - 1);
	again = alloc_page(GFP_KERNEL);
	assert_non_null(again);
	assert_ptr_not_equal(again, page);
	put_page(page);
	assert_int_equal(dmasim__free_page_count(p, -1), before - 1);
	__free_page(again);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

/* ---- kmalloc ------------------------------------------------------------------- */

static void test_kmalloc_sizes(void **state)
{
	struct dmasim_platform *p = *state;
	static const size_t sizes[] = { 1, 2, 7, 8, 31, 63, 64, 65, 100, 127, 128, 129, 191,
					192, 193, 255, 256, 257, 500, 511, 512, 513, 1000, 1023,
					1024, 1025, 2000, 2047, 2048, 2049, 3000, 4095, 4096,
					4097, 6000, 8191, 8192 };
	unsigned long before = dmasim__free_page_count(p, -1);
	void *ptr[ARRAY_SIZE(sizes)];

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *b = kmalloc(sizes[i], GFP_KERNEL);
		size_t ks;

		assert_non_null(b);
		assert_true(IS_ALIGNED((uintptr_t)b, ARCH_DMA_MINALIGN));
		assert_true(virt_addr_valid(b));
		assert_true(virt_to_phys(b) != (phys_addr_t)-1);
		ks = ksize(b);
		assert_true(ks >= sizes[i]);
		assert_true(ks % ARCH_DMA_MINALIGN == 0);
		if (sizes[i] > 2048) {
			assert_true(PAGE_ALIGNED(b));
			assert_int_equal(ks, PAGE_SIZE << get_order(sizes[i]));
		} else {
			assert_true(ks <= 2048);
		}
		/* The whole object is usable and lands in RAM. */
		memset(b, (int)i + 1, ks);
		assert_int_equal(dmasim__ram_ptr(p, virt_to_phys(b))[ks - 1], (unsigned char)(i + 1));
		ptr[i] = b;
	}
	/* No two objects overlap. */
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		for (size_t j = 0; j < ARRAY_SIZE(sizes); j++) {
			uintptr_t a = (uintptr_t)ptr[i], b = (uintptr_t)ptr[j];

			if (i != j && a < b + ksize(ptr[j]) && b < a + ksize(ptr[i]))
				fail_msg("kmalloc(%zu) and kmalloc(%zu) overlap", sizes[i], sizes[j]);
		}
	/* Every byte still holds what was written: nothing overlapped. */
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		for (size_t k = 0; k < sizes[i]; k++)
			if (((unsigned char *)ptr[i])[k] != (unsigned char)(i + 1))
				fail_msg("kmalloc(%zu): byte %zu overwritten", sizes[i], k);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		kfree(ptr[i]);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_int_equal(dmasim_debug_errors(p), 0);

	/* Every size up to two pages. */
	for (size_t s = 1; s <= 8192; s += 37) {
		void *b = kmalloc(s, GFP_KERNEL);

		assert_non_null(b);
		assert_true(IS_ALIGNED((uintptr_t)b, ARCH_DMA_MINALIGN));
		assert_true(ksize(b) >= s);
		kfree(b);
	}
	assert_int_equal(dmasim__free_page_count(p, -1), before);
}

static void test_kmalloc_lines(void **state)
{
	struct dmasim_platform *p = *state;
	enum { N = 300 };
	uintptr_t lines[N];
	void *ptr[N];

	for (int i = 0; i < N; i++) {
		ptr[i] = kmalloc(1, GFP_KERNEL);
		assert_non_null(ptr[i]);
		assert_int_equal(ksize(ptr[i]), 64);
		lines[i] = (uintptr_t)ptr[i] / L1_CACHE_BYTES;
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			if (lines[i] == lines[j])
				fail_msg("kmalloc(1) #%d and #%d share a cache line", i, j);
	for (int i = 0; i < N; i++)
		kfree(ptr[i]);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

static void test_kzalloc_and_arrays(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned char *b;
	unsigned int *arr;

	/* Dirty some objects of each class, free them, then ask for zeroed ones. */
	for (size_t s = 64; s <= 8192; s *= 2) {
		void *d[8];

		for (int i = 0; i < 8; i++) {
			d[i] = kmalloc(s, GFP_KERNEL);
			assert_non_null(d[i]);
			memset(d[i], 0xee, s);
		}
		for (int i = 0; i < 8; i++)
			kfree(d[i]);
		for (int i = 0; i < 8; i++) {
			d[i] = kzalloc(s, GFP_KERNEL);
			assert_non_null(d[i]);
			for (size_t k = 0; k < s; k++)
				if (((unsigned char *)d[i])[k])
					fail_msg("kzalloc(%zu): byte %zu is 0x%x", s, k,
						 ((unsigned char *)d[i])[k]);
		}
		for (int i = 0; i < 8; i++)
			kfree(d[i]);
	}

	arr = kcalloc(100, sizeof(*arr), GFP_KERNEL);
	assert_non_null(arr);
	assert_true(ksize(arr) >= 400);
	for (int i = 0; i < 100; i++)
		assert_int_equal(arr[i], 0);
	kfree(arr);
	arr = kmalloc_array(100, sizeof(*arr), GFP_KERNEL);
	assert_non_null(arr);
	assert_true(ksize(arr) >= 400);
	kfree(arr);

	/* Overflow and size 0: NULL. */
	assert_null(kcalloc(SIZE_MAX / 2, 4, GFP_KERNEL));
	assert_null(kmalloc_array(SIZE_MAX / 8 + 1, 8, GFP_KERNEL));
	assert_null(kmalloc_array((size_t)1 << 33, (size_t)1 << 32, GFP_KERNEL));
	assert_null(kmalloc(0, GFP_KERNEL));
	assert_null(kzalloc(0, GFP_KERNEL));
	assert_null(kcalloc(0, 8, GFP_KERNEL));
	assert_int_equal(dmasim_debug_errors(p), 0);
	/* Too big for kmalloc, and highmem: reported. */
	assert_null(kmalloc((PAGE_SIZE << DMASIM_MAX_PAGE_ORDER) + 1, GFP_KERNEL));
	assert_log_has("more than kmalloc can give");
	assert_null(kmalloc(64, GFP_KERNEL | __GFP_HIGHMEM));
	assert_log_has("__GFP_HIGHMEM is invalid for kmalloc");
	assert_int_equal(dmasim_debug_errors(p), 2);
	/* The largest kmalloc works. */
	b = kmalloc(PAGE_SIZE << DMASIM_MAX_PAGE_ORDER, GFP_KERNEL);
	assert_non_null(b);
	assert_true(IS_ALIGNED(virt_to_phys(b), PAGE_SIZE << DMASIM_MAX_PAGE_ORDER));
	assert_true(IS_ALIGNED((uintptr_t)b, PAGE_SIZE << DMASIM_MAX_PAGE_ORDER));
	kfree(b);
	assert_int_equal(dmasim_debug_errors(p), 2);
}

static void test_kmalloc_dma(void **state)
{
	struct dmasim_platform *p = *state;
	void *a, *b, *c;

	NEED(p, "ram=16M@0x0,256M@0x80000000 ");
	NEED_TRUE(dmasim__free_page_count(p, ZONE_DMA) >= 4);
	a = kmalloc(100, GFP_DMA);
	b = kmalloc(5000, GFP_DMA);
	c = kmalloc(100, GFP_KERNEL);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(virt_to_phys(a) + 100 <= 16 * MiB);
	assert_true(virt_to_phys(b) + 5000 <= 16 * MiB);
	assert_true(virt_to_phys(c) >= 0x80000000ULL);
	/* GFP_DMA objects have their own slabs. */
	assert_true(PFN_DOWN(virt_to_phys(a)) != PFN_DOWN(virt_to_phys(c)));
	kfree(a);
	kfree(b);
	kfree(c);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

static void test_kmalloc_no_dma_zone(void **state)
{
	struct dmasim_platform *p = *state;

	/* No ZONE_DMA: GFP_DMA kmalloc fails (with a message). */
	NEED(p, "ram=64M@0x80000000 ");
	assert_null(kmalloc(100, GFP_DMA));
	assert_log_has("kmalloc: no memory for 100 bytes (gfp 0x1): no RAM of this machine lies in ZONE_DMA (below 16 MiB)");
	assert_null(kmalloc(5000, GFP_DMA | __GFP_NOWARN));
	assert_non_null(kmalloc(100, GFP_KERNEL | __GFP_NOWARN)); /* freed with the platform */
}

static void test_kfree_misuse(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned long before = dmasim__free_page_count(p, -1);
	int local;
	unsigned char *a, *b, *c, *big;
	struct page *page;

	kfree(NULL);
	assert_int_equal(dmasim_debug_errors(p), 0);
	assert_int_equal(tu_log.total, 0);

	kfree(&local);
	assert_log_has("kfree");
	assert_log_has("stack");
	assert_int_equal(dmasim_debug_errors(p), 1);

	a = kmalloc(128, GFP_KERNEL);
	b = kmalloc(128, GFP_KERNEL);
	assert_non_null(a);
	assert_non_null(b);
	memset(b, 0x77, 128);
	tu_log_clear();
	kfree(a + 64);
	assert_log_has("inside an object");
	kfree(a + 1);
	assert_int_equal(dmasim_debug_errors(p), 3);
	assert_int_equal(ksize(a), 128); /* still live */

	kfree(a);
	tu_log_clear();
	kfree(a);
	assert_log_has("double free");
	assert_int_equal(dmasim_debug_errors(p), 4);
	/* Later allocations are correct: no object handed out twice, b intact. */
	a = kmalloc(128, GFP_KERNEL);
	c = kmalloc(128, GFP_KERNEL);
	assert_non_null(a);
	assert_non_null(c);
	assert_ptr_not_equal(a, c);
	assert_ptr_not_equal(a, b);
	assert_ptr_not_equal(c, b);
	memset(a, 0x11, 128);
	memset(c, 0x22, 128);
	for (int i = 0; i < 128; i++)
		assert_int_equal(b[i], 0x77);
	kfree(a);
	kfree(b);
	kfree(c);
	assert_int_equal(dmasim_debug_errors(p), 4);

	/* Large kmalloc: page aligned; inside pointers and double frees reported. */
	big = kmalloc(3 * PAGE_SIZE, GFP_KERNEL);
	assert_non_null(big);
	assert_true(PAGE_ALIGNED(big));
	assert_int_equal(ksize(big), 4 * PAGE_SIZE);
	assert_int_equal(dmasim__free_page_count(p, -1), before - 4);
	tu_log_clear();
	kfree(big + PAGE_SIZE);
	assert_log_has("is not a kmalloc() block");
	kfree(big + 64);
	assert_int_equal(dmasim_debug_errors(p), 6);
	assert_int_equal(dmasim__free_page_count(p, -1), before - 4);
	kfree(big);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	tu_log_clear();
	kfree(big);
	assert_log_has("is not a kmalloc() block");
	assert_int_equal(dmasim_debug_errors(p), 7);
	assert_int_equal(dmasim__free_page_count(p, -1), before);

	/* Pages from alloc_pages are not kmalloc blocks. */
	page = alloc_page(GFP_KERNEL);
	assert_non_null(page);
	tu_log_clear();
	kfree(page_address(page));
	assert_log_has("is not a kmalloc() block");
	assert_int_equal(ksize(page_address(page)), 0);
	assert_int_equal(dmasim_debug_errors(p), 9);
	assert_int_equal(page_count(page), 1);
	__free_page(page);

	/* ksize of foreign memory. */
	assert_int_equal(ksize(&local), 0);
	assert_int_equal(ksize(NULL), 0);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
}

static void test_kmalloc_cycles(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned long before = dmasim__free_page_count(p, -1);
	enum { N = 2000 };
	static void *obj[N];
	static size_t sz[N];

	srand(42);
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < N; i++) {
			sz[i] = 1 + (size_t)rand() % (i % 10 == 0 ? 12000 : 2048);
			obj[i] = kmalloc(sz[i], GFP_KERNEL);
			assert_non_null(obj[i]);
			memset(obj[i], (int)(i & 0xff), sz[i]);
		}
		assert_true(dmasim__free_page_count(p, -1) < before);
		for (int i = 0; i < N; i++)
			for (size_t k = 0; k < sz[i]; k += 97)
				if (((unsigned char *)obj[i])[k] != (unsigned char)(i & 0xff))
					fail_msg("round %d object %d byte %zu overwritten", round, i, k);
		shuffle(obj, N, (unsigned int)round);
		for (int i = 0; i < N; i++)
			kfree(obj[i]);
		/* Empty slabs went back to the page allocator. */
		assert_int_equal(dmasim__free_page_count(p, -1), before);
	}
	assert_int_equal(dmasim_debug_errors(p), 0);
}

static void *alloc_worker(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	const unsigned char tag = (unsigned char)(uintptr_t)arg;
	enum { K = 64 };
	unsigned char *obj[K];
	size_t sz[K];
	struct page *pg[K];

	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < K; i++) {
			sz[i] = 1 + (size_t)rand_r(&seed) % 3000;
			obj[i] = kmalloc(sz[i], GFP_KERNEL);
			pg[i] = alloc_pages(GFP_KERNEL, (unsigned int)(rand_r(&seed) % 3));
			if (!obj[i] || !pg[i])
				return "allocation failed";
			memset(obj[i], tag, sz[i]);
		}
		for (int i = 0; i < K; i++) {
			for (size_t k = 0; k < sz[i]; k++)
				if (obj[i][k] != tag)
					return "object overwritten by another thread";
			kfree(obj[i]);
			__free_pages(pg[i], pg[i]->order);
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned long before = dmasim__free_page_count(p, -1);
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, alloc_worker, (void *)(uintptr_t)(i + 1)), 0);
	for (int i = 0; i < 4; i++) {
		void *ret;

		assert_int_equal(pthread_join(t[i], &ret), 0);
		if (ret)
			fail_msg("thread %d: %s", i, (const char *)ret);
	}
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

static void test_no_platform(void **state)
{
	(void)state;
	assert_null(dmasim_platform_current());
	assert_null(alloc_page(GFP_KERNEL));
	assert_null(kmalloc(10, GFP_KERNEL));
	assert_null(pfn_to_page(0x80000));
	assert_false(pfn_valid(0x80000));
	assert_null(phys_to_virt(0x80000000ULL));
	assert_true(virt_to_phys(&global_object) == (phys_addr_t)-1);
	kfree(&global_object);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_buddy_alignment, setup_default, teardown),
		cmocka_unit_test_prestate_setup_teardown(test_buddy_coalescing, setup_spec, teardown, (void *)SMALL_SPEC),
		cmocka_unit_test_setup_teardown(test_buddy_misuse, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_pages_exact, setup_default, teardown),
		cmocka_unit_test(test_big_machine_sparse),
		cmocka_unit_test(test_zone_failure_messages),
		SPEC_TEST(test_page_arithmetic, "ram=16M@0x80000000,16M@0x81000000"),
		SPEC_TEST(test_zones_lowmem, "ram=16M@0x0,256M@0x80000000 swiotlb=off"),
		SPEC_TEST(test_zones_high, "ram=64M@0x80000000,256M@0x100000000"),
		cmocka_unit_test_prestate_setup_teardown(test_get_free_pages, setup_spec, teardown, (void *)SMALL_SPEC),
		cmocka_unit_test(test_get_order),
		cmocka_unit_test_setup_teardown(test_pfn, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_linear_map, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_one_memfd, setup_default, teardown),
		SPEC_TEST(test_multi_region_linear, "ram=16M@0x0,64M@0x80000000"),
		cmocka_unit_test_setup_teardown(test_page_refs, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_kmalloc_sizes, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_kmalloc_lines, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_kzalloc_and_arrays, setup_default, teardown),
		SPEC_TEST(test_kmalloc_dma, "ram=16M@0x0,256M@0x80000000"),
		SPEC_TEST(test_kmalloc_no_dma_zone, "ram=64M@0x80000000"),
		cmocka_unit_test_setup_teardown(test_kfree_misuse, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_kmalloc_cycles, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup_default, teardown),
		cmocka_unit_test(test_no_platform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
