/*
 * iommu/pgtable/io-pgtable.h - what the page-table formats share (the
 * kernel's io-pgtable.h): telling the IOMMU what to invalidate through the
 * config's flush callbacks.  Formats include <dmasim/backend.h>, this header
 * and their own helpers only.
 */
#ifndef DMASIM_IO_PGTABLE_H
#define DMASIM_IO_PGTABLE_H

#include <dmasim/backend.h>

/* The config's flush callbacks and their cookie; no callbacks: nothing to tell. */
struct pgtable_tlb {
	const struct dmasim_pgtable_flush_ops *ops;
	void (*add_page)(unsigned long iova, size_t granule, void *cookie); /* may be NULL */
	void *cookie;
};

static inline void pgtable_tlb_init(struct pgtable_tlb *t, const struct dmasim_pgtable_config *cfg)
{
	t->ops = cfg->tlb;
	t->add_page = cfg->tlb ? cfg->tlb->tlb_add_page : NULL;
	t->cookie = cfg->tlb_cookie;
}

static inline void pgtable_tlb_flush_all(const struct pgtable_tlb *t)
{
	if (t->ops)
		t->ops->tlb_flush_all(t->cookie);
}

static inline void pgtable_tlb_flush_walk(const struct pgtable_tlb *t, unsigned long iova,
					  size_t size, size_t granule)
{
	if (t->ops)
		t->ops->tlb_flush_walk(iova, size, granule, t->cookie);
}

static inline void pgtable_tlb_add_page(const struct pgtable_tlb *t, unsigned long iova,
					size_t granule)
{
	if (t->add_page)
		t->add_page(iova, granule, t->cookie);
}

/* Each leaf of @granule cleared in [@iova, @iova + @size): after a run, not in its loop. */
static inline void pgtable_tlb_add_pages(const struct pgtable_tlb *t, unsigned long iova,
					 size_t size, size_t granule)
{
	if (!t->add_page || !size)
		return;
	do
		t->add_page(iova, granule, t->cookie);
	while (iova += granule, size -= granule);
}

#endif /* DMASIM_IO_PGTABLE_H */
