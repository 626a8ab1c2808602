/*
 * dmasim/dmaengine.h - the kernel's dmaengine slave-DMA consumer API
 * (<linux/dmaengine.h>) over simulated DMA controllers.
 *
 * A driver requests a channel of a DMA controller, configures it for its
 * peripheral, prepares a descriptor, submits it, issues pending work and
 * learns of the completion from a callback or a status query: the five steps
 * of the kernel's Documentation/driver-api/dmaengine/client.rst.  The
 * controllers are device models (<dmasim/dma-controller.h>): they move bytes
 * as bus masters through their own struct device (dmaengine_get_dma_device()
 * is the device buffers must be mapped for), take virtual time, and signal
 * completion by an interrupt whose handler runs the callbacks in interrupt
 * context.  docs/dmaengine.md is the guide.
 *
 * Return conventions are the kernel's: dma_request_chan() returns an
 * ERR_PTR(), the prep functions NULL, dmaengine_submit() a cookie checked with
 * dma_submit_error(), the rest 0 or a negative errno.
 */
#ifndef DMASIM_DMAENGINE_H
#define DMASIM_DMAENGINE_H

#include <dmasim/ktypes.h>
#include <dmasim/device.h>
#include <dmasim/scatterlist.h>
#include <dmasim/compat/linux/dma-direction.h>

#ifdef __cplusplus
extern "C" {
#endif

/** dma_cookie_t - a transaction's number on its channel; negative: an error. */
typedef s32 dma_cookie_t;
#define DMA_MIN_COOKIE 1

/** dma_submit_error() - the negative errno in @cookie, or 0. */
static inline int dma_submit_error(dma_cookie_t cookie)
{
	return cookie < 0 ? cookie : 0;
}

/** enum dma_status - a transaction's state, as dmaengine_tx_status() says it. */
enum dma_status {
	DMA_COMPLETE,
	DMA_IN_PROGRESS,
	DMA_PAUSED,
	DMA_ERROR,
	DMA_OUT_OF_ORDER,
};

/** enum dma_transaction_type - capabilities a channel may have (the kernel's order). */
enum dma_transaction_type {
	DMA_MEMCPY,
	DMA_XOR,
	DMA_PQ,
	DMA_XOR_VAL,
	DMA_PQ_VAL,
	DMA_MEMSET,
	DMA_MEMSET_SG,
	DMA_INTERRUPT,
	DMA_PRIVATE,
	DMA_ASYNC_TX,
	DMA_SLAVE,
	DMA_CYCLIC,
	DMA_INTERLEAVE,
	DMA_COMPLETION_NO_ORDER,
	DMA_REPEAT,
	DMA_LOAD_EOT,
	DMA_TX_TYPE_END,
};

/** enum dma_transfer_direction - where a transfer goes. */
enum dma_transfer_direction {
	DMA_MEM_TO_MEM,
	DMA_MEM_TO_DEV,
	DMA_DEV_TO_MEM,
	DMA_DEV_TO_DEV,
	DMA_TRANS_NONE,
};

/** enum dma_ctrl_flags - flags of the prep functions (the kernel's values). */
enum dma_ctrl_flags {
	DMA_PREP_INTERRUPT = (1 << 0),
	DMA_CTRL_ACK = (1 << 1),
	DMA_PREP_PQ_DISABLE_P = (1 << 2),
	DMA_PREP_PQ_DISABLE_Q = (1 << 3),
	DMA_PREP_CONTINUE = (1 << 4),
	DMA_PREP_FENCE = (1 << 5),
	DMA_CTRL_REUSE = (1 << 6),
	DMA_PREP_CMD = (1 << 7),
	DMA_PREP_REPEAT = (1 << 8),
	DMA_PREP_LOAD_EOT = (1 << 9),
};

/** enum dma_slave_buswidth - a peripheral register's access width, in bytes. */
enum dma_slave_buswidth {
	DMA_SLAVE_BUSWIDTH_UNDEFINED = 0,
	DMA_SLAVE_BUSWIDTH_1_BYTE = 1,
	DMA_SLAVE_BUSWIDTH_2_BYTES = 2,
	DMA_SLAVE_BUSWIDTH_3_BYTES = 3,
	DMA_SLAVE_BUSWIDTH_4_BYTES = 4,
	DMA_SLAVE_BUSWIDTH_8_BYTES = 8,
	DMA_SLAVE_BUSWIDTH_16_BYTES = 16,
	DMA_SLAVE_BUSWIDTH_32_BYTES = 32,
	DMA_SLAVE_BUSWIDTH_64_BYTES = 64,
	DMA_SLAVE_BUSWIDTH_128_BYTES = 128,
};

/** enum dma_residue_granularity - how fine dmaengine_tx_status()'s residue is. */
enum dma_residue_granularity {
	DMA_RESIDUE_GRANULARITY_DESCRIPTOR = 0,
	DMA_RESIDUE_GRANULARITY_SEGMENT = 1,
	DMA_RESIDUE_GRANULARITY_BURST = 2,
};

/** dma_cap_mask_t - a set of enum dma_transaction_type. */
typedef struct {
	unsigned long bits[(DMA_TX_TYPE_END + 8 * sizeof(unsigned long) - 1) / (8 * sizeof(unsigned long))];
} dma_cap_mask_t;

static inline void __dma_cap_set(enum dma_transaction_type tx, dma_cap_mask_t *m)
{
	m->bits[tx / (8 * sizeof(unsigned long))] |= 1UL << (tx % (8 * sizeof(unsigned long)));
}
static inline void __dma_cap_clear(enum dma_transaction_type tx, dma_cap_mask_t *m)
{
	m->bits[tx / (8 * sizeof(unsigned long))] &= ~(1UL << (tx % (8 * sizeof(unsigned long))));
}
static inline int __dma_has_cap(enum dma_transaction_type tx, const dma_cap_mask_t *m)
{
	return !!(m->bits[tx / (8 * sizeof(unsigned long))] & (1UL << (tx % (8 * sizeof(unsigned long)))));
}
static inline void __dma_cap_zero(dma_cap_mask_t *m)
{
	for (size_t i = 0; i < sizeof(m->bits) / sizeof(m->bits[0]); i++)
		m->bits[i] = 0;
}
/* The kernel's macros take the mask by name, not by pointer. */
#define dma_cap_set(tx, mask) __dma_cap_set((tx), &(mask))
#define dma_cap_clear(tx, mask) __dma_cap_clear((tx), &(mask))
#define dma_has_cap(tx, mask) __dma_has_cap((tx), &(mask))
#define dma_cap_zero(mask) __dma_cap_zero(&(mask))

/**
 * struct dma_slave_config - how a channel talks to its peripheral.
 * @direction: DMA_MEM_TO_DEV or DMA_DEV_TO_MEM (the prep call's direction
 *             wins; kept for drivers that set it).
 * @src_addr: DMA_DEV_TO_MEM: the bus address of the peripheral's FIFO (its
 *            physical address without an IOMMU; with one, what
 *            dma_map_resource() returned for the controller's device).
 * @dst_addr: DMA_MEM_TO_DEV: the same, written to.
 * @src_addr_width, @dst_addr_width: the FIFO's access width, 1..64 bytes.
 * @src_maxburst, @dst_maxburst: words (of the width) per burst, the
 *            peripheral's request size; 0 means 1.
 * @src_port_window_size, @dst_port_window_size: not modelled (must be 0).
 * @device_fc: the peripheral is the flow controller (the controller model
 *            takes it as given: the FIFO's request line paces the transfer).
 * @peripheral_config, @peripheral_size: passed to the controller unread.
 */
struct dma_slave_config {
	enum dma_transfer_direction direction;
	phys_addr_t src_addr;
	phys_addr_t dst_addr;
	enum dma_slave_buswidth src_addr_width;
	enum dma_slave_buswidth dst_addr_width;
	u32 src_maxburst;
	u32 dst_maxburst;
	u32 src_port_window_size;
	u32 dst_port_window_size;
	bool device_fc;
	void *peripheral_config;
	size_t peripheral_size;
};

/**
 * struct dma_slave_caps - what a channel can do (dma_get_slave_caps()).
 * @src_addr_widths, @dst_addr_widths: bit N set: width N bytes supported
 *     (N < 31); bit 31 stands for 32 bytes and bit 0 for 64 (see
 *     <dmasim/dma-controller.h>).
 * @directions: bit (1 << DMA_MEM_TO_DEV) etc.
 * @min_burst, @max_burst: burst sizes, in words.
 * @max_sg_burst: 0 (no limit on a scatterlist's entries).
 * @cmd_pause, @cmd_resume, @cmd_terminate: the channel can pause, resume, terminate.
 * @residue_granularity: how fine the residue is.
 * @descriptor_reuse: descriptors may be reused (DMA_CTRL_REUSE).
 */
struct dma_slave_caps {
	u32 src_addr_widths;
	u32 dst_addr_widths;
	u32 directions;
	u32 min_burst;
	u32 max_burst;
	u32 max_sg_burst;
	bool cmd_pause;
	bool cmd_resume;
	bool cmd_terminate;
	enum dma_residue_granularity residue_granularity;
	bool descriptor_reuse;
};

/** enum dmaengine_tx_result - how a transaction ended (callback_result). */
enum dmaengine_tx_result {
	DMA_TRANS_NOERROR = 0,
	DMA_TRANS_READ_FAILED,
	DMA_TRANS_WRITE_FAILED,
	DMA_TRANS_ABORTED,
};

/** struct dmaengine_result - what a callback_result callback gets. */
struct dmaengine_result {
	enum dmaengine_tx_result result;
	u32 residue;
};

typedef void (*dma_async_tx_callback)(void *dma_async_param);
typedef void (*dma_async_tx_callback_result)(void *dma_async_param,
					     const struct dmaengine_result *result);

struct dma_chan;
struct dmasim_dma_controller;

/**
 * struct dma_async_tx_descriptor - one prepared transaction.
 * @cookie: its cookie once submitted (-EBUSY before; 0 once complete).
 * @flags: the prep call's enum dma_ctrl_flags.
 * @chan: the channel it was prepared on.
 * @tx_submit: what dmaengine_submit() calls.
 * @desc_free: what dmaengine_desc_free() calls.
 * @callback: run when the transaction completes (cyclic: each period), in
 *            interrupt context: it must not sleep.
 * @callback_result: as @callback, with how it ended; wins over @callback.
 * @callback_param: their argument.
 * @dmasim_magic: dmasim's check that a pointer is a live descriptor.
 */
struct dma_async_tx_descriptor {
	dma_cookie_t cookie;
	enum dma_ctrl_flags flags;
	struct dma_chan *chan;
	dma_cookie_t (*tx_submit)(struct dma_async_tx_descriptor *tx);
	int (*desc_free)(struct dma_async_tx_descriptor *tx);
	dma_async_tx_callback callback;
	dma_async_tx_callback_result callback_result;
	void *callback_param;
	u32 dmasim_magic;
};

/**
 * struct dma_chan - a channel of a DMA controller, as its client holds it.
 * @device: the controller (its struct device: dmaengine_get_dma_device()).
 * @slave: the client device that requested it (dma_request_chan()), or NULL.
 * @cookie: the last cookie given out.
 * @completed_cookie: the last cookie completed.
 * @chan_id: the channel's index on its controller.
 * @name: the client's name for it ("tx", "rx"), or NULL.
 * @private: the client's (the kernel's chan->private).
 * The rest is dmasim's.
 */
struct dma_chan {
	struct dmasim_dma_controller *device;
	struct device *slave;
	dma_cookie_t cookie;
	dma_cookie_t completed_cookie;
	int chan_id;
	const char *name;
	void *private;
	struct dmasim_dma_chan_state *dmasim;
};

/**
 * struct dma_tx_state - what dmaengine_tx_status() fills.
 * @last: the last completed cookie.  @used: the last issued cookie.
 * @residue: bytes not yet transferred of the queried transaction.
 * @in_flight_bytes: bytes in flight (0: not modelled).
 */
struct dma_tx_state {
	dma_cookie_t last;
	dma_cookie_t used;
	u32 residue;
	u32 in_flight_bytes;
};

/**
 * struct data_chunk - one chunk of an interleaved frame.
 * @size: bytes.  @icg: the gap after it (both sides, unless the side's own
 * is set).  @dst_icg, @src_icg: the gap on that side.
 */
struct data_chunk {
	size_t size;
	size_t icg;
	size_t dst_icg;
	size_t src_icg;
};

/**
 * struct dma_interleaved_template - an interleaved transfer.
 * @src_start, @dst_start: bus addresses of the first chunk.
 * @dir: DMA_MEM_TO_MEM, DMA_MEM_TO_DEV or DMA_DEV_TO_MEM.
 * @src_inc, @dst_inc: the address moves (false: a fixed address, a FIFO).
 * @src_sgl, @dst_sgl: the gaps apply on that side.
 * @numf: frames.  @frame_size: chunks per frame.  @sgl: the chunks.
 */
struct dma_interleaved_template {
	dma_addr_t src_start;
	dma_addr_t dst_start;
	enum dma_transfer_direction dir;
	bool src_inc;
	bool dst_inc;
	bool src_sgl;
	bool dst_sgl;
	size_t numf;
	size_t frame_size;
	struct data_chunk sgl[];
};

typedef bool (*dma_filter_fn)(struct dma_chan *chan, void *filter_param);

/* ---- channels ------------------------------------------------------------------- */

/**
 * dma_request_chan() - the channel the slave map binds to @dev and @name
 * (dmasim_dma_slave_map_add()), taken for exclusive use.
 * Return: the channel; ERR_PTR(-ENODEV) when no map entry matches,
 * ERR_PTR(-EBUSY) when its channel is taken, ERR_PTR(-EINVAL) for a NULL
 * argument.
 * Context: process context.
 */
DMASIM_API struct dma_chan *dma_request_chan(struct device *dev, const char *name);
/**
 * dma_request_chan_by_mask() - any free channel with every capability in @mask.
 * Return: the channel or ERR_PTR(-ENODEV).
 */
DMASIM_API struct dma_chan *dma_request_chan_by_mask(const dma_cap_mask_t *mask);
/**
 * __dma_request_channel() - the first free channel (of the current
 * platform's controllers, in registration order) with every capability in
 * @mask that @fn (if any) accepts; dma_request_channel() is the kernel's macro.
 * Return: the channel, or NULL.
 */
DMASIM_API struct dma_chan *__dma_request_channel(const dma_cap_mask_t *mask, dma_filter_fn fn,
						  void *fn_param, void *np);
#define dma_request_channel(mask, x, y) __dma_request_channel(&(mask), x, y, NULL)
/**
 * dma_release_channel() - give @chan back.  Its transfers are terminated
 * (a release with transfers still running, or after
 * dmaengine_terminate_async() without dmaengine_synchronize(), is reported).
 */
DMASIM_API void dma_release_channel(struct dma_chan *chan);
/**
 * dma_get_slave_caps() - what @chan can do.
 * Return: 0, or -EINVAL for a NULL argument.
 */
DMASIM_API int dma_get_slave_caps(struct dma_chan *chan, struct dma_slave_caps *caps);
/**
 * dmaengine_get_dma_device() - the device that performs @chan's transfers:
 * the controller's.  Buffers are mapped for it (dma_map_single(),
 * dma_map_sg(), dma_map_resource()), not for the client.
 */
DMASIM_API struct device *dmaengine_get_dma_device(struct dma_chan *chan);
/** dma_chan_name() - "dma<controller>chan<N>". */
DMASIM_API const char *dma_chan_name(struct dma_chan *chan);

/* ---- configuration and preparation ----------------------------------------------- */

/**
 * dmaengine_slave_config() - set @chan's peripheral side.  Checked against
 * the channel's capabilities: widths, burst, port windows.
 * Return: 0; -EINVAL (NULL, an unsupported width or burst); -ENOSYS when
 * the channel has no DMA_SLAVE capability.
 */
DMASIM_API int dmaengine_slave_config(struct dma_chan *chan, struct dma_slave_config *config);

/**
 * dmaengine_prep_slave_sg() - a transfer between the DMA-mapped entries of
 * @sgl (sg_dma_address(), sg_dma_len(); mapped for
 * dmaengine_get_dma_device()) and the peripheral of the slave config.
 * Return: the descriptor, or NULL (bad argument, a channel without slave
 * config — reported —, no memory).
 */
DMASIM_API struct dma_async_tx_descriptor *
dmaengine_prep_slave_sg(struct dma_chan *chan, struct scatterlist *sgl, unsigned int sg_len,
			enum dma_transfer_direction dir, unsigned long flags);
/** dmaengine_prep_slave_single() - one buffer at bus address @buf (as prep_slave_sg). */
DMASIM_API struct dma_async_tx_descriptor *
dmaengine_prep_slave_single(struct dma_chan *chan, dma_addr_t buf, size_t len,
			    enum dma_transfer_direction dir, unsigned long flags);
/**
 * dmaengine_prep_dma_cyclic() - a ring of @buf_len bytes at @buf_addr,
 * moved period by period (@period_len bytes; @buf_len a multiple of it)
 * until terminated; the callback runs after each period.
 * Return: the descriptor, or NULL.
 */
DMASIM_API struct dma_async_tx_descriptor *
dmaengine_prep_dma_cyclic(struct dma_chan *chan, dma_addr_t buf_addr, size_t buf_len,
			  size_t period_len, enum dma_transfer_direction dir, unsigned long flags);
/** dmaengine_prep_interleaved_dma() - frames of chunks with gaps (@xt). Return: the descriptor or NULL. */
DMASIM_API struct dma_async_tx_descriptor *
dmaengine_prep_interleaved_dma(struct dma_chan *chan, struct dma_interleaved_template *xt,
			       unsigned long flags);
/** dmaengine_prep_dma_memcpy() - copy @len bytes from bus @src to bus @dest. */
DMASIM_API struct dma_async_tx_descriptor *
dmaengine_prep_dma_memcpy(struct dma_chan *chan, dma_addr_t dest, dma_addr_t src, size_t len,
			  unsigned long flags);
/** dmaengine_prep_dma_memset() - fill @len bytes at bus @dest with the low byte of @value. */
DMASIM_API struct dma_async_tx_descriptor *
dmaengine_prep_dma_memset(struct dma_chan *chan, dma_addr_t dest, int value, size_t len,
			  unsigned long flags);

/* ---- submission and completion ------------------------------------------------------ */

/**
 * dmaengine_submit() - queue @desc on its channel (it starts at the next
 * dma_async_issue_pending()).
 * Return: its cookie; a negative errno (dma_submit_error()) for a pointer
 * that is no prepared descriptor, or one already submitted (reported).
 */
DMASIM_API dma_cookie_t dmaengine_submit(struct dma_async_tx_descriptor *desc);
/** dma_async_issue_pending() - start the submitted transactions of @chan. */
DMASIM_API void dma_async_issue_pending(struct dma_chan *chan);
/**
 * dmaengine_tx_status() - the state of transaction @cookie on @chan, and
 * (with @state) the last completed and issued cookies and the residue.
 * Return: DMA_COMPLETE, DMA_IN_PROGRESS, DMA_PAUSED (in progress on a
 * paused channel), or DMA_ERROR for a bad argument.
 */
DMASIM_API enum dma_status dmaengine_tx_status(struct dma_chan *chan, dma_cookie_t cookie,
					       struct dma_tx_state *state);
/** dma_async_is_tx_complete() - dmaengine_tx_status() with @last and @used filled. */
DMASIM_API enum dma_status dma_async_is_tx_complete(struct dma_chan *chan, dma_cookie_t cookie,
						    dma_cookie_t *last, dma_cookie_t *used);
/**
 * dma_async_is_complete() - the kernel's cookie arithmetic: whether @cookie
 * is complete when @last_complete is the last completed and @last_used the
 * last given out (cookies wrap).
 */
static inline enum dma_status dma_async_is_complete(dma_cookie_t cookie, dma_cookie_t last_complete,
						    dma_cookie_t last_used)
{
	if (last_complete <= last_used) {
		if (cookie <= last_complete || cookie > last_used)
			return DMA_COMPLETE;
	} else {
		if (cookie <= last_complete && cookie > last_used)
			return DMA_COMPLETE;
	}
	return DMA_IN_PROGRESS;
}
/**
 * dma_sync_wait() - issue pending work and wait (at most 5 s of virtual
 * time) until @cookie is done.
 * Return: DMA_COMPLETE, or DMA_ERROR on timeout ("dma_sync_wait_timeout!").
 */
DMASIM_API enum dma_status dma_sync_wait(struct dma_chan *chan, dma_cookie_t cookie);
/** dmaengine_pause() - stop @chan's transfer where it is. Return: 0, -ENOSYS (no cmd_pause), -EINVAL. */
DMASIM_API int dmaengine_pause(struct dma_chan *chan);
/** dmaengine_resume() - continue it. Return: 0, -ENOSYS, -EINVAL. */
DMASIM_API int dmaengine_resume(struct dma_chan *chan);
/**
 * dmaengine_terminate_async() - abort every transaction of @chan, running or
 * queued; no callback of theirs runs afterwards, but one may be running:
 * call dmaengine_synchronize() before freeing what callbacks use.
 * Context: any (interrupt context too).
 * Return: 0, -EINVAL.
 */
DMASIM_API int dmaengine_terminate_async(struct dma_chan *chan);
/**
 * dmaengine_synchronize() - wait until no callback of @chan runs, and free
 * the terminated descriptors.  Context: process context (reported otherwise).
 */
DMASIM_API void dmaengine_synchronize(struct dma_chan *chan);
/** dmaengine_terminate_sync() - dmaengine_terminate_async() then dmaengine_synchronize(). */
DMASIM_API int dmaengine_terminate_sync(struct dma_chan *chan);
/** dmaengine_terminate_all() - the deprecated name of dmaengine_terminate_async(). */
static inline int dmaengine_terminate_all(struct dma_chan *chan)
{
	return dmaengine_terminate_async(chan);
}

/* ---- descriptor reuse ------------------------------------------------------------- */

/** dmaengine_desc_set_reuse() - keep @tx after it completes. Return: 0, -EPERM (no descriptor_reuse). */
DMASIM_API int dmaengine_desc_set_reuse(struct dma_async_tx_descriptor *tx);
static inline void dmaengine_desc_clear_reuse(struct dma_async_tx_descriptor *tx)
{
	tx->flags = (enum dma_ctrl_flags)(tx->flags & ~DMA_CTRL_REUSE);
}
static inline bool dmaengine_desc_test_reuse(struct dma_async_tx_descriptor *tx)
{
	return (tx->flags & DMA_CTRL_REUSE) == DMA_CTRL_REUSE;
}
/** dmaengine_desc_free() - free a reusable descriptor. Return: 0, -EPERM (not reusable), -EBUSY (queued). */
DMASIM_API int dmaengine_desc_free(struct dma_async_tx_descriptor *desc);
/** async_tx_ack() - mark @tx acknowledged (DMA_CTRL_ACK). */
static inline void async_tx_ack(struct dma_async_tx_descriptor *tx)
{
	tx->flags = (enum dma_ctrl_flags)(tx->flags | DMA_CTRL_ACK);
}
static inline bool async_tx_test_ack(struct dma_async_tx_descriptor *tx)
{
	return (tx->flags & DMA_CTRL_ACK) == DMA_CTRL_ACK;
}

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_DMAENGINE_H */
