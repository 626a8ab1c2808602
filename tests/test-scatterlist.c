/*
 * tests/test-scatterlist.c - scatterlist helpers (lib/dma/scatterlist.c):
 * chained tables, building tables from page arrays, copying bytes in and out
 * (through kmap for high memory), the page iterators and bad input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "testutil.h"

static void fill_pattern(unsigned char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + seed + (i >> 8));
}

/* ---- tables ---------------------------------------------------------------- */

static void check_chained(unsigned int n)
{
	struct sg_table t;
	struct scatterlist *sg, **seen;
	unsigned int i, links = 0;

	assert_int_equal(sg_alloc_table(&t, n, GFP_KERNEL), 0);
	assert_non_null(t.sgl);
	assert_int_equal(t.nents, n);
	assert_int_equal(t.orig_nents, n);
	assert_int_equal(sg_nents(t.sgl), (int)n);

	seen = calloc(n, sizeof(*seen));
	assert_non_null(seen);
	for_each_sgtable_sg(&t, sg, i) {
		assert_non_null(sg);
		assert_false(sg_is_chain(sg));
		/* A data entry of a zeroed table: no page, no length. */
		assert_null(sg_page(sg));
		assert_int_equal(sg->length, 0);
		assert_int_equal(sg_is_last(sg), i == n - 1);
		for (unsigned int j = 0; j < i; j++)
			assert_ptr_not_equal(seen[j], sg);
		seen[i] = sg;
		sg->length = i + 1;
	}
	assert_int_equal(i, n);
	assert_ptr_equal(sg_last(t.sgl, n), seen[n - 1]);

	/* Every full array ends in a link to the next one, never visited as data. */
	if (n > SG_MAX_SINGLE_ALLOC) {
		struct scatterlist *arr = t.sgl;
		unsigned int idx = 0;

		while (n - idx > SG_MAX_SINGLE_ALLOC) {
			struct scatterlist *link = &arr[SG_MAX_SINGLE_ALLOC - 1];

			assert_true(sg_is_chain(link));
			assert_int_equal(link->length, 0);
			for (unsigned int j = 0; j < SG_MAX_SINGLE_ALLOC - 1; j++)
				assert_ptr_equal(seen[idx + j], &arr[j]);
			idx += SG_MAX_SINGLE_ALLOC - 1;
			arr = sg_chain_ptr(link);
			assert_ptr_equal(seen[idx], arr);
			links++;
		}
		assert_int_equal(links, (n - 2) / (SG_MAX_SINGLE_ALLOC - 1));
	} else {
		for (i = 0; i < n; i++)
			assert_ptr_equal(seen[i], &t.sgl[i]);
	}
	/* Lengths 1..n: the bytes of the first k entries are k(k+1)/2. */
	assert_int_equal(sg_nents_for_len(t.sgl, (u64)n * (n + 1) / 2), (int)n);
	assert_int_equal(sg_nents_for_len(t.sgl, (u64)n * (n + 1) / 2 + 1), -EINVAL);
	if (n > 1)
		assert_int_equal(sg_nents_for_len(t.sgl, 2), 2);
	free(seen);

	sg_free_table(&t);
	assert_null(t.sgl);
	assert_int_equal(t.nents, 0);
	assert_int_equal(t.orig_nents, 0);
	sg_free_table(&t); /* idempotent */
}

static void test_chained_tables(void **state)
{
	struct dmasim_platform *p = tu_platform(NULL);
	static const unsigned int sizes[] = { 1, 2, 127, 128, 129, 254, 255, 256, 300 };
	struct sg_table t;

	assert_non_null(p);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		check_chained(sizes[i]);
	assert_int_equal(dmasim_debug_errors(p), 0);

	memset(&t, 0, sizeof(t));
	sg_free_table(&t); /* zeroed table: nothing to do */
	assert_int_equal(sg_alloc_table(&t, 0, GFP_KERNEL), -EINVAL);
	assert_null(t.sgl);
	assert_int_equal(sg_alloc_table(NULL, 4, GFP_KERNEL), -EINVAL);
	assert_log_has("sg_alloc_table");
	dmasim_platform_destroy(p);
}

static void test_init_table(void **state)
{
	struct dmasim_platform *p = tu_platform(NULL);
	struct scatterlist sg[4];

	memset(sg, 0xa5, sizeof(sg));
	sg_init_table(sg, 4);
	for (int i = 0; i < 4; i++) {
		assert_null(sg_page(&sg[i]));
		assert_int_equal(sg[i].length, 0);
		assert_int_equal(sg[i].offset, 0);
		assert_int_equal(sg_is_last(&sg[i]), i == 3);
	}
	assert_int_equal(sg_nents(sg), 4);
	sg_unmark_end(&sg[3]);
	sg_init_marker(sg, 2);
	assert_int_equal(sg_nents(sg), 2);
	assert_ptr_equal(sg_last(sg, 2), &sg[1]);
	assert_ptr_equal(sg_last(sg, 1), &sg[0]);
	assert_null(sg_last(sg, 0));

	/* A hand-made chain of two stack arrays. */
	struct scatterlist a[3], b[2];

	sg_init_table(a, 3);
	sg_init_table(b, 2);
	sg_chain(a, 3, b);
	assert_int_equal(sg_nents(a), 4);
	assert_ptr_equal(sg_next(&a[1]), &b[0]);
	assert_ptr_equal(sg_last(a, 4), &b[1]);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

/* ---- tables from pages -------------------------------------------------- */

static void test_from_pages(void **state)
{
	struct dmasim_platform *p = tu_platform(NULL);
	struct page *head, *pages[8], *shuffled[8];
	static const int order[8] = { 0, 1, 2, 3, 5, 4, 6, 7 };
	struct scatterlist *sg;
	struct sg_table t;
	unsigned int i;

	assert_non_null(p);
	head = alloc_pages(GFP_KERNEL, 3);
	assert_non_null(head);
	for (i = 0; i < 8; i++) {
		pages[i] = nth_page(head, i);
		assert_int_equal(page_to_pfn(pages[i]), page_to_pfn(head) + i);
	}

	/* Eight consecutive frames: one entry. */
	assert_int_equal(sg_alloc_table_from_pages(&t, pages, 8, 0, 8 * PAGE_SIZE, GFP_KERNEL), 0);
	assert_int_equal(t.nents, 1);
	assert_int_equal(t.orig_nents, 1);
	assert_ptr_equal(sg_page(t.sgl), head);
	assert_int_equal(t.sgl->offset, 0);
	assert_int_equal(t.sgl->length, 8 * PAGE_SIZE);
	assert_true(sg_is_last(t.sgl));
	assert_int_equal(sg_phys(t.sgl), page_to_phys(head));
	sg_free_table(&t);

	/* Segments of two pages; a max_segment that is not a page multiple rounds down. */
	for (int k = 0; k < 2; k++) {
		unsigned int max = 2 * PAGE_SIZE + (k ? 100 : 0);

		assert_int_equal(sg_alloc_table_from_pages_segment(&t, pages, 8, 0, 8 * PAGE_SIZE,
								   max, GFP_KERNEL), 0);
		assert_int_equal(t.nents, 4);
		assert_int_equal(t.orig_nents, 4);
		assert_int_equal(sg_nents(t.sgl), 4);
		for_each_sgtable_sg(&t, sg, i) {
			assert_ptr_equal(sg_page(sg), pages[2 * i]);
			assert_int_equal(sg->offset, 0);
			assert_int_equal(sg->length, 2 * PAGE_SIZE);
		}
		sg_free_table(&t);
	}

	/* Pages out of order: runs [0-3] [5] [4] [6-7]. */
	for (i = 0; i < 8; i++)
		shuffled[i] = pages[order[i]];
	assert_int_equal(sg_alloc_table_from_pages(&t, shuffled, 8, 0, 8 * PAGE_SIZE, GFP_KERNEL), 0);
	assert_int_equal(t.nents, 4);
	{
		static const unsigned int first[4] = { 0, 5, 4, 6 };
		static const unsigned int npages[4] = { 4, 1, 1, 2 };

		for_each_sgtable_sg(&t, sg, i) {
			assert_ptr_equal(sg_page(sg), pages[first[i]]);
			assert_int_equal(sg->length, npages[i] * PAGE_SIZE);
		}
	}
	sg_free_table(&t);

	/* Reversed: no two neighbours are consecutive, eight entries. */
	for (i = 0; i < 8; i++)
		shuffled[i] = pages[7 - i];
	assert_int_equal(sg_alloc_table_from_pages(&t, shuffled, 8, 0, 8 * PAGE_SIZE, GFP_KERNEL), 0);
	assert_int_equal(t.nents, 8);
	assert_int_equal(sg_nents(t.sgl), 8);
	sg_free_table(&t);

	/* An offset into the first page and a size that ends mid-page. */
	{
		unsigned long size = 5 * PAGE_SIZE + 50;
		unsigned int off = 100;
		unsigned long total = 0;
		unsigned char *src = malloc(size), *dst = malloc(size);
		unsigned char *lin = page_address(head);

		assert_non_null(src);
		assert_non_null(dst);
		assert_int_equal(sg_alloc_table_from_pages(&t, pages, 8, off, size, GFP_KERNEL), 0);
		assert_int_equal(t.nents, 1);
		assert_int_equal(t.sgl->offset, off);
		assert_int_equal(t.sgl->length, size);
		sg_free_table(&t);

		/* Only the 6 pages holding data get entries; the trailing two do not. */
		assert_int_equal(sg_alloc_table_from_pages_segment(&t, pages, 8, off, size,
								   2 * PAGE_SIZE, GFP_KERNEL), 0);
		assert_int_equal(t.nents, 3);
		assert_int_equal(t.orig_nents, 3);
		sg = t.sgl;
		assert_ptr_equal(sg_page(sg), pages[0]);
		assert_int_equal(sg->offset, off);
		assert_int_equal(sg->length, 2 * PAGE_SIZE - off);
		sg = sg_next(sg);
		assert_ptr_equal(sg_page(sg), pages[2]);
		assert_int_equal(sg->offset, 0);
		assert_int_equal(sg->length, 2 * PAGE_SIZE);
		sg = sg_next(sg);
		assert_ptr_equal(sg_page(sg), pages[4]);
		assert_int_equal(sg->offset, 0);
		/* The last entry ends at offset + size. */
		assert_int_equal(page_to_phys(sg_page(sg)) + sg->offset + sg->length,
				 page_to_phys(head) + off + size);
		assert_true(sg_is_last(sg));
		for_each_sgtable_sg(&t, sg, i)
			total += sg->length;
		assert_int_equal(total, size);

		/* The bytes land at offset..offset+size of the block, nothing more. */
		memset(lin, 0xee, 8 * PAGE_SIZE);
		fill_pattern(src, size, 3);
		assert_int_equal(sg_copy_from_buffer(t.sgl, t.nents, src, size), size);
		assert_memory_equal(lin + off, src, size);
		assert_int_equal(lin[off - 1], 0xee);
		assert_int_equal(lin[off + size], 0xee);
		assert_int_equal(sg_copy_to_buffer(t.sgl, t.nents, dst, size + 1000), size);
		assert_memory_equal(dst, src, size);
		sg_free_table(&t);
		free(src);
		free(dst);
	}

	/* Bad arguments. */
	tu_log_clear();
	assert_int_equal(sg_alloc_table_from_pages(&t, pages, 0, 0, PAGE_SIZE, GFP_KERNEL), -EINVAL);
	assert_int_equal(sg_alloc_table_from_pages_segment(&t, pages, 8, 0, 8 * PAGE_SIZE,
							   PAGE_SIZE - 1, GFP_KERNEL), -EINVAL);
	assert_int_equal(sg_alloc_table_from_pages(&t, pages, 2, 0, 2 * PAGE_SIZE + 1, GFP_KERNEL),
			 -EINVAL);
	assert_int_equal(sg_alloc_table_from_pages(&t, pages, 2, 10, 2 * PAGE_SIZE, GFP_KERNEL),
			 -EINVAL);
	assert_int_equal(sg_alloc_table_from_pages(NULL, pages, 2, 0, PAGE_SIZE, GFP_KERNEL), -EINVAL);
	assert_int_equal(sg_alloc_table_from_pages(&t, NULL, 2, 0, PAGE_SIZE, GFP_KERNEL), -EINVAL);
	assert_log_has("sg_alloc_table_from_pages_segment: no pages");
	assert_log_has("max_segment is below PAGE_SIZE");
	assert_log_has("offset + size is beyond the pages");
	assert_int_equal(sg_alloc_table_from_pages(&t, pages, 2, PAGE_SIZE, 10, GFP_KERNEL), -EINVAL);
	assert_log_has("offset is not inside the first page");
	assert_int_equal(sg_alloc_table_from_pages(&t, pages, 2, 0, 0, GFP_KERNEL), -EINVAL);
	assert_log_has("size 0");
	/* One page with max_segment of exactly a page works. */
	assert_int_equal(sg_alloc_table_from_pages_segment(&t, pages, 2, 0, 2 * PAGE_SIZE,
							   PAGE_SIZE, GFP_KERNEL), 0);
	assert_int_equal(t.nents, 2);
	sg_free_table(&t);

	__free_pages(head, 3);
	dmasim_platform_destroy(p);
}

/* ---- single entries and the linear map --------------------------------- */

static void test_set_buf(void **state)
{
	struct dmasim_platform *p = tu_platform(NULL);
	struct scatterlist sg, two[2];
	unsigned char *buf, *big;
	char host[64];

	assert_non_null(p);
	buf = kmalloc(200, GFP_KERNEL);
	assert_non_null(buf);
	sg_init_one(&sg, buf + 10, 50);
	assert_true(sg_is_last(&sg));
	assert_ptr_equal(sg_page(&sg), virt_to_page(buf + 10));
	assert_int_equal(sg.offset, offset_in_page(buf + 10));
	assert_int_equal(sg.length, 50);
	assert_ptr_equal(sg_virt(&sg), buf + 10);
	assert_int_equal(sg_phys(&sg), virt_to_phys(buf + 10));
	assert_int_equal(sg_phys(&sg), page_to_phys(sg_page(&sg)) + sg.offset);

	/* A buffer of several pages: the entry starts in the page of its first byte. */
	big = kmalloc(3 * PAGE_SIZE, GFP_KERNEL);
	assert_non_null(big);
	sg_init_table(two, 2);
	sg_set_buf(&two[0], big + PAGE_SIZE + 5, 2 * PAGE_SIZE - 5);
	sg_set_buf(&two[1], buf, 200);
	assert_ptr_equal(sg_page(&two[0]), virt_to_page(big + PAGE_SIZE));
	assert_int_equal(two[0].offset, offset_in_page(big + 5));
	assert_ptr_equal(sg_virt(&two[0]), big + PAGE_SIZE + 5);
	assert_int_equal(sg_phys(&two[0]), virt_to_phys(big + PAGE_SIZE + 5));
	assert_ptr_equal(sg_virt(&two[1]), buf);
	assert_int_equal(sg_nents(two), 2);
	assert_int_equal(dmasim_debug_errors(p), 0);

	/* Host memory is not in the linear map: reported, and the entry has no page. */
	sg_init_one(&sg, host, sizeof(host));
	assert_null(sg_page(&sg));
	assert_int_equal(sg.length, sizeof(host));
	assert_null(sg_virt(&sg));
	assert_log_has("sg_set_buf");
	assert_int_equal(sg_phys(&sg), (phys_addr_t)-1);
	assert_true(dmasim_debug_errors(p) >= 2);

	kfree(big);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* ---- copying -------------------------------------------------------------- */

static void test_copy(void **state)
{
	struct dmasim_platform *p = tu_platform(NULL);
	static const unsigned int len[3] = { 100, 5000, 300 };
	unsigned char *b[3], src[5400], dst[6000];
	struct scatterlist sg[3];
	size_t total = 5400;

	assert_non_null(p);
	sg_init_table(sg, 3);
	for (int i = 0; i < 3; i++) {
		b[i] = kmalloc(len[i], GFP_KERNEL);
		assert_non_null(b[i]);
		memset(b[i], 0, len[i]);
		sg_set_buf(&sg[i], b[i], len[i]);
	}
	fill_pattern(src, total, 1);

	assert_int_equal(sg_copy_from_buffer(sg, 3, src, total), total);
	assert_memory_equal(b[0], src, 100);
	assert_memory_equal(b[1], src + 100, 5000);
	assert_memory_equal(b[2], src + 5100, 300);
	memset(dst, 0, sizeof(dst));
	assert_int_equal(sg_copy_to_buffer(sg, 3, dst, sizeof(dst)), total);
	assert_memory_equal(dst, src, total);

	/* nents limits the walk; a short buffer limits the copy. */
	assert_int_equal(sg_copy_to_buffer(sg, 2, dst, sizeof(dst)), 5100);
	assert_int_equal(sg_copy_to_buffer(sg, 3, dst, 150), 150);
	assert_int_equal(sg_copy_to_buffer(sg, 0, dst, 150), 0);

	/* pcopy with a skip that crosses entries. */
	memset(dst, 0, sizeof(dst));
	assert_int_equal(sg_pcopy_to_buffer(sg, 3, dst, 200, 50), 200);
	assert_memory_equal(dst, src + 50, 200);
	assert_int_equal(sg_pcopy_to_buffer(sg, 3, dst, 1000, 5000), 400);
	assert_memory_equal(dst, src + 5000, 400);
	assert_int_equal(sg_pcopy_to_buffer(sg, 3, dst, 10, 5400), 0);
	assert_int_equal(sg_pcopy_to_buffer(sg, 3, dst, 10, 9999), 0);

	{
		unsigned char patch[100];

		memset(patch, 0x5a, sizeof(patch));
		assert_int_equal(sg_pcopy_from_buffer(sg, 3, patch, sizeof(patch), 5050), 100);
		memcpy(src + 5050, patch, sizeof(patch));
		assert_memory_equal(b[1] + 4950, src + 5050, 50);
		assert_memory_equal(b[2], src + 5100, 50);
		assert_int_equal(b[2][49], 0x5a);
		assert_int_equal(b[2][50], src[5150]);
	}

	/* Zeroing across the first boundary. */
	assert_int_equal(sg_zero_buffer(sg, 3, 20, 90), 20);
	memset(src + 90, 0, 20);
	memset(dst, 0xff, sizeof(dst));
	assert_int_equal(sg_copy_to_buffer(sg, 3, dst, total), total);
	assert_memory_equal(dst, src, total);
	assert_int_equal(sg_zero_buffer(sg, 3, 100000, 5300), 100);

	/* A negative skip is refused. */
	tu_log_clear();
	assert_int_equal(sg_pcopy_to_buffer(sg, 3, dst, 10, -1), 0);
	assert_log_has("skip");

	for (int i = 0; i < 3; i++)
		kfree(b[i]);
	dmasim_platform_destroy(p);
}

/* Copy through a chained table of 200 entries of 16 bytes each. */
static void test_copy_chained(void **state)
{
	struct dmasim_platform *p = tu_platform(NULL);
	struct scatterlist *sg;
	struct sg_table t;
	unsigned char *mem, src[3200], dst[3200];
	unsigned int i;

	assert_non_null(p);
	mem = kzalloc(2 * 3200, GFP_KERNEL);
	assert_non_null(mem);
	assert_int_equal(sg_alloc_table(&t, 200, GFP_KERNEL), 0);
	/* Every other 16-byte slot, so a copy that ignored the entries would show. */
	for_each_sgtable_sg(&t, sg, i)
		sg_set_buf(sg, mem + 32 * i, 16);
	fill_pattern(src, sizeof(src), 9);
	assert_int_equal(sg_copy_from_buffer(t.sgl, t.orig_nents, src, sizeof(src)), 3200);
	for (i = 0; i < 200; i++) {
		assert_memory_equal(mem + 32 * i, src + 16 * i, 16);
		for (int j = 16; j < 32; j++)
			assert_int_equal(mem[32 * i + j], 0);
	}
	memset(dst, 0, sizeof(dst));
	assert_int_equal(sg_pcopy_to_buffer(t.sgl, t.orig_nents, dst, sizeof(dst), 127 * 16 - 8),
			 3200 - (127 * 16 - 8));
	assert_memory_equal(dst, src + 127 * 16 - 8, 3200 - (127 * 16 - 8));
	sg_free_table(&t);
	kfree(mem);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
}

/* An entry whose offset is beyond its first page starts copying in a later page. */
static void test_copy_big_offset(void **state)
{
	struct dmasim_platform *p = tu_platform(NULL);
	struct page *pg;
	struct scatterlist sg;
	unsigned char src[300], *lin;

	assert_non_null(p);
	pg = alloc_pages(GFP_KERNEL | __GFP_ZERO, 1);
	assert_non_null(pg);
	lin = page_address(pg);
	sg_init_table(&sg, 1);
	sg_set_page(&sg, pg, sizeof(src), PAGE_SIZE + 10);
	fill_pattern(src, sizeof(src), 4);
	assert_int_equal(sg_copy_from_buffer(&sg, 1, src, sizeof(src)), sizeof(src));
	assert_memory_equal(lin + PAGE_SIZE + 10, src, sizeof(src));
	assert_int_equal(lin[10], 0);
	assert_ptr_equal(sg_virt(&sg), lin + PAGE_SIZE + 10);
	__free_pages(pg, 1);
	dmasim_platform_destroy(p);
}

/* ---- high memory ----------------------------------------------------------- */

static void test_highmem(void **state)
{
	struct dmasim_platform *p = tu_platform("ram=64M@0x80000000,64M@0x100000000:high");
	struct page *hp, *lp;
	struct scatterlist sg[2];
	unsigned char src[700], dst[700], *va;

	assert_non_null(p);
	/* A DMASIM_SPEC that overrides ram= may leave no high memory to test. */
	if (!tu_spec_has(p, ":high")) {
		dmasim_platform_destroy(p);
		skip();
	}
	hp = alloc_pages(GFP_HIGHUSER, 1);
	assert_non_null(hp);
	assert_true(PageHighMem(hp));
	assert_null(page_address(hp));
	lp = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(lp);
	assert_false(PageHighMem(lp));

	/* Entry 0 crosses from the first high page into the second. */
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], hp, 600, PAGE_SIZE - 200);
	sg_set_page(&sg[1], lp, 100, 8);
	assert_null(sg_virt(&sg[0]));
	assert_int_equal(sg_phys(&sg[0]), page_to_phys(hp) + PAGE_SIZE - 200);
	assert_true(sg_phys(&sg[0]) >= 0x100000000ULL);

	fill_pattern(src, sizeof(src), 5);
	assert_int_equal(sg_copy_from_buffer(sg, 2, src, sizeof(src)), 700);

	/* Check the frames through fresh kmaps: the bytes are really in RAM. */
	va = kmap_local_page(hp);
	assert_non_null(va);
	assert_memory_equal(va + PAGE_SIZE - 200, src, 200);
	kunmap_local(va);
	va = kmap_local_page(nth_page(hp, 1));
	assert_non_null(va);
	assert_memory_equal(va, src + 200, 400);
	kunmap_local(va);
	assert_memory_equal((unsigned char *)page_address(lp) + 8, src + 600, 100);

	memset(dst, 0, sizeof(dst));
	assert_int_equal(sg_copy_to_buffer(sg, 2, dst, sizeof(dst)), 700);
	assert_memory_equal(dst, src, sizeof(dst));
	memset(dst, 0, sizeof(dst));
	assert_int_equal(sg_pcopy_to_buffer(sg, 2, dst, 50, 180), 50);
	assert_memory_equal(dst, src + 180, 50);
	assert_int_equal(sg_zero_buffer(sg, 2, 10, 195), 10);
	va = kmap_local_page(nth_page(hp, 1));
	assert_non_null(va);
	assert_int_equal(va[0], 0);
	assert_int_equal(va[4], 0);
	assert_int_equal(va[5], src[205]);
	kunmap_local(va);

	assert_int_equal(dmasim_debug_errors(p), 0);
	__free_pages(hp, 1);
	__free_pages(lp, 0);
	dmasim_platform_destroy(p);
}

/* ---- page iterators ---------------------------------------------------------- */

static void test_page_iter(void **state)
{
	struct dmasim_platform *p = tu_platform(NULL);
	struct page *a, *b, *c, *expect[5];
	struct scatterlist sg[3];
	struct sg_page_iter piter;
	struct sg_dma_page_iter diter;
	struct sg_table t;
	unsigned int n;

	assert_non_null(p);
	a = alloc_pages(GFP_KERNEL, 2);
	b = alloc_pages(GFP_KERNEL, 0);
	c = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);

	sg_init_table(sg, 3);
	sg_set_page(&sg[0], a, 2 * PAGE_SIZE, 100); /* spans 3 pages */
	sg_set_page(&sg[1], b, PAGE_SIZE, 0);       /* 1 page */
	sg_set_page(&sg[2], c, 1, 0);               /* 1 page */
	expect[0] = a;
	expect[1] = nth_page(a, 1);
	expect[2] = nth_page(a, 2);
	expect[3] = b;
	expect[4] = c;

	n = 0;
	for_each_sg_page(sg, &piter, 3, 0) {
		assert_true(n < 5);
		assert_ptr_equal(sg_page_iter_page(&piter), expect[n]);
		n++;
	}
	assert_int_equal(n, 5);

	n = 0;
	for_each_sg_page(sg, &piter, 3, 2) {
		assert_ptr_equal(sg_page_iter_page(&piter), expect[2 + n]);
		n++;
	}
	assert_int_equal(n, 3);

	n = 0;
	for_each_sg_page(sg, &piter, 1, 0)
		n++;
	assert_int_equal(n, 3);
	n = 0;
	for_each_sg_page(sg, &piter, 3, 7)
		n++;
	assert_int_equal(n, 0);

	/* The table form walks orig_nents entries. */
	t.sgl = sg;
	t.orig_nents = 3;
	t.nents = 2;
	n = 0;
	for_each_sgtable_page(&t, &piter, 0)
		n++;
	assert_int_equal(n, 5);

	/* DMA pages: two segments as a mapping would leave them, over nents. */
	sg[0].dma_address = 0x10000000;
	sg[0].dma_length = 3 * PAGE_SIZE;
	sg[1].dma_address = 0x20000000;
	sg[1].dma_length = PAGE_SIZE;
	sg[2].dma_address = 0x30000000;
	sg[2].dma_length = 0;
	{
		static const dma_addr_t want[4] = { 0x10000000, 0x10001000, 0x10002000, 0x20000000 };

		n = 0;
		for_each_sgtable_dma_page(&t, &diter, 0) {
			assert_true(n < 4);
			assert_int_equal(sg_page_iter_dma_address(&diter), want[n]);
			n++;
		}
		assert_int_equal(n, 4);
		n = 0;
		for_each_sg_dma_page(sg, &diter, 2, 3) {
			assert_int_equal(sg_page_iter_dma_address(&diter), want[3]);
			n++;
		}
		assert_int_equal(n, 1);
	}
	/* A segment that starts mid-page touches one more bus page. */
	sg[1].dma_address = 0x20000800;
	n = 0;
	for_each_sg_dma_page(sg, &diter, 2, 0)
		n++;
	assert_int_equal(n, 5);

	/* A chained table of 300 one-page entries: 300 pages. */
	{
		struct sg_table big;
		struct scatterlist *s;
		unsigned int i;

		assert_int_equal(sg_alloc_table(&big, 300, GFP_KERNEL), 0);
		for_each_sgtable_sg(&big, s, i)
			sg_set_page(s, b, 16, 0);
		n = 0;
		for_each_sgtable_page(&big, &piter, 0) {
			assert_ptr_equal(sg_page_iter_page(&piter), b);
			n++;
		}
		assert_int_equal(n, 300);
		sg_free_table(&big);
	}

	assert_int_equal(dmasim_debug_errors(p), 0);
	__free_pages(a, 2);
	__free_pages(b, 0);
	__free_pages(c, 0);
	dmasim_platform_destroy(p);
}

/* ---- bad input ---------------------------------------------------------------- */

static void test_bad_input(void **state)
{
	struct dmasim_platform *p = tu_platform(NULL);
	struct scatterlist sg[2];
	struct sg_page_iter piter;
	unsigned char buf[16];

	assert_non_null(p);
	assert_int_equal(sg_nents(NULL), 0);
	assert_int_equal(sg_nents_for_len(NULL, 0), 0);
	assert_int_equal(sg_nents_for_len(NULL, 1), -EINVAL);
	assert_null(sg_last(NULL, 3));
	assert_int_equal(sg_copy_to_buffer(NULL, 3, buf, sizeof(buf)), 0);
	assert_int_equal(sg_copy_from_buffer(NULL, 3, buf, sizeof(buf)), 0);
	assert_int_equal(sg_zero_buffer(NULL, 3, 10, 0), 0);
	assert_false(__sg_page_iter_next(NULL));
	assert_false(__sg_page_iter_dma_next(NULL));
	assert_null(sg_page_iter_page(NULL));
	__sg_page_iter_start(&piter, NULL, 3, 0);
	assert_false(__sg_page_iter_next(&piter));
	sg_free_table(NULL);

	/* Entries without pages are not copied through. */
	sg_init_table(sg, 2);
	sg[0].length = 10;
	assert_int_equal(sg_nents_for_len(sg, 10), 1);
	assert_int_equal(sg_nents_for_len(sg, 11), -EINVAL);
	tu_log_clear();
	assert_int_equal(sg_copy_to_buffer(sg, 2, buf, sizeof(buf)), 0);
	assert_log_has("sg_copy_to_buffer: entry");
	assert_log_has("has no page");
	tu_log_clear();
	assert_int_equal(sg_pcopy_from_buffer(sg, 2, NULL, 5, 0), 0);
	assert_log_has("sg_pcopy_from_buffer: NULL buffer");

	tu_log_clear();
	sg_init_table(NULL, 2);
	assert_log_has("sg_init_table");
	tu_log_clear();
	sg_init_table(sg, 0);
	assert_log_has("sg_init_table");
	tu_log_clear();
	sg_set_buf(NULL, buf, 4);
	assert_log_has("sg_set_buf");
	tu_log_clear();
	assert_null(sg_virt(NULL));
	assert_log_has("sg_virt");
	tu_log_clear();
	assert_int_equal(sg_phys(NULL), (phys_addr_t)-1);
	assert_log_has("sg_phys");
	dmasim_platform_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chained_tables),
		cmocka_unit_test(test_init_table),
		cmocka_unit_test(test_from_pages),
		cmocka_unit_test(test_set_buf),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_copy_chained),
		cmocka_unit_test(test_copy_big_offset),
		cmocka_unit_test(test_highmem),
		cmocka_unit_test(test_page_iter),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
