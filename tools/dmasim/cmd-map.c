/*
 * tools/dmasim/cmd-map.c - `dmasim map`: make a buffer, map it for a device
 * and show its three addresses (the dma-api-howto's figure with real
 * numbers): CPU virtual X, physical Y, bus Z; whether it bounced; the IOVA
 * range and the page-table entries behind it; and where a kernel would put X.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kview.h"
#include "tool.h"

enum kind { K_SINGLE, K_PAGE, K_SG, K_COHERENT, K_POOL };
static const char *const kind_names[] = { "single", "page", "sg", "coherent", "pool" };

#define MAX_PIECES 16

/* One CPU-side piece of the buffer and the bus segment(s) it became. */
struct piece {
	void *cpu;
	uint64_t len;
	phys_addr_t phys;  /* of cpu (the driver's memory) */
};
struct seg {
	dma_addr_t bus;
	uint64_t len;
};

struct run {
	struct dmasim_platform *p;
	struct device *dev;
	enum kind kind;
	uint64_t size;
	int dir, nents;
	struct piece pc[MAX_PIECES];
	int npc;
	struct seg sg[MAX_PIECES];
	int nseg;
	/* what to undo */
	struct sg_table sgt;
	bool sgt_mapped, sgt_alloc;
	struct dma_pool *pool;
	void *cpu_alloc;          /* coherent or pool: what to free */
	struct page *pages[MAX_PIECES];
	unsigned int order;
};

static const char *zone_of(const struct dmasim_layout *l, phys_addr_t y)
{
	for (unsigned int z = 0; z < l->nr_zones; z++)
		if (y >= l->zone[z].start && y <= l->zone[z].end)
			return l->zone[z].name;
	return "?";
}

/*
 * The CPU-side pieces of an allocation the device sees at [@z, @z + @len):
 * page by page through the device's translation, contiguous runs merged
 * (behind an IOMMU a coherent buffer is scattered pages under one IOVA).
 */
static void pieces_of(struct run *r, void *cpu, dma_addr_t z, uint64_t len)
{
	uint64_t off = 0;

	while (off < len && r->npc < MAX_PIECES) {
		struct dmasim_xlate x;
		uint64_t chunk = 4096 - ((z + off) & 4095);

		if (chunk > len - off)
			chunk = len - off;
		if (dmasim_dev_translate(r->dev, z + off, &x))
			break;
		if (r->npc && r->pc[r->npc - 1].phys + r->pc[r->npc - 1].len == x.phys)
			r->pc[r->npc - 1].len += chunk;
		else
			r->pc[r->npc++] = (struct piece){ (char *)cpu + off, chunk, x.phys };
		off += chunk;
	}
}

static int make(struct run *r)
{
	switch (r->kind) {
	case K_SINGLE: {
		void *buf = kmalloc(r->size, GFP_KERNEL);
		dma_addr_t z;

		if (!buf)
			return tool_fail(&cmd_map, "kmalloc(%llu) failed", (unsigned long long)r->size);
		memset(buf, 0x5a, r->size);
		z = dma_map_single(r->dev, buf, r->size, (enum dma_data_direction)r->dir);
		r->pc[r->npc++] = (struct piece){ buf, r->size, virt_to_phys(buf) };
		if (dma_mapping_error(r->dev, z)) {
			kfree(buf);
			r->npc = 0;
			return tool_fail(&cmd_map, "dma_map_single() refused the buffer (message above)");
		}
		r->sg[r->nseg++] = (struct seg){ z, r->size };
		return 0;
	}
	case K_PAGE: {
		struct page *pg;
		dma_addr_t z;

		r->order = (unsigned int)get_order((unsigned long)r->size);
		pg = alloc_pages(GFP_KERNEL, r->order);
		if (!pg)
			return tool_fail(&cmd_map, "alloc_pages(order %u) failed", r->order);
		r->pages[0] = pg;
		z = dma_map_page(r->dev, pg, 0, r->size, (enum dma_data_direction)r->dir);
		r->pc[r->npc++] = (struct piece){ page_address(pg), r->size, page_to_phys(pg) };
		if (dma_mapping_error(r->dev, z))
			return tool_fail(&cmd_map, "dma_map_page() refused the page (message above)");
		r->sg[r->nseg++] = (struct seg){ z, r->size };
		return 0;
	}
	case K_SG: {
		struct scatterlist *s;
		uint64_t each = (r->size + (uint64_t)r->nents - 1) / (uint64_t)r->nents;
		int i, n;

		if (each > 4096)
			return tool_usage_error(&cmd_map, "--kind sg: each of the %d entries is one page at most (--size %llu is too big)",
						r->nents, (unsigned long long)r->size);
		if (sg_alloc_table(&r->sgt, (unsigned int)r->nents, GFP_KERNEL))
			return tool_fail(&cmd_map, "sg_alloc_table() failed");
		r->sgt_alloc = true;
		/* One page per entry, every other page: the list is physically scattered. */
		for_each_sg(r->sgt.sgl, s, r->nents, i) {
			struct page *pg = alloc_pages(GFP_KERNEL, 1);

			if (!pg)
				return tool_fail(&cmd_map, "alloc_pages() failed");
			r->pages[i] = pg;
			sg_set_page(s, pg, (unsigned int)each, 0);
			r->pc[r->npc++] = (struct piece){ page_address(pg), each, page_to_phys(pg) };
		}
		n = dma_map_sg(r->dev, r->sgt.sgl, r->nents, (enum dma_data_direction)r->dir);
		if (!n)
			return tool_fail(&cmd_map, "dma_map_sg() returned 0 (message above)");
		r->sgt.nents = (unsigned int)n;
		r->sgt_mapped = true;
		for_each_sg(r->sgt.sgl, s, n, i)
			r->sg[r->nseg++] = (struct seg){ sg_dma_address(s), sg_dma_len(s) };
		return 0;
	}
	case K_COHERENT: {
		dma_addr_t z;
		void *cpu = dma_alloc_coherent(r->dev, r->size, &z, GFP_KERNEL);

		if (!cpu)
			return tool_fail(&cmd_map, "dma_alloc_coherent(%llu) failed (message above)",
					 (unsigned long long)r->size);
		r->cpu_alloc = cpu;
		r->sg[r->nseg++] = (struct seg){ z, r->size };
		pieces_of(r, cpu, z, r->size);
		return 0;
	}
	case K_POOL: {
		dma_addr_t z;
		void *cpu;

		r->pool = dma_pool_create("dmasim-map", r->dev, r->size, 0, 0);
		if (!r->pool)
			return tool_fail(&cmd_map, "dma_pool_create(size %llu) failed (message above)",
					 (unsigned long long)r->size);
		cpu = dma_pool_alloc(r->pool, GFP_KERNEL, &z);
		if (!cpu)
			return tool_fail(&cmd_map, "dma_pool_alloc() failed");
		r->cpu_alloc = cpu;
		r->sg[r->nseg++] = (struct seg){ z, r->size };
		pieces_of(r, cpu, z, r->size);
		return 0;
	}
	}
	return EXIT_FAIL;
}

static void undo(struct run *r)
{
	enum dma_data_direction dir = (enum dma_data_direction)r->dir;

	switch (r->kind) {
	case K_SINGLE:
		if (r->nseg)
			dma_unmap_single(r->dev, r->sg[0].bus, r->size, dir);
		if (r->npc)
			kfree(r->pc[0].cpu);
		break;
	case K_PAGE:
		if (r->nseg)
			dma_unmap_page(r->dev, r->sg[0].bus, r->size, dir);
		if (r->pages[0])
			__free_pages(r->pages[0], r->order);
		break;
	case K_SG:
		if (r->sgt_mapped)
			dma_unmap_sg(r->dev, r->sgt.sgl, r->nents, dir);
		for (int i = 0; i < r->nents; i++)
			if (r->pages[i])
				__free_pages(r->pages[i], 1);
		if (r->sgt_alloc)
			sg_free_table(&r->sgt);
		break;
	case K_COHERENT:
		if (r->nseg)
			dma_free_coherent(r->dev, r->size, r->cpu_alloc, r->sg[0].bus);
		break;
	case K_POOL:
		if (r->nseg)
			dma_pool_free(r->pool, r->cpu_alloc, r->sg[0].bus);
		if (r->pool)
			dma_pool_destroy(r->pool);
		break;
	}
}

static void print_ptes(struct run *r, const struct seg *s)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(r->dev);
	const struct dmasim_pgtable *pgt = dom ? dmasim_iommu_domain_pgtable(dom) : NULL;
	dma_addr_t first = s->bus & ~4095ULL, last = (s->bus + s->len - 1) & ~4095ULL;
	int shown = 0;

	if (!pgt)
		return;
	printf("     page-table entries (%s, root table at Y 0x%llx):\n", pgt->ops->base.name,
	       (unsigned long long)pgt->root);
	for (dma_addr_t z = first; z <= last && shown < 8; z += 4096, shown++) {
		struct dmasim_pgtable_walk w;
		unsigned int lv;

		if (dmasim_iommu_walk(dom, z, &w) || !w.nr_levels) {
			printf("       Z 0x%09llx: not mapped\n", (unsigned long long)z);
			continue;
		}
		lv = w.nr_levels - 1;
		printf("       Z 0x%09llx: level %u table Y 0x%llx [%u] = 0x%016llx -> Y 0x%09llx (%s%s page of %zu KiB)\n",
		       (unsigned long long)z, lv, (unsigned long long)w.level[lv].table, w.level[lv].index,
		       (unsigned long long)w.level[lv].entry, (unsigned long long)w.phys,
		       (w.prot & DMASIM_PROT_READ) ? "r" : "-", (w.prot & DMASIM_PROT_WRITE) ? "w" : "-",
		       w.pgsize >> 10);
	}
	if (first + (uint64_t)shown * 4096 <= last)
		printf("       ... (%llu more pages; dmasim walk shows any of them)\n",
		       (unsigned long long)((last - first) / 4096 + 1 - (uint64_t)shown));
}

static void report(struct run *r, const struct dmasim_layout *l)
{
	struct dmasim_bus_window w;
	char hb[32];

	dmasim_dev_bus_window(r->dev, &w);
	printf("machine: %s\n", dmasim_platform_spec(r->p));
	printf("device:  %s, DMA mask 0x%llx, %s\n", dev_name(r->dev), (unsigned long long)w.mask,
	       w.iommu ? "behind the IOMMU: bus addresses are IOVAs" : "no IOMMU: Z = Y - bus offset");
	printf("buffer:  %s, %s, %s\n\n", kind_names[r->kind], tool_human(r->size, hb, sizeof(hb)),
	       r->kind >= K_COHERENT ? "shared by CPU and device (no direction, no syncs)" : tool_dir_name(r->dir));
	for (int i = 0; i < r->npc; i++) {
		const struct piece *pc = &r->pc[i];

		if (r->npc > 1)
			printf("  entry %d:\n", i);
		printf("  X  CPU virtual  %p  (host address dmasim uses)\n", pc->cpu);
		if (virt_addr_valid(pc->cpu)) {
			printf("                  0x%llx  (a kernel's linear map: PAGE_OFFSET 0x%llx + Y)\n",
			       (unsigned long long)kv_linear(pc->phys), (unsigned long long)KV_PAGE_OFFSET);
			if (i == 0)
				printf("                  (kmap() of its page gives that same address: it is low memory;\n"
				       "                  vmalloc/vmap aliases would lie from 0x%llx)\n",
				       (unsigned long long)KV_VMALLOC_START);
		}
		else
			printf("                  not in the linear map: a vmap alias of the pages (a kernel puts those in its\n"
			       "                  vmalloc area, from 0x%llx)\n", (unsigned long long)KV_VMALLOC_START);
		printf("  Y  physical     0x%09llx  (pfn 0x%llx, zone %s; struct page at 0x%llx in a kernel's vmemmap)\n",
		       (unsigned long long)pc->phys, (unsigned long long)(pc->phys >> 12), zone_of(l, pc->phys),
		       (unsigned long long)kv_struct_page(pc->phys));
	}
	printf("\n");
	for (int i = 0; i < r->nseg; i++) {
		const struct seg *s = &r->sg[i];
		struct dmasim_xlate x;

		if (r->nseg > 1)
			printf("  DMA segment %d (%llu bytes):\n", i, (unsigned long long)s->len);
		printf("  Z  bus          0x%09llx", (unsigned long long)s->bus);
		if (dmasim_dev_translate(r->dev, s->bus, &x)) {
			printf("  (does not translate)\n");
			continue;
		}
		printf("  -> Y 0x%09llx\n", (unsigned long long)x.phys);
		if (x.bounced)
			printf("     bounced: the device reaches a swiotlb slot at Y 0x%llx, not the driver's buffer at Y 0x%llx;\n"
			       "              syncs and the unmap copy between them\n",
			       (unsigned long long)x.phys, (unsigned long long)x.orig_phys);
		else
			printf("     not bounced: the device reaches the driver's memory itself\n");
		if (w.iommu) {
			printf("     IOVA range 0x%llx-0x%llx (%s mapping of %zu bytes)\n",
			       (unsigned long long)x.map_start, (unsigned long long)(x.map_start + x.map_size - 1),
			       x.kind ? x.kind : "?", x.map_size);
			print_ptes(r, s);
		} else {
			printf("     direct: Z = Y - 0x%llx%s\n", (unsigned long long)w.offset,
			       x.bounced ? " (of the slot)" : "");
		}
	}
}

static int draw(const char *path, struct run *r, const struct dmasim_layout *l)
{
	struct aspace_box b[96];
	struct aspace_arrow a[64];
	const char *cols[3] = { "CPU virtual (X)", "physical (Y)", "bus (Z)" };
	char title[160], n0[200], n1[200];
	const char *notes[2] = { n0, n1 };
	int nb = 0, na = 0, region_box[16], piece_box[MAX_PIECES], y_box[MAX_PIECES];
	struct dmasim_bus_window w;

	dmasim_dev_bus_window(r->dev, &w);
	for (unsigned int i = 0; i < l->nr_regions; i++) {
		region_box[i] = nb;
		b[nb] = (struct aspace_box){ 1, l->region[i].base, l->region[i].size,
			l->region[i].high ? "RAM (highmem)" : "RAM", "#eeeeee", -1, "", "ram" };
		snprintf(b[nb].detail, sizeof(b[nb].detail), "0x%llx-0x%llx", (unsigned long long)l->region[i].base,
			 (unsigned long long)(l->region[i].base + l->region[i].size - 1));
		nb++;
	}
	for (int i = 0; i < r->npc && nb < 80; i++) {
		int parent = -1;

		piece_box[i] = nb;
		b[nb] = (struct aspace_box){ 0, (uint64_t)(uintptr_t)r->pc[i].cpu, r->pc[i].len,
			!virt_addr_valid(r->pc[i].cpu) ? "vmap alias" : r->npc > 1 ? "buffer piece" : "buffer",
			"#d5f5e3", -1, "", "x" };
		snprintf(b[nb].detail, sizeof(b[nb].detail), "%p", r->pc[i].cpu);
		nb++;
		for (unsigned int k = 0; k < l->nr_regions; k++)
			if (r->pc[i].phys >= l->region[k].base && r->pc[i].phys < l->region[k].base + l->region[k].size)
				parent = region_box[k];
		y_box[i] = nb;
		b[nb] = (struct aspace_box){ 1, r->pc[i].phys, r->pc[i].len,
			r->kind >= K_COHERENT ? "allocated pages" : "driver's buffer", "#abebc6", parent, "", "y" };
		snprintf(b[nb].detail, sizeof(b[nb].detail), "0x%llx", (unsigned long long)r->pc[i].phys);
		nb++;
		a[na++] = (struct aspace_arrow){ piece_box[i], y_box[i], "#1e8449", "CPU MMU" };
	}
	for (int i = 0; i < r->nseg && nb < 90; i++) {
		struct dmasim_xlate x;
		int zb = nb, target = -1;

		b[nb] = (struct aspace_box){ 2, r->sg[i].bus, r->sg[i].len, w.iommu ? "IOVA" : "bus address",
			"#d6eaf8", -1, "", "z" };
		snprintf(b[nb].detail, sizeof(b[nb].detail), "0x%llx", (unsigned long long)r->sg[i].bus);
		nb++;
		if (dmasim_dev_translate(r->dev, r->sg[i].bus, &x))
			continue;
		if (x.bounced) {
			int parent = -1;

			for (unsigned int k = 0; k < l->nr_regions; k++)
				if (x.phys >= l->region[k].base && x.phys < l->region[k].base + l->region[k].size)
					parent = region_box[k];
			target = nb;
			b[nb] = (struct aspace_box){ 1, x.phys, r->sg[i].len, "swiotlb slot", "#f5b7b1", parent, "", "bounce" };
			snprintf(b[nb].detail, sizeof(b[nb].detail), "0x%llx", (unsigned long long)x.phys);
			nb++;
			for (int k = 0; k < r->npc; k++)
				if (x.orig_phys >= r->pc[k].phys && x.orig_phys < r->pc[k].phys + r->pc[k].len)
					a[na++] = (struct aspace_arrow){ target, y_box[k], "#b03a2e", "copied at sync" };
		} else {
			/* Every piece of Y this segment reaches, page by page. */
			for (uint64_t off = 0; off < r->sg[i].len; off += 4096) {
				struct dmasim_xlate px;

				if (dmasim_dev_translate(r->dev, r->sg[i].bus + off, &px))
					break;
				for (int k = 0; k < r->npc; k++)
					if (px.phys >= r->pc[k].phys && px.phys < r->pc[k].phys + r->pc[k].len &&
					    y_box[k] != target && na < 60) {
						bool seen = false;

						for (int e = 0; e < na; e++)
							seen |= a[e].from == zb && a[e].to == y_box[k];
						if (!seen)
							a[na++] = (struct aspace_arrow){ zb, y_box[k], "#2471a3",
								w.iommu ? "IOMMU" : "Z = Y - offset" };
					}
			}
		}
		if (target >= 0 && x.bounced)
			a[na++] = (struct aspace_arrow){ zb, target, "#2471a3", w.iommu ? "IOMMU" : "Z = Y - offset" };
	}
	snprintf(title, sizeof(title), "dmasim map: %s %s of %llu bytes for %s", kind_names[r->kind],
		 r->kind >= K_COHERENT ? "allocation" : tool_dir_name(r->dir), (unsigned long long)r->size,
		 dev_name(r->dev));
	snprintf(n0, sizeof(n0), "machine: %.180s", dmasim_platform_spec(r->p));
	if (virt_addr_valid(r->pc[0].cpu))
		snprintf(n1, sizeof(n1), "a kernel would see X in its linear map at PAGE_OFFSET + Y = 0x%llx",
			 (unsigned long long)kv_linear(r->pc[0].phys));
	else
		snprintf(n1, sizeof(n1), "X is a vmap alias of the pages, not the linear map: a kernel's would lie in its vmalloc area (0x%llx and up)",
			 (unsigned long long)KV_VMALLOC_START);
	return svg_aspaces(path, title, cols, 3, b, nb, a, na, notes, 2);
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },  { "kind", required_argument, NULL, 'k' },
		{ "size", required_argument, NULL, 's' }, { "dir", required_argument, NULL, 'r' },
		{ "nents", required_argument, NULL, 'n' }, { "svg", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },       { 0 },
	};
	struct run r = { .kind = K_SINGLE, .size = 4096, .dir = DMA_TO_DEVICE, .nents = 4 };
	const char *devspec = "name=dev0", *spec = NULL, *svg = NULL;
	struct dmasim_layout l;
	uint64_t v;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			devspec = optarg;
			break;
		case 'k':
			for (c = 0; c < 5 && strcmp(optarg, kind_names[c]); c++)
				;
			if (c == 5)
				return tool_usage_error(&cmd_map, "--kind %s: expected single, page, sg, coherent or pool", optarg);
			r.kind = (enum kind)c;
			break;
		case 's':
			if (!tool_parse_size(optarg, &r.size) || !r.size || r.size > (1ULL << 30))
				return tool_usage_error(&cmd_map, "--size %s: expected 1 to 1G bytes (K, M, G suffixes)", optarg);
			break;
		case 'r':
			if (!tool_parse_dir(optarg, &r.dir))
				return tool_usage_error(&cmd_map, "--dir %s: expected to, from or bidi", optarg);
			break;
		case 'n':
			if (!tool_parse_u64(optarg, &v) || !v || v > MAX_PIECES)
				return tool_usage_error(&cmd_map, "--nents %s: expected 1 to %d", optarg, MAX_PIECES);
			r.nents = (int)v;
			break;
		case 'g':
			svg = optarg;
			break;
		case 'h':
			tool_help(&cmd_map, "--help");
			return EXIT_OK;
		default:
			return tool_usage_error(&cmd_map, "bad option");
		}
	}
	if (optind < argc)
		spec = argv[optind++];
	if (optind < argc)
		return tool_usage_error(&cmd_map, "unexpected argument '%s'", argv[optind]);
	if (r.kind == K_SG && r.size == 4096 && r.nents > 1)
		r.size = 4096ULL * (uint64_t)r.nents;
	r.p = tool_platform(&cmd_map, spec);
	if (!r.p)
		return EXIT_FAIL;
	r.dev = dmasim_device_create(r.p, devspec);
	if (!r.dev) {
		dmasim_platform_destroy(r.p);
		return tool_fail(&cmd_map, "cannot create the device \"%s\" (message above)", devspec);
	}
	dmasim_platform_layout(r.p, &l);
	ret = make(&r);
	if (!ret) {
		report(&r, &l);
		if (svg) {
			int err = draw(svg, &r, &l);

			if (err)
				ret = tool_fail(&cmd_map, "cannot write %s: %s", svg, strerror(-err));
		}
	}
	undo(&r);
	dmasim_device_destroy(r.dev);
	dmasim_platform_destroy(r.p);
	return ret;
}

const struct tool_cmd cmd_map = {
	"map", "make a buffer, map it, and show its CPU, physical and bus addresses",
	"dmasim map [SPEC] [--dev DEVSPEC] [--kind KIND] [--size N] [--dir DIR] [--nents N] [--svg FILE]\n"
	"  SPEC            the platform spec (docs/spec.md); DMASIM_SPEC is appended\n"
	"  --dev DEVSPEC   the device (default \"name=dev0\"), e.g. \"mask=24\" or \"force_bounce=1\"\n"
	"  --kind KIND     single (kmalloc + dma_map_single, the default), page (alloc_pages +\n"
	"                  dma_map_page), sg (scattered pages + dma_map_sg), coherent\n"
	"                  (dma_alloc_coherent), pool (dma_pool_alloc)\n"
	"  --size N        bytes (default 4096; K, M, G suffixes)\n"
	"  --dir DIR       to (DMA_TO_DEVICE, the default), from, bidi\n"
	"  --nents N       for sg: entries, one page each (default 4)\n"
	"  --svg FILE      also draw the three address spaces and the arrows between them\n",
	run,
};
