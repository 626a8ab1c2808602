/*
 * tests/test-teardown-leaks.c - dmasim_platform_destroy() frees everything
 * dmasim allocated, whatever the driver leaked (issue 14 defect 7).
 *
 * A driver leaks one of everything (streaming, sg and bounced mappings,
 * coherent memory in one piece and scattered behind an IOMMU, pages,
 * noncontiguous tables, pools destroyed busy or never destroyed, managed
 * memory, IOVA ranges and links, kmalloc, pages, vmalloc, vmap, kmap) on
 * many machines, and only the platform is destroyed.  The proof is the
 * process's own end: the ASan build runs with LeakSanitizer
 * (detect_leaks=1), and the Debug build runs this program under valgrind
 * (tests/CMakeLists.txt), both failing on any block dmasim still holds.
 * What the test asserts itself: the leaks are reported, nothing crashes.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

static void leak_everything(struct dmasim_platform *p, struct device *dev)
{
	struct scatterlist *sg = calloc(2, sizeof(*sg));
	struct dma_iova_state iova = { 0 };
	struct dma_pool *busy, *never;
	struct page *pages[3];
	unsigned char *buf, *sgbuf;
	dma_addr_t h;
	void *blk;

	assert_non_null(sg);
	/* streaming: single, page, sg */
	buf = kmalloc(512, GFP_KERNEL);
	assert_non_null(buf);
	h = dma_map_single(dev, buf, 512, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	h = dma_map_page(dev, virt_to_page(buf), 0, 256, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	sgbuf = kmalloc(2 * PAGE_SIZE, GFP_KERNEL);
	assert_non_null(sgbuf);
	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], sgbuf, PAGE_SIZE);
	sg_set_buf(&sg[1], sgbuf + PAGE_SIZE, PAGE_SIZE);
	assert_true(dma_map_sg(dev, sg, 2, DMA_BIDIRECTIONAL) > 0);
	/* coherent: one page, and several (scattered behind an IOMMU) */
	assert_non_null(dma_alloc_coherent(dev, PAGE_SIZE, &h, GFP_KERNEL));
	assert_non_null(dma_alloc_coherent(dev, 5 * PAGE_SIZE, &h, GFP_KERNEL));
	assert_non_null(dma_alloc_pages(dev, 2 * PAGE_SIZE, &h, DMA_TO_DEVICE, GFP_KERNEL));
	assert_non_null(dma_alloc_noncontiguous(dev, 3 * PAGE_SIZE, DMA_FROM_DEVICE, GFP_KERNEL, 0));
	assert_non_null(dmam_alloc_coherent(dev, 3 * PAGE_SIZE, &h, GFP_KERNEL));
	/* pools: destroyed with a busy block, and never destroyed; small and multi-page */
	busy = dma_pool_create("busy", dev, 64, 0, 0);
	assert_non_null(busy);
	blk = dma_pool_alloc(busy, GFP_KERNEL, &h);
	assert_non_null(blk);
	dma_pool_destroy(busy);
	busy = dma_pool_create("busy-big", dev, 3 * PAGE_SIZE, 0, 0);
	assert_non_null(busy);
	assert_non_null(dma_pool_alloc(busy, GFP_KERNEL, &h));
	assert_non_null(dma_pool_alloc(busy, GFP_KERNEL, &h));
	dma_pool_destroy(busy);
	never = dma_pool_create("never", dev, 8192, 0, 0);
	assert_non_null(never);
	assert_non_null(dma_pool_alloc(never, GFP_KERNEL, &h));
	assert_non_null(dmam_pool_create("managed", dev, 128, 0, 0));
	/* the two-step IOVA API (a no-op without an IOMMU DMA domain) */
	if (dma_iova_try_alloc(dev, &iova, virt_to_phys(sgbuf), 2 * PAGE_SIZE))
		assert_int_equal(dma_iova_link(dev, &iova, virt_to_phys(sgbuf), 0, PAGE_SIZE,
					       DMA_TO_DEVICE, 0), 0);
	/* memory */
	assert_non_null(kmalloc(100, GFP_KERNEL));
	assert_non_null(kmalloc(3 * PAGE_SIZE, GFP_KERNEL));
	assert_non_null(alloc_pages(GFP_KERNEL, 2));
	assert_non_null(vmalloc(5 * PAGE_SIZE));
	for (int i = 0; i < 3; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		assert_non_null(pages[i]);
	}
	assert_non_null(vmap(pages, 3, VM_MAP, PAGE_KERNEL));
	assert_non_null(kmap(pages[0]));
	(void)p;
	/* the list is the driver's own host memory: it frees that */
	free(sg);
}

static void leak_on(const char *spec)
{
	struct dmasim_platform *p = tu_platform(spec);
	struct device *dev, *gone;

	assert_non_null(p);
	dev = dmasim_device_create(p, "name=leaky");
	assert_non_null(dev);
	gone = dmasim_device_create(p, "name=gone");
	assert_non_null(gone);
	leak_everything(p, dev);
	leak_everything(p, gone);
	tu_log_clear();
	dmasim_device_destroy(gone); /* one device destroyed, the other left to the platform */
	assert_true(tu_log.total > 0); /* the busy pools at least, also with debug off */
	tu_log_clear();
	dmasim_platform_destroy(p);
	assert_true(tu_log.total > 0);
}

static void test_platform_destroy_frees_leaks(void **state)
{
	static const char *const specs[] = {
		"ram=64M@0x80000000",
		"ram=64M@0x80000000 debug=off",
		"ram=64M@0x80000000 swiotlb=8M,force",
		"ram=64M@0x80000000 iommu=on",
		"ram=64M@0x80000000 iommu=on debug=off",
		"ram=64M@0x80000000 iommu=on mode=lazy",
		"ram=64M@0x80000000 iommu=arm-v7s iova=bitmap mode=lazy debug=off",
		"ram=64M@0x80000000 cache=noncoherent",
		"ram=64M@0x80000000 cache=noncoherent iommu=on",
		"ram=64M@0x80000000 cache=noncoherent iommu=on debug=off",
		"ram=32M@0x80000000,64M@0x100000000:high iommu=on",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++)
		leak_on(specs[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_platform_destroy_frees_leaks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
