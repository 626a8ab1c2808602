/*
 * lib/dev/dev.h - the device side: bus translation, how a bus address a
 * device drives becomes a physical address (struct dmasim_bus_ops: the
 * direct window in lib/dev/dev-access.c, the IOMMU in iommu/iommu.c;
 * dmasim_dev_read/write and dmasim_dev_translate go through it); and device
 * models (struct dmasim_machine: models, register windows, interrupt
 * lines, virtual time and the execution modes, in lib/dev/machine.c,
 * mmio.c and irq.c).
 *
 * May use: lib/core/core.h.  Used by: lib/dev/, DMA-API debugging (what a
 * device reaches), the IOMMU.
 */
#ifndef DMASIM_LIB_DEV_H
#define DMASIM_LIB_DEV_H

#include "core/core.h"
#include "core/sync.h"


/*
 * The hardware side of the bus, per device: how a bus address the device
 * drives becomes a physical address.  Chosen when the device is created (the
 * window without an IOMMU, the IOMMU behind one); attach/detach change only
 * the domain the IOMMU translates through.  The DMA ops never use it and it
 * never uses the DMA ops.
 */
enum dmasim_bus_reach {
	BUS_REACH_WINDOW,  /* any RAM in the bus window (no IOMMU, or an identity domain) */
	BUS_REACH_DMA_API, /* an IOMMU domain the DMA API manages: only what it mapped */
	BUS_REACH_IOMMU,   /* an IOMMU domain the driver manages with iommu_map(), or none */
};

struct dmasim_bus_ops {
	const char *name;
	/*
	 * The first piece of an access of @len bytes at @addr: fill *@phys
	 * (RAM) and *@chunk (bytes reachable contiguously from it, at most
	 * @len).  Return 0, -EFAULT or -EPERM; the implementation reports (and
	 * for an IOMMU records) its faults.  *@mark is NULL at the first piece
	 * of an access: a translation that unmaps wait for (an IOMMU) marks the
	 * whole access [@addr, @addr + @len) in flight there (lib/core/sync.h),
	 * and the caller ends it with dmasim__inflight_end() once its copies are
	 * done; the later pieces find it set.
	 */
	int (*translate)(struct dmasim_device *d, const char *call, dma_addr_t addr, size_t len,
			 bool write, phys_addr_t *phys, size_t *chunk,
			 struct dmasim_inflight **mark);
	/* @addr to physical without side effects or reports (tools). Return 0 or -EFAULT. */
	int (*resolve)(struct dmasim_device *d, dma_addr_t addr, phys_addr_t *phys);
	/* What the device can reach now. */
	enum dmasim_bus_reach (*reach)(struct dmasim_device *d);
};

extern const struct dmasim_bus_ops dmasim__bus_window;
extern const struct dmasim_bus_ops dmasim__bus_iommu;
/* The window's translation, for an IOMMU's identity domain. */
int dmasim__window_translate(struct dmasim_device *d, const char *call, dma_addr_t addr,
			     size_t len, bool write, phys_addr_t *phys, size_t *chunk,
			     struct dmasim_inflight **mark);
int dmasim__window_resolve(struct dmasim_device *d, dma_addr_t addr, phys_addr_t *phys);

/* ---- device models (machine.c, mmio.c, irq.c) -------------------------------- */

#include <dmasim/model.h>
#include <linux/irqreturn.h>

/* One unit of model work, due at virtual time @t. */
struct dmasim_event {
	TAILQ_ENTRY(dmasim_event) link;
	u64 t;
	u64 seq;      /* order among one model's events due together */
	u64 tiebreak; /* deterministic mode: order among models' events due together */
	dmasim_event_fn fn;
	void *arg;
	const char *what;
};
TAILQ_HEAD(dmasim_event_list, dmasim_event);

struct dmasim_model {
	struct dmasim_machine *mach;
	char name[64];
	struct device *dev;
	void *priv;
	pthread_mutex_t lock;              /* held over the model's callbacks */
	struct dmasim_event_list events;   /* by (t, seq); under mach->lock */
	u64 next_seq;
	unsigned int running;              /* an event is running (mach->lock) */
	bool stop;                         /* threaded: the thread is to end */
	bool has_thread;
	pthread_t thread;
	pthread_cond_t cond;               /* threaded: a new first event, or stop */
	u64 irq_connected[DMASIM_NR_IRQS / 64]; /* lines it drives (mach->lock) */
	u64 irq_asserted[DMASIM_NR_IRQS / 64];  /* level lines it asserts */
	LIST_ENTRY(dmasim_model) link;
};

struct dmasim_window {
	struct dmasim_model *model;
	struct dmasim_window_desc desc;
	char name[64];
	u64 *vals;               /* register file: one value per register */
	unsigned long mapped;    /* live ioremap()s (mach->lock) */
	LIST_ENTRY(dmasim_window) link;
};

/* A request_irq(): the kernel's struct irqaction. */
struct dmasim_irqaction {
	irqreturn_t (*handler)(int irq, void *dev_id);
	irqreturn_t (*thread_fn)(int irq, void *dev_id);
	unsigned long flags;
	const char *name;
	void *dev_id;
	struct dmasim_irqaction *next;
};

struct dmasim_irq_line {
	int type;                 /* DMASIM_IRQ_EDGE or _LEVEL; -1 while no model drives it */
	unsigned int models;      /* models connected */
	unsigned int asserted;    /* level: models asserting it */
	bool pending;             /* edge: latched; level: nothing */
	unsigned int depth;       /* disable_irq() nesting */
	bool in_progress;         /* its handlers run now */
	pthread_t runner;         /* on this thread */
	struct dmasim_irqaction *actions;
	unsigned long count;      /* handler runs */
	unsigned long unhandled;  /* runs in a row that no handler claimed */
};

/* A request_region()/request_mem_region(). */
struct dmasim_region_req {
	u64 start, end;
	bool mem;
	char name[64];
	LIST_ENTRY(dmasim_region_req) link;
};

struct dmasim_machine {
	struct dmasim_platform *plat;
	bool threaded;
	/*
	 * Lock order (core/sync.h's, between rows 6 and 17): a model's lock,
	 * held over its callbacks, then mach->lock (queues, lines, windows,
	 * the deterministic clock), then wait_lock; never a model's lock under
	 * mach->lock.  Handlers and events run with neither held.
	 */
	pthread_mutex_t lock;
	u64 now;                  /* deterministic: virtual ns (atomic) */
	u64 t0;                   /* threaded: monotonic ns at creation */
	u64 rng;                  /* deterministic: the seeded order */
	LIST_HEAD(, dmasim_model) models;
	LIST_HEAD(, dmasim_window) windows;
	LIST_HEAD(, dmasim_region_req) regions;
	/* The simulated MMIO space and its host reservation (PROT_NONE). */
	u64 mmio_base, mmio_size, mmio_next;
	unsigned char *mmio_host;
	struct dmasim_irq_line irqs[DMASIM_NR_IRQS];
	bool stop;
	bool has_irq_thread;
	pthread_t irq_thread;
	pthread_cond_t irq_cond;  /* threaded: a line may be ready */
	pthread_cond_t idle_cond; /* a handler or an event ended */
	pthread_mutex_t wait_lock;
	pthread_cond_t wait_cond; /* dmasim_wake_up_all() */
	/* The 8237 ISA DMA controller (lib/dev/i8237.c), made on first use (atomic). */
	struct dmasim_isa *isa_dma;
};

/* The machine of @p, made on first use (NULL without memory, with a message). */
struct dmasim_machine *dmasim__machine(struct dmasim_platform *p);
u64 dmasim__mono_ns(void);
u64 dmasim__now(struct dmasim_machine *m);
/* The seeded order of deterministic mode: the next draw (mach->lock held). */
u64 dmasim__rand(struct dmasim_machine *m);
/* Trace @ev about model @mdl (if anyone listens). */
#define DMASIM_TRACE_MODEL(mdl, ...)                                                     \
	do {                                                                             \
		if (DMASIM_TRACING((mdl)->mach->plat))                                   \
			dmasim__trace((mdl)->mach->plat, &(struct dmasim_trace_event){   \
					.dev = (mdl)->name, __VA_ARGS__ });              \
	} while (0)
/* mmio.c: the model's windows go (mach->lock held). */
void dmasim__windows_remove(struct dmasim_model *mdl);
void dmasim__mmio_fini(struct dmasim_machine *m);
int dmasim__mmio_init(struct dmasim_machine *m);
/* irq.c: lines and the interrupt thread. */
void dmasim__irq_init(struct dmasim_machine *m);
void dmasim__irq_disconnect(struct dmasim_model *mdl); /* mach->lock held */
int dmasim__irq_start(struct dmasim_machine *m);
void dmasim__irq_fini(struct dmasim_machine *m);
/* The line to deliver now, or -1 (mach->lock held). */
int dmasim__irq_pick(struct dmasim_machine *m);
/* Run line @irq's handlers: called with mach->lock held, returns without it. */
void dmasim__irq_deliver(struct dmasim_machine *m, int irq);
/* dmasim_platform_dump()'s part: the clock, the windows, the lines in use (mmio.c). */
void dmasim__machine_dump(struct dmasim_platform *p, FILE *out);
/* i8237.c: a model goes (off its DMA channels); the machine goes (after its models). */
void dmasim__isa_forget(struct dmasim_model *mdl);
void dmasim__isa_fini(struct dmasim_machine *m);
/* dmasim_platform_dump()'s part: the 8237's channels (mach->lock not held). */
void dmasim__isa_dump(struct dmasim_machine *m, FILE *out);
/* Whether an interrupt is pending or being handled (mach->lock held). */
bool dmasim__irq_busy(struct dmasim_machine *m);

#endif /* DMASIM_LIB_DEV_H */
