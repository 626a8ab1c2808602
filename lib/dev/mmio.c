/*
 * lib/dev/mmio.c - register windows: the simulated MMIO space and the I/O
 * port space, ioremap()/iounmap(), the accessors of <linux/io.h> (readl(),
 * writel(), ioread32(), memcpy_toio(), inb(), outb(), ...), and
 * request_region()/request_mem_region().  Part of the device side
 * (lib/dev/).
 *
 * The MMIO space is a range of physical addresses apart from RAM.  Its
 * host twin is a reservation of address space with no access at all
 * (PROT_NONE): ioremap() returns the address in it that corresponds to the
 * physical one, the accessors turn it back into a window and an offset and
 * call the model, and driver code that dereferences an __iomem pointer
 * (or memcpy()s from it) instead of using the accessors faults at once.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dev/dev.h"

#include <linux/io.h>
#include <linux/ioport.h>

#define MMIO_SPACE (256ULL << 20)
#define MMIO_DEFAULT_BASE 0xe0000000ULL
#define MAX_WINDOW (16ULL << 20)

/* Every machine's MMIO reservation, so that a cookie finds its machine. */
#define MAX_SPACES 32
static struct dmasim_machine *spaces[MAX_SPACES];

static bool overlaps_ram(struct dmasim_platform *p, u64 base, u64 size)
{
	for (int i = 0; i < p->nr_regions; i++)
		if (base < p->regions[i].base + p->regions[i].size &&
		    p->regions[i].base < base + size)
			return true;
	return false;
}

int dmasim__mmio_init(struct dmasim_machine *m)
{
	struct dmasim_platform *p = m->plat;
	u64 base = MMIO_DEFAULT_BASE;
	void *host;
	int i;

	if (overlaps_ram(p, base, MMIO_SPACE))
		base = ALIGN(p->phys_max + 1, 1ULL << 30);
	host = mmap(NULL, MMIO_SPACE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (host == MAP_FAILED) {
		dmasim__log(p, DMASIM_LOG_ERR, "dmasim: device models: cannot reserve the MMIO space");
		return -ENOMEM;
	}
	m->mmio_base = base;
	m->mmio_size = MMIO_SPACE;
	m->mmio_next = base;
	m->mmio_host = host;
	for (i = 0; i < MAX_SPACES; i++) {
		struct dmasim_machine *none = NULL;

		if (__atomic_compare_exchange_n(&spaces[i], &none, m, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return 0;
	}
	dmasim__log(p, DMASIM_LOG_ERR, "dmasim: device models: more than %d live platforms have MMIO",
		    MAX_SPACES);
	munmap(host, MMIO_SPACE);
	m->mmio_host = NULL;
	return -ENOMEM;
}

void dmasim__mmio_fini(struct dmasim_machine *m)
{
	struct dmasim_region_req *r;

	for (int i = 0; i < MAX_SPACES; i++)
		if (__atomic_load_n(&spaces[i], __ATOMIC_ACQUIRE) == m)
			__atomic_store_n(&spaces[i], NULL, __ATOMIC_RELEASE);
	while ((r = LIST_FIRST(&m->regions)) != NULL) {
		dmasim__log(m->plat, DMASIM_LOG_WARN,
			    "dmasim: %s region 0x%llx-0x%llx (%s) never released",
			    r->mem ? "memory" : "I/O port", (unsigned long long)r->start,
			    (unsigned long long)r->end, r->name);
		LIST_REMOVE(r, link);
		free(r);
	}
	if (m->mmio_host)
		munmap(m->mmio_host, m->mmio_size);
	m->mmio_host = NULL;
}

/* ---- windows -------------------------------------------------------------------- */

static bool width_ok(unsigned int widths, unsigned int size)
{
	return !widths || (widths & size);
}

static const struct dmasim_reg *find_reg(const struct dmasim_window *w, u64 off)
{
	for (unsigned int i = 0; i < w->desc.nr_regs; i++)
		if (w->desc.regs[i].offset == off)
			return &w->desc.regs[i];
	return NULL;
}

static unsigned int reg_width(const struct dmasim_reg *r)
{
	return r->width ? r->width : 4;
}

static u64 width_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* A window of @kind at [@base, @base + @size) (mach->lock held). */
static struct dmasim_window *find_window(struct dmasim_machine *m, int kind, u64 base, u64 size)
{
	struct dmasim_window *w;

	LIST_FOREACH(w, &m->windows, link)
		if (w->desc.kind == kind && base < w->desc.base + w->desc.size &&
		    w->desc.base < base + size)
			return w;
	return NULL;
}

struct dmasim_window *dmasim_window_add(struct dmasim_model *mdl,
					const struct dmasim_window_desc *desc)
{
	struct dmasim_machine *m;
	struct dmasim_platform *p;
	struct dmasim_window *w;
	const char *why = NULL;
	u64 base, size;

	if (!mdl || !desc)
		return NULL;
	m = mdl->mach;
	p = m->plat;
	size = desc->size;
	if (desc->kind != DMASIM_WINDOW_MMIO && desc->kind != DMASIM_WINDOW_PORT)
		why = "kind is neither DMASIM_WINDOW_MMIO nor DMASIM_WINDOW_PORT";
	else if (!desc->name || !*desc->name || strlen(desc->name) >= sizeof(w->name))
		why = "a name of 1-63 characters is needed";
	else if (!size || (desc->kind == DMASIM_WINDOW_MMIO && size > MAX_WINDOW))
		why = "size must be 1 byte to 16 MiB";
	else if (desc->kind == DMASIM_WINDOW_PORT && (desc->base > 0xffff || size > 0x10000 - desc->base))
		why = "ports must lie within 0-0xffff";
	else if (desc->widths & ~(1u | 2u | 4u | 8u))
		why = "widths must be a mask of 1, 2, 4 and 8";
	else if (desc->kind == DMASIM_WINDOW_MMIO && desc->base & ~PAGE_MASK)
		why = "an MMIO base must be page aligned";
	else if (desc->regs ? (desc->read || desc->write || !desc->nr_regs) : !desc->read || !desc->write)
		why = "give either read and write callbacks, or a register table";
	for (unsigned int i = 0; !why && desc->regs && i < desc->nr_regs; i++) {
		const struct dmasim_reg *r = &desc->regs[i];
		unsigned int rw = reg_width(r);

		if ((rw != 1 && rw != 2 && rw != 4 && rw != 8) || r->offset % rw ||
		    r->offset + rw > size || !r->name)
			why = "a register has a bad width, offset or no name";
		for (unsigned int j = 0; !why && j < i; j++)
			if (desc->regs[j].offset == r->offset)
				why = "two registers at one offset";
	}
	if (why) {
		dmasim__log(p, DMASIM_LOG_ERR, "dmasim_window_add: %s: window %s: %s", mdl->name,
			    desc->name ? desc->name : "(null)", why);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	if (desc->regs) {
		w->vals = calloc(desc->nr_regs, sizeof(u64));
		if (!w->vals) {
			free(w);
			return NULL;
		}
		for (unsigned int i = 0; i < desc->nr_regs; i++)
			w->vals[i] = desc->regs[i].reset & width_mask(reg_width(&desc->regs[i]));
	}
	w->model = mdl;
	w->desc = *desc;
	strcpy(w->name, desc->name);
	w->desc.name = w->name;
	pthread_mutex_lock(&m->lock);
	base = desc->base;
	if (desc->kind == DMASIM_WINDOW_MMIO) {
		if (!base) {
			base = ALIGN(m->mmio_next, PAGE_SIZE);
			if (base + size > m->mmio_base + m->mmio_size)
				why = "the MMIO space is full";
		} else if (base < m->mmio_base || base + size > m->mmio_base + m->mmio_size) {
			why = "the base lies outside the MMIO space";
		}
		if (!why && overlaps_ram(p, base, size))
			why = "the range overlaps RAM";
	}
	if (!why && find_window(m, desc->kind, base, size))
		why = "the range overlaps another window";
	if (why) {
		pthread_mutex_unlock(&m->lock);
		dmasim__log(p, DMASIM_LOG_ERR,
			    "dmasim_window_add: %s: window %s at 0x%llx size 0x%llx: %s (MMIO space 0x%llx-0x%llx)",
			    mdl->name, desc->name, (unsigned long long)base, (unsigned long long)size,
			    why, (unsigned long long)m->mmio_base,
			    (unsigned long long)(m->mmio_base + m->mmio_size - 1));
		free(w->vals);
		free(w);
		return NULL;
	}
	w->desc.base = base;
	if (desc->kind == DMASIM_WINDOW_MMIO && base + size > m->mmio_next)
		m->mmio_next = ALIGN(base + size, PAGE_SIZE);
	LIST_INSERT_HEAD(&m->windows, w, link);
	pthread_mutex_unlock(&m->lock);
	return w;
}

void dmasim__windows_remove(struct dmasim_model *mdl)
{
	struct dmasim_machine *m = mdl->mach;
	struct dmasim_window *w, *next;

	for (w = LIST_FIRST(&m->windows); w; w = next) {
		next = LIST_NEXT(w, link);
		if (w->model != mdl)
			continue;
		if (w->mapped)
			dmasim__log(m->plat, DMASIM_LOG_WARN,
				    "dmasim: %s: window %s removed while ioremap()ed %lu time(s)",
				    mdl->name, w->name, w->mapped);
		LIST_REMOVE(w, link);
		free(w->vals);
		free(w);
	}
}

u64 dmasim_window_base(const struct dmasim_window *w)
{
	return w ? w->desc.base : 0;
}

struct dmasim_model *dmasim_window_model(const struct dmasim_window *w)
{
	return w ? w->model : NULL;
}

void *dmasim_window_priv(const struct dmasim_window *w)
{
	return w ? w->model->priv : NULL;
}

static u64 *reg_slot(struct dmasim_window *w, u64 off, const char *call)
{
	const struct dmasim_reg *r = w ? find_reg(w, off) : NULL;

	if (!r) {
		dmasim__log(w ? w->model->mach->plat : NULL, DMASIM_LOG_ERR,
			    "%s: window %s has no register at offset 0x%llx", call,
			    w ? w->name : "(null)", (unsigned long long)off);
		return NULL;
	}
	return &w->vals[r - w->desc.regs];
}

u64 dmasim_reg_get(struct dmasim_window *w, u64 offset)
{
	u64 *v = reg_slot(w, offset, "dmasim_reg_get");

	return v ? *v : 0;
}

void dmasim_reg_set(struct dmasim_window *w, u64 offset, u64 val)
{
	u64 *v = reg_slot(w, offset, "dmasim_reg_set");

	if (v)
		*v = val & width_mask(reg_width(find_reg(w, offset)));
}

/* ---- one access ------------------------------------------------------------------ */

/*
 * Read or write @size bytes at @off of @w, as driver call @call: the checks
 * of the window's widths and registers, the model's callback under its
 * lock, and the trace event.  @where is the address in the window's space
 * (physical address or port).
 */
static u64 access(struct dmasim_window *w, u64 off, unsigned int size, bool write, u64 val,
		  const char *call)
{
	struct dmasim_model *mdl = w->model;
	struct dmasim_platform *p = mdl->mach->plat;
	const struct dmasim_reg *r = NULL;
	bool port = w->desc.kind == DMASIM_WINDOW_PORT;
	u64 ones = width_mask(size);
	const char *what = w->name;

	if (!width_ok(w->desc.widths, size)) {
		dmasim__report(p, "%s: %s: window %s at offset 0x%llx: %u-byte access, the device takes widths mask 0x%x",
			       call, mdl->name, w->name, (unsigned long long)off, size, w->desc.widths);
		return ones;
	}
	if (off % size) {
		dmasim__report(p, "%s: %s: window %s: unaligned %u-byte access at offset 0x%llx", call,
			       mdl->name, w->name, size, (unsigned long long)off);
		return ones;
	}
	if (w->desc.regs) {
		r = find_reg(w, off);
		if (!r) {
			dmasim__report(p, "%s: %s: window %s has no register at offset 0x%llx", call,
				       mdl->name, w->name, (unsigned long long)off);
			return ones;
		}
		if (reg_width(r) != size) {
			dmasim__report(p, "%s: %s: register %s is %u bytes wide, accessed with %u", call,
				       mdl->name, r->name, reg_width(r), size);
			return ones;
		}
		what = r->name;
	}
	val &= ones;
	pthread_mutex_lock(&mdl->lock);
	if (r) {
		u64 *slot = &w->vals[r - w->desc.regs];

		if (!write) {
			val = r->flags & DMASIM_REG_WO ? 0 : *slot;
			if (r->read)
				val = r->read(w, r, val) & ones;
		} else if (r->flags & DMASIM_REG_RO) {
			pthread_mutex_unlock(&mdl->lock);
			dmasim__report(p, "%s: %s: register %s is read-only (wrote 0x%llx)", call,
				       mdl->name, r->name, (unsigned long long)val);
			return 0;
		} else {
			u64 old = *slot;

			*slot = r->flags & DMASIM_REG_W1C ? old & ~val : val;
			if (r->write)
				r->write(w, r, old, *slot);
		}
	} else if (write) {
		w->desc.write(w, off, val, size);
	} else {
		val = w->desc.read(w, off, size) & ones;
	}
	if (DMASIM_TRACING(p))
		dmasim__trace(p, &(struct dmasim_trace_event){
					 .ev = port ? (write ? "pio_write" : "pio_read")
						    : (write ? "mmio_write" : "mmio_read"),
					 .call = call, .dev = mdl->name,
					 .phys = w->desc.base + off, .has_phys = true, .size = size,
					 .val = val, .has_val = true, .msg = what });
	pthread_mutex_unlock(&mdl->lock);
	return val;
}

/* ---- MMIO: ioremap and the accessors -------------------------------------------------- */

/* The machine whose MMIO reservation holds @addr, or NULL. */
static struct dmasim_machine *cookie_machine(const volatile void *addr)
{
	const unsigned char *a = (const unsigned char *)(uintptr_t)addr;

	for (int i = 0; i < MAX_SPACES; i++) {
		struct dmasim_machine *m = __atomic_load_n(&spaces[i], __ATOMIC_ACQUIRE);

		if (m && a >= m->mmio_host && a < m->mmio_host + m->mmio_size)
			return m;
	}
	return NULL;
}

void __iomem *ioremap(phys_addr_t phys, size_t size)
{
	struct dmasim_platform *p = dmasim__current("ioremap");
	struct dmasim_machine *m = p ? dmasim__machine(p) : NULL;
	struct dmasim_window *w;

	if (!m)
		return NULL;
	pthread_mutex_lock(&m->lock);
	w = find_window(m, DMASIM_WINDOW_MMIO, phys, size ? size : 1);
	if (w && size && phys >= w->desc.base && phys + size <= w->desc.base + w->desc.size) {
		w->mapped++;
		pthread_mutex_unlock(&m->lock);
		return (void __iomem *)(m->mmio_host + (phys - m->mmio_base));
	}
	pthread_mutex_unlock(&m->lock);
	if (!size)
		dmasim__log(p, DMASIM_LOG_ERR, "ioremap: phys 0x%llx: size 0", (unsigned long long)phys);
	else if (w)
		dmasim__log(p, DMASIM_LOG_ERR,
			    "ioremap: phys 0x%llx size 0x%zx: beyond window %s of %s (0x%llx-0x%llx)",
			    (unsigned long long)phys, size, w->name, w->model->name,
			    (unsigned long long)w->desc.base,
			    (unsigned long long)(w->desc.base + w->desc.size - 1));
	else if (overlaps_ram(p, phys, size))
		dmasim__log(p, DMASIM_LOG_ERR,
			    "ioremap: phys 0x%llx size 0x%zx is RAM, not device registers (RAM is reached through the linear map or memremap())",
			    (unsigned long long)phys, size);
	else
		dmasim__log(p, DMASIM_LOG_ERR, "ioremap: no device registers at phys 0x%llx size 0x%zx",
			    (unsigned long long)phys, size);
	return NULL;
}

void iounmap(volatile void __iomem *addr)
{
	struct dmasim_machine *m;
	struct dmasim_window *w;
	u64 phys;

	if (!addr)
		return;
	m = cookie_machine(addr);
	if (!m) {
		dmasim__report(dmasim_platform_current(),
			       "iounmap: %p is not an address ioremap() returned", (const void *)addr);
		return;
	}
	phys = m->mmio_base + (u64)((const unsigned char *)(uintptr_t)addr - m->mmio_host);
	pthread_mutex_lock(&m->lock);
	w = find_window(m, DMASIM_WINDOW_MMIO, phys, 1);
	if (w && w->mapped) {
		w->mapped--;
		w = NULL;
		phys = 0;
	}
	pthread_mutex_unlock(&m->lock);
	if (phys)
		dmasim__report(m->plat, "iounmap: %p (phys 0x%llx) is not mapped: iounmap() twice?",
			       (const void *)addr, (unsigned long long)phys);
}

/* The window and offset of a cookie; NULL after a report (@call names the accessor). */
static struct dmasim_window *cookie_window(const volatile void *addr, unsigned int size,
					   const char *call, u64 *off)
{
	struct dmasim_machine *m = cookie_machine(addr);
	struct dmasim_window *w;
	unsigned long mapped = 0;
	u64 phys;

	if (!m) {
		dmasim__report(dmasim_platform_current(),
			       "%s: %p is not an MMIO address from ioremap() (a RAM pointer? a stale cookie?)",
			       call, (const void *)addr);
		return NULL;
	}
	phys = m->mmio_base + (u64)((const unsigned char *)(uintptr_t)addr - m->mmio_host);
	pthread_mutex_lock(&m->lock);
	w = find_window(m, DMASIM_WINDOW_MMIO, phys, 1);
	if (w)
		mapped = w->mapped;
	pthread_mutex_unlock(&m->lock);
	if (!w) {
		dmasim__report(m->plat, "%s: no device registers at phys 0x%llx (%p)", call,
			       (unsigned long long)phys, (const void *)addr);
		return NULL;
	}
	if (!mapped) {
		dmasim__report(m->plat, "%s: %s: window %s is not ioremap()ed (used after iounmap()?) at phys 0x%llx",
			       call, w->model->name, w->name, (unsigned long long)phys);
		return NULL;
	}
	if (phys - w->desc.base + size > w->desc.size) {
		dmasim__report(m->plat, "%s: %s: %u-byte access at phys 0x%llx runs past window %s",
			       call, w->model->name, size, (unsigned long long)phys, w->name);
		return NULL;
	}
	*off = phys - w->desc.base;
	return w;
}

u64 dmasim_mmio_read(const volatile void __iomem *addr, unsigned int size, const char *call)
{
	struct dmasim_window *w;
	u64 off;

	w = cookie_window(addr, size, call, &off);
	if (!w)
		return width_mask(size);
	return access(w, off, size, false, 0, call);
}

void dmasim_mmio_write(volatile void __iomem *addr, u64 val, unsigned int size, const char *call)
{
	struct dmasim_window *w;
	u64 off;

	w = cookie_window(addr, size, call, &off);
	if (w)
		access(w, off, size, true, val, call);
}

/* The widest access the window takes at @off that fits in @left bytes. */
static unsigned int str_width(const volatile void *addr, size_t left)
{
	struct dmasim_machine *m = cookie_machine(addr);
	unsigned int widths = 0;
	u64 phys;

	if (m) {
		struct dmasim_window *w;

		phys = m->mmio_base + (u64)((const unsigned char *)(uintptr_t)addr - m->mmio_host);
		pthread_mutex_lock(&m->lock);
		w = find_window(m, DMASIM_WINDOW_MMIO, phys, 1);
		if (w)
			widths = w->desc.widths;
		pthread_mutex_unlock(&m->lock);
	}
	for (unsigned int s = 8; s > 1; s >>= 1)
		if (left >= s && !((uintptr_t)addr % s) && width_ok(widths, s))
			return s;
	return width_ok(widths, 1) ? 1 : 4;
}

void memcpy_fromio(void *to, const volatile void __iomem *from, size_t n)
{
	unsigned char *d = to;

	while (n) {
		unsigned int s = str_width(from, n);
		u64 v = dmasim_mmio_read(from, s, "memcpy_fromio");

		memcpy(d, &v, s < n ? s : n);
		d += s;
		from = (const volatile unsigned char __iomem *)from + s;
		n -= s < n ? s : n;
	}
}

void memcpy_toio(volatile void __iomem *to, const void *from, size_t n)
{
	const unsigned char *sp = from;

	while (n) {
		unsigned int s = str_width(to, n);
		u64 v = 0;

		memcpy(&v, sp, s < n ? s : n);
		dmasim_mmio_write(to, v, s, "memcpy_toio");
		sp += s;
		to = (volatile unsigned char __iomem *)to + s;
		n -= s < n ? s : n;
	}
}

void memset_io(volatile void __iomem *addr, int c, size_t n)
{
	while (n) {
		unsigned int s = str_width(addr, n);
		u64 v;

		memset(&v, c, sizeof(v));
		dmasim_mmio_write(addr, v, s, "memset_io");
		addr = (volatile unsigned char __iomem *)addr + s;
		n -= s < n ? s : n;
	}
}

/* ---- I/O ports --------------------------------------------------------------------- */

u64 dmasim_pio_read(unsigned long port, unsigned int size, const char *call)
{
	struct dmasim_platform *p = dmasim__current(call);
	struct dmasim_machine *m = p ? dmasim__machine(p) : NULL;
	struct dmasim_window *w = NULL;

	if (m) {
		pthread_mutex_lock(&m->lock);
		w = find_window(m, DMASIM_WINDOW_PORT, port, size);
		pthread_mutex_unlock(&m->lock);
	}
	if (!w || port < w->desc.base || port + size > w->desc.base + w->desc.size) {
		if (p)
			dmasim__log(p, DMASIM_LOG_WARN,
				    "%s: no device at port 0x%lx (%u bytes): reads all-ones, as an empty ISA bus",
				    call, port, size);
		return width_mask(size);
	}
	return access(w, port - w->desc.base, size, false, 0, call);
}

void dmasim_pio_write(unsigned long port, u64 val, unsigned int size, const char *call)
{
	struct dmasim_platform *p = dmasim__current(call);
	struct dmasim_machine *m = p ? dmasim__machine(p) : NULL;
	struct dmasim_window *w = NULL;

	if (m) {
		pthread_mutex_lock(&m->lock);
		w = find_window(m, DMASIM_WINDOW_PORT, port, size);
		pthread_mutex_unlock(&m->lock);
	}
	if (!w || port < w->desc.base || port + size > w->desc.base + w->desc.size) {
		if (p)
			dmasim__log(p, DMASIM_LOG_WARN,
				    "%s: no device at port 0x%lx (%u bytes): the write goes nowhere", call,
				    port, size);
		return;
	}
	access(w, port - w->desc.base, size, true, val, call);
}

/* ---- request_region() and friends ------------------------------------------------------ */

struct resource *dmasim_request_region(u64 start, u64 n, const char *name, bool mem)
{
	const char *call = mem ? "request_mem_region" : "request_region";
	struct dmasim_platform *p = dmasim__current(call);
	struct dmasim_machine *m = p ? dmasim__machine(p) : NULL;
	struct dmasim_region_req *r, *it;
	if (!m || !n || start + n - 1 < start) {
		if (m)
			dmasim__log(p, DMASIM_LOG_ERR, "%s: 0x%llx size 0x%llx: bad range", call,
				    (unsigned long long)start, (unsigned long long)n);
		return NULL;
	}
	r = calloc(1, sizeof(*r) + sizeof(struct resource));
	if (!r)
		return NULL;
	r->start = start;
	r->end = start + n - 1;
	r->mem = mem;
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "?");
	pthread_mutex_lock(&m->lock);
	LIST_FOREACH(it, &m->regions, link)
		if (it->mem == mem && it->start <= r->end && r->start <= it->end)
			break;
	if (it) {
		char held[64];

		snprintf(held, sizeof(held), "%s", it->name);
		pthread_mutex_unlock(&m->lock);
		dmasim__log(p, DMASIM_LOG_WARN, "%s: 0x%llx-0x%llx (%s) busy: held by %s", call,
			    (unsigned long long)r->start, (unsigned long long)r->end, r->name, held);
		free(r);
		return NULL;
	}
	LIST_INSERT_HEAD(&m->regions, r, link);
	pthread_mutex_unlock(&m->lock);
	{
		struct resource *res = (struct resource *)(r + 1);

		res->start = r->start;
		res->end = r->end;
		res->name = r->name;
		res->flags = mem ? IORESOURCE_MEM : IORESOURCE_IO;
		return res;
	}
}

void dmasim_release_region(u64 start, u64 n, bool mem)
{
	const char *call = mem ? "release_mem_region" : "release_region";
	struct dmasim_platform *p = dmasim__current(call);
	struct dmasim_machine *m = p ? dmasim__machine(p) : NULL;
	struct dmasim_region_req *it;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	LIST_FOREACH(it, &m->regions, link)
		if (it->mem == mem && it->start == start && it->end == start + n - 1)
			break;
	if (it)
		LIST_REMOVE(it, link);
	pthread_mutex_unlock(&m->lock);
	if (!it) {
		dmasim__report(p, "%s: trying to free nonexistent resource <0x%llx-0x%llx>", call,
			       (unsigned long long)start, (unsigned long long)(start + n - 1));
		return;
	}
	free(it);
}

/* ---- managed (devm_) mappings ------------------------------------------------------------ */

static void devm_iounmap_release(struct device *dev, void *data)
{
	iounmap(data);
}

void __iomem *devm_ioremap(struct device *dev, resource_size_t offset, resource_size_t size)
{
	struct dmasim_device *d = dmasim__dev(dev, "devm_ioremap");
	void __iomem *addr;

	if (!d)
		return NULL;
	addr = ioremap(offset, size);
	if (addr && dmasim__devres_add(d, devm_iounmap_release, (void *)addr, 0, 0, NULL)) {
		iounmap(addr);
		addr = NULL;
	}
	return addr;
}

void devm_iounmap(struct device *dev, void __iomem *addr)
{
	struct dmasim_device *d = dmasim__dev(dev, "devm_iounmap");

	if (!d)
		return;
	if (dmasim__devres_remove(d, devm_iounmap_release, (void *)addr)) {
		dmasim__dev_report(d, "devm_iounmap: %p was not mapped with devm_ioremap()", (void *)addr);
		return;
	}
	iounmap(addr);
}

/* ---- dmasim_platform_dump() ------------------------------------------------------------- */

void dmasim__machine_dump(struct dmasim_platform *p, FILE *out)
{
	struct dmasim_machine *m = p->machine;
	struct dmasim_window *w;
	struct dmasim_model *mdl;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	fprintf(out, "  device models: exec=%s, virtual time %llu ns; MMIO space 0x%llx-0x%llx\n",
		m->threaded ? "threaded" : "deterministic", (unsigned long long)dmasim__now(m),
		(unsigned long long)m->mmio_base,
		(unsigned long long)(m->mmio_base + m->mmio_size - 1));
	LIST_FOREACH(mdl, &m->models, link) {
		unsigned int n = 0;
		struct dmasim_event *e;

		TAILQ_FOREACH(e, &mdl->events, link)
			n++;
		fprintf(out, "    model %s: %u pending event(s)\n", mdl->name, n);
		LIST_FOREACH(w, &m->windows, link) {
			if (w->model != mdl)
				continue;
			if (w->desc.kind == DMASIM_WINDOW_PORT)
				fprintf(out, "      ports %s: 0x%llx-0x%llx\n", w->name,
					(unsigned long long)w->desc.base,
					(unsigned long long)(w->desc.base + w->desc.size - 1));
			else
				fprintf(out, "      MMIO %s: phys 0x%llx-0x%llx, ioremap()ed %lu time(s)\n",
					w->name, (unsigned long long)w->desc.base,
					(unsigned long long)(w->desc.base + w->desc.size - 1), w->mapped);
			for (unsigned int i = 0; i < w->desc.nr_regs; i++)
				fprintf(out, "        %-12s +0x%02llx = 0x%llx\n", w->desc.regs[i].name,
					(unsigned long long)w->desc.regs[i].offset,
					(unsigned long long)w->vals[i]);
		}
	}
	for (int i = 0; i < DMASIM_NR_IRQS; i++) {
		struct dmasim_irq_line *l = &m->irqs[i];
		struct dmasim_irqaction *a;

		if (!l->models && !l->actions)
			continue;
		fprintf(out, "    irq %d: %s%s%s, %lu run(s), handlers:", i,
			l->type == DMASIM_IRQ_LEVEL ? "level" : l->type == DMASIM_IRQ_EDGE ? "edge" : "no model",
			l->asserted || l->pending ? ", pending" : "", l->depth ? ", disabled" : "",
			l->count);
		for (a = l->actions; a; a = a->next)
			fprintf(out, " %s", a->name ? a->name : "(null)");
		fprintf(out, "%s\n", l->actions ? "" : " none");
	}
	pthread_mutex_unlock(&m->lock);
	dmasim__isa_dump(m, out); /* takes the 8237's model lock: not under m->lock */
}
