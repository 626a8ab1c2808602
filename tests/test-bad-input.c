/*
 * tests/test-bad-input.c - the bad-input table (issue 14 §4): wrong calls of
 * every kind, each checked for the kernel's failure value, exactly one
 * message through the platform's log handler, and a canary set of live
 * mappings left untouched.
 *
 * The machine has an IOMMU; one device sits behind it ("iommu") and one does
 * not ("direct").  Each device holds canaries: a single mapping, a two-entry
 * sg mapping, a coherent allocation and a dma_pool block, each filled with
 * its own byte.  After every wrong call, each canary must still translate to
 * the same physical address and read back its bytes through its device.
 *
 * A row is one wrong call.  Rows marked EACH_DEV run once per device, the
 * others once.  A row may set up what it needs with correct calls and clean
 * up after with correct calls; only what WRONG() wraps may log, and it must
 * log exactly once.
 */
#include "testutil.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#define CANARY_LEN 256

struct canary {
	const char *what;
	dma_addr_t dma;
	phys_addr_t phys;
	size_t len;
	unsigned char byte;
};

struct devctx {
	struct device *dev;
	const char *name;
	/* the canaries' own state, kept to undo them at the end */
	unsigned char *single;
	dma_addr_t single_dma;
	unsigned char *sgbuf;
	struct scatterlist sg[2];
	int sg_count;
	void *coh;
	dma_addr_t coh_dma;
	struct dma_pool *pool;
	void *blk;
	dma_addr_t blk_dma;
	struct canary canaries[5];
	int nr_canaries;
};

struct ctx {
	struct dmasim_platform *p;
	struct devctx devs[2];
	struct devctx *d;        /* the device of the row being run */
	struct device *dead;     /* a destroyed device */
	struct device fake;      /* a struct device dmasim never made */
	unsigned char *buf;      /* a kmalloc() buffer for throw-away mappings */
	/* what WRONG() saw */
	long long ret;
	int msgs;
	unsigned long errors;    /* misuse reports counted by it */
	char line[512];
};

static struct ctx C;

/* Run @expr as the row's one wrong call: remember its value and what it logged. */
#define WRONG(expr)                                                            \
	do {                                                                   \
		tu_log_clear();                                                \
		C.errors = dmasim_debug_errors(C.p);                           \
		C.ret = (long long)(expr);                                     \
		C.errors = dmasim_debug_errors(C.p) - C.errors;                \
		C.msgs = tu_log.total;                                         \
		snprintf(C.line, sizeof(C.line), "%s", tu_log.n ? tu_log.lines[0] : ""); \
		tu_log_clear();                                                \
	} while (0)
/* A void wrong call. */
#define WRONG_V(stmt) WRONG(((stmt), 0))

#define DEV (C.d->dev)

/* ---- the canaries -------------------------------------------------------------- */

static void canary_add(struct devctx *dc, const char *what, dma_addr_t dma, size_t len,
		       unsigned char byte)
{
	struct canary *c = &dc->canaries[dc->nr_canaries++];
	struct dmasim_xlate x;

	assert_int_equal(dmasim_dev_translate(dc->dev, dma, &x), 0);
	*c = (struct canary){ .what = what, .dma = dma, .phys = x.phys, .len = len, .byte = byte };
}

static void canaries_make(struct devctx *dc, unsigned char base)
{
	dc->single = kmalloc(CANARY_LEN, GFP_KERNEL);
	assert_non_null(dc->single);
	memset(dc->single, base, CANARY_LEN);
	dc->single_dma = dma_map_single(dc->dev, dc->single, CANARY_LEN, DMA_BIDIRECTIONAL);
	assert_false(dma_mapping_error(dc->dev, dc->single_dma));
	canary_add(dc, "single", dc->single_dma, CANARY_LEN, base);

	dc->sgbuf = kmalloc(2 * CANARY_LEN, GFP_KERNEL);
	assert_non_null(dc->sgbuf);
	memset(dc->sgbuf, base + 1, CANARY_LEN);
	memset(dc->sgbuf + CANARY_LEN, base + 2, CANARY_LEN);
	sg_init_table(dc->sg, 2);
	sg_set_buf(&dc->sg[0], dc->sgbuf, CANARY_LEN);
	sg_set_buf(&dc->sg[1], dc->sgbuf + CANARY_LEN, CANARY_LEN);
	dc->sg_count = (int)dma_map_sg(dc->dev, dc->sg, 2, DMA_BIDIRECTIONAL);
	assert_int_equal(dc->sg_count, 2); /* never merged here (docs/api.md) */
	canary_add(dc, "sg[0]", sg_dma_address(&dc->sg[0]), CANARY_LEN, base + 1);
	canary_add(dc, "sg[1]", sg_dma_address(&dc->sg[1]), CANARY_LEN, base + 2);

	dc->coh = dma_alloc_coherent(dc->dev, PAGE_SIZE, &dc->coh_dma, GFP_KERNEL);
	assert_non_null(dc->coh);
	memset(dc->coh, base + 3, PAGE_SIZE);
	canary_add(dc, "coherent", dc->coh_dma, PAGE_SIZE, base + 3);

	dc->pool = dma_pool_create("canary", dc->dev, 64, 64, 0);
	assert_non_null(dc->pool);
	dc->blk = dma_pool_alloc(dc->pool, GFP_KERNEL, &dc->blk_dma);
	assert_non_null(dc->blk);
	memset(dc->blk, base + 4, 64);
	canary_add(dc, "pool block", dc->blk_dma, 64, base + 4);
}

static void canaries_check(const char *row)
{
	unsigned char got[PAGE_SIZE];

	for (int i = 0; i < 2; i++) {
		struct devctx *dc = &C.devs[i];

		for (int k = 0; k < dc->nr_canaries; k++) {
			const struct canary *c = &dc->canaries[k];
			struct dmasim_xlate x;

			if (dmasim_dev_translate(dc->dev, c->dma, &x) || x.phys != c->phys)
				fail_msg("row '%s': %s canary %s no longer translates to 0x%llx", row,
					 dc->name, c->what, (unsigned long long)c->phys);
			if (dmasim_dev_read(dc->dev, c->dma, got, c->len))
				fail_msg("row '%s': %s canary %s unreadable", row, dc->name, c->what);
			for (size_t b = 0; b < c->len; b++)
				if (got[b] != c->byte)
					fail_msg("row '%s': %s canary %s byte %zu is 0x%02x, not 0x%02x",
						 row, dc->name, c->what, b, got[b], c->byte);
		}
	}
	/* Reading canaries is correct use: it logs nothing. */
	assert_int_equal(tu_log.total, 0);
}

static void canaries_undo(struct devctx *dc)
{
	dma_pool_free(dc->pool, dc->blk, dc->blk_dma);
	dma_pool_destroy(dc->pool);
	dma_free_coherent(dc->dev, PAGE_SIZE, dc->coh, dc->coh_dma);
	dma_unmap_sg(dc->dev, dc->sg, 2, DMA_BIDIRECTIONAL);
	dma_unmap_single(dc->dev, dc->single_dma, CANARY_LEN, DMA_BIDIRECTIONAL);
	kfree(dc->sgbuf);
	kfree(dc->single);
}

/* ---- the rows ------------------------------------------------------------------- */

#define MAPERR ((long long)DMA_MAPPING_ERROR)

/* A throw-away single mapping of C.buf on the row's device. */
static dma_addr_t map_tmp(size_t len)
{
	dma_addr_t h = dma_map_single(DEV, C.buf, len, DMA_TO_DEVICE);

	assert_false(dma_mapping_error(DEV, h));
	return h;
}

/* -- the device pointer -- */
static void r_null_dev_map(void) { WRONG(dma_map_single(NULL, C.buf, 64, DMA_TO_DEVICE)); }
static void r_fake_dev_map(void) { WRONG(dma_map_single(&C.fake, C.buf, 64, DMA_TO_DEVICE)); }
static void r_dead_dev_map(void) { WRONG(dma_map_single(C.dead, C.buf, 64, DMA_TO_DEVICE)); }
static void r_null_dev_alloc(void)
{
	dma_addr_t h;

	WRONG(dma_alloc_coherent(NULL, 64, &h, GFP_KERNEL));
}
static void r_dead_dev_alloc(void)
{
	dma_addr_t h;

	WRONG(dma_alloc_coherent(C.dead, 64, &h, GFP_KERNEL));
}
static void r_fake_dev_sg(void) { WRONG(dma_map_sg(&C.fake, C.devs[0].sg, 2, DMA_TO_DEVICE)); }
static void r_dead_dev_unmap(void) { WRONG_V(dma_unmap_single(C.dead, 0x1000, 64, DMA_TO_DEVICE)); }
static void r_dead_dev_pool(void) { WRONG(dma_pool_create("x", C.dead, 64, 0, 0)); }
static void r_null_dev_pool(void) { WRONG(dma_pool_create("x", NULL, 64, 0, 0)); }
static void r_fake_dev_mask(void) { WRONG(dma_set_mask(&C.fake, DMA_BIT_MASK(32))); }
static void r_dead_dev_read(void)
{
	unsigned char b;

	WRONG(dmasim_dev_read(C.dead, 0x1000, &b, 1));
}

/* -- sizes -- */
static void r_map_size0(void) { WRONG(dma_map_single(DEV, C.buf, 0, DMA_TO_DEVICE)); }
static void r_alloc_size0(void)
{
	dma_addr_t h;

	WRONG(dma_alloc_coherent(DEV, 0, &h, GFP_KERNEL));
}
static void r_alloc_huge(void)
{
	dma_addr_t h;

	WRONG(dma_alloc_coherent(DEV, (size_t)1 << 40, &h, GFP_KERNEL));
}
static void r_alloc_pages_huge(void)
{
	dma_addr_t h;

	WRONG(dma_alloc_pages(DEV, (size_t)1 << 40, &h, DMA_TO_DEVICE, GFP_KERNEL));
}
static void r_noncontig_huge(void)
{
	WRONG(dma_alloc_noncontiguous(DEV, (size_t)1 << 40, DMA_TO_DEVICE, GFP_KERNEL, 0));
}
static void r_map_past_ram(void)
{
	/* A buffer whose end runs past the end of RAM. */
	WRONG(dma_map_single(DEV, C.buf, (size_t)1 << 40, DMA_TO_DEVICE));
}
static void r_unmap_size0(void)
{
	dma_addr_t h = map_tmp(64);

	/* dma-debug reports the size and the unmap goes on (kernel/dma/debug.c check_unmap). */
	WRONG_V(dma_unmap_single(DEV, h, 0, DMA_TO_DEVICE));
}
static void r_unmap_wrong_size(void)
{
	dma_addr_t h = map_tmp(64);

	/* dma-debug reports it and releases the mapping (kernel/dma/debug.c check_unmap). */
	WRONG_V(dma_unmap_single(DEV, h, 128, DMA_TO_DEVICE));
}
static void r_sync_size0(void) { WRONG_V(dma_sync_single_for_cpu(DEV, C.d->single_dma, 0, DMA_BIDIRECTIONAL)); }
static void r_sync_beyond(void)
{
	WRONG_V(dma_sync_single_for_cpu(DEV, C.d->single_dma, 2 * CANARY_LEN, DMA_BIDIRECTIONAL));
}
static void r_pool_size0(void) { WRONG(dma_pool_create("x", DEV, 0, 0, 0)); }
static void r_pool_size_huge(void) { WRONG(dma_pool_create("x", DEV, (size_t)INT_MAX + 1, 0, 0)); }

/* -- directions -- */
static void r_map_dir_none(void) { WRONG(dma_map_single(DEV, C.buf, 64, DMA_NONE)); }
static void r_map_dir_7(void) { WRONG(dma_map_single(DEV, C.buf, 64, (enum dma_data_direction)7)); }
static void r_map_page_dir_neg(void)
{
	WRONG(dma_map_page(DEV, virt_to_page(C.buf), 0, 64, (enum dma_data_direction)-1));
}
static void r_unmap_dir_9(void)
{
	WRONG_V(dma_unmap_single(DEV, C.d->single_dma, CANARY_LEN, (enum dma_data_direction)9));
}
static void r_sync_dir_none(void)
{
	WRONG_V(dma_sync_single_for_device(DEV, C.d->single_dma, CANARY_LEN, DMA_NONE));
}
static void r_sg_dir_5(void)
{
	struct scatterlist sg;

	sg_init_one(&sg, C.buf, 64);
	WRONG(dma_map_sg(DEV, &sg, 1, (enum dma_data_direction)5));
}
static void r_alloc_pages_dir(void)
{
	dma_addr_t h;

	WRONG(dma_alloc_pages(DEV, PAGE_SIZE, &h, (enum dma_data_direction)9, GFP_KERNEL));
}
static void r_noncontig_dir(void)
{
	WRONG(dma_alloc_noncontiguous(DEV, PAGE_SIZE, DMA_NONE, GFP_KERNEL, 0));
}
static void r_unmap_other_dir(void)
{
	dma_addr_t h = map_tmp(64);

	WRONG_V(dma_unmap_single(DEV, h, 64, DMA_FROM_DEVICE));
}

/* -- unknown and error handles -- */
static void r_unmap_error_handle(void) { WRONG_V(dma_unmap_single(DEV, DMA_MAPPING_ERROR, 64, DMA_TO_DEVICE)); }
static void r_unmap_unknown(void) { WRONG_V(dma_unmap_single(DEV, 0x12340000, 64, DMA_TO_DEVICE)); }
static void r_unmap_page_unknown(void) { WRONG_V(dma_unmap_page(DEV, 0x12340000, 64, DMA_TO_DEVICE)); }
static void r_unmap_inside(void)
{
	WRONG_V(dma_unmap_single(DEV, C.d->single_dma + 8, 64, DMA_BIDIRECTIONAL));
}
static void r_sync_unknown(void) { WRONG_V(dma_sync_single_for_cpu(DEV, 0x12340000, 64, DMA_FROM_DEVICE)); }
static void r_free_unknown(void) { WRONG_V(dma_free_coherent(DEV, PAGE_SIZE, C.buf, 0x12340000)); }
static void r_unmap_sg_unknown(void)
{
	struct scatterlist sg;

	sg_init_one(&sg, C.buf, 64);
	sg_dma_address(&sg) = 0x12340000;
	sg_dma_len(&sg) = 64;
	WRONG_V(dma_unmap_sg(DEV, &sg, 1, DMA_TO_DEVICE));
}
static void r_map_stack(void)
{
	unsigned char local[64];

	WRONG(dma_map_single(DEV, local, sizeof(local), DMA_TO_DEVICE));
}
static void r_map_malloc(void)
{
	unsigned char *m = malloc(64);

	assert_non_null(m);
	WRONG(dma_map_single(DEV, m, 64, DMA_TO_DEVICE));
	free(m);
}

/* -- wrong free function -- */
static void r_pool_block_free_coherent(void)
{
	WRONG_V(dma_free_coherent(DEV, 64, C.d->blk, C.d->blk_dma));
}
static void r_coherent_pool_free(void)
{
	WRONG_V(dma_pool_free(C.d->pool, C.d->coh, C.d->coh_dma));
}
static void r_coherent_unmap_single(void)
{
	WRONG_V(dma_unmap_single(DEV, C.d->coh_dma, PAGE_SIZE, DMA_BIDIRECTIONAL));
}
static void r_single_free_coherent(void)
{
	WRONG_V(dma_free_coherent(DEV, CANARY_LEN, C.d->single, C.d->single_dma));
}
static void r_sg_unmap_single(void)
{
	struct scatterlist sg;

	sg_init_one(&sg, C.buf, 64);
	assert_int_equal(dma_map_sg(DEV, &sg, 1, DMA_TO_DEVICE), 1);
	/* Reported, and released as the kernel's unmap would (check_unmap, then the unmap). */
	WRONG_V(dma_unmap_single(DEV, sg_dma_address(&sg), 64, DMA_TO_DEVICE));
}
static void r_kfree_coherent(void) { WRONG_V(kfree(C.d->coh)); }

/* -- double frees -- */
static void r_double_unmap(void)
{
	dma_addr_t h = map_tmp(64);

	dma_unmap_single(DEV, h, 64, DMA_TO_DEVICE);
	WRONG_V(dma_unmap_single(DEV, h, 64, DMA_TO_DEVICE));
}
static void r_double_free_coherent(void)
{
	dma_addr_t h;
	void *c = dma_alloc_coherent(DEV, PAGE_SIZE, &h, GFP_KERNEL);

	assert_non_null(c);
	dma_free_coherent(DEV, PAGE_SIZE, c, h);
	WRONG_V(dma_free_coherent(DEV, PAGE_SIZE, c, h));
}
static void r_double_pool_free(void)
{
	dma_addr_t h;
	void *b = dma_pool_alloc(C.d->pool, GFP_KERNEL, &h);

	assert_non_null(b);
	dma_pool_free(C.d->pool, b, h);
	WRONG_V(dma_pool_free(C.d->pool, b, h));
}
static void r_double_unmap_sg(void)
{
	struct scatterlist sg;

	sg_init_one(&sg, C.buf, 64);
	assert_int_equal(dma_map_sg(DEV, &sg, 1, DMA_TO_DEVICE), 1);
	dma_unmap_sg(DEV, &sg, 1, DMA_TO_DEVICE);
	WRONG_V(dma_unmap_sg(DEV, &sg, 1, DMA_TO_DEVICE));
}
static void r_double_kfree(void)
{
	void *k = kmalloc(64, GFP_KERNEL);

	assert_non_null(k);
	kfree(k);
	WRONG_V(kfree(k));
}
static void r_double_free_pages(void)
{
	dma_addr_t h;
	struct page *pg = dma_alloc_pages(DEV, PAGE_SIZE, &h, DMA_TO_DEVICE, GFP_KERNEL);

	assert_non_null(pg);
	dma_free_pages(DEV, PAGE_SIZE, pg, h, DMA_TO_DEVICE);
	WRONG_V(dma_free_pages(DEV, PAGE_SIZE, pg, h, DMA_TO_DEVICE));
}

/* -- misaligned values -- */
static void r_pool_free_misaligned(void)
{
	WRONG_V(dma_pool_free(C.d->pool, (char *)C.d->blk + 1, C.d->blk_dma + 1));
}
static void r_pool_free_bad_dma(void)
{
	WRONG_V(dma_pool_free(C.d->pool, C.d->blk, C.d->blk_dma + 64));
}
static void r_pool_align3(void) { WRONG(dma_pool_create("x", DEV, 64, 3, 0)); }
static void r_pool_boundary(void) { WRONG(dma_pool_create("x", DEV, 64, 0, 3000)); }
static void r_pool_boundary_small(void) { WRONG(dma_pool_create("x", DEV, 256, 0, 128)); }
static void r_seg_boundary(void) { WRONG(dma_set_seg_boundary(DEV, 0x1000)); }
static void r_mmap_misaligned(void)
{
	struct vm_area_struct vma = { .vm_start = 0x1001, .vm_end = 0x2001 };

	WRONG(dma_mmap_coherent(DEV, &vma, C.d->coh, C.d->coh_dma, PAGE_SIZE));
}
static void r_free_coherent_cpu_off(void)
{
	dma_addr_t h;
	char *c = dma_alloc_coherent(DEV, PAGE_SIZE, &h, GFP_KERNEL);

	assert_non_null(c);
	/* The right handle, a CPU address inside: reported, then freed (check_unmap). */
	WRONG_V(dma_free_coherent(DEV, PAGE_SIZE, c + 8, h));
}

/* -- masks -- */
static void r_mask0(void) { WRONG(dma_set_mask(DEV, 0)); }
static void r_coherent_mask0(void) { WRONG(dma_set_coherent_mask(DEV, 0)); }
static void r_dev_mask0(void) { WRONG(dmasim_device_create(C.p, "mask=0")); }
static void r_dev_mask65(void) { WRONG(dmasim_device_create(C.p, "mask=65")); }

/* -- absurd spec words and numbers -- */
static void r_spec_word(void) { WRONG(dmasim_device_create(C.p, "bogus")); }
static void r_spec_key(void) { WRONG(dmasim_device_create(C.p, "frob=1")); }
static void r_spec_nan(void) { WRONG(dmasim_device_create(C.p, "max_seg=nan")); }
static void r_spec_neg(void) { WRONG(dmasim_device_create(C.p, "offset=-1")); }
static void r_spec_overflow(void) { WRONG(dmasim_device_create(C.p, "limit=99999999999999999999999")); }
static void r_spec_garbage(void) { WRONG(dmasim_device_create(C.p, "mask=32bits")); }
static void r_spec_boundary(void) { WRONG(dmasim_device_create(C.p, "seg_boundary=0x1000")); }
static void r_spec_empty_name(void) { WRONG(dmasim_device_create(C.p, "name=")); }
static void r_spec_bool(void) { WRONG(dmasim_device_create(C.p, "coherent=maybe")); }

/* -- exhausted pools and failures -- */
static void r_pool_exhausted(void)
{
	dma_addr_t h;

	assert_int_equal(dmasim_fail_set(C.p, "pool:nth=1"), 0);
	WRONG(dma_pool_alloc(C.d->pool, GFP_KERNEL, &h));
	assert_int_equal(dmasim_fail_set(C.p, ""), 0);
}
static void r_pool_null_handle(void) { WRONG(dma_pool_alloc(C.d->pool, GFP_KERNEL, NULL)); }
static void r_alloc_null_handle(void) { WRONG(dma_alloc_coherent(DEV, 64, NULL, GFP_KERNEL)); }
static void r_alloc_pages_zone(void)
{
	dma_addr_t h;

	WRONG(dma_alloc_pages(DEV, PAGE_SIZE, &h, DMA_TO_DEVICE, GFP_KERNEL | __GFP_DMA));
}

/* -- lists -- */
static void r_sg_nents_beyond(void) { WRONG(dma_map_sg(DEV, C.d->sg, 3, DMA_TO_DEVICE)); }
static void r_unmap_sg_beyond(void) { WRONG_V(dma_unmap_sg(DEV, C.d->sg, 5, DMA_BIDIRECTIONAL)); }
static void r_sync_sg_beyond(void) { WRONG_V(dma_sync_sg_for_cpu(DEV, C.d->sg, 3, DMA_BIDIRECTIONAL)); }
static void r_sgtable_beyond(void)
{
	struct sg_table sgt = { .sgl = C.d->sg, .orig_nents = 4 };

	WRONG(dma_map_sgtable(DEV, &sgt, DMA_TO_DEVICE, 0));
}
static void r_sg_nents0(void) { WRONG(dma_map_sg(DEV, C.d->sg, 0, DMA_TO_DEVICE)); }
static void r_sg_null(void) { WRONG(dma_map_sg(DEV, NULL, 1, DMA_TO_DEVICE)); }
static void r_sgtable_null(void) { WRONG(dma_map_sgtable(DEV, NULL, DMA_TO_DEVICE, 0)); }
static void r_sg_no_page(void)
{
	struct scatterlist sg;

	sg_init_table(&sg, 1);
	sg.length = 64;
	WRONG(dma_map_sg(DEV, &sg, 1, DMA_TO_DEVICE));
}
static void r_unmap_sg_count(void)
{
	struct scatterlist sg[2];

	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], C.buf, 64);
	sg_set_buf(&sg[1], C.buf + 64, 64);
	assert_int_equal(dma_map_sg(DEV, sg, 1, DMA_TO_DEVICE), 1);
	/*
	 * Unmapped with the list's length, not the count mapped: reported, and
	 * the one mapped segment released (kernel/dma/debug.c debug_dma_unmap_sg
	 * stops at the mapped entries).
	 */
	WRONG_V(dma_unmap_sg(DEV, sg, 2, DMA_TO_DEVICE));
}

enum { ONCE, EACH_DEV };

struct row {
	const char *name;
	void (*fn)(void);
	int where;
	long long want;     /* the kernel's failure value (0 for void calls) */
	const char *msg;    /* in the one message */
	bool not_misuse;    /* a failure the kernel also allows (logged, not counted) */
	bool debug_only;    /* a DMA-API debug check (kernel/dma/debug.c): none with debug=off */
};

/* A misuse: one report, counted in dmasim_debug_errors(), whatever debug says. */
#define ROW(fn, where, want, msg) { #fn, fn, where, (long long)(want), msg, false, false }
/* A refusal that is no misuse (a mask a driver may try, an injected failure): one log line. */
#define LOG_ROW(fn, where, want, msg) { #fn, fn, where, (long long)(want), msg, true, false }
/*
 * A misuse only DMA-API debugging sees.  With debug=off the call is carried
 * out as a production kernel would (an unmap of a live range unmaps it), so
 * such rows run only with debug on.
 */
#define DBG_ROW(fn, where, want, msg) { #fn, fn, where, (long long)(want), msg, false, true }

static const struct row rows[] = {
	/* the device pointer */
	ROW(r_null_dev_map, ONCE, MAPERR, "NULL device pointer"),
	ROW(r_fake_dev_map, ONCE, MAPERR, "was not made by dmasim_device_create()"),
	ROW(r_dead_dev_map, ONCE, MAPERR, "was destroyed by dmasim_device_destroy()"),
	ROW(r_null_dev_alloc, ONCE, 0, "dma_alloc_attrs: NULL device pointer"),
	ROW(r_dead_dev_alloc, ONCE, 0, "was destroyed"),
	ROW(r_fake_dev_sg, ONCE, 0, "dma_map_sg: device 0x"),
	ROW(r_dead_dev_unmap, ONCE, 0, "dma_unmap_single: device"),
	ROW(r_dead_dev_pool, ONCE, 0, "dma_pool_create: device"),
	ROW(r_null_dev_pool, ONCE, 0, "NULL device pointer"),
	ROW(r_fake_dev_mask, ONCE, -EIO, "was not made by"),
	ROW(r_dead_dev_read, ONCE, -EINVAL, "was destroyed"),
	/* sizes */
	ROW(r_map_size0, EACH_DEV, MAPERR, "size 0"),
	ROW(r_alloc_size0, EACH_DEV, 0, "size 0"),
	ROW(r_alloc_huge, EACH_DEV, 0, "is more than one contiguous allocation can give"),
	ROW(r_alloc_pages_huge, EACH_DEV, 0, "is more than one contiguous allocation can give"),
	ROW(r_noncontig_huge, EACH_DEV, 0, "is more than one contiguous allocation can give"),
	ROW(r_map_past_ram, EACH_DEV, MAPERR, "is not inside one RAM region"),
	DBG_ROW(r_unmap_size0, EACH_DEV, 0, "frees DMA memory with different size"),
	DBG_ROW(r_unmap_wrong_size, EACH_DEV, 0, "frees DMA memory with different size"),
	ROW(r_sync_size0, EACH_DEV, 0, "size 0"),
	DBG_ROW(r_sync_beyond, EACH_DEV, 0, "syncs DMA memory outside allocated range"),
	ROW(r_pool_size0, EACH_DEV, 0, "size 0"),
	ROW(r_pool_size_huge, EACH_DEV, 0, "larger than INT_MAX"),
	/* directions */
	ROW(r_map_dir_none, EACH_DEV, MAPERR, "invalid DMA direction 3"),
	ROW(r_map_dir_7, EACH_DEV, MAPERR, "invalid DMA direction 7"),
	ROW(r_map_page_dir_neg, EACH_DEV, MAPERR, "invalid DMA direction -1"),
	ROW(r_unmap_dir_9, EACH_DEV, 0, "invalid DMA direction 9"),
	ROW(r_sync_dir_none, EACH_DEV, 0, "invalid DMA direction 3"),
	ROW(r_sg_dir_5, EACH_DEV, 0, "invalid DMA direction 5"),
	ROW(r_alloc_pages_dir, EACH_DEV, 0, "invalid DMA direction 9"),
	ROW(r_noncontig_dir, EACH_DEV, 0, "invalid DMA direction 3"),
	DBG_ROW(r_unmap_other_dir, EACH_DEV, 0, "frees DMA memory with different direction"),
	/* unknown and error handles */
	ROW(r_unmap_error_handle, EACH_DEV, 0, "invalid DMA memory address"),
	DBG_ROW(r_unmap_unknown, EACH_DEV, 0, "tries to free DMA memory it has not allocated"),
	DBG_ROW(r_unmap_page_unknown, EACH_DEV, 0, "tries to free DMA memory it has not allocated"),
	DBG_ROW(r_unmap_inside, EACH_DEV, 0, "tries to free DMA memory it has not allocated"),
	DBG_ROW(r_sync_unknown, EACH_DEV, 0, "tries to sync DMA memory it has not allocated"),
	DBG_ROW(r_free_unknown, EACH_DEV, 0, "tries to free DMA memory it has not allocated"),
	DBG_ROW(r_unmap_sg_unknown, EACH_DEV, 0, "tries to free DMA memory it has not allocated"),
	ROW(r_map_stack, EACH_DEV, MAPERR, "is not simulated memory (stack)"),
	ROW(r_map_malloc, EACH_DEV, MAPERR, "is not simulated memory"),
	/* wrong free function */
	ROW(r_pool_block_free_coherent, EACH_DEV, 0, "free it with dma_pool_free()"),
	ROW(r_coherent_pool_free, EACH_DEV, 0, "(bad vaddr)"),
	DBG_ROW(r_coherent_unmap_single, EACH_DEV, 0, "frees DMA memory with wrong function"),
	DBG_ROW(r_single_free_coherent, EACH_DEV, 0, "frees DMA memory with wrong function"),
	DBG_ROW(r_sg_unmap_single, EACH_DEV, 0, "frees DMA memory with wrong function"),
	ROW(r_kfree_coherent, EACH_DEV, 0, "is not a kmalloc() block"),
	/* double frees */
	DBG_ROW(r_double_unmap, EACH_DEV, 0, "tries to free DMA memory it has not allocated"),
	DBG_ROW(r_double_free_coherent, EACH_DEV, 0, "tries to free DMA memory it has not allocated"),
	ROW(r_double_pool_free, EACH_DEV, 0, "(already free)"),
	DBG_ROW(r_double_unmap_sg, EACH_DEV, 0, "tries to free DMA memory it has not allocated"),
	ROW(r_double_kfree, ONCE, 0, "(it is free: double free?)"),
	DBG_ROW(r_double_free_pages, EACH_DEV, 0, "tries to free DMA memory it has not allocated"),
	/* misaligned values */
	ROW(r_pool_free_misaligned, EACH_DEV, 0, "(bad vaddr)"),
	ROW(r_pool_free_bad_dma, EACH_DEV, 0, "(bad dma)"),
	ROW(r_pool_align3, EACH_DEV, 0, "align 3 is not a power of two"),
	ROW(r_pool_boundary, EACH_DEV, 0, "boundary 3000 is not a power of two"),
	ROW(r_pool_boundary_small, EACH_DEV, 0, "is smaller than the block size"),
	ROW(r_seg_boundary, EACH_DEV, -EINVAL, "dma_set_seg_boundary: mask 0x1000 is not 2^n - 1"),
	ROW(r_mmap_misaligned, EACH_DEV, -EINVAL, "bad vma"),
	DBG_ROW(r_free_coherent_cpu_off, EACH_DEV, 0, "frees DMA memory with different CPU address"),
	/* masks */
	LOG_ROW(r_mask0, EACH_DEV, -EIO, "dma_set_mask: mask 0x0 reaches no usable memory"),
	LOG_ROW(r_coherent_mask0, EACH_DEV, -EIO, "dma_set_coherent_mask: mask 0x0 reaches no usable memory"),
	ROW(r_dev_mask0, ONCE, 0, "mask=0: bad value"),
	ROW(r_dev_mask65, ONCE, 0, "mask=65: bad value"),
	/* absurd spec words and numbers */
	ROW(r_spec_word, ONCE, 0, "'bogus' is not of the form key=value"),
	ROW(r_spec_key, ONCE, 0, "unknown key 'frob'"),
	ROW(r_spec_nan, ONCE, 0, "max_seg=nan: bad value"),
	ROW(r_spec_neg, ONCE, 0, "offset=-1: bad value"),
	ROW(r_spec_overflow, ONCE, 0, "limit=99999999999999999999999: bad value"),
	ROW(r_spec_garbage, ONCE, 0, "mask=32bits: bad value"),
	ROW(r_spec_boundary, ONCE, 0, "seg_boundary=0x1000: bad value"),
	ROW(r_spec_empty_name, ONCE, 0, "name=''"),
	ROW(r_spec_bool, ONCE, 0, "coherent=maybe: bad value"),
	/* exhausted pools, missing handles */
	LOG_ROW(r_pool_exhausted, EACH_DEV, 0, "dma_pool_alloc: fault injection"),
	ROW(r_pool_null_handle, EACH_DEV, 0, "NULL handle"),
	ROW(r_alloc_null_handle, EACH_DEV, 0, "NULL dma_handle"),
	ROW(r_alloc_pages_zone, EACH_DEV, 0, "zone modifiers"),
	/* lists */
	ROW(r_sg_nents_beyond, EACH_DEV, 0, "nents 3 is more than the list holds (2 entries)"),
	ROW(r_unmap_sg_beyond, EACH_DEV, 0, "nents 5 is more than the list holds (2 entries)"),
	ROW(r_sync_sg_beyond, EACH_DEV, 0, "nents 3 is more than the list holds (2 entries)"),
	ROW(r_sgtable_beyond, EACH_DEV, -EINVAL, "nents 4 is more than the list holds (2 entries)"),
	ROW(r_sg_nents0, EACH_DEV, 0, "no entries (nents 0)"),
	ROW(r_sg_null, EACH_DEV, 0, "NULL scatterlist"),
	ROW(r_sgtable_null, EACH_DEV, -EINVAL, "NULL sg_table"),
	ROW(r_sg_no_page, EACH_DEV, 0, "entry 0 has no page"),
	DBG_ROW(r_unmap_sg_count, EACH_DEV, 0, "different entry count"),
};

/* ---- the driver ---------------------------------------------------------------- */

static int row_failures;

/* Say what is wrong with a row and go on, so one run lists every bad row. */
#define ROW_FAIL(...)                                  \
	do {                                           \
		print_error(__VA_ARGS__);              \
		print_error("\n");                     \
		row_failures++;                        \
		tu_log_clear();                        \
		return;                                \
	} while (0)

static void run_row(const struct row *r, struct devctx *dc)
{
	char label[128];

	C.d = dc;
	snprintf(label, sizeof(label), "%s on %s", r->name, dc->name);
	C.msgs = -1;
	r->fn();
	if (getenv("DMASIM_TEST_VERBOSE"))
		print_message("%s: %lld: %s\n", label, C.ret, C.line);
	if (C.msgs != 1)
		ROW_FAIL("row '%s': %d messages, want exactly one (first: '%s')", label, C.msgs, C.line);
	if (!strstr(C.line, r->msg))
		ROW_FAIL("row '%s': message '%s' lacks '%s'", label, C.line, r->msg);
	if (C.errors != (r->not_misuse ? 0 : 1))
		ROW_FAIL("row '%s': counted %lu misuse reports", label, C.errors);
	if (C.ret != r->want)
		ROW_FAIL("row '%s': returned %lld (0x%llx), want %lld", label, C.ret,
			 (unsigned long long)C.ret, r->want);
	/* The row's clean-up is correct use: nothing more is logged. */
	if (tu_log.total)
		ROW_FAIL("row '%s': its clean-up logged '%s'", label, tu_log.lines[0]);
	canaries_check(label);
}

static void bad_input_table_on(const char *spec, bool debug)
{
	unsigned long calls = 0, misuse = 0;

	memset(&C, 0, sizeof(C));
	row_failures = 0;
	C.p = tu_platform(spec);
	assert_non_null(C.p);
	C.devs[0].dev = dmasim_device_create(C.p, "name=direct iommu=0");
	C.devs[0].name = "direct";
	C.devs[1].dev = dmasim_device_create(C.p, "name=iommu iommu=1");
	C.devs[1].name = "iommu";
	assert_non_null(C.devs[0].dev);
	assert_non_null(C.devs[1].dev);
	C.dead = dmasim_device_create(C.p, "name=dead");
	assert_non_null(C.dead);
	dmasim_device_destroy(C.dead);
	C.buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	assert_non_null(C.buf);
	memset(C.buf, 0x11, PAGE_SIZE);
	canaries_make(&C.devs[0], 0x40);
	canaries_make(&C.devs[1], 0x60);
	tu_log_clear();
	canaries_check("start");

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row *r = &rows[i];

		if (r->debug_only && !debug)
			continue;
		run_row(r, &C.devs[0]);
		calls++;
		misuse += !r->not_misuse;
		if (r->where == EACH_DEV) {
			run_row(r, &C.devs[1]);
			calls++;
			misuse += !r->not_misuse;
		}
	}
	if (row_failures)
		fail_msg("%d rows failed", row_failures);
	assert_true(ARRAY_SIZE(rows) >= 60);
	assert_true(calls >= 60);
	print_message("%zu rows, %lu wrong calls\n", ARRAY_SIZE(rows), calls);
	/* Every misuse was a counted report. */
	assert_int_equal(dmasim_debug_errors(C.p), misuse);

	canaries_undo(&C.devs[0]);
	canaries_undo(&C.devs[1]);
	kfree(C.buf);
	assert_int_equal(tu_log.total, 0);
	assert_int_equal(dmasim_debug_errors(C.p), misuse);
	dmasim_device_destroy(C.devs[0].dev);
	dmasim_device_destroy(C.devs[1].dev);
	assert_int_equal(tu_log.total, 0); /* nothing leaked */
	dmasim_platform_destroy(C.p);
}

static void test_bad_input_table(void **state)
{
	(void)state;
	bad_input_table_on("ram=256M@0x80000000 iommu=on debug=on", true);
}

/* The checks that do not need DMA-API debugging, with it off: the same answers. */
static void test_bad_input_table_debug_off(void **state)
{
	(void)state;
	bad_input_table_on("ram=256M@0x80000000 iommu=on debug=off", false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input_table),
		cmocka_unit_test(test_bad_input_table_debug_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
