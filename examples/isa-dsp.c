/*
 * examples/isa-dsp.c - an ISA sound card driver prototype over the PC's 8237
 * DMA controller, written from LDD3's ISA DMA section: request_dma() and
 * request_irq() at open; for each transfer, under claim_dma_lock(),
 * disable_dma(), clear_dma_ff(), set_dma_mode(), set_dma_addr(),
 * set_dma_count(), enable_dma(), release_dma_lock(); an interrupt per block.
 *
 * The card is a Sound Blaster-like DSP (a device model in this file): ports
 * 0x220-0x22f, IRQ 5 (edge), DMA channel 1.  The driver writes DSP commands
 * to port 0x22c (0x40 time constant, 0x48 block size, 0x1c auto-init
 * playback, 0x2c auto-init recording, 0xda exit auto-init); reading port
 * 0x22e acknowledges the interrupt.  The DSP drives DREQ of channel 1 at its
 * sample rate and interrupts after each block; the 8237 runs in auto-init
 * mode over a buffer of two blocks, so the driver refills (or reads) one half
 * while the DSP plays (or records) the other.  The buffer is
 * kmalloc(GFP_DMA): ZONE_DMA, below 16 MiB, which the 8237's 24 address bits
 * reach.
 *
 * What a student should see: the buffer's three addresses (CPU virtual X,
 * physical Y, ISA bus Z = isa_virt_to_bus()), MAX_DMA_ADDRESS, the
 * registers programmed, each interrupt with the residue the 8237 reports,
 * the terminal count at the end of the buffer, and that the bytes played and
 * recorded are the bytes in memory.  It runs in exec=deterministic (virtual
 * timestamps, the same every run) and exec=threaded.  On a machine with no
 * RAM below 16 MiB (no ISA DMA there) it says so and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <asm/dma.h>
#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/ktime.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <dmasim/dmasim.h>
#include <dmasim/isa.h>

#define DSP_BASE 0x220
#define DSP_WRITE 0x0c  /* command and data port */
#define DSP_ACK 0x0e    /* read: acknowledge the 8-bit DMA interrupt */
#define DSP_IRQ 5
#define DSP_DMA 1
#define BLOCK 512       /* bytes per interrupt */
#define BUFSZ (2 * BLOCK)
#define NBLOCKS 4       /* blocks played, then recorded */
#define CHUNK 16        /* samples the DSP moves per event */
#define TIME_CONSTANT 233 /* 256 - 1000000/rate: about 43.5 kHz */

/* ---- the device model: a Sound Blaster-like DSP --------------------------------- */

struct dsp_hw {
	struct dmasim_model *m;
	u8 cmd, args[2];
	unsigned int nargs, want;
	unsigned int tc;           /* time constant */
	unsigned int block;        /* bytes per interrupt */
	int running;               /* 0, 'p'lay or 'r'ecord */
	bool last;                 /* 0xda: stop at the end of this block */
	unsigned int in_block;     /* bytes of the current block done */
	unsigned int tcs;          /* terminal counts seen */
	unsigned char played[NBLOCKS * BLOCK];
	unsigned int nplayed;
	unsigned int nrecorded;    /* bytes generated */
};

static u64 sample_ns(const struct dsp_hw *hw)
{
	return (256u - hw->tc) * 1000ull;
}

static unsigned char rec_sample(unsigned int i)
{
	return (unsigned char)(0x80 + (i % 64) - 32); /* a sawtooth from the "microphone" */
}

static void dsp_tick(struct dmasim_model *m, void *arg);

/* The block is done: interrupt once its bytes are through the 8237 (the FIFO drained). */
static void dsp_block_done(struct dmasim_model *m, void *arg)
{
	struct dsp_hw *hw = arg;

	if (hw->running == 'r' && dmasim_isa_dma_pending(m, DSP_DMA)) {
		dmasim_model_schedule(m, DMASIM_ISA_CYCLE_NS, dsp_block_done, hw, "dsp fifo");
		return;
	}
	dmasim_irq_raise(m, DSP_IRQ);
	if (hw->last) {
		hw->running = 0;
		dmasim_isa_dma_cancel(m, DSP_DMA);
		return;
	}
	if (hw->running == 'p')
		dmasim_isa_dma_request(m, DSP_DMA, CHUNK); /* DREQ for the next chunk */
	dmasim_model_schedule(m, CHUNK * sample_ns(hw), dsp_tick, hw, "dsp samples");
}

static void dsp_tick(struct dmasim_model *m, void *arg)
{
	struct dsp_hw *hw = arg;
	unsigned char buf[CHUNK];
	unsigned int n = CHUNK;

	if (!hw->running)
		return;
	if (hw->running == 'p') {
		n = (unsigned int)dmasim_isa_dma_pull(m, DSP_DMA, buf, CHUNK);
		for (unsigned int i = 0; i < n && hw->nplayed < sizeof(hw->played); i++)
			hw->played[hw->nplayed++] = buf[i];
	} else {
		for (unsigned int i = 0; i < CHUNK; i++)
			buf[i] = rec_sample(hw->nrecorded++);
		dmasim_isa_dma_push(m, DSP_DMA, buf, CHUNK);
	}
	hw->in_block += n;
	if (hw->in_block >= hw->block) {
		hw->in_block = 0;
		dsp_block_done(m, hw);
		return;
	}
	if (hw->running == 'p')
		dmasim_isa_dma_request(m, DSP_DMA, CHUNK); /* DREQ for the next chunk */
	dmasim_model_schedule(m, CHUNK * sample_ns(hw), dsp_tick, hw, "dsp samples");
}

static void dsp_tc(struct dmasim_model *m, void *arg)
{
	struct dsp_hw *hw = arg;

	hw->tcs++;
	printf("  [%9.3f us] 8237: terminal count on channel %d (the end of the buffer; auto-init "
	       "starts it again)\n", dmasim_time_ns(dmasim_model_platform(m)) / 1000.0, DSP_DMA);
}

static void dsp_command(struct dsp_hw *hw)
{
	switch (hw->cmd) {
	case 0x40:
		hw->tc = hw->args[0];
		break;
	case 0x48:
		hw->block = (hw->args[0] | hw->args[1] << 8) + 1u;
		break;
	case 0x1c: /* auto-init playback */
	case 0x2c: /* auto-init recording */
		hw->running = hw->cmd == 0x1c ? 'p' : 'r';
		hw->last = false;
		hw->in_block = 0;
		if (hw->running == 'p')
			dmasim_isa_dma_request(hw->m, DSP_DMA, CHUNK);
		dmasim_model_schedule(hw->m, CHUNK * sample_ns(hw), dsp_tick, hw, "dsp samples");
		break;
	case 0xda: /* exit auto-init at the end of the block */
		hw->last = true;
		break;
	case 0xd0: /* halt */
		hw->running = 0;
		dmasim_isa_dma_cancel(hw->m, DSP_DMA);
		break;
	}
}

static void dsp_write(struct dmasim_window *w, u64 off, u64 val, unsigned int size)
{
	struct dsp_hw *hw = dmasim_window_priv(w);

	if (off != DSP_WRITE)
		return;
	if (hw->nargs < hw->want) {
		hw->args[hw->nargs++] = (u8)val;
	} else {
		hw->cmd = (u8)val;
		hw->nargs = 0;
		hw->want = hw->cmd == 0x40 ? 1 : hw->cmd == 0x48 ? 2 : 0;
	}
	if (hw->nargs == hw->want)
		dsp_command(hw);
}

static u64 dsp_read(struct dmasim_window *w, u64 off, unsigned int size)
{
	return off == DSP_ACK ? 0xff : 0xaa; /* 0x22e: the read acknowledges the interrupt */
}

/* ---- the driver ------------------------------------------------------------------- */

struct dsp {
	unsigned char *buf;        /* the DMA buffer: two blocks */
	int recording;
	unsigned int blocks;       /* interrupts handled */
	unsigned int refill;       /* next playback block to write into the buffer */
	struct completion done;
};

static void fill_block(struct dsp *d, unsigned int k)
{
	unsigned char *half = d->buf + (k % 2) * BLOCK;

	for (unsigned int i = 0; i < BLOCK; i++)
		half[i] = (unsigned char)(k * 37 + i);
}

/* LDD3's dad_dma_prepare(): program the channel, under the DMA lock. */
static void dsp_dma_prepare(struct dsp *d, char mode)
{
	unsigned long flags = claim_dma_lock();
	unsigned int bus = (unsigned int)isa_virt_to_bus(d->buf);

	disable_dma(DSP_DMA);
	clear_dma_ff(DSP_DMA);
	set_dma_mode(DSP_DMA, mode);
	set_dma_addr(DSP_DMA, bus);
	set_dma_count(DSP_DMA, BUFSZ);
	enable_dma(DSP_DMA);
	release_dma_lock(flags);
	printf("  8237 channel %d: mode 0x%02x (%s, auto-init, single), page 0x%02x, address 0x%04x, "
	       "count 0x%04x (bytes - 1)\n", DSP_DMA, (u8)mode | DSP_DMA,
	       mode & 0x04 ? "write transfer: to memory" : "read transfer: from memory",
	       bus >> 16, bus & 0xffff, BUFSZ - 1);
}

static irqreturn_t dsp_interrupt(int irq, void *dev_id)
{
	struct dsp *d = dev_id;
	unsigned long flags;
	int residue;

	inb(DSP_BASE + DSP_ACK); /* acknowledge */
	flags = claim_dma_lock();
	residue = get_dma_residue(DSP_DMA);
	release_dma_lock(flags);
	d->blocks++;
	printf("  [%9.3f us] irq %d: block %u %s, 8237 residue %d bytes\n", ktime_get() / 1000.0,
	       irq, d->blocks, d->recording ? "recorded" : "played", residue);
	if (!d->recording && d->refill < NBLOCKS) /* the half just played gets the next block */
		fill_block(d, d->refill++);
	if (d->blocks == NBLOCKS - 1)
		outb(0xda, DSP_BASE + DSP_WRITE); /* stop after the next block */
	if (d->blocks == NBLOCKS)
		complete(&d->done);
	return IRQ_HANDLED;
}

static void dsp_cmd(u8 cmd)
{
	outb(cmd, DSP_BASE + DSP_WRITE);
}

static int dsp_run(struct dsp *d, int recording)
{
	unsigned long left;

	d->recording = recording;
	d->blocks = 0;
	reinit_completion(&d->done);
	dsp_dma_prepare(d, (char)((recording ? DMA_MODE_READ : DMA_MODE_WRITE) | DMA_AUTOINIT));
	dsp_cmd(0x40);
	dsp_cmd(TIME_CONSTANT);
	dsp_cmd(0x48);
	dsp_cmd((BLOCK - 1) & 0xff);
	dsp_cmd((BLOCK - 1) >> 8);
	dsp_cmd(recording ? 0x2c : 0x1c);
	left = wait_for_completion_timeout(&d->done, msecs_to_jiffies(2000));
	{
		unsigned long flags = claim_dma_lock();

		disable_dma(DSP_DMA);
		release_dma_lock(flags);
	}
	return left ? 0 : -ETIMEDOUT;
}

static int run(const char *mode)
{
	char spec[32];
	struct dmasim_platform *p;
	struct dsp_hw *hw = NULL;
	struct dsp d = { 0 };
	unsigned long y;
	int ret = 1, err;

	snprintf(spec, sizeof(spec), "exec=%s", mode);
	p = dmasim_platform_create(spec);
	if (!p)
		return 1;
	printf("== exec=%s ==\n", mode);
	init_completion(&d.done);

	/* The buffer: ZONE_DMA, below MAX_DMA_ADDRESS. */
	d.buf = kmalloc(BUFSZ, GFP_DMA);
	y = d.buf ? (unsigned long)virt_to_phys(d.buf) : 0;
	if (!d.buf || y + BUFSZ > 0x1000000ul) {
		printf("this machine has no RAM below 16 MiB (no ZONE_DMA): the 8237 cannot reach "
		       "any buffer; skipped\n");
		kfree(d.buf);
		dmasim_platform_destroy(p);
		return 0;
	}
	printf("buffer: X %p  Y 0x%lx  Z 0x%lx (isa_virt_to_bus)\n", (void *)d.buf, y,
	       isa_virt_to_bus(d.buf));
	printf("        MAX_DMA_ADDRESS %#lx = PAGE_OFFSET %#lx + 16 MiB: the buffer is %s it\n",
	       (unsigned long)MAX_DMA_ADDRESS, (unsigned long)PAGE_OFFSET,
	       (unsigned long)d.buf + BUFSZ <= MAX_DMA_ADDRESS ? "below" : "NOT below");

	/* The card. */
	hw = calloc(1, sizeof(*hw));
	if (!hw)
		goto out;
	hw->m = dmasim_model_create(p, "dsp0", NULL, hw);
	if (!hw->m ||
	    !dmasim_window_add(hw->m, &(struct dmasim_window_desc){
		    .kind = DMASIM_WINDOW_PORT, .name = "dsp", .base = DSP_BASE, .size = 16,
		    .widths = 1, .read = dsp_read, .write = dsp_write }) ||
	    dmasim_irq_connect(hw->m, DSP_IRQ, DMASIM_IRQ_EDGE) ||
	    dmasim_isa_dma_attach(hw->m, DSP_DMA, dsp_tc, hw))
		goto out;

	/* open(): the ports, the interrupt, the DMA channel. */
	if (!request_region(DSP_BASE, 16, "dsp0"))
		goto out;
	err = request_irq(DSP_IRQ, dsp_interrupt, 0, "dsp0", &d);
	if (err)
		goto out_region;
	err = request_dma(DSP_DMA, "dsp0");
	if (err) {
		printf("request_dma: %d\n", err);
		goto out_irq;
	}

	printf("playback: %d blocks of %d bytes through a %d-byte auto-init buffer\n", NBLOCKS,
	       BLOCK, BUFSZ);
	fill_block(&d, 0);
	fill_block(&d, 1);
	d.refill = 2;
	if (dsp_run(&d, 0))
		goto out_dma;
	printf("recording: %d blocks\n", NBLOCKS);
	if (dsp_run(&d, 1))
		goto out_dma;
	dmasim_run_idle(p);

	dmasim_model_lock(hw->m);
	{
		unsigned char want[NBLOCKS * BLOCK];
		unsigned int bad = 0;

		for (unsigned int k = 0; k < NBLOCKS; k++)
			for (unsigned int i = 0; i < BLOCK; i++)
				want[k * BLOCK + i] = (unsigned char)(k * 37 + i);
		bad = hw->nplayed != sizeof(want) || memcmp(hw->played, want, sizeof(want));
		printf("played %u bytes: %s\n", hw->nplayed,
		       bad ? "NOT the bytes the driver wrote" : "the bytes the driver wrote");
		/* the last two recorded blocks are in the buffer (block 2 in the first half) */
		for (unsigned int i = 0; i < BUFSZ; i++)
			if (d.buf[i] != rec_sample(2 * BLOCK + i))
				bad |= 2;
		printf("recorded %u bytes: the buffer holds %s\n", hw->nrecorded,
		       bad & 2 ? "NOT the DSP's samples" : "the DSP's last two blocks");
		printf("terminal counts: %u\n", hw->tcs);
		ret = bad && strcmp(mode, "deterministic") == 0 ? 1 : 0;
	}
	dmasim_model_unlock(hw->m);

out_dma:
	free_dma(DSP_DMA);
out_irq:
	free_irq(DSP_IRQ, &d);
out_region:
	release_region(DSP_BASE, 16);
out:
	if (hw && hw->m) {
		dmasim_isa_dma_detach(hw->m, DSP_DMA);
		dmasim_model_destroy(hw->m);
	}
	free(hw);
	kfree(d.buf);
	if (dmasim_debug_errors(p)) {
		printf("%lu misuse report(s)\n", dmasim_debug_errors(p));
		ret = 1;
	}
	dmasim_platform_destroy(p);
	return ret;
}

int main(void)
{
	int ret = run("deterministic");

	ret |= run("threaded");
	printf("%s\n", ret ? "FAILED" : "ok");
	return ret;
}
