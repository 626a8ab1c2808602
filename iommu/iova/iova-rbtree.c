/*
 * iommu/iova/iova-rbtree.c - the "rbtree" IOVA allocator, the default: the
 * Linux kernel's scheme (drivers/iommu/iova.c) behind the IOVA backend
 * contract in <dmasim/backend.h>.  Allocated and reserved ranges live in a
 * red-black tree; allocation searches top-down below min(limit, end) from a
 * cached position (one for limits up to 4 GiB, one for the rest, so 32-bit
 * devices do not rescan the high space); sizes of up to 32 granules are
 * rounded to a power of two and recycled through per-thread magazines and a
 * shared depot, as the kernel's per-CPU range caches, so that the common
 * map/unmap pair takes no shared lock on the allocation side.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
/* libbsd's RB_GENERATE_STATIC expands to __unused, which its cdefs.h leaves undefined on Linux. */
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
#include <sys/tree.h>

#include "iova-ranges.h"
#include "core/sync.h"

#define RCACHE_ORDERS 6 /* sizes of 1..32 granules */
#define MAG_SIZE 256    /* ranges per magazine */
#define DEPOT_MAX 32    /* full magazines per order in the shared depot */
#define RESERVE_TRIES 4
#define READER_SLOTS 8  /* reader counts of the tree lock, one cache line each */
#define HINT_BITS 12    /* node hints: 4096 slots, 32 KiB per allocator */

/*
 * A node's state, the size its owner asked for and a generation share one
 * atomic word, so that a free can check "allocated, exactly this size" and
 * claim the range in one compare-and-swap, and a magazine pop can hand the
 * range out again without the tree lock.  Node memory is type-stable: a
 * node that leaves the tree goes to the allocator's free list (its state
 * ST_FREE, its generation bumped), never back to malloc while the allocator
 * lives.  So a free may reach a node through a hint with no lock at all:
 * whatever the node became meanwhile, the generation makes the
 * compare-and-swap fail unless it is still the live range it read.
 */
enum { ST_LIVE = 0, ST_CACHED = 1, ST_RESERVED = 2, ST_ANCHOR = 3, ST_FREE = 4 };
#define ST_BITS 3
#define ST_MASK 7ULL
#define REQ_BITS 37                       /* requested granules: up to 2^37 */
#define GEN_SHIFT (ST_BITS + REQ_BITS)    /* 24 bits of generation above */

static inline u64 word_make(u64 gen, u64 req, unsigned int st)
{
	return (gen << GEN_SHIFT) | (req << ST_BITS) | st;
}

static inline unsigned int word_st(u64 w)
{
	return (unsigned int)(w & ST_MASK);
}

static inline u64 word_req(u64 w)
{
	return (w >> ST_BITS) & ((1ULL << REQ_BITS) - 1);
}

static inline u64 word_gen(u64 w)
{
	return w >> GEN_SHIFT;
}

/* The same incarnation of the node in another state (the size kept unless @req is given). */
static inline u64 word_with(u64 w, u64 req, unsigned int st)
{
	return word_make(word_gen(w), req, st);
}

/*
 * A range [lo, hi] in granules.  Why cached ranges stay in the tree: a range
 * freed into a magazine must still occupy its space (the magazine will hand
 * it out again), and a second free of it must be refused.  The node keeps
 * standing in the tree with state ST_CACHED until the range really returns
 * to the tree, so free_range() finds it, sees it is not ST_LIVE, and says
 * -EINVAL, exactly, whichever thread's magazine holds it.
 */
struct iova_node {
	RB_ENTRY(iova_node) link; /* on the free list, RB_LEFT is the next free node */
	u64 lo, hi;             /* immutable while in the tree; lo stored atomically */
	_Atomic u64 word;       /* word_make(generation, requested granules, state) */
};

RB_HEAD(iova_tree, iova_node);

static int node_cmp(struct iova_node *a, struct iova_node *b)
{
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

RB_GENERATE_STATIC(iova_tree, iova_node, link, node_cmp)

struct magazine {
	unsigned int n;
	struct iova_node *e[MAG_SIZE];
};

struct rbt;

/* One thread's caches for one allocator (the kernel's per-CPU loaded/prev pair). */
struct tcache {
	struct dmasim_pt_state pt; /* first: see get_tcache() */
	struct dmasim_spin lock; /* uncontended except against flush_caches() */
	unsigned int slot;       /* its reader count of the tree lock */
	/* Its share of the nodes in ST_CACHED (written by its thread only). */
	atomic_long cached, cached32;
	struct magazine *loaded[RCACHE_ORDERS];
	struct magazine *prev[RCACHE_ORDERS];
};

struct reader_slot {
	_Alignas(64) atomic_long n;
	char pad[64 - sizeof(atomic_long)];
};

struct depot {
	pthread_mutex_t lock;
	unsigned int n;
	struct magazine *m[DEPOT_MAX];
};

struct rbt {
	struct dmasim_iova base;
	unsigned int shift;
	u64 start_pfn, end_pfn;
	u64 dma32_pfn;                  /* last granule below 4 GiB (or end) */

	/*
	 * The tree lock.  Its only reader is the free fast path, which looks a
	 * node up; writers insert and remove, and stats and for_each take it
	 * as writers too.  A reader counts itself in on its own cache line
	 * (its thread's slot), so frees on different threads share nothing; a
	 * writer takes @wlock, raises @writing and waits for the counts to
	 * drain.  Writer-preferring: a reader that sees @writing backs off, so
	 * a stream of frees cannot starve allocations that need the tree.
	 */
	struct reader_slot readers[READER_SLOTS];
	pthread_mutex_t wlock;
	atomic_int writing;
	atomic_uint next_slot;
	struct iova_tree tree;
	/*
	 * Hints for the free fast path: a node by a hash of its start, set
	 * when the node enters the tree, so a free usually finds its node in
	 * one load instead of a tree search.  Only the tree's writers set and
	 * clear them (a range recycled through the caches keeps its hint):
	 * threads that map at once then only read these lines.  A hint only
	 * ever points at a node in the tree: tree_remove() clears it (under
	 * the write lock) before the node can be freed, and readers use it
	 * under the read lock.
	 */
	struct iova_node *_Atomic hint[1u << HINT_BITS];
	struct iova_node *free_nodes;   /* out of the tree, for reuse (write lock) */
	struct iova_node anchor;        /* at end + 1: the tree is never empty */
	struct iova_node *cached;       /* search start for limits above 4 GiB */
	struct iova_node *cached32;     /* search start for limits at or below */
	u64 fail32_any, fail32_aligned; /* smallest spans known not to fit below 4 GiB */

	bool use_cache;
	/*
	 * Nodes in ST_CACHED (is a flush worth it?) and those below 4 GiB:
	 * these plus every live tcache's share (summed under @tcaches' lock).  Here
	 * go what release_nodes() takes out and what exiting threads leave.
	 */
	atomic_long nr_cached, nr_cached32;
	struct dmasim_pt_owner tcaches; /* every thread's struct tcache (lib/core/sync.h) */
	struct depot depot[RCACHE_ORDERS];
};

static inline struct rbt *to_rbt(struct dmasim_iova *iova)
{
	return container_of(iova, struct rbt, base);
}

static u64 roundup_pow2(u64 n)
{
	return n <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(n - 1));
}

/* Cached sizes are rounded up to a power of two, as the kernel does, so one magazine per order serves them all. */
static bool cacheable(const struct rbt *r, u64 n)
{
	return r->use_cache && n <= (1u << (RCACHE_ORDERS - 1));
}

static u64 span_of(const struct rbt *r, u64 n)
{
	return cacheable(r, n) ? roundup_pow2(n) : n;
}

static unsigned int order_of(u64 span)
{
	return (unsigned int)__builtin_ctzll(span);
}

/* The last granule wholly at or below byte @limit; false if there is none. */
static bool limit_to_pfn(unsigned int shift, dma_addr_t limit, u64 *pfn)
{
	u64 g = 1ULL << shift;

	if (limit < g - 1)
		return false;
	*pfn = (limit - (g - 1)) >> shift;
	return true;
}

/* ---- the tree lock --------------------------------------------------------- */

static void tree_read_lock(struct rbt *r, unsigned int slot)
{
	atomic_long *c = &r->readers[slot].n;

	for (;;) {
		/* Count in, then look for a writer: the writer does the reverse (Dekker). */
		atomic_fetch_add(c, 1);
		if (!atomic_load(&r->writing))
			return;
		atomic_fetch_sub_explicit(c, 1, memory_order_release);
		/* A writer is in or waiting: block on its mutex until it is done. */
		pthread_mutex_lock(&r->wlock);
		pthread_mutex_unlock(&r->wlock);
	}
}

static void tree_read_unlock(struct rbt *r, unsigned int slot)
{
	atomic_fetch_sub_explicit(&r->readers[slot].n, 1, memory_order_release);
}

static void tree_write_lock(struct rbt *r)
{
	pthread_mutex_lock(&r->wlock);
	atomic_store(&r->writing, 1);
	for (int i = 0; i < READER_SLOTS; i++)
		for (unsigned int spins = 0;
		     atomic_load_explicit(&r->readers[i].n, memory_order_acquire); spins++)
			if (spins >= 64)
				sched_yield(); /* a reader was preempted inside its lookup */
}

static void tree_write_unlock(struct rbt *r)
{
	atomic_store_explicit(&r->writing, 0, memory_order_release);
	pthread_mutex_unlock(&r->wlock);
}

/* ---- node hints ------------------------------------------------------------- */

static _Atomic(struct iova_node *) *hint_slot(struct rbt *r, u64 lo)
{
	return &r->hint[(lo * 0x9e3779b97f4a7c15ULL) >> (64 - HINT_BITS)];
}

/* @n has just entered the tree (the write lock is held). */
static void hint_set(struct rbt *r, struct iova_node *n)
{
	atomic_store_explicit(hint_slot(r, n->lo), n, memory_order_release);
}

static void hint_clear(struct rbt *r, struct iova_node *n)
{
	struct iova_node *expected = n;

	/* Only if it is still @n's: another node may have taken the slot since. */
	atomic_compare_exchange_strong(hint_slot(r, n->lo), &expected, NULL);
}

/* ---- the tree (caller holds the tree lock) ---------------------------------- */

static struct iova_node *find_exact(struct rbt *r, u64 lo)
{
	struct iova_node key = { .lo = lo };
	struct iova_node *n = atomic_load_explicit(hint_slot(r, lo), memory_order_acquire);

	if (n && n->lo == lo)
		return n;
	return RB_FIND(iova_tree, &r->tree, &key);
}

/* The lowest node with hi >= @pfn (the anchor at worst). */
static struct iova_node *first_hi_at_least(struct rbt *r, u64 pfn)
{
	struct iova_node *n = RB_ROOT(&r->tree), *best = &r->anchor;

	while (n) {
		if (n->hi >= pfn) {
			best = n;
			n = RB_LEFT(n, link);
		} else {
			n = RB_RIGHT(n, link);
		}
	}
	return best;
}

/*
 * Take @n out of the tree.  A cached search position at or below the freed
 * range moves up to the node above it, so the next search sees the hole
 * (the kernel's __cached_rbnode_delete_update); any "32-bit space is full"
 * memory is forgotten.
 */
static void tree_remove(struct rbt *r, struct iova_node *n)
{
	struct iova_node *next = RB_NEXT(iova_tree, &r->tree, n);

	if (n->lo >= r->cached->lo)
		r->cached = next;
	if (n->lo <= r->dma32_pfn) {
		if (n->lo >= r->cached32->lo)
			r->cached32 = next;
		r->fail32_any = r->fail32_aligned = UINT64_MAX;
	}
	hint_clear(r, n);
	RB_REMOVE(iova_tree, &r->tree, n);
}

/* A node out of the tree, its word already ST_FREE, for reuse (write lock held). */
static void node_park(struct rbt *r, struct iova_node *n)
{
	RB_LEFT(n, link) = r->free_nodes;
	r->free_nodes = n;
}

/*
 * A node out of the tree (write lock held): to the free list, in a new
 * generation, so that a free holding its old word can no longer claim it.
 */
static void node_retire(struct rbt *r, struct iova_node *n, u64 w)
{
	atomic_store_explicit(&n->word, word_make(word_gen(w) + 1, 0, ST_FREE),
			      memory_order_release);
	node_park(r, n);
}

/* A node for the tree (write lock held): a retired one, or NULL (the caller mallocs). */
static struct iova_node *node_reuse(struct rbt *r)
{
	struct iova_node *n = r->free_nodes;

	if (n)
		r->free_nodes = RB_LEFT(n, link);
	return n;
}

/* A new node, never in the tree yet. */
static struct iova_node *node_new(void)
{
	struct iova_node *n = malloc(sizeof(*n));

	if (n)
		atomic_init(&n->word, word_make(0, 0, ST_FREE));
	return n;
}

/*
 * Walk down from @cur looking for the highest gap that holds @span granules
 * at an @align boundary, below @limit and at or above @low.
 */
static bool gap_search(struct rbt *r, struct iova_node *cur, u64 limit, u64 low, u64 span,
		       u64 align, u64 *out)
{
	u64 high = limit + 1; /* exclusive top of the gap under consideration */

	for (;;) {
		struct iova_node *prev = RB_PREV(iova_tree, &r->tree, cur);
		u64 floor = prev && prev->hi + 1 > low ? prev->hi + 1 : low;

		if (cur->lo < high)
			high = cur->lo;
		if (high >= span) {
			u64 cand = (high - span) & ~(align - 1);

			if (cand >= floor) {
				*out = cand;
				return true;
			}
		}
		if (!prev || prev->hi < low)
			return false;
		cur = prev;
	}
}

/*
 * Allocate from the tree at a multiple of @align granules; @node is the
 * caller's fresh node.  What did not fit below 4 GiB will not fit now either
 * (the kernel's max32_alloc_size), remembered for two kinds of request: any
 * alignment, and alignment to the span's power of two (the DMA layer's).  A
 * failure of (span S, alignment A) implies one of every larger span at every
 * larger alignment: an A'-aligned block of S' granules holds an A-aligned
 * one of S.  So a size-aligned failure answers requests aligned at least as
 * much, and only an unaligned or exactly size-aligned failure is recorded.
 */
static int tree_alloc(struct rbt *r, struct iova_node *node, u64 req, u64 span, u64 limit,
		      u64 align)
{
	u64 sa = roundup_pow2(span);
	bool is32 = limit <= r->dma32_pfn;
	struct iova_node *from, *top;
	u64 lo;

	if (limit < r->start_pfn || span > limit - r->start_pfn + 1)
		return -ENOMEM;
	if (is32 && (span >= r->fail32_any || (align >= sa && span >= r->fail32_aligned)))
		return -ENOMEM;

	top = first_hi_at_least(r, limit + 1);
	from = is32 ? r->cached32 : r->cached;
	if (from->lo > limit + 1)
		from = top; /* the cached position is above this limit: start at the limit */
	if (!gap_search(r, from, limit, r->start_pfn, span, align, &lo) &&
	    (from == top || !gap_search(r, top, limit, r->start_pfn, span, align, &lo))) {
		if (limit >= r->dma32_pfn) {
			if (align == sa && span < r->fail32_aligned)
				r->fail32_aligned = span;
			else if (align == 1 && span < r->fail32_any)
				r->fail32_any = span;
		}
		return -ENOMEM;
	}
	/* A lock-free free reads lo after the word: the release orders them. */
	__atomic_store_n(&node->lo, lo, __ATOMIC_RELAXED);
	node->hi = lo + span - 1;
	atomic_store_explicit(&node->word,
			      word_with(atomic_load_explicit(&node->word, memory_order_relaxed),
					req, ST_LIVE),
			      memory_order_release);
	RB_INSERT(iova_tree, &r->tree, node);
	hint_set(r, node);
	if (is32)
		r->cached32 = node;
	else
		r->cached = node;
	return 0;
}

/* tree_alloc() with a node of the free list, or a new one. */
static int tree_alloc_node(struct rbt *r, u64 req, u64 span, u64 limit, u64 align,
			   struct iova_node **out)
{
	struct iova_node *node;
	int ret;

	tree_write_lock(r);
	node = node_reuse(r);
	if (!node) {
		tree_write_unlock(r); /* no malloc under the tree lock */
		node = node_new();
		if (!node)
			return -ENOMEM;
		tree_write_lock(r);
	}
	ret = tree_alloc(r, node, req, span, limit, align);
	if (ret)
		node_park(r, node); /* never in the tree: no new generation */
	tree_write_unlock(r);
	*out = node;
	return ret;
}

/* Count a node into (@d = 1) or out of (@d = -1) the caches: on @tc's share if it is given. */
static inline __attribute__((always_inline)) void count_cached(struct rbt *r, struct tcache *tc,
							      const struct iova_node *n, long d)
{
	if (!tc) {
		atomic_fetch_add_explicit(&r->nr_cached, d, memory_order_relaxed);
		if (n->hi <= r->dma32_pfn)
			atomic_fetch_add_explicit(&r->nr_cached32, d, memory_order_relaxed);
		return;
	}
	/* Only @tc's thread writes its share: no read-modify-write needed. */
	atomic_store_explicit(&tc->cached, atomic_load_explicit(&tc->cached, memory_order_relaxed) + d,
			      memory_order_relaxed);
	if (n->hi <= r->dma32_pfn)
		atomic_store_explicit(&tc->cached32,
				      atomic_load_explicit(&tc->cached32, memory_order_relaxed) + d,
				      memory_order_relaxed);
}

/* Nodes in ST_CACHED (below 4 GiB if @low), as far as the counts tell without stopping anyone. */
static long cached_count(struct rbt *r, bool low)
{
	struct dmasim_pt_state *s;
	long n = atomic_load_explicit(low ? &r->nr_cached32 : &r->nr_cached, memory_order_relaxed);

	dmasim__pt_lock(&r->tcaches);
	dmasim__pt_foreach(s, &r->tcaches) {
		struct tcache *tc = (struct tcache *)s;

		n += atomic_load_explicit(low ? &tc->cached32 : &tc->cached, memory_order_relaxed);
	}
	dmasim__pt_unlock(&r->tcaches);
	return n;
}

/* Cached ranges go back to the tree for good. */
static void release_nodes(struct rbt *r, struct iova_node **e, unsigned int n)
{
	if (!n)
		return;
	tree_write_lock(r);
	for (unsigned int i = 0; i < n; i++) {
		count_cached(r, NULL, e[i], -1);
		tree_remove(r, e[i]);
		node_retire(r, e[i], atomic_load(&e[i]->word));
	}
	tree_write_unlock(r);
}

/* ---- per-thread caches --------------------------------------------------- */

static void mag_release(struct rbt *r, struct magazine *m)
{
	if (m) {
		release_nodes(r, m->e, m->n);
		m->n = 0;
	}
}

/* The tcache this thread used last (lib/core/sync.h): one allocator skips pthread_getspecific(). */
static _Thread_local __attribute__((tls_model("initial-exec"))) struct dmasim_pt_last last_tcache;

static struct dmasim_pt_state *tcache_make(struct dmasim_pt_owner *o)
{
	struct rbt *r = container_of(o, struct rbt, tcaches);
	struct tcache *tc = calloc(1, sizeof(*tc));

	if (!tc)
		return NULL;
	dmasim__spin_init(&tc->lock);
	tc->slot = atomic_fetch_add(&r->next_slot, 1) % READER_SLOTS;
	return &tc->pt;
}

/*
 * Thread exit (the list's lock held): its share of the count stays with the
 * allocator; full magazines go to the depot while it has room, the rest to
 * the tree.
 */
static void tcache_leave(struct dmasim_pt_owner *o, struct dmasim_pt_state *s)
{
	struct rbt *r = container_of(o, struct rbt, tcaches);
	struct tcache *tc = (struct tcache *)s;

	atomic_fetch_add(&r->nr_cached, atomic_load(&tc->cached));
	atomic_fetch_add(&r->nr_cached32, atomic_load(&tc->cached32));

	dmasim__spin_lock(&tc->lock);
	for (int ord = 0; ord < RCACHE_ORDERS; ord++) {
		struct magazine **mags[2] = { &tc->loaded[ord], &tc->prev[ord] };
		struct depot *d = &r->depot[ord];

		for (int i = 0; i < 2; i++) {
			struct magazine *m = *mags[i];

			*mags[i] = NULL;
			if (!m)
				continue;
			if (m->n == MAG_SIZE) {
				pthread_mutex_lock(&d->lock);
				if (d->n < DEPOT_MAX) {
					d->m[d->n++] = m;
					m = NULL;
				}
				pthread_mutex_unlock(&d->lock);
			}
			mag_release(r, m);
			free(m);
		}
	}
	dmasim__spin_unlock(&tc->lock);
}

/* Free a tcache: what its magazines hold is the caller's (tcache_leave(), or rbt_free()). */
static void tcache_release(struct dmasim_pt_owner *o, struct dmasim_pt_state *s)
{
	struct tcache *tc = (struct tcache *)s;

	(void)o;
	for (int i = 0; i < RCACHE_ORDERS; i++) {
		free(tc->loaded[i]);
		free(tc->prev[i]);
	}
	free(tc);
}

static inline struct tcache *get_tcache(struct rbt *r)
{
	_Static_assert(offsetof(struct tcache, pt) == 0, "pt first: NULL stays NULL");
	return (struct tcache *)dmasim__pt_get(&r->tcaches, &last_tcache);
}

/* Pop a cached range of @order below @limit, its start clear of @amask; NULL if none fits. */
static struct iova_node *tcache_pop(struct rbt *r, struct tcache *tc, unsigned int order,
				    u64 limit, u64 amask)
{
	struct iova_node *node = NULL;
	struct magazine *m;

	dmasim__spin_lock(&tc->lock);
	m = tc->loaded[order];
	if (!m || !m->n) {
		struct magazine *p = tc->prev[order];

		if (p && p->n) {
			tc->prev[order] = m;
			tc->loaded[order] = m = p;
		} else {
			struct depot *d = &r->depot[order];
			struct magazine *full = NULL;

			pthread_mutex_lock(&d->lock);
			if (d->n)
				full = d->m[--d->n];
			pthread_mutex_unlock(&d->lock);
			if (full) {
				free(m);
				tc->loaded[order] = m = full;
			}
		}
	}
	/* From the top, as a stack; a range beyond the limit or misaligned stays for someone else. */
	for (unsigned int i = m ? m->n : 0; i-- > 0;) {
		struct iova_node *e = m->e[i];

		if (e->hi <= limit && !(e->lo & amask)) {
			node = e;
			m->e[i] = m->e[--m->n];
			break;
		}
	}
	dmasim__spin_unlock(&tc->lock);
	return node;
}

/*
 * Put a range just freed (already ST_CACHED) into this thread's magazine,
 * @tc's lock held.  Return: false if there was no memory for a magazine
 * (the caller gives the node back to the tree, after unlocking).
 */
static bool tcache_put_locked(struct rbt *r, struct tcache *tc, struct iova_node *node)
{
	unsigned int order = order_of(node->hi - node->lo + 1);
	struct magazine *m;

	m = tc->loaded[order];
	if (m && m->n == MAG_SIZE) {
		struct magazine *p = tc->prev[order];

		if (!p || p->n < MAG_SIZE) {
			tc->prev[order] = m;
			tc->loaded[order] = m = p;
		} else {
			struct depot *d = &r->depot[order];

			pthread_mutex_lock(&d->lock);
			if (d->n < DEPOT_MAX) {
				d->m[d->n++] = m;
				m = NULL;
			}
			pthread_mutex_unlock(&d->lock);
			if (m)
				mag_release(r, m); /* depot full: back to the tree, reuse the magazine */
			tc->loaded[order] = m;
		}
	}
	if (!m)
		tc->loaded[order] = m = calloc(1, sizeof(*m));
	if (!m)
		return false;
	m->e[m->n++] = node;
	return true;
}

/* Push @n ranges just freed into this thread's magazines, under one lock hold. */
static void tcache_push(struct rbt *r, struct tcache *tc, struct iova_node **node, unsigned int n)
{
	unsigned int left = 0;

	dmasim__spin_lock(&tc->lock);
	for (unsigned int i = 0; i < n; i++)
		if (!tcache_put_locked(r, tc, node[i]))
			node[left++] = node[i];
	dmasim__spin_unlock(&tc->lock);
	release_nodes(r, node, left);
}

static void rbt_flush(struct dmasim_iova *iova)
{
	struct rbt *r = to_rbt(iova);
	struct dmasim_pt_state *s;

	if (!r->use_cache)
		return;
	dmasim__pt_lock(&r->tcaches);
	dmasim__pt_foreach(s, &r->tcaches) {
		struct tcache *tc = (struct tcache *)s;

		dmasim__spin_lock(&tc->lock);
		for (int o = 0; o < RCACHE_ORDERS; o++) {
			mag_release(r, tc->loaded[o]);
			mag_release(r, tc->prev[o]);
		}
		dmasim__spin_unlock(&tc->lock);
	}
	dmasim__pt_unlock(&r->tcaches);
	for (int o = 0; o < RCACHE_ORDERS; o++) {
		struct depot *d = &r->depot[o];
		struct magazine *m;

		for (;;) {
			pthread_mutex_lock(&d->lock);
			m = d->n ? d->m[--d->n] : NULL;
			pthread_mutex_unlock(&d->lock);
			if (!m)
				break;
			mag_release(r, m);
			free(m);
		}
	}
}

/* ---- the ops ------------------------------------------------------------- */

static int rbt_alloc_aligned(struct dmasim_iova *iova, size_t size, size_t align, dma_addr_t limit,
			     dma_addr_t *addr)
{
	struct rbt *r = to_rbt(iova);
	struct iova_node *node;
	struct tcache *tc = NULL;
	u64 n, span, limit_pfn, galign;
	int ret;

	if (!addr || !size || (size & (iova->granule - 1)) || (align & (align - 1)))
		return -EINVAL;
	if (!limit_to_pfn(r->shift, limit, &limit_pfn))
		return -ENOMEM;
	if (limit_pfn > r->end_pfn)
		limit_pfn = r->end_pfn;
	n = size >> r->shift;
	span = span_of(r, n);
	galign = align > iova->granule ? align >> r->shift : 1; /* in granules, as the kernel's pfns */

	if (cacheable(r, n)) {
		tc = get_tcache(r);
		node = tc ? tcache_pop(r, tc, order_of(span), limit_pfn, galign - 1) : NULL;
		if (node) {
			/* The node is ours (in no magazine, not live): a plain update will do. */
			atomic_store_explicit(&node->word,
					      word_with(atomic_load_explicit(&node->word,
									     memory_order_relaxed),
							n, ST_LIVE),
					      memory_order_release);
			count_cached(r, tc, node, -1);
			*addr = node->lo << r->shift;
			return 0;
		}
	}

	ret = tree_alloc_node(r, n, span, limit_pfn, galign, &node);
	/*
	 * Space held by caches: empty them all and try once more, as
	 * alloc_iova_fast().  Only when some cached range lies below the limit
	 * (as far as the 32-bit count tells): a caller that tries below 4 GiB
	 * first (SAC) must not wipe every cache each time the low space is full.
	 */
	if (ret == -ENOMEM && r->use_cache && cached_count(r, limit_pfn <= r->dma32_pfn) > 0) {
		rbt_flush(iova);
		ret = tree_alloc_node(r, n, span, limit_pfn, galign, &node);
	}
	if (ret)
		return ret;
	*addr = node->lo << r->shift;
	return 0;
}

/*
 * Claim @node for a free of [@lo, @lo + @req): live, that size, that start,
 * in one compare-and-swap to ST_CACHED.  @node may be anything a hint points
 * at, with no lock held: node memory stays a node, and the generation in the
 * word fails the swap if it stopped being that range after its word was read.
 */
static bool claim(struct iova_node *node, u64 lo, u64 req)
{
	u64 w = atomic_load_explicit(&node->word, memory_order_acquire);

	return word_st(w) == ST_LIVE && word_req(w) == req &&
	       __atomic_load_n(&node->lo, __ATOMIC_RELAXED) == lo &&
	       atomic_compare_exchange_strong(&node->word, &w, word_with(w, req, ST_CACHED));
}

/* The free fast path: the node through its hint, no lock; NULL to look it up in the tree. */
static struct iova_node *claim_hinted(struct rbt *r, u64 lo, u64 req)
{
	struct iova_node *node = atomic_load_explicit(hint_slot(r, lo), memory_order_acquire);

	return node && claim(node, lo, req) ? node : NULL;
}

/* Claim in the tree, the read lock held. */
static struct iova_node *claim_in_tree(struct rbt *r, u64 lo, u64 req)
{
	struct iova_node *node = find_exact(r, lo);

	return node && node != &r->anchor && claim(node, lo, req) ? node : NULL;
}

static int rbt_free_range(struct dmasim_iova *iova, dma_addr_t addr, size_t size)
{
	struct rbt *r = to_rbt(iova);
	struct iova_node *node;
	u64 n, lo, w = 0;
	struct tcache *tc;
	bool ok;

	if (!size || ((addr | size) & (iova->granule - 1)))
		return -EINVAL;
	n = size >> r->shift;
	lo = addr >> r->shift;

	if (cacheable(r, n) && (tc = get_tcache(r))) {
		/* The compare-and-swap is what claims the range, exactly once. */
		node = claim_hinted(r, lo, n);
		if (!node) {
			tree_read_lock(r, tc->slot);
			node = claim_in_tree(r, lo, n);
			tree_read_unlock(r, tc->slot);
		}
		if (!node)
			return -EINVAL;
		count_cached(r, tc, node, 1);
		tcache_push(r, tc, &node, 1);
		return 0;
	}

	tree_write_lock(r);
	node = find_exact(r, lo);
	if (node && node != &r->anchor)
		w = atomic_load(&node->word);
	/* A swap still: a free on the fast path may claim the same node meanwhile. */
	ok = node && node != &r->anchor && word_st(w) == ST_LIVE && word_req(w) == n &&
	     atomic_compare_exchange_strong(&node->word, &w, word_make(word_gen(w) + 1, 0, ST_FREE));
	if (ok) {
		tree_remove(r, node);
		node_park(r, node); /* the swap gave it its new generation */
	}
	tree_write_unlock(r);
	return ok ? 0 : -EINVAL;
}

#define FREE_BATCH 64
#define FREE_LATER 1  /* not a result: a range the batch leaves to free_range() */
#define FREE_MISSED 2 /* not a result: a range whose hint did not lead to its node */

/*
 * A flush queue's frees: the cached ones claimed under one read-lock hold
 * and pushed under one magazine-lock hold; the others one by one.  The
 * results are those of free_range() in order: two frees of one range can
 * only meet on its node's word, which the compare-and-swap orders.
 */
static void rbt_free_ranges(struct dmasim_iova *iova, const struct dmasim_iova_range *rg,
			    unsigned int n, int *ret)
{
	struct rbt *r = to_rbt(iova);
	struct tcache *tc = r->use_cache ? get_tcache(r) : NULL;

	for (unsigned int i = 0; i < n;) {
		unsigned int end = n - i > FREE_BATCH ? i + FREE_BATCH : n, ngot = 0;
		struct iova_node *got[FREE_BATCH];
		int st[FREE_BATCH];

		for (unsigned int k = i; k < end; k++) {
			u64 g = rg[k].size >> r->shift;

			st[k - i] = !rg[k].size || ((rg[k].addr | rg[k].size) & (iova->granule - 1)) ?
					    -EINVAL :
				    tc && cacheable(r, g) ? 0 :
							    FREE_LATER;
		}
		if (tc) {
			bool missed = false;

			/* Through the hints first, with no lock; the misses under one read lock. */
			for (unsigned int k = i; k < end; k++) {
				struct iova_node *node;

				if (st[k - i])
					continue;
				node = claim_hinted(r, rg[k].addr >> r->shift, rg[k].size >> r->shift);
				if (node) {
					got[ngot++] = node;
				} else {
					st[k - i] = FREE_MISSED;
					missed = true;
				}
			}
			if (missed) {
				tree_read_lock(r, tc->slot);
				for (unsigned int k = i; k < end; k++) {
					struct iova_node *node;

					if (st[k - i] != FREE_MISSED)
						continue;
					node = claim_in_tree(r, rg[k].addr >> r->shift,
							     rg[k].size >> r->shift);
					if (node) {
						got[ngot++] = node;
						st[k - i] = 0;
					} else {
						st[k - i] = -EINVAL;
					}
				}
				tree_read_unlock(r, tc->slot);
			}
			for (unsigned int k = 0; k < ngot; k++)
				count_cached(r, tc, got[k], 1);
			tcache_push(r, tc, got, ngot);
		}
		for (unsigned int k = i; k < end; k++) {
			if (st[k - i] == FREE_LATER)
				st[k - i] = rbt_free_range(iova, rg[k].addr, rg[k].size);
			if (ret)
				ret[k] = st[k - i];
		}
		i = end;
	}
}

/*
 * Reserve [addr, addr + size), clipped to [start, end] (what lies outside is
 * never handed out anyway).  Reservations that overlap or touch merge into
 * one node.  A range that sits in some thread's cache is free as far as the
 * user knows, so the caches are flushed and the reservation tried again.
 */
static int rbt_reserve(struct dmasim_iova *iova, dma_addr_t addr, size_t size)
{
	struct rbt *r = to_rbt(iova);
	u64 lo, hi;

	if (!size || ((addr | size) & (iova->granule - 1)) || addr + size - 1 < addr)
		return -EINVAL;
	lo = addr >> r->shift;
	hi = lo + (size >> r->shift) - 1;
	if (hi < r->start_pfn || lo > r->end_pfn)
		return 0;
	if (lo < r->start_pfn)
		lo = r->start_pfn;
	if (hi > r->end_pfn)
		hi = r->end_pfn;

	for (int tries = 0; tries < RESERVE_TRIES; tries++) {
		struct iova_node *first, *n, *next, *fresh = node_new();
		bool busy = false, cached = false;
		u64 nlo = lo, nhi = hi;

		if (!fresh)
			return -ENOMEM;
		tree_write_lock(r);
		first = first_hi_at_least(r, lo - 1);
		for (n = first; n != &r->anchor && n->lo <= hi + 1; n = RB_NEXT(iova_tree, &r->tree, n)) {
			unsigned int st = word_st(atomic_load(&n->word));

			if (n->lo > hi || n->hi < lo)
				continue; /* only touching: merges if reserved, else nothing */
			busy |= st == ST_LIVE;
			cached |= st == ST_CACHED;
		}
		if (!busy && !cached) {
			for (n = first; n != &r->anchor && n->lo <= hi + 1; n = next) {
				next = RB_NEXT(iova_tree, &r->tree, n);
				if (word_st(atomic_load(&n->word)) != ST_RESERVED)
					continue;
				nlo = n->lo < nlo ? n->lo : nlo;
				nhi = n->hi > nhi ? n->hi : nhi;
				tree_remove(r, n);
				node_retire(r, n, atomic_load(&n->word));
			}
			__atomic_store_n(&fresh->lo, nlo, __ATOMIC_RELAXED);
			fresh->hi = nhi;
			atomic_store(&fresh->word, word_make(0, 0, ST_RESERVED));
			RB_INSERT(iova_tree, &r->tree, fresh);
			fresh = NULL;
		}
		tree_write_unlock(r);
		free(fresh);
		if (busy)
			return -EBUSY;
		if (!cached)
			return 0;
		rbt_flush(iova);
	}
	return -EBUSY;
}

static void rbt_stats(struct dmasim_iova *iova, struct dmasim_iova_stats *st)
{
	struct rbt *r = to_rbt(iova);
	struct iova_node *n;
	u64 pos = r->start_pfn;

	memset(st, 0, sizeof(*st));
	tree_write_lock(r);
	/* The anchor sits at end + 1, so the walk also sees the last gap. */
	RB_FOREACH(n, iova_tree, &r->tree) {
		u64 span = n->hi - n->lo + 1;

		if (n->lo > pos) {
			st->free += n->lo - pos;
			if (n->lo - pos > st->largest_free)
				st->largest_free = n->lo - pos;
		}
		pos = n->hi + 1;
		switch (word_st(atomic_load(&n->word))) {
		case ST_LIVE:
			st->allocated += span; /* what the range takes, rounding included */
			st->nr_ranges++;
			break;
		case ST_CACHED:
			st->cached += span;
			break;
		case ST_RESERVED:
			st->reserved += span;
			break;
		}
	}
	tree_write_unlock(r);
	st->allocated <<= r->shift;
	st->reserved <<= r->shift;
	st->free <<= r->shift;
	st->largest_free <<= r->shift;
	st->cached <<= r->shift;
}

/* The ranges are copied out first, so @fn runs without the lock and may call back in. */
static int rbt_for_each(struct dmasim_iova *iova,
			int (*fn)(void *ctx, dma_addr_t addr, size_t size, bool reserved), void *ctx)
{
	struct rbt *r = to_rbt(iova);
	struct iova_range_list list = { 0 };
	struct iova_node *n;
	int ret = 0;

	tree_write_lock(r);
	RB_FOREACH(n, iova_tree, &r->tree) {
		u64 w = atomic_load(&n->word);
		bool reserved = word_st(w) == ST_RESERVED;

		if (word_st(w) != ST_LIVE && !reserved)
			continue;
		/* An allocation is reported with the size it was asked for: what free_range() takes. */
		ret = iova_ranges_push(&list, n->lo << r->shift,
				       reserved ? (n->hi - n->lo + 1) << r->shift : word_req(w) << r->shift,
				       reserved);
		if (ret)
			break;
	}
	tree_write_unlock(r);
	return iova_ranges_emit(&list, ret, fn, ctx);
}

static size_t rbt_cache_range(struct dmasim_iova *iova)
{
	return to_rbt(iova)->use_cache ? iova->granule << (RCACHE_ORDERS - 1) : 0;
}

/* Options: none, or "nocache" (every allocation goes to the tree: placements are reproducible). */
static int parse_options(const char *opts, bool *use_cache)
{
	*use_cache = true;
	while (opts && *opts) {
		size_t len = strcspn(opts, ":");

		if (len == 7 && !strncmp(opts, "nocache", 7))
			*use_cache = false;
		else if (len)
			return -EINVAL;
		opts += len;
		if (*opts == ':')
			opts++;
	}
	return 0;
}

static struct dmasim_iova *rbt_alloc(const struct dmasim_iova_config *cfg)
{
	unsigned int shift;
	struct rbt *r;
	u64 g, start_pfn, end_pfn, dma32_pfn;
	bool use_cache;

	if (!cfg || cfg->granule < 4096 || (cfg->granule & (cfg->granule - 1)) ||
	    cfg->start < cfg->granule || cfg->end < cfg->start ||
	    parse_options(cfg->options, &use_cache))
		return NULL;
	g = cfg->granule;
	shift = (unsigned int)__builtin_ctzll(g);
	if (cfg->start > UINT64_MAX - (g - 1) || !limit_to_pfn(shift, cfg->end, &end_pfn))
		return NULL;
	start_pfn = (cfg->start + g - 1) >> shift; /* an unaligned start narrows up */
	if (end_pfn < start_pfn)
		return NULL;
	if (!limit_to_pfn(shift, 0xffffffffULL, &dma32_pfn) || dma32_pfn > end_pfn)
		dma32_pfn = end_pfn;

	/* Aligned, so each reader count has a cache line of its own. */
	r = aligned_alloc(64, ALIGN(sizeof(*r), 64));
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->base.granule = g;
	r->base.start = start_pfn << shift;
	r->base.end = ((end_pfn + 1) << shift) - 1;
	r->shift = shift;
	r->start_pfn = start_pfn;
	r->end_pfn = end_pfn;
	r->dma32_pfn = dma32_pfn;
	r->fail32_any = r->fail32_aligned = UINT64_MAX;
	RB_INIT(&r->tree);
	r->anchor.lo = r->anchor.hi = end_pfn + 1;
	atomic_init(&r->anchor.word, word_make(0, 0, ST_ANCHOR));
	RB_INSERT(iova_tree, &r->tree, &r->anchor);
	r->cached = r->cached32 = &r->anchor;
	atomic_init(&r->nr_cached, 0);
	atomic_init(&r->nr_cached32, 0);

	pthread_mutex_init(&r->wlock, NULL);
	for (int o = 0; o < RCACHE_ORDERS; o++)
		pthread_mutex_init(&r->depot[o].lock, NULL);
	/* Keys are a finite resource (PTHREAD_KEYS_MAX): without one, run uncached. */
	r->use_cache = use_cache &&
		       !dmasim__pt_init(&r->tcaches, tcache_make, tcache_leave, tcache_release);
	return &r->base;
}

/*
 * Context: no other thread may use the instance, nor be exiting after
 * having used it (its key destructor would run on freed memory) - the
 * kernel's rule that a domain outlives its users.
 */
static void rbt_free(struct dmasim_iova *iova)
{
	struct rbt *r = to_rbt(iova);
	struct iova_node *n;

	if (r->tcaches.make) /* dmasim__pt_init() ran (even if it failed) */
		dmasim__pt_fini(&r->tcaches);
	for (int o = 0; o < RCACHE_ORDERS; o++) {
		for (unsigned int i = 0; i < r->depot[o].n; i++)
			free(r->depot[o].m[i]);
		pthread_mutex_destroy(&r->depot[o].lock);
	}
	while ((n = RB_MIN(iova_tree, &r->tree))) {
		RB_REMOVE(iova_tree, &r->tree, n);
		if (n != &r->anchor)
			free(n);
	}
	while ((n = node_reuse(r)))
		free(n);
	pthread_mutex_destroy(&r->wlock);
	free(r);
}

const struct dmasim_iova_ops dmasim__iova_rbtree = {
	.base = {
		.abi = DMASIM_BACKEND_ABI,
		.kind = DMASIM_BACKEND_IOVA,
		.name = "rbtree",
		.caps = 0,
		.help = "Linux-style: red-black tree, top-down, per-thread range caches (option: nocache)",
	},
	.alloc = rbt_alloc,
	.free = rbt_free,
	.alloc_aligned = rbt_alloc_aligned,
	.free_range = rbt_free_range,
	.reserve = rbt_reserve,
	.stats = rbt_stats,
	.for_each = rbt_for_each,
	.cache_range = rbt_cache_range,
	.flush_caches = rbt_flush,
	.free_ranges = rbt_free_ranges,
};
