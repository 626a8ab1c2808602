/*
 * tests/test-iova.c - conformance of the IOVA allocator backends
 * (iommu/iova/) to the contract in <dmasim/backend.h>: placement inside
 * [start, min(limit, end)] at granule multiples and never at 0, size
 * alignment, no overlap (checked against a shadow bitmap), reservations,
 * exhaustion and recovery, exact refusal of bad frees, statistics, range
 * walks, and many threads at once.  Every test is written once, takes the
 * backend from its state, and runs for each entry of backends[]: a new
 * backend is one line there.  Behaviour only one design promises (top-down
 * placement) is asserted behind a flag of the entry.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include "core/core.h"

struct backend_case {
	const struct dmasim_iova_ops *ops;
	const char *options;   /* the words after "NAME:" */
	const char *label;
	bool top_down; /* the first allocation lands at the top, below the limit */
};

/* Every built-in allocator (main() checks the registry has no other), with each of its options. */
static const struct backend_case backends[] = {
	{ &dmasim__iova_rbtree, "", "rbtree", .top_down = true },
	{ &dmasim__iova_rbtree, "nocache", "rbtree:nocache", .top_down = true },
	{ &dmasim__iova_bitmap, "", "bitmap", .top_down = false },
};

#define G 4096ULL
#define T_1M (1ULL << 20)
#define T_4G (1ULL << 32)
#define LIMIT_NONE (~0ULL)

static const struct backend_case *bc(void **state)
{
	return *state;
}

static struct dmasim_iova *mk(void **state, dma_addr_t start, dma_addr_t end)
{
	const struct dmasim_iova_ops *ops = bc(state)->ops;
	struct dmasim_iova_config cfg = {
		.granule = G, .start = start, .end = end, .options = bc(state)->options, .seed = 1,
	};
	struct dmasim_iova *iova = ops->alloc(&cfg);

	assert_non_null(iova);
	iova->ops = ops; /* what the core does after alloc() */
	assert_int_equal(iova->granule, G);
	assert_true(iova->start >= start && iova->start >= G);
	assert_true(iova->end <= end && iova->end > iova->start);
	return iova;
}

static void flush(struct dmasim_iova *iova)
{
	if (iova->ops->flush_caches)
		iova->ops->flush_caches(iova);
}

static size_t cache_range(struct dmasim_iova *iova)
{
	return iova->ops->cache_range ? iova->ops->cache_range(iova) : 0;
}

static struct dmasim_iova_stats stats(struct dmasim_iova *iova)
{
	struct dmasim_iova_stats st;

	iova->ops->stats(iova, &st);
	/* Every byte of the aperture is in exactly one of the four states. */
	assert_int_equal(st.allocated + st.reserved + st.free + st.cached,
			 iova->end - iova->start + 1);
	assert_true(st.largest_free <= st.free);
	return st;
}

static u64 pow2_up(u64 n)
{
	return n <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(n - 1));
}

/* What an "aligned" request of these tests asks: the DMA layer's size alignment. */
static size_t align_of(size_t size, bool aligned)
{
	return aligned ? pow2_up(size) : 0;
}

/* The contract for one allocation. */
static void check_alloc(struct dmasim_iova *iova, dma_addr_t a, size_t size, dma_addr_t limit,
			bool aligned)
{
	dma_addr_t top = limit < iova->end ? limit : iova->end;

	assert_true(a != 0);
	assert_int_equal(a % G, 0);
	assert_true(a >= iova->start);
	assert_true(a + size - 1 <= top);
	if (aligned)
		assert_int_equal(a % pow2_up(size), 0);
}

static int alloc(struct dmasim_iova *iova, size_t size, dma_addr_t limit, bool aligned,
		 dma_addr_t *a)
{
	int ret = iova->ops->alloc_aligned(iova, size, align_of(size, aligned), limit, a);

	if (!ret)
		check_alloc(iova, *a, size, limit, aligned);
	else
		assert_int_equal(ret, -ENOMEM);
	return ret;
}

static dma_addr_t must_alloc(struct dmasim_iova *iova, size_t size, dma_addr_t limit,
			     bool aligned)
{
	dma_addr_t a = 0;

	assert_int_equal(alloc(iova, size, limit, aligned, &a), 0);
	return a;
}

static void must_free(struct dmasim_iova *iova, dma_addr_t a, size_t size)
{
	assert_int_equal(iova->ops->free_range(iova, a, size), 0);
}

/* ---- a shadow of the aperture: one byte per granule --------------------- */

struct shadow {
	dma_addr_t start;
	size_t n;
	unsigned char *g;
};

static void shadow_init(struct shadow *s, struct dmasim_iova *iova)
{
	s->start = iova->start;
	s->n = (iova->end - iova->start + 1) / G;
	s->g = calloc(s->n, 1);
	assert_non_null(s->g);
}

static void shadow_mark(struct shadow *s, dma_addr_t a, size_t size, unsigned char v)
{
	for (size_t i = (a - s->start) / G; i < (a - s->start + size) / G; i++) {
		if (s->g[i])
			fail_msg("granule %#llx handed out twice (held as %d)",
				 (unsigned long long)(s->start + i * G), s->g[i]);
		s->g[i] = v;
	}
}

static void shadow_clear(struct shadow *s, dma_addr_t a, size_t size)
{
	memset(s->g + (a - s->start) / G, 0, size / G);
}

/* A small reproducible generator, so a failure can be replayed. */
static u64 rnd(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* ---- the tests ------------------------------------------------------------ */

static void test_bad_config(void **state)
{
	const struct dmasim_iova_ops *ops = bc(state)->ops;
	const struct dmasim_iova_config bad[] = {
		{ .granule = 2048, .start = 4096, .end = 0xffffffff, .options = "" },
		{ .granule = 12288, .start = 12288, .end = 0xffffffff, .options = "" },
		{ .granule = 0, .start = 4096, .end = 0xffffffff, .options = "" },
		{ .granule = 4096, .start = 0, .end = 0xffffffff, .options = "" },
		{ .granule = 4096, .start = 2048, .end = 0xffffffff, .options = "" },
		{ .granule = 4096, .start = 0x100000, .end = 0xfffff, .options = "" },
		{ .granule = 4096, .start = 4096, .end = 0xffffffff, .options = "no-such-option" },
	};
	struct dmasim_iova_config good = { .granule = 65536, .start = 65536, .end = 0xffffffff };
	struct dmasim_iova *iova;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_null(ops->alloc(&bad[i]));
	iova = ops->alloc(&good);
	assert_non_null(iova);
	assert_int_equal(iova->granule, 65536);
	ops->free(iova);
}

static void test_basic(void **state)
{
	struct dmasim_iova *iova = mk(state, G, 64 * T_1M - 1);
	dma_addr_t a[100];
	struct shadow sh;
	struct dmasim_iova_stats st;

	shadow_init(&sh, iova);
	for (int i = 0; i < 100; i++) {
		a[i] = must_alloc(iova, (size_t)(i + 1) * G, LIMIT_NONE, false);
		shadow_mark(&sh, a[i], (size_t)(i + 1) * G, 1);
	}
	st = stats(iova);
	assert_int_equal(st.nr_ranges, 100);
	assert_true(st.allocated >= 5050 * G);
	assert_int_equal(iova->ops->free_range(iova, a[0], 3 * G), -EINVAL);
	for (int i = 0; i < 100; i++)
		must_free(iova, a[i], (size_t)(i + 1) * G);
	flush(iova);
	st = stats(iova);
	assert_int_equal(st.nr_ranges, 0);
	assert_int_equal(st.allocated, 0);
	assert_int_equal(st.cached, 0);
	assert_int_equal(st.free, iova->end - iova->start + 1);
	assert_int_equal(st.largest_free, st.free);
	/* And again, after everything went back. */
	must_free(iova, must_alloc(iova, G, LIMIT_NONE, false), G);
	free(sh.g);
	iova->ops->free(iova);
}

/* The smallest aperture: one granule. */
static void test_tiny(void **state)
{
	struct dmasim_iova *iova = mk(state, G, 2 * G - 1);
	dma_addr_t a;

	assert_int_equal(must_alloc(iova, G, LIMIT_NONE, true), G);
	assert_int_equal(alloc(iova, G, LIMIT_NONE, false, &a), -ENOMEM);
	must_free(iova, G, G);
	assert_int_equal(must_alloc(iova, G, LIMIT_NONE, false), G);
	assert_int_equal(iova->ops->alloc_aligned(iova, 0, 0, LIMIT_NONE, &a), -EINVAL);
	assert_int_equal(iova->ops->alloc_aligned(iova, 100, 0, LIMIT_NONE, &a), -EINVAL);
	assert_int_equal(iova->ops->alloc_aligned(iova, G, 3 * G, LIMIT_NONE, &a), -EINVAL);
	assert_int_equal(iova->ops->alloc_aligned(iova, G, G, LIMIT_NONE, NULL), -EINVAL);
	iova->ops->free(iova);
}

static void test_size_aligned(void **state)
{
	struct dmasim_iova *iova = mk(state, G, 4 * 1024 * T_1M - 1);
	struct shadow sh;

	shadow_init(&sh, iova);
	for (int round = 0; round < 3; round++) {
		for (int k = 0; k <= 12; k++) {
			size_t size = (size_t)G << k;
			/* An odd-sized neighbour first, so alignment has to be worked for. */
			dma_addr_t odd = must_alloc(iova, 3 * G, LIMIT_NONE, false);
			dma_addr_t a = must_alloc(iova, size, LIMIT_NONE, true);

			shadow_mark(&sh, odd, 3 * G, 1);
			shadow_mark(&sh, a, size, 2);
			assert_int_equal(a % size, 0);
			/* Also under a limit that is not a power of two. */
			a = must_alloc(iova, size, 0x7fffbfff, true);
			shadow_mark(&sh, a, size, 3);
			assert_int_equal(a % size, 0);
		}
	}
	free(sh.g);
	iova->ops->free(iova);
}

/*
 * alloc_aligned() places every range at a multiple of the alignment asked,
 * whatever the size (not only powers of two) and whatever the alignment
 * (below, at or above the size's power of two; up to the granule it asks
 * nothing): with odd-sized neighbours, so the alignment has to be worked
 * for; under a limit that is not a power of two; and for ranges recycled
 * through per-thread caches, which were freed by requests that did not ask
 * for alignment.  The DMA layer asks for the size rounded up to a power of
 * two (drivers/iommu/iova.c: alloc_iova() with size_aligned shifts its mask
 * by fls_long(size - 1), sizes in granules), which the cases cover.
 */
static void test_alignment(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 31, 32, 33, 50, 64, 100, 200 };
	struct dmasim_iova *iova = mk(state, G, 4 * 1024 * T_1M - 1);
	dma_addr_t a, cached[64];
	struct shadow sh;
	int tag = 1;

	shadow_init(&sh, iova);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i] * G;

		for (size_t align = 0; align <= 4 * pow2_up(size); align = align ? align * 2 : G / 2) {
			size_t want = align > G ? align : G;
			dma_addr_t odd = must_alloc(iova, 3 * G, LIMIT_NONE, false);

			shadow_mark(&sh, odd, 3 * G, 1);
			assert_int_equal(iova->ops->alloc_aligned(iova, size, align, LIMIT_NONE, &a), 0);
			check_alloc(iova, a, size, LIMIT_NONE, false);
			if (a % want)
				fail_msg("%zu granules aligned to %#zx: got %#llx", sizes[i], align,
					 (unsigned long long)a);
			shadow_mark(&sh, a, size, (unsigned char)(2 + tag++ % 200));
			assert_int_equal(iova->ops->alloc_aligned(iova, size, align, 0x7fffbfff, &a), 0);
			check_alloc(iova, a, size, 0x7fffbfff, false);
			if (a % want)
				fail_msg("%zu granules aligned to %#zx under a limit: got %#llx", sizes[i],
					 align, (unsigned long long)a);
			shadow_mark(&sh, a, size, (unsigned char)(2 + tag++ % 200));
		}
	}

	/*
	 * Through the caches: ranges freed after unaligned requests fill this
	 * thread's magazines; aligned requests of the same size must skip the
	 * misaligned ones (or go to the tree), and the aligned ones they free go
	 * round again, aligned.
	 */
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i] * G, want = pow2_up(size);

		for (int k = 0; k < 64; k++) {
			dma_addr_t odd = must_alloc(iova, G, LIMIT_NONE, false);

			cached[k] = must_alloc(iova, size, LIMIT_NONE, false);
			must_free(iova, odd, G);
		}
		for (int k = 0; k < 64; k++)
			must_free(iova, cached[k], size);
		for (int round = 0; round < 3; round++) {
			for (int k = 0; k < 64; k++) {
				assert_int_equal(iova->ops->alloc_aligned(iova, size, want, LIMIT_NONE,
									  &cached[k]), 0);
				if (cached[k] % want)
					fail_msg("%zu granules from a cache, round %d: %#llx not aligned to %#zx",
						 sizes[i], round, (unsigned long long)cached[k], want);
			}
			for (int k = 0; k < 64; k++)
				must_free(iova, cached[k], size);
		}
		/* A bigger alignment than the cached ranges had is honoured too. */
		assert_int_equal(iova->ops->alloc_aligned(iova, size, 4 * want, LIMIT_NONE, &a), 0);
		assert_int_equal(a % (4 * want), 0);
		must_free(iova, a, size);
	}

	/* An alignment no address of the aperture has (0 is never handed out): no room. */
	assert_int_equal(iova->ops->alloc_aligned(iova, G, (size_t)1 << 40, LIMIT_NONE, &a), -ENOMEM);
	assert_int_equal(iova->ops->alloc_aligned(iova, G, (size_t)1 << 63, LIMIT_NONE, &a), -ENOMEM);
	/* The DMA layer's case: 200 KiB at a 256 KiB boundary. */
	a = must_alloc(iova, 50 * G, LIMIT_NONE, true);
	assert_int_equal(a % (256 * 1024), 0);
	free(sh.g);
	iova->ops->free(iova);
}

static void test_top_down(void **state)
{
	struct dmasim_iova *iova;

	if (!bc(state)->top_down)
		skip();
	iova = mk(state, G, (1ULL << 48) - 1);
	assert_int_equal(must_alloc(iova, G, LIMIT_NONE, false), (1ULL << 48) - G);
	assert_int_equal(must_alloc(iova, 16 * G, T_4G - 1, true), T_4G - 16 * G);
	assert_int_equal(must_alloc(iova, 64 * G, T_4G - 1, true), T_4G - 128 * G);
	/* The top 64-granule slot holds the first granule: the next one down. */
	assert_int_equal(must_alloc(iova, 64 * G, LIMIT_NONE, true), (1ULL << 48) - 128 * G);
	iova->ops->free(iova);
}

static void test_random_no_overlap(void **state)
{
	struct dmasim_iova *iova = mk(state, G, 256 * T_1M - 1);
	struct live {
		dma_addr_t a;
		size_t size;
	} *live = calloc(800, sizeof(*live));
	size_t nlive = 0, failed = 0;
	struct dmasim_iova_stats st;
	struct shadow sh;
	u64 x = 0x9e3779b97f4a7c15ULL;

	assert_non_null(live);
	shadow_init(&sh, iova);
	for (int op = 0; op < 20000; op++) {
		if (nlive < 800 && (rnd(&x) % 3 || !nlive)) {
			u64 r = rnd(&x);
			size_t n = r % 16 ? 1 + (r >> 8) % 40 : 1 + (r >> 8) % 600;
			bool aligned = (r >> 20) & 1;
			dma_addr_t limit = (r >> 21) % 4 ? LIMIT_NONE :
				iova->start + ((r >> 24) % (200 * T_1M)) + G - 1;
			dma_addr_t a;

			if (alloc(iova, n * G, limit, aligned, &a)) {
				failed++;
				continue;
			}
			shadow_mark(&sh, a, n * G, 1);
			live[nlive].a = a;
			live[nlive++].size = n * G;
		} else {
			size_t i = rnd(&x) % nlive;

			shadow_clear(&sh, live[i].a, live[i].size);
			must_free(iova, live[i].a, live[i].size);
			live[i] = live[--nlive];
		}
		if (op % 2500 == 0) {
			st = stats(iova);
			assert_int_equal(st.nr_ranges, nlive);
		}
	}
	/* Lots of allocations ran, and the space is big enough that few failed. */
	print_message("%zu of the allocations found no room\n", failed);
	assert_true(failed < 500);
	while (nlive) {
		nlive--;
		must_free(iova, live[nlive].a, live[nlive].size);
	}
	flush(iova);
	st = stats(iova);
	assert_int_equal(st.free, iova->end - iova->start + 1);
	free(live);
	free(sh.g);
	iova->ops->free(iova);
}

static void test_limit(void **state)
{
	struct dmasim_iova *iova = mk(state, G, (1ULL << 48) - 1);
	dma_addr_t a, b, hi[8];
	u64 x = 12345;

	/* No granule below the limit at all, and exactly one. */
	assert_int_equal(alloc(iova, G, G - 1, false, &a), -ENOMEM);
	assert_int_equal(alloc(iova, G, 0, false, &a), -ENOMEM);
	assert_int_equal(must_alloc(iova, G, 2 * G - 1, false), G);
	assert_int_equal(alloc(iova, G, 2 * G - 1, false, &a), -ENOMEM);
	/* A limit that ends inside a granule excludes that granule. */
	a = must_alloc(iova, 4 * G, 0x10000800, false);
	assert_true(a + 4 * G - 1 <= 0x10000800);
	must_free(iova, a, 4 * G);

	for (int i = 0; i < 2000; i++) {
		u64 r = rnd(&x);
		size_t size = (1 + r % 64) * G;
		bool low = (r >> 8) & 1;

		a = must_alloc(iova, size, low ? T_4G - 1 : LIMIT_NONE, (r >> 9) & 1);
		if (low)
			assert_true(a + size - 1 <= T_4G - 1);
		if ((r >> 10) & 1)
			must_free(iova, a, size);
	}

	/*
	 * A range freed high up (perhaps into a cache) is not handed to a
	 * request whose limit it exceeds, nor, if misaligned, to an aligned one.
	 */
	for (int i = 0; i < 8; i++)
		hi[i] = must_alloc(iova, G, LIMIT_NONE, false);
	for (int i = 0; i < 8; i++)
		must_free(iova, hi[i], G);
	for (int i = 0; i < 8; i++) {
		a = must_alloc(iova, G, T_4G - 1, false);
		assert_true(a < T_4G);
	}
	for (int i = 0; i < 8; i++) {
		a = must_alloc(iova, G, LIMIT_NONE, false);
		b = must_alloc(iova, 2 * G, LIMIT_NONE, false);
		must_free(iova, b, 2 * G);
		b = must_alloc(iova, 2 * G, LIMIT_NONE, true);
		assert_int_equal(b % (2 * G), 0);
		(void)a;
	}
	iova->ops->free(iova);
}

/* A 32-bit window of 256 granules inside a larger aperture: full, then not. */
static void test_limit_exhaustion(void **state)
{
	struct dmasim_iova *iova = mk(state, T_4G - T_1M, T_4G + T_1M - 1);
	dma_addr_t low[256], a;
	int n = 0;

	while (!alloc(iova, G, T_4G - 1, false, &a)) {
		assert_true(n < 256);
		assert_true(a < T_4G);
		low[n++] = a;
	}
	assert_int_equal(n, 256);
	for (int i = 0; i < 3; i++)
		assert_int_equal(alloc(iova, G, T_4G - 1, false, &a), -ENOMEM);
	assert_int_equal(alloc(iova, 2 * G, T_4G - 1, true, &a), -ENOMEM);
	/*
	 * A range freed above 4 GiB may sit in a cache; a failing 32-bit request
	 * (the core tries one before every larger one) leaves it there.
	 */
	a = must_alloc(iova, G, LIMIT_NONE, false);
	assert_true(a >= T_4G);
	must_free(iova, a, G);
	assert_int_equal(alloc(iova, G, T_4G - 1, false, &a), -ENOMEM);
	if (cache_range(iova))
		assert_int_equal(stats(iova).cached, G);
	/* The high half is still there. */
	for (int i = 0; i < 256; i++)
		assert_true(must_alloc(iova, G, LIMIT_NONE, false) >= T_4G);
	assert_int_equal(alloc(iova, G, LIMIT_NONE, false, &a), -ENOMEM);
	/* One freed below 4 GiB is found again by a 32-bit request. */
	must_free(iova, low[100], G);
	assert_int_equal(must_alloc(iova, G, T_4G - 1, false), low[100]);
	must_free(iova, low[7], G);
	must_free(iova, low[8], G);
	flush(iova);
	/* The one 2-granule hole below 4 GiB is where the two neighbours were. */
	assert_int_equal(alloc(iova, 2 * G, T_4G - 1, false, &a), 0);
	assert_int_equal(a, low[7] < low[8] ? low[7] : low[8]);
	iova->ops->free(iova);
}

static void test_exhaustion(void **state)
{
	struct dmasim_iova *iova = mk(state, G, T_1M - 1); /* 255 granules */
	dma_addr_t a[255], b;
	struct shadow sh;
	int n = 0;

	shadow_init(&sh, iova);
	while (!alloc(iova, G, LIMIT_NONE, false, &b)) {
		assert_true(n < 255);
		shadow_mark(&sh, b, G, 1);
		a[n++] = b;
	}
	assert_int_equal(n, 255);
	assert_int_equal(alloc(iova, G, LIMIT_NONE, false, &b), -ENOMEM);
	assert_int_equal(alloc(iova, 64 * G, LIMIT_NONE, true, &b), -ENOMEM);
	assert_int_equal(stats(iova).free, 0);

	/* Free 16 granules aligned to 16, one at a time: a 16-granule request fits. */
	for (int i = 0; i < n; i++) {
		if (a[i] >= 64 * G && a[i] < 80 * G) {
			shadow_clear(&sh, a[i], G);
			must_free(iova, a[i], G);
			a[i] = 0;
		}
	}
	b = must_alloc(iova, 16 * G, LIMIT_NONE, true);
	assert_int_equal(b, 64 * G);
	must_free(iova, b, 16 * G);

	/* Everything back: the whole aperture in one piece. */
	for (int i = 0; i < n; i++)
		if (a[i])
			must_free(iova, a[i], G);
	b = must_alloc(iova, 255 * G, LIMIT_NONE, false);
	assert_int_equal(b, G);
	assert_int_equal(alloc(iova, G, LIMIT_NONE, false, &b), -ENOMEM);
	must_free(iova, G, 255 * G);
	free(sh.g);
	iova->ops->free(iova);
}

static void test_reserve(void **state)
{
	struct dmasim_iova *iova = mk(state, G, 16 * T_1M - 1);
	struct dmasim_iova_stats st;
	dma_addr_t a, x;
	struct shadow sh;
	int n = 0;

	shadow_init(&sh, iova);
	assert_int_equal(iova->ops->reserve(iova, T_1M, T_1M), 0);
	shadow_mark(&sh, T_1M, T_1M, 9);
	/* Overlapping and touching reservations are fine. */
	assert_int_equal(iova->ops->reserve(iova, T_1M + 64 * G, 16 * G), 0);
	assert_int_equal(iova->ops->reserve(iova, 2 * T_1M, 4 * G), 0);
	shadow_mark(&sh, 2 * T_1M, 4 * G, 9);
	assert_int_equal(iova->ops->reserve(iova, T_1M - 4 * G, 8 * G), 0);
	shadow_mark(&sh, T_1M - 4 * G, 4 * G, 9);
	assert_int_equal(iova->ops->reserve(iova, 0x1234, G), -EINVAL);
	assert_int_equal(iova->ops->reserve(iova, T_1M, 0), -EINVAL);
	st = stats(iova);
	assert_int_equal(st.reserved, T_1M + 8 * G);

	while (!alloc(iova, G, LIMIT_NONE, false, &a)) {
		shadow_mark(&sh, a, G, 1);
		n++;
	}
	assert_int_equal(n, (16 * T_1M - G - T_1M - 8 * G) / G);
	/* Over a live allocation: refused, and nothing changes. */
	assert_int_equal(iova->ops->reserve(iova, 8 * T_1M, G), -EBUSY);
	assert_int_equal(iova->ops->reserve(iova, 8 * T_1M - 2 * T_1M, 4 * T_1M), -EBUSY);
	must_free(iova, 8 * T_1M, G);
	shadow_clear(&sh, 8 * T_1M, G);
	/* Over a range just freed (maybe held in a cache): it is free, so it may be reserved. */
	assert_int_equal(iova->ops->reserve(iova, 8 * T_1M, G), 0);
	shadow_mark(&sh, 8 * T_1M, G, 9);
	assert_int_equal(iova->ops->free_range(iova, 8 * T_1M, G), -EINVAL);
	assert_int_equal(alloc(iova, G, LIMIT_NONE, false, &a), -ENOMEM);
	st = stats(iova);
	assert_int_equal(st.reserved, T_1M + 9 * G);
	assert_int_equal(st.free, 0);

	/* Free half of the granules; new allocations avoid every reservation. */
	for (x = iova->start; x <= iova->end; x += 2 * G) {
		if (sh.g[(x - sh.start) / G] == 1) {
			must_free(iova, x, G);
			shadow_clear(&sh, x, G);
		}
	}
	while (!alloc(iova, G, LIMIT_NONE, false, &a))
		shadow_mark(&sh, a, G, 1);
	free(sh.g);
	iova->ops->free(iova);
}

static void test_bad_free(void **state)
{
	struct dmasim_iova *iova = mk(state, G, 64 * T_1M - 1);
	dma_addr_t a, b, c, x, y, r, d;
	struct dmasim_iova_stats st;
	struct shadow sh;
	int (*fr)(struct dmasim_iova *, dma_addr_t, size_t) = iova->ops->free_range;

	shadow_init(&sh, iova);
	a = must_alloc(iova, 4 * G, LIMIT_NONE, true);
	b = must_alloc(iova, G, LIMIT_NONE, false);
	c = must_alloc(iova, 64 * G, LIMIT_NONE, false);
	shadow_mark(&sh, a, 4 * G, 1);
	shadow_mark(&sh, b, G, 2);
	shadow_mark(&sh, c, 64 * G, 3);
	r = 32 * T_1M;
	assert_int_equal(iova->ops->reserve(iova, r, 8 * G), 0);
	shadow_mark(&sh, r, 8 * G, 9);

	/* Never allocated: some free granule. */
	for (d = iova->start; sh.g[(d - sh.start) / G]; d += G)
		;
	assert_int_equal(fr(iova, d, G), -EINVAL);
	assert_int_equal(fr(iova, d, 4 * G), -EINVAL);
	/* Wrong sizes, the middle of a range, unaligned, empty. */
	assert_int_equal(fr(iova, a, 2 * G), -EINVAL);
	assert_int_equal(fr(iova, a, 8 * G), -EINVAL);
	assert_int_equal(fr(iova, a, 3 * G), -EINVAL);
	assert_int_equal(fr(iova, a + G, 3 * G), -EINVAL);
	assert_int_equal(fr(iova, a + 1, 4 * G), -EINVAL);
	assert_int_equal(fr(iova, a, 4 * G + 1), -EINVAL);
	assert_int_equal(fr(iova, a, 0), -EINVAL);
	assert_int_equal(fr(iova, c, 63 * G), -EINVAL);
	assert_int_equal(fr(iova, c, 65 * G), -EINVAL);
	assert_int_equal(fr(iova, c + 32 * G, 32 * G), -EINVAL);
	/* A reservation is not an allocation. */
	assert_int_equal(fr(iova, r, 8 * G), -EINVAL);
	/* Outside the aperture. */
	assert_int_equal(fr(iova, 0, G), -EINVAL);
	assert_int_equal(fr(iova, iova->end + 1, G), -EINVAL);
	assert_int_equal(fr(iova, iova->end - G + 1, 4 * G), -EINVAL);
	st = stats(iova);
	assert_int_equal(st.nr_ranges, 3);

	/* Double frees, including of a small range a cache took the first time. */
	must_free(iova, a, 4 * G);
	shadow_clear(&sh, a, 4 * G);
	assert_int_equal(fr(iova, a, 4 * G), -EINVAL);
	must_free(iova, b, G);
	shadow_clear(&sh, b, G);
	assert_int_equal(fr(iova, b, G), -EINVAL);
	assert_int_equal(fr(iova, b, G), -EINVAL);
	must_free(iova, c, 64 * G);
	shadow_clear(&sh, c, 64 * G);
	assert_int_equal(fr(iova, c, 64 * G), -EINVAL);

	/* One free across two neighbours. */
	x = must_alloc(iova, G, LIMIT_NONE, false);
	y = must_alloc(iova, G, LIMIT_NONE, false);
	shadow_mark(&sh, x, G, 4);
	shadow_mark(&sh, y, G, 5);
	if (y == x + G || x == y + G)
		assert_int_equal(fr(iova, x < y ? x : y, 2 * G), -EINVAL);
	st = stats(iova);
	assert_int_equal(st.nr_ranges, 2);

	/* Nothing was corrupted: allocations go on, around what is live. */
	for (int i = 0; i < 500; i++) {
		size_t size = (size_t)(1 + i % 7) * G;

		a = must_alloc(iova, size, LIMIT_NONE, i & 1);
		shadow_mark(&sh, a, size, 6);
	}
	must_free(iova, x, G);
	must_free(iova, y, G);
	assert_int_equal(fr(iova, x, G), -EINVAL);
	st = stats(iova);
	assert_int_equal(st.nr_ranges, 500);
	free(sh.g);
	iova->ops->free(iova);
}

static void test_stats(void **state)
{
	struct dmasim_iova *iova = mk(state, G, 64 * T_1M - 1);
	struct dmasim_iova_stats st;
	dma_addr_t a[8], small[10];
	u64 live = 0;

	st = stats(iova);
	assert_int_equal(st.free, iova->end - iova->start + 1);
	assert_int_equal(st.largest_free, st.free);
	assert_int_equal(st.nr_ranges + st.allocated + st.reserved + st.cached, 0);

	assert_int_equal(iova->ops->reserve(iova, 8 * T_1M, T_1M), 0);
	for (int k = 0; k < 8; k++) {
		a[k] = must_alloc(iova, G << k, LIMIT_NONE, true);
		live += G << k;
	}
	for (int i = 0; i < 10; i++)
		small[i] = must_alloc(iova, G, LIMIT_NONE, false);
	st = stats(iova);
	assert_int_equal(st.allocated, live + 10 * G);
	assert_int_equal(st.reserved, T_1M);
	assert_int_equal(st.nr_ranges, 18);

	for (int i = 0; i < 10; i++)
		must_free(iova, small[i], G);
	must_free(iova, a[3], G << 3);
	live -= G << 3;
	st = stats(iova);
	assert_int_equal(st.allocated, live);
	assert_int_equal(st.nr_ranges, 7);
	/* What a cache holds is counted as cached, not free. */
	if (cache_range(iova) >= 8 * G)
		assert_int_equal(st.cached, 10 * G + (G << 3));
	flush(iova);
	st = stats(iova);
	assert_int_equal(st.cached, 0);
	assert_int_equal(st.allocated, live);
	assert_int_equal(st.reserved, T_1M);
	assert_int_equal(st.free, iova->end - iova->start + 1 - live - T_1M);
	for (int k = 0; k < 8; k++)
		if (k != 3)
			must_free(iova, a[k], G << k);
	iova->ops->free(iova);
}

static void test_largest_free(void **state)
{
	/* 1023 granules, reserved except holes of 40, 70 and 50 granules. */
	struct dmasim_iova *iova = mk(state, G, 4 * T_1M - 1);
	struct dmasim_iova_stats st;
	dma_addr_t a;

	assert_int_equal(iova->ops->reserve(iova, G, 99 * G), 0);         /* 1..99 */
	assert_int_equal(iova->ops->reserve(iova, 140 * G, 160 * G), 0);  /* 140..299: hole 100..139 */
	assert_int_equal(iova->ops->reserve(iova, 370 * G, 230 * G), 0);  /* 370..599: hole 300..369 */
	assert_int_equal(iova->ops->reserve(iova, 650 * G, 374 * G), 0);  /* 650..1023: hole 600..649 */
	st = stats(iova);
	assert_int_equal(st.free, 160 * G);
	assert_int_equal(st.largest_free, 70 * G);

	a = must_alloc(iova, 70 * G, LIMIT_NONE, false);
	assert_int_equal(a, 300 * G);
	st = stats(iova);
	assert_int_equal(st.largest_free, 50 * G);
	a = must_alloc(iova, 45 * G, LIMIT_NONE, false);
	assert_true(a >= 600 * G && a + 45 * G <= 650 * G);
	st = stats(iova);
	assert_int_equal(st.largest_free, 40 * G);
	assert_int_equal(st.free, 45 * G);
	assert_int_equal(alloc(iova, 41 * G, LIMIT_NONE, false, &a), -ENOMEM);
	a = must_alloc(iova, 40 * G, LIMIT_NONE, false);
	assert_int_equal(a, 100 * G);
	st = stats(iova);
	assert_int_equal(st.largest_free, 5 * G);
	iova->ops->free(iova);
}

struct walk {
	int calls, stop_at;
	dma_addr_t addr[64];
	size_t size[64];
	bool reserved[64];
};

static int walk_fn(void *ctx, dma_addr_t addr, size_t size, bool reserved)
{
	struct walk *w = ctx;

	if (w->calls < 64) {
		w->addr[w->calls] = addr;
		w->size[w->calls] = size;
		w->reserved[w->calls] = reserved;
	}
	w->calls++;
	return w->calls == w->stop_at ? 7 : 0;
}

static void test_for_each(void **state)
{
	struct dmasim_iova *iova = mk(state, G, 64 * T_1M - 1);
	struct walk w = { 0 };
	dma_addr_t a[6];
	size_t sizes[6] = { G, 3 * G, 16 * G, 2 * G, 100 * G, G };
	dma_addr_t rlo = ~0ULL, rhi = 0;
	u64 rtotal = 0;
	int nalloc = 0;

	if (!iova->ops->for_each) {
		iova->ops->free(iova);
		skip();
	}
	assert_int_equal(iova->ops->reserve(iova, 16 * T_1M, T_1M), 0);
	assert_int_equal(iova->ops->reserve(iova, 17 * T_1M, T_1M), 0);
	for (int i = 0; i < 6; i++)
		a[i] = must_alloc(iova, sizes[i], LIMIT_NONE, i & 1);
	must_free(iova, a[3], sizes[3]);
	a[3] = 0;
	flush(iova);

	assert_int_equal(iova->ops->for_each(iova, walk_fn, &w), 0);
	for (int i = 0; i < w.calls; i++) {
		if (i)
			assert_true(w.addr[i] >= w.addr[i - 1] + w.size[i - 1]);
		if (w.reserved[i]) {
			rlo = w.addr[i] < rlo ? w.addr[i] : rlo;
			rhi = w.addr[i] + w.size[i] > rhi ? w.addr[i] + w.size[i] : rhi;
			rtotal += w.size[i];
			continue;
		}
		nalloc++;
		for (int j = 0; j < 6; j++)
			if (a[j] == w.addr[i])
				assert_int_equal(w.size[i], sizes[j]);
	}
	assert_int_equal(nalloc, 5);
	/* Touching reservations may come back as one range or two. */
	assert_int_equal(rlo, 16 * T_1M);
	assert_int_equal(rhi, 18 * T_1M);
	assert_int_equal(rtotal, 2 * T_1M);

	/* A non-zero return stops the walk and is passed back. */
	memset(&w, 0, sizeof(w));
	w.stop_at = 2;
	assert_int_equal(iova->ops->for_each(iova, walk_fn, &w), 7);
	assert_int_equal(w.calls, 2);
	iova->ops->free(iova);
}

/* ---- threads --------------------------------------------------------------- */

#define NR_THREADS 4
#define THREAD_OPS 20000
#define THREAD_LIVE 64
#define MAILBOX 64

struct mt {
	struct dmasim_iova *iova;
	dma_addr_t base;
	_Atomic u64 *shadow;            /* one bit per granule */
	_Atomic u64 mailbox[MAILBOX];   /* ranges handed between threads: addr | (granules - 1) */
	atomic_int overlaps, bad_addr, bad_free, ok_allocs;
	int id;
};

struct mt_arg {
	struct mt *mt;
	int id;
};

static bool shadow_set(struct mt *mt, dma_addr_t a, size_t n)
{
	bool ok = true;

	for (size_t i = (a - mt->base) / G, e = i + n; i < e; i++)
		if (atomic_fetch_or(&mt->shadow[i / 64], 1ULL << (i % 64)) & (1ULL << (i % 64)))
			ok = false;
	return ok;
}

static void shadow_unset(struct mt *mt, dma_addr_t a, size_t n)
{
	for (size_t i = (a - mt->base) / G, e = i + n; i < e; i++)
		atomic_fetch_and(&mt->shadow[i / 64], ~(1ULL << (i % 64)));
}

/* No cmocka asserts off the main thread: failures are counted and checked after join. */
static void mt_free(struct mt *mt, u64 e)
{
	dma_addr_t a = e & ~(G - 1);
	size_t n = (e & (G - 1)) + 1;

	/* Clear the shadow first: once freed, another thread may get the range at once. */
	shadow_unset(mt, a, n);
	if (mt->iova->ops->free_range(mt->iova, a, n * G))
		atomic_fetch_add(&mt->bad_free, 1);
}

static void *mt_thread(void *p)
{
	struct mt_arg *arg = p;
	struct mt *mt = arg->mt;
	struct dmasim_iova *iova = mt->iova;
	u64 live[THREAD_LIVE], x = 0x2545f4914f6cdd1dULL * (u64)(arg->id + 1);
	int nlive = 0;

	for (int op = 0; op < THREAD_OPS; op++) {
		u64 r = rnd(&x);

		if (nlive && (r & 7) == 0) {
			/* Swap a live range with whatever another thread left in the mailbox. */
			int i = (int)((r >> 3) % (u64)nlive);
			u64 got = atomic_exchange(&mt->mailbox[(r >> 16) % MAILBOX], live[i]);

			if (got)
				live[i] = got;
			else
				live[i] = live[--nlive];
		} else if (nlive < THREAD_LIVE && ((r >> 3) & 1 || !nlive)) {
			size_t n = 1 + (r >> 4) % 32;
			bool aligned = (r >> 9) & 1;
			dma_addr_t limit = (r >> 10) & 3 ? LIMIT_NONE : mt->base + 64 * T_1M - 1;
			dma_addr_t a = 0;
			int ret = iova->ops->alloc_aligned(iova, n * G, align_of(n * G, aligned), limit,
							   &a);

			if (ret) {
				if (ret != -ENOMEM)
					atomic_fetch_add(&mt->bad_addr, 1);
				continue;
			}
			atomic_fetch_add(&mt->ok_allocs, 1);
			if (!a || a % G || a < iova->start || a + n * G - 1 > iova->end ||
			    a + n * G - 1 > limit ||
			    (aligned && a % (pow2_up(n) * G)))
				atomic_fetch_add(&mt->bad_addr, 1);
			if (!shadow_set(mt, a, n))
				atomic_fetch_add(&mt->overlaps, 1);
			live[nlive++] = a | (n - 1);
		} else {
			int i = (int)((r >> 3) % (u64)nlive);

			mt_free(mt, live[i]);
			live[i] = live[--nlive];
		}
	}
	while (nlive)
		mt_free(mt, live[--nlive]);
	return NULL;
}

static void test_threads(void **state)
{
	struct dmasim_iova *iova = mk(state, G, 256 * T_1M - 1);
	size_t ngranules = (iova->end - iova->start + 1) / G;
	struct mt *mt = calloc(1, sizeof(*mt));
	struct mt_arg args[NR_THREADS];
	pthread_t t[NR_THREADS];
	struct dmasim_iova_stats st;

	assert_non_null(mt);
	mt->iova = iova;
	mt->base = iova->start;
	mt->shadow = calloc(ngranules / 64 + 1, sizeof(*mt->shadow));
	assert_non_null(mt->shadow);
	for (int i = 0; i < NR_THREADS; i++) {
		args[i].mt = mt;
		args[i].id = i;
		assert_int_equal(pthread_create(&t[i], NULL, mt_thread, &args[i]), 0);
	}
	for (int i = 0; i < NR_THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < MAILBOX; i++)
		if (mt->mailbox[i])
			mt_free(mt, mt->mailbox[i]);

	assert_int_equal(mt->overlaps, 0);
	assert_int_equal(mt->bad_addr, 0);
	assert_int_equal(mt->bad_free, 0);
	assert_true(mt->ok_allocs > NR_THREADS * THREAD_OPS / 4);
	flush(iova);
	st = stats(iova);
	assert_int_equal(st.cached, 0);
	assert_int_equal(st.allocated, 0);
	assert_int_equal(st.nr_ranges, 0);
	assert_int_equal(st.free, iova->end - iova->start + 1);
	free(mt->shadow);
	free(mt);
	iova->ops->free(iova);
}

struct exit_arg {
	struct dmasim_iova *iova;
	int failures;
};

/* Allocate and free enough small ranges to fill magazines and the depot, then exit holding them. */
static void *exit_thread(void *p)
{
	struct exit_arg *arg = p;
	struct dmasim_iova *iova = arg->iova;
	static const size_t sizes[] = { 1, 4, 32 };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		size_t n = s ? 500 : 3000, size = sizes[s] * G;
		dma_addr_t *a = calloc(n, sizeof(*a));

		if (!a) {
			arg->failures++;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if (iova->ops->alloc_aligned(iova, size, size, LIMIT_NONE, &a[i]))
				arg->failures++;
		for (size_t i = 0; i < n; i++)
			if (a[i] && iova->ops->free_range(iova, a[i], size))
				arg->failures++;
		free(a);
	}
	return NULL;
}

static void test_thread_exit(void **state)
{
	struct dmasim_iova *iova = mk(state, G, 1024 * T_1M - 1);
	struct exit_arg args[3];
	pthread_t t[3];
	struct dmasim_iova_stats st;

	for (int i = 0; i < 3; i++) {
		args[i].iova = iova;
		args[i].failures = 0;
		assert_int_equal(pthread_create(&t[i], NULL, exit_thread, &args[i]), 0);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(args[i].failures, 0);
	}
	/* The threads are gone; whatever they cached is still accounted for, and flushable. */
	st = stats(iova);
	assert_int_equal(st.allocated, 0);
	assert_int_equal(st.nr_ranges, 0);
	flush(iova);
	st = stats(iova);
	assert_int_equal(st.cached, 0);
	assert_int_equal(st.free, iova->end - iova->start + 1);
	/* Freeing with ranges still in this thread's cache and the depot leaks nothing (ASan). */
	for (int i = 0; i < 200; i++)
		must_free(iova, must_alloc(iova, (size_t)(1 + i % 32) * G, LIMIT_NONE, false),
			  (size_t)(1 + i % 32) * G);
	iova->ops->free(iova);
}

/*
 * free_ranges() (optional): the results of free_range() in order, in one call,
 * across more entries than one internal batch; double, wrong-size, unaligned
 * and empty entries refused, and nothing left allocated or corrupted.
 */
static void test_free_ranges(void **state)
{
	struct dmasim_iova *iova = mk(state, G, 64 * T_1M - 1);
	struct dmasim_iova_range r[100];
	int want[100], got[100];
	unsigned int n = 0;
	dma_addr_t held, a;
	struct dmasim_iova_stats st;

	if (!iova->ops->free_ranges) {
		iova->ops->free(iova);
		skip();
	}
	held = must_alloc(iova, 2 * G, LIMIT_NONE, true);
	for (int i = 0; i < 80; i++) {
		size_t size = i % 20 == 19 ? 64 * G : (size_t)(1 + i % 3) * G;

		r[n] = (struct dmasim_iova_range){ must_alloc(iova, size, LIMIT_NONE, i & 1), size };
		want[n++] = 0;
		if (i == 10) { /* a range freed twice in one batch: the second is refused */
			r[n] = r[n - 1];
			want[n++] = -EINVAL;
		}
	}
	r[n] = (struct dmasim_iova_range){ held, G };     /* wrong size */
	want[n++] = -EINVAL;
	r[n] = (struct dmasim_iova_range){ held + 1, 2 * G }; /* unaligned */
	want[n++] = -EINVAL;
	r[n] = (struct dmasim_iova_range){ held, 0 };     /* empty */
	want[n++] = -EINVAL;
	r[n] = (struct dmasim_iova_range){ held, 2 * G }; /* right at last */
	want[n++] = 0;
	r[n] = r[0]; /* long after its free */
	want[n++] = -EINVAL;
	memset(got, 0x55, sizeof(got));
	iova->ops->free_ranges(iova, r, n, got);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(got[i], want[i]);
	st = stats(iova);
	assert_int_equal(st.nr_ranges, 0);
	assert_int_equal(st.allocated, 0);
	for (unsigned int i = 0; i < n; i++) /* all of them are free now */
		assert_int_equal(iova->ops->free_range(iova, r[i].addr, r[i].size), -EINVAL);
	/* Without results, and the space comes back. */
	a = must_alloc(iova, 3 * G, LIMIT_NONE, false);
	iova->ops->free_ranges(iova, &(struct dmasim_iova_range){ a, 3 * G }, 1, NULL);
	flush(iova);
	st = stats(iova);
	assert_int_equal(st.free, iova->end - iova->start + 1 - st.reserved);
	iova->ops->free(iova);
}

/* Every test, written once; run for each backend with the backend as state. */
#define IOVA_TESTS(c)                                              \
	{                                                          \
		cmocka_unit_test_prestate(test_bad_config, c),     \
		cmocka_unit_test_prestate(test_basic, c),          \
		cmocka_unit_test_prestate(test_tiny, c),           \
		cmocka_unit_test_prestate(test_size_aligned, c),   \
		cmocka_unit_test_prestate(test_alignment, c),      \
		cmocka_unit_test_prestate(test_top_down, c),       \
		cmocka_unit_test_prestate(test_random_no_overlap, c), \
		cmocka_unit_test_prestate(test_limit, c),          \
		cmocka_unit_test_prestate(test_limit_exhaustion, c), \
		cmocka_unit_test_prestate(test_exhaustion, c),     \
		cmocka_unit_test_prestate(test_reserve, c),        \
		cmocka_unit_test_prestate(test_bad_free, c),       \
		cmocka_unit_test_prestate(test_stats, c),          \
		cmocka_unit_test_prestate(test_largest_free, c),   \
		cmocka_unit_test_prestate(test_for_each, c),       \
		cmocka_unit_test_prestate(test_threads, c),        \
		cmocka_unit_test_prestate(test_thread_exit, c),    \
		cmocka_unit_test_prestate(test_free_ranges, c),    \
	}

/* ---- a user's own allocator, plugged in by name ------------------------------------- */

static atomic_int wrap_allocs, wrap_frees;

static int wrap_alloc_aligned(struct dmasim_iova *iova, size_t size, size_t align,
			      dma_addr_t limit, dma_addr_t *addr)
{
	atomic_fetch_add(&wrap_allocs, 1);
	return dmasim__iova_bitmap.alloc_aligned(iova, size, align, limit, addr);
}

static int wrap_free_range(struct dmasim_iova *iova, dma_addr_t addr, size_t size)
{
	atomic_fetch_add(&wrap_frees, 1);
	return dmasim__iova_bitmap.free_range(iova, addr, size);
}

static void test_user_backend_by_name(void **state)
{
	/* A descriptor of the program's own, delegating to the bitmap for the work. */
	static struct dmasim_iova_ops wrap;
	struct dmasim_platform *p;
	struct device *dev;
	char *buf, got[8];
	dma_addr_t h;

	(void)state;
	wrap = dmasim__iova_bitmap;
	wrap.base.name = "counting";
	wrap.alloc_aligned = wrap_alloc_aligned;
	wrap.free_range = wrap_free_range;
	assert_int_equal(dmasim_backend_register(&wrap.base), 0);
	assert_int_equal(dmasim_backend_register(&wrap.base), -EEXIST);
	p = tu_platform("iommu=on iova=counting");
	assert_non_null(p);
	assert_non_null(strstr(dmasim_platform_spec(p), "iova=counting"));
	dev = dmasim_device_create(p, "name=plug");
	assert_non_null(dev);
	buf = kmalloc(64, GFP_KERNEL);
	strcpy(buf, "plugged");
	h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim_dev_read(dev, h, got, 8), 0);
	assert_string_equal(got, "plugged");
	dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
	assert_true(atomic_load(&wrap_allocs) >= 1);
	assert_true(atomic_load(&wrap_frees) >= 1);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/*
 * A descriptor as a program built against ABI 2 had it: no alloc_aligned
 * (the struct ends before it), only alloc_range(..., size_aligned, ...).
 */
struct iova_ops_abi2 {
	struct dmasim_backend base;
	struct dmasim_iova *(*alloc)(const struct dmasim_iova_config *cfg);
	void (*free)(struct dmasim_iova *iova);
	int (*alloc_range)(struct dmasim_iova *iova, size_t size, dma_addr_t limit,
			   bool size_aligned, dma_addr_t *addr);
	int (*free_range)(struct dmasim_iova *iova, dma_addr_t addr, size_t size);
	int (*reserve)(struct dmasim_iova *iova, dma_addr_t addr, size_t size);
	void (*stats)(struct dmasim_iova *iova, struct dmasim_iova_stats *st);
	int (*for_each)(struct dmasim_iova *iova,
			int (*fn)(void *ctx, dma_addr_t addr, size_t size, bool reserved),
			void *ctx);
	size_t (*cache_range)(struct dmasim_iova *iova);
	void (*flush_caches)(struct dmasim_iova *iova);
	void (*free_ranges)(struct dmasim_iova *iova, const struct dmasim_iova_range *r,
			    unsigned int n, int *ret);
};

static atomic_int old_allocs, old_aligned;

/* The ABI 2 contract, on the bitmap: a power-of-two size aligned to itself when asked. */
static int old_alloc_range(struct dmasim_iova *iova, size_t size, dma_addr_t limit,
			   bool size_aligned, dma_addr_t *addr)
{
	atomic_fetch_add(&old_allocs, 1);
	if (size_aligned)
		atomic_fetch_add(&old_aligned, 1);
	return dmasim__iova_bitmap.alloc_aligned(iova, size,
						 size_aligned && !(size & (size - 1)) ? size : 0,
						 limit, addr);
}

/*
 * An allocator built for ABI 2 still registers and works: the core reaches
 * it through its alloc_range(), with size_aligned set, and (only from its
 * own ABI's fields: ASan would see a read past the struct) never reads
 * alloc_aligned.  An ABI 3 descriptor without alloc_aligned is refused.
 */
static void test_user_backend_old_abi(void **state)
{
	static struct iova_ops_abi2 *old;
	static struct dmasim_iova_ops bad;
	const struct dmasim_iova_ops *found;
	struct dmasim_platform *p;
	struct device *dev;
	struct page *page;
	dma_addr_t h, a;
	void *cpu;

	(void)state;
	/* Heap-allocated at its own size, so a read beyond it is caught. */
	old = calloc(1, sizeof(*old));
	assert_non_null(old);
	old->base = dmasim__iova_bitmap.base;
	old->base.abi = 2;
	old->base.name = "old-abi";
	old->alloc = dmasim__iova_bitmap.alloc;
	old->free = dmasim__iova_bitmap.free;
	old->alloc_range = old_alloc_range;
	old->free_range = dmasim__iova_bitmap.free_range;
	old->reserve = dmasim__iova_bitmap.reserve;
	old->stats = dmasim__iova_bitmap.stats;
	old->free_ranges = dmasim__iova_bitmap.free_ranges;
	assert_int_equal(dmasim_backend_register(&old->base), 0);
	found = (const void *)dmasim_backend_find(DMASIM_BACKEND_IOVA, "old-abi");
	assert_non_null(found);
	assert_int_equal(found->base.abi, 2);
	assert_non_null(found->alloc_aligned);
	assert_ptr_equal(found->free_ranges, dmasim__iova_bitmap.free_ranges);

	p = tu_platform("iommu=on iova=old-abi");
	assert_non_null(p);
	dev = dmasim_device_create(p, "name=old");
	assert_non_null(dev);
	/* A power-of-two size: aligned, as its contract promised. */
	page = alloc_pages(GFP_KERNEL, 2);
	assert_non_null(page);
	h = dma_map_page(dev, page, 0, 4 * G, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(h % (4 * G), 0);
	dma_unmap_page(dev, h, 4 * G, DMA_TO_DEVICE);
	__free_pages(page, 2);
	cpu = dma_alloc_coherent(dev, 200 * 1024, &a, GFP_KERNEL);
	assert_non_null(cpu);
	dma_free_coherent(dev, 200 * 1024, cpu, a);
	assert_true(atomic_load(&old_allocs) >= 2);
	assert_int_equal(atomic_load(&old_aligned), atomic_load(&old_allocs));
	dmasim_iommu_flush(p);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);

	bad = dmasim__iova_bitmap;
	bad.base.name = "no-alloc-aligned";
	bad.alloc_aligned = NULL;
	bad.alloc_range = old_alloc_range;
	assert_int_equal(dmasim_backend_register(&bad.base), -EINVAL);
}

int main(void)
{
	int failed = 0;
	char names[256];
	const struct CMUnitTest plug[] = { cmocka_unit_test(test_user_backend_by_name),
					   cmocka_unit_test(test_user_backend_old_abi) };

	unsetenv("DMASIM_SPEC");
	/* The conformance table covers every built-in: a new allocator is added to it. */
	dmasim_backend_list(DMASIM_BACKEND_IOVA, names, sizeof(names));
	if (strcmp(names, "rbtree,bitmap")) {
		fprintf(stderr, "test-iova: registered IOVA allocators \"%s\": add the new one to backends[]\n",
			names);
		return 1;
	}
	failed += cmocka_run_group_tests_name("user-backend", plug, NULL, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
		const struct CMUnitTest tests[] = IOVA_TESTS((void *)&backends[i]);

		failed += _cmocka_run_group_tests(backends[i].label, tests, ARRAY_SIZE(tests), NULL,
						  NULL);
	}
	return failed;
}
