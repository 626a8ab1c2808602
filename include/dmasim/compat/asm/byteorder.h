/*
 * <asm/byteorder.h> - the CPU's byte order (dmasim compat): the host's, since
 * the simulated CPU is the host.  Gives cpu_to_le32() and the rest of
 * <linux/byteorder/generic.h>.
 */
#ifndef DMASIM_COMPAT_ASM_BYTEORDER_H
#define DMASIM_COMPAT_ASM_BYTEORDER_H

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#include <linux/byteorder/big_endian.h>
#else
#include <linux/byteorder/little_endian.h>
#endif

#endif /* DMASIM_COMPAT_ASM_BYTEORDER_H */
