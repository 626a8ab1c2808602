/*
 * tests/scenario-howto.c - the examples of Documentation/core-api/
 * dma-api-howto.rst as small driver prototypes, each with a device model.
 *
 * Driver code uses the kernel-named headers only.  The platform is the
 * default one plus whatever DMASIM_SPEC adds, and CTest runs this program
 * under every configuration of DMASIM_SPEC_MATRIX (no swiotlb, forced
 * bouncing, RAM above 4 GiB, low RAM with a low swiotlb), so the
 * expectations below are derived from the machine actually built.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/slab.h>
#include <linux/gfp.h>

#include "dma/dma.h"

static struct dmasim_platform *p;

static int setup(void **state)
{
	p = tu_platform(NULL);
	return p ? 0 : -1;
}

static int teardown(void **state)
{
	dmasim_platform_destroy(p);
	return 0;
}

/*
 * What the machine can do for a 24-bit device: the same rule the library
 * documents.  Behind an IOMMU any mask works; without one, memory under
 * 16 MiB and a bounce pool there are needed.
 */
static bool reaches_24bit(struct device *dev)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	if (dom && (dom->type & __IOMMU_DOMAIN_DMA_API))
		return true;
	return dmasim__swiotlb_active(p) && dmasim__swiotlb_end(p) <= DMA_BIT_MASK(24);
}

/*
 * A device as a driver's probe leaves it: the default 32-bit mask, or 64 bits
 * on a machine where 32 bits reach no usable memory (RAM only above 4 GiB).
 */
static struct device *probe_dev(const char *spec)
{
	struct device *dev = dmasim_device_create(p, spec);

	assert_non_null(dev);
	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32)))
		assert_int_equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	return dev;
}

static unsigned long nr_maps(struct device *dev)
{
	return to_dmasim(dev)->nr_maps;
}

/* ---- "DMA addressing capabilities": probing 64, then 32 bits ------------------ */

static void scenario_mask_probing(void **state)
{
	struct device *dev = dmasim_device_create(p, "name=probe");
	bool using_dac = false;
	int ret;

	if (!dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)))
		using_dac = true;
	else if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32)))
		fail_msg("no suitable DMA available");
	assert_true(using_dac);
	assert_int_equal(dma_get_mask(dev), DMA_BIT_MASK(64));
	assert_false(dma_addressing_limited(dev));

	/* The 24-bit device of the howto: refused unless low memory can serve it. */
	ret = dma_set_mask(dev, DMA_BIT_MASK(24));
	/* The default machine, a PC, can (issue 12 §4: the howto runs as written there). */
	if (tu_spec_has(p, "ram=636K@0x1000,2047M@0x100000,2G@0x100000000 swiotlb=4M@0x100000 "))
		assert_true(reaches_24bit(dev));
	if (reaches_24bit(dev)) {
		char *buf = kmalloc(300, GFP_KERNEL);
		char got[300];
		dma_addr_t h;

		assert_int_equal(ret, 0);
		memset(buf, 0x24, 300);
		h = dma_map_single(dev, buf, 300, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(dev, h));
		assert_true(h + 299 <= DMA_BIT_MASK(24));
		assert_int_equal(dmasim_dev_read(dev, h, got, 300), 0);
		assert_memory_equal(got, buf, 300);
		dma_unmap_single(dev, h, 300, DMA_TO_DEVICE);
		kfree(buf);
	} else {
		assert_int_equal(ret, -EIO);
		assert_int_equal(dma_get_mask(dev), DMA_BIT_MASK(64)); /* unchanged */
	}
	dmasim_device_destroy(dev);
}

/*
 * An ISA-style driver allocates its buffers with GFP_DMA (ZONE_DMA, below
 * 16 MiB), so a 24-bit device reaches them without bouncing
 * (Documentation/core-api/dma-api-howto.rst, "DMA addressing capabilities").
 */
static void scenario_isa_gfp_dma(void **state)
{
	struct device *dev = dmasim_device_create(p, "name=isa");
	struct dmasim_xlate x;
	unsigned char *buf, got[512];
	dma_addr_t h;

	(void)state;
	assert_non_null(dev);
	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(24))) {
		assert_false(reaches_24bit(dev)); /* this machine cannot serve it */
		dmasim_device_destroy(dev);
		return;
	}
	buf = kmalloc(512, GFP_DMA);
	if (!buf) { /* no ZONE_DMA here (the device reaches memory through an IOMMU) */
		assert_true(iommu_get_domain_for_dev(dev) != NULL);
		dmasim_device_destroy(dev);
		return;
	}
	assert_true(virt_to_phys(buf) + 511 <= DMA_BIT_MASK(24));
	memset(buf, 0x1a, 512);
	h = dma_map_single(dev, buf, 512, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_true(h + 511 <= DMA_BIT_MASK(24));
	assert_int_equal(dmasim_dev_translate(dev, h, &x), 0);
	if (!tu_spec_has(p, "force"))
		assert_false(x.bounced); /* GFP_DMA memory needs no bounce */
	assert_int_equal(dmasim_dev_read(dev, h, got, 512), 0);
	assert_memory_equal(got, buf, 512);
	dma_unmap_single(dev, h, 512, DMA_TO_DEVICE);
	kfree(buf);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_device_destroy(dev);
}

/* ---- the sound card with separate playback and record masks ------------------ */

#define PLAYBACK_ADDRESS_BITS DMA_BIT_MASK(32)
#define RECORD_ADDRESS_BITS DMA_BIT_MASK(24)

struct my_sound_card {
	struct device *dev;
	bool playback_enabled;
	bool record_enabled;
};

static void scenario_sound_card(void **state)
{
	struct my_sound_card card = { .dev = dmasim_device_create(p, "name=snd") };
	bool low32 = dma_supported(card.dev, DMA_BIT_MASK(32));
	char *pcm = kmalloc(4096, GFP_KERNEL);
	char got[64];
	dma_addr_t h;

	if (!dma_set_mask(card.dev, PLAYBACK_ADDRESS_BITS)) {
		card.playback_enabled = true;
	} else {
		card.playback_enabled = false;
		dev_warn(card.dev, "%s: Playback disabled due to DMA limitations\n", "snd");
	}
	if (!dma_set_mask(card.dev, RECORD_ADDRESS_BITS)) {
		card.record_enabled = true;
	} else {
		card.record_enabled = false;
		dev_warn(card.dev, "%s: Record disabled due to DMA limitations\n", "snd");
	}
	assert_int_equal(card.playback_enabled, low32);
	assert_int_equal(card.record_enabled, reaches_24bit(card.dev));
	if (!card.playback_enabled) { /* RAM only above 4 GiB: this card cannot work here */
		kfree(pcm);
		dmasim_device_destroy(card.dev);
		return;
	}

	/* Playback with the playback mask: the card reads the samples. */
	dma_set_mask(card.dev, PLAYBACK_ADDRESS_BITS);
	memset(pcm, 0x11, 4096);
	h = dma_map_single(card.dev, pcm, 4096, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(card.dev, h));
	assert_true(h + 4095 <= PLAYBACK_ADDRESS_BITS);
	/* Past the end of the mapping the card reaches nothing (where anything confines it). */
	if (tu_confined(card.dev))
		assert_int_equal(dmasim_dev_read(card.dev, h + 4064, got, 64), -EFAULT);
	assert_int_equal(dmasim_dev_read(card.dev, h + 4064, got, 32), 0);
	assert_int_equal(got[31], 0x11);
	dma_unmap_single(card.dev, h, 4096, DMA_TO_DEVICE);

	/* Recording with the record mask, where the machine allows it. */
	if (card.record_enabled) {
		dma_set_mask(card.dev, RECORD_ADDRESS_BITS);
		h = dma_map_single(card.dev, pcm, 4096, DMA_FROM_DEVICE);
		assert_false(dma_mapping_error(card.dev, h));
		assert_true(h + 4095 <= RECORD_ADDRESS_BITS);
		memset(got, 0x77, sizeof(got));
		assert_int_equal(dmasim_dev_write(card.dev, h, got, 64), 0);
		dma_unmap_single(card.dev, h, 4096, DMA_FROM_DEVICE);
		assert_int_equal(pcm[0], 0x77);
		assert_int_equal(pcm[63], 0x77);
		assert_int_equal(pcm[64], 0x11);
	}
	kfree(pcm);
	dmasim_device_destroy(card.dev);
}

/* ---- the receive buffer checked with dma_sync_single_for_cpu ------------------- */

struct my_card_header {
	u32 magic;
	u32 len;
	char payload[56];
};

struct my_card {
	struct device *dev;
	void *rx_buf;
	dma_addr_t rx_dma;
	size_t rx_len;
	int delivered, rejected;
};

#define MY_MAGIC 0x4f4b4159

static void give_rx_buf_to_card(struct my_card *cp)
{
	(void)cp; /* the card owns the buffer again; nothing to sync (CPU never wrote) */
}

static void make_and_setup_new_rx_buf(struct my_card *cp)
{
	cp->rx_len = sizeof(struct my_card_header);
	cp->rx_buf = kzalloc(cp->rx_len, GFP_ATOMIC);
	assert_non_null(cp->rx_buf);
	cp->rx_dma = dma_map_single(cp->dev, cp->rx_buf, cp->rx_len, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(cp->dev, cp->rx_dma));
}

static void my_card_interrupt_handler(struct my_card *cp, char *delivered)
{
	struct my_card_header *hp;

	dma_sync_single_for_cpu(cp->dev, cp->rx_dma, cp->rx_len, DMA_FROM_DEVICE);
	hp = cp->rx_buf;
	if (hp->magic == MY_MAGIC) {
		dma_unmap_single(cp->dev, cp->rx_dma, cp->rx_len, DMA_FROM_DEVICE);
		memcpy(delivered, hp->payload, hp->len); /* pass_to_upper_layers() */
		cp->delivered++;
		kfree(cp->rx_buf);
		make_and_setup_new_rx_buf(cp);
	} else {
		cp->rejected++;
		give_rx_buf_to_card(cp);
	}
}

static void scenario_rx_buffer_sync(void **state)
{
	struct my_card cp = { .dev = probe_dev("name=rxcard") };
	struct my_card_header pkt = { 0 };
	char delivered[64] = { 0 };
	unsigned long errors = dmasim_debug_errors(p);

	make_and_setup_new_rx_buf(&cp);
	/* A corrupt frame first: the driver hands the buffer back. */
	pkt.magic = 0xdeadbeef;
	assert_int_equal(dmasim_dev_write(cp.dev, cp.rx_dma, &pkt, sizeof(pkt)), 0);
	my_card_interrupt_handler(&cp, delivered);
	assert_int_equal(cp.rejected, 1);
	/* Then a good one into the same buffer. */
	pkt.magic = MY_MAGIC;
	pkt.len = 12;
	memcpy(pkt.payload, "hello, world", 12);
	assert_int_equal(dmasim_dev_write(cp.dev, cp.rx_dma, &pkt, sizeof(pkt)), 0);
	my_card_interrupt_handler(&cp, delivered);
	assert_int_equal(cp.delivered, 1);
	assert_string_equal(delivered, "hello, world");
	dma_unmap_single(cp.dev, cp.rx_dma, cp.rx_len, DMA_FROM_DEVICE);
	kfree(cp.rx_buf);
	assert_int_equal(nr_maps(cp.dev), 0);
	assert_int_equal(dmasim_debug_errors(p), errors); /* the howto's driver is clean */
	dmasim_device_destroy(cp.dev);
}

/* ---- map-error unwinding: two handles, then a loop ------------------------------ */

static int map_two(struct device *dev, void *addr1, size_t size1, void *addr2, size_t size2)
{
	dma_addr_t dma_handle1, dma_handle2;

	dma_handle1 = dma_map_single(dev, addr1, size1, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, dma_handle1))
		goto map_error_handling1;
	dma_handle2 = dma_map_single(dev, addr2, size2, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, dma_handle2))
		goto map_error_handling2;
	dma_unmap_single(dev, dma_handle2, size2, DMA_TO_DEVICE);
	dma_unmap_single(dev, dma_handle1, size1, DMA_TO_DEVICE);
	return 0;

map_error_handling2:
	dma_unmap_single(dev, dma_handle1, size1, DMA_TO_DEVICE);
map_error_handling1:
	return -ENOMEM;
}

struct buf_desc {
	struct page *page;
	dma_addr_t dma_addr;
};

#define BIG (256 * 1024)

static void scenario_map_error_unwinding(void **state)
{
	/* Every mapping bounces, so the pool's size decides where mapping fails. */
	struct device *dev = probe_dev("name=unwind force_bounce=1");
	/* One buffer more than the pool can bounce, whatever DMASIM_SPEC made it. */
	int array_n = dmasim__swiotlb_active(p) ?
		      (int)((dmasim__swiotlb_end(p) + 1 - dmasim__swiotlb_start(p)) / BIG) + 1 : 1;
	struct buf_desc *array = calloc((size_t)array_n, sizeof(*array));
	char *a = kmalloc(64, GFP_KERNEL), *b = kmalloc(64, GFP_KERNEL);
	struct page *huge = alloc_pages(GFP_KERNEL, 7); /* 512 KiB: more than one bounce */
	int i, t = array_n;

	assert_non_null(huge);
	if (dmasim__swiotlb_active(p))
		assert_int_equal(map_two(dev, a, 64, b, 64), 0);
	else
		assert_int_equal(map_two(dev, a, 64, b, 64), -ENOMEM);
	/* The second mapping fails (too big to bounce): the first is undone. */
	assert_int_equal(map_two(dev, a, 64, page_address(huge), 512 * 1024), -ENOMEM);
	assert_int_equal(nr_maps(dev), 0);
	assert_int_equal(dmasim__swiotlb_used(p), 0);

	assert_non_null(array);
	for (i = 0; i < array_n; i++) {
		array[i].page = alloc_pages(GFP_KERNEL, 6);
		assert_non_null(array[i].page);
	}
	for (i = 0; i < array_n; i++) {
		array[i].dma_addr = dma_map_page(dev, array[i].page, 0, BIG, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, array[i].dma_addr)) {
			t = i;
			goto map_error_handling;
		}
	}
	fail_msg("%d mappings of 256 KiB should exhaust the bounce pool", array_n);
map_error_handling:
	assert_int_equal((unsigned long)t * (BIG / IO_TLB_SIZE), dmasim__swiotlb_used(p));
	if (dmasim__swiotlb_active(p))
		assert_int_equal((u64)t * BIG, dmasim__swiotlb_end(p) + 1 - dmasim__swiotlb_start(p));
	for (i = 0; i < t; i++)
		dma_unmap_page(dev, array[i].dma_addr, BIG, DMA_TO_DEVICE);
	assert_int_equal(nr_maps(dev), 0);
	assert_int_equal(dmasim__swiotlb_used(p), 0);
	for (i = 0; i < array_n; i++)
		__free_pages(array[i].page, 6);
	free(array);
	__free_pages(huge, 7);
	kfree(a);
	kfree(b);
	dmasim_device_destroy(dev);
}

/* ---- ring_state with DEFINE_DMA_UNMAP_* ------------------------------------------- */

struct ring_state {
	void *skb;
	DEFINE_DMA_UNMAP_ADDR(mapping);
	DEFINE_DMA_UNMAP_LEN(len);
};

static void scenario_ring_state(void **state)
{
	struct device *dev = probe_dev("name=txring");
	struct ring_state ring[8];
	char wire[8][32];

	for (int i = 0; i < 8; i++) {
		struct ring_state *ringp = &ring[i];
		size_t len = 10 + (size_t)i;
		dma_addr_t mapping;

		ringp->skb = kmalloc(len, GFP_KERNEL);
		memset(ringp->skb, 'A' + i, len);
		mapping = dma_map_single(dev, ringp->skb, len, DMA_TO_DEVICE);
		assert_false(dma_mapping_error(dev, mapping));
		dma_unmap_addr_set(ringp, mapping, mapping);
		dma_unmap_len_set(ringp, len, len);
	}
	/* The card transmits every descriptor. */
	for (int i = 0; i < 8; i++) {
		assert_int_equal(dmasim_dev_read(dev, dma_unmap_addr(&ring[i], mapping), wire[i],
						 dma_unmap_len(&ring[i], len)),
				 0);
		assert_int_equal(wire[i][0], 'A' + i);
		assert_int_equal(wire[i][dma_unmap_len(&ring[i], len) - 1], 'A' + i);
	}
	/* TX completion. */
	for (int i = 0; i < 8; i++) {
		struct ring_state *ringp = &ring[i];

		dma_unmap_single(dev, dma_unmap_addr(ringp, mapping), dma_unmap_len(ringp, len),
				 DMA_TO_DEVICE);
		kfree(ringp->skb);
	}
	assert_int_equal(nr_maps(dev), 0);
	dmasim_device_destroy(dev);
}

/* ---- scatter-gather gathered by the device, descriptors from a dma_pool ----------- */

struct hw_desc {
	u64 addr;
	u32 len;
	u32 flags;
};

static void scenario_sg_with_pool_descriptors(void **state)
{
	struct device *dev = probe_dev("name=sgdev");
	struct dma_pool *pool = dma_pool_create("descs", dev, sizeof(struct hw_desc), 16, 0);
	struct scatterlist sglist[5], *sg;
	struct hw_desc *desc[5];
	dma_addr_t desc_dma[5];
	char *chunks[5];
	char gathered[5 * 100];
	size_t off = 0;
	int i, count;

	assert_non_null(pool);
	sg_init_table(sglist, 5);
	for (i = 0; i < 5; i++) {
		chunks[i] = kmalloc(100, GFP_KERNEL);
		memset(chunks[i], '0' + i, 100);
		sg_set_buf(&sglist[i], chunks[i], 100);
	}
	count = (int)dma_map_sg(dev, sglist, 5, DMA_TO_DEVICE);
	assert_true(count >= 1 && count <= 5);
	for_each_sg(sglist, sg, count, i) {
		desc[i] = dma_pool_alloc(pool, GFP_KERNEL, &desc_dma[i]);
		assert_non_null(desc[i]);
		desc[i]->addr = sg_dma_address(sg);
		desc[i]->len = sg_dma_len(sg);
	}
	/* The device walks its descriptors (coherent memory) and gathers the data. */
	for (i = 0; i < count; i++) {
		struct hw_desc d;

		assert_int_equal(dmasim_dev_read(dev, desc_dma[i], &d, sizeof(d)), 0);
		assert_int_equal(dmasim_dev_read(dev, d.addr, gathered + off, d.len), 0);
		off += d.len;
		d.flags = 1; /* done */
		assert_int_equal(dmasim_dev_write(dev, desc_dma[i], &d, sizeof(d)), 0);
		assert_int_equal(desc[i]->flags, 1); /* coherent: the CPU sees it at once */
	}
	assert_int_equal(off, 500);
	for (i = 0; i < 500; i++)
		assert_int_equal(gathered[i], '0' + i / 100);
	dma_unmap_sg(dev, sglist, 5, DMA_TO_DEVICE);
	for (i = 0; i < count; i++)
		dma_pool_free(pool, desc[i], desc_dma[i]);
	dma_pool_destroy(pool);
	for (i = 0; i < 5; i++)
		kfree(chunks[i]);
	assert_int_equal(nr_maps(dev), 0);
	dmasim_device_destroy(dev);
}

/*
 * ---- Partial syncs: one mapped ring, a range synced per packet -------------
 * dma-api.rst: dma_sync_single_range_for_{cpu,device} pass ownership of the
 * range only.  A correct driver doing that, on every machine of the matrix
 * (with cache=noncoherent, behind an IOMMU, bounced), must not be reported.
 */
static void scenario_range_syncs(void **state)
{
	struct device *dev = probe_dev("name=ring");
	const size_t slot = 512, nslots = 24; /* 12 KiB: the slots cross pages */
	char *ring = kmalloc(slot * nslots, GFP_KERNEL), pkt[48] = { 0 }, got[4];
	struct page *page;
	dma_addr_t h;
	char *va;

	assert_non_null(ring);
	memset(ring, 0, slot * nslots);
	h = dma_map_single(dev, ring, slot * nslots, DMA_BIDIRECTIONAL);
	assert_false(dma_mapping_error(dev, h));
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < nslots; i++) {
			size_t off = i * slot;

			snprintf(pkt, sizeof(pkt), "packet %d.%zu", round, i);
			assert_int_equal(dmasim_dev_write(dev, h + off, pkt, sizeof(pkt)), 0);
			dma_sync_single_range_for_cpu(dev, h, off, sizeof(pkt), DMA_BIDIRECTIONAL);
			assert_string_equal(ring + off, pkt);
			ring[off] = 'P'; /* processed, marked in place */
			dma_sync_single_range_for_device(dev, h, off, sizeof(pkt), DMA_BIDIRECTIONAL);
			assert_int_equal(dmasim_dev_read(dev, h + off, got, 1), 0);
			assert_int_equal(got[0], 'P');
		}
	/* The last packet stays with the CPU until the unmap. */
	assert_int_equal(dmasim_dev_write(dev, h + 3 * slot + 256, "tail", 5), 0);
	dma_sync_single_range_for_cpu(dev, h, 3 * slot + 256, 5, DMA_BIDIRECTIONAL);
	assert_string_equal(ring + 3 * slot + 256, "tail");
	dma_unmap_single(dev, h, slot * nslots, DMA_BIDIRECTIONAL);
	assert_string_equal(ring + 5 * slot, "Packet 2.5");
	assert_string_equal(ring + 3 * slot + 256, "tail");
	kfree(ring);

	/* A page pool's page: range syncs, then an unmap that skips the CPU sync. */
	page = alloc_page(GFP_KERNEL);
	assert_non_null(page);
	va = page_address(page);
	memset(va, 0, PAGE_SIZE);
	h = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	for (int n = 0; n < 3; n++) {
		assert_int_equal(dmasim_dev_write(dev, h + 128 * n, "rx", 3), 0);
		dma_sync_single_range_for_cpu(dev, h, 128 * n, 128, DMA_FROM_DEVICE);
		assert_string_equal(va + 128 * n, "rx");
		dma_sync_single_range_for_device(dev, h, 128 * n, 128, DMA_FROM_DEVICE);
	}
	dma_unmap_page_attrs(dev, h, PAGE_SIZE, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	memset(va, 'c', PAGE_SIZE); /* the CPU's page again */
	h = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dev, h));
	assert_int_equal(dmasim_dev_read(dev, h + 4000, got, 1), 0);
	assert_int_equal(got[0], 'c');
	dma_unmap_page(dev, h, PAGE_SIZE, DMA_TO_DEVICE);
	__free_page(page);
	assert_int_equal(dmasim_debug_errors(p), 0);
	assert_int_equal(nr_maps(dev), 0);
	dmasim_device_destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(scenario_mask_probing, setup, teardown),
		cmocka_unit_test_setup_teardown(scenario_isa_gfp_dma, setup, teardown),
		cmocka_unit_test_setup_teardown(scenario_sound_card, setup, teardown),
		cmocka_unit_test_setup_teardown(scenario_rx_buffer_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(scenario_map_error_unwinding, setup, teardown),
		cmocka_unit_test_setup_teardown(scenario_ring_state, setup, teardown),
		cmocka_unit_test_setup_teardown(scenario_sg_with_pool_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(scenario_range_syncs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
