/* <linux/mm.h> - pages and their arithmetic, the linear map, user pages (get_user_pages, pin_user_pages, unpin_user_pages_dirty_lock), alloc_pages_exact (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_MM_H
#define DMASIM_COMPAT_LINUX_MM_H

#include <dmasim/ktypes.h>
#include <dmasim/mm.h>

#endif
