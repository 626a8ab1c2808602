/*
 * tests/test-kernel-headers.c - the kernel-named helpers around the DMA API
 * (include/dmasim/compat/linux/, docs/kernel-headers.md): err.h, errno.h,
 * bits/bitops/bitfield, list.h, minmax/overflow, byte order, printk and
 * WARN reports, locking and completions, the rest of slab.h with devres,
 * the scatterlist additions and the IOMMU's gather and map_sg.  Where a
 * kernel behaviour is the contract, the kernel file is named.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <linux/atomic.h>
#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/dev_printk.h>
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/errno.h>
#include <linux/iommu.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/numa.h>
#include <linux/highmem.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "testutil.h"

static struct dmasim_platform *plat(const char *spec)
{
	struct dmasim_platform *p = tu_platform(spec);

	assert_non_null(p);
	dmasim_platform_set_current(p);
	return p;
}

/* ---- err.h, errno.h ------------------------------------------------------------- */

/* include/linux/err.h: the top MAX_ERRNO addresses are errors; include/linux/errno.h: kernel-only codes. */
static void test_err_ptr(void **state)
{
	void *e = ERR_PTR(-EPROBE_DEFER);
	int x;

	(void)state;
	assert_int_equal(EPROBE_DEFER, 517);
	assert_int_equal(ENOTSUPP, 524);
	assert_int_equal(ERESTARTSYS, 512);
	assert_true(IS_ERR(e));
	assert_int_equal(PTR_ERR(e), -517);
	assert_true(IS_ERR(ERR_PTR(-MAX_ERRNO)));
	assert_false(IS_ERR(ERR_PTR(-MAX_ERRNO - 1)));
	assert_false(IS_ERR(&x));
	assert_false(IS_ERR(NULL));
	assert_true(IS_ERR_OR_NULL(NULL));
	assert_true(IS_ERR_OR_NULL(e));
	assert_ptr_equal(ERR_CAST(e), e);
	assert_int_equal(PTR_ERR_OR_ZERO(&x), 0);
	assert_int_equal(PTR_ERR_OR_ZERO(ERR_PTR(-ENOMEM)), -ENOMEM);
}

/* ---- bits, bitops, bitfield -------------------------------------------------------- */

#define REG_MODE GENMASK(7, 4)
#define REG_EN BIT(0)

/* include/linux/bits.h, include/linux/bitfield.h, include/asm-generic/bitops. */
static void test_bits(void **state)
{
	unsigned long map[3] = { 0 };
	unsigned long bit, n = 0;
	u32 reg;

	(void)state;
	assert_int_equal(GENMASK(7, 4), 0xf0);
	assert_int_equal(GENMASK(31, 0), 0xffffffffUL);
	assert_true(GENMASK_ULL(63, 32) == 0xffffffff00000000ULL);
	reg = FIELD_PREP(REG_MODE, 0xa) | REG_EN;
	assert_int_equal(reg, 0xa1);
	assert_int_equal(FIELD_GET(REG_MODE, reg), 0xa);
	assert_int_equal(FIELD_MAX(REG_MODE), 0xf);
	assert_true(FIELD_FIT(REG_MODE, 0xf));
	assert_false(FIELD_FIT(REG_MODE, 0x10));
	assert_int_equal(le32_to_cpu(le32_encode_bits(3, GENMASK(9, 8))), 0x300);
	assert_int_equal(u32_get_bits(0x300, GENMASK(9, 8)), 3);

	set_bit(0, map);
	set_bit(65, map);
	__set_bit(130, map);
	assert_true(test_bit(65, map));
	assert_true(test_and_clear_bit(65, map));
	assert_false(test_bit(65, map));
	assert_false(test_and_set_bit(100, map));
	assert_int_equal(find_first_bit(map, 192), 0);
	assert_int_equal(find_next_bit(map, 192, 1), 100);
	assert_int_equal(find_next_bit(map, 192, 131), 192);
	assert_int_equal(find_first_zero_bit(map, 192), 1);
	for_each_set_bit(bit, map, 192)
		n += bit;
	assert_int_equal(n, 0 + 100 + 130);
	assert_int_equal(fls(0), 0);
	assert_int_equal(fls(0x80000000u), 32);
	assert_int_equal(__ffs(0x100UL), 8);
	assert_int_equal(fls64(1ULL << 40), 41);
	assert_int_equal(hweight32(0xf0f0), 8);
	assert_int_equal(ilog2(4096), 12);
	assert_true(is_power_of_2(64));
	assert_int_equal(roundup_pow_of_two(65), 128);
	assert_int_equal(sign_extend32(0x80, 7), -128);
}

/* include/linux/bitmap.h, lib/bitmap.c: ranges, weights, zero areas for an allocator. */
static void test_bitmap(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	unsigned long *map = bitmap_zalloc(200, GFP_KERNEL);
	DECLARE_BITMAP(other, 200);

	(void)state;
	assert_non_null(map);
	assert_true(bitmap_empty(map, 200));
	bitmap_set(map, 3, 70);
	assert_int_equal(bitmap_weight(map, 200), 70);
	assert_true(test_bit(72, map));
	assert_false(test_bit(73, map));
	/* 16 free bits aligned to 16: not at 0 (bits 3.. are used), at 80. */
	assert_int_equal(bitmap_find_next_zero_area(map, 200, 0, 16, 15), 80);
	bitmap_clear(map, 10, 5);
	assert_int_equal(bitmap_weight(map, 200), 65);
	bitmap_copy(other, map, 200);
	assert_true(bitmap_equal(other, map, 200));
	bitmap_fill(other, 200);
	assert_true(bitmap_full(other, 200));
	assert_true(bitmap_find_next_zero_area(other, 200, 0, 1, 0) > 200);
	bitmap_free(map);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

struct obj {
	struct kref ref;
	int released;
};

static void obj_release(struct kref *ref)
{
	container_of(ref, struct obj, ref)->released++;
}

/*
 * include/linux/refcount.h: a count never wraps; an increment from 0 (a use
 * after free) or a decrement past 0 is a WARN (here a counted report) and
 * the counter saturates.
 */
static void test_kref(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct obj o = { .released = 0 };
	refcount_t r = REFCOUNT_INIT(1);

	(void)state;
	kref_init(&o.ref);
	kref_get(&o.ref);
	assert_int_equal(kref_read(&o.ref), 2);
	assert_int_equal(kref_put(&o.ref, obj_release), 0);
	assert_int_equal(kref_put(&o.ref, obj_release), 1);
	assert_int_equal(o.released, 1);
	assert_false(kref_get_unless_zero(&o.ref));
	assert_int_equal(dmasim_debug_errors(p), 0);

	/* Misuse: a get after the last put, and a put too many. */
	kref_get(&o.ref);
	assert_int_equal(dmasim_debug_errors(p), 1);
	assert_log_has("refcount_t: addition on 0; use-after-free");
	assert_true(refcount_dec_and_test(&r));
	assert_false(refcount_dec_and_test(&r));
	assert_int_equal(dmasim_debug_errors(p), 2);
	assert_log_has("refcount_t: underflow; use-after-free");
	assert_int_equal(refcount_read(&r), (unsigned int)REFCOUNT_SATURATED);
	dmasim_platform_destroy(p);
}

/* ---- list.h ------------------------------------------------------------------------ */

struct item {
	int v;
	struct list_head node;
};

/* include/linux/list.h: order, deletion while iterating, splicing, poison on list_del(). */
static void test_list(void **state)
{
	LIST_HEAD(head);
	LIST_HEAD(other);
	struct item it[5], *pos, *n;
	int sum = 0, order[5], k = 0;

	(void)state;
	assert_true(list_empty(&head));
	for (int i = 0; i < 5; i++) {
		it[i].v = i;
		list_add_tail(&it[i].node, &head);
	}
	assert_int_equal(list_count_nodes(&head), 5);
	assert_ptr_equal(list_first_entry(&head, struct item, node), &it[0]);
	assert_ptr_equal(list_last_entry(&head, struct item, node), &it[4]);
	list_for_each_entry_safe(pos, n, &head, node)
		if (pos->v % 2)
			list_del(&pos->node);
	assert_ptr_equal(it[1].node.next, LIST_POISON1);
	list_for_each_entry(pos, &head, node)
		order[k++] = pos->v;
	assert_int_equal(k, 3);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 4);
	list_move(&it[4].node, &other);
	list_add(&it[1].node, &other);
	list_splice_tail_init(&other, &head);
	assert_true(list_empty(&other));
	list_for_each_entry_reverse(pos, &head, node)
		sum = sum * 10 + pos->v;
	assert_int_equal(sum, 4120); /* 0 2 1 4, read backwards */
	assert_true(list_is_last(&it[4].node, &head));
}

/* ---- minmax, overflow, math ------------------------------------------------------------ */

struct flex {
	int n;
	u64 item[];
};

/* include/linux/overflow.h: struct_size() saturates so the allocation fails instead of being short. */
static void test_overflow(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct flex *f = NULL;
	size_t len = 100;
	int a = -3;
	u8 d8;
	void *big;

	(void)state;
	assert_int_equal(struct_size(f, item, 4), sizeof(struct flex) + 32);
	assert_true(struct_size(f, item, SIZE_MAX / 4) == SIZE_MAX);
	assert_true(array_size(SIZE_MAX / 2, 3) == SIZE_MAX);
	assert_true(size_add(SIZE_MAX, 1) == SIZE_MAX);
	assert_true(check_add_overflow((u8)200, (u8)100, &d8));
	assert_int_equal(d8, 44);
	assert_false(check_mul_overflow((u8)10, (u8)20, &d8));
	big = kmalloc(struct_size(f, item, SIZE_MAX / 4), GFP_KERNEL | __GFP_NOWARN);
	assert_null(big);
	f = kzalloc(struct_size(f, item, 4), GFP_KERNEL);
	assert_non_null(f);
	assert_true(ksize(f) >= sizeof(*f) + 4 * sizeof(u64));
	kfree(f);

	/* min()/max() with a non-negative constant of the other signedness are fine. */
	assert_int_equal(min(len, 64), 64);
	assert_int_equal(max(a, -5), -3);
	assert_int_equal(min_t(int, a, 5u), -3);
	assert_int_equal(clamp(len, 10, 50), 50);
	assert_int_equal(min3(4, 2, 9), 2);
	assert_int_equal(min_not_zero(0, 7), 7);
	assert_int_equal(round_up(4097, 4096), 8192);
	assert_int_equal(round_down(4097, 4096), 4096);
	assert_int_equal(roundup(10, 3), 12);
	assert_int_equal(DIV_ROUND_CLOSEST(7, 2), 4);
	assert_int_equal(DIV_ROUND_UP(7, 2), 4);
	assert_int_equal(ALIGN(0x1001, 0x1000), 0x2000);
	assert_true(IS_ALIGNED(0x3000, 0x1000));
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

/* ---- byte order ---------------------------------------------------------------------- */

struct desc {
	__le64 addr;
	__le32 len;
	__be16 tag;
};

/* include/linux/byteorder/generic.h: the device sees fixed byte order whatever the CPU's. */
static void test_byteorder(void **state)
{
	struct desc d;
	unsigned char raw[sizeof(d)];

	(void)state;
	d.addr = cpu_to_le64(0x1122334455667788ULL);
	d.len = cpu_to_le32(0x01020304);
	d.tag = cpu_to_be16(0xabcd);
	memcpy(raw, &d, sizeof(d));
	assert_int_equal(raw[0], 0x88);
	assert_int_equal(raw[7], 0x11);
	assert_int_equal(raw[8], 0x04);
	assert_int_equal(raw[12], 0xab);
	assert_int_equal(raw[13], 0xcd);
	le32_add_cpu(&d.len, 0x10);
	assert_int_equal(le32_to_cpu(d.len), 0x01020314);
	assert_true(le64_to_cpu(d.addr) == 0x1122334455667788ULL);
	assert_int_equal(be16_to_cpu(d.tag), 0xabcd);
	assert_int_equal(swab32(0x11223344), 0x44332211);
}

/* ---- printk, WARN ------------------------------------------------------------------------ */

static int levels[TU_LOG_MAX];
static char lines[TU_LOG_MAX][256];
static int nlines;

static void level_capture(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (nlines < TU_LOG_MAX) {
		levels[nlines] = level;
		snprintf(lines[nlines], sizeof(lines[0]), "%s", msg);
	}
	nlines++;
}

static int find_line(const char *needle)
{
	for (int i = 0; i < nlines && i < TU_LOG_MAX; i++)
		if (strstr(lines[i], needle))
			return i;
	return -1;
}

static void warn_site(int x)
{
	WARN_ON_ONCE(x > 1);
}

/*
 * include/linux/printk.h levels and the %p extensions of
 * Documentation/core-api/printk-formats.rst; include/asm-generic/bug.h:
 * WARN_ON() returns its condition and here also counts as a report.
 */
static void test_printk(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = dmasim_device_create(p, "name=pk0");
	dma_addr_t dma = 0x12345000;
	phys_addr_t phys = 0x80001000;
	u8 mac[6] = { 0, 0x11, 0x22, 0x33, 0x44, 0x55 };
	int i;

	(void)state;
	dmasim_set_log_handler(p, level_capture, NULL);
	nlines = 0;
	pr_err("disk %d failed\n", 3);
	pr_warn("low on %s\n", "slots");
	pr_info("ready\n");
	pr_debug("dbg %u\n", 1u);
	assert_int_equal(nlines, 4);
	assert_string_equal(lines[0], "disk 3 failed");
	assert_int_equal(levels[0], DMASIM_LOG_ERR);
	assert_int_equal(levels[1], DMASIM_LOG_WARN);
	assert_int_equal(levels[2], DMASIM_LOG_INFO);
	assert_int_equal(levels[3], DMASIM_LOG_DEBUG);

	nlines = 0;
	dev_err(dev, "ring at %pad phys %pa err %pe mac %pM hex %*ph\n", &dma, &phys,
		ERR_PTR(-ETIMEDOUT), mac, 3, mac + 1);
	dev_printk(KERN_WARNING, dev, "w %llx\n", (u64)dma);
	dev_crit(dev, "crit\n");
	assert_int_equal(nlines, 3);
	assert_string_equal(lines[0], "pk0: ring at 0x0000000012345000 phys 0x0000000080001000 err -ETIMEDOUT mac 00:11:22:33:44:55 hex 11 22 33");
	assert_string_equal(lines[1], "pk0: w 12345000");
	assert_int_equal(levels[1], DMASIM_LOG_WARN);
	assert_int_equal(levels[2], DMASIM_LOG_ERR);

	/* drivers/base/core.c: dev_err_probe() returns the error; -EPROBE_DEFER is only a debug note. */
	nlines = 0;
	assert_int_equal(dev_err_probe(dev, -ENOMEM, "no ring\n"), -ENOMEM);
	assert_int_equal(dev_err_probe(dev, -EPROBE_DEFER, "clock not ready\n"), -EPROBE_DEFER);
	assert_int_equal(nlines, 2);
	assert_string_equal(lines[0], "pk0: error -ENOMEM: no ring");
	assert_int_equal(levels[0], DMASIM_LOG_ERR);
	assert_string_equal(lines[1], "pk0: error -EPROBE_DEFER: clock not ready");
	assert_int_equal(levels[1], DMASIM_LOG_DEBUG);

	/* _once prints once per call site; _ratelimited 10 per 5 s per site. */
	nlines = 0;
	for (i = 0; i < 3; i++)
		pr_info_once("once %d\n", i);
	for (i = 0; i < 25; i++)
		dev_err_ratelimited(dev, "burst %d\n", i);
	assert_int_equal(nlines, 1 + 10);
	assert_string_equal(lines[0], "once 0");
	assert_string_equal(lines[10], "pk0: burst 9");
	assert_int_equal(dmasim_debug_errors(p), 0);

	/* WARN: a counted report naming the site, and the condition's value. */
	nlines = 0;
	assert_false(WARN_ON(1 + 1 == 3));
	assert_int_equal(dmasim_debug_errors(p), 0);
	assert_true(WARN_ON(dma != 0));
	assert_int_equal(dmasim_debug_errors(p), 1);
	assert_true(WARN(dma & 0xfff, "unaligned %pad", &dma) == 0);
	assert_true(WARN(dma > 5, "too big %d", 6));
	assert_int_equal(dmasim_debug_errors(p), 2);
	for (i = 0; i < 4; i++)
		warn_site(i);
	assert_int_equal(dmasim_debug_errors(p), 3);
	assert_true(find_line("WARNING: at ") >= 0);
	assert_true(find_line("test_printk(): WARN_ON(dma != 0)") >= 0);
	assert_true(find_line("test_printk(): too big 6") >= 0);
	assert_true(find_line("warn_site(): WARN_ON(x > 1)") >= 0);
	dmasim_device_destroy(dev);
	dmasim_platform_destroy(p);
}

/* ---- locking ------------------------------------------------------------------------------ */

struct waiter {
	struct completion done;
	atomic_t hits;
	spinlock_t lock;
	int protected_count;
};

static void *completer(void *arg)
{
	struct waiter *w = arg;
	unsigned long flags;

	for (int i = 0; i < 1000; i++) {
		spin_lock_irqsave(&w->lock, flags);
		w->protected_count++;
		spin_unlock_irqrestore(&w->lock, flags);
		atomic_inc(&w->hits);
	}
	complete(&w->done);
	return NULL;
}

/* A correct driver pattern: a spinlock around shared state, a completion from another thread. */
static void test_locking(void **state)
{
	/* Threaded execution: wait_for_completion() blocks until another thread completes. */
	struct dmasim_platform *p = plat("exec=threaded");
	static DEFINE_SPINLOCK(static_lock);
	static DEFINE_MUTEX(static_mutex);
	struct waiter w;
	pthread_t t[2];
	unsigned long flags;
	atomic64_t big = ATOMIC64_INIT(1);

	(void)state;
	init_completion(&w.done);
	spin_lock_init(&w.lock);
	atomic_set(&w.hits, 0);
	w.protected_count = 0;
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, completer, &w), 0);
	wait_for_completion(&w.done);
	wait_for_completion(&w.done);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_read(&w.hits), 2000);
	assert_int_equal(w.protected_count, 2000);
	assert_false(try_wait_for_completion(&w.done));
	complete_all(&w.done);
	assert_true(completion_done(&w.done));
	wait_for_completion(&w.done);
	assert_true(try_wait_for_completion(&w.done));
	reinit_completion(&w.done);
	assert_false(completion_done(&w.done));

	assert_false(irqs_disabled());
	spin_lock_irqsave(&static_lock, flags);
	assert_true(irqs_disabled());
	assert_true(in_atomic());
	spin_unlock_irqrestore(&static_lock, flags);
	assert_false(irqs_disabled());
	mutex_lock(&static_mutex);
	assert_true(mutex_is_locked(&static_mutex));
	assert_int_equal(mutex_trylock(&static_mutex), 0);
	mutex_unlock(&static_mutex);
	assert_int_equal(mutex_trylock(&static_mutex), 1);
	mutex_unlock(&static_mutex);

	assert_int_equal(atomic64_add_return(1LL << 40, &big), (1LL << 40) + 1);
	assert_true(atomic_dec_and_test(&(atomic_t)ATOMIC_INIT(1)));
	assert_false(atomic_inc_not_zero(&(atomic_t)ATOMIC_INIT(0)));
	assert_int_equal(atomic_cmpxchg(&w.hits, 2000, 7), 2000);
	assert_int_equal(atomic_read(&w.hits), 7);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

/*
 * Sleeping in atomic context (kernel/sched/core.c __might_sleep(): "BUG:
 * sleeping function called from invalid context") and unlocking a lock that
 * is not held (kernel/locking/spinlock_debug.c, mutex.c) are reported.
 */
static void test_locking_misuse(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	DEFINE_SPINLOCK(lock);
	DEFINE_SPINLOCK(lock2);
	struct mutex m, m2;
	unsigned long flags;

	(void)state;
	mutex_init(&m);
	spin_lock_irqsave(&lock, flags);
	mutex_lock(&m);
	mutex_unlock(&m);
	spin_unlock_irqrestore(&lock, flags);
	assert_int_equal(dmasim_debug_errors(p), 1);
	assert_log_has("BUG: sleeping function called from invalid context");
	assert_log_has("mutex_lock");

	dmasim_irq_enter();
	might_sleep();
	dmasim_irq_exit();
	assert_int_equal(dmasim_debug_errors(p), 2);

	spin_unlock(&lock);
	assert_int_equal(dmasim_debug_errors(p), 3);
	assert_log_has("BUG: spinlock already unlocked or wrong owner");
	mutex_unlock(&m);
	assert_int_equal(dmasim_debug_errors(p), 4);
	assert_log_has("mutex_unlock of mutex");

	/*
	 * The nearest correct sequences: no report.  (Other locks than above,
	 * whose order was the misuse: ThreadSanitizer would see an inversion.)
	 */
	mutex_init(&m2);
	mutex_lock(&m2);
	spin_lock(&lock2);
	spin_unlock(&lock2);
	mutex_unlock(&m2);
	might_sleep();
	assert_int_equal(dmasim_debug_errors(p), 4);
	mutex_destroy(&m2);
	mutex_destroy(&m);
	dmasim_platform_destroy(p);
}

/* ---- slab.h -------------------------------------------------------------------------------- */

/* mm/slab_common.c krealloc(), mm/util.c kmemdup()/kstrdup()/kvmalloc(). */
static void test_slab(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	char *s, *q;
	void *v;

	(void)state;
	s = kstrdup("hello", GFP_KERNEL);
	assert_string_equal(s, "hello");
	q = krealloc(s, 3, GFP_KERNEL);
	assert_ptr_equal(q, s); /* still fits: the same block */
	q = krealloc(s, 4000, GFP_KERNEL | __GFP_ZERO);
	assert_non_null(q);
	assert_string_equal(q, "hello");
	assert_int_equal(q[3999], 0);
	kfree(q);
	s = kmemdup("abcdef", 3, GFP_KERNEL);
	assert_memory_equal(s, "abc", 3);
	kfree(s);
	s = kstrndup("abcdef", 2, GFP_KERNEL);
	assert_string_equal(s, "ab");
	kfree_sensitive(s);
	assert_null(kstrdup(NULL, GFP_KERNEL));
	assert_null(krealloc(NULL, 0, GFP_KERNEL));
	v = kvzalloc(3 << 20, GFP_KERNEL);
	assert_non_null(v);
	assert_int_equal(((char *)v)[(3 << 20) - 1], 0);
	kvfree(v);
	v = kvmalloc_array(SIZE_MAX / 2, 4, GFP_KERNEL);
	assert_null(v);
	assert_int_equal(strscpy((char[4]){ 0 }, "toolong", 4), -E2BIG);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

/* drivers/base/devres.c: managed memory is freed with the device, devm_kfree() frees it early. */
static void test_devm(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = dmasim_device_create(p, "name=devm0");
	char *a, *b, *c, *plain;

	(void)state;
	a = devm_kzalloc(dev, 100, GFP_KERNEL);
	b = devm_kcalloc(dev, 10, 8, GFP_KERNEL);
	c = devm_kstrdup(dev, "name", GFP_KERNEL);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(c, "name");
	assert_int_equal(a[99], 0);
	assert_null(devm_kmalloc_array(dev, SIZE_MAX, 2, GFP_KERNEL));
	devm_kfree(dev, b);
	assert_int_equal(dmasim_debug_errors(p), 0);
	/* Memory the device does not manage. */
	plain = kmalloc(16, GFP_KERNEL);
	devm_kfree(dev, plain);
	assert_int_equal(dmasim_debug_errors(p), 1);
	assert_log_has("devm_kfree");
	assert_log_has("is not memory this device manages");
	devm_kfree(dev, b); /* already freed: no longer managed */
	assert_int_equal(dmasim_debug_errors(p), 2);
	kfree(plain);
	/* a and c go with the device: no leak report, and kfree of them afterwards is foreign. */
	dmasim_device_destroy(dev);
	assert_int_equal(dmasim_debug_errors(p), 2);
	kfree(a);
	assert_int_equal(dmasim_debug_errors(p), 3);
	dmasim_platform_destroy(p);
}

/* ---- scatterlist additions ---------------------------------------------------------------- */

/* lib/scatterlist.c sgl_alloc_order(), sg_miter_*(); lib/sg_split.c. */
static void test_sg_extras(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = dmasim_device_create(p, "name=sgx");
	struct scatterlist *sgl, *out[2];
	struct sg_mapping_iter miter;
	unsigned int nent = 0, total = 0, pieces = 0;
	unsigned char buf[3 * 4096 + 100];
	size_t sizes[2] = { 5000, 4000 };
	int out_n[2];
	int mapped;

	(void)state;
	assert_int_equal(SCATTERLIST_MAX_SEGMENT, 0xfffff000u);
	sgl = sgl_alloc(sizeof(buf), GFP_KERNEL, &nent);
	assert_non_null(sgl);
	assert_int_equal(nent, 4);
	assert_int_equal(sg_nents(sgl), 4);
	assert_int_equal(sg_last(sgl, nent)->length, 100);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 13);
	assert_int_equal(sg_copy_from_buffer(sgl, nent, buf, sizeof(buf)), sizeof(buf));

	sg_miter_start(&miter, sgl, nent, SG_MITER_FROM_SG);
	assert_true(sg_miter_skip(&miter, 10));
	while (sg_miter_next(&miter)) {
		assert_memory_equal(miter.addr, buf + 10 + total, miter.length);
		total += (unsigned int)miter.length;
		pieces++;
	}
	sg_miter_stop(&miter);
	assert_int_equal(total, sizeof(buf) - 10);
	assert_int_equal(pieces, 4);

	mapped = dma_map_sg(dev, sgl, (int)nent, DMA_TO_DEVICE);
	assert_true(mapped > 0);
	assert_int_equal(sg_split(sgl, mapped, 100, 2, sizes, out, out_n, GFP_KERNEL), 0);
	assert_int_equal(sg_nents(out[0]), 2);
	assert_int_equal(out[0][0].offset, 100);
	assert_int_equal(out[0][0].length, 4096 - 100);
	assert_int_equal(out[0][1].length, 5000 - (4096 - 100));
	assert_int_equal(sg_nents(out[1]), 2);
	assert_true(out_n[0] >= 1 && out_n[0] <= 2);
	assert_true(sg_dma_address(&out[0][0]) == sg_dma_address(sgl) + 100);
	{
		unsigned char got[9000];
		size_t n0 = sg_copy_to_buffer(out[0], 2, got, sizeof(got));

		assert_int_equal(n0, 5000);
		assert_int_equal(sg_copy_to_buffer(out[1], 2, got + n0, sizeof(got) - n0), 4000);
		assert_memory_equal(got, buf + 100, 9000);
	}
	assert_int_equal(sg_split(sgl, 0, 10000, 2, sizes, out + 0, NULL, GFP_KERNEL) == -EINVAL ? 0 : 1, 0);
	kfree(out[0]);
	kfree(out[1]);
	dma_unmap_sg(dev, sgl, (int)nent, DMA_TO_DEVICE);
	sgl_free(sgl);
	assert_int_equal(dmasim_debug_errors(p), 1); /* the too-short split */
	dmasim_device_destroy(dev);
	dmasim_platform_destroy(p);
}

/* lib/scatterlist.c sg_alloc_append_table_from_pages(): appended pages merge when contiguous. */
static void test_sg_append(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = dmasim_device_create(p, "name=sgapp");
	struct sg_append_table app = { 0 };
	struct page *blk = alloc_pages(GFP_KERNEL, 2), *other = alloc_page(GFP_KERNEL);
	struct page *pages[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		pages[i] = nth_page(blk, (unsigned long)i);
	assert_int_equal(sg_alloc_append_table_from_pages(&app, pages, 2, 0, 2 * PAGE_SIZE,
							  SCATTERLIST_MAX_SEGMENT, 2, GFP_KERNEL), 0);
	assert_int_equal(app.sgt.orig_nents, 1);
	/* The next two pages continue the first run: still one entry. */
	assert_int_equal(sg_alloc_append_table_from_pages(&app, pages + 2, 2, 0, 2 * PAGE_SIZE,
							  SCATTERLIST_MAX_SEGMENT, 1, GFP_KERNEL), 0);
	assert_int_equal(app.sgt.orig_nents, 1);
	assert_int_equal(app.sgt.sgl->length, 4 * PAGE_SIZE);
	/* A page elsewhere: a new entry, unless it happens to follow. */
	assert_int_equal(sg_alloc_append_table_from_pages(&app, &other, 1, 0, 100,
							  SCATTERLIST_MAX_SEGMENT, 0, GFP_KERNEL), 0);
	if (page_to_pfn(other) == page_to_pfn(blk) + 4)
		assert_int_equal(app.sgt.orig_nents, 1);
	else
		assert_int_equal(app.sgt.orig_nents, 2);
	assert_ptr_equal(app.prv, sg_last(app.sgt.sgl, app.sgt.orig_nents));
	assert_int_equal(dma_map_sgtable(dev, &app.sgt, DMA_TO_DEVICE, 0), 0);
	dma_unmap_sgtable(dev, &app.sgt, DMA_TO_DEVICE, 0);
	/* Appending with an offset to a table that has entries is refused. */
	assert_int_equal(sg_alloc_append_table_from_pages(&app, &other, 1, 8, 100,
							  SCATTERLIST_MAX_SEGMENT, 0, GFP_KERNEL), -EINVAL);
	assert_int_equal(dmasim_debug_errors(p), 1);
	sg_free_append_table(&app);
	__free_pages(blk, 2);
	__free_page(other);
	dmasim_device_destroy(dev);
	dmasim_platform_destroy(p);
}

/* mm/dmapool.c dma_pool_create_node(): the node changes nothing on one node. */
static void test_pool_node(void **state)
{
	struct dmasim_platform *p = plat(NULL);
	struct device *dev = dmasim_device_create(p, "name=poolnode");
	struct dma_pool *pool = dma_pool_create_node("n", dev, 64, 64, 0, dev_to_node(dev));
	dma_addr_t h;
	void *v;

	(void)state;
	assert_non_null(pool);
	v = dma_pool_alloc(pool, GFP_KERNEL, &h);
	assert_non_null(v);
	assert_int_equal(h & 63, 0);
	dma_pool_free(pool, v, h);
	dma_pool_destroy(pool);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_device_destroy(dev);
	dmasim_platform_destroy(p);
}

/* ---- IOMMU: iommu_map_sg, iommu_unmap_fast + iommu_iotlb_sync (drivers/iommu/iommu.c) ---- */

static void test_iommu_gather(void **state)
{
	struct dmasim_platform *p = plat("iommu=on mode=strict");
	struct device *dev = dmasim_device_create(p, "name=unm domain=unmanaged");
	struct iommu_domain *dom = iommu_domain_alloc(dev);
	struct page *pg = alloc_pages(GFP_KERNEL, 1), *pg2 = alloc_page(GFP_KERNEL);
	struct iommu_iotlb_gather gather;
	struct scatterlist sg[2];
	unsigned char got[8];
	const unsigned long iova = 0x100000;

	(void)state;
	assert_non_null(dom);
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], pg, 2 * PAGE_SIZE, 0);
	sg_set_page(&sg[1], pg2, PAGE_SIZE, 0);
	memset(page_address(pg), 0x5a, 2 * PAGE_SIZE);
	memset(page_address(pg2), 0xa5, PAGE_SIZE);
	assert_int_equal(iommu_map_sg(dom, iova, sg, 2, IOMMU_READ | IOMMU_WRITE, GFP_KERNEL),
			 3 * PAGE_SIZE);
	assert_true(iommu_iova_to_phys(dom, iova + 2 * PAGE_SIZE + 4) == page_to_phys(pg2) + 4);
	assert_int_equal(dmasim_dev_read(dev, iova + 2 * PAGE_SIZE, got, 8), 0);
	assert_int_equal(got[0], 0xa5);

	/* Unmapped but not yet synced: the device still reaches the page through its IOTLB entry. */
	iommu_iotlb_gather_init(&gather);
	assert_int_equal(iommu_unmap_fast(dom, iova + 2 * PAGE_SIZE, PAGE_SIZE, &gather), PAGE_SIZE);
	assert_true(gather.start <= gather.end);
	assert_int_equal(iommu_iova_to_phys(dom, iova + 2 * PAGE_SIZE), 0);
	assert_int_equal(dmasim_dev_read(dev, iova + 2 * PAGE_SIZE, got, 8), 0);
	iommu_iotlb_sync(dom, &gather);
	assert_true(gather.start > gather.end);
	assert_int_not_equal(dmasim_dev_read(dev, iova + 2 * PAGE_SIZE, got, 8), 0);
	assert_int_equal(iommu_unmap(dom, iova, 2 * PAGE_SIZE), 2 * PAGE_SIZE);

	/* A misaligned entry: nothing stays mapped. */
	sg_set_page(&sg[1], pg2, 100, 8);
	assert_true(iommu_map_sg(dom, iova, sg, 2, IOMMU_READ, GFP_KERNEL) < 0);
	assert_int_equal(iommu_iova_to_phys(dom, iova), 0);
	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);
	__free_pages(pg, 1);
	__free_page(pg2);
	dmasim_device_destroy(dev);
	dmasim_platform_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_ptr),
		cmocka_unit_test(test_bits),
		cmocka_unit_test(test_bitmap),
		cmocka_unit_test(test_kref),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_byteorder),
		cmocka_unit_test(test_printk),
		cmocka_unit_test(test_locking),
		cmocka_unit_test(test_locking_misuse),
		cmocka_unit_test(test_slab),
		cmocka_unit_test(test_devm),
		cmocka_unit_test(test_sg_extras),
		cmocka_unit_test(test_sg_append),
		cmocka_unit_test(test_pool_node),
		cmocka_unit_test(test_iommu_gather),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
