/*
 * lib/dma/sg-util.c - the scatterlist helpers beyond building and copying
 * (kernel library helpers, above the memory model): tables grown by
 * appending pages (sg_alloc_append_table_from_pages()), splitting a list
 * (the kernel's lib/sg_split.c), lists of freshly allocated pages
 * (sgl_alloc()), and the mapping iterator sg_miter_*(), which maps each
 * page with kmap so high memory works.  Nothing here touches a device.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dma/dma.h"

/* ---- append tables --------------------------------------------------------------- */

struct sg_piece {
	struct page *page;
	unsigned int offset, length;
};

int sg_alloc_append_table_from_pages(struct sg_append_table *app, struct page **pages,
				     unsigned int n_pages, unsigned int offset, unsigned long size,
				     unsigned int max_segment, unsigned int left_pages, gfp_t gfp)
{
	struct dmasim_platform *p = dmasim_platform_current();
	unsigned int old_n, n = 0, i, used;
	struct sg_piece *pc;
	struct sg_table t;
	struct scatterlist *s;
	const char *why = NULL;
	int ret;

	(void)left_pages;
	if (!app || !pages) {
		dmasim__report(p, "sg_alloc_append_table_from_pages: NULL %s", app ? "pages" : "table");
		return -EINVAL;
	}
	max_segment = ALIGN_DOWN(max_segment, (unsigned int)PAGE_SIZE);
	if (!n_pages)
		why = "no pages";
	else if (!size)
		why = "size 0";
	else if (offset >= PAGE_SIZE)
		why = "offset is not inside the first page";
	else if (max_segment < PAGE_SIZE)
		why = "max_segment is below PAGE_SIZE";
	else if ((u64)offset + size > ((u64)n_pages << PAGE_SHIFT))
		why = "offset + size is beyond the pages";
	else if (app->prv && offset)
		why = "a non-zero offset when appending to a table (the kernel WARNs)";
	if (why) {
		dmasim__report(p, "sg_alloc_append_table_from_pages: %s (n_pages %u, offset %u, size %lu, max_segment 0x%x)",
			       why, n_pages, offset, size, max_segment);
		return -EINVAL;
	}
	used = (unsigned int)PFN_UP((u64)offset + size);
	for (i = 0; i < used; i++)
		if (!pages[i]) {
			dmasim__report(p, "sg_alloc_append_table_from_pages: pages[%u] is NULL", i);
			return -EINVAL;
		}
	old_n = app->prv ? app->sgt.orig_nents : 0;
	pc = calloc((size_t)old_n + used, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	for (s = app->sgt.sgl, i = 0; s && i < old_n; s = sg_next(s), i++)
		pc[n++] = (struct sg_piece){ sg_page(s), s->offset, s->length };
	for (i = 0; i < used; i++) {
		unsigned int len = (unsigned int)(size < PAGE_SIZE - offset ? size : PAGE_SIZE - offset);
		struct sg_piece *last = n ? &pc[n - 1] : NULL;

		/* Merge with the previous piece when it ends where this page starts. */
		if (last && !offset && !((last->offset + last->length) & ~PAGE_MASK) &&
		    page_to_phys(last->page) + last->offset + last->length == page_to_phys(pages[i]) &&
		    (u64)last->length + len <= max_segment) {
			last->length += len;
		} else {
			pc[n++] = (struct sg_piece){ pages[i], offset, len };
		}
		size -= len;
		offset = 0;
	}
	ret = sg_alloc_table(&t, n, gfp);
	if (ret) {
		free(pc);
		return ret;
	}
	for (s = t.sgl, i = 0; s; s = sg_next(s), i++) {
		sg_set_page(s, pc[i].page, pc[i].length, pc[i].offset);
		if (i == n - 1)
			app->prv = s;
	}
	free(pc);
	sg_free_table(&app->sgt);
	app->sgt = t;
	app->total_nents = n;
	return 0;
}

void sg_free_append_table(struct sg_append_table *app)
{
	if (!app)
		return;
	sg_free_table(&app->sgt);
	app->prv = NULL;
	app->total_nents = 0;
}

/* ---- sg_split ------------------------------------------------------------------------ */

/*
 * Copy @bytes of @in (from @skip) into a fresh array, as CPU entries (or, for
 * @dma, the DMA halves of the first @in_nents mapped segments).  Return the
 * number of entries, 0 if @in is too short, -ENOMEM.
 */
static int split_one(struct scatterlist **in, unsigned int *in_left, size_t *skip, size_t bytes,
		     struct scatterlist *out, bool dma)
{
	int n = 0;

	while (bytes) {
		struct scatterlist *sg = *in;
		size_t len, avail;

		if (!sg || !*in_left)
			return 0;
		len = dma ? sg_dma_len(sg) : sg->length;
		if (*skip >= len) {
			*skip -= len;
			*in = --*in_left ? sg_next(sg) : NULL;
			continue;
		}
		avail = len - *skip;
		if (avail > bytes)
			avail = bytes;
		if (out) {
			if (dma) {
				out[n].dma_address = sg_dma_address(sg) + *skip;
				out[n].dma_length = (unsigned int)avail;
			} else {
				sg_set_page(&out[n], sg_page(sg), (unsigned int)avail,
					    (unsigned int)(sg->offset + *skip));
			}
		}
		n++;
		bytes -= avail;
		*skip += avail;
		if (*skip == len) {
			*skip = 0;
			*in = --*in_left ? sg_next(sg) : NULL;
		}
	}
	return n;
}

int sg_split(struct scatterlist *in, const int in_mapped_nents, const off_t skip,
	     const int nb_splits, const size_t *split_sizes, struct scatterlist **out,
	     int *out_mapped_nents, gfp_t gfp_mask)
{
	struct dmasim_platform *p = dmasim_platform_current();
	struct scatterlist *cur;
	unsigned int left;
	size_t sk;
	int i, j;

	if (!in || nb_splits <= 0 || !split_sizes || !out || skip < 0) {
		dmasim__report(p, "sg_split: bad arguments (in %p, nb_splits %d)", (void *)in,
			       nb_splits);
		return -EINVAL;
	}
	/* First pass: count, so each output is one array. */
	cur = in;
	left = (unsigned int)sg_nents(in);
	sk = (size_t)skip;
	for (i = 0; i < nb_splits; i++) {
		int n = split_one(&cur, &left, &sk, split_sizes[i], NULL, false);

		if (n <= 0 && split_sizes[i]) {
			dmasim__report(p, "sg_split: the list holds less than skip %lld + the split sizes",
				       (long long)skip);
			return -EINVAL;
		}
		out[i] = kmalloc_array(n ? (size_t)n : 1, sizeof(struct scatterlist), gfp_mask);
		if (!out[i]) {
			for (j = 0; j < i; j++)
				kfree(out[j]);
			return -ENOMEM;
		}
		sg_init_table(out[i], n ? (unsigned int)n : 1);
	}
	cur = in;
	left = (unsigned int)sg_nents(in);
	sk = (size_t)skip;
	for (i = 0; i < nb_splits; i++)
		split_one(&cur, &left, &sk, split_sizes[i], out[i], false);
	if (in_mapped_nents > 0) {
		cur = in;
		left = (unsigned int)in_mapped_nents;
		sk = (size_t)skip;
		for (i = 0; i < nb_splits; i++) {
			int n = split_one(&cur, &left, &sk, split_sizes[i], out[i], true);

			if (out_mapped_nents)
				out_mapped_nents[i] = n;
		}
	} else if (out_mapped_nents) {
		for (i = 0; i < nb_splits; i++)
			out_mapped_nents[i] = 0;
	}
	return 0;
}

/* ---- sgl_alloc ------------------------------------------------------------------------- */

struct scatterlist *sgl_alloc_order(unsigned long long length, unsigned int order, bool chainable,
				    gfp_t gfp, unsigned int *nent_p)
{
	unsigned long long chunk = (unsigned long long)PAGE_SIZE << order;
	unsigned long long nent = (length + chunk - 1) / chunk;
	unsigned int nalloc;
	struct scatterlist *sgl, *sg;

	if (!length || nent > UINT_MAX - 1)
		return NULL;
	nalloc = (unsigned int)nent + (chainable ? 1 : 0);
	/* The list is CPU bookkeeping: host memory, as sg_alloc_table()'s arrays. */
	sgl = calloc(nalloc, sizeof(*sgl));
	if (!sgl)
		return NULL;
	sg_init_table(sgl, nalloc);
	sg = sgl;
	while (length) {
		unsigned int elem = (unsigned int)(length < chunk ? length : chunk);
		struct page *page = alloc_pages(gfp, order);

		if (!page) {
			sgl_free_order(sgl, (int)order);
			return NULL;
		}
		sg_set_page(sg, page, elem, 0);
		length -= elem;
		sg = sg_next(sg);
	}
	if (nent_p)
		*nent_p = (unsigned int)nent;
	return sgl;
}

struct scatterlist *sgl_alloc(unsigned long long length, gfp_t gfp, unsigned int *nent_p)
{
	return sgl_alloc_order(length, 0, false, gfp, nent_p);
}

void sgl_free_n_order(struct scatterlist *sgl, int nents, int order)
{
	struct scatterlist *sg = sgl;

	for (int i = 0; sg && i < nents; i++, sg = sg_next(sg)) {
		struct page *page = sg_page(sg);

		if (page)
			__free_pages(page, (unsigned int)order);
	}
	free(sgl);
}

void sgl_free_order(struct scatterlist *sgl, int order)
{
	sgl_free_n_order(sgl, INT_MAX, order);
}

void sgl_free(struct scatterlist *sgl)
{
	sgl_free_order(sgl, 0);
}

/* ---- the mapping iterator (lib/scatterlist.c's sg_miter_*) ------------------------------- */

void sg_miter_start(struct sg_mapping_iter *miter, struct scatterlist *sgl, unsigned int nents,
		    unsigned int flags)
{
	memset(miter, 0, sizeof(*miter));
	__sg_page_iter_start(&miter->piter, sgl, nents, 0);
	miter->__flags = flags;
}

static bool miter_get_next_page(struct sg_mapping_iter *miter)
{
	if (!miter->__remaining) {
		struct scatterlist *sg;

		if (!__sg_page_iter_next(&miter->piter))
			return false;
		sg = miter->piter.sg;
		miter->__offset = miter->piter.sg_pgoffset ? 0 : sg->offset % PAGE_SIZE;
		miter->__remaining = sg->offset + sg->length -
				     (miter->piter.sg_pgoffset << PAGE_SHIFT) - miter->__offset;
		if (miter->__remaining > PAGE_SIZE - miter->__offset)
			miter->__remaining = (unsigned int)(PAGE_SIZE - miter->__offset);
	}
	return true;
}

bool sg_miter_skip(struct sg_mapping_iter *miter, off_t offset)
{
	sg_miter_stop(miter);
	while (offset) {
		unsigned int consumed;

		if (!miter_get_next_page(miter))
			return false;
		consumed = (unsigned int)((off_t)miter->__remaining < offset ? miter->__remaining :
									      (unsigned int)offset);
		miter->__offset += consumed;
		miter->__remaining -= consumed;
		offset -= consumed;
	}
	return true;
}

bool sg_miter_next(struct sg_mapping_iter *miter)
{
	sg_miter_stop(miter);
	if (!miter_get_next_page(miter))
		return false;
	miter->page = sg_page_iter_page(&miter->piter);
	miter->consumed = miter->length = miter->__remaining;
	miter->addr = (char *)kmap_local_page(miter->page) + miter->__offset;
	return true;
}

void sg_miter_stop(struct sg_mapping_iter *miter)
{
	if (miter->addr) {
		kunmap_local((char *)miter->addr - miter->__offset);
		miter->__offset += (unsigned int)miter->consumed;
		miter->__remaining -= (unsigned int)miter->consumed;
		miter->page = NULL;
		miter->addr = NULL;
		miter->length = 0;
		miter->consumed = 0;
	}
}
