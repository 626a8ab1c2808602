/* <linux/scatterlist.h> - scatter-gather lists and tables (dmasim compat). */
#ifndef DMASIM_COMPAT_LINUX_SCATTERLIST_H
#define DMASIM_COMPAT_LINUX_SCATTERLIST_H

#include <dmasim/scatterlist.h>

#endif
