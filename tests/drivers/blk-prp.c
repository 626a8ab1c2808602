// SPDX-License-Identifier: MIT
/*
 * tests/drivers/blk-prp.c - a storage driver in the shape of the kernel's
 * NVMe PCI driver, built only against kernel-named headers: a submission and
 * a completion queue in coherent memory with a phase tag, commands whose
 * data pointers are PRPs (a PRP list from a dma_pool for transfers over two
 * controller pages), little-endian descriptor fields, dma_wmb() before the
 * doorbell and dma_rmb() after the phase check, a spinlock around the queue,
 * in-flight requests on a list_head, struct_size() for the controller,
 * ERR_PTR returns, dev_err() messages and devm memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "hw.h"
#include "drivers.h"

struct blk_req {
	struct list_head node;
	u16 cid;
	u16 status;
	struct completion done;
	struct sg_table sgt;
	__le64 *prp_list;
	dma_addr_t prp_dma;
};

struct blkdrv {
	struct device *dev;
	void __iomem *regs;
	unsigned int irq;
	unsigned int depth;
	spinlock_t lock;                /* the queues, the lists, the counters */
	struct blk_sqe *sq;
	dma_addr_t sq_dma;
	struct blk_cqe *cq;
	dma_addr_t cq_dma;
	u16 sq_tail, cq_head;
	u8 cq_phase;
	struct dma_pool *prp_pool;
	struct list_head free_reqs;
	struct list_head inflight;
	unsigned long completed;
	struct blk_req reqs[];          /* depth - 1 usable slots (a full queue keeps one empty) */
};

static struct blk_req *blk_get_req(struct blkdrv *c)
{
	struct blk_req *req;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	req = list_first_entry_or_null(&c->free_reqs, struct blk_req, node);
	if (req)
		list_del_init(&req->node);
	spin_unlock_irqrestore(&c->lock, flags);
	return req ? req : ERR_PTR(-EBUSY);
}

static void blk_put_req(struct blkdrv *c, struct blk_req *req)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	list_add(&req->node, &c->free_reqs);
	spin_unlock_irqrestore(&c->lock, flags);
}

/* As nvme_pci_setup_prps(): PRP1 may start mid-page, every later entry is a page. */
static int blk_setup_prps(struct blkdrv *c, struct blk_req *req, struct blk_sqe *cmd,
			  unsigned int length)
{
	struct scatterlist *sg = req->sgt.sgl;
	u64 dma_addr = sg_dma_address(sg);
	int dma_len = (int)sg_dma_len(sg);
	unsigned int offset = dma_addr & (BLK_PAGE - 1);
	int left = (int)length;
	unsigned int i = 0;

	cmd->prp1 = cpu_to_le64(dma_addr);
	left -= BLK_PAGE - offset;
	if (left <= 0)
		return 0;
	dma_len -= BLK_PAGE - offset;
	if (dma_len > 0) {
		dma_addr += BLK_PAGE - offset;
	} else {
		sg = sg_next(sg);
		dma_addr = sg_dma_address(sg);
		dma_len = (int)sg_dma_len(sg);
	}
	if (left <= BLK_PAGE) {
		cmd->prp2 = cpu_to_le64(dma_addr);
		return 0;
	}
	req->prp_list = dma_pool_alloc(c->prp_pool, GFP_ATOMIC, &req->prp_dma);
	if (!req->prp_list)
		return -ENOMEM;
	for (;;) {
		if (WARN_ON(i == BLK_PRPS_PER_PAGE))
			return -EINVAL;
		if (WARN_ON(dma_addr & (BLK_PAGE - 1))) {
			dev_err(c->dev, "PRP entry %u at %pad is not page aligned\n", i, &dma_addr);
			return -EINVAL;
		}
		req->prp_list[i++] = cpu_to_le64(dma_addr);
		dma_len -= BLK_PAGE;
		dma_addr += BLK_PAGE;
		left -= BLK_PAGE;
		if (left <= 0)
			break;
		if (dma_len > 0)
			continue;
		if (WARN_ON(dma_len < 0))
			return -EIO;
		sg = sg_next(sg);
		dma_addr = sg_dma_address(sg);
		dma_len = (int)sg_dma_len(sg);
	}
	cmd->prp2 = cpu_to_le64(req->prp_dma);
	return 0;
}

static void blk_submit(struct blkdrv *c, const struct blk_sqe *cmd, struct blk_req *req)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	list_add_tail(&req->node, &c->inflight);
	memcpy(&c->sq[c->sq_tail], cmd, sizeof(*cmd));
	c->sq_tail = (u16)((c->sq_tail + 1) % c->depth);
	dma_wmb();                             /* the entry is in memory before... */
	writel(c->sq_tail, c->regs + BLK_REG_SQ_TAIL); /* ...the doorbell rings */
	spin_unlock_irqrestore(&c->lock, flags);
}

static irqreturn_t blk_irq(int irq, void *data)
{
	struct blkdrv *c = data;
	u32 isr = readl(c->regs + BLK_REG_ISR);
	bool found = false;

	if (!(isr & BLK_ISR_CQ))
		return IRQ_NONE;
	writel(isr, c->regs + BLK_REG_ISR);
	spin_lock(&c->lock);
	for (;;) {
		struct blk_cqe *cqe = &c->cq[c->cq_head];
		u16 status = le16_to_cpu(READ_ONCE(cqe->status));
		struct blk_req *req;
		u16 cid;

		if ((status & BLK_CQE_PHASE) != c->cq_phase)
			break;
		dma_rmb();                     /* the rest of the entry after its phase */
		cid = le16_to_cpu(cqe->cid);
		if (cid >= c->depth - 1) {
			dev_err_ratelimited(c->dev, "completion for bad command id %u\n", cid);
		} else {
			req = &c->reqs[cid];
			req->status = (u16)FIELD_GET(BLK_CQE_SC, status);
			list_del_init(&req->node);
			c->completed++;
			complete(&req->done);
		}
		if (++c->cq_head == c->depth) {
			c->cq_head = 0;
			c->cq_phase ^= 1;
		}
		found = true;
	}
	if (found)
		writel(c->cq_head, c->regs + BLK_REG_CQ_HEAD);
	spin_unlock(&c->lock);
	return IRQ_HANDLED;
}

int blkdrv_rw(struct blkdrv *c, bool write, u64 lba, struct page **pages, unsigned int nr_pages,
	      unsigned int offset, unsigned int len)
{
	enum dma_data_direction dir = write ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	struct blk_sqe cmd = { 0 };
	struct blk_req *req;
	int ret;

	if (!len || len % BLK_LBA_SIZE || len > (BLK_PRPS_PER_PAGE - 1) * BLK_PAGE)
		return -EINVAL;
	req = blk_get_req(c);
	if (IS_ERR(req))
		return PTR_ERR(req);
	reinit_completion(&req->done);
	req->prp_list = NULL;
	ret = sg_alloc_table_from_pages_segment(&req->sgt, pages, nr_pages, offset, len,
						dma_get_max_seg_size(c->dev), GFP_KERNEL);
	if (ret)
		goto put;
	ret = dma_map_sgtable(c->dev, &req->sgt, dir, 0);
	if (ret) {
		dev_err(c->dev, "cannot map %u bytes: %d\n", len, ret);
		goto free_table;
	}
	ret = blk_setup_prps(c, req, &cmd, len);
	if (ret)
		goto unmap;
	cmd.opcode = write ? BLK_OP_WRITE : BLK_OP_READ;
	cmd.cid = cpu_to_le16(req->cid);
	cmd.nsid = cpu_to_le32(1);
	cmd.slba = cpu_to_le64(lba);
	cmd.nlb = cpu_to_le16((u16)(len / BLK_LBA_SIZE - 1));
	blk_submit(c, &cmd, req);
	if (!wait_for_completion_timeout(&req->done, msecs_to_jiffies(5000))) {
		dev_err(c->dev, "command %u timed out\n", req->cid);
		ret = -ETIMEDOUT; /* the request stays in flight: never reused */
		goto unmap_leak;
	}
	ret = req->status ? -EIO : 0;
	if (ret)
		dev_err(c->dev, "command %u failed: status 0x%x\n", req->cid, req->status);
unmap:
	if (req->prp_list)
		dma_pool_free(c->prp_pool, req->prp_list, req->prp_dma);
	dma_unmap_sgtable(c->dev, &req->sgt, dir, 0);
free_table:
	sg_free_table(&req->sgt);
put:
	blk_put_req(c, req);
	return ret;
unmap_leak:
	return ret;
}

unsigned long blkdrv_completed(struct blkdrv *c)
{
	unsigned long flags, n;

	spin_lock_irqsave(&c->lock, flags);
	n = c->completed;
	spin_unlock_irqrestore(&c->lock, flags);
	return n;
}

struct blkdrv *blkdrv_probe(struct device *dev, const struct drv_resources *res,
			    unsigned int depth)
{
	struct blkdrv *c;
	unsigned int i;
	int ret;

	if (depth < 2 || depth > 1024)
		return ERR_PTR(-EINVAL);
	c = devm_kzalloc(dev, struct_size(c, reqs, depth - 1), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->dev = dev;
	c->depth = depth;
	c->irq = res->irq;
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->free_reqs);
	INIT_LIST_HEAD(&c->inflight);
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		return ERR_PTR(dev_err_probe(dev, ret, "no usable DMA mask\n"));
	/* As nvme-pci: swiotlb must keep the offset in the controller page. */
	dma_set_min_align_mask(dev, BLK_PAGE - 1);
	c->regs = ioremap(res->mmio, res->mmio_size);
	if (!c->regs)
		return ERR_PTR(-ENOMEM);
	c->sq = dma_alloc_coherent(dev, depth * sizeof(*c->sq), &c->sq_dma, GFP_KERNEL);
	c->cq = dma_alloc_coherent(dev, depth * sizeof(*c->cq), &c->cq_dma, GFP_KERNEL);
	c->prp_pool = dma_pool_create("prp list", dev, BLK_PAGE, BLK_PAGE, 0);
	if (!c->sq || !c->cq || !c->prp_pool) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < depth - 1; i++) {
		c->reqs[i].cid = (u16)i;
		init_completion(&c->reqs[i].done);
		list_add_tail(&c->reqs[i].node, &c->free_reqs);
	}
	c->cq_phase = 1;
	writel(lower_32_bits(c->sq_dma), c->regs + BLK_REG_ASQ_LO);
	writel(upper_32_bits(c->sq_dma), c->regs + BLK_REG_ASQ_HI);
	writel(lower_32_bits(c->cq_dma), c->regs + BLK_REG_ACQ_LO);
	writel(upper_32_bits(c->cq_dma), c->regs + BLK_REG_ACQ_HI);
	writel(depth, c->regs + BLK_REG_QDEPTH);
	ret = request_irq(c->irq, blk_irq, IRQF_SHARED, "blk-prp", c);
	if (ret) {
		dev_err(dev, "cannot get irq %u: %d\n", c->irq, ret);
		goto fail;
	}
	writel(BLK_CC_EN, c->regs + BLK_REG_CC);
	if (!(readl(c->regs + BLK_REG_CSTS) & BLK_CSTS_RDY)) {
		dev_err(dev, "controller not ready\n");
		free_irq(c->irq, c);
		ret = -ENODEV;
		goto fail;
	}
	dev_info(dev, "queues of %u at %pad/%pad\n", depth, &c->sq_dma, &c->cq_dma);
	return c;
fail:
	dma_pool_destroy(c->prp_pool);
	if (c->cq)
		dma_free_coherent(dev, depth * sizeof(*c->cq), c->cq, c->cq_dma);
	if (c->sq)
		dma_free_coherent(dev, depth * sizeof(*c->sq), c->sq, c->sq_dma);
	iounmap(c->regs);
	return ERR_PTR(ret);
}

void blkdrv_remove(struct blkdrv *c)
{
	writel(0, c->regs + BLK_REG_CC);
	free_irq(c->irq, c);
	WARN_ON(!list_empty(&c->inflight));
	dma_pool_destroy(c->prp_pool);
	dma_free_coherent(c->dev, c->depth * sizeof(*c->cq), c->cq, c->cq_dma);
	dma_free_coherent(c->dev, c->depth * sizeof(*c->sq), c->sq, c->sq_dma);
	iounmap(c->regs);
	/* c itself is devm memory: it goes with the device. */
}

MODULE_LICENSE("MIT");
MODULE_DESCRIPTION("NVMe-shaped storage driver for dmasim's driver tests");
