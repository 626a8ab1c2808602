/*
 * lib/platform.c - the simulated machine as a whole: creation from a spec,
 * the current-platform stack, the log sink and the misuse counter.
 *
 * Creation order follows the data flow: RAM (memory.c), the swiotlb pool
 * carved out before the buddy allocator starts (swiotlb.c, page-alloc.c),
 * kmalloc slabs, then the cache model (cache.c).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static pthread_mutex_t plat_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(dmasim_platform_list, dmasim_platform) platforms = TAILQ_HEAD_INITIALIZER(platforms);
static struct dmasim_platform *current_plat;

static const char *const platform_keys[] = { "ram", "swiotlb", "iommu", "iova", "mode",
					     "iotlb", "fq", "fq_timeout", "cache", "debug",
					     "sites", "seed", "log", "fail", "trace", NULL };

#define DEFAULT_RAM "256M@0x80000000"
#define DEFAULT_SWIOTLB (4ULL << 20)

/* ---- log ---------------------------------------------------------------- */

void dmasim__vlog(struct dmasim_platform *p, int level, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (p && p->log_fn) {
		pthread_mutex_lock(&p->log_lock);
		p->log_fn(p->log_ctx, level, msg);
		pthread_mutex_unlock(&p->log_lock);
		return;
	}
	if (p && p->quiet)
		return;
	fprintf(stderr, "dmasim: %s\n", msg);
}

void dmasim__log(struct dmasim_platform *p, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dmasim__vlog(p, level, fmt, ap);
	va_end(ap);
}

/* Count, trace and log one misuse report (@dev: the device it is about, or NULL). */
static void report_msg(struct dmasim_platform *p, const char *dev, const char *msg)
{
	if (!p) {
		fprintf(stderr, "dmasim: %s\n", msg);
		return;
	}
	atomic_fetch_add(&p->debug_errors, 1);
	if (DMASIM_TRACING(p))
		dmasim__trace(p, &(struct dmasim_trace_event){ .ev = "report", .dev = dev,
							       .msg = msg });
	dmasim__log(p, DMASIM_LOG_ERR, "%s", msg);
}

void dmasim__report(struct dmasim_platform *p, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report_msg(p, NULL, msg);
}

static void dev_vreport(struct dmasim_device *d, const char *fmt, va_list ap)
{
	char body[900], msg[1024];

	vsnprintf(body, sizeof(body), fmt, ap);
	snprintf(msg, sizeof(msg), "DMA-API: %s: %s", d->name, body);
	report_msg(d->plat, d->name, msg);
}

void dmasim__dev_report(struct dmasim_device *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dev_vreport(d, fmt, ap);
	va_end(ap);
}

void dmasim__debug_report(struct dmasim_device *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->plat->debug)
		return;
	va_start(ap, fmt);
	dev_vreport(d, fmt, ap);
	va_end(ap);
}

void dmasim_set_log_handler(struct dmasim_platform *p, dmasim_log_fn fn, void *ctx)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->log_lock);
	p->log_fn = fn;
	p->log_ctx = ctx;
	pthread_mutex_unlock(&p->log_lock);
}

unsigned long dmasim_debug_errors(struct dmasim_platform *p)
{
	return p ? atomic_load(&p->debug_errors) : 0;
}

void dmasim_dev_printk(int level, const struct device *dev, const char *fmt, ...)
{
	struct dmasim_platform *p = dmasim_platform_current();
	char msg[900];
	va_list ap;

	if (dev && dev->dmasim_magic == DMASIM_DEVICE_MAGIC)
		p = container_of(dev, struct dmasim_device, dev)->plat;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Driver messages usually end in a newline; the log takes lines without. */
	if (msg[0] && msg[strlen(msg) - 1] == '\n')
		msg[strlen(msg) - 1] = '\0';
	dmasim__log(p, level, "%s: %s", dev_name(dev), msg);
}

/* ---- simulated interrupt context ----------------------------------------- */

static _Thread_local int irq_depth;

void dmasim_irq_enter(void)
{
	irq_depth++;
}

void dmasim_irq_exit(void)
{
	if (irq_depth > 0)
		irq_depth--;
}

bool dmasim_in_irq(void)
{
	return irq_depth > 0;
}

/* ---- current platform ---------------------------------------------------- */

struct dmasim_platform *dmasim_platform_current(void)
{
	struct dmasim_platform *p;

	pthread_mutex_lock(&plat_lock);
	p = current_plat;
	pthread_mutex_unlock(&plat_lock);
	return p;
}

struct dmasim_platform *dmasim__current(const char *call)
{
	struct dmasim_platform *p = dmasim_platform_current();

	if (!p)
		fprintf(stderr, "dmasim: %s: no platform exists; call dmasim_platform_create() first\n",
			call);
	return p;
}

int dmasim_platform_set_current(struct dmasim_platform *p)
{
	struct dmasim_platform *it;
	int ret = -EINVAL;

	pthread_mutex_lock(&plat_lock);
	TAILQ_FOREACH(it, &platforms, link)
		if (it == p) {
			current_plat = p;
			ret = 0;
		}
	pthread_mutex_unlock(&plat_lock);
	return ret;
}

const char *dmasim_platform_spec(const struct dmasim_platform *p)
{
	return p ? p->spec : NULL;
}

/* ---- creation ------------------------------------------------------------- */

static int parse_swiotlb(const char *v, u64 *size, phys_addr_t *base, bool *base_set,
			 bool *force, bool *lifo, char *err, size_t errlen)
{
	char buf[96], *comma, *at;

	*size = DEFAULT_SWIOTLB;
	*base_set = false;
	*force = false;
	*lifo = false;
	if (!v)
		return 0;
	if (!strcmp(v, "off")) {
		*size = 0;
		return 0;
	}
	if (!strcmp(v, "force")) {
		*force = true;
		return 0;
	}
	if (strlen(v) >= sizeof(buf))
		goto bad;
	strcpy(buf, v);
	comma = strchr(buf, ',');
	if (comma)
		*comma++ = '\0';
	/* Flags after SIZE[@ADDR], each at most once, in any order. */
	while (comma) {
		char *flag = comma;

		comma = strchr(flag, ',');
		if (comma)
			*comma++ = '\0';
		if (!strcmp(flag, "force") && !*force)
			*force = true;
		else if (!strcmp(flag, "lifo") && !*lifo)
			*lifo = true;
		else
			goto bad;
	}
	at = strchr(buf, '@');
	if (at) {
		*at++ = '\0';
		if (dmasim__parse_u64(at, base))
			goto bad;
		*base_set = true;
	}
	if (dmasim__parse_size(buf, size) || *size < IO_TLB_SIZE * IO_TLB_SEGSIZE ||
	    (*size & (IO_TLB_SIZE * IO_TLB_SEGSIZE - 1)))
		goto bad;
	return 0;
bad:
	snprintf(err, errlen,
		 "swiotlb=%s: expected SIZE[@ADDR][,force][,lifo], off or force; SIZE a multiple of 256K",
		 v);
	return -EINVAL;
}

static int configure(struct dmasim_platform *p, const struct dmasim_spec *s, char *err,
		     size_t errlen)
{
	const char *v, *bad;
	u64 sw_size, seed = 1, sites = DMASIM_SITE_FRAMES;
	phys_addr_t sw_base = 0;
	bool sw_base_set, sw_force, sw_lifo;
	int ret;

	bad = dmasim__spec_unknown(s, platform_keys);
	if (bad) {
		snprintf(err, errlen,
			 "unknown key '%s' (platform keys: ram swiotlb iommu iova mode iotlb fq fq_timeout cache debug sites seed log fail trace)",
			 bad);
		return -EINVAL;
	}
	p->debug = true;
	v = dmasim__spec_get(s, "debug");
	if (v && dmasim__parse_bool(v, &p->debug)) {
		snprintf(err, errlen, "debug=%s: expected on or off", v);
		return -EINVAL;
	}
	v = dmasim__spec_get(s, "sites");
	if (v && (dmasim__parse_u64(v, &sites) || sites > DMASIM_SITE_FRAMES)) {
		snprintf(err, errlen, "sites=%s: expected 0 to %d call-site frames per mapping", v,
			 DMASIM_SITE_FRAMES);
		return -EINVAL;
	}
	p->site_frames = (unsigned int)sites;
	v = dmasim__spec_get(s, "seed");
	if (v && dmasim__parse_u64(v, &seed)) {
		snprintf(err, errlen, "seed=%s: expected a number", v);
		return -EINVAL;
	}
	p->seed = (unsigned long)seed;
	v = dmasim__spec_get(s, "log");
	if (v && strcmp(v, "stderr") && strcmp(v, "quiet")) {
		snprintf(err, errlen, "log=%s: expected stderr or quiet", v);
		return -EINVAL;
	}
	p->quiet = v && !strcmp(v, "quiet");
	ret = parse_swiotlb(dmasim__spec_get(s, "swiotlb"), &sw_size, &sw_base, &sw_base_set,
			    &sw_force, &sw_lifo, err, errlen);
	if (ret)
		return ret;
	v = dmasim__spec_get(s, "ram");
	ret = dmasim__memory_init(p, v ? v : DEFAULT_RAM,
				  !dmasim__cache_is_coherent(dmasim__spec_get(s, "cache")), err, errlen);
	if (ret)
		return ret;
	ret = dmasim__swiotlb_init(p, sw_size, sw_base, sw_base_set, sw_force, err, errlen);
	if (ret)
		return ret;
	dmasim__swiotlb_set_lifo(p, sw_lifo);
	dmasim__buddy_init(p);
	dmasim__slab_init(p);
	v = dmasim__spec_get(s, "cache");
	ret = dmasim__cache_create(p, v ? v : "coherent", err, errlen);
	if (ret)
		return ret;
	ret = dmasim__iommu_create(p, s, err, errlen);
	if (ret)
		return ret;
	v = dmasim__spec_get(s, "fail");
	if (v) {
		ret = dmasim__fail_parse(p, v, err, errlen);
		if (ret)
			return ret;
	}
	v = dmasim__spec_get(s, "trace");
	if (v) {
		ret = dmasim__trace_open(p, v, err, errlen);
		if (ret)
			return ret;
	}

	/* The normalised spec: every key with the value in force. */
	{
		char sz[32];

		/* Per region at most "274877906943K@0xffffffffffff:high," (34 bytes). */
		char ram[DMASIM_MAX_REGIONS * 40] = "", sw[96], iommu[256];
		size_t off = 0;

		for (int i = 0; i < p->nr_regions; i++)
			off += (size_t)snprintf(ram + off, sizeof(ram) - off, "%s%s@0x%llx%s",
						i ? "," : "",
						dmasim__format_size(p->regions[i].size, sz, sizeof(sz)),
						(unsigned long long)p->regions[i].base,
						p->regions[i].high ? ":high" : "");
		if (dmasim__swiotlb_active(p))
			snprintf(sw, sizeof(sw), "%s@0x%llx%s%s",
				 dmasim__format_size(dmasim__swiotlb_end(p) + 1 - dmasim__swiotlb_start(p),
						     sz, sizeof(sz)),
				 (unsigned long long)dmasim__swiotlb_start(p),
				 dmasim__swiotlb_force(p) ? ",force" : "",
				 dmasim__swiotlb_lifo(p) ? ",lifo" : "");
		else
			snprintf(sw, sizeof(sw), "off");
		v = dmasim__spec_get(s, "cache");
		dmasim__iommu_spec(p, iommu, sizeof(iommu));
		const char *fail = dmasim__spec_get(s, "fail");

		char site_key[16] = "";

		if (p->site_frames != DMASIM_SITE_FRAMES)
			snprintf(site_key, sizeof(site_key), " sites=%u", p->site_frames);
		if (asprintf(&p->spec, "ram=%s swiotlb=%s %s cache=%s debug=%s%s seed=%lu log=%s%s%s",
			     ram, sw, iommu, v ? v : "coherent", p->debug ? "on" : "off", site_key,
			     p->seed, p->quiet ? "quiet" : "stderr", fail ? " fail=" : "",
			     fail ? fail : "") < 0) {
			p->spec = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Undo whatever of the machine exists, in the reverse order of creation: the
 * one teardown, for a creation that failed at any step and for
 * dmasim_platform_destroy() (which has already destroyed the devices).  Every
 * step's destroy accepts a step that never ran.
 */
static void teardown(struct dmasim_platform *p)
{
	dmasim__iommu_destroy(p);
	dmasim__fail_destroy(p);
	dmasim__trace_destroy(p);
	dmasim__cachelines_destroy(p);
	dmasim__alias_destroy_all(p);
	dmasim__cache_destroy(p);
	dmasim__slab_destroy(p);
	dmasim__swiotlb_destroy(p);
	dmasim__memory_destroy(p);
	pthread_mutex_destroy(&p->mm_lock);
	pthread_mutex_destroy(&p->log_lock);
	pthread_mutex_destroy(&p->dev_lock);
	free(p->spec);
	free(p);
}

struct dmasim_platform *dmasim_platform_create(const char *spec)
{
	struct dmasim_platform *p;
	struct dmasim_spec s = { 0 };
	const char *env = getenv("DMASIM_SPEC");
	char err[512] = "";
	int ret;

	dmasim__backends_init();
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->memfd = -1;
	p->cpu_fd = -1;
	pthread_mutex_init(&p->mm_lock, NULL);
	pthread_mutex_init(&p->log_lock, NULL);
	pthread_mutex_init(&p->dev_lock, NULL);
	LIST_INIT(&p->devices);
	RB_INIT(&p->aliases);

	ret = dmasim__spec_parse(&s, spec, err, sizeof(err));
	if (!ret && env && *env) {
		ret = dmasim__spec_parse(&s, env, err, sizeof(err));
		if (ret && err[0]) {
			char tmp[sizeof(err)];

			memcpy(tmp, err, sizeof(tmp));
			snprintf(err, sizeof(err), "DMASIM_SPEC: %.480s", tmp);
		}
	}
	if (!ret)
		ret = configure(p, &s, err, sizeof(err));
	dmasim__spec_free(&s);
	if (ret) {
		fprintf(stderr, "dmasim: dmasim_platform_create: bad spec \"%s%s%s\": %s\n",
			spec ? spec : "", env && *env ? "\" + DMASIM_SPEC \"" : "",
			env && *env ? env : "", err[0] ? err : strerror(-ret));
		teardown(p);
		return NULL;
	}
	pthread_mutex_lock(&plat_lock);
	TAILQ_INSERT_TAIL(&platforms, p, link);
	current_plat = p;
	pthread_mutex_unlock(&plat_lock);
	return p;
}

void dmasim_platform_destroy(struct dmasim_platform *p)
{
	struct dmasim_device *d;

	if (!p)
		return;
	while ((d = LIST_FIRST(&p->devices)) != NULL)
		dmasim_device_destroy(&d->dev);
	pthread_mutex_lock(&plat_lock);
	TAILQ_REMOVE(&platforms, p, link);
	if (current_plat == p)
		current_plat = TAILQ_LAST(&platforms, dmasim_platform_list);
	pthread_mutex_unlock(&plat_lock);

	teardown(p);
}

void dmasim_platform_dump(struct dmasim_platform *p, FILE *out)
{
	struct dmasim_device *d;

	if (!p || !out)
		return;
	fprintf(out, "platform: %s\n", p->spec);
	for (int i = 0; i < p->nr_regions; i++) {
		struct dmasim_region *r = &p->regions[i];

		bool mib = !(r->size & ((1ULL << 20) - 1));

		fprintf(out, "  RAM %d: phys 0x%09llx-0x%09llx (%llu %s)%s", i,
			(unsigned long long)r->base, (unsigned long long)(r->base + r->size - 1),
			(unsigned long long)(r->size >> (mib ? 20 : 10)), mib ? "MiB" : "KiB",
			r->high ? " highmem" : "");
		if (r->linear)
			fprintf(out, "  linear map %p-%p\n", (void *)r->linear,
				(void *)(r->linear + r->size - 1));
		else
			fprintf(out, "  no linear map (kmap/vmap only)\n");
	}
	dmasim__buddy_dump(p, out);
	dmasim__swiotlb_dump(p, out);
	dmasim__iommu_dump(p, out);
	pthread_mutex_lock(&p->dev_lock);
	LIST_FOREACH(d, &p->devices, link) {
		fprintf(out, "  device %s: mask 0x%llx coherent mask 0x%llx offset 0x%llx limit 0x%llx %s, %lu live mappings\n",
			d->name, (unsigned long long)d->dma_mask,
			(unsigned long long)d->dev.coherent_dma_mask,
			(unsigned long long)d->bus_offset, (unsigned long long)d->dev.bus_dma_limit,
			d->dev.dma_coherent ? "coherent" : "non-coherent", d->nr_maps);
		dmasim__iommu_dump_device(d, out);
		dmasim__dump_maps(d, out);
	}
	pthread_mutex_unlock(&p->dev_lock);
}
