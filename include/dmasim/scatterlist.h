/*
 * dmasim/scatterlist.h - scatter-gather lists and tables, kernel semantics.
 *
 * struct scatterlist describes one CPU-side chunk (page, offset, length) and,
 * once mapped by dma_map_sg(), one DMA segment (dma_address, dma_length).
 * Lists may be chained: the last entry of an array then points at the next
 * array.  Included by <linux/scatterlist.h>.
 */
#ifndef DMASIM_SCATTERLIST_H
#define DMASIM_SCATTERLIST_H

#include <dmasim/ktypes.h>
#include <dmasim/mm.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct scatterlist - one scatter-gather entry.
 * @page_link: the page pointer plus the SG_CHAIN / SG_END bits.
 * @offset: offset of the data in the page.
 * @length: length of the data.
 * @dma_address: bus address after dma_map_sg().
 * @dma_length: bus length after dma_map_sg().
 * @dma_flags: dmasim bookkeeping for the mapping (bounced, ...).
 */
struct scatterlist {
	unsigned long page_link;
	unsigned int offset;
	unsigned int length;
	dma_addr_t dma_address;
	unsigned int dma_length;
	unsigned int dma_flags;
};

/**
 * struct sg_table - a (possibly chained) scatterlist with its counts.
 * @sgl: the first entry.
 * @nents: number of DMA segments after mapping (entries before).
 * @orig_nents: number of CPU entries.
 */
struct sg_table {
	struct scatterlist *sgl;
	unsigned int nents;
	unsigned int orig_nents;
};

#define SG_CHAIN 0x01UL
#define SG_END 0x02UL
#define SG_PAGE_LINK_MASK (SG_CHAIN | SG_END)
/* Entries per chunk that sg_alloc_table() allocates before chaining. */
#define SG_MAX_SINGLE_ALLOC 128

#define sg_dma_address(sg) ((sg)->dma_address)
#define sg_dma_len(sg) ((sg)->dma_length)

static inline bool sg_is_chain(const struct scatterlist *sg)
{
	return (sg->page_link & SG_CHAIN) != 0;
}

static inline bool sg_is_last(const struct scatterlist *sg)
{
	return (sg->page_link & SG_END) != 0;
}

static inline struct scatterlist *sg_chain_ptr(const struct scatterlist *sg)
{
	return (struct scatterlist *)(sg->page_link & ~SG_PAGE_LINK_MASK);
}

/** sg_page() - the page of @sg (never call on a chain entry). */
static inline struct page *sg_page(const struct scatterlist *sg)
{
	return (struct page *)(sg->page_link & ~SG_PAGE_LINK_MASK);
}

/** sg_assign_page() - set the page of @sg, keeping its end/chain bits. */
static inline void sg_assign_page(struct scatterlist *sg, struct page *page)
{
	sg->page_link = (sg->page_link & SG_END) | (unsigned long)page;
}

/** sg_set_page() - set page, length and offset of @sg. */
static inline void sg_set_page(struct scatterlist *sg, struct page *page, unsigned int len,
			       unsigned int offset)
{
	sg_assign_page(sg, page);
	sg->offset = offset;
	sg->length = len;
}

/** sg_mark_end() - make @sg the last entry of its list. */
static inline void sg_mark_end(struct scatterlist *sg)
{
	sg->page_link |= SG_END;
	sg->page_link &= ~SG_CHAIN;
}

/** sg_unmark_end() - clear the end mark of @sg. */
static inline void sg_unmark_end(struct scatterlist *sg)
{
	sg->page_link &= ~SG_END;
}

/** sg_next() - the entry after @sg, following chains. Return: NULL after the last. */
static inline struct scatterlist *sg_next(struct scatterlist *sg)
{
	if (sg_is_last(sg))
		return NULL;
	sg++;
	if (sg_is_chain(sg))
		sg = sg_chain_ptr(sg);
	return sg;
}

/**
 * sg_chain() - link array @prv (of @prv_nents entries) to @sgl.
 *
 * The last entry of @prv becomes the chain link and carries no data.
 */
static inline void sg_chain(struct scatterlist *prv, unsigned int prv_nents,
			    struct scatterlist *sgl)
{
	struct scatterlist *link = &prv[prv_nents - 1];

	link->offset = 0;
	link->length = 0;
	link->page_link = ((unsigned long)sgl | SG_CHAIN) & ~SG_END;
}

#define for_each_sg(sglist, sg, nr, __i) \
	for (__i = 0, sg = (sglist); __i < (__typeof__(__i))(nr); __i++, sg = sg_next(sg))
#define for_each_sgtable_sg(sgt, sg, i) for_each_sg((sgt)->sgl, sg, (sgt)->orig_nents, i)
#define for_each_sgtable_dma_sg(sgt, sg, i) for_each_sg((sgt)->sgl, sg, (sgt)->nents, i)

/** sg_init_table() - zero @nents entries and mark the last one. */
DMASIM_API void sg_init_table(struct scatterlist *sgl, unsigned int nents);
/** sg_init_marker() - mark entry @nents - 1 as the end, nothing else. */
DMASIM_API void sg_init_marker(struct scatterlist *sgl, unsigned int nents);
/** sg_set_buf() - point @sg at a linear-map buffer (kmalloc, pages). */
DMASIM_API void sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int buflen);
/** sg_init_one() - a one-entry list for a linear-map buffer. */
DMASIM_API void sg_init_one(struct scatterlist *sg, const void *buf, unsigned int buflen);
/** sg_virt() - linear-map address of @sg's data. Return: NULL for high memory. */
DMASIM_API void *sg_virt(struct scatterlist *sg);
/** sg_phys() - physical address of @sg's data. */
DMASIM_API phys_addr_t sg_phys(struct scatterlist *sg);
/** sg_nents() - entries in the list up to the end mark. */
DMASIM_API int sg_nents(struct scatterlist *sg);
/**
 * sg_nents_for_len() - entries needed to cover @len bytes.
 * Return: the count, or -EINVAL if the list holds fewer than @len bytes.
 */
DMASIM_API int sg_nents_for_len(struct scatterlist *sg, u64 len);
/** sg_last() - the last entry of a list of @nents entries. */
DMASIM_API struct scatterlist *sg_last(struct scatterlist *s, unsigned int nents);

/**
 * sg_alloc_table() - allocate a table of @nents entries, chaining arrays of
 * SG_MAX_SINGLE_ALLOC entries as the kernel does.
 * Return: 0, -EINVAL for 0 entries, or -ENOMEM.
 */
DMASIM_API int sg_alloc_table(struct sg_table *table, unsigned int nents, gfp_t gfp);
/** sg_free_table() - free what sg_alloc_table*() allocated; safe on a zeroed table. */
DMASIM_API void sg_free_table(struct sg_table *table);
/**
 * sg_alloc_table_from_pages_segment() - a table for @n_pages pages, merging
 * physically contiguous pages into entries of at most @max_segment bytes.
 * @offset: offset of the data in the first page.  @size: total bytes.
 * @max_segment: page-aligned upper bound of one entry (at least PAGE_SIZE).
 * Return: 0, -EINVAL on bad arguments, or -ENOMEM.
 */
DMASIM_API int sg_alloc_table_from_pages_segment(struct sg_table *sgt, struct page **pages,
						 unsigned int n_pages, unsigned int offset,
						 unsigned long size, unsigned int max_segment,
						 gfp_t gfp);
/** sg_alloc_table_from_pages() - the same with the largest segment size. */
DMASIM_API int sg_alloc_table_from_pages(struct sg_table *sgt, struct page **pages,
					 unsigned int n_pages, unsigned int offset,
					 unsigned long size, gfp_t gfp);

/** sg_copy_from_buffer() - copy @buflen bytes of @buf into the list. Return: bytes copied. */
DMASIM_API size_t sg_copy_from_buffer(struct scatterlist *sgl, unsigned int nents,
				      const void *buf, size_t buflen);
/** sg_copy_to_buffer() - copy the list's bytes into @buf. Return: bytes copied. */
DMASIM_API size_t sg_copy_to_buffer(struct scatterlist *sgl, unsigned int nents, void *buf,
				    size_t buflen);
/** sg_pcopy_from_buffer() - as sg_copy_from_buffer(), starting @skip bytes in. */
DMASIM_API size_t sg_pcopy_from_buffer(struct scatterlist *sgl, unsigned int nents,
				       const void *buf, size_t buflen, off_t skip);
/** sg_pcopy_to_buffer() - as sg_copy_to_buffer(), starting @skip bytes in. */
DMASIM_API size_t sg_pcopy_to_buffer(struct scatterlist *sgl, unsigned int nents, void *buf,
				     size_t buflen, off_t skip);
/** sg_zero_buffer() - zero @buflen bytes of the list from @skip. Return: bytes zeroed. */
DMASIM_API size_t sg_zero_buffer(struct scatterlist *sgl, unsigned int nents, size_t buflen,
				 off_t skip);

/* The largest entry sg_alloc_table_from_pages() builds (page-aligned UINT_MAX), as the kernel's. */
#define SCATTERLIST_MAX_SEGMENT (0xffffffffU & (unsigned int)PAGE_MASK)

/**
 * struct sg_append_table - a table grown by sg_alloc_append_table_from_pages().
 * @sgt: the table (its sgl, nents, orig_nents).
 * @prv: the last entry so far, which a further append may extend.
 * @total_nents: entries allocated (may exceed @sgt.orig_nents until the end).
 */
struct sg_append_table {
	struct sg_table sgt;
	struct scatterlist *prv;
	unsigned int total_nents;
};

/**
 * sg_alloc_append_table_from_pages() - append @n_pages pages to @sgt_append.
 * @offset: offset of the data in the first page; @size: bytes to add.
 * @max_segment: page-aligned upper bound of one entry (at least PAGE_SIZE).
 * @left_pages: pages the caller will still append (0 on the last call).
 *
 * As the kernel's lib/scatterlist.c: the first new page merges into the
 * last entry when it continues it physically (and the entry has room);
 * later pages merge with each other; the table stays chained and
 * end-marked.  dmasim rebuilds the table on each append, so entry pointers
 * from before an append are stale after it (use @prv and the table).
 * Return: 0, -EINVAL (bad arguments; an append to a table whose last entry
 * does not end on a page boundary), or -ENOMEM (the table is unchanged).
 */
DMASIM_API int sg_alloc_append_table_from_pages(struct sg_append_table *sgt_append,
						struct page **pages, unsigned int n_pages,
						unsigned int offset, unsigned long size,
						unsigned int max_segment, unsigned int left_pages,
						gfp_t gfp_mask);
/** sg_free_append_table() - free what sg_alloc_append_table_from_pages() built. */
DMASIM_API void sg_free_append_table(struct sg_append_table *sgt);

/**
 * sg_split() - split a list into @nb_splits new lists of given byte sizes.
 * @in: the list; @in_mapped_nents: 0 (split by CPU length only) or the
 * number of mapped DMA segments (then the DMA halves are split too).
 * @skip: bytes to skip at the start; @nb_splits: how many lists.
 * @split_sizes: bytes of each; @out: receives kmalloc'ed lists (free with kfree()).
 * @out_mapped_nents: entries of each (may be NULL).  @gfp_mask: for the allocations.
 *
 * As the kernel's lib/sg_split.c.
 * Return: 0, -EINVAL (the list is shorter than @skip plus the sizes), -ENOMEM.
 */
DMASIM_API int sg_split(struct scatterlist *in, const int in_mapped_nents, const off_t skip,
			const int nb_splits, const size_t *split_sizes, struct scatterlist **out,
			int *out_mapped_nents, gfp_t gfp_mask);

/**
 * sgl_alloc_order() - a list of pages of 2^@order pages for @length bytes.
 * @chainable: leave room for a chain entry at the end.
 * @nent_p: receives the number of entries (may be NULL).
 * Return: the list (free with sgl_free_order()), or NULL.
 */
DMASIM_API struct scatterlist *sgl_alloc_order(unsigned long long length, unsigned int order,
					       bool chainable, gfp_t gfp, unsigned int *nent_p);
/** sgl_alloc() - sgl_alloc_order() of single pages. */
DMASIM_API struct scatterlist *sgl_alloc(unsigned long long length, gfp_t gfp,
					 unsigned int *nent_p);
/** sgl_free_n_order() - free the pages of the first @nents entries and the list. */
DMASIM_API void sgl_free_n_order(struct scatterlist *sgl, int nents, int order);
/** sgl_free_order() - free a list from sgl_alloc_order(). */
DMASIM_API void sgl_free_order(struct scatterlist *sgl, int order);
/** sgl_free() - free a list from sgl_alloc(). */
DMASIM_API void sgl_free(struct scatterlist *sgl);

/* --- page iterators ------------------------------------------------------ */

/**
 * struct sg_page_iter - walks the CPU pages of a list.
 * @sg: current entry.  @sg_pgoffset: page index inside it.
 */
struct sg_page_iter {
	struct scatterlist *sg;
	unsigned int sg_pgoffset;
	unsigned int nents_left;
	int pg_advance;
};

/** struct sg_dma_page_iter - walks the DMA pages of a mapped list. */
struct sg_dma_page_iter {
	struct sg_page_iter base;
};

DMASIM_API void __sg_page_iter_start(struct sg_page_iter *piter, struct scatterlist *sglist,
				     unsigned int nents, unsigned long pgoffset);
DMASIM_API bool __sg_page_iter_next(struct sg_page_iter *piter);
DMASIM_API bool __sg_page_iter_dma_next(struct sg_dma_page_iter *dma_iter);
/** sg_page_iter_page() - the current page of a CPU page iterator. */
DMASIM_API struct page *sg_page_iter_page(struct sg_page_iter *piter);
/** sg_page_iter_dma_address() - the bus address of the current DMA page. */
DMASIM_API dma_addr_t sg_page_iter_dma_address(struct sg_dma_page_iter *dma_iter);

#define for_each_sg_page(sglist, piter, nents, pgoffset)                 \
	for (__sg_page_iter_start((piter), (sglist), (nents), (pgoffset)); \
	     __sg_page_iter_next(piter);)
#define for_each_sg_dma_page(sglist, dma_iter, dma_nents, pgoffset)                  \
	for (__sg_page_iter_start(&(dma_iter)->base, (sglist), (dma_nents), (pgoffset)); \
	     __sg_page_iter_dma_next(dma_iter);)
#define for_each_sgtable_page(sgt, piter, pgoffset) \
	for_each_sg_page((sgt)->sgl, piter, (sgt)->orig_nents, pgoffset)
#define for_each_sgtable_dma_page(sgt, dma_iter, pgoffset) \
	for_each_sg_dma_page((sgt)->sgl, dma_iter, (sgt)->nents, pgoffset)

/* --- mapping iterator ------------------------------------------------------ */

#define SG_MITER_ATOMIC (1 << 0) /* use kmap_atomic */
#define SG_MITER_TO_SG (1 << 1) /* flush back to phys on unmap */
#define SG_MITER_FROM_SG (1 << 2) /* nop */

/**
 * struct sg_mapping_iter - walks the bytes of a list one mapped page at a time.
 * @page: the current page.  @addr: its CPU address (mapped with kmap).
 * @length: bytes at @addr.  @consumed: bytes the caller used (defaults to @length).
 */
struct sg_mapping_iter {
	struct page *page;
	void *addr;
	size_t length;
	size_t consumed;
	struct sg_page_iter piter;
	unsigned int __offset;
	unsigned int __remaining;
	unsigned int __flags;
};

/** sg_miter_start() - start walking @nents entries of @sgl. */
DMASIM_API void sg_miter_start(struct sg_mapping_iter *miter, struct scatterlist *sgl,
			       unsigned int nents, unsigned int flags);
/** sg_miter_skip() - skip @offset bytes. Return: false if the list ended first. */
DMASIM_API bool sg_miter_skip(struct sg_mapping_iter *miter, off_t offset);
/** sg_miter_next() - map the next piece. Return: false at the end. */
DMASIM_API bool sg_miter_next(struct sg_mapping_iter *miter);
/** sg_miter_stop() - unmap the current piece; call before dropping the iterator. */
DMASIM_API void sg_miter_stop(struct sg_mapping_iter *miter);

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_SCATTERLIST_H */
