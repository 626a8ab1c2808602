/*
 * iommu/iommu.c - the IOMMU core, as the kernel's drivers/iommu/iommu.c:
 * configuration, domains and groups, the kernel's IOMMU API, translation and
 * faults, and the IOTLB maintenance the page-table formats ask for through
 * their flush callbacks.  The IOTLB itself is iotlb.c; the DMA API over a
 * domain, with the lazy flush queue, is dma-iommu.c.
 *
 * It sits between devices and RAM: every device access of a device behind
 * the IOMMU is translated here (dmasim__iommu_translate_access()), and every
 * mapping goes through the domain's page-table format and IOVA allocator
 * backends, which it reaches only through backend-ops.h.
 */
#include <stdlib.h>
#include <string.h>

#include "iommu-internal.h"
#include "iotlb.h"

#define DEFAULT_IOTLB 512
#define DEFAULT_FQ 256
#define DEFAULT_FQ_TIMEOUT_MS 10
/* An IOTLB entry's own prot bit: the page is RAM (checked once, at the fill). */
#define TLB_PROT_RAM 0x10000
/* The software MSI window every DMA domain reserves, as ARM SMMU drivers do. */
#define MSI_IOVA_BASE 0x8000000ULL
#define MSI_IOVA_LENGTH 0x100000ULL

/* ---- page-table memory: real pages of simulated RAM --------------------------------- */

static int table_alloc(void *cookie, size_t size, phys_addr_t *phys)
{
	struct dmasim_iommu *iommu = cookie;
	unsigned int order = size > PAGE_SIZE ? (unsigned int)get_order(size) : 0;
	struct page *page;

	/*
	 * A table smaller than a page still takes a page: simple, and aligned to
	 * its size.  Below 4 GiB first: a 32-bit format (arm-v7s) can only point
	 * at tables there.
	 */
	page = dmasim__alloc_pages_below(iommu->plat, GFP_KERNEL | __GFP_ZERO, order,
					 DMA_BIT_MASK(32));
	if (!page)
		page = dmasim__alloc_pages_below(iommu->plat, GFP_KERNEL | __GFP_HIGHMEM | __GFP_ZERO,
						 order, ~0ULL);
	if (!page)
		return -ENOMEM;
	*phys = page_to_phys(page);
	return 0;
}

static void table_free(void *cookie, phys_addr_t phys, size_t size)
{
	struct dmasim_iommu *iommu = cookie;
	unsigned int order = size > PAGE_SIZE ? (unsigned int)get_order(size) : 0;

	dmasim__free_pages(dmasim__phys_to_page(iommu->plat, phys & PAGE_MASK), order);
}

static unsigned char *table_ram(void *cookie, phys_addr_t phys)
{
	struct dmasim_iommu *iommu = cookie;

	return dmasim__ram_ptr(iommu->plat, phys);
}

static unsigned char *table_ram_region(void *cookie, phys_addr_t phys, phys_addr_t *base,
				       u64 *size)
{
	struct dmasim_iommu *iommu = cookie;
	struct dmasim_region *r = dmasim__phys_region(iommu->plat, phys);

	if (!r)
		return NULL;
	*base = r->base;
	*size = r->size;
	return r->ram;
}

/* ---- each thread's state: its flush queue and its counts ---------------------------- */

/* See dmasim__this_thread(). */
_Thread_local __attribute__((tls_model("initial-exec"))) struct dmasim_pt_last dmasim__last_thread;

static struct dmasim_pt_state *thread_make(struct dmasim_pt_owner *o)
{
	struct dmasim_iommu *iommu = container_of(o, struct dmasim_iommu, threads);
	struct iommu_thread *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->e = iommu->lazy ? calloc(iommu->fq_size, sizeof(*q->e)) : NULL;
	if (iommu->lazy && !q->e) {
		free(q);
		return NULL;
	}
	q->iommu = iommu;
	dmasim__spin_init(&q->lock);
	return &q->pt;
}

/* Thread exit (the list's lock held): what the thread queued is flushed, its counts kept. */
static void thread_leave(struct dmasim_pt_owner *o, struct dmasim_pt_state *s)
{
	struct dmasim_iommu *iommu = container_of(o, struct dmasim_iommu, threads);
	struct iommu_thread *q = (struct iommu_thread *)s;

	dmasim__spin_lock(&q->lock);
	dmasim__fq_flush_queue(iommu, q);
	dmasim__spin_unlock(&q->lock);
	for (int i = 0; i < NR_COUNTS; i++)
		atomic_fetch_add(&iommu->count_gone[i], atomic_load(&q->count[i]));
	if (q->accessor) { /* it is in no access: it is exiting */
		pthread_mutex_lock(&iommu->marks_lock);
		LIST_REMOVE(q, accessor_link);
		atomic_fetch_sub(&iommu->naccessors, 1);
		pthread_mutex_unlock(&iommu->marks_lock);
	}
}

static void thread_release(struct dmasim_pt_owner *o, struct dmasim_pt_state *s)
{
	struct iommu_thread *q = (struct iommu_thread *)s;

	(void)o;
	free(q->e);
	free(q);
}

/* Count an event on this thread's counts: only it writes them, so no locked instruction. */
static inline void iommu_count(struct dmasim_iommu *iommu, int what)
{
	struct iommu_thread *q = dmasim__this_thread(iommu);

	if (!q) {
		atomic_fetch_add_explicit(&iommu->count_gone[what], 1, memory_order_relaxed);
		return;
	}
	atomic_store_explicit(&q->count[what],
			      atomic_load_explicit(&q->count[what], memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/* Count on @q, this thread's state already looked up (NULL: none). */
static inline void count_on(struct dmasim_iommu *iommu, struct iommu_thread *q, int what)
{
	if (__builtin_expect(!q, 0)) {
		atomic_fetch_add_explicit(&iommu->count_gone[what], 1, memory_order_relaxed);
		return;
	}
	atomic_store_explicit(&q->count[what],
			      atomic_load_explicit(&q->count[what], memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/* ---- IOTLB maintenance: what the page-table formats report ------------------------- */

/* Invalidate the IOTLB for a range of @dom now (everything of @dom if @size is 0). */
static void iotlb_invalidate(struct dmasim_domain *dom, dma_addr_t iova, size_t size)
{
	if (DMASIM_TRACING(dom->iommu->plat))
		dmasim__trace(dom->iommu->plat, &(struct dmasim_trace_event){
							.ev = "iotlb_flush", .bus = iova,
							.has_bus = size != 0, .size = size,
							.msg = size ? "range" : "domain" });

	iommu_count(dom->iommu, CNT_INVALIDATIONS);
	if (!size)
		dmasim__iotlb_invalidate_range(dom->iommu->tlb, dmasim__iotlb_asid_first(dom->id),
					       dmasim__iotlb_asid_last(dom->id));
	else
		dmasim__iotlb_invalidate_range(dom->iommu->tlb, dmasim__iotlb_tag(dom->id, iova),
					       dmasim__iotlb_tag(dom->id, iova + size - 1));
	dmasim__iommu_wait_inflight(dom->iommu, dom, size ? iova : 0,
				    size ? iova + size - 1 : ~(dma_addr_t)0);
}

/*
 * The gather of the unmap this thread is in (dmasim__iommu_unmap_fast()),
 * for the formats' tlb_add_page(): the callback has only the domain as its
 * cookie, and unmaps of one domain run concurrently.
 */
static _Thread_local __attribute__((tls_model("initial-exec"))) struct dmasim_iotlb_gather *cur_gather;

static void gather_add(struct dmasim_iotlb_gather *g, dma_addr_t iova, size_t size)
{
	if (iova < g->start)
		g->start = iova;
	if (iova + size - 1 > g->end)
		g->end = iova + size - 1;
}

void dmasim__iommu_iotlb_sync_slow(struct dmasim_domain *dom, struct dmasim_iotlb_gather *g)
{
	struct dmasim_iommu *iommu = dom->iommu;

	if (DMASIM_TRACING(iommu->plat))
		dmasim__trace(iommu->plat, &(struct dmasim_trace_event){
						   .ev = "iotlb_flush", .bus = g->start, .has_bus = true,
						   .size = (size_t)(g->end - g->start + 1), .msg = "range" });
	iommu_count(iommu, CNT_INVALIDATIONS);
	dmasim__iotlb_invalidate_range(iommu->tlb, dmasim__iotlb_tag(dom->id, g->start),
				       dmasim__iotlb_tag(dom->id, g->end));
	/* The IOTLB sync: DMA through the old translation completes before the unmap returns. */
	dmasim__iommu_wait_inflight(iommu, dom, g->start, g->end);
	g->start = ~(dma_addr_t)0;
	g->end = 0;
}

static void tlb_flush_all(void *cookie)
{
	iotlb_invalidate(cookie, 0, 0);
}

static void tlb_flush_walk(unsigned long iova, size_t size, size_t granule, void *cookie)
{
	(void)granule; /* the IOTLB caches leaves only */
	iotlb_invalidate(cookie, iova, size);
}

/* A page after the first: as the kernel, one that does not touch the range flushes it first. */
static __attribute__((noinline)) void gather_more(struct dmasim_domain *dom,
						  struct dmasim_iotlb_gather *g,
						  unsigned long iova, size_t granule)
{
	if (iova + granule < g->start || iova > g->end + 1)
		dmasim__iommu_iotlb_sync(dom, g);
	gather_add(g, iova, granule);
}

static void tlb_add_page(unsigned long iova, size_t granule, void *cookie)
{
	struct dmasim_iotlb_gather *g = cur_gather;

	if (!g) { /* not from an unmap of ours */
		iotlb_invalidate(cookie, iova, granule);
		return;
	}
	if (g->queued)
		return; /* the flush queue's whole flush covers it */
	if (g->start > g->end) { /* the first page: the common case */
		g->start = iova;
		g->end = iova + granule - 1;
		return;
	}
	if (iova == g->end + 1) { /* the next page up: the other common case */
		g->end += granule;
		return;
	}
	gather_more(cookie, g, iova, granule);
}

void dmasim__iommu_flush_iotlb_all(struct dmasim_iommu *iommu)
{
	dmasim__iotlb_flush_all(iommu->tlb);
	/* What the flush retires is reused only after the DMA still using it. */
	dmasim__iommu_wait_inflight(iommu, NULL, 0, ~(dma_addr_t)0);
	/* Maybe another thread's queue, maybe under @iommu->lock: not on a thread's counts. */
	atomic_fetch_add_explicit(&iommu->count_gone[CNT_INVALIDATIONS], 1, memory_order_relaxed);
}

/* ---- device accesses in flight ---------------------------------------------------- */

void dmasim__iommu_wait_inflight_slow(struct dmasim_iommu *iommu, const struct dmasim_domain *dom,
				      dma_addr_t first, dma_addr_t last)
{
	struct iommu_thread *me = (struct iommu_thread *)dmasim__pt_peek(&iommu->threads,
									 &dmasim__last_thread);
	struct iommu_thread *q;

	/* Only this thread accesses: it is not in an access while it unmaps (a fault handler's is its own). */
	if (atomic_load(&iommu->naccessors) == 1 && me && me->accessor)
		return;
	dmasim__barrier_heavy();
	pthread_mutex_lock(&iommu->marks_lock);
	LIST_FOREACH(q, &iommu->accessors, accessor_link)
		if (q != me)
			dmasim__inflight_wait(&q->mark, dom, first, last);
	if (iommu->anon_used)
		dmasim__inflight_wait(&iommu->anon, dom, first, last);
	pthread_mutex_unlock(&iommu->marks_lock);
}

/* This thread's first device access through @iommu: list its mark, or the shared one. */
static __attribute__((noinline, cold)) struct dmasim_inflight *
accessor_register(struct dmasim_iommu *iommu, struct iommu_thread *q)
{
	pthread_mutex_lock(&iommu->marks_lock);
	if (q) {
		q->accessor = true;
		LIST_INSERT_HEAD(&iommu->accessors, q, accessor_link);
		atomic_fetch_add(&iommu->naccessors, 1);
	} else if (!iommu->anon_used) {
		iommu->anon_used = true;
		atomic_fetch_add(&iommu->naccessors, 1);
	}
	pthread_mutex_unlock(&iommu->marks_lock);
	/*
	 * Waiters read the count after their removal with only a light barrier:
	 * this heavy one makes the count visible to them, or their removal to
	 * the translations this thread reads next (lib/core/sync.h).
	 */
	dmasim__barrier_heavy();
	return q ? &q->mark : &iommu->anon;
}

/* Mark this thread's access to [@addr, @addr + @len) through @dom in flight. */
static inline struct dmasim_inflight *access_begin(struct dmasim_iommu *iommu,
						   struct iommu_thread *q,
						   struct dmasim_domain *dom, dma_addr_t addr,
						   size_t len)
{
	struct dmasim_inflight *m;

	if (__builtin_expect(q && q->accessor, 1))
		m = &q->mark;
	else if (q || !iommu->anon_used)
		m = accessor_register(iommu, q);
	else
		m = &iommu->anon;
	dmasim__inflight_begin(m, dom, addr, addr + len - 1);
	return m;
}

static const struct dmasim_pgtable_flush_ops flush_ops = {
	.tlb_flush_all = tlb_flush_all,
	.tlb_flush_walk = tlb_flush_walk,
	.tlb_add_page = tlb_add_page,
};

/*
 * A lazy domain's unmaps go to the flush queue, which flushes the whole
 * IOTLB: no report per leaf (its few strict unmaps gather what
 * unmap_pages() returns, as for a format of ABI 2).
 */
static const struct dmasim_pgtable_flush_ops flush_ops_queued = {
	.tlb_flush_all = tlb_flush_all,
	.tlb_flush_walk = tlb_flush_walk,
};

/* ---- configuration ------------------------------------------------------------------ */

/* "NAME[:OPTIONS]" of @key: the backend of @kind, and its options into @opts. */
static const void *pick_backend(unsigned int kind, const char *key, const char *value,
				char *opts, size_t optslen, char *err, size_t errlen)
{
	char name[64], list[256];
	const struct dmasim_backend *b;
	const char *o;

	if (dmasim__spec_split(key, value, name, sizeof(name), &o, err, errlen))
		return NULL;
	b = name[0] ? dmasim_backend_find(kind, name) : NULL;
	if (!b) {
		dmasim_backend_list(kind, list, sizeof(list));
		snprintf(err, errlen, "%s=%s: no such backend (registered: %s)", key, value, list);
		return NULL;
	}
	snprintf(opts, optslen, "%s", o);
	return b;
}

void dmasim__iommu_config_init(struct dmasim_iommu_config *c)
{
	memset(c, 0, sizeof(*c));
	c->iova_ops = (const void *)dmasim_backend_find(DMASIM_BACKEND_IOVA, NULL);
	c->iotlb = DEFAULT_IOTLB;
	c->fq = DEFAULT_FQ;
	c->fq_timeout_ms = DEFAULT_FQ_TIMEOUT_MS;
}

/* The IOMMU's keys, routed here by the platform's key table (iommu= comes first). */
int dmasim__iommu_parse(void *cfg, const char *key, const char *v, char *err, size_t errlen)
{
	struct dmasim_iommu_config *c = cfg;
	u64 n;

	if (!strcmp(key, "iommu")) {
		c->fmt = NULL;
		if (!strcmp(v, "off"))
			return 0;
		if (!strcmp(v, "on")) { /* the default format */
			c->fmt = (const void *)dmasim_backend_find(DMASIM_BACKEND_PGTABLE, NULL);
			c->fmt_opts[0] = '\0';
			if (!c->fmt)
				snprintf(err, errlen, "iommu=%s: no page-table format is registered", v);
		} else {
			c->fmt = pick_backend(DMASIM_BACKEND_PGTABLE, key, v, c->fmt_opts,
					      sizeof(c->fmt_opts), err, errlen);
		}
		return c->fmt ? 0 : -EINVAL;
	}
	if (!c->fmt) {
		snprintf(err, errlen, "%s= needs an IOMMU (add iommu=on)", key);
		return -EINVAL;
	}
	if (!strcmp(key, "iova")) {
		c->iova_ops = pick_backend(DMASIM_BACKEND_IOVA, key, v, c->iova_opts,
					   sizeof(c->iova_opts), err, errlen);
		return c->iova_ops ? 0 : -EINVAL;
	}
	if (!strcmp(key, "mode")) {
		return dmasim__parse_choice(key, v, "strict", "lazy", &c->lazy, err, errlen);
	}
	if (!strcmp(key, "iotlb")) {
		if (dmasim__parse_u64(v, &n) || n < IOTLB_WAYS || n > (1u << 20)) {
			snprintf(err, errlen, "iotlb=%s: expected %d to %u entries", v, IOTLB_WAYS,
				 1u << 20);
			return -EINVAL;
		}
		c->iotlb = (unsigned int)n;
		return 0;
	}
	if (!strcmp(key, "fq")) {
		if (dmasim__parse_u64(v, &n) || n < 1 || n > 65536) {
			snprintf(err, errlen, "fq=%s: expected 1 to 65536 queued unmaps", v);
			return -EINVAL;
		}
		c->fq = (unsigned int)n;
		return 0;
	}
	if (!strcmp(key, "fq_timeout")) {
		if (dmasim__parse_u64(v, &n) || n > 60000) {
			snprintf(err, errlen, "fq_timeout=%s: expected 0 to 60000 ms (0 = only when full)",
				 v);
			return -EINVAL;
		}
		c->fq_timeout_ms = (unsigned int)n;
		return 0;
	}
	snprintf(err, errlen, "%s: not an IOMMU key", key);
	return -EINVAL;
}

/* The value in force: the format's real name for "on", the IOTLB's real size. */
bool dmasim__iommu_format(const void *plat, const void *cfg, const char *key, FILE *out)
{
	const struct dmasim_iommu *iommu = ((const struct dmasim_platform *)plat)->iommu;

	(void)cfg;
	if (!strcmp(key, "iommu")) {
		if (!iommu)
			fputs("off", out);
		else
			fprintf(out, "%s%s%s", iommu->fmt->base.name, iommu->fmt_opts[0] ? ":" : "",
				iommu->fmt_opts);
		return true;
	}
	if (!iommu)
		return false;
	if (!strcmp(key, "iova"))
		fprintf(out, "%s%s%s", iommu->iova_ops->base.name, iommu->iova_opts[0] ? ":" : "",
			iommu->iova_opts);
	else if (!strcmp(key, "mode"))
		fputs(iommu->lazy ? "lazy" : "strict", out);
	else if (!strcmp(key, "iotlb"))
		fprintf(out, "%u", dmasim__iotlb_entries(iommu->tlb));
	else if (!strcmp(key, "fq"))
		fprintf(out, "%u", iommu->fq_size);
	else if (!strcmp(key, "fq_timeout"))
		fprintf(out, "%u", iommu->fq_timeout_ms);
	else
		return false;
	return true;
}

int dmasim__iommu_create(struct dmasim_platform *p, const struct dmasim_iommu_config *c,
			 char *err, size_t errlen)
{
	struct dmasim_iommu *iommu;

	if (!c->fmt)
		return 0;
	if (!c->iova_ops) {
		snprintf(err, errlen, "iova: no IOVA allocator is registered");
		return -EINVAL;
	}
	iommu = calloc(1, sizeof(*iommu));
	if (!iommu)
		return -ENOMEM;
	iommu->plat = p;
	pthread_mutex_init(&iommu->lock, NULL);
	pthread_mutex_init(&iommu->fault_lock, NULL);
	pthread_mutex_init(&iommu->marks_lock, NULL);
	LIST_INIT(&iommu->accessors);
	iommu->anon.shared = true;
	dmasim__barrier_init();
	LIST_INIT(&iommu->domains);
	iommu->next_id = 1;
	p->iommu = iommu;

	iommu->fmt = c->fmt;
	snprintf(iommu->fmt_opts, sizeof(iommu->fmt_opts), "%s", c->fmt_opts);
	iommu->iova_ops = c->iova_ops;
	snprintf(iommu->iova_opts, sizeof(iommu->iova_opts), "%s", c->iova_opts);
	iommu->lazy = c->lazy;
	iommu->tlb = dmasim__iotlb_new(c->iotlb);
	iommu->fq_size = c->fq;
	iommu->fq_timeout_ms = c->fq_timeout_ms;
	/* Strict mode runs without (counts then go to count_gone); lazy needs its queues. */
	dmasim__pt_init(&iommu->threads, thread_make, thread_leave, thread_release);
	if (!iommu->tlb || (iommu->lazy && !iommu->threads.key_ok))
		return -ENOMEM;
	/* A format that cannot point at any RAM cannot work on this machine. */
	{
		struct dmasim_pgtable_config pc = {
			.oas = 48, .alloc_table = table_alloc, .free_table = table_free,
			.ram = table_ram, .cookie = iommu, .options = iommu->fmt_opts,
		};
		struct dmasim_pgtable *probe = dmasim__pgtable_create(iommu->fmt, &pc);

		if (!probe) {
			snprintf(err, errlen, "iommu=%s%s%s: the format refused its options or cannot place its tables on this machine",
				 iommu->fmt->base.name, iommu->fmt_opts[0] ? ":" : "", iommu->fmt_opts);
			return -EINVAL;
		}
		if (probe->oas < 64 && p->regions[0].base >> probe->oas) {
			snprintf(err, errlen, "iommu=%s: the format outputs %u-bit physical addresses; no RAM lies below 0x%llx",
				 iommu->fmt->base.name, probe->oas, 1ULL << probe->oas);
			dmasim__pgtable_destroy(probe);
			return -EINVAL;
		}
		dmasim__pgtable_destroy(probe);
	}
	/* The allocator's options too: better refused here than on every device. */
	{
		struct dmasim_iova_config ic = { .granule = PAGE_SIZE, .start = PAGE_SIZE,
						 .end = DMA_BIT_MASK(32), .options = iommu->iova_opts,
						 .seed = p->seed };
		struct dmasim_iova *probe = dmasim__iova_create(iommu->iova_ops, &ic);

		if (!probe) {
			snprintf(err, errlen, "iova=%s%s%s: the allocator refused its options",
				 iommu->iova_ops->base.name, iommu->iova_opts[0] ? ":" : "",
				 iommu->iova_opts);
			return -EINVAL;
		}
		dmasim__iova_destroy(probe);
	}
	return 0;
}

void dmasim__iommu_spec(struct dmasim_platform *p, char *buf, size_t len)
{
	char *words = dmasim__spec_format(dmasim__platform_keys, "iommu", p, NULL);

	snprintf(buf, len, "%s", words ? words : "");
	free(words);
}

/* ---- domains ------------------------------------------------------------------------ */

struct dmasim_domain *dmasim__domain_new(struct dmasim_iommu *iommu, unsigned int type)
{
	struct dmasim_domain *dom = calloc(1, sizeof(*dom));
	struct dmasim_pgtable_config pc = {
		.oas = 48, .alloc_table = table_alloc, .free_table = table_free,
		.ram = table_ram, .cookie = iommu, .options = iommu->fmt_opts,
		.ram_region = table_ram_region,
		.tlb = (type & __IOMMU_DOMAIN_DMA_FQ) == __IOMMU_DOMAIN_DMA_FQ ? &flush_ops_queued :
									      &flush_ops,
	};

	if (!dom)
		return NULL;
	dom->magic = DMASIM_DOMAIN_MAGIC;
	dom->iommu = iommu;
	dom->dom.type = type;
	dom->dom.geometry.force_aperture = true;
	pthread_mutex_init(&dom->map_lock, NULL);
	if (type & __IOMMU_DOMAIN_PAGING) {
		if (iommu->fmt->base.abi < 3)
			pc.tlb = NULL; /* not a field of its ABI: the core invalidates for it */
		pc.tlb_cookie = dom;
		dom->pgt = dmasim__pgtable_create(iommu->fmt, &pc);
		if (!dom->pgt)
			goto fail;
		dom->fmt_flushes = pc.tlb != NULL;
		dom->fmt_gathers = pc.tlb && pc.tlb->tlb_add_page;
		dom->dom.pgsize_bitmap = dom->pgt->pgsize_bitmap;
		dom->granule = dom->pgt->pgsize_bitmap & -dom->pgt->pgsize_bitmap;
		dom->dom.geometry.aperture_start = 0;
		dom->dom.geometry.aperture_end = dom->pgt->ias >= 64 ? ~0ULL :
					       (1ULL << dom->pgt->ias) - 1;
	}
	if (type & __IOMMU_DOMAIN_DMA_API) {
		struct dmasim_iova_config ic = {
			.granule = dom->granule, .start = dom->granule,
			.end = dom->dom.geometry.aperture_end, .options = iommu->iova_opts,
			.seed = iommu->plat->seed,
		};

		dom->iova = dmasim__iova_create(iommu->iova_ops, &ic);
		if (!dom->iova)
			goto fail;
		/* The allocator may narrow the space; the aperture follows. */
		dom->dom.geometry.aperture_end = dom->iova->end;
		if (MSI_IOVA_BASE + MSI_IOVA_LENGTH - 1 <= dom->iova->end)
			dmasim__iova_reserve(dom->iova, MSI_IOVA_BASE, MSI_IOVA_LENGTH);
	}
	pthread_mutex_lock(&iommu->lock);
	dom->id = iommu->next_id++;
	LIST_INSERT_HEAD(&iommu->domains, dom, link);
	pthread_mutex_unlock(&iommu->lock);
	return dom;
fail:
	if (dom->pgt)
		dmasim__pgtable_destroy(dom->pgt);
	pthread_mutex_destroy(&dom->map_lock);
	free(dom);
	return NULL;
}

void dmasim__domain_free(struct dmasim_domain *dom)
{
	struct dmasim_iommu *iommu = dom->iommu;

	pthread_mutex_lock(&iommu->lock);
	/* Deferred frees of this domain must happen before its allocator goes. */
	dmasim__fq_flush_all_locked(iommu);
	LIST_REMOVE(dom, link);
	pthread_mutex_unlock(&iommu->lock);
	if (!dom->fmt_flushes) /* else the format's free() says so */
		iotlb_invalidate(dom, 0, 0);
	if (dom->iova)
		dmasim__iova_destroy(dom->iova);
	if (dom->pgt)
		dmasim__pgtable_destroy(dom->pgt);
	dom->magic = 0;
	pthread_mutex_destroy(&dom->map_lock);
	free(dom);
}

static struct dmasim_domain *check_domain(struct iommu_domain *domain, const char *call)
{
	struct dmasim_domain *dom;

	if (!domain) {
		struct dmasim_platform *p = dmasim_platform_current();

		if (p)
			dmasim__report(p, "iommu: %s: NULL domain", call);
		return NULL;
	}
	dom = to_domain(domain);
	if (dom->magic != DMASIM_DOMAIN_MAGIC) {
		struct dmasim_platform *p = dmasim_platform_current();

		if (p)
			dmasim__report(p, "iommu: %s: %p is not a live IOMMU domain", call,
				       (void *)domain);
		return NULL;
	}
	return dom;
}

void dmasim__iommu_destroy(struct dmasim_platform *p)
{
	struct dmasim_iommu *iommu = p->iommu;
	struct dmasim_domain *dom;

	if (!iommu)
		return;
	while ((dom = LIST_FIRST(&iommu->domains)) != NULL) {
		if (!dom->is_default)
			dmasim__log(p, DMASIM_LOG_WARN,
				    "iommu: domain %u was never freed (iommu_domain_free)", dom->id);
		dmasim__domain_free(dom);
	}
	pthread_mutex_lock(&iommu->lock);
	dmasim__fq_flush_all_locked(iommu);
	pthread_mutex_unlock(&iommu->lock);
	/* No destructor runs after this for a state it frees. */
	dmasim__pt_fini(&iommu->threads);
	dmasim__iotlb_free(iommu->tlb);
	pthread_mutex_destroy(&iommu->lock);
	pthread_mutex_destroy(&iommu->fault_lock);
	pthread_mutex_destroy(&iommu->marks_lock);
	free(iommu);
	p->iommu = NULL;
}

/* ---- mapping through the page-table format -------------------------------------------- */

/* The largest page size usable at @iova/@paddr for @size bytes. */
static size_t pick_pgsize(unsigned long bitmap, dma_addr_t iova, phys_addr_t paddr, size_t size,
			  size_t *count)
{
	unsigned long sizes = bitmap;
	size_t best = 0, next = 0;

	while (sizes) {
		unsigned long pg = sizes & -sizes;

		sizes &= ~pg;
		if (pg <= size && !((iova | paddr) & (pg - 1)))
			best = pg;
		else if (best && !next)
			next = pg;
	}
	if (!best)
		return 0;
	*count = size / best;
	/* Stop where a larger page could start, so it gets used there. */
	if (next) {
		size_t to_next = (size_t)(next - (iova & (next - 1))) / best;

		if (to_next && to_next < *count && !((iova ^ paddr) & (next - 1)))
			*count = to_next;
	}
	return best;
}

/* Whether @size bytes are less than the format's second page size: only granules fit. */
static bool granules_only(const struct dmasim_domain *dom, size_t size)
{
	unsigned long larger = dom->pgt->pgsize_bitmap & ~(unsigned long)dom->granule;

	return !larger || size < (larger & -larger);
}

static int map_range_split(struct dmasim_domain *dom, dma_addr_t iova, phys_addr_t paddr,
			   size_t size, int prot);
static int map_range_undo(struct dmasim_domain *dom, dma_addr_t iova, size_t done, int ret);

int dmasim__iommu_map_range(struct dmasim_domain *dom, dma_addr_t iova, phys_addr_t paddr,
			    size_t size, int prot)
{
	size_t mapped = 0;
	int ret;

	/* One aligned granule, what most mappings are: one call, nothing to choose. */
	if (size != dom->granule || ((iova | paddr) & (size - 1)))
		return map_range_split(dom, iova, paddr, size, prot);
	ret = dmasim__pgtable_map(dom->pgt, iova, paddr, size, 1, prot, &mapped);
	if (ret)
		return map_range_undo(dom, iova, mapped, ret);
	iommu_count(dom->iommu, CNT_MAPS);
	return 0;
}

/* A map that failed with @ret: unmap the @done bytes it mapped first, return @ret. */
static __attribute__((noinline)) int map_range_undo(struct dmasim_domain *dom, dma_addr_t iova,
						    size_t done, int ret)
{
	if (done)
		dmasim__iommu_unmap_range(dom, iova, done);
	return ret;
}

/* Any other range: split into the largest page sizes that fit. */
static __attribute__((noinline)) int map_range_split(struct dmasim_domain *dom, dma_addr_t iova,
						     phys_addr_t paddr, size_t size, int prot)
{
	struct dmasim_pgtable *pgt = dom->pgt;
	size_t done = 0;

	while (done < size) {
		size_t count, mapped = 0, pg;
		int ret;

		if (granules_only(dom, size - done)) { /* the common case */
			pg = dom->granule;
			count = (size - done) / pg;
			if (!count || ((iova + done) | (paddr + done)) & (pg - 1))
				pg = 0;
		} else {
			pg = pick_pgsize(pgt->pgsize_bitmap, iova + done, paddr + done, size - done,
					 &count);
		}
		if (!pg) {
			ret = -EINVAL;
		} else {
			ret = dmasim__pgtable_map(pgt, iova + done, paddr + done, pg, count, prot,
						  &mapped);
			done += mapped;
		}
		if (ret)
			return map_range_undo(dom, iova, done, ret);
	}
	iommu_count(dom->iommu, CNT_MAPS);
	return 0;
}

static size_t unmap_split(struct dmasim_domain *dom, dma_addr_t iova, size_t size,
			  struct dmasim_iotlb_gather *gather);

size_t dmasim__iommu_unmap_fast(struct dmasim_domain *dom, dma_addr_t iova, size_t size,
				struct dmasim_iotlb_gather *gather)
{
	size_t got;

	/* One granule: it can only have been mapped as one, so no walk decides the size. */
	if (size != dom->granule)
		return unmap_split(dom, iova, size, gather);
	if (dom->fmt_gathers) {
		cur_gather = gather;
		got = dmasim__pgtable_unmap(dom->pgt, iova, size, 1);
		cur_gather = NULL; /* unmaps do not nest */
	} else {
		got = dmasim__pgtable_unmap(dom->pgt, iova, size, 1);
		if (got && !gather->queued) /* the format reports no leaves */
			gather_add(gather, iova, got);
	}
	iommu_count(dom->iommu, CNT_UNMAPS);
	return got;
}

/* Any other range: page size by page size, as it was mapped. */
static __attribute__((noinline)) size_t unmap_split(struct dmasim_domain *dom, dma_addr_t iova,
						    size_t size,
						    struct dmasim_iotlb_gather *gather)
{
	struct dmasim_pgtable *pgt = dom->pgt;
	size_t done = 0;

	if (dom->fmt_gathers)
		cur_gather = gather;

	while (done < size) {
		struct dmasim_pgtable_walk w;
		size_t count, got, pgsize;

		/*
		 * Unmap with the page size the range was mapped with, as many as
		 * follow.  Less than the next page size can only have been mapped
		 * with granules (a larger leaf there is not unmapped: no
		 * splitting), so the walk that finds out is needed only above it.
		 */
		if (granules_only(dom, size - done)) {
			pgsize = dom->granule;
		} else {
			if (dmasim__pgtable_walk(pgt, iova + done, &w) || ((iova + done) & (w.pgsize - 1)) ||
			    w.pgsize > size - done)
				break;
			pgsize = w.pgsize;
		}
		count = (size - done) / pgsize;
		got = dmasim__pgtable_unmap(pgt, iova + done, pgsize, count);
		if (!got)
			break;
		if (!dom->fmt_gathers && !gather->queued) /* the format reports no leaves */
			gather_add(gather, iova + done, got);
		done += got;
	}
	cur_gather = NULL; /* unmaps do not nest */
	iommu_count(dom->iommu, CNT_UNMAPS);
	return done;
}

size_t dmasim__iommu_unmap_range(struct dmasim_domain *dom, dma_addr_t iova, size_t size)
{
	struct dmasim_iotlb_gather g = DMASIM_IOTLB_GATHER_INIT(false);
	size_t done = dmasim__iommu_unmap_fast(dom, iova, size, &g);

	dmasim__iommu_iotlb_sync(dom, &g);
	return done;
}

/* ---- IOVA space (the flush queue is dma-iommu's) -------------------------------------- */

/* More than a granule (dmasim__iommu_iova_size() answers for one). */
size_t dmasim__iommu_iova_size_slow(struct dmasim_domain *dom, size_t len)
{
	size_t range, p2 = dom->granule;

	range = dmasim__iova_cache_range(dom->iova);

	/* As the kernel: small sizes round up to a power of two, the IOVA caches' unit. */
	if (len > range)
		return ALIGN(len, dom->granule);
	while (p2 < len)
		p2 <<= 1;
	return p2;
}

static inline int alloc_iova_once(struct dmasim_iova *a, size_t size, size_t align, u64 limit,
				  dma_addr_t *iova)
{
	/* The kernel tries a 32-bit address first: cheaper for PCI devices (SAC). */
	if (limit > DMA_BIT_MASK(32) && !dmasim__iova_alloc(a, size, align, DMA_BIT_MASK(32), iova))
		return 0;
	return dmasim__iova_alloc(a, size, align, limit, iova);
}

static int alloc_iova_flushed(struct dmasim_iommu *iommu, struct dmasim_iova *a, size_t size,
			      size_t align, u64 limit, dma_addr_t *iova);

int dmasim__iommu_alloc_iova(struct dmasim_domain *dom, size_t size, u64 limit, dma_addr_t *iova)
{
	struct dmasim_iommu *iommu = dom->iommu;
	struct dmasim_iova *a = dom->iova;
	/*
	 * The DMA layer's policy, not the allocator's: every IOVA is aligned to
	 * its size rounded up to a power of two (in granules, which @size is a
	 * multiple of), as dma-iommu.c's iommu_dma_alloc_iova() asks iova.c.
	 */
	size_t align = size & (size - 1) ? (size_t)1 << (64 - __builtin_clzll(size)) : size;
	int ret;

	if (limit > dom->dom.geometry.aperture_end)
		limit = dom->dom.geometry.aperture_end;
	if (dmasim__should_fail(iommu->plat, FAIL_IOVA, NULL, "iova"))
		return -ENOMEM;
	ret = alloc_iova_once(a, size, align, limit, iova);
	if (ret != -ENOMEM || !iommu->lazy)
		return ret;
	return alloc_iova_flushed(iommu, a, size, align, limit, iova);
}

/* The allocation failed in lazy mode: retry after flushing the queues, if they hold any. */
static __attribute__((noinline)) int alloc_iova_flushed(struct dmasim_iommu *iommu,
							struct dmasim_iova *a, size_t size,
							size_t align, u64 limit, dma_addr_t *iova)
{
	/*
	 * Lazy mode: unmapped ranges wait in the flush queue for an IOTLB flush
	 * that only activity triggers here (there is no timer), so a driver that
	 * unmapped could find the space still taken indefinitely.  Flush rather
	 * than fail, as the kernel flushes its IOVA caches before giving up.
	 */
	pthread_mutex_lock(&iommu->lock);
	if (!dmasim__fq_pending_locked(iommu)) {
		pthread_mutex_unlock(&iommu->lock);
		return -ENOMEM;
	}
	dmasim__fq_flush_all_locked(iommu);
	pthread_mutex_unlock(&iommu->lock);
	return alloc_iova_once(a, size, align, limit, iova);
}

/* ---- faults and the device side ------------------------------------------------------- */

static const char *reason_name(int reason)
{
	switch (reason) {
	case DMASIM_FAULT_UNMAPPED: return "no translation (unmapped IOVA)";
	case DMASIM_FAULT_PERMISSION: return "permission denied by the mapping";
	case DMASIM_FAULT_BLOCKED: return "device is in no domain (blocked)";
	case DMASIM_FAULT_APERTURE: return "IOVA outside the domain's aperture";
	case DMASIM_FAULT_NOT_RAM: return "translates to an address that is not RAM";
	default: return "?";
	}
}

static int fault(struct dmasim_device *d, struct dmasim_domain *dom, const char *call,
		 dma_addr_t iova, bool write, int reason)
{
	struct dmasim_iommu *iommu = d->plat->iommu;
	int flags = write ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ;
	unsigned long seq;
	int handled = -ENOSYS;

	pthread_mutex_lock(&iommu->fault_lock);
	seq = atomic_fetch_add(&iommu->nfaults, 1) + 1;
	iommu->faults[seq % FAULT_RING] = (struct dmasim_fault){
		.dev = &d->dev, .iova = iova, .flags = flags, .reason = reason, .seq = seq };
	pthread_mutex_unlock(&iommu->fault_lock);
	DMASIM_TRACE_DEV(d, .ev = "fault", .call = call, .bus = iova, .has_bus = true,
			 .dir = write ? DMA_FROM_DEVICE : DMA_TO_DEVICE, .has_dir = true, .msg = reason_name(reason),
			 .ret = reason == DMASIM_FAULT_PERMISSION ? -EPERM : -EFAULT);
	if (dom && dom->dom.handler)
		handled = dom->dom.handler(&dom->dom, &d->dev, (unsigned long)iova, flags,
					   dom->dom.handler_token);
	if (handled)
		dmasim__dev_report(d, "%s: IOMMU fault: %s at IOVA 0x%016llx: %s", call,
				   write ? "write" : "read", (unsigned long long)iova,
				   reason_name(reason));
	return reason == DMASIM_FAULT_PERMISSION ? -EPERM : -EFAULT;
}

/*
 * One page's translation: the IOTLB, else a walk that fills it.  Return: 0
 * with *@pfn and *@prot, or the fault reason.
 */
/* An IOTLB miss: the walk, and the fill of what it found. */
static __attribute__((noinline)) int translate_miss(struct dmasim_iommu *iommu,
						    struct iommu_thread *q,
						    struct dmasim_domain *dom, dma_addr_t addr,
						    u64 *pfn, int *prot)
{
	u64 tag = dmasim__iotlb_tag(dom->id, addr);
	struct iotlb_fill mark;
	phys_addr_t pa;

	mark = dmasim__iotlb_fill_begin(iommu->tlb, tag);
	count_on(iommu, q, CNT_MISSES);
	if (dmasim__pgtable_iova_to_phys(dom->pgt, addr & PAGE_MASK, &pa, prot))
		return DMASIM_FAULT_UNMAPPED;
	*pfn = pa >> PAGE_SHIFT;
	if (dmasim__phys_range_ok(iommu->plat, PFN_PHYS(*pfn), PAGE_SIZE))
		*prot |= TLB_PROT_RAM; /* RAM regions never change: no check per hit */
	dmasim__iotlb_insert(iommu->tlb, tag, *pfn, *prot, mark);
	return 0;
}

static inline int translate_page(struct dmasim_iommu *iommu, struct iommu_thread *q,
				 struct dmasim_domain *dom, dma_addr_t addr, u64 *pfn, int *prot)
{
	u64 tag = dmasim__iotlb_tag(dom->id, addr);

	if (__builtin_expect(dmasim__iotlb_lookup(iommu->tlb, tag, pfn, prot), 1)) {
		count_on(iommu, q, CNT_HITS);
		return 0;
	}
	return translate_miss(iommu, q, dom, addr, pfn, prot);
}

/*
 * A fault of the access's first piece: nothing of it is in flight, so its
 * mark ends before the fault handler runs (a handler may unmap).  A later
 * piece's fault keeps the mark: the pieces before it are still to be copied.
 */
static __attribute__((noinline)) int first_fault(struct dmasim_device *d,
						 struct dmasim_domain *dom, const char *call,
						 dma_addr_t addr, bool write, int why,
						 struct dmasim_inflight **mark, bool began)
{
	if (began) {
		dmasim__inflight_end(*mark);
		*mark = NULL;
	}
	return fault(d, dom, call, addr, write, why);
}

static inline int translate_access(struct dmasim_device *d, struct dmasim_domain *dom,
				   const char *call, dma_addr_t addr, size_t len, bool write,
				   phys_addr_t *phys, size_t *chunk, struct dmasim_inflight **mark)
{
	struct dmasim_iommu *iommu = d->plat->iommu;
	struct iommu_thread *q = dmasim__this_thread(iommu);
	int need = write ? DMASIM_PROT_WRITE : DMASIM_PROT_READ;
	bool began = false;
	u64 pfn, next;
	int prot, why;

	*chunk = len;
	if (!dom || !dom->pgt)
		return fault(d, dom, call, addr, write, DMASIM_FAULT_BLOCKED);
	if (addr > dom->dom.geometry.aperture_end)
		return fault(d, dom, call, addr, write, DMASIM_FAULT_APERTURE);
	/*
	 * The first piece marks the access in flight.  Only before it may the
	 * access flush timed-out queues: a flush waits for the marks of others,
	 * so a thread holding one takes no lock a flush is made under.
	 */
	if (!*mark) {
		dmasim__fq_maybe_timeout(iommu);
		*mark = access_begin(iommu, q, dom, addr, len);
		began = true;
	}
	why = translate_page(iommu, q, dom, addr, &pfn, &prot);
	if (why)
		return first_fault(d, dom, call, addr, write, why, mark, began);
	if (!(prot & need))
		return first_fault(d, dom, call, addr, write, DMASIM_FAULT_PERMISSION, mark, began);
	*chunk = PAGE_SIZE - (addr & ~PAGE_MASK);
	if (*chunk > len)
		*chunk = len;
	*phys = PFN_PHYS(pfn) + (addr & ~PAGE_MASK);
	if (!(prot & TLB_PROT_RAM) && !dmasim__phys_range_ok(d->plat, *phys, *chunk))
		return first_fault(d, dom, call, addr, write, DMASIM_FAULT_NOT_RAM, mark, began);
	/*
	 * Without debug records to check page by page, go on while the next
	 * pages translate to the next RAM pages with the same rights: one
	 * call (and one copy) for a buffer that is contiguous behind the
	 * IOMMU.  A page that would fault ends the chunk; the next call
	 * reports it, as before.
	 */
	while (!d->plat->debug && *chunk < len &&
	       addr + *chunk - 1 < dom->dom.geometry.aperture_end) {
		size_t more = len - *chunk < PAGE_SIZE ? len - *chunk : PAGE_SIZE;
		int p;

		if (translate_page(iommu, q, dom, addr + *chunk, &next, &p) || next != pfn + 1 ||
		    !(p & need) || !(p & TLB_PROT_RAM) ||
		    !dmasim__phys_range_ok(d->plat, *phys, *chunk + more))
			break;
		pfn = next;
		*chunk += more;
	}
	return 0;
}

int dmasim__iommu_translate_access(struct dmasim_device *d, const char *call, dma_addr_t addr,
				   size_t len, bool write, phys_addr_t *phys, size_t *chunk,
				   struct dmasim_inflight **mark)
{
	return translate_access(d, __atomic_load_n(&d->domain, __ATOMIC_ACQUIRE), call, addr, len,
				write, phys, chunk, mark);
}

/* ---- the bus translation of devices behind the IOMMU ------------------------------------ */

static bool identity(const struct dmasim_domain *dom)
{
	return dom && dom->dom.type == IOMMU_DOMAIN_IDENTITY;
}

static __attribute__((noinline)) int bus_translate_slow(struct dmasim_device *d,
							 struct dmasim_domain *dom,
							 const char *call, dma_addr_t addr,
							 size_t len, bool write, phys_addr_t *phys,
							 size_t *chunk, struct dmasim_inflight **mark)
{
	if (identity(dom))
		return dmasim__window_translate(d, call, addr, len, write, phys, chunk, mark);
	return translate_access(d, dom, call, addr, len, write, phys, chunk, mark);
}

/*
 * The common access: its first piece, inside one page, an IOTLB hit that
 * allows it, by a thread that has accessed before.  Anything else (a miss,
 * a fault, more than a page, a queue due for its timeout flush) goes the
 * general way, which marks the access afresh.
 */
static int bus_translate(struct dmasim_device *d, const char *call, dma_addr_t addr, size_t len,
			 bool write, phys_addr_t *phys, size_t *chunk, struct dmasim_inflight **mark)
{
	struct dmasim_domain *dom = __atomic_load_n(&d->domain, __ATOMIC_ACQUIRE);
	struct dmasim_iommu *iommu = d->plat->iommu;
	struct iommu_thread *q;
	u64 pfn;
	int prot;

	if (__builtin_expect(!dom || !dom->pgt || *mark || addr > dom->dom.geometry.aperture_end ||
			     (addr & ~PAGE_MASK) + len > PAGE_SIZE, 0))
		goto slow;
	q = dmasim__this_thread(iommu);
	if (__builtin_expect(!q || !q->accessor, 0))
		goto slow;
	dmasim__fq_maybe_timeout(iommu); /* before the mark, as in translate_access() */
	dmasim__inflight_begin(&q->mark, dom, addr, addr + len - 1);
	if (__builtin_expect(dmasim__iotlb_lookup(iommu->tlb, dmasim__iotlb_tag(dom->id, addr), &pfn,
						  &prot) &&
			     (prot & (write ? DMASIM_PROT_WRITE : DMASIM_PROT_READ)) &&
			     (prot & TLB_PROT_RAM), 1)) {
		count_on(iommu, q, CNT_HITS);
		*phys = PFN_PHYS(pfn) + (addr & ~PAGE_MASK);
		*chunk = len;
		*mark = &q->mark;
		return 0;
	}
	dmasim__inflight_end(&q->mark);
slow:
	return bus_translate_slow(d, dom, call, addr, len, write, phys, chunk, mark);
}

static int bus_resolve(struct dmasim_device *d, dma_addr_t addr, phys_addr_t *phys)
{
	struct dmasim_domain *dom = __atomic_load_n(&d->domain, __ATOMIC_ACQUIRE);

	if (identity(dom))
		return dmasim__window_resolve(d, addr, phys);
	if (!dom || !dom->pgt || dmasim__pgtable_iova_to_phys(dom->pgt, addr, phys, NULL))
		return -EFAULT;
	return 0;
}

static enum dmasim_bus_reach bus_reach(struct dmasim_device *d)
{
	struct dmasim_domain *dom = __atomic_load_n(&d->domain, __ATOMIC_ACQUIRE);

	if (identity(dom))
		return BUS_REACH_WINDOW;
	return dom && (dom->dom.type & __IOMMU_DOMAIN_DMA_API) ? BUS_REACH_DMA_API : BUS_REACH_IOMMU;
}

const struct dmasim_bus_ops dmasim__bus_iommu = {
	.name = "iommu",
	.translate = bus_translate,
	.resolve = bus_resolve,
	.reach = bus_reach,
};

int dmasim_iommu_get_stats(struct dmasim_platform *p, struct dmasim_iommu_stats *st)
{
	struct dmasim_iommu *iommu = p ? p->iommu : NULL;

	if (!iommu || !st)
		return -ENODEV;
	memset(st, 0, sizeof(*st));
	/* Under the list's lock: an exiting thread moves its counts to count_gone under it. */
	dmasim__pt_lock(&iommu->threads);
	for (int i = 0; i < NR_COUNTS; i++) {
		struct dmasim_pt_state *s;
		unsigned long n = atomic_load(&iommu->count_gone[i]);

		dmasim__pt_foreach(s, &iommu->threads)
			n += atomic_load_explicit(&((struct iommu_thread *)s)->count[i],
						  memory_order_relaxed);
		switch (i) {
		case CNT_HITS: st->iotlb_hits = n; break;
		case CNT_MISSES: st->iotlb_misses = n; break;
		case CNT_MAPS: st->maps = n; break;
		case CNT_UNMAPS: st->unmaps = n; break;
		default: st->iotlb_invalidations = n; break;
		}
	}
	dmasim__pt_unlock(&iommu->threads);
	st->iotlb_entries = dmasim__iotlb_entries(iommu->tlb);
	st->fq_flushes = atomic_load(&iommu->fq_flushes);
	pthread_mutex_lock(&iommu->lock);
	st->fq_pending = dmasim__fq_pending_locked(iommu);
	pthread_mutex_unlock(&iommu->lock);
	st->faults = atomic_load(&iommu->nfaults);

	return 0;
}

int dmasim_iommu_faults(struct dmasim_platform *p, struct dmasim_fault *out, int max)
{
	struct dmasim_iommu *iommu = p ? p->iommu : NULL;
	unsigned long total, first;
	int n = 0;

	if (!iommu || !out || max <= 0)
		return 0;
	pthread_mutex_lock(&iommu->fault_lock);
	total = atomic_load(&iommu->nfaults);
	first = total > (unsigned long)max ? total - (unsigned long)max + 1 : 1;
	if (total >= FAULT_RING && first <= total - FAULT_RING)
		first = total - FAULT_RING + 1;
	for (unsigned long s = first; s <= total; s++)
		out[n++] = iommu->faults[s % FAULT_RING];
	pthread_mutex_unlock(&iommu->fault_lock);
	return n;
}

void dmasim__iommu_dump(struct dmasim_platform *p, FILE *out)
{
	struct dmasim_iommu_stats st;
	char spec[256];

	if (dmasim_iommu_get_stats(p, &st))
		return;
	dmasim__iommu_spec(p, spec, sizeof(spec));
	fprintf(out, "  IOMMU: %s\n", spec);
	fprintf(out, "  IOTLB: %lu entries, %lu hits, %lu misses; %lu faults; %lu unmaps queued\n",
		st.iotlb_entries, st.iotlb_hits, st.iotlb_misses, st.faults, st.fq_pending);
}

void dmasim__iommu_dump_device(struct dmasim_device *d, FILE *out)
{
	struct dmasim_domain *dom = d->domain;
	struct dmasim_iova_stats st;
	static const char *const types[] = { "blocked", "unmanaged", "?", "dma", "identity" };
	unsigned int t;

	if (!d->behind_iommu)
		return;
	if (!dom) {
		fprintf(out, "    group %d: blocked (no domain)\n", d->group.id);
		return;
	}
	t = dom->dom.type & __IOMMU_DOMAIN_PT ? 4 : dom->dom.type & 3;
	fprintf(out, "    group %d: domain %u (%s%s), aperture 0x%llx-0x%llx, page table root 0x%llx",
		d->group.id, dom->id, types[t], dom->dom.type & __IOMMU_DOMAIN_DMA_FQ ? ", lazy" : "",
		(unsigned long long)dom->dom.geometry.aperture_start,
		(unsigned long long)dom->dom.geometry.aperture_end,
		(unsigned long long)(dom->pgt ? dom->pgt->root : 0));
	if (dom->iova) {
		dmasim__iova_stats(dom->iova, &st);
		fprintf(out, "\n      IOVA (%s): %llu ranges, %llu KiB allocated, %llu KiB reserved, %llu KiB cached, largest free run %llu MiB",
			dmasim__iova_name(dom->iova), (unsigned long long)st.nr_ranges,
			(unsigned long long)(st.allocated >> 10), (unsigned long long)(st.reserved >> 10),
			(unsigned long long)(st.cached >> 10), (unsigned long long)(st.largest_free >> 20));
	}
	fputc('\n', out);
}

/* ---- devices and groups ---------------------------------------------------------------- */

int dmasim__iommu_add_device(struct dmasim_device *d, const char *domain, char *err,
			     size_t errlen)
{
	struct dmasim_iommu *iommu = d->plat->iommu;
	unsigned int type;

	if (!domain || !strcmp(domain, "dma"))
		type = iommu->lazy ? IOMMU_DOMAIN_DMA_FQ : IOMMU_DOMAIN_DMA;
	else if (!strcmp(domain, "identity"))
		type = IOMMU_DOMAIN_IDENTITY;
	else if (!strcmp(domain, "unmanaged"))
		type = IOMMU_DOMAIN_BLOCKED;
	else {
		snprintf(err, errlen, "domain=%s: expected dma, identity or unmanaged", domain);
		return -EINVAL;
	}
	d->behind_iommu = true;
	d->group.dev = d;
	d->bus = &dmasim__bus_iommu;
	/*
	 * The DMA ops, once, from the default domain (as use_dma_iommu()): a
	 * DMA domain gets dma-iommu, identity gets dma-direct.  A device with no
	 * default domain gets dma-iommu, which refuses the DMA API with a report.
	 */
	if (type == IOMMU_DOMAIN_BLOCKED) {
		d->ops = &dmasim__iommu_dma_ops;
		return 0;
	}
	d->default_domain = dmasim__domain_new(iommu, type);
	if (!d->default_domain) {
		snprintf(err, errlen, "cannot create the device's IOMMU domain");
		return -ENOMEM;
	}
	d->default_domain->is_default = true;
	atomic_fetch_add(&d->default_domain->users, 1);
	d->domain = d->default_domain;
	d->ops = type == IOMMU_DOMAIN_IDENTITY ? &dmasim__direct_ops : &dmasim__iommu_dma_ops;
	return 0;
}

void dmasim__iommu_remove_device(struct dmasim_device *d)
{
	if (!d->behind_iommu)
		return;
	if (d->domain && d->domain != d->default_domain)
		atomic_fetch_sub(&d->domain->users, 1);
	d->domain = NULL;
	if (d->default_domain)
		dmasim__domain_free(d->default_domain);
	d->default_domain = NULL;
}

/* ---- the kernel's IOMMU API -------------------------------------------------------------- */

struct iommu_domain *iommu_domain_alloc(struct device *dev)
{
	struct dmasim_device *d = dmasim__dev(dev, "iommu_domain_alloc");
	struct dmasim_domain *dom;

	if (!d)
		return NULL;
	if (!d->behind_iommu) {
		dmasim__dev_report(d, "iommu_domain_alloc: device is not behind an IOMMU");
		return NULL;
	}
	dom = dmasim__domain_new(d->plat->iommu, IOMMU_DOMAIN_UNMANAGED);
	return dom ? &dom->dom : NULL;
}

struct iommu_domain *iommu_paging_domain_alloc(struct device *dev)
{
	return iommu_domain_alloc(dev);
}

void iommu_domain_free(struct iommu_domain *domain)
{
	struct dmasim_domain *dom;

	if (!domain)
		return;
	dom = check_domain(domain, "iommu_domain_free");
	if (!dom)
		return;
	if (dom->is_default || atomic_load(&dom->users)) {
		dmasim__report(dom->iommu->plat, "iommu: iommu_domain_free: domain %u is %s", dom->id,
			       dom->is_default ? "a device's default domain" :
						 "still attached to a device");
		return;
	}
	dmasim__domain_free(dom);
}

int iommu_attach_device(struct iommu_domain *domain, struct device *dev)
{
	struct dmasim_device *d = dmasim__dev(dev, "iommu_attach_device");
	struct dmasim_domain *dom = d ? check_domain(domain, "iommu_attach_device") : NULL;

	if (!d || !dom)
		return -EINVAL;
	if (!d->behind_iommu)
		return -ENODEV;
	if (dom->iommu != d->plat->iommu || (dom->dom.type & __IOMMU_DOMAIN_DMA_API)) {
		dmasim__dev_report(d, "iommu_attach_device: domain %u cannot take this device", dom->id);
		return -EINVAL;
	}
	if (d->domain != d->default_domain) {
		dmasim__dev_report(d, "iommu_attach_device: device is already attached to domain %u",
				   d->domain->id);
		return -EBUSY;
	}
	atomic_fetch_add(&dom->users, 1);
	/* Only the domain changes: the device's accesses now translate through it. */
	__atomic_store_n(&d->domain, dom, __ATOMIC_RELEASE);
	return 0;
}

void iommu_detach_device(struct iommu_domain *domain, struct device *dev)
{
	struct dmasim_device *d = dmasim__dev(dev, "iommu_detach_device");
	struct dmasim_domain *dom = d ? check_domain(domain, "iommu_detach_device") : NULL;

	if (!d || !dom)
		return;
	if (d->domain != dom || dom == d->default_domain) {
		dmasim__dev_report(d, "iommu_detach_device: device is not attached to domain %u",
				   dom->id);
		return;
	}
	__atomic_store_n(&d->domain, d->default_domain, __ATOMIC_RELEASE);
	atomic_fetch_sub(&dom->users, 1);
	iotlb_invalidate(dom, 0, 0);
}

struct iommu_domain *iommu_get_domain_for_dev(struct device *dev)
{
	struct dmasim_device *d = dmasim__dev(dev, "iommu_get_domain_for_dev");

	return d && d->domain ? &d->domain->dom : NULL;
}

static int to_pgprot(int prot)
{
	return ((prot & IOMMU_READ) ? DMASIM_PROT_READ : 0) |
	       ((prot & IOMMU_WRITE) ? DMASIM_PROT_WRITE : 0) |
	       ((prot & IOMMU_PRIV) ? DMASIM_PROT_PRIV : 0);
}

int iommu_map(struct iommu_domain *domain, unsigned long iova, phys_addr_t paddr, size_t size,
	      int prot, gfp_t gfp)
{
	struct dmasim_domain *dom = check_domain(domain, "iommu_map");
	struct dmasim_platform *p;
	int ret;

	if (!dom)
		return -EINVAL;
	p = dom->iommu->plat;
	if (!dom->pgt || (dom->dom.type & __IOMMU_DOMAIN_DMA_API)) {
		dmasim__report(p, "iommu: iommu_map: domain %u is not an unmanaged paging domain", dom->id);
		return -EINVAL;
	}
	if (!size || ((iova | paddr | size) & (dom->granule - 1))) {
		dmasim__report(p, "iommu: iommu_map: iova 0x%lx, paddr 0x%llx, size 0x%zx must be non-zero multiples of 0x%lx",
			       iova, (unsigned long long)paddr, size, dom->granule);
		return -EINVAL;
	}
	if (iova + size - 1 < iova || iova + size - 1 > dom->dom.geometry.aperture_end) {
		dmasim__report(p, "iommu: iommu_map: [0x%lx + 0x%zx] is outside the aperture (end 0x%llx)",
			       iova, size, (unsigned long long)dom->dom.geometry.aperture_end);
		return -EINVAL;
	}
	pthread_mutex_lock(&dom->map_lock);
	ret = dmasim__iommu_map_range(dom, iova, paddr, size, to_pgprot(prot));
	pthread_mutex_unlock(&dom->map_lock);
	if (ret == -EEXIST)
		dmasim__report(p, "iommu: iommu_map: [0x%lx + 0x%zx] overlaps an existing mapping", iova,
			       size);
	return ret;
}

size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova, size_t size)
{
	struct dmasim_domain *dom = check_domain(domain, "iommu_unmap");
	size_t done;

	if (!dom || !dom->pgt || (dom->dom.type & __IOMMU_DOMAIN_DMA_API) || !size ||
	    ((iova | size) & (dom->granule - 1))) {
		if (dom)
			dmasim__report(dom->iommu->plat, "iommu: iommu_unmap: bad request iova 0x%lx size 0x%zx for domain %u",
				       iova, size, dom->id);
		return 0;
	}
	pthread_mutex_lock(&dom->map_lock);
	/* Always strict (invalidated before it returns): the caller may reuse the range at once. */
	done = dmasim__iommu_unmap_range(dom, iova, size);
	pthread_mutex_unlock(&dom->map_lock);
	return done;
}

size_t iommu_unmap_fast(struct iommu_domain *domain, unsigned long iova, size_t size,
			struct iommu_iotlb_gather *gather)
{
	struct dmasim_domain *dom = check_domain(domain, "iommu_unmap_fast");
	struct dmasim_iotlb_gather g;
	size_t done;

	if (!dom || !gather || !dom->pgt || (dom->dom.type & __IOMMU_DOMAIN_DMA_API) || !size ||
	    ((iova | size) & (dom->granule - 1))) {
		if (dom)
			dmasim__report(dom->iommu->plat, "iommu: iommu_unmap_fast: bad request iova 0x%lx size 0x%zx gather %p for domain %u",
				       iova, size, (void *)gather, dom->id);
		return 0;
	}
	g = (struct dmasim_iotlb_gather){ .start = gather->start, .end = gather->end,
					  .queued = gather->queued };
	if (gather->start > gather->end)
		g = (struct dmasim_iotlb_gather)DMASIM_IOTLB_GATHER_INIT(gather->queued);
	pthread_mutex_lock(&dom->map_lock);
	done = dmasim__iommu_unmap_fast(dom, iova, size, &g);
	pthread_mutex_unlock(&dom->map_lock);
	gather->start = (unsigned long)g.start;
	gather->end = (unsigned long)g.end;
	if (g.start > g.end) {
		gather->start = ~0UL;
		gather->end = 0;
	}
	gather->pgsize = dom->granule;
	return done;
}

void iommu_iotlb_sync(struct iommu_domain *domain, struct iommu_iotlb_gather *gather)
{
	struct dmasim_domain *dom = check_domain(domain, "iommu_iotlb_sync");
	struct dmasim_iotlb_gather g;

	if (!dom || !gather)
		return;
	if (gather->start <= gather->end) {
		g = (struct dmasim_iotlb_gather){ .start = gather->start, .end = gather->end,
						  .queued = gather->queued };
		dmasim__iommu_iotlb_sync(dom, &g);
	}
	iommu_iotlb_gather_init(gather);
}

ssize_t iommu_map_sg(struct iommu_domain *domain, unsigned long iova, struct scatterlist *sg,
		     unsigned int nents, int prot, gfp_t gfp)
{
	struct dmasim_domain *dom = check_domain(domain, "iommu_map_sg");
	size_t mapped = 0;
	unsigned int i;
	int ret = 0;

	if (!dom)
		return -EINVAL;
	for (i = 0; sg && i < nents; i++, sg = sg_next(sg)) {
		phys_addr_t phys = sg_phys(sg);

		if (!sg->length)
			continue;
		ret = iommu_map(domain, iova + mapped, phys, sg->length, prot, gfp);
		if (ret)
			break;
		mapped += sg->length;
	}
	if (ret) {
		/* As the kernel: undo the part that was mapped. */
		if (mapped)
			iommu_unmap(domain, iova, mapped);
		return ret;
	}
	return (ssize_t)mapped;
}

int dmasim_iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova, phys_addr_t *phys)
{
	struct dmasim_domain *dom = check_domain(domain, "dmasim_iommu_iova_to_phys");

	if (!dom || !phys)
		return -EINVAL;
	if (dom->dom.type == IOMMU_DOMAIN_IDENTITY) {
		*phys = iova;
		return 0;
	}
	if (!dom->pgt)
		return -ENOENT;
	return dmasim__pgtable_iova_to_phys(dom->pgt, iova, phys, NULL) ? -ENOENT : 0;
}

phys_addr_t iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova)
{
	phys_addr_t phys;

	return dmasim_iommu_iova_to_phys(domain, iova, &phys) ? 0 : phys;
}

int dmasim_iommu_walk(struct iommu_domain *domain, dma_addr_t iova, struct dmasim_pgtable_walk *w)
{
	struct dmasim_domain *dom = check_domain(domain, "dmasim_iommu_walk");

	if (!dom || !w || !dom->pgt)
		return -EINVAL;
	return dmasim__pgtable_walk(dom->pgt, iova, w);
}

void iommu_set_fault_handler(struct iommu_domain *domain, iommu_fault_handler_t handler,
			     void *token)
{
	struct dmasim_domain *dom = check_domain(domain, "iommu_set_fault_handler");

	if (!dom)
		return;
	dom->dom.handler = handler;
	dom->dom.handler_token = token;
}

int dmasim_iommu_reserve(struct iommu_domain *domain, dma_addr_t iova, size_t size)
{
	struct dmasim_domain *dom = check_domain(domain, "dmasim_iommu_reserve");
	dma_addr_t start;
	size_t len;
	int ret;

	if (!dom || !dom->iova || !size)
		return -EINVAL;
	start = iova & ~(dma_addr_t)(dom->granule - 1);
	len = ALIGN(size + (iova & (dom->granule - 1)), dom->granule);
	ret = dmasim__iova_reserve(dom->iova, start, len);
	/*
	 * Lazy mode: a range the driver unmapped may still wait in the flush
	 * queue, allocated until its IOTLB flush.  It is free as far as the
	 * driver knows: flush the queue (the IOTLB first, so no stale
	 * translation survives into the reservation) and try once more.
	 */
	if (ret == -EBUSY && dom->iommu->lazy) {
		dmasim_iommu_flush(dom->iommu->plat);
		ret = dmasim__iova_reserve(dom->iova, start, len);
	}
	return ret;
}

int dmasim_iommu_iova_stats(struct iommu_domain *domain, struct dmasim_iova_stats *st)
{
	struct dmasim_domain *dom = check_domain(domain, "dmasim_iommu_iova_stats");

	if (!dom || !dom->iova || !st)
		return -EINVAL;
	dmasim__iova_stats(dom->iova, st);
	return 0;
}

int dmasim_iommu_iova_for_each(struct iommu_domain *domain,
			       int (*fn)(void *ctx, dma_addr_t iova, size_t size, bool reserved), void *ctx,
			       dma_addr_t *start, dma_addr_t *end)
{
	struct dmasim_domain *dom = check_domain(domain, "dmasim_iommu_iova_for_each");

	if (!dom || !dom->iova || !fn)
		return -EINVAL;
	if (start)
		*start = dom->iova->start;
	if (end)
		*end = dom->iova->end;
	return dmasim__iova_for_each(dom->iova, fn, ctx);
}

int dmasim_pgtable_describe(const struct dmasim_pgtable *pgt, unsigned int shift, u64 entry, char *buf,
			    size_t len)
{
	if (!pgt || !pgt->ops || !buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	if (pgt->ops->base.abi < 5 || !pgt->ops->describe)
		return -EOPNOTSUPP;
	pgt->ops->describe(pgt, shift, entry, buf, len);
	return 0;
}

const struct dmasim_pgtable *dmasim_iommu_domain_pgtable(struct iommu_domain *domain)
{
	struct dmasim_domain *dom = check_domain(domain, "dmasim_iommu_domain_pgtable");

	return dom ? dom->pgt : NULL;
}

struct iommu_group *iommu_group_get(struct device *dev)
{
	struct dmasim_device *d = dmasim__dev(dev, "iommu_group_get");

	return d && d->behind_iommu ? &d->group : NULL;
}

void iommu_group_put(struct iommu_group *group)
{
	(void)group; /* groups live as long as their device */
}

int iommu_group_id(struct iommu_group *group)
{
	return group ? group->id : -1;
}
