/* <linux/dmapool.h> - pools of small coherent DMA blocks (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_DMAPOOL_H
#define DMASIM_COMPAT_LINUX_DMAPOOL_H

#include <linux/device.h>
#include <dmasim/dmapool.h>

#endif
