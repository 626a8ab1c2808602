/* <linux/dma-mapping.h> - the DMA mapping API (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_DMA_MAPPING_H
#define DMASIM_COMPAT_LINUX_DMA_MAPPING_H

#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/scatterlist.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <dmasim/dma-mapping.h>

#endif
