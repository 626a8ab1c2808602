/*
 * tests/test-inflight.c - DMA never outlives an unmap (issue 14, defect 5).
 *
 * A device thread writes a mapped buffer over and over while the driver
 * thread unmaps it; right after the unmap returns (in lazy mode: after the
 * flush that retires the IOVA), the driver clears its buffer, then stops the
 * device and looks: a byte that is not zero is a device write that landed
 * after the unmap returned.  On hardware a strict unmap returns only after
 * the IOTLB invalidation's sync, which waits for DMA in flight through the
 * old translation (drivers/iommu/io-pgtable-arm.c and the SMMU's CMD_SYNC);
 * in lazy mode the flush queue's invalidation does it
 * (drivers/iommu/dma-iommu.c, fq_flush_iotlb()).  Without an IOMMU, the
 * DMA-API debugging check of device accesses must not let a write through
 * that a racing unmap has already retired.
 *
 * The rounds are counted, not timed; the test asserts that no round saw a
 * late write.  Before the fix every machine below saw late writes in most
 * rounds (see the commit that added this test).
 */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmasim/iommu.h>
#include <linux/dma-mapping.h>
#include <linux/slab.h>

#define LEN (16 * 4096)

static unsigned long rounds(void)
{
	const char *s = getenv("DMASIM_INFLIGHT_ROUNDS");

	return s && atol(s) > 0 ? (unsigned long)atol(s) : 120;
}

struct race {
	struct device *dev;
	_Atomic dma_addr_t dma;
	atomic_ulong round;     /* the round the driver has published (0: none yet) */
	atomic_ulong stop;      /* the round the device must stop writing in */
	atomic_ulong wrote;     /* the last round the device wrote successfully in */
	atomic_ulong acked;     /* the last round the device stopped in */
	atomic_bool quit;
};

static void wait_for(atomic_ulong *v, unsigned long want)
{
	while (atomic_load(v) != want)
		sched_yield();
}

static void *device_thread(void *arg)
{
	struct race *r = arg;
	static unsigned char pat[LEN];
	unsigned long seen = 0;

	memset(pat, 0xa5, sizeof(pat));
	for (;;) {
		unsigned long n;

		while ((n = atomic_load(&r->round)) == seen && !atomic_load(&r->quit))
			sched_yield();
		if (atomic_load(&r->quit))
			return NULL;
		seen = n;
		/* Write until told to stop: the writes that race the unmap are the ones that count. */
		while (atomic_load(&r->stop) != n)
			if (!dmasim_dev_write(r->dev, atomic_load(&r->dma), pat, LEN))
				atomic_store(&r->wrote, n);
		atomic_store(&r->acked, n);
	}
}

/* The device's writes that reach nothing are this test's point: no report for them. */
static int quiet_fault(struct iommu_domain *dom, struct device *dev, unsigned long iova, int flags,
		       void *token)
{
	(void)dom;
	(void)dev;
	(void)iova;
	(void)flags;
	(void)token;
	return 0;
}

/* Race @n rounds of map, device writes, unmap on @spec; return how many rounds saw a late write. */
static unsigned long race_rounds(const char *spec, bool lazy, unsigned long n)
{
	struct dmasim_platform *p = tu_platform(spec);
	struct race r = { 0 };
	pthread_t t;
	unsigned char *buf;
	unsigned long late = 0;

	assert_non_null(p);
	r.dev = dmasim_device_create(p, "name=racer mask=64");
	assert_non_null(r.dev);
	if (iommu_get_domain_for_dev(r.dev))
		iommu_set_fault_handler(iommu_get_domain_for_dev(r.dev), quiet_fault, NULL);
	buf = kmalloc(LEN, GFP_KERNEL);
	assert_non_null(buf);
	assert_int_equal(pthread_create(&t, NULL, device_thread, &r), 0);
	for (unsigned long i = 1; i <= n; i++) {
		dma_addr_t dma;

		memset(buf, 0, LEN);
		dma = dma_map_single(r.dev, buf, LEN, DMA_FROM_DEVICE);
		assert_false(dma_mapping_error(r.dev, dma));
		atomic_store(&r.dma, dma);
		atomic_store(&r.round, i);
		wait_for(&r.wrote, i);
		dma_unmap_single(r.dev, dma, LEN, DMA_FROM_DEVICE);
		if (lazy)
			dmasim_iommu_flush(p);
		/* The buffer is the driver's again: whatever the device writes now is late. */
		memset(buf, 0, LEN);
		atomic_store(&r.stop, i);
		wait_for(&r.acked, i);
		for (size_t k = 0; k < LEN; k++)
			if (buf[k]) {
				late++;
				break;
			}
	}
	atomic_store(&r.quit, true);
	assert_int_equal(pthread_join(t, NULL), 0);
	kfree(buf);
	dmasim_device_destroy(r.dev);
	dmasim_platform_destroy(p);
	if (late)
		fprintf(stderr, "  %s: %lu of %lu rounds saw a device write after the unmap\n", spec,
			late, n);
	return late;
}

static void test_strict_unmap_waits_for_inflight_writes(void **state)
{
	(void)state;
	assert_int_equal(race_rounds("iommu=on mode=strict", false, rounds()), 0);
}

static void test_strict_unmap_waits_debug_off(void **state)
{
	(void)state;
	assert_int_equal(race_rounds("iommu=on mode=strict debug=off", false, rounds()), 0);
}

static void test_lazy_flush_waits_for_inflight_writes(void **state)
{
	(void)state;
	assert_int_equal(race_rounds("iommu=on mode=lazy", true, rounds()), 0);
}

static void test_lazy_flush_waits_debug_off(void **state)
{
	(void)state;
	assert_int_equal(race_rounds("iommu=on mode=lazy debug=off", true, rounds()), 0);
}

static void test_debug_check_not_fooled_without_iommu(void **state)
{
	(void)state;
	assert_int_equal(race_rounds("iommu=off swiotlb=off", false, rounds()), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict_unmap_waits_for_inflight_writes),
		cmocka_unit_test(test_strict_unmap_waits_debug_off),
		cmocka_unit_test(test_lazy_flush_waits_for_inflight_writes),
		cmocka_unit_test(test_lazy_flush_waits_debug_off),
		cmocka_unit_test(test_debug_check_not_fooled_without_iommu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
