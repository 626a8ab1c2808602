/*
 * dmasim/isa.h - the PC's ISA DMA controller (a pair of 8237A), as device
 * models see it.
 *
 * Every platform has one, made on first use (dmasim_i8237(), any function
 * here, or the driver's request_dma() and friends of <asm/dma.h>): a device
 * model named "i8237" with the I/O ports 0x00-0x0f (controller 1, channels
 * 0-3, 8-bit), 0x80-0x8f (the page registers) and 0xc0-0xdf (controller 2,
 * channels 4-7, 16-bit; channel 4 cascades controller 1), and a bus master
 * device "i8237" whose transfers are dmasim_dev_read()/_write() of 24-bit
 * addresses, one bus cycle (DMASIM_ISA_CYCLE_NS) per byte or word.
 *
 * An ISA peripheral model attaches to a channel, then drives the channel's
 * request line (DREQ): for a transfer to memory (the driver's
 * DMA_MODE_READ: the device is read) it pushes the bytes it has, which the
 * controller writes to memory as cycles happen; for a transfer from memory
 * (DMA_MODE_WRITE) it requests bytes, which the controller reads from memory
 * and hands over, for the peripheral to pull.  When the channel's count runs
 * out (terminal count, TC), the controller sets the status bit and runs the
 * peripheral's @tc callback as an event of the peripheral's model, which
 * typically raises the peripheral's interrupt line.  docs/isa-dma.md is the
 * guide.
 *
 * All of these may be called from a peripheral model's callbacks and
 * events (and from a test under dmasim_model_lock() of the peripheral).
 */
#ifndef DMASIM_ISA_H
#define DMASIM_ISA_H

#include <dmasim/model.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Virtual time of one DMA bus cycle: one byte (channels 0-3) or word (5-7). */
#define DMASIM_ISA_CYCLE_NS 1000ULL
/* The channels: 0-3 8-bit, 4 cascade, 5-7 16-bit. */
#define DMASIM_ISA_NR_CHANNELS 8

/**
 * dmasim_i8237() - the platform's 8237A pair, made on first use.
 * Return: its model (dmasim_model_device() is its bus master device), or
 * NULL with a message (no memory, ports taken by another model).
 */
DMASIM_API struct dmasim_model *dmasim_i8237(struct dmasim_platform *p);

/**
 * dmasim_isa_dma_attach() - @periph is the device on DMA channel @chan:
 * it drives its DREQ and gets its terminal count.
 * @tc: run as an event of @periph (under its lock) each time the channel
 *      reaches terminal count, or NULL.
 * @arg: @tc's argument.
 * Return: 0; -EINVAL for a channel that is not 0-3 or 5-7, or NULL
 * @periph; -EBUSY when another model is attached to it.
 */
DMASIM_API int dmasim_isa_dma_attach(struct dmasim_model *periph, unsigned int chan,
				     dmasim_event_fn tc, void *arg);
/**
 * dmasim_isa_dma_detach() - @periph leaves @chan (its DREQ goes low, data
 * held is dropped).  dmasim_model_destroy() of a peripheral detaches it from
 * its channels.
 */
DMASIM_API void dmasim_isa_dma_detach(struct dmasim_model *periph, unsigned int chan);
/**
 * dmasim_isa_dma_push() - the peripheral has @len bytes for memory (a
 * transfer to memory): DREQ is asserted until the controller has taken them.
 * On a 16-bit channel the controller takes them a word (2 bytes) per cycle.
 * Return: 0, -EINVAL (not attached), -ENOMEM.
 */
DMASIM_API int dmasim_isa_dma_push(struct dmasim_model *periph, unsigned int chan,
				   const void *data, size_t len);
/**
 * dmasim_isa_dma_request() - the peripheral wants @len more bytes from
 * memory (a transfer from memory, or verify cycles): DREQ is asserted
 * until that many were transferred.  They arrive for dmasim_isa_dma_pull().
 * Return: 0, -EINVAL (not attached).
 */
DMASIM_API int dmasim_isa_dma_request(struct dmasim_model *periph, unsigned int chan, size_t len);
/**
 * dmasim_isa_dma_pull() - take up to @len bytes the controller read from
 * memory for the peripheral (in the order of the cycles).
 * Return: the number of bytes taken.
 */
DMASIM_API size_t dmasim_isa_dma_pull(struct dmasim_model *periph, unsigned int chan, void *buf,
				      size_t len);
/**
 * dmasim_isa_dma_pending() - bytes pushed that the controller has not yet
 * written to memory, plus bytes requested it has not yet read (a DSP's FIFO
 * is drained when this is 0).
 */
DMASIM_API size_t dmasim_isa_dma_pending(struct dmasim_model *periph, unsigned int chan);
/**
 * dmasim_isa_dma_cancel() - the peripheral drops its DREQ: bytes pushed and
 * not yet transferred, and requests not yet served, are forgotten.
 */
DMASIM_API void dmasim_isa_dma_cancel(struct dmasim_model *periph, unsigned int chan);

#ifdef __cplusplus
}
#endif

#endif /* DMASIM_ISA_H */
