// SPDX-License-Identifier: MIT
/*
 * tests/drivers/nic-ring.c - a NIC driver in the shape of a mainline
 * Ethernet driver, built only against kernel-named headers: TX and RX
 * descriptor rings in coherent memory with an OWN bit, streaming mappings of
 * each packet (dma_map_single() TO_DEVICE for TX, FROM_DEVICE receive
 * buffers synced for the CPU and given back), cpu_to_le descriptor fields,
 * dma_wmb() before handing a descriptor over and before the MMIO doorbell,
 * dma_rmb() after reading the OWN bit, one spinlock around the rings taken
 * with spin_lock_irqsave() from process context and spin_lock() in the
 * interrupt handler.
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
#include <linux/string.h>

#include "hw.h"
#include "drivers.h"

#define RX_BUF_SIZE 2048

struct nic_tx_buf {
	void *data;
	dma_addr_t dma;
	u16 len;
};

struct nicdrv {
	struct device *dev;
	void __iomem *regs;
	unsigned int irq, ring;
	spinlock_t lock;
	struct nic_desc *tx, *rx;
	dma_addr_t tx_dma, rx_dma;
	struct nic_tx_buf *tx_buf;
	void **rx_buf;
	dma_addr_t *rx_buf_dma;
	unsigned int tx_head, tx_tail;  /* tail: next to fill; head: next to clean */
	unsigned int rx_next;           /* next RX descriptor to look at */
	unsigned long tx_done, tx_sent, rx_packets;
	u32 rx_sum;
	struct completion event;
};

static void nic_clean_tx(struct nicdrv *n)
{
	while (n->tx_head != n->tx_tail) {
		struct nic_desc *d = &n->tx[n->tx_head];
		struct nic_tx_buf *b = &n->tx_buf[n->tx_head];

		if (le16_to_cpu(READ_ONCE(d->flags)) & NIC_DESC_OWN)
			break;
		dma_rmb();
		dma_unmap_single(n->dev, b->dma, b->len, DMA_TO_DEVICE);
		kfree(b->data);
		b->data = NULL;
		n->tx_head = (n->tx_head + 1) % n->ring;
		n->tx_done++;
	}
}

static void nic_give_rx(struct nicdrv *n, unsigned int i)
{
	n->rx[i].addr = cpu_to_le64(n->rx_buf_dma[i]);
	n->rx[i].len = cpu_to_le16(RX_BUF_SIZE);
	n->rx[i].csum = 0;
	dma_wmb();                      /* address and length before ownership */
	n->rx[i].flags = cpu_to_le16(NIC_DESC_OWN);
}

static void nic_poll_rx(struct nicdrv *n)
{
	for (;;) {
		unsigned int i = n->rx_next;
		struct nic_desc *d = &n->rx[i];
		u16 flags = le16_to_cpu(READ_ONCE(d->flags));
		u16 len;
		const u8 *p;
		u32 sum = 0;

		if (flags & NIC_DESC_OWN)
			break;
		dma_rmb();                  /* length and checksum after ownership */
		len = le16_to_cpu(d->len);
		if (len > RX_BUF_SIZE || !(flags & NIC_DESC_EOP)) {
			dev_err_ratelimited(n->dev, "bad RX descriptor %u: len %u flags 0x%x\n", i, len,
					    flags);
			len = 0;
		}
		dma_sync_single_for_cpu(n->dev, n->rx_buf_dma[i], RX_BUF_SIZE, DMA_FROM_DEVICE);
		p = n->rx_buf[i];
		for (u16 k = 0; k < len; k++)
			sum += p[k];
		if (sum != le32_to_cpu(d->csum))
			dev_err_ratelimited(n->dev, "RX checksum mismatch on descriptor %u\n", i);
		n->rx_sum += sum;
		n->rx_packets++;
		dma_sync_single_for_device(n->dev, n->rx_buf_dma[i], RX_BUF_SIZE, DMA_FROM_DEVICE);
		nic_give_rx(n, i);
		n->rx_next = (i + 1) % n->ring;
		dma_wmb();
		writel(i, n->regs + NIC_REG_RX_TAIL);
	}
}

static irqreturn_t nic_irq(int irq, void *data)
{
	struct nicdrv *n = data;
	u32 isr = readl(n->regs + NIC_REG_ISR);

	if (!isr)
		return IRQ_NONE;
	writel(isr, n->regs + NIC_REG_ISR);
	spin_lock(&n->lock);
	if (isr & NIC_ISR_TX)
		nic_clean_tx(n);
	if (isr & NIC_ISR_RX)
		nic_poll_rx(n);
	spin_unlock(&n->lock);
	complete(&n->event);
	return IRQ_HANDLED;
}

int nicdrv_xmit(struct nicdrv *n, const void *data, size_t len)
{
	struct nic_tx_buf *b;
	struct nic_desc *d;
	unsigned long flags;
	const u8 *p = data;
	u32 sum = 0;
	int tries = 0;

	if (!len || len > U16_MAX)
		return -EINVAL;
	spin_lock_irqsave(&n->lock, flags);
	while ((n->tx_tail + 1) % n->ring == n->tx_head) {
		/* Ring full: wait for the TX interrupt to clean it. */
		spin_unlock_irqrestore(&n->lock, flags);
		if (tries++ > 100 || !wait_for_completion_timeout(&n->event, msecs_to_jiffies(2000)))
			return -ETIMEDOUT;
		spin_lock_irqsave(&n->lock, flags);
	}
	b = &n->tx_buf[n->tx_tail];
	d = &n->tx[n->tx_tail];
	b->data = kmemdup(data, len, GFP_ATOMIC);
	if (!b->data) {
		spin_unlock_irqrestore(&n->lock, flags);
		return -ENOMEM;
	}
	b->len = (u16)len;
	b->dma = dma_map_single(n->dev, b->data, len, DMA_TO_DEVICE);
	if (dma_mapping_error(n->dev, b->dma)) {
		kfree(b->data);
		b->data = NULL;
		spin_unlock_irqrestore(&n->lock, flags);
		dev_err(n->dev, "TX mapping of %zu bytes failed\n", len);
		return -ENOMEM;
	}
	for (size_t k = 0; k < len; k++)
		sum += p[k];
	d->addr = cpu_to_le64(b->dma);
	d->len = cpu_to_le16((u16)len);
	d->csum = cpu_to_le32(sum);
	dma_wmb();                          /* the descriptor before its OWN bit */
	d->flags = cpu_to_le16(NIC_DESC_OWN | NIC_DESC_EOP);
	n->tx_tail = (n->tx_tail + 1) % n->ring;
	n->tx_sent++;
	dma_wmb();                          /* the ring before the doorbell */
	writel(n->tx_tail, n->regs + NIC_REG_TX_TAIL);
	spin_unlock_irqrestore(&n->lock, flags);
	return 0;
}

int nicdrv_wait(struct nicdrv *n, unsigned long rx)
{
	for (int i = 0; i < 1000; i++) {
		unsigned long flags;
		bool done;

		spin_lock_irqsave(&n->lock, flags);
		done = n->tx_done == n->tx_sent && n->rx_packets >= rx;
		spin_unlock_irqrestore(&n->lock, flags);
		if (done)
			return 0;
		if (!wait_for_completion_timeout(&n->event, msecs_to_jiffies(2000)))
			return -ETIMEDOUT;
	}
	return -ETIMEDOUT;
}

u32 nicdrv_rx_sum(struct nicdrv *n)
{
	return READ_ONCE(n->rx_sum);
}

unsigned long nicdrv_rx_packets(struct nicdrv *n)
{
	return READ_ONCE(n->rx_packets);
}

struct nicdrv *nicdrv_probe(struct device *dev, const struct drv_resources *res,
			    unsigned int ring)
{
	struct nicdrv *n;
	unsigned int i;
	int ret = -ENOMEM;

	if (ring < 2 || ring > 4096)
		return ERR_PTR(-EINVAL);
	n = devm_kzalloc(dev, sizeof(*n), GFP_KERNEL);
	if (!n)
		return ERR_PTR(-ENOMEM);
	n->dev = dev;
	n->ring = ring;
	n->irq = res->irq;
	spin_lock_init(&n->lock);
	init_completion(&n->event);
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		return ERR_PTR(ret);
	n->tx_buf = devm_kcalloc(dev, ring, sizeof(*n->tx_buf), GFP_KERNEL);
	n->rx_buf = devm_kcalloc(dev, ring, sizeof(*n->rx_buf), GFP_KERNEL);
	n->rx_buf_dma = devm_kcalloc(dev, ring, sizeof(*n->rx_buf_dma), GFP_KERNEL);
	n->regs = ioremap(res->mmio, res->mmio_size);
	n->tx = dma_alloc_coherent(dev, ring * sizeof(*n->tx), &n->tx_dma, GFP_KERNEL);
	n->rx = dma_alloc_coherent(dev, ring * sizeof(*n->rx), &n->rx_dma, GFP_KERNEL);
	if (!n->tx_buf || !n->rx_buf || !n->rx_buf_dma || !n->regs || !n->tx || !n->rx)
		goto fail;
	for (i = 0; i < ring; i++) {
		n->rx_buf[i] = kmalloc(RX_BUF_SIZE, GFP_KERNEL);
		if (!n->rx_buf[i])
			goto fail;
		n->rx_buf_dma[i] = dma_map_single(dev, n->rx_buf[i], RX_BUF_SIZE, DMA_FROM_DEVICE);
		if (dma_mapping_error(dev, n->rx_buf_dma[i])) {
			kfree(n->rx_buf[i]);
			n->rx_buf[i] = NULL;
			goto fail;
		}
		nic_give_rx(n, i);
	}
	writel(lower_32_bits(n->tx_dma), n->regs + NIC_REG_TX_LO);
	writel(upper_32_bits(n->tx_dma), n->regs + NIC_REG_TX_HI);
	writel(lower_32_bits(n->rx_dma), n->regs + NIC_REG_RX_LO);
	writel(upper_32_bits(n->rx_dma), n->regs + NIC_REG_RX_HI);
	writel(ring, n->regs + NIC_REG_RING);
	ret = request_irq(n->irq, nic_irq, 0, "nic-ring", n);
	if (ret)
		goto fail;
	dma_wmb();
	writel(ring - 1, n->regs + NIC_REG_RX_TAIL);
	return n;
fail:
	for (i = 0; i < ring && n->rx_buf && n->rx_buf[i]; i++) {
		dma_unmap_single(dev, n->rx_buf_dma[i], RX_BUF_SIZE, DMA_FROM_DEVICE);
		kfree(n->rx_buf[i]);
	}
	if (n->rx)
		dma_free_coherent(dev, ring * sizeof(*n->rx), n->rx, n->rx_dma);
	if (n->tx)
		dma_free_coherent(dev, ring * sizeof(*n->tx), n->tx, n->tx_dma);
	if (n->regs)
		iounmap(n->regs);
	return ERR_PTR(ret);
}

void nicdrv_remove(struct nicdrv *n)
{
	unsigned long flags;
	unsigned int i;

	writel(0, n->regs + NIC_REG_CTRL);
	free_irq(n->irq, n);
	spin_lock_irqsave(&n->lock, flags);
	nic_clean_tx(n);
	spin_unlock_irqrestore(&n->lock, flags);
	WARN_ON(n->tx_head != n->tx_tail);
	for (i = 0; i < n->ring; i++) {
		dma_unmap_single(n->dev, n->rx_buf_dma[i], RX_BUF_SIZE, DMA_FROM_DEVICE);
		kfree(n->rx_buf[i]);
	}
	dma_free_coherent(n->dev, n->ring * sizeof(*n->rx), n->rx, n->rx_dma);
	dma_free_coherent(n->dev, n->ring * sizeof(*n->tx), n->tx, n->tx_dma);
	iounmap(n->regs);
}

MODULE_LICENSE("MIT");
