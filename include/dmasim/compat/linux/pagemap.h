/* <linux/pagemap.h> - page references and dirtying around user pages: put_page(), set_page_dirty_lock() (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_PAGEMAP_H
#define DMASIM_COMPAT_LINUX_PAGEMAP_H

#include <dmasim/ktypes.h>
#include <dmasim/mm.h>

#endif
