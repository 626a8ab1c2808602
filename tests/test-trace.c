/*
 * tests/test-trace.c - the event stream: every kind of event arrives, in
 * order, with the addresses the API returned, both through a callback and
 * as JSON lines in the file trace=PATH names.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#define MAX_EV 64

static struct dmasim_trace_event evs[MAX_EV];
static char evnames[MAX_EV][16];
static char evdevs[MAX_EV][16];
static int nev;

static void collect(void *ctx, const struct dmasim_trace_event *ev)
{
	(void)ctx;
	if (nev < MAX_EV) {
		evs[nev] = *ev;
		snprintf(evnames[nev], sizeof(evnames[0]), "%s", ev->ev);
		snprintf(evdevs[nev], sizeof(evdevs[0]), "%s", ev->dev ? ev->dev : "");
		evs[nev].ev = evnames[nev];
		evs[nev].msg = NULL; /* not kept past the call */
		evs[nev].call = NULL;
		evs[nev].dev = NULL;
		nev++;
	}
}

static int find(const char *name, int from)
{
	for (int i = from; i < nev; i++)
		if (!strcmp(evs[i].ev, name))
			return i;
	return -1;
}

static void test_callback_sees_everything(void **state)
{
	struct dmasim_platform *p = tu_platform("iommu=on mode=lazy fq=1 swiotlb=4M");
	struct device *dev = dmasim_device_create(p, "name=tr");
	struct device *bouncer = dmasim_device_create(p, "name=bo iommu=0 force_bounce=1");
	char *buf = kmalloc(128, GFP_KERNEL), c;
	dma_addr_t h, h0, ch;
	void *cpu;
	int i;

	nev = 0;
	assert_int_equal(dmasim_trace_set(p, collect, NULL), 0);
	cpu = dma_alloc_coherent(dev, 4096, &ch, GFP_KERNEL);
	h = h0 = dma_map_single(dev, buf, 128, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim_dev_write(dev, h, "x", 1), 0);
	dma_sync_single_for_cpu(dev, h, 128, DMA_FROM_DEVICE);
	dma_unmap_single(dev, h, 128, DMA_FROM_DEVICE);
	dma_map_single(dev, buf, 128, DMA_TO_DEVICE); /* fq=1: this unmap... */
	dma_unmap_single(dev, h, 128, DMA_TO_DEVICE);  /* ...and the next flush */
	assert_int_equal(dmasim_dev_read(dev, 0x1000, &c, 1), -EFAULT);
	dmasim_fail_set(p, "map");
	assert_true(dma_mapping_error(dev, dma_map_single(dev, buf, 8, DMA_TO_DEVICE)));
	h = dma_map_single(bouncer, buf, 64, DMA_TO_DEVICE);
	dma_unmap_single(bouncer, h, 64, DMA_TO_DEVICE);
	dma_free_coherent(dev, 4096, cpu, ch);

	i = find("alloc", 0);
	assert_true(i >= 0);
	assert_true(evs[i].has_bus && evs[i].bus == ch && evs[i].cpu == cpu && evs[i].size == 4096);
	i = find("map", i);
	assert_true(i >= 0);
	assert_true(evs[i].has_bus && evs[i].bus == h0);
	assert_true(evs[i].has_phys && evs[i].phys == virt_to_phys(buf));
	assert_true(evs[i].has_dir && evs[i].dir == DMA_FROM_DEVICE);
	assert_true(find("dev_write", i) > i);
	assert_true(find("sync_for_cpu", i) > find("dev_write", i));
	assert_true(find("unmap", i) > find("sync_for_cpu", i));
	assert_true(find("iotlb_flush", 0) >= 0);
	assert_true(find("fault", 0) >= 0);
	assert_true(find("report", find("fault", 0)) >= 0); /* the fault's misuse report */
	assert_true(find("fail", 0) >= 0);
	assert_true(find("bounce", 0) >= 0);
	assert_true(find("free", 0) > find("bounce", 0));
	for (i = 1; i < nev; i++)
		assert_int_equal(evs[i].seq, evs[i - 1].seq + 1);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/*
 * An sg list's unmap is traced per DMA segment, as its map is, with the same
 * bus addresses and sizes, debug on or off, merged behind an IOMMU or not:
 * a trace where maps and unmaps pair up is one where nothing stays mapped
 * (tests/fail-sweep.sh counts on it).  Before, dma_unmap_sg() made no event.
 */
static void test_sg_unmap_events(void **state)
{
	static const char *const specs[] = { "ram=16M@0x80000000", "ram=16M@0x80000000 iommu=on",
					     "ram=16M@0x80000000 debug=off",
					     "ram=16M@0x80000000 iommu=on debug=off" };

	for (size_t k = 0; k < ARRAY_SIZE(specs); k++) {
		struct dmasim_platform *p = tu_platform(specs[k]);
		struct device *dev = dmasim_device_create(p, "name=sg");
		struct scatterlist sg[3];
		char *buf = kmalloc(3 * 4096, GFP_KERNEL);
		int n, maps = 0, unmaps = 0;

		sg_init_table(sg, 3);
		for (int j = 0; j < 3; j++)
			sg_set_buf(&sg[j], buf + j * 4096, 4096);
		nev = 0;
		assert_int_equal(dmasim_trace_set(p, collect, NULL), 0);
		n = (int)dma_map_sg(dev, sg, 3, DMA_TO_DEVICE);
		assert_true(n >= 1);
		dma_unmap_sg(dev, sg, 3, DMA_TO_DEVICE);
		for (int i = 0; i < nev; i++) {
			if (!strcmp(evs[i].ev, "map")) {
				assert_true(evs[i].bus == sg_dma_address(&sg[maps]) &&
					    evs[i].size == sg_dma_len(&sg[maps]));
				maps++;
			} else if (!strcmp(evs[i].ev, "unmap")) {
				assert_true(evs[i].bus == sg_dma_address(&sg[unmaps]) &&
					    evs[i].size == sg_dma_len(&sg[unmaps]));
				unmaps++;
			}
		}
		assert_int_equal(maps, n);
		assert_int_equal(unmaps, n);
		kfree(buf);
		dmasim_platform_destroy(p);
	}
}

/* Strict mode: each unmap is one ranged iotlb_flush; reports name their device. */
static void test_strict_flush_and_report_dev(void **state)
{
	struct dmasim_platform *p = tu_platform("iommu=on mode=strict");
	struct device *dev = dmasim_device_create(p, "name=st");
	char *buf = kmalloc(128, GFP_KERNEL);
	dma_addr_t h;
	int i, r;

	nev = 0;
	assert_int_equal(dmasim_trace_set(p, collect, NULL), 0);
	h = dma_map_single(dev, buf, 128, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	dma_unmap_single(dev, h, 128, DMA_TO_DEVICE);
	i = find("iotlb_flush", find("unmap", 0));
	assert_true(i >= 0);
	assert_true(evs[i].has_bus && evs[i].bus == (h & ~(dma_addr_t)4095));
	assert_int_equal(evs[i].size, 4096);
	dma_unmap_single(dev, h, 128, DMA_TO_DEVICE); /* double unmap: a report */
	r = find("report", i);
	assert_true(r > i);
	assert_string_equal(evdevs[r], "st");
	kfree(buf);
	dmasim_platform_destroy(p);
}

static void test_json_lines_file(void **state)
{
	char path[] = "/tmp/dmasim-trace-XXXXXX", spec[64], line[2048];
	int fd = mkstemp(path), lines = 0, maps = 0;
	struct dmasim_platform *p;
	struct device *dev;
	char *buf;
	dma_addr_t h;
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	snprintf(spec, sizeof(spec), "trace=%s", path);
	p = tu_platform(spec);
	assert_non_null(p);
	dev = dmasim_device_create(p, "name=json");
	buf = kmalloc(64, GFP_KERNEL);
	h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
	dma_unmap_single(dev, h, 64, DMA_TO_DEVICE); /* unchecked: a report with quotes in it */
	kfree(buf);
	dmasim_platform_destroy(p);

	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		lines++;
		assert_true(n > 2 && line[0] == '{' && line[n - 2] == '}' && line[n - 1] == '\n');
		assert_non_null(strstr(line, "\"seq\":"));
		if (strstr(line, "\"ev\":\"map\"")) {
			char want[64];

			maps++;
			snprintf(want, sizeof(want), "\"bus\":\"0x%llx\"", (unsigned long long)h);
			assert_non_null(strstr(line, want));
			assert_non_null(strstr(line, "\"dir\":\"DMA_TO_DEVICE\""));
			assert_non_null(strstr(line, "\"dev\":\"json\""));
		}
		/* Quotes inside strings are escaped: the unescaped ones pair up. */
		{
			int quotes = 0;

			for (size_t k = 0; k < n; k++)
				if (line[k] == '"' && (k == 0 || line[k - 1] != '\\'))
					quotes++;
			assert_int_equal(quotes % 2, 0);
		}
	}
	fclose(f);
	unlink(path);
	assert_int_equal(maps, 1);
	assert_true(lines >= 3);
	assert_null(dmasim_platform_create("trace=/nonexistent/dir/x log=quiet"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callback_sees_everything),
		cmocka_unit_test(test_strict_flush_and_report_dev),
		cmocka_unit_test(test_sg_unmap_events),
		cmocka_unit_test(test_json_lines_file),
	};

	unsetenv("DMASIM_SPEC");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
