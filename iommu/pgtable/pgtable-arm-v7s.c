/*
 * iommu/pgtable/pgtable-arm-v7s.c - the "arm-v7s" IO page-table format:
 * ARM's short-descriptor format as the kernel's io-pgtable-arm-v7s builds it
 * for 32-bit IOMMUs.  A differently shaped second format for comparison and
 * teaching: 32-bit IOVA and output addresses, 32-bit descriptors, two levels
 * of unequal tables (4096-entry level 1 of 1 MiB sections or level-2 table
 * pointers; 256-entry level 2 of 4 KiB small pages).  64 KiB large pages and
 * 16 MiB supersections are not used.  Every table lives in simulated RAM and
 * is only touched through the config's ram callback.  A backend of the
 * page-table kind (<dmasim/backend.h>).
 *
 * Descriptors (bit 31 on the left):
 *
 *   level 1  [1:0] 00 invalid, 01 level-2 table at [31:10], 10 section at
 *            [31:20] (bit 18, supersection, always 0), 11 reads as invalid.
 *   level 2  [1]   1 small page at [31:12] ([0] is XN, left 0); [1:0] 01 (a
 *            large page) is never written and reads as invalid.
 *
 *   Leaf attributes sit at the same relative positions in both levels, from
 *   bit 10 in a section and from bit 4 in a small page:
 *     +0  AP[0], used as the access flag (simplified access permissions);
 *     +1  AP[1] "unprivileged": set unless DMASIM_PROT_PRIV;
 *     +2  TEX[0], memory type (0: normal memory through TEX remap);
 *     +3  TEX[1], software bit "no read" (ours): set when the device may not
 *         read.  With TEX remap on, TEX[2:1] are free for software, and a
 *         DMA_FROM_DEVICE mapping is write-only for the device;
 *     +5  AP[2] "read-only": set when the device may not write;
 *     +6  S, shareable; +7 nG.
 * A leaf with neither read nor write would be no mapping at all, so
 * map_pages() refuses prot without DMASIM_PROT_READ or DMASIM_PROT_WRITE.
 *
 * Level-2 tables are 1 KiB each, asked of the core with alloc_table(1024):
 * packing four into a page is an allocation policy, and it belongs to the
 * core's table allocator, not to the format.  Descriptors hold 32-bit table
 * addresses, so a table the core places at or above 4 GiB is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "io-pgtable.h"

#define V7S_MAX_IAS 32
#define V7S_MAX_OAS 32
#define V7S_MIN_IAS 20 /* one section */
#define V7S_LEVELS 2

#define V7S_L1_SHIFT 20
#define V7S_L1_ENTRIES 4096u
#define V7S_L1_SIZE (V7S_L1_ENTRIES * sizeof(u32))
#define V7S_L2_SHIFT 12
#define V7S_L2_ENTRIES 256u
#define V7S_L2_SIZE (V7S_L2_ENTRIES * sizeof(u32))

#define V7S_L1_TYPE_MASK 3u
#define V7S_L1_TYPE_TABLE 1u
#define V7S_L1_TYPE_SECTION 2u
#define V7S_L1_TABLE_MASK 0xfffffc00u
#define V7S_L1_SECTION_MASK 0xfff00000u
#define V7S_L1_SUPERSECTION (1u << 18)
#define V7S_L2_TYPE_SMALL 2u
#define V7S_L2_PAGE_MASK 0xfffff000u

/* Attributes, relative to attr_shift(level). */
#define V7S_ATTR_AF (1u << 0)
#define V7S_ATTR_UNPRIV (1u << 1)
#define V7S_ATTR_NOREAD (1u << 3)
#define V7S_ATTR_RDONLY (1u << 5)
#define V7S_ATTR_S (1u << 6)
#define V7S_ATTR_NG (1u << 7)

#define V7S_PGSIZES ((1UL << V7S_L2_SHIFT) | (1UL << V7S_L1_SHIFT))

struct v7s {
	struct io_pgtable iop; /* its pool: level-2 tables displaced by a section */
};

static inline struct v7s *to_v7s(struct dmasim_pgtable *pgt)
{
	return container_of(pgt, struct v7s, iop.base);
}

static inline unsigned int attr_shift(unsigned int lvl)
{
	return lvl == 1 ? 10 : 4;
}

static inline unsigned int l1_index(unsigned long iova)
{
	return (unsigned int)(iova >> V7S_L1_SHIFT) & (V7S_L1_ENTRIES - 1);
}

static inline unsigned int l2_index(unsigned long iova)
{
	return (unsigned int)(iova >> V7S_L2_SHIFT) & (V7S_L2_ENTRIES - 1);
}

/* Host view of a whole table: the core guarantees one table sits in one region. */
static inline u32 *table_ptr(const struct v7s *d, phys_addr_t table)
{
	return pgtable_table_ptr(&d->iop, table);
}

static inline bool l1_is_table(u32 pte)
{
	return (pte & V7S_L1_TYPE_MASK) == V7S_L1_TYPE_TABLE;
}

static inline bool l1_is_section(u32 pte)
{
	return (pte & V7S_L1_TYPE_MASK) == V7S_L1_TYPE_SECTION && !(pte & V7S_L1_SUPERSECTION);
}

static inline bool l2_is_page(u32 pte)
{
	return pte & V7S_L2_TYPE_SMALL;
}

static u32 prot_to_pte(int prot, unsigned int lvl)
{
	u32 attr = V7S_ATTR_AF | V7S_ATTR_S | V7S_ATTR_NG;

	if (!(prot & DMASIM_PROT_WRITE))
		attr |= V7S_ATTR_RDONLY;
	if (!(prot & DMASIM_PROT_READ))
		attr |= V7S_ATTR_NOREAD;
	if (!(prot & DMASIM_PROT_PRIV))
		attr |= V7S_ATTR_UNPRIV;
	return attr << attr_shift(lvl) | (lvl == 1 ? V7S_L1_TYPE_SECTION : V7S_L2_TYPE_SMALL);
}

static int pte_to_prot(u32 pte, unsigned int lvl)
{
	u32 attr = pte >> attr_shift(lvl);
	int prot = 0;

	if (!(attr & V7S_ATTR_NOREAD))
		prot |= DMASIM_PROT_READ;
	if (!(attr & V7S_ATTR_RDONLY))
		prot |= DMASIM_PROT_WRITE;
	if (!(attr & V7S_ATTR_UNPRIV))
		prot |= DMASIM_PROT_PRIV;
	return prot;
}

/* ---- table memory ------------------------------------------------------ */

static bool l2_empty(struct v7s *d, phys_addr_t table)
{
	u32 *t = table_ptr(d, table);

	for (unsigned int i = 0; i < V7S_L2_ENTRIES; i++)
		if (l2_is_page(pgtable_pte_load(&t[i])))
			return false;
	return true;
}

/* Clear every page of a level-2 table. Return: whether there was one. */
static bool l2_clear(struct v7s *d, phys_addr_t table)
{
	u32 *t = table_ptr(d, table);
	bool any = false;

	for (unsigned int i = 0; i < V7S_L2_ENTRIES; i++) {
		if (l2_is_page(pgtable_pte_load(&t[i]))) {
			pgtable_pte_store(&t[i], 0);
			any = true;
		}
	}
	return any;
}

/* ---- factory ------------------------------------------------------------ */

static struct dmasim_pgtable *v7s_alloc(const struct dmasim_pgtable_config *cfg)
{
	unsigned long pgsizes = V7S_PGSIZES;
	unsigned int ias, oas;
	struct v7s *d;

	if (!dmasim__iopt_narrow(cfg, V7S_MAX_IAS, V7S_MAX_OAS, V7S_MIN_IAS, &ias, &oas))
		return NULL;
	if (cfg->pgsize_bitmap)
		pgsizes &= cfg->pgsize_bitmap;
	if (!pgsizes)
		return NULL;

	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	dmasim__iopt_init(&d->iop, cfg, ias, oas, V7S_L2_SIZE);
	d->iop.base.pgsize_bitmap = pgsizes;
	d->iop.base.levels = V7S_LEVELS;
	/*
	 * The level-1 table stays 4096 entries even when ias < 32 (TTBCR.N = 0):
	 * the IOVAs above ias are refused instead, which keeps one index rule.
	 */
	if (dmasim__iopt_table_alloc(&d->iop, V7S_L1_SIZE, &d->iop.base.root)) {
		dmasim__iopt_destroy(&d->iop);
		free(d);
		return NULL;
	}
	return &d->iop.base;
}

/*
 * Level-2 tables are only freed here, never on unmap: an emptied table may
 * still be in a walk (the kernel flushes walk caches before freeing one), and
 * a range mapped once is usually mapped again.  Simpler and safe.
 */
static void v7s_free(struct dmasim_pgtable *pgt)
{
	struct v7s *d;
	u32 *l1;

	if (!pgt)
		return;
	d = to_v7s(pgt);
	pgtable_tlb_flush_all(&d->iop.tlb);
	l1 = table_ptr(d, d->iop.base.root);
	for (unsigned int i = 0; i < V7S_L1_ENTRIES; i++)
		if (l1_is_table(l1[i]))
			d->iop.free_table(d->iop.cookie, l1[i] & V7S_L1_TABLE_MASK, V7S_L2_SIZE);
	d->iop.free_table(d->iop.cookie, d->iop.base.root, V7S_L1_SIZE);
	dmasim__iopt_destroy(&d->iop);
	free(d);
}

/* ---- ops ------------------------------------------------------------------ */

/* The level whose entries map @pgsize (1 or 2), or 0. */
static unsigned int pgsize_level(const struct v7s *d, size_t pgsize)
{
	if (!(pgsize & d->iop.base.pgsize_bitmap) || (pgsize & (pgsize - 1)))
		return 0;
	return pgsize == (1UL << V7S_L1_SHIFT) ? 1 : 2;
}

/*
 * The level-2 table for @iova, created if missing.  Return: 0 and *@table;
 * -EEXIST if a section covers @iova; -ENOMEM.
 */
static int l2_lookup_create(struct v7s *d, unsigned long iova, phys_addr_t *table)
{
	u32 *ptep = &table_ptr(d, d->iop.base.root)[l1_index(iova)];
	u32 pte = pgtable_pte_load(ptep);

	if (!pte) {
		phys_addr_t next;
		u32 desc;

		if (dmasim__iopt_table_get(&d->iop, &next))
			return -ENOMEM;
		desc = (u32)next | V7S_L1_TYPE_TABLE;
		/* Another op on a disjoint range may install the same table first. */
		if (pgtable_pte_cas(ptep, &pte, desc))
			pte = desc;
		else
			dmasim__iopt_table_put(&d->iop, next);
	}
	if (!l1_is_table(pte))
		return -EEXIST;
	*table = pte & V7S_L1_TABLE_MASK;
	return 0;
}

static int v7s_map_pages(struct dmasim_pgtable *pgt, unsigned long iova, phys_addr_t paddr,
			 size_t pgsize, size_t pgcount, int prot, size_t *mapped)
{
	struct v7s *d = to_v7s(pgt);
	unsigned int lvl = pgsize_level(d, pgsize);
	size_t done = 0;
	u32 attrs;
	int ret = 0;

	if (mapped)
		*mapped = 0;
	if (!lvl || !pgtable_map_args_ok(pgt, iova, paddr, pgsize, pgcount, prot))
		return -EINVAL;
	attrs = prot_to_pte(prot, lvl);

	while (pgcount && !ret) {
		unsigned int idx, n;
		u32 *t;

		if (lvl == 1) {
			t = table_ptr(d, d->iop.base.root);
			idx = l1_index(iova);
			n = V7S_L1_ENTRIES - idx;
		} else {
			phys_addr_t table;

			ret = l2_lookup_create(d, iova, &table);
			if (ret)
				break;
			t = table_ptr(d, table);
			idx = l2_index(iova);
			n = V7S_L2_ENTRIES - idx;
		}
		if (n > pgcount)
			n = (unsigned int)pgcount;
		for (unsigned int i = 0; i < n; i++) {
			u32 *ptep = &t[idx + i];
			u32 old = pgtable_pte_load(ptep);
			u32 new = attrs | (u32)paddr;

			if (lvl == 1 && l1_is_table(old)) {
				/* A section over a table left empty by unmaps replaces it. */
				phys_addr_t l2 = old & V7S_L1_TABLE_MASK;

				if (!l2_empty(d, l2) || !pgtable_pte_cas(ptep, &old, new)) {
					ret = -EEXIST;
					break;
				}
				pgtable_tlb_flush_walk(&d->iop.tlb, iova, pgsize, 1UL << V7S_L2_SHIFT);
				dmasim__iopt_table_put(&d->iop, l2);
			} else if (old) {
				ret = -EEXIST;
				break;
			} else {
				pgtable_pte_store(ptep, new);
			}
			iova += pgsize;
			paddr += pgsize;
			done += pgsize;
			pgcount--;
		}
	}
	if (mapped)
		*mapped = done;
	return ret;
}

static size_t v7s_unmap_pages(struct dmasim_pgtable *pgt, unsigned long iova, size_t pgsize,
			      size_t pgcount)
{
	struct v7s *d = to_v7s(pgt);
	unsigned int lvl = pgsize_level(d, pgsize);
	u32 *l1 = table_ptr(d, d->iop.base.root);
	unsigned long end;
	size_t done = 0;

	if (!lvl || !pgtable_unmap_args_ok(pgt, iova, pgsize, pgcount))
		return 0;
	end = iova + pgsize * pgcount;

	while (iova < end) {
		u32 *ptep = &l1[l1_index(iova)];
		u32 pte = pgtable_pte_load(ptep);

		if (l1_is_section(pte)) {
			/* A section goes only if the request covers all of it: no splitting. */
			if (!IS_ALIGNED(iova, 1UL << V7S_L1_SHIFT) || end - iova < (1UL << V7S_L1_SHIFT))
				return done;
			pgtable_pte_store(ptep, 0);
			pgtable_tlb_add_page(&d->iop.tlb, iova, 1UL << V7S_L1_SHIFT);
			iova += 1UL << V7S_L1_SHIFT;
			done += 1UL << V7S_L1_SHIFT;
			continue;
		}
		if (!l1_is_table(pte))
			return done;
		if (lvl == 1) {
			/* A table where a section would be: unmap everything under it. */
			if (!l2_clear(d, pte & V7S_L1_TABLE_MASK))
				return done;
			pgtable_tlb_flush_walk(&d->iop.tlb, iova, pgsize, 1UL << V7S_L2_SHIFT);
			iova += pgsize;
			done += pgsize;
			continue;
		}
		ptep = &table_ptr(d, pte & V7S_L1_TABLE_MASK)[l2_index(iova)];
		if (!l2_is_page(pgtable_pte_load(ptep)))
			return done;
		pgtable_pte_store(ptep, 0);
		pgtable_tlb_add_page(&d->iop.tlb, iova, pgsize);
		iova += pgsize;
		done += pgsize;
	}
	return done;
}

/* The walk shared by iova_to_phys() and walk(); @w may be NULL. */
static int v7s_lookup(struct dmasim_pgtable *pgt, unsigned long iova,
		      struct dmasim_pgtable_walk *w, phys_addr_t *phys, int *prot)
{
	struct v7s *d = to_v7s(pgt);
	phys_addr_t table = d->iop.base.root;
	unsigned int idx;
	u32 pte;

	if (w)
		memset(w, 0, sizeof(*w));
	if (iova >> d->iop.base.ias)
		return -ENOENT;
	idx = l1_index(iova);
	pte = pgtable_pte_load(&table_ptr(d, table)[idx]);
	pgtable_walk_level(w, 0, table, idx, pte, V7S_L1_SHIFT);
	if (l1_is_section(pte)) {
		*phys = (pte & V7S_L1_SECTION_MASK) | (iova & ((1UL << V7S_L1_SHIFT) - 1));
		if (prot)
			*prot = pte_to_prot(pte, 1);
		pgtable_walk_leaf(w, *phys, 1UL << V7S_L1_SHIFT, pte_to_prot(pte, 1));
		return 0;
	}
	if (!l1_is_table(pte))
		return -ENOENT;
	table = pte & V7S_L1_TABLE_MASK;
	idx = l2_index(iova);
	pte = pgtable_pte_load(&table_ptr(d, table)[idx]);
	pgtable_walk_level(w, 1, table, idx, pte, V7S_L2_SHIFT);
	if (!l2_is_page(pte))
		return -ENOENT;
	*phys = (pte & V7S_L2_PAGE_MASK) | (iova & ((1UL << V7S_L2_SHIFT) - 1));
	if (prot)
		*prot = pte_to_prot(pte, 2);
	pgtable_walk_leaf(w, *phys, 1UL << V7S_L2_SHIFT, pte_to_prot(pte, 2));
	return 0;
}

PGTABLE_LOOKUP_OPS(v7s, v7s_lookup)

static int v7s_describe(const struct dmasim_pgtable *pgt, unsigned int shift, u64 entry, char *buf,
			size_t len)
{
	u32 pte = (u32)entry, attr;
	unsigned int lvl = shift == V7S_L1_SHIFT ? 1 : 2;

	(void)pgt;
	if (lvl == 1) {
		if (l1_is_table(pte))
			return snprintf(buf, len, "table -> level-2 table at 0x%x (bits[1:0]=0b01)",
					pte & V7S_L1_TABLE_MASK);
		if (!l1_is_section(pte))
			return snprintf(buf, len, "invalid (bits[1:0]=0b%u%u): the walk stops, a fault",
					(pte >> 1) & 1, pte & 1);
	} else if (!l2_is_page(pte)) {
		return snprintf(buf, len, "invalid (bit 1 clear): the walk stops, a fault");
	}
	attr = pte >> attr_shift(lvl);
	return snprintf(buf, len, "%s -> 0x%x (%s of %u KiB)%s%s %s %s %s%s", lvl == 1 ? "section" : "small page",
			pte & (lvl == 1 ? V7S_L1_SECTION_MASK : V7S_L2_PAGE_MASK), lvl == 1 ? "section" : "page",
			(1u << shift) >> 10, attr & V7S_ATTR_AF ? " AF" : "", attr & V7S_ATTR_S ? " S" : "",
			attr & V7S_ATTR_NOREAD ? "no-read" : "R", attr & V7S_ATTR_RDONLY ? "read-only" : "W",
			attr & V7S_ATTR_UNPRIV ? "unpriv" : "priv-only", attr & V7S_ATTR_NG ? " nG" : "");
}

extern const struct dmasim_pgtable_ops dmasim__pgtable_arm_v7s;
const struct dmasim_pgtable_ops dmasim__pgtable_arm_v7s = {
	.base = {
		.abi = DMASIM_BACKEND_ABI,
		.kind = DMASIM_BACKEND_PGTABLE,
		.name = "arm-v7s",
		.caps = 0,
		.help = "ARM short-descriptor (v7s): 2 levels, 32-bit IOVA and PA, 4K pages, 1M sections",
	},
	.alloc = v7s_alloc,
	.free = v7s_free,
	.map_pages = v7s_map_pages,
	.unmap_pages = v7s_unmap_pages,
	.iova_to_phys = v7s_iova_to_phys,
	.walk = v7s_walk,
	.describe = v7s_describe,
};
