/*
 * iommu/pgtable/pgtable-arm-lpae-4k.c - the "arm-lpae-4k" IO page-table
 * format, the default: ARM LPAE stage 1 with a 4 KiB granule, as the kernel's
 * io-pgtable-arm builds it for an SMMU.  Up to four levels of 512 64-bit
 * descriptors translate a 48-bit IOVA; leaves are 4 KiB pages at level 3,
 * 2 MiB blocks at level 2 and 1 GiB blocks at level 1.  Every table lives in
 * simulated RAM and is only ever touched through the config's ram callback,
 * so the IOMMU's walk reads the same physical bytes a hardware walker would.
 * A backend of the page-table kind (<dmasim/backend.h>).
 *
 * Descriptor (bit 63 on the left):
 *
 *   [1:0]   01 block (levels 1, 2); 11 table (levels 0-2) or page (level 3);
 *           x0 invalid.  01 at level 3 is reserved and reads as invalid.
 *   [6]     AP[1] "unprivileged": set unless DMASIM_PROT_PRIV.
 *   [7]     AP[2] "read-only": set when the device may not write.
 *   [9:8]   SH, inner shareable; [10] AF, the access flag; [11] nG.
 *   [47:12] output address (next table, page or block).
 *   [55]    software bit "no read" (ours): set when the device may not read.
 *           Stage 1 has no hardware bit for it, and a DMA_FROM_DEVICE
 *           mapping is write-only for the device, so the IOMMU model needs
 *           one; ARM leaves bits [58:55] to software.
 * A leaf with neither read nor write would be no mapping at all, so
 * map_pages() refuses prot without DMASIM_PROT_READ or DMASIM_PROT_WRITE.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "io-pgtable.h"

#define LPAE_GRANULE_SHIFT 12
#define LPAE_BITS_PER_LEVEL 9
#define LPAE_ENTRIES (1u << LPAE_BITS_PER_LEVEL)
#define LPAE_TABLE_SIZE (LPAE_ENTRIES * sizeof(u64))
#define LPAE_MAX_LEVELS 4
#define LPAE_LAST_LEVEL (LPAE_MAX_LEVELS - 1)
#define LPAE_MAX_IAS 48
#define LPAE_MAX_OAS 48
/* Below 1 MiB of IOVA space there is nothing worth translating. */
#define LPAE_MIN_IAS 20
/* The translation base must be 64-byte aligned, so a tiny root is padded. */
#define LPAE_MIN_ROOT 64

#define PTE_VALID BIT_ULL(0)
#define PTE_TYPE_MASK 3ULL
#define PTE_TYPE_BLOCK 1ULL
#define PTE_TYPE_TABLE 3ULL /* and PAGE at the last level */
#define PTE_AP_UNPRIV BIT_ULL(6)
#define PTE_AP_RDONLY BIT_ULL(7)
#define PTE_SH_IS (3ULL << 8)
#define PTE_AF BIT_ULL(10)
#define PTE_NG BIT_ULL(11)
#define PTE_SW_NOREAD BIT_ULL(55)
#define PTE_ADDR_MASK 0x0000fffffffff000ULL

#define LPAE_PGSIZES ((1UL << 12) | (1UL << 21) | (1UL << 30))

struct lpae {
	struct io_pgtable iop;    /* its pool: 4 KiB tables displaced by a block */
	unsigned int start_level; /* level the root table is at */
	unsigned int pgd_bits;    /* index bits at the start level */
	size_t root_size;
	unsigned long serial;     /* unique per table ever created (from 1) */
	atomic_ulong retire_gen;  /* bumped before a retired table can be reused */
	/*
	 * Bits an IOVA / a physical address must not have for the one-page
	 * fast path: below the granule and at or above ias / oas; all ones
	 * when 4 KiB pages are not among the page sizes.
	 */
	u64 one_iova_bad, one_pa_bad;
};

/*
 * Each thread's cache of last-level tables: which host table holds the
 * page entries of the 2 MiB IOVA region @key, so a 4 KiB map, unmap or
 * lookup there skips the walk.  A last-level table stays linked where it
 * is until the page table is freed (@serial) or a block replaces it
 * (@retire_gen), so those two are what a hit checks.
 */
#define LEAF_CACHE 4
static _Thread_local __attribute__((tls_model("initial-exec"))) struct leaf_cache_entry {
	unsigned long serial, gen, key;
	u64 *table;
} leaf_cache[LEAF_CACHE];

static atomic_ulong lpae_serials;

static inline struct lpae *to_lpae(struct dmasim_pgtable *pgt)
{
	return container_of(pgt, struct lpae, iop.base);
}

static inline unsigned int lvl_shift(unsigned int lvl)
{
	return LPAE_GRANULE_SHIFT + LPAE_BITS_PER_LEVEL * (LPAE_LAST_LEVEL - lvl);
}

static inline unsigned int lvl_entries(const struct lpae *d, unsigned int lvl)
{
	return lvl == d->start_level ? 1u << d->pgd_bits : LPAE_ENTRIES;
}

static inline unsigned int lvl_index(const struct lpae *d, unsigned long iova, unsigned int lvl)
{
	return (unsigned int)(iova >> lvl_shift(lvl)) & (lvl_entries(d, lvl) - 1);
}

/* Host view of a whole table: the core guarantees one table sits in one region. */
static inline u64 *table_ptr(const struct lpae *d, phys_addr_t table)
{
	return pgtable_table_ptr(&d->iop, table);
}

static inline unsigned long leaf_key(unsigned long iova)
{
	return iova >> lvl_shift(LPAE_LAST_LEVEL - 1);
}

/* The last-level table for @iova if this thread has it cached, else NULL. */
static inline u64 *leaf_cached(struct lpae *d, unsigned long iova)
{
	unsigned long key = leaf_key(iova);
	struct leaf_cache_entry *e = &leaf_cache[key % LEAF_CACHE];

	if (e->serial == d->serial && e->key == key &&
	    e->gen == atomic_load_explicit(&d->retire_gen, memory_order_acquire))
		return e->table;
	return NULL;
}

/* Remember @table as @iova's last-level table, found by a walk that began at @gen. */
static inline void leaf_fill(struct lpae *d, unsigned long iova, u64 *table, unsigned long gen)
{
	unsigned long key = leaf_key(iova);

	if (d->start_level < LPAE_LAST_LEVEL)
		leaf_cache[key % LEAF_CACHE] = (struct leaf_cache_entry){
			.serial = d->serial, .gen = gen, .key = key, .table = table };
}

static inline bool pte_is_table(u64 pte, unsigned int lvl)
{
	return lvl < LPAE_LAST_LEVEL && (pte & PTE_TYPE_MASK) == PTE_TYPE_TABLE;
}

static inline bool pte_is_leaf(u64 pte, unsigned int lvl)
{
	if (lvl == LPAE_LAST_LEVEL)
		return (pte & PTE_TYPE_MASK) == PTE_TYPE_TABLE;
	return (pte & PTE_TYPE_MASK) == PTE_TYPE_BLOCK;
}

static inline phys_addr_t pte_addr(u64 pte)
{
	return pte & PTE_ADDR_MASK;
}

static u64 prot_to_pte(int prot, unsigned int lvl)
{
	u64 pte = PTE_AF | PTE_SH_IS | PTE_NG;

	pte |= lvl == LPAE_LAST_LEVEL ? PTE_TYPE_TABLE : PTE_TYPE_BLOCK;
	if (!(prot & DMASIM_PROT_WRITE))
		pte |= PTE_AP_RDONLY;
	if (!(prot & DMASIM_PROT_READ))
		pte |= PTE_SW_NOREAD;
	if (!(prot & DMASIM_PROT_PRIV))
		pte |= PTE_AP_UNPRIV;
	return pte;
}

static int pte_to_prot(u64 pte)
{
	int prot = 0;

	if (!(pte & PTE_SW_NOREAD))
		prot |= DMASIM_PROT_READ;
	if (!(pte & PTE_AP_RDONLY))
		prot |= DMASIM_PROT_WRITE;
	if (!(pte & PTE_AP_UNPRIV))
		prot |= DMASIM_PROT_PRIV;
	return prot;
}

/* ---- table memory ------------------------------------------------------ */

/* Whether the subtree under @table (a table at @lvl) holds no valid leaf. */
static bool subtree_empty(struct lpae *d, phys_addr_t table, unsigned int lvl)
{
	u64 *t = table_ptr(d, table);

	for (unsigned int i = 0; i < LPAE_ENTRIES; i++) {
		u64 pte = pgtable_pte_load(&t[i]);

		if (pte_is_leaf(pte, lvl))
			return false;
		if (pte_is_table(pte, lvl) && !subtree_empty(d, pte_addr(pte), lvl + 1))
			return false;
	}
	return true;
}

/* Tables displaced by a block go to the spare pool (struct io_pgtable). */
static void retire_subtree(struct lpae *d, phys_addr_t table, unsigned int lvl)
{
	u64 *t = table_ptr(d, table);

	for (unsigned int i = 0; i < LPAE_ENTRIES; i++) {
		u64 pte = pgtable_pte_load(&t[i]);

		if (pte_is_table(pte, lvl))
			retire_subtree(d, pte_addr(pte), lvl + 1);
	}
	dmasim__iopt_table_put(&d->iop, table);
}

/* Clear every leaf under @table (at @lvl). Return: whether there was one. */
static bool clear_subtree(struct lpae *d, phys_addr_t table, unsigned int lvl)
{
	u64 *t = table_ptr(d, table);
	bool any = false;

	for (unsigned int i = 0; i < LPAE_ENTRIES; i++) {
		u64 pte = pgtable_pte_load(&t[i]);

		if (pte_is_leaf(pte, lvl)) {
			pgtable_pte_store(&t[i], 0);
			any = true;
		} else if (pte_is_table(pte, lvl)) {
			any |= clear_subtree(d, pte_addr(pte), lvl + 1);
		}
	}
	return any;
}

static void free_subtree(struct lpae *d, phys_addr_t table, unsigned int lvl, size_t size)
{
	u64 *t = table_ptr(d, table);
	unsigned int n = lvl_entries(d, lvl);

	for (unsigned int i = 0; i < n; i++) {
		u64 pte = t[i];

		if (pte_is_table(pte, lvl))
			free_subtree(d, pte_addr(pte), lvl + 1, LPAE_TABLE_SIZE);
	}
	d->iop.free_table(d->iop.cookie, table, size);
}

/* ---- factory ------------------------------------------------------------ */

static struct dmasim_pgtable *lpae_alloc(const struct dmasim_pgtable_config *cfg)
{
	unsigned int ias, oas, levels;
	unsigned long pgsizes = LPAE_PGSIZES;
	struct lpae *d;

	if (!dmasim__iopt_narrow(cfg, LPAE_MAX_IAS, LPAE_MAX_OAS, LPAE_MIN_IAS, &ias, &oas))
		return NULL;
	/* As the kernel does: as few levels as cover ias, the root only as wide as needed. */
	levels = DIV_ROUND_UP(ias - LPAE_GRANULE_SHIFT, LPAE_BITS_PER_LEVEL);
	/* A block size only exists at a level the walk goes through. */
	if (levels < 3)
		pgsizes &= ~(1UL << 30);
	if (levels < 2)
		pgsizes &= ~(1UL << 21);
	if (cfg->pgsize_bitmap)
		pgsizes &= cfg->pgsize_bitmap;
	if (!pgsizes)
		return NULL;

	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	dmasim__iopt_init(&d->iop, cfg, ias, oas, LPAE_TABLE_SIZE);
	d->serial = atomic_fetch_add(&lpae_serials, 1) + 1;
	d->start_level = LPAE_MAX_LEVELS - levels;
	d->pgd_bits = ias - lvl_shift(d->start_level);
	d->root_size = (size_t)1 << d->pgd_bits << 3;
	if (d->root_size < LPAE_MIN_ROOT)
		d->root_size = LPAE_MIN_ROOT;
	d->iop.base.pgsize_bitmap = pgsizes;
	d->iop.base.levels = levels;
	if (pgsizes & (1UL << LPAE_GRANULE_SHIFT)) {
		const u64 low = (1ULL << LPAE_GRANULE_SHIFT) - 1;

		d->one_iova_bad = low | ~((1ULL << d->iop.base.ias) - 1);
		d->one_pa_bad = low | ~((1ULL << d->iop.base.oas) - 1);
	} else {
		d->one_iova_bad = d->one_pa_bad = ~0ULL;
	}
	if (dmasim__iopt_table_alloc(&d->iop, d->root_size, &d->iop.base.root)) {
		dmasim__iopt_destroy(&d->iop);
		free(d);
		return NULL;
	}
	return &d->iop.base;
}

/*
 * Tables are only freed here, never on unmap: an unmap that emptied a table
 * would have to prove no walk is still inside it (the kernel flushes walk
 * caches through TLB callbacks for that), and a domain that mapped there once
 * usually maps there again.  Simpler and safe: the tree only grows.
 */
static void lpae_free(struct dmasim_pgtable *pgt)
{
	struct lpae *d;

	if (!pgt)
		return;
	d = to_lpae(pgt);
	pgtable_tlb_flush_all(&d->iop.tlb);
	free_subtree(d, d->iop.base.root, d->start_level, d->root_size);
	dmasim__iopt_destroy(&d->iop);
	free(d);
}

/* ---- ops ------------------------------------------------------------------ */

/* The level whose entries map @pgsize, or -1. */
static int pgsize_level(const struct lpae *d, size_t pgsize)
{
	unsigned int bits, lvl;

	if (!pgsize || (pgsize & (pgsize - 1)) || !(pgsize & d->iop.base.pgsize_bitmap))
		return -1;
	/* The bitmap only holds sizes of levels the walk goes through: 12, 21, 30 bits. */
	bits = (unsigned int)__builtin_ctzl(pgsize);
	lvl = LPAE_LAST_LEVEL - (bits - LPAE_GRANULE_SHIFT) / LPAE_BITS_PER_LEVEL;
	return lvl >= d->start_level && lvl_shift(lvl) == bits ? (int)lvl : -1;
}

/*
 * Walk down to the table at @target holding @iova, creating missing tables.
 * Return: 0 and *@table; -EEXIST if a block above covers @iova; -ENOMEM.
 */
static int descend_create(struct lpae *d, unsigned long iova, unsigned int target,
			  phys_addr_t *table)
{
	phys_addr_t t = d->iop.base.root;

	for (unsigned int lvl = d->start_level; lvl < target; lvl++) {
		u64 *ptep = &table_ptr(d, t)[lvl_index(d, iova, lvl)];
		u64 pte = pgtable_pte_load(ptep);

		if (!(pte & PTE_VALID)) {
			phys_addr_t next;
			u64 desc;

			if (dmasim__iopt_table_get(&d->iop, &next))
				return -ENOMEM;
			desc = next | PTE_TYPE_TABLE;
			/* Another op on a disjoint range may install the same table first. */
			if (pgtable_pte_cas(ptep, &pte, desc))
				pte = desc;
			else
				dmasim__iopt_table_put(&d->iop, next);
		}
		if (!pte_is_table(pte, lvl))
			return -EEXIST;
		t = pte_addr(pte);
	}
	*table = t;
	return 0;
}

/* Whether one granule at @iova/@paddr can take the short way: its table is cached. */
static inline u64 *one_page_table(struct lpae *d, unsigned long iova, phys_addr_t paddr,
				  size_t pgsize, size_t pgcount)
{
	if (pgsize != (1UL << LPAE_GRANULE_SHIFT) || pgcount != 1 || (iova & d->one_iova_bad) ||
	    (paddr & d->one_pa_bad))
		return NULL;
	return leaf_cached(d, iova);
}

/* The index of @iova in a last-level table that is not the root (cached ones never are). */
static inline unsigned int leaf_index(unsigned long iova)
{
	return (unsigned int)(iova >> LPAE_GRANULE_SHIFT) & (LPAE_ENTRIES - 1);
}

static int map_pages_walk(struct lpae *d, unsigned long iova, phys_addr_t paddr, size_t pgsize,
			  size_t pgcount, int prot, size_t *mapped);

static int lpae_map_pages(struct dmasim_pgtable *pgt, unsigned long iova, phys_addr_t paddr,
			  size_t pgsize, size_t pgcount, int prot, size_t *mapped)
{
	struct lpae *d = to_lpae(pgt);
	u64 *leaf;

	/*
	 * The common case, one page where this thread mapped before: no walk,
	 * no loop, and no register saving (the rest is a function of its own).
	 */
	if ((prot & (DMASIM_PROT_READ | DMASIM_PROT_WRITE)) &&
	    (leaf = one_page_table(d, iova, paddr, pgsize, pgcount))) {
		u64 *ptep = &leaf[leaf_index(iova)];

		if (pgtable_pte_load(ptep) & PTE_VALID) {
			if (mapped)
				*mapped = 0;
			return -EEXIST;
		}
		pgtable_pte_store(ptep, prot_to_pte(prot, LPAE_LAST_LEVEL) | paddr);
		if (mapped)
			*mapped = pgsize;
		return 0;
	}
	return map_pages_walk(d, iova, paddr, pgsize, pgcount, prot, mapped);
}

/* Any other map_pages(): the checks, then the walk per last-level table. */
static __attribute__((noinline)) int map_pages_walk(struct lpae *d, unsigned long iova,
						    phys_addr_t paddr, size_t pgsize,
						    size_t pgcount, int prot, size_t *mapped)
{
	struct dmasim_pgtable *pgt = &d->iop.base;
	int target;
	size_t done = 0;
	u64 attrs;
	int ret = 0;

	target = pgsize_level(d, pgsize);

	if (mapped)
		*mapped = 0;
	if (target < 0 || !pgtable_map_args_ok(pgt, iova, paddr, pgsize, pgcount, prot))
		return -EINVAL;
	attrs = prot_to_pte(prot, (unsigned int)target);

	while (pgcount) {
		unsigned int idx = lvl_index(d, iova, (unsigned int)target);
		unsigned int n = lvl_entries(d, (unsigned int)target) - idx;
		phys_addr_t table;
		u64 *t = target == LPAE_LAST_LEVEL ? leaf_cached(d, iova) : NULL;

		if (!t) {
			unsigned long gen = atomic_load_explicit(&d->retire_gen, memory_order_acquire);

			ret = descend_create(d, iova, (unsigned int)target, &table);
			if (ret)
				break;
			t = table_ptr(d, table);
			if (target == LPAE_LAST_LEVEL)
				leaf_fill(d, iova, t, gen);
		}
		if (n > pgcount)
			n = (unsigned int)pgcount;
		for (unsigned int i = 0; i < n; i++) {
			u64 *ptep = &t[idx + i];
			u64 old = pgtable_pte_load(ptep);
			u64 new = attrs | paddr;

			if (pte_is_table(old, (unsigned int)target)) {
				/* A block over a table left empty by unmaps replaces it. */
				if (!subtree_empty(d, pte_addr(old), (unsigned int)target + 1) ||
				    !pgtable_pte_cas(ptep, &old, new)) {
					ret = -EEXIST;
					break;
				}
				/* Cached walks into it end before it can be reused. */
				atomic_fetch_add(&d->retire_gen, 1);
				pgtable_tlb_flush_walk(&d->iop.tlb, iova, pgsize,
						       (size_t)1 << LPAE_GRANULE_SHIFT);
				retire_subtree(d, pte_addr(old), (unsigned int)target + 1);
			} else if (old & PTE_VALID) {
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
		if (ret)
			break;
	}
	if (mapped)
		*mapped = done;
	return ret;
}

/*
 * Clear the pages of the last-level table @t from *@iova on, up to @end or
 * the table's last entry, adding to *@done.  Return: false at a hole.
 */
static bool clear_pages(const struct lpae *d, u64 *t, unsigned long *iova, unsigned long end,
			size_t *done)
{
	const size_t pgsize = (size_t)1 << LPAE_GRANULE_SHIFT;

	for (unsigned int idx = lvl_index(d, *iova, LPAE_LAST_LEVEL);
	     idx < LPAE_ENTRIES && *iova < end; idx++) {
		if (!pte_is_leaf(pgtable_pte_load(&t[idx]), LPAE_LAST_LEVEL))
			return false;
		pgtable_pte_store(&t[idx], 0);
		*iova += pgsize;
		*done += pgsize;
	}
	return true;
}

static size_t unmap_pages_walk(struct lpae *d, unsigned long iova, size_t pgsize, size_t pgcount);

static size_t lpae_unmap_pages(struct dmasim_pgtable *pgt, unsigned long iova, size_t pgsize,
			       size_t pgcount)
{
	struct lpae *d = to_lpae(pgt);
	u64 *leaf = one_page_table(d, iova, 0, pgsize, pgcount);

	if (leaf) { /* one page where this thread walked before: no checks to repeat */
		u64 *ptep = &leaf[leaf_index(iova)];

		if (!pte_is_leaf(pgtable_pte_load(ptep), LPAE_LAST_LEVEL))
			return 0;
		pgtable_pte_store(ptep, 0);
		pgtable_tlb_add_page(&d->iop.tlb, iova, pgsize);
		return pgsize;
	}
	return unmap_pages_walk(d, iova, pgsize, pgcount);
}

/* Any other unmap_pages(): the checks, then the walk. */
static __attribute__((noinline)) size_t unmap_pages_walk(struct lpae *d, unsigned long iova,
							 size_t pgsize, size_t pgcount)
{
	struct dmasim_pgtable *pgt = &d->iop.base;
	int target;
	unsigned long end;
	size_t done = 0;

	target = pgsize_level(d, pgsize);
	if (target < 0 || !pgtable_unmap_args_ok(pgt, iova, pgsize, pgcount))
		return 0;
	end = iova + pgsize * pgcount;

	while (iova < end) {
		phys_addr_t table = d->iop.base.root;
		unsigned int lvl = d->start_level;
		u64 *ptep, pte, *t;

		if (target == LPAE_LAST_LEVEL && (t = leaf_cached(d, iova))) {
			/* The pages' table is known: no walk. */
			unsigned long from = iova;
			bool more = clear_pages(d, t, &iova, end, &done);

			pgtable_tlb_add_pages(&d->iop.tlb, from, iova - from, pgsize);
			if (!more)
				return done;
			continue;
		}
		/* Down to the target level, stopping at a hole or a larger block. */
		for (;; lvl++) {
			ptep = &table_ptr(d, table)[lvl_index(d, iova, lvl)];
			pte = pgtable_pte_load(ptep);
			if (!(pte & PTE_VALID) || lvl == (unsigned int)target || !pte_is_table(pte, lvl))
				break;
			table = pte_addr(pte);
		}
		if (!(pte & PTE_VALID))
			return done;
		if (pte_is_leaf(pte, lvl)) {
			size_t size = (size_t)1 << lvl_shift(lvl);

			/* A larger block goes only if the request covers all of it: no splitting. */
			if (!IS_ALIGNED(iova, size) || end - iova < size)
				return done;
			pgtable_pte_store(ptep, 0);
			pgtable_tlb_add_page(&d->iop.tlb, iova, size);
			iova += size;
			done += size;
			continue;
		}
		if (!pte_is_table(pte, lvl))
			return done; /* reserved encoding: reads as a hole */
		/* A table where a block of @pgsize would be: unmap everything under it. */
		if (!clear_subtree(d, pte_addr(pte), lvl + 1))
			return done;
		pgtable_tlb_flush_walk(&d->iop.tlb, iova, pgsize, (size_t)1 << LPAE_GRANULE_SHIFT);
		iova += pgsize;
		done += pgsize;
	}
	return done;
}

/* The walk shared by iova_to_phys() and walk(); @w may be NULL. */
static int lpae_lookup(struct dmasim_pgtable *pgt, unsigned long iova,
		       struct dmasim_pgtable_walk *w, phys_addr_t *phys, int *prot)
{
	struct lpae *d = to_lpae(pgt);
	phys_addr_t table = d->iop.base.root;
	unsigned int nr = 0;
	unsigned long gen = 0;
	u64 *t;

	if (w)
		memset(w, 0, sizeof(*w));
	if (iova >> d->iop.base.ias)
		return -ENOENT;
	if (!w && (t = leaf_cached(d, iova))) {
		/* A table at the last level has nothing but pages. */
		u64 pte = pgtable_pte_load(&t[lvl_index(d, iova, LPAE_LAST_LEVEL)]);

		if (!pte_is_leaf(pte, LPAE_LAST_LEVEL))
			return -ENOENT;
		*phys = pte_addr(pte) | (iova & ((1UL << LPAE_GRANULE_SHIFT) - 1));
		if (prot)
			*prot = pte_to_prot(pte);
		return 0;
	}
	if (!w)
		gen = atomic_load_explicit(&d->retire_gen, memory_order_acquire);
	for (unsigned int lvl = d->start_level; lvl < LPAE_MAX_LEVELS; lvl++, nr++) {
		unsigned int idx = lvl_index(d, iova, lvl);
		u64 pte = pgtable_pte_load(&table_ptr(d, table)[idx]);

		if (!w && lvl == LPAE_LAST_LEVEL)
			leaf_fill(d, iova, table_ptr(d, table), gen); /* if it is not the root */

		pgtable_walk_level(w, nr, table, idx, pte, lvl_shift(lvl));
		if (pte_is_table(pte, lvl)) {
			table = pte_addr(pte);
			continue;
		}
		if (!pte_is_leaf(pte, lvl))
			return -ENOENT;
		*phys = pte_addr(pte) | (iova & (((u64)1 << lvl_shift(lvl)) - 1));
		if (prot)
			*prot = pte_to_prot(pte);
		pgtable_walk_leaf(w, *phys, (size_t)1 << lvl_shift(lvl), pte_to_prot(pte));
		return 0;
	}
	return -ENOENT;
}

PGTABLE_LOOKUP_OPS(lpae, lpae_lookup)

static int lpae_describe(const struct dmasim_pgtable *pgt, unsigned int shift, u64 pte, char *buf,
			 size_t len)
{
	unsigned int lvl = LPAE_LAST_LEVEL - (shift - LPAE_GRANULE_SHIFT) / LPAE_BITS_PER_LEVEL;
	const char *type;

	(void)pgt;
	if (!(pte & PTE_VALID))
		return snprintf(buf, len, "invalid (bit 0 clear): the walk stops, a fault");
	if (pte_is_table(pte, lvl))
		return snprintf(buf, len, "table -> next-level table at 0x%llx (bits[1:0]=0b11)",
				(unsigned long long)pte_addr(pte));
	if (!pte_is_leaf(pte, lvl))
		return snprintf(buf, len, "reserved type 0b%llu%llu: a fault", (unsigned long long)((pte >> 1) & 1),
				(unsigned long long)(pte & 1));
	type = lvl == LPAE_LAST_LEVEL ? "page" : "block";
	return snprintf(buf, len, "%s -> 0x%llx (%s of %llu KiB)%s%s %s %s %s%s", type,
			(unsigned long long)pte_addr(pte), type, (1ULL << shift) >> 10,
			pte & PTE_AF ? " AF" : "", (pte & PTE_SH_IS) == PTE_SH_IS ? " SH=inner" : "",
			pte & PTE_SW_NOREAD ? "no-read" : "R", pte & PTE_AP_RDONLY ? "read-only" : "W",
			pte & PTE_AP_UNPRIV ? "unpriv" : "priv-only", pte & PTE_NG ? " nG" : "");
}

extern const struct dmasim_pgtable_ops dmasim__pgtable_arm_lpae_4k;
const struct dmasim_pgtable_ops dmasim__pgtable_arm_lpae_4k = {
	.base = {
		.abi = DMASIM_BACKEND_ABI,
		.kind = DMASIM_BACKEND_PGTABLE,
		.name = "arm-lpae-4k",
		.caps = 0,
		.help = "ARM LPAE stage 1, 4 KiB granule: 4 levels, 48-bit IOVA, 4K pages, 2M/1G blocks",
	},
	.alloc = lpae_alloc,
	.free = lpae_free,
	.map_pages = lpae_map_pages,
	.unmap_pages = lpae_unmap_pages,
	.iova_to_phys = lpae_iova_to_phys,
	.walk = lpae_walk,
	.describe = lpae_describe,
};
