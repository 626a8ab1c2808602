/* <linux/highmem.h> - temporary CPU mappings of (high memory) pages (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_HIGHMEM_H
#define DMASIM_COMPAT_LINUX_HIGHMEM_H

#include <dmasim/ktypes.h>
#include <dmasim/mm.h>

#endif
