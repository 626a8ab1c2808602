/*
 * tests/test-dmaengine.c - the dmaengine consumer API (<linux/dmaengine.h>)
 * over the generic controller (lib/dmaengine/): every call's success and
 * failure paths, cookies as drivers/dma/dmaengine.h keeps them, ordering,
 * residue, pause/resume, cyclic period callbacks, termination mid-transfer,
 * descriptor reuse, the misuse reports, and deterministic stepping.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/slab.h>
#include <dmasim/dma-controller.h>
#include <dmasim/model.h>

#define DMA_IRQ 20
#define BW 100000000ull /* 100 MB/s: 10 ns a byte */

struct rig {
	struct dmasim_platform *p;
	struct device *ctrl_dev, *client;
	struct dmasim_dma_controller *c;
	struct dmasim_fifo *fifo;
};

static void rig_up(struct rig *r, const char *spec)
{
	r->p = tu_platform_on(TU_SOC, spec);
	assert_non_null(r->p);
	r->ctrl_dev = dmasim_device_create(r->p, "name=dmac");
	r->client = dmasim_device_create(r->p, "name=uart0");
	assert_non_null(r->ctrl_dev);
	assert_non_null(r->client);
	r->c = dmasim_dma_generic_create(r->ctrl_dev, &(struct dmasim_dma_generic_cfg){
		.name = "dma0", .nr_channels = 4, .irq = DMA_IRQ, .bandwidth = BW });
	assert_non_null(r->c);
	r->fifo = dmasim_fifo_create(r->p, "uart0-fifo", 1, 16);
	assert_non_null(r->fifo);
	assert_int_equal(dmasim_dma_connect_fifo(r->c, 3, r->fifo), 0);
	assert_int_equal(dmasim_dma_slave_map_add(r->client, "tx", r->c, 0, 3), 0);
	assert_int_equal(dmasim_dma_slave_map_add(r->client, "rx", r->c, -1, 3), 0);
}

static void rig_down(struct rig *r)
{
	dmasim_dma_generic_destroy(r->c);
	dmasim_fifo_destroy(r->fifo);
	dmasim_platform_destroy(r->p);
}

struct done {
	int calls;
	enum dmaengine_tx_result last;
	u32 residue;
	int order[16];
	int n;
};

static void cb_count(void *arg)
{
	struct done *d = arg;

	d->calls++;
}

static void cb_result(void *arg, const struct dmaengine_result *res)
{
	struct done *d = arg;

	d->calls++;
	d->last = res->result;
	d->residue = res->residue;
}

/* Channels: the slave map, exclusivity, capability matching, filters, release. */
static void test_request_release(void **state)
{
	struct rig r;
	struct dma_chan *tx, *tx2, *rx, *any;
	dma_cap_mask_t mask;
	struct dma_slave_caps caps;

	rig_up(&r, NULL);
	tx = dma_request_chan(r.client, "tx");
	assert_false(IS_ERR(tx));
	assert_int_equal(tx->chan_id, 0);
	assert_ptr_equal(dmaengine_get_dma_device(tx), r.ctrl_dev);
	assert_string_equal(dma_chan_name(tx), "dma0chan0");
	/* include/linux/dmaengine.h: dma_request_chan() returns ERR_PTR, never NULL. */
	tx2 = dma_request_chan(r.client, "tx");
	assert_true(IS_ERR(tx2));
	assert_int_equal(PTR_ERR(tx2), -EBUSY);
	assert_int_equal(PTR_ERR(dma_request_chan(r.client, "nope")), -ENODEV);
	assert_int_equal(PTR_ERR(dma_request_chan(r.ctrl_dev, "tx")), -ENODEV);
	assert_int_equal(PTR_ERR(dma_request_chan(NULL, "tx")), -EINVAL);
	rx = dma_request_chan(r.client, "rx");
	assert_false(IS_ERR(rx));
	assert_int_equal(rx->chan_id, 1);
	assert_int_equal(dmasim_dma_slave_map_add(r.client, "tx", r.c, 0, 3), -EEXIST);
	assert_int_equal(dmasim_dma_slave_map_add(r.client, "x", r.c, 9, 3), -EINVAL);

	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	dma_cap_set(DMA_MEMSET, mask);
	assert_true(dma_has_cap(DMA_MEMCPY, mask));
	assert_false(dma_has_cap(DMA_SLAVE, mask));
	any = dma_request_channel(mask, NULL, NULL);
	assert_non_null(any);
	assert_int_equal(any->chan_id, 2);
	dma_release_channel(any);
	dma_cap_set(DMA_XOR, mask); /* nobody has it */
	assert_null(dma_request_channel(mask, NULL, NULL));
	assert_int_equal(PTR_ERR(dma_request_chan_by_mask(&mask)), -ENODEV);

	assert_int_equal(dma_get_slave_caps(tx, &caps), 0);
	assert_true(caps.cmd_pause && caps.cmd_resume && caps.cmd_terminate && caps.descriptor_reuse);
	assert_int_equal(caps.max_burst, 16);
	assert_true(caps.dst_addr_widths & (1u << 4));
	assert_true(caps.dst_addr_widths & DMASIM_DMA_WIDTH_64);
	assert_int_equal(caps.residue_granularity, DMA_RESIDUE_GRANULARITY_BURST);
	assert_int_equal(dma_get_slave_caps(NULL, &caps), -EINVAL);
	dma_release_channel(tx);
	dma_release_channel(rx);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	rig_down(&r);
}

static bool filter_chan3(struct dma_chan *chan, void *param)
{
	return chan->chan_id == *(int *)param;
}

static void test_filter(void **state)
{
	struct rig r;
	dma_cap_mask_t mask;
	struct dma_chan *c;
	int want = 3;

	rig_up(&r, NULL);
	dma_cap_zero(mask);
	dma_cap_set(DMA_SLAVE, mask);
	c = dma_request_channel(mask, filter_chan3, &want);
	assert_non_null(c);
	assert_int_equal(c->chan_id, 3);
	assert_null(dma_request_channel(mask, filter_chan3, &want)); /* taken */
	dma_release_channel(c);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	rig_down(&r);
}

/* memcpy and memset through the controller's device; cookies and fences. */
static void test_memcpy_cookies(void **state)
{
	struct rig r;
	struct dma_chan *ch;
	dma_cap_mask_t mask;
	struct device *dd;
	u8 *a, *b;
	dma_addr_t da, db;
	struct dma_async_tx_descriptor *t1, *t2;
	dma_cookie_t c1, c2, last, used;
	struct done d = { 0 };
	struct dma_tx_state ts;

	rig_up(&r, NULL);
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	ch = dma_request_channel(mask, NULL, NULL);
	assert_non_null(ch);
	dd = dmaengine_get_dma_device(ch);
	a = dma_alloc_coherent(dd, 8192, &da, GFP_KERNEL);
	b = dma_alloc_coherent(dd, 8192, &db, GFP_KERNEL);
	for (int i = 0; i < 8192; i++)
		a[i] = (u8)(i * 7);
	memset(b, 0, 8192);
	/* A fenced copy, then a fill of the copy's second half: the order holds. */
	t1 = dmaengine_prep_dma_memcpy(ch, db, da, 8192, DMA_PREP_INTERRUPT | DMA_PREP_FENCE);
	t2 = dmaengine_prep_dma_memset(ch, db + 4096, 0xab, 4096, DMA_PREP_INTERRUPT);
	assert_non_null(t1);
	assert_non_null(t2);
	assert_int_equal(t1->cookie, -EBUSY);
	t2->callback_result = cb_result;
	t2->callback_param = &d;
	c1 = dmaengine_submit(t1);
	c2 = dmaengine_submit(t2);
	/* drivers/dma/dmaengine.h dma_cookie_assign(): monotonic from DMA_MIN_COOKIE. */
	assert_int_equal(dma_submit_error(c1), 0);
	assert_int_equal(c1, DMA_MIN_COOKIE + 1);
	assert_int_equal(c2, c1 + 1);
	/* Not issued: nothing moves, the residue is the whole transfer. */
	dmasim_run_idle(r.p);
	assert_int_equal(dmaengine_tx_status(ch, c1, &ts), DMA_IN_PROGRESS);
	assert_int_equal(ts.residue, 8192);
	assert_int_equal(ts.last, DMA_MIN_COOKIE);
	assert_int_equal(ts.used, c2);
	assert_int_equal(b[0], 0);
	dma_async_issue_pending(ch);
	/* 8192 bytes at 100 MB/s: 81.92 us; halfway, the residue says so, burst by burst. */
	dmasim_run_for(r.p, 40000);
	assert_int_equal(dmaengine_tx_status(ch, c1, &ts), DMA_IN_PROGRESS);
	assert_true(ts.residue > 0 && ts.residue < 8192);
	assert_int_equal(ts.residue % 4096, 0);
	assert_int_equal(dma_sync_wait(ch, c2), DMA_COMPLETE);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.last, DMA_TRANS_NOERROR);
	assert_int_equal(dma_async_is_tx_complete(ch, c1, &last, &used), DMA_COMPLETE);
	assert_int_equal(last, c2);
	assert_int_equal(used, c2);
	assert_memory_equal(b, a, 4096);
	for (int i = 4096; i < 8192; i++)
		assert_int_equal(b[i], 0xab);
	dma_free_coherent(dd, 8192, a, da);
	dma_free_coherent(dd, 8192, b, db);
	dma_release_channel(ch);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	rig_down(&r);
}

/* Slave TX to the FIFO, drained by the peripheral: bursts, flow control, the callback. */
static void test_slave_tx_fifo(void **state)
{
	struct rig r;
	struct dma_chan *tx;
	struct device *dd;
	struct dma_slave_config cfg = { 0 };
	struct dma_async_tx_descriptor *t;
	struct done d = { 0 };
	struct dmasim_fifo_stats st;
	char *msg;
	char out[64] = { 0 };
	dma_addr_t buf, fifo;
	size_t len = 40;

	rig_up(&r, NULL);
	msg = kmalloc(64, GFP_KERNEL);
	strcpy(msg, "hello, dmaengine world! 0123456789abcdef");
	tx = dma_request_chan(r.client, "tx");
	dd = dmaengine_get_dma_device(tx);
	buf = dma_map_single(dd, msg, len, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(dd, buf));
	fifo = dma_map_resource(dd, dmasim_fifo_phys(r.fifo), 1, DMA_FROM_DEVICE, 0);
	assert_false(dma_mapping_error(dd, fifo));
	cfg.direction = DMA_MEM_TO_DEV;
	cfg.dst_addr = fifo;
	cfg.dst_addr_width = DMA_SLAVE_BUSWIDTH_1_BYTE;
	cfg.dst_maxburst = 8;
	assert_int_equal(dmaengine_slave_config(tx, &cfg), 0);
	t = dmaengine_prep_slave_single(tx, buf, len, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT);
	assert_non_null(t);
	t->callback = cb_count;
	t->callback_param = &d;
	/* The UART sends a byte every 10 us (100 kB/s); the FIFO holds 16. */
	assert_int_equal(dmasim_fifo_consume(r.fifo, len, 100000), 0);
	assert_false(dma_submit_error(dmaengine_submit(t)));
	dma_async_issue_pending(tx);
	dmasim_run_idle(r.p);
	assert_int_equal(d.calls, 1);
	assert_int_equal(dmasim_fifo_sink(r.fifo, out, sizeof(out)), len);
	assert_memory_equal(out, msg, len);
	dmasim_fifo_stats(r.fifo, &st);
	assert_int_equal(st.dma_in, len);
	assert_true(st.max_level <= 16);
	dma_unmap_single(dd, buf, len, DMA_TO_DEVICE);
	kfree(msg);
	dma_unmap_resource(dd, fifo, 1, DMA_FROM_DEVICE, 0);
	dma_release_channel(tx);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	rig_down(&r);
}

/* Slave RX by scatterlist from a producing UART. */
static void test_slave_rx_sg(void **state)
{
	struct rig r;
	struct dma_chan *rx;
	struct device *dd;
	struct dma_slave_config cfg = { 0 };
	struct dma_async_tx_descriptor *t;
	struct scatterlist sg[2];
	struct done d = { 0 };
	u8 *b1, *b2, data[48];
	dma_addr_t fifo;
	dma_cookie_t ck;

	rig_up(&r, NULL);
	rx = dma_request_chan(r.client, "rx");
	dd = dmaengine_get_dma_device(rx);
	b1 = kmalloc(32, GFP_KERNEL);
	b2 = kmalloc(16, GFP_KERNEL);
	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], b1, 32);
	sg_set_buf(&sg[1], b2, 16);
	assert_int_equal(dma_map_sg(dd, sg, 2, DMA_FROM_DEVICE), 2);
	fifo = dma_map_resource(dd, dmasim_fifo_phys(r.fifo), 1, DMA_TO_DEVICE, 0);
	assert_false(dma_mapping_error(dd, fifo));
	cfg.direction = DMA_DEV_TO_MEM;
	cfg.src_addr = fifo;
	cfg.src_addr_width = DMA_SLAVE_BUSWIDTH_1_BYTE;
	cfg.src_maxburst = 4;
	assert_int_equal(dmaengine_slave_config(rx, &cfg), 0);
	t = dmaengine_prep_slave_sg(rx, sg, 2, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT);
	assert_non_null(t);
	t->callback_result = cb_result;
	t->callback_param = &d;
	ck = dmaengine_submit(t);
	dma_async_issue_pending(rx);
	for (int i = 0; i < 48; i++)
		data[i] = (u8)(0x40 + i);
	assert_int_equal(dmasim_fifo_produce(r.fifo, data, 48, 1000000), 0);
	dmasim_run_idle(r.p);
	assert_int_equal(dmaengine_tx_status(rx, ck, NULL), DMA_COMPLETE);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.last, DMA_TRANS_NOERROR);
	dma_unmap_sg(dd, sg, 2, DMA_FROM_DEVICE);
	assert_memory_equal(b1, data, 32);
	assert_memory_equal(b2, data + 32, 16);
	dma_unmap_resource(dd, fifo, 1, DMA_TO_DEVICE, 0);
	kfree(b1);
	kfree(b2);
	dma_release_channel(rx);
	if (dmasim_debug_errors(r.p))
		tu_log_dump();
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	rig_down(&r);
}

/*
 * A UART receiving while no DMA runs: the 16-entry FIFO overruns and bytes
 * are lost; with flow control (RTS/CTS) the sender waits and nothing is.
 */
static void rx_late(bool flow, struct dmasim_fifo_stats *st, u8 *got)
{
	struct rig r;
	struct dma_chan *rx;
	struct device *dd;
	struct dma_slave_config cfg = { 0 };
	u8 data[32], *b;
	dma_addr_t bd, fifo;

	rig_up(&r, NULL);
	rx = dma_request_chan(r.client, "rx");
	dd = dmaengine_get_dma_device(rx);
	b = dma_alloc_coherent(dd, 32, &bd, GFP_KERNEL);
	memset(b, 0, 32);
	fifo = dma_map_resource(dd, dmasim_fifo_phys(r.fifo), 1, DMA_TO_DEVICE, 0);
	assert_false(dma_mapping_error(dd, fifo));
	cfg.src_addr = fifo;
	cfg.src_addr_width = DMA_SLAVE_BUSWIDTH_1_BYTE;
	assert_int_equal(dmaengine_slave_config(rx, &cfg), 0);
	for (int i = 0; i < 32; i++)
		data[i] = (u8)(i + 1);
	assert_int_equal(dmasim_fifo_flow_control(r.fifo, flow), 0);
	assert_int_equal(dmasim_fifo_produce(r.fifo, data, 32, 1000000), 0);
	dmasim_run_for(r.p, 40000); /* 40 bytes' time: the driver is late */
	dmaengine_submit(dmaengine_prep_slave_single(rx, bd, flow ? 32 : 16, DMA_DEV_TO_MEM, 0));
	dma_async_issue_pending(rx);
	dmasim_run_idle(r.p);
	memcpy(got, b, 32);
	dmasim_fifo_stats(r.fifo, st);
	dma_unmap_resource(dd, fifo, 1, DMA_TO_DEVICE, 0);
	dma_free_coherent(dd, 32, b, bd);
	dma_release_channel(rx);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	rig_down(&r);
}

static void test_overrun_and_flow_control(void **state)
{
	struct dmasim_fifo_stats st;
	u8 got[32];

	rx_late(false, &st, got);
	assert_int_equal(st.overruns, 16);
	assert_int_equal(st.produced, 16);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[15], 16); /* the first 16 stayed; 17..32 were lost */
	rx_late(true, &st, got);
	assert_int_equal(st.overruns, 0);
	assert_true(st.held_off > 0);
	assert_int_equal(st.produced, 32);
	for (int i = 0; i < 32; i++)
		assert_int_equal(got[i], i + 1);
}

/* Cyclic: a period callback per period, the ring goes round; terminate stops it. */
static void test_cyclic_periods(void **state)
{
	struct rig r;
	struct dma_chan *tx;
	struct device *dd;
	struct dma_slave_config cfg = { 0 };
	struct dma_async_tx_descriptor *t;
	struct done d = { 0 };
	struct dma_tx_state ts;
	u8 *ring;
	dma_addr_t rb, fifo;
	dma_cookie_t ck;
	struct dmasim_fifo_stats st;

	rig_up(&r, NULL);
	tx = dma_request_chan(r.client, "tx");
	dd = dmaengine_get_dma_device(tx);
	ring = dma_alloc_coherent(dd, 64, &rb, GFP_KERNEL);
	for (int i = 0; i < 64; i++)
		ring[i] = (u8)i;
	fifo = dma_map_resource(dd, dmasim_fifo_phys(r.fifo), 1, DMA_FROM_DEVICE, 0);
	assert_false(dma_mapping_error(dd, fifo));
	cfg.dst_addr = fifo;
	cfg.dst_addr_width = DMA_SLAVE_BUSWIDTH_1_BYTE;
	cfg.dst_maxburst = 4;
	assert_int_equal(dmaengine_slave_config(tx, &cfg), 0);
	/* buf_len must be a multiple of period_len. */
	assert_null(dmaengine_prep_dma_cyclic(tx, rb, 60, 16, DMA_MEM_TO_DEV, 0));
	t = dmaengine_prep_dma_cyclic(tx, rb, 64, 16, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT);
	assert_non_null(t);
	t->callback = cb_count;
	t->callback_param = &d;
	ck = dmaengine_submit(t);
	/* The codec plays one byte per us: 200 bytes = 12 periods and a half. */
	dmasim_fifo_consume(r.fifo, 200, 1000000);
	dma_async_issue_pending(tx);
	dmasim_run_for(r.p, 150000);
	/* 150 bytes played and the FIFO's 16 ahead: 166 bytes moved, 10 periods of 16. */
	assert_int_equal(d.calls, 10);
	assert_int_equal(dmaengine_tx_status(tx, ck, &ts), DMA_IN_PROGRESS);
	assert_true(ts.residue > 0 && ts.residue <= 64);
	assert_int_equal(dmaengine_terminate_sync(tx), 0);
	{
		int calls = d.calls;

		dmasim_run_for(r.p, 100000);
		assert_int_equal(d.calls, calls); /* no callback after terminate */
	}
	dmasim_fifo_stats(r.fifo, &st);
	assert_true(st.consumed >= 150);
	{
		u8 out[200];
		size_t n = dmasim_fifo_sink(r.fifo, out, sizeof(out));

		for (size_t i = 0; i < n; i++)
			assert_int_equal(out[i], i % 64);
	}
	dma_unmap_resource(dd, fifo, 1, DMA_FROM_DEVICE, 0);
	dma_free_coherent(dd, 64, ring, rb);
	dma_release_channel(tx);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	rig_down(&r);
}

/* Pause stops the bytes and the residue; resume finishes; DMA_PAUSED in between. */
static void test_pause_resume(void **state)
{
	struct rig r;
	struct dma_chan *ch;
	dma_cap_mask_t mask;
	struct device *dd;
	u8 *a, *b;
	dma_addr_t da, db;
	dma_cookie_t ck;
	struct dma_tx_state ts;
	u32 res;

	rig_up(&r, NULL);
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	ch = dma_request_channel(mask, NULL, NULL);
	dd = dmaengine_get_dma_device(ch);
	a = dma_alloc_coherent(dd, 65536, &da, GFP_KERNEL);
	b = dma_alloc_coherent(dd, 65536, &db, GFP_KERNEL);
	memset(a, 0x5a, 65536);
	ck = dmaengine_submit(dmaengine_prep_dma_memcpy(ch, db, da, 65536, 0));
	dma_async_issue_pending(ch);
	dmasim_run_for(r.p, 200000);
	assert_int_equal(dmaengine_pause(ch), 0);
	assert_int_equal(dmaengine_tx_status(ch, ck, &ts), DMA_PAUSED);
	res = ts.residue;
	assert_true(res > 0 && res < 65536);
	dmasim_run_for(r.p, 1000000);
	assert_int_equal(dmaengine_tx_status(ch, ck, &ts), DMA_PAUSED);
	assert_int_equal(ts.residue, res);
	assert_int_equal(dmaengine_resume(ch), 0);
	dmasim_run_idle(r.p);
	assert_int_equal(dmaengine_tx_status(ch, ck, &ts), DMA_COMPLETE);
	assert_int_equal(ts.residue, 0);
	assert_memory_equal(a, b, 65536);
	dma_free_coherent(dd, 65536, a, da);
	dma_free_coherent(dd, 65536, b, db);
	dma_release_channel(ch);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	rig_down(&r);
}

/* Terminate mid-transfer: the bytes stop where they were, no callback, queue dropped. */
static void test_terminate_midway(void **state)
{
	struct rig r;
	struct dma_chan *ch;
	dma_cap_mask_t mask;
	struct device *dd;
	u8 *a, *b;
	dma_addr_t da, db;
	struct dma_async_tx_descriptor *t1, *t2;
	struct done d = { 0 };
	int copied = 0;

	rig_up(&r, NULL);
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	ch = dma_request_channel(mask, NULL, NULL);
	dd = dmaengine_get_dma_device(ch);
	a = dma_alloc_coherent(dd, 65536, &da, GFP_KERNEL);
	b = dma_alloc_coherent(dd, 65536, &db, GFP_KERNEL);
	memset(a, 0x11, 65536);
	memset(b, 0, 65536);
	t1 = dmaengine_prep_dma_memcpy(ch, db, da, 32768, DMA_PREP_INTERRUPT);
	t2 = dmaengine_prep_dma_memcpy(ch, db + 32768, da + 32768, 32768, DMA_PREP_INTERRUPT);
	t1->callback = t2->callback = cb_count;
	t1->callback_param = t2->callback_param = &d;
	dmaengine_submit(t1);
	dmaengine_submit(t2);
	dma_async_issue_pending(ch);
	dmasim_run_for(r.p, 100000); /* 100 us: ~10000 bytes */
	assert_int_equal(dmaengine_terminate_sync(ch), 0);
	dmasim_run_idle(r.p);
	assert_int_equal(d.calls, 0);
	for (int i = 0; i < 65536; i++)
		copied += b[i] == 0x11;
	assert_true(copied > 0 && copied < 32768);
	assert_int_equal(copied % 4096, 0);
	dma_free_coherent(dd, 65536, a, da);
	dma_free_coherent(dd, 65536, b, db);
	dma_release_channel(ch);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	rig_down(&r);
}

/* Interleaved: a 2-D copy (4 lines of 8 bytes with a stride of 16). */
static void test_interleaved(void **state)
{
	struct rig r;
	struct dma_chan *ch;
	dma_cap_mask_t mask;
	struct device *dd;
	u8 *a, *b;
	dma_addr_t da, db;
	struct dma_interleaved_template *xt;

	rig_up(&r, NULL);
	dma_cap_zero(mask);
	dma_cap_set(DMA_INTERLEAVE, mask);
	ch = dma_request_channel(mask, NULL, NULL);
	dd = dmaengine_get_dma_device(ch);
	a = dma_alloc_coherent(dd, 64, &da, GFP_KERNEL);
	b = dma_alloc_coherent(dd, 64, &db, GFP_KERNEL);
	for (int i = 0; i < 64; i++)
		a[i] = (u8)i;
	memset(b, 0, 64);
	xt = calloc(1, sizeof(*xt) + sizeof(struct data_chunk));
	xt->src_start = da;
	xt->dst_start = db;
	xt->dir = DMA_MEM_TO_MEM;
	xt->src_inc = xt->dst_inc = true;
	xt->src_sgl = true;
	xt->dst_sgl = false;
	xt->numf = 4;
	xt->frame_size = 1;
	xt->sgl[0].size = 8;
	xt->sgl[0].icg = 8;
	assert_int_equal(dma_sync_wait(ch, dmaengine_submit(dmaengine_prep_interleaved_dma(ch, xt, 0))), DMA_COMPLETE);
	for (int l = 0; l < 4; l++)
		assert_memory_equal(b + 8 * l, a + 16 * l, 8);
	assert_int_equal(b[32], 0);
	xt->numf = 0;
	assert_null(dmaengine_prep_interleaved_dma(ch, xt, 0));
	/* From a peripheral's FIFO (a fixed source) into every other 4 bytes. */
	{
		dma_addr_t fifo = dma_map_resource(dd, dmasim_fifo_phys(r.fifo), 1, DMA_TO_DEVICE, 0);
		u8 data[16];

		assert_false(dma_mapping_error(dd, fifo));
		for (int i = 0; i < 16; i++)
			data[i] = (u8)(0xc0 + i);
		memset(b, 0, 64);
		xt->src_start = fifo;
		xt->dst_start = db;
		xt->dir = DMA_DEV_TO_MEM;
		xt->src_inc = false;
		xt->dst_inc = true;
		xt->src_sgl = false;
		xt->dst_sgl = true;
		xt->numf = 4;
		xt->sgl[0].size = 4;
		xt->sgl[0].icg = 4;
		assert_int_equal(dmasim_fifo_produce(r.fifo, data, 16, 1000000), 0);
		assert_int_equal(dma_sync_wait(ch, dmaengine_submit(dmaengine_prep_interleaved_dma(ch, xt, 0))),
				 DMA_COMPLETE);
		for (int l = 0; l < 4; l++) {
			assert_memory_equal(b + 8 * l, data + 4 * l, 4);
			assert_int_equal(b[8 * l + 4], 0);
		}
		dma_unmap_resource(dd, fifo, 1, DMA_TO_DEVICE, 0);
	}
	free(xt);
	dma_free_coherent(dd, 64, a, da);
	dma_free_coherent(dd, 64, b, db);
	dma_release_channel(ch);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	rig_down(&r);
}

/* Descriptor reuse: a DMA_CTRL_REUSE descriptor is submitted again; others are not. */
static void test_reuse(void **state)
{
	struct rig r;
	struct dma_chan *ch;
	dma_cap_mask_t mask;
	struct device *dd;
	u8 *a;
	dma_addr_t da;
	struct dma_async_tx_descriptor *t, *once;
	dma_cookie_t c1, c2;

	rig_up(&r, NULL);
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMSET, mask);
	ch = dma_request_channel(mask, NULL, NULL);
	dd = dmaengine_get_dma_device(ch);
	a = dma_alloc_coherent(dd, 256, &da, GFP_KERNEL);
	t = dmaengine_prep_dma_memset(ch, da, 0x33, 256, 0);
	assert_int_equal(dmaengine_desc_free(t), -EPERM); /* not reusable */
	assert_int_equal(dmaengine_desc_set_reuse(t), 0);
	assert_true(dmaengine_desc_test_reuse(t));
	c1 = dmaengine_submit(t);
	assert_int_equal(dma_sync_wait(ch, c1), DMA_COMPLETE);
	assert_int_equal(a[255], 0x33);
	a[0] = 0;
	c2 = dmaengine_submit(t);
	assert_int_equal(c2, c1 + 1);
	assert_int_equal(dma_sync_wait(ch, c2), DMA_COMPLETE);
	assert_int_equal(a[0], 0x33);
	assert_int_equal(dmaengine_desc_free(t), 0);
	assert_int_equal(dmasim_debug_errors(r.p), 0);

	/* Misuse: a descriptor without reuse submitted again after it completed. */
	once = dmaengine_prep_dma_memset(ch, da, 0x44, 256, 0);
	assert_int_equal(dma_sync_wait(ch, dmaengine_submit(once)), DMA_COMPLETE);
	assert_true(dma_submit_error(dmaengine_submit(once)) < 0);
	assert_log_has("was freed when it completed");
	assert_int_equal(dmasim_debug_errors(r.p), 1);
	dma_free_coherent(dd, 256, a, da);
	dma_release_channel(ch);
	rig_down(&r);
}

/* Misuse: prep for slave without dmaengine_slave_config(); submit twice; not a descriptor. */
static void test_misuse_config_submit(void **state)
{
	struct rig r;
	struct dma_chan *tx;
	struct dma_async_tx_descriptor *t, fake = { 0 };
	struct dma_slave_config cfg = { 0 };
	dma_addr_t fifo;

	rig_up(&r, NULL);
	tx = dma_request_chan(r.client, "tx");
	assert_null(dmaengine_prep_slave_single(tx, 0x80000000, 16, DMA_MEM_TO_DEV, 0));
	assert_log_has("no dmaengine_slave_config()");
	assert_int_equal(dmasim_debug_errors(r.p), 1);
	/* The nearest correct sequence: configure first (no report). */
	fifo = dma_map_resource(dmaengine_get_dma_device(tx), dmasim_fifo_phys(r.fifo), 1, DMA_FROM_DEVICE, 0);
	assert_false(dma_mapping_error(dmaengine_get_dma_device(tx), fifo));
	cfg.dst_addr = fifo;
	cfg.dst_addr_width = DMA_SLAVE_BUSWIDTH_4_BYTES;
	assert_int_equal(dmaengine_slave_config(tx, &cfg), 0);
	/* Bad config values: -EINVAL, not counted. */
	cfg.dst_maxburst = 1000;
	assert_int_equal(dmaengine_slave_config(tx, &cfg), -EINVAL);
	cfg.dst_maxburst = 0;
	cfg.dst_addr_width = 5;
	assert_int_equal(dmaengine_slave_config(tx, &cfg), -EINVAL);
	assert_null(dmaengine_prep_slave_single(tx, 0x80000000, 6, DMA_MEM_TO_DEV, 0)); /* not a multiple of 4 */
	assert_null(dmaengine_prep_slave_single(tx, 0x80000000, 16, DMA_MEM_TO_MEM, 0));
	assert_int_equal(dmasim_debug_errors(r.p), 1);
	t = dmaengine_prep_slave_single(tx, 0x80000000, 16, DMA_MEM_TO_DEV, 0);
	assert_non_null(t);
	assert_int_equal(dmasim_debug_errors(r.p), 1);
	assert_true(dmaengine_submit(t) > 0);
	assert_int_equal(dmaengine_submit(t), -EINVAL);
	assert_log_has("already submitted");
	assert_int_equal(dmaengine_submit(&fake), -EINVAL);
	assert_log_has("is not a descriptor");
	assert_int_equal(dmasim_debug_errors(r.p), 3);
	dmaengine_terminate_sync(tx);
	dma_unmap_resource(dmaengine_get_dma_device(tx), fifo, 1, DMA_FROM_DEVICE, 0);
	dma_release_channel(tx);
	assert_int_equal(dmasim_debug_errors(r.p), 3);
	rig_down(&r);
}

/* Misuse: terminate_async then release without dmaengine_synchronize(). */
static void test_misuse_no_synchronize(void **state)
{
	struct rig r;
	struct dma_chan *ch;
	dma_cap_mask_t mask;
	u8 *a;
	dma_addr_t da;

	rig_up(&r, NULL);
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMSET, mask);
	/* Correct: terminate_async, synchronize, release. */
	ch = dma_request_channel(mask, NULL, NULL);
	a = dma_alloc_coherent(dmaengine_get_dma_device(ch), 65536, &da, GFP_KERNEL);
	dmaengine_submit(dmaengine_prep_dma_memset(ch, da, 1, 65536, 0));
	dma_async_issue_pending(ch);
	dmasim_run_for(r.p, 10000);
	assert_int_equal(dmaengine_terminate_async(ch), 0);
	dmaengine_synchronize(ch);
	dma_release_channel(ch);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	/* Misuse. */
	ch = dma_request_channel(mask, NULL, NULL);
	dmaengine_submit(dmaengine_prep_dma_memset(ch, da, 1, 65536, 0));
	dma_async_issue_pending(ch);
	dmasim_run_for(r.p, 10000);
	assert_int_equal(dmaengine_terminate_async(ch), 0);
	dma_release_channel(ch);
	assert_log_has("without dmaengine_synchronize()");
	assert_int_equal(dmasim_debug_errors(r.p), 1);
	/* And a release with the transfer still running. */
	ch = dma_request_channel(mask, NULL, NULL);
	dmaengine_submit(dmaengine_prep_dma_memset(ch, da, 1, 65536, 0));
	dma_async_issue_pending(ch);
	dma_release_channel(ch);
	assert_log_has("transfers still running");
	assert_int_equal(dmasim_debug_errors(r.p), 2);
	dma_release_channel(ch); /* twice */
	assert_log_has("used after dma_release_channel()");
	dma_free_coherent(r.ctrl_dev, 65536, a, da);
	rig_down(&r);
}

/* Misuse: a callback that sleeps (it runs in interrupt context), or synchronizes. */
static void cb_sleeps(void *arg)
{
	msleep(1);
}

static void cb_syncs(void *arg)
{
	dmaengine_terminate_sync(arg);
}

static void cb_submits(void *arg)
{
	struct dma_chan *ch = arg;
	struct done *d = ch->private;

	d->calls++;
	dmaengine_terminate_async(ch); /* allowed in the callback */
}

static void test_misuse_callback_context(void **state)
{
	struct rig r;
	struct dma_chan *ch;
	dma_cap_mask_t mask;
	struct dma_async_tx_descriptor *t;
	u8 *a;
	dma_addr_t da;
	struct done d = { 0 };

	rig_up(&r, NULL);
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMSET, mask);
	ch = dma_request_channel(mask, NULL, NULL);
	a = dma_alloc_coherent(dmaengine_get_dma_device(ch), 64, &da, GFP_KERNEL);
	/* Correct: a callback that only terminates asynchronously. */
	ch->private = &d;
	t = dmaengine_prep_dma_memset(ch, da, 1, 64, DMA_PREP_INTERRUPT);
	t->callback = cb_submits;
	t->callback_param = ch;
	dma_sync_wait(ch, dmaengine_submit(t));
	dmaengine_synchronize(ch);
	assert_int_equal(d.calls, 1);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	t = dmaengine_prep_dma_memset(ch, da, 1, 64, DMA_PREP_INTERRUPT);
	t->callback = cb_sleeps;
	dma_sync_wait(ch, dmaengine_submit(t));
	assert_log_has("sleeping function called from invalid context");
	assert_int_equal(dmasim_debug_errors(r.p), 1);
	t = dmaengine_prep_dma_memset(ch, da, 1, 64, DMA_PREP_INTERRUPT);
	t->callback = cb_syncs;
	t->callback_param = ch;
	dma_sync_wait(ch, dmaengine_submit(t));
	assert_log_has("dmaengine_synchronize");
	assert_int_equal(dmasim_debug_errors(r.p), 2);
	dmaengine_synchronize(ch);
	dma_free_coherent(dmaengine_get_dma_device(ch), 64, a, da);
	dma_release_channel(ch);
	rig_down(&r);
}

/* A bus error: a memcpy from an address the controller cannot reach ends with READ_FAILED. */
static void test_bus_error(void **state)
{
	struct rig r;
	struct dma_chan *ch;
	dma_cap_mask_t mask;
	struct dma_async_tx_descriptor *t;
	struct done d = { 0 };
	u8 *b;
	dma_addr_t db;

	rig_up(&r, NULL);
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	ch = dma_request_channel(mask, NULL, NULL);
	b = dma_alloc_coherent(dmaengine_get_dma_device(ch), 64, &db, GFP_KERNEL);
	t = dmaengine_prep_dma_memcpy(ch, db, 0x10, 64, DMA_PREP_INTERRUPT);
	t->callback_result = cb_result;
	t->callback_param = &d;
	assert_int_equal(dma_sync_wait(ch, dmaengine_submit(t)), DMA_COMPLETE);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.last, DMA_TRANS_READ_FAILED);
	assert_int_equal(d.residue, 64);
	assert_true(dmasim_debug_errors(r.p) >= 1); /* the device access is reported */
	dma_free_coherent(dmaengine_get_dma_device(ch), 64, b, db);
	dma_release_channel(ch);
	rig_down(&r);
}

/*
 * Misuse: a buffer mapped for the client instead of dmaengine_get_dma_device()
 * (client.rst): the controller cannot reach it; the device access is reported
 * and the transfer fails.  Mapped for the controller, no report.
 */
static void test_mapped_for_client(void **state)
{
	struct rig r;
	struct dma_chan *ch;
	dma_cap_mask_t mask;
	struct dma_async_tx_descriptor *t;
	struct done d = { 0 };
	u8 *a, *b;
	dma_addr_t da, db;

	rig_up(&r, NULL);
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	ch = dma_request_channel(mask, NULL, NULL);
	a = kmalloc(256, GFP_KERNEL);
	b = dma_alloc_coherent(r.ctrl_dev, 256, &db, GFP_KERNEL);
	memset(a, 0x42, 256);
	da = dma_map_single(dmaengine_get_dma_device(ch), a, 256, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(r.ctrl_dev, da));
	assert_int_equal(dma_sync_wait(ch, dmaengine_submit(dmaengine_prep_dma_memcpy(ch, db, da, 256, 0))),
			 DMA_COMPLETE);
	dma_unmap_single(r.ctrl_dev, da, 256, DMA_TO_DEVICE);
	assert_int_equal(b[255], 0x42);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	/* The misuse. */
	da = dma_map_single(r.client, a, 256, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(r.client, da));
	t = dmaengine_prep_dma_memcpy(ch, db, da, 256, DMA_PREP_INTERRUPT);
	t->callback_result = cb_result;
	t->callback_param = &d;
	assert_int_equal(dma_sync_wait(ch, dmaengine_submit(t)), DMA_COMPLETE);
	assert_int_equal(d.last, DMA_TRANS_READ_FAILED);
	assert_log_has("DMA-API: dmac:");
	assert_int_equal(dmasim_debug_errors(r.p), 1);
	dma_unmap_single(r.client, da, 256, DMA_TO_DEVICE);
	kfree(a);
	dma_free_coherent(r.ctrl_dev, 256, b, db);
	dma_release_channel(ch);
	rig_down(&r);
}

/*
 * Misuse behind an IOMMU: the FIFO's physical address given to the
 * controller without dma_map_resource() reaches nothing; the transfer ends
 * with DMA_TRANS_WRITE_FAILED and one report.  Mapped, it works (no report).
 */
static void test_fifo_unmapped_behind_iommu(void **state)
{
	struct rig r;
	struct dma_chan *tx;
	struct device *dd;
	struct dma_slave_config cfg = { 0 };
	struct dma_async_tx_descriptor *t;
	struct done d = { 0 };
	u8 *buf;
	dma_addr_t db, fifo;

	rig_up(&r, "iommu=on");
	tx = dma_request_chan(r.client, "tx");
	dd = dmaengine_get_dma_device(tx);
	buf = dma_alloc_coherent(dd, 16, &db, GFP_KERNEL);
	cfg.dst_addr_width = DMA_SLAVE_BUSWIDTH_1_BYTE;
	/* Correct: the IOVA of the FIFO. */
	fifo = dma_map_resource(dd, dmasim_fifo_phys(r.fifo), 1, DMA_FROM_DEVICE, 0);
	assert_false(dma_mapping_error(dd, fifo));
	assert_int_not_equal(fifo, dmasim_fifo_phys(r.fifo));
	cfg.dst_addr = fifo;
	assert_int_equal(dmaengine_slave_config(tx, &cfg), 0);
	t = dmaengine_prep_slave_single(tx, db, 16, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT);
	t->callback_result = cb_result;
	t->callback_param = &d;
	assert_int_equal(dma_sync_wait(tx, dmaengine_submit(t)), DMA_COMPLETE);
	assert_int_equal(d.last, DMA_TRANS_NOERROR);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	/* Misuse: the physical address. */
	cfg.dst_addr = dmasim_fifo_phys(r.fifo);
	assert_int_equal(dmaengine_slave_config(tx, &cfg), 0);
	t = dmaengine_prep_slave_single(tx, db, 16, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT);
	t->callback_result = cb_result;
	t->callback_param = &d;
	assert_int_equal(dma_sync_wait(tx, dmaengine_submit(t)), DMA_COMPLETE);
	assert_int_equal(d.last, DMA_TRANS_WRITE_FAILED);
	assert_int_equal(d.residue, 16);
	assert_log_has("reaches no FIFO wired to the controller");
	assert_int_equal(dmasim_debug_errors(r.p), 1);
	dma_unmap_resource(dd, fifo, 1, DMA_FROM_DEVICE, 0);
	dma_free_coherent(dd, 16, buf, db);
	dma_release_channel(tx);
	rig_down(&r);
}

/* Deterministic stepping: the same seed gives the same interleaving of two channels. */
struct order {
	char log[256];
	size_t n;
};

static void cb_tag(void *arg, const struct dmaengine_result *res)
{
	struct order *o = *(struct order **)arg;
	char tag = ((char *)arg)[sizeof(struct order *)];

	if (o->n < sizeof(o->log) - 1)
		o->log[o->n++] = tag;
}

static void run_order(const char *spec, struct order *o)
{
	struct rig r;
	dma_cap_mask_t mask;
	struct dma_chan *c1, *c2;
	u8 *a;
	dma_addr_t da;
	struct { struct order *o; char tag; } p1 = { o, 'a' }, p2 = { o, 'b' };

	memset(o, 0, sizeof(*o));
	rig_up(&r, spec);
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMSET, mask);
	c1 = dma_request_channel(mask, NULL, NULL);
	c2 = dma_request_channel(mask, NULL, NULL);
	a = dma_alloc_coherent(r.ctrl_dev, 8192, &da, GFP_KERNEL);
	for (int i = 0; i < 6; i++) {
		struct dma_async_tx_descriptor *t1 = dmaengine_prep_dma_memset(c1, da, i, 4096, DMA_PREP_INTERRUPT);
		struct dma_async_tx_descriptor *t2 = dmaengine_prep_dma_memset(c2, da + 4096, i, 4096, DMA_PREP_INTERRUPT);

		t1->callback_result = t2->callback_result = cb_tag;
		t1->callback_param = &p1;
		t2->callback_param = &p2;
		dmaengine_submit(t1);
		dmaengine_submit(t2);
	}
	dma_async_issue_pending(c1);
	dma_async_issue_pending(c2);
	while (dmasim_step(r.p) > 0)
		;
	dma_free_coherent(r.ctrl_dev, 8192, a, da);
	dma_release_channel(c1);
	dma_release_channel(c2);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	rig_down(&r);
}

static void test_deterministic_order(void **state)
{
	struct order o1, o2;

	run_order("seed=7", &o1);
	run_order("seed=7", &o2);
	assert_int_equal(o1.n, 12);
	assert_string_equal(o1.log, o2.log);
}

/* Threaded mode: the same transfers complete, the callbacks on the interrupt thread. */
static void test_threaded(void **state)
{
	struct rig r;
	struct dma_chan *ch;
	dma_cap_mask_t mask;
	u8 *a, *b;
	dma_addr_t da, db;
	struct dma_async_tx_descriptor *t;
	struct done d = { 0 };

	rig_up(&r, "exec=threaded");
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	ch = dma_request_channel(mask, NULL, NULL);
	a = dma_alloc_coherent(r.ctrl_dev, 16384, &da, GFP_KERNEL);
	b = dma_alloc_coherent(r.ctrl_dev, 16384, &db, GFP_KERNEL);
	memset(a, 0x77, 16384);
	for (int i = 0; i < 4; i++) {
		t = dmaengine_prep_dma_memcpy(ch, db + 4096 * i, da + 4096 * i, 4096, DMA_PREP_INTERRUPT);
		t->callback_result = cb_result;
		t->callback_param = &d;
		dmaengine_submit(t);
	}
	assert_int_equal(dma_sync_wait(ch, ch->cookie), DMA_COMPLETE);
	dmaengine_terminate_sync(ch); /* waits for the last callback */
	assert_int_equal(__atomic_load_n(&d.calls, __ATOMIC_ACQUIRE), 4);
	assert_memory_equal(a, b, 16384);
	dma_free_coherent(r.ctrl_dev, 16384, a, da);
	dma_free_coherent(r.ctrl_dev, 16384, b, db);
	dma_release_channel(ch);
	assert_int_equal(dmasim_debug_errors(r.p), 0);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_release),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_memcpy_cookies),
		cmocka_unit_test(test_slave_tx_fifo),
		cmocka_unit_test(test_slave_rx_sg),
		cmocka_unit_test(test_overrun_and_flow_control),
		cmocka_unit_test(test_cyclic_periods),
		cmocka_unit_test(test_pause_resume),
		cmocka_unit_test(test_terminate_midway),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_misuse_config_submit),
		cmocka_unit_test(test_misuse_no_synchronize),
		cmocka_unit_test(test_misuse_callback_context),
		cmocka_unit_test(test_bus_error),
		cmocka_unit_test(test_fifo_unmapped_behind_iommu),
		cmocka_unit_test(test_mapped_for_client),
		cmocka_unit_test(test_deterministic_order),
		cmocka_unit_test(test_threaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
