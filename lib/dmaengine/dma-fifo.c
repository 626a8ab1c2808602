/*
 * lib/dmaengine/dma-fifo.c - a peripheral's data FIFO, the far side of a
 * slave DMA transfer.
 *
 * Layer: dmaengine (a device model on the public model API).  The FIFO is
 * a model with one MMIO data register: its physical address is what a
 * driver puts in dma_slave_config (through dma_map_resource() when an IOMMU
 * sits in front of the controller), and a driver may also reach it with
 * readl()/writel() (PIO).  The peripheral side fills it (a UART receiving)
 * or drains it (a codec playing) one entry per tick of virtual time, so a
 * controller that is too slow sees overruns and underruns, and one that
 * bursts must wait for the room or the data of a burst.  The ring is under
 * the FIFO's own leaf lock, since both the peripheral's events and the
 * controller's engine (another model) touch it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dmaengine/dmaengine.h"

void dmasim__dma_fifo_gone(struct dmasim_fifo *f);

struct dmasim_fifo {
	struct dmasim_model *m;
	struct dmasim_window *w;
	pthread_mutex_t lock;
	unsigned int width, depth;
	size_t cap;
	u8 *ring;
	size_t head, level;
	/* peripheral producing */
	u8 *src;
	size_t src_len, src_pos;
	u64 src_rate;
	bool flow_control;
	/* peripheral consuming */
	size_t drain_left;
	u64 drain_rate;
	u8 *sink;
	size_t sink_len, sink_cap;
	struct dmasim_fifo_stats st;
	/* the controller's request: notified once when the level changes */
	void (*notify)(void *arg);
	void *notify_arg;
	bool armed;
};

/* ---- the ring (lock held) -------------------------------------------------------- */

static size_t ring_put(struct dmasim_fifo *f, const u8 *buf, size_t n)
{
	size_t room = f->cap - f->level;

	if (n > room)
		n = room;
	for (size_t i = 0; i < n; i++)
		f->ring[(f->head + f->level + i) % f->cap] = buf[i];
	f->level += n;
	if (f->level > f->st.max_level)
		f->st.max_level = (unsigned int)f->level;
	return n;
}

static size_t ring_get(struct dmasim_fifo *f, u8 *buf, size_t n)
{
	if (n > f->level)
		n = f->level;
	for (size_t i = 0; i < n; i++)
		buf[i] = f->ring[(f->head + i) % f->cap];
	f->head = (f->head + n) % f->cap;
	f->level -= n;
	return n;
}

/* The level changed: call the controller's request once, outside the lock. */
static void fifo_changed(struct dmasim_fifo *f, bool was_armed)
{
	void (*fn)(void *arg);
	void *arg;

	if (!was_armed)
		return;
	pthread_mutex_lock(&f->lock);
	fn = f->notify;
	arg = f->notify_arg;
	pthread_mutex_unlock(&f->lock);
	if (fn)
		fn(arg);
}

/* ---- what the controller's engine uses ------------------------------------------- */

unsigned int dmasim__fifo_width(struct dmasim_fifo *f)
{
	return f->width;
}

size_t dmasim__fifo_avail(struct dmasim_fifo *f, bool write)
{
	size_t n;

	pthread_mutex_lock(&f->lock);
	n = write ? f->cap - f->level : f->level;
	pthread_mutex_unlock(&f->lock);
	return n;
}

size_t dmasim__fifo_xfer(struct dmasim_fifo *f, void *buf, size_t n, bool write)
{
	pthread_mutex_lock(&f->lock);
	if (write) {
		n = ring_put(f, buf, n);
		f->st.dma_in += n;
	} else {
		n = ring_get(f, buf, n);
		f->st.dma_out += n;
	}
	pthread_mutex_unlock(&f->lock);
	return n;
}

bool dmasim__fifo_arm(struct dmasim_fifo *f, size_t need, bool write)
{
	bool ready;

	pthread_mutex_lock(&f->lock);
	f->armed = true;
	ready = (write ? f->cap - f->level : f->level) >= need;
	pthread_mutex_unlock(&f->lock);
	return ready;
}

void dmasim__fifo_set_notify(struct dmasim_fifo *f, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&f->lock);
	f->notify = fn;
	f->notify_arg = arg;
	pthread_mutex_unlock(&f->lock);
}

/* ---- the data register (PIO) ------------------------------------------------------- */

static u64 data_read(struct dmasim_window *w, u64 offset, unsigned int size)
{
	struct dmasim_fifo *f = dmasim_window_priv(w);
	u8 b[8] = { 0 };
	u64 v = 0;
	bool armed;

	pthread_mutex_lock(&f->lock);
	ring_get(f, b, size);
	f->st.dma_out += size;
	armed = f->armed;
	f->armed = false;
	pthread_mutex_unlock(&f->lock);
	for (unsigned int i = 0; i < size; i++)
		v |= (u64)b[i] << (8 * i);
	fifo_changed(f, armed);
	return v;
}

static void data_write(struct dmasim_window *w, u64 offset, u64 val, unsigned int size)
{
	struct dmasim_fifo *f = dmasim_window_priv(w);
	u8 b[8];
	bool armed;

	for (unsigned int i = 0; i < size; i++)
		b[i] = (u8)(val >> (8 * i));
	pthread_mutex_lock(&f->lock);
	ring_put(f, b, size);
	f->st.dma_in += size;
	armed = f->armed;
	f->armed = false;
	pthread_mutex_unlock(&f->lock);
	fifo_changed(f, armed);
}

/* ---- the peripheral side ------------------------------------------------------------- */

static u64 tick_ns(unsigned int width, u64 rate)
{
	u64 ns = (u64)width * 1000000000ull / (rate ? rate : 1);

	return ns ? ns : 1;
}

static void produce_tick(struct dmasim_model *m, void *arg)
{
	struct dmasim_fifo *f = arg;
	bool more, armed;

	pthread_mutex_lock(&f->lock);
	if (f->src_pos < f->src_len) {
		size_t n = f->src_len - f->src_pos < f->width ? f->src_len - f->src_pos : f->width;

		if (f->flow_control && f->cap - f->level < n) {
			f->st.held_off++; /* RTS deasserted: the sender waits a tick */
		} else {
			size_t put = ring_put(f, f->src + f->src_pos, n);

			f->st.produced += put;
			if (put < n)
				f->st.overruns++;
			f->src_pos += n;
		}
	}
	more = f->src_pos < f->src_len;
	armed = f->armed;
	f->armed = false;
	pthread_mutex_unlock(&f->lock);
	fifo_changed(f, armed);
	if (more)
		dmasim_model_schedule(m, tick_ns(f->width, f->src_rate), produce_tick, f, "fifo rx");
}

static void drain_tick(struct dmasim_model *m, void *arg)
{
	struct dmasim_fifo *f = arg;
	bool more, armed;
	u8 b[8];

	pthread_mutex_lock(&f->lock);
	if (!f->drain_left) {
		pthread_mutex_unlock(&f->lock);
		return;
	}
	if (f->level >= f->width) {
		size_t n = ring_get(f, b, f->width);

		if (f->sink_len + n > f->sink_cap) {
			size_t cap = f->sink_cap ? 2 * f->sink_cap : 4096;
			u8 *ns = realloc(f->sink, cap);

			if (ns) {
				f->sink = ns;
				f->sink_cap = cap;
			}
		}
		if (f->sink_len + n <= f->sink_cap) {
			memcpy(f->sink + f->sink_len, b, n);
			f->sink_len += n;
		}
		f->st.consumed += n;
		f->drain_left = f->drain_left > n ? f->drain_left - n : 0;
	} else {
		f->st.underruns++;
	}
	more = f->drain_left > 0;
	armed = f->armed;
	f->armed = false;
	pthread_mutex_unlock(&f->lock);
	fifo_changed(f, armed);
	if (more)
		dmasim_model_schedule(m, tick_ns(f->width, f->drain_rate), drain_tick, f, "fifo tx");
}

/* ---- public ---------------------------------------------------------------------------- */

struct dmasim_fifo *dmasim_fifo_create(struct dmasim_platform *p, const char *name, unsigned int width,
				       unsigned int depth)
{
	struct dmasim_fifo *f;

	if (!p || !name || (width != 1 && width != 2 && width != 4 && width != 8) || !depth || depth > 65536) {
		if (p)
			dmasim__log(p, DMASIM_LOG_ERR, "dmasim_fifo_create: %s: width %u (1, 2, 4 or 8) or depth %u (1-65536) not valid",
				    name ? name : "(null)", width, depth);
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->width = width;
	f->depth = depth;
	f->cap = (size_t)width * depth;
	f->ring = calloc(1, f->cap);
	pthread_mutex_init(&f->lock, NULL);
	f->m = f->ring ? dmasim_model_create(p, name, NULL, f) : NULL;
	if (f->m)
		f->w = dmasim_window_add(f->m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = name, .size = 0x1000, .widths = width,
			.read = data_read, .write = data_write });
	if (!f->w) {
		dmasim_model_destroy(f->m);
		pthread_mutex_destroy(&f->lock);
		free(f->ring);
		free(f);
		return NULL;
	}
	return f;
}

void dmasim_fifo_destroy(struct dmasim_fifo *f)
{
	if (!f)
		return;
	dmasim__dma_fifo_gone(f);
	dmasim_model_destroy(f->m);
	pthread_mutex_destroy(&f->lock);
	free(f->ring);
	free(f->src);
	free(f->sink);
	free(f);
}

phys_addr_t dmasim_fifo_phys(const struct dmasim_fifo *f)
{
	return f ? dmasim_window_base(f->w) : 0;
}

int dmasim_fifo_produce(struct dmasim_fifo *f, const void *data, size_t len, u64 rate)
{
	u8 *copy;
	bool idle;

	if (!f || (!data && len) || !rate)
		return -EINVAL;
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	dmasim_model_lock(f->m);
	pthread_mutex_lock(&f->lock);
	idle = f->src_pos >= f->src_len;
	free(f->src);
	f->src = copy;
	f->src_len = len;
	f->src_pos = 0;
	f->src_rate = rate;
	pthread_mutex_unlock(&f->lock);
	if (!idle)
		dmasim_model_cancel(f->m, produce_tick, f);
	if (len)
		dmasim_model_schedule(f->m, tick_ns(f->width, rate), produce_tick, f, "fifo rx");
	dmasim_model_unlock(f->m);
	return 0;
}

int dmasim_fifo_flow_control(struct dmasim_fifo *f, bool on)
{
	if (!f)
		return -EINVAL;
	pthread_mutex_lock(&f->lock);
	f->flow_control = on;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

int dmasim_fifo_consume(struct dmasim_fifo *f, size_t len, u64 rate)
{
	if (!f || (len && !rate))
		return -EINVAL;
	dmasim_model_lock(f->m);
	dmasim_model_cancel(f->m, drain_tick, f);
	pthread_mutex_lock(&f->lock);
	f->drain_left = len;
	f->drain_rate = rate;
	pthread_mutex_unlock(&f->lock);
	if (len)
		dmasim_model_schedule(f->m, tick_ns(f->width, rate), drain_tick, f, "fifo tx");
	dmasim_model_unlock(f->m);
	return 0;
}

size_t dmasim_fifo_sink(struct dmasim_fifo *f, void *buf, size_t max)
{
	size_t n;

	if (!f || !buf)
		return 0;
	pthread_mutex_lock(&f->lock);
	n = f->sink_len < max ? f->sink_len : max;
	memcpy(buf, f->sink, n);
	pthread_mutex_unlock(&f->lock);
	return n;
}

void dmasim_fifo_stats(struct dmasim_fifo *f, struct dmasim_fifo_stats *st)
{
	if (!f || !st)
		return;
	pthread_mutex_lock(&f->lock);
	*st = f->st;
	st->level = (unsigned int)f->level;
	pthread_mutex_unlock(&f->lock);
}
