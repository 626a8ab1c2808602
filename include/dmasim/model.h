/*
 * dmasim/model.h - device models: the hardware side of a simulated device.
 *
 * A device model is the register file, interrupt lines and internal work of
 * a simulated device.  It declares register windows (MMIO regions that
 * ioremap() maps for the driver, or legacy I/O ports that inb()/outb()
 * reach), drives interrupt lines the driver's request_irq() handler
 * listens on, and schedules its work on the platform's virtual clock.  It
 * moves data with dmasim_dev_read()/dmasim_dev_write() through bus
 * addresses, as a bus master does.  docs/device-models.md is the guide.
 *
 * Execution (the platform's spec word exec=):
 *  - exec=deterministic (the default): nothing a model scheduled runs until
 *    the program calls dmasim_run_idle(), dmasim_run_for() or dmasim_step(),
 *    or driver code waits or delays (msleep(), udelay(),
 *    wait_for_completion_timeout(), ...).  Events run in order of virtual
 *    time; events of different models due at the same time, and interrupt
 *    lines pending together, run in an order drawn from the platform's seed.
 *    Virtual time advances only as events run or as driver code sleeps, so a
 *    one-second timeout takes no real time and ends exactly.
 *  - exec=threaded: each model has a thread that runs its events when the
 *    (real, monotonic) clock reaches them, and interrupt handlers run on the
 *    platform's interrupt thread, concurrently with driver code: for races,
 *    under ThreadSanitizer.
 * The same model code runs in both.  A model's callbacks (register reads
 * and writes, events) never run concurrently with each other: each model has
 * a lock that dmasim holds around them, so model state needs no lock of its
 * own.  Callbacks must not sleep, wait, or call the driver-side API
 * (readl(), request_irq(), ...).
 */
#ifndef DMASIM_MODEL_H
#define DMASIM_MODEL_H

#include <dmasim/ktypes.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmasim_platform;
struct device;
struct dmasim_model;
struct dmasim_window;

/* ---- models ---------------------------------------------------------------- */

/**
 * dmasim_model_create() - add a device model to @p.
 * @p: the platform.
 * @name: the model's name in traces and messages (copied; 1-63 characters).
 * @dev: the simulated device it is the hardware of (for dmasim_dev_read()
 *       and the like through dmasim_model_device()), or NULL.
 * @priv: the model's own state, returned by dmasim_model_priv().
 *
 * In exec=threaded mode the model's thread starts here.
 * Return: the model, or NULL with a message (bad argument, no memory).
 * Context: process context.
 */
DMASIM_API struct dmasim_model *dmasim_model_create(struct dmasim_platform *p, const char *name,
						    struct device *dev, void *priv);
/**
 * dmasim_model_destroy() - remove @m: its windows and interrupt lines
 * (lowered) go, its pending events are dropped, its thread is joined.
 * Not from the model's own callbacks.  NULL is ignored.
 * dmasim_platform_destroy() destroys the models left.
 */
DMASIM_API void dmasim_model_destroy(struct dmasim_model *m);
/** dmasim_model_priv() - the @priv given at creation. */
DMASIM_API void *dmasim_model_priv(const struct dmasim_model *m);
/** dmasim_model_device() - the @dev given at creation (may be NULL). */
DMASIM_API struct device *dmasim_model_device(const struct dmasim_model *m);
/** dmasim_model_platform() - the platform @m is on. */
DMASIM_API struct dmasim_platform *dmasim_model_platform(const struct dmasim_model *m);
/**
 * dmasim_model_lock() - hold @m's lock, as dmasim does around its callbacks:
 * for a test that reads or changes model state from outside the model.
 * Not from the model's callbacks (the lock is held there already).
 */
DMASIM_API void dmasim_model_lock(struct dmasim_model *m);
/** dmasim_model_unlock() - release the lock taken with dmasim_model_lock(). */
DMASIM_API void dmasim_model_unlock(struct dmasim_model *m);

/* ---- register windows -------------------------------------------------------- */

/**
 * struct dmasim_reg - one register of a register file window.
 * @offset: byte offset in the window; naturally aligned to @width.
 * @width: access size in bytes, 1, 2, 4 or 8 (0 means 4); an access of
 *         another size is reported and reads all-ones.
 * @name: the register's name in traces and messages.
 * @reset: the value at creation.
 * @flags: DMASIM_REG_RO (writes ignored and reported), DMASIM_REG_WO (reads
 *         return 0), DMASIM_REG_W1C (writing 1 to a bit clears it: the
 *         usual interrupt status register).
 * @read: called on a driver read, with the stored value; returns what the
 *        driver reads (it may also change state: a read-to-clear register).
 *        NULL: the stored value.
 * @write: called after a driver write was stored, with the value before
 *         and after it (the side effect: a doorbell, a reset).  NULL: none.
 *
 * Model code reads and sets stored values with dmasim_reg_get()/_set().
 */
struct dmasim_reg {
	u64 offset;
	unsigned int width;
	const char *name;
	u64 reset;
	unsigned int flags;
	u64 (*read)(struct dmasim_window *w, const struct dmasim_reg *r, u64 val);
	void (*write)(struct dmasim_window *w, const struct dmasim_reg *r, u64 old, u64 val);
};

#define DMASIM_REG_RO 0x1u
#define DMASIM_REG_WO 0x2u
#define DMASIM_REG_W1C 0x4u

/* The kinds of window. */
#define DMASIM_WINDOW_MMIO 0
#define DMASIM_WINDOW_PORT 1

/**
 * struct dmasim_window_desc - what a model declares for one window.
 * @kind: DMASIM_WINDOW_MMIO (memory-mapped, ioremap() and readl()) or
 *        DMASIM_WINDOW_PORT (I/O ports, inb() and outb()).
 * @name: the window's name in traces and messages.
 * @base: MMIO: the physical address (page aligned), or 0 to let dmasim place
 *        it in the simulated MMIO space (dmasim_window_base() tells where);
 *        ports: the first port number (0..0xffff).
 * @size: bytes (MMIO, at most 16 MiB) or ports (at most 0x10000 - @base).
 * @widths: the access sizes allowed, a mask of 1, 2, 4 and 8 (0: all);
 *          another size is reported and reads all-ones.
 * @read: raw window: the value a driver read of @size bytes at @offset
 *        returns.
 * @write: raw window: a driver write of @size bytes at @offset.
 * @regs, @nr_regs: a register file instead of @read/@write: an access
 *        that hits no register is reported (reads all-ones).
 */
struct dmasim_window_desc {
	int kind;
	const char *name;
	u64 base;
	u64 size;
	unsigned int widths;
	u64 (*read)(struct dmasim_window *w, u64 offset, unsigned int size);
	void (*write)(struct dmasim_window *w, u64 offset, u64 val, unsigned int size);
	const struct dmasim_reg *regs;
	unsigned int nr_regs;
};

/**
 * dmasim_window_add() - give @m the window @desc describes.
 * Return: the window, or NULL with a message: a bad size, width or
 * register table, a base that is not free (an MMIO range overlapping RAM or
 * another window, ports already taken), no memory.
 * Context: process context; not from the model's callbacks.
 */
DMASIM_API struct dmasim_window *dmasim_window_add(struct dmasim_model *m,
						   const struct dmasim_window_desc *desc);
/** dmasim_window_base() - the window's physical address (MMIO) or first port. */
DMASIM_API u64 dmasim_window_base(const struct dmasim_window *w);
/** dmasim_window_model() - the model that owns @w. */
DMASIM_API struct dmasim_model *dmasim_window_model(const struct dmasim_window *w);
/** dmasim_window_priv() - dmasim_model_priv() of the window's model. */
DMASIM_API void *dmasim_window_priv(const struct dmasim_window *w);
/**
 * dmasim_reg_get() - the stored value of the register at @offset of a
 * register-file window (0 and a message if there is none).
 * Context: the model's callbacks, or under dmasim_model_lock().
 */
DMASIM_API u64 dmasim_reg_get(struct dmasim_window *w, u64 offset);
/** dmasim_reg_set() - store @val in the register at @offset (no side effect runs). */
DMASIM_API void dmasim_reg_set(struct dmasim_window *w, u64 offset, u64 val);

/* ---- interrupt lines ----------------------------------------------------------- */

/** The number of interrupt lines of a platform (0..DMASIM_NR_IRQS-1). */
#define DMASIM_NR_IRQS 256
#define DMASIM_IRQ_EDGE 0  /* a raise is one event, latched until handled */
#define DMASIM_IRQ_LEVEL 1 /* asserted from raise to lower; handled again while asserted */

/**
 * dmasim_irq_connect() - @m drives line @irq with trigger @type
 * (DMASIM_IRQ_EDGE or DMASIM_IRQ_LEVEL).  Several models may share a level
 * line (it is asserted while any of them asserts it), not an edge one.
 * Return: 0; -EINVAL for a line out of range or a bad type; -EBUSY when the
 * line is an edge line already connected, or has the other type.
 */
DMASIM_API int dmasim_irq_connect(struct dmasim_model *m, unsigned int irq, int type);
/**
 * dmasim_irq_raise() - @m raises line @irq: a level line is asserted until
 * dmasim_irq_lower(); an edge line latches one interrupt (raises before it
 * is handled merge into one, as edges do).  The handler runs on the
 * interrupt thread (threaded) or at the next step point (deterministic).
 * A line @m did not connect is reported.
 * Context: the model's callbacks (or under dmasim_model_lock()).
 */
DMASIM_API void dmasim_irq_raise(struct dmasim_model *m, unsigned int irq);
/** dmasim_irq_lower() - @m stops asserting level line @irq (nothing for an edge line). */
DMASIM_API void dmasim_irq_lower(struct dmasim_model *m, unsigned int irq);
/** dmasim_irq_count() - how many times line @irq's handlers have run on @p. */
DMASIM_API unsigned long dmasim_irq_count(struct dmasim_platform *p, unsigned int irq);

/* ---- virtual time and model work ------------------------------------------------- */

/** dmasim_event_fn - model work: runs under the model's lock, at its time. */
typedef void (*dmasim_event_fn)(struct dmasim_model *m, void *arg);

/**
 * dmasim_model_schedule() - run @fn(@m, @arg) @delay_ns nanoseconds of
 * virtual time from now, on the model's execution context.  Events of one
 * model due at the same time run in the order they were scheduled.
 * @what: a name for the trace (dev_work events), or NULL.
 * Return: 0, -EINVAL (NULL @m or @fn), -ENOMEM.
 * Context: any; typically a register write's side effect or another event.
 */
DMASIM_API int dmasim_model_schedule(struct dmasim_model *m, u64 delay_ns, dmasim_event_fn fn,
				     void *arg, const char *what);
/**
 * dmasim_model_cancel() - drop @m's pending events of @fn with @arg.
 * Return: how many were dropped.
 */
DMASIM_API unsigned int dmasim_model_cancel(struct dmasim_model *m, dmasim_event_fn fn, void *arg);
/**
 * dmasim_time_ns() - the platform's virtual time in nanoseconds: in
 * deterministic mode it starts at 0 and moves only as events run and driver
 * code delays or sleeps; in threaded mode it is the monotonic clock since
 * the platform was created.  ktime_get() and jiffies follow it.
 */
DMASIM_API u64 dmasim_time_ns(struct dmasim_platform *p);
/** dmasim_exec_threaded() - whether @p runs its models in exec=threaded mode. */
DMASIM_API bool dmasim_exec_threaded(struct dmasim_platform *p);

/**
 * dmasim_step() - deterministic mode: deliver one pending interrupt, or run
 * the next event (advancing virtual time to it).
 * Return: 1 if something ran, 0 if nothing is pending, -EINVAL in threaded
 * mode (things run by themselves there).
 */
DMASIM_API int dmasim_step(struct dmasim_platform *p);
/**
 * dmasim_run_for() - let @ns nanoseconds of virtual time pass: in
 * deterministic mode run every event due by then (and the interrupts they
 * raise), then set the clock to now + @ns; in threaded mode sleep @ns.
 * Return: 0, or -EINVAL.
 */
DMASIM_API int dmasim_run_for(struct dmasim_platform *p, u64 ns);
/**
 * dmasim_run_idle() - run until no event is pending and no interrupt is
 * pending or being handled (threaded mode: wait for that).  A model that
 * always has work (a periodic timer) never goes idle: deterministic mode
 * gives up after 1000000 steps with a message.
 * Return: the number of steps run (deterministic), 0 (threaded), or -EBUSY
 * after giving up, -EINVAL.
 */
DMASIM_API long dmasim_run_idle(struct dmasim_platform *p);

/* ---- hooks for the kernel-named headers (driver side) ------------------------------- */

/*
 * What <linux/spinlock.h>, <linux/completion.h>, <linux/delay.h>,
 * <linux/jiffies.h> and <linux/interrupt.h> are built on.  Driver code uses
 * the kernel's names; these are for those headers (and for tests).
 */

/**
 * dmasim_local_irq_save() - mask interrupts on the calling (simulated) CPU,
 * as local_irq_save() and spin_lock_irqsave() do.  While they are masked no
 * interrupt is delivered to this thread in deterministic mode, and sleeping
 * is reported.  Interrupt handlers run with them masked.
 * Return: the flags for dmasim_local_irq_restore().
 */
DMASIM_API unsigned long dmasim_local_irq_save(void);
/** dmasim_local_irq_restore() - restore the state @flags saved. */
DMASIM_API void dmasim_local_irq_restore(unsigned long flags);
/** dmasim_local_irq_disable() - local_irq_disable(). */
DMASIM_API void dmasim_local_irq_disable(void);
/** dmasim_local_irq_enable() - local_irq_enable(). */
DMASIM_API void dmasim_local_irq_enable(void);
/** dmasim_irqs_disabled() - whether interrupts are masked on the calling thread. */
DMASIM_API bool dmasim_irqs_disabled(void);
/** dmasim_in_atomic() - in an interrupt handler, or with interrupts masked. */
DMASIM_API bool dmasim_in_atomic(void);
/**
 * dmasim_might_sleep() - report "sleeping function called from invalid
 * context" (counted in dmasim_debug_errors()) when the caller is in an
 * interrupt handler or has interrupts masked, as the kernel's might_sleep().
 * @call: the kernel call that may sleep ("msleep", "mutex_lock", ...).
 * Return: true if it reported.
 */
DMASIM_API bool dmasim_might_sleep(const char *call);

/** The kernel's HZ: jiffies per second. */
#define DMASIM_HZ 250
/** dmasim_jiffies() - jiffies of the current platform's virtual clock. */
DMASIM_API unsigned long dmasim_jiffies(void);
/** dmasim_ktime_ns() - ktime_get(): the current platform's virtual time, in ns. */
DMASIM_API s64 dmasim_ktime_ns(void);
/**
 * dmasim_delay_ns() - udelay()/ndelay(): busy-wait @ns.  Deterministic
 * mode: virtual time advances by @ns, running the events due (and, outside
 * interrupt context, delivering interrupts).  Allowed in atomic context.
 */
DMASIM_API void dmasim_delay_ns(u64 ns);
/**
 * dmasim_sleep_ns() - msleep()/usleep_range(): sleep @ns (may sleep: checked
 * with dmasim_might_sleep(@call)).  Deterministic mode: as dmasim_delay_ns().
 */
DMASIM_API void dmasim_sleep_ns(u64 ns, const char *call);
/**
 * dmasim_sleep_jiffies() - msleep(): sleep until @j jiffies from now have
 * passed (the jiffy tick at which the kernel's timer would fire).
 */
DMASIM_API void dmasim_sleep_jiffies(unsigned long j, const char *call);
/** dmasim_cpu_relax() - cpu_relax() in a polling loop: deterministic mode lets 1 µs pass. */
DMASIM_API void dmasim_cpu_relax(void);

/** dmasim_wait_cond - a wait's condition; true ends the wait (it may consume, once). */
typedef bool (*dmasim_wait_cond)(void *arg);
/** Wait without a timeout (the kernel's MAX_SCHEDULE_TIMEOUT). */
#define DMASIM_WAIT_FOREVER ((long)(~0UL >> 1))
/**
 * dmasim_wait_event() - sleep until @cond(@arg) is true or @timeout jiffies
 * pass: what wait_for_completion_timeout() and wait_event_timeout() are made
 * of.  @cond is checked under a lock that dmasim_wake_up_all() takes, so a
 * waker that changes the state and then calls dmasim_wake_up_all() is never
 * missed.  Deterministic mode: events run (and virtual time advances) until
 * @cond holds or the timeout's jiffy passes; when nothing is left to run and
 * @timeout is DMASIM_WAIT_FOREVER, the wait would never end: reported
 * ("would sleep forever"), and 0 is returned.
 * Reported as sleeping in atomic context, checked with dmasim_might_sleep(@call).
 * Return: 0 on timeout, else the jiffies left (at least 1), as
 * wait_for_completion_timeout().
 */
DMASIM_API long dmasim_wait_event(dmasim_wait_cond cond, void *arg, long timeout, const char *call);
/** dmasim_wake_up_all() - wake every dmasim_wait_event() of the current platform to re-check. */
DMASIM_API void dmasim_wake_up_all(void);

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_MODEL_H */
