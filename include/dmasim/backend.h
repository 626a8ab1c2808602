/*
 * dmasim/backend.h - pluggable backends: registration and the contracts.
 *
 * Three kinds of backend decide how the simulated machine behaves: the CPU
 * cache model, the IOVA allocator and the IO page-table format.  Each backend is a const, versioned descriptor:
 *
 *   - `base.abi` first: DMASIM_BACKEND_ABI of the header it was built with;
 *     methods are only ever appended, so an older backend keeps working.
 *   - `base.name`: the name the spec selects it by (cache=NAME).
 *   - `alloc`/`free`: make and destroy one instance per platform; the
 *     instance embeds a generic struct, and the backend gets back to its own
 *     state with container_of().
 *   - per-instance ops, called on the hot path without re-checking: the core
 *     checks the descriptor (abi, name, paired hooks) once, at registration.
 *
 * A backend never calls the DMA API layer; the DMA API layer never names a
 * backend.  Built-ins are registered from a static table; a program can add
 * its own with dmasim_backend_register() before creating a platform.
 */
#ifndef DMASIM_BACKEND_H
#define DMASIM_BACKEND_H

#include <dmasim/ktypes.h>
#include <dmasim/compat/linux/dma-direction.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DMASIM_BACKEND_ABI 5

/** enum dmasim_backend_kind - which decision a backend makes. */
enum dmasim_backend_kind {
	DMASIM_BACKEND_CACHE = 0,
	DMASIM_BACKEND_IOVA = 1,
	DMASIM_BACKEND_PGTABLE = 2,
	DMASIM_BACKEND_NR_KINDS
};

/**
 * struct dmasim_backend - the header every descriptor starts with.
 * @abi: DMASIM_BACKEND_ABI at build time.
 * @kind: enum dmasim_backend_kind.
 * @name: unique within the kind; [a-z0-9_-]+.
 * @caps: kind-specific capability bits.
 * @help: one line for --list-backends.
 */
struct dmasim_backend {
	unsigned int abi;
	unsigned int kind;
	const char *name;
	unsigned int caps;
	const char *help;
};

/**
 * dmasim_backend_register() - add a backend (copied by pointer; keep it alive).
 * Return: 0, -EINVAL for a malformed descriptor (message says what),
 * -EEXIST for a name already registered in its kind.
 */
DMASIM_API int dmasim_backend_register(const struct dmasim_backend *b);
/**
 * dmasim_backend_find() - look a backend up.
 * @name: NULL or "" gives the kind's default.
 * Return: the descriptor, or NULL.
 */
DMASIM_API const struct dmasim_backend *dmasim_backend_find(unsigned int kind, const char *name);
/**
 * dmasim_backend_list() - the names of one kind, comma-separated, into @buf.
 * Return: the length it needed (as snprintf).
 */
DMASIM_API int dmasim_backend_list(unsigned int kind, char *buf, size_t len);

/* --- cache model ------------------------------------------------------- */

/* Cache-model caps: devices on this model are coherent unless created with coherent=0. */
#define DMASIM_CACHE_CAP_COHERENT 0x1u

struct device;

/**
 * dmasim_ram_fn - how a backend reaches simulated RAM as devices see it.
 * @cookie: the value passed with it.
 * @phys: a physical address inside RAM.
 *
 * Return: the host address of @phys.  A range the core hands to a backend
 * lies inside one RAM region, and a region is contiguous on the host, so the
 * whole range is reachable from the returned pointer.
 */
typedef unsigned char *(*dmasim_ram_fn)(void *cookie, phys_addr_t phys);

/**
 * struct dmasim_cache - one cache-model instance (embedded in the backend's
 * own state).
 * @ops: the descriptor it was made from (set by the core after alloc()).
 * @line: cache line size in bytes (power of two).
 * @ram: RAM access, copied from the config.
 * @ram_cookie: its cookie.
 * @cpu: the CPU view's access, copied from the config.
 * @track_mappings: ABI 4 only (read only when @ops->base.abi == 4): set by
 *                  alloc() when the model wants unmapped() for every mapping
 *                  that ends.  From ABI 5 a cache model knows lines, not
 *                  mappings, and the field is ignored (see unmapped below).
 */
struct dmasim_cache {
	const struct dmasim_cache_ops *ops;
	unsigned int line;
	dmasim_ram_fn ram;
	void *ram_cookie;
	dmasim_ram_fn cpu;
	bool track_mappings;
};

/**
 * struct dmasim_cache_config - what the platform passes to alloc().
 * @line: line size from "line=N" in the spec value (0 = backend default); a
 *        power of two from 16 to 4096, checked by the core.
 * @options: the other ':'-separated words after "NAME:" ("" if none).
 * @seed: the platform's seed.
 * @ram: RAM access for the backend (see dmasim_ram_fn).
 * @ram_cookie: passed back to @ram and @cpu.
 * @debug: whether the platform reports misuse (debug=on).
 * @report: report a misuse seen by the model about the buffer at @phys
 *          (counted like every DMA-API report); @cookie is @ram_cookie.
 *          The built-in models report nothing: who owns a mapping's lines,
 *          and the misuse that follows, is DMA-API debugging's.
 * @cpu: the CPU's view of the same address.  For a model without
 *       DMASIM_CACHE_CAP_COHERENT it is a separate copy of RAM that the
 *       linear map and every CPU alias show; the model moves bytes between
 *       the two views (clean: CPU view to RAM; invalidate: RAM to CPU view).
 *       For a coherent model it is the same memory as @ram.
 */
struct dmasim_cache_config {
	unsigned int line;
	const char *options;
	unsigned long seed;
	dmasim_ram_fn ram;
	void *ram_cookie;
	dmasim_ram_fn cpu;
	/* Appended in ABI 1: the platform's debug setting, and a way to report misuse. */
	bool debug;
	void (*report)(void *cookie, struct device *dev, phys_addr_t phys, const char *msg);
};

/**
 * struct dmasim_cache_ops - a cache-model backend.
 *
 * Contract: every hook gets a physical range [@phys, @phys + @size) inside
 * RAM and the device it is for.  for_device: the CPU hands the range to the
 * device (map, sync_for_device): make CPU writes visible in RAM as @dir
 * requires.  for_cpu: the device hands it back (unmap, sync_for_cpu): make
 * device writes visible to the CPU.  Both are only called for devices that
 * are not coherent and never with DMA_NONE.  A mapping made or ended with
 * DMA_ATTR_SKIP_CPU_SYNC gets no for_device or for_cpu call there; a range
 * sync passes only its range.
 *
 * The hooks are the kernel's arch_sync_dma_for_device/_for_cpu points;
 * arch_dma_prep_coherent() (memory about to be used through an uncached
 * alias) is a for_device then a for_cpu of DMA_BIDIRECTIONAL.  A model may
 * write a line back to RAM on its own (evict) only if the CPU dirtied it
 * after its last maintenance: then no correct driver loses a device's
 * write, however its mappings end.
 *
 * unmapped (ABI 4 only: appended in ABI 4, read only from a descriptor
 * whose base.abi is 4 and called only if its instance set
 * @track_mappings): @dev's mapping of [@phys, @phys + @size) ended — an
 * unmap, synced or not, or the free of dma_alloc_pages() memory.  Whatever
 * the device still owned there is the CPU's again; nothing moves.  ABI 5
 * dropped it from the contract (the field stays, so that ABI 4 descriptors
 * keep their layout): a cache knows lines, not mappings, and the tracking
 * of who owns a mapping moved to DMA-API debugging.  A model built for
 * ABI 4 still loads and still gets these calls.
 */
struct dmasim_cache_ops {
	struct dmasim_backend base;
	struct dmasim_cache *(*alloc)(const struct dmasim_cache_config *cfg);
	void (*free)(struct dmasim_cache *c);
	void (*sync_for_device)(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
				size_t size, enum dma_data_direction dir);
	void (*sync_for_cpu)(struct dmasim_cache *c, struct device *dev, phys_addr_t phys,
			     size_t size, enum dma_data_direction dir);
	void (*unmapped)(struct dmasim_cache *c, struct device *dev, phys_addr_t phys, size_t size);
};


/* --- IOVA allocator ------------------------------------------------------ */

/**
 * struct dmasim_iova_config - what an IOMMU domain passes to an IOVA allocator.
 * @granule: the domain's smallest page size (power of two, 4 KiB or more);
 *           every address and size the allocator sees is a multiple of it.
 * @start: lowest IOVA it may hand out (>= @granule: IOVA 0 is never given).
 * @end: highest IOVA byte it may hand out (the aperture's end).
 * @options: the ':'-separated words after "NAME:" in "iova=NAME:..." ("" if none).
 * @seed: the platform's seed.
 */
struct dmasim_iova_config {
	unsigned long granule;
	dma_addr_t start;
	dma_addr_t end;
	const char *options;
	unsigned long seed;
};

/**
 * struct dmasim_iova - one allocator instance, embedded in the backend's state.
 * @ops: the descriptor (set by the core after alloc()).
 * @granule, @start, @end: copied from the config.
 */
struct dmasim_iova {
	const struct dmasim_iova_ops *ops;
	unsigned long granule;
	dma_addr_t start;
	dma_addr_t end;
};

/**
 * struct dmasim_iova_stats - occupancy, for tools that draw the IOVA space.
 * @allocated: bytes handed out and not freed (reservations excluded; a
 *             backend that rounds sizes up counts what it set aside).
 * @reserved: bytes reserved.
 * @free: bytes neither allocated nor reserved in [start, end].
 * @largest_free: the largest run of free bytes.
 * @nr_ranges: number of allocated ranges.
 * @cached: bytes held in per-thread caches or depots (counted as allocated
 *          by nobody, free for nobody else: the price of the caches).
 */
struct dmasim_iova_stats {
	u64 allocated;
	u64 reserved;
	u64 free;
	u64 largest_free;
	u64 nr_ranges;
	u64 cached;
};

/**
 * struct dmasim_iova_ops - an IOVA allocator backend.
 *
 * Contract: sizes and addresses are multiples of the granule; an allocation
 * lies in [start, min(limit, end)] at a multiple of the alignment it was
 * asked for (alloc_aligned(), ABI 3); nothing overlaps a live allocation or
 * a reservation.  The allocator decides no alignment of its own: how an
 * IOVA is aligned is the caller's policy (the DMA layer asks for the size
 * rounded up to a power of two, as the kernel's dma-iommu.c does).  Every
 * op is thread-safe.  Errors: -ENOMEM (no room below the limit), -EINVAL
 * (bad arguments, or a free of a range that is not allocated exactly),
 * -EBUSY (a reservation over a live allocation).
 *
 * Versions: a descriptor with base.abi >= 3 must have alloc_aligned (its
 * alloc_range may be NULL: the core does not call it).  One built for ABI 1
 * or 2 still registers and works; the core then allocates through its
 * alloc_range() with @size_aligned set whenever an alignment is asked, so it
 * aligns what that contract promised (a power-of-two size, to itself) and
 * nothing more (docs/backends.md).
 */
/**
 * struct dmasim_iova_range - a range for dmasim_iova_ops.free_ranges().
 * @addr: start, as free_range()'s @addr.
 * @size: size, as free_range()'s @size.
 */
struct dmasim_iova_range {
	dma_addr_t addr;
	size_t size;
};

struct dmasim_iova_ops {
	struct dmasim_backend base;
	struct dmasim_iova *(*alloc)(const struct dmasim_iova_config *cfg);
	/* No thread may still be using the instance (per-thread caches go with it). */
	void (*free)(struct dmasim_iova *iova);
	/*
	 * Before ABI 3 (superseded by alloc_aligned; optional from ABI 3):
	 * allocate @size bytes, a power-of-two size aligned to itself when
	 * @size_aligned.
	 */
	int (*alloc_range)(struct dmasim_iova *iova, size_t size, dma_addr_t limit,
			   bool size_aligned, dma_addr_t *addr);
	int (*free_range)(struct dmasim_iova *iova, dma_addr_t addr, size_t size);
	/* A range partly outside [start, end] is clipped to it; overlapping or touching reservations merge. */
	int (*reserve)(struct dmasim_iova *iova, dma_addr_t addr, size_t size);
	void (*stats)(struct dmasim_iova *iova, struct dmasim_iova_stats *st);
	/*
	 * Optional: call @fn for every allocated or reserved range, in address
	 * order.  @fn runs without the allocator's lock and may call back into it;
	 * an allocation is reported with the size it was asked for; a non-zero
	 * return from @fn stops the walk and is returned.
	 */
	int (*for_each)(struct dmasim_iova *iova,
			int (*fn)(void *ctx, dma_addr_t addr, size_t size, bool reserved),
			void *ctx);
	/* Optional: largest size served from per-thread caches (0 = none). */
	size_t (*cache_range)(struct dmasim_iova *iova);
	/* Optional: return per-thread caches to the shared state. */
	void (*flush_caches)(struct dmasim_iova *iova);
	/*
	 * Optional, appended in ABI 2 (read only from descriptors with
	 * base.abi >= 2): free @n ranges, exactly as @n calls of free_range()
	 * in order would; @ret, if not NULL, receives each call's result.  The
	 * core uses it to flush a lazy flush queue, so that what a free costs
	 * per call (taking locks) is paid once per batch.
	 */
	void (*free_ranges)(struct dmasim_iova *iova, const struct dmasim_iova_range *r,
			    unsigned int n, int *ret);
	/*
	 * Appended in ABI 3, required from it (read only from descriptors with
	 * base.abi >= 3): allocate @size bytes at a multiple of @align in
	 * [start, min(@limit, end)] and return the start in *@addr.  @align is
	 * a power of two in bytes; up to the granule it asks for nothing more
	 * than granule alignment.  The alignment is of the address itself, not
	 * of an offset from start.  Return: 0, -ENOMEM (no aligned room below
	 * the limit), -EINVAL (@size zero or not a granule multiple, @align not
	 * a power of two, @addr NULL).  A range is freed with free_range() with
	 * the same @size, whatever its alignment.
	 */
	int (*alloc_aligned)(struct dmasim_iova *iova, size_t size, size_t align, dma_addr_t limit,
			     dma_addr_t *addr);
};

/* --- IO page-table format --------------------------------------------- */

/* Device permissions of a mapping (IOMMU_READ/IOMMU_WRITE in <dmasim/iommu.h>). */
#define DMASIM_PROT_READ 0x1
#define DMASIM_PROT_WRITE 0x2
#define DMASIM_PROT_PRIV 0x20

struct dmasim_pgtable_flush_ops;

/**
 * struct dmasim_pgtable_config - what a domain passes to a format.
 * @pgsize_bitmap: page sizes the domain wants (0 = all the format has);
 *                 the format narrows it to what it supports.
 * @ias: input (IOVA) address bits wanted (0 = the format's maximum);
 *       narrowed by the format.
 * @oas: output (physical) address bits.
 * @alloc_table: allocate one zeroed table of @size bytes (a power of two,
 *               up to 64 KiB) in simulated physical memory, aligned to
 *               @size.  Return 0 and *@phys, or -ENOMEM.
 * @free_table: give it back.
 * @ram: reach table memory (RAM as the IOMMU's walker sees it).
 * @cookie: passed to the callbacks.
 * @options: the words after "FORMAT:" in "iommu=FORMAT:..." ("" if none).
 * @ram_region: optional (NULL-check it; appended after ABI 1): the whole RAM
 *              region holding @phys, as *@base, *@size and the host address
 *              of *@base (returned; NULL if @phys is not RAM).  Regions never
 *              move or go away while the table lives, so a format may keep
 *              the windows and translate table addresses without a call per
 *              level of a walk.
 * @tlb: appended in ABI 3, read only by formats whose base.abi is 3 or more;
 *       may be NULL (nothing caches translations, e.g. a test): how to tell
 *       the IOMMU which cached translations an op made stale (below).
 * @tlb_cookie: passed to the @tlb callbacks (appended in ABI 3).
 */
struct dmasim_pgtable_config {
	unsigned long pgsize_bitmap;
	unsigned int ias;
	unsigned int oas;
	int (*alloc_table)(void *cookie, size_t size, phys_addr_t *phys);
	void (*free_table)(void *cookie, phys_addr_t phys, size_t size);
	dmasim_ram_fn ram;
	void *cookie;
	const char *options;
	unsigned char *(*ram_region)(void *cookie, phys_addr_t phys, phys_addr_t *base, u64 *size);
	/* Appended in ABI 3. */
	const struct dmasim_pgtable_flush_ops *tlb;
	void *tlb_cookie;
};

/**
 * struct dmasim_pgtable_flush_ops - how a format invalidates (ABI 3), as the
 * kernel's io_pgtable_cfg.tlb (struct iommu_flush_ops).
 *
 * The IOMMU caches translations (its IOTLB) until told they changed.  A format
 * of ABI 3 or later calls these, with the config's @tlb_cookie, whenever it
 * removes or replaces an entry; the IOMMU decides when to invalidate (at once
 * in strict mode, at the next flush of its queue in lazy mode).  For a format
 * of an older ABI the core invalidates what unmap_pages() reports unmapped,
 * and the whole table at free(), itself.  Callbacks may run concurrently
 * (from ops on disjoint ranges) and never call back into the format.
 *
 * @tlb_flush_all: every translation of the table is stale (free() calls it
 *                 before the tables go).
 * @tlb_flush_walk: the tables under [@iova, @iova + @size) changed: a block
 *                  of @size replaced a table, whose leaves (of @granule) a
 *                  walk may still hold.  Invalidated at once.
 * @tlb_add_page: the leaf of @granule bytes at @iova was cleared (called by
 *                unmap_pages(), once per leaf, a block being one leaf).  The
 *                core gathers the leaves of one unmap_pages() call and
 *                invalidates them together when it returns, as the kernel's
 *                struct iommu_iotlb_gather.  May be NULL (check it): the
 *                IOMMU needs no report per leaf, e.g. for a lazy domain,
 *                whose flush queue flushes the whole IOTLB.
 */
struct dmasim_pgtable_flush_ops {
	void (*tlb_flush_all)(void *cookie);
	void (*tlb_flush_walk)(unsigned long iova, size_t size, size_t granule, void *cookie);
	void (*tlb_add_page)(unsigned long iova, size_t granule, void *cookie);
};

/**
 * struct dmasim_pgtable - one page table (one per domain).
 * @ops: the descriptor (set by the core after alloc()).
 * @pgsize_bitmap: the page sizes it maps (after narrowing).
 * @ias: input address bits (IOVAs are below 1 << ias).
 * @oas: output address bits.
 * @root: physical address of the top-level table (what the hardware's
 *        translation base register would hold).
 * @levels: number of levels a walk goes through.
 */
struct dmasim_pgtable {
	const struct dmasim_pgtable_ops *ops;
	unsigned long pgsize_bitmap;
	unsigned int ias;
	unsigned int oas;
	phys_addr_t root;
	unsigned int levels;
};

#define DMASIM_PGTABLE_MAX_LEVELS 6

/**
 * struct dmasim_pgtable_walk - a translation step by step, for teaching and
 * tools: every level's table address, index and raw entry.
 */
struct dmasim_pgtable_walk {
	unsigned int nr_levels;          /* levels actually visited */
	struct {
		phys_addr_t table;       /* physical address of the table read */
		unsigned int index;      /* entry index used */
		u64 entry;               /* the raw entry read from RAM */
		unsigned int shift;      /* IOVA bits below this level's index */
	} level[DMASIM_PGTABLE_MAX_LEVELS];
	bool mapped;                     /* a valid leaf was found */
	phys_addr_t phys;                /* the translation (if mapped) */
	size_t pgsize;                   /* size of the leaf (page or block) */
	int prot;                        /* DMASIM_PROT_* of the leaf */
};

/**
 * struct dmasim_pgtable_ops - an IO page-table format.
 *
 * Contract: @iova, @paddr and @pgsize * @pgcount are aligned to @pgsize,
 * which is one of pgsize_bitmap's sizes (the core splits requests);
 * entries are real bytes in simulated RAM (reached through the config's
 * ram callback), so a walk reads physical memory.  Ops on disjoint ranges
 * may run concurrently; the core serialises ops on one table otherwise.
 */
struct dmasim_pgtable_ops {
	struct dmasim_backend base;
	struct dmasim_pgtable *(*alloc)(const struct dmasim_pgtable_config *cfg);
	void (*free)(struct dmasim_pgtable *pgt);
	/*
	 * Map @pgcount pages of @pgsize.  *@mapped receives the bytes mapped,
	 * also on failure (partial progress).  Return: 0; -EEXIST if something is
	 * mapped there already (nothing after it is mapped); -EINVAL for bad
	 * alignment, size or range; -ENOMEM when a table cannot be allocated.
	 */
	int (*map_pages)(struct dmasim_pgtable *pgt, unsigned long iova, phys_addr_t paddr,
			 size_t pgsize, size_t pgcount, int prot, size_t *mapped);
	/*
	 * Unmap @pgcount pages of @pgsize.  Return: bytes unmapped, stopping at
	 * the first hole or at a larger block that the range only partly covers
	 * (blocks are not split).
	 */
	size_t (*unmap_pages)(struct dmasim_pgtable *pgt, unsigned long iova, size_t pgsize,
			      size_t pgcount);
	/* Return: 0 and *@phys (and *@prot if not NULL), or -ENOENT if unmapped. */
	int (*iova_to_phys)(struct dmasim_pgtable *pgt, unsigned long iova, phys_addr_t *phys,
			    int *prot);
	/* Fill *@w for @iova.  Return: 0 if mapped, -ENOENT if not (w still filled). */
	int (*walk)(struct dmasim_pgtable *pgt, unsigned long iova, struct dmasim_pgtable_walk *w);
	/*
	 * Optional, appended in ABI 5 (read only from descriptors with
	 * base.abi >= 5): say in words what the raw @entry of a walk step whose
	 * index starts at IOVA bit @shift (struct dmasim_pgtable_walk's
	 * level[].shift) means: invalid, table (and where), block or page (and
	 * the output address), then its permission and attribute bits, e.g.
	 * "page -> 0x80001000 AF SH=inner R W unpriv".  Writes at most @len
	 * bytes with a NUL; returns what snprintf() would.  For tools.
	 */
	int (*describe)(const struct dmasim_pgtable *pgt, unsigned int shift, u64 entry, char *buf,
			size_t len);
};

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_BACKEND_H */
