/*
 * lib/debug/ownership.c - DMA-API debugging: who owns each cache line of a
 * mapping, the CPU or the device, on a machine whose CPU view and RAM are
 * two copies (cache=noncoherent) and for a device that does not snoop.
 *
 * A mapping's lines are the device's from the hand-over (the map, a sync
 * for the device) until any part of each comes back (a sync for the CPU,
 * the unmap); at the hand-over the tracker keeps the CPU view's bytes of
 * each line (its snapshot), after the maintenance.  When a line comes back,
 * before the maintenance, the bytes the CPU changed meanwhile are the
 * misuse: the CPU wrote a buffer the device owned (the invalidate discards
 * it, or the device may have read the old bytes), or wrote next to a buffer
 * in a shared line that the invalidate throws away.  All state is per line,
 * so a range sync, a sync of one scatter-gather segment and a whole-buffer
 * sync give the same answer, with or without an IOMMU.
 *
 * The API layer's debug hooks call it with the mapping's entry, so it works
 * on the driver's memory (a bounced mapping's original, not its slot) and
 * keys what it keeps by the entry (device, sequence number): whatever ends
 * the entry (an unmap, synced or not, a free, the leak clean-up when a
 * device goes) ends what the tracker knows of that mapping.  With debug
 * off the hooks return before reaching it: no snapshot is ever taken.
 *
 * State lives per line, in blocks of UNIT bytes kept in a hash table and
 * only while some line in them belongs to a mapping.  Each such line points
 * at the grant that gave it to a device: the mapping, its direction and the
 * piece of the driver's memory it covers (to tell the buffer's own bytes
 * from a neighbour's in a shared line).  A line that comes back keeps its
 * grant but is no longer owned, so a range that goes back to the device
 * rejoins the same buffer.
 *
 * May use: lib/debug/debug.h (the entries, reports, the bus translation).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debug/debug.h"

#define UNIT 4096u     /* bytes per block of lines; a line is at most this long */
#define GRANT_BITS 10  /* 1 << GRANT_BITS chains of grants, by mapping */

/* A piece of a mapping's memory given to the device: all lines of it point here. */
struct grant {
	struct grant *next;          /* chain of its mapping's hash slot */
	const struct dmasim_device *dev;
	unsigned long seq;           /* the mapping's entry */
	phys_addr_t start, end;      /* the piece of the driver's memory */
	enum dma_data_direction dir;
	bool bounced;                /* the device has a copy: no invalidate hits these lines */
};

struct unit {
	struct unit *next;           /* hash chain */
	phys_addr_t base;
	unsigned int nr;             /* lines with a grant */
	struct grant **grant;        /* per line: its grant, NULL if none */
	unsigned char *owned;        /* per line: a device owns it (else the CPU, since it came back) */
	unsigned char snap[UNIT];    /* per owned line: the CPU view at its hand-over */
};

struct dmasim_ownership {
	pthread_mutex_t lock;
	struct dmasim_platform *plat;
	unsigned int line;
	unsigned int per_unit;       /* lines per unit */
	struct unit **bucket;
	unsigned int bits;           /* 1 << bits buckets */
	size_t nr_units;
	struct grant *grants[1u << GRANT_BITS];
};

/* What a take-back found: how many bytes, the first, and the grant it belongs to. */
struct finding {
	size_t n;
	phys_addr_t first;
	struct grant g;              /* a copy: reported after the lock is dropped */
};

static size_t slot(const struct dmasim_ownership *o, phys_addr_t base)
{
	return (size_t)(((u64)(base / UNIT) * 0x9e3779b97f4a7c15ULL) >> (64 - o->bits));
}

static size_t grant_slot(const struct dmasim_device *d, unsigned long seq)
{
	u64 h = ((u64)(uintptr_t)d >> 4) ^ ((u64)seq * 0x9e3779b97f4a7c15ULL);

	return (size_t)((h * 0x9e3779b97f4a7c15ULL) >> (64 - GRANT_BITS));
}

/* The platform's tracker, made on first use; NULL when out of memory. */
static struct dmasim_ownership *tracker(struct dmasim_platform *p)
{
	struct dmasim_ownership *o = __atomic_load_n(&p->ownership, __ATOMIC_ACQUIRE);
	struct dmasim_ownership *expected = NULL;
	unsigned int line = p->cache->line;

	if (o)
		return o;
	if (line > UNIT)
		return NULL; /* lines longer than a page: not tracked */
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->plat = p;
	o->line = line;
	o->per_unit = UNIT / line;
	o->bits = 8;
	o->bucket = calloc((size_t)1 << o->bits, sizeof(*o->bucket));
	if (!o->bucket) {
		free(o);
		return NULL;
	}
	pthread_mutex_init(&o->lock, NULL);
	/* First one wins; a loser frees its copy. */
	if (!__atomic_compare_exchange_n(&p->ownership, &expected, o, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		pthread_mutex_destroy(&o->lock);
		free(o->bucket);
		free(o);
		o = expected;
	}
	return o;
}

static struct unit *find(const struct dmasim_ownership *o, phys_addr_t base)
{
	struct unit *u;

	for (u = o->bucket[slot(o, base)]; u; u = u->next)
		if (u->base == base)
			return u;
	return NULL;
}

/* Double the table when the chains grow past two units on average. */
static void grow(struct dmasim_ownership *o)
{
	unsigned int old_bits = o->bits;
	struct unit **old = o->bucket, **nb = calloc((size_t)1 << (old_bits + 1), sizeof(*nb));

	if (!nb)
		return; /* longer chains, still correct */
	o->bucket = nb;
	o->bits = old_bits + 1;
	for (size_t i = 0; i < (size_t)1 << old_bits; i++)
		while (old[i]) {
			struct unit *u = old[i];

			old[i] = u->next;
			u->next = nb[slot(o, u->base)];
			nb[slot(o, u->base)] = u;
		}
	free(old);
}

static struct unit *get(struct dmasim_ownership *o, phys_addr_t base)
{
	struct unit *u = find(o, base);
	size_t i;

	if (u)
		return u;
	u = calloc(1, sizeof(*u) + o->per_unit * (sizeof(*u->grant) + 1));
	if (!u)
		return NULL;
	u->base = base;
	u->grant = (struct grant **)(u + 1);
	u->owned = (unsigned char *)(u->grant + o->per_unit);
	if (o->nr_units >= (size_t)2 << o->bits)
		grow(o);
	i = slot(o, base);
	u->next = o->bucket[i];
	o->bucket[i] = u;
	o->nr_units++;
	return u;
}

static void drop_unit(struct dmasim_ownership *o, struct unit *u)
{
	struct unit **pp = &o->bucket[slot(o, u->base)];

	while (*pp != u)
		pp = &(*pp)->next;
	*pp = u->next;
	o->nr_units--;
	free(u);
}

/* [*start, *end): @phys .. @phys + @size widened to whole lines. */
static void lines(const struct dmasim_ownership *o, phys_addr_t phys, size_t size,
		  phys_addr_t *start, phys_addr_t *end)
{
	*start = phys & ~(phys_addr_t)(o->line - 1);
	*end = (phys + size + o->line - 1) & ~(phys_addr_t)(o->line - 1);
}

/* The end of the run of [l, end) that lies in @l's unit. */
static phys_addr_t run_end(phys_addr_t l, phys_addr_t end)
{
	phys_addr_t next = (l & ~(phys_addr_t)(UNIT - 1)) + UNIT;

	return next < end ? next : end;
}

static unsigned int index_of(const struct dmasim_ownership *o, phys_addr_t l)
{
	return (unsigned int)((l & (UNIT - 1)) / o->line);
}

/* Every line of @g's piece that still points at it forgets it; then @g goes.  Lock held. */
static void end_grant(struct dmasim_ownership *o, struct grant *g)
{
	phys_addr_t start, end;

	lines(o, g->start, (size_t)(g->end - g->start), &start, &end);
	for (phys_addr_t l = start, stop; l < end; l = stop) {
		struct unit *u = find(o, l & ~(phys_addr_t)(UNIT - 1));

		stop = run_end(l, end);
		if (!u)
			continue;
		for (phys_addr_t a = l; a < stop; a += o->line) {
			unsigned int i = index_of(o, a);

			if (u->grant[i] == g) {
				u->grant[i] = NULL;
				u->owned[i] = 0;
				u->nr--;
			}
		}
		if (!u->nr)
			drop_unit(o, u);
	}
	free(g);
}

/* Mapping @seq of @d ends: every grant of it goes.  Lock held. */
static void end_mapping(struct dmasim_ownership *o, const struct dmasim_device *d,
			unsigned long seq)
{
	struct grant **pp = &o->grants[grant_slot(d, seq)], *g;

	while ((g = *pp) != NULL) {
		if (g->dev == d && g->seq == seq) {
			*pp = g->next;
			end_grant(o, g);
		} else {
			pp = &g->next;
		}
	}
}

void dmasim__own_end(struct dmasim_device *d, unsigned long seq)
{
	struct dmasim_ownership *o = __atomic_load_n(&d->plat->ownership, __ATOMIC_ACQUIRE);

	if (!o)
		return;
	pthread_mutex_lock(&o->lock);
	end_mapping(o, d, seq);
	pthread_mutex_unlock(&o->lock);
}

void dmasim__own_end_device(struct dmasim_device *d)
{
	struct dmasim_ownership *o = __atomic_load_n(&d->plat->ownership, __ATOMIC_ACQUIRE);

	if (!o)
		return;
	pthread_mutex_lock(&o->lock);
	for (size_t b = 0; b < ARRAY_SIZE(o->grants); b++) {
		struct grant **pp = &o->grants[b], *g;

		while ((g = *pp) != NULL) {
			if (g->dev == d) {
				*pp = g->next;
				end_grant(o, g);
			} else {
				pp = &g->next;
			}
		}
	}
	pthread_mutex_unlock(&o->lock);
}

void dmasim__ownership_destroy(struct dmasim_platform *p)
{
	struct dmasim_ownership *o = p->ownership;

	if (!o)
		return;
	for (size_t b = 0; b < (size_t)1 << o->bits; b++)
		while (o->bucket[b]) {
			struct unit *u = o->bucket[b];

			o->bucket[b] = u->next;
			free(u);
		}
	for (size_t b = 0; b < ARRAY_SIZE(o->grants); b++)
		while (o->grants[b]) {
			struct grant *g = o->grants[b];

			o->grants[b] = g->next;
			free(g);
		}
	pthread_mutex_destroy(&o->lock);
	free(o->bucket);
	free(o);
	p->ownership = NULL;
}

/* The grant of mapping @m for the piece starting at @start, made if new.  Lock held. */
static struct grant *grant_of(struct dmasim_ownership *o, struct dmasim_device *d,
			      const struct dmasim_map *m, phys_addr_t start, phys_addr_t end,
			      bool bounced)
{
	struct grant **head = &o->grants[grant_slot(d, m->seq)], *g;

	for (g = *head; g; g = g->next)
		if (g->dev == d && g->seq == m->seq && g->start == start)
			return g;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->dev = d;
	g->seq = m->seq;
	g->start = start;
	g->end = end;
	g->dir = m->dir;
	g->bounced = bounced;
	g->next = *head;
	*head = g;
	return g;
}

/* [phys, phys + size) of the piece [start, end) of @m passes to the device.  Lock held. */
static void piece_to_device(struct dmasim_ownership *o, struct dmasim_device *d,
			    const struct dmasim_map *m, phys_addr_t phys, size_t size,
			    phys_addr_t start, phys_addr_t end, bool bounced)
{
	struct grant *g = grant_of(o, d, m, start, end, bounced);
	phys_addr_t ls, le;

	lines(o, phys, size, &ls, &le);
	for (phys_addr_t l = ls, stop; l < le; l = stop) {
		unsigned int first;
		struct unit *u;

		stop = run_end(l, le);
		u = get(o, l & ~(phys_addr_t)(UNIT - 1));
		first = index_of(o, l);
		if (!u || !g) {
			/* Out of memory: better untracked lines than a stale snapshot. */
			if (u)
				for (unsigned int i = first; i < first + (stop - l) / o->line; i++)
					u->owned[i] = 0;
			continue;
		}
		for (unsigned int i = first; i < first + (stop - l) / o->line; i++) {
			if (!u->grant[i])
				u->nr++;
			u->grant[i] = g;
			u->owned[i] = 1;
		}
		memcpy(u->snap + (l - u->base), dmasim__cpu_ptr(o->plat, l), (size_t)(stop - l));
	}
}

static void note(struct finding *f, phys_addr_t at, const struct grant *g)
{
	if (!f->n++) {
		f->first = at;
		f->g = *g;
	}
}

/*
 * [phys, phys + size) comes back to the CPU; the lines it touches are the
 * CPU's.  @discards: the maintenance about to run overwrites the CPU's
 * view of the buffer (a sync for the CPU of a buffer the device may write).
 * Lock held.
 */
static void piece_to_cpu(struct dmasim_ownership *o, phys_addr_t phys, size_t size, bool discards,
			 struct finding *wrote, struct finding *lost)
{
	phys_addr_t start, end;

	lines(o, phys, size, &start, &end);
	for (phys_addr_t l = start, stop; l < end; l = stop) {
		struct unit *u = find(o, l & ~(phys_addr_t)(UNIT - 1));

		stop = run_end(l, end);
		if (!u)
			continue;
		for (phys_addr_t a = l; a < stop; a += o->line) {
			unsigned int i = index_of(o, a);
			const struct grant *g = u->grant[i];
			const unsigned char *cpu, *snap;

			if (!g || !u->owned[i])
				continue;
			u->owned[i] = 0;
			cpu = dmasim__cpu_ptr(o->plat, a);
			snap = u->snap + (a - u->base);
			if (!memcmp(cpu, snap, o->line))
				continue;
			/* The buffer's own bytes were the device's; a neighbour's go only if invalidated. */
			for (unsigned int b = 0; b < o->line; b++)
				if (cpu[b] != snap[b]) {
					if (a + b >= g->start && a + b < g->end)
						note(wrote, a + b, g);
					else if (discards && !g->bounced)
						note(lost, a + b, g);
				}
		}
	}
}

/* ---- the pieces of the driver's memory behind a range of a mapping ---------------- */

typedef void (*piece_fn)(void *ctx, phys_addr_t phys, size_t size, phys_addr_t start,
			 phys_addr_t end, bool bounced);

/* A scatter-gather segment: the list's entries it holds, in order (dma-iommu merges them). */
static bool sg_pieces(const struct dmasim_map *m, dma_addr_t addr, size_t size, piece_fn fn,
		      void *ctx)
{
	struct scatterlist *seg = (struct scatterlist *)m->sg_head, *e = seg;
	size_t off = (size_t)(addr - m->dma);
	int segs = 0, ents = 0;
	bool bounced;

	/* Find the segment, skipping the entries of those before it. */
	for (; seg && segs < m->sg_nents; seg = sg_next(seg), segs++) {
		size_t acc = 0;

		if (segs && !sg_dma_len(seg))
			return false;
		if (sg_dma_address(seg) == m->dma)
			break;
		while (acc < sg_dma_len(seg) && e && ents < m->sg_nents) {
			acc += e->length;
			e = sg_next(e);
			ents++;
		}
		if (acc != sg_dma_len(seg))
			return false;
	}
	if (!seg || segs == m->sg_nents)
		return false;
	bounced = seg->dma_flags & 1;
	for (; e && ents < m->sg_nents && off >= e->length; e = sg_next(e), ents++)
		off -= e->length;
	while (size) {
		size_t n;

		if (!e || ents == m->sg_nents)
			return false;
		n = e->length - off < size ? e->length - off : size;
		fn(ctx, sg_phys(e) + off, n, sg_phys(e), sg_phys(e) + e->length, bounced);
		size -= n;
		off = 0;
		e = sg_next(e);
		ents++;
	}
	return true;
}

/* Pages of an allocation, found page by page through the device's bus translation. */
static bool page_pieces(struct dmasim_device *d, const struct dmasim_map *m, dma_addr_t addr,
			size_t size, piece_fn fn, void *ctx)
{
	while (size) {
		size_t n = PAGE_SIZE - (addr & ~PAGE_MASK);
		phys_addr_t phys;

		if (n > size)
			n = size;
		if (d->bus->resolve(d, addr, &phys))
			return false;
		fn(ctx, phys, n, phys & PAGE_MASK, (phys & PAGE_MASK) + PAGE_SIZE, false);
		addr += n;
		size -= n;
	}
	(void)m;
	return true;
}

/*
 * Call @fn for each piece of the driver's memory behind [addr, addr + size)
 * of mapping @m, with the piece of the buffer it belongs to.  Return false
 * if the memory is not known (then some pieces may have been passed).
 */
static bool for_each_piece(struct dmasim_device *d, const struct dmasim_map *m, dma_addr_t addr,
			   size_t size, piece_fn fn, void *ctx)
{
	switch (m->kind) {
	case MAP_SINGLE:
	case MAP_PAGE:
	case MAP_IOVA:
		fn(ctx, m->phys + (addr - m->dma), size, m->phys, m->phys + m->size,
		   m->tlb != DMASIM_NO_TLB);
		return true;
	case MAP_SG:
		return m->sg_head && sg_pieces(m, addr, size, fn, ctx);
	case MAP_PAGES:
		return page_pieces(d, m, addr, size, fn, ctx);
	default:
		return false;
	}
}

struct walk {
	struct dmasim_ownership *o;
	struct dmasim_device *d;
	const struct dmasim_map *m;
	bool discards;
	struct finding wrote, lost;
};

static void to_device_fn(void *ctx, phys_addr_t phys, size_t size, phys_addr_t start,
			 phys_addr_t end, bool bounced)
{
	struct walk *w = ctx;

	piece_to_device(w->o, w->d, w->m, phys, size, start, end, bounced);
}

static void to_cpu_fn(void *ctx, phys_addr_t phys, size_t size, phys_addr_t start,
		      phys_addr_t end, bool bounced)
{
	struct walk *w = ctx;

	(void)start;
	(void)end;
	(void)bounced;
	piece_to_cpu(w->o, phys, size, w->discards, &w->wrote, &w->lost);
}

void dmasim__own_to_device(struct dmasim_device *d, const struct dmasim_map *m, dma_addr_t addr,
			   size_t size)
{
	struct walk w = { .d = d, .m = m };

	w.o = tracker(d->plat);
	if (!w.o)
		return;
	pthread_mutex_lock(&w.o->lock);
	/* Memory it cannot name: nothing of the mapping is watched (no false reports). */
	if (!for_each_piece(d, m, addr, size, to_device_fn, &w))
		end_mapping(w.o, d, m->seq);
	pthread_mutex_unlock(&w.o->lock);
}

static void report_findings(struct dmasim_device *d, const struct dmasim_map *m,
			    const struct finding *wrote, const struct finding *lost, bool discards)
{
	char site[400] = "";

	if (!wrote->n && !lost->n)
		return;
	dmasim__map_site(m, site, sizeof(site));
	if (wrote->n)
		dmasim__debug_report(d, "cache: CPU wrote %zu bytes of a %s buffer while the device owned it [first at phys 0x%llx] [buffer phys 0x%llx+%llu]%s%s",
				     wrote->n, dmasim__dir_name(wrote->g.dir),
				     (unsigned long long)wrote->first,
				     (unsigned long long)wrote->g.start,
				     (unsigned long long)(wrote->g.end - wrote->g.start),
				     discards ? ": the invalidate discards them" :
						": the device may have read the old bytes",
				     wrote->g.seq == m->seq && wrote->g.dev == d ? site : "");
	if (lost->n)
		dmasim__debug_report(d, "cache: data loss: invalidating buffer phys 0x%llx+%llu discards %zu bytes the CPU wrote next to it in a shared cache line [at phys 0x%llx]%s",
				     (unsigned long long)lost->g.start,
				     (unsigned long long)(lost->g.end - lost->g.start), lost->n,
				     (unsigned long long)lost->first,
				     lost->g.seq == m->seq && lost->g.dev == d ? site : "");
}

void dmasim__own_to_cpu(struct dmasim_device *d, const struct dmasim_map *m, dma_addr_t addr,
			size_t size)
{
	struct dmasim_ownership *o = __atomic_load_n(&d->plat->ownership, __ATOMIC_ACQUIRE);
	struct walk w = { .o = o, .d = d, .m = m, .discards = m->dir != DMA_TO_DEVICE };

	if (!o)
		return; /* nothing was ever handed over */
	pthread_mutex_lock(&o->lock);
	/* Memory it cannot name: the whole mapping is the CPU's, unchecked. */
	if (!for_each_piece(d, m, addr, size, to_cpu_fn, &w))
		end_mapping(o, d, m->seq);
	pthread_mutex_unlock(&o->lock);
	report_findings(d, m, &w.wrote, &w.lost, w.discards);
}
