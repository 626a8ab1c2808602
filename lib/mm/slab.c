/*
 * lib/mm/slab.c - kmalloc(): DMA-safe small allocations from simulated lowmem.
 *
 * Size classes are multiples of ARCH_DMA_MINALIGN (the cache line), so every
 * object starts on a line boundary and no two objects share a line, which is
 * what makes kmalloc memory safe to hand to a non-coherent device.  Objects
 * up to half a page live in one-page slabs (a bitmap of used objects per
 * slab, libbsd <bitstring.h>); larger requests take whole pages from the
 * buddy allocator.  GFP_DMA requests use their own caches in ZONE_DMA, as the
 * kernel's kmalloc-dma caches.  Layer: memory model.
 */
#include <bitstring.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static const unsigned int class_sizes[] = { 64, 128, 192, 256, 512, 1024, 2048 };
#define NR_CLASSES ARRAY_SIZE(class_sizes)

struct dmasim_slab {
	LIST_ENTRY(dmasim_slab) link;
	struct dmasim_slab_class *cls;
	struct page *page;
	unsigned char *base;
	unsigned int inuse;
	bitstr_t *used;
};

LIST_HEAD(dmasim_slab_list, dmasim_slab);

struct dmasim_slab_class {
	unsigned int size;
	unsigned int per_slab;
	gfp_t gfp;
	struct dmasim_slab_list partial; /* slabs with a free object */
	struct dmasim_slab_list full;
};

struct dmasim_slab_cache {
	struct dmasim_slab_class cls[2][NR_CLASSES]; /* [0] normal, [1] GFP_DMA */
};

void dmasim__slab_init(struct dmasim_platform *p)
{
	struct dmasim_slab_cache *c = calloc(1, sizeof(*c));

	p->slabs = c;
	if (!c)
		return;
	dmasim__shadow_pool_create(c); /* memcheck names kmalloc objects as heap blocks */
	for (int z = 0; z < 2; z++)
		for (size_t i = 0; i < NR_CLASSES; i++) {
			struct dmasim_slab_class *k = &c->cls[z][i];

			k->size = class_sizes[i];
			k->per_slab = (unsigned int)(PAGE_SIZE / k->size);
			k->gfp = z ? GFP_DMA : GFP_KERNEL;
			LIST_INIT(&k->partial);
			LIST_INIT(&k->full);
		}
}

static void free_slab_list(struct dmasim_slab_list *l)
{
	struct dmasim_slab *s;

	while ((s = LIST_FIRST(l)) != NULL) {
		LIST_REMOVE(s, link);
		free(s->used);
		free(s);
	}
}

void dmasim__slab_destroy(struct dmasim_platform *p)
{
	struct dmasim_slab_cache *c = p->slabs;

	if (!c)
		return;
	/* The pages go away with the RAM; only host bookkeeping is freed here. */
	for (int z = 0; z < 2; z++)
		for (size_t i = 0; i < NR_CLASSES; i++) {
			free_slab_list(&c->cls[z][i].partial);
			free_slab_list(&c->cls[z][i].full);
		}
	dmasim__shadow_pool_destroy(c);
	free(c);
	p->slabs = NULL;
}

static struct dmasim_slab_class *pick_class(struct dmasim_platform *p, size_t size, gfp_t gfp)
{
	unsigned int line = p->cache ? p->cache->line : ARCH_DMA_MINALIGN;

	/* Only classes that keep every object on its own cache lines (ARCH_DMA_MINALIGN). */
	for (size_t i = 0; i < NR_CLASSES; i++)
		if (size <= class_sizes[i] && !(class_sizes[i] % line))
			return &p->slabs->cls[(gfp & __GFP_DMA) ? 1 : 0][i];
	return NULL;
}

/* Called with mm_lock held; drops it around the page allocation. */
static struct dmasim_slab *new_slab(struct dmasim_platform *p, struct dmasim_slab_class *k)
{
	struct dmasim_slab *s = calloc(1, sizeof(*s));
	struct page *page;

	if (!s)
		return NULL;
	s->used = bit_alloc((int)k->per_slab);
	pthread_mutex_unlock(&p->mm_lock);
	page = s->used ? dmasim__alloc_pages_below(p, k->gfp, 0, ~0ULL) : NULL;
	pthread_mutex_lock(&p->mm_lock);
	if (!page) {
		free(s->used);
		free(s);
		return NULL;
	}
	s->cls = k;
	s->page = page;
	s->base = page_address(page);
	/* Every object's slot is poisoned until kmalloc() hands it out. */
	dmasim__mem_poison(p, s->base, PAGE_SIZE);
	page->flags |= PG_slab;
	page->priv = s;
	LIST_INSERT_HEAD(&k->partial, s, link);
	return s;
}

static void *slab_alloc(struct dmasim_platform *p, struct dmasim_slab_class *k)
{
	struct dmasim_slab *s;
	void *obj = NULL;

	pthread_mutex_lock(&p->mm_lock);
	s = LIST_FIRST(&k->partial);
	if (!s)
		s = new_slab(p, k);
	if (s) {
		for (unsigned int i = 0; i < k->per_slab; i++) {
			if (!bit_test(s->used, i)) {
				bit_set(s->used, i);
				obj = s->base + (size_t)i * k->size;
				break;
			}
		}
		if (++s->inuse == k->per_slab) {
			LIST_REMOVE(s, link);
			LIST_INSERT_HEAD(&k->full, s, link);
		}
	}
	pthread_mutex_unlock(&p->mm_lock);
	return obj;
}

void *kmalloc(size_t size, gfp_t gfp)
{
	struct dmasim_platform *p = dmasim__current("kmalloc");
	struct dmasim_slab_class *k;
	struct page *page;
	void *obj;

	if (!p || !p->slabs)
		return NULL;
	if (!size)
		return NULL; /* the kernel returns ZERO_SIZE_PTR; NULL is the safe userspace analogue */
	if (gfp & __GFP_RECLAIM) /* may block: not in a handler, not with interrupts masked */
		dmasim_might_sleep("kmalloc(GFP_KERNEL)");
	if (gfp & __GFP_HIGHMEM) {
		dmasim__report(p, "kmalloc: __GFP_HIGHMEM is invalid for kmalloc (size %zu)", size);
		return NULL;
	}
	if (dmasim__should_fail(p, FAIL_KMALLOC, NULL, "kmalloc"))
		return NULL;
	k = pick_class(p, size, gfp);
	if (k) {
		obj = slab_alloc(p, k);
		/* The slot's slack past @size stays poisoned: the object's redzone. */
		if (obj)
			dmasim__shadow_obj_alloc(p->slabs, obj, size);
		if (obj && (gfp & __GFP_ZERO))
			memset(obj, 0, size);
	} else {
		if (size > (PAGE_SIZE << DMASIM_MAX_PAGE_ORDER)) {
			if (!(gfp & __GFP_NOWARN))
				dmasim__report(p, "kmalloc: %zu bytes is more than kmalloc can give (%lu)",
					       size, PAGE_SIZE << DMASIM_MAX_PAGE_ORDER);
			return NULL;
		}
		page = dmasim__alloc_pages_below(p, gfp, (unsigned int)get_order(size), ~0ULL);
		obj = page ? page_address(page) : NULL;
		if (page) {
			/* Under mm_lock: arena_free() reads neighbours' flags while merging. */
			pthread_mutex_lock(&p->mm_lock);
			page->flags |= PG_large;
			page->large_size = size;
			pthread_mutex_unlock(&p->mm_lock);
			dmasim__mem_poison(p, obj, PAGE_SIZE << page->order);
			dmasim__shadow_obj_alloc(p->slabs, obj, size);
		}
	}
	if (!obj && !(gfp & __GFP_NOWARN)) {
		char why[256];

		if (dmasim__alloc_explain(p, gfp,
					  size > PAGE_SIZE / 2 ? (unsigned int)get_order(size) : 0,
					  ~0ULL, why, sizeof(why)))
			dmasim__log(p, DMASIM_LOG_WARN, "kmalloc: no memory for %zu bytes (gfp 0x%x): %s",
				    size, gfp, why);
		else
			dmasim__log(p, DMASIM_LOG_WARN,
				    "kmalloc: out of memory for %zu bytes (gfp 0x%x): %s", size, gfp, why);
	}
	return obj;
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp | __GFP_ZERO);
}

void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kmalloc(n * size, gfp);
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return kmalloc_array(n, size, gfp | __GFP_ZERO);
}

/* Find the page and check @ptr is the start of a live kmalloc block. */
static struct page *kmalloc_page(struct dmasim_platform *p, const void *ptr, const char *call)
{
	phys_addr_t phys;
	struct page *page;
	char why[320];

	if (!virt_addr_valid(ptr) || dmasim__cpu_to_phys(p, ptr, &phys)) {
		dmasim__explain_addr(p, ptr, why, sizeof(why));
		dmasim__report(p, "%s: %s", call, why);
		return NULL;
	}
	page = dmasim__phys_to_page(p, phys);
	if (page->flags & PG_slab)
		return page;
	if ((page->flags & (PG_large | PG_head)) == (PG_large | PG_head) && !offset_in_page(ptr))
		return page;
	dmasim__report(p, "%s: %p (phys 0x%llx) is not a kmalloc() block%s", call, ptr,
		       (unsigned long long)phys,
		       (page->flags & PG_buddy) ? " (it is free: double free?)" : "");
	return NULL;
}

void kfree(const void *ptr)
{
	struct dmasim_platform *p;
	struct page *page;

	if (!ptr)
		return;
	p = dmasim__current("kfree");
	if (!p)
		return;
	page = kmalloc_page(p, ptr, "kfree");
	if (!page)
		return;
	if (p->check_freed) {
		phys_addr_t phys = 0;
		size_t size = 0;

		pthread_mutex_lock(&p->mm_lock);
		if (page->flags & PG_large)
			size = page->large_size;
		else if ((page->flags & PG_slab) && page->priv)
			size = ((struct dmasim_slab *)page->priv)->cls->size;
		pthread_mutex_unlock(&p->mm_lock);
		/* Still mapped for DMA? (DMA-API debugging looks; the free goes on.) */
		if (size && !dmasim__linear_to_phys(p, ptr, &phys))
			dmasim__check_freed(p, "kfree", ptr, phys, size);
	}
	if (page->flags & PG_large) {
		dmasim__shadow_obj_free(p->slabs, ptr, PAGE_SIZE << page->order);
		dmasim__free_pages(page, page->order);
		return;
	}
	pthread_mutex_lock(&p->mm_lock);
	{
		struct dmasim_slab *s = page->priv;
		struct dmasim_slab_class *k;
		size_t off;
		unsigned int idx;

		/* A racing kfree may have emptied and released the slab since the check. */
		if (!(page->flags & PG_slab) || !s) {
			pthread_mutex_unlock(&p->mm_lock);
			dmasim__report(p, "kfree: %p is not a kmalloc() block (already free: double free?)",
				       ptr);
			return;
		}
		k = s->cls;
		off = (size_t)((const unsigned char *)ptr - s->base);
		idx = (unsigned int)(off / k->size);
		if (off % k->size || !bit_test(s->used, idx)) {
			pthread_mutex_unlock(&p->mm_lock);
			dmasim__report(p, "kfree: %p is %s of kmalloc-%u", ptr,
				       off % k->size ? "inside an object" : "already free (double free)",
				       k->size);
			return;
		}
		bit_clear(s->used, idx);
		dmasim__shadow_obj_free(p->slabs, ptr, k->size);
		if (s->inuse-- == k->per_slab) {
			LIST_REMOVE(s, link);
			LIST_INSERT_HEAD(&k->partial, s, link);
		}
		if (!s->inuse) {
			/* Give empty slabs back so page accounting stays exact. */
			LIST_REMOVE(s, link);
			page->flags &= ~PG_slab;
			page->priv = NULL;
			pthread_mutex_unlock(&p->mm_lock);
			dmasim__free_pages(page, 0);
			free(s->used);
			free(s);
			return;
		}
	}
	pthread_mutex_unlock(&p->mm_lock);
}

void dmasim__kmalloc_resized(const void *obj, size_t size, size_t slot)
{
	struct dmasim_platform *p = dmasim_platform_current();

	if (!p || !p->slabs || size >= slot)
		return;
	dmasim__shadow_obj_resize(p->slabs, obj, size);
	dmasim__mem_poison(p, (const unsigned char *)obj + size, slot - size);
}

size_t ksize(const void *ptr)
{
	struct dmasim_platform *p = dmasim__current("ksize");
	struct page *page;
	size_t n;

	if (!p || !ptr)
		return 0;
	page = kmalloc_page(p, ptr, "ksize");
	if (!page)
		return 0;
	if (page->flags & PG_large) {
		n = PAGE_SIZE << page->order;
	} else {
		pthread_mutex_lock(&p->mm_lock);
		/* The slab may have been released by a racing kfree since the check. */
		n = (page->flags & PG_slab) && page->priv ?
			    ((struct dmasim_slab *)page->priv)->cls->size : 0;
		pthread_mutex_unlock(&p->mm_lock);
	}
	/* As the kernel's ksize() under KASAN: the caller may now use all of it. */
	if (n)
		dmasim__shadow_obj_resize(p->slabs, ptr, n);
	return n;
}

/* Error paths only: the head page of the allocated block holding @page, or NULL. */
static struct page *block_head(struct dmasim_platform *p, struct page *page)
{
	phys_addr_t phys = page_to_phys(page);

	for (unsigned int back = 0; back < (1U << DMASIM_MAX_ORDER) && phys >= PFN_PHYS(back);
	     back++) {
		struct page *h = dmasim__phys_to_page(p, phys - PFN_PHYS(back));

		if (!h || (h->flags & PG_buddy))
			return NULL;
		if (h->flags & PG_head)
			return back < (1U << h->order) ? h : NULL;
	}
	return NULL;
}

void dmasim__describe_phys(struct dmasim_platform *p, phys_addr_t phys, char *buf, size_t len)
{
	struct page *page = dmasim__phys_to_page(p, phys), *head;
	unsigned char *lin;

	if (!page) {
		snprintf(buf, len, "not RAM");
		return;
	}
	pthread_mutex_lock(&p->mm_lock);
	if (page->flags & PG_slab) {
		struct dmasim_slab *s = page->priv;
		unsigned int idx = (unsigned int)(offset_in_page(phys) / s->cls->size);

		snprintf(buf, len, "%s kmalloc-%u object %p", bit_test(s->used, idx) ? "a live" : "a free",
			 s->cls->size, (void *)(s->base + (size_t)idx * s->cls->size));
	} else if (page->flags & PG_reserved) {
		snprintf(buf, len, "reserved memory (the swiotlb pool)");
	} else if (page->flags & PG_pinned) {
		snprintf(buf, len, "a pinned user page");
	} else if (!(head = block_head(p, page))) {
		snprintf(buf, len, "free memory");
	} else {
		lin = dmasim__page_linear(head);
		if (head->flags & PG_large)
			snprintf(buf, len, "a live kmalloc object %p of %zu bytes", (void *)lin,
				 head->large_size);
		else if (lin)
			snprintf(buf, len, "a page allocation of order %u at %p", head->order,
				 (void *)lin);
		else
			snprintf(buf, len, "a page allocation of order %u (pfn 0x%lx)", head->order,
				 page_to_pfn(head));
	}
	pthread_mutex_unlock(&p->mm_lock);
}
