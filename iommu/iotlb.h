/*
 * iommu/iotlb.h - the IOTLB's interface, for the IOMMU core (iommu.c) only.
 *
 * The IOTLB caches page translations, tagged by domain (an ASID) and IOVA
 * page.  Lookups take no lock (a sequence lock per set); fills, range
 * invalidations and whole flushes are what writes it.  Its structs are its
 * own (iotlb.c; the lookup inline here): callers hold a pointer and a fill mark.
 */
#ifndef DMASIM_IOTLB_H
#define DMASIM_IOTLB_H

#include "core/core.h"
#include "core/sync.h"

/* Ways per set; the entry count is a multiple of it. */
#define IOTLB_WAYS 4

/*
 * What a fill notes before its page-table walk (dmasim__iotlb_fill_begin()),
 * so that the insert is dropped if an invalidation may have run since: a walk
 * that read an entry just before an unmap must not insert it just after.
 */
struct iotlb_fill {
	unsigned long gen, epoch;
	unsigned int seq;
};

/* The tag of the page holding @iova in the address space @asid (from 1). */
static inline u64 dmasim__iotlb_tag(u32 asid, dma_addr_t iova)
{
	return ((u64)asid << 40) | (iova >> PAGE_SHIFT);
}

/* The first and last tag of the address space @asid. */
static inline u64 dmasim__iotlb_asid_first(u32 asid)
{
	return (u64)asid << 40;
}

static inline u64 dmasim__iotlb_asid_last(u32 asid)
{
	return ((u64)asid << 40) | ((1ULL << 40) - 1);
}

/*
 * The IOTLB's own structs.  They are in this header only so that the
 * lock-free lookup below inlines into the translation of every device
 * access; nothing but iotlb.c and dmasim__iotlb_lookup() touches them.
 */
struct iotlb_entry {
	u64 tag;       /* domain id << 40 | IOVA page number; 0 = empty */
	u64 phys_pfn;
	unsigned long epoch; /* live only while it equals the IOTLB's epoch */
	int prot;
};

/*
 * A set: writers (fills, invalidations) serialise on @lock (a spinlock:
 * it is held for a few stores) and bump @seq around their stores, so a
 * lookup reads the ways without any lock and retries if a writer was at
 * work (a sequence lock, lib/core/sync.h): a hit costs about a hash and four
 * compares.  Entry fields are accessed with atomics: stored with release,
 * loaded with acquire, as struct dmasim_seqcount requires.
 */
struct iotlb_set {
	struct dmasim_spin lock;
	struct dmasim_seqcount seq;
	unsigned int next; /* round-robin victim */
	struct iotlb_entry way[IOTLB_WAYS];
};

struct iotlb {
	unsigned int nsets;
	struct iotlb_set *sets;
	/*
	 * Bumped by every sweep and whole flush before it drops entries (a
	 * range invalidated page by page bumps each set's @seq instead).  A
	 * fill records both before its page-table walk and inserts only if
	 * neither changed (checked under the set lock): otherwise a walk that
	 * read an entry just before an unmap could insert it just after the
	 * invalidation, and the stale translation would outlive it, even in
	 * strict mode, into the next mapping of that IOVA.  Hardware orders
	 * walks before an invalidation's completion; this is that ordering.
	 */
	atomic_ulong gen;
	/*
	 * Bumped (after @gen) by a flush of the whole IOTLB: the entries of
	 * older epochs are dead, so the flush every lazy queue makes is O(1)
	 * instead of a sweep of every set under its lock.
	 */
	atomic_ulong epoch;
};

static inline struct iotlb_set *dmasim__iotlb_set(struct iotlb *t, u64 tag)
{
	u64 h = (tag * 0x9e3779b97f4a7c15ULL) >> 32;

	/* The hash's top bits scaled to [0, nsets): a multiply, not a divide. */
	return &t->sets[(h * t->nsets) >> 32];
}

/* Lock-free lookup.  Return: whether @tag hit, with *@phys_pfn and *@prot. */
static inline bool dmasim__iotlb_lookup(struct iotlb *t, u64 tag, u64 *phys_pfn, int *prot)
{
	struct iotlb_set *set = dmasim__iotlb_set(t, tag);
	unsigned long epoch = atomic_load_explicit(&t->epoch, memory_order_acquire);
	unsigned int s;
	bool hit;

	do {
		s = dmasim__seq_read_begin(&set->seq);
		if (s & 1)
			continue; /* a writer is at work: look again */
		hit = false;
		for (int w = 0; w < IOTLB_WAYS; w++)
			if (__atomic_load_n(&set->way[w].tag, __ATOMIC_ACQUIRE) == tag &&
			    __atomic_load_n(&set->way[w].epoch, __ATOMIC_ACQUIRE) == epoch) {
				*phys_pfn = __atomic_load_n(&set->way[w].phys_pfn, __ATOMIC_ACQUIRE);
				*prot = __atomic_load_n(&set->way[w].prot, __ATOMIC_ACQUIRE);
				hit = true;
				break;
			}
	} while (dmasim__seq_read_retry(&set->seq, s));
	return hit;
}

/* An IOTLB of @entries entries (rounded down to whole sets), or NULL. */
struct iotlb *dmasim__iotlb_new(unsigned int entries);
void dmasim__iotlb_free(struct iotlb *t);
/* How many entries it holds. */
unsigned int dmasim__iotlb_entries(const struct iotlb *t);

/* Begin a fill of @tag: call before the walk whose result is inserted. */
struct iotlb_fill dmasim__iotlb_fill_begin(struct iotlb *t, u64 tag);
/* Insert what the walk found, unless an invalidation may have run since @m. */
void dmasim__iotlb_insert(struct iotlb *t, u64 tag, u64 phys_pfn, int prot, struct iotlb_fill m);

/* Drop every entry with a tag in [@first, @last] (tags of one address space). */
void dmasim__iotlb_invalidate_range(struct iotlb *t, u64 first, u64 last);
/* Drop every entry: O(1), the entries of older epochs are dead. */
void dmasim__iotlb_flush_all(struct iotlb *t);

#endif /* DMASIM_IOTLB_H */
