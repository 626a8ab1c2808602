/*
 * lib/core/backend.c - the backend registry: named, versioned descriptors of the
 * three kinds (cache model, IOVA allocator, IO page-table format).
 *
 * Built-ins come from a static table, registered once; programs add their own
 * with dmasim_backend_register().  Descriptors are checked here, once, so the
 * hot paths call through them without re-checking.  The default of a kind is
 * its first registered backend.
 */
#include <string.h>

#include "core/core.h"

#define MAX_BACKENDS 32

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct dmasim_backend *registry[DMASIM_BACKEND_NR_KINDS][MAX_BACKENDS];
static int nr_registered[DMASIM_BACKEND_NR_KINDS];

/* The first of each kind is its default. */
static const struct dmasim_backend *const builtins[] = {
	&dmasim__cache_coherent.base,
	&dmasim__cache_noncoherent.base,
	&dmasim__iova_rbtree.base,
	&dmasim__iova_bitmap.base,
	&dmasim__pgtable_arm_lpae_4k.base,
	&dmasim__pgtable_arm_v7s.base,
};

/*
 * An IOVA allocator built before ABI 3 has no alloc_aligned(): what its
 * alloc_range() promised is a power-of-two size aligned to itself when
 * asked, so that is what an alignment request gets from it.
 */
static int iova_alloc_before_abi3(struct dmasim_iova *iova, size_t size, size_t align,
				  dma_addr_t limit, dma_addr_t *addr)
{
	if (align & (align - 1))
		return -EINVAL;
	return iova->ops->alloc_range(iova, size, limit, align > iova->granule, addr);
}

/*
 * Older IOVA descriptors are registered as a copy of the current layout:
 * the methods they have, then alloc_aligned() over their alloc_range().  The
 * core then calls every allocator the same way and never looks at abi again.
 */
static struct dmasim_iova_ops upgraded[MAX_BACKENDS];

static const struct dmasim_backend *upgrade(const struct dmasim_backend *b, int slot)
{
	const struct dmasim_iova_ops *o = (const void *)b;
	struct dmasim_iova_ops *u = &upgraded[slot];

	if (b->kind != DMASIM_BACKEND_IOVA || b->abi >= 3)
		return b;
	memset(u, 0, sizeof(*u));
	/* Only the fields the descriptor's own ABI had: it is no bigger than that. */
	memcpy(u, o, b->abi >= 2 ? offsetof(struct dmasim_iova_ops, alloc_aligned) :
				   offsetof(struct dmasim_iova_ops, free_ranges));
	u->alloc_aligned = iova_alloc_before_abi3;
	return &u->base;
}

static const char *check(const struct dmasim_backend *b)
{
	if (!b)
		return "NULL descriptor";
	if (b->abi < 1 || b->abi > DMASIM_BACKEND_ABI)
		return "unsupported abi";
	if (b->kind >= DMASIM_BACKEND_NR_KINDS)
		return "unknown kind";
	if (!b->name || !*b->name || strspn(b->name, "abcdefghijklmnopqrstuvwxyz0123456789_-") !=
					     strlen(b->name))
		return "name must be [a-z0-9_-]+";
	if (b->kind == DMASIM_BACKEND_CACHE) {
		const struct dmasim_cache_ops *c = (const void *)b;

		if (!c->alloc || !c->free)
			return "a cache model needs alloc and free";
		if (!c->sync_for_device || !c->sync_for_cpu)
			return "a cache model needs both sync_for_device and sync_for_cpu";
	} else if (b->kind == DMASIM_BACKEND_IOVA) {
		const struct dmasim_iova_ops *o = (const void *)b;

		if (!o->alloc || !o->free || !o->free_range || !o->reserve || !o->stats)
			return "an IOVA allocator needs alloc, free, free_range, reserve and stats";
		/* alloc_aligned is past the end of a descriptor built before ABI 3. */
		if (b->abi >= 3 ? !o->alloc_aligned : !o->alloc_range)
			return b->abi >= 3 ? "an IOVA allocator needs alloc_aligned (ABI 3)" :
					     "an IOVA allocator built before ABI 3 needs alloc_range";
	} else {
		const struct dmasim_pgtable_ops *o = (const void *)b;

		if (!o->alloc || !o->free || !o->map_pages || !o->unmap_pages || !o->iova_to_phys ||
		    !o->walk)
			return "a page-table format needs alloc, free, map_pages, unmap_pages, iova_to_phys and walk";
	}
	return NULL;
}

static int do_register(const struct dmasim_backend *b)
{
	const char *why = check(b);

	if (why) {
		/* No platform may exist yet, so this goes to stderr, not a log handler. */
		if (b && b->name)
			fprintf(stderr, "dmasim: dmasim_backend_register: '%s': %s\n", b->name, why);
		else
			fprintf(stderr, "dmasim: dmasim_backend_register: %s\n", why);
		return -EINVAL;
	}
	for (int i = 0; i < nr_registered[b->kind]; i++)
		if (!strcmp(registry[b->kind][i]->name, b->name))
			return -EEXIST;
	if (nr_registered[b->kind] == MAX_BACKENDS)
		return -ENOSPC;
	registry[b->kind][nr_registered[b->kind]] = upgrade(b, nr_registered[b->kind]);
	nr_registered[b->kind]++;
	return 0;
}

void dmasim__backends_init(void)
{
	static bool done;

	pthread_mutex_lock(&reg_lock);
	if (!done) {
		for (size_t i = 0; i < ARRAY_SIZE(builtins); i++)
			do_register(builtins[i]);
		done = true;
	}
	pthread_mutex_unlock(&reg_lock);
}

int dmasim_backend_register(const struct dmasim_backend *b)
{
	int ret;

	dmasim__backends_init();
	pthread_mutex_lock(&reg_lock);
	ret = do_register(b);
	pthread_mutex_unlock(&reg_lock);
	return ret;
}

const struct dmasim_backend *dmasim_backend_find(unsigned int kind, const char *name)
{
	const struct dmasim_backend *b = NULL;

	if (kind >= DMASIM_BACKEND_NR_KINDS)
		return NULL;
	dmasim__backends_init();
	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < nr_registered[kind] && !b; i++)
		if (!name || !*name || !strcmp(registry[kind][i]->name, name))
			b = registry[kind][i];
	pthread_mutex_unlock(&reg_lock);
	return b;
}

int dmasim_backend_list(unsigned int kind, char *buf, size_t len)
{
	int n = 0;

	if (buf && len)
		buf[0] = '\0';
	if (kind >= DMASIM_BACKEND_NR_KINDS)
		return 0;
	dmasim__backends_init();
	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < nr_registered[kind]; i++) {
		int w = snprintf(buf && (size_t)n < len ? buf + n : NULL,
				 buf && (size_t)n < len ? len - (size_t)n : 0, "%s%s", i ? "," : "",
				 registry[kind][i]->name);
		n += w;
	}
	pthread_mutex_unlock(&reg_lock);
	return n;
}
