/*
 * lib/internal.h - the contract between dmasim's modules.
 *
 * Layering (DESIGN.md, docs/concepts.md "The layers"):
 *   API layer (dma-mapping.c, dma-alloc.c, dmapool.c) checks arguments and
 *   makes one dispatch to the device's DMA ops (dma-direct.c or
 *   iommu/dma-iommu.c), which may bounce through swiotlb.c and call the
 *   cache model (cache.c) for non-coherent devices; then the trace hook and
 *   the DMA-API debugging hooks (debug/debug.h), which keep the per-mapping
 *   entries only with debug on.  The device side (dev-access.c) translates
 *   through the device's bus translation (struct dmasim_bus_ops: the direct
 *   window, or the IOMMU) and touches RAM directly.
 *
 * Preconditions every internal function may rely on:
 *   - struct dmasim_device pointers passed in were validated by dmasim__dev();
 *   - physical ranges passed to memory helpers lie inside one RAM region
 *     (dmasim__phys_range_ok() checked it);
 *   - p->mm_lock protects the buddy allocator, slabs and alias areas;
 *     d->lock protects a device's mapping records and devres list;
 *     the swiotlb has its own spinlock (its slot fields are also read
 *     without it, see dmasim__swiotlb_find_owned()).
 */
#ifndef DMASIM_INTERNAL_H
#define DMASIM_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/queue.h>
/* libbsd's RB_GENERATE_STATIC expands to __unused, which its cdefs.h leaves undefined on Linux. */
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
#include <sys/tree.h>

#include <dmasim/dmasim.h>

#define DMASIM_MAX_REGIONS 8
#define DMASIM_MAX_ORDER 14 /* buddy blocks up to 64 MiB (contiguous DMA allocations) */
#define DMASIM_MAX_PAGE_ORDER 10 /* what alloc_pages() accepts, as the kernel's MAX_PAGE_ORDER */

#define DMASIM_WARN_ON(p, cond)                                                       \
	((cond) ? (dmasim__log((p), DMASIM_LOG_ERR, "dmasim: internal error: %s at %s:%d", \
			       #cond, __FILE__, __LINE__),                             \
		   1)                                                                  \
		: 0)

/* ---- spec parsing (spec.c) -------------------------------------------- */

struct dmasim_kv {
	char *key;
	char *val;
};

struct dmasim_spec {
	struct dmasim_kv *kv;
	size_t n;
};

/* Split "a=b c=d" into pairs; later duplicates win in dmasim__spec_get(). */
int dmasim__spec_parse(struct dmasim_spec *s, const char *text, char *err, size_t errlen);
void dmasim__spec_free(struct dmasim_spec *s);
const char *dmasim__spec_get(const struct dmasim_spec *s, const char *key);
/* The first key not in @known (NULL-terminated), or NULL. */
const char *dmasim__spec_unknown(const struct dmasim_spec *s, const char *const *known);
int dmasim__parse_u64(const char *s, u64 *out);     /* decimal or 0x hex */
int dmasim__parse_size(const char *s, u64 *out);    /* with K/M/G/T suffix */
int dmasim__parse_bool(const char *s, bool *out);   /* 0/1/on/off/yes/no/true/false */
/* @size in the largest exact unit ("256M", "4K", "1500"); returns @buf. */
const char *dmasim__format_size(u64 size, char *buf, size_t len);

/*
 * One key of a spec, in a table (ended by a NULL key) that is the only list
 * of a spec's keys: parsing, the "unknown key" message, the normalised spec,
 * `dmasim --help` and the check of docs/spec.md all come from it.  The layer
 * that owns a key's meaning supplies its parser and formatter; the table only
 * routes the value to it.
 */
struct dmasim_spec_key {
	const char *key;
	const char *layer;  /* the layer that owns the value's meaning */
	const char *syntax; /* what a value looks like (Markdown: `code`) */
	const char *dflt;   /* in force without the key (Markdown) */
	const char *help;   /* what it configures, one sentence (Markdown) */
	/* Where the parsed value goes: @cfg + @offset is what parse() gets. */
	size_t offset;
	/*
	 * Check @val, the word in force for @key, and store it in @cfg; 0, or
	 * -EINVAL with @err (naming key=value).  One parser may serve all the
	 * keys of its layer.
	 */
	int (*parse)(void *cfg, const char *key, const char *val, char *err, size_t errlen);
	/*
	 * The value in force, from the object made (@obj) or from what was
	 * parsed (@cfg + @offset, NULL once creation is over); false: the key
	 * is left out of the normalised spec.  NULL: never shown.
	 */
	bool (*format)(const void *obj, const void *cfg, const char *key, FILE *out);
};

/*
 * Check @s against @keys (an unknown key: "unknown key 'K' (@what keys: ...)")
 * and hand each key given to its parser, in table order.  Return 0 or -errno with @err.
 */
int dmasim__spec_apply(const struct dmasim_spec *s, const struct dmasim_spec_key *keys,
		       const char *what, void *cfg, char *err, size_t errlen);
/*
 * The normalised words "key=value ..." of the keys of @layer (NULL: all) that
 * have a formatter and show; malloc()ed, NULL without memory.  @cfg as in
 * dmasim_spec_key.format.
 */
char *dmasim__spec_format(const struct dmasim_spec_key *keys, const char *layer,
			  const void *obj, const void *cfg);
/* The table as help text, one key per line (Markdown quoting dropped). */
void dmasim__spec_help(const struct dmasim_spec_key *keys, FILE *out);
/* The table's row of docs/spec.md: "| `key` | syntax | default | help |". */
void dmasim__spec_doc_row(const struct dmasim_spec_key *k, FILE *out);
/*
 * Split @value, the value of @key, as "NAME[:OPTIONS]": NAME into @name,
 * @opts to the text after the first ':' ("" if none).  A NAME that does not
 * fit: -EINVAL with "@key=@value: name too long".
 */
int dmasim__spec_split(const char *key, const char *value, char *name, size_t namelen,
		       const char **opts, char *err, size_t errlen);
/* The key tables: the platform's (lib/core/platform.c) and the device's (lib/core/device.c). */
extern const struct dmasim_spec_key dmasim__platform_keys[];
extern const struct dmasim_spec_key dmasim__device_keys[];

/* ---- memory (memory.c, page-alloc.c, slab.c, vmalloc.c) -------------------- */

enum dmasim_zone { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_HIGHMEM, DMASIM_NR_ZONES };

#define PG_buddy 0x01UL /* free, head of a buddy block of page->order */
#define PG_reserved 0x02UL /* not managed by the allocator (swiotlb pool) */
#define PG_slab 0x04UL /* part of a kmalloc slab */
#define PG_head 0x08UL /* first page of an allocation of page->order */
#define PG_pinned 0x10UL /* backs a pinned user range */
#define PG_large 0x20UL /* head of a large kmalloc (whole pages) */

struct dmasim_region;
struct dmasim_device;
struct dmasim_arena;

struct page {
	unsigned long flags;
	atomic_int refcount;
	unsigned short order;
	unsigned char arena;
	struct dmasim_region *region;
	LIST_ENTRY(page) lru; /* buddy free list */
	void *priv;           /* slab or pin area */
	size_t large_size;    /* bytes of a large kmalloc */
};

struct dmasim_region {
	struct dmasim_platform *plat;
	phys_addr_t base;
	u64 size;
	bool high;
	off_t fd_off;            /* offset of the region in the RAM memfd */
	unsigned char *ram;      /* RAM as devices see it */
	unsigned char *cpu;      /* RAM as the CPU sees it (== ram when caches are coherent) */
	unsigned char *linear;   /* the linear map (NULL for high memory) */
	struct page *memmap;
	unsigned long pfn_base;
	unsigned long nr_pages;
};

LIST_HEAD(dmasim_page_list, page);

struct dmasim_arena {
	struct dmasim_region *region;
	enum dmasim_zone zone;
	unsigned long pfn_start, pfn_end; /* [start, end) */
	struct dmasim_page_list free[DMASIM_MAX_ORDER + 1];
	unsigned long nr_free[DMASIM_MAX_ORDER + 1];
	unsigned long free_pages;
};

/* Alias areas: host mappings of simulated pages outside the linear map. */
enum dmasim_alias_kind { ALIAS_VMALLOC, ALIAS_VMAP, ALIAS_KMAP, ALIAS_PIN, ALIAS_MMAP };

struct dmasim_alias {
	RB_ENTRY(dmasim_alias) node;
	unsigned char *va;
	size_t size;
	enum dmasim_alias_kind kind;
	unsigned int nr_pages;
	struct page **pages;
	unsigned int pins;    /* ALIAS_PIN: pages still pinned */
	unsigned int kmaps;   /* ALIAS_KMAP: kmap() reference count */
	unsigned char *saved; /* ALIAS_PIN: nothing; kept for symmetry */
};

RB_HEAD(dmasim_alias_tree, dmasim_alias);

struct dmasim_slab_cache;

/* Page allocation with a physical ceiling: the highest byte must be <= @max_phys. */
struct page *dmasim__alloc_pages_below(struct dmasim_platform *p, gfp_t gfp, unsigned int order,
				       phys_addr_t max_phys);
void dmasim__free_pages(struct page *page, unsigned int order);
/* Reserve [base, base+size) so the allocator never hands it out. Return 0 or -errno. */
int dmasim__reserve_phys(struct dmasim_platform *p, phys_addr_t base, u64 size);
int dmasim__buddy_init(struct dmasim_platform *p);
void dmasim__buddy_dump(struct dmasim_platform *p, FILE *out);
/* @cpu_copy: keep the CPU's view of RAM in a memfd of its own (non-coherent cache model). */
int dmasim__memory_init(struct dmasim_platform *p, const char *ram, bool cpu_copy, char *err,
			size_t errlen);
void dmasim__memory_destroy(struct dmasim_platform *p);
unsigned long dmasim__free_page_count(struct dmasim_platform *p, int zone);

struct dmasim_region *dmasim__phys_region(struct dmasim_platform *p, phys_addr_t phys);
/* Whether [phys, phys+size) is inside one RAM region. */
bool dmasim__phys_range_ok(struct dmasim_platform *p, phys_addr_t phys, u64 size);
/* Host address of @phys as RAM (device view). Caller checked the range. */
unsigned char *dmasim__ram_ptr(struct dmasim_platform *p, phys_addr_t phys);
/* Host address of @phys as the CPU sees it (through its cache). */
unsigned char *dmasim__cpu_ptr(struct dmasim_platform *p, phys_addr_t phys);
/* Whether the CPU's view of RAM is a copy of its own (non-coherent cache model). */
#define dmasim__cpu_view_apart(p) ((p)->cpu_view != (p)->ram_view)
/* Linear address of @phys, NULL for high memory. */
void *dmasim__phys_to_linear(struct dmasim_platform *p, phys_addr_t phys);
/* Physical address of a linear-map address of @p. Return 0 or -EFAULT. */
int dmasim__linear_to_phys(struct dmasim_platform *p, const void *cpu, phys_addr_t *phys);
/* Physical address of any CPU address dmasim owns (linear map or alias). */
int dmasim__cpu_to_phys(struct dmasim_platform *p, const void *cpu, phys_addr_t *phys);
/* Why @addr is not DMA-able: fills @buf with an explanation and what to use instead. */
void dmasim__explain_addr(struct dmasim_platform *p, const void *addr, char *buf, size_t len);
struct page *dmasim__phys_to_page(struct dmasim_platform *p, phys_addr_t phys);
/* page_to_phys() and page_address() without the call through the PLT. */
static inline phys_addr_t dmasim__page_phys(const struct page *page)
{
	const struct dmasim_region *r = page->region;

	return PFN_PHYS(r->pfn_base + (unsigned long)(page - r->memmap));
}

static inline void *dmasim__page_linear(const struct page *page)
{
	const struct dmasim_region *r = page->region;

	return r->linear ? r->linear + ((size_t)(page - r->memmap) << PAGE_SHIFT) : NULL;
}
/* The platform a struct page belongs to. */
struct dmasim_platform *dmasim__page_platform(const struct page *page);

void dmasim__slab_init(struct dmasim_platform *p);
void dmasim__slab_destroy(struct dmasim_platform *p);
void dmasim__alias_destroy_all(struct dmasim_platform *p);
struct dmasim_alias *dmasim__alias_find(struct dmasim_platform *p, const void *addr);
/* Map @n pages at a fresh host address (or at @fixed): the CPU's (cached) view. */
unsigned char *dmasim__map_pages(struct dmasim_platform *p, struct page **pages, unsigned int n,
				 void *fixed);
/* @n contiguous pages from @first seen uncached, registered as an alias area (remove with dmasim__alias_remove). */
void *dmasim__uncached_alias(struct dmasim_platform *p, struct page *first, size_t n);
/* The same straight onto RAM: an uncached alias, as ARM maps coherent memory. */
unsigned char *dmasim__map_pages_uncached(struct dmasim_platform *p, struct page **pages,
					  unsigned int n, void *fixed);
struct dmasim_alias *dmasim__alias_add(struct dmasim_platform *p, unsigned char *va, size_t size,
				       enum dmasim_alias_kind kind, struct page **pages,
				       unsigned int n);
/* Remove the area starting at @va: unmap it (a pinned range goes back to host
 * memory, vmalloc pages are freed). Return 0 or -ENOENT. Caller holds nothing. */
int dmasim__alias_remove(struct dmasim_platform *p, const void *va);

/* ---- swiotlb (swiotlb.c) ------------------------------------------------ */

struct dmasim_swiotlb;

#define IO_TLB_SHIFT 11
#define IO_TLB_SIZE (1u << IO_TLB_SHIFT)
#define IO_TLB_SEGSIZE 128

/*
 * Place the pool (size 0 = off): at @base if @base_set, else in the lowest
 * low-memory RAM that fits, and reserve it before the buddy allocator starts.
 * On error fill @err and return -EINVAL/-ENOMEM.
 */
int dmasim__swiotlb_init(struct dmasim_platform *p, u64 size, phys_addr_t base, bool base_set,
			 bool force, char *err, size_t errlen);
#define DMASIM_DEFAULT_SWIOTLB (4ULL << 20)
/* swiotlb=, parsed (size 0: off). */
struct dmasim_swiotlb_choice {
	u64 size;
	phys_addr_t base;
	bool base_set, force, lifo;
};
/* The spec-key parser and formatter of swiotlb= (a struct dmasim_swiotlb_choice). */
int dmasim__swiotlb_parse(void *cfg, const char *key, const char *v, char *err, size_t errlen);
bool dmasim__swiotlb_format(const void *plat, const void *cfg, const char *key, FILE *out);
void dmasim__swiotlb_destroy(struct dmasim_platform *p);
/*
 * Bounce [orig, orig+size): allocate slots and copy the original in.  As the
 * kernel's swiotlb_map() (dma-direct): the slot's bus address must be within
 * the device's reach, else -EIO with a report.
 */
int dmasim__swiotlb_map(struct dmasim_device *d, phys_addr_t orig, size_t size,
			enum dma_data_direction dir, unsigned long attrs, phys_addr_t *tlb);
/* The same without the reach check, as swiotlb_tbl_map_single() (dma-iommu maps the slot). */
int dmasim__swiotlb_tbl_map(struct dmasim_device *d, phys_addr_t orig, size_t size,
			    enum dma_data_direction dir, unsigned long attrs, phys_addr_t *tlb);
/* Copy back for FROM_DEVICE/BIDIRECTIONAL (unless SKIP_CPU_SYNC) and free the slots. */
void dmasim__swiotlb_unmap(struct dmasim_device *d, phys_addr_t tlb, size_t size,
			   enum dma_data_direction dir, unsigned long attrs);
void dmasim__swiotlb_sync_for_cpu(struct dmasim_device *d, phys_addr_t tlb, size_t size,
				  enum dma_data_direction dir);
void dmasim__swiotlb_sync_for_device(struct dmasim_device *d, phys_addr_t tlb, size_t size,
				     enum dma_data_direction dir);
/*
 * Sync through a mapping record that names both ends ([tlb, tlb+size) is
 * inside the live bounce of [orig, orig+size)): the copy only, no lookup,
 * no lock, no report.  For the direct path, whose records were checked.
 */
void dmasim__swiotlb_sync_mapped(struct dmasim_device *d, phys_addr_t tlb, phys_addr_t orig,
				 size_t size, enum dma_data_direction dir, bool for_cpu);
/*
 * Lock-free: the original of [tlb, tlb+size) if it lies inside one live
 * bounce mapped by @d, and that mapping's direction.  Return 0 or -ENOENT.
 */
int dmasim__swiotlb_find_owned(struct dmasim_device *d, phys_addr_t tlb, size_t size,
			       phys_addr_t *orig, enum dma_data_direction *dir);
bool dmasim__swiotlb_active(struct dmasim_platform *p);
/* dmasim__swiotlb_is_bounce() is inline, after struct dmasim_platform. */
/* The original buffer behind a bounce address. */
int dmasim__swiotlb_orig(struct dmasim_platform *p, phys_addr_t tlb, phys_addr_t *orig);
size_t dmasim__swiotlb_max_mapping_size(struct dmasim_device *d);
/* Highest physical address of the pool, or 0 if none. */
phys_addr_t dmasim__swiotlb_end(struct dmasim_platform *p);
phys_addr_t dmasim__swiotlb_start(struct dmasim_platform *p);
bool dmasim__swiotlb_force(struct dmasim_platform *p);
/* swiotlb=...,lifo: start each slot search at the most recently freed mapping. */
void dmasim__swiotlb_set_lifo(struct dmasim_platform *p, bool lifo);
bool dmasim__swiotlb_lifo(struct dmasim_platform *p);
void dmasim__swiotlb_dump(struct dmasim_platform *p, FILE *out);
/* Slots in use (for tests and tools). */
unsigned long dmasim__swiotlb_used(struct dmasim_platform *p);

/* ---- cache model (cache.c, cache-coherent.c) ------------------------- */

/* cache=NAME[:line=N][:OPTIONS], parsed: the model, the core's line= and the model's options. */
struct dmasim_cache_choice {
	const struct dmasim_cache_ops *ops;
	unsigned int line; /* 0: the model chooses */
	char opts[256];    /* the words other than line=N, joined by ':' */
	char value[320];   /* as written, for the normalised spec */
};
/* The spec-key parser and formatter of cache= (a struct dmasim_cache_choice). */
int dmasim__cache_parse(void *choice, const char *key, const char *value, char *err,
			size_t errlen);
bool dmasim__cache_format(const void *plat, const void *choice, const char *key, FILE *out);
int dmasim__cache_create(struct dmasim_platform *p, const struct dmasim_cache_choice *c,
			 char *err, size_t errlen);
void dmasim__cache_destroy(struct dmasim_platform *p);
void dmasim__cache_sync_for_device(struct dmasim_device *d, phys_addr_t phys, size_t size,
				   enum dma_data_direction dir);
void dmasim__cache_sync_for_cpu(struct dmasim_device *d, phys_addr_t phys, size_t size,
				enum dma_data_direction dir);
void dmasim__cache_end_mapping(struct dmasim_device *d, phys_addr_t phys, size_t size);
/* dmasim__cache_for_device() and dmasim__cache_for_cpu() are inline, after struct dmasim_device. */
extern const struct dmasim_cache_ops dmasim__cache_coherent;
extern const struct dmasim_cache_ops dmasim__cache_noncoherent;
/* Built-in IOMMU backends (iommu/iova/, iommu/pgtable/). */
extern const struct dmasim_iova_ops dmasim__iova_rbtree;
extern const struct dmasim_iova_ops dmasim__iova_bitmap;
extern const struct dmasim_pgtable_ops dmasim__pgtable_arm_lpae_4k;
extern const struct dmasim_pgtable_ops dmasim__pgtable_arm_v7s;
void dmasim__backends_init(void);

/* ---- devices (device.c) and DMA-API debugging's entries (debug/entry.c) ---- */

#define DMASIM_SITE_FRAMES 6 /* call-site frames kept per mapping (debug on) */

enum dmasim_map_kind {
	MAP_SINGLE,
	MAP_PAGE,
	MAP_SG,
	MAP_RESOURCE,
	MAP_COHERENT,
	MAP_PAGES,       /* dma_alloc_pages / noncoherent / noncontiguous */
	MAP_IOVA,        /* dma_iova_link() into a dma_iova_try_alloc() range */
};

struct dmasim_map {
	union {
		RB_ENTRY(dmasim_map) node;             /* in the device's tree */
		SLIST_ENTRY(dmasim_map) free_link;     /* in its cache of unused records */
	};
	dma_addr_t dma;
	size_t size;
	phys_addr_t phys;     /* the driver's memory */
	phys_addr_t tlb;      /* bounce slot, or DMASIM_NO_TLB */
	void *cpu;            /* CPU address for coherent allocations */
	enum dma_data_direction dir;
	enum dmasim_map_kind kind;
	unsigned long attrs;
	unsigned long seq;
	bool checked;         /* dma_mapping_error() was called on it */
	bool dev_wrote;       /* the device wrote it since the CPU last synced it (debug on) */
	const struct scatterlist *sg_head; /* MAP_SG: the list it came from */
	int sg_nents;         /* MAP_SG: nents passed to dma_map_sg */
	size_t alloc_size;    /* MAP_COHERENT/MAP_PAGES: size as requested */
	void *caller;         /* in a template: the driver's return address (or NULL) */
	unsigned int nsite;   /* frames in @site; those past it are not copied with the record */
	void *site[DMASIM_SITE_FRAMES]; /* with debug on: where it was made, innermost first */
};

#define DMASIM_NO_TLB ((phys_addr_t)-1)

RB_HEAD(dmasim_map_tree, dmasim_map);

struct dmasim_devres {
	LIST_ENTRY(dmasim_devres) link;
	void (*release)(struct device *dev, void *data);
	void *data;
	size_t size;
	dma_addr_t dma;
	void *cpu;
};

struct dmasim_dma_ops;
struct dmasim_domain;

/* A device's IOMMU group (one device per group here). */
struct iommu_group {
	int id;
	struct dmasim_device *dev;
};

struct dmasim_device {
	struct device dev;
	struct dmasim_platform *plat;
	char name[64];
	u64 dma_mask;
	phys_addr_t bus_offset; /* bus = phys - offset */
	struct device_dma_parameters parms;
	bool force_bounce;
	bool bounce_all;        /* force_bounce, or the platform's swiotlb=...,force: set at creation */
	const struct dmasim_dma_ops *ops;       /* the driver's side: chosen once, at creation */
	bool dma_direct;        /* ops are dma-direct: the API layer calls it inline (set at creation) */
	const struct dmasim_bus_ops *bus;       /* the device's side: how its bus addresses translate */
	pthread_mutex_t lock;
	struct dmasim_map_tree maps;
	SLIST_HEAD(, dmasim_map) free_maps; /* unused records, for reuse (at most 64) */
	unsigned int nr_free_maps;
	size_t max_map_size;
	unsigned long nr_maps;
	unsigned long seq;
	LIST_HEAD(, dmasim_devres) devres;
	LIST_HEAD(, dma_pool) pools;
	LIST_ENTRY(dmasim_device) link;
	/* Behind the IOMMU: the domain translating now (NULL = blocked) and the default one. */
	bool behind_iommu;
	struct dmasim_domain *domain;
	struct dmasim_domain *default_domain;
	struct iommu_group group;
};

static inline struct dmasim_device *to_dmasim(struct device *dev)
{
	return container_of(dev, struct dmasim_device, dev);
}

/* Ownership transfers; a coherent device needs no maintenance, decided without a call. */
static inline void dmasim__cache_for_device(struct dmasim_device *d, phys_addr_t phys, size_t size,
					    enum dma_data_direction dir)
{
	if (!d->dev.dma_coherent)
		dmasim__cache_sync_for_device(d, phys, size, dir);
}

static inline void dmasim__cache_for_cpu(struct dmasim_device *d, phys_addr_t phys, size_t size,
					 enum dma_data_direction dir)
{
	if (!d->dev.dma_coherent)
		dmasim__cache_sync_for_cpu(d, phys, size, dir);
}

/* A mapping of [phys, phys + size) ended (unmap, synced or not; free): ownership ends with it. */
static inline void dmasim__cache_unmapped(struct dmasim_device *d, phys_addr_t phys, size_t size)
{
	if (!d->dev.dma_coherent)
		dmasim__cache_end_mapping(d, phys, size);
}

/* Validate a struct device from the user: NULL or foreign gives NULL and a message. */
struct dmasim_device *dmasim__dev_slow(struct device *dev, const char *call);
static inline struct dmasim_device *dmasim__dev(struct device *dev, const char *call)
{
	if (__builtin_expect(dev && dev->dmasim_magic == DMASIM_DEVICE_MAGIC, 1))
		return to_dmasim(dev);
	return dmasim__dev_slow(dev, call);
}

/* Mapping records: the API layer's knowledge of what each device may reach. */
struct dmasim_map *dmasim__map_add(struct dmasim_device *d, const struct dmasim_map *tmpl);
/* Copy a record without the unused tail of its call-site frames. */
void dmasim__map_copy(struct dmasim_map *to, const struct dmasim_map *from);

/*
 * Fill a streaming mapping's record field by field: every field but its
 * tree links, sequence and call-site frames (nsite = 0 says none is valid).
 * A whole-record initializer would also clear the frames, and that block
 * clear (rep stos) cost more than the rest of a sync.
 */
static inline void dmasim__map_fill(struct dmasim_map *m, dma_addr_t dma, size_t size,
				    phys_addr_t phys, phys_addr_t tlb, void *cpu,
				    enum dma_data_direction dir, enum dmasim_map_kind kind,
				    unsigned long attrs, void *caller)
{
	m->dma = dma;
	m->size = size;
	m->phys = phys;
	m->tlb = tlb;
	m->cpu = cpu;
	m->dir = dir;
	m->kind = kind;
	m->attrs = attrs;
	m->checked = false;
	m->dev_wrote = false;
	m->sg_head = NULL;
	m->sg_nents = 0;
	m->alloc_size = 0;
	m->caller = caller;
	m->nsite = 0;
}
/*
 * dmasim__map_add() of a streaming mapping from its fields, without a
 * template to fill and copy: the hot path of dma_map_single/page.
 */
struct dmasim_map *dmasim__map_add_streaming(struct dmasim_device *d, dma_addr_t dma, size_t size,
					     phys_addr_t phys, phys_addr_t tlb, void *cpu,
					     enum dma_data_direction dir,
					     enum dmasim_map_kind kind, unsigned long attrs,
					     void *caller);
/*
 * Remove the exact record for an unmap (same start; the same kind preferred)
 * and copy it to *@out; its storage goes back to the device's cache.
 * Return false if there is none. Caller holds nothing.
 */
bool dmasim__map_take(struct dmasim_device *d, dma_addr_t dma, enum dmasim_map_kind kind,
		      const struct scatterlist *sg, struct dmasim_map *out);
/* Look up (under d->lock) the record covering @dma; NULL if none. */
struct dmasim_map *dmasim__map_lookup_locked(struct dmasim_device *d, dma_addr_t dma);
/* While an unmap tears @m down (NULL after), reports about its memory still find it. */
void dmasim__map_releasing(const struct dmasim_map *m);
/* The record whose memory (or bounce slot) holds @phys, copied to *@out; slow. */
bool dmasim__map_find_phys(struct dmasim_device *d, phys_addr_t phys, struct dmasim_map *out);
/* dmasim_device_destroy(): report (and release the bounces of) what @d left mapped or allocated. */
void dmasim__debug_report_leaks(struct dmasim_device *d);
/* dmasim_device_destroy(): free the debug layer's per-device state. */
void dmasim__debug_device_free(struct dmasim_device *d);
/* Print @d's live mappings (the first 32), each with its call site. */
void dmasim__dump_maps(struct dmasim_device *d, FILE *out);
/* The device wrote @dma (debug on): remembered until the CPU syncs the mapping. */
void dmasim__map_note_dev_write(struct dmasim_device *d, dma_addr_t dma);
/* dma_mapping_error() was called for @dma: mark the first unchecked record there. */
void dmasim__map_mark_checked(struct dmasim_device *d, dma_addr_t dma);
/* " [mapped at fn+0x12 <- fn+0x40 ...]" for a record's site, or "" without one. */
const char *dmasim__map_site(const struct dmasim_map *m, char *buf, size_t len);
/*
 * Find and remove the record an unmap/free names (dma-mapping.c), reporting
 * every difference the kernel's DMA-API debugging reports (size, direction,
 * wrong function, unchecked map error).  @dir < 0 skips the direction check.
 * Return: @out, filled with a copy of the removed record (the caller
 * releases what it describes), or NULL if nothing may be released.
 */
struct dmasim_map *dmasim__map_release(struct dmasim_device *d, const char *call, dma_addr_t addr,
				       size_t size, int dir, enum dmasim_map_kind kind,
				       const struct scatterlist *sg, struct dmasim_map *out);
const char *dmasim__map_kind_name(enum dmasim_map_kind k);

/*
 * dma_pool (dmapool.c): called by dmasim_device_destroy() after managed
 * resources were released: reports every pool the driver never destroyed
 * (with its busy blocks) and frees the bookkeeping.
 */
void dmasim__pools_release(struct dmasim_device *d);
/* Test hook: a pool's pages, blocks and busy blocks (any pointer may be NULL). */
void dmasim__pool_counts(struct dma_pool *pool, size_t *pages, size_t *blocks, size_t *busy);

/* Managed resources. */
int dmasim__devres_add(struct dmasim_device *d, void (*release)(struct device *, void *),
		       void *data, size_t size, dma_addr_t dma, void *cpu);
/* Remove (without releasing) the devres matching @release/@data. Return 0 or -ENOENT. */
int dmasim__devres_remove(struct dmasim_device *d, void (*release)(struct device *, void *),
			  void *data);

/* ---- translation layer (dma-direct.c; dma-iommu.c next) ------------------ */

/*
 * Per-device translation: how a physical range becomes a bus range and back.
 * All hooks are called with validated arguments and without d->lock.
 */
/*
 * Whether memory allocated for @d must be seen through an uncached CPU alias:
 * the caller wants coherent memory (@coherent: dma_alloc_attrs(), not pages it
 * syncs itself), the device does not snoop and the CPU view is a copy of its own.
 */
#define dmasim__wants_uncached(d, coherent) \
	((coherent) && dmasim__cpu_view_apart((d)->plat) && !(d)->dev.dma_coherent)

/* An allocation the translation layer made: contiguous (@page) or not (@pages). */
struct dmasim_alloc {
	void *cpu;              /* CPU address (linear map, or a vmap alias) */
	dma_addr_t dma;         /* bus address of the first byte */
	struct page *page;      /* first page when physically contiguous, else NULL */
	struct page **pages;    /* the pages when not contiguous (host array; the caller frees it) */
	unsigned int nr_pages;  /* entries in @pages */
};

/*
 * The DMA ops, as the kernel's struct dma_map_ops: the driver's side of a
 * device, chosen once when it is created.  They work on bus addresses only,
 * never on the API layer's (or the debug layer's) records: each finds what
 * it made from the address (swiotlb its slots, dma-iommu its page table and
 * IOVA allocator).  Called with validated arguments and without d->lock.
 */
struct dmasim_dma_ops {
	const char *name;
	/* Map [phys, phys+size): fill *dma and *tlb (bounce slot or DMASIM_NO_TLB, for tracing). */
	int (*map_phys)(struct dmasim_device *d, phys_addr_t phys, size_t size,
			enum dma_data_direction dir, unsigned long attrs, dma_addr_t *dma,
			phys_addr_t *tlb);
	void (*unmap_phys)(struct dmasim_device *d, dma_addr_t dma, size_t size,
			   enum dma_data_direction dir, unsigned long attrs);
	void (*sync_for_cpu)(struct dmasim_device *d, dma_addr_t dma, size_t size,
			     enum dma_data_direction dir);
	void (*sync_for_device)(struct dmasim_device *d, dma_addr_t dma, size_t size,
				enum dma_data_direction dir);
	/*
	 * Map a list, filling each used entry's dma_address/dma_length (and
	 * dma_flags bit 0 for an entry bounced at its own bus address).
	 * Return the DMA segment count or a negative errno (nothing left mapped).
	 */
	int (*map_sg)(struct dmasim_device *d, struct scatterlist *sgl, int nents,
		      enum dma_data_direction dir, unsigned long attrs);
	/* Undo map_sg of a list mapped with @nents entries (the DMA segments end at a 0 length). */
	void (*unmap_sg)(struct dmasim_device *d, struct scatterlist *sgl, int nents,
			 enum dma_data_direction dir, unsigned long attrs);
	/* Map an MMIO range. */
	int (*map_resource)(struct dmasim_device *d, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir, dma_addr_t *dma);
	void (*unmap_resource)(struct dmasim_device *d, dma_addr_t dma, size_t size,
			       enum dma_data_direction dir, unsigned long attrs);
	/*
	 * Allocation reachable under @mask, zeroed.  Physically contiguous when
	 * @attrs has DMA_ATTR_FORCE_CONTIGUOUS (the direct path always is).
	 * @coherent: coherent memory (dma_alloc_attrs(), as the kernel's
	 * ops->alloc), not pages the driver syncs (as its alloc_pages_op).
	 * Return 0 and *@a, or a negative errno.
	 */
	int (*alloc)(struct dmasim_device *d, size_t size, u64 mask, gfp_t gfp,
		     unsigned long attrs, bool coherent, struct dmasim_alloc *a);
	/*
	 * Free what alloc made, found from its CPU address (the linear map or
	 * the alias area it was given) and its bus address, as the kernel's
	 * dma_map_ops.free: the caller keeps nothing of the allocation.
	 */
	void (*free)(struct dmasim_device *d, size_t size, void *cpu, dma_addr_t dma,
		     unsigned long attrs);
	/* Whether @mask (streaming or coherent) can be honoured. */
	bool (*mask_supported)(struct dmasim_device *d, u64 mask);
	u64 (*required_mask)(struct dmasim_device *d);
	size_t (*max_mapping_size)(struct dmasim_device *d);
	size_t (*opt_mapping_size)(struct dmasim_device *d);
	unsigned long (*merge_boundary)(struct dmasim_device *d);
	/* Whether a bounce could be needed (for dma_need_unmap). */
	bool (*may_bounce)(struct dmasim_device *d);
	/*
	 * dma_need_sync(): whether the mapping at @dma needs syncs (the device
	 * is not coherent, or the mapping is bounced through swiotlb).
	 */
	bool (*need_sync)(struct dmasim_device *d, dma_addr_t dma);
	/*
	 * Optional: the two-step IOVA API.  iova_alloc reserves @size bytes of
	 * IOVA space for memory starting at @phys's granule offset (*@addr keeps
	 * that offset); iova_link maps [phys, phys+size) at @dma; iova_unlink
	 * unmaps [dma, dma+size) (strict); iova_free gives the range back.
	 */
	int (*iova_alloc)(struct dmasim_device *d, phys_addr_t phys, size_t size, dma_addr_t *addr);
	int (*iova_link)(struct dmasim_device *d, dma_addr_t dma, phys_addr_t phys, size_t size,
			 enum dma_data_direction dir, unsigned long attrs);
	void (*iova_unlink)(struct dmasim_device *d, dma_addr_t dma, size_t size,
			    enum dma_data_direction dir, unsigned long attrs);
	void (*iova_free)(struct dmasim_device *d, dma_addr_t addr, size_t size);
};

extern const struct dmasim_dma_ops dmasim__direct_ops;
extern const struct dmasim_dma_ops dmasim__iommu_dma_ops;

/* ---- bus translation (dev-access.c: the direct window; iommu/iommu.c: IOMMU) ---- */

/*
 * The hardware side of the bus, per device: how a bus address the device
 * drives becomes a physical address.  Chosen when the device is created (the
 * window without an IOMMU, the IOMMU behind one); attach/detach change only
 * the domain the IOMMU translates through.  The DMA ops never use it and it
 * never uses the DMA ops.
 */
enum dmasim_bus_reach {
	BUS_REACH_WINDOW,  /* any RAM in the bus window (no IOMMU, or an identity domain) */
	BUS_REACH_DMA_API, /* an IOMMU domain the DMA API manages: only what it mapped */
	BUS_REACH_IOMMU,   /* an IOMMU domain the driver manages with iommu_map(), or none */
};

struct dmasim_bus_ops {
	const char *name;
	/*
	 * The first piece of an access of @len bytes at @addr: fill *@phys
	 * (RAM) and *@chunk (bytes reachable contiguously from it, at most
	 * @len).  Return 0, -EFAULT or -EPERM; the implementation reports (and
	 * for an IOMMU records) its faults.
	 */
	int (*translate)(struct dmasim_device *d, const char *call, dma_addr_t addr, size_t len,
			 bool write, phys_addr_t *phys, size_t *chunk);
	/* @addr to physical without side effects or reports (tools). Return 0 or -EFAULT. */
	int (*resolve)(struct dmasim_device *d, dma_addr_t addr, phys_addr_t *phys);
	/* What the device can reach now. */
	enum dmasim_bus_reach (*reach)(struct dmasim_device *d);
};

extern const struct dmasim_bus_ops dmasim__bus_window;
extern const struct dmasim_bus_ops dmasim__bus_iommu;
/* The window's translation, for an IOMMU's identity domain. */
int dmasim__window_translate(struct dmasim_device *d, const char *call, dma_addr_t addr,
			     size_t len, bool write, phys_addr_t *phys, size_t *chunk);
int dmasim__window_resolve(struct dmasim_device *d, dma_addr_t addr, phys_addr_t *phys);

/* ---- the IOMMU (iommu/iommu.c, iommu/dma-iommu.c) --------------------------- */

struct dmasim_iommu;

/* The platform's IOMMU keys (iommu, iova, mode, iotlb, fq, fq_timeout), parsed. */
struct dmasim_iommu_config {
	const struct dmasim_pgtable_ops *fmt; /* NULL: iommu=off */
	char fmt_opts[96];
	const struct dmasim_iova_ops *iova_ops;
	char iova_opts[96];
	bool lazy;
	unsigned int iotlb, fq, fq_timeout_ms;
};
/* The defaults: no IOMMU, and the values its keys take when it is on. */
void dmasim__iommu_config_init(struct dmasim_iommu_config *c);
/* The spec-key parser and formatter of the IOMMU's keys (a struct dmasim_iommu_config). */
int dmasim__iommu_parse(void *cfg, const char *key, const char *val, char *err, size_t errlen);
bool dmasim__iommu_format(const void *plat, const void *cfg, const char *key, FILE *out);
/* Create the IOMMU @c describes, if any.  Return 0 or -errno with @err. */
int dmasim__iommu_create(struct dmasim_platform *p, const struct dmasim_iommu_config *c,
			 char *err, size_t errlen);
void dmasim__iommu_destroy(struct dmasim_platform *p);
/* The words of the normalised spec for the IOMMU ("iommu=off" or the full set). */
void dmasim__iommu_spec(struct dmasim_platform *p, char *buf, size_t len);
/* Put a new device behind the IOMMU with its default domain ("dma", "identity", "unmanaged"). */
int dmasim__iommu_add_device(struct dmasim_device *d, const char *domain, char *err,
			     size_t errlen);
void dmasim__iommu_remove_device(struct dmasim_device *d);
void dmasim__iommu_dump(struct dmasim_platform *p, FILE *out);
void dmasim__iommu_dump_device(struct dmasim_device *d, FILE *out);

/*
 * The record-based half of a device access (dev-access.c): the mapping that
 * covers @addr must exist and allow the access.  Fills *@rec and *@chunk (the
 * bytes of the access inside that mapping).  Return 0, -EFAULT or -EPERM,
 * with a debug report; @report false checks silently.
 */
int dmasim__record_access(struct dmasim_device *d, const char *call, dma_addr_t addr,
			  size_t len, bool write, struct dmasim_map *rec, size_t *chunk,
			  bool report);

/*
 * dma-direct helpers shared with swiotlb and the API layer; inline, as the
 * kernel's: each is a few instructions on every map, sync and unmap.
 */
static inline dma_addr_t dmasim__phys_to_dma(struct dmasim_device *d, phys_addr_t phys)
{
	return phys - d->bus_offset;
}

static inline phys_addr_t dmasim__dma_to_phys(struct dmasim_device *d, dma_addr_t dma)
{
	return dma + d->bus_offset;
}

static inline u64 dmasim__dev_limit(struct dmasim_device *d, u64 mask)
{
	u64 limit = d->dev.bus_dma_limit;

	return limit && limit < mask ? limit : mask;
}

/* Whether the device can address [dma, dma+size) under @mask and its bus limit. */
static inline bool dmasim__dma_capable(struct dmasim_device *d, dma_addr_t dma, size_t size,
				       u64 mask)
{
	dma_addr_t end = dma + size - 1;

	if (!size || end < dma)
		return false;
	return end <= dmasim__dev_limit(d, mask);
}

/* ---- fault injection (fault-inject.c) -------------------------------------- */

enum dmasim_fail_kind {
	FAIL_MAP,      /* streaming mappings: single, page, resource, sg */
	FAIL_ALLOC,    /* coherent, page, noncoherent and noncontiguous allocations */
	FAIL_POOL,     /* dma_pool_alloc */
	FAIL_PAGES,    /* alloc_pages and friends */
	FAIL_KMALLOC,  /* kmalloc and friends */
	FAIL_IOVA,     /* IOVA allocation behind an IOMMU: the space is "exhausted" */
	FAIL_SWIOTLB,  /* bounce slots: the pool is "full" */
	FAIL_ACCESS,   /* a device access faults */
	DMASIM_FAIL_NR_KINDS
};

struct dmasim_fail;

/* Replace the rules with "RULE[,RULE...]". Return 0 or -EINVAL with @err. */
int dmasim__fail_parse(struct dmasim_platform *p, const char *rules, char *err, size_t errlen);
/* The spec-key parser of fail=: check the rules, keep the text (a const char *) for later. */
int dmasim__fail_check(void *cfg, const char *key, const char *rules, char *err, size_t errlen);
void dmasim__fail_destroy(struct dmasim_platform *p);
/* dmasim__should_fail() once some rule is set (the rules decide). */
bool dmasim__should_fail_rules(struct dmasim_platform *p, enum dmasim_fail_kind kind,
			       const struct dmasim_device *d, const char *call);
const char *dmasim__fail_kind_name(enum dmasim_fail_kind k);

/* ---- overlapping cache lines (debug/cacheline.c) --------------------------------- */

struct dmasim_cachelines;
/* A streaming mapping starts/ends: count its cache lines, report overlaps (debug on). */
void dmasim__cachelines_add(struct dmasim_device *d, const char *call, phys_addr_t phys,
			    size_t size, enum dma_data_direction dir, unsigned long attrs);
void dmasim__cachelines_del(struct dmasim_device *d, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir, unsigned long attrs);
void dmasim__cachelines_destroy(struct dmasim_platform *p);

/* ---- call-site capture (debug/stack.c) ------------------------------------------ */

/* Up to @max return addresses of the calling stack, innermost first; the count. */
int dmasim__stack_capture(void **frames, int max);
/* "libunwind" or "backtrace": what dmasim__stack_capture() unwinds with. */
const char *dmasim__stack_unwinder(void);

/* ---- tracing (trace.c) ----------------------------------------------------- */

struct dmasim_trace;
/* "DMA_TO_DEVICE" etc. for @dir (trace.c; reports of every layer use it). */
const char *dmasim__dir_name(int dir);
int dmasim__trace_open(struct dmasim_platform *p, const char *path, char *err, size_t errlen);
void dmasim__trace_destroy(struct dmasim_platform *p);
/* Emit @ev (seq and time are filled in). Call only when DMASIM_TRACING(p). */
void dmasim__trace(struct dmasim_platform *p, const struct dmasim_trace_event *ev);
#define DMASIM_TRACING(p) __atomic_load_n(&(p)->tracing, __ATOMIC_ACQUIRE)
/* An event about a device (most are). */
#define DMASIM_TRACE_DEV(d, ...)                                                        \
	do {                                                                            \
		if (DMASIM_TRACING((d)->plat))                                          \
			dmasim__trace((d)->plat, &(struct dmasim_trace_event){          \
						 .dev = (d)->name, __VA_ARGS__ });            \
	} while (0)

/* ---- platform (platform.c, log.c) --------------------------------------- */

struct dmasim_platform {
	char *spec;                 /* normalised effective spec */
	bool debug;
	unsigned int site_frames;       /* sites=: call-site frames kept per mapping with debug on */
	unsigned long seed;
	bool quiet;

	int memfd;
	unsigned char *ram_view;    /* the whole memfd: RAM as devices see it */
	int cpu_fd;                 /* the CPU's view (== memfd when caches are coherent) */
	unsigned char *cpu_view;
	size_t ram_total;
	unsigned char *linear_base; /* host address of physical linear_phys0 */
	size_t linear_span;
	phys_addr_t linear_phys0;
	phys_addr_t phys_max;       /* highest RAM byte */
	struct dmasim_region regions[DMASIM_MAX_REGIONS];
	int nr_regions;

	pthread_mutex_t mm_lock;
	struct dmasim_arena arenas[DMASIM_MAX_REGIONS * DMASIM_NR_ZONES];
	int nr_arenas;
	struct dmasim_slab_cache *slabs;
	struct dmasim_alias_tree aliases;

	struct dmasim_swiotlb *swiotlb;
	phys_addr_t swiotlb_base;       /* the pool, for the inline dmasim__swiotlb_is_bounce() */
	u64 swiotlb_size;               /* 0 without one */
	struct dmasim_cache *cache;
	struct dmasim_iommu *iommu;
	struct dmasim_fail *fail;
	int fail_rules;                 /* how many: 0 keeps the hot paths to one load */
	struct dmasim_trace *trace;
	bool tracing;
	struct dmasim_cachelines *cachelines;

	pthread_mutex_t log_lock;
	dmasim_log_fn log_fn;
	void *log_ctx;
	atomic_ulong debug_errors;

	pthread_mutex_t dev_lock;
	LIST_HEAD(, dmasim_device) devices;
	unsigned int next_dev_id;
	TAILQ_ENTRY(dmasim_platform) link;
};

/* Whether @d's cache model wants to hear where its mappings end (then find their pages). */
static inline bool dmasim__cache_tracks(struct dmasim_device *d)
{
	const struct dmasim_cache *c = d->plat->cache;

	return !d->dev.dma_coherent && c->ops->base.abi >= 4 && c->track_mappings;
}

/* Whether @phys is in the swiotlb pool (on every direct unmap and sync: inline). */
static inline bool dmasim__swiotlb_is_bounce(const struct dmasim_platform *p, phys_addr_t phys)
{
	return phys - p->swiotlb_base < p->swiotlb_size;
}

/* Whether this call (of @kind, by @d or NULL) fails on purpose; logs when it does. */
static inline bool dmasim__should_fail(struct dmasim_platform *p, enum dmasim_fail_kind kind,
				       const struct dmasim_device *d, const char *call)
{
	if (!__atomic_load_n(&p->fail_rules, __ATOMIC_RELAXED))
		return false;
	return dmasim__should_fail_rules(p, kind, d, call);
}

void dmasim__log(struct dmasim_platform *p, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dmasim__vlog(struct dmasim_platform *p, int level, const char *fmt, va_list ap);
/* A misuse report: counted in dmasim_debug_errors() and logged as an error. */
void dmasim__report(struct dmasim_platform *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "DMA-API: <dev>: <call>: ..." misuse report about a device. */
void dmasim__dev_report(struct dmasim_device *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A report from a DMA-API debug check: dropped when the platform has debug=off. */
void dmasim__debug_report(struct dmasim_device *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The current platform, or NULL with a message naming @call. */
struct dmasim_platform *dmasim__current(const char *call);

#endif /* DMASIM_INTERNAL_H */
