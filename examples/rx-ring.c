/*
 * examples/rx-ring.c - the headline demo: a network card driver prototype
 * that talks to its card the way it talks to hardware, on a machine where
 * the card's buffers bounce through swiotlb.
 *
 * The driver half (nic_*) is written against the kernel's headers only:
 * registers behind ioremap(), a receive ring and a transmit ring of
 * little-endian descriptors in coherent memory (cpu_to_le32()), packet
 * buffers mapped with dma_map_single(), dma_wmb() before each doorbell
 * write, and a completion interrupt (request_irq()) whose handler works as
 * NAPI does: it masks the card's interrupt, polls the rings up to a budget
 * of descriptors at a time, and re-arms the interrupt when they are empty.
 * A received packet is read after dma_sync_single_for_cpu(); a small one is
 * copied out and its buffer given back with dma_sync_single_for_device(),
 * a large one is unmapped and passed up, and a new buffer is mapped in its
 * place (the "copybreak" of real drivers).
 *
 * The hardware half (hw_*) is a device model (<dmasim/model.h>): the card
 * receives packets from the wire at set virtual times, writes them by DMA
 * into the buffers its receive descriptors point at, sends what the
 * transmit ring holds, and raises a level interrupt line while a status bit
 * it has set is unmasked.
 *
 * The machine has RAM above 4 GiB and the card a 32-bit mask, so every
 * buffer (kmalloc() prefers the high RAM) bounces through swiotlb: the demo
 * prints each buffer's CPU virtual (X), physical (Y) and bus (Z) address.
 * It runs twice: exec=deterministic (the same run every time, in virtual
 * time) and exec=threaded (the card on its own thread, the handler on the
 * interrupt thread, concurrently with the driver).
 */
#include <stdio.h>
#include <string.h>

#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <dmasim/dmasim.h>

#define MACHINE "ram=64M@0x80000000,256M@0x100000000"
#define RX_RING 4
#define TX_RING 4
#define BUF_SIZE 2048
#define COPYBREAK 256 /* packets up to this size are copied, their buffer reused */
#define BUDGET 2      /* descriptors one poll may take */
#define NIC_IRQ 11

/* The card's registers (bar0). */
#define REG_CTRL 0x00     /* 1: running */
#define REG_ISR 0x04      /* interrupt status, write 1 to clear */
#define REG_IMR 0x08      /* interrupt mask: the line is up while ISR & IMR */
#define REG_RX_RING 0x0c  /* bus address of the receive ring (32-bit card) */
#define REG_RX_TAIL 0x10  /* doorbell: receive buffers given so far (free-running) */
#define REG_RX_HEAD 0x14  /* receive descriptors the card has filled */
#define REG_TX_RING 0x18  /* bus address of the transmit ring */
#define REG_TX_TAIL 0x1c  /* doorbell: packets queued so far */
#define REG_TX_HEAD 0x20  /* packets the card has sent */
#define BAR0_SIZE 0x24
#define ISR_RX 0x1
#define ISR_TX 0x2

/* One descriptor, little-endian as the card reads and writes it. */
struct nic_desc {
	__le32 addr;   /* bus address of the buffer */
	__le16 len;    /* rx: buffer size, then the packet's length; tx: the packet's */
	__le16 status; /* written by the card */
};
#define DESC_DONE 0x1

/* ---- the hardware: a device model ------------------------------------------------ */

/* What arrives on the wire, and when (µs after the card is started). */
static const struct {
	unsigned int at_us;
	const char *text;
	unsigned int len; /* 0: strlen(text) */
} wire_in[] = {
	{ 10, "ARP who-has 10.0.0.1", 0 },
	{ 20, "ICMP echo request", 0 },
	{ 30, "UDP 1", 0 }, /* a burst of three: more than one poll's budget */
	{ 30, "UDP 2", 0 },
	{ 30, "UDP 3", 0 },
	{ 40, "UDP bulk data", 600 }, /* larger than COPYBREAK */
};
#define NPKT_RX ARRAY_SIZE(wire_in)

struct nic_hw {
	struct dmasim_model *m;
	struct dmasim_window *w;
	unsigned int next_in;      /* the next packet of wire_in[] */
	bool waiting;              /* for a receive buffer */
	unsigned int faults;       /* DMA the bus refused */
};

static double now_us(struct dmasim_model *m)
{
	return dmasim_time_ns(dmasim_model_platform(m)) / 1000.0;
}

static void hw_update_irq(struct nic_hw *hw)
{
	if (dmasim_reg_get(hw->w, REG_ISR) & dmasim_reg_get(hw->w, REG_IMR))
		dmasim_irq_raise(hw->m, NIC_IRQ);
	else
		dmasim_irq_lower(hw->m, NIC_IRQ);
}

static void hw_set_isr(struct nic_hw *hw, u32 bits)
{
	dmasim_reg_set(hw->w, REG_ISR, dmasim_reg_get(hw->w, REG_ISR) | bits);
	hw_update_irq(hw);
}

/*
 * Device work: the packets due now come in from the wire.  With no receive
 * buffer free a packet waits in the card's FIFO until the driver gives one
 * back (the RX_TAIL write below).
 */
static void hw_receive(struct dmasim_model *m, void *arg)
{
	struct nic_hw *hw = arg;
	struct device *dev = dmasim_model_device(m);
	unsigned int at = wire_in[hw->next_in].at_us;
	bool got = false;

	if (!dmasim_reg_get(hw->w, REG_CTRL))
		return;
	while (hw->next_in < NPKT_RX && wire_in[hw->next_in].at_us == at) {
		const char *text = wire_in[hw->next_in].text;
		unsigned int len = wire_in[hw->next_in].len ? wire_in[hw->next_in].len : (unsigned int)strlen(text);
		u32 head = (u32)dmasim_reg_get(hw->w, REG_RX_HEAD);
		u64 d_bus = dmasim_reg_get(hw->w, REG_RX_RING) + (head % RX_RING) * sizeof(struct nic_desc);
		char pkt[BUF_SIZE] = { 0 };
		struct nic_desc d;

		if (head == (u32)dmasim_reg_get(hw->w, REG_RX_TAIL)) {
			printf("  [%7.3f us] card: no receive buffer: \"%s\" waits in the card's FIFO\n",
			       now_us(m), text);
			hw->waiting = true;
			break;
		}
		hw->next_in++;
		memcpy(pkt, text, strlen(text));
		if (dmasim_dev_read(dev, d_bus, &d, sizeof(d)) ||                /* DMA: descriptor */
		    len > le16_to_cpu(d.len) ||                                  /* (too long: error) */
		    dmasim_dev_write(dev, le32_to_cpu(d.addr), pkt, len)) {     /* DMA: the packet */
			hw->faults++;
			continue;
		}
		printf("  [%7.3f us] card: received \"%s\" (%u bytes), DMA to Z 0x%x (rx[%u])\n",
		       now_us(m), text, len, le32_to_cpu(d.addr), head % RX_RING);
		d.len = cpu_to_le16(len);
		d.status = cpu_to_le16(DESC_DONE);
		if (dmasim_dev_write(dev, d_bus, &d, sizeof(d)))                 /* DMA: write-back */
			hw->faults++;
		dmasim_reg_set(hw->w, REG_RX_HEAD, head + 1);
		got = true;
	}
	if (got)
		hw_set_isr(hw, ISR_RX);
	if (!hw->waiting && hw->next_in < NPKT_RX)
		dmasim_model_schedule(m, (wire_in[hw->next_in].at_us - at) * 1000ull, hw_receive, hw, "rx");
}

/* Device work: send one queued packet, 5 µs each. */
static void hw_transmit(struct dmasim_model *m, void *arg)
{
	struct nic_hw *hw = arg;
	struct device *dev = dmasim_model_device(m);
	u32 head = (u32)dmasim_reg_get(hw->w, REG_TX_HEAD);
	u64 d_bus = dmasim_reg_get(hw->w, REG_TX_RING) + (head % TX_RING) * sizeof(struct nic_desc);
	char pkt[64] = "";
	struct nic_desc d;

	if (!dmasim_reg_get(hw->w, REG_CTRL) || head == (u32)dmasim_reg_get(hw->w, REG_TX_TAIL))
		return;
	if (dmasim_dev_read(dev, d_bus, &d, sizeof(d)) ||                                /* descriptor */
	    dmasim_dev_read(dev, le32_to_cpu(d.addr), pkt, min_t(u32, le16_to_cpu(d.len), 63))) { /* packet */
		hw->faults++;
		return;
	}
	printf("  [%7.3f us] card: sends \"%s\" (%u bytes, DMA from Z 0x%x)\n", now_us(m), pkt,
	       le16_to_cpu(d.len), le32_to_cpu(d.addr));
	d.status = cpu_to_le16(DESC_DONE);
	if (dmasim_dev_write(dev, d_bus, &d, sizeof(d)))
		hw->faults++;
	dmasim_reg_set(hw->w, REG_TX_HEAD, head + 1);
	hw_set_isr(hw, ISR_TX);
	if (head + 1 != (u32)dmasim_reg_get(hw->w, REG_TX_TAIL))
		dmasim_model_schedule(m, 5000, hw_transmit, hw, "tx");
}

static void hw_ctrl_written(struct dmasim_window *w, const struct dmasim_reg *r __always_unused,
			    u64 old, u64 val)
{
	struct nic_hw *hw = dmasim_window_priv(w);

	if (val && !old && hw->next_in < NPKT_RX) /* started: the wire comes alive */
		dmasim_model_schedule(hw->m, wire_in[hw->next_in].at_us * 1000ull, hw_receive, hw, "rx");
}

static void hw_rx_doorbell(struct dmasim_window *w, const struct dmasim_reg *r __always_unused,
			   u64 old __always_unused, u64 val __always_unused)
{
	struct nic_hw *hw = dmasim_window_priv(w);

	if (hw->waiting) { /* buffers again: the FIFO drains */
		hw->waiting = false;
		dmasim_model_schedule(hw->m, 1000, hw_receive, hw, "rx");
	}
}

static void hw_tx_doorbell(struct dmasim_window *w, const struct dmasim_reg *r __always_unused,
			   u64 old __always_unused, u64 val __always_unused)
{
	struct nic_hw *hw = dmasim_window_priv(w);

	dmasim_model_cancel(hw->m, hw_transmit, hw);
	dmasim_model_schedule(hw->m, 5000, hw_transmit, hw, "tx");
}

static void hw_irq_regs_written(struct dmasim_window *w, const struct dmasim_reg *r __always_unused,
				u64 old __always_unused, u64 val __always_unused)
{
	hw_update_irq(dmasim_window_priv(w)); /* an acknowledgement or a mask change */
}

static const struct dmasim_reg hw_regs[] = {
	{ .offset = REG_CTRL, .name = "CTRL", .write = hw_ctrl_written },
	{ .offset = REG_ISR, .name = "ISR", .flags = DMASIM_REG_W1C, .write = hw_irq_regs_written },
	{ .offset = REG_IMR, .name = "IMR", .write = hw_irq_regs_written },
	{ .offset = REG_RX_RING, .name = "RX_RING" },
	{ .offset = REG_RX_TAIL, .name = "RX_TAIL", .write = hw_rx_doorbell },
	{ .offset = REG_RX_HEAD, .name = "RX_HEAD", .flags = DMASIM_REG_RO },
	{ .offset = REG_TX_RING, .name = "TX_RING" },
	{ .offset = REG_TX_TAIL, .name = "TX_TAIL", .write = hw_tx_doorbell },
	{ .offset = REG_TX_HEAD, .name = "TX_HEAD", .flags = DMASIM_REG_RO },
};

/* ---- the driver ------------------------------------------------------------------- */

struct nic_buf {
	void *buf;
	DEFINE_DMA_UNMAP_ADDR(mapping);
	DEFINE_DMA_UNMAP_LEN(len);
};

struct nic {
	struct device *dev;
	void __iomem *regs;
	struct nic_desc *rx_ring, *tx_ring;     /* coherent */
	dma_addr_t rx_ring_dma, tx_ring_dma;
	struct nic_buf rx[RX_RING], tx[TX_RING];
	u32 rx_clean;                           /* the handler's: next descriptor to look at */
	u32 tx_tail, tx_clean;                  /* under lock: xmit and the handler */
	unsigned int rx_packets, rx_bytes;
	spinlock_t lock;
	struct completion rx_done, tx_done;
	bool irq_requested;
};

/* Print where a mapped buffer is in the three address spaces. */
static void show(struct device *dev, const char *what, dma_addr_t bus)
{
	struct dmasim_xlate x;

	if (dmasim_dev_translate(dev, bus, &x))
		return;
	printf("  %-6s Z bus 0x%09llx -> Y phys 0x%09llx%s", what, (unsigned long long)x.bus,
	       (unsigned long long)x.phys, x.bounced ? " (swiotlb slot)" : "");
	if (x.bounced)
		printf(", driver buffer at Y 0x%09llx X %p\n", (unsigned long long)x.orig_phys,
		       phys_to_virt(x.orig_phys));
	else
		printf(", X %p\n", x.cpu);
}

/* Give receive buffer @i to the card: a new buffer, mapped for the card to write. */
static int nic_rx_alloc(struct nic *nic, unsigned int i)
{
	struct nic_buf *b = &nic->rx[i];
	dma_addr_t h;

	b->buf = kmalloc(BUF_SIZE, GFP_ATOMIC); /* also called from the handler */
	if (!b->buf)
		return -ENOMEM;
	h = dma_map_single(nic->dev, b->buf, BUF_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(nic->dev, h)) {
		kfree(b->buf);
		b->buf = NULL;
		return -ENOMEM;
	}
	dma_unmap_addr_set(b, mapping, h);
	dma_unmap_len_set(b, len, BUF_SIZE);
	nic->rx_ring[i].addr = cpu_to_le32((u32)h); /* the card's mask is 32 bits */
	return 0;
}

/* NAPI-style poll of the receive ring: at most @budget packets. */
static int nic_rx_poll(struct nic *nic, int budget)
{
	int done = 0;

	while (done < budget) {
		unsigned int i = nic->rx_clean % RX_RING;
		struct nic_desc *d = &nic->rx_ring[i];
		struct nic_buf *b = &nic->rx[i];
		dma_addr_t h = dma_unmap_addr(b, mapping);
		unsigned int len;

		if (!(le16_to_cpu(READ_ONCE(d->status)) & DESC_DONE))
			break;
		dma_rmb(); /* the status before the rest of the descriptor */
		len = le16_to_cpu(d->len);
		if (len <= COPYBREAK) {
			char pkt[COPYBREAK + 1];

			/* The card's write is in the swiotlb slot: the sync brings it here. */
			dma_sync_single_for_cpu(nic->dev, h, len, DMA_FROM_DEVICE);
			memcpy(pkt, b->buf, len);
			pkt[len] = '\0';
			dma_sync_single_for_device(nic->dev, h, len, DMA_FROM_DEVICE); /* back to the card */
			printf("  [%7.3f us] driver: rx[%u] %u bytes at X %p after "
			       "dma_sync_single_for_cpu(): \"%s\" (copied, buffer reused)\n",
			       ktime_get() / 1000.0, i, len, b->buf, pkt);
		} else {
			/* Unmapping syncs too; the buffer goes up the stack, a new one takes its place. */
			dma_unmap_single(nic->dev, h, dma_unmap_len(b, len), DMA_FROM_DEVICE);
			printf("  [%7.3f us] driver: rx[%u] %u bytes at X %p after "
			       "dma_unmap_single(): \"%s\" (passed up, refilled:)\n",
			       ktime_get() / 1000.0, i, len, b->buf, (char *)b->buf);
			kfree(b->buf); /* (the stack is done with it) */
			if (nic_rx_alloc(nic, i)) {
				printf("  driver: no memory for a new receive buffer\n");
				break;
			}
			show(nic->dev, "rx", dma_unmap_addr(b, mapping));
		}
		d->len = cpu_to_le16(BUF_SIZE);
		d->status = 0;
		nic->rx_clean++;
		nic->rx_packets++;
		nic->rx_bytes += len;
		done++;
	}
	if (done) {
		dma_wmb();                                                /* the descriptors... */
		writel(nic->rx_clean + RX_RING, nic->regs + REG_RX_TAIL); /* ...before the doorbell */
	}
	if (nic->rx_packets == NPKT_RX)
		complete(&nic->rx_done);
	return done;
}

/* Clean the transmit ring: unmap and free what the card has sent. */
static void nic_tx_clean(struct nic *nic)
{
	spin_lock(&nic->lock);
	while (nic->tx_clean != nic->tx_tail) {
		unsigned int i = nic->tx_clean % TX_RING;
		struct nic_buf *b = &nic->tx[i];

		if (!(le16_to_cpu(READ_ONCE(nic->tx_ring[i].status)) & DESC_DONE))
			break;
		dma_unmap_single(nic->dev, dma_unmap_addr(b, mapping), dma_unmap_len(b, len), DMA_TO_DEVICE);
		kfree(b->buf);
		b->buf = NULL;
		nic->tx_clean++;
		printf("  [%7.3f us] driver: tx[%u] sent, unmapped\n", ktime_get() / 1000.0, i);
	}
	if (nic->tx_clean == nic->tx_tail)
		complete(&nic->tx_done);
	spin_unlock(&nic->lock);
}

static irqreturn_t nic_interrupt(int irq, void *dev_id)
{
	struct nic *nic = dev_id;
	u32 isr = readl(nic->regs + REG_ISR);
	int done;

	if (!isr)
		return IRQ_NONE;
	writel(0, nic->regs + REG_IMR);   /* mask the card's interrupt, as napi_schedule() */
	writel(isr, nic->regs + REG_ISR); /* acknowledge what we will look at */
	printf("  [%7.3f us] irq %d: ISR 0x%x (%s), interrupt masked, polling\n", ktime_get() / 1000.0,
	       irq, isr, isr == (ISR_RX | ISR_TX) ? "rx, tx" : isr & ISR_RX ? "rx" : "tx");
	nic_tx_clean(nic);
	while ((done = nic_rx_poll(nic, BUDGET)) == BUDGET)
		printf("  [%7.3f us] driver: budget of %d used up, poll again\n", ktime_get() / 1000.0, BUDGET);
	writel(ISR_RX | ISR_TX, nic->regs + REG_IMR); /* done: re-arm */
	return IRQ_HANDLED;
}

static int nic_xmit(struct nic *nic, const char *text)
{
	size_t len = strlen(text) + 1;
	unsigned long flags;
	struct nic_buf *b;
	unsigned int i;
	dma_addr_t h;
	void *buf;

	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, text, len);
	h = dma_map_single(nic->dev, buf, len, DMA_TO_DEVICE);
	if (dma_mapping_error(nic->dev, h)) {
		kfree(buf);
		return -ENOMEM;
	}
	spin_lock_irqsave(&nic->lock, flags);
	if (nic->tx_tail - nic->tx_clean == TX_RING) {
		spin_unlock_irqrestore(&nic->lock, flags);
		dma_unmap_single(nic->dev, h, len, DMA_TO_DEVICE);
		kfree(buf);
		return -EBUSY;
	}
	i = nic->tx_tail % TX_RING;
	b = &nic->tx[i];
	b->buf = buf;
	dma_unmap_addr_set(b, mapping, h);
	dma_unmap_len_set(b, len, len);
	nic->tx_ring[i].addr = cpu_to_le32((u32)h);
	nic->tx_ring[i].len = cpu_to_le16((u16)len);
	nic->tx_ring[i].status = 0;
	nic->tx_tail++;
	reinit_completion(&nic->tx_done);
	dma_wmb();                                        /* the descriptor is complete before... */
	writel(nic->tx_tail, nic->regs + REG_TX_TAIL);    /* ...the doorbell tells the card */
	spin_unlock_irqrestore(&nic->lock, flags);
	show(nic->dev, "tx", h);
	return 0;
}

/* probe(): map the registers, allocate the rings, fill the receive ring, hook the interrupt. */
static int nic_probe(struct nic *nic, phys_addr_t bar0)
{
	spin_lock_init(&nic->lock);
	init_completion(&nic->rx_done);
	init_completion(&nic->tx_done);
	nic->regs = ioremap(bar0, BAR0_SIZE);
	nic->rx_ring = dma_alloc_coherent(nic->dev, RX_RING * sizeof(struct nic_desc),
					  &nic->rx_ring_dma, GFP_KERNEL);
	nic->tx_ring = dma_alloc_coherent(nic->dev, TX_RING * sizeof(struct nic_desc),
					  &nic->tx_ring_dma, GFP_KERNEL);
	if (!nic->regs || !nic->rx_ring || !nic->tx_ring)
		return -ENOMEM;
	printf("registers: Y phys 0x%llx, ioremap() cookie %p (for readl()/writel() only)\n",
	       (unsigned long long)bar0, (void *)nic->regs);
	printf("rx ring:   X %p  Z 0x%llx (coherent)\ntx ring:   X %p  Z 0x%llx (coherent)\n",
	       (void *)nic->rx_ring, (unsigned long long)nic->rx_ring_dma, (void *)nic->tx_ring,
	       (unsigned long long)nic->tx_ring_dma);
	printf("receive buffers mapped DMA_FROM_DEVICE:\n");
	for (unsigned int i = 0; i < RX_RING; i++) {
		if (nic_rx_alloc(nic, i))
			return -ENOMEM;
		nic->rx_ring[i].len = cpu_to_le16(BUF_SIZE);
		show(nic->dev, "rx", dma_unmap_addr(&nic->rx[i], mapping));
	}
	if (request_irq(NIC_IRQ, nic_interrupt, 0, "nic0", nic))
		return -EBUSY;
	nic->irq_requested = true;
	writel((u32)nic->rx_ring_dma, nic->regs + REG_RX_RING);
	writel((u32)nic->tx_ring_dma, nic->regs + REG_TX_RING);
	dma_wmb();                                      /* the receive ring before... */
	writel(RX_RING, nic->regs + REG_RX_TAIL);       /* ...the card may use every buffer */
	writel(ISR_RX | ISR_TX, nic->regs + REG_IMR);
	writel(1, nic->regs + REG_CTRL);
	return 0;
}

static void nic_remove(struct nic *nic)
{
	if (nic->regs) {
		writel(0, nic->regs + REG_CTRL);
		writel(0, nic->regs + REG_IMR);
	}
	if (nic->irq_requested)
		free_irq(NIC_IRQ, nic);
	for (unsigned int i = 0; i < RX_RING; i++) {
		if (!nic->rx[i].buf)
			continue;
		dma_unmap_single(nic->dev, dma_unmap_addr(&nic->rx[i], mapping),
				 dma_unmap_len(&nic->rx[i], len), DMA_FROM_DEVICE);
		kfree(nic->rx[i].buf);
	}
	for (unsigned int i = 0; i < TX_RING; i++) {
		if (!nic->tx[i].buf)
			continue;
		dma_unmap_single(nic->dev, dma_unmap_addr(&nic->tx[i], mapping),
				 dma_unmap_len(&nic->tx[i], len), DMA_TO_DEVICE);
		kfree(nic->tx[i].buf);
	}
	if (nic->rx_ring)
		dma_free_coherent(nic->dev, RX_RING * sizeof(struct nic_desc), nic->rx_ring, nic->rx_ring_dma);
	if (nic->tx_ring)
		dma_free_coherent(nic->dev, TX_RING * sizeof(struct nic_desc), nic->tx_ring, nic->tx_ring_dma);
	if (nic->regs)
		iounmap(nic->regs);
}

/* ---- the program -------------------------------------------------------------------- */

static int run(const char *mode)
{
	struct dmasim_platform *p;
	char spec[80];
	struct nic_hw hw = { 0 };
	struct nic nic = { 0 };
	unsigned long rx_left, tx_left = 0;
	int ret = 1;


	snprintf(spec, sizeof(spec), "%s exec=%s", MACHINE, mode);
	p = dmasim_platform_create(spec);
	if (!p)
		return 1;
	printf("== exec=%s ==\nmachine: %s\n", mode, dmasim_platform_spec(p));
	nic.dev = dmasim_device_create(p, "name=nic0 mask=32");
	if (!nic.dev)
		goto out;
	printf("nic0: DMA mask 0x%llx, required mask 0x%llx, addressing limited: %s\n",
	       (unsigned long long)dma_get_mask(nic.dev),
	       (unsigned long long)dma_get_required_mask(nic.dev),
	       dma_addressing_limited(nic.dev) ? "yes (bounces)" : "no");

	/* The hardware: a register window and a level interrupt line. */
	hw.m = dmasim_model_create(p, "nic0", nic.dev, &hw);
	hw.w = hw.m ? dmasim_window_add(hw.m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "bar0", .size = BAR0_SIZE, .widths = 4,
			.regs = hw_regs, .nr_regs = ARRAY_SIZE(hw_regs) }) : NULL;
	if (!hw.w || dmasim_irq_connect(hw.m, NIC_IRQ, DMASIM_IRQ_LEVEL))
		goto out;

	if (nic_probe(&nic, dmasim_window_base(hw.w)))
		goto out_remove;
	printf("  [%7.3f us] driver: card started, waiting for %zu packets\n", ktime_get() / 1000.0, NPKT_RX);
	rx_left = wait_for_completion_timeout(&nic.rx_done, msecs_to_jiffies(1000));
	printf("  [%7.3f us] driver: %s: %u packets, %u bytes received\n", ktime_get() / 1000.0,
	       rx_left ? "done" : "TIMEOUT", nic.rx_packets, nic.rx_bytes);

	printf("transmit buffers mapped DMA_TO_DEVICE:\n");
	if (nic_xmit(&nic, "ARP reply 10.0.0.1 is-at 02:00:00:00:00:01") || nic_xmit(&nic, "ICMP echo reply"))
		goto out_remove;
	tx_left = wait_for_completion_timeout(&nic.tx_done, msecs_to_jiffies(1000));
	printf("  [%7.3f us] driver: %s, card TX_HEAD %u\n", ktime_get() / 1000.0,
	       tx_left ? "all sent" : "TIMEOUT", readl(nic.regs + REG_TX_HEAD));
	ret = rx_left && tx_left && nic.rx_packets == NPKT_RX && !hw.faults ? 0 : 1;

out_remove:
	nic_remove(&nic);
out:
	dmasim_model_destroy(hw.m);
	printf("misuse reports: %lu\n", dmasim_debug_errors(p));
	if (dmasim_debug_errors(p))
		ret = 1;
	dmasim_device_destroy(nic.dev);
	dmasim_platform_destroy(p);
	return ret;
}

/* A 64-bit DMA engine behind a bus offset: Z = Y - 0x80000000, no bouncing. */
static int bus_offset(void)
{
	struct dmasim_platform *p = dmasim_platform_create(MACHINE);
	struct device *eng = p ? dmasim_device_create(p, "name=dma1 mask=64 offset=0x80000000") : NULL;
	void *desc;
	dma_addr_t h;

	desc = eng ? dma_alloc_coherent(eng, 4096, &h, GFP_KERNEL) : NULL;
	if (!desc) {
		dmasim_platform_destroy(p);
		return 1;
	}
	printf("== bus offset ==\ndma1 (bus offset 0x80000000) coherent descriptor page:\n");
	show(eng, "desc", h);
	dma_free_coherent(eng, 4096, desc, h);
	dmasim_device_destroy(eng);
	dmasim_platform_destroy(p);
	return 0;
}

int main(void)
{
	int ret = run("deterministic");

	ret |= run("threaded");
	ret |= bus_offset();
	printf("%s\n", ret ? "FAILED" : "ok");
	return ret;
}
