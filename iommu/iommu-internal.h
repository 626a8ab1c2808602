/*
 * iommu/iommu-internal.h - the contract between the IOMMU core (iommu.c)
 * and dma-iommu (dma-iommu.c).
 *
 * The core owns domains and groups, the kernel's IOMMU API, faults, each
 * thread's state, and the IOTLB (iotlb.c, reached only from the core);
 * dma-iommu turns DMA API calls into IOVA allocations and page-table
 * mappings through the core's helpers, and owns the flush queue.  Backends
 * (IOVA allocator, page-table format) are called only through the wrappers
 * of backend-ops.h.
 */
#ifndef DMASIM_IOMMU_INTERNAL_H
#define DMASIM_IOMMU_INTERNAL_H

#include <time.h>

#include <dmasim/iommu.h>

#include "dma/dma.h"
#include "dev/dev.h"
#include "iommu.h"
#include "backend-ops.h"
#include "core/sync.h"

#define DMASIM_DOMAIN_MAGIC 0x444f4d4eu /* "DOMN" */
#define FAULT_RING 64

/* What the IOMMU counts on every access and mapping (per thread). */
enum { CNT_HITS, CNT_MISSES, CNT_MAPS, CNT_UNMAPS, CNT_INVALIDATIONS, NR_COUNTS };

struct dmasim_domain {
	struct iommu_domain dom;         /* public part */
	unsigned int magic;
	struct dmasim_iommu *iommu;
	u32 id;                          /* IOTLB tag (an ASID) */
	struct dmasim_pgtable *pgt;      /* NULL for identity/blocked */
	struct dmasim_iova *iova;        /* DMA domains only */
	unsigned long granule;           /* smallest page size */
	pthread_mutex_t map_lock;        /* serialises iommu_map/iommu_unmap */
	atomic_uint users;               /* devices attached */
	bool fmt_flushes;                /* the format reports what to invalidate (ABI 3) */
	bool fmt_gathers;                /* ... and every leaf it clears (strict domains) */
	bool is_default;
	LIST_ENTRY(dmasim_domain) link;
};

struct fq_entry {
	struct dmasim_domain *dom;
	dma_addr_t iova;
	size_t size;                     /* the IOVA allocation to free after the flush */
};

struct iotlb;

/*
 * One thread's state in one IOMMU: its flush queue (lazy mode), as the
 * kernel keeps one per CPU, and its event counts, which only it writes
 * (no locked instruction on the hot path; dmasim_iommu_get_stats() sums).
 */
struct iommu_thread {
	struct dmasim_pt_state pt;       /* first: see dmasim__this_thread() */
	struct dmasim_spin lock;         /* contended only by flushes of all queues */
	struct dmasim_iommu *iommu;
	struct fq_entry *e;              /* NULL in strict mode */
	atomic_uint n;                   /* written under @lock; counted without it */
	atomic_ulong count[NR_COUNTS];
	/*
	 * The device access this thread is making (lib/core/sync.h, in-flight
	 * marks): an unmap or a flush waits for it.  @accessor: on the IOMMU's
	 * list of marks (from this thread's first device access).
	 */
	struct dmasim_inflight mark;
	bool accessor;
	LIST_ENTRY(iommu_thread) accessor_link;
};

struct dmasim_iommu {
	struct dmasim_platform *plat;
	const struct dmasim_pgtable_ops *fmt;
	char fmt_opts[96];
	const struct dmasim_iova_ops *iova_ops;
	char iova_opts[96];
	bool lazy;
	unsigned int fq_size;
	unsigned int fq_timeout_ms;
	struct iotlb *tlb;

	pthread_mutex_t lock;            /* domains */
	pthread_mutex_t fault_lock;      /* the fault ring: a leaf, taken with marks held */
	LIST_HEAD(, dmasim_domain) domains;
	u32 next_id;
	struct dmasim_fault faults[FAULT_RING];
	/* Every thread's struct iommu_thread (its list under its own lock, after @lock). */
	struct dmasim_pt_owner threads;
	/*
	 * When a queue went from empty to not while this was 0: no later than
	 * the oldest queued unmap (0 = nothing queued since the last flush of
	 * all queues).  Written about once per queue flush, not per unmap.
	 */
	atomic_ullong fq_first_ns;

	atomic_ulong fq_flushes, nfaults;
	/*
	 * The threads that make device accesses, each with its in-flight mark
	 * (under @marks_lock; @naccessors counts them), and the mark of those
	 * that could get no state of their own (a shared count).
	 */
	pthread_mutex_t marks_lock;
	LIST_HEAD(, iommu_thread) accessors;
	atomic_uint naccessors;
	struct dmasim_inflight anon;     /* counted in @naccessors once used */
	bool anon_used;                  /* under @marks_lock */
	/* Counts of threads that exited, or that have no state (no memory). */
	atomic_ulong count_gone[NR_COUNTS];
};

/* The state this thread used last (lib/core/sync.h), so one IOMMU skips pthread_getspecific(). */
extern _Thread_local __attribute__((tls_model("initial-exec"))) struct dmasim_pt_last
	dmasim__last_thread;

/* This thread's state in @iommu, made on first use; NULL without memory. */
static inline struct iommu_thread *dmasim__this_thread(struct dmasim_iommu *iommu)
{
	_Static_assert(offsetof(struct iommu_thread, pt) == 0, "pt first: NULL stays NULL");
	return (struct iommu_thread *)dmasim__pt_get(&iommu->threads, &dmasim__last_thread);
}

static inline struct dmasim_domain *to_domain(struct iommu_domain *dom)
{
	return container_of(dom, struct dmasim_domain, dom);
}

/* Map [iova, iova+size) -> paddr with DMASIM_PROT_*, largest pages first. 0 or -errno (nothing left mapped). */
int dmasim__iommu_map_range(struct dmasim_domain *dom, dma_addr_t iova, phys_addr_t paddr,
			    size_t size, int prot);
/*
 * What an unmap made stale in the IOTLB, as the kernel's struct
 * iommu_iotlb_gather: the page-table format reports each leaf it clears
 * (tlb_add_page) and the range grows to cover them; @queued: the IOVA goes
 * to the flush queue, whose flush of the whole IOTLB invalidates it, so
 * nothing is gathered and dmasim__iommu_iotlb_sync() does nothing.
 */
struct dmasim_iotlb_gather {
	dma_addr_t start, end;           /* inclusive; empty while start > end */
	bool queued;
};
#define DMASIM_IOTLB_GATHER_INIT(q) { .start = ~(dma_addr_t)0, .end = 0, .queued = (q) }

/*
 * Unmap, gathering what to invalidate into @gather (iommu_unmap_fast()).
 * Return: bytes unmapped.
 */
size_t dmasim__iommu_unmap_fast(struct dmasim_domain *dom, dma_addr_t iova, size_t size,
				struct dmasim_iotlb_gather *gather);
void dmasim__iommu_iotlb_sync_slow(struct dmasim_domain *dom, struct dmasim_iotlb_gather *gather);
/* Invalidate what @gather holds, unless it is queued (iommu_iotlb_sync()). */
static inline void dmasim__iommu_iotlb_sync(struct dmasim_domain *dom,
					    struct dmasim_iotlb_gather *gather)
{
	if (!gather->queued && gather->start <= gather->end)
		dmasim__iommu_iotlb_sync_slow(dom, gather);
}
/* Unmap and invalidate before returning (strict).  Return: bytes unmapped. */
size_t dmasim__iommu_unmap_range(struct dmasim_domain *dom, dma_addr_t iova, size_t size);
/*
 * Give an unmapped IOVA range back: at once if @gather is not queued (after
 * syncing it), through the flush queue in lazy mode.  @gather may be NULL
 * when the range was invalidated already.
 */
void dmasim__iommu_release_iova(struct dmasim_domain *dom, dma_addr_t iova, size_t alloc_size,
				struct dmasim_iotlb_gather *gather);
/* Allocate IOVA space for @size bytes at or below @limit (32-bit first, as the kernel). */
int dmasim__iommu_alloc_iova(struct dmasim_domain *dom, size_t size, u64 limit, dma_addr_t *iova);
/* The IOVA allocation size for @len bytes: rounded as the allocator caches it. */
size_t dmasim__iommu_iova_size_slow(struct dmasim_domain *dom, size_t len);
static inline size_t dmasim__iommu_iova_size(struct dmasim_domain *dom, size_t len)
{
	if (len <= dom->granule)
		return dom->granule; /* one granule: what most mappings take */
	return dmasim__iommu_iova_size_slow(dom, len);
}
/*
 * The device side: translate one access piece through the IOTLB and the page
 * table, recording and reporting a fault.  Fills *phys and *chunk.
 */
int dmasim__iommu_translate_access(struct dmasim_device *d, const char *call, dma_addr_t addr,
				   size_t len, bool write, phys_addr_t *phys, size_t *chunk,
				   struct dmasim_inflight **mark);
/*
 * A translation of @dom (NULL: of any domain) for [@first, @last] was removed
 * and the IOTLB invalidated: wait for the device accesses that may still be
 * using it (in flight), as an IOTLB sync waits for DMA through the old
 * translation.  Nothing to do, and no locked instruction, while no other
 * thread has made a device access.
 */
void dmasim__iommu_wait_inflight_slow(struct dmasim_iommu *iommu, const struct dmasim_domain *dom,
				      dma_addr_t first, dma_addr_t last);
static inline void dmasim__iommu_wait_inflight(struct dmasim_iommu *iommu,
					       const struct dmasim_domain *dom,
					       dma_addr_t first, dma_addr_t last)
{
	dmasim__barrier_light(); /* the removal before the count (see sync.h) */
	if (__builtin_expect(!atomic_load_explicit(&iommu->naccessors, memory_order_relaxed), 1))
		return;
	dmasim__iommu_wait_inflight_slow(iommu, dom, first, last);
}
/* Flush the whole IOTLB (what a flush of a queue needs), counted. */
void dmasim__iommu_flush_iotlb_all(struct dmasim_iommu *iommu);

/* ---- the flush queue (dma-iommu.c) ---- */

/* Flush @q (its lock held): one whole-IOTLB flush, then its IOVAs go back. */
void dmasim__fq_flush_queue(struct dmasim_iommu *iommu, struct iommu_thread *q);
/* Flush every thread's queue (@iommu->lock held). */
void dmasim__fq_flush_all_locked(struct dmasim_iommu *iommu);
/* Unmaps queued in all threads (@iommu->lock held). */
unsigned long dmasim__fq_pending_locked(struct dmasim_iommu *iommu);
void dmasim__fq_timeout_slow(struct dmasim_iommu *iommu);

/*
 * The flush-queue clock. It is read on every lazy unmap and device access, so
 * it is the coarse clock (one tick, a few ms, at a quarter of the cost of the
 * fine one); the timeout is in ms and the kernel's own fq timer counts jiffies.
 */
static inline u64 dmasim__fq_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/* Flush every queue if the oldest queued unmap is past fq_timeout (a lock-free peek first). */
static inline void dmasim__fq_maybe_timeout(struct dmasim_iommu *iommu)
{
	u64 first;

	/* Device accesses and unmaps come here. */
	if (!iommu->lazy || !iommu->fq_timeout_ms)
		return;
	first = atomic_load(&iommu->fq_first_ns);
	if (!first || dmasim__fq_now_ns() - first < (u64)iommu->fq_timeout_ms * 1000000ULL)
		return;
	dmasim__fq_timeout_slow(iommu);
}

/* A new domain of @type (IOMMU_DOMAIN_*). */
struct dmasim_domain *dmasim__domain_new(struct dmasim_iommu *iommu, unsigned int type);
void dmasim__domain_free(struct dmasim_domain *dom);

#endif /* DMASIM_IOMMU_INTERNAL_H */
