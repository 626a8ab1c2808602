/*
 * lib/dev/machine.c - device models and how they run: the per-platform
 * machine (made on first use), models and their event queues, the virtual
 * clock, the two execution modes (deterministic: events run when the program
 * steps or driver code waits, in an order drawn from the seed; threaded: a
 * thread per model on the real clock), and the waits and delays of driver
 * code that <linux/delay.h>, <linux/jiffies.h> and <linux/completion.h> are
 * built on.  Part of the device side (lib/dev/); the register windows are
 * mmio.c's, the interrupt lines irq.c's.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sched.h>

#include "dev/dev.h"

#define TICK_NS (1000000000ULL / DMASIM_HZ)
/* The kernel's INITIAL_JIFFIES: the 32-bit count wraps five minutes after boot. */
#define INITIAL_JIFFIES ((unsigned long)(unsigned int)(-300 * DMASIM_HZ))
#define IDLE_STEP_LIMIT 1000000L

static pthread_mutex_t mach_lock = PTHREAD_MUTEX_INITIALIZER;

u64 dmasim__mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

u64 dmasim__now(struct dmasim_machine *m)
{
	if (m->threaded)
		return dmasim__mono_ns() - m->t0;
	return __atomic_load_n(&m->now, __ATOMIC_ACQUIRE);
}

static void set_now(struct dmasim_machine *m, u64 t) /* mach->lock held */
{
	if (t > m->now)
		__atomic_store_n(&m->now, t, __ATOMIC_RELEASE);
}

u64 dmasim__rand(struct dmasim_machine *m) /* xorshift64*, mach->lock held */
{
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 0x2545F4914F6CDD1DULL;
}

static void cond_init_mono(pthread_cond_t *c)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
}

/* Wait on @c until monotonic time @abs_ns (or a signal). */
static void cond_wait_until(pthread_cond_t *c, pthread_mutex_t *l, u64 abs_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(abs_ns / 1000000000ULL),
			       .tv_nsec = (long)(abs_ns % 1000000000ULL) };

	pthread_cond_timedwait(c, l, &ts);
}

static void machine_stop(struct dmasim_platform *p);
static void machine_fini(struct dmasim_platform *p);

struct dmasim_machine *dmasim__machine(struct dmasim_platform *p)
{
	struct dmasim_machine *m = __atomic_load_n(&p->machine, __ATOMIC_ACQUIRE);

	if (m)
		return m;
	pthread_mutex_lock(&mach_lock);
	m = p->machine;
	if (m)
		goto out;
	m = calloc(1, sizeof(*m));
	if (!m) {
		dmasim__log(p, DMASIM_LOG_ERR, "dmasim: device models: out of memory");
		goto out;
	}
	m->plat = p;
	m->threaded = p->exec_threaded;
	m->t0 = dmasim__mono_ns();
	m->rng = (u64)p->seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
	if (!m->rng)
		m->rng = 1;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->wait_lock, NULL);
	cond_init_mono(&m->irq_cond);
	cond_init_mono(&m->idle_cond);
	cond_init_mono(&m->wait_cond);
	LIST_INIT(&m->models);
	LIST_INIT(&m->windows);
	LIST_INIT(&m->regions);
	dmasim__irq_init(m);
	if (dmasim__mmio_init(m) || (m->threaded && dmasim__irq_start(m))) {
		dmasim__mmio_fini(m);
		free(m);
		m = NULL;
		goto out;
	}
	p->machine_stop = machine_stop;
	p->machine_fini = machine_fini;
	p->machine_dump = dmasim__machine_dump;
	__atomic_store_n(&p->machine, m, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&mach_lock);
	return m;
}

static struct dmasim_machine *cur_machine(void)
{
	struct dmasim_platform *p = dmasim_platform_current();

	return p ? dmasim__machine(p) : NULL;
}

/* ---- models ------------------------------------------------------------------ */

static void run_event(struct dmasim_model *mdl, struct dmasim_event *e)
{
	pthread_mutex_lock(&mdl->lock);
	DMASIM_TRACE_MODEL(mdl, .ev = "dev_work", .val = e->t, .has_val = true, .msg = e->what);
	e->fn(mdl, e->arg);
	pthread_mutex_unlock(&mdl->lock);
}

static void *model_thread(void *arg)
{
	struct dmasim_model *mdl = arg;
	struct dmasim_machine *m = mdl->mach;

	pthread_mutex_lock(&m->lock);
	while (!mdl->stop) {
		struct dmasim_event *e = TAILQ_FIRST(&mdl->events);

		if (!e) {
			pthread_cond_wait(&mdl->cond, &m->lock);
			continue;
		}
		if (e->t > dmasim__now(m)) {
			cond_wait_until(&mdl->cond, &m->lock, m->t0 + e->t);
			continue;
		}
		TAILQ_REMOVE(&mdl->events, e, link);
		mdl->running++;
		pthread_mutex_unlock(&m->lock);
		run_event(mdl, e);
		free(e);
		pthread_mutex_lock(&m->lock);
		mdl->running--;
		pthread_cond_broadcast(&m->idle_cond);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

struct dmasim_model *dmasim_model_create(struct dmasim_platform *p, const char *name,
					 struct device *dev, void *priv)
{
	struct dmasim_machine *m;
	struct dmasim_model *mdl;

	if (!p || !name || !*name || strlen(name) >= sizeof(mdl->name)) {
		dmasim__log(p, DMASIM_LOG_ERR, "dmasim_model_create: %s",
			    !p ? "NULL platform" : "a name of 1-63 characters is needed");
		return NULL;
	}
	if (dev && !dmasim__dev(dev, "dmasim_model_create"))
		return NULL;
	m = dmasim__machine(p);
	if (!m)
		return NULL;
	mdl = calloc(1, sizeof(*mdl));
	if (!mdl)
		return NULL;
	mdl->mach = m;
	strcpy(mdl->name, name);
	mdl->dev = dev;
	mdl->priv = priv;
	pthread_mutex_init(&mdl->lock, NULL);
	cond_init_mono(&mdl->cond);
	TAILQ_INIT(&mdl->events);
	pthread_mutex_lock(&m->lock);
	LIST_INSERT_HEAD(&m->models, mdl, link);
	pthread_mutex_unlock(&m->lock);
	if (m->threaded) {
		if (pthread_create(&mdl->thread, NULL, model_thread, mdl)) {
			dmasim__log(p, DMASIM_LOG_ERR, "dmasim_model_create: %s: cannot start its thread",
				    name);
			dmasim_model_destroy(mdl);
			return NULL;
		}
		mdl->has_thread = true;
	}
	return mdl;
}

/* Stop @mdl's work: its thread ends, its events are dropped and no more run. */
static void model_quiesce(struct dmasim_model *mdl)
{
	struct dmasim_machine *m = mdl->mach;
	struct dmasim_event *e;

	pthread_mutex_lock(&m->lock);
	mdl->stop = true;
	pthread_cond_broadcast(&mdl->cond);
	pthread_mutex_unlock(&m->lock);
	if (mdl->has_thread)
		pthread_join(mdl->thread, NULL);
	mdl->has_thread = false;
	pthread_mutex_lock(&m->lock);
	while (mdl->running) /* deterministic: another thread's step runs an event */
		pthread_cond_wait(&m->idle_cond, &m->lock);
	while ((e = TAILQ_FIRST(&mdl->events)) != NULL) {
		TAILQ_REMOVE(&mdl->events, e, link);
		free(e);
	}
	pthread_mutex_unlock(&m->lock);
}

void dmasim_model_destroy(struct dmasim_model *mdl)
{
	struct dmasim_machine *m;

	if (!mdl)
		return;
	m = mdl->mach;
	model_quiesce(mdl);
	dmasim__isa_forget(mdl);
	pthread_mutex_lock(&m->lock);
	LIST_REMOVE(mdl, link);
	dmasim__windows_remove(mdl);
	dmasim__irq_disconnect(mdl);
	pthread_cond_broadcast(&m->idle_cond);
	pthread_mutex_unlock(&m->lock);
	pthread_cond_destroy(&mdl->cond);
	pthread_mutex_destroy(&mdl->lock);
	free(mdl);
}

void *dmasim_model_priv(const struct dmasim_model *m)
{
	return m ? m->priv : NULL;
}

struct device *dmasim_model_device(const struct dmasim_model *m)
{
	return m ? m->dev : NULL;
}

struct dmasim_platform *dmasim_model_platform(const struct dmasim_model *m)
{
	return m ? m->mach->plat : NULL;
}

void dmasim_model_lock(struct dmasim_model *m)
{
	pthread_mutex_lock(&m->lock);
}

void dmasim_model_unlock(struct dmasim_model *m)
{
	pthread_mutex_unlock(&m->lock);
}

int dmasim_model_schedule(struct dmasim_model *mdl, u64 delay_ns, dmasim_event_fn fn, void *arg,
			  const char *what)
{
	struct dmasim_machine *m;
	struct dmasim_event *e, *it;

	if (!mdl || !fn)
		return -EINVAL;
	m = mdl->mach;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fn = fn;
	e->arg = arg;
	e->what = what;
	pthread_mutex_lock(&m->lock);
	e->t = dmasim__now(m) + delay_ns;
	e->seq = mdl->next_seq++;
	if (!m->threaded)
		e->tiebreak = dmasim__rand(m);
	/* Sorted by time, then by scheduling order: search from the back. */
	TAILQ_FOREACH_REVERSE(it, &mdl->events, dmasim_event_list, link)
		if (it->t <= e->t)
			break;
	if (it)
		TAILQ_INSERT_AFTER(&mdl->events, it, e, link);
	else
		TAILQ_INSERT_HEAD(&mdl->events, e, link);
	if (m->threaded && TAILQ_FIRST(&mdl->events) == e)
		pthread_cond_signal(&mdl->cond);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

unsigned int dmasim_model_cancel(struct dmasim_model *mdl, dmasim_event_fn fn, void *arg)
{
	struct dmasim_event *e, *next;
	unsigned int n = 0;

	if (!mdl)
		return 0;
	pthread_mutex_lock(&mdl->mach->lock);
	for (e = TAILQ_FIRST(&mdl->events); e; e = next) {
		next = TAILQ_NEXT(e, link);
		if (e->fn == fn && e->arg == arg) {
			TAILQ_REMOVE(&mdl->events, e, link);
			free(e);
			n++;
		}
	}
	pthread_mutex_unlock(&mdl->mach->lock);
	return n;
}

/* ---- running: deterministic mode ------------------------------------------------ */

/*
 * One step: a pending interrupt if @deliver (the caller may take one), else
 * the first event due by @until.  Return whether something ran.
 */
static bool det_step(struct dmasim_machine *m, u64 until, bool deliver)
{
	struct dmasim_model *mdl, *best = NULL;
	struct dmasim_event *e, *be = NULL;
	int irq;

	pthread_mutex_lock(&m->lock);
	if (deliver && (irq = dmasim__irq_pick(m)) >= 0) {
		dmasim__irq_deliver(m, irq); /* returns unlocked */
		return true;
	}
	LIST_FOREACH(mdl, &m->models, link) {
		e = TAILQ_FIRST(&mdl->events);
		if (!e || e->t > until || mdl->stop)
			continue;
		if (!be || e->t < be->t || (e->t == be->t && e->tiebreak < be->tiebreak)) {
			be = e;
			best = mdl;
		}
	}
	if (!be) {
		pthread_mutex_unlock(&m->lock);
		return false;
	}
	TAILQ_REMOVE(&best->events, be, link);
	set_now(m, be->t);
	best->running++;
	pthread_mutex_unlock(&m->lock);
	run_event(best, be);
	free(be);
	pthread_mutex_lock(&m->lock);
	best->running--;
	pthread_cond_broadcast(&m->idle_cond);
	pthread_mutex_unlock(&m->lock);
	return true;
}

/* Deterministic: run everything due by @t, then the clock reads at least @t. */
static void det_run_until(struct dmasim_machine *m, u64 t)
{
	bool deliver = !dmasim_in_atomic();

	while (det_step(m, t, deliver))
		;
	pthread_mutex_lock(&m->lock);
	set_now(m, t);
	pthread_mutex_unlock(&m->lock);
}

int dmasim_step(struct dmasim_platform *p)
{
	struct dmasim_machine *m = p ? dmasim__machine(p) : NULL;

	if (!m || m->threaded)
		return -EINVAL;
	return det_step(m, UINT64_MAX, !dmasim_in_atomic());
}

int dmasim_run_for(struct dmasim_platform *p, u64 ns)
{
	struct dmasim_machine *m = p ? dmasim__machine(p) : NULL;

	if (!m)
		return -EINVAL;
	if (m->threaded) {
		struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL),
				       .tv_nsec = (long)(ns % 1000000000ULL) };

		while (nanosleep(&ts, &ts))
			;
		return 0;
	}
	det_run_until(m, dmasim__now(m) + ns);
	return 0;
}

/* Whether nothing is pending or running (mach->lock held). */
static bool idle(struct dmasim_machine *m)
{
	struct dmasim_model *mdl;

	LIST_FOREACH(mdl, &m->models, link)
		if (!TAILQ_EMPTY(&mdl->events) || mdl->running)
			return false;
	return !dmasim__irq_busy(m);
}

long dmasim_run_idle(struct dmasim_platform *p)
{
	struct dmasim_machine *m = p ? dmasim__machine(p) : NULL;
	bool deliver = !dmasim_in_atomic();
	long n = 0;

	if (!m)
		return -EINVAL;
	if (m->threaded) {
		pthread_mutex_lock(&m->lock);
		while (!idle(m))
			cond_wait_until(&m->idle_cond, &m->lock, dmasim__mono_ns() + 10000000ULL);
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	while (det_step(m, UINT64_MAX, deliver))
		if (++n >= IDLE_STEP_LIMIT) {
			dmasim__log(p, DMASIM_LOG_ERR,
				    "dmasim_run_idle: still busy after %ld steps (a model that always has work, or an interrupt never acknowledged?)",
				    n);
			return -EBUSY;
		}
	return n;
}

u64 dmasim_time_ns(struct dmasim_platform *p)
{
	struct dmasim_machine *m = p ? dmasim__machine(p) : NULL;

	return m ? dmasim__now(m) : 0;
}

bool dmasim_exec_threaded(struct dmasim_platform *p)
{
	return p && p->exec_threaded;
}

/* ---- driver-side time: jiffies, delays, sleeps, waits ------------------------------- */

static unsigned long ns_to_jiffies_abs(u64 ns)
{
	return INITIAL_JIFFIES + (unsigned long)(ns / TICK_NS);
}

/* The virtual time at which jiffies becomes @j. */
static u64 jiffies_abs_to_ns(unsigned long j)
{
	return (u64)(j - INITIAL_JIFFIES) * TICK_NS;
}

unsigned long dmasim_jiffies(void)
{
	struct dmasim_machine *m = cur_machine();

	return ns_to_jiffies_abs(m ? dmasim__now(m) : 0);
}

s64 dmasim_ktime_ns(void)
{
	struct dmasim_machine *m = cur_machine();

	return m ? (s64)dmasim__now(m) : 0;
}

static void host_sleep_until(struct dmasim_machine *m, u64 t)
{
	u64 abs = m->t0 + t;
	struct timespec ts = { .tv_sec = (time_t)(abs / 1000000000ULL),
			       .tv_nsec = (long)(abs % 1000000000ULL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

void dmasim_delay_ns(u64 ns)
{
	struct dmasim_machine *m = cur_machine();

	if (!m)
		return;
	if (m->threaded) {
		u64 end = dmasim__now(m) + ns;

		while (dmasim__now(m) < end) /* a busy-wait, as udelay() */
			sched_yield();
		return;
	}
	det_run_until(m, dmasim__now(m) + ns);
}

void dmasim_sleep_ns(u64 ns, const char *call)
{
	struct dmasim_machine *m;

	dmasim_might_sleep(call);
	m = cur_machine();
	if (!m)
		return;
	if (m->threaded)
		host_sleep_until(m, dmasim__now(m) + ns);
	else
		det_run_until(m, dmasim__now(m) + ns);
}

void dmasim_sleep_jiffies(unsigned long j, const char *call)
{
	struct dmasim_machine *m;
	u64 t;

	dmasim_might_sleep(call);
	m = cur_machine();
	if (!m)
		return;
	t = jiffies_abs_to_ns(ns_to_jiffies_abs(dmasim__now(m)) + j);
	if (m->threaded)
		host_sleep_until(m, t);
	else
		det_run_until(m, t);
}

void dmasim_cpu_relax(void)
{
	struct dmasim_machine *m = cur_machine();

	if (m && !m->threaded)
		det_run_until(m, dmasim__now(m) + 1000);
	else
		sched_yield();
}

static long remaining(unsigned long deadline_j, unsigned long now_j)
{
	long left = (long)(deadline_j - now_j);

	return left > 0 ? left : 1;
}

long dmasim_wait_event(dmasim_wait_cond cond, void *arg, long timeout, const char *call)
{
	struct dmasim_machine *m;
	bool forever = timeout >= DMASIM_WAIT_FOREVER;
	unsigned long deadline_j;
	long ret;

	dmasim_might_sleep(call);
	m = cur_machine();
	if (!m)
		return cond(arg) ? 1 : 0;
	if (timeout < 0)
		timeout = 0;
	deadline_j = ns_to_jiffies_abs(dmasim__now(m)) + (unsigned long)timeout;
	if (m->threaded) {
		u64 deadline = jiffies_abs_to_ns(deadline_j);

		pthread_mutex_lock(&m->wait_lock);
		for (;;) {
			if (cond(arg)) {
				ret = forever ? timeout : remaining(deadline_j,
								     ns_to_jiffies_abs(dmasim__now(m)));
				break;
			}
			if (!forever && dmasim__now(m) >= deadline) {
				ret = 0;
				break;
			}
			if (forever)
				pthread_cond_wait(&m->wait_cond, &m->wait_lock);
			else
				cond_wait_until(&m->wait_cond, &m->wait_lock, m->t0 + deadline);
		}
		pthread_mutex_unlock(&m->wait_lock);
		return ret;
	}
	for (;;) {
		u64 until = forever ? UINT64_MAX : jiffies_abs_to_ns(deadline_j);

		if (cond(arg))
			return forever ? timeout : remaining(deadline_j, ns_to_jiffies_abs(dmasim__now(m)));
		if (det_step(m, until, !dmasim_in_atomic()))
			continue;
		if (forever) {
			dmasim__report(m->plat,
				       "%s: would sleep forever: the condition is false and no device event or interrupt is pending (deterministic mode)",
				       call);
			return 0;
		}
		det_run_until(m, until);
		return cond(arg) ? 1 : 0;
	}
}

void dmasim_wake_up_all(void)
{
	struct dmasim_machine *m = cur_machine();

	if (!m || !m->threaded)
		return;
	pthread_mutex_lock(&m->wait_lock);
	pthread_cond_broadcast(&m->wait_cond);
	pthread_mutex_unlock(&m->wait_lock);
}

/* ---- teardown ---------------------------------------------------------------- */

/*
 * The models stop working (threads joined, events dropped) but keep their
 * windows and lines, so that the devices' devres (devm_ioremap(),
 * devm_request_irq()) is released into a live machine; machine_fini()
 * destroys them.
 */
static void machine_stop(struct dmasim_platform *p)
{
	struct dmasim_machine *m = p->machine;
	struct dmasim_model *mdl;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	LIST_FOREACH(mdl, &m->models, link) {
		pthread_mutex_unlock(&m->lock);
		model_quiesce(mdl); /* the list does not change meanwhile: only this thread destroys */
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
}

static void machine_fini(struct dmasim_platform *p)
{
	struct dmasim_machine *m = p->machine;

	struct dmasim_model *mdl;

	if (!m)
		return;
	for (;;) {
		pthread_mutex_lock(&m->lock);
		mdl = LIST_FIRST(&m->models);
		pthread_mutex_unlock(&m->lock);
		if (!mdl)
			break;
		dmasim_model_destroy(mdl);
	}
	dmasim__isa_fini(m);
	dmasim__irq_fini(m);
	dmasim__mmio_fini(m);
	pthread_cond_destroy(&m->irq_cond);
	pthread_cond_destroy(&m->idle_cond);
	pthread_cond_destroy(&m->wait_cond);
	pthread_mutex_destroy(&m->wait_lock);
	pthread_mutex_destroy(&m->lock);
	p->machine = NULL;
	p->machine_stop = NULL;
	p->machine_fini = NULL;
	p->machine_dump = NULL;
	free(m);
}
