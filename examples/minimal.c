/* examples/minimal.c - the smallest driver prototype: map, let the device write, sync, read. */
#include <stdio.h>
#include <string.h>
#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <dmasim/dmasim.h>

int main(void)
{
	struct dmasim_platform *p = dmasim_platform_create(NULL);
	struct device *dev;
	char *buf = NULL;
	dma_addr_t h;
	int ret = 1;

	if (!p)
		return 1;
	/* Every step can fail (DMASIM_SPEC="fail=..."): undo what was done, in reverse. */
	dev = dmasim_device_create(p, "name=mydev");
	buf = kmalloc(64, GFP_KERNEL);
	if (!dev || !buf || dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32)))
		goto out;
	h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);          /* driver */
	if (dma_mapping_error(dev, h))
		goto out;
	if (!dmasim_dev_write(dev, h, "written by the device", 22)) { /* hardware */
		dma_sync_single_for_cpu(dev, h, 64, DMA_FROM_DEVICE); /* driver */
		printf("X %p  Y 0x%llx  Z 0x%llx: \"%s\"\n", (void *)buf,
		       (unsigned long long)virt_to_phys(buf), (unsigned long long)h, buf);
		ret = 0;
	}
	dma_unmap_single(dev, h, 64, DMA_FROM_DEVICE);
out:
	kfree(buf);
	dmasim_platform_destroy(p);
	return ret;
}
