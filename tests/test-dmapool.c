/*
 * tests/test-dmapool.c - dma_pool (lib/dma/dmapool.c): argument checks of
 * dma_pool_create(), block geometry (alignment, boundaries, no overlap),
 * the bus address as the device sees it, LIFO reuse, zeroing and poisoning,
 * misuse reports (bad and double frees, busy destroy, corrupted free blocks),
 * the free list kept outside the blocks (LIFO across many pages, big blocks),
 * managed pools, the leak report at device teardown, and the kernel's own
 * dmapool_test pattern.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "dma/dma.h"

#include <dmasim/dma-mapping.h>
#include <dmasim/dmapool.h>

/* Test hook in lib/dmapool.c. */
void dmasim__pool_counts(struct dma_pool *pool, size_t *pages, size_t *blocks, size_t *busy);

struct fixture {
	struct dmasim_platform *p;
	struct device *dev;
};

struct blk {
	unsigned char *va;
	dma_addr_t dma;
};

static int setup_spec(void **state, const char *spec)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->p = tu_platform(spec);
	assert_non_null(f->p);
	f->dev = dmasim_device_create(f->p, "name=pooldev");
	assert_non_null(f->dev);
	tu_log_clear();
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_spec(state, "");
}

static int setup_nodebug(void **state)
{
	return setup_spec(state, "debug=off");
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dmasim_device_destroy(f->dev);
	dmasim_platform_destroy(f->p);
	free(f);
	return 0;
}

static size_t pool_pages(struct dma_pool *pool)
{
	size_t n;

	dmasim__pool_counts(pool, &n, NULL, NULL);
	return n;
}

static size_t pool_busy(struct dma_pool *pool)
{
	size_t n;

	dmasim__pool_counts(pool, NULL, NULL, &n);
	return n;
}

static int cmp_va(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;

	return x->va < y->va ? -1 : x->va > y->va;
}

static int cmp_dma(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;

	return x->dma < y->dma ? -1 : x->dma > y->dma;
}

/* Every block aligned, inside one boundary window, and no two overlapping (CPU and bus). */
static void check_geometry(struct blk *b, size_t n, size_t size, size_t align, size_t boundary)
{
	for (size_t i = 0; i < n; i++) {
		uintptr_t va = (uintptr_t)b[i].va;

		assert_int_equal(va % align, 0);
		assert_int_equal(b[i].dma % align, 0);
		if (boundary) {
			assert_int_equal(va / boundary, (va + size - 1) / boundary);
			assert_int_equal(b[i].dma / boundary, (b[i].dma + size - 1) / boundary);
		}
	}
	qsort(b, n, sizeof(*b), cmp_va);
	for (size_t i = 1; i < n; i++)
		assert_true(b[i - 1].va + size <= b[i].va);
	qsort(b, n, sizeof(*b), cmp_dma);
	for (size_t i = 1; i < n; i++)
		assert_true(b[i - 1].dma + size <= b[i].dma);
}

/* ---- dma_pool_create() arguments ------------------------------------------ */

static void test_create_bad_args(void **state)
{
	struct fixture *f = *state;
	unsigned long errs = dmasim_debug_errors(f->p);

	assert_null(dma_pool_create("zero", f->dev, 0, 8, 0));
	assert_log_has("DMA-API: pooldev: dma_pool_create: pool zero: size 0");

	assert_null(dma_pool_create("huge", f->dev, (size_t)INT_MAX + 1, 8, 0));
	assert_log_has("dma_pool_create: pool huge: size 2147483648 is larger than INT_MAX");

	assert_null(dma_pool_create("huge2", f->dev, INT_MAX, (size_t)1 << 31, 0));
	assert_log_has("dma_pool_create: pool huge2: size aligned to 2147483648 is 2147483648");

	assert_null(dma_pool_create("odd", f->dev, 64, 24, 0));
	assert_log_has("dma_pool_create: pool odd: align 24 is not a power of two");

	assert_null(dma_pool_create("bnd", f->dev, 64, 8, 100));
	assert_log_has("dma_pool_create: pool bnd: boundary 100 is not a power of two");

	assert_null(dma_pool_create("small", f->dev, 64, 8, 32));
	assert_log_has("dma_pool_create: pool small: boundary 32 is smaller than the block size 64");

	/* The aligned size counts: 40 aligned to 64 is 64, more than a 32 boundary. */
	assert_null(dma_pool_create("small2", f->dev, 40, 64, 32));
	assert_log_has("pool small2: boundary 32 is smaller than the block size 64");

	assert_int_equal(dmasim_debug_errors(f->p) - errs, 7);

	tu_log_clear();
	assert_null(dma_pool_create("nodev", NULL, 64, 8, 0));
	assert_log_has("dma_pool_create: NULL device pointer");
}

static void test_create_good_args(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool;
	dma_addr_t dma;
	void *va;
	size_t blocks;

	/* align 0 means 1; tiny sizes grow to the free-block record (16 bytes on LP64). */
	pool = dma_pool_create("tiny", f->dev, 1, 0, 0);
	assert_non_null(pool);
	va = dma_pool_alloc(pool, GFP_KERNEL, &dma);
	assert_non_null(va);
	dmasim__pool_counts(pool, NULL, &blocks, NULL);
	assert_int_equal(blocks, PAGE_SIZE / (sizeof(void *) + sizeof(dma_addr_t)));
	dma_pool_free(pool, va, dma);
	dma_pool_destroy(pool);

	/* A boundary larger than the page is clamped to it. */
	pool = dma_pool_create("bigbnd", f->dev, 1000, 8, 1 << 20);
	assert_non_null(pool);
	va = dma_pool_alloc(pool, GFP_KERNEL, &dma);
	assert_non_null(va);
	dmasim__pool_counts(pool, NULL, &blocks, NULL);
	assert_int_equal(blocks, 4);
	dma_pool_free(pool, va, dma);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.n, 0);
}

/* ---- geometry ----------------------------------------------------------------- */

static void test_boundary_48_16_64(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("b64", f->dev, 48, 16, 64);
	enum { N = 1000 };
	struct blk *b = calloc(N, sizeof(*b));

	assert_non_null(pool);
	assert_non_null(b);
	for (size_t i = 0; i < N; i++) {
		b[i].va = dma_pool_alloc(pool, GFP_KERNEL, &b[i].dma);
		assert_non_null(b[i].va);
	}
	/* One 48-byte block per 64-byte window: 64 blocks a page. */
	assert_int_equal(pool_pages(pool), (N + 63) / 64);
	assert_int_equal(pool_busy(pool), N);
	check_geometry(b, N, 48, 16, 64);
	for (size_t i = 0; i < N; i++)
		dma_pool_free(pool, b[i].va, b[i].dma);
	assert_int_equal(pool_busy(pool), 0);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.n, 0);
	free(b);
}

static void test_boundary_packs_windows(void **state)
{
	struct fixture *f = *state;
	/* 68 aligned to 32 is 96: 42 blocks fit a 4096 window (the kernel test's odd case). */
	struct dma_pool *pool = dma_pool_create("odd68", f->dev, 68, 32, 4096);
	enum { N = 200 };
	struct blk b[N];
	size_t blocks;

	assert_non_null(pool);
	for (size_t i = 0; i < N; i++) {
		b[i].va = dma_pool_alloc(pool, GFP_KERNEL, &b[i].dma);
		assert_non_null(b[i].va);
	}
	dmasim__pool_counts(pool, NULL, &blocks, NULL);
	assert_int_equal(blocks, pool_pages(pool) * 42);
	assert_int_equal(pool_pages(pool), (N + 41) / 42);
	check_geometry(b, N, 96, 32, 4096);
	for (size_t i = 0; i < N; i++)
		dma_pool_free(pool, b[i].va, b[i].dma);
	dma_pool_destroy(pool);

	/* 200-byte blocks with a 256 boundary: one per window, 16 a page. */
	pool = dma_pool_create("b256", f->dev, 200, 8, 256);
	assert_non_null(pool);
	for (size_t i = 0; i < 40; i++) {
		b[i].va = dma_pool_alloc(pool, GFP_KERNEL, &b[i].dma);
		assert_non_null(b[i].va);
		assert_int_equal((uintptr_t)b[i].va % 256, 0);
	}
	assert_int_equal(pool_pages(pool), 3);
	check_geometry(b, 40, 200, 8, 256);
	for (size_t i = 0; i < 40; i++)
		dma_pool_free(pool, b[i].va, b[i].dma);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.n, 0);
}

static void test_page_sized_blocks(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("page", f->dev, 4096, 4096, 0);
	enum { N = 16 };
	struct blk b[N];

	assert_non_null(pool);
	for (size_t i = 0; i < N; i++) {
		b[i].va = dma_pool_alloc(pool, GFP_KERNEL, &b[i].dma);
		assert_non_null(b[i].va);
		assert_int_equal((uintptr_t)b[i].va & 4095, 0);
		assert_int_equal(b[i].dma & 4095, 0);
	}
	assert_int_equal(pool_pages(pool), N);
	check_geometry(b, N, 4096, 4096, 4096);
	for (size_t i = 0; i < N; i++)
		dma_pool_free(pool, b[i].va, b[i].dma);
	dma_pool_destroy(pool);

	/* Larger than a page and not a power of two: one block per allocation. */
	pool = dma_pool_create("big", f->dev, 5000, 8, 0);
	assert_non_null(pool);
	for (size_t i = 0; i < 4; i++) {
		b[i].va = dma_pool_alloc(pool, GFP_KERNEL, &b[i].dma);
		assert_non_null(b[i].va);
		memset(b[i].va, (int)i, 5000);
	}
	assert_int_equal(pool_pages(pool), 4);
	check_geometry(b, 4, 5000, 8, 0);
	for (size_t i = 0; i < 4; i++)
		dma_pool_free(pool, b[i].va, b[i].dma);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.n, 0);
}

/* ---- what the device sees ---------------------------------------------------- */

static void test_handle_is_device_address(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("dev", f->dev, 64, 64, 0);
	enum { N = 100 };
	struct blk b[N];
	unsigned char pat[64], back[64];

	assert_non_null(pool);
	for (size_t i = 0; i < N; i++) {
		b[i].va = dma_pool_alloc(pool, GFP_KERNEL, &b[i].dma);
		assert_non_null(b[i].va);
	}
	/* Device writes land at the CPU address, CPU writes reach the device. */
	for (size_t i = 0; i < N; i++) {
		memset(pat, (int)(i + 1), sizeof(pat));
		assert_int_equal(dmasim_dev_write(f->dev, b[i].dma, pat, sizeof(pat)), 0);
	}
	for (size_t i = 0; i < N; i++) {
		memset(pat, (int)(i + 1), sizeof(pat));
		assert_memory_equal(b[i].va, pat, sizeof(pat));
		memset(b[i].va, (int)(0x80 + i), 64);
		assert_int_equal(dmasim_dev_read(f->dev, b[i].dma, back, sizeof(back)), 0);
		memset(pat, (int)(0x80 + i), sizeof(pat));
		assert_memory_equal(back, pat, sizeof(pat));
	}
	for (size_t i = 0; i < N; i++)
		dma_pool_free(pool, b[i].va, b[i].dma);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.n, 0);
}

/* ---- reuse, zeroing, poisoning ------------------------------------------------ */

static void test_lifo_reuse(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("lifo", f->dev, 32, 8, 0);
	dma_addr_t da, db, dc, d2;
	void *a, *b, *c, *x;

	assert_non_null(pool);
	a = dma_pool_alloc(pool, GFP_KERNEL, &da);
	b = dma_pool_alloc(pool, GFP_KERNEL, &db);
	c = dma_pool_alloc(pool, GFP_KERNEL, &dc);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	/* A fresh page is handed out from its start, in address order. */
	assert_ptr_equal(b, (char *)a + 32);
	assert_ptr_equal(c, (char *)a + 64);
	assert_int_equal(db, da + 32);
	assert_int_equal(dc, da + 64);

	dma_pool_free(pool, a, da);
	dma_pool_free(pool, c, dc);
	x = dma_pool_alloc(pool, GFP_KERNEL, &d2);
	assert_ptr_equal(x, c);
	assert_int_equal(d2, dc);
	x = dma_pool_alloc(pool, GFP_KERNEL, &d2);
	assert_ptr_equal(x, a);
	assert_int_equal(d2, da);
	/* Stack empty again: the next block is the page's fourth. */
	x = dma_pool_alloc(pool, GFP_KERNEL, &d2);
	assert_ptr_equal(x, (char *)a + 96);
	assert_int_equal(pool_pages(pool), 1);
	assert_int_equal(pool_busy(pool), 4);
	dma_pool_free(pool, x, d2);
	dma_pool_free(pool, a, da);
	dma_pool_free(pool, b, db);
	dma_pool_free(pool, c, dc);
	assert_int_equal(pool_busy(pool), 0);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.n, 0);
}

static void check_zalloc(struct fixture *f)
{
	struct dma_pool *pool = dma_pool_create("zero", f->dev, 100, 4, 0);
	unsigned char zero[100] = { 0 };
	dma_addr_t da, d2;
	unsigned char *a, *z;

	assert_non_null(pool);
	a = dma_pool_alloc(pool, GFP_KERNEL, &da);
	assert_non_null(a);
	memset(a, 0x5a, 100);
	dma_pool_free(pool, a, da);
	z = dma_pool_zalloc(pool, GFP_KERNEL, &d2);
	assert_ptr_equal(z, a);
	assert_int_equal(d2, da);
	assert_memory_equal(z, zero, sizeof(zero));
	/* __GFP_ZERO through dma_pool_alloc() zeroes too. */
	memset(z, 0x77, 100);
	dma_pool_free(pool, z, d2);
	z = dma_pool_alloc(pool, GFP_KERNEL | __GFP_ZERO, &d2);
	assert_ptr_equal(z, a);
	assert_memory_equal(z, zero, sizeof(zero));
	dma_pool_free(pool, z, d2);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.n, 0);
}

static void test_zalloc(void **state)
{
	check_zalloc(*state);
}

static void test_zalloc_nodebug(void **state)
{
	check_zalloc(*state);
}

static void test_debug_poison(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("poison", f->dev, 64, 8, 0);
	unsigned char *a, *x;
	dma_addr_t da, dx;

	assert_non_null(pool);
	a = dma_pool_alloc(pool, GFP_KERNEL, &da);
	assert_non_null(a);
	/* Allocated blocks carry the kernel's "allocated" poison, freed ones the "freed" one. */
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(a[i], 0xa9);
	dma_pool_free(pool, a, da);
	tu_touch_freed(a, 64);
	for (size_t i = 16; i < 64; i++)
		assert_int_equal(a[i], 0xa7);

	/* A clean reuse is not reported. */
	x = dma_pool_alloc(pool, GFP_KERNEL, &dx);
	assert_ptr_equal(x, a);
	assert_int_equal(tu_log.n, 0);
	dma_pool_free(pool, x, dx);

	/* A write after free is found when the block is handed out again. */
	tu_touch_freed(a, 64);
	a[40] = 0x00;
	x = dma_pool_alloc(pool, GFP_KERNEL, &dx);
	assert_ptr_equal(x, a);
	assert_int_equal(tu_log.n, 1);
	assert_log_has("DMA-API: pooldev: dma_pool_alloc poison, ");
	assert_log_has("(corrupted) [byte 40 is 0x00");
	dma_pool_free(pool, x, dx);
	dma_pool_destroy(pool);
}

static void test_nodebug_no_poison(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("plain", f->dev, 64, 8, 0);
	unsigned char *a, *x;
	dma_addr_t da, dx;

	assert_non_null(pool);
	a = dma_pool_alloc(pool, GFP_KERNEL, &da);
	assert_non_null(a);
	memset(a, 0x11, 64);
	dma_pool_free(pool, a, da);
	tu_touch_freed(a, 64);
	/* Without debug the payload is left as the driver left it. */
	assert_int_equal(a[40], 0x11);
	a[40] = 0x22;
	x = dma_pool_alloc(pool, GFP_KERNEL, &dx);
	assert_ptr_equal(x, a);
	assert_int_equal(x[40], 0x22);
	assert_int_equal(tu_log.n, 0);
	dma_pool_free(pool, x, dx);
	dma_pool_destroy(pool);
}

static void test_corrupted_link(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("link", f->dev, 64, 8, 0);
	enum { N = 64 };
	struct blk b[N];
	unsigned char *a;
	dma_addr_t da;

	assert_non_null(pool);
	a = dma_pool_alloc(pool, GFP_KERNEL, &da);
	assert_non_null(a);
	dma_pool_free(pool, a, da);
	/* The driver scribbles over the free block's link and bus address. */
	tu_touch_freed(a, 16);
	memset(a, 0x41, 16);
	b[0].va = dma_pool_alloc(pool, GFP_KERNEL, &b[0].dma);
	assert_log_has("dma_pool_alloc link, ");
	assert_log_has("(corrupted) [a free block's link was overwritten");
	assert_non_null(b[0].va);
	/* The free list is kept outside the blocks: all 64 blocks still come out once. */
	for (size_t i = 1; i < N; i++) {
		b[i].va = dma_pool_alloc(pool, GFP_KERNEL, &b[i].dma);
		assert_non_null(b[i].va);
	}
	assert_int_equal(pool_pages(pool), 1);
	check_geometry(b, N, 64, 8, 0);
	for (size_t i = 0; i < N; i++)
		dma_pool_free(pool, b[i].va, b[i].dma);
	dma_pool_destroy(pool);
}

static void test_nodebug_scribble_harmless(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("scribble", f->dev, 64, 8, 0);
	unsigned char *a, *b, *x;
	dma_addr_t da, db, dx;

	assert_non_null(pool);
	a = dma_pool_alloc(pool, GFP_KERNEL, &da);
	b = dma_pool_alloc(pool, GFP_KERNEL, &db);
	assert_non_null(a);
	assert_non_null(b);
	dma_pool_free(pool, a, da);
	dma_pool_free(pool, b, db);
	/*
	 * Where the kernel keeps a free block's link: the free list lives outside
	 * the blocks here, so the write goes unseen without debug and breaks nothing.
	 */
	tu_touch_freed(b, 16);
	tu_touch_freed(a, 16);
	memset(b, 0x41, 16);
	memset(a, 0x42, 16);
	x = dma_pool_alloc(pool, GFP_KERNEL, &dx);
	assert_ptr_equal(x, b);
	assert_int_equal(dx, db);
	assert_int_equal(x[0], 0x41);
	x = dma_pool_alloc(pool, GFP_KERNEL, &dx);
	assert_ptr_equal(x, a);
	assert_int_equal(dx, da);
	x = dma_pool_alloc(pool, GFP_KERNEL, &dx);
	assert_ptr_equal(x, a + 128);
	assert_int_equal(tu_log.n, 0);
	dma_pool_free(pool, x, dx);
	dma_pool_free(pool, a, da);
	dma_pool_free(pool, b, db);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.n, 0);
}

/* Freed blocks are poisoned whole: the first bytes are checked too, as the kernel's link. */
static void test_debug_poison_link_bytes(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("head", f->dev, 32, 8, 0);
	unsigned char *a, *x;
	dma_addr_t da, dx;

	assert_non_null(pool);
	a = dma_pool_alloc(pool, GFP_KERNEL, &da);
	assert_non_null(a);
	dma_pool_free(pool, a, da);
	tu_touch_freed(a, 32);
	for (size_t i = 0; i < 32; i++)
		assert_int_equal(a[i], 0xa7);
	a[3] = 0x00;
	x = dma_pool_alloc(pool, GFP_KERNEL, &dx);
	assert_ptr_equal(x, a);
	assert_int_equal(dx, da);
	assert_int_equal(tu_log.n, 1);
	assert_log_has("(corrupted) [a free block's link was overwritten after dma_pool_free(): byte 3 is 0x00");
	dma_pool_free(pool, x, dx);
	dma_pool_destroy(pool);
}

/* Many pages: the lookup finds each, and LIFO order holds across pages. */
static void test_many_pages_lifo(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("many4k", f->dev, 4096, 4096, 0);
	enum { N = 600 };
	struct blk *b = calloc(N, sizeof(*b));
	size_t order[N];

	assert_non_null(pool);
	assert_non_null(b);
	for (size_t i = 0; i < N; i++) {
		b[i].va = dma_pool_alloc(pool, GFP_KERNEL, &b[i].dma);
		assert_non_null(b[i].va);
	}
	assert_int_equal(pool_pages(pool), N);
	/* Free in a scrambled order (7 is prime to 600), then get them back in reverse. */
	for (size_t i = 0; i < N; i++) {
		order[i] = i * 7 % N;
		dma_pool_free(pool, b[order[i]].va, b[order[i]].dma);
	}
	assert_int_equal(pool_busy(pool), 0);
	for (size_t i = N; i-- > 0;) {
		dma_addr_t dx;
		void *x = dma_pool_alloc(pool, GFP_KERNEL, &dx);

		assert_ptr_equal(x, b[order[i]].va);
		assert_int_equal(dx, b[order[i]].dma);
	}
	assert_int_equal(pool_pages(pool), N);
	/* Every page still knows its blocks: a double free of each is caught. */
	for (size_t i = 0; i < N; i++)
		dma_pool_free(pool, b[i].va, b[i].dma);
	assert_int_equal(tu_log.n, 0);
	dma_pool_free(pool, b[N / 2].va, b[N / 2].dma);
	assert_log_has("(already free)");
	dma_pool_destroy(pool);
	free(b);
}

/* A block larger than a page spans host pages: only its start frees it. */
static void test_big_block_lookup(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("big", f->dev, 5000, 8, 0);
	unsigned long errs = dmasim_debug_errors(f->p);
	unsigned char *a;
	dma_addr_t da;

	assert_non_null(pool);
	a = dma_pool_alloc(pool, GFP_KERNEL, &da);
	assert_non_null(a);
	/* Inside the block's second host page, and past the block in its last one. */
	dma_pool_free(pool, a + 4096, da + 4096);
	dma_pool_free(pool, a + 5000, da + 5000);
	assert_int_equal(dmasim_debug_errors(f->p) - errs, 2);
	assert_int_equal(tu_log.n, 2);
	assert_log_has("(bad vaddr)");
	assert_int_equal(pool_busy(pool), 1);
	dma_pool_free(pool, a, da);
	assert_int_equal(pool_busy(pool), 0);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.n, 2);
}

/* ---- misuse --------------------------------------------------------------------- */

static void test_bad_frees(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("bad", f->dev, 64, 8, 0);
	struct dma_pool *other = dma_pool_create("other", f->dev, 64, 8, 0);
	unsigned long errs = dmasim_debug_errors(f->p);
	unsigned char *a, *o, *x;
	dma_addr_t da, dx;
	dma_addr_t dother;
	char line[256];
	int local;

	assert_non_null(pool);
	assert_non_null(other);
	a = dma_pool_alloc(pool, GFP_KERNEL, &da);
	o = dma_pool_alloc(other, GFP_KERNEL, &dother);
	assert_non_null(a);
	assert_non_null(o);

	/* A block of another pool, a stack address, NULL, a misaligned pointer. */
	dma_pool_free(pool, o, dother);
	snprintf(line, sizeof(line), "DMA-API: pooldev: dma_pool_free bad, %p/0x%llx (bad vaddr)",
		 (void *)o, (unsigned long long)dother);
	assert_log_has(line);
	dma_pool_free(pool, &local, 0x1234);
	snprintf(line, sizeof(line), "dma_pool_free bad, %p/0x1234 (bad vaddr)", (void *)&local);
	assert_log_has(line);
	dma_pool_free(pool, NULL, da);
	dma_pool_free(pool, a + 8, da + 8);
	snprintf(line, sizeof(line), "dma_pool_free bad, %p/0x%llx (bad vaddr)", (void *)(a + 8),
		 (unsigned long long)(da + 8));
	assert_log_has(line);

	/* Right block, wrong bus address. */
	dma_pool_free(pool, a, da + 64);
	snprintf(line, sizeof(line), "dma_pool_free bad, %p/0x%llx (bad dma) [the block's bus address is 0x%llx]",
		 (void *)a, (unsigned long long)(da + 64), (unsigned long long)da);
	assert_log_has(line);
	assert_int_equal(pool_busy(pool), 1);

	/* A good free, then the same again. */
	dma_pool_free(pool, a, da);
	assert_int_equal(pool_busy(pool), 0);
	dma_pool_free(pool, a, da);
	snprintf(line, sizeof(line), "dma_pool_free bad, %p/0x%llx (already free)", (void *)a,
		 (unsigned long long)da);
	assert_log_has(line);
	/* A never-allocated block of one of our pages is "already free" too. */
	dma_pool_free(pool, a + 64, da + 64);
	assert_int_equal(dmasim_debug_errors(f->p) - errs, 7);
	assert_int_equal(pool_busy(pool), 0);

	/* None of that hurt: the block comes back once, and the next one is fresh. */
	x = dma_pool_alloc(pool, GFP_KERNEL, &dx);
	assert_ptr_equal(x, a);
	assert_int_equal(dx, da);
	x = dma_pool_alloc(pool, GFP_KERNEL, &dx);
	assert_ptr_equal(x, a + 64);
	assert_int_equal(pool_busy(pool), 2);
	dma_pool_free(pool, x, dx);
	dma_pool_free(pool, a, da);
	dma_pool_free(other, o, dother);
	dma_pool_destroy(other);
	dma_pool_destroy(pool);

	/* NULL pools are ignored. */
	tu_log_clear();
	assert_null(dma_pool_alloc(NULL, GFP_KERNEL, &dx));
	dma_pool_free(NULL, a, da);
	dma_pool_destroy(NULL);
	dmam_pool_destroy(NULL);
	assert_int_equal(tu_log.n, 0);
}

static void test_destroy_busy(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("busyp", f->dev, 128, 8, 0);
	struct blk b[3];
	char line[256];

	assert_non_null(pool);
	for (int i = 0; i < 3; i++) {
		b[i].va = dma_pool_alloc(pool, GFP_KERNEL, &b[i].dma);
		assert_non_null(b[i].va);
	}
	dma_pool_free(pool, b[1].va, b[1].dma);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.n, 2);
	snprintf(line, sizeof(line), "DMA-API: pooldev: dma_pool_destroy busyp, %p busy", (void *)b[0].va);
	assert_log_has(line);
	snprintf(line, sizeof(line), "dma_pool_destroy busyp, %p busy", (void *)b[2].va);
	assert_log_has(line);

	/* The page was leaked on purpose: the device may still write to it. */
	assert_int_equal(dmasim_dev_write(f->dev, b[0].dma, "x", 1), 0);
	tu_log_clear();
	dmasim_device_destroy(f->dev);
	f->dev = NULL;
	assert_log_has("leaked coherent");
	assert_false(tu_log_has("never destroyed"));
}

static void test_destroy_many_busy(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("many", f->dev, 64, 8, 0);
	dma_addr_t dma;

	assert_non_null(pool);
	for (int i = 0; i < 40; i++)
		assert_non_null(dma_pool_alloc(pool, GFP_KERNEL, &dma));
	dma_pool_destroy(pool);
	/* 16 listed one by one, then a summary. */
	assert_int_equal(tu_log.n, 17);
	assert_log_has("dma_pool_destroy many: 24 more busy blocks not listed");
}

/* ---- managed pools and device teardown ---------------------------------------- */

static void test_dmam_released_with_device(void **state)
{
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);
	struct dma_pool *pool = dmam_pool_create("managed", f->dev, 256, 8, 0);
	struct dma_pool *early = dmam_pool_create("early", f->dev, 64, 8, 0);
	void *a, *e;
	dma_addr_t da, de;

	assert_non_null(pool);
	assert_non_null(early);
	a = dma_pool_alloc(pool, GFP_KERNEL, &da);
	e = dma_pool_alloc(early, GFP_KERNEL, &de);
	assert_non_null(a);
	assert_non_null(e);
	assert_true(dmasim__free_page_count(f->p, -1) < before);
	dma_pool_free(pool, a, da);
	dma_pool_free(early, e, de);
	dmam_pool_destroy(early);
	assert_int_equal(tu_log.n, 0);

	dmasim_device_destroy(f->dev);
	f->dev = NULL;
	/* The managed pool went with the device: no report, every page back. */
	assert_int_equal(tu_log.n, 0);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
}

static void test_dmam_destroy_unmanaged(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("plain", f->dev, 64, 8, 0);
	dma_addr_t dma;
	void *va;

	assert_non_null(pool);
	dmam_pool_destroy(pool);
	assert_log_has("dmam_pool_destroy plain: not a managed pool");
	/* Left alone, as devres_release() leaves it: it is still usable. */
	va = dma_pool_alloc(pool, GFP_KERNEL, &dma);

	assert_non_null(va);
	dma_pool_free(pool, va, dma);
	dma_pool_destroy(pool);
}

static void test_dmam_busy_at_teardown(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dmam_pool_create("mbusy", f->dev, 64, 8, 0);
	dma_addr_t dma;
	void *va;
	char line[256];

	assert_non_null(pool);
	va = dma_pool_alloc(pool, GFP_KERNEL, &dma);
	assert_non_null(va);
	dmasim_device_destroy(f->dev);
	f->dev = NULL;
	/* Released through dma_pool_destroy(), as devres does: busy blocks reported. */
	snprintf(line, sizeof(line), "dma_pool_destroy mbusy, %p busy", va);
	assert_log_has(line);
	assert_false(tu_log_has("never destroyed"));
}

static void test_pools_release_reports_leak(void **state)
{
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);
	struct dma_pool *leaky = dma_pool_create("leaky", f->dev, 64, 8, 0);
	struct dma_pool *idle = dma_pool_create("idle", f->dev, 64, 8, 0);
	dma_addr_t dma;

	assert_non_null(leaky);
	assert_non_null(idle);
	assert_non_null(dma_pool_alloc(leaky, GFP_KERNEL, &dma));
	assert_non_null(dma_pool_alloc(leaky, GFP_ATOMIC, &dma));
	assert_non_null(dma_pool_alloc(leaky, GFP_KERNEL, &dma));
	for (int i = 0; i < 100; i++)
		assert_non_null(dma_pool_alloc(leaky, GFP_KERNEL, &dma));
	assert_non_null(dma_pool_alloc(idle, GFP_KERNEL, &dma));
	assert_int_equal(tu_log.n, 0);

	dmasim_device_destroy(f->dev);
	f->dev = NULL;
	assert_log_has("DMA-API: pooldev: dma_pool leaky was never destroyed (103 blocks busy)");
	assert_log_has("DMA-API: pooldev: dma_pool idle was never destroyed (1 blocks busy)");
	/* The device is gone, so its pool pages are freed rather than leaked. */
	assert_int_equal(tu_log.n, 2);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
}

/* ---- the kernel's mm/dmapool_test.c pattern ---------------------------------- */

static void test_kernel_pattern(void **state)
{
	static const struct {
		size_t size, align, boundary;
	} parms[] = {
		{ 16, 16, 0 }, { 64, 64, 0 }, { 256, 256, 0 }, { 1024, 1024, 0 },
		{ 4096, 4096, 0 }, { 68, 32, 4096 },
	};
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);

	for (size_t t = 0; t < ARRAY_SIZE(parms); t++) {
		size_t size = parms[t].size, nr = PAGE_SIZE / size * 512;
		struct dma_pool *pool = dma_pool_create("test", f->dev, size, parms[t].align,
							parms[t].boundary);
		size_t pages = 0;
		struct blk *b;

		nr = nr < 1024 ? 1024 : nr > 8192 ? 8192 : nr;
		b = calloc(nr, sizeof(*b));
		assert_non_null(pool);
		assert_non_null(b);
		for (int round = 0; round < 3; round++) {
			for (size_t i = 0; i < nr; i++) {
				b[i].va = dma_pool_alloc(pool, GFP_KERNEL, &b[i].dma);
				assert_non_null(b[i].va);
			}
			assert_int_equal(pool_busy(pool), nr);
			/* Later rounds reuse the pages of the first. */
			if (round == 0)
				pages = pool_pages(pool);
			assert_int_equal(pool_pages(pool), pages);
			if (round == 0)
				check_geometry(b, nr, ALIGN(size, parms[t].align), parms[t].align,
					       parms[t].boundary);
			for (size_t i = 0; i < nr; i++)
				dma_pool_free(pool, b[i].va, b[i].dma);
			assert_int_equal(pool_busy(pool), 0);
		}
		dma_pool_destroy(pool);
		free(b);
	}
	assert_int_equal(tu_log.n, 0);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
}

/* ---- threads --------------------------------------------------------------------- */

struct worker {
	struct dma_pool *pool;
	struct device *dev;
	int id;
	int failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;

	for (int iter = 0; iter < 500; iter++) {
		struct blk b[8];
		unsigned char back[48];

		for (int i = 0; i < 8; i++) {
			b[i].va = dma_pool_alloc(w->pool, GFP_KERNEL, &b[i].dma);
			if (!b[i].va) {
				w->failures++;
				return NULL;
			}
			memset(b[i].va, w->id * 8 + i, 48);
		}
		for (int i = 0; i < 8; i++) {
			if (dmasim_dev_read(w->dev, b[i].dma, back, sizeof(back)) ||
			    back[0] != w->id * 8 + i || back[47] != w->id * 8 + i)
				w->failures++;
			dma_pool_free(w->pool, b[i].va, b[i].dma);
		}
	}
	return NULL;
}

/*
 * Issue 14 defect 3: a dma_pool block handed to dma_free_coherent() (or
 * another allocation free) is reported, as the kernel's dma-debug reports
 * freeing memory not allocated that way (kernel/dma/debug.c check_unmap),
 * and the pool stays intact: it used to free the pool's page behind its back,
 * after which the pool handed out unmapped memory or the same page twice.
 * Refused with debug on or off (docs/api.md, dma_pool).
 */
static void wrong_free_on(const char *spec)
{
	struct dmasim_platform *p = tu_platform(spec);
	struct device *dev = dmasim_device_create(p, "name=pooldev"),
		      *other = dmasim_device_create(p, "name=otherdev");
	struct dma_pool *pool;
	struct blk b[80];
	size_t pages;
	unsigned char got[64];
	int reports = 0;

	assert_non_null(dev);
	assert_non_null(other);
	pool = dma_pool_create("wf", dev, 64, 64, 0);
	assert_non_null(pool);
	for (int i = 0; i < 3; i++) {
		b[i].va = dma_pool_alloc(pool, GFP_KERNEL, &b[i].dma);
		assert_non_null(b[i].va);
		memset(b[i].va, 0x30 + i, 64);
	}
	pages = pool_pages(pool);
	tu_log_clear();

	/* The page's first block (the one the kernel's dma-debug would see as the page). */
	dma_free_coherent(dev, 64, b[0].va, b[0].dma);
	assert_int_equal(tu_log.total, ++reports);
	assert_log_has("dma_free_coherent: device driver tries to free DMA memory it has not allocated");
	assert_log_has("is in dma_pool wf of pooldev: free it with dma_pool_free()");
	dma_free_coherent(dev, PAGE_SIZE, b[0].va, b[0].dma);
	assert_int_equal(tu_log.total, ++reports);
	dma_free_attrs(dev, 64, b[1].va, b[1].dma, 0);
	assert_int_equal(tu_log.total, ++reports);
	assert_log_has("dma_free_attrs: device driver tries to free DMA memory it has not allocated");
	dma_free_wc(dev, 64, b[2].va, b[2].dma);
	assert_int_equal(tu_log.total, ++reports);
	/* Through another device: still the pool's. */
	dma_free_coherent(other, 64, b[1].va, b[1].dma);
	assert_int_equal(tu_log.total, ++reports);
	assert_log_has("otherdev: dma_free_coherent: device driver tries to free");
	if (!tu_spec_has(p, "iommu=") || tu_spec_has(p, "iommu=off")) {
		/* Linear-map pool memory: the page-based frees see it too. */
		dma_free_noncoherent(dev, 64, b[1].va, b[1].dma, DMA_BIDIRECTIONAL);
		assert_int_equal(tu_log.total, ++reports);
	}
	assert_int_equal(dmasim_debug_errors(p), (unsigned long)reports);

	/* The pool is intact: same pages, the blocks' bytes readable through the device. */
	assert_int_equal(pool_pages(pool), pages);
	assert_int_equal(pool_busy(pool), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(dmasim_dev_read(dev, b[i].dma, got, sizeof(got)), 0);
		for (size_t k = 0; k < sizeof(got); k++)
			assert_int_equal(got[k], 0x30 + i);
	}
	/* More blocks (a second page): all distinct from the live ones, all reachable. */
	for (int i = 3; i < 80; i++) {
		b[i].va = dma_pool_alloc(pool, GFP_KERNEL, &b[i].dma);
		assert_non_null(b[i].va);
		memset(b[i].va, 0x77, 64);
		assert_int_equal(dmasim_dev_read(dev, b[i].dma, got, 1), 0);
		assert_int_equal(got[0], 0x77);
	}
	qsort(b, 80, sizeof(b[0]), cmp_va);
	for (int i = 1; i < 80; i++)
		assert_true(b[i - 1].va + 64 <= b[i].va);
	/* The nearest correct sequence: dma_pool_free() reports nothing. */
	for (int i = 0; i < 80; i++)
		dma_pool_free(pool, b[i].va, b[i].dma);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.total, reports);
	assert_int_equal(dmasim_debug_errors(p), (unsigned long)reports);
	/* Once the pool is gone its pages are ordinary memory again. */
	{
		dma_addr_t h;
		void *c = dma_alloc_coherent(dev, PAGE_SIZE, &h, GFP_KERNEL);

		assert_non_null(c);
		dma_free_coherent(dev, PAGE_SIZE, c, h);
		assert_int_equal(tu_log.total, reports);
	}
	dmasim_platform_destroy(p);
}

static void test_wrong_free_function(void **state)
{
	(void)state;
	wrong_free_on("");
	wrong_free_on("debug=off");
	wrong_free_on("iommu=on");
	wrong_free_on("iommu=on debug=off");
	wrong_free_on("cache=noncoherent");
	wrong_free_on("cache=noncoherent iommu=on debug=off");
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	struct dma_pool *pool = dma_pool_create("mt", f->dev, 48, 16, 64);
	pthread_t th[4];
	struct worker w[4];

	assert_non_null(pool);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .pool = pool, .dev = f->dev, .id = i + 1 };
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(pool_busy(pool), 0);
	/* 32 blocks at most in use; only threads racing on an empty stack add a page each. */
	assert_in_range(pool_pages(pool), 1, 4);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_good_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boundary_48_16_64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boundary_packs_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_sized_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handle_is_device_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifo_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zalloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zalloc_nodebug, setup_nodebug, teardown),
		cmocka_unit_test_setup_teardown(test_debug_poison, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodebug_no_poison, setup_nodebug, teardown),
		cmocka_unit_test_setup_teardown(test_corrupted_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodebug_scribble_harmless, setup_nodebug, teardown),
		cmocka_unit_test_setup_teardown(test_debug_poison_link_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_pages_lifo, setup_nodebug, teardown),
		cmocka_unit_test_setup_teardown(test_big_block_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_many_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dmam_released_with_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dmam_destroy_unmanaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dmam_busy_at_teardown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pools_release_reports_leak, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_pattern, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test(test_wrong_free_function),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
