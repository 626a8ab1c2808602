/*
 * <linux/swab.h> - byte swapping (dmasim compat).  The __swab*() half is the
 * system's uapi header, included as the kernel's own header does.
 */
#ifndef DMASIM_COMPAT_LINUX_SWAB_H
#define DMASIM_COMPAT_LINUX_SWAB_H

#include <linux/types.h>
#include_next <linux/swab.h>

#define swab16 __swab16
#define swab32 __swab32
#define swab64 __swab64
#define swahw32 __swahw32
#define swahb32 __swahb32
#define swab16p __swab16p
#define swab32p __swab32p
#define swab64p __swab64p
#define swab16s __swab16s
#define swab32s __swab32s
#define swab64s __swab64s

#endif /* DMASIM_COMPAT_LINUX_SWAB_H */
