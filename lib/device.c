/*
 * lib/device.c - simulated devices: creation from a spec, validation of the
 * struct device pointers driver code passes in, the per-device mapping
 * records and managed (devres) resources.
 *
 * The mapping records are the API layer's memory of what each device was
 * given: every streaming mapping, coherent allocation and resource mapping,
 * with its bus range, physical range and direction.  Unmap and sync calls are
 * checked against them, and the device side (dev-access.c) only reaches
 * memory a record covers.  They sit in a libbsd red-black tree ordered by bus
 * address (ties broken by a sequence number: direct mapping gives two
 * mappings of one buffer the same bus address).
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int map_cmp(const struct dmasim_map *a, const struct dmasim_map *b)
{
	if (a->dma != b->dma)
		return a->dma < b->dma ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

RB_GENERATE_STATIC(dmasim_map_tree, dmasim_map, node, map_cmp)

const char *dev_name(const struct device *dev)
{
	if (!dev)
		return "(null device)";
	return dev->init_name ? dev->init_name : "(unnamed device)";
}

struct dmasim_device *dmasim__dev_slow(struct device *dev, const char *call)
{
	if (!dev) {
		struct dmasim_platform *p = dmasim_platform_current();

		if (p)
			dmasim__report(p, "DMA-API: (null device): %s: NULL device pointer", call);
		else
			fprintf(stderr, "dmasim: %s: NULL device pointer\n", call);
		return NULL;
	}
	if (dev->dmasim_magic != DMASIM_DEVICE_MAGIC) {
		struct dmasim_platform *p = dmasim_platform_current();

		if (p)
			dmasim__report(p, "DMA-API: %s: device %p was not made by dmasim_device_create() (or was destroyed)",
				       call, (void *)dev);
		else
			fprintf(stderr, "dmasim: %s: device %p was not made by dmasim_device_create()\n",
				call, (void *)dev);
		return NULL;
	}
	return to_dmasim(dev);
}

struct dmasim_platform *dmasim_device_platform(struct device *dev)
{
	struct dmasim_device *d = dmasim__dev(dev, "dmasim_device_platform");

	return d ? d->plat : NULL;
}

/* ---- the device's keys: each parser gets the struct dmasim_device being made ---- */

static int bad_value(const char *key, const char *v, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s=%s: bad value", key, v);
	return -EINVAL;
}

static int parse_name(void *dev, const char *key, const char *v, char *err, size_t errlen)
{
	struct dmasim_device *d = dev;

	if (!*v || strlen(v) >= sizeof(d->name)) {
		snprintf(err, errlen, "%s='%s': 1 to %zu characters", key, v, sizeof(d->name) - 1);
		return -EINVAL;
	}
	snprintf(d->name, sizeof(d->name), "%s", v);
	return 0;
}

static int parse_coherent(void *dev, const char *key, const char *v, char *err, size_t errlen)
{
	struct dmasim_device *d = dev;
	bool b;

	if (dmasim__parse_bool(v, &b))
		return bad_value(key, v, err, errlen);
	d->dev.dma_coherent = b;
	return 0;
}

static int parse_force_bounce(void *dev, const char *key, const char *v, char *err,
			      size_t errlen)
{
	struct dmasim_device *d = dev;
	bool b;

	if (dmasim__parse_bool(v, &b))
		return bad_value(key, v, err, errlen);
	d->force_bounce = b;
	return 0;
}

static int parse_offset(void *dev, const char *key, const char *v, char *err, size_t errlen)
{
	struct dmasim_device *d = dev;
	u64 n;

	if (dmasim__parse_u64(v, &n))
		return bad_value(key, v, err, errlen);
	d->bus_offset = n;
	return 0;
}

static int parse_limit(void *dev, const char *key, const char *v, char *err, size_t errlen)
{
	struct dmasim_device *d = dev;
	u64 n;

	if (dmasim__parse_u64(v, &n))
		return bad_value(key, v, err, errlen);
	d->dev.bus_dma_limit = n;
	return 0;
}

static int parse_mask(void *dev, const char *key, const char *v, char *err, size_t errlen)
{
	struct dmasim_device *d = dev;
	u64 n;

	if (dmasim__parse_u64(v, &n) || n < 1 || n > 64)
		return bad_value(key, v, err, errlen);
	d->dma_mask = DMA_BIT_MASK(n);
	d->dev.coherent_dma_mask = DMA_BIT_MASK(n);
	return 0;
}

static int parse_max_seg(void *dev, const char *key, const char *v, char *err, size_t errlen)
{
	struct dmasim_device *d = dev;
	u64 n;

	if (dmasim__parse_size(v, &n) || !n || n > UINT32_MAX)
		return bad_value(key, v, err, errlen);
	d->parms.max_segment_size = (unsigned int)n;
	return 0;
}

static int parse_seg_boundary(void *dev, const char *key, const char *v, char *err,
			      size_t errlen)
{
	struct dmasim_device *d = dev;
	u64 n;

	if (dmasim__parse_u64(v, &n) || ((n + 1) & n))
		return bad_value(key, v, err, errlen);
	d->parms.segment_boundary_mask = (unsigned long)n;
	return 0;
}

static int parse_min_align(void *dev, const char *key, const char *v, char *err, size_t errlen)
{
	struct dmasim_device *d = dev;
	u64 n;

	if (dmasim__parse_u64(v, &n) || ((n + 1) & n) || n > UINT32_MAX)
		return bad_value(key, v, err, errlen);
	d->parms.min_align_mask = (unsigned int)n;
	return 0;
}

static int parse_iommu(void *dev, const char *key, const char *v, char *err, size_t errlen)
{
	struct dmasim_device *d = dev;
	bool b;

	if (dmasim__parse_bool(v, &b))
		return bad_value(key, v, err, errlen);
	if (b && !d->plat->iommu) {
		snprintf(err, errlen, "%s=%s: the platform has no IOMMU (iommu=off)", key, v);
		return -EINVAL;
	}
	d->behind_iommu = b;
	return 0;
}

/* Checked here; the IOMMU layer reads the value when it takes the device. */
static int parse_domain(void *dev, const char *key, const char *v, char *err, size_t errlen)
{
	struct dmasim_device *d = dev;

	if (!d->behind_iommu) {
		snprintf(err, errlen, "%s=%s: the device is not behind an IOMMU", key, v);
		return -EINVAL;
	}
	return 0;
}

/*
 * Every device key, in docs/spec.md's order (tests/test-platform.c checks
 * the rows); iommu= is parsed before domain=, which needs it.
 */
const struct dmasim_spec_key dmasim__device_keys[] = {
	{ "name", "device", "1-63 characters", "`devN` (N counts per platform from 0)",
	  "`dev_name()` and the name in reports", 0, parse_name, NULL },
	{ "coherent", "device", "boolean",
	  "true if the platform's cache model has `DMASIM_CACHE_CAP_COHERENT` (the built-in `coherent` has, `noncoherent` has not), else false",
	  "`dev->dma_coherent`; `coherent=1` under `cache=noncoherent` is a device that snoops the CPU caches",
	  0, parse_coherent, NULL },
	{ "offset", "device", "address", "`0`", "bus offset: Z = Y - offset", 0, parse_offset, NULL },
	{ "limit", "device", "address", "`0` (none)", "`dev->bus_dma_limit`, the highest bus address",
	  0, parse_limit, NULL },
	{ "mask", "device", "bits, 1..64", "`32`",
	  "sets both the streaming and the coherent mask to `DMA_BIT_MASK(bits)`", 0, parse_mask,
	  NULL },
	{ "max_seg", "device", "size, 1..4G-1", "`64K`", "`dma_parms->max_segment_size`", 0,
	  parse_max_seg, NULL },
	{ "seg_boundary", "device", "`2^n - 1`", "all ones", "`dma_parms->segment_boundary_mask`", 0,
	  parse_seg_boundary, NULL },
	{ "min_align", "device", "`2^n - 1`, below 2^32", "`0`", "`dma_parms->min_align_mask`", 0,
	  parse_min_align, NULL },
	{ "force_bounce", "device", "boolean", "`0`", "bounce every streaming mapping of this device",
	  0, parse_force_bounce, NULL },
	{ "iommu", "device", "boolean", "`1` if the platform has an IOMMU, else `0`",
	  "whether the device sits behind the platform's IOMMU; `iommu=1` on a platform without one is an error",
	  0, parse_iommu, NULL },
	{ "domain", "iommu", "`dma`, `identity`, `unmanaged`", "`dma`",
	  "the device's default IOMMU domain; only for a device behind the IOMMU", 0, parse_domain,
	  NULL },
	{ NULL },
};

struct device *dmasim_device_create(struct dmasim_platform *p, const char *spec)
{
	struct dmasim_device *d;
	struct dmasim_spec s = { 0 };
	char err[384] = "";
	int ret;

	if (!p) {
		fprintf(stderr, "dmasim: dmasim_device_create: NULL platform\n");
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	pthread_mutex_lock(&p->dev_lock);
	d->group.id = (int)p->next_dev_id; /* IOMMU group number: one group per device */
	snprintf(d->name, sizeof(d->name), "dev%u", p->next_dev_id++);
	pthread_mutex_unlock(&p->dev_lock);
	d->plat = p;
	d->dma_mask = DMA_BIT_MASK(32);
	d->dev.dma_mask = &d->dma_mask;
	d->dev.coherent_dma_mask = DMA_BIT_MASK(32);
	d->dev.dma_parms = &d->parms;
	d->parms.max_segment_size = 65536;
	d->parms.segment_boundary_mask = ~0UL;
	d->dev.dma_coherent = (p->cache->ops->base.caps & DMASIM_CACHE_CAP_COHERENT) != 0;
	d->ops = &dmasim__direct_ops;
	d->bus = &dmasim__bus_window;
	RB_INIT(&d->maps);
	SLIST_INIT(&d->free_maps);
	LIST_INIT(&d->devres);
	LIST_INIT(&d->pools);

	/* Behind the platform's IOMMU unless the spec says iommu=0. */
	d->behind_iommu = p->iommu != NULL;
	ret = dmasim__spec_parse(&s, spec, err, sizeof(err));
	if (!ret)
		ret = dmasim__spec_apply(&s, dmasim__device_keys, "device", d, err, sizeof(err));
	if (!ret && d->behind_iommu)
		ret = dmasim__iommu_add_device(d, dmasim__spec_get(&s, "domain"), err, sizeof(err));
	dmasim__spec_free(&s);
	if (ret) {
		dmasim__report(p, "dmasim_device_create: bad spec \"%s\": %s", spec ? spec : "",
			       err[0] ? err : strerror(-ret));
		free(d);
		return NULL;
	}
	d->records_confine = d->bus->reach(d) == BUS_REACH_WINDOW;
	d->dev.init_name = d->name;
	pthread_mutex_init(&d->lock, NULL);
	d->dev.dmasim_magic = DMASIM_DEVICE_MAGIC;
	pthread_mutex_lock(&p->dev_lock);
	LIST_INSERT_HEAD(&p->devices, d, link);
	pthread_mutex_unlock(&p->dev_lock);
	return &d->dev;
}

static void report_leaks(struct dmasim_device *d)
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

static void map_cache_destroy(struct dmasim_device *d)
{
	struct dmasim_map *m;

	while ((m = SLIST_FIRST(&d->free_maps)) != NULL) {
		SLIST_REMOVE_HEAD(&d->free_maps, free_link);
		free(m);
	}
	d->nr_free_maps = 0;
}

void dmasim_device_destroy(struct device *dev)
{
	struct dmasim_device *d;
	struct dmasim_devres *r;

	if (!dev)
		return;
	d = dmasim__dev(dev, "dmasim_device_destroy");
	if (!d)
		return;
	/* Managed resources go first, newest first, as devres does. */
	pthread_mutex_lock(&d->lock);
	while ((r = LIST_FIRST(&d->devres)) != NULL) {
		LIST_REMOVE(r, link);
		pthread_mutex_unlock(&d->lock);
		r->release(dev, r->data);
		free(r);
		pthread_mutex_lock(&d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	dmasim__pools_release(d);
	report_leaks(d);
	dmasim__iommu_remove_device(d);

	pthread_mutex_lock(&d->plat->dev_lock);
	LIST_REMOVE(d, link);
	pthread_mutex_unlock(&d->plat->dev_lock);
	d->dev.dmasim_magic = 0;
	map_cache_destroy(d);
	pthread_mutex_destroy(&d->lock);
	free(d);
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

const char *dmasim__dir_name(int dir)
{
	static const char *const names[] = { "DMA_BIDIRECTIONAL", "DMA_TO_DEVICE",
					     "DMA_FROM_DEVICE", "DMA_NONE" };

	return dir >= 0 && dir < 4 ? names[dir] : "invalid direction";
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
	}
	pthread_mutex_unlock(&d->lock);
	if (spill)
		free(spill);
	return best != NULL;
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

/* The record an unmap is tearing down on this thread (already out of the tree). */
static _Thread_local const struct dmasim_map *releasing;

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

/* ---- managed resources ---------------------------------------------------- */

int dmasim__devres_add(struct dmasim_device *d, void (*release)(struct device *, void *),
		       void *data, size_t size, dma_addr_t dma, void *cpu)
{
	struct dmasim_devres *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->release = release;
	r->data = data;
	r->size = size;
	r->dma = dma;
	r->cpu = cpu;
	pthread_mutex_lock(&d->lock);
	LIST_INSERT_HEAD(&d->devres, r, link);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int dmasim__devres_remove(struct dmasim_device *d, void (*release)(struct device *, void *),
			  void *data)
{
	struct dmasim_devres *r;

	pthread_mutex_lock(&d->lock);
	LIST_FOREACH(r, &d->devres, link)
		if (r->release == release && r->data == data) {
			LIST_REMOVE(r, link);
			pthread_mutex_unlock(&d->lock);
			free(r);
			return 0;
		}
	pthread_mutex_unlock(&d->lock);
	return -ENOENT;
}
