/*
 * tests/test-exhaustion.c - running out, and recovering (issue 14 §5): RAM,
 * the IOVA space, the swiotlb and a dma_pool are used up by correct calls;
 * each failure returns the kernel's value for its cause, logs one line, is
 * no misuse report and changes nothing; after the frees every counter is
 * back where it started and the same amount can be taken again.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/gfp.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <dmasim/iommu.h>

#include "dma/dma.h"

#define MAX_OBJS 4096

/* Free pages of the machine's page allocator, all arenas. */
static unsigned long free_pages_now(struct dmasim_platform *p)
{
	unsigned long n = 0;

	pthread_mutex_lock(&p->mm_lock);
	for (int i = 0; i < p->nr_arenas; i++)
		n += dmasim__arena_free(&p->arenas[i]);
	pthread_mutex_unlock(&p->mm_lock);
	return n;
}

/* One failing call: its one log line, no misuse counted. */
static void expect_one_line(struct dmasim_platform *p, unsigned long errors, const char *needle)
{
	if (tu_log.total != 1 || !tu_log_has(needle)) {
		tu_log_dump();
		fail_msg("want one line with '%s', got %d", needle, tu_log.total);
	}
	assert_int_equal(dmasim_debug_errors(p), errors);
	tu_log_clear();
}

/* ---- RAM ------------------------------------------------------------------------ */

struct coh {
	void *cpu;
	dma_addr_t dma;
};

/* Coherent 64 KiB buffers until RAM runs out; each filled.  Returns how many. */
static int fill_ram(struct device *dev, struct coh *c)
{
	int n = 0;

	for (;;) {
		assert_true(n < MAX_OBJS);
		c[n].cpu = dma_alloc_coherent(dev, 64 * 1024, &c[n].dma, GFP_KERNEL);
		if (!c[n].cpu)
			return n;
		memset(c[n].cpu, n & 0xff, 64 * 1024);
		n++;
	}
}

static void ram_on(const char *spec)
{
	struct dmasim_platform *p = tu_platform(spec);
	struct device *dev = dmasim_device_create(p, "name=ramdev");
	struct coh *c = calloc(MAX_OBJS, sizeof(*c));
	unsigned long before, errors;
	struct page *pg;
	void *k;
	int n, again;

	assert_non_null(dev);
	assert_non_null(c);
	before = free_pages_now(p);
	errors = dmasim_debug_errors(p);
	tu_log_clear();

	n = fill_ram(dev, c);
	assert_true(n > 16);
	/* The failing allocation: NULL and one warning (kernel: a page allocation failure). */
	expect_one_line(p, errors, "no memory for 65536 bytes");
	/* Other allocators fail cleanly too, each with its value. */
	pg = alloc_pages(GFP_KERNEL, 4);
	assert_null(pg);
	assert_true(tu_log.total <= 1);
	tu_log_clear();
	/* Everything allocated is still intact and reachable. */
	for (int i = 0; i < n; i++) {
		unsigned char b = 0;

		assert_int_equal(dmasim_dev_read(dev, c[i].dma + 65535, &b, 1), 0);
		assert_int_equal(b, i & 0xff);
	}
	/*
	 * Free all: the page counter is back (behind an IOMMU less the page-table
	 * pages the first mappings made: io-pgtable keeps tables after unmaps),
	 * and the same number fits again, and the counter is back again.
	 */
	for (int i = 0; i < n; i++)
		dma_free_coherent(dev, 64 * 1024, c[i].cpu, c[i].dma);
	if (!tu_spec_has(p, "iommu=") || tu_spec_has(p, "iommu=off"))
		assert_int_equal(free_pages_now(p), before);
	before = free_pages_now(p);
	again = fill_ram(dev, c);
	assert_int_equal(again, n);
	expect_one_line(p, errors, "no memory for 65536 bytes");
	for (int i = 0; i < again; i++)
		dma_free_coherent(dev, 64 * 1024, c[i].cpu, c[i].dma);
	assert_int_equal(free_pages_now(p), before);
	/* Small allocations work again. */
	k = kmalloc(64, GFP_KERNEL);
	assert_non_null(k);
	kfree(k);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim_debug_errors(p), errors);
	free(c);
	dmasim_platform_destroy(p);
}

static void test_ram(void **state)
{
	(void)state;
	ram_on("ram=16M@0x80000000 swiotlb=off");
	ram_on("ram=16M@0x80000000 swiotlb=off debug=off");
	ram_on("ram=16M@0x80000000 iommu=on");
	ram_on("ram=16M@0x80000000 iommu=on debug=off");
}

/* ---- a dma_pool ------------------------------------------------------------------- */

/* Fill RAM, take pool blocks until the pool fails, free one buffer, take more, free all. */
static void pool_cycle(struct dmasim_platform *p, struct device *dev, struct coh *c, struct coh *b,
		       unsigned long errors)
{
	struct dma_pool *pool = dma_pool_create("ex", dev, 1024, 0, 0);
	size_t busy;
	int n, nb = 0, again = 0;

	assert_non_null(pool);
	/* RAM full: the pool serves its current page, then fails. */
	n = fill_ram(dev, c);
	tu_log_clear();
	for (;;) {
		assert_true(nb < MAX_OBJS);
		b[nb].cpu = dma_pool_alloc(pool, GFP_KERNEL, &b[nb].dma);
		if (!b[nb].cpu)
			break;
		memset(b[nb].cpu, 0x5c, 1024);
		nb++;
	}
	/* NULL, as the kernel's dma_pool_alloc() when no page can be had; one warning. */
	expect_one_line(p, errors, "no memory for 4096 bytes");
	dmasim__pool_counts(pool, NULL, NULL, &busy);
	assert_int_equal(busy, (size_t)nb);
	/* A coherent buffer given back: the pool grows again. */
	dma_free_coherent(dev, 64 * 1024, c[n - 1].cpu, c[n - 1].dma);
	n--;
	for (;;) {
		assert_true(nb + again < MAX_OBJS);
		b[nb + again].cpu = dma_pool_alloc(pool, GFP_KERNEL, &b[nb + again].dma);
		if (!b[nb + again].cpu)
			break;
		again++;
	}
	/* 64 KiB: sixteen pages of four blocks (behind an IOMMU a page may go to a page table) */
	assert_true(again >= 15 * 4 && again <= 16 * 4);
	tu_log_clear();
	for (int i = 0; i < nb + again; i++) {
		unsigned char got = 0;

		if (i < nb) {
			assert_int_equal(dmasim_dev_read(dev, b[i].dma + 1023, &got, 1), 0);
			assert_int_equal(got, 0x5c);
		}
		dma_pool_free(pool, b[i].cpu, b[i].dma);
	}
	dmasim__pool_counts(pool, NULL, NULL, &busy);
	assert_int_equal(busy, 0);
	for (int i = 0; i < n; i++)
		dma_free_coherent(dev, 64 * 1024, c[i].cpu, c[i].dma);
	dma_pool_destroy(pool);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim_debug_errors(p), errors);
}

static void pool_on(const char *spec)
{
	struct dmasim_platform *p = tu_platform(spec);
	struct device *dev = dmasim_device_create(p, "name=pooldev");
	struct coh *c = calloc(MAX_OBJS, sizeof(*c)), *b = calloc(MAX_OBJS, sizeof(*b));
	unsigned long before, after, errors;

	assert_non_null(dev);
	assert_non_null(c);
	assert_non_null(b);
	before = free_pages_now(p);
	errors = dmasim_debug_errors(p);
	pool_cycle(p, dev, c, b, errors);
	after = free_pages_now(p);
	/* Without an IOMMU every page is back; behind one, less the page tables made. */
	if (!tu_spec_has(p, "iommu=") || tu_spec_has(p, "iommu=off"))
		assert_int_equal(after, before);
	/* Again: the same, to the page. */
	pool_cycle(p, dev, c, b, errors);
	assert_int_equal(free_pages_now(p), after);
	free(b);
	free(c);
	dmasim_platform_destroy(p);
}

static void test_pool(void **state)
{
	(void)state;
	pool_on("ram=16M@0x80000000 swiotlb=off");
	pool_on("ram=16M@0x80000000 iommu=on debug=off");
}

/* ---- the swiotlb ---------------------------------------------------------------- */

static void swiotlb_on(const char *spec)
{
	struct dmasim_platform *p = tu_platform(spec);
	struct device *dev = dmasim_device_create(p, "name=bounce");
	struct page *big = alloc_pages(GFP_KERNEL, 7); /* 512 KiB */
	dma_addr_t h[64];
	struct sg_table sgt;
	unsigned long errors;
	unsigned char *buf;
	int n = 0, again = 0;

	assert_non_null(dev);
	assert_non_null(big);
	buf = page_address(big);
	memset(buf, 0x3c, 512 * 1024);
	errors = dmasim_debug_errors(p);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	tu_log_clear();

	/* 64 KiB bounces until the 1 MiB pool is full. */
	for (;;) {
		assert_true(n < 64);
		h[n] = dma_map_single(dev, buf + (n % 8) * 64 * 1024, 64 * 1024, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, h[n]))
			break;
		n++;
	}
	assert_int_equal(n, 16);
	expect_one_line(p, errors, "swiotlb buffer is full");
	/*
	 * dma_map_sgtable: a full pool is -EIO, as is a segment longer than
	 * swiotlb can bounce (256 KiB: IO_TLB_SEGSIZE slots of 2 KiB), with the
	 * pool free; kernel/dma/direct.c dma_direct_map_sg() answers every
	 * entry dma_direct_map_page() fails with -EIO (mapping.c passes it on).
	 */
	assert_int_equal(sg_alloc_table(&sgt, 1, GFP_KERNEL), 0);
	sg_set_page(sgt.sgl, big, 4096, 0);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), -EIO);
	expect_one_line(p, errors, "swiotlb buffer is full");
	for (int i = 0; i < n; i++) {
		unsigned char got = 0;

		assert_int_equal(dmasim_dev_read(dev, h[i] + 100, &got, 1), 0);
		assert_int_equal(got, 0x3c);
		dma_unmap_single(dev, h[i], 64 * 1024, DMA_TO_DEVICE);
	}
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	sg_set_page(sgt.sgl, big, 512 * 1024, 0);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), -EIO);
	assert_int_equal(tu_log.total, 1);
	assert_log_has("cannot bounce");
	tu_log_clear();
	/* That report is misuse (dma_max_mapping_size() says so); nothing else is. */
	assert_int_equal(dmasim_debug_errors(p), errors + 1);
	errors++;
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	/* Recovered: the same sixteen fit again, and a table that fits maps. */
	for (;;) {
		assert_true(again < 64);
		h[again] = dma_map_single(dev, buf + (again % 8) * 64 * 1024, 64 * 1024, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, h[again]))
			break;
		again++;
	}
	assert_int_equal(again, n);
	tu_log_clear();
	for (int i = 0; i < again; i++)
		dma_unmap_single(dev, h[i], 64 * 1024, DMA_TO_DEVICE);
	sg_set_page(sgt.sgl, big, 64 * 1024, 0);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), 0);
	dma_unmap_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim_debug_errors(p), errors);
	sg_free_table(&sgt);
	__free_pages(big, 7);
	dmasim_platform_destroy(p);
}

static void test_swiotlb(void **state)
{
	(void)state;
	swiotlb_on("ram=64M@0x80000000 swiotlb=1M,force");
	swiotlb_on("ram=64M@0x80000000 swiotlb=1M,force debug=off");
}

/* ---- the IOVA space ---------------------------------------------------------------- */

static void iova_on(const char *spec)
{
	struct dmasim_platform *p = tu_platform(spec);
	/* A 24-bit device: 16 MiB of IOVA space for 64 MiB of RAM. */
	struct device *dev = dmasim_device_create(p, "name=narrow mask=24 max_seg=1M");
	struct iommu_domain *dom;
	struct dmasim_iova_stats st0, st;
	struct page *pg[64];
	dma_addr_t h[64];
	struct sg_table sgt;
	unsigned long errors;
	int n = 0, again = 0;

	assert_non_null(dev);
	dom = iommu_get_domain_for_dev(dev);
	assert_non_null(dom);
	for (int i = 0; i < 64; i++) {
		pg[i] = alloc_pages(GFP_KERNEL, 8); /* 1 MiB each */
		assert_non_null(pg[i]);
		memset(page_address(pg[i]), i, 1 << 20);
	}
	assert_int_equal(dmasim_iommu_iova_stats(dom, &st0), 0);
	errors = dmasim_debug_errors(p);
	tu_log_clear();

	for (;;) {
		assert_true(n < 64);
		h[n] = dma_map_page(dev, pg[n], 0, 1 << 20, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, h[n]))
			break;
		assert_true(h[n] + (1 << 20) - 1 <= DMA_BIT_MASK(24));
		n++;
	}
	assert_true(n >= 8 && n <= 16);
	/* DMA_MAPPING_ERROR and one warning (kernel: iommu_dma_alloc_iova() fails quietly). */
	expect_one_line(p, errors, "IOVA space exhausted");
	/* An sg table: -ENOMEM, as iommu_dma_map_sg() (drivers/iommu/dma-iommu.c) for no IOVA. */
	assert_int_equal(sg_alloc_table(&sgt, 1, GFP_KERNEL), 0);
	sg_set_page(sgt.sgl, pg[63], 1 << 20, 0);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), -ENOMEM);
	expect_one_line(p, errors, "IOVA space exhausted");
	for (int i = 0; i < n; i++) {
		unsigned char got = 0xff;

		assert_int_equal(dmasim_dev_read(dev, h[i] + 4095, &got, 1), 0);
		assert_int_equal(got, i);
		dma_unmap_page(dev, h[i], 1 << 20, DMA_TO_DEVICE);
	}
	assert_int_equal(dmasim_iommu_iova_stats(dom, &st), 0);
	assert_true(st.allocated == st0.allocated);
	assert_true(st.nr_ranges == st0.nr_ranges);
	/* Recovered: as many fit again, and the table maps. */
	for (;;) {
		assert_true(again < 64);
		h[again] = dma_map_page(dev, pg[again], 0, 1 << 20, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, h[again]))
			break;
		again++;
	}
	assert_int_equal(again, n);
	tu_log_clear();
	for (int i = 0; i < again; i++)
		dma_unmap_page(dev, h[i], 1 << 20, DMA_TO_DEVICE);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), 0);
	dma_unmap_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);
	assert_int_equal(dmasim_iommu_iova_stats(dom, &st), 0);
	assert_true(st.allocated == st0.allocated);
	assert_true(st.nr_ranges == st0.nr_ranges);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim_debug_errors(p), errors);
	sg_free_table(&sgt);
	for (int i = 0; i < 64; i++)
		__free_pages(pg[i], 8);
	dmasim_platform_destroy(p);
}

static void test_iova(void **state)
{
	(void)state;
	iova_on("ram=128M@0x80000000 iommu=on mode=strict");
	iova_on("ram=128M@0x80000000 iommu=on mode=strict iova=bitmap debug=off");
	iova_on("ram=128M@0x80000000 iommu=arm-v7s mode=strict");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ram),
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_swiotlb),
		cmocka_unit_test(test_iova),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
