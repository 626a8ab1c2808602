/*
 * tests/sanitize-memory.c - CPU-side memory errors in simulated memory, for
 * AddressSanitizer and valgrind's memcheck to catch (lib/mm/shadow.h).
 *
 * `sanitize-memory CASE` makes one bad access (each case a bug a driver
 * makes) and exits 0 if nothing stopped it; CTest runs the cases under the
 * ASan build and under valgrind and expects the tool's report.  The case
 * `ok` is the nearest correct sequence of all of them, plus the accesses
 * dmasim itself makes to the same memory (a device's writes and reads, a
 * bounce, a cache-model sync, dma_pool's poison fill): it must run clean
 * under both tools with no misuse report.
 *
 * Not a CMocka program: the tool's abort is the expected outcome.
 */
#include <stdio.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <dmasim/dmasim.h>

/* Out of sight of the compiler's own bounds checks: the tools must catch these. */
static volatile size_t where;

static unsigned char *touch(unsigned char *buf, size_t at)
{
	where = at;
	buf[where] = 0x5a;
	return buf;
}

static int run(const char *what, struct device *dev)
{
	if (!strcmp(what, "kmalloc-overflow")) {
		/* The example: 4200 bytes into a 1536-byte kmalloc object. */
		unsigned char *buf = kmalloc(1536, GFP_KERNEL);

		memset(buf, 0, 4200);
		kfree(buf);
	} else if (!strcmp(what, "kmalloc-use-after-free")) {
		unsigned char *buf = kmalloc(200, GFP_KERNEL);
		unsigned char *keep = kmalloc(200, GFP_KERNEL); /* the slab stays */

		kfree(buf);
		touch(buf, 10);
		kfree(keep);
	} else if (!strcmp(what, "krealloc-overflow")) {
		/* Shrunk in place: the rest of the old object is a redzone again. */
		unsigned char *buf = krealloc(kmalloc(1000, GFP_KERNEL), 100, GFP_KERNEL);

		touch(buf, 100);
		kfree(buf);
	} else if (!strcmp(what, "pages-use-after-free")) {
		struct page *pg = alloc_pages(GFP_KERNEL, 1);
		unsigned char *va = page_address(pg);

		__free_pages(pg, 1);
		touch(va, PAGE_SIZE + 8);
	} else if (!strcmp(what, "vmalloc-overflow")) {
		unsigned char *va = vmalloc(3000);

		touch(va, 3000);
		vfree(va);
	} else if (!strcmp(what, "coherent-overflow")) {
		dma_addr_t h;
		unsigned char *va = dma_alloc_coherent(dev, 100, &h, GFP_KERNEL);

		touch(va, 100);
		dma_free_coherent(dev, 100, va, h);
	} else if (!strcmp(what, "pool-overflow")) {
		struct dma_pool *pool = dma_pool_create("desc", dev, 24, 8, 0);
		dma_addr_t h;
		unsigned char *blk = dma_pool_alloc(pool, GFP_KERNEL, &h);

		touch(blk, 24);
		dma_pool_free(pool, blk, h);
		dma_pool_destroy(pool);
	} else if (!strcmp(what, "ok")) {
		unsigned char *buf = kmalloc(1536, GFP_KERNEL), out[64];
		unsigned char *va, *blk, *co;
		struct dma_pool *pool = dma_pool_create("desc", dev, 24, 8, 0);
		struct page *pg = alloc_pages(GFP_KERNEL, 1);
		dma_addr_t h, hb, hc;

		/* Every byte that was asked for, and the device's side of the same memory. */
		memset(buf, 0, 1536);
		h = dma_map_single(dev, buf, 1536, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(dev, h))
			return 2;
		if (dmasim_dev_write(dev, h, "from the device", 16) ||
		    dmasim_dev_read(dev, h + 1500, out, 36))
			return 2;
		dma_unmap_single(dev, h, 1536, DMA_BIDIRECTIONAL);
		if (memcmp(buf, "from the device", 16))
			return 2;
		/* ksize(): the whole slot is the caller's now, as under KASAN. */
		memset(buf, 1, ksize(buf));
		/* krealloc() in place and moved: the object's new size is the caller's. */
		buf = krealloc(buf, 100, GFP_KERNEL);
		memset(buf, 2, 100);
		buf = krealloc(buf, 3000, GFP_KERNEL);
		memset(buf, 3, 3000);
		kfree(buf);
		/* Freed memory handed out again is addressable again. */
		memset(page_address(pg), 0, 2 * PAGE_SIZE);
		__free_pages(pg, 1);
		pg = alloc_pages(GFP_KERNEL, 1);
		memset(page_address(pg), 0, 2 * PAGE_SIZE);
		__free_pages(pg, 1);
		va = vmalloc(3000);
		memset(va, 0, 3000);
		vfree(va);
		co = dma_alloc_coherent(dev, 100, &hc, GFP_KERNEL);
		memset(co, 0, 100);
		if (dmasim_dev_write(dev, hc, out, 64))
			return 2;
		dma_free_coherent(dev, 100, co, hc);
		blk = dma_pool_alloc(pool, GFP_KERNEL, &hb);
		memset(blk, 0, 24);
		dma_pool_free(pool, blk, hb);
		blk = dma_pool_zalloc(pool, GFP_KERNEL, &hb);
		touch(blk, 23);
		dma_pool_free(pool, blk, hb);
		dma_pool_destroy(pool);
	} else {
		fprintf(stderr, "sanitize-memory: unknown case '%s'\n", what);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct dmasim_platform *p;
	struct device *dev;
	unsigned long errors;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: sanitize-memory CASE\n");
		return 2;
	}
	p = dmasim_platform_create(NULL);
	dev = p ? dmasim_device_create(p, "name=nic") : NULL;
	if (!dev || dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)))
		return 2;
	ret = run(argv[1], dev);
	errors = dmasim_debug_errors(p);
	dmasim_platform_destroy(p);
	if (!ret && errors) {
		fprintf(stderr, "sanitize-memory: %lu misuse reports\n", errors);
		ret = 1;
	}
	if (!ret)
		printf("sanitize-memory %s: nothing caught it\n", argv[1]);
	return ret;
}
