/*
 * tools/dmasim/cmd-dump.c - `dmasim dump`: a machine's memory map (RAM
 * regions, zones, swiotlb, IOMMU) and the devices of a scenario, as text
 * and as a picture of the address spaces.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#define MAX_DEVS 8

static const char *zone_fill(const char *name)
{
	if (!strcmp(name, "DMA"))
		return "#f6c28b";
	if (!strcmp(name, "DMA32"))
		return "#f9e79f";
	if (!strcmp(name, "HighMem"))
		return "#d7bde2";
	return "#aed6f1";
}

/* The picture: linear map (X), physical memory (Y) and each device's bus view (Z). */
static int draw(const char *path, struct dmasim_platform *p, struct device **devs, int ndev)
{
	struct dmasim_layout l;
	struct aspace_box b[128];
	struct aspace_arrow a[64];
	char notes[4][160];
	const char *note_ptrs[4];
	const char *cols[3] = { "CPU virtual (X): linear map", "physical (Y): RAM", "bus (Z): what devices reach" };
	int nb = 0, na = 0, nn = 0, region_box[16];
	char title[200];

	dmasim_platform_layout(p, &l);
	for (unsigned int r = 0; r < l.nr_regions; r++) {
		char hb[32];

		region_box[r] = nb;
		b[nb] = (struct aspace_box){ 1, l.region[r].base, l.region[r].size,
			l.region[r].high ? "RAM (highmem)" : "RAM", "#eeeeee", -1, "", "ram" };
		snprintf(b[nb].detail, sizeof(b[nb].detail), "0x%llx-0x%llx %s",
			 (unsigned long long)l.region[r].base,
			 (unsigned long long)(l.region[r].base + l.region[r].size - 1),
			 tool_human(l.region[r].size, hb, sizeof(hb)));
		nb++;
		if (l.region[r].linear) {
			b[nb] = (struct aspace_box){ 0, (uint64_t)(uintptr_t)l.region[r].linear, l.region[r].size,
				"linear map", "#d5f5e3", -1, "", "linear" };
			snprintf(b[nb].detail, sizeof(b[nb].detail), "host %p", l.region[r].linear);
			a[na++] = (struct aspace_arrow){ nb, region_box[r], "#1e8449", "virt_to_phys" };
			nb++;
		}
	}
	for (unsigned int z = 0; z < l.nr_zones && nb < 100; z++) {
		int parent = -1;

		for (unsigned int r = 0; r < l.nr_regions; r++)
			if (l.zone[z].start >= l.region[r].base &&
			    l.zone[z].start < l.region[r].base + l.region[r].size)
				parent = region_box[r];
		b[nb] = (struct aspace_box){ 1, l.zone[z].start, l.zone[z].end - l.zone[z].start + 1,
			l.zone[z].name, zone_fill(l.zone[z].name), parent, "", "zone" };
		snprintf(b[nb].detail, sizeof(b[nb].detail), "0x%llx, %lu of %lu pages free",
			 (unsigned long long)l.zone[z].start, l.zone[z].free_pages, l.zone[z].pages);
		nb++;
	}
	if (l.swiotlb) {
		int parent = -1;

		for (unsigned int r = 0; r < l.nr_regions; r++)
			if (l.swiotlb_start >= l.region[r].base &&
			    l.swiotlb_start < l.region[r].base + l.region[r].size)
				parent = region_box[r];
		b[nb] = (struct aspace_box){ 1, l.swiotlb_start, l.swiotlb_end - l.swiotlb_start + 1,
			"swiotlb", "#f5b7b1", parent, "", "swiotlb" };
		snprintf(b[nb].detail, sizeof(b[nb].detail), "0x%llx, %lu slots, %lu used",
			 (unsigned long long)l.swiotlb_start, l.swiotlb_slots, l.swiotlb_used);
		nb++;
	}
	for (int d = 0; d < ndev && nb < 120; d++) {
		struct dmasim_bus_window w;
		u64 mask = dma_get_mask(devs[d]);
		bool iommu;

		dmasim_dev_bus_window(devs[d], &w);
		iommu = w.iommu;

		/* (start and size only order and size the box: a device is not a range) */
		b[nb] = (struct aspace_box){ 2, (uint64_t)d << 40, 1 << 16, dev_name(devs[d]),
			iommu ? "#d6eaf8" : "#fdebd0", -1, "", "device" };
		snprintf(b[nb].detail, sizeof(b[nb].detail), "%s, mask 0x%llx", iommu ? "IOMMU domain" : "direct window",
			 (unsigned long long)mask);
		/* Which RAM does the device reach directly?  Ask the translation, region by region. */
		for (unsigned int r = 0; r < l.nr_regions && !iommu; r++) {
			dma_addr_t z = l.region[r].base - w.offset;
			u64 reach = w.limit && w.limit < mask ? w.limit : mask;

			if (l.region[r].base >= w.offset && z <= reach)
				a[na++] = (struct aspace_arrow){ nb, region_box[r], "#b9770e",
					z + l.region[r].size - 1 <= reach ? "reaches all" : "reaches part" };
		}
		nb++;
	}
	if (!ndev)
		snprintf(notes[nn++], sizeof(notes[0]), "add --dev SPEC to see what a device reaches");
	snprintf(notes[nn++], sizeof(notes[0]), "%s", dmasim_platform_spec(p));
	for (int i = 0; i < nn; i++)
		note_ptrs[i] = notes[i];
	snprintf(title, sizeof(title), "dmasim dump: the machine's address spaces");
	return svg_aspaces(path, title, cols, 3, b, nb, a, na, note_ptrs, nn);
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "svg", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *devspec[MAX_DEVS], *svg = NULL, *spec = NULL;
	struct device *devs[MAX_DEVS];
	struct dmasim_platform *p;
	int ndev = 0, c, ret = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (ndev == MAX_DEVS)
				return tool_usage_error(&cmd_dump, "at most %d devices", MAX_DEVS);
			devspec[ndev++] = optarg;
			break;
		case 's':
			svg = optarg;
			break;
		case 'h':
			tool_help(&cmd_dump, "--help");
			return EXIT_OK;
		default:
			return tool_usage_error(&cmd_dump, "bad option");
		}
	}
	if (optind < argc)
		spec = argv[optind++];
	if (optind < argc)
		return tool_usage_error(&cmd_dump, "unexpected argument '%s'", argv[optind]);
	p = tool_platform(&cmd_dump, spec);
	if (!p)
		return EXIT_FAIL;
	for (int i = 0; i < ndev; i++) {
		devs[i] = dmasim_device_create(p, devspec[i]);
		if (!devs[i]) {
			dmasim_platform_destroy(p);
			return tool_fail(&cmd_dump, "cannot create the device \"%s\" (message above)", devspec[i]);
		}
	}
	dmasim_platform_dump(p, stdout);
	if (svg) {
		int err = draw(svg, p, devs, ndev);

		if (err)
			ret = tool_fail(&cmd_dump, "cannot write %s: %s", svg, strerror(-err));
	}
	dmasim_platform_destroy(p);
	return ret;
}

const struct tool_cmd cmd_dump = {
	"dump", "a machine's memory map, zones, swiotlb, IOMMU and devices",
	"dmasim dump [SPEC] [--dev DEVSPEC]... [--svg FILE]\n"
	"  SPEC            the platform spec (docs/spec.md); DMASIM_SPEC is appended\n"
	"  --dev DEVSPEC   add a device (e.g. \"name=nic mask=32\"); up to 8\n"
	"  --svg FILE      also draw the address spaces: linear map, RAM and zones, devices\n",
	run,
};
