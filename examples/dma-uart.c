/*
 * examples/dma-uart.c - a UART driver that moves its bytes by DMA in both
 * directions: transmit from a scatterlist of two kmalloc'ed buffers
 * (dmaengine_prep_slave_sg(), DMA_MEM_TO_DEV), receive into one
 * streaming-mapped buffer (dmaengine_prep_slave_single(), DMA_DEV_TO_MEM).
 * The UART has a 16-byte FIFO each way and runs at 115200 baud (11520
 * bytes a second, in virtual time); the controller bursts 4 bytes when the
 * FIFO has the room or the data, so the transfer is paced by the line.
 * The FIFOs' physical addresses go to the controller through
 * dma_map_resource(): behind an IOMMU (DMASIM_SPEC=iommu=on) they are IOVAs.
 *
 * What to see: the bus addresses (Z) of the buffers and of the FIFOs, the
 * receive residue shrinking as bytes arrive, both callbacks, and the bytes.
 */
#include <stdio.h>
#include <string.h>

#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <dmasim/dma-controller.h>
#include <dmasim/dmasim.h>

#define BAUD_BYTES 11520
#define RX_LEN 24

struct uart {
	struct device *dev;
	struct dma_chan *tx, *rx;
	struct completion tx_done, rx_done;
};

static void tx_complete(void *arg)
{
	struct uart *u = arg;

	printf("[%8.3f ms] tx callback\n", ktime_get_ns() / 1e6);
	complete(&u->tx_done);
}

static void rx_complete(void *arg, const struct dmaengine_result *res)
{
	struct uart *u = arg;

	printf("[%8.3f ms] rx callback: result %d, residue %u\n", ktime_get_ns() / 1e6, res->result, res->residue);
	complete(&u->rx_done);
}

static int uart_config(struct dma_chan *chan, enum dma_transfer_direction dir, dma_addr_t fifo)
{
	struct dma_slave_config cfg = { .direction = dir };

	if (dir == DMA_MEM_TO_DEV) {
		cfg.dst_addr = fifo;
		cfg.dst_addr_width = DMA_SLAVE_BUSWIDTH_1_BYTE;
		cfg.dst_maxburst = 4;
	} else {
		cfg.src_addr = fifo;
		cfg.src_addr_width = DMA_SLAVE_BUSWIDTH_1_BYTE;
		cfg.src_maxburst = 4;
	}
	return dmaengine_slave_config(chan, &cfg);
}

int main(void)
{
	static const char *msg[2] = { "AT+GMR\r\n", "AT+CWMODE=1\r\n" };
	static const char reply[RX_LEN + 1] = "OK v2.2.0 ready\r\nOK\r\n\r\n\r";
	struct dmasim_platform *p = dmasim_platform_create("");
	struct dmasim_dma_controller *dmac;
	struct dmasim_fifo *txf, *rxf;
	struct device *ctrl, *dd;
	struct uart u = { 0 };
	struct scatterlist sg[2];
	struct dma_async_tx_descriptor *d;
	struct dma_tx_state st;
	dma_addr_t txfifo, rxfifo, rxbuf;
	dma_cookie_t rx_cookie;
	char *buf[2], *rx, sent[64] = "";
	size_t total = 0;
	int ret = 1;

	if (!p)
		return 1;
	ctrl = dmasim_device_create(p, "name=dmac");
	u.dev = dmasim_device_create(p, "name=ttyS0");
	dmac = dmasim_dma_generic_create(ctrl, &(struct dmasim_dma_generic_cfg){
		.name = "dma0", .nr_channels = 4, .irq = 32 });
	txf = dmasim_fifo_create(p, "ttyS0-tx", 1, 16);
	rxf = dmasim_fifo_create(p, "ttyS0-rx", 1, 16);
	if (!dmac || !txf || !rxf || dmasim_dma_connect_fifo(dmac, 8, txf) || dmasim_dma_connect_fifo(dmac, 9, rxf) ||
	    dmasim_dma_slave_map_add(u.dev, "tx", dmac, -1, 8) || dmasim_dma_slave_map_add(u.dev, "rx", dmac, -1, 9))
		return 1;

	/* probe(): the channels, the FIFOs' addresses for the controller. */
	u.tx = dma_request_chan(u.dev, "tx");
	u.rx = dma_request_chan(u.dev, "rx");
	if (IS_ERR(u.tx) || IS_ERR(u.rx))
		return 1;
	dd = dmaengine_get_dma_device(u.tx);
	txfifo = dma_map_resource(dd, dmasim_fifo_phys(txf), 1, DMA_FROM_DEVICE, 0);
	rxfifo = dma_map_resource(dd, dmasim_fifo_phys(rxf), 1, DMA_TO_DEVICE, 0);
	if (dma_mapping_error(dd, txfifo) || dma_mapping_error(dd, rxfifo) ||
	    uart_config(u.tx, DMA_MEM_TO_DEV, txfifo) || uart_config(u.rx, DMA_DEV_TO_MEM, rxfifo))
		return 1;
	printf("tx FIFO phys 0x%llx -> bus 0x%llx, rx FIFO phys 0x%llx -> bus 0x%llx (for %s)\n",
	       (unsigned long long)dmasim_fifo_phys(txf), (unsigned long long)txfifo,
	       (unsigned long long)dmasim_fifo_phys(rxf), (unsigned long long)rxfifo, dev_name(dd));
	init_completion(&u.tx_done);
	init_completion(&u.rx_done);

	/* Receive first (the modem answers), then send two buffers in one go. */
	rx = kzalloc(RX_LEN + 1, GFP_KERNEL);
	rxbuf = dma_map_single(dd, rx, RX_LEN, DMA_FROM_DEVICE);
	if (dma_mapping_error(dd, rxbuf))
		return 1;
	d = dmaengine_prep_slave_single(u.rx, rxbuf, RX_LEN, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT);
	if (!d)
		return 1;
	d->callback_result = rx_complete;
	d->callback_param = &u;
	rx_cookie = dmaengine_submit(d);
	dma_async_issue_pending(u.rx);

	sg_init_table(sg, 2);
	for (int i = 0; i < 2; i++) {
		buf[i] = kmalloc(strlen(msg[i]), GFP_KERNEL);
		memcpy(buf[i], msg[i], strlen(msg[i]));
		sg_set_buf(&sg[i], buf[i], strlen(msg[i]));
		total += strlen(msg[i]);
	}
	if (dma_map_sg(dd, sg, 2, DMA_TO_DEVICE) != 2)
		return 1;
	printf("tx: sg bus 0x%llx (%u bytes) and 0x%llx (%u bytes)\n", (unsigned long long)sg_dma_address(&sg[0]),
	       sg_dma_len(&sg[0]), (unsigned long long)sg_dma_address(&sg[1]), sg_dma_len(&sg[1]));
	d = dmaengine_prep_slave_sg(u.tx, sg, 2, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT);
	if (!d)
		return 1;
	d->callback = tx_complete;
	d->callback_param = &u;
	if (dma_submit_error(dmaengine_submit(d)))
		return 1;
	dma_async_issue_pending(u.tx);

	/* The line: the UART shifts bytes out and in at 115200 baud. */
	dmasim_fifo_consume(txf, total, BAUD_BYTES);
	dmasim_fifo_produce(rxf, reply, RX_LEN, BAUD_BYTES);
	dmasim_run_for(p, 1000000);
	dmaengine_tx_status(u.rx, rx_cookie, &st);
	printf("[%8.3f ms] rx residue %u of %d\n", ktime_get_ns() / 1e6, st.residue, RX_LEN);
	if (!wait_for_completion_timeout(&u.tx_done, HZ) || !wait_for_completion_timeout(&u.rx_done, HZ))
		return 1;
	dma_unmap_sg(dd, sg, 2, DMA_TO_DEVICE);
	dma_unmap_single(dd, rxbuf, RX_LEN, DMA_FROM_DEVICE);
	dmasim_run_idle(p); /* the last bytes leave the FIFO */
	dmasim_fifo_sink(txf, sent, sizeof(sent) - 1);
	printf("sent:     \"%.*s\\r\\n%.*s\\r\\n\"\n", 6, sent, 11, sent + 8);
	printf("received: %d bytes, \"%.15s...\"\n", RX_LEN, rx);
	ret = memcmp(rx, reply, RX_LEN) || memcmp(sent, "AT+GMR\r\nAT+CWMODE=1\r\n", total);

	dma_unmap_resource(dd, txfifo, 1, DMA_FROM_DEVICE, 0);
	dma_unmap_resource(dd, rxfifo, 1, DMA_TO_DEVICE, 0);
	kfree(buf[0]);
	kfree(buf[1]);
	kfree(rx);
	dma_release_channel(u.tx);
	dma_release_channel(u.rx);
	dmasim_dma_generic_destroy(dmac);
	dmasim_fifo_destroy(txf);
	dmasim_fifo_destroy(rxf);
	if (dmasim_debug_errors(p))
		ret = 1;
	dmasim_platform_destroy(p);
	return ret;
}
