/*
 * lib/core/machine.c - named machine presets: `machine=NAME` expands to spec
 * words that the rest of the spec (and DMASIM_SPEC) may override.  The
 * default machine is the first one, "pc".  Layer: machine.
 */
#include <string.h>

#include "core/core.h"

/*
 * The presets, default first.  Each spec holds only platform keys; a word
 * given explicitly wins over the preset's.  docs/spec.md lists these
 * (tests/test-platform.c checks it).
 */
static const struct dmasim_machine_preset machines[] = {
	{ "pc", "ram=636K@0x1000,2047M@0x100000,2G@0x100000000",
	  "x86-64 PC with 4 GiB: RAM from 4 KiB (page 0 and the 640K-1M legacy hole are not RAM), "
	  "ZONE_DMA below 16 MiB, ZONE_DMA32 below 4 GiB, 2 GiB above 4 GiB (PCI hole 2-4 GiB); "
	  "the swiotlb at 1 MiB; the default" },
	{ "pc32", "ram=636K@0x1000,895M@0x100000,1G@0x38000000:high",
	  "32-bit PC: 896 MiB of low memory with ZONE_DMA below 16 MiB, 1 GiB of high memory "
	  "(no linear map) above it" },
	{ "arm64-soc", "ram=256M@0x80000000",
	  "SoC with 256 MiB at 2 GiB and nothing below (ZONE_DMA32 only), coherent, no IOMMU; "
	  "the default before machine=pc" },
	{ "arm64-soc-iommu", "ram=256M@0x80000000 iommu=arm-lpae-4k",
	  "arm64-soc with every device behind an IOMMU (LPAE 4K page tables, strict invalidation)" },
	{ "arm-noncoherent", "ram=256M@0x80000000 cache=noncoherent",
	  "arm64-soc with non-coherent DMA: the CPU cache must be cleaned and invalidated" },
	{ "pc-noncoherent", "ram=636K@0x1000,2047M@0x100000,2G@0x100000000 cache=noncoherent",
	  "pc with non-coherent DMA: the CPU cache must be cleaned and invalidated, and the "
	  "32-bit and 24-bit devices' bounce slots get the same maintenance" },
	{ NULL, NULL, NULL },
};

const struct dmasim_machine_preset *dmasim_machine_preset_get(size_t i)
{
	return i < ARRAY_SIZE(machines) - 1 ? &machines[i] : NULL;
}

const struct dmasim_machine_preset *dmasim_machine_preset_find(const char *name)
{
	for (size_t i = 0; name && machines[i].name; i++)
		if (!strcmp(machines[i].name, name))
			return &machines[i];
	return NULL;
}

void dmasim_machine_preset_list(FILE *out)
{
	if (!out)
		return;
	for (size_t i = 0; machines[i].name; i++)
		fprintf(out, "%-16s %s\n%-16s   %s\n", machines[i].name, machines[i].spec, "",
			machines[i].summary);
}
