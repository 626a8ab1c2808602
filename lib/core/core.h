/*
 * lib/core/core.h - the machine: the platform, its spec and spec-key tables,
 * devices (struct dmasim_device and its bus window), logging and misuse
 * reports, fault injection, tracing and the backend registry.
 *
 * The machine is one layer in two headers: this one and lib/mm/mm.h, which
 * it includes (the platform embeds the memory structs).
 *
 * Preconditions every internal function may rely on: struct dmasim_device
 * pointers passed in were validated by dmasim__dev(); d->lock protects a
 * device's records and devres list.
 *
 * May use: lib/mm/mm.h.  Used by every layer above.  The structs of the
 * layers above (cache model, swiotlb, IOMMU, DMA ops, bus translation,
 * debug entries) are only named here, by pointer.
 */
#ifndef DMASIM_LIB_CORE_H
#define DMASIM_LIB_CORE_H

#include <stdarg.h>

#include "mm/mm.h"

#define DMASIM_WARN_ON(p, cond)                                                       \
	((cond) ? (dmasim__log((p), DMASIM_LOG_ERR, "dmasim: internal error: %s at %s:%d", \
			       #cond, __FILE__, __LINE__),                             \
		   1)                                                                  \
		: 0)

/* ---- spec parsing (spec.c) -------------------------------------------- */

struct dmasim_kv {
	char *key;
	char *val;
};

struct dmasim_spec {
	struct dmasim_kv *kv;
	size_t n;
};

/* Split "a=b c=d" into pairs; later duplicates win in dmasim__spec_get(). */
int dmasim__spec_parse(struct dmasim_spec *s, const char *text, char *err, size_t errlen);
void dmasim__spec_free(struct dmasim_spec *s);
/* Append named machine @m's words to @out: its base machine's first (machines.def). */
int dmasim__machine_words(const struct dmasim_machine_preset *m, struct dmasim_spec *out, char *err,
			  size_t errlen);
const char *dmasim__spec_get(const struct dmasim_spec *s, const char *key);
/* The first key not in @known (NULL-terminated), or NULL. */
const char *dmasim__spec_unknown(const struct dmasim_spec *s, const char *const *known);
/*
 * Numbers in spec values, all through one digit scanner (spec.c): digits
 * only, no sign, space, exponent, NaN or infinity, nothing after the number;
 * 0 or -EINVAL (syntax) / -ERANGE (beyond 64 bits, or above 1 for a fraction).
 */
int dmasim__parse_u64(const char *s, u64 *out);     /* decimal or 0x hex */
int dmasim__parse_size(const char *s, u64 *out);    /* with K/M/G/T suffix */
/* A decimal fraction "D[.DDD]" between 0 and 1, as a count of 1/@scale (rounded). */
int dmasim__parse_fraction(const char *s, u64 scale, u64 *out);
int dmasim__parse_bool(const char *s, bool *out);   /* 0/1/on/off/yes/no/true/false */
/* @v is @no (false) or @yes (true); else -EINVAL and "key=v: expected no or yes". */
int dmasim__parse_choice(const char *key, const char *v, const char *no, const char *yes, bool *out,
			 char *err, size_t errlen);
/* @size in the largest exact unit ("256M", "4K", "1500"); returns @buf. */
const char *dmasim__format_size(u64 size, char *buf, size_t len);

/*
 * One key of a spec, in a table (ended by a NULL key) that is the only list
 * of a spec's keys: parsing, the "unknown key" message, the normalised spec,
 * `dmasim --help` and the check of docs/spec.md all come from it.  The layer
 * that owns a key's meaning supplies its parser and formatter; the table only
 * routes the value to it.
 */
struct dmasim_spec_key {
	const char *key;
	const char *layer;  /* the layer that owns the value's meaning */
	const char *syntax; /* what a value looks like (Markdown: `code`) */
	const char *dflt;   /* in force without the key (Markdown) */
	const char *help;   /* what it configures, one sentence (Markdown) */
	/* Where the parsed value goes: @cfg + @offset is what parse() gets. */
	size_t offset;
	/*
	 * Check @val, the word in force for @key, and store it in @cfg; 0, or
	 * -EINVAL with @err (naming key=value).  One parser may serve all the
	 * keys of its layer.
	 */
	int (*parse)(void *cfg, const char *key, const char *val, char *err, size_t errlen);
	/*
	 * The value in force, from the object made (@obj) or from what was
	 * parsed (@cfg + @offset, NULL once creation is over); false: the key
	 * is left out of the normalised spec.  NULL: never shown.
	 */
	bool (*format)(const void *obj, const void *cfg, const char *key, FILE *out);
};

/*
 * Check @s against @keys (an unknown key: "unknown key 'K' (@what keys: ...)")
 * and hand each key given to its parser, in table order.  Return 0 or -errno with @err.
 */
int dmasim__spec_apply(const struct dmasim_spec *s, const struct dmasim_spec_key *keys,
		       const char *what, void *cfg, char *err, size_t errlen);
/*
 * The normalised words "key=value ..." of the keys of @layer (NULL: all) that
 * have a formatter and show; malloc()ed, NULL without memory.  @cfg as in
 * dmasim_spec_key.format.
 */
char *dmasim__spec_format(const struct dmasim_spec_key *keys, const char *layer,
			  const void *obj, const void *cfg);
/* The table as help text, one key per line (Markdown quoting dropped). */
void dmasim__spec_help(const struct dmasim_spec_key *keys, FILE *out);
/* The table's row of docs/spec.md: "| `key` | syntax | default | help |". */
void dmasim__spec_doc_row(const struct dmasim_spec_key *k, FILE *out);
/*
 * Split @value, the value of @key, as "NAME[:OPTIONS]": NAME into @name,
 * @opts to the text after the first ':' ("" if none).  A NAME that does not
 * fit: -EINVAL with "@key=@value: name too long".
 */
int dmasim__spec_split(const char *key, const char *value, char *name, size_t namelen,
		       const char **opts, char *err, size_t errlen);
/* The key tables: the platform's (lib/core/platform.c) and the device's (lib/core/device.c). */
extern const struct dmasim_spec_key dmasim__platform_keys[];
extern const struct dmasim_spec_key dmasim__device_keys[];

/* ---- the backend registry (backend.c) ------------------------------------- */

/* Built-in backends: cache models (lib/cache/), IOMMU backends (iommu/iova/, iommu/pgtable/). */
extern const struct dmasim_cache_ops dmasim__cache_coherent;
extern const struct dmasim_cache_ops dmasim__cache_noncoherent;
/* Built-in IOMMU backends (iommu/iova/, iommu/pgtable/). */
extern const struct dmasim_iova_ops dmasim__iova_rbtree;
extern const struct dmasim_iova_ops dmasim__iova_bitmap;
extern const struct dmasim_pgtable_ops dmasim__pgtable_arm_lpae_4k;
extern const struct dmasim_pgtable_ops dmasim__pgtable_arm_v7s;
void dmasim__backends_init(void);

/* ---- devices (device.c) ----------------------------------------------------- */

/* A bounce slot field that holds none (records, traces). */
#define DMASIM_NO_TLB ((phys_addr_t)-1)

struct dmasim_map;
RB_HEAD(dmasim_map_tree, dmasim_map);

struct dmasim_devres {
	LIST_ENTRY(dmasim_devres) link;
	void (*release)(struct device *dev, void *data);
	void *data;
	size_t size;
	dma_addr_t dma;
	void *cpu;
};

struct dmasim_dma_ops;
struct dmasim_domain;

/* A device's IOMMU group (one device per group here). */
struct iommu_group {
	int id;
	struct dmasim_device *dev;
};

struct dmasim_device {
	struct device dev;
	struct dmasim_platform *plat;
	u64 dma_mask;
	phys_addr_t bus_offset; /* bus = phys - offset */
	struct device_dma_parameters parms;
	bool force_bounce;
	bool bounce_all;        /* force_bounce, or the platform's swiotlb=...,force: set at creation */
	const struct dmasim_dma_ops *ops;       /* the driver's side: chosen once, at creation */
	bool dma_direct;        /* ops are dma-direct: the API layer calls it inline (set at creation) */
	const struct dmasim_bus_ops *bus;       /* the device's side: how its bus addresses translate */
	bool bus_window;        /* bus is the direct window: device accesses take it inline (set at creation) */
	pthread_mutex_t lock;
	struct dmasim_map_tree maps;
	SLIST_HEAD(, dmasim_map) free_maps; /* unused records, for reuse (at most 64) */
	unsigned int nr_free_maps;
	size_t max_map_size;
	unsigned long nr_maps;
	unsigned long seq;
	LIST_HEAD(, dmasim_devres) devres;
	LIST_HEAD(, dma_pool) pools;
	/* Device accesses on a bus window that DMA-API debugging let through, not yet copied. */
	LIST_HEAD(, dmasim_dev_access) accesses;
	LIST_ENTRY(dmasim_device) link;
	/* Behind the IOMMU: the domain translating now (NULL = blocked) and the default one. */
	bool behind_iommu;
	bool legacy_dma;        /* the 8237 (lib/dev/i8237.c): a bus master outside the DMA API, its accesses not checked against mappings */
	struct dmasim_domain *domain;
	struct dmasim_domain *default_domain;
	struct iommu_group group;
	/*
	 * Last, and valid after dmasim_device_destroy() (lib/core/device.c:
	 * device memory is type-stable, everything from @plat to here is
	 * dead then): the name for the report, the link among destroyed devices.
	 */
	char name[64];
	TAILQ_ENTRY(dmasim_device) dead_link;
};

static inline struct dmasim_device *to_dmasim(struct device *dev)
{
	return container_of(dev, struct dmasim_device, dev);
}

/* Validate a struct device from the user: NULL or foreign gives NULL and a message. */
struct dmasim_device *dmasim__dev_slow(struct device *dev, const char *call);
static inline struct dmasim_device *dmasim__dev(struct device *dev, const char *call)
{
	if (__builtin_expect(dev && dev->dmasim_magic == DMASIM_DEVICE_MAGIC, 1))
		return to_dmasim(dev);
	return dmasim__dev_slow(dev, call);
}

/* Managed resources. */
int dmasim__devres_add(struct dmasim_device *d, void (*release)(struct device *, void *),
		       void *data, size_t size, dma_addr_t dma, void *cpu);
/* Remove (without releasing) the devres matching @release/@data. Return 0 or -ENOENT. */
int dmasim__devres_remove(struct dmasim_device *d, void (*release)(struct device *, void *),
			  void *data);

/*
 * The device's bus window: bus addresses are physical ones minus its offset,
 * up to its bus limit (dma-direct, swiotlb, the direct window and dma-iommu's
 * reach use it).  Inline, as the kernel's: a few instructions on every map,
 * sync and unmap.
 */
static inline dma_addr_t dmasim__phys_to_dma(struct dmasim_device *d, phys_addr_t phys)
{
	return phys - d->bus_offset;
}

static inline phys_addr_t dmasim__dma_to_phys(struct dmasim_device *d, dma_addr_t dma)
{
	return dma + d->bus_offset;
}

static inline u64 dmasim__dev_limit(struct dmasim_device *d, u64 mask)
{
	u64 limit = d->dev.bus_dma_limit;

	return limit && limit < mask ? limit : mask;
}

/* Whether the device can address [dma, dma+size) under @mask and its bus limit. */
static inline bool dmasim__dma_capable(struct dmasim_device *d, dma_addr_t dma, size_t size,
				       u64 mask)
{
	dma_addr_t end = dma + size - 1;

	if (!size || end < dma)
		return false;
	return end <= dmasim__dev_limit(d, mask);
}

/* ---- fault injection (fault-inject.c) -------------------------------------- */

enum dmasim_fail_kind {
	FAIL_MAP,      /* streaming mappings: single, page, resource, sg */
	FAIL_ALLOC,    /* coherent, page, noncoherent and noncontiguous allocations */
	FAIL_POOL,     /* dma_pool_alloc */
	FAIL_PAGES,    /* alloc_pages and friends */
	FAIL_KMALLOC,  /* kmalloc and friends */
	FAIL_IOVA,     /* IOVA allocation behind an IOMMU: the space is "exhausted" */
	FAIL_SWIOTLB,  /* bounce slots: the pool is "full" */
	FAIL_ACCESS,   /* a device access faults */
	DMASIM_FAIL_NR_KINDS
};

struct dmasim_fail;

/* Replace the rules with "RULE[,RULE...]". Return 0 or -EINVAL with @err. */
int dmasim__fail_parse(struct dmasim_platform *p, const char *rules, char *err, size_t errlen);
/* The spec-key parser of fail=: check the rules, keep the text (a const char *) for later. */
int dmasim__fail_check(void *cfg, const char *key, const char *rules, char *err, size_t errlen);
void dmasim__fail_destroy(struct dmasim_platform *p);
/* dmasim__should_fail() once some rule is set (the rules decide). */
bool dmasim__should_fail_rules(struct dmasim_platform *p, enum dmasim_fail_kind kind,
			       const struct dmasim_device *d, const char *call);
const char *dmasim__fail_kind_name(enum dmasim_fail_kind k);

/* ---- tracing (trace.c) ----------------------------------------------------- */

struct dmasim_trace;
/* "DMA_TO_DEVICE" etc. for @dir (trace.c; reports of every layer use it). */
const char *dmasim__dir_name(int dir);
int dmasim__trace_open(struct dmasim_platform *p, const char *path, char *err, size_t errlen);
void dmasim__trace_destroy(struct dmasim_platform *p);
/* Emit @ev (seq and time are filled in). Call only when DMASIM_TRACING(p). */
void dmasim__trace(struct dmasim_platform *p, const struct dmasim_trace_event *ev);
#define DMASIM_TRACING(p) __atomic_load_n(&(p)->tracing, __ATOMIC_ACQUIRE)
/* An event about a device (most are). */
#define DMASIM_TRACE_DEV(d, ...)                                                        \
	do {                                                                            \
		if (DMASIM_TRACING((d)->plat))                                          \
			dmasim__trace((d)->plat, &(struct dmasim_trace_event){          \
						 .dev = (d)->name, __VA_ARGS__ });            \
	} while (0)

/* ---- platform (platform.c, log.c) --------------------------------------- */

struct dmasim_platform {
	char *spec;                 /* normalised effective spec */
	bool debug;
	unsigned int site_frames;       /* sites=: call-site frames kept per mapping with debug on */
	unsigned long seed;
	bool quiet;

	int memfd;
	unsigned char *ram_view;    /* the whole memfd: RAM as devices see it */
	int cpu_fd;                 /* the CPU's view (== memfd when caches are coherent) */
	unsigned char *cpu_view;
	size_t ram_total;
	unsigned char *linear_base; /* host address of physical linear_phys0 */
	size_t linear_span;
	phys_addr_t linear_phys0;
	phys_addr_t phys_max;       /* highest RAM byte */
	struct dmasim_region regions[DMASIM_MAX_REGIONS];
	int nr_regions;

	pthread_mutex_t mm_lock;
	struct dmasim_arena arenas[DMASIM_MAX_REGIONS * DMASIM_NR_ZONES];
	int nr_arenas;
	struct dmasim_reserved reserved[DMASIM_MAX_RESERVED]; /* sorted, disjoint */
	bool user_pages_contiguous;     /* user_pages=contiguous: pinned pages in address order */
	atomic_ulong scatter_seq;       /* pinned ranges so far: varies their scatter */
	int nr_reserved;
	struct dmasim_slab_cache *slabs;
	struct dmasim_alias_tree aliases;

	struct dmasim_swiotlb *swiotlb;
	phys_addr_t swiotlb_base;       /* the pool, for the inline dmasim__swiotlb_is_bounce() */
	u64 swiotlb_size;               /* 0 without one */
	struct dmasim_cache *cache;
	bool cache_tracks;              /* the model is ABI 4 and asked for unmapped() calls */
	struct dmasim_iommu *iommu;
	struct dmasim_fail *fail;
	int fail_rules;                 /* how many: 0 keeps the hot paths to one load */
	struct dmasim_trace *trace;
	bool tracing;
	struct dmasim_cachelines *cachelines;
	struct dmasim_ownership *ownership; /* DMA-API debugging: who owns each line */
	/*
	 * Device models (lib/dev/machine.c): made on first use; exec= chooses
	 * threaded or deterministic execution.  The hooks, set by lib/dev with
	 * the machine, keep the machine layer from calling up:
	 * dmasim_platform_destroy() calls machine_stop (the models go: they are
	 * the devices' hardware) before it destroys the devices (whose devm_
	 * interrupts and mappings are released into a live machine), and
	 * machine_fini at teardown; dmasim_platform_dump() calls machine_dump.
	 */
	bool exec_threaded;
	struct dmasim_machine *machine;
	void (*machine_stop)(struct dmasim_platform *p);
	void (*machine_fini)(struct dmasim_platform *p);
	void (*machine_dump)(struct dmasim_platform *p, FILE *out);

	/* With debug on: DMA-API debugging's check of memory a driver frees (lib/debug/memory.c). */
	bool (*check_freed)(struct dmasim_platform *p, const char *call, const void *cpu,
			    phys_addr_t phys, size_t size);

	pthread_mutex_t log_lock;
	dmasim_log_fn log_fn;
	void *log_ctx;
	atomic_ulong debug_errors;

	pthread_mutex_t dev_lock;
	LIST_HEAD(, dmasim_device) devices;
	unsigned int next_dev_id;
	TAILQ_ENTRY(dmasim_platform) link;
};

/*
 * kfree(), free_pages() and vfree() free [@phys, @phys+@size): let DMA-API
 * debugging look.  Return true if it reported the memory still in use.
 */
static inline bool dmasim__check_freed(struct dmasim_platform *p, const char *call,
				       const void *cpu, phys_addr_t phys, size_t size)
{
	return p->check_freed && p->check_freed(p, call, cpu, phys, size);
}

/* Whether this call (of @kind, by @d or NULL) fails on purpose; logs when it does. */
static inline bool dmasim__should_fail(struct dmasim_platform *p, enum dmasim_fail_kind kind,
				       const struct dmasim_device *d, const char *call)
{
	if (!__atomic_load_n(&p->fail_rules, __ATOMIC_RELAXED))
		return false;
	return dmasim__should_fail_rules(p, kind, d, call);
}

/* vsnprintf() with the kernel's printk %p extensions (%pad, %pa, %pe, %pS, %pM, %*ph). */
int dmasim__vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void dmasim__log(struct dmasim_platform *p, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dmasim__vlog(struct dmasim_platform *p, int level, const char *fmt, va_list ap);
/* A misuse report: counted in dmasim_debug_errors() and logged as an error. */
void dmasim__report(struct dmasim_platform *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "DMA-API: <dev>: <call>: ..." misuse report about a device. */
void dmasim__dev_report(struct dmasim_device *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A report from a DMA-API debug check: dropped when the platform has debug=off. */
void dmasim__debug_report(struct dmasim_device *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The simulated CPU state of the calling thread (lib/core/context.c): the
 * interrupt line being handled (-1: none) and whether interrupts are masked;
 * set by lib/dev/irq.c around handlers.
 */
void dmasim__irq_enter_line(int irq);
void dmasim__irq_exit_line(int prev);
int dmasim__irq_current(void);
/* The current platform, or NULL with a message naming @call. */
struct dmasim_platform *dmasim__current(const char *call);

#endif /* DMASIM_LIB_CORE_H */
