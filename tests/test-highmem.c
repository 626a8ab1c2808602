/*
 * tests/test-highmem.c - high memory, kmap, vmalloc, vmap and pinned user
 * pages (lib/mm/vmalloc.c): every alias must reach the very physical frame it
 * claims, as seen through the RAM view devices use.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/uaccess.h>
#include <linux/pagemap.h>

#include "core/core.h"

#define SPEC "ram=64M@0x80000000,64M@0x100000000:high"

static int setup(void **state)
{
	struct dmasim_platform *p = tu_platform(SPEC);

	if (!p)
		return -1;
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	dmasim_platform_destroy(*state);
	return 0;
}

/* Tests about high memory need the high region (DMASIM_SPEC may have replaced it). */
#define NEED_HIGH(p) \
	do { if (!tu_spec_has(p, "@0x100000000:high")) skip(); } while (0)

static unsigned char *ram_of(struct dmasim_platform *p, struct page *page)
{
	return dmasim__ram_ptr(p, page_to_phys(page));
}

static void test_highmem_kmap(void **state)
{
	struct dmasim_platform *p = *state;
	struct page *page = alloc_pages(GFP_HIGHUSER, 0);
	unsigned char *va, *va2, *ram;
	phys_addr_t phys;

	NEED_HIGH(p);

	assert_non_null(page);
	assert_true(PageHighMem(page));
	assert_null(page_address(page));
	assert_true(page_to_phys(page) >= 0x100000000ULL);
	assert_true(page_to_phys(page) < 0x104000000ULL);

	va = kmap(page);
	assert_non_null(va);
	assert_false(virt_addr_valid(va));
	ram = ram_of(p, page);
	assert_ptr_not_equal(va, ram);
	/* CPU alias -> RAM */
	memset(va, 0xa5, PAGE_SIZE);
	assert_int_equal(ram[0], 0xa5);
	assert_int_equal(ram[PAGE_SIZE - 1], 0xa5);
	/* RAM (a device write) -> CPU alias */
	ram[17] = 0x3c;
	assert_int_equal(va[17], 0x3c);

	va2 = kmap(page);
	assert_ptr_equal(va, va2);
	assert_ptr_equal(vmalloc_to_page(va + 100), page);
	assert_false(is_vmalloc_addr(va));
	assert_int_equal(dmasim__cpu_to_phys(p, va + 5, &phys), 0);
	assert_true(phys == page_to_phys(page) + 5);

	kunmap(page);
	assert_non_null(dmasim__alias_find(p, va)); /* one reference left */
	assert_int_equal(va[17], 0x3c);
	kunmap(page);
	assert_null(dmasim__alias_find(p, va));
	assert_int_equal(dmasim_debug_errors(p), 0);

	kunmap(page); /* unbalanced */
	assert_int_equal(dmasim_debug_errors(p), 1);
	assert_log_has("is not kmapped");

	/* A new kmap reaches the same bytes at a (possibly) new address. */
	va = kmap_local_page(page);
	assert_non_null(va);
	assert_int_equal(va[17], 0x3c);
	kunmap_local(va + 1234); /* any address inside the page */
	assert_null(dmasim__alias_find(p, va));
	assert_int_equal(dmasim_debug_errors(p), 1);
	__free_page(page);
}

static void test_lowmem_kmap(void **state)
{
	struct dmasim_platform *p = *state;
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	unsigned char *va;

	assert_non_null(page);
	assert_false(PageHighMem(page));
	va = kmap(page);
	assert_ptr_equal(va, page_address(page));
	kunmap(page);
	va = kmap_local_page(page);
	assert_ptr_equal(va, page_address(page));
	kunmap_local(va + 99);
	assert_int_equal(dmasim_debug_errors(p), 0);

	kunmap_local(&p); /* not a kmap address at all */
	assert_int_equal(dmasim_debug_errors(p), 1);
	assert_log_has("is not a kmap_local_page() address");
	__free_page(page);
}

static void test_memcpy_page(void **state)
{
	struct dmasim_platform *p = *state;
	struct page *page = alloc_pages(GFP_HIGHUSER | __GFP_ZERO, 0);
	char buf[64], out[64];

	NEED_HIGH(p);

	assert_non_null(page);
	for (int i = 0; i < 64; i++)
		buf[i] = (char)(i + 1);
	memcpy_to_page(page, PAGE_SIZE - 64, buf, 64);
	assert_memory_equal(ram_of(p, page) + PAGE_SIZE - 64, buf, 64);
	memset(out, 0, sizeof(out));
	memcpy_from_page(out, page, PAGE_SIZE - 64, 64);
	assert_memory_equal(out, buf, 64);
	assert_int_equal(dmasim_debug_errors(p), 0);

	/* Crossing the end of the page: reported, nothing copied. */
	memset(out, 0x55, sizeof(out));
	memcpy_from_page(out, page, PAGE_SIZE - 32, 64);
	assert_int_equal(out[0], 0x55);
	memcpy_to_page(page, PAGE_SIZE - 32, buf, 64);
	assert_int_equal(ram_of(p, page)[PAGE_SIZE - 32], buf[32]); /* unchanged */
	assert_int_equal(dmasim_debug_errors(p), 2);
	assert_log_has("goes beyond the page");
	__free_page(page);
}

static void test_vmalloc(void **state)
{
	struct dmasim_platform *p = *state;
	void *k = kmalloc(100, GFP_KERNEL);
	unsigned long before = dmasim__free_page_count(p, -1);
	struct page *pg[5];
	unsigned char *v = vmalloc(5 * PAGE_SIZE - 100);
	int local;

	NEED_HIGH(p);

	assert_non_null(k);
	assert_non_null(v);
	assert_true(is_vmalloc_addr(v));
	assert_true(is_vmalloc_addr(v + 5 * PAGE_SIZE - 1));
	assert_false(virt_addr_valid(v));
	assert_int_equal(dmasim__free_page_count(p, -1), before - 5);
	/* One memset over the whole area: it is contiguous for the CPU (up to its size: the
	 * last page's tail is a redzone for ASan and memcheck, lib/mm/shadow.h). */
	for (int i = 0; i < 5; i++)
		memset(v + i * PAGE_SIZE, 0x10 + i, i < 4 ? PAGE_SIZE : PAGE_SIZE - 100);
	memset(v + PAGE_SIZE - 8, 0x77, 16);
	for (int i = 0; i < 5; i++) {
		pg[i] = vmalloc_to_page(v + i * PAGE_SIZE + 7);
		assert_non_null(pg[i]);
		/* GFP_KERNEL | __GFP_HIGHMEM: the high region is tried first, as in the kernel. */
		assert_true(PageHighMem(pg[i]));
		assert_int_equal(vmalloc_to_pfn(v + i * PAGE_SIZE), page_to_pfn(pg[i]));
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(pg[i], pg[j]);
		assert_int_equal(ram_of(p, pg[i])[100], 0x10 + i);
	}
	assert_int_equal(ram_of(p, pg[0])[PAGE_SIZE - 1], 0x77);
	assert_int_equal(ram_of(p, pg[1])[0], 0x77);
	assert_int_equal(ram_of(p, pg[1])[8], 0x11);
	/* And back: a device write shows through the vmalloc address. */
	ram_of(p, pg[3])[5] = 0xee;
	assert_int_equal(v[3 * PAGE_SIZE + 5], 0xee);
	assert_int_equal(dmasim_debug_errors(p), 0);

	assert_false(is_vmalloc_addr(k));
	assert_false(is_vmalloc_addr(&local));
	assert_false(is_vmalloc_addr(v + 5 * PAGE_SIZE + 1));

	vfree(v + PAGE_SIZE); /* interior pointer */
	assert_int_equal(dmasim_debug_errors(p), 1);
	assert_log_has("not its start");
	vfree(k); /* not vmalloc memory */
	assert_int_equal(dmasim_debug_errors(p), 2);
	assert_log_has("is not a vmalloc() address");
	vfree(NULL);
	assert_int_equal(dmasim_debug_errors(p), 2);

	vfree(v);
	assert_null(dmasim__alias_find(p, v));
	assert_false(is_vmalloc_addr(v));
	assert_int_equal(dmasim__free_page_count(p, -1), before);

	/* The same (dirty) pages come back: vzalloc must clear them. */
	v = vzalloc(5 * PAGE_SIZE);
	assert_non_null(v);
	for (size_t i = 0; i < 5 * PAGE_SIZE; i++)
		if (v[i])
			fail_msg("vzalloc byte %zu is 0x%x", i, v[i]);
	vfree(v);
	assert_null(vmalloc(0));
	assert_int_equal(dmasim_debug_errors(p), 2);
	kfree(k);
}

static void test_vmap(void **state)
{
	struct dmasim_platform *p = *state;
	struct page *pg[3], *rev[3];
	unsigned char *v;

	for (int i = 0; i < 3; i++) {
		pg[i] = alloc_pages(GFP_KERNEL, 0);
		assert_non_null(pg[i]);
		assert_non_null(page_address(pg[i]));
		rev[2 - i] = pg[i];
	}
	v = vmap(rev, 3, VM_MAP, PAGE_KERNEL);
	assert_non_null(v);
	assert_true(is_vmalloc_addr(v + 2 * PAGE_SIZE + 4095));
	for (int i = 0; i < 3; i++) {
		assert_ptr_equal(vmalloc_to_page(v + i * PAGE_SIZE), rev[i]);
		memset(v + i * PAGE_SIZE, 0x40 + i, PAGE_SIZE);
	}
	/* Reverse order: page 0 of the alias is pg[2]. */
	assert_int_equal(((unsigned char *)page_address(pg[2]))[0], 0x40);
	assert_int_equal(((unsigned char *)page_address(pg[1]))[4095], 0x41);
	assert_int_equal(((unsigned char *)page_address(pg[0]))[2000], 0x42);
	((unsigned char *)page_address(pg[0]))[1] = 0x99;
	assert_int_equal(v[2 * PAGE_SIZE + 1], 0x99);

	vfree(v); /* vmap memory is not vfree()'s */
	assert_int_equal(dmasim_debug_errors(p), 1);
	assert_non_null(dmasim__alias_find(p, v));
	vunmap(v);
	assert_null(dmasim__alias_find(p, v));
	/* The pages are still the caller's. */
	assert_int_equal(((unsigned char *)page_address(pg[0]))[1], 0x99);
	for (int i = 0; i < 3; i++)
		__free_page(pg[i]);

	assert_null(vmap(NULL, 3, VM_MAP, PAGE_KERNEL));
	assert_null(vmap(rev, 0, VM_MAP, PAGE_KERNEL));
	vunmap(NULL);
	assert_int_equal(dmasim_debug_errors(p), 1);
}

static void pin_roundtrip(struct dmasim_platform *p, unsigned char *buf, size_t len, size_t off)
{
	unsigned long start = (unsigned long)(buf + off);
	unsigned long first = start >> PAGE_SHIFT;
	unsigned long last = (start + len - 1) >> PAGE_SHIFT;
	int n = (int)(last - first + 1);
	struct page *pages[64] = { 0 };
	struct page *again[64];
	unsigned long errs = dmasim_debug_errors(p);
	phys_addr_t phys;

	assert_true(n <= 64);
	for (size_t i = 0; i < len; i++)
		buf[off + i] = (unsigned char)(i * 7 + 3);

	assert_int_equal(pin_user_pages_fast(start, n, FOLL_WRITE | FOLL_LONGTERM, pages), n);
	/* Contents preserved, at the same address. */
	for (size_t i = 0; i < len; i++)
		if (buf[off + i] != (unsigned char)(i * 7 + 3))
			fail_msg("byte %zu changed by the pin", i);
	for (int i = 0; i < n; i++) {
		assert_non_null(pages[i]);
		/* GFP_HIGHUSER, as user memory: high memory when the machine has some. */
		assert_true(PageHighMem(pages[i]));
		assert_true(pages[i]->flags & PG_pinned);
		assert_int_equal(page_count(pages[i]), 2); /* the range's and the pin's */
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(pages[i], pages[j]);
		/* Scattered, as a real process's: no page physically follows the one before. */
		if (i)
			assert_true(page_to_phys(pages[i]) != page_to_phys(pages[i - 1]) + PAGE_SIZE);
	}
	/* Every byte of the range is in the frame the pin returned. */
	for (size_t i = 0; i < len; i++) {
		unsigned long a = start + i;
		struct page *pg = pages[(a >> PAGE_SHIFT) - first];

		if (ram_of(p, pg)[a & ~PAGE_MASK] != (unsigned char)(i * 7 + 3))
			fail_msg("byte %zu is not in its pinned frame", i);
	}
	/* CPU writes through the old pointer reach RAM; device writes reach the CPU. */
	buf[off + len - 1] = 0xee;
	assert_int_equal(ram_of(p, pages[n - 1])[(start + len - 1) & ~PAGE_MASK], 0xee);
	ram_of(p, pages[0])[start & ~PAGE_MASK] = 0xdd;
	assert_int_equal(buf[off], 0xdd);
	assert_int_equal(dmasim__cpu_to_phys(p, buf + off, &phys), 0);
	assert_true(phys == page_to_phys(pages[0]) + (start & ~PAGE_MASK));
	assert_ptr_equal(vmalloc_to_page(buf + off), pages[0]);
	assert_false(is_vmalloc_addr(buf + off));

	/* Pinning it again is legal (include/linux/mm.h: pins are counted): the same page, one more reference. */
	assert_int_equal(pin_user_pages_fast(start + PAGE_SIZE * (unsigned long)(n - 1), 1, 0, again),
			 1);
	assert_ptr_equal(again[0], pages[n - 1]);
	assert_int_equal(page_count(pages[n - 1]), 3);
	unpin_user_page(again[0]);
	assert_int_equal(page_count(pages[n - 1]), 2);
	assert_int_equal(dmasim_debug_errors(p), errs);

	/* Unpin page by page: the range stays pinned until the last one. */
	unpin_user_page(pages[0]);
	assert_non_null(dmasim__alias_find(p, buf + off));
	unpin_user_page(pages[0]); /* twice */
	assert_int_equal(dmasim_debug_errors(p), errs + 1);
	assert_log_has("is not pinned");
	buf[off + 1] = 0xcc; /* still simulated memory */
	assert_int_equal(ram_of(p, pages[0])[(start + 1) & ~PAGE_MASK], 0xcc);
	if (n > 1)
		unpin_user_pages(pages + 1, (unsigned long)n - 1);
	assert_null(dmasim__alias_find(p, buf + off));
	/* Back in host memory with the latest bytes. */
	assert_int_equal(buf[off], 0xdd);
	assert_int_equal(buf[off + 1], 0xcc);
	assert_int_equal(buf[off + len - 1], 0xee);
	for (size_t i = 2; i < len - 1; i++)
		if (buf[off + i] != (unsigned char)(i * 7 + 3))
			fail_msg("byte %zu lost by unpin", i);
	assert_int_equal(dmasim__cpu_to_phys(p, buf + off, &phys), -EFAULT);
	assert_int_equal(dmasim_debug_errors(p), errs + 1);
}

static unsigned char static_buf[3 * 4096 + 512];

static void test_pin_user_pages(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned long before = dmasim__free_page_count(p, -1);
	unsigned char *buf = malloc(3 * PAGE_SIZE + 200);
	unsigned char *big, *m;

	assert_non_null(buf);
	pin_roundtrip(p, buf, 3 * PAGE_SIZE, 100);
	/* The heap is intact: free() and more malloc() work. */
	free(buf);
	for (int i = 0; i < 100; i++)
		free(malloc((size_t)i * 97 + 1));

	/* glibc serves this one with mmap(). */
	big = malloc(256 * 1024);
	assert_non_null(big);
	pin_roundtrip(p, big, 200 * 1024, 12345);
	free(big);

	pin_roundtrip(p, static_buf, 3 * PAGE_SIZE, 77);

	m = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	pin_roundtrip(p, m, 2 * PAGE_SIZE, 0);
	assert_int_equal(munmap(m, 2 * PAGE_SIZE), 0);

	assert_int_equal(dmasim__free_page_count(p, -1), before);
}

static void test_pin_refused(void **state)
{
	struct dmasim_platform *p = *state;
	struct page *pages[4];
	unsigned char *k = kmalloc(64, GFP_KERNEL);
	unsigned char *v = vmalloc(PAGE_SIZE);
	unsigned char *m, *buf = malloc(PAGE_SIZE);
	unsigned long errs = 0;

	assert_non_null(k);
	assert_non_null(v);
	assert_non_null(buf);
	assert_int_equal(pin_user_pages_fast((unsigned long)k, 1, 0, pages), -EEXIST);
	assert_int_equal(dmasim_debug_errors(p), ++errs);
	assert_int_equal(pin_user_pages_fast((unsigned long)v, 1, 0, pages), -EEXIST);
	assert_int_equal(dmasim_debug_errors(p), ++errs);
	assert_int_equal(pin_user_pages_fast((unsigned long)buf, 0, 0, pages), -EINVAL);
	assert_int_equal(pin_user_pages_fast((unsigned long)buf, 1, 0, NULL), -EINVAL);
	errs += 2;

	/* Unmapped host memory. */
	m = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	assert_int_equal(munmap(m + PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(pin_user_pages_fast((unsigned long)m, 2, 0, pages), -EFAULT);
	assert_log_has("is not mapped");
	/* Read-only host memory. */
	assert_int_equal(mprotect(m, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(pin_user_pages_fast((unsigned long)m, 1, FOLL_WRITE, pages), -EFAULT);
	errs += 2;
	assert_int_equal(munmap(m, PAGE_SIZE), 0);
	assert_int_equal(dmasim_debug_errors(p), errs);

	/* Unpinning a page nobody pinned. */
	unpin_user_page(virt_to_page(k));
	assert_int_equal(dmasim_debug_errors(p), ++errs);

	free(buf);
	vfree(v);
	kfree(k);
}

/*
 * A buffer on this thread's own stack is pinned like any other (the kernel
 * pins any user address): the bytes and the frames around it survive the
 * move in and out, and a device reaches it.  noinline: the frame is real.
 */
static __attribute__((__noinline__)) int stack_pin_frame(struct dmasim_platform *p, int depth)
{
	volatile unsigned char guard_hi[64];
	unsigned char buf[3 * 4096];
	volatile unsigned char guard_lo[64];
	unsigned long start = (unsigned long)buf, first = start >> PAGE_SHIFT;
	int n = (int)(((start + sizeof(buf) - 1) >> PAGE_SHIFT) - first + 1);
	struct page *pages[4];
	phys_addr_t phys;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i ^ 0x5a);
	for (int i = 0; i < 64; i++)
		guard_hi[i] = guard_lo[i] = (unsigned char)(depth + i);
	if (pin_user_pages_fast(start, n, FOLL_WRITE, pages) != n)
		return 1;
	/* The bytes are in the pinned frames, and the program still sees them. */
	if (dmasim__cpu_to_phys(p, buf + 100, &phys) || phys != page_to_phys(pages[0]) + ((start + 100) & ~PAGE_MASK))
		return 2;
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != (unsigned char)(i ^ 0x5a))
			return 3;
	buf[7] = 0xab; /* the CPU writes through the old pointer into the frame */
	if (ram_of(p, pages[0])[(start + 7) & ~PAGE_MASK] != 0xab)
		return 4;
	ram_of(p, pages[n - 1])[(start + sizeof(buf) - 1) & ~PAGE_MASK] = 0xcd; /* a device writes */
	unpin_user_pages_dirty_lock(pages, (unsigned long)n, true);
	if (dmasim__cpu_to_phys(p, buf, &phys) != -EFAULT)
		return 5;
	if (buf[7] != 0xab || buf[sizeof(buf) - 1] != 0xcd || buf[8] != (unsigned char)(8 ^ 0x5a))
		return 6;
	for (int i = 0; i < 64; i++)
		if (guard_hi[i] != (unsigned char)(depth + i) || guard_lo[i] != (unsigned char)(depth + i))
			return 7;
	return 0;
}

static void test_pin_stack(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned long before = dmasim__free_page_count(p, -1);

	for (int depth = 0; depth < 3; depth++)
		assert_int_equal(stack_pin_frame(p, depth), 0);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

/*
 * Pin counts and references, as the kernel's (mm/gup.c): a page pinned
 * twice needs two unpins; get_user_pages() takes references put_page()
 * drops; a range overlapping one pinned before shares its pages and pins
 * the rest; unpin_user_pages_dirty_lock() marks the pages dirty.
 */
static void test_pin_counts(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned char *buf = aligned_alloc(PAGE_SIZE, 4 * PAGE_SIZE);
	unsigned long start = (unsigned long)buf, before = dmasim__free_page_count(p, -1);
	struct page *a[4], *b[4], *g[2];

	assert_non_null(buf);
	memset(buf, 0x33, 4 * PAGE_SIZE);
	assert_int_equal(pin_user_pages(start, 2, FOLL_WRITE, a), 2);
	/* Pages 1-3: page 1 is shared, pages 2 and 3 are pinned anew. */
	assert_int_equal(pin_user_pages_fast(start + PAGE_SIZE, 3, FOLL_WRITE, b), 3);
	assert_ptr_equal(b[0], a[1]);
	assert_int_equal(page_count(a[1]), 3);
	assert_int_equal(page_count(b[1]), 2);
	/* get_user_pages: plain references, dropped by put_page(). */
	assert_int_equal(get_user_pages_fast(start, 2, 0, g), 2);
	assert_ptr_equal(g[0], a[0]);
	assert_int_equal(page_count(a[0]), 3);
	put_page(g[0]);
	put_page(g[1]);
	assert_int_equal(page_count(a[0]), 2);
	/* Dirtying. */
	assert_false(PageDirty(b[2]));
	assert_int_equal(set_page_dirty_lock(b[2]), 1);
	assert_int_equal(set_page_dirty_lock(b[2]), 0);
	assert_true(PageDirty(b[2]));
	unpin_user_pages_dirty_lock(a, 2, true);
	assert_true(PageDirty(b[0]));
	/* Page 0 has no reference left but its area lives on while page 1 does. */
	assert_non_null(dmasim__alias_find(p, buf));
	buf[0] = 0x44;
	assert_int_equal(ram_of(p, a[0])[0], 0x44);
	unpin_user_pages(b, 3);
	assert_null(dmasim__alias_find(p, buf));
	assert_null(dmasim__alias_find(p, buf + 3 * PAGE_SIZE));
	assert_int_equal(buf[0], 0x44);
	assert_int_equal(buf[4 * PAGE_SIZE - 1], 0x33);
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_int_equal(dmasim_debug_errors(p), 0);
	/* A lone get_user_pages() and its put_page() leave nothing behind either. */
	assert_int_equal(get_user_pages(start, 1, 0, g), 1);
	put_page(g[0]);
	assert_null(dmasim__alias_find(p, buf));
	assert_int_equal(dmasim__free_page_count(p, -1), before);
	assert_int_equal(dmasim_debug_errors(p), 0);
	free(buf);
}

/* user_pages=contiguous keeps a pinned range's frames in address order. */
static void test_pin_contiguous(void **state)
{
	struct dmasim_platform *p = tu_platform(SPEC " user_pages=contiguous");
	unsigned char *buf = aligned_alloc(PAGE_SIZE, 8 * PAGE_SIZE);
	struct page *pages[8];

	(void)state;
	assert_non_null(p);
	assert_non_null(buf);
	assert_true(tu_spec_has(p, "user_pages=contiguous"));
	assert_int_equal(pin_user_pages_fast((unsigned long)buf, 8, FOLL_WRITE, pages), 8);
	for (int i = 1; i < 8; i++)
		assert_true(page_to_phys(pages[i]) == page_to_phys(pages[i - 1]) + PAGE_SIZE);
	unpin_user_pages(pages, 8);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
	dmasim_platform_set_current(*state);
	free(buf);
}

/* copy_to_user()/copy_from_user() return the bytes not copied, stopping at a fault. */
static void test_user_copies(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned char *m = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char src[256], dst[256];

	assert_true(m != MAP_FAILED);
	for (int i = 0; i < 256; i++)
		src[i] = (unsigned char)i;
	assert_int_equal(copy_to_user(m + 10, src, sizeof(src)), 0);
	assert_memory_equal(m + 10, src, sizeof(src));
	memset(dst, 0, sizeof(dst));
	assert_int_equal(copy_from_user(dst, m + 10, sizeof(dst)), 0);
	assert_memory_equal(dst, src, sizeof(dst));
	/* The second page becomes read-only, then unmapped: the copy stops there. */
	assert_int_equal(mprotect(m + PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(copy_to_user(m + PAGE_SIZE - 100, src, sizeof(src)), sizeof(src) - 100);
	assert_int_equal(munmap(m + PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(copy_from_user(dst, m + PAGE_SIZE - 56, sizeof(dst)), sizeof(dst) - 56);
	assert_true(access_ok(m, PAGE_SIZE));
	assert_false(access_ok((void *)~0UL, 2));
	assert_int_equal(munmap(m, PAGE_SIZE), 0);
	assert_int_equal(dmasim_debug_errors(p), 0);
}

/* A platform destroyed with areas left over cleans them up and gives pinned bytes back. */
static void test_destroy_leftovers(void **state)
{
	struct dmasim_platform *p = *state;
	unsigned char *buf = malloc(2 * PAGE_SIZE);
	struct page *pages[3], *hp = alloc_pages(GFP_HIGHUSER, 0);
	unsigned char *v = vmalloc(3 * PAGE_SIZE);
	unsigned char *kv;
	long n;

	assert_non_null(buf);
	assert_non_null(v);
	assert_non_null(hp);
	kv = kmap(hp);
	assert_non_null(kv);
	memset(buf, 0x5a, 2 * PAGE_SIZE);
	n = pin_user_pages_fast((unsigned long)buf, 2, 0, pages);
	assert_int_equal(n, 2);
	buf[10] = 0x11;
	dmasim_platform_destroy(p);
	*state = NULL;
	assert_int_equal(buf[10], 0x11);
	assert_int_equal(buf[2 * PAGE_SIZE - 1], 0x5a);
	free(buf);
}

static void *kmap_worker(void *arg)
{
	struct page *page = arg;

	for (int i = 0; i < 500; i++) {
		unsigned char *va = kmap(page);

		if (!va || va[0] != 0x42)
			return (void *)1;
		kunmap(page);
	}
	return NULL;
}

static void test_kmap_threads(void **state)
{
	struct dmasim_platform *p = *state;
	struct page *page = alloc_pages(GFP_HIGHUSER, 0);
	pthread_t t[4];

	NEED_HIGH(p);

	assert_non_null(page);
	ram_of(p, page)[0] = 0x42;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, kmap_worker, page), 0);
	for (int i = 0; i < 4; i++) {
		void *ret;

		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	assert_true(RB_EMPTY(&p->aliases));
	assert_int_equal(dmasim_debug_errors(p), 0);
	__free_page(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_highmem_kmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lowmem_kmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memcpy_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmalloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_user_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_contiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_copies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kmap_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
