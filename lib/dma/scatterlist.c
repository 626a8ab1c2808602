/*
 * lib/dma/scatterlist.c - scatter-gather lists and tables with the kernel's
 * semantics: building entries from linear-map buffers and page arrays,
 * chained tables, copying bytes in and out of a list (through kmap for high
 * memory), and the CPU-page and DMA-page iterators.  Nothing here touches a
 * device: dma_map_sg() (dma-mapping.c) fills the DMA half of the entries.
 * Layer: kernel library helpers, above the memory model.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dma/dma.h"

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * Step to the entry after @sg while @left entries remain to be visited.
 * Unlike a bare sg_next(), it never looks at the entry after the last one
 * the caller counted, which may lie past the end of an unterminated array.
 */
static struct scatterlist *next_counted(struct scatterlist *sg, unsigned int *left)
{
	if (!--*left)
		return NULL;
	return sg_next(sg);
}

/* ---- single entries ----------------------------------------------------- */

void sg_init_marker(struct scatterlist *sgl, unsigned int nents)
{
	if (!sgl || !nents) {
		/* The kernel would mark sgl[-1]: a write before the array. */
		dmasim__report(dmasim_platform_current(), "sg_init_marker: %s (sgl %p, nents %u)",
			       sgl ? "zero entries" : "NULL scatterlist", (void *)sgl, nents);
		return;
	}
	sg_mark_end(&sgl[nents - 1]);
}

void sg_init_table(struct scatterlist *sgl, unsigned int nents)
{
	if (!sgl || !nents) {
		dmasim__report(dmasim_platform_current(), "sg_init_table: %s (sgl %p, nents %u)",
			       sgl ? "zero entries" : "NULL scatterlist", (void *)sgl, nents);
		return;
	}
	memset(sgl, 0, sizeof(*sgl) * nents);
	sg_init_marker(sgl, nents);
}

void sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int buflen)
{
	struct dmasim_platform *p;
	char why[320];

	if (!sg) {
		dmasim__report(dmasim_platform_current(), "sg_set_buf: NULL scatterlist (buf %p)", buf);
		return;
	}
	p = dmasim__current("sg_set_buf");
	if (p && virt_addr_valid(buf)) {
		sg_set_page(sg, virt_to_page(buf), buflen, (unsigned int)offset_in_page(buf));
		return;
	}
	/*
	 * The kernel BUG()s here with CONFIG_DEBUG_SG.  Keep the length so the
	 * entry is visibly broken: dma_map_sg() refuses an entry without a page,
	 * where a zero length would silently transfer nothing.
	 */
	if (p) {
		dmasim__explain_addr(p, buf, why, sizeof(why));
		dmasim__report(p, "sg_set_buf: %s", why);
	}
	sg_set_page(sg, NULL, buflen, (unsigned int)offset_in_page(buf));
}

void sg_init_one(struct scatterlist *sg, const void *buf, unsigned int buflen)
{
	if (!sg) {
		dmasim__report(dmasim_platform_current(), "sg_init_one: NULL scatterlist (buf %p)", buf);
		return;
	}
	sg_init_table(sg, 1);
	sg_set_buf(sg, buf, buflen);
}

void *sg_virt(struct scatterlist *sg)
{
	unsigned char *va;

	if (!sg) {
		dmasim__report(dmasim_platform_current(), "sg_virt: NULL scatterlist");
		return NULL;
	}
	va = page_address(sg_page(sg));
	return va ? va + sg->offset : NULL;
}

phys_addr_t sg_phys(struct scatterlist *sg)
{
	/* No kernel failure value exists; use virt_to_phys()'s, since 0 may be RAM here. */
	if (!sg || !sg_page(sg)) {
		dmasim__report(dmasim_platform_current(), "sg_phys: %s",
			       sg ? "entry has no page" : "NULL scatterlist");
		return (phys_addr_t)-1;
	}
	return page_to_phys(sg_page(sg)) + sg->offset;
}

int sg_nents(struct scatterlist *sg)
{
	int nents = 0;

	for (; sg; sg = sg_next(sg))
		nents++;
	return nents;
}

int sg_nents_for_len(struct scatterlist *sg, u64 len)
{
	u64 total = 0;
	int nents = 0;

	if (!len)
		return 0;
	for (; sg; sg = sg_next(sg)) {
		nents++;
		total += sg->length;
		if (total >= len)
			return nents;
	}
	return -EINVAL;
}

struct scatterlist *sg_last(struct scatterlist *s, unsigned int nents)
{
	struct scatterlist *last = NULL;

	for (; s && nents; s = next_counted(s, &nents))
		last = s;
	return last;
}

/* ---- tables --------------------------------------------------------------- */

/*
 * Arrays come from the host heap, not from simulated RAM: a scatterlist is
 * the CPU's bookkeeping about DMA memory and no device ever reads it, so it
 * must not use up (or be reachable in) the machine's RAM, and the host's
 * sanitizers then check every access to it.
 */
static struct scatterlist *alloc_array(unsigned int n)
{
	return calloc(n, sizeof(struct scatterlist));
}

/* Free @count arrays starting at @first, each but the last full and chained. */
static void free_arrays(struct scatterlist *first, unsigned int count)
{
	while (first && count--) {
		struct scatterlist *next = NULL;

		if (count)
			next = sg_chain_ptr(&first[SG_MAX_SINGLE_ALLOC - 1]);
		free(first);
		first = next;
	}
}

int sg_alloc_table(struct sg_table *table, unsigned int nents, gfp_t gfp)
{
	struct scatterlist *prv = NULL;
	unsigned int left = nents, arrays = 0;

	if (!table || !nents) {
		dmasim__report(dmasim_platform_current(), "sg_alloc_table: %s (table %p, nents %u)",
			       table ? "zero entries" : "NULL table", (void *)table, nents);
		return -EINVAL;
	}
	memset(table, 0, sizeof(*table));
	/*
	 * As the kernel: arrays of SG_MAX_SINGLE_ALLOC entries, where the last
	 * entry of every array but the final one is the link to the next.
	 */
	while (left) {
		unsigned int size = left, used = left;
		struct scatterlist *sg;

		if (left > SG_MAX_SINGLE_ALLOC) {
			size = SG_MAX_SINGLE_ALLOC;
			used = SG_MAX_SINGLE_ALLOC - 1;
		}
		sg = alloc_array(size);
		if (!sg) {
			free_arrays(table->sgl, arrays);
			memset(table, 0, sizeof(*table));
			if (!(gfp & __GFP_NOWARN))
				dmasim__log(dmasim_platform_current(), DMASIM_LOG_WARN,
					    "sg_alloc_table: out of host memory for %u entries", nents);
			return -ENOMEM;
		}
		sg_init_table(sg, size);
		if (prv)
			sg_chain(prv, SG_MAX_SINGLE_ALLOC, sg);
		else
			table->sgl = sg;
		arrays++;
		left -= used;
		prv = sg;
	}
	table->nents = table->orig_nents = nents;
	return 0;
}

void sg_free_table(struct sg_table *table)
{
	struct scatterlist *sgl;
	unsigned int left;

	if (!table)
		return;
	sgl = table->sgl;
	left = table->orig_nents;
	if (sgl && !left)
		dmasim__report(dmasim_platform_current(),
			       "sg_free_table: table %p has entries at %p but orig_nents 0; not freed",
			       (void *)table, (void *)sgl);
	/* orig_nents says how the arrays were cut, as in the kernel. */
	while (sgl && left) {
		struct scatterlist *next = NULL;

		if (left > SG_MAX_SINGLE_ALLOC) {
			struct scatterlist *link = &sgl[SG_MAX_SINGLE_ALLOC - 1];

			if (!sg_is_chain(link)) {
				/* Free this array; leak the ones we can no longer find. */
				dmasim__report(dmasim_platform_current(),
					       "sg_free_table: table %p: entry %p should chain (orig_nents %u left); chain overwritten?",
					       (void *)table, (void *)link, left);
				free(sgl);
				break;
			}
			next = sg_chain_ptr(link);
			left -= SG_MAX_SINGLE_ALLOC - 1;
		} else {
			left = 0;
		}
		free(sgl);
		sgl = next;
	}
	memset(table, 0, sizeof(*table));
}

/* One past the last page of the contiguous run starting at @start. */
static unsigned int run_end(struct page **pages, unsigned int start, unsigned int n,
			    unsigned long max_pages)
{
	unsigned int j = start + 1;

	while (j < n && j - start < max_pages &&
	       page_to_pfn(pages[j]) == page_to_pfn(pages[j - 1]) + 1)
		j++;
	return j;
}

int sg_alloc_table_from_pages_segment(struct sg_table *sgt, struct page **pages,
				      unsigned int n_pages, unsigned int offset,
				      unsigned long size, unsigned int max_segment, gfp_t gfp)
{
	struct dmasim_platform *p = dmasim_platform_current();
	unsigned long max_pages, left = size;
	unsigned int used, chunks = 0, cur, i;
	struct scatterlist *s;
	const char *why = NULL;
	int ret;

	if (!sgt || !pages) {
		dmasim__report(p, "sg_alloc_table_from_pages_segment: NULL %s",
			       sgt ? "pages" : "table");
		return -EINVAL;
	}
	if (!n_pages)
		why = "no pages";
	else if (!size)
		why = "size 0";
	else if (offset >= PAGE_SIZE)
		why = "offset is not inside the first page";
	else if (ALIGN_DOWN(max_segment, (unsigned int)PAGE_SIZE) < PAGE_SIZE)
		why = "max_segment is below PAGE_SIZE";
	else if ((u64)offset + size > ((u64)n_pages << PAGE_SHIFT))
		why = "offset + size is beyond the pages";
	if (why) {
		dmasim__report(p,
			       "sg_alloc_table_from_pages_segment: %s (n_pages %u, offset %u, size %lu, max_segment 0x%x)",
			       why, n_pages, offset, size, max_segment);
		return -EINVAL;
	}
	max_segment = ALIGN_DOWN(max_segment, (unsigned int)PAGE_SIZE);
	/* Pages after the one holding the last byte carry no data and get no entry. */
	used = (unsigned int)PFN_UP((u64)offset + size);
	for (i = 0; i < used; i++)
		if (!pages[i]) {
			dmasim__report(p, "sg_alloc_table_from_pages_segment: pages[%u] is NULL", i);
			return -EINVAL;
		}
	max_pages = max_segment >> PAGE_SHIFT;
	for (cur = 0; cur < used; cur = run_end(pages, cur, used, max_pages))
		chunks++;

	ret = sg_alloc_table(sgt, chunks, gfp);
	if (ret)
		return ret;
	cur = 0;
	for (s = sgt->sgl; s; s = sg_next(s)) {
		unsigned int end = run_end(pages, cur, used, max_pages);
		unsigned long chunk = ((unsigned long)(end - cur) << PAGE_SHIFT) - offset;
		unsigned int len = (unsigned int)(left < chunk ? left : chunk);

		sg_set_page(s, pages[cur], len, offset);
		left -= len;
		offset = 0;
		cur = end;
	}
	sgt->nents = sgt->orig_nents = chunks;
	return 0;
}

int sg_alloc_table_from_pages(struct sg_table *sgt, struct page **pages, unsigned int n_pages,
			      unsigned int offset, unsigned long size, gfp_t gfp)
{
	return sg_alloc_table_from_pages_segment(sgt, pages, n_pages, offset, size,
						 UINT_MAX & (unsigned int)PAGE_MASK, gfp);
}

/* ---- copying -------------------------------------------------------------- */

enum sg_copy_dir { COPY_FROM_BUF, COPY_TO_BUF, ZERO_LIST };

/*
 * Walk the bytes of the first @nents entries from @skip on, one page at a
 * time so high-memory pages can be mapped with kmap_local_page().  An
 * entry's offset may exceed a page: the data then starts in a later page.
 */
static size_t sg_copy(const char *call, struct scatterlist *sgl, unsigned int nents,
		      unsigned char *buf, size_t buflen, off_t skip, enum sg_copy_dir dir)
{
	struct scatterlist *sg;
	size_t done = 0, to_skip;

	if (skip < 0) {
		dmasim__report(dmasim_platform_current(), "%s: negative skip %lld", call,
			       (long long)skip);
		return 0;
	}
	to_skip = (size_t)skip;
	for (sg = sgl; sg && nents && done < buflen; sg = next_counted(sg, &nents)) {
		size_t pos, left;

		if (to_skip >= sg->length) {
			to_skip -= sg->length;
			continue;
		}
		pos = (size_t)sg->offset + to_skip;
		left = sg->length - to_skip;
		to_skip = 0;
		if (!sg_page(sg)) {
			dmasim__report(dmasim_platform_current(), "%s: entry %p has no page", call,
				       (void *)sg);
			return done;
		}
		while (left && done < buflen) {
			struct page *page = nth_page(sg_page(sg), pos >> PAGE_SHIFT);
			size_t in = pos & ~PAGE_MASK;
			size_t n = min_size(min_size(PAGE_SIZE - in, left), buflen - done);
			unsigned char *va;

			if (!page) {
				dmasim__report(dmasim_platform_current(),
					       "%s: entry %p (offset %u, length %u) runs past the end of RAM",
					       call, (void *)sg, sg->offset, sg->length);
				return done;
			}
			va = kmap_local_page(page);
			if (!va)
				return done;
			if (dir == COPY_FROM_BUF)
				memcpy(va + in, buf + done, n);
			else if (dir == COPY_TO_BUF)
				memcpy(buf + done, va + in, n);
			else
				memset(va + in, 0, n);
			kunmap_local(va);
			pos += n;
			left -= n;
			done += n;
		}
	}
	return done;
}

/* The walk only reads @buf when copying from it, so dropping const is safe. */
static size_t copy_from(const char *call, struct scatterlist *sgl, unsigned int nents,
			const void *buf, size_t buflen, off_t skip)
{
	if (!buf && buflen) {
		dmasim__report(dmasim_platform_current(), "%s: NULL buffer of %zu bytes", call, buflen);
		return 0;
	}
	return sg_copy(call, sgl, nents, (unsigned char *)(uintptr_t)buf, buflen, skip,
		       COPY_FROM_BUF);
}

static size_t copy_to(const char *call, struct scatterlist *sgl, unsigned int nents, void *buf,
		      size_t buflen, off_t skip)
{
	if (!buf && buflen) {
		dmasim__report(dmasim_platform_current(), "%s: NULL buffer of %zu bytes", call, buflen);
		return 0;
	}
	return sg_copy(call, sgl, nents, buf, buflen, skip, COPY_TO_BUF);
}

size_t sg_copy_from_buffer(struct scatterlist *sgl, unsigned int nents, const void *buf,
			   size_t buflen)
{
	return copy_from("sg_copy_from_buffer", sgl, nents, buf, buflen, 0);
}

size_t sg_copy_to_buffer(struct scatterlist *sgl, unsigned int nents, void *buf, size_t buflen)
{
	return copy_to("sg_copy_to_buffer", sgl, nents, buf, buflen, 0);
}

size_t sg_pcopy_from_buffer(struct scatterlist *sgl, unsigned int nents, const void *buf,
			    size_t buflen, off_t skip)
{
	return copy_from("sg_pcopy_from_buffer", sgl, nents, buf, buflen, skip);
}

size_t sg_pcopy_to_buffer(struct scatterlist *sgl, unsigned int nents, void *buf, size_t buflen,
			  off_t skip)
{
	return copy_to("sg_pcopy_to_buffer", sgl, nents, buf, buflen, skip);
}

size_t sg_zero_buffer(struct scatterlist *sgl, unsigned int nents, size_t buflen, off_t skip)
{
	return sg_copy("sg_zero_buffer", sgl, nents, NULL, buflen, skip, ZERO_LIST);
}

/* ---- page iterators ------------------------------------------------------- */

/* CPU pages an entry spans, counted from sg_page() as the kernel does. */
static unsigned int cpu_pages(const struct scatterlist *sg)
{
	return (unsigned int)(PAGE_ALIGN((unsigned long)sg->offset + sg->length) >> PAGE_SHIFT);
}

/*
 * Bus pages a DMA segment spans.  The kernel adds sg->offset, the CPU
 * offset; that equals the bus offset for a direct mapping, but not for a
 * segment that was bounced or merged by an IOMMU, so use the bus address.
 */
static unsigned int dma_pages(const struct scatterlist *sg)
{
	return (unsigned int)(PAGE_ALIGN(offset_in_page(sg_dma_address(sg)) + sg_dma_len(sg)) >>
			      PAGE_SHIFT);
}

void __sg_page_iter_start(struct sg_page_iter *piter, struct scatterlist *sglist,
			  unsigned int nents, unsigned long pgoffset)
{
	if (!piter) {
		dmasim__report(dmasim_platform_current(), "__sg_page_iter_start: NULL iterator");
		return;
	}
	piter->pg_advance = 0;
	piter->nents_left = nents;
	piter->sg = sglist;
	piter->sg_pgoffset = (unsigned int)pgoffset;
}

static bool page_iter_next(struct sg_page_iter *piter,
			   unsigned int (*pages)(const struct scatterlist *))
{
	if (!piter || !piter->nents_left || !piter->sg)
		return false;
	piter->sg_pgoffset += (unsigned int)piter->pg_advance;
	piter->pg_advance = 1;
	while (piter->sg_pgoffset >= pages(piter->sg)) {
		piter->sg_pgoffset -= pages(piter->sg);
		piter->sg = next_counted(piter->sg, &piter->nents_left);
		if (!piter->sg)
			return false;
	}
	return true;
}

bool __sg_page_iter_next(struct sg_page_iter *piter)
{
	return page_iter_next(piter, cpu_pages);
}

bool __sg_page_iter_dma_next(struct sg_dma_page_iter *dma_iter)
{
	return dma_iter ? page_iter_next(&dma_iter->base, dma_pages) : false;
}

struct page *sg_page_iter_page(struct sg_page_iter *piter)
{
	if (!piter || !piter->sg || !sg_page(piter->sg))
		return NULL;
	return nth_page(sg_page(piter->sg), piter->sg_pgoffset);
}

dma_addr_t sg_page_iter_dma_address(struct sg_dma_page_iter *dma_iter)
{
	if (!dma_iter || !dma_iter->base.sg)
		return DMA_MAPPING_ERROR;
	return sg_dma_address(dma_iter->base.sg) +
	       ((dma_addr_t)dma_iter->base.sg_pgoffset << PAGE_SHIFT);
}
