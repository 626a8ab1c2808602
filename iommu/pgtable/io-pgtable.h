/*
 * iommu/pgtable/io-pgtable.h - what the page-table formats share, as the
 * kernel's io-pgtable.h: the part of an instance every format has (struct
 * io_pgtable: the config's callbacks, RAM windows, flush callbacks, a pool
 * of spare tables), table memory, argument checks, atomic entries, the walk
 * record and the two lookup ops.  A format includes <dmasim/backend.h>, this
 * header and the C library only; io-pgtable.c holds the out-of-line part.
 */
#ifndef DMASIM_IO_PGTABLE_H
#define DMASIM_IO_PGTABLE_H

#include <pthread.h>
#include <stdint.h>

#include <dmasim/backend.h>

/* ---- RAM windows ----------------------------------------------------------------- */

/*
 * Host windows on the RAM regions that hold a table's pages, so that a
 * table's physical address becomes a host pointer with a compare instead of
 * a call to the config's ram() per level of a walk.  Filled from the config's
 * optional ram_region(); without it every lookup goes through ram().
 */
/* Table memory comes from one or two RAM regions (below and above 4 GiB). */
#define RAM_WINDOWS_MAX 4

struct ram_windows {
	struct ram_window {
		phys_addr_t base;
		u64 size;
		unsigned char *host;
	} win[RAM_WINDOWS_MAX];
	unsigned int n;                 /* published last (release), read with acquire */
	pthread_mutex_t lock;           /* adders */
	dmasim_ram_fn ram;
	unsigned char *(*region)(void *cookie, phys_addr_t phys, phys_addr_t *base, u64 *size);
	void *cookie;
};

static inline void ram_windows_init(struct ram_windows *w, const struct dmasim_pgtable_config *cfg)
{
	w->n = 0;
	w->ram = cfg->ram;
	w->region = cfg->ram_region;
	w->cookie = cfg->cookie;
	pthread_mutex_init(&w->lock, NULL);
}

static inline void ram_windows_destroy(struct ram_windows *w)
{
	pthread_mutex_destroy(&w->lock);
}

static inline int ram_windows_find(const struct ram_window *win, unsigned int n, phys_addr_t phys)
{
	for (unsigned int i = 0; i < n; i++)
		if (phys - win[i].base < win[i].size)
			return (int)i;
	return -1;
}

/* Host address of @phys, a table's address (a table never straddles two regions). */
static inline unsigned char *ram_windows_ptr(const struct ram_windows *w, phys_addr_t phys)
{
	unsigned int n = __atomic_load_n(&w->n, __ATOMIC_ACQUIRE);
	int i = ram_windows_find(w->win, n, phys);

	return i >= 0 ? w->win[i].host + (phys - w->win[i].base) : w->ram(w->cookie, phys);
}

/* Open a window on the region of a table about to be linked, if it has none yet. */
static inline void ram_windows_add(struct ram_windows *w, phys_addr_t phys)
{
	unsigned int n = __atomic_load_n(&w->n, __ATOMIC_ACQUIRE);
	phys_addr_t base;
	unsigned char *host;
	u64 size;

	if (ram_windows_find(w->win, n, phys) >= 0 || !w->region || n == RAM_WINDOWS_MAX)
		return; /* known, or tables there go through ram() */
	host = w->region(w->cookie, phys, &base, &size);
	if (!host)
		return;
	pthread_mutex_lock(&w->lock);
	n = w->n;
	if (ram_windows_find(w->win, n, phys) < 0 && n < RAM_WINDOWS_MAX) {
		w->win[n] = (struct ram_window){ .base = base, .size = size, .host = host };
		__atomic_store_n(&w->n, n + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&w->lock);
}

/* ---- flush callbacks ------------------------------------------------------------- */

/* The config's flush callbacks and their cookie; no callbacks: nothing to tell. */
struct pgtable_tlb {
	const struct dmasim_pgtable_flush_ops *ops;
	void (*add_page)(unsigned long iova, size_t granule, void *cookie); /* may be NULL */
	void *cookie;
};

static inline void pgtable_tlb_init(struct pgtable_tlb *t, const struct dmasim_pgtable_config *cfg)
{
	t->ops = cfg->tlb;
	t->add_page = cfg->tlb ? cfg->tlb->tlb_add_page : NULL;
	t->cookie = cfg->tlb_cookie;
}

static inline void pgtable_tlb_flush_all(const struct pgtable_tlb *t)
{
	if (t->ops)
		t->ops->tlb_flush_all(t->cookie);
}

static inline void pgtable_tlb_flush_walk(const struct pgtable_tlb *t, unsigned long iova,
					  size_t size, size_t granule)
{
	if (t->ops)
		t->ops->tlb_flush_walk(iova, size, granule, t->cookie);
}

static inline void pgtable_tlb_add_page(const struct pgtable_tlb *t, unsigned long iova,
					size_t granule)
{
	if (t->add_page)
		t->add_page(iova, granule, t->cookie);
}

/* Each leaf of @granule cleared in [@iova, @iova + @size): after a run, not in its loop. */
static inline void pgtable_tlb_add_pages(const struct pgtable_tlb *t, unsigned long iova,
					 size_t size, size_t granule)
{
	if (!t->add_page || !size)
		return;
	do
		t->add_page(iova, granule, t->cookie);
	while (iova += granule, size -= granule);
}

/* ---- the common instance --------------------------------------------------------- */

/*
 * What every format's instance holds (embed it, as the kernel's formats
 * embed struct io_pgtable).  Tables displaced by a block go to the spare
 * pool rather than back to the core: like tables emptied by unmap they stay
 * page-table pages of this domain until free(), so a stale walk can never
 * land in a driver's data.
 */
struct io_pgtable {
	struct dmasim_pgtable base;
	int (*alloc_table)(void *cookie, size_t size, phys_addr_t *phys);
	void (*free_table)(void *cookie, phys_addr_t phys, size_t size);
	void *cookie;
	struct ram_windows win;  /* a window is opened before the table it covers is linked */
	struct pgtable_tlb tlb;  /* what to tell the IOMMU when entries go */
	size_t pool_size;        /* the size of the tables in the spare pool */
	pthread_mutex_t spare_lock;
	phys_addr_t *spare;
	size_t nr_spare, max_spare;
};

/*
 * Check a config before the instance exists: the callbacks a format needs,
 * no options, and @ias/@oas narrowed to at most @max_ias/@max_oas and at
 * least @min_bits.  Return: whether the format can take it.
 */
bool dmasim__iopt_narrow(const struct dmasim_pgtable_config *cfg, unsigned int max_ias,
			 unsigned int max_oas, unsigned int min_bits, unsigned int *ias,
			 unsigned int *oas);
/* Set up @iop from @cfg (after dmasim__iopt_narrow()); its pool holds tables of @pool_size. */
void dmasim__iopt_init(struct io_pgtable *iop, const struct dmasim_pgtable_config *cfg,
		       unsigned int ias, unsigned int oas, size_t pool_size);
/* Free the pool and what init set up; the format frees its tree first. */
void dmasim__iopt_destroy(struct io_pgtable *iop);
/*
 * A zeroed table of @size from the core, one an entry of base.oas bits can
 * point at (aligned to its size, below 1 << oas), its region's window open.
 * Return: 0 and *@phys, or -ENOMEM.
 */
int dmasim__iopt_table_alloc(struct io_pgtable *iop, size_t size, phys_addr_t *phys);
/* A zeroed table of pool_size: a spare one if any, else from the core. */
int dmasim__iopt_table_get(struct io_pgtable *iop, phys_addr_t *phys);
/* Keep a table of pool_size that is no longer linked; on allocation failure give it back. */
void dmasim__iopt_table_put(struct io_pgtable *iop, phys_addr_t phys);

/* Host view of a whole table: the core guarantees one table sits in one region. */
static inline void *pgtable_table_ptr(const struct io_pgtable *iop, phys_addr_t table)
{
	return ram_windows_ptr(&iop->win, table);
}

/* ---- arguments --------------------------------------------------------------------- */

/* Whether [addr, addr + size) lies below 1 << @bits (no wrap). */
static inline bool pgtable_range_fits(u64 addr, u64 size, unsigned int bits)
{
	u64 limit = 1ULL << bits;

	return size && addr < limit && size <= limit - addr;
}

/* The checks map_pages() makes of every request, @pgsize being a size it maps. */
static inline bool pgtable_map_args_ok(const struct dmasim_pgtable *pgt, unsigned long iova,
				       phys_addr_t paddr, size_t pgsize, size_t pgcount, int prot)
{
	return pgcount && pgcount <= SIZE_MAX / pgsize && IS_ALIGNED(iova, pgsize) &&
	       IS_ALIGNED(paddr, pgsize) && pgtable_range_fits(iova, pgsize * pgcount, pgt->ias) &&
	       pgtable_range_fits(paddr, pgsize * pgcount, pgt->oas) &&
	       (prot & (DMASIM_PROT_READ | DMASIM_PROT_WRITE));
}

/* The checks unmap_pages() makes of every request, @pgsize being a size it maps. */
static inline bool pgtable_unmap_args_ok(const struct dmasim_pgtable *pgt, unsigned long iova,
					 size_t pgsize, size_t pgcount)
{
	return pgcount && pgcount <= SIZE_MAX / pgsize && IS_ALIGNED(iova, pgsize) &&
	       pgtable_range_fits(iova, pgsize * pgcount, pgt->ias);
}

/* ---- entries ------------------------------------------------------------------------- */

/*
 * Entries are read and written with atomics: ops on disjoint ranges run
 * concurrently and may meet on a shared intermediate entry.  Acquire on
 * load pairs with the release that published a new table's zeroed contents.
 * Type-generic: a format's entries are u32 or u64.
 */
#define pgtable_pte_load(ptep) __atomic_load_n((ptep), __ATOMIC_ACQUIRE)
#define pgtable_pte_store(ptep, pte) __atomic_store_n((ptep), (pte), __ATOMIC_RELEASE)
#define pgtable_pte_cas(ptep, oldp, pte)                                               \
	__atomic_compare_exchange_n((ptep), (oldp), (pte), false, __ATOMIC_ACQ_REL,     \
				    __ATOMIC_ACQUIRE)

/* ---- the walk record and the lookup ops -------------------------------------------- */

/* Record level @nr of a walk in @w (if not NULL): the table read, the index, the entry. */
static inline void pgtable_walk_level(struct dmasim_pgtable_walk *w, unsigned int nr,
				      phys_addr_t table, unsigned int idx, u64 entry,
				      unsigned int shift)
{
	if (!w)
		return;
	w->level[nr].table = table;
	w->level[nr].index = idx;
	w->level[nr].entry = entry;
	w->level[nr].shift = shift;
	w->nr_levels = nr + 1;
}

/* Record the leaf a walk found in @w (if not NULL). */
static inline void pgtable_walk_leaf(struct dmasim_pgtable_walk *w, phys_addr_t phys,
				     size_t pgsize, int prot)
{
	if (!w)
		return;
	w->mapped = true;
	w->phys = phys;
	w->pgsize = pgsize;
	w->prot = prot;
}

/*
 * iova_to_phys() and walk() over one lookup
 * int LOOKUP(struct dmasim_pgtable *, unsigned long iova, struct dmasim_pgtable_walk *w,
 *            phys_addr_t *phys, int *prot), @w and @prot possibly NULL.
 */
#define PGTABLE_LOOKUP_OPS(prefix, lookup)                                                  \
	static int prefix##_iova_to_phys(struct dmasim_pgtable *pgt, unsigned long iova,   \
					 phys_addr_t *phys, int *prot)                        \
	{                                                                                    \
		return lookup(pgt, iova, NULL, phys, prot);                                  \
	}                                                                                    \
	static int prefix##_walk(struct dmasim_pgtable *pgt, unsigned long iova,           \
				 struct dmasim_pgtable_walk *w)                               \
	{                                                                                    \
		phys_addr_t phys;                                                            \
                                                                                             \
		return lookup(pgt, iova, w, &phys, NULL);                                    \
	}

#endif /* DMASIM_IO_PGTABLE_H */
