/*
 * lib/core/sync.h - dmasim's shared concurrency helpers, and its lock order.
 *
 * Here, not in include/dmasim/: it is no public API and no backend ABI
 * (its functions are dmasim__ internals, hidden from the shared library, so
 * a backend built outside dmasim could not call them and nothing here is
 * promised to users).  The built-in backends may include it: it is one of
 * the "small helper headers" a backend may use besides <dmasim/backend.h>,
 * so it includes nothing of dmasim, only libc.
 *
 * 1. A sequence count (struct dmasim_seqcount): writers serialise on a lock
 *    of their own and bump the count around their stores; readers take no
 *    lock and retry if a writer was at work.
 * 2. Per-thread state (struct dmasim_pt_owner / struct dmasim_pt_state): an
 *    object that keeps one state per thread that uses it, found through an
 *    initial-exec thread-local "last used" slot (struct dmasim_pt_last) that
 *    each user declares, else pthread_getspecific(); every state is on the
 *    owner's list so that the owner can visit them all (flush every queue,
 *    sum every count); a thread's state is handed to the owner's exit hook
 *    when the thread exits.
 * 3. In-flight marks (struct dmasim_inflight): a device access publishes
 *    what it goes through on its own thread's line, without a locked
 *    instruction; an unmap or flush that removed a translation makes one
 *    heavy barrier (membarrier()) and waits for the marks that overlap it.
 * 4. An owner spinlock (struct dmasim_spin): inline, for state its own
 *    thread locks on every operation and others rarely (q->lock, tc->lock
 *    and set->lock below).
 *
 * ---- The lock order -------------------------------------------------------
 *
 * Every lock in the library, outermost first.  A thread holding a lock may
 * take only locks further down this list: never one above it, nor a second
 * lock of the same number (two threads' states, two sets, two devices).
 * Each row says what the lock protects; "->" names what it is held over.
 * Rows 11-17 are backends' and lower layers' locks: none calls up.
 *
 *  1. plat_lock (lib/core/platform.c, mutex, global): the list of platforms and
 *     the current one.  Leaf in practice.
 *  2. reg_lock (lib/core/backend.c, mutex, global): the backend registry.  Leaf.
 *  3. p->dev_lock (platform, mutex): the platform's device list and device
 *     numbering.  -> d->lock (dmasim_platform_dump() dumps each device).
 *  4. pool->lock (lib/dma/dmapool.c, mutex): one dma_pool's pages and blocks.
 *     -> dma_free_coherent() at pool destruction, so everything below.
 *     Taken after d->lock is dropped, never inside it.
 *  5. nc->lock (lib/cache/cache-noncoherent.c, mutex): evict=random's held
 *     lines (those the model last cleaned or invalidated for a device, with
 *     their bytes then).  Leaf: the model reports nothing and calls
 *     nothing above it.  Not taken with evict=none.
 *  6. d->lock (device, mutex): the device's mapping records (the debug
 *     layer's entries, lib/debug/entry.c), its record cache, its pools
 *     list and devres list.  Held for tree updates and copies only;
 *     dropped around every call out (release hooks, unmaps, reports).
 *  7. iommu->lock (iommu-internal.h, mutex): domains and their ids and the
 *     "flush every queue" decisions (fq_first_ns).
 *     -> 8 (flush of every queue).  Never held over a fault handler.
 *  8. iommu->threads.lock (a struct dmasim_pt_owner, mutex): the list of
 *     every thread's struct iommu_thread; an exiting thread's queue is
 *     flushed and its counts moved under it.  -> 9.
 *  9. q->lock (struct iommu_thread, struct dmasim_spin): one thread's flush queue.
 *     Its own thread takes it per lazy unmap (hence a spinlock: one locked
 *     instruction); others only to flush every queue.  -> a queue flush:
 *     the lock-free IOTLB flush, the IOVA allocator's frees (11-13), 18.
 * 10. dom->map_lock (iommu-internal.h, mutex): serialises iommu_map() and
 *     iommu_unmap() of one domain.  -> the page-table format (14, 15, 17)
 *     and the IOTLB invalidation (16), 18.  Never held with 7-9.
 *     IOVA allocator (a backend; it calls nothing above it):
 * 11. rbtree r->tcaches.lock (struct dmasim_pt_owner, mutex): the list of
 *     every thread's struct tcache; an exiting thread's magazines go to the
 *     depot or the tree under it.  -> 12.
 * 12. rbtree tc->lock (struct tcache, struct dmasim_spin): one thread's magazines;
 *     its thread per cached alloc/free, others only to flush every cache.
 *     -> 13.
 * 13. rbtree depot[order].lock (mutex): full magazines of one order; and
 *     r->wlock (mutex) + r->writing, the write side of the tree lock (the
 *     tree, the node free list, the search starts; hints are set and
 *     cleared under it).  A depot lock is never held with r->wlock.  The
 *     read side is per-thread counts (one cache line per slot) taken only
 *     by frees, over a lookup and a compare-and-swap (no lock inside it);
 *     a reader that meets a writer waits on r->wlock, holding nothing.
 *     Or bitmap b->lock (iova-bitmap.c, mutex): the whole bitmap.  Leaf.
 * 14. io_pgtable spare_lock (mutex): spare table pages of one page table.
 *     Leaf (the table allocation runs after it is dropped).
 * 15. io_pgtable RAM-window w->lock (mutex): adders of a RAM window; its
 *     readers take no lock.  Leaf.
 * 16. IOTLB set->lock (iotlb.h, struct dmasim_spin): writers of one set (fills,
 *     invalidations), held over a few stores; readers take no lock (the
 *     set's struct dmasim_seqcount).  Leaf.
 * 17. p->mm_lock (platform, mutex): the buddy arenas, slabs, vmalloc areas,
 *     the CPU-alias tree.  Leaf (page-table pages come from here under 10).
 *     Device-side and debug leaves, each held for its own data only:
 *     sw->lock (lib/dma/swiotlb.c, spinlock: bitmap searches, slot updates;
 *     -> 18 only through an internal DMASIM_WARN_ON),
 *     c->lock (lib/debug/cacheline.c, mutex: the cache-line overlap tree),
 *     o->lock (lib/debug/ownership.c, mutex: who owns each line of a
 *     mapping, and the snapshots; its walks of a device's bus translation
 *     take no lock, and its reports are made after it is dropped),
 *     f->lock (lib/core/fault-inject.c, mutex: the rules and their random
 *     state),
 *     iommu->fault_lock (iommu-internal.h, mutex: the fault ring),
 *     iommu->marks_lock (iommu-internal.h, mutex: the list of threads that
 *     make device accesses, with their in-flight marks; held while waiting
 *     for marks, see "Waiting for device accesses" below).
 *     Device models (lib/dev/, dev/dev.h): mdl->lock (a model's mutex, held
 *     over its register callbacks and events) -> mach->lock (the machine:
 *     event queues, interrupt lines, windows, the deterministic clock) ->
 *     mach->wait_lock (dmasim_wait_event()'s condition).  No model lock is
 *     taken under mach->lock; handlers and events run holding neither;
 *     model callbacks may go on to the DMA layers (dmasim_dev_read()).
 * 18. t->lock (lib/core/trace.c, mutex): the trace sink; the user's trace
 *     callback runs under it.  p->log_lock (platform, mutex): the user's
 *     log callback runs under it (trace events and reports may come
 *     under 4, 9 and 10).  Neither callback may call back into dmasim.
 *
 * What runs without locks:
 *  - IOTLB hits: dmasim__iotlb_lookup() reads a set under its sequence
 *    count, and the whole-IOTLB flush is two atomic increments (@gen,
 *    @epoch); a fill notes gen, epoch and the set's count before its walk
 *    and inserts only if none changed (checked under set->lock).
 *  - The swiotlb slot reads of find_owned() in lib/dma/swiotlb.c (relaxed atomic
 *    loads of fields written under sw->lock), as the kernel's sync reads
 *    orig_addr.
 *  - The rbtree's free fast path: a hint load and one compare-and-swap on
 *    the node's state word (nodes are type-stable: never freed while the
 *    allocator lives), under the reader count only when the hint misses.
 *  - A device's domain pointer (d->domain, acquire/release), domain user
 *    counts, the per-thread event counts (written by their thread only,
 *    summed under 8), fault and flush counts: atomics.
 *  - The per-thread "last used" slots of struct dmasim_pt_last (TLS).
 *  - In-flight marks: written by their thread only (plain stores, release
 *    at the end of an access), read by waiters after a heavy barrier; the
 *    count of threads with a mark (iommu->naccessors) is read without a
 *    lock by every invalidation, written only at a thread's first access
 *    (followed by a heavy barrier) and at its exit.
 *
 * Waiting for device accesses in flight (issue 14, defect 5).  A device
 * access behind an IOMMU holds its thread's in-flight mark from its first
 * translation to its last copy (dmasim__iommu_translate_access(),
 * lib/dev/dev-access.c); a strict unmap's IOTLB sync, any other IOTLB
 * invalidation and the whole-IOTLB flush of a lazy queue wait, after their
 * removal, for the marks that overlap it (dmasim__iommu_wait_inflight()),
 * under whatever they hold (7-10, 16 not).  So, while a mark is held, an
 * access takes only: IOTLB set locks (16, a fill), iommu->fault_lock, t->lock
 * and p->log_lock (a fault's record, trace and report), d->lock (6, the
 * debug layer's notes; no waiter holds it), and it calls the domain's fault
 * handler only for a piece after the first (the first piece's mark ends
 * before its fault): such a handler must not wait for another thread's
 * unmap.  A timed-out flush queue is flushed by an access before it takes
 * its mark, never after.  A waiter skips its own thread's mark.
 * Without an IOMMU, DMA-API debugging lists an access it let through on
 * d->accesses under d->lock, with its record lookup, until the access's
 * last copy; an unmap that removes a record waits for the listed accesses
 * that overlap it, dropping d->lock while it waits (lib/debug/entry.c).
 *
 * dma-iommu's map path takes the IOVA allocator's locks (11-13 or b->lock),
 * then maps through the format (14, 15, 17) and fills the IOTLB (16), one
 * after another, never nested: dom->map_lock is the IOMMU API's only.  An
 * allocation that runs out of IOVA space drops everything and flushes every
 * queue (7 -> 8 -> 9 -> 11-13).
 */
#ifndef DMASIM_SYNC_H
#define DMASIM_SYNC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/queue.h>

/* ---- 1. sequence count ---------------------------------------------------- */

/*
 * Odd while a writer changes what it guards.  Written without fences
 * (ThreadSanitizer does not model them), which sets a contract on the data
 * it guards: writers store it with release (so the odd count is visible
 * before any of it) and readers load it with acquire (so their second load
 * of the count, in dmasim__seq_read_retry(), cannot move before them).
 */
struct dmasim_seqcount {
	unsigned int seq;
};

/* Writer, its own lock held: the data is about to change. */
static inline void dmasim__seq_write_begin(struct dmasim_seqcount *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
}

/* Writer, its own lock held: the data is consistent again. */
static inline void dmasim__seq_write_end(struct dmasim_seqcount *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}

/*
 * Reader: the count before the reads.  Odd means a writer is at work: skip
 * the reads (they would be retried anyway) - dmasim__seq_read_retry() says so.
 */
static inline unsigned int dmasim__seq_read_begin(const struct dmasim_seqcount *s)
{
	return __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
}

/* Reader: whether what it read since dmasim__seq_read_begin() (@start) may be torn. */
static inline bool dmasim__seq_read_retry(const struct dmasim_seqcount *s, unsigned int start)
{
	return (start & 1) || __atomic_load_n(&s->seq, __ATOMIC_RELAXED) != start;
}

/*
 * The count now, as a mark: a writer that later finds the count unchanged
 * (under its lock, dmasim__seq_changed()) knows no other writer ran since.
 */
static inline unsigned int dmasim__seq_mark(const struct dmasim_seqcount *s)
{
	return __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
}

/* Writer, its own lock held: whether any writer ran since @mark. */
static inline bool dmasim__seq_changed(const struct dmasim_seqcount *s, unsigned int mark)
{
	return s->seq != mark;
}

/* ---- 2. per-thread state -------------------------------------------------- */

struct dmasim_pt_owner;

/* Embedded in each user's per-thread struct. */
struct dmasim_pt_state {
	struct dmasim_pt_owner *owner;
	struct dmasim_pt_last *last;     /* the slot of the thread that made it */
	LIST_ENTRY(dmasim_pt_state) link;
};

/*
 * The state this thread used last in one kind of owner, so the common case
 * (one owner) skips pthread_getspecific(); the serial tells a new owner at a
 * freed one's address apart.  Each user declares its own slot, initial-exec
 * (a direct TLS access, not a call):
 *   static _Thread_local __attribute__((tls_model("initial-exec")))
 *	struct dmasim_pt_last my_last;
 */
struct dmasim_pt_last {
	unsigned long serial;
	struct dmasim_pt_state *state;
};

struct dmasim_pt_owner {
	unsigned long serial;            /* unique per owner ever made (from 1) */
	bool key_ok;
	pthread_key_t key;
	/* The list of every thread's state (see the lock order above). */
	pthread_mutex_t lock;
	LIST_HEAD(, dmasim_pt_state) states;
	/* A new state for this thread (zeroed but for what it sets), or NULL. */
	struct dmasim_pt_state *(*make)(struct dmasim_pt_owner *o);
	/*
	 * The thread of @s exits (@o->lock held, @s still listed): take over
	 * what it holds.  Then @s is unlisted and handed to @release.
	 */
	void (*leave)(struct dmasim_pt_owner *o, struct dmasim_pt_state *s);
	/* Free @s (no lock held; also for every state at dmasim__pt_fini()). */
	void (*release)(struct dmasim_pt_owner *o, struct dmasim_pt_state *s);
};

/*
 * Set up @o with its hooks.  Return: 0, or an errno from pthread_key_create()
 * (keys are a finite resource): @o then has no per-thread state, and
 * dmasim__pt_get() returns NULL, but @o may still be visited and finished.
 */
int dmasim__pt_init(struct dmasim_pt_owner *o,
		   struct dmasim_pt_state *(*make)(struct dmasim_pt_owner *o),
		   void (*leave)(struct dmasim_pt_owner *o, struct dmasim_pt_state *s),
		   void (*release)(struct dmasim_pt_owner *o, struct dmasim_pt_state *s));

/*
 * Release every state without running @leave.  Context: no other thread may
 * use @o, nor be exiting after having used it (its key destructor would run
 * on freed memory) - the kernel's rule that an object outlives its users.
 */
void dmasim__pt_fini(struct dmasim_pt_owner *o);

/* This thread's state in @o, made on first use; NULL without memory or key. */
struct dmasim_pt_state *dmasim__pt_get_slow(struct dmasim_pt_owner *o, struct dmasim_pt_last *last);

static inline struct dmasim_pt_state *dmasim__pt_get(struct dmasim_pt_owner *o,
						    struct dmasim_pt_last *last)
{
	if (last->serial == o->serial)
		return last->state;
	return dmasim__pt_get_slow(o, last);
}

/* This thread's state in @o if it has one (never makes one, takes no lock). */
static inline struct dmasim_pt_state *dmasim__pt_peek(struct dmasim_pt_owner *o,
						     struct dmasim_pt_last *last)
{
	if (last->serial == o->serial)
		return last->state;
	return o->key_ok ? pthread_getspecific(o->key) : NULL;
}

/* Visit every thread's state: between these, LIST_FOREACH(s, &o->states, link). */
static inline void dmasim__pt_lock(struct dmasim_pt_owner *o)
{
	pthread_mutex_lock(&o->lock);
}

static inline void dmasim__pt_unlock(struct dmasim_pt_owner *o)
{
	pthread_mutex_unlock(&o->lock);
}

#define dmasim__pt_foreach(s, o) LIST_FOREACH((s), &(o)->states, link)

/* ---- 3. in-flight marks --------------------------------------------------- */

/*
 * An asymmetric "an access is in flight" mark, as userspace RCU's membarrier
 * flavour: the many (device accesses) publish what they go through on a
 * line only their own thread writes, with no locked instruction; the few
 * (an unmap, the flush that retires IOVAs) pay for the ordering with one
 * dmasim__barrier_heavy() and then wait for the marks that overlap what they
 * took away.
 *
 * The protocol (the classic store-buffer pattern, made safe on both sides):
 *   accessor:  dmasim__inflight_begin() (stores the mark, then
 *              dmasim__barrier_light()); reads the translation; copies;
 *              dmasim__inflight_end() (a release store).
 *   waiter:    removes the translation (the page-table entry, the IOTLB
 *              entry, the record); dmasim__barrier_heavy();
 *              dmasim__inflight_wait() on every thread's mark.
 * Either the accessor's mark is visible to the waiter (which then waits for
 * its end, and the end's release orders the copy before whatever the waiter
 * does next), or the accessor's read of the translation comes after the
 * removal and finds nothing.  The light barrier is a compiler barrier where
 * the heavy one is membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) (every
 * running thread of the process executes a full barrier), else both are
 * seq_cst fences (dmasim__barrier_init() decides, once per process).
 *
 * A mark nests (a fault handler's own device access inside an access): the
 * inner begin widens the outer mark to everything.  A mark with @shared set
 * is a count of anonymous accessors (threads that could get no mark of their
 * own): every begin and end is a locked instruction on it, and a waiter
 * waits for it to drain whatever they touch.
 */
struct dmasim_inflight {
	unsigned long seq;               /* odd while its owner is in an access */
	const void *key;                 /* what the access goes through; NULL: anything */
	unsigned long long first, last;  /* the addresses it may touch (inclusive) */
	unsigned int depth;              /* owner only: nesting */
	bool shared;                     /* a count of anonymous accessors instead */
};

/*
 * A memory fence.  GCC refuses atomic_thread_fence() under ThreadSanitizer
 * (which does not model fences): there, a read-modify-write of one word with
 * the same order stands in (a full barrier on the machine too).
 */
#if defined(__SANITIZE_THREAD__)
#define DMASIM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DMASIM_TSAN 1
#endif
#endif
#ifdef DMASIM_TSAN
extern unsigned long dmasim__fence_word;
#define dmasim__fence(order) ((void)__atomic_fetch_add(&dmasim__fence_word, 0, (order)))
#else
#define dmasim__fence(order) __atomic_thread_fence(order)
#endif

/* Whether membarrier() works in this process (set once by dmasim__barrier_init()). */
extern bool dmasim__membarrier_ok;

/* Register this process for membarrier(), once; later calls do nothing. */
void dmasim__barrier_init(void);

/* The accessor's half of the ordering: after its mark, before its reads. */
static inline void dmasim__barrier_light(void)
{
	if (__builtin_expect(__atomic_load_n(&dmasim__membarrier_ok, __ATOMIC_RELAXED), 1))
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	else
		dmasim__fence(__ATOMIC_SEQ_CST);
}

/* The waiter's half: after the removal, before it reads any mark. */
void dmasim__barrier_heavy(void);

/* The owner of @m begins an access to [@first, @last] through @key. */
static inline void dmasim__inflight_begin(struct dmasim_inflight *m, const void *key,
					  unsigned long long first, unsigned long long last)
{
	if (__builtin_expect(m->shared, 0)) {
		__atomic_fetch_add(&m->seq, 1, __ATOMIC_SEQ_CST);
		return;
	}
	if (__builtin_expect(m->depth++ != 0, 0)) {
		/* Nested: cover whatever the inner access touches too. */
		__atomic_store_n(&m->key, NULL, __ATOMIC_RELAXED);
		__atomic_store_n(&m->first, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&m->last, ~0ULL, __ATOMIC_RELAXED);
		dmasim__barrier_light();
		return;
	}
	/* As a sequence count's writer: the last end's count before these. */
	dmasim__fence(__ATOMIC_RELEASE);
	__atomic_store_n(&m->key, key, __ATOMIC_RELAXED);
	__atomic_store_n(&m->first, first, __ATOMIC_RELAXED);
	__atomic_store_n(&m->last, last, __ATOMIC_RELAXED);
	__atomic_store_n(&m->seq, m->seq + 1, __ATOMIC_RELEASE);
	dmasim__barrier_light();
}

/* The owner of @m ends its access: everything it copied is ordered before a waiter's return. */
static inline void dmasim__inflight_end(struct dmasim_inflight *m)
{
	if (__builtin_expect(m->shared, 0)) {
		__atomic_fetch_sub(&m->seq, 1, __ATOMIC_RELEASE);
		return;
	}
	if (--m->depth)
		return;
	__atomic_store_n(&m->seq, m->seq + 1, __ATOMIC_RELEASE);
}

/*
 * After dmasim__barrier_heavy(): wait until @m (another thread's) holds no
 * access to [@first, @last] through @key (NULL: any key) that began before
 * the barrier.  Spins, yielding: accesses are copies, short.
 */
void dmasim__inflight_wait(const struct dmasim_inflight *m, const void *key,
			   unsigned long long first, unsigned long long last);

/* ---- 4. owner spinlock ----------------------------------------------------- */

/*
 * A spinlock for per-thread state that its own thread takes on every
 * operation and other threads take only rarely (a flush of every queue, of
 * every cache): inline, so the uncontended pair is one exchange and one
 * store, no call into libpthread.  Zero is unlocked (a calloc'd struct
 * holds one ready to use).  Not for anything held long or contended.
 */
struct dmasim_spin {
	int v;
};

static inline void dmasim__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static inline void dmasim__spin_init(struct dmasim_spin *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELAXED);
}

static inline void dmasim__spin_lock(struct dmasim_spin *l)
{
	while (__builtin_expect(__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE), 0))
		while (__atomic_load_n(&l->v, __ATOMIC_RELAXED))
			dmasim__cpu_relax();
}

static inline void dmasim__spin_unlock(struct dmasim_spin *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

#endif /* DMASIM_SYNC_H */
