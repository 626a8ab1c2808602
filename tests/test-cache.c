/*
 * tests/test-cache.c - the cache models.  Under cache=noncoherent every sync
 * rule is checked twice: the correct driver sequence gives the right bytes,
 * and the same sequence without the sync gives the stale ones, every time.
 * Also: coherent memory needs no sync, a coherent device snoops, shared
 * cache lines corrupt each other, and bounce buffers and the IOMMU follow
 * the same rules.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include "dma/dma.h"

struct machine {
	const char *spec;
};

static const struct machine machines[] = {
	{ "cache=noncoherent" },
	{ "cache=noncoherent:line=128" },
	{ "cache=noncoherent swiotlb=16M,force" },
	{ "cache=noncoherent iommu=on" },
	{ "cache=noncoherent iommu=arm-v7s mode=lazy debug=off" },
};

static struct dmasim_platform *p;
static struct device *dev;

/* Whether @h of @d is a bounce slot (then the invalidates hit the slot, not the buffer). */
static bool bounced(struct device *d, dma_addr_t h)
{
	struct dmasim_xlate x;

	return !dmasim_dev_translate(d, h, &x) && x.bounced;
}

static int setup(void **state)
{
	const struct machine *m = *state;

	p = tu_platform_on(TU_SOC, m->spec);
	if (!p)
		return -1;
	dev = dmasim_device_create(p, "name=nc");
	return dev && !dev->dma_coherent ? 0 : -1;
}

static int teardown(void **state)
{
	dmasim_platform_destroy(p);
	return 0;
}

static char *buffer(size_t len, char fill)
{
	char *b = kmalloc(len, GFP_KERNEL);

	assert_non_null(b);
	memset(b, fill, len);
	return b;
}

/* FROM_DEVICE: the CPU sees the device's bytes only after sync_for_cpu (or unmap). */
static void from_device_needs_sync_for_cpu(void **state)
{
	char *buf = buffer(256, 'o');
	dma_addr_t h = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE);
	char news[256];

	assert_false(dma_mapping_error(dev, h));
	memset(news, 'N', sizeof(news));
	assert_int_equal(dmasim_dev_write(dev, h, news, sizeof(news)), 0);
	/* Missing sync: the CPU still sees what it had (or what RAM held when the map invalidated). */
	assert_int_not_equal(buf[0], 'N');
	assert_int_not_equal(buf[255], 'N');
	dma_sync_single_for_cpu(dev, h, 256, DMA_FROM_DEVICE);
	assert_int_equal(buf[0], 'N');   /* correct sequence: the device's bytes */
	assert_int_equal(buf[255], 'N');
	/* Given back to the device and written again: stale until the unmap. */
	dma_sync_single_for_device(dev, h, 256, DMA_FROM_DEVICE);
	memset(news, 'M', sizeof(news));
	assert_int_equal(dmasim_dev_write(dev, h, news, sizeof(news)), 0);
	assert_int_equal(buf[10], 'N');
	dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);
	assert_int_equal(buf[10], 'M');
	kfree(buf);
}

/* TO_DEVICE: CPU writes after the map reach the device only after sync_for_device. */
static void to_device_needs_sync_for_device(void **state)
{
	char *buf = buffer(128, 'a');
	dma_addr_t h = dma_map_single(dev, buf, 128, DMA_TO_DEVICE);
	char got[128];

	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim_dev_read(dev, h, got, 128), 0);
	assert_int_equal(got[0], 'a');   /* the map cleaned: the device sees 'a' */
	memset(buf, 'b', 128);           /* the CPU refills the buffer... */
	assert_int_equal(dmasim_dev_read(dev, h, got, 128), 0);
	assert_int_equal(got[0], 'a');   /* ...missing sync: the device reads old bytes */
	dma_sync_single_for_device(dev, h, 128, DMA_TO_DEVICE);
	assert_int_equal(dmasim_dev_read(dev, h, got, 128), 0);
	assert_int_equal(got[0], 'b');
	assert_int_equal(got[127], 'b');
	dma_unmap_single(dev, h, 128, DMA_TO_DEVICE);
	kfree(buf);
}

/* Writing before the map is enough: the map itself cleans. */
static void bidirectional_round_trip(void **state)
{
	char *buf = buffer(64, 'x');
	dma_addr_t h = dma_map_single(dev, buf, 64, DMA_BIDIRECTIONAL);
	char got[64];

	assert_int_equal(dmasim_dev_read(dev, h, got, 64), 0);
	assert_int_equal(got[63], 'x');
	memset(got, 'y', sizeof(got));
	assert_int_equal(dmasim_dev_write(dev, h, got, 64), 0);
	assert_int_equal(buf[0], 'x');
	dma_sync_single_for_cpu(dev, h, 64, DMA_BIDIRECTIONAL);
	assert_int_equal(buf[0], 'y');
	dma_unmap_single(dev, h, 64, DMA_BIDIRECTIONAL);
	kfree(buf);
}

/* Coherent memory is an uncached alias: no sync, both sides see each other at once. */
static void coherent_needs_no_sync(void **state)
{
	dma_addr_t h;
	char *c = dma_alloc_coherent(dev, 8192, &h, GFP_KERNEL);
	char got[4];

	assert_non_null(c);
	assert_false(virt_addr_valid(c)); /* not the (cached) linear map */
	c[100] = 'c';
	assert_int_equal(dmasim_dev_read(dev, h + 100, got, 1), 0);
	assert_int_equal(got[0], 'c');
	assert_int_equal(dmasim_dev_write(dev, h + 8000, "dev", 4), 0);
	assert_string_equal(c + 8000, "dev");
	dma_free_coherent(dev, 8192, c, h);
}

/* Two buffers in one cache line: invalidating one discards the CPU's writes to the other. */
static void shared_line_corrupts_neighbour(void **state)
{
	unsigned int line = p->cache->line;
	struct page *page = alloc_page(GFP_KERNEL);
	char *va = page_address(page), *neighbour = va + 16;
	dma_addr_t h;
	char news[8];

	assert_non_null(page);
	memset(va, 0, line);
	/* The device's buffer is the first 8 bytes; a CPU structure lives right after it. */
	h = dma_map_page(dev, page, 0, 8, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	strcpy(neighbour, "precious");     /* the CPU updates its structure meanwhile */
	memset(news, 'D', sizeof(news));
	assert_int_equal(dmasim_dev_write(dev, h, news, 8), 0);
	if (bounced(dev, h)) {
		/* A bounce copies back just the 8 bytes: the neighbour survives. */
		dma_unmap_page(dev, h, 8, DMA_FROM_DEVICE);
		assert_string_equal(neighbour, "precious");
	} else {
		dma_unmap_page(dev, h, 8, DMA_FROM_DEVICE); /* invalidates the whole line */
		assert_int_not_equal(strcmp(neighbour, "precious"), 0); /* lost, as on hardware */
		assert_int_equal(neighbour[0], 0); /* the line came back from RAM */
	}
	assert_int_equal(va[0], 'D');
	/* kmalloc buffers never share a line: the same with kmalloc'd neighbours is safe. */
	{
		char *a = kmalloc(8, GFP_KERNEL), *b = kmalloc(8, GFP_KERNEL);

		h = dma_map_single(dev, a, 8, DMA_FROM_DEVICE);
		strcpy(b, "safe");
		assert_int_equal(dmasim_dev_write(dev, h, news, 8), 0);
		dma_unmap_single(dev, h, 8, DMA_FROM_DEVICE);
		assert_string_equal(b, "safe");
		assert_int_equal(a[0], 'D');
		kfree(a);
		kfree(b);
	}
	__free_page(page);
}

/* The edges of a FROM_DEVICE buffer are written back before the map invalidates. */
static void from_device_map_keeps_partial_lines(void **state)
{
	struct page *page = alloc_page(GFP_KERNEL);
	char *va = page_address(page);
	dma_addr_t h;

	strcpy(va, "head");               /* CPU data before the buffer, same line */
	h = dma_map_page(dev, page, 32, 64, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	/* The map wrote the partial line back, so RAM holds "head" too now. */
	if (!bounced(dev, h))
		assert_string_equal((char *)dmasim__ram_ptr(p, page_to_phys(page)), "head");
	dma_unmap_page(dev, h, 64, DMA_FROM_DEVICE);
	assert_string_equal(va, "head");  /* and the invalidate brought it back intact */
	__free_page(page);
}

/* A coherent device snoops: no sync needed even for streaming mappings. */
static void coherent_device_snoops(void **state)
{
	struct device *coh = dmasim_device_create(p, "name=snoop coherent=1");
	char *buf = buffer(32, 's');
	dma_addr_t h = dma_map_single(coh, buf, 32, DMA_FROM_DEVICE);

	assert_true(coh->dma_coherent);
	assert_false(dma_need_sync(coh, h) && !dmasim__swiotlb_is_bounce(p, h));
	assert_int_equal(dmasim_dev_write(coh, h, "snooped", 8), 0);
	if (!bounced(coh, h))
		assert_string_equal(buf, "snooped"); /* visible without a sync */
	dma_unmap_single(coh, h, 32, DMA_FROM_DEVICE);
	assert_string_equal(buf, "snooped");
	kfree(buf);
	dmasim_device_destroy(coh);
}

/* The sg path follows the same rules per entry. */
static void sg_needs_sync(void **state)
{
	struct scatterlist sgl[2], *s;
	char *a = buffer(100, '1'), *b = buffer(100, '2');
	int i, n;

	sg_init_table(sgl, 2);
	sg_set_buf(&sgl[0], a, 100);
	sg_set_buf(&sgl[1], b, 100);
	n = (int)dma_map_sg(dev, sgl, 2, DMA_FROM_DEVICE);
	assert_true(n >= 1);
	for_each_sg(sgl, s, n, i)
		for (unsigned int off = 0; off < sg_dma_len(s); off++)
			assert_int_equal(dmasim_dev_write(dev, sg_dma_address(s) + off, "Z", 1), 0);
	assert_int_not_equal(a[0], 'Z');
	assert_int_not_equal(b[99], 'Z');
	dma_sync_sg_for_cpu(dev, sgl, 2, DMA_FROM_DEVICE);
	assert_int_equal(a[0], 'Z');
	assert_int_equal(b[99], 'Z');
	dma_unmap_sg(dev, sgl, 2, DMA_FROM_DEVICE);
	kfree(a);
	kfree(b);
}

static void coherent_model_needs_nothing(void **state)
{
	struct dmasim_platform *q = tu_platform_on(TU_SOC, "cache=coherent");
	struct device *d = dmasim_device_create(q, "name=c coherent=0");
	char *buf = kmalloc(16, GFP_KERNEL);
	dma_addr_t h = dma_map_single(d, buf, 16, DMA_FROM_DEVICE);

	/* Caches kept coherent by hardware: the device's bytes show at once. */
	assert_int_equal(dmasim_dev_write(d, h, "at once", 8), 0);
	assert_string_equal(buf, "at once");
	dma_unmap_single(d, h, 16, DMA_FROM_DEVICE);
	kfree(buf);
	dmasim_platform_destroy(q);
	assert_null(dmasim_platform_create("machine=" TU_SOC " cache=noncoherent:evict=sometimes log=quiet"));
	q = tu_platform_on(TU_SOC, "cache=noncoherent:line=128");
	assert_int_equal(dma_get_cache_alignment(), 128);
	{
		char *a = kmalloc(1, GFP_KERNEL), *b = kmalloc(1, GFP_KERNEL);

		assert_int_equal((uintptr_t)a % 128, 0);
		assert_int_equal((uintptr_t)b % 128, 0);
		kfree(a);
		kfree(b);
	}
	dmasim_platform_destroy(q);
	assert_null(dmasim_platform_create("machine=" TU_SOC " cache=noncoherent:line=48 log=quiet"));
}

/* ---- what the model reports (debug on) and random eviction --------------------- */

static void reports_cpu_writes_while_device_owns(void **state)
{
	struct dmasim_platform *q = tu_platform_on(TU_SOC, "cache=noncoherent");
	struct device *d = dmasim_device_create(q, "name=own");
	char *buf = kmalloc(64, GFP_KERNEL);
	dma_addr_t h;

	memset(buf, 0, 64);
	h = dma_map_single(d, buf, 64, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(d, h));
	strcpy(buf, "oops");                       /* the device owns it now */
	assert_int_equal(dmasim_dev_write(d, h, "DEVICE!", 8), 0);
	dma_unmap_single(d, h, 64, DMA_FROM_DEVICE);
	assert_log_has("CPU wrote 4 bytes of a DMA_FROM_DEVICE buffer while the device owned it");
	assert_log_has("the invalidate discards them");
	assert_int_equal(dmasim_debug_errors(q), 1);
	assert_string_equal(buf, "DEVICE!");       /* and indeed they are gone */

	tu_log_clear();
	h = dma_map_single(d, buf, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(d, h));
	buf[10] = 'x';                             /* too late: the device may read the old byte */
	dma_unmap_single(d, h, 64, DMA_TO_DEVICE);
	assert_log_has("the device may have read the old bytes");
	assert_log_has("[mapped at "); /* the report points at the mapping call */
	assert_int_equal(dmasim_debug_errors(q), 2);

	/* The right way: write, then sync for the device. No report. */
	tu_log_clear();
	h = dma_map_single(d, buf, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(d, h));
	dma_sync_single_for_cpu(d, h, 64, DMA_TO_DEVICE);
	buf[11] = 'y';
	dma_sync_single_for_device(d, h, 64, DMA_TO_DEVICE);
	dma_unmap_single(d, h, 64, DMA_TO_DEVICE);
	assert_int_equal(dmasim_debug_errors(q), 2);
	kfree(buf);
	dmasim_platform_destroy(q);
}

static void reports_shared_line_data_loss(void **state)
{
	struct dmasim_platform *q = tu_platform_on(TU_SOC, "cache=noncoherent");
	struct device *d = dmasim_device_create(q, "name=share");
	struct page *page = alloc_page(GFP_KERNEL);
	char *va = page_address(page);
	dma_addr_t h = dma_map_page(d, page, 0, 8, DMA_FROM_DEVICE);

	assert_false(dma_mapping_error(d, h));
	strcpy(va + 16, "precious");
	dma_unmap_page(d, h, 8, DMA_FROM_DEVICE);
	assert_log_has("data loss: invalidating buffer");
	assert_log_has("discards 8 bytes the CPU wrote next to it in a shared cache line");
	assert_int_equal(dmasim_debug_errors(q), 1);
	__free_page(page);
	dmasim_platform_destroy(q);
}

/* One run of the shared-line bug under evict=random: what the driver finally reads. */
static char evict_run(unsigned long seed)
{
	char spec[64];
	struct dmasim_platform *q;
	struct device *d;
	struct page *page, *other;
	dma_addr_t h, oh;
	char *va, result;

	snprintf(spec, sizeof(spec), "cache=noncoherent:evict=random seed=%lu debug=off", seed);
	q = tu_platform_on(TU_SOC, spec);
	d = dmasim_device_create(q, "name=ev");
	page = alloc_page(GFP_KERNEL);
	other = alloc_page(GFP_KERNEL);
	va = page_address(page);
	memset(va, 'o', 64);
	h = dma_map_page(d, page, 0, 8, DMA_FROM_DEVICE);
	va[16] = 'n';                              /* the CPU dirties the shared line */
	assert_int_equal(dmasim_dev_write(d, h, "DDDDDDDD", 8), 0);
	/* Other DMA goes on meanwhile: every maintenance operation may evict. */
	for (int i = 0; i < 24; i++) {
		oh = dma_map_page(d, other, 0, 64, DMA_TO_DEVICE);
		dma_unmap_page(d, oh, 64, DMA_TO_DEVICE);
	}
	dma_unmap_page(d, h, 8, DMA_FROM_DEVICE);
	result = va[0];                            /* 'D', or 'o' if an eviction clobbered it */
	__free_page(page);
	__free_page(other);
	dmasim_platform_destroy(q);
	return result;
}

static void random_eviction_is_visible_and_reproducible(void **state)
{
	int clobbered = 0;

	for (unsigned long seed = 1; seed <= 8; seed++) {
		char r = evict_run(seed);

		assert_int_equal(r, evict_run(seed));  /* same seed, same run */
		clobbered += r == 'o';
	}
	/* With 25 chances at 1/4 each, the dirty line is written back nearly every time. */
	assert_true(clobbered >= 6);

}

/* ---- ownership through partial syncs: correct sequences are never reported --------- */

/*
 * The rules these follow are the DMA API's (Documentation/core-api/
 * dma-api.rst, "dma_sync_single_range_for_{cpu,device}"): a range sync
 * passes ownership of that range only, and the rest of the buffer stays
 * with whoever had it.  Ownership of a mapping ends with its unmap, whether
 * or not the unmap syncs (DMA_ATTR_SKIP_CPU_SYNC, kernel/dma/mapping.c).
 */

/* Issue 9, (a): behind an IOMMU a whole-buffer sync goes page by page. */
static void iommu_whole_sync_after_write_in_second_page(void **state)
{
	struct dmasim_platform *q = tu_platform_on(TU_SOC, "iommu=on cache=noncoherent");
	struct device *d = dmasim_device_create(q, "name=a");
	char *buf = kmalloc(8192, GFP_KERNEL);
	dma_addr_t h;

	assert_non_null(buf);
	memset(buf, 'c', 8192);
	h = dma_map_single(d, buf, 8192, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(d, h));
	assert_int_equal(dmasim_dev_write(d, h + 5000, "D", 1), 0);
	dma_sync_single_for_cpu(d, h, 8192, DMA_FROM_DEVICE);
	assert_int_equal(buf[5000], 'D');
	dma_unmap_single(d, h, 8192, DMA_FROM_DEVICE);
	assert_int_equal(buf[5000], 'D');
	assert_int_equal(dmasim_debug_errors(q), 0);
	kfree(buf);
	dmasim_platform_destroy(q);
}

/* Issue 9, (b): a range comes back to the CPU; the rest of the buffer stays the device's. */
static void range_syncs_of_a_bidirectional_buffer(void **state)
{
	static const char *const specs[] = { "cache=noncoherent", "cache=noncoherent iommu=on",
					     "cache=noncoherent swiotlb=16M,force" };

	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		struct dmasim_platform *q = tu_platform_on(TU_SOC, specs[i]);
		struct device *d = dmasim_device_create(q, "name=b");
		struct page *page = alloc_page(GFP_KERNEL);
		char *va = page_address(page), news[512];
		dma_addr_t h;

		memset(va, 'c', PAGE_SIZE);
		h = dma_map_page(d, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
		assert_false(dma_mapping_error(d, h));
		memset(news, 'D', sizeof(news));
		assert_int_equal(dmasim_dev_write(d, h + 1024, news, sizeof(news)), 0);
		dma_sync_single_range_for_cpu(d, h, 1024, 512, DMA_BIDIRECTIONAL);
		assert_int_equal(va[1024], 'D');
		assert_int_equal(va[1535], 'D');
		dma_sync_single_range_for_cpu(d, h, 0, 64, DMA_BIDIRECTIONAL);
		va[0] = 'W';
		dma_sync_single_range_for_device(d, h, 0, 64, DMA_BIDIRECTIONAL);
		dma_unmap_page(d, h, PAGE_SIZE, DMA_BIDIRECTIONAL);
		assert_int_equal(va[0], 'W');
		assert_int_equal(va[1024], 'D');
		assert_int_equal(va[1535], 'D');
		assert_int_equal(va[1536], 'c');
		if (dmasim_debug_errors(q)) {
			tu_log_dump();
			fail_msg("%s: %lu reports", specs[i], dmasim_debug_errors(q));
		}
		__free_page(page);
		dmasim_platform_destroy(q);
	}
}

/* Range syncs that cross pages behind the IOMMU, on both page-table formats. */
static void multi_page_range_syncs_behind_iommu(void **state)
{
	static const char *const specs[] = {
		"cache=noncoherent iommu=arm-lpae-4k mode=strict",
		"cache=noncoherent iommu=arm-v7s mode=lazy",
		"cache=noncoherent:line=128 iommu=arm-lpae-4k mode=lazy",
	};

	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		struct dmasim_platform *q = tu_platform_on(TU_SOC, specs[i]);
		struct device *d = dmasim_device_create(q, "name=mp");
		struct page *pages = alloc_pages(GFP_KERNEL, 2);
		char *va = page_address(pages), *news = malloc(8192);
		dma_addr_t h;

		assert_non_null(news);
		memset(va, 'c', 4 * PAGE_SIZE);
		h = dma_map_page(d, pages, 0, 4 * PAGE_SIZE, DMA_FROM_DEVICE);
		assert_false(dma_mapping_error(d, h));
		memset(news, 'D', 8192);
		/* The device fills 2048 .. 10240, over three pages; the driver looks at it. */
		assert_int_equal(dmasim_dev_write(d, h + 2048, news, 8192), 0);
		dma_sync_single_range_for_cpu(d, h, 2048, 8192, DMA_FROM_DEVICE);
		assert_int_equal(va[2048], 'D');
		assert_int_equal(va[4096 + 100], 'D');
		assert_int_equal(va[10239], 'D');
		/* It gives that part back and the device writes it again, and a byte past it. */
		dma_sync_single_range_for_device(d, h, 2048, 8192, DMA_FROM_DEVICE);
		memset(news, 'E', 8192);
		assert_int_equal(dmasim_dev_write(d, h + 2048, news, 8192), 0);
		assert_int_equal(dmasim_dev_write(d, h + 12000, "F", 1), 0);
		dma_sync_single_for_cpu(d, h, 4 * PAGE_SIZE, DMA_FROM_DEVICE);
		assert_int_equal(va[2048], 'E');
		assert_int_equal(va[10239], 'E');
		assert_int_equal(va[12000], 'F');
		dma_unmap_page(d, h, 4 * PAGE_SIZE, DMA_FROM_DEVICE);
		assert_int_equal(va[8000], 'E');
		assert_int_equal(va[12000], 'F');
		if (dmasim_debug_errors(q)) {
			tu_log_dump();
			fail_msg("%s: %lu reports", specs[i], dmasim_debug_errors(q));
		}
		free(news);
		__free_pages(pages, 2);
		dmasim_platform_destroy(q);
	}
}

/* One range passed back and forth: the CPU writes it while it owns it, each time. */
static void range_back_and_forth(void **state)
{
	static const char *const specs[] = { "cache=noncoherent", "cache=noncoherent iommu=on",
					     "cache=noncoherent iommu=arm-v7s mode=lazy",
					     "cache=noncoherent:line=128 swiotlb=16M,force" };

	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		struct dmasim_platform *q = tu_platform_on(TU_SOC, specs[i]);
		struct device *d = dmasim_device_create(q, "name=bf");
		struct page *pages = alloc_pages(GFP_KERNEL, 1);
		char *va = page_address(pages), got[256];
		dma_addr_t h;

		memset(va, 0, 2 * PAGE_SIZE);
		h = dma_map_page(d, pages, 0, 2 * PAGE_SIZE, DMA_BIDIRECTIONAL);
		assert_false(dma_mapping_error(d, h));
		for (int round = 0; round < 5; round++) {
			size_t off = 3968 + 64 * round; /* crosses the page boundary */
			char v = (char)('a' + round);

			memset(got, v, sizeof(got));
			assert_int_equal(dmasim_dev_write(d, h + off, got, sizeof(got)), 0);
			dma_sync_single_range_for_cpu(d, h, off, 256, DMA_BIDIRECTIONAL);
			assert_int_equal(va[off], v);
			assert_int_equal(va[off + 255], v);
			memset(va + off, (char)(v - 32), 256); /* the CPU answers in place */
			dma_sync_single_range_for_device(d, h, off, 256, DMA_BIDIRECTIONAL);
			assert_int_equal(dmasim_dev_read(d, h + off, got, sizeof(got)), 0);
			assert_int_equal(got[0], v - 32);
			assert_int_equal(got[255], v - 32);
		}
		/* A last packet: the CPU reads it and unmaps without giving it back. */
		memset(got, 'z', sizeof(got));
		assert_int_equal(dmasim_dev_write(d, h + 4000, got, 100), 0);
		dma_sync_single_range_for_cpu(d, h, 4000, 100, DMA_BIDIRECTIONAL);
		assert_int_equal(va[4099], 'z');
		dma_unmap_page(d, h, 2 * PAGE_SIZE, DMA_BIDIRECTIONAL);
		assert_int_equal(va[3968], 'A');
		assert_int_equal(va[4000], 'z');
		assert_int_equal(va[3968 + 64 * 4 + 255], 'E');
		if (dmasim_debug_errors(q)) {
			tu_log_dump();
			fail_msg("%s: %lu reports", specs[i], dmasim_debug_errors(q));
		}
		__free_pages(pages, 1);
		dmasim_platform_destroy(q);
	}
}

/*
 * Ownership ends with the mapping, also when the unmap skips the CPU sync.
 * A page pool maps a page once, syncs only what each packet used and
 * unmaps with DMA_ATTR_SKIP_CPU_SYNC; the page is then the CPU's.
 */
static void page_pool(struct device *d, struct page *page, const char *packet)
{
	char *va = page_address(page);
	dma_addr_t h = dma_map_page(d, page, 0, PAGE_SIZE, DMA_FROM_DEVICE);

	assert_false(dma_mapping_error(d, h));
	dma_sync_single_range_for_device(d, h, 0, 256, DMA_FROM_DEVICE);
	assert_int_equal(dmasim_dev_write(d, h, packet, strlen(packet) + 1), 0);
	dma_sync_single_range_for_cpu(d, h, 0, 256, DMA_FROM_DEVICE);
	assert_string_equal(va, packet);
	dma_unmap_page_attrs(d, h, PAGE_SIZE, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
}

static void skip_cpu_sync_unmap_ends_ownership(void **state)
{
	struct dmasim_platform *q = tu_platform_on(TU_SOC, "cache=noncoherent");
	struct device *d = dmasim_device_create(q, "name=pool");
	struct page *page = alloc_page(GFP_KERNEL);
	char *va = page_address(page);
	dma_addr_t h;

	memset(va, 0, PAGE_SIZE);
	page_pool(d, page, "first");
	memset(va, 'x', PAGE_SIZE);  /* the CPU's page now: it writes all of it */
	/* Mapped again without a sync for the device; the device owns all of it, then the CPU. */
	h = dma_map_page_attrs(d, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	assert_false(dma_mapping_error(d, h));
	dma_sync_single_for_cpu(d, h, PAGE_SIZE, DMA_BIDIRECTIONAL);
	dma_unmap_page(d, h, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dmasim_debug_errors(q)) {
		tu_log_dump();
		fail_msg("%lu reports", dmasim_debug_errors(q));
	}
	__free_page(page);
	dmasim_platform_destroy(q);
}

/*
 * After a DMA_ATTR_SKIP_CPU_SYNC unmap the page is used for another
 * DMA_FROM_DEVICE buffer under evict=random: nothing of the old mapping may
 * be written back over what the device puts there.
 */
static void skip_cpu_sync_unmap_then_reuse(void **state)
{
	for (unsigned long seed = 1; seed <= 4; seed++) {
		char spec[80];
		struct dmasim_platform *q;
		struct device *d, *d2;
		struct page *page, *other;
		char *va;
		dma_addr_t h, oh;

		snprintf(spec, sizeof(spec), "cache=noncoherent:evict=random seed=%lu", seed);
		q = tu_platform_on(TU_SOC, spec);
		d = dmasim_device_create(q, "name=pool");
		d2 = dmasim_device_create(q, "name=next");
		page = alloc_page(GFP_KERNEL);
		other = alloc_page(GFP_KERNEL);
		va = page_address(page);
		memset(va, 0, PAGE_SIZE);

		page_pool(d, page, "first");

		/* Another driver's DMA_FROM_DEVICE buffer now, with other DMA going on. */
		memset(va, 'y', PAGE_SIZE);
		h = dma_map_page(d2, page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
		assert_false(dma_mapping_error(d2, h));
		assert_int_equal(dmasim_dev_write(d2, h, "second", 7), 0);
		for (int i = 0; i < 24; i++) {
			oh = dma_map_page(d, other, 0, 64, DMA_TO_DEVICE);
			assert_false(dma_mapping_error(d, oh));
			dma_unmap_page(d, oh, 64, DMA_TO_DEVICE);
		}
		dma_sync_single_for_cpu(d2, h, PAGE_SIZE, DMA_FROM_DEVICE);
		assert_string_equal(va, "second");  /* the device's bytes survived */
		dma_unmap_page(d2, h, PAGE_SIZE, DMA_FROM_DEVICE);
		assert_string_equal(va, "second");
		if (dmasim_debug_errors(q)) {
			tu_log_dump();
			fail_msg("%s: %lu reports", spec, dmasim_debug_errors(q));
		}
		__free_page(page);
		__free_page(other);
		dmasim_platform_destroy(q);
	}
}

/* Freeing dma_alloc_noncoherent() memory ends what the device owned in it too. */
static void free_ends_ownership(void **state)
{
	static const char *const specs[] = { "cache=noncoherent", "cache=noncoherent iommu=on" };

	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		struct dmasim_platform *q = tu_platform_on(TU_SOC, specs[i]);
		struct device *d = dmasim_device_create(q, "name=nc");
		dma_addr_t h;
		char *v = dma_alloc_noncoherent(d, PAGE_SIZE, &h, DMA_BIDIRECTIONAL, GFP_KERNEL);
		phys_addr_t was;
		struct page *page;

		assert_non_null(v);
		was = virt_to_phys(v);
		memset(v, 'a', PAGE_SIZE);
		dma_sync_single_for_device(d, h, PAGE_SIZE, DMA_BIDIRECTIONAL);
		assert_int_equal(dmasim_dev_write(d, h, "done", 5), 0);
		/* The device is done with it; the driver frees it without looking. */
		dma_free_noncoherent(d, PAGE_SIZE, v, h, DMA_BIDIRECTIONAL);
		page = alloc_page(GFP_KERNEL);
		assert_int_equal(page_to_phys(page), was); /* the same page again */
		memset(page_address(page), 'b', PAGE_SIZE);
		h = dma_map_page_attrs(d, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
		assert_false(dma_mapping_error(d, h));
		dma_sync_single_for_cpu(d, h, PAGE_SIZE, DMA_BIDIRECTIONAL);
		dma_unmap_page(d, h, PAGE_SIZE, DMA_BIDIRECTIONAL);
		if (dmasim_debug_errors(q)) {
			tu_log_dump();
			fail_msg("%s: %lu reports", specs[i], dmasim_debug_errors(q));
		}
		__free_page(page);
		dmasim_platform_destroy(q);
	}
}

/* Two threads, each its own device, passing ranges back and forth: one model, no reports. */
struct ranger {
	struct device *dev;
	struct page *page;
	int bad;
};

static void *ranger_run(void *arg)
{
	struct ranger *r = arg;
	char *va = page_address(r->page), got[1];

	for (int n = 0; n < 200; n++) {
		dma_addr_t h = dma_map_page(r->dev, r->page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
		size_t off = (size_t)(n % 32) * 128;

		if (dma_mapping_error(r->dev, h) || dmasim_dev_write(r->dev, h + off, "d", 1)) {
			r->bad++;
			break;
		}
		dma_sync_single_range_for_cpu(r->dev, h, off, 128, DMA_BIDIRECTIONAL);
		r->bad += va[off] != 'd';
		va[off] = 'c';
		dma_sync_single_range_for_device(r->dev, h, off, 128, DMA_BIDIRECTIONAL);
		r->bad += dmasim_dev_read(r->dev, h + off, got, 1) || got[0] != 'c';
		dma_unmap_page(r->dev, h, PAGE_SIZE, DMA_BIDIRECTIONAL);
	}
	return NULL;
}

/* Debug on: the ownership reports and the call-site capture run in both threads. */
#define THREADS_SPEC "cache=noncoherent:evict=random iommu=on"

static void threads_pass_ranges(void **state)
{
	struct dmasim_platform *q = tu_platform_on(TU_SOC, THREADS_SPEC);
	struct ranger r[2];
	pthread_t t[2];

	for (int i = 0; i < 2; i++) {
		r[i].dev = dmasim_device_create(q, i ? "name=t1" : "name=t0");
		r[i].page = alloc_page(GFP_KERNEL);
		r[i].bad = 0;
		assert_non_null(r[i].dev);
		assert_non_null(r[i].page);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, ranger_run, &r[i]), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(r[i].bad, 0);
		__free_page(r[i].page);
	}
	if (dmasim_debug_errors(q)) {
		tu_log_dump();
		fail_msg("%lu reports", dmasim_debug_errors(q));
	}
	dmasim_platform_destroy(q);
}

/* The real reports stay, next to their nearest correct sequence. */
static void range_sync_misuse_still_reported(void **state)
{
	struct dmasim_platform *q = tu_platform_on(TU_SOC, "cache=noncoherent iommu=on");
	struct device *d = dmasim_device_create(q, "name=m");
	struct page *pages = alloc_pages(GFP_KERNEL, 1);
	char *va = page_address(pages);
	dma_addr_t h;

	memset(va, 0, 2 * PAGE_SIZE);
	h = dma_map_page(d, pages, 0, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(d, h));
	dma_sync_single_range_for_cpu(d, h, 0, 64, DMA_FROM_DEVICE);
	va[10] = 'k';                 /* fine: the CPU owns [0, 64) */
	va[5000] = 'x';               /* not fine: the device owns the second page */
	dma_sync_single_range_for_device(d, h, 0, 64, DMA_FROM_DEVICE);
	dma_unmap_page(d, h, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
	assert_log_has("CPU wrote 1 bytes of a DMA_FROM_DEVICE buffer while the device owned it");
	assert_int_equal(dmasim_debug_errors(q), 1);
	__free_pages(pages, 1);
	dmasim_platform_destroy(q);
}

/* ---- issue 14, defect 4: random eviction never loses a correct driver's data --------- */

/*
 * The contract is the DMA API's (Documentation/core-api/dma-api.rst): a
 * buffer mapped, synced and unmapped correctly gives the CPU what the device
 * wrote, whatever the cache does on its own.  Hardware may write a line back
 * at any time, but only a line the CPU dirtied and still holds
 * (arch/arm64/mm/dma-mapping.c: the maintenance of a map leaves the
 * buffer's lines clean or invalid).  Every run uses a fixed seed.
 */

static void other_dma(struct device *d, struct page *other, int n)
{
	for (int i = 0; i < n; i++) {
		dma_addr_t oh = dma_map_page(d, other, 0, 64, DMA_TO_DEVICE);

		assert_false(dma_mapping_error(d, oh));
		dma_unmap_page(d, oh, 64, DMA_TO_DEVICE);
	}
}

static void fail_on_reports(struct dmasim_platform *q, const char *spec)
{
	if (dmasim_debug_errors(q)) {
		tu_log_dump();
		fail_msg("%s: %lu reports", spec, dmasim_debug_errors(q));
	}
}

static const char *const evict_specs[] = {
	"cache=noncoherent:evict=random",
	"cache=noncoherent:evict=random debug=off",
	"cache=noncoherent:evict=random iommu=on",
	"cache=noncoherent:evict=random iommu=on debug=off",
	"cache=noncoherent:evict=random:line=128 iommu=arm-v7s mode=lazy",
	"cache=noncoherent:evict=random swiotlb=16M,force",
};

/*
 * (a) A DMA_TO_DEVICE buffer unmapped with DMA_ATTR_SKIP_CPU_SYNC (legal: the
 * device only read it), its memory reused by the CPU and then mapped
 * DMA_FROM_DEVICE for another device: what the device writes survives.
 */
static void skip_sync_to_device_then_from_device(void **state)
{
	for (size_t s = 0; s < ARRAY_SIZE(evict_specs); s++)
		for (unsigned long seed = 1; seed <= 6; seed++) {
			char spec[128], got[16];
			struct dmasim_platform *q;
			struct device *d, *d2;
			struct page *pages, *other;
			char *va;
			dma_addr_t h;

			snprintf(spec, sizeof(spec), "%s seed=%lu", evict_specs[s], seed);
			q = tu_platform_on(TU_SOC, spec);
			d = dmasim_device_create(q, "name=tx");
			d2 = dmasim_device_create(q, "name=rx");
			pages = alloc_pages(GFP_KERNEL, 1);
			other = alloc_page(GFP_KERNEL);
			va = page_address(pages);
			memset(va, 't', 2 * PAGE_SIZE);
			h = dma_map_single(d, va, 2 * PAGE_SIZE, DMA_TO_DEVICE);
			assert_false(dma_mapping_error(d, h));
			assert_int_equal(dmasim_dev_read(d, h + 5000, got, 4), 0);
			assert_memory_equal(got, "tttt", 4);
			dma_unmap_single_attrs(d, h, 2 * PAGE_SIZE, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
			/* The CPU's memory again: it fills it, then lends it out for a receive. */
			memset(va, 'y', 2 * PAGE_SIZE);
			h = dma_map_single(d2, va, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
			assert_false(dma_mapping_error(d2, h));
			assert_int_equal(dmasim_dev_write(d2, h, "first", 6), 0);
			assert_int_equal(dmasim_dev_write(d2, h + 6000, "second", 7), 0);
			other_dma(d, other, 24);
			dma_sync_single_for_cpu(d2, h, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
			assert_string_equal(va, "first");
			assert_string_equal(va + 6000, "second");
			dma_unmap_single(d2, h, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
			assert_string_equal(va, "first");
			assert_string_equal(va + 6000, "second");
			fail_on_reports(q, spec);
			__free_pages(pages, 1);
			__free_page(other);
			dmasim_platform_destroy(q);
		}
}

/*
 * (b) A DMA_FROM_DEVICE page pair behind an IOMMU, synced page by page and
 * in ranges while other DMA goes on: no device write to the live buffer is
 * lost, however the syncs split it.
 */
static void page_pair_from_device_keeps_device_writes(void **state)
{
	for (size_t s = 0; s < ARRAY_SIZE(evict_specs); s++)
		for (unsigned long seed = 1; seed <= 6; seed++) {
			char spec[128];
			struct dmasim_platform *q;
			struct device *d;
			struct page *pages, *other;
			char *va;
			dma_addr_t h;

			snprintf(spec, sizeof(spec), "%s seed=%lu", evict_specs[s], seed);
			q = tu_platform_on(TU_SOC, spec);
			d = dmasim_device_create(q, "name=pair");
			pages = alloc_pages(GFP_KERNEL, 1);
			other = alloc_page(GFP_KERNEL);
			va = page_address(pages);
			for (int round = 0; round < 3; round++) {
				char tag[8];

				memset(va, 'c', 2 * PAGE_SIZE);
				h = dma_map_page(d, pages, 0, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
				assert_false(dma_mapping_error(d, h));
				snprintf(tag, sizeof(tag), "p1-%d", round);
				assert_int_equal(dmasim_dev_write(d, h + 100, tag, 5), 0);
				snprintf(tag, sizeof(tag), "p2-%d", round);
				assert_int_equal(dmasim_dev_write(d, h + PAGE_SIZE + 100, tag, 5), 0);
				other_dma(d, other, 8);
				/* The driver looks at the second page first, then gives it back. */
				dma_sync_single_range_for_cpu(d, h, PAGE_SIZE, PAGE_SIZE, DMA_FROM_DEVICE);
				assert_string_equal(va + PAGE_SIZE + 100, tag);
				dma_sync_single_range_for_device(d, h, PAGE_SIZE, PAGE_SIZE,
								 DMA_FROM_DEVICE);
				assert_int_equal(dmasim_dev_write(d, h + PAGE_SIZE + 200, "late", 5), 0);
				other_dma(d, other, 8);
				dma_sync_single_for_cpu(d, h, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
				snprintf(tag, sizeof(tag), "p1-%d", round);
				assert_string_equal(va + 100, tag);
				assert_string_equal(va + PAGE_SIZE + 200, "late");
				dma_unmap_page_attrs(d, h, 2 * PAGE_SIZE, DMA_FROM_DEVICE,
						     round == 1 ? DMA_ATTR_SKIP_CPU_SYNC : 0);
				assert_string_equal(va + 100, tag);
				assert_string_equal(va + PAGE_SIZE + 200, "late");
			}
			fail_on_reports(q, spec);
			__free_pages(pages, 1);
			__free_page(other);
			dmasim_platform_destroy(q);
		}
}

/*
 * Every path that ends a mapping ends what the model knew of it: a mapping
 * leaked by a destroyed device (reported once), the unwind of a dma_map_sg()
 * that failed half-way (not reported: an injected failure), then a correct
 * DMA_FROM_DEVICE buffer on the same memory keeps the device's bytes.
 */
static void every_end_of_a_mapping_forgets_it(void **state)
{
	for (size_t s = 0; s < ARRAY_SIZE(evict_specs); s++)
		for (unsigned long seed = 1; seed <= 4; seed++) {
			char spec[160];
			struct dmasim_platform *q;
			struct device *d, *gone;
			struct page *pages, *other;
			struct scatterlist sg[2];
			unsigned long leaks;
			char *va;
			dma_addr_t h;

			snprintf(spec, sizeof(spec), "%s seed=%lu", evict_specs[s], seed);
			q = tu_platform_on(TU_SOC, spec);
			d = dmasim_device_create(q, "name=rx");
			gone = dmasim_device_create(q, "name=gone");
			pages = alloc_pages(GFP_KERNEL, 1);
			other = alloc_page(GFP_KERNEL);
			va = page_address(pages);

			/* A leak: mapped, written by the CPU too late, never unmapped. */
			memset(va, 'l', 2 * PAGE_SIZE);
			h = dma_map_page(gone, pages, 0, 2 * PAGE_SIZE, DMA_BIDIRECTIONAL);
			assert_false(dma_mapping_error(gone, h));
			dmasim_device_destroy(gone);
			leaks = dmasim_debug_errors(q);
			assert_true(leaks <= 1); /* the leak report, with debug on */

			/* A list whose second entry cannot be mapped: the first is unwound. */
			memset(va, 's', 2 * PAGE_SIZE);
			sg_init_table(sg, 2);
			sg_set_page(&sg[0], pages, PAGE_SIZE, 0);
			sg_set_page(&sg[1], pages + 1, PAGE_SIZE, 0);
			assert_int_equal(dmasim_fail_set(q, "swiotlb:nth=2"), 0);
			if (dma_map_sg(d, sg, 2, DMA_TO_DEVICE)) /* only a bounce can fail half-way */
				dma_unmap_sg(d, sg, 2, DMA_TO_DEVICE);
			assert_int_equal(dmasim_fail_set(q, ""), 0);

			/* The CPU's memory: written, then a receive buffer. */
			memset(va, 'y', 2 * PAGE_SIZE);
			h = dma_map_page(d, pages, 0, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
			assert_false(dma_mapping_error(d, h));
			assert_int_equal(dmasim_dev_write(d, h + 64, "kept", 5), 0);
			assert_int_equal(dmasim_dev_write(d, h + PAGE_SIZE + 64, "also", 5), 0);
			other_dma(d, other, 24);
			dma_unmap_page(d, h, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
			assert_string_equal(va + 64, "kept");
			assert_string_equal(va + PAGE_SIZE + 64, "also");
			assert_int_equal(dmasim_debug_errors(q), leaks);
			__free_pages(pages, 1);
			__free_page(other);
			dmasim_platform_destroy(q);
		}
}

/*
 * A mapping that no unmap ends: its device is destroyed with it still
 * mapped (with debug off nothing reports that).  The page goes back to the
 * allocator, the CPU uses it, and another driver's dma_alloc_coherent()
 * gets it: what that device writes must survive, as on hardware, where
 * arch_dma_prep_coherent() (arch/arm64/mm/dma-mapping.c) cleans and
 * invalidates the lines before the uncached alias is used.
 */
static void leaked_mapping_then_coherent_reuse(void **state)
{
	static const char *const specs[] = {
		"cache=noncoherent:evict=random debug=off",
		"cache=noncoherent:evict=random",
	};

	for (size_t s = 0; s < ARRAY_SIZE(specs); s++)
		for (unsigned long seed = 1; seed <= 6; seed++) {
			char spec[96];
			struct dmasim_platform *q;
			struct device *gone, *d;
			struct page *page, *other;
			phys_addr_t was;
			dma_addr_t h;
			char *va, *coh;

			snprintf(spec, sizeof(spec), "%s seed=%lu", specs[s], seed);
			q = tu_platform_on(TU_SOC, spec);
			gone = dmasim_device_create(q, "name=gone");
			d = dmasim_device_create(q, "name=coh");
			page = alloc_page(GFP_KERNEL);
			other = alloc_page(GFP_KERNEL);
			va = page_address(page);
			was = page_to_phys(page);
			memset(va, 'l', PAGE_SIZE);
			h = dma_map_page(gone, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
			assert_false(dma_mapping_error(gone, h));
			dmasim_device_destroy(gone); /* the driver's leak (reported with debug on) */
			memset(va, 'u', PAGE_SIZE);  /* the CPU's page: it uses it */
			__free_page(page);
			coh = dma_alloc_coherent(d, PAGE_SIZE, &h, GFP_KERNEL);
			assert_non_null(coh);
			assert_int_equal(h, was); /* the same page, now coherent memory */
			assert_int_equal(dmasim_dev_write(d, h + 128, "device", 7), 0);
			other_dma(d, other, 24);
			assert_string_equal(coh + 128, "device");
			dma_free_coherent(d, PAGE_SIZE, coh, h);
			assert_int_equal(dmasim_debug_errors(q), s ? 1 : 0); /* the leak, with debug on */
			__free_page(other);
			dmasim_platform_destroy(q);
		}
}

/*
 * The nearest correct sequence on the model's side: a DMA_TO_DEVICE buffer
 * unmapped with DMA_ATTR_SKIP_CPU_SYNC, the page freed, dirtied by the CPU,
 * then dma_alloc_coherent() memory: nothing of it is written back.
 */
static void skip_sync_unmap_then_coherent_reuse(void **state)
{
	for (unsigned long seed = 1; seed <= 6; seed++) {
		char spec[96];
		struct dmasim_platform *q;
		struct device *d;
		struct page *page, *other;
		phys_addr_t was;
		dma_addr_t h;
		char *va, *coh;

		snprintf(spec, sizeof(spec), "cache=noncoherent:evict=random seed=%lu", seed);
		q = tu_platform_on(TU_SOC, spec);
		d = dmasim_device_create(q, "name=coh");
		page = alloc_page(GFP_KERNEL);
		other = alloc_page(GFP_KERNEL);
		va = page_address(page);
		was = page_to_phys(page);
		memset(va, 't', PAGE_SIZE);
		h = dma_map_page(d, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(d, h));
		dma_unmap_page_attrs(d, h, PAGE_SIZE, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
		memset(va, 'u', PAGE_SIZE);
		__free_page(page);
		coh = dma_alloc_coherent(d, PAGE_SIZE, &h, GFP_KERNEL);
		assert_non_null(coh);
		assert_int_equal(h, was);
		assert_int_equal(dmasim_dev_write(d, h + 128, "device", 7), 0);
		other_dma(d, other, 24);
		assert_string_equal(coh + 128, "device");
		dma_free_coherent(d, PAGE_SIZE, coh, h);
		fail_on_reports(q, spec);
		__free_page(other);
		dmasim_platform_destroy(q);
	}
}

/*
 * A receive buffer larger than the lines the model holds for evict=random
 * (4096): the oldest leave as new ones come, written back only if the CPU
 * dirtied them, so every byte the device writes survives.
 */
static void larger_than_the_held_lines(void **state)
{
	for (unsigned long seed = 1; seed <= 3; seed++) {
		char spec[96];
		struct dmasim_platform *q;
		struct device *d;
		struct page *pages, *other;
		unsigned char *va, *news = malloc(512 * 1024);
		dma_addr_t h;

		assert_non_null(news);
		snprintf(spec, sizeof(spec), "cache=noncoherent:evict=random iommu=on seed=%lu", seed);
		q = tu_platform(spec);
		d = dmasim_device_create(q, "name=big");
		pages = alloc_pages(GFP_KERNEL, 7); /* 512 KiB: 8192 lines of 64 bytes */
		other = alloc_page(GFP_KERNEL);
		assert_non_null(pages);
		va = page_address(pages);
		memset(va, 'c', 512 * 1024);
		h = dma_map_page(d, pages, 0, 512 * 1024, DMA_FROM_DEVICE);
		assert_false(dma_mapping_error(d, h));
		for (size_t i = 0; i < 512 * 1024; i++)
			news[i] = (unsigned char)(i * 7 + seed);
		assert_int_equal(dmasim_dev_write(d, h, news, 512 * 1024), 0);
		other_dma(d, other, 8);
		dma_unmap_page(d, h, 512 * 1024, DMA_FROM_DEVICE);
		assert_memory_equal(va, news, 512 * 1024);
		fail_on_reports(q, spec);
		__free_pages(pages, 7);
		__free_page(other);
		free(news);
		dmasim_platform_destroy(q);
	}
}

/*
 * A bounced DMA_FROM_DEVICE mapping keeps the bytes the device does not
 * write.  kernel/dma/swiotlb.c: swiotlb_tbl_map_single() copies the original
 * into the slot in every direction (swiotlb_bounce(..., DMA_TO_DEVICE)
 * whatever the mapping's direction, since "swiotlb: rework 'fix info leak
 * with DMA_FROM_DEVICE'"), and sync_for_cpu / unmap copy the slot back; the
 * arch maintenance of the slot (arch_sync_dma_for_device() after the copy
 * in, arch_sync_dma_for_cpu() before the copy out) must not lose that copy:
 * arm64's arch_sync_dma_for_device() (arch/arm64/mm/dma-mapping.c) cleans
 * in every direction.  Defect: the model invalidated the slot for
 * DMA_FROM_DEVICE right after the copy in, so untouched bytes came back
 * from the slot's RAM (0 or a previous user's data) instead of the driver's.
 * Single, range syncs and sg; with and without debug; direct and behind an
 * IOMMU with force_bounce; on the SoC and on the PC, where a 24-bit device
 * bounces.
 */
struct bounce_case {
	const char *machine;
	const char *spec;
	const char *device;
	unsigned int mask_bits;
	bool single_only; /* forced bouncing behind an IOMMU is for single mappings only */
};

static const struct bounce_case bounce_cases[] = {
	{ TU_SOC, "cache=noncoherent swiotlb=16M,force", "name=nc", 32, false },
	{ TU_SOC, "cache=noncoherent swiotlb=16M,force debug=off", "name=nc", 32, false },
	{ TU_SOC, "cache=noncoherent:line=128 swiotlb=16M,force", "name=nc", 32, false },
	{ TU_SOC, "cache=noncoherent:evict=random swiotlb=16M,force seed=7", "name=nc", 32, false },
	{ TU_SOC, "cache=noncoherent iommu=on", "name=nc force_bounce=1", 32, true },
	{ TU_SOC, "cache=noncoherent iommu=on debug=off", "name=nc force_bounce=1", 32, true },
	{ TU_SOC, "cache=noncoherent iommu=arm-v7s mode=lazy", "name=nc force_bounce=1", 32, true },
	{ "pc", "cache=noncoherent", "name=snd", 24, false },
	{ "pc", "cache=noncoherent debug=off", "name=snd", 24, false },
	{ TU_SOC, "ram=16M@0x0,256M@0x80000000 swiotlb=4M@0x400000 cache=noncoherent", "name=snd", 24, false },
};

static void bounce_from_device_keeps_untouched_bytes(void **state)
{
	for (size_t c = 0; c < ARRAY_SIZE(bounce_cases); c++) {
		const struct bounce_case *bc = &bounce_cases[c];
		struct dmasim_platform *q = tu_platform_on(bc->machine, bc->spec);
		struct device *d;
		struct scatterlist sgl[2];
		char *buf, *a, *b, dev_bytes[100];
		dma_addr_t h;
		int n;

		assert_non_null(q);
		d = dmasim_device_create(q, bc->device);
		assert_non_null(d);
		assert_false(d->dma_coherent);
		assert_int_equal(dma_set_mask(d, DMA_BIT_MASK(bc->mask_bits)), 0);
		buf = kmalloc(4096, GFP_KERNEL);
		assert_non_null(buf);
		memset(dev_bytes, 0x77, sizeof(dev_bytes));

		/* Single: the device writes the first 64 bytes, the rest stays the driver's. */
		memset(buf, 0x11, 4096);
		h = dma_map_single(d, buf, 4096, DMA_FROM_DEVICE);
		assert_false(dma_mapping_error(d, h));
		assert_true(bounced(d, h));
		assert_int_equal(dmasim_dev_write(d, h, dev_bytes, 64), 0);
		dma_unmap_single(d, h, 4096, DMA_FROM_DEVICE);
		assert_int_equal(buf[0], 0x77);
		assert_int_equal(buf[63], 0x77);
		assert_int_equal(buf[64], 0x11);
		assert_int_equal(buf[4095], 0x11);

		/* Range syncs: only the synced range comes back, the rest is still the driver's. */
		memset(buf, 0x22, 4096);
		h = dma_map_single(d, buf, 4096, DMA_FROM_DEVICE);
		assert_false(dma_mapping_error(d, h));
		assert_int_equal(dmasim_dev_write(d, h + 100, dev_bytes, 100), 0);
		dma_sync_single_range_for_cpu(d, h, 100, 100, DMA_FROM_DEVICE);
		assert_int_equal(buf[99], 0x22);
		assert_int_equal(buf[100], 0x77);
		assert_int_equal(buf[199], 0x77);
		assert_int_equal(buf[200], 0x22);
		dma_sync_single_range_for_device(d, h, 100, 100, DMA_FROM_DEVICE);
		assert_int_equal(dmasim_dev_write(d, h + 3000, dev_bytes, 10), 0);
		dma_sync_single_for_cpu(d, h, 4096, DMA_FROM_DEVICE);
		assert_int_equal(buf[0], 0x22);
		assert_int_equal(buf[150], 0x77);
		assert_int_equal(buf[2999], 0x22);
		assert_int_equal(buf[3000], 0x77);
		assert_int_equal(buf[3010], 0x22);
		dma_sync_single_for_device(d, h, 4096, DMA_FROM_DEVICE);
		dma_unmap_single(d, h, 4096, DMA_FROM_DEVICE);
		assert_int_equal(buf[99], 0x22);
		assert_int_equal(buf[100], 0x77);
		assert_int_equal(buf[3009], 0x77);
		assert_int_equal(buf[4095], 0x22);

		/* sg: the device writes 8 bytes at the start of the list, nothing else. */
		if (bc->single_only)
			goto done;
		a = buffer(300, 0x33);
		b = buffer(300, 0x44);
		sg_init_table(sgl, 2);
		sg_set_buf(&sgl[0], a, 300);
		sg_set_buf(&sgl[1], b, 300);
		n = (int)dma_map_sg(d, sgl, 2, DMA_FROM_DEVICE);
		if (n < 1) {
			tu_log_dump();
			fail_msg("%s: dma_map_sg returned %d", bc->spec, n);
		}
		assert_true(bounced(d, sg_dma_address(&sgl[0])));
		assert_int_equal(dmasim_dev_write(d, sg_dma_address(&sgl[0]), dev_bytes, 8), 0);
		dma_unmap_sg(d, sgl, 2, DMA_FROM_DEVICE);
		assert_int_equal(a[7], 0x77);
		assert_int_equal(a[8], 0x33);
		assert_int_equal(a[299], 0x33);
		assert_int_equal(b[0], 0x44);
		assert_int_equal(b[299], 0x44);
		kfree(a);
		kfree(b);
done:
		fail_on_reports(q, bc->spec);
		kfree(buf);
		dmasim_device_destroy(d);
		dmasim_platform_destroy(q);
	}
}

#define ON_EVERY_MACHINE(fn)                                                             \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)&machines[i])

int main(void)
{
	int failed = 0;

	unsetenv("DMASIM_SPEC");
	for (size_t i = 0; i < ARRAY_SIZE(machines); i++) {
		const struct CMUnitTest tests[] = {
			ON_EVERY_MACHINE(from_device_needs_sync_for_cpu),
			ON_EVERY_MACHINE(to_device_needs_sync_for_device),
			ON_EVERY_MACHINE(bidirectional_round_trip),
			ON_EVERY_MACHINE(coherent_needs_no_sync),
			ON_EVERY_MACHINE(shared_line_corrupts_neighbour),
			ON_EVERY_MACHINE(from_device_map_keeps_partial_lines),
			ON_EVERY_MACHINE(coherent_device_snoops),
			ON_EVERY_MACHINE(sg_needs_sync),
		};

		failed += _cmocka_run_group_tests(machines[i].spec, tests, ARRAY_SIZE(tests), NULL, NULL);
	}
	{
		const struct CMUnitTest plain[] = {
			cmocka_unit_test(coherent_model_needs_nothing),
			cmocka_unit_test(bounce_from_device_keeps_untouched_bytes),
			cmocka_unit_test(reports_cpu_writes_while_device_owns),
			cmocka_unit_test(reports_shared_line_data_loss),
			cmocka_unit_test(random_eviction_is_visible_and_reproducible),
			cmocka_unit_test(iommu_whole_sync_after_write_in_second_page),
			cmocka_unit_test(range_syncs_of_a_bidirectional_buffer),
			cmocka_unit_test(multi_page_range_syncs_behind_iommu),
			cmocka_unit_test(range_back_and_forth),
			cmocka_unit_test(skip_cpu_sync_unmap_ends_ownership),
			cmocka_unit_test(skip_cpu_sync_unmap_then_reuse),
			cmocka_unit_test(free_ends_ownership),
			cmocka_unit_test(threads_pass_ranges),
			cmocka_unit_test(range_sync_misuse_still_reported),
			cmocka_unit_test(skip_sync_to_device_then_from_device),
			cmocka_unit_test(page_pair_from_device_keeps_device_writes),
			cmocka_unit_test(every_end_of_a_mapping_forgets_it),
			cmocka_unit_test(leaked_mapping_then_coherent_reuse),
			cmocka_unit_test(skip_sync_unmap_then_coherent_reuse),
			cmocka_unit_test(larger_than_the_held_lines),
		};

		failed += cmocka_run_group_tests_name("coherent", plain, NULL, NULL);
	}
	return failed;
}
