/*
 * dmasim/dma-controller.h - the provider side of dmaengine: simulated DMA
 * controllers, the slave map that binds a client's channel names to them,
 * and peripheral FIFOs.
 *
 * A controller is a device model (<dmasim/model.h>) plus a small driver of
 * it, as a dmaengine provider is in the kernel.  dmasim's core does what
 * the kernel's virt-dma helpers do for a provider: it keeps each channel's
 * descriptors (prepared, submitted, issued, running, terminated), gives out
 * and completes cookies, and runs the callbacks; the provider only programs
 * its hardware one segment at a time (struct dmasim_dma_ops) and tells the
 * core, from its interrupt handler, when a segment is done
 * (dmasim_dma_seg_done()).  dmasim_dma_generic_create() is the worked
 * example: a register-programmed controller with N channels, request lines,
 * a bandwidth in virtual time, one completion interrupt.
 * docs/dmaengine.md is the guide.
 */
#ifndef DMASIM_DMA_CONTROLLER_H
#define DMASIM_DMA_CONTROLLER_H

#include <dmasim/dmaengine.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmasim_platform;
struct dmasim_fifo;

/* ---- the descriptor format the core hands to a provider ------------------------------- */

/**
 * struct dmasim_dma_seg - one contiguous piece of a transaction.
 * @src, @dst: bus addresses (for the controller's device).  A peripheral
 *        side is the FIFO's bus address and does not move.
 * @len: bytes.
 */
struct dmasim_dma_seg {
	dma_addr_t src;
	dma_addr_t dst;
	size_t len;
};

/* struct dmasim_dma_xfer.kind */
#define DMASIM_DMA_SLAVE 0
#define DMASIM_DMA_CYCLIC 1
#define DMASIM_DMA_MEMCPY 2
#define DMASIM_DMA_MEMSET 3
#define DMASIM_DMA_INTERLEAVE 4

/**
 * struct dmasim_dma_xfer - how a transaction's segments are moved.
 * @kind: DMASIM_DMA_SLAVE, _CYCLIC, _MEMCPY, _MEMSET or _INTERLEAVE.
 * @dir: its enum dma_transfer_direction.
 * @src_fixed, @dst_fixed: that side does not advance (a FIFO register).
 * @src_width, @dst_width: access widths in bytes (1 for memory sides).
 * @burst: bytes per burst on the peripheral side (width x maxburst), or 0.
 * @request: the request line of the slave map entry (-1: none).
 * @fill: DMASIM_DMA_MEMSET: the byte written.
 * @flags: the prep call's flags.
 */
struct dmasim_dma_xfer {
	int kind;
	enum dma_transfer_direction dir;
	bool src_fixed, dst_fixed;
	unsigned int src_width, dst_width;
	unsigned int burst;
	int request;
	u8 fill;
	unsigned long flags;
};

/**
 * struct dmasim_dma_ops - what a provider implements (versioned: @abi first).
 * @abi: DMASIM_DMA_OPS_ABI.
 * @start_seg: program channel @chan to move @seg as @x says, and start.
 *        Called with the channel's lock held (from dma_async_issue_pending()
 *        or from dmasim_dma_seg_done() for the next segment): program the
 *        hardware and return; signal the end with dmasim_dma_seg_done(),
 *        passing back @seq (so that a completion that raced with a
 *        terminate is recognised as stale).  Return: 0 (anything else
 *        fails the transaction as a read failure).
 * @stop: abort the channel's hardware now: after it returns the segment
 *        in progress must never be reported done.  Lock held.
 * @pause, @resume: optional (NULL: -ENOSYS).  Lock held.
 * @seg_residue: bytes of the running segment not yet moved.  Lock held.
 * @synchronize: optional: wait until the provider's interrupt handler is
 *        not running (typically synchronize_irq()).  Lock not held.
 */
struct dmasim_dma_ops {
	unsigned int abi;
	int (*start_seg)(struct dma_chan *chan, const struct dmasim_dma_seg *seg,
			 const struct dmasim_dma_xfer *x, u32 seq);
	void (*stop)(struct dma_chan *chan);
	int (*pause)(struct dma_chan *chan);
	int (*resume)(struct dma_chan *chan);
	size_t (*seg_residue)(struct dma_chan *chan);
	void (*synchronize)(struct dma_chan *chan);
};
#define DMASIM_DMA_OPS_ABI 1

/**
 * struct dmasim_dma_controller_desc - what a provider registers.
 * @name: the controller's name ("dma0"; copied).
 * @nr_channels: 1..64.
 * @caps: its dma_cap_mask_t (DMA_SLAVE, DMA_CYCLIC, DMA_MEMCPY, ...).
 * @src_addr_widths, @dst_addr_widths: supported slave widths: bit N for N
 *        bytes (N < 32), DMASIM_DMA_WIDTH_32 and DMASIM_DMA_WIDTH_64 for 32 and
 *        64 bytes (a u32 has no bits 32 and 64: dmasim uses the unused bits 0
 *        and 31, see docs/differences.md).
 * @directions: supported directions (bit (1 << DMA_MEM_TO_DEV), ...).
 * @max_burst: the largest maxburst, in words (0: 1).
 * @residue_granularity: how fine @seg_residue is.
 * @descriptor_reuse: whether DMA_CTRL_REUSE is supported.
 * @ops: the hardware side.
 */
#define DMASIM_DMA_WIDTH_32 (1u << 31)
#define DMASIM_DMA_WIDTH_64 (1u << 0)

struct dmasim_dma_controller_desc {
	const char *name;
	unsigned int nr_channels;
	dma_cap_mask_t caps;
	u32 src_addr_widths;
	u32 dst_addr_widths;
	u32 directions;
	u32 max_burst;
	enum dma_residue_granularity residue_granularity;
	bool descriptor_reuse;
	const struct dmasim_dma_ops *ops;
};

/**
 * dmasim_dma_controller_register() - make a controller whose transfers
 * @dev performs available to clients.
 * @priv: the provider's, for dmasim_dma_controller_priv().
 * The registry of controllers is process-wide: unregister a controller
 * before its platform is destroyed (dmasim_platform_destroy() does not).
 * Return: the controller, or NULL with a message.
 * Context: process context.
 */
DMASIM_API struct dmasim_dma_controller *
dmasim_dma_controller_register(struct device *dev, const struct dmasim_dma_controller_desc *desc,
			       void *priv);
/**
 * dmasim_dma_controller_unregister() - remove @c; a channel still held by
 * a client is reported (and released).  NULL is ignored.
 */
DMASIM_API void dmasim_dma_controller_unregister(struct dmasim_dma_controller *c);
/** dmasim_dma_controller_priv() - @priv of registration. */
DMASIM_API void *dmasim_dma_controller_priv(const struct dmasim_dma_controller *c);
/** dmasim_dma_controller_device() - the struct device doing @c's transfers. */
DMASIM_API struct device *dmasim_dma_controller_device(const struct dmasim_dma_controller *c);
/** dmasim_dma_controller_chan() - channel @id of @c (NULL if out of range). */
DMASIM_API struct dma_chan *dmasim_dma_controller_chan(struct dmasim_dma_controller *c,
						       unsigned int id);

/**
 * dmasim_dma_seg_done() - the provider's interrupt handler says channel
 * @chan finished segment @seq (the start_seg() call's) (@result DMA_TRANS_NOERROR) or failed it (a
 * bus error: DMA_TRANS_READ_FAILED / _WRITE_FAILED: the transaction ends
 * with that result).  The core starts the next segment or transaction, and
 * runs the callbacks due, in the caller's (interrupt) context.
 * Context: the provider's interrupt handler; not with the channel's lock.
 */
DMASIM_API void dmasim_dma_seg_done(struct dma_chan *chan, u32 seq, enum dmaengine_tx_result result);

/**
 * dmasim_dma_slave_map_add() - bind @client's channel @name to channel
 * @chan_id of @c (-1: any free channel) with request line @request (-1:
 * none), as a device tree's dmas/dma-names or a board's dma_slave_map do.
 * Return: 0, -EINVAL, -EEXIST (@client already has @name), -ENOMEM.
 */
DMASIM_API int dmasim_dma_slave_map_add(struct device *client, const char *name,
					struct dmasim_dma_controller *c, int chan_id, int request);

/* ---- peripheral FIFOs ---------------------------------------------------------------- */

/**
 * dmasim_fifo_create() - a peripheral's data FIFO: a model with one MMIO
 * register (its "physical address", dmasim_fifo_phys()) that a DMA
 * controller (or the driver, with readl()/writel()) reads or writes, and a
 * peripheral side that fills it (a UART receiving) or drains it (a codec
 * playing) at a rate in virtual time.
 * @width: the register's width in bytes (1, 2, 4 or 8).
 * @depth: entries.
 * Return: the FIFO, or NULL with a message.
 */
DMASIM_API struct dmasim_fifo *dmasim_fifo_create(struct dmasim_platform *p, const char *name,
						  unsigned int width, unsigned int depth);
/** dmasim_fifo_destroy() - remove @f (NULL ignored). */
DMASIM_API void dmasim_fifo_destroy(struct dmasim_fifo *f);
/** dmasim_fifo_phys() - the physical address of @f's data register. */
DMASIM_API phys_addr_t dmasim_fifo_phys(const struct dmasim_fifo *f);
/**
 * dmasim_fifo_produce() - the peripheral receives @len bytes of @data (a
 * UART's line), one entry every (width x 1e9 / @rate) ns of virtual time,
 * into the FIFO; bytes arriving when it is full are lost (overrun).
 * Return: 0, -EINVAL, -ENOMEM.
 */
DMASIM_API int dmasim_fifo_produce(struct dmasim_fifo *f, const void *data, size_t len, u64 rate);
/**
 * dmasim_fifo_flow_control() - hardware flow control (a UART's RTS/CTS) on
 * the producing side: with it on, an entry that finds the FIFO full waits
 * for the next tick instead of being lost (counted in held_off, not in
 * overruns).  Off by default.  Return: 0, -EINVAL.
 */
DMASIM_API int dmasim_fifo_flow_control(struct dmasim_fifo *f, bool on);
/**
 * dmasim_fifo_consume() - the peripheral drains the FIFO at @rate bytes per
 * second, an entry at a time, into its sink (dmasim_fifo_sink()), until
 * @len bytes have gone (an empty FIFO at a drain tick is an underrun and
 * consumes nothing); @len 0 stops.
 */
DMASIM_API int dmasim_fifo_consume(struct dmasim_fifo *f, size_t len, u64 rate);
/** dmasim_fifo_sink() - copy up to @max bytes the peripheral consumed so far; returns how many. */
DMASIM_API size_t dmasim_fifo_sink(struct dmasim_fifo *f, void *buf, size_t max);
/** struct dmasim_fifo_stats - what happened at a FIFO. */
struct dmasim_fifo_stats {
	u64 produced, consumed;   /* bytes the peripheral put in / took out */
	u64 dma_in, dma_out;      /* bytes the bus wrote / read */
	u64 overruns, underruns;  /* entries lost / drain ticks that found it empty */
	u64 held_off;             /* producer ticks held off by flow control */
	unsigned int level;       /* bytes in it now */
	unsigned int max_level;   /* its high-water mark */
};
DMASIM_API void dmasim_fifo_stats(struct dmasim_fifo *f, struct dmasim_fifo_stats *st);

/**
 * dmasim_dma_connect_fifo() - wire @f to request line @request of @c: the
 * controller reaches @f's register through the bus and is paced by it
 * (a burst when the FIFO has the room or the data for one).
 * Return: 0, -EINVAL, -EBUSY (the line is taken).
 */
DMASIM_API int dmasim_dma_connect_fifo(struct dmasim_dma_controller *c, int request,
				       struct dmasim_fifo *f);

/* ---- the generic controller ------------------------------------------------------------ */

/**
 * struct dmasim_dma_generic_cfg - a generic controller.
 * @name: the model's and the controller's name.
 * @nr_channels: 1..32 (0: 4).
 * @irq: its completion interrupt line.
 * @bandwidth: bytes per second it moves (0: 100 MB/s).
 * @max_burst: the largest burst, in words (0: 16).
 * @addr_bits: the width of its address registers: its driver sets @dev's
 *        DMA mask to it, as a provider's probe does (0: 64).
 */
struct dmasim_dma_generic_cfg {
	const char *name;
	unsigned int nr_channels;
	unsigned int irq;
	u64 bandwidth;
	u32 max_burst;
	unsigned int addr_bits;
};
/**
 * dmasim_dma_generic_create() - a register-programmed DMA controller model
 * on @dev (which must exist: it is the bus master, behind whatever IOMMU
 * @dev's spec says) and its provider driver: every capability
 * (DMA_SLAVE, DMA_CYCLIC, DMA_MEMCPY, DMA_MEMSET, DMA_INTERLEAVE), widths
 * 1..64 bytes, pause and resume, burst residue, descriptor reuse.
 * Destroy it with dmasim_dma_generic_destroy() before the platform, and
 * its FIFOs after it.
 * Return: the registered controller, or NULL with a message.
 */
DMASIM_API struct dmasim_dma_controller *
dmasim_dma_generic_create(struct device *dev, const struct dmasim_dma_generic_cfg *cfg);
/** dmasim_dma_generic_destroy() - unregister and remove it (NULL ignored). */
DMASIM_API void dmasim_dma_generic_destroy(struct dmasim_dma_controller *c);

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_DMA_CONTROLLER_H */
