/*
 * lib/dmaengine/dmaengine.h - what the files of the dmaengine layer share.
 *
 * The layer sits above the device models and the DMA API: it uses only
 * dmasim's public API (<dmasim/model.h>, <linux/...>) plus the machine's
 * report and log functions (core/core.h).  dmaengine.c is the consumer API
 * and the provider core (channels, descriptors, cookies, callbacks, the
 * slave map), dma-fifo.c the peripheral FIFOs, dma-generic.c the generic
 * controller model and its provider driver.
 */
#ifndef DMASIM_LIB_DMAENGINE_H
#define DMASIM_LIB_DMAENGINE_H

#include <dmasim/dma-controller.h>
#include <dmasim/model.h>

#include "core/core.h"

/* Request lines per controller. */
#define DMASIM_DMA_NR_REQ 64

/* The FIFO wired to a controller at physical address @phys (its line in *@line), or NULL. */
struct dmasim_fifo *dmasim__dma_fifo_at(struct dmasim_dma_controller *c, phys_addr_t phys,
					int *line);
/* The platform of a controller. */
struct dmasim_platform *dmasim__dma_platform(struct dmasim_dma_controller *c);
/* A counted misuse report about channel @chan. */
void dmasim__dma_report(struct dma_chan *chan, const char *call, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* FIFO operations for a controller's engine (under the FIFO's own leaf lock). */
unsigned int dmasim__fifo_width(struct dmasim_fifo *f);
/* Bytes the bus may write now (@write) or read now. */
size_t dmasim__fifo_avail(struct dmasim_fifo *f, bool write);
/* Move @n bytes in (write) or out; returns bytes moved. */
size_t dmasim__fifo_xfer(struct dmasim_fifo *f, void *buf, size_t n, bool write);
/*
 * Ask @f to call @fn(@arg) once, the next time the peripheral changes its
 * level; returns true when, re-checked after arming, @need bytes are
 * available already (the caller goes on; the request stays armed).
 */
bool dmasim__fifo_arm(struct dmasim_fifo *f, size_t need, bool write);
/* Wire @f's level-change notification to @fn(@arg) (NULL: none). */
void dmasim__fifo_set_notify(struct dmasim_fifo *f, void (*fn)(void *arg), void *arg);

#endif /* DMASIM_LIB_DMAENGINE_H */
