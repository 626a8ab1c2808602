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

static const char *const device_keys[] = { "name", "coherent", "offset", "limit", "mask",
					   "max_seg", "seg_boundary", "min_align",
					   "force_bounce", "iommu", "domain", NULL };

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

static int parse_device(struct dmasim_device *d, const struct dmasim_spec *s, char *err,
			size_t errlen)
{
	const char *v, *bad = dmasim__spec_unknown(s, device_keys);
	u64 n;
	bool b;

	if (bad) {
		snprintf(err, errlen,
			 "unknown key '%s' (device keys: name coherent offset limit mask max_seg seg_boundary min_align force_bounce iommu domain)",
			 bad);
		return -EINVAL;
	}
	if ((v = dmasim__spec_get(s, "name")) != NULL) {
		if (!*v || strlen(v) >= sizeof(d->name)) {
			snprintf(err, errlen, "name='%s': 1 to %zu characters", v, sizeof(d->name) - 1);
			return -EINVAL;
		}
		snprintf(d->name, sizeof(d->name), "%s", v);
	}
	if ((v = dmasim__spec_get(s, "coherent")) != NULL) {
		if (dmasim__parse_bool(v, &b))
			goto bad_value;
		d->dev.dma_coherent = b;
	}
	if ((v = dmasim__spec_get(s, "force_bounce")) != NULL) {
		if (dmasim__parse_bool(v, &b))
			goto bad_value;
		d->force_bounce = b;
	}
	if ((v = dmasim__spec_get(s, "offset")) != NULL) {
		if (dmasim__parse_u64(v, &n))
			goto bad_value;
		d->bus_offset = n;
	}
	if ((v = dmasim__spec_get(s, "limit")) != NULL) {
		if (dmasim__parse_u64(v, &n))
			goto bad_value;
		d->dev.bus_dma_limit = n;
	}
	if ((v = dmasim__spec_get(s, "mask")) != NULL) {
		if (dmasim__parse_u64(v, &n) || n < 1 || n > 64)
			goto bad_value;
		d->dma_mask = DMA_BIT_MASK(n);
		d->dev.coherent_dma_mask = DMA_BIT_MASK(n);
	}
	if ((v = dmasim__spec_get(s, "max_seg")) != NULL) {
		if (dmasim__parse_size(v, &n) || !n || n > UINT32_MAX)
			goto bad_value;
		d->parms.max_segment_size = (unsigned int)n;
	}
	if ((v = dmasim__spec_get(s, "seg_boundary")) != NULL) {
		if (dmasim__parse_u64(v, &n) || ((n + 1) & n))
			goto bad_value;
		d->parms.segment_boundary_mask = (unsigned long)n;
	}
	if ((v = dmasim__spec_get(s, "iommu")) != NULL) {
		if (dmasim__parse_bool(v, &b))
			goto bad_value;
		if (b && !d->plat->iommu) {
			snprintf(err, errlen, "iommu=1: the platform has no IOMMU (iommu=off)");
			return -EINVAL;
		}
		d->behind_iommu = b;
	}
	if ((v = dmasim__spec_get(s, "domain")) != NULL && !d->behind_iommu) {
		snprintf(err, errlen, "domain=%s: the device is not behind an IOMMU", v);
		return -EINVAL;
	}
	if ((v = dmasim__spec_get(s, "min_align")) != NULL) {
		if (dmasim__parse_u64(v, &n) || ((n + 1) & n) || n > UINT32_MAX)
			goto bad_value;
		d->parms.min_align_mask = (unsigned int)n;
	}
	return 0;
bad_value:
	for (size_t i = s->n; i-- > 0;)
		if (s->kv[i].val == v) {
			snprintf(err, errlen, "%s=%s: bad value", s->kv[i].key, v);
			break;
		}
	return -EINVAL;
}

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
		ret = parse_device(d, &s, err, sizeof(err));
	if (!ret && d->behind_iommu)
		ret = dmasim__iommu_add_device(d, dmasim__spec_get(&s, "domain"), err, sizeof(err));
	dmasim__spec_free(&s);
	if (ret) {
		dmasim__report(p, "dmasim_device_create: bad spec \"%s\": %s", spec ? spec : "",
			       err[0] ? err : strerror(-ret));
		free(d);
		return NULL;
	}
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
	d->dev.dmasim_magic = 0;
	dmasim__debug_device_free(d);
	pthread_mutex_destroy(&d->lock);
	free(d);
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
