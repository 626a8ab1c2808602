/* <linux/vmalloc.h> - virtually contiguous memory and aliases (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_VMALLOC_H
#define DMASIM_COMPAT_LINUX_VMALLOC_H

#include <dmasim/ktypes.h>
#include <dmasim/mm.h>

#endif
