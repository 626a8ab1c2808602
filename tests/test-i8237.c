/*
 * tests/test-i8237.c - the PC's 8237A DMA controller pair (lib/dev/i8237.c)
 * and the kernel's ISA DMA API over it (<asm/dma.h>): port dispatch and the
 * byte-pointer flip-flop, each transfer type (to memory, from memory,
 * verify), single/demand/block modes, auto-initialise, address decrement,
 * terminal count and the status register, the residue, 16-bit channels
 * (word counts, 128 KiB pages), the page wrap at a 64 KiB / 128 KiB boundary
 * and the 16 MiB reach (the wrong bytes, reported with debug on), the
 * cascade and the mask registers, the driver sequence of LDD3's ISA DMA
 * section, bad input, and both execution modes.
 * Kernel contracts: arch/x86/include/asm/dma.h (ports, modes, what each
 * call writes, get_dma_residue()), kernel/dma.c (request_dma(): -EINVAL,
 * -EBUSY, channel 4 the cascade; free_dma() of a free channel); the 8237A
 * datasheet (count = transfers - 1, TC at 0 -> 0xffff, auto-init reload,
 * mask at TC, status bits cleared on read, no carry into the page).
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <asm/dma.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <dmasim/isa.h>

struct periph {
	struct dmasim_model *m;
	unsigned int chan;
	int tcs;
	u64 tc_time;
};

static void periph_tc(struct dmasim_model *m, void *arg)
{
	struct periph *pp = arg;

	pp->tcs++;
	pp->tc_time = dmasim_time_ns(dmasim_model_platform(m));
}

static struct periph *periph_new(struct dmasim_platform *p, unsigned int chan)
{
	struct periph *pp = calloc(1, sizeof(*pp));

	assert_non_null(pp);
	pp->chan = chan;
	pp->m = dmasim_model_create(p, "isadev", NULL, pp);
	assert_non_null(pp->m);
	assert_int_equal(dmasim_isa_dma_attach(pp->m, chan, periph_tc, pp), 0);
	return pp;
}

static void periph_free(struct periph *pp)
{
	dmasim_isa_dma_detach(pp->m, pp->chan);
	dmasim_model_destroy(pp->m);
	free(pp);
}

static void push(struct periph *pp, const void *data, size_t len)
{
	dmasim_model_lock(pp->m);
	assert_int_equal(dmasim_isa_dma_push(pp->m, pp->chan, data, len), 0);
	dmasim_model_unlock(pp->m);
}

static void request(struct periph *pp, size_t len)
{
	dmasim_model_lock(pp->m);
	assert_int_equal(dmasim_isa_dma_request(pp->m, pp->chan, len), 0);
	dmasim_model_unlock(pp->m);
}

static size_t pull(struct periph *pp, void *buf, size_t len)
{
	size_t n;

	dmasim_model_lock(pp->m);
	n = dmasim_isa_dma_pull(pp->m, pp->chan, buf, len);
	dmasim_model_unlock(pp->m);
	return n;
}

/* LDD3's dad_dma_prepare(): the driver's steps, under the DMA lock. */
static void prepare(unsigned int chan, int mode, unsigned int bus, unsigned int count)
{
	unsigned long flags = claim_dma_lock();

	disable_dma(chan);
	clear_dma_ff(chan);
	set_dma_mode(chan, (char)mode);
	set_dma_addr(chan, bus);
	set_dma_count(chan, count);
	enable_dma(chan);
	release_dma_lock(flags);
}

static int residue(unsigned int chan)
{
	unsigned long flags = claim_dma_lock();
	int r = get_dma_residue(chan);

	release_dma_lock(flags);
	return r;
}

/* A 16-bit register, low byte first (two statements: the order matters). */
static unsigned int read16(unsigned int port)
{
	unsigned int lo = inb(port);

	return lo | (unsigned int)inb(port) << 8;
}

static void test_port_dispatch(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");

	(void)state;
	assert_non_null(dmasim_i8237(p));
	/* Channel 1's address register: low byte, then high, as the flip-flop says. */
	outb(0, DMA1_CLEAR_FF_REG);
	outb(0x34, DMA_ADDR_1);
	outb(0x12, DMA_ADDR_1);
	outb(0, DMA1_CLEAR_FF_REG);
	assert_int_equal(inb(DMA_ADDR_1), 0x34);
	assert_int_equal(inb(DMA_ADDR_1), 0x12);
	/* Without clearing it, the flip-flop decides which byte goes where. */
	outb(0, DMA1_CLEAR_FF_REG);
	outb(0xcd, DMA_CNT_1);              /* low */
	assert_int_equal(inb(DMA_CNT_1), 0x00); /* high byte (still 0) */
	outb(0xab, DMA_CNT_1);              /* low again: the flip-flop was at low */
	outb(0, DMA1_CLEAR_FF_REG);
	assert_int_equal(inb(DMA_CNT_1), 0xab);
	/* The page registers; controller 2's registers at even ports. */
	outb(0x5a, DMA_PAGE_1);
	assert_int_equal(inb(DMA_PAGE_1), 0x5a);
	outb(0, DMA2_CLEAR_FF_REG);
	outb(0x78, DMA_ADDR_6);
	outb(0x56, DMA_ADDR_6);
	outb(0, DMA2_CLEAR_FF_REG);
	assert_int_equal(inb(DMA_ADDR_6), 0x78);
	assert_int_equal(inb(DMA_ADDR_6), 0x56);
	/* Status: nothing done, nothing requested. */
	assert_int_equal(inb(DMA1_STAT_REG), 0);
	/* The registers are 8 bits: a word access is reported and reads all-ones. */
	assert_int_equal(inw(DMA_ADDR_1), 0xffff);
	assert_int_equal(dmasim_debug_errors(p), 1);
	dmasim_platform_destroy(p);
}

/* The driver sequence, a transfer to memory (DMA_MODE_READ), terminal count. */
static void test_to_memory_tc_status(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned char *buf = kmalloc(256, GFP_DMA), data[256], more[16];
	struct periph *pp = periph_new(p, 1);

	(void)state;
	assert_non_null(buf);
	assert_true(virt_to_phys(buf) + 256 <= 0x1000000);
	assert_true((unsigned long)buf + 256 <= MAX_DMA_ADDRESS);
	assert_true((unsigned long)buf >= PAGE_OFFSET);
	assert_int_equal((unsigned long)buf - PAGE_OFFSET, virt_to_phys(buf));
	memset(buf, 0, 256);
	for (int i = 0; i < 256; i++)
		data[i] = (unsigned char)(i * 3);
	assert_int_equal(request_dma(1, "isadev"), 0);
	prepare(1, DMA_MODE_READ, (unsigned int)isa_virt_to_bus(buf), 256);
	assert_int_equal(residue(1), 256);
	push(pp, data, 256);
	/* DREQ is up until the cycles run. */
	assert_int_equal(inb(DMA1_STAT_REG) & 0x22, 0x20);
	dmasim_run_idle(p);
	assert_memory_equal(buf, data, 256);
	assert_int_equal(residue(1), 0);
	assert_int_equal(pp->tcs, 1);
	/* 256 single cycles of 1 us each, the first one cycle after DREQ. */
	assert_int_equal(pp->tc_time, 256 * DMASIM_ISA_CYCLE_NS);
	/* TC bit 1 set; reading the status clears it. */
	assert_int_equal(inb(DMA1_STAT_REG), 0x02);
	assert_int_equal(inb(DMA1_STAT_REG), 0x00);
	/* Without auto-init the channel masked itself at TC: no more cycles. */
	memset(more, 0xee, sizeof(more));
	push(pp, more, sizeof(more));
	dmasim_run_idle(p);
	assert_memory_equal(buf, data, 256);
	dmasim_model_lock(pp->m);
	assert_int_equal(dmasim_isa_dma_pending(pp->m, 1), 16);
	dmasim_model_unlock(pp->m);
	assert_int_equal(inb(DMA1_STAT_REG), 0x20); /* requested, not served */
	free_dma(1);
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* DMA_MODE_WRITE (from memory), verify, and the residue as cycles happen. */
static void test_from_memory_and_verify(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned char *buf = kmalloc(200, GFP_DMA), got[200];
	struct periph *pp = periph_new(p, 3);

	(void)state;
	for (int i = 0; i < 200; i++)
		buf[i] = (unsigned char)(255 - i);
	assert_int_equal(request_dma(3, "isadev"), 0);
	prepare(3, DMA_MODE_WRITE, (unsigned int)isa_virt_to_bus(buf), 200);
	request(pp, 100);
	dmasim_run_idle(p);
	assert_int_equal(pull(pp, got, sizeof(got)), 100);
	assert_memory_equal(got, buf, 100);
	assert_int_equal(residue(3), 100);
	assert_int_equal(pp->tcs, 0);
	/* Verify: addresses and count advance, nothing is read or written. */
	prepare(3, 0x40 /* single, verify */, (unsigned int)isa_virt_to_bus(buf), 50);
	request(pp, 20);
	dmasim_run_idle(p);
	assert_int_equal(pull(pp, got, sizeof(got)), 0);
	assert_int_equal(residue(3), 30);
	outb(0, DMA1_CLEAR_FF_REG);
	assert_int_equal(read16(DMA_ADDR_3),
			 (isa_virt_to_bus(buf) + 20) & 0xffff);
	free_dma(3);
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* Auto-init reloads address and count at TC and stays unmasked. */
static void test_autoinit(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned char *buf = kmalloc(64, GFP_DMA), data[80];
	struct periph *pp = periph_new(p, 2);

	(void)state;
	for (int i = 0; i < 80; i++)
		data[i] = (unsigned char)(i + 1);
	prepare(2, DMA_MODE_READ | DMA_AUTOINIT, (unsigned int)isa_virt_to_bus(buf), 64);
	push(pp, data, 80);
	dmasim_run_idle(p);
	assert_int_equal(pp->tcs, 1);
	assert_memory_equal(buf, data + 64, 16);       /* wrapped to the start */
	assert_memory_equal(buf + 16, data + 16, 48);  /* the first pass */
	assert_int_equal(residue(2), 48);
	assert_int_equal(inb(DMA1_STAT_REG) & 0x0f, 0x04);
	push(pp, data, 48);
	dmasim_run_idle(p);
	assert_int_equal(pp->tcs, 2);
	assert_int_equal(residue(2), 64);
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* Address decrement: the bytes go to descending addresses. */
static void test_decrement(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned char *buf = kmalloc(16, GFP_DMA), data[16];
	struct periph *pp = periph_new(p, 0);

	(void)state;
	for (int i = 0; i < 16; i++)
		data[i] = (unsigned char)i;
	prepare(0, DMA_MODE_READ | 0x20, (unsigned int)isa_virt_to_bus(buf + 15), 16);
	push(pp, data, 16);
	dmasim_run_idle(p);
	for (int i = 0; i < 16; i++)
		assert_int_equal(buf[15 - i], i);
	assert_int_equal(pp->tcs, 1);
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* Single: one cycle per DREQ service; demand: while DREQ lasts; block: to TC. */
static void test_single_demand_block(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned char *buf = kmalloc(32, GFP_DMA), data[8] = "abcdefg";
	struct periph *pp = periph_new(p, 1);
	unsigned int bus = (unsigned int)isa_virt_to_bus(buf);

	(void)state;
	prepare(1, 0x44 /* single */, bus, 32);
	push(pp, data, 8);
	assert_int_equal(dmasim_step(p), 1);
	assert_int_equal(residue(1), 31);
	dmasim_run_idle(p);
	assert_int_equal(residue(1), 24);
	assert_int_equal(dmasim_time_ns(p), 8 * DMASIM_ISA_CYCLE_NS);

	prepare(1, 0x04 /* demand */, bus, 32);
	push(pp, data, 8);
	assert_int_equal(dmasim_step(p), 1);
	assert_int_equal(residue(1), 24);       /* the whole burst at once */
	dmasim_run_idle(p);
	assert_int_equal(residue(1), 24);

	memset(buf, 0, 32);
	prepare(1, 0x84 /* block */, bus, 32);
	push(pp, data, 1);                      /* DREQ starts it; it runs to TC */
	assert_int_equal(dmasim_step(p), 1);
	assert_int_equal(residue(1), 0);
	assert_int_equal(buf[0], 'a');
	assert_int_equal(buf[1], 0xff);         /* nothing on the bus: all-ones */
	dmasim_run_idle(p);
	assert_int_equal(pp->tcs, 1);
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* Channels 5-7: byte counts become word counts, addresses word addresses. */
static void test_16bit_channel(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned char *buf = kmalloc(64, GFP_DMA), data[64];
	struct periph *pp = periph_new(p, 5);
	unsigned int bus = (unsigned int)isa_virt_to_bus(buf);

	(void)state;
	for (int i = 0; i < 64; i++)
		data[i] = (unsigned char)(0x40 + i);
	assert_int_equal(request_dma(5, "isadev"), 0);
	prepare(5, DMA_MODE_READ, bus, 64);
	/* What the registers hold: bits 23-17 in the page, the word address, words - 1. */
	assert_int_equal(inb(DMA_PAGE_5), (bus >> 16) & 0xfe);
	outb(0, DMA2_CLEAR_FF_REG);
	assert_int_equal(read16(DMA_ADDR_5), (bus >> 1) & 0xffff);
	assert_int_equal(read16(DMA_CNT_5), 31);
	assert_int_equal(residue(5), 64);
	push(pp, data, 20);
	dmasim_run_idle(p);
	assert_int_equal(residue(5), 44);
	assert_int_equal(dmasim_time_ns(p), 10 * DMASIM_ISA_CYCLE_NS); /* 10 word cycles */
	push(pp, data + 20, 44);
	dmasim_run_idle(p);
	assert_memory_equal(buf, data, 64);
	assert_int_equal(residue(5), 0);
	assert_int_equal(inb(DMA2_STAT_REG) & 0x0f, 0x02); /* channel 5 is controller 2's 1 */
	free_dma(5);
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* A buffer across a 64 KiB boundary: the address wraps within the page. */
static void run_boundary(const char *spec, unsigned int chan, unsigned long expect_reports)
{
	struct dmasim_platform *p = tu_platform(spec);
	unsigned int pagesz = chan < 4 ? 0x10000 : 0x20000;
	/* 2 pages' worth, naturally aligned: a page boundary in the middle */
	unsigned long mem = __get_free_pages(GFP_DMA, chan < 4 ? 5 : 6);
	unsigned char *base = (unsigned char *)mem, data[64];
	struct periph *pp = periph_new(p, chan);
	unsigned int bus;

	assert_true(mem);
	memset(base, 0, 2 * pagesz);
	for (int i = 0; i < 64; i++)
		data[i] = (unsigned char)(i + 1);
	bus = (unsigned int)isa_virt_to_bus(base + pagesz - 32); /* 32 bytes before the boundary */
	prepare(chan, DMA_MODE_READ, bus, 64);
	push(pp, data, 64);
	dmasim_run_idle(p);
	/* The first 32 bytes land below the boundary... */
	assert_memory_equal(base + pagesz - 32, data, 32);
	/* ...the rest at the start of the same page, not above the boundary. */
	assert_memory_equal(base, data + 32, 32);
	for (int i = 0; i < 32; i++)
		assert_int_equal(base[pagesz + i], 0);
	assert_int_equal(pp->tcs, 1);
	assert_int_equal(dmasim_debug_errors(p), expect_reports);
	if (expect_reports)
		assert_true(tu_log_has(chan < 4 ? "crosses a 64 KiB boundary"
						: "crosses a 128 KiB boundary"));
	periph_free(pp);
	free_pages(mem, chan < 4 ? 5 : 6);
	dmasim_platform_destroy(p);
}

static void test_page_boundary(void **state)
{
	(void)state;
	run_boundary("exec=deterministic", 1, 1);
	run_boundary("exec=deterministic", 6, 1);
	run_boundary("exec=deterministic debug=off", 1, 0); /* the same bytes, no report */
}

/* The nearest correct sequence: a buffer that ends exactly at the boundary. */
static void test_buffer_up_to_boundary(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned long mem = __get_free_pages(GFP_DMA, 5);
	unsigned char *base = (unsigned char *)mem, data[32];
	struct periph *pp = periph_new(p, 1);

	(void)state;
	memset(data, 0x5a, sizeof(data));
	prepare(1, DMA_MODE_READ, (unsigned int)isa_virt_to_bus(base + 0x10000 - 32), 32);
	push(pp, data, 32);
	dmasim_run_idle(p);
	assert_memory_equal(base + 0x10000 - 32, data, 32);
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	free_pages(mem, 5);
	dmasim_platform_destroy(p);
}

/* An address above 16 MiB: the 8237 has 24 address bits. */
static void test_above_16m(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned char *buf = kmalloc(16, GFP_DMA), data[16];
	struct periph *pp = periph_new(p, 1);

	(void)state;
	memset(buf, 0, 16);
	memset(data, 0x77, 16);
	/* What a kmalloc(GFP_KERNEL) buffer 16 MiB higher would be given. */
	prepare(1, DMA_MODE_READ, (unsigned int)isa_virt_to_bus(buf) + 0x1000000, 16);
	push(pp, data, 16);
	dmasim_run_idle(p);
	assert_memory_equal(buf, data, 16); /* landed 16 MiB lower */
	assert_int_equal(dmasim_debug_errors(p), 1);
	assert_true(tu_log_has("above the 8237's 16 MiB reach"));
	periph_free(pp);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* Channel 4 cascades channels 0-3; the mask registers; the command register. */
static void test_cascade_and_masks(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned char *buf = kmalloc(16, GFP_DMA), data[16];
	struct periph *pp = periph_new(p, 1);

	(void)state;
	memset(data, 0x11, 16);
	prepare(1, DMA_MODE_READ, (unsigned int)isa_virt_to_bus(buf), 16);
	outb(0x04, DMA2_MASK_REG);        /* mask channel 4: the cascade */
	push(pp, data, 4);
	dmasim_run_idle(p);
	assert_int_equal(residue(1), 16);
	outb(0x00, DMA2_MASK_REG);        /* unmask it: channel 1 runs */
	dmasim_run_idle(p);
	assert_int_equal(residue(1), 12);
	outb(0x0f, DMA1_MASK_ALL_REG);    /* all four masked */
	push(pp, data, 4);
	dmasim_run_idle(p);
	assert_int_equal(residue(1), 12);
	outb(0x00, DMA1_CLR_MASK_REG);    /* all unmasked */
	dmasim_run_idle(p);
	assert_int_equal(residue(1), 8);
	outb(0x04, DMA1_CMD_REG);         /* controller disable */
	push(pp, data, 4);
	dmasim_run_idle(p);
	assert_int_equal(residue(1), 8);
	outb(0x00, DMA1_CMD_REG);
	dmasim_run_idle(p);
	assert_int_equal(residue(1), 4);
	outb(0, DMA1_RESET_REG);          /* master clear: everything masked */
	push(pp, data, 4);
	dmasim_run_idle(p);
	assert_int_equal(residue(1), 4);
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* A 16-bit channel in an odd 64 KiB page: bit 16 comes from the word address. */
static void test_16bit_odd_page(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned long mem = __get_free_pages(GFP_DMA, 5); /* 128 KiB, aligned */
	unsigned char *base = (unsigned char *)mem, data[8] = "1234567";
	struct periph *pp = periph_new(p, 7);
	unsigned int bus = (unsigned int)isa_virt_to_bus(base + 0x10000 + 0x100);

	(void)state;
	assert_int_equal(bus & 0x10000, 0x10000);
	prepare(7, DMA_MODE_READ, bus, 8);
	assert_int_equal(inb(DMA_PAGE_7), (bus >> 16) & 0xfe); /* bit 16 not in the page */
	outb(0, DMA2_CLEAR_FF_REG);
	assert_int_equal(read16(DMA_ADDR_7), (bus >> 1) & 0xffff);
	push(pp, data, 8);
	dmasim_run_idle(p);
	assert_memory_equal(base + 0x10000 + 0x100, data, 8);
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	free_pages(mem, 5);
	dmasim_platform_destroy(p);
}

/*
 * A driver that unmasks first and programs the count afterwards through the
 * ports: the wrap is reported when it happens, once.
 */
static void test_wrap_reported_when_it_happens(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned long mem = __get_free_pages(GFP_DMA, 5);
	unsigned char *base = (unsigned char *)mem, data[32];
	struct periph *pp = periph_new(p, 1);
	unsigned int bus = (unsigned int)isa_virt_to_bus(base + 0x10000 - 8);

	(void)state;
	memset(base, 0, 0x20000);
	memset(data, 0x3c, sizeof(data));
	prepare(1, DMA_MODE_READ, bus, 8);       /* fits: no report */
	assert_int_equal(dmasim_debug_errors(p), 0);
	outb(0, DMA1_CLEAR_FF_REG);
	outb(31, DMA_CNT_1);                     /* 32 bytes, the channel live */
	outb(0, DMA_CNT_1);
	push(pp, data, 32);
	dmasim_run_idle(p);
	assert_memory_equal(base + 0x10000 - 8, data, 8);
	assert_memory_equal(base, data, 24);     /* wrapped to the page's start */
	assert_int_equal(base[0x10000], 0);
	assert_int_equal(dmasim_debug_errors(p), 1);
	assert_true(tu_log_has("the address wrapped within its 64 KiB page"));
	periph_free(pp);
	free_pages(mem, 5);
	dmasim_platform_destroy(p);
}

/* The request register: a software DREQ runs a block-mode channel to TC. */
static void test_software_request(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned char *buf = kmalloc(16, GFP_DMA), got[16];
	struct periph *pp = periph_new(p, 2);

	(void)state;
	for (int i = 0; i < 16; i++)
		buf[i] = (unsigned char)(0xa0 + i);
	prepare(2, 0x88 /* block, from memory */, (unsigned int)isa_virt_to_bus(buf), 16);
	assert_int_equal(inb(DMA1_STAT_REG) & 0x40, 0);
	outb(0x04 | 2, DMA1_REQ_REG);
	assert_int_equal(inb(DMA1_STAT_REG) & 0x40, 0x40);
	dmasim_run_idle(p);
	assert_int_equal(pull(pp, got, sizeof(got)), 16);
	assert_memory_equal(got, buf, 16);
	assert_int_equal(pp->tcs, 1);
	assert_int_equal(inb(DMA1_STAT_REG), 0x04); /* TC; the request bit went with it */
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	kfree(buf);
	dmasim_platform_destroy(p);
}

/* The peripheral side's own bad input. */
static void test_periph_bad_input(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct periph *pp = periph_new(p, 3);
	struct dmasim_model *other = dmasim_model_create(p, "other", NULL, NULL);
	unsigned char b = 0;

	(void)state;
	tu_log_clear();
	assert_int_equal(pull(pp, &b, 1), 0); /* nothing arrived yet */
	assert_int_equal(dmasim_isa_dma_attach(other, 3, NULL, NULL), -EBUSY);
	assert_true(tu_log_has("channel 3 already has isadev"));
	assert_int_equal(dmasim_isa_dma_attach(other, 4, NULL, NULL), -EINVAL);
	assert_true(tu_log_has("channel 4 is not a DMA channel"));
	assert_int_equal(dmasim_isa_dma_push(other, 3, &b, 1), -EINVAL);
	assert_true(tu_log_has("other is not attached to channel 3"));
	assert_int_equal(dmasim_debug_errors(p), 2);
	assert_int_equal(tu_log.total, 3);
	dmasim_model_destroy(other);
	periph_free(pp);
	dmasim_platform_destroy(p);
}

/* A peripheral model destroyed without detaching leaves its channel free. */
static void test_destroy_detaches(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dmasim_model *a = dmasim_model_create(p, "a", NULL, NULL);
	struct periph *pp;

	(void)state;
	assert_int_equal(dmasim_isa_dma_attach(a, 2, NULL, NULL), 0);
	dmasim_model_destroy(a);
	pp = periph_new(p, 2); /* attaches: 0, not -EBUSY */
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	dmasim_platform_destroy(p);
}

/* dmasim_platform_dump() shows each channel as the driver programmed it. */
static void test_dump(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct periph *pp = periph_new(p, 1);
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(request_dma(1, "isadev"), 0);
	prepare(1, DMA_MODE_READ | DMA_AUTOINIT, 0x123456, 0x100);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	dmasim_platform_dump(p, f);
	fclose(f);
	assert_non_null(strstr(text, "channel 1: unmasked, mode 0x55 (single, to memory, auto-init), "
				     "bus 0x123456, count 0x00ff (base 0x3456, 0x00ff), requested by "
				     "isadev, peripheral isadev"));
	assert_non_null(strstr(text, "channel 4: unmasked, mode 0xc0 (cascade"));
	assert_non_null(strstr(text, "ports dma page: 0x80-0x8f"));
	free(text);
	free_dma(1);
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	dmasim_platform_destroy(p);
}

/* Bad input: the kernel's failure values, and one message each. */
static void test_bad_input(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	unsigned long n;

	(void)state;
	tu_log_clear();
	assert_int_equal(request_dma(8, "x"), -EINVAL);
	assert_true(tu_log_has("request_dma: channel 8 does not exist"));
	assert_int_equal(request_dma(4, "x"), -EBUSY);  /* the cascade */
	assert_true(tu_log_has("in use by cascade"));
	assert_int_equal(request_dma(2, "a"), 0);
	assert_int_equal(request_dma(2, "b"), -EBUSY);
	assert_true(tu_log_has("channel 2 (for b) is in use by a"));
	free_dma(2);
	assert_int_equal(request_dma(2, "b"), 0);
	free_dma(2);
	n = dmasim_debug_errors(p);
	assert_int_equal(n, 1); /* only the channel that does not exist is misuse */

	free_dma(3);
	assert_true(tu_log_has("trying to free free DMA3"));
	free_dma(4);
	assert_true(tu_log_has("trying to free DMA4, the cascade"));
	set_dma_addr(5, 0x1001);
	assert_true(tu_log_has("odd address 0x1001 on a 16-bit channel"));
	set_dma_count(5, 33);
	assert_true(tu_log_has("count 33 is odd on a 16-bit channel"));
	set_dma_count(1, 0x10001);
	assert_true(tu_log_has("is more than 64 KiB"));
	set_dma_count(1, 0);
	assert_true(tu_log_has("count 0 is 0"));
	set_dma_mode(4, DMA_MODE_CASCADE);
	assert_true(tu_log_has("set_dma_mode: channel 4 is the cascade"));
	enable_dma(9);
	assert_true(tu_log_has("enable_dma: channel 9 does not exist"));
	set_dma_mode(1, 0x4c);
	assert_true(tu_log_has("illegal transfer type"));
	assert_int_equal(dmasim_debug_errors(p), n + 9);
	assert_int_equal(tu_log.total, 12);
	dmasim_platform_destroy(p);
}

/* Deterministic mode: the same run gives the same times, every time. */
static u64 one_run(const char *spec, int *res)
{
	struct dmasim_platform *p = tu_platform(spec);
	unsigned char *a = kmalloc(64, GFP_DMA), *b = kmalloc(64, GFP_DMA), data[64] = { 0 };
	struct periph *p1 = periph_new(p, 1), *p5 = periph_new(p, 5);
	u64 t;

	prepare(1, DMA_MODE_READ, (unsigned int)isa_virt_to_bus(a), 64);
	prepare(5, DMA_MODE_READ, (unsigned int)isa_virt_to_bus(b), 64);
	push(p1, data, 64);
	push(p5, data, 40);
	dmasim_run_for(p, 30 * DMASIM_ISA_CYCLE_NS + 500);
	res[0] = residue(1);
	res[1] = residue(5);
	dmasim_run_idle(p);
	t = p1->tc_time;
	res[2] = residue(5);
	periph_free(p1);
	periph_free(p5);
	kfree(a);
	kfree(b);
	assert_int_equal(dmasim_debug_errors(p), 0);
	dmasim_platform_destroy(p);
	return t;
}

static void test_deterministic_reproducible(void **state)
{
	int r1[3], r2[3];

	(void)state;
	assert_int_equal(one_run("exec=deterministic seed=7", r1), 64 * DMASIM_ISA_CYCLE_NS);
	assert_int_equal(one_run("exec=deterministic seed=7", r2), 64 * DMASIM_ISA_CYCLE_NS);
	assert_memory_equal(r1, r2, sizeof(r1));
	assert_int_equal(r1[0], 34);
	assert_int_equal(r1[1], 24);
	assert_int_equal(r1[2], 24);
}

/* Threaded mode: the controller's thread, a peripheral's, and the driver's. */
static void test_threaded(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=threaded");
	unsigned char *buf = kmalloc(512, GFP_DMA), data[512];
	struct periph *pp = periph_new(p, 1);

	(void)state;
	for (int i = 0; i < 512; i++)
		data[i] = (unsigned char)(i ^ 0x5a);
	assert_int_equal(request_dma(1, "isadev"), 0);
	prepare(1, DMA_MODE_READ | DMA_AUTOINIT, (unsigned int)isa_virt_to_bus(buf), 256);
	push(pp, data, 256);
	push(pp, data + 256, 256);
	dmasim_run_idle(p);
	assert_memory_equal(buf, data + 256, 256);
	dmasim_model_lock(pp->m);
	assert_int_equal(pp->tcs, 2);
	dmasim_model_unlock(pp->m);
	assert_int_equal(residue(1), 256);
	{
		unsigned long flags = claim_dma_lock();

		disable_dma(1);
		release_dma_lock(flags);
	}
	free_dma(1);
	assert_int_equal(dmasim_debug_errors(p), 0);
	periph_free(pp);
	kfree(buf);
	dmasim_platform_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_dispatch),
		cmocka_unit_test(test_to_memory_tc_status),
		cmocka_unit_test(test_from_memory_and_verify),
		cmocka_unit_test(test_autoinit),
		cmocka_unit_test(test_decrement),
		cmocka_unit_test(test_single_demand_block),
		cmocka_unit_test(test_16bit_channel),
		cmocka_unit_test(test_page_boundary),
		cmocka_unit_test(test_buffer_up_to_boundary),
		cmocka_unit_test(test_above_16m),
		cmocka_unit_test(test_cascade_and_masks),
		cmocka_unit_test(test_16bit_odd_page),
		cmocka_unit_test(test_wrap_reported_when_it_happens),
		cmocka_unit_test(test_software_request),
		cmocka_unit_test(test_periph_bad_input),
		cmocka_unit_test(test_destroy_detaches),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_deterministic_reproducible),
		cmocka_unit_test(test_threaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
