/*
 * tests/scenario-drivers.c - real-shaped drivers (tests/drivers/: an
 * NVMe-shaped storage driver, an ALSA-shaped sound card, a NIC with TX and
 * RX rings) against their device models, on the machine DMASIM_SPEC makes:
 * CTest runs this program across DMASIM_SPEC_MATRIX, and each test also
 * runs the drivers in exec=threaded mode.  The driver files are compiled on
 * their own against the kernel-named headers only, with -Werror
 * -Wimplicit-function-declaration; here is the hardware side.  Every run
 * must move the right bytes with zero misuse reports.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/err.h>
#include <asm/byteorder.h>
#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/dma-mapping.h>
#include <dmasim/model.h>

#include "drivers/drivers.h"
#include "drivers/hw.h"

#define BLK_IRQ 20
#define SND_IRQ 21
#define NIC_IRQ 22

static struct dmasim_platform *plat(const char *spec)
{
	struct dmasim_platform *p = tu_platform(spec);

	assert_non_null(p);
	dmasim_platform_set_current(p);
	return p;
}

/* ---- the storage controller -------------------------------------------------------- */

struct blk_hw {
	struct dmasim_model *m;
	struct dmasim_window *w;
	u8 disk[256 * 1024];
	u16 sq_head, cq_tail;
	u16 phase;
	unsigned long cmds, errors;
};

static u64 reg64(struct dmasim_window *w, u64 lo)
{
	return dmasim_reg_get(w, lo) | dmasim_reg_get(w, lo + 4) << 32;
}

/* Move @len bytes between the disk at @off and bus address @bus. */
static int blk_xfer(struct blk_hw *hw, struct device *dev, bool write, size_t off, u64 bus,
		    size_t len)
{
	if (off + len > sizeof(hw->disk))
		return -1;
	return write ? dmasim_dev_read(dev, bus, hw->disk + off, len) :
		       dmasim_dev_write(dev, bus, hw->disk + off, len);
}

static int blk_do(struct blk_hw *hw, struct device *dev, const struct blk_sqe *c)
{
	bool write = c->opcode == BLK_OP_WRITE;
	size_t len = ((size_t)le16_to_cpu(c->nlb) + 1) * BLK_LBA_SIZE;
	size_t off = le64_to_cpu(c->slba) * BLK_LBA_SIZE;
	u64 prp1 = le64_to_cpu(c->prp1), prp2 = le64_to_cpu(c->prp2);
	size_t first = BLK_PAGE - (prp1 & (BLK_PAGE - 1)), done;

	if (c->opcode != BLK_OP_WRITE && c->opcode != BLK_OP_READ)
		return -1;
	if (first > len)
		first = len;
	if (blk_xfer(hw, dev, write, off, prp1, first))
		return -1;
	done = first;
	if (done == len)
		return 0;
	if (len - done <= BLK_PAGE)
		return blk_xfer(hw, dev, write, off + done, prp2, len - done);
	for (unsigned int i = 0; done < len; i++) {
		__le64 e;
		size_t n = len - done < BLK_PAGE ? len - done : BLK_PAGE;

		if (dmasim_dev_read(dev, prp2 + i * 8, &e, 8))
			return -1;
		if (blk_xfer(hw, dev, write, off + done, le64_to_cpu(e), n))
			return -1;
		done += n;
	}
	return 0;
}

static void blk_process(struct dmasim_model *m, void *arg)
{
	struct blk_hw *hw = arg;
	struct device *dev = dmasim_model_device(m);
	u16 depth = (u16)dmasim_reg_get(hw->w, BLK_REG_QDEPTH);
	u64 sq = reg64(hw->w, BLK_REG_ASQ_LO), cq = reg64(hw->w, BLK_REG_ACQ_LO);
	bool posted = false;

	while (hw->sq_head != dmasim_reg_get(hw->w, BLK_REG_SQ_TAIL)) {
		struct blk_sqe c;
		struct blk_cqe e = { 0 };
		int bad;

		if (dmasim_dev_read(dev, sq + hw->sq_head * sizeof(c), &c, sizeof(c)))
			break;
		hw->sq_head = (u16)((hw->sq_head + 1) % depth);
		bad = blk_do(hw, dev, &c);
		hw->cmds++;
		hw->errors += bad != 0;
		e.cid = c.cid;
		e.sq_head = cpu_to_le16(hw->sq_head);
		e.status = cpu_to_le16((u16)(hw->phase | (bad ? 2 : 0)));
		dmasim_dev_write(dev, cq + hw->cq_tail * sizeof(e), &e, sizeof(e));
		if (++hw->cq_tail == depth) {
			hw->cq_tail = 0;
			hw->phase ^= 1;
		}
		posted = true;
	}
	if (posted) {
		dmasim_reg_set(hw->w, BLK_REG_ISR, dmasim_reg_get(hw->w, BLK_REG_ISR) | BLK_ISR_CQ);
		dmasim_irq_raise(m, BLK_IRQ);
	}
}

static void blk_doorbell(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct blk_hw *hw = dmasim_window_priv(w);

	dmasim_model_schedule(hw->m, 5000, blk_process, hw, "blk-cmd");
}

static void blk_cc(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct blk_hw *hw = dmasim_window_priv(w);

	hw->sq_head = hw->cq_tail = 0;
	hw->phase = 1;
	dmasim_reg_set(w, BLK_REG_CSTS, val & BLK_CC_EN ? BLK_CSTS_RDY : 0);
}

static void blk_isr(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct blk_hw *hw = dmasim_window_priv(w);

	if (!val)
		dmasim_irq_lower(hw->m, BLK_IRQ);
}

static const struct dmasim_reg blk_regs[] = {
	{ .offset = BLK_REG_CC, .name = "CC", .write = blk_cc },
	{ .offset = BLK_REG_CSTS, .name = "CSTS", .flags = DMASIM_REG_RO },
	{ .offset = BLK_REG_ASQ_LO, .name = "ASQ_LO" },
	{ .offset = BLK_REG_ASQ_HI, .name = "ASQ_HI" },
	{ .offset = BLK_REG_ACQ_LO, .name = "ACQ_LO" },
	{ .offset = BLK_REG_ACQ_HI, .name = "ACQ_HI" },
	{ .offset = BLK_REG_QDEPTH, .name = "QDEPTH" },
	{ .offset = BLK_REG_ISR, .name = "ISR", .flags = DMASIM_REG_W1C, .write = blk_isr },
	{ .offset = BLK_REG_SQ_TAIL, .name = "SQ_TAIL", .write = blk_doorbell },
	{ .offset = BLK_REG_CQ_HEAD, .name = "CQ_HEAD" },
};

static void fill(u8 *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (u8)(i * 31 + seed + (i >> 9));
}

/* Scattered single pages, as a block layer request carries them. */
static void get_pages(struct page **pages, unsigned int n)
{
	struct page *spacer[32];

	for (unsigned int i = 0; i < n; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		assert_non_null(pages[i]);
		/* Every other page taken in between: no two pages are contiguous by accident. */
		spacer[i % 32] = alloc_page(GFP_KERNEL);
		if (i % 32 == 31 || i == n - 1)
			for (unsigned int j = 0; j <= i % 32; j++)
				__free_page(spacer[j]);
	}
}

static void copy_out(struct page **pages, unsigned int offset, u8 *buf, size_t len, bool to_pages)
{
	for (size_t done = 0; done < len;) {
		size_t pos = offset + done;
		size_t n = PAGE_SIZE - pos % PAGE_SIZE;
		u8 *va = page_address(pages[pos / PAGE_SIZE]);

		if (n > len - done)
			n = len - done;
		if (to_pages)
			memcpy(va + pos % PAGE_SIZE, buf + done, n);
		else
			memcpy(buf + done, va + pos % PAGE_SIZE, n);
		done += n;
	}
}

static void run_blk(const char *spec)
{
	struct dmasim_platform *p = plat(spec);
	struct device *dev = dmasim_device_create(p, "name=blk0");
	static struct blk_hw hw;
	struct drv_resources res = { .mmio_size = BLK_REGS_SIZE, .irq = BLK_IRQ };
	struct page *wr[12], *rd[12];
	/* (pages, offset, bytes): one page, two pages (PRP2 is data), a PRP list from mid-page */
	static const unsigned int io[][3] = { { 1, 0, 4096 }, { 2, 512, 4096 }, { 11, 512, 40960 },
					      { 12, 0, 49152 } };
	static u8 src[49152], got[49152];
	struct blkdrv *c;

	assert_non_null(dev);
	memset(&hw, 0, sizeof(hw));
	hw.m = dmasim_model_create(p, "blk0", dev, &hw);
	hw.w = dmasim_window_add(hw.m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "bar0", .size = BLK_REGS_SIZE,
			.widths = 4, .regs = blk_regs, .nr_regs = ARRAY_SIZE(blk_regs) });
	assert_non_null(hw.w);
	assert_int_equal(dmasim_irq_connect(hw.m, BLK_IRQ, DMASIM_IRQ_LEVEL), 0);
	res.mmio = dmasim_window_base(hw.w);

	c = blkdrv_probe(dev, &res, 8);
	if (IS_ERR(c))
		tu_log_dump();
	assert_false(IS_ERR(c));
	get_pages(wr, 12);
	get_pages(rd, 12);
	for (unsigned int k = 0; k < ARRAY_SIZE(io); k++) {
		unsigned int n = io[k][0], off = io[k][1], len = io[k][2];
		u64 lba = 8 * k + 3;

		fill(src, len, k);
		copy_out(wr, off, src, len, true);
		assert_int_equal(blkdrv_rw(c, true, lba, wr, n, off, len), 0);
		assert_memory_equal(hw.disk + lba * BLK_LBA_SIZE, src, len);
		assert_int_equal(blkdrv_rw(c, false, lba, rd, n, off, len), 0);
		copy_out(rd, off, got, len, false);
		assert_memory_equal(got, src, len);
	}
	/* More requests than queue entries: the queue wraps, the phase flips. */
	for (unsigned int k = 0; k < 20; k++)
		assert_int_equal(blkdrv_rw(c, true, 100 + k, wr, 1, 0, 512), 0);
	assert_int_equal(blkdrv_completed(c), 2 * ARRAY_SIZE(io) + 20);
	assert_int_equal(hw.errors, 0);
	blkdrv_remove(c);
	for (unsigned int i = 0; i < 12; i++) {
		__free_page(wr[i]);
		__free_page(rd[i]);
	}
	dmasim_device_destroy(dev);
	if (dmasim_debug_errors(p))
		tu_log_dump();
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

static void test_blk(void **state)
{
	(void)state;
	run_blk(NULL);
	run_blk("exec=threaded");
}

/* ---- the sound card ------------------------------------------------------------------- */

struct snd_hw {
	struct dmasim_model *m;
	struct dmasim_window *w;
	u32 pos;
	unsigned long played, samples, wrong;
	u32 expect;
};

static void snd_tick(struct dmasim_model *m, void *arg)
{
	struct snd_hw *hw = arg;
	struct device *dev = dmasim_model_device(m);
	u32 period = (u32)dmasim_reg_get(hw->w, SND_REG_PERIOD_BYTES);
	u32 bytes = (u32)dmasim_reg_get(hw->w, SND_REG_BUF_BYTES);
	__le16 pcm[4096];

	if (!(dmasim_reg_get(hw->w, SND_REG_CTRL) & SND_CTRL_RUN) || period > sizeof(pcm))
		return;
	/* The DAC fetches one period by DMA and checks it is the stream, in order. */
	if (dmasim_dev_read(dev, reg64(hw->w, SND_REG_BUF_LO) + hw->pos, pcm, period) == 0) {
		for (u32 i = 0; i < period / 2; i++, hw->expect++)
			hw->wrong += le16_to_cpu(pcm[i]) != (u16)(hw->expect * 7 + 1);
		hw->samples += period / 2;
	} else {
		hw->wrong++;
	}
	hw->played++;
	hw->pos = (hw->pos + period) % bytes;
	dmasim_reg_set(hw->w, SND_REG_POS, hw->pos);
	dmasim_reg_set(hw->w, SND_REG_ISR, dmasim_reg_get(hw->w, SND_REG_ISR) | SND_ISR_PERIOD);
	dmasim_irq_raise(m, SND_IRQ);
	dmasim_model_schedule(m, SND_PERIOD_NS, snd_tick, hw, "period");
}

static void snd_ctrl(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct snd_hw *hw = dmasim_window_priv(w);

	if ((val & SND_CTRL_RUN) && !(old & SND_CTRL_RUN)) {
		hw->pos = 0;
		dmasim_reg_set(w, SND_REG_POS, 0);
		dmasim_model_schedule(hw->m, SND_PERIOD_NS, snd_tick, hw, "period");
	} else if (!(val & SND_CTRL_RUN)) {
		dmasim_model_cancel(hw->m, snd_tick, hw);
	}
}

static void snd_isr(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct snd_hw *hw = dmasim_window_priv(w);

	if (!val)
		dmasim_irq_lower(hw->m, SND_IRQ);
}

static const struct dmasim_reg snd_regs[] = {
	{ .offset = SND_REG_CTRL, .name = "CTRL", .write = snd_ctrl },
	{ .offset = SND_REG_BUF_LO, .name = "BUF_LO" },
	{ .offset = SND_REG_BUF_HI, .name = "BUF_HI" },
	{ .offset = SND_REG_BUF_BYTES, .name = "BUF_BYTES" },
	{ .offset = SND_REG_PERIOD_BYTES, .name = "PERIOD_BYTES" },
	{ .offset = SND_REG_POS, .name = "POS", .flags = DMASIM_REG_RO },
	{ .offset = SND_REG_ISR, .name = "ISR", .flags = DMASIM_REG_W1C, .write = snd_isr },
};

static void run_snd(const char *spec)
{
	struct dmasim_platform *p = plat(spec);
	struct device *dev = dmasim_device_create(p, "name=snd0");
	static struct snd_hw hw;
	struct drv_resources res = { .mmio_size = SND_REGS_SIZE, .irq = SND_IRQ };
	const unsigned int periods = 4, period_bytes = 1024, play = 3 * periods + 2;
	struct snddrv *s;

	assert_non_null(dev);
	memset(&hw, 0, sizeof(hw));
	hw.m = dmasim_model_create(p, "snd0", dev, &hw);
	hw.w = dmasim_window_add(hw.m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "bar0", .size = SND_REGS_SIZE,
			.widths = 4, .regs = snd_regs, .nr_regs = ARRAY_SIZE(snd_regs) });
	assert_non_null(hw.w);
	assert_int_equal(dmasim_irq_connect(hw.m, SND_IRQ, DMASIM_IRQ_LEVEL), 0);
	res.mmio = dmasim_window_base(hw.w);
	s = snddrv_probe(dev, &res, periods, period_bytes);
	if (!dma_supported(dev, DMA_BIT_MASK(32))) {
		/* A 32-bit card on a machine with nothing it can reach: probe fails, as it must. */
		assert_true(IS_ERR(s));
		assert_int_equal(PTR_ERR(s), -EIO);
		goto out;
	}
	if (IS_ERR(s))
		tu_log_dump();
	assert_false(IS_ERR(s));
	assert_int_equal(snddrv_play(s, play), 0);
	dmasim_model_lock(hw.m);
	if (!dmasim_exec_threaded(p)) {
		/* Deterministic: each period interrupt is handled before the next period. */
		assert_int_equal(hw.played, play);
		assert_int_equal(hw.samples, (unsigned long)play * period_bytes / 2);
		assert_int_equal(snddrv_periods_elapsed(s), play);
		assert_int_equal(snddrv_xruns(s), 0);
	} else {
		/* On the real clock a late interrupt is an xrun, as on real hardware. */
		assert_true(hw.played >= play);
		assert_true(snddrv_periods_elapsed(s) >= play);
	}
	/*
	 * Deterministic: the device played the stream in order.  Threaded, on
	 * the real clock, a late refill can show as wrong samples before the
	 * driver's xrun check sees it (as on hardware, where the codec just
	 * plays what is in the buffer): the order is not asserted there.
	 */
	if (!dmasim_exec_threaded(p))
		assert_int_equal(hw.wrong, 0);
	dmasim_model_unlock(hw.m);
	snddrv_remove(s);
out:
	dmasim_device_destroy(dev);
	if (dmasim_debug_errors(p))
		tu_log_dump();
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

static void test_snd(void **state)
{
	(void)state;
	run_snd(NULL);
	run_snd("exec=threaded");
}

/* ---- the NIC (loopback: every packet sent comes back on RX) --------------------------- */

struct nic_hw {
	struct dmasim_model *m;
	struct dmasim_window *w;
	unsigned int tx_head, rx_next;
	unsigned long sent, bad, dropped;
};

static void nic_tx_work(struct dmasim_model *m, void *arg)
{
	struct nic_hw *hw = arg;
	struct device *dev = dmasim_model_device(m);
	unsigned int ring = (unsigned int)dmasim_reg_get(hw->w, NIC_REG_RING);
	u64 tx = reg64(hw->w, NIC_REG_TX_LO), rx = reg64(hw->w, NIC_REG_RX_LO);
	u32 isr = 0;

	while (hw->tx_head != dmasim_reg_get(hw->w, NIC_REG_TX_TAIL)) {
		struct nic_desc d, r;
		u8 pkt[2048];
		u16 len;
		u32 sum = 0;

		if (dmasim_dev_read(dev, tx + hw->tx_head * sizeof(d), &d, sizeof(d)) ||
		    !(le16_to_cpu(d.flags) & NIC_DESC_OWN)) {
			hw->bad++;
			break;
		}
		len = le16_to_cpu(d.len);
		if (len > sizeof(pkt) || dmasim_dev_read(dev, le64_to_cpu(d.addr), pkt, len)) {
			hw->bad++;
			len = 0;
		}
		for (u16 k = 0; k < len; k++)
			sum += pkt[k];
		hw->bad += sum != le32_to_cpu(d.csum);
		d.flags = cpu_to_le16(le16_to_cpu(d.flags) & ~NIC_DESC_OWN); /* write-back */
		dmasim_dev_write(dev, tx + hw->tx_head * sizeof(d) + offsetof(struct nic_desc, flags),
				 &d.flags, sizeof(d.flags));
		hw->tx_head = (hw->tx_head + 1) % ring;
		hw->sent++;
		isr |= NIC_ISR_TX;
		/* Loopback: into the next RX buffer, if the driver gave it to the device. */
		if (dmasim_dev_read(dev, rx + hw->rx_next * sizeof(r), &r, sizeof(r)) ||
		    !(le16_to_cpu(r.flags) & NIC_DESC_OWN) || le16_to_cpu(r.len) < len) {
			hw->dropped++;
			continue;
		}
		dmasim_dev_write(dev, le64_to_cpu(r.addr), pkt, len);
		r.len = cpu_to_le16(len);
		r.csum = cpu_to_le32(sum);
		dmasim_dev_write(dev, rx + hw->rx_next * sizeof(r) + offsetof(struct nic_desc, len),
				 &r.len, sizeof(r.len));
		dmasim_dev_write(dev, rx + hw->rx_next * sizeof(r) + offsetof(struct nic_desc, csum),
				 &r.csum, sizeof(r.csum));
		r.flags = cpu_to_le16(NIC_DESC_EOP); /* ownership back to the driver, last */
		dmasim_dev_write(dev, rx + hw->rx_next * sizeof(r) + offsetof(struct nic_desc, flags),
				 &r.flags, sizeof(r.flags));
		hw->rx_next = (hw->rx_next + 1) % ring;
		isr |= NIC_ISR_RX;
	}
	if (isr) {
		dmasim_reg_set(hw->w, NIC_REG_ISR, dmasim_reg_get(hw->w, NIC_REG_ISR) | isr);
		dmasim_irq_raise(m, NIC_IRQ);
	}
}

static void nic_doorbell(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct nic_hw *hw = dmasim_window_priv(w);

	dmasim_model_cancel(hw->m, nic_tx_work, hw);
	dmasim_model_schedule(hw->m, 2000, nic_tx_work, hw, "tx");
}

static void nic_isr(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	struct nic_hw *hw = dmasim_window_priv(w);

	if (!val)
		dmasim_irq_lower(hw->m, NIC_IRQ);
}

static const struct dmasim_reg nic_regs[] = {
	{ .offset = NIC_REG_CTRL, .name = "CTRL" },
	{ .offset = NIC_REG_ISR, .name = "ISR", .flags = DMASIM_REG_W1C, .write = nic_isr },
	{ .offset = NIC_REG_TX_LO, .name = "TX_LO" },
	{ .offset = NIC_REG_TX_HI, .name = "TX_HI" },
	{ .offset = NIC_REG_RX_LO, .name = "RX_LO" },
	{ .offset = NIC_REG_RX_HI, .name = "RX_HI" },
	{ .offset = NIC_REG_TX_TAIL, .name = "TX_TAIL", .write = nic_doorbell },
	{ .offset = NIC_REG_RX_TAIL, .name = "RX_TAIL" },
	{ .offset = NIC_REG_RING, .name = "RING" },
};

static void run_nic(const char *spec)
{
	struct dmasim_platform *p = plat(spec);
	struct device *dev = dmasim_device_create(p, "name=nic0");
	static struct nic_hw hw;
	struct drv_resources res = { .mmio_size = NIC_REGS_SIZE, .irq = NIC_IRQ };
	const unsigned int npkt = 40;
	u8 pkt[1600];
	u32 sum = 0;
	struct nicdrv *n;

	assert_non_null(dev);
	memset(&hw, 0, sizeof(hw));
	hw.m = dmasim_model_create(p, "nic0", dev, &hw);
	hw.w = dmasim_window_add(hw.m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "bar0", .size = NIC_REGS_SIZE,
			.widths = 4, .regs = nic_regs, .nr_regs = ARRAY_SIZE(nic_regs) });
	assert_non_null(hw.w);
	assert_int_equal(dmasim_irq_connect(hw.m, NIC_IRQ, DMASIM_IRQ_LEVEL), 0);
	res.mmio = dmasim_window_base(hw.w);
	n = nicdrv_probe(dev, &res, 16);
	if (IS_ERR(n))
		tu_log_dump();
	assert_false(IS_ERR(n));
	for (unsigned int i = 0; i < npkt; i++) {
		size_t len = 60 + (i * 97) % 1500;

		fill(pkt, len, i);
		for (size_t k = 0; k < len; k++)
			sum += pkt[k];
		assert_int_equal(nicdrv_xmit(n, pkt, len), 0);
		/* Let the loopback keep up: the RX ring is as deep as the TX ring. */
		if (i % 8 == 7)
			assert_int_equal(nicdrv_wait(n, i + 1), 0);
	}
	assert_int_equal(nicdrv_wait(n, npkt), 0);
	assert_int_equal(nicdrv_rx_packets(n), npkt);
	assert_int_equal(nicdrv_rx_sum(n), sum);
	dmasim_model_lock(hw.m);
	assert_int_equal(hw.sent, npkt);
	assert_int_equal(hw.bad, 0);
	assert_int_equal(hw.dropped, 0);
	dmasim_model_unlock(hw.m);
	nicdrv_remove(n);
	dmasim_device_destroy(dev);
	if (dmasim_debug_errors(p))
		tu_log_dump();
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

static void test_nic(void **state)
{
	(void)state;
	run_nic(NULL);
	run_nic("exec=threaded");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blk),
		cmocka_unit_test(test_snd),
		cmocka_unit_test(test_nic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
