/*
 * fuzz/fuzz_device_spec.c - the device spec parser (dmasim_device_create(),
 * lib/core/device.c) on three machines: plain, behind an IOMMU with a
 * non-coherent cache, and RAM above 4 GiB behind a 32-bit IOMMU format.
 *
 * The first byte picks the machine, the rest is the spec.  A bad spec must
 * give NULL and exactly one misuse report; a device that is made must work:
 * a coherent buffer written by the device reads back on the CPU (when the
 * allocation can be had at all under the device's limits), and a correct
 * driver sequence on it reports no misuse.
 */
#include <stdlib.h>

#include <dmasim/dmasim.h>
#include <linux/dma-mapping.h>

#include "fuzz-common.h"

static struct dmasim_platform *plat[3];

static void quiet(void *ctx, int level, const char *msg)
{
	(void)ctx, (void)level, (void)msg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const specs[] = {
		"ram=32M@0x80000000",
		"ram=32M@0x80000000 iommu=on cache=noncoherent",
		"ram=16M@0x80000000,32M@0x100000000 iommu=arm-v7s iova=bitmap mode=lazy",
	};

	(void)argc, (void)argv;
	unsetenv("DMASIM_SPEC");
	for (int i = 0; i < 3; i++) {
		plat[i] = dmasim_platform_create(specs[i]);
		FUZZ_CHECK(plat[i], "machine %d", i);
		dmasim_set_log_handler(plat[i], quiet, NULL);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmasim_platform *p;
	struct device *dev;
	unsigned long errs;
	char *spec;

	if (!size || size > 1024)
		return 0;
	p = plat[data[0] % 3];
	spec = fuzz_str(data + 1, size - 1);
	errs = dmasim_debug_errors(p);
	dev = dmasim_device_create(p, spec);
	if (!dev) {
		FUZZ_CHECK(dmasim_debug_errors(p) == errs + 1, "spec \"%s\" refused with %lu reports",
			   spec, dmasim_debug_errors(p) - errs);
	} else {
		unsigned char out[64], in[64];
		dma_addr_t h;
		struct iommu_domain *dom = iommu_get_domain_for_dev(dev);
		struct iommu_group *grp = iommu_group_get(dev);
		/*
		 * Behind the IOMMU with domain=unmanaged the device is in no DMA
		 * domain (its driver makes one and uses iommu_map()): the DMA API
		 * on it is misuse, reported.
		 */
		bool dma_api = !grp || (dom && dom->type != IOMMU_DOMAIN_UNMANAGED);
		void *cpu = dma_api ? dma_alloc_coherent(dev, 4096, &h, GFP_KERNEL) : NULL;

		if (cpu) {
			for (int i = 0; i < 64; i++)
				out[i] = (unsigned char)(i * 7 + 1);
			FUZZ_CHECK(dmasim_dev_write(dev, h + 100, out, 64) == 0,
				   "spec \"%s\": device write into its coherent buffer failed", spec);
			FUZZ_CHECK(!memcmp((char *)cpu + 100, out, 64),
				   "spec \"%s\": the CPU does not see the device's write", spec);
			FUZZ_CHECK(dmasim_dev_read(dev, h + 100, in, 64) == 0 && !memcmp(in, out, 64),
				   "spec \"%s\": device read back differs", spec);
			dma_free_coherent(dev, 4096, cpu, h);
		}
		iommu_group_put(grp);
		dmasim_device_destroy(dev);
		FUZZ_CHECK(dmasim_debug_errors(p) == errs, "spec \"%s\": %lu misuse reports", spec,
			   dmasim_debug_errors(p) - errs);
	}
	free(spec);
	return 0;
}
