/*
 * tests/scenario-api.c - the whole driver-facing DMA API, run unchanged on
 * whatever machine DMASIM_SPEC describes: direct mapping with or without
 * swiotlb, and every IOMMU format x allocator x invalidation mode of the
 * CTest matrix.  It asserts what must hold everywhere: the bytes a device
 * reads and writes, alignment, counts, directions enforced, nothing left
 * behind; and where the machine matters (bounce or IOVA), it asks the
 * machine rather than assuming.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "core/core.h"

static struct dmasim_platform *p;
static struct device *dev;

static int setup(void **state)
{
	p = tu_platform(NULL);
	if (!p)
		return -1;
	dev = dmasim_device_create(p, "name=api");
	if (!dev)
		return -1;
	/* The probe every driver does: 64 bits, else 32. */
	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)))
		return dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	return 0;
}

static int teardown(void **state)
{
	unsigned long maps = to_dmasim(dev)->nr_maps;

	dmasim_device_destroy(dev);
	dmasim_platform_destroy(p);
	/* Every scenario cleans up after itself: no mapping may remain. */
	return maps ? -1 : 0;
}

static bool behind_dma_domain(void)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	return dom && (dom->type & __IOMMU_DOMAIN_DMA_API);
}

static void fill(void *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		((unsigned char *)buf)[i] = (unsigned char)(seed + i * 13);
}

static void check(const void *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		if (((const unsigned char *)buf)[i] != (unsigned char)(seed + i * 13))
			fail_msg("byte %zu is 0x%02x, expected 0x%02x", i,
				 ((const unsigned char *)buf)[i], (unsigned char)(seed + i * 13));
}

static void streaming_single_every_direction(void **state)
{
	static const size_t sizes[] = { 1, 63, 64, 4095, 4096, 5000, 65536 };
	static const enum dma_data_direction dirs[] = { DMA_TO_DEVICE, DMA_FROM_DEVICE,
							 DMA_BIDIRECTIONAL };
	unsigned char *tmp = malloc(65536);

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(dirs); j++) {
			size_t len = sizes[i];
			unsigned char *buf = kmalloc(len + 100, GFP_KERNEL) + 100 * (j == 2);
			enum dma_data_direction dir = dirs[j];
			dma_addr_t h;

			assert_non_null(buf);
			fill(buf, len, (unsigned int)(i * 7 + j));
			h = dma_map_single(dev, buf, len, dir);
			assert_false(dma_mapping_error(dev, h));
			assert_true(h + len - 1 <= dma_get_mask(dev));
			if (dir != DMA_FROM_DEVICE) {
				assert_int_equal(dmasim_dev_read(dev, h, tmp, len), 0);
				check(tmp, len, (unsigned int)(i * 7 + j));
			} else if (tu_confined(dev)) {
				assert_int_equal(dmasim_dev_read(dev, h, tmp, 1), -EPERM);
			}
			if (dir != DMA_TO_DEVICE) {
				fill(tmp, len, (unsigned int)(i * 7 + j + 100));
				assert_int_equal(dmasim_dev_write(dev, h, tmp, len), 0);
				dma_sync_single_for_cpu(dev, h, len, dir);
				check(buf, len, (unsigned int)(i * 7 + j + 100));
			} else if (tu_confined(dev)) {
				assert_int_equal(dmasim_dev_write(dev, h, tmp, 1), -EPERM);
			}
			dma_unmap_single(dev, h, len, dir);
			kfree(buf - 100 * (j == 2));
		}
	}
	free(tmp);
}

static void streaming_page_with_offset(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	unsigned char got[3000];
	dma_addr_t h;

	assert_non_null(page);
	fill((char *)page_address(page) + 1234, 3000, 5);
	h = dma_map_page(dev, page, 1234, 3000, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	/* Offsets inside a page survive direct mapping and IOMMU granules (bounces: no). */
	{
		struct dmasim_xlate x;

		assert_int_equal(dmasim_dev_translate(dev, h, &x), 0);
		if (!x.bounced)
			assert_int_equal(h & 4095, (page_to_phys(page) + 1234) & 4095);
		assert_int_equal(x.orig_phys, page_to_phys(page) + 1234);
	}
	assert_int_equal(dmasim_dev_read(dev, h, got, sizeof(got)), 0);
	check(got, sizeof(got), 5);
	dma_unmap_page(dev, h, 3000, DMA_TO_DEVICE);
	__free_pages(page, 2);
}

static void scatter_gather_gathers_bytes(void **state)
{
	struct sg_table sgt;
	struct scatterlist *sg;
	struct page *pages[6];
	unsigned char *gathered = malloc(6 * 4096), *p8;
	size_t off = 0;
	int i, count = 0;

	for (i = 0; i < 6; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		fill(page_address(pages[i]), 4096, (unsigned int)i);
	}
	assert_int_equal(sg_alloc_table(&sgt, 6, GFP_KERNEL), 0);
	for_each_sgtable_sg(&sgt, sg, i)
		sg_set_page(sg, pages[i], 4096, 0);
	assert_int_equal(dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0), 0);
	assert_true(sgt.nents >= 1 && sgt.nents <= 6);
	if (!behind_dma_domain())
		assert_int_equal(sgt.nents, 6); /* only an IOMMU merges */
	for_each_sgtable_dma_sg(&sgt, sg, i) {
		assert_true(sg_dma_len(sg) <= dma_get_max_seg_size(dev));
		assert_int_equal(dmasim_dev_read(dev, sg_dma_address(sg), gathered + off,
						 sg_dma_len(sg)),
				 0);
		off += sg_dma_len(sg);
		count++;
	}
	assert_int_equal(count, sgt.nents);
	assert_int_equal(off, 6 * 4096);
	for (i = 0, p8 = gathered; i < 6; i++, p8 += 4096)
		check(p8, 4096, (unsigned int)i);
	dma_sync_sgtable_for_cpu(dev, &sgt, DMA_TO_DEVICE);
	dma_sync_sgtable_for_device(dev, &sgt, DMA_TO_DEVICE);
	dma_unmap_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);
	sg_free_table(&sgt);
	for (i = 0; i < 6; i++)
		__free_page(pages[i]);
	free(gathered);
}

static void scatter_gather_from_device(void **state)
{
	struct scatterlist sgl[3], *sg;
	char *bufs[3];
	unsigned char src[700];
	int i, n;

	sg_init_table(sgl, 3);
	for (i = 0; i < 3; i++) {
		bufs[i] = kzalloc(700, GFP_KERNEL);
		sg_set_buf(&sgl[i], bufs[i], 700);
	}
	n = (int)dma_map_sg(dev, sgl, 3, DMA_FROM_DEVICE);
	assert_true(n >= 1 && n <= 3);
	/* The device scatters one pattern per DMA segment's worth of bytes. */
	fill(src, sizeof(src), 9);
	for_each_sg(sgl, sg, n, i) {
		for (size_t done = 0; done < sg_dma_len(sg); done += 700)
			assert_int_equal(dmasim_dev_write(dev, sg_dma_address(sg) + done, src, 700), 0);
	}
	dma_sync_sg_for_cpu(dev, sgl, 3, DMA_FROM_DEVICE);
	dma_unmap_sg(dev, sgl, 3, DMA_FROM_DEVICE);
	for (i = 0; i < 3; i++) {
		check(bufs[i], 700, 9);
		kfree(bufs[i]);
	}
}

static void coherent_and_pool(void **state)
{
	dma_addr_t h, bh[64];
	unsigned char *c = dma_alloc_coherent(dev, 20000, &h, GFP_KERNEL);
	unsigned char got[100];
	struct dma_pool *pool;
	void *blk[64];

	assert_non_null(c);
	assert_true(h + 20000 - 1 <= dev->coherent_dma_mask);
	assert_int_equal(h & 4095, 0);
	for (int i = 0; i < 20000; i++)
		assert_int_equal(c[i], 0); /* zeroed */
	/* Coherent: each side sees the other's writes without any sync. */
	fill(got, 100, 3);
	assert_int_equal(dmasim_dev_write(dev, h + 19000, got, 100), 0);
	check(c + 19000, 100, 3);
	fill(c, 100, 4);
	assert_int_equal(dmasim_dev_read(dev, h, got, 100), 0);
	check(got, 100, 4);
	dma_free_coherent(dev, 20000, c, h);
	if (!tu_spec_has(p, "mode=lazy") && tu_confined(dev)) /* lazy: the IOTLB may still hold it */
		assert_int_equal(dmasim_dev_read(dev, h, got, 1), -EFAULT);

	pool = dma_pool_create("api", dev, 96, 32, 4096);
	assert_non_null(pool);
	for (int i = 0; i < 64; i++) {
		blk[i] = dma_pool_zalloc(pool, GFP_KERNEL, &bh[i]);
		assert_non_null(blk[i]);
		assert_int_equal(bh[i] & 31, 0);
		assert_int_equal(bh[i] / 4096, (bh[i] + 95) / 4096);
		assert_int_equal(dmasim_dev_write(dev, bh[i], &i, sizeof(i)), 0);
	}
	for (int i = 0; i < 64; i++) {
		assert_int_equal(*(int *)blk[i], i);
		dma_pool_free(pool, blk[i], bh[i]);
	}
	dma_pool_destroy(pool);
}

static void pages_noncoherent_noncontiguous(void **state)
{
	dma_addr_t h;
	struct page *page = dma_alloc_pages(dev, 8192, &h, DMA_BIDIRECTIONAL, GFP_KERNEL);
	struct sg_table *sgt;
	unsigned char got[64], *v;

	assert_non_null(page);
	fill(page_address(page), 8192, 1);
	dma_sync_single_for_device(dev, h, 8192, DMA_BIDIRECTIONAL);
	assert_int_equal(dmasim_dev_read(dev, h + 8000, got, 64), 0);
	check(got, 64, (unsigned int)(1 + 8000 * 13));
	dma_free_pages(dev, 8192, page, h, DMA_BIDIRECTIONAL);

	v = dma_alloc_noncoherent(dev, 3000, &h, DMA_FROM_DEVICE, GFP_KERNEL);
	assert_non_null(v);
	/*
	 * The CPU owns it until handed over (Documentation/core-api/dma-api.rst,
	 * "Part II - Non-coherent DMA allocations"; kernel/dma/direct.c zeroes
	 * it through the cache and does no maintenance): without this sync a
	 * dirty line of the zeroing may be evicted over the device's bytes.
	 */
	dma_sync_single_for_device(dev, h, 3000, DMA_FROM_DEVICE);
	fill(got, 64, 2);
	assert_int_equal(dmasim_dev_write(dev, h + 10, got, 64), 0);
	dma_sync_single_for_cpu(dev, h, 3000, DMA_FROM_DEVICE);
	check(v + 10, 64, 2);
	dma_free_noncoherent(dev, 3000, v, h, DMA_FROM_DEVICE);

	sgt = dma_alloc_noncontiguous(dev, 5 * 4096, DMA_TO_DEVICE, GFP_KERNEL, 0);
	assert_non_null(sgt);
	assert_int_equal(sgt->nents, 1); /* one segment for the device, however many pages */
	v = dma_vmap_noncontiguous(dev, 5 * 4096, sgt);
	assert_non_null(v);
	fill(v, 5 * 4096, 6);
	dma_sync_sgtable_for_device(dev, sgt, DMA_TO_DEVICE);
	{
		unsigned char *all = malloc(5 * 4096);

		assert_int_equal(dmasim_dev_read(dev, sg_dma_address(sgt->sgl), all, 5 * 4096), 0);
		check(all, 5 * 4096, 6);
		free(all);
	}
	dma_vunmap_noncontiguous(dev, v);
	dma_free_noncontiguous(dev, 5 * 4096, sgt, DMA_TO_DEVICE);
}

static void export_get_sgtable_and_mmap(void **state)
{
	dma_addr_t h;
	unsigned char *c = dma_alloc_coherent(dev, 3 * 4096, &h, GFP_KERNEL);
	struct vm_area_struct vma = { .vm_start = 0, .vm_end = 2 * 4096, .vm_pgoff = 1 };
	struct sg_table sgt;
	struct scatterlist *sg;
	size_t total = 0;
	int i;

	assert_non_null(c);
	assert_int_equal(dma_get_sgtable(dev, &sgt, c, h, 3 * 4096), 0);
	for_each_sgtable_sg(&sgt, sg, i)
		total += sg->length;
	assert_int_equal(total, 3 * 4096);
	sg_free_table(&sgt);
	assert_int_equal(dma_mmap_coherent(dev, &vma, c, h, 3 * 4096), 0);
	/* The "user" alias starts at the second page and shares its bytes. */
	((unsigned char *)vma.vm_start)[5] = 0xab;
	assert_int_equal(c[4096 + 5], 0xab);
	munmap((void *)vma.vm_start, vma.vm_end - vma.vm_start);
	dma_free_coherent(dev, 3 * 4096, c, h);
}

static void iova_two_step_or_fallback(void **state)
{
	struct dma_iova_state st;
	struct page *pages[3];
	unsigned char got[4096 * 3];
	int i;

	for (i = 0; i < 3; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		fill(page_address(pages[i]), 4096, (unsigned int)(20 + i));
	}
	if (!dma_iova_try_alloc(dev, &st, page_to_phys(pages[0]), 3 * 4096)) {
		/* No IOMMU DMA: the caller falls back to dma_map_page(), as drivers do. */
		assert_false(behind_dma_domain());
		assert_int_equal(dma_iova_link(dev, &st, page_to_phys(pages[0]), 0, 4096,
					       DMA_TO_DEVICE, 0),
				 -EOPNOTSUPP);
	} else {
		assert_true(behind_dma_domain());
		assert_true(dma_use_iova(&st));
		for (i = 0; i < 3; i++)
			assert_int_equal(dma_iova_link(dev, &st, page_to_phys(pages[i]),
						       (size_t)i * 4096, 4096, DMA_TO_DEVICE, 0),
					 0);
		assert_int_equal(dma_iova_sync(dev, &st, 0, 3 * 4096), 0);
		/* Three scattered pages, one contiguous bus range. */
		assert_int_equal(dmasim_dev_read(dev, st.addr, got, sizeof(got)), 0);
		for (i = 0; i < 3; i++)
			check(got + i * 4096, 4096, (unsigned int)(20 + i));
		dma_iova_unlink(dev, &st, 4096, 4096, DMA_TO_DEVICE, 0);
		if (!tu_spec_has(p, "mode=lazy"))
			assert_int_equal(dmasim_dev_read(dev, st.addr + 4096, got, 1), -EFAULT);
		dma_iova_destroy(dev, &st, 3 * 4096, DMA_TO_DEVICE, 0);
		assert_false(dma_use_iova(&st));
	}
	for (i = 0; i < 3; i++)
		__free_page(pages[i]);
}

static void misuse_is_caught_everywhere(void **state)
{
	char *buf = kmalloc(256, GFP_KERNEL);
	unsigned long errors = dmasim_debug_errors(p);
	char stackbuf[16];
	dma_addr_t h;

	/* Stack memory, a bogus unmap and an unmapped device access: on every machine. */
	assert_int_equal(dma_map_single(dev, stackbuf, 16, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	h = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	dma_unmap_single(dev, h + 0x100000, 256, DMA_TO_DEVICE);
	dma_unmap_single(dev, h, 256, DMA_TO_DEVICE);
	if (!tu_spec_has(p, "mode=lazy") && tu_confined(dev)) /* lazy mode may legitimately still translate */
		assert_int_equal(dmasim_dev_read(dev, h, stackbuf, 4), -EFAULT);
	/*
	 * Both reported where something records mappings; with debug=off and no
	 * IOMMU nothing knows h + 1 MiB was never mapped (docs/debugging.md).
	 */
	assert_true(dmasim_debug_errors(p) >= errors + (tu_confined(dev) ? 2 : 1));
	kfree(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(streaming_single_every_direction, setup, teardown),
		cmocka_unit_test_setup_teardown(streaming_page_with_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(scatter_gather_gathers_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(scatter_gather_from_device, setup, teardown),
		cmocka_unit_test_setup_teardown(coherent_and_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(pages_noncoherent_noncontiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(export_get_sgtable_and_mmap, setup, teardown),
		cmocka_unit_test_setup_teardown(iova_two_step_or_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(misuse_is_caught_everywhere, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
