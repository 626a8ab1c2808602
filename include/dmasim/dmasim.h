/*
 * dmasim/dmasim.h - the simulated machine: platform, devices, device-side
 * access and diagnostics.  The umbrella header of libdmasim.
 *
 * A program creates a platform (RAM, swiotlb, cache model, ...) from a spec
 * string, creates devices on it, and then runs driver code written against
 * the kernel-named headers (<linux/dma-mapping.h>, ...).  The "hardware" side
 * of a device model moves data with dmasim_dev_read()/dmasim_dev_write()
 * through bus addresses, exactly as a real device would.
 */
#ifndef DMASIM_DMASIM_H
#define DMASIM_DMASIM_H

#include <stdio.h>

#include <dmasim/ktypes.h>
#include <dmasim/device.h>
#include <dmasim/mm.h>
#include <dmasim/scatterlist.h>
#include <dmasim/dma-mapping.h>
#include <dmasim/dmapool.h>
#include <dmasim/backend.h>
#include <dmasim/iommu.h>
#include <dmasim/model.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DMASIM_VERSION_MAJOR 0
#define DMASIM_VERSION_MINOR 1
#define DMASIM_VERSION_PATCH 0

struct dmasim_platform;

/**
 * dmasim_platform_create() - build a simulated machine.
 * @spec: space-separated key=value words, NULL or "" for the defaults:
 *   machine=NAME    a named preset (dmasim_machine_preset_get()) whose words the
 *                   others override; default "pc"
 *   ram=SIZE@ADDR[:high][,SIZE@ADDR...]  RAM regions (default: the machine's;
 *                   pc: 636K@0x1000,2047M@0x100000,2G@0x100000000);
 *                                       ":high" makes a region high memory
 *   swiotlb=SIZE[@ADDR][,force]|off|force  bounce pool (default 4M in the
 *                                       lowest RAM that fits; force bounces all)
 *   iommu=off|on|FORMAT[:opts]  the IOMMU and its page-table format (default off;
 *                   on = arm-lpae-4k); devices sit behind it unless iommu=0
 *   iova=NAME[:opts] IOVA allocator (default rbtree)
 *   mode=strict|lazy IOTLB invalidation on unmap: at once, or batched (default strict)
 *   iotlb=N         IOTLB entries (default 512)
 *   fq=N fq_timeout=MS  lazy flush queue: flush when N unmaps wait or the
 *                   oldest waited MS milliseconds (defaults 256, 10; 0 = only when full)
 *   cache=NAME[:line=N][:OPTIONS]  CPU cache model (default coherent)
 *   debug=on|off    misuse reports (default on)
 *   seed=N          seed for everything random (default 1)
 *   fail=RULES      fault injection (see dmasim_fail_set())
 *   trace=PATH      write every event as a JSON line to PATH (docs/trace.md)
 *   log=stderr|quiet   where messages go while no handler is set
 * Sizes take K, M, G suffixes; addresses are decimal or 0x hex.  The
 * environment variable DMASIM_SPEC is appended, so its words win.
 *
 * The new platform becomes the current one.
 * Return: the platform, or NULL after logging which word is wrong and why.
 * Context: thread-safe.
 */
DMASIM_API struct dmasim_platform *dmasim_platform_create(const char *spec);
/**
 * dmasim_platform_destroy() - destroy a platform, its devices (each reported
 * for leaks) and its memory.  The previous live platform becomes current.
 * NULL is ignored.
 */
DMASIM_API void dmasim_platform_destroy(struct dmasim_platform *p);
/**
 * struct dmasim_machine_preset - a named machine, as `machine=NAME` selects
 * (lib/core/machines.def: the project's own test matrix too; `dmasim
 * machines`).
 * @name: the name.
 * @spec: the platform spec words it expands to; words given with it win.
 *        They may start with machine=BASE: BASE's words come first.
 * @summary: one line describing the machine.
 */
struct dmasim_machine_preset {
	const char *name;
	const char *spec;
	const char *summary;
};
/**
 * dmasim_machine_preset_get() - the @i-th machine preset (0 is the default machine).
 * Return: the preset, or NULL when @i is past the last.  Enumerate with
 * `for (i = 0; (m = dmasim_machine_preset_get(i)); i++)`.
 */
DMASIM_API const struct dmasim_machine_preset *dmasim_machine_preset_get(size_t i);
/** dmasim_machine_preset_find() - the preset called @name. Return: it, or NULL. */
DMASIM_API const struct dmasim_machine_preset *dmasim_machine_preset_find(const char *name);
/** dmasim_machine_preset_list() - print every preset (name, spec words, summary) to @out. */
DMASIM_API void dmasim_machine_preset_list(FILE *out);
/** dmasim_platform_current() - the platform device-less calls use, or NULL. */
DMASIM_API struct dmasim_platform *dmasim_platform_current(void);
/** dmasim_platform_set_current() - make @p current. Return: 0 or -EINVAL. */
DMASIM_API int dmasim_platform_set_current(struct dmasim_platform *p);
/** dmasim_platform_spec() - the effective spec, normalised (every key with its value). */
DMASIM_API const char *dmasim_platform_spec(const struct dmasim_platform *p);
/**
 * dmasim_platform_dump() - print the machine's memory map: RAM regions with
 * their physical and linear-map addresses, zones, free pages, the swiotlb.
 */
DMASIM_API void dmasim_platform_dump(struct dmasim_platform *p, FILE *out);
/**
 * dmasim_spec_help() - print every platform key and every device key, with
 * its syntax, default and meaning (the table the parser itself uses), to @out.
 */
DMASIM_API void dmasim_spec_help(FILE *out);

/**
 * struct dmasim_layout - a platform's physical memory map, for tools that
 * draw it (`dmasim dump --svg`): RAM regions with their linear-map
 * addresses, the page allocator's zones, the swiotlb pool.
 * @nr_regions/@region: RAM regions in address order; @linear is where the
 *      region's linear map starts (NULL for high memory).
 * @nr_zones/@zone: zone spans per region ("DMA", "DMA32", "Normal",
 *      "HighMem"); @end is the last byte; pages counted in 4 KiB pages.
 * @swiotlb: whether a bounce pool exists; @swiotlb_start/@swiotlb_end its
 *      first and last byte; @swiotlb_slots/@swiotlb_used its 2 KiB slots.
 * @iommu: whether the platform has an IOMMU.
 */
struct dmasim_layout {
	unsigned int nr_regions;
	struct dmasim_layout_region {
		phys_addr_t base;
		u64 size;
		bool high;
		void *linear;
	} region[16];
	unsigned int nr_zones;
	struct dmasim_layout_zone {
		const char *name;
		phys_addr_t start, end;
		unsigned long free_pages, pages;
	} zone[64];
	bool swiotlb;
	phys_addr_t swiotlb_start, swiotlb_end;
	unsigned long swiotlb_slots, swiotlb_used;
	bool iommu;
};
/**
 * dmasim_platform_layout() - fill *@out with @p's memory map.
 * Return: 0, or -EINVAL for a NULL argument.
 */
DMASIM_API int dmasim_platform_layout(struct dmasim_platform *p, struct dmasim_layout *out);


/**
 * dmasim_device_create() - plug a simulated device into @p.
 * @spec: key=value words, all optional:
 *   name=STR             device name (default "devN")
 *   coherent=0|1         snoops CPU caches (default: 1 if the cache model has
 *                        DMASIM_CACHE_CAP_COHERENT, as "coherent" does)
 *   offset=ADDR          bus address = physical address - ADDR
 *   limit=ADDR           highest bus address the interconnect carries
 *   mask=BITS            streaming and coherent mask width (default 32)
 *   max_seg=SIZE         dma_parms max segment size (default 64K)
 *   seg_boundary=MASK    dma_parms segment boundary (default all ones)
 *   min_align=MASK       dma_parms min_align_mask (default 0)
 *   force_bounce=0|1     bounce every streaming mapping through swiotlb
 *   iommu=0|1            behind the platform's IOMMU (default 1 when there is one)
 *   domain=dma|identity|unmanaged  the default IOMMU domain (default dma)
 * Return: the device, or NULL with a message.
 */
DMASIM_API struct device *dmasim_device_create(struct dmasim_platform *p, const char *spec);
/**
 * dmasim_device_destroy() - unplug @dev: releases managed (dmam_*) resources,
 * then reports every mapping and allocation still outstanding.  NULL is ignored.
 */
DMASIM_API void dmasim_device_destroy(struct device *dev);
/** dmasim_device_platform() - the platform @dev sits on, or NULL. */
DMASIM_API struct dmasim_platform *dmasim_device_platform(struct device *dev);

/* --- the device side --------------------------------------------------- */

/**
 * dmasim_dev_read() - the device reads @len bytes at bus address @addr.
 *
 * The access is translated as the hardware would (bus offset, bus limit),
 * must fall entirely within buffers currently mapped or allocated for @dev,
 * and must be allowed by their direction (reading a DMA_FROM_DEVICE buffer
 * is forbidden).  The bytes come from RAM, not the CPU cache.
 * Return: 0; -EFAULT if some byte does not translate to memory the device may
 * reach; -EPERM if a mapping's direction forbids the access; -EINVAL for a
 * bad device or NULL buffer.  An access is carried out mapping by mapping,
 * as a bus master would: when it fails part-way, the bytes before the failing
 * mapping have been transferred.
 * Context: any thread.
 */
DMASIM_API int dmasim_dev_read(struct device *dev, dma_addr_t addr, void *buf, size_t len);
/** dmasim_dev_write() - the device writes @len bytes at @addr (see dmasim_dev_read()). */
DMASIM_API int dmasim_dev_write(struct device *dev, dma_addr_t addr, const void *buf, size_t len);

/**
 * struct dmasim_xlate - what a bus address means to a device, for tools and
 * teaching: the physical address behind it, and the mapping that covers it.
 */
struct dmasim_xlate {
	dma_addr_t bus;           /* Z: the address the device puts on the bus */
	phys_addr_t phys;         /* Y: the physical address it reaches */
	void *cpu;                /* X: the linear-map address of Y (NULL if none) */
	dma_addr_t map_start;     /* first bus address of the covering mapping */
	size_t map_size;          /* its size */
	int dir;                  /* its enum dma_data_direction */
	bool bounced;             /* whether it is a swiotlb bounce slot */
	phys_addr_t orig_phys;    /* for a bounce: the driver's buffer */
	const char *kind;         /* "single", "page", "sg", "coherent", "resource", ... */
};

/**
 * dmasim_dev_translate() - translate @addr for @dev without accessing memory.
 * Return: 0 and *@out filled, or -EFAULT/-EINVAL as dmasim_dev_read().
 */
DMASIM_API int dmasim_dev_translate(struct device *dev, dma_addr_t addr, struct dmasim_xlate *out);

/**
 * struct dmasim_bus_window - how a device's bus addresses relate to
 * physical ones, for tools and teaching.
 * @iommu: the device is behind an IOMMU (its bus addresses are IOVAs;
 *         @offset and @limit then say nothing).
 * @offset: without an IOMMU, Z = Y - @offset (the dma-ranges offset).
 * @limit: the highest bus address the bus passes (0 = none), as
 *         dev->bus_dma_limit.
 * @mask: the streaming DMA mask.
 */
struct dmasim_bus_window {
	bool iommu;
	u64 offset;
	dma_addr_t limit;
	u64 mask;
};
/** dmasim_dev_bus_window() - fill *@w for @dev. Return: 0 or -EINVAL. */
DMASIM_API int dmasim_dev_bus_window(struct device *dev, struct dmasim_bus_window *w);

/* --- tracing -------------------------------------------------------------- */

/**
 * struct dmasim_trace_event - one thing that happened (docs/trace.md).
 * @seq: running number from 1.  @t_ns: nanoseconds since tracing started.
 * @ev: "map", "unmap", "sync_for_cpu", "sync_for_device", "alloc", "free",
 *      "bounce", "dev_read", "dev_write", "fault", "iotlb_flush", "fail",
 *      "report".
 * @call: the API call (or NULL).  @dev: the device name (or NULL).
 * @cpu/@phys/@bus: the addresses in the three spaces, valid when the has_
 *      flag is set.  @size: bytes (0 = none).  @dir: enum dma_data_direction,
 *      valid when @has_dir.  @bounced: through a swiotlb slot.  @ret: 0 or a
 *      negative errno.
 * @msg: free text (reports, fault reasons), or NULL.
 * @val: a value, valid when @has_val: the value read or written by a
 *       register access, the line of an interrupt event, the virtual time
 *       (ns) of device work.
 */
struct dmasim_trace_event {
	unsigned long seq;
	unsigned long long t_ns;
	const char *ev;
	const char *call;
	const char *dev;
	void *cpu;
	phys_addr_t phys;
	dma_addr_t bus;
	bool has_cpu, has_phys, has_bus;
	size_t size;
	int dir;
	bool has_dir;
	bool bounced;
	int ret;
	const char *msg;
	u64 val;
	bool has_val;
};

/** dmasim_trace_fn - receives every event; runs under a lock: must not call dmasim. */
typedef void (*dmasim_trace_fn)(void *ctx, const struct dmasim_trace_event *ev);

/**
 * dmasim_trace_set() - deliver @p's events to @fn (NULL stops the callback).
 * The spec word trace=PATH writes the same events as JSON lines to a file.
 * Return: 0, -EINVAL, -ENOMEM.
 */
DMASIM_API int dmasim_trace_set(struct dmasim_platform *p, dmasim_trace_fn fn, void *ctx);

/* --- simulated interrupt context ----------------------------------------- */

/**
 * dmasim_irq_enter() - the calling thread is now in a (simulated) interrupt
 * handler: until dmasim_irq_exit(), calls that may sleep or must not run
 * with interrupts disabled are reported, as the kernel warns about them:
 * dma_free_coherent()/dma_free_attrs() (and the page and noncontiguous
 * frees), allocations without GFP_ATOMIC/GFP_NOWAIT, dma_pool_create() and
 * dma_pool_destroy().  Calls nest.
 */
DMASIM_API void dmasim_irq_enter(void);
/** dmasim_irq_exit() - leave the handler entered with dmasim_irq_enter(). */
DMASIM_API void dmasim_irq_exit(void);
/** dmasim_in_irq() - whether the calling thread is in a simulated handler. */
DMASIM_API bool dmasim_in_irq(void);

/* --- fault injection ---------------------------------------------------- */

/**
 * dmasim_fail_set() - make operations fail on purpose, to test error paths.
 * @rules: comma-separated KIND[:nth=N|:every=N|:prob=P][:times=N][:dev=NAME]
 *   KIND: map (streaming mappings), alloc (coherent/page/noncontiguous
 *   allocations), pool (dma_pool_alloc), pages (alloc_pages), kmalloc, iova
 *   (IOVA space behind an IOMMU), swiotlb (bounce slots), access (device
 *   reads/writes fault).  nth=N fails the Nth matching call, every=N every
 *   Nth, prob=P each with probability P (drawn from the platform's seed, so
 *   a single-threaded run repeats exactly); times=N stops after N failures;
 *   dev=NAME limits the rule to one device (not for pages, kmalloc, iova).
 *   A rule with no nth/every/prob fails the next matching call.  "" clears.
 * The same rules can be given in the platform spec as fail=RULES.  A failure
 * looks exactly like the resource running out (DMA_MAPPING_ERROR, NULL, 0 from
 * dma_map_sg, -ENOMEM, -EFAULT) and is logged at info level, not counted as
 * misuse.  Counting restarts with each call.
 * Return: 0, or -EINVAL with a message (the old rules stay).
 */
DMASIM_API int dmasim_fail_set(struct dmasim_platform *p, const char *rules);
/** dmasim_fail_injected() - failures injected on @p so far. */
DMASIM_API unsigned long dmasim_fail_injected(struct dmasim_platform *p);

/* --- diagnostics ------------------------------------------------------- */

/** dmasim_log_fn - a log handler: @level is DMASIM_LOG_*, @msg one line without newline. */
typedef void (*dmasim_log_fn)(void *ctx, int level, const char *msg);

/**
 * dmasim_set_log_handler() - send @p's messages to @fn (NULL restores stderr).
 *
 * Messages are delivered one at a time, under a lock: @fn must not call back
 * into dmasim (it would deadlock); copy the message and return.
 */
DMASIM_API void dmasim_set_log_handler(struct dmasim_platform *p, dmasim_log_fn fn, void *ctx);
/** dmasim_debug_errors() - number of misuse reports on @p so far. */
DMASIM_API unsigned long dmasim_debug_errors(struct dmasim_platform *p);

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_DMASIM_H */
