/*
 * tests/test-dma-map.c - the DMA API layer: masks and queries, streaming
 * mappings (single, page, resource), scatter-gather, syncs, the device side
 * and the two-step IOVA fallback, over dma-direct and swiotlb.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <linux/highmem.h>

#include "dma/dma.h"

static unsigned long dev_to_nr_maps(struct device *dev)
{
	return to_dmasim(dev)->nr_maps;
}

static struct dmasim_platform *plat(const char *spec)
{
	struct dmasim_platform *p = tu_platform_on(TU_SOC, spec);

	assert_non_null(p);
	return p;
}

static struct device *mkdev(struct dmasim_platform *p, const char *spec)
{
	struct device *dev = dmasim_device_create(p, spec);

	assert_non_null(dev);
	return dev;
}

/* ---- masks and queries ------------------------------------------------------- */

static void test_masks_default(void **state)
{
	struct dmasim_platform *p = plat("ram=256M@0x80000000");
	struct device *dev = mkdev(p, "name=m");

	assert_int_equal(dma_get_mask(dev), DMA_BIT_MASK(32));
	assert_int_equal(dev->coherent_dma_mask, DMA_BIT_MASK(32));
	assert_int_equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	assert_int_equal(dma_get_mask(dev), DMA_BIT_MASK(64));
	assert_int_equal(dma_set_mask(dev, DMA_BIT_MASK(32)), 0);
	/* RAM ends at 0x8fffffff: 32 bits suffice, nothing is limited. */
	assert_int_equal(dma_get_required_mask(dev), DMA_BIT_MASK(32));
	assert_false(dma_addressing_limited(dev));
	/* Only RAM and swiotlb above 16 MiB: a 24-bit mask is refused and left unchanged. */
	assert_int_equal(dma_set_mask(dev, DMA_BIT_MASK(24)), -EIO);
	assert_int_equal(dma_get_mask(dev), DMA_BIT_MASK(32));
	assert_int_equal(dma_set_coherent_mask(dev, DMA_BIT_MASK(24)), -EIO);
	assert_int_equal(dma_supported(dev, DMA_BIT_MASK(24)), 0);
	assert_int_equal(dma_supported(dev, DMA_BIT_MASK(32)), 1);
	assert_int_equal(dma_get_cache_alignment(), 64);
	assert_int_equal(dma_get_max_seg_size(dev), 65536);
	assert_int_equal(dma_set_max_seg_size(dev, 4096), 0);
	assert_int_equal(dma_get_max_seg_size(dev), 4096);
	assert_int_equal(dma_set_max_seg_size(dev, 0), -EINVAL);
	assert_int_equal(dma_get_seg_boundary(dev), ~0UL);
	assert_int_equal(dma_set_seg_boundary(dev, 0xfff), 0);
	assert_int_equal(dma_get_seg_boundary(dev), 0xfff);
	assert_int_equal(dma_get_seg_boundary_nr_pages(dev, PAGE_SHIFT), 1);
	assert_int_equal(dma_set_seg_boundary(dev, 0x1000), -EINVAL);
	dma_set_min_align_mask(dev, 0x3ff);
	assert_int_equal(dma_get_min_align_mask(dev), 0x3ff);
	assert_int_equal(dma_get_merge_boundary(dev), 0);
	assert_true(dma_can_mmap(dev));
	dmasim_platform_destroy(p);
}

static void test_masks_low_memory(void **state)
{
	/* Low RAM and a swiotlb below 16 MiB make a 24-bit device workable. */
	struct dmasim_platform *p = plat("ram=16M@0x0,256M@0x80000000 swiotlb=4M@0x400000");
	struct device *dev = mkdev(p, "name=isa");
	void *buf;
	dma_addr_t h;

	assert_int_equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(24)), 0);
	assert_true(dma_addressing_limited(dev));
	assert_int_equal(dma_get_required_mask(dev), DMA_BIT_MASK(32));
	buf = kmalloc(512, GFP_KERNEL);
	memset(buf, 0x5a, 512);
	assert_true(virt_to_phys(buf) >= 0x80000000ULL);
	h = dma_map_single(dev, buf, 512, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_true(h + 512 - 1 <= DMA_BIT_MASK(24));
	assert_true(h >= 0x400000 && h < 0x800000); /* a bounce slot */
	{
		unsigned char got[512];

		assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), 0);
		for (int i = 0; i < 512; i++)
			assert_int_equal(got[i], 0x5a);
	}
	assert_true(dma_need_sync(dev, h));
	dma_unmap_single(dev, h, 512, DMA_TO_DEVICE);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	assert_true(dma_max_mapping_size(dev) <= 256 * 1024);
	kfree(buf);
	dmasim_platform_destroy(p);
}

static void test_bus_offset_and_limit(void **state)
{
	struct dmasim_platform *p = plat("ram=256M@0x80000000");
	struct device *dev = mkdev(p, "name=off offset=0x80000000 mask=32");
	struct device *lim = mkdev(p, "name=lim limit=0x83ffffff mask=64");
	char *buf = kmalloc(128, GFP_KERNEL);
	dma_addr_t h;
	char got[8];

	strcpy(buf, "offset");
	h = dma_map_single(dev, buf, 128, DMA_BIDIRECTIONAL);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(h, virt_to_phys(buf) - 0x80000000ULL);
	assert_int_equal(dmasim_dev_read(dev, h, got, 7), 0);
	assert_string_equal(got, "offset");
	assert_int_equal(dma_get_required_mask(dev), DMA_BIT_MASK(28));
	dma_unmap_single(dev, h, 128, DMA_BIDIRECTIONAL);

	/* A 64-bit device behind a bus limit bounces what lies above the limit. */
	assert_true(dma_addressing_limited(lim));
	h = dma_map_single(lim, buf, 128, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(lim, h));
	assert_true(h + 127 <= 0x83ffffffULL);
	dma_unmap_single(lim, h, 128, DMA_TO_DEVICE);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* ---- streaming ------------------------------------------------------------------ */

static void test_map_single_roundtrip(void **state)
{
	struct dmasim_platform *p = plat("ram=256M@0x80000000");
	struct device *dev = mkdev(p, "name=rt");
	unsigned char *buf = kmalloc(4096, GFP_KERNEL);
	unsigned char pattern[4096];
	dma_addr_t h;

	for (int i = 0; i < 4096; i++)
		pattern[i] = (unsigned char)(i * 7);
	/* FROM_DEVICE: the device writes, the CPU reads after the sync. */
	h = dma_map_single(dev, buf, 4096, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(h, virt_to_phys(buf));
	assert_int_equal(dmasim_dev_write(dev, h, pattern, 4096), 0);
	dma_sync_single_for_cpu(dev, h, 4096, DMA_FROM_DEVICE);
	assert_memory_equal(buf, pattern, 4096);
	/* The device may not read a FROM_DEVICE buffer. */
	assert_int_equal(dmasim_dev_read(dev, h, pattern, 16), -EPERM);
	dma_unmap_single(dev, h, 4096, DMA_FROM_DEVICE);
	/* After unmap the device reaches nothing there. */
	assert_int_equal(dmasim_dev_write(dev, h, pattern, 16), -EFAULT);
	assert_log_has("not mapped for it");
	kfree(buf);
	dmasim_platform_destroy(p);
}

/*
 * debug=off keeps no mapping records: without an IOMMU a device reaches any
 * RAM its bus window reaches, as real hardware does (DMA-API debugging is
 * what confines it, as kernel/dma/debug.c only checks with
 * CONFIG_DMA_API_DEBUG); the window still ends at the bus limit and RAM.
 */
static void test_debug_off_window_reach(void **state)
{
	struct dmasim_platform *p = plat("ram=256M@0x80000000 debug=off");
	struct device *dev = mkdev(p, "name=win");
	unsigned char *buf = kmalloc(4096, GFP_KERNEL), *other = kmalloc(4096, GFP_KERNEL);
	unsigned char got[16];
	struct dmasim_xlate x;
	dma_addr_t h;

	(void)state;
	memset(other, 0x5c, 4096);
	h = dma_map_single(dev, buf, 4096, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	/* Memory never mapped for it: reached, as on real hardware. */
	assert_int_equal(dmasim_dev_read(dev, virt_to_phys(other), got, sizeof(got)), 0);
	assert_int_equal(got[0], 0x5c);
	assert_int_equal(dmasim_dev_translate(dev, virt_to_phys(other), &x), 0);
	assert_int_equal(x.phys, virt_to_phys(other));
	assert_string_equal(x.kind, "unrecorded");
	/* Outside RAM: a bus error, without a report. */
	assert_int_equal(dmasim_dev_read(dev, 0x1000, got, sizeof(got)), -EFAULT);
	dma_unmap_single(dev, h, 4096, DMA_FROM_DEVICE);
	kfree(buf);
	kfree(other);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);

	/* debug=on: outside the mappings is reported and refused. */
	p = plat("ram=256M@0x80000000 debug=on");
	dev = mkdev(p, "name=win");
	other = kmalloc(4096, GFP_KERNEL);
	assert_int_equal(dmasim_dev_read(dev, virt_to_phys(other), got, sizeof(got)), -EFAULT);
	assert_log_has("not mapped for it");
	assert_int_equal(dmasim_debug_errors(p), 1);
	kfree(other);
	dmasim_platform_destroy(p);
}

static void test_map_page_highmem(void **state)
{
	struct dmasim_platform *p = plat("ram=64M@0x80000000,64M@0x90000000:high");
	struct device *dev = mkdev(p, "name=hp");
	struct page *page = alloc_page(GFP_HIGHUSER);
	char *va;
	dma_addr_t h;
	char got[6] = { 0 };

	if (!tu_spec_has(p, ":high")) { /* DMASIM_SPEC replaced the RAM layout */
		dmasim_platform_destroy(p);
		skip();
	}
	assert_non_null(page);
	assert_null(page_address(page));
	va = kmap_local_page(page);
	memcpy(va + 100, "high!", 5);
	kunmap_local(va);
	h = dma_map_page(dev, page, 100, 5, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(h, page_to_phys(page) + 100);
	assert_int_equal(dmasim_dev_read(dev, h, got, 5), 0);
	assert_string_equal(got, "high!");
	dma_unmap_page(dev, h, 5, DMA_TO_DEVICE);
	__free_page(page);
	dmasim_platform_destroy(p);
}

static void test_map_rejects_foreign_memory(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = mkdev(p, "name=bad");
	static char static_buf[64];
	char stack_buf[64];
	char *heap = malloc(64);
	void *vm = vmalloc(8192);

	assert_int_equal(dma_map_single(dev, stack_buf, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	assert_log_has("stack");
	assert_int_equal(dma_map_single(dev, static_buf, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	assert_log_has("static data");
	assert_int_equal(dma_map_single(dev, heap, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	assert_log_has("pin_user_pages_fast");
	assert_non_null(vm);
	assert_int_equal(dma_map_single(dev, vm, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	assert_log_has("vmalloc");
	assert_int_equal(dma_map_single(dev, NULL, 64, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	assert_int_equal(dmasim_debug_errors(p), 5);
	vfree(vm);
	free(heap);
	dmasim_platform_destroy(p);
}

static void test_bad_arguments(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = mkdev(p, "name=args");
	char *buf = kmalloc(256, GFP_KERNEL);
	dma_addr_t h;
	unsigned long before;

	assert_int_equal(dma_map_single(NULL, buf, 16, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	assert_log_has("NULL device");
	assert_int_equal(dma_map_single(dev, buf, 16, DMA_NONE), DMA_MAPPING_ERROR);
	assert_log_has("invalid DMA direction 3");
	assert_int_equal(dma_map_single(dev, buf, 16, (enum dma_data_direction)7),
			 DMA_MAPPING_ERROR);
	assert_int_equal(dma_map_single(dev, buf, 0, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	assert_log_has("size 0");
	/* Beyond the end of RAM. */
	assert_int_equal(dma_map_page(dev, virt_to_page(buf), 0, 512ULL << 20, DMA_TO_DEVICE),
			 DMA_MAPPING_ERROR);
	assert_log_has("not inside one RAM region");
	assert_int_equal(dma_map_page(dev, NULL, 0, 16, DMA_TO_DEVICE), DMA_MAPPING_ERROR);

	/* Unmapping what was never mapped, or the error value, changes nothing. */
	h = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	before = dmasim_debug_errors(p);
	dma_unmap_single(dev, h + 4096, 256, DMA_TO_DEVICE);
	assert_log_has("has not allocated");
	dma_unmap_single(dev, DMA_MAPPING_ERROR, 256, DMA_TO_DEVICE);
	assert_log_has("invalid DMA memory address");
	assert_int_equal(dmasim_debug_errors(p), before + 2);
	{
		char got[4];

		assert_int_equal(dmasim_dev_read(dev, h, got, 4), 0);
	}
	dma_unmap_single(dev, h, 256, DMA_TO_DEVICE);
	assert_int_equal(dmasim_debug_errors(p), before + 2);
	kfree(buf);
	dmasim_platform_destroy(p);
}

static void test_unmap_mismatches(void **state)
{
	struct dmasim_platform *p = plat("ram=256M@0x80000000 swiotlb=4M,force");
	struct device *dev = mkdev(p, "name=mm");
	char *buf = kmalloc(1024, GFP_KERNEL);
	dma_addr_t h;

	memset(buf, 1, 1024);
	h = dma_map_single(dev, buf, 1024, DMA_BIDIRECTIONAL);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim__swiotlb_used(p), 1);
	/* Wrong size and direction are reported; the recorded ones release the bounce. */
	tu_log_clear();
	dma_unmap_single(dev, h, 512, DMA_TO_DEVICE);
	assert_log_has("different size [device address=");
	assert_log_has("[map size=1024 bytes] [unmap size=512 bytes]");
	assert_log_has("different direction");
	assert_int_equal(dmasim__swiotlb_used(p), 0);

	/* Mapped as single, unmapped as page: reported, still released. */
	h = dma_map_single(dev, buf, 1024, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	tu_log_clear();
	dma_unmap_page(dev, h, 1024, DMA_TO_DEVICE);
	assert_log_has("wrong function");
	assert_int_equal(dmasim__swiotlb_used(p), 0);

	/* Not checking the map error is what DMA-API debugging reports too. */
	h = dma_map_single(dev, buf, 1024, DMA_TO_DEVICE);
	tu_log_clear();
	dma_unmap_single(dev, h, 1024, DMA_TO_DEVICE);
	assert_log_has("failed to check map error");
	kfree(buf);
	dmasim_platform_destroy(p);
}

static void test_debug_off_silences_debug_checks(void **state)
{
	struct dmasim_platform *p = plat("debug=off");
	struct device *dev = mkdev(p, "name=quiet");
	char *buf = kmalloc(64, GFP_KERNEL);
	dma_addr_t h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);

	dma_unmap_single(dev, h, 64, DMA_TO_DEVICE); /* unchecked: not reported */
	assert_int_equal(dmasim_debug_errors(p), 0);
	/* Bad input is still refused and reported. */
	assert_int_equal(dma_map_single(dev, buf, 64, DMA_NONE), DMA_MAPPING_ERROR);
	assert_int_equal(dmasim_debug_errors(p), 1);
	kfree(buf);
	dmasim_platform_destroy(p);
}

static void test_skip_cpu_sync_and_bounce_copies(void **state)
{
	struct dmasim_platform *p = plat("ram=256M@0x80000000 swiotlb=4M,force");
	struct device *dev = mkdev(p, "name=bounce");
	char *buf = kmalloc(64, GFP_KERNEL);
	char got[8] = { 0 };
	dma_addr_t h;

	strcpy(buf, "first");
	h = dma_map_single(dev, buf, 64, DMA_BIDIRECTIONAL);
	assert_false(dma_mapping_error(dev, h));
	assert_int_not_equal(h, virt_to_phys(buf));
	/* The CPU changes the buffer: the device sees it only after sync_for_device. */
	strcpy(buf, "second");
	assert_int_equal(dmasim_dev_read(dev, h, got, 6), 0);
	assert_memory_equal(got, "first", 5);
	dma_sync_single_for_device(dev, h, 64, DMA_BIDIRECTIONAL);
	assert_int_equal(dmasim_dev_read(dev, h, got, 6), 0);
	assert_memory_equal(got, "second", 6);
	/* The device writes: the CPU sees it after sync_for_cpu. */
	assert_int_equal(dmasim_dev_write(dev, h, "third", 6), 0);
	assert_string_equal(buf, "second");
	dma_sync_single_range_for_cpu(dev, h, 0, 6, DMA_BIDIRECTIONAL);
	assert_string_equal(buf, "third");
	/* SKIP_CPU_SYNC on unmap: nothing is copied back. */
	assert_int_equal(dmasim_dev_write(dev, h, "lost!", 6), 0);
	dma_unmap_single_attrs(dev, h, 64, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	assert_string_equal(buf, "third");
	kfree(buf);
	dmasim_platform_destroy(p);
}

static void test_sync_checks(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = mkdev(p, "name=sync");
	char *buf = kmalloc(256, GFP_KERNEL);
	dma_addr_t h = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);

	assert_false(dma_mapping_error(dev, h));
	tu_log_clear();
	dma_sync_single_for_cpu(dev, h + 100, 200, DMA_TO_DEVICE);
	assert_log_has("outside allocated range");
	dma_sync_single_for_device(dev, h + 8192, 8, DMA_TO_DEVICE);
	assert_log_has("it has not allocated");
	dma_sync_single_for_device(dev, h, 8, DMA_FROM_DEVICE);
	assert_log_has("different direction");
	dma_sync_single_range_for_device(dev, h, 128, 128, DMA_TO_DEVICE);
	dma_unmap_single(dev, h, 256, DMA_TO_DEVICE);
	kfree(buf);
	dmasim_platform_destroy(p);
}

static void test_map_resource(void **state)
{
	struct dmasim_platform *p = plat("ram=256M@0x80000000");
	struct device *dev = mkdev(p, "name=p2p");
	dma_addr_t h;
	struct dmasim_xlate x;
	char c;

	h = dma_map_resource(dev, 0x10000000, 4096, DMA_BIDIRECTIONAL, 0);
	assert_int_equal(h, 0x10000000);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim_dev_translate(dev, h + 8, &x), 0);
	assert_string_equal(x.kind, "resource");
	assert_int_equal(x.phys, 0x10000008);
	assert_int_equal(dmasim_dev_read(dev, h, &c, 1), -EFAULT); /* MMIO is not simulated */
	dma_unmap_resource(dev, h, 4096, DMA_BIDIRECTIONAL, 0);
	/* RAM is refused; beyond the mask too. */
	assert_int_equal(dma_map_resource(dev, 0x80000000, 4096, DMA_TO_DEVICE, 0),
			 DMA_MAPPING_ERROR);
	assert_log_has("is RAM");
	assert_int_equal(dma_map_resource(dev, 0x200000000ULL, 4096, DMA_TO_DEVICE, 0),
			 DMA_MAPPING_ERROR);
	dmasim_platform_destroy(p);
}

/* ---- scatter-gather ---------------------------------------------------------------- */

static void test_map_sg(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = mkdev(p, "name=sg");
	struct scatterlist sgl[4], *s;
	char *bufs[4];
	int i, n;

	sg_init_table(sgl, 4);
	for (i = 0; i < 4; i++) {
		bufs[i] = kmalloc(1000 + i, GFP_KERNEL);
		memset(bufs[i], 'a' + i, 1000 + i);
		sg_set_buf(&sgl[i], bufs[i], 1000 + i);
	}
	n = (int)dma_map_sg(dev, sgl, 4, DMA_TO_DEVICE);
	assert_int_equal(n, 4); /* dma-direct never merges */
	for_each_sg(sgl, s, n, i) {
		char got[1003];

		assert_int_equal(sg_dma_len(s), 1000 + i);
		assert_int_equal(dmasim_dev_read(dev, sg_dma_address(s), got, sg_dma_len(s)), 0);
		assert_int_equal(got[0], 'a' + i);
		assert_int_equal(got[sg_dma_len(s) - 1], 'a' + i);
	}
	dma_sync_sg_for_device(dev, sgl, 4, DMA_TO_DEVICE);
	dma_sync_sg_for_cpu(dev, sgl, 4, DMA_TO_DEVICE);
	/* Unmapping with another count is what the howto forbids. */
	tu_log_clear();
	dma_unmap_sg(dev, sgl, 3, DMA_TO_DEVICE);
	assert_log_has("different entry count [map count=4] [unmap count=3]");
	dma_unmap_sg(dev, &sgl[3], 1, DMA_TO_DEVICE);
	assert_int_equal(dev_to_nr_maps(dev), 0);
	/* Bad lists give 0. */
	assert_int_equal(dma_map_sg(dev, NULL, 4, DMA_TO_DEVICE), 0);
	assert_int_equal(dma_map_sg(dev, sgl, 0, DMA_TO_DEVICE), 0);
	assert_int_equal(dma_map_sg(dev, sgl, 5, DMA_TO_DEVICE), 0);
	assert_log_has("more than the list holds");
	for (i = 0; i < 4; i++)
		kfree(bufs[i]);
	dmasim_platform_destroy(p);
}

/*
 * Issue 14 defect 2: an nents larger than the list is refused by every sg
 * entry point the same way, with one report, before anything is touched:
 * dma_unmap_sg() used to walk past the end of the list.  The list is a heap
 * array of exactly two entries, so ASan sees any step past it.
 */
static void sg_nents_beyond_on(const char *spec)
{
	struct dmasim_platform *p = plat(spec);
	struct device *dev = mkdev(p, "name=sgn");
	struct scatterlist *sgl = malloc(2 * sizeof(*sgl));
	struct sg_table sgt;
	unsigned char *buf = kmalloc(2 * PAGE_SIZE, GFP_KERNEL);
	unsigned char got;
	int n;

	assert_non_null(sgl);
	assert_non_null(buf);
	memset(buf, 0x5a, 2 * PAGE_SIZE);
	sg_init_table(sgl, 2);
	sg_set_buf(&sgl[0], buf, PAGE_SIZE);
	sg_set_buf(&sgl[1], buf + PAGE_SIZE, PAGE_SIZE);
	n = (int)dma_map_sg(dev, sgl, 2, DMA_TO_DEVICE);
	assert_true(n >= 1);
	tu_log_clear();

	dma_unmap_sg(dev, sgl, 5, DMA_TO_DEVICE);
	assert_int_equal(tu_log.total, 1);
	assert_log_has("dma_unmap_sg: nents 5 is more than the list holds (2 entries)");
	dma_sync_sg_for_cpu(dev, sgl, 3, DMA_TO_DEVICE);
	assert_int_equal(tu_log.total, 2);
	assert_log_has("dma_sync_sg_for_cpu: nents 3 is more than the list holds (2 entries)");
	dma_sync_sg_for_device(dev, sgl, 3, DMA_TO_DEVICE);
	assert_int_equal(tu_log.total, 3);
	assert_log_has("dma_sync_sg_for_device: nents 3 is more than the list holds (2 entries)");
	sgt = (struct sg_table){ .sgl = sgl, .nents = (unsigned int)n, .orig_nents = 4 };
	dma_unmap_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);
	assert_int_equal(tu_log.total, 4);
	assert_log_has("dma_unmap_sg: nents 4 is more than the list holds (2 entries)");
	dma_sync_sgtable_for_cpu(dev, &sgt, DMA_TO_DEVICE);
	assert_int_equal(tu_log.total, 5);
	assert_log_has("dma_sync_sgtable_for_cpu: nents 4 is more than the list holds (2 entries)");
	assert_int_equal(dma_map_sg(dev, sgl, 3, DMA_TO_DEVICE), 0);
	assert_int_equal(tu_log.total, 6);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(tu_log.total, 7);
	assert_log_has("dma_map_sgtable: nents 4 is more than the list holds (2 entries)");

	/* Nothing was unmapped: the device still reads the list's bytes. */
	for (int i = 0; i < n; i++) {
		got = 0;
		assert_int_equal(dmasim_dev_read(dev, sg_dma_address(&sgl[i]) + 7, &got, 1), 0);
		assert_int_equal(got, 0x5a);
	}
	/* The nearest correct sequence reports nothing. */
	tu_log_clear();
	dma_sync_sg_for_cpu(dev, sgl, 2, DMA_TO_DEVICE);
	dma_unmap_sg(dev, sgl, 2, DMA_TO_DEVICE);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim_debug_errors(p), 7);
	kfree(buf);
	free(sgl);
	dmasim_platform_destroy(p);
}

static void test_sg_nents_beyond_list(void **state)
{
	(void)state;
	sg_nents_beyond_on("ram=256M@0x80000000");
	sg_nents_beyond_on("ram=256M@0x80000000 debug=off");
	sg_nents_beyond_on("ram=256M@0x80000000 iommu=on");
	sg_nents_beyond_on("ram=256M@0x80000000 iommu=on debug=off");
}

static void test_map_sgtable_errors_unwind(void **state)
{
	/* A 2-slot-segment pool that fills up: the second half of the table fails. */
	struct dmasim_platform *p = plat("ram=256M@0x80000000 swiotlb=256K,force");
	struct device *dev = mkdev(p, "name=sgt");
	struct sg_table sgt;
	struct scatterlist *s;
	struct page *pages[2];
	int i;

	pages[0] = alloc_pages(GFP_KERNEL, 6); /* 256 KiB */
	pages[1] = alloc_pages(GFP_KERNEL, 6);
	assert_int_equal(sg_alloc_table(&sgt, 2, GFP_KERNEL), 0);
	for_each_sgtable_sg(&sgt, s, i)
		sg_set_page(s, pages[i], 128 * 1024, 0);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), 0);
	assert_int_equal(sgt.nents, 2);
	dma_sync_sgtable_for_device(dev, &sgt, DMA_TO_DEVICE);
	dma_unmap_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);
	assert_int_equal(dmasim__swiotlb_used(p), 0);

	/*
	 * Two 256 KiB entries need more than the pool: -EIO, everything undone
	 * (kernel/dma/direct.c dma_direct_map_sg(): any entry that fails to map
	 * is -EIO, a full swiotlb included).
	 */
	for_each_sgtable_sg(&sgt, s, i)
		sg_set_page(s, pages[i], 256 * 1024, 0);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), -EIO);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	assert_int_equal(dev_to_nr_maps(dev), 0);
	assert_int_equal(dma_map_sgtable(dev, NULL, DMA_TO_DEVICE, 0), -EINVAL);
	sg_free_table(&sgt);
	__free_pages(pages[0], 6);
	__free_pages(pages[1], 6);
	dmasim_platform_destroy(p);
}

static void test_sg_segment_limits_reported(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = mkdev(p, "name=seg max_seg=4096 seg_boundary=0xfff");
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	struct scatterlist sg;

	sg_init_table(&sg, 1);
	sg_set_page(&sg, page, 8192, 2048);
	tu_log_clear();
	assert_int_equal(dma_map_sg(dev, &sg, 1, DMA_TO_DEVICE), 1);
	assert_log_has("longer than device claims to support [len=8192] [max=4096]");
	assert_log_has("across boundary");
	dma_unmap_sg(dev, &sg, 1, DMA_TO_DEVICE);
	__free_pages(page, 2);
	dmasim_platform_destroy(p);
}

/* ---- device side, queries, IOVA fallback ------------------------------------------- */

static void test_dev_access_spans_mappings(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = mkdev(p, "name=span");
	struct page *page = alloc_pages(GFP_KERNEL, 1);
	char *va = page_address(page);
	dma_addr_t a, b;
	char got[16];

	memcpy(va + 4090, "0123456789ab", 12);
	/* Two adjacent mappings: one device read may cross from one into the other. */
	a = dma_map_page(dev, page, 0, 4096, DMA_TO_DEVICE);
	b = dma_map_page(dev, page, 4096, 4096, DMA_BIDIRECTIONAL);
	assert_int_equal(b, a + 4096);
	assert_int_equal(dmasim_dev_read(dev, a + 4090, got, 12), 0);
	assert_memory_equal(got, "0123456789ab", 12);
	/* Writing across them fails on the read-only part. */
	assert_int_equal(dmasim_dev_write(dev, a + 4090, got, 12), -EPERM);
	assert_int_equal(dmasim_dev_write(dev, b, got, 12), 0);
	/* Past the end of the second: -EFAULT. */
	assert_int_equal(dmasim_dev_read(dev, b + 4090, got, 12), -EFAULT);
	assert_int_equal(dmasim_dev_read(NULL, a, got, 1), -EINVAL);
	assert_int_equal(dmasim_dev_read(dev, a, NULL, 1), -EINVAL);
	assert_int_equal(dmasim_dev_read(dev, a, got, 0), 0);
	dma_unmap_page(dev, a, 4096, DMA_TO_DEVICE);
	dma_unmap_page(dev, b, 4096, DMA_BIDIRECTIONAL);
	__free_pages(page, 1);
	dmasim_platform_destroy(p);
}

static void test_need_sync_unmap(void **state)
{
	struct dmasim_platform *p = plat("debug=off");
	struct device *coh = mkdev(p, "name=coh coherent=1");
	struct device *nc = mkdev(p, "name=nc coherent=0");

	assert_false(dma_need_sync(coh, 0x88000000));
	assert_true(dma_need_sync(coh, dmasim__swiotlb_start(p))); /* a bounce slot */
	assert_true(dma_need_sync(nc, 0x88000000));
	assert_false(dma_need_unmap(coh));
	assert_true(dma_need_unmap(nc));
	assert_int_equal(dma_max_mapping_size(coh), SIZE_MAX);
	assert_int_equal(dma_opt_mapping_size(coh), SIZE_MAX);
	dmasim_platform_destroy(p);
}

static void test_iova_api_without_iommu(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = mkdev(p, "name=iova");
	struct dma_iova_state st = { .addr = 1, .size = 2 };

	assert_false(dma_iova_try_alloc(dev, &st, 0x80000000, 4096));
	assert_false(dma_use_iova(&st));
	assert_int_equal(dma_iova_link(dev, &st, 0x80000000, 0, 4096, DMA_TO_DEVICE, 0),
			 -EOPNOTSUPP);
	assert_int_equal(dma_iova_sync(dev, &st, 0, 4096), -EOPNOTSUPP);
	dma_iova_unlink(dev, &st, 0, 4096, DMA_TO_DEVICE, 0);
	dma_iova_destroy(dev, &st, 0, DMA_TO_DEVICE, 0);
	dma_iova_free(dev, &st);
	dmasim_platform_destroy(p);
}

static void test_leaks_reported_at_destroy(void **state)
{
	struct dmasim_platform *p = plat("swiotlb=4M,force");
	struct device *dev = mkdev(p, "name=leaky");
	char *buf = kmalloc(64, GFP_KERNEL);
	dma_addr_t h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);

	assert_false(dma_mapping_error(dev, h));
	{
		/* The dump lists live mappings with their call sites, like dma-debug's dump. */
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		dmasim_platform_dump(p, f);
		fclose(f);
		assert_non_null(strstr(text, "    single "));
		assert_non_null(strstr(text, "[mapped at "));
		free(text);
	}
	tu_log_clear();
	dmasim_device_destroy(dev);
	assert_log_has("device destroyed with 1 outstanding");
	assert_log_has("leaked single");
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	kfree(buf);
	dmasim_platform_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masks_default),
		cmocka_unit_test(test_masks_low_memory),
		cmocka_unit_test(test_bus_offset_and_limit),
		cmocka_unit_test(test_map_single_roundtrip),
		cmocka_unit_test(test_map_page_highmem),
		cmocka_unit_test(test_map_rejects_foreign_memory),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_unmap_mismatches),
		cmocka_unit_test(test_debug_off_silences_debug_checks),
		cmocka_unit_test(test_skip_cpu_sync_and_bounce_copies),
		cmocka_unit_test(test_sync_checks),
		cmocka_unit_test(test_map_resource),
		cmocka_unit_test(test_map_sg),
		cmocka_unit_test(test_map_sgtable_errors_unwind),
		cmocka_unit_test(test_sg_segment_limits_reported),
		cmocka_unit_test(test_dev_access_spans_mappings),
		cmocka_unit_test(test_need_sync_unmap),
		cmocka_unit_test(test_iova_api_without_iommu),
		cmocka_unit_test(test_leaks_reported_at_destroy),
		cmocka_unit_test(test_debug_off_window_reach),
		cmocka_unit_test(test_sg_nents_beyond_list),
	};

	/* This module pins its machines: exact addresses are asserted. */
	unsetenv("DMASIM_SPEC");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
