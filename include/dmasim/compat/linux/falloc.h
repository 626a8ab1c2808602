/*
 * <linux/falloc.h> - fallocate() mode flags (dmasim compat).
 *
 * The C library's <fcntl.h> includes this name, so it must stay the uapi
 * header; the kernel's internal additions (struct space_resv, the
 * FALLOC_FL_SUPPORTED_MASK of filesystems) have no use in a DMA driver and
 * are not provided.
 */
#ifndef DMASIM_COMPAT_LINUX_FALLOC_H
#define DMASIM_COMPAT_LINUX_FALLOC_H

#include_next <linux/falloc.h>

#endif /* DMASIM_COMPAT_LINUX_FALLOC_H */
