/*
 * tools/dmasim-loop.c - one operation of a benchmark workload, N times and
 * nothing else: no baseline, no calibration, no clock.  For profilers that
 * count (valgrind --tool=callgrind) or sample (perf) one operation alone;
 * tools/instructions-per-op.sh turns two runs into instructions per op.
 * Not installed.
 *
 *   dmasim-loop MODE N [SPEC]
 *     map    dma_map_page + dma_unmap_page of one 4 KiB page, DMA_BIDIRECTIONAL
 *     bounce dma_map_single + dma_sync_single_for_cpu + dma_unmap_single of a
 *            1500-byte kmalloc buffer, DMA_TO_DEVICE
 *     sync   dma_map_page + dma_sync_single_for_cpu + dma_unmap_page of 4 KiB,
 *            DMA_TO_DEVICE (workload 11 under cache=noncoherent)
 *     sg     dma_map_sg + dma_unmap_sg of 256 x 4 KiB pages allocated one after
 *            another (workload 4), DMA_BIDIRECTIONAL
 *     read   dmasim_dev_read of 1 byte of one mapped page
 *     read64 dmasim_dev_read of 64 bytes of one mapped page (goal 6-hit)
 *     cycle64 dmasim_dev_read of 64 bytes at the start of each of 256 mapped
 *            pages in turn (goal 6-miss with "iotlb=4": every read misses)
 *     malloc malloc(64) + free
 *   SPEC defaults to "iommu=on mode=lazy debug=off"; "" is the machine the
 *   goals were set on, machine=arm64-soc, which every SPEC starts from.
 *
 * The instruction goals of issue 9 (section 4) are map and read on these
 * machines; `tools/instructions-per-op.sh BUILD all` prints them all:
 *     map   "iommu=on mode=lazy debug=off"    <= 500
 *     map   "iommu=on mode=strict debug=off"  <= 600
 *     map   "iommu=off debug=off"             <= 150
 *     map   "debug=on" (the default machine)  <= 2,500
 *     read  "iommu=on mode=lazy debug=off"    <= 150
 *     read  "iommu=off debug=off"             <= 100
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <dmasim/dmasim.h>

enum mode { M_MAP, M_BOUNCE, M_SYNC, M_SG, M_READ, M_READ64, M_CYCLE64, M_MALLOC };

#define SG_ENTRIES 256
#define CYCLE_PAGES 256U
#define CYCLE_ORDER 8 /* 256 pages */

static int loop(struct device *dev, enum mode m, long n)
{
	struct page *pg = alloc_pages(GFP_KERNEL, m == M_CYCLE64 ? CYCLE_ORDER : 0);
	size_t len = m == M_CYCLE64 ? CYCLE_PAGES * PAGE_SIZE : PAGE_SIZE;
	unsigned int cur = 0;
	void *buf = kmalloc(1500, GFP_KERNEL);
	struct scatterlist sgl[SG_ENTRIES];
	dma_addr_t h = 0;
	char b[64];

	if (!pg || !buf)
		return 1;
	sg_init_table(sgl, SG_ENTRIES);
	for (int i = 0; m == M_SG && i < SG_ENTRIES; i++) {
		struct page *e = alloc_page(GFP_KERNEL);

		if (!e)
			return 1;
		sg_set_page(&sgl[i], e, PAGE_SIZE, 0);
	}
	if (m == M_READ || m == M_READ64 || m == M_CYCLE64) {
		h = dma_map_page(dev, pg, 0, len, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(dev, h))
			return 1;
	}
	for (long i = 0; i < n; i++) {
		switch (m) {
		case M_MAP:
			h = dma_map_page(dev, pg, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
			if (dma_mapping_error(dev, h))
				return 1;
			dma_unmap_page(dev, h, PAGE_SIZE, DMA_BIDIRECTIONAL);
			break;
		case M_BOUNCE:
			h = dma_map_single(dev, buf, 1500, DMA_TO_DEVICE);
			if (dma_mapping_error(dev, h))
				return 1;
			dma_sync_single_for_cpu(dev, h, 1500, DMA_TO_DEVICE);
			dma_unmap_single(dev, h, 1500, DMA_TO_DEVICE);
			break;
		case M_SYNC:
			h = dma_map_page(dev, pg, 0, PAGE_SIZE, DMA_TO_DEVICE);
			if (dma_mapping_error(dev, h))
				return 1;
			dma_sync_single_for_cpu(dev, h, PAGE_SIZE, DMA_TO_DEVICE);
			dma_unmap_page(dev, h, PAGE_SIZE, DMA_TO_DEVICE);
			break;
		case M_SG:
			if (!dma_map_sg(dev, sgl, SG_ENTRIES, DMA_BIDIRECTIONAL))
				return 1;
			dma_unmap_sg(dev, sgl, SG_ENTRIES, DMA_BIDIRECTIONAL);
			break;
		case M_READ:
			if (dmasim_dev_read(dev, h, b, 1))
				return 1;
			break;
		case M_READ64:
			if (dmasim_dev_read(dev, h, b, sizeof(b)))
				return 1;
			break;
		case M_CYCLE64:
			if (dmasim_dev_read(dev, h + (dma_addr_t)cur * PAGE_SIZE, b, sizeof(b)))
				return 1;
			if (++cur == CYCLE_PAGES)
				cur = 0;
			break;
		case M_MALLOC:
			break;
		}
	}
	if (m == M_READ || m == M_READ64 || m == M_CYCLE64)
		dma_unmap_page(dev, h, len, DMA_BIDIRECTIONAL);
	for (int i = 0; m == M_SG && i < SG_ENTRIES; i++)
		__free_page(sg_page(&sgl[i]));
	kfree(buf);
	__free_pages(pg, m == M_CYCLE64 ? CYCLE_ORDER : 0);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "map", "bounce", "sync", "sg", "read", "read64",
					     "cycle64", "malloc" };
	const char *spec = argc > 3 ? argv[3] : "iommu=on mode=lazy debug=off";
	char full[1024];
	struct dmasim_platform *p;
	struct device *dev;
	long n = argc > 2 ? atol(argv[2]) : 0;
	int m = -1, ret;

	for (int i = 0; argc > 1 && i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(argv[1], names[i]))
			m = i;
	if (m < 0 || n <= 0) {
		fprintf(stderr, "usage: dmasim-loop map|bounce|sync|sg|read|read64|cycle64|malloc N [SPEC]\n");
		return 2;
	}
	if (m == M_MALLOC) {
		for (long i = 0; i < n; i++) {
			void *volatile q = malloc(64);

			free(q);
		}
		return 0;
	}
	/* On the SoC the goals were set on (a 32-bit device does not bounce there); SPEC may say machine=pc. */
	snprintf(full, sizeof(full), "machine=arm64-soc %s", spec ? spec : "");
	p = dmasim_platform_create(full);
	dev = p ? dmasim_device_create(p, "name=loop mask=32") : NULL;
	if (!dev) {
		fprintf(stderr, "dmasim-loop: cannot create \"%s\"\n", spec);
		return 1;
	}
	ret = loop(dev, (enum mode)m, n);
	if (ret)
		fprintf(stderr, "dmasim-loop: %s failed\n", names[m]);
	dmasim_platform_destroy(p);
	return ret;
}
