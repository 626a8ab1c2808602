/*
 * lib/dmaengine/dma-generic.c - the generic DMA controller: a device model
 * and the provider driver that programs it, the worked example of
 * <dmasim/dma-controller.h>.
 *
 * Layer: dmaengine.  The model is a register file (per channel: source,
 * destination, length, configuration, burst, fill, tag, control, status,
 * residue; globally an interrupt status register, write-1-to-clear, behind
 * one level interrupt line).  A started channel moves its segment chunk by
 * chunk (a burst on a peripheral side, up to 4 KiB between memories) as a
 * bus master through dmasim_dev_read()/dmasim_dev_write() of the
 * controller's device, each chunk taking bytes / bandwidth of virtual time;
 * a peripheral side is a FIFO (dma-fifo.c) found at the bus address's
 * physical address, and a burst waits until the FIFO has its room or its
 * data.  The driver half writes the registers with writel()/writeq() and
 * acknowledges the interrupt in its handler, which tells the core
 * (dmasim_dma_seg_done()), which runs the clients' callbacks there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iommu.h>

#include "dmaengine/dmaengine.h"

/* Registers: global ones, then one block per channel. */
#define G_ID 0x00
#define G_IRQ_STATUS 0x04
#define G_NR_CHAN 0x08
#define CH_BASE(i) (0x40 + 0x40 * (u64)(i))
#define CH_SRC 0x00
#define CH_DST 0x08
#define CH_LEN 0x10
#define CH_CFG 0x14
#define CH_CTRL 0x18
#define CH_STATUS 0x1c
#define CH_RESIDUE 0x20
#define CH_FILL 0x24
#define CH_TAG 0x28
#define CH_DONE_TAG 0x2c
#define CH_BURST 0x30
#define CH_NREGS 11

#define CFG_SRC_FIXED 0x01u
#define CFG_DST_FIXED 0x02u
#define CFG_FILL 0x04u
#define CFG_SRC_PERIPH 0x08u
#define CFG_DST_PERIPH 0x10u
#define CTRL_START 0x1u
#define CTRL_PAUSE 0x2u
#define CTRL_ABORT 0x4u
#define ST_DONE 0x1u
#define ST_ERR_READ 0x2u
#define ST_ERR_WRITE 0x4u

#define CHUNK_MAX 4096
#define MAX_CHANNELS 32

struct gen;

struct hwch {
	struct gen *g;
	unsigned int id;
	bool busy, paused, stalled;
	u64 src, dst, left;
	u32 cfg, burst;
	u8 fill;
	struct dmasim_fifo *fifo;
	bool fifo_is_dst;
};

struct gen {
	struct dmasim_model *m;
	struct dmasim_window *w;
	void __iomem *regs;
	unsigned int irq, nr;
	u64 bandwidth;
	struct device *dev;
	struct dmasim_dma_controller *c;
	struct dmasim_reg *regtab;
	struct hwch hw[MAX_CHANNELS];
};

/* ---- the model ------------------------------------------------------------------------ */

static void ch_step(struct dmasim_model *m, void *arg);

static u64 chunk_ns(struct gen *g, u64 n)
{
	u64 ns = n * 1000000000ull / g->bandwidth;

	return ns ? ns : 1;
}

/* The channel stops: done or failed; its status and the interrupt. */
static void ch_finish(struct hwch *h, u32 status)
{
	struct gen *g = h->g;
	u64 base = CH_BASE(h->id);

	h->busy = false;
	h->stalled = false;
	dmasim_reg_set(g->w, base + CH_STATUS, dmasim_reg_get(g->w, base + CH_STATUS) | status);
	dmasim_reg_set(g->w, base + CH_DONE_TAG, dmasim_reg_get(g->w, base + CH_TAG));
	dmasim_reg_set(g->w, G_IRQ_STATUS, dmasim_reg_get(g->w, G_IRQ_STATUS) | (1u << h->id));
	dmasim_irq_raise(g->m, g->irq);
}

/* The physical address a peripheral-side bus address reaches (through the IOMMU if any). */
static int periph_phys(struct gen *g, dma_addr_t bus, phys_addr_t *phys)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(g->dev);
	struct dmasim_xlate x;

	if (dom && dom->type != IOMMU_DOMAIN_IDENTITY)
		return dmasim_iommu_iova_to_phys(dom, bus, phys) ? -EFAULT : 0;
	if (!dmasim_dev_translate(g->dev, bus, &x)) {
		*phys = x.phys;
		return 0;
	}
	*phys = bus; /* dma-direct: a resource's bus address is its physical address */
	return 0;
}

/* A FIFO's request line asked for service: continue the channels waiting on it. */
static void kick(struct dmasim_model *m, void *arg)
{
	struct gen *g = arg;

	for (unsigned int i = 0; i < g->nr; i++) {
		struct hwch *h = &g->hw[i];

		if (h->busy && h->stalled && !h->paused) {
			h->stalled = false;
			ch_step(m, h);
		}
	}
}

static void fifo_request(void *arg)
{
	struct gen *g = arg;

	dmasim_model_schedule(g->m, 0, kick, g, "dma request");
}

static void ch_start(struct hwch *h)
{
	struct gen *g = h->g;
	u64 base = CH_BASE(h->id);
	struct dma_chan *chan = dmasim_dma_controller_chan(g->c, h->id);
	bool srcp, dstp;

	h->src = dmasim_reg_get(g->w, base + CH_SRC);
	h->dst = dmasim_reg_get(g->w, base + CH_DST);
	h->left = dmasim_reg_get(g->w, base + CH_LEN);
	h->cfg = (u32)dmasim_reg_get(g->w, base + CH_CFG);
	h->burst = (u32)dmasim_reg_get(g->w, base + CH_BURST);
	h->fill = (u8)dmasim_reg_get(g->w, base + CH_FILL);
	h->fifo = NULL;
	h->busy = true;
	h->paused = false;
	h->stalled = false;
	dmasim_reg_set(g->w, base + CH_STATUS, 0);
	srcp = h->cfg & CFG_SRC_PERIPH;
	dstp = h->cfg & CFG_DST_PERIPH;
	if (srcp || dstp) {
		dma_addr_t bus = dstp ? h->dst : h->src;
		phys_addr_t phys;
		int line = -1;

		if (periph_phys(g, bus, &phys) || !(h->fifo = dmasim__dma_fifo_at(g->c, phys, &line))) {
			dmasim__dma_report(chan, "dma transfer",
					   "peripheral bus address 0x%llx reaches no FIFO wired to the controller (missing dma_map_resource() for dmaengine_get_dma_device(), or a wrong %s_addr?)",
					   (unsigned long long)bus, dstp ? "dst" : "src");
			ch_finish(h, dstp ? ST_ERR_WRITE : ST_ERR_READ);
			return;
		}
		h->fifo_is_dst = dstp;
		dmasim__fifo_set_notify(h->fifo, fifo_request, g);
	}
	dmasim_model_schedule(g->m, 0, ch_step, h, "dma chunk");
}

static void ch_step(struct dmasim_model *m, void *arg)
{
	struct hwch *h = arg;
	struct gen *g = h->g;
	u8 buf[CHUNK_MAX];
	u64 n;

	if (!h->busy || h->paused || h->stalled)
		return;
	if (!h->left) {
		ch_finish(h, ST_DONE);
		return;
	}
	n = h->fifo && h->burst ? h->burst : CHUNK_MAX;
	if (n > CHUNK_MAX)
		n = CHUNK_MAX;
	if (n > h->left)
		n = h->left;
	/* Flow control: a burst when the FIFO has its room (or its data). */
	if (h->fifo && dmasim__fifo_avail(h->fifo, h->fifo_is_dst) < n &&
	    !dmasim__fifo_arm(h->fifo, n, h->fifo_is_dst)) {
		h->stalled = true;
		return;
	}
	if (h->fifo && !h->fifo_is_dst)
		dmasim__fifo_xfer(h->fifo, buf, n, false);
	else if (h->cfg & CFG_FILL)
		memset(buf, h->fill, n);
	else if (dmasim_dev_read(g->dev, h->src, buf, n)) {
		ch_finish(h, ST_ERR_READ);
		return;
	}
	if (h->fifo && h->fifo_is_dst)
		dmasim__fifo_xfer(h->fifo, buf, n, true);
	else if (dmasim_dev_write(g->dev, h->dst, buf, n)) {
		ch_finish(h, ST_ERR_WRITE);
		return;
	}
	if (!(h->cfg & CFG_SRC_FIXED))
		h->src += n;
	if (!(h->cfg & CFG_DST_FIXED))
		h->dst += n;
	h->left -= n;
	dmasim_model_schedule(m, chunk_ns(g, n), ch_step, h, "dma chunk");
}

static void ctrl_write(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct gen *g = dmasim_window_priv(w);
	struct hwch *h = &g->hw[(r->offset - 0x40) / 0x40];
	u64 base = CH_BASE(h->id);

	if (val & CTRL_ABORT) {
		h->busy = false;
		h->left = 0;
		h->stalled = false;
		h->paused = false;
		dmasim_model_cancel(g->m, ch_step, h);
		dmasim_reg_set(w, base + CH_STATUS, 0);
		dmasim_reg_set(w, G_IRQ_STATUS, dmasim_reg_get(w, G_IRQ_STATUS) & ~(1u << h->id));
		if (!dmasim_reg_get(w, G_IRQ_STATUS))
			dmasim_irq_lower(g->m, g->irq);
	} else if (val & CTRL_START) {
		dmasim_model_cancel(g->m, ch_step, h);
		ch_start(h);
	} else if (val & CTRL_PAUSE) {
		h->paused = true;
		dmasim_model_cancel(g->m, ch_step, h); /* the chunk in flight has moved */
	} else if (h->paused) {
		h->paused = false;
		if (h->busy) {
			h->stalled = false;
			dmasim_model_schedule(g->m, 0, ch_step, h, "dma chunk");
		}
	}
	dmasim_reg_set(w, r->offset, val & CTRL_PAUSE);
}

static u64 residue_read(struct dmasim_window *w, const struct dmasim_reg *r, u64 val)
{
	struct gen *g = dmasim_window_priv(w);
	struct hwch *h = &g->hw[(r->offset - 0x40 - CH_RESIDUE) / 0x40];

	return h->left; /* after a bus error: what was not moved */
}

static void irq_status_write(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct gen *g = dmasim_window_priv(w);

	if (!dmasim_reg_get(w, G_IRQ_STATUS))
		dmasim_irq_lower(g->m, g->irq);
}

/* ---- the provider driver ---------------------------------------------------------------- */

static void __iomem *ch_regs(struct dma_chan *chan)
{
	struct gen *g = dmasim_dma_controller_priv(chan->device);

	return (u8 __iomem *)g->regs + CH_BASE(chan->chan_id);
}

static int gen_start_seg(struct dma_chan *chan, const struct dmasim_dma_seg *seg, const struct dmasim_dma_xfer *x,
			 u32 seq)
{
	void __iomem *r = ch_regs(chan);
	u32 cfg = 0;

	if (x->src_fixed)
		cfg |= CFG_SRC_FIXED;
	if (x->dst_fixed)
		cfg |= CFG_DST_FIXED;
	if (x->kind == DMASIM_DMA_MEMSET)
		cfg |= CFG_FILL;
	if (x->kind == DMASIM_DMA_SLAVE || x->kind == DMASIM_DMA_CYCLIC ||
	    (x->kind == DMASIM_DMA_INTERLEAVE && x->dir != DMA_MEM_TO_MEM))
		cfg |= x->dir == DMA_MEM_TO_DEV ? CFG_DST_PERIPH : CFG_SRC_PERIPH;
	writeq(seg->src, (u8 __iomem *)r + CH_SRC);
	writeq(seg->dst, (u8 __iomem *)r + CH_DST);
	writel((u32)seg->len, (u8 __iomem *)r + CH_LEN);
	writel(cfg, (u8 __iomem *)r + CH_CFG);
	writel(x->burst, (u8 __iomem *)r + CH_BURST);
	writel(x->fill, (u8 __iomem *)r + CH_FILL);
	writel(seq, (u8 __iomem *)r + CH_TAG);
	writel(CTRL_START, (u8 __iomem *)r + CH_CTRL);
	return 0;
}

static void gen_stop(struct dma_chan *chan)
{
	writel(CTRL_ABORT, (u8 __iomem *)ch_regs(chan) + CH_CTRL);
}

static int gen_pause(struct dma_chan *chan)
{
	writel(CTRL_PAUSE, (u8 __iomem *)ch_regs(chan) + CH_CTRL);
	return 0;
}

static int gen_resume(struct dma_chan *chan)
{
	writel(0, (u8 __iomem *)ch_regs(chan) + CH_CTRL);
	return 0;
}

static size_t gen_seg_residue(struct dma_chan *chan)
{
	return readl((u8 __iomem *)ch_regs(chan) + CH_RESIDUE);
}

static void gen_synchronize(struct dma_chan *chan)
{
	struct gen *g = dmasim_dma_controller_priv(chan->device);

	synchronize_irq(g->irq);
}

static irqreturn_t gen_interrupt(int irq, void *dev_id)
{
	struct gen *g = dev_id;
	u32 pending = readl((u8 __iomem *)g->regs + G_IRQ_STATUS);

	if (!pending)
		return IRQ_NONE;
	writel(pending, (u8 __iomem *)g->regs + G_IRQ_STATUS);
	for (unsigned int i = 0; i < g->nr; i++) {
		u8 __iomem *r = (u8 __iomem *)g->regs + CH_BASE(i);
		u32 st, tag;

		if (!(pending & (1u << i)))
			continue;
		st = readl(r + CH_STATUS);
		tag = readl(r + CH_DONE_TAG);
		writel(st, r + CH_STATUS);
		dmasim_dma_seg_done(dmasim_dma_controller_chan(g->c, i), tag,
				    st & ST_ERR_READ ? DMA_TRANS_READ_FAILED
				    : st & ST_ERR_WRITE ? DMA_TRANS_WRITE_FAILED : DMA_TRANS_NOERROR);
	}
	return IRQ_HANDLED;
}

static const struct dmasim_dma_ops gen_ops = {
	.abi = DMASIM_DMA_OPS_ABI,
	.start_seg = gen_start_seg,
	.stop = gen_stop,
	.pause = gen_pause,
	.resume = gen_resume,
	.seg_residue = gen_seg_residue,
	.synchronize = gen_synchronize,
};

struct dmasim_dma_controller *dmasim_dma_generic_create(struct device *dev, const struct dmasim_dma_generic_cfg *cfg)
{
	static const struct { u64 off; unsigned int width; const char *name; unsigned int flags; } chregs[CH_NREGS] = {
		{ CH_SRC, 8, "SRC", 0 },	   { CH_DST, 8, "DST", 0 },	  { CH_LEN, 4, "LEN", 0 },
		{ CH_CFG, 4, "CFG", 0 },	   { CH_CTRL, 4, "CTRL", 0 },	  { CH_STATUS, 4, "STATUS", DMASIM_REG_W1C },
		{ CH_RESIDUE, 4, "RESIDUE", DMASIM_REG_RO }, { CH_FILL, 4, "FILL", 0 }, { CH_TAG, 4, "TAG", 0 },
		{ CH_DONE_TAG, 4, "DONE_TAG", DMASIM_REG_RO }, { CH_BURST, 4, "BURST", 0 },
	};
	struct dmasim_platform *p = dev ? dmasim_device_platform(dev) : NULL;
	struct dmasim_dma_controller_desc desc = { 0 };
	const char *name;
	struct gen *g;
	unsigned int nregs, k = 0;

	if (!p || !cfg || cfg->nr_channels > MAX_CHANNELS || cfg->irq >= DMASIM_NR_IRQS || cfg->addr_bits > 64) {
		if (p)
			dmasim__log(p, DMASIM_LOG_ERR, "dmasim_dma_generic_create: %s: bad configuration (channels %u, 1-%d; irq %u)",
				    dev_name(dev), cfg ? cfg->nr_channels : 0, MAX_CHANNELS, cfg ? cfg->irq : 0);
		return NULL;
	}
	name = cfg->name ? cfg->name : "dma0";
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->nr = cfg->nr_channels ? cfg->nr_channels : 4;
	g->irq = cfg->irq;
	g->bandwidth = cfg->bandwidth ? cfg->bandwidth : 100000000ull;
	g->dev = dev;
	nregs = 3 + g->nr * CH_NREGS;
	g->regtab = calloc(nregs, sizeof(*g->regtab));
	if (!g->regtab)
		goto fail;
	g->regtab[k++] = (struct dmasim_reg){ .offset = G_ID, .name = "ID", .reset = 0x444d4131, .flags = DMASIM_REG_RO };
	g->regtab[k++] = (struct dmasim_reg){ .offset = G_IRQ_STATUS, .name = "IRQ_STATUS", .flags = DMASIM_REG_W1C,
					      .write = irq_status_write };
	g->regtab[k++] = (struct dmasim_reg){ .offset = G_NR_CHAN, .name = "NR_CHAN", .reset = g->nr, .flags = DMASIM_REG_RO };
	for (unsigned int i = 0; i < g->nr; i++) {
		g->hw[i].g = g;
		g->hw[i].id = i;
		for (unsigned int j = 0; j < CH_NREGS; j++) {
			g->regtab[k] = (struct dmasim_reg){ .offset = CH_BASE(i) + chregs[j].off, .width = chregs[j].width,
							    .name = chregs[j].name, .flags = chregs[j].flags };
			if (chregs[j].off == CH_CTRL)
				g->regtab[k].write = ctrl_write;
			if (chregs[j].off == CH_RESIDUE)
				g->regtab[k].read = residue_read;
			k++;
		}
	}
	/* The provider's probe: the controller's address registers are this wide. */
	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(cfg->addr_bits ? cfg->addr_bits : 64)))
		goto fail;
	g->m = dmasim_model_create(p, name, dev, g);
	if (!g->m)
		goto fail;
	g->w = dmasim_window_add(g->m, &(struct dmasim_window_desc){ .kind = DMASIM_WINDOW_MMIO, .name = name,
								    .size = 0x1000, .regs = g->regtab, .nr_regs = nregs });
	if (!g->w || dmasim_irq_connect(g->m, g->irq, DMASIM_IRQ_LEVEL))
		goto fail;
	g->regs = ioremap(dmasim_window_base(g->w), 0x1000);
	if (!g->regs)
		goto fail;
	desc.name = name;
	desc.nr_channels = g->nr;
	__dma_cap_set(DMA_SLAVE, &desc.caps);
	__dma_cap_set(DMA_CYCLIC, &desc.caps);
	__dma_cap_set(DMA_MEMCPY, &desc.caps);
	__dma_cap_set(DMA_MEMSET, &desc.caps);
	__dma_cap_set(DMA_INTERLEAVE, &desc.caps);
	desc.src_addr_widths = desc.dst_addr_widths = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 8) |
						      (1u << 16) | DMASIM_DMA_WIDTH_32 | DMASIM_DMA_WIDTH_64;
	desc.directions = (1u << DMA_MEM_TO_MEM) | (1u << DMA_MEM_TO_DEV) | (1u << DMA_DEV_TO_MEM);
	desc.max_burst = cfg->max_burst ? cfg->max_burst : 16;
	desc.residue_granularity = DMA_RESIDUE_GRANULARITY_BURST;
	desc.descriptor_reuse = true;
	desc.ops = &gen_ops;
	g->c = dmasim_dma_controller_register(dev, &desc, g);
	if (!g->c)
		goto fail;
	if (request_irq(g->irq, gen_interrupt, IRQF_SHARED, name, g)) {
		dmasim_dma_controller_unregister(g->c);
		goto fail;
	}
	return g->c;
fail:
	if (g->regs)
		iounmap(g->regs);
	dmasim_model_destroy(g->m);
	free(g->regtab);
	free(g);
	dmasim__log(p, DMASIM_LOG_ERR, "dmasim_dma_generic_create: %s: could not create controller %s", dev_name(dev), name);
	return NULL;
}

void dmasim_dma_generic_destroy(struct dmasim_dma_controller *c)
{
	struct gen *g;

	if (!c)
		return;
	g = dmasim_dma_controller_priv(c);
	dmasim_dma_controller_unregister(c);
	free_irq(g->irq, g);
	iounmap(g->regs);
	dmasim_model_destroy(g->m);
	free(g->regtab);
	free(g);
}
