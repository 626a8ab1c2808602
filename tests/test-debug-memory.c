/*
 * tests/test-debug-memory.c - DMA-API debugging's reports that join the
 * driver's memory to the device's view of it (lib/debug/memory.c): memory
 * freed while still mapped for DMA (kfree, __free_pages/free_pages, vfree;
 * the kernel checked pages this way in debug_dma_assert_idle(), once in
 * kernel/dma/debug.c), and, behind an IOMMU, a device access beyond its
 * mapping but inside the same IOMMU page, naming what it reached.  Each
 * misuse has its nearest correct sequence, which must not report.
 */
#include "testutil.h"

#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

static struct dmasim_platform *plat;
static struct device *dev;

static int setup(const char *spec)
{
	plat = tu_platform(spec);
	dev = plat ? dmasim_device_create(plat, "name=nic") : NULL;
	if (!dev || dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32)))
		return -1;
	return 0;
}

static int setup_direct(void **state)
{
	(void)state;
	return setup(NULL);
}

static int setup_iommu(void **state)
{
	(void)state;
	return setup("iommu=on");
}

static int setup_nodebug(void **state)
{
	(void)state;
	return setup("debug=off");
}

static int teardown(void **state)
{
	(void)state;
	dmasim_platform_destroy(plat);
	return 0;
}

static void expect_reports(unsigned long n)
{
	if (dmasim_debug_errors(plat) != n) {
		tu_log_dump();
		fail_msg("%lu reports, expected %lu", dmasim_debug_errors(plat), n);
	}
}

/* Exported, so the report's call site names it (the build hides symbols). */
__attribute__((__noinline__, visibility("default"))) dma_addr_t rx_map(void *buf, size_t len)
{
	return dma_map_single(dev, buf, len, DMA_FROM_DEVICE);
}

/* ---- kfree() of memory still mapped for DMA -------------------------------------- */

static void test_kfree_while_mapped(void **state)
{
	char *buf = kmalloc(256, GFP_KERNEL), want[160];
	dma_addr_t h = rx_map(buf + 64, 128);

	(void)state;
	assert_false(dma_mapping_error(dev, h));
	kfree(buf);
	snprintf(want, sizeof(want),
		 "DMA-API: nic: kfree: device driver frees memory still mapped for DMA [cpu address=%p] [phys 0x%llx+256] [mapped single at device address=0x%016llx] [size=128 bytes] [DMA_FROM_DEVICE] [mapped at rx_map+0x",
		 (void *)buf, (unsigned long long)virt_to_phys(buf), (unsigned long long)h);
	assert_log_has(want);
	/* A report, not a refusal: the object is free, the unmap still goes through. */
	dma_unmap_single(dev, h, 128, DMA_FROM_DEVICE);
	expect_reports(1);
}

static void test_kfree_after_unmap(void **state)
{
	char *buf = kmalloc(256, GFP_KERNEL), *next = kmalloc(256, GFP_KERNEL);
	dma_addr_t h = rx_map(buf, 256), hn;

	(void)state;
	assert_false(dma_mapping_error(dev, h));
	dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);
	kfree(buf);
	/* Another object of the same page is mapped: this free is still fine. */
	hn = rx_map(next, 256);
	assert_false(dma_mapping_error(dev, hn));
	buf = kmalloc(256, GFP_KERNEL);
	kfree(buf);
	dma_unmap_single(dev, hn, 256, DMA_FROM_DEVICE);
	kfree(next);
	expect_reports(0);
}

/* A large kmalloc (whole pages): the object is its size, not the whole block. */
static void test_kfree_large_while_mapped(void **state)
{
	char *buf = kmalloc(6000, GFP_KERNEL);
	dma_addr_t h = dma_map_single(dev, buf + 5000, 100, DMA_TO_DEVICE);

	(void)state;
	assert_false(dma_mapping_error(dev, h));
	kfree(buf);
	assert_log_has("kfree: device driver frees memory still mapped for DMA");
	assert_log_has("+6000] [mapped single at device address=");
	dma_unmap_single(dev, h, 100, DMA_TO_DEVICE);
	expect_reports(1);
}

/* ---- __free_pages(), free_pages(), vfree() ----------------------------------------- */

static void test_free_pages_while_mapped(void **state)
{
	struct page *pg = alloc_pages(GFP_KERNEL, 1);
	unsigned long addr = __get_free_pages(GFP_KERNEL, 0);
	dma_addr_t h = dma_map_page(dev, pg, PAGE_SIZE + 16, 64, DMA_BIDIRECTIONAL);
	dma_addr_t h2 = dma_map_single(dev, (void *)addr, 32, DMA_TO_DEVICE);

	(void)state;
	assert_false(dma_mapping_error(dev, h));
	assert_false(dma_mapping_error(dev, h2));
	__free_pages(pg, 1);
	assert_log_has("__free_pages: device driver frees memory still mapped for DMA");
	assert_log_has("+8192] [mapped page at device address=");
	free_pages(addr, 0);
	assert_log_has("nic: free_pages: device driver frees memory still mapped for DMA");
	dma_unmap_page(dev, h, 64, DMA_BIDIRECTIONAL);
	dma_unmap_single(dev, h2, 32, DMA_TO_DEVICE);
	expect_reports(2);
}

static void test_free_pages_after_unmap(void **state)
{
	struct page *pg = alloc_pages(GFP_KERNEL, 1);
	dma_addr_t h = dma_map_page(dev, pg, PAGE_SIZE + 16, 64, DMA_BIDIRECTIONAL);

	(void)state;
	assert_false(dma_mapping_error(dev, h));
	/* A reference that is not the last frees nothing: nothing to report yet. */
	get_page(pg);
	__free_pages(pg, 1);
	expect_reports(0);
	dma_unmap_page(dev, h, 64, DMA_BIDIRECTIONAL);
	__free_pages(pg, 1);
	expect_reports(0);
}

static void test_vfree_while_mapped(void **state)
{
	char *va = vmalloc(3 * PAGE_SIZE);
	struct page *second = vmalloc_to_page(va + PAGE_SIZE);
	struct page *third = vmalloc_to_page(va + 2 * PAGE_SIZE);
	dma_addr_t h = dma_map_page(dev, second, 0, PAGE_SIZE, DMA_TO_DEVICE);
	dma_addr_t h3 = dma_map_page(dev, third, 0, PAGE_SIZE, DMA_TO_DEVICE);

	(void)state;
	assert_false(dma_mapping_error(dev, h));
	assert_false(dma_mapping_error(dev, h3));
	vfree(va);
	/* One report per free, for the first page still mapped. */
	assert_log_has("vfree: device driver frees memory still mapped for DMA");
	dma_unmap_page(dev, h, PAGE_SIZE, DMA_TO_DEVICE);
	dma_unmap_page(dev, h3, PAGE_SIZE, DMA_TO_DEVICE);
	expect_reports(1);
}

static void test_vfree_after_unmap(void **state)
{
	char *va = vmalloc(2 * PAGE_SIZE);
	dma_addr_t h = dma_map_page(dev, vmalloc_to_page(va + PAGE_SIZE), 0, 64, DMA_TO_DEVICE);

	(void)state;
	assert_false(dma_mapping_error(dev, h));
	dma_unmap_page(dev, h, 64, DMA_TO_DEVICE);
	vfree(va);
	expect_reports(0);
}

/*
 * Behind an IOMMU an sg list's pages become one DMA segment: its record
 * starts at the first page, but the pages in between physically are not
 * mapped.  Freeing one of those is fine; freeing the list's second page is not.
 */
static void test_sg_iommu_while_mapped(void **state)
{
	struct page *p0 = alloc_page(GFP_KERNEL), *p1 = alloc_page(GFP_KERNEL);
	struct page *p2 = alloc_page(GFP_KERNEL);
	struct scatterlist sg[2];

	(void)state;
	assert_int_equal(page_to_phys(p1), page_to_phys(p0) + PAGE_SIZE);
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], p0, PAGE_SIZE, 0);
	sg_set_page(&sg[1], p2, PAGE_SIZE, 0);
	assert_int_equal(dma_map_sg(dev, sg, 2, DMA_TO_DEVICE), 1);
	assert_int_equal(sg_dma_len(&sg[0]), 2 * PAGE_SIZE);
	__free_page(p1);
	expect_reports(0);
	__free_page(p2);
	assert_log_has("__free_pages: device driver frees memory still mapped for DMA");
	assert_log_has("[mapped scatter-gather at device address=");
	dma_unmap_sg(dev, sg, 2, DMA_TO_DEVICE);
	__free_page(p0);
	expect_reports(1);
}

/* With debug=off nothing records mappings, so nothing is checked either. */
static void test_kfree_while_mapped_nodebug(void **state)
{
	char *buf = kmalloc(256, GFP_KERNEL);
	dma_addr_t h = rx_map(buf, 256);

	(void)state;
	assert_false(dma_mapping_error(dev, h));
	kfree(buf);
	dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);
	expect_reports(0);
}

/* ---- behind an IOMMU: the rest of a mapped page ------------------------------------ */

/*
 * Two kmalloc-256 objects side by side in one page; only the first is
 * mapped.  The IOMMU maps whole pages, so the device reaches the second
 * through the first's mapping: let through (real hardware does), reported,
 * naming the object it reached and the mapping that opened the page.
 */
static void test_subpage_reaches_neighbour(void **state)
{
	char *a = kmalloc(256, GFP_KERNEL), *b = kmalloc(256, GFP_KERNEL), got[8], want[200];
	dma_addr_t h;

	(void)state;
	assert_ptr_equal(b, a + 256); /* the slab hands out neighbours */
	memcpy(b, "secret!", 8);
	h = dma_map_single(dev, a, 256, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim_dev_read(dev, h + 256, got, 8), 0);
	assert_memory_equal(got, "secret!", 8);
	snprintf(want, sizeof(want), "device reached bus address 0x%016llx outside every buffer mapped for it",
		 (unsigned long long)(h + 256));
	assert_log_has(want);
	snprintf(want, sizeof(want), "[phys 0x%llx is in a live kmalloc-256 object %p]",
		 (unsigned long long)virt_to_phys(b), (void *)b);
	assert_log_has(want);
	snprintf(want, sizeof(want), "[IOMMU page shared with the single mapping at device address=0x%016llx] [size=256 bytes]",
		 (unsigned long long)h);
	assert_log_has(want);
	dma_unmap_single(dev, h, 256, DMA_TO_DEVICE);
	kfree(b);
	kfree(a);
	expect_reports(1);
}

/* A freed neighbour is named as such: what the device reached is nobody's now. */
static void test_subpage_reaches_free_object(void **state)
{
	char *a = kmalloc(256, GFP_KERNEL), *b = kmalloc(256, GFP_KERNEL), want[120];
	dma_addr_t h;

	(void)state;
	kfree(b);
	h = dma_map_single(dev, a, 256, DMA_BIDIRECTIONAL);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim_dev_write(dev, h + 300, "x", 1), 0);
	snprintf(want, sizeof(want), "is in a free kmalloc-256 object %p]", (void *)b);
	assert_log_has(want);
	dma_unmap_single(dev, h, 256, DMA_BIDIRECTIONAL);
	kfree(a);
	expect_reports(1);
}

/* The nearest correct sequence: every byte of the mapping, and nothing past it. */
static void test_subpage_within_mapping(void **state)
{
	char *a = kmalloc(256, GFP_KERNEL), *b = kmalloc(256, GFP_KERNEL), got[256];
	dma_addr_t h = dma_map_single(dev, a, 256, DMA_BIDIRECTIONAL);

	(void)state;
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim_dev_read(dev, h, got, 256), 0);
	assert_int_equal(dmasim_dev_write(dev, h + 255, "y", 1), 0);
	dma_unmap_single(dev, h, 256, DMA_BIDIRECTIONAL);
	assert_int_equal(a[255], 'y');
	kfree(b);
	kfree(a);
	expect_reports(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kfree_while_mapped, setup_direct, teardown),
		cmocka_unit_test_setup_teardown(test_kfree_after_unmap, setup_direct, teardown),
		cmocka_unit_test_setup_teardown(test_kfree_large_while_mapped, setup_direct, teardown),
		cmocka_unit_test_setup_teardown(test_free_pages_while_mapped, setup_direct, teardown),
		cmocka_unit_test_setup_teardown(test_free_pages_after_unmap, setup_direct, teardown),
		cmocka_unit_test_setup_teardown(test_vfree_while_mapped, setup_direct, teardown),
		cmocka_unit_test_setup_teardown(test_vfree_after_unmap, setup_direct, teardown),
		cmocka_unit_test_setup_teardown(test_kfree_while_mapped_nodebug, setup_nodebug, teardown),
		cmocka_unit_test_setup_teardown(test_kfree_while_mapped, setup_iommu, teardown),
		cmocka_unit_test_setup_teardown(test_sg_iommu_while_mapped, setup_iommu, teardown),
		cmocka_unit_test_setup_teardown(test_subpage_reaches_neighbour, setup_iommu, teardown),
		cmocka_unit_test_setup_teardown(test_subpage_reaches_free_object, setup_iommu, teardown),
		cmocka_unit_test_setup_teardown(test_subpage_within_mapping, setup_iommu, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
