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
#include <ucontext.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif

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

/* This thread's stack bounds, when the C library knows them credibly. */
static bool thread_stack(uintptr_t *lo, uintptr_t *hi);

/* Whether [s, e) may hold this thread's own stack (exactly, or near where it runs). */
static bool on_own_stack(uintptr_t s, uintptr_t e)
{
	uintptr_t lo, hi, here = (uintptr_t)&lo;

	if (thread_stack(&lo, &hi))
		return s < hi && lo < e;
	return s < here + STACK_GUESS && here - STACK_GUESS < e;
}

/*
 * Run @fn(@arg) on a stack of its own.  Moving a range of the running
 * thread's own stack (copy its bytes, then replace the mapping under it)
 * must not race with the thread's own writes to it: on another stack, the
 * old one stays still from the copy to the switch of mappings, and every
 * write after the switch lands in the new pages.  @arg must not live on the
 * stack being moved.  Return: 0, or -ENOMEM (then @fn did not run).
 */
struct off_stack {
	void (*fn)(void *);
	void *arg;
	ucontext_t caller, callee;
};

static _Thread_local struct off_stack *off_stack_now;

static void off_stack_entry(void)
{
	struct off_stack *o = off_stack_now;

	o->fn(o->arg);
}

#define OFF_STACK_SIZE (256UL << 10)

static int run_off_stack(void (*fn)(void *), void *arg)
{
	struct off_stack *o = calloc(1, sizeof(*o));
	unsigned char *stk;
#ifdef RUNNING_ON_VALGRIND
	unsigned int vg_id;
#endif

	if (!o)
		return -ENOMEM;
	stk = mmap(NULL, OFF_STACK_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (stk == MAP_FAILED || getcontext(&o->callee)) {
		if (stk != MAP_FAILED)
			munmap(stk, OFF_STACK_SIZE);
		free(o);
		return -ENOMEM;
	}
#ifdef RUNNING_ON_VALGRIND
	vg_id = VALGRIND_STACK_REGISTER(stk, stk + OFF_STACK_SIZE);
#endif
	o->fn = fn;
	o->arg = arg;
	o->callee.uc_stack.ss_sp = stk;
	o->callee.uc_stack.ss_size = OFF_STACK_SIZE;
	o->callee.uc_link = &o->caller;
	makecontext(&o->callee, off_stack_entry, 0);
	off_stack_now = o;
	swapcontext(&o->caller, &o->callee);
	off_stack_now = NULL;
#ifdef RUNNING_ON_VALGRIND
	VALGRIND_STACK_DEREGISTER(vg_id);
#endif
#if defined(__SANITIZE_ADDRESS__)
	/* The frames that ran there left their redzones in the shadow. */
	__asan_unpoison_memory_region(stk, OFF_STACK_SIZE);
#endif
	munmap(stk, OFF_STACK_SIZE);
	free(o);
	return 0;
}

/*
 * Give a pinned range back to ordinary private memory holding the pages'
 * bytes.  The copy is staged aside and moved in with one mremap(), so the
 * program never sees the range unmapped or zeroed; if there is no room for a
 * staging copy, the range is replaced in place and refilled from the pages
 * (which still hold every byte through the RAM view).
 */
static int restore_host_here(struct dmasim_platform *p, const struct dmasim_alias *a)
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

struct restore_call {
	struct dmasim_platform *p;
	const struct dmasim_alias *a;
	int ret;
};

static void restore_call_fn(void *arg)
{
	struct restore_call *c = arg;

	c->ret = restore_host_here(c->p, c->a);
}

/* restore_host_here(), off this thread's stack when the range is part of it. */
static int restore_host(struct dmasim_platform *p, const struct dmasim_alias *a)
{
	struct restore_call *c;
	int ret;

	if (!on_own_stack((uintptr_t)a->va, (uintptr_t)a->va + a->size))
		return restore_host_here(p, a);
	c = malloc(sizeof(*c)); /* not on the stack being moved */
	if (!c)
		return -ENOMEM;
	*c = (struct restore_call){ p, a, -ENOMEM };
	ret = run_off_stack(restore_call_fn, c) ? -ENOMEM : c->ret;
	free(c);
	return ret;
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
	/* ASan's shadow outlives the mapping: whatever is mapped here next starts clean. */
	if (a->kind != ALIAS_PIN)
		dmasim__mem_unpoison(a->va, a->size);
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
	/* Past @size is the area's redzone, as KASAN's vmalloc poisoning. */
	dmasim__mem_poison(p, va + size, ((size_t)n << PAGE_SHIFT) - size);
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
	if (!a)
		return;
	/* vfree(): are its pages still mapped for DMA? (DMA-API debugging looks; the free goes on.) */
	if (kind == ALIAS_VMALLOC)
		for (unsigned int i = 0; i < a->nr_pages; i++)
			if (dmasim__check_freed(p, call, a->va + ((size_t)i << PAGE_SHIFT),
						page_to_phys(a->pages[i]), PAGE_SIZE))
				break; /* one report per free */
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
 * /proc/self/maps.  Return: 0, -EINVAL (another thread's stack or a shared
 * mapping), -EEXIST
 * (another platform's RAM) or -EFAULT (unmapped or not writable), with
 * @why filled.
 */
static int host_range_check(uintptr_t s, uintptr_t e, char *why, size_t len)
{
	uintptr_t next = s;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	/* This thread's own stack may be pinned (the move runs off it); another's not. */
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
		if ((!strcmp(path, "[stack]") || !strncmp(path, "[stack:", 7)) &&
		    !on_own_stack(next, hi < e ? hi : e)) {
			snprintf(why, len, "it is the stack of another thread, which may be running");
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

/*
 * References on the pages of pin areas.  page->refcount is 1 for the area
 * plus one per pin or get_user_pages() reference (the kernel counts pins
 * with a bias; one count serves here); a->pins is how many of the area's
 * pages hold at least one.  When the last goes, the area's bytes move back
 * into host memory.  Caller holds mm_lock.
 */
static void user_ref_get_locked(struct dmasim_alias *a, struct page *page)
{
	if (__atomic_fetch_add(&page->refcount, 1, __ATOMIC_SEQ_CST) == 1)
		a->pins++;
}

/* Return: the area to release (out of the tree), or NULL. */
static struct dmasim_alias *user_ref_put_locked(struct dmasim_platform *p, struct dmasim_alias *a,
						struct page *page)
{
	if (__atomic_fetch_sub(&page->refcount, 1, __ATOMIC_SEQ_CST) != 2 || --a->pins)
		return NULL;
	RB_REMOVE(dmasim_alias_tree, &p->aliases, a);
	return a;
}

/* A small seeded generator for the order of scattered pages (xorshift64*). */
static u64 scatter_next(u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static int cmp_page_phys(const void *x, const void *y)
{
	phys_addr_t a = page_to_phys(*(struct page *const *)x), b = page_to_phys(*(struct page *const *)y);

	return a < b ? -1 : a > b;
}

/*
 * @n order-0 pages for a user range, as user memory gets them
 * (GFP_HIGHUSER).  Scattered (the default): no two of them physically
 * adjacent and in a seeded random order, as a real process's pages are
 * after some uptime, so a driver's scatter-gather code sees one segment per
 * page.  user_pages=contiguous: ascending physical order from as few blocks
 * as possible.  Return: 0, or -ENOMEM with nothing allocated.
 */
static int user_pages_alloc(struct dmasim_platform *p, struct page **pages, unsigned int n)
{
	unsigned int got = 0;

	if (p->user_pages_contiguous) {
		while (got < n) {
			unsigned int order = 0;
			struct page *blk;

			while (order < DMASIM_MAX_ORDER && (1U << (order + 1)) <= n - got)
				order++;
			while (!(blk = dmasim__alloc_pages_below(p, GFP_HIGHUSER, order, ~0ULL)) && order)
				order--;
			if (!blk)
				goto fail;
			dmasim__split_block(blk, order);
			for (unsigned int i = 0; i < (1U << order); i++)
				pages[got++] = blk + i;
		}
		return 0;
	}
	{
		/* Twice as many, then every other one by address; the rest go back. */
		unsigned int m = n <= UINT_MAX / 2 ? 2 * n : n, have = 0, keep = 0;
		struct page **all = calloc(m, sizeof(*all)), *last = NULL;
		u64 seed = p->seed * 0x9e3779b97f4a7c15ULL + (u64)atomic_fetch_add(&p->scatter_seq, 1) + 1;

		if (!all)
			return -ENOMEM;
		while (have < m && (all[have] = dmasim__alloc_pages_below(p, GFP_HIGHUSER, 0, ~0ULL)))
			have++;
		if (have < n) {
			for (unsigned int i = 0; i < have; i++)
				dmasim__free_pages(all[i], 0);
			free(all);
			return -ENOMEM;
		}
		qsort(all, have, sizeof(*all), cmp_page_phys);
		for (unsigned int pass = 0; pass < 2 && keep < n; pass++)
			for (unsigned int i = 0; i < have && keep < n; i++) {
				if (!all[i])
					continue;
				/* First pass: skip a neighbour of the page kept before. */
				if (!pass && last && page_to_phys(all[i]) == page_to_phys(last) + PAGE_SIZE)
					continue;
				last = all[i];
				pages[keep++] = all[i];
				all[i] = NULL;
			}
		for (unsigned int i = 0; i < have; i++)
			if (all[i])
				dmasim__free_pages(all[i], 0);
		free(all);
		for (unsigned int i = n; i > 1; i--) {
			unsigned int j = (unsigned int)(scatter_next(&seed) % i);
			struct page *t = pages[i - 1];

			pages[i - 1] = pages[j];
			pages[j] = t;
		}
		return 0;
	}
fail:
	for (unsigned int i = 0; i < got; i++)
		dmasim__free_pages(pages[i], 0);
	return -ENOMEM;
}

struct move_call {
	struct dmasim_platform *p;
	struct dmasim_alias *a;
	bool ok;
	int err;
};

static void move_in_here(void *arg)
{
	struct move_call *c = arg;
	struct dmasim_alias *a = c->a;
	uintptr_t s = (uintptr_t)a->va;

	for (unsigned int i = 0; i < a->nr_pages; i++)
		host_read(dmasim__cpu_ptr(c->p, page_to_phys(a->pages[i])),
			  (const void *)(s + ((uintptr_t)i << PAGE_SHIFT)), PAGE_SIZE);
	c->ok = dmasim__map_pages(c->p, a->pages, a->nr_pages, a->va) != NULL;
	c->err = errno;
}

/*
 * Move the bytes of @a's host range into its pages and map them there
 * instead; off this thread's stack when the range is part of it.  Return:
 * whether it worked (errno set if not).
 */
static bool move_in(struct dmasim_platform *p, struct dmasim_alias *a)
{
	struct move_call *c;
	bool ok;

	if (!on_own_stack((uintptr_t)a->va, (uintptr_t)a->va + a->size)) {
		struct move_call here = { p, a, false, 0 };

		move_in_here(&here);
		errno = here.err;
		return here.ok;
	}
	c = malloc(sizeof(*c)); /* not on the stack being moved */
	if (!c) {
		errno = ENOMEM;
		return false;
	}
	*c = (struct move_call){ p, a, false, ENOMEM };
	if (run_off_stack(move_in_here, c))
		c->ok = false;
	ok = c->ok;
	errno = c->err;
	free(c);
	return ok;
}

/*
 * Make [s, e), host memory no area covers, a pin area with no references
 * yet: its bytes move into fresh simulated pages mapped back at the same
 * addresses.  Return: 0, or -errno after one message naming @call.
 */
static int pin_new_area(struct dmasim_platform *p, const char *call, uintptr_t s, uintptr_t e,
			struct dmasim_alias **out)
{
	unsigned int n = (unsigned int)((e - s) >> PAGE_SHIFT);
	struct dmasim_alias *a;
	char why[256];
	int ret;

	pthread_mutex_lock(&p->mm_lock);
	ret = range_owned_locked(p, s, e, why, sizeof(why)) ? -EEXIST : 0;
	pthread_mutex_unlock(&p->mm_lock);
	if (!ret)
		ret = host_range_check(s, e, why, sizeof(why));
	if (ret) {
		dmasim__report(p, "%s: cannot pin 0x%lx-0x%lx: %s", call, (unsigned long)s,
			       (unsigned long)e - 1, why);
		return ret;
	}
	a = alias_new((unsigned char *)s, e - s, ALIAS_PIN, NULL, n);
	if (!a)
		return -ENOMEM;
	if (user_pages_alloc(p, a->pages, n)) {
		dmasim__log(p, DMASIM_LOG_WARN, "%s: no RAM for %u pages", call, n);
		alias_free(a);
		return -ENOMEM;
	}
	pthread_mutex_lock(&p->mm_lock);
	/* Another thread may have pinned an overlapping range since the first check. */
	if (range_owned_locked(p, s, e, why, sizeof(why))) {
		pthread_mutex_unlock(&p->mm_lock);
		free_area_pages(a);
		alias_free(a);
		return -EAGAIN;
	}
	/*
	 * Move the bytes, then swap the mappings.  Not atomic against other
	 * threads writing these pages (say, other malloc blocks sharing them)
	 * between the copy and the mmap: the kernel has no such window.
	 */
	if (!move_in(p, a)) {
		int err = errno;

		/* Part of the range may already be simulated pages: put it all back. */
		if (restore_host(p, a)) {
			pthread_mutex_unlock(&p->mm_lock);
			alias_free(a); /* the pages stay mapped at @s, so they must never be freed */
			return -ENOMEM;
		}
		pthread_mutex_unlock(&p->mm_lock);
		dmasim__log(p, DMASIM_LOG_WARN, "%s: cannot map 0x%lx-0x%lx: %s", call,
			    (unsigned long)s, (unsigned long)e - 1, strerror(err));
		free_area_pages(a);
		alias_free(a);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++) {
		__atomic_store_n(&a->pages[i]->refcount, 1, __ATOMIC_SEQ_CST); /* the area's */
		a->pages[i]->flags |= PG_pinned;
		a->pages[i]->priv = a;
	}
	a->pins = 0;
	RB_INSERT(dmasim_alias_tree, &p->aliases, a);
	pthread_mutex_unlock(&p->mm_lock);
	*out = a;
	return 0;
}

/* The first run of pages of [s, e) no pin area covers: [*gs, *ge).  Return: whether any. */
static bool first_gap_locked(struct dmasim_platform *p, uintptr_t s, uintptr_t e, uintptr_t *gs,
			     uintptr_t *ge)
{
	uintptr_t va = s;

	for (; va < e; va += PAGE_SIZE) {
		struct dmasim_alias *a = alias_find_locked(p, (void *)va);

		if (a && a->kind == ALIAS_PIN) {
			va = (uintptr_t)a->va + a->size - PAGE_SIZE; /* skip the area */
			continue;
		}
		break;
	}
	if (va >= e)
		return false;
	*gs = va;
	for (; va < e; va += PAGE_SIZE) {
		struct dmasim_alias *a = alias_find_locked(p, (void *)va);

		if (a && a->kind == ALIAS_PIN)
			break;
	}
	*ge = va;
	return true;
}

/* Drop @n references taken on @pages. */
static void user_refs_drop(struct dmasim_platform *p, struct page **pages, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		struct dmasim_alias *a;

		pthread_mutex_lock(&p->mm_lock);
		a = user_ref_put_locked(p, pages[i]->priv, pages[i]);
		pthread_mutex_unlock(&p->mm_lock);
		if (a)
			alias_release(p, a);
	}
}

/* Release the pin areas in [s, e) nobody holds a reference on (after a failure). */
static void unreferenced_areas_drop(struct dmasim_platform *p, uintptr_t s, uintptr_t e)
{
	for (uintptr_t va = s; va < e; va += PAGE_SIZE) {
		struct dmasim_alias *a;

		pthread_mutex_lock(&p->mm_lock);
		a = alias_find_locked(p, (void *)va);
		if (a && (a->kind != ALIAS_PIN || a->pins))
			a = NULL;
		if (a)
			RB_REMOVE(dmasim_alias_tree, &p->aliases, a);
		pthread_mutex_unlock(&p->mm_lock);
		if (a)
			alias_release(p, a);
	}
}

/*
 * get_user_pages() and pin_user_pages() and their _fast forms: one
 * reference on each page of [start, start + nr_pages pages).  Pages of a
 * range pinned before are shared (pinning twice is legal, as in the
 * kernel); the rest of the range becomes new pin areas.
 */
static long gup_common(const char *call, unsigned long start, unsigned long nr_pages,
		       unsigned int gup_flags, struct page **pages)
{
	struct dmasim_platform *p = dmasim__current(call);
	uintptr_t s = start & PAGE_MASK, e;
	int ret = 0;

	(void)gup_flags; /* FOLL_WRITE: host_range_check() asks for writable memory always */
	if (!p)
		return -ENODEV;
	if (!nr_pages || !pages || nr_pages > INT_MAX) {
		dmasim__report(p, "%s: %s", call, !pages ? "NULL pages array" :
			       "nr_pages must be 1..INT_MAX");
		return -EINVAL;
	}
	e = s + ((uintptr_t)nr_pages << PAGE_SHIFT);
	if (e <= s || nr_pages > p->ram_total >> PAGE_SHIFT) {
		dmasim__report(p, "%s: %lu pages from 0x%lx do not fit", call, nr_pages, start);
		return e <= s ? -EINVAL : -ENOMEM;
	}
	for (int tries = 0; tries < 16 && !ret; tries++) {
		uintptr_t gs, ge;
		unsigned long taken = 0;
		bool gap;

		/* Pin the gaps no pin area covers yet, one by one. */
		pthread_mutex_lock(&p->mm_lock);
		gap = first_gap_locked(p, s, e, &gs, &ge);
		pthread_mutex_unlock(&p->mm_lock);
		if (gap) {
			struct dmasim_alias *a;

			ret = pin_new_area(p, call, gs, ge, &a);
			if (ret == -EAGAIN) /* raced with another pin: look again */
				ret = 0;
			else if (!ret)
				tries--; /* progress, not a retry */
			continue;
		}
		/* Every page is in a pin area: take the references. */
		pthread_mutex_lock(&p->mm_lock);
		for (uintptr_t va = s; va < e; va += PAGE_SIZE, taken++) {
			struct dmasim_alias *a = alias_find_locked(p, (void *)va);

			if (!a || a->kind != ALIAS_PIN)
				break; /* unpinned meanwhile by another thread */
			pages[taken] = a->pages[(va - (uintptr_t)a->va) >> PAGE_SHIFT];
			user_ref_get_locked(a, pages[taken]);
		}
		pthread_mutex_unlock(&p->mm_lock);
		if (taken == nr_pages)
			return (long)nr_pages;
		user_refs_drop(p, pages, taken);
	}
	/* Failed: areas made here and still unreferenced go back. */
	unreferenced_areas_drop(p, s, e);
	return ret ? ret : -EAGAIN;
}

long get_user_pages(unsigned long start, unsigned long nr_pages, unsigned int gup_flags,
		    struct page **pages)
{
	return gup_common("get_user_pages", start, nr_pages, gup_flags, pages);
}

int get_user_pages_fast(unsigned long start, int nr_pages, unsigned int gup_flags,
			struct page **pages)
{
	if (nr_pages <= 0)
		return (int)gup_common("get_user_pages_fast", start, 0, gup_flags, pages);
	return (int)gup_common("get_user_pages_fast", start, (unsigned long)nr_pages, gup_flags,
			       pages);
}

long pin_user_pages(unsigned long start, unsigned long nr_pages, unsigned int gup_flags,
		    struct page **pages)
{
	return gup_common("pin_user_pages", start, nr_pages, gup_flags, pages);
}

int pin_user_pages_fast(unsigned long start, int nr_pages, unsigned int gup_flags,
			struct page **pages)
{
	if (nr_pages <= 0)
		return (int)gup_common("pin_user_pages_fast", start, 0, gup_flags, pages);
	return (int)gup_common("pin_user_pages_fast", start, (unsigned long)nr_pages, gup_flags,
			       pages);
}

bool dmasim__user_page_ref(struct page *page, int delta, const char *call)
{
	struct dmasim_platform *p = dmasim__page_platform(page);
	struct dmasim_alias *a = NULL;
	bool ok = false;

	pthread_mutex_lock(&p->mm_lock);
	if ((page->flags & PG_pinned) && page->priv) {
		a = page->priv;
		if (delta > 0) {
			user_ref_get_locked(a, page);
			a = NULL;
			ok = true;
		} else if (__atomic_load_n(&page->refcount, __ATOMIC_SEQ_CST) >= 2) {
			a = user_ref_put_locked(p, a, page);
			ok = true;
		} else {
			a = NULL;
		}
	}
	pthread_mutex_unlock(&p->mm_lock);
	if (a)
		alias_release(p, a);
	if (!ok)
		dmasim__report(p, "%s: page (pfn 0x%lx) is not pinned", call, page_to_pfn(page));
	return ok;
}

void unpin_user_pages(struct page **pages, unsigned long npages)
{
	for (unsigned long i = 0; pages && i < npages; i++) {
		struct dmasim_platform *p;

		if (!pages[i]) {
			p = dmasim__current("unpin_user_pages");
			if (p)
				dmasim__report(p, "unpin_user_pages: pages[%lu] is NULL", i);
			continue;
		}
		dmasim__user_page_ref(pages[i], -1, "unpin_user_pages");
	}
}

void unpin_user_page(struct page *page)
{
	unpin_user_pages(&page, 1);
}

int set_page_dirty_lock(struct page *page)
{
	struct dmasim_platform *p = dmasim__page_platform(page);
	bool was;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->mm_lock);
	was = page->flags & PG_dirty;
	page->flags |= PG_dirty;
	pthread_mutex_unlock(&p->mm_lock);
	return !was;
}

void unpin_user_pages_dirty_lock(struct page **pages, unsigned long npages, bool make_dirty)
{
	for (unsigned long i = 0; make_dirty && pages && i < npages; i++)
		if (pages[i])
			set_page_dirty_lock(pages[i]);
	unpin_user_pages(pages, npages);
}

bool PageDirty(const struct page *page)
{
	return page && (page->flags & PG_dirty);
}

/* ---- user copies ----------------------------------------------------------- */

/*
 * Copy between this process's memory and a "user" range through the
 * kernel (process_vm_readv/writev on ourselves), a page of the user side at
 * a time, so a fault stops the copy where the kernel's would and the rest
 * is counted as not copied.  Without those calls (seccomp), memcpy().
 */
static unsigned long user_copy(void *local, const void *user, unsigned long n, bool to_user)
{
	unsigned long done = 0;

	while (done < n) {
		uintptr_t u = (uintptr_t)user + done;
		size_t chunk = PAGE_SIZE - (u & ~PAGE_MASK);
		struct iovec l, r;
		ssize_t got;

		if (chunk > n - done)
			chunk = n - done;
		l = (struct iovec){ (unsigned char *)local + done, chunk };
		r = (struct iovec){ (void *)u, chunk };
		got = to_user ? process_vm_writev(getpid(), &l, 1, &r, 1, 0) :
				process_vm_readv(getpid(), &l, 1, &r, 1, 0);
		if (got < 0 && (errno == ENOSYS || errno == EPERM)) {
			if (to_user)
				memcpy((void *)u, l.iov_base, chunk);
			else
				memcpy(l.iov_base, (const void *)u, chunk);
			got = (ssize_t)chunk;
		}
		if (got <= 0)
			break;
		done += (unsigned long)got;
	}
	return n - done;
}

unsigned long copy_to_user(void __user *to, const void *from, unsigned long n)
{
	return user_copy((void *)(uintptr_t)from, to, n, true);
}

unsigned long copy_from_user(void *to, const void __user *from, unsigned long n)
{
	return user_copy(to, from, n, false);
}
