/*
 * tests/test-stress.c - stress and concurrency (issue 14, section 3): driver
 * threads map, sync and unmap (single, page, scatter-gather, coherent and
 * dma_pool memory) while device threads read and write the buffers they are
 * handed, and another thread creates and destroys devices and pools, doing
 * its own DMA on them.  Every thread checks the bytes it moved: the device
 * checks what the driver put in a buffer, the driver what the device wrote
 * back; nothing may be lost, misplaced or reported (the drivers are
 * correct: dmasim_debug_errors() stays 0).
 *
 * Bounded by work, not time: DMASIM_STRESS_JOBS jobs per driver thread (default
 * small, for the normal suite and ThreadSanitizer in CI).  DMASIM_STRESS_SECONDS
 * runs each machine for that long instead (minutes, locally); the
 * throughput is printed either way (docs/PERFORMANCE.md has figures).
 */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#define DRIVERS 3
#define DEVICES 2
#define MAX_SEGS 8
#define MAX_LEN (48 * 1024)

enum job_kind { JOB_SINGLE, JOB_PAGE, JOB_SG, JOB_COHERENT, JOB_POOL, NR_KINDS };

/* One DMA transfer a driver asks a device thread for. */
struct job {
	struct device *dev;
	enum dma_data_direction dir;
	unsigned int seed;
	int nseg;
	dma_addr_t dma[MAX_SEGS];
	size_t len[MAX_SEGS];
	atomic_int done;        /* 1: transferred; 2: a check failed on the device side */
};

struct stress {
	struct dmasim_platform *p;
	struct device *dev;     /* the drivers' shared device */
	/* The device threads' work queue (a ring of pointers, under @lock). */
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct job *ring[64];
	unsigned int head, tail;
	atomic_bool stop;
	unsigned long jobs;     /* per driver, or 0 with a deadline */
	double deadline;        /* CLOCK_MONOTONIC seconds, or 0 */
	atomic_ulong submitted, completed, bytes, bad, churned;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The byte at offset @k of stream @seed. */
static inline unsigned char pat(unsigned int seed, size_t k)
{
	return (unsigned char)(seed * 131u + (unsigned int)k * 31u + (unsigned int)(k >> 8));
}

static void fill(unsigned char *b, size_t len, unsigned int seed, size_t off)
{
	for (size_t k = 0; k < len; k++)
		b[k] = pat(seed, off + k);
}

static bool check(const unsigned char *b, size_t len, unsigned int seed, size_t off)
{
	for (size_t k = 0; k < len; k++)
		if (b[k] != pat(seed, off + k))
			return false;
	return true;
}

/* ---- the device threads ------------------------------------------------------------ */

static void submit(struct stress *st, struct job *j)
{
	atomic_store(&j->done, 0);
	pthread_mutex_lock(&st->lock);
	while (st->tail - st->head == 64)
		pthread_cond_wait(&st->more, &st->lock);
	st->ring[st->tail++ % 64] = j;
	pthread_cond_broadcast(&st->more);
	pthread_mutex_unlock(&st->lock);
	atomic_fetch_add(&st->submitted, 1);
}

static int wait_done(struct job *j)
{
	int d;

	while (!(d = atomic_load(&j->done)))
		sched_yield();
	return d;
}

/*
 * The device's side of a job: read what the driver mapped for it (checking
 * the stream @seed), write the stream @seed + 1 where it may write.
 */
static void run_job(struct stress *st, struct job *j)
{
	unsigned char *tmp = malloc(MAX_LEN + 4096); /* a merged sg segment may be a little longer */
	size_t off = 0;
	int ok = 1;

	for (int s = 0; s < j->nseg && tmp; s++) {
		if (j->dir != DMA_FROM_DEVICE &&
		    (dmasim_dev_read(j->dev, j->dma[s], tmp, j->len[s]) ||
		     !check(tmp, j->len[s], j->seed, off)))
			ok = 0;
		if (j->dir != DMA_TO_DEVICE) {
			fill(tmp, j->len[s], j->seed + 1, off);
			if (dmasim_dev_write(j->dev, j->dma[s], tmp, j->len[s]))
				ok = 0;
		}
		off += j->len[s];
	}
	if (!tmp)
		ok = 0;
	free(tmp);
	atomic_fetch_add(&st->bytes, off);
	atomic_fetch_add(&st->completed, 1);
	atomic_store(&j->done, ok ? 1 : 2);
}

static void *device_thread(void *arg)
{
	struct stress *st = arg;

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&st->lock);
		while (st->head == st->tail && !atomic_load(&st->stop))
			pthread_cond_wait(&st->more, &st->lock);
		if (st->head == st->tail) {
			pthread_mutex_unlock(&st->lock);
			return NULL;
		}
		j = st->ring[st->head++ % 64];
		pthread_cond_broadcast(&st->more);
		pthread_mutex_unlock(&st->lock);
		run_job(st, j);
	}
}

/* ---- the driver threads ------------------------------------------------------------ */

static bool more_work(struct stress *st, unsigned long done)
{
	if (st->deadline)
		return now_s() < st->deadline;
	return done < st->jobs;
}

/* After the device's writes: what the CPU sees must be the stream @seed + 1 (or @seed if it only read). */
static bool expect(const unsigned char *b, size_t len, enum dma_data_direction dir, unsigned int seed,
		   size_t off)
{
	return check(b, len, dir == DMA_TO_DEVICE ? seed : seed + 1, off);
}

static void *driver_thread(void *arg)
{
	struct stress *st = arg;
	unsigned int rs = (unsigned int)(uintptr_t)&rs;
	struct dma_pool *pool = dma_pool_create("stress", st->dev, 2048, 64, 0);
	struct job j;
	unsigned long n;

	if (!pool) {
		atomic_fetch_add(&st->bad, 1);
		return NULL;
	}
	for (n = 0; more_work(st, n); n++) {
		enum job_kind kind = (enum job_kind)(rand_r(&rs) % NR_KINDS);
		enum dma_data_direction dir = (enum dma_data_direction)(rand_r(&rs) % 3);
		unsigned int seed = (unsigned int)rand_r(&rs);
		size_t len = 1 + (size_t)rand_r(&rs) % MAX_LEN;
		bool ok = true;

		j = (struct job){ .dev = st->dev, .dir = dir, .seed = seed, .nseg = 1, .len = { len } };
		switch (kind) {
		case JOB_SINGLE:
		case JOB_PAGE: {
			struct page *pg = NULL;
			unsigned char *b;

			if (kind == JOB_PAGE) {
				pg = alloc_pages(GFP_KERNEL, 4);
				b = pg ? page_address(pg) : NULL;
			} else {
				b = kmalloc(len, GFP_KERNEL);
			}
			if (!b) {
				ok = false;
				break;
			}
			fill(b, len, seed, 0);
			j.dma[0] = pg ? dma_map_page(st->dev, pg, 0, len, dir) :
					dma_map_single(st->dev, b, len, dir);
			if (dma_mapping_error(st->dev, j.dma[0])) {
				ok = false;
			} else {
				submit(st, &j);
				ok = wait_done(&j) == 1;
				/* A bidirectional buffer is looked at through a sync, then handed back once more. */
				if (dir == DMA_BIDIRECTIONAL) {
					dma_sync_single_for_cpu(st->dev, j.dma[0], len, dir);
					ok = ok && expect(b, len, dir, seed, 0);
					j.seed = ++seed;
					dma_sync_single_for_device(st->dev, j.dma[0], len, dir);
					submit(st, &j);
					ok = wait_done(&j) == 1 && ok;
				}
				if (pg)
					dma_unmap_page(st->dev, j.dma[0], len, dir);
				else
					dma_unmap_single(st->dev, j.dma[0], len, dir);
				ok = ok && expect(b, len, dir, seed, 0);
			}
			if (pg)
				__free_pages(pg, 4);
			else
				kfree(b);
			break;
		}
		case JOB_SG: {
			struct scatterlist sgl[MAX_SEGS], *s;
			unsigned char *bufs[MAX_SEGS];
			int nents = 1 + rand_r(&rs) % MAX_SEGS, count, i;
			size_t each = 1 + len / (size_t)nents, off = 0;

			sg_init_table(sgl, (unsigned int)nents);
			for (i = 0; i < nents; i++) {
				bufs[i] = kmalloc(each, GFP_KERNEL);
				if (!bufs[i])
					break;
				fill(bufs[i], each, seed, off);
				off += each;
				sg_set_buf(&sgl[i], bufs[i], (unsigned int)each);
			}
			if (i < nents) {
				while (i--)
					kfree(bufs[i]);
				ok = false;
				break;
			}
			count = dma_map_sg(st->dev, sgl, nents, dir);
			if (!count) {
				ok = false;
			} else {
				j.nseg = count;
				for_each_sg(sgl, s, count, i) {
					j.dma[i] = sg_dma_address(s);
					j.len[i] = sg_dma_len(s);
				}
				submit(st, &j);
				ok = wait_done(&j) == 1;
				dma_unmap_sg(st->dev, sgl, nents, dir);
				off = 0;
				for (i = 0; i < nents; i++) {
					ok = ok && expect(bufs[i], each, dir, seed, off);
					off += each;
				}
			}
			for (i = 0; i < nents; i++)
				kfree(bufs[i]);
			break;
		}
		case JOB_COHERENT:
		case JOB_POOL: {
			unsigned char *b;

			if (kind == JOB_POOL) {
				len = 1 + len % 2048;
				b = dma_pool_alloc(pool, GFP_KERNEL, &j.dma[0]);
			} else {
				b = dma_alloc_coherent(st->dev, len, &j.dma[0], GFP_KERNEL);
			}
			if (!b) {
				ok = false;
				break;
			}
			j.len[0] = len;
			fill(b, len, seed, 0);
			submit(st, &j);
			ok = wait_done(&j) == 1 && expect(b, len, dir, seed, 0);
			if (kind == JOB_POOL)
				dma_pool_free(pool, b, j.dma[0]);
			else
				dma_free_coherent(st->dev, len, b, j.dma[0]);
			break;
		}
		default:
			break;
		}
		if (!ok)
			atomic_fetch_add(&st->bad, 1);
	}
	dma_pool_destroy(pool);
	return NULL;
}

/*
 * Devices and pools come and go: each new device gets a pool and a mapping,
 * its own DMA through both is checked, then everything is freed and the
 * device destroyed, while the drivers and device threads work on theirs.
 */
static void *churn_thread(void *arg)
{
	struct stress *st = arg;
	unsigned int rs = 77;

	while (!atomic_load(&st->stop)) {
		struct device *dev = dmasim_device_create(st->p, "name=churn mask=64");
		struct dma_pool *pool;
		unsigned char *blk, *buf, tmp[512];
		dma_addr_t bdma, mdma;
		unsigned int seed = (unsigned int)rand_r(&rs);
		bool ok = false;

		if (!dev) {
			atomic_fetch_add(&st->bad, 1);
			break;
		}
		pool = dma_pool_create("churn", dev, 512, 8, 0);
		blk = pool ? dma_pool_alloc(pool, GFP_KERNEL, &bdma) : NULL;
		buf = kmalloc(512, GFP_KERNEL);
		if (blk && buf) {
			fill(buf, 512, seed, 0);
			mdma = dma_map_single(dev, buf, 512, DMA_TO_DEVICE);
			if (!dma_mapping_error(dev, mdma)) {
				/* Device-to-device copy: from the mapped buffer into the pool block. */
				ok = !dmasim_dev_read(dev, mdma, tmp, sizeof(tmp)) &&
				     check(tmp, sizeof(tmp), seed, 0) &&
				     !dmasim_dev_write(dev, bdma, tmp, sizeof(tmp)) &&
				     check(blk, 512, seed, 0);
				dma_unmap_single(dev, mdma, 512, DMA_TO_DEVICE);
			}
		}
		kfree(buf);
		if (blk)
			dma_pool_free(pool, blk, bdma);
		if (pool)
			dma_pool_destroy(pool);
		dmasim_device_destroy(dev);
		if (!ok)
			atomic_fetch_add(&st->bad, 1);
		atomic_fetch_add(&st->churned, 1);
		if (rs % 8 == 0)
			dmasim_iommu_flush(st->p);
	}
	return NULL;
}

static unsigned long env_ul(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);

	return s && strtoul(s, NULL, 10) ? strtoul(s, NULL, 10) : dflt;
}

static void stress(const char *spec)
{
	struct stress st = { .jobs = env_ul("DMASIM_STRESS_JOBS", 150) };
	pthread_t drv[DRIVERS], devt[DEVICES], churn;
	unsigned long seconds = env_ul("DMASIM_STRESS_SECONDS", 0);
	double t0, dt;

	st.p = tu_platform(spec);
	assert_non_null(st.p);
	st.dev = dmasim_device_create(st.p, "name=stress mask=64");
	assert_non_null(st.dev);
	pthread_mutex_init(&st.lock, NULL);
	pthread_cond_init(&st.more, NULL);
	t0 = now_s();
	if (seconds)
		st.deadline = t0 + (double)seconds;
	for (int i = 0; i < DEVICES; i++)
		assert_int_equal(pthread_create(&devt[i], NULL, device_thread, &st), 0);
	assert_int_equal(pthread_create(&churn, NULL, churn_thread, &st), 0);
	for (int i = 0; i < DRIVERS; i++)
		assert_int_equal(pthread_create(&drv[i], NULL, driver_thread, &st), 0);
	for (int i = 0; i < DRIVERS; i++)
		assert_int_equal(pthread_join(drv[i], NULL), 0);
	pthread_mutex_lock(&st.lock);
	atomic_store(&st.stop, true);
	pthread_cond_broadcast(&st.more);
	pthread_mutex_unlock(&st.lock);
	for (int i = 0; i < DEVICES; i++)
		assert_int_equal(pthread_join(devt[i], NULL), 0);
	assert_int_equal(pthread_join(churn, NULL), 0);
	dt = now_s() - t0;
	fprintf(stderr, "  %-40s %6lu jobs %8.1f MiB moved %5lu devices churned in %.2f s: %.0f jobs/s, %.1f MiB/s\n",
		spec, atomic_load(&st.completed), (double)atomic_load(&st.bytes) / (1 << 20),
		atomic_load(&st.churned), dt, (double)atomic_load(&st.completed) / dt,
		(double)atomic_load(&st.bytes) / (1 << 20) / dt);
	if (atomic_load(&st.bad) || dmasim_debug_errors(st.p))
		tu_log_dump();
	/* Nothing lost: every job submitted was transferred and checked on both sides. */
	assert_int_equal(atomic_load(&st.bad), 0);
	assert_int_equal(atomic_load(&st.submitted), atomic_load(&st.completed));
	assert_true(atomic_load(&st.completed) >= (seconds ? 1 : st.jobs * DRIVERS));
	assert_true(atomic_load(&st.churned) >= 1);
	assert_int_equal(dmasim_debug_errors(st.p), 0);
	pthread_cond_destroy(&st.more);
	pthread_mutex_destroy(&st.lock);
	dmasim_device_destroy(st.dev);
	dmasim_platform_destroy(st.p);
}

static void test_stress_direct(void **state)
{
	(void)state;
	stress("iommu=off");
}

static void test_stress_direct_bounce(void **state)
{
	(void)state;
	stress("iommu=off swiotlb=32M,force");
}

static void test_stress_iommu_strict(void **state)
{
	(void)state;
	stress("iommu=on mode=strict");
}

static void test_stress_iommu_lazy(void **state)
{
	(void)state;
	stress("iommu=on mode=lazy fq=16");
}

static void test_stress_iommu_lazy_nodebug(void **state)
{
	(void)state;
	stress("machine=arm64-soc iommu=arm-v7s iova=bitmap mode=lazy debug=off"); /* v7s: 32-bit physical addresses */
}

static void test_stress_noncoherent_iommu(void **state)
{
	(void)state;
	stress("iommu=on cache=noncoherent");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress_direct),
		cmocka_unit_test(test_stress_direct_bounce),
		cmocka_unit_test(test_stress_iommu_strict),
		cmocka_unit_test(test_stress_iommu_lazy),
		cmocka_unit_test(test_stress_iommu_lazy_nodebug),
		cmocka_unit_test(test_stress_noncoherent_iommu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
