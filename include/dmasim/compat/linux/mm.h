/* <linux/mm.h> - pages, the linear map and user pages (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_MM_H
#define DMASIM_COMPAT_LINUX_MM_H

#include <dmasim/ktypes.h>
#include <dmasim/mm.h>

#endif
