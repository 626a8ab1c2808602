/*
 * fuzz/fuzz_pgtable.c - every registered IO page-table format against a map
 * of intervals.
 *
 * The input picks a format and a sequence of map_pages / unmap_pages /
 * iova_to_phys / walk calls (valid and not: misaligned, beyond ias, page
 * sizes the format lacks, no permission), over a small window of IOVA space
 * so that blocks and pages meet.  The oracle holds the leaves mapped (one
 * per page of each map call: formats never merge nor split them) and checks
 * the format's answers against the contract in <dmasim/backend.h>: a map
 * succeeds unless it overlaps a live leaf (-EEXIST there, the pages before it
 * mapped) or a table cannot be had (-ENOMEM, from the table allocator this
 * file fails on purpose); an unmap removes whole leaves and stops at the
 * first hole or at a larger block it only partly covers; a lookup finds
 * exactly the live leaves, with their permissions; every leaf removed was
 * reported to the TLB callbacks.  Table memory comes from a host arena
 * standing in for RAM, checked for double frees and leaks.
 */
#include <errno.h>
#include <stdbool.h>

#include <dmasim/dmasim.h>

#include "fuzz-common.h"

#define ARENA_BASE 0x40000000ULL
#define ARENA_SIZE (32ULL << 20)
#define MAX_LEAVES 512

/* ---- table memory: a host arena as RAM ----------------------------------- */

struct arena {
	unsigned char *mem;
	u64 top;               /* bump pointer (offset) */
	u64 free_list[17][64]; /* freed tables by log2(size), offsets */
	int nr_free[17];
	unsigned char *owner;  /* per 1 KiB: 0 free, else log2(size) + 1 at a table's start */
	long live;
	long fail_after;       /* < 0: never; else allocations left before one fails */
	bool failed;           /* an allocation failed in the current op */
};

static struct arena A;

static int a_alloc(void *cookie, size_t size, phys_addr_t *phys)
{
	unsigned int lg = (unsigned int)__builtin_ctzl(size);
	u64 off;

	(void)cookie;
	FUZZ_CHECK(size >= 64 && size <= 65536 && !(size & (size - 1)), "alloc_table(%zu)", size);
	if (A.fail_after == 0) {
		A.failed = true;
		return -ENOMEM;
	}
	if (A.fail_after > 0)
		A.fail_after--;
	if (A.nr_free[lg]) {
		off = A.free_list[lg][--A.nr_free[lg]];
	} else {
		off = (A.top + size - 1) & ~(u64)(size - 1);
		if (off + size > ARENA_SIZE) {
			A.failed = true;
			return -ENOMEM;
		}
		A.top = off + size;
	}
	memset(A.mem + off, 0, size);
	if (size >= 1024)
		A.owner[off >> 10] = (unsigned char)(lg + 1);
	A.live++;
	*phys = ARENA_BASE + off;
	return 0;
}

static void a_free(void *cookie, phys_addr_t phys, size_t size)
{
	unsigned int lg = (unsigned int)__builtin_ctzl(size);
	u64 off = phys - ARENA_BASE;

	(void)cookie;
	FUZZ_CHECK(phys >= ARENA_BASE && off + size <= A.top && !(off & (size - 1)),
		   "free_table(%#llx, %zu): not a table", (unsigned long long)phys, size);
	if (size >= 1024) {
		FUZZ_CHECK(A.owner[off >> 10] == lg + 1, "free_table(%#llx, %zu): double or wrong-size free",
			   (unsigned long long)phys, size);
		A.owner[off >> 10] = 0;
	}
	memset(A.mem + off, 0x5a, size); /* a walk through a freed table reads garbage */
	if (A.nr_free[lg] < 64)
		A.free_list[lg][A.nr_free[lg]++] = off;
	A.live--;
}

static unsigned char *a_ram(void *cookie, phys_addr_t phys)
{
	(void)cookie;
	FUZZ_CHECK(phys >= ARENA_BASE && phys < ARENA_BASE + ARENA_SIZE, "ram(%#llx): outside the tables",
		   (unsigned long long)phys);
	return A.mem + (phys - ARENA_BASE);
}

static unsigned char *a_region(void *cookie, phys_addr_t phys, phys_addr_t *base, u64 *size)
{
	(void)cookie;
	if (phys < ARENA_BASE || phys >= ARENA_BASE + ARENA_SIZE)
		return NULL;
	*base = ARENA_BASE;
	*size = ARENA_SIZE;
	return A.mem;
}

/* ---- what the TLB callbacks were told during one op ------------------------- */

struct inval {
	unsigned long iova;
	size_t size;
};

static struct inval inv[4096];
static int nr_inv;
static bool flushed_all;

static void t_all(void *cookie)
{
	(void)cookie;
	flushed_all = true;
}

static void t_walk(unsigned long iova, size_t size, size_t granule, void *cookie)
{
	(void)cookie, (void)granule;
	if (nr_inv < 4096)
		inv[nr_inv++] = (struct inval){ iova, size };
}

static void t_page(unsigned long iova, size_t granule, void *cookie)
{
	t_walk(iova, granule, granule, cookie);
}

static const struct dmasim_pgtable_flush_ops tlb_ops = { t_all, t_walk, t_page };

static bool invalidated(unsigned long iova, size_t size)
{
	if (flushed_all)
		return true;
	/* Covered by the union of what was reported (reports never overlap here). */
	for (unsigned long a = iova; a < iova + size;) {
		int i;

		for (i = 0; i < nr_inv; i++)
			if (inv[i].iova <= a && a < inv[i].iova + inv[i].size)
				break;
		if (i == nr_inv)
			return false;
		a = inv[i].iova + inv[i].size;
	}
	return true;
}

/* ---- the oracle: live leaves ----------------------------------------------- */

struct leaf {
	unsigned long iova;
	size_t size;
	phys_addr_t phys;
	int prot;
};

struct model {
	struct dmasim_pgtable *pgt;
	const char *name;
	struct leaf leaf[MAX_LEAVES];
	int n;
	unsigned long base;  /* the window of IOVA space the ops play in */
	unsigned long sizes[8];
	int nr_sizes;
};

static int find_overlap(const struct model *m, unsigned long iova, size_t size)
{
	for (int i = 0; i < m->n; i++)
		if (m->leaf[i].iova < iova + size && iova < m->leaf[i].iova + m->leaf[i].size)
			return i;
	return -1;
}

static void add_leaf(struct model *m, unsigned long iova, size_t size, phys_addr_t phys, int prot)
{
	FUZZ_CHECK(m->n < MAX_LEAVES, "too many leaves");
	m->leaf[m->n++] = (struct leaf){ iova, size, phys, prot };
}

static void del_leaf(struct model *m, int i)
{
	m->leaf[i] = m->leaf[--m->n];
}

static size_t pick_size(struct model *m, struct fin *f)
{
	return m->sizes[fin_below(f, (uint32_t)m->nr_sizes)];
}

/* An address in the window, aligned to @align (sometimes not). */
static unsigned long pick_iova(struct model *m, struct fin *f, size_t align, bool *valid)
{
	uint8_t how = fin_u8(f);
	unsigned long a = m->base + (unsigned long)fin_below(f, 64) * align;

	*valid = true;
	if ((how & 31) == 0) {
		a += 4096 / 2; /* misaligned */
		*valid = false;
	} else if ((how & 31) == 1) {
		a = m->pgt->ias >= 64 ? a : (1UL << m->pgt->ias) - align; /* the last page */
		*valid = m->pgt->ias < 64;
	} else if ((how & 31) == 2 && m->pgt->ias < 63) {
		a = 1UL << m->pgt->ias; /* beyond ias */
		*valid = false;
	}
	return a;
}

static void op_map(struct model *m, struct fin *f)
{
	size_t pgsize = pick_size(m, f), mapped = 12345, done = 0;
	size_t pgcount = 1 + fin_below(f, fin_u8(f) & 1 ? 4 : 64);
	int prot = fin_u8(f) % 8; /* READ, WRITE, and now and then neither */
	phys_addr_t phys = (phys_addr_t)(1 + fin_below(f, 1024)) * pgsize;
	bool valid, perm = prot & (DMASIM_PROT_READ | DMASIM_PROT_WRITE);
	unsigned long iova = pick_iova(m, f, pgsize, &valid);
	int ret, expect = 0;

	prot &= DMASIM_PROT_READ | DMASIM_PROT_WRITE;
	if (fin_u8(f) % 16 == 0) {
		pgsize |= pgsize >> 1; /* not a page size */
		valid = false;
	}
	if ((phys + pgsize * pgcount - 1) >> m->pgt->oas)
		valid = false;
	if (valid && ((iova + pgsize * pgcount - 1) >> m->pgt->ias || iova + pgsize * pgcount < iova))
		valid = false;
	A.fail_after = fin_u8(f) % 8 == 0 ? (long)fin_below(f, 3) : -1;
	A.failed = false;
	ret = m->pgt->ops->map_pages(m->pgt, iova, phys, pgsize, pgcount,
				     prot, &mapped);
	A.fail_after = -1;
	if (!valid || !perm) {
		FUZZ_CHECK(ret == -EINVAL && mapped == 0,
			   "%s: map_pages(%#lx, %#llx, %#zx x %zu, prot %d) invalid, gave %d (mapped %zu)",
			   m->name, iova, (unsigned long long)phys, pgsize, pgcount, prot, ret, mapped);
		return;
	}
	/* What the oracle expects: pages in order until one overlaps a live leaf. */
	for (size_t i = 0; i < pgcount; i++, done += pgsize)
		if (find_overlap(m, iova + done, pgsize) >= 0) {
			expect = -EEXIST;
			break;
		}
	FUZZ_CHECK(mapped % pgsize == 0 && mapped <= done,
		   "%s: map_pages(%#lx, %#zx x %zu) mapped %zu, the oracle allows %zu", m->name, iova,
		   pgsize, pgcount, mapped, done);
	if (ret == -ENOMEM)
		FUZZ_CHECK(A.failed, "%s: map_pages -ENOMEM while tables were there", m->name);
	else
		FUZZ_CHECK(ret == expect && mapped == done,
			   "%s: map_pages(%#lx, %#llx, %#zx x %zu) = %d mapped %zu, oracle %d %zu",
			   m->name, iova, (unsigned long long)phys, pgsize, pgcount, ret, mapped,
			   expect, done);
	for (size_t off = 0; off < mapped; off += pgsize)
		add_leaf(m, iova + off, pgsize, phys + off, prot);
}

static void op_unmap(struct model *m, struct fin *f)
{
	size_t pgsize = pick_size(m, f), pgcount = 1 + fin_below(f, fin_u8(f) & 1 ? 4 : 64);
	bool valid;
	unsigned long iova = pick_iova(m, f, pgsize, &valid), end, a;
	size_t got;

	if (valid && ((iova + pgsize * pgcount - 1) >> m->pgt->ias || iova + pgsize * pgcount < iova))
		valid = false;
	nr_inv = 0;
	flushed_all = false;
	got = m->pgt->ops->unmap_pages(m->pgt, iova, pgsize, pgcount);
	if (!valid) {
		FUZZ_CHECK(got == 0, "%s: unmap_pages(%#lx, %#zx x %zu) invalid, unmapped %zu", m->name,
			   iova, pgsize, pgcount, got);
		return;
	}
	FUZZ_CHECK(got <= pgsize * pgcount || got % pgsize == 0,
		   "%s: unmap_pages(%#lx, %#zx x %zu) = %zu", m->name, iova, pgsize, pgcount, got);
	/* Replay on the oracle, step by step, as far as the format went. */
	end = iova + pgsize * pgcount;
	for (a = iova; a < end;) {
		int i = find_overlap(m, a, pgsize);
		bool stop;

		if (i >= 0 && m->leaf[i].size > pgsize) {
			/* A larger block: it goes only if the request covers all of it. */
			struct leaf *l = &m->leaf[i];

			stop = l->iova != a || end - a < l->size;
			if (stop) {
				FUZZ_CHECK(got == a - iova,
					   "%s: unmap_pages(%#lx, %#zx x %zu) = %#zx; a block %#lx+%#zx only partly covered at %#lx",
					   m->name, iova, pgsize, pgcount, got, l->iova, l->size, a);
				break;
			}
			FUZZ_CHECK(got >= a - iova + l->size,
				   "%s: unmap_pages(%#lx, %#zx x %zu) = %#zx stopped at block %#lx+%#zx it covers",
				   m->name, iova, pgsize, pgcount, got, l->iova, l->size);
			FUZZ_CHECK(invalidated(l->iova, l->size), "%s: block %#lx+%#zx unmapped, never invalidated",
				   m->name, l->iova, l->size);
			a += l->size;
			del_leaf(m, i);
			continue;
		}
		if (i < 0) {
			/*
			 * Nothing mapped in this step: a hole (the unmap stops) or, above the
			 * smallest page size, a table emptied by earlier unmaps (it goes on).
			 */
			if (got == a - iova)
				break;
			FUZZ_CHECK(pgsize > m->sizes[0] && got >= a - iova + pgsize,
				   "%s: unmap_pages(%#lx, %#zx x %zu) = %#zx, going through the hole at %#lx",
				   m->name, iova, pgsize, pgcount, got, a);
			a += pgsize;
			continue;
		}
		/* Leaves of this size or smaller: all of them go. */
		FUZZ_CHECK(got >= a - iova + pgsize,
			   "%s: unmap_pages(%#lx, %#zx x %zu) = %#zx, stopped at mapped %#lx", m->name,
			   iova, pgsize, pgcount, got, a);
		while ((i = find_overlap(m, a, pgsize)) >= 0) {
			FUZZ_CHECK(invalidated(m->leaf[i].iova, m->leaf[i].size),
				   "%s: leaf %#lx+%#zx unmapped, never invalidated", m->name,
				   m->leaf[i].iova, m->leaf[i].size);
			del_leaf(m, i);
		}
		a += pgsize;
	}
	FUZZ_CHECK(got == a - iova || a >= end, "%s: unmap_pages(%#lx, %#zx x %zu) = %#zx, oracle %#lx",
		   m->name, iova, pgsize, pgcount, got, a - iova);
	FUZZ_CHECK(got == (a < end ? a : end) - iova, "%s: unmap_pages(%#lx, %#zx x %zu) = %#zx, oracle %#lx",
		   m->name, iova, pgsize, pgcount, got, a - iova);
}

static void check_lookup(struct model *m, unsigned long iova, bool use_walk)
{
	int i = find_overlap(m, iova, 1), prot = -1, ret;
	phys_addr_t phys = 0;
	struct dmasim_pgtable_walk w;

	if (use_walk) {
		ret = m->pgt->ops->walk(m->pgt, iova, &w);
		phys = w.phys;
		prot = w.prot;
		if (!ret)
			FUZZ_CHECK(w.mapped && i >= 0 && w.pgsize == m->leaf[i].size &&
					   w.nr_levels >= 1 && w.nr_levels <= DMASIM_PGTABLE_MAX_LEVELS,
				   "%s: walk(%#lx): mapped %d pgsize %#zx levels %u", m->name, iova,
				   w.mapped, w.pgsize, w.nr_levels);
	} else {
		ret = m->pgt->ops->iova_to_phys(m->pgt, iova, &phys, &prot);
	}
	if (i < 0) {
		FUZZ_CHECK(ret == -ENOENT, "%s: %#lx is not mapped, lookup gave %d (phys %#llx)", m->name,
			   iova, ret, (unsigned long long)phys);
		return;
	}
	FUZZ_CHECK(ret == 0 && phys == m->leaf[i].phys + (iova - m->leaf[i].iova) &&
			   (prot & (DMASIM_PROT_READ | DMASIM_PROT_WRITE)) == m->leaf[i].prot,
		   "%s: lookup(%#lx) = %d phys %#llx prot %d, oracle phys %#llx prot %d", m->name, iova,
		   ret, (unsigned long long)phys, prot,
		   (unsigned long long)(m->leaf[i].phys + (iova - m->leaf[i].iova)), m->leaf[i].prot);
}

static void op_lookup(struct model *m, struct fin *f)
{
	uint8_t how = fin_u8(f);

	if (m->n && (how & 1)) {
		struct leaf *l = &m->leaf[fin_below(f, (uint32_t)m->n)];

		check_lookup(m, l->iova + (fin_u32(f) % l->size), how & 2);
		check_lookup(m, l->iova + l->size, how & 2); /* just past it */
		if (l->iova)
			check_lookup(m, l->iova - 1, how & 2);
	} else {
		check_lookup(m, m->base + (fin_u32(f) % (64 * m->sizes[m->nr_sizes - 1])), how & 2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char names[256];
	static const char *list[16];
	static int nr_list;
	struct fin f = { data, size };
	const struct dmasim_pgtable_ops *ops;
	struct dmasim_pgtable_config cfg;
	struct model *m;

	if (!nr_list) {
		char *save = NULL;

		dmasim_backend_list(DMASIM_BACKEND_PGTABLE, names, sizeof(names));
		for (char *w = strtok_r(names, ",", &save); w && nr_list < 16; w = strtok_r(NULL, ",", &save))
			list[nr_list++] = w;
		A.mem = calloc(1, ARENA_SIZE);
		A.owner = calloc(ARENA_SIZE >> 10, 1);
	}
	A.top = 0;
	memset(A.nr_free, 0, sizeof(A.nr_free));
	memset(A.owner, 0, ARENA_SIZE >> 10);
	A.live = 0;
	A.fail_after = -1;

	ops = (const struct dmasim_pgtable_ops *)dmasim_backend_find(DMASIM_BACKEND_PGTABLE,
								     list[fin_u8(&f) % nr_list]);
	cfg = (struct dmasim_pgtable_config){
		.ias = fin_u8(&f) % 4 == 0 ? 24 + fin_below(&f, 25) : 0,
		.oas = 0,
		.alloc_table = a_alloc,
		.free_table = a_free,
		.ram = a_ram,
		.options = "",
		.ram_region = a_region,
		.tlb = &tlb_ops,
	};
	m = calloc(1, sizeof(*m));
	m->pgt = ops->alloc(&cfg);
	if (!m->pgt) {
		free(m);
		return 0; /* an ias the format cannot narrow to */
	}
	m->pgt->ops = ops;
	m->name = ops->base.name;
	for (unsigned long b = m->pgt->pgsize_bitmap; b && m->nr_sizes < 8; b &= b - 1)
		m->sizes[m->nr_sizes++] = b & -b;
	FUZZ_CHECK(m->nr_sizes && m->sizes[0] >= 4096, "%s: page sizes %#lx", m->name,
		   m->pgt->pgsize_bitmap);
	/* A window of 64 of the largest pages, somewhere below ias. */
	{
		unsigned long big = m->sizes[m->nr_sizes - 1];
		unsigned long slots = m->pgt->ias >= 63 ? 1UL << 20 : (1UL << m->pgt->ias) / big;

		m->base = slots > 64 ? (fin_u32(&f) % (slots - 64)) * big : 0;
	}

	for (int steps = 0; fin_more(&f) && steps < 500; steps++) {
		switch (fin_u8(&f) % 6) {
		case 0: case 1: op_map(m, &f); break;
		case 2: case 3: op_unmap(m, &f); break;
		default: op_lookup(m, &f); break;
		}
	}
	for (int i = 0; i < m->n; i++)
		check_lookup(m, m->leaf[i].iova, i & 1);
	ops->free(m->pgt);
	FUZZ_CHECK(A.live == 0, "%s: %ld tables not freed by free()", m->name, A.live);
	free(m);
	return 0;
}
