/* <linux/gfp.h> - page allocation (dmasim compat): GFP flags and alloc_pages(). */
#ifndef DMASIM_COMPAT_LINUX_GFP_H
#define DMASIM_COMPAT_LINUX_GFP_H

#include <dmasim/ktypes.h>
#include <dmasim/mm.h>

#endif
