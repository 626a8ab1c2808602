/*
 * tests/scenario-user-pages.c - a driver doing DMA straight to and from a
 * user buffer, as a read()/write() method of a character device does
 * (seed 003, LDD3 chapter 15's get_user_pages(); today's pin_user_pages()):
 * pin the buffer's pages, build an sg_table from them, map it, let the
 * device move the bytes, unmap, unpin marking the pages dirty.  Run
 * unchanged on every machine of the CTest matrix; the buffer is on the
 * heap, in static data and on the stack.  The pinned pages of a user buffer
 * are physically scattered, so the table has one segment per page (unless
 * DMASIM_SPEC says user_pages=contiguous).
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

static struct dmasim_platform *p;
static struct device *dev;

static int setup(void **state)
{
	(void)state;
	p = tu_platform(NULL);
	if (!p)
		return -1;
	dev = dmasim_device_create(p, "name=gup");
	if (!dev)
		return -1;
	/* The probe every driver does: 64 bits, else 32. */
	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)))
		return dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dmasim_device_destroy(dev);
	dmasim_platform_destroy(p);
	return 0;
}

static unsigned char pattern(size_t i, unsigned int seed)
{
	return (unsigned char)(seed + i * 31 + (i >> 8));
}

/*
 * The driver's read(): the device fills @len bytes of the user buffer @ubuf
 * through DMA.  The device model writes, for each DMA segment, the bytes
 * that belong at that offset of the transfer.  Return: bytes transferred or
 * -errno, as a read() method.
 */
static long drv_read(unsigned char *ubuf, size_t len, unsigned int seed, bool use_get)
{
	unsigned long start = (unsigned long)ubuf, offset = start & ~PAGE_MASK;
	int n = (int)((offset + len + PAGE_SIZE - 1) >> PAGE_SHIFT), got, i;
	struct page **pages = kcalloc((size_t)n, sizeof(*pages), GFP_KERNEL);
	struct scatterlist *sg;
	struct sg_table sgt;
	size_t done = 0;
	long ret;

	if (!pages)
		return -ENOMEM;
	got = use_get ? get_user_pages_fast(start, n, FOLL_WRITE, pages) :
			pin_user_pages_fast(start, n, FOLL_WRITE, pages);
	if (got != n) {
		kfree(pages);
		return got < 0 ? got : -EFAULT;
	}
	ret = sg_alloc_table_from_pages(&sgt, pages, (unsigned int)n, offset, len, GFP_KERNEL);
	if (ret)
		goto unpin;
	/* Scattered user pages: no two merge into one CPU segment. */
	if (!tu_spec_has(p, "user_pages=contiguous"))
		assert_int_equal(sgt.orig_nents, n);
	else
		assert_true(sgt.orig_nents >= 1 && sgt.orig_nents <= (unsigned int)n);
	ret = dma_map_sgtable(dev, &sgt, DMA_FROM_DEVICE, 0);
	if (ret)
		goto free_table;
	for_each_sgtable_dma_sg(&sgt, sg, i) {
		unsigned char chunk[4096];
		size_t seg = sg_dma_len(sg);

		for (size_t off = 0; off < seg; off += sizeof(chunk)) {
			size_t k = seg - off < sizeof(chunk) ? seg - off : sizeof(chunk);

			for (size_t j = 0; j < k; j++)
				chunk[j] = pattern(done + off + j, seed);
			assert_int_equal(dmasim_dev_write(dev, sg_dma_address(sg) + off, chunk, k), 0);
		}
		done += seg;
	}
	assert_int_equal(done, len);
	dma_unmap_sgtable(dev, &sgt, DMA_FROM_DEVICE, 0);
	ret = (long)len;
free_table:
	sg_free_table(&sgt);
unpin:
	if (use_get) {
		/* LDD3's way: dirty each page, then drop the reference. */
		for (i = 0; i < n; i++) {
			set_page_dirty_lock(pages[i]);
			put_page(pages[i]);
		}
	} else {
		unpin_user_pages_dirty_lock(pages, (unsigned long)n, ret > 0);
	}
	kfree(pages);
	return ret;
}

/* The driver's write(): the device reads @len bytes of the user buffer. */
static long drv_write(const unsigned char *ubuf, size_t len, unsigned char *seen)
{
	unsigned long start = (unsigned long)ubuf, offset = start & ~PAGE_MASK;
	int n = (int)((offset + len + PAGE_SIZE - 1) >> PAGE_SHIFT), i;
	struct page **pages = kcalloc((size_t)n, sizeof(*pages), GFP_KERNEL);
	struct scatterlist *sg;
	struct sg_table sgt;
	size_t done = 0;
	long ret;

	if (!pages)
		return -ENOMEM;
	ret = pin_user_pages(start, (unsigned long)n, 0, pages);
	if (ret != n) {
		kfree(pages);
		return ret < 0 ? ret : -EFAULT;
	}
	ret = sg_alloc_table_from_pages(&sgt, pages, (unsigned int)n, offset, len, GFP_KERNEL);
	if (!ret)
		ret = dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);
	if (!ret) {
		for_each_sgtable_dma_sg(&sgt, sg, i) {
			assert_int_equal(dmasim_dev_read(dev, sg_dma_address(sg), seen + done,
							 sg_dma_len(sg)), 0);
			done += sg_dma_len(sg);
		}
		dma_unmap_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);
		ret = (long)done;
	}
	sg_free_table(&sgt);
	unpin_user_pages(pages, (unsigned long)n);
	kfree(pages);
	return ret;
}

static void read_and_check(unsigned char *ubuf, size_t len, unsigned int seed, bool use_get)
{
	assert_int_equal(drv_read(ubuf, len, seed, use_get), (long)len);
	for (size_t i = 0; i < len; i++)
		if (ubuf[i] != pattern(i, seed))
			fail_msg("user byte %zu is 0x%02x, the device wrote 0x%02x", i, ubuf[i],
				 pattern(i, seed));
}

static void scenario_read_heap_buffer(void **state)
{
	size_t len = 5 * PAGE_SIZE + 300;
	unsigned char *buf = malloc(len + 1000);

	(void)state;
	assert_non_null(buf);
	memset(buf, 0, len + 1000);
	read_and_check(buf + 123, len, 1, false);
	/* Bytes around the transfer are untouched; the heap still works. */
	assert_int_equal(buf[122], 0);
	assert_int_equal(buf[123 + len], 0);
	free(buf);
	free(malloc(4096));
	assert_int_equal(dmasim_debug_errors(p), 0);
}

static unsigned char static_buffer[4 * 4096 + 77];

static void scenario_read_static_buffer_get_user_pages(void **state)
{
	(void)state;
	read_and_check(static_buffer + 7, sizeof(static_buffer) - 7, 2, true);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

static __attribute__((__noinline__)) void read_into_stack(unsigned int seed)
{
	unsigned char buf[3 * 4096 + 500];
	volatile int canary = 0x1234;

	memset(buf, 0, sizeof(buf));
	read_and_check(buf + 11, sizeof(buf) - 11, seed, false);
	assert_int_equal(canary, 0x1234);
}

static void scenario_read_stack_buffer(void **state)
{
	(void)state;
	read_into_stack(3);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

/* Two transfers from one buffer at once: its pages pinned twice, as two in-flight requests. */
static void scenario_write_twice_pinned(void **state)
{
	size_t len = 3 * PAGE_SIZE;
	unsigned char *buf = malloc(len), *seen = malloc(len);
	unsigned long start;
	struct page *held[4];
	int n;

	(void)state;
	assert_non_null(buf);
	assert_non_null(seen);
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(i, 9);
	start = (unsigned long)buf;
	n = (int)(((start + len - 1) >> PAGE_SHIFT) - (start >> PAGE_SHIFT) + 1);
	/* The first request keeps its pin while the second runs. */
	assert_int_equal(pin_user_pages_fast(start, n, 0, held), n);
	assert_int_equal(drv_write(buf, len, seen), (long)len);
	assert_memory_equal(seen, buf, len);
	/* copy_to_user()/copy_from_user() reach the pinned buffer too. */
	assert_int_equal(copy_to_user(buf, "user", 4), 0);
	assert_int_equal(copy_from_user(seen, buf, 4), 0);
	assert_memory_equal(seen, "user", 4);
	unpin_user_pages(held, (unsigned long)n);
	assert_memory_equal(buf, "user", 4);
	free(seen);
	free(buf);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(scenario_read_heap_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(scenario_read_static_buffer_get_user_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(scenario_read_stack_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(scenario_write_twice_pinned, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
