/*
 * lib/mm/vmalloc.c - CPU aliases of simulated pages outside the linear map.
 *
 * Every simulated page lives in the RAM memfd, so the host MMU can map one
 * physical frame at several host addresses for real.  This file keeps those
 * extra mappings ("alias areas", a libbsd red-black tree keyed by address in
 * p->aliases) and builds the kernel's APIs on them: vmalloc() (scattered,
 * possibly high-memory pages made virtually contiguous), vmap(), kmap() of
 * high-memory pages, and pin_user_pages_fast(), which moves an ordinary host
 * buffer into simulated pages mapped back at the very same addresses so a
 * device can reach it.  Layer: memory model, beside memory.c.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/core.h"

#define STACK_GUESS (8UL << 20) /* the usual stack rlimit, when the thread's bounds are unknown */

static int alias_cmp(const struct dmasim_alias *a, const struct dmasim_alias *b)
{
	uintptr_t x = (uintptr_t)a->va, y = (uintptr_t)b->va;

	return x < y ? -1 : x > y;
}

RB_PROTOTYPE(dmasim_alias_tree, dmasim_alias, node, alias_cmp)
RB_GENERATE(dmasim_alias_tree, dmasim_alias, node, alias_cmp)

/* ---- the alias tree ------------------------------------------------------- */

static struct dmasim_alias *alias_find_locked(struct dmasim_platform *p, const void *addr)
{
	struct dmasim_alias key = { .va = (unsigned char *)(uintptr_t)addr };
	struct dmasim_alias *a = RB_NFIND(dmasim_alias_tree, &p->aliases, &key);

	if (a && a->va == key.va)
		return a;
	/* Otherwise only the area starting just below @addr can contain it. */
	a = a ? RB_PREV(dmasim_alias_tree, &p->aliases, a)
	      : RB_MAX(dmasim_alias_tree, &p->aliases);
	if (a && (uintptr_t)addr - (uintptr_t)a->va < a->size)
		return a;
	return NULL;
}

/* Any area overlapping [va, va + size). */
static struct dmasim_alias *alias_overlap_locked(struct dmasim_platform *p, const void *va,
						 size_t size)
{
	struct dmasim_alias key = { .va = (unsigned char *)(uintptr_t)va };
	struct dmasim_alias *a = RB_NFIND(dmasim_alias_tree, &p->aliases, &key);

	if (a && (uintptr_t)a->va - (uintptr_t)va < size)
		return a;
	return alias_find_locked(p, va);
}

struct dmasim_alias *dmasim__alias_find(struct dmasim_platform *p, const void *addr)
{
	struct dmasim_alias *a;

	if (!p || !addr)
		return NULL;
	pthread_mutex_lock(&p->mm_lock);
	a = alias_find_locked(p, addr);
	pthread_mutex_unlock(&p->mm_lock);
	return a;
}

static struct dmasim_alias *alias_new(unsigned char *va, size_t size, enum dmasim_alias_kind kind,
				      struct page **pages, unsigned int n)
{
	struct dmasim_alias *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->pages = calloc(n ? n : 1, sizeof(*a->pages));
	if (!a->pages) {
		free(a);
		return NULL;
	}
	if (pages)
		memcpy(a->pages, pages, n * sizeof(*pages));
	a->va = va;
	a->size = size;
	a->kind = kind;
	a->nr_pages = n;
	return a;
}

static void alias_free(struct dmasim_alias *a)
{
	free(a->pages);
	free(a);
}

struct dmasim_alias *dmasim__alias_add(struct dmasim_platform *p, unsigned char *va, size_t size,
				       enum dmasim_alias_kind kind, struct page **pages,
				       unsigned int n)
{
	struct dmasim_alias *a = alias_new(va, size, kind, pages, n);
	bool clash;

	if (!a)
		return NULL;
	pthread_mutex_lock(&p->mm_lock);
	clash = alias_overlap_locked(p, va, size) != NULL;
	if (!clash)
		RB_INSERT(dmasim_alias_tree, &p->aliases, a);
	pthread_mutex_unlock(&p->mm_lock);
	/* The host never hands out one address range twice; a clash is our bug. */
	if (DMASIM_WARN_ON(p, clash)) {
		alias_free(a);
		return NULL;
	}
	return a;
}

/* ---- host mappings ---------------------------------------------------------- */

static off_t page_fd_off(const struct page *page)
{
	const struct dmasim_region *r = dmasim__page_region(page);

	return r->fd_off + (off_t)(page_to_phys(page) - r->base);
}

/*
 * With @fixed, whatever was mapped there is replaced page run by page run and
 * cannot be put back on failure; the only caller (pin) still holds the bytes
 * in the pages and restores the range itself.
 */
static unsigned char *map_pages_fd(struct dmasim_platform *p, struct page **pages,
				   unsigned int n, void *fixed, int fd)
{
	size_t size = (size_t)n << PAGE_SHIFT;
	unsigned char *va;

	if (DMASIM_WARN_ON(p, !n || !pages))
		return NULL;
	for (unsigned int i = 0; i < n; i++)
		if (DMASIM_WARN_ON(p, !pages[i] || dmasim__page_platform(pages[i]) != p))
			return NULL;
	if (fixed) {
		va = fixed;
	} else {
		/* Reserve the whole range first so the runs land side by side. */
		va = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (va == MAP_FAILED)
			return NULL;
	}
	for (unsigned int i = 0, run; i < n; i += run) {
		off_t off = page_fd_off(pages[i]);

		/* One mmap per run of frames adjacent in the memfd: fewer host VMAs. */
		for (run = 1; i + run < n; run++)
			if (page_fd_off(pages[i + run]) != off + (off_t)((size_t)run << PAGE_SHIFT))
				break;
		if (mmap(va + ((size_t)i << PAGE_SHIFT), (size_t)run << PAGE_SHIFT,
			 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, off) == MAP_FAILED) {
			if (!fixed)
				munmap(va, size);
			return NULL;
		}
	}
	return va;
}

unsigned char *dmasim__map_pages(struct dmasim_platform *p, struct page **pages, unsigned int n,
				 void *fixed)
{
	return map_pages_fd(p, pages, n, fixed, p->cpu_fd);
}

unsigned char *dmasim__map_pages_uncached(struct dmasim_platform *p, struct page **pages,
					  unsigned int n, void *fixed)
{
	return map_pages_fd(p, pages, n, fixed, p->memfd);
}

void *dmasim__uncached_alias(struct dmasim_platform *p, struct page *first, size_t n)
{
	struct page **pages = calloc(n, sizeof(*pages));
	unsigned char *va = NULL;

	if (!pages)
		return NULL;
	for (size_t i = 0; i < n; i++)
		pages[i] = nth_page(first, i);
	va = dmasim__map_pages_uncached(p, pages, (unsigned int)n, NULL);
	if (va && !dmasim__alias_add(p, va, n << PAGE_SHIFT, ALIAS_VMAP, pages, (unsigned int)n)) {
		munmap(va, n << PAGE_SHIFT);
		va = NULL;
	}
	free(pages);
	return va;
}

/*
 * Copies between simulated pages and a host range the program owns.  The
 * range holds whole pages of someone else's memory (other malloc blocks,
 * allocator metadata, redzones), which ASan and valgrind rightly forbid a
 * memcpy() to touch; letting the kernel copy for us (the range is the
 * "remote" side of process_vm_readv/writev, on ourselves) moves the bytes
 * without tripping them.  If those calls are unavailable (seccomp), memcpy().
 */
static void host_read(void *dst, const void *host, size_t len)
{
	struct iovec local = { dst, len }, remote = { (void *)(uintptr_t)host, len };

	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)len)
		memcpy(dst, host, len);
}

static void host_write(void *host, const void *src, size_t len)
{
	struct iovec local = { (void *)(uintptr_t)src, len }, remote = { host, len };

	if (process_vm_writev(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)len)
		memcpy(host, src, len);
}

/* Copy the area's pages, in order, to @dst (@host: @dst is the program's range). */
static void copy_from_pages(struct dmasim_platform *p, const struct dmasim_alias *a,
			    unsigned char *dst, bool host)
{
	for (unsigned int i = 0; i < a->nr_pages; i++) {
		unsigned char *d = dst + ((size_t)i << PAGE_SHIFT);
		const unsigned char *src = dmasim__cpu_ptr(p, page_to_phys(a->pages[i]));

		if (host)
			host_write(d, src, PAGE_SIZE);
		else
			memcpy(d, src, PAGE_SIZE);
	}
}

/*
 * Give a pinned range back to ordinary private memory holding the pages'
 * bytes.  The copy is staged aside and moved in with one mremap(), so the
 * program never sees the range unmapped or zeroed; if there is no room for a
 * staging copy, the range is replaced in place and refilled from the pages
 * (which still hold every byte through the RAM view).
 */
static int restore_host(struct dmasim_platform *p, const struct dmasim_alias *a)
{
	unsigned char *tmp = mmap(NULL, a->size, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (tmp != MAP_FAILED) {
		copy_from_pages(p, a, tmp, false);
		if (mremap(tmp, a->size, a->size, MREMAP_MAYMOVE | MREMAP_FIXED, a->va) != MAP_FAILED)
			return 0;
		munmap(tmp, a->size);
	}
	if (mmap(a->va, a->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED) {
		dmasim__log(p, DMASIM_LOG_ERR,
			    "pinned range %p (%zu bytes): cannot give it back to host memory: %s; "
			    "it stays in simulated RAM", (void *)a->va, a->size, strerror(errno));
		return -ENOMEM;
	}
	copy_from_pages(p, a, a->va, true);
	return 0;
}

static void free_area_pages(struct dmasim_alias *a)
{
	for (unsigned int i = 0; i < a->nr_pages; i++) {
		__atomic_store_n(&a->pages[i]->refcount, 0, __ATOMIC_SEQ_CST);
		dmasim__free_pages(a->pages[i], 0);
	}
}

/* Undo an area already out of the tree; called without p->mm_lock. */
static void alias_release(struct dmasim_platform *p, struct dmasim_alias *a)
{
	switch (a->kind) {
	case ALIAS_PIN:
		/* If the bytes cannot move back, leaking the pages beats freeing RAM still mapped. */
		if (!restore_host(p, a))
			free_area_pages(a);
		break;
	case ALIAS_VMALLOC:
		/* Unmap before freeing so no alias outlives the frame's owner. */
		munmap(a->va, a->size);
		free_area_pages(a);
		break;
	default:
		munmap(a->va, a->size);
		break;
	}
	alias_free(a);
}

/*
 * Remove the area that starts at @va (unmap it; ALIAS_PIN ranges go back to
 * host memory; vmalloc pages are freed).  For callers outside this file, such
 * as the dma_mmap_*() user mappings.  Return: 0, or -ENOENT if no area
 * starts at @va.
 */
int dmasim__alias_remove(struct dmasim_platform *p, const void *va)
{
	struct dmasim_alias *a;

	pthread_mutex_lock(&p->mm_lock);
	a = alias_find_locked(p, va);
	if (a && a->va == va)
		RB_REMOVE(dmasim_alias_tree, &p->aliases, a);
	else
		a = NULL;
	pthread_mutex_unlock(&p->mm_lock);
	if (!a)
		return -ENOENT;
	alias_release(p, a);
	return 0;
}

void dmasim__alias_destroy_all(struct dmasim_platform *p)
{
	static const char *const leak[] = {
		[ALIAS_VMALLOC] = "vmalloc() area never passed to vfree()",
		[ALIAS_VMAP] = "vmap() alias never passed to vunmap()",
		[ALIAS_KMAP] = "kmap() of a high-memory page never undone by kunmap()",
		[ALIAS_PIN] = "pinned user range never unpinned (its bytes go back to host memory)",
		[ALIAS_MMAP] = NULL,
	};
	struct dmasim_alias *a;

	for (;;) {
		/* One at a time: releasing frees pages, which takes mm_lock itself. */
		pthread_mutex_lock(&p->mm_lock);
		a = RB_MIN(dmasim_alias_tree, &p->aliases);
		if (a)
			RB_REMOVE(dmasim_alias_tree, &p->aliases, a);
		pthread_mutex_unlock(&p->mm_lock);
		if (!a)
			break;
		if (leak[a->kind])
			dmasim__log(p, DMASIM_LOG_WARN, "dmasim_platform_destroy: %p (%zu bytes): %s",
				    (void *)a->va, a->size, leak[a->kind]);
		alias_release(p, a);
	}
}

/* ---- vmalloc and vmap ------------------------------------------------------- */

static void *vmalloc_gfp(const char *call, unsigned long size, gfp_t gfp)
{
	struct dmasim_platform *p = dmasim__current(call);
	struct page **pages;
	struct dmasim_alias *a;
	unsigned char *va = NULL;
	unsigned int n, got = 0;

	if (!p || !size)
		return NULL;
	/* More than all RAM can never succeed; refusing early also bounds n. */
	if (size > p->ram_total) {
		dmasim__log(p, DMASIM_LOG_WARN, "%s: allocation failure: %lu bytes is more than RAM",
			    call, size);
		return NULL;
	}
	n = (unsigned int)(PAGE_ALIGN(size) >> PAGE_SHIFT);
	pages = calloc(n, sizeof(*pages));
	if (!pages)
		goto fail;
	/* Page by page, as the kernel: the area needs no physical contiguity. */
	for (; got < n; got++) {
		pages[got] = dmasim__alloc_pages_below(p, gfp, 0, ~0ULL);
		if (!pages[got])
			goto fail;
	}
	va = dmasim__map_pages(p, pages, n, NULL);
	if (!va)
		goto fail;
	a = dmasim__alias_add(p, va, (size_t)n << PAGE_SHIFT, ALIAS_VMALLOC, pages, n);
	if (!a) {
		munmap(va, (size_t)n << PAGE_SHIFT);
		goto fail;
	}
	free(pages);
	return va;
fail:
	dmasim__log(p, DMASIM_LOG_WARN, "%s: allocation failure: %lu bytes", call, size);
	for (unsigned int i = 0; i < got; i++)
		dmasim__free_pages(pages[i], 0);
	free(pages);
	return NULL;
}

void *vmalloc(unsigned long size)
{
	return vmalloc_gfp("vmalloc", size, GFP_KERNEL | __GFP_HIGHMEM);
}

void *vzalloc(unsigned long size)
{
	return vmalloc_gfp("vzalloc", size, GFP_KERNEL | __GFP_HIGHMEM | __GFP_ZERO);
}

/* Take the area of @kind that starts at @addr out of the tree, or report why not. */
static struct dmasim_alias *alias_take(struct dmasim_platform *p, const void *addr,
				       enum dmasim_alias_kind kind, const char *call,
				       const char *what)
{
	struct dmasim_alias *a;
	void *start = NULL;

	pthread_mutex_lock(&p->mm_lock);
	a = alias_find_locked(p, addr);
	if (a && a->kind == kind && a->va != addr)
		start = a->va;
	if (a && a->kind == kind && a->va == addr)
		RB_REMOVE(dmasim_alias_tree, &p->aliases, a);
	else
		a = NULL;
	pthread_mutex_unlock(&p->mm_lock);
	if (a)
		return a;
	if (start)
		dmasim__report(p, "%s: %p is inside the %s area at %p, not its start", call, addr,
			       what, start);
	else
		dmasim__report(p, "%s: %p is not a %s address", call, addr, what);
	return NULL;
}

/* vfree()/vunmap(): NULL is a no-op; anything but the start of a live @kind area is reported. */
static void alias_unmap_call(const void *addr, enum dmasim_alias_kind kind, const char *call,
			     const char *what)
{
	struct dmasim_platform *p;
	struct dmasim_alias *a;

	if (!addr)
		return;
	p = dmasim__current(call);
	if (!p)
		return;
	a = alias_take(p, addr, kind, call, what);
	if (a)
		alias_release(p, a);
}

void vfree(const void *addr)
{
	alias_unmap_call(addr, ALIAS_VMALLOC, "vfree", "vmalloc()");
}

void *vmap(struct page **pages, unsigned int count, unsigned long flags, int prot)
{
	struct dmasim_platform *p;
	unsigned char *va;

	if (!pages || !count || !pages[0])
		return NULL;
	p = dmasim__page_platform(pages[0]);
	if (count > p->ram_total >> PAGE_SHIFT) {
		dmasim__report(p, "vmap: %u pages is more than RAM holds", count);
		return NULL;
	}
	for (unsigned int i = 0; i < count; i++) {
		if (!pages[i] || dmasim__page_platform(pages[i]) != p) {
			dmasim__report(p, "vmap: pages[%u] is %s", i,
				       pages[i] ? "a page of another platform" : "NULL");
			return NULL;
		}
		if (pages[i]->flags & PG_buddy) {
			dmasim__report(p, "vmap: pages[%u] (pfn 0x%lx) is free", i,
				       page_to_pfn(pages[i]));
			return NULL;
		}
	}
	va = dmasim__map_pages(p, pages, count, NULL);
	if (!va) {
		dmasim__log(p, DMASIM_LOG_WARN, "vmap: cannot map %u pages: %s", count,
			    strerror(errno));
		return NULL;
	}
	if (!dmasim__alias_add(p, va, (size_t)count << PAGE_SHIFT, ALIAS_VMAP, pages, count)) {
		munmap(va, (size_t)count << PAGE_SHIFT);
		return NULL;
	}
	return va;
}

void vunmap(const void *addr)
{
	alias_unmap_call(addr, ALIAS_VMAP, "vunmap", "vmap()");
}

bool is_vmalloc_addr(const void *addr)
{
	struct dmasim_platform *p = dmasim_platform_current();
	struct dmasim_alias *a;
	bool ret;

	if (!p || !addr)
		return false;
	pthread_mutex_lock(&p->mm_lock);
	a = alias_find_locked(p, addr);
	ret = a && (a->kind == ALIAS_VMALLOC || a->kind == ALIAS_VMAP);
	pthread_mutex_unlock(&p->mm_lock);
	return ret;
}

struct page *vmalloc_to_page(const void *addr)
{
	struct dmasim_platform *p;
	struct dmasim_alias *a;
	struct page *page = NULL;
	char why[320];

	if (!addr)
		return NULL;
	p = dmasim__current("vmalloc_to_page");
	if (!p)
		return NULL;
	pthread_mutex_lock(&p->mm_lock);
	a = alias_find_locked(p, addr);
	/* dma_mmap_*() areas are user mappings: the kernel would not walk them either. */
	if (a && a->kind != ALIAS_MMAP)
		page = a->pages[((uintptr_t)addr - (uintptr_t)a->va) >> PAGE_SHIFT];
	pthread_mutex_unlock(&p->mm_lock);
	if (!page) {
		dmasim__explain_addr(p, addr, why, sizeof(why));
		dmasim__report(p, "vmalloc_to_page: not a vmalloc/vmap/kmap address: %s", why);
	}
	return page;
}

unsigned long vmalloc_to_pfn(const void *addr)
{
	struct page *page = vmalloc_to_page(addr);

	return page ? page_to_pfn(page) : 0;
}

/* ---- kmap ------------------------------------------------------------------- */

/*
 * The kmap area of a high-memory page.  A scan: kmaps are few and short-lived,
 * and page->priv may belong to whoever allocated the page.
 */
static struct dmasim_alias *kmap_find_locked(struct dmasim_platform *p, const struct page *page)
{
	struct dmasim_alias *a;

	RB_FOREACH(a, dmasim_alias_tree, &p->aliases)
		if (a->kind == ALIAS_KMAP && a->pages[0] == page)
			return a;
	return NULL;
}

static void *kmap_high(struct page *page)
{
	struct dmasim_platform *p = dmasim__page_platform(page);
	struct dmasim_alias *a, *fresh;
	unsigned char *va;

	pthread_mutex_lock(&p->mm_lock);
	a = kmap_find_locked(p, page);
	if (a) {
		a->kmaps++;
		va = a->va;
		pthread_mutex_unlock(&p->mm_lock);
		return va;
	}
	pthread_mutex_unlock(&p->mm_lock);

	/* Map outside the lock; if another thread mapped the page meanwhile, use its area. */
	va = dmasim__map_pages(p, &page, 1, NULL);
	fresh = va ? alias_new(va, PAGE_SIZE, ALIAS_KMAP, &page, 1) : NULL;
	if (!fresh) {
		if (va)
			munmap(va, PAGE_SIZE);
		dmasim__log(p, DMASIM_LOG_WARN, "kmap: cannot map pfn 0x%lx", page_to_pfn(page));
		return NULL;
	}
	pthread_mutex_lock(&p->mm_lock);
	a = kmap_find_locked(p, page);
	if (!a) {
		a = fresh;
		fresh = NULL;
		RB_INSERT(dmasim_alias_tree, &p->aliases, a);
	}
	a->kmaps++;
	va = a->va;
	pthread_mutex_unlock(&p->mm_lock);
	if (fresh)
		alias_release(p, fresh);
	return va;
}

void *kmap(struct page *page)
{
	if (!page)
		return NULL;
	if (!PageHighMem(page))
		return page_address(page);
	return kmap_high(page);
}

void *kmap_local_page(struct page *page)
{
	return kmap(page);
}

/* Drop one reference on the kmap area @a; called with mm_lock, which it releases. */
static void kmap_put_unlock(struct dmasim_platform *p, struct dmasim_alias *a)
{
	if (--a->kmaps == 0)
		RB_REMOVE(dmasim_alias_tree, &p->aliases, a);
	else
		a = NULL;
	pthread_mutex_unlock(&p->mm_lock);
	if (a)
		alias_release(p, a);
}

void kunmap(struct page *page)
{
	struct dmasim_platform *p;
	struct dmasim_alias *a;

	if (!page || !PageHighMem(page))
		return; /* lowmem kmap() is the linear address: nothing to undo */
	p = dmasim__page_platform(page);
	pthread_mutex_lock(&p->mm_lock);
	a = kmap_find_locked(p, page);
	if (a) {
		kmap_put_unlock(p, a);
		return;
	}
	pthread_mutex_unlock(&p->mm_lock);
	dmasim__report(p, "kunmap: page (pfn 0x%lx) is not kmapped", page_to_pfn(page));
}

void kunmap_local(const void *addr)
{
	struct dmasim_platform *p = dmasim__current("kunmap_local");
	const unsigned char *a8 = addr;
	struct dmasim_alias *a;

	if (!p || !addr)
		return;
	if (p->linear_base && a8 >= p->linear_base && a8 < p->linear_base + p->linear_span)
		return;
	pthread_mutex_lock(&p->mm_lock);
	a = alias_find_locked(p, addr);
	if (a && a->kind == ALIAS_KMAP) {
		kmap_put_unlock(p, a);
		return;
	}
	pthread_mutex_unlock(&p->mm_lock);
	dmasim__report(p, "kunmap_local: %p is not a kmap_local_page() address", addr);
}

/* The CPU's bytes of @page at @offset, or NULL (reported) if [offset, +len) leaves the page. */
static unsigned char *page_bytes(const char *call, struct page *page, size_t offset, size_t len)
{
	struct dmasim_platform *p;
	unsigned char *lin;

	if (!page) {
		p = dmasim__current(call);
		if (p)
			dmasim__report(p, "%s: NULL page", call);
		return NULL;
	}
	p = dmasim__page_platform(page);
	if (offset > PAGE_SIZE || len > PAGE_SIZE - offset) {
		dmasim__report(p, "%s: offset %zu + length %zu goes beyond the page (pfn 0x%lx)",
			       call, offset, len, page_to_pfn(page));
		return NULL;
	}
	/* Every CPU alias shares the CPU view's page, so a high page's bytes are there. */
	lin = page_address(page);
	return (lin ? lin : dmasim__cpu_ptr(p, page_to_phys(page))) + offset;
}

void memcpy_from_page(char *to, struct page *page, size_t offset, size_t len)
{
	unsigned char *from = page_bytes("memcpy_from_page", page, offset, len);

	if (from && len)
		memcpy(to, from, len);
}

void memcpy_to_page(struct page *page, size_t offset, const char *from, size_t len)
{
	unsigned char *to = page_bytes("memcpy_to_page", page, offset, len);

	if (to && len)
		memcpy(to, from, len);
}

/* ---- pinned user pages ---------------------------------------------------------- */

/*
 * Whether [s, e) touches something dmasim already maps (caller holds
 * mm_lock); if so, say what in @why.
 */
static bool range_owned_locked(struct dmasim_platform *p, uintptr_t s, uintptr_t e, char *why,
			       size_t len)
{
	static const char *const what[] = {
		[ALIAS_VMALLOC] = "a vmalloc() area", [ALIAS_VMAP] = "a vmap() alias",
		[ALIAS_KMAP] = "a kmap() of a high-memory page", [ALIAS_PIN] = "a range pinned",
		[ALIAS_MMAP] = "a dma_mmap_*() user mapping",
	};
	uintptr_t lin = (uintptr_t)p->linear_base, ram = (uintptr_t)p->ram_view,
		  cpu = (uintptr_t)p->cpu_view;
	struct dmasim_alias *a;

	if (lin && s < lin + p->linear_span && lin < e) {
		snprintf(why, len, "it is in the linear map (kmalloc or page allocator memory), "
			 "already simulated RAM");
		return true;
	}
	if ((ram && s < ram + p->ram_total && ram < e) ||
	    (cpu && s < cpu + p->ram_total && cpu < e)) {
		snprintf(why, len, "it is in dmasim's RAM view, already simulated RAM");
		return true;
	}
	a = alias_overlap_locked(p, (const void *)s, e - s);
	if (a)
		snprintf(why, len, "it overlaps %s at %p (%zu bytes), already simulated RAM",
			 what[a->kind], (void *)a->va, a->size);
	return a != NULL;
}

/* This thread's stack bounds, when the C library knows them credibly. */
static bool thread_stack(uintptr_t *lo, uintptr_t *hi)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;
	uintptr_t here = (uintptr_t)&attr;
	bool ok;

	if (pthread_getattr_np(pthread_self(), &attr))
		return false;
	ok = !pthread_attr_getstack(&attr, &addr, &size);
	pthread_attr_destroy(&attr);
	/* Under some tools (valgrind) the answer describes another stack: distrust it. */
	if (!ok || here < (uintptr_t)addr || here - (uintptr_t)addr >= size)
		return false;
	*lo = (uintptr_t)addr;
	*hi = (uintptr_t)addr + size;
	return true;
}

/*
 * Whether the host has ordinary private read-write memory at [s, e), from
 * /proc/self/maps.  Return: 0, -EINVAL (stack or shared mapping), -EEXIST
 * (another platform's RAM) or -EFAULT (unmapped or not writable), with
 * @why filled.
 */
static int host_range_check(uintptr_t s, uintptr_t e, char *why, size_t len)
{
	uintptr_t slo = 0, shi = 0, here = (uintptr_t)&slo, next = s;
	bool exact = thread_stack(&slo, &shi);
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	if (exact && s < shi && slo < e) {
		snprintf(why, len, "it is on this thread's stack");
		return -EINVAL;
	}
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return 0; /* no procfs: trust the caller */
	while (!ret && next < e && getline(&line, &cap, f) > 0) {
		unsigned long lo, hi;
		char perms[8] = "", path[256] = "";

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255[^\n]", &lo, &hi, perms, path) < 3)
			continue;
		if (hi <= next)
			continue;
		if (lo > next)
			break; /* a hole */
		if (!strcmp(path, "[stack]") || !strncmp(path, "[stack:", 7) ||
		    (!exact && here >= lo && here < hi && next < here + STACK_GUESS &&
		     here - STACK_GUESS < e)) {
			snprintf(why, len, "it is on the stack");
			ret = -EINVAL;
		} else if (strstr(path, "dmasim-ram")) {
			snprintf(why, len, "it is the simulated RAM of another platform");
			ret = -EEXIST;
		} else if (perms[3] == 's') {
			snprintf(why, len, "it is a shared mapping (%s), which would stop reaching "
				 "its other users", path[0] ? path : "anonymous");
			ret = -EINVAL;
		} else if (perms[0] != 'r' || perms[1] != 'w') {
			snprintf(why, len, "0x%lx is not read-write host memory (%s)",
				 (unsigned long)next, perms);
			ret = -EFAULT;
		}
		next = hi;
	}
	free(line);
	fclose(f);
	if (!ret && next < e) {
		snprintf(why, len, "0x%lx is not mapped", (unsigned long)next);
		ret = -EFAULT;
	}
	return ret;
}

long pin_user_pages_fast(unsigned long start, int nr_pages, unsigned int gup_flags,
			 struct page **pages)
{
	struct dmasim_platform *p = dmasim__current("pin_user_pages_fast");
	uintptr_t s = start & PAGE_MASK, e;
	struct dmasim_alias *a;
	unsigned int n, got;
	char why[256];
	int ret;

	if (!p)
		return -ENODEV;
	if (nr_pages <= 0 || !pages) {
		dmasim__report(p, "pin_user_pages_fast: %s", pages ? "nr_pages must be positive" :
			       "NULL pages array");
		return -EINVAL;
	}
	n = (unsigned int)nr_pages;
	e = s + ((uintptr_t)n << PAGE_SHIFT);
	if (e <= s || n > p->ram_total >> PAGE_SHIFT) {
		dmasim__report(p, "pin_user_pages_fast: %d pages from 0x%lx do not fit", nr_pages,
			       start);
		return e <= s ? -EINVAL : -ENOMEM;
	}
	pthread_mutex_lock(&p->mm_lock);
	ret = range_owned_locked(p, s, e, why, sizeof(why)) ? -EEXIST : 0;
	pthread_mutex_unlock(&p->mm_lock);
	if (!ret)
		ret = host_range_check(s, e, why, sizeof(why));
	if (ret) {
		dmasim__report(p, "pin_user_pages_fast: cannot pin 0x%lx-0x%lx: %s",
			       (unsigned long)s, (unsigned long)e - 1, why);
		return ret;
	}

	a = alias_new((unsigned char *)s, e - s, ALIAS_PIN, NULL, n);
	if (!a)
		return -ENOMEM;
	/* Lowmem, so dma_map_page() of a pinned page needs no bounce on a default platform. */
	for (got = 0; got < n; got++) {
		a->pages[got] = dmasim__alloc_pages_below(p, GFP_KERNEL, 0, ~0ULL);
		if (!a->pages[got])
			break;
	}
	a->nr_pages = got;
	if (got < n) {
		dmasim__log(p, DMASIM_LOG_WARN, "pin_user_pages_fast: no RAM for %u pages", n);
		ret = -ENOMEM;
		goto out_free;
	}

	pthread_mutex_lock(&p->mm_lock);
	/* Another thread may have pinned an overlapping range since the first check. */
	if (range_owned_locked(p, s, e, why, sizeof(why))) {
		pthread_mutex_unlock(&p->mm_lock);
		dmasim__report(p, "pin_user_pages_fast: cannot pin 0x%lx-0x%lx: %s (since the "
			       "first check)", (unsigned long)s, (unsigned long)e - 1, why);
		ret = -EEXIST;
		goto out_free;
	}
	/*
	 * Move the bytes, then swap the mappings.  Not atomic against other
	 * threads writing these pages (say, other malloc blocks sharing them)
	 * between the copy and the mmap: the kernel has no such window.
	 */
	for (unsigned int i = 0; i < n; i++)
		host_read(dmasim__cpu_ptr(p, page_to_phys(a->pages[i])),
			  (const void *)(s + ((uintptr_t)i << PAGE_SHIFT)), PAGE_SIZE);
	if (!dmasim__map_pages(p, a->pages, n, (void *)s)) {
		int err = errno;

		/* Part of the range may already be simulated pages: put it all back. */
		if (restore_host(p, a)) {
			pthread_mutex_unlock(&p->mm_lock);
			alias_free(a); /* the pages stay mapped at @s, so they must never be freed */
			return -ENOMEM;
		}
		pthread_mutex_unlock(&p->mm_lock);
		dmasim__log(p, DMASIM_LOG_WARN, "pin_user_pages_fast: cannot map 0x%lx-0x%lx: %s",
			    (unsigned long)s, (unsigned long)e - 1, strerror(err));
		ret = -ENOMEM;
		goto out_free;
	}
	for (unsigned int i = 0; i < n; i++) {
		/* One reference for the area, one for the pin that unpin drops. */
		__atomic_store_n(&a->pages[i]->refcount, 2, __ATOMIC_SEQ_CST);
		a->pages[i]->flags |= PG_pinned;
		a->pages[i]->priv = a;
	}
	a->pins = n;
	RB_INSERT(dmasim_alias_tree, &p->aliases, a);
	pthread_mutex_unlock(&p->mm_lock);
	memcpy(pages, a->pages, n * sizeof(*pages));
	return nr_pages;
out_free:
	free_area_pages(a);
	alias_free(a);
	return ret;
}

void unpin_user_pages(struct page **pages, unsigned long npages)
{
	for (unsigned long i = 0; pages && i < npages; i++) {
		struct page *page = pages[i];
		struct dmasim_platform *p;
		struct dmasim_alias *a = NULL;

		if (!page) {
			p = dmasim__current("unpin_user_pages");
			if (p)
				dmasim__report(p, "unpin_user_pages: pages[%lu] is NULL", i);
			continue;
		}
		p = dmasim__page_platform(page);
		pthread_mutex_lock(&p->mm_lock);
		/* refcount 1 left: this page's pin was already dropped, the area lives on. */
		if ((page->flags & PG_pinned) && page->priv &&
		    __atomic_load_n(&page->refcount, __ATOMIC_SEQ_CST) >= 2) {
			a = page->priv;
			__atomic_fetch_sub(&page->refcount, 1, __ATOMIC_SEQ_CST);
			if (--a->pins == 0)
				RB_REMOVE(dmasim_alias_tree, &p->aliases, a);
			else
				a = NULL;
			pthread_mutex_unlock(&p->mm_lock);
			if (a)
				alias_release(p, a);
			continue;
		}
		pthread_mutex_unlock(&p->mm_lock);
		dmasim__report(p, "unpin_user_pages: page (pfn 0x%lx) is not pinned",
			       page_to_pfn(page));
	}
}

void unpin_user_page(struct page *page)
{
	unpin_user_pages(&page, 1);
}
