/*
 * tools/dmasim/cmd-walk.c - `dmasim walk`: a translation level by level.
 * Device side: an IOMMU page-table walk of a bus address (table physical
 * address, index, raw entry, its meaning) down to the page and the CPU
 * address.  CPU side (--cpu): a kernel virtual address through a 4-level
 * x86-64 page table (pgd, p4d folded, pud, pmd, pte) built for the purpose
 * in simulated RAM, down to its physical page.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kview.h"
#include "tool.h"

#define X86_P 0x1ULL
#define X86_RW 0x2ULL
#define X86_A 0x20ULL
#define X86_D 0x40ULL
#define X86_G 0x100ULL
#define X86_NX (1ULL << 63)
#define X86_TABLE (X86_P | X86_RW | X86_A | X86_D)           /* _KERNPG_TABLE */
#define X86_KERNEL (X86_P | X86_RW | X86_A | X86_D | X86_G | X86_NX) /* PAGE_KERNEL */
#define X86_ADDR 0x000ffffffffff000ULL

static bool is_addr(const char *s)
{
	uint64_t v;

	return tool_parse_u64(s, &v);
}

static void x86_bits(uint64_t e, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s", e & X86_P ? "P" : "not-present", e & X86_RW ? " RW" : " RO",
		 e & X86_A ? " A" : "", e & X86_D ? " D" : "", e & X86_G ? " G" : "", e & X86_NX ? " NX" : "");
}

/*
 * The CPU walk: build pgd -> pud -> pmd -> pte for @va (a direct-map
 * address: phys = va - PAGE_OFFSET) in pages of simulated RAM, then walk it
 * by reading those pages, as the MMU would.
 */
static int cpu_walk(struct dmasim_platform *p, unsigned long long va)
{
	static const char *const names[] = { "pgd", "pud", "pmd", "pte" };
	static const unsigned int shifts[] = { 39, 30, 21, 12 };
	struct page *tbl[4] = { 0 };
	unsigned long long phys = va - KV_PAGE_OFFSET, cr3, next;
	int ret = EXIT_OK;

	(void)p;
	if (va < KV_PAGE_OFFSET || va >= KV_VMALLOC_START)
		return tool_fail(&cmd_walk, "0x%llx is not in the kernel's direct map (0x%llx-0x%llx): give a linear-map address (dmasim map prints one)",
				 (unsigned long long)va, KV_PAGE_OFFSET, KV_VMALLOC_START - 1);
	if (!pfn_valid((unsigned long)(phys >> 12)))
		return tool_fail(&cmd_walk, "0x%llx is PAGE_OFFSET + 0x%llx, which is not RAM on this machine",
				 (unsigned long long)va, (unsigned long long)phys);
	for (int l = 0; l < 4; l++) {
		tbl[l] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!tbl[l]) {
			ret = tool_fail(&cmd_walk, "no memory for the page tables");
			goto out;
		}
	}
	for (int l = 0; l < 4; l++) {
		uint64_t *t = page_address(tbl[l]);
		unsigned int idx = (unsigned int)(va >> shifts[l]) & 511;

		t[idx] = l < 3 ? (page_to_phys(tbl[l + 1]) | X86_TABLE) : ((phys & X86_ADDR) | X86_KERNEL);
	}
	cr3 = page_to_phys(tbl[0]);
	printf("CPU walk of kernel virtual address 0x%016llx (x86-64, 4-level paging, 4 KiB pages)\n",
	       (unsigned long long)va);
	printf("  bits: pgd [47:39]=%llu  pud [38:30]=%llu  pmd [29:21]=%llu  pte [20:12]=%llu  offset [11:0]=0x%llx\n",
	       (va >> 39) & 511, (va >> 30) & 511, (va >> 21) & 511, (va >> 12) & 511, va & 4095);
	printf("  CR3 = 0x%llx (the pgd's physical address)\n", (unsigned long long)cr3);
	next = cr3;
	for (int l = 0; l < 4; l++) {
		unsigned int idx = (unsigned int)(va >> shifts[l]) & 511;
		const uint64_t *t = phys_to_virt(next);
		uint64_t e = t[idx];
		char bits[64];

		x86_bits(e, bits, sizeof(bits));
		printf("  %s  table Y 0x%09llx [%3u] = 0x%016llx  %s -> %s 0x%llx\n", names[l],
		       (unsigned long long)next, idx, (unsigned long long)e, bits,
		       l < 3 ? names[l + 1] : "page", (unsigned long long)(e & X86_ADDR));
		if (l == 0)
			printf("  p4d  folded: with 4-level paging the p4d level is the pgd entry itself\n");
		next = e & X86_ADDR;
	}
	printf("  => physical 0x%09llx (page 0x%llx + offset 0x%llx); dmasim's CPU address for it: %p\n",
	       (unsigned long long)(next | (va & 4095)), (unsigned long long)next, va & 4095,
	       phys_to_virt(next | (va & 4095)));
	printf("  (a real kernel maps the direct map with 2 MiB or 1 GiB pages where it can: the walk then\n"
	       "   stops at the pmd or pud, whose entry has the PS bit)\n");
out:
	for (int l = 0; l < 4; l++)
		if (tbl[l])
			__free_page(tbl[l]);
	return ret;
}

static int draw(const char *path, const struct dmasim_pgtable *pgt, dma_addr_t iova,
		const struct dmasim_pgtable_walk *w)
{
	struct svg s;
	double bw = 330, bh = 64, gap = 46, x0 = 40, y0 = 70;
	unsigned int n = w->nr_levels;
	int ret = svg_open(&s, path, 2 * x0 + bw + 470, y0 + (n + 1) * (bh + gap) + 40, "dmasim walk");

	if (ret)
		return ret;
	svg_text(&s, (2 * x0 + bw + 470) / 2, 26, 16, "middle", "#222", "IOMMU walk of IOVA 0x%llx (%s)",
		 (unsigned long long)iova, pgt->ops->base.name);
	svg_text(&s, x0, 52, 11, "start", "#555", "root table at Y 0x%llx", (unsigned long long)pgt->root);
	for (unsigned int i = 0; i < n; i++) {
		double y = y0 + i * (bh + gap);
		char what[160];

		dmasim_pgtable_describe(pgt, w->level[i].shift, w->level[i].entry, what, sizeof(what));
		svg_rect(&s, x0, y, bw, bh, "#d6eaf8", "#2471a3", "table");
		svg_text(&s, x0 + 8, y + 18, 12, "start", "#000", "level %u table @ Y 0x%llx", i,
			 (unsigned long long)w->level[i].table);
		svg_text(&s, x0 + 8, y + 36, 12, "start", "#000", "index %u (IOVA bits from %u)", w->level[i].index,
			 w->level[i].shift);
		svg_text(&s, x0 + 8, y + 54, 11, "start", "#333", "entry 0x%016llx", (unsigned long long)w->level[i].entry);
		svg_text(&s, x0 + bw + 14, y + 36, 11, "start", "#1a5276", "%s", what);
		svg_line(&s, x0 + bw / 2, y + bh, x0 + bw / 2, y + bh + gap - 2, "#2471a3", 1.6, true);
	}
	{
		double y = y0 + n * (bh + gap);

		svg_rect(&s, x0, y, bw, bh, w->mapped ? "#abebc6" : "#f5b7b1", "#333", w->mapped ? "page" : "fault");
		if (w->mapped) {
			svg_text(&s, x0 + 8, y + 24, 12, "start", "#000", "page: Y 0x%llx", (unsigned long long)w->phys);
			svg_text(&s, x0 + 8, y + 44, 11, "start", "#333", "%zu KiB, %s%s", w->pgsize >> 10,
				 w->prot & DMASIM_PROT_READ ? "R" : "-", w->prot & DMASIM_PROT_WRITE ? "W" : "-");
		} else {
			svg_text(&s, x0 + 8, y + 30, 12, "start", "#000", "no valid entry: a translation fault");
		}
	}
	return svg_close(&s);
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' }, { "size", required_argument, NULL, 's' },
		{ "cpu", no_argument, NULL, 'c' },       { "svg", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },      { 0 },
	};
	const char *devspec = "name=dev0", *spec = NULL, *svg = NULL, *addr_arg = NULL;
	uint64_t size = 4096, addr = 0;
	bool cpu = false;
	struct dmasim_platform *p;
	struct device *dev;
	struct iommu_domain *dom;
	const struct dmasim_pgtable *pgt;
	struct dmasim_pgtable_walk w;
	void *buf;
	dma_addr_t z;
	int c, ret = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			devspec = optarg;
			break;
		case 's':
			if (!tool_parse_size(optarg, &size) || !size || size > (64ULL << 20))
				return tool_usage_error(&cmd_walk, "--size %s: expected 1 to 64M", optarg);
			break;
		case 'c':
			cpu = true;
			break;
		case 'g':
			svg = optarg;
			break;
		case 'h':
			tool_help(&cmd_walk, "--help");
			return EXIT_OK;
		default:
			return tool_usage_error(&cmd_walk, "bad option");
		}
	}
	for (; optind < argc; optind++) {
		if (is_addr(argv[optind]) && !addr_arg)
			addr_arg = argv[optind];
		else if (!spec && !is_addr(argv[optind]))
			spec = argv[optind];
		else
			return tool_usage_error(&cmd_walk, "unexpected argument '%s'", argv[optind]);
	}
	if (addr_arg)
		tool_parse_u64(addr_arg, &addr);
	p = tool_platform(&cmd_walk, spec);
	if (!p)
		return EXIT_FAIL;
	dev = dmasim_device_create(p, devspec);
	if (!dev) {
		dmasim_platform_destroy(p);
		return tool_fail(&cmd_walk, "cannot create the device \"%s\" (message above)", devspec);
	}
	/* Something to walk to: a mapped buffer, as a driver would have. */
	buf = kmalloc(size, GFP_KERNEL);
	z = buf ? dma_map_single(dev, buf, size, DMA_BIDIRECTIONAL) : DMA_MAPPING_ERROR;
	if (dma_mapping_error(dev, z)) {
		kfree(buf);
		dmasim_platform_destroy(p);
		return tool_fail(&cmd_walk, "could not map a %llu-byte buffer to walk to (message above)",
				 (unsigned long long)size);
	}
	if (cpu) {
		printf("a %llu-byte kmalloc buffer: X %p, Y 0x%llx\n\n", (unsigned long long)size, buf,
		       (unsigned long long)virt_to_phys(buf));
		ret = cpu_walk(p, addr_arg ? addr : kv_linear(virt_to_phys(buf)));
		goto out;
	}
	dom = iommu_get_domain_for_dev(dev);
	pgt = dom ? dmasim_iommu_domain_pgtable(dom) : NULL;
	if (!pgt) {
		struct dmasim_bus_window bw;
		struct dmasim_xlate x;

		dmasim_dev_bus_window(dev, &bw);
		printf("%s has no IOMMU in front of it: nothing to walk.  Its bus addresses are\n"
		       "physical ones minus the bus offset (Z = Y - 0x%llx):\n", dev_name(dev),
		       (unsigned long long)bw.offset);
		if (!dmasim_dev_translate(dev, addr_arg ? addr : z, &x))
			printf("  Z 0x%llx -> Y 0x%llx%s\n", (unsigned long long)x.bus, (unsigned long long)x.phys,
			       x.bounced ? " (a swiotlb slot)" : "");
		else
			printf("  Z 0x%llx does not translate to memory the device may reach\n",
			       (unsigned long long)(addr_arg ? addr : z));
		printf("(try SPEC \"iommu=on\", or --cpu for the CPU's own page-table walk)\n");
		goto out;
	}
	if (!addr_arg)
		addr = z;
	printf("a %llu-byte buffer mapped at IOVA 0x%llx; walking IOVA 0x%llx\n", (unsigned long long)size,
	       (unsigned long long)z, (unsigned long long)addr);
	printf("IOMMU page table: %s, %u levels, %u-bit IOVAs, root table at Y 0x%llx\n", pgt->ops->base.name,
	       pgt->levels, pgt->ias, (unsigned long long)pgt->root);
	dmasim_iommu_walk(dom, addr, &w);
	for (unsigned int i = 0; i < w.nr_levels; i++) {
		char what[200];

		dmasim_pgtable_describe(pgt, w.level[i].shift, w.level[i].entry, what, sizeof(what));
		printf("  level %u: table Y 0x%09llx index %4u (IOVA bits %u+) entry 0x%016llx\n"
		       "           %s\n", i, (unsigned long long)w.level[i].table, w.level[i].index,
		       w.level[i].shift, (unsigned long long)w.level[i].entry, what);
	}
	if (w.mapped) {
		printf("  => Y 0x%llx (a %zu KiB %s, %s%s)", (unsigned long long)w.phys, w.pgsize >> 10,
		       w.pgsize > 4096 ? "block" : "page", w.prot & DMASIM_PROT_READ ? "R" : "-",
		       w.prot & DMASIM_PROT_WRITE ? "W" : "-");
		if (pfn_valid((unsigned long)(w.phys >> 12)) && phys_to_virt(w.phys))
			printf(", CPU address %p", phys_to_virt(w.phys));
		printf("\n");
	} else {
		printf("  => not mapped: a device access here is a translation fault\n");
	}
	if (svg) {
		int err = draw(svg, pgt, addr, &w);

		if (err)
			ret = tool_fail(&cmd_walk, "cannot write %s: %s", svg, strerror(-err));
	}
out:
	dma_unmap_single(dev, z, size, DMA_BIDIRECTIONAL);
	kfree(buf);
	dmasim_platform_destroy(p);
	return ret;
}

const struct tool_cmd cmd_walk = {
	"walk", "an IOMMU translation level by level, or (--cpu) the CPU's 4-level page-table walk",
	"dmasim walk [SPEC] [ADDR] [--dev DEVSPEC] [--size N] [--cpu] [--svg FILE]\n"
	"  SPEC            the platform spec, e.g. \"iommu=on\" or \"machine=iommu-v7s\"\n"
	"  ADDR            the bus address (IOVA) to walk; default: the IOVA of a buffer the\n"
	"                  tool maps first (--size bytes, default 4096); with --cpu a kernel\n"
	"                  direct-map address (default: the buffer's)\n"
	"  --dev DEVSPEC   the device (default \"name=dev0\")\n"
	"  --cpu           walk the CPU side: pgd, p4d, pud, pmd, pte (x86-64, 4 KiB pages)\n"
	"  --svg FILE      draw the IOMMU walk as a tree from the root table to the page\n",
	run,
};
