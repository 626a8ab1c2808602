/*
 * tests/test-irq.c - simulated interrupts (lib/dev/irq.c): edge and level
 * lines, request_irq() and its failures, shared and threaded handlers,
 * disable_irq()/enable_irq() with the interrupt that came while masked,
 * synchronize_irq(), "nobody cared", the checks of interrupt context
 * (sleeping in a handler, with interrupts masked) and delivery on the
 * interrupt thread in threaded mode.  Kernel contracts: kernel/irq/manage.c
 * (request_threaded_irq() -EINVAL/-EBUSY, free_irq() "Trying to free
 * already-free IRQ", enable_irq() "Unbalanced enable"),
 * kernel/irq/spurious.c ("nobody cared"), kernel/sched/core.c
 * (__might_sleep()).
 */
#include "testutil.h"

#include <pthread.h>
#include <string.h>

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#define IRQ 5

/* A device with an interrupt status register: writing 1s acknowledges. */
struct dev {
	struct dmasim_model *m;
	struct dmasim_window *w;
	int type;
	void __iomem *regs;
};

static void isr_write(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct dev *d = dmasim_window_priv(w);

	if (!val && d->type == DMASIM_IRQ_LEVEL)
		dmasim_irq_lower(d->m, IRQ);
}

static void set_status(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct dev *d = dmasim_window_priv(w);

	/* A write to FIRE sets status bits and raises the line: a test hook. */
	dmasim_reg_set(w, 0x0, dmasim_reg_get(w, 0x0) | val);
	dmasim_irq_raise(d->m, IRQ);
}

static const struct dmasim_reg regs[] = {
	{ .offset = 0x0, .name = "ISR", .flags = DMASIM_REG_W1C, .write = isr_write },
	{ .offset = 0x4, .name = "FIRE", .write = set_status },
};

static void dev_init(struct dev *d, struct dmasim_platform *p, int type)
{
	memset(d, 0, sizeof(*d));
	d->type = type;
	d->m = dmasim_model_create(p, "irqdev", NULL, d);
	d->w = dmasim_window_add(d->m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "regs", .size = 8, .regs = regs,
			.nr_regs = 2 });
	assert_int_equal(dmasim_irq_connect(d->m, IRQ, type), 0);
	d->regs = ioremap(dmasim_window_base(d->w), 8);
	assert_non_null(d->regs);
}

static void dev_fini(struct dev *d)
{
	iounmap(d->regs);
	dmasim_model_destroy(d->m);
}

/* The handler: counts, records its context, acknowledges what it saw. */
static int calls, ctx_ok;
static bool ack = true;
static pthread_t handler_thread;

static irqreturn_t handler(int irq, void *dev_id)
{
	struct dev *d = dev_id;
	u32 isr = readl(d->regs);

	calls++;
	handler_thread = pthread_self();
	if (irq == IRQ && dmasim_in_irq() && irqs_disabled())
		ctx_ok++;
	if (!isr)
		return IRQ_NONE;
	if (ack)
		writel(isr, d->regs);
	return IRQ_HANDLED;
}

static void reset(void)
{
	calls = 0;
	ctx_ok = 0;
	ack = true;
}

static void test_edge(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dev d;

	(void)state;
	reset();
	dev_init(&d, p, DMASIM_IRQ_EDGE);
	assert_int_equal(request_irq(IRQ, handler, 0, "edgedev", &d), 0);
	writel(1, d.regs + 4);
	assert_int_equal(calls, 0); /* deterministic: nothing runs by itself */
	assert_int_equal(dmasim_run_idle(p), 1);
	assert_int_equal(calls, 1);
	assert_int_equal(ctx_ok, 1);
	assert_false(dmasim_in_irq()); /* back in process context */
	/* Two edges before the handler runs merge into one interrupt. */
	writel(1, d.regs + 4);
	writel(2, d.regs + 4);
	dmasim_run_idle(p);
	assert_int_equal(calls, 2);
	assert_int_equal(dmasim_irq_count(p, IRQ), 2);
	assert_string_equal(free_irq(IRQ, &d), "edgedev");
	assert_int_equal(dmasim_debug_errors(p), 0);
	dev_fini(&d);
	dmasim_platform_destroy(p);
}

static void test_level(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dev d;

	(void)state;
	reset();
	dev_init(&d, p, DMASIM_IRQ_LEVEL);
	assert_int_equal(request_irq(IRQ, handler, IRQF_SHARED, "leveldev", &d), 0);
	/* A handler that does not acknowledge is called again while the line stays asserted. */
	ack = false;
	writel(1, d.regs + 4);
	assert_int_equal(dmasim_step(p), 1);
	assert_int_equal(dmasim_step(p), 1);
	assert_int_equal(calls, 2);
	ack = true;
	dmasim_run_idle(p);
	assert_int_equal(calls, 3);
	assert_int_equal(dmasim_step(p), 0); /* acknowledged: the line is low */
	free_irq(IRQ, &d);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dev_fini(&d);
	dmasim_platform_destroy(p);
}

static int other_calls;

static irqreturn_t not_mine(int irq, void *dev_id)
{
	other_calls++;
	return IRQ_NONE;
}

static void test_request_rules_and_shared(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dev d;
	int other;

	(void)state;
	reset();
	other_calls = 0;
	dev_init(&d, p, DMASIM_IRQ_LEVEL);
	assert_int_equal(request_irq(DMASIM_NR_IRQS, handler, 0, "x", &d), -EINVAL);
	assert_int_equal(request_irq(IRQ, NULL, 0, "x", &d), -EINVAL);
	assert_int_equal(request_irq(IRQ, handler, IRQF_SHARED, "x", NULL), -EINVAL);
	assert_int_equal(request_threaded_irq(IRQ, NULL, handler, 0, "x", &d), -EINVAL);
	assert_log_has("threaded irq requested with handler=NULL and !ONESHOT");
	assert_int_equal(request_irq(IRQ, handler, IRQF_SHARED, "mine", &d), 0);
	assert_int_equal(request_irq(IRQ, not_mine, 0, "unshared", &other), -EBUSY);
	assert_log_has("flags mismatch irq 5");
	assert_int_equal(request_irq(IRQ, not_mine, IRQF_SHARED, "other", &other), 0);
	writel(1, d.regs + 4);
	dmasim_run_idle(p);
	assert_int_equal(calls, 1);
	assert_int_equal(other_calls, 1); /* every handler of a shared line runs */
	assert_int_equal(dmasim_debug_errors(p), 0);

	/* free_irq() of a dev_id that has no handler: the kernel's warning. */
	assert_null(free_irq(IRQ, &calls));
	assert_log_has("free_irq: trying to free already-free IRQ 5");
	assert_int_equal(dmasim_debug_errors(p), 1);
	free_irq(IRQ, &other);
	free_irq(IRQ, &d);
	dev_fini(&d);
	dmasim_platform_destroy(p);
}

static void test_disable_enable(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dev d;

	(void)state;
	reset();
	dev_init(&d, p, DMASIM_IRQ_EDGE);
	assert_int_equal(request_irq(IRQ, handler, 0, "dev", &d), 0);
	disable_irq(IRQ);
	writel(1, d.regs + 4);
	dmasim_run_idle(p);
	assert_int_equal(calls, 0);
	disable_irq_nosync(IRQ);
	enable_irq(IRQ);
	dmasim_run_idle(p);
	assert_int_equal(calls, 0); /* still depth 1 */
	enable_irq(IRQ);
	dmasim_run_idle(p);
	assert_int_equal(calls, 1); /* the edge latched while masked comes now */
	synchronize_irq(IRQ);
	assert_int_equal(dmasim_debug_errors(p), 0);
	enable_irq(IRQ);
	assert_log_has("enable_irq: Unbalanced enable for IRQ 5");
	assert_int_equal(dmasim_debug_errors(p), 1);
	free_irq(IRQ, &d);

	/* IRQF_NO_AUTOEN: requested disabled. */
	assert_int_equal(request_irq(IRQ, handler, IRQF_NO_AUTOEN, "dev", &d), 0);
	writel(1, d.regs + 4);
	dmasim_run_idle(p);
	assert_int_equal(calls, 1);
	enable_irq(IRQ);
	dmasim_run_idle(p);
	assert_int_equal(calls, 2);
	free_irq(IRQ, &d);
	dev_fini(&d);
	dmasim_platform_destroy(p);
}

/* What a handler may not do: each reported once, naming the call and the line. */
static int bad_what;

static irqreturn_t bad_handler(int irq, void *dev_id)
{
	struct dev *d = dev_id;
	DECLARE_COMPLETION(never);

	writel(readl(d->regs), d->regs);
	if (bad_what == 0)
		msleep(1);
	else if (bad_what == 1)
		wait_for_completion_timeout(&never, 1);
	else if (bad_what == 2)
		synchronize_irq(irq);
	else if (bad_what == 3)
		kfree(kmalloc(32, GFP_KERNEL));
	else {
		udelay(5); /* busy-waiting is allowed */
		kfree(kmalloc(32, GFP_ATOMIC));
	}
	return IRQ_HANDLED;
}

static void test_irq_context_checks(void **state)
{
	static const char *const msgs[] = {
		"BUG: sleeping function called from invalid context: msleep in the handler of irq 5",
		"BUG: sleeping function called from invalid context: wait_for_completion_timeout in the handler of irq 5",
		"synchronize_irq: irq 5: called from the line's own handler",
		"BUG: sleeping function called from invalid context: kmalloc(GFP_KERNEL) in the handler of irq 5",
	};
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dev d;

	(void)state;
	dev_init(&d, p, DMASIM_IRQ_EDGE);
	assert_int_equal(request_irq(IRQ, bad_handler, 0, "bad", &d), 0);
	for (bad_what = 0; bad_what < 5; bad_what++) {
		unsigned long before = dmasim_debug_errors(p);

		tu_log_clear();
		writel(1, d.regs + 4);
		dmasim_run_idle(p);
		if (bad_what < 4) {
			assert_log_has(msgs[bad_what]);
			assert_int_equal(dmasim_debug_errors(p), before + 1);
		} else {
			assert_int_equal(dmasim_debug_errors(p), before); /* the nearest correct handler */
		}
	}
	free_irq(IRQ, &d);
	dev_fini(&d);
	dmasim_platform_destroy(p);
}

/* spin_lock_irqsave()'s mask: no interrupt on this CPU, no sleeping, until restored. */
static void test_local_irq_mask(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned long flags;
	struct dev d;

	(void)state;
	reset();
	dev_init(&d, p, DMASIM_IRQ_EDGE);
	assert_int_equal(request_irq(IRQ, handler, 0, "dev", &d), 0);
	local_irq_save(flags);
	assert_true(irqs_disabled());
	writel(1, d.regs + 4);
	udelay(10); /* a delay with interrupts masked: time passes, nothing is delivered */
	assert_int_equal(calls, 0);
	assert_int_equal(dmasim_debug_errors(p), 0);
	msleep(1);
	assert_log_has("msleep with interrupts disabled");
	assert_int_equal(dmasim_debug_errors(p), 1);
	local_irq_restore(flags);
	assert_false(irqs_disabled());
	udelay(1);
	assert_int_equal(calls, 1);
	free_irq(IRQ, &d);
	dev_fini(&d);
	dmasim_platform_destroy(p);
}

/* Threaded handlers: the primary one wakes the thread, which runs in process context. */
static int thread_calls, thread_in_irq;

static irqreturn_t quick(int irq, void *dev_id)
{
	struct dev *d = dev_id;

	writel(readl(d->regs), d->regs);
	return IRQ_WAKE_THREAD;
}

static irqreturn_t slow(int irq, void *dev_id)
{
	thread_calls++;
	thread_in_irq += dmasim_in_irq();
	msleep(1); /* allowed here */
	return IRQ_HANDLED;
}

static void test_threaded_irq(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dev d;

	(void)state;
	thread_calls = thread_in_irq = 0;
	dev_init(&d, p, DMASIM_IRQ_LEVEL);
	assert_int_equal(request_threaded_irq(IRQ, quick, slow, IRQF_ONESHOT, "thr", &d), 0);
	writel(1, d.regs + 4);
	dmasim_run_idle(p);
	assert_int_equal(thread_calls, 1);
	assert_int_equal(thread_in_irq, 0);
	free_irq(IRQ, &d);
	/* handler NULL with IRQF_ONESHOT: the default primary handler wakes the thread. */
	assert_int_equal(request_threaded_irq(IRQ, NULL, slow, IRQF_ONESHOT, "thr", &d), 0);
	dmasim_model_lock(d.m);
	dmasim_irq_raise(d.m, IRQ);
	dmasim_model_unlock(d.m);
	assert_int_equal(dmasim_step(p), 1);
	assert_int_equal(thread_calls, 2);
	dmasim_model_lock(d.m);
	dmasim_irq_lower(d.m, IRQ);
	dmasim_model_unlock(d.m);
	assert_int_equal(dmasim_debug_errors(p), 0);
	free_irq(IRQ, &d);
	dev_fini(&d);
	dmasim_platform_destroy(p);
}

static void test_nobody_cared(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dev d;
	int other;

	(void)state;
	other_calls = 0;
	dev_init(&d, p, DMASIM_IRQ_LEVEL);
	assert_int_equal(request_irq(IRQ, not_mine, 0, "deaf", &other), 0);
	writel(1, d.regs + 4);
	assert_true(dmasim_run_idle(p) > 0);
	assert_int_equal(other_calls, 1000);
	assert_log_has("irq 5: nobody cared");
	assert_log_has("disabling IRQ #5");
	assert_int_equal(dmasim_debug_errors(p), 1);
	free_irq(IRQ, &other);
	dev_fini(&d);
	dmasim_platform_destroy(p);
}

static void test_bad_lines(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dmasim_model *a = dmasim_model_create(p, "a", NULL, NULL);
	struct dmasim_model *b = dmasim_model_create(p, "b", NULL, NULL);

	(void)state;
	assert_int_equal(dmasim_irq_connect(a, DMASIM_NR_IRQS, DMASIM_IRQ_EDGE), -EINVAL);
	assert_int_equal(dmasim_irq_connect(a, 3, 7), -EINVAL);
	assert_int_equal(dmasim_irq_connect(a, 3, DMASIM_IRQ_EDGE), 0);
	assert_int_equal(dmasim_irq_connect(b, 3, DMASIM_IRQ_EDGE), -EBUSY);
	assert_int_equal(dmasim_irq_connect(a, 4, DMASIM_IRQ_LEVEL), 0);
	assert_int_equal(dmasim_irq_connect(b, 4, DMASIM_IRQ_LEVEL), 0); /* level lines share */
	assert_int_equal(dmasim_irq_connect(b, 3 + 0, DMASIM_IRQ_LEVEL), -EBUSY);
	dmasim_irq_raise(b, 9);
	assert_log_has("dmasim_irq_raise: b: irq 9 is not a line it connected");
	disable_irq(300);
	assert_log_has("disable_irq: irq 300 out of range");
	dmasim_platform_destroy(p);
}

/* Threaded mode: handlers run on the interrupt thread, concurrently with the driver. */
static void test_threaded_mode(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=threaded");
	struct dev d;

	(void)state;
	reset();
	assert_true(dmasim_exec_threaded(p));
	dev_init(&d, p, DMASIM_IRQ_LEVEL);
	assert_int_equal(request_irq(IRQ, handler, 0, "thr", &d), 0);
	writel(1, d.regs + 4);
	assert_int_equal(dmasim_run_idle(p), 0);
	assert_int_equal(dmasim_irq_count(p, IRQ), 1);
	synchronize_irq(IRQ); /* the handler's writes are visible after this */
	assert_int_equal(calls, 1);
	assert_int_equal(ctx_ok, 1);
	assert_false(pthread_equal(handler_thread, pthread_self()));
	assert_int_equal(dmasim_step(p), -EINVAL);
	free_irq(IRQ, &d);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dev_fini(&d);
	dmasim_platform_destroy(p);
}

static void test_leftover_handler_reported(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	int x;

	(void)state;
	assert_int_equal(request_irq(7, not_mine, 0, "forgotten", &x), 0);
	dmasim_platform_destroy(p);
	assert_log_has("irq 7: handler forgotten still requested when the platform is destroyed (missing free_irq())");
}

/*
 * lockdep's interrupt-safety check (kernel/locking/lockdep.c, "inconsistent
 * lock state", {IN-HARDIRQ-W} -> {HARDIRQ-ON-W}): a lock the handler takes,
 * taken elsewhere with plain spin_lock(), is reported once; with
 * spin_lock_irqsave() it is not.
 */
static spinlock_t ring_lock;
static int ring_count;

static irqreturn_t locking_handler(int irq, void *dev_id)
{
	struct dev *d = dev_id;

	writel(readl(d->regs), d->regs);
	spin_lock(&ring_lock); /* handlers run with interrupts masked: plain spin_lock() is right */
	ring_count++;
	spin_unlock(&ring_lock);
	return IRQ_HANDLED;
}

static void test_lock_irq_safety(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned long flags;
	struct dev d;

	(void)state;
	dev_init(&d, p, DMASIM_IRQ_EDGE);
	assert_int_equal(request_irq(IRQ, locking_handler, 0, "locker", &d), 0);
	for (int bug = 0; bug < 2; bug++) {
		unsigned long before = dmasim_debug_errors(p);

		spin_lock_init(&ring_lock); /* a fresh lock: its usage starts afresh */
		tu_log_clear();
		writel(1, d.regs + 4);
		dmasim_run_idle(p); /* the handler takes the lock */
		if (bug) {
			spin_lock(&ring_lock); /* the bug: the interrupt may come now */
			ring_count++;
			spin_unlock(&ring_lock);
			assert_log_has("WARNING: inconsistent lock state: {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage");
			assert_log_has("is taken in the handler of irq 5 and in process context with interrupts enabled");
			assert_int_equal(dmasim_debug_errors(p), before + 1);
			spin_lock(&ring_lock); /* reported once per lock */
			spin_unlock(&ring_lock);
			assert_int_equal(dmasim_debug_errors(p), before + 1);
		} else {
			spin_lock_irqsave(&ring_lock, flags);
			ring_count++;
			spin_unlock_irqrestore(&ring_lock, flags);
			writel(1, d.regs + 4);
			dmasim_run_idle(p);
			assert_int_equal(dmasim_debug_errors(p), before);
		}
	}
	assert_int_equal(ring_count, 5);
	free_irq(IRQ, &d);
	dev_fini(&d);
	dmasim_platform_destroy(p);
}

/*
 * Threaded mode under load: two devices on one shared level line, each
 * driven by its own driver thread that fires an interrupt and waits for
 * its handler's complete(), while the interrupt thread serves both.
 */
#define SHARED_IRQ 7
#define ROUNDS 200

struct sdev {
	struct dmasim_model *m;
	struct dmasim_window *w;
	void __iomem *regs;
	struct completion done;
	unsigned long handled;
	int failures;
};

static void s_isr_write(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	if (!val)
		dmasim_irq_lower(((struct sdev *)dmasim_window_priv(w))->m, SHARED_IRQ);
}

static void s_fire_later(struct dmasim_model *m, void *arg)
{
	struct sdev *d = dmasim_model_priv(m);

	dmasim_reg_set(d->w, 0, 1);
	dmasim_irq_raise(m, SHARED_IRQ);
}

static void s_fire(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct sdev *d = dmasim_window_priv(w);

	dmasim_model_schedule(d->m, val * 1000, s_fire_later, NULL, "fire");
}

static const struct dmasim_reg sregs[] = {
	{ .offset = 0x0, .name = "ISR", .flags = DMASIM_REG_W1C, .write = s_isr_write },
	{ .offset = 0x4, .name = "FIRE", .write = s_fire },
};

static irqreturn_t s_handler(int irq, void *dev_id)
{
	struct sdev *d = dev_id;
	u32 isr = readl(d->regs);

	if (!isr)
		return IRQ_NONE;
	writel(isr, d->regs);
	d->handled++;
	complete(&d->done);
	return IRQ_HANDLED;
}

static void *s_driver(void *arg)
{
	struct sdev *d = arg;

	for (int i = 0; i < ROUNDS; i++) {
		writel((u32)(i % 7), d->regs + 4); /* the device interrupts 0-6 µs later */
		if (!wait_for_completion_timeout(&d->done, 10 * HZ))
			d->failures++;
	}
	return NULL;
}

static void test_threaded_shared_line(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=threaded");
	struct sdev devs[2];
	pthread_t t[2];

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct sdev *d = &devs[i];

		memset(d, 0, sizeof(*d));
		init_completion(&d->done);
		d->m = dmasim_model_create(p, i ? "s1" : "s0", NULL, d);
		d->w = dmasim_window_add(d->m, &(struct dmasim_window_desc){
				.kind = DMASIM_WINDOW_MMIO, .name = "regs", .size = 8, .regs = sregs,
				.nr_regs = 2 });
		assert_int_equal(dmasim_irq_connect(d->m, SHARED_IRQ, DMASIM_IRQ_LEVEL), 0);
		d->regs = ioremap(dmasim_window_base(d->w), 8);
		assert_int_equal(request_irq(SHARED_IRQ, s_handler, IRQF_SHARED, i ? "s1" : "s0", d), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, s_driver, &devs[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 2; i++) {
		free_irq(SHARED_IRQ, &devs[i]); /* waits for a running handler: its counts are final */
		assert_int_equal(devs[i].failures, 0);
		assert_int_equal(devs[i].handled, ROUNDS);
		iounmap(devs[i].regs);
		dmasim_model_destroy(devs[i].m);
	}
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

/* devm_ variants: released with the device, also when the platform goes first. */
static void test_devm(void **state)
{
	for (int round = 0; round < 2; round++) {
		struct dmasim_platform *p = tu_platform("exec=deterministic");
		struct device *dev = dmasim_device_create(p, "name=managed");
		struct dev d;
		void __iomem *mregs;

		(void)state;
		reset();
		dev_init(&d, p, DMASIM_IRQ_EDGE);
		mregs = devm_ioremap(dev, dmasim_window_base(d.w), 8);
		assert_non_null(mregs);
		assert_int_equal(devm_request_irq(dev, IRQ, handler, 0, NULL, &d), 0);
		writel(1, mregs + 4);
		dmasim_run_idle(p);
		assert_int_equal(calls, 1);
		devm_free_irq(dev, IRQ, &calls);
		assert_log_has("devm_free_irq: irq 5 (dev_id");
		assert_int_equal(dmasim_debug_errors(p), 1);
		iounmap(d.regs);
		if (round == 0) {
			dmasim_device_destroy(dev); /* frees the irq, unmaps the registers */
			assert_int_equal(request_irq(IRQ, handler, 0, "again", &d), 0);
			free_irq(IRQ, &d);
			dmasim_model_destroy(d.m);
		}
		tu_log_clear();
		dmasim_platform_destroy(p); /* round 1: the models, then the device's devres */
		assert_false(tu_log_has("still requested"));
		assert_false(tu_log_has("already-free"));
		assert_false(tu_log_has("removed while ioremap()ed"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_level),
		cmocka_unit_test(test_request_rules_and_shared),
		cmocka_unit_test(test_disable_enable),
		cmocka_unit_test(test_irq_context_checks),
		cmocka_unit_test(test_local_irq_mask),
		cmocka_unit_test(test_threaded_irq),
		cmocka_unit_test(test_nobody_cared),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_threaded_mode),
		cmocka_unit_test(test_leftover_handler_reported),
		cmocka_unit_test(test_devm),
		cmocka_unit_test(test_lock_irq_safety),
		cmocka_unit_test(test_threaded_shared_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
