/*
 * tests/test-pgtable.c - conformance suite for the IO page-table formats
 * (iommu/pgtable/).  Each test is written once against the ops and runs for
 * every format in the table below and, where page size matters, for every
 * page size the format maps: the kernel's io-pgtable selftest idea.  Tables
 * come from a real platform's page allocator and entries are read back
 * through the RAM view, which proves that a walk reads simulated memory.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <linux/gfp.h>
#include <linux/mm.h>

#include "core/core.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* What the suite knows about a format beyond its ops: only for cross-checks. */
struct fmt {
	const struct dmasim_pgtable_ops *ops;
	unsigned int entry_size;   /* bytes per descriptor */
	unsigned int max_ias;
	unsigned int max_oas;
	unsigned int max_levels;   /* levels at max_ias */
	unsigned long pgsizes;     /* everything it maps */
	unsigned int leaf_entries; /* entries in a last-level table */
	u64 table_mask;            /* next-table address bits in a table entry */
};

static const struct fmt formats[] = {
	{ &dmasim__pgtable_arm_lpae_4k, 8, 48, 48, 4, (4 * KiB) | (2 * MiB) | GiB, 512,
	  0x0000fffffffff000ULL },
	{ &dmasim__pgtable_arm_v7s, 4, 32, 32, 2, (4 * KiB) | MiB, 256, 0xfffffc00ULL },
};

#define for_each_format(f) for (const struct fmt *f = formats; f < formats + ARRAY_SIZE(formats); f++)
/* Every page size in @bitmap, smallest first. */
#define for_each_pgsize(ps, bitmap)                                                \
	for (unsigned long ps##_left = (bitmap), ps = ps##_left & -ps##_left; ps##_left; \
	     ps##_left &= ps##_left - 1, ps = ps##_left & -ps##_left)

/* ---- table memory from the platform, counted and checked ------------------- */

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (256 * MiB)

struct tctx {
	struct dmasim_platform *p;
	atomic_long nr_alloc;
	atomic_long nr_free;
	atomic_long bad;       /* malformed alloc/free calls */
	long fail_at;          /* >= 0: alloc_table fails once nr_alloc reaches it */
	u32 size_of[RAM_SIZE / PAGE_SIZE]; /* live table size by page */
};

static struct tctx ctx;

static unsigned int size_order(size_t size)
{
	return size <= PAGE_SIZE ? 0 : (unsigned int)__builtin_ctzl(size / PAGE_SIZE);
}

/* Every table gets whole pages: a 1 KiB table in a 4 KiB page is aligned to its size. */
static int t_alloc_table(void *cookie, size_t size, phys_addr_t *phys)
{
	struct tctx *c = cookie;
	struct page *pg;

	if (!size || (size & (size - 1)) || size > 64 * KiB) {
		atomic_fetch_add(&c->bad, 1);
		return -EINVAL;
	}
	if (c->fail_at >= 0 && atomic_load(&c->nr_alloc) >= c->fail_at)
		return -ENOMEM;
	pg = dmasim__alloc_pages_below(c->p, GFP_KERNEL | __GFP_ZERO, size_order(size), ~0ULL);
	if (!pg)
		return -ENOMEM;
	*phys = page_to_phys(pg);
	c->size_of[(*phys - RAM_BASE) / PAGE_SIZE] = (u32)size;
	atomic_fetch_add(&c->nr_alloc, 1);
	return 0;
}

static void t_free_table(void *cookie, phys_addr_t phys, size_t size)
{
	struct tctx *c = cookie;
	struct page *pg;

	if (phys < RAM_BASE || phys >= RAM_BASE + RAM_SIZE || (phys & (PAGE_SIZE - 1)) ||
	    c->size_of[(phys - RAM_BASE) / PAGE_SIZE] != size) {
		atomic_fetch_add(&c->bad, 1);
		return;
	}
	c->size_of[(phys - RAM_BASE) / PAGE_SIZE] = 0;
	pg = dmasim__phys_to_page(c->p, phys);
	dmasim__free_pages(pg, size_order(size));
	atomic_fetch_add(&c->nr_free, 1);
}

static unsigned char *t_ram(void *cookie, phys_addr_t phys)
{
	return dmasim__ram_ptr(((struct tctx *)cookie)->p, phys);
}

static int group_setup(void **state)
{
	ctx.p = tu_platform("ram=256M@0x80000000");
	return ctx.p ? 0 : -1;
}

static int group_teardown(void **state)
{
	dmasim_platform_destroy(ctx.p);
	return 0;
}

static int reset(void **state)
{
	atomic_store(&ctx.nr_alloc, 0);
	atomic_store(&ctx.nr_free, 0);
	atomic_store(&ctx.bad, 0);
	ctx.fail_at = -1;
	return 0;
}

/* ---- helpers ------------------------------------------------------------------ */

static const char *cur_fmt = "";
static unsigned long cur_ps;

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond))                                                            \
			fail_msg("%s (pgsize %#lx) line %d: %s", cur_fmt, cur_ps, __LINE__, #cond); \
	} while (0)
#define CHECK_EQ(a, b)                                                                    \
	do {                                                                              \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
		if (a_ != b_)                                                             \
			fail_msg("%s (pgsize %#lx) line %d: %s is %#llx, expected %#llx", cur_fmt, \
				 cur_ps, __LINE__, #a, a_, b_);                           \
	} while (0)

static struct dmasim_pgtable *mk_cfg(const struct fmt *f, unsigned long pgsizes, unsigned int ias,
				     unsigned int oas, const char *options)
{
	struct dmasim_pgtable_config cfg = {
		.pgsize_bitmap = pgsizes,
		.ias = ias,
		.oas = oas,
		.alloc_table = t_alloc_table,
		.free_table = t_free_table,
		.ram = t_ram,
		.cookie = &ctx,
		.options = options,
	};
	struct dmasim_pgtable *pgt = f->ops->alloc(&cfg);

	cur_fmt = f->ops->base.name;
	if (pgt)
		pgt->ops = f->ops; /* what the core does after alloc() */
	return pgt;
}

static struct dmasim_pgtable *mk(const struct fmt *f)
{
	struct dmasim_pgtable *pgt = mk_cfg(f, 0, 0, 0, "");

	CHECK(pgt != NULL);
	return pgt;
}

/* Free and check that every table went back, each with the size it came with. */
static void destroy(struct dmasim_pgtable *pgt)
{
	pgt->ops->free(pgt);
	CHECK_EQ(atomic_load(&ctx.nr_free), atomic_load(&ctx.nr_alloc));
	CHECK_EQ(atomic_load(&ctx.bad), 0);
}

static unsigned long smallest(unsigned long bitmap)
{
	return bitmap & -bitmap;
}

static unsigned long largest(unsigned long bitmap)
{
	return 1UL << (63 - __builtin_clzl(bitmap));
}

static int map(struct dmasim_pgtable *pgt, unsigned long iova, phys_addr_t paddr, size_t ps,
	       size_t count, int prot, size_t *mapped)
{
	size_t m;

	return pgt->ops->map_pages(pgt, iova, paddr, ps, count, prot, mapped ? mapped : &m);
}

static void map_ok(struct dmasim_pgtable *pgt, unsigned long iova, phys_addr_t paddr, size_t ps,
		   size_t count, int prot)
{
	size_t mapped = 12345;

	CHECK_EQ(map(pgt, iova, paddr, ps, count, prot, &mapped), 0);
	CHECK_EQ(mapped, ps * count);
}

static void expect_phys(struct dmasim_pgtable *pgt, unsigned long iova, phys_addr_t want,
			int want_prot)
{
	phys_addr_t phys = ~0ULL;
	int prot = -1;

	CHECK_EQ(pgt->ops->iova_to_phys(pgt, iova, &phys, &prot), 0);
	CHECK_EQ(phys, want);
	CHECK_EQ(prot, want_prot);
}

static void expect_unmapped(struct dmasim_pgtable *pgt, unsigned long iova)
{
	phys_addr_t phys;

	CHECK_EQ(pgt->ops->iova_to_phys(pgt, iova, &phys, NULL), -ENOENT);
}

#define RW (DMASIM_PROT_READ | DMASIM_PROT_WRITE)

/* ---- tests ---------------------------------------------------------------------- */

static void test_config(void **state)
{
	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);

		/* ias 0 and oas 0 mean the format's maximum. */
		CHECK_EQ(pgt->ias, f->max_ias);
		CHECK_EQ(pgt->oas, f->max_oas);
		CHECK_EQ(pgt->levels, f->max_levels);
		CHECK_EQ(pgt->pgsize_bitmap, f->pgsizes);
		CHECK(dmasim__phys_range_ok(ctx.p, pgt->root, 64));
		destroy(pgt);

		/* Too large is narrowed. */
		pgt = mk_cfg(f, 0, 64, 64, NULL);
		CHECK(pgt != NULL);
		CHECK_EQ(pgt->ias, f->max_ias);
		CHECK_EQ(pgt->oas, f->max_oas);
		destroy(pgt);

		/* The page sizes asked for are narrowed to those the format has... */
		pgt = mk_cfg(f, (4 * KiB) | (64 * KiB) | (16 * MiB), 0, 0, "");
		CHECK(pgt != NULL);
		CHECK_EQ(pgt->pgsize_bitmap, 4 * KiB);
		destroy(pgt);
		/* ...and none of them is a bad config, as are options and tiny spaces. */
		CHECK(mk_cfg(f, (64 * KiB) | (16 * MiB), 0, 0, "") == NULL);
		CHECK(mk_cfg(f, 0, 0, 0, "nosuchoption") == NULL);
		CHECK(mk_cfg(f, 0, 12, 0, "") == NULL);
		CHECK_EQ(atomic_load(&ctx.nr_alloc), atomic_load(&ctx.nr_free));
	}

	/* LPAE: fewer levels for a smaller ias, as the kernel computes the start level. */
	{
		const struct fmt *f = &formats[0];
		static const struct {
			unsigned int ias, levels;
			unsigned long pgsizes;
		} cases[] = {
			{ 48, 4, (4 * KiB) | (2 * MiB) | GiB },
			{ 40, 4, (4 * KiB) | (2 * MiB) | GiB },
			{ 39, 3, (4 * KiB) | (2 * MiB) | GiB },
			{ 32, 3, (4 * KiB) | (2 * MiB) | GiB },
			{ 30, 2, (4 * KiB) | (2 * MiB) },
			{ 21, 1, 4 * KiB },
		};

		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			struct dmasim_pgtable *pgt = mk_cfg(f, 0, cases[i].ias, 0, "");
			struct dmasim_pgtable_walk w;

			CHECK(pgt != NULL);
			CHECK_EQ(pgt->ias, cases[i].ias);
			CHECK_EQ(pgt->levels, cases[i].levels);
			CHECK_EQ(pgt->pgsize_bitmap, cases[i].pgsizes);
			map_ok(pgt, (1UL << cases[i].ias) - 4 * KiB, 0x1000, 4 * KiB, 1, RW);
			CHECK_EQ(pgt->ops->walk(pgt, (1UL << cases[i].ias) - 1, &w), 0);
			CHECK_EQ(w.nr_levels, cases[i].levels);
			CHECK_EQ(w.phys, 0x1fff);
			destroy(pgt);
		}
		/* 1 GiB blocks only, at 30 bits, leave nothing. */
		CHECK(mk_cfg(f, GiB, 30, 0, "") == NULL);
	}
	/* v7s: a narrower ias keeps the two levels. */
	{
		struct dmasim_pgtable *pgt = mk_cfg(&formats[1], 0, 24, 0, "");

		CHECK(pgt != NULL);
		CHECK_EQ(pgt->ias, 24);
		CHECK_EQ(pgt->levels, 2);
		destroy(pgt);
	}
}

static void test_roundtrip(void **state)
{
	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);

		for_each_pgsize(ps, pgt->pgsize_bitmap) {
			unsigned long iova = 3 * ps;
			phys_addr_t paddr = 5 * ps;
			const size_t offs[] = { 0, 1, 0x123, ps / 2 + 8, ps - 8, ps - 1 };

			cur_ps = ps;
			map_ok(pgt, iova, paddr, ps, 1, RW);
			for (size_t i = 0; i < ARRAY_SIZE(offs); i++)
				expect_phys(pgt, iova + offs[i], paddr + offs[i], RW);
			expect_unmapped(pgt, iova - 1);
			expect_unmapped(pgt, iova + ps);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, ps, 1), ps);
			expect_unmapped(pgt, iova);
			expect_unmapped(pgt, iova + ps - 1);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, ps, 1), 0);

			/* Physical address 0 is an address like any other. */
			map_ok(pgt, iova, 0, ps, 1, DMASIM_PROT_READ);
			expect_phys(pgt, iova, 0, DMASIM_PROT_READ);
			expect_phys(pgt, iova + ps - 1, ps - 1, DMASIM_PROT_READ);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, ps, 1), ps);
		}
		destroy(pgt);
	}
}

static void test_prot(void **state)
{
	static const int prots[] = {
		DMASIM_PROT_READ,
		DMASIM_PROT_WRITE,
		RW,
		DMASIM_PROT_READ | DMASIM_PROT_PRIV,
		DMASIM_PROT_WRITE | DMASIM_PROT_PRIV,
		RW | DMASIM_PROT_PRIV,
	};

	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);

		for_each_pgsize(ps, pgt->pgsize_bitmap) {
			cur_ps = ps;
			for (size_t i = 0; i < ARRAY_SIZE(prots); i++) {
				unsigned long iova = (2 + i) * ps;
				struct dmasim_pgtable_walk w;

				map_ok(pgt, iova, 7 * ps, ps, 1, prots[i]);
				expect_phys(pgt, iova + ps / 3, 7 * ps + ps / 3, prots[i]);
				CHECK_EQ(pgt->ops->walk(pgt, iova, &w), 0);
				CHECK(w.mapped);
				CHECK_EQ(w.prot, prots[i]);
			}
			for (size_t i = 0; i < ARRAY_SIZE(prots); i++)
				CHECK_EQ(pgt->ops->unmap_pages(pgt, (2 + i) * ps, ps, 1), ps);
			/* No access at all is no mapping. */
			CHECK_EQ(map(pgt, 2 * ps, 0, ps, 1, 0, NULL), -EINVAL);
			CHECK_EQ(map(pgt, 2 * ps, 0, ps, 1, DMASIM_PROT_PRIV, NULL), -EINVAL);
			expect_unmapped(pgt, 2 * ps);
		}
		destroy(pgt);
	}
}

static void test_eexist(void **state)
{
	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);
		unsigned long s = smallest(pgt->pgsize_bitmap);

		for_each_pgsize(ps, pgt->pgsize_bitmap) {
			unsigned long iova = 8 * ps;
			phys_addr_t pa = 16 * ps, pb = 32 * ps;
			size_t mapped = 999;

			cur_ps = ps;
			map_ok(pgt, iova + 2 * ps, pb, ps, 3, DMASIM_PROT_READ);
			/* Pages 0 and 1 go in; page 2 is taken; nothing after it is mapped. */
			CHECK_EQ(map(pgt, iova, pa, ps, 6, RW, &mapped), -EEXIST);
			CHECK_EQ(mapped, 2 * ps);
			expect_phys(pgt, iova, pa, RW);
			expect_phys(pgt, iova + ps + 5, pa + ps + 5, RW);
			for (int i = 2; i < 5; i++)
				expect_phys(pgt, iova + i * ps, pb + (i - 2) * ps, DMASIM_PROT_READ);
			expect_unmapped(pgt, iova + 5 * ps);
			/* The same page again, exactly. */
			CHECK_EQ(map(pgt, iova, pa, ps, 1, RW, &mapped), -EEXIST);
			CHECK_EQ(mapped, 0);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, ps, 6), 5 * ps);
			expect_unmapped(pgt, iova + 2 * ps);
		}

		/* Across sizes: a page inside a block, a block over a page. */
		for_each_pgsize(b, pgt->pgsize_bitmap & ~s) {
			unsigned long iova = 4 * b;
			size_t mapped = 999;

			cur_ps = b;
			map_ok(pgt, iova, 2 * b, b, 1, RW);
			CHECK_EQ(map(pgt, iova + 3 * s, 0, s, 1, RW, &mapped), -EEXIST);
			CHECK_EQ(mapped, 0);
			CHECK_EQ(map(pgt, iova - s, 0, s, 2, RW, &mapped), -EEXIST);
			CHECK_EQ(mapped, s);
			expect_phys(pgt, iova - s, 0, RW);
			expect_phys(pgt, iova + 3 * s, 2 * b + 3 * s, RW);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova - s, s, 1), s);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, b, 1), b);

			map_ok(pgt, iova + b - s, 0, s, 1, RW);
			CHECK_EQ(map(pgt, iova, 0, b, 1, RW, &mapped), -EEXIST);
			CHECK_EQ(mapped, 0);
			expect_unmapped(pgt, iova);
			expect_phys(pgt, iova + b - 1, s - 1, RW);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova + b - s, s, 1), s);
		}
		destroy(pgt);
	}
}

static void test_multi_partial(void **state)
{
	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);

		for_each_pgsize(ps, pgt->pgsize_bitmap) {
			unsigned long iova = 2 * ps;
			phys_addr_t pa = 20 * ps;

			cur_ps = ps;
			map_ok(pgt, iova, pa, ps, 8, DMASIM_PROT_WRITE);
			for (int i = 0; i < 8; i++)
				expect_phys(pgt, iova + i * ps + 17, pa + i * ps + 17, DMASIM_PROT_WRITE);
			/* A hole in the middle. */
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova + 3 * ps, ps, 2), 2 * ps);
			for (int i = 0; i < 8; i++) {
				if (i == 3 || i == 4)
					expect_unmapped(pgt, iova + i * ps);
				else
					expect_phys(pgt, iova + i * ps, pa + i * ps, DMASIM_PROT_WRITE);
			}
			/* Unmapping the whole range stops at the hole. */
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, ps, 8), 3 * ps);
			expect_unmapped(pgt, iova);
			expect_phys(pgt, iova + 5 * ps, pa + 5 * ps, DMASIM_PROT_WRITE);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova + 5 * ps, ps, 3), 3 * ps);
			for (int i = 0; i < 8; i++)
				expect_unmapped(pgt, iova + i * ps);
		}
		/* A run of small pages across a last-level table boundary. */
		{
			unsigned long s = smallest(pgt->pgsize_bitmap);
			unsigned long span = s * f->leaf_entries;
			unsigned long iova = 3 * span - 5 * s;

			cur_ps = s;
			map_ok(pgt, iova, 0x100000, s, 10, RW);
			for (int i = 0; i < 10; i++)
				expect_phys(pgt, iova + i * s, 0x100000 + i * s, RW);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, s, 10), 10 * s);
		}
		destroy(pgt);
	}
}

static void test_unmap_hole(void **state)
{
	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);
		unsigned long s = smallest(pgt->pgsize_bitmap);

		for_each_pgsize(ps, pgt->pgsize_bitmap) {
			cur_ps = ps;
			CHECK_EQ(pgt->ops->unmap_pages(pgt, 0, ps, 1), 0);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, 5 * ps, ps, 4), 0);
		}
		cur_ps = s;
		/* A hole next to a mapping, and requests the format cannot take. */
		map_ok(pgt, 4 * s, 0, s, 1, RW);
		CHECK_EQ(pgt->ops->unmap_pages(pgt, 3 * s, s, 2), 0);
		CHECK_EQ(pgt->ops->unmap_pages(pgt, 4 * s + 512, s, 1), 0);
		CHECK_EQ(pgt->ops->unmap_pages(pgt, 4 * s, 3 * KiB, 1), 0);
		CHECK_EQ(pgt->ops->unmap_pages(pgt, 4 * s, s, 0), 0);
		expect_phys(pgt, 4 * s, 0, RW);
		CHECK_EQ(pgt->ops->unmap_pages(pgt, 4 * s, s, 1), s);
		destroy(pgt);
	}
}

static void test_block_not_split(void **state)
{
	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);
		unsigned long s = smallest(pgt->pgsize_bitmap);

		for_each_pgsize(b, pgt->pgsize_bitmap & ~s) {
			unsigned long iova = 2 * b;
			phys_addr_t pa = 3 * b;

			cur_ps = b;
			map_ok(pgt, iova, pa, b, 1, RW);
			/* Part of a block: nothing is unmapped, the block stays whole. */
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova + s, s, 1), 0);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, s, 1), 0);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, s, b / s - 1), 0);
			expect_phys(pgt, iova, pa, RW);
			expect_phys(pgt, iova + s + 9, pa + s + 9, RW);
			expect_phys(pgt, iova + b - 1, pa + b - 1, RW);
			/* Small pages covering all of it take it. */
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, s, b / s), b);
			expect_unmapped(pgt, iova);
			expect_unmapped(pgt, iova + b - 1);

			/* A block where unmaps left an empty table behind replaces the table. */
			map_ok(pgt, iova + 5 * s, 0, s, 2, RW);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova + 5 * s, s, 2), 2 * s);
			map_ok(pgt, iova, pa, b, 1, DMASIM_PROT_READ);
			expect_phys(pgt, iova + 5 * s, pa + 5 * s, DMASIM_PROT_READ);
			/*
			 * The displaced table may serve another region now: a page
			 * mapped back where it was must not land in it (a format may
			 * remember which table held a region's pages).
			 */
			map_ok(pgt, iova + 8 * b, 7 * b, s, 1, RW);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, b, 1), b);
			map_ok(pgt, iova + 5 * s, 9 * b, s, 1, RW);
			expect_phys(pgt, iova + 5 * s, 9 * b, RW);
			expect_phys(pgt, iova + 8 * b, 7 * b, RW);
			expect_unmapped(pgt, iova + 8 * b + 5 * s);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova + 5 * s, s, 1), s);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova + 8 * b, s, 1), s);
			/* A block-sized unmap over small pages unmaps all of them. */
			map_ok(pgt, iova + s, 0, s, 1, RW);
			map_ok(pgt, iova + b - s, 0, s, 1, RW);
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, b, 1), b);
			expect_unmapped(pgt, iova + s);
			expect_unmapped(pgt, iova + b - s);
			/* ...and over nothing, it is a hole. */
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, b, 1), 0);
		}
		destroy(pgt);
	}
}

static void check_walk_in_ram(const struct fmt *f, struct dmasim_pgtable *pgt,
			      const struct dmasim_pgtable_walk *w)
{
	CHECK(w->nr_levels >= 1 && w->nr_levels <= pgt->levels);
	CHECK_EQ(w->level[0].table, pgt->root);
	for (unsigned int i = 0; i < w->nr_levels; i++) {
		phys_addr_t at = w->level[i].table + (phys_addr_t)w->level[i].index * f->entry_size;
		unsigned char *ram = dmasim__ram_ptr(ctx.p, at);
		u64 entry = 0;

		/* The entry the walk reports is the one in simulated RAM, at table + index. */
		CHECK(ram != NULL);
		if (f->entry_size == 8) {
			memcpy(&entry, ram, 8);
		} else {
			u32 e32;

			memcpy(&e32, ram, 4);
			entry = e32;
		}
		CHECK_EQ(w->level[i].entry, entry);
		if (i + 1 < w->nr_levels) {
			CHECK_EQ(w->level[i].entry & f->table_mask, w->level[i + 1].table);
			CHECK(w->level[i].shift > w->level[i + 1].shift);
		}
	}
}

static void test_walk(void **state)
{
	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);
		unsigned long s = smallest(pgt->pgsize_bitmap);

		for_each_pgsize(ps, pgt->pgsize_bitmap) {
			unsigned long iova = 6 * ps;
			phys_addr_t pa = 9 * ps;
			struct dmasim_pgtable_walk w;
			unsigned int last;

			cur_ps = ps;
			map_ok(pgt, iova, pa, ps, 1, DMASIM_PROT_WRITE | DMASIM_PROT_PRIV);
			CHECK_EQ(pgt->ops->walk(pgt, iova + 0x42, &w), 0);
			CHECK(w.mapped);
			CHECK_EQ(w.phys, pa + 0x42);
			CHECK_EQ(w.pgsize, ps);
			CHECK_EQ(w.prot, DMASIM_PROT_WRITE | DMASIM_PROT_PRIV);
			if (ps == s)
				CHECK_EQ(w.nr_levels, pgt->levels);
			else
				CHECK(w.nr_levels < pgt->levels);
			last = w.nr_levels - 1;
			CHECK_EQ(1UL << w.level[last].shift, ps);
			CHECK_EQ(w.level[last].index, (iova >> w.level[last].shift) &
							  ((ps == s ? f->leaf_entries : 1u << 30) - 1));
			check_walk_in_ram(f, pgt, &w);

			/* Unmapped: the walk still shows where it stopped. */
			CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, ps, 1), ps);
			CHECK_EQ(pgt->ops->walk(pgt, iova, &w), -ENOENT);
			CHECK(!w.mapped);
			CHECK_EQ(w.nr_levels, last + 1);
			CHECK_EQ(w.level[last].entry, 0);
			check_walk_in_ram(f, pgt, &w);
		}
		/* Far from anything mapped, the walk stops at the first empty entry. */
		{
			struct dmasim_pgtable_walk w;

			cur_ps = 0;
			CHECK_EQ(pgt->ops->walk(pgt, (1UL << pgt->ias) - 1, &w), -ENOENT);
			CHECK_EQ(w.nr_levels, 1);
			CHECK_EQ(w.level[0].entry, 0);
			check_walk_in_ram(f, pgt, &w);
		}
		destroy(pgt);
	}
}

static void test_ranges(void **state)
{
	for_each_format(f) {
		unsigned int narrow = f->max_ias == 48 ? 39 : 24;
		const unsigned int iases[] = { 0, narrow };

		for (size_t k = 0; k < ARRAY_SIZE(iases); k++) {
			struct dmasim_pgtable *pgt = mk_cfg(f, 0, iases[k], 0, "");
			unsigned long top;
			phys_addr_t phys;

			CHECK(pgt != NULL);
			top = 1UL << pgt->ias;
			for_each_pgsize(ps, pgt->pgsize_bitmap) {
				cur_ps = ps;
				CHECK_EQ(map(pgt, top, 0, ps, 1, RW, NULL), -EINVAL);
				CHECK_EQ(map(pgt, top - ps, 0, ps, 2, RW, NULL), -EINVAL);
				CHECK_EQ(map(pgt, ~0UL & ~(ps - 1), 0, ps, 1, RW, NULL), -EINVAL);
				map_ok(pgt, top - ps, 0, ps, 1, RW);
				expect_phys(pgt, top - 1, ps - 1, RW);
				CHECK_EQ(pgt->ops->unmap_pages(pgt, top, ps, 1), 0);
				CHECK_EQ(pgt->ops->unmap_pages(pgt, top - ps, ps, 1), ps);
				/* Misaligned, unsupported, empty. */
				CHECK_EQ(map(pgt, ps + ps / 2, 0, ps, 1, RW, NULL), -EINVAL);
				CHECK_EQ(map(pgt, ps, ps / 2, ps, 1, RW, NULL), -EINVAL);
				CHECK_EQ(map(pgt, ps, 0, ps, 0, RW, NULL), -EINVAL);
				CHECK_EQ(map(pgt, ps, 0, 3 * ps, 1, RW, NULL), -EINVAL);
			}
			cur_ps = 4 * KiB;
			CHECK_EQ(map(pgt, 0, 0, 64 * KiB, 1, RW, NULL), -EINVAL);
			CHECK_EQ(pgt->ops->iova_to_phys(pgt, top, &phys, NULL), -ENOENT);
			CHECK_EQ(pgt->ops->iova_to_phys(pgt, ~0UL, &phys, NULL), -ENOENT);
			destroy(pgt);
		}

		/* Output addresses beyond oas. */
		{
			struct dmasim_pgtable *pgt = mk(f);
			u64 top = 1ULL << pgt->oas;

			cur_ps = 4 * KiB;
			CHECK_EQ(map(pgt, 0x10000, top, 4 * KiB, 1, RW, NULL), -EINVAL);
			CHECK_EQ(map(pgt, 0x10000, top - 4 * KiB, 4 * KiB, 2, RW, NULL), -EINVAL);
			map_ok(pgt, 0x10000, top - 4 * KiB, 4 * KiB, 1, RW);
			expect_phys(pgt, 0x10fff, top - 1, RW);
			destroy(pgt);
		}
		if (f->max_oas == 48) {
			struct dmasim_pgtable *pgt = mk_cfg(f, 0, 0, 40, "");

			CHECK(pgt != NULL);
			CHECK_EQ(pgt->oas, 40);
			CHECK_EQ(map(pgt, 0x10000, 1ULL << 40, 4 * KiB, 1, RW, NULL), -EINVAL);
			map_ok(pgt, 0x10000, (1ULL << 40) - 4 * KiB, 4 * KiB, 1, RW);
			destroy(pgt);
		}
	}
	/* v7s: a 32-bit format takes no physical address at or above 4 GiB. */
	{
		struct dmasim_pgtable *pgt = mk(&formats[1]);

		cur_ps = MiB;
		CHECK_EQ(map(pgt, MiB, 4 * GiB, MiB, 1, RW, NULL), -EINVAL);
		CHECK_EQ(map(pgt, MiB, 5 * GiB, 4 * KiB, 1, RW, NULL), -EINVAL);
		CHECK_EQ(map(pgt, MiB, 4 * GiB - MiB, MiB, 1, RW, NULL), 0);
		destroy(pgt);
	}
}

static void test_free_and_enomem(void **state)
{
	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);
		unsigned long s = smallest(pgt->pgsize_bitmap);
		unsigned long span = s * f->leaf_entries;
		unsigned long seed = 1;
		size_t mapped = 999;
		long before;

		cur_ps = s;
		/* Scattered pages: many tables, all released by free(). */
		for (int i = 0; i < 200; i++) {
			unsigned long iova;

			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			/* Above the first 16 leaf tables' span, which the ENOMEM case needs empty. */
			iova = 16 * span + ((seed >> 20) % ((1UL << pgt->ias) - 32 * span));
			iova &= ~(s - 1);
			if (map(pgt, iova, iova & 0xffffffffUL, s, 1, RW, NULL) != 0)
				CHECK(map(pgt, iova, 0, s, 1, RW, NULL) == -EEXIST);
		}
		CHECK(atomic_load(&ctx.nr_alloc) > 50);

		/* Out of table memory: the pages that fit stay mapped and are reported. */
		map_ok(pgt, 7 * span - 2 * s, 0, s, 1, RW);
		ctx.fail_at = atomic_load(&ctx.nr_alloc);
		before = ctx.fail_at;
		CHECK_EQ(map(pgt, 7 * span - s, 0, s, 4, RW, &mapped), -ENOMEM);
		CHECK_EQ(mapped, s);
		expect_phys(pgt, 7 * span - s, 0, RW);
		expect_unmapped(pgt, 7 * span);
		CHECK_EQ(atomic_load(&ctx.nr_alloc), before);
		ctx.fail_at = -1;
		map_ok(pgt, 7 * span, 0, s, 3, RW);
		destroy(pgt);

		/* A failing root allocation fails alloc() cleanly. */
		ctx.fail_at = atomic_load(&ctx.nr_alloc);
		CHECK(mk_cfg(f, 0, 0, 0, "") == NULL);
		ctx.fail_at = -1;
		CHECK_EQ(atomic_load(&ctx.nr_alloc), atomic_load(&ctx.nr_free));
	}
}

/* ---- random stress against a shadow model ------------------------------------------ */

struct leaf {
	unsigned long iova;
	unsigned long size;
	phys_addr_t paddr;
	int prot;
};

struct shadow {
	struct leaf *v;
	size_t n, max;
};

static u64 rng_state;

static u64 rnd(void)
{
	/* xorshift64*: reproducible, independent of the C library's rand(). */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static long sh_find(const struct shadow *sh, unsigned long iova)
{
	for (size_t i = 0; i < sh->n; i++)
		if (iova >= sh->v[i].iova && iova - sh->v[i].iova < sh->v[i].size)
			return (long)i;
	return -1;
}

static bool sh_overlaps(const struct shadow *sh, unsigned long iova, unsigned long size)
{
	for (size_t i = 0; i < sh->n; i++)
		if (iova < sh->v[i].iova + sh->v[i].size && sh->v[i].iova < iova + size)
			return true;
	return false;
}

static void sh_del(struct shadow *sh, size_t i)
{
	sh->v[i] = sh->v[--sh->n];
}

static size_t sh_del_range(struct shadow *sh, unsigned long iova, unsigned long size)
{
	size_t n = 0;

	for (size_t i = 0; i < sh->n;) {
		if (sh->v[i].iova >= iova && sh->v[i].iova < iova + size) {
			sh_del(sh, i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

static void sh_add(struct shadow *sh, struct leaf l)
{
	if (sh->n == sh->max) {
		sh->max = sh->max ? 2 * sh->max : 256;
		sh->v = realloc(sh->v, sh->max * sizeof(*sh->v));
		assert_non_null(sh->v);
	}
	sh->v[sh->n++] = l;
}

/* What unmap_pages() must return, applied to the model: the contract, step by step. */
static size_t sh_unmap(struct shadow *sh, unsigned long iova, unsigned long ps, size_t count)
{
	unsigned long end = iova + ps * count;
	size_t done = 0;

	while (iova < end) {
		long k = sh_find(sh, iova);

		if (k >= 0 && sh->v[k].size >= ps) {
			unsigned long size = sh->v[k].size;

			/* A leaf at least as large: whole, or not at all. */
			if (sh->v[k].iova != iova || end - iova < size)
				break;
			sh_del(sh, (size_t)k);
			iova += size;
			done += size;
			continue;
		}
		/* Smaller leaves under a @ps entry all go; none is a hole. */
		if (!sh_del_range(sh, iova, ps))
			break;
		iova += ps;
		done += ps;
	}
	return done;
}

static void sh_check(struct dmasim_pgtable *pgt, const struct shadow *sh, unsigned long iova)
{
	long k = sh_find(sh, iova);

	if (k < 0)
		expect_unmapped(pgt, iova);
	else
		expect_phys(pgt, iova, sh->v[k].paddr + (iova - sh->v[k].iova), sh->v[k].prot);
}

static void test_stress(void **state)
{
	static const int prots[] = { DMASIM_PROT_READ, DMASIM_PROT_WRITE, RW };

	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);
		unsigned long bitmap = pgt->pgsize_bitmap;
		unsigned int nsizes = (unsigned int)__builtin_popcountl(bitmap);
		unsigned long L = largest(bitmap);
		unsigned long base = L, wend = 5 * L; /* four largest pages of window */
		u64 pmask = (1ULL << (pgt->oas < 40 ? pgt->oas : 40)) - 1;
		struct shadow sh = { 0 };
		size_t nmaps = 0, nunmaps = 0, neexist = 0, nholes = 0;

		rng_state = 0x9e3779b97f4a7c15ULL;
		for (int op = 0; op < 5000; op++) {
			unsigned long ps = bitmap, iova, count, maxcount;
			unsigned int pick = (unsigned int)(rnd() % nsizes);

			while (pick--)
				ps &= ps - 1;
			ps &= -ps;
			cur_ps = ps;
			/* Small pages crowd the start of each large slot so sizes collide. */
			iova = base + (rnd() % 4) * L + (ps < L ? (rnd() % 64) * ps : 0);
			maxcount = ps == L ? 2 : 8;
			count = 1 + rnd() % maxcount;
			if (iova + count * ps > wend)
				count = (wend - iova) / ps;

			if (rnd() % 100 < 55) {
				phys_addr_t pa = (rnd() & pmask) & ~(u64)(ps - 1);
				int prot = prots[rnd() % 3] | (rnd() % 4 ? 0 : DMASIM_PROT_PRIV);
				size_t i, mapped = 999;
				int ret;

				for (i = 0; i < count; i++)
					if (sh_overlaps(&sh, iova + i * ps, ps))
						break;
				ret = map(pgt, iova, pa, ps, count, prot, &mapped);
				CHECK_EQ(ret, i < count ? -EEXIST : 0);
				CHECK_EQ(mapped, i * ps);
				for (size_t j = 0; j < i; j++)
					sh_add(&sh, (struct leaf){ iova + j * ps, ps, pa + j * ps, prot });
				nmaps++;
				neexist += i < count;
			} else {
				size_t want = sh_unmap(&sh, iova, ps, count);

				CHECK_EQ(pgt->ops->unmap_pages(pgt, iova, ps, count), want);
				nunmaps++;
				nholes += want == 0;
			}
			/* The range touched and a few random points agree with the model. */
			sh_check(pgt, &sh, iova);
			sh_check(pgt, &sh, iova + count * ps - 1);
			for (int k = 0; k < 4; k++)
				sh_check(pgt, &sh, base + rnd() % (wend - base));
			if (op % 500 == 499) {
				for (size_t k = 0; k < sh.n; k++) {
					sh_check(pgt, &sh, sh.v[k].iova);
					sh_check(pgt, &sh, sh.v[k].iova + sh.v[k].size - 1);
				}
			}
		}
		/* Every outcome happened, so the model was really exercised. */
		CHECK(nmaps > 1000 && nunmaps > 1000 && neexist > 50 && nholes > 50);
		while (sh.n) {
			struct leaf l = sh.v[sh.n - 1];

			cur_ps = l.size;
			CHECK_EQ(pgt->ops->unmap_pages(pgt, l.iova, l.size, 1), l.size);
			sh.n--;
			expect_unmapped(pgt, l.iova);
		}
		free(sh.v);
		destroy(pgt);
	}
}

/* ---- concurrency: disjoint ranges sharing intermediate tables ---------------------- */

struct worker {
	struct dmasim_pgtable *pgt;
	unsigned long start, size, stride, chunk; /* map [start + i*stride, +chunk) */
	unsigned long ps;
	phys_addr_t pbase;
	int errors;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	const struct dmasim_pgtable_ops *ops = w->pgt->ops;

	for (unsigned long off = 0; off < w->size; off += w->stride) {
		size_t mapped;

		if (ops->map_pages(w->pgt, w->start + off, w->pbase + off, w->ps, w->chunk / w->ps, RW,
				   &mapped) || mapped != w->chunk)
			w->errors++;
	}
	for (unsigned long off = 0; off < w->size; off += w->stride) {
		for (unsigned long in = 0; in < w->chunk; in += w->chunk / 4 + w->ps) {
			phys_addr_t phys;
			int prot;

			if (ops->iova_to_phys(w->pgt, w->start + off + in + 3, &phys, &prot) ||
			    phys != w->pbase + off + in + 3 || prot != RW)
				w->errors++;
		}
	}
	for (unsigned long off = 0; off < w->size; off += w->stride)
		if (ops->unmap_pages(w->pgt, w->start + off, w->ps, w->chunk / w->ps) != w->chunk)
			w->errors++;
	return NULL;
}

static void run_workers(struct worker *w, int n)
{
	pthread_t t[4];

	for (int i = 0; i < n; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(w[i].errors, 0);
	}
}

static void test_threads(void **state)
{
	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);
		unsigned long s = smallest(pgt->pgsize_bitmap);
		struct worker w[2];

		/* Two disjoint 1 GiB regions in small pages: both threads build the upper tables. */
		cur_ps = s;
		for (int i = 0; i < 2; i++)
			w[i] = (struct worker){ pgt, (1 + (unsigned long)i) * GiB, GiB, 512 * s,
						512 * s, s, (unsigned long)i * GiB, 0 };
		run_workers(w, 2);
		expect_unmapped(pgt, GiB);

		/* Interleaved 64 KiB chunks: the same last-level tables, disjoint entries. */
		for (int i = 0; i < 2; i++)
			w[i] = (struct worker){ pgt, 3 * GiB + (unsigned long)i * 64 * KiB, 16 * MiB,
						128 * KiB, 64 * KiB, s, 0x10000000, 0 };
		run_workers(w, 2);
		destroy(pgt);
	}
}

/*
 * Threads released together onto one empty upper entry, each mapping its own
 * page below it: all of them try to install the same new table, round after
 * round.  A lost installation loses the loser's page or leaks its table.
 */
#define RACE_THREADS 4
#define RACE_ROUNDS 200

struct racer {
	struct dmasim_pgtable *pgt;
	pthread_barrier_t *barrier;
	unsigned long span; /* what one upper entry covers */
	unsigned long ps;
	int id;
	int errors;
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	const struct dmasim_pgtable_ops *ops = r->pgt->ops;

	for (unsigned long round = 1; round <= RACE_ROUNDS; round++) {
		unsigned long iova = round * r->span + (unsigned long)r->id * (r->span / RACE_THREADS);
		size_t mapped;

		pthread_barrier_wait(r->barrier);
		if (ops->map_pages(r->pgt, iova, iova & 0xffffffffUL, r->ps, 1, RW, &mapped) ||
		    mapped != r->ps)
			r->errors++;
	}
	return NULL;
}

static void test_threads_race(void **state)
{
	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);
		unsigned long s = smallest(pgt->pgsize_bitmap);
		struct racer r[RACE_THREADS];
		pthread_t t[RACE_THREADS];
		pthread_barrier_t barrier;

		cur_ps = s;
		pthread_barrier_init(&barrier, NULL, RACE_THREADS);
		for (int i = 0; i < RACE_THREADS; i++) {
			r[i] = (struct racer){ pgt, &barrier, s * f->leaf_entries, s, i, 0 };
			assert_int_equal(pthread_create(&t[i], NULL, racer_run, &r[i]), 0);
		}
		for (int i = 0; i < RACE_THREADS; i++) {
			pthread_join(t[i], NULL);
			CHECK_EQ(r[i].errors, 0);
		}
		pthread_barrier_destroy(&barrier);
		for (unsigned long round = 1; round <= RACE_ROUNDS; round++) {
			for (int i = 0; i < RACE_THREADS; i++) {
				unsigned long iova = round * r[0].span + (unsigned long)i * (r[0].span / RACE_THREADS);

				expect_phys(pgt, iova + 5, (iova & 0xffffffffUL) + 5, RW);
			}
		}
		destroy(pgt);
	}
}


/* ---- flush callbacks (ABI 3): what a format tells the IOMMU ------------------ */

static struct {
	long all, walk, pages;
	unsigned long walk_iova, walk_size;
	unsigned long page_bytes, page_lo, page_hi;
} tlbc;

static void c_flush_all(void *cookie)
{
	CHECK(cookie == &tlbc);
	tlbc.all++;
}

static void c_flush_walk(unsigned long iova, size_t size, size_t granule, void *cookie)
{
	CHECK(cookie == &tlbc);
	CHECK(granule && size >= granule);
	tlbc.walk++;
	tlbc.walk_iova = iova;
	tlbc.walk_size = size;
}

static void c_add_page(unsigned long iova, size_t granule, void *cookie)
{
	CHECK(cookie == &tlbc);
	CHECK(!(iova & (granule - 1)));
	tlbc.pages++;
	tlbc.page_bytes += granule;
	if (iova < tlbc.page_lo)
		tlbc.page_lo = iova;
	if (iova + granule > tlbc.page_hi)
		tlbc.page_hi = iova + granule;
}

static const struct dmasim_pgtable_flush_ops counting_flush_ops = {
	.tlb_flush_all = c_flush_all,
	.tlb_flush_walk = c_flush_walk,
	.tlb_add_page = c_add_page,
};

static void tlbc_reset(void)
{
	memset(&tlbc, 0, sizeof(tlbc));
	tlbc.page_lo = ~0UL;
}

/*
 * Every leaf a format clears is reported once, with its size, a block as one
 * leaf; a block that replaces a table flushes the walk over it; free()
 * flushes everything.  (The kernel's io-pgtable-arm.c calls
 * io_pgtable_tlb_add_page() per unmapped leaf, io_pgtable_tlb_flush_walk()
 * before a table goes, and io_pgtable_tlb_flush_all() from
 * free_io_pgtable_ops().)
 */
static void test_flush_callbacks(void **state)
{
	for_each_format(f) {
		struct dmasim_pgtable_config cfg = {
			.alloc_table = t_alloc_table, .free_table = t_free_table, .ram = t_ram,
			.cookie = &ctx, .options = "", .tlb = &counting_flush_ops,
			.tlb_cookie = &tlbc,
		};
		struct dmasim_pgtable *pgt = f->ops->alloc(&cfg);
		unsigned long s, b;

		cur_fmt = f->ops->base.name;
		CHECK(pgt != NULL);
		pgt->ops = f->ops;
		s = smallest(pgt->pgsize_bitmap);
		b = (pgt->pgsize_bitmap & ~s) & -(pgt->pgsize_bitmap & ~s); /* the next size */
		cur_ps = s;
		tlbc_reset();

		/* Three pages: three reports, nothing else. */
		map_ok(pgt, 4 * b + s, 0, s, 3, RW);
		CHECK_EQ(tlbc.pages + tlbc.walk + tlbc.all, 0);
		CHECK_EQ(pgt->ops->unmap_pages(pgt, 4 * b + s, s, 3), 3 * s);
		CHECK_EQ(tlbc.pages, 3);
		CHECK_EQ(tlbc.page_bytes, 3 * s);
		CHECK_EQ(tlbc.page_lo, 4 * b + s);
		CHECK_EQ(tlbc.page_hi, 4 * b + 4 * s);
		/* A hole reports nothing. */
		CHECK_EQ(pgt->ops->unmap_pages(pgt, 4 * b + s, s, 1), 0);
		CHECK_EQ(tlbc.pages, 3);

		/* A block is one leaf. */
		tlbc_reset();
		map_ok(pgt, 6 * b, b, b, 1, RW);
		CHECK_EQ(pgt->ops->unmap_pages(pgt, 6 * b, b, 1), b);
		CHECK_EQ(tlbc.pages, 1);
		CHECK_EQ(tlbc.page_bytes, b);

		/* A block over the table the three pages left behind: the walk there is flushed. */
		tlbc_reset();
		map_ok(pgt, 4 * b, 2 * b, b, 1, RW);
		CHECK_EQ(tlbc.walk, 1);
		CHECK_EQ(tlbc.walk_iova, 4 * b);
		CHECK_EQ(tlbc.walk_size, b);
		CHECK_EQ(tlbc.pages, 0);

		tlbc_reset();
		destroy(pgt);
		CHECK_EQ(tlbc.all, 1);
	}
}

/* A format without callbacks (tlb = NULL, as every config before ABI 3) works as before. */
static void test_flush_callbacks_none(void **state)
{
	for_each_format(f) {
		struct dmasim_pgtable *pgt = mk(f);
		unsigned long s = smallest(pgt->pgsize_bitmap);

		map_ok(pgt, 8 * s, 0, s, 2, RW);
		CHECK_EQ(pgt->ops->unmap_pages(pgt, 8 * s, s, 2), 2 * s);
		destroy(pgt);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_config, reset),
		cmocka_unit_test_setup(test_roundtrip, reset),
		cmocka_unit_test_setup(test_prot, reset),
		cmocka_unit_test_setup(test_eexist, reset),
		cmocka_unit_test_setup(test_multi_partial, reset),
		cmocka_unit_test_setup(test_unmap_hole, reset),
		cmocka_unit_test_setup(test_block_not_split, reset),
		cmocka_unit_test_setup(test_walk, reset),
		cmocka_unit_test_setup(test_ranges, reset),
		cmocka_unit_test_setup(test_free_and_enomem, reset),
		cmocka_unit_test_setup(test_stress, reset),
		cmocka_unit_test_setup(test_threads, reset),
		cmocka_unit_test_setup(test_threads_race, reset),
		cmocka_unit_test_setup(test_flush_callbacks, reset),
		cmocka_unit_test_setup(test_flush_callbacks_none, reset),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
