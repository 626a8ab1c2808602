/*
 * tests/scenario-nic.c - a driver and its device, the way a NIC driver
 * talks to hardware: registers behind ioremap(), a transmit and a receive
 * ring of descriptors in coherent memory, streaming-mapped packet buffers,
 * dma_wmb() before the doorbell, completion by a level interrupt that the
 * handler acknowledges through a write-1-to-clear status register.  The
 * model is a loopback NIC: each packet sent comes back on the receive ring.
 * The driver keeps its descriptors little-endian (cpu_to_le64()), and a
 * spinlock guards the ring state that xmit (spin_lock_irqsave()) and the
 * handler (spin_lock()) share.
 *
 * Run in both execution modes (exec=deterministic and exec=threaded, the
 * latter TSan-clean) and, through DMASIM_SPEC, on every machine of the
 * scenario matrix; a correct driver makes no report.  Deterministic mode is
 * checked to repeat the same register, interrupt and device-work sequence.
 */
#include "testutil.h"

#include <string.h>

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#define RING 16
#define NPKT 12
#define PKT 256
#define NIC_IRQ 11

/* The device's registers. */
#define CTRL 0x00
#define ISR 0x04
#define IMR 0x08
#define TX_RING_LO 0x0c
#define TX_RING_HI 0x10
#define RX_RING_LO 0x14
#define RX_RING_HI 0x18
#define TX_TAIL 0x1c
#define TX_HEAD 0x20
#define RX_TAIL 0x24
#define RX_HEAD 0x28
#define ISR_TX 0x1
#define ISR_RX 0x2

/* One descriptor, as both sides see it in the ring: little-endian, as the hardware's. */
struct desc {
	__le64 addr;
	__le16 len;
	__le16 flags;
	__le32 pad;
};
#define DESC_DONE 0x1
/* The device writes the flags behind the CPU's back: read them afresh each time. */
#define READ_ONCE_FLAGS(d) le16_to_cpu(READ_ONCE((d).flags))

/* ---------------------------------------------------------------- the model */

struct nic_model {
	struct dmasim_model *m;
	struct dmasim_window *w;
	struct device *dev;
	unsigned int tx_head, rx_head;
	unsigned int faults;
};

static u64 ring_addr(struct dmasim_window *w, u64 lo, u64 hi)
{
	return dmasim_reg_get(w, lo) | dmasim_reg_get(w, hi) << 32;
}

static void update_irq(struct nic_model *n)
{
	if (dmasim_reg_get(n->w, ISR) & dmasim_reg_get(n->w, IMR))
		dmasim_irq_raise(n->m, NIC_IRQ);
	else
		dmasim_irq_lower(n->m, NIC_IRQ);
}

/* Device work: send one packet (back to ourselves), 2 µs per packet. */
static void process(struct dmasim_model *m, void *arg)
{
	struct nic_model *n = arg;
	u64 tx_ring = ring_addr(n->w, TX_RING_LO, TX_RING_HI);
	u64 rx_ring = ring_addr(n->w, RX_RING_LO, RX_RING_HI);
	unsigned int tail = (unsigned int)dmasim_reg_get(n->w, TX_TAIL);
	unsigned char data[PKT];
	struct desc tx, rx;

	if (!(dmasim_reg_get(n->w, CTRL) & 1) || n->tx_head == tail)
		return;
	if (n->rx_head == dmasim_reg_get(n->w, RX_TAIL))
		return; /* no receive buffer: wait for the driver */
	if (dmasim_dev_read(n->dev, tx_ring + n->tx_head * sizeof(tx), &tx, sizeof(tx)) ||
	    dmasim_dev_read(n->dev, le64_to_cpu(tx.addr), data, le16_to_cpu(tx.len)) ||
	    dmasim_dev_read(n->dev, rx_ring + n->rx_head * sizeof(rx), &rx, sizeof(rx)) ||
	    dmasim_dev_write(n->dev, le64_to_cpu(rx.addr), data, le16_to_cpu(tx.len)))
		n->faults++;
	rx.len = tx.len;
	rx.flags = cpu_to_le16(DESC_DONE);
	tx.flags = cpu_to_le16(DESC_DONE);
	if (dmasim_dev_write(n->dev, rx_ring + n->rx_head * sizeof(rx), &rx, sizeof(rx)) ||
	    dmasim_dev_write(n->dev, tx_ring + n->tx_head * sizeof(tx), &tx, sizeof(tx)))
		n->faults++;
	n->tx_head = (n->tx_head + 1) % RING;
	n->rx_head = (n->rx_head + 1) % RING;
	dmasim_reg_set(n->w, TX_HEAD, n->tx_head);
	dmasim_reg_set(n->w, RX_HEAD, n->rx_head);
	dmasim_reg_set(n->w, ISR, dmasim_reg_get(n->w, ISR) | ISR_TX | ISR_RX);
	update_irq(n);
	if (n->tx_head != tail)
		dmasim_model_schedule(m, 2000, process, n, "next packet");
}

static void doorbell(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct nic_model *n = dmasim_window_priv(w);

	dmasim_model_cancel(n->m, process, n);
	dmasim_model_schedule(n->m, 5000, process, n, "doorbell");
}

static void isr_written(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	update_irq(dmasim_window_priv(w)); /* the acknowledgement lowers the line */
}

static const struct dmasim_reg nic_regs[] = {
	{ .offset = CTRL, .name = "CTRL" },
	{ .offset = ISR, .name = "ISR", .flags = DMASIM_REG_W1C, .write = isr_written },
	{ .offset = IMR, .name = "IMR", .write = isr_written },
	{ .offset = TX_RING_LO, .name = "TX_RING_LO" },
	{ .offset = TX_RING_HI, .name = "TX_RING_HI" },
	{ .offset = RX_RING_LO, .name = "RX_RING_LO" },
	{ .offset = RX_RING_HI, .name = "RX_RING_HI" },
	{ .offset = TX_TAIL, .name = "TX_TAIL", .write = doorbell },
	{ .offset = TX_HEAD, .name = "TX_HEAD", .flags = DMASIM_REG_RO },
	{ .offset = RX_TAIL, .name = "RX_TAIL", .write = doorbell },
	{ .offset = RX_HEAD, .name = "RX_HEAD", .flags = DMASIM_REG_RO },
};

/* --------------------------------------------------------------- the driver */

struct nic_priv {
	struct device *dev;
	void __iomem *regs;
	struct desc *tx_ring, *rx_ring;
	dma_addr_t tx_dma, rx_dma;
	void *tx_buf[RING], *rx_buf[RING];
	dma_addr_t tx_map[RING], rx_map[RING];
	unsigned int tx_tail, tx_clean, rx_clean, rx_done;
	spinlock_t lock; /* the ring state: xmit and the handler */
	struct completion done;
};

static irqreturn_t nic_interrupt(int irq, void *dev_id)
{
	struct nic_priv *priv = dev_id;
	u32 isr = readl(priv->regs + ISR);

	if (!isr)
		return IRQ_NONE; /* a shared line: not ours */
	writel(isr, priv->regs + ISR); /* acknowledge */
	spin_lock(&priv->lock); /* interrupts are masked in a handler already */
	while (priv->tx_clean != priv->tx_tail &&
	       (READ_ONCE_FLAGS(priv->tx_ring[priv->tx_clean]) & DESC_DONE))
		priv->tx_clean = (priv->tx_clean + 1) % RING;
	while (READ_ONCE_FLAGS(priv->rx_ring[priv->rx_clean]) & DESC_DONE) {
		priv->rx_ring[priv->rx_clean].flags = 0;
		priv->rx_clean = (priv->rx_clean + 1) % RING;
		if (++priv->rx_done == NPKT)
			complete(&priv->done);
	}
	spin_unlock(&priv->lock);
	return IRQ_HANDLED;
}

static int run_nic(const char *mode, unsigned int *faults, dmasim_trace_fn trace)
{
	char spec[64];
	struct dmasim_platform *p;
	struct nic_model n = { 0 };
	struct nic_priv priv = { 0 };
	unsigned int i;
	unsigned long left;
	int bad = 0;

	snprintf(spec, sizeof(spec), "exec=%s", mode);
	p = tu_platform(spec);
	assert_non_null(p);
	if (trace)
		dmasim_trace_set(p, trace, NULL);
	priv.dev = dmasim_device_create(p, "name=nic0");
	assert_non_null(priv.dev);
	assert_int_equal(dma_set_mask_and_coherent(priv.dev, DMA_BIT_MASK(64)), 0);

	/* The hardware. */
	n.dev = priv.dev;
	n.m = dmasim_model_create(p, "nic0", priv.dev, &n);
	n.w = dmasim_window_add(n.m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "bar0", .size = 0x100, .widths = 4,
			.regs = nic_regs, .nr_regs = ARRAY_SIZE(nic_regs) });
	assert_non_null(n.w);
	assert_int_equal(dmasim_irq_connect(n.m, NIC_IRQ, DMASIM_IRQ_LEVEL), 0);

	/* probe() */
	init_completion(&priv.done);
	spin_lock_init(&priv.lock);
	priv.regs = ioremap(dmasim_window_base(n.w), 0x100);
	assert_non_null(priv.regs);
	priv.tx_ring = dma_alloc_coherent(priv.dev, RING * sizeof(struct desc), &priv.tx_dma, GFP_KERNEL);
	priv.rx_ring = dma_alloc_coherent(priv.dev, RING * sizeof(struct desc), &priv.rx_dma, GFP_KERNEL);
	assert_non_null(priv.tx_ring);
	assert_non_null(priv.rx_ring);
	for (i = 0; i < RING; i++) {
		priv.rx_buf[i] = kmalloc(PKT, GFP_KERNEL);
		priv.rx_map[i] = dma_map_single(priv.dev, priv.rx_buf[i], PKT, DMA_FROM_DEVICE);
		assert_false(dma_mapping_error(priv.dev, priv.rx_map[i]));
		priv.rx_ring[i].addr = cpu_to_le64(priv.rx_map[i]);
		priv.rx_ring[i].len = cpu_to_le16(PKT);
	}
	assert_int_equal(request_irq(NIC_IRQ, nic_interrupt, IRQF_SHARED, "nic0", &priv), 0);
	writel(lower_32_bits(priv.tx_dma), priv.regs + TX_RING_LO);
	writel(upper_32_bits(priv.tx_dma), priv.regs + TX_RING_HI);
	writel(lower_32_bits(priv.rx_dma), priv.regs + RX_RING_LO);
	writel(upper_32_bits(priv.rx_dma), priv.regs + RX_RING_HI);
	writel(ISR_TX | ISR_RX, priv.regs + IMR);
	writel(1, priv.regs + CTRL);
	writel(RING - 1, priv.regs + RX_TAIL); /* every receive buffer but one to the device */

	/* xmit(): fill descriptors, then one doorbell per packet */
	for (i = 0; i < NPKT; i++) {
		unsigned char *b = kmalloc(PKT, GFP_KERNEL);
		unsigned long flags;

		memset(b, (int)(0x40 + i), PKT);
		priv.tx_buf[i] = b;
		priv.tx_map[i] = dma_map_single(priv.dev, b, PKT, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(priv.dev, priv.tx_map[i]));
		spin_lock_irqsave(&priv.lock, flags);
		priv.tx_ring[i].addr = cpu_to_le64(priv.tx_map[i]);
		priv.tx_ring[i].len = cpu_to_le16(64 + i);
		priv.tx_ring[i].flags = 0;
		priv.tx_tail = i + 1;
		dma_wmb(); /* the descriptor before the doorbell */
		writel(i + 1, priv.regs + TX_TAIL);
		spin_unlock_irqrestore(&priv.lock, flags);
	}

	/* Wait for every packet to come back. */
	left = wait_for_completion_timeout(&priv.done, msecs_to_jiffies(1000));
	if (!left)
		bad++;
	disable_irq(NIC_IRQ); /* the handler is done with the rings */
	for (i = 0; i < NPKT; i++) {
		unsigned char *rb = priv.rx_buf[i];

		dma_unmap_single(priv.dev, priv.rx_map[i], PKT, DMA_FROM_DEVICE);
		priv.rx_map[i] = 0;
		if (le16_to_cpu(priv.rx_ring[i].len) != 64 + i || rb[0] != 0x40 + i || rb[63 + i] != 0x40 + i ||
		    rb[64 + i] != 0)
			bad++;
		dma_unmap_single(priv.dev, priv.tx_map[i], PKT, DMA_TO_DEVICE);
		kfree(priv.tx_buf[i]);
	}
	if (priv.tx_clean != NPKT)
		bad++;
	enable_irq(NIC_IRQ);

	/* remove() */
	writel(0, priv.regs + CTRL);
	free_irq(NIC_IRQ, &priv);
	for (i = 0; i < RING; i++) {
		if (priv.rx_map[i])
			dma_unmap_single(priv.dev, priv.rx_map[i], PKT, DMA_FROM_DEVICE);
		kfree(priv.rx_buf[i]);
	}
	dma_free_coherent(priv.dev, RING * sizeof(struct desc), priv.tx_ring, priv.tx_dma);
	dma_free_coherent(priv.dev, RING * sizeof(struct desc), priv.rx_ring, priv.rx_dma);
	iounmap(priv.regs);
	dmasim_model_destroy(n.m);
	if (dmasim_debug_errors(p)) {
		tu_log_dump();
		bad += 100;
	}
	*faults = n.faults;
	dmasim_device_destroy(priv.dev);
	dmasim_platform_destroy(p);
	return bad;
}

static void test_nic_deterministic(void **state)
{
	unsigned int faults;

	(void)state;
	assert_int_equal(run_nic("deterministic", &faults, NULL), 0);
	assert_int_equal(faults, 0);
}

static void test_nic_threaded(void **state)
{
	unsigned int faults;

	(void)state;
	assert_int_equal(run_nic("threaded", &faults, NULL), 0);
	assert_int_equal(faults, 0);
}

/* The sequence of device-side events (register accesses, interrupts, device work). */
static char seq[2][8192];
static size_t seqlen;
static int which;

static void record(void *ctx, const struct dmasim_trace_event *ev)
{
	(void)ctx;
	if (strncmp(ev->ev, "mmio", 4) && strncmp(ev->ev, "irq", 3) && strcmp(ev->ev, "dev_work"))
		return;
	seqlen += (size_t)snprintf(seq[which] + seqlen, seqlen < sizeof(seq[0]) ? sizeof(seq[0]) - seqlen : 0,
				   "%s:%s:%llx ", ev->ev, ev->msg ? ev->msg : "",
				   (unsigned long long)ev->val);
	if (seqlen >= sizeof(seq[0]))
		seqlen = sizeof(seq[0]) - 1;
}

static void test_deterministic_repeats(void **state)
{
	unsigned int faults;

	(void)state;
	for (which = 0; which < 2; which++) {
		seqlen = 0;
		seq[which][0] = '\0';
		assert_int_equal(run_nic("deterministic", &faults, record), 0);
	}
	assert_true(strlen(seq[0]) > 1000);
	assert_string_equal(seq[0], seq[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nic_deterministic),
		cmocka_unit_test(test_nic_threaded),
		cmocka_unit_test(test_deterministic_repeats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
