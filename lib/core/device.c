/*
 * lib/core/device.c - simulated devices (machine layer): creation from a
 * spec (the device key table), validation of the struct device pointers
 * driver code passes in, the choice of DMA ops and bus translation made once
 * at creation, managed (devres) resources, and destruction (which asks the
 * DMA-API debugging layer for its leak report).  The mapping records are not
 * here: they are DMA-API debugging's (lib/debug/entry.c).
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
/*
 * Known exception (lib/README.md): creating and destroying a device sets up
 * and tears down the layers above the machine (DMA ops, bus translation, the
 * IOMMU, dma_pool, DMA-API debugging), as the kernel's device core does.
 */
#include "dma/dma.h"
#include "dev/dev.h"
#include "debug/debug.h"
#include "iommu/iommu.h"

#if defined(__SANITIZE_ADDRESS__)
#define DMASIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DMASIM_ASAN 1
#endif
#endif
#ifdef DMASIM_ASAN
#include <sanitizer/asan_interface.h>
#endif

/*
 * Device memory is type-stable.  A driver may hold a struct device pointer
 * after dmasim_device_destroy() (the kernel's use-after-free), and docs/api.md
 * promises that every call with it is reported.  So a device's memory never
 * goes back to the host heap while the process runs: a destroyed device
 * stays a struct dmasim_device whose magic says "destroyed", and its name
 * stays readable for the report.  Its slot is reused for a new device only
 * after DEVICE_QUARANTINE later destructions (oldest first), so memory stays
 * bounded by the peak number of devices plus the quarantine, and a stale
 * pointer is recognised until then.  The check itself is unchanged: one
 * load of the device's own magic, no lock, no shared cache line.
 *
 * Under AddressSanitizer, everything of a destroyed device but struct device
 * and its name is poisoned, so a dmasim path that still used it is reported.
 */
#define DEVICE_QUARANTINE 1024u

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
/* Destroyed devices, oldest first; never handed back to the host heap before exit. */
static TAILQ_HEAD(, dmasim_device) dead_slots = TAILQ_HEAD_INITIALIZER(dead_slots);
static unsigned int nr_dead;

/* What dies with a device: all but struct device at the front and the name and link at the end. */
#define SLOT_DEAD_START offsetof(struct dmasim_device, plat)
#define SLOT_DEAD_LEN (offsetof(struct dmasim_device, name) - SLOT_DEAD_START)

static void slot_poison(struct dmasim_device *d, bool poison)
{
#ifdef DMASIM_ASAN
	if (poison)
		ASAN_POISON_MEMORY_REGION((char *)d + SLOT_DEAD_START, SLOT_DEAD_LEN);
	else
		ASAN_UNPOISON_MEMORY_REGION((char *)d + SLOT_DEAD_START, SLOT_DEAD_LEN);
#else
	(void)d;
	(void)poison;
#endif
}

/* A zeroed slot: the oldest destroyed one once the quarantine is full, else new. */
static struct dmasim_device *slot_get(void)
{
	struct dmasim_device *d = NULL;

	pthread_mutex_lock(&slot_lock);
	if (nr_dead > DEVICE_QUARANTINE) {
		d = TAILQ_FIRST(&dead_slots);
		TAILQ_REMOVE(&dead_slots, d, dead_link);
		nr_dead--;
	}
	pthread_mutex_unlock(&slot_lock);
	if (!d)
		return calloc(1, sizeof(*d));
	slot_poison(d, false);
	memset(d, 0, sizeof(*d));
	return d;
}

/* @d is dead (its magic says so): keep it recognisable. */
static void slot_put(struct dmasim_device *d)
{
	slot_poison(d, true);
	pthread_mutex_lock(&slot_lock);
	TAILQ_INSERT_TAIL(&dead_slots, d, dead_link);
	nr_dead++;
	pthread_mutex_unlock(&slot_lock);
}

/* At exit the destroyed devices' memory goes back, so leak checkers see none of it. */
__attribute__((destructor)) static void slots_release(void)
{
	struct dmasim_device *d;

	pthread_mutex_lock(&slot_lock);
	while ((d = TAILQ_FIRST(&dead_slots)) != NULL) {
		TAILQ_REMOVE(&dead_slots, d, dead_link);
		slot_poison(d, false);
		free(d);
	}
	nr_dead = 0;
	pthread_mutex_unlock(&slot_lock);
}

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
	if (dev->dmasim_magic == DMASIM_DEVICE_DEAD) {
		struct dmasim_platform *p = dmasim_platform_current();
		/* The name stays readable in a destroyed device's slot. */
		const char *name = to_dmasim(dev)->name;

		if (p)
			dmasim__report(p, "DMA-API: %s: %s: device %p was destroyed by dmasim_device_destroy()",
				       name, call, (void *)dev);
		else
			fprintf(stderr, "dmasim: %s: %s: device %p was destroyed by dmasim_device_destroy()\n",
				name, call, (void *)dev);
		return NULL;
	}
	if (dev->dmasim_magic != DMASIM_DEVICE_MAGIC) {
		struct dmasim_platform *p = dmasim_platform_current();

		if (p)
			dmasim__report(p, "DMA-API: %s: device %p was not made by dmasim_device_create()",
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
	{ .key = NULL },
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
	d = slot_get();
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
	LIST_INIT(&d->accesses);
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
		d->dev.dmasim_magic = DMASIM_DEVICE_DEAD; /* the slot may have been a device's */
		slot_put(d);
		return NULL;
	}
	d->bounce_all = d->force_bounce || dmasim__swiotlb_force(p);
	d->dma_direct = d->ops == &dmasim__direct_ops; /* as dma_map_direct(), decided once */
	d->bus_window = d->bus == &dmasim__bus_window;
	d->dev.init_name = d->name;
	pthread_mutex_init(&d->lock, NULL);
	d->dev.dmasim_magic = DMASIM_DEVICE_MAGIC;
	pthread_mutex_lock(&p->dev_lock);
	LIST_INSERT_HEAD(&p->devices, d, link);
	pthread_mutex_unlock(&p->dev_lock);
	return &d->dev;
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
	dmasim__debug_report_leaks(d);
	dmasim__iommu_remove_device(d);

	pthread_mutex_lock(&d->plat->dev_lock);
	LIST_REMOVE(d, link);
	pthread_mutex_unlock(&d->plat->dev_lock);
	dmasim__debug_device_free(d);
	pthread_mutex_destroy(&d->lock);
	/* Recognisable from now on: the memory stays a device (see slot_get()). */
	__atomic_store_n(&d->dev.dmasim_magic, DMASIM_DEVICE_DEAD, __ATOMIC_RELEASE);
	slot_put(d);
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
