/*
 * tests/test-swiotlb.c - the swiotlb bounce pool (lib/dma/swiotlb.c): placement,
 * slot allocation rules (slot and page alignment, min_align_mask, 256 KiB
 * maximum, 128-slot segments, device segment boundary, search hint, the
 * lifo search start of swiotlb=...,lifo), exhaustion, data copies by direction, partial syncs, misuse reports and
 * reachability.  Most tests drive the internal API (lib/dma/dma.h, lib/mm/mm.h) with
 * physical addresses so every address can be asserted exactly; the device's
 * side of a bounce is read and written through the RAM view, which is what
 * the device sees.  The last tests go through the public DMA API.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "dma/dma.h"

#define POOL 0x80000000ULL /* where the default pool lands: start of the default RAM */
#define ORIG 0x88000000ULL /* some RAM well away from the pool for original buffers */

static struct dmasim_platform *plat(const char *spec)
{
	struct dmasim_platform *p = tu_platform_on(TU_SOC, spec);

	assert_non_null(p);
	return p;
}

static struct dmasim_device *mkdev(struct dmasim_platform *p, const char *spec)
{
	struct device *dev = dmasim_device_create(p, spec);

	assert_non_null(dev);
	return to_dmasim(dev);
}

static unsigned char *ram(struct dmasim_platform *p, phys_addr_t phys)
{
	unsigned char *r = dmasim__ram_ptr(p, phys);

	assert_non_null(r);
	return r;
}

static phys_addr_t map_ok(struct dmasim_device *d, phys_addr_t orig, size_t size,
			  enum dma_data_direction dir, unsigned long attrs)
{
	phys_addr_t tlb = 0;

	assert_int_equal(dmasim__swiotlb_map(d, orig, size, dir, attrs, &tlb), 0);
	return tlb;
}

static void dump_line(struct dmasim_platform *p, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	assert_non_null(f);
	dmasim__swiotlb_dump(p, f);
	fclose(f);
}

/* ---- placement ----------------------------------------------------------- */

static void test_default_placement(void **state)
{
	struct dmasim_platform *p = plat("");
	char line[256];

	(void)state;
	assert_true(dmasim__swiotlb_active(p));
	assert_false(dmasim__swiotlb_force(p));
	assert_int_equal(dmasim__swiotlb_start(p), POOL);
	assert_int_equal(dmasim__swiotlb_end(p), POOL + (4 << 20) - 1);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	assert_true(tu_spec_has(p, "swiotlb=4M@0x80000000"));
	/* The buddy allocator never sees the pool. */
	assert_true(dmasim__phys_to_page(p, POOL)->flags & PG_reserved);
	assert_true(dmasim__phys_to_page(p, POOL + (4 << 20) - PAGE_SIZE)->flags & PG_reserved);
	assert_false(dmasim__phys_to_page(p, POOL + (4 << 20))->flags & PG_reserved);
	assert_true(dmasim__swiotlb_is_bounce(p, POOL));
	assert_true(dmasim__swiotlb_is_bounce(p, POOL + (4 << 20) - 1));
	assert_false(dmasim__swiotlb_is_bounce(p, POOL + (4 << 20)));
	assert_false(dmasim__swiotlb_is_bounce(p, POOL - 1));
	dump_line(p, line, sizeof(line));
	assert_string_equal(line,
			    "  swiotlb phys 0x080000000-0x0803fffff (4096 KiB, 2048 slots of 2 KiB, 0 used)\n");
	dmasim_platform_destroy(p);
}

static void test_explicit_and_lowmem_placement(void **state)
{
	struct dmasim_platform *p;
	char line[256];

	(void)state;
	p = plat("swiotlb=1M@0x80100000,force");
	assert_int_equal(dmasim__swiotlb_start(p), 0x80100000);
	assert_int_equal(dmasim__swiotlb_end(p), 0x801fffff);
	assert_true(dmasim__swiotlb_force(p));
	assert_false(dmasim__phys_to_page(p, 0x800ff000)->flags & PG_reserved);
	assert_true(dmasim__phys_to_page(p, 0x80100000)->flags & PG_reserved);
	dump_line(p, line, sizeof(line));
	assert_string_equal(line,
			    "  swiotlb phys 0x080100000-0x0801fffff (1024 KiB, 512 slots of 2 KiB, 0 used, force)\n");
	dmasim_platform_destroy(p);

	/* A pool in low memory below 16 MiB, for 24-bit devices. */
	p = plat("ram=16M@0x0,256M@0x80000000 swiotlb=4M@0x400000");
	assert_int_equal(dmasim__swiotlb_start(p), 0x400000);
	assert_int_equal(dmasim__swiotlb_end(p), 0x7fffff);
	dmasim_platform_destroy(p);

	/* Default: the lowest low-memory region that fits, at its start. */
	p = plat("ram=16M@0x0,256M@0x80000000");
	assert_int_equal(dmasim__swiotlb_start(p), 0);
	assert_int_equal(dmasim__swiotlb_end(p), 0x3fffff);
	dmasim_platform_destroy(p);

	/* Too small, and high memory, are passed over. */
	p = plat("ram=1M@0x100000,64M@0x40000000:high,256M@0x80000000");
	assert_int_equal(dmasim__swiotlb_start(p), POOL);
	dmasim_platform_destroy(p);

	/* An explicit address may be high memory. */
	p = plat("ram=64M@0x40000000:high,256M@0x80000000 swiotlb=2M@0x40000000");
	assert_int_equal(dmasim__swiotlb_start(p), 0x40000000);
	dmasim_platform_destroy(p);
}

static void test_off(void **state)
{
	struct dmasim_platform *p = plat("swiotlb=off");
	struct dmasim_device *d = mkdev(p, "name=nic");
	phys_addr_t tlb = 0x1234, orig = 0;
	char line[64];

	(void)state;
	assert_false(dmasim__swiotlb_active(p));
	assert_false(dmasim__swiotlb_force(p));
	assert_int_equal(dmasim__swiotlb_start(p), 0);
	assert_int_equal(dmasim__swiotlb_end(p), 0);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	assert_false(dmasim__swiotlb_is_bounce(p, POOL));
	assert_int_equal(dmasim__swiotlb_orig(p, POOL, &orig), -ENOENT);
	dump_line(p, line, sizeof(line));
	assert_string_equal(line, "  swiotlb off\n");
	assert_int_equal(dmasim__swiotlb_map(d, ORIG, 64, DMA_TO_DEVICE, 0, &tlb), -ENODEV);
	assert_int_equal(tlb, 0x1234);
	assert_log_has("DMA-API: nic: swiotlb: no bounce buffer (swiotlb=off) to map phys 0x88000000+64");
	dmasim_platform_destroy(p);
}

/* Placement errors, straight from dmasim__swiotlb_init() to see the messages. */
static void test_init_errors(void **state)
{
	struct dmasim_platform *p = calloc(1, sizeof(*p));
	char err[256] = "";

	(void)state;
	assert_non_null(p);
	p->memfd = -1;
	p->cpu_fd = -1;
	assert_int_equal(dmasim__memory_init(p, "16M@0x0,256M@0x80000000", false, err, sizeof(err)), 0);

	assert_int_equal(dmasim__swiotlb_init(p, 4 << 20, 0x80000800, true, false, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "swiotlb=4M@0x80000800: the address must be page aligned");
	assert_int_equal(dmasim__swiotlb_init(p, 4 << 20, 0xe00000, true, false, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err,
			    "swiotlb=4M@0xe00000: phys 0xe00000-0x11fffff is not inside one RAM region");
	assert_int_equal(dmasim__swiotlb_init(p, 4 << 20, 0x10000000, true, false, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "is not inside one RAM region"));
	assert_int_equal(dmasim__swiotlb_init(p, 512 << 20, 0, false, false, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "swiotlb=512M: no RAM region can hold the pool"));
	assert_int_equal(dmasim__swiotlb_init(p, 100 << 10, 0, false, false, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "swiotlb=100K: the size must be a multiple of 256K"));
	assert_null(p->swiotlb);

	/* Off is not an error; a good one reserves its pages. */
	assert_int_equal(dmasim__swiotlb_init(p, 0, 0, false, false, err, sizeof(err)), 0);
	assert_null(p->swiotlb);
	assert_int_equal(dmasim__swiotlb_init(p, 1 << 20, 0xf00000, true, true, err, sizeof(err)), 0);
	assert_int_equal(dmasim__swiotlb_start(p), 0xf00000);
	assert_int_equal(dmasim__swiotlb_end(p), 0xffffff);
	assert_true(dmasim__swiotlb_force(p));
	assert_true(dmasim__phys_to_page(p, 0xfff000)->flags & PG_reserved);
	assert_false(dmasim__phys_to_page(p, 0xeff000)->flags & PG_reserved);
	dmasim__swiotlb_destroy(p);
	assert_null(p->swiotlb);
	dmasim__swiotlb_destroy(p); /* harmless twice */
	dmasim__memory_destroy(p);
	free(p);
}

/* ---- slot allocation rules ------------------------------------------------- */

static void test_slot_and_page_alignment(void **state)
{
	struct dmasim_platform *p = plat("");
	struct dmasim_device *d = mkdev(p, "name=nic");
	phys_addr_t a, b, c, e, orig;

	(void)state;
	/* Without min_align_mask the offset in the slot is not kept. */
	a = map_ok(d, ORIG + 0x123, 100, DMA_TO_DEVICE, 0);
	assert_int_equal(a, POOL);
	assert_int_equal(dmasim__swiotlb_used(p), 1);
	/* A page or more is page aligned: slot 1 is skipped. */
	b = map_ok(d, ORIG + 0x2000, 4096, DMA_TO_DEVICE, 0);
	assert_int_equal(b, POOL + 0x1000);
	assert_int_equal(dmasim__swiotlb_used(p), 3);
	/* The search goes on from where the last one ended (slot 4), not from 0. */
	c = map_ok(d, ORIG + 0x5000, 2048, DMA_TO_DEVICE, 0);
	assert_int_equal(c, POOL + 0x2000);
	dmasim__swiotlb_unmap(d, a, 100, DMA_TO_DEVICE, 0);
	e = map_ok(d, ORIG, 10, DMA_TO_DEVICE, 0);
	assert_int_equal(e, POOL + 0x2800);
	assert_int_equal(dmasim__swiotlb_used(p), 4);

	assert_int_equal(dmasim__swiotlb_orig(p, b + 17, &orig), 0);
	assert_int_equal(orig, ORIG + 0x2000 + 17);
	assert_int_equal(dmasim__swiotlb_orig(p, c + 2047, &orig), 0);
	assert_int_equal(orig, ORIG + 0x5000 + 2047);
	assert_int_equal(dmasim__swiotlb_orig(p, e + 10, &orig), -ENOENT); /* slot tail */
	assert_int_equal(dmasim__swiotlb_orig(p, a, &orig), -ENOENT);      /* unmapped */

	dmasim__swiotlb_unmap(d, b, 4096, DMA_TO_DEVICE, 0);
	dmasim__swiotlb_unmap(d, c, 2048, DMA_TO_DEVICE, 0);
	dmasim__swiotlb_unmap(d, e, 10, DMA_TO_DEVICE, 0);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	assert_int_equal(tu_log.total, 0);
	dmasim_platform_destroy(p);
}

static void test_min_align_mask(void **state)
{
	struct dmasim_platform *p = plat("");
	struct dmasim_device *d = mkdev(p, "name=nvme min_align=0xfff");
	phys_addr_t a, b, orig;

	(void)state;
	/* Bit 11 of the original is set: only an odd slot gives the same low 12 bits. */
	a = map_ok(d, ORIG + 0xa10, 4096, DMA_FROM_DEVICE, 0);
	assert_int_equal(a, POOL + 0xa10);
	assert_int_equal(a & 0xfff, (ORIG + 0xa10) & 0xfff);
	/* 0x210 bytes of padding + 4096 = 3 slots (1..3); no page alignment with a min_align_mask. */
	assert_int_equal(dmasim__swiotlb_used(p), 3);
	b = map_ok(d, ORIG + 0x10, 4096, DMA_FROM_DEVICE, 0);
	assert_int_equal(b, POOL + 0x2010);
	assert_int_equal(dmasim__swiotlb_used(p), 6);
	/* The padding before the first mapped byte belongs to no buffer. */
	assert_int_equal(dmasim__swiotlb_orig(p, a - 1, &orig), -ENOENT);
	assert_int_equal(dmasim__swiotlb_orig(p, a, &orig), 0);
	assert_int_equal(orig, ORIG + 0xa10);
	assert_int_equal(dmasim__swiotlb_orig(p, a + 4095, &orig), 0);
	assert_int_equal(orig, ORIG + 0xa10 + 4095);
	dmasim__swiotlb_unmap(d, a, 4096, DMA_FROM_DEVICE, 0);
	dmasim__swiotlb_unmap(d, b, 4096, DMA_FROM_DEVICE, 0);
	assert_int_equal(dmasim__swiotlb_used(p), 0);

	/* A smaller mask: only the bits inside a slot matter, any slot will do. */
	d->parms.min_align_mask = 0x3f;
	a = map_ok(d, ORIG + 0x7c5, 64, DMA_TO_DEVICE, 0);
	assert_int_equal(a & 0x3f, 0x05);
	assert_int_equal(a, POOL + 0x3800 + 0x05); /* slot 7: where the last search ended */
	dmasim__swiotlb_unmap(d, a, 64, DMA_TO_DEVICE, 0);
	assert_int_equal(tu_log.total, 0);
	dmasim_platform_destroy(p);
}

static void test_max_mapping_size(void **state)
{
	struct dmasim_platform *p = plat("");
	struct dmasim_device *d = mkdev(p, "name=nic");
	phys_addr_t tlb = 0;

	(void)state;
	assert_int_equal(dmasim__swiotlb_max_mapping_size(d), 256 * 1024);
	d->parms.min_align_mask = 0x3f;
	assert_int_equal(dmasim__swiotlb_max_mapping_size(d), 256 * 1024 - 2048);
	d->parms.min_align_mask = 0xfff;
	assert_int_equal(dmasim__swiotlb_max_mapping_size(d), 256 * 1024 - 4096);
	/* The worst offset (0x7ff) still fits in one segment. */
	tlb = map_ok(d, ORIG + 0xfff, 256 * 1024 - 4096, DMA_TO_DEVICE, 0);
	assert_int_equal(tlb, POOL + 0x800 + 0x7ff);
	dmasim__swiotlb_unmap(d, tlb, 256 * 1024 - 4096, DMA_TO_DEVICE, 0);
	assert_int_equal(dmasim__swiotlb_map(d, ORIG, 256 * 1024 - 4095, DMA_TO_DEVICE, 0, &tlb),
			 -EINVAL);
	assert_log_has("DMA-API: nic: swiotlb: cannot bounce phys 0x88000000+258049: the size must be 1..258048 bytes (min_align_mask 0xfff)");
	d->parms.min_align_mask = 0;
	tu_log_clear();
	assert_int_equal(dmasim__swiotlb_map(d, ORIG, 256 * 1024 + 1, DMA_TO_DEVICE, 0, &tlb),
			 -EINVAL);
	assert_log_has("swiotlb: cannot bounce phys 0x88000000+262145: the size must be 1..262144 bytes");
	tu_log_clear();
	assert_int_equal(dmasim__swiotlb_map(d, ORIG, 0, DMA_TO_DEVICE, 0, &tlb), -EINVAL);
	assert_log_has("swiotlb: cannot bounce phys 0x88000000+0");
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	dmasim_platform_destroy(p);
}

static void test_segments(void **state)
{
	struct dmasim_platform *p = plat("");
	struct dmasim_device *d = mkdev(p, "name=nic");
	phys_addr_t a, b, c, e;

	(void)state;
	/* The full 256 KiB is one whole 128-slot segment. */
	a = map_ok(d, ORIG, 256 * 1024, DMA_TO_DEVICE, 0);
	assert_int_equal(a, POOL);
	assert_int_equal(dmasim__swiotlb_used(p), 128);
	/* 64 slots, then 100 slots cannot use the 64 left in segment 1: segment 2. */
	b = map_ok(d, ORIG, 128 * 1024, DMA_TO_DEVICE, 0);
	assert_int_equal(b, POOL + 0x40000);
	c = map_ok(d, ORIG, 200 * 1024, DMA_TO_DEVICE, 0);
	assert_int_equal(c, POOL + 0x80000);
	/* From the hint (slot 356) the next whole segment is the fourth. */
	dmasim__swiotlb_unmap(d, a, 256 * 1024, DMA_TO_DEVICE, 0);
	assert_int_equal(dmasim__swiotlb_used(p), 164);
	e = map_ok(d, ORIG, 256 * 1024, DMA_TO_DEVICE, 0);
	assert_int_equal(e, POOL + 0xc0000);
	dmasim__swiotlb_unmap(d, b, 128 * 1024, DMA_TO_DEVICE, 0);
	dmasim__swiotlb_unmap(d, c, 200 * 1024, DMA_TO_DEVICE, 0);
	dmasim__swiotlb_unmap(d, e, 256 * 1024, DMA_TO_DEVICE, 0);
	assert_int_equal(dmasim__swiotlb_used(p), 0);

	/* The device's own segment boundary (64 KiB here) is honoured too. */
	d = mkdev(p, "name=seg seg_boundary=0xffff");
	a = map_ok(d, ORIG, 2048, DMA_TO_DEVICE, 0);
	b = map_ok(d, ORIG, 64 * 1024, DMA_TO_DEVICE, 0);
	assert_int_equal(b & 0xffff, 0);
	assert_int_equal(b, (a & ~0xffffULL) + 0x10000);
	dmasim__swiotlb_unmap(d, a, 2048, DMA_TO_DEVICE, 0);
	dmasim__swiotlb_unmap(d, b, 64 * 1024, DMA_TO_DEVICE, 0);
	assert_int_equal(tu_log.total, 0);
	dmasim_platform_destroy(p);
}

static void test_exhaustion(void **state)
{
	struct dmasim_platform *p = plat("swiotlb=512K");
	struct dmasim_device *d = mkdev(p, "name=nic");
	phys_addr_t a, b, c, last, tlb = 0x77;

	(void)state;
	a = map_ok(d, ORIG, 2048, DMA_TO_DEVICE, 0);
	b = map_ok(d, ORIG, 256 * 1024, DMA_TO_DEVICE, 0);
	assert_int_equal(a, POOL);
	assert_int_equal(b, POOL + 0x40000);
	assert_int_equal(dmasim__swiotlb_used(p), 129);
	/* 127 slots are free, but not 128 in one segment. */
	assert_int_equal(dmasim__swiotlb_map(d, ORIG, 256 * 1024, DMA_TO_DEVICE, 0, &tlb), -ENOMEM);
	assert_int_equal(tlb, 0x77);
	assert_log_has("nic: swiotlb buffer is full (sz: 262144 bytes), total 256 (slots), used 129 (slots) [mapping phys 0x88000000+262144]");
	/* Nor 127 page-aligned ones: slot 1 is not page aligned. */
	assert_int_equal(dmasim__swiotlb_map(d, ORIG, 127 * 2048, DMA_TO_DEVICE, DMA_ATTR_NO_WARN,
					     &tlb), -ENOMEM);
	c = map_ok(d, ORIG, 126 * 2048, DMA_TO_DEVICE, 0);
	assert_int_equal(c, POOL + 0x1000);
	last = map_ok(d, ORIG, 1, DMA_TO_DEVICE, 0);
	assert_int_equal(last, POOL + 0x800);
	assert_int_equal(dmasim__swiotlb_used(p), 256);

	/* Full: fail, quietly with DMA_ATTR_NO_WARN. */
	tu_log_clear();
	assert_int_equal(dmasim__swiotlb_map(d, ORIG, 1, DMA_TO_DEVICE, DMA_ATTR_NO_WARN, &tlb),
			 -ENOMEM);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim__swiotlb_map(d, ORIG, 1, DMA_TO_DEVICE, 0, &tlb), -ENOMEM);
	assert_log_has("swiotlb buffer is full (sz: 1 bytes), total 256 (slots), used 256 (slots)");
	/* A full pool is a warning, not misuse. */
	assert_int_equal(dmasim_debug_errors(p), 0);

	/* Recovery after unmaps. */
	dmasim__swiotlb_unmap(d, b, 256 * 1024, DMA_TO_DEVICE, 0);
	dmasim__swiotlb_unmap(d, last, 1, DMA_TO_DEVICE, 0);
	assert_int_equal(dmasim__swiotlb_used(p), 127);
	b = map_ok(d, ORIG, 256 * 1024, DMA_TO_DEVICE, 0);
	assert_int_equal(b, POOL + 0x40000);
	dmasim__swiotlb_unmap(d, a, 2048, DMA_TO_DEVICE, 0);
	dmasim__swiotlb_unmap(d, b, 256 * 1024, DMA_TO_DEVICE, 0);
	dmasim__swiotlb_unmap(d, c, 126 * 2048, DMA_TO_DEVICE, 0);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	dmasim_platform_destroy(p);
}

/* ---- copies ------------------------------------------------------------------ */

static void test_copy_to_device(void **state)
{
	struct dmasim_platform *p = plat("");
	struct dmasim_device *d = mkdev(p, "name=nic");
	unsigned char *o = ram(p, ORIG);
	phys_addr_t tlb;

	(void)state;
	memset(o, 0x11, 300);
	tlb = map_ok(d, ORIG, 300, DMA_TO_DEVICE, 0);
	assert_memory_equal(ram(p, tlb), o, 300);
	/* The CPU changes its buffer: the device sees it only after sync_for_device. */
	memset(o, 0x22, 300);
	assert_int_equal(ram(p, tlb)[0], 0x11);
	dmasim__swiotlb_sync_for_cpu(d, tlb, 300, DMA_TO_DEVICE); /* copies nothing back */
	assert_int_equal(o[0], 0x22);
	dmasim__swiotlb_sync_for_device(d, tlb, 300, DMA_TO_DEVICE);
	assert_int_equal(ram(p, tlb)[0], 0x22);
	assert_int_equal(ram(p, tlb)[299], 0x22);
	/* Unmapping a TO_DEVICE buffer never writes the original. */
	memset(ram(p, tlb), 0x33, 300);
	dmasim__swiotlb_unmap(d, tlb, 300, DMA_TO_DEVICE, 0);
	assert_int_equal(o[0], 0x22);
	assert_int_equal(tu_log.total, 0);
	dmasim_platform_destroy(p);
}

static void test_copy_from_device(void **state)
{
	struct dmasim_platform *p = plat("");
	struct dmasim_device *d = mkdev(p, "name=nic");
	unsigned char *o = ram(p, ORIG);
	unsigned char *t;
	phys_addr_t tlb;

	(void)state;
	memset(o, 0xaa, 512);
	tlb = map_ok(d, ORIG, 512, DMA_FROM_DEVICE, 0);
	t = ram(p, tlb);
	/* As current kernels: the bounce starts as a copy, so unwritten bytes survive. */
	assert_int_equal(t[0], 0xaa);
	assert_int_equal(t[511], 0xaa);
	memset(t, 0x55, 256); /* the device writes half */
	assert_int_equal(o[0], 0xaa);
	/* sync_for_device on FROM_DEVICE does not clobber what the device wrote. */
	memset(o, 0xbb, 513);
	dmasim__swiotlb_sync_for_device(d, tlb, 512, DMA_FROM_DEVICE);
	assert_int_equal(t[0], 0x55);
	assert_int_equal(t[256], 0xaa);
	dmasim__swiotlb_sync_for_cpu(d, tlb, 512, DMA_FROM_DEVICE);
	assert_int_equal(o[0], 0x55);
	assert_int_equal(o[255], 0x55);
	assert_int_equal(o[256], 0xaa);
	assert_int_equal(o[511], 0xaa);
	assert_int_equal(o[512], 0xbb); /* not a byte beyond */
	memset(t, 0x66, 512);
	dmasim__swiotlb_unmap(d, tlb, 512, DMA_FROM_DEVICE, 0);
	assert_int_equal(o[0], 0x66);
	assert_int_equal(o[511], 0x66);
	assert_int_equal(o[512], 0xbb);

	/* DMA_ATTR_SKIP_CPU_SYNC on unmap: no copy back. */
	tlb = map_ok(d, ORIG, 512, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	assert_int_equal(ram(p, tlb)[0], 0x66); /* the map copy is not a CPU sync: still done */
	memset(ram(p, tlb), 0x77, 512);
	dmasim__swiotlb_unmap(d, tlb, 512, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	assert_int_equal(o[0], 0x66);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	assert_int_equal(tu_log.total, 0);
	dmasim_platform_destroy(p);
}

static void test_copy_bidirectional(void **state)
{
	struct dmasim_platform *p = plat("ram=64M@0x80000000,64M@0x100000000:high");
	struct dmasim_device *d = mkdev(p, "name=nic");
	const phys_addr_t hi = 0x100000800ULL; /* high memory: no linear map, RAM view only */
	unsigned char *o = ram(p, hi);
	phys_addr_t tlb;

	(void)state;
	for (int i = 0; i < 5000; i++)
		o[i] = (unsigned char)i;
	tlb = map_ok(d, hi, 5000, DMA_BIDIRECTIONAL, 0);
	assert_int_equal(tlb, POOL);
	assert_memory_equal(ram(p, tlb), o, 5000);
	for (int i = 0; i < 5000; i++)
		ram(p, tlb)[i] = (unsigned char)(255 - i);
	dmasim__swiotlb_sync_for_cpu(d, tlb, 5000, DMA_BIDIRECTIONAL);
	assert_int_equal(o[0], 255);
	assert_int_equal(o[4999], (unsigned char)(255 - 4999));
	o[10] = 0x42;
	dmasim__swiotlb_sync_for_device(d, tlb, 5000, DMA_BIDIRECTIONAL);
	assert_int_equal(ram(p, tlb)[10], 0x42);
	ram(p, tlb)[20] = 0x43;
	dmasim__swiotlb_unmap(d, tlb, 5000, DMA_BIDIRECTIONAL, 0);
	assert_int_equal(o[20], 0x43);
	assert_int_equal(tu_log.total, 0);
	dmasim_platform_destroy(p);
}

static void test_partial_sync(void **state)
{
	struct dmasim_platform *p = plat("");
	struct dmasim_device *d = mkdev(p, "name=nvme min_align=0xfff");
	unsigned char *o = ram(p, ORIG + 0x100);
	unsigned char *t;
	phys_addr_t tlb;

	(void)state;
	memset(o, 0, 8192);
	tlb = map_ok(d, ORIG + 0x100, 8192, DMA_FROM_DEVICE, 0);
	assert_int_equal(tlb, POOL + 0x100);
	t = ram(p, tlb);
	for (int i = 0; i < 8192; i++)
		t[i] = (unsigned char)(i * 7 + 1);
	/* A range in the middle, crossing slot boundaries: exactly those bytes. */
	dmasim__swiotlb_sync_for_cpu(d, tlb + 1000, 3000, DMA_FROM_DEVICE);
	assert_int_equal(o[999], 0);
	assert_memory_equal(o + 1000, t + 1000, 3000);
	assert_int_equal(o[4000], 0);
	/* The tail, to the last byte. */
	dmasim__swiotlb_sync_for_cpu(d, tlb + 8000, 192, DMA_FROM_DEVICE);
	assert_memory_equal(o + 8000, t + 8000, 192);
	assert_int_equal(o[7999], 0);
	/* One byte over: reported, nothing copied. */
	dmasim__swiotlb_sync_for_cpu(d, tlb + 4000, 4193, DMA_FROM_DEVICE);
	assert_int_equal(o[4000], 0);
	assert_log_has("DMA-API: nvme: swiotlb: sync_single_for_cpu of 0x800010a0+4193 goes outside the bounce buffer 0x80000100+8192; nothing copied");
	/* Before the first mapped byte (the min_align padding): reported. */
	tu_log_clear();
	dmasim__swiotlb_sync_for_device(d, tlb - 0x10, 16, DMA_FROM_DEVICE);
	assert_log_has("sync_single_for_device of 0x800000f0+16 goes outside the bounce buffer 0x80000100+8192");
	/* Not in any mapping. */
	tu_log_clear();
	dmasim__swiotlb_sync_for_cpu(d, POOL + 0x100000, 16, DMA_FROM_DEVICE);
	assert_log_has("swiotlb: sync_single_for_cpu of 0x80100000+16: not a live bounce buffer");
	assert_int_equal(dmasim_debug_errors(p), 3);
	dmasim__swiotlb_unmap(d, tlb, 8192, DMA_FROM_DEVICE, 0);
	assert_memory_equal(o, t, 8192);
	dmasim_platform_destroy(p);
}

/* ---- misuse ---------------------------------------------------------------------- */

static void test_bad_unmaps(void **state)
{
	struct dmasim_platform *p = plat("");
	struct dmasim_device *d = mkdev(p, "name=nic");
	unsigned char *o = ram(p, ORIG);
	phys_addr_t tlb, orig;

	(void)state;
	memset(o, 0x10, 1000);
	tlb = map_ok(d, ORIG, 1000, DMA_FROM_DEVICE, 0);
	memset(ram(p, tlb), 0x20, 1000);

	dmasim__swiotlb_unmap(d, tlb, 999, DMA_FROM_DEVICE, 0);
	assert_log_has("DMA-API: nic: swiotlb: unmap of 0x80000000+999 does not match the bounce buffer 0x80000000+1000 (of phys 0x88000000); nothing unmapped");
	dmasim__swiotlb_unmap(d, tlb + 8, 992, DMA_FROM_DEVICE, 0);
	assert_log_has("unmap of 0x80000008+992 does not match the bounce buffer 0x80000000+1000");
	dmasim__swiotlb_unmap(d, POOL + 0x10000, 1000, DMA_FROM_DEVICE, 0);
	assert_log_has("swiotlb: unmap of 0x80010000+1000: not a live bounce buffer (pool 0x80000000-0x803fffff; double unmap?)");
	dmasim__swiotlb_unmap(d, ORIG, 1000, DMA_FROM_DEVICE, 0);
	assert_log_has("unmap of 0x88000000+1000: not a live bounce buffer");
	assert_int_equal(dmasim_debug_errors(p), 4);
	/* Nothing changed: still mapped, nothing copied back. */
	assert_int_equal(dmasim__swiotlb_used(p), 1);
	assert_int_equal(o[0], 0x10);
	assert_int_equal(dmasim__swiotlb_orig(p, tlb, &orig), 0);
	assert_int_equal(orig, ORIG);

	dmasim__swiotlb_unmap(d, tlb, 1000, DMA_FROM_DEVICE, 0);
	assert_int_equal(o[0], 0x20);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	assert_int_equal(dmasim_debug_errors(p), 4);
	/* Double unmap: reported, and the original is not written again. */
	o[0] = 0x30;
	tu_log_clear();
	dmasim__swiotlb_unmap(d, tlb, 1000, DMA_FROM_DEVICE, 0);
	assert_log_has("swiotlb: unmap of 0x80000000+1000: not a live bounce buffer");
	assert_int_equal(o[0], 0x30);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	dmasim_platform_destroy(p);
}

static void test_unreachable_pool(void **state)
{
	struct dmasim_platform *p = plat("");
	struct dmasim_device *d = mkdev(p, "name=old mask=31");
	phys_addr_t tlb = 0x99;

	(void)state;
	assert_int_equal(dmasim__swiotlb_map(d, ORIG, 100, DMA_TO_DEVICE, 0, &tlb), -EIO);
	assert_int_equal(tlb, 0x99);
	assert_log_has("DMA-API: old: swiotlb: bounce buffer 0x80000000+100 is beyond the device's reach (mask 0x7fffffff, bus limit 0x0)");
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	assert_int_equal(dmasim_debug_errors(p), 1);
	dmasim_platform_destroy(p);

	/* A bus limit that cuts through the pool: only the first page is reachable. */
	p = plat("");
	d = mkdev(p, "name=lim limit=0x80000fff");
	tlb = map_ok(d, ORIG, 4096, DMA_TO_DEVICE, 0);
	assert_int_equal(tlb, POOL);
	assert_int_equal(dmasim__swiotlb_map(d, ORIG, 64, DMA_TO_DEVICE, 0, &tlb), -EIO);
	assert_log_has("DMA-API: lim: swiotlb: bounce buffer 0x80001000+64 is beyond the device's reach (mask 0xffffffff, bus limit 0x80000fff)");
	assert_int_equal(dmasim__swiotlb_used(p), 2);
	dmasim__swiotlb_unmap(d, POOL, 4096, DMA_TO_DEVICE, 0);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	dmasim_platform_destroy(p);

	/* A bus offset moves the pool in bus space: phys 0x80000000 is bus 0. */
	p = plat("");
	d = mkdev(p, "name=off offset=0x80000000 mask=24");
	tlb = map_ok(d, ORIG, 100, DMA_TO_DEVICE, 0);
	assert_int_equal(tlb, POOL);
	assert_int_equal(dmasim__phys_to_dma(d, tlb), 0);
	dmasim__swiotlb_unmap(d, tlb, 100, DMA_TO_DEVICE, 0);
	assert_int_equal(tu_log.total, 0);
	dmasim_platform_destroy(p);
}

/* ---- concurrency -------------------------------------------------------------------- */

struct worker {
	struct dmasim_device *d;
	int id;
	int failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct dmasim_platform *p = w->d->plat;
	unsigned int seed = (unsigned int)w->id * 7919u + 1u;
	phys_addr_t orig = ORIG + (phys_addr_t)w->id * 0x100000;

	for (int i = 0; i < 2000; i++) {
		size_t size = 1 + (size_t)(rand_r(&seed) % 16384);
		unsigned char *o = dmasim__ram_ptr(p, orig), *t;
		unsigned char v = (unsigned char)(w->id * 16 + i);
		phys_addr_t tlb;

		memset(o, v, size);
		if (dmasim__swiotlb_map(w->d, orig, size, DMA_BIDIRECTIONAL, 0, &tlb)) {
			w->failures++;
			continue;
		}
		t = dmasim__ram_ptr(p, tlb);
		if (t[0] != v || t[size - 1] != v)
			w->failures++;
		memset(t, (unsigned char)~v, size);
		dmasim__swiotlb_unmap(w->d, tlb, size, DMA_BIDIRECTIONAL, 0);
		if (o[0] != (unsigned char)~v || o[size - 1] != (unsigned char)~v)
			w->failures++;
	}
	return NULL;
}

/* Four workers on @d at once, none failing; then nothing is left in the pool and @p goes. */
static void run_workers(struct dmasim_platform *p, struct dmasim_device *d)
{
	pthread_t th[4];
	struct worker w[4];

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .d = d, .id = i };
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	assert_int_equal(tu_log.total, 0);
	dmasim_platform_destroy(p);
}

static void test_threads(void **state)
{
	struct dmasim_platform *p = plat("");
	struct dmasim_device *d = mkdev(p, "name=mq");

	(void)state;
	run_workers(p, d);
}

/* ---- swiotlb=...,lifo: the search starts at the last freed mapping ------------ */

static void test_lifo_spec(void **state)
{
	static const char *const bad[] = { "swiotlb=1M,lifo,lifo", "swiotlb=1M,force,force",
					   "swiotlb=1M,", "swiotlb=1M,lifo,", "swiotlb=1M,hot",
					   "swiotlb=lifo", "swiotlb=1M,Lifo" };
	struct dmasim_platform *p;
	char line[256];

	(void)state;
	p = plat("swiotlb=1M@0x80100000,lifo,force");
	assert_true(dmasim__swiotlb_lifo(p));
	assert_true(dmasim__swiotlb_force(p));
	assert_true(tu_spec_has(p, "swiotlb=1M@0x80100000,force,lifo"));
	dump_line(p, line, sizeof(line));
	assert_string_equal(line,
			    "  swiotlb phys 0x080100000-0x0801fffff (1024 KiB, 512 slots of 2 KiB, 0 used, force, lifo)\n");
	dmasim_platform_destroy(p);

	p = plat("swiotlb=2M,lifo");
	assert_true(dmasim__swiotlb_lifo(p));
	assert_false(dmasim__swiotlb_force(p));
	assert_true(tu_spec_has(p, "swiotlb=2M@0x80000000,lifo"));
	dmasim_platform_destroy(p);

	/* The faithful next-fit search stays the default. */
	p = plat("swiotlb=2M,force");
	assert_false(dmasim__swiotlb_lifo(p));
	assert_true(tu_spec_has(p, "swiotlb=2M@0x80000000,force"));
	assert_false(tu_spec_has(p, "lifo"));
	dmasim_platform_destroy(p);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		p = dmasim_platform_create(bad[i]);
		if (p) {
			dmasim_platform_destroy(p);
			fail_msg("spec \"%s\" was accepted", bad[i]);
		}
	}
}

static void test_lifo_placement(void **state)
{
	struct dmasim_platform *p = plat("swiotlb=4M,lifo");
	struct dmasim_device *d = mkdev(p, "name=nic");
	struct dmasim_device *nvme = mkdev(p, "name=nvme min_align=0xfff");
	phys_addr_t a, b, c, e, f;

	(void)state;
	a = map_ok(d, ORIG, 100, DMA_TO_DEVICE, 0);
	b = map_ok(d, ORIG, 100, DMA_TO_DEVICE, 0);
	assert_int_equal(a, POOL);
	assert_int_equal(b, POOL + 0x800);
	/* The slot just freed is the next one handed out (next-fit would give slot 2). */
	dmasim__swiotlb_unmap(d, a, 100, DMA_TO_DEVICE, 0);
	c = map_ok(d, ORIG, 100, DMA_TO_DEVICE, 0);
	assert_int_equal(c, POOL);
	/* A map and unmap in a loop keeps using the same slot. */
	for (int i = 0; i < 10; i++) {
		e = map_ok(d, ORIG, 1500, DMA_TO_DEVICE, 0);
		assert_int_equal(e, POOL + 0x1000);
		dmasim__swiotlb_unmap(d, e, 1500, DMA_TO_DEVICE, 0);
	}

	/* The kernel's rules still hold from the new start: a page is page aligned ... */
	dmasim__swiotlb_unmap(d, b, 100, DMA_TO_DEVICE, 0);  /* start: slot 1 */
	e = map_ok(d, ORIG, 4096, DMA_TO_DEVICE, 0);
	assert_int_equal(e, POOL + 0x1000);
	/* ... min_align_mask keeps the low bits (bit 11 set: an odd slot, 3 free in a row) ... */
	dmasim__swiotlb_unmap(d, c, 100, DMA_TO_DEVICE, 0);  /* start: slot 0 */
	f = map_ok(nvme, ORIG + 0xa10, 4096, DMA_TO_DEVICE, 0);
	assert_int_equal(f, POOL + 0x2800 + 0x210);
	dmasim__swiotlb_unmap(nvme, f, 4096, DMA_TO_DEVICE, 0);
	dmasim__swiotlb_unmap(d, e, 4096, DMA_TO_DEVICE, 0);
	assert_int_equal(dmasim__swiotlb_used(p), 0);

	/* ... and no mapping crosses a 128-slot segment: slot 122 + 16 slots would. */
	a = map_ok(d, ORIG, 120 * 2048, DMA_TO_DEVICE, 0); /* from slot 2, the last freed */
	b = map_ok(d, ORIG, 2048, DMA_TO_DEVICE, 0);
	assert_int_equal(a, POOL + 0x1000);
	assert_int_equal(b, POOL + 122 * 2048);
	dmasim__swiotlb_unmap(d, b, 2048, DMA_TO_DEVICE, 0); /* start: slot 122 */
	c = map_ok(d, ORIG, 16 * 2048, DMA_TO_DEVICE, 0);
	assert_int_equal(c, POOL + 0x40000);
	dmasim__swiotlb_unmap(d, a, 120 * 2048, DMA_TO_DEVICE, 0);
	dmasim__swiotlb_unmap(d, c, 16 * 2048, DMA_TO_DEVICE, 0);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	assert_int_equal(tu_log.total, 0);
	dmasim_platform_destroy(p);
}

static void test_lifo_copies_and_threads(void **state)
{
	struct dmasim_platform *p = plat("swiotlb=4M,lifo");
	struct dmasim_device *d = mkdev(p, "name=mq");
	unsigned char *o = ram(p, ORIG);
	phys_addr_t a, b;

	(void)state;
	/* A reused slot holds the new original, never the previous user's bytes. */
	memset(o, 0x11, 3000);
	a = map_ok(d, ORIG, 3000, DMA_FROM_DEVICE, 0);
	memset(ram(p, a), 0xee, 3000);
	dmasim__swiotlb_unmap(d, a, 3000, DMA_FROM_DEVICE, 0);
	assert_int_equal(o[2999], 0xee);
	memset(o, 0x22, 3000);
	b = map_ok(d, ORIG, 3000, DMA_FROM_DEVICE, 0);
	assert_int_equal(b, a);
	assert_int_equal(ram(p, b)[0], 0x22);
	assert_int_equal(ram(p, b)[2999], 0x22);
	dmasim__swiotlb_unmap(d, b, 3000, DMA_FROM_DEVICE, 0);

	run_workers(p, d);
}

/* ---- through the public API ---------------------------------------------------------------- */

static void test_public_lowmem_bounce(void **state)
{
	struct dmasim_platform *p = plat("ram=16M@0x0,256M@0x80000000 swiotlb=4M@0x400000");
	struct device *dev = dmasim_device_create(p, "name=isa mask=24");
	unsigned char *buf, readback[600];
	phys_addr_t orig;
	dma_addr_t dma;

	(void)state;
	assert_non_null(dev);
	buf = kmalloc(600, GFP_KERNEL);
	assert_non_null(buf);
	assert_true(virt_to_phys(buf) >= 0x80000000ULL);
	memset(buf, 0x5a, 600);
	dma = dma_map_single(dev, buf, 600, DMA_BIDIRECTIONAL);
	assert_false(dma_mapping_error(dev, dma));
	assert_true(dma >= 0x400000 && dma + 600 <= 0x800000);
	assert_int_equal(dmasim__swiotlb_used(p), 1);
	assert_int_equal(dmasim__swiotlb_orig(p, dma + 5, &orig), 0);
	assert_int_equal(orig, virt_to_phys(buf) + 5);
	/* What the device reads is the bounce, which holds the buffer's bytes. */
	assert_int_equal(dmasim_dev_read(dev, dma, readback, 600), 0);
	assert_int_equal(readback[0], 0x5a);
	assert_int_equal(readback[599], 0x5a);
	buf[0] = 0x01; /* a CPU write after the map does not reach the bounce */
	assert_int_equal(dmasim_dev_read(dev, dma, readback, 1), 0);
	assert_int_equal(readback[0], 0x5a);
	/* The device writes; the driver sees it after a range sync. */
	memset(readback, 0xc3, 50);
	assert_int_equal(dmasim_dev_write(dev, dma + 100, readback, 50), 0);
	assert_int_equal(ram(p, dma)[100], 0xc3);
	assert_int_equal(buf[100], 0x5a);
	dma_sync_single_range_for_cpu(dev, dma, 100, 50, DMA_BIDIRECTIONAL);
	assert_int_equal(buf[100], 0xc3);
	assert_int_equal(buf[149], 0xc3);
	assert_int_equal(buf[150], 0x5a);
	dma_unmap_single(dev, dma, 600, DMA_BIDIRECTIONAL);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	kfree(buf);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

/*
 * debug=off: no records are kept; a sync of a device's own bounce is
 * resolved by the swiotlb from its address (lock-free), and the swiotlb
 * itself reports a sync it cannot vouch for (another device's bounce, a
 * range past the bounce).  With debug on the API layer's records report
 * these first, in the kernel's DMA-API debug wording.
 */
static void test_public_sync_debug_off(void **state)
{
	struct dmasim_platform *p = plat("iommu=off swiotlb=4M,force debug=off");
	struct device *nic = dmasim_device_create(p, "name=nic");
	struct device *other = dmasim_device_create(p, "name=other");
	unsigned char *buf, bytes[100];
	dma_addr_t dma, tx;

	(void)state;
	assert_non_null(nic);
	assert_non_null(other);
	buf = kmalloc(3000, GFP_KERNEL);
	assert_non_null(buf);
	memset(buf, 0x11, 3000);
	dma = dma_map_single(nic, buf, 3000, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(nic, dma));
	assert_true(dmasim__swiotlb_is_bounce(p, dma));
	/* The device writes across the slot boundary; a range sync copies exactly that. */
	memset(bytes, 0xab, sizeof(bytes));
	assert_int_equal(dmasim_dev_write(nic, dma + 2000, bytes, 100), 0);
	dma_sync_single_range_for_cpu(nic, dma, 2000, 100, DMA_FROM_DEVICE);
	assert_int_equal(buf[1999], 0x11);
	assert_int_equal(buf[2000], 0xab);
	assert_int_equal(buf[2099], 0xab);
	assert_int_equal(buf[2100], 0x11);
	/* The mapping's direction decides the copy, whatever the call says. */
	assert_int_equal(dmasim_dev_write(nic, dma + 10, bytes, 1), 0);
	dma_sync_single_for_cpu(nic, dma + 10, 1, DMA_TO_DEVICE);
	assert_int_equal(buf[10], 0xab);
	assert_int_equal(dmasim_debug_errors(p), 0);

	/* Another device's bounce, a range past the end, the min_align-free tail: reported. */
	dma_sync_single_for_cpu(other, dma, 16, DMA_FROM_DEVICE);
	assert_log_has("DMA-API: other: swiotlb: sync_single_for_cpu of");
	assert_log_has("belongs to another device; nothing copied");
	dma_sync_single_for_cpu(nic, dma + 2999, 2, DMA_FROM_DEVICE);
	assert_log_has("goes outside the bounce buffer");
	tu_log_clear();
	dma_sync_single_for_device(nic, dma + 3000, 1, DMA_FROM_DEVICE);
	assert_log_has("DMA-API: nic: swiotlb: sync_single_for_device of");
	assert_int_equal(dmasim_debug_errors(p), 3);

	/* TO_DEVICE: sync_for_device refreshes the bounce from the buffer. */
	tx = dma_map_single(nic, buf + 2200, 500, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(nic, tx));
	memset(buf + 2200, 0x77, 500);
	assert_int_equal(dmasim_dev_read(nic, tx, bytes, 1), 0);
	assert_int_equal(bytes[0], 0x11);
	dma_sync_single_for_device(nic, tx, 500, DMA_TO_DEVICE);
	assert_int_equal(dmasim_dev_read(nic, tx + 499, bytes, 1), 0);
	assert_int_equal(bytes[0], 0x77);
	dma_unmap_single(nic, tx, 500, DMA_TO_DEVICE);

	/* After the unmap the bounce is nobody's: reported, nothing copied. */
	dma_unmap_single(nic, dma, 3000, DMA_FROM_DEVICE);
	buf[0] = 0x42;
	dma_sync_single_for_cpu(nic, dma, 16, DMA_FROM_DEVICE);
	assert_int_equal(buf[0], 0x42);
	assert_int_equal(dmasim_debug_errors(p), 4);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	kfree(buf);
	dmasim_device_destroy(other);
	dmasim_device_destroy(nic);
	dmasim_platform_destroy(p);
}

/* Threads map, sync and unmap through the public API: the lock-free sync against their maps. */
struct api_worker {
	struct device *dev;
	int id;
	int failures;
};

static void *api_worker_run(void *arg)
{
	struct api_worker *w = arg;
	unsigned char *buf = kmalloc(1500, GFP_KERNEL), bytes[64];

	if (!buf) {
		w->failures++;
		return NULL;
	}
	for (int i = 0; i < 500; i++) {
		unsigned char v = (unsigned char)(w->id * 64 + i);
		dma_addr_t dma;

		memset(buf, v, 1500);
		dma = dma_map_single(w->dev, buf, 1500, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(w->dev, dma)) {
			w->failures++;
			continue;
		}
		memset(bytes, (unsigned char)~v, sizeof(bytes));
		if (dmasim_dev_write(w->dev, dma + 1400, bytes, sizeof(bytes)))
			w->failures++;
		dma_sync_single_for_cpu(w->dev, dma, 1500, DMA_BIDIRECTIONAL);
		if (buf[0] != v || buf[1399] != v || buf[1400] != (unsigned char)~v)
			w->failures++;
		dma_unmap_single(w->dev, dma, 1500, DMA_BIDIRECTIONAL);
	}
	kfree(buf);
	return NULL;
}

static void test_public_sync_threads(void **state)
{
	struct dmasim_platform *p = plat("iommu=off swiotlb=4M,force,lifo debug=off");
	struct device *dev[2] = { dmasim_device_create(p, "name=q0"),
				  dmasim_device_create(p, "name=q1") };
	struct api_worker w[4];
	pthread_t th[4];

	(void)state;
	assert_non_null(dev[0]);
	assert_non_null(dev[1]);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct api_worker){ .dev = dev[i % 2], .id = i };
		assert_int_equal(pthread_create(&th[i], NULL, api_worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_device_destroy(dev[0]);
	dmasim_device_destroy(dev[1]);
	dmasim_platform_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_placement),
		cmocka_unit_test(test_explicit_and_lowmem_placement),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_slot_and_page_alignment),
		cmocka_unit_test(test_min_align_mask),
		cmocka_unit_test(test_max_mapping_size),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_copy_to_device),
		cmocka_unit_test(test_copy_from_device),
		cmocka_unit_test(test_copy_bidirectional),
		cmocka_unit_test(test_partial_sync),
		cmocka_unit_test(test_bad_unmaps),
		cmocka_unit_test(test_unreachable_pool),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_lifo_spec),
		cmocka_unit_test(test_lifo_placement),
		cmocka_unit_test(test_lifo_copies_and_threads),
		cmocka_unit_test(test_public_lowmem_bounce),
		cmocka_unit_test(test_public_sync_debug_off),
		cmocka_unit_test(test_public_sync_threads),
	};

	/* Module test: the exact addresses asserted here need the spec as written. */
	unsetenv("DMASIM_SPEC");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
