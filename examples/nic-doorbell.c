/*
 * examples/nic-doorbell.c - a NIC driver prototype that talks to its device
 * the way it talks to hardware: registers behind ioremap(), a transmit ring
 * of descriptors in coherent memory, dma_wmb() before the doorbell write,
 * and an interrupt that says the packets went out.  The device is a model
 * (<dmasim/model.h>) that reads the ring and the packets by DMA through bus
 * addresses, 10 µs of virtual time per packet, then raises its line.
 *
 * It runs twice: exec=deterministic (nothing happens until the driver waits;
 * the run is the same every time, and a 1-second timeout would take no real
 * time) and exec=threaded (the device on its own thread, the handler on the
 * interrupt thread).  What a student should see: the register window's
 * physical address and the ioremap() cookie, the ring's CPU virtual (X) and
 * bus (Z) addresses, each packet's bus address as the device reads it, the
 * device's work and the interrupt, with virtual timestamps.
 */
#include <stdio.h>
#include <string.h>

#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <dmasim/dmasim.h>

#define RING 8
#define NPKT 3
#define NIC_IRQ 11
#define REG_CTRL 0x0
#define REG_ISR 0x4
#define REG_RING_LO 0x8
#define REG_RING_HI 0xc
#define REG_TAIL 0x10 /* the doorbell */
#define REG_HEAD 0x14
#define ISR_TX 0x1

struct desc {
	u64 addr;
	u32 len;
	u32 done;
};

/* ---- the device model (hardware) ---------------------------------------------- */

struct nic_hw {
	struct dmasim_model *m;
	struct dmasim_window *w;
	unsigned int head;
	unsigned long bytes;
};

static void hw_send_one(struct dmasim_model *m, void *arg)
{
	struct nic_hw *hw = arg;
	struct device *dev = dmasim_model_device(m);
	u64 ring = dmasim_reg_get(hw->w, REG_RING_LO) | dmasim_reg_get(hw->w, REG_RING_HI) << 32;
	struct desc d;
	char pkt[64] = "";

	if (hw->head == dmasim_reg_get(hw->w, REG_TAIL))
		return;
	dmasim_dev_read(dev, ring + hw->head * sizeof(d), &d, sizeof(d));   /* DMA: descriptor */
	dmasim_dev_read(dev, d.addr, pkt, d.len < 63 ? d.len : 63);         /* DMA: the packet */
	printf("  [%7.3f us] device: sends \"%s\" (%u bytes from bus 0x%llx)\n",
	       dmasim_time_ns(dmasim_model_platform(m)) / 1000.0, pkt, d.len,
	       (unsigned long long)d.addr);
	d.done = 1;
	dmasim_dev_write(dev, ring + hw->head * sizeof(d), &d, sizeof(d));  /* DMA: write-back */
	hw->bytes += d.len;
	hw->head = (hw->head + 1) % RING;
	dmasim_reg_set(hw->w, REG_HEAD, hw->head);
	dmasim_reg_set(hw->w, REG_ISR, dmasim_reg_get(hw->w, REG_ISR) | ISR_TX);
	dmasim_irq_raise(m, NIC_IRQ);
	if (hw->head != dmasim_reg_get(hw->w, REG_TAIL))
		dmasim_model_schedule(m, 10000, hw_send_one, hw, "tx");
}

static void hw_doorbell(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct nic_hw *hw = dmasim_window_priv(w);

	dmasim_model_cancel(hw->m, hw_send_one, hw);
	dmasim_model_schedule(hw->m, 10000, hw_send_one, hw, "tx");
}

static void hw_isr_written(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct nic_hw *hw = dmasim_window_priv(w);

	if (!val)
		dmasim_irq_lower(hw->m, NIC_IRQ); /* acknowledged: the level line goes low */
}

static const struct dmasim_reg hw_regs[] = {
	{ .offset = REG_CTRL, .name = "CTRL" },
	{ .offset = REG_ISR, .name = "ISR", .flags = DMASIM_REG_W1C, .write = hw_isr_written },
	{ .offset = REG_RING_LO, .name = "RING_LO" },
	{ .offset = REG_RING_HI, .name = "RING_HI" },
	{ .offset = REG_TAIL, .name = "TAIL", .write = hw_doorbell },
	{ .offset = REG_HEAD, .name = "HEAD", .flags = DMASIM_REG_RO },
};

/* ---- the driver ---------------------------------------------------------------- */

struct nic {
	struct device *dev;
	void __iomem *regs;
	struct desc *ring;
	dma_addr_t ring_dma;
	void *buf[NPKT];
	dma_addr_t buf_dma[NPKT];
	unsigned int tail, clean;
	spinlock_t lock;                 /* tail and clean: xmit and the handler */
	struct completion tx_done;
};

static irqreturn_t nic_interrupt(int irq, void *dev_id)
{
	struct nic *nic = dev_id;
	u32 isr = readl(nic->regs + REG_ISR);

	if (!isr)
		return IRQ_NONE;
	writel(isr, nic->regs + REG_ISR); /* acknowledge (write 1 to clear) */
	spin_lock(&nic->lock);
	while (nic->clean != nic->tail && READ_ONCE(nic->ring[nic->clean].done))
		nic->clean++;
	printf("  [%7.3f us] irq %d: ISR 0x%x, %u of %u packets sent\n", ktime_get() / 1000.0, irq,
	       isr, nic->clean, NPKT);
	if (nic->clean == NPKT)
		complete(&nic->tx_done);
	spin_unlock(&nic->lock);
	return IRQ_HANDLED;
}

static int nic_xmit(struct nic *nic, const char *text)
{
	unsigned int i = nic->tail; /* only xmit changes it */
	size_t len = strlen(text) + 1;
	unsigned long flags;

	nic->buf[i] = kmalloc(len, GFP_KERNEL);
	if (!nic->buf[i])
		return -ENOMEM;
	memcpy(nic->buf[i], text, len);
	nic->buf_dma[i] = dma_map_single(nic->dev, nic->buf[i], len, DMA_TO_DEVICE);
	if (dma_mapping_error(nic->dev, nic->buf_dma[i])) {
		kfree(nic->buf[i]);
		return -ENOMEM;
	}
	spin_lock_irqsave(&nic->lock, flags);        /* the handler reads tail */
	nic->ring[i].addr = nic->buf_dma[i];
	nic->ring[i].len = (u32)len;
	nic->ring[i].done = 0;
	nic->tail = i + 1;
	dma_wmb();                                   /* the descriptor is complete before... */
	writel(nic->tail, nic->regs + REG_TAIL);     /* ...the doorbell tells the device */
	spin_unlock_irqrestore(&nic->lock, flags);
	return 0;
}

static int run(const char *mode)
{
	char spec[32];
	struct dmasim_platform *p;
	struct nic_hw hw = { 0 };
	struct nic nic = { 0 };
	unsigned long left;
	int ret = 1;

	snprintf(spec, sizeof(spec), "exec=%s", mode);
	p = dmasim_platform_create(spec);
	if (!p)
		return 1;
	printf("== exec=%s ==\n", mode);
	nic.dev = dmasim_device_create(p, "name=nic0");
	if (!nic.dev || dma_set_mask_and_coherent(nic.dev, DMA_BIT_MASK(64)))
		goto out;

	/* The hardware: a register window, a level interrupt line. */
	hw.m = dmasim_model_create(p, "nic0", nic.dev, &hw);
	hw.w = dmasim_window_add(hw.m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "bar0", .size = 0x18, .widths = 4,
			.regs = hw_regs, .nr_regs = ARRAY_SIZE(hw_regs) });
	if (!hw.w || dmasim_irq_connect(hw.m, NIC_IRQ, DMASIM_IRQ_LEVEL))
		goto out;

	/* probe(): map the registers, allocate the ring, hook the interrupt. */
	init_completion(&nic.tx_done);
	spin_lock_init(&nic.lock);
	nic.regs = ioremap(dmasim_window_base(hw.w), 0x18);
	nic.ring = dma_alloc_coherent(nic.dev, RING * sizeof(struct desc), &nic.ring_dma, GFP_KERNEL);
	if (!nic.regs || !nic.ring || request_irq(NIC_IRQ, nic_interrupt, 0, "nic0", &nic))
		goto out;
	printf("registers: phys 0x%llx, ioremap() cookie %p (only readl()/writel() may use it)\n",
	       (unsigned long long)dmasim_window_base(hw.w), (void *)nic.regs);
	/* (no virt_to_phys() of coherent memory: it may be an uncached alias, as on ARM) */
	printf("tx ring:   X %p  Z 0x%llx (coherent)\n", (void *)nic.ring,
	       (unsigned long long)nic.ring_dma);
	writel(lower_32_bits(nic.ring_dma), nic.regs + REG_RING_LO);
	writel(upper_32_bits(nic.ring_dma), nic.regs + REG_RING_HI);
	writel(1, nic.regs + REG_CTRL);

	if (nic_xmit(&nic, "hello") || nic_xmit(&nic, "from the") || nic_xmit(&nic, "driver"))
		goto out_irq;
	printf("  [%7.3f us] driver: 3 doorbells rung, waiting for the interrupt\n", ktime_get() / 1000.0);
	left = wait_for_completion_timeout(&nic.tx_done, msecs_to_jiffies(1000));
	printf("  [%7.3f us] driver: %s (%lu jiffies of the timeout left), device head %u\n",
	       ktime_get() / 1000.0, left ? "all sent" : "TIMEOUT", left,
	       readl(nic.regs + REG_HEAD));
	ret = left && hw.bytes == 6 + 9 + 7 ? 0 : 1;

	for (unsigned int i = 0; i < nic.tail; i++) {
		dma_unmap_single(nic.dev, nic.buf_dma[i], nic.ring[i].len, DMA_TO_DEVICE);
		kfree(nic.buf[i]);
	}
out_irq:
	writel(0, nic.regs + REG_CTRL);
	free_irq(NIC_IRQ, &nic);
out:
	if (nic.ring)
		dma_free_coherent(nic.dev, RING * sizeof(struct desc), nic.ring, nic.ring_dma);
	if (nic.regs)
		iounmap(nic.regs);
	dmasim_model_destroy(hw.m);
	if (dmasim_debug_errors(p))
		ret = 1;
	dmasim_platform_destroy(p);
	return ret;
}

int main(void)
{
	int ret = run("deterministic");

	ret |= run("threaded");
	printf("%s\n", ret ? "FAILED" : "ok");
	return ret;
}
