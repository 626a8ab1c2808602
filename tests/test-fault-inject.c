/*
 * tests/test-fault-inject.c - failing on purpose: rule syntax, nth/every/
 * probability/times, device scoping, every kind of operation, and the
 * howto's map-error unwinding loop driven by an injected failure.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/slab.h>

#include "core/core.h"

static struct dmasim_platform *plat(const char *spec)
{
	struct dmasim_platform *p = tu_platform(spec);

	assert_non_null(p);
	return p;
}

static void test_rule_syntax(void **state)
{
	struct dmasim_platform *p = plat(NULL);

	assert_int_equal(dmasim_fail_set(p, "map:nth=3"), 0);
	assert_int_equal(dmasim_fail_set(p, "map:every=2,alloc:prob=0.5:times=3:dev=x"), 0);
	assert_int_equal(dmasim_fail_set(p, ""), 0);
	assert_int_equal(dmasim_fail_set(p, "frobnicate"), -EINVAL);
	assert_log_has("unknown kind");
	assert_int_equal(dmasim_fail_set(p, "any:nth=7,any:every=2:dev=x"), 0);
	assert_int_equal(dmasim_fail_set(p, "map:nth=0"), -EINVAL);
	assert_int_equal(dmasim_fail_set(p, "map:prob=2"), -EINVAL);
	assert_int_equal(dmasim_fail_set(p, "map:when=3"), -EINVAL);
	assert_int_equal(dmasim_fail_set(p, "pages:dev=x"), -EINVAL);
	assert_log_has("dev= does not apply to pages");
	assert_log_has("expected KIND");
	dmasim_platform_destroy(p);
	/* From the spec, shown in the normalised spec; a bad rule refuses the platform. */
	p = plat("fail=kmalloc:nth=2");
	assert_true(tu_spec_has(p, "fail=kmalloc:nth=2"));
	dmasim_platform_destroy(p);
	assert_null(dmasim_platform_create("fail=map:nth=x log=quiet"));
}

static void test_nth_every_times(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = dmasim_device_create(p, "name=f");
	char *buf = kmalloc(64, GFP_KERNEL);
	int failed[12], n = 0;

	assert_int_equal(dmasim_fail_set(p, "map:every=3:times=2"), 0);
	for (int i = 1; i <= 12; i++) {
		dma_addr_t h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);

		if (dma_mapping_error(dev, h))
			failed[n++] = i;
		else
			dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
	}
	/* Every third call, but only twice. */
	assert_int_equal(n, 2);
	assert_int_equal(failed[0], 3);
	assert_int_equal(failed[1], 6);
	assert_int_equal(dmasim_fail_injected(p), 2);
	assert_int_equal(dmasim_debug_errors(p), 0); /* injected failures are not misuse */
	assert_log_has("fault injection");
	/* nth: exactly once; setting rules restarts the count. */
	assert_int_equal(dmasim_fail_set(p, "map:nth=2"), 0);
	n = 0;
	for (int i = 1; i <= 5; i++) {
		dma_addr_t h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);

		if (dma_mapping_error(dev, h))
			failed[n++] = i;
		else
			dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
	}
	assert_int_equal(n, 1);
	assert_int_equal(failed[0], 2);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* The pattern of failures for a seed, as a bit string. */
static unsigned long long pattern(unsigned long seed)
{
	char spec[64];
	struct dmasim_platform *p;
	struct device *dev;
	unsigned long long bits = 0;
	char *buf;

	snprintf(spec, sizeof(spec), "seed=%lu fail=map:prob=0.5", seed);
	p = plat(spec);
	dev = dmasim_device_create(p, "name=r");
	buf = kmalloc(64, GFP_KERNEL);
	for (int i = 0; i < 64; i++) {
		dma_addr_t h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);

		if (dma_mapping_error(dev, h))
			bits |= 1ULL << i;
		else
			dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
	}
	kfree(buf);
	dmasim_platform_destroy(p);
	return bits;
}

static void test_probability_is_seeded(void **state)
{
	unsigned long long a = pattern(7), b = pattern(7), c = pattern(8);
	int ones = __builtin_popcountll(a);

	assert_true(a == b);          /* same seed, same run */
	assert_true(a != c);          /* another seed, another run */
	assert_true(ones > 16 && ones < 48); /* about half */
}

static void test_device_scope(void **state)
{
	struct dmasim_platform *p = plat("fail=map:every=1:dev=victim");
	struct device *victim = dmasim_device_create(p, "name=victim");
	struct device *other = dmasim_device_create(p, "name=other");
	char *buf = kmalloc(64, GFP_KERNEL);
	dma_addr_t h;

	assert_true(dma_mapping_error(victim, dma_map_single(victim, buf, 64, DMA_TO_DEVICE)));
	h = dma_map_single(other, buf, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(other, h));
	dma_unmap_single(other, h, 64, DMA_TO_DEVICE);
	kfree(buf);
	dmasim_platform_destroy(p);
}

static void test_every_kind(void **state)
{
	struct dmasim_platform *p = plat("iommu=on swiotlb=4M");
	struct device *dev = dmasim_device_create(p, "name=k");
	struct device *bounce = dmasim_device_create(p, "name=b iommu=0 force_bounce=1");
	struct dma_pool *pool = dma_pool_create("k", dev, 64, 64, 0);
	struct scatterlist sg;
	char *buf = kmalloc(64, GFP_KERNEL);
	dma_addr_t h;
	char c;

	assert_int_equal(dmasim_fail_set(p, "kmalloc"), 0);
	assert_null(kmalloc(10, GFP_KERNEL));
	assert_int_equal(dmasim_fail_set(p, "pages"), 0);
	assert_null(alloc_pages(GFP_KERNEL, 0));
	assert_int_equal(dmasim_fail_set(p, "alloc"), 0);
	assert_null(dma_alloc_coherent(dev, 4096, &h, GFP_KERNEL));
	assert_int_equal(dmasim_fail_set(p, "pool"), 0);
	assert_null(dma_pool_alloc(pool, GFP_KERNEL, &h));
	assert_int_equal(dmasim_fail_set(p, "iova"), 0);
	assert_true(dma_mapping_error(dev, dma_map_single(dev, buf, 64, DMA_TO_DEVICE)));
	assert_int_equal(dmasim_fail_set(p, "swiotlb"), 0);
	assert_true(dma_mapping_error(bounce, dma_map_single(bounce, buf, 64, DMA_TO_DEVICE)));
	assert_int_equal(dmasim_fail_set(p, "map"), 0);
	sg_init_one(&sg, buf, 64);
	assert_int_equal(dma_map_sg(dev, &sg, 1, DMA_TO_DEVICE), 0);
	/* A device access that faults, then works again. */
	h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim_fail_set(p, "access"), 0);
	assert_int_equal(dmasim_dev_read(dev, h, &c, 1), -EFAULT);
	assert_int_equal(dmasim_dev_read(dev, h, &c, 1), 0);
	dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
	assert_int_equal(dmasim_fail_injected(p), 8);
	assert_int_equal(dmasim_debug_errors(p), 0); /* running out is not misuse */
	/* Once the rules are spent, everything works. */
	h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
	kfree(buf);
	dma_pool_destroy(pool);
	dmasim_platform_destroy(p);
}

/* The howto's loop: map an array, unwind what was mapped when one fails. */
/*
 * "any" counts every failure point of every kind, in the order they are
 * reached (the kernel's fail_nth): kmalloc is point 1, the map point 2, the
 * coherent allocation point 3.  With dev= only that device's points count.
 */
static void test_any_kind(void **state)
{
	/* RAM a 32-bit device reaches: a map is one point (no swiotlb slot to take). */
	struct dmasim_platform *p = plat("ram=64M@0x80000000");
	struct device *dev = dmasim_device_create(p, "name=a");
	struct device *other = dmasim_device_create(p, "name=b");
	bool failed[3];

	for (int nth = 1; nth <= 4; nth++) {
		char rule[32], *buf;
		dma_addr_t h = DMA_MAPPING_ERROR, ch;
		void *c;

		snprintf(rule, sizeof(rule), "any:nth=%d", nth);
		assert_int_equal(dmasim_fail_set(p, rule), 0);
		buf = kmalloc(64, GFP_KERNEL);
		failed[0] = !buf;
		if (buf) {
			h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
			failed[1] = dma_mapping_error(dev, h);
		} else {
			failed[1] = false;
		}
		c = dma_alloc_coherent(dev, 4096, &ch, GFP_KERNEL);
		failed[2] = !c;
		for (int k = 0; k < 3; k++)
			assert_int_equal(failed[k], k + 1 == nth && (nth != 2 || buf));
		if (c)
			dma_free_coherent(dev, 4096, c, ch);
		if (buf && !failed[1])
			dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
		kfree(buf);
		assert_int_equal(dmasim_fail_injected(p), nth <= 3 ? (unsigned long)nth : 3);
	}
	/* Scoped to a device: the other device's map, and kmalloc, do not count. */
	assert_int_equal(dmasim_fail_set(p, "any:nth=1:dev=a"), 0);
	{
		char *buf = kmalloc(64, GFP_KERNEL);
		dma_addr_t h = dma_map_single(other, buf, 64, DMA_TO_DEVICE);

		assert_non_null(buf);
		assert_false(dma_mapping_error(other, h));
		dma_unmap_single(other, h, 64, DMA_TO_DEVICE);
		h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
		assert_true(dma_mapping_error(dev, h));
		kfree(buf);
	}
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

static void test_howto_unwinding_loop(void **state)
{
	struct dmasim_platform *p = plat("fail=map:nth=5");
	struct device *dev = dmasim_device_create(p, "name=unwind");
	struct { void *buf; dma_addr_t dma_addr; } array[8];
	int i, t = 8;

	for (i = 0; i < 8; i++)
		array[i].buf = kmalloc(512, GFP_KERNEL);
	for (i = 0; i < 8; i++) {
		array[i].dma_addr = dma_map_single(dev, array[i].buf, 512, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, array[i].dma_addr)) {
			t = i;
			goto map_error_handling;
		}
	}
	fail_msg("the injected failure did not happen");
map_error_handling:
	assert_int_equal(t, 4); /* the fifth mapping failed */
	assert_int_equal(to_dmasim(dev)->nr_maps, 4);
	for (i = 0; i < t; i++)
		dma_unmap_single(dev, array[i].dma_addr, 512, DMA_TO_DEVICE);
	assert_int_equal(to_dmasim(dev)->nr_maps, 0);
	assert_int_equal(dmasim_debug_errors(p), 0); /* the unwinding was clean */
	for (i = 0; i < 8; i++)
		kfree(array[i].buf);
	dmasim_platform_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_syntax),
		cmocka_unit_test(test_nth_every_times),
		cmocka_unit_test(test_probability_is_seeded),
		cmocka_unit_test(test_device_scope),
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_any_kind),
		cmocka_unit_test(test_howto_unwinding_loop),
	};

	unsetenv("DMASIM_SPEC");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
