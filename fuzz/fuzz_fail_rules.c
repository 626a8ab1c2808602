/*
 * fuzz/fuzz_fail_rules.c - the fault-injection rules (dmasim_fail_set(),
 * lib/core/fault-inject.c), parsed and then fired.
 *
 * The input is a rule list.  A bad one is refused with -EINVAL and one
 * misuse report, the old rules staying; a good one is installed, then a
 * correct driver sequence runs on two devices (fz0 direct, fz1 forced to
 * bounce): streaming maps, coherent and pool allocations, pages, kmalloc,
 * device accesses.  Every operation may fail; the driver unwinds each
 * failure, so: no misuse report, and the failures it saw are exactly the
 * ones dmasim_fail_injected() counted.
 */
#include <errno.h>
#include <stdlib.h>

#include <dmasim/dmasim.h>
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/slab.h>
#include <linux/gfp.h>

#include "fuzz-common.h"

static struct dmasim_platform *p;
static struct device *dev[2];
static struct dma_pool *pool;

static void quiet(void *ctx, int level, const char *msg)
{
	(void)ctx, (void)level, (void)msg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	unsetenv("DMASIM_SPEC");
	p = dmasim_platform_create("ram=32M@0x80000000 swiotlb=1M");
	FUZZ_CHECK(p, "machine");
	dmasim_set_log_handler(p, quiet, NULL);
	dev[0] = dmasim_device_create(p, "name=fz0");
	dev[1] = dmasim_device_create(p, "name=fz1 force_bounce=1");
	pool = dma_pool_create("fz", dev[0], 64, 64, 0);
	FUZZ_CHECK(dev[0] && dev[1] && pool, "devices");
	return 0;
}

/* One round of a driver that checks every result; returns the failures it saw. */
static unsigned long drive(void)
{
	unsigned long seen = 0;
	dma_addr_t bh;
	void *b;

	for (int d = 0; d < 2; d++) {
		struct device *x = dev[d];
		void *buf = kmalloc(256, GFP_KERNEL), *c;
		dma_addr_t h, ch;
		unsigned char byte = 0x5a;
		struct page *pg;

		if (!buf) {
			seen++;
		} else {
			h = dma_map_single(x, buf, 256, DMA_BIDIRECTIONAL);
			if (dma_mapping_error(x, h)) {
				seen++;
			} else {
				if (dmasim_dev_write(x, h, &byte, 1) == -EFAULT)
					seen++;
				dma_unmap_single(x, h, 256, DMA_BIDIRECTIONAL);
			}
			kfree(buf);
		}
		c = dma_alloc_coherent(x, 8192, &ch, GFP_KERNEL);
		if (!c) {
			seen++;
		} else {
			if (dmasim_dev_read(x, ch, &byte, 1) == -EFAULT)
				seen++;
			dma_free_coherent(x, 8192, c, ch);
		}
		pg = alloc_pages(GFP_KERNEL, 1);
		if (!pg) {
			seen++;
		} else {
			h = dma_map_page(x, pg, 0, 8192, DMA_TO_DEVICE);
			if (dma_mapping_error(x, h))
				seen++;
			else
				dma_unmap_page(x, h, 8192, DMA_TO_DEVICE);
			__free_pages(pg, 1);
		}
	}
	b = dma_pool_alloc(pool, GFP_KERNEL, &bh);
	if (!b)
		seen++;
	else
		dma_pool_free(pool, b, bh);
	return seen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *rules;
	unsigned long errs, inj, seen = 0;
	int ret;

	if (size > 1024)
		return 0;
	rules = fuzz_str(data, size);
	if (fuzz_nan_prob(rules)) {
		free(rules);
		return 0;
	}
	errs = dmasim_debug_errors(p);
	ret = dmasim_fail_set(p, rules);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL && dmasim_debug_errors(p) == errs + 1,
			   "rules \"%s\" refused with %d and %lu reports", rules, ret,
			   dmasim_debug_errors(p) - errs);
		errs++;
	} else {
		inj = dmasim_fail_injected(p);
		for (int round = 0; round < 3; round++)
			seen += drive();
		FUZZ_CHECK(dmasim_fail_injected(p) - inj == seen,
			   "rules \"%s\": %lu failures injected, the driver saw %lu", rules,
			   dmasim_fail_injected(p) - inj, seen);
		FUZZ_CHECK(dmasim_debug_errors(p) == errs, "rules \"%s\": %lu misuse reports", rules,
			   dmasim_debug_errors(p) - errs);
	}
	FUZZ_CHECK(dmasim_fail_set(p, "") == 0, "clearing the rules");
	free(rules);
	return 0;
}
