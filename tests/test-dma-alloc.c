/*
 * tests/test-dma-alloc.c - DMA allocations (lib/dma/dma-alloc.c over
 * lib/dma/dma-direct.c): coherent and write-combined memory (zeroing, alignment,
 * placement under masks, bus limits and offsets, what the device sees),
 * argument and free checks, managed allocations, dma_alloc_pages and
 * noncoherent memory, noncontiguous tables, dma_get_sgtable, dma_mmap_*, the
 * leak report at device teardown, and concurrent allocation.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "testutil.h"
#include "core/core.h"

#include <dmasim/dma-mapping.h>

#define SZ_4K 0x1000UL
#define SZ_64K 0x10000UL
#define SZ_1M 0x100000UL
#define SZ_4M 0x400000UL

static const size_t sizes[] = { 1, 4096, 5000, SZ_64K, SZ_1M, SZ_4M };

struct fixture {
	struct dmasim_platform *p;
	struct device *dev;
};

static int setup_spec(void **state, const char *spec, const char *devspec)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->p = tu_platform_on(TU_SOC, spec);
	assert_non_null(f->p);
	f->dev = dmasim_device_create(f->p, devspec);
	assert_non_null(f->dev);
	tu_log_clear();
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_spec(state, "", "name=alloc");
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dmasim_device_destroy(f->dev);
	dmasim_platform_destroy(f->p);
	free(f);
	return 0;
}

/* Smallest page-order block that holds @size: the alignment dma_alloc_coherent() promises. */
static size_t order_align(size_t size)
{
	return PAGE_SIZE << get_order((unsigned long)size);
}

static bool all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void fill_pattern(unsigned char *buf, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 7 + seed);
}

/*
 * Everything a good coherent allocation of @size on @dev must satisfy: zeroed,
 * aligned (CPU and bus), within the coherent mask, bus = phys - @offset, and
 * shared both ways with the device.
 */
static void check_coherent(struct device *dev, void *cpu, dma_addr_t dma, size_t size,
			   u64 offset)
{
	unsigned char *c = cpu, *buf = malloc(size);
	size_t align = order_align(size);

	assert_non_null(buf);
	assert_non_null(cpu);
	assert_true(all_bytes(c, size, 0));
	assert_int_equal((uintptr_t)cpu % PAGE_SIZE, 0);
	assert_int_equal(dma % align, 0);
	assert_int_equal(virt_to_phys(cpu) % align, 0);
	assert_true(dma + size - 1 <= dev->coherent_dma_mask);
	assert_true(virt_addr_valid(cpu));
	assert_int_equal(virt_to_phys(cpu) - dma, offset);

	/* Device writes at the handle, the CPU sees it. */
	fill_pattern(buf, size, 3);
	assert_int_equal(dmasim_dev_write(dev, dma, buf, size), 0);
	assert_memory_equal(c, buf, size);
	/* CPU writes, the device reads it (last byte included). */
	fill_pattern(c, size, 11);
	memset(buf, 0, size);
	assert_int_equal(dmasim_dev_read(dev, dma, buf, size), 0);
	assert_memory_equal(buf, c, size);
	free(buf);
}

/* ---- dma_alloc_coherent: the good path ------------------------------------------ */

static void coherent_sizes_on(struct fixture *f, struct device *dev, u64 offset)
{
	unsigned long before = dmasim__free_page_count(f->p, -1);

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i];
		dma_addr_t dma = 0, dma2 = 0;
		void *cpu, *cpu2;

		cpu = dma_alloc_coherent(dev, size, &dma, GFP_KERNEL);
		check_coherent(dev, cpu, dma, size, offset);
		assert_int_equal(dmasim__free_page_count(f->p, -1),
				 before - (order_align(size) >> PAGE_SHIFT));
		/* Dirty and free; the buddy allocator hands the same block back, zeroed again. */
		memset(cpu, 0xa5, size);
		dma_free_coherent(dev, size, cpu, dma);
		assert_int_equal(dmasim__free_page_count(f->p, -1), before);
		/* After free the device can no longer reach it. */
		{
			unsigned char b;

			assert_int_equal(dmasim_dev_read(dev, dma, &b, 1), -EFAULT);
			assert_log_has("not mapped for it");
			tu_log_clear();
		}
		cpu2 = dma_alloc_coherent(dev, size, &dma2, GFP_KERNEL);
		assert_non_null(cpu2);
		assert_true(all_bytes(cpu2, size, 0));
		dma_free_coherent(dev, size, cpu2, dma2);
		assert_int_equal(dmasim__free_page_count(f->p, -1), before);
	}
}

static void test_coherent_sizes(void **state)
{
	struct fixture *f = *state;
	unsigned long errs = dmasim_debug_errors(f->p);
	struct device *off = dmasim_device_create(f->p, "name=offdev offset=0x40000000");

	assert_non_null(off);
	coherent_sizes_on(f, f->dev, 0);
	coherent_sizes_on(f, off, 0x40000000);
	/* The offset device's bus addresses sit 1 GiB below the physical ones. */
	{
		dma_addr_t dma;
		void *cpu = dma_alloc_coherent(off, SZ_4K, &dma, GFP_KERNEL);
		struct dmasim_xlate x;

		assert_non_null(cpu);
		assert_true(dma < 0x80000000ULL);
		assert_int_equal(dmasim_dev_translate(off, dma, &x), 0);
		assert_int_equal(x.phys, virt_to_phys(cpu));
		assert_ptr_equal(x.cpu, cpu);
		assert_string_equal(x.kind, "coherent");
		assert_int_equal(x.map_start, dma);
		dma_free_coherent(off, SZ_4K, cpu, dma);
	}
	/* The good path reports nothing (the post-free reads above were the only reports). */
	assert_int_equal(dmasim_debug_errors(f->p) - errs, 2 * ARRAY_SIZE(sizes));
	dmasim_device_destroy(off);
	assert_false(tu_log_has("outstanding"));
}

/*
 * The CPU address, too, is aligned to the allocation's order (dma-mapping.h,
 * and the kernel's DMA-API-HOWTO): drivers rely on it for ring alignment.
 */
static void test_coherent_cpu_alignment(void **state)
{
	struct fixture *f = *state;
	struct device *off = dmasim_device_create(f->p, "name=aligndev offset=0x40000000");

	assert_non_null(off);
	for (int k = 0; k < 2; k++) {
		struct device *dev = k ? off : f->dev;

		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
			size_t align = order_align(sizes[i]);
			dma_addr_t dma;
			void *cpu = dma_alloc_coherent(dev, sizes[i], &dma, GFP_KERNEL);

			assert_non_null(cpu);
			assert_int_equal(dma % align, 0);
			if ((uintptr_t)cpu % align)
				fail_msg("%s: %zu bytes: CPU address %p is not %zu-aligned (bus 0x%llx is)",
					 dev_name(dev), sizes[i], cpu, align, (unsigned long long)dma);
			dma_free_coherent(dev, sizes[i], cpu, dma);
		}
	}
	dmasim_device_destroy(off);
}

/* Many live allocations of mixed sizes never overlap, on the CPU or on the bus. */
static void test_coherent_no_overlap(void **state)
{
	struct fixture *f = *state;
	enum { N = 48 };
	void *cpu[N];
	dma_addr_t dma[N];
	size_t sz[N];

	for (int i = 0; i < N; i++) {
		sz[i] = sizes[i % 4] + (size_t)i;
		cpu[i] = dma_alloc_coherent(f->dev, sz[i], &dma[i], GFP_KERNEL);
		assert_non_null(cpu[i]);
		memset(cpu[i], i + 1, sz[i]);
	}
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++)
			if (i != j)
				assert_true(dma[i] + sz[i] <= dma[j] || dma[j] + sz[j] <= dma[i]);
		assert_true(all_bytes(cpu[i], sz[i], (unsigned char)(i + 1)));
	}
	for (int i = 0; i < N; i++)
		dma_free_coherent(f->dev, sz[i], cpu[i], dma[i]);
	assert_int_equal(tu_log.total, 0);
}

/* ---- placement under masks and limits -------------------------------------------- */

static void test_coherent_mask_placement(void **state)
{
	struct dmasim_platform *p = tu_platform("ram=64M@0x80000000,256M@0x100000000");
	struct device *d32, *d64;
	enum { N = 64 };
	void *cpu[N];
	dma_addr_t dma[N];
	unsigned long before;
	int n32 = 0, n64 = 0;
	bool got_high = false;

	(void)state;
	assert_non_null(p);
	d32 = dmasim_device_create(p, "name=dev32 mask=32");
	d64 = dmasim_device_create(p, "name=dev64 mask=64");
	assert_non_null(d32);
	assert_non_null(d64);
	assert_int_equal(d32->coherent_dma_mask, DMA_BIT_MASK(32));
	assert_int_equal(d64->coherent_dma_mask, DMA_BIT_MASK(64));
	before = dmasim__free_page_count(p, -1);

	/* The 32-bit device only ever gets the low region, until it is exhausted. */
	for (n32 = 0; n32 < N; n32++) {
		cpu[n32] = dma_alloc_attrs(d32, SZ_4M, &dma[n32], GFP_KERNEL, DMA_ATTR_NO_WARN);
		if (!cpu[n32])
			break;
		assert_true(dma[n32] + SZ_4M - 1 <= 0xffffffffULL);
		assert_true(virt_to_phys(cpu[n32]) < 0x84000000ULL);
	}
	assert_true(n32 > 0 && n32 <= 16);
	assert_int_equal(tu_log.total, 0); /* DMA_ATTR_NO_WARN: the failure was silent */
	/* Out of low memory for d32; without NO_WARN the failure says why. */
	assert_null(dma_alloc_coherent(d32, SZ_4M, &dma[N - 1], GFP_KERNEL));
	assert_log_has("dev32: dma_alloc_attrs: no memory for 4194304 bytes within mask 0xffffffff");
	tu_log_clear();

	/* The 64-bit device is not limited: it still gets memory, above 4 GiB. */
	for (n64 = 0; n64 < 16; n64++) {
		dma_addr_t h;
		void *c = dma_alloc_coherent(d64, SZ_4M, &h, GFP_KERNEL);

		assert_non_null(c);
		check_coherent(d64, c, h, 4096, 0);
		if (h >= 0x100000000ULL)
			got_high = true;
		cpu[n32 + n64] = c;
		dma[n32 + n64] = h;
	}
	assert_true(got_high);
	for (int i = 0; i < n32; i++)
		dma_free_coherent(d32, SZ_4M, cpu[i], dma[i]);
	for (int i = 0; i < n64; i++)
		dma_free_coherent(d64, SZ_4M, cpu[n32 + i], dma[n32 + i]);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_device_destroy(d32);
	dmasim_device_destroy(d64);
	dmasim_platform_destroy(p);
}

static void test_coherent_bus_limit(void **state)
{
	struct dmasim_platform *p = tu_platform("ram=256M@0x80000000");
	struct device *lim;
	enum { N = 80 };
	void *cpu[N];
	dma_addr_t dma[N];
	unsigned long before;
	int n;

	(void)state;
	assert_non_null(p);
	lim = dmasim_device_create(p, "name=limdev limit=0x8fffffff");
	assert_non_null(lim);
	before = dmasim__free_page_count(p, -1);
	for (n = 0; n < N; n++) {
		cpu[n] = dma_alloc_attrs(lim, SZ_4M, &dma[n], GFP_KERNEL, DMA_ATTR_NO_WARN);
		if (!cpu[n])
			break;
		assert_true(dma[n] + SZ_4M - 1 <= 0x8fffffffULL);
	}
	/* Everything below the limit, and no more: the whole 256M minus the swiotlb pool. */
	assert_true(n >= 60 && n <= 64);
	assert_null(dma_alloc_coherent(lim, SZ_4M, &dma[N - 1], GFP_KERNEL | __GFP_NOWARN));
	assert_int_equal(tu_log.total, 0);
	/* A device whose limit is below all RAM gets nothing, and says why. */
	{
		struct device *tiny = dmasim_device_create(p, "name=tiny limit=0x7fffffff");
		dma_addr_t h = 0;

		assert_non_null(tiny);
		for (int i = 0; i < n; i++)
			dma_free_coherent(lim, SZ_4M, cpu[i], dma[i]);
		n = 0;
		assert_null(dma_alloc_coherent(tiny, SZ_4K, &h, GFP_KERNEL));
		assert_log_has("tiny: dma_alloc_attrs: no memory for 4096 bytes within mask 0xffffffff (bus limit 0x7fffffff");
		/* ...and that it is not a matter of free memory: none lies within its reach. */
		assert_log_has("offset 0x0): no RAM of this machine lies in ZONE_Normal (above 4 GiB) or ZONE_DMA32 (below 4 GiB) or ZONE_DMA (below 16 MiB) at or below phys 0x7fffffff");
		dmasim_device_destroy(tiny);
	}
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	dmasim_device_destroy(lim);
	dmasim_platform_destroy(p);
}

static void test_coherent_impossible_mask(void **state)
{
	struct dmasim_platform *p = tu_platform("ram=256M@0x80000000");
	struct device *dev, *d24;
	dma_addr_t dma = 0;
	void *cpu;

	(void)state;
	assert_non_null(p);
	dev = dmasim_device_create(p, "name=dev");
	assert_non_null(dev);
	/* No RAM below 16 MiB: a 24-bit coherent mask is refused and the old one kept. */
	assert_int_equal(dma_set_coherent_mask(dev, DMA_BIT_MASK(24)), -EIO);
	assert_int_equal(dev->coherent_dma_mask, DMA_BIT_MASK(32));
	cpu = dma_alloc_coherent(dev, SZ_4K, &dma, GFP_KERNEL);
	assert_non_null(cpu);
	dma_free_coherent(dev, SZ_4K, cpu, dma);

	/* A device born with such a mask gets NULL from every allocation. */
	d24 = dmasim_device_create(p, "name=d24 mask=24");
	assert_non_null(d24);
	tu_log_clear();
	assert_null(dma_alloc_coherent(d24, SZ_4K, &dma, GFP_KERNEL));
	assert_log_has("d24: dma_alloc_attrs: no memory for 4096 bytes within mask 0xffffff");
	assert_log_has("at or below phys 0xffffff");
	assert_int_equal(tu_log.total, 1);
	assert_null(dma_alloc_pages(d24, SZ_4K, &dma, DMA_BIDIRECTIONAL, GFP_KERNEL));
	assert_null(dma_alloc_noncoherent(d24, SZ_4K, &dma, DMA_TO_DEVICE, GFP_KERNEL));
	assert_null(dma_alloc_noncontiguous(d24, SZ_4K, DMA_TO_DEVICE, GFP_KERNEL, 0));
	/* A coherent mask of 0 is refused outright. */
	dev->coherent_dma_mask = 0;
	assert_null(dma_alloc_coherent(dev, SZ_4K, &dma, GFP_KERNEL));
	assert_log_has("device has no coherent DMA mask");
	dev->coherent_dma_mask = DMA_BIT_MASK(32);
	dmasim_device_destroy(d24);
	dmasim_device_destroy(dev);
	dmasim_platform_destroy(p);
}

static void test_coherent_exhaustion(void **state)
{
	struct dmasim_platform *p = tu_platform("ram=32M@0x80000000 swiotlb=off");
	struct device *dev;
	void *cpu[64];
	dma_addr_t dma[64];
	unsigned long before;
	int n;

	(void)state;
	assert_non_null(p);
	dev = dmasim_device_create(p, "name=ex");
	assert_non_null(dev);
	before = dmasim__free_page_count(p, -1);
	/* Bigger than RAM (but within one contiguous block): NULL with a message. */
	assert_null(dma_alloc_coherent(dev, 48UL << 20, &dma[0], GFP_KERNEL));
	assert_log_has("no memory for 50331648 bytes");
	tu_log_clear();
	/* Bigger than any contiguous block can be: NULL with a report. */
	assert_null(dma_alloc_coherent(dev, 128UL << 20, &dma[0], GFP_KERNEL));
	assert_log_has("more than one contiguous allocation can give");
	tu_log_clear();
	for (n = 0; n < 64; n++) {
		cpu[n] = dma_alloc_coherent(dev, SZ_1M, &dma[n], GFP_KERNEL);
		if (!cpu[n])
			break;
	}
	/* All of RAM, 1 MiB at a time, and nothing left. */
	assert_true(before >= 30 * 256);
	assert_int_equal(n, before / 256);
	assert_int_equal(dmasim__free_page_count(p, -1), before % 256);
	assert_log_has("no memory for 1048576 bytes");
	/* Freeing one makes room for exactly one more. */
	dma_free_coherent(dev, SZ_1M, cpu[5], dma[5]);
	cpu[5] = dma_alloc_coherent(dev, SZ_1M, &dma[5], GFP_KERNEL);
	check_coherent(dev, cpu[5], dma[5], SZ_1M, 0);
	for (int i = 0; i < n; i++)
		dma_free_coherent(dev, SZ_1M, cpu[i], dma[i]);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	dmasim_device_destroy(dev);
	dmasim_platform_destroy(p);
}

/* ---- argument checks ------------------------------------------------------------- */

static void test_coherent_bad_args(void **state)
{
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);
	unsigned long errs = dmasim_debug_errors(f->p);
	struct device fake;
	dma_addr_t dma = 0x1234;

	assert_null(dma_alloc_coherent(f->dev, 0, &dma, GFP_KERNEL));
	assert_log_has("DMA-API: alloc: dma_alloc_attrs: size 0");
	assert_null(dma_alloc_coherent(f->dev, SZ_4K, NULL, GFP_KERNEL));
	assert_log_has("DMA-API: alloc: dma_alloc_attrs: NULL dma_handle");
	assert_null(dma_alloc_coherent(NULL, SZ_4K, &dma, GFP_KERNEL));
	assert_log_has("NULL device pointer");
	memset(&fake, 0, sizeof(fake));
	assert_null(dma_alloc_coherent(&fake, SZ_4K, &dma, GFP_KERNEL));
	assert_log_has("was not made by dmasim_device_create()");
	assert_null(dma_alloc_wc(NULL, SZ_4K, &dma, GFP_KERNEL));
	assert_null(dmam_alloc_coherent(NULL, SZ_4K, &dma, GFP_KERNEL));
	assert_null(dmam_alloc_coherent(f->dev, 0, &dma, GFP_KERNEL));
	assert_int_equal(dmasim_debug_errors(f->p) - errs, 7);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
	/* Freeing on a bad device is reported and harmless. */
	dma_free_coherent(NULL, SZ_4K, (void *)0x1000, 0x1000);
	dma_free_coherent(&fake, SZ_4K, (void *)0x1000, 0x1000);
	assert_int_equal(dmasim_debug_errors(f->p) - errs, 9);
}

static void test_coherent_free_misuse(void **state)
{
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);
	dma_addr_t dma, dma2;
	unsigned char b = 0;
	void *cpu, *cpu2;

	/* Wrong size: reported, and the recorded size is what gets freed. */
	cpu = dma_alloc_coherent(f->dev, 2 * SZ_4K, &dma, GFP_KERNEL);
	assert_non_null(cpu);
	dma_free_coherent(f->dev, SZ_4K, cpu, dma);
	assert_log_has("frees DMA memory with different size");
	assert_log_has("[map size=8192 bytes] [unmap size=4096 bytes]");
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
	tu_log_clear();

	/* Wrong CPU address: reported, still freed. */
	cpu = dma_alloc_coherent(f->dev, SZ_4K, &dma, GFP_KERNEL);
	cpu2 = dma_alloc_coherent(f->dev, SZ_4K, &dma2, GFP_KERNEL);
	assert_non_null(cpu);
	assert_non_null(cpu2);
	dma_free_coherent(f->dev, SZ_4K, cpu2, dma);
	assert_log_has("frees DMA memory with different CPU address");
	assert_int_equal(dmasim_dev_read(f->dev, dma, &b, 1), -EFAULT);
	assert_int_equal(dmasim_dev_read(f->dev, dma2, &b, 1), 0); /* the other one is intact */
	tu_log_clear();

	/* Unknown handle, DMA_MAPPING_ERROR: reported, nothing freed. */
	dma_free_coherent(f->dev, SZ_4K, cpu2, dma2 + SZ_4K * 1000);
	assert_log_has("free DMA memory it has not allocated");
	tu_log_clear();
	dma_free_coherent(f->dev, SZ_4K, cpu2, dma2 + 16);
	assert_log_has("free DMA memory it has not allocated");
	tu_log_clear();
	dma_free_coherent(f->dev, SZ_4K, cpu2, DMA_MAPPING_ERROR);
	assert_log_has("tries to free an invalid DMA memory address");
	assert_int_equal(dmasim_dev_read(f->dev, dma2, &b, 1), 0);
	tu_log_clear();

	/* A NULL CPU address is ignored, as the kernel does. */
	dma_free_coherent(f->dev, SZ_4K, NULL, dma2);
	dma_free_attrs(f->dev, SZ_4K, NULL, dma2, 0);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim_dev_read(f->dev, dma2, &b, 1), 0);

	/* Double free: the second one is reported. */
	dma_free_coherent(f->dev, SZ_4K, cpu2, dma2);
	assert_int_equal(tu_log.total, 0);
	dma_free_coherent(f->dev, SZ_4K, cpu2, dma2);
	assert_log_has("free DMA memory it has not allocated");
	tu_log_clear();

	/* Freeing a streaming mapping as coherent memory is refused and the mapping survives. */
	{
		void *buf = kmalloc(256, GFP_KERNEL);
		dma_addr_t h = dma_map_single(f->dev, buf, 256, DMA_TO_DEVICE);

		assert_false(dma_mapping_error(f->dev, h));
		dma_free_coherent(f->dev, 256, buf, h);
		assert_log_has("wrong function");
		assert_int_equal(dmasim_dev_read(f->dev, h, &b, 1), 0);
		dma_unmap_single(f->dev, h, 256, DMA_TO_DEVICE);
		kfree(buf);
		tu_log_clear();
	}

	/* Everything went back, and allocation still works. */
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
	cpu = dma_alloc_coherent(f->dev, SZ_64K, &dma, GFP_KERNEL);
	check_coherent(f->dev, cpu, dma, SZ_64K, 0);
	dma_free_coherent(f->dev, SZ_64K, cpu, dma);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
}

/* ---- write-combined and NO_WARN --------------------------------------------------- */

static void test_wc(void **state)
{
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);
	dma_addr_t dma, dma2;
	void *cpu, *cpu2;

	cpu = dma_alloc_wc(f->dev, 5000, &dma, GFP_KERNEL);
	check_coherent(f->dev, cpu, dma, 5000, 0);
	cpu2 = dma_alloc_attrs(f->dev, SZ_64K, &dma2, GFP_KERNEL, DMA_ATTR_WRITE_COMBINE);
	check_coherent(f->dev, cpu2, dma2, SZ_64K, 0);
	{
		struct dmasim_xlate x;

		assert_int_equal(dmasim_dev_translate(f->dev, dma + 4999, &x), 0);
		assert_string_equal(x.kind, "coherent");
		assert_int_equal(x.map_size, 5000);
	}
	dma_free_wc(f->dev, 5000, cpu, dma);
	dma_free_attrs(f->dev, SZ_64K, cpu2, dma2, DMA_ATTR_WRITE_COMBINE);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
	/* Misuse of the wc calls is reported like the plain ones. */
	dma_free_wc(f->dev, 5000, cpu, dma);
	assert_log_has("dma_free_attrs: device driver tries to free DMA memory it has not allocated");
	tu_log_clear();
	assert_null(dma_alloc_wc(f->dev, 0, &dma, GFP_KERNEL));
	assert_log_has("size 0");
}

static void test_no_warn(void **state)
{
	struct fixture *f = *state;
	struct device *d24 = dmasim_device_create(f->p, "name=nw mask=24");
	dma_addr_t dma;

	assert_non_null(d24);
	tu_log_clear();
	assert_null(dma_alloc_attrs(d24, SZ_4K, &dma, GFP_KERNEL, DMA_ATTR_NO_WARN));
	assert_null(dma_alloc_attrs(d24, SZ_4K, &dma, GFP_KERNEL, DMA_ATTR_NO_WARN |
							   DMA_ATTR_WRITE_COMBINE));
	assert_null(dma_alloc_coherent(d24, SZ_4K, &dma, GFP_KERNEL | __GFP_NOWARN));
	assert_null(dma_alloc_attrs(f->dev, 1UL << 30, &dma, GFP_KERNEL, DMA_ATTR_NO_WARN));
	assert_int_equal(tu_log.total, 0);
	assert_null(dma_alloc_attrs(d24, SZ_4K, &dma, GFP_KERNEL, DMA_ATTR_WRITE_COMBINE));
	assert_log_has("nw: dma_alloc_attrs: no memory for 4096 bytes");
	tu_log_clear();
	assert_null(dma_alloc_attrs(f->dev, 1UL << 30, &dma, GFP_KERNEL, 0));
	assert_log_has("more than one contiguous allocation can give");
	tu_log_clear();
	/* NO_WARN does not silence misuse. */
	assert_null(dma_alloc_attrs(f->dev, 0, &dma, GFP_KERNEL, DMA_ATTR_NO_WARN));
	assert_log_has("size 0");
	dmasim_device_destroy(d24);
}

/* ---- managed allocations ------------------------------------------------------------ */

static void test_dmam(void **state)
{
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);
	struct device *dev = dmasim_device_create(f->p, "name=managed");
	dma_addr_t dma[3], udma;
	void *cpu[3], *ucpu;
	unsigned char b;

	assert_non_null(dev);
	cpu[0] = dmam_alloc_coherent(dev, SZ_4K, &dma[0], GFP_KERNEL);
	cpu[1] = dmam_alloc_coherent(dev, SZ_64K, &dma[1], GFP_KERNEL);
	cpu[2] = dmam_alloc_coherent(dev, 5000, &dma[2], GFP_KERNEL);
	check_coherent(dev, cpu[0], dma[0], SZ_4K, 0);
	check_coherent(dev, cpu[1], dma[1], SZ_64K, 0);
	check_coherent(dev, cpu[2], dma[2], 5000, 0);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before - 1 - 16 - 2);

	/* Free one early. */
	dmam_free_coherent(dev, SZ_64K, cpu[1], dma[1]);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before - 1 - 2);
	assert_int_equal(dmasim_dev_read(dev, dma[1], &b, 1), -EFAULT);
	tu_log_clear();
	/* ...and not twice. */
	dmam_free_coherent(dev, SZ_64K, cpu[1], dma[1]);
	assert_log_has("is not a managed allocation");
	tu_log_clear();

	/* A plain allocation is not managed: reported, and left alone. */
	ucpu = dma_alloc_coherent(dev, SZ_4K, &udma, GFP_KERNEL);
	assert_non_null(ucpu);
	dmam_free_coherent(dev, SZ_4K, ucpu, udma);
	assert_log_has("managed: dmam_free_coherent:");
	assert_log_has("is not a managed allocation");
	assert_int_equal(dmasim_dev_read(dev, udma, &b, 1), 0);
	/* A managed pointer with the wrong handle is not managed either. */
	tu_log_clear();
	dmam_free_coherent(dev, SZ_4K, cpu[0], dma[2]);
	assert_log_has("is not a managed allocation");
	assert_int_equal(dmasim_dev_read(dev, dma[0], &b, 1), 0);
	assert_int_equal(dmasim_dev_read(dev, dma[2], &b, 1), 0);
	dma_free_coherent(dev, SZ_4K, ucpu, udma);
	tu_log_clear();

	/* Device destroy releases the rest, with no leak report. */
	dmasim_device_destroy(dev);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
	assert_false(tu_log_has("outstanding"));
	assert_int_equal(tu_log.total, 0);
}

/* Two threads freeing one managed buffer: one frees it, the other is told off; no double free. */
struct dmam_race {
	struct device *dev;
	pthread_barrier_t *go;
	void *cpu;
	dma_addr_t dma;
};

static void *dmam_free_worker(void *p)
{
	struct dmam_race *r = p;

	pthread_barrier_wait(r->go);
	dmam_free_coherent(r->dev, SZ_4K, r->cpu, r->dma);
	return NULL;
}

static void test_dmam_racing_free(void **state)
{
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);
	pthread_barrier_t go;

	assert_int_equal(pthread_barrier_init(&go, NULL, 2), 0);
	for (int round = 0; round < 200; round++) {
		unsigned long errs = dmasim_debug_errors(f->p);
		struct dmam_race r = { f->dev, &go, NULL, 0 };
		pthread_t t[2];

		r.cpu = dmam_alloc_coherent(f->dev, SZ_4K, &r.dma, GFP_KERNEL);
		assert_non_null(r.cpu);
		for (int i = 0; i < 2; i++)
			assert_int_equal(pthread_create(&t[i], NULL, dmam_free_worker, &r), 0);
		for (int i = 0; i < 2; i++)
			assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(dmasim_debug_errors(f->p) - errs, 1);
		assert_int_equal(dmasim__free_page_count(f->p, -1), before);
	}
	pthread_barrier_destroy(&go);
	assert_log_has("is not a managed allocation");
}

/* ---- dma_alloc_pages and noncoherent ---------------------------------------------- */

static void test_alloc_pages(void **state)
{
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);
	unsigned long errs;
	unsigned char buf[6000], out[6000];
	dma_addr_t dma = 0;
	struct page *page;

	/* Zone modifiers are the mask's business, not the caller's. */
	assert_null(dma_alloc_pages(f->dev, SZ_4K, &dma, DMA_BIDIRECTIONAL, GFP_KERNEL | GFP_DMA));
	assert_log_has("dma_alloc_pages: zone modifiers in gfp");
	tu_log_clear();
	assert_null(dma_alloc_pages(f->dev, SZ_4K, &dma, DMA_BIDIRECTIONAL, GFP_DMA32));
	assert_log_has("zone modifiers");
	tu_log_clear();
	assert_null(dma_alloc_pages(f->dev, SZ_4K, &dma, DMA_BIDIRECTIONAL, GFP_HIGHUSER));
	assert_log_has("zone modifiers");
	tu_log_clear();
	assert_null(dma_alloc_pages(f->dev, SZ_4K, &dma, DMA_NONE, GFP_KERNEL));
	assert_log_has("invalid DMA direction");
	tu_log_clear();
	assert_null(dma_alloc_pages(f->dev, 0, &dma, DMA_TO_DEVICE, GFP_KERNEL));
	assert_log_has("dma_alloc_pages: size 0");
	tu_log_clear();
	assert_null(dma_alloc_pages(f->dev, SZ_4K, NULL, DMA_TO_DEVICE, GFP_KERNEL));
	assert_log_has("dma_alloc_pages: NULL dma_handle");
	tu_log_clear();
	assert_null(dma_alloc_pages(NULL, SZ_4K, &dma, DMA_TO_DEVICE, GFP_KERNEL));
	assert_log_has("NULL device pointer");
	tu_log_clear();
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);

	/* A receive buffer: the device writes it, may not read it. */
	errs = dmasim_debug_errors(f->p);
	page = dma_alloc_pages(f->dev, sizeof(buf), &dma, DMA_FROM_DEVICE, GFP_KERNEL);
	assert_non_null(page);
	assert_false(PageHighMem(page));
	assert_int_equal(dma % (2 * SZ_4K), 0);
	assert_int_equal(page_to_phys(page), dma);
	assert_int_equal(virt_to_phys(page_address(page)), dma);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before - 2);
	fill_pattern(buf, sizeof(buf), 5);
	assert_int_equal(dmasim_dev_write(f->dev, dma, buf, sizeof(buf)), 0);
	assert_int_equal(dmasim_dev_read(f->dev, dma, out, 1), -EPERM);
	assert_log_has("device reads bus address");
	assert_log_has("DMA_FROM_DEVICE");
	tu_log_clear();
	errs = dmasim_debug_errors(f->p);
	dma_sync_single_for_cpu(f->dev, dma, sizeof(buf), DMA_FROM_DEVICE);
	assert_memory_equal(page_address(page), buf, sizeof(buf));
	dma_sync_single_for_device(f->dev, dma, sizeof(buf), DMA_FROM_DEVICE);
	dma_sync_single_range_for_cpu(f->dev, dma, 4096, 100, DMA_FROM_DEVICE);
	assert_int_equal(dmasim_debug_errors(f->p), errs);
	assert_int_equal(tu_log.total, 0);
	/* Syncing past the end is reported. */
	dma_sync_single_for_cpu(f->dev, dma, sizeof(buf) + 1, DMA_FROM_DEVICE);
	assert_log_has("outside allocated range");
	tu_log_clear();
	/* Freed in the wrong direction: reported, still freed. */
	dma_free_pages(f->dev, sizeof(buf), page, dma, DMA_TO_DEVICE);
	assert_log_has("different direction");
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
	assert_int_equal(dmasim_dev_write(f->dev, dma, buf, 1), -EFAULT);
	tu_log_clear();

	/* A transmit buffer: the device reads, may not write. */
	page = dma_alloc_pages(f->dev, SZ_4K, &dma, DMA_TO_DEVICE, GFP_KERNEL);
	assert_non_null(page);
	assert_true(all_bytes(page_address(page), SZ_4K, 0));
	fill_pattern(page_address(page), SZ_4K, 9);
	dma_sync_single_for_device(f->dev, dma, SZ_4K, DMA_TO_DEVICE);
	assert_int_equal(dmasim_dev_read(f->dev, dma, out, SZ_4K), 0);
	assert_memory_equal(out, page_address(page), SZ_4K);
	assert_int_equal(dmasim_dev_write(f->dev, dma, out, 1), -EPERM);
	tu_log_clear();
	/* A NULL page is ignored. */
	dma_free_pages(f->dev, SZ_4K, NULL, dma, DMA_TO_DEVICE);
	assert_int_equal(tu_log.total, 0);
	dma_free_pages(f->dev, SZ_4K, page, dma, DMA_TO_DEVICE);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
	dma_free_pages(f->dev, SZ_4K, page, dma, DMA_TO_DEVICE);
	assert_log_has("has not allocated");
}

static void test_free_pages_wrong_page(void **state)
{
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);
	dma_addr_t d1, d2;
	struct page *p1 = dma_alloc_pages(f->dev, SZ_4K, &d1, DMA_BIDIRECTIONAL, GFP_KERNEL);
	struct page *p2 = dma_alloc_pages(f->dev, SZ_4K, &d2, DMA_BIDIRECTIONAL, GFP_KERNEL);
	unsigned char b;

	assert_non_null(p1);
	assert_non_null(p2);
	/* The page does not belong to the handle: reported (as the kernel's debug code does). */
	dma_free_pages(f->dev, SZ_4K, p2, d1, DMA_BIDIRECTIONAL);
	assert_log_has("different CPU address");
	assert_int_equal(dmasim_dev_read(f->dev, d2, &b, 1), 0);
	dma_free_pages(f->dev, SZ_4K, p2, d2, DMA_BIDIRECTIONAL);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
}

static void test_noncoherent(void **state)
{
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);
	struct device *off = dmasim_device_create(f->p, "name=ncoff offset=0x40000000");
	unsigned char out[SZ_4K * 3];
	dma_addr_t dma;
	unsigned char *va;

	assert_non_null(off);
	va = dma_alloc_noncoherent(off, sizeof(out), &dma, DMA_BIDIRECTIONAL, GFP_KERNEL);
	assert_non_null(va);
	assert_true(virt_addr_valid(va));
	assert_int_equal((uintptr_t)va % PAGE_SIZE, 0);
	assert_int_equal(dma % (4 * SZ_4K), 0);
	assert_int_equal(virt_to_phys(va) - dma, 0x40000000);
	assert_true(all_bytes(va, sizeof(out), 0));
	fill_pattern(va, sizeof(out), 1);
	dma_sync_single_for_device(off, dma, sizeof(out), DMA_BIDIRECTIONAL);
	assert_int_equal(dmasim_dev_read(off, dma, out, sizeof(out)), 0);
	assert_memory_equal(out, va, sizeof(out));
	fill_pattern(out, sizeof(out), 2);
	assert_int_equal(dmasim_dev_write(off, dma + 100, out, 200), 0);
	dma_sync_single_for_cpu(off, dma, sizeof(out), DMA_BIDIRECTIONAL);
	assert_memory_equal(va + 100, out, 200);
	{
		struct dmasim_xlate x;

		assert_int_equal(dmasim_dev_translate(off, dma, &x), 0);
		assert_string_equal(x.kind, "pages");
		assert_int_equal(x.dir, DMA_BIDIRECTIONAL);
	}
	assert_int_equal(tu_log.total, 0);
	/* A pointer that is not simulated memory is reported. */
	{
		void *m = malloc(64);

		dma_free_noncoherent(off, sizeof(out), m, dma, DMA_BIDIRECTIONAL);
		assert_log_has("is not memory from dma_alloc_noncoherent()");
		free(m);
		tu_log_clear();
	}
	dma_free_noncoherent(off, sizeof(out), NULL, dma, DMA_BIDIRECTIONAL);
	assert_int_equal(tu_log.total, 0);
	dma_free_noncoherent(off, sizeof(out), va, dma, DMA_BIDIRECTIONAL);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
	assert_int_equal(dmasim_dev_read(off, dma, out, 1), -EFAULT);
	tu_log_clear();
	/* Zone flags refused here too. */
	assert_null(dma_alloc_noncoherent(off, SZ_4K, &dma, DMA_TO_DEVICE, GFP_DMA));
	assert_log_has("zone modifiers");
	dmasim_device_destroy(off);
}

/* ---- noncontiguous ----------------------------------------------------------------- */

static void test_noncontiguous(void **state)
{
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);
	size_t size = 3 * SZ_4K + 100;
	unsigned char out[3 * 4096 + 100];
	struct sg_table *sgt;
	unsigned char *va;
	dma_addr_t dma;

	sgt = dma_alloc_noncontiguous(f->dev, size, DMA_BIDIRECTIONAL, GFP_KERNEL, 0);
	assert_non_null(sgt);
	assert_int_equal(sgt->nents, 1);
	assert_int_equal(sgt->orig_nents, 1);
	assert_int_equal(sg_nents(sgt->sgl), 1);
	dma = sg_dma_address(sgt->sgl);
	assert_int_not_equal(dma, DMA_MAPPING_ERROR);
	assert_int_equal(dma % (4 * SZ_4K), 0);
	assert_true(sg_dma_len(sgt->sgl) >= size && sg_dma_len(sgt->sgl) <= PAGE_ALIGN(size));
	assert_int_equal(sgt->sgl->length, PAGE_ALIGN(size));
	assert_int_equal(page_to_phys(sg_page(sgt->sgl)), dma);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before - 4);

	va = dma_vmap_noncontiguous(f->dev, size, sgt);
	assert_non_null(va);
	assert_true(all_bytes(va, size, 0));
	fill_pattern(va, size, 77);
	dma_sync_sgtable_for_device(f->dev, sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(dmasim_dev_read(f->dev, dma, out, size), 0);
	assert_memory_equal(out, va, size);
	fill_pattern(out, size, 78);
	assert_int_equal(dmasim_dev_write(f->dev, dma, out, size), 0);
	dma_sync_sgtable_for_cpu(f->dev, sgt, DMA_BIDIRECTIONAL);
	assert_memory_equal(va, out, size);
	assert_int_equal(tu_log.total, 0);
	dma_vunmap_noncontiguous(f->dev, va);
	dma_free_noncontiguous(f->dev, size, sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
	assert_int_equal(dmasim_dev_read(f->dev, dma, out, 1), -EFAULT);
	tu_log_clear();

	/* Direction is enforced on the device side. */
	sgt = dma_alloc_noncontiguous(f->dev, SZ_4K, DMA_TO_DEVICE, GFP_KERNEL,
				      DMA_ATTR_ALLOC_SINGLE_PAGES);
	assert_non_null(sgt);
	assert_int_equal(dmasim_dev_write(f->dev, sg_dma_address(sgt->sgl), out, 1), -EPERM);
	tu_log_clear();
	dma_free_noncontiguous(f->dev, SZ_4K, sgt, DMA_TO_DEVICE);
	assert_int_equal(tu_log.total, 0);

	/* Unsupported attributes and bad arguments. */
	assert_null(dma_alloc_noncontiguous(f->dev, SZ_4K, DMA_BIDIRECTIONAL, GFP_KERNEL,
					    DMA_ATTR_WRITE_COMBINE));
	assert_log_has("dma_alloc_noncontiguous: unsupported attrs 0x4");
	tu_log_clear();
	assert_null(dma_alloc_noncontiguous(f->dev, 0, DMA_BIDIRECTIONAL, GFP_KERNEL, 0));
	assert_log_has("size 0");
	tu_log_clear();
	assert_null(dma_alloc_noncontiguous(f->dev, SZ_4K, DMA_NONE, GFP_KERNEL, 0));
	assert_log_has("invalid DMA direction");
	tu_log_clear();
	assert_null(dma_alloc_noncontiguous(NULL, SZ_4K, DMA_TO_DEVICE, GFP_KERNEL, 0));
	assert_log_has("NULL device pointer");
	assert_null(dma_vmap_noncontiguous(f->dev, SZ_4K, NULL));
	dma_free_noncontiguous(f->dev, SZ_4K, NULL, DMA_TO_DEVICE);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
}

/* ---- dma_get_sgtable ------------------------------------------------------------------ */

static void test_get_sgtable(void **state)
{
	struct fixture *f = *state;
	size_t size = 3 * SZ_4K + 1;
	struct sg_table sgt;
	dma_addr_t dma;
	void *cpu = dma_alloc_coherent(f->dev, size, &dma, GFP_KERNEL);

	assert_non_null(cpu);
	memset(&sgt, 0, sizeof(sgt));
	assert_int_equal(dma_get_sgtable(f->dev, &sgt, cpu, dma, size), 0);
	assert_int_equal(sgt.orig_nents, 1);
	assert_int_equal(sg_nents(sgt.sgl), 1);
	assert_ptr_equal(sg_page(sgt.sgl), virt_to_page(cpu));
	assert_int_equal(sgt.sgl->offset, 0);
	assert_int_equal(sgt.sgl->length, 4 * SZ_4K);
	assert_int_equal(sg_phys(sgt.sgl), virt_to_phys(cpu));
	sg_free_table(&sgt);
	/* A smaller size than allocated is fine (an exporter may share a prefix). */
	memset(&sgt, 0, sizeof(sgt));
	assert_int_equal(dma_get_sgtable(f->dev, &sgt, cpu, dma, SZ_4K), 0);
	assert_int_equal(sgt.sgl->length, SZ_4K);
	sg_free_table(&sgt);
	assert_int_equal(tu_log.total, 0);

	/* Bad pairs, sizes and tables. */
	memset(&sgt, 0, sizeof(sgt));
	assert_int_equal(dma_get_sgtable(f->dev, &sgt, (char *)cpu + SZ_4K, dma, size), -EINVAL);
	assert_log_has("dma_get_sgtable:");
	assert_log_has("is not a coherent allocation of this device");
	tu_log_clear();
	assert_int_equal(dma_get_sgtable(f->dev, &sgt, cpu, dma + SZ_4K, SZ_4K), -EINVAL);
	assert_log_has("is not a coherent allocation");
	tu_log_clear();
	assert_int_equal(dma_get_sgtable(f->dev, &sgt, cpu, dma, 5 * SZ_4K), -EINVAL);
	assert_log_has("is larger than the allocation");
	tu_log_clear();
	assert_int_equal(dma_get_sgtable(f->dev, NULL, cpu, dma, size), -EINVAL);
	assert_log_has("NULL sg_table");
	tu_log_clear();
	assert_int_equal(dma_get_sgtable(NULL, &sgt, cpu, dma, size), -EINVAL);
	assert_null(sgt.sgl);
	/* Another device's allocation is not this one's. */
	{
		struct device *other = dmasim_device_create(f->p, "name=other");

		assert_non_null(other);
		tu_log_clear();
		assert_int_equal(dma_get_sgtable(other, &sgt, cpu, dma, size), -EINVAL);
		assert_log_has("other: dma_get_sgtable:");
		dmasim_device_destroy(other);
	}
	/* Nor are pages from dma_alloc_pages. */
	{
		dma_addr_t pd;
		struct page *pg = dma_alloc_pages(f->dev, SZ_4K, &pd, DMA_BIDIRECTIONAL, GFP_KERNEL);

		assert_non_null(pg);
		assert_int_equal(dma_get_sgtable(f->dev, &sgt, page_address(pg), pd, SZ_4K), -EINVAL);
		dma_free_pages(f->dev, SZ_4K, pg, pd, DMA_BIDIRECTIONAL);
	}
	dma_free_coherent(f->dev, size, cpu, dma);
	tu_log_clear();
	/* Nor is freed memory. */
	assert_int_equal(dma_get_sgtable(f->dev, &sgt, cpu, dma, size), -EINVAL);
	assert_log_has("is not a coherent allocation");
}

/* ---- dma_mmap_* ------------------------------------------------------------------------ */

static void test_mmap(void **state)
{
	struct fixture *f = *state;
	size_t size = 4 * SZ_4K;
	struct vm_area_struct vma;
	unsigned char *cpu, *alias, b[16];
	dma_addr_t dma;

	assert_true(dma_can_mmap(f->dev));
	cpu = dma_alloc_coherent(f->dev, size, &dma, GFP_KERNEL);
	assert_non_null(cpu);
	fill_pattern(cpu, size, 42);

	/* vm_start 0: dmasim picks the address; two pages from page 0. */
	memset(&vma, 0, sizeof(vma));
	vma.vm_end = 2 * SZ_4K;
	assert_int_equal(dma_mmap_coherent(f->dev, &vma, cpu, dma, size), 0);
	alias = (unsigned char *)vma.vm_start;
	assert_non_null(alias);
	assert_ptr_not_equal(alias, cpu);
	assert_int_equal(vma.vm_end - vma.vm_start, 2 * SZ_4K);
	assert_memory_equal(alias, cpu, 2 * SZ_4K);
	/* Write through the alias: the CPU and the device see it. */
	memcpy(alias + 10, "through-alias", 14);
	alias[2 * SZ_4K - 1] = 0x5a;
	assert_memory_equal(cpu + 10, "through-alias", 14);
	assert_int_equal(cpu[2 * SZ_4K - 1], 0x5a);
	assert_int_equal(dmasim_dev_read(f->dev, dma + 10, b, 14), 0);
	assert_memory_equal(b, "through-alias", 14);
	/* The device writes, the alias sees it. */
	assert_int_equal(dmasim_dev_write(f->dev, dma + SZ_4K, "dev", 3), 0);
	assert_memory_equal(alias + SZ_4K, "dev", 3);
	assert_int_equal(munmap(alias, 2 * SZ_4K), 0);

	/* vm_pgoff 1: the mapping starts at the second page. */
	memset(&vma, 0, sizeof(vma));
	vma.vm_end = 3 * SZ_4K;
	vma.vm_pgoff = 1;
	assert_int_equal(dma_mmap_coherent(f->dev, &vma, cpu, dma, size), 0);
	alias = (unsigned char *)vma.vm_start;
	assert_non_null(alias);
	assert_memory_equal(alias, cpu + SZ_4K, 3 * SZ_4K);
	alias[0] = 0xee;
	assert_int_equal(cpu[SZ_4K], 0xee);
	assert_int_equal(munmap(alias, 3 * SZ_4K), 0);

	/* At a caller-chosen address (a vma the "kernel" already placed). */
	{
		void *spot = mmap(NULL, SZ_4K, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		assert_true(spot != MAP_FAILED);
		memset(&vma, 0, sizeof(vma));
		vma.vm_start = (unsigned long)spot;
		vma.vm_end = vma.vm_start + SZ_4K;
		vma.vm_pgoff = 3;
		assert_int_equal(dma_mmap_coherent(f->dev, &vma, cpu, dma, size), 0);
		assert_int_equal(vma.vm_start, (unsigned long)spot);
		assert_memory_equal(spot, cpu + 3 * SZ_4K, SZ_4K);
		assert_int_equal(munmap(spot, SZ_4K), 0);
	}
	assert_int_equal(tu_log.total, 0);

	/* Ranges beyond the buffer. */
	memset(&vma, 0, sizeof(vma));
	vma.vm_end = 5 * SZ_4K;
	assert_int_equal(dma_mmap_coherent(f->dev, &vma, cpu, dma, size), -ENXIO);
	vma.vm_end = 2 * SZ_4K;
	vma.vm_pgoff = 3;
	assert_int_equal(dma_mmap_coherent(f->dev, &vma, cpu, dma, size), -ENXIO);
	vma.vm_end = SZ_4K;
	vma.vm_pgoff = 4;
	assert_int_equal(dma_mmap_coherent(f->dev, &vma, cpu, dma, size), -ENXIO);
	vma.vm_pgoff = ~0UL;
	assert_int_equal(dma_mmap_coherent(f->dev, &vma, cpu, dma, size), -ENXIO);
	assert_int_equal(vma.vm_start, 0); /* untouched on failure */

	/* Bad vmas and pairs. */
	memset(&vma, 0, sizeof(vma));
	vma.vm_end = 100;
	assert_int_equal(dma_mmap_coherent(f->dev, &vma, cpu, dma, size), -EINVAL);
	assert_log_has("bad vma");
	tu_log_clear();
	assert_int_equal(dma_mmap_coherent(f->dev, NULL, cpu, dma, size), -EINVAL);
	vma.vm_end = SZ_4K;
	assert_int_equal(dma_mmap_coherent(f->dev, &vma, cpu + SZ_4K, dma, size), -EINVAL);
	assert_log_has("dma_mmap_attrs:");
	assert_log_has("is not a coherent allocation");
	assert_int_equal(dma_mmap_coherent(NULL, &vma, cpu, dma, size), -EINVAL);
	tu_log_clear();

	/* dma_mmap_wc of a wc buffer. */
	{
		dma_addr_t wdma;
		unsigned char *wc = dma_alloc_wc(f->dev, SZ_4K, &wdma, GFP_KERNEL);

		assert_non_null(wc);
		memset(&vma, 0, sizeof(vma));
		vma.vm_end = SZ_4K;
		assert_int_equal(dma_mmap_wc(f->dev, &vma, wc, wdma, SZ_4K), 0);
		((unsigned char *)vma.vm_start)[7] = 7;
		assert_int_equal(wc[7], 7);
		assert_int_equal(munmap((void *)vma.vm_start, SZ_4K), 0);
		dma_free_wc(f->dev, SZ_4K, wc, wdma);
	}
	dma_free_coherent(f->dev, size, cpu, dma);
	assert_int_equal(tu_log.total, 0);
}

/* ---- teardown ------------------------------------------------------------------------ */

static void test_destroy_reports_leak(void **state)
{
	struct fixture *f = *state;
	struct device *dev = dmasim_device_create(f->p, "name=leaky");
	unsigned long errs = dmasim_debug_errors(f->p);
	dma_addr_t dma, pdma;
	struct page *pg;
	void *cpu;

	assert_non_null(dev);
	cpu = dma_alloc_coherent(dev, SZ_64K, &dma, GFP_KERNEL);
	assert_non_null(cpu);
	pg = dma_alloc_pages(dev, SZ_4K, &pdma, DMA_FROM_DEVICE, GFP_KERNEL);
	assert_non_null(pg);
	tu_log_clear();
	dmasim_device_destroy(dev);
	assert_log_has("leaky: device destroyed with 2 outstanding DMA mappings or allocations");
	assert_log_has("leaked coherent");
	assert_log_has("leaked pages");
	assert_true(dmasim_debug_errors(f->p) > errs);
}

/* ---- threads ---------------------------------------------------------------------------- */

struct thread_arg {
	struct device *dev;
	unsigned int seed;
	int ok;
};

static void *alloc_worker(void *p)
{
	struct thread_arg *a = p;

	for (int i = 0; i < 2000; i++) {
		size_t size = 1 + (size_t)((i * 2654435761u + a->seed) % (3 * SZ_4K));
		unsigned char tag = (unsigned char)(a->seed + i), got = 0;
		dma_addr_t dma;
		unsigned char *cpu = dma_alloc_coherent(a->dev, size, &dma, GFP_KERNEL);

		if (!cpu)
			continue;
		if (cpu[size - 1] == 0) {
			cpu[size - 1] = tag;
			if (dmasim_dev_read(a->dev, dma + size - 1, &got, 1) == 0 && got == tag)
				a->ok++;
		}
		dma_free_coherent(a->dev, size, cpu, dma);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	unsigned long before = dmasim__free_page_count(f->p, -1);
	unsigned long errs = dmasim_debug_errors(f->p);
	struct thread_arg args[2] = { { f->dev, 1, 0 }, { f->dev, 1000, 0 } };
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, alloc_worker, &args[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(args[0].ok, 2000);
	assert_int_equal(args[1].ok, 2000);
	assert_int_equal(dmasim__free_page_count(f->p, -1), before);
	assert_int_equal(dmasim_debug_errors(f->p), errs);
	assert_int_equal(tu_log.total, 0);
}

/* ---- debug off: nothing records an allocation --------------------------------------- */

static unsigned long nr_entries(struct device *dev)
{
	return to_dmasim(dev)->nr_maps; /* DMA-API debugging's live entries (lib/debug/entry.c) */
}

/* The bytes @sgt's pages hold, in order, into @out (at most @n). */
static size_t sgt_bytes(struct sg_table *sgt, unsigned char *out, size_t n)
{
	struct scatterlist *s;
	size_t done = 0;
	unsigned int i;

	for_each_sgtable_sg(sgt, s, i) {
		size_t len = s->length < n - done ? s->length : n - done;

		memcpy(out + done, (unsigned char *)page_address(sg_page(s)) + s->offset, len);
		done += len;
	}
	return done;
}

/*
 * As the kernel, whose allocations reach kernel/dma/debug.c only through
 * debug_dma_alloc_attrs()/debug_dma_free_attrs(): with debug off no entry is
 * kept for any kind of allocation, yet freeing and exporting work, from the
 * CPU address (kernel/dma/ops_helpers.c dma_common_get_sgtable() and
 * kernel/dma/direct.c dma_direct_get_sgtable() take virt_to_page/
 * vmalloc_to_page of it) or the table (dma_vmap_noncontiguous).
 */
static void debug_off_allocations_on(const char *spec, bool cached)
{
	struct dmasim_platform *p = tu_platform(spec);
	unsigned long before;
	struct device *dev;
	size_t size = 3 * SZ_4K + 100;
	unsigned char buf[3 * 4096 + 100], *cpu, *va;
	struct vm_area_struct vma;
	struct sg_table sgt, *nc;
	struct page *pg;
	dma_addr_t dma;

	assert_non_null(p);
	before = dmasim__free_page_count(p, -1); /* the IOMMU's tables go with the device */
	dev = dmasim_device_create(p, "name=nodebug");
	assert_non_null(dev);
	tu_log_clear();

	/* Coherent: free, get_sgtable and mmap find the pages from the CPU address. */
	cpu = dma_alloc_coherent(dev, size, &dma, GFP_KERNEL);
	assert_non_null(cpu);
	assert_int_equal(nr_entries(dev), 0);
	fill_pattern(cpu, size, 9);
	assert_int_equal(dmasim_dev_read(dev, dma, buf, size), 0);
	assert_memory_equal(buf, cpu, size);
	memset(&sgt, 0, sizeof(sgt));
	assert_int_equal(dma_get_sgtable(dev, &sgt, cpu, dma, size), 0);
	/* The linear map's view of the pages (cached: skipped when that differs). */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(sgt_bytes(&sgt, buf, size), size);
	if (cached)
		assert_memory_equal(buf, cpu, size);
	sg_free_table(&sgt);
	memset(&vma, 0, sizeof(vma));
	vma.vm_end = 2 * SZ_4K;
	vma.vm_pgoff = 1;
	assert_int_equal(dma_mmap_coherent(dev, &vma, cpu, dma, size), 0);
	va = (unsigned char *)vma.vm_start;
	assert_memory_equal(va, cpu + SZ_4K, 2 * SZ_4K);
	va[5] = 0xa5;
	assert_int_equal(cpu[SZ_4K + 5], 0xa5);
	assert_int_equal(munmap(va, 2 * SZ_4K), 0);
	dma_free_coherent(dev, size, cpu, dma);

	/* Write-combined, through dma_free_attrs. */
	cpu = dma_alloc_wc(dev, SZ_64K, &dma, GFP_KERNEL);
	assert_non_null(cpu);
	assert_int_equal(nr_entries(dev), 0);
	dma_free_wc(dev, SZ_64K, cpu, dma);

	/* Pages and noncoherent memory. */
	pg = dma_alloc_pages(dev, 5000, &dma, DMA_BIDIRECTIONAL, GFP_KERNEL);
	assert_non_null(pg);
	assert_int_equal(nr_entries(dev), 0);
	dma_free_pages(dev, 5000, pg, dma, DMA_BIDIRECTIONAL);
	cpu = dma_alloc_noncoherent(dev, SZ_4K, &dma, DMA_FROM_DEVICE, GFP_KERNEL);
	assert_non_null(cpu);
	assert_int_equal(nr_entries(dev), 0);
	assert_int_equal(dmasim_dev_write(dev, dma, "nc", 2), 0);
	dma_sync_single_for_cpu(dev, dma, SZ_4K, DMA_FROM_DEVICE);
	assert_memory_equal(cpu, "nc", 2);
	dma_free_noncoherent(dev, SZ_4K, cpu, dma, DMA_FROM_DEVICE);

	/* Noncontiguous: vmap gives the table's pages, the device sees them. */
	nc = dma_alloc_noncontiguous(dev, size, DMA_BIDIRECTIONAL, GFP_KERNEL, 0);
	assert_non_null(nc);
	assert_int_equal(nr_entries(dev), 0);
	va = dma_vmap_noncontiguous(dev, size, nc);
	assert_non_null(va);
	fill_pattern(va, size, 11);
	dma_sync_sgtable_for_device(dev, nc, DMA_BIDIRECTIONAL);
	assert_int_equal(dmasim_dev_read(dev, sg_dma_address(nc->sgl), buf, size), 0);
	assert_memory_equal(buf, va, size);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(sgt_bytes(nc, buf, size), size);
	if (cached)
		assert_memory_equal(buf, va, size);
	dma_vunmap_noncontiguous(dev, va);
	dma_free_noncontiguous(dev, size, nc, DMA_BIDIRECTIONAL);

	/* Managed: the devres keeps what the free needs. */
	cpu = dmam_alloc_coherent(dev, SZ_4K, &dma, GFP_KERNEL);
	assert_non_null(cpu);
	assert_int_equal(nr_entries(dev), 0);
	dmam_free_coherent(dev, SZ_4K, cpu, dma);
	assert_non_null(dmam_alloc_coherent(dev, 5000, &dma, GFP_KERNEL)); /* freed by destroy */
	assert_int_equal(nr_entries(dev), 0);

	assert_int_equal(tu_log.total, 0);
	dmasim_device_destroy(dev);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_int_equal(dmasim_debug_errors(p), 0);
	assert_int_equal(tu_log.total, 0);
	dmasim_platform_destroy(p);
}

static void test_debug_off_no_entries(void **state)
{
	(void)state;
	debug_off_allocations_on("debug=off", true);
	debug_off_allocations_on("debug=off cache=noncoherent", false);
	debug_off_allocations_on("debug=off iommu=on", true);
	debug_off_allocations_on("debug=off iommu=on cache=noncoherent", false);
}

/*
 * With debug off a double free is not the debug layer's to catch, but it
 * must not corrupt the machine: the page allocator (direct) or dma-iommu
 * (the alias area is gone) refuses it with a report.
 */
static void double_free_on(const char *spec)
{
	struct dmasim_platform *p = tu_platform(spec);
	struct device *dev;
	unsigned long before;
	dma_addr_t dma;
	void *cpu;

	assert_non_null(p);
	dev = dmasim_device_create(p, "name=nodebug");
	assert_non_null(dev);
	cpu = dma_alloc_coherent(dev, 2 * SZ_4K, &dma, GFP_KERNEL);
	assert_non_null(cpu);
	dma_free_coherent(dev, 2 * SZ_4K, cpu, dma);
	before = dmasim__free_page_count(p, -1);
	tu_log_clear();
	dma_free_coherent(dev, 2 * SZ_4K, cpu, dma);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_int_equal(tu_log.total, 1);
	tu_log_clear();
	dmasim_device_destroy(dev);
	dmasim_platform_destroy(p);
}

static void test_debug_off_double_free(void **state)
{
	(void)state;
	double_free_on("debug=off");
	double_free_on("debug=off iommu=on");
}

/* With debug on the same allocations are the debug layer's entries, and misuse is reported. */
static void test_debug_on_entries(void **state)
{
	struct fixture *f = *state;
	struct sg_table *nc;
	dma_addr_t dma;
	void *cpu;

	cpu = dma_alloc_coherent(f->dev, SZ_4K, &dma, GFP_KERNEL);
	assert_non_null(cpu);
	assert_int_equal(nr_entries(f->dev), 1);
	nc = dma_alloc_noncontiguous(f->dev, SZ_4K, DMA_TO_DEVICE, GFP_KERNEL, 0);
	assert_non_null(nc);
	assert_int_equal(nr_entries(f->dev), 2);
	dma_free_coherent(f->dev, 2 * SZ_4K, cpu, dma);
	assert_log_has("device driver frees DMA memory with different size");
	tu_log_clear();
	assert_int_equal(nr_entries(f->dev), 1);
	dma_free_coherent(f->dev, SZ_4K, cpu, dma);
	assert_log_has("device driver tries to free DMA memory it has not allocated");
	tu_log_clear();
	dma_free_noncontiguous(f->dev, SZ_4K, nc, DMA_FROM_DEVICE);
	assert_log_has("device driver frees DMA memory with different direction");
	tu_log_clear();
	assert_int_equal(nr_entries(f->dev), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_coherent_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coherent_cpu_alignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coherent_no_overlap, setup, teardown),
		cmocka_unit_test(test_coherent_mask_placement),
		cmocka_unit_test(test_coherent_bus_limit),
		cmocka_unit_test(test_coherent_impossible_mask),
		cmocka_unit_test(test_coherent_exhaustion),
		cmocka_unit_test_setup_teardown(test_coherent_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coherent_free_misuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_warn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dmam, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dmam_racing_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_pages_wrong_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noncoherent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noncontiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_sgtable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_reports_leak, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test(test_debug_off_no_entries),
		cmocka_unit_test(test_debug_off_double_free),
		cmocka_unit_test_setup_teardown(test_debug_on_entries, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
