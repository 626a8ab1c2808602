/*
 * tests/test-cache.c - the cache models.  Under cache=noncoherent every sync
 * rule is checked twice: the correct driver sequence gives the right bytes,
 * and the same sequence without the sync gives the stale ones, every time.
 * Also: coherent memory needs no sync, a coherent device snoops, shared
 * cache lines corrupt each other, and bounce buffers and the IOMMU follow
 * the same rules.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include "internal.h"

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

	p = tu_platform(m->spec);
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
	struct dmasim_platform *q = tu_platform("cache=coherent");
	struct device *d = dmasim_device_create(q, "name=c coherent=0");
	char *buf = kmalloc(16, GFP_KERNEL);
	dma_addr_t h = dma_map_single(d, buf, 16, DMA_FROM_DEVICE);

	/* Caches kept coherent by hardware: the device's bytes show at once. */
	assert_int_equal(dmasim_dev_write(d, h, "at once", 8), 0);
	assert_string_equal(buf, "at once");
	dma_unmap_single(d, h, 16, DMA_FROM_DEVICE);
	kfree(buf);
	dmasim_platform_destroy(q);
	assert_null(dmasim_platform_create("cache=noncoherent:evict=sometimes log=quiet"));
	q = tu_platform("cache=noncoherent:line=128");
	assert_int_equal(dma_get_cache_alignment(), 128);
	{
		char *a = kmalloc(1, GFP_KERNEL), *b = kmalloc(1, GFP_KERNEL);

		assert_int_equal((uintptr_t)a % 128, 0);
		assert_int_equal((uintptr_t)b % 128, 0);
		kfree(a);
		kfree(b);
	}
	dmasim_platform_destroy(q);
	assert_null(dmasim_platform_create("cache=noncoherent:line=48 log=quiet"));
}

/* ---- what the model reports (debug on) and random eviction --------------------- */

static void reports_cpu_writes_while_device_owns(void **state)
{
	struct dmasim_platform *q = tu_platform("cache=noncoherent");
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
	struct dmasim_platform *q = tu_platform("cache=noncoherent");
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
	q = tu_platform(spec);
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
			cmocka_unit_test(reports_cpu_writes_while_device_owns),
			cmocka_unit_test(reports_shared_line_data_loss),
			cmocka_unit_test(random_eviction_is_visible_and_reproducible),
		};

		failed += cmocka_run_group_tests_name("coherent", plain, NULL, NULL);
	}
	return failed;
}
