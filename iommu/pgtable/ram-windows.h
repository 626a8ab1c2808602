/*
 * iommu/pgtable/ram-windows.h - for the page-table formats: host windows on
 * the RAM regions that hold a table's pages, so that a table's physical
 * address becomes a host pointer with a compare instead of a call to the
 * config's ram() per level of a walk.  Filled from the config's optional
 * ram_region(); without it every lookup goes through ram().
 */
#ifndef DMASIM_RAM_WINDOWS_H
#define DMASIM_RAM_WINDOWS_H

#include <pthread.h>

#include "internal.h"

/* Table memory comes from one or two RAM regions (below and above 4 GiB). */
#define RAM_WINDOWS_MAX 4

struct ram_windows {
	struct ram_window {
		phys_addr_t base;
		u64 size;
		unsigned char *host;
	} win[RAM_WINDOWS_MAX];
	unsigned int n;                 /* published last (release), read with acquire */
	pthread_mutex_t lock;           /* adders */
	dmasim_ram_fn ram;
	unsigned char *(*region)(void *cookie, phys_addr_t phys, phys_addr_t *base, u64 *size);
	void *cookie;
};

static inline void ram_windows_init(struct ram_windows *w, const struct dmasim_pgtable_config *cfg)
{
	w->n = 0;
	w->ram = cfg->ram;
	w->region = cfg->ram_region;
	w->cookie = cfg->cookie;
	pthread_mutex_init(&w->lock, NULL);
}

static inline void ram_windows_destroy(struct ram_windows *w)
{
	pthread_mutex_destroy(&w->lock);
}

static inline int ram_windows_find(const struct ram_window *win, unsigned int n, phys_addr_t phys)
{
	for (unsigned int i = 0; i < n; i++)
		if (phys - win[i].base < win[i].size)
			return (int)i;
	return -1;
}

/* Host address of @phys, a table's address (a table never straddles two regions). */
static inline unsigned char *ram_windows_ptr(const struct ram_windows *w, phys_addr_t phys)
{
	unsigned int n = __atomic_load_n(&w->n, __ATOMIC_ACQUIRE);
	int i = ram_windows_find(w->win, n, phys);

	return i >= 0 ? w->win[i].host + (phys - w->win[i].base) : w->ram(w->cookie, phys);
}

/* Open a window on the region of a table about to be linked, if it has none yet. */
static inline void ram_windows_add(struct ram_windows *w, phys_addr_t phys)
{
	unsigned int n = __atomic_load_n(&w->n, __ATOMIC_ACQUIRE);
	phys_addr_t base;
	unsigned char *host;
	u64 size;

	if (ram_windows_find(w->win, n, phys) >= 0 || !w->region || n == RAM_WINDOWS_MAX)
		return; /* known, or tables there go through ram() */
	host = w->region(w->cookie, phys, &base, &size);
	if (!host)
		return;
	pthread_mutex_lock(&w->lock);
	n = w->n;
	if (ram_windows_find(w->win, n, phys) < 0 && n < RAM_WINDOWS_MAX) {
		w->win[n] = (struct ram_window){ .base = base, .size = size, .host = host };
		__atomic_store_n(&w->n, n + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&w->lock);
}

#endif /* DMASIM_RAM_WINDOWS_H */
