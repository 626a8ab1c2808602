/*
 * lib/debug/debug.h - the hooks of DMA-API debugging, modelled on the
 * kernel's kernel/dma/debug.h.  The API layer (lib/dma/dma-mapping.c,
 * lib/dev/dev-access.c) calls them around its one dispatch to the DMA ops or
 * the bus translation; each returns at once when the platform has debug
 * off, so switching debugging off removes its work and nothing else.
 *
 * The kernel's hooks only report.  Where a misuse would do damage if carried
 * out (an unmap or sync of a handle never mapped, a device access outside
 * every mapping on a machine without an IOMMU), dmasim's hooks also return a
 * verdict that the API layer honours: false means "do not go on".  Those
 * hooks run before the dispatch; the others after it (and after the trace
 * hook), as the kernel's.
 *
 * The layer owns: the per-mapping entries and their call sites
 * (lib/debug/entry.c, lib/debug/stack.c), the cache-line overlap check
 * (lib/debug/cacheline.c), who owns each line of a mapping under a
 * non-coherent cache model, CPU or device (lib/debug/ownership.c), the
 * dev_wrote/checked state of each entry, the leak report when a device goes
 * and the dump of live mappings.
 *
 * May use: lib/dma/dma.h (the DMA ops: what they allocated, the leak
 * report's release of bounces), lib/dev/dev.h (what a device reaches) and,
 * through them, the cache model and the machine.  Used by: the API layer and lib/dev/ (the
 * device-access hooks); nothing below them.
 */
#ifndef DMASIM_DEBUG_H
#define DMASIM_DEBUG_H

#include "dma/dma.h"
#include "dev/dev.h"

/* ---- the per-mapping entries (entry.c) and their call sites (stack.c) ------ */

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
/*
 * The first streaming record whose driver memory overlaps [@phys,
 * @phys+@size), copied to *@out; slow.  Records whose memory is not one
 * physical range (dmasim__map_scattered()) are skipped: *@scattered is then
 * set, and the caller resolves their pages itself (dmasim__map_next()).
 */
bool dmasim__map_find_overlap(struct dmasim_device *d, phys_addr_t phys, size_t size,
			      struct dmasim_map *out, bool *scattered);
/* A record that maps several separate physical ranges (an sg segment behind an IOMMU). */
bool dmasim__map_scattered(const struct dmasim_device *d, const struct dmasim_map *m);
/* The record after @after (NULL: the first) in the device's order, copied to *@out. */
bool dmasim__map_next(struct dmasim_device *d, const struct dmasim_map *after,
		      struct dmasim_map *out);
/* The first record whose bus range overlaps [@addr, @addr+@size), copied to *@out; slow. */
bool dmasim__map_find_bus(struct dmasim_device *d, dma_addr_t addr, size_t size,
			  struct dmasim_map *out);
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
 * A device access on a bus window that the entries let through, from its
 * first check to its last copy (on d->accesses while @listed): an unmap
 * that removes an entry it touches waits for it, so the check is never
 * fooled by an unmap that races the copy.  Zeroed by the access.
 */
struct dmasim_dev_access {
	LIST_ENTRY(dmasim_dev_access) link;
	dma_addr_t first, last;
	bool listed;
};

/*
 * The record-based half of a device access (dev-access.c): the mapping that
 * covers @addr must exist and allow the access.  Fills *@rec and *@chunk (the
 * bytes of the access inside that mapping).  Return 0, -EFAULT or -EPERM,
 * with a debug report; @report false checks silently.  @acc (or NULL): the
 * access, listed as in flight for [@addr, @addr + @len) when a mapping is found.
 */
int dmasim__record_access(struct dmasim_device *d, const char *call, dma_addr_t addr,
			  size_t len, bool write, struct dmasim_map *rec, size_t *chunk,
			  bool report, struct dmasim_dev_access *acc);
/* The access @acc is copied: unlist it. */
void dmasim__dev_access_done(struct dmasim_device *d, struct dmasim_dev_access *acc);
/* ---- overlapping cache lines (debug/cacheline.c) --------------------------------- */

struct dmasim_cachelines;
/* A streaming mapping starts/ends: count its cache lines, report overlaps (debug on). */
void dmasim__cachelines_add(struct dmasim_device *d, const char *call, phys_addr_t phys,
			    size_t size, enum dma_data_direction dir, unsigned long attrs);
void dmasim__cachelines_del(struct dmasim_device *d, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir, unsigned long attrs);
void dmasim__cachelines_destroy(struct dmasim_platform *p);

/* ---- memory the driver frees, memory a device reaches (debug/memory.c) ------------ */

/*
 * The platform's check_freed hook (set with debug on): kfree(),
 * __free_pages()/free_pages() and vfree() are freeing [@phys, @phys+@size)
 * (CPU address @cpu): report a live streaming mapping of any device that
 * covers part of it, as the kernel's debug_dma_assert_idle() did.
 * Return: true if it made a report.
 */
bool dmasim__debug_check_freed(struct dmasim_platform *p, const char *call, const void *cpu,
			       phys_addr_t phys, size_t size);
/* " [phys 0x... is in <what lies there>]": where a stray device access landed. */
void dmasim__debug_describe_phys(struct dmasim_platform *p, phys_addr_t phys, char *buf,
				 size_t len);
/* ---- who owns each line of a mapping: CPU or device (debug/ownership.c) ------------ */

struct dmasim_ownership;
/*
 * Whether ownership is tracked for @d (with debug on): the CPU view and RAM
 * are two copies (a non-coherent cache model) and @d does not snoop.
 */
static inline bool dmasim__own_tracked(const struct dmasim_device *d)
{
	return dmasim__cpu_view_apart(d->plat) && !d->dev.dma_coherent;
}
/* [addr, addr + size) of mapping @m passed to the device; after the maintenance. */
void dmasim__own_to_device(struct dmasim_device *d, const struct dmasim_map *m, dma_addr_t addr,
			   size_t size);
/* [addr, addr + size) of mapping @m comes back to the CPU; before the maintenance (reports). */
void dmasim__own_to_cpu(struct dmasim_device *d, const struct dmasim_map *m, dma_addr_t addr,
			size_t size);
/* The mapping whose entry had sequence number @seq ended, however: forget it. */
void dmasim__own_end(struct dmasim_device *d, unsigned long seq);
/* @d goes: forget every mapping of it. */
void dmasim__own_end_device(struct dmasim_device *d);
void dmasim__ownership_destroy(struct dmasim_platform *p);

/* ---- call-site capture (debug/stack.c) ------------------------------------------ */

/* Up to @max return addresses of the calling stack, innermost first; the count. */
int dmasim__stack_capture(void **frames, int max);
/* "libunwind" or "backtrace": what dmasim__stack_capture() unwinds with. */
const char *dmasim__stack_unwinder(void);



static inline bool dmasim__debugging(const struct dmasim_device *d)
{
	return __builtin_expect(d->plat->debug, 1);
}

/* ---- streaming mappings ---------------------------------------------------- */

bool dmasim__debug_map_phys(struct dmasim_device *d, const char *call, phys_addr_t phys,
			    void *cpu, size_t size, enum dma_data_direction dir,
			    unsigned long attrs, enum dmasim_map_kind kind, dma_addr_t dma,
			    phys_addr_t tlb, void *caller);
/*
 * A mapping was made: record it (with its call site) and check its cache
 * lines.  Return false if it could not be recorded: the caller undoes it.
 */
static inline bool debug_dma_map_phys(struct dmasim_device *d, const char *call,
				      phys_addr_t phys, void *cpu, size_t size,
				      enum dma_data_direction dir, unsigned long attrs,
				      enum dmasim_map_kind kind, dma_addr_t dma, phys_addr_t tlb,
				      void *caller)
{
	if (!dmasim__debugging(d))
		return true;
	return dmasim__debug_map_phys(d, call, phys, cpu, size, dir, attrs, kind, dma, tlb, caller);
}

/* dma_mapping_error() was called on @dma. */
/*
 * A mapping with no cache lines of its own to check (a dma_map_resource()
 * range, a dma_iova_link() link) was made: record it.  Return false if it
 * could not be recorded: the caller undoes it.
 */
bool dmasim__debug_map_record(struct dmasim_device *d, const struct dmasim_map *tmpl);
static inline bool debug_dma_map_record(struct dmasim_device *d, const struct dmasim_map *tmpl)
{
	if (!dmasim__debugging(d))
		return true;
	return dmasim__debug_map_record(d, tmpl);
}

/*
 * A dma_iova_link() link's entry @m was released (lib/dma/dma-mapping.c,
 * debug on): its lines are the CPU's again, checked unless @attrs has
 * DMA_ATTR_SKIP_CPU_SYNC.  Before the unlink's maintenance.
 */
void dmasim__debug_unlink(struct dmasim_device *d, const struct dmasim_map *m,
			  unsigned long attrs);

static inline void debug_dma_mapping_error(struct dmasim_device *d, dma_addr_t dma)
{
	if (dmasim__debugging(d))
		dmasim__map_mark_checked(d, dma);
}

bool dmasim__debug_unmap(struct dmasim_device *d, const char *call, dma_addr_t *addr,
			 size_t *size, enum dma_data_direction *dir, enum dmasim_map_kind *kind,
			 unsigned long attrs);
/*
 * Before an unmap (a verdict): remove the entry and report every difference
 * from what was mapped; the mapping's lines are the CPU's again (checked
 * unless @attrs has DMA_ATTR_SKIP_CPU_SYNC).  Sets the arguments to what was
 * mapped (the unmap then releases that, not what the caller claims).
 * Return false if nothing may be released; true, untouched, when debug is
 * off.  Call debug_dma_unmap_done() after the dispatch.
 */
static inline bool debug_dma_unmap(struct dmasim_device *d, const char *call, dma_addr_t *addr,
				   size_t *size, enum dma_data_direction *dir,
				   enum dmasim_map_kind *kind, unsigned long attrs)
{
	if (!dmasim__debugging(d))
		return true;
	return dmasim__debug_unmap(d, call, addr, size, dir, kind, attrs);
}

/* Between debug_dma_unmap() and _done(): the entry being released (for the trace). */
const struct dmasim_map *dmasim__debug_unmapping(void);

static inline void debug_dma_unmap_done(struct dmasim_device *d)
{
	if (dmasim__debugging(d))
		dmasim__map_releasing(NULL);
}

bool dmasim__debug_sync(struct dmasim_device *d, const char *call, dma_addr_t addr, size_t size,
			enum dma_data_direction dir, bool for_cpu, struct dmasim_map *rec);
/*
 * Before a sync (a verdict): the entry covering [addr, addr+size) must exist
 * and hold it; reports as check_sync() does; a sync for the CPU takes the
 * range back (reporting what the CPU wrote while the device owned it).
 * Fills *@rec (the sync then follows the mapping's direction).  Return
 * false if the sync must not go on; else call debug_dma_sync_done() after it.
 */
static inline bool debug_dma_sync(struct dmasim_device *d, const char *call, dma_addr_t addr,
				  size_t size, enum dma_data_direction dir, bool for_cpu,
				  struct dmasim_map *rec)
{
	if (!dmasim__debugging(d))
		return true;
	return dmasim__debug_sync(d, call, addr, size, dir, for_cpu, rec);
}

/* After a sync the verdict let through: a sync for the device hands the range over. */
static inline void debug_dma_sync_done(struct dmasim_device *d, const struct dmasim_map *rec,
				       dma_addr_t addr, size_t size, bool for_cpu)
{
	if (dmasim__debugging(d) && !for_cpu && dmasim__own_tracked(d))
		dmasim__own_to_device(d, rec, addr, size);
}

/* ---- scatter-gather ---------------------------------------------------------- */

bool dmasim__debug_map_sg(struct dmasim_device *d, const char *call, struct scatterlist *sgl,
			  int nents, int count, enum dma_data_direction dir, unsigned long attrs,
			  void *caller);
/*
 * A list was mapped into @count DMA segments: one entry per segment, the
 * segment checks, the entries' cache lines.  Return false if it could not
 * be recorded (nothing is left recorded; the caller unmaps the list).
 */
static inline bool debug_dma_map_sg(struct dmasim_device *d, const char *call,
				    struct scatterlist *sgl, int nents, int count,
				    enum dma_data_direction dir, unsigned long attrs, void *caller)
{
	if (!dmasim__debugging(d))
		return true;
	return dmasim__debug_map_sg(d, call, sgl, nents, count, dir, attrs, caller);
}

bool dmasim__debug_unmap_sg(struct dmasim_device *d, const char *call, struct scatterlist *sgl,
			    int *nents, enum dma_data_direction *dir, unsigned long attrs);
/*
 * Before dma_unmap_sg (a verdict): remove the segments' entries, reporting a
 * different entry count once.  Sets *@dir to what was mapped and *@nents to
 * the segments that were mapped (the leading ones; the ops release exactly
 * those).  Return false if none was (nothing is released).
 */
static inline bool debug_dma_unmap_sg(struct dmasim_device *d, const char *call,
				      struct scatterlist *sgl, int *nents,
				      enum dma_data_direction *dir, unsigned long attrs)
{
	if (!dmasim__debugging(d))
		return true;
	return dmasim__debug_unmap_sg(d, call, sgl, nents, dir, attrs);
}

void dmasim__debug_sync_sg(struct dmasim_device *d, const char *call, struct scatterlist *sgl,
			   int nelems);
/* Before dma_sync_sg_*: the entry count must be the one given to dma_map_sg(). */
static inline void debug_dma_sync_sg(struct dmasim_device *d, const char *call,
				     struct scatterlist *sgl, int nelems)
{
	if (dmasim__debugging(d))
		dmasim__debug_sync_sg(d, call, sgl, nelems);
}

/* ---- allocations ------------------------------------------------------------- */

bool dmasim__debug_alloc(struct dmasim_device *d, const struct dmasim_alloc *a, size_t size,
			 enum dma_data_direction dir, enum dmasim_map_kind kind,
			 unsigned long attrs, void *caller);
/*
 * An allocation was made: record it (with its call site), so frees, exports
 * and device accesses are checked against it and a leak is reported.
 * Return false if it could not be recorded: the caller frees it.
 */
static inline bool debug_dma_alloc(struct dmasim_device *d, const struct dmasim_alloc *a,
				   size_t size, enum dma_data_direction dir,
				   enum dmasim_map_kind kind, unsigned long attrs, void *caller)
{
	if (!dmasim__debugging(d))
		return true;
	return dmasim__debug_alloc(d, a, size, dir, kind, attrs, caller);
}

bool dmasim__debug_free(struct dmasim_device *d, const char *call, size_t *size, void **cpu,
			dma_addr_t *dma, unsigned long *attrs, int dir, enum dmasim_map_kind kind);
/*
 * Before a free (a verdict): remove the entry and report a free of memory
 * never allocated, with the wrong function, size, direction or CPU address
 * (*@cpu NULL: the call names none).  Sets the arguments to what was
 * allocated (the free then releases that, not what the caller claims).
 * Return false if nothing may be freed; true, untouched, when debug is off.
 */
static inline bool debug_dma_free(struct dmasim_device *d, const char *call, size_t *size,
				  void **cpu, dma_addr_t *dma, unsigned long *attrs, int dir,
				  enum dmasim_map_kind kind)
{
	if (!dmasim__debugging(d))
		return true;
	return dmasim__debug_free(d, call, size, cpu, dma, attrs, dir, kind);
}

int dmasim__debug_alloc_export(struct dmasim_device *d, const char *call, void *cpu,
			       dma_addr_t dma, size_t size, enum dmasim_map_kind kind);
/*
 * Before exporting an allocation (dma_get_sgtable, dma_mmap_attrs with
 * @kind MAP_COHERENT; dma_vmap_noncontiguous with MAP_PAGES, @cpu the table):
 * @cpu/@dma must name an allocation of that kind of this device, at least
 * @size bytes long (for MAP_PAGES: @dma must start one).  Return 0, or -EINVAL with a report (a verdict).
 */
static inline int debug_dma_alloc_export(struct dmasim_device *d, const char *call, void *cpu,
					 dma_addr_t dma, size_t size, enum dmasim_map_kind kind)
{
	if (!dmasim__debugging(d))
		return 0;
	return dmasim__debug_alloc_export(d, call, cpu, dma, size, kind);
}

/* ---- device accesses ----------------------------------------------------------- */

int dmasim__debug_dev_access(struct dmasim_device *d, const char *call, dma_addr_t addr,
			     size_t *len, bool write, struct dmasim_dev_access *acc);
/*
 * Before a piece of a device access on a bus window (no IOMMU confines the
 * device): it must lie in a mapping of the device, in a direction the
 * mapping allows.  Trims *@len to that mapping.  Return 0, or -EFAULT /
 * -EPERM with a report (a verdict).  The first piece lists @acc (the whole
 * access) as in flight until debug_dma_dev_access_done().  With debug off:
 * 0, the device reaches whatever its window reaches.
 */
static inline int debug_dma_dev_access(struct dmasim_device *d, const char *call,
				       dma_addr_t addr, size_t *len, bool write,
				       struct dmasim_dev_access *acc)
{
	if (!dmasim__debugging(d))
		return 0;
	return dmasim__debug_dev_access(d, call, addr, len, write, acc);
}

/* After the access's last copy: an unmap waiting for it may go on. */
static inline void debug_dma_dev_access_done(struct dmasim_device *d,
					     struct dmasim_dev_access *acc)
{
	if (acc->listed)
		dmasim__dev_access_done(d, acc);
}

void dmasim__debug_dev_accessed(struct dmasim_device *d, const char *call, dma_addr_t addr,
				size_t len, bool write, enum dmasim_bus_reach reach);
/*
 * After a piece went through: remember a device write (for the missing
 * sync-for-CPU check) and, behind an IOMMU's DMA domain, report an access
 * the DMA API no longer vouches for (a stale IOTLB entry).
 */
static inline void debug_dma_dev_accessed(struct dmasim_device *d, const char *call,
					  dma_addr_t addr, size_t len, bool write,
					  enum dmasim_bus_reach reach)
{
	if (dmasim__debugging(d))
		dmasim__debug_dev_accessed(d, call, addr, len, write, reach);
}

#endif /* DMASIM_DEBUG_H */
