/*
 * iommu/iotlb.c - the IOTLB: a set-associative cache of page translations in
 * front of the page-table walk, tagged by domain (an ASID), part of the IOMMU
 * layer.  Lookups are lock-free (a sequence lock per set); fills check that
 * no invalidation ran during their walk.  Only the IOMMU core calls it,
 * through iotlb.h.
 */
#include <stdlib.h>

#include "iotlb.h"

static void way_clear(struct iotlb_entry *e)
{
	__atomic_store_n(&e->tag, 0, __ATOMIC_RELEASE);
}

struct iotlb *dmasim__iotlb_new(unsigned int entries)
{
	struct iotlb *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->nsets = entries / IOTLB_WAYS ? entries / IOTLB_WAYS : 1;
	t->sets = calloc(t->nsets, sizeof(*t->sets));
	if (!t->sets) {
		free(t);
		return NULL;
	}
	for (unsigned int i = 0; i < t->nsets; i++)
		dmasim__spin_init(&t->sets[i].lock);
	return t;
}

void dmasim__iotlb_free(struct iotlb *t)
{
	if (!t)
		return;
	free(t->sets);
	free(t);
}

struct iotlb_fill dmasim__iotlb_fill_begin(struct iotlb *t, u64 tag)
{
	struct iotlb_fill m;

	/*
	 * The epoch is read here, not at the insert: a whole flush between the
	 * insert's generation check and an epoch read there would give a stale
	 * entry the new epoch and let it outlive the flush.  Read here, a flush
	 * that follows changes the generation (the insert is dropped), and one
	 * under way leaves at worst an entry of the old, dead epoch.
	 */
	m.epoch = atomic_load(&t->epoch);
	m.gen = atomic_load(&t->gen);
	m.seq = dmasim__seq_mark(&dmasim__iotlb_set(t, tag)->seq);
	return m;
}

/* Insert what a walk found, unless an invalidation may have run since it began (@m). */
void dmasim__iotlb_insert(struct iotlb *t, u64 tag, u64 phys_pfn, int prot, struct iotlb_fill m)
{
	struct iotlb_set *set = dmasim__iotlb_set(t, tag);
	unsigned long epoch = m.epoch;
	int w;

	dmasim__spin_lock(&set->lock);
	/* Another fill of the set also changes @seq: that only costs this entry. */
	if (atomic_load(&t->gen) != m.gen || dmasim__seq_changed(&set->seq, m.seq)) {
		dmasim__spin_unlock(&set->lock);
		return;
	}
	for (w = 0; w < IOTLB_WAYS; w++)
		if (!set->way[w].tag || set->way[w].tag == tag || set->way[w].epoch != epoch)
			break;
	if (w == IOTLB_WAYS)
		w = (int)(set->next++ % IOTLB_WAYS);
	dmasim__seq_write_begin(&set->seq);
	__atomic_store_n(&set->way[w].tag, tag, __ATOMIC_RELEASE);
	__atomic_store_n(&set->way[w].epoch, epoch, __ATOMIC_RELEASE);
	__atomic_store_n(&set->way[w].phys_pfn, phys_pfn, __ATOMIC_RELEASE);
	__atomic_store_n(&set->way[w].prot, prot, __ATOMIC_RELEASE);
	dmasim__seq_write_end(&set->seq);
	dmasim__spin_unlock(&set->lock);
}

/* Flush the whole IOTLB: every entry's epoch is now a past one. */
void dmasim__iotlb_flush_all(struct iotlb *t)
{
	atomic_fetch_add(&t->gen, 1); /* fills under way now insert nothing */
	atomic_fetch_add(&t->epoch, 1);
}

/* Sweep every set for tags in [lo, hi] (tags of one domain are contiguous). */
static void sweep_range(struct iotlb *t, u64 lo, u64 hi)
{
	atomic_fetch_add(&t->gen, 1);
	for (unsigned int i = 0; i < t->nsets; i++) {
		struct iotlb_set *set = &t->sets[i];

		dmasim__spin_lock(&set->lock);
		dmasim__seq_write_begin(&set->seq);
		for (int w = 0; w < IOTLB_WAYS; w++)
			if (set->way[w].tag >= lo && set->way[w].tag <= hi)
				way_clear(&set->way[w]);
		dmasim__seq_write_end(&set->seq);
		dmasim__spin_unlock(&set->lock);
	}
}

unsigned int dmasim__iotlb_entries(const struct iotlb *t)
{
	return t->nsets * IOTLB_WAYS;
}

void dmasim__iotlb_invalidate_range(struct iotlb *t, u64 first, u64 last)
{
	if (last - first >= (u64)t->nsets * IOTLB_WAYS) {
		/* Cheaper to sweep the whole TLB than to probe page by page. */
		sweep_range(t, first, last);
		return;
	}
	/* Page by page: each set's sequence bump keeps a racing fill of its tags out. */
	for (u64 tag = first;; tag++) {
		struct iotlb_set *set = dmasim__iotlb_set(t, tag);

		dmasim__spin_lock(&set->lock);
		dmasim__seq_write_begin(&set->seq);
		for (int w = 0; w < IOTLB_WAYS; w++)
			if (set->way[w].tag == tag)
				way_clear(&set->way[w]);
		dmasim__seq_write_end(&set->seq);
		dmasim__spin_unlock(&set->lock);
		if (tag == last)
			break;
	}
}
