/*
 * examples/sg-engine.c - a copy engine driver prototype that DMAs straight
 * into a user's buffer: pin_user_pages_fast(), an sg_table built from the
 * pinned pages, dma_map_sgtable(), and a descriptor chain in a dma_pool.
 *
 * The driver half uses the kernel's headers only.  The engine's model walks
 * the descriptor chain in coherent memory with dmasim_dev_read(), copies
 * every segment through bus addresses and writes a completion word back,
 * as real hardware would.  Exits non-zero if any byte is wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <dmasim/dmasim.h>

#define XFER (3 * PAGE_SIZE + 1000)
#define PAD 300 /* bytes of the user's own around the buffer: more than a cache line */

/* The descriptor format the engine understands. */
struct engine_desc {
	u64 src, dst;
	u32 len;
	u32 done;
	u64 next; /* bus address of the next descriptor, 0 = last */
};

/* The engine's doorbell: runs the chain that starts at @first. */
static int engine_hw_run(struct device *dev, dma_addr_t first);

/* ---- the driver ---------------------------------------------------------- */

struct engine {
	struct device *dev;
	struct dma_pool *descs;
};

static int engine_copy_to_user(struct engine *e, const void *src, void *user, size_t len)
{
	unsigned long start = (unsigned long)user & PAGE_MASK;
	int npages = (int)((PAGE_ALIGN((unsigned long)user + len) - start) >> PAGE_SHIFT);
	struct page **pages = calloc((size_t)npages, sizeof(*pages));
	struct engine_desc *d[16];
	dma_addr_t d_dma[16], src_dma;
	struct sg_table sgt;
	struct scatterlist *sg;
	size_t off = 0;
	int i, n, ret = -ENOMEM;

	if (!pages || pin_user_pages_fast(start, npages, FOLL_WRITE, pages) != npages)
		goto out_free;
	/* Merge contiguous pages, but never beyond what the engine takes per segment. */
	if (sg_alloc_table_from_pages_segment(&sgt, pages, (unsigned int)npages,
					      (unsigned int)offset_in_page(user), len,
					      dma_get_max_seg_size(e->dev), GFP_KERNEL))
		goto out_unpin;
	if (dma_map_sgtable(e->dev, &sgt, DMA_FROM_DEVICE, 0))
		goto out_table;
	src_dma = dma_map_single(e->dev, (void *)src, len, DMA_TO_DEVICE);
	if (dma_mapping_error(e->dev, src_dma))
		goto out_unmap_sgt;

	/* One descriptor per DMA segment, chained. */
	n = (int)sgt.nents;
	for_each_sgtable_dma_sg(&sgt, sg, i) {
		d[i] = dma_pool_zalloc(e->descs, GFP_KERNEL, &d_dma[i]);
		if (!d[i]) {
			n = i;
			goto out_descs;
		}
		d[i]->src = src_dma + off;
		d[i]->dst = sg_dma_address(sg);
		d[i]->len = sg_dma_len(sg);
		if (i)
			d[i - 1]->next = d_dma[i];
		off += sg_dma_len(sg);
		printf("  desc %d at bus 0x%llx: copy %u bytes 0x%llx -> 0x%llx\n", i,
		       (unsigned long long)d_dma[i], d[i]->len, (unsigned long long)d[i]->src,
		       (unsigned long long)d[i]->dst);
	}

	ret = engine_hw_run(e->dev, d_dma[0]);
	for (i = 0; i < n && !ret; i++)
		if (!d[i]->done)
			ret = -EIO;

out_descs:
	for (i = 0; i < n; i++)
		dma_pool_free(e->descs, d[i], d_dma[i]);
	dma_unmap_single(e->dev, src_dma, len, DMA_TO_DEVICE);
out_unmap_sgt:
	dma_unmap_sgtable(e->dev, &sgt, DMA_FROM_DEVICE, 0);
out_table:
	sg_free_table(&sgt);
out_unpin:
	unpin_user_pages(pages, (unsigned long)npages);
out_free:
	free(pages);
	return ret;
}

/* ---- the hardware ---------------------------------------------------------- */

static int engine_hw_run(struct device *dev, dma_addr_t first)
{
	static unsigned char fifo[64 * 1024];
	dma_addr_t at = first;

	while (at) {
		struct engine_desc d;
		int ret = dmasim_dev_read(dev, at, &d, sizeof(d));

		if (!ret && d.len > sizeof(fifo))
			ret = -EINVAL;
		if (!ret)
			ret = dmasim_dev_read(dev, d.src, fifo, d.len);
		if (!ret)
			ret = dmasim_dev_write(dev, d.dst, fifo, d.len);
		if (ret)
			return ret;
		d.done = 1;
		ret = dmasim_dev_write(dev, at + offsetof(struct engine_desc, done), &d.done,
				       sizeof(d.done));
		if (ret)
			return ret;
		at = d.next;
	}
	return 0;
}

int main(void)
{
	struct dmasim_platform *p = dmasim_platform_create(NULL);
	struct engine e;
	char *src, *user;
	unsigned long errors;
	int ret;

	if (!p)
		return 1;
	e.dev = dmasim_device_create(p, "name=copy-engine max_seg=8K");
	e.descs = e.dev ? dma_pool_create("descs", e.dev, sizeof(struct engine_desc), 32, 0) : NULL;
	src = kmalloc(XFER, GFP_KERNEL);
	/*
	 * Ordinary host memory: the user's buffer, not cache-line aligned, with
	 * room around it.  On a non-coherent machine the partial lines at its
	 * edges are shared with whatever lies next to it; here that is the
	 * program's own bytes, not the C library's heap bookkeeping, which
	 * other threads (and dmasim itself) may change while the device owns
	 * those lines.
	 */
	user = malloc(PAD + XFER + PAD);
	if (!e.descs || !src || !user)
		return 1;
	for (size_t i = 0; i < XFER; i++)
		src[i] = (char)('a' + i % 26);
	memset(user, '.', PAD + XFER + PAD);

	printf("copying %lu bytes into a malloc()ed user buffer at %p:\n", (unsigned long)XFER,
	       (void *)(user + PAD));
	ret = engine_copy_to_user(&e, src, user + PAD, XFER);
	if (ret) {
		printf("transfer failed: %d\n", ret);
		return 1;
	}
	if (memcmp(user + PAD, src, XFER) || user[PAD - 1] != '.' || user[PAD + XFER] != '.') {
		printf("wrong bytes in the user buffer\n");
		return 1;
	}
	free(user);
	kfree(src);
	dma_pool_destroy(e.descs);
	dmasim_device_destroy(e.dev);
	errors = dmasim_debug_errors(p);
	printf("user buffer holds the %lu bytes; misuse reports: %lu\n", (unsigned long)XFER,
	       errors);
	dmasim_platform_destroy(p);
	return errors ? 1 : 0;
}
