/*
 * tests/test-vtime.c - virtual time and the execution modes
 * (lib/dev/machine.c): events in time order, exact virtual time after
 * delays and sleeps, jiffies and their conversions, timeouts that take no
 * real time in deterministic mode, the seeded order of events due
 * together (the same for one seed, another for another), "would sleep
 * forever", and the same model run in threaded mode.  Kernel contracts:
 * include/linux/jiffies.h (msecs_to_jiffies() rounds up, INITIAL_JIFFIES,
 * time_after()), kernel/time/timer.c (msleep() sleeps
 * msecs_to_jiffies(ms) + 1 ticks), kernel/sched/completion.c
 * (wait_for_completion_timeout() returns 0 or the jiffies left, at least 1).
 */
#include "testutil.h"

#include <string.h>

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/iopoll.h>
#include <linux/io.h>

static char order[64];
static u64 when[16];
static int nrun;

static void note(struct dmasim_model *m, void *arg)
{
	struct dmasim_platform *p = dmasim_model_platform(m);
	size_t n = strlen(order);

	if (n + 1 < sizeof(order)) {
		order[n] = *(const char *)arg;
		order[n + 1] = '\0';
	}
	if (nrun < 16)
		when[nrun++] = dmasim_time_ns(p);
}

static void clear(void)
{
	order[0] = '\0';
	nrun = 0;
}

static void test_events_in_time_order(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dmasim_model *m = dmasim_model_create(p, "clock", NULL, NULL);

	(void)state;
	clear();
	assert_int_equal(dmasim_time_ns(p), 0);
	dmasim_model_schedule(m, 3000, note, "c", "third");
	dmasim_model_schedule(m, 1000, note, "a", "first");
	dmasim_model_schedule(m, 2000, note, "b", "second");
	dmasim_model_schedule(m, 2000, note, "B", "second too"); /* same time: scheduling order */
	assert_string_equal(order, "");
	assert_int_equal(dmasim_run_for(p, 2000), 0);
	assert_string_equal(order, "abB");
	assert_int_equal(when[0], 1000);
	assert_int_equal(when[1], 2000);
	assert_int_equal(dmasim_time_ns(p), 2000);
	assert_int_equal(dmasim_step(p), 1);
	assert_string_equal(order, "abBc");
	assert_int_equal(dmasim_time_ns(p), 3000);
	assert_int_equal(dmasim_step(p), 0);
	/* Cancel. */
	dmasim_model_schedule(m, 10, note, "x", NULL);
	dmasim_model_schedule(m, 20, note, "x", NULL);
	assert_int_equal(dmasim_model_cancel(m, note, "x"), 2);
	assert_int_equal(dmasim_run_idle(p), 0);
	dmasim_platform_destroy(p);
}

static void run_race(unsigned long seed, char *out, size_t len)
{
	char spec[64];
	struct dmasim_platform *p;
	struct dmasim_model *m[4];
	static const char *const names[] = { "A", "B", "C", "D" };

	snprintf(spec, sizeof(spec), "exec=deterministic seed=%lu", seed);
	p = tu_platform(spec);
	for (int i = 0; i < 4; i++)
		m[i] = dmasim_model_create(p, names[i], NULL, NULL);
	clear();
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 4; i++)
			dmasim_model_schedule(m[i], 1000 * (u64)round, note, (void *)names[i], NULL);
	assert_int_equal(dmasim_run_idle(p), 12);
	snprintf(out, len, "%s", order);
	dmasim_platform_destroy(p);
}

static void test_seeded_order(void **state)
{
	char first[64], again[64], other[64];
	bool differs = false;

	(void)state;
	run_race(1, first, sizeof(first));
	run_race(1, again, sizeof(again));
	assert_string_equal(first, again); /* reproducible */
	assert_int_equal(strlen(first), 12);
	for (unsigned long seed = 2; seed < 10 && !differs; seed++) {
		run_race(seed, other, sizeof(other));
		differs = strcmp(first, other) != 0;
	}
	assert_true(differs); /* another seed, another interleaving */
}

static void test_jiffies(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned long j0 = jiffies, timeout;

	(void)state;
	assert_int_equal(HZ, 250);
	assert_int_equal(j0, INITIAL_JIFFIES); /* 0xfffb6c20 at HZ=250 */
	assert_int_equal(msecs_to_jiffies(1), 1);
	assert_int_equal(msecs_to_jiffies(4), 1);
	assert_int_equal(msecs_to_jiffies(5), 2);
	assert_int_equal(msecs_to_jiffies(1000), 250);
	assert_int_equal(jiffies_to_msecs(250), 1000);
	assert_int_equal(usecs_to_jiffies(4001), 2);
	timeout = j0 + msecs_to_jiffies(20);
	assert_true(time_before(jiffies, timeout));
	/* msleep(10): msecs_to_jiffies(10) + 1 = 4 ticks, ending on the tick: 16 ms. */
	msleep(10);
	assert_int_equal(dmasim_time_ns(p), 16000000);
	assert_int_equal(jiffies - j0, 4);
	assert_true(time_before(jiffies, timeout));
	udelay(3);
	ndelay(500);
	assert_int_equal(ktime_get(), 16003500);
	usleep_range(100, 200);
	assert_int_equal(ktime_get_ns(), 16103500);
	msleep(10);
	assert_true(time_after(jiffies, timeout));
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

/* A device that completes a command a fixed time after it was started. */
static struct completion done;

static void finish(struct dmasim_model *m, void *arg)
{
	complete(&done);
}

static void test_timeouts_are_instant_and_exact(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dmasim_model *m = dmasim_model_create(p, "cmd", NULL, NULL);
	unsigned long left;

	(void)state;
	init_completion(&done);
	dmasim_model_schedule(m, 6000000, finish, NULL, "command done"); /* 6 ms */
	left = wait_for_completion_timeout(&done, msecs_to_jiffies(100));
	assert_int_equal(left, 25 - 1); /* 6 ms in: jiffy 1 of 25 */
	assert_int_equal(dmasim_time_ns(p), 6000000);

	/* A device that never answers: the timeout passes exactly, in no real time. */
	reinit_completion(&done);
	left = wait_for_completion_timeout(&done, 10 * HZ);
	assert_int_equal(left, 0);
	assert_int_equal(dmasim_time_ns(p), 6000000 + 10ULL * 1000000000ULL - 2000000);
	assert_int_equal(dmasim_debug_errors(p), 0);

	/* Waiting for ever for what nothing will do is reported. */
	wait_for_completion(&done);
	assert_log_has("wait_for_completion: would sleep forever");
	assert_int_equal(dmasim_debug_errors(p), 1);
	/* The nearest correct sequence: the event is pending. */
	dmasim_model_schedule(m, 1000, finish, NULL, NULL);
	wait_for_completion(&done);
	assert_int_equal(dmasim_debug_errors(p), 1);
	dmasim_platform_destroy(p);
}

/* A device that becomes ready 50 µs after a reset: polled with readl_poll_timeout(). */
static const struct dmasim_reg poll_regs[] = {
	{ .offset = 0, .name = "STATUS" },
};

static void become_ready(struct dmasim_model *m, void *arg)
{
	dmasim_reg_set(arg, 0, 0x80);
}

static void test_register_polling(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dmasim_model *m = dmasim_model_create(p, "slow", NULL, NULL);
	struct dmasim_window *w = dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "regs", .size = 4, .regs = poll_regs,
			.nr_regs = 1 });
	void __iomem *regs = ioremap(dmasim_window_base(w), 4);
	u32 val;

	(void)state;
	dmasim_model_schedule(m, 50000, become_ready, w, "ready");
	assert_int_equal(readl_poll_timeout(regs, val, val & 0x80, 10, 1000), 0);
	assert_int_equal(val, 0x80);
	/* Woken by the 10 µs sleeps (usleep_range() wakes at its minimum, 3 µs) just after 50 µs. */
	assert_true(dmasim_time_ns(p) >= 50000 && dmasim_time_ns(p) < 60000);
	/* A bit that never comes: -ETIMEDOUT, once the 1000 µs have passed. */
	u64 t0 = dmasim_time_ns(p);
	assert_int_equal(readl_poll_timeout_atomic(regs, val, val & 0x1, 0, 1000), -ETIMEDOUT);
	assert_true(dmasim_time_ns(p) - t0 >= 1000000 && dmasim_time_ns(p) - t0 <= 1002000);
	assert_int_equal(dmasim_debug_errors(p), 0);
	iounmap(regs);
	dmasim_platform_destroy(p);
}

static void test_threaded_mode(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=threaded");
	struct dmasim_model *m = dmasim_model_create(p, "cmd", NULL, NULL);
	u64 t0 = dmasim_time_ns(p);
	unsigned long left;

	(void)state;
	init_completion(&done);
	dmasim_model_schedule(m, 2000000, finish, NULL, NULL);
	left = wait_for_completion_timeout(&done, 10 * HZ);
	assert_true(left > 0);
	assert_true(dmasim_time_ns(p) - t0 >= 2000000); /* the real clock: at least 2 ms */
	/* Events of one model keep their order. */
	clear();
	dmasim_model_lock(m); /* note() runs under the model's lock: read order under it too */
	dmasim_model_schedule(m, 50000000, note, "a", NULL);
	dmasim_model_schedule(m, 50000000, note, "b", NULL);
	dmasim_model_schedule(m, 0, note, "c", NULL); /* real time moves on: leave a margin */
	dmasim_model_unlock(m);
	dmasim_run_idle(p);
	dmasim_model_lock(m);
	assert_string_equal(order, "cab");
	dmasim_model_unlock(m);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

static void test_spec_word(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=threaded");

	(void)state;
	assert_true(tu_spec_has(p, "exec=threaded"));
	dmasim_platform_destroy(p);
	p = tu_platform(NULL);
	assert_false(tu_spec_has(p, "exec=")); /* the default is not shown */
	dmasim_platform_destroy(p);
	assert_null(dmasim_platform_create("exec=sometimes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_in_time_order),
		cmocka_unit_test(test_seeded_order),
		cmocka_unit_test(test_jiffies),
		cmocka_unit_test(test_timeouts_are_instant_and_exact),
		cmocka_unit_test(test_register_polling),
		cmocka_unit_test(test_threaded_mode),
		cmocka_unit_test(test_spec_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
