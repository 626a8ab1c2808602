/*
 * examples/dma-audio.c - cyclic playback, as an ALSA driver over dmaengine
 * does it: a ring of 4 periods in coherent memory, one cyclic descriptor
 * (dmaengine_prep_dma_cyclic()) that moves it period by period, forever,
 * into a codec's FIFO; the period callback (interrupt context) advances the
 * driver's position and refills the period just played; the position
 * between callbacks comes from the residue (dmaengine_tx_status()), as a
 * pcm pointer() callback reads it.  The codec is a simulated FIFO that
 * plays 16-bit stereo frames at 48 kHz (192000 bytes a second) in virtual
 * time; a late refill or a slow controller would show as underruns.
 *
 * What to see: a callback every 5 ms of virtual time, the residue counting
 * down within a period, and the codec's output being exactly the stream the
 * driver wrote, with no underrun.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <dmasim/dma-controller.h>
#include <dmasim/dmasim.h>

#define RATE 48000
#define FRAME 4                      /* 16-bit stereo */
#define PERIOD (RATE / 200 * FRAME)  /* 5 ms: 960 bytes */
#define PERIODS 4
#define PLAY_PERIODS 12
#define CODEC_LINE 2

struct snd {
	u8 *ring;
	unsigned int next_sample; /* the stream's next frame to write */
	unsigned int played;      /* periods played (the callback's count) */
};

/* The stream: frame n holds n in both channels (so the output is checkable). */
static void fill_period(struct snd *s, unsigned int period)
{
	u16 *f = (u16 *)(s->ring + period * PERIOD);

	for (unsigned int i = 0; i < PERIOD / FRAME; i++, s->next_sample++) {
		f[2 * i] = (u16)s->next_sample;
		f[2 * i + 1] = (u16)~s->next_sample;
	}
}

/* The period callback: interrupt context; refill the period just played. */
static void period_elapsed(void *arg)
{
	struct snd *s = arg;

	fill_period(s, s->played % PERIODS);
	s->played++;
	printf("[%8.3f ms] period %2u elapsed\n", ktime_get_ns() / 1e6, s->played);
}

int main(void)
{
	struct dmasim_platform *p = dmasim_platform_create("");
	struct dmasim_dma_controller *dmac = NULL;
	struct dmasim_fifo *codec_fifo = NULL;
	struct device *ctrl, *codec;
	struct dma_chan *chan = NULL;
	struct dma_slave_config cfg = { 0 };
	struct dma_async_tx_descriptor *tx;
	struct dma_tx_state st;
	struct dmasim_fifo_stats fs;
	struct snd s = { 0 };
	dma_addr_t ring_dma = 0, fifo_dma = DMA_MAPPING_ERROR;
	dma_cookie_t cookie;
	u16 *out = NULL;
	size_t n;
	int ret = 1;

	if (!p)
		return 1;
	/* The board: a controller, a codec with a 64-frame FIFO on request line 2. */
	ctrl = dmasim_device_create(p, "name=dmac");
	codec = dmasim_device_create(p, "name=codec0");
	dmac = dmasim_dma_generic_create(ctrl, &(struct dmasim_dma_generic_cfg){
		.name = "dma0", .nr_channels = 4, .irq = 31, .bandwidth = 50000000 });
	codec_fifo = dmasim_fifo_create(p, "codec0-fifo", FRAME, 64);
	if (!dmac || !codec_fifo || dmasim_dma_connect_fifo(dmac, CODEC_LINE, codec_fifo) ||
	    dmasim_dma_slave_map_add(codec, "tx", dmac, -1, CODEC_LINE))
		goto out;

	/* The driver's probe and prepare. */
	chan = dma_request_chan(codec, "tx");
	if (IS_ERR(chan)) {
		chan = NULL;
		goto out;
	}
	s.ring = dma_alloc_coherent(dmaengine_get_dma_device(chan), PERIOD * PERIODS, &ring_dma, GFP_KERNEL);
	fifo_dma = dma_map_resource(dmaengine_get_dma_device(chan), dmasim_fifo_phys(codec_fifo), FRAME,
				    DMA_FROM_DEVICE, 0);
	if (!s.ring || dma_mapping_error(dmaengine_get_dma_device(chan), fifo_dma))
		goto out;
	for (unsigned int i = 0; i < PERIODS; i++)
		fill_period(&s, i);
	cfg.direction = DMA_MEM_TO_DEV;
	cfg.dst_addr = fifo_dma;
	cfg.dst_addr_width = DMA_SLAVE_BUSWIDTH_4_BYTES;
	cfg.dst_maxburst = 8;
	if (dmaengine_slave_config(chan, &cfg))
		goto out;
	tx = dmaengine_prep_dma_cyclic(chan, ring_dma, PERIOD * PERIODS, PERIOD, DMA_MEM_TO_DEV,
				       DMA_PREP_INTERRUPT);
	if (!tx)
		goto out;
	tx->callback = period_elapsed;
	tx->callback_param = &s;
	printf("ring: %d periods of %d bytes at bus 0x%llx; codec FIFO at phys 0x%llx, bus 0x%llx\n", PERIODS,
	       PERIOD, (unsigned long long)ring_dma, (unsigned long long)dmasim_fifo_phys(codec_fifo),
	       (unsigned long long)fifo_dma);

	/* trigger(START): the codec plays, the channel runs. */
	cookie = dmaengine_submit(tx);
	if (dma_submit_error(cookie))
		goto out;
	dma_async_issue_pending(chan);
	dmasim_fifo_consume(codec_fifo, (size_t)PERIOD * (PLAY_PERIODS + 1), RATE * FRAME);
	while (s.played < PLAY_PERIODS) {
		dmasim_run_for(p, 2000000);
		dmaengine_tx_status(chan, cookie, &st);
		printf("[%8.3f ms] pointer(): residue %4u, position %4u of the ring\n", ktime_get_ns() / 1e6,
		       st.residue, PERIOD * PERIODS - st.residue);
	}
	/* trigger(STOP). */
	dmaengine_terminate_sync(chan);
	dmasim_fifo_consume(codec_fifo, 0, 0);
	dmasim_fifo_stats(codec_fifo, &fs);
	out = malloc(fs.consumed);
	n = out ? dmasim_fifo_sink(codec_fifo, out, fs.consumed) / FRAME : 0;
	ret = n < (size_t)PLAY_PERIODS * PERIOD / FRAME || fs.underruns;
	for (size_t i = 0; i < n && !ret; i++)
		if (out[2 * i] != (u16)i || out[2 * i + 1] != (u16)~i)
			ret = 1;
	printf("codec played %zu frames (%.1f ms), %llu underruns: %s\n", n, n * 1000.0 / RATE,
	       (unsigned long long)fs.underruns, ret ? "WRONG" : "the stream, intact");
out:
	free(out);
	if (chan) {
		if (fifo_dma != DMA_MAPPING_ERROR && !dma_mapping_error(dmaengine_get_dma_device(chan), fifo_dma))
			dma_unmap_resource(dmaengine_get_dma_device(chan), fifo_dma, FRAME, DMA_FROM_DEVICE, 0);
		if (s.ring)
			dma_free_coherent(dmaengine_get_dma_device(chan), PERIOD * PERIODS, s.ring, ring_dma);
		dma_release_channel(chan);
	}
	dmasim_dma_generic_destroy(dmac);
	dmasim_fifo_destroy(codec_fifo);
	if (dmasim_debug_errors(p))
		ret = 1;
	dmasim_platform_destroy(p);
	return ret;
}
