/*
 * lib/dev/i8237.c - the PC's ISA DMA controller, a pair of 8237A, as a device
 * model on the public model API (<dmasim/model.h>), the peripheral side of
 * <dmasim/isa.h>, and the kernel's ISA DMA API of <asm/dma.h> over its
 * I/O ports.  docs/isa-dma.md is the guide.
 *
 * Facts followed (Intel 8237A datasheet; the kernel's
 * arch/x86/include/asm/dma.h and kernel/dma.c):
 *  - controller 1 (channels 0-3, bytes) has its registers at ports
 *    0x00-0x0f, controller 2 (channels 4-7, words) at 0xc0-0xde (even
 *    ports; A0 is not decoded); channel 4 is controller 2's channel 0,
 *    which cascades controller 1 (the BIOS leaves it in cascade mode,
 *    unmasked);
 *  - the page registers (bits 23-16 of the address; for channels 5-7 bits
 *    23-17, bit 0 unused) are at 0x87, 0x83, 0x81, 0x82 (channels 0-3),
 *    0x8f (4), 0x8b, 0x89, 0x8a (5-7);
 *  - the 16-bit address and count registers are written and read a byte at a
 *    time, low byte first, as the byte-pointer flip-flop says; the count
 *    register holds the number of transfers minus one; the address counter
 *    does not carry into the page register, so a transfer wraps within its
 *    64 KiB (8-bit) or 128 KiB (16-bit) page;
 *  - terminal count: the count passes 0 -> 0xffff; the status register's bit
 *    (0-3) is set (cleared when the status register is read); auto-init
 *    reloads the address and count from the base registers, else the channel
 *    masks itself.
 *
 * Locking: the register state is the model's (its lock is held over port
 * accesses and events); the peripheral side (what each channel's DREQ has
 * pushed or requested, request_dma()'s owners) is under isa->lock, taken
 * after a model's lock and held over copies only, never over a call to
 * another model.
 */
#include <stdlib.h>
#include <string.h>

#include "dev/dev.h"

#include <dmasim/isa.h>
#include <dmasim/locking.h>
#include <dmasim/mm.h>
#include <asm/dma.h>
#include <linux/spinlock.h>

#define BURST_MAX 4096u /* units moved by one event in demand and block mode */

struct i8237_chan {
	u16 base_addr, base_count; /* what was written: auto-init reloads these */
	u16 addr, count;           /* the current address and count */
	u8 mode;                   /* bits 7-2 of the last mode write */
	bool masked;
	bool swreq;                /* the request register's bit */
	bool warned;               /* its page wrap was reported */
};

struct isa_side {
	struct dmasim_model *periph;
	dmasim_event_fn tc;
	void *tc_arg;
	unsigned char *in;         /* pushed by the peripheral, for memory */
	size_t in_len, in_cap;
	size_t want;               /* bytes requested from memory */
	unsigned char *out;        /* read from memory, for the peripheral */
	size_t out_len, out_cap;
	bool kicked;               /* a run event is pending */
	bool busy;                 /* request_dma() */
	const char *owner;
};

struct dmasim_isa {
	struct dmasim_platform *p;
	struct dmasim_model *m;
	struct device *dev;
	/* the model's lock: */
	u8 cmd[2], status[2], temp[2];
	bool ff[2];                /* byte pointer: true = the high byte is next */
	struct i8237_chan ch[DMASIM_ISA_NR_CHANNELS];
	u8 pages[16];              /* ports 0x80-0x8f */
	/* isa->lock: */
	pthread_mutex_t lock;
	struct isa_side side[DMASIM_ISA_NR_CHANNELS];
};

/* Page register port (offset from 0x80) of each channel. */
static const u8 page_off[DMASIM_ISA_NR_CHANNELS] = { 0x7, 0x3, 0x1, 0x2, 0xf, 0xb, 0x9, 0xa };

static pthread_mutex_t isa_create_lock = PTHREAD_MUTEX_INITIALIZER;

static bool wide(unsigned int i)
{
	return i >= 4;
}

/* The bus address the channel drives now (24 bits). */
static u32 chan_phys(const struct dmasim_isa *isa, unsigned int i)
{
	u8 page = isa->pages[page_off[i]];

	if (wide(i))
		return (u32)(page & 0xfe) << 16 | (u32)isa->ch[i].addr << 1;
	return (u32)page << 16 | isa->ch[i].addr;
}

static void run_chan(struct dmasim_model *m, void *arg);

/* Make sure channel @i's run event is pending (isa->lock held). */
static void kick_locked(struct dmasim_isa *isa, unsigned int i, u64 delay)
{
	struct isa_side *s = &isa->side[i];

	if (s->kicked)
		return;
	if (!dmasim_model_schedule(isa->m, delay, run_chan, s, "ISA DMA"))
		s->kicked = true;
}

/*
 * A register write may have let channels @first..@last run: kick those with
 * DREQ up (a port write's side effect, under the model's lock).
 */
static void kick_range(struct dmasim_isa *isa, unsigned int first, unsigned int last)
{
	pthread_mutex_lock(&isa->lock);
	for (unsigned int i = first; i <= last; i++) {
		struct isa_side *s = &isa->side[i];

		if (i != 4 && (s->in_len || s->want || isa->ch[i].swreq))
			kick_locked(isa, i, DMASIM_ISA_CYCLE_NS);
	}
	pthread_mutex_unlock(&isa->lock);
}

/* Whether channel @i may do cycles: unmasked, not cascade, its controller (and the cascade) on. */
static bool chan_live(const struct dmasim_isa *isa, unsigned int i)
{
	const struct i8237_chan *c = &isa->ch[i];

	if (i == 4 || c->masked || (c->mode >> 6) == 3 || (isa->cmd[i >> 2] & 0x04))
		return false;
	if (i < 4 && (isa->ch[4].masked || (isa->ch[4].mode >> 6) != 3 || (isa->cmd[1] & 0x04)))
		return false; /* controller 1 reaches the bus through channel 4 */
	return true;
}

/* Reverse the order of @n units of @unit bytes (a transfer with address decrement). */
static void reverse_units(unsigned char *b, size_t n, unsigned int unit)
{
	for (size_t a = 0, z = n - 1; a < z; a++, z--)
		for (unsigned int k = 0; k < unit; k++) {
			unsigned char t = b[a * unit + k];

			b[a * unit + k] = b[z * unit + k];
			b[z * unit + k] = t;
		}
}

static int buf_append(unsigned char **b, size_t *len, size_t *cap, const void *data, size_t n)
{
	if (*len + n > *cap) {
		size_t c = *cap ? *cap : 256;
		unsigned char *nb;

		while (c < *len + n)
			c *= 2;
		nb = realloc(*b, c);
		if (!nb)
			return -ENOMEM;
		*b = nb;
		*cap = c;
	}
	if (n)
		memcpy(*b + *len, data, n);
	*len += n;
	return 0;
}

/*
 * The channel's cycles: up to one unit (single mode) or a burst (demand: as
 * long as DREQ lasts; block: to terminal count once DREQ started it), then
 * the next burst one cycle per unit later.  Runs under the model's lock.
 */
static void run_chan(struct dmasim_model *m, void *arg)
{
	struct dmasim_isa *isa = dmasim_model_priv(m);
	struct isa_side *s = arg;
	unsigned int i = (unsigned int)(s - isa->side);
	struct i8237_chan *c = &isa->ch[i];
	unsigned int unit = wide(i) ? 2 : 1, type = (c->mode >> 2) & 3, mode = c->mode >> 6;
	bool dec = (c->mode & 0x20) != 0;
	size_t avail, n, to_tc = (size_t)c->count + 1, done = 0;
	unsigned char *buf = NULL;
	struct dmasim_model *periph;
	dmasim_event_fn tc_fn;
	void *tc_arg;
	bool tc;

	pthread_mutex_lock(&isa->lock);
	s->kicked = false;
	if (!chan_live(isa, i) || type == 3) {
		pthread_mutex_unlock(&isa->lock);
		return;
	}
	avail = type == 1 ? s->in_len / unit : (s->want + unit - 1) / unit;
	if (c->swreq || (mode == 2 && avail))
		n = to_tc;            /* block mode, or a software request: to TC */
	else if (mode == 1)
		n = avail ? 1 : 0;    /* single */
	else
		n = avail < to_tc ? avail : to_tc; /* demand */
	if (n > BURST_MAX)
		n = BURST_MAX;
	if (!n) {
		pthread_mutex_unlock(&isa->lock);
		return;
	}
	buf = malloc(n * unit);
	if (!buf) {
		kick_locked(isa, i, DMASIM_ISA_CYCLE_NS);
		pthread_mutex_unlock(&isa->lock);
		return;
	}
	if (type == 1) {       /* to memory: the peripheral's bytes (an idle bus reads all-ones) */
		size_t have = s->in_len < n * unit ? s->in_len : n * unit;

		if (have) {
			memcpy(buf, s->in, have);
			memmove(s->in, s->in + have, s->in_len - have);
			s->in_len -= have;
		}
		memset(buf + have, 0xff, n * unit - have);
	} else {
		s->want = s->want > n * unit ? s->want - n * unit : 0;
	}
	pthread_mutex_unlock(&isa->lock);

	/* The cycles, in runs that do not wrap within the page. */
	while (done < n) {
		u32 phys = chan_phys(isa, i);
		size_t run = dec ? (size_t)c->addr + 1 : 0x10000u - c->addr;
		u32 lo;

		if (run > n - done)
			run = n - done;
		lo = dec ? phys - (u32)(run - 1) * unit : phys;
		if (type == 1) {
			if (dec)
				reverse_units(buf + done * unit, run, unit);
			dmasim_dev_write(isa->dev, lo, buf + done * unit, run * unit);
		} else if (type == 2) {
			dmasim_dev_read(isa->dev, lo, buf + done * unit, run * unit);
			if (dec)
				reverse_units(buf + done * unit, run, unit);
		}
		c->addr = (u16)(dec ? c->addr - run : c->addr + run);
		c->count = (u16)(c->count - run);
		done += run;
		/* the counter rolled over with cycles to go: the next one wraps */
		if (c->addr == (dec ? 0xffff : 0) && c->count != 0xffff && !c->warned) {
			c->warned = true;
			dmasim__debug_report(dmasim__dev(isa->dev, "i8237"),
					     "ISA DMA channel %u: the address wrapped within its %s page "
					     "(0x%06x to 0x%06x): the buffer crosses a %s boundary; the 8237 "
					     "does not carry into the page register, so the wrong bytes are "
					     "transferred",
					     i, wide(i) ? "128 KiB" : "64 KiB",
					     dec ? lo : lo + (u32)(run * unit) - unit, chan_phys(isa, i),
					     wide(i) ? "128 KiB" : "64 KiB");
		}
	}
	tc = n == to_tc;
	if (tc) {
		isa->status[i >> 2] |= (u8)(1u << (i & 3));
		c->swreq = false;
		if (c->mode & 0x10) { /* auto-initialise */
			c->addr = c->base_addr;
			c->count = c->base_count;
		} else {
			c->masked = true;
		}
	}
	pthread_mutex_lock(&isa->lock);
	if (type == 2)
		buf_append(&s->out, &s->out_len, &s->out_cap, buf, n * unit);
	periph = s->periph;
	tc_fn = s->tc;
	tc_arg = s->tc_arg;
	if (c->swreq || (type == 1 ? s->in_len >= unit : s->want > 0)) /* DREQ still up */
		kick_locked(isa, i, (u64)n * DMASIM_ISA_CYCLE_NS);
	pthread_mutex_unlock(&isa->lock);
	free(buf);
	if (tc && periph && tc_fn)
		dmasim_model_schedule(periph, 0, tc_fn, tc_arg, "ISA DMA TC");
}

/* ---- the ports ------------------------------------------------------------------ */

/* A channel was unmasked: with debug on, say if its transfer will wrap within the page. */
static void check_span(struct dmasim_isa *isa, unsigned int i)
{
	struct i8237_chan *c = &isa->ch[i];
	u32 units = (u32)c->count + 1;
	bool dec = c->mode & 0x20;

	if (c->warned || (dec ? units <= (u32)c->addr + 1 : c->addr + units <= 0x10000u))
		return;
	c->warned = true;
	dmasim__debug_report(dmasim__dev(isa->dev, "i8237"),
			     "ISA DMA channel %u: enabled with address 0x%06x and %u %s: the transfer "
			     "crosses a %s boundary, where the 8237's address wraps within the page "
			     "(to 0x%06x), so the wrong bytes are transferred: use a buffer that does "
			     "not cross one (kmalloc(GFP_DMA) of at most the page size, aligned)",
			     i, chan_phys(isa, i), units, wide(i) ? "words" : "bytes",
			     wide(i) ? "128 KiB" : "64 KiB",
			     wide(i) ? (u32)(isa->pages[page_off[i]] & 0xfe) << 16 | (dec ? 0x1fffe : 0)
				     : (u32)isa->pages[page_off[i]] << 16 | (dec ? 0xffff : 0));
}

static void set_mask(struct dmasim_isa *isa, unsigned int i, bool masked)
{
	bool was = isa->ch[i].masked;

	isa->ch[i].masked = masked;
	if (was && !masked && i != 4)
		check_span(isa, i);
}

static u64 ctl_read(struct dmasim_isa *isa, unsigned int ctl, unsigned int reg)
{
	if (reg < 8) {
		struct i8237_chan *c = &isa->ch[ctl * 4 + reg / 2];
		u16 v = reg & 1 ? c->count : c->addr;
		u8 b = isa->ff[ctl] ? (u8)(v >> 8) : (u8)v;

		isa->ff[ctl] = !isa->ff[ctl];
		return b;
	}
	if (reg == 8) { /* status: TC bits (cleared by the read), then the requests */
		u8 st = isa->status[ctl] & 0x0f;

		pthread_mutex_lock(&isa->lock);
		for (unsigned int k = 0; k < 4; k++) {
			struct isa_side *s = &isa->side[ctl * 4 + k];

			if (s->in_len || s->want || isa->ch[ctl * 4 + k].swreq)
				st |= (u8)(0x10u << k);
		}
		pthread_mutex_unlock(&isa->lock);
		isa->status[ctl] = 0;
		return st;
	}
	if (reg == 13)
		return isa->temp[ctl];
	return 0xff; /* write-only registers */
}

static void ctl_write(struct dmasim_isa *isa, unsigned int ctl, unsigned int reg, u8 v)
{
	unsigned int base = ctl * 4;
	int one = -1; /* the one channel the write concerns, or -1: the controller's */

	if (reg < 8) {
		struct i8237_chan *c = &isa->ch[base + reg / 2];
		u16 *cur = reg & 1 ? &c->count : &c->addr, *b = reg & 1 ? &c->base_count : &c->base_addr;

		if (isa->ff[ctl])
			*b = (u16)((*b & 0x00ff) | v << 8);
		else
			*b = (u16)((*b & 0xff00) | v);
		*cur = *b;
		c->warned = false;
		isa->ff[ctl] = !isa->ff[ctl];
		return;
	}
	switch (reg) {
	case 8: /* command */
		isa->cmd[ctl] = v;
		if (v & 0x01)
			dmasim__report(isa->p, "ISA DMA: controller %u: memory-to-memory transfers "
					       "(command 0x%02x) are not modelled", ctl + 1, v);
		break;
	case 9: /* request */
		isa->ch[base + (v & 3)].swreq = v & 0x04;
		one = (int)(base + (v & 3));
		break;
	case 10: /* single mask */
		set_mask(isa, base + (v & 3), v & 0x04);
		one = (int)(base + (v & 3));
		break;
	case 11: /* mode */
		isa->ch[base + (v & 3)].mode = v & 0xfc;
		one = (int)(base + (v & 3));
		break;
	case 12: /* clear the byte pointer */
		isa->ff[ctl] = false;
		return;
	case 13: /* master clear */
		isa->cmd[ctl] = isa->status[ctl] = isa->temp[ctl] = 0;
		isa->ff[ctl] = false;
		for (unsigned int k = 0; k < 4; k++) {
			isa->ch[base + k].masked = true;
			isa->ch[base + k].swreq = false;
		}
		break;
	case 14: /* clear all masks */
		for (unsigned int k = 0; k < 4; k++)
			set_mask(isa, base + k, false);
		break;
	case 15: /* write all masks */
		for (unsigned int k = 0; k < 4; k++)
			set_mask(isa, base + k, v & (1u << k));
		break;
	}
	if (one == 4 || (one < 0 && ctl == 1))
		kick_range(isa, 0, 7); /* the cascade changed: controller 1 too */
	else if (one >= 0)
		kick_range(isa, (unsigned int)one, (unsigned int)one);
	else
		kick_range(isa, base, base + 3);
}

static u64 dma1_read(struct dmasim_window *w, u64 off, unsigned int size)
{
	return ctl_read(dmasim_window_priv(w), 0, (unsigned int)off);
}

static void dma1_write(struct dmasim_window *w, u64 off, u64 val, unsigned int size)
{
	ctl_write(dmasim_window_priv(w), 0, (unsigned int)off, (u8)val);
}

static u64 dma2_read(struct dmasim_window *w, u64 off, unsigned int size)
{
	return ctl_read(dmasim_window_priv(w), 1, (unsigned int)off >> 1);
}

static void dma2_write(struct dmasim_window *w, u64 off, u64 val, unsigned int size)
{
	ctl_write(dmasim_window_priv(w), 1, (unsigned int)off >> 1, (u8)val);
}

static u64 page_read(struct dmasim_window *w, u64 off, unsigned int size)
{
	struct dmasim_isa *isa = dmasim_window_priv(w);

	return isa->pages[off];
}

static void page_write(struct dmasim_window *w, u64 off, u64 val, unsigned int size)
{
	struct dmasim_isa *isa = dmasim_window_priv(w);

	isa->pages[off] = (u8)val;
	for (unsigned int i = 0; i < DMASIM_ISA_NR_CHANNELS; i++)
		if (page_off[i] == off)
			isa->ch[i].warned = false;
}

/* ---- the controller ------------------------------------------------------------- */

void dmasim__isa_fini(struct dmasim_machine *mach)
{
	struct dmasim_isa *isa = mach->isa_dma;

	if (!isa)
		return;
	for (unsigned int i = 0; i < DMASIM_ISA_NR_CHANNELS; i++) {
		free(isa->side[i].in);
		free(isa->side[i].out);
	}
	pthread_mutex_destroy(&isa->lock);
	free(isa);
	mach->isa_dma = NULL;
}

void dmasim__isa_dump(struct dmasim_machine *mach, FILE *out)
{
	static const char *const types[] = { "verify", "to memory", "from memory", "illegal" };
	static const char *const modes[] = { "demand", "single", "block", "cascade" };
	struct dmasim_isa *isa = __atomic_load_n(&mach->isa_dma, __ATOMIC_ACQUIRE);

	if (!isa)
		return;
	dmasim_model_lock(isa->m);
	pthread_mutex_lock(&isa->lock);
	fprintf(out, "    8237 ISA DMA: command 0x%02x/0x%02x, status (TC) 0x%02x/0x%02x, "
		"flip-flop %s/%s\n", isa->cmd[0], isa->cmd[1], isa->status[0], isa->status[1],
		isa->ff[0] ? "high" : "low", isa->ff[1] ? "high" : "low");
	for (unsigned int i = 0; i < DMASIM_ISA_NR_CHANNELS; i++) {
		const struct i8237_chan *c = &isa->ch[i];
		const struct isa_side *s = &isa->side[i];

		fprintf(out, "      channel %u: %s, mode 0x%02x (%s, %s%s%s), bus 0x%06x, "
			"count 0x%04x (base 0x%04x, 0x%04x), %s%s",
			i, c->masked ? "masked" : "unmasked", c->mode | (i & 3), modes[c->mode >> 6],
			types[(c->mode >> 2) & 3], c->mode & 0x10 ? ", auto-init" : "",
			c->mode & 0x20 ? ", decrement" : "", chan_phys(isa, i), c->count,
			c->base_addr, c->base_count, i == 4 ? "the cascade" : s->busy ? "requested by " : "free",
			i != 4 && s->busy ? (s->owner ? s->owner : "(null)") : "");
		if (s->periph)
			fprintf(out, ", peripheral %s (DREQ: %zu byte(s) pushed, %zu requested)",
				s->periph->name, s->in_len, s->want);
		fprintf(out, "\n");
	}
	pthread_mutex_unlock(&isa->lock);
	dmasim_model_unlock(isa->m);
}

/* A model is destroyed: it is no longer the peripheral of any channel. */
void dmasim__isa_forget(struct dmasim_model *mdl)
{
	struct dmasim_isa *isa = __atomic_load_n(&mdl->mach->isa_dma, __ATOMIC_ACQUIRE);

	if (!isa || mdl == isa->m)
		return;
	pthread_mutex_lock(&isa->lock);
	for (unsigned int i = 0; i < DMASIM_ISA_NR_CHANNELS; i++) {
		struct isa_side *s = &isa->side[i];

		if (s->periph == mdl) {
			s->periph = NULL;
			s->tc = NULL;
			s->in_len = s->out_len = s->want = 0;
		}
	}
	pthread_mutex_unlock(&isa->lock);
}

static struct dmasim_isa *isa_get(struct dmasim_platform *p)
{
	struct dmasim_machine *mach = p ? dmasim__machine(p) : NULL;
	struct dmasim_isa *isa;

	if (!mach)
		return NULL;
	isa = __atomic_load_n(&mach->isa_dma, __ATOMIC_ACQUIRE);
	if (isa)
		return isa;
	pthread_mutex_lock(&isa_create_lock);
	isa = mach->isa_dma;
	if (isa)
		goto out;
	isa = calloc(1, sizeof(*isa));
	if (!isa)
		goto out;
	isa->p = p;
	pthread_mutex_init(&isa->lock, NULL);
	for (unsigned int i = 0; i < DMASIM_ISA_NR_CHANNELS; i++)
		isa->ch[i].masked = true;
	isa->ch[4].masked = false; /* as the BIOS leaves it: the cascade, on */
	isa->ch[4].mode = 0xc0;
	isa->dev = dmasim_device_create(p, "name=i8237 mask=24 coherent=1 iommu=0");
	if (!isa->dev) {
		isa->dev = dmasim_device_create(p, "name=i8237 mask=24 coherent=1");
	}
	if (isa->dev) /* ISA DMA is programmed with bus addresses, not mapped with the DMA API */
		dmasim__dev(isa->dev, "i8237")->legacy_dma = true;
	isa->m = isa->dev ? dmasim_model_create(p, "i8237", isa->dev, isa) : NULL;
	if (!isa->m ||
	    !dmasim_window_add(isa->m, &(struct dmasim_window_desc){
		    .kind = DMASIM_WINDOW_PORT, .name = "dma1", .base = 0x00, .size = 0x10,
		    .widths = 1, .read = dma1_read, .write = dma1_write }) ||
	    !dmasim_window_add(isa->m, &(struct dmasim_window_desc){
		    .kind = DMASIM_WINDOW_PORT, .name = "dma page", .base = 0x80, .size = 0x10,
		    .widths = 1, .read = page_read, .write = page_write }) ||
	    !dmasim_window_add(isa->m, &(struct dmasim_window_desc){
		    .kind = DMASIM_WINDOW_PORT, .name = "dma2", .base = 0xc0, .size = 0x20,
		    .widths = 1, .read = dma2_read, .write = dma2_write })) {
		dmasim__log(p, DMASIM_LOG_ERR, "dmasim: the 8237 ISA DMA controller cannot be made");
		dmasim_model_destroy(isa->m);
		dmasim_device_destroy(isa->dev);
		pthread_mutex_destroy(&isa->lock);
		free(isa);
		isa = NULL;
		goto out;
	}
	__atomic_store_n(&mach->isa_dma, isa, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&isa_create_lock);
	return isa;
}

struct dmasim_model *dmasim_i8237(struct dmasim_platform *p)
{
	struct dmasim_isa *isa = isa_get(p);

	return isa ? isa->m : NULL;
}

/* ---- the peripheral side ----------------------------------------------------------- */

static struct isa_side *periph_side(struct dmasim_model *periph, unsigned int chan,
				    struct dmasim_isa **isap, const char *call)
{
	struct dmasim_isa *isa = periph ? isa_get(dmasim_model_platform(periph)) : NULL;

	if (!isa)
		return NULL;
	if (chan >= DMASIM_ISA_NR_CHANNELS || chan == 4) {
		dmasim__report(isa->p, "ISA DMA: %s: %s: channel %u is not a DMA channel (0-3, 5-7)",
			       call, periph->name, chan);
		return NULL;
	}
	*isap = isa;
	return &isa->side[chan];
}

int dmasim_isa_dma_attach(struct dmasim_model *periph, unsigned int chan, dmasim_event_fn tc,
			  void *arg)
{
	struct dmasim_isa *isa;
	struct isa_side *s = periph_side(periph, chan, &isa, "dmasim_isa_dma_attach");
	int ret = 0;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&isa->lock);
	if (s->periph && s->periph != periph) {
		ret = -EBUSY;
	} else {
		s->periph = periph;
		s->tc = tc;
		s->tc_arg = arg;
	}
	pthread_mutex_unlock(&isa->lock);
	if (ret)
		dmasim__log(isa->p, DMASIM_LOG_WARN,
			    "dmasim_isa_dma_attach: %s: channel %u already has %s", periph->name, chan,
			    s->periph->name);
	return ret;
}

/* The peripheral's side of @chan, locked, if @periph is attached there. */
static struct isa_side *attached(struct dmasim_model *periph, unsigned int chan,
				 struct dmasim_isa **isap, const char *call)
{
	struct isa_side *s = periph_side(periph, chan, isap, call);

	if (!s)
		return NULL;
	pthread_mutex_lock(&(*isap)->lock);
	if (s->periph != periph) {
		pthread_mutex_unlock(&(*isap)->lock);
		dmasim__report((*isap)->p, "ISA DMA: %s: %s is not attached to channel %u", call,
			       periph->name, chan);
		return NULL;
	}
	return s;
}

void dmasim_isa_dma_detach(struct dmasim_model *periph, unsigned int chan)
{
	struct dmasim_isa *isa;
	struct isa_side *s = attached(periph, chan, &isa, "dmasim_isa_dma_detach");

	if (!s)
		return;
	s->periph = NULL;
	s->tc = NULL;
	s->in_len = s->out_len = s->want = 0;
	pthread_mutex_unlock(&isa->lock);
}

int dmasim_isa_dma_push(struct dmasim_model *periph, unsigned int chan, const void *data,
			size_t len)
{
	struct dmasim_isa *isa;
	struct isa_side *s = attached(periph, chan, &isa, "dmasim_isa_dma_push");
	int ret;

	if (!s)
		return -EINVAL;
	ret = buf_append(&s->in, &s->in_len, &s->in_cap, data, len);
	kick_locked(isa, chan, DMASIM_ISA_CYCLE_NS);
	pthread_mutex_unlock(&isa->lock);
	return ret;
}

int dmasim_isa_dma_request(struct dmasim_model *periph, unsigned int chan, size_t len)
{
	struct dmasim_isa *isa;
	struct isa_side *s = attached(periph, chan, &isa, "dmasim_isa_dma_request");

	if (!s)
		return -EINVAL;
	s->want += len;
	kick_locked(isa, chan, DMASIM_ISA_CYCLE_NS);
	pthread_mutex_unlock(&isa->lock);
	return 0;
}

size_t dmasim_isa_dma_pull(struct dmasim_model *periph, unsigned int chan, void *buf, size_t len)
{
	struct dmasim_isa *isa;
	struct isa_side *s = attached(periph, chan, &isa, "dmasim_isa_dma_pull");

	if (!s)
		return 0;
	if (len > s->out_len)
		len = s->out_len;
	if (len) {
		memcpy(buf, s->out, len);
		memmove(s->out, s->out + len, s->out_len - len);
		s->out_len -= len;
	}
	pthread_mutex_unlock(&isa->lock);
	return len;
}

size_t dmasim_isa_dma_pending(struct dmasim_model *periph, unsigned int chan)
{
	struct dmasim_isa *isa;
	struct isa_side *s = attached(periph, chan, &isa, "dmasim_isa_dma_pending");
	size_t n;

	if (!s)
		return 0;
	n = s->in_len + s->want;
	pthread_mutex_unlock(&isa->lock);
	return n;
}

void dmasim_isa_dma_cancel(struct dmasim_model *periph, unsigned int chan)
{
	struct dmasim_isa *isa;
	struct isa_side *s = attached(periph, chan, &isa, "dmasim_isa_dma_cancel");

	if (!s)
		return;
	s->in_len = 0;
	s->want = 0;
	pthread_mutex_unlock(&isa->lock);
}

/* ---- the kernel's ISA DMA API (<asm/dma.h>) ------------------------------------------ */

DEFINE_SPINLOCK(dma_spin_lock);

unsigned long claim_dma_lock(void)
{
	unsigned long flags = dmasim_local_irq_save();

	dmasim_spin_lock(&dma_spin_lock);
	return flags;
}

void release_dma_lock(unsigned long flags)
{
	dmasim_spin_unlock(&dma_spin_lock);
	dmasim_local_irq_restore(flags);
}

/* The current platform's controller, if @dmanr is a channel a driver may program. */
static struct dmasim_isa *api_chan(unsigned int dmanr, const char *call)
{
	struct dmasim_platform *p = dmasim__current(call);
	struct dmasim_isa *isa = isa_get(p);

	if (!isa)
		return NULL;
	if (dmanr >= MAX_DMA_CHANNELS) {
		dmasim__report(p, "ISA DMA: %s: channel %u does not exist (0-7)", call, dmanr);
		return NULL;
	}
	if (dmanr == 4) {
		dmasim__report(p, "ISA DMA: %s: channel 4 is the cascade of channels 0-3, not for "
				  "drivers", call);
		return NULL;
	}
	return isa;
}

int request_dma(unsigned int dmanr, const char *device_id)
{
	struct dmasim_platform *p = dmasim__current("request_dma");
	struct dmasim_isa *isa = isa_get(p);
	struct isa_side *s;
	const char *owner = NULL;

	if (!isa)
		return -EINVAL;
	if (dmanr >= MAX_DMA_CHANNELS) { /* kernel/dma.c */
		dmasim__report(p, "ISA DMA: request_dma: channel %u does not exist (0-7): -EINVAL",
			       dmanr);
		return -EINVAL;
	}
	s = &isa->side[dmanr];
	pthread_mutex_lock(&isa->lock);
	if (dmanr == 4 || s->busy)
		owner = dmanr == 4 ? "cascade" : s->owner;
	else {
		s->busy = true;
		s->owner = device_id;
	}
	pthread_mutex_unlock(&isa->lock);
	if (dmanr == 4 || owner) {
		dmasim__log(p, DMASIM_LOG_WARN, "ISA DMA: request_dma: channel %u (for %s) is in use "
			    "by %s: -EBUSY", dmanr, device_id ? device_id : "(null)",
			    owner ? owner : "(null)");
		return -EBUSY;
	}
	return 0;
}

void free_dma(unsigned int dmanr)
{
	struct dmasim_platform *p = dmasim__current("free_dma");
	struct dmasim_isa *isa = isa_get(p);
	bool was;

	if (!isa)
		return;
	if (dmanr >= MAX_DMA_CHANNELS || dmanr == 4) {
		dmasim__report(p, "ISA DMA: free_dma: trying to free DMA%u, %s", dmanr,
			       dmanr == 4 ? "the cascade (not requested by a driver)"
					  : "which does not exist (0-7)");
		return;
	}
	pthread_mutex_lock(&isa->lock);
	was = isa->side[dmanr].busy;
	isa->side[dmanr].busy = false;
	isa->side[dmanr].owner = NULL;
	pthread_mutex_unlock(&isa->lock);
	if (!was)
		dmasim__report(p, "ISA DMA: free_dma: trying to free free DMA%u (never requested, "
				  "or freed twice)", dmanr);
}

static unsigned int mask_port(unsigned int ch)
{
	return ch <= 3 ? DMA1_MASK_REG : DMA2_MASK_REG;
}

void enable_dma(unsigned int dmanr)
{
	if (api_chan(dmanr, "enable_dma"))
		outb((u8)(dmanr & 3), mask_port(dmanr));
}

void disable_dma(unsigned int dmanr)
{
	if (api_chan(dmanr, "disable_dma"))
		outb((u8)((dmanr & 3) | 4), mask_port(dmanr));
}

void clear_dma_ff(unsigned int dmanr)
{
	if (api_chan(dmanr, "clear_dma_ff"))
		outb(0, dmanr <= 3 ? DMA1_CLEAR_FF_REG : DMA2_CLEAR_FF_REG);
}

void set_dma_mode(unsigned int dmanr, char mode)
{
	struct dmasim_isa *isa = api_chan(dmanr, "set_dma_mode");

	if (!isa)
		return;
	if (((u8)mode & 0x0c) == 0x0c || ((u8)mode & 3) != 0)
		dmasim__report(isa->p, "ISA DMA: set_dma_mode: channel %u: mode 0x%02x %s", dmanr,
			       (u8)mode, ((u8)mode & 3) ? "has channel bits set (the call adds the "
							  "channel)"
							: "has the illegal transfer type 11");
	outb((u8)((u8)mode | (dmanr & 3)), dmanr <= 3 ? DMA1_MODE_REG : DMA2_MODE_REG);
}

void set_dma_page(unsigned int dmanr, char pagenr)
{
	if (api_chan(dmanr, "set_dma_page"))
		outb(dmanr <= 3 ? (u8)pagenr : (u8)pagenr & 0xfe, 0x80 + page_off[dmanr]);
}

static unsigned int addr_port(unsigned int ch)
{
	return ch <= 3 ? IO_DMA1_BASE + (ch << 1) : IO_DMA2_BASE + ((ch & 3) << 2);
}

void set_dma_addr(unsigned int dmanr, unsigned int a)
{
	struct dmasim_isa *isa = api_chan(dmanr, "set_dma_addr");

	if (!isa)
		return;
	if (a >> 24)
		dmasim__debug_report(dmasim__dev(isa->dev, "set_dma_addr"),
				     "ISA DMA channel %u: set_dma_addr(0x%x): the address is above "
				     "the 8237's 16 MiB reach (24 bits): the controller transfers at "
				     "0x%06x instead; allocate ISA DMA buffers with GFP_DMA",
				     dmanr, a, a & 0xffffffu);
	if (dmanr > 4 && (a & 1))
		dmasim__report(isa->p, "ISA DMA: set_dma_addr: channel %u: odd address 0x%x on a "
				  "16-bit channel (its transfers are words: bit 0 is dropped)",
			       dmanr, a);
	set_dma_page(dmanr, (char)(a >> 16));
	if (dmanr <= 3) {
		outb((u8)(a & 0xff), addr_port(dmanr));
		outb((u8)((a >> 8) & 0xff), addr_port(dmanr));
	} else {
		outb((u8)((a >> 1) & 0xff), addr_port(dmanr));
		outb((u8)((a >> 9) & 0xff), addr_port(dmanr));
	}
}

void set_dma_count(unsigned int dmanr, unsigned int count)
{
	struct dmasim_isa *isa = api_chan(dmanr, "set_dma_count");
	unsigned int max = dmanr <= 3 ? 0x10000 : 0x20000;

	if (!isa)
		return;
	if (!count || count > max || (dmanr > 4 && (count & 1)))
		dmasim__report(isa->p, "ISA DMA: set_dma_count: channel %u: count %u %s", dmanr,
			       count, !count ? "is 0 (the controller would do 65536 transfers)"
			       : count > max ? (dmanr <= 3 ? "is more than 64 KiB, what an 8-bit "
							     "channel can move"
							   : "is more than 128 KiB, what a 16-bit "
							     "channel can move")
					     : "is odd on a 16-bit channel (it counts words)");
	count--;
	if (dmanr <= 3) {
		outb((u8)(count & 0xff), addr_port(dmanr) + 1);
		outb((u8)((count >> 8) & 0xff), addr_port(dmanr) + 1);
	} else {
		outb((u8)((count >> 1) & 0xff), addr_port(dmanr) + 2);
		outb((u8)((count >> 9) & 0xff), addr_port(dmanr) + 2);
	}
}

int get_dma_residue(unsigned int dmanr)
{
	unsigned int port;
	u16 count; /* 16 bits: after terminal count (0xffff) the residue is 0 */

	if (!api_chan(dmanr, "get_dma_residue"))
		return 0;
	port = addr_port(dmanr) + (dmanr <= 3 ? 1 : 2);
	count = (u16)(1 + inb(port));
	count = (u16)(count + (inb(port) << 8));
	return (int)(dmanr <= 3 ? count : count << 1);
}

unsigned long dmasim_page_offset(void)
{
	struct dmasim_platform *p = dmasim__current("PAGE_OFFSET");

	if (!p || !p->linear_base)
		return 0;
	return (unsigned long)(p->linear_base - p->linear_phys0);
}
