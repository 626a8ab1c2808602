/*
 * lib/debug/entry.c - DMA-API debugging's per-mapping entries (the kernel's
 * struct dma_debug_entry in kernel/dma/debug.c): one record per live
 * mapping or allocation of a device, in a red-black tree by bus address,
 * with the call site it was made at.  The checks of unmaps, frees, syncs and
 * device accesses against them, the leak report when a device goes and the
 * dump of live mappings live here too.
 *
 * With debug off the API layer makes no records at all, of mappings or of
 * allocations (lib/debug/debug.h returns at once).
 *
 * May use: lib/debug/debug.h and what it includes (devices, logging, the
 * DMA ops for the leak report's clean-up).
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "debug/debug.h"

static int map_cmp(const struct dmasim_map *a, const struct dmasim_map *b)
{
	if (a->dma != b->dma)
		return a->dma < b->dma ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

RB_GENERATE_STATIC(dmasim_map_tree, dmasim_map, node, map_cmp)

/* Records kept for reuse, so the hot path does not go to malloc. Lock held. */
#define MAP_CACHE_MAX 64

static void map_put_locked(struct dmasim_device *d, struct dmasim_map *m, struct dmasim_map **spill)
{
	if (d->nr_free_maps < MAP_CACHE_MAX) {
		SLIST_INSERT_HEAD(&d->free_maps, m, free_link);
		d->nr_free_maps++;
	} else {
		*spill = m; /* the caller frees it after unlocking */
	}
}



/* ---- mapping records ------------------------------------------------------ */

const char *dmasim__map_kind_name(enum dmasim_map_kind k)
{
	static const char *const names[] = {
		[MAP_SINGLE] = "single", [MAP_PAGE] = "page", [MAP_SG] = "scatter-gather",
		[MAP_RESOURCE] = "resource", [MAP_COHERENT] = "coherent", [MAP_PAGES] = "pages",
		[MAP_IOVA] = "iova link",
	};

	return (unsigned int)k < ARRAY_SIZE(names) ? names[k] : "?";
}

/*
 * With debug on, remember where a mapping was made: the stack from the
 * driver's call site outwards (@caller is the return address the public
 * entry point saw, so dmasim's own frames are skipped), @keep frames of it
 * (the platform's sites=).  One frame is the caller itself and needs no
 * unwinding; more unwind the stack (lib/debug/stack.c).
 */
static void capture_site(struct dmasim_map *m, unsigned int keep)
{
	/* Enough for dmasim's own frames and the ones kept: a driver's stack may be much deeper. */
	void *frames[DMASIM_SITE_FRAMES + 8];
	int n, i;

	m->nsite = 0;
	if (keep <= 1) {
		if (keep)
			m->site[m->nsite++] = m->caller;
		return;
	}
	n = dmasim__stack_capture(frames, (int)keep + 8);
	for (i = 0; i < n && frames[i] != m->caller; i++)
		;
	if (i == n)
		i = n > 3 ? 3 : 0; /* inlined away: skip roughly our own frames */
	for (; i < n && m->nsite < keep; i++)
		m->site[m->nsite++] = frames[i];
}

const char *dmasim__map_site(const struct dmasim_map *m, char *buf, size_t len)
{
	size_t off;

	buf[0] = '\0';
	if (!m->nsite)
		return buf;
	off = (size_t)snprintf(buf, len, " [mapped at");
	for (unsigned int i = 0; i < m->nsite && off < len; i++) {
		Dl_info info;
		/* A return address points after the call: step back into it. */
		const char *pc = (const char *)m->site[i] - 1;

		if (dladdr(pc, &info) && info.dli_sname)
			off += (size_t)snprintf(buf + off, len - off, "%s%s+0x%tx", i ? " <- " : " ",
						info.dli_sname, pc - (const char *)info.dli_saddr);
		else if (dladdr(pc, &info) && info.dli_fname)
			off += (size_t)snprintf(buf + off, len - off, "%s%s+0x%tx", i ? " <- " : " ",
						strrchr(info.dli_fname, '/') ?
							strrchr(info.dli_fname, '/') + 1 :
							info.dli_fname,
						pc - (const char *)info.dli_fbase);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%p", i ? " <- " : " ",
						(const void *)pc);
	}
	if (off < len)
		snprintf(buf + off, len - off, "]");
	return buf;
}

/* A record from the device's cache, or a new one; with d->lock held (dropped and retaken). */
static struct dmasim_map *map_get_locked(struct dmasim_device *d)
{
	struct dmasim_map *m = SLIST_FIRST(&d->free_maps);

	if (m) {
		SLIST_REMOVE_HEAD(&d->free_maps, free_link);
		d->nr_free_maps--;
		return m;
	}
	pthread_mutex_unlock(&d->lock);
	m = malloc(sizeof(*m));
	pthread_mutex_lock(&d->lock);
	return m;
}

static void map_insert_locked(struct dmasim_device *d, struct dmasim_map *m)
{
	m->seq = ++d->seq;
	RB_INSERT(dmasim_map_tree, &d->maps, m);
	d->nr_maps++;
	if (m->size > d->max_map_size)
		d->max_map_size = m->size;
}

void dmasim__map_copy(struct dmasim_map *to, const struct dmasim_map *from)
{
	/* Fixed-size head: a variable-length memcpy would stall the loads that follow. */
	memcpy(to, from, offsetof(struct dmasim_map, site));
	for (unsigned int i = 0; i < from->nsite; i++)
		to->site[i] = from->site[i];
}

struct dmasim_map *dmasim__map_add(struct dmasim_device *d, const struct dmasim_map *tmpl)
{
	struct dmasim_map *m, sited;
	unsigned int nsite = 0;

	if (d->plat->debug && tmpl->caller) {
		/* The backtrace is taken before the lock, into a copy. */
		sited = *tmpl;
		capture_site(&sited, d->plat->site_frames);
		tmpl = &sited;
		nsite = sited.nsite;
	}
	pthread_mutex_lock(&d->lock);
	m = map_get_locked(d);
	if (m) {
		memcpy(m, tmpl, offsetof(struct dmasim_map, site));
		m->nsite = nsite;
		for (unsigned int i = 0; i < nsite; i++)
			m->site[i] = tmpl->site[i];
		map_insert_locked(d, m);
	}
	pthread_mutex_unlock(&d->lock);
	return m;
}

struct dmasim_map *dmasim__map_add_streaming(struct dmasim_device *d, dma_addr_t dma, size_t size,
					     phys_addr_t phys, phys_addr_t tlb, void *cpu,
					     enum dma_data_direction dir,
					     enum dmasim_map_kind kind, unsigned long attrs,
					     void *caller)
{
	struct dmasim_map *m;

	if (d->plat->debug)
		return dmasim__map_add(d, &(struct dmasim_map){ .dma = dma, .size = size,
								.phys = phys, .tlb = tlb, .cpu = cpu,
								.dir = dir, .kind = kind,
								.attrs = attrs, .caller = caller });
	pthread_mutex_lock(&d->lock);
	m = map_get_locked(d);
	if (m) {
		/* No site frames: there are none without debug. */
		dmasim__map_fill(m, dma, size, phys, tlb, cpu, dir, kind, attrs, caller);
		map_insert_locked(d, m);
	}
	pthread_mutex_unlock(&d->lock);
	return m;
}

/*
 * An entry for [@first, @last] was removed (d->lock held): the device
 * accesses the entries let through there before are copied before the
 * unmap goes on, as an IOMMU's invalidation waits for DMA in flight.  They
 * take d->lock to unlist themselves, so the lock is dropped while waiting;
 * no new access gets through, the entry being gone.
 */
static void wait_accesses_locked(struct dmasim_device *d, dma_addr_t first, dma_addr_t last)
{
	for (;;) {
		struct dmasim_dev_access *a;
		bool busy = false;

		LIST_FOREACH(a, &d->accesses, link)
			if (a->first <= last && a->last >= first) {
				busy = true;
				break;
			}
		if (!busy)
			return;
		pthread_mutex_unlock(&d->lock);
		sched_yield();
		pthread_mutex_lock(&d->lock);
	}
}

bool dmasim__map_take(struct dmasim_device *d, dma_addr_t dma, enum dmasim_map_kind kind,
		      const struct scatterlist *sg, struct dmasim_map *out)
{
	struct dmasim_map key = { .dma = dma, .seq = 0 }, *m, *best = NULL, *spill = NULL;

	pthread_mutex_lock(&d->lock);
	for (m = RB_NFIND(dmasim_map_tree, &d->maps, &key); m && m->dma == dma;
	     m = RB_NEXT(dmasim_map_tree, &d->maps, m)) {
		bool same_kind = m->kind == kind && (kind != MAP_SG || m->sg_head == sg);

		if (same_kind) {
			best = m;
			break;
		}
		if (!best)
			best = m;
	}
	if (best) {
		RB_REMOVE(dmasim_map_tree, &d->maps, best);
		d->nr_maps--;
		/* Copied out, so the storage is recycled under this same lock. */
		dmasim__map_copy(out, best);
		map_put_locked(d, best, &spill);
		if (!LIST_EMPTY(&d->accesses))
			wait_accesses_locked(d, out->dma, out->dma + out->size - 1);
	}
	pthread_mutex_unlock(&d->lock);
	if (spill)
		free(spill);
	return best != NULL;
}

void dmasim__dev_access_done(struct dmasim_device *d, struct dmasim_dev_access *acc)
{
	pthread_mutex_lock(&d->lock);
	LIST_REMOVE(acc, link);
	pthread_mutex_unlock(&d->lock);
	acc->listed = false;
}

struct dmasim_map *dmasim__map_lookup_locked(struct dmasim_device *d, dma_addr_t dma)
{
	struct dmasim_map key = { .dma = dma + 1, .seq = 0 }, *m;

	if (dma == ~(dma_addr_t)0)
		m = RB_MAX(dmasim_map_tree, &d->maps);
	else {
		m = RB_NFIND(dmasim_map_tree, &d->maps, &key);
		m = m ? RB_PREV(dmasim_map_tree, &d->maps, m) : RB_MAX(dmasim_map_tree, &d->maps);
	}
	/* Walk back over every record that could still reach @dma. */
	for (; m && dma - m->dma < d->max_map_size; m = RB_PREV(dmasim_map_tree, &d->maps, m))
		if (dma - m->dma < m->size)
			return m;
	return NULL;
}

/*
 * The record an unmap is tearing down on this thread (already out of the
 * tree).  Initial-exec: set and cleared on every unmap with debug on, and
 * the default model would make each a call to __tls_get_addr().
 */
static _Thread_local __attribute__((tls_model("initial-exec"))) const struct dmasim_map *releasing;

void dmasim__map_releasing(const struct dmasim_map *m)
{
	releasing = m;
}

bool dmasim__map_find_phys(struct dmasim_device *d, phys_addr_t phys, struct dmasim_map *out)
{
	struct dmasim_map *m;
	bool found = false;

	if (releasing) {
		phys_addr_t where = releasing->tlb != DMASIM_NO_TLB ? releasing->tlb : releasing->phys;

		if (phys >= where && phys - where < releasing->size) {
			*out = *releasing;
			return true;
		}
	}

	/* Error paths only: a scan of the device's records. */
	pthread_mutex_lock(&d->lock);
	RB_FOREACH(m, dmasim_map_tree, &d->maps) {
		phys_addr_t where = m->tlb != DMASIM_NO_TLB ? m->tlb : m->phys;

		if (phys >= where && phys - where < m->size) {
			*out = *m;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return found;
}

bool dmasim__map_scattered(const struct dmasim_device *d, const struct dmasim_map *m)
{
	/* Behind an IOMMU one DMA segment maps several entries' pages; a bounce is one original. */
	return m->kind == MAP_SG && d->behind_iommu && m->tlb == DMASIM_NO_TLB;
}

bool dmasim__map_find_overlap(struct dmasim_device *d, phys_addr_t phys, size_t size,
			      struct dmasim_map *out, bool *scattered)
{
	struct dmasim_map *m;
	bool found = false;

	/* Only with debug on, on a free: a scan of the device's records. */
	pthread_mutex_lock(&d->lock);
	RB_FOREACH(m, dmasim_map_tree, &d->maps) {
		if (m->kind == MAP_RESOURCE || m->kind == MAP_COHERENT || m->kind == MAP_PAGES)
			continue;
		if (dmasim__map_scattered(d, m)) {
			*scattered = true;
			continue;
		}
		if (m->phys < phys + size && phys < m->phys + m->size) {
			dmasim__map_copy(out, m);
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return found;
}

bool dmasim__map_next(struct dmasim_device *d, const struct dmasim_map *after,
		      struct dmasim_map *out)
{
	struct dmasim_map key = { .dma = after ? after->dma : 0, .seq = after ? after->seq + 1 : 0 };
	struct dmasim_map *m;

	pthread_mutex_lock(&d->lock);
	m = RB_NFIND(dmasim_map_tree, &d->maps, &key);
	if (m)
		dmasim__map_copy(out, m);
	pthread_mutex_unlock(&d->lock);
	return m != NULL;
}

bool dmasim__map_find_bus(struct dmasim_device *d, dma_addr_t addr, size_t size,
			  struct dmasim_map *out)
{
	struct dmasim_map *m;
	bool found = false;

	/* Error paths only: a scan of the device's records. */
	pthread_mutex_lock(&d->lock);
	RB_FOREACH(m, dmasim_map_tree, &d->maps) {
		if (m->dma < addr + size && addr < m->dma + m->size) {
			dmasim__map_copy(out, m);
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return found;
}

void dmasim__dump_maps(struct dmasim_device *d, FILE *out)
{
	struct dmasim_map *m;
	unsigned int shown = 0;
	char site[400];

	/* As the kernel's debugfs dump: every live mapping, with where it was made. */
	pthread_mutex_lock(&d->lock);
	RB_FOREACH(m, dmasim_map_tree, &d->maps) {
		if (shown++ == 32) {
			fprintf(out, "    ... %lu mappings in all\n", d->nr_maps);
			break;
		}
		fprintf(out, "    %-14s bus 0x%llx size %zu phys 0x%llx %s%s%s\n",
			dmasim__map_kind_name(m->kind), (unsigned long long)m->dma, m->size,
			(unsigned long long)m->phys, dmasim__dir_name(m->dir),
			m->tlb != DMASIM_NO_TLB ? " (bounced)" : "",
			dmasim__map_site(m, site, sizeof(site)));
	}
	pthread_mutex_unlock(&d->lock);
}

void dmasim__map_note_dev_write(struct dmasim_device *d, dma_addr_t dma)
{
	struct dmasim_map *m;

	pthread_mutex_lock(&d->lock);
	m = dmasim__map_lookup_locked(d, dma);
	if (m)
		m->dev_wrote = true;
	pthread_mutex_unlock(&d->lock);
}

void dmasim__map_mark_checked(struct dmasim_device *d, dma_addr_t dma)
{
	struct dmasim_map key = { .dma = dma, .seq = 0 }, *m;

	/* Several mappings may share an address: mark the first one not yet checked. */
	pthread_mutex_lock(&d->lock);
	for (m = RB_NFIND(dmasim_map_tree, &d->maps, &key); m && m->dma == dma;
	     m = RB_NEXT(dmasim_map_tree, &d->maps, m))
		if (!m->checked) {
			m->checked = true;
			break;
		}
	pthread_mutex_unlock(&d->lock);
}


static bool alloc_kind(enum dmasim_map_kind k)
{
	return k == MAP_COHERENT || k == MAP_PAGES;
}

/* See debug.h: the checks every unmap and free goes through. */
struct dmasim_map *dmasim__map_release(struct dmasim_device *d, const char *call, dma_addr_t addr,
				       size_t size, int dir, enum dmasim_map_kind kind,
				       const struct scatterlist *sg, struct dmasim_map *out)
{
	struct dmasim_map *m = out;
	char site[400];

	if (addr == DMA_MAPPING_ERROR) {
		dmasim__dev_report(d, "%s: device driver tries to free an invalid DMA memory address", call);
		return NULL;
	}
	if (!dmasim__map_take(d, addr, kind, sg, out)) {
		dmasim__dev_report(d,
				   "%s: device driver tries to free DMA memory it has not allocated [device address=0x%016llx] [size=%zu bytes]",
				   call, (unsigned long long)addr, size);
		return NULL;
	}
	if (m->kind != kind && !(m->kind == MAP_PAGE && kind == MAP_SINGLE) &&
	    !(m->kind == MAP_SINGLE && kind == MAP_PAGE)) {
		dmasim__dev_report(d,
				   "%s: device driver frees DMA memory with wrong function [device address=0x%016llx] [size=%zu bytes] [mapped as %s] [unmapped as %s]%s",
				   call, (unsigned long long)addr, m->size,
				   dmasim__map_kind_name(m->kind), dmasim__map_kind_name(kind),
				   dmasim__map_site(m, site, sizeof(site)));
		if (alloc_kind(m->kind) != alloc_kind(kind)) {
			/* Releasing an allocation through an unmap (or back) would corrupt it. */
			dmasim__map_add(d, m);
			return NULL;
		}
	} else if (m->kind != kind) {
		dmasim__debug_report(d,
				     "%s: device driver frees DMA memory with wrong function [device address=0x%016llx] [size=%zu bytes] [mapped as %s] [unmapped as %s]%s",
				     call, (unsigned long long)addr, m->size,
				     dmasim__map_kind_name(m->kind), dmasim__map_kind_name(kind),
				     dmasim__map_site(m, site, sizeof(site)));
	}
	if (!d->plat->debug)
		return m; /* the rest are DMA-API debug checks */
	if (m->size != size)
		dmasim__debug_report(d,
				     "%s: device driver frees DMA memory with different size [device address=0x%016llx] [map size=%zu bytes] [unmap size=%zu bytes]%s",
				     call, (unsigned long long)addr, m->size, size,
				     dmasim__map_site(m, site, sizeof(site)));
	if (dir >= 0 && m->dir != (enum dma_data_direction)dir)
		dmasim__debug_report(d,
				     "%s: device driver frees DMA memory with different direction [device address=0x%016llx] [size=%zu bytes] [mapped with %s] [unmapped with %s]%s",
				     call, (unsigned long long)addr, m->size, dmasim__dir_name(m->dir),
				     dmasim__dir_name(dir), dmasim__map_site(m, site, sizeof(site)));
	if (!m->checked && (kind == MAP_SINGLE || kind == MAP_PAGE || kind == MAP_RESOURCE))
		dmasim__debug_report(d,
				     "%s: device driver failed to check map error [device address=0x%016llx] [size=%zu bytes] [mapped as %s]%s",
				     call, (unsigned long long)addr, m->size,
				     dmasim__map_kind_name(m->kind), dmasim__map_site(m, site, sizeof(site)));
	return m;
}


int dmasim__record_access(struct dmasim_device *d, const char *call, dma_addr_t addr,
			  size_t len, bool write, struct dmasim_map *rec, size_t *chunk,
			  bool report, struct dmasim_dev_access *acc)
{
	struct dmasim_map *m;

	pthread_mutex_lock(&d->lock);
	m = dmasim__map_lookup_locked(d, addr);
	if (m)
		*rec = *m;
	/* In flight from here, under the lock an unmap removes the entry under. */
	if (m && acc && !acc->listed) {
		acc->first = addr;
		acc->last = addr + len - 1;
		acc->listed = true;
		LIST_INSERT_HEAD(&d->accesses, acc, link);
	}
	pthread_mutex_unlock(&d->lock);
	*chunk = len;
	if (!m) {
		if (report)
			dmasim__debug_report(d, "%s: device accesses bus address 0x%016llx (%zu bytes) that is not mapped for it",
					     call, (unsigned long long)addr, len);
		return -EFAULT;
	}
	*chunk = rec->size - (size_t)(addr - rec->dma);
	if (*chunk > len)
		*chunk = len;
	if ((write && rec->dir == DMA_TO_DEVICE) || (!write && rec->dir == DMA_FROM_DEVICE)) {
		if (report)
			dmasim__debug_report(d, "%s: device %s bus address 0x%016llx of a %s mapping [mapping at 0x%016llx] [size=%zu bytes]",
					     call, write ? "writes" : "reads", (unsigned long long)addr,
					     dmasim__dir_name(rec->dir), (unsigned long long)rec->dma,
					     rec->size);
		return -EPERM;
	}
	return 0;
}


void dmasim__debug_report_leaks(struct dmasim_device *d)
{
	struct dmasim_map *m, *tmp;
	unsigned long n = 0;

	pthread_mutex_lock(&d->lock);
	RB_FOREACH(m, dmasim_map_tree, &d->maps)
		n++;
	pthread_mutex_unlock(&d->lock);
	if (!n)
		return;
	dmasim__dev_report(d, "device destroyed with %lu outstanding DMA mapping%s or allocation%s",
			   n, n == 1 ? "" : "s", n == 1 ? "" : "s");
	pthread_mutex_lock(&d->lock);
	RB_FOREACH_SAFE(m, dmasim_map_tree, &d->maps, tmp) {
		RB_REMOVE(dmasim_map_tree, &d->maps, m);
		pthread_mutex_unlock(&d->lock);
		{
			char site[400];

			dmasim__log(d->plat, DMASIM_LOG_ERR,
				    "DMA-API: %s:   leaked %s: bus 0x%llx size %zu phys 0x%llx %s%s%s",
				    d->name, dmasim__map_kind_name(m->kind), (unsigned long long)m->dma,
				    m->size, (unsigned long long)m->phys, dmasim__dir_name(m->dir),
				    m->tlb != DMASIM_NO_TLB ? " (bounced)" : "",
				    dmasim__map_site(m, site, sizeof(site)));
		}
		/* What the device owned of it is the CPU's: the mapping is over. */
		dmasim__own_end(d, m->seq);
		/* Give bounce slots back so the platform stays usable; leaked pages stay leaked. */
		if (m->kind != MAP_COHERENT && m->kind != MAP_PAGES && m->kind != MAP_RESOURCE &&
		    m->kind != MAP_IOVA) {
			dmasim__cachelines_del(d, m->phys, m->size, m->dir, m->attrs);
			d->ops->unmap_phys(d, m->dma, m->size, m->dir, DMA_ATTR_SKIP_CPU_SYNC);
		}
		free(m);
		pthread_mutex_lock(&d->lock);
	}
	d->nr_maps = 0;
	pthread_mutex_unlock(&d->lock);
}

void dmasim__debug_device_free(struct dmasim_device *d)
{
	struct dmasim_map *m;

	dmasim__own_end_device(d);
	while ((m = SLIST_FIRST(&d->free_maps)) != NULL) {
		SLIST_REMOVE_HEAD(&d->free_maps, free_link);
		free(m);
	}
	d->nr_free_maps = 0;
}

