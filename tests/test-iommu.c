/*
 * tests/test-iommu.c - the software IOMMU end to end: unmanaged domains and
 * the kernel's IOMMU API (iommu_map, walks, faults and fault handlers,
 * attach/detach, groups), DMA domains under the DMA API (masks, offsets,
 * permissions, scatter-gather merging, coherent and noncontiguous memory,
 * identity domains, the MSI window), strict versus lazy IOTLB invalidation,
 * bad input and IOVA exhaustion, and a multi-threaded stress run.
 *
 * Every test runs on each machine of the table below: page-table format x
 * IOVA allocator x invalidation mode, and asserts what a driver or a device
 * model can observe.
 */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "core/core.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

#define MSI_BASE 0x8000000ULL
#define MSI_END 0x8100000ULL

/* ---- the machines ------------------------------------------------------------- */

struct combo {
	const char *fmt;   /* iommu= */
	const char *iova;  /* iova= */
	const char *mode;  /* mode= */
	unsigned int esz;  /* bytes per page-table entry */
};

static const struct combo combos[] = {
	{ "arm-lpae-4k", "rbtree", "strict", 8 }, { "arm-lpae-4k", "rbtree", "lazy", 8 },
	{ "arm-lpae-4k", "bitmap", "strict", 8 }, { "arm-lpae-4k", "bitmap", "lazy", 8 },
	{ "arm-v7s", "rbtree", "strict", 4 },     { "arm-v7s", "rbtree", "lazy", 4 },
	{ "arm-v7s", "bitmap", "strict", 4 },     { "arm-v7s", "bitmap", "lazy", 4 },
	/*
	 * arm-lpae-4k as a user format built against ABI 2 would see it: it
	 * calls no flush callbacks, and the core must invalidate for it.
	 */
	{ "lpae-abi2", "rbtree", "strict", 8 },   { "lpae-abi2", "rbtree", "lazy", 8 },
};

/* The default format with an ABI 2 descriptor (registered by main()). */
static struct dmasim_pgtable_ops lpae_abi2;

static bool is_v7s(const struct combo *c)
{
	return !strcmp(c->fmt, "arm-v7s");
}

static bool is_lazy(const struct combo *c)
{
	return !strcmp(c->mode, "lazy");
}

static bool is_rbtree(const struct combo *c)
{
	return !strcmp(c->iova, "rbtree");
}

/* A platform of @c's kind; @extra adds words (ram=, fq=, ...). */
static struct dmasim_platform *cplat(const struct combo *c, const char *extra)
{
	char spec[256];
	struct dmasim_platform *p;

	snprintf(spec, sizeof(spec), "iommu=%s iova=%s mode=%s %s", c->fmt, c->iova, c->mode,
		 extra ? extra : "");
	p = tu_platform_on(TU_SOC, spec);
	if (!p)
		fail_msg("platform \"%s\" refused", spec);
	return p;
}

static struct device *mkdev(struct dmasim_platform *p, const char *spec)
{
	struct device *dev = dmasim_device_create(p, spec);

	if (!dev) {
		tu_log_dump();
		fail_msg("device \"%s\" refused", spec);
	}
	return dev;
}

/*
 * Test data: a pseudo-random reference buffer; the pattern of @seed is the
 * buffer from offset seed % 256.  Filling and checking are memcpy/memcmp, so
 * they stay cheap under the sanitizers.
 */
#define PAT_MAX (2 * MiB)
static unsigned char pat[PAT_MAX + 256];

static void pat_init(void)
{
	u64 x = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < sizeof(pat); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pat[i] = (unsigned char)(x >> 24);
	}
}

static void fill(void *buf, size_t len, unsigned int seed)
{
	assert_true(len <= PAT_MAX);
	memcpy(buf, pat + seed % 256, len);
}

static bool matches(const void *buf, size_t len, unsigned int seed)
{
	return len <= PAT_MAX && !memcmp(buf, pat + seed % 256, len);
}

/* The most recent fault; fails the test if none was recorded. */
static struct dmasim_fault last_fault(struct dmasim_platform *p)
{
	struct dmasim_fault f[1];

	assert_int_equal(dmasim_iommu_faults(p, f, 1), 1);
	return f[0];
}

static unsigned long nfaults(struct dmasim_platform *p)
{
	struct dmasim_iommu_stats st;

	assert_int_equal(dmasim_iommu_get_stats(p, &st), 0);
	return st.faults;
}

static u64 iova_allocated(struct device *dev)
{
	struct dmasim_iova_stats st;

	assert_int_equal(dmasim_iommu_iova_stats(iommu_get_domain_for_dev(dev), &st), 0);
	return st.allocated;
}

/* ---- 1. unmanaged domains and the IOMMU API ---------------------------------------- */

struct fh_rec {
	int calls;
	struct iommu_domain *dom;
	struct device *dev;
	unsigned long iova;
	int flags;
	int ret;
};

static int fault_cb(struct iommu_domain *dom, struct device *dev, unsigned long iova, int flags,
		    void *token)
{
	struct fh_rec *r = token;

	r->calls++;
	r->dom = dom;
	r->dev = dev;
	r->iova = iova;
	r->flags = flags;
	return r->ret;
}

/* The walk's raw entries are the bytes of the tables in simulated RAM. */
static void check_walk_bytes(struct dmasim_platform *p, const struct combo *c,
			     const struct dmasim_pgtable_walk *w)
{
	for (unsigned int i = 0; i < w->nr_levels; i++) {
		u64 raw = 0;

		memcpy(&raw, dmasim__ram_ptr(p, w->level[i].table + (u64)w->level[i].index * c->esz),
		       c->esz);
		assert_int_equal(raw, w->level[i].entry);
	}
}

static void test_unmanaged_blocked_and_perms(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=um domain=unmanaged");
	struct iommu_domain *dom;
	struct page *pr = alloc_page(GFP_KERNEL), *pw = alloc_page(GFP_KERNEL);
	struct page *prw = alloc_page(GFP_KERNEL);
	const unsigned long ir = 0x100000, iw = 0x101000, irw = 0x102000;
	unsigned char buf[256], got[256];
	struct dmasim_fault f;
	phys_addr_t phys;

	assert_non_null(pr);
	assert_non_null(pw);
	assert_non_null(prw);
	/* Before any attach, the device is blocked: every access faults. */
	assert_null(iommu_get_domain_for_dev(dev));
	assert_int_equal(dmasim_dev_read(dev, ir, got, 16), -EFAULT);
	f = last_fault(p);
	assert_int_equal(f.reason, DMASIM_FAULT_BLOCKED);
	assert_ptr_equal(f.dev, dev);
	assert_int_equal(f.iova, ir);
	assert_int_equal(f.flags, IOMMU_FAULT_READ);
	assert_int_equal(dmasim_dev_write(dev, ir, got, 16), -EFAULT);
	assert_int_equal(last_fault(p).reason, DMASIM_FAULT_BLOCKED);
	assert_int_equal(last_fault(p).flags, IOMMU_FAULT_WRITE);
	/* No DMA API for an unmanaged device. */
	{
		unsigned long errs = dmasim_debug_errors(p);
		void *kbuf = kmalloc(64, GFP_KERNEL);
		dma_addr_t h = dma_map_single(dev, kbuf, 64, DMA_TO_DEVICE);

		assert_true(dma_mapping_error(dev, h));
		assert_true(dmasim_debug_errors(p) > errs);
		kfree(kbuf);
	}

	dom = iommu_domain_alloc(dev);
	assert_non_null(dom);
	assert_int_equal(dom->type, IOMMU_DOMAIN_UNMANAGED);
	assert_true(dom->pgsize_bitmap & 0x1000);
	if (is_v7s(c))
		assert_int_equal(dom->geometry.aperture_end, 0xffffffffULL);
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	assert_ptr_equal(iommu_get_domain_for_dev(dev), dom);
	assert_int_equal(iommu_map(dom, ir, page_to_phys(pr), PAGE_SIZE, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(iommu_map(dom, iw, page_to_phys(pw), PAGE_SIZE, IOMMU_WRITE, GFP_KERNEL), 0);
	assert_int_equal(iommu_map(dom, irw, page_to_phys(prw), PAGE_SIZE, IOMMU_READ | IOMMU_WRITE,
				   GFP_KERNEL), 0);

	/* Read-only: the device reads what the CPU wrote, cannot write. */
	fill(page_address(pr), PAGE_SIZE, 11);
	assert_int_equal(dmasim_dev_read(dev, ir + 100, got, sizeof(got)), 0);
	assert_memory_equal(got, (char *)page_address(pr) + 100, sizeof(got));
	assert_int_equal(dmasim_dev_write(dev, ir, buf, 8), -EPERM);
	f = last_fault(p);
	assert_int_equal(f.reason, DMASIM_FAULT_PERMISSION);
	assert_int_equal(f.flags, IOMMU_FAULT_WRITE);
	assert_true(matches(page_address(pr), PAGE_SIZE, 11));
	/* Write-only: the device writes RAM, cannot read. */
	fill(buf, sizeof(buf), 22);
	memset(page_address(pw), 0, PAGE_SIZE);
	assert_int_equal(dmasim_dev_write(dev, iw + 0xf00, buf, sizeof(buf)), 0);
	assert_memory_equal((char *)page_address(pw) + 0xf00, buf, sizeof(buf));
	assert_int_equal(dmasim_dev_read(dev, iw, got, 8), -EPERM);
	f = last_fault(p);
	assert_int_equal(f.reason, DMASIM_FAULT_PERMISSION);
	assert_int_equal(f.flags, IOMMU_FAULT_READ);
	/* Both, and an access crossing from the write-only page into the read-write one. */
	fill(buf, sizeof(buf), 33);
	assert_int_equal(dmasim_dev_write(dev, irw, buf, sizeof(buf)), 0);
	assert_int_equal(dmasim_dev_read(dev, irw, got, sizeof(got)), 0);
	assert_memory_equal(got, buf, sizeof(buf));
	assert_memory_equal(page_address(prw), buf, sizeof(buf));
	assert_int_equal(dmasim_dev_write(dev, irw - 16, buf, 32), 0);
	assert_memory_equal((char *)page_address(pw) + PAGE_SIZE - 16, buf, 16);
	assert_memory_equal(page_address(prw), buf + 16, 16);

	/* Translation queries. */
	assert_int_equal(iommu_iova_to_phys(dom, ir + 0x10), page_to_phys(pr) + 0x10);
	assert_int_equal(dmasim_iommu_iova_to_phys(dom, irw + 0xabc, &phys), 0);
	assert_int_equal(phys, page_to_phys(prw) + 0xabc);
	assert_int_equal(dmasim_iommu_iova_to_phys(dom, 0x200000, &phys), -ENOENT);
	assert_int_equal(iommu_iova_to_phys(dom, 0x200000), 0);

	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);
	__free_page(pr);
	__free_page(pw);
	__free_page(prw);
	dmasim_platform_destroy(p);
}

static void test_unmanaged_walk(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=walk domain=unmanaged");
	struct iommu_domain *dom = iommu_domain_alloc(dev);
	const struct dmasim_pgtable *pgt;
	struct dmasim_pgtable_walk w;
	struct page *pg = alloc_page(GFP_KERNEL), *blk;
	/* arm-lpae-4k: a 2 MiB block; arm-v7s: a 1 MiB section. */
	const size_t bsz = is_v7s(c) ? MiB : 2 * MiB;
	const unsigned int border = is_v7s(c) ? 8 : 9;
	const unsigned long biova = 0x40000000;
	unsigned char got[64];

	assert_non_null(dom);
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	pgt = dmasim_iommu_domain_pgtable(dom);
	assert_non_null(pgt);
	assert_int_equal(pgt->levels, is_v7s(c) ? 2 : 4);

	/* A 4 KiB page: a full walk. */
	assert_int_equal(iommu_map(dom, 0x123000, page_to_phys(pg), PAGE_SIZE,
				   IOMMU_READ | IOMMU_WRITE, GFP_KERNEL), 0);
	assert_int_equal(dmasim_iommu_walk(dom, 0x123456, &w), 0);
	assert_true(w.mapped);
	assert_int_equal(w.nr_levels, is_v7s(c) ? 2 : 4);
	assert_int_equal(w.pgsize, PAGE_SIZE);
	assert_int_equal(w.phys, page_to_phys(pg) + 0x456);
	assert_int_equal(w.prot & (DMASIM_PROT_READ | DMASIM_PROT_WRITE),
			 DMASIM_PROT_READ | DMASIM_PROT_WRITE);
	assert_int_equal(w.level[0].table, pgt->root);
	check_walk_bytes(p, c, &w);

	/* A block: fewer levels. */
	blk = alloc_pages(GFP_KERNEL, border);
	assert_non_null(blk);
	assert_int_equal(page_to_phys(blk) & (bsz - 1), 0);
	assert_int_equal(iommu_map(dom, biova, page_to_phys(blk), bsz, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(dmasim_iommu_walk(dom, biova + 0x12345, &w), 0);
	assert_true(w.mapped);
	assert_int_equal(w.nr_levels, is_v7s(c) ? 1 : 3);
	assert_int_equal(w.pgsize, bsz);
	assert_int_equal(w.phys, page_to_phys(blk) + 0x12345);
	check_walk_bytes(p, c, &w);
	fill(page_address(blk), bsz, 44);
	assert_int_equal(dmasim_dev_read(dev, biova + bsz - 32, got, 32), 0);
	assert_memory_equal(got, (char *)page_address(blk) + bsz - 32, 32);

	/* Unmapped: -ENOENT, and the walk still shows where it stopped. */
	assert_int_equal(dmasim_iommu_walk(dom, 0x7000000, &w), -ENOENT);
	assert_false(w.mapped);
	assert_true(w.nr_levels >= 1);
	check_walk_bytes(p, c, &w);

	assert_int_equal(iommu_unmap(dom, biova, bsz), bsz);
	assert_int_equal(iommu_unmap(dom, 0x123000, PAGE_SIZE), PAGE_SIZE);
	__free_pages(blk, border);

	/* Mixed sizes: a page up to the block boundary, a block, a page after it. */
	blk = alloc_pages(GFP_KERNEL, border + 1);
	assert_non_null(blk);
	{
		const unsigned long mi = 2 * bsz - PAGE_SIZE;
		const phys_addr_t mp = page_to_phys(blk) + bsz - PAGE_SIZE;
		const size_t msz = bsz + 2 * PAGE_SIZE;

		assert_int_equal(iommu_map(dom, mi, mp, msz, IOMMU_READ, GFP_KERNEL), 0);
		assert_int_equal(dmasim_iommu_walk(dom, mi, &w), 0);
		assert_int_equal(w.pgsize, PAGE_SIZE);
		assert_int_equal(dmasim_iommu_walk(dom, 2 * bsz, &w), 0);
		assert_int_equal(w.pgsize, bsz);
		assert_int_equal(w.phys, mp + PAGE_SIZE);
		assert_int_equal(dmasim_iommu_walk(dom, 3 * bsz + 0x10, &w), 0);
		assert_int_equal(w.pgsize, PAGE_SIZE);
		assert_int_equal(w.phys, mp + PAGE_SIZE + bsz + 0x10);
		assert_int_equal(iommu_unmap(dom, mi, msz), msz);
		assert_int_equal(dmasim_iommu_walk(dom, 2 * bsz, &w), -ENOENT);
	}
	assert_int_equal(dmasim_iommu_walk(dom, 0x123000, &w), -ENOENT);
	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);
	__free_pages(blk, border + 1);
	__free_page(pg);
	dmasim_platform_destroy(p);
}

static void test_unmanaged_bad_maps(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=bad domain=unmanaged");
	struct iommu_domain *dom = iommu_domain_alloc(dev);
	struct page *a = alloc_pages(GFP_KERNEL, 1), *b = alloc_page(GFP_KERNEL);
	phys_addr_t phys;
	unsigned long errs;
	unsigned char got[8];

	assert_non_null(dom);
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	assert_int_equal(iommu_map(dom, 0x200000, page_to_phys(a), 2 * PAGE_SIZE, IOMMU_READ,
				   GFP_KERNEL), 0);
	fill(page_address(a), 2 * PAGE_SIZE, 5);

	/* Overlaps: -EEXIST, nothing changes, the old mapping still translates. */
	errs = dmasim_debug_errors(p);
	assert_int_equal(iommu_map(dom, 0x201000, page_to_phys(b), PAGE_SIZE, IOMMU_READ, GFP_KERNEL),
			 -EEXIST);
	assert_true(dmasim_debug_errors(p) > errs);
	assert_int_equal(iommu_map(dom, 0x1ff000, page_to_phys(b), 2 * PAGE_SIZE, IOMMU_READ,
				   GFP_KERNEL), -EEXIST);
	assert_int_equal(dmasim_iommu_iova_to_phys(dom, 0x1ff000, &phys), -ENOENT);
	assert_int_equal(iommu_iova_to_phys(dom, 0x201000), page_to_phys(a) + PAGE_SIZE);
	assert_int_equal(dmasim_dev_read(dev, 0x201000, got, sizeof(got)), 0);
	assert_memory_equal(got, (char *)page_address(a) + PAGE_SIZE, sizeof(got));

	/* Unmapping what was never mapped unmaps nothing. */
	assert_int_equal(iommu_unmap(dom, 0x300000, PAGE_SIZE), 0);
	/* Alignment: iova, paddr and size. */
	assert_int_equal(iommu_map(dom, 0x400800, page_to_phys(b), PAGE_SIZE, IOMMU_READ, GFP_KERNEL),
			 -EINVAL);
	assert_int_equal(iommu_map(dom, 0x400000, page_to_phys(b) + 0x10, PAGE_SIZE, IOMMU_READ,
				   GFP_KERNEL), -EINVAL);
	assert_int_equal(iommu_map(dom, 0x400000, page_to_phys(b), 100, IOMMU_READ, GFP_KERNEL),
			 -EINVAL);
	assert_int_equal(iommu_map(dom, 0x400000, page_to_phys(b), 0, IOMMU_READ, GFP_KERNEL), -EINVAL);
	/* Outside the aperture (v7s: at 4 GiB), and straddling its end. */
	assert_int_equal(iommu_map(dom, (unsigned long)dom->geometry.aperture_end + 1, page_to_phys(b),
				   PAGE_SIZE, IOMMU_READ, GFP_KERNEL), -EINVAL);
	assert_int_equal(iommu_map(dom, (unsigned long)dom->geometry.aperture_end + 1 - PAGE_SIZE,
				   page_to_phys(b), 2 * PAGE_SIZE, IOMMU_READ, GFP_KERNEL), -EINVAL);
	if (is_v7s(c))
		assert_int_equal(iommu_map(dom, 0x100000000UL, page_to_phys(b), PAGE_SIZE, IOMMU_READ,
					   GFP_KERNEL), -EINVAL);
	assert_int_equal(dmasim_dev_read(dev, (dma_addr_t)dom->geometry.aperture_end + 1, got, 1),
			 -EFAULT);
	assert_int_equal(last_fault(p).reason, DMASIM_FAULT_APERTURE);
	/* The last granule of the aperture works. */
	assert_int_equal(iommu_map(dom, (unsigned long)dom->geometry.aperture_end + 1 - PAGE_SIZE,
				   page_to_phys(b), PAGE_SIZE, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(iommu_unmap(dom, (unsigned long)dom->geometry.aperture_end + 1 - PAGE_SIZE,
				     PAGE_SIZE), PAGE_SIZE);

	/* iommu_unmap() is strict, even in lazy mode: no stale IOTLB entry. */
	assert_int_equal(dmasim_dev_read(dev, 0x200000, got, sizeof(got)), 0); /* fills the IOTLB */
	assert_int_equal(iommu_unmap(dom, 0x200000, 2 * PAGE_SIZE), 2 * PAGE_SIZE);
	assert_int_equal(dmasim_dev_read(dev, 0x200000, got, sizeof(got)), -EFAULT);
	assert_int_equal(last_fault(p).reason, DMASIM_FAULT_UNMAPPED);
	/* And the range can be reused at once. */
	assert_int_equal(iommu_map(dom, 0x200000, page_to_phys(b), PAGE_SIZE, IOMMU_READ, GFP_KERNEL), 0);
	fill(page_address(b), PAGE_SIZE, 9);
	assert_int_equal(dmasim_dev_read(dev, 0x200000, got, sizeof(got)), 0);
	assert_true(matches(got, sizeof(got), 9));
	assert_int_equal(iommu_unmap(dom, 0x200000, PAGE_SIZE), PAGE_SIZE);

	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);
	__free_pages(a, 1);
	__free_page(b);
	dmasim_platform_destroy(p);
}

static void test_unmanaged_fault_handler(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=fh domain=unmanaged");
	struct iommu_domain *dom = iommu_domain_alloc(dev);
	struct page *pg = alloc_page(GFP_KERNEL);
	struct fh_rec rec = { 0 };
	struct dmasim_fault f[4];
	unsigned long errs, base;
	unsigned char got[8];

	assert_non_null(dom);
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	assert_int_equal(iommu_map(dom, 0x10000, page_to_phys(pg), PAGE_SIZE, IOMMU_READ, GFP_KERNEL), 0);
	iommu_set_fault_handler(dom, fault_cb, &rec);
	base = nfaults(p);

	/* Handled faults (return 0) are not misuse reports. */
	errs = dmasim_debug_errors(p);
	assert_int_equal(dmasim_dev_read(dev, 0x50000, got, sizeof(got)), -EFAULT);
	assert_int_equal(rec.calls, 1);
	assert_ptr_equal(rec.dom, dom);
	assert_ptr_equal(rec.dev, dev);
	assert_int_equal(rec.iova, 0x50000);
	assert_int_equal(rec.flags, IOMMU_FAULT_READ);
	assert_int_equal(dmasim_dev_write(dev, 0x10008, got, sizeof(got)), -EPERM);
	assert_int_equal(rec.calls, 2);
	assert_int_equal(rec.iova, 0x10008);
	assert_int_equal(rec.flags, IOMMU_FAULT_WRITE);
	assert_int_equal(dmasim_debug_errors(p), errs);

	/* A handler that declines: the fault is reported. */
	rec.ret = -ENOSYS;
	assert_int_equal(dmasim_dev_write(dev, 0x60000, got, sizeof(got)), -EFAULT);
	assert_int_equal(rec.calls, 3);
	assert_int_equal(rec.flags, IOMMU_FAULT_WRITE);
	assert_int_equal(dmasim_debug_errors(p), errs + 1);
	/* No handler: reported too. */
	iommu_set_fault_handler(dom, NULL, NULL);
	tu_log_clear();
	assert_int_equal(dmasim_dev_read(dev, 0x70000, got, sizeof(got)), -EFAULT);
	assert_int_equal(rec.calls, 3);
	assert_int_equal(dmasim_debug_errors(p), errs + 2);
	assert_log_has("IOMMU fault");

	/* The record: in order, with reasons, numbered. */
	assert_int_equal(nfaults(p), base + 4);
	assert_int_equal(dmasim_iommu_faults(p, f, 4), 4);
	assert_int_equal(f[0].iova, 0x50000);
	assert_int_equal(f[0].reason, DMASIM_FAULT_UNMAPPED);
	assert_int_equal(f[0].flags, IOMMU_FAULT_READ);
	assert_int_equal(f[1].iova, 0x10008);
	assert_int_equal(f[1].reason, DMASIM_FAULT_PERMISSION);
	assert_int_equal(f[1].flags, IOMMU_FAULT_WRITE);
	assert_int_equal(f[2].iova, 0x60000);
	assert_int_equal(f[2].reason, DMASIM_FAULT_UNMAPPED);
	assert_int_equal(f[3].iova, 0x70000);
	for (int i = 0; i < 4; i++) {
		assert_ptr_equal(f[i].dev, dev);
		assert_int_equal(f[i].seq, base + 1 + (unsigned long)i);
	}
	/* The ring keeps the newest when more are asked for than exist... */
	{
		struct dmasim_fault all[80];
		int n = dmasim_iommu_faults(p, all, 80);

		assert_int_equal(n, (int)(base + 4));
		assert_int_equal(all[n - 1].seq, base + 4);
	}
	/* ...and only the newest 64 after many. */
	for (int i = 0; i < 70; i++)
		assert_int_equal(dmasim_dev_read(dev, 0x80000 + (dma_addr_t)i * PAGE_SIZE, got, 1),
				 -EFAULT);
	{
		struct dmasim_fault all[80];
		int n = dmasim_iommu_faults(p, all, 80);

		assert_true(n <= 64 && n > 0);
		assert_int_equal(all[n - 1].iova, 0x80000 + 69 * PAGE_SIZE);
		for (int i = 1; i < n; i++)
			assert_int_equal(all[i].seq, all[i - 1].seq + 1);
	}

	assert_int_equal(iommu_unmap(dom, 0x10000, PAGE_SIZE), PAGE_SIZE);
	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);
	__free_page(pg);
	dmasim_platform_destroy(p);
}

static void test_unmanaged_attach_detach(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *um = mkdev(p, "name=um domain=unmanaged");
	struct device *dd = mkdev(p, "name=dd");
	struct device *nodev = mkdev(p, "name=direct iommu=0");
	struct iommu_domain *dom = iommu_domain_alloc(um), *def;
	struct page *pg = alloc_page(GFP_KERNEL);
	struct iommu_group *g1, *g2;
	unsigned long errs;
	unsigned char got[8];
	void *kbuf;
	dma_addr_t h;

	assert_non_null(dom);
	assert_null(iommu_domain_alloc(nodev));
	assert_int_equal(iommu_attach_device(dom, nodev), -ENODEV);
	assert_int_equal(iommu_attach_device(dom, um), 0);
	/* A second attach while attached. */
	assert_int_equal(iommu_attach_device(dom, um), -EBUSY);
	assert_int_equal(iommu_map(dom, 0x10000, page_to_phys(pg), PAGE_SIZE,
				   IOMMU_READ | IOMMU_WRITE, GFP_KERNEL), 0);
	fill(page_address(pg), PAGE_SIZE, 3);

	/* Freeing a domain in use is refused, with a report; it keeps working. */
	errs = dmasim_debug_errors(p);
	tu_log_clear();
	iommu_domain_free(dom);
	assert_int_equal(dmasim_debug_errors(p), errs + 1);
	assert_log_has("still attached");
	assert_int_equal(dmasim_dev_read(um, 0x10000, got, sizeof(got)), 0);
	assert_true(matches(got, sizeof(got), 3));

	/* Detach: back to blocked. */
	iommu_detach_device(dom, um);
	assert_null(iommu_get_domain_for_dev(um));
	assert_int_equal(dmasim_dev_read(um, 0x10000, got, sizeof(got)), -EFAULT);
	assert_int_equal(last_fault(p).reason, DMASIM_FAULT_BLOCKED);
	/* Detaching again is a report, not a crash. */
	errs = dmasim_debug_errors(p);
	iommu_detach_device(dom, um);
	assert_int_equal(dmasim_debug_errors(p), errs + 1);

	/* A DMA-domain device may be attached while it is in its default domain. */
	def = iommu_get_domain_for_dev(dd);
	assert_non_null(def);
	assert_true(def->type & __IOMMU_DOMAIN_DMA_API);
	assert_int_equal(def->type, is_lazy(c) ? IOMMU_DOMAIN_DMA_FQ : IOMMU_DOMAIN_DMA);
	/* Its default domain cannot be freed, nor attached elsewhere, nor iommu_map()ed. */
	errs = dmasim_debug_errors(p);
	iommu_domain_free(def);
	assert_int_equal(dmasim_debug_errors(p), errs + 1);
	assert_int_equal(iommu_attach_device(def, um), -EINVAL);
	assert_int_equal(iommu_map(def, 0x10000, page_to_phys(pg), PAGE_SIZE, IOMMU_READ, GFP_KERNEL),
			 -EINVAL);
	assert_int_equal(iommu_attach_device(dom, dd), 0);
	assert_ptr_equal(iommu_get_domain_for_dev(dd), dom);
	assert_int_equal(dmasim_dev_read(dd, 0x10000, got, sizeof(got)), 0);
	assert_true(matches(got, sizeof(got), 3));
	/* While attached elsewhere, the DMA API is refused, and a second attach is -EBUSY. */
	kbuf = kmalloc(64, GFP_KERNEL);
	h = dma_map_single(dd, kbuf, 64, DMA_TO_DEVICE);
	assert_true(dma_mapping_error(dd, h));
	assert_int_equal(iommu_attach_device(dom, dd), -EBUSY);
	/* Detach: back to its DMA domain, where the DMA API works again. */
	iommu_detach_device(dom, dd);
	assert_ptr_equal(iommu_get_domain_for_dev(dd), def);
	memset(kbuf, 0x6b, 64);
	h = dma_map_single(dd, kbuf, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dd, h));
	assert_int_equal(dmasim_dev_read(dd, h, got, sizeof(got)), 0);
	assert_int_equal(got[0], 0x6b);
	dma_unmap_single(dd, h, 64, DMA_TO_DEVICE);
	kfree(kbuf);

	/* Groups: one per device behind the IOMMU. */
	g1 = iommu_group_get(um);
	g2 = iommu_group_get(dd);
	assert_non_null(g1);
	assert_non_null(g2);
	assert_true(iommu_group_id(g1) >= 0);
	assert_true(iommu_group_id(g2) >= 0);
	assert_int_not_equal(iommu_group_id(g1), iommu_group_id(g2));
	assert_ptr_equal(iommu_group_get(um), g1);
	iommu_group_put(g1);
	iommu_group_put(g1);
	iommu_group_put(g2);
	assert_null(iommu_group_get(nodev));
	assert_int_equal(iommu_group_id(NULL), -1);

	/* Now free: no report. */
	errs = dmasim_debug_errors(p);
	assert_int_equal(iommu_unmap(dom, 0x10000, PAGE_SIZE), PAGE_SIZE);
	iommu_domain_free(dom);
	assert_int_equal(dmasim_debug_errors(p), errs);
	__free_page(pg);
	dmasim_platform_destroy(p);
}


/* A device in an identity domain attached to an unmanaged one translates through it. */
static void test_unmanaged_attach_identity(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=idm domain=identity");
	struct iommu_domain *def = iommu_get_domain_for_dev(dev);
	struct iommu_domain *dom = iommu_domain_alloc(dev);
	struct page *pg = alloc_page(GFP_KERNEL);
	unsigned char got[16];
	char *buf;
	dma_addr_t h;

	assert_non_null(dom);
	assert_int_equal(def->type, IOMMU_DOMAIN_IDENTITY);
	fill(page_address(pg), PAGE_SIZE, 17);
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	assert_ptr_equal(iommu_get_domain_for_dev(dev), dom);
	assert_int_equal(iommu_map(dom, 0x10000, page_to_phys(pg), PAGE_SIZE, IOMMU_READ, GFP_KERNEL), 0);
	assert_int_equal(dmasim_dev_read(dev, 0x10000 + 8, got, sizeof(got)), 0);
	assert_memory_equal(got, (char *)page_address(pg) + 8, sizeof(got));
	/* Read-only, and nothing else is reachable: the physical address is not. */
	assert_int_equal(dmasim_dev_write(dev, 0x10000, got, sizeof(got)), -EPERM);
	assert_int_equal(last_fault(p).reason, DMASIM_FAULT_PERMISSION);
	assert_int_equal(dmasim_dev_read(dev, page_to_phys(pg), got, sizeof(got)), -EFAULT);
	/*
	 * Attaching changed the domain, not the DMA ops (chosen from the default
	 * domain, as use_dma_iommu()): the DMA API still maps directly, and the
	 * device cannot reach that address through the unmanaged domain.
	 */
	buf = kmalloc(64, GFP_KERNEL);
	h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(h, virt_to_phys(buf));
	assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), -EFAULT);
	dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
	kfree(buf);
	/* Back in the identity domain: bus address = physical address again. */
	iommu_detach_device(dom, dev);
	assert_ptr_equal(iommu_get_domain_for_dev(dev), def);
	buf = kmalloc(64, GFP_KERNEL);
	fill(buf, 64, 18);
	h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(h, virt_to_phys(buf));
	assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), 0);
	assert_true(matches(got, sizeof(got), 18));
	dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
	kfree(buf);
	assert_int_equal(iommu_unmap(dom, 0x10000, PAGE_SIZE), PAGE_SIZE);
	iommu_domain_free(dom);
	__free_page(pg);
	dmasim_platform_destroy(p);
}

/* ---- 2. DMA domains --------------------------------------------------------------- */

static void test_dma_24bit_no_low_memory(void **state)
{
	const struct combo *c = *state;
	/* No RAM below 16 MiB on either; arm-v7s tables and outputs must stay below 4 GiB. */
	struct dmasim_platform *p = cplat(c, is_v7s(c) ? "ram=256M@0x80000000" :
							   "ram=256M@0x100000000");
	struct device *dev = mkdev(p, "name=isa");
	unsigned char got[3000];
	dma_addr_t h[8];
	void *buf[8], *cpu;
	dma_addr_t ch;

	assert_int_equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(24)), 0);
	assert_int_equal(dma_get_mask(dev), DMA_BIT_MASK(24));
	for (int i = 0; i < 8; i++) {
		buf[i] = kmalloc(3000, GFP_KERNEL);
		assert_non_null(buf[i]);
		assert_true(virt_to_phys(buf[i]) >= (is_v7s(c) ? 0x80000000ULL : 0x100000000ULL));
		fill(buf[i], 3000, 100 + (unsigned int)i);
		h[i] = dma_map_single(dev, buf[i], 3000, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(dev, h[i]));
		assert_true(h[i] + 3000 - 1 <= 0xffffffULL);
		assert_int_equal(h[i] & 0xfff, virt_to_phys(buf[i]) & 0xfff);
	}
	for (int i = 0; i < 8; i++) {
		assert_int_equal(dmasim_dev_read(dev, h[i], got, sizeof(got)), 0);
		assert_true(matches(got, sizeof(got), 100 + (unsigned int)i));
	}
	/* Coherent memory too. */
	cpu = dma_alloc_coherent(dev, 32 * KiB, &ch, GFP_KERNEL);
	assert_non_null(cpu);
	assert_true(ch + 32 * KiB - 1 <= 0xffffffULL);
	fill(got, sizeof(got), 7);
	assert_int_equal(dmasim_dev_write(dev, ch + 32 * KiB - sizeof(got), got, sizeof(got)), 0);
	assert_memory_equal((char *)cpu + 32 * KiB - sizeof(got), got, sizeof(got));
	dma_free_coherent(dev, 32 * KiB, cpu, ch);
	for (int i = 0; i < 8; i++) {
		dma_unmap_single(dev, h[i], 3000, DMA_TO_DEVICE);
		kfree(buf[i]);
	}
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

static void test_dma_offsets_perms_queries(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=perm");
	char *buf = kmalloc(8192, GFP_KERNEL);
	unsigned char got[512], data[512];
	dma_addr_t to, from, bi;
	unsigned long f0;

	assert_non_null(buf);
	assert_int_equal(dma_get_merge_boundary(dev), 0xfff);
	assert_int_equal(dma_opt_mapping_size(dev), is_rbtree(c) ? 128 * KiB : SIZE_MAX);
	assert_int_equal(dma_get_required_mask(dev), DMA_BIT_MASK(32));
	assert_int_equal(dma_max_mapping_size(dev), SIZE_MAX);

	fill(buf, 8192, 21);
	/* Offsets within the granule are kept. */
	to = dma_map_single(dev, buf + 0x123, 1000, DMA_TO_DEVICE);
	from = dma_map_single(dev, buf + 0x1a00, 1000, DMA_FROM_DEVICE);
	bi = dma_map_single(dev, buf + 0x7f0, 512, DMA_BIDIRECTIONAL);
	assert_false(dma_mapping_error(dev, to));
	assert_false(dma_mapping_error(dev, from));
	assert_false(dma_mapping_error(dev, bi));
	assert_int_equal(to & 0xfff, virt_to_phys(buf + 0x123) & 0xfff);
	assert_int_equal(from & 0xfff, virt_to_phys(buf + 0x1a00) & 0xfff);
	assert_int_equal(bi & 0xfff, virt_to_phys(buf + 0x7f0) & 0xfff);
	/* The IOVA translates to the buffer. */
	{
		phys_addr_t phys;

		assert_int_equal(dmasim_iommu_iova_to_phys(iommu_get_domain_for_dev(dev), to, &phys), 0);
		assert_int_equal(phys, virt_to_phys(buf + 0x123));
	}

	/* DMA_TO_DEVICE: the device reads, may not write. */
	assert_int_equal(dmasim_dev_read(dev, to, got, 512), 0);
	assert_memory_equal(got, buf + 0x123, 512);
	f0 = nfaults(p);
	fill(data, sizeof(data), 77);
	assert_int_equal(dmasim_dev_write(dev, to, data, 16), -EPERM);
	assert_int_equal(nfaults(p), f0 + 1);
	assert_int_equal(last_fault(p).reason, DMASIM_FAULT_PERMISSION);
	assert_int_equal(last_fault(p).flags, IOMMU_FAULT_WRITE);
	assert_int_equal(last_fault(p).iova, to);
	assert_true(matches(buf, 8192, 21));
	/* DMA_FROM_DEVICE: the device writes, may not read. */
	assert_int_equal(dmasim_dev_read(dev, from, got, 16), -EPERM);
	assert_int_equal(last_fault(p).reason, DMASIM_FAULT_PERMISSION);
	assert_int_equal(last_fault(p).flags, IOMMU_FAULT_READ);
	assert_int_equal(dmasim_dev_write(dev, from, data, sizeof(data)), 0);
	/* Bidirectional: both. */
	assert_int_equal(dmasim_dev_read(dev, bi, got, 512), 0);
	assert_memory_equal(got, buf + 0x7f0, 512);
	assert_int_equal(dmasim_dev_write(dev, bi, data, 512), 0);

	dma_unmap_single(dev, to, 1000, DMA_TO_DEVICE);
	dma_unmap_single(dev, from, 1000, DMA_FROM_DEVICE);
	dma_unmap_single(dev, bi, 512, DMA_BIDIRECTIONAL);
	assert_memory_equal(buf + 0x1a00, data, sizeof(data));
	assert_memory_equal(buf + 0x7f0, data, 512);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* Four page-aligned 4 KiB buffers that are not physically contiguous. */
struct scattered {
	struct page *pg[4];
	struct page *spacer[4];
};

static void scattered_get(struct scattered *s)
{
	for (int i = 0; i < 4; i++) {
		s->pg[i] = alloc_page(GFP_KERNEL);
		s->spacer[i] = alloc_page(GFP_KERNEL);
		assert_non_null(s->pg[i]);
		assert_non_null(s->spacer[i]);
		fill(page_address(s->pg[i]), PAGE_SIZE, 50 + (unsigned int)i);
	}
	for (int i = 1; i < 4; i++)
		assert_true(page_to_phys(s->pg[i]) != page_to_phys(s->pg[i - 1]) + PAGE_SIZE);
}

static void scattered_put(struct scattered *s)
{
	for (int i = 0; i < 4; i++) {
		__free_page(s->pg[i]);
		__free_page(s->spacer[i]);
	}
}

/* Read every DMA segment and compare with the entries' bytes in order. */
static void check_sg_bytes(struct device *dev, struct scatterlist *sg, int count,
			   struct scatterlist *orig, int nents)
{
	size_t total = 0, pos = 0;
	struct scatterlist *s;
	unsigned char *want, *got;
	int i;

	for_each_sg(orig, s, nents, i)
		total += s->length;
	want = malloc(total);
	got = malloc(total);
	assert_non_null(want);
	assert_non_null(got);
	for_each_sg(orig, s, nents, i) {
		memcpy(want + pos, (char *)page_address(sg_page(s)) + s->offset, s->length);
		pos += s->length;
	}
	pos = 0;
	for_each_sg(sg, s, count, i) {
		assert_true(pos + sg_dma_len(s) <= total);
		assert_int_equal(dmasim_dev_read(dev, sg_dma_address(s), got + pos, sg_dma_len(s)), 0);
		pos += sg_dma_len(s);
	}
	assert_int_equal(pos, total);
	assert_memory_equal(got, want, total);
	free(want);
	free(got);
}

static void test_dma_sg_merge(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=sg");
	struct device *seg8k = mkdev(p, "name=seg8k max_seg=8K");
	struct device *bnd = mkdev(p, "name=bnd seg_boundary=0x1fff");
	struct scattered s;
	struct scatterlist sg[4];
	/* (IOVA stats cost a scan of the whole space with the bitmap allocator: few calls.) */
	u64 a0 = iova_allocated(dev), a2 = iova_allocated(bnd);
	int n;

	scattered_get(&s);

	/* One segment of 16 KiB. */
	sg_init_table(sg, 4);
	for (int i = 0; i < 4; i++)
		sg_set_page(&sg[i], s.pg[i], PAGE_SIZE, 0);
	n = (int)dma_map_sg(dev, sg, 4, DMA_TO_DEVICE);
	assert_int_equal(n, 1);
	assert_int_equal(sg_dma_len(&sg[0]), 16384);
	check_sg_bytes(dev, sg, n, sg, 4);
	dma_unmap_sg(dev, sg, 4, DMA_TO_DEVICE);

	/* max_seg=8K: two segments of 8 KiB. */
	sg_init_table(sg, 4);
	for (int i = 0; i < 4; i++)
		sg_set_page(&sg[i], s.pg[i], PAGE_SIZE, 0);
	n = (int)dma_map_sg(seg8k, sg, 4, DMA_TO_DEVICE);
	assert_int_equal(n, 2);
	assert_int_equal(sg_dma_len(&sg[0]), 8192);
	assert_int_equal(sg_dma_len(&sg[1]), 8192);
	check_sg_bytes(seg8k, sg, n, sg, 4);
	dma_unmap_sg(seg8k, sg, 4, DMA_TO_DEVICE);

	/* seg_boundary=0x1fff: no segment crosses an 8 KiB boundary. */
	sg_init_table(sg, 4);
	for (int i = 0; i < 4; i++)
		sg_set_page(&sg[i], s.pg[i], PAGE_SIZE, 0);
	n = (int)dma_map_sg(bnd, sg, 4, DMA_TO_DEVICE);
	assert_true(n >= 2 && n <= 4);
	for (int i = 0; i < n; i++) {
		dma_addr_t a = sg_dma_address(&sg[i]);

		assert_int_equal(a >> 13, (a + sg_dma_len(&sg[i]) - 1) >> 13);
	}
	check_sg_bytes(bnd, sg, n, sg, 4);
	dma_unmap_sg(bnd, sg, 4, DMA_TO_DEVICE);
	dmasim_iommu_flush(p);
	assert_int_equal(iova_allocated(bnd), a2);

	/* An unaligned middle entry cannot merge with its neighbours. */
	sg_init_table(sg, 3);
	sg_set_page(&sg[0], s.pg[0], PAGE_SIZE, 0);
	sg_set_page(&sg[1], s.pg[1], 1000, 100);
	sg_set_page(&sg[2], s.pg[2], PAGE_SIZE, 0);
	n = (int)dma_map_sg(dev, sg, 3, DMA_BIDIRECTIONAL);
	assert_int_equal(n, 3);
	assert_int_equal(sg_dma_address(&sg[1]) & 0xfff, 100);
	{
		struct scatterlist orig[3];

		sg_init_table(orig, 3);
		sg_set_page(&orig[0], s.pg[0], PAGE_SIZE, 0);
		sg_set_page(&orig[1], s.pg[1], 1000, 100);
		sg_set_page(&orig[2], s.pg[2], PAGE_SIZE, 0);
		check_sg_bytes(dev, sg, n, orig, 3);
	}
	dma_unmap_sg(dev, sg, 3, DMA_BIDIRECTIONAL);
	/* An unaligned entry that ends its page merges with the next one. */
	sg_init_table(sg, 3);
	sg_set_page(&sg[0], s.pg[0], PAGE_SIZE, 0);
	sg_set_page(&sg[1], s.pg[1], PAGE_SIZE - 100, 100);
	sg_set_page(&sg[2], s.pg[2], PAGE_SIZE, 0);
	n = (int)dma_map_sg(dev, sg, 3, DMA_TO_DEVICE);
	assert_int_equal(n, 2);
	assert_int_equal(sg_dma_len(&sg[1]), 2 * PAGE_SIZE - 100);
	{
		struct scatterlist orig[3];

		sg_init_table(orig, 3);
		sg_set_page(&orig[0], s.pg[0], PAGE_SIZE, 0);
		sg_set_page(&orig[1], s.pg[1], PAGE_SIZE - 100, 100);
		sg_set_page(&orig[2], s.pg[2], PAGE_SIZE, 0);
		check_sg_bytes(dev, sg, n, orig, 3);
	}
	dma_unmap_sg(dev, sg, 3, DMA_TO_DEVICE);
	dmasim_iommu_flush(p);
	assert_int_equal(iova_allocated(dev), a0);
	assert_int_equal(dmasim_debug_errors(p), 0);

	scattered_put(&s);
	dmasim_platform_destroy(p);
}

static void test_dma_coherent(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=coh");
	const size_t sz = 64 * KiB;
	unsigned char *data = malloc(sz);
	dma_addr_t h;
	void *cpu;

	assert_non_null(data);
	fill(data, sz, 61);
	/* Scattered pages behind a vmap alias. */
	cpu = dma_alloc_coherent(dev, sz, &h, GFP_KERNEL);
	assert_non_null(cpu);
	assert_true(is_vmalloc_addr(cpu));
	assert_false(virt_addr_valid(cpu));
	assert_int_equal(h & 0xfff, 0);
	assert_int_equal(dmasim_dev_write(dev, h, data, sz), 0);
	assert_memory_equal(cpu, data, sz);
	memset(cpu, 0x3c, 100);
	{
		unsigned char got[100];

		assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), 0);
		for (int i = 0; i < 100; i++)
			assert_int_equal(got[i], 0x3c);
	}
	dma_free_coherent(dev, sz, cpu, h);

	/* DMA_ATTR_FORCE_CONTIGUOUS: the linear map. */
	cpu = dma_alloc_attrs(dev, sz, &h, GFP_KERNEL, DMA_ATTR_FORCE_CONTIGUOUS);
	assert_non_null(cpu);
	assert_true(virt_addr_valid(cpu));
	assert_false(is_vmalloc_addr(cpu));
	fill(data, sz, 62);
	assert_int_equal(dmasim_dev_write(dev, h, data, sz), 0);
	assert_memory_equal(cpu, data, sz);
	dma_free_attrs(dev, sz, cpu, h, DMA_ATTR_FORCE_CONTIGUOUS);
	dmasim_iommu_flush(p);
	assert_int_equal(dmasim_debug_errors(p), 0);
	free(data);
	dmasim_platform_destroy(p);
}

/*
 * Every DMA-API IOVA is aligned to its size rounded up to a power of two
 * (of granules): drivers/iommu/dma-iommu.c (iommu_dma_alloc_iova() asks
 * alloc_iova_fast() for a size-aligned range) and drivers/iommu/iova.c
 * (alloc_iova(): the alignment mask shifted by fls_long(size - 1)); for
 * coherent memory Documentation/core-api/dma-api.rst promises it ("aligned
 * to the smallest PAGE_SIZE order" at least the size).  On every allocator:
 * a live odd-sized mapping first, so the space is not trivially aligned.
 */
static void check_dma_size_aligned(const struct combo *c)
{
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=align");
	const size_t big = 200 * KiB, small = 12 * KiB, odd = 20 * KiB;
	struct page *pg = alloc_pages(GFP_KERNEL, 4);
	struct scatterlist sg[3];
	dma_addr_t h, h2, keep;
	void *cpu, *cpu2;

	assert_non_null(pg);
	keep = dma_map_page(dev, pg, 0, 3 * PAGE_SIZE, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, keep));
	assert_int_equal(keep % (16 * KiB), 0);

	cpu = dma_alloc_coherent(dev, big, &h, GFP_KERNEL);
	assert_non_null(cpu);
	if (h % (256 * KiB))
		fail_msg("iova=%s: dma_alloc_coherent(200 KiB) at %#llx, not 256 KiB-aligned", c->iova,
			 (unsigned long long)h);
	cpu2 = dma_alloc_coherent(dev, small, &h2, GFP_KERNEL);
	assert_non_null(cpu2);
	assert_int_equal(h2 % (16 * KiB), 0);
	dma_free_coherent(dev, small, cpu2, h2);
	cpu2 = dma_alloc_coherent(dev, odd, &h2, GFP_KERNEL);
	assert_non_null(cpu2);
	assert_int_equal(h2 % (32 * KiB), 0);
	dma_free_coherent(dev, odd, cpu2, h2);
	dma_free_coherent(dev, big, cpu, h);

	cpu = dma_alloc_wc(dev, big, &h, GFP_KERNEL);
	assert_non_null(cpu);
	assert_int_equal(h % (256 * KiB), 0);
	dma_free_wc(dev, big, cpu, h);

	cpu = dma_alloc_attrs(dev, big, &h, GFP_KERNEL, DMA_ATTR_FORCE_CONTIGUOUS);
	assert_non_null(cpu);
	assert_int_equal(h % (256 * KiB), 0);
	dma_free_attrs(dev, big, cpu, h, DMA_ATTR_FORCE_CONTIGUOUS);

	cpu = dmam_alloc_coherent(dev, big, &h, GFP_KERNEL); /* freed with the device */
	assert_non_null(cpu);
	assert_int_equal(h % (256 * KiB), 0);

	/* Streaming: 3 pages at a 4-page boundary, 5 pages at an 8-page one. */
	h = dma_map_page(dev, pg, 0, 3 * PAGE_SIZE, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(h % (4 * PAGE_SIZE), 0);
	h2 = dma_map_page(dev, pg + 8, 0, 5 * PAGE_SIZE, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dev, h2));
	assert_int_equal(h2 % (8 * PAGE_SIZE), 0);
	dma_unmap_page(dev, h2, 5 * PAGE_SIZE, DMA_FROM_DEVICE);
	dma_unmap_page(dev, h, 3 * PAGE_SIZE, DMA_TO_DEVICE);
	/* A scatterlist takes one IOVA range for all its segments. */
	sg_init_table(sg, 3);
	for (int i = 0; i < 3; i++)
		sg_set_page(&sg[i], pg + 2 * i, PAGE_SIZE, 0);
	assert_int_equal(dma_map_sg(dev, sg, 3, DMA_TO_DEVICE), 1);
	assert_int_equal(sg_dma_address(&sg[0]) % (4 * PAGE_SIZE), 0);
	dma_unmap_sg(dev, sg, 3, DMA_TO_DEVICE);

	dma_unmap_page(dev, keep, 3 * PAGE_SIZE, DMA_TO_DEVICE);
	__free_pages(pg, 4);
	dmasim_iommu_flush(p);
	if (dmasim_debug_errors(p))
		tu_log_dump();
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

static void test_dma_size_aligned(void **state)
{
	const struct combo *c = *state;
	struct combo nocache = *c;

	check_dma_size_aligned(c);
	if (is_rbtree(c)) {
		nocache.iova = "rbtree:nocache";
		check_dma_size_aligned(&nocache);
	}
}

static void test_dma_noncontiguous(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=nc");
	const size_t sz = 64 * KiB;
	unsigned char *got = malloc(sz);
	struct sg_table *sgt;
	void *v;

	assert_non_null(got);
	sgt = dma_alloc_noncontiguous(dev, sz, DMA_TO_DEVICE, GFP_KERNEL, 0);
	assert_non_null(sgt);
	assert_int_equal(sgt->nents, 1);
	assert_int_equal(sg_dma_len(sgt->sgl), sz);
	v = dma_vmap_noncontiguous(dev, sz, sgt);
	assert_non_null(v);
	fill(v, sz, 71);
	dma_sync_sgtable_for_device(dev, sgt, DMA_TO_DEVICE);
	assert_int_equal(dmasim_dev_read(dev, sg_dma_address(sgt->sgl), got, sz), 0);
	assert_true(matches(got, sz, 71));
	dma_vunmap_noncontiguous(dev, v);
	dma_free_noncontiguous(dev, sz, sgt, DMA_TO_DEVICE);
	assert_int_equal(dmasim_debug_errors(p), 0);
	free(got);
	dmasim_platform_destroy(p);
}

static void test_dma_identity(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=id domain=identity");
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);
	char *buf = kmalloc(4096, GFP_KERNEL);
	unsigned char got[64];
	phys_addr_t phys;
	dma_addr_t h;

	assert_non_null(dom);
	assert_int_equal(dom->type, IOMMU_DOMAIN_IDENTITY);
	fill(buf, 4096, 81);
	h = dma_map_single(dev, buf + 10, 1000, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(h, virt_to_phys(buf + 10));
	assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), 0);
	assert_memory_equal(got, buf + 10, sizeof(got));
	assert_int_equal(dmasim_iommu_iova_to_phys(dom, h, &phys), 0);
	assert_int_equal(phys, h);
	dma_unmap_single(dev, h, 1000, DMA_TO_DEVICE);
	kfree(buf);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

/*
 * dma_need_sync() of a bounced mapping behind the IOMMU: the device writes
 * the swiotlb slot, so the CPU sees the data only after a sync, and
 * dma_need_sync() must say so even for a coherent device.  Kernel fact:
 * drivers/iommu/dma-iommu.c, iommu_dma_need_sync(): true when the device
 * is not coherent or the IOVA translates into a swiotlb buffer.
 */
/*
 * debug=off: dma_map_resource() ranges and dma_iova_link() links leave no
 * DMA-API debugging entry, and dma_iova_unlink() of a range holding two
 * links unlinks both at once, as the kernel's (drivers/iommu/dma-iommu.c:
 * dma_iova_unlink() unmaps [addr + offset, + size) with no per-link state).
 * debug=on records them as before.
 */
static void test_debug_off_links_unrecorded(void **state)
{
	const struct combo *c = *state;

	for (int debug = 0; debug <= 1; debug++) {
		struct dmasim_platform *p = cplat(c, debug ? "debug=on" : "debug=off");
		struct device *dev = mkdev(p, "name=links");
		struct page *pg = alloc_pages(GFP_KERNEL, 1);
		struct dma_iova_state st = { 0 };
		unsigned char *mem = page_address(pg);
		dma_addr_t h;

		assert_non_null(pg);
		assert_true(dma_iova_try_alloc(dev, &st, page_to_phys(pg), 2 * 4096));
		assert_int_equal(dma_iova_link(dev, &st, page_to_phys(pg), 0, 4096,
					       DMA_BIDIRECTIONAL, 0), 0);
		assert_int_equal(dma_iova_link(dev, &st, page_to_phys(pg) + 4096, 4096, 4096,
					       DMA_BIDIRECTIONAL, 0), 0);
		h = dma_map_resource(dev, 0x10000000, 4096, DMA_BIDIRECTIONAL, 0);
		assert_false(dma_mapping_error(dev, h));
		assert_int_equal(to_dmasim(dev)->nr_maps, debug ? 3 : 0);
		assert_int_equal(dmasim_dev_write(dev, st.addr + 4096 + 8, "xy", 2), 0);
		assert_memory_equal(mem + 4096 + 8, "xy", 2);
		dma_unmap_resource(dev, h, 4096, DMA_BIDIRECTIONAL, 0);
		dma_iova_unlink(dev, &st, 0, 2 * 4096, DMA_BIDIRECTIONAL, 0);
		assert_int_equal(to_dmasim(dev)->nr_maps, 0);
		assert_int_equal(dmasim_debug_errors(p), 0);
		/* Both links are gone from the page table. */
		assert_int_equal(dmasim_dev_write(dev, st.addr, "z", 1), -EFAULT);
		assert_int_equal(dmasim_dev_write(dev, st.addr + 4096, "z", 1), -EFAULT);
		dma_iova_destroy(dev, &st, 0, DMA_BIDIRECTIONAL, 0);
		__free_pages(pg, 1);
		dmasim_platform_destroy(p);
	}
}

static void test_dma_need_sync_bounced(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=nsb force_bounce=1 coherent=1");
	struct device *plain = mkdev(p, "name=nsp coherent=1");
	unsigned char *buf = kmalloc(4096, GFP_KERNEL), data[256];
	dma_addr_t h;

	memset(buf, 0, 4096);
	fill(data, sizeof(data), 17);
	h = dma_map_single(dev, buf, 4096, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim_dev_write(dev, h + 100, data, sizeof(data)), 0);
	/* A driver that skips the sync when dma_need_sync() says it may. */
	if (dma_need_sync(dev, h))
		dma_sync_single_for_cpu(dev, h, 4096, DMA_FROM_DEVICE);
	assert_memory_equal(buf + 100, data, sizeof(data));
	dma_unmap_single(dev, h, 4096, DMA_FROM_DEVICE);
	/* Not bounced, coherent: no sync needed. */
	h = dma_map_single(plain, buf, 4096, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(plain, h));
	assert_false(dma_need_sync(plain, h));
	dma_unmap_single(plain, h, 4096, DMA_FROM_DEVICE);
	kfree(buf);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

static void test_dma_msi_window(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=msi mask=32");
	struct dmasim_iova_stats st;
	enum { N = 160, M = 64 };
	struct page *blk = alloc_pages(GFP_KERNEL, 8); /* 1 MiB */
	dma_addr_t h[N], small[M], hi = 0;

	assert_non_null(blk);
	assert_int_equal(dmasim_iommu_iova_stats(iommu_get_domain_for_dev(dev), &st), 0);
	assert_true(st.reserved >= MSI_END - MSI_BASE);
	for (int i = 0; i < N; i++) {
		h[i] = dma_map_page(dev, blk, 0, MiB, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(dev, h[i]));
		assert_true(h[i] + MiB <= MSI_BASE || h[i] >= MSI_END);
		if (h[i] > hi)
			hi = h[i];
	}
	for (int i = 0; i < M; i++) {
		small[i] = dma_map_page(dev, blk, PAGE_SIZE * (size_t)(i % 16), PAGE_SIZE, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(dev, small[i]));
		assert_true(small[i] + PAGE_SIZE <= MSI_BASE || small[i] >= MSI_END);
	}
	/* Bottom-up allocation went past the window, so it was skipped, not missed. */
	if (!is_rbtree(c))
		assert_true(hi >= MSI_END);
	{
		unsigned char b;

		assert_int_equal(dmasim_dev_read(dev, MSI_BASE, &b, 1), -EFAULT);
	}
	for (int i = 0; i < M; i++)
		dma_unmap_page(dev, small[i], PAGE_SIZE, DMA_TO_DEVICE);
	for (int i = 0; i < N; i++)
		dma_unmap_page(dev, h[i], MiB, DMA_TO_DEVICE);
	__free_pages(blk, 8);
	dmasim_platform_destroy(p);
}

static void test_dma_reserve(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=resv mask=32");
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);
	char *buf = kmalloc(4096, GFP_KERNEL);
	dma_addr_t h = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE);

	assert_false(dma_mapping_error(dev, h));
	/* A live mapping cannot be reserved over. */
	assert_int_equal(dmasim_iommu_reserve(dom, h, 4096), -EBUSY);
	assert_int_equal(dmasim_iommu_reserve(dom, h & ~0xfffULL, 1), -EBUSY);
	dma_unmap_single(dev, h, 4096, DMA_TO_DEVICE);
	dmasim_iommu_flush(p);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* ---- 3. strict versus lazy invalidation -------------------------------------------- */

static void test_strict_vs_lazy(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, "fq=64 fq_timeout=0");
	struct device *dev = mkdev(p, "name=tlb");
	struct dmasim_iommu_stats s0, s1;
	char *buf = kmalloc(4096, GFP_KERNEL);
	unsigned char got[64];
	unsigned long errs;
	dma_addr_t h;

	fill(buf, 4096, 91);
	h = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim_iommu_get_stats(p, &s0), 0);
	assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), 0);
	assert_int_equal(dmasim_dev_read(dev, h + 64, got, sizeof(got)), 0);
	assert_int_equal(dmasim_iommu_get_stats(p, &s1), 0);
	assert_true(s1.iotlb_misses > s0.iotlb_misses);
	assert_true(s1.iotlb_hits > s0.iotlb_hits);
	assert_int_equal(s1.iotlb_entries, 512);
	dma_unmap_single(dev, h, 4096, DMA_TO_DEVICE);
	assert_int_equal(dmasim_iommu_get_stats(p, &s0), 0);
	errs = dmasim_debug_errors(p);
	tu_log_clear();
	if (!is_lazy(c)) {
		assert_int_equal(s0.fq_pending, 0);
		assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), -EFAULT);
		assert_int_equal(last_fault(p).reason, DMASIM_FAULT_UNMAPPED);
		assert_int_equal(last_fault(p).iova, h);
		assert_int_equal(dmasim_iommu_get_stats(p, &s1), 0);
		assert_int_equal(s1.fq_flushes, s0.fq_flushes);
	} else {
		/* The stale IOTLB entry still translates: the device reads, a report says so. */
		assert_int_equal(s0.fq_pending, 1);
		assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), 0);
		assert_memory_equal(got, buf, sizeof(got));
		assert_log_has("stale IOTLB");
		assert_true(dmasim_debug_errors(p) > errs);
		dmasim_iommu_flush(p);
		assert_int_equal(dmasim_iommu_get_stats(p, &s1), 0);
		assert_int_equal(s1.fq_flushes, s0.fq_flushes + 1);
		assert_int_equal(s1.fq_pending, 0);
		assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), -EFAULT);
		assert_int_equal(last_fault(p).reason, DMASIM_FAULT_UNMAPPED);
	}
	kfree(buf);
	dmasim_platform_destroy(p);
}

/*
 * dmasim_iommu_reserve() over a range that was unmapped: free for the
 * driver, even when in lazy mode it only waits in the flush queue for its
 * IOTLB flush.  The reservation flushes the queue and succeeds; a range
 * still mapped stays -EBUSY; nothing maps into the reservation afterwards.
 */
static void test_reserve_after_unmap(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, "fq=64 fq_timeout=0");
	struct device *dev = mkdev(p, "name=resv2 mask=32");
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);
	struct dmasim_iommu_stats s;
	char *buf = kmalloc(4096, GFP_KERNEL), *live = kmalloc(4096, GFP_KERNEL);
	dma_addr_t h, hl, again;
	unsigned char got[8];
	unsigned long errs;

	h = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	hl = dma_map_single(dev, live, 4096, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, hl));
	dma_unmap_single(dev, h, 4096, DMA_TO_DEVICE);
	assert_int_equal(dmasim_iommu_get_stats(p, &s), 0);
	assert_int_equal(s.fq_pending, is_lazy(c) ? 1 : 0);

	assert_int_equal(dmasim_iommu_reserve(dom, h, 4096), 0);
	assert_int_equal(dmasim_iommu_get_stats(p, &s), 0);
	assert_int_equal(s.fq_pending, 0);
	assert_int_equal(dmasim_debug_errors(p), 0);
	/* The flush came first: no stale translation of the reserved range is left (a fault). */
	assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), -EFAULT);
	errs = dmasim_debug_errors(p);
	assert_int_equal(dmasim_iommu_reserve(dom, hl, 4096), -EBUSY);
	for (int i = 0; i < 16; i++) {
		again = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(dev, again));
		assert_true(again != h);
		dma_unmap_single(dev, again, 4096, DMA_TO_DEVICE);
	}
	dma_unmap_single(dev, hl, 4096, DMA_TO_DEVICE);
	dmasim_iommu_flush(p);
	assert_int_equal(dmasim_debug_errors(p), errs);
	kfree(buf);
	kfree(live);
	dmasim_platform_destroy(p);
}

static void test_lazy_queue_full(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, "fq=2 fq_timeout=0");
	struct device *dev = mkdev(p, "name=fq");
	struct dmasim_iommu_stats s0, s;
	char *buf[3];
	dma_addr_t h[3];
	unsigned char got[16];

	for (int i = 0; i < 3; i++) {
		buf[i] = kmalloc(4096, GFP_KERNEL);
		fill(buf[i], 4096, 120 + (unsigned int)i);
		h[i] = dma_map_single(dev, buf[i], 4096, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(dev, h[i]));
		assert_int_equal(dmasim_dev_read(dev, h[i], got, sizeof(got)), 0);
	}
	assert_int_equal(dmasim_iommu_get_stats(p, &s0), 0);
	dma_unmap_single(dev, h[0], 4096, DMA_TO_DEVICE);
	dma_unmap_single(dev, h[1], 4096, DMA_TO_DEVICE);
	assert_int_equal(dmasim_iommu_get_stats(p, &s), 0);
	assert_int_equal(s.fq_flushes, s0.fq_flushes);
	assert_int_equal(s.fq_pending, is_lazy(c) ? 2 : 0);
	/* Lazy: both still reachable through their stale IOTLB entries. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(dmasim_dev_read(dev, h[i], got, sizeof(got)), is_lazy(c) ? 0 : -EFAULT);
	dma_unmap_single(dev, h[2], 4096, DMA_TO_DEVICE);
	assert_int_equal(dmasim_iommu_get_stats(p, &s), 0);
	if (is_lazy(c)) {
		/*
		 * The third unmap found the queue full: it flushed the whole IOTLB
		 * (after clearing its own page-table entry, so its entry went too,
		 * as in the kernel), then queued itself.
		 */
		assert_int_equal(s.fq_flushes, s0.fq_flushes + 1);
		assert_int_equal(s.fq_pending, 1);
		for (int i = 0; i < 3; i++)
			assert_int_equal(dmasim_dev_read(dev, h[i], got, sizeof(got)), -EFAULT);
		dmasim_iommu_flush(p);
		assert_int_equal(dmasim_iommu_get_stats(p, &s), 0);
		assert_int_equal(s.fq_flushes, s0.fq_flushes + 2);
		assert_int_equal(s.fq_pending, 0);
	} else {
		assert_int_equal(s.fq_flushes, s0.fq_flushes);
		assert_int_equal(s.fq_pending, 0);
		for (int i = 0; i < 3; i++)
			assert_int_equal(dmasim_dev_read(dev, h[i], got, sizeof(got)), -EFAULT);
	}
	for (int i = 0; i < 3; i++)
		kfree(buf[i]);
	dmasim_platform_destroy(p);
}

static void test_lazy_timeout(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, "fq=64 fq_timeout=1");
	struct device *dev = mkdev(p, "name=fqt");
	char *buf = kmalloc(4096, GFP_KERNEL);
	struct timespec ts = { 0, 25 * 1000 * 1000 }; /* timeout + a few coarse-clock ticks */
	struct dmasim_iommu_stats s;
	unsigned char got[16];
	dma_addr_t h = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE);

	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), 0);
	dma_unmap_single(dev, h, 4096, DMA_TO_DEVICE);
	nanosleep(&ts, NULL);
	/* Past the timeout the queue has been (or is now) flushed: no stale hit. */
	assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), -EFAULT);
	assert_int_equal(dmasim_iommu_get_stats(p, &s), 0);
	assert_int_equal(s.fq_pending, 0);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* ---- 4. bad input leaves other mappings intact ---------------------------------------- */

static void test_bad_unmap_keeps_others(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=badun");
	char *buf = kmalloc(16384, GFP_KERNEL);
	unsigned char got[64];
	unsigned long errs;
	dma_addr_t h;

	fill(buf, 16384, 13);
	h = dma_map_single(dev, buf, 16384, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	errs = dmasim_debug_errors(p);
	/* Never mapped, below, inside and after the live mapping. */
	dma_unmap_single(dev, h ^ 0x10000000ULL, 4096, DMA_TO_DEVICE);
	assert_int_equal(dmasim_debug_errors(p), errs + 1);
	dma_unmap_single(dev, h + 0x1000, 4096, DMA_TO_DEVICE);
	assert_int_equal(dmasim_debug_errors(p), errs + 2);
	dma_unmap_page(dev, h + 16384, 4096, DMA_TO_DEVICE);
	assert_int_equal(dmasim_debug_errors(p), errs + 3);
	dmasim_iommu_flush(p);
	for (size_t off = 0; off < 16384; off += 4096) {
		assert_int_equal(dmasim_dev_read(dev, h + off, got, sizeof(got)), 0);
		assert_memory_equal(got, buf + off, sizeof(got));
	}
	dma_unmap_single(dev, h, 16384, DMA_TO_DEVICE);
	assert_int_equal(dmasim_debug_errors(p), errs + 3);
	kfree(buf);
	dmasim_platform_destroy(p);
}

static void test_iova_exhaustion(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, NULL);
	struct device *dev = mkdev(p, "name=big mask=32");
	enum { MAXN = 80 };
	const size_t sz = 64 * MiB;
	struct page *blk = dmasim__alloc_pages_below(p, GFP_KERNEL, 14, ~0ULL);
	dma_addr_t h[MAXN], again;
	u64 a0 = iova_allocated(dev);
	int n = 0;

	assert_non_null(blk);
	tu_log_clear();
	while (n < MAXN) {
		dma_addr_t d = dma_map_page(dev, blk, 0, sz, DMA_TO_DEVICE);

		if (dma_mapping_error(dev, d))
			break;
		assert_true(d + sz - 1 <= DMA_BIT_MASK(32));
		h[n++] = d;
	}
	/* 4 GiB of IOVA space, less the first granule and the MSI window. */
	assert_true(n >= 60 && n < 64);
	assert_log_has("IOVA space exhausted");
	/* The live mappings are intact. */
	{
		unsigned char got[8];

		memset(page_address(blk), 0x4d, 8);
		assert_int_equal(dmasim_dev_read(dev, h[n - 1], got, sizeof(got)), 0);
		assert_int_equal(got[7], 0x4d);
	}
	/* Recovers after unmaps: no explicit flush needed, even in lazy mode. */
	dma_unmap_page(dev, h[n - 1], sz, DMA_TO_DEVICE);
	dma_unmap_page(dev, h[n - 2], sz, DMA_TO_DEVICE);
	n -= 2;
	again = dma_map_page(dev, blk, 0, sz, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, again));
	h[n++] = again;
	/* Small mappings fit again too. */
	{
		dma_addr_t s = dma_map_page(dev, blk, 0, PAGE_SIZE, DMA_TO_DEVICE);

		assert_false(dma_mapping_error(dev, s));
		dma_unmap_page(dev, s, PAGE_SIZE, DMA_TO_DEVICE);
	}
	while (n)
		dma_unmap_page(dev, h[--n], sz, DMA_TO_DEVICE);
	dmasim_iommu_flush(p);
	assert_int_equal(iova_allocated(dev), a0);
	dmasim__free_pages(blk, 14);
	dmasim_platform_destroy(p);
}

/* ---- 5. stress --------------------------------------------------------------------- */

#define NSLOTS 32
#define NMAPPERS 4
#define ITERS 5000

struct slot {
	pthread_mutex_t lock;
	bool live;
	dma_addr_t dma;
	size_t size;
	unsigned int seed;
};

struct stress {
	struct dmasim_platform *p;
	struct device *dev;
	struct slot slots[NSLOTS];
	atomic_bool stop;
	atomic_long reads, bad, maps;
};

struct mapper_arg {
	struct stress *st;
	unsigned int id;
};

static void *mapper(void *arg)
{
	struct mapper_arg *ma = arg;
	struct stress *st = ma->st;
	unsigned int rs = 12345u * (ma->id + 1);
	/* Each mapper owns its own slots; only the reader shares them. */
	const unsigned int per = NSLOTS / NMAPPERS, first = ma->id * per;
	void *bufs[NSLOTS / NMAPPERS] = { 0 };
	enum dma_data_direction dirs[NSLOTS / NMAPPERS];

	for (int it = 0; it < ITERS; it++) {
		unsigned int k = (unsigned int)rand_r(&rs) % per;
		struct slot *s = &st->slots[first + k];

		if (bufs[k]) {
			dma_addr_t dma;
			size_t size;
			unsigned int seed;

			pthread_mutex_lock(&s->lock);
			s->live = false;
			dma = s->dma;
			size = s->size;
			seed = s->seed;
			pthread_mutex_unlock(&s->lock);
			if (dirs[k] == DMA_FROM_DEVICE) {
				/* The device filled it: the CPU sees it after the unmap. */
				dma_unmap_single(st->dev, dma, size, dirs[k]);
				if (!matches(bufs[k], size, seed + 1))
					atomic_fetch_add(&st->bad, 1);
			} else {
				dma_unmap_single(st->dev, dma, size, dirs[k]);
				if (!matches(bufs[k], size, seed))
					atomic_fetch_add(&st->bad, 1);
			}
			kfree(bufs[k]);
			bufs[k] = NULL;
		} else {
			size_t size = 1 + (size_t)rand_r(&rs) % (64 * 1024);
			unsigned int seed = (unsigned int)rand_r(&rs);
			enum dma_data_direction dir = (enum dma_data_direction)(rand_r(&rs) % 3);
			void *b = kmalloc(size, GFP_KERNEL);
			dma_addr_t dma;

			if (!b) {
				atomic_fetch_add(&st->bad, 1);
				continue;
			}
			/* DMA_BIDIRECTIONAL 0, DMA_TO_DEVICE 1, DMA_FROM_DEVICE 2. */
			memcpy(b, pat + seed % 256, size);
			dma = dma_map_single(st->dev, b, size, dir);
			if (dma_mapping_error(st->dev, dma)) {
				atomic_fetch_add(&st->bad, 1);
				kfree(b);
				continue;
			}
			atomic_fetch_add(&st->maps, 1);
			if (dir == DMA_FROM_DEVICE &&
			    dmasim_dev_write(st->dev, dma, pat + (seed + 1) % 256, size))
				atomic_fetch_add(&st->bad, 1);
			bufs[k] = b;
			dirs[k] = dir;
			pthread_mutex_lock(&s->lock);
			s->dma = dma;
			s->size = size;
			s->seed = seed;
			/* The reader only reads what the device may read. */
			s->live = dir != DMA_FROM_DEVICE;
			pthread_mutex_unlock(&s->lock);
		}
	}
	for (unsigned int k = 0; k < per; k++) {
		struct slot *s = &st->slots[first + k];

		if (!bufs[k])
			continue;
		pthread_mutex_lock(&s->lock);
		s->live = false;
		pthread_mutex_unlock(&s->lock);
		dma_unmap_single(st->dev, s->dma, s->size, dirs[k]);
		kfree(bufs[k]);
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct stress *st = arg;
	unsigned char *got = malloc(64 * 1024);
	unsigned int i = 0;

	while (!atomic_load(&st->stop)) {
		struct slot *s = &st->slots[i++ % NSLOTS];

		pthread_mutex_lock(&s->lock);
		if (s->live) {
			if (dmasim_dev_read(st->dev, s->dma, got, s->size) ||
			    !matches(got, s->size, s->seed))
				atomic_fetch_add(&st->bad, 1);
			atomic_fetch_add(&st->reads, 1);
		}
		pthread_mutex_unlock(&s->lock);
	}
	free(got);
	return NULL;
}

/* Flushes every queue now and then, racing the mappers' own pushes and flushes. */
static void *flusher(void *arg)
{
	struct stress *st = arg;

	while (!atomic_load(&st->stop)) {
		dmasim_iommu_flush(st->p);
		sched_yield();
	}
	return NULL;
}

static void stress(const struct combo *c, const char *extra, bool flush)
{
	struct stress *st = calloc(1, sizeof(*st));
	struct mapper_arg ma[NMAPPERS];
	pthread_t mt[NMAPPERS], rt, ft;
	struct dmasim_iommu_stats s0, s1;
	u64 a0;

	assert_non_null(st);
	st->p = cplat(c, extra);
	st->dev = mkdev(st->p, "name=stress");
	a0 = iova_allocated(st->dev);
	assert_int_equal(dmasim_iommu_get_stats(st->p, &s0), 0);
	for (int i = 0; i < NSLOTS; i++)
		pthread_mutex_init(&st->slots[i].lock, NULL);
	assert_int_equal(pthread_create(&rt, NULL, reader, st), 0);
	if (flush)
		assert_int_equal(pthread_create(&ft, NULL, flusher, st), 0);
	for (unsigned int i = 0; i < NMAPPERS; i++) {
		ma[i] = (struct mapper_arg){ st, i };
		assert_int_equal(pthread_create(&mt[i], NULL, mapper, &ma[i]), 0);
	}
	for (int i = 0; i < NMAPPERS; i++)
		pthread_join(mt[i], NULL);
	atomic_store(&st->stop, true);
	pthread_join(rt, NULL);
	if (flush)
		pthread_join(ft, NULL);

	assert_int_equal(atomic_load(&st->bad), 0);
	assert_true(atomic_load(&st->maps) >= NMAPPERS * ITERS / 3);
	assert_true(atomic_load(&st->reads) > 0);
	assert_int_equal(dmasim_iommu_get_stats(st->p, &s1), 0);
	assert_int_equal(s1.faults, s0.faults);
	if (dmasim_debug_errors(st->p))
		tu_log_dump();
	assert_int_equal(dmasim_debug_errors(st->p), 0);
	dmasim_iommu_flush(st->p);
	assert_int_equal(iova_allocated(st->dev), a0);
	assert_int_equal(to_dmasim(st->dev)->nr_maps, 0);
	/* Every thread's counts add up: as many unmaps as maps, nothing left queued. */
	assert_int_equal(s1.maps - s0.maps, s1.unmaps - s0.unmaps);
	assert_int_equal(dmasim_iommu_get_stats(st->p, &s1), 0);
	assert_int_equal(s1.fq_pending, 0);
	for (int i = 0; i < NSLOTS; i++)
		pthread_mutex_destroy(&st->slots[i].lock);
	dmasim_platform_destroy(st->p);
	free(st);
}

static void test_stress(void **state)
{
	stress(*state, NULL, false);
}

/*
 * The same without debug records (the fast paths: no record, cached
 * last-level tables, IOVA hints and batched frees), with a thread flushing
 * every queue meanwhile.
 */
static void test_stress_nodebug(void **state)
{
	stress(*state, "debug=off", true);
}


/*
 * A device access racing with an unmap must not leave an IOTLB entry that
 * outlives the invalidation: the next mapping at the same IOVA would then
 * reach the old buffer.  One thread keeps reading the address a second one
 * maps, unmaps and maps again (the allocators hand the same IOVA back).
 */
struct race {
	struct device *dev;
	_Atomic dma_addr_t target;
	atomic_bool stop;
};

static int quiet_fault(struct iommu_domain *dom, struct device *dev, unsigned long iova,
		       int flags, void *token)
{
	return 0;
}

static void *race_reader(void *arg)
{
	struct race *r = arg;
	unsigned char b[16];

	while (!atomic_load(&r->stop))
		(void)dmasim_dev_read(r->dev, atomic_load(&r->target), b, sizeof(b));
	return NULL;
}

static void test_iotlb_fill_race(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, "fq=64 fq_timeout=0 debug=off");
	struct race r = { .dev = mkdev(p, "name=race") };
	char *b1 = kmalloc(4096, GFP_KERNEL), *b2 = kmalloc(4096, GFP_KERNEL);
	int same = 0, wrong = 0;
	pthread_t t;

	iommu_set_fault_handler(iommu_get_domain_for_dev(r.dev), quiet_fault, NULL);
	memset(b1, 0x11, 4096);
	memset(b2, 0x22, 4096);
	atomic_store(&r.target, (dma_addr_t)PAGE_SIZE);
	assert_int_equal(pthread_create(&t, NULL, race_reader, &r), 0);
	for (int i = 0; i < 3000; i++) {
		dma_addr_t h1 = dma_map_single(r.dev, b1, 4096, DMA_TO_DEVICE), h2;
		unsigned char got[16];

		assert_false(dma_mapping_error(r.dev, h1));
		atomic_store(&r.target, h1);
		dma_unmap_single(r.dev, h1, 4096, DMA_TO_DEVICE);
		dmasim_iommu_flush(p);
		h2 = dma_map_single(r.dev, b2, 4096, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(r.dev, h2));
		if (h2 == h1) {
			same++;
			assert_int_equal(dmasim_dev_read(r.dev, h2, got, sizeof(got)), 0);
			if (got[0] != 0x22)
				wrong++;
		}
		dma_unmap_single(r.dev, h2, 4096, DMA_TO_DEVICE);
		dmasim_iommu_flush(p);
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	assert_true(same > 0);
	assert_int_equal(wrong, 0);
	kfree(b1);
	kfree(b2);
	dmasim_platform_destroy(p);
}

/*
 * A buffer whose physical address the page-table format cannot hold (arm-v7s
 * keeps 32-bit physical addresses; RAM here lies above 4 GiB): the map
 * fails with DMA_MAPPING_ERROR and one warning saying why; LPAE maps it.
 */
static void test_dma_phys_beyond_format(void **state)
{
	const struct combo *c = *state;
	struct dmasim_platform *p = cplat(c, "ram=64M@0x80000000,256M@0x100000000");
	struct device *dev = mkdev(p, "name=nic");
	void *buf = kmalloc(2048, GFP_KERNEL);
	dma_addr_t h;

	assert_non_null(buf);
	/* (on this machine kmalloc prefers the region above 4 GiB) */
	assert_true(virt_to_phys(buf) >= 0x100000000ULL);
	tu_log_clear();
	h = dma_map_single(dev, buf, 2048, DMA_TO_DEVICE);
	if (is_v7s(c)) {
		assert_true(dma_mapping_error(dev, h));
		assert_int_equal(tu_log.total, 1);
		assert_log_has("nic: the IOMMU cannot map phys 0x1");
		assert_log_has("its arm-v7s page table holds 32-bit physical addresses");
	} else {
		assert_false(dma_mapping_error(dev, h));
		assert_int_equal(tu_log.total, 0);
		dma_unmap_single(dev, h, 2048, DMA_TO_DEVICE);
	}
	kfree(buf);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

/* ---- the table -------------------------------------------------------------------- */

#define T(fn) { #fn, fn }

static const struct {
	const char *name;
	void (*fn)(void **state);
} tests[] = {
	T(test_unmanaged_blocked_and_perms),
	T(test_unmanaged_walk),
	T(test_unmanaged_bad_maps),
	T(test_unmanaged_fault_handler),
	T(test_unmanaged_attach_detach),
	T(test_unmanaged_attach_identity),
	T(test_dma_24bit_no_low_memory),
	T(test_dma_phys_beyond_format),
	T(test_dma_offsets_perms_queries),
	T(test_dma_sg_merge),
	T(test_dma_coherent),
	T(test_dma_size_aligned),
	T(test_dma_noncontiguous),
	T(test_dma_identity),
	T(test_dma_need_sync_bounced),
	T(test_debug_off_links_unrecorded),
	T(test_dma_msi_window),
	T(test_dma_reserve),
	T(test_strict_vs_lazy),
	T(test_reserve_after_unmap),
	T(test_lazy_queue_full),
	T(test_lazy_timeout),
	T(test_bad_unmap_keeps_others),
	T(test_iova_exhaustion),
	T(test_stress),
	T(test_stress_nodebug),
	T(test_iotlb_fill_race),
};

int main(void)
{
	enum { NT = ARRAY_SIZE(tests) * ARRAY_SIZE(combos) };
	static struct CMUnitTest units[NT];
	static char names[NT][96];
	size_t n = 0;

	for (size_t t = 0; t < ARRAY_SIZE(tests); t++)
		for (size_t c = 0; c < ARRAY_SIZE(combos); c++) {
			struct CMUnitTest u = cmocka_unit_test_prestate(NULL, (void *)&combos[c]);

			/* test_lazy_timeout only means something in lazy mode. */
			if (tests[t].fn == test_lazy_timeout && !is_lazy(&combos[c]))
				continue;
			snprintf(names[n], sizeof(names[n]), "%s@%s/%s/%s", tests[t].name + 5,
				 combos[c].fmt, combos[c].iova, combos[c].mode);
			u.name = names[n];
			u.test_func = tests[t].fn;
			units[n++] = u;
		}
	lpae_abi2 = dmasim__pgtable_arm_lpae_4k;
	lpae_abi2.base.abi = 2;
	lpae_abi2.base.name = "lpae-abi2";
	if (dmasim_backend_register(&lpae_abi2.base))
		return 1;
	/* This module pins its machines: exact placements and counts are asserted. */
	unsetenv("DMASIM_SPEC");
	pat_init();
	return _cmocka_run_group_tests("test-iommu", units, n, NULL, NULL);
}
