/*
 * fuzz/fuzz_iova.c - every registered IOVA allocator against a bitmap oracle.
 *
 * The input picks an allocator (and its options), a granule and a small
 * aperture, then a sequence of alloc_aligned / free_range (right and wrong) /
 * reserve / free_ranges / flush_caches / stats / for_each.  The oracle keeps
 * one byte per granule (free, allocated, reserved) and the list of live
 * allocations; after every step the allocator must agree with it: an
 * allocation lies in [start, min(limit, end)], aligned as asked, over free
 * granules only; -ENOMEM only when (caches flushed) no aligned free run
 * exists; a free succeeds exactly for a live allocation with its size; a
 * reservation fails with -EBUSY exactly when it overlaps a live allocation;
 * stats and for_each describe what the oracle holds.
 */
#include <errno.h>
#include <stdbool.h>

#include <dmasim/dmasim.h>

#include "fuzz-common.h"

enum { G_FREE = 0, G_ALLOC = 1, G_RESV = 2 };

#define MAX_LIVE 256
#define MAX_GRANULES 2048

struct live {
	dma_addr_t addr;
	size_t size;
	size_t span; /* what it takes: a backend may round the size up (stats tell) */
};

struct oracle {
	struct dmasim_iova *iova;
	unsigned long g;      /* granule */
	size_t n;             /* granules in the aperture */
	unsigned char st[MAX_GRANULES];
	struct live live[MAX_LIVE];
	int nr_live;
	const char *name;
};

static size_t gidx(const struct oracle *o, dma_addr_t a)
{
	return (size_t)((a - o->iova->start) / o->g);
}

static u64 pow2_up(u64 n)
{
	return n <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(n - 1));
}

/* Whether some aligned run of @size bytes below @top is free in the oracle. */
static bool room_exists(const struct oracle *o, size_t size, size_t align, dma_addr_t top)
{
	size_t step = align > o->g ? align : o->g;
	dma_addr_t a = (o->iova->start + step - 1) & ~(dma_addr_t)(step - 1);

	for (; a >= o->iova->start && a + size - 1 <= top && a + size - 1 >= a; a += step) {
		size_t i = gidx(o, a), k;

		for (k = 0; k < size / o->g && o->st[i + k] == G_FREE; k++)
			;
		if (k == size / o->g)
			return true;
	}
	return false;
}

static void mark(struct oracle *o, dma_addr_t a, size_t size, unsigned char v)
{
	for (size_t i = gidx(o, a); i < gidx(o, a) + size / o->g; i++)
		o->st[i] = v;
}

static void op_alloc(struct oracle *o, struct fin *f)
{
	const struct dmasim_iova_ops *ops = o->iova->ops;
	uint8_t how = fin_u8(f);
	size_t n = (how & 0x80) ? 1 + fin_below(f, (uint32_t)o->n) : 1 + fin_below(f, 16);
	size_t size = n * o->g, align;
	dma_addr_t limit = ~0ULL, top, a = 0;
	struct dmasim_iova_stats st0, st1;
	size_t span;
	int ret;

	switch (how & 3) {
	case 0: align = 0; break;
	case 1: align = o->g; break;
	case 2: align = (size_t)pow2_up(size); break;
	default: align = (size_t)1 << (fin_u8(f) % 24); break;
	}
	if (how & 0x40)
		limit = o->iova->start + (dma_addr_t)fin_below(f, (uint32_t)o->n + 1) * o->g - 1;
	top = limit < o->iova->end ? limit : o->iova->end;
	ops->stats(o->iova, &st0);
	ret = ops->alloc_aligned(o->iova, size, align, limit, &a);
	if (ret == -ENOMEM && ops->flush_caches) {
		/* Room held in per-thread caches is not lost: it comes back on a flush. */
		ops->flush_caches(o->iova);
		ret = ops->alloc_aligned(o->iova, size, align, limit, &a);
	}
	if (ret == -ENOMEM) {
		/* A size served from per-thread caches is rounded up to a power of two (as the kernel's). */
		size_t need = ops->cache_range && size <= ops->cache_range(o->iova) ?
				      (size_t)pow2_up(size / o->g) * o->g : size;

		FUZZ_CHECK(!room_exists(o, need, align, top),
			   "%s: -ENOMEM for %zu bytes align %#zx below %#llx, yet the oracle has room",
			   o->name, size, align, (unsigned long long)top);
		return;
	}
	FUZZ_CHECK(ret == 0, "%s: alloc_aligned(%zu, %#zx) = %d", o->name, size, align, ret);
	FUZZ_CHECK(a >= o->iova->start && a + size - 1 <= top && a % o->g == 0 &&
			   (!align || a % align == 0),
		   "%s: alloc_aligned(%zu, align %#zx, limit %#llx) = %#llx: outside [%#llx, %#llx] or misaligned",
		   o->name, size, align, (unsigned long long)limit, (unsigned long long)a,
		   (unsigned long long)o->iova->start, (unsigned long long)top);
	ops->stats(o->iova, &st1);
	span = (size_t)(st1.allocated - st0.allocated);
	FUZZ_CHECK(span >= size && span % o->g == 0 && a + span - 1 <= o->iova->end,
		   "%s: alloc of %zu bytes at %#llx takes %zu", o->name, size,
		   (unsigned long long)a, span);
	for (size_t i = gidx(o, a); i < gidx(o, a) + span / o->g; i++)
		FUZZ_CHECK(o->st[i] == G_FREE, "%s: alloc %#llx+%zu overlaps granule %zu (state %d)",
			   o->name, (unsigned long long)a, span, i, o->st[i]);
	mark(o, a, span, G_ALLOC);
	if (o->nr_live == MAX_LIVE) {
		/* No room to remember it: give it straight back. */
		FUZZ_CHECK(ops->free_range(o->iova, a, size) == 0, "%s: free of a fresh range", o->name);
		mark(o, a, span, G_FREE);
		return;
	}
	o->live[o->nr_live++] = (struct live){ a, size, span };
}

static void forget(struct oracle *o, int i)
{
	mark(o, o->live[i].addr, o->live[i].span, G_FREE);
	o->live[i] = o->live[--o->nr_live];
}

static void op_free(struct oracle *o, struct fin *f)
{
	int i, ret;

	if (!o->nr_live)
		return;
	i = (int)fin_below(f, (uint32_t)o->nr_live);
	ret = o->iova->ops->free_range(o->iova, o->live[i].addr, o->live[i].size);
	FUZZ_CHECK(ret == 0, "%s: free_range(%#llx, %zu) of a live range = %d", o->name,
		   (unsigned long long)o->live[i].addr, o->live[i].size, ret);
	forget(o, i);
}

/* A free that is not of a live allocation exactly must be refused and change nothing. */
static void op_free_wrong(struct oracle *o, struct fin *f)
{
	uint8_t how = fin_u8(f);
	dma_addr_t a;
	size_t size;
	int ret;

	if (o->nr_live && (how & 1)) {
		struct live *l = &o->live[fin_below(f, (uint32_t)o->nr_live)];

		a = l->addr;
		size = l->size;
		switch ((how >> 1) & 3) {
		case 0: size += o->g; break;                           /* too long */
		case 1: if (size == o->g) return; size -= o->g; break; /* too short */
		case 2: if (size == o->g) return; a += o->g; size -= o->g; break; /* the middle */
		default: a += 1; break;                                /* misaligned */
		}
	} else {
		a = o->iova->start + (dma_addr_t)fin_below(f, (uint32_t)o->n) * o->g;
		size = (1 + fin_below(f, 8)) * o->g;
		for (int i = 0; i < o->nr_live; i++)
			if (o->live[i].addr == a && o->live[i].size == size)
				return; /* that one is live: not a wrong call */
	}
	ret = o->iova->ops->free_range(o->iova, a, size);
	FUZZ_CHECK(ret == -EINVAL, "%s: free_range(%#llx, %zu) of no live range = %d", o->name,
		   (unsigned long long)a, size, ret);
}

static void op_reserve(struct oracle *o, struct fin *f)
{
	/* Anywhere around the aperture: the part outside is clipped. */
	long first = (long)fin_below(f, (uint32_t)o->n + 8) - 4;
	size_t n = 1 + fin_below(f, 16);
	dma_addr_t a = o->iova->start + (dma_addr_t)first * o->g, lo, hi;
	bool busy = false;
	int ret;

	if (first < 0 && (dma_addr_t)(-first) * o->g > o->iova->start)
		a = 0;
	lo = a < o->iova->start ? o->iova->start : a;
	hi = a + n * o->g - 1 > o->iova->end ? o->iova->end : a + n * o->g - 1;
	for (dma_addr_t x = lo; x <= hi && x >= lo; x += o->g)
		busy |= o->st[gidx(o, x)] == G_ALLOC;
	if (busy && o->iova->ops->flush_caches)
		o->iova->ops->flush_caches(o->iova);
	ret = o->iova->ops->reserve(o->iova, a, n * o->g);
	if (busy) {
		FUZZ_CHECK(ret == -EBUSY, "%s: reserve(%#llx, %zu) over a live range = %d", o->name,
			   (unsigned long long)a, n * o->g, ret);
		return;
	}
	FUZZ_CHECK(ret == 0, "%s: reserve(%#llx, %zu) = %d", o->name, (unsigned long long)a,
		   n * o->g, ret);
	for (dma_addr_t x = lo; x <= hi && x >= lo; x += o->g)
		o->st[gidx(o, x)] = G_RESV;
}

static void op_free_batch(struct oracle *o, struct fin *f)
{
	struct dmasim_iova_range r[8];
	int ret[8], idx[8];
	unsigned int n = 0, want = 1 + fin_below(f, 8);

	if (!o->iova->ops->free_ranges || o->iova->ops->base.abi < 2)
		return;
	/* Distinct live ranges, and now and then one wrong one among them. */
	for (int i = 0; i < o->nr_live && n < want; i++) {
		if (fin_u8(f) & 1)
			continue;
		idx[n] = i;
		r[n++] = (struct dmasim_iova_range){ o->live[i].addr, o->live[i].size };
	}
	if (n < 8 && (fin_u8(f) & 7) == 0) {
		idx[n] = -1;
		r[n++] = (struct dmasim_iova_range){ o->iova->start + 1, o->g }; /* misaligned */
	}
	if (!n)
		return;
	o->iova->ops->free_ranges(o->iova, r, n, ret);
	for (int k = (int)n - 1; k >= 0; k--) {
		if (idx[k] < 0) {
			FUZZ_CHECK(ret[k] == -EINVAL, "%s: free_ranges: a misaligned range gave %d",
				   o->name, ret[k]);
			continue;
		}
		FUZZ_CHECK(ret[k] == 0, "%s: free_ranges: live range %#llx+%zu gave %d", o->name,
			   (unsigned long long)r[k].addr, r[k].size, ret[k]);
	}
	/* idx[] is increasing: forget from the last so the indices stay valid. */
	for (int k = (int)n - 1; k >= 0; k--)
		if (idx[k] >= 0)
			forget(o, idx[k]);
}

static void check_stats(struct oracle *o)
{
	struct dmasim_iova_stats st;
	u64 alloc = 0, resv = 0;

	for (size_t i = 0; i < o->n; i++) {
		alloc += o->st[i] == G_ALLOC;
		resv += o->st[i] == G_RESV;
	}
	alloc *= o->g;
	resv *= o->g;
	o->iova->ops->stats(o->iova, &st);
	FUZZ_CHECK(st.allocated + st.reserved + st.free + st.cached == o->n * o->g,
		   "%s: stats do not add up to the aperture", o->name);
	FUZZ_CHECK(st.allocated == alloc && st.reserved == resv && st.nr_ranges == (u64)o->nr_live,
		   "%s: stats allocated %llu reserved %llu ranges %llu, oracle %llu %llu %d", o->name,
		   (unsigned long long)st.allocated, (unsigned long long)st.reserved,
		   (unsigned long long)st.nr_ranges, (unsigned long long)alloc,
		   (unsigned long long)resv, o->nr_live);
	FUZZ_CHECK(st.largest_free <= st.free, "%s: largest_free > free", o->name);
}

struct walk {
	struct oracle *o;
	size_t granules;
	dma_addr_t last;
	int ranges;
};

static int walk_fn(void *ctx, dma_addr_t addr, size_t size, bool reserved)
{
	struct walk *w = ctx;
	struct oracle *o = w->o;

	FUZZ_CHECK(addr >= w->last && addr >= o->iova->start && addr + size - 1 <= o->iova->end &&
			   size && size % o->g == 0,
		   "%s: for_each gave %#llx+%zu out of order or outside", o->name,
		   (unsigned long long)addr, size);
	w->last = addr + size;
	for (size_t i = gidx(o, addr); i < gidx(o, addr) + size / o->g; i++)
		FUZZ_CHECK(o->st[i] == (reserved ? G_RESV : G_ALLOC),
			   "%s: for_each %#llx+%zu %s, oracle says %d at granule %zu", o->name,
			   (unsigned long long)addr, size, reserved ? "reserved" : "allocated",
			   o->st[i], i);
	w->granules += size / o->g;
	if (!reserved) {
		bool found = false;

		for (int i = 0; i < o->nr_live && !found; i++)
			if (o->live[i].addr == addr && o->live[i].size == size) {
				found = true;
				w->granules += (o->live[i].span - size) / o->g;
			}
		FUZZ_CHECK(found, "%s: for_each reports %#llx+%zu, not a live allocation", o->name,
			   (unsigned long long)addr, size);
		w->ranges++;
	}
	return 0;
}

static void check_walk(struct oracle *o)
{
	struct walk w = { .o = o };
	size_t used = 0;

	if (!o->iova->ops->for_each)
		return;
	FUZZ_CHECK(o->iova->ops->for_each(o->iova, walk_fn, &w) == 0, "%s: for_each failed", o->name);
	for (size_t i = 0; i < o->n; i++)
		used += o->st[i] != G_FREE;
	FUZZ_CHECK(w.granules == used && w.ranges == o->nr_live,
		   "%s: for_each covered %zu granules in %d ranges, oracle %zu in %d", o->name,
		   w.granules, w.ranges, used, o->nr_live);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char names[256];
	static const char *list[16];
	static int nr_list;
	struct fin f = { data, size };
	struct oracle *o;
	struct dmasim_iova_config cfg;
	const struct dmasim_iova_ops *ops;
	uint8_t pick;
	char opts[16] = "";

	if (!nr_list) {
		char *save = NULL;

		dmasim_backend_list(DMASIM_BACKEND_IOVA, names, sizeof(names));
		for (char *w = strtok_r(names, ",", &save); w && nr_list < 16; w = strtok_r(NULL, ",", &save))
			list[nr_list++] = w;
	}
	pick = fin_u8(&f);
	ops = (const struct dmasim_iova_ops *)dmasim_backend_find(DMASIM_BACKEND_IOVA,
								  list[pick % nr_list]);
	if (!strcmp(ops->base.name, "rbtree") && (pick & 0x80))
		strcpy(opts, "nocache");
	o = calloc(1, sizeof(*o));
	o->g = 1UL << (12 + fin_below(&f, 5));
	cfg = (struct dmasim_iova_config){
		.granule = o->g,
		.start = (dma_addr_t)(1 + fin_below(&f, 64)) * o->g,
		.options = opts,
		.seed = 1,
	};
	cfg.end = cfg.start + (dma_addr_t)(1 + fin_below(&f, MAX_GRANULES)) * o->g - 1;
	o->iova = ops->alloc(&cfg);
	FUZZ_CHECK(o->iova, "%s: alloc of a valid config failed", ops->base.name);
	o->iova->ops = ops;
	o->name = ops->base.name;
	FUZZ_CHECK(o->iova->start >= cfg.start && o->iova->end <= cfg.end &&
			   o->iova->end > o->iova->start && o->iova->granule == o->g,
		   "%s: instance narrowed the config wrongly", o->name);
	o->n = (size_t)((o->iova->end - o->iova->start + 1) / o->g);

	for (int steps = 0; fin_more(&f) && steps < 2000; steps++) {
		switch (fin_u8(&f) % 10) {
		case 0: case 1: case 2: op_alloc(o, &f); break;
		case 3: case 4: op_free(o, &f); break;
		case 5: op_free_wrong(o, &f); break;
		case 6: op_reserve(o, &f); break;
		case 7: op_free_batch(o, &f); break;
		case 8:
			if (ops->flush_caches)
				ops->flush_caches(o->iova);
			break;
		default: check_walk(o); break;
		}
		if (ops->flush_caches && !ops->cache_range)
			ops->flush_caches(o->iova);
	}
	if (ops->flush_caches)
		ops->flush_caches(o->iova);
	check_stats(o);
	check_walk(o);
	ops->free(o->iova);
	free(o);
	return 0;
}
