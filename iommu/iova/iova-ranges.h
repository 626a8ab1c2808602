/*
 * iommu/iova/iova-ranges.h - the IOVA allocators' helper header: what both
 * allocators' for_each() needs, a growable list of ranges collected under
 * the allocator's lock, then handed to the caller's callback without it (so
 * the callback may call back in).  An allocator includes
 * <dmasim/backend.h>, this header and libc (and libbsd): nothing of the
 * library's internals, as any user backend.
 */
#ifndef DMASIM_IOVA_RANGES_H
#define DMASIM_IOVA_RANGES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include <dmasim/backend.h>

struct iova_range_list {
	struct iova_range {
		dma_addr_t addr;
		size_t size;
		bool reserved;
	} *v;
	size_t nr, cap;
};

/* Append one range. Return 0 or -ENOMEM (the list stays valid). */
static inline int iova_ranges_push(struct iova_range_list *l, dma_addr_t addr, size_t size,
				   bool reserved)
{
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct iova_range *bigger = realloc(l->v, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		l->v = bigger;
		l->cap = cap;
	}
	l->v[l->nr++] = (struct iova_range){ .addr = addr, .size = size, .reserved = reserved };
	return 0;
}

/* Call @fn for each range in order (stopping at a non-zero return), then free the list. */
static inline int iova_ranges_emit(struct iova_range_list *l, int ret,
				   int (*fn)(void *ctx, dma_addr_t addr, size_t size, bool reserved),
				   void *ctx)
{
	for (size_t i = 0; !ret && i < l->nr; i++)
		ret = fn(ctx, l->v[i].addr, l->v[i].size, l->v[i].reserved);
	free(l->v);
	return ret;
}

#endif /* DMASIM_IOVA_RANGES_H */
