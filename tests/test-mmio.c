/*
 * tests/test-mmio.c - register windows (lib/dev/mmio.c): ioremap() onto a
 * model's MMIO window, readb/w/l/q() and writeb/w/l/q() reaching its
 * callbacks or its register file (read-only, write-1-to-clear, side
 * effects), the checks of width, alignment and cookie, memcpy_toio(), I/O
 * ports (inb()/outb()) and request_region(), and the trace events of
 * register accesses.  Kernel contracts: include/asm-generic/io.h (the
 * accessors), kernel/resource.c (request_region(), "Trying to free
 * nonexistent resource").
 */
#include "testutil.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/slab.h>

/* A raw window: 256 bytes of storage, every access recorded. */
struct raw {
	unsigned char mem[256];
	u64 last_off;
	unsigned int last_size;
	int reads, writes;
};

static u64 raw_read(struct dmasim_window *w, u64 off, unsigned int size)
{
	struct raw *r = dmasim_window_priv(w);
	u64 v = 0;

	r->reads++;
	r->last_off = off;
	r->last_size = size;
	memcpy(&v, r->mem + off, size);
	return v;
}

static void raw_write(struct dmasim_window *w, u64 off, u64 val, unsigned int size)
{
	struct raw *r = dmasim_window_priv(w);

	r->writes++;
	r->last_off = off;
	r->last_size = size;
	memcpy(r->mem + off, &val, size);
}

static void test_raw_window(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct raw raw = { 0 };
	struct dmasim_model *m = dmasim_model_create(p, "rawdev", NULL, &raw);
	struct dmasim_window *w = dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "regs", .size = 256,
			.read = raw_read, .write = raw_write });
	void __iomem *base;

	(void)state;
	assert_non_null(w);
	/* Placed in the MMIO space, page aligned, apart from RAM. */
	assert_true(dmasim_window_base(w) >= 0xe0000000ULL);
	assert_int_equal(dmasim_window_base(w) & 0xfff, 0);
	base = ioremap(dmasim_window_base(w), 256);
	assert_non_null(base);

	writel(0x11223344, base + 0x10);
	assert_int_equal(raw.last_off, 0x10);
	assert_int_equal(raw.last_size, 4);
	assert_int_equal(raw.mem[0x10], 0x44);
	assert_int_equal(readl(base + 0x10), 0x11223344);
	assert_int_equal(readb(base + 0x11), 0x33);
	assert_int_equal(raw.last_size, 1);
	assert_int_equal(readw(base + 0x12), 0x1122);
	writeq(0x0102030405060708ULL, base + 0x20);
	assert_true(readq(base + 0x20) == 0x0102030405060708ULL);
	writeb_relaxed(0xaa, base + 0x30);
	assert_int_equal(ioread8(base + 0x30), 0xaa);
	iowrite32(0xdeadbeef, base + 0x40);
	assert_int_equal(readl_relaxed(base + 0x40), 0xdeadbeef);
	assert_int_equal(raw.writes, 4);
	assert_int_equal(raw.reads, 6);
	assert_int_equal(dmasim_debug_errors(p), 0);
	iounmap(base);
	dmasim_platform_destroy(p);
}

/* A register file with side effects: what a NIC's control block looks like. */
static int doorbells;
static u64 last_old, last_new;

static void ctrl_write(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val)
{
	doorbells++;
	last_old = old;
	last_new = val;
	dmasim_reg_set(w, 0x4, dmasim_reg_get(w, 0x4) | 0x3); /* raise two status bits */
}

static u64 counter_read(struct dmasim_window *w, const struct dmasim_reg *r, u64 val)
{
	dmasim_reg_set(w, r->offset, val + 1); /* counts its reads */
	return val;
}

static const struct dmasim_reg regs[] = {
	{ .offset = 0x0, .name = "CTRL", .write = ctrl_write },
	{ .offset = 0x4, .name = "STATUS", .flags = DMASIM_REG_W1C },
	{ .offset = 0x8, .name = "ID", .reset = 0x8086abcd, .flags = DMASIM_REG_RO },
	{ .offset = 0xc, .width = 2, .name = "COUNT", .read = counter_read },
	{ .offset = 0x10, .name = "KEY", .flags = DMASIM_REG_WO },
};

static void test_register_file(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dmasim_model *m = dmasim_model_create(p, "nic0", NULL, NULL);
	struct dmasim_window *w = dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "bar0", .size = 0x20,
			.regs = regs, .nr_regs = 5 });
	void __iomem *bar;

	(void)state;
	assert_non_null(w);
	bar = ioremap(dmasim_window_base(w), 0x20);
	assert_non_null(bar);
	assert_int_equal(readl(bar + 0x8), 0x8086abcd);
	writel(0x5, bar + 0x0);
	assert_int_equal(doorbells, 1);
	assert_int_equal(last_old, 0);
	assert_int_equal(last_new, 5);
	assert_int_equal(readl(bar + 0x4), 0x3);
	writel(0x1, bar + 0x4); /* write 1 to clear bit 0 */
	assert_int_equal(readl(bar + 0x4), 0x2);
	assert_int_equal(readw(bar + 0xc), 0);
	assert_int_equal(readw(bar + 0xc), 1);
	writel(0x1234, bar + 0x10);
	assert_int_equal(readl(bar + 0x10), 0); /* write-only reads 0 */
	dmasim_model_lock(m);
	assert_int_equal(dmasim_reg_get(w, 0x10), 0x1234);
	dmasim_model_unlock(m);
	assert_int_equal(dmasim_debug_errors(p), 0);

	/* Misuse: each one report, the kernel's all-ones for reads. */
	writel(0, bar + 0x8);
	assert_log_has("nic0: register ID is read-only (wrote 0x0)");
	assert_int_equal(readl(bar + 0x8), 0x8086abcd);
	assert_int_equal(readl(bar + 0x14), 0xffffffff);
	assert_log_has("readl: nic0: window bar0 has no register at offset 0x14");
	assert_int_equal(readb(bar + 0x0), 0xff);
	assert_log_has("readb: nic0: register CTRL is 4 bytes wide, accessed with 1");
	assert_int_equal(dmasim_debug_errors(p), 3);
	iounmap(bar);
	dmasim_platform_destroy(p);
}

static void test_widths_and_alignment(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct raw raw = { 0 };
	struct dmasim_model *m = dmasim_model_create(p, "w32", NULL, &raw);
	struct dmasim_window *w = dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "regs", .size = 64, .widths = 4,
			.read = raw_read, .write = raw_write });
	void __iomem *b = ioremap(dmasim_window_base(w), 64);

	(void)state;
	writel(1, b + 4);
	assert_int_equal(dmasim_debug_errors(p), 0);
	assert_int_equal(readw(b + 4), 0xffff);
	assert_log_has("readw: w32: window regs at offset 0x4: 2-byte access, the device takes widths mask 0x4");
	assert_int_equal(readl(b + 2), 0xffffffff);
	assert_log_has("unaligned 4-byte access at offset 0x2");
	assert_int_equal(raw.reads, 0); /* neither reached the model */
	assert_int_equal(dmasim_debug_errors(p), 2);
	iounmap(b);
	dmasim_platform_destroy(p);
}

static void test_ioremap_errors_and_cookies(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic ram=256M@0x80000000");
	struct raw raw = { 0 };
	struct dmasim_model *m = dmasim_model_create(p, "dev", NULL, &raw);
	struct dmasim_window *w = dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "regs", .size = 0x100,
			.read = raw_read, .write = raw_write });
	u64 base = dmasim_window_base(w);
	u32 *ram = kmalloc(64, GFP_KERNEL);
	void __iomem *b;

	(void)state;
	assert_null(ioremap(0x80000000, 4096));
	assert_log_has("is RAM, not device registers");
	assert_null(ioremap(base + 0x80, 0x100));
	assert_log_has("beyond window regs of dev");
	assert_null(ioremap(base + 0x100000, 16));
	assert_log_has("no device registers at phys");
	assert_int_equal(dmasim_debug_errors(p), 0); /* failures, not misuse */

	/* A RAM pointer given to readl(): reported, all-ones, RAM untouched. */
	ram[0] = 7;
	assert_int_equal(readl((void __iomem *)ram), 0xffffffff);
	assert_log_has("is not an MMIO address from ioremap()");
	assert_int_equal(dmasim_debug_errors(p), 1);

	/* Use after iounmap(), and iounmap() twice. */
	b = ioremap(base, 0x100);
	writel(1, b);
	iounmap(b);
	tu_log_clear();
	assert_int_equal(readl(b), 0xffffffff);
	assert_log_has("window regs is not ioremap()ed (used after iounmap()?)");
	iounmap(b);
	assert_log_has("iounmap: ");
	assert_int_equal(dmasim_debug_errors(p), 3);

	/* A window placed by the model at a fixed address, and one that collides. */
	assert_non_null(dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "fixed", .base = 0xe8000000, .size = 4096,
			.read = raw_read, .write = raw_write }));
	assert_null(dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "clash", .base = 0xe8000000, .size = 16,
			.read = raw_read, .write = raw_write }));
	assert_log_has("the range overlaps another window");
	assert_null(dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "bad", .size = 16, .read = raw_read }));
	assert_log_has("give either read and write callbacks, or a register table");
	kfree(ram);
	dmasim_platform_destroy(p);
}

/* Dereferencing an __iomem cookie instead of using readl() faults at once. */
static void test_plain_dereference_faults(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct raw raw = { 0 };
	struct dmasim_model *m = dmasim_model_create(p, "dev", NULL, &raw);
	struct dmasim_window *w = dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "regs", .size = 0x100,
			.read = raw_read, .write = raw_write });
	void __iomem *b = ioremap(dmasim_window_base(w), 0x100);
	int status;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		char copy[16];

		signal(SIGSEGV, SIG_DFL); /* not cmocka's handler */
		memcpy(copy, (void *)b, sizeof(copy)); /* the bug: memcpy, not memcpy_fromio */
		_exit(copy[0] == 42 ? 3 : 0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* Killed by SIGSEGV, or (under a sanitizer) exited with its report. */
	assert_true((WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) ||
		    (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3));
	iounmap(b);
	dmasim_platform_destroy(p);
}

static void test_memcpy_io(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct raw raw = { 0 };
	struct dmasim_model *m = dmasim_model_create(p, "fifo", NULL, &raw);
	struct dmasim_window *w = dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "sram", .size = 256,
			.read = raw_read, .write = raw_write });
	void __iomem *b = ioremap(dmasim_window_base(w), 256);
	char out[40] = { 0 };

	(void)state;
	memcpy_toio(b + 3, "hello, device memory, 37 bytes long!", 37);
	assert_memory_equal(raw.mem + 3, "hello, device memory, 37 bytes long!", 37);
	memcpy_fromio(out, b + 3, 37);
	assert_string_equal(out, "hello, device memory, 37 bytes long!");
	memset_io(b + 100, 0x5a, 10);
	assert_int_equal(raw.mem[109], 0x5a);
	assert_int_equal(raw.mem[110], 0);
	assert_int_equal(dmasim_debug_errors(p), 0);
	iounmap(b);
	dmasim_platform_destroy(p);
}

static void test_ports(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct raw raw = { 0 };
	struct dmasim_model *m = dmasim_model_create(p, "uart", NULL, &raw);
	struct dmasim_window *w = dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_PORT, .name = "com1", .base = 0x3f8, .size = 8,
			.read = raw_read, .write = raw_write });
	struct resource *r;

	(void)state;
	assert_non_null(w);
	assert_int_equal(dmasim_window_base(w), 0x3f8);
	r = request_region(0x3f8, 8, "serial");
	assert_non_null(r);
	assert_int_equal(r->start, 0x3f8);
	assert_int_equal(resource_size(r), 8);
	outb('A', 0x3f8);
	assert_int_equal(raw.mem[0], 'A');
	assert_int_equal(inb(0x3f8), 'A');
	outw(0x1234, 0x3fa);
	assert_int_equal(inw(0x3fa), 0x1234);
	outl(0xcafef00d, 0x3fc);
	assert_int_equal(inl(0x3fc), 0xcafef00d);
	assert_int_equal(dmasim_debug_errors(p), 0);

	/* Nothing at a port: all-ones and a warning (ISA probing does this), not misuse. */
	assert_int_equal(inb(0x2f8), 0xff);
	assert_log_has("inb: no device at port 0x2f8 (1 bytes): reads all-ones");
	assert_int_equal(dmasim_debug_errors(p), 0);
	/* A busy region, then a release of one never requested. */
	assert_null(request_region(0x3fc, 2, "other"));
	assert_log_has("request_region: 0x3fc-0x3fd (other) busy: held by serial");
	release_region(0x2f8, 8);
	assert_log_has("release_region: trying to free nonexistent resource <0x2f8-0x2ff>");
	assert_int_equal(dmasim_debug_errors(p), 1);
	release_region(0x3f8, 8);
	assert_non_null(request_mem_region(0xe0000000, 0x1000, "bar"));
	release_mem_region(0xe0000000, 0x1000);
	assert_int_equal(dmasim_debug_errors(p), 1);
	/* A port window overlapping it cannot be added. */
	assert_null(dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_PORT, .name = "com1b", .base = 0x3fc, .size = 8,
			.read = raw_read, .write = raw_write }));
	dmasim_platform_destroy(p);
}

#define MAX_EV 16
static char evname[MAX_EV][16], evmsg[MAX_EV][16];
static u64 evval[MAX_EV], evphys[MAX_EV];
static int nev;

static void collect(void *ctx, const struct dmasim_trace_event *ev)
{
	(void)ctx;
	if (nev >= MAX_EV || strncmp(ev->ev, "mmio", 4))
		return;
	snprintf(evname[nev], sizeof(evname[0]), "%s", ev->ev);
	snprintf(evmsg[nev], sizeof(evmsg[0]), "%s", ev->msg ? ev->msg : "");
	evval[nev] = ev->has_val ? ev->val : ~0ULL;
	evphys[nev] = ev->phys;
	nev++;
}

static void test_trace_events(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dmasim_model *m = dmasim_model_create(p, "nic0", NULL, NULL);
	struct dmasim_window *w = dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "bar0", .size = 0x20,
			.regs = regs, .nr_regs = 5 });
	void __iomem *bar = ioremap(dmasim_window_base(w), 0x20);

	(void)state;
	nev = 0;
	doorbells = 0;
	dmasim_trace_set(p, collect, NULL);
	writel(9, bar);
	readl(bar + 8);
	dmasim_trace_set(p, NULL, NULL);
	assert_int_equal(nev, 2);
	assert_string_equal(evname[0], "mmio_write");
	assert_string_equal(evmsg[0], "CTRL");
	assert_int_equal(evval[0], 9);
	assert_int_equal(evphys[0], dmasim_window_base(w));
	assert_string_equal(evname[1], "mmio_read");
	assert_string_equal(evmsg[1], "ID");
	assert_int_equal(evval[1], 0x8086abcd);
	assert_int_equal(evphys[1], dmasim_window_base(w) + 8);
	iounmap(bar);
	dmasim_platform_destroy(p);
}

/* dmasim_platform_dump() shows the models, their windows and registers, and the lines. */
static void test_dump(void **state)
{
	struct dmasim_platform *p = tu_platform("exec=deterministic");
	struct dmasim_model *m = dmasim_model_create(p, "nic0", NULL, NULL);
	struct dmasim_window *w = dmasim_window_add(m, &(struct dmasim_window_desc){
			.kind = DMASIM_WINDOW_MMIO, .name = "bar0", .size = 0x20,
			.regs = regs, .nr_regs = 5 });
	void __iomem *bar = ioremap(dmasim_window_base(w), 0x20);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_int_equal(dmasim_irq_connect(m, 9, DMASIM_IRQ_LEVEL), 0);
	dmasim_platform_dump(p, f);
	fclose(f);
	assert_non_null(strstr(text, "device models: exec=deterministic, virtual time 0 ns; MMIO space 0xe0000000-0xefffffff"));
	assert_non_null(strstr(text, "model nic0: 0 pending event(s)"));
	assert_non_null(strstr(text, "MMIO bar0: phys 0xe0000000-0xe000001f, ioremap()ed 1 time(s)"));
	assert_non_null(strstr(text, "ID           +0x08 = 0x8086abcd"));
	assert_non_null(strstr(text, "irq 9: level, 0 run(s), handlers: none"));
	free(text);
	iounmap(bar);
	dmasim_platform_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_window),
		cmocka_unit_test(test_register_file),
		cmocka_unit_test(test_widths_and_alignment),
		cmocka_unit_test(test_ioremap_errors_and_cookies),
		cmocka_unit_test(test_plain_dereference_faults),
		cmocka_unit_test(test_memcpy_io),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_trace_events),
		cmocka_unit_test(test_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
