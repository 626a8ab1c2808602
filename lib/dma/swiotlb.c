/*
 * lib/dma/swiotlb.c - the software IO TLB: a bounce pool in simulated physical
 * memory for devices that cannot reach a buffer (or must not, with
 * swiotlb=force / force_bounce).  It follows kernel/dma/swiotlb.c: 2 KiB
 * slots, a mapping takes at most IO_TLB_SEGSIZE contiguous slots and never
 * crosses a 128-slot segment, the low bits of the original address covered
 * by the device's min_align_mask survive the bounce, and data is copied
 * between the original and the bounce on map, unmap and sync.  The pool is
 * carved out of RAM before the buddy allocator starts, so nothing else is
 * ever handed those pages.  The search for free slots starts where the last
 * one ended, as the kernel's area index; swiotlb=...,lifo starts it at the
 * most recently freed mapping instead (same rules, cache-hot slots).
 * Layer: translation (dma-direct bounces through it); below it only the
 * memory model.
 */
#include <bitstring.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dma/dma.h"

/* A free slot's orig; also set while an unmap copies back, so lookups fail. */
#define NO_ORIG ((phys_addr_t)-1)

/*
 * Per slot, as the kernel keeps it: the original address of the slot's
 * first mapped byte (slot start + the head's offset) and the mapped bytes
 * from there to the end of the mapping.  @head lets an address anywhere in
 * a mapping find its first slot, which also holds the min_align offset, the
 * device that mapped it and the mapping's direction.  Fields change only
 * under sw->lock, through slot_set(), because find_owned()
 * reads them without it (slot_get()), as the kernel's sync reads orig_addr.
 */
struct tlb_slot {
	phys_addr_t orig;
	size_t alloc_size;
	unsigned int head;
	unsigned int offset;
	const struct dmasim_device *owner;
	int dir;
};

#define slot_set(field, val) __atomic_store_n(&(field), (val), __ATOMIC_RELAXED)
#define slot_get(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

struct dmasim_swiotlb {
	/*
	 * A spinlock: every critical section is a bitmap search or update
	 * (no copy, no allocation, no logging), and taking and releasing it
	 * costs one locked instruction where a mutex costs two.
	 */
	pthread_spinlock_t lock;
	phys_addr_t start;      /* first byte of the pool */
	phys_addr_t end;        /* last byte */
	unsigned int nslots;
	unsigned int used;      /* slots allocated */
	unsigned int index;     /* where the next search starts, as the kernel's area->index */
	bool force;
	bool lifo;              /* a free moves @index back to the freed mapping */
	unsigned char *cpu;     /* the CPU's view of the pool's first byte */
	bitstr_t *busy;         /* one bit per slot: allocated */
	struct tlb_slot *slots;
};

/* A live mapping, as found from any address inside it. */
struct bounce {
	unsigned int head;
	unsigned int nslots;
	phys_addr_t tlb;        /* first mapped byte in the pool (what map returned) */
	phys_addr_t orig;       /* the driver's buffer */
	size_t size;            /* mapped bytes */
};

static inline phys_addr_t slot_phys(const struct dmasim_swiotlb *sw, unsigned int i)
{
	return sw->start + ((phys_addr_t)i << IO_TLB_SHIFT);
}

static inline unsigned int nr_slots(u64 bytes)
{
	return (unsigned int)DIV_ROUND_UP(bytes, IO_TLB_SIZE);
}

/* Low bits of @addr a device with @min_align_mask needs kept inside a slot. */
static inline unsigned int align_offset(unsigned int min_align_mask, phys_addr_t addr)
{
	return (unsigned int)(addr & min_align_mask & (IO_TLB_SIZE - 1));
}

/* "4M", "512K" or bytes, for messages about the spec. */
static void size_name(u64 size, char *buf, size_t len)
{
	if (size && !(size & ((1ULL << 20) - 1)))
		snprintf(buf, len, "%lluM", (unsigned long long)(size >> 20));
	else if (size && !(size & ((1ULL << 10) - 1)))
		snprintf(buf, len, "%lluK", (unsigned long long)(size >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)size);
}

/* ---- the spec key swiotlb= ------------------------------------------------ */

/* SIZE[@ADDR][,force][,lifo], off or force, into a struct dmasim_swiotlb_choice. */
int dmasim__swiotlb_parse(void *cfg, const char *key, const char *v, char *err, size_t errlen)
{
	struct dmasim_swiotlb_choice *c = cfg;
	char buf[96], *comma, *at;

	*c = (struct dmasim_swiotlb_choice){ .size = DMASIM_DEFAULT_SWIOTLB };
	if (!strcmp(v, "off")) {
		c->size = 0;
		return 0;
	}
	if (!strcmp(v, "force")) {
		c->force = true;
		return 0;
	}
	if (strlen(v) >= sizeof(buf))
		goto bad;
	strcpy(buf, v);
	comma = strchr(buf, ',');
	if (comma)
		*comma++ = '\0';
	/* Flags after SIZE[@ADDR], each at most once, in any order. */
	while (comma) {
		char *flag = comma;

		comma = strchr(flag, ',');
		if (comma)
			*comma++ = '\0';
		if (!strcmp(flag, "force") && !c->force)
			c->force = true;
		else if (!strcmp(flag, "lifo") && !c->lifo)
			c->lifo = true;
		else
			goto bad;
	}
	at = strchr(buf, '@');
	if (at) {
		*at++ = '\0';
		if (dmasim__parse_u64(at, &c->base))
			goto bad;
		c->base_set = true;
	}
	if (dmasim__parse_size(buf, &c->size) || c->size < IO_TLB_SIZE * IO_TLB_SEGSIZE ||
	    (c->size & (IO_TLB_SIZE * IO_TLB_SEGSIZE - 1)))
		goto bad;
	return 0;
bad:
	snprintf(err, errlen,
		 "%s=%s: expected SIZE[@ADDR][,force][,lifo], off or force; SIZE a multiple of 256K",
		 key, v);
	return -EINVAL;
}

/* The pool as it is: its real size and place, off if there is none. */
bool dmasim__swiotlb_format(const void *obj, const void *cfg, const char *key, FILE *out)
{
	struct dmasim_platform *p = (struct dmasim_platform *)obj;
	char sz[32];

	(void)cfg, (void)key;
	if (!dmasim__swiotlb_active(p)) {
		fputs("off", out);
		return true;
	}
	fprintf(out, "%s@0x%llx%s%s",
		dmasim__format_size(dmasim__swiotlb_end(p) + 1 - dmasim__swiotlb_start(p), sz,
				    sizeof(sz)),
		(unsigned long long)dmasim__swiotlb_start(p), dmasim__swiotlb_force(p) ? ",force" : "",
		dmasim__swiotlb_lifo(p) ? ",lifo" : "");
	return true;
}

/* ---- creation ------------------------------------------------------------ */

static struct dmasim_region *place(struct dmasim_platform *p, u64 size, phys_addr_t base,
				   bool base_set, char *err, size_t errlen)
{
	char sz[32];

	size_name(size, sz, sizeof(sz));
	if (base_set) {
		struct dmasim_region *r = dmasim__phys_region(p, base);

		if (base & ~PAGE_MASK) {
			snprintf(err, errlen, "swiotlb=%s@0x%llx: the address must be page aligned",
				 sz, (unsigned long long)base);
			return NULL;
		}
		if (!r || !dmasim__phys_range_ok(p, base, size)) {
			snprintf(err, errlen,
				 "swiotlb=%s@0x%llx: phys 0x%llx-0x%llx is not inside one RAM region",
				 sz, (unsigned long long)base, (unsigned long long)base,
				 (unsigned long long)(base + size - 1));
			return NULL;
		}
		return r;
	}
	/* Regions are sorted by address, so the first fit is the lowest. */
	for (int i = 0; i < p->nr_regions; i++) {
		struct dmasim_region *r = &p->regions[i];

		if (!r->high && r->size >= size)
			return r;
	}
	snprintf(err, errlen,
		 "swiotlb=%s: no RAM region can hold the pool (it needs %s of low memory in one region)",
		 sz, sz);
	return NULL;
}

int dmasim__swiotlb_init(struct dmasim_platform *p, u64 size, phys_addr_t base, bool base_set,
			 bool force, char *err, size_t errlen)
{
	struct dmasim_swiotlb *sw;
	struct dmasim_region *r;
	u64 nslots = size >> IO_TLB_SHIFT;
	char sz[32];
	int ret;

	p->swiotlb = NULL;
	if (!size)
		return 0;
	size_name(size, sz, sizeof(sz));
	/* Whole segments only: the allocator relies on a mapping never leaving one. */
	if (size % ((u64)IO_TLB_SIZE * IO_TLB_SEGSIZE) || nslots > INT_MAX) {
		snprintf(err, errlen,
			 "swiotlb=%s: the size must be a multiple of 256K and below 4T", sz);
		return -EINVAL;
	}
	r = place(p, size, base, base_set, err, errlen);
	if (!r)
		return -EINVAL;
	if (!base_set)
		base = r->base;
	ret = dmasim__reserve_phys(p, base, size);
	if (ret) {
		snprintf(err, errlen, "swiotlb=%s@0x%llx: cannot reserve the pool (%s)", sz,
			 (unsigned long long)base, strerror(-ret));
		return ret;
	}
	sw = calloc(1, sizeof(*sw));
	if (!sw)
		goto nomem;
	sw->busy = bit_alloc(nslots);
	sw->slots = calloc((size_t)nslots, sizeof(*sw->slots));
	if (!sw->busy || !sw->slots) {
		free(sw->busy);
		free(sw->slots);
		free(sw);
		goto nomem;
	}
	for (u64 i = 0; i < nslots; i++)
		sw->slots[i].orig = NO_ORIG;
	pthread_spin_init(&sw->lock, PTHREAD_PROCESS_PRIVATE);
	sw->start = base;
	sw->end = base + size - 1;
	sw->nslots = (unsigned int)nslots;
	sw->force = force;
	/* The pool lies inside one region, whose host mapping never moves. */
	sw->cpu = dmasim__cpu_ptr(p, base);
	p->swiotlb = sw;
	p->swiotlb_base = base;
	p->swiotlb_size = size;
	return 0;
nomem:
	snprintf(err, errlen, "swiotlb=%s: no host memory for the slot table", sz);
	return -ENOMEM;
}

void dmasim__swiotlb_destroy(struct dmasim_platform *p)
{
	struct dmasim_swiotlb *sw = p->swiotlb;

	if (!sw)
		return;
	pthread_spin_destroy(&sw->lock);
	free(sw->busy);
	free(sw->slots);
	free(sw);
	p->swiotlb = NULL;
	p->swiotlb_size = 0;
}

/* ---- the copy ---------------------------------------------------------- */

/*
 * The one place bounce data moves: DMA_TO_DEVICE copies the original into
 * the pool, DMA_FROM_DEVICE the pool back into the original.  The CPU does
 * the copy, so both ends are reached through the CPU's view (the same memory
 * as RAM under the coherent model); the cache maintenance the translation
 * layer does around it moves the slot between that view and RAM.
 */
static void bounce_copy(struct dmasim_platform *p, phys_addr_t tlb, phys_addr_t orig, size_t size,
			enum dma_data_direction dir)
{
	const struct dmasim_swiotlb *sw = p->swiotlb;
	unsigned char *t = sw->cpu + (tlb - sw->start);
	unsigned char *o = dmasim__cpu_ptr(p, orig);

	if (DMASIM_WARN_ON(p, !sw->cpu || !o) || !size)
		return;
	if (dir == DMA_TO_DEVICE)
		memmove(t, o, size);
	else
		memmove(o, t, size);
}

/* ---- slot search ----------------------------------------------------------- */

struct search {
	unsigned int n;         /* slots wanted */
	u64 tbl_dma;            /* bus address of slot 0 */
	u64 align_mask;         /* bus bits that must be 0 in the first slot */
	u64 keep_mask;          /* bus bits that must equal the original's */
	u64 keep;               /* orig & keep_mask */
	u64 boundary_mask;      /* device segment boundary */
};

/* Lowest slot in [lo, hi) where a run of s->n free slots fits the rules, or -1. */
static int search_range(const struct dmasim_swiotlb *sw, const struct search *s,
			unsigned int lo, unsigned int hi)
{
	unsigned int i = lo;

	while (i < hi) {
		u64 bus = s->tbl_dma + ((u64)i << IO_TLB_SHIFT);
		u64 last = bus + ((u64)s->n << IO_TLB_SHIFT) - 1;
		int j;

		if ((bus & s->align_mask) || (bus & s->keep_mask) != s->keep) {
			i++;
			continue;
		}
		/* The kernel's free lists stop at every 128-slot segment. */
		if (i % IO_TLB_SEGSIZE + s->n > IO_TLB_SEGSIZE) {
			i = (unsigned int)ALIGN(i + 1, IO_TLB_SEGSIZE);
			continue;
		}
		if ((bus ^ last) & ~s->boundary_mask) {
			i++;
			continue;
		}
		/* No start at or before a busy slot in the run can fit: skip past it. */
		for (j = (int)(i + s->n) - 1; j >= (int)i; j--)
			if (bit_test(sw->busy, j))
				break;
		if (j < (int)i)
			return (int)i;
		i = (unsigned int)j + 1;
	}
	return -1;
}

/*
 * Allocate slots for @size bytes of @orig.  Return the first mapped byte's
 * physical address in *tlb, or -ENOMEM.  Caller holds sw->lock.
 */
static int alloc_slots(struct dmasim_swiotlb *sw, struct dmasim_device *d, phys_addr_t orig,
		       size_t size, enum dma_data_direction dir, phys_addr_t *tlb,
		       size_t *alloc_size)
{
	unsigned int min_align = d->parms.min_align_mask;
	unsigned int offset = align_offset(min_align, orig);
	struct search s;
	u64 align = 0;
	int idx;

	*alloc_size = size + offset;
	/*
	 * As the kernel: bounces of a page or more are page aligned when the
	 * device asks for no min_align_mask (drivers came to rely on it);
	 * every bounce starts on a slot; the min_align_mask bits above the
	 * slot size are matched by choosing the slot, those below by @offset.
	 */
	if (!min_align && *alloc_size >= PAGE_SIZE)
		align = PAGE_SIZE - 1;
	align |= IO_TLB_SIZE - 1;
	s.n = nr_slots(*alloc_size);
	s.tbl_dma = dmasim__phys_to_dma(d, sw->start);
	s.align_mask = align;
	s.keep_mask = min_align & ~align;
	s.keep = orig & s.keep_mask;
	s.boundary_mask = d->parms.segment_boundary_mask;

	if (s.n > sw->nslots - sw->used)
		return -ENOMEM;
	idx = search_range(sw, &s, sw->index, sw->nslots);
	if (idx < 0)
		idx = search_range(sw, &s, 0, sw->index);
	if (idx < 0)
		return -ENOMEM;

	/* Bit by bit: bit_nset()'s general byte masks cost more for the usual 1-2 slots. */
	for (unsigned int k = 0; k < s.n; k++) {
		struct tlb_slot *sl = &sw->slots[(unsigned int)idx + k];
		size_t skip = (size_t)k << IO_TLB_SHIFT;

		bit_set(sw->busy, idx + (int)k);
		slot_set(sl->orig, orig + skip);
		/* With an offset, the last slot may hold only padding-shifted tail bytes. */
		slot_set(sl->alloc_size, skip < size ? size - skip : 0);
		slot_set(sl->head, (unsigned int)idx);
		slot_set(sl->offset, offset);
	}
	slot_set(sw->slots[idx].owner, (const struct dmasim_device *)d);
	slot_set(sw->slots[idx].dir, (int)dir);
	sw->used += s.n;
	sw->index = (unsigned int)idx + s.n;
	if (sw->index >= sw->nslots)
		sw->index = 0;
	*tlb = slot_phys(sw, (unsigned int)idx) + offset;
	return 0;
}

static void free_slots(struct dmasim_swiotlb *sw, unsigned int head, unsigned int n)
{
	for (unsigned int k = head; k < head + n; k++) {
		bit_clear(sw->busy, (int)k);
		slot_set(sw->slots[k].orig, NO_ORIG);
		slot_set(sw->slots[k].alloc_size, 0);
		slot_set(sw->slots[k].head, 0);
		slot_set(sw->slots[k].offset, 0);
	}
	slot_set(sw->slots[head].owner, NULL);
	sw->used -= n;
	/* lifo: the next search starts in the slots just freed, still in the CPU's cache. */
	if (sw->lifo)
		sw->index = head;
}

/*
 * The live mapping that contains @tlb (any byte of its slots).  Return 0,
 * or -ENOENT if @tlb is in no live mapping.  Caller holds sw->lock.
 */
static int find_bounce(const struct dmasim_swiotlb *sw, phys_addr_t tlb, struct bounce *b)
{
	const struct tlb_slot *h;
	unsigned int k;

	if (tlb < sw->start || tlb > sw->end)
		return -ENOENT;
	k = (unsigned int)((tlb - sw->start) >> IO_TLB_SHIFT);
	if (!bit_test(sw->busy, (int)k) || sw->slots[k].orig == NO_ORIG)
		return -ENOENT;
	b->head = sw->slots[k].head;
	h = &sw->slots[b->head];
	if (h->orig == NO_ORIG)
		return -ENOENT;
	b->tlb = slot_phys(sw, b->head) + h->offset;
	b->orig = h->orig;
	b->size = h->alloc_size;
	b->nslots = nr_slots(h->offset + h->alloc_size);
	return 0;
}

/* ---- map, unmap, sync -------------------------------------------------------- */

/*
 * Bounce into fresh slots.  @reach: the slot's own bus address is what the
 * device uses (dma-direct), so it must lie under the device's mask.
 */
static int map_slots(struct dmasim_device *d, phys_addr_t orig, size_t size,
		     enum dma_data_direction dir, unsigned long attrs, bool reach, phys_addr_t *tlb)
{
	struct dmasim_platform *p = d->plat;
	struct dmasim_swiotlb *sw = p->swiotlb;
	size_t max = dmasim__swiotlb_max_mapping_size(d), alloc_size = 0;
	unsigned long used;
	phys_addr_t t;
	dma_addr_t bus;
	int ret;

	if (!sw) {
		dmasim__dev_report(d,
				   "swiotlb: no bounce buffer (swiotlb=off) to map phys 0x%llx+%zu through; create the platform with swiotlb=SIZE",
				   (unsigned long long)orig, size);
		return -ENODEV;
	}
	if (!size || size > max) {
		dmasim__dev_report(d,
				   "swiotlb: cannot bounce phys 0x%llx+%zu: the size must be 1..%zu bytes (min_align_mask 0x%x); see dma_max_mapping_size()",
				   (unsigned long long)orig, size, max, d->parms.min_align_mask);
		return -EINVAL;
	}
	if (DMASIM_WARN_ON(p, !dmasim__phys_range_ok(p, orig, size)))
		return -EINVAL;

	if (dmasim__should_fail(p, FAIL_SWIOTLB, d, "swiotlb"))
		return -ENOMEM; /* as if every slot were taken */
	pthread_spin_lock(&sw->lock);
	ret = alloc_slots(sw, d, orig, size, dir, &t, &alloc_size);
	used = sw->used;
	pthread_spin_unlock(&sw->lock);
	if (ret) {
		if (!(attrs & DMA_ATTR_NO_WARN))
			dmasim__log(p, DMASIM_LOG_WARN,
				    "%s: swiotlb buffer is full (sz: %zu bytes), total %u (slots), used %lu (slots) [mapping phys 0x%llx+%zu]",
				    d->name, alloc_size, sw->nslots, used, (unsigned long long)orig,
				    size);
		return -ENOMEM;
	}

	/*
	 * The pool was placed for the common case; a narrower device may not
	 * reach it.  Behind an IOMMU the slot gets an IOVA, so anywhere will do.
	 */
	bus = dmasim__phys_to_dma(d, t);
	if (reach && !dmasim__dma_capable(d, bus, size, d->dma_mask)) {
		struct bounce b;

		pthread_spin_lock(&sw->lock);
		if (!DMASIM_WARN_ON(p, find_bounce(sw, t, &b)))
			free_slots(sw, b.head, b.nslots);
		pthread_spin_unlock(&sw->lock);
		dmasim__dev_report(d,
				   "swiotlb: bounce buffer 0x%llx+%zu is beyond the device's reach (mask 0x%llx, bus limit 0x%llx); place the pool lower with swiotlb=SIZE@ADDR",
				   (unsigned long long)bus, size, (unsigned long long)d->dma_mask,
				   (unsigned long long)d->dev.bus_dma_limit);
		return -EIO;
	}

	/*
	 * Current kernels copy the original into the bounce on every map, in
	 * every direction and whatever the attrs: for DMA_FROM_DEVICE too, so
	 * that bytes the device does not write come back unchanged at unmap
	 * instead of a previous user's data (the 5.18 rework of "swiotlb: fix
	 * info leak with DMA_FROM_DEVICE").  DMA_ATTR_SKIP_CPU_SYNC only skips
	 * cache maintenance, which is the caller's business, not this copy.
	 */
	bounce_copy(p, t, orig, size, DMA_TO_DEVICE);
	*tlb = t;
	DMASIM_TRACE_DEV(d, .ev = "bounce", .call = "swiotlb", .phys = orig, .has_phys = true,
			 .bus = dmasim__phys_to_dma(d, t), .has_bus = true, .size = size, .dir = dir, .has_dir = true,
			 .bounced = true);
	return 0;
}

int dmasim__swiotlb_map(struct dmasim_device *d, phys_addr_t orig, size_t size,
			enum dma_data_direction dir, unsigned long attrs, phys_addr_t *tlb)
{
	return map_slots(d, orig, size, dir, attrs, true, tlb);
}

int dmasim__swiotlb_tbl_map(struct dmasim_device *d, phys_addr_t orig, size_t size,
			    enum dma_data_direction dir, unsigned long attrs, phys_addr_t *tlb)
{
	return map_slots(d, orig, size, dir, attrs, false, tlb);
}

void dmasim__swiotlb_unmap(struct dmasim_device *d, phys_addr_t tlb, size_t size,
			   enum dma_data_direction dir, unsigned long attrs)
{
	struct dmasim_platform *p = d->plat;
	struct dmasim_swiotlb *sw = p->swiotlb;
	struct bounce b;
	bool copy_back = !(attrs & DMA_ATTR_SKIP_CPU_SYNC) &&
			 (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL);
	int ret;

	if (!sw) {
		dmasim__dev_report(d, "swiotlb: unmap of 0x%llx+%zu: there is no bounce buffer (swiotlb=off)",
				   (unsigned long long)tlb, size);
		return;
	}
	pthread_spin_lock(&sw->lock);
	ret = find_bounce(sw, tlb, &b);
	if (!ret && (tlb != b.tlb || size != b.size))
		ret = -EINVAL;
	if (!ret && !copy_back) {
		/* Nothing to copy: free in the same critical section. */
		free_slots(sw, b.head, b.nslots);
	} else if (!ret) {
		/* Dead to lookups while it copies back, so a second unmap fails here. */
		for (unsigned int k = b.head; k < b.head + b.nslots; k++)
			slot_set(sw->slots[k].orig, NO_ORIG);
	}
	pthread_spin_unlock(&sw->lock);

	if (ret == -ENOENT) {
		dmasim__dev_report(d,
				   "swiotlb: unmap of 0x%llx+%zu: not a live bounce buffer (pool 0x%llx-0x%llx; double unmap?)",
				   (unsigned long long)tlb, size, (unsigned long long)sw->start,
				   (unsigned long long)sw->end);
		return;
	}
	if (ret) {
		dmasim__dev_report(d,
				   "swiotlb: unmap of 0x%llx+%zu does not match the bounce buffer 0x%llx+%zu (of phys 0x%llx); nothing unmapped",
				   (unsigned long long)tlb, size, (unsigned long long)b.tlb, b.size,
				   (unsigned long long)b.orig);
		return;
	}

	if (!copy_back)
		return;
	bounce_copy(p, b.tlb, b.orig, b.size, DMA_FROM_DEVICE);

	pthread_spin_lock(&sw->lock);
	free_slots(sw, b.head, b.nslots);
	pthread_spin_unlock(&sw->lock);
}

/*
 * Resolve [tlb, tlb+size) inside one live mapping to the original address.
 * Return 0, or report on behalf of @call and return -EINVAL.
 */
static int sync_range(struct dmasim_device *d, const char *call, phys_addr_t tlb, size_t size,
		      phys_addr_t *orig)
{
	struct dmasim_swiotlb *sw = d->plat->swiotlb;
	struct bounce b;
	int ret;

	if (!sw) {
		dmasim__dev_report(d, "swiotlb: %s of 0x%llx+%zu: there is no bounce buffer (swiotlb=off)",
				   call, (unsigned long long)tlb, size);
		return -EINVAL;
	}
	pthread_spin_lock(&sw->lock);
	ret = find_bounce(sw, tlb, &b);
	pthread_spin_unlock(&sw->lock);
	if (ret) {
		dmasim__dev_report(d, "swiotlb: %s of 0x%llx+%zu: not a live bounce buffer",
				   call, (unsigned long long)tlb, size);
		return -EINVAL;
	}
	if (tlb < b.tlb || tlb - b.tlb > b.size || size > b.size - (tlb - b.tlb)) {
		dmasim__dev_report(d,
				   "swiotlb: %s of 0x%llx+%zu goes outside the bounce buffer 0x%llx+%zu; nothing copied",
				   call, (unsigned long long)tlb, size, (unsigned long long)b.tlb,
				   b.size);
		return -EINVAL;
	}
	if (slot_get(sw->slots[b.head].owner) != d) {
		dmasim__dev_report(d,
				   "swiotlb: %s of 0x%llx+%zu: the bounce buffer 0x%llx+%zu belongs to another device; nothing copied",
				   call, (unsigned long long)tlb, size, (unsigned long long)b.tlb,
				   b.size);
		return -EINVAL;
	}
	*orig = b.orig + (tlb - b.tlb);
	return 0;
}

static int find_owned(struct dmasim_device *d, phys_addr_t tlb, size_t size,
		      phys_addr_t *orig, enum dma_data_direction *dir);

void dmasim__swiotlb_sync_for_cpu(struct dmasim_device *d, phys_addr_t tlb, size_t size,
				  enum dma_data_direction dir)
{
	enum dma_data_direction mapped;
	phys_addr_t orig;

	/*
	 * A live bounce of @d's is found without the lock, and its mapping's
	 * direction decides the copy (what the hardware was given); anything
	 * else is explained.
	 */
	if (!find_owned(d, tlb, size, &orig, &mapped))
		dir = mapped;
	else if (sync_range(d, "sync_single_for_cpu", tlb, size, &orig))
		return;
	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		bounce_copy(d->plat, tlb, orig, size, DMA_FROM_DEVICE);
}

void dmasim__swiotlb_sync_for_device(struct dmasim_device *d, phys_addr_t tlb, size_t size,
				     enum dma_data_direction dir)
{
	enum dma_data_direction mapped;
	phys_addr_t orig;

	if (!find_owned(d, tlb, size, &orig, &mapped))
		dir = mapped;
	else if (sync_range(d, "sync_single_for_device", tlb, size, &orig))
		return;
	/* FROM_DEVICE: the bounce already holds what the device may overwrite. */
	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		bounce_copy(d->plat, tlb, orig, size, DMA_TO_DEVICE);
}

/*
 * Without the lock: resolve [tlb, tlb+size) inside a live bounce that @d
 * mapped.  Return 0 with the original of @tlb and the mapping's direction,
 * or -ENOENT (the caller then takes the slow path that explains why).  A
 * live mapping's slots change only at its own unmap, which a correct driver
 * does not run while it syncs that mapping; a racing one may see a slot in
 * passing, as the kernel's unlocked sync would.
 */
static int find_owned(struct dmasim_device *d, phys_addr_t tlb, size_t size,
		      phys_addr_t *orig, enum dma_data_direction *dir)
{
	const struct dmasim_swiotlb *sw = d->plat->swiotlb;
	const struct tlb_slot *h;
	phys_addr_t o, first;
	unsigned int k, head;
	size_t n;

	if (!sw || tlb < sw->start || tlb > sw->end)
		return -ENOENT;
	k = (unsigned int)((tlb - sw->start) >> IO_TLB_SHIFT);
	if (slot_get(sw->slots[k].orig) == NO_ORIG)
		return -ENOENT;
	head = slot_get(sw->slots[k].head);
	if (head > k)
		return -ENOENT;
	h = &sw->slots[head];
	o = slot_get(h->orig);
	if (o == NO_ORIG || slot_get(h->owner) != d)
		return -ENOENT;
	first = slot_phys(sw, head) + slot_get(h->offset);
	n = slot_get(h->alloc_size);
	if (tlb < first || tlb - first >= n || size > n - (tlb - first))
		return -ENOENT;
	*orig = o + (tlb - first);
	*dir = (enum dma_data_direction)slot_get(h->dir);
	return 0;
}

/* ---- queries ------------------------------------------------------------------ */

bool dmasim__swiotlb_active(struct dmasim_platform *p)
{
	return p->swiotlb != NULL;
}

bool dmasim__swiotlb_force(struct dmasim_platform *p)
{
	return p->swiotlb && p->swiotlb->force;
}

void dmasim__swiotlb_set_lifo(struct dmasim_platform *p, bool lifo)
{
	struct dmasim_swiotlb *sw = p->swiotlb;

	if (!sw)
		return;
	pthread_spin_lock(&sw->lock);
	sw->lifo = lifo;
	pthread_spin_unlock(&sw->lock);
}

bool dmasim__swiotlb_lifo(struct dmasim_platform *p)
{
	return p->swiotlb && p->swiotlb->lifo;
}

int dmasim__swiotlb_orig(struct dmasim_platform *p, phys_addr_t tlb, phys_addr_t *orig)
{
	struct dmasim_swiotlb *sw = p->swiotlb;
	struct bounce b;
	int ret;

	if (!sw)
		return -ENOENT;
	pthread_spin_lock(&sw->lock);
	ret = find_bounce(sw, tlb, &b);
	pthread_spin_unlock(&sw->lock);
	/* The min_align padding and the tail of the last slot map nothing. */
	if (ret || tlb < b.tlb || tlb - b.tlb >= b.size)
		return -ENOENT;
	*orig = b.orig + (tlb - b.tlb);
	return 0;
}

size_t dmasim__swiotlb_max_mapping_size(struct dmasim_device *d)
{
	size_t mask = d->parms.min_align_mask, cost = 0;

	/* Slots skipped to match min_align_mask bits are lost to the mapping. */
	if (mask)
		cost = DIV_ROUND_UP(mask, IO_TLB_SIZE) * IO_TLB_SIZE;
	return (size_t)IO_TLB_SIZE * IO_TLB_SEGSIZE - cost;
}

phys_addr_t dmasim__swiotlb_start(struct dmasim_platform *p)
{
	return p->swiotlb ? p->swiotlb->start : 0;
}

phys_addr_t dmasim__swiotlb_end(struct dmasim_platform *p)
{
	return p->swiotlb ? p->swiotlb->end : 0;
}

unsigned long dmasim__swiotlb_used(struct dmasim_platform *p)
{
	struct dmasim_swiotlb *sw = p->swiotlb;
	unsigned long used;

	if (!sw)
		return 0;
	pthread_spin_lock(&sw->lock);
	used = sw->used;
	pthread_spin_unlock(&sw->lock);
	return used;
}

void dmasim__swiotlb_layout(struct dmasim_platform *p, struct dmasim_layout *out)
{
	struct dmasim_swiotlb *sw = p->swiotlb;

	out->swiotlb = sw != NULL;
	if (!sw)
		return;
	out->swiotlb_start = sw->start;
	out->swiotlb_end = sw->end;
	out->swiotlb_slots = sw->nslots;
	out->swiotlb_used = dmasim__swiotlb_used(p);
}

void dmasim__swiotlb_dump(struct dmasim_platform *p, FILE *out)
{
	struct dmasim_swiotlb *sw = p->swiotlb;

	if (!sw) {
		fprintf(out, "  swiotlb off\n");
		return;
	}
	fprintf(out, "  swiotlb phys 0x%09llx-0x%09llx (%llu KiB, %u slots of 2 KiB, %lu used%s%s)\n",
		(unsigned long long)sw->start, (unsigned long long)sw->end,
		(unsigned long long)((sw->end + 1 - sw->start) >> 10), sw->nslots,
		dmasim__swiotlb_used(p), sw->force ? ", force" : "", sw->lifo ? ", lifo" : "");
}
