/*
 * lib/core/platform.c - the simulated machine as a whole: creation from a spec,
 * the current-platform stack, the log sink and the misuse counter.
 *
 * Creation order follows the data flow: RAM (memory.c), the swiotlb pool
 * carved out before the buddy allocator starts (swiotlb.c, page-alloc.c),
 * kmalloc slabs, then the cache model (cache.c).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
/*
 * Known exception (lib/README.md): the platform parses the keys of, creates,
 * dumps and destroys every layer above the machine (cache model, swiotlb, the
 * IOMMU, DMA-API debugging's cache-line table and site frames).
 */
#include "dma/dma.h"
#include "debug/debug.h"
#include "iommu/iommu.h"

static pthread_mutex_t plat_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(dmasim_platform_list, dmasim_platform) platforms = TAILQ_HEAD_INITIALIZER(platforms);
static struct dmasim_platform *current_plat;


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
	dmasim__vsnprintf(msg, sizeof(msg), fmt, ap); /* with the kernel's %pad, %pe, ... */
	va_end(ap);
	/* Driver messages usually end in a newline; the log takes lines without. */
	if (msg[0] && msg[strlen(msg) - 1] == '\n')
		msg[strlen(msg) - 1] = '\0';
	dmasim__log(p, level, "%s: %s", dev_name(dev), msg);
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

/* ---- the platform's keys ---------------------------------------------------- */

/* What the words say, before anything is made; the table's parsers fill it. */
struct platform_config {
	const char *machine; /* as given; NULL for the default */
	const char *ram;
	bool user_pages_contiguous;
	struct dmasim_swiotlb_choice swiotlb;
	struct dmasim_iommu_config iommu;
	struct dmasim_cache_choice cache;
	bool debug;
	unsigned int sites;
	unsigned long seed;
	bool quiet;
	bool exec_threaded;
	const char *fail, *trace;
};

static int parse_string(void *cfg, const char *key, const char *v, char *err, size_t errlen)
{
	(void)key, (void)err, (void)errlen;
	*(const char **)cfg = v;
	return 0;
}

static int parse_machine(void *cfg, const char *key, const char *v, char *err, size_t errlen)
{
	size_t off;

	if (dmasim_machine_preset_find(v)) {
		*(const char **)cfg = v;
		return 0;
	}
	off = (size_t)snprintf(err, errlen, "%s=%s: no such machine (known:", key, v);
	for (size_t i = 0; dmasim_machine_preset_get(i) && off < errlen; i++)
		off += (size_t)snprintf(err + off, errlen - off, " %s", dmasim_machine_preset_get(i)->name);
	if (off < errlen)
		snprintf(err + off, errlen - off, ")");
	return -EINVAL;
}

static int parse_user_pages(void *cfg, const char *key, const char *v, char *err, size_t errlen)
{
	return dmasim__parse_choice(key, v, "scattered", "contiguous", cfg, err, errlen);
}

/* Only when not the default. */
static bool format_user_pages(const void *obj, const void *cfg, const char *key, FILE *out)
{
	const struct dmasim_platform *p = obj;

	(void)cfg, (void)key;
	fputs(p->user_pages_contiguous ? "contiguous" : "scattered", out);
	return p->user_pages_contiguous;
}

static bool format_ram(const void *obj, const void *cfg, const char *key, FILE *out)
{
	const struct dmasim_platform *p = obj;
	char sz[32];

	(void)cfg, (void)key;
	for (int i = 0; i < p->nr_regions; i++)
		fprintf(out, "%s%s@0x%llx%s", i ? "," : "",
			dmasim__format_size(p->regions[i].size, sz, sizeof(sz)),
			(unsigned long long)p->regions[i].base, p->regions[i].high ? ":high" : "");
	return true;
}

static int parse_debug(void *cfg, const char *key, const char *v, char *err, size_t errlen)
{
	if (!dmasim__parse_bool(v, cfg))
		return 0;
	snprintf(err, errlen, "%s=%s: expected on or off", key, v);
	return -EINVAL;
}

static bool format_debug(const void *obj, const void *cfg, const char *key, FILE *out)
{
	(void)cfg, (void)key;
	fputs(((const struct dmasim_platform *)obj)->debug ? "on" : "off", out);
	return true;
}

static int parse_sites(void *cfg, const char *key, const char *v, char *err, size_t errlen)
{
	u64 n;

	if (dmasim__parse_u64(v, &n) || n > DMASIM_SITE_FRAMES) {
		snprintf(err, errlen, "%s=%s: expected 0 to %d call-site frames per mapping", key, v,
			 DMASIM_SITE_FRAMES);
		return -EINVAL;
	}
	*(unsigned int *)cfg = (unsigned int)n;
	return 0;
}

/* Only when not the default. */
static bool format_sites(const void *obj, const void *cfg, const char *key, FILE *out)
{
	const struct dmasim_platform *p = obj;

	(void)cfg, (void)key;
	fprintf(out, "%u", p->site_frames);
	return p->site_frames != DMASIM_SITE_FRAMES;
}

static int parse_seed(void *cfg, const char *key, const char *v, char *err, size_t errlen)
{
	u64 n;

	if (dmasim__parse_u64(v, &n)) {
		snprintf(err, errlen, "%s=%s: expected a number", key, v);
		return -EINVAL;
	}
	*(unsigned long *)cfg = (unsigned long)n;
	return 0;
}

static bool format_seed(const void *obj, const void *cfg, const char *key, FILE *out)
{
	(void)cfg, (void)key;
	fprintf(out, "%lu", ((const struct dmasim_platform *)obj)->seed);
	return true;
}

static int parse_log(void *cfg, const char *key, const char *v, char *err, size_t errlen)
{
	return dmasim__parse_choice(key, v, "stderr", "quiet", cfg, err, errlen);
}

static bool format_log(const void *obj, const void *cfg, const char *key, FILE *out)
{
	(void)cfg, (void)key;
	fputs(((const struct dmasim_platform *)obj)->quiet ? "quiet" : "stderr", out);
	return true;
}

static int parse_exec(void *cfg, const char *key, const char *v, char *err, size_t errlen)
{
	return dmasim__parse_choice(key, v, "deterministic", "threaded", cfg, err, errlen);
}

static bool format_exec(const void *obj, const void *cfg, const char *key, FILE *out)
{
	(void)cfg, (void)key;
	fputs(((const struct dmasim_platform *)obj)->exec_threaded ? "threaded" : "deterministic",
	      out);
	return ((const struct dmasim_platform *)obj)->exec_threaded; /* only when not the default */
}

/* As written, and only when given (an empty value included). */
static bool format_fail(const void *obj, const void *cfg, const char *key, FILE *out)
{
	const char *const *rules = cfg;

	(void)obj, (void)key;
	if (!rules || !*rules)
		return false;
	fputs(*rules, out);
	return true;
}

#define CFG(field) offsetof(struct platform_config, field)

/*
 * Every platform key, in the order of the normalised spec (and of parsing:
 * iommu= before the keys that need it).  docs/spec.md's key table is these
 * rows (tests/test-platform.c checks it).
 */
const struct dmasim_spec_key dmasim__platform_keys[] = {
	{ "machine", "machine", "a preset name: `pc`, `pc32`, `arm64-soc`, `arm64-soc-iommu`, `arm-noncoherent`, `pc-noncoherent` (`dmasim --list-machines`)",
	  "`pc`",
	  "a named machine: expands to its spec words, which every other word overrides; in the normalised spec only when given",
	  CFG(machine), parse_machine, format_fail },
	{ "ram", "memory", "`SIZE@ADDR[:high][,SIZE@ADDR[:high]...]`", "the machine's; `pc`: `636K@0x1000,2047M@0x100000,2G@0x100000000`",
	  "RAM regions at physical addresses; `:high` makes a region high memory (no linear map)",
	  CFG(ram), parse_string, format_ram },
	{ "user_pages", "memory", "`scattered`, `contiguous`", "`scattered`",
	  "the frames pinned user pages get: scattered (no two adjacent, seeded order, as a real process's) or in address order; in the normalised spec only when contiguous",
	  CFG(user_pages_contiguous), parse_user_pages, format_user_pages },
	{ "swiotlb", "swiotlb", "`SIZE[@ADDR][,force][,lifo]`, `off`, `force`",
	  "`4M`, in the lowest low-memory region that fits",
	  "the bounce pool; `force` bounces every streaming mapping; `lifo` reuses the slots freed last (not the kernel's search)",
	  CFG(swiotlb), dmasim__swiotlb_parse, dmasim__swiotlb_format },
	{ "iommu", "iommu", "`off`, `on`, `FORMAT[:OPTIONS]`", "`off`",
	  "the software IOMMU and its page-table format; `on` is the default format, `arm-lpae-4k`",
	  CFG(iommu), dmasim__iommu_parse, dmasim__iommu_format },
	{ "iova", "iommu", "`NAME[:OPTIONS]`", "`rbtree`", "the IOVA allocator (needs an IOMMU)",
	  CFG(iommu), dmasim__iommu_parse, dmasim__iommu_format },
	{ "mode", "iommu", "`strict`, `lazy`", "`strict`",
	  "IOTLB invalidation on unmap: at once, or batched in the flush queue (needs an IOMMU)",
	  CFG(iommu), dmasim__iommu_parse, dmasim__iommu_format },
	{ "iotlb", "iommu", "number, 4..1048576", "`512`",
	  "IOTLB entries, rounded down to a multiple of 4 (needs an IOMMU)",
	  CFG(iommu), dmasim__iommu_parse, dmasim__iommu_format },
	{ "fq", "iommu", "number, 1..65536", "`256`",
	  "lazy mode: flush when this many unmaps are queued (needs an IOMMU)",
	  CFG(iommu), dmasim__iommu_parse, dmasim__iommu_format },
	{ "fq_timeout", "iommu", "number, 0..60000", "`10`",
	  "lazy mode: flush when the oldest queued unmap is this many ms old; 0 = only when full (needs an IOMMU)",
	  CFG(iommu), dmasim__iommu_parse, dmasim__iommu_format },
	{ "cache", "cache", "`NAME[:line=N][:OPTIONS]`: `coherent`, `noncoherent[:evict=none]`, `noncoherent:evict=random`, or another registered model",
	  "`coherent`",
	  "the CPU cache model (a registered backend) and its line size; `noncoherent` keeps a CPU view apart from RAM",
	  CFG(cache), dmasim__cache_parse, dmasim__cache_format },
	{ "debug", "debug", "boolean", "`on`", "the DMA-API debug checks", CFG(debug), parse_debug,
	  format_debug },
	{ "sites", "debug", "0..6", "`6`",
	  "with `debug=on`, how many call-site frames a mapping keeps for its `[mapped at ...]`; 1 is the call site alone, without unwinding, 0 none; in the normalised spec only when not 6",
	  CFG(sites), parse_sites, format_sites },
	{ "seed", "machine", "number", "`1`",
	  "the seed for randomness (fault injection's `prob=`, the cache model's `evict=random`)",
	  CFG(seed), parse_seed, format_seed },
	{ "log", "machine", "`stderr`, `quiet`", "`stderr`",
	  "where messages go while no log handler is set", CFG(quiet), parse_log, format_log },
	{ "exec", "device models", "`deterministic`, `threaded`", "`deterministic`",
	  "how device models run: only when the program steps or driver code waits, in a seeded order, on virtual time; or each on its own thread with interrupts on an interrupt thread, on the real clock (docs/device-models.md); in the normalised spec only when `threaded`",
	  CFG(exec_threaded), parse_exec, format_exec },
	{ "fail", "fault-inject", "`RULE[,RULE...]`", "none",
	  "fault injection; shown last in the normalised spec when given", CFG(fail),
	  dmasim__fail_check, format_fail },
	{ "trace", "trace", "a file path", "none",
	  "write every event (map, unmap, sync, alloc, free, bounce, device access, fault, IOTLB flush, injected failure, report) to PATH as JSON lines; not shown in the normalised spec",
	  CFG(trace), parse_string, NULL },
	{ .key = NULL },
};

/* ---- creation ------------------------------------------------------------- */

static int configure_machine(struct dmasim_platform *p, struct platform_config *cfg, char *err,
			     size_t errlen);

static int configure(struct dmasim_platform *p, const struct dmasim_spec *s, char *err,
		     size_t errlen)
{
	struct platform_config cfg = {
		.swiotlb = { .size = DMASIM_DEFAULT_SWIOTLB },
		.debug = true,
		.sites = DMASIM_SITE_FRAMES,
		.seed = 1,
	};
	const char *name = dmasim__spec_get(s, "machine");
	const struct dmasim_machine_preset *m = dmasim_machine_preset_find(name ? name : "pc");
	struct dmasim_spec preset = { 0 };
	int ret;

	dmasim__iommu_config_init(&cfg.iommu);
	ret = dmasim__cache_parse(&cfg.cache, "cache", "coherent", err, errlen);
	/* The machine's words first, so that every word given overrides them. */
	if (!ret && !m)
		ret = parse_machine(&cfg.machine, "machine", name, err, errlen);
	if (!ret)
		ret = dmasim__machine_words(m, &preset, err, errlen);
	if (!ret)
		ret = dmasim__spec_apply(&preset, dmasim__platform_keys, "platform", &cfg, err,
					 errlen);
	if (!ret)
		ret = dmasim__spec_apply(s, dmasim__platform_keys, "platform", &cfg, err, errlen);
	if (!ret)
		ret = configure_machine(p, &cfg, err, errlen);
	/* Made now: the preset's words (cfg.ram...) are no longer needed. */
	if (!ret) {
		p->spec = dmasim__spec_format(dmasim__platform_keys, NULL, p, &cfg);
		ret = p->spec ? 0 : -ENOMEM;
	}
	dmasim__spec_free(&preset);
	return ret;
}

/* Make the machine @cfg describes. */
static int configure_machine(struct dmasim_platform *p, struct platform_config *cfg, char *err,
			     size_t errlen)
{
	int ret;

	/* Made in the order of the data flow; each layer reads its own part. */
	p->debug = cfg->debug;
	p->check_freed = cfg->debug ? dmasim__debug_check_freed : NULL;
	p->site_frames = cfg->sites;
	p->seed = cfg->seed;
	p->quiet = cfg->quiet;
	p->exec_threaded = cfg->exec_threaded;
	p->user_pages_contiguous = cfg->user_pages_contiguous;
	ret = dmasim__memory_init(p, cfg->ram,
				  !(cfg->cache.ops->base.caps & DMASIM_CACHE_CAP_COHERENT), err,
				  errlen);
	if (ret)
		return ret;
	ret = dmasim__swiotlb_init(p, cfg->swiotlb.size, cfg->swiotlb.base, cfg->swiotlb.base_set,
				   cfg->swiotlb.force, err, errlen);
	if (ret)
		return ret;
	dmasim__swiotlb_set_lifo(p, cfg->swiotlb.lifo);
	dmasim__buddy_init(p);
	dmasim__slab_init(p);
	ret = dmasim__cache_create(p, &cfg->cache, err, errlen);
	if (ret)
		return ret;
	ret = dmasim__iommu_create(p, &cfg->iommu, err, errlen);
	if (ret)
		return ret;
	if (cfg->fail) {
		ret = dmasim__fail_parse(p, cfg->fail, err, errlen);
		if (ret)
			return ret;
	}
	if (cfg->trace) {
		ret = dmasim__trace_open(p, cfg->trace, err, errlen);
		if (ret)
			return ret;
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
	if (p->machine_fini)
		p->machine_fini(p);
	dmasim__iommu_destroy(p);
	dmasim__fail_destroy(p);
	dmasim__trace_destroy(p);
	dmasim__cachelines_destroy(p);
	dmasim__ownership_destroy(p);
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
	if (p->machine_stop) /* models first: they are the hardware of the devices */
		p->machine_stop(p);
	while ((d = LIST_FIRST(&p->devices)) != NULL)
		dmasim_device_destroy(&d->dev);
	pthread_mutex_lock(&plat_lock);
	TAILQ_REMOVE(&platforms, p, link);
	if (current_plat == p)
		current_plat = TAILQ_LAST(&platforms, dmasim_platform_list);
	pthread_mutex_unlock(&plat_lock);

	teardown(p);
}

int dmasim_platform_layout(struct dmasim_platform *p, struct dmasim_layout *out)
{
	const unsigned int max = sizeof(out->region) / sizeof(out->region[0]);

	if (!p || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < p->nr_regions && out->nr_regions < max; i++) {
		struct dmasim_layout_region *r = &out->region[out->nr_regions++];

		r->base = p->regions[i].base;
		r->size = p->regions[i].size;
		r->high = p->regions[i].high;
		r->linear = p->regions[i].linear;
	}
	dmasim__buddy_zones(p, out);
	dmasim__swiotlb_layout(p, out);
	out->iommu = p->iommu != NULL;
	return 0;
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
	if (p->machine_dump)
		p->machine_dump(p, out);
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
