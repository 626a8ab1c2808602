/*
 * tests/scenario-dmaengine.c - a driver that moves its data through a DMA
 * controller with <linux/dmaengine.h>, end to end: a UART's transmit
 * (slave scatter-gather from kmalloc'ed buffers) and receive (slave single
 * into a streaming-mapped buffer) through its FIFOs, a memcpy offload, and
 * cyclic playback to a codec's FIFO with period callbacks.  Buffers are
 * mapped for dmaengine_get_dma_device() (the controller), the FIFOs with
 * dma_map_resource(), as the kernel's client.rst says.
 *
 * Run in both execution modes (exec=threaded TSan-clean) and, through
 * DMASIM_SPEC, on every machine of the scenario matrix (IOMMU, swiotlb
 * bouncing, non-coherent caches): a correct driver makes no report.
 */
#include "testutil.h"

#include <string.h>

#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/jiffies.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <dmasim/dma-controller.h>

#define DMA_IRQ 24
#define TX_LINE 4
#define RX_LINE 5
#define CODEC_LINE 6

struct machine {
	struct dmasim_platform *p;
	struct device *dmac, *uart, *codec;
	struct dmasim_dma_controller *c;
	struct dmasim_fifo *txf, *rxf, *codecf;
};

static void machine_up(struct machine *m, const char *spec)
{
	m->p = tu_platform(spec);
	assert_non_null(m->p);
	m->dmac = dmasim_device_create(m->p, "name=dmac");
	m->uart = dmasim_device_create(m->p, "name=uart0");
	m->codec = dmasim_device_create(m->p, "name=codec0");
	m->c = dmasim_dma_generic_create(m->dmac, &(struct dmasim_dma_generic_cfg){
		.name = "dma0", .nr_channels = 8, .irq = DMA_IRQ, .bandwidth = 50000000 });
	assert_non_null(m->c);
	m->txf = dmasim_fifo_create(m->p, "uart0-tx", 1, 16);
	m->rxf = dmasim_fifo_create(m->p, "uart0-rx", 1, 16);
	m->codecf = dmasim_fifo_create(m->p, "codec0-fifo", 4, 32);
	assert_int_equal(dmasim_dma_connect_fifo(m->c, TX_LINE, m->txf), 0);
	assert_int_equal(dmasim_dma_connect_fifo(m->c, RX_LINE, m->rxf), 0);
	assert_int_equal(dmasim_dma_connect_fifo(m->c, CODEC_LINE, m->codecf), 0);
	assert_int_equal(dmasim_dma_slave_map_add(m->uart, "tx", m->c, -1, TX_LINE), 0);
	assert_int_equal(dmasim_dma_slave_map_add(m->uart, "rx", m->c, -1, RX_LINE), 0);
	assert_int_equal(dmasim_dma_slave_map_add(m->codec, "tx", m->c, -1, CODEC_LINE), 0);
}

static void machine_down(struct machine *m)
{
	dmasim_dma_generic_destroy(m->c);
	dmasim_fifo_destroy(m->txf);
	dmasim_fifo_destroy(m->rxf);
	dmasim_fifo_destroy(m->codecf);
	dmasim_platform_destroy(m->p);
}

static void done_cb(void *arg)
{
	complete(arg);
}

/* The UART driver: transmit three buffers by scatterlist, receive one. */
static void uart_io(struct machine *m)
{
	struct dma_chan *tx = dma_request_chan(m->uart, "tx");
	struct dma_chan *rx = dma_request_chan(m->uart, "rx");
	struct device *dd;
	struct dma_slave_config cfg = { 0 };
	struct dma_async_tx_descriptor *t;
	struct scatterlist sg[3];
	struct completion txdone, rxdone;
	static const char *parts[3] = { "The quick brown fox ", "jumps over ", "the lazy dog." };
	char *bufs[3], *rbuf, sent[64];
	char expect[64] = "";
	dma_addr_t txfifo, rxfifo, rdma;
	size_t total = 0;
	u8 line[48];

	assert_false(IS_ERR(tx));
	assert_false(IS_ERR(rx));
	dd = dmaengine_get_dma_device(tx);
	assert_ptr_equal(dd, m->dmac);
	init_completion(&txdone);
	init_completion(&rxdone);

	/* The FIFOs' addresses, for the controller (through its IOMMU if any). */
	txfifo = dma_map_resource(dd, dmasim_fifo_phys(m->txf), 1, DMA_FROM_DEVICE, 0);
	rxfifo = dma_map_resource(dd, dmasim_fifo_phys(m->rxf), 1, DMA_TO_DEVICE, 0);
	assert_false(dma_mapping_error(dd, txfifo));
	assert_false(dma_mapping_error(dd, rxfifo));

	cfg.direction = DMA_MEM_TO_DEV;
	cfg.dst_addr = txfifo;
	cfg.dst_addr_width = DMA_SLAVE_BUSWIDTH_1_BYTE;
	cfg.dst_maxburst = 8;
	assert_int_equal(dmaengine_slave_config(tx, &cfg), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.direction = DMA_DEV_TO_MEM;
	cfg.src_addr = rxfifo;
	cfg.src_addr_width = DMA_SLAVE_BUSWIDTH_1_BYTE;
	cfg.src_maxburst = 4;
	assert_int_equal(dmaengine_slave_config(rx, &cfg), 0);

	sg_init_table(sg, 3);
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(parts[i]);

		bufs[i] = kmalloc(n, GFP_KERNEL);
		memcpy(bufs[i], parts[i], n);
		sg_set_buf(&sg[i], bufs[i], n);
		strcat(expect, parts[i]);
		total += n;
	}
	assert_int_equal(dma_map_sg(dd, sg, 3, DMA_TO_DEVICE), 3);
	t = dmaengine_prep_slave_sg(tx, sg, 3, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT | DMA_CTRL_ACK);
	assert_non_null(t);
	t->callback = done_cb;
	t->callback_param = &txdone;
	assert_int_equal(dma_submit_error(dmaengine_submit(t)), 0);

	rbuf = kmalloc(sizeof(line), GFP_KERNEL);
	rdma = dma_map_single(dd, rbuf, sizeof(line), DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dd, rdma));
	t = dmaengine_prep_slave_single(rx, rdma, sizeof(line), DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT);
	assert_non_null(t);
	t->callback = done_cb;
	t->callback_param = &rxdone;
	assert_int_equal(dma_submit_error(dmaengine_submit(t)), 0);

	/* The line: 1 MB/s both ways (a byte a microsecond). */
	for (size_t i = 0; i < sizeof(line); i++)
		line[i] = (u8)('A' + i % 26);
	dma_async_issue_pending(rx);
	dma_async_issue_pending(tx);
	assert_int_equal(dmasim_fifo_consume(m->txf, total, 1000000), 0);
	/*
	 * RTS/CTS: in exec=threaded the controller's thread may be late under
	 * load; without flow control the UART would then overrun, as a real one.
	 */
	assert_int_equal(dmasim_fifo_flow_control(m->rxf, true), 0);
	assert_int_equal(dmasim_fifo_produce(m->rxf, line, sizeof(line), 1000000), 0);
	assert_true(wait_for_completion_timeout(&txdone, HZ) > 0);
	assert_true(wait_for_completion_timeout(&rxdone, HZ) > 0);

	dma_unmap_sg(dd, sg, 3, DMA_TO_DEVICE);
	dma_unmap_single(dd, rdma, sizeof(line), DMA_FROM_DEVICE);
	assert_memory_equal(rbuf, line, sizeof(line));
	dmasim_run_idle(m->p); /* the UART sends what the FIFO still holds */
	assert_int_equal(dmasim_fifo_sink(m->txf, sent, sizeof(sent)), total);
	assert_memory_equal(sent, expect, total);

	dma_unmap_resource(dd, txfifo, 1, DMA_FROM_DEVICE, 0);
	dma_unmap_resource(dd, rxfifo, 1, DMA_TO_DEVICE, 0);
	for (int i = 0; i < 3; i++)
		kfree(bufs[i]);
	kfree(rbuf);
	dma_release_channel(tx);
	dma_release_channel(rx);
}

/* A memcpy offload between two streaming buffers. */
static void memcpy_offload(struct machine *m)
{
	dma_cap_mask_t mask;
	struct dma_chan *ch;
	struct device *dd;
	u8 *src, *dst;
	dma_addr_t s, d;
	const size_t len = 20000;

	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	ch = dma_request_channel(mask, NULL, NULL);
	assert_non_null(ch);
	dd = dmaengine_get_dma_device(ch);
	src = kmalloc(len, GFP_KERNEL);
	dst = kmalloc(len, GFP_KERNEL);
	for (size_t i = 0; i < len; i++)
		src[i] = (u8)(i * 13 + 1);
	memset(dst, 0, len);
	s = dma_map_single(dd, src, len, DMA_TO_DEVICE);
	d = dma_map_single(dd, dst, len, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(dd, s));
	assert_false(dma_mapping_error(dd, d));
	assert_int_equal(dma_sync_wait(ch, dmaengine_submit(dmaengine_prep_dma_memcpy(ch, d, s, len, 0))),
			 DMA_COMPLETE);
	dma_unmap_single(dd, s, len, DMA_TO_DEVICE);
	dma_unmap_single(dd, d, len, DMA_FROM_DEVICE);
	assert_memory_equal(dst, src, len);
	kfree(src);
	kfree(dst);
	dma_release_channel(ch);
}

struct playback {
	struct completion enough;
	int periods;
};

static void period_cb(void *arg)
{
	struct playback *pb = arg;

	if (++pb->periods == 8)
		complete(&pb->enough);
}

/* Cyclic playback: 4 periods of 64 bytes, the codec playing 32-bit samples. */
static void playback(struct machine *m)
{
	struct dma_chan *ch = dma_request_chan(m->codec, "tx");
	struct dma_slave_config cfg = { 0 };
	struct dma_async_tx_descriptor *t;
	struct playback pb = { .periods = 0 };
	struct device *dd;
	u32 *ring, out[128];
	dma_addr_t rdma, fifo;
	size_t n;

	assert_false(IS_ERR(ch));
	dd = dmaengine_get_dma_device(ch);
	init_completion(&pb.enough);
	ring = dma_alloc_coherent(dd, 256, &rdma, GFP_KERNEL);
	assert_non_null(ring);
	for (int i = 0; i < 64; i++)
		ring[i] = 0x10000u * (u32)i + 7;
	fifo = dma_map_resource(dd, dmasim_fifo_phys(m->codecf), 4, DMA_FROM_DEVICE, 0);
	assert_false(dma_mapping_error(dd, fifo));
	cfg.direction = DMA_MEM_TO_DEV;
	cfg.dst_addr = fifo;
	cfg.dst_addr_width = DMA_SLAVE_BUSWIDTH_4_BYTES;
	cfg.dst_maxburst = 4;
	assert_int_equal(dmaengine_slave_config(ch, &cfg), 0);
	t = dmaengine_prep_dma_cyclic(ch, rdma, 256, 64, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT);
	assert_non_null(t);
	t->callback = period_cb;
	t->callback_param = &pb;
	assert_int_equal(dma_submit_error(dmaengine_submit(t)), 0);
	dma_async_issue_pending(ch);
	/* 4 MB/s of samples: a period every 16 us. */
	assert_int_equal(dmasim_fifo_consume(m->codecf, 4096, 4000000), 0);
	assert_true(wait_for_completion_timeout(&pb.enough, HZ) > 0);
	assert_int_equal(dmaengine_terminate_sync(ch), 0);
	assert_int_equal(dmasim_fifo_consume(m->codecf, 0, 0), 0);
	n = dmasim_fifo_sink(m->codecf, out, sizeof(out)) / 4;
	assert_true(n >= 64);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i], 0x10000u * (u32)(i % 64) + 7);
	dma_unmap_resource(dd, fifo, 4, DMA_FROM_DEVICE, 0);
	dma_free_coherent(dd, 256, ring, rdma);
	dma_release_channel(ch);
}

static void run(const char *spec)
{
	struct machine m;

	machine_up(&m, spec);
	uart_io(&m);
	memcpy_offload(&m);
	playback(&m);
	if (dmasim_debug_errors(m.p))
		tu_log_dump();
	assert_int_equal(dmasim_debug_errors(m.p), 0);
	machine_down(&m);
}

static void test_deterministic(void **state)
{
	run("exec=deterministic");
}

static void test_threaded(void **state)
{
	run("exec=threaded");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_threaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
