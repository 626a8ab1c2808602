/*
 * examples/iommu-walk.c - the IOMMU made visible: a driver maps buffers
 * through the DMA API behind an IOMMU, and the program shows, for each bus
 * address (IOVA), the page-table walk the IOMMU does in simulated RAM —
 * every level's table, index and raw entry — then what the device sees
 * after the unmap in strict and in lazy mode.
 *
 * Run it as it is, or with another format: DMASIM_SPEC="iommu=arm-v7s".
 */
#include <stdio.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <dmasim/dmasim.h>

static void walk(struct device *dev, const char *what, dma_addr_t iova)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);
	struct dmasim_pgtable_walk w;

	printf("%s: IOVA 0x%llx\n", what, (unsigned long long)iova);
	if (dmasim_iommu_walk(dom, iova, &w) < 0 && !w.nr_levels) {
		printf("  (no walk)\n");
		return;
	}
	for (unsigned int l = 0; l < w.nr_levels; l++)
		printf("  level %u: table at phys 0x%09llx [%3u] = 0x%016llx  (IOVA bits %u+)\n", l,
		       (unsigned long long)w.level[l].table, w.level[l].index,
		       (unsigned long long)w.level[l].entry, w.level[l].shift);
	if (w.mapped)
		printf("  -> phys 0x%09llx in a %zu KiB %s, device may %s%s\n",
		       (unsigned long long)w.phys, w.pgsize >> 10,
		       w.pgsize > PAGE_SIZE ? "block" : "page",
		       (w.prot & DMASIM_PROT_READ) ? "read" : "",
		       (w.prot & DMASIM_PROT_WRITE) ? ((w.prot & DMASIM_PROT_READ) ? "+write" : "write") : "");
	else
		printf("  -> not mapped\n");
}

static void print_log(void *ctx, int level, const char *msg)
{
	printf("  [dmasim log] %s\n", msg);
}

static int run(const char *mode)
{
	char spec[64];
	struct dmasim_platform *p;
	struct device *dev;
	dma_addr_t h, big_h;
	char *buf = NULL, byte;
	void *big;
	struct dmasim_iommu_stats st;
	int ret = 1;

	snprintf(spec, sizeof(spec), "iommu=on mode=%s fq_timeout=0", mode);
	p = dmasim_platform_create(spec);
	if (!p)
		return 1;
	dmasim_set_log_handler(p, print_log, NULL);
	/* Every step can fail (DMASIM_SPEC="fail=..."): undo what was done, in reverse. */
	dev = dmasim_device_create(p, "name=nic");
	if (!dev || dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32)))
		goto out;
	printf("== %s\n", dmasim_platform_spec(p));

	/* A small streaming buffer: a 4 KiB page mapping, read-only for the device. */
	buf = kmalloc(256, GFP_KERNEL);
	if (!buf)
		goto out;
	strcpy(buf, "hello through the IOMMU");
	h = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, h))
		goto out;
	printf("kmalloc buffer: X %p  Y 0x%llx  Z (IOVA) 0x%llx\n", (void *)buf,
	       (unsigned long long)virt_to_phys(buf), (unsigned long long)h);
	walk(dev, "streaming DMA_TO_DEVICE", h);

	/* 2 MiB, physically contiguous and aligned: the IOMMU maps it with one block. */
	big = dma_alloc_attrs(dev, 2 << 20, &big_h, GFP_KERNEL, DMA_ATTR_FORCE_CONTIGUOUS);
	if (!big) {
		dma_unmap_single(dev, h, 256, DMA_TO_DEVICE);
		goto out;
	}
	walk(dev, "coherent 2 MiB", big_h + 0x1234);

	if (dmasim_dev_read(dev, h, &byte, 1)) {
		dma_unmap_single(dev, h, 256, DMA_TO_DEVICE);
		goto out_big;
	}
	dma_unmap_single(dev, h, 256, DMA_TO_DEVICE);
	printf("after dma_unmap_single, the device reads IOVA 0x%llx: %s\n", (unsigned long long)h,
	       dmasim_dev_read(dev, h, &byte, 1) ? "fault" :
						     "succeeds (stale IOTLB entry, until the flush queue is flushed)");
	dmasim_iommu_flush(p);
	printf("after the flush: %s\n", dmasim_dev_read(dev, h, &byte, 1) ? "fault" : "succeeds");
	dmasim_iommu_get_stats(p, &st);
	printf("IOTLB: %lu hits, %lu misses; %lu faults\n\n", st.iotlb_hits, st.iotlb_misses,
	       st.faults);
	ret = 0;
out_big:
	dma_free_attrs(dev, 2 << 20, big, big_h, DMA_ATTR_FORCE_CONTIGUOUS);
out:
	kfree(buf);
	dmasim_device_destroy(dev);
	dmasim_platform_destroy(p);
	return ret;
}

int main(void)
{
	return run("strict") || run("lazy");
}
