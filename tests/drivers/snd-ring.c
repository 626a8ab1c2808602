// SPDX-License-Identifier: MIT
/*
 * tests/drivers/snd-ring.c - a sound-card driver in the shape of an ALSA PCM
 * driver, built only against kernel-named headers: one cyclic playback
 * buffer in coherent memory (dma_alloc_coherent()) cut into periods, the
 * hardware's position register read in the period interrupt, the pointer
 * bookkeeping of snd_pcm_period_elapsed() (periods elapsed, wrap-around,
 * xrun detection), and the "application" refilling each period the device
 * has played.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "hw.h"
#include "drivers.h"

struct snddrv {
	struct device *dev;
	void __iomem *regs;
	unsigned int irq;
	unsigned int periods, period_bytes;
	size_t buf_bytes;
	u8 *buf;                        /* coherent: the CPU writes, the device reads */
	dma_addr_t buf_dma;
	spinlock_t lock;
	unsigned int hw_ptr;            /* bytes of the buffer the device has played (mod buf_bytes) */
	unsigned long elapsed;          /* periods accounted */
	unsigned long filled;           /* periods written by the "application" */
	unsigned long stop_after;
	unsigned long xruns;
	u32 next_sample;
	struct completion stopped;
};

/* The "application": write the next period of the sample stream into slot @idx. */
static void snd_fill_period(struct snddrv *s, unsigned int idx)
{
	__le16 *p = (__le16 *)(s->buf + (size_t)idx * s->period_bytes);

	for (unsigned int i = 0; i < s->period_bytes / 2; i++)
		p[i] = cpu_to_le16((u16)(s->next_sample++ * 7 + 1));
	s->filled++;
}

/* The period interrupt: what snd_pcm_period_elapsed() and a .pointer callback do. */
static irqreturn_t snd_irq(int irq, void *data)
{
	struct snddrv *s = data;
	u32 isr = readl(s->regs + SND_REG_ISR);
	unsigned int pos, delta, n;

	if (!(isr & SND_ISR_PERIOD))
		return IRQ_NONE;
	writel(isr, s->regs + SND_REG_ISR);
	spin_lock(&s->lock);
	pos = readl(s->regs + SND_REG_POS);
	if (WARN_ON_ONCE(pos >= s->buf_bytes))
		pos %= (unsigned int)s->buf_bytes;
	delta = (pos + (unsigned int)s->buf_bytes - s->hw_ptr) % (unsigned int)s->buf_bytes;
	if (!delta)
		delta = (unsigned int)s->buf_bytes; /* a whole buffer: the position wrapped to itself */
	n = delta / s->period_bytes;
	if (n > 1) {
		/* More than one period since the last interrupt: the device may have played stale data. */
		s->xruns++;
		dev_warn_ratelimited(s->dev, "xrun: %u periods since the last interrupt\n", n);
	}
	for (unsigned int i = 0; i < n; i++) {
		unsigned int played = s->hw_ptr / s->period_bytes;

		s->hw_ptr = (s->hw_ptr + s->period_bytes) % (unsigned int)s->buf_bytes;
		s->elapsed++;
		if (s->elapsed >= s->stop_after) {
			writel(0, s->regs + SND_REG_CTRL);
			complete(&s->stopped);
			break;
		}
		/* The period just played is free again: refill it. */
		snd_fill_period(s, played);
	}
	spin_unlock(&s->lock);
	return IRQ_HANDLED;
}

int snddrv_play(struct snddrv *s, unsigned int periods)
{
	unsigned long flags, timeout;

	spin_lock_irqsave(&s->lock, flags);
	s->hw_ptr = 0;
	s->elapsed = 0;
	s->stop_after = periods;
	for (unsigned int i = 0; i < s->periods; i++)
		snd_fill_period(s, i);
	reinit_completion(&s->stopped);
	/* Coherent memory needs no sync; the samples are written before the start bit. */
	wmb();
	writel(SND_CTRL_RUN, s->regs + SND_REG_CTRL);
	spin_unlock_irqrestore(&s->lock, flags);
	timeout = msecs_to_jiffies(periods * (SND_PERIOD_NS / 1000000) * 2 + 5000);
	if (!wait_for_completion_timeout(&s->stopped, timeout)) {
		dev_err(s->dev, "playback did not finish: %lu of %u periods\n", s->elapsed, periods);
		writel(0, s->regs + SND_REG_CTRL);
		return -ETIMEDOUT;
	}
	return 0;
}

unsigned long snddrv_periods_elapsed(struct snddrv *s)
{
	return READ_ONCE(s->elapsed);
}

unsigned long snddrv_xruns(struct snddrv *s)
{
	return READ_ONCE(s->xruns);
}

struct snddrv *snddrv_probe(struct device *dev, const struct drv_resources *res,
			    unsigned int periods, unsigned int period_bytes)
{
	struct snddrv *s;
	int ret;

	if (periods < 2 || !period_bytes || period_bytes % 4)
		return ERR_PTR(-EINVAL);
	s = devm_kzalloc(dev, sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->dev = dev;
	s->irq = res->irq;
	s->periods = periods;
	s->period_bytes = period_bytes;
	s->buf_bytes = array_size(periods, period_bytes);
	spin_lock_init(&s->lock);
	init_completion(&s->stopped);
	/* An old 32-bit DMA engine: the buffer must lie below 4 GiB. */
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (ret)
		return ERR_PTR(ret);
	s->regs = ioremap(res->mmio, res->mmio_size);
	if (!s->regs)
		return ERR_PTR(-ENOMEM);
	s->buf = dma_alloc_coherent(dev, s->buf_bytes, &s->buf_dma, GFP_KERNEL);
	if (!s->buf) {
		iounmap(s->regs);
		return ERR_PTR(-ENOMEM);
	}
	if (WARN_ON(upper_32_bits(s->buf_dma))) {
		dma_free_coherent(dev, s->buf_bytes, s->buf, s->buf_dma);
		iounmap(s->regs);
		return ERR_PTR(-EIO);
	}
	writel(lower_32_bits(s->buf_dma), s->regs + SND_REG_BUF_LO);
	writel(upper_32_bits(s->buf_dma), s->regs + SND_REG_BUF_HI);
	writel((u32)s->buf_bytes, s->regs + SND_REG_BUF_BYTES);
	writel(period_bytes, s->regs + SND_REG_PERIOD_BYTES);
	ret = request_irq(s->irq, snd_irq, 0, "snd-ring", s);
	if (ret) {
		dma_free_coherent(dev, s->buf_bytes, s->buf, s->buf_dma);
		iounmap(s->regs);
		return ERR_PTR(ret);
	}
	return s;
}

void snddrv_remove(struct snddrv *s)
{
	writel(0, s->regs + SND_REG_CTRL);
	free_irq(s->irq, s);
	dma_free_coherent(s->dev, s->buf_bytes, s->buf, s->buf_dma);
	iounmap(s->regs);
}

MODULE_LICENSE("MIT");
