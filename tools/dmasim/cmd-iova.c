/*
 * tools/dmasim/cmd-iova.c - `dmasim iova`: the IOVA space of a device's DMA
 * domain after a seeded run of maps and unmaps: its occupancy, its holes and
 * how fragmented it became, as text and as a strip picture.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#define MAX_RANGES 4096

struct range {
	dma_addr_t start;
	size_t size;
	bool reserved;
};

struct ranges {
	struct range r[MAX_RANGES];
	int n;
};

static int collect(void *ctx, dma_addr_t iova, size_t size, bool reserved)
{
	struct ranges *rs = ctx;

	if (rs->n == MAX_RANGES)
		return 1;
	rs->r[rs->n++] = (struct range){ iova, size, reserved };
	return 0;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int draw(const char *path, const struct ranges *rs, dma_addr_t lo, dma_addr_t hi,
		const struct dmasim_iova_stats *st, const char *spec)
{
	struct svg s;
	double x0 = 30, w = 1100, y0 = 80, h = 60, span = (double)(hi - lo + 1);
	char a[32], b[32];
	int ret = svg_open(&s, path, w + 2 * x0, 250, "dmasim iova");
	dma_addr_t prev = 0, hole_at = lo;
	uint64_t hole = 0;
	bool seen = false;

	if (ret)
		return ret;
	svg_text(&s, (w + 2 * x0) / 2, 26, 16, "middle", "#222", "IOVA space 0x%llx-0x%llx: %llu ranges, %s allocated",
		 (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)st->nr_ranges,
		 tool_human(st->allocated, a, sizeof(a)));
	svg_rect(&s, x0, y0, w, h, "#ffffff", "#333", "space");
	for (int i = 0; i < rs->n; i++) {
		const struct range *r = &rs->r[i];
		double x, rw;

		if (r->start + r->size - 1 < lo || r->start > hi)
			continue;
		if (seen && r->start > prev && r->start - prev > hole) {
			hole = r->start - prev;
			hole_at = prev;
		}
		seen = true;
		x = x0 + (double)(r->start - lo) / span * w;
		rw = (double)r->size / span * w;
		svg_rect(&s, x, y0, rw < 0.8 ? 0.8 : rw, h, r->reserved ? "#aab7b8" : "#2e86c1", NULL,
			 r->reserved ? "reserved" : "allocated");
		prev = r->start + r->size;
	}
	if (hole) {
		double x = x0 + (double)(hole_at - lo) / span * w;

		svg_rect(&s, x, y0 + h + 6, (double)hole / span * w, 8, "#58d68d", NULL, "hole");
		svg_text(&s, x, y0 + h + 28, 11, "start", "#1d8348", "largest hole %s at 0x%llx",
			 tool_human(hole, b, sizeof(b)), (unsigned long long)hole_at);
	}
	for (int t = 0; t <= 4; t++) {
		double x = x0 + w * t / 4;
		dma_addr_t at = lo + (dma_addr_t)((double)(hi - lo + 1) * t / 4);

		svg_line(&s, x, y0 - 6, x, y0, "#333", 1, false);
		svg_text(&s, x, y0 - 10, 10, t == 0 ? "start" : t == 4 ? "end" : "middle", "#333", "0x%llx",
			 (unsigned long long)(t == 4 ? hi : at));
	}
	svg_rect(&s, x0, 190, 12, 12, "#2e86c1", NULL, NULL);
	svg_text(&s, x0 + 18, 200, 11, "start", "#222", "allocated (mapped)");
	svg_rect(&s, x0 + 170, 190, 12, 12, "#aab7b8", NULL, NULL);
	svg_text(&s, x0 + 188, 200, 11, "start", "#222", "reserved");
	svg_rect(&s, x0 + 290, 190, 12, 12, "#ffffff", "#333", NULL);
	svg_text(&s, x0 + 308, 200, 11, "start", "#222", "free (or in a per-thread cache: %s)",
		 tool_human(st->cached, a, sizeof(a)));
	svg_text(&s, x0, 230, 10, "start", "#555", "%.190s", spec);
	return svg_close(&s);
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },  { "maps", required_argument, NULL, 'm' },
		{ "keep", required_argument, NULL, 'k' }, { "seed", required_argument, NULL, 's' },
		{ "svg", required_argument, NULL, 'g' },  { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *devspec = "name=dev0", *spec = NULL, *svg = NULL;
	uint64_t nmaps = 64, keep = 2, seed = 1, seed0;
	struct dmasim_platform *p;
	struct device *dev;
	struct iommu_domain *dom;
	struct dmasim_iova_stats st;
	struct ranges *rs;
	struct { struct page *pg; unsigned int order; dma_addr_t z; size_t size; } *bufs;
	dma_addr_t lo, hi;
	int c, ret = EXIT_OK, err;
	char a[32], b[32], f[32];

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			devspec = optarg;
			break;
		case 'm':
			if (!tool_parse_u64(optarg, &nmaps) || !nmaps || nmaps > 1024)
				return tool_usage_error(&cmd_iova, "--maps %s: expected 1 to 1024", optarg);
			break;
		case 'k':
			if (!tool_parse_u64(optarg, &keep) || !keep || keep > 1024)
				return tool_usage_error(&cmd_iova, "--keep %s: expected 1 to 1024", optarg);
			break;
		case 's':
			if (!tool_parse_u64(optarg, &seed))
				return tool_usage_error(&cmd_iova, "--seed %s: expected a number", optarg);
			break;
		case 'g':
			svg = optarg;
			break;
		case 'h':
			tool_help(&cmd_iova, "--help");
			return EXIT_OK;
		default:
			return tool_usage_error(&cmd_iova, "bad option");
		}
	}
	if (optind < argc)
		spec = argv[optind++];
	if (optind < argc)
		return tool_usage_error(&cmd_iova, "unexpected argument '%s'", argv[optind]);
	p = tool_platform(&cmd_iova, spec);
	if (!p)
		return EXIT_FAIL;
	dev = dmasim_device_create(p, devspec);
	dom = dev ? iommu_get_domain_for_dev(dev) : NULL;
	if (!dom || dmasim_iommu_iova_stats(dom, &st)) {
		dmasim_platform_destroy(p);
		return tool_fail(&cmd_iova, "%s", dev ? "the device has no DMA domain: use a spec with iommu=on" :
					       "cannot create the device (message above)");
	}
	bufs = calloc(nmaps, sizeof(*bufs));
	rs = calloc(1, sizeof(*rs));
	if (!bufs || !rs) {
		free(bufs);
		free(rs);
		dmasim_platform_destroy(p);
		return tool_fail(&cmd_iova, "out of memory");
	}
	/* Seeded sizes from 4 KiB to 64 KiB (one to sixteen pages), all mapped, then most unmapped. */
	seed = seed ? seed : 1;
	seed0 = seed;
	for (uint64_t i = 0; i < nmaps; i++) {
		unsigned int pages = 1 + (unsigned int)(rnd(&seed) % 16);

		bufs[i].size = (size_t)pages * 4096;
		bufs[i].order = (unsigned int)get_order((unsigned long)bufs[i].size);
		bufs[i].pg = alloc_pages(GFP_KERNEL, bufs[i].order);
		if (!bufs[i].pg) {
			ret = tool_fail(&cmd_iova, "alloc_pages failed after %llu buffers", (unsigned long long)i);
			break;
		}
		bufs[i].z = dma_map_page(dev, bufs[i].pg, 0, bufs[i].size, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(dev, bufs[i].z)) {
			__free_pages(bufs[i].pg, bufs[i].order);
			bufs[i].pg = NULL;
			ret = tool_fail(&cmd_iova, "mapping %llu failed (message above)", (unsigned long long)i);
			break;
		}
	}
	for (uint64_t i = 0; i < nmaps; i++)
		if (bufs[i].pg && i % keep) {
			dma_unmap_page(dev, bufs[i].z, bufs[i].size, DMA_BIDIRECTIONAL);
			__free_pages(bufs[i].pg, bufs[i].order);
			bufs[i].pg = NULL;
		}
	dmasim_iommu_flush(p);
	dmasim_iommu_iova_stats(dom, &st);
	err = dmasim_iommu_iova_for_each(dom, collect, rs, &lo, &hi);
	if (ret == EXIT_OK) {
		dma_addr_t view_lo = ~0ULL, view_hi = 0, view_first;
		uint64_t hole = 0, holes = 0, free_in_view = 0;
		dma_addr_t prev;
		bool seen = false;

		/* Zoom on what the mappings span (reservations elsewhere left out), in 64 KiB steps. */
		for (int i = 0; i < rs->n; i++)
			if (!rs->r[i].reserved) {
				if (rs->r[i].start < view_lo)
					view_lo = rs->r[i].start;
				if (rs->r[i].start + rs->r[i].size - 1 > view_hi)
					view_hi = rs->r[i].start + rs->r[i].size - 1;
			}
		if (view_lo > view_hi) {
			view_lo = lo;
			view_hi = lo + 0xffff;
		}
		view_lo &= ~0xffffULL;
		view_hi |= 0xffffULL;
		view_first = view_lo;
		prev = view_lo;
		for (int i = 0; i < rs->n; i++) {
			if (rs->r[i].start < view_lo || rs->r[i].start > view_hi || rs->r[i].reserved)
				continue;
			if (seen && rs->r[i].start > prev) {
				holes++;
				free_in_view += rs->r[i].start - prev;
				if (rs->r[i].start - prev > hole)
					hole = rs->r[i].start - prev;
			}
			if (!seen)
				view_first = rs->r[i].start;
			seen = true;
			prev = rs->r[i].start + rs->r[i].size;
		}
		printf("machine: %s\n", dmasim_platform_spec(p));
		if (keep == 1)
			printf("%llu maps of 4-64 KiB (seed %llu), none unmapped\n", (unsigned long long)nmaps,
			       (unsigned long long)seed0);
		else
			printf("%llu maps of 4-64 KiB (seed %llu), then every buffer but one in %llu unmapped (lazy queues flushed)\n",
			       (unsigned long long)nmaps, (unsigned long long)seed0, (unsigned long long)keep);
		printf("IOVA space 0x%llx-0x%llx: %llu ranges, %s allocated, %s reserved, %s in per-thread caches\n",
		       (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)st.nr_ranges,
		       tool_human(st.allocated, a, sizeof(a)), tool_human(st.reserved, b, sizeof(b)),
		       tool_human(st.cached, f, sizeof(f)));
		if (err == -EOPNOTSUPP) {
			printf("(this IOVA allocator cannot list its ranges)\n");
		} else {
			printf("in 0x%llx-0x%llx: %llu holes between ranges, %s free there, largest hole %s",
			       (unsigned long long)view_first, (unsigned long long)prev - 1, (unsigned long long)holes,
			       tool_human(free_in_view, a, sizeof(a)), tool_human(hole, b, sizeof(b)));
			if (free_in_view)
				printf(" (fragmentation %.0f%%: 1 - largest hole / free)",
				       100.0 * (1.0 - (double)hole / (double)free_in_view));
			printf("\n");
			for (int i = 0; i < rs->n && i < 24; i++)
				printf("  0x%09llx +%-8zu %s\n", (unsigned long long)rs->r[i].start, rs->r[i].size,
				       rs->r[i].reserved ? "reserved" : "mapped");
			if (rs->n > 24)
				printf("  ... %d more\n", rs->n - 24);
			if (svg) {
				int e = draw(svg, rs, view_lo, view_hi, &st, dmasim_platform_spec(p));

				if (e)
					ret = tool_fail(&cmd_iova, "cannot write %s: %s", svg, strerror(-e));
			}
		}
	}
	for (uint64_t i = 0; i < nmaps; i++)
		if (bufs[i].pg) {
			dma_unmap_page(dev, bufs[i].z, bufs[i].size, DMA_BIDIRECTIONAL);
			__free_pages(bufs[i].pg, bufs[i].order);
		}
	free(bufs);
	free(rs);
	dmasim_platform_destroy(p);
	return ret;
}

const struct tool_cmd cmd_iova = {
	"iova", "the IOVA space after a seeded run of maps and unmaps: occupancy, holes, fragmentation",
	"dmasim iova [SPEC] [--dev DEVSPEC] [--maps N] [--keep K] [--seed S] [--svg FILE]\n"
	"  SPEC            a spec with an IOMMU, e.g. \"iommu=on iova=bitmap\"\n"
	"  --maps N        map N buffers of 4 to 64 KiB, sizes from the seed (default 64)\n"
	"  --keep K        then unmap all but one in K (default 2: every other one)\n"
	"  --seed S        the sizes' seed (default 1)\n"
	"  --svg FILE      draw the IOVA space as a strip: mapped, reserved, free, the largest hole\n",
	run,
};
