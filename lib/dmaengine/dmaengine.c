/*
 * lib/dmaengine/dmaengine.c - the dmaengine consumer API (<linux/dmaengine.h>)
 * and the provider core under it (<dmasim/dma-controller.h>).
 *
 * Layer: dmaengine, above the device models and the DMA API.  The core does
 * for every provider what the kernel's drivers/dma/virt-dma.c and the cookie
 * helpers of drivers/dma/dmaengine.h do for a dmaengine driver: each
 * channel's descriptors move from allocated (prepared, or a reusable one
 * done) to submitted, issued, active and back (reusable) or retired; cookies
 * are given out monotonically at submit and the channel's completed cookie
 * follows completions; callbacks run after the channel's lock is dropped, in
 * the context of the provider's interrupt handler.  Retired descriptors are
 * kept (marked dead) until the channel is released, so that resubmitting
 * one is reported rather than a use after free.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <linux/err.h>
#include <linux/jiffies.h>

#include "dmaengine/dmaengine.h"

#define DESC_LIVE 0x64657363u /* "desc" */
#define DESC_DEAD 0x64656164u /* "dead" */
#define RETIRED_KEEP 1024

enum desc_state { D_ALLOCATED, D_SUBMITTED, D_ISSUED, D_ACTIVE, D_CALLBACK, D_TERMINATED, D_RETIRED };

struct dmasim_dma_desc {
	struct dma_async_tx_descriptor tx;
	TAILQ_ENTRY(dmasim_dma_desc) link;
	enum desc_state state;
	struct dmasim_dma_xfer x;
	struct dmasim_dma_seg *segs;
	unsigned int nsegs;
	unsigned int cur;
	size_t total;
	enum dmaengine_tx_result result;
};
TAILQ_HEAD(desc_list, dmasim_dma_desc);

struct dmasim_dma_chan_state {
	pthread_mutex_t lock;
	struct dmasim_dma_controller *c;
	char name[80];
	bool taken;
	bool have_config;
	struct dma_slave_config cfg;
	int request;
	struct desc_list allocated, submitted, issued, terminated, retired;
	unsigned int nretired;
	struct dmasim_dma_desc *active;
	u32 seq;
	bool paused;
	bool need_sync;
	int cb_running; /* callbacks running now (atomic) */
	pthread_t cb_thread;
};

struct dmasim_dma_controller {
	struct dmasim_dma_controller_desc d;
	char name[64];
	struct device *dev;
	struct dmasim_platform *p;
	void *priv;
	struct dma_chan *chans;
	struct dmasim_dma_chan_state *st;
	struct dmasim_fifo *fifo[DMASIM_DMA_NR_REQ];
	TAILQ_ENTRY(dmasim_dma_controller) link;
};

struct slave_map {
	struct device *client;
	char name[32];
	struct dmasim_dma_controller *c;
	int chan_id;
	int request;
	TAILQ_ENTRY(slave_map) link;
};

/* The registry: controllers and the slave map of every platform; leaf lock. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, dmasim_dma_controller) controllers = TAILQ_HEAD_INITIALIZER(controllers);
static TAILQ_HEAD(, slave_map) slave_maps = TAILQ_HEAD_INITIALIZER(slave_maps);

/* ---- reports ------------------------------------------------------------------------ */

static const char *chan_label(struct dma_chan *chan)
{
	return chan && chan->dmasim ? chan->dmasim->name : "(no channel)";
}

void dmasim__dma_report(struct dma_chan *chan, const char *call, const char *fmt, ...)
{
	char body[700];
	va_list ap;
	struct dmasim_platform *p = chan && chan->dmasim ? chan->dmasim->c->p : dmasim_platform_current();

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (p)
		dmasim__report(p, "dmaengine: %s%s%s: %s: %s", chan_label(chan),
			       chan && chan->slave ? " of " : "", chan && chan->slave ? dev_name(chan->slave) : "",
			       call, body);
}

/* A failure value with a message (not misuse: the kernel's drivers refuse it too). */
static void chan_log(struct dma_chan *chan, const char *call, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void chan_log(struct dma_chan *chan, const char *call, const char *fmt, ...)
{
	char body[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	dmasim__log(chan->dmasim->c->p, DMASIM_LOG_ERR, "dmaengine: %s: %s: %s", chan_label(chan), call, body);
}

struct dmasim_platform *dmasim__dma_platform(struct dmasim_dma_controller *c)
{
	return c->p;
}

/* The channel's state, or NULL with a report when @chan is not a held channel. */
static struct dmasim_dma_chan_state *chan_state(struct dma_chan *chan, const char *call)
{
	struct dmasim_dma_chan_state *s;

	if (!chan || !chan->dmasim) {
		struct dmasim_platform *p = dmasim_platform_current();

		if (p)
			dmasim__report(p, "dmaengine: %s: %p is not a channel from dma_request_chan()", call, (void *)chan);
		return NULL;
	}
	s = chan->dmasim;
	if (!__atomic_load_n(&s->taken, __ATOMIC_ACQUIRE)) {
		dmasim__dma_report(chan, call, "channel used after dma_release_channel()");
		return NULL;
	}
	return s;
}

/* ---- controllers and the slave map ------------------------------------------------------ */

struct dmasim_dma_controller *dmasim_dma_controller_register(struct device *dev,
							     const struct dmasim_dma_controller_desc *desc,
							     void *priv)
{
	struct dmasim_platform *p = dev ? dmasim_device_platform(dev) : NULL;
	struct dmasim_dma_controller *c;

	if (!p || !desc || !desc->ops || desc->ops->abi != DMASIM_DMA_OPS_ABI || !desc->ops->start_seg ||
	    !desc->ops->stop || !desc->ops->seg_residue || !desc->nr_channels || desc->nr_channels > 64) {
		if (p || (p = dmasim_platform_current()))
			dmasim__log(p, DMASIM_LOG_ERR,
				    "dmasim_dma_controller_register: %s: bad device, descriptor, ops (abi %u, start_seg, stop and seg_residue needed) or channel count %u (1-64)",
				    dev_name(dev), desc && desc->ops ? desc->ops->abi : 0, desc ? desc->nr_channels : 0);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->chans = calloc(desc->nr_channels, sizeof(*c->chans));
	c->st = calloc(desc->nr_channels, sizeof(*c->st));
	if (!c->chans || !c->st) {
		free(c->chans);
		free(c->st);
		free(c);
		return NULL;
	}
	c->d = *desc;
	snprintf(c->name, sizeof(c->name), "%s", desc->name ? desc->name : dev_name(dev));
	c->d.name = c->name;
	c->dev = dev;
	c->p = p;
	c->priv = priv;
	for (unsigned int i = 0; i < desc->nr_channels; i++) {
		struct dmasim_dma_chan_state *s = &c->st[i];

		pthread_mutex_init(&s->lock, NULL);
		s->c = c;
		snprintf(s->name, sizeof(s->name), "%schan%u", c->name, i);
		TAILQ_INIT(&s->allocated);
		TAILQ_INIT(&s->submitted);
		TAILQ_INIT(&s->issued);
		TAILQ_INIT(&s->terminated);
		TAILQ_INIT(&s->retired);
		c->chans[i].device = c;
		c->chans[i].chan_id = (int)i;
		c->chans[i].cookie = DMA_MIN_COOKIE;
		c->chans[i].completed_cookie = DMA_MIN_COOKIE;
		c->chans[i].dmasim = s;
	}
	pthread_mutex_lock(&reg_lock);
	TAILQ_INSERT_TAIL(&controllers, c, link);
	pthread_mutex_unlock(&reg_lock);
	return c;
}

static void chan_free_all(struct dma_chan *chan);

void dmasim_dma_controller_unregister(struct dmasim_dma_controller *c)
{
	struct slave_map *m, *tmp;

	if (!c)
		return;
	for (unsigned int i = 0; i < c->d.nr_channels; i++) {
		if (c->st[i].taken) {
			dmasim__dma_report(&c->chans[i], "dmasim_dma_controller_unregister",
					   "channel still held (missing dma_release_channel())");
			dma_release_channel(&c->chans[i]);
		}
		chan_free_all(&c->chans[i]);
	}
	pthread_mutex_lock(&reg_lock);
	TAILQ_REMOVE(&controllers, c, link);
	TAILQ_FOREACH_SAFE(m, &slave_maps, link, tmp) {
		if (m->c == c) {
			TAILQ_REMOVE(&slave_maps, m, link);
			free(m);
		}
	}
	for (int i = 0; i < DMASIM_DMA_NR_REQ; i++)
		if (c->fifo[i])
			dmasim__fifo_set_notify(c->fifo[i], NULL, NULL);
	pthread_mutex_unlock(&reg_lock);
	for (unsigned int i = 0; i < c->d.nr_channels; i++)
		pthread_mutex_destroy(&c->st[i].lock);
	free(c->chans);
	free(c->st);
	free(c);
}

void *dmasim_dma_controller_priv(const struct dmasim_dma_controller *c)
{
	return c ? c->priv : NULL;
}

struct device *dmasim_dma_controller_device(const struct dmasim_dma_controller *c)
{
	return c ? c->dev : NULL;
}

struct dma_chan *dmasim_dma_controller_chan(struct dmasim_dma_controller *c, unsigned int id)
{
	return c && id < c->d.nr_channels ? &c->chans[id] : NULL;
}

int dmasim_dma_slave_map_add(struct device *client, const char *name, struct dmasim_dma_controller *c,
			     int chan_id, int request)
{
	struct slave_map *m;

	if (!client || !name || !c || strlen(name) >= sizeof(m->name) || chan_id < -1 ||
	    chan_id >= (int)c->d.nr_channels || request < -1 || request >= DMASIM_DMA_NR_REQ)
		return -EINVAL;
	pthread_mutex_lock(&reg_lock);
	TAILQ_FOREACH(m, &slave_maps, link) {
		if (m->client == client && !strcmp(m->name, name)) {
			pthread_mutex_unlock(&reg_lock);
			return -EEXIST;
		}
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		pthread_mutex_unlock(&reg_lock);
		return -ENOMEM;
	}
	m->client = client;
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->c = c;
	m->chan_id = chan_id;
	m->request = request;
	TAILQ_INSERT_TAIL(&slave_maps, m, link);
	pthread_mutex_unlock(&reg_lock);
	return 0;
}

int dmasim_dma_connect_fifo(struct dmasim_dma_controller *c, int request, struct dmasim_fifo *f)
{
	int ret = 0;

	if (!c || !f || request < 0 || request >= DMASIM_DMA_NR_REQ)
		return -EINVAL;
	pthread_mutex_lock(&reg_lock);
	if (c->fifo[request])
		ret = -EBUSY;
	else
		c->fifo[request] = f;
	pthread_mutex_unlock(&reg_lock);
	return ret;
}

struct dmasim_fifo *dmasim__dma_fifo_at(struct dmasim_dma_controller *c, phys_addr_t phys, int *line)
{
	struct dmasim_fifo *f = NULL;

	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < DMASIM_DMA_NR_REQ && !f; i++) {
		if (c->fifo[i] && dmasim_fifo_phys(c->fifo[i]) <= phys &&
		    phys < dmasim_fifo_phys(c->fifo[i]) + dmasim__fifo_width(c->fifo[i])) {
			f = c->fifo[i];
			*line = i;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	return f;
}

/* Called by dmasim_fifo_destroy(): forget @f everywhere. */
void dmasim__dma_fifo_gone(struct dmasim_fifo *f);
void dmasim__dma_fifo_gone(struct dmasim_fifo *f)
{
	struct dmasim_dma_controller *c;

	pthread_mutex_lock(&reg_lock);
	TAILQ_FOREACH(c, &controllers, link)
		for (int i = 0; i < DMASIM_DMA_NR_REQ; i++)
			if (c->fifo[i] == f)
				c->fifo[i] = NULL;
	pthread_mutex_unlock(&reg_lock);
}

/* ---- channels --------------------------------------------------------------------------- */

static bool chan_take(struct dma_chan *chan, struct device *client, const char *name, int request)
{
	struct dmasim_dma_chan_state *s = chan->dmasim;

	if (s->taken)
		return false;
	s->taken = true;
	s->have_config = false;
	s->paused = false;
	s->need_sync = false;
	s->request = request;
	chan->slave = client;
	chan->name = name;
	chan->private = NULL;
	return true;
}

struct dma_chan *dma_request_chan(struct device *dev, const char *name)
{
	struct slave_map *m;
	struct dma_chan *chan = NULL;
	int err = -ENODEV;

	if (!dev || !name)
		return ERR_PTR(-EINVAL);
	pthread_mutex_lock(&reg_lock);
	TAILQ_FOREACH(m, &slave_maps, link) {
		if (m->client != dev || strcmp(m->name, name))
			continue;
		err = -EBUSY;
		for (unsigned int i = 0; i < m->c->d.nr_channels && !chan; i++) {
			if (m->chan_id >= 0 && (int)i != m->chan_id)
				continue;
			if (chan_take(&m->c->chans[i], dev, m->name, m->request))
				chan = &m->c->chans[i];
		}
		break;
	}
	pthread_mutex_unlock(&reg_lock);
	if (!chan) {
		struct dmasim_platform *p = dmasim_device_platform(dev);

		if (p)
			dmasim__log(p, DMASIM_LOG_ERR, "dma_request_chan: %s: channel \"%s\": %s", dev_name(dev), name,
				    err == -EBUSY ? "its channel is taken (-EBUSY)" : "no slave map entry (-ENODEV)");
		return ERR_PTR(err);
	}
	return chan;
}

static bool caps_cover(const dma_cap_mask_t *have, const dma_cap_mask_t *want)
{
	for (size_t i = 0; i < sizeof(want->bits) / sizeof(want->bits[0]); i++)
		if ((want->bits[i] & have->bits[i]) != want->bits[i])
			return false;
	return true;
}

struct dma_chan *__dma_request_channel(const dma_cap_mask_t *mask, dma_filter_fn fn, void *fn_param, void *np)
{
	struct dmasim_platform *p = dmasim_platform_current();
	struct dmasim_dma_controller *c;
	struct dma_chan *chan = NULL;

	(void)np;
	if (!mask)
		return NULL;
	pthread_mutex_lock(&reg_lock);
	TAILQ_FOREACH(c, &controllers, link) {
		if ((p && c->p != p) || !caps_cover(&c->d.caps, mask))
			continue;
		for (unsigned int i = 0; i < c->d.nr_channels && !chan; i++) {
			struct dma_chan *cand = &c->chans[i];

			if (c->st[i].taken)
				continue;
			/* The kernel calls the filter with the channel not yet taken. */
			if (fn && !fn(cand, fn_param))
				continue;
			if (chan_take(cand, NULL, NULL, -1))
				chan = cand;
		}
		if (chan)
			break;
	}
	pthread_mutex_unlock(&reg_lock);
	return chan;
}

struct dma_chan *dma_request_chan_by_mask(const dma_cap_mask_t *mask)
{
	struct dma_chan *chan = __dma_request_channel(mask, NULL, NULL, NULL);

	return chan ? chan : ERR_PTR(-ENODEV);
}

static void desc_free(struct dmasim_dma_desc *d)
{
	free(d->segs);
	free(d);
}

/* Free every descriptor of @chan (release, unregister). */
static void chan_free_all(struct dma_chan *chan)
{
	struct dmasim_dma_chan_state *s = chan->dmasim;
	struct desc_list *lists[] = { &s->allocated, &s->submitted, &s->issued, &s->terminated, &s->retired };
	struct dmasim_dma_desc *d;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		while ((d = TAILQ_FIRST(lists[i]))) {
			TAILQ_REMOVE(lists[i], d, link);
			desc_free(d);
		}
	}
	if (s->active) {
		desc_free(s->active);
		s->active = NULL;
	}
	s->nretired = 0;
	pthread_mutex_unlock(&s->lock);
}

void dma_release_channel(struct dma_chan *chan)
{
	struct dmasim_dma_chan_state *s = chan_state(chan, "dma_release_channel");
	bool busy;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	busy = s->active || !TAILQ_EMPTY(&s->issued);
	pthread_mutex_unlock(&s->lock);
	if (busy)
		dmasim__dma_report(chan, "dma_release_channel",
				   "transfers still running (dmaengine_terminate_sync() first)");
	else if (s->need_sync)
		dmasim__dma_report(chan, "dma_release_channel",
				   "dmaengine_terminate_async() without dmaengine_synchronize(): a callback may still run");
	dmaengine_terminate_sync(chan);
	chan_free_all(chan);
	pthread_mutex_lock(&reg_lock);
	chan->slave = NULL;
	chan->name = NULL;
	__atomic_store_n(&s->taken, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&reg_lock);
}

int dma_get_slave_caps(struct dma_chan *chan, struct dma_slave_caps *caps)
{
	struct dmasim_dma_controller *c;

	if (!chan || !chan->dmasim || !caps)
		return -EINVAL;
	c = chan->dmasim->c;
	memset(caps, 0, sizeof(*caps));
	caps->src_addr_widths = c->d.src_addr_widths;
	caps->dst_addr_widths = c->d.dst_addr_widths;
	caps->directions = c->d.directions;
	caps->min_burst = 1;
	caps->max_burst = c->d.max_burst ? c->d.max_burst : 1;
	caps->max_sg_burst = 0;
	caps->cmd_pause = c->d.ops->pause != NULL;
	caps->cmd_resume = c->d.ops->resume != NULL;
	caps->cmd_terminate = true;
	caps->residue_granularity = c->d.residue_granularity;
	caps->descriptor_reuse = c->d.descriptor_reuse;
	return 0;
}

struct device *dmaengine_get_dma_device(struct dma_chan *chan)
{
	return chan && chan->dmasim ? chan->dmasim->c->dev : NULL;
}

const char *dma_chan_name(struct dma_chan *chan)
{
	return chan_label(chan);
}

/* ---- configuration ------------------------------------------------------------------------ */

static bool width_ok(u32 widths, enum dma_slave_buswidth w)
{
	if (w == 64)
		return widths & DMASIM_DMA_WIDTH_64;
	if (w == 32)
		return widths & DMASIM_DMA_WIDTH_32;
	return w >= 1 && w < 31 && (widths & (1u << w));
}

int dmaengine_slave_config(struct dma_chan *chan, struct dma_slave_config *config)
{
	struct dmasim_dma_chan_state *s = chan_state(chan, "dmaengine_slave_config");
	struct dmasim_dma_controller *c;
	u32 maxb;

	if (!s || !config)
		return -EINVAL;
	c = s->c;
	if (!__dma_has_cap(DMA_SLAVE, &c->d.caps) && !__dma_has_cap(DMA_CYCLIC, &c->d.caps)) {
		chan_log(chan, "dmaengine_slave_config", "the controller has no DMA_SLAVE capability (-ENOSYS)");
		return -ENOSYS;
	}
	maxb = c->d.max_burst ? c->d.max_burst : 1;
	if ((config->src_addr_width && !width_ok(c->d.src_addr_widths, config->src_addr_width)) ||
	    (config->dst_addr_width && !width_ok(c->d.dst_addr_widths, config->dst_addr_width))) {
		chan_log(chan, "dmaengine_slave_config", "address width src %u / dst %u bytes not supported (widths 0x%x / 0x%x) (-EINVAL)",
			 config->src_addr_width, config->dst_addr_width, c->d.src_addr_widths, c->d.dst_addr_widths);
		return -EINVAL;
	}
	if (config->src_maxburst > maxb || config->dst_maxburst > maxb) {
		chan_log(chan, "dmaengine_slave_config", "maxburst src %u / dst %u above the controller's %u (-EINVAL)",
			 config->src_maxburst, config->dst_maxburst, maxb);
		return -EINVAL;
	}
	if (config->src_port_window_size || config->dst_port_window_size) {
		chan_log(chan, "dmaengine_slave_config", "port windows are not modelled (-EINVAL)");
		return -EINVAL;
	}
	pthread_mutex_lock(&s->lock);
	s->cfg = *config;
	s->have_config = true;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* ---- preparation ---------------------------------------------------------------------------- */

static dma_cookie_t tx_submit(struct dma_async_tx_descriptor *tx);
static int tx_desc_free(struct dma_async_tx_descriptor *tx);

static struct dmasim_dma_desc *desc_new(struct dma_chan *chan, unsigned int nsegs, unsigned long flags)
{
	struct dmasim_dma_desc *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->segs = calloc(nsegs ? nsegs : 1, sizeof(*d->segs));
	if (!d->segs) {
		free(d);
		return NULL;
	}
	d->nsegs = nsegs;
	d->tx.chan = chan;
	d->tx.flags = (enum dma_ctrl_flags)flags;
	d->tx.cookie = -EBUSY;
	d->tx.tx_submit = tx_submit;
	d->tx.desc_free = tx_desc_free;
	d->tx.dmasim_magic = DESC_LIVE;
	d->x.request = chan->dmasim->request;
	d->x.src_width = d->x.dst_width = 1;
	return d;
}

/* Hand a prepared descriptor to the client: it sits on the allocated list. */
static struct dma_async_tx_descriptor *desc_ready(struct dma_chan *chan, struct dmasim_dma_desc *d)
{
	struct dmasim_dma_chan_state *s = chan->dmasim;

	d->total = 0;
	for (unsigned int i = 0; i < d->nsegs; i++)
		d->total += d->segs[i].len;
	pthread_mutex_lock(&s->lock);
	d->state = D_ALLOCATED;
	TAILQ_INSERT_TAIL(&s->allocated, d, link);
	pthread_mutex_unlock(&s->lock);
	return &d->tx;
}

static bool has_cap(struct dma_chan *chan, enum dma_transaction_type t, const char *call, const char *what)
{
	if (__dma_has_cap(t, &chan->dmasim->c->d.caps))
		return true;
	chan_log(chan, call, "the controller has no %s capability", what);
	return false;
}

/*
 * The slave side of a prep: the direction, the configured peripheral
 * address, width and burst.  NULL-returning failures log; a missing config
 * is misuse (reported).
 */
static bool slave_side(struct dma_chan *chan, const char *call, enum dma_transfer_direction dir,
		       struct dmasim_dma_xfer *x, dma_addr_t *fifo, size_t *width)
{
	struct dmasim_dma_chan_state *s = chan->dmasim;
	struct dma_slave_config cfg;
	bool have;
	enum dma_slave_buswidth w;
	u32 burst;

	if (dir != DMA_MEM_TO_DEV && dir != DMA_DEV_TO_MEM) {
		chan_log(chan, call, "direction %d is not DMA_MEM_TO_DEV or DMA_DEV_TO_MEM", dir);
		return false;
	}
	if (!(s->c->d.directions & (1u << dir))) {
		chan_log(chan, call, "the controller does not do direction %d (directions 0x%x)", dir, s->c->d.directions);
		return false;
	}
	pthread_mutex_lock(&s->lock);
	have = s->have_config;
	cfg = s->cfg;
	pthread_mutex_unlock(&s->lock);
	if (!have) {
		dmasim__dma_report(chan, call, "no dmaengine_slave_config() on this channel: the peripheral's address and width are unknown");
		return false;
	}
	w = dir == DMA_MEM_TO_DEV ? cfg.dst_addr_width : cfg.src_addr_width;
	burst = dir == DMA_MEM_TO_DEV ? cfg.dst_maxburst : cfg.src_maxburst;
	if (w == DMA_SLAVE_BUSWIDTH_UNDEFINED) {
		chan_log(chan, call, "the slave config has no %s_addr_width for direction %d",
			 dir == DMA_MEM_TO_DEV ? "dst" : "src", dir);
		return false;
	}
	x->kind = DMASIM_DMA_SLAVE;
	x->dir = dir;
	x->burst = (unsigned int)w * (burst ? burst : 1);
	if (dir == DMA_MEM_TO_DEV) {
		x->dst_fixed = true;
		x->dst_width = w;
		*fifo = (dma_addr_t)cfg.dst_addr;
	} else {
		x->src_fixed = true;
		x->src_width = w;
		*fifo = (dma_addr_t)cfg.src_addr;
	}
	*width = w;
	return true;
}

static void set_seg(struct dmasim_dma_seg *sg, enum dma_transfer_direction dir, dma_addr_t mem, dma_addr_t fifo,
		    size_t len)
{
	sg->src = dir == DMA_MEM_TO_DEV ? mem : fifo;
	sg->dst = dir == DMA_MEM_TO_DEV ? fifo : mem;
	sg->len = len;
}

struct dma_async_tx_descriptor *dmaengine_prep_slave_sg(struct dma_chan *chan, struct scatterlist *sgl,
							unsigned int sg_len, enum dma_transfer_direction dir,
							unsigned long flags)
{
	const char *call = "dmaengine_prep_slave_sg";
	struct dmasim_dma_desc *d;
	struct dmasim_dma_xfer x = { 0 };
	struct scatterlist *sg;
	dma_addr_t fifo;
	size_t width;
	unsigned int i;

	if (!chan_state(chan, call))
		return NULL;
	if (!has_cap(chan, DMA_SLAVE, call, "DMA_SLAVE") || !slave_side(chan, call, dir, &x, &fifo, &width))
		return NULL;
	if (!sgl || !sg_len) {
		chan_log(chan, call, "empty scatterlist (sgl %p, sg_len %u)", (void *)sgl, sg_len);
		return NULL;
	}
	d = desc_new(chan, sg_len, flags);
	if (!d)
		return NULL;
	x.request = d->x.request;
	if (x.src_width == 0)
		x.src_width = 1;
	if (x.dst_width == 0)
		x.dst_width = 1;
	x.flags = flags;
	d->x = x;
	if (!d->x.src_fixed)
		d->x.src_width = 1;
	if (!d->x.dst_fixed)
		d->x.dst_width = 1;
	for_each_sg(sgl, sg, sg_len, i) {
		size_t len = sg_dma_len(sg);

		if (!len || len % width) {
			chan_log(chan, call, "entry %u: length %zu is not a non-zero multiple of the %zu-byte width", i, len,
				 width);
			desc_free(d);
			return NULL;
		}
		set_seg(&d->segs[i], dir, sg_dma_address(sg), fifo, len);
	}
	return desc_ready(chan, d);
}

struct dma_async_tx_descriptor *dmaengine_prep_slave_single(struct dma_chan *chan, dma_addr_t buf, size_t len,
							    enum dma_transfer_direction dir, unsigned long flags)
{
	const char *call = "dmaengine_prep_slave_single";
	struct dmasim_dma_desc *d;
	struct dmasim_dma_xfer x = { 0 };
	dma_addr_t fifo;
	size_t width;

	if (!chan_state(chan, call))
		return NULL;
	if (!has_cap(chan, DMA_SLAVE, call, "DMA_SLAVE") || !slave_side(chan, call, dir, &x, &fifo, &width))
		return NULL;
	if (!len || len % width) {
		chan_log(chan, call, "length %zu is not a non-zero multiple of the %zu-byte width", len, width);
		return NULL;
	}
	d = desc_new(chan, 1, flags);
	if (!d)
		return NULL;
	x.request = d->x.request;
	x.flags = flags;
	if (!x.src_fixed)
		x.src_width = 1;
	if (!x.dst_fixed)
		x.dst_width = 1;
	d->x = x;
	set_seg(&d->segs[0], dir, buf, fifo, len);
	return desc_ready(chan, d);
}

struct dma_async_tx_descriptor *dmaengine_prep_dma_cyclic(struct dma_chan *chan, dma_addr_t buf_addr,
							  size_t buf_len, size_t period_len,
							  enum dma_transfer_direction dir, unsigned long flags)
{
	const char *call = "dmaengine_prep_dma_cyclic";
	struct dmasim_dma_desc *d;
	struct dmasim_dma_xfer x = { 0 };
	dma_addr_t fifo;
	size_t width, n;

	if (!chan_state(chan, call))
		return NULL;
	if (!has_cap(chan, DMA_CYCLIC, call, "DMA_CYCLIC") || !slave_side(chan, call, dir, &x, &fifo, &width))
		return NULL;
	if (!period_len || !buf_len || buf_len % period_len || period_len % width) {
		chan_log(chan, call, "buf_len %zu must be a non-zero multiple of period_len %zu, itself a multiple of the %zu-byte width",
			 buf_len, period_len, width);
		return NULL;
	}
	n = buf_len / period_len;
	d = desc_new(chan, (unsigned int)n, flags);
	if (!d)
		return NULL;
	x.kind = DMASIM_DMA_CYCLIC;
	x.request = d->x.request;
	x.flags = flags;
	if (!x.src_fixed)
		x.src_width = 1;
	if (!x.dst_fixed)
		x.dst_width = 1;
	d->x = x;
	for (size_t i = 0; i < n; i++)
		set_seg(&d->segs[i], dir, buf_addr + i * period_len, fifo, period_len);
	return desc_ready(chan, d);
}

struct dma_async_tx_descriptor *dmaengine_prep_dma_memcpy(struct dma_chan *chan, dma_addr_t dest, dma_addr_t src,
							  size_t len, unsigned long flags)
{
	const char *call = "dmaengine_prep_dma_memcpy";
	struct dmasim_dma_desc *d;

	if (!chan_state(chan, call) || !has_cap(chan, DMA_MEMCPY, call, "DMA_MEMCPY"))
		return NULL;
	if (!len) {
		chan_log(chan, call, "length 0");
		return NULL;
	}
	d = desc_new(chan, 1, flags);
	if (!d)
		return NULL;
	d->x.kind = DMASIM_DMA_MEMCPY;
	d->x.dir = DMA_MEM_TO_MEM;
	d->x.request = -1;
	d->x.flags = flags;
	d->segs[0] = (struct dmasim_dma_seg){ .src = src, .dst = dest, .len = len };
	return desc_ready(chan, d);
}

struct dma_async_tx_descriptor *dmaengine_prep_dma_memset(struct dma_chan *chan, dma_addr_t dest, int value,
							  size_t len, unsigned long flags)
{
	const char *call = "dmaengine_prep_dma_memset";
	struct dmasim_dma_desc *d;

	if (!chan_state(chan, call) || !has_cap(chan, DMA_MEMSET, call, "DMA_MEMSET"))
		return NULL;
	if (!len) {
		chan_log(chan, call, "length 0");
		return NULL;
	}
	d = desc_new(chan, 1, flags);
	if (!d)
		return NULL;
	d->x.kind = DMASIM_DMA_MEMSET;
	d->x.dir = DMA_MEM_TO_MEM;
	d->x.request = -1;
	d->x.fill = (u8)value;
	d->x.flags = flags;
	d->segs[0] = (struct dmasim_dma_seg){ .src = 0, .dst = dest, .len = len };
	return desc_ready(chan, d);
}

/* The gap after a chunk on one side (include/linux/dmaengine.h's dmaengine_get_{src,dst}_icg()). */
static size_t side_icg(bool inc, bool sgl, size_t side_icg_v, size_t icg)
{
	if (!inc || !sgl)
		return 0;
	return side_icg_v ? side_icg_v : icg;
}

struct dma_async_tx_descriptor *dmaengine_prep_interleaved_dma(struct dma_chan *chan,
							       struct dma_interleaved_template *xt,
							       unsigned long flags)
{
	const char *call = "dmaengine_prep_interleaved_dma";
	struct dmasim_dma_desc *d;
	dma_addr_t src, dst;
	size_t n;

	if (!chan_state(chan, call) || !has_cap(chan, DMA_INTERLEAVE, call, "DMA_INTERLEAVE"))
		return NULL;
	if (!xt || !xt->numf || !xt->frame_size || xt->numf > (1u << 20) / xt->frame_size ||
	    xt->dir > DMA_DEV_TO_MEM || (xt->dir != DMA_MEM_TO_MEM && !(chan->dmasim->c->d.directions & (1u << xt->dir)))) {
		chan_log(chan, call, "bad template (numf %zu, frame_size %zu, dir %d)", xt ? xt->numf : 0,
			 xt ? xt->frame_size : 0, xt ? (int)xt->dir : -1);
		return NULL;
	}
	for (size_t i = 0; i < xt->frame_size; i++) {
		if (!xt->sgl[i].size) {
			chan_log(chan, call, "chunk %zu has size 0", i);
			return NULL;
		}
	}
	n = xt->numf * xt->frame_size;
	d = desc_new(chan, (unsigned int)n, flags);
	if (!d)
		return NULL;
	d->x.kind = DMASIM_DMA_INTERLEAVE;
	d->x.dir = xt->dir;
	d->x.src_fixed = !xt->src_inc;
	d->x.dst_fixed = !xt->dst_inc;
	d->x.flags = flags;
	if (xt->dir == DMA_MEM_TO_MEM)
		d->x.request = -1;
	src = xt->src_start;
	dst = xt->dst_start;
	for (size_t f = 0, k = 0; f < xt->numf; f++) {
		for (size_t i = 0; i < xt->frame_size; i++, k++) {
			const struct data_chunk *ch = &xt->sgl[i];

			d->segs[k] = (struct dmasim_dma_seg){ .src = src, .dst = dst, .len = ch->size };
			if (xt->src_inc)
				src += ch->size + side_icg(xt->src_inc, xt->src_sgl, ch->src_icg, ch->icg);
			if (xt->dst_inc)
				dst += ch->size + side_icg(xt->dst_inc, xt->dst_sgl, ch->dst_icg, ch->icg);
		}
	}
	return desc_ready(chan, d);
}

/* ---- submission ---------------------------------------------------------------------------- */

static struct dmasim_dma_desc *to_desc(struct dma_async_tx_descriptor *tx)
{
	return (struct dmasim_dma_desc *)((char *)tx - offsetof(struct dmasim_dma_desc, tx));
}

static dma_cookie_t tx_submit(struct dma_async_tx_descriptor *tx)
{
	struct dmasim_dma_desc *d = to_desc(tx);
	struct dma_chan *chan = tx->chan;
	struct dmasim_dma_chan_state *s = chan->dmasim;
	dma_cookie_t cookie;
	enum desc_state st;

	pthread_mutex_lock(&s->lock);
	st = d->state;
	if (tx->dmasim_magic != DESC_LIVE || st != D_ALLOCATED) {
		pthread_mutex_unlock(&s->lock);
		dmasim__dma_report(chan, "dmaengine_submit",
				   st == D_RETIRED ? "descriptor %p was freed when it completed (only a DMA_CTRL_REUSE descriptor may be submitted again)"
				   : st == D_TERMINATED ? "descriptor %p was terminated and not yet given back by dmaengine_synchronize()"
				   : "descriptor %p is already submitted (cookie %d)",
				   (void *)tx, tx->cookie);
		return -EINVAL;
	}
	/* drivers/dma/dmaengine.h dma_cookie_assign(): monotonic, skipping values below DMA_MIN_COOKIE. */
	cookie = chan->cookie + 1;
	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	tx->cookie = chan->cookie = cookie;
	TAILQ_REMOVE(&s->allocated, d, link);
	TAILQ_INSERT_TAIL(&s->submitted, d, link);
	d->state = D_SUBMITTED;
	pthread_mutex_unlock(&s->lock);
	return cookie;
}

dma_cookie_t dmaengine_submit(struct dma_async_tx_descriptor *desc)
{
	if (!desc || !desc->chan || !desc->chan->dmasim || desc->tx_submit != tx_submit ||
	    (desc->dmasim_magic != DESC_LIVE && desc->dmasim_magic != DESC_DEAD)) {
		struct dmasim_platform *p = dmasim_platform_current();

		if (p)
			dmasim__report(p, "dmaengine: dmaengine_submit: %p is not a descriptor from a dmaengine_prep_*() call",
				       (void *)desc);
		return -EINVAL;
	}
	if (!chan_state(desc->chan, "dmaengine_submit"))
		return -EINVAL;
	return desc->tx_submit(desc);
}

/* Start the next issued transaction if the channel is idle. Lock held. */
static void start_next(struct dma_chan *chan)
{
	struct dmasim_dma_chan_state *s = chan->dmasim;
	struct dmasim_dma_desc *d;

	if (s->active || s->paused || !(d = TAILQ_FIRST(&s->issued)))
		return;
	TAILQ_REMOVE(&s->issued, d, link);
	d->state = D_ACTIVE;
	d->cur = 0;
	d->result = DMA_TRANS_NOERROR;
	s->active = d;
	s->seq++;
	if (s->c->d.ops->start_seg(chan, &d->segs[0], &d->x, s->seq))
		dmasim__log(s->c->p, DMASIM_LOG_ERR, "dmaengine: %s: the controller did not start segment 0", s->name);
}

void dma_async_issue_pending(struct dma_chan *chan)
{
	struct dmasim_dma_chan_state *s = chan_state(chan, "dma_async_issue_pending");
	struct dmasim_dma_desc *d;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	while ((d = TAILQ_FIRST(&s->submitted))) {
		TAILQ_REMOVE(&s->submitted, d, link);
		d->state = D_ISSUED;
		TAILQ_INSERT_TAIL(&s->issued, d, link);
	}
	start_next(chan);
	pthread_mutex_unlock(&s->lock);
}

/* Give a finished descriptor back: reusable ones to the client, others retired. Lock held. */
static void desc_retire(struct dmasim_dma_chan_state *s, struct dmasim_dma_desc *d)
{
	if (d->tx.flags & DMA_CTRL_REUSE) {
		d->state = D_ALLOCATED;
		TAILQ_INSERT_TAIL(&s->allocated, d, link);
		return;
	}
	d->state = D_RETIRED;
	d->tx.dmasim_magic = DESC_DEAD;
	TAILQ_INSERT_TAIL(&s->retired, d, link);
	if (++s->nretired > RETIRED_KEEP) {
		struct dmasim_dma_desc *old = TAILQ_FIRST(&s->retired);

		TAILQ_REMOVE(&s->retired, old, link);
		desc_free(old);
		s->nretired--;
	}
}

void dmasim_dma_seg_done(struct dma_chan *chan, u32 seq, enum dmaengine_tx_result result)
{
	struct dmasim_dma_chan_state *s = chan ? chan->dmasim : NULL;
	struct dmasim_dma_desc *d, *finished = NULL;
	dma_async_tx_callback cb = NULL;
	dma_async_tx_callback_result cbr = NULL;
	void *param = NULL;
	struct dmaengine_result res = { .result = result };

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	d = s->active;
	if (!d || seq != s->seq) { /* stale: the transfer was terminated meanwhile */
		pthread_mutex_unlock(&s->lock);
		return;
	}
	if (result == DMA_TRANS_NOERROR && d->x.kind == DMASIM_DMA_CYCLIC) {
		/* A period ended: its callback, and the ring goes on. */
		d->cur = (d->cur + 1) % d->nsegs;
		cb = d->tx.callback;
		cbr = d->tx.callback_result;
		param = d->tx.callback_param;
		s->seq++;
		s->c->d.ops->start_seg(chan, &d->segs[d->cur], &d->x, s->seq);
	} else if (result == DMA_TRANS_NOERROR && d->cur + 1 < d->nsegs) {
		d->cur++;
		s->seq++;
		s->c->d.ops->start_seg(chan, &d->segs[d->cur], &d->x, s->seq);
	} else {
		if (result != DMA_TRANS_NOERROR) {
			size_t left = s->c->d.ops->seg_residue(chan);

			for (unsigned int i = d->cur + 1; i < d->nsegs; i++)
				left += d->segs[i].len;
			res.residue = (u32)left;
		}
		d->result = result;
		/* drivers/dma/dmaengine.h dma_cookie_complete(). */
		chan->completed_cookie = d->tx.cookie;
		d->tx.cookie = 0;
		d->state = D_CALLBACK;
		s->active = NULL;
		finished = d;
		cb = d->tx.callback;
		cbr = d->tx.callback_result;
		param = d->tx.callback_param;
		start_next(chan);
	}
	if (cb || cbr) {
		__atomic_add_fetch(&s->cb_running, 1, __ATOMIC_ACQ_REL);
		s->cb_thread = pthread_self();
	}
	pthread_mutex_unlock(&s->lock);
	/* The callback runs without the lock: it may submit and issue more work. */
	if (cbr)
		cbr(param, &res);
	else if (cb)
		cb(param);
	if (cb || cbr)
		__atomic_sub_fetch(&s->cb_running, 1, __ATOMIC_ACQ_REL);
	if (finished) {
		pthread_mutex_lock(&s->lock);
		desc_retire(s, finished);
		pthread_mutex_unlock(&s->lock);
	}
	dmasim_wake_up_all();
}

/* ---- status ------------------------------------------------------------------------------- */

static struct dmasim_dma_desc *find_cookie(struct desc_list *l, dma_cookie_t cookie)
{
	struct dmasim_dma_desc *d;

	TAILQ_FOREACH(d, l, link)
		if (d->tx.cookie == cookie)
			return d;
	return NULL;
}

enum dma_status dmaengine_tx_status(struct dma_chan *chan, dma_cookie_t cookie, struct dma_tx_state *state)
{
	struct dmasim_dma_chan_state *s = chan_state(chan, "dmaengine_tx_status");
	struct dmasim_dma_desc *d;
	enum dma_status st;
	size_t residue = 0;

	if (!s)
		return DMA_ERROR;
	pthread_mutex_lock(&s->lock);
	/* drivers/dma/dmaengine.h dma_cookie_status(). */
	st = dma_async_is_complete(cookie, chan->completed_cookie, chan->cookie);
	if (st != DMA_COMPLETE) {
		if (s->active && s->active->tx.cookie == cookie) {
			d = s->active;
			residue = s->c->d.ops->seg_residue(chan);
			for (unsigned int i = d->cur + 1; i < d->nsegs; i++)
				residue += d->segs[i].len;
		} else if ((d = find_cookie(&s->issued, cookie)) || (d = find_cookie(&s->submitted, cookie))) {
			residue = d->total;
		}
		if (s->paused)
			st = DMA_PAUSED;
	}
	if (state) {
		state->last = chan->completed_cookie;
		state->used = chan->cookie;
		state->residue = (u32)residue;
		state->in_flight_bytes = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return st;
}

enum dma_status dma_async_is_tx_complete(struct dma_chan *chan, dma_cookie_t cookie, dma_cookie_t *last,
					 dma_cookie_t *used)
{
	struct dma_tx_state state;
	enum dma_status st = dmaengine_tx_status(chan, cookie, &state);

	if (last)
		*last = state.last;
	if (used)
		*used = state.used;
	return st;
}

struct sync_wait {
	struct dma_chan *chan;
	dma_cookie_t cookie;
};

static bool sync_done(void *arg)
{
	struct sync_wait *w = arg;

	return dmaengine_tx_status(w->chan, w->cookie, NULL) != DMA_IN_PROGRESS;
}

enum dma_status dma_sync_wait(struct dma_chan *chan, dma_cookie_t cookie)
{
	struct sync_wait w = { chan, cookie };
	enum dma_status st;

	if (!chan_state(chan, "dma_sync_wait"))
		return DMA_ERROR;
	dma_async_issue_pending(chan);
	if (!sync_done(&w))
		dmasim_wait_event(sync_done, &w, 5 * DMASIM_HZ, "dma_sync_wait");
	st = dmaengine_tx_status(chan, cookie, NULL);
	if (st == DMA_IN_PROGRESS) {
		chan_log(chan, "dma_sync_wait", "dma_sync_wait_timeout! (cookie %d)", cookie);
		return DMA_ERROR;
	}
	return st;
}

/* ---- control ------------------------------------------------------------------------------- */

int dmaengine_pause(struct dma_chan *chan)
{
	struct dmasim_dma_chan_state *s = chan_state(chan, "dmaengine_pause");
	int ret = 0;

	if (!s)
		return -EINVAL;
	if (!s->c->d.ops->pause)
		return -ENOSYS;
	pthread_mutex_lock(&s->lock);
	if (!s->paused) {
		if (s->active)
			ret = s->c->d.ops->pause(chan);
		if (!ret)
			s->paused = true;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int dmaengine_resume(struct dma_chan *chan)
{
	struct dmasim_dma_chan_state *s = chan_state(chan, "dmaengine_resume");
	int ret = 0;

	if (!s)
		return -EINVAL;
	if (!s->c->d.ops->resume)
		return -ENOSYS;
	pthread_mutex_lock(&s->lock);
	if (s->paused) {
		if (s->active)
			ret = s->c->d.ops->resume(chan);
		if (!ret) {
			s->paused = false;
			start_next(chan);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int dmaengine_terminate_async(struct dma_chan *chan)
{
	struct dmasim_dma_chan_state *s = chan_state(chan, "dmaengine_terminate_async");
	struct desc_list *lists[] = { &s->submitted, &s->issued };
	struct dmasim_dma_desc *d;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (s->active) {
		s->c->d.ops->stop(chan);
		s->seq++; /* a completion already on its way is stale now */
		s->active->state = D_TERMINATED;
		TAILQ_INSERT_TAIL(&s->terminated, s->active, link);
		s->active = NULL;
	}
	for (size_t i = 0; i < 2; i++) {
		while ((d = TAILQ_FIRST(lists[i]))) {
			TAILQ_REMOVE(lists[i], d, link);
			d->state = D_TERMINATED;
			TAILQ_INSERT_TAIL(&s->terminated, d, link);
		}
	}
	s->paused = false;
	s->need_sync = true;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void dmaengine_synchronize(struct dma_chan *chan)
{
	struct dmasim_dma_chan_state *s = chan_state(chan, "dmaengine_synchronize");
	struct dmasim_dma_desc *d;

	if (!s)
		return;
	if (dmasim_might_sleep("dmaengine_synchronize"))
		return;
	if (s->c->d.ops->synchronize)
		s->c->d.ops->synchronize(chan);
	/* A callback of this channel may still run on the interrupt thread (threaded mode). */
	while (__atomic_load_n(&s->cb_running, __ATOMIC_ACQUIRE))
		sched_yield();
	pthread_mutex_lock(&s->lock);
	while ((d = TAILQ_FIRST(&s->terminated))) {
		TAILQ_REMOVE(&s->terminated, d, link);
		desc_retire(s, d);
	}
	s->need_sync = false;
	pthread_mutex_unlock(&s->lock);
}

int dmaengine_terminate_sync(struct dma_chan *chan)
{
	int ret = dmaengine_terminate_async(chan);

	if (ret)
		return ret;
	dmaengine_synchronize(chan);
	return 0;
}

/* ---- reuse --------------------------------------------------------------------------------- */

int dmaengine_desc_set_reuse(struct dma_async_tx_descriptor *tx)
{
	if (!tx || !tx->chan || !tx->chan->dmasim || tx->dmasim_magic != DESC_LIVE)
		return -EINVAL;
	if (!tx->chan->dmasim->c->d.descriptor_reuse)
		return -EPERM;
	tx->flags = (enum dma_ctrl_flags)(tx->flags | DMA_CTRL_REUSE);
	return 0;
}

static int tx_desc_free(struct dma_async_tx_descriptor *tx)
{
	struct dmasim_dma_desc *d = to_desc(tx);
	struct dmasim_dma_chan_state *s = tx->chan->dmasim;

	pthread_mutex_lock(&s->lock);
	if (d->state != D_ALLOCATED) {
		pthread_mutex_unlock(&s->lock);
		dmasim__dma_report(tx->chan, "dmaengine_desc_free", "descriptor %p is queued or running (-EBUSY)",
				   (void *)tx);
		return -EBUSY;
	}
	TAILQ_REMOVE(&s->allocated, d, link);
	tx->dmasim_magic = DESC_DEAD;
	pthread_mutex_unlock(&s->lock);
	desc_free(d);
	return 0;
}

int dmaengine_desc_free(struct dma_async_tx_descriptor *desc)
{
	if (!desc || !desc->chan || !desc->chan->dmasim || desc->dmasim_magic != DESC_LIVE)
		return -EINVAL;
	/* include/linux/dmaengine.h: only a reusable descriptor is freed by its client. */
	if (!dmaengine_desc_test_reuse(desc))
		return -EPERM;
	return desc->desc_free(desc);
}
