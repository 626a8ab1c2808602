/*
 * lib/cache/cache-ownership.c - per-line ownership of the CPU view (cache layer;
 * see cache-ownership.h for what it answers).
 *
 * State lives per line, in blocks of UNIT bytes kept in a hash table and
 * only while some line in them belongs to a mapping.  Each such line points
 * at the hand-over ("grant") that gave it to a device: the device, the
 * direction and the range handed over, for the reports and to tell the
 * buffer's own bytes from a neighbour's in a shared line.  A line that comes
 * back to the CPU keeps its grant but is no longer owned, so a range that
 * goes back to the device rejoins the same buffer; the grant goes when the
 * mapping ends or the line is handed over for another buffer.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache-ownership.h"
#include "cache/cache.h"

#define UNIT 4096u /* bytes per block of lines; a line is at most this long */

struct grant {
	struct device *dev;
	phys_addr_t start, end; /* the range handed over */
	enum dma_data_direction dir;
	unsigned long refs;     /* lines that point at it */
};

struct unit {
	struct unit *next;        /* hash chain */
	phys_addr_t base;
	unsigned int nr;          /* lines with a grant */
	struct grant **grant;     /* per line: its hand-over, NULL if none */
	unsigned char *owned;     /* per line: a device owns it (else the CPU, since it came back) */
	unsigned char snap[UNIT]; /* per owned line: the CPU view at its hand-over */
};

struct dmasim_ownership {
	unsigned int line;
	unsigned int per_unit;    /* lines per unit */
	dmasim_ram_fn cpu;
	void *cookie;
	dmasim_ownership_report_fn report;
	struct unit **bucket;
	unsigned int bits;        /* 1 << bits buckets */
	size_t nr_units;
};

/* What a take-back found: how many bytes, the first, and the hand-over it belongs to. */
struct finding {
	size_t n;
	phys_addr_t first;
	const struct grant *g;
};

static size_t slot(const struct dmasim_ownership *o, phys_addr_t base)
{
	return (size_t)(((u64)(base / UNIT) * 0x9e3779b97f4a7c15ULL) >> (64 - o->bits));
}

struct dmasim_ownership *dmasim__ownership_create(unsigned int line, dmasim_ram_fn cpu,
						  void *cookie, dmasim_ownership_report_fn report)
{
	struct dmasim_ownership *o;

	if (!line || line > UNIT || (line & (line - 1)))
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->line = line;
	o->per_unit = UNIT / line;
	o->cpu = cpu;
	o->cookie = cookie;
	o->report = report;
	o->bits = 8;
	o->bucket = calloc((size_t)1 << o->bits, sizeof(*o->bucket));
	if (!o->bucket) {
		free(o);
		return NULL;
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

static void put(struct grant *g)
{
	if (!--g->refs)
		free(g);
}

/* Line @i of @u forgets its hand-over. */
static void forget(struct unit *u, unsigned int i)
{
	if (!u->grant[i])
		return;
	put(u->grant[i]);
	u->grant[i] = NULL;
	u->owned[i] = 0;
	u->nr--;
}

void dmasim__ownership_destroy(struct dmasim_ownership *o)
{
	if (!o)
		return;
	for (size_t b = 0; b < (size_t)1 << o->bits; b++)
		while (o->bucket[b]) {
			struct unit *u = o->bucket[b];

			o->bucket[b] = u->next;
			for (unsigned int i = 0; i < o->per_unit; i++)
				forget(u, i);
			free(u);
		}
	free(o->bucket);
	free(o);
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

void dmasim__ownership_end(struct dmasim_ownership *o, struct device *dev, phys_addr_t phys,
			   size_t size)
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

			if (u->grant[i] && u->grant[i]->dev == dev)
				forget(u, i);
		}
		if (!u->nr)
			drop_unit(o, u);
	}
}

void dmasim__ownership_to_device(struct dmasim_ownership *o, struct device *dev, phys_addr_t phys,
				 size_t size, enum dma_data_direction dir)
{
	phys_addr_t start, end;
	struct grant *g = NULL;
	struct unit *u;

	lines(o, phys, size, &start, &end);
	/* A range of a buffer the device had before rejoins it; anything else is a buffer of its own. */
	u = find(o, start & ~(phys_addr_t)(UNIT - 1));
	if (u) {
		struct grant *had = u->grant[index_of(o, start)];

		if (had && had->dev == dev && had->dir == dir && had->start <= phys &&
		    phys + size <= had->end)
			g = had;
	}
	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g) {
			/* Out of memory: better no tracking than a stale snapshot. */
			dmasim__ownership_end(o, dev, phys, size);
			return;
		}
		g->dev = dev;
		g->start = phys;
		g->end = phys + size;
		g->dir = dir;
	}
	g->refs++; /* held across the loop */
	for (phys_addr_t l = start, stop; l < end; l = stop) {
		unsigned int first;

		stop = run_end(l, end);
		u = get(o, l & ~(phys_addr_t)(UNIT - 1));
		if (!u)
			continue; /* out of memory: these lines stay untracked */
		first = index_of(o, l);
		for (unsigned int i = first; i < first + (stop - l) / o->line; i++) {
			if (u->grant[i] != g) {
				if (u->grant[i])
					put(u->grant[i]);
				else
					u->nr++;
				u->grant[i] = g;
				g->refs++;
			}
			u->owned[i] = 1;
		}
		memcpy(u->snap + (l - u->base), o->cpu(o->cookie, l), (size_t)(stop - l));
	}
	put(g);
}

static void note(struct finding *f, phys_addr_t at, const struct grant *g)
{
	if (!f->n++) {
		f->first = at;
		f->g = g;
	}
}

static void report(const struct dmasim_ownership *o, const struct grant *g, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(const struct dmasim_ownership *o, const struct grant *g, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->report(o->cookie, g->dev, g->start, msg);
}

void dmasim__ownership_to_cpu(struct dmasim_ownership *o, struct device *dev, phys_addr_t phys,
			      size_t size, bool invalidates)
{
	struct finding wrote = { 0 }, lost = { 0 };
	phys_addr_t start, end;

	(void)dev; /* the invalidate hits every owner of the lines alike */
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
			cpu = o->cpu(o->cookie, a);
			snap = u->snap + (a - u->base);
			if (!o->report || !memcmp(cpu, snap, o->line))
				continue;
			/* The buffer's own bytes were the device's; a neighbour's go only if invalidated. */
			for (unsigned int b = 0; b < o->line; b++)
				if (cpu[b] != snap[b]) {
					if (a + b >= g->start && a + b < g->end)
						note(&wrote, a + b, g);
					else if (invalidates)
						note(&lost, a + b, g);
				}
		}
	}
	if (wrote.n)
		report(o, wrote.g, "cache: CPU wrote %zu bytes of a %s buffer while the device owned it [first at phys 0x%llx] [buffer phys 0x%llx+%llu]%s",
		       wrote.n, dmasim__dir_name(wrote.g->dir), (unsigned long long)wrote.first,
		       (unsigned long long)wrote.g->start,
		       (unsigned long long)(wrote.g->end - wrote.g->start),
		       invalidates ? ": the invalidate discards them" :
				     ": the device may have read the old bytes");
	if (lost.n)
		report(o, lost.g, "cache: data loss: invalidating buffer phys 0x%llx+%llu discards %zu bytes the CPU wrote next to it in a shared cache line [at phys 0x%llx]",
		       (unsigned long long)lost.g->start,
		       (unsigned long long)(lost.g->end - lost.g->start), lost.n,
		       (unsigned long long)lost.first);
}

void dmasim__ownership_for_each_dirty(struct dmasim_ownership *o,
				      void (*fn)(void *ctx, phys_addr_t line), void *ctx)
{
	for (size_t b = 0; b < (size_t)1 << o->bits; b++)
		for (struct unit *u = o->bucket[b]; u; u = u->next)
			for (unsigned int i = 0; i < o->per_unit; i++) {
				phys_addr_t l = u->base + (phys_addr_t)i * o->line;

				if (u->owned[i] && memcmp(o->cpu(o->cookie, l), u->snap + (l - u->base), o->line))
					fn(ctx, l);
			}
}
