/*
 * tools/dmasim-bench.c - the measuring instrument of issue 5, in the spirit of
 * the kernel's dma_map_benchmark: every workload is timed side by side with a
 * baseline measured in the same process run (B_malloc, B_memcpy(n), or the
 * same operation on a simpler machine), over at least 5 repetitions, and
 * reported as the median and the spread (max/min) of ns/op, ops/s and the
 * ratio to its baseline.
 *
 *   dmasim-bench [--json] [--quick] [--only ID,ID...] [options]   (--help)
 *
 * No assertion is made on times: the benchmark reports, docs/PERFORMANCE.md
 * says what the goals are and where the time goes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dmasim/dmasim.h>

#define MAX_REPS 101
#define MAX_CPUS 256
#define BPAGE 4096UL

/* --- options ------------------------------------------------------------- */

static struct {
	int threads;        /* workload 3 */
	double seconds;     /* measuring time per workload (all its repetitions) */
	long iterations;    /* fixed operations per repetition (0 = calibrate) */
	int dir;            /* -1 = default: bidirectional (copying workloads: to-device) */
	unsigned int granule; /* pages per mapping (workloads 1, 2, 3, 10) */
	int bits;           /* DMA mask bits */
	bool sg;            /* --mode sg: workloads 1, 2, 3, 10 map an sg list */
	int sg_entries;     /* entries of granule pages each (workload 4: 256 x 4 KiB) */
	const char *spec;   /* appended to every workload's platform spec */
	int reps;
	bool json, quick, debug;
	bool mt_shared;     /* workload 3: all threads on one device (default: one device each) */
	const char *only;   /* comma-separated goal ids */
	long live;          /* live mappings for workload 5 and mem */
} opt = {
	.threads = 2, .seconds = 0.7, .dir = -1, .granule = 1, .bits = 32,
	.sg_entries = 256, .reps = 5, .live = 100000,
};

static int ncpus;
static int cpus[MAX_CPUS];

/* --- utilities ------------------------------------------------------------ */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#define BARRIER(x) __asm__ volatile("" : "+r"(x) : : "memory")

static char g_fail[256]; /* the first failure inside a timed loop */

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (g_fail[0])
		return;
	va_start(ap, fmt);
	vsnprintf(g_fail, sizeof(g_fail), fmt, ap);
	va_end(ap);
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAX_REPS];

	memcpy(s, v, (size_t)n * sizeof(*v));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double spread(const double *v, int n)
{
	double lo = v[0], hi = v[0];

	for (int i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	return lo > 0 ? hi / lo : 0;
}

/* --- the harness ---------------------------------------------------------- */

/* A batch runs @n operations of one kind. */
typedef void (*batch_fn)(void *ctx, long n);

struct bench {
	batch_fn fn;
	void *ctx;
	long iters; /* per repetition */
};

/* ns available for one timed batch: half a repetition (the other half is the baseline's). */
static double target_ns(void)
{
	return opt.seconds * 1e9 / opt.reps / 2;
}

/* Warm up and pick the iteration count of a batch that lasts target_ns(). */
static void calibrate(struct bench *b)
{
	long n = 1;
	double t;

	if (opt.iterations) {
		b->fn(b->ctx, opt.iterations < 16 ? opt.iterations : 16); /* warm */
		b->iters = opt.iterations;
		return;
	}
	for (;;) {
		double t0 = now_ns();

		b->fn(b->ctx, n);
		t = now_ns() - t0;
		if (t >= target_ns() / 8 || n >= (1L << 40) || g_fail[0])
			break;
		n *= 2;
	}
	b->iters = (long)((double)n * target_ns() / (t > 1 ? t : 1));
	if (b->iters < 1)
		b->iters = 1;
}

/* ns per operation of one batch. */
static double run(struct bench *b)
{
	double t0 = now_ns();

	b->fn(b->ctx, b->iters);
	return (now_ns() - t0) / (double)b->iters;
}

/* --- results --------------------------------------------------------------- */

enum ratio_kind { R_DIV, R_INV }; /* ratio = value/baseline, or baseline/value (bandwidth) */

struct result {
	const char *id;
	const char *what;
	const char *unit;          /* of value and baseline */
	const char *baseline_name;
	double v[MAX_REPS], b[MAX_REPS];
	int n;
	enum ratio_kind rk;
	double goal;
	bool higher;
	double bytes;              /* bytes per op, for MB/s (0 = none) */
	char spec[1024];
	char err[300];
	char extra[1200];           /* more JSON members, ", \"k\": v" */
	double med_v, med_b, ratio, spread_v, spread_r;
	bool done;
};

static struct result *results[32];
static int nresults;
static int exit_code;

static struct result *new_result(const char *id, const char *what, const char *unit,
				 const char *bname, enum ratio_kind rk, double goal, bool higher)
{
	struct result *r = calloc(1, sizeof(*r));

	if (!r) {
		perror("dmasim-bench");
		exit(1);
	}
	r->id = id;
	r->what = what;
	r->unit = unit;
	r->baseline_name = bname;
	r->rk = rk;
	r->goal = goal;
	r->higher = higher;
	results[nresults++] = r;
	return r;
}

static void add_extra(struct result *r, const char *fmt, ...)
{
	va_list ap;
	size_t l = strlen(r->extra);

	va_start(ap, fmt);
	vsnprintf(r->extra + l, sizeof(r->extra) - l, fmt, ap);
	va_end(ap);
}

static void finish(struct result *r)
{
	double rr[MAX_REPS];

	if (g_fail[0] && !r->err[0]) {
		snprintf(r->err, sizeof(r->err), "%s", g_fail);
		g_fail[0] = 0;
	}
	if (r->err[0] || r->n == 0) {
		if (!r->err[0])
			snprintf(r->err, sizeof(r->err), "not measured");
		exit_code = 1;
		r->done = true;
		return;
	}
	for (int i = 0; i < r->n; i++)
		rr[i] = r->rk == R_DIV ? r->v[i] / r->b[i] : r->b[i] / r->v[i];
	r->med_v = median(r->v, r->n);
	r->med_b = median(r->b, r->n);
	r->ratio = median(rr, r->n);
	r->spread_v = spread(r->v, r->n);
	r->spread_r = spread(rr, r->n);
	r->done = true;
}

static bool wanted(const char *id)
{
	const char *s = opt.only;
	size_t l = strlen(id);

	if (!s)
		return true;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t k = e ? (size_t)(e - s) : strlen(s);

		if (k == l && !strncmp(s, id, l))
			return true;
		if (!e)
			break;
		s = e + 1;
	}
	return false;
}

/* --- platforms ------------------------------------------------------------- */

struct env {
	struct dmasim_platform *p;
	struct device *dev;
};

/* A platform of exactly @spec (DMASIM_SPEC aside) and one device. */
static bool env_open_spec(struct env *e, const char *spec, struct result *r)
{
	char dspec[128];

	memset(e, 0, sizeof(*e));
	e->p = dmasim_platform_create(spec);
	if (!e->p) {
		snprintf(r->err, sizeof(r->err), "cannot create platform \"%.250s\"", spec);
		return false;
	}
	snprintf(r->spec, sizeof(r->spec), "%s", dmasim_platform_spec(e->p));
	snprintf(dspec, sizeof(dspec), "name=bench mask=%d", opt.bits);
	e->dev = dmasim_device_create(e->p, dspec);
	if (!e->dev) {
		snprintf(r->err, sizeof(r->err), "cannot create device \"%s\"", dspec);
		dmasim_platform_destroy(e->p);
		e->p = NULL;
		return false;
	}
	return true;
}

/* A platform of @base, debug as --debug says, --spec, then @tail (it wins over --spec). */
static bool env_open_tail(struct env *e, const char *base, const char *tail, struct result *r)
{
	char spec[1024];

	/*
	 * The workloads' machine is the SoC the figures of docs/PERFORMANCE.md
	 * were measured on (RAM below 4 GiB: a 32-bit device does not bounce);
	 * --spec may name another (machine=pc).
	 */
	snprintf(spec, sizeof(spec), "machine=arm64-soc %s debug=%s%s%s%s%s", base, opt.debug ? "on" : "off",
		 opt.spec ? " " : "", opt.spec ? opt.spec : "", tail[0] ? " " : "", tail);
	return env_open_spec(e, spec, r);
}

static bool env_open(struct env *e, const char *base, struct result *r)
{
	return env_open_tail(e, base, "", r);
}

static void env_close(struct env *e)
{
	if (e->dev)
		dmasim_device_destroy(e->dev);
	if (e->p)
		dmasim_platform_destroy(e->p);
	memset(e, 0, sizeof(*e));
}

static enum dma_data_direction map_dir(void)
{
	return opt.dir < 0 ? DMA_BIDIRECTIONAL : (enum dma_data_direction)opt.dir;
}

static enum dma_data_direction copy_dir(void)
{
	return opt.dir < 0 ? DMA_TO_DEVICE : (enum dma_data_direction)opt.dir;
}

/* --- baselines --------------------------------------------------------------- */

static void b_malloc(void *ctx, long n)
{
	for (long i = 0; i < n; i++) {
		void *p = malloc(64);

		BARRIER(p);
		free(p);
	}
}

struct memcpy_ctx {
	char *src, *dst;
	size_t len;
};

static void b_memcpy(void *ctx, long n)
{
	struct memcpy_ctx *c = ctx;

	for (long i = 0; i < n; i++) {
		char *d = c->dst;

		memcpy(d, c->src, c->len);
		BARRIER(d);
	}
}

static bool memcpy_ctx_init(struct memcpy_ctx *c, size_t len)
{
	c->len = len;
	c->src = malloc(len);
	c->dst = malloc(len);
	if (!c->src || !c->dst)
		return false;
	memset(c->src, 0x5a, len);
	memset(c->dst, 0, len);
	return true;
}

static void memcpy_ctx_fini(struct memcpy_ctx *c)
{
	free(c->src);
	free(c->dst);
}

/* --- mapping workloads -------------------------------------------------------- */

enum { SYNC_NONE, SYNC_FOR_CPU };

struct map_ctx {
	struct device *dev;
	struct page *page;      /* single: the buffer */
	void *buf;              /* single, linear map (kmalloc) instead of page */
	size_t len;
	enum dma_data_direction dir;
	int sync;
	struct scatterlist *sgl; /* sg mode */
	int nents;
	unsigned int order;
};

static void batch_map(void *ctx, long n)
{
	struct map_ctx *c = ctx;

	for (long i = 0; i < n; i++) {
		if (c->sgl) {
			int got = (int)dma_map_sg(c->dev, c->sgl, c->nents, c->dir);

			if (!got) {
				fail("dma_map_sg failed");
				return;
			}
			dma_unmap_sg(c->dev, c->sgl, c->nents, c->dir);
			continue;
		}
		dma_addr_t h = c->buf ? dma_map_single(c->dev, c->buf, c->len, c->dir) :
					dma_map_page(c->dev, c->page, 0, c->len, c->dir);

		if (dma_mapping_error(c->dev, h)) {
			fail("dma_map of %zu bytes failed", c->len);
			return;
		}
		if (c->sync == SYNC_FOR_CPU)
			dma_sync_single_for_cpu(c->dev, h, c->len, c->dir);
		if (c->buf)
			dma_unmap_single(c->dev, h, c->len, c->dir);
		else
			dma_unmap_page(c->dev, h, c->len, c->dir);
	}
}

static unsigned int order_of(size_t bytes)
{
	unsigned int o = 0;

	while ((BPAGE << o) < bytes)
		o++;
	return o;
}

/*
 * Buffers for a mapping workload: @sg with @nents entries of @entry_bytes
 * each, else one of @len.  @scatter leaves a free hole after each entry, so
 * no two entries are physically contiguous (nothing to coalesce).
 */
static bool map_ctx_init_sg(struct map_ctx *c, struct device *dev, bool sg, int nents,
			    size_t entry_bytes, enum dma_data_direction dir, bool scatter)
{
	struct page **holes = NULL;
	bool ok = true;

	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->dir = dir;
	c->order = order_of(entry_bytes);
	if (!sg) {
		c->len = entry_bytes;
		c->page = alloc_pages(GFP_KERNEL, c->order);
		return c->page != NULL;
	}
	c->nents = nents;
	c->len = entry_bytes;
	c->sgl = calloc((size_t)nents, sizeof(*c->sgl));
	if (scatter)
		holes = calloc((size_t)nents, sizeof(*holes));
	if (!c->sgl || (scatter && !holes)) {
		free(holes);
		return false;
	}
	sg_init_table(c->sgl, (unsigned int)nents);
	for (int i = 0; i < nents && ok; i++) {
		struct page *pg = alloc_pages(GFP_KERNEL, c->order);

		/* A page taken after each entry and given back after: entries do not touch. */
		if (scatter && pg)
			holes[i] = alloc_pages(GFP_KERNEL, c->order);
		if (pg)
			sg_set_page(&c->sgl[i], pg, (unsigned int)entry_bytes, 0);
		ok = pg && (!scatter || holes[i]);
	}
	for (int i = 0; holes && i < nents; i++)
		if (holes[i])
			__free_pages(holes[i], c->order);
	free(holes);
	return ok;
}

static bool map_ctx_init(struct map_ctx *c, struct device *dev, bool sg, int nents,
			 size_t entry_bytes, enum dma_data_direction dir)
{
	return map_ctx_init_sg(c, dev, sg, nents, entry_bytes, dir, false);
}

static void map_ctx_fini(struct map_ctx *c)
{
	if (c->sgl) {
		for (int i = 0; i < c->nents; i++)
			if (sg_page(&c->sgl[i]))
				__free_pages(sg_page(&c->sgl[i]), c->order);
		free(c->sgl);
	}
	if (c->page)
		__free_pages(c->page, c->order);
	if (c->buf)
		kfree(c->buf);
	memset(c, 0, sizeof(*c));
}

/* Workloads 1, 2, 10: map+unmap of granule pages (or an sg list with --mode sg). */
static bool std_map_ctx(struct map_ctx *c, struct device *dev)
{
	return map_ctx_init(c, dev, opt.sg, opt.sg_entries, opt.granule * BPAGE, map_dir());
}

/* Measure @w against @bl for opt.reps repetitions into @r (v = workload ns/op, b = baseline ns/op). */
static void measure_pair(struct result *r, struct bench *w, struct bench *bl)
{
	calibrate(bl);
	calibrate(w);
	if (g_fail[0])
		return;
	for (int i = 0; i < opt.reps && !g_fail[0]; i++) {
		r->b[i] = run(bl);
		r->v[i] = run(w);
		r->n = i + 1;
	}
}

/* --- multi-threaded map+unmap (workload 3) ------------------------------------- */

struct mt_run {
	struct device **devs; /* thread i maps for devs[i] */
	int nthreads;
	long iters;
	pthread_barrier_t start, done;
};

struct mt_thread {
	struct mt_run *run;
	int idx;
	pthread_t tid;
};

static void *mt_worker(void *arg)
{
	struct mt_thread *t = arg;
	struct map_ctx c;
	bool ok;

	pin_to(cpus[t->idx % ncpus]);
	ok = std_map_ctx(&c, t->run->devs[t->idx]);
	if (ok)
		batch_map(&c, t->run->iters / 8 + 64); /* warm this thread's IOVA cache */
	else
		fail("cannot allocate a buffer in thread %d", t->idx);
	pthread_barrier_wait(&t->run->start);
	if (ok)
		batch_map(&c, t->run->iters);
	pthread_barrier_wait(&t->run->done);
	map_ctx_fini(&c);
	return NULL;
}

/* Aggregate ops/s of @nthreads threads doing @iters map+unmap each, thread i for @devs[i]. */
static double mt_measure(struct device **devs, int nthreads, long iters)
{
	struct mt_run run = { .devs = devs, .nthreads = nthreads, .iters = iters };
	struct mt_thread th[64];
	double t0, t1;

	if (nthreads > 64)
		nthreads = run.nthreads = 64;
	pthread_barrier_init(&run.start, NULL, (unsigned int)nthreads + 1);
	pthread_barrier_init(&run.done, NULL, (unsigned int)nthreads + 1);
	for (int i = 0; i < nthreads; i++) {
		th[i].run = &run;
		th[i].idx = i;
		pthread_create(&th[i].tid, NULL, mt_worker, &th[i]);
	}
	pthread_barrier_wait(&run.start);
	t0 = now_ns();
	pthread_barrier_wait(&run.done);
	t1 = now_ns();
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i].tid, NULL);
	pthread_barrier_destroy(&run.start);
	pthread_barrier_destroy(&run.done);
	return (double)nthreads * (double)iters / ((t1 - t0) / 1e9);
}

/* --- device reads ---------------------------------------------------------- */

struct read_ctx {
	struct device *dev;
	dma_addr_t h;
	char *dst;
	size_t len;           /* bytes per read */
	unsigned int pages;   /* > 0: cycle the reads over this many pages */
	unsigned int pg;
	long reads;           /* reads done, all batches */
};

static void batch_read(void *ctx, long n)
{
	struct read_ctx *c = ctx;

	for (long i = 0; i < n; i++) {
		dma_addr_t a = c->h;

		if (c->pages) {
			a += (dma_addr_t)c->pg * BPAGE;
			if (++c->pg == c->pages)
				c->pg = 0;
		}
		if (dmasim_dev_read(c->dev, a, c->dst, c->len)) {
			fail("dmasim_dev_read of %zu bytes at %#llx failed", c->len,
			     (unsigned long long)a);
			return;
		}
	}
	c->reads += n;
}

/* --- dma_pool pattern --------------------------------------------------------- */

static const size_t pool_sizes[] = { 16, 64, 256, 1024, 4096 };
#define NPOOL (sizeof(pool_sizes) / sizeof(pool_sizes[0]))

static long pool_blocks(size_t size)
{
	long b = (long)(BPAGE / size * 512);

	return b < 1024 ? 1024 : b > 8192 ? 8192 : b;
}

struct pool_ctx {
	struct device *dev;
	struct dma_pool *pool; /* NULL: malloc */
	size_t size;
	long blocks;
	void **v;
	dma_addr_t *h;
};

/* One "operation" = one pass: allocate every block, then free every block. */
static void batch_pool(void *ctx, long n)
{
	struct pool_ctx *c = ctx;

	for (long i = 0; i < n; i++) {
		for (long k = 0; k < c->blocks; k++) {
			c->v[k] = c->pool ? dma_pool_alloc(c->pool, GFP_KERNEL, &c->h[k]) :
					    malloc(c->size);
			if (!c->v[k]) {
				fail("%s of %zu bytes failed", c->pool ? "dma_pool_alloc" : "malloc",
				     c->size);
				for (long j = 0; j < k; j++)
					c->pool ? dma_pool_free(c->pool, c->v[j], c->h[j]) : free(c->v[j]);
				return;
			}
			BARRIER(c->v[k]);
		}
		for (long k = 0; k < c->blocks; k++) {
			if (c->pool)
				dma_pool_free(c->pool, c->v[k], c->h[k]);
			else
				free(c->v[k]);
		}
	}
}

/* --- memory accounting ---------------------------------------------------------- */

/* Free simulated pages, from the zones dmasim_platform_dump() prints. */
static long free_sim_pages(struct dmasim_platform *p)
{
	char *text = NULL, *line, *save = NULL;
	size_t sz = 0;
	long total = 0;
	FILE *f = open_memstream(&text, &sz);

	if (!f)
		return -1;
	dmasim_platform_dump(p, f);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long fr, tot;

		if (sscanf(line, " zone %*s phys %*s %lu of %lu pages free", &fr, &tot) == 2)
			total += (long)fr;
	}
	free(text);
	return total;
}

static long host_heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long)(mi.uordblks + mi.hblkhd);
}

/* --- the workloads -------------------------------------------------------------- */

#define IOMMU_LAZY "iommu=on mode=lazy"
#define IOMMU_STRICT "iommu=on mode=strict"

static double w1_median; /* workload 1 ns/op, baseline of 5 and part of 11's */

/* 1, 2, 2-ratio */
static void do_map_1_2(void)
{
	struct result *r1 = NULL, *r2 = NULL, *rr = NULL;
	struct env el, es;
	struct map_ctx cl, cs;
	struct bench bm = { b_malloc, NULL, 0 }, wl, ws;
	bool w1 = wanted("1") || wanted("5") || wanted("11"), w2 = wanted("2") || wanted("2-ratio");

	if (!w1 && !w2)
		return;
	r1 = new_result("1", "map+unmap one 4 KiB page, IOMMU lazy, warm IOVA cache, 1 thread",
			"ns/op", "B_malloc", R_DIV, 4, false);
	if (w2) {
		r2 = new_result("2", "map+unmap one 4 KiB page, IOMMU strict, 1 thread", "ns/op",
				"B_malloc", R_DIV, 8, false);
		rr = new_result("2-ratio", "strict / lazy map+unmap", "ns/op",
				"workload 1 (lazy)", R_DIV, 2, false);
	}
	if (!env_open(&el, IOMMU_LAZY, r1))
		goto out;
	if (!std_map_ctx(&cl, el.dev)) {
		snprintf(r1->err, sizeof(r1->err), "cannot allocate the buffer");
		goto out_l;
	}
	wl = (struct bench){ batch_map, &cl, 0 };
	if (!w2) {
		measure_pair(r1, &wl, &bm);
		goto out_cl;
	}
	if (!env_open(&es, IOMMU_STRICT, r2)) {
		snprintf(rr->err, sizeof(rr->err), "%s", r2->err);
		goto out_cl;
	}
	snprintf(rr->spec, sizeof(rr->spec), "%.500s | %.500s", r2->spec, r1->spec);
	if (!std_map_ctx(&cs, es.dev)) {
		snprintf(r2->err, sizeof(r2->err), "cannot allocate the buffer");
		goto out_s;
	}
	ws = (struct bench){ batch_map, &cs, 0 };
	calibrate(&bm);
	calibrate(&wl);
	calibrate(&ws);
	for (int i = 0; i < opt.reps && !g_fail[0]; i++) {
		double m = run(&bm), l = run(&wl), s = run(&ws);

		r1->b[i] = r2->b[i] = m;
		r1->v[i] = rr->b[i] = l;
		r2->v[i] = rr->v[i] = s;
		r1->n = r2->n = rr->n = i + 1;
	}
	map_ctx_fini(&cs);
out_s:
	env_close(&es);
out_cl:
	map_ctx_fini(&cl);
out_l:
	env_close(&el);
out:
	finish(r1);
	if (r2) {
		finish(r2);
		finish(rr);
	}
	w1_median = r1->err[0] ? 0 : r1->med_v;
}

/*
 * 3: 2 threads (--threads) aggregate vs 1 thread.  Each thread maps for a
 * device of its own (as issue 9 defines the goal: a driver's queues on
 * different devices), so the threads share only what the IOMMU and the
 * machine share; --mt-shared puts them all on one device (one domain, one
 * IOVA allocator, one page table), as the first versions of this goal did.
 */
static void do_mt(void)
{
	struct result *r;
	struct env e;
	struct map_ctx c;
	struct bench w;
	struct device *devs[64] = { 0 };
	char what[160];
	int ndev = 0;

	if (!wanted("3"))
		return;
	snprintf(what, sizeof(what), "workload 1 on %d threads (%s), aggregate ops/s vs 1 thread",
		 opt.threads, opt.mt_shared ? "one device" : "one device each");
	r = new_result("3", strdup(what), "ops/s", "workload 1 on 1 thread (ops/s)", R_DIV, 1.7,
		       true);
	if (!env_open(&e, IOMMU_LAZY, r))
		goto out;
	devs[0] = e.dev;
	for (ndev = 1; ndev < opt.threads && ndev < 64; ndev++) {
		char dspec[128];

		snprintf(dspec, sizeof(dspec), "name=bench%d mask=%d", ndev, opt.bits);
		devs[ndev] = opt.mt_shared ? e.dev : dmasim_device_create(e.p, dspec);
		if (!devs[ndev]) {
			snprintf(r->err, sizeof(r->err), "cannot create device \"%s\"", dspec);
			goto out_e;
		}
	}
	/* iteration count: from a single-thread calibration */
	if (!std_map_ctx(&c, e.dev)) {
		snprintf(r->err, sizeof(r->err), "cannot allocate the buffer");
		goto out_e;
	}
	w = (struct bench){ batch_map, &c, 0 };
	calibrate(&w);
	map_ctx_fini(&c);
	for (int i = 0; i < opt.reps && !g_fail[0]; i++) {
		r->b[i] = mt_measure(devs, 1, w.iters);
		r->v[i] = mt_measure(devs, opt.threads, w.iters);
		r->n = i + 1;
	}
	add_extra(r, ", \"threads\": %d, \"cpus\": %d, \"devices\": %d", opt.threads, ncpus,
		  opt.mt_shared ? 1 : opt.threads);
out_e:
	for (int i = 1; i < ndev; i++)
		if (devs[i] && devs[i] != e.dev)
			dmasim_device_destroy(devs[i]);
	env_close(&e);
out:
	finish(r);
}

/* 4: 1 MiB sg list, 256 x 4 KiB */
static void do_sg(void)
{
	struct result *r;
	struct env e;
	struct map_ctx c, cs = { 0 };
	struct memcpy_ctx mc;
	struct bench w, bl;
	size_t total = (size_t)opt.sg_entries * BPAGE;

	if (!wanted("4"))
		return;
	r = new_result("4", "map+unmap an sg list of 256 x 4 KiB (1 MiB), IOMMU lazy", "ns/op",
		       "B_memcpy(1 MiB)", R_DIV, 0.25, false);
	r->bytes = (double)total;
	if (!env_open(&e, IOMMU_LAZY, r))
		goto out;
	if (!map_ctx_init(&c, e.dev, true, opt.sg_entries, BPAGE, map_dir()) ||
	    !memcpy_ctx_init(&mc, total)) {
		snprintf(r->err, sizeof(r->err), "cannot allocate the buffers");
		goto out_e;
	}
	w = (struct bench){ batch_map, &c, 0 };
	bl = (struct bench){ b_memcpy, &mc, 0 };
	measure_pair(r, &w, &bl);
	add_extra(r, ", \"sg_entries\": %d", opt.sg_entries);
	/*
	 * The entries above come one after another from the page allocator,
	 * so they are physically contiguous and map as one run.  The same list
	 * with a hole after every entry shows the per-entry cost.
	 */
	if (map_ctx_init_sg(&cs, e.dev, true, opt.sg_entries, BPAGE, map_dir(), true)) {
		struct bench ws = { batch_map, &cs, w.iters };
		double rs[MAX_REPS];

		for (int i = 0; i < opt.reps; i++) {
			double b = run(&bl);

			rs[i] = run(&ws) / b;
		}
		add_extra(r, ", \"scattered_ratio\": %.3f", median(rs, opt.reps));
	}
	map_ctx_fini(&cs);
	memcpy_ctx_fini(&mc);
	map_ctx_fini(&c);
out_e:
	env_close(&e);
out:
	finish(r);
}

/* 5 and mem: 100,000 live 4 KiB mappings, then 256 KiB map+unmap */
static void do_live(void)
{
	struct result *r5 = NULL, *rm = NULL;
	struct env e;
	struct page *pg;
	dma_addr_t *live = NULL;
	long n = 0, pages0, pages1, heap0, heap1;
	struct map_ctx c;
	double t0, tmap;

	if (!wanted("5") && !wanted("mem"))
		return;
	if (wanted("5"))
		r5 = new_result("5", "map+unmap 256 KiB (beyond the IOVA caches) with 100,000 live IOVAs, IOMMU lazy",
				"ns/op", "workload 1 (ns/op)", R_DIV, 20, false);
	if (wanted("mem"))
		rm = new_result("mem", "page-table + IOVA bookkeeping bytes per mapped 4 KiB page beyond the 8-byte PTE, 100,000 live",
				"bytes/page", "budget (64 bytes/page)", R_DIV, 1, false);
	if (!env_open(&e, IOMMU_LAZY, r5 ? r5 : rm))
		goto out;
	if (r5 && rm)
		snprintf(rm->spec, sizeof(rm->spec), "%s", r5->spec);
	pg = alloc_page(GFP_KERNEL);
	live = malloc(sizeof(*live) * (size_t)opt.live);
	if (!pg || !live) {
		snprintf((r5 ? r5 : rm)->err, sizeof(r5->err), "cannot allocate");
		goto out_e;
	}
	/* Warm-up so the first-use allocations (IOVA caches, first tables) are not counted. */
	for (int i = 0; i < 64; i++) {
		dma_addr_t h = dma_map_page(e.dev, pg, 0, BPAGE, DMA_TO_DEVICE);

		if (!dma_mapping_error(e.dev, h))
			dma_unmap_page(e.dev, h, BPAGE, DMA_TO_DEVICE);
	}
	dmasim_iommu_flush(e.p);
	pages0 = free_sim_pages(e.p);
	heap0 = host_heap_bytes();
	t0 = now_ns();
	for (n = 0; n < opt.live; n++) {
		live[n] = dma_map_page(e.dev, pg, 0, BPAGE, DMA_TO_DEVICE);
		if (dma_mapping_error(e.dev, live[n])) {
			snprintf((r5 ? r5 : rm)->err, sizeof(r5->err),
				 "live mapping %ld failed", n);
			goto out_unmap;
		}
	}
	tmap = (now_ns() - t0) / (double)n;
	pages1 = free_sim_pages(e.p);
	heap1 = host_heap_bytes();
	if (rm) {
		double pt_bytes = (double)(pages0 - pages1) * BPAGE;
		double host = (double)(heap1 - heap0);
		double beyond = (pt_bytes - 8.0 * (double)n + host) / (double)n;

		rm->v[0] = beyond;
		rm->b[0] = 64;
		rm->n = 1;
		add_extra(rm, ", \"live\": %ld, \"pt_pages\": %ld, \"pt_bytes_per_page\": %.2f, \"host_heap_bytes_per_page\": %.2f, \"pte_bytes\": 8, \"map_ns_while_filling\": %.1f",
			  n, pages0 - pages1, pt_bytes / (double)n, host / (double)n, tmap);
	}
	if (r5) {
		if (!map_ctx_init(&c, e.dev, false, 0, 256 * 1024, map_dir())) {
			snprintf(r5->err, sizeof(r5->err), "cannot allocate 256 KiB");
		} else {
			struct bench w = { batch_map, &c, 0 };
			struct bench bm = { b_malloc, NULL, 0 };

			calibrate(&w);
			calibrate(&bm);
			for (int i = 0; i < opt.reps && !g_fail[0]; i++) {
				r5->v[i] = run(&w);
				r5->b[i] = w1_median;
				r5->n = i + 1;
			}
			if (w1_median <= 0)
				snprintf(r5->err, sizeof(r5->err), "workload 1 was not measured");
			add_extra(r5, ", \"live\": %ld, \"B_malloc_ns\": %.2f", n, run(&bm));
			map_ctx_fini(&c);
		}
	}
out_unmap:
	for (long i = 0; i < n; i++)
		dma_unmap_page(e.dev, live[i], BPAGE, DMA_TO_DEVICE);
	__free_page(pg);
out_e:
	free(live);
	env_close(&e);
out:
	if (r5)
		finish(r5);
	if (rm)
		finish(rm);
}

/*
 * 6-hit, 6-miss: what the IOMMU adds to a device access.  A 64-byte
 * dmasim_dev_read behind the IOMMU, against the same read on a direct
 * machine with debug=off (always off, and without --spec: the baseline is
 * the bare access on the default machine).
 * Hit: one mapped page, read again and again.  Miss: 256 pages cycled with
 * iotlb=4 (4 entries, after --spec), so that every read misses; the counters
 * check it, and the goal is an error if they disagree.  The direct
 * baselines read the same way: one page, and 256 pages cycled.
 */
#define IOTLB_READ 64
#define IOTLB_PAGES 256U

/* One buffer of @pages pages, mapped to @dev for reading; *@pg NULL if not. */
static dma_addr_t read_buf(struct env *e, unsigned int pages, struct page **pg)
{
	dma_addr_t h;

	dmasim_platform_set_current(e->p); /* alloc_pages() draws from the current platform */
	*pg = alloc_pages(GFP_KERNEL, order_of(pages * BPAGE));
	if (!*pg)
		return 0;
	h = dma_map_page(e->dev, *pg, 0, pages * BPAGE, DMA_TO_DEVICE);
	if (dma_mapping_error(e->dev, h)) {
		__free_pages(*pg, order_of(pages * BPAGE));
		*pg = NULL;
		return 0;
	}
	return h;
}

static void read_buf_free(struct env *e, unsigned int pages, struct page *pg, dma_addr_t h)
{
	if (!pg)
		return;
	dmasim_platform_set_current(e->p);
	dma_unmap_page(e->dev, h, pages * BPAGE, DMA_TO_DEVICE);
	__free_pages(pg, order_of(pages * BPAGE));
}

/* Check the IOTLB counters over @reads reads: every one a hit (@hit) or a miss. */
static void iotlb_check(struct result *r, const struct dmasim_iommu_stats *s0,
			const struct dmasim_iommu_stats *s1, long reads, bool hit)
{
	double hits = (double)(s1->iotlb_hits - s0->iotlb_hits);
	double misses = (double)(s1->iotlb_misses - s0->iotlb_misses);
	double want = hit ? hits : misses;

	add_extra(r, ", \"reads\": %ld, \"iotlb_hits_per_read\": %.4f, \"iotlb_misses_per_read\": %.4f, \"iotlb_entries\": %lu",
		  reads, reads ? hits / (double)reads : 0, reads ? misses / (double)reads : 0,
		  s1->iotlb_entries);
	if (!r->err[0] && (reads <= 0 || want < 0.99 * (double)reads))
		snprintf(r->err, sizeof(r->err),
			 "expected an IOTLB %s on every read: %ld reads, %.0f hits, %.0f misses",
			 hit ? "hit" : "miss", reads, hits, misses);
}

static void do_iotlb(void)
{
	struct result *rh, *rmiss;
	struct env eh = { 0 }, em = { 0 }, ed = { 0 };
	struct page *ph = NULL, *pm = NULL, *pdh = NULL, *pdm = NULL;
	dma_addr_t hh = 0, hm = 0, hdh = 0, hdm = 0;
	char buf[IOTLB_READ];
	struct read_ctx ch, cm, cdh, cdm;
	struct bench bh, bmis, bdh, bdm;
	struct dmasim_iommu_stats sh0, sh1, sm0, sm1;
	char dspec[1024] = "";

	if (!wanted("6-hit") && !wanted("6-miss"))
		return;
	rh = new_result("6-hit", "IOMMU cost of a device access, IOTLB hit: 64-byte dmasim_dev_read of one mapped page, IOMMU lazy",
			"ns/op", "direct, debug=off: same read", R_DIV, 2, false);
	rmiss = new_result("6-miss", "IOMMU cost of a device access, IOTLB miss: 64-byte dmasim_dev_read cycling 256 pages, IOMMU lazy iotlb=4",
			   "ns/op", "direct, debug=off: same reads", R_DIV, 3, false);
	/* The direct machine first: env_open*() leaves its spec in @r->spec. */
	if (!env_open_spec(&ed, "machine=arm64-soc iommu=off debug=off", rh))
		goto out;
	snprintf(dspec, sizeof(dspec), "%s", rh->spec);
	if (!env_open(&eh, IOMMU_LAZY, rh) || !env_open_tail(&em, IOMMU_LAZY, "iotlb=4", rmiss))
		goto out;
	hh = read_buf(&eh, 1, &ph);
	hm = read_buf(&em, IOTLB_PAGES, &pm);
	hdh = read_buf(&ed, 1, &pdh);
	hdm = read_buf(&ed, IOTLB_PAGES, &pdm);
	if (!ph || !pm || !pdh || !pdm) {
		snprintf(rh->err, sizeof(rh->err), "cannot map the buffers");
		goto out;
	}
	ch = (struct read_ctx){ .dev = eh.dev, .h = hh, .dst = buf, .len = IOTLB_READ };
	cm = (struct read_ctx){ .dev = em.dev, .h = hm, .dst = buf, .len = IOTLB_READ,
				.pages = IOTLB_PAGES };
	cdh = (struct read_ctx){ .dev = ed.dev, .h = hdh, .dst = buf, .len = IOTLB_READ };
	cdm = (struct read_ctx){ .dev = ed.dev, .h = hdm, .dst = buf, .len = IOTLB_READ,
				 .pages = IOTLB_PAGES };
	bh = (struct bench){ batch_read, &ch, 0 };
	bmis = (struct bench){ batch_read, &cm, 0 };
	bdh = (struct bench){ batch_read, &cdh, 0 };
	bdm = (struct bench){ batch_read, &cdm, 0 };
	calibrate(&bdh);
	calibrate(&bh);
	calibrate(&bdm);
	calibrate(&bmis);
	ch.reads = cm.reads = 0;
	dmasim_iommu_get_stats(eh.p, &sh0);
	dmasim_iommu_get_stats(em.p, &sm0);
	for (int i = 0; i < opt.reps && !g_fail[0]; i++) {
		rh->b[i] = run(&bdh);
		rh->v[i] = run(&bh);
		rmiss->b[i] = run(&bdm);
		rmiss->v[i] = run(&bmis);
		rh->n = rmiss->n = i + 1;
	}
	dmasim_iommu_get_stats(eh.p, &sh1);
	dmasim_iommu_get_stats(em.p, &sm1);
	iotlb_check(rh, &sh0, &sh1, ch.reads, true);
	iotlb_check(rmiss, &sm0, &sm1, cm.reads, false);
	add_extra(rh, ", \"bytes\": %d, \"baseline_spec\": \"%.400s\"", IOTLB_READ, dspec);
	add_extra(rmiss, ", \"bytes\": %d, \"pages\": %u, \"baseline_spec\": \"%.400s\"",
		  IOTLB_READ, IOTLB_PAGES, dspec);
out:
	read_buf_free(&eh, 1, ph, hh);
	read_buf_free(&em, IOTLB_PAGES, pm, hm);
	read_buf_free(&ed, 1, pdh, hdh);
	read_buf_free(&ed, IOTLB_PAGES, pdm, hdm);
	env_close(&ed);
	env_close(&em);
	env_close(&eh);
	if (!rmiss->err[0] && rh->err[0] && !rh->n)
		snprintf(rmiss->err, sizeof(rmiss->err), "%s", rh->err);
	finish(rh);
	finish(rmiss);
	if (!rh->err[0] && !rmiss->err[0])
		add_extra(rmiss, ", \"miss_minus_hit_ns\": %.2f", rmiss->med_v - rh->med_v);
}

/* 7-1M, 7-64M: device-side read bandwidth of a coherent buffer behind the IOMMU */
static void do_read_bw(const char *id, size_t len, const char *base)
{
	struct result *r;
	struct env e;
	void *cpu;
	dma_addr_t h;
	struct read_ctx c;
	struct memcpy_ctx mc;
	struct bench w, bl;
	char what[128];

	if (!wanted(id))
		return;
	snprintf(what, sizeof(what), "device reads a mapped %zu MiB buffer (bandwidth vs memcpy)",
		 len >> 20);
	r = new_result(id, strdup(what), "ns/op", "B_memcpy (same size)", R_INV,
		       len > (1 << 20) ? 0.95 : 0.85, true);
	r->bytes = (double)len;
	if (!env_open(&e, base, r))
		goto out;
	cpu = dma_alloc_coherent(e.dev, len, &h, GFP_KERNEL);
	if (!cpu) {
		snprintf(r->err, sizeof(r->err), "dma_alloc_coherent(%zu) failed", len);
		goto out_e;
	}
	memset(cpu, 0x33, len);
	if (!memcpy_ctx_init(&mc, len)) {
		snprintf(r->err, sizeof(r->err), "no memory");
		goto out_f;
	}
	c = (struct read_ctx){ .dev = e.dev, .h = h, .dst = mc.dst, .len = len };
	w = (struct bench){ batch_read, &c, 0 };
	bl = (struct bench){ b_memcpy, &mc, 0 };
	measure_pair(r, &w, &bl);
	memcpy_ctx_fini(&mc);
out_f:
	dma_free_coherent(e.dev, len, cpu, h);
out_e:
	env_close(&e);
out:
	finish(r);
}

/*
 * 8-1500, 8-64K: swiotlb bounce map + sync_for_cpu + unmap.  The pool uses
 * the lifo search start (a bounce reuses the slots just freed, as a hot
 * memcpy destination), not the kernel's rotating next-fit, which walks the
 * whole 8 MiB and copies into cold memory every time; the spec printed says
 * so, and --spec swiotlb=8M,force measures the faithful default.
 */
static void do_bounce(void)
{
	struct result *ra = NULL, *rb = NULL;
	struct env e;
	struct map_ctx ca, cb;
	struct memcpy_ctx m1, m2;
	struct bench wa, wb, bm, b1, b2;
	const char *base = "iommu=off swiotlb=8M,force,lifo";

	if (!wanted("8-1500") && !wanted("8-64K"))
		return;
	ra = new_result("8-1500", "swiotlb bounce map+sync_for_cpu+unmap of 1500 B (swiotlb force)",
			"ns/op", "B_memcpy(1500) + 3 x B_malloc", R_DIV, 1, false);
	rb = new_result("8-64K", "swiotlb bounce map+sync_for_cpu+unmap of 64 KiB (bandwidth vs memcpy)",
			"ns/op", "B_memcpy(64 KiB)", R_INV, 0.8, true);
	rb->bytes = 65536;
	if (!env_open(&e, base, ra))
		goto out;
	snprintf(rb->spec, sizeof(rb->spec), "%s", ra->spec);
	memset(&ca, 0, sizeof(ca));
	memset(&cb, 0, sizeof(cb));
	ca = (struct map_ctx){ .dev = e.dev, .buf = kmalloc(1500, GFP_KERNEL), .len = 1500,
			       .dir = copy_dir(), .sync = SYNC_FOR_CPU };
	cb = (struct map_ctx){ .dev = e.dev, .buf = kmalloc(65536, GFP_KERNEL), .len = 65536,
			       .dir = copy_dir(), .sync = SYNC_FOR_CPU };
	if (!ca.buf || !cb.buf || !memcpy_ctx_init(&m1, 1500) || !memcpy_ctx_init(&m2, 65536)) {
		snprintf(ra->err, sizeof(ra->err), "no memory");
		snprintf(rb->err, sizeof(rb->err), "no memory");
		goto out_e;
	}
	memset(ca.buf, 1, 1500);
	memset(cb.buf, 2, 65536);
	wa = (struct bench){ batch_map, &ca, 0 };
	wb = (struct bench){ batch_map, &cb, 0 };
	bm = (struct bench){ b_malloc, NULL, 0 };
	b1 = (struct bench){ b_memcpy, &m1, 0 };
	b2 = (struct bench){ b_memcpy, &m2, 0 };
	calibrate(&wa);
	calibrate(&wb);
	calibrate(&bm);
	calibrate(&b1);
	calibrate(&b2);
	for (int i = 0; i < opt.reps && !g_fail[0]; i++) {
		double mal = run(&bm), mc1 = run(&b1);

		ra->b[i] = mc1 + 3 * mal;
		ra->v[i] = run(&wa);
		rb->b[i] = run(&b2);
		rb->v[i] = run(&wb);
		ra->n = rb->n = i + 1;
	}
	add_extra(ra, ", \"dir\": %d", (int)copy_dir());
	add_extra(rb, ", \"dir\": %d", (int)copy_dir());
	memcpy_ctx_fini(&m1);
	memcpy_ctx_fini(&m2);
out_e:
	kfree(ca.buf);
	kfree(cb.buf);
	env_close(&e);
out:
	finish(ra);
	finish(rb);
}

/* 9-pair, 9-spread: dma_pool in the kernel's dmapool test pattern vs malloc */
static void do_pool(void)
{
	struct result *rp, *rs;
	struct env e;
	struct pool_ctx pc[NPOOL], mc[NPOOL];
	struct bench pb[NPOOL], mb[NPOOL];
	long maxb = pool_blocks(16);
	void **v = malloc(sizeof(void *) * (size_t)maxb);
	dma_addr_t *h = malloc(sizeof(dma_addr_t) * (size_t)maxb);

	if (!wanted("9-pair") && !wanted("9-spread")) {
		free(v);
		free(h);
		return;
	}
	rp = new_result("9-pair", "dma_pool alloc+free pair, dmapool-test pattern (sizes 16..4096, alloc all then free all)",
			"ns/pair", "malloc+free pair, same pattern", R_DIV, 2, false);
	rs = new_result("9-spread", "dma_pool pair cost at 4096 B / at 16 B", "ns/pair",
			"dma_pool pair at 16 B", R_DIV, 2, false);
	if (!v || !h) {
		snprintf(rp->err, sizeof(rp->err), "no memory");
		goto out;
	}
	if (!env_open(&e, "iommu=off", rp))
		goto out;
	snprintf(rs->spec, sizeof(rs->spec), "%s", rp->spec);
	for (unsigned int k = 0; k < NPOOL; k++) {
		pc[k] = (struct pool_ctx){ .dev = e.dev, .size = pool_sizes[k],
					   .blocks = pool_blocks(pool_sizes[k]), .v = v, .h = h };
		mc[k] = pc[k];
		pc[k].pool = dma_pool_create("bench", e.dev, pool_sizes[k], pool_sizes[k], 0);
		if (!pc[k].pool) {
			snprintf(rp->err, sizeof(rp->err), "dma_pool_create(%zu) failed",
				 pool_sizes[k]);
			goto out_p;
		}
		pb[k] = (struct bench){ batch_pool, &pc[k], 0 };
		mb[k] = (struct bench){ batch_pool, &mc[k], 0 };
		calibrate(&pb[k]);
		calibrate(&mb[k]);
	}
	for (int i = 0; i < opt.reps && !g_fail[0]; i++) {
		double tp = 0, tm = 0, pairs = 0, c16 = 0, c4096 = 0;

		for (unsigned int k = 0; k < NPOOL; k++) {
			double a = run(&pb[k]), b = run(&mb[k]); /* ns per pass */

			tp += a;
			tm += b;
			pairs += (double)pc[k].blocks;
			if (pool_sizes[k] == 16)
				c16 = a / (double)pc[k].blocks;
			if (pool_sizes[k] == 4096)
				c4096 = a / (double)pc[k].blocks;
		}
		rp->v[i] = tp / pairs;
		rp->b[i] = tm / pairs;
		rs->v[i] = c4096;
		rs->b[i] = c16;
		rp->n = rs->n = i + 1;
	}
	for (unsigned int k = 0; k < NPOOL; k++)
		add_extra(rp, "%s\"%zu\": %ld", k ? ", " : ", \"blocks\": {", pool_sizes[k],
			  pc[k].blocks);
	add_extra(rp, "}");
out_p:
	for (unsigned int k = 0; k < NPOOL; k++)
		if (k < NPOOL && pc[k].pool && !rp->err[0])
			dma_pool_destroy(pc[k].pool);
	env_close(&e);
out:
	if (rp->err[0] && !rs->err[0])
		snprintf(rs->err, sizeof(rs->err), "%s", rp->err);
	finish(rp);
	finish(rs);
	free(v);
	free(h);
}

/* 10: dma-direct map+unmap of one page */
static void do_direct(void)
{
	struct result *r;
	struct env e;
	struct map_ctx c;
	struct bench w, bm = { b_malloc, NULL, 0 };

	if (!wanted("10"))
		return;
	r = new_result("10", "direct mapping (iommu=off) map+unmap of one page", "ns/op", "B_malloc",
		       R_DIV, 2, false);
	if (!env_open(&e, "iommu=off", r))
		goto out;
	if (!std_map_ctx(&c, e.dev)) {
		snprintf(r->err, sizeof(r->err), "cannot allocate the buffer");
		goto out_e;
	}
	w = (struct bench){ batch_map, &c, 0 };
	measure_pair(r, &w, &bm);
	map_ctx_fini(&c);
out_e:
	env_close(&e);
out:
	finish(r);
}

/* 11: cache=noncoherent map+sync_for_cpu+unmap of 4 KiB behind the IOMMU */
static void do_noncoherent(void)
{
	struct result *r;
	struct env e;
	struct map_ctx c;
	struct memcpy_ctx mc;
	struct bench w, bl;

	if (!wanted("11"))
		return;
	r = new_result("11", "cache=noncoherent map+sync_for_cpu+unmap of 4 KiB, IOMMU lazy",
		       "ns/op", "2 x B_memcpy(4 KiB) + workload 1", R_DIV, 1, false);
	if (!env_open(&e, IOMMU_LAZY " cache=noncoherent", r))
		goto out;
	c = (struct map_ctx){ .dev = e.dev, .buf = kmalloc(4096, GFP_KERNEL), .len = 4096,
			      .dir = copy_dir(), .sync = SYNC_FOR_CPU };
	if (!c.buf || !memcpy_ctx_init(&mc, 4096)) {
		snprintf(r->err, sizeof(r->err), "no memory");
		goto out_e;
	}
	memset(c.buf, 7, 4096);
	w = (struct bench){ batch_map, &c, 0 };
	bl = (struct bench){ b_memcpy, &mc, 0 };
	measure_pair(r, &w, &bl);
	for (int i = 0; i < r->n; i++)
		r->b[i] = 2 * r->b[i] + w1_median;
	if (w1_median <= 0)
		snprintf(r->err, sizeof(r->err), "workload 1 was not measured");
	add_extra(r, ", \"dir\": %d", (int)copy_dir());
	memcpy_ctx_fini(&mc);
out_e:
	kfree(c.buf);
	env_close(&e);
out:
	finish(r);
}

/* --- output ------------------------------------------------------------------ */

static bool met(const struct result *r)
{
	return r->higher ? r->ratio >= r->goal : r->ratio <= r->goal;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void print_json(void)
{
	printf("[\n");
	for (int i = 0; i < nresults; i++) {
		const struct result *r = results[i];
		bool ok = !r->err[0];

		printf("  {\"id\": ");
		json_str(stdout, r->id);
		printf(", \"workload\": ");
		json_str(stdout, r->what);
		if (ok)
			printf(", \"value\": %.4g, \"unit\": \"%s\", \"baseline\": %.4g, \"baseline_name\": ",
			       r->med_v, r->unit, r->med_b);
		else
			printf(", \"value\": null, \"unit\": \"%s\", \"baseline\": null, \"baseline_name\": ",
			       r->unit);
		json_str(stdout, r->baseline_name);
		if (ok)
			printf(", \"ratio\": %.4g", r->ratio);
		else
			printf(", \"ratio\": null");
		printf(", \"goal\": %g, \"better\": \"%s\"", r->goal, r->higher ? "higher" : "lower");
		if (ok) {
			printf(", \"met\": %s, \"spread\": %.4g, \"ratio_spread\": %.4g, \"reps\": %d",
			       met(r) ? "true" : "false", r->spread_v, r->spread_r, r->n);
			if (!strcmp(r->unit, "ns/op") || !strcmp(r->unit, "ns/pair"))
				printf(", \"ops_per_s\": %.6g", 1e9 / r->med_v);
			if (r->bytes > 0)
				printf(", \"value_MBps\": %.6g, \"baseline_MBps\": %.6g",
				       r->bytes / r->med_v * 1e3, r->bytes / r->med_b * 1e3);
		} else {
			printf(", \"met\": null, \"spread\": null, \"error\": ");
			json_str(stdout, r->err);
		}
		printf(", \"spec\": ");
		json_str(stdout, r->spec);
		printf("%s}%s\n", r->extra, i + 1 < nresults ? "," : "");
	}
	printf("]\n");
}

static void print_table(void)
{
	printf("dmasim-bench: %d repetitions, median [spread max/min]; ratio = value/baseline "
	       "(bandwidth goals: baseline time/value time); debug=%s\n",
	       opt.reps, opt.debug ? "on" : "off");
	printf("%-9s %14s %8s %12s %14s %-30s %9s %7s %5s %4s\n", "id", "value", "spread", "ops/s",
	       "baseline", "baseline is", "ratio", "rspread", "goal", "met");
	for (int i = 0; i < nresults; i++) {
		const struct result *r = results[i];
		char ops[32] = "-";

		if (r->err[0]) {
			printf("%-9s ERROR: %s\n", r->id, r->err);
			continue;
		}
		if (!strcmp(r->unit, "ns/op") || !strcmp(r->unit, "ns/pair"))
			snprintf(ops, sizeof(ops), "%.4g", 1e9 / r->med_v);
		printf("%-9s %9.4g %-4s %7.3fx %12s %9.4g %-4s %-30.30s %9.3f %6.3fx %s%-4g %4s\n",
		       r->id, r->med_v,
		       !strcmp(r->unit, "ns/op") ? "ns" : !strcmp(r->unit, "ns/pair") ? "ns/p" :
		       !strcmp(r->unit, "ops/s") ? "op/s" : "B/pg",
		       r->spread_v, ops, r->med_b,
		       !strcmp(r->unit, "ns/op") ? "ns" : !strcmp(r->unit, "ns/pair") ? "ns/p" :
		       !strcmp(r->unit, "ops/s") ? "op/s" : "B/pg",
		       r->baseline_name, r->ratio, r->spread_r, r->higher ? ">=" : "<=", r->goal,
		       met(r) ? "yes" : "NO");
	}
	for (int i = 0; i < nresults; i++)
		if (results[i]->spec[0])
			printf("  spec %-9s %s%s\n", results[i]->id, results[i]->spec, results[i]->extra);
}

/* --- main ------------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: dmasim-bench [options]\n"
		"  --json             one JSON array, one object per goal\n"
		"  --quick            a second or two in all (CI): short repetitions, 10,000 live mappings\n"
		"  --only ID[,ID...]  only these goals (1 2 2-ratio 3 4 5 6-hit 6-miss 7-1M 7-64M\n"
		"                     8-1500 8-64K 9-pair 9-spread 10 11 mem)\n"
		"  --threads N        threads of workload 3 (default 2)\n"
		"  --seconds S        measuring time per workload, all repetitions (default 0.7)\n"
		"  --iterations N     fixed operations per repetition instead of --seconds\n"
		"  --reps N           repetitions (default 5, at least 5)\n"
		"  --dir to|from|bidi DMA direction (default bidi; the copying workloads 8 and 11: to)\n"
		"  --granule PAGES    pages per mapping in workloads 1, 2, 3, 10 (default 1)\n"
		"  --bits N           DMA mask bits of the device (default 32)\n"
		"  --mode single|sg   workloads 1, 2, 3, 10 map one buffer or an sg list (default single)\n"
		"  --sg-entries N     entries of the sg lists (default 256: workload 4 maps 256 x 4 KiB)\n"
		"  --live N           live mappings of workload 5 and mem (default 100000)\n"
		"  --spec SPEC        appended to every workload's platform spec (later words win)\n"
		"  --debug            DMA-API debug on (default: debug=off)\n"
		"  --mt-shared        workload 3: every thread on one device (default: one each)\n");
}

static long num_arg(const char *name, const char *v, long lo, long hi)
{
	char *end;
	long n;

	if (!v) {
		fprintf(stderr, "dmasim-bench: %s needs a value\n", name);
		exit(2);
	}
	errno = 0;
	n = strtol(v, &end, 0);
	if (errno || *end || n < lo || n > hi) {
		fprintf(stderr, "dmasim-bench: %s %s: expected a number from %ld to %ld\n", name, v,
			lo, hi);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	cpu_set_t set;
	double t0 = now_ns();
	bool seconds_given = false, live_given = false;

	/*
	 * No heap trimming: an allocate-all/free-all baseline (9-pair) would
	 * otherwise time the page faults of glibc giving the top of the heap
	 * back and taking it again, and by how much depends on what else sits
	 * on the heap.
	 */
	mallopt(M_TRIM_THRESHOLD, 1 << 30);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--json")) {
			opt.json = true;
		} else if (!strcmp(a, "--quick")) {
			opt.quick = true;
		} else if (!strcmp(a, "--mt-shared")) {
			opt.mt_shared = true;
		} else if (!strcmp(a, "--debug")) {
			opt.debug = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--threads")) {
			opt.threads = (int)num_arg(a, v, 1, 64), i++;
		} else if (!strcmp(a, "--seconds")) {
			char *end;

			if (!v || (opt.seconds = strtod(v, &end)) <= 0 || *end) {
				fprintf(stderr, "dmasim-bench: --seconds needs a positive number\n");
				return 2;
			}
			seconds_given = true, i++;
		} else if (!strcmp(a, "--iterations")) {
			opt.iterations = num_arg(a, v, 1, 1L << 40), i++;
		} else if (!strcmp(a, "--reps")) {
			opt.reps = (int)num_arg(a, v, 5, MAX_REPS), i++;
		} else if (!strcmp(a, "--granule")) {
			opt.granule = (unsigned int)num_arg(a, v, 1, 1024), i++;
		} else if (!strcmp(a, "--bits")) {
			opt.bits = (int)num_arg(a, v, 12, 64), i++;
		} else if (!strcmp(a, "--sg-entries")) {
			opt.sg_entries = (int)num_arg(a, v, 1, 65536), i++;
		} else if (!strcmp(a, "--live")) {
			opt.live = num_arg(a, v, 1, 10000000), i++;
			live_given = true;
		} else if (!strcmp(a, "--only")) {
			if (!v)
				return usage(stderr), 2;
			opt.only = v, i++;
		} else if (!strcmp(a, "--spec")) {
			if (!v)
				return usage(stderr), 2;
			opt.spec = v, i++;
		} else if (!strcmp(a, "--mode")) {
			if (v && !strcmp(v, "single"))
				opt.sg = false;
			else if (v && !strcmp(v, "sg"))
				opt.sg = true;
			else
				return fprintf(stderr, "dmasim-bench: --mode single|sg\n"), 2;
			i++;
		} else if (!strcmp(a, "--dir")) {
			if (v && !strcmp(v, "to"))
				opt.dir = DMA_TO_DEVICE;
			else if (v && !strcmp(v, "from"))
				opt.dir = DMA_FROM_DEVICE;
			else if (v && !strcmp(v, "bidi"))
				opt.dir = DMA_BIDIRECTIONAL;
			else
				return fprintf(stderr, "dmasim-bench: --dir to|from|bidi\n"), 2;
			i++;
		} else {
			fprintf(stderr, "dmasim-bench: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (opt.quick) {
		if (!seconds_given)
			opt.seconds = 0.02;
		if (!live_given)
			opt.live = 10000;
	}

	/* The CPUs we may run on; the main thread (every 1-thread workload) is pinned to the first. */
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE && ncpus < MAX_CPUS; c++)
			if (CPU_ISSET(c, &set))
				cpus[ncpus++] = c;
	if (!ncpus)
		cpus[ncpus++] = 0;
	pin_to(cpus[0]);

	do_map_1_2();
	do_mt();
	do_sg();
	do_live();
	do_iotlb();
	do_read_bw("7-1M", 1UL << 20, IOMMU_LAZY);
	do_read_bw("7-64M", 64UL << 20, IOMMU_LAZY " ram=512M@0x80000000");
	do_bounce();
	do_pool();
	do_direct();
	do_noncoherent();

	/* Output in the order of the table. */
	{
		static const char *const order[] = { "1", "2", "2-ratio", "3", "4", "5", "6-hit",
						     "6-miss", "7-1M", "7-64M", "8-1500", "8-64K",
						     "9-pair", "9-spread", "10", "11", "mem" };
		struct result *sorted[32];
		int k = 0;

		for (unsigned int o = 0; o < sizeof(order) / sizeof(order[0]); o++)
			for (int i = 0; i < nresults; i++)
				if (!strcmp(results[i]->id, order[o]) && wanted(order[o]))
					sorted[k++] = results[i];
		memcpy(results, sorted, sizeof(*sorted) * (size_t)k);
		nresults = k;
	}
	if (opt.json)
		print_json();
	else
		print_table();
	fprintf(stderr, "dmasim-bench: %.1f s\n", (now_ns() - t0) / 1e9);
	return exit_code;
}
