/*
 * lib/dev/irq.c - simulated interrupt lines: models raise and lower them
 * (edge or level), driver code installs handlers with request_irq() and
 * masks lines with disable_irq(); handlers run in simulated interrupt
 * context on the interrupt thread (threaded mode) or at a step point
 * (deterministic mode, lines pending together taken in the seeded order).
 * Part of the device side (lib/dev/); machine.c runs the steps.
 */
#include <stdlib.h>
#include <string.h>

#include "dev/dev.h"

#include <linux/interrupt.h>

#define MAX_SHARED 16
/* Runs of a line that no handler claimed before it is disabled (the kernel's "nobody cared"). */
#define NOBODY_CARED 1000

void dmasim__irq_init(struct dmasim_machine *m)
{
	for (int i = 0; i < DMASIM_NR_IRQS; i++)
		m->irqs[i].type = -1;
}

static bool line_ready(const struct dmasim_irq_line *l)
{
	if (!l->actions || l->depth || l->in_progress)
		return false;
	return l->pending || (l->type == DMASIM_IRQ_LEVEL && l->asserted);
}

int dmasim__irq_pick(struct dmasim_machine *m)
{
	int ready[DMASIM_NR_IRQS], n = 0;

	for (int i = 0; i < DMASIM_NR_IRQS; i++)
		if (line_ready(&m->irqs[i])) {
			if (m->threaded)
				return i; /* the lowest line first, as a PIC's priorities */
			ready[n++] = i;
		}
	if (!n)
		return -1;
	return n == 1 ? ready[0] : ready[dmasim__rand(m) % (u64)n];
}

bool dmasim__irq_busy(struct dmasim_machine *m)
{
	for (int i = 0; i < DMASIM_NR_IRQS; i++)
		if (m->irqs[i].in_progress || line_ready(&m->irqs[i]))
			return true;
	return false;
}

static const char *ret_name(int r)
{
	return r & IRQ_WAKE_THREAD ? "IRQ_WAKE_THREAD" : r & IRQ_HANDLED ? "IRQ_HANDLED" : "IRQ_NONE";
}

void dmasim__irq_deliver(struct dmasim_machine *m, int irq)
{
	struct dmasim_irq_line *l = &m->irqs[irq];
	struct dmasim_irqaction acts[MAX_SHARED], *a;
	int rets[MAX_SHARED], n = 0, any = 0, prev;

	bool tracing = DMASIM_TRACING(m->plat);

	l->pending = false;
	l->in_progress = true;
	l->runner = pthread_self();
	for (a = l->actions; a && n < MAX_SHARED; a = a->next)
		acts[n++] = *a;
	pthread_mutex_unlock(&m->lock);

	prev = dmasim__irq_current();
	dmasim__irq_enter_line(irq);
	for (int i = 0; i < n; i++) {
		rets[i] = acts[i].handler ? acts[i].handler(irq, acts[i].dev_id) : IRQ_WAKE_THREAD;
		any |= rets[i];
		if (tracing)
			dmasim__trace(m->plat, &(struct dmasim_trace_event){
						       .ev = "irq", .call = acts[i].name, .val = (u64)irq,
						       .has_val = true, .msg = ret_name(rets[i]) });
	}
	dmasim__irq_exit_line(prev);
	for (int i = 0; i < n; i++) /* threaded handlers: process context, line still masked */
		if ((rets[i] & IRQ_WAKE_THREAD) && acts[i].thread_fn)
			acts[i].thread_fn(irq, acts[i].dev_id);

	pthread_mutex_lock(&m->lock);
	l->in_progress = false;
	l->count++;
	if (any) {
		l->unhandled = 0;
	} else if (++l->unhandled >= NOBODY_CARED && l->type == DMASIM_IRQ_LEVEL && l->asserted) {
		l->depth++;
		l->unhandled = 0;
		pthread_mutex_unlock(&m->lock);
		dmasim__report(m->plat, "irq %d: nobody cared (%d runs with no handler returning IRQ_HANDLED while the line stays asserted); disabling IRQ #%d",
			       irq, NOBODY_CARED, irq);
		pthread_mutex_lock(&m->lock);
	}
	pthread_cond_broadcast(&m->idle_cond);
	pthread_mutex_unlock(&m->lock);
}

static void *irq_thread(void *arg)
{
	struct dmasim_machine *m = arg;
	int irq;

	pthread_mutex_lock(&m->lock);
	while (!m->stop) {
		irq = dmasim__irq_pick(m);
		if (irq < 0) {
			pthread_cond_wait(&m->irq_cond, &m->lock);
			continue;
		}
		dmasim__irq_deliver(m, irq);
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

int dmasim__irq_start(struct dmasim_machine *m)
{
	if (pthread_create(&m->irq_thread, NULL, irq_thread, m)) {
		dmasim__log(m->plat, DMASIM_LOG_ERR, "dmasim: device models: cannot start the interrupt thread");
		return -EAGAIN;
	}
	m->has_irq_thread = true;
	return 0;
}

void dmasim__irq_fini(struct dmasim_machine *m)
{
	if (m->has_irq_thread) {
		pthread_mutex_lock(&m->lock);
		m->stop = true;
		pthread_cond_broadcast(&m->irq_cond);
		pthread_mutex_unlock(&m->lock);
		pthread_join(m->irq_thread, NULL);
		m->has_irq_thread = false;
	}
	for (int i = 0; i < DMASIM_NR_IRQS; i++) {
		struct dmasim_irqaction *a;

		while ((a = m->irqs[i].actions) != NULL) {
			dmasim__report(m->plat, "irq %d: handler %s still requested when the platform is destroyed (missing free_irq())",
				       i, a->name ? a->name : "(null)");
			m->irqs[i].actions = a->next;
			free(a);
		}
	}
}

/* Wake the interrupt thread if line @l may have become ready (mach->lock held). */
static void kick(struct dmasim_machine *m, struct dmasim_irq_line *l)
{
	if (m->threaded && line_ready(l))
		pthread_cond_signal(&m->irq_cond);
}

/* ---- the model's side --------------------------------------------------------------- */

#define BITOP(map, n) ((map)[(n) / 64] & (1ULL << ((n) % 64)))

int dmasim_irq_connect(struct dmasim_model *mdl, unsigned int irq, int type)
{
	struct dmasim_machine *m;
	struct dmasim_irq_line *l;
	int ret = 0;

	if (!mdl || irq >= DMASIM_NR_IRQS || (type != DMASIM_IRQ_EDGE && type != DMASIM_IRQ_LEVEL)) {
		dmasim__log(mdl ? mdl->mach->plat : NULL, DMASIM_LOG_ERR,
			    "dmasim_irq_connect: %s: irq %u type %d: the line must be below %d, the type edge or level",
			    mdl ? mdl->name : "(null)", irq, type, DMASIM_NR_IRQS);
		return -EINVAL;
	}
	m = mdl->mach;
	pthread_mutex_lock(&m->lock);
	l = &m->irqs[irq];
	if (BITOP(mdl->irq_connected, irq))
		ret = -EBUSY;
	else if (l->models && (l->type != type || type == DMASIM_IRQ_EDGE))
		ret = -EBUSY;
	if (!ret) {
		l->type = type;
		l->models++;
		mdl->irq_connected[irq / 64] |= 1ULL << (irq % 64);
	}
	pthread_mutex_unlock(&m->lock);
	if (ret)
		dmasim__log(m->plat, DMASIM_LOG_ERR,
			    "dmasim_irq_connect: %s: irq %u is already driven (%s line): only level lines are shared",
			    mdl->name, irq, l->type == DMASIM_IRQ_LEVEL ? "a level" : "an edge");
	return ret;
}

/* mach->lock held: the model lets go of its lines. */
void dmasim__irq_disconnect(struct dmasim_model *mdl)
{
	struct dmasim_machine *m = mdl->mach;

	for (unsigned int i = 0; i < DMASIM_NR_IRQS; i++) {
		struct dmasim_irq_line *l = &m->irqs[i];

		if (!BITOP(mdl->irq_connected, i))
			continue;
		if (BITOP(mdl->irq_asserted, i))
			l->asserted--;
		if (--l->models == 0) {
			l->type = -1;
			l->pending = false;
		}
	}
	memset(mdl->irq_connected, 0, sizeof(mdl->irq_connected));
	memset(mdl->irq_asserted, 0, sizeof(mdl->irq_asserted));
}

static void raise_lower(struct dmasim_model *mdl, unsigned int irq, bool raise)
{
	struct dmasim_machine *m;
	struct dmasim_irq_line *l;
	bool bad;

	if (!mdl)
		return;
	m = mdl->mach;
	pthread_mutex_lock(&m->lock);
	bad = irq >= DMASIM_NR_IRQS || !BITOP(mdl->irq_connected, irq);
	if (!bad) {
		l = &m->irqs[irq];
		if (l->type == DMASIM_IRQ_EDGE) {
			if (raise)
				l->pending = true;
		} else if (raise && !BITOP(mdl->irq_asserted, irq)) {
			mdl->irq_asserted[irq / 64] |= 1ULL << (irq % 64);
			l->asserted++;
		} else if (!raise && BITOP(mdl->irq_asserted, irq)) {
			mdl->irq_asserted[irq / 64] &= ~(1ULL << (irq % 64));
			l->asserted--;
		}
		kick(m, l);
	}
	pthread_mutex_unlock(&m->lock);
	if (bad) {
		dmasim__log(m->plat, DMASIM_LOG_ERR, "%s: %s: irq %u is not a line it connected",
			    raise ? "dmasim_irq_raise" : "dmasim_irq_lower", mdl->name, irq);
		return;
	}
	DMASIM_TRACE_MODEL(mdl, .ev = raise ? "irq_raise" : "irq_lower", .val = irq, .has_val = true);
}

void dmasim_irq_raise(struct dmasim_model *mdl, unsigned int irq)
{
	raise_lower(mdl, irq, true);
}

void dmasim_irq_lower(struct dmasim_model *mdl, unsigned int irq)
{
	raise_lower(mdl, irq, false);
}

unsigned long dmasim_irq_count(struct dmasim_platform *p, unsigned int irq)
{
	struct dmasim_machine *m = p ? dmasim__machine(p) : NULL;
	unsigned long n;

	if (!m || irq >= DMASIM_NR_IRQS)
		return 0;
	pthread_mutex_lock(&m->lock);
	n = m->irqs[irq].count;
	pthread_mutex_unlock(&m->lock);
	return n;
}

/* ---- the driver's side ---------------------------------------------------------------- */

/* The machine of the current platform for driver call @call on line @irq, or NULL after a message. */
static struct dmasim_machine *line_machine(unsigned int irq, const char *call)
{
	struct dmasim_platform *p = dmasim__current(call);

	if (!p)
		return NULL;
	if (irq >= DMASIM_NR_IRQS) {
		dmasim__report(p, "%s: irq %u out of range (the platform has lines 0-%d)", call, irq,
			       DMASIM_NR_IRQS - 1);
		return NULL;
	}
	return dmasim__machine(p);
}

int request_threaded_irq(unsigned int irq, irq_handler_t handler, irq_handler_t thread_fn,
			 unsigned long flags, const char *name, void *dev_id)
{
	struct dmasim_platform *p = dmasim__current("request_irq");
	struct dmasim_machine *m;
	struct dmasim_irq_line *l;
	struct dmasim_irqaction *a, *it;
	const char *why = NULL;

	if (!p)
		return -ENODEV;
	dmasim_might_sleep("request_irq");
	if (irq >= DMASIM_NR_IRQS)
		why = "line out of range";
	else if (!handler && !thread_fn)
		why = "no handler";
	else if ((flags & IRQF_SHARED) && !dev_id)
		why = "IRQF_SHARED needs a dev_id";
	else if (!handler && !(flags & IRQF_ONESHOT))
		why = "threaded irq requested with handler=NULL and !ONESHOT";
	if (why) {
		dmasim__log(p, DMASIM_LOG_ERR, "request_irq: irq %u (%s): %s: -EINVAL", irq,
			    name ? name : "(null)", why);
		return -EINVAL;
	}
	m = dmasim__machine(p);
	a = calloc(1, sizeof(*a));
	if (!m || !a) {
		free(a);
		return -ENOMEM;
	}
	a->handler = handler;
	a->thread_fn = thread_fn;
	a->flags = flags;
	a->name = name;
	a->dev_id = dev_id;
	pthread_mutex_lock(&m->lock);
	l = &m->irqs[irq];
	if (l->actions && (!(l->actions->flags & IRQF_SHARED) || !(flags & IRQF_SHARED) ||
			   ((l->actions->flags ^ flags) & IRQF_ONESHOT))) {
		unsigned long oflags = l->actions->flags;
		const char *oname = l->actions->name;

		pthread_mutex_unlock(&m->lock);
		dmasim__log(p, DMASIM_LOG_ERR,
			    "request_irq: flags mismatch irq %u. %08lx (%s) vs. %08lx (%s): -EBUSY", irq,
			    flags, name ? name : "(null)", oflags, oname ? oname : "(null)");
		free(a);
		return -EBUSY;
	}
	if (!l->actions) { /* the line starts up: a fresh state */
		l->pending = false;
		l->depth = (flags & IRQF_NO_AUTOEN) ? 1 : 0;
		l->unhandled = 0;
		l->actions = a;
	} else {
		for (it = l->actions; it->next; it = it->next)
			;
		it->next = a;
	}
	kick(m, l);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* Wait until no handler of @l runs; report waiting from the handler itself. */
static void wait_not_running(struct dmasim_machine *m, struct dmasim_irq_line *l, unsigned int irq,
			     const char *call)
{
	while (l->in_progress) {
		if (pthread_equal(l->runner, pthread_self())) {
			pthread_mutex_unlock(&m->lock);
			dmasim__report(m->plat, "%s: irq %u: called from the line's own handler: this deadlocks in the kernel",
				       call, irq);
			pthread_mutex_lock(&m->lock);
			return;
		}
		pthread_cond_wait(&m->idle_cond, &m->lock);
	}
}

const void *free_irq(unsigned int irq, void *dev_id)
{
	struct dmasim_machine *m = line_machine(irq, "free_irq");
	struct dmasim_irqaction **pp, *a = NULL;
	struct dmasim_irq_line *l;
	const char *name;

	if (!m)
		return NULL;
	dmasim_might_sleep("free_irq");
	l = &m->irqs[irq];
	pthread_mutex_lock(&m->lock);
	for (pp = &l->actions; *pp; pp = &(*pp)->next)
		if ((*pp)->dev_id == dev_id) {
			a = *pp;
			*pp = a->next;
			break;
		}
	if (a)
		wait_not_running(m, l, irq, "free_irq");
	pthread_mutex_unlock(&m->lock);
	if (!a) {
		dmasim__report(m->plat, "free_irq: trying to free already-free IRQ %u (dev_id %p)", irq,
			       dev_id);
		return NULL;
	}
	name = a->name;
	free(a);
	return name;
}

void disable_irq_nosync(unsigned int irq)
{
	struct dmasim_machine *m = line_machine(irq, "disable_irq_nosync");

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->irqs[irq].depth++;
	pthread_mutex_unlock(&m->lock);
}

void synchronize_irq(unsigned int irq)
{
	struct dmasim_machine *m = line_machine(irq, "synchronize_irq");

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	wait_not_running(m, &m->irqs[irq], irq, "synchronize_irq");
	pthread_mutex_unlock(&m->lock);
}

void disable_irq(unsigned int irq)
{
	struct dmasim_machine *m = line_machine(irq, "disable_irq");

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->irqs[irq].depth++;
	wait_not_running(m, &m->irqs[irq], irq, "disable_irq");
	pthread_mutex_unlock(&m->lock);
}

void enable_irq(unsigned int irq)
{
	struct dmasim_machine *m = line_machine(irq, "enable_irq");
	struct dmasim_irq_line *l;
	bool unbalanced;

	if (!m)
		return;
	l = &m->irqs[irq];
	pthread_mutex_lock(&m->lock);
	unbalanced = l->depth == 0;
	if (!unbalanced && --l->depth == 0)
		kick(m, l); /* an edge latched or a level asserted while masked comes now */
	pthread_mutex_unlock(&m->lock);
	if (unbalanced)
		dmasim__report(m->plat, "enable_irq: Unbalanced enable for IRQ %u", irq);
}

/* ---- managed (devm_) interrupts ------------------------------------------------------ */

struct devm_irq {
	unsigned int irq;
	void *dev_id;
};

static void devm_irq_release(struct device *dev, void *data)
{
	struct devm_irq *r = data;

	free_irq(r->irq, r->dev_id);
	free(r);
}

int devm_request_threaded_irq(struct device *dev, unsigned int irq, irq_handler_t handler,
			      irq_handler_t thread_fn, unsigned long irqflags, const char *devname,
			      void *dev_id)
{
	struct dmasim_device *d = dmasim__dev(dev, "devm_request_irq");
	struct devm_irq *r;
	int ret;

	if (!d)
		return -EINVAL;
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->irq = irq;
	r->dev_id = dev_id;
	ret = request_threaded_irq(irq, handler, thread_fn, irqflags, devname ? devname : d->name,
				   dev_id);
	if (!ret && dmasim__devres_add(d, devm_irq_release, r, 0, 0, NULL)) {
		free_irq(irq, dev_id);
		ret = -ENOMEM;
	}
	if (ret)
		free(r);
	return ret;
}

void devm_free_irq(struct device *dev, unsigned int irq, void *dev_id)
{
	struct dmasim_device *d = dmasim__dev(dev, "devm_free_irq");
	struct dmasim_devres *res;
	struct devm_irq *r = NULL;

	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	LIST_FOREACH(res, &d->devres, link)
		if (res->release == devm_irq_release &&
		    ((struct devm_irq *)res->data)->irq == irq &&
		    ((struct devm_irq *)res->data)->dev_id == dev_id) {
			r = res->data;
			break;
		}
	pthread_mutex_unlock(&d->lock);
	if (!r || dmasim__devres_remove(d, devm_irq_release, r)) {
		dmasim__dev_report(d, "devm_free_irq: irq %u (dev_id %p) was not requested with devm_request_irq()",
				   irq, dev_id);
		return;
	}
	devm_irq_release(dev, r);
}
