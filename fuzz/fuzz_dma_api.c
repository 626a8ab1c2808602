/*
 * fuzz/fuzz_dma_api.c - the DMA API as a state machine, against a shadow model.
 *
 * The first byte picks a machine (direct, swiotlb bounce, IOMMU strict and
 * lazy with both formats and allocators, non-coherent caches with and
 * without IOMMU or bounce), the rest a sequence of driver and device
 * actions on two devices: streaming single/page/sg mappings, coherent
 * allocations, dma_pool blocks, syncs, CPU and device reads and writes,
 * unmaps and frees, injected failures, device unplug, and wrong calls.
 *
 * The model keeps, for every buffer, which side owns it and the bytes it
 * must hold, and checks after each step:
 *  - every live mapping translates, byte by byte, to its own pages (or to a
 *    swiotlb slot whose original is its page); an address near a mapping or
 *    of a finished one translates only if a live mapping covers it;
 *  - bytes the CPU wrote reach the device after map/sync_for_device, bytes
 *    the device wrote reach the CPU after sync_for_cpu/unmap, coherent and
 *    pool memory is shared at once; a device may not write a TO_DEVICE nor
 *    read a FROM_DEVICE mapping;
 *  - a correct call adds no misuse report, a wrong call adds at least one,
 *    and every legitimate mapping survives it with its bytes (the wrong
 *    call's own target is retired: its fate is the library's choice);
 *  - at the end everything is freed and the machine destroyed (LeakSanitizer).
 *
 * Wrong calls of defects being fixed elsewhere (issue 14) are skipped while
 * their FUZZ_SKIP_* switch is on.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <dmasim/dmasim.h>
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "fuzz-common.h"

/* Known defects (issue 14), skipped until their fixes are merged. */
#ifndef FUZZ_SKIP_POOL_TO_FREE_COHERENT
#define FUZZ_SKIP_POOL_TO_FREE_COHERENT 0 /* defect 3, fixed */
#endif
#ifndef FUZZ_SKIP_UNMAP_SG_NENTS
#define FUZZ_SKIP_UNMAP_SG_NENTS 0 /* defect 2, fixed */
#endif
#ifndef FUZZ_SKIP_DESTROYED_DEVICE
#define FUZZ_SKIP_DESTROYED_DEVICE 0 /* defect 1, fixed */
#endif
#ifndef FUZZ_SKIP_POOL_DESTROY_LEAK
#define FUZZ_SKIP_POOL_DESTROY_LEAK 0 /* defect 7, fixed */
#endif
#ifndef FUZZ_SKIP_EVICT_RANDOM
#define FUZZ_SKIP_EVICT_RANDOM 0 /* defect 4, fixed */
#endif

#define NDEV 2
#define NOBJ 24
#define MAXSG 4

static const char *const machines[] = {
	"ram=16M@0x80000000",
	"ram=16M@0x80000000 swiotlb=2M,force",
	"ram=16M@0x80000000 iommu=on",
	"ram=16M@0x80000000 iommu=arm-v7s iova=bitmap mode=lazy fq=4 fq_timeout=0",
	"ram=16M@0x80000000 iommu=arm-lpae-4k iova=rbtree mode=lazy fq=2 fq_timeout=0",
	"ram=16M@0x80000000 cache=noncoherent",
	"ram=16M@0x80000000 cache=noncoherent:line=128 swiotlb=2M,force,lifo",
	"ram=16M@0x80000000 cache=noncoherent iommu=on",
	"ram=16M@0x80000000 cache=noncoherent iommu=arm-v7s iova=bitmap mode=lazy fq=3 fq_timeout=0",
	"ram=8M@0x80000000,16M@0x100000000 swiotlb=1M",
	"ram=16M@0x80000000 cache=noncoherent:evict=random seed=3",
};
#define NR_MACHINES (sizeof(machines) / sizeof(machines[0]))

static const char *const dev_specs[NDEV] = { "name=d0", "name=d1 mask=64 force_bounce=1" };
static const char *const dev_specs_iommu[NDEV] = { "name=d0", "name=d1 mask=64" };

enum kind { K_NONE, K_SINGLE, K_PAGE, K_SG, K_COHERENT, K_POOL };

struct obj {
	enum kind kind;
	int dev;
	enum dma_data_direction dir;
	bool dev_owns;     /* streaming: the device owns it (after map / sync_for_device) */
	size_t size;       /* bytes of the mapping / allocation */
	unsigned char *exp; /* what the buffer must hold */
	/*
	 * Which bytes of exp[] are defined.  A FROM_DEVICE buffer holds, for the
	 * CPU, only what the device wrote: the rest is whatever the cache model
	 * and bounce buffer leave (on a non-coherent CPU the map invalidates).
	 */
	unsigned char *def;
	/* single, coherent, pool: one buffer */
	void *cpu;
	dma_addr_t h;
	/* page */
	struct page *pg;
	unsigned int order, off;
	/* sg */
	struct scatterlist sg[MAXSG];
	void *buf[MAXSG];
	int nents, dma_nents;
};

struct st {
	struct dmasim_platform *p;
	struct device *dev[NDEV];
	struct dma_pool *pool[NDEV];
	struct obj o[NOBJ];
	/* finished handles, for "nothing else translates" */
	struct { int dev; dma_addr_t h; size_t size; } old[16];
	int nr_old;
	unsigned long errs; /* misuse reports expected so far */
	bool iommu;
	bool failing; /* fault-injection rules are set: device accesses may fault */
	int machine;
	struct fin *f;
	/* buffers retired by wrong calls: never touched again, freed at the end */
	void *graveyard[64];
	int nr_grave;
	struct { struct page *pg; unsigned int order; } grave_pages[16];
	int nr_grave_pages;
	/* the pools' pages (bus), which stay the device's while the pool lives */
	dma_addr_t pool_page[NDEV][64];
	int nr_pool_pages[NDEV];
	/* bus ranges of retired objects: maybe still mapped, so they count as covered */
	struct { int dev; dma_addr_t h; size_t size; } limbo[64];
	int nr_limbo;
	int retired; /* objects a wrong call left to the library (reported when their device goes) */
};

/* FUZZ_LOG=1 in the environment shows the library's messages (to read a finding). */
static void quiet(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (getenv("FUZZ_LOG"))
		fprintf(stderr, "[%d] %s\n", level, msg);
}

static void fill(struct fin *f, unsigned char *p, size_t n)
{
	uint8_t seed = fin_u8(f);

	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 31 + (i >> 8));
}

/* ---- where an object's byte lives --------------------------------------- */

/* The CPU address of byte @i of @o. */
static unsigned char *cpu_byte(struct obj *o, size_t i)
{
	if (o->kind == K_SG) {
		for (int k = 0; k < o->nents; k++) {
			if (i < o->sg[k].length)
				return (unsigned char *)o->buf[k] + i;
			i -= o->sg[k].length;
		}
		return NULL;
	}
	if (o->kind == K_PAGE)
		return (unsigned char *)page_address(o->pg) + o->off + i;
	return (unsigned char *)o->cpu + i;
}

/* The bus address of byte @i of @o, and how many bytes follow it contiguously. */
static dma_addr_t bus_byte(struct obj *o, size_t i, size_t *run)
{
	if (o->kind == K_SG) {
		for (int k = 0; k < o->dma_nents; k++) {
			if (i < sg_dma_len(&o->sg[k])) {
				*run = sg_dma_len(&o->sg[k]) - i;
				return sg_dma_address(&o->sg[k]) + i;
			}
			i -= sg_dma_len(&o->sg[k]);
		}
		*run = 0;
		return 0;
	}
	*run = o->size - i;
	return o->h + i;
}

static struct device *D(struct st *s, struct obj *o)
{
	return s->dev[o->dev];
}

static bool streaming(const struct obj *o)
{
	return o->kind == K_SINGLE || o->kind == K_PAGE || o->kind == K_SG;
}

/* ---- checks ----------------------------------------------------------------- */

static void check_errs(struct st *s, const char *what)
{
	unsigned long e = dmasim_debug_errors(s->p);

	FUZZ_CHECK(e == s->errs, "machine %d: %s: %lu unexpected misuse reports", s->machine, what,
		   e - s->errs);
}

/* Every byte of @o translates to its own page (a bounce slot's original counts). */
static void check_translate(struct st *s, struct obj *o)
{
	size_t step = 1 + o->size / 7;

	for (size_t i = 0; i < o->size; i += step) {
		struct dmasim_xlate x;
		size_t run;
		dma_addr_t bus = bus_byte(o, i, &run);
		/* Coherent and pool memory sit behind an uncached alias or a vmap: checked through the bytes. */
		phys_addr_t want = streaming(o) ? virt_to_phys(cpu_byte(o, i)) : 0;
		int ret;

		FUZZ_CHECK(run, "machine %d: object kind %d byte %zu has no bus address", s->machine,
			   o->kind, i);
		ret = dmasim_dev_translate(D(s, o), bus, &x);
		FUZZ_CHECK(ret == 0, "machine %d: kind %d dir %d: bus %#llx (byte %zu of %zu) does not translate (%d)",
			   s->machine, o->kind, o->dir, (unsigned long long)bus, i, o->size, ret);
		if (want)
			FUZZ_CHECK(x.bounced ? x.orig_phys == want : x.phys == want,
				   "machine %d: kind %d: bus %#llx -> phys %#llx (bounced %d, orig %#llx), the buffer is at %#llx",
				   s->machine, o->kind, (unsigned long long)bus,
				   (unsigned long long)x.phys, x.bounced, (unsigned long long)x.orig_phys,
				   (unsigned long long)want);
	}
}

/* The device reads @o (where it may) and finds the model's bytes. */
static void check_dev_view(struct st *s, struct obj *o)
{
	unsigned char buf[4096];

	for (size_t i = 0; i < o->size;) {
		size_t run, n;
		dma_addr_t bus = bus_byte(o, i, &run);
		int ret;

		n = run < sizeof(buf) ? run : sizeof(buf);
		ret = dmasim_dev_read(D(s, o), bus, buf, n);
		if (ret == -EFAULT && s->failing)
			return; /* an injected bus error */
		if (o->dir == DMA_FROM_DEVICE && streaming(o)) {
			FUZZ_CHECK(ret == -EPERM, "machine %d: device read of a FROM_DEVICE mapping gave %d",
				   s->machine, ret);
			s->errs = dmasim_debug_errors(s->p); /* the device's misuse is reported */
			return;
		}
		if (ret == -EFAULT && s->failing)
			return; /* an injected bus error */
		FUZZ_CHECK(ret == 0, "machine %d: kind %d: device read at %#llx+%zu = %d", s->machine,
			   o->kind, (unsigned long long)bus, n, ret);
		for (size_t k = 0; k < n; k++)
			FUZZ_CHECK(buf[k] == o->exp[i + k],
				   "machine %d: kind %d dir %d: device reads %#x at byte %zu of %zu, the CPU wrote %#x",
				   s->machine, o->kind, o->dir, buf[k], i + k, o->size, o->exp[i + k]);
		i += n;
	}
}

static void check_cpu_view(struct st *s, struct obj *o)
{
	for (size_t i = 0; i < o->size; i++)
		FUZZ_CHECK(!o->def[i] || *cpu_byte(o, i) == o->exp[i],
			   "machine %d: kind %d dir %d: CPU reads %#x at byte %zu of %zu, expected %#x",
			   s->machine, o->kind, o->dir, *cpu_byte(o, i), i, o->size, o->exp[i]);
}

/* Everything live is intact: translations, and bytes where the owner may look. */
static void check_all(struct st *s)
{
	for (int i = 0; i < NOBJ; i++) {
		struct obj *o = &s->o[i];

		if (o->kind == K_NONE)
			continue;
		check_translate(s, o);
		if (!streaming(o)) {
			check_cpu_view(s, o);
			check_dev_view(s, o);
		} else if (o->dev_owns) {
			if (o->dir != DMA_FROM_DEVICE)
				check_dev_view(s, o);
		} else {
			check_cpu_view(s, o);
		}
	}
}

/* Does a live object of device @d (or a page of its pool) cover bus address @a? */
static bool covered(struct st *s, int d, dma_addr_t a)
{
	for (int i = 0; i < s->nr_pool_pages[d]; i++)
		if (a >= s->pool_page[d][i] && a < s->pool_page[d][i] + 4096)
			return true;
	for (int i = 0; i < s->nr_limbo; i++) {
		dma_addr_t h = s->limbo[i].h, end = h + s->limbo[i].size;

		if (s->limbo[i].dev != d)
			continue;
		if (s->iommu) { /* whole pages, as below */
			h &= ~(dma_addr_t)4095;
			end = (end + 4095) & ~(dma_addr_t)4095;
		}
		if (a >= h && a < end)
			return true;
	}
	for (int i = 0; i < NOBJ; i++) {
		struct obj *o = &s->o[i];

		if (o->kind == K_NONE || o->dev != d)
			continue;
		for (size_t b = 0; b < o->size;) {
			size_t run;
			dma_addr_t bus = bus_byte(o, b, &run);

			if (!run)
				break;
			if (a >= bus && a < bus + run)
				return true;
			/* Behind an IOMMU the device reaches whole pages: the rest of a mapped page too. */
			if (s->iommu && (a >> 12) >= (bus >> 12) && (a >> 12) <= ((bus + run - 1) >> 12))
				return true;
			b += run;
		}
	}
	return false;
}

static void check_nothing_else(struct st *s)
{
	struct dmasim_xlate x;
	int k;

	if (!s->nr_old)
		return;
	/* A lazy IOMMU keeps unmapped IOVAs reachable until its queue is flushed: on purpose. */
	if (s->iommu)
		dmasim_iommu_flush(s->p);
	k = (int)fin_below(s->f, (uint32_t)s->nr_old);
	for (size_t off = 0; off < s->old[k].size + 64; off += 1 + s->old[k].size / 5) {
		dma_addr_t a = s->old[k].h + off;
		int d = s->old[k].dev;

		if (dmasim_dev_translate(s->dev[d], a, &x) == 0)
			FUZZ_CHECK(covered(s, d, a),
				   "machine %d: bus %#llx of a finished mapping still translates (phys %#llx, kind %s)",
				   s->machine, (unsigned long long)a, (unsigned long long)x.phys,
				   x.kind ? x.kind : "?");
	}
}

static void remember_old(struct st *s, struct obj *o)
{
	for (size_t b = 0; b < o->size;) {
		size_t run;
		dma_addr_t bus = bus_byte(o, b, &run);

		if (!run)
			break;
		if (s->nr_old == 16)
			memmove(s->old, s->old + 1, sizeof(s->old[0]) * 15), s->nr_old--;
		s->old[s->nr_old].dev = o->dev;
		s->old[s->nr_old].h = bus;
		s->old[s->nr_old++].size = run;
		b += run;
	}
}

/* ---- creating objects (a correct driver: every failure is unwound) -------- */

static void new_exp(struct obj *o, bool from_device)
{
	o->exp = malloc(o->size);
	o->def = malloc(o->size);
	memset(o->def, !from_device, o->size);
}

static void free_exp(struct obj *o)
{
	free(o->exp);
	free(o->def);
}

static struct obj *free_slot(struct st *s)
{
	for (int i = 0; i < NOBJ; i++)
		if (s->o[i].kind == K_NONE)
			return &s->o[i];
	return NULL;
}

static enum dma_data_direction pick_dir(struct fin *f)
{
	static const enum dma_data_direction d[] = { DMA_TO_DEVICE, DMA_FROM_DEVICE,
						     DMA_BIDIRECTIONAL };
	return d[fin_below(f, 3)];
}

static void new_single(struct st *s, struct obj *o)
{
	o->size = 1 + fin_below(s->f, fin_u8(s->f) & 1 ? 8192 : 256);
	o->cpu = kmalloc(o->size, GFP_KERNEL);
	if (!o->cpu)
		return;
	new_exp(o, o->dir == DMA_FROM_DEVICE);
	fill(s->f, o->exp, o->size);
	memcpy(o->cpu, o->exp, o->size);
	o->h = dma_map_single(D(s, o), o->cpu, o->size, o->dir);
	if (dma_mapping_error(D(s, o), o->h)) {
		kfree(o->cpu);
		free_exp(o);
		return;
	}
	o->kind = K_SINGLE;
	o->dev_owns = true;
}

static void new_page(struct st *s, struct obj *o)
{
	o->order = fin_below(s->f, 3);
	o->pg = alloc_pages(GFP_KERNEL, o->order);
	if (!o->pg)
		return;
	o->off = fin_below(s->f, 4096);
	o->size = 1 + fin_below(s->f, (uint32_t)((4096UL << o->order) - o->off));
	new_exp(o, o->dir == DMA_FROM_DEVICE);
	fill(s->f, o->exp, o->size);
	memcpy((char *)page_address(o->pg) + o->off, o->exp, o->size);
	o->h = dma_map_page(D(s, o), o->pg, o->off, o->size, o->dir);
	if (dma_mapping_error(D(s, o), o->h)) {
		__free_pages(o->pg, o->order);
		free_exp(o);
		return;
	}
	o->kind = K_PAGE;
	o->dev_owns = true;
}

static void new_sg(struct st *s, struct obj *o)
{
	size_t at = 0;
	int n;

	o->nents = 1 + (int)fin_below(s->f, MAXSG);
	sg_init_table(o->sg, (unsigned int)o->nents);
	o->size = 0;
	for (int k = 0; k < o->nents; k++) {
		unsigned int len = 1 + fin_below(s->f, fin_u8(s->f) & 1 ? 6000 : 300);

		o->buf[k] = kmalloc(len, GFP_KERNEL);
		if (!o->buf[k]) {
			while (k--)
				kfree(o->buf[k]);
			return;
		}
		sg_set_buf(&o->sg[k], o->buf[k], len);
		o->size += len;
	}
	new_exp(o, o->dir == DMA_FROM_DEVICE);
	fill(s->f, o->exp, o->size);
	for (int k = 0; k < o->nents; k++) {
		memcpy(o->buf[k], o->exp + at, o->sg[k].length);
		at += o->sg[k].length;
	}
	n = (int)dma_map_sg(D(s, o), o->sg, o->nents, o->dir);
	if (!n) {
		for (int k = 0; k < o->nents; k++)
			kfree(o->buf[k]);
		free_exp(o);
		return;
	}
	FUZZ_CHECK(n <= o->nents, "dma_map_sg gave %d of %d", n, o->nents);
	o->dma_nents = n;
	{
		size_t total = 0;

		for (int k = 0; k < n; k++)
			total += sg_dma_len(&o->sg[k]);
		FUZZ_CHECK(total == o->size, "machine %d: dma_map_sg segments hold %zu bytes of %zu",
			   s->machine, total, o->size);
	}
	o->kind = K_SG;
	o->dev_owns = true;
}

static void new_coherent(struct st *s, struct obj *o)
{
	o->size = 1 + fin_below(s->f, fin_u8(s->f) & 1 ? 20000 : 4096);
	o->cpu = dma_alloc_coherent(D(s, o), o->size, &o->h, GFP_KERNEL);
	if (!o->cpu)
		return;
	new_exp(o, false);
	fill(s->f, o->exp, o->size);
	memcpy(o->cpu, o->exp, o->size);
	o->kind = K_COHERENT;
	o->dir = DMA_BIDIRECTIONAL;
}

static void new_pool(struct st *s, struct obj *o)
{
	bool zero = fin_u8(s->f) & 1;

	if (!s->pool[o->dev])
		return;
	o->size = 200;
	o->cpu = zero ? dma_pool_zalloc(s->pool[o->dev], GFP_KERNEL, &o->h) :
			dma_pool_alloc(s->pool[o->dev], GFP_KERNEL, &o->h);
	if (!o->cpu)
		return;
	new_exp(o, false);
	if (zero)
		for (size_t i = 0; i < o->size; i++)
			FUZZ_CHECK(((unsigned char *)o->cpu)[i] == 0, "dma_pool_zalloc block not zero");
	fill(s->f, o->exp, o->size);
	memcpy(o->cpu, o->exp, o->size);
	o->kind = K_POOL;
	{
		dma_addr_t pg = o->h & ~(dma_addr_t)4095;
		int i, *n = &s->nr_pool_pages[o->dev];

		for (i = 0; i < *n && s->pool_page[o->dev][i] != pg; i++)
			;
		if (i == *n && *n < 64)
			s->pool_page[o->dev][(*n)++] = pg;
	}
	o->dir = DMA_BIDIRECTIONAL;
}

static void op_new(struct st *s)
{
	struct obj *o = free_slot(s);
	uint8_t what = fin_u8(s->f);

	if (!o)
		return;
	memset(o, 0, sizeof(*o));
	o->dev = what & 1;
	if (!s->dev[o->dev])
		return;
	o->dir = pick_dir(s->f);
	if (getenv("FUZZ_LOG"))
		fprintf(stderr, "-- new kind %d dev %d dir %d\n", (what >> 1) % 5 + 1, o->dev, o->dir);
	switch ((what >> 1) % 5) {
	case 0: new_single(s, o); break;
	case 1: new_page(s, o); break;
	case 2: new_sg(s, o); break;
	case 3: new_coherent(s, o); break;
	default: new_pool(s, o); break;
	}
	check_errs(s, "a correct allocation or mapping");
}

/* ---- finishing objects ------------------------------------------------------ */

static void release_memory(struct obj *o)
{
	switch (o->kind) {
	case K_SINGLE: kfree(o->cpu); break;
	case K_PAGE: __free_pages(o->pg, o->order); break;
	case K_SG:
		for (int k = 0; k < o->nents; k++)
			kfree(o->buf[k]);
		break;
	default: break;
	}
	free(o->exp);
	free(o->def);
	o->kind = K_NONE;
}

static void finish(struct st *s, struct obj *o, bool check)
{
	bool skip = streaming(o) && (fin_u8(s->f) & 7) == 0;
	unsigned long attrs = skip ? DMA_ATTR_SKIP_CPU_SYNC : 0;

	remember_old(s, o);
	if (streaming(o) && !o->dev_owns)
		for (size_t i = 0; i < o->size; i++)
			if (o->def[i] == 2)
				o->def[i] = 0; /* written after the sync for the CPU: the unmap may drop it */
	switch (o->kind) {
	case K_SINGLE: dma_unmap_single_attrs(D(s, o), o->h, o->size, o->dir, attrs); break;
	case K_PAGE: dma_unmap_page_attrs(D(s, o), o->h, o->size, o->dir, attrs); break;
	case K_SG: dma_unmap_sg_attrs(D(s, o), o->sg, o->nents, o->dir, attrs); break;
	case K_COHERENT: dma_free_coherent(D(s, o), o->size, o->cpu, o->h); break;
	case K_POOL: dma_pool_free(s->pool[o->dev], o->cpu, o->h); break;
	default: return;
	}
	/* The unmap hands the buffer back: what the device wrote is there (unless skipped). */
	if (check && streaming(o) && (!skip || !o->dev_owns || o->dir == DMA_TO_DEVICE))
		check_cpu_view(s, o);
	release_memory(o);
	check_errs(s, "a correct unmap or free");
}

/* ---- acting on live objects ------------------------------------------------- */

static struct obj *pick(struct st *s)
{
	int n = 0, k;

	for (int i = 0; i < NOBJ; i++)
		n += s->o[i].kind != K_NONE;
	if (!n)
		return NULL;
	k = (int)fin_below(s->f, (uint32_t)n);
	for (int i = 0; i < NOBJ; i++)
		if (s->o[i].kind != K_NONE && !k--)
			return &s->o[i];
	return NULL;
}

static void op_dev_write(struct st *s, struct obj *o)
{
	size_t i = fin_below(s->f, (uint32_t)o->size), len = 1 + fin_below(s->f, (uint32_t)(o->size - i));
	unsigned char buf[512];
	size_t run;
	dma_addr_t bus = bus_byte(o, i, &run);
	int ret;

	if (streaming(o) && !o->dev_owns)
		return; /* the CPU owns it: a device access now is the driver's bug, not the model's */
	if (len > run)
		len = run;
	if (len > sizeof(buf))
		len = sizeof(buf);
	fill(s->f, buf, len);
	ret = dmasim_dev_write(D(s, o), bus, buf, len);
	if (ret == -EFAULT && s->failing)
		return; /* an injected bus error: nothing moved */
	if (streaming(o) && o->dir == DMA_TO_DEVICE) {
		FUZZ_CHECK(ret == -EPERM, "machine %d: device write into a TO_DEVICE mapping gave %d",
			   s->machine, ret);
		s->errs = dmasim_debug_errors(s->p); /* the device's misuse is reported */
		return;
	}
	if (ret == -EFAULT && s->failing)
		return; /* an injected bus error: nothing moved */
	FUZZ_CHECK(ret == 0, "machine %d: kind %d dir %d: device write %#llx+%zu = %d", s->machine,
		   o->kind, o->dir, (unsigned long long)bus, len, ret);
	memcpy(o->exp + i, buf, len);
	memset(o->def + i, 1, len);
	check_errs(s, "a device write into its buffer");
}

static void op_cpu_write(struct st *s, struct obj *o)
{
	size_t i = fin_below(s->f, (uint32_t)o->size), len = 1 + fin_below(s->f, (uint32_t)(o->size - i));

	if (streaming(o) && (o->dev_owns || o->dir == DMA_FROM_DEVICE))
		return;
	fill(s->f, o->exp + i, len);
	for (size_t k = i; k < i + len; k++)
		*cpu_byte(o, k) = o->exp[k];
	/*
	 * A CPU write to a BIDIRECTIONAL buffer it owns holds only until a sync
	 * for the device cleans it: an unmap first invalidates (arm64's
	 * arch_sync_dma_for_cpu() does for every direction but TO_DEVICE).
	 */
	if (streaming(o) && o->dir == DMA_BIDIRECTIONAL)
		memset(o->def + i, 2, len);
}

static void sync(struct st *s, struct obj *o, bool for_cpu)
{
	struct device *d = D(s, o);

	switch (o->kind) {
	case K_SINGLE:
	case K_PAGE:
		if (fin_u8(s->f) & 1) {
			if (for_cpu)
				dma_sync_single_for_cpu(d, o->h, o->size, o->dir);
			else
				dma_sync_single_for_device(d, o->h, o->size, o->dir);
		} else {
			if (for_cpu)
				dma_sync_single_range_for_cpu(d, o->h, 0, o->size, o->dir);
			else
				dma_sync_single_range_for_device(d, o->h, 0, o->size, o->dir);
		}
		break;
	case K_SG:
		if (for_cpu)
			dma_sync_sg_for_cpu(d, o->sg, o->nents, o->dir);
		else
			dma_sync_sg_for_device(d, o->sg, o->nents, o->dir);
		break;
	default: break;
	}
}

static void op_sync_for_cpu(struct st *s, struct obj *o)
{
	if (!streaming(o) || !o->dev_owns)
		return;
	sync(s, o, true);
	o->dev_owns = false;
	check_cpu_view(s, o);
	check_errs(s, "a correct sync_for_cpu");
}

static void op_sync_for_device(struct st *s, struct obj *o)
{
	if (!streaming(o) || o->dev_owns)
		return;
	sync(s, o, false);
	o->dev_owns = true;
	for (size_t i = 0; i < o->size; i++)
		o->def[i] = !!o->def[i]; /* cleaned: the CPU's writes are in RAM */
	if (o->dir != DMA_FROM_DEVICE)
		check_dev_view(s, o);
	check_errs(s, "a correct sync_for_device");
}

/* ---- wrong calls ------------------------------------------------------------------ */

/* Retire @o after a wrong call against it: its memory is never touched again. */
static void retire(struct st *s, struct obj *o)
{
	for (size_t b = 0; b < o->size;) {
		size_t run;
		dma_addr_t bus = bus_byte(o, b, &run);

		if (!run)
			break;
		if (s->nr_limbo < 64) {
			s->limbo[s->nr_limbo].dev = o->dev;
			s->limbo[s->nr_limbo].h = bus;
			s->limbo[s->nr_limbo++].size = run;
		}
		b += run;
	}
	switch (o->kind) {
	case K_SINGLE:
		if (s->nr_grave < 64) {
			s->graveyard[s->nr_grave++] = o->cpu;
			o->cpu = NULL;
		}
		break;
	case K_SG:
		for (int k = 0; k < o->nents && s->nr_grave < 64; k++) {
			s->graveyard[s->nr_grave++] = o->buf[k];
			o->buf[k] = NULL;
		}
		break;
	case K_PAGE:
		if (s->nr_grave_pages < 16) {
			s->grave_pages[s->nr_grave_pages].pg = o->pg;
			s->grave_pages[s->nr_grave_pages++].order = o->order;
			o->pg = NULL;
		}
		break;
	default: break;
	}
	/* Anything not kept in the graveyard is leaked on purpose rather than reused. */
	free(o->exp);
	free(o->def);
	o->kind = K_NONE;
	s->retired++;
}

static void op_wrong(struct st *s)
{
	struct obj *o = pick(s);
	unsigned long before = dmasim_debug_errors(s->p);
	uint8_t w = fin_u8(s->f) % 18;
	bool target_gone = false;
	char stack[64];

	switch (w) {
	case 0: { /* a map of memory dmasim does not own */
		dma_addr_t h = dma_map_single(s->dev[0], stack, sizeof(stack), DMA_TO_DEVICE);

		FUZZ_CHECK(dma_mapping_error(s->dev[0], h), "mapping the stack succeeded");
		break;
	}
	case 1: { /* an invalid direction */
		void *b = kmalloc(64, GFP_KERNEL);
		dma_addr_t h;

		if (!b)
			return;
		h = dma_map_single(s->dev[1], b, 64, (enum dma_data_direction)(4 + fin_below(s->f, 60)));
		FUZZ_CHECK(dma_mapping_error(s->dev[1], h), "a map with a bad direction succeeded");
		kfree(b);
		break;
	}
	case 2: /* unmap of a bus address never mapped */
		if (covered(s, 0, 0x12345000) || covered(s, 0, 0x12345000 + 99))
			return;
		dma_unmap_single(s->dev[0], 0x12345000, 100, DMA_TO_DEVICE);
		break;
	case 3: /* a double unmap / free, when nothing live has that handle */
		if (!s->nr_old)
			return;
		{
			int k = (int)fin_below(s->f, (uint32_t)s->nr_old);

			if (covered(s, s->old[k].dev, s->old[k].h))
				return;
			dma_unmap_single(s->dev[s->old[k].dev], s->old[k].h, s->old[k].size,
					 DMA_BIDIRECTIONAL);
		}
		break;
	case 4: /* unmap with the wrong size */
		if (!o || (o->kind != K_SINGLE && o->kind != K_PAGE))
			return;
		dma_unmap_single(D(s, o), o->h, o->size + 1 + fin_below(s->f, 100), o->dir);
		target_gone = true;
		break;
	case 5: /* unmap with the wrong direction */
		if (!o || (o->kind != K_SINGLE && o->kind != K_PAGE))
			return;
		dma_unmap_page(D(s, o), o->h, o->size, o->dir == DMA_TO_DEVICE ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
		target_gone = true;
		break;
	case 6: /* unmap through the other device */
		if (!o || (o->kind != K_SINGLE && o->kind != K_PAGE) || !s->dev[!o->dev] ||
		    covered(s, !o->dev, o->h))
			return;
		dma_unmap_single(s->dev[!o->dev], o->h, o->size, o->dir);
		break;
	case 7: /* sync with the wrong direction (any is right for BIDIRECTIONAL: kernel/dma/debug.c check_sync) */
		if (!o || (o->kind != K_SINGLE && o->kind != K_PAGE) || o->dir == DMA_BIDIRECTIONAL)
			return;
		dma_sync_single_for_cpu(D(s, o), o->h, o->size,
					o->dir == DMA_TO_DEVICE ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
		target_gone = true; /* ownership is now unclear */
		break;
	case 8: /* sync beyond the mapping */
		if (!o || (o->kind != K_SINGLE && o->kind != K_PAGE))
			return;
		dma_sync_single_for_device(D(s, o), o->h, o->size + 4096, o->dir);
		target_gone = true;
		break;
	case 9: /* dma_free_coherent with the wrong size */
		if (!o || o->kind != K_COHERENT)
			return;
		dma_free_coherent(D(s, o), o->size + 8192, o->cpu, o->h);
		target_gone = true;
		break;
	case 10: /* dma_free_coherent with the wrong handle (the handle names the allocation: not another's) */
		if (!o || o->kind != K_COHERENT || covered(s, o->dev, o->h + 4096))
			return;
		dma_free_coherent(D(s, o), o->size, o->cpu, o->h + 4096);
		target_gone = true;
		break;
	case 11: /* a pool block to the wrong pool */
		if (!o || o->kind != K_POOL || !s->pool[!o->dev] ||
		    (FUZZ_SKIP_POOL_DESTROY_LEAK && s->iommu))
			return;
		dma_pool_free(s->pool[!o->dev], o->cpu, o->h);
		target_gone = true;
		break;
	case 12: /* a pool block to dma_free_coherent */
		if (FUZZ_SKIP_POOL_TO_FREE_COHERENT || !o || o->kind != K_POOL ||
		    (FUZZ_SKIP_POOL_DESTROY_LEAK && s->iommu))
			return;
		dma_free_coherent(D(s, o), o->size, o->cpu, o->h);
		target_gone = true;
		break;
	case 13: /* dma_unmap_sg with more entries than the list */
		if (FUZZ_SKIP_UNMAP_SG_NENTS || !o || o->kind != K_SG)
			return;
		dma_unmap_sg(D(s, o), o->sg, o->nents + 1 + (int)fin_below(s->f, 4), o->dir);
		target_gone = true;
		break;
	case 14: /* dma_unmap_sg with the mapped count instead of the list's */
		if (!o || o->kind != K_SG || o->dma_nents == o->nents)
			return;
		dma_unmap_sg(D(s, o), o->sg, o->dma_nents, o->dir);
		target_gone = true;
		break;
	case 16: /* a call with a destroyed device */
		if (FUZZ_SKIP_DESTROYED_DEVICE)
			return;
		{
			struct device *dead = dmasim_device_create(s->p, "name=gone");
			void *b = kmalloc(64, GFP_KERNEL);
			dma_addr_t h;

			FUZZ_CHECK(dead, "a third device");
			dmasim_device_destroy(dead);
			if (!b)
				return;
			h = dma_map_single(dead, b, 64, DMA_TO_DEVICE);
			FUZZ_CHECK(dma_mapping_error(dead, h), "a map through a destroyed device succeeded");
			FUZZ_CHECK(!dma_alloc_coherent(dead, 64, &h, GFP_KERNEL),
				   "an allocation through a destroyed device succeeded");
			kfree(b);
		}
		break;
	default: /* a TO_DEVICE buffer mapped a second time, TO_DEVICE */
		if (!o || o->kind != K_SINGLE || o->dir != DMA_TO_DEVICE)
			return;
		{
			dma_addr_t h = dma_map_single(D(s, o), o->cpu, o->size, DMA_TO_DEVICE);

			if (!dma_mapping_error(D(s, o), h))
				dma_unmap_single(D(s, o), h, o->size, DMA_TO_DEVICE);
		}
		/* Overlapping mappings are legal for TO_DEVICE (the kernel warns only on cache-line overlap with FROM_DEVICE). */
		s->errs = dmasim_debug_errors(s->p);
		return;
	}
	FUZZ_CHECK(dmasim_debug_errors(s->p) > before, "machine %d: wrong call %d not reported",
		   s->machine, w);
	s->errs = dmasim_debug_errors(s->p);
	if (target_gone && o)
		retire(s, o);
	check_all(s);
}

/* ---- the machine ------------------------------------------------------------------ */

static void make_device(struct st *s, int i)
{
	s->dev[i] = dmasim_device_create(s->p, s->iommu ? dev_specs_iommu[i] : dev_specs[i]);
	FUZZ_CHECK(s->dev[i], "device %d", i);
	s->pool[i] = dma_pool_create(i ? "p1" : "p0", s->dev[i], 200, 64, 4096);
	FUZZ_CHECK(s->pool[i], "pool %d", i);
}

static void op_unplug(struct st *s)
{
	int i = fin_u8(s->f) & 1;
	bool leaks = false;

	for (int k = 0; k < NOBJ; k++)
		if (s->o[k].kind != K_NONE && s->o[k].dev == i) {
			/* A careful driver gives everything back first; a careless one leaks. */
			if ((fin_u8(s->f) & 3) ||
			    (FUZZ_SKIP_POOL_DESTROY_LEAK && s->iommu && s->o[k].kind == K_POOL)) {
				finish(s, &s->o[k], true);
			} else {
				leaks = true;
				retire(s, &s->o[k]);
			}
		}
	dma_pool_destroy(s->pool[i]);
	s->nr_pool_pages[i] = 0;
	dmasim_device_destroy(s->dev[i]);
	if (leaks)
		FUZZ_CHECK(dmasim_debug_errors(s->p) > s->errs, "machine %d: leaks at unplug not reported",
			   s->machine);
	s->errs = dmasim_debug_errors(s->p);
	/* Finished handles of the old device mean nothing for the new one. */
	for (int k = 0; k < s->nr_old; k++)
		if (s->old[k].dev == i)
			s->old[k--] = s->old[--s->nr_old];
	for (int k = 0; k < s->nr_limbo; k++)
		if (s->limbo[k].dev == i)
			s->limbo[k--] = s->limbo[--s->nr_limbo];
	make_device(s, i);
	check_all(s);
}

static void op_fail(struct st *s)
{
	static const char *const rules[] = {
		"", "map:every=3", "alloc:nth=1", "pool:every=2", "pages:prob=0.3", "kmalloc:every=4",
		"iova:every=2", "swiotlb:nth=2", "access:every=5", "map:prob=0.5,alloc:prob=0.5",
	};

	unsigned int k = fin_below(s->f, sizeof(rules) / sizeof(rules[0]));

	FUZZ_CHECK(dmasim_fail_set(s->p, rules[k]) == 0, "fail rules");
	s->failing = k != 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	unsetenv("DMASIM_SPEC");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size };
	struct st *s;

	if (size > 4096)
		return 0;
	s = calloc(1, sizeof(*s));
	s->f = &f;
	s->machine = (int)(fin_u8(&f) % NR_MACHINES);
	if (FUZZ_SKIP_EVICT_RANDOM && strstr(machines[s->machine], "evict=random"))
		s->machine = 0;
	s->p = dmasim_platform_create(machines[s->machine]);
	FUZZ_CHECK(s->p, "machine %d", s->machine);
	dmasim_set_log_handler(s->p, quiet, NULL);
	s->iommu = strstr(machines[s->machine], "iommu=") != NULL;
	for (int i = 0; i < NDEV; i++)
		make_device(s, i);

	for (int steps = 0; fin_more(&f) && steps < 300; steps++) {
		struct obj *o;
		uint8_t op = fin_u8(&f) % 20;

		if (getenv("FUZZ_LOG"))
			fprintf(stderr, "-- step %d: op %d\n", steps, op);

		switch (op) {
		case 0: case 1: case 2: case 3: op_new(s); break;
		case 4: case 5: if ((o = pick(s))) op_dev_write(s, o); break;
		case 6: if ((o = pick(s))) op_cpu_write(s, o); break;
		case 7: case 8: if ((o = pick(s))) op_sync_for_cpu(s, o); break;
		case 9: case 10: if ((o = pick(s))) op_sync_for_device(s, o); break;
		case 11: case 12: if ((o = pick(s))) finish(s, o, true); break;
		case 13: if ((o = pick(s))) { check_translate(s, o); check_nothing_else(s); } break;
		case 14: check_all(s); break;
		case 15: op_wrong(s); break;
		case 16: op_unplug(s); break;
		case 17: op_fail(s); break;
		case 18: dmasim_iommu_flush(s->p); check_nothing_else(s); break;
		default:
			if ((o = pick(s)) && (!streaming(o) || o->dev_owns))
				check_dev_view(s, o);
			break;
		}
	}
	/* A driver's remove(): everything back, then the devices go, reporting nothing. */
	dmasim_fail_set(s->p, "");
	check_all(s);
	for (int i = 0; i < NOBJ; i++)
		if (s->o[i].kind != K_NONE)
			finish(s, &s->o[i], true);
	for (int i = 0; i < NDEV; i++) {
		dma_pool_destroy(s->pool[i]);
		dmasim_device_destroy(s->dev[i]);
	}
	if (s->retired)
		s->errs = dmasim_debug_errors(s->p); /* what wrong calls left behind is reported now */
	check_errs(s, "remove() after freeing everything");
	for (int i = 0; i < s->nr_grave; i++)
		kfree(s->graveyard[i]);
	for (int i = 0; i < s->nr_grave_pages; i++)
		__free_pages(s->grave_pages[i].pg, s->grave_pages[i].order);
	dmasim_platform_destroy(s->p);
	free(s);
	return 0;
}
