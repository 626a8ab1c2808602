/*
 * <linux/dmaengine.h> - the dmaengine slave-DMA consumer API over dmasim's
 * simulated DMA controllers (<dmasim/dmaengine.h>, docs/dmaengine.md).
 * The system has no uapi header of this name; the provider side is
 * <dmasim/dma-controller.h>.
 */
#ifndef DMASIM_COMPAT_LINUX_DMAENGINE_H
#define DMASIM_COMPAT_LINUX_DMAENGINE_H

#include <linux/device.h>
#include <linux/err.h>
#include <linux/scatterlist.h>
#include <dmasim/dmaengine.h>

#endif
