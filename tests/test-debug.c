/*
 * tests/test-debug.c - a corpus of small buggy drivers, one misuse each, and
 * the report each must get: the message (worded as the kernel's DMA-API
 * debugging words it) and exactly one count in dmasim_debug_errors().
 */
#include "testutil.h"
#include <dlfcn.h>
#include "debug/debug.h"

#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/slab.h>

struct bug {
	const char *name;
	const char *spec;     /* platform spec */
	const char *expect;   /* a substring of the one report */
	void (*driver)(struct device *dev);
};

static void unmap_never_mapped(struct device *dev)
{
	dma_unmap_single(dev, 0x12345000, 64, DMA_TO_DEVICE);
}

static void unmap_error_value(struct device *dev)
{
	dma_unmap_single(dev, DMA_MAPPING_ERROR, 64, DMA_TO_DEVICE);
}

/* Maps a checked 256-byte buffer for the drivers below. */
static dma_addr_t map256(struct device *dev, void **buf, enum dma_data_direction dir)
{
	dma_addr_t h;

	*buf = kmalloc(256, GFP_KERNEL);
	h = dma_map_single(dev, *buf, 256, dir);
	assert_false(dma_mapping_error(dev, h));
	return h;
}

static void unmap_wrong_size(struct device *dev)
{
	void *b;
	dma_addr_t h = map256(dev, &b, DMA_TO_DEVICE);

	dma_unmap_single(dev, h, 128, DMA_TO_DEVICE);
	kfree(b);
}

static void unmap_wrong_function(struct device *dev)
{
	void *b;
	dma_addr_t h = map256(dev, &b, DMA_TO_DEVICE);

	dma_unmap_page(dev, h, 256, DMA_TO_DEVICE);
	kfree(b);
}

static void unmap_wrong_direction(struct device *dev)
{
	void *b;
	dma_addr_t h = map256(dev, &b, DMA_TO_DEVICE);

	dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);
	kfree(b);
}

static void unchecked_map_error(struct device *dev)
{
	void *b = kmalloc(64, GFP_KERNEL);
	dma_addr_t h = dma_map_single(dev, b, 64, DMA_TO_DEVICE);

	dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
	kfree(b);
}

static void free_coherent_wrong_cpu(struct device *dev)
{
	dma_addr_t h;
	char *c = dma_alloc_coherent(dev, 4096, &h, GFP_KERNEL);

	dma_free_coherent(dev, 4096, c + 64, h);
}

static void sg_unmap_wrong_nents(struct device *dev)
{
	struct scatterlist sgl[2];
	void *a = kmalloc(64, GFP_KERNEL), *b = kmalloc(64, GFP_KERNEL);

	sg_init_table(sgl, 2);
	sg_set_buf(&sgl[0], a, 64);
	sg_set_buf(&sgl[1], b, 64);
	assert_int_equal(dma_map_sg(dev, sgl, 2, DMA_TO_DEVICE), 2);
	dma_unmap_sg(dev, sgl, 1, DMA_TO_DEVICE);
	dma_unmap_sg(dev, &sgl[1], 1, DMA_TO_DEVICE); /* the rest, with the same mistake */
	kfree(a);
	kfree(b);
}

static void sg_sync_wrong_nents(struct device *dev)
{
	struct scatterlist sgl[2];
	void *a = kmalloc(64, GFP_KERNEL), *b = kmalloc(64, GFP_KERNEL);

	sg_init_table(sgl, 2);
	sg_set_buf(&sgl[0], a, 64);
	sg_set_buf(&sgl[1], b, 64);
	assert_int_equal(dma_map_sg(dev, sgl, 2, DMA_FROM_DEVICE), 2);
	dma_sync_sg_for_cpu(dev, sgl, 1, DMA_FROM_DEVICE);
	dma_unmap_sg(dev, sgl, 2, DMA_FROM_DEVICE);
	kfree(a);
	kfree(b);
}

static void sync_never_mapped(struct device *dev)
{
	dma_sync_single_for_cpu(dev, 0x12345000, 64, DMA_FROM_DEVICE);
}

static void sync_outside(struct device *dev)
{
	void *b;
	dma_addr_t h = map256(dev, &b, DMA_FROM_DEVICE);

	dma_sync_single_for_cpu(dev, h + 200, 100, DMA_FROM_DEVICE);
	dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);
	kfree(b);
}

static void sync_read_only_for_cpu(struct device *dev)
{
	void *b;
	dma_addr_t h = map256(dev, &b, DMA_TO_DEVICE);

	/* Different direction and syncing device read-only memory: two reports, as the kernel. */
	dma_sync_single_for_cpu(dev, h, 256, DMA_FROM_DEVICE);
	dma_unmap_single(dev, h, 256, DMA_TO_DEVICE);
	kfree(b);
}

static void sync_write_only_for_device(struct device *dev)
{
	void *b;
	dma_addr_t h = map256(dev, &b, DMA_FROM_DEVICE);

	dma_sync_single_for_device(dev, h, 256, DMA_TO_DEVICE);
	dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);
	kfree(b);
}

static void map_stack(struct device *dev)
{
	char on_stack[64];

	assert_true(dma_mapping_error(dev, dma_map_single(dev, on_stack, 64, DMA_TO_DEVICE)));
}

static void sg_segment_too_long(struct device *dev)
{
	struct page *pg = alloc_pages(GFP_KERNEL, 5);
	struct scatterlist sg;

	sg_init_table(&sg, 1);
	sg_set_page(&sg, pg, 128 * 1024, 0); /* the default max segment is 64 KiB */
	assert_int_equal(dma_map_sg(dev, &sg, 1, DMA_TO_DEVICE), 1);
	dma_unmap_sg(dev, &sg, 1, DMA_TO_DEVICE);
	__free_pages(pg, 5);
}

static void leak_at_destroy(struct device *dev)
{
	void *b;

	map256(dev, &b, DMA_TO_DEVICE); /* never unmapped: reported when the device goes */
}

static void pool_destroy_busy(struct device *dev)
{
	struct dma_pool *pool = dma_pool_create("busy", dev, 32, 8, 0);
	dma_addr_t h;

	assert_non_null(dma_pool_alloc(pool, GFP_KERNEL, &h));
	dma_pool_destroy(pool);
}

static void free_coherent_in_irq(struct device *dev)
{
	dma_addr_t h;
	void *c = dma_alloc_coherent(dev, 4096, &h, GFP_KERNEL);

	dmasim_irq_enter();
	dma_free_coherent(dev, 4096, c, h);
	dmasim_irq_exit();
}

static void sleeping_alloc_in_irq(struct device *dev)
{
	dma_addr_t h;
	void *c;

	dmasim_irq_enter();
	c = dma_alloc_coherent(dev, 4096, &h, GFP_KERNEL);
	dmasim_irq_exit();
	dma_free_coherent(dev, 4096, c, h);
	/* GFP_ATOMIC in a handler is fine. */
	dmasim_irq_enter();
	c = dma_alloc_coherent(dev, 4096, &h, GFP_ATOMIC);
	dmasim_irq_exit();
	dma_free_coherent(dev, 4096, c, h);
}

static void device_reads_unmapped(struct device *dev)
{
	char c;

	assert_int_equal(dmasim_dev_read(dev, 0x12345000, &c, 1), -EFAULT);
}

static void device_writes_to_device_buffer(struct device *dev)
{
	void *b;
	dma_addr_t h = map256(dev, &b, DMA_TO_DEVICE);

	assert_int_equal(dmasim_dev_write(dev, h, "x", 1), -EPERM);
	dma_unmap_single(dev, h, 256, DMA_TO_DEVICE);
	kfree(b);
}

static void stale_iotlb_after_unmap(struct device *dev)
{
	void *b;
	dma_addr_t h = map256(dev, &b, DMA_TO_DEVICE);
	char c;

	assert_int_equal(dmasim_dev_read(dev, h, &c, 1), 0);  /* fills the IOTLB */
	dma_unmap_single(dev, h, 256, DMA_TO_DEVICE);
	assert_int_equal(dmasim_dev_read(dev, h, &c, 1), 0);  /* lazy: still reachable */
	kfree(b);
}

static void cpu_writes_while_device_owns(struct device *dev)
{
	void *b;
	dma_addr_t h = map256(dev, &b, DMA_FROM_DEVICE);

	((char *)b)[3] = 'x';
	dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);
	kfree(b);
}

/* The receive path of the howto, without its dma_sync_single_for_cpu(). */
static void missing_sync_for_cpu(struct device *dev)
{
	void *b;
	dma_addr_t h = map256(dev, &b, DMA_FROM_DEVICE);

	assert_int_equal(dmasim_dev_write(dev, h, "packet", 7), 0);
	/* ...the driver looks at b here without syncing, then recycles the buffer: */
	dma_sync_single_for_device(dev, h, 256, DMA_FROM_DEVICE);
	dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);
	kfree(b);
}

static void overlapping_cacheline(struct device *dev)
{
	char *buf = kmalloc(128, GFP_KERNEL);
	dma_addr_t a = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
	dma_addr_t b = dma_map_single(dev, buf + 32, 32, DMA_FROM_DEVICE); /* same line */
	dma_addr_t t1, t2;

	assert_false(dma_mapping_error(dev, a));
	assert_false(dma_mapping_error(dev, b));
	/* Read-only mappings may share lines: nothing to report for these two. */
	t1 = dma_map_single(dev, buf + 64, 64, DMA_TO_DEVICE);
	t2 = dma_map_single(dev, buf + 64, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, t1));
	assert_false(dma_mapping_error(dev, t2));
	dma_unmap_single(dev, t2, 64, DMA_TO_DEVICE);
	dma_unmap_single(dev, t1, 64, DMA_TO_DEVICE);
	dma_unmap_single(dev, b, 32, DMA_FROM_DEVICE);
	dma_unmap_single(dev, a, 64, DMA_FROM_DEVICE);
	/* Both gone: mapping the line again is fine. */
	a = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dev, a));
	dma_unmap_single(dev, a, 64, DMA_FROM_DEVICE);
	kfree(buf);
}

static const struct bug bugs[] = {
	{ "unmap_never_mapped", NULL, "tries to free DMA memory it has not allocated", unmap_never_mapped },
	{ "unmap_error_value", NULL, "tries to free an invalid DMA memory address", unmap_error_value },
	{ "unmap_wrong_size", NULL, "frees DMA memory with different size", unmap_wrong_size },
	{ "unmap_wrong_function", NULL, "frees DMA memory with wrong function", unmap_wrong_function },
	{ "unmap_wrong_direction", NULL, "frees DMA memory with different direction", unmap_wrong_direction },
	{ "unchecked_map_error", NULL, "failed to check map error", unchecked_map_error },
	{ "free_coherent_wrong_cpu", NULL, "frees DMA memory with different CPU address", free_coherent_wrong_cpu },
	{ "sg_unmap_wrong_nents", NULL, "frees DMA sg list with different entry count", sg_unmap_wrong_nents },
	{ "sg_sync_wrong_nents", NULL, "syncs DMA sg list with different entry count [map count=2] [sync count=1]", sg_sync_wrong_nents },
	{ "sync_never_mapped", NULL, "tries to sync DMA memory it has not allocated", sync_never_mapped },
	{ "sync_outside", NULL, "syncs DMA memory outside allocated range", sync_outside },
	{ "sync_read_only_for_cpu", NULL, "syncs device read-only DMA memory for cpu", sync_read_only_for_cpu },
	{ "sync_write_only_for_device", NULL, "syncs device write-only DMA memory to device", sync_write_only_for_device },
	{ "map_stack", NULL, "rejecting DMA map of", map_stack },
	{ "sg_segment_too_long", NULL, "longer than device claims to support", sg_segment_too_long },
	{ "leak_at_destroy", NULL, "device destroyed with 1 outstanding", leak_at_destroy },
	{ "pool_destroy_busy", NULL, "dma_pool_destroy busy", pool_destroy_busy },
	{ "free_coherent_in_irq", NULL, "called from interrupt context", free_coherent_in_irq },
	{ "sleeping_alloc_in_irq", NULL, "sleeping allocation", sleeping_alloc_in_irq },
	{ "device_reads_unmapped", NULL, "not mapped for it", device_reads_unmapped },
	{ "device_writes_to_device_buffer", NULL, "of a DMA_TO_DEVICE mapping", device_writes_to_device_buffer },
	{ "device_reads_unmapped_iommu", "iommu=on", "IOMMU fault: read", device_reads_unmapped },
	{ "device_writes_iommu", "iommu=on", "permission denied", device_writes_to_device_buffer },
	{ "stale_iotlb_after_unmap", "iommu=on mode=lazy fq_timeout=0", "stale IOTLB", stale_iotlb_after_unmap },
	{ "missing_sync_for_cpu", NULL, "without syncing it for the CPU after the device wrote it", missing_sync_for_cpu },
	{ "missing_sync_for_cpu_iommu", "iommu=on cache=noncoherent", "missing dma_sync_*_for_cpu()", missing_sync_for_cpu },
	{ "overlapping_cacheline", NULL, "cacheline tracking EEXIST, overlapping mappings aren't supported", overlapping_cacheline },
	{ "cpu_writes_while_device_owns", "machine=arm64-soc cache=noncoherent", /* unbounced: the buffer itself is device-owned */ "while the device owned it", cpu_writes_while_device_owns },
};

static void run_bug(void **state)
{
	const struct bug *b = *state;
	struct dmasim_platform *p = tu_platform(b->spec);
	struct device *dev;
	unsigned long expected = 1;

	assert_non_null(p);
	dev = dmasim_device_create(p, "name=buggy");
	assert_non_null(dev);
	b->driver(dev);
	dmasim_device_destroy(dev);
	if (!tu_log_has(b->expect)) {
		tu_log_dump();
		fail_msg("%s: no report containing \"%s\"", b->name, b->expect);
	}
	/* Reports about a mapping say where it was made (debug on). */
	if (!strcmp(b->name, "unmap_wrong_size") || !strcmp(b->name, "leak_at_destroy") ||
	    !strcmp(b->name, "missing_sync_for_cpu"))
		assert_log_has("[mapped at ");
	/* A few bugs are two misuses at once, reported as the kernel reports them. */
	if (!strcmp(b->name, "sync_read_only_for_cpu") || !strcmp(b->name, "sync_write_only_for_device") ||
	    !strcmp(b->name, "pool_destroy_busy") ||
	    !strcmp(b->name, "sg_unmap_wrong_nents"))
		expected = 2;
	if (dmasim_debug_errors(p) != expected) {
		tu_log_dump();
		fail_msg("%s: %lu reports, expected %lu", b->name, dmasim_debug_errors(p), expected);
	}
	assert_int_equal(tu_log.total, tu_log.n); /* nothing beyond the capture */
	dmasim_platform_destroy(p);
}

/* ---- sites=: how many call-site frames a mapping keeps --------------------------- */

/* The captured line that reports @needle, or NULL. */
static const char *report_line(const char *needle)
{
	for (int i = 0; i < tu_log.n; i++)
		if (strstr(tu_log.lines[i], needle))
			return tu_log.lines[i];
	return NULL;
}

/* The unmap_wrong_size misuse on a platform with @spec; its report line. */
static const char *wrong_size_report(const char *spec, struct dmasim_platform **pp)
{
	struct dmasim_platform *p = tu_platform(spec);
	struct device *dev;
	const char *line;

	assert_non_null(p);
	dev = dmasim_device_create(p, "name=sites");
	assert_non_null(dev);
	unmap_wrong_size(dev);
	line = report_line("frees DMA memory with different size");
	if (!line)
		tu_log_dump();
	assert_non_null(line);
	*pp = p;
	return line;
}

static void test_sites_default(void **state)
{
	struct dmasim_platform *p;
	const char *line = wrong_size_report(NULL, &p);

	(void)state;
	/* The default keeps a chain of frames from the driver's call site out. */
	assert_non_null(strstr(line, "[mapped at "));
	assert_non_null(strstr(line, " <- "));
	assert_null(strstr(dmasim_platform_spec(p), "sites="));
	dmasim_platform_destroy(p);
}

/*
 * The default capture names the driver's frames, innermost first: the
 * function that mapped, then its caller.  Exported (the build hides symbols
 * by default), so -rdynamic names them.
 */
__attribute__((__noinline__, visibility("default"))) dma_addr_t sites_driver_map(struct device *dev, void *buf)
{
	return dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
}

__attribute__((visibility("default"))) void test_sites_frames(void **state);
void test_sites_frames(void **state)
{
	struct dmasim_platform *p = tu_platform(NULL);
	struct device *dev = dmasim_device_create(p, "name=frames");
	void *buf = kmalloc(64, GFP_KERNEL);
	dma_addr_t h = sites_driver_map(dev, buf);
	const char *line, *at;
	void *lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);

	(void)state;
	assert_false(dma_mapping_error(dev, h));
	dma_unmap_single(dev, h, 32, DMA_TO_DEVICE);
	line = report_line("frees DMA memory with different size");
	assert_non_null(line);
	at = strstr(line, "[mapped at sites_driver_map+0x");
	if (!at)
		tu_log_dump();
	assert_non_null(at);
	assert_non_null(strstr(at, " <- test_sites_frames+0x"));
	/* Where libunwind is installed it does the unwinding (lib/debug/stack.c). */
#if defined(__SANITIZE_THREAD__)
	assert_string_equal(dmasim__stack_unwinder(), "backtrace");
#else
	assert_string_equal(dmasim__stack_unwinder(), lib ? "libunwind" : "backtrace");
#endif
	if (lib)
		dlclose(lib);
	kfree(buf);
	dmasim_platform_destroy(p);
}

static void test_sites_one(void **state)
{
	struct dmasim_platform *p;
	const char *line = wrong_size_report("sites=1", &p);
	const char *at = strstr(line, "[mapped at ");

	(void)state;
	/* The call site alone, without unwinding: one frame, no chain. */
	assert_non_null(at);
	assert_null(strstr(at, " <- "));
	assert_non_null(strstr(dmasim_platform_spec(p), " sites=1 "));
	dmasim_platform_destroy(p);
}

static void test_sites_none(void **state)
{
	struct dmasim_platform *p;
	const char *line = wrong_size_report("sites=0", &p);

	(void)state;
	/* The report itself stays; only where the mapping was made goes. */
	assert_null(strstr(line, "[mapped at"));
	assert_int_equal(dmasim_debug_errors(p), 1);
	dmasim_platform_destroy(p);
}

static void test_sites_bad(void **state)
{
	static const char *const bad[] = { "sites=7", "sites=-1", "sites=two", "sites=" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_null(dmasim_platform_create(bad[i]));
}

/* ---- who owns each line of a mapping (lib/debug/ownership.c) ---------------------- */

/*
 * The DMA API's ownership rules (Documentation/core-api/dma-api.rst, "Part
 * Id - Streaming DMA mappings"; dma-api-howto.rst, "DMA Direction"): after
 * a map or a sync for the device the device owns the buffer until a sync
 * for the CPU or the unmap.  Each misuse below has its nearest correct
 * sequence next to it, which must not report.
 */

static void fail_on_reports(struct dmasim_platform *p, const char *what)
{
	if (dmasim_debug_errors(p)) {
		tu_log_dump();
		fail_msg("%s: %lu reports", what, dmasim_debug_errors(p));
	}
}

/* Three page-aligned entries: behind an IOMMU they merge into one DMA segment. */
static void three_pages(struct scatterlist *sg, struct page **pages)
{
	sg_init_table(sg, 3);
	for (int i = 0; i < 3; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		assert_non_null(pages[i]);
		memset(page_address(pages[i]), 'c', PAGE_SIZE);
		sg_set_page(&sg[i], pages[i], PAGE_SIZE, 0);
	}
}

static void ownership_sg(void **state)
{
	static const char *const specs[] = { "cache=noncoherent", "cache=noncoherent iommu=on",
					     "cache=noncoherent swiotlb=16M,force" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++)
		for (int misuse = 0; misuse < 2; misuse++) {
			struct dmasim_platform *p = tu_platform(specs[i]);
			struct device *dev = dmasim_device_create(p, "name=sg");
			struct scatterlist sg[3];
			struct page *pages[3];
			char *second;
			int count;

			three_pages(sg, pages);
			second = page_address(pages[1]);
			count = (int)dma_map_sg(dev, sg, 3, DMA_FROM_DEVICE);
			assert_true(count > 0);
			if (!strcmp(specs[i], "cache=noncoherent iommu=on"))
				assert_int_equal(count, 1); /* one segment, three entries */
			assert_int_equal(dmasim_dev_write(dev, sg_dma_address(sg) + PAGE_SIZE + 8, "D", 1), 0);
			dma_sync_sg_for_cpu(dev, sg, 3, DMA_FROM_DEVICE);
			assert_int_equal(second[8], 'D');
			second[9] = 'c';            /* fine: the CPU owns the list now */
			dma_sync_sg_for_device(dev, sg, 3, DMA_FROM_DEVICE);
			/* A range of the (merged) segment comes back: the second entry's first line. */
			dma_sync_single_range_for_cpu(dev, sg_dma_address(sg), PAGE_SIZE, 64,
						      DMA_FROM_DEVICE);
			second[10] = 'k';           /* fine: that line is the CPU's */
			dma_sync_single_range_for_device(dev, sg_dma_address(sg), PAGE_SIZE, 64,
							 DMA_FROM_DEVICE);
			if (misuse)
				second[100] = 'x';  /* not fine: the device owns it */
			dma_unmap_sg(dev, sg, 3, DMA_FROM_DEVICE);
			if (misuse) {
				assert_log_has("cache: CPU wrote 1 bytes of a DMA_FROM_DEVICE buffer while the device owned it");
				assert_int_equal(dmasim_debug_errors(p), 1);
			} else {
				fail_on_reports(p, specs[i]);
			}
			for (int j = 0; j < 3; j++)
				__free_page(pages[j]);
			dmasim_platform_destroy(p);
		}
}

/* dma_alloc_noncontiguous() memory, synced through its table, page by page behind the IOMMU. */
static void ownership_noncontiguous(void **state)
{
	(void)state;
	for (int misuse = 0; misuse < 2; misuse++) {
		struct dmasim_platform *p = tu_platform("cache=noncoherent iommu=on");
		struct device *dev = dmasim_device_create(p, "name=nc");
		struct sg_table *sgt = dma_alloc_noncontiguous(dev, 3 * PAGE_SIZE, DMA_BIDIRECTIONAL,
							       GFP_KERNEL, 0);
		char *va;

		assert_non_null(sgt);
		va = dma_vmap_noncontiguous(dev, 3 * PAGE_SIZE, sgt);
		assert_non_null(va);
		memset(va, 'a', 3 * PAGE_SIZE);
		dma_sync_sgtable_for_device(dev, sgt, DMA_BIDIRECTIONAL);
		assert_int_equal(dmasim_dev_write(dev, sg_dma_address(sgt->sgl) + 5000, "D", 1), 0);
		if (misuse)
			va[9000] = 'x';     /* the device owns the third page */
		dma_sync_sgtable_for_cpu(dev, sgt, DMA_BIDIRECTIONAL);
		assert_int_equal(va[5000], 'D');
		va[9001] = 'y';             /* fine: the CPU's now */
		dma_vunmap_noncontiguous(dev, va);
		dma_free_noncontiguous(dev, 3 * PAGE_SIZE, sgt, DMA_BIDIRECTIONAL);
		if (misuse) {
			assert_log_has("cache: CPU wrote 1 bytes of a DMA_BIDIRECTIONAL buffer while the device owned it");
			assert_int_equal(dmasim_debug_errors(p), 1);
		} else {
			fail_on_reports(p, "noncontiguous");
		}
		dmasim_platform_destroy(p);
	}
}

/* dma_iova_link() links own their lines like maps; dma_iova_unlink() gives them back. */
static void ownership_iova_link(void **state)
{
	(void)state;
	for (int misuse = 0; misuse < 2; misuse++) {
		struct dmasim_platform *p = tu_platform("cache=noncoherent iommu=on");
		struct device *dev = dmasim_device_create(p, "name=link");
		struct page *page = alloc_page(GFP_KERNEL);
		char *va = page_address(page);
		struct dma_iova_state st;

		memset(va, 't', PAGE_SIZE);
		assert_true(dma_iova_try_alloc(dev, &st, page_to_phys(page), PAGE_SIZE));
		assert_int_equal(dma_iova_link(dev, &st, page_to_phys(page), 0, PAGE_SIZE,
					       DMA_TO_DEVICE, 0), 0);
		assert_int_equal(dma_iova_sync(dev, &st, 0, PAGE_SIZE), 0);
		if (misuse)
			va[7] = 'x';        /* too late: the device may read the old byte */
		dma_iova_destroy(dev, &st, PAGE_SIZE, DMA_TO_DEVICE, 0);
		va[8] = 'y';                /* fine: unlinked */
		if (misuse) {
			assert_log_has("the device may have read the old bytes");
			assert_int_equal(dmasim_debug_errors(p), 1);
		} else {
			fail_on_reports(p, "iova link");
		}
		__free_page(page);
		dmasim_platform_destroy(p);
	}
}

/*
 * A leak ends the mapping too: the device goes with a buffer mapped (one
 * report, the leak); the memory's next user, a correct driver, gets none.
 */
static void ownership_ends_with_leak(void **state)
{
	struct dmasim_platform *p = tu_platform("cache=noncoherent");
	struct device *gone = dmasim_device_create(p, "name=gone");
	struct device *dev = dmasim_device_create(p, "name=next");
	struct page *page = alloc_page(GFP_KERNEL);
	char *va = page_address(page);
	dma_addr_t h;

	(void)state;
	h = dma_map_page(gone, page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(gone, h));
	dmasim_device_destroy(gone);
	assert_log_has("device destroyed with 1 outstanding");
	assert_int_equal(dmasim_debug_errors(p), 1);
	memset(va, 'u', PAGE_SIZE); /* the CPU's page again */
	/* Mapped without a sync for the device, then synced for the CPU: nothing to report. */
	h = dma_map_page_attrs(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	assert_false(dma_mapping_error(dev, h));
	dma_sync_single_for_cpu(dev, h, PAGE_SIZE, DMA_BIDIRECTIONAL);
	dma_unmap_page(dev, h, PAGE_SIZE, DMA_BIDIRECTIONAL);
	assert_int_equal(dmasim_debug_errors(p), 1);
	__free_page(page);
	dmasim_platform_destroy(p);
}

/* With debug off no ownership work is done: no tracker, no snapshot, no report. */
static void ownership_off_without_debug(void **state)
{
	static const char *const specs[] = { "cache=noncoherent debug=off",
					     "cache=noncoherent:evict=random debug=off iommu=on" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		struct dmasim_platform *p = tu_platform(specs[i]);
		struct device *dev = dmasim_device_create(p, "name=off");
		char *buf = kmalloc(256, GFP_KERNEL);
		dma_addr_t h = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE);

		assert_false(dma_mapping_error(dev, h));
		buf[0] = 'x';               /* a misuse nobody looks for */
		dma_sync_single_for_cpu(dev, h, 256, DMA_FROM_DEVICE);
		dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);
		assert_null(p->ownership);
		assert_int_equal(dmasim_debug_errors(p), 0);
		kfree(buf);
		dmasim_platform_destroy(p);
	}
	/* The same misuse with debug on: tracked and reported. */
	{
		struct dmasim_platform *p = tu_platform("cache=noncoherent");
		struct device *dev = dmasim_device_create(p, "name=on");
		char *buf = kmalloc(256, GFP_KERNEL);
		dma_addr_t h = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE);

		assert_false(dma_mapping_error(dev, h));
		buf[0] = 'x';
		dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE);
		assert_non_null(p->ownership);
		assert_int_equal(dmasim_debug_errors(p), 1);
		kfree(buf);
		dmasim_platform_destroy(p);
	}
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(bugs)];
	const struct CMUnitTest sites[] = {
		cmocka_unit_test(test_sites_default),
		cmocka_unit_test(test_sites_frames),
		cmocka_unit_test(test_sites_one),
		cmocka_unit_test(test_sites_none),
		cmocka_unit_test(test_sites_bad),
		cmocka_unit_test(ownership_sg),
		cmocka_unit_test(ownership_noncontiguous),
		cmocka_unit_test(ownership_iova_link),
		cmocka_unit_test(ownership_ends_with_leak),
		cmocka_unit_test(ownership_off_without_debug),
	};
	int failed;

	unsetenv("DMASIM_SPEC");
	for (size_t i = 0; i < ARRAY_SIZE(bugs); i++)
		tests[i] = (struct CMUnitTest){ .name = bugs[i].name, .test_func = run_bug,
						.initial_state = (void *)&bugs[i] };
	failed = _cmocka_run_group_tests("misuse", tests, ARRAY_SIZE(tests), NULL, NULL);
	return failed + cmocka_run_group_tests_name("sites", sites, NULL, NULL);
}
