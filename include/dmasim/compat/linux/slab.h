/* <linux/slab.h> - kmalloc and friends, DMA-safe (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_SLAB_H
#define DMASIM_COMPAT_LINUX_SLAB_H

#include <dmasim/ktypes.h>
#include <dmasim/mm.h>

#endif
