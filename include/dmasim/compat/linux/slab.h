/*
 * <linux/slab.h> - kmalloc and friends, DMA-safe (dmasim compat): kmalloc(),
 * kzalloc(), kcalloc(), kmalloc_array(), krealloc(), kmemdup(), kstrdup(),
 * kvmalloc(), kfree(), ksize(), and the device-managed devm_kmalloc(),
 * devm_kzalloc(), devm_kcalloc(), devm_kfree() ...
 */
#ifndef DMASIM_COMPAT_LINUX_SLAB_H
#define DMASIM_COMPAT_LINUX_SLAB_H

#include <dmasim/ktypes.h>
#include <dmasim/mm.h>
#include <dmasim/slab.h>

#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= 16UL)
#define KMALLOC_MAX_SIZE (1UL << (PAGE_SHIFT + 10))

#endif /* DMASIM_COMPAT_LINUX_SLAB_H */
