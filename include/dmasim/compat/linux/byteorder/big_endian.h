/*
 * <linux/byteorder/big_endian.h> - byte order of a big-endian CPU (dmasim
 * compat): the system's uapi __cpu_to_le32() and friends, then the kernel's
 * names for them from <linux/byteorder/generic.h>.
 */
#ifndef DMASIM_COMPAT_LINUX_BYTEORDER_BIG_ENDIAN_H
#define DMASIM_COMPAT_LINUX_BYTEORDER_BIG_ENDIAN_H

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
#error "dmasim: <linux/byteorder/big_endian.h> on a little-endian host; include <asm/byteorder.h>, which picks the host's byte order"
#endif
#include <linux/types.h>
#include <linux/swab.h>
#include_next <linux/byteorder/big_endian.h>
#include <linux/byteorder/generic.h>

#endif /* DMASIM_COMPAT_LINUX_BYTEORDER_BIG_ENDIAN_H */
